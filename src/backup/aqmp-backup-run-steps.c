/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The steps of one AqmpBackupRun, written as one straight sequence of
 * sync calls: aqmp_backup_run_run_sync() runs it on the caller's thread,
 * aqmp_backup_run_run_async() on a worker thread, where the jobs API's
 * sync calls wait for the thread that runs the client's context.
 *
 * decide the level (plan) -> record the backup -> make the targets ->
 * (freeze) one transaction (thaw) -> wait for the jobs -> record the
 * outcome; the targets leave QEMU on every path.
 */

#include "config.h"

#include <unistd.h>
#include <glib/gstdio.h>

#include "aqmp-backup-run-private.h"

static gchar *
aqmp_backup_safe_name (const gchar *text)
{
  g_autofree gchar *name = g_strdup (text);

  for (gchar *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
      *p = '_';
  while (name[0] == '_' || name[0] == '.')
    memmove (name, name + 1, strlen (name));
  return name[0] != '\0' ? g_steal_pointer (&name) : g_strdup ("machine");
}

/* why the chain cannot take a backup at @level, or NULL when it can */
static gchar *
aqmp_backup_run_chain_problem (AqmpBackupRun *self, AqmpBackupPlan *plan, AqmpBackupLevel level, GError **error)
{
  const gchar *machine = aqmp_job_runner_get_machine (self->runner);
  const gchar *bitmap;

  for (guint i = 0; i < plan->disks->len; i++)
    {
      AqmpBackupDisk *disk = g_ptr_array_index (plan->disks, i);
      if (g_strcmp0 (disk->driver, "qcow2") != 0)
        return g_strdup_printf ("disk %s is a %s image, which cannot hold a persistent dirty bitmap",
                                disk->disk, disk->driver);
    }
  plan->chain = aqmp_backup_catalog_find_open_chain (self->catalog, machine, error);
  if (plan->chain == NULL)
    return (error != NULL && *error != NULL) ? NULL : g_strdup ("the catalog has no chain of this machine");
  bitmap = level == AQMP_BACKUP_LEVEL_DIFFERENTIAL ? plan->chain->diff_bitmap : plan->chain->bitmap;
  if (bitmap == NULL)
    return g_strdup_printf ("chain %s has no dirty bitmap", plan->chain->name);
  plan->base = aqmp_backup_catalog_find_base (self->catalog, plan->chain->id, level, error);
  if (plan->base == NULL)
    return (error != NULL && *error != NULL) ? NULL
                                             : g_strdup_printf ("chain %s has no completed backup", plan->chain->name);
  for (guint i = 0; i < plan->disks->len; i++)
    {
      AqmpBackupDisk *disk = g_ptr_array_index (plan->disks, i);
      g_autoptr(AqmpBackupImage) image = aqmp_backup_catalog_find_image (self->catalog, plan->base->id, disk->disk, NULL);

      if (image == NULL)
        return g_strdup_printf ("disk %s is not in chain %s", disk->disk, plan->chain->name);
      if (image->virtual_size != disk->virtual_size)
        return g_strdup_printf ("disk %s changed size from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT " bytes",
                                disk->disk, image->virtual_size, disk->virtual_size);
      if (!aqmp_backup_disk_has_bitmap (disk, bitmap))
        return g_strdup_printf ("disk %s no longer has the chain's dirty bitmap %s", disk->disk, bitmap);
    }
  return NULL;
}

/* the level: full when asked, or when "auto" finds no usable chain */
static gboolean
aqmp_backup_run_plan (AqmpBackupRun *self, AqmpBackupPlan *plan, GError **error)
{
  AqmpBackupLevel requested = aqmp_backup_options_get_level (self->options);
  AqmpBackupLevel level = requested == AQMP_BACKUP_LEVEL_AUTO ? AQMP_BACKUP_LEVEL_INCREMENTAL : requested;
  g_autofree gchar *problem = NULL;
  GError *local_error = NULL;

  if (requested == AQMP_BACKUP_LEVEL_FULL)
    {
      aqmp_backup_run_set_level (self, AQMP_BACKUP_LEVEL_FULL, NULL);
      return TRUE;
    }
  problem = aqmp_backup_run_chain_problem (self, plan, level, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (problem == NULL)
    {
      aqmp_backup_run_set_level (self, level,
                                 requested == AQMP_BACKUP_LEVEL_AUTO
                                   ? g_strdup_printf ("chain %s is usable", plan->chain->name) : NULL);
      return TRUE;
    }
  if (requested != AQMP_BACKUP_LEVEL_AUTO)
    {
      /* nothing is recorded or sent: the chain stays as it is */
      g_set_error (error, AQMP_BACKUP_ERROR, AQMP_BACKUP_ERROR_NO_CHAIN,
                   "Cannot run %s backup: %s; run a full backup to start a new chain (level auto does so by itself)",
                   requested == AQMP_BACKUP_LEVEL_DIFFERENTIAL ? "a differential" : "an incremental", problem);
      return FALSE;
    }
  g_clear_pointer (&plan->chain, aqmp_backup_chain_unref);
  g_clear_pointer (&plan->base, aqmp_backup_record_unref);
  aqmp_backup_run_set_level (self, AQMP_BACKUP_LEVEL_FULL, g_strdup_printf ("full: %s", problem));
  return TRUE;
}

/* a disk named for the backup that QEMU does not have: when the machine's
 * open chain holds it, it vanished from QEMU, and the error says so */
static void
aqmp_backup_run_explain_missing (AqmpBackupRun *self, const gchar *missing, GError **error)
{
  const gchar *machine = aqmp_job_runner_get_machine (self->runner);
  g_autoptr(AqmpBackupChain) chain = NULL;
  g_autoptr(AqmpBackupRecord) base = NULL;
  g_autoptr(AqmpBackupImage) image = NULL;

  if (missing == NULL || error == NULL || *error == NULL)
    return;
  chain = aqmp_backup_catalog_find_open_chain (self->catalog, machine, NULL);
  if (chain != NULL)
    base = aqmp_backup_catalog_find_base (self->catalog, chain->id, AQMP_BACKUP_LEVEL_INCREMENTAL, NULL);
  if (base != NULL)
    image = aqmp_backup_catalog_find_image (self->catalog, base->id, missing, NULL);
  if (image == NULL)
    return;
  g_clear_error (error);
  g_set_error (error, AQMP_BACKUP_ERROR, AQMP_BACKUP_ERROR_NO_DISK,
               "Disk %s of chain %s is gone: QEMU has no block node or device of that name any more; "
               "add it back under that name, or back up without it", missing, chain->name);
}

static gboolean
aqmp_backup_run_new_chain (AqmpBackupRun *self, AqmpBackupPlan *plan, GError **error)
{
  const gchar *machine = aqmp_job_runner_get_machine (self->runner);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree gchar *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  g_autofree gchar *safe = aqmp_backup_safe_name (machine);
  AqmpBackupChain *chain = aqmp_backup_chain_new_empty ();
  gboolean bitmaps = TRUE;

  plan->chain = chain;
  plan->new_chain = TRUE;
  for (guint i = 0; i < plan->disks->len; i++)
    bitmaps &= g_strcmp0 (((AqmpBackupDisk *) g_ptr_array_index (plan->disks, i))->driver, "qcow2") == 0;
  chain->machine = g_strdup (machine);
  chain->name = g_strdup_printf ("%s-%04x", stamp, g_random_int_range (0, 0x10000));
  chain->directory = g_build_filename (aqmp_backup_options_get_directory (self->options), safe, chain->name, NULL);
  chain->bitmap = bitmaps ? g_strdup_printf ("aqmp-%s", chain->name) : NULL;
  chain->diff_bitmap = bitmaps ? g_strdup_printf ("aqmp-%s-diff", chain->name) : NULL;
  chain->created = g_get_real_time ();
  return aqmp_backup_catalog_add_chain (self->catalog, chain, error) != 0;
}

static gboolean aqmp_backup_run_prepare_disk (AqmpBackupRun *self, AqmpBackupPlan *plan, guint index,
                                              GError **error);

static gboolean
aqmp_backup_run_record_rows (AqmpBackupRun *self, AqmpBackupPlan *plan, GError **error)
{
  g_autoptr(AqmpBackupRecord) backup = aqmp_backup_record_new_empty ();

  if (self->level == AQMP_BACKUP_LEVEL_FULL && !aqmp_backup_run_new_chain (self, plan, error))
    return FALSE;
  backup->chain_id = plan->chain->id;
  backup->parent_id = plan->base != NULL ? plan->base->id : 0;
  backup->level = self->level;
  backup->requested = aqmp_backup_options_get_level (self->options);
  backup->reason = g_strdup (self->reason);
  backup->quiesced = aqmp_backup_options_get_guest_agent (self->options) != NULL;
  backup->compressed = aqmp_backup_options_get_compress (self->options);
  backup->created = g_get_real_time ();
  if (aqmp_backup_catalog_add_backup (self->catalog, backup, error) == 0)
    return FALSE;
  /* claimed before anyone else can see the row: a reconcile in this
   * process (aqmpd's, when a machine connects) leaves it to this run */
  aqmp_backup_catalog_claim (self->catalog, backup->id);
  aqmp_backup_run_set_backup_id (self, backup->id);
  for (guint i = 0; i < plan->disks->len; i++)
    if (!aqmp_backup_run_prepare_disk (self, plan, i, error))
      return FALSE;
  return TRUE;
}

/* the backup, its chain when new, and its images, recorded in one
 * transaction before QEMU is asked for anything: a crash from here on
 * leaves a running backup that reconcile settles */
static gboolean
aqmp_backup_run_record (AqmpBackupRun *self, AqmpBackupPlan *plan, GError **error)
{
  if (!aqmp_backup_catalog_begin (self->catalog, error))
    return FALSE;
  if (!aqmp_backup_run_record_rows (self, plan, error))
    {
      aqmp_backup_catalog_rollback (self->catalog);
      return FALSE;
    }
  return aqmp_backup_catalog_commit (self->catalog, error);
}

/* the disk's image row, path and node names; its backing image */
static gboolean
aqmp_backup_run_prepare_disk (AqmpBackupRun *self, AqmpBackupPlan *plan, guint index, GError **error)
{
  AqmpBackupDisk *disk = g_ptr_array_index (plan->disks, index);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree gchar *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  g_autofree gchar *safe = aqmp_backup_safe_name (disk->disk);
  g_autofree gchar *directory = g_build_filename (plan->chain->directory, safe, NULL);
  g_autofree gchar *file = g_strdup_printf ("%04" G_GINT64_FORMAT "-%s-%s.qcow2", self->backup_id,
                                            aqmp_backup_level_to_string (self->level), stamp);
  AqmpBackupImage *image = aqmp_backup_image_new_empty ();

  disk->image = image;
  disk->path = g_build_filename (directory, file, NULL);
  disk->file_node = g_strdup_printf ("aqmp-backup-%" G_GINT64_FORMAT "-%u-file", self->backup_id, index);
  disk->target_node = g_strdup_printf ("aqmp-backup-%" G_GINT64_FORMAT "-%u", self->backup_id, index);
  if (!aqmp_backup_make_directory (directory, error))
    return FALSE;
  if (plan->base != NULL)
    {
      g_autoptr(AqmpBackupImage) parent = aqmp_backup_catalog_find_image (self->catalog, plan->base->id,
                                                                          disk->disk, error);
      if (parent == NULL)
        return FALSE;
      image->backing_id = parent->id;
      disk->backing = g_path_get_basename (parent->path);
    }
  image->backup_id = self->backup_id;
  image->disk = g_strdup (disk->disk);
  image->source = g_strdup (disk->device);
  image->path = g_strdup (disk->path);
  image->node = g_strdup (disk->target_node);
  image->job_id = g_strdup_printf ("aqmp-backup-%" G_GINT64_FORMAT "-%u", self->backup_id, index);
  image->virtual_size = disk->virtual_size;
  if (self->level == AQMP_BACKUP_LEVEL_INCREMENTAL)
    image->bitmap = g_strdup (plan->chain->bitmap);
  else if (self->level == AQMP_BACKUP_LEVEL_DIFFERENTIAL)
    image->bitmap = g_strdup (plan->chain->diff_bitmap);
  return aqmp_backup_catalog_add_image (self->catalog, image, error) != 0;
}

static gboolean
aqmp_backup_run_make_targets (AqmpBackupRun *self, AqmpBackupPlan *plan, GCancellable *cancellable, GError **error)
{
  for (guint i = 0; i < plan->disks->len; i++)
    {
      AqmpBackupDisk *disk = g_ptr_array_index (plan->disks, i);

      if (!aqmp_backup_target_create (self->runner, self->catalog, self->backup_id, disk, disk->backing,
                                      aqmp_backup_options_get_started_by_uid (self->options), cancellable, error))
        return FALSE;
    }
  return TRUE;
}

static JsonObject *
aqmp_backup_action (const gchar *type, JsonObject *data)
{
  JsonObject *action = json_object_new ();

  json_object_set_string_member (action, "type", type);
  json_object_set_object_member (action, "data", data);
  return action;
}

static JsonObject *
aqmp_backup_bitmap_add (const gchar *node, const gchar *name)
{
  JsonObject *data = json_object_new ();

  json_object_set_string_member (data, "node", node);
  json_object_set_string_member (data, "name", name);
  json_object_set_boolean_member (data, "persistent", TRUE);
  return aqmp_backup_action ("block-dirty-bitmap-add", data);
}

/* blockdev-backup for @disk at the run's level */
static JsonObject *
aqmp_backup_run_backup_action (AqmpBackupRun *self, AqmpBackupPlan *plan, AqmpBackupDisk *disk)
{
  JsonObject *data = json_object_new ();

  json_object_set_string_member (data, "job-id", disk->image->job_id);
  json_object_set_string_member (data, "device", disk->disk);
  json_object_set_string_member (data, "target", disk->target_node);
  switch (self->level)
    {
    case AQMP_BACKUP_LEVEL_INCREMENTAL:
      /* clears the bitmap only when the whole backup succeeded */
      json_object_set_string_member (data, "sync", "incremental");
      json_object_set_string_member (data, "bitmap", plan->chain->bitmap);
      json_object_set_string_member (data, "bitmap-mode", "on-success");
      break;
    case AQMP_BACKUP_LEVEL_DIFFERENTIAL:
      /* everything since the full backup: the bitmap is never cleared */
      json_object_set_string_member (data, "sync", "bitmap");
      json_object_set_string_member (data, "bitmap", plan->chain->diff_bitmap);
      json_object_set_string_member (data, "bitmap-mode", "never");
      break;
    default:
      json_object_set_string_member (data, "sync", "full");
      break;
    }
  if (aqmp_backup_options_get_speed (self->options) > 0)
    json_object_set_int_member (data, "speed", (gint64) aqmp_backup_options_get_speed (self->options));
  if (aqmp_backup_options_get_compress (self->options))
    json_object_set_boolean_member (data, "compress", TRUE);
  return aqmp_backup_action ("blockdev-backup", data);
}

static JsonObject *
aqmp_backup_run_transaction (AqmpBackupRun *self, AqmpBackupPlan *plan)
{
  JsonObject *arguments = json_object_new ();
  JsonArray *actions = json_array_new ();
  JsonObject *properties = json_object_new ();

  for (guint i = 0; self->level == AQMP_BACKUP_LEVEL_FULL && plan->chain->bitmap != NULL && i < plan->disks->len; i++)
    {
      AqmpBackupDisk *disk = g_ptr_array_index (plan->disks, i);
      json_array_add_object_element (actions, aqmp_backup_bitmap_add (disk->disk, plan->chain->bitmap));
      json_array_add_object_element (actions, aqmp_backup_bitmap_add (disk->disk, plan->chain->diff_bitmap));
    }
  for (guint i = 0; i < plan->disks->len; i++)
    json_array_add_object_element (actions, aqmp_backup_run_backup_action (self, plan, g_ptr_array_index (plan->disks, i)));
  json_object_set_array_member (arguments, "actions", actions);
  /* the jobs of all disks of an incremental or differential end
   * together: one failure fails them all, and no bitmap is cleared.
   * QEMU 7.2 refuses grouped completion with block-dirty-bitmap-add, so
   * a full backup's jobs end one by one; a failed full backup removes
   * the bitmaps it added */
  if (self->level == AQMP_BACKUP_LEVEL_FULL)
    {
      json_object_unref (properties);
      return arguments;
    }
  json_object_set_string_member (properties, "completion-mode", "grouped");
  json_object_set_object_member (arguments, "properties", properties);
  return arguments;
}

/* the transaction, with the guest frozen around it when asked; the guest
 * is thawed whatever happened */
static GPtrArray *
aqmp_backup_run_start_jobs (AqmpBackupRun *self, AqmpBackupPlan *plan, GCancellable *cancellable, GError **error)
{
  AqmpGuestAgent *agent = aqmp_backup_options_get_guest_agent (self->options);
  g_autoptr(AqmpGuestFreeze) freeze = agent != NULL ? aqmp_guest_freeze_new (agent) : NULL;
  g_autoptr(JsonObject) arguments = aqmp_backup_run_transaction (self, plan);
  g_autoptr(GError) thaw_error = NULL;
  GPtrArray *jobs;

  if (freeze != NULL && !aqmp_guest_freeze_freeze_sync (freeze, cancellable, error))
    {
      g_prefix_error (error, "Cannot quiesce the guest: ");
      return NULL;
    }
  jobs = aqmp_job_runner_start_full_sync (self->runner, "transaction", arguments, AQMP_JOB_START_FLAGS_NONE,
                                          aqmp_backup_options_get_started_by_uid (self->options), cancellable, error);
  if (freeze != NULL && !aqmp_guest_freeze_thaw_sync (freeze, &thaw_error))
    g_warning ("Thawing the guest after the backup started: %s", thaw_error->message);
  if (jobs != NULL)
    plan->bitmaps_added = self->level == AQMP_BACKUP_LEVEL_FULL && plan->chain->bitmap != NULL;
  return jobs;
}

/* waits for every job to end; TRUE if every one succeeded */
static gboolean
aqmp_backup_run_wait_all (GPtrArray *jobs)
{
  gboolean all = TRUE;

  for (guint i = 0; i < jobs->len; i++)
    all &= aqmp_job_wait_sync (g_ptr_array_index (jobs, i), NULL, NULL);
  return all;
}

static void
aqmp_backup_run_cancel_all (AqmpBackupRun *self, GPtrArray *jobs)
{
  for (guint i = 0; i < jobs->len; i++)
    {
      AqmpJob *job = g_ptr_array_index (jobs, i);
      if (!aqmp_job_is_ended (job))
        aqmp_job_runner_control_sync (self->runner, aqmp_job_get_id (job), AQMP_JOB_ACTION_CANCEL, NULL, NULL);
    }
  aqmp_backup_run_set_cancelling (self);
}

/* a full target disk: the job whose write QEMU saw fail with ENOSPC (its
 * message is strerror() of QEMU's host), told in words a user acts on;
 * with grouped completion the other disks' jobs only say they were
 * cancelled, so every job is looked at */
static GError *
aqmp_backup_run_no_space (AqmpBackupPlan *plan, GPtrArray *jobs)
{
  for (guint i = 0; i < jobs->len && i < plan->disks->len; i++)
    {
      AqmpBackupDisk *disk = g_ptr_array_index (plan->disks, i);
      const GError *failure = aqmp_job_get_error (g_ptr_array_index (jobs, i));

      if (aqmp_backup_error_is_no_space (failure))
        return aqmp_backup_no_space_error (disk->disk, disk->path);
    }
  return NULL;
}

/* waits for every job; on cancellation cancels them all first, so that
 * none is left running. Jobs that completed all the same (the cancel came
 * too late) make a completed backup: their bitmaps were cleared, and the
 * chain needs their images. */
static gboolean
aqmp_backup_run_wait (AqmpBackupRun *self, AqmpBackupPlan *plan, GPtrArray *jobs, GCancellable *cancellable,
                      GError **error)
{
  GError *first = NULL;
  GError *no_space;

  for (guint i = 0; i < jobs->len && first == NULL; i++)
    {
      AqmpJob *job = g_ptr_array_index (jobs, i);
      AqmpBackupDisk *disk = i < plan->disks->len ? g_ptr_array_index (plan->disks, i) : NULL;
      g_autoptr(GError) local_error = NULL;

      if (aqmp_job_wait_sync (job, cancellable, &local_error))
        continue;
      if (g_cancellable_is_cancelled (cancellable) && !aqmp_job_is_ended (job))
        {
          aqmp_backup_run_cancel_all (self, jobs);
          first = g_error_new (AQMP_JOB_ERROR, AQMP_JOB_ERROR_CANCELLED, "The backup was cancelled");
          break;
        }
      first = g_error_new (local_error->domain, local_error->code, "Backup of disk %s failed: %s",
                           disk != NULL ? disk->disk : aqmp_job_get_id (job), local_error->message);
    }
  if (first == NULL)
    return TRUE;
  if (aqmp_backup_run_wait_all (jobs))
    {
      g_error_free (first);
      return TRUE;
    }
  no_space = g_error_matches (first, AQMP_JOB_ERROR, AQMP_JOB_ERROR_CANCELLED) ? NULL
                                                                               : aqmp_backup_run_no_space (plan, jobs);
  if (no_space != NULL)
    {
      g_error_free (first);
      first = no_space;
    }
  g_propagate_error (error, first);
  return FALSE;
}

static void
aqmp_backup_bitmap_remove_add (GArray *commands, const gchar *node, const gchar *name)
{
  AqmpBackupCommand command = { "block-dirty-bitmap-remove", json_object_new () };

  json_object_set_string_member (command.arguments, "node", node);
  json_object_set_string_member (command.arguments, "name", name);
  g_array_append_val (commands, command);
}

/* a new chain is complete: the machine's older chains take no more
 * backups (aqmp_backup_run_finish() closes them), and their bitmaps,
 * which would only cost writes, go, all at once (a bitmap that cannot go
 * only costs writes) */
static gboolean
aqmp_backup_run_retire_chains (AqmpBackupRun *self, AqmpBackupPlan *plan, GError **error)
{
  AqmpClient *client = aqmp_job_runner_get_client (self->runner);
  g_autoptr(GPtrArray) chains = aqmp_backup_catalog_list_chains (self->catalog, plan->chain->machine, error);
  g_autoptr(GArray) removes = g_array_new (FALSE, TRUE, sizeof (AqmpBackupCommand));

  if (chains == NULL)
    return FALSE;
  g_array_set_clear_func (removes, (GDestroyNotify) aqmp_backup_command_clear);
  for (guint i = 0; i < chains->len; i++)
    {
      AqmpBackupChain *chain = g_ptr_array_index (chains, i);

      if (!chain->open || chain->id == plan->chain->id)
        continue;
      for (guint j = 0; j < plan->disks->len; j++)
        {
          AqmpBackupDisk *disk = g_ptr_array_index (plan->disks, j);
          if (aqmp_backup_disk_has_bitmap (disk, chain->bitmap))
            aqmp_backup_bitmap_remove_add (removes, disk->disk, chain->bitmap);
          if (aqmp_backup_disk_has_bitmap (disk, chain->diff_bitmap))
            aqmp_backup_bitmap_remove_add (removes, disk->disk, chain->diff_bitmap);
        }
    }
  aqmp_backup_execute_batch_sync (client, (AqmpBackupCommand *) (gpointer) removes->data, removes->len, NULL);
  return TRUE;
}

/* the images QEMU left to this process to make durable (see
 * aqmp-backup-target.c), synced on a thread of their own while they are
 * hashed: the fdatasync() waits for the disk, the hash for the CPU */
static gpointer
aqmp_backup_run_sync_thread (gpointer data)
{
  GPtrArray *disks = data;

  for (guint i = 0; i < disks->len; i++)
    {
      AqmpBackupDisk *disk = g_ptr_array_index (disks, i);
      g_autoptr(GError) error = NULL;

      /* as a flush failure when QEMU closes an image: the jobs completed
       * and the image is part of the chain; the failure is told */
      if (!aqmp_backup_target_sync (disk, &error))
        g_warning ("%s", error->message);
    }
  return NULL;
}

static GThread *
aqmp_backup_run_start_sync (AqmpBackupPlan *plan)
{
  for (guint i = 0; i < plan->disks->len; i++)
    if (((AqmpBackupDisk *) g_ptr_array_index (plan->disks, i))->sync_fd >= 0)
      return g_thread_new ("aqmp-backup-sync", aqmp_backup_run_sync_thread, plan->disks);
  return NULL;
}

/* the outcome of a completed backup: each image's size and checksum once
 * QEMU closed it (the images hashed in parallel, and made durable at the
 * same time), and for a full backup, the older chains' bitmaps (which
 * nothing needs any more) removed. The catalog learns it all in
 * aqmp_backup_run_finish(). */
static gboolean
aqmp_backup_run_complete (AqmpBackupRun *self, AqmpBackupPlan *plan, GCancellable *cancellable, GError **error)
{
  AqmpClient *client = aqmp_job_runner_get_client (self->runner);
  g_autofree AqmpBackupChecksumFile *sums = g_new0 (AqmpBackupChecksumFile, plan->disks->len);
  g_autoptr(GError) kept = NULL;
  GThread *sync;

  for (guint i = 0; i < plan->disks->len; i++)
    {
      AqmpBackupDisk *disk = g_ptr_array_index (plan->disks, i);

      if (!aqmp_backup_target_release (client, disk, kept == NULL ? &kept : NULL))
        plan->left_running = TRUE;
    }
  /* QEMU still holds an image, perhaps with metadata it has not written:
   * nothing is hashed or recorded; the backup stays running, and the
   * next reconcile of the machine completes it once QEMU let go */
  if (plan->left_running)
    {
      g_set_error (error, kept->domain, kept->code,
                   "The backup's jobs completed, but QEMU kept an image (%s); the backup is left running, and the "
                   "machine's next "
                   "backup (or aqmpd, when it connects) completes it once QEMU lets go of its images",
                   kept->message);
      return FALSE;
    }
  for (guint i = 0; i < plan->disks->len; i++)
    {
      AqmpBackupDisk *disk = g_ptr_array_index (plan->disks, i);
      GStatBuf st;

      if (g_stat (disk->path, &st) == 0)
        disk->image->size = st.st_size;
      sums[i].path = disk->path;
      sums[i].mapped = TRUE;
    }
  /* its last pass ran while QEMU closed the images */
  g_clear_pointer (&plan->writeback, aqmp_backup_writeback_stop);
  sync = aqmp_backup_run_start_sync (plan);
  aqmp_backup_checksum_files (sums, plan->disks->len, NULL);
  if (sync != NULL)
    g_thread_join (sync);
  for (guint i = 0; i < plan->disks->len; i++)
    {
      AqmpBackupDisk *disk = g_ptr_array_index (plan->disks, i);

      /* the jobs completed and cleared the bitmap: the image is part of
       * the chain whatever happens here, only without a checksum (the
       * files may be where this process cannot read them) */
      if (sums[i].checksum == NULL)
        g_warning ("No checksum of %s: %s", disk->path, sums[i].error->message);
      disk->image->checksum = g_steal_pointer (&sums[i].checksum);
      aqmp_backup_checksum_file_clear (&sums[i]);
    }
  if (!plan->new_chain)
    return TRUE;
  return aqmp_backup_run_retire_chains (self, plan, error);
}

static gboolean
aqmp_backup_run_finish_rows (AqmpBackupRun *self, AqmpBackupPlan *plan, AqmpBackupState state,
                             const gchar *message, gint64 bytes, GError **error)
{
  for (guint i = 0; state == AQMP_BACKUP_STATE_COMPLETED && i < plan->disks->len; i++)
    {
      AqmpBackupDisk *disk = g_ptr_array_index (plan->disks, i);
      if (!aqmp_backup_catalog_update_image (self->catalog, disk->image, error))
        return FALSE;
    }
  if (plan->new_chain && state == AQMP_BACKUP_STATE_COMPLETED &&
      !aqmp_backup_catalog_close_chains (self->catalog, plan->chain->machine, plan->chain->id, error))
    return FALSE;
  if (plan->new_chain && state != AQMP_BACKUP_STATE_COMPLETED &&
      !aqmp_backup_catalog_set_chain_state (self->catalog, plan->chain->id, "failed", error))
    return FALSE;
  return aqmp_backup_catalog_finish_backup (self->catalog, self->backup_id, state, message, bytes, error);
}

/* the backup's end in one transaction: a completed backup's images
 * (sizes, checksums), the older chains closed or the new chain failed,
 * and the backup's state; so a backup is never completed without its
 * images recorded */
static gboolean
aqmp_backup_run_finish (AqmpBackupRun *self, AqmpBackupPlan *plan, AqmpBackupState state, const gchar *message,
                        gint64 bytes, GError **error)
{
  if (!aqmp_backup_catalog_begin (self->catalog, error))
    return FALSE;
  if (!aqmp_backup_run_finish_rows (self, plan, state, message, bytes, error))
    {
      aqmp_backup_catalog_rollback (self->catalog);
      return FALSE;
    }
  return aqmp_backup_catalog_commit (self->catalog, error);
}

static void
aqmp_backup_run_discard (AqmpBackupRun *self, AqmpBackupPlan *plan)
{
  AqmpClient *client = aqmp_job_runner_get_client (self->runner);

  for (guint i = 0; plan->disks != NULL && i < plan->disks->len; i++)
    {
      AqmpBackupDisk *disk = g_ptr_array_index (plan->disks, i);
      g_autoptr(GError) error = NULL;

      if (!aqmp_backup_target_release (client, disk, &error))
        g_warning ("%s", error->message);
      if (plan->bitmaps_added)
        {
          aqmp_backup_bitmap_remove (client, disk->disk, plan->chain->bitmap, NULL);
          aqmp_backup_bitmap_remove (client, disk->disk, plan->chain->diff_bitmap, NULL);
        }
      if (disk->file_created && disk->path != NULL)
        g_unlink (disk->path);
    }
}

static gint64
aqmp_backup_run_bytes (GPtrArray *jobs)
{
  gint64 bytes = 0;

  for (guint i = 0; jobs != NULL && i < jobs->len; i++)
    bytes += aqmp_job_get_total_progress (g_ptr_array_index (jobs, i));
  return bytes;
}

static gboolean
aqmp_backup_run_jobs (AqmpBackupRun *self, AqmpBackupPlan *plan, GPtrArray **jobs_out,
                      GCancellable *cancellable, GError **error)
{
  g_autoptr(GPtrArray) jobs = NULL;
  gboolean waited;

  if (!aqmp_backup_run_make_targets (self, plan, cancellable, error))
    return FALSE;
  jobs = aqmp_backup_run_start_jobs (self, plan, cancellable, error);
  if (jobs == NULL)
    return FALSE;
  *jobs_out = g_ptr_array_ref (jobs);
  aqmp_backup_run_follow (self, jobs);
  for (guint i = 0; i < jobs->len; i++)
    {
      AqmpBackupDisk *disk = g_ptr_array_index (plan->disks, i);
      g_set_object (&disk->job, g_ptr_array_index (jobs, i));
      if (!aqmp_backup_catalog_add_job (self->catalog, self->backup_id, aqmp_job_get_store_id (disk->job),
                                        disk->disk, "backup", error))
        {
          aqmp_backup_run_wait (self, plan, jobs, cancellable, NULL);
          return FALSE;
        }
    }
  plan->writeback = aqmp_backup_writeback_start (plan->disks);
  waited = aqmp_backup_run_wait (self, plan, jobs, cancellable, error);
  aqmp_backup_writeback_end (plan->writeback);
  if (!waited)
    {
      g_clear_pointer (&plan->writeback, aqmp_backup_writeback_stop);
      return FALSE;
    }
  return aqmp_backup_run_complete (self, plan, cancellable, error);
}

static AqmpBackupRecord *
aqmp_backup_run_steps (AqmpBackupRun *self, GCancellable *cancellable, GError **error)
{
  g_auto(AqmpBackupPlan) plan = { NULL };
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) settled = NULL;
  g_autofree gchar *missing = NULL;
  AqmpBackupState state = AQMP_BACKUP_STATE_COMPLETED;

  /* a backup of this machine whose runner went away is settled first:
   * the chain must be known before building on it */
  settled = aqmp_backup_catalog_reconcile_sync (self->catalog, self->runner, cancellable, error);
  if (settled == NULL)
    return NULL;
  plan.disks = aqmp_backup_disks_query (aqmp_job_runner_get_client (self->runner),
                                        aqmp_backup_options_get_disks (self->options),
                                        aqmp_backup_options_get_excludes (self->options), &missing, cancellable,
                                        error);
  if (plan.disks == NULL)
    {
      aqmp_backup_run_explain_missing (self, missing, error);
      return NULL;
    }
  if (!aqmp_backup_run_plan (self, &plan, error) || !aqmp_backup_run_record (self, &plan, error))
    return NULL;
  if (!aqmp_backup_run_jobs (self, &plan, &jobs, cancellable, &local_error) && plan.left_running)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (local_error != NULL)
    {
      gboolean cancelled = g_error_matches (local_error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_CANCELLED) ||
                           g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      state = cancelled ? AQMP_BACKUP_STATE_CANCELLED : AQMP_BACKUP_STATE_FAILED;
      aqmp_backup_run_discard (self, &plan);
    }
  if (!aqmp_backup_run_finish (self, &plan, state, local_error != NULL ? local_error->message : NULL,
                               aqmp_backup_run_bytes (jobs), local_error != NULL ? NULL : error))
    return NULL;
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return aqmp_backup_catalog_get_backup (self->catalog, self->backup_id, error);
}

/* the steps, under the machine's backup lock from before the reconcile
 * until the outcome is recorded: no other process settles or races this
 * run's backup (aqmp_backup_catalog_lock_machine()); the backup, once
 * recorded, is this run's until they end */
static AqmpBackupRecord *
aqmp_backup_run_execute (AqmpBackupRun *self, GCancellable *cancellable, GError **error)
{
  const gchar *machine = aqmp_job_runner_get_machine (self->runner);
  AqmpBackupRecord *record;

  machine = machine != NULL ? machine : "";
  if (!aqmp_backup_catalog_lock_machine (self->catalog, machine, error))
    return NULL;
  record = aqmp_backup_run_steps (self, cancellable, error);
  if (self->backup_id != 0)
    aqmp_backup_catalog_release (self->catalog, self->backup_id);
  aqmp_backup_catalog_unlock_machine (self->catalog, machine);
  return record;
}

static gboolean
aqmp_backup_run_claim (AqmpBackupRun *self, GError **error)
{
  gboolean started;

  g_mutex_lock (&self->lock);
  started = self->started;
  self->started = TRUE;
  g_mutex_unlock (&self->lock);
  if (started)
    g_set_error (error, AQMP_BACKUP_ERROR, AQMP_BACKUP_ERROR_INVALID, "A backup run runs once");
  return !started;
}

/**
 * aqmp_backup_run_run_sync:
 * @self: an #AqmpBackupRun
 * @cancellable: (nullable): cancels the backup: its jobs are cancelled,
 *   its images removed, and the chain stays as it was
 * @error: return location for an error
 *
 * Runs the backup to its end, from any thread (the jobs API's sync calls
 * drive or wait for the client's context). A backup that failed or was
 * cancelled once recorded stays in the catalog in that state. The run
 * holds the machine's backup lock (a lock file next to the catalog's
 * database) from its start until it recorded its outcome; while another
 * process holds it, the run fails at once with %G_IO_ERROR_BUSY and
 * records nothing. Runs of one catalog share it.
 *
 * Returns: (transfer full) (nullable): the completed backup, or %NULL
 *   with @error set
 *
 * Since: 0.1
 */
AqmpBackupRecord *
aqmp_backup_run_run_sync (AqmpBackupRun *self, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (AQMP_IS_BACKUP_RUN (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!aqmp_backup_run_claim (self, error))
    return NULL;
  return aqmp_backup_run_execute (self, cancellable, error);
}

static void
aqmp_backup_run_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;
  AqmpBackupRecord *record = aqmp_backup_run_execute (source, cancellable, &error);

  if (record == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, record, (GDestroyNotify) aqmp_backup_record_unref);
}

/**
 * aqmp_backup_run_run_async:
 * @self: an #AqmpBackupRun
 * @cancellable: (nullable): cancels the backup (see
 *   aqmp_backup_run_run_sync())
 * @callback: called when the backup ended
 * @user_data: data for @callback
 *
 * Runs the backup on a worker thread; the thread that runs the client's
 * context must keep running it meanwhile.
 *
 * Since: 0.1
 */
void
aqmp_backup_run_run_async (AqmpBackupRun *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                           gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  g_return_if_fail (AQMP_IS_BACKUP_RUN (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aqmp_backup_run_run_async);
  g_task_set_return_on_cancel (task, FALSE);
  /* the outcome is the run's: a cancelled run may still have completed */
  g_task_set_check_cancellable (task, FALSE);
  if (!aqmp_backup_run_claim (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_run_in_thread (task, aqmp_backup_run_thread);
}

/**
 * aqmp_backup_run_run_finish:
 * @self: an #AqmpBackupRun
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Finishes aqmp_backup_run_run_async().
 *
 * Returns: (transfer full) (nullable): the completed backup, or %NULL
 *   with @error set
 *
 * Since: 0.1
 */
AqmpBackupRecord *
aqmp_backup_run_run_finish (AqmpBackupRun *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == aqmp_backup_run_run_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
