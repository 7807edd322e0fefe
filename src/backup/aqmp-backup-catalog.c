/* SPDX-License-Identifier: LGPL-2.1-or-later */

/**
 * SECTION:aqmp-backup-catalog
 * @title: AqmpBackupCatalog
 * @short_description: the chains, backups and images, in the job store
 *
 * The catalog lives in the job store's SQLite database (schema version 4
 * and later), so that a backup names the jobs that made it and a CLI and
 * aqmpd share one catalog. It opens its own connection to the database
 * (serialised, so any thread may use it; WAL and a busy timeout, as the
 * store's).
 *
 * A chain is one full backup and the backups built on it; each backup
 * has one image per disk, and an image names the image its backing file
 * is. Only completed backups are restored from or built upon.
 */

/* F_OFD_SETLK */
#define _GNU_SOURCE

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "aqmp-backup-private.h"

#define AQMP_BACKUP_CATALOG_BUSY_TIMEOUT_MS 10000

struct _AqmpBackupCatalog {
  GObject parent_instance;
  AqmpJobStore *store;
  sqlite3 *db;
  /* held through a transaction and around each single write, so that
   * one thread's transaction takes no other thread's write */
  GRecMutex write_lock;
  /* the backups that runs on this catalog are running now: a reconcile
   * leaves them alone; and the machines being reconciled, one
   * reconcile per machine at a time */
  GMutex active_lock;
  GHashTable *active;
  GHashTable *reconciling;
  GCond reconciled;
  /* the machines whose lock this catalog holds, and how many of its runs
   * and reconciles hold each (AqmpBackupMachineLock) */
  GHashTable *locks;
};

/* one machine's lock file, its OFD lock held while fd is open (-1: a
 * database in memory, which no other process shares) */
typedef struct {
  int fd;
  guint holders;
} AqmpBackupMachineLock;

static void
aqmp_backup_machine_lock_free (AqmpBackupMachineLock *lock)
{
  if (lock->fd >= 0)
    close (lock->fd);
  g_free (lock);
}

G_DEFINE_FINAL_TYPE (AqmpBackupCatalog, aqmp_backup_catalog, G_TYPE_OBJECT)

static void
aqmp_backup_catalog_finalize (GObject *object)
{
  AqmpBackupCatalog *self = AQMP_BACKUP_CATALOG (object);

  if (self->db != NULL)
    sqlite3_close (self->db);
  g_clear_object (&self->store);
  g_rec_mutex_clear (&self->write_lock);
  g_hash_table_unref (self->active);
  g_hash_table_unref (self->reconciling);
  g_hash_table_unref (self->locks);
  g_mutex_clear (&self->active_lock);
  g_cond_clear (&self->reconciled);
  G_OBJECT_CLASS (aqmp_backup_catalog_parent_class)->finalize (object);
}

static void
aqmp_backup_catalog_class_init (AqmpBackupCatalogClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = aqmp_backup_catalog_finalize;
}

static void
aqmp_backup_catalog_init (AqmpBackupCatalog *self)
{
  g_rec_mutex_init (&self->write_lock);
  g_mutex_init (&self->active_lock);
  g_cond_init (&self->reconciled);
  self->active = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->reconciling = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->locks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) aqmp_backup_machine_lock_free);
}

/* a run of this process runs backup @id from now on (before its row is
 * committed): aqmp_backup_catalog_reconcile_sync() leaves it alone */
void
aqmp_backup_catalog_claim (AqmpBackupCatalog *self, gint64 id)
{
  g_mutex_lock (&self->active_lock);
  g_hash_table_add (self->active, g_memdup2 (&id, sizeof id));
  g_mutex_unlock (&self->active_lock);
}

void
aqmp_backup_catalog_release (AqmpBackupCatalog *self, gint64 id)
{
  g_mutex_lock (&self->active_lock);
  g_hash_table_remove (self->active, &id);
  g_mutex_unlock (&self->active_lock);
}

gboolean
aqmp_backup_catalog_is_claimed (AqmpBackupCatalog *self, gint64 id)
{
  gboolean claimed;

  g_mutex_lock (&self->active_lock);
  claimed = g_hash_table_contains (self->active, &id);
  g_mutex_unlock (&self->active_lock);
  return claimed;
}

/* waits until no other thread reconciles @machine, then is the one that
 * does, until aqmp_backup_catalog_reconcile_leave() */
void
aqmp_backup_catalog_reconcile_enter (AqmpBackupCatalog *self, const gchar *machine)
{
  g_mutex_lock (&self->active_lock);
  while (g_hash_table_contains (self->reconciling, machine))
    g_cond_wait (&self->reconciled, &self->active_lock);
  g_hash_table_add (self->reconciling, g_strdup (machine));
  g_mutex_unlock (&self->active_lock);
}

void
aqmp_backup_catalog_reconcile_leave (AqmpBackupCatalog *self, const gchar *machine)
{
  g_mutex_lock (&self->active_lock);
  g_hash_table_remove (self->reconciling, machine);
  g_cond_broadcast (&self->reconciled);
  g_mutex_unlock (&self->active_lock);
}

/* DB-backup-locks/SHA256(MACHINE).lock, next to the database; NULL for a
 * database in memory */
static gchar *
aqmp_backup_catalog_lock_path (AqmpBackupCatalog *self, const gchar *machine)
{
  const gchar *db = aqmp_job_store_get_path (self->store);
  g_autofree gchar *directory = NULL;
  g_autofree gchar *hash = NULL;
  g_autofree gchar *name = NULL;

  if (db == NULL || g_strcmp0 (db, ":memory:") == 0)
    return NULL;
  directory = g_strconcat (db, "-backup-locks", NULL);
  hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, machine, -1);
  name = g_strconcat (hash, ".lock", NULL);
  return g_build_filename (directory, name, NULL);
}

/* the lock file @path, open and write-locked without waiting; -1 with
 * @error set (G_IO_ERROR_BUSY: another process holds it) */
static int
aqmp_backup_catalog_open_lock (const gchar *path, const gchar *machine, GError **error)
{
  g_autofree gchar *directory = g_path_get_dirname (path);
  struct flock lock = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
  int fd, saved;

  if (g_mkdir_with_parents (directory, 0700) != 0 ||
      (fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
    {
      saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "Cannot open the backup lock %s: %s", path,
                   g_strerror (saved));
      return -1;
    }
  if (fcntl (fd, F_OFD_SETLK, &lock) == 0)
    return fd;
  saved = errno;
  close (fd);
  if (saved == EAGAIN || saved == EACCES)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                 "Another process is backing up machine %s; wait for it to end", machine);
  else
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "Cannot lock the backup lock %s: %s", path,
                 g_strerror (saved));
  return -1;
}

/* takes the lock of @machine's backups for this catalog, without
 * waiting: the first holder in this catalog takes the file's OFD lock,
 * which the kernel drops when the process dies; the others count. Fails
 * with G_IO_ERROR_BUSY while another process (or catalog) holds it */
gboolean
aqmp_backup_catalog_lock_machine (AqmpBackupCatalog *self, const gchar *machine, GError **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->active_lock);
  AqmpBackupMachineLock *lock = g_hash_table_lookup (self->locks, machine);
  g_autofree gchar *path = NULL;
  int fd = -1;

  if (lock != NULL)
    {
      lock->holders++;
      return TRUE;
    }
  path = aqmp_backup_catalog_lock_path (self, machine);
  if (path != NULL && (fd = aqmp_backup_catalog_open_lock (path, machine, error)) < 0)
    return FALSE;
  lock = g_new0 (AqmpBackupMachineLock, 1);
  lock->fd = fd;
  lock->holders = 1;
  g_hash_table_insert (self->locks, g_strdup (machine), lock);
  return TRUE;
}

/* one holder less; the last one closes the file, which drops the lock */
void
aqmp_backup_catalog_unlock_machine (AqmpBackupCatalog *self, const gchar *machine)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->active_lock);
  AqmpBackupMachineLock *lock = g_hash_table_lookup (self->locks, machine);

  g_return_if_fail (lock != NULL);
  if (--lock->holders == 0)
    g_hash_table_remove (self->locks, machine);
}

static gboolean
aqmp_backup_catalog_fail (AqmpBackupCatalog *self, GError **error, const gchar *what)
{
  g_set_error (error, AQMP_BACKUP_ERROR, AQMP_BACKUP_ERROR_CATALOG,
               "Backup catalog: %s: %s", what, sqlite3_errmsg (self->db));
  return FALSE;
}

static sqlite3_stmt *
aqmp_backup_catalog_prepare (AqmpBackupCatalog *self, const gchar *sql, GError **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      aqmp_backup_catalog_fail (self, error, "prepare");
      return NULL;
    }
  return stmt;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/**
 * aqmp_backup_catalog_new:
 * @store: the job store whose database holds the catalog
 * @error: return location for an error
 *
 * Opens the catalog in @store's database (which @store has migrated).
 *
 * Returns: (transfer full) (nullable): the catalog, or %NULL with @error
 *   set
 *
 * Since: 0.1
 */
AqmpBackupCatalog *
aqmp_backup_catalog_new (AqmpJobStore *store, GError **error)
{
  g_autoptr(AqmpBackupCatalog) self = NULL;
  const gchar *path;

  g_return_val_if_fail (AQMP_IS_JOB_STORE (store), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (aqmp_job_store_get_schema_version (store) < 4)
    {
      g_set_error (error, AQMP_BACKUP_ERROR, AQMP_BACKUP_ERROR_CATALOG,
                   "The job store has no backup catalog (schema version %d)",
                   aqmp_job_store_get_schema_version (store));
      return NULL;
    }
  self = g_object_new (AQMP_TYPE_BACKUP_CATALOG, NULL);
  self->store = g_object_ref (store);
  path = aqmp_job_store_get_path (store);
  if (sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK)
    {
      aqmp_backup_catalog_fail (self, error, "open");
      return NULL;
    }
  sqlite3_busy_timeout (self->db, AQMP_BACKUP_CATALOG_BUSY_TIMEOUT_MS);
  /* as the job store: in WAL mode a commit is not synced (a checkpoint
   * is), which a crash of the process never loses; a power cut may
   * lose the last commits, never the database */
  if (sqlite3_exec (self->db, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;", NULL, NULL, NULL)
      != SQLITE_OK)
    {
      aqmp_backup_catalog_fail (self, error, "open");
      return NULL;
    }
  return g_steal_pointer (&self);
}

/**
 * aqmp_backup_catalog_get_store:
 * @self: an #AqmpBackupCatalog
 *
 * Returns the job store.
 *
 * Returns: (transfer none): the job store
 *
 * Since: 0.1
 */
AqmpJobStore *
aqmp_backup_catalog_get_store (AqmpBackupCatalog *self)
{
  g_return_val_if_fail (AQMP_IS_BACKUP_CATALOG (self), NULL);
  return self->store;
}

/* reading rows */

static gchar *
column_text (sqlite3_stmt *stmt, int column)
{
  return g_strdup ((const gchar *) sqlite3_column_text (stmt, column));
}

#define CHAIN_COLUMNS "c.id, c.machine, c.name, c.directory, c.bitmap, c.diff_bitmap, c.state, c.created"

static AqmpBackupChain *
chain_from_row (sqlite3_stmt *stmt)
{
  AqmpBackupChain *chain = aqmp_backup_chain_new_empty ();

  chain->id = sqlite3_column_int64 (stmt, 0);
  chain->machine = column_text (stmt, 1);
  chain->name = column_text (stmt, 2);
  chain->directory = column_text (stmt, 3);
  chain->bitmap = column_text (stmt, 4);
  chain->diff_bitmap = column_text (stmt, 5);
  chain->open = g_strcmp0 ((const gchar *) sqlite3_column_text (stmt, 6), "open") == 0;
  chain->failed = g_strcmp0 ((const gchar *) sqlite3_column_text (stmt, 6), "failed") == 0;
  chain->created = sqlite3_column_int64 (stmt, 7);
  return chain;
}

#define BACKUP_COLUMNS "b.id, b.chain, c.machine, c.name, b.parent, b.level, b.requested, b.reason, " \
  "b.state, b.error, b.quiesced, b.compressed, b.bytes, b.created, b.finished"

static AqmpBackupRecord *
backup_from_row (sqlite3_stmt *stmt)
{
  AqmpBackupRecord *backup = aqmp_backup_record_new_empty ();

  backup->id = sqlite3_column_int64 (stmt, 0);
  backup->chain_id = sqlite3_column_int64 (stmt, 1);
  backup->machine = column_text (stmt, 2);
  backup->chain_name = column_text (stmt, 3);
  backup->parent_id = sqlite3_column_int64 (stmt, 4);
  aqmp_backup_level_from_string ((const gchar *) sqlite3_column_text (stmt, 5), &backup->level);
  aqmp_backup_level_from_string ((const gchar *) sqlite3_column_text (stmt, 6), &backup->requested);
  backup->reason = column_text (stmt, 7);
  backup->state = aqmp_backup_state_from_string ((const gchar *) sqlite3_column_text (stmt, 8));
  backup->error = column_text (stmt, 9);
  backup->quiesced = sqlite3_column_int (stmt, 10) != 0;
  backup->compressed = sqlite3_column_int (stmt, 11) != 0;
  backup->bytes = sqlite3_column_int64 (stmt, 12);
  backup->created = sqlite3_column_int64 (stmt, 13);
  backup->finished = sqlite3_column_int64 (stmt, 14);
  return backup;
}

#define IMAGE_COLUMNS "i.id, i.backup, i.disk, i.source, i.path, i.node, i.job_id, i.backing, " \
  "p.path, i.virtual_size, i.size, i.bitmap, i.checksum"

static AqmpBackupImage *
image_from_row (sqlite3_stmt *stmt)
{
  AqmpBackupImage *image = aqmp_backup_image_new_empty ();

  image->id = sqlite3_column_int64 (stmt, 0);
  image->backup_id = sqlite3_column_int64 (stmt, 1);
  image->disk = column_text (stmt, 2);
  image->source = column_text (stmt, 3);
  image->path = column_text (stmt, 4);
  image->node = column_text (stmt, 5);
  image->job_id = column_text (stmt, 6);
  image->backing_id = sqlite3_column_int64 (stmt, 7);
  image->backing_path = column_text (stmt, 8);
  image->virtual_size = sqlite3_column_int64 (stmt, 9);
  image->size = sqlite3_column_int64 (stmt, 10);
  image->bitmap = column_text (stmt, 11);
  image->checksum = column_text (stmt, 12);
  return image;
}

typedef gpointer (*RowFunc) (sqlite3_stmt *stmt);

/* every row of @stmt, made by @func; NULL with @error set on failure */
static GPtrArray *
aqmp_backup_catalog_collect (AqmpBackupCatalog *self, sqlite3_stmt *stmt, RowFunc func,
                             GDestroyNotify free_func, GError **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (free_func);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (rows, func (stmt));
  if (rc != SQLITE_DONE)
    {
      aqmp_backup_catalog_fail (self, error, "read");
      return NULL;
    }
  return g_steal_pointer (&rows);
}

/* the one row of @stmt or a NOT_FOUND error naming @what */
static gpointer
aqmp_backup_catalog_one (AqmpBackupCatalog *self, sqlite3_stmt *stmt, RowFunc func,
                         GDestroyNotify free_func, const gchar *what, gint64 id, GError **error)
{
  g_autoptr(GPtrArray) rows = aqmp_backup_catalog_collect (self, stmt, func, free_func, error);

  if (rows == NULL)
    return NULL;
  if (rows->len == 0)
    {
      g_set_error (error, AQMP_BACKUP_ERROR, AQMP_BACKUP_ERROR_NOT_FOUND,
                   "No %s %" G_GINT64_FORMAT " in the backup catalog", what, id);
      return NULL;
    }
  return g_ptr_array_steal_index (rows, 0);
}

/**
 * aqmp_backup_catalog_list_chains:
 * @self: an #AqmpBackupCatalog
 * @machine: (nullable): only this machine's chains
 * @error: return location for an error
 *
 * Returns the chains, oldest first.
 *
 * Returns: (transfer container) (element-type AqmpBackupChain): the
 *   chains, oldest first
 *
 * Since: 0.1
 */
GPtrArray *
aqmp_backup_catalog_list_chains (AqmpBackupCatalog *self, const gchar *machine, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (AQMP_IS_BACKUP_CATALOG (self), NULL);
  stmt = aqmp_backup_catalog_prepare (self,
    "SELECT " CHAIN_COLUMNS " FROM backup_chains c WHERE ?1 IS NULL OR c.machine = ?1 ORDER BY c.id;", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, machine, -1, SQLITE_TRANSIENT);
  return aqmp_backup_catalog_collect (self, stmt, (RowFunc) chain_from_row,
                                      (GDestroyNotify) aqmp_backup_chain_unref, error);
}

/**
 * aqmp_backup_catalog_list_backups:
 * @self: an #AqmpBackupCatalog
 * @machine: (nullable): only this machine's backups
 * @error: return location for an error
 *
 * Returns the backups, oldest first.
 *
 * Returns: (transfer container) (element-type AqmpBackupRecord): the
 *   backups, oldest first
 *
 * Since: 0.1
 */
GPtrArray *
aqmp_backup_catalog_list_backups (AqmpBackupCatalog *self, const gchar *machine, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (AQMP_IS_BACKUP_CATALOG (self), NULL);
  stmt = aqmp_backup_catalog_prepare (self,
    "SELECT " BACKUP_COLUMNS " FROM backups b JOIN backup_chains c ON c.id = b.chain"
    " WHERE ?1 IS NULL OR c.machine = ?1 ORDER BY b.id;", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, machine, -1, SQLITE_TRANSIENT);
  return aqmp_backup_catalog_collect (self, stmt, (RowFunc) backup_from_row,
                                      (GDestroyNotify) aqmp_backup_record_unref, error);
}

/**
 * aqmp_backup_catalog_list_backups_page:
 * @self: an #AqmpBackupCatalog
 * @machine: (nullable): only this machine's backups
 * @offset: how many of the newest to skip
 * @limit: at most this many
 * @error: return location for an error
 *
 * One page of the catalog, read in SQL: page N of size S is
 * @offset N * S, @limit S.
 *
 * Returns: (transfer container) (element-type AqmpBackupRecord): the
 *   backups, newest first
 *
 * Since: 0.1
 */
GPtrArray *
aqmp_backup_catalog_list_backups_page (AqmpBackupCatalog *self, const gchar *machine, guint offset,
                                       guint limit, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (AQMP_IS_BACKUP_CATALOG (self), NULL);
  stmt = aqmp_backup_catalog_prepare (self,
    "SELECT " BACKUP_COLUMNS " FROM backups b JOIN backup_chains c ON c.id = b.chain"
    " WHERE ?1 IS NULL OR c.machine = ?1 ORDER BY b.id DESC LIMIT ?2 OFFSET ?3;", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, machine, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, limit);
  sqlite3_bind_int64 (stmt, 3, offset);
  return aqmp_backup_catalog_collect (self, stmt, (RowFunc) backup_from_row,
                                      (GDestroyNotify) aqmp_backup_record_unref, error);
}

/**
 * aqmp_backup_catalog_get_backup:
 * @self: an #AqmpBackupCatalog
 * @id: a backup's id
 * @error: return location for an error
 *
 * Returns the backup, or %NULL with @error set
 * (%AQMP_BACKUP_ERROR_NOT_FOUND when there is none).
 *
 * Returns: (transfer full) (nullable): the backup, or %NULL with @error
 *   set (%AQMP_BACKUP_ERROR_NOT_FOUND when there is none)
 *
 * Since: 0.1
 */
AqmpBackupRecord *
aqmp_backup_catalog_get_backup (AqmpBackupCatalog *self, gint64 id, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (AQMP_IS_BACKUP_CATALOG (self), NULL);
  stmt = aqmp_backup_catalog_prepare (self,
    "SELECT " BACKUP_COLUMNS " FROM backups b JOIN backup_chains c ON c.id = b.chain WHERE b.id = ?;", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  return aqmp_backup_catalog_one (self, stmt, (RowFunc) backup_from_row,
                                  (GDestroyNotify) aqmp_backup_record_unref, "backup", id, error);
}

/**
 * aqmp_backup_catalog_get_chain:
 * @self: an #AqmpBackupCatalog
 * @id: a chain's id
 * @error: return location for an error
 *
 * Returns the chain, or %NULL with @error set.
 *
 * Returns: (transfer full) (nullable): the chain, or %NULL with @error
 *   set
 *
 * Since: 0.1
 */
AqmpBackupChain *
aqmp_backup_catalog_get_chain (AqmpBackupCatalog *self, gint64 id, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (AQMP_IS_BACKUP_CATALOG (self), NULL);
  stmt = aqmp_backup_catalog_prepare (self,
    "SELECT " CHAIN_COLUMNS " FROM backup_chains c WHERE c.id = ?;", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  return aqmp_backup_catalog_one (self, stmt, (RowFunc) chain_from_row,
                                  (GDestroyNotify) aqmp_backup_chain_unref, "chain", id, error);
}

/**
 * aqmp_backup_catalog_list_images:
 * @self: an #AqmpBackupCatalog
 * @backup_id: a backup's id
 * @error: return location for an error
 *
 * Returns the backup's images, one per disk.
 *
 * Returns: (transfer container) (element-type AqmpBackupImage): the
 *   backup's images, one per disk
 *
 * Since: 0.1
 */
GPtrArray *
aqmp_backup_catalog_list_images (AqmpBackupCatalog *self, gint64 backup_id, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (AQMP_IS_BACKUP_CATALOG (self), NULL);
  stmt = aqmp_backup_catalog_prepare (self,
    "SELECT " IMAGE_COLUMNS " FROM backup_images i LEFT JOIN backup_images p ON p.id = i.backing"
    " WHERE i.backup = ? ORDER BY i.id;", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, backup_id);
  return aqmp_backup_catalog_collect (self, stmt, (RowFunc) image_from_row,
                                      (GDestroyNotify) aqmp_backup_image_unref, error);
}

/**
 * aqmp_backup_catalog_list_jobs:
 * @self: an #AqmpBackupCatalog
 * @backup_id: a backup's id
 * @error: return location for an error
 *
 * The job store rows (aqmp_job_store_get_job()) of the jobs that made the
 * backup: the images' `blockdev-create` jobs and the backup jobs.
 *
 * Returns: (transfer full) (element-type gint64): the rows
 *
 * Since: 0.1
 */
GArray *
aqmp_backup_catalog_list_jobs (AqmpBackupCatalog *self, gint64 backup_id, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GArray) rows = g_array_new (FALSE, FALSE, sizeof (gint64));
  int rc;

  g_return_val_if_fail (AQMP_IS_BACKUP_CATALOG (self), NULL);
  stmt = aqmp_backup_catalog_prepare (self, "SELECT job FROM backup_jobs WHERE backup = ? ORDER BY job;", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, backup_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 row = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (rows, row);
    }
  if (rc != SQLITE_DONE)
    {
      aqmp_backup_catalog_fail (self, error, "read");
      return NULL;
    }
  return g_steal_pointer (&rows);
}

/* the run's writes and look-ups */

AqmpBackupChain *
aqmp_backup_catalog_find_open_chain (AqmpBackupCatalog *self, const gchar *machine, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) rows = NULL;

  stmt = aqmp_backup_catalog_prepare (self,
    "SELECT " CHAIN_COLUMNS " FROM backup_chains c WHERE c.machine = ? AND c.state = 'open'"
    " ORDER BY c.id DESC LIMIT 1;", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, machine, -1, SQLITE_TRANSIENT);
  rows = aqmp_backup_catalog_collect (self, stmt, (RowFunc) chain_from_row,
                                      (GDestroyNotify) aqmp_backup_chain_unref, error);
  if (rows == NULL || rows->len == 0)
    return NULL;
  return g_ptr_array_steal_index (rows, 0);
}

static gint64
aqmp_backup_catalog_step_insert (AqmpBackupCatalog *self, sqlite3_stmt *stmt, GError **error)
{
  gint64 id = 0;

  g_rec_mutex_lock (&self->write_lock);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    aqmp_backup_catalog_fail (self, error, "write");
  else
    id = sqlite3_last_insert_rowid (self->db);
  g_rec_mutex_unlock (&self->write_lock);
  return id;
}

static gboolean
aqmp_backup_catalog_step (AqmpBackupCatalog *self, sqlite3_stmt *stmt, GError **error)
{
  gboolean ok = TRUE;

  g_rec_mutex_lock (&self->write_lock);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    ok = aqmp_backup_catalog_fail (self, error, "write");
  g_rec_mutex_unlock (&self->write_lock);
  return ok;
}

/* starts a transaction on this thread; every begin is ended by one
 * commit or rollback on the same thread */
gboolean
aqmp_backup_catalog_begin (AqmpBackupCatalog *self, GError **error)
{
  g_rec_mutex_lock (&self->write_lock);
  if (sqlite3_exec (self->db, "BEGIN IMMEDIATE;", NULL, NULL, NULL) == SQLITE_OK)
    return TRUE;
  aqmp_backup_catalog_fail (self, error, "begin");
  g_rec_mutex_unlock (&self->write_lock);
  return FALSE;
}

/* commits, or rolls back when the commit fails */
gboolean
aqmp_backup_catalog_commit (AqmpBackupCatalog *self, GError **error)
{
  gboolean ok = TRUE;

  if (sqlite3_exec (self->db, "COMMIT;", NULL, NULL, NULL) != SQLITE_OK)
    {
      ok = aqmp_backup_catalog_fail (self, error, "commit");
      sqlite3_exec (self->db, "ROLLBACK;", NULL, NULL, NULL);
    }
  g_rec_mutex_unlock (&self->write_lock);
  return ok;
}

void
aqmp_backup_catalog_rollback (AqmpBackupCatalog *self)
{
  sqlite3_exec (self->db, "ROLLBACK;", NULL, NULL, NULL);
  g_rec_mutex_unlock (&self->write_lock);
}

gint64
aqmp_backup_catalog_add_chain (AqmpBackupCatalog *self, AqmpBackupChain *chain, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = aqmp_backup_catalog_prepare (self,
    "INSERT INTO backup_chains (machine, name, directory, bitmap, diff_bitmap, state, created)"
    " VALUES (?, ?, ?, ?, ?, 'open', ?);", error);

  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, chain->machine, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, chain->name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, chain->directory, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, chain->bitmap, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, chain->diff_bitmap, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 6, chain->created);
  chain->id = aqmp_backup_catalog_step_insert (self, stmt, error);
  chain->open = chain->id != 0;
  return chain->id;
}

/* every open chain of @machine but @except is closed: a newer full backup
 * started another, and no backup is added to them any more */
gboolean
aqmp_backup_catalog_close_chains (AqmpBackupCatalog *self, const gchar *machine, gint64 except, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = aqmp_backup_catalog_prepare (self,
    "UPDATE backup_chains SET state = 'closed', closed = ? WHERE machine = ? AND state = 'open' AND id != ?;",
    error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, g_get_real_time ());
  sqlite3_bind_text (stmt, 2, machine, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, except);
  return aqmp_backup_catalog_step (self, stmt, error);
}

gint64
aqmp_backup_catalog_add_backup (AqmpBackupCatalog *self, AqmpBackupRecord *backup, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = aqmp_backup_catalog_prepare (self,
    "INSERT INTO backups (chain, parent, level, requested, reason, state, quiesced, compressed, created)"
    " VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?);", error);

  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, backup->chain_id);
  if (backup->parent_id != 0)
    sqlite3_bind_int64 (stmt, 2, backup->parent_id);
  sqlite3_bind_text (stmt, 3, aqmp_backup_level_to_string (backup->level), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, aqmp_backup_level_to_string (backup->requested), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, backup->reason, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 6, backup->quiesced);
  sqlite3_bind_int (stmt, 7, backup->compressed);
  sqlite3_bind_int64 (stmt, 8, backup->created);
  backup->id = aqmp_backup_catalog_step_insert (self, stmt, error);
  return backup->id;
}

gboolean
aqmp_backup_catalog_finish_backup (AqmpBackupCatalog *self, gint64 id, AqmpBackupState state,
                                   const gchar *error_message, gint64 bytes, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = aqmp_backup_catalog_prepare (self,
    "UPDATE backups SET state = ?, error = ?, bytes = ?, finished = ? WHERE id = ?;", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, aqmp_backup_state_to_string (state), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, error_message, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, bytes);
  sqlite3_bind_int64 (stmt, 4, g_get_real_time ());
  sqlite3_bind_int64 (stmt, 5, id);
  return aqmp_backup_catalog_step (self, stmt, error);
}

gint64
aqmp_backup_catalog_add_image (AqmpBackupCatalog *self, AqmpBackupImage *image, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = aqmp_backup_catalog_prepare (self,
    "INSERT INTO backup_images (backup, disk, source, path, node, job_id, backing, virtual_size, bitmap)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?);", error);

  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, image->backup_id);
  sqlite3_bind_text (stmt, 2, image->disk, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, image->source, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, image->path, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, image->node, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 6, image->job_id, -1, SQLITE_TRANSIENT);
  if (image->backing_id != 0)
    sqlite3_bind_int64 (stmt, 7, image->backing_id);
  sqlite3_bind_int64 (stmt, 8, image->virtual_size);
  sqlite3_bind_text (stmt, 9, image->bitmap, -1, SQLITE_TRANSIENT);
  image->id = aqmp_backup_catalog_step_insert (self, stmt, error);
  return image->id;
}

/* the size and checksum once the image is written */
gboolean
aqmp_backup_catalog_update_image (AqmpBackupCatalog *self, AqmpBackupImage *image, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = aqmp_backup_catalog_prepare (self,
    "UPDATE backup_images SET size = ?, checksum = ? WHERE id = ?;", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, image->size);
  sqlite3_bind_text (stmt, 2, image->checksum, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, image->id);
  return aqmp_backup_catalog_step (self, stmt, error);
}

/* the chain's rows; its backups, images and job links go with it */
gboolean
aqmp_backup_catalog_delete_chain (AqmpBackupCatalog *self, gint64 id, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = aqmp_backup_catalog_prepare (self, "DELETE FROM backup_chains WHERE id = ?;", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  return aqmp_backup_catalog_step (self, stmt, error);
}

gboolean
aqmp_backup_catalog_set_chain_state (AqmpBackupCatalog *self, gint64 id, const gchar *state, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = aqmp_backup_catalog_prepare (self,
    "UPDATE backup_chains SET state = ?, closed = ? WHERE id = ?;", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, state, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time ());
  sqlite3_bind_int64 (stmt, 3, id);
  return aqmp_backup_catalog_step (self, stmt, error);
}

gboolean
aqmp_backup_catalog_add_job (AqmpBackupCatalog *self, gint64 backup_id, gint64 job_row,
                             const gchar *disk, const gchar *role, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = aqmp_backup_catalog_prepare (self,
    "INSERT INTO backup_jobs (backup, job, disk, role) VALUES (?, ?, ?, ?);", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, backup_id);
  sqlite3_bind_int64 (stmt, 2, job_row);
  sqlite3_bind_text (stmt, 3, disk, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, role, -1, SQLITE_STATIC);
  return aqmp_backup_catalog_step (self, stmt, error);
}

/* the backup a new one of the chain builds on: for an incremental, the
 * newest completed one that reset the chain's bitmap (a full or an
 * incremental); for a differential, the chain's full backup */
AqmpBackupRecord *
aqmp_backup_catalog_find_base (AqmpBackupCatalog *self, gint64 chain_id, AqmpBackupLevel level, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) rows = NULL;

  stmt = aqmp_backup_catalog_prepare (self,
    "SELECT " BACKUP_COLUMNS " FROM backups b JOIN backup_chains c ON c.id = b.chain"
    " WHERE b.chain = ? AND b.state = 'completed' AND (b.level = 'full' OR (? AND b.level = 'incremental'))"
    " ORDER BY b.id DESC LIMIT 1;", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, chain_id);
  sqlite3_bind_int (stmt, 2, level == AQMP_BACKUP_LEVEL_INCREMENTAL);
  rows = aqmp_backup_catalog_collect (self, stmt, (RowFunc) backup_from_row,
                                      (GDestroyNotify) aqmp_backup_record_unref, error);
  if (rows == NULL || rows->len == 0)
    return NULL;
  return g_ptr_array_steal_index (rows, 0);
}

AqmpBackupImage *
aqmp_backup_catalog_find_image (AqmpBackupCatalog *self, gint64 backup_id, const gchar *disk, GError **error)
{
  g_autoptr(GPtrArray) images = aqmp_backup_catalog_list_images (self, backup_id, error);

  if (images == NULL)
    return NULL;
  for (guint i = 0; i < images->len; i++)
    {
      AqmpBackupImage *image = g_ptr_array_index (images, i);
      if (g_strcmp0 (image->disk, disk) == 0)
        return aqmp_backup_image_ref (image);
    }
  g_set_error (error, AQMP_BACKUP_ERROR, AQMP_BACKUP_ERROR_NOT_FOUND,
               "Backup %" G_GINT64_FORMAT " has no image of disk %s", backup_id, disk);
  return NULL;
}
