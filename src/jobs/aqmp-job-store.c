/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "aqmp-job-error.h"
#include "aqmp-job-store-private.h"
#include "aqmp-job-store-sql.h"
#include "aqmp-machine-identity.h"
#include <aqmp/aqmp.h>

/**
 * AqmpJobStore:
 *
 * The history of jobs, kept in SQLite: every job a runner started or
 * adopted, with its machine, command and (redacted) arguments, each
 * status transition with its time, progress checkpoints, and the result.
 *
 * The database uses WAL and a busy timeout, so that a CLI and a daemon
 * may both write to it; every change is part of one explicit
 * transaction, so a process killed at any point leaves every committed
 * transition in place. Transitions, checkpoints and job types may also
 * be queued (aqmp_job_store_queue_transition() and the like) and written
 * many in one transaction by aqmp_job_store_flush(): a burst of events costs
 * one commit, not one each. Every other write to a job's row, every read
 * and the store's finalization write the queue first, in the same order;
 * aqmp_job_store_add_job() does not, as nothing queued can depend on the
 * row it adds.
 * The schema carries a version, and opening an older database migrates it
 * forward, one version after another.
 *
 * Each job's row says which machine it ran on twice: the name its runner
 * was given (`machine`: the address as typed, or aqmpd's machine name)
 * and the machine's identity (its normalised address, QEMU's pid, UUID
 * and name where known), which is what runners match jobs by.
 *
 * All times are microseconds since the epoch.
 *
 * Since: 0.1
 */

#define AQMP_JOB_STORE_BUSY_TIMEOUT_MS 5000

/* statements stay prepared for the store's lifetime (compiling one costs
 * more than running it); a use ends by resetting it, not finalizing it */
void
aqmp_job_store_stmt_release (AqmpJobStoreStmt *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

static void
aqmp_job_store_stmt_free (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

struct _AqmpJobStore {
  GObject parent_instance;
  gchar *path;
  sqlite3 *db;
  gint schema_version;
  GHashTable *statements;   /* SQL → sqlite3_stmt */
  GArray *pending;          /* AqmpJobStoreWrite, queued for one transaction */
  guint64 n_commits;
};

G_DEFINE_FINAL_TYPE (AqmpJobStore, aqmp_job_store, G_TYPE_OBJECT)

/* ----- the schema, one step per version ----- */

static const gchar *aqmp_job_store_schema_v1 =
  "CREATE TABLE IF NOT EXISTS schema (version INTEGER NOT NULL);"
  "CREATE TABLE jobs ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  machine TEXT NOT NULL,"
  "  job_id TEXT NOT NULL,"
  "  command TEXT NOT NULL,"
  "  arguments TEXT,"
  "  status TEXT NOT NULL DEFAULT 'undefined',"
  "  error TEXT,"
  "  created INTEGER NOT NULL,"
  "  finished INTEGER);"
  "CREATE TABLE transitions ("
  "  job INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,"
  "  status TEXT NOT NULL,"
  "  timestamp INTEGER NOT NULL);";

/* v2: results (lost and cancelled jobs need more than an error column),
 * job types, progress and its checkpoints, and indexes */
static const gchar *aqmp_job_store_schema_v2 =
  "ALTER TABLE jobs ADD COLUMN type TEXT;"
  "ALTER TABLE jobs ADD COLUMN result TEXT;"
  "ALTER TABLE jobs ADD COLUMN current_progress INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE jobs ADD COLUMN total_progress INTEGER NOT NULL DEFAULT 0;"
  "UPDATE jobs SET result = CASE WHEN error IS NULL THEN 'success' ELSE 'failed' END"
  "  WHERE finished IS NOT NULL;"
  "CREATE TABLE checkpoints ("
  "  job INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,"
  "  timestamp INTEGER NOT NULL,"
  "  current INTEGER NOT NULL,"
  "  total INTEGER NOT NULL);"
  "CREATE INDEX jobs_active ON jobs (machine, result);"
  "CREATE INDEX transitions_job ON transitions (job);"
  "CREATE INDEX checkpoints_job ON checkpoints (job);";

/* v3: the machine's identity, so that one QEMU reached by two spellings
 * of its address or through two monitors is one machine; who started the
 * job and the runner's flags, for whoever re-attaches it; a transition
 * is unique by its job, time and status, so that two runners following
 * one job store each transition once (duplicates kept before go). Rows from before keep what their
 * machine name tells of the address. */
static const gchar *aqmp_job_store_schema_v3 =
  "ALTER TABLE jobs ADD COLUMN address TEXT;"
  "ALTER TABLE jobs ADD COLUMN qemu_pid INTEGER;"
  "ALTER TABLE jobs ADD COLUMN qemu_pid_start INTEGER;"
  "ALTER TABLE jobs ADD COLUMN qemu_uuid TEXT;"
  "ALTER TABLE jobs ADD COLUMN qemu_name TEXT;"
  "ALTER TABLE jobs ADD COLUMN started_by_uid INTEGER;"
  "ALTER TABLE jobs ADD COLUMN start_flags INTEGER NOT NULL DEFAULT 0;"
  "UPDATE jobs SET address = machine"
  "  WHERE machine LIKE 'unix:/%' OR machine LIKE 'tcp:%' OR machine LIKE 'tls:%';"
  "UPDATE jobs SET address = 'unix:' || machine WHERE machine LIKE '/%';"
  "CREATE INDEX jobs_address ON jobs (address);"
  "CREATE INDEX jobs_job_id ON jobs (job_id);"
  "DELETE FROM transitions WHERE rowid NOT IN"
  "  (SELECT MIN(rowid) FROM transitions GROUP BY job, timestamp, status);"
  "DROP INDEX transitions_job;"
  "CREATE UNIQUE INDEX transitions_job ON transitions (job, timestamp, status);";

/* v4: the backup catalog of libaqmp-backup (AqmpBackupCatalog), in the
 * same database so that a backup's rows name the jobs that made it: chains
 * (one per full backup, with the bitmaps its incrementals and
 * differentials copy from), backups, their images (one per disk) and their
 * jobs. The tables are the catalog's to read and write. */
static const gchar *aqmp_job_store_schema_v4 =
  "CREATE TABLE backup_chains ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  machine TEXT NOT NULL,"
  "  name TEXT NOT NULL,"
  "  directory TEXT NOT NULL,"
  "  bitmap TEXT,"
  "  diff_bitmap TEXT,"
  "  state TEXT NOT NULL,"
  "  created INTEGER NOT NULL,"
  "  closed INTEGER);"
  "CREATE TABLE backups ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  chain INTEGER NOT NULL REFERENCES backup_chains (id) ON DELETE CASCADE,"
  "  parent INTEGER REFERENCES backups (id),"
  "  level TEXT NOT NULL,"
  "  requested TEXT NOT NULL,"
  "  reason TEXT,"
  "  state TEXT NOT NULL,"
  "  error TEXT,"
  "  quiesced INTEGER NOT NULL DEFAULT 0,"
  "  compressed INTEGER NOT NULL DEFAULT 0,"
  "  bytes INTEGER NOT NULL DEFAULT 0,"
  "  created INTEGER NOT NULL,"
  "  finished INTEGER);"
  "CREATE TABLE backup_images ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  backup INTEGER NOT NULL REFERENCES backups (id) ON DELETE CASCADE,"
  "  disk TEXT NOT NULL,"
  "  source TEXT,"
  "  path TEXT NOT NULL,"
  "  node TEXT,"
  "  job_id TEXT,"
  "  backing INTEGER REFERENCES backup_images (id),"
  "  virtual_size INTEGER NOT NULL,"
  "  size INTEGER,"
  "  bitmap TEXT,"
  "  checksum TEXT);"
  "CREATE TABLE backup_jobs ("
  "  backup INTEGER NOT NULL REFERENCES backups (id) ON DELETE CASCADE,"
  "  job INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,"
  "  disk TEXT,"
  "  role TEXT NOT NULL);"
  "CREATE INDEX backup_chains_machine ON backup_chains (machine, state);"
  "CREATE INDEX backups_chain ON backups (chain);"
  "CREATE INDEX backups_state ON backups (state);"
  "CREATE INDEX backup_images_backup ON backup_images (backup);"
  "CREATE INDEX backup_jobs_backup ON backup_jobs (backup);";

gboolean
aqmp_job_store_fail (AqmpJobStore *self, GError **error, const gchar *what)
{
  g_set_error (error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_STORE, "%s in %s: %s",
               what, self->path, sqlite3_errmsg (self->db));
  return FALSE;
}

static gboolean
aqmp_job_store_exec (AqmpJobStore *self, const gchar *sql, GError **error)
{
  gchar *msg = NULL;

  if (sqlite3_exec (self->db, sql, NULL, NULL, &msg) != SQLITE_OK)
    {
      g_set_error (error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_STORE, "cannot update %s: %s",
                   self->path, msg != NULL ? msg : sqlite3_errmsg (self->db));
      sqlite3_free (msg);
      return FALSE;
    }
  return TRUE;
}

AqmpJobStoreStmt *
aqmp_job_store_prepare (AqmpJobStore *self, const gchar *sql, GError **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->statements, sql);

  if (stmt != NULL)
    return stmt;
  if (sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
    {
      aqmp_job_store_fail (self, error, "cannot prepare a statement");
      return NULL;
    }
  g_hash_table_insert (self->statements, g_strdup (sql), stmt);
  return stmt;
}

/* runs a statement that returns no rows */
static gboolean
aqmp_job_store_step_done (AqmpJobStore *self, sqlite3_stmt *stmt, GError **error)
{
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return aqmp_job_store_fail (self, error, "cannot write");
  return TRUE;
}

/* runs a statement without a result, prepared once */
static gboolean
aqmp_job_store_run (AqmpJobStore *self, const gchar *sql, GError **error)
{
  g_autoptr(AqmpJobStoreStmt) stmt = aqmp_job_store_prepare (self, sql, error);

  return stmt != NULL && aqmp_job_store_step_done (self, stmt, error);
}

static gboolean
aqmp_job_store_begin (AqmpJobStore *self, GError **error)
{
  /* IMMEDIATE takes the write lock now, so the busy timeout applies */
  return aqmp_job_store_run (self, "BEGIN IMMEDIATE;", error);
}

static gboolean
aqmp_job_store_commit (AqmpJobStore *self, GError **error)
{
  if (!aqmp_job_store_run (self, "COMMIT;", error))
    return FALSE;
  self->n_commits++;
  return TRUE;
}

static void
aqmp_job_store_rollback (AqmpJobStore *self)
{
  if (!sqlite3_get_autocommit (self->db))
    aqmp_job_store_run (self, "ROLLBACK;", NULL);
}

static gint
aqmp_job_store_read_version (AqmpJobStore *self, GError **error)
{
  g_autoptr(AqmpJobStoreStmt) exists = NULL;
  g_autoptr(AqmpJobStoreStmt) stmt = NULL;

  exists = aqmp_job_store_prepare (self, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema';", error);
  if (exists == NULL)
    return -1;
  if (sqlite3_step (exists) != SQLITE_ROW)
    return 0;
  stmt = aqmp_job_store_prepare (self, "SELECT MAX(version) FROM schema;", error);
  if (stmt == NULL)
    return -1;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return 0;
  return sqlite3_column_int (stmt, 0);
}

/* inside the migration's transaction: each step falls through to the next */
static gboolean
aqmp_job_store_migrate_from (AqmpJobStore *self, gint version, GError **error)
{
  g_autoptr(AqmpJobStoreStmt) stamp = NULL;

  switch (version)
    {
    case 0:
      if (!aqmp_job_store_exec (self, aqmp_job_store_schema_v1, error))
        return FALSE;
      G_GNUC_FALLTHROUGH;
    case 1:
      if (!aqmp_job_store_exec (self, aqmp_job_store_schema_v2, error))
        return FALSE;
      G_GNUC_FALLTHROUGH;
    case 2:
      if (!aqmp_job_store_exec (self, aqmp_job_store_schema_v3, error))
        return FALSE;
      G_GNUC_FALLTHROUGH;
    case 3:
      if (!aqmp_job_store_exec (self, aqmp_job_store_schema_v4, error))
        return FALSE;
      G_GNUC_FALLTHROUGH;
    default:
      break;
    }
  if (!aqmp_job_store_exec (self, "DELETE FROM schema;", error))
    return FALSE;
  stamp = aqmp_job_store_prepare (self, "INSERT INTO schema (version) VALUES (?1);", error);
  if (stamp == NULL)
    return FALSE;
  sqlite3_bind_int (stamp, 1, AQMP_JOB_STORE_SCHEMA_VERSION);
  return aqmp_job_store_step_done (self, stamp, error);
}

static gboolean
aqmp_job_store_migrate (AqmpJobStore *self, GError **error)
{
  gint version;

  if (!aqmp_job_store_begin (self, error))
    return FALSE;
  version = aqmp_job_store_read_version (self, error);
  if (version < 0)
    {
      aqmp_job_store_rollback (self);
      return FALSE;
    }
  if (version > AQMP_JOB_STORE_SCHEMA_VERSION)
    {
      aqmp_job_store_rollback (self);
      g_set_error (error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_STORE,
                   "%s has schema version %d, newer than this program's %d",
                   self->path, version, AQMP_JOB_STORE_SCHEMA_VERSION);
      return FALSE;
    }
  if (version < AQMP_JOB_STORE_SCHEMA_VERSION)
    {
      g_debug ("migrating %s from schema version %d to %d", self->path, version,
               AQMP_JOB_STORE_SCHEMA_VERSION);
      if (!aqmp_job_store_migrate_from (self, version, error))
        {
          aqmp_job_store_rollback (self);
          g_prefix_error (error, "cannot migrate the job store from schema version %d: ", version);
          return FALSE;
        }
    }
  if (!aqmp_job_store_commit (self, error))
    {
      aqmp_job_store_rollback (self);
      return FALSE;
    }
  self->schema_version = AQMP_JOB_STORE_SCHEMA_VERSION;
  return TRUE;
}

/**
 * aqmp_job_store_get_default_path:
 *
 * Returns `$XDG_STATE_HOME/aqmp/jobs.db`, that is
 * `~/.local/state/aqmp/jobs.db` by default.
 *
 * Returns: (transfer full): `$XDG_STATE_HOME/aqmp/jobs.db`, that is
 *   `~/.local/state/aqmp/jobs.db` by default
 *
 * Since: 0.1
 */
gchar *
aqmp_job_store_get_default_path (void)
{
  return g_build_filename (g_get_user_state_dir (), "aqmp", "jobs.db", NULL);
}

/**
 * aqmp_job_store_new:
 * @path: (nullable) (type filename): the database file, or %NULL for
 *   aqmp_job_store_get_default_path(); `:memory:` keeps it in memory
 * @error: return location for a #GError
 *
 * Opens (creating it and its directory if needed) and migrates a job
 * store.
 *
 * Returns: (transfer full) (nullable): the store, or %NULL with @error set
 *   (%AQMP_JOB_ERROR_STORE)
 *
 * Since: 0.1
 */
AqmpJobStore *
aqmp_job_store_new (const gchar *path, GError **error)
{
  g_autoptr(AqmpJobStore) self = g_object_new (AQMP_TYPE_JOB_STORE, NULL);
  g_autofree gchar *dir = NULL;
  gint rc;

  self->path = path != NULL ? g_strdup (path) : aqmp_job_store_get_default_path ();
  if (g_strcmp0 (self->path, ":memory:") != 0)
    {
      dir = g_path_get_dirname (self->path);
      if (g_mkdir_with_parents (dir, 0700) != 0)
        {
          g_set_error (error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_STORE, "cannot create %s: %s",
                       dir, g_strerror (errno));
          return NULL;
        }
    }
  rc = sqlite3_open_v2 (self->path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_STORE, "cannot open %s: %s",
                   self->path, self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
      return NULL;
    }
  sqlite3_busy_timeout (self->db, AQMP_JOB_STORE_BUSY_TIMEOUT_MS);
  /* WAL: readers never block the writer; NORMAL is durable against a
   * killed process, which is what a job runner must survive */
  if (!aqmp_job_store_exec (self, "PRAGMA journal_mode = WAL;"
                                  "PRAGMA synchronous = NORMAL;"
                                  "PRAGMA foreign_keys = ON;", error))
    return NULL;
  if (!aqmp_job_store_migrate (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * aqmp_job_store_get_path:
 * @self: an #AqmpJobStore
 *
 * Returns the database file.
 *
 * Returns: (type filename): the database file
 *
 * Since: 0.1
 */
const gchar *
aqmp_job_store_get_path (AqmpJobStore *self)
{
  g_return_val_if_fail (AQMP_IS_JOB_STORE (self), NULL);
  return self->path;
}

/**
 * aqmp_job_store_get_schema_version:
 * @self: an #AqmpJobStore
 *
 * Returns the schema version of the open database, which is always
 * %AQMP_JOB_STORE_SCHEMA_VERSION once opened.
 *
 * Returns: the schema version of the open database, which is always
 *   %AQMP_JOB_STORE_SCHEMA_VERSION once opened
 *
 * Since: 0.1
 */
gint
aqmp_job_store_get_schema_version (AqmpJobStore *self)
{
  g_return_val_if_fail (AQMP_IS_JOB_STORE (self), 0);
  return self->schema_version;
}

/* ----- writing ----- */

static gchar *
aqmp_job_store_arguments_text (JsonObject *arguments)
{
  g_autoptr(JsonObject) redacted = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (arguments == NULL)
    return NULL;
  redacted = aqmp_redact_arguments (arguments);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, redacted);
  return aqmp_json_to_string (node, FALSE);
}

void
aqmp_job_store_bind_text_or_null (sqlite3_stmt *stmt, gint index, const gchar *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, index);
}

static void
aqmp_job_store_bind_int_or_null (sqlite3_stmt *stmt, gint index, gint64 value, gboolean known)
{
  if (known)
    sqlite3_bind_int64 (stmt, index, value);
  else
    sqlite3_bind_null (stmt, index);
}

/* the identity's five columns, from parameter @first on */
static void
aqmp_job_store_bind_identity (sqlite3_stmt *stmt, gint first, AqmpMachineIdentity *identity)
{
  gint64 pid = identity != NULL ? aqmp_machine_identity_get_pid (identity) : 0;
  gint64 pid_start = identity != NULL ? aqmp_machine_identity_get_pid_start (identity) : 0;

  aqmp_job_store_bind_text_or_null (stmt, first, identity != NULL ? aqmp_machine_identity_get_address (identity) : NULL);
  aqmp_job_store_bind_int_or_null (stmt, first + 1, pid, pid > 0);
  aqmp_job_store_bind_int_or_null (stmt, first + 2, pid_start, pid_start > 0);
  aqmp_job_store_bind_text_or_null (stmt, first + 3, identity != NULL ? aqmp_machine_identity_get_uuid (identity) : NULL);
  aqmp_job_store_bind_text_or_null (stmt, first + 4, identity != NULL ? aqmp_machine_identity_get_name (identity) : NULL);
}

/**
 * aqmp_job_store_add_job_full:
 * @machine: the machine's name, as the runner was given it
 * @identity: (nullable): the machine's identity
 * @flags: the #AqmpJobStartFlags the job was started with
 * @started_by_uid: who started it, or -1 when unknown
 *
 * aqmp_job_store_add_job(), with what a runner needs to find the job
 * again and treat it as its starter asked.
 */
gint64
aqmp_job_store_add_job_full (AqmpJobStore *self, const gchar *machine, AqmpMachineIdentity *identity,
                             const gchar *job_id, const gchar *command, JsonObject *arguments,
                             guint flags, gint64 started_by_uid, gint64 created, GError **error)
{
  g_autoptr(AqmpJobStoreStmt) stmt = NULL;
  g_autofree gchar *args_text = NULL;
  gint64 row;

  g_return_val_if_fail (AQMP_IS_JOB_STORE (self), 0);
  g_return_val_if_fail (machine != NULL && job_id != NULL && command != NULL, 0);

  args_text = aqmp_job_store_arguments_text (arguments);
  if (!aqmp_job_store_begin (self, error))
    return 0;
  stmt = aqmp_job_store_prepare (self, "INSERT INTO jobs (machine, job_id, command, arguments, created,"
                                       " start_flags, started_by_uid, address, qemu_pid, qemu_pid_start,"
                                       " qemu_uuid, qemu_name)"
                                       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12);", error);
  if (stmt == NULL)
    {
      aqmp_job_store_rollback (self);
      return 0;
    }
  sqlite3_bind_text (stmt, 1, machine, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, job_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, command, -1, SQLITE_TRANSIENT);
  aqmp_job_store_bind_text_or_null (stmt, 4, args_text);
  sqlite3_bind_int64 (stmt, 5, created);
  sqlite3_bind_int64 (stmt, 6, flags);
  aqmp_job_store_bind_int_or_null (stmt, 7, started_by_uid, started_by_uid >= 0);
  aqmp_job_store_bind_identity (stmt, 8, identity);
  if (!aqmp_job_store_step_done (self, stmt, error))
    {
      aqmp_job_store_rollback (self);
      return 0;
    }
  row = sqlite3_last_insert_rowid (self->db);
  if (!aqmp_job_store_commit (self, error))
    {
      aqmp_job_store_rollback (self);
      return 0;
    }
  return row;
}

/**
 * aqmp_job_store_add_job:
 * @self: an #AqmpJobStore
 * @machine: the machine the job runs on
 * @job_id: QEMU's `job-id`
 * @command: the QMP command that created the job
 * @arguments: (nullable): its arguments; secrets are redacted before
 *   they are stored (see aqmp_redact_arguments())
 * @created: when the job was started
 * @error: return location for a #GError
 *
 * Records a new, active job with status `undefined`. Its machine is known
 * by @machine alone: a job runner records the machine's identity too.
 *
 * Returns: the job's row id, or 0 with @error set
 *
 * Since: 0.1
 */
gint64
aqmp_job_store_add_job (AqmpJobStore *self, const gchar *machine, const gchar *job_id,
                        const gchar *command, JsonObject *arguments, gint64 created,
                        GError **error)
{
  return aqmp_job_store_add_job_full (self, machine, NULL, job_id, command, arguments, 0, -1, created, error);
}

/**
 * aqmp_job_store_set_job_identity:
 * @row: the job's row id
 * @identity: the identity of the machine it runs on
 *
 * Records the machine's identity for a job written without one (by a
 * version of aqmp that did not keep it), after the queued writes.
 */
gboolean
aqmp_job_store_set_job_identity (AqmpJobStore *self, gint64 row, AqmpMachineIdentity *identity, GError **error)
{
  g_autoptr(AqmpJobStoreStmt) stmt = NULL;

  g_return_val_if_fail (AQMP_IS_JOB_STORE (self), FALSE);

  if (!aqmp_job_store_flush (self, error) || !aqmp_job_store_begin (self, error))
    return FALSE;
  stmt = aqmp_job_store_prepare (self, "UPDATE jobs SET address = ?1, qemu_pid = ?2, qemu_pid_start = ?3,"
                                       " qemu_uuid = ?4, qemu_name = ?5 WHERE id = ?6;", error);
  if (stmt == NULL)
    {
      aqmp_job_store_rollback (self);
      return FALSE;
    }
  aqmp_job_store_bind_identity (stmt, 1, identity);
  sqlite3_bind_int64 (stmt, 6, row);
  if (!aqmp_job_store_step_done (self, stmt, error) || !aqmp_job_store_commit (self, error))
    {
      aqmp_job_store_rollback (self);
      return FALSE;
    }
  return TRUE;
}

/* ----- writes to a job's row, queued or at once ----- */

typedef enum {
  AQMP_JOB_STORE_WRITE_TRANSITION,
  AQMP_JOB_STORE_WRITE_CHECKPOINT,
  AQMP_JOB_STORE_WRITE_TYPE,
  AQMP_JOB_STORE_WRITE_FINISH,
  AQMP_JOB_STORE_WRITE_REOPEN,
  AQMP_JOB_STORE_N_WRITES
} AqmpJobStoreWriteKind;

/* what each kind of write does: @insert (or nothing) adds a row to the
 * job's history, and fails its foreign key when the job has no row;
 * @update sets columns of the job's row. Parameters: :row, :text (a
 * static name: a status or a result), :text2 (a copy the write owns),
 * :a, :b and :time */
static const struct {
  const gchar *insert;
  const gchar *update;
} aqmp_job_store_write_sql[AQMP_JOB_STORE_N_WRITES] = {
  [AQMP_JOB_STORE_WRITE_TRANSITION] = {
    /* a second runner following the same job brings the same events */
    "INSERT OR IGNORE INTO transitions (job, status, timestamp) VALUES (:row, :text, :time);",
    "UPDATE jobs SET status = :text WHERE id = :row;",
  },
  [AQMP_JOB_STORE_WRITE_CHECKPOINT] = {
    "INSERT INTO checkpoints (job, timestamp, current, total) VALUES (:row, :time, :a, :b);",
    "UPDATE jobs SET current_progress = :a, total_progress = :b WHERE id = :row;",
  },
  [AQMP_JOB_STORE_WRITE_TYPE] = {
    NULL,
    "UPDATE jobs SET type = :text2 WHERE id = :row;",
  },
  [AQMP_JOB_STORE_WRITE_FINISH] = {
    NULL,
    "UPDATE jobs SET result = :text, error = :text2, finished = :time WHERE id = :row;",
  },
  [AQMP_JOB_STORE_WRITE_REOPEN] = {
    NULL,
    "UPDATE jobs SET result = NULL, error = NULL, finished = NULL WHERE id = :row;",
  },
};

typedef struct {
  AqmpJobStoreWriteKind kind;
  gboolean superseded;      /* a later queued write of this kind sets the same columns */
  gint64 row;
  const gchar *text;
  gchar *text2;
  gint64 a;
  gint64 b;
  gint64 time;
} AqmpJobStoreWrite;

static void
aqmp_job_store_write_clear (gpointer data)
{
  AqmpJobStoreWrite *write = data;

  g_clear_pointer (&write->text2, g_free);
}

/* the writes that may be queued, as both their queued and immediate
 * forms make them */
static AqmpJobStoreWrite
aqmp_job_store_transition_write (gint64 row, AqmpJobStatus status, gint64 timestamp)
{
  return (AqmpJobStoreWrite) {
    .kind = AQMP_JOB_STORE_WRITE_TRANSITION,
    .row = row,
    .text = aqmp_job_status_to_string (status),
    .time = timestamp,
  };
}

static AqmpJobStoreWrite
aqmp_job_store_checkpoint_write (gint64 row, gint64 current, gint64 total, gint64 timestamp)
{
  return (AqmpJobStoreWrite) {
    .kind = AQMP_JOB_STORE_WRITE_CHECKPOINT,
    .row = row,
    .a = current,
    .b = total,
    .time = timestamp,
  };
}

static AqmpJobStoreWrite
aqmp_job_store_type_write (gint64 row, const gchar *type)
{
  return (AqmpJobStoreWrite) { .kind = AQMP_JOB_STORE_WRITE_TYPE, .row = row, .text2 = g_strdup (type) };
}

static AqmpJobStoreWrite
aqmp_job_store_finish_write (gint64 row, AqmpJobResult result, const gchar *error_message, gint64 finished)
{
  return (AqmpJobStoreWrite) {
    .kind = AQMP_JOB_STORE_WRITE_FINISH,
    .row = row,
    .text = aqmp_job_result_to_string (result),
    .text2 = g_strdup (error_message),
    .time = finished,
  };
}

static void
aqmp_job_store_warn (AqmpJobStore *self, const GError *error)
{
  g_warning ("job store %s: %s", self->path, error->message);
}

static void
aqmp_job_store_bind (sqlite3_stmt *stmt, const AqmpJobStoreWrite *write)
{
  gint n = sqlite3_bind_parameter_count (stmt);

  for (gint i = 1; i <= n; i++)
    {
      const gchar *name = sqlite3_bind_parameter_name (stmt, i);
      if (g_strcmp0 (name, ":row") == 0)
        sqlite3_bind_int64 (stmt, i, write->row);
      else if (g_strcmp0 (name, ":text") == 0 && write->text != NULL)
        sqlite3_bind_text (stmt, i, write->text, -1, SQLITE_STATIC);
      else if (g_strcmp0 (name, ":text2") == 0 && write->text2 != NULL)
        sqlite3_bind_text (stmt, i, write->text2, -1, SQLITE_TRANSIENT);
      else if (g_strcmp0 (name, ":a") == 0)
        sqlite3_bind_int64 (stmt, i, write->a);
      else if (g_strcmp0 (name, ":b") == 0)
        sqlite3_bind_int64 (stmt, i, write->b);
      else if (g_strcmp0 (name, ":time") == 0)
        sqlite3_bind_int64 (stmt, i, write->time);
      else
        sqlite3_bind_null (stmt, i);
    }
}

/* one statement of a write; *missing tells that the job has no row */
static gboolean
aqmp_job_store_step_write (AqmpJobStore *self, const gchar *sql, gboolean is_update,
                           const AqmpJobStoreWrite *write, gboolean *missing, GError **error)
{
  g_autoptr(AqmpJobStoreStmt) stmt = aqmp_job_store_prepare (self, sql, error);

  if (stmt == NULL)
    return FALSE;
  aqmp_job_store_bind (stmt, write);
  if (sqlite3_step (stmt) == SQLITE_DONE)
    {
      /* an UPDATE that found no row; an INSERT that adds nothing had it
       * already */
      *missing = is_update && sqlite3_changes (self->db) == 0;
      return TRUE;
    }
  /* the failed statement alone is undone; the transaction goes on */
  if (sqlite3_extended_errcode (self->db) == SQLITE_CONSTRAINT_FOREIGNKEY)
    {
      *missing = TRUE;
      return TRUE;
    }
  return aqmp_job_store_fail (self, error, "cannot write");
}

/* inside a transaction; *missing tells that the job has no row, and
 * nothing was written */
static gboolean
aqmp_job_store_apply (AqmpJobStore *self, const AqmpJobStoreWrite *write, gboolean *missing,
                      GError **error)
{
  const gchar *insert = aqmp_job_store_write_sql[write->kind].insert;
  const gchar *update = aqmp_job_store_write_sql[write->kind].update;

  if (insert != NULL && !aqmp_job_store_step_write (self, insert, FALSE, write, missing, error))
    return FALSE;
  if (*missing || write->superseded)
    return TRUE;
  return aqmp_job_store_step_write (self, update, TRUE, write, missing, error);
}

/* a burst brings many transitions of each job: only the last one of a
 * job in the queue needs to set its current status, and likewise for
 * the other kinds of writes */
static void
aqmp_job_store_mark_superseded (AqmpJobStore *self)
{
  guint n = self->pending->len;
  g_autofree gint64 *keys = g_new (gint64, n);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);

  for (guint i = n; i-- > 0;)
    {
      AqmpJobStoreWrite *write = &g_array_index (self->pending, AqmpJobStoreWrite, i);

      keys[i] = write->row * AQMP_JOB_STORE_N_WRITES + write->kind;
      write->superseded = !g_hash_table_add (seen, &keys[i]);
    }
}

/*
 * One transaction: every queued write in order, then @own if there is
 * one. The queue is empty afterwards: written, or lost with the failure
 * reported. A write for a job without a row is skipped: @own_missing
 * tells about @own, @n_missing counts the queued ones.
 */
static gboolean
aqmp_job_store_write_all (AqmpJobStore *self, const AqmpJobStoreWrite *own, gboolean *own_missing,
                          guint *n_missing, GError **error)
{
  guint n_queued = self->pending->len;
  gboolean ok = aqmp_job_store_begin (self, error);

  aqmp_job_store_mark_superseded (self);
  for (guint i = 0; ok && i < n_queued; i++)
    {
      gboolean missing = FALSE;

      ok = aqmp_job_store_apply (self, &g_array_index (self->pending, AqmpJobStoreWrite, i), &missing, error);
      *n_missing += missing ? 1 : 0;
    }
  if (ok && own != NULL)
    ok = aqmp_job_store_apply (self, own, own_missing, error);
  if (ok)
    ok = aqmp_job_store_commit (self, error);
  g_array_set_size (self->pending, 0);
  if (ok)
    return TRUE;
  aqmp_job_store_rollback (self);
  if (n_queued > 0)
    g_prefix_error (error, "%u queued write(s) lost: ", n_queued);
  return FALSE;
}

static gboolean
aqmp_job_store_check_missing (AqmpJobStore *self, guint n_missing, GError **error)
{
  if (n_missing == 0)
    return TRUE;
  g_set_error (error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_NOT_FOUND, "%u queued write(s) for jobs not in %s",
               n_missing, self->path);
  return FALSE;
}

/* @write now, in the transaction that writes the queue before it; the
 * queue's own trouble is its writer's, who is not the caller: warned */
static gboolean
aqmp_job_store_write_now (AqmpJobStore *self, AqmpJobStoreWrite *write, GError **error)
{
  g_autoptr(GError) queued_error = NULL;
  gboolean missing = FALSE;
  guint n_missing = 0;
  gboolean ok = aqmp_job_store_write_all (self, write, &missing, &n_missing, error);

  aqmp_job_store_write_clear (write);
  if (!aqmp_job_store_check_missing (self, n_missing, &queued_error))
    aqmp_job_store_warn (self, queued_error);
  if (!ok)
    return FALSE;
  if (missing)
    {
      g_set_error (error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_NOT_FOUND, "no such job in %s", self->path);
      return FALSE;
    }
  return TRUE;
}

/* before a read, so that it sees every write made so far */
void
aqmp_job_store_flush_quietly (AqmpJobStore *self)
{
  g_autoptr(GError) error = NULL;

  if (!aqmp_job_store_flush (self, &error))
    aqmp_job_store_warn (self, error);
}

/**
 * aqmp_job_store_queue_transition:
 * @self: an #AqmpJobStore
 * @row: the job's row id
 * @status: the status the job entered
 * @timestamp: when
 *
 * Queues a status transition, and the job's current status with it, for
 * the next aqmp_job_store_flush(). Every other write to a job's row,
 * every read and the store's finalization flush the queue first, so the
 * order of writes is kept (aqmp_job_store_add_job() does not: nothing
 * queued can depend on the row it adds); until then another process does
 * not see it, and a process killed before it loses it.
 *
 * Since: 0.1
 */
void
aqmp_job_store_queue_transition (AqmpJobStore *self, gint64 row, AqmpJobStatus status, gint64 timestamp)
{
  AqmpJobStoreWrite write = aqmp_job_store_transition_write (row, status, timestamp);

  g_return_if_fail (AQMP_IS_JOB_STORE (self));
  g_array_append_val (self->pending, write);
}

/**
 * aqmp_job_store_queue_checkpoint:
 * @self: an #AqmpJobStore
 * @row: the job's row id
 * @current: QEMU's `current-progress`
 * @total: QEMU's `total-progress`
 * @timestamp: when
 *
 * Queues a progress checkpoint, as aqmp_job_store_queue_transition()
 * does a transition.
 *
 * Since: 0.1
 */
void
aqmp_job_store_queue_checkpoint (AqmpJobStore *self, gint64 row, gint64 current, gint64 total,
                                 gint64 timestamp)
{
  AqmpJobStoreWrite write = aqmp_job_store_checkpoint_write (row, current, total, timestamp);

  g_return_if_fail (AQMP_IS_JOB_STORE (self));
  g_array_append_val (self->pending, write);
}

/**
 * aqmp_job_store_queue_job_type:
 * @self: an #AqmpJobStore
 * @row: the job's row id
 * @type: QEMU's `JobType`
 *
 * Queues the job's type, as aqmp_job_store_queue_transition() does a
 * transition.
 *
 * Since: 0.1
 */
void
aqmp_job_store_queue_job_type (AqmpJobStore *self, gint64 row, const gchar *type)
{
  AqmpJobStoreWrite write;

  g_return_if_fail (AQMP_IS_JOB_STORE (self));
  write = aqmp_job_store_type_write (row, type);
  g_array_append_val (self->pending, write);
}

/**
 * aqmp_job_store_flush:
 * @self: an #AqmpJobStore
 * @error: return location for a #GError
 *
 * Writes every queued write, in order, in one transaction. On failure
 * the queue is dropped, and @error says how many writes were lost.
 * Queued writes for jobs that are not in the store are skipped; the
 * others are committed.
 *
 * Returns: %TRUE on success (also when nothing was queued); %FALSE with
 *   @error set (%AQMP_JOB_ERROR_STORE, or %AQMP_JOB_ERROR_NOT_FOUND when
 *   writes were skipped)
 *
 * Since: 0.1
 */
gboolean
aqmp_job_store_flush (AqmpJobStore *self, GError **error)
{
  guint n_missing = 0;

  g_return_val_if_fail (AQMP_IS_JOB_STORE (self), FALSE);

  if (self->pending->len == 0)
    return TRUE;
  if (!aqmp_job_store_write_all (self, NULL, NULL, &n_missing, error))
    return FALSE;
  return aqmp_job_store_check_missing (self, n_missing, error);
}

/**
 * aqmp_job_store_get_n_commits:
 * @self: an #AqmpJobStore
 *
 * Returns the number of transactions this store committed since it was
 * opened, for statistics and tests.
 *
 * Returns: the number of transactions this store committed since it was
 *   opened, for statistics and tests
 *
 * Since: 0.1
 */
guint64
aqmp_job_store_get_n_commits (AqmpJobStore *self)
{
  g_return_val_if_fail (AQMP_IS_JOB_STORE (self), 0);
  return self->n_commits;
}

/**
 * aqmp_job_store_set_job_type:
 * @self: an #AqmpJobStore
 * @row: the job's row id
 * @type: QEMU's `JobType`
 * @error: return location for a #GError
 *
 * Records the job's type, after the queued writes and in their
 * transaction.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
aqmp_job_store_set_job_type (AqmpJobStore *self, gint64 row, const gchar *type, GError **error)
{
  AqmpJobStoreWrite write;

  g_return_val_if_fail (AQMP_IS_JOB_STORE (self), FALSE);
  write = aqmp_job_store_type_write (row, type);
  return aqmp_job_store_write_now (self, &write, error);
}

/**
 * aqmp_job_store_add_transition:
 * @self: an #AqmpJobStore
 * @row: the job's row id
 * @status: the status the job entered
 * @timestamp: when
 * @error: return location for a #GError
 *
 * Records a status transition, and the job's current status with it, at
 * once: in one transaction with the queued writes, which come first.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
aqmp_job_store_add_transition (AqmpJobStore *self, gint64 row, AqmpJobStatus status,
                               gint64 timestamp, GError **error)
{
  AqmpJobStoreWrite write = aqmp_job_store_transition_write (row, status, timestamp);

  g_return_val_if_fail (AQMP_IS_JOB_STORE (self), FALSE);
  return aqmp_job_store_write_now (self, &write, error);
}

/**
 * aqmp_job_store_add_checkpoint:
 * @self: an #AqmpJobStore
 * @row: the job's row id
 * @current: QEMU's `current-progress`
 * @total: QEMU's `total-progress`
 * @timestamp: when
 * @error: return location for a #GError
 *
 * Records a progress checkpoint at once, as
 * aqmp_job_store_add_transition() does a transition. The caller bounds
 * how often.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
aqmp_job_store_add_checkpoint (AqmpJobStore *self, gint64 row, gint64 current, gint64 total,
                               gint64 timestamp, GError **error)
{
  AqmpJobStoreWrite write = aqmp_job_store_checkpoint_write (row, current, total, timestamp);

  g_return_val_if_fail (AQMP_IS_JOB_STORE (self), FALSE);
  return aqmp_job_store_write_now (self, &write, error);
}

/**
 * aqmp_job_store_finish_job:
 * @self: an #AqmpJobStore
 * @row: the job's row id
 * @result: how the job ended
 * @error_message: (nullable): why it failed
 * @finished: when
 * @error: return location for a #GError
 *
 * Records the end of a job at once, after the queued writes and in their
 * transaction. It is no longer active.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
aqmp_job_store_finish_job (AqmpJobStore *self, gint64 row, AqmpJobResult result,
                           const gchar *error_message, gint64 finished, GError **error)
{
  AqmpJobStoreWrite write = aqmp_job_store_finish_write (row, result, error_message, finished);

  g_return_val_if_fail (AQMP_IS_JOB_STORE (self), FALSE);
  g_return_val_if_fail (result != AQMP_JOB_RESULT_NONE, FALSE);
  return aqmp_job_store_write_now (self, &write, error);
}

/* aqmp_job_store_finish_job() for the next aqmp_job_store_flush(), for a
 * runner that does nothing the result must precede until that flush (it
 * dismisses the job only then) */
void
aqmp_job_store_queue_finish (AqmpJobStore *self, gint64 row, AqmpJobResult result,
                             const gchar *error_message, gint64 finished)
{
  AqmpJobStoreWrite write;

  g_return_if_fail (AQMP_IS_JOB_STORE (self));
  g_return_if_fail (result != AQMP_JOB_RESULT_NONE);
  write = aqmp_job_store_finish_write (row, result, error_message, finished);
  g_array_append_val (self->pending, write);
}

/**
 * aqmp_job_store_reopen_job:
 * @self: an #AqmpJobStore
 * @row: the job's row id
 * @error: return location for a #GError
 *
 * Makes an ended job active again: QEMU still had it after all (the
 * connection was lost, not the machine).
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
aqmp_job_store_reopen_job (AqmpJobStore *self, gint64 row, GError **error)
{
  AqmpJobStoreWrite write = { .kind = AQMP_JOB_STORE_WRITE_REOPEN, .row = row };

  g_return_val_if_fail (AQMP_IS_JOB_STORE (self), FALSE);
  return aqmp_job_store_write_now (self, &write, error);
}

static void
aqmp_job_store_finalize (GObject *object)
{
  AqmpJobStore *self = AQMP_JOB_STORE (object);

  /* what is queued is written, then the statements go before the
   * database they belong to */
  if (self->db != NULL)
    aqmp_job_store_flush_quietly (self);
  g_array_unref (self->pending);
  g_hash_table_unref (self->statements);
  if (self->db != NULL)
    sqlite3_close_v2 (self->db);
  g_free (self->path);
  G_OBJECT_CLASS (aqmp_job_store_parent_class)->finalize (object);
}

static void
aqmp_job_store_class_init (AqmpJobStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = aqmp_job_store_finalize;
}

static void
aqmp_job_store_init (AqmpJobStore *self)
{
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            aqmp_job_store_stmt_free);
  self->pending = g_array_new (FALSE, FALSE, sizeof (AqmpJobStoreWrite));
  g_array_set_clear_func (self->pending, aqmp_job_store_write_clear);
}
