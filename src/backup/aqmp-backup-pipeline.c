/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * blockdev-adds and the job start that needs their nodes, sent together:
 * QEMU runs a monitor's commands in the order they came, so the start
 * sees the nodes without waiting a round trip for each add's answer. A
 * backup run does this twice (the target's file node with the qcow2
 * blockdev-create, the target nodes with the transaction), which takes a
 * round trip each off the time before its copy begins.
 */

#include "config.h"

#include "aqmp-backup-private.h"

typedef struct {
  AqmpJobRunner *runner;
  GPtrArray *adds;
  gboolean *added;
  GError **add_errors;
  const gchar *command;
  JsonObject *arguments;
  guint32 uid;
  GCancellable *cancellable;
  GPtrArray *jobs;
  GError *start_error;
  guint pending;
  GTask *task;
} AqmpBackupPipeline;

typedef struct {
  AqmpBackupPipeline *pipeline;
  guint index;
} AqmpBackupPipelineAdd;

/* the last answer completes the call; @self, on the stack of the thread
 * that waits in aqmp_client_run_sync(), may be gone once the task
 * returned, so nothing of it is touched after */
static void
aqmp_backup_pipeline_one_done (AqmpBackupPipeline *self)
{
  g_autoptr(GTask) task = NULL;

  if (--self->pending > 0)
    return;
  task = g_steal_pointer (&self->task);
  g_task_return_boolean (task, TRUE);
}

static void
aqmp_backup_pipeline_added_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpBackupPipelineAdd *add = user_data;
  AqmpBackupPipeline *self = add->pipeline;
  g_autoptr(JsonNode) reply = aqmp_client_execute_finish (AQMP_CLIENT (source), res, &self->add_errors[add->index]);

  self->added[add->index] = reply != NULL;
  g_free (add);
  aqmp_backup_pipeline_one_done (self);
}

static void
aqmp_backup_pipeline_started_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpBackupPipeline *self = user_data;

  self->jobs = aqmp_job_runner_start_finish_all (AQMP_JOB_RUNNER (source), res, &self->start_error);
  aqmp_backup_pipeline_one_done (self);
}

/* on the client's context: every add, then the start, each sent at once */
static void
aqmp_backup_pipeline_send (gpointer data, GAsyncReadyCallback callback, gpointer user_data)
{
  AqmpBackupPipeline *self = data;
  AqmpClient *client = aqmp_job_runner_get_client (self->runner);

  self->task = g_task_new (NULL, NULL, callback, user_data);
  self->pending = self->adds->len + 1;
  for (guint i = 0; i < self->adds->len; i++)
    {
      AqmpBackupPipelineAdd *add = g_new0 (AqmpBackupPipelineAdd, 1);

      add->pipeline = self;
      add->index = i;
      aqmp_client_execute_async (client, "blockdev-add", g_ptr_array_index (self->adds, i), self->cancellable,
                                 aqmp_backup_pipeline_added_cb, add);
    }
  aqmp_job_runner_start_full_async (self->runner, self->command, self->arguments, AQMP_JOB_START_FLAGS_NONE,
                                    self->uid, self->cancellable, aqmp_backup_pipeline_started_cb, self);
}

/*
 * blockdev-add of each of @adds (JsonObject arguments), and right behind
 * them @command with @arguments through @runner, as one sync call.
 * added[i] tells whether add i succeeded. Returns %TRUE when every add
 * and the start succeeded; otherwise @error is the first add's failure,
 * or else the start's. *jobs is what the start started, even when an add
 * failed (the command then fails in QEMU as it finds no node): the
 * caller waits for them.
 */
gboolean
aqmp_backup_add_then_start (AqmpJobRunner *runner, GPtrArray *adds, gboolean *added, const gchar *command,
                            JsonObject *arguments, guint32 uid, GCancellable *cancellable, GPtrArray **jobs,
                            GError **error)
{
  AqmpBackupPipeline self = { 0, };
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree GError **add_errors = g_new0 (GError *, adds->len);
  gboolean ok = TRUE;

  self.runner = runner;
  self.adds = adds;
  self.added = added;
  self.add_errors = add_errors;
  self.command = command;
  self.arguments = arguments;
  self.uid = uid;
  self.cancellable = cancellable;
  result = aqmp_client_run_sync (aqmp_job_runner_get_client (runner), aqmp_backup_pipeline_send, &self);
  for (guint i = 0; i < adds->len; i++)
    {
      if (add_errors[i] != NULL && ok)
        {
          g_propagate_error (error, g_steal_pointer (&add_errors[i]));
          ok = FALSE;
        }
      g_clear_error (&add_errors[i]);
    }
  if (self.start_error != NULL && ok)
    {
      g_propagate_error (error, g_steal_pointer (&self.start_error));
      ok = FALSE;
    }
  g_clear_error (&self.start_error);
  *jobs = self.jobs;
  return ok;
}
