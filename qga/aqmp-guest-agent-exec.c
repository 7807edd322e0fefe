/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmp-guest-agent-private.h"

/*
 * AqmpGuestAgent, continued: running a program in the guest with
 * guest-exec, polling guest-exec-status until it exited, and handing back
 * its output with what the agent says about it (AqmpGuestExecResult).
 */

/* guest-exec-status polling: 10 ms, doubling, at most 500 ms apart */
#define AQMP_GUEST_AGENT_POLL_FIRST_MS 10
#define AQMP_GUEST_AGENT_POLL_MAX_MS 500

typedef struct {
  gint64 pid;
  guint interval;
  guint timeout_ms;
  gint64 deadline;          /* monotonic µs; 0 for none */
} AqmpGuestExec;

static void aqmp_guest_agent_exec_poll (GTask *task);

static gboolean
aqmp_guest_agent_exec_poll_cb (gpointer user_data)
{
  aqmp_guest_agent_exec_poll (G_TASK (user_data));
  return G_SOURCE_REMOVE;
}

static void
aqmp_guest_agent_exec_schedule (GTask *task)
{
  AqmpGuestAgent *self = g_task_get_source_object (task);
  AqmpGuestExec *exec = g_task_get_task_data (task);
  guint interval = exec->interval;
  GSource *timer;

  if (exec->deadline > 0)
    {
      gint64 left = (exec->deadline - g_get_monotonic_time ()) / 1000;
      if (left <= 0)
        {
          g_task_return_new_error (task, AQMP_ERROR, AQMP_ERROR_TIMEOUT,
                                   "the guest program (pid %" G_GINT64_FORMAT ") did not exit within %u ms",
                                   exec->pid, exec->timeout_ms);
          return;
        }
      interval = MIN (interval, (guint) left);
    }
  exec->interval = MIN (exec->interval * 2, AQMP_GUEST_AGENT_POLL_MAX_MS);
  timer = g_timeout_source_new (interval);
  g_source_set_static_name (timer, "[aqmp-qga] exec poll");
  g_source_set_callback (timer, aqmp_guest_agent_exec_poll_cb, g_object_ref (task), g_object_unref);
  g_source_attach (timer, aqmp_client_get_context (aqmp_guest_agent_get_client (self)));
  g_source_unref (timer);
}

static void
aqmp_guest_agent_exec_status_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  AqmpGuestAgent *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_guest_agent_execute_finish (self, res, &error);
  g_autoptr(JsonObject) status = NULL;
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GByteArray) err = g_byte_array_new ();
  g_autoptr(GBytes) out_bytes = NULL;
  g_autoptr(GBytes) err_bytes = NULL;
  gint exit_status = -1;
  gint64 code = 0;

  if (value == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  status = aqmp_guest_agent_take_object (value, "guest-exec-status", &error);
  if (status == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!aqmp_json_get_boolean (status, "exited", FALSE))
    {
      aqmp_guest_agent_exec_schedule (task);
      return;
    }

  if (!aqmp_guest_agent_get_base64 (status, "out-data", "guest-exec-status", out, &error)
      || !aqmp_guest_agent_get_base64 (status, "err-data", "guest-exec-status", err, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* a program killed by signal N reports 128 + N, as shells do */
  if (json_object_has_member (status, "exitcode")
      && aqmp_guest_agent_get_int (status, "exitcode", "guest-exec-status", &code, NULL))
    exit_status = (gint) code;
  else if (json_object_has_member (status, "signal")
           && aqmp_guest_agent_get_int (status, "signal", "guest-exec-status", &code, NULL))
    exit_status = 128 + (gint) code;
  out_bytes = g_byte_array_free_to_bytes (g_steal_pointer (&out));
  err_bytes = g_byte_array_free_to_bytes (g_steal_pointer (&err));
  g_task_return_pointer (task,
                         aqmp_guest_exec_result_new (exit_status,
                                                     out_bytes,
                                                     aqmp_json_get_boolean (status, "out-truncated", FALSE),
                                                     err_bytes,
                                                     aqmp_json_get_boolean (status, "err-truncated", FALSE)),
                         (GDestroyNotify) aqmp_guest_exec_result_unref);
}

static void
aqmp_guest_agent_exec_poll (GTask *task)
{
  AqmpGuestAgent *self = g_task_get_source_object (task);
  AqmpGuestExec *exec = g_task_get_task_data (task);
  g_autoptr(JsonObject) args = json_object_new ();

  if (g_task_return_error_if_cancelled (task))
    return;
  json_object_set_int_member (args, "pid", exec->pid);
  aqmp_client_execute_async (aqmp_guest_agent_get_client (self), "guest-exec-status", args, g_task_get_cancellable (task),
                             aqmp_guest_agent_exec_status_cb, g_object_ref (task));
}

static void
aqmp_guest_agent_exec_started_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  AqmpGuestAgent *self = g_task_get_source_object (task);
  AqmpGuestExec *exec = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_guest_agent_execute_finish (self, res, &error);
  g_autoptr(JsonObject) started = NULL;

  if (value != NULL)
    started = aqmp_guest_agent_take_object (value, "guest-exec", &error);
  if (started == NULL || !aqmp_guest_agent_get_int (started, "pid", "guest-exec", &exec->pid, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_debug ("guest program started, pid %" G_GINT64_FORMAT, exec->pid);
  aqmp_guest_agent_exec_poll (task);
}

/**
 * aqmp_guest_agent_exec_async:
 * @self: an #AqmpGuestAgent
 * @argv: (array zero-terminated=1): the program (a path in the guest) and
 *   its arguments
 * @envp: (array zero-terminated=1) (nullable): the environment as
 *   `NAME=VALUE` strings, or %NULL for the agent's
 * @input: (nullable): bytes for the program's standard input
 * @timeout_ms: how long to wait for the program to exit; 0 for no limit
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called once the program exited
 * @user_data: data for @callback
 *
 * Runs a program in the guest with `guest-exec`, capturing its output,
 * and waits for it to exit by polling `guest-exec-status`: first after
 * 10 ms, then twice as long each time, up to every 500 ms.
 *
 * A program still running after @timeout_ms fails the call with
 * %AQMP_ERROR_TIMEOUT; it keeps running in the guest.
 *
 * The agent keeps at most 16 MiB of each output stream (qemu-ga); the
 * reply carrying them may be larger than #AqmpClient:max-message-size,
 * and #AqmpQgaProtocol allows it. Whether output was cut short is told
 * by aqmp_guest_agent_exec_finish_result().
 *
 * Since: 0.1
 */
void
aqmp_guest_agent_exec_async (AqmpGuestAgent      *self,
                             const gchar * const *argv,
                             const gchar * const *envp,
                             GBytes              *input,
                             guint                timeout_ms,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonObject) args = json_object_new ();
  g_autoptr(JsonArray) arg = json_array_new ();
  AqmpGuestExec *exec;

  g_return_if_fail (AQMP_IS_GUEST_AGENT (self));
  g_return_if_fail (argv != NULL && argv[0] != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aqmp_guest_agent_exec_async);
  exec = g_new0 (AqmpGuestExec, 1);
  exec->interval = AQMP_GUEST_AGENT_POLL_FIRST_MS;
  exec->timeout_ms = timeout_ms;
  if (timeout_ms > 0)
    exec->deadline = g_get_monotonic_time () + (gint64) timeout_ms * G_TIME_SPAN_MILLISECOND;
  g_task_set_task_data (task, exec, g_free);

  json_object_set_string_member (args, "path", argv[0]);
  for (guint i = 1; argv[i] != NULL; i++)
    json_array_add_string_element (arg, argv[i]);
  json_object_set_array_member (args, "arg", g_steal_pointer (&arg));
  if (envp != NULL)
    {
      g_autoptr(JsonArray) env = json_array_new ();
      for (guint i = 0; envp[i] != NULL; i++)
        json_array_add_string_element (env, envp[i]);
      json_object_set_array_member (args, "env", g_steal_pointer (&env));
    }
  if (input != NULL)
    {
      gsize len = 0;
      const guchar *data = g_bytes_get_data (input, &len);
      aqmp_guest_agent_set_base64 (args, "input-data", data, len);
    }
  json_object_set_boolean_member (args, "capture-output", TRUE);
  aqmp_client_execute_async (aqmp_guest_agent_get_client (self), "guest-exec", args, cancellable,
                             aqmp_guest_agent_exec_started_cb, g_steal_pointer (&task));
}

/**
 * aqmp_guest_agent_exec_finish:
 * @self: an #AqmpGuestAgent
 * @result: the #GAsyncResult
 * @exit_status: (out) (optional): the program's exit code, or 128 + N when
 *   it was killed by signal N
 * @stdout_data: (out) (optional) (transfer full): its standard output
 * @stderr_data: (out) (optional) (transfer full): its standard error
 * @error: return location for a #GError
 *
 * The standard output and error are what the agent kept: see
 * aqmp_guest_agent_exec_finish_result() for whether it cut them short.
 *
 * Returns: %TRUE when the program ran and exited, whatever its exit code
 *
 * Since: 0.1
 */
gboolean
aqmp_guest_agent_exec_finish (AqmpGuestAgent  *self,
                              GAsyncResult    *result,
                              gint            *exit_status,
                              GBytes         **stdout_data,
                              GBytes         **stderr_data,
                              GError         **error)
{
  g_autoptr(AqmpGuestExecResult) exec = aqmp_guest_agent_exec_finish_result (self, result, error);

  if (exec == NULL)
    return FALSE;
  if (exit_status != NULL)
    *exit_status = aqmp_guest_exec_result_get_exit_status (exec);
  if (stdout_data != NULL)
    *stdout_data = g_bytes_ref (aqmp_guest_exec_result_get_stdout (exec));
  if (stderr_data != NULL)
    *stderr_data = g_bytes_ref (aqmp_guest_exec_result_get_stderr (exec));
  return TRUE;
}

/**
 * aqmp_guest_agent_exec_finish_result:
 * @self: an #AqmpGuestAgent
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes aqmp_guest_agent_exec_async() with everything the agent told:
 * the exit status, the output, and whether the agent truncated the
 * standard output or error (`out-truncated`, `err-truncated`).
 *
 * Returns: (transfer full): the program's result, or %NULL with @error set
 *
 * Since: 0.1
 */
AqmpGuestExecResult *
aqmp_guest_agent_exec_finish_result (AqmpGuestAgent *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (AQMP_IS_GUEST_AGENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == aqmp_guest_agent_exec_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct {
  const gchar * const *argv;
  const gchar * const *envp;
  GBytes *input;
  guint timeout_ms;
  GCancellable *cancellable;
} AqmpGuestExecArgs;

static void
aqmp_guest_agent_exec_start (AqmpGuestAgent *self, gpointer data, GAsyncReadyCallback cb, gpointer ud)
{
  AqmpGuestExecArgs *a = data;

  aqmp_guest_agent_exec_async (self, a->argv, a->envp, a->input, a->timeout_ms, a->cancellable, cb, ud);
}

/**
 * aqmp_guest_agent_exec_sync:
 * @self: an #AqmpGuestAgent
 * @argv: (array zero-terminated=1): the program and its arguments
 * @envp: (array zero-terminated=1) (nullable): the environment, or %NULL
 * @input: (nullable): bytes for the program's standard input
 * @timeout_ms: how long to wait for the program to exit; 0 for no limit
 * @exit_status: (out) (optional): the program's exit code
 * @stdout_data: (out) (optional) (transfer full): its standard output
 * @stderr_data: (out) (optional) (transfer full): its standard error
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The synchronous aqmp_guest_agent_exec_async().
 *
 * Returns: %TRUE when the program ran and exited
 *
 * Since: 0.1
 */
gboolean
aqmp_guest_agent_exec_sync (AqmpGuestAgent       *self,
                            const gchar * const  *argv,
                            const gchar * const  *envp,
                            GBytes               *input,
                            guint                 timeout_ms,
                            gint                 *exit_status,
                            GBytes              **stdout_data,
                            GBytes              **stderr_data,
                            GCancellable         *cancellable,
                            GError              **error)
{
  AqmpGuestExecArgs args = { argv, envp, input, timeout_ms, cancellable };
  g_autoptr(GAsyncResult) result = NULL;

  g_return_val_if_fail (AQMP_IS_GUEST_AGENT (self), FALSE);
  result = aqmp_guest_agent_run_sync (self, aqmp_guest_agent_exec_start, &args);
  return aqmp_guest_agent_exec_finish (self, result, exit_status, stdout_data, stderr_data, error);
}

/**
 * aqmp_guest_agent_exec_sync_result:
 * @self: an #AqmpGuestAgent
 * @argv: (array zero-terminated=1): the program and its arguments
 * @envp: (array zero-terminated=1) (nullable): the environment, or %NULL
 * @input: (nullable): bytes for the program's standard input
 * @timeout_ms: how long to wait for the program to exit; 0 for no limit
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The synchronous aqmp_guest_agent_exec_async(), finished with
 * aqmp_guest_agent_exec_finish_result().
 *
 * Returns: (transfer full): the program's result, or %NULL with @error set
 *
 * Since: 0.1
 */
AqmpGuestExecResult *
aqmp_guest_agent_exec_sync_result (AqmpGuestAgent      *self,
                                   const gchar * const *argv,
                                   const gchar * const *envp,
                                   GBytes              *input,
                                   guint                timeout_ms,
                                   GCancellable        *cancellable,
                                   GError             **error)
{
  AqmpGuestExecArgs args = { argv, envp, input, timeout_ms, cancellable };
  g_autoptr(GAsyncResult) result = NULL;

  g_return_val_if_fail (AQMP_IS_GUEST_AGENT (self), NULL);
  result = aqmp_guest_agent_run_sync (self, aqmp_guest_agent_exec_start, &args);
  return aqmp_guest_agent_exec_finish_result (self, result, error);
}
