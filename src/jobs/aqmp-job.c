/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "aqmp-job-enum-types.h"
#include "aqmp-job-error.h"
#include "aqmp-job-private.h"

/**
 * AqmpJob:
 *
 * One QEMU job followed by an #AqmpJobRunner: a backup, a mirror, a
 * commit, a stream, a `blockdev-create` or a snapshot.
 *
 * Every property can be watched with #GObject::notify; a notification is
 * only sent when the value really changed. Progress comes from the
 * runner's periodic `query-jobs`, and #AqmpJob:rate and
 * #AqmpJob:expected-end-time are estimated from a short window of recent
 * progress samples, as udisks does for its jobs.
 *
 * Wait for the end with aqmp_job_wait_async(), or aqmp_job_wait_sync().
 *
 * Since: 0.1
 */

/* the estimate looks this far back, over at most this many samples */
#define AQMP_JOB_RATE_WINDOW_US (10 * G_USEC_PER_SEC)
#define AQMP_JOB_RATE_SAMPLES 8

typedef struct {
  gint64 time;      /* monotonic */
  gint64 current;
} AqmpJobSample;

struct _AqmpJob {
  GObject parent_instance;
  gchar *id;
  gchar *machine;
  gchar *command;
  gchar *type;
  gint64 store_id;
  AqmpJobStatus status;
  AqmpJobResult result;
  gboolean ended;
  gint64 current;
  gint64 total;
  gdouble fraction;
  gboolean fraction_valid;
  gdouble rate;
  gint64 expected_end_time;
  gint64 start_time;
  gint64 end_time;
  gint64 started_by_uid;
  GError *error;
  GError *detached;
  AqmpJobSample samples[AQMP_JOB_RATE_SAMPLES];
  guint n_samples;
  GPtrArray *waiters;
  GWeakRef client;           /* its runner's, for the sync wait */
};

enum {
  PROP_0,
  PROP_ID,
  PROP_MACHINE,
  PROP_COMMAND,
  PROP_JOB_TYPE,
  PROP_STORE_ID,
  PROP_STATUS,
  PROP_RESULT,
  PROP_CURRENT_PROGRESS,
  PROP_TOTAL_PROGRESS,
  PROP_FRACTION,
  PROP_FRACTION_VALID,
  PROP_RATE,
  PROP_EXPECTED_END_TIME,
  PROP_START_TIME,
  PROP_END_TIME,
  PROP_ERROR,
  PROP_STARTED_BY_UID,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

G_DEFINE_FINAL_TYPE (AqmpJob, aqmp_job, G_TYPE_OBJECT)

/* ----- waiting ----- */

typedef struct {
  GTask *task;
  GSource *cancel_source;
} AqmpJobWaiter;

static void
aqmp_job_waiter_free (AqmpJobWaiter *waiter)
{
  if (waiter->cancel_source != NULL)
    {
      g_source_destroy (waiter->cancel_source);
      g_source_unref (waiter->cancel_source);
    }
  g_clear_object (&waiter->task);
  g_free (waiter);
}

/* what a wait for an ended job gives */
static gboolean
aqmp_job_propagate_outcome (AqmpJob *self, GError **error)
{
  if (self->detached != NULL)
    {
      g_propagate_error (error, g_error_copy (self->detached));
      return FALSE;
    }
  if (self->error != NULL && self->result != AQMP_JOB_RESULT_SUCCESS)
    {
      g_propagate_error (error, g_error_copy (self->error));
      return FALSE;
    }
  return TRUE;
}

static void
aqmp_job_return (AqmpJob *self, GTask *task)
{
  g_autoptr(GError) error = NULL;

  if (!aqmp_job_propagate_outcome (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
aqmp_job_complete_waiters (AqmpJob *self)
{
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&self->waiters);
  g_autoptr(AqmpJob) keep = g_object_ref (self);

  self->waiters = g_ptr_array_new_with_free_func ((GDestroyNotify) aqmp_job_waiter_free);
  for (guint i = 0; i < waiters->len; i++)
    {
      AqmpJobWaiter *waiter = g_ptr_array_index (waiters, i);
      aqmp_job_return (self, waiter->task);
    }
}

static gboolean
aqmp_job_wait_cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  AqmpJobWaiter *waiter = user_data;
  AqmpJob *self = g_task_get_source_object (waiter->task);
  g_autoptr(GTask) task = g_object_ref (waiter->task);

  g_ptr_array_remove (self->waiters, waiter);
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                           "waiting for job %s was cancelled", self->id);
  return G_SOURCE_REMOVE;
}

/**
 * aqmp_job_wait_async:
 * @self: an #AqmpJob
 * @cancellable: (nullable): a #GCancellable; cancelling it stops the wait,
 *   not the job (see %AQMP_JOB_ACTION_CANCEL for that)
 * @callback: (scope async): called when the job has ended
 * @user_data: data for @callback
 *
 * Waits until the job has ended: it reached `null` (or `concluded`, when
 * it is left for the caller to dismiss), QEMU went away, or the runner let
 * go of it. Completes at once when that already happened.
 *
 * Since: 0.1
 */
void
aqmp_job_wait_async (AqmpJob             *self,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  AqmpJobWaiter *waiter;

  g_return_if_fail (AQMP_IS_JOB (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aqmp_job_wait_async);
  if (self->ended || self->detached != NULL)
    {
      aqmp_job_return (self, task);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  waiter = g_new0 (AqmpJobWaiter, 1);
  waiter->task = g_steal_pointer (&task);
  if (cancellable != NULL)
    {
      waiter->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (waiter->cancel_source, G_SOURCE_FUNC (aqmp_job_wait_cancelled_cb),
                             waiter, NULL);
      g_source_attach (waiter->cancel_source, g_task_get_context (waiter->task));
    }
  g_ptr_array_add (self->waiters, waiter);
}

/**
 * aqmp_job_wait_finish:
 * @self: an #AqmpJob
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes aqmp_job_wait_async().
 *
 * Returns: %TRUE when the job succeeded; otherwise %FALSE with @error set:
 *   %AQMP_JOB_ERROR_FAILED with QEMU's message, %AQMP_JOB_ERROR_CANCELLED,
 *   %AQMP_JOB_ERROR_LOST, %AQMP_JOB_ERROR_DISCONNECTED, or
 *   %G_IO_ERROR_CANCELLED when the wait itself was cancelled
 *
 * Since: 0.1
 */
gboolean
aqmp_job_wait_finish (AqmpJob *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (AQMP_IS_JOB (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == aqmp_job_wait_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

typedef struct {
  AqmpJob *job;
  GCancellable *cancellable;
} AqmpJobWaitSync;

static void
aqmp_job_wait_sync_start (gpointer data, GAsyncReadyCallback callback, gpointer user_data)
{
  AqmpJobWaitSync *args = data;

  aqmp_job_wait_async (args->job, args->cancellable, callback, user_data);
}

/**
 * aqmp_job_wait_sync:
 * @self: an #AqmpJob
 * @cancellable: (nullable): a #GCancellable; cancelling it stops the wait,
 *   not the job
 * @error: return location for a #GError
 *
 * The synchronous form of aqmp_job_wait_async(). The job's events arrive
 * on its client's context, which this drives as the client's own `_sync`
 * calls do (aqmp_client_run_sync()); safe to call from any thread.
 *
 * Returns: as aqmp_job_wait_finish()
 *
 * Since: 0.1
 */
gboolean
aqmp_job_wait_sync (AqmpJob *self, GCancellable *cancellable, GError **error)
{
  g_autoptr(AqmpClient) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  AqmpJobWaitSync args = { self, cancellable };

  g_return_val_if_fail (AQMP_IS_JOB (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);

  client = g_weak_ref_get (&self->client);
  /* no client, no runner: the runner let go of the job when it went */
  if (client == NULL)
    {
      if (!self->ended && self->detached == NULL)
        {
          g_set_error (error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_DISCONNECTED, "no runner follows job %s", self->id);
          return FALSE;
        }
      return aqmp_job_propagate_outcome (self, error);
    }
  result = aqmp_client_run_sync (client, aqmp_job_wait_sync_start, &args);
  return aqmp_job_wait_finish (self, result, error);
}

/* ----- changes made by the runner ----- */

AqmpJob *
aqmp_job_new (AqmpClient *client, const gchar *id, const gchar *machine, const gchar *command,
              gint64 start_time)
{
  AqmpJob *self = g_object_new (AQMP_TYPE_JOB, "id", id, "machine", machine, "command", command, NULL);

  g_weak_ref_set (&self->client, client);
  self->start_time = start_time;
  return self;
}

void
aqmp_job_set_started_by_uid (AqmpJob *self, gint64 uid)
{
  uid = MAX (uid, -1);
  if (self->started_by_uid == uid)
    return;
  self->started_by_uid = uid;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STARTED_BY_UID]);
}

void
aqmp_job_set_store_id (AqmpJob *self, gint64 store_id)
{
  if (self->store_id == store_id)
    return;
  self->store_id = store_id;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STORE_ID]);
}

void
aqmp_job_set_job_type (AqmpJob *self, const gchar *type)
{
  if (g_strcmp0 (self->type, type) == 0)
    return;
  g_free (self->type);
  self->type = g_strdup (type);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_JOB_TYPE]);
}

/* returns whether it changed */
gboolean
aqmp_job_set_status (AqmpJob *self, AqmpJobStatus status)
{
  if (self->status == status)
    return FALSE;
  self->status = status;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATUS]);
  return TRUE;
}

static void
aqmp_job_set_double (AqmpJob *self, gdouble *field, gdouble value, guint prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), props[prop]);
}

static void
aqmp_job_set_int64 (AqmpJob *self, gint64 *field, gint64 value, guint prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), props[prop]);
}

static void
aqmp_job_add_sample (AqmpJob *self, gint64 current, gint64 now)
{
  AqmpJobSample *first;
  AqmpJobSample *last;
  gdouble rate = 0;
  gint64 eta = 0;

  /* a job that went backwards (a mirror re-dirtied) restarts the window */
  if (self->n_samples > 0 && current < self->samples[self->n_samples - 1].current)
    self->n_samples = 0;
  if (self->n_samples == AQMP_JOB_RATE_SAMPLES)
    {
      memmove (self->samples, self->samples + 1, sizeof (AqmpJobSample) * (AQMP_JOB_RATE_SAMPLES - 1));
      self->n_samples--;
    }
  self->samples[self->n_samples].time = now;
  self->samples[self->n_samples].current = current;
  self->n_samples++;
  while (self->n_samples > 2 && now - self->samples[0].time > AQMP_JOB_RATE_WINDOW_US)
    {
      memmove (self->samples, self->samples + 1, sizeof (AqmpJobSample) * (self->n_samples - 1));
      self->n_samples--;
    }

  first = &self->samples[0];
  last = &self->samples[self->n_samples - 1];
  if (self->n_samples >= 2 && last->time > first->time)
    rate = (gdouble) (last->current - first->current) * G_USEC_PER_SEC / (gdouble) (last->time - first->time);
  if (rate > 0 && self->total >= current)
    eta = g_get_real_time () + (gint64) ((gdouble) (self->total - current) / rate * G_USEC_PER_SEC);
  aqmp_job_set_double (self, &self->rate, rate, PROP_RATE);
  aqmp_job_set_int64 (self, &self->expected_end_time, eta, PROP_EXPECTED_END_TIME);
}

void
aqmp_job_set_progress (AqmpJob *self, gint64 current, gint64 total, gint64 now)
{
  gboolean valid = total > 0;
  gdouble fraction = valid ? CLAMP ((gdouble) current / (gdouble) total, 0.0, 1.0) : 0.0;

  g_object_freeze_notify (G_OBJECT (self));
  aqmp_job_set_int64 (self, &self->total, total, PROP_TOTAL_PROGRESS);
  aqmp_job_set_int64 (self, &self->current, current, PROP_CURRENT_PROGRESS);
  if (now > 0)
    aqmp_job_add_sample (self, current, now);
  aqmp_job_set_double (self, &self->fraction, fraction, PROP_FRACTION);
  if (self->fraction_valid != valid)
    {
      self->fraction_valid = valid;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_FRACTION_VALID]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

void
aqmp_job_set_error (AqmpJob *self, const GError *error)
{
  if (self->error == NULL && error == NULL)
    return;
  if (self->error != NULL && error != NULL && g_error_matches (self->error, error->domain, error->code)
      && g_strcmp0 (self->error->message, error->message) == 0)
    return;
  g_clear_error (&self->error);
  if (error != NULL)
    self->error = g_error_copy (error);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ERROR]);
}

/* the job's outcome is known; waiters complete */
void
aqmp_job_end (AqmpJob *self, AqmpJobResult result, const GError *error)
{
  if (self->ended)
    return;
  g_object_freeze_notify (G_OBJECT (self));
  self->ended = TRUE;
  aqmp_job_set_error (self, error);
  aqmp_job_set_int64 (self, &self->end_time, g_get_real_time (), PROP_END_TIME);
  aqmp_job_set_double (self, &self->rate, 0, PROP_RATE);
  aqmp_job_set_int64 (self, &self->expected_end_time, 0, PROP_EXPECTED_END_TIME);
  if (result == AQMP_JOB_RESULT_SUCCESS && self->total > 0)
    aqmp_job_set_progress (self, self->total, self->total, 0);
  if (self->result != result)
    {
      self->result = result;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RESULT]);
    }
  g_object_thaw_notify (G_OBJECT (self));
  aqmp_job_complete_waiters (self);
}

/* the runner stops following the job; its outcome stays unknown */
void
aqmp_job_detach (AqmpJob *self, const GError *error)
{
  if (self->ended || self->detached != NULL)
    return;
  self->detached = g_error_copy (error);
  aqmp_job_complete_waiters (self);
}

/* ----- getters ----- */

/**
 * aqmp_job_get_id:
 * @self: an #AqmpJob
 *
 * Returns QEMU's `job-id` of the job.
 *
 * Returns: QEMU's `job-id` of the job
 *
 * Since: 0.1
 */
const gchar *
aqmp_job_get_id (AqmpJob *self)
{
  g_return_val_if_fail (AQMP_IS_JOB (self), NULL);
  return self->id;
}

/**
 * aqmp_job_get_machine:
 * @self: an #AqmpJob
 *
 * Returns the name of the machine the job runs on, as given to
 * aqmp_job_runner_new().
 *
 * Returns: the name of the machine the job runs on, as given to
 *   aqmp_job_runner_new()
 *
 * Since: 0.1
 */
const gchar *
aqmp_job_get_machine (AqmpJob *self)
{
  g_return_val_if_fail (AQMP_IS_JOB (self), NULL);
  return self->machine;
}

/**
 * aqmp_job_get_command:
 * @self: an #AqmpJob
 *
 * Returns the QMP command that created the job, or %NULL for a job adopted
 * from QEMU that no store knew.
 *
 * Returns: (nullable): the QMP command that created the job, or %NULL for
 *   a job adopted from QEMU that no store knew
 *
 * Since: 0.1
 */
const gchar *
aqmp_job_get_command (AqmpJob *self)
{
  g_return_val_if_fail (AQMP_IS_JOB (self), NULL);
  return self->command;
}

/**
 * aqmp_job_get_job_type:
 * @self: an #AqmpJob
 *
 * Returns QEMU's `JobType`, such as `"backup"` or `"mirror"`, once known.
 *
 * Returns: (nullable): QEMU's `JobType`, such as `"backup"` or `"mirror"`,
 *   once known
 *
 * Since: 0.1
 */
const gchar *
aqmp_job_get_job_type (AqmpJob *self)
{
  g_return_val_if_fail (AQMP_IS_JOB (self), NULL);
  return self->type;
}

/**
 * aqmp_job_get_store_id:
 * @self: an #AqmpJob
 *
 * Returns the job's row in the #AqmpJobStore, or 0 when not stored.
 *
 * Returns: the job's row in the #AqmpJobStore, or 0 when not stored
 *
 * Since: 0.1
 */
gint64
aqmp_job_get_store_id (AqmpJob *self)
{
  g_return_val_if_fail (AQMP_IS_JOB (self), 0);
  return self->store_id;
}

/**
 * aqmp_job_get_status:
 * @self: an #AqmpJob
 *
 * Returns the job's last known #AqmpJobStatus.
 *
 * Returns: the job's last known #AqmpJobStatus
 *
 * Since: 0.1
 */
AqmpJobStatus
aqmp_job_get_status (AqmpJob *self)
{
  g_return_val_if_fail (AQMP_IS_JOB (self), AQMP_JOB_STATUS_UNDEFINED);
  return self->status;
}

/**
 * aqmp_job_get_result:
 * @self: an #AqmpJob
 *
 * Returns how the job ended, or %AQMP_JOB_RESULT_NONE.
 *
 * Returns: how the job ended, or %AQMP_JOB_RESULT_NONE
 *
 * Since: 0.1
 */
AqmpJobResult
aqmp_job_get_result (AqmpJob *self)
{
  g_return_val_if_fail (AQMP_IS_JOB (self), AQMP_JOB_RESULT_NONE);
  return self->result;
}

/**
 * aqmp_job_is_ended:
 * @self: an #AqmpJob
 *
 * Returns whether the job's outcome is known.
 *
 * Returns: whether the job's outcome is known
 *
 * Since: 0.1
 */
gboolean
aqmp_job_is_ended (AqmpJob *self)
{
  g_return_val_if_fail (AQMP_IS_JOB (self), FALSE);
  return self->ended;
}

/**
 * aqmp_job_get_current_progress:
 * @self: an #AqmpJob
 *
 * Returns QEMU's `current-progress`, in the job's own unit (bytes for block
 * jobs).
 *
 * Returns: QEMU's `current-progress`, in the job's own unit (bytes for
 *   block jobs)
 *
 * Since: 0.1
 */
gint64
aqmp_job_get_current_progress (AqmpJob *self)
{
  g_return_val_if_fail (AQMP_IS_JOB (self), 0);
  return self->current;
}

/**
 * aqmp_job_get_total_progress:
 * @self: an #AqmpJob
 *
 * Returns QEMU's `total-progress`; it may grow while a job runs.
 *
 * Returns: QEMU's `total-progress`; it may grow while a job runs
 *
 * Since: 0.1
 */
gint64
aqmp_job_get_total_progress (AqmpJob *self)
{
  g_return_val_if_fail (AQMP_IS_JOB (self), 0);
  return self->total;
}

/**
 * aqmp_job_get_fraction:
 * @self: an #AqmpJob
 *
 * Returns the progress between 0 and 1; only meaningful when
 * aqmp_job_get_fraction_valid() says so.
 *
 * Returns: the progress between 0 and 1; only meaningful when
 *   aqmp_job_get_fraction_valid() says so
 *
 * Since: 0.1
 */
gdouble
aqmp_job_get_fraction (AqmpJob *self)
{
  g_return_val_if_fail (AQMP_IS_JOB (self), 0);
  return self->fraction;
}

/**
 * aqmp_job_get_fraction_valid:
 * @self: an #AqmpJob
 *
 * Returns whether QEMU reported a total, so that the fraction means
 * something.
 *
 * Returns: whether QEMU reported a total, so that the fraction means
 *   something
 *
 * Since: 0.1
 */
gboolean
aqmp_job_get_fraction_valid (AqmpJob *self)
{
  g_return_val_if_fail (AQMP_IS_JOB (self), FALSE);
  return self->fraction_valid;
}

/**
 * aqmp_job_get_rate:
 * @self: an #AqmpJob
 *
 * Returns progress units (bytes) per second over the recent samples, or 0
 * when unknown.
 *
 * Returns: progress units (bytes) per second over the recent samples, or 0
 *   when unknown
 *
 * Since: 0.1
 */
gdouble
aqmp_job_get_rate (AqmpJob *self)
{
  g_return_val_if_fail (AQMP_IS_JOB (self), 0);
  return self->rate;
}

/**
 * aqmp_job_get_expected_end_time:
 * @self: an #AqmpJob
 *
 * Returns the estimated end, in microseconds since the epoch, or 0 when
 * unknown.
 *
 * Returns: the estimated end, in microseconds since the epoch, or 0 when
 *   unknown
 *
 * Since: 0.1
 */
gint64
aqmp_job_get_expected_end_time (AqmpJob *self)
{
  g_return_val_if_fail (AQMP_IS_JOB (self), 0);
  return self->expected_end_time;
}

/**
 * aqmp_job_get_start_time:
 * @self: an #AqmpJob
 *
 * Returns when the job was started (or first seen), in microseconds since
 * the epoch.
 *
 * Returns: when the job was started (or first seen), in microseconds
 *   since the epoch
 *
 * Since: 0.1
 */
gint64
aqmp_job_get_start_time (AqmpJob *self)
{
  g_return_val_if_fail (AQMP_IS_JOB (self), 0);
  return self->start_time;
}

/**
 * aqmp_job_get_started_by_uid:
 * @self: an #AqmpJob
 *
 * Returns the uid of whoever started the job (as the runner was told, and
 * kept in the job store across restarts), or -1 when unknown: a job the
 * runner adopted from QEMU without a record of it.
 *
 * Returns: the uid of whoever started the job (as the runner was told,
 *   and kept in the job store across restarts), or -1 when unknown: a
 *   job the runner adopted from QEMU without a record of it
 *
 * Since: 0.1
 */
gint64
aqmp_job_get_started_by_uid (AqmpJob *self)
{
  g_return_val_if_fail (AQMP_IS_JOB (self), -1);
  return self->started_by_uid;
}

/**
 * aqmp_job_get_end_time:
 * @self: an #AqmpJob
 *
 * Returns when the job ended, in microseconds since the epoch, or 0.
 *
 * Returns: when the job ended, in microseconds since the epoch, or 0
 *
 * Since: 0.1
 */
gint64
aqmp_job_get_end_time (AqmpJob *self)
{
  g_return_val_if_fail (AQMP_IS_JOB (self), 0);
  return self->end_time;
}

/**
 * aqmp_job_get_error:
 * @self: an #AqmpJob
 *
 * Returns why the job failed, or the last I/O error QEMU reported for it,
 * or %NULL.
 *
 * Returns: (nullable) (transfer none): why the job failed, or the last
 *   I/O error QEMU reported for it, or %NULL
 *
 * Since: 0.1
 */
const GError *
aqmp_job_get_error (AqmpJob *self)
{
  g_return_val_if_fail (AQMP_IS_JOB (self), NULL);
  return self->error;
}

/* ----- GObject ----- */

static void
aqmp_job_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  AqmpJob *self = AQMP_JOB (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_MACHINE:
      g_value_set_string (value, self->machine);
      break;
    case PROP_COMMAND:
      g_value_set_string (value, self->command);
      break;
    case PROP_JOB_TYPE:
      g_value_set_string (value, self->type);
      break;
    case PROP_STORE_ID:
      g_value_set_int64 (value, self->store_id);
      break;
    case PROP_STATUS:
      g_value_set_enum (value, self->status);
      break;
    case PROP_RESULT:
      g_value_set_enum (value, self->result);
      break;
    case PROP_CURRENT_PROGRESS:
      g_value_set_int64 (value, self->current);
      break;
    case PROP_TOTAL_PROGRESS:
      g_value_set_int64 (value, self->total);
      break;
    case PROP_FRACTION:
      g_value_set_double (value, self->fraction);
      break;
    case PROP_FRACTION_VALID:
      g_value_set_boolean (value, self->fraction_valid);
      break;
    case PROP_RATE:
      g_value_set_double (value, self->rate);
      break;
    case PROP_EXPECTED_END_TIME:
      g_value_set_int64 (value, self->expected_end_time);
      break;
    case PROP_START_TIME:
      g_value_set_int64 (value, self->start_time);
      break;
    case PROP_END_TIME:
      g_value_set_int64 (value, self->end_time);
      break;
    case PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;
    case PROP_STARTED_BY_UID:
      g_value_set_int64 (value, self->started_by_uid);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aqmp_job_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  AqmpJob *self = AQMP_JOB (object);

  switch (prop_id)
    {
    case PROP_ID:
      self->id = g_value_dup_string (value);
      break;
    case PROP_MACHINE:
      self->machine = g_value_dup_string (value);
      break;
    case PROP_COMMAND:
      self->command = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aqmp_job_finalize (GObject *object)
{
  AqmpJob *self = AQMP_JOB (object);

  g_free (self->id);
  g_free (self->machine);
  g_free (self->command);
  g_free (self->type);
  g_clear_error (&self->error);
  g_clear_error (&self->detached);
  g_ptr_array_unref (self->waiters);
  g_weak_ref_clear (&self->client);
  G_OBJECT_CLASS (aqmp_job_parent_class)->finalize (object);
}

static void
aqmp_job_class_init (AqmpJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  const GParamFlags co = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = aqmp_job_get_property;
  object_class->set_property = aqmp_job_set_property;
  object_class->finalize = aqmp_job_finalize;

  /**
   * AqmpJob:id:
   *
   * QEMU's `job-id`.
   *
   * Since: 0.1
   */
  props[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, co);
  /**
   * AqmpJob:machine:
   *
   * The machine the job runs on.
   *
   * Since: 0.1
   */
  props[PROP_MACHINE] = g_param_spec_string ("machine", NULL, NULL, NULL, co);
  /**
   * AqmpJob:command:
   *
   * The QMP command that created the job.
   *
   * Since: 0.1
   */
  props[PROP_COMMAND] = g_param_spec_string ("command", NULL, NULL, NULL, co);
  /**
   * AqmpJob:job-type:
   *
   * QEMU's `JobType`, such as `backup`.
   *
   * Since: 0.1
   */
  props[PROP_JOB_TYPE] = g_param_spec_string ("job-type", NULL, NULL, NULL, ro);
  /**
   * AqmpJob:store-id:
   *
   * The job's row in the job store, or 0.
   *
   * Since: 0.1
   */
  props[PROP_STORE_ID] = g_param_spec_int64 ("store-id", NULL, NULL, 0, G_MAXINT64, 0, ro);
  /**
   * AqmpJob:status:
   *
   * The last status QEMU reported.
   *
   * Since: 0.1
   */
  props[PROP_STATUS] = g_param_spec_enum ("status", NULL, NULL, AQMP_TYPE_JOB_STATUS,
                                          AQMP_JOB_STATUS_UNDEFINED, ro);
  /**
   * AqmpJob:result:
   *
   * How the job ended, once it did.
   *
   * Since: 0.1
   */
  props[PROP_RESULT] = g_param_spec_enum ("result", NULL, NULL, AQMP_TYPE_JOB_RESULT,
                                          AQMP_JOB_RESULT_NONE, ro);
  /**
   * AqmpJob:current-progress:
   *
   * QEMU's `current-progress`.
   *
   * Since: 0.1
   */
  props[PROP_CURRENT_PROGRESS] = g_param_spec_int64 ("current-progress", NULL, NULL,
                                                     0, G_MAXINT64, 0, ro);
  /**
   * AqmpJob:total-progress:
   *
   * QEMU's `total-progress`.
   *
   * Since: 0.1
   */
  props[PROP_TOTAL_PROGRESS] = g_param_spec_int64 ("total-progress", NULL, NULL,
                                                   0, G_MAXINT64, 0, ro);
  /**
   * AqmpJob:fraction:
   *
   * The progress from 0 to 1, valid when #AqmpJob:fraction-valid is set.
   *
   * Since: 0.1
   */
  props[PROP_FRACTION] = g_param_spec_double ("fraction", NULL, NULL, 0, 1, 0, ro);
  /**
   * AqmpJob:fraction-valid:
   *
   * Whether #AqmpJob:fraction means something.
   *
   * Since: 0.1
   */
  props[PROP_FRACTION_VALID] = g_param_spec_boolean ("fraction-valid", NULL, NULL, FALSE, ro);
  /**
   * AqmpJob:rate:
   *
   * Progress units per second, from recent samples; 0 when unknown.
   *
   * Since: 0.1
   */
  props[PROP_RATE] = g_param_spec_double ("rate", NULL, NULL, 0, G_MAXDOUBLE, 0, ro);
  /**
   * AqmpJob:expected-end-time:
   *
   * The estimated end in microseconds since the epoch; 0 when unknown.
   *
   * Since: 0.1
   */
  props[PROP_EXPECTED_END_TIME] = g_param_spec_int64 ("expected-end-time", NULL, NULL,
                                                      0, G_MAXINT64, 0, ro);
  /**
   * AqmpJob:start-time:
   *
   * When the job was started or first seen, in microseconds since the epoch.
   *
   * Since: 0.1
   */
  props[PROP_START_TIME] = g_param_spec_int64 ("start-time", NULL, NULL, 0, G_MAXINT64, 0, ro);
  /**
   * AqmpJob:end-time:
   *
   * When the job ended, in microseconds since the epoch; 0 until then.
   *
   * Since: 0.1
   */
  props[PROP_END_TIME] = g_param_spec_int64 ("end-time", NULL, NULL, 0, G_MAXINT64, 0, ro);
  /**
   * AqmpJob:error:
   *
   * Why the job failed, or the last I/O error reported for it.
   *
   * Since: 0.1
   */
  props[PROP_ERROR] = g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR, ro);
  /**
   * AqmpJob:started-by-uid:
   *
   * Who started the job, or -1 when unknown.
   *
   * Since: 0.1
   */
  props[PROP_STARTED_BY_UID] = g_param_spec_int64 ("started-by-uid", NULL, NULL, -1, G_MAXUINT32, -1, ro);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
aqmp_job_init (AqmpJob *self)
{
  self->waiters = g_ptr_array_new_with_free_func ((GDestroyNotify) aqmp_job_waiter_free);
  self->started_by_uid = -1;
  g_weak_ref_init (&self->client, NULL);
}
