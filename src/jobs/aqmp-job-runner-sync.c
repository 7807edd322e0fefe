/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <unistd.h>

#include "aqmp-job-runner-private.h"

/*
 * Synchronous wrappers, as the client's own: each starts the async call
 * on the client's context through aqmp_client_run_sync(), which drives
 * that context (or, when another thread runs it, waits for that thread)
 * until the call completes. Safe to call from any thread.
 */

typedef struct {
  AqmpJobRunner *runner;
  const gchar *command;
  JsonObject *arguments;
  AqmpJobStartFlags flags;
  guint32 uid;
  const gchar *id;
  AqmpJobAction action;
  guint64 speed;
  GCancellable *cancellable;
} AqmpJobRunnerSync;

static void
aqmp_job_runner_sync_start (gpointer data, GAsyncReadyCallback callback, gpointer user_data)
{
  AqmpJobRunnerSync *args = data;

  aqmp_job_runner_start_full_async (args->runner, args->command, args->arguments, args->flags, args->uid,
                                    args->cancellable, callback, user_data);
}

/**
 * aqmp_job_runner_start_full_sync:
 * @self: an #AqmpJobRunner
 * @command: a job-creating QMP command
 * @arguments: (nullable): the command's arguments
 * @flags: #AqmpJobStartFlags
 * @started_by_uid: who asks, kept in the job store with the job
 * @cancellable: (nullable): a #GCancellable, checked before the command
 *   is sent
 * @error: return location for a #GError
 *
 * The synchronous form of aqmp_job_runner_start_full_async() with
 * aqmp_job_runner_start_finish_all(): returns once QEMU answered the
 * command, with every job it started (one per job-creating action of a
 * `transaction`). aqmp_job_wait_sync() then follows each to its end.
 *
 * Returns: (transfer container) (element-type AqmpJob) (nullable): the
 *   jobs, or %NULL with @error set
 *
 * Since: 0.1
 */
GPtrArray *
aqmp_job_runner_start_full_sync (AqmpJobRunner      *self,
                                 const gchar        *command,
                                 JsonObject         *arguments,
                                 AqmpJobStartFlags   flags,
                                 guint32             started_by_uid,
                                 GCancellable       *cancellable,
                                 GError            **error)
{
  AqmpJobRunnerSync args = {
    .runner = self, .command = command, .arguments = arguments, .flags = flags, .uid = started_by_uid,
    .cancellable = cancellable,
  };
  g_autoptr(GAsyncResult) result = NULL;

  g_return_val_if_fail (AQMP_IS_JOB_RUNNER (self), NULL);
  g_return_val_if_fail (command != NULL, NULL);

  result = aqmp_client_run_sync (self->client, aqmp_job_runner_sync_start, &args);
  return aqmp_job_runner_start_finish_all (self, result, error);
}

/**
 * aqmp_job_runner_start_sync:
 * @self: an #AqmpJobRunner
 * @command: a job-creating QMP command
 * @arguments: (nullable): the command's arguments
 * @flags: #AqmpJobStartFlags
 * @cancellable: (nullable): a #GCancellable, checked before the command
 *   is sent
 * @error: return location for a #GError
 *
 * The synchronous form of aqmp_job_runner_start_async(), on behalf of
 * this process's user.
 *
 * Returns: (transfer full) (nullable): the job (for a `transaction`, the
 *   first it started), or %NULL with @error set, as
 *   aqmp_job_runner_start_finish()
 *
 * Since: 0.1
 */
AqmpJob *
aqmp_job_runner_start_sync (AqmpJobRunner      *self,
                            const gchar        *command,
                            JsonObject         *arguments,
                            AqmpJobStartFlags   flags,
                            GCancellable       *cancellable,
                            GError            **error)
{
  g_autoptr(GPtrArray) jobs = aqmp_job_runner_start_full_sync (self, command, arguments, flags, (guint32) getuid (),
                                                               cancellable, error);

  if (jobs == NULL || jobs->len == 0)
    return NULL;
  return g_object_ref (g_ptr_array_index (jobs, 0));
}

static void
aqmp_job_runner_sync_reconcile (gpointer data, GAsyncReadyCallback callback, gpointer user_data)
{
  AqmpJobRunnerSync *args = data;

  aqmp_job_runner_reconcile_async (args->runner, args->cancellable, callback, user_data);
}

/**
 * aqmp_job_runner_reconcile_sync:
 * @self: an #AqmpJobRunner
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The synchronous form of aqmp_job_runner_reconcile_async().
 *
 * Returns: (transfer container) (element-type AqmpJob) (nullable): the jobs
 *   QEMU has, now followed by the runner, or %NULL with @error set
 *
 * Since: 0.1
 */
GPtrArray *
aqmp_job_runner_reconcile_sync (AqmpJobRunner *self, GCancellable *cancellable, GError **error)
{
  AqmpJobRunnerSync args = { .runner = self, .cancellable = cancellable };
  g_autoptr(GAsyncResult) result = NULL;

  g_return_val_if_fail (AQMP_IS_JOB_RUNNER (self), NULL);

  result = aqmp_client_run_sync (self->client, aqmp_job_runner_sync_reconcile, &args);
  return aqmp_job_runner_reconcile_finish (self, result, error);
}

static void
aqmp_job_runner_sync_control (gpointer data, GAsyncReadyCallback callback, gpointer user_data)
{
  AqmpJobRunnerSync *args = data;

  aqmp_job_runner_control_async (args->runner, args->id, args->action, args->cancellable, callback, user_data);
}

/**
 * aqmp_job_runner_control_sync:
 * @self: an #AqmpJobRunner
 * @id: the job's id; the job need not be one the runner follows
 * @action: what to do
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The synchronous form of aqmp_job_runner_control_async().
 *
 * Returns: %TRUE when QEMU accepted, as aqmp_job_runner_control_finish()
 *
 * Since: 0.1
 */
gboolean
aqmp_job_runner_control_sync (AqmpJobRunner  *self,
                              const gchar    *id,
                              AqmpJobAction   action,
                              GCancellable   *cancellable,
                              GError        **error)
{
  AqmpJobRunnerSync args = { .runner = self, .id = id, .action = action, .cancellable = cancellable };
  g_autoptr(GAsyncResult) result = NULL;

  g_return_val_if_fail (AQMP_IS_JOB_RUNNER (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  result = aqmp_client_run_sync (self->client, aqmp_job_runner_sync_control, &args);
  return aqmp_job_runner_control_finish (self, result, error);
}

static void
aqmp_job_runner_sync_set_speed (gpointer data, GAsyncReadyCallback callback, gpointer user_data)
{
  AqmpJobRunnerSync *args = data;

  aqmp_job_runner_set_speed_async (args->runner, args->id, args->speed, args->cancellable, callback, user_data);
}

/**
 * aqmp_job_runner_set_speed_sync:
 * @self: an #AqmpJobRunner
 * @id: the block job's id
 * @speed: the new limit in bytes per second, 0 for none
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The synchronous form of aqmp_job_runner_set_speed_async().
 *
 * Returns: %TRUE when QEMU accepted
 *
 * Since: 0.1
 */
gboolean
aqmp_job_runner_set_speed_sync (AqmpJobRunner  *self,
                                const gchar    *id,
                                guint64         speed,
                                GCancellable   *cancellable,
                                GError        **error)
{
  AqmpJobRunnerSync args = { .runner = self, .id = id, .speed = speed, .cancellable = cancellable };
  g_autoptr(GAsyncResult) result = NULL;

  g_return_val_if_fail (AQMP_IS_JOB_RUNNER (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (speed <= G_MAXINT64, FALSE);

  result = aqmp_client_run_sync (self->client, aqmp_job_runner_sync_set_speed, &args);
  return aqmp_job_runner_set_speed_finish (self, result, error);
}
