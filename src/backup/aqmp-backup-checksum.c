/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The checksums of backup images: `xxh128:` and the hex XXH3-128 of the
 * file for new images, `sha256:` rows of older catalogs still checked
 * with SHA-256. The checksum guards against bit rot, truncation and
 * accidental change, not against someone who means to change an image
 * (docs/backup.md says why a fast non-cryptographic hash fits that).
 *
 * A file is read in large blocks; the images of one backup are hashed at
 * the same time on GTask worker threads and the calling thread (a backup
 * run's or a verify's worker, never the main loop).
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <xxhash.h>

#include "aqmp-backup-private.h"

#define AQMP_BACKUP_CHECKSUM_BLOCK (8 * 1024 * 1024)

typedef struct {
  XXH3_state_t *xxh;
  GChecksum *sha;
} AqmpBackupHasher;

static gboolean
aqmp_backup_hasher_init (AqmpBackupHasher *hasher, const gchar *algorithm, GError **error)
{
  if (g_strcmp0 (algorithm, AQMP_BACKUP_CHECKSUM_XXH128) == 0)
    {
      hasher->xxh = XXH3_createState ();
      XXH3_128bits_reset (hasher->xxh);
      return TRUE;
    }
  if (g_strcmp0 (algorithm, AQMP_BACKUP_CHECKSUM_SHA256) == 0)
    {
      hasher->sha = g_checksum_new (G_CHECKSUM_SHA256);
      return TRUE;
    }
  g_set_error (error, AQMP_BACKUP_ERROR, AQMP_BACKUP_ERROR_INVALID, "Unknown checksum algorithm %s",
               algorithm != NULL ? algorithm : "(none)");
  return FALSE;
}

static void
aqmp_backup_hasher_update (AqmpBackupHasher *hasher, const guchar *data, gsize length)
{
  if (hasher->xxh != NULL)
    XXH3_128bits_update (hasher->xxh, data, length);
  else
    g_checksum_update (hasher->sha, data, length);
}

/* `algorithm:hex`, and the hasher freed */
static gchar *
aqmp_backup_hasher_end (AqmpBackupHasher *hasher)
{
  gchar *text;

  if (hasher->xxh != NULL)
    {
      XXH128_hash_t hash = XXH3_128bits_digest (hasher->xxh);
      XXH128_canonical_t canonical;
      GString *hex = g_string_new (AQMP_BACKUP_CHECKSUM_XXH128 ":");

      XXH128_canonicalFromHash (&canonical, hash);
      for (gsize i = 0; i < sizeof canonical.digest; i++)
        g_string_append_printf (hex, "%02x", canonical.digest[i]);
      text = g_string_free (hex, FALSE);
    }
  else
    text = g_strconcat (AQMP_BACKUP_CHECKSUM_SHA256 ":", g_checksum_get_string (hasher->sha), NULL);
  g_clear_pointer (&hasher->xxh, XXH3_freeState);
  g_clear_pointer (&hasher->sha, g_checksum_free);
  return text;
}

static void
aqmp_backup_hasher_clear (AqmpBackupHasher *hasher)
{
  g_clear_pointer (&hasher->xxh, XXH3_freeState);
  g_clear_pointer (&hasher->sha, g_checksum_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AqmpBackupHasher, aqmp_backup_hasher_clear)

static gboolean
aqmp_backup_read_error (const gchar *path, GError **error)
{
  int saved = errno;

  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "Cannot read %s: %s", path, g_strerror (saved));
  return FALSE;
}

/* feeds the file at @path to @hasher, block by block */
static gboolean
aqmp_backup_hash_file (AqmpBackupHasher *hasher, const gchar *path, GCancellable *cancellable, GError **error)
{
  g_autofree guchar *buffer = g_malloc (AQMP_BACKUP_CHECKSUM_BLOCK);
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  gboolean ok = TRUE;

  if (fd < 0)
    return aqmp_backup_read_error (path, error);
#ifdef POSIX_FADV_SEQUENTIAL
  posix_fadvise (fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  for (;;)
    {
      gssize n;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          ok = FALSE;
          break;
        }
      n = read (fd, buffer, AQMP_BACKUP_CHECKSUM_BLOCK);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          ok = aqmp_backup_read_error (path, error);
          break;
        }
      if (n == 0)
        break;
      aqmp_backup_hasher_update (hasher, buffer, n);
    }
  g_close (fd, NULL);
  return ok;
}

/* the algorithm a recorded checksum names: the text before its colon */
gchar *
aqmp_backup_checksum_algorithm (const gchar *checksum)
{
  const gchar *colon = checksum != NULL ? strchr (checksum, ':') : NULL;

  return colon != NULL ? g_strndup (checksum, colon - checksum) : NULL;
}

/* `xxh128:` (or `sha256:` when @algorithm says so) and the hex hash of
 * the file at @path */
gchar *
aqmp_backup_file_checksum_with (const gchar *path, const gchar *algorithm, GCancellable *cancellable,
                                GError **error)
{
  g_auto(AqmpBackupHasher) hasher = { NULL, NULL };

  if (!aqmp_backup_hasher_init (&hasher, algorithm != NULL ? algorithm : AQMP_BACKUP_CHECKSUM_XXH128, error))
    return NULL;
  if (!aqmp_backup_hash_file (&hasher, path, cancellable, error))
    return NULL;
  return aqmp_backup_hasher_end (&hasher);
}

/* the checksum new images are recorded with */
gchar *
aqmp_backup_file_checksum (const gchar *path, GCancellable *cancellable, GError **error)
{
  return aqmp_backup_file_checksum_with (path, AQMP_BACKUP_CHECKSUM_XXH128, cancellable, error);
}

/* many files at once: each file is offered to a GTask worker thread, and
 * the calling thread takes every file no worker has started yet. So the
 * caller only ever waits for files being hashed: a GTask pool whose
 * threads are all busy (with other backup runs that wait for their own
 * hashes, say) slows the hashing, never blocks it. */

typedef struct {
  GMutex lock;
  GCond done;
  guint pending;
  guint n_files;
  gint *claimed;             /* one per file: 1 once someone hashes it */
  AqmpBackupChecksumFile *files;
  GCancellable *cancellable;
} AqmpBackupChecksumBatch;

typedef struct {
  AqmpBackupChecksumBatch *batch;
  guint index;
} AqmpBackupChecksumWork;

static void
aqmp_backup_checksum_batch_clear (AqmpBackupChecksumBatch *batch)
{
  g_mutex_clear (&batch->lock);
  g_cond_clear (&batch->done);
  g_free (batch->claimed);
  g_clear_object (&batch->cancellable);
}

static void
aqmp_backup_checksum_work_free (AqmpBackupChecksumWork *work)
{
  g_atomic_rc_box_release_full (work->batch, (GDestroyNotify) aqmp_backup_checksum_batch_clear);
  g_free (work);
}

/* hashes file @index unless someone did already; the files array is
 * only touched by whoever claimed the file, before the caller returns */
static void
aqmp_backup_checksum_take (AqmpBackupChecksumBatch *batch, guint index)
{
  AqmpBackupChecksumFile *file;

  if (!g_atomic_int_compare_and_exchange (&batch->claimed[index], 0, 1))
    return;
  file = &batch->files[index];
  file->checksum = aqmp_backup_file_checksum_with (file->path, file->algorithm, batch->cancellable, &file->error);
  g_mutex_lock (&batch->lock);
  if (--batch->pending == 0)
    g_cond_signal (&batch->done);
  g_mutex_unlock (&batch->lock);
}

static void
aqmp_backup_checksum_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  AqmpBackupChecksumWork *work = task_data;

  aqmp_backup_checksum_take (work->batch, work->index);
  g_task_return_boolean (task, TRUE);
}

/* fills each of @files' checksum, or its error, hashing them in parallel
 * on GTask worker threads and this one; returns when all are done. Call
 * it from a thread that may block, not from a main loop. */
void
aqmp_backup_checksum_files (AqmpBackupChecksumFile *files, guint n_files, GCancellable *cancellable)
{
  AqmpBackupChecksumBatch *batch;

  if (n_files == 0)
    return;
  batch = g_atomic_rc_box_new0 (AqmpBackupChecksumBatch);
  g_mutex_init (&batch->lock);
  g_cond_init (&batch->done);
  batch->pending = n_files;
  batch->n_files = n_files;
  batch->claimed = g_new0 (gint, n_files);
  batch->files = files;
  batch->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  /* the first file is this thread's; the others are offered */
  for (guint i = 1; i < n_files; i++)
    {
      g_autoptr(GTask) task = g_task_new (NULL, NULL, NULL, NULL);
      AqmpBackupChecksumWork *work = g_new0 (AqmpBackupChecksumWork, 1);

      work->batch = g_atomic_rc_box_acquire (batch);
      work->index = i;
      g_task_set_source_tag (task, aqmp_backup_checksum_files);
      g_task_set_task_data (task, work, (GDestroyNotify) aqmp_backup_checksum_work_free);
      g_task_run_in_thread (task, aqmp_backup_checksum_thread);
    }
  for (guint i = 0; i < n_files; i++)
    aqmp_backup_checksum_take (batch, i);
  g_mutex_lock (&batch->lock);
  while (batch->pending > 0)
    g_cond_wait (&batch->done, &batch->lock);
  g_mutex_unlock (&batch->lock);
  g_atomic_rc_box_release_full (batch, (GDestroyNotify) aqmp_backup_checksum_batch_clear);
}

void
aqmp_backup_checksum_file_clear (AqmpBackupChecksumFile *file)
{
  g_clear_pointer (&file->checksum, g_free);
  g_clear_error (&file->error);
}
