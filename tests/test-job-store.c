/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * AqmpJobStore and AqmpJobRecord without QEMU: writing, queueing,
 * migrating, the record's forms and paging through the history.
 */
#include <string.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include <aqmp/aqmp-jobs.h>

#include "aqmp-test-jobs.h"
#include "aqmp-test-qemu.h"

static void
test_redact (void)
{
  g_autoptr(JsonObject) args = aqmp_test_object_from_json (
    "{\"qom-type\": \"secret\", \"id\": \"sec0\", \"data\": \"hunter2\","
    " \"nested\": {\"password\": \"p\", \"list\": [{\"new-password\": \"q\"}, 1, \"x\"],"
    " \"key-secret\": \"sec0\", \"ssh-password\": \"s\"},"
    " \"device\": \"drive0\", \"speed\": 5}");
  g_autoptr(JsonObject) redacted = aqmp_redact_arguments (args);
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree gchar *text = NULL;
  JsonObject *nested;

  json_node_set_object (node, redacted);
  text = json_to_string (node, FALSE);
  g_test_message ("%s", text);
  g_assert_null (strstr (text, "hunter2"));
  g_assert_cmpstr (json_object_get_string_member (redacted, "data"), ==, AQMP_REDACTED);
  nested = json_object_get_object_member (redacted, "nested");
  g_assert_cmpstr (json_object_get_string_member (nested, "password"), ==, AQMP_REDACTED);
  g_assert_cmpstr (json_object_get_string_member (nested, "ssh-password"), ==, AQMP_REDACTED);
  g_assert_cmpstr (json_object_get_string_member (
                     json_array_get_object_element (json_object_get_array_member (nested, "list"), 0),
                     "new-password"), ==, AQMP_REDACTED);
  g_assert_cmpstr (json_object_get_string_member (redacted, "device"), ==, "drive0");
  g_assert_cmpint (json_object_get_int_member (redacted, "speed"), ==, 5);
  /* the original is untouched */
  g_assert_cmpstr (json_object_get_string_member (args, "data"), ==, "hunter2");
}

static void
test_store_basic (void)
{
  g_autofree gchar *dir = aqmp_test_make_dir ();
  g_autofree gchar *path = g_build_filename (dir, "sub", "jobs.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpJobStore) store = aqmp_job_store_new (path, &error);
  g_autoptr(JsonObject) args = aqmp_test_object_from_json ("{\"device\": \"d\", \"password\": \"secret!\"}");
  g_autoptr(AqmpJobRecord) record = NULL;
  g_autoptr(GPtrArray) active = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autofree gchar *transitions = NULL;
  gint64 row;

  g_assert_no_error (error);
  g_assert_cmpint (aqmp_job_store_get_schema_version (store), ==, AQMP_JOB_STORE_SCHEMA_VERSION);
  row = aqmp_job_store_add_job (store, "m1", "job-a", "blockdev-backup", args, 1000, &error);
  g_assert_no_error (error);
  g_assert_cmpint (row, >, 0);
  g_assert_true (aqmp_job_store_add_transition (store, row, AQMP_JOB_STATUS_CREATED, 1001, &error));
  g_assert_true (aqmp_job_store_add_transition (store, row, AQMP_JOB_STATUS_RUNNING, 1002, &error));
  g_assert_true (aqmp_job_store_add_checkpoint (store, row, 10, 100, 1003, &error));
  g_assert_true (aqmp_job_store_set_job_type (store, row, "backup", &error));
  g_assert_no_error (error);

  active = aqmp_job_store_list_jobs (store, "m1", TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (active->len, ==, 1);
  g_assert_true (aqmp_job_store_finish_job (store, row, AQMP_JOB_RESULT_SUCCESS, NULL, 2000, &error));
  g_clear_pointer (&active, g_ptr_array_unref);
  active = aqmp_job_store_list_jobs (store, "m1", TRUE, &error);
  g_assert_cmpuint (active->len, ==, 0);
  all = aqmp_job_store_list_jobs (store, NULL, FALSE, &error);
  g_assert_cmpuint (all->len, ==, 1);

  record = aqmp_job_store_find_job (store, "m1", "job-a", &error);
  g_assert_no_error (error);
  g_assert_cmpint (aqmp_job_record_get_status (record), ==, AQMP_JOB_STATUS_RUNNING);
  g_assert_cmpint (aqmp_job_record_get_result (record), ==, AQMP_JOB_RESULT_SUCCESS);
  g_assert_cmpstr (aqmp_job_record_get_job_type (record), ==, "backup");
  g_assert_cmpint (aqmp_job_record_get_current_progress (record), ==, 10);
  g_assert_cmpstr (json_object_get_string_member (aqmp_job_record_get_arguments (record), "password"),
                   ==, AQMP_REDACTED);
  transitions = aqmp_test_job_transitions (store, row);
  g_assert_cmpstr (transitions, ==, "created,running");

  g_assert_null (aqmp_job_store_get_job (store, 999, &error));
  g_assert_error (error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (aqmp_job_store_add_transition (store, 999, AQMP_JOB_STATUS_RUNNING, 1, &error));
  g_assert_error (error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_NOT_FOUND);
  g_clear_error (&error);
  aqmp_test_job_assert_integrity (store);
  g_clear_object (&store);
  aqmp_test_remove_dir (dir);
}

/* queued writes: in order, in one transaction, invisible elsewhere until
 * flushed; a read flushes first */
static void
test_store_queue (void)
{
  g_autofree gchar *dir = aqmp_test_make_dir ();
  g_autofree gchar *path = g_build_filename (dir, "jobs.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpJobStore) store = aqmp_job_store_new (path, &error);
  g_autoptr(AqmpJobStore) other = NULL;
  g_autoptr(JsonArray) seen = NULL;
  g_autoptr(AqmpJobRecord) record = NULL;
  g_autoptr(JsonArray) transitions = NULL;
  g_autoptr(JsonArray) checkpoints = NULL;
  guint64 commits;
  gint64 row;

  g_assert_no_error (error);
  row = aqmp_job_store_add_job (store, "m1", "job-a", "blockdev-backup", NULL, 1000, &error);
  g_assert_no_error (error);
  other = aqmp_job_store_new (path, &error);
  g_assert_no_error (error);

  commits = aqmp_job_store_get_n_commits (store);
  for (gint i = 0; i < 100; i++)
    aqmp_job_store_queue_transition (store, row, i % 2 ? AQMP_JOB_STATUS_PAUSED : AQMP_JOB_STATUS_RUNNING,
                                     2000 + i);
  aqmp_job_store_queue_checkpoint (store, row, 5, 10, 3000);
  aqmp_job_store_queue_job_type (store, row, "backup");
  g_assert_cmpuint (aqmp_job_store_get_n_commits (store), ==, commits);
  /* another connection does not see the queue yet */
  seen = aqmp_job_store_get_transitions (other, row, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (seen), ==, 0);

  g_assert_true (aqmp_job_store_flush (store, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (aqmp_job_store_get_n_commits (store), ==, commits + 1);
  g_assert_true (aqmp_job_store_flush (store, &error));
  g_assert_cmpuint (aqmp_job_store_get_n_commits (store), ==, commits + 1);

  transitions = aqmp_job_store_get_transitions (other, row, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (transitions), ==, 100);
  for (guint i = 0; i < 100; i++)
    {
      JsonObject *t = json_array_get_object_element (transitions, i);
      g_assert_cmpstr (json_object_get_string_member (t, "status"), ==, i % 2 ? "paused" : "running");
      g_assert_cmpint (json_object_get_int_member (t, "timestamp"), ==, 2000 + i);
    }
  record = aqmp_job_store_get_job (other, row, &error);
  g_assert_no_error (error);
  g_assert_cmpint (aqmp_job_record_get_status (record), ==, AQMP_JOB_STATUS_PAUSED);
  g_assert_cmpstr (aqmp_job_record_get_job_type (record), ==, "backup");
  g_assert_cmpint (aqmp_job_record_get_current_progress (record), ==, 5);

  /* a read on the queuing store writes the queue first */
  aqmp_job_store_queue_transition (store, row, AQMP_JOB_STATUS_WAITING, 4000);
  checkpoints = aqmp_job_store_get_checkpoints (store, row, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (checkpoints), ==, 1);
  g_clear_pointer (&transitions, json_array_unref);
  transitions = aqmp_job_store_get_transitions (other, row, &error);
  g_assert_cmpuint (json_array_get_length (transitions), ==, 101);

  /* so does a write made at once, in the same transaction */
  commits = aqmp_job_store_get_n_commits (store);
  aqmp_job_store_queue_transition (store, row, AQMP_JOB_STATUS_PENDING, 4001);
  aqmp_job_store_queue_transition (store, row, AQMP_JOB_STATUS_CONCLUDED, 4002);
  g_assert_true (aqmp_job_store_finish_job (store, row, AQMP_JOB_RESULT_SUCCESS, NULL, 4003, &error));
  g_assert_cmpuint (aqmp_job_store_get_n_commits (store), ==, commits + 1);
  g_clear_pointer (&record, aqmp_job_record_unref);
  record = aqmp_job_store_get_job (other, row, &error);
  g_assert_cmpint (aqmp_job_record_get_status (record), ==, AQMP_JOB_STATUS_CONCLUDED);
  g_assert_cmpint (aqmp_job_record_get_result (record), ==, AQMP_JOB_RESULT_SUCCESS);

  /* a queued write for a job that is not there is skipped, the rest kept */
  aqmp_job_store_queue_transition (store, 999, AQMP_JOB_STATUS_RUNNING, 5000);
  aqmp_job_store_queue_transition (store, row, AQMP_JOB_STATUS_NULL, 5001);
  g_assert_false (aqmp_job_store_flush (store, &error));
  g_assert_error (error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_clear_pointer (&transitions, json_array_unref);
  transitions = aqmp_job_store_get_transitions (other, row, &error);
  g_assert_cmpuint (json_array_get_length (transitions), ==, 104);

  /* finalizing the store writes what is left */
  aqmp_job_store_queue_checkpoint (store, row, 10, 10, 6000);
  g_clear_object (&store);
  g_clear_pointer (&checkpoints, json_array_unref);
  checkpoints = aqmp_job_store_get_checkpoints (other, row, &error);
  g_assert_cmpuint (json_array_get_length (checkpoints), ==, 2);
  aqmp_test_job_assert_integrity (other);
  g_clear_object (&other);
  aqmp_test_remove_dir (dir);
}

static void
test_store_migrate_v1 (void)
{
  g_autofree gchar *dir = aqmp_test_make_dir ();
  g_autofree gchar *path = g_build_filename (dir, "jobs-v1.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpJobStore) store = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) active = NULL;
  g_autoptr(AqmpJobRecord) failed = NULL;
  g_autofree gchar *transitions = NULL;
  gint64 row;

  /* the fixture is SQL text in git, made into a database here */
  store = aqmp_test_job_store_from_fixture ("jobs-v1.sql", path);
  all = aqmp_job_store_list_jobs (store, NULL, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 3);
  /* version 1 had no results: they were derived from error and finished */
  g_assert_cmpint (aqmp_job_record_get_result (g_ptr_array_index (all, 0)), ==, AQMP_JOB_RESULT_SUCCESS);
  g_assert_cmpint (aqmp_job_record_get_result (g_ptr_array_index (all, 1)), ==, AQMP_JOB_RESULT_FAILED);
  g_assert_true (aqmp_job_record_is_active (g_ptr_array_index (all, 2)));
  active = aqmp_job_store_list_jobs (store, "unix:/run/vm2.sock", TRUE, &error);
  g_assert_cmpuint (active->len, ==, 1);
  failed = aqmp_job_store_find_job (store, NULL, "backup-2", &error);
  g_assert_cmpstr (aqmp_job_record_get_error (failed), ==, "Input/output error");
  transitions = aqmp_test_job_transitions (store, aqmp_job_record_get_row (failed));
  g_assert_cmpstr (transitions, ==, "created,running,aborting,concluded,null");

  /* and the new columns and tables work */
  row = aqmp_job_record_get_row (g_ptr_array_index (all, 2));
  g_assert_true (aqmp_job_store_add_checkpoint (store, row, 5, 10, 1, &error));
  g_assert_true (aqmp_job_store_set_job_type (store, row, "mirror", &error));
  g_assert_no_error (error);
  aqmp_test_job_assert_integrity (store);

  /* reopening is a no-op */
  g_clear_object (&store);
  store = aqmp_job_store_new (path, &error);
  g_assert_no_error (error);
  g_clear_object (&store);
  aqmp_test_remove_dir (dir);
}

static void
test_store_too_new (void)
{
  g_autofree gchar *dir = aqmp_test_make_dir ();
  g_autofree gchar *path = g_build_filename (dir, "jobs.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpJobStore) store = NULL;
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE schema (version INTEGER NOT NULL);"
                                     "INSERT INTO schema VALUES (99);", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  store = aqmp_job_store_new (path, &error);
  g_assert_null (store);
  g_assert_error (error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_STORE);
  g_assert_nonnull (strstr (error->message, "99"));
  aqmp_test_remove_dir (dir);
}

static void
test_default_path (void)
{
  g_autofree gchar *path = aqmp_job_store_get_default_path ();

  g_assert_true (g_str_has_suffix (path, "/aqmp/jobs.db"));
  g_assert_true (g_str_has_prefix (path, g_get_user_state_dir ()));
}

/* ----- the record ----- */

static AqmpJobRecord *
get_record (AqmpJobStore *store, gint64 row)
{
  g_autoptr(GError) error = NULL;
  AqmpJobRecord *record = aqmp_job_store_get_job (store, row, &error);

  g_assert_no_error (error);
  g_assert_nonnull (record);
  return record;
}

static gchar *
record_json (AqmpJobRecord *record)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, aqmp_job_record_to_json (record));
  return aqmp_json_to_string (node, FALSE);
}

/* every key of the JSON form that has a value, of the type D-Bus gives */
static void
assert_variant_matches_json (AqmpJobRecord *record)
{
  g_autoptr(JsonObject) json = aqmp_job_record_to_json (record);
  g_autoptr(GVariant) variant = g_variant_ref_sink (aqmp_job_record_to_variant (record));
  g_autoptr(GList) members = json_object_get_members (json);
  guint n = 0;

  g_assert_true (g_variant_is_of_type (variant, G_VARIANT_TYPE_VARDICT));
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (json, l->data);
      g_autoptr(GVariant) value = g_variant_lookup_value (variant, l->data, NULL);

      if (JSON_NODE_HOLDS_NULL (node))
        {
          g_assert_null (value);
          continue;
        }
      n++;
      g_assert_nonnull (value);
      if (JSON_NODE_HOLDS_OBJECT (node))
        {
          g_autofree gchar *text = aqmp_json_to_string (node, FALSE);
          g_assert_cmpstr (g_variant_get_string (value, NULL), ==, text);
        }
      else if (json_node_get_value_type (node) == G_TYPE_INT64)
        g_assert_cmpint (g_variant_get_int64 (value), ==, json_node_get_int (node));
      else
        g_assert_cmpstr (g_variant_get_string (value, NULL), ==, json_node_get_string (node));
    }
  g_assert_cmpuint (g_variant_n_children (variant), ==, n);
}

/* a record's accessors, its JSON form (what `aqmp job list --json`
 * prints) and its a{sv} form (what GetJobHistory gives), for a row as a
 * job starts and as it ended */
static void
test_record_forms (void)
{
  g_autofree gchar *dir = aqmp_test_make_dir ();
  g_autofree gchar *path = g_build_filename (dir, "jobs.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpJobStore) store = aqmp_job_store_new (path, &error);
  g_autoptr(JsonObject) args = aqmp_test_object_from_json ("{\"device\": \"d\", \"password\": \"secret!\"}");
  g_autoptr(AqmpJobRecord) record = NULL;
  g_autofree gchar *json = NULL;
  gint64 row;

  g_assert_no_error (error);
  row = aqmp_job_store_add_job (store, "m1", "job-a", "blockdev-backup", args, 1000, &error);
  g_assert_no_error (error);
  record = get_record (store, row);
  g_assert_cmpint (aqmp_job_record_get_row (record), ==, row);
  g_assert_cmpstr (aqmp_job_record_get_machine (record), ==, "m1");
  g_assert_cmpstr (aqmp_job_record_get_job_id (record), ==, "job-a");
  g_assert_cmpstr (aqmp_job_record_get_command (record), ==, "blockdev-backup");
  g_assert_false (aqmp_job_record_is_adopted (record));
  g_assert_cmpstr (json_object_get_string_member (aqmp_job_record_get_arguments (record), "password"), ==,
                   AQMP_REDACTED);
  g_assert_null (aqmp_job_record_get_job_type (record));
  g_assert_cmpint (aqmp_job_record_get_status (record), ==, AQMP_JOB_STATUS_UNDEFINED);
  g_assert_cmpint (aqmp_job_record_get_result (record), ==, AQMP_JOB_RESULT_NONE);
  g_assert_true (aqmp_job_record_is_active (record));
  g_assert_null (aqmp_job_record_get_error (record));
  g_assert_cmpint (aqmp_job_record_get_created (record), ==, 1000);
  g_assert_cmpint (aqmp_job_record_get_finished (record), ==, 0);
  g_assert_null (aqmp_job_record_get_address (record));
  g_assert_cmpint (aqmp_job_record_get_qemu_pid (record), ==, 0);
  g_assert_cmpint (aqmp_job_record_get_started_by_uid (record), ==, -1);
  g_assert_cmpint (aqmp_job_record_get_start_flags (record), ==, AQMP_JOB_START_FLAGS_NONE);
  json = record_json (record);
  g_assert_cmpstr (json, ==, "{\"id\":1,\"machine\":\"m1\",\"job-id\":\"job-a\",\"command\":\"blockdev-backup\","
                             "\"arguments\":{\"device\":\"d\",\"password\":\"" AQMP_REDACTED "\"},"
                             "\"type\":null,\"status\":\"undefined\",\"result\":null,\"error\":null,"
                             "\"current-progress\":0,\"total-progress\":0,\"created\":1000,\"finished\":null,"
                             "\"address\":null,\"qemu-pid\":null,\"qemu-pid-start\":null,\"qemu-uuid\":null,"
                             "\"qemu-name\":null,\"started-by-uid\":null,\"start-flags\":0}");
  assert_variant_matches_json (record);
  g_clear_pointer (&record, aqmp_job_record_unref);
  g_clear_pointer (&json, g_free);

  /* ended: a type, a transition, progress, a result and its error */
  g_assert_true (aqmp_job_store_set_job_type (store, row, "backup", &error));
  g_assert_true (aqmp_job_store_add_transition (store, row, AQMP_JOB_STATUS_ABORTING, 1500, &error));
  g_assert_true (aqmp_job_store_add_checkpoint (store, row, 5, 10, 1600, &error));
  g_assert_true (aqmp_job_store_finish_job (store, row, AQMP_JOB_RESULT_FAILED, "it broke", 2000, &error));
  g_assert_no_error (error);
  record = get_record (store, row);
  g_assert_cmpint (aqmp_job_record_get_status (record), ==, AQMP_JOB_STATUS_ABORTING);
  g_assert_cmpint (aqmp_job_record_get_result (record), ==, AQMP_JOB_RESULT_FAILED);
  g_assert_false (aqmp_job_record_is_active (record));
  g_assert_cmpstr (aqmp_job_record_get_error (record), ==, "it broke");
  g_assert_cmpint (aqmp_job_record_get_current_progress (record), ==, 5);
  g_assert_cmpint (aqmp_job_record_get_total_progress (record), ==, 10);
  g_assert_cmpint (aqmp_job_record_get_finished (record), ==, 2000);
  json = record_json (record);
  g_assert_nonnull (strstr (json, "\"type\":\"backup\",\"status\":\"aborting\",\"result\":\"failed\","
                                  "\"error\":\"it broke\",\"current-progress\":5,\"total-progress\":10,"
                                  "\"created\":1000,\"finished\":2000,"));
  assert_variant_matches_json (record);
  g_clear_object (&store);
  aqmp_test_remove_dir (dir);
}

/* ----- paging ----- */

/* the rows of a page, as "7,6,5" */
static gchar *
page (AqmpJobStore *store, const gchar *machine, gboolean active_only, guint offset, guint limit)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) jobs = aqmp_job_store_list_recent_jobs (store, machine, active_only, offset, limit, &error);
  g_autoptr(GString) rows = g_string_new (NULL);

  g_assert_no_error (error);
  g_assert_nonnull (jobs);
  for (guint i = 0; i < jobs->len; i++)
    g_string_append_printf (rows, "%s%" G_GINT64_FORMAT, i > 0 ? "," : "",
                            aqmp_job_record_get_row (g_ptr_array_index (jobs, i)));
  return g_string_free (g_steal_pointer (&rows), FALSE);
}

#define assert_page(store, machine, active_only, offset, limit, expected) \
  G_STMT_START { \
    g_autofree gchar *rows_ = page (store, machine, active_only, offset, limit); \
    g_assert_cmpstr (rows_, ==, expected); \
  } G_STMT_END

/* pages of the history, the newest first, with the machine and
 * active-only filters applied before the page is cut */
static void
test_store_paged (void)
{
  g_autofree gchar *dir = aqmp_test_make_dir ();
  g_autofree gchar *path = g_build_filename (dir, "jobs.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpJobStore) store = aqmp_job_store_new (path, &error);

  g_assert_no_error (error);
  /* rows 1..7: odd ones on machine unix:/run/vm1.sock, even ones on m2; 1, 2, 5 ended */
  for (gint64 i = 1; i <= 7; i++)
    {
      g_autofree gchar *id = g_strdup_printf ("job-%" G_GINT64_FORMAT, i);
      gint64 row = aqmp_job_store_add_job (store, i % 2 ? "unix:/run/vm1.sock" : "m2", id, "blockdev-backup",
                                           NULL, 1000 + i, &error);
      g_assert_no_error (error);
      g_assert_cmpint (row, ==, i);
      if (i == 1 || i == 2 || i == 5)
        g_assert_true (aqmp_job_store_finish_job (store, row, AQMP_JOB_RESULT_SUCCESS, NULL, 2000 + i, &error));
    }

  assert_page (store, NULL, FALSE, 0, 3, "7,6,5");
  assert_page (store, NULL, FALSE, 3, 3, "4,3,2");
  assert_page (store, NULL, FALSE, 6, 3, "1");
  assert_page (store, NULL, FALSE, 7, 3, "");
  assert_page (store, NULL, FALSE, 100, 0, "");
  /* no limit: everything after the offset */
  assert_page (store, NULL, FALSE, 0, 0, "7,6,5,4,3,2,1");
  assert_page (store, NULL, FALSE, 5, 0, "2,1");
  /* filters first, then the page */
  assert_page (store, NULL, TRUE, 0, 2, "7,6");
  assert_page (store, NULL, TRUE, 2, 2, "4,3");
  assert_page (store, NULL, TRUE, 4, 2, "");
  assert_page (store, "m2", FALSE, 1, 2, "4,2");
  assert_page (store, "unix:/run/vm1.sock", FALSE, 0, 3, "7,5,3");
  assert_page (store, "unix:/run/vm1.sock", TRUE, 1, 0, "3");
  g_clear_object (&store);
  aqmp_test_remove_dir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/aqmp/jobs/redact", test_redact);
  g_test_add_func ("/aqmp/jobs/store/basic", test_store_basic);
  g_test_add_func ("/aqmp/jobs/store/queue", test_store_queue);
  g_test_add_func ("/aqmp/jobs/store/migrate-v1", test_store_migrate_v1);
  g_test_add_func ("/aqmp/jobs/store/too-new", test_store_too_new);
  g_test_add_func ("/aqmp/jobs/store/default-path", test_default_path);
  g_test_add_func ("/aqmp/jobs/store/record-forms", test_record_forms);
  g_test_add_func ("/aqmp/jobs/store/paged", test_store_paged);
  return g_test_run ();
}
