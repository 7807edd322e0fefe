/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <aqmp-qga/aqmp-qga.h>

#include "aqmpd-backups.h"
#include "aqmpd-error.h"
#include "aqmpd-options.h"

/*
 * AqmpdBackups: the daemon's side of libaqmp-backup. Machine.StartBackup
 * runs an AqmpBackupRun on the machine's job runner behind one Job object
 * whose progress is the whole backup's; Manager.ListBackups,
 * RestoreBackup and VerifyBackup work on the catalog. The catalog lives
 * in the job store's database, the one `aqmp backup --db` names, so the
 * daemon and the command line see the same chains.
 *
 * A backup's images, and a restored image, are host files written on the
 * caller's behalf (by QEMU through blockdev-create, or by the daemon's
 * qemu-img): for callers who are not root they follow the rule of `file`
 * nodes (aqmpd_policy_check_write()).
 */

struct _AqmpdBackups {
  GObject parent_instance;

  AqmpdAuthority *authority;
  AqmpJobStore *store;             /* nullable */
  AqmpPluginLoader *loader;
  GHashTable *machines;            /* the manager's: path -> AqmpdMachine */
  AqmpBackupCatalog *catalog;      /* opened at first use */
};

G_DEFINE_FINAL_TYPE (AqmpdBackups, aqmpd_backups, G_TYPE_OBJECT)

static const AqmpdOptionSpec aqmpd_backups_start_options[] = {
  { "level", "s" },
  { "disks", "as" },
  { "exclude", "as" },
  { "to", "s" },
  { "dir", "s" },
  { "speed", "t" },
  { "compress", "b" },
  { "quiesce", "b" },
  { NULL, NULL }
};

static const AqmpdOptionSpec aqmpd_backups_list_filter[] = {
  { "machine", "s" },
  { "limit", "u" },
  { "offset", "u" },
  { NULL, NULL }
};

/* ----- errors and the catalog ----- */

/* the backup library's errors under the daemon's names */
static void
aqmpd_backups_return_error (GDBusMethodInvocation *invocation, const GError *error)
{
  if (error->domain == AQMP_BACKUP_ERROR
      && (error->code == AQMP_BACKUP_ERROR_NOT_FOUND || error->code == AQMP_BACKUP_ERROR_NO_DISK))
    g_dbus_method_invocation_return_error_literal (invocation, AQMPD_ERROR, AQMPD_ERROR_NOT_FOUND,
                                                   error->message);
  else if ((error->domain == AQMP_BACKUP_ERROR && error->code == AQMP_BACKUP_ERROR_INVALID)
           || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS))
    g_dbus_method_invocation_return_error_literal (invocation, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                                   error->message);
  else
    aqmpd_invocation_return_error (invocation, error);
}

static AqmpBackupCatalog *
aqmpd_backups_get_catalog (AqmpdBackups *self, GError **error)
{
  if (self->catalog != NULL)
    return self->catalog;
  if (self->store == NULL)
    {
      g_set_error_literal (error, AQMPD_ERROR, AQMPD_ERROR_NOT_SUPPORTED,
                           "the daemon runs without a job store, so without a backup catalog");
      return NULL;
    }
  self->catalog = aqmp_backup_catalog_new (self->store, error);
  return self->catalog;
}

/* where chains go when StartBackup does not say: next to the database */
static gchar *
aqmpd_backups_default_dir (AqmpdBackups *self)
{
  g_autofree gchar *parent = NULL;

  if (self->store == NULL)
    return g_build_filename (g_get_user_data_dir (), "aqmp", "backups", NULL);
  parent = g_path_get_dirname (aqmp_job_store_get_path (self->store));
  return g_build_filename (parent, "backups", NULL);
}

static AqmpdMachine *
aqmpd_backups_find_machine (AqmpdBackups *self, const gchar *name)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->machines);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (g_strcmp0 (aqmpd_machine_get_name (value), name) == 0)
      return value;
  return NULL;
}

/* ----- StartBackup ----- */

static gboolean
aqmpd_backups_invalid (GError **error, const gchar *key, const gchar *why)
{
  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS, "StartBackup options: key '%s' %s", key, why);
  return FALSE;
}

static gboolean
aqmpd_backups_parse_level (GVariant *options, AqmpBackupOptions *out, GError **error)
{
  const gchar *text = NULL;
  AqmpBackupLevel level = AQMP_BACKUP_LEVEL_AUTO;

  if (!g_variant_lookup (options, "level", "&s", &text))
    return TRUE;
  if (!aqmp_backup_level_from_string (text, &level))
    return aqmpd_backups_invalid (error, "level", "must be full, incremental, differential or auto");
  aqmp_backup_options_set_level (out, level);
  return TRUE;
}

static void
aqmpd_backups_parse_disks (GVariant *options, AqmpBackupOptions *out)
{
  g_autofree const gchar **disks = NULL;
  g_autofree const gchar **excludes = NULL;

  if (g_variant_lookup (options, "disks", "^a&s", &disks))
    for (guint i = 0; disks[i] != NULL; i++)
      aqmp_backup_options_add_disk (out, disks[i]);
  if (g_variant_lookup (options, "exclude", "^a&s", &excludes))
    for (guint i = 0; excludes[i] != NULL; i++)
      aqmp_backup_options_add_exclude (out, excludes[i]);
}

static gboolean
aqmpd_backups_parse_directory (AqmpdBackups *self, GVariant *options, AqmpBackupOptions *out, GError **error)
{
  const gchar *to = NULL;
  const gchar *dir = NULL;
  g_autofree gchar *fallback = NULL;

  g_variant_lookup (options, "to", "&s", &to);
  g_variant_lookup (options, "dir", "&s", &dir);
  if (to != NULL && dir != NULL)
    return aqmpd_backups_invalid (error, "dir", "is another name for 'to': give one of them");
  if (to == NULL)
    to = dir;
  if (to != NULL && !g_path_is_absolute (to))
    return aqmpd_backups_invalid (error, dir != NULL ? "dir" : "to", "must be an absolute directory");
  if (to == NULL)
    to = fallback = aqmpd_backups_default_dir (self);
  aqmp_backup_options_set_directory (out, to);
  return TRUE;
}

/**
 * aqmpd_backups_parse_options:
 * @caller_is_root: whether the caller is root (or the daemon's own user)
 * @options: StartBackup's a{sv}
 * @quiesce: (out): whether the guest is to be frozen
 *
 * Checks every key and type, and whether the caller may have the images
 * written where they would go, before anything is sent or recorded.
 *
 * Returns: (transfer full) (nullable): the backup's options
 */
AqmpBackupOptions *
aqmpd_backups_parse_options (AqmpdBackups *self, AqmpdMachine *machine, gboolean caller_is_root,
                             GVariant *options, gboolean *quiesce, GError **error)
{
  g_autoptr(AqmpBackupOptions) out = aqmp_backup_options_new ();
  const gchar *qga = aqmp_dbus_machine_get_guest_agent_address (aqmpd_machine_get_iface (machine));
  guint64 speed = 0;
  gboolean compress = FALSE;

  g_return_val_if_fail (AQMPD_IS_BACKUPS (self), NULL);

  *quiesce = FALSE;
  if (!aqmpd_options_check (options, "StartBackup options", aqmpd_backups_start_options, error)
      || !aqmpd_backups_parse_level (options, out, error)
      || !aqmpd_backups_parse_directory (self, options, out, error))
    return NULL;
  aqmpd_backups_parse_disks (options, out);
  if (g_variant_lookup (options, "speed", "t", &speed))
    aqmp_backup_options_set_speed (out, speed);
  if (g_variant_lookup (options, "compress", "b", &compress))
    aqmp_backup_options_set_compress (out, compress);
  g_variant_lookup (options, "quiesce", "b", quiesce);
  if (*quiesce && (qga == NULL || qga[0] == '\0'))
    {
      aqmpd_backups_invalid (error, "quiesce", "needs a machine added with a qga-address");
      return NULL;
    }
  if (!aqmpd_machine_check_write (machine, caller_is_root, "StartBackup",
                                  aqmp_backup_options_get_directory (out), TRUE, error))
    return NULL;
  return g_steal_pointer (&out);
}

typedef struct {
  AqmpdBackups *backups;
  AqmpdMachine *machine;
  AqmpBackupOptions *options;
  AqmpdJob *job;
  AqmpBackupRun *run;
  GMainContext *context;   /* the daemon's, where the Job lives */
} AqmpdBackupTask;

static void
aqmpd_backup_task_free (AqmpdBackupTask *task)
{
  if (task->run != NULL)
    g_signal_handlers_disconnect_by_data (task->run, task);
  g_clear_object (&task->run);
  g_main_context_unref (task->context);
  g_object_unref (task->job);
  g_object_unref (task->options);
  g_object_unref (task->machine);
  g_object_unref (task->backups);
  g_free (task);
}

static void
aqmpd_backup_task_end (AqmpdBackupTask *task, const GError *error)
{
  const gchar *name = aqmpd_machine_get_name (task->machine);

  if (error == NULL)
    {
      g_message ("%s: backup %" G_GINT64_FORMAT " completed", name,
                 task->run != NULL ? aqmp_backup_run_get_backup_id (task->run) : 0);
      aqmpd_job_end (task->job, "success", NULL);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
           || g_error_matches (error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_CANCELLED))
    {
      g_message ("%s: backup cancelled", name);
      aqmpd_job_end (task->job, "cancelled", error);
    }
  else
    {
      g_message ("%s: backup failed: %s", name, error->message);
      aqmpd_job_end (task->job, "failed", error);
    }
  aqmpd_backup_task_free (task);
}

typedef struct {
  AqmpdJob *job;
  AqmpBackupRun *run;
} AqmpdBackupUpdate;

static void
aqmpd_backup_update_free (gpointer data)
{
  AqmpdBackupUpdate *update = data;

  g_object_unref (update->job);
  g_object_unref (update->run);
  g_free (update);
}

/* on the daemon's main context: the bus objects are not for other threads */
static gboolean
aqmpd_backup_update_cb (gpointer data)
{
  AqmpdBackupUpdate *update = data;
  gint64 current = aqmp_backup_run_get_current_progress (update->run);
  gint64 total = aqmp_backup_run_get_total_progress (update->run);

  aqmpd_job_set_bytes (update->job, current > 0 ? (guint64) current : 0, total > 0 ? (guint64) total : 0);
  /* QEMU took the cancel: every disk's job is ending */
  if (aqmp_backup_run_is_cancelling (update->run))
    aqmpd_job_set_status (update->job, "cancelling");
  return G_SOURCE_REMOVE;
}

/* the run notifies from its own thread too (it waits for the jobs there) */
static void
aqmpd_backup_task_changed_cb (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  AqmpdBackupTask *task = user_data;
  AqmpdBackupUpdate *update = g_new0 (AqmpdBackupUpdate, 1);

  update->job = g_object_ref (task->job);
  update->run = g_object_ref (AQMP_BACKUP_RUN (object));
  g_main_context_invoke_full (task->context, G_PRIORITY_DEFAULT, aqmpd_backup_update_cb, update,
                              aqmpd_backup_update_free);
}

static void
aqmpd_backup_task_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpdBackupTask *task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpBackupRecord) record = aqmp_backup_run_run_finish (AQMP_BACKUP_RUN (source), res, &error);

  if (record != NULL)
    /* the copied bytes, even when QEMU's last progress event came before the end */
    aqmpd_job_set_bytes (task->job, (guint64) MAX (aqmp_backup_record_get_bytes (record), 0),
                         (guint64) MAX (aqmp_backup_record_get_bytes (record), 0));
  aqmpd_backup_task_end (task, record != NULL ? NULL : error);
}

static void
aqmpd_backup_task_run (AqmpdBackupTask *task)
{
  g_autoptr(GError) error = NULL;
  AqmpBackupCatalog *catalog = aqmpd_backups_get_catalog (task->backups, &error);

  if (catalog == NULL)
    {
      aqmpd_backup_task_end (task, error);
      return;
    }
  task->run = aqmp_backup_run_new (aqmpd_machine_get_runner (task->machine), catalog, task->options);
  g_signal_connect (task->run, "notify::current-progress", G_CALLBACK (aqmpd_backup_task_changed_cb), task);
  g_signal_connect (task->run, "notify::total-progress", G_CALLBACK (aqmpd_backup_task_changed_cb), task);
  g_signal_connect (task->run, "notify::cancelling", G_CALLBACK (aqmpd_backup_task_changed_cb), task);
  aqmpd_job_set_status (task->job, "running");
  aqmp_backup_run_run_async (task->run, aqmpd_job_get_cancellable (task->job), aqmpd_backup_task_done_cb, task);
}

static void
aqmpd_backup_task_agent_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpdBackupTask *task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpClient) client = aqmpd_machine_get_guest_agent_finish (AQMPD_MACHINE (source), res, &error);
  g_autoptr(AqmpGuestAgent) agent = NULL;

  if (client == NULL)
    {
      aqmpd_backup_task_end (task, error);
      return;
    }
  agent = aqmp_guest_agent_new (client);
  aqmp_backup_options_set_guest_agent (task->options, agent);
  aqmpd_backup_task_run (task);
}

/**
 * aqmpd_backups_start:
 * @options: from aqmpd_backups_parse_options()
 * @job: the Job object that follows the backup; its Cancel cancels it
 *
 * Runs the backup; @job ends with its result.
 */
void
aqmpd_backups_start (AqmpdBackups *self, AqmpdMachine *machine, AqmpBackupOptions *options,
                     gboolean quiesce, AqmpdJob *job)
{
  AqmpdBackupTask *task = g_new0 (AqmpdBackupTask, 1);

  g_return_if_fail (AQMPD_IS_BACKUPS (self));

  task->backups = g_object_ref (self);
  task->machine = g_object_ref (machine);
  task->options = g_object_ref (options);
  task->job = g_object_ref (job);
  task->context = g_main_context_ref_thread_default ();
  if (!quiesce)
    {
      aqmpd_backup_task_run (task);
      return;
    }
  aqmpd_machine_get_guest_agent_async (machine, self->loader, aqmpd_job_get_cancellable (job),
                                       aqmpd_backup_task_agent_cb, task);
}

/* ----- backups whose runner went away ----- */

static void
aqmpd_backups_reconciled_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(AqmpdMachine) machine = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) settled = aqmp_backup_catalog_reconcile_finish (AQMP_BACKUP_CATALOG (source), res, &error);
  const gchar *name = aqmpd_machine_get_name (machine);

  if (settled == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("%s: cannot settle the backups whose runner went away: %s", name, error->message);
      return;
    }
  for (guint i = 0; i < settled->len; i++)
    {
      AqmpBackupRecord *backup = g_ptr_array_index (settled, i);
      const gchar *why = aqmp_backup_record_get_error (backup);

      g_message ("%s: backup %" G_GINT64_FORMAT ", whose runner went away, is %s%s%s", name,
                 aqmp_backup_record_get_id (backup),
                 aqmp_backup_state_to_string (aqmp_backup_record_get_state (backup)),
                 why != NULL ? ": " : "", why != NULL ? why : "");
    }
}

/**
 * aqmpd_backups_reconcile:
 * @machine: a machine whose job runner was just reconciled with QEMU
 *
 * Settles the machine's backups that the catalog has as running and no
 * run of this daemon runs (a killed daemon's or tool's), as the next
 * backup would: from their jobs' outcomes, waiting for jobs QEMU still
 * runs, removing their target nodes. Logs what it settled.
 */
void
aqmpd_backups_reconcile (AqmpdBackups *self, AqmpdMachine *machine)
{
  g_autoptr(GError) error = NULL;
  AqmpBackupCatalog *catalog;

  g_return_if_fail (AQMPD_IS_BACKUPS (self));

  /* without a job store there is no catalog, and nothing to settle */
  if (self->store == NULL)
    return;
  catalog = aqmpd_backups_get_catalog (self, &error);
  if (catalog == NULL)
    {
      g_warning ("%s: cannot open the backup catalog: %s", aqmpd_machine_get_name (machine), error->message);
      return;
    }
  g_debug ("%s: settling backups whose runner went away", aqmpd_machine_get_name (machine));
  aqmp_backup_catalog_reconcile_async (catalog, aqmpd_machine_get_runner (machine),
                                       aqmpd_machine_get_cancellable (machine), aqmpd_backups_reconciled_cb,
                                       g_object_ref (machine));
}

/* ----- ListBackups ----- */

static GVariant *
aqmpd_backups_images_variant (AqmpBackupCatalog *catalog, gint64 backup_id, GError **error)
{
  g_autoptr(GPtrArray) images = aqmp_backup_catalog_list_images (catalog, backup_id, error);
  GVariantBuilder builder;

  if (images == NULL)
    return NULL;
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < images->len; i++)
    g_variant_builder_add_value (&builder, aqmp_backup_image_to_variant (g_ptr_array_index (images, i)));
  return g_variant_builder_end (&builder);
}

/* the record's dictionary with its images */
static GVariant *
aqmpd_backups_record_variant (AqmpBackupCatalog *catalog, AqmpBackupRecord *record, GError **error)
{
  g_autoptr(GVariant) dict = g_variant_ref_sink (aqmp_backup_record_to_variant (record));
  GVariant *images = aqmpd_backups_images_variant (catalog, aqmp_backup_record_get_id (record), error);
  GVariantBuilder builder;
  GVariantIter iter;
  const gchar *key;
  GVariant *value;

  if (images == NULL)
    return NULL;
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sv}"));
  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_variant_builder_add (&builder, "{sv}", key, value);
      g_variant_unref (value);
    }
  g_variant_builder_add (&builder, "{sv}", "images", images);
  return g_variant_builder_end (&builder);
}

static GVariant *
aqmpd_backups_list (AqmpdBackups *self, GVariant *filter, GError **error)
{
  const gchar *machine = NULL;
  guint limit = AQMPD_BACKUPS_DEFAULT_LIMIT;
  guint offset = 0;
  AqmpBackupCatalog *catalog;
  g_autoptr(GPtrArray) backups = NULL;
  GVariantBuilder builder;

  if (!aqmpd_options_check (filter, "ListBackups filter", aqmpd_backups_list_filter, error))
    return NULL;
  g_variant_lookup (filter, "machine", "&s", &machine);
  g_variant_lookup (filter, "limit", "u", &limit);
  g_variant_lookup (filter, "offset", "u", &offset);
  catalog = aqmpd_backups_get_catalog (self, error);
  if (catalog == NULL)
    return NULL;
  backups = limit == 0 ? g_ptr_array_new ()
                       : aqmp_backup_catalog_list_backups_page (catalog, machine, offset, limit, error);
  if (backups == NULL)
    return NULL;
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < backups->len; i++)
    {
      GVariant *one = aqmpd_backups_record_variant (catalog, g_ptr_array_index (backups, i), error);

      if (one == NULL)
        {
          g_variant_builder_clear (&builder);
          return NULL;
        }
      g_variant_builder_add_value (&builder, one);
    }
  return g_variant_new ("(aa{sv})", &builder);
}

static gboolean
aqmpd_backups_handle_list (AqmpDBusManager *iface, GDBusMethodInvocation *invocation, GVariant *filter,
                           gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  GVariant *reply = aqmpd_backups_list (user_data, filter, &error);

  if (reply == NULL)
    aqmpd_backups_return_error (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, reply);
  return TRUE;
}

/* ----- RestoreBackup ----- */

/* the daemon writes @target: for callers who are not root, the machine's rule */
static gboolean
aqmpd_backups_check_restore (AqmpdBackups *self, GDBusMethodInvocation *invocation, AqmpBackupRecord *record,
                             const gchar *target, GError **error)
{
  gboolean root = aqmpd_authority_caller_is_root (self->authority, invocation);
  AqmpdMachine *machine = aqmpd_backups_find_machine (self, aqmp_backup_record_get_machine (record));

  if (!g_path_is_absolute (target))
    {
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                   "RestoreBackup: the target '%s' is not an absolute path", target);
      return FALSE;
    }
  if (root)
    return TRUE;
  if (machine == NULL)
    {
      g_set_error (error, AQMPD_ERROR, AQMPD_ERROR_REFUSED,
                   "RestoreBackup is refused: backup %" G_GINT64_FORMAT " is of machine %s, which the "
                   "daemon does not have, so only root may restore it",
                   aqmp_backup_record_get_id (record), aqmp_backup_record_get_machine (record));
      return FALSE;
    }
  return aqmpd_machine_check_write (machine, FALSE, "RestoreBackup", target, FALSE, error);
}

static void
aqmpd_backups_restored_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GError) error = NULL;

  if (!aqmp_backup_catalog_restore_finish (AQMP_BACKUP_CATALOG (source), res, &error))
    {
      aqmpd_backups_return_error (invocation, error);
      return;
    }
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static gboolean
aqmpd_backups_handle_restore (AqmpDBusManager *iface, GDBusMethodInvocation *invocation, gint64 id,
                              const gchar *disk, const gchar *target, gpointer user_data)
{
  AqmpdBackups *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpBackupRecord) record = NULL;
  AqmpBackupCatalog *catalog = aqmpd_backups_get_catalog (self, &error);

  if (catalog == NULL
      || (record = aqmp_backup_catalog_get_backup (catalog, id, &error)) == NULL
      || !aqmpd_backups_check_restore (self, invocation, record, target, &error))
    {
      aqmpd_backups_return_error (invocation, error);
      return TRUE;
    }
  g_info ("restore of backup %" G_GINT64_FORMAT " disk %s into %s", id, disk, target);
  aqmp_backup_catalog_restore_async (catalog, id, disk, target, NULL, aqmpd_backups_restored_cb,
                                     g_object_ref (invocation));
  return TRUE;
}

/* ----- VerifyBackup ----- */

static void
aqmpd_backups_verified_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) problems = aqmp_backup_catalog_verify_finish (AQMP_BACKUP_CATALOG (source), res, &error);

  if (problems == NULL)
    {
      aqmpd_backups_return_error (invocation, error);
      return;
    }
  g_dbus_method_invocation_return_value (invocation,
                                         g_variant_new ("(^as)", problems));
}

static gboolean
aqmpd_backups_handle_verify (AqmpDBusManager *iface, GDBusMethodInvocation *invocation, gint64 id,
                             gpointer user_data)
{
  AqmpdBackups *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpBackupRecord) record = NULL;
  AqmpBackupCatalog *catalog = aqmpd_backups_get_catalog (self, &error);

  if (catalog == NULL
      || (id != 0 && (record = aqmp_backup_catalog_get_backup (catalog, id, &error)) == NULL))
    {
      aqmpd_backups_return_error (invocation, error);
      return TRUE;
    }
  aqmp_backup_catalog_verify_async (catalog, id, NULL, NULL, NULL, aqmpd_backups_verified_cb,
                                    g_object_ref (invocation));
  return TRUE;
}

/* ----- object ----- */

/* the Manager's backup methods; ListBackups is open (see the manager) */
void
aqmpd_backups_connect (AqmpdBackups *self, AqmpDBusManager *iface)
{
  g_return_if_fail (AQMPD_IS_BACKUPS (self));
  g_signal_connect_object (iface, "handle-list-backups", G_CALLBACK (aqmpd_backups_handle_list), self, 0);
  g_signal_connect_object (iface, "handle-restore-backup", G_CALLBACK (aqmpd_backups_handle_restore), self, 0);
  g_signal_connect_object (iface, "handle-verify-backup", G_CALLBACK (aqmpd_backups_handle_verify), self, 0);
}

static void
aqmpd_backups_dispose (GObject *object)
{
  AqmpdBackups *self = AQMPD_BACKUPS (object);

  g_clear_object (&self->catalog);
  g_clear_object (&self->loader);
  g_clear_object (&self->store);
  g_clear_object (&self->authority);
  g_clear_pointer (&self->machines, g_hash_table_unref);
  G_OBJECT_CLASS (aqmpd_backups_parent_class)->dispose (object);
}

static void
aqmpd_backups_class_init (AqmpdBackupsClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = aqmpd_backups_dispose;
}

static void
aqmpd_backups_init (AqmpdBackups *self)
{
}

/**
 * aqmpd_backups_new:
 * @store: (nullable): the job store, whose database holds the catalog
 * @machines: the manager's machines by path, for RestoreBackup's check
 */
AqmpdBackups *
aqmpd_backups_new (AqmpdAuthority *authority, AqmpJobStore *store, AqmpPluginLoader *loader,
                   GHashTable *machines)
{
  AqmpdBackups *self = g_object_new (AQMPD_TYPE_BACKUPS, NULL);

  self->authority = g_object_ref (authority);
  self->store = store != NULL ? g_object_ref (store) : NULL;
  self->loader = g_object_ref (loader);
  self->machines = g_hash_table_ref (machines);
  return self;
}
