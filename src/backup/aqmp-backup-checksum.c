/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The checksums of backup images: `xxh128:` and the hex XXH3-128 of the
 * file for new images, `sha256:` rows of older catalogs still checked
 * with SHA-256. The checksum guards against bit rot, truncation and
 * accidental change, not against someone who means to change an image
 * (docs/backup.md says why a fast non-cryptographic hash fits that).
 *
 * A file is read in blocks of 1 MiB, one buffer reused: a bigger one costs
 * more in page faults on a fresh buffer than it saves in reads. An image
 * a backup run just made, which nothing else touches, is mapped instead,
 * in windows of 64 MiB: hashing the page cache in place skips the copy,
 * which is most of the time a read() spends (about 2.5 times faster on a
 * 1 GiB image). Files someone else may change (a verify's) are read, so
 * that one truncated meanwhile is an error rather than a SIGBUS; so are
 * images on network and FUSE file systems, where a server that fails or
 * truncates a page would raise a SIGBUS in the middle of aqmpd. The
 * images of one backup are hashed at the same time on GTask worker
 * threads and the calling thread (a backup run's or a verify's worker,
 * never the main loop).
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <glib/gstdio.h>
#include <xxhash.h>

#include "aqmp-backup-private.h"

#define AQMP_BACKUP_CHECKSUM_BLOCK (1024 * 1024)
#define AQMP_BACKUP_CHECKSUM_WINDOW ((gsize) 64 * 1024 * 1024)

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

/* feeds @fd from where it stands to its end to @hasher, block by block */
static gboolean
aqmp_backup_hash_read (AqmpBackupHasher *hasher, int fd, const gchar *path, GCancellable *cancellable,
                       GError **error)
{
  g_autofree guchar *buffer = g_malloc (AQMP_BACKUP_CHECKSUM_BLOCK);

#ifdef POSIX_FADV_SEQUENTIAL
  posix_fadvise (fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  for (;;)
    {
      gssize n;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      n = read (fd, buffer, AQMP_BACKUP_CHECKSUM_BLOCK);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return aqmp_backup_read_error (path, error);
      if (n == 0)
        return TRUE;
      aqmp_backup_hasher_update (hasher, buffer, n);
    }
}

/* whether @fd is on a file system whose pages a server can fail or take
 * away: NFS, SMB/CIFS, FUSE, Ceph, 9p, AFS (statfs(2) magic numbers) */
static gboolean
aqmp_backup_fd_is_remote (int fd)
{
  static const guint32 remote[] = {
    0x6969,     /* NFS */
    0x517b,     /* SMB */
    0xff534d42, /* CIFS */
    0xfe534d42, /* SMB2 */
    0x65735546, /* FUSE */
    0x00c36400, /* Ceph */
    0x01021997, /* 9p */
    0x5346414f, /* AFS */
  };
  struct statfs fs;

  if (fstatfs (fd, &fs) != 0)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (remote); i++)
    if ((guint32) fs.f_type == remote[i])
      return TRUE;
  return FALSE;
}

/* feeds @fd to @hasher through windows mapped one after another; where a
 * window cannot be mapped (a file system without mmap), the rest is read */
static gboolean
aqmp_backup_hash_mapped (AqmpBackupHasher *hasher, int fd, const gchar *path, GCancellable *cancellable,
                         GError **error)
{
  struct stat st;
  goffset offset = 0;

  if (fstat (fd, &st) != 0)
    return aqmp_backup_read_error (path, error);
  while (offset < st.st_size)
    {
      gsize length = MIN (AQMP_BACKUP_CHECKSUM_WINDOW, (gsize) (st.st_size - offset));
      void *window;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      window = mmap (NULL, length, PROT_READ, MAP_SHARED, fd, offset);
      if (window == MAP_FAILED)
        break;
      madvise (window, length, MADV_SEQUENTIAL);
      aqmp_backup_hasher_update (hasher, window, length);
      munmap (window, length);
      offset += length;
    }
  if (offset >= st.st_size)
    return TRUE;
  if (lseek (fd, offset, SEEK_SET) != offset)
    return aqmp_backup_read_error (path, error);
  return aqmp_backup_hash_read (hasher, fd, path, cancellable, error);
}

/* feeds the file at @path to @hasher */
static gboolean
aqmp_backup_hash_file (AqmpBackupHasher *hasher, const gchar *path, gboolean mapped, GCancellable *cancellable,
                       GError **error)
{
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  gboolean ok;

  if (fd < 0)
    return aqmp_backup_read_error (path, error);
  if (mapped && !aqmp_backup_fd_is_remote (fd))
    ok = aqmp_backup_hash_mapped (hasher, fd, path, cancellable, error);
  else
    ok = aqmp_backup_hash_read (hasher, fd, path, cancellable, error);
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
static gchar *
aqmp_backup_checksum_of (const gchar *path, const gchar *algorithm, gboolean mapped, GCancellable *cancellable,
                         GError **error)
{
  g_auto(AqmpBackupHasher) hasher = { NULL, NULL };

  if (!aqmp_backup_hasher_init (&hasher, algorithm != NULL ? algorithm : AQMP_BACKUP_CHECKSUM_XXH128, error))
    return NULL;
  if (!aqmp_backup_hash_file (&hasher, path, mapped, cancellable, error))
    return NULL;
  return aqmp_backup_hasher_end (&hasher);
}

gchar *
aqmp_backup_file_checksum_with (const gchar *path, const gchar *algorithm, GCancellable *cancellable,
                                GError **error)
{
  return aqmp_backup_checksum_of (path, algorithm, FALSE, cancellable, error);
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
  file->checksum = aqmp_backup_checksum_of (file->path, file->algorithm, file->mapped, batch->cancellable,
                                            &file->error);
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
