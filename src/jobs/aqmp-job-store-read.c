/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <sqlite3.h>

#include "aqmp-job-error.h"
#include "aqmp-job-record-private.h"
#include "aqmp-job-store-private.h"
#include "aqmp-job-store-sql.h"

/* AqmpJobStore: reading the history; every read writes the queue first */

#define AQMP_JOB_STORE_COLUMNS \
  "id, machine, job_id, command, arguments, type, status, result, error," \
  " current_progress, total_progress, created, finished, address, qemu_pid," \
  " qemu_pid_start, qemu_uuid, qemu_name, started_by_uid, start_flags"

static gchar *
aqmp_job_store_dup_text (sqlite3_stmt *stmt, gint column)
{
  return g_strdup ((const gchar *) sqlite3_column_text (stmt, column));
}

/* an unknown (NULL) integer is @unknown, as the record documents */
static gint64
aqmp_job_store_column_int (sqlite3_stmt *stmt, gint column, gint64 unknown)
{
  if (sqlite3_column_type (stmt, column) == SQLITE_NULL)
    return unknown;
  return sqlite3_column_int64 (stmt, column);
}

static AqmpJobRecord *
aqmp_job_store_row_to_record (sqlite3_stmt *stmt)
{
  AqmpJobRecord *record = aqmp_job_record_new ();
  const gchar *args = (const gchar *) sqlite3_column_text (stmt, 4);

  record->row = sqlite3_column_int64 (stmt, 0);
  record->machine = aqmp_job_store_dup_text (stmt, 1);
  record->job_id = aqmp_job_store_dup_text (stmt, 2);
  record->command = aqmp_job_store_dup_text (stmt, 3);
  record->arguments = args != NULL ? aqmp_json_parse (args, -1, NULL) : NULL;
  record->job_type = aqmp_job_store_dup_text (stmt, 5);
  record->status = aqmp_job_store_dup_text (stmt, 6);
  record->result = aqmp_job_store_dup_text (stmt, 7);
  record->error = aqmp_job_store_dup_text (stmt, 8);
  record->current_progress = sqlite3_column_int64 (stmt, 9);
  record->total_progress = sqlite3_column_int64 (stmt, 10);
  record->created = sqlite3_column_int64 (stmt, 11);
  record->finished = aqmp_job_store_column_int (stmt, 12, 0);
  record->address = aqmp_job_store_dup_text (stmt, 13);
  record->qemu_pid = MAX (aqmp_job_store_column_int (stmt, 14, 0), 0);
  record->qemu_pid_start = MAX (aqmp_job_store_column_int (stmt, 15, 0), 0);
  record->qemu_uuid = aqmp_job_store_dup_text (stmt, 16);
  record->qemu_name = aqmp_job_store_dup_text (stmt, 17);
  record->started_by_uid = MAX (aqmp_job_store_column_int (stmt, 18, -1), -1);
  record->start_flags = (guint) sqlite3_column_int64 (stmt, 19);
  return record;
}

static AqmpJobRecord *
aqmp_job_store_get_one (AqmpJobStore *self, sqlite3_stmt *stmt, GError **error)
{
  gint rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW)
    return aqmp_job_store_row_to_record (stmt);
  if (rc == SQLITE_DONE)
    g_set_error (error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_NOT_FOUND, "no such job in %s",
                 aqmp_job_store_get_path (self));
  else
    aqmp_job_store_fail (self, error, "cannot read");
  return NULL;
}

/**
 * aqmp_job_store_get_job:
 * @self: an #AqmpJobStore
 * @row: a row id
 * @error: return location for a #GError
 *
 * Returns the job, or %NULL with @error set (%AQMP_JOB_ERROR_NOT_FOUND when
 * there is no such row).
 *
 * Returns: (transfer full) (nullable): the job, or %NULL with @error set
 *   (%AQMP_JOB_ERROR_NOT_FOUND when there is no such row)
 *
 * Since: 0.1
 */
AqmpJobRecord *
aqmp_job_store_get_job (AqmpJobStore *self, gint64 row, GError **error)
{
  g_autoptr(AqmpJobStoreStmt) stmt = NULL;

  g_return_val_if_fail (AQMP_IS_JOB_STORE (self), NULL);
  aqmp_job_store_flush_quietly (self);
  stmt = aqmp_job_store_prepare (self, "SELECT " AQMP_JOB_STORE_COLUMNS " FROM jobs WHERE id = ?1;", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, row);
  return aqmp_job_store_get_one (self, stmt, error);
}

/* binds a machine filter: its name as given (?1) or its address (?3) */
static void
aqmp_job_store_bind_machine (sqlite3_stmt *stmt, const gchar *machine)
{
  g_autofree gchar *address = aqmp_machine_address_normalize (machine);

  aqmp_job_store_bind_text_or_null (stmt, 1, machine);
  aqmp_job_store_bind_text_or_null (stmt, 3, address);
}

#define AQMP_JOB_STORE_MACHINE_FILTER "(?1 IS NULL OR machine = ?1 OR address = ?3)"

/**
 * aqmp_job_store_find_job:
 * @self: an #AqmpJobStore
 * @machine: (nullable): the machine, or %NULL for any: its name as its
 *   runner was given it, or any spelling of its address
 *   (`unix:/x.sock` and `/x.sock` are one machine)
 * @job_id: QEMU's `job-id`
 * @error: return location for a #GError
 *
 * Finds the latest job with @job_id.
 *
 * Returns: (transfer full) (nullable): the job, or %NULL with @error set
 *   (%AQMP_JOB_ERROR_NOT_FOUND when there is none)
 *
 * Since: 0.1
 */
AqmpJobRecord *
aqmp_job_store_find_job (AqmpJobStore *self, const gchar *machine, const gchar *job_id, GError **error)
{
  g_autoptr(AqmpJobStoreStmt) stmt = NULL;

  g_return_val_if_fail (AQMP_IS_JOB_STORE (self), NULL);
  g_return_val_if_fail (job_id != NULL, NULL);
  aqmp_job_store_flush_quietly (self);
  stmt = aqmp_job_store_prepare (self, "SELECT " AQMP_JOB_STORE_COLUMNS " FROM jobs"
                                       " WHERE job_id = ?2 AND " AQMP_JOB_STORE_MACHINE_FILTER
                                       " ORDER BY id DESC LIMIT 1;", error);
  if (stmt == NULL)
    return NULL;
  aqmp_job_store_bind_machine (stmt, machine);
  sqlite3_bind_text (stmt, 2, job_id, -1, SQLITE_TRANSIENT);
  return aqmp_job_store_get_one (self, stmt, error);
}

/* every row of @stmt, stepped to the end */
static GPtrArray *
aqmp_job_store_get_all (AqmpJobStore *self, sqlite3_stmt *stmt, GError **error)
{
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) aqmp_job_record_unref);
  gint rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (jobs, aqmp_job_store_row_to_record (stmt));
  if (rc != SQLITE_DONE)
    {
      aqmp_job_store_fail (self, error, "cannot read");
      return NULL;
    }
  return g_steal_pointer (&jobs);
}

/**
 * aqmp_job_store_find_jobs:
 * @job_id: QEMU's `job-id`
 *
 * Returns: (transfer container) (element-type AqmpJobRecord) (nullable): every
 *   job with @job_id on any machine, the newest first
 */
GPtrArray *
aqmp_job_store_find_jobs (AqmpJobStore *self, const gchar *job_id, GError **error)
{
  g_autoptr(AqmpJobStoreStmt) stmt = NULL;

  g_return_val_if_fail (AQMP_IS_JOB_STORE (self), NULL);
  g_return_val_if_fail (job_id != NULL, NULL);
  aqmp_job_store_flush_quietly (self);
  stmt = aqmp_job_store_prepare (self, "SELECT " AQMP_JOB_STORE_COLUMNS " FROM jobs WHERE job_id = ?1"
                                       " ORDER BY id DESC;", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, job_id, -1, SQLITE_TRANSIENT);
  return aqmp_job_store_get_all (self, stmt, error);
}

/**
 * aqmp_job_store_list_jobs:
 * @self: an #AqmpJobStore
 * @machine: (nullable): only this machine's jobs, or %NULL for all; the
 *   machine as for aqmp_job_store_find_job()
 * @active_only: only jobs without a result
 * @error: return location for a #GError
 *
 * Returns the jobs, oldest first.
 *
 * Returns: (transfer container) (element-type AqmpJobRecord) (nullable): the
 *   jobs, oldest first
 *
 * Since: 0.1
 */
GPtrArray *
aqmp_job_store_list_jobs (AqmpJobStore *self, const gchar *machine, gboolean active_only, GError **error)
{
  g_autoptr(AqmpJobStoreStmt) stmt = NULL;

  g_return_val_if_fail (AQMP_IS_JOB_STORE (self), NULL);
  aqmp_job_store_flush_quietly (self);
  stmt = aqmp_job_store_prepare (self, "SELECT " AQMP_JOB_STORE_COLUMNS " FROM jobs"
                                       " WHERE " AQMP_JOB_STORE_MACHINE_FILTER
                                       " AND (?2 = 0 OR result IS NULL)"
                                       " ORDER BY id;", error);
  if (stmt == NULL)
    return NULL;
  aqmp_job_store_bind_machine (stmt, machine);
  sqlite3_bind_int (stmt, 2, active_only ? 1 : 0);
  return aqmp_job_store_get_all (self, stmt, error);
}

/**
 * aqmp_job_store_list_recent_jobs:
 * @self: an #AqmpJobStore
 * @machine: (nullable): only this machine's jobs, or %NULL for all; the
 *   machine as for aqmp_job_store_find_job()
 * @active_only: only jobs without a result
 * @offset: how many of the newest jobs to skip
 * @limit: the most jobs to return, 0 for all
 * @error: return location for a #GError
 *
 * One page of the history, the newest first, read in SQL: page N of a
 * size S is @offset N × S and @limit S. A job added between two pages
 * moves the later pages by one.
 *
 * Returns: (transfer container) (element-type AqmpJobRecord) (nullable): the
 *   jobs, newest first
 *
 * Since: 0.1
 */
GPtrArray *
aqmp_job_store_list_recent_jobs (AqmpJobStore *self, const gchar *machine, gboolean active_only,
                                 guint offset, guint limit, GError **error)
{
  g_autoptr(AqmpJobStoreStmt) stmt = NULL;

  g_return_val_if_fail (AQMP_IS_JOB_STORE (self), NULL);
  aqmp_job_store_flush_quietly (self);
  stmt = aqmp_job_store_prepare (self, "SELECT " AQMP_JOB_STORE_COLUMNS " FROM jobs"
                                       " WHERE " AQMP_JOB_STORE_MACHINE_FILTER
                                       " AND (?2 = 0 OR result IS NULL)"
                                       " ORDER BY id DESC LIMIT ?4 OFFSET ?5;", error);
  if (stmt == NULL)
    return NULL;
  aqmp_job_store_bind_machine (stmt, machine);
  sqlite3_bind_int (stmt, 2, active_only ? 1 : 0);
  /* a negative limit is none */
  sqlite3_bind_int64 (stmt, 4, limit > 0 ? (gint64) limit : -1);
  sqlite3_bind_int64 (stmt, 5, offset);
  return aqmp_job_store_get_all (self, stmt, error);
}

/* the rows @sql selects for job @row, in order, each as an object whose
 * members are its columns (text or integer) */
static JsonArray *
aqmp_job_store_get_history (AqmpJobStore *self, const gchar *sql, gint64 row, GError **error)
{
  g_autoptr(AqmpJobStoreStmt) stmt = NULL;
  g_autoptr(JsonArray) array = json_array_new ();
  gint rc;

  aqmp_job_store_flush_quietly (self);
  stmt = aqmp_job_store_prepare (self, sql, error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, row);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *obj = json_object_new ();

      for (gint i = 0; i < sqlite3_column_count (stmt); i++)
        {
          const gchar *name = sqlite3_column_name (stmt, i);

          if (sqlite3_column_type (stmt, i) == SQLITE_TEXT)
            json_object_set_string_member (obj, name, (const gchar *) sqlite3_column_text (stmt, i));
          else
            json_object_set_int_member (obj, name, sqlite3_column_int64 (stmt, i));
        }
      json_array_add_object_element (array, obj);
    }
  if (rc != SQLITE_DONE)
    {
      aqmp_job_store_fail (self, error, "cannot read");
      return NULL;
    }
  return g_steal_pointer (&array);
}

/**
 * aqmp_job_store_get_transitions:
 * @self: an #AqmpJobStore
 * @row: the job's row id
 * @error: return location for a #GError
 *
 * Returns the job's transitions in order, as objects with `status` and
 * `timestamp`.
 *
 * Returns: (transfer full) (nullable): the job's transitions in order, as
 *   objects with `status` and `timestamp`
 *
 * Since: 0.1
 */
JsonArray *
aqmp_job_store_get_transitions (AqmpJobStore *self, gint64 row, GError **error)
{
  g_return_val_if_fail (AQMP_IS_JOB_STORE (self), NULL);
  return aqmp_job_store_get_history (self, "SELECT status, timestamp FROM transitions WHERE job = ?1"
                                           " ORDER BY rowid;", row, error);
}

/**
 * aqmp_job_store_get_checkpoints:
 * @self: an #AqmpJobStore
 * @row: the job's row id
 * @error: return location for a #GError
 *
 * Returns the job's progress checkpoints in order, as objects with
 * `timestamp`, `current` and `total`.
 *
 * Returns: (transfer full) (nullable): the job's progress checkpoints in
 *   order, as objects with `timestamp`, `current` and `total`
 *
 * Since: 0.1
 */
JsonArray *
aqmp_job_store_get_checkpoints (AqmpJobStore *self, gint64 row, GError **error)
{
  g_return_val_if_fail (AQMP_IS_JOB_STORE (self), NULL);
  return aqmp_job_store_get_history (self, "SELECT timestamp, current, total FROM checkpoints"
                                           " WHERE job = ?1 ORDER BY rowid;", row, error);
}

/**
 * aqmp_job_store_check_integrity:
 * @self: an #AqmpJobStore
 * @error: return location for a #GError
 *
 * Runs `PRAGMA integrity_check`.
 *
 * Returns: (transfer full) (nullable): SQLite's verdict, `"ok"` for a
 *   sound database
 *
 * Since: 0.1
 */
gchar *
aqmp_job_store_check_integrity (AqmpJobStore *self, GError **error)
{
  g_autoptr(AqmpJobStoreStmt) stmt = NULL;
  g_autoptr(GString) verdict = g_string_new (NULL);
  gint rc;

  g_return_val_if_fail (AQMP_IS_JOB_STORE (self), NULL);
  aqmp_job_store_flush_quietly (self);
  stmt = aqmp_job_store_prepare (self, "PRAGMA integrity_check;", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (verdict->len > 0)
        g_string_append_c (verdict, '\n');
      g_string_append (verdict, (const gchar *) sqlite3_column_text (stmt, 0));
    }
  if (rc != SQLITE_DONE)
    {
      aqmp_job_store_fail (self, error, "cannot check");
      return NULL;
    }
  return g_string_free (g_steal_pointer (&verdict), FALSE);
}
