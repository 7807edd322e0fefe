/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <aqmp/aqmp-qmp.h>

#include "aqmp-job-runner-private.h"

/*
 * The job-* verbs, sent through the typed layer: by the runner when a
 * job's tracker asks for one (aqmp_job_runner_send_verb()), and by the
 * runner's users (aqmp_job_runner_control_async(),
 * aqmp_job_runner_set_speed_async()).
 */

/* the typed calls of the job-* commands, by action: each takes the job's
 * id only, and QEMU answers {} */
struct _AqmpJobVerb {
  const gchar *command;
  void (*send) (AqmpClient *client, const gchar *id, GCancellable *cancellable,
                GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*finish) (AqmpClient *client, GAsyncResult *result, GError **error);
};

static const AqmpJobVerb aqmp_job_verbs[] = {
  [AQMP_JOB_ACTION_CANCEL] = { "job-cancel", aqmp_qmp_job_cancel_async, aqmp_qmp_job_cancel_finish },
  [AQMP_JOB_ACTION_PAUSE] = { "job-pause", aqmp_qmp_job_pause_async, aqmp_qmp_job_pause_finish },
  [AQMP_JOB_ACTION_RESUME] = { "job-resume", aqmp_qmp_job_resume_async, aqmp_qmp_job_resume_finish },
  [AQMP_JOB_ACTION_COMPLETE] = { "job-complete", aqmp_qmp_job_complete_async, aqmp_qmp_job_complete_finish },
  [AQMP_JOB_ACTION_FINALIZE] = { "job-finalize", aqmp_qmp_job_finalize_async, aqmp_qmp_job_finalize_finish },
  [AQMP_JOB_ACTION_DISMISS] = { "job-dismiss", aqmp_qmp_job_dismiss_async, aqmp_qmp_job_dismiss_finish },
};

/* sent by aqmp_job_runner_set_speed_async(), finished as the verbs are */
static const AqmpJobVerb aqmp_job_set_speed = {
  "block-job-set-speed", NULL, aqmp_qmp_block_job_set_speed_finish
};

static const AqmpJobVerb *
aqmp_job_verb_for (AqmpJobAction action)
{
  if ((guint) action >= G_N_ELEMENTS (aqmp_job_verbs) || aqmp_job_verbs[action].send == NULL)
    return NULL;
  return &aqmp_job_verbs[action];
}

AqmpJobRunnerCall *
aqmp_job_runner_call_new (AqmpJobRunner *self, const gchar *id, const AqmpJobVerb *verb)
{
  AqmpJobRunnerCall *call = g_new0 (AqmpJobRunnerCall, 1);

  call->runner = g_object_ref (self);
  call->id = g_strdup (id);
  call->verb = verb;
  return call;
}

void
aqmp_job_runner_call_free (AqmpJobRunnerCall *call)
{
  g_object_unref (call->runner);
  g_free (call->id);
  g_free (call);
}

static void
aqmp_job_runner_verb_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(AqmpJobRunnerCall) call = user_data;
  g_autoptr(GError) error = NULL;

  /* a lost connection is handled by the disconnected signal */
  if (!call->verb->finish (AQMP_CLIENT (source), res, &error))
    g_debug ("%s of job %s failed: %s", call->verb->command, call->id, error->message);
}

/* sends @action's verb for the job @id on the runner's behalf; its answer
 * only logged (what it changes comes as events) */
void
aqmp_job_runner_send_verb (AqmpJobRunner *self, const gchar *id, AqmpJobAction action)
{
  const AqmpJobVerb *verb = aqmp_job_verb_for (action);

  g_debug ("%s for job %s", verb->command, id);
  verb->send (self->client, id, self->cancellable, aqmp_job_runner_verb_cb,
              aqmp_job_runner_call_new (self, id, verb));
}

/* ----- operations ----- */

static void
aqmp_job_runner_control_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  const AqmpJobVerb *verb = g_task_get_task_data (task);
  GError *error = NULL;

  if (!verb->finish (AQMP_CLIENT (source), res, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}


/**
 * aqmp_job_runner_control_async:
 * @self: an #AqmpJobRunner
 * @id: the job's id; the job need not be one the runner follows
 * @action: what to do
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with QEMU's answer
 * @user_data: data for @callback
 *
 * Cancels, pauses, resumes, completes, finalizes or dismisses a job. A job
 * cancelled this way ends with %AQMP_JOB_ERROR_CANCELLED.
 *
 * Since: 0.1
 */
void
aqmp_job_runner_control_async (AqmpJobRunner       *self,
                               const gchar         *id,
                               AqmpJobAction        action,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  const AqmpJobVerb *verb = aqmp_job_verb_for (action);
  GTask *task;
  AqmpJobTracker *tracker;

  g_return_if_fail (AQMP_IS_JOB_RUNNER (self));
  g_return_if_fail (id != NULL);
  g_return_if_fail (verb != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aqmp_job_runner_control_async);
  g_task_set_task_data (task, (gpointer) verb, NULL);
  tracker = g_hash_table_lookup (self->trackers, id);
  if (tracker != NULL)
    aqmp_job_tracker_note_action (tracker, action);
  verb->send (self->client, id, cancellable, aqmp_job_runner_control_cb, task);
}

/**
 * aqmp_job_runner_control_finish:
 * @self: an #AqmpJobRunner
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes aqmp_job_runner_control_async().
 *
 * Returns: %TRUE when QEMU accepted; otherwise %FALSE with @error set
 *   (%AQMP_ERROR_COMMAND with QEMU's words, for example when the job is in
 *   a state that does not allow the action)
 *
 * Since: 0.1
 */
gboolean
aqmp_job_runner_control_finish (AqmpJobRunner *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (AQMP_IS_JOB_RUNNER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == aqmp_job_runner_control_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * aqmp_job_runner_set_speed_async:
 * @self: an #AqmpJobRunner
 * @id: the block job's id
 * @speed: the new limit in bytes per second, 0 for none
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with QEMU's answer
 * @user_data: data for @callback
 *
 * Changes the speed limit of a block job (`block-job-set-speed`).
 *
 * Since: 0.1
 */
void
aqmp_job_runner_set_speed_async (AqmpJobRunner       *self,
                                 const gchar         *id,
                                 guint64              speed,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (AQMP_IS_JOB_RUNNER (self));
  g_return_if_fail (id != NULL);
  g_return_if_fail (speed <= G_MAXINT64);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aqmp_job_runner_set_speed_async);
  g_task_set_task_data (task, (gpointer) &aqmp_job_set_speed, NULL);
  aqmp_qmp_block_job_set_speed_async (self->client, id, (gint64) speed, cancellable,
                                      aqmp_job_runner_control_cb, task);
}

/**
 * aqmp_job_runner_set_speed_finish:
 * @self: an #AqmpJobRunner
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes aqmp_job_runner_set_speed_async().
 *
 * Returns: %TRUE when QEMU accepted
 *
 * Since: 0.1
 */
gboolean
aqmp_job_runner_set_speed_finish (AqmpJobRunner *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (AQMP_IS_JOB_RUNNER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == aqmp_job_runner_set_speed_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
