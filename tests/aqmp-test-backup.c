/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fixture and helpers of the libaqmp-backup tests (test-backup,
 * test-backup-failures): a real QEMU 7.2 with qcow2 disks added over
 * blockdev-add, guest data written with HMP qemu-io, runs of a backup,
 * restores compared with copies of the source, QEMU's state checked.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "aqmp-test-backup.h"
#include "aqmp-test-fake-agent.h"

void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *db = NULL;
  int saved, null;

  /* HMP qemu-io prints on QEMU's stdout, which must not be the TAP
   * stream */
  saved = dup (STDOUT_FILENO);
  null = g_open ("/dev/null", O_WRONLY, 0);
  fflush (stdout);
  dup2 (null, STDOUT_FILENO);
  f->qemu = aqmp_test_qemu_new (data);
  dup2 (saved, STDOUT_FILENO);
  close (saved);
  close (null);
  f->client = aqmp_test_connect (f->qemu->address);
  f->dir = g_strdup (f->qemu->dir);
  f->backups = g_build_filename (f->dir, "backups", NULL);
  db = g_build_filename (f->dir, "jobs.db", NULL);
  f->store = aqmp_job_store_new (db, &error);
  g_assert_no_error (error);
  f->runner = aqmp_job_runner_new (f->client, f->store, f->qemu->address);
  aqmp_job_runner_set_poll_interval (f->runner, 50);
  f->catalog = aqmp_backup_catalog_new (f->store, &error);
  g_assert_no_error (error);
}

/* the fake agent holds a freeze (a run waiting there has made its
 * targets and started no job) */
gboolean
freeze_held (gpointer user_data)
{
  AqmpTestFakeAgent *fake = user_data;

  return fake->held_freeze != NULL;
}

void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->catalog);
  g_clear_object (&f->runner);
  g_clear_object (&f->store);
  g_clear_object (&f->client);
  g_clear_pointer (&f->qemu, aqmp_test_qemu_free);
  g_free (f->backups);
  g_free (f->dir);
}

/* a tool that must succeed; its output */
gchar *
tool (const gchar *first, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *err = NULL;
  gchar *out = NULL;
  gint status = 0;
  va_list args;

  va_start (args, first);
  for (const gchar *arg = first; arg != NULL; arg = va_arg (args, const gchar *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (gchar **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               &out, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s %s failed: %s", first, (gchar *) argv->pdata[1], err);
  return out;
}

JsonNode *
qmp (Fixture *f, const gchar *command, const gchar *json, GError **error)
{
  g_autoptr(JsonObject) args = json != NULL ? aqmp_test_object_from_json (json) : NULL;
  return aqmp_client_execute_sync (f->client, command, args, NULL, error);
}

void
qmp_ok (Fixture *f, const gchar *command, const gchar *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = qmp (f, command, json, &error);

  g_assert_no_error (error);
}

/* an HMP qemu-io command on @node, which must succeed */
void
qemu_io (Fixture *f, const gchar *node, const gchar *command)
{
  g_autoptr(JsonObject) args = json_object_new ();
  g_autofree gchar *line = g_strdup_printf ("qemu-io %s \"%s\"", node, command);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;
  const gchar *out;

  json_object_set_string_member (args, "command-line", line);
  value = aqmp_client_execute_sync (f->client, "human-monitor-command", args, NULL, &error);
  g_assert_no_error (error);
  out = json_node_get_string (value);
  if (out != NULL && (strstr (out, "error") != NULL || strstr (out, "failed") != NULL))
    g_error ("%s: %s", line, out);
}

void
guest_write (Fixture *f, const gchar *node, guint pattern, gint64 offset, gint64 length)
{
  g_autofree gchar *command = g_strdup_printf ("write -P 0x%02x %" G_GINT64_FORMAT " %" G_GINT64_FORMAT,
                                               pattern, offset, length);
  qemu_io (f, node, command);
}

gchar *
disk_path (Fixture *f, const gchar *node)
{
  g_autofree gchar *name = g_strdup_printf ("%s.qcow2", node);
  return g_build_filename (f->dir, name, NULL);
}

gchar *
make_image_sized (Fixture *f, const gchar *node, const gchar *options, const gchar *size)
{
  gchar *path = disk_path (f, node);
  g_autofree gchar *out = tool ("qemu-img", "create", "-q", "-f", "qcow2", "-o",
                                options != NULL ? options : "compat=1.1", path, size, NULL);
  return path;
}

gchar *
make_image (Fixture *f, const gchar *node, const gchar *options)
{
  return make_image_sized (f, node, options, "8M");
}

/* a qcow2 disk @node over its file, or over blkdebug with @blkdebug's
 * rules (JSON members) */
void
add_disk (Fixture *f, const gchar *node, const gchar *options, const gchar *blkdebug)
{
  g_autofree gchar *path = make_image (f, node, options);
  g_autofree gchar *file = g_strdup_printf ("{\"driver\": \"file\", \"filename\": \"%s\"}", path);
  g_autofree gchar *child = blkdebug != NULL
                              ? g_strdup_printf ("{\"driver\": \"blkdebug\", \"image\": %s, %s}", file, blkdebug)
                              : g_strdup (file);
  g_autofree gchar *json = g_strdup_printf ("{\"driver\": \"qcow2\", \"node-name\": \"%s\", \"file\": %s}",
                                            node, child);
  qmp_ok (f, "blockdev-add", json);
}

/* a raw copy of @node's content now, read from its file */
gchar *
copy_source (Fixture *f, const gchar *node)
{
  g_autofree gchar *path = disk_path (f, node);
  g_autofree gchar *name = g_strdup_printf ("copy-%u-%s.raw", f->copies++, node);
  gchar *copy = g_build_filename (f->dir, name, NULL);
  g_autofree gchar *out = NULL;

  qemu_io (f, node, "flush");
  out = tool ("qemu-img", "convert", "-U", "-f", "qcow2", "-O", "raw", path, copy, NULL);
  return copy;
}

AqmpBackupOptions *
options_new (Fixture *f, AqmpBackupLevel level, const gchar *first_disk, ...)
{
  AqmpBackupOptions *options = aqmp_backup_options_new ();
  va_list args;

  aqmp_backup_options_set_level (options, level);
  aqmp_backup_options_set_directory (options, f->backups);
  va_start (args, first_disk);
  for (const gchar *disk = first_disk; disk != NULL; disk = va_arg (args, const gchar *))
    aqmp_backup_options_add_disk (options, disk);
  va_end (args);
  return options;
}

AqmpBackupRecord *
run_options (Fixture *f, AqmpBackupOptions *options, gchar **reason, GError **error)
{
  g_autoptr(AqmpBackupRun) run = aqmp_backup_run_new (f->runner, f->catalog, options);
  g_autoptr(AqmpTestDeadline) deadline = aqmp_test_deadline_new (RUN_WAIT_MS);
  AqmpBackupRecord *record = aqmp_backup_run_run_sync (run, aqmp_test_deadline_get_cancellable (deadline), error);

  if (reason != NULL)
    *reason = g_strdup (aqmp_backup_run_get_reason (run));
  return record;
}

AqmpBackupRecord *
run_level (Fixture *f, AqmpBackupLevel level, const gchar *disk)
{
  g_autoptr(AqmpBackupOptions) options = options_new (f, level, disk, NULL);
  g_autoptr(GError) error = NULL;
  AqmpBackupRecord *record = run_options (f, options, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (record);
  g_assert_cmpint (aqmp_backup_record_get_state (record), ==, AQMP_BACKUP_STATE_COMPLETED);
  return record;
}

/* restores @disk at @backup into a new file, and compares it with @copy */
void
assert_restores (Fixture *f, AqmpBackupRecord *backup, const gchar *disk, const gchar *copy)
{
  g_autofree gchar *name = g_strdup_printf ("restore-%" G_GINT64_FORMAT "-%s.qcow2",
                                            aqmp_backup_record_get_id (backup), disk);
  g_autofree gchar *target = g_build_filename (f->dir, name, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *info = NULL;

  g_assert_true (aqmp_backup_catalog_restore_sync (f->catalog, aqmp_backup_record_get_id (backup), disk, target,
                                                   NULL, &error));
  g_assert_no_error (error);
  /* standalone, and the same content as the source at that point */
  info = tool ("qemu-img", "info", "--output=json", target, NULL);
  g_assert_null (strstr (info, "backing-filename"));
  out = tool ("qemu-img", "compare", "-f", "qcow2", "-F", "raw", target, copy, NULL);
  g_assert_nonnull (strstr (out, "identical"));
}

gboolean
node_has_bitmap (Fixture *f, const gchar *node, const gchar *bitmap)
{
  g_autoptr(JsonNode) value = qmp (f, "query-named-block-nodes", "{\"flat\": true}", NULL);
  JsonArray *nodes = json_node_get_array (value);

  for (guint i = 0; i < json_array_get_length (nodes); i++)
    {
      JsonObject *object = json_array_get_object_element (nodes, i);
      JsonArray *bitmaps;

      if (g_strcmp0 (json_object_get_string_member (object, "node-name"), node) != 0 ||
          !json_object_has_member (object, "dirty-bitmaps"))
        continue;
      bitmaps = json_object_get_array_member (object, "dirty-bitmaps");
      for (guint j = 0; j < json_array_get_length (bitmaps); j++)
        if (g_strcmp0 (json_object_get_string_member (json_array_get_object_element (bitmaps, j), "name"),
                       bitmap) == 0)
          return TRUE;
    }
  return FALSE;
}

/* no node of a backup is left in QEMU, and no job */
void
assert_qemu_clean (Fixture *f)
{
  g_autoptr(JsonNode) nodes = qmp (f, "query-named-block-nodes", "{\"flat\": true}", NULL);
  g_autoptr(JsonNode) jobs = qmp (f, "query-jobs", NULL, NULL);
  g_autofree gchar *text = aqmp_json_to_string (nodes, FALSE);

  g_assert_null (strstr (text, "aqmp-backup-"));
  g_assert_cmpuint (json_array_get_length (json_node_get_array (jobs)), ==, 0);
}

AqmpBackupChain *
chain_of (Fixture *f, AqmpBackupRecord *backup)
{
  g_autoptr(GError) error = NULL;
  AqmpBackupChain *chain = aqmp_backup_catalog_get_chain (f->catalog, aqmp_backup_record_get_chain_id (backup),
                                                          &error);
  g_assert_no_error (error);
  return chain;
}

AqmpBackupImage *
image_of (Fixture *f, AqmpBackupRecord *backup, guint index)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) images = aqmp_backup_catalog_list_images (f->catalog, aqmp_backup_record_get_id (backup),
                                                                 &error);
  g_assert_no_error (error);
  g_assert_cmpuint (images->len, >, index);
  return aqmp_backup_image_ref (g_ptr_array_index (images, index));
}


void
run_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AsyncRun *a = user_data;

  a->record = aqmp_backup_run_run_finish (AQMP_BACKUP_RUN (source), result, &a->error);
  a->done = TRUE;
}

gboolean
qemu_has_job (gpointer user_data)
{
  AsyncRun *a = user_data;
  g_autoptr(JsonNode) jobs = NULL;

  if (a->done)
    return TRUE;
  jobs = qmp (a->f, "query-jobs", NULL, NULL);
  for (guint i = 0; i < json_array_get_length (json_node_get_array (jobs)); i++)
    {
      JsonObject *job = json_array_get_object_element (json_node_get_array (jobs), i);
      if (g_strcmp0 (json_object_get_string_member (job, "type"), "backup") == 0)
        return TRUE;
    }
  return FALSE;
}
