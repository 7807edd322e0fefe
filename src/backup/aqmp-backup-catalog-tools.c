/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Restore and verify, on the image files of the catalog, with `qemu-img`
 * (see docs/backup.md for why not a throwaway qemu-storage-daemon): the
 * images are closed files by then, and qemu-img reads a backing chain,
 * checks an image, compares two and writes a standalone copy, each in
 * one process that ends with the work. The binary is `$AQMP_QEMU_IMG`,
 * or `qemu-img` from PATH.
 */

#include "config.h"

#include <glib/gstdio.h>

#include "aqmp-backup-private.h"

static const gchar *
aqmp_backup_qemu_img (void)
{
  const gchar *binary = g_getenv ("AQMP_QEMU_IMG");
  return binary != NULL && binary[0] != '\0' ? binary : "qemu-img";
}

/* runs @argv (argv[0] replaced by qemu-img), its output in @out; a
 * non-zero exit is an AQMP_BACKUP_ERROR_TOOL error with its stderr */
gboolean
aqmp_backup_run_tool (const gchar * const *argv, gchar **out, GCancellable *cancellable, GError **error)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autofree gchar *stdout_text = NULL;
  g_autofree gchar *stderr_text = NULL;

  g_ptr_array_add (args, (gpointer) aqmp_backup_qemu_img ());
  for (guint i = 1; argv[i] != NULL; i++)
    g_ptr_array_add (args, (gpointer) argv[i]);
  g_ptr_array_add (args, NULL);
  process = g_subprocess_newv ((const gchar * const *) args->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, error);
  if (process == NULL)
    {
      g_prefix_error (error, "Cannot run %s: ", aqmp_backup_qemu_img ());
      return FALSE;
    }
  if (!g_subprocess_communicate_utf8 (process, NULL, cancellable, &stdout_text, &stderr_text, error))
    {
      g_subprocess_force_exit (process);
      g_subprocess_wait (process, NULL, NULL);
      return FALSE;
    }
  if (out != NULL)
    *out = g_steal_pointer (&stdout_text);
  if (g_subprocess_get_if_exited (process) && g_subprocess_get_exit_status (process) == 0)
    return TRUE;
  g_set_error (error, AQMP_BACKUP_ERROR, AQMP_BACKUP_ERROR_TOOL, "qemu-img %s: %s", argv[1],
               stderr_text != NULL && stderr_text[0] != '\0' ? g_strstrip (stderr_text) : "failed");
  return FALSE;
}

/* the image of @disk at backup @backup_id, which must be completed */
static AqmpBackupImage *
aqmp_backup_catalog_restorable (AqmpBackupCatalog *self, gint64 backup_id, const gchar *disk, GError **error)
{
  g_autoptr(AqmpBackupRecord) backup = aqmp_backup_catalog_get_backup (self, backup_id, error);

  if (backup == NULL)
    return NULL;
  if (backup->state != AQMP_BACKUP_STATE_COMPLETED)
    {
      g_set_error (error, AQMP_BACKUP_ERROR, AQMP_BACKUP_ERROR_INVALID, "Backup %" G_GINT64_FORMAT " is %s, not completed",
                   backup_id, aqmp_backup_state_to_string (backup->state));
      return NULL;
    }
  if (disk == NULL)
    {
      g_autoptr(GPtrArray) images = aqmp_backup_catalog_list_images (self, backup_id, error);
      if (images == NULL)
        return NULL;
      if (images->len != 1)
        {
          g_set_error (error, AQMP_BACKUP_ERROR, AQMP_BACKUP_ERROR_INVALID,
                       "Backup %" G_GINT64_FORMAT " has %u disks: say which", backup_id, images->len);
          return NULL;
        }
      return aqmp_backup_image_ref (g_ptr_array_index (images, 0));
    }
  return aqmp_backup_catalog_find_image (self, backup_id, disk, error);
}

static gboolean
aqmp_backup_catalog_restore (AqmpBackupCatalog *self, gint64 backup_id, const gchar *disk, const gchar *target,
                             GCancellable *cancellable, GError **error)
{
  g_autoptr(AqmpBackupImage) image = aqmp_backup_catalog_restorable (self, backup_id, disk, error);
  g_autofree gchar *partial = g_strconcat (target, ".partial", NULL);
  const gchar *argv[] = { "qemu-img", "convert", "-q", "-f", "qcow2", "-O", "qcow2", NULL, partial, NULL };

  if (image == NULL)
    return FALSE;
  if (g_file_test (target, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "%s exists; restore writes a new file", target);
      return FALSE;
    }
  argv[7] = image->path;
  if (!aqmp_backup_run_tool (argv, NULL, cancellable, error))
    {
      g_unlink (partial);
      return FALSE;
    }
  if (g_rename (partial, target) != 0)
    {
      int saved = errno;
      g_unlink (partial);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "Cannot write %s: %s", target, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

typedef struct {
  gint64 backup_id;
  gchar *disk;
  gchar *target;
  gchar *compare_to;
} AqmpBackupToolData;

static void
aqmp_backup_tool_data_free (AqmpBackupToolData *data)
{
  g_free (data->disk);
  g_free (data->target);
  g_free (data->compare_to);
  g_free (data);
}

static GTask *
aqmp_backup_tool_task (AqmpBackupCatalog *self, gpointer tag, gint64 backup_id, const gchar *disk,
                       const gchar *target, const gchar *compare_to, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  AqmpBackupToolData *data = g_new0 (AqmpBackupToolData, 1);

  data->backup_id = backup_id;
  data->disk = g_strdup (disk);
  data->target = g_strdup (target);
  data->compare_to = g_strdup (compare_to);
  g_task_set_source_tag (task, tag);
  g_task_set_task_data (task, data, (GDestroyNotify) aqmp_backup_tool_data_free);
  return task;
}

static void
aqmp_backup_restore_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  AqmpBackupToolData *data = task_data;
  GError *error = NULL;

  if (aqmp_backup_catalog_restore (source, data->backup_id, data->disk, data->target, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * aqmp_backup_catalog_restore_async:
 * @self: an #AqmpBackupCatalog
 * @backup_id: a completed backup
 * @disk: (nullable): the disk, %NULL when the backup has one
 * @target: (type filename): the new image file, which must not exist
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Writes a standalone qcow2 image of @disk as it was at @backup_id (the
 * chain's images up to it, merged by `qemu-img convert`) into @target.
 * The backup files are only read. The image is written next to @target
 * and renamed once complete, so @target never holds half an image.
 *
 * Since: 0.1
 */
void
aqmp_backup_catalog_restore_async (AqmpBackupCatalog *self, gint64 backup_id, const gchar *disk,
                                   const gchar *target, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (AQMP_IS_BACKUP_CATALOG (self));
  g_return_if_fail (target != NULL);
  task = aqmp_backup_tool_task (self, aqmp_backup_catalog_restore_async, backup_id, disk, target, NULL,
                                cancellable, callback, user_data);
  g_task_run_in_thread (task, aqmp_backup_restore_thread);
}

/**
 * aqmp_backup_catalog_restore_finish:
 * @self: an #AqmpBackupCatalog
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Finishes aqmp_backup_catalog_restore_async().
 *
 * Returns: %TRUE once @target holds the image
 *
 * Since: 0.1
 */
gboolean
aqmp_backup_catalog_restore_finish (AqmpBackupCatalog *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * aqmp_backup_catalog_restore_sync:
 * @self: an #AqmpBackupCatalog
 * @backup_id: a completed backup
 * @disk: (nullable): the disk, %NULL when the backup has one
 * @target: (type filename): the new image file, which must not exist
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * The same as aqmp_backup_catalog_restore_async(), on this thread.
 *
 * Returns: %TRUE once @target holds the image
 *
 * Since: 0.1
 */
gboolean
aqmp_backup_catalog_restore_sync (AqmpBackupCatalog *self, gint64 backup_id, const gchar *disk,
                                  const gchar *target, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (AQMP_IS_BACKUP_CATALOG (self), FALSE);
  g_return_val_if_fail (target != NULL, FALSE);
  return aqmp_backup_catalog_restore (self, backup_id, disk, target, cancellable, error);
}

/* verify */

/* the checksum of @image's file against the recorded one, computed with
 * the algorithm the record names (@sum, done beforehand) */
static gboolean
aqmp_backup_verify_checksum (AqmpBackupImage *image, AqmpBackupChecksumFile *sum, GPtrArray *problems,
                             GError **error)
{
  if (image->checksum == NULL)
    return TRUE;
  if (sum->error != NULL && g_error_matches (sum->error, AQMP_BACKUP_ERROR, AQMP_BACKUP_ERROR_INVALID))
    {
      g_ptr_array_add (problems, g_strdup_printf ("%s: the catalog's checksum %s: %s", image->path, image->checksum,
                                                  sum->error->message));
      return TRUE;
    }
  if (sum->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&sum->error));
      return FALSE;
    }
  if (g_strcmp0 (sum->checksum, image->checksum) != 0)
    g_ptr_array_add (problems, g_strdup_printf ("%s: checksum %s, the catalog has %s", image->path, sum->checksum,
                                                image->checksum));
  return TRUE;
}

/* @image's file: there, intact for qemu-img check, backed by the file
 * the catalog says, with the checksum the catalog has (@sum) */
static gboolean
aqmp_backup_verify_image (AqmpBackupImage *image, AqmpBackupChecksumFile *sum, GPtrArray *problems,
                          GCancellable *cancellable, GError **error)
{
  const gchar *check[] = { "qemu-img", "check", "-q", "-f", "qcow2", image->path, NULL };
  const gchar *info[] = { "qemu-img", "info", "--output=json", "-f", "qcow2", image->path, NULL };
  g_autofree gchar *out = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) node = NULL;
  const gchar *backing = NULL;
  g_autofree gchar *expected = image->backing_path != NULL ? g_path_get_basename (image->backing_path) : NULL;

  if (!g_file_test (image->path, G_FILE_TEST_EXISTS))
    {
      g_ptr_array_add (problems, g_strdup_printf ("%s: missing", image->path));
      return TRUE;
    }
  if (!aqmp_backup_run_tool (check, NULL, cancellable, &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || !g_error_matches (local_error, AQMP_BACKUP_ERROR, AQMP_BACKUP_ERROR_TOOL))
        return (g_propagate_error (error, g_steal_pointer (&local_error)), FALSE);
      g_ptr_array_add (problems, g_strdup_printf ("%s: %s", image->path, local_error->message));
      return TRUE;
    }
  if (!aqmp_backup_run_tool (info, &out, cancellable, error))
    return FALSE;
  node = aqmp_json_parse (out, -1, NULL);
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    backing = aqmp_json_get_string (json_node_get_object (node), "backing-filename");
  if (g_strcmp0 (backing, expected) != 0)
    g_ptr_array_add (problems, g_strdup_printf ("%s: backing file is %s, the catalog says %s", image->path,
                                                backing != NULL ? backing : "none",
                                                expected != NULL ? expected : "none"));
  return aqmp_backup_verify_checksum (image, sum, problems, error);
}

/* the checksums of every image of @images that has one and is there,
 * hashed in parallel, each with the algorithm its record names */
static AqmpBackupChecksumFile *
aqmp_backup_verify_checksums (GPtrArray *images, GPtrArray *algorithms, GCancellable *cancellable)
{
  AqmpBackupChecksumFile *sums = g_new0 (AqmpBackupChecksumFile, images->len + 1);
  g_autofree AqmpBackupChecksumFile **wanted = g_new0 (AqmpBackupChecksumFile *, images->len + 1);
  g_autofree AqmpBackupChecksumFile *batch = g_new0 (AqmpBackupChecksumFile, images->len + 1);
  guint n = 0;

  for (guint i = 0; i < images->len; i++)
    {
      AqmpBackupImage *image = g_ptr_array_index (images, i);
      gchar *algorithm;

      if (image->checksum == NULL || !g_file_test (image->path, G_FILE_TEST_EXISTS))
        continue;
      algorithm = aqmp_backup_checksum_algorithm (image->checksum);
      g_ptr_array_add (algorithms, algorithm);
      batch[n].path = image->path;
      batch[n].algorithm = algorithm != NULL ? algorithm : "";
      wanted[n++] = &sums[i];
    }
  if (n > 0)
    aqmp_backup_checksum_files (batch, n, cancellable);
  for (guint k = 0; k < n; k++)
    *wanted[k] = batch[k];
  return sums;
}

static void
aqmp_backup_verify_checksums_free (AqmpBackupChecksumFile *sums, guint n)
{
  for (guint i = 0; i < n; i++)
    aqmp_backup_checksum_file_clear (&sums[i]);
  g_free (sums);
}

/* every image that @backup_id's images need, each once */
static GPtrArray *
aqmp_backup_catalog_needed_images (AqmpBackupCatalog *self, gint64 backup_id, GError **error)
{
  g_autoptr(GPtrArray) needed = g_ptr_array_new_with_free_func ((GDestroyNotify) aqmp_backup_image_unref);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);
  gint64 id = backup_id;

  while (id != 0)
    {
      g_autoptr(AqmpBackupRecord) backup = aqmp_backup_catalog_get_backup (self, id, error);
      g_autoptr(GPtrArray) images = NULL;

      if (backup == NULL)
        return NULL;
      images = aqmp_backup_catalog_list_images (self, id, error);
      if (images == NULL)
        return NULL;
      for (guint i = 0; i < images->len; i++)
        {
          AqmpBackupImage *image = g_ptr_array_index (images, i);
          if (g_hash_table_contains (seen, &image->id))
            continue;
          g_hash_table_add (seen, &image->id);
          g_ptr_array_add (needed, aqmp_backup_image_ref (image));
        }
      id = backup->parent_id;
    }
  return g_steal_pointer (&needed);
}

static GPtrArray *
aqmp_backup_catalog_verify_targets (AqmpBackupCatalog *self, gint64 backup_id, GError **error)
{
  g_autoptr(GPtrArray) backups = NULL;
  g_autoptr(GPtrArray) all = NULL;

  if (backup_id != 0)
    return aqmp_backup_catalog_needed_images (self, backup_id, error);
  backups = aqmp_backup_catalog_list_backups (self, NULL, error);
  if (backups == NULL)
    return NULL;
  all = g_ptr_array_new_with_free_func ((GDestroyNotify) aqmp_backup_image_unref);
  for (guint i = 0; i < backups->len; i++)
    {
      AqmpBackupRecord *backup = g_ptr_array_index (backups, i);
      g_autoptr(GPtrArray) images = NULL;

      if (backup->state != AQMP_BACKUP_STATE_COMPLETED)
        continue;
      images = aqmp_backup_catalog_list_images (self, backup->id, error);
      if (images == NULL)
        return NULL;
      for (guint j = 0; j < images->len; j++)
        g_ptr_array_add (all, aqmp_backup_image_ref (g_ptr_array_index (images, j)));
    }
  return g_steal_pointer (&all);
}

static gboolean
aqmp_backup_verify_compare (AqmpBackupCatalog *self, gint64 backup_id, const gchar *disk, const gchar *compare_to,
                            GPtrArray *problems, GCancellable *cancellable, GError **error)
{
  g_autoptr(AqmpBackupImage) image = aqmp_backup_catalog_restorable (self, backup_id, disk, error);
  const gchar *argv[] = { "qemu-img", "compare", "-q", "-f", "qcow2", NULL, compare_to, NULL };
  g_autoptr(GError) local_error = NULL;

  if (image == NULL)
    return FALSE;
  argv[5] = image->path;
  if (aqmp_backup_run_tool (argv, NULL, cancellable, &local_error))
    return TRUE;
  if (!g_error_matches (local_error, AQMP_BACKUP_ERROR, AQMP_BACKUP_ERROR_TOOL))
    return (g_propagate_error (error, g_steal_pointer (&local_error)), FALSE);
  g_ptr_array_add (problems, g_strdup_printf ("disk %s at backup %" G_GINT64_FORMAT " differs from %s%s%s",
                                              image->disk, backup_id, compare_to,
                                              local_error->message[0] != '\0' ? ": " : "", local_error->message));
  return TRUE;
}

static gboolean
aqmp_backup_verify_images (GPtrArray *images, GPtrArray *problems, GCancellable *cancellable, GError **error)
{
  g_autoptr(GPtrArray) algorithms = g_ptr_array_new_with_free_func (g_free);
  AqmpBackupChecksumFile *sums = aqmp_backup_verify_checksums (images, algorithms, cancellable);
  gboolean ok = TRUE;

  for (guint i = 0; i < images->len && ok; i++)
    ok = aqmp_backup_verify_image (g_ptr_array_index (images, i), &sums[i], problems, cancellable, error);
  aqmp_backup_verify_checksums_free (sums, images->len);
  return ok;
}

static GStrv
aqmp_backup_catalog_verify (AqmpBackupCatalog *self, gint64 backup_id, const gchar *disk, const gchar *compare_to,
                            GCancellable *cancellable, GError **error)
{
  g_autoptr(GPtrArray) images = aqmp_backup_catalog_verify_targets (self, backup_id, error);
  g_autoptr(GPtrArray) problems = g_ptr_array_new_null_terminated (4, g_free, TRUE);

  if (images == NULL)
    return NULL;
  if (compare_to != NULL && backup_id == 0)
    {
      g_set_error (error, AQMP_BACKUP_ERROR, AQMP_BACKUP_ERROR_INVALID, "Comparing needs a backup to compare");
      return NULL;
    }
  if (!aqmp_backup_verify_images (images, problems, cancellable, error))
    return NULL;
  if (compare_to != NULL && problems->len == 0 &&
      !aqmp_backup_verify_compare (self, backup_id, disk, compare_to, problems, cancellable, error))
    return NULL;
  return (GStrv) g_ptr_array_steal (problems, NULL);
}

static void
aqmp_backup_verify_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  AqmpBackupToolData *data = task_data;
  GError *error = NULL;
  GStrv problems = aqmp_backup_catalog_verify (source, data->backup_id, data->disk, data->compare_to,
                                               cancellable, &error);

  if (problems == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, problems, (GDestroyNotify) g_strfreev);
}

/**
 * aqmp_backup_catalog_verify_async:
 * @self: an #AqmpBackupCatalog
 * @backup_id: a backup (every image it needs is checked), or 0 for every
 *   completed backup
 * @disk: (nullable): the disk to compare, %NULL when the backup has one
 * @compare_to: (nullable) (type filename): an image to compare @disk at
 *   @backup_id with (`qemu-img compare`), or %NULL
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Checks each image: the file is there, `qemu-img check` finds it
 * intact, its backing file is the one the catalog names, and its checksum
 * (XXH3-128, or SHA-256 for images an older version recorded: the
 * algorithm the record names) is the one recorded when it was written.
 * The images' checksums are computed in parallel. With @compare_to, and when
 * the images are intact, compares the disk's content at @backup_id with
 * @compare_to.
 *
 * Since: 0.1
 */
void
aqmp_backup_catalog_verify_async (AqmpBackupCatalog *self, gint64 backup_id, const gchar *disk,
                                  const gchar *compare_to, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (AQMP_IS_BACKUP_CATALOG (self));
  task = aqmp_backup_tool_task (self, aqmp_backup_catalog_verify_async, backup_id, disk, NULL, compare_to,
                                cancellable, callback, user_data);
  g_task_run_in_thread (task, aqmp_backup_verify_thread);
}

/**
 * aqmp_backup_catalog_verify_finish:
 * @self: an #AqmpBackupCatalog
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Finishes aqmp_backup_catalog_verify_async().
 *
 * Returns: (transfer full) (nullable): the problems found, one sentence
 *   each, empty when everything is intact; %NULL with @error set when
 *   verifying itself failed
 *
 * Since: 0.1
 */
GStrv
aqmp_backup_catalog_verify_finish (AqmpBackupCatalog *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * aqmp_backup_catalog_verify_sync:
 * @self: an #AqmpBackupCatalog
 * @backup_id: a backup, or 0 for every completed backup
 * @disk: (nullable): the disk to compare
 * @compare_to: (nullable) (type filename): an image to compare with
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * The same as aqmp_backup_catalog_verify_async(), on this thread.
 *
 * Returns: (transfer full) (nullable): the problems found, empty when
 *   everything is intact
 *
 * Since: 0.1
 */
GStrv
aqmp_backup_catalog_verify_sync (AqmpBackupCatalog *self, gint64 backup_id, const gchar *disk,
                                 const gchar *compare_to, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (AQMP_IS_BACKUP_CATALOG (self), NULL);
  return aqmp_backup_catalog_verify (self, backup_id, disk, compare_to, cancellable, error);
}
