/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The "guest-exec-around-job" plugin: a command in the guest before a QEMU
 * job, and one after it, such as flushing a database to disk before a
 * backup and letting it go on afterwards.
 *
 *   1. `before` runs in the guest (guest-exec); a non-zero exit fails the
 *      workflow and the job never starts;
 *   2. the job is started on the machine's job runner, through the run's
 *      context (so it is in the job history and, under aqmpd, a D-Bus
 *      Job of its own), and followed to its end;
 *   3. `after` runs in the guest whenever `before` succeeded: also when
 *      the job failed or the workflow was cancelled. Both failures are
 *      reported.
 *
 * params:
 *   "before", "after": an argv array (["/usr/bin/fsync-db", "--all"]), or
 *            a string run with /bin/sh -c; either may be left out;
 *   "command": the job-creating QMP command, such as "blockdev-backup";
 *   "arguments": its arguments (an object, or a string holding one);
 *   "timeout": milliseconds each guest command may take (0: no limit).
 * result: {"before": {"exit-status": 0}, "job": {"id", "result"},
 *          "after": {"exit-status": 0}}
 */
#include <aqmp/aqmp-plugin.h>

/* what of a failing guest command's standard error goes into the error */
#define AROUND_MAX_STDERR 1024

#define AQMP_TYPE_GUEST_EXEC_AROUND_JOB (aqmp_guest_exec_around_job_get_type ())
G_DECLARE_FINAL_TYPE (AqmpGuestExecAroundJob, aqmp_guest_exec_around_job, AQMP, GUEST_EXEC_AROUND_JOB, AqmpWorkflow)
struct _AqmpGuestExecAroundJob { AqmpWorkflow parent_instance; };
G_DEFINE_FINAL_TYPE (AqmpGuestExecAroundJob, aqmp_guest_exec_around_job, AQMP_TYPE_WORKFLOW)

typedef struct {
  AqmpWorkflowContext *context;
  AqmpGuestAgent *agent;     /* the context's, nullable */
  AqmpJob *job;
  GStrv before;              /* nullable */
  GStrv after;               /* nullable */
  gchar *command;
  JsonObject *arguments;
  guint timeout_ms;
  GSource *cancel_source;
  JsonObject *result;
  GError *job_error;
  GError *after_error;
} AroundRun;

static void
around_run_free (AroundRun *run)
{
  if (run->cancel_source != NULL)
    {
      g_source_destroy (run->cancel_source);
      g_source_unref (run->cancel_source);
    }
  g_clear_object (&run->context);
  g_clear_object (&run->agent);
  g_clear_object (&run->job);
  g_strfreev (run->before);
  g_strfreev (run->after);
  g_free (run->command);
  g_clear_pointer (&run->arguments, json_object_unref);
  g_clear_pointer (&run->result, json_object_unref);
  g_clear_error (&run->job_error);
  g_clear_error (&run->after_error);
  g_free (run);
}

/* ----- parameters ----- */

static gboolean
around_is_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean
around_parse_argv (JsonObject *params, const gchar *member, GStrv *out, GError **error)
{
  JsonNode *node = json_object_get_member (params, member);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  if (node == NULL)
    return TRUE;
  if (around_is_string (node))
    {
      g_strv_builder_add_many (builder, "/bin/sh", "-c", json_node_get_string (node), NULL);
      *out = g_strv_builder_end (builder);
      return TRUE;
    }
  if (JSON_NODE_HOLDS_ARRAY (node) && json_array_get_length (json_node_get_array (node)) > 0)
    {
      JsonArray *array = json_node_get_array (node);
      gboolean ok = TRUE;

      for (guint i = 0; ok && i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          ok = around_is_string (element);
          if (ok)
            g_strv_builder_add (builder, json_node_get_string (element));
        }
      if (ok)
        {
          *out = g_strv_builder_end (builder);
          return TRUE;
        }
    }
  g_set_error (error, AQMP_ERROR, AQMP_ERROR_FAILED,
               "guest-exec-around-job: '%s' must be a command line for /bin/sh -c, "
               "or a non-empty array of strings", member);
  return FALSE;
}

static gboolean
around_parse (AroundRun *run, JsonObject *params, GError **error)
{
  JsonNode *args;

  if (params == NULL || !json_object_has_member (params, "command"))
    {
      g_set_error (error, AQMP_ERROR, AQMP_ERROR_FAILED,
                   "guest-exec-around-job: 'command' (the QMP command that starts the job) is required");
      return FALSE;
    }
  run->command = g_strdup (json_object_get_string_member_with_default (params, "command", NULL));
  if (run->command == NULL || run->command[0] == '\0')
    {
      g_set_error (error, AQMP_ERROR, AQMP_ERROR_FAILED, "guest-exec-around-job: 'command' must be a string");
      return FALSE;
    }
  args = json_object_get_member (params, "arguments");
  if (args != NULL && around_is_string (args))
    {
      g_autoptr(JsonNode) parsed = aqmp_json_parse (json_node_get_string (args), -1, NULL);
      if (parsed != NULL && JSON_NODE_HOLDS_OBJECT (parsed))
        run->arguments = json_object_ref (json_node_get_object (parsed));
    }
  else if (args != NULL && JSON_NODE_HOLDS_OBJECT (args))
    run->arguments = json_object_ref (json_node_get_object (args));
  if (args != NULL && run->arguments == NULL)
    {
      g_set_error (error, AQMP_ERROR, AQMP_ERROR_FAILED,
                   "guest-exec-around-job: 'arguments' must be a JSON object");
      return FALSE;
    }
  run->timeout_ms = (guint) CLAMP (json_object_get_int_member_with_default (params, "timeout", 0), 0, G_MAXINT);
  return around_parse_argv (params, "before", &run->before, error)
         && around_parse_argv (params, "after", &run->after, error);
}

/* how a command is named in messages: the shell's command line, or argv */
static gchar *
around_describe (GStrv argv)
{
  if (g_strv_length (argv) == 3 && g_strcmp0 (argv[0], "/bin/sh") == 0 && g_strcmp0 (argv[1], "-c") == 0)
    return g_strdup (argv[2]);
  return g_strjoinv (" ", argv);
}

/* ----- the end ----- */

static void
around_error_append (GError *error, const gchar *more)
{
  gchar *message = g_strdup_printf ("%s; %s", error->message, more);

  g_free (error->message);
  error->message = message;
}

/* takes the reference the steps passed along */
static void
around_finish (GTask *task)
{
  g_autoptr(GTask) owned = task;
  AroundRun *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (run->job != NULL)
    g_signal_handlers_disconnect_by_data (run->job, task);
  if (run->cancel_source != NULL)
    {
      g_source_destroy (run->cancel_source);
      g_clear_pointer (&run->cancel_source, g_source_unref);
    }
  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "the workflow was cancelled");
  else if (run->job_error != NULL)
    error = g_steal_pointer (&run->job_error);
  if (run->after_error != NULL)
    {
      if (error == NULL)
        error = g_steal_pointer (&run->after_error);
      else
        around_error_append (error, run->after_error->message);
    }
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  aqmp_workflow_context_report_progress (run->context, 1.0, "done");
  g_task_return_pointer (task, json_node_init_object (json_node_alloc (), run->result),
                         (GDestroyNotify) json_node_unref);
}

/* ----- running a guest command ----- */

/* the error for a guest command that failed or exited non-zero, or NULL */
static GError *
around_exec_result (AroundRun *run, const gchar *which, GStrv argv, GAsyncResult *res)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) err = NULL;
  g_autoptr(JsonObject) status = json_object_new ();
  g_autofree gchar *name = around_describe (argv);
  g_autofree gchar *text = NULL;
  const gchar *data;
  gint exit_status = -1;
  gsize len = 0;

  if (!aqmp_guest_agent_exec_finish (run->agent, res, &exit_status, &out, &err, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return g_steal_pointer (&error);
      return g_error_new (error->domain, error->code, "the '%s' command '%s' could not be run: %s",
                          which, name, error->message);
    }
  json_object_set_int_member (status, "exit-status", exit_status);
  json_object_set_object_member (run->result, which, json_object_ref (status));
  if (exit_status == 0)
    return NULL;
  data = err != NULL ? g_bytes_get_data (err, &len) : NULL;
  text = g_strndup (data != NULL ? data : "", MIN (len, AROUND_MAX_STDERR));
  g_strstrip (text);
  return g_error_new (AQMP_ERROR, AQMP_ERROR_FAILED, "the '%s' command '%s' exited with code %d%s%s",
                      which, name, exit_status, text[0] != '\0' ? ": " : "", text);
}

static void
around_exec (AroundRun *run, GStrv argv, GCancellable *cancellable, GAsyncReadyCallback callback, GTask *task)
{
  aqmp_guest_agent_exec_async (run->agent, (const gchar * const *) argv, NULL, NULL, run->timeout_ms,
                               cancellable, callback, task);
}

static void
around_after_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  AroundRun *run = g_task_get_task_data (task);

  run->after_error = around_exec_result (run, "after", run->after, res);
  around_finish (task);
}

/* whenever `before` succeeded, whatever became of the job */
static void
around_run_after (GTask *task)
{
  AroundRun *run = g_task_get_task_data (task);

  if (run->after == NULL)
    {
      around_finish (task);
      return;
    }
  aqmp_workflow_context_report_progress (run->context, 0.9, "running the 'after' command");
  /* not cancellable: it undoes what `before` did */
  around_exec (run, run->after, NULL, around_after_cb, task);
}

/* ----- the job ----- */

static void
around_waited_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  AroundRun *run = g_task_get_task_data (task);
  g_autoptr(JsonObject) job = json_object_new ();

  if (!aqmp_job_wait_finish (AQMP_JOB (source), res, &run->job_error))
    g_prefix_error (&run->job_error, "the job failed: ");
  json_object_set_string_member (job, "id", aqmp_job_get_id (run->job));
  json_object_set_string_member (job, "result", aqmp_job_result_to_string (aqmp_job_get_result (run->job)));
  json_object_set_object_member (run->result, "job", g_steal_pointer (&job));
  around_run_after (task);
}

static void
around_fraction_cb (AqmpJob *job, GParamSpec *pspec, gpointer user_data)
{
  GTask *task = user_data;
  AroundRun *run = g_task_get_task_data (task);

  if (aqmp_job_get_fraction_valid (job))
    aqmp_workflow_context_report_progress (run->context, 0.1 + 0.8 * aqmp_job_get_fraction (job),
                                           "the job is running");
}

static void
around_job_cancelled_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  /* a job that ended meanwhile cannot be cancelled: that is fine */
  if (!aqmp_job_runner_control_finish (AQMP_JOB_RUNNER (source), res, &error))
    g_debug ("cancelling the job failed: %s", error->message);
}

static gboolean
around_cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  GTask *task = user_data;
  AroundRun *run = g_task_get_task_data (task);

  g_clear_pointer (&run->cancel_source, g_source_unref);
  aqmp_job_runner_control_async (aqmp_workflow_context_get_runner (run->context), aqmp_job_get_id (run->job),
                                 AQMP_JOB_ACTION_CANCEL, NULL, around_job_cancelled_cb, NULL);
  return G_SOURCE_REMOVE;
}

static void
around_started_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  AroundRun *run = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  run->job = aqmp_workflow_context_start_job_finish (run->context, res, &run->job_error);
  if (run->job == NULL)
    {
      g_prefix_error (&run->job_error, "the job could not be started: ");
      around_run_after (task);
      return;
    }
  aqmp_workflow_context_report_progress (run->context, 0.1, "the job started");
  g_signal_connect (run->job, "notify::fraction", G_CALLBACK (around_fraction_cb), task);
  if (cancellable != NULL)
    {
      run->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (run->cancel_source, G_SOURCE_FUNC (around_cancelled_cb), task, NULL);
      g_source_attach (run->cancel_source, g_task_get_context (task));
    }
  /* the job's end, not the caller's patience: cancelling cancels the job */
  aqmp_job_wait_async (run->job, NULL, around_waited_cb, task);
}

static void
around_start_job (GTask *task)
{
  AroundRun *run = g_task_get_task_data (task);

  aqmp_workflow_context_report_progress (run->context, 0.05, "starting the job");
  /* the machine's runner: never one of our own, so the job is recorded
   * and shown as the machine's */
  aqmp_workflow_context_start_job_async (run->context, run->command, run->arguments,
                                         AQMP_JOB_START_FLAGS_AUTO_COMPLETE, g_task_get_cancellable (task),
                                         around_started_cb, task);
}

static void
around_before_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  AroundRun *run = g_task_get_task_data (task);
  g_autoptr(GError) error = around_exec_result (run, "before", run->before, res);

  /* the job never starts, and `after` has nothing to undo */
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  around_start_job (task);
}

static void
aqmp_guest_exec_around_job_run_async (AqmpWorkflow *workflow, AqmpWorkflowContext *context,
                                      JsonObject *params, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data)
{
  AqmpGuestAgent *agent = aqmp_workflow_context_get_guest_agent (context);
  g_autoptr(GTask) task = g_task_new (workflow, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  AroundRun *run = g_new0 (AroundRun, 1);

  g_task_set_source_tag (task, aqmp_guest_exec_around_job_run_async);
  g_task_set_task_data (task, run, (GDestroyNotify) around_run_free);
  if (!around_parse (run, params, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (agent == NULL && (run->before != NULL || run->after != NULL))
    {
      g_task_return_new_error (task, AQMP_ERROR, AQMP_ERROR_STATE,
                               "guest-exec-around-job needs a guest agent connection to run "
                               "'before' and 'after'");
      return;
    }
  if (aqmp_workflow_context_get_runner (context) == NULL)
    {
      g_task_return_new_error (task, AQMP_ERROR, AQMP_ERROR_STATE,
                               "guest-exec-around-job needs the machine's QMP connection");
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  run->result = json_object_new ();
  run->context = g_object_ref (context);
  run->agent = agent != NULL ? g_object_ref (agent) : NULL;
  if (run->before == NULL)
    {
      around_start_job (g_steal_pointer (&task));
      return;
    }
  aqmp_workflow_context_report_progress (context, 0.0, "running the 'before' command");
  around_exec (run, run->before, cancellable, around_before_cb, g_steal_pointer (&task));
}

static void
aqmp_guest_exec_around_job_class_init (AqmpGuestExecAroundJobClass *klass)
{
  AQMP_WORKFLOW_CLASS (klass)->run_async = aqmp_guest_exec_around_job_run_async;
}

static void
aqmp_guest_exec_around_job_init (AqmpGuestExecAroundJob *self)
{
}

/* ----- the plugin ----- */

AQMP_PLUGIN_DEFINE (AqmpPluginGuestExecAroundJob, aqmp_plugin_guest_exec_around_job)

static gboolean
aqmp_plugin_guest_exec_around_job_setup (AqmpPlugin *plugin, GError **error)
{
  g_autoptr(AqmpWorkflow) around = g_object_new (AQMP_TYPE_GUEST_EXEC_AROUND_JOB,
                                                 "name", "guest-exec-around-job",
                                                 "description",
                                                 "Run a guest command before a QEMU job and another after it",
                                                 NULL);

  aqmp_plugin_add_workflow (plugin, around);
  return TRUE;
}

static void
aqmp_plugin_guest_exec_around_job_class_init (AqmpPluginGuestExecAroundJobClass *klass)
{
  AQMP_PLUGIN_CLASS (klass)->setup = aqmp_plugin_guest_exec_around_job_setup;
}

static void
aqmp_plugin_guest_exec_around_job_init (AqmpPluginGuestExecAroundJob *self)
{
}
