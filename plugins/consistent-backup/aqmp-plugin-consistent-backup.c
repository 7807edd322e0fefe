/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The "consistent-backup" plugin: backups of a machine's disks that are
 * consistent for the guest's filesystems.
 *
 *   1. guest-fsfreeze-freeze through the guest agent;
 *   2. one QMP `transaction` of `blockdev-backup` actions, one per disk,
 *      started on the machine's job runner through the run's context: the
 *      jobs are in the job history and, under aqmpd, D-Bus Jobs;
 *   3. guest-fsfreeze-thaw as soon as the transaction returned: the jobs
 *      then exist and their point in time is fixed;
 *   4. the jobs followed to their end by the runner.
 *
 * The guest is never left frozen: the freeze and the thaw go through an
 * #AqmpGuestFreeze (libaqmp-qga), which thaws a failed or cancelled
 * freeze itself; once frozen, every way out (a failed transaction,
 * cancellation, a lost QMP connection) goes through the thaw, and a failed
 * thaw is part of the error.
 *
 * params:
 *   "disks": [{"device": NODE, "target": NODE}, ...], or the friendly form
 *            "DEVICE=TARGET[,DEVICE=TARGET...]" (a string, or an array of
 *            such strings);
 *   "sync": "full" (the default), or another MirrorSyncMode;
 *   "speed": bytes per second for each job (optional);
 *   "job-id-prefix": the jobs are named PREFIX-0, PREFIX-1, ... (default
 *            "consistent-backup-" and a random number).
 * result: {"jobs": [{"id", "device", "target", "result"}], "frozen-ms": N}
 */
#include <string.h>

#include <aqmp/aqmp-plugin.h>
#include <aqmp/aqmp-qmp.h>

/* how long cancelled jobs get to end before the workflow stops waiting */
#define BACKUP_CANCEL_GRACE_MS 30000
/* progress: the freeze and the start take this much of the whole */
#define BACKUP_START_FRACTION 0.1

#define AQMP_TYPE_CONSISTENT_BACKUP (aqmp_consistent_backup_get_type ())
G_DECLARE_FINAL_TYPE (AqmpConsistentBackup, aqmp_consistent_backup, AQMP, CONSISTENT_BACKUP, AqmpWorkflow)
struct _AqmpConsistentBackup { AqmpWorkflow parent_instance; };
G_DEFINE_FINAL_TYPE (AqmpConsistentBackup, aqmp_consistent_backup, AQMP_TYPE_WORKFLOW)

typedef struct {
  gchar *device;
  gchar *target;
  gchar *job_id;
  AqmpJob *job;              /* the runner's, once the transaction started it */
  gboolean ended;
  const gchar *result;       /* "completed", "failed", "cancelled", "unknown" */
  gchar *error;              /* why, when it did not complete */
} BackupDisk;

typedef struct {
  AqmpWorkflowContext *context;
  AqmpGuestFreeze *freeze;  /* the guest's filesystems, through its agent */
  GPtrArray *disks;          /* BackupDisk */
  AqmpQmpMirrorSyncMode sync;
  gint64 speed;              /* -1: QEMU's default */

  GCancellable *follow;      /* the workflow's own waits */
  GSource *cancel_source;
  GSource *grace_source;
  gboolean cancelled;
  gboolean done;

  gdouble fraction;          /* the last progress reported */
  gint64 frozen_ms;
  GError *error;             /* the first failure */
  GError *thaw_error;
} BackupRun;

static void
backup_disk_free (BackupDisk *disk)
{
  g_free (disk->device);
  g_free (disk->target);
  g_free (disk->job_id);
  g_clear_object (&disk->job);
  g_free (disk->error);
  g_free (disk);
}

static void
backup_clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static void
backup_run_free (BackupRun *run)
{
  backup_clear_source (&run->cancel_source);
  backup_clear_source (&run->grace_source);
  g_clear_object (&run->context);
  g_clear_object (&run->freeze);
  g_clear_pointer (&run->disks, g_ptr_array_unref);
  g_clear_object (&run->follow);
  g_clear_error (&run->error);
  g_clear_error (&run->thaw_error);
  g_free (run);
}

/* ----- parameters ----- */

static gboolean
backup_add_disk (GPtrArray *disks, const gchar *device, const gchar *target, GError **error)
{
  BackupDisk *disk;

  if (device == NULL || device[0] == '\0' || target == NULL || target[0] == '\0')
    {
      g_set_error (error, AQMP_ERROR, AQMP_ERROR_FAILED,
                   "consistent-backup: each disk needs a 'device' and a 'target' node");
      return FALSE;
    }
  disk = g_new0 (BackupDisk, 1);
  disk->device = g_strdup (device);
  disk->target = g_strdup (target);
  g_ptr_array_add (disks, disk);
  return TRUE;
}

/* "DEVICE=TARGET[,DEVICE=TARGET...]" */
static gboolean
backup_add_friendly (GPtrArray *disks, const gchar *text, GError **error)
{
  g_auto(GStrv) pairs = g_strsplit (text, ",", -1);

  for (guint i = 0; pairs[i] != NULL; i++)
    {
      g_auto(GStrv) kv = g_strsplit (g_strstrip (pairs[i]), "=", 2);

      if (g_strv_length (kv) != 2)
        {
          g_set_error (error, AQMP_ERROR, AQMP_ERROR_FAILED,
                       "consistent-backup: '%s' is not DEVICE=TARGET", pairs[i]);
          return FALSE;
        }
      if (!backup_add_disk (disks, g_strstrip (kv[0]), g_strstrip (kv[1]), error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
backup_is_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

static GPtrArray *
backup_parse_disks (JsonObject *params, GError **error)
{
  g_autoptr(GPtrArray) disks = g_ptr_array_new_with_free_func ((GDestroyNotify) backup_disk_free);
  JsonNode *node = params != NULL ? json_object_get_member (params, "disks") : NULL;
  JsonArray *array;

  if (node == NULL)
    {
      g_set_error (error, AQMP_ERROR, AQMP_ERROR_FAILED,
                   "consistent-backup: 'disks' is required, such as [{\"device\": \"drive0\", "
                   "\"target\": \"backup0\"}] or \"drive0=backup0\"");
      return NULL;
    }
  if (backup_is_string (node))
    {
      if (!backup_add_friendly (disks, json_node_get_string (node), error))
        return NULL;
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      array = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          JsonObject *disk = JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL;

          if (backup_is_string (element))
            {
              if (!backup_add_friendly (disks, json_node_get_string (element), error))
                return NULL;
              continue;
            }
          if (disk == NULL)
            {
              g_set_error (error, AQMP_ERROR, AQMP_ERROR_FAILED,
                           "consistent-backup: each element of 'disks' must be an object "
                           "{\"device\", \"target\"} or a string DEVICE=TARGET");
              return NULL;
            }
          if (!backup_add_disk (disks, json_object_get_string_member_with_default (disk, "device", NULL),
                            json_object_get_string_member_with_default (disk, "target", NULL), error))
            return NULL;
        }
    }
  if (disks->len == 0)
    {
      g_set_error (error, AQMP_ERROR, AQMP_ERROR_FAILED,
                   "consistent-backup: 'disks' must name at least one disk");
      return NULL;
    }
  return g_steal_pointer (&disks);
}

/* a number, or a string holding one (D-Bus callers often send strings) */
static gboolean
backup_parse_speed (JsonObject *params, gint64 *speed, GError **error)
{
  JsonNode *node = params != NULL ? json_object_get_member (params, "speed") : NULL;
  guint64 value = 0;

  *speed = -1;
  if (node == NULL)
    return TRUE;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64
      && json_node_get_int (node) >= 0)
    {
      *speed = json_node_get_int (node);
      return TRUE;
    }
  if (backup_is_string (node)
      && g_ascii_string_to_unsigned (json_node_get_string (node), 10, 0, G_MAXINT64, &value, NULL))
    {
      *speed = (gint64) value;
      return TRUE;
    }
  g_set_error (error, AQMP_ERROR, AQMP_ERROR_FAILED,
               "consistent-backup: 'speed' must be a number of bytes per second");
  return FALSE;
}

/* a MirrorSyncMode by its wire name, checked before anything is frozen */
static gboolean
backup_parse_sync (const gchar *nick, AqmpQmpMirrorSyncMode *sync, GError **error)
{
  g_autoptr(GEnumClass) modes = g_type_class_ref (AQMP_QMP_TYPE_MIRROR_SYNC_MODE);
  g_autoptr(GString) known = g_string_new (NULL);
  GEnumValue *value = g_enum_get_value_by_nick (modes, nick);

  if (value != NULL)
    {
      *sync = value->value;
      return TRUE;
    }
  for (guint i = 0; i < modes->n_values; i++)
    g_string_append_printf (known, "%s%s", i > 0 ? ", " : "", modes->values[i].value_nick);
  g_set_error (error, AQMP_ERROR, AQMP_ERROR_FAILED,
               "consistent-backup: 'sync' must be one of %s, not '%s'", known->str, nick);
  return FALSE;
}

static gboolean
backup_parse (BackupRun *run, JsonObject *params, GError **error)
{
  const gchar *prefix;
  g_autofree gchar *random_prefix = NULL;
  JsonNode *sync = params != NULL ? json_object_get_member (params, "sync") : NULL;
  JsonNode *prefix_node = params != NULL ? json_object_get_member (params, "job-id-prefix") : NULL;

  run->disks = backup_parse_disks (params, error);
  if (run->disks == NULL || !backup_parse_speed (params, &run->speed, error))
    return FALSE;
  if ((sync != NULL && !backup_is_string (sync)) || (prefix_node != NULL && !backup_is_string (prefix_node)))
    {
      g_set_error (error, AQMP_ERROR, AQMP_ERROR_FAILED,
                   "consistent-backup: 'sync' and 'job-id-prefix' must be strings");
      return FALSE;
    }
  if (!backup_parse_sync (sync != NULL ? json_node_get_string (sync) : "full", &run->sync, error))
    return FALSE;
  if (prefix_node != NULL)
    prefix = json_node_get_string (prefix_node);
  else
    prefix = random_prefix = g_strdup_printf ("consistent-backup-%08x", g_random_int ());
  for (guint i = 0; i < run->disks->len; i++)
    {
      BackupDisk *disk = g_ptr_array_index (run->disks, i);
      disk->job_id = g_strdup_printf ("%s-%u", prefix, i);
    }
  return TRUE;
}

/* ----- progress ----- */

/* @fraction < 0 keeps the last one: only the message is new */
static void
backup_progress (GTask *task, gdouble fraction, const gchar *message)
{
  BackupRun *run = g_task_get_task_data (task);

  if (fraction >= 0)
    run->fraction = fraction;
  aqmp_workflow_context_report_progress (run->context, run->fraction, message);
}

/* ----- the end ----- */

/* "...; and ..." on @error, keeping its domain, code and QEMU's details */
static void
backup_error_append (GError *error, const gchar *more)
{
  gchar *message = g_strdup_printf ("%s; %s", error->message, more);

  g_free (error->message);
  error->message = message;
}

static JsonNode *
backup_result (BackupRun *run)
{
  g_autoptr(JsonObject) result = json_object_new ();
  g_autoptr(JsonArray) jobs = json_array_new ();

  for (guint i = 0; i < run->disks->len; i++)
    {
      BackupDisk *disk = g_ptr_array_index (run->disks, i);
      JsonObject *job = json_object_new ();

      json_object_set_string_member (job, "id", disk->job_id);
      json_object_set_string_member (job, "device", disk->device);
      json_object_set_string_member (job, "target", disk->target);
      json_object_set_string_member (job, "result", disk->result != NULL ? disk->result : "unknown");
      if (disk->error != NULL)
        json_object_set_string_member (job, "error", disk->error);
      json_array_add_object_element (jobs, job);
    }
  json_object_set_array_member (result, "jobs", g_steal_pointer (&jobs));
  json_object_set_int_member (result, "frozen-ms", run->frozen_ms);
  return json_node_init_object (json_node_alloc (), result);
}

/* the error of a run whose jobs all ended, or NULL */
static GError *
backup_jobs_error (BackupRun *run)
{
  for (guint i = 0; i < run->disks->len; i++)
    {
      BackupDisk *disk = g_ptr_array_index (run->disks, i);

      if (g_strcmp0 (disk->result, "completed") == 0)
        continue;
      return g_error_new (AQMP_ERROR, AQMP_ERROR_FAILED, "the backup of %s did not complete: %s",
                          disk->device, disk->error != NULL ? disk->error : "QEMU gave no reason");
    }
  return NULL;
}

static void
backup_stop_following (BackupRun *run, GTask *task)
{
  for (guint i = 0; i < run->disks->len; i++)
    {
      BackupDisk *disk = g_ptr_array_index (run->disks, i);
      if (disk->job != NULL)
        g_signal_handlers_disconnect_by_data (disk->job, task);
    }
}

static void
backup_finish (GTask *task)
{
  BackupRun *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (run->done)
    return;
  run->done = TRUE;
  backup_clear_source (&run->cancel_source);
  backup_clear_source (&run->grace_source);
  backup_stop_following (run, task);
  /* the waits still out end now, and find the run done */
  g_cancellable_cancel (run->follow);

  if (run->cancelled)
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "the consistent backup was cancelled");
  else if (run->error != NULL)
    error = g_steal_pointer (&run->error);
  else
    error = backup_jobs_error (run);
  if (run->thaw_error != NULL)
    {
      if (error == NULL)
        error = g_steal_pointer (&run->thaw_error);
      else
        backup_error_append (error, run->thaw_error->message);
    }
  if (error != NULL)
    {
      g_debug ("consistent-backup failed: %s", error->message);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  backup_progress (task, 1.0, "the backup jobs completed");
  g_task_return_pointer (task, backup_result (run), (GDestroyNotify) json_node_unref);
}

static gboolean
backup_all_ended (BackupRun *run)
{
  for (guint i = 0; i < run->disks->len; i++)
    if (!((BackupDisk *) g_ptr_array_index (run->disks, i))->ended)
      return FALSE;
  return TRUE;
}

/* ----- following the jobs ----- */

typedef struct {
  GTask *task;
  BackupDisk *disk;              /* owned by the task's run */
} BackupWait;

/* what became of @disk's job, from the runner's words */
static void
backup_disk_ended (BackupRun *run, BackupDisk *disk, const GError *error)
{
  disk->ended = TRUE;
  if (error == NULL)
    {
      disk->result = "completed";
      return;
    }
  disk->error = g_strdup (error->message);
  if (g_error_matches (error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_DISCONNECTED))
    {
      /* QEMU went away under it: its fate is unknown */
      disk->result = "unknown";
      if (run->error == NULL)
        run->error = g_error_new (AQMP_ERROR, AQMP_ERROR_DISCONNECTED, "lost track of the backup job %s: %s",
                                  disk->job_id, error->message);
      return;
    }
  disk->result = aqmp_job_get_result (disk->job) == AQMP_JOB_RESULT_CANCELLED ? "cancelled" : "failed";
}

static void
backup_job_waited_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  BackupWait *wait = user_data;
  g_autoptr(GTask) task = wait->task;
  BackupDisk *disk = wait->disk;
  BackupRun *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  g_free (wait);
  aqmp_job_wait_finish (AQMP_JOB (source), res, &error);
  if (run->done)
    return;
  backup_disk_ended (run, disk, error);
  g_debug ("job %s ended: %s", disk->job_id, disk->result);
  if (backup_all_ended (run))
    backup_finish (task);
}

/* the jobs' bytes together, as the runner polls them */
static void
backup_job_progress_cb (AqmpJob *job, GParamSpec *pspec, gpointer user_data)
{
  GTask *task = user_data;
  BackupRun *run = g_task_get_task_data (task);
  g_autofree gchar *message = NULL;
  gint64 current = 0;
  gint64 total = 0;
  gdouble fraction;

  for (guint i = 0; i < run->disks->len; i++)
    {
      BackupDisk *disk = g_ptr_array_index (run->disks, i);

      current += aqmp_job_get_current_progress (disk->job);
      total += aqmp_job_get_total_progress (disk->job);
    }
  if (total <= 0)
    return;
  fraction = BACKUP_START_FRACTION + (1.0 - BACKUP_START_FRACTION) * MIN (current, total) / total;
  /* never backwards: a job that learns its total late adds to it */
  if (fraction <= run->fraction)
    return;
  message = g_strdup_printf ("backing up: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " bytes", current, total);
  backup_progress (task, fraction, message);
}

static gboolean
backup_grace_cb (gpointer user_data)
{
  GTask *task = user_data;
  BackupRun *run = g_task_get_task_data (task);

  g_clear_pointer (&run->grace_source, g_source_unref);
  g_warning ("the cancelled backup jobs did not end within %u ms; no longer waiting", BACKUP_CANCEL_GRACE_MS);
  backup_finish (task);
  return G_SOURCE_REMOVE;
}

static void
backup_job_cancel_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  /* a job that ended meanwhile is gone: that is fine */
  if (!aqmp_job_runner_control_finish (AQMP_JOB_RUNNER (source), res, &error))
    g_debug ("cancelling a backup job failed: %s", error->message);
}

static GSource *
backup_attach (GTask *task, GSource *source, GSourceFunc func)
{
  g_source_set_callback (source, func, g_object_ref (task), g_object_unref);
  g_source_attach (source, g_task_get_context (task));
  return source;
}

/* the caller cancelled while the jobs run: cancel them and see them end */
static gboolean
backup_cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  GTask *task = user_data;
  BackupRun *run = g_task_get_task_data (task);
  AqmpJobRunner *runner = aqmp_workflow_context_get_runner (run->context);

  g_clear_pointer (&run->cancel_source, g_source_unref);
  run->cancelled = TRUE;
  backup_progress (task, -1, "cancelling the backup jobs");
  for (guint i = 0; i < run->disks->len; i++)
    {
      BackupDisk *disk = g_ptr_array_index (run->disks, i);

      if (disk->ended)
        continue;
      aqmp_job_runner_control_async (runner, disk->job_id, AQMP_JOB_ACTION_CANCEL, NULL,
                                     backup_job_cancel_cb, NULL);
    }
  run->grace_source = backup_attach (task, g_timeout_source_new (BACKUP_CANCEL_GRACE_MS), backup_grace_cb);
  return G_SOURCE_REMOVE;
}

static void
backup_follow (GTask *task)
{
  BackupRun *run = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  for (guint i = 0; i < run->disks->len; i++)
    {
      BackupDisk *disk = g_ptr_array_index (run->disks, i);
      BackupWait *wait = g_new0 (BackupWait, 1);

      wait->task = g_object_ref (task);
      wait->disk = disk;
      g_signal_connect (disk->job, "notify::current-progress", G_CALLBACK (backup_job_progress_cb), task);
      g_signal_connect (disk->job, "notify::total-progress", G_CALLBACK (backup_job_progress_cb), task);
      /* no time limit: a backup takes as long as it takes, and a lost
       * connection ends the job for the runner */
      aqmp_job_wait_async (disk->job, run->follow, backup_job_waited_cb, wait);
    }
  /* fires at once when the caller cancelled during the freeze or the start */
  if (cancellable != NULL)
    {
      run->cancel_source = g_cancellable_source_new (cancellable);
      backup_attach (task, run->cancel_source, G_SOURCE_FUNC (backup_cancelled_cb));
    }
}

/* ----- freeze, start, thaw ----- */

static void
backup_thawed_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  BackupRun *run = g_task_get_task_data (task);
  g_autofree gchar *message = NULL;

  run->frozen_ms = aqmp_guest_freeze_get_frozen_ms (run->freeze);
  if (!aqmp_guest_freeze_thaw_finish (AQMP_GUEST_FREEZE (source), res, &run->thaw_error))
    backup_progress (task, -1, run->thaw_error->message);
  else
    {
      message = g_strdup_printf ("thawed after %" G_GINT64_FORMAT " ms", run->frozen_ms);
      backup_progress (task, BACKUP_START_FRACTION, message);
    }
  /* nothing started (or the start failed): done */
  if (run->error != NULL || run->cancelled)
    {
      backup_finish (task);
      return;
    }
  backup_follow (task);
}

static void
backup_thaw (GTask *task)
{
  BackupRun *run = g_task_get_task_data (task);

  /* not cancellable: this must reach the guest */
  aqmp_guest_freeze_thaw_async (run->freeze, backup_thawed_cb, task);
}

/* the transaction's jobs, matched to the disks by job id */
static gboolean
backup_take_jobs (BackupRun *run, GPtrArray *jobs, GError **error)
{
  for (guint i = 0; i < run->disks->len; i++)
    {
      BackupDisk *disk = g_ptr_array_index (run->disks, i);

      for (guint j = 0; disk->job == NULL && j < jobs->len; j++)
        if (g_strcmp0 (aqmp_job_get_id (g_ptr_array_index (jobs, j)), disk->job_id) == 0)
          disk->job = g_object_ref (g_ptr_array_index (jobs, j));
      if (disk->job == NULL)
        {
          g_set_error (error, AQMP_ERROR, AQMP_ERROR_FAILED, "the transaction started no job %s", disk->job_id);
          return FALSE;
        }
    }
  return TRUE;
}

static void
backup_started_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  BackupRun *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) jobs = aqmp_workflow_context_start_job_finish_all (AQMP_WORKFLOW_CONTEXT (source), res,
                                                                          &error);

  if (jobs == NULL)
    {
      /* QEMU's error as it is (AQMP_ERROR_COMMAND with its class), said in context */
      g_prefix_error (&error, "cannot start the backup jobs: ");
      run->error = g_steal_pointer (&error);
    }
  else if (!backup_take_jobs (run, jobs, &run->error))
    g_warning ("%s", run->error->message);
  else
    backup_progress (task, BACKUP_START_FRACTION / 2,
                     "the backup jobs started; thawing the guest's filesystems");
  backup_thaw (task);
}

/* one blockdev-backup action per disk, typed (libaqmp-qmp) */
static JsonObject *
backup_transaction (BackupRun *run)
{
  g_autoptr(GPtrArray) actions = g_ptr_array_new_with_free_func ((GDestroyNotify) aqmp_qmp_transaction_action_free);

  for (guint i = 0; i < run->disks->len; i++)
    {
      BackupDisk *disk = g_ptr_array_index (run->disks, i);
      AqmpQmpTransactionAction *action = aqmp_qmp_transaction_action_new ();
      AqmpQmpBlockdevBackupArguments *data = aqmp_qmp_blockdev_backup_arguments_new ();

      data->job_id = g_strdup (disk->job_id);
      data->device = g_strdup (disk->device);
      data->target = g_strdup (disk->target);
      data->sync = run->sync;
      data->has_speed = run->speed >= 0;
      data->speed = run->speed;
      action->type = AQMP_QMP_TRANSACTION_ACTION_KIND_BLOCKDEV_BACKUP;
      action->blockdev_backup = aqmp_qmp_transaction_actions_blockdev_backup_new ();
      action->blockdev_backup->data = data;
      g_ptr_array_add (actions, action);
    }
  return aqmp_qmp_transaction_build_arguments (actions, NULL);
}

static void
backup_frozen_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  BackupRun *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) args = NULL;

  /* a failed or cancelled freeze was thawed by the guard already */
  if (!aqmp_guest_freeze_freeze_finish (AQMP_GUEST_FREEZE (source), res, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        run->cancelled = TRUE;
      else
        run->error = g_steal_pointer (&error);
      backup_finish (task);
      g_object_unref (task);
      return;
    }
  backup_progress (task, BACKUP_START_FRACTION / 4,
                   "frozen; starting the backup jobs");
  args = backup_transaction (run);
  /* on the machine's runner, which records and follows every job of the
   * transaction; not cancellable either: once sent, the jobs may exist,
   * and only the reply says which */
  aqmp_workflow_context_start_job_async (run->context, "transaction", args, AQMP_JOB_START_FLAGS_NONE, NULL,
                                         backup_started_cb, task);
}

static void
aqmp_consistent_backup_run_async (AqmpWorkflow *workflow, AqmpWorkflowContext *context, JsonObject *params,
                                  GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (workflow, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  AqmpGuestAgent *agent = aqmp_workflow_context_get_guest_agent (context);
  AqmpClient *qmp = aqmp_workflow_context_get_client (context);
  BackupRun *run = g_new0 (BackupRun, 1);

  g_task_set_source_tag (task, aqmp_consistent_backup_run_async);
  g_task_set_task_data (task, run, (GDestroyNotify) backup_run_free);
  if (!backup_parse (run, params, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (agent == NULL)
    {
      g_task_return_new_error (task, AQMP_ERROR, AQMP_ERROR_STATE,
                               "consistent-backup needs a guest agent connection to freeze the "
                               "guest's filesystems; none was given, so nothing was frozen");
      return;
    }
  /* a freeze only when the jobs can be started */
  if (qmp == NULL || aqmp_client_get_state (qmp) != AQMP_STATE_RUNNING)
    {
      g_task_return_new_error (task, AQMP_ERROR, AQMP_ERROR_STATE,
                               "consistent-backup needs a connected QMP client; nothing was frozen");
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  run->context = g_object_ref (context);
  run->freeze = aqmp_guest_freeze_new (agent);
  run->follow = g_cancellable_new ();

  backup_progress (task, 0.0, "freezing the guest's filesystems");
  /* sent whatever happens: the guard must know whether to thaw */
  aqmp_guest_freeze_freeze_async (run->freeze, cancellable, backup_frozen_cb, g_steal_pointer (&task));
}

static void
aqmp_consistent_backup_class_init (AqmpConsistentBackupClass *klass)
{
  AQMP_WORKFLOW_CLASS (klass)->run_async = aqmp_consistent_backup_run_async;
}

static void
aqmp_consistent_backup_init (AqmpConsistentBackup *self)
{
}

/* ----- the plugin ----- */

AQMP_PLUGIN_DEFINE (AqmpPluginConsistentBackup, aqmp_plugin_consistent_backup)

static gboolean
aqmp_plugin_consistent_backup_setup (AqmpPlugin *plugin, GError **error)
{
  g_autoptr(AqmpWorkflow) backup = g_object_new (AQMP_TYPE_CONSISTENT_BACKUP, "name", "consistent-backup",
                                                 "description",
                                                 "Back up disks with the guest's filesystems frozen while the jobs start",
                                                 NULL);

  aqmp_plugin_add_workflow (plugin, backup);
  return TRUE;
}

static void
aqmp_plugin_consistent_backup_class_init (AqmpPluginConsistentBackupClass *klass)
{
  AQMP_PLUGIN_CLASS (klass)->setup = aqmp_plugin_consistent_backup_setup;
}

static void
aqmp_plugin_consistent_backup_init (AqmpPluginConsistentBackup *self)
{
}
