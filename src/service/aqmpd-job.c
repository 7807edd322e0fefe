/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmpd-error.h"
#include "aqmpd-job.h"

/*
 * AqmpdJob: one io.github.aqmp.Aqmp1.Job object. It follows either a QEMU
 * job (an AqmpJob of the machine's runner) or something its owner reports
 * on, such as a workflow. Values are collected here and copied to the
 * skeleton at most once per AQMPD_JOB_UPDATE_INTERVAL_MS, so a fast job
 * does not flood the bus; the end is sent at once, before Completed.
 */

struct _AqmpdJob {
  GObject parent_instance;

  gchar *path;
  gchar *machine_path;
  AqmpDBusObjectSkeleton *object;
  AqmpDBusJob *iface;

  /* the backend: a QEMU job, or a cancellable for the owner's work */
  AqmpJobRunner *runner;
  AqmpJob *job;
  GCancellable *cancellable;

  /* what the skeleton gets at the next flush */
  gchar *operation;
  gchar *status;
  gdouble progress;
  gboolean progress_valid;
  guint64 current;
  guint64 total;
  guint64 rate;
  guint64 expected_end;
  gchar *error;
  gboolean cancelable;

  gint64 last_flush;       /* monotonic, microseconds */
  guint flush_id;
  gboolean ended;
};

G_DEFINE_FINAL_TYPE (AqmpdJob, aqmpd_job, G_TYPE_OBJECT)

enum {
  SIGNAL_ENDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
aqmpd_job_flush (AqmpdJob *self)
{
  AqmpDBusJob *iface = self->iface;

  g_clear_handle_id (&self->flush_id, g_source_remove);
  self->last_flush = g_get_monotonic_time ();
  aqmp_dbus_job_set_operation (iface, self->operation);
  aqmp_dbus_job_set_status (iface, self->status);
  aqmp_dbus_job_set_progress (iface, self->progress);
  aqmp_dbus_job_set_progress_valid (iface, self->progress_valid);
  aqmp_dbus_job_set_current_progress (iface, self->current);
  aqmp_dbus_job_set_total_progress (iface, self->total);
  aqmp_dbus_job_set_rate (iface, self->rate);
  aqmp_dbus_job_set_expected_end_time (iface, self->expected_end);
  aqmp_dbus_job_set_error (iface, self->error != NULL ? self->error : "");
  aqmp_dbus_job_set_cancelable (iface, self->cancelable);
  /* PropertiesChanged now, not from an idle: it must precede Completed */
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (iface));
}

static gboolean
aqmpd_job_flush_cb (gpointer user_data)
{
  AqmpdJob *self = user_data;

  self->flush_id = 0;
  aqmpd_job_flush (self);
  return G_SOURCE_REMOVE;
}

/* at once when the last flush is old enough, else when it will be */
static void
aqmpd_job_schedule_flush (AqmpdJob *self)
{
  gint64 now = g_get_monotonic_time ();
  gint64 next = self->last_flush + AQMPD_JOB_UPDATE_INTERVAL_MS * 1000;

  if (self->flush_id != 0)
    return;
  if (now >= next)
    {
      aqmpd_job_flush (self);
      return;
    }
  self->flush_id = g_timeout_add ((guint) ((next - now + 999) / 1000), aqmpd_job_flush_cb, self);
}

static void
aqmpd_job_set_string (gchar **field, const gchar *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
}

/* ----- the end ----- */

static void
aqmpd_job_finish (AqmpdJob *self, const gchar *status, const gchar *message, gboolean success)
{
  if (self->ended)
    return;
  self->ended = TRUE;
  aqmpd_job_set_string (&self->status, status);
  aqmpd_job_set_string (&self->error, success ? "" : message);
  self->cancelable = FALSE;
  self->rate = 0;
  self->expected_end = 0;
  if (success)
    {
      self->progress = 1.0;
      self->progress_valid = TRUE;
    }
  aqmpd_job_flush (self);
  g_debug ("job %s ended: %s%s%s", self->path, status, success ? "" : ": ",
           success ? "" : message);
  aqmp_dbus_job_emit_completed (self->iface, success, success ? "" : message);
  g_signal_emit (self, signals[SIGNAL_ENDED], 0);
}

/**
 * aqmpd_job_end:
 * @status: the final status: `success`, `failed` or `cancelled`
 * @error: (nullable): why it failed
 *
 * For owners other than a QEMU job: the job ended.
 */
void
aqmpd_job_end (AqmpdJob *self, const gchar *status, const GError *error)
{
  g_return_if_fail (AQMPD_IS_JOB (self));
  aqmpd_job_finish (self, status, error != NULL ? error->message : "", error == NULL);
}

void
aqmpd_job_set_status (AqmpdJob *self, const gchar *status)
{
  g_return_if_fail (AQMPD_IS_JOB (self));
  if (self->ended)
    return;
  aqmpd_job_set_string (&self->status, status);
  aqmpd_job_schedule_flush (self);
}

void
aqmpd_job_set_progress (AqmpdJob *self, gdouble fraction)
{
  g_return_if_fail (AQMPD_IS_JOB (self));
  if (self->ended)
    return;
  self->progress_valid = fraction >= 0;
  self->progress = CLAMP (fraction, 0.0, 1.0);
  aqmpd_job_schedule_flush (self);
}

/* progress in bytes, for owners that count them over several QEMU jobs */
void
aqmpd_job_set_bytes (AqmpdJob *self, guint64 current, guint64 total)
{
  g_return_if_fail (AQMPD_IS_JOB (self));
  if (self->ended)
    return;
  self->current = current;
  self->total = total;
  self->progress_valid = total > 0;
  self->progress = total > 0 ? CLAMP ((gdouble) current / (gdouble) total, 0.0, 1.0) : 0.0;
  aqmpd_job_schedule_flush (self);
}

/* ----- following a QEMU job ----- */

static void
aqmpd_job_copy_progress (AqmpdJob *self, AqmpJob *job)
{
  gint64 current = aqmp_job_get_current_progress (job);
  gint64 total = aqmp_job_get_total_progress (job);
  gdouble rate = aqmp_job_get_rate (job);
  gint64 eta = aqmp_job_get_expected_end_time (job);

  self->current = current > 0 ? (guint64) current : 0;
  self->total = total > 0 ? (guint64) total : 0;
  self->progress_valid = aqmp_job_get_fraction_valid (job);
  self->progress = self->progress_valid ? CLAMP (aqmp_job_get_fraction (job), 0.0, 1.0) : 0.0;
  self->rate = rate > 0 ? (guint64) rate : 0;
  self->expected_end = eta > 0 ? (guint64) eta : 0;
}

static void
aqmpd_job_qemu_ended (AqmpdJob *self, AqmpJob *job)
{
  AqmpJobResult result = aqmp_job_get_result (job);
  const GError *error = aqmp_job_get_error (job);
  const gchar *message;

  if (result == AQMP_JOB_RESULT_NONE)
    result = AQMP_JOB_RESULT_FAILED;
  message = error != NULL ? error->message : aqmp_job_result_to_string (result);
  aqmpd_job_finish (self, aqmp_job_result_to_string (result), message,
                    result == AQMP_JOB_RESULT_SUCCESS);
}

static void
aqmpd_job_qemu_notify_cb (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  AqmpdJob *self = user_data;
  AqmpJob *job = AQMP_JOB (object);

  if (self->ended)
    return;
  if (aqmp_job_get_job_type (job) != NULL)
    aqmpd_job_set_string (&self->operation, aqmp_job_get_job_type (job));
  aqmpd_job_set_string (&self->status, aqmp_job_status_to_string (aqmp_job_get_status (job)));
  aqmpd_job_copy_progress (self, job);
  self->cancelable = !aqmp_job_is_ended (job);
  if (aqmp_job_is_ended (job) || aqmp_job_get_result (job) != AQMP_JOB_RESULT_NONE)
    {
      aqmpd_job_qemu_ended (self, job);
      return;
    }
  aqmpd_job_schedule_flush (self);
}

/**
 * aqmpd_job_follow:
 * @runner: the machine's runner
 * @job: the QEMU job it started or adopted
 *
 * Mirrors @job on the bus until it ends; Cancel and the other methods go
 * to @runner. StartedByUID becomes the job's, when the runner knows it.
 */
void
aqmpd_job_follow (AqmpdJob *self, AqmpJobRunner *runner, AqmpJob *job)
{
  g_return_if_fail (AQMPD_IS_JOB (self));
  g_return_if_fail (self->job == NULL);

  self->runner = g_object_ref (runner);
  self->job = g_object_ref (job);
  aqmp_dbus_job_set_start_time (self->iface, (guint64) MAX (aqmp_job_get_start_time (job), 0));
  /* kept in the job's history: a job found again after a restart keeps
   * who started it */
  if (aqmp_job_get_started_by_uid (job) >= 0)
    aqmp_dbus_job_set_started_by_uid (self->iface, (guint32) aqmp_job_get_started_by_uid (job));
  g_signal_connect_object (job, "notify", G_CALLBACK (aqmpd_job_qemu_notify_cb), self, 0);
  aqmpd_job_qemu_notify_cb (G_OBJECT (job), NULL, self);
}

/* ----- methods ----- */

static void
aqmpd_job_control_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GError) error = NULL;

  if (!aqmp_job_runner_control_finish (AQMP_JOB_RUNNER (source), res, &error))
    {
      aqmpd_invocation_return_error (invocation, error);
      return;
    }
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static gboolean
aqmpd_job_control (AqmpdJob *self, GDBusMethodInvocation *invocation, AqmpJobAction action)
{
  const gchar *method = g_dbus_method_invocation_get_method_name (invocation);

  if (self->ended)
    {
      g_dbus_method_invocation_return_error (invocation, AQMPD_ERROR, AQMPD_ERROR_NOT_SUPPORTED,
                                             "%s: the job has ended", method);
      return TRUE;
    }
  if (self->job != NULL)
    {
      g_info ("job %s: %s", self->path, method);
      aqmp_job_runner_control_async (self->runner, aqmp_job_get_id (self->job), action, NULL,
                                     aqmpd_job_control_cb, g_object_ref (invocation));
      return TRUE;
    }
  if (action == AQMP_JOB_ACTION_CANCEL)
    {
      g_info ("job %s: cancel", self->path);
      g_cancellable_cancel (self->cancellable);
      g_dbus_method_invocation_return_value (invocation, NULL);
      return TRUE;
    }
  g_dbus_method_invocation_return_error (invocation, AQMPD_ERROR, AQMPD_ERROR_NOT_SUPPORTED,
                                         "%s is not supported by a %s job", method, self->operation);
  return TRUE;
}

static gboolean
aqmpd_job_handle_cancel (AqmpDBusJob *iface, GDBusMethodInvocation *invocation, gpointer user_data)
{
  return aqmpd_job_control (user_data, invocation, AQMP_JOB_ACTION_CANCEL);
}

static gboolean
aqmpd_job_handle_pause (AqmpDBusJob *iface, GDBusMethodInvocation *invocation, gpointer user_data)
{
  return aqmpd_job_control (user_data, invocation, AQMP_JOB_ACTION_PAUSE);
}

static gboolean
aqmpd_job_handle_resume (AqmpDBusJob *iface, GDBusMethodInvocation *invocation, gpointer user_data)
{
  return aqmpd_job_control (user_data, invocation, AQMP_JOB_ACTION_RESUME);
}

static gboolean
aqmpd_job_handle_complete (AqmpDBusJob *iface, GDBusMethodInvocation *invocation, gpointer user_data)
{
  return aqmpd_job_control (user_data, invocation, AQMP_JOB_ACTION_COMPLETE);
}

/* ----- object ----- */

static void
aqmpd_job_dispose (GObject *object)
{
  AqmpdJob *self = AQMPD_JOB (object);

  g_clear_handle_id (&self->flush_id, g_source_remove);
  if (self->job != NULL)
    g_signal_handlers_disconnect_by_data (self->job, self);
  if (self->iface != NULL)
    g_signal_handlers_disconnect_by_data (self->iface, self);
  g_clear_object (&self->job);
  g_clear_object (&self->runner);
  g_clear_object (&self->iface);
  g_clear_object (&self->object);
  G_OBJECT_CLASS (aqmpd_job_parent_class)->dispose (object);
}

static void
aqmpd_job_finalize (GObject *object)
{
  AqmpdJob *self = AQMPD_JOB (object);

  g_free (self->path);
  g_free (self->machine_path);
  g_free (self->operation);
  g_free (self->status);
  g_free (self->error);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (aqmpd_job_parent_class)->finalize (object);
}

static void
aqmpd_job_class_init (AqmpdJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = aqmpd_job_dispose;
  object_class->finalize = aqmpd_job_finalize;

  /* after Completed: the owner may let the object linger, then drop it */
  signals[SIGNAL_ENDED] = g_signal_new ("ended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
aqmpd_job_init (AqmpdJob *self)
{
  self->cancellable = g_cancellable_new ();
  self->status = g_strdup ("created");
  self->cancelable = TRUE;
}

static void
aqmpd_job_connect_methods (AqmpdJob *self)
{
  g_signal_connect (self->iface, "handle-cancel", G_CALLBACK (aqmpd_job_handle_cancel), self);
  g_signal_connect (self->iface, "handle-pause", G_CALLBACK (aqmpd_job_handle_pause), self);
  g_signal_connect (self->iface, "handle-resume", G_CALLBACK (aqmpd_job_handle_resume), self);
  g_signal_connect (self->iface, "handle-complete", G_CALLBACK (aqmpd_job_handle_complete), self);
}

/**
 * aqmpd_job_new:
 * @path: the object path
 * @machine_path: the machine's object path
 * @id: QEMU's job id, or another name for the job
 * @operation: what it does, until QEMU says
 * @uid: who started it
 *
 * Returns: a job, not yet exported
 */
AqmpdJob *
aqmpd_job_new (const gchar *path, const gchar *machine_path, const gchar *id,
               const gchar *operation, guint32 uid)
{
  AqmpdJob *self = g_object_new (AQMPD_TYPE_JOB, NULL);

  self->path = g_strdup (path);
  self->machine_path = g_strdup (machine_path);
  self->operation = g_strdup (operation);
  self->object = aqmp_dbus_object_skeleton_new (path);
  self->iface = aqmp_dbus_job_skeleton_new ();
  aqmp_dbus_job_set_id (self->iface, id);
  aqmp_dbus_job_set_machine (self->iface, machine_path);
  aqmp_dbus_job_set_started_by_uid (self->iface, uid);
  aqmp_dbus_job_set_start_time (self->iface, (guint64) g_get_real_time ());
  aqmpd_job_connect_methods (self);
  aqmpd_job_flush (self);
  aqmp_dbus_object_skeleton_set_job (self->object, self->iface);
  return self;
}

const gchar *
aqmpd_job_get_path (AqmpdJob *self)
{
  g_return_val_if_fail (AQMPD_IS_JOB (self), NULL);
  return self->path;
}

const gchar *
aqmpd_job_get_machine_path (AqmpdJob *self)
{
  g_return_val_if_fail (AQMPD_IS_JOB (self), NULL);
  return self->machine_path;
}

AqmpDBusObjectSkeleton *
aqmpd_job_get_object (AqmpdJob *self)
{
  g_return_val_if_fail (AQMPD_IS_JOB (self), NULL);
  return self->object;
}

AqmpDBusJob *
aqmpd_job_get_iface (AqmpdJob *self)
{
  g_return_val_if_fail (AQMPD_IS_JOB (self), NULL);
  return self->iface;
}

gboolean
aqmpd_job_is_ended (AqmpdJob *self)
{
  g_return_val_if_fail (AQMPD_IS_JOB (self), TRUE);
  return self->ended;
}

GCancellable *
aqmpd_job_get_cancellable (AqmpdJob *self)
{
  g_return_val_if_fail (AQMPD_IS_JOB (self), NULL);
  return self->cancellable;
}

/* (nullable): the QEMU job followed, if any */
AqmpJob *
aqmpd_job_get_qemu_job (AqmpdJob *self)
{
  g_return_val_if_fail (AQMPD_IS_JOB (self), NULL);
  return self->job;
}
