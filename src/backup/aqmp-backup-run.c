/* SPDX-License-Identifier: LGPL-2.1-or-later */

/**
 * SECTION:aqmp-backup-run
 * @title: AqmpBackupRun
 * @short_description: one backup of a machine's disks
 *
 * A run backs up the disks its #AqmpBackupOptions name at one level:
 *
 * - **full** starts a chain: in one `transaction` it adds two persistent
 *   dirty bitmaps per disk (the chain's bitmap, which incrementals copy
 *   from and clear, and its differential bitmap, which nothing but a new
 *   full backup replaces) and starts `blockdev-backup sync=full`;
 * - **incremental** copies the chain's bitmap (`sync=incremental`,
 *   which clears it only when every job of the backup succeeded) into an
 *   image backed by the newest full or incremental image;
 * - **differential** copies the differential bitmap (`sync=bitmap`,
 *   `bitmap-mode=never`: never cleared) into an image backed by the full
 *   image;
 * - **auto** runs an incremental when the chain is usable, and a full
 *   backup otherwise, with the reason in aqmp_backup_run_get_reason().
 *
 * Targets are qcow2 images under the options' directory, as
 * `DIRECTORY/MACHINE/CHAIN/DISK/ID-LEVEL-TIME.qcow2`, made through QMP
 * (`blockdev-create` jobs) and added to QEMU for the backup only. All
 * jobs start through the #AqmpJobRunner, so the job store has them, and
 * the catalog names them. The jobs of all disks are one transaction with
 * `completion-mode: grouped`: they succeed or fail together, so a failed
 * or cancelled incremental leaves every disk's bitmap as it was.
 *
 * Progress (#AqmpBackupRun:current-progress over
 * #AqmpBackupRun:total-progress, in bytes) sums the backup jobs of all
 * disks; its notifications come on the thread that runs the client's
 * context, as the jobs' do.
 */

#include "config.h"

#include <glib/gstdio.h>

#include "aqmp-backup-run-private.h"

G_DEFINE_FINAL_TYPE (AqmpBackupRun, aqmp_backup_run, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_LEVEL,
  PROP_REASON,
  PROP_BACKUP_ID,
  PROP_CURRENT_PROGRESS,
  PROP_TOTAL_PROGRESS,
  PROP_CANCELLING,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void
aqmp_backup_run_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  AqmpBackupRun *self = AQMP_BACKUP_RUN (object);

  switch (prop_id)
    {
    case PROP_LEVEL:
      g_value_set_enum (value, self->level);
      break;
    case PROP_REASON:
      g_value_set_string (value, self->reason);
      break;
    case PROP_BACKUP_ID:
      g_value_set_int64 (value, self->backup_id);
      break;
    case PROP_CURRENT_PROGRESS:
      g_value_set_int64 (value, aqmp_backup_run_get_current_progress (self));
      break;
    case PROP_TOTAL_PROGRESS:
      g_value_set_int64 (value, aqmp_backup_run_get_total_progress (self));
      break;
    case PROP_CANCELLING:
      g_value_set_boolean (value, aqmp_backup_run_is_cancelling (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aqmp_backup_run_dispose (GObject *object)
{
  AqmpBackupRun *self = AQMP_BACKUP_RUN (object);

  for (guint i = 0; i < self->jobs->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->jobs, i), self);
  g_ptr_array_set_size (self->jobs, 0);
  G_OBJECT_CLASS (aqmp_backup_run_parent_class)->dispose (object);
}

static void
aqmp_backup_run_finalize (GObject *object)
{
  AqmpBackupRun *self = AQMP_BACKUP_RUN (object);

  g_clear_object (&self->runner);
  g_clear_object (&self->catalog);
  g_clear_object (&self->options);
  g_free (self->reason);
  g_ptr_array_unref (self->jobs);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (aqmp_backup_run_parent_class)->finalize (object);
}

static void
aqmp_backup_run_class_init (AqmpBackupRunClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = aqmp_backup_run_get_property;
  object_class->dispose = aqmp_backup_run_dispose;
  object_class->finalize = aqmp_backup_run_finalize;

  /**
   * AqmpBackupRun:level:
   *
   * The level the run runs at, once it decided (for "auto", full or
   * incremental).
   *
   * Since: 0.1
   */
  props[PROP_LEVEL] = g_param_spec_enum ("level", NULL, NULL, AQMP_TYPE_BACKUP_LEVEL, AQMP_BACKUP_LEVEL_AUTO,
                                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /**
   * AqmpBackupRun:reason:
   *
   * Why the run chose its level, when "auto" chose it.
   *
   * Since: 0.1
   */
  props[PROP_REASON] = g_param_spec_string ("reason", NULL, NULL, NULL,
                                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /**
   * AqmpBackupRun:backup-id:
   *
   * The backup's id in the catalog once recorded, 0 before.
   *
   * Since: 0.1
   */
  props[PROP_BACKUP_ID] = g_param_spec_int64 ("backup-id", NULL, NULL, 0, G_MAXINT64, 0,
                                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /**
   * AqmpBackupRun:current-progress:
   *
   * Bytes the backup jobs of all disks copied so far.
   *
   * Since: 0.1
   */
  props[PROP_CURRENT_PROGRESS] = g_param_spec_int64 ("current-progress", NULL, NULL, 0, G_MAXINT64, 0,
                                                     G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /**
   * AqmpBackupRun:total-progress:
   *
   * Bytes the backup jobs of all disks copy in all, as QEMU knows it so
   * far.
   *
   * Since: 0.1
   */
  props[PROP_TOTAL_PROGRESS] = g_param_spec_int64 ("total-progress", NULL, NULL, 0, G_MAXINT64, 0,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /**
   * AqmpBackupRun:cancelling:
   *
   * %TRUE once the run was cancelled and QEMU accepted the cancel of
   * every job still running; the run then waits for them to end.
   *
   * Since: 0.1
   */
  props[PROP_CANCELLING] = g_param_spec_boolean ("cancelling", NULL, NULL, FALSE,
                                                 G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
aqmp_backup_run_init (AqmpBackupRun *self)
{
  g_mutex_init (&self->lock);
  self->jobs = g_ptr_array_new_with_free_func (g_object_unref);
  self->level = AQMP_BACKUP_LEVEL_AUTO;
}

/**
 * aqmp_backup_run_new:
 * @runner: the job runner of the machine whose disks are backed up
 * @catalog: the catalog the backup goes into
 * @options: what to back up, and how (the run keeps a reference; change
 *   them no more)
 *
 * Creates a new run, to run once.
 *
 * Returns: (transfer full): a new run, to run once
 *
 * Since: 0.1
 */
AqmpBackupRun *
aqmp_backup_run_new (AqmpJobRunner *runner, AqmpBackupCatalog *catalog, AqmpBackupOptions *options)
{
  AqmpBackupRun *self;

  g_return_val_if_fail (AQMP_IS_JOB_RUNNER (runner), NULL);
  g_return_val_if_fail (AQMP_IS_BACKUP_CATALOG (catalog), NULL);
  g_return_val_if_fail (AQMP_IS_BACKUP_OPTIONS (options), NULL);

  self = g_object_new (AQMP_TYPE_BACKUP_RUN, NULL);
  self->runner = g_object_ref (runner);
  self->catalog = g_object_ref (catalog);
  self->options = g_object_ref (options);
  return self;
}

/**
 * aqmp_backup_run_get_runner:
 * @self: an #AqmpBackupRun
 *
 * Returns the job runner.
 *
 * Returns: (transfer none): the job runner
 *
 * Since: 0.1
 */
AqmpJobRunner *
aqmp_backup_run_get_runner (AqmpBackupRun *self)
{
  g_return_val_if_fail (AQMP_IS_BACKUP_RUN (self), NULL);
  return self->runner;
}

/**
 * aqmp_backup_run_get_catalog:
 * @self: an #AqmpBackupRun
 *
 * Returns the catalog.
 *
 * Returns: (transfer none): the catalog
 *
 * Since: 0.1
 */
AqmpBackupCatalog *
aqmp_backup_run_get_catalog (AqmpBackupRun *self)
{
  g_return_val_if_fail (AQMP_IS_BACKUP_RUN (self), NULL);
  return self->catalog;
}

/**
 * aqmp_backup_run_get_options:
 * @self: an #AqmpBackupRun
 *
 * Returns the options.
 *
 * Returns: (transfer none): the options
 *
 * Since: 0.1
 */
AqmpBackupOptions *
aqmp_backup_run_get_options (AqmpBackupRun *self)
{
  g_return_val_if_fail (AQMP_IS_BACKUP_RUN (self), NULL);
  return self->options;
}

/**
 * aqmp_backup_run_get_level:
 * @self: an #AqmpBackupRun
 *
 * Returns the level the run runs at, %AQMP_BACKUP_LEVEL_AUTO until it
 * decided.
 *
 * Returns: the level the run runs at, %AQMP_BACKUP_LEVEL_AUTO until it
 *   decided
 *
 * Since: 0.1
 */
AqmpBackupLevel
aqmp_backup_run_get_level (AqmpBackupRun *self)
{
  g_return_val_if_fail (AQMP_IS_BACKUP_RUN (self), AQMP_BACKUP_LEVEL_AUTO);
  return self->level;
}

/**
 * aqmp_backup_run_get_reason:
 * @self: an #AqmpBackupRun
 *
 * Returns why "auto" chose the level it did.
 *
 * Returns: (nullable): why "auto" chose the level it did
 *
 * Since: 0.1
 */
const gchar *
aqmp_backup_run_get_reason (AqmpBackupRun *self)
{
  g_return_val_if_fail (AQMP_IS_BACKUP_RUN (self), NULL);
  return self->reason;
}

/**
 * aqmp_backup_run_get_backup_id:
 * @self: an #AqmpBackupRun
 *
 * Returns the backup's id in the catalog, 0 until it is recorded.
 *
 * Returns: the backup's id in the catalog, 0 until it is recorded
 *
 * Since: 0.1
 */
gint64
aqmp_backup_run_get_backup_id (AqmpBackupRun *self)
{
  g_return_val_if_fail (AQMP_IS_BACKUP_RUN (self), 0);
  return self->backup_id;
}

/**
 * aqmp_backup_run_get_current_progress:
 * @self: an #AqmpBackupRun
 *
 * Returns the bytes copied so far, over all disks.
 *
 * Returns: the bytes copied so far, over all disks
 *
 * Since: 0.1
 */
gint64
aqmp_backup_run_get_current_progress (AqmpBackupRun *self)
{
  gint64 current;

  g_return_val_if_fail (AQMP_IS_BACKUP_RUN (self), 0);
  g_mutex_lock (&self->lock);
  current = self->current;
  g_mutex_unlock (&self->lock);
  return current;
}

/**
 * aqmp_backup_run_get_total_progress:
 * @self: an #AqmpBackupRun
 *
 * Returns the bytes to copy, over all disks.
 *
 * Returns: the bytes to copy, over all disks
 *
 * Since: 0.1
 */
gint64
aqmp_backup_run_get_total_progress (AqmpBackupRun *self)
{
  gint64 total;

  g_return_val_if_fail (AQMP_IS_BACKUP_RUN (self), 0);
  g_mutex_lock (&self->lock);
  total = self->total;
  g_mutex_unlock (&self->lock);
  return total;
}

/**
 * aqmp_backup_run_get_jobs:
 * @self: an #AqmpBackupRun
 *
 * Returns the backup jobs, one per disk, once started.
 *
 * Returns: (transfer container) (element-type AqmpJob): the backup jobs,
 *   one per disk, once started
 *
 * Since: 0.1
 */
GPtrArray *
aqmp_backup_run_get_jobs (AqmpBackupRun *self)
{
  GPtrArray *jobs;

  g_return_val_if_fail (AQMP_IS_BACKUP_RUN (self), NULL);
  g_mutex_lock (&self->lock);
  jobs = g_ptr_array_copy (self->jobs, (GCopyFunc) (void (*) (void)) g_object_ref, NULL);
  g_ptr_array_set_free_func (jobs, g_object_unref);
  g_mutex_unlock (&self->lock);
  return jobs;
}

void
aqmp_backup_run_set_level (AqmpBackupRun *self, AqmpBackupLevel level, gchar *reason)
{
  self->level = level;
  g_free (self->reason);
  self->reason = reason;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LEVEL]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_REASON]);
}

/* progress: the sum over the backup jobs, on the client's context */
static void
aqmp_backup_run_job_progress_cb (GObject *job, GParamSpec *pspec, gpointer user_data)
{
  AqmpBackupRun *self = user_data;
  gint64 current = 0, total = 0;
  gboolean changed;

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->jobs->len; i++)
    {
      current += aqmp_job_get_current_progress (g_ptr_array_index (self->jobs, i));
      total += aqmp_job_get_total_progress (g_ptr_array_index (self->jobs, i));
    }
  changed = current != self->current || total != self->total;
  self->current = current;
  self->total = total;
  g_mutex_unlock (&self->lock);
  if (!changed)
    return;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_TOTAL_PROGRESS]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CURRENT_PROGRESS]);
}

void
aqmp_backup_run_follow (AqmpBackupRun *self, GPtrArray *jobs)
{
  g_mutex_lock (&self->lock);
  for (guint i = 0; i < jobs->len; i++)
    g_ptr_array_add (self->jobs, g_object_ref (g_ptr_array_index (jobs, i)));
  g_mutex_unlock (&self->lock);
  for (guint i = 0; i < jobs->len; i++)
    {
      GObject *job = g_ptr_array_index (jobs, i);
      g_signal_connect_object (job, "notify::current-progress", G_CALLBACK (aqmp_backup_run_job_progress_cb), self, 0);
      g_signal_connect_object (job, "notify::total-progress", G_CALLBACK (aqmp_backup_run_job_progress_cb), self, 0);
    }
  aqmp_backup_run_job_progress_cb (NULL, NULL, self);
}

void
aqmp_backup_run_set_backup_id (AqmpBackupRun *self, gint64 id)
{
  self->backup_id = id;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_BACKUP_ID]);
}

void
aqmp_backup_run_set_cancelling (AqmpBackupRun *self)
{
  g_mutex_lock (&self->lock);
  self->cancelling = TRUE;
  g_mutex_unlock (&self->lock);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CANCELLING]);
}

/**
 * aqmp_backup_run_is_cancelling:
 * @self: an #AqmpBackupRun
 *
 * Returns %TRUE once the run's cancellable was cancelled and QEMU accepted
 * the cancel of each job still running (see #AqmpBackupRun:cancelling).
 *
 * Returns: %TRUE once the run's cancellable was cancelled and QEMU
 *   accepted the cancel of each job still running (see
 *   #AqmpBackupRun:cancelling)
 *
 * Since: 0.1
 */
gboolean
aqmp_backup_run_is_cancelling (AqmpBackupRun *self)
{
  gboolean cancelling;

  g_return_val_if_fail (AQMP_IS_BACKUP_RUN (self), FALSE);
  g_mutex_lock (&self->lock);
  cancelling = self->cancelling;
  g_mutex_unlock (&self->lock);
  return cancelling;
}
