/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <sqlite3.h>

#include "aqmp-job-error.h"
#include "aqmp-job-store-private.h"
#include "aqmp-job-store-sql.h"

/* AqmpJobStore: reading the history; every read writes the queue first */

#define AQMP_JOB_STORE_COLUMNS \
  "id, machine, job_id, command, arguments, type, status, result, error," \
  " current_progress, total_progress, created, finished, address, qemu_pid," \
  " qemu_pid_start, qemu_uuid, qemu_name, started_by_uid, start_flags"

static void
aqmp_job_store_set_text (JsonObject *obj, const gchar *member, sqlite3_stmt *stmt, gint column)
{
  const gchar *text = (const gchar *) sqlite3_column_text (stmt, column);

  if (text == NULL)
    json_object_set_null_member (obj, member);
  else
    json_object_set_string_member (obj, member, text);
}

static void
aqmp_job_store_set_int (JsonObject *obj, const gchar *member, sqlite3_stmt *stmt, gint column)
{
  if (sqlite3_column_type (stmt, column) == SQLITE_NULL)
    json_object_set_null_member (obj, member);
  else
    json_object_set_int_member (obj, member, sqlite3_column_int64 (stmt, column));
}

static JsonObject *
aqmp_job_store_row_to_object (sqlite3_stmt *stmt)
{
  JsonObject *obj = json_object_new ();
  const gchar *args = (const gchar *) sqlite3_column_text (stmt, 4);
  g_autoptr(JsonNode) args_node = args != NULL ? aqmp_json_parse (args, -1, NULL) : NULL;

  json_object_set_int_member (obj, "id", sqlite3_column_int64 (stmt, 0));
  aqmp_job_store_set_text (obj, "machine", stmt, 1);
  aqmp_job_store_set_text (obj, "job-id", stmt, 2);
  aqmp_job_store_set_text (obj, "command", stmt, 3);
  if (args_node != NULL)
    json_object_set_member (obj, "arguments", g_steal_pointer (&args_node));
  else
    json_object_set_null_member (obj, "arguments");
  aqmp_job_store_set_text (obj, "type", stmt, 5);
  aqmp_job_store_set_text (obj, "status", stmt, 6);
  aqmp_job_store_set_text (obj, "result", stmt, 7);
  aqmp_job_store_set_text (obj, "error", stmt, 8);
  json_object_set_int_member (obj, "current-progress", sqlite3_column_int64 (stmt, 9));
  json_object_set_int_member (obj, "total-progress", sqlite3_column_int64 (stmt, 10));
  json_object_set_int_member (obj, "created", sqlite3_column_int64 (stmt, 11));
  aqmp_job_store_set_int (obj, "finished", stmt, 12);
  aqmp_job_store_set_text (obj, "address", stmt, 13);
  aqmp_job_store_set_int (obj, "qemu-pid", stmt, 14);
  aqmp_job_store_set_int (obj, "qemu-pid-start", stmt, 15);
  aqmp_job_store_set_text (obj, "qemu-uuid", stmt, 16);
  aqmp_job_store_set_text (obj, "qemu-name", stmt, 17);
  aqmp_job_store_set_int (obj, "started-by-uid", stmt, 18);
  json_object_set_int_member (obj, "start-flags", sqlite3_column_int64 (stmt, 19));
  return obj;
}

static JsonObject *
aqmp_job_store_get_one (AqmpJobStore *self, sqlite3_stmt *stmt, GError **error)
{
  gint rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW)
    return aqmp_job_store_row_to_object (stmt);
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
 * Returns: (transfer full) (nullable): the job as a JSON object with the
 *   members `id`, `machine`, `job-id`, `command`, `arguments`, `type`,
 *   `status`, `result` (null while active), `error`, `current-progress`,
 *   `total-progress`, `created` and `finished`; the machine's identity
 *   `address` (normalised), `qemu-pid`, `qemu-pid-start`, `qemu-uuid`
 *   and `qemu-name` (each null when unknown); `started-by-uid` (null
 *   when unknown) and `start-flags` (#AqmpJobStartFlags); or %NULL with
 *   @error set (%AQMP_JOB_ERROR_NOT_FOUND when there is no such row)
 */
JsonObject *
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
 * Returns: (transfer full) (nullable): the job, as for
 *   aqmp_job_store_get_job()
 */
JsonObject *
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
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  gint rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (jobs, aqmp_job_store_row_to_object (stmt));
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
 * Returns: (transfer full) (element-type Json.Object) (nullable): every
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
 * Returns: (transfer full) (element-type Json.Object) (nullable): the jobs,
 *   oldest first, as for aqmp_job_store_get_job()
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
 * Returns: (transfer full) (nullable): the job's transitions in order, as
 *   objects with `status` and `timestamp`
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
 * Returns: (transfer full) (nullable): the job's progress checkpoints in
 *   order, as objects with `timestamp`, `current` and `total`
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
