/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Backups whose runner went away (killed, or the machine's connection
 * lost) stay `running` in the catalog. Reconciling settles them from what
 * their jobs did, as the job runner's reconcile settles single jobs: it
 * reconciles the runner, waits for the backup jobs QEMU still runs, then
 * records the backup completed (images synced, sizes, checksums, older
 * chains closed) or failed (images deleted, a full backup's bitmaps
 * removed), and removes the backup's target nodes from QEMU either way.
 */

#include "config.h"

#include <glib/gstdio.h>

#include "aqmp-backup-private.h"

static void
aqmp_backup_reconcile_node_del (AqmpClient *client, const gchar *node)
{
  g_autoptr(JsonObject) arguments = json_object_new ();
  g_autoptr(JsonNode) reply = NULL;

  json_object_set_string_member (arguments, "node-name", node);
  /* not there is fine: the run removed it, or never added it */
  reply = aqmp_client_execute_sync (client, "blockdev-del", arguments, NULL, NULL);
}

/* whether QEMU has a node of that name */
static gboolean
aqmp_backup_reconcile_has_node (JsonArray *nodes, const gchar *name)
{
  for (guint i = 0; nodes != NULL && i < json_array_get_length (nodes); i++)
    {
      JsonObject *node = json_array_get_object_element (nodes, i);

      if (node != NULL && g_strcmp0 (json_object_get_string_member_with_default (node, "node-name", NULL), name) == 0)
        return TRUE;
    }
  return FALSE;
}

/* removes the backup's target nodes from QEMU; FALSE when QEMU keeps one
 * (in use): its image may lack what QEMU still holds of it */
static gboolean
aqmp_backup_reconcile_release (AqmpClient *client, GPtrArray *images)
{
  g_autoptr(JsonNode) reply = NULL;
  JsonArray *nodes;

  for (guint i = 0; i < images->len; i++)
    {
      AqmpBackupImage *image = g_ptr_array_index (images, i);
      g_autofree gchar *file = g_strconcat (image->node, "-file", NULL);

      if (image->node == NULL)
        continue;
      aqmp_backup_reconcile_node_del (client, image->node);
      aqmp_backup_reconcile_node_del (client, file);
    }
  reply = aqmp_client_execute_sync (client, "query-named-block-nodes", NULL, NULL, NULL);
  nodes = reply != NULL && JSON_NODE_HOLDS_ARRAY (reply) ? json_node_get_array (reply) : NULL;
  if (nodes == NULL)
    return FALSE;
  for (guint i = 0; i < images->len; i++)
    {
      AqmpBackupImage *image = g_ptr_array_index (images, i);
      g_autofree gchar *file = g_strconcat (image->node, "-file", NULL);

      if (image->node != NULL &&
          (aqmp_backup_reconcile_has_node (nodes, image->node) || aqmp_backup_reconcile_has_node (nodes, file)))
        {
          g_message ("Backup image %s: QEMU still holds node %s; the backup stays running until it lets go",
                     image->path, image->node);
          return FALSE;
        }
    }
  return TRUE;
}

/* the result of each image's backup job, waiting for those QEMU still
 * runs; RESULT_NONE when a job never started */
static AqmpJobResult
aqmp_backup_reconcile_result (AqmpJobRunner *runner, GPtrArray *images, gchar **message, GCancellable *cancellable)
{
  AqmpJobStore *store = aqmp_job_runner_get_store (runner);
  const gchar *machine = aqmp_job_runner_get_machine (runner);
  AqmpJobResult result = AQMP_JOB_RESULT_SUCCESS;

  for (guint i = 0; i < images->len && result == AQMP_JOB_RESULT_SUCCESS; i++)
    {
      AqmpBackupImage *image = g_ptr_array_index (images, i);
      g_autoptr(AqmpJobRecord) record = aqmp_job_store_find_job (store, machine, image->job_id, NULL);
      AqmpJob *found = aqmp_job_runner_lookup (runner, image->job_id);
      g_autoptr(AqmpJob) job = found != NULL ? g_object_ref (found) : NULL;

      if (record == NULL)
        {
          *message = g_strdup ("the runner went away before the backup's jobs started");
          return AQMP_JOB_RESULT_NONE;
        }
      if (job != NULL && !aqmp_job_is_ended (job))
        aqmp_job_wait_sync (job, cancellable, NULL);
      if (job != NULL && aqmp_job_is_ended (job))
        result = aqmp_job_get_result (job);
      else
        {
          g_clear_pointer (&record, aqmp_job_record_unref);
          record = aqmp_job_store_find_job (store, machine, image->job_id, NULL);
          result = record != NULL ? aqmp_job_record_get_result (record) : AQMP_JOB_RESULT_LOST;
        }
      if (result != AQMP_JOB_RESULT_SUCCESS)
        *message = g_strdup_printf ("the runner went away; job %s ended %s", image->job_id,
                                    result == AQMP_JOB_RESULT_CANCELLED ? "cancelled"
                                    : result == AQMP_JOB_RESULT_NONE ? "without an outcome" : "failed");
    }
  return result;
}

static gboolean
aqmp_backup_reconcile_complete (AqmpBackupCatalog *self, AqmpJobRunner *runner, AqmpBackupRecord *backup,
                                GPtrArray *images, GCancellable *cancellable, GError **error)
{
  AqmpClient *client = aqmp_job_runner_get_client (runner);
  gint64 bytes = 0;

  for (guint i = 0; i < images->len; i++)
    {
      AqmpBackupImage *image = g_ptr_array_index (images, i);
      g_autoptr(AqmpJobRecord) record = aqmp_job_store_find_job (aqmp_job_runner_get_store (runner),
                                                                 aqmp_job_runner_get_machine (runner),
                                                                 image->job_id, NULL);
      GStatBuf st;

      /* the run left the image's sync to itself (aqmp-backup-target.c),
       * and went away perhaps before it: nothing is completed unsynced */
      if (!aqmp_backup_file_sync (image->path, error))
        return FALSE;
      if (g_stat (image->path, &st) == 0)
        image->size = st.st_size;
      image->checksum = aqmp_backup_file_checksum (image->path, cancellable, error);
      if (image->checksum == NULL || !aqmp_backup_catalog_update_image (self, image, error))
        return FALSE;
      bytes += record != NULL ? aqmp_job_record_get_total_progress (record) : 0;
    }
  if (backup->level == AQMP_BACKUP_LEVEL_FULL)
    {
      g_autoptr(GPtrArray) chains = aqmp_backup_catalog_list_chains (self, backup->machine, error);
      if (chains == NULL)
        return FALSE;
      for (guint i = 0; i < chains->len; i++)
        {
          AqmpBackupChain *chain = g_ptr_array_index (chains, i);
          if (!chain->open || chain->id == backup->chain_id || chain->bitmap == NULL)
            continue;
          for (guint j = 0; j < images->len; j++)
            {
              const gchar *disk = ((AqmpBackupImage *) g_ptr_array_index (images, j))->disk;
              aqmp_backup_bitmap_remove (client, disk, chain->bitmap, NULL);
              aqmp_backup_bitmap_remove (client, disk, chain->diff_bitmap, NULL);
            }
        }
      if (!aqmp_backup_catalog_close_chains (self, backup->machine, backup->chain_id, error))
        return FALSE;
    }
  return aqmp_backup_catalog_finish_backup (self, backup->id, AQMP_BACKUP_STATE_COMPLETED, NULL, bytes, error);
}

static gboolean
aqmp_backup_reconcile_discard (AqmpBackupCatalog *self, AqmpJobRunner *runner, AqmpBackupRecord *backup,
                               GPtrArray *images, AqmpJobResult result, const gchar *message, GError **error)
{
  AqmpClient *client = aqmp_job_runner_get_client (runner);

  for (guint i = 0; i < images->len; i++)
    g_unlink (((AqmpBackupImage *) g_ptr_array_index (images, i))->path);
  if (backup->level == AQMP_BACKUP_LEVEL_FULL)
    {
      g_autoptr(AqmpBackupChain) chain = aqmp_backup_catalog_get_chain (self, backup->chain_id, error);
      if (chain == NULL)
        return FALSE;
      for (guint i = 0; chain->bitmap != NULL && i < images->len; i++)
        {
          const gchar *disk = ((AqmpBackupImage *) g_ptr_array_index (images, i))->disk;
          aqmp_backup_bitmap_remove (client, disk, chain->bitmap, NULL);
          aqmp_backup_bitmap_remove (client, disk, chain->diff_bitmap, NULL);
        }
      if (!aqmp_backup_catalog_set_chain_state (self, chain->id, "failed", error))
        return FALSE;
    }
  return aqmp_backup_catalog_finish_backup (self, backup->id,
                                            result == AQMP_JOB_RESULT_CANCELLED ? AQMP_BACKUP_STATE_CANCELLED
                                                                                : AQMP_BACKUP_STATE_FAILED,
                                            message, 0, error);
}

/* settles @backup; sets @left (and settles nothing) when QEMU still
 * holds one of its images */
static gboolean
aqmp_backup_reconcile_one (AqmpBackupCatalog *self, AqmpJobRunner *runner, AqmpBackupRecord *backup,
                           gboolean *left, GCancellable *cancellable, GError **error)
{
  g_autoptr(GPtrArray) images = aqmp_backup_catalog_list_images (self, backup->id, error);
  g_autofree gchar *message = NULL;
  AqmpJobResult result;

  if (images == NULL)
    return FALSE;
  result = aqmp_backup_reconcile_result (runner, images, &message, cancellable);
  /* stopped while a job still ran: the backup stays running, for the next
   * reconcile to settle */
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (!aqmp_backup_reconcile_release (aqmp_job_runner_get_client (runner), images))
    {
      *left = TRUE;
      return TRUE;
    }
  if (result == AQMP_JOB_RESULT_SUCCESS && images->len > 0)
    return aqmp_backup_reconcile_complete (self, runner, backup, images, cancellable, error);
  return aqmp_backup_reconcile_discard (self, runner, backup, images, result,
                                        message != NULL ? message : "the runner went away", error);
}

/* the machine's running backups that no run of this catalog runs */
static GPtrArray *
aqmp_backup_reconcile_machine (AqmpBackupCatalog *self, AqmpJobRunner *runner, GCancellable *cancellable,
                               GError **error)
{
  g_autoptr(GPtrArray) backups = NULL;
  g_autoptr(GPtrArray) settled = g_ptr_array_new_with_free_func ((GDestroyNotify) aqmp_backup_record_unref);
  g_autoptr(GPtrArray) followed = NULL;

  backups = aqmp_backup_catalog_list_backups (self, aqmp_job_runner_get_machine (runner), error);
  if (backups == NULL)
    return NULL;
  for (guint i = 0; i < backups->len; i++)
    {
      AqmpBackupRecord *backup = g_ptr_array_index (backups, i);
      AqmpBackupRecord *now;
      gboolean left = FALSE;

      if (backup->state != AQMP_BACKUP_STATE_RUNNING || aqmp_backup_catalog_is_claimed (self, backup->id))
        continue;
      g_debug ("settling backup %" G_GINT64_FORMAT ", whose runner went away", backup->id);
      if (followed == NULL && (followed = aqmp_job_runner_reconcile_sync (runner, cancellable, error)) == NULL)
        return NULL;
      if (!aqmp_backup_reconcile_one (self, runner, backup, &left, cancellable, error))
        return NULL;
      if (left)
        continue;
      now = aqmp_backup_catalog_get_backup (self, backup->id, error);
      if (now == NULL)
        return NULL;
      g_ptr_array_add (settled, now);
    }
  return g_steal_pointer (&settled);
}

/**
 * aqmp_backup_catalog_reconcile_sync:
 * @self: an #AqmpBackupCatalog
 * @runner: the job runner of the machine
 * @cancellable: (nullable): stops waiting for jobs QEMU still runs
 * @error: return location for an error
 *
 * Settles the machine's backups that the catalog has as running, whose
 * runner went away (a killed process, a lost connection): reconciles
 * @runner (aqmp_job_runner_reconcile_sync()), waits for their jobs that
 * QEMU still runs, then records each backup
 * completed or failed from its jobs' outcomes and removes its target
 * nodes from QEMU. A backup whose jobs never started is failed. Backups
 * that an #AqmpBackupRun of this catalog runs now are left to it, and
 * one machine's reconciles on one catalog run one at a time (a second one
 * waits, then finds the first one's backups settled). While another
 * process (or catalog) backs up the machine, it holds the machine's
 * backup lock (a lock file next to the database), and the reconcile
 * settles nothing: it returns an empty array, its backups left to that
 * process. aqmp_backup_run_run_async() calls it before each backup, and
 * a service calls it (or aqmp_backup_catalog_reconcile_async()) when it
 * connects to a machine.
 *
 * Returns: (transfer container) (element-type AqmpBackupRecord): the
 *   backups settled, as they are now, or %NULL with @error set
 *
 * Since: 0.1
 */
GPtrArray *
aqmp_backup_catalog_reconcile_sync (AqmpBackupCatalog *self, AqmpJobRunner *runner, GCancellable *cancellable,
                                    GError **error)
{
  g_autoptr(GError) local_error = NULL;
  const gchar *machine;
  GPtrArray *settled;

  g_return_val_if_fail (AQMP_IS_BACKUP_CATALOG (self), NULL);
  g_return_val_if_fail (AQMP_IS_JOB_RUNNER (runner), NULL);

  machine = aqmp_job_runner_get_machine (runner) != NULL ? aqmp_job_runner_get_machine (runner) : "";
  if (!aqmp_backup_catalog_lock_machine (self, machine, &local_error))
    {
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_BUSY))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      g_message ("Machine %s: another process is backing it up; its running backups are left to the process "
                 "running them", machine);
      return g_ptr_array_new_with_free_func ((GDestroyNotify) aqmp_backup_record_unref);
    }
  aqmp_backup_catalog_reconcile_enter (self, machine);
  settled = aqmp_backup_reconcile_machine (self, runner, cancellable, error);
  aqmp_backup_catalog_reconcile_leave (self, machine);
  aqmp_backup_catalog_unlock_machine (self, machine);
  return settled;
}

static void
aqmp_backup_reconcile_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;
  GPtrArray *settled = aqmp_backup_catalog_reconcile_sync (source, task_data, cancellable, &error);

  if (settled == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, settled, (GDestroyNotify) g_ptr_array_unref);
}

/**
 * aqmp_backup_catalog_reconcile_async:
 * @self: an #AqmpBackupCatalog
 * @runner: the job runner of the machine
 * @cancellable: (nullable): stops waiting for jobs QEMU still runs
 * @callback: called when the backups are settled
 * @user_data: data for @callback
 *
 * Runs aqmp_backup_catalog_reconcile_sync() on a worker thread; the thread
 * that runs the client's context must keep running it meanwhile. A
 * service calls it when it connects to a machine, so that backups whose
 * runner went away (a killed service or tool) are settled without waiting
 * for the machine's next backup; a backup another process runs now is
 * left to it (see aqmp_backup_catalog_reconcile_sync()).
 *
 * Since: 0.1
 */
void
aqmp_backup_catalog_reconcile_async (AqmpBackupCatalog *self, AqmpJobRunner *runner, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (AQMP_IS_BACKUP_CATALOG (self));
  g_return_if_fail (AQMP_IS_JOB_RUNNER (runner));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aqmp_backup_catalog_reconcile_async);
  g_task_set_task_data (task, g_object_ref (runner), g_object_unref);
  g_task_run_in_thread (task, aqmp_backup_reconcile_thread);
}

/**
 * aqmp_backup_catalog_reconcile_finish:
 * @self: an #AqmpBackupCatalog
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Finishes aqmp_backup_catalog_reconcile_async().
 *
 * Returns: (transfer container) (element-type AqmpBackupRecord): the
 *   backups settled, as they are now, or %NULL with @error set
 *
 * Since: 0.1
 */
GPtrArray *
aqmp_backup_catalog_reconcile_finish (AqmpBackupCatalog *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == aqmp_backup_catalog_reconcile_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
