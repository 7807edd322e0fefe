/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The disks of a backup run and their targets, over QMP: which block
 * nodes there are (query-named-block-nodes, query-block), and a target
 * image made the way it works when QEMU runs elsewhere: blockdev-create
 * jobs for the file and the qcow2 format, then blockdev-add. Whatever
 * was added is removed again by aqmp_backup_target_release(), on every
 * path.
 *
 * Closing a node makes QEMU flush it, and for a full backup of a large
 * disk that fdatasync() of all the image is most of what a run adds to
 * the copy. So when this process can open the new file itself (its
 * directory is this process's: the run made it), the file node is added
 * with `cache.no-flush`: closing the qcow2 node still writes its
 * metadata, QEMU skips only the fdatasync(), and
 * aqmp_backup_target_sync() makes the image and its directory entry
 * durable here, while the image is hashed. When the file cannot be opened
 * here, QEMU flushes it as before. While the jobs copy,
 * aqmp_backup_writeback_start() has the kernel write what they wrote so
 * far (sync_file_range(), where there is one), so that the disk works
 * during the copy rather than after it, and the last fdatasync() finds
 * little left to write.
 */

/* sync_file_range(), where there is one */
#define _GNU_SOURCE

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "aqmp-backup-private.h"

void
aqmp_backup_disk_free (AqmpBackupDisk *disk)
{
  if (disk == NULL)
    return;
  g_free (disk->disk);
  g_free (disk->device);
  g_free (disk->driver);
  g_strfreev (disk->bitmaps);
  g_free (disk->path);
  g_free (disk->file_node);
  g_free (disk->target_node);
  g_free (disk->backing);
  if (disk->sync_fd >= 0)
    g_close (disk->sync_fd, NULL);
  g_clear_pointer (&disk->image, aqmp_backup_image_unref);
  g_clear_object (&disk->job);
  g_free (disk);
}

gboolean
aqmp_backup_disk_has_bitmap (AqmpBackupDisk *disk, const gchar *name)
{
  return name != NULL && disk->bitmaps != NULL && g_strv_contains ((const gchar * const *) disk->bitmaps, name);
}

static AqmpBackupDisk *
aqmp_backup_disk_from_node (JsonObject *node)
{
  AqmpBackupDisk *disk = g_new0 (AqmpBackupDisk, 1);
  JsonObject *image = aqmp_json_get_object (node, "image");
  JsonArray *bitmaps = aqmp_json_get_array (node, "dirty-bitmaps");
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();

  disk->sync_fd = -1;
  disk->disk = g_strdup (aqmp_json_get_string (node, "node-name"));
  disk->driver = g_strdup (aqmp_json_get_string (node, "drv"));
  disk->virtual_size = image != NULL ? aqmp_json_get_int (image, "virtual-size", 0) : 0;
  for (guint i = 0; bitmaps != NULL && i < json_array_get_length (bitmaps); i++)
    {
      JsonObject *bitmap = json_array_get_object_element (bitmaps, i);
      const gchar *name = bitmap != NULL ? aqmp_json_get_string (bitmap, "name") : NULL;
      if (name != NULL)
        g_strv_builder_add (names, name);
    }
  disk->bitmaps = g_strv_builder_end (names);
  return disk;
}

/* the list a query answered, or its error */
static JsonArray *
aqmp_backup_query_array (AqmpBackupCommand *query, GError **error)
{
  if (query->reply == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&query->error));
      return NULL;
    }
  if (!JSON_NODE_HOLDS_ARRAY (query->reply))
    {
      g_set_error (error, AQMP_BACKUP_ERROR, AQMP_BACKUP_ERROR_FAILED, "%s did not return a list", query->command);
      return NULL;
    }
  return json_array_ref (json_node_get_array (query->reply));
}

/* device name -> root node name, from query-block */
static GHashTable *
aqmp_backup_query_devices (AqmpBackupCommand *query, GError **error)
{
  g_autoptr(JsonArray) blocks = aqmp_backup_query_array (query, error);
  g_autoptr(GHashTable) devices = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  if (blocks == NULL)
    return NULL;
  for (guint i = 0; i < json_array_get_length (blocks); i++)
    {
      JsonObject *block = json_array_get_object_element (blocks, i);
      JsonObject *inserted = block != NULL ? aqmp_json_get_object (block, "inserted") : NULL;
      const gchar *device = block != NULL ? aqmp_json_get_string (block, "device") : NULL;
      const gchar *node = inserted != NULL ? aqmp_json_get_string (inserted, "node-name") : NULL;

      if (node == NULL)
        continue;
      if (device == NULL || device[0] == '\0')
        device = aqmp_json_get_string (block, "qdev");
      if (device != NULL)
        g_hash_table_insert (devices, g_strdup (device), g_strdup (node));
    }
  return g_steal_pointer (&devices);
}

static gboolean
aqmp_backup_disk_listed (AqmpBackupDisk *disk, const gchar * const *names)
{
  return names != NULL &&
         (g_strv_contains (names, disk->disk) || (disk->device != NULL && g_strv_contains (names, disk->device)));
}

/* the disks to back up: @wanted (node or device names), or else every
 * device's root node; less @excluded. A wanted name QEMU does not have
 * goes into @missing (nullable) with the error */
GPtrArray *
aqmp_backup_disks_query (AqmpClient *client, const gchar * const *wanted, const gchar * const *excluded,
                         gchar **missing, GCancellable *cancellable, GError **error)
{
  AqmpBackupCommand queries[2] = { { "query-named-block-nodes", json_object_new () }, { "query-block" } };
  g_autoptr(JsonArray) nodes = NULL;
  g_autoptr(GHashTable) devices = NULL;
  g_autoptr(GHashTable) by_node = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func ((GDestroyNotify) aqmp_backup_disk_free);
  g_autoptr(GPtrArray) disks = g_ptr_array_new_with_free_func ((GDestroyNotify) aqmp_backup_disk_free);
  GHashTableIter iter;
  gpointer device, node;

  json_object_set_boolean_member (queries[0].arguments, "flat", TRUE);
  aqmp_backup_execute_batch_sync (client, queries, G_N_ELEMENTS (queries), cancellable);
  nodes = aqmp_backup_query_array (&queries[0], error);
  if (nodes != NULL)
    devices = aqmp_backup_query_devices (&queries[1], error);
  aqmp_backup_command_clear (&queries[0]);
  aqmp_backup_command_clear (&queries[1]);
  if (devices == NULL)
    return NULL;
  for (guint i = 0; i < json_array_get_length (nodes); i++)
    {
      JsonObject *object = json_array_get_object_element (nodes, i);
      AqmpBackupDisk *disk;

      if (object == NULL || aqmp_json_get_string (object, "node-name") == NULL)
        continue;
      disk = aqmp_backup_disk_from_node (object);
      g_ptr_array_add (all, disk);
      g_hash_table_insert (by_node, disk->disk, disk);
    }
  g_hash_table_iter_init (&iter, devices);
  while (g_hash_table_iter_next (&iter, &device, &node))
    {
      AqmpBackupDisk *disk = g_hash_table_lookup (by_node, node);
      if (disk != NULL && disk->device == NULL)
        disk->device = g_strdup (device);
    }
  for (guint i = 0; wanted != NULL && wanted[i] != NULL; i++)
    {
      gboolean found = FALSE;
      for (guint j = 0; j < all->len && !found; j++)
        {
          AqmpBackupDisk *disk = g_ptr_array_index (all, j);
          const gchar *one[] = { wanted[i], NULL };
          found = aqmp_backup_disk_listed (disk, one);
        }
      if (!found)
        {
          g_set_error (error, AQMP_BACKUP_ERROR, AQMP_BACKUP_ERROR_NO_DISK,
                       "No block node or device named %s", wanted[i]);
          if (missing != NULL)
            *missing = g_strdup (wanted[i]);
          return NULL;
        }
    }
  for (guint i = 0; i < all->len; i++)
    {
      AqmpBackupDisk *disk = g_ptr_array_index (all, i);
      gboolean take = (wanted != NULL && wanted[0] != NULL) ? aqmp_backup_disk_listed (disk, wanted)
                                                            : disk->device != NULL;

      if (!take || aqmp_backup_disk_listed (disk, excluded))
        continue;
      g_ptr_array_add (disks, g_ptr_array_steal_index (all, i));
      i--;
    }
  if (disks->len == 0)
    {
      g_set_error (error, AQMP_BACKUP_ERROR, AQMP_BACKUP_ERROR_NO_DISK, "No disk to back up");
      return NULL;
    }
  return g_steal_pointer (&disks);
}

static gboolean
aqmp_backup_execute (AqmpClient *client, const gchar *command, JsonObject *arguments,
                     GCancellable *cancellable, GError **error)
{
  g_autoptr(JsonNode) reply = aqmp_client_execute_sync (client, command, arguments, cancellable, error);
  return reply != NULL;
}

/* one blockdev-create job through the runner, to its end */
static gboolean
aqmp_backup_create_job (AqmpJobRunner *runner, AqmpBackupCatalog *catalog, gint64 backup_id,
                        AqmpBackupDisk *disk, JsonObject *options, guint32 uid, GCancellable *cancellable,
                        GError **error)
{
  g_autoptr(JsonObject) arguments = json_object_new ();
  g_autoptr(GPtrArray) jobs = NULL;
  AqmpJob *job;

  /* blockdev-create's job-id is mandatory in QEMU's schema: a client that
   * checks commands against it (aqmpd's does) refuses one without */
  g_autofree gchar *job_id = g_strdup_printf ("%s-create", disk->target_node);

  json_object_set_string_member (arguments, "job-id", job_id);
  json_object_set_object_member (arguments, "options", json_object_ref (options));
  jobs = aqmp_job_runner_start_full_sync (runner, "blockdev-create", arguments, AQMP_JOB_START_FLAGS_NONE, uid,
                                          cancellable, error);
  if (jobs == NULL)
    return FALSE;
  job = g_ptr_array_index (jobs, 0);
  if (!aqmp_backup_catalog_add_job (catalog, backup_id, aqmp_job_get_store_id (job), disk->disk, "create", error))
    return FALSE;
  if (!aqmp_job_wait_sync (job, cancellable, error))
    {
      if (error != NULL && aqmp_backup_error_is_no_space (*error))
        {
          g_clear_error (error);
          g_propagate_error (error, aqmp_backup_no_space_error (disk->disk, disk->path));
          return FALSE;
        }
      g_prefix_error (error, "Creating %s: ", disk->path);
      return FALSE;
    }
  return TRUE;
}

/* whether QEMU's message is strerror (ENOSPC): of QEMU's host, which is
 * aqmp's own when the images are local, and Linux's wording otherwise */
gboolean
aqmp_backup_error_is_no_space (const GError *error)
{
  return error != NULL && error->message != NULL &&
         (strstr (error->message, g_strerror (ENOSPC)) != NULL ||
          strstr (error->message, "No space left on device") != NULL);
}

/* the target of @disk at @path ran out of space: what happened, and what
 * to do */
GError *
aqmp_backup_no_space_error (const gchar *disk, const gchar *path)
{
  g_autofree gchar *directory = path != NULL ? g_path_get_dirname (path) : g_strdup ("its directory");

  return g_error_new (G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                      "Backup of disk %s failed: the backup target ran out of space (%s, writing %s); free space "
                      "on the file system of %s, or back up to another directory, then run the backup again",
                      disk, g_strerror (ENOSPC), path != NULL ? path : "its image", directory);
}

static JsonObject *
aqmp_backup_file_options (const gchar *path)
{
  JsonObject *file = json_object_new ();

  json_object_set_string_member (file, "driver", "file");
  json_object_set_string_member (file, "filename", path);
  return file;
}

static gboolean
aqmp_backup_target_format (AqmpJobRunner *runner, AqmpBackupCatalog *catalog, gint64 backup_id,
                           AqmpBackupDisk *disk, const gchar *backing, guint32 uid, GCancellable *cancellable,
                           GError **error)
{
  g_autoptr(JsonObject) qcow2 = json_object_new ();

  json_object_set_string_member (qcow2, "driver", "qcow2");
  json_object_set_string_member (qcow2, "file", disk->file_node);
  json_object_set_int_member (qcow2, "size", disk->virtual_size);
  if (backing != NULL)
    {
      /* relative to the image: the chain's directory moves as one */
      json_object_set_string_member (qcow2, "backing-file", backing);
      json_object_set_string_member (qcow2, "backing-fmt", "qcow2");
    }
  return aqmp_backup_create_job (runner, catalog, backup_id, disk, qcow2, uid, cancellable, error);
}

/* whether QEMU runs on this machine's kernel (the peer of a Unix socket
 * with a pid): only then does the run's own fdatasync() of an image reach
 * the page cache QEMU wrote it into. A QEMU elsewhere whose storage is
 * mounted here at the same path (a migration setup) keeps flushing its
 * images itself. */
static gboolean
aqmp_backup_qemu_shares_kernel (AqmpClient *client)
{
  g_autoptr(GCredentials) credentials = aqmp_client_get_peer_credentials (client, NULL);
  pid_t pid;

  if (credentials == NULL)
    return FALSE;
  pid = g_credentials_get_unix_pid (credentials, NULL);
  return pid > 0 && pid != getpid ();
}

/* the target of @disk at disk->path, a qcow2 image whose backing file is
 * @backing (a name relative to the image, or %NULL), added to QEMU as
 * disk->target_node without its backing chain: a backup writes only */
gboolean
aqmp_backup_target_create (AqmpJobRunner *runner, AqmpBackupCatalog *catalog, gint64 backup_id,
                           AqmpBackupDisk *disk, const gchar *backing, guint32 uid, GCancellable *cancellable,
                           GError **error)
{
  AqmpClient *client = aqmp_job_runner_get_client (runner);
  g_autoptr(JsonObject) file = aqmp_backup_file_options (disk->path);
  g_autoptr(JsonObject) target = json_object_new ();

  json_object_set_int_member (file, "size", 0);
  disk->file_created = TRUE;
  if (!aqmp_backup_create_job (runner, catalog, backup_id, disk, file, uid, cancellable, error))
    return FALSE;
  json_object_remove_member (file, "size");
  json_object_set_string_member (file, "node-name", disk->file_node);
  if (aqmp_backup_qemu_shares_kernel (client))
    disk->sync_fd = g_open (disk->path, O_RDONLY | O_CLOEXEC, 0);
  if (disk->sync_fd >= 0)
    {
      JsonObject *cache = json_object_new ();
      json_object_set_boolean_member (cache, "no-flush", TRUE);
      json_object_set_object_member (file, "cache", cache);
    }
  if (!aqmp_backup_execute (client, "blockdev-add", file, cancellable, error))
    return FALSE;
  disk->file_attached = TRUE;
  if (!aqmp_backup_target_format (runner, catalog, backup_id, disk, backing, uid, cancellable, error))
    return FALSE;
  json_object_set_string_member (target, "driver", "qcow2");
  json_object_set_string_member (target, "node-name", disk->target_node);
  json_object_set_string_member (target, "file", disk->file_node);
  json_object_set_null_member (target, "backing");
  if (!aqmp_backup_execute (client, "blockdev-add", target, cancellable, error))
    return FALSE;
  disk->target_attached = TRUE;
  return TRUE;
}

static void
aqmp_backup_node_del (AqmpBackupCommand *command, const gchar *node)
{
  command->command = "blockdev-del";
  command->arguments = json_object_new ();
  json_object_set_string_member (command->arguments, "node-name", node);
}

/* removes what aqmp_backup_target_create() added to QEMU, whatever it
 * got to; never cancelled, so that QEMU keeps no node of ours. Both
 * blockdev-dels go at once: when the image's fails, the file's fails
 * too (the image still uses it), as it did one after the other. FALSE
 * with the first failure in @error (nullable) when QEMU kept a node: the
 * image may then lack what QEMU still holds of it */
gboolean
aqmp_backup_target_release (AqmpClient *client, AqmpBackupDisk *disk, GError **error)
{
  AqmpBackupCommand dels[2] = { { NULL } };
  const gchar *nodes[2] = { NULL };
  gboolean released = TRUE;
  guint n = 0;

  if (disk->target_attached)
    nodes[n++] = disk->target_node;
  if (disk->file_attached)
    nodes[n++] = disk->file_node;
  disk->target_attached = FALSE;
  disk->file_attached = FALSE;
  for (guint i = 0; i < n; i++)
    aqmp_backup_node_del (&dels[i], nodes[i]);
  aqmp_backup_execute_batch_sync (client, dels, n, NULL);
  for (guint i = 0; i < n; i++)
    {
      if (dels[i].error != NULL && released)
        {
          g_set_error (error, dels[i].error->domain, dels[i].error->code,
                       "Could not remove the backup target %s from QEMU: %s", nodes[i], dels[i].error->message);
          released = FALSE;
        }
      aqmp_backup_command_clear (&dels[i]);
    }
  return released;
}

static gboolean
aqmp_backup_sync_error (const gchar *path, GError **error)
{
  int saved = errno;

  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "Cannot sync %s: %s", path, g_strerror (saved));
  return FALSE;
}

/* @directory's entries on disk */
static gboolean
aqmp_backup_sync_directory (const gchar *directory, GError **error)
{
  int fd = g_open (directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  gboolean ok;

  if (fd < 0)
    return aqmp_backup_sync_error (directory, error);
  ok = fsync (fd) == 0 || aqmp_backup_sync_error (directory, error);
  g_close (fd, NULL);
  return ok;
}

/* @fd's data and, through its directory, the entry of @path on disk;
 * @fd is closed */
static gboolean
aqmp_backup_sync_fd (int fd, const gchar *path, GError **error)
{
  g_autofree gchar *directory = NULL;
  gboolean ok;

  ok = fdatasync (fd) == 0 || aqmp_backup_sync_error (path, error);
  g_close (fd, NULL);
  if (!ok)
    return FALSE;
  directory = g_path_get_dirname (path);
  return aqmp_backup_sync_directory (directory, error);
}

/* @directory and its missing parents made, each new one's entry on disk
 * (its parent fsync()ed): a crash must not lose the directory of an image
 * the catalog calls completed (the image's own entry is synced with it) */
gboolean
aqmp_backup_make_directory (const gchar *directory, GError **error)
{
  g_autoptr(GPtrArray) created = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *walk = g_strdup (directory);

  while (!g_file_test (walk, G_FILE_TEST_IS_DIR))
    {
      gchar *parent = g_path_get_dirname (walk);

      if (g_strcmp0 (parent, walk) == 0)
        {
          g_free (parent);
          break;
        }
      g_ptr_array_add (created, g_steal_pointer (&walk));
      walk = parent;
    }
  if (g_mkdir_with_parents (directory, 0750) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "Cannot make %s: %s", directory,
                   g_strerror (saved));
      return FALSE;
    }
  for (guint i = 0; i < created->len; i++)
    {
      g_autofree gchar *parent = g_path_get_dirname (g_ptr_array_index (created, i));

      if (!aqmp_backup_sync_directory (parent, error))
        return FALSE;
    }
  return TRUE;
}

/* the image at @path and its directory entry on disk: what a run that
 * went away after its jobs completed may not have done (reconcile) */
gboolean
aqmp_backup_file_sync (const gchar *path, GError **error)
{
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);

  if (fd < 0)
    return aqmp_backup_sync_error (path, error);
  return aqmp_backup_sync_fd (fd, path, error);
}

/* after aqmp_backup_target_release(): the image, whose fdatasync() QEMU
 * left to this process, and its directory entry on disk; TRUE at once
 * when QEMU flushed the image itself */
gboolean
aqmp_backup_target_sync (AqmpBackupDisk *disk, GError **error)
{
  int fd = disk->sync_fd;

  if (fd < 0)
    return TRUE;
  disk->sync_fd = -1;
  return aqmp_backup_sync_fd (fd, disk->path, error);
}

gboolean
aqmp_backup_bitmap_remove (AqmpClient *client, const gchar *node, const gchar *name, GError **error)
{
  g_autoptr(JsonObject) arguments = json_object_new ();

  json_object_set_string_member (arguments, "node", node);
  json_object_set_string_member (arguments, "name", name);
  return aqmp_backup_execute (client, "block-dirty-bitmap-remove", arguments, NULL, error);
}

/* ----- writeback while the jobs copy ----- */

#define AQMP_BACKUP_WRITEBACK_INTERVAL (100 * G_TIME_SPAN_MILLISECOND)

struct _AqmpBackupWriteback {
  GMutex lock;
  GCond stop_cond;
  gboolean stop;
  GPtrArray *disks;
  GThread *thread;
};

#ifdef SYNC_FILE_RANGE_WRITE
static gpointer
aqmp_backup_writeback_thread (gpointer data)
{
  AqmpBackupWriteback *self = data;
  gint64 deadline = g_get_monotonic_time () + AQMP_BACKUP_WRITEBACK_INTERVAL;
  gboolean stop = FALSE;

  /* one pass more once the jobs ended: their last data goes to the disk
   * while QEMU closes the images */
  while (!stop)
    {
      g_mutex_lock (&self->lock);
      while (!self->stop && g_cond_wait_until (&self->stop_cond, &self->lock, deadline))
        ;
      stop = self->stop;
      g_mutex_unlock (&self->lock);
      /* a start of writeback only: what fails here the fdatasync() of
       * aqmp_backup_target_sync() reports */
      for (guint i = 0; i < self->disks->len; i++)
        {
          AqmpBackupDisk *disk = g_ptr_array_index (self->disks, i);
          if (disk->sync_fd >= 0)
            sync_file_range (disk->sync_fd, 0, 0, SYNC_FILE_RANGE_WRITE);
        }
      deadline = g_get_monotonic_time () + AQMP_BACKUP_WRITEBACK_INTERVAL;
    }
  return NULL;
}
#endif

/* starts writing back the targets of @disks that this process syncs,
 * every 100 ms until aqmp_backup_writeback_stop(); %NULL when there is
 * nothing to do. The disks' sync_fd stay open until it stopped. */
AqmpBackupWriteback *
aqmp_backup_writeback_start (GPtrArray *disks)
{
#ifdef SYNC_FILE_RANGE_WRITE
  AqmpBackupWriteback *self;
  gboolean any = FALSE;

  for (guint i = 0; i < disks->len; i++)
    any |= ((AqmpBackupDisk *) g_ptr_array_index (disks, i))->sync_fd >= 0;
  if (!any)
    return NULL;
  self = g_new0 (AqmpBackupWriteback, 1);
  g_mutex_init (&self->lock);
  g_cond_init (&self->stop_cond);
  self->disks = g_ptr_array_ref (disks);
  self->thread = g_thread_new ("aqmp-backup-writeback", aqmp_backup_writeback_thread, self);
  return self;
#else
  return NULL;
#endif
}

/* the jobs ended: the thread makes its last pass, without this thread
 * waiting for it (QEMU closes the images meanwhile) */
void
aqmp_backup_writeback_end (AqmpBackupWriteback *self)
{
  if (self == NULL)
    return;
  g_mutex_lock (&self->lock);
  self->stop = TRUE;
  g_cond_signal (&self->stop_cond);
  g_mutex_unlock (&self->lock);
}

/* ends the writeback and waits for its thread; before the disks' sync_fd
 * are closed */
void
aqmp_backup_writeback_stop (AqmpBackupWriteback *self)
{
  if (self == NULL)
    return;
  aqmp_backup_writeback_end (self);
  g_thread_join (self->thread);
  g_ptr_array_unref (self->disks);
  g_cond_clear (&self->stop_cond);
  g_mutex_clear (&self->lock);
  g_free (self);
}
