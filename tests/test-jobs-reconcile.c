/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The job runner finding its jobs again, against a real QEMU 7.2: jobs
 * that end while no runner watches them, one QEMU reached through two
 * monitors and two spellings of its address, the starting uid, and what
 * starts jobs at all (transactions, commands that start none). Jobs are
 * held on purpose: a blkdebug target whose first write fails with ENOSPC
 * stops a backup with on-target-error=enospc until job-resume.
 */
#include <stdlib.h>
#include <sys/wait.h>
#include <string.h>

#include <sqlite3.h>

#include <aqmp/aqmp-jobs.h>

#include "aqmp-test-jobs.h"
#include "aqmp-test-qemu.h"

#define MIB (1024 * 1024)
#define JOB_WAIT_MS 30000

typedef struct {
  AqmpTestQemu *qemu;
  AqmpClient *client;
  gchar *db_path;
  AqmpJobStore *store;
  AqmpJobRunner *runner;
  gchar *dir;              /* the second monitor's socket */
  gchar *second;           /* its path, without unix: */
} Fixture;

static AqmpJobRunner *
new_runner (AqmpClient *client, AqmpJobStore *store, const gchar *machine)
{
  AqmpJobRunner *runner = aqmp_job_runner_new (client, store, machine);

  aqmp_job_runner_set_poll_interval (runner, 50);
  return runner;
}

static void
fixture_setup_with (Fixture *f, const gchar * const *extra)
{
  g_autoptr(GError) error = NULL;

  f->qemu = aqmp_test_qemu_new (extra);
  f->client = aqmp_test_connect (f->qemu->address);
  f->db_path = aqmp_test_qemu_path (f->qemu, "jobs.db");
  f->store = aqmp_job_store_new (f->db_path, &error);
  g_assert_no_error (error);
  f->runner = new_runner (f->client, f->store, f->qemu->address);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  fixture_setup_with (f, NULL);
}

/* a second QMP monitor on the same QEMU */
static void
fixture_setup_two_monitors (Fixture *f, gconstpointer data)
{
  g_autofree gchar *chardev = NULL;

  f->dir = aqmp_test_make_dir ();
  f->second = g_build_filename (f->dir, "qmp2.sock", NULL);
  chardev = g_strdup_printf ("socket,id=mon1,path=%s,server=on,wait=off", f->second);
  {
    const gchar *extra[] = { "-chardev", chardev, "-mon", "chardev=mon1,mode=control", NULL };
    fixture_setup_with (f, extra);
  }
  aqmp_test_qemu_wait_for_socket (f->qemu, f->second);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->runner);
  g_clear_object (&f->store);
  g_clear_object (&f->client);
  g_clear_pointer (&f->qemu, aqmp_test_qemu_free);
  if (f->dir != NULL)
    aqmp_test_remove_dir (f->dir);
  g_free (f->dir);
  g_free (f->second);
  g_free (f->db_path);
}

/* ----- helpers ----- */

static JsonNode *
qmp_value (AqmpClient *client, const gchar *command, const gchar *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) args = json != NULL ? aqmp_test_object_from_json (json) : NULL;
  JsonNode *value = aqmp_client_execute_sync (client, command, args, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (value);
  return value;
}

static void
qmp (AqmpClient *client, const gchar *command, const gchar *json)
{
  g_autoptr(JsonNode) value = qmp_value (client, command, json);
}

static void
add_null_node (AqmpClient *client, const gchar *name, gint64 size)
{
  g_autofree gchar *json = g_strdup_printf ("{\"driver\": \"null-co\", \"node-name\": \"%s\", \"size\": %"
                                            G_GINT64_FORMAT "}", name, size);
  qmp (client, "blockdev-add", json);
}

/*
 * "data", a raw file of real data (from null-co, backup would skip the
 * reads), and "held", a blkdebug target whose first write fails with
 * ENOSPC: a backup with on-target-error=enospc stops there until
 * job-resume; with @then_fail the retry meets EIO, which is reported.
 */
static void
add_held_nodes (Fixture *f, gboolean then_fail)
{
  g_autofree gchar *path = aqmp_test_qemu_path (f->qemu, "data.raw");
  g_autofree gchar *content = g_malloc (MIB);
  g_autofree gchar *json = NULL;

  memset (content, 0x5a, MIB);
  g_assert_true (g_file_set_contents (path, content, MIB, NULL));
  json = g_strdup_printf ("{\"driver\": \"raw\", \"node-name\": \"data\", \"file\": {\"driver\": \"file\","
                          " \"filename\": \"%s\"}}", path);
  qmp (f->client, "blockdev-add", json);
  g_free (json);
  json = g_strdup_printf ("{\"driver\": \"blkdebug\", \"node-name\": \"held\", \"image\": {\"driver\": \"null-co\","
                          " \"size\": 1048576}, \"inject-error\": [{\"event\": \"none\", \"errno\": 28, \"once\": true,"
                          " \"iotype\": \"write\"}%s]}",
                          then_fail ? ", {\"event\": \"none\", \"errno\": 5, \"iotype\": \"write\"}" : "");
  qmp (f->client, "blockdev-add", json);
}

#define HELD_BACKUP "\"device\": \"data\", \"target\": \"held\", \"sync\": \"full\", \"on-target-error\": \"enospc\""

static AqmpEventWaiter *
event_waiter (AqmpClient *client, const gchar *name, const gchar *match)
{
  g_autoptr(JsonObject) data = aqmp_test_object_from_json (match);

  return aqmp_event_waiter_new (client, name, data);
}

static void
wait_event (AqmpEventWaiter *waiter)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpEvent) event = aqmp_event_waiter_wait_sync (waiter, JOB_WAIT_MS, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (event);
}

/* each QMP call of a start is bounded by the client's default timeout */
static GPtrArray *
start_jobs (AqmpJobRunner *runner, const gchar *command, const gchar *json, AqmpJobStartFlags flags,
            guint32 uid, GError **error)
{
  g_autoptr(JsonObject) args = aqmp_test_object_from_json (json);

  return aqmp_job_runner_start_full_sync (runner, command, args, flags, uid, NULL, error);
}

static AqmpJob *
start_job (AqmpJobRunner *runner, const gchar *json, AqmpJobStartFlags flags)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) jobs = start_jobs (runner, "blockdev-backup", json, flags, 0, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (jobs->len, ==, 1);
  return g_object_ref (g_ptr_array_index (jobs, 0));
}

/* starts a held backup named @id and waits until the error holds it */
static AqmpJob *
start_held (Fixture *f, AqmpJobRunner *runner, const gchar *id, const gchar *more, AqmpJobStartFlags flags)
{
  g_autofree gchar *match = g_strdup_printf ("{\"device\": \"%s\", \"action\": \"stop\"}", id);
  g_autoptr(AqmpEventWaiter) held = event_waiter (f->client, "BLOCK_JOB_ERROR", match);
  g_autofree gchar *json = g_strdup_printf ("{\"job-id\": \"%s\", " HELD_BACKUP "%s}", id, more);
  AqmpJob *job = start_job (runner, json, flags);

  wait_event (held);
  return job;
}

/* job-resume on the test's client, and wait until QEMU has concluded it */
static void
release_until_concluded (AqmpClient *client, const gchar *id)
{
  g_autofree gchar *match = g_strdup_printf ("{\"id\": \"%s\", \"status\": \"concluded\"}", id);
  g_autofree gchar *args = g_strdup_printf ("{\"id\": \"%s\"}", id);
  g_autoptr(AqmpEventWaiter) concluded = event_waiter (client, "JOB_STATUS_CHANGE", match);

  qmp (client, "job-resume", args);
  wait_event (concluded);
}

static gboolean
wait_job (AqmpJob *job, GError **error)
{
  return aqmp_test_job_wait (job, JOB_WAIT_MS, error);
}

static GPtrArray *
reconcile (AqmpJobRunner *runner)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *attached = aqmp_job_runner_reconcile_sync (runner, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (attached);
  return attached;
}

/* QEMU's own view of one job, or NULL */
static JsonObject *
query_job (AqmpClient *client, const gchar *id)
{
  g_autoptr(JsonNode) value = qmp_value (client, "query-jobs", NULL);
  JsonArray *jobs = json_node_get_array (value);

  for (guint i = 0; i < json_array_get_length (jobs); i++)
    {
      JsonObject *job = json_array_get_object_element (jobs, i);
      if (g_strcmp0 (json_object_get_string_member (job, "id"), id) == 0)
        return json_object_ref (job);
    }
  return NULL;
}

static GPtrArray *
all_rows (AqmpJobStore *store)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *rows = aqmp_job_store_list_jobs (store, NULL, FALSE, &error);

  g_assert_no_error (error);
  return rows;
}

static AqmpJobRecord *
row_of (AqmpJobStore *store, gint64 row)
{
  g_autoptr(GError) error = NULL;
  AqmpJobRecord *record = aqmp_job_store_get_job (store, row, &error);

  g_assert_no_error (error);
  return record;
}

static gint64
qemu_pid (Fixture *f)
{
  return g_ascii_strtoll (g_subprocess_get_identifier (f->qemu->process), NULL, 10);
}

/* ----- a job that ends while no runner watches it ----- */

/*
 * The runner goes away while the job is held; the job is released and
 * ends with nobody watching; the next runner records its real outcome
 * (QEMU kept it concluded for that) and then dismisses it.
 */
static void
test_unwatched (Fixture *f, gconstpointer data)
{
  gboolean fails = GPOINTER_TO_INT (data);
  g_autoptr(AqmpJob) job = NULL;
  g_autoptr(GPtrArray) attached = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(AqmpJobRecord) record = NULL;
  g_autoptr(JsonObject) kept = NULL;
  g_autoptr(JsonObject) gone = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *transitions = NULL;
  gint64 row;

  add_held_nodes (f, fails);
  job = start_held (f, f->runner, "away", "", AQMP_JOB_START_FLAGS_NONE);
  row = aqmp_job_get_store_id (job);
  g_clear_object (&f->runner);
  g_assert_false (aqmp_job_is_ended (job));
  g_clear_object (&job);

  /* it ends with no runner there; QEMU keeps the outcome */
  release_until_concluded (f->client, "away");
  kept = query_job (f->client, "away");
  g_assert_nonnull (kept);
  g_assert_cmpstr (json_object_get_string_member (kept, "status"), ==, "concluded");
  record = row_of (f->store, row);
  g_assert_true (aqmp_job_record_is_active (record));
  g_clear_pointer (&record, aqmp_job_record_unref);

  f->runner = new_runner (f->client, f->store, f->qemu->address);
  attached = reconcile (f->runner);
  g_assert_cmpuint (attached->len, ==, 1);
  job = g_object_ref (g_ptr_array_index (attached, 0));
  g_assert_cmpint (aqmp_job_get_store_id (job), ==, row);
  g_assert_cmpint (wait_job (job, &error), ==, !fails);

  record = row_of (f->store, row);
  transitions = aqmp_test_job_transitions (f->store, row);
  g_test_message ("result %s, error %s, transitions %s",
                  aqmp_job_result_to_string (aqmp_job_record_get_result (record)),
                  (aqmp_job_record_get_error (record) == NULL) ? "-" : aqmp_job_record_get_error (record),
                  transitions);
  if (fails)
    {
      g_assert_error (error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_FAILED);
      g_assert_cmpstr (aqmp_job_result_to_string (aqmp_job_record_get_result (record)), ==, "failed");
      g_assert_nonnull (strstr (aqmp_job_record_get_error (record), "Input/output error"));
    }
  else
    {
      g_assert_no_error (error);
      g_assert_cmpstr (aqmp_job_result_to_string (aqmp_job_record_get_result (record)), ==, "success");
      g_assert_cmpint (aqmp_job_record_get_current_progress (record), ==, MIB);
    }
  g_assert_true (g_str_has_suffix (transitions, ",concluded,null"));
  /* recorded, then dismissed: one row, and QEMU forgot it */
  gone = query_job (f->client, "away");
  g_assert_null (gone);
  rows = all_rows (f->store);
  g_assert_cmpuint (rows->len, ==, 1);
}

/* a caller that dismisses jobs itself keeps doing so after a restart */
static void
test_unwatched_caller_dismisses (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpJob) job = NULL;
  g_autoptr(GPtrArray) attached = NULL;
  g_autoptr(GPtrArray) again = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(AqmpJobRecord) record = NULL;
  g_autoptr(JsonObject) kept = NULL;
  g_autoptr(GError) error = NULL;
  gint64 row;

  add_held_nodes (f, FALSE);
  job = start_held (f, f->runner, "mine", ", \"auto-dismiss\": false", AQMP_JOB_START_FLAGS_NO_DISMISS);
  row = aqmp_job_get_store_id (job);
  g_clear_object (&f->runner);
  g_clear_object (&job);
  release_until_concluded (f->client, "mine");

  f->runner = new_runner (f->client, f->store, f->qemu->address);
  attached = reconcile (f->runner);
  g_assert_cmpuint (attached->len, ==, 1);
  job = g_object_ref (g_ptr_array_index (attached, 0));
  g_assert_true (wait_job (job, &error));
  g_assert_no_error (error);
  /* ends at concluded, recorded, and left for the caller to dismiss */
  g_assert_cmpint (aqmp_job_get_status (job), ==, AQMP_JOB_STATUS_CONCLUDED);
  record = row_of (f->store, row);
  g_assert_cmpstr (aqmp_job_result_to_string (aqmp_job_record_get_result (record)), ==, "success");
  kept = query_job (f->client, "mine");
  g_assert_nonnull (kept);

  /* a later runner has nothing to do with it, and adds no row */
  g_clear_object (&f->runner);
  f->runner = new_runner (f->client, f->store, f->qemu->address);
  again = reconcile (f->runner);
  g_assert_cmpuint (again->len, ==, 0);
  rows = all_rows (f->store);
  g_assert_cmpuint (rows->len, ==, 1);
  qmp (f->client, "job-dismiss", "{\"id\": \"mine\"}");
}

/* a job started outside aqmp: recorded, but dismissing it is its owner's */
static void
test_unwatched_not_ours (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpEventWaiter) concluded = event_waiter (f->client, "JOB_STATUS_CHANGE",
                                                       "{\"id\": \"theirs\", \"status\": \"concluded\"}");
  g_autoptr(GPtrArray) attached = NULL;
  g_autoptr(GPtrArray) again = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(JsonObject) kept = NULL;
  g_autoptr(GError) error = NULL;
  AqmpJob *job;
  AqmpJobRecord *record;

  add_null_node (f->client, "src", 4 * MIB);
  add_null_node (f->client, "tgt", 4 * MIB);
  qmp (f->client, "blockdev-backup", "{\"job-id\": \"theirs\", \"device\": \"src\", \"target\": \"tgt\","
                                     " \"sync\": \"full\", \"auto-dismiss\": false}");
  wait_event (concluded);

  attached = reconcile (f->runner);
  g_assert_cmpuint (attached->len, ==, 1);
  job = g_ptr_array_index (attached, 0);
  g_assert_true (wait_job (job, &error));
  g_assert_no_error (error);
  rows = all_rows (f->store);
  g_assert_cmpuint (rows->len, ==, 1);
  record = g_ptr_array_index (rows, 0);
  g_assert_cmpstr (aqmp_job_record_get_command (record), ==, "(adopted)");
  g_assert_cmpstr (aqmp_job_result_to_string (aqmp_job_record_get_result (record)), ==, "success");
  kept = query_job (f->client, "theirs");
  g_assert_nonnull (kept);
  g_assert_cmpstr (json_object_get_string_member (kept, "status"), ==, "concluded");

  /* found again: no second row */
  again = reconcile (f->runner);
  g_assert_cmpuint (again->len, ==, 0);
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = all_rows (f->store);
  g_assert_cmpuint (rows->len, ==, 1);
}

/* a caller's own auto-dismiss: true is sent as given */
static void
test_caller_auto_dismiss (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpJob) job = NULL;
  g_autoptr(AqmpJob) defaulted = NULL;
  g_autoptr(AqmpJobRecord) record = NULL;
  g_autoptr(AqmpJobRecord) other = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *args;

  add_null_node (f->client, "src", MIB);
  add_null_node (f->client, "tgt", MIB);
  add_null_node (f->client, "tgt2", MIB);
  job = start_job (f->runner, "{\"device\": \"src\", \"target\": \"tgt\", \"sync\": \"full\", \"auto-dismiss\": true}",
                   AQMP_JOB_START_FLAGS_NONE);
  g_assert_true (wait_job (job, &error));
  record = row_of (f->store, aqmp_job_get_store_id (job));
  args = aqmp_job_record_get_arguments (record);
  g_assert_true (json_object_get_boolean_member (args, "auto-dismiss"));
  g_assert_cmpstr (aqmp_job_result_to_string (aqmp_job_record_get_result (record)), ==, "success");

  /* without it, the runner asks QEMU to keep the job for it */
  defaulted = start_job (f->runner, "{\"device\": \"src\", \"target\": \"tgt2\", \"sync\": \"full\"}",
                         AQMP_JOB_START_FLAGS_NONE);
  g_assert_true (wait_job (defaulted, &error));
  other = row_of (f->store, aqmp_job_get_store_id (defaulted));
  args = aqmp_job_record_get_arguments (other);
  g_assert_false (json_object_get_boolean_member (args, "auto-dismiss"));
  g_assert_cmpstr (aqmp_job_result_to_string (aqmp_job_record_get_result (other)), ==, "success");
}

/* ----- one QEMU, two monitors, two spellings ----- */

static void
test_second_monitor (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpClient) client2 = aqmp_test_connect (f->second);
  g_autoptr(AqmpJobRunner) runner2 = NULL;
  g_autoptr(AqmpJob) job = NULL;
  g_autoptr(GPtrArray) attached = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) by_path = NULL;
  g_autoptr(AqmpJobRecord) record = NULL;
  g_autoptr(AqmpJobRecord) found = NULL;
  g_autoptr(JsonArray) transitions = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *dotted = NULL;
  AqmpJob *job2;

  add_held_nodes (f, FALSE);
  job = start_held (f, f->runner, "both", "", AQMP_JOB_START_FLAGS_NONE);
  record = row_of (f->store, aqmp_job_get_store_id (job));
  /* -machine none: the all-zero UUID and no name; the pid tells */
  g_assert_cmpint (aqmp_job_record_get_qemu_pid (record), ==, qemu_pid (f));
  g_assert_true ((aqmp_job_record_get_qemu_uuid (record) == NULL));
  g_assert_true ((aqmp_job_record_get_qemu_name (record) == NULL));
  g_assert_cmpstr (aqmp_job_record_get_address (record), ==, f->qemu->address);

  /* the other monitor, the path spelt without unix: */
  runner2 = new_runner (client2, f->store, f->second);
  attached = reconcile (runner2);
  g_assert_cmpuint (attached->len, ==, 1);
  job2 = g_ptr_array_index (attached, 0);
  g_assert_cmpint (aqmp_job_get_store_id (job2), ==, aqmp_job_get_store_id (job));
  g_assert_cmpstr (aqmp_job_get_command (job2), ==, "blockdev-backup");

  /* both follow it to its end */
  qmp (f->client, "job-resume", "{\"id\": \"both\"}");
  g_assert_true (wait_job (job, &error));
  g_assert_no_error (error);
  g_assert_true (wait_job (job2, &error));
  g_assert_no_error (error);

  rows = all_rows (f->store);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpstr (aqmp_job_result_to_string (aqmp_job_record_get_result (g_ptr_array_index (rows, 0))), ==, "success");
  /* each transition once, though both runners saw it */
  transitions = aqmp_job_store_get_transitions (f->store, aqmp_job_get_store_id (job), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < json_array_get_length (transitions); i++)
    {
      JsonObject *t = json_array_get_object_element (transitions, i);
      gchar *key = g_strdup_printf ("%s@%" G_GINT64_FORMAT, json_object_get_string_member (t, "status"),
                                    json_object_get_int_member (t, "timestamp"));
      g_assert_true (g_hash_table_add (seen, key));
    }

  /* the history answers to any spelling of the address */
  by_path = aqmp_job_store_list_jobs (f->store, f->qemu->socket_path, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (by_path->len, ==, 1);
  dotted = g_strdup_printf ("%s/./qmp.sock", f->qemu->dir);
  found = aqmp_job_store_find_job (f->store, dotted, "both", &error);
  g_assert_no_error (error);
  g_assert_cmpint (aqmp_job_record_get_row (found), ==, aqmp_job_get_store_id (job));
}

/* a process that has ended: its pid names no QEMU any more */
static gint64
ended_pid (void)
{
  g_autoptr(GError) error = NULL;
  const gchar *argv[] = { "true", NULL };
  GPid pid = 0;
  gint status = 0;

  g_spawn_async (NULL, (gchar **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                 &pid, &error);
  g_assert_no_error (error);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  return pid;
}

/* sets a row's QEMU pid behind the store's back, as another runner would have */
static void
set_row_pid (Fixture *f, gint64 row, gint64 pid)
{
  g_autofree gchar *sql = g_strdup_printf ("UPDATE jobs SET qemu_pid = %" G_GINT64_FORMAT
                                           ", qemu_pid_start = NULL WHERE id = %" G_GINT64_FORMAT ";", pid, row);
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (f->db_path, &db), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, AQMP_TEST_WAIT_MS);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

/*
 * Rows of another QEMU that was at this address: lost once that QEMU's
 * process has ended, left alone while it runs (it is another machine).
 */
static void
test_earlier_qemu (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpJob) gone = NULL;
  g_autoptr(AqmpJob) alive = NULL;
  g_autoptr(GPtrArray) attached = NULL;
  g_autoptr(AqmpJobRecord) gone_row = NULL;
  g_autoptr(AqmpJobRecord) alive_row = NULL;
  g_autoptr(GError) error = NULL;

  add_held_nodes (f, FALSE);
  gone = start_held (f, f->runner, "old0", "", AQMP_JOB_START_FLAGS_NONE);
  add_null_node (f->client, "src", MIB);
  add_null_node (f->client, "tgt", MIB);
  alive = start_job (f->runner, "{\"job-id\": \"old1\", \"device\": \"src\", \"target\": \"tgt\","
                                " \"sync\": \"full\", \"auto-finalize\": false}",
                     AQMP_JOB_START_FLAGS_NO_FINALIZE);
  g_clear_object (&f->runner);
  /* as if another QEMU had run them: one that ended, one that runs */
  set_row_pid (f, aqmp_job_get_store_id (gone), ended_pid ());
  set_row_pid (f, aqmp_job_get_store_id (alive), getpid ());
  /* and QEMU no longer has them */
  {
    g_autoptr(AqmpEventWaiter) c0 = event_waiter (f->client, "JOB_STATUS_CHANGE", "{\"id\": \"old0\", \"status\": \"concluded\"}");
    g_autoptr(AqmpEventWaiter) c1 = event_waiter (f->client, "JOB_STATUS_CHANGE", "{\"id\": \"old1\", \"status\": \"concluded\"}");

    qmp (f->client, "job-cancel", "{\"id\": \"old0\"}");
    qmp (f->client, "job-finalize", "{\"id\": \"old1\"}");
    wait_event (c0);
    wait_event (c1);
    qmp (f->client, "job-dismiss", "{\"id\": \"old0\"}");
    qmp (f->client, "job-dismiss", "{\"id\": \"old1\"}");
  }

  f->runner = new_runner (f->client, f->store, f->qemu->address);
  attached = reconcile (f->runner);
  g_assert_cmpuint (attached->len, ==, 0);
  gone_row = row_of (f->store, aqmp_job_get_store_id (gone));
  alive_row = row_of (f->store, aqmp_job_get_store_id (alive));
  g_assert_cmpstr (aqmp_job_result_to_string (aqmp_job_record_get_result (gone_row)), ==, "lost");
  g_assert_true (aqmp_job_record_is_active (alive_row));
}

/* a QEMU with -uuid and -name is known by them too */
static void
test_uuid_name (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpJob) job = NULL;
  g_autoptr(AqmpJobRecord) record = NULL;
  g_autoptr(GError) error = NULL;

  add_null_node (f->client, "src", MIB);
  add_null_node (f->client, "tgt", MIB);
  job = start_job (f->runner, "{\"device\": \"src\", \"target\": \"tgt\", \"sync\": \"full\"}",
                   AQMP_JOB_START_FLAGS_NONE);
  g_assert_true (wait_job (job, &error));
  record = row_of (f->store, aqmp_job_get_store_id (job));
  g_assert_cmpstr (aqmp_job_record_get_qemu_uuid (record), ==, "6a2d4e0c-32a4-4a3b-9c8e-1f2a3b4c5d6e");
  g_assert_cmpstr (aqmp_job_record_get_qemu_name (record), ==, "aqmp-test-vm");
  g_assert_cmpint (aqmp_job_record_get_qemu_pid (record), ==, qemu_pid (f));
}

static void
fixture_setup_uuid_name (Fixture *f, gconstpointer data)
{
  const gchar *extra[] = { "-uuid", "6a2d4e0c-32a4-4a3b-9c8e-1f2a3b4c5d6e", "-name", "aqmp-test-vm", NULL };

  fixture_setup_with (f, extra);
}

/* ----- who started it ----- */

static void
test_started_by_uid (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) started = NULL;
  g_autoptr(GPtrArray) attached = NULL;
  g_autoptr(AqmpJobRecord) record = NULL;
  g_autoptr(GError) error = NULL;
  AqmpJob *job;

  add_held_nodes (f, FALSE);
  {
    g_autoptr(AqmpEventWaiter) held = event_waiter (f->client, "BLOCK_JOB_ERROR",
                                                    "{\"device\": \"uid\", \"action\": \"stop\"}");
    started = start_jobs (f->runner, "blockdev-backup", "{\"job-id\": \"uid\", " HELD_BACKUP "}",
                          AQMP_JOB_START_FLAGS_AUTO_COMPLETE, 4242, &error);
    g_assert_no_error (error);
    wait_event (held);
  }
  job = g_ptr_array_index (started, 0);
  g_assert_cmpint (aqmp_job_get_started_by_uid (job), ==, 4242);
  record = row_of (f->store, aqmp_job_get_store_id (job));
  g_assert_cmpint (aqmp_job_record_get_started_by_uid (record), ==, 4242);
  g_assert_cmpint (aqmp_job_record_get_start_flags (record), ==, AQMP_JOB_START_FLAGS_AUTO_COMPLETE);

  /* a new runner finds it again, with who started it */
  g_clear_object (&f->runner);
  f->runner = new_runner (f->client, f->store, f->qemu->address);
  attached = reconcile (f->runner);
  g_assert_cmpuint (attached->len, ==, 1);
  job = g_ptr_array_index (attached, 0);
  g_assert_cmpint (aqmp_job_get_started_by_uid (job), ==, 4242);
  qmp (f->client, "job-resume", "{\"id\": \"uid\"}");
  g_assert_true (wait_job (job, &error));
  g_assert_no_error (error);
}

/* ----- what starts jobs ----- */

static void
test_transaction (Fixture *f, gconstpointer data)
{
  const gchar *json = "{\"actions\": ["
                      "{\"type\": \"block-dirty-bitmap-add\", \"data\": {\"node\": \"src\", \"name\": \"b0\"}},"
                      "{\"type\": \"blockdev-backup\", \"data\": {\"job-id\": \"tx-a\", \"device\": \"src\","
                      " \"target\": \"tgt1\", \"sync\": \"full\"}},"
                      "{\"type\": \"blockdev-backup\", \"data\": {\"device\": \"src\", \"target\": \"tgt2\","
                      " \"sync\": \"full\"}}]}";
  g_autoptr(JsonObject) given = aqmp_test_object_from_json (json);
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *before = NULL;
  g_autofree gchar *after = NULL;

  add_null_node (f->client, "src", 4 * MIB);
  add_null_node (f->client, "tgt1", 4 * MIB);
  add_null_node (f->client, "tgt2", 4 * MIB);
  {
    g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), given);
    before = aqmp_json_to_string (node, FALSE);
  }
  jobs = aqmp_job_runner_start_full_sync (f->runner, "transaction", given, AQMP_JOB_START_FLAGS_NONE, 0, NULL,
                                          &error);
  g_assert_no_error (error);
  /* one start, two jobs: the second named by the runner */
  g_assert_cmpuint (jobs->len, ==, 2);
  g_assert_cmpstr (aqmp_job_get_id (g_ptr_array_index (jobs, 0)), ==, "tx-a");
  g_assert_true (g_str_has_prefix (aqmp_job_get_id (g_ptr_array_index (jobs, 1)), "aqmp-"));
  for (guint i = 0; i < jobs->len; i++)
    {
      AqmpJob *job = g_ptr_array_index (jobs, i);
      g_assert_true (wait_job (job, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (aqmp_job_get_command (job), ==, "transaction");
      g_assert_cmpstr (aqmp_job_get_job_type (job), ==, "backup");
    }
  rows = all_rows (f->store);
  g_assert_cmpuint (rows->len, ==, 2);
  for (guint i = 0; i < rows->len; i++)
    {
      AqmpJobRecord *row = g_ptr_array_index (rows, i);
      g_autofree gchar *transitions = aqmp_test_job_transitions (f->store, aqmp_job_record_get_row (row));
      g_assert_cmpstr (aqmp_job_record_get_command (row), ==, "transaction");
      g_assert_cmpstr (aqmp_job_result_to_string (aqmp_job_record_get_result (row)), ==, "success");
      g_assert_true (g_str_has_suffix (transitions, "concluded,null"));
    }
  /* the caller's arguments are untouched */
  {
    g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), given);
    after = aqmp_json_to_string (node, FALSE);
  }
  g_assert_cmpstr (after, ==, before);
}

static void
test_not_a_job (Fixture *f, gconstpointer data)
{
  const struct {
    const gchar *command;
    const gchar *json;
    const gchar *says;
  } cases[] = {
    { "query-status", "{}", "query-status does not start a job" },
    { "no-such-command", "{}", "QEMU has no command no-such-command" },
    { "transaction", "{\"actions\": [{\"type\": \"block-dirty-bitmap-add\","
                     " \"data\": {\"node\": \"src\", \"name\": \"b0\"}}]}", "starts no job" },
    { "transaction", "{}", "needs 'actions'" },
    /* an action the list does not know is looked up in QEMU's schema */
    { "transaction", "{\"actions\": [{\"type\": \"no-such-action\", \"data\": {}}]}",
      "QEMU has no action 'no-such-action'" },
  };
  g_autoptr(GPtrArray) rows = NULL;

  add_null_node (f->client, "src", MIB);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) jobs = start_jobs (f->runner, cases[i].command, cases[i].json,
                                              AQMP_JOB_START_FLAGS_NONE, 0, &error);

      g_test_message ("%s: %s", cases[i].command, error != NULL ? error->message : "(started)");
      g_assert_null (jobs);
      g_assert_error (error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_NOT_A_JOB);
      g_assert_nonnull (strstr (error->message, cases[i].says));
    }
  /* refused before anything was sent or written: the bitmap the
   * transaction would have made can still be made */
  rows = all_rows (f->store);
  g_assert_cmpuint (rows->len, ==, 0);
  qmp (f->client, "block-dirty-bitmap-add", "{\"node\": \"src\", \"name\": \"b0\"}");
}

/* ----- the store as version 2 left it ----- */

static void
test_migrate_v2 (void)
{
  g_autofree gchar *dir = aqmp_test_make_dir ();
  g_autofree gchar *path = g_build_filename (dir, "jobs-v2.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpJobStore) store = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) by_path = NULL;
  g_autoptr(GPtrArray) by_name = NULL;
  g_autoptr(AqmpJobRecord) held = NULL;
  g_autoptr(JsonArray) transitions = NULL;
  gint64 row;

  /* the fixture is SQL text in git, made into a database here */
  store = aqmp_test_job_store_from_fixture ("jobs-v2.sql", path);
  all = aqmp_job_store_list_jobs (store, NULL, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 5);
  for (guint i = 0; i < all->len; i++)
    {
      AqmpJobRecord *r = g_ptr_array_index (all, i);
      /* nothing was known of QEMU or of who started the job */
      g_assert_true ((aqmp_job_record_get_qemu_pid (r) == 0));
      g_assert_true ((aqmp_job_record_get_qemu_uuid (r) == NULL));
      g_assert_true ((aqmp_job_record_get_started_by_uid (r) == -1));
      g_assert_cmpint (aqmp_job_record_get_start_flags (r), ==, 0);
    }
  /* the address comes from a machine name that spells one */
  g_assert_cmpstr (aqmp_job_record_get_address (g_ptr_array_index (all, 0)), ==, "unix:/run/vm1/qmp.sock");
  g_assert_cmpstr (aqmp_job_record_get_address (g_ptr_array_index (all, 3)), ==, "unix:/run/vm2/qmp.sock");
  g_assert_true ((aqmp_job_record_get_address (g_ptr_array_index (all, 4)) == NULL));
  by_path = aqmp_job_store_list_jobs (store, "/run/vm1/qmp.sock", FALSE, &error);
  g_assert_cmpuint (by_path->len, ==, 3);
  by_name = aqmp_job_store_list_jobs (store, "vm3", FALSE, &error);
  g_assert_cmpuint (by_name->len, ==, 1);

  /* the active row and its history survive, each transition once; new
   * columns work */
  held = aqmp_job_store_find_job (store, "unix:/run/vm1/qmp.sock", "held-1", &error);
  g_assert_no_error (error);
  g_assert_true (aqmp_job_record_is_active (held));
  g_assert_cmpstr (aqmp_job_status_to_string (aqmp_job_record_get_status (held)), ==, "paused");
  row = aqmp_job_record_get_row (held);
  transitions = aqmp_job_store_get_transitions (store, row, &error);
  g_assert_cmpuint (json_array_get_length (transitions), ==, 5);
  g_assert_true (aqmp_job_store_add_transition (store, row, AQMP_JOB_STATUS_RUNNING, 1796411390000000, &error));
  g_assert_no_error (error);
  /* the same transition twice is kept once */
  g_assert_true (aqmp_job_store_add_transition (store, row, AQMP_JOB_STATUS_RUNNING, 1796411390000000, &error));
  g_clear_pointer (&transitions, json_array_unref);
  transitions = aqmp_job_store_get_transitions (store, row, &error);
  g_assert_cmpuint (json_array_get_length (transitions), ==, 6);
  {
    g_autofree gchar *verdict = aqmp_job_store_check_integrity (store, &error);
    g_assert_cmpstr (verdict, ==, "ok");
  }
  g_clear_object (&store);
  store = aqmp_job_store_new (path, &error);
  g_assert_no_error (error);
  g_clear_object (&store);
  aqmp_test_remove_dir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/aqmp/jobs/store/migrate-v2", test_migrate_v2);
  g_test_add ("/aqmp/jobs/unwatched/success", Fixture, GINT_TO_POINTER (FALSE), fixture_setup, test_unwatched, fixture_teardown);
  g_test_add ("/aqmp/jobs/unwatched/failed", Fixture, GINT_TO_POINTER (TRUE), fixture_setup, test_unwatched, fixture_teardown);
  g_test_add ("/aqmp/jobs/unwatched/caller-dismisses", Fixture, NULL, fixture_setup, test_unwatched_caller_dismisses, fixture_teardown);
  g_test_add ("/aqmp/jobs/unwatched/not-ours", Fixture, NULL, fixture_setup, test_unwatched_not_ours, fixture_teardown);
  g_test_add ("/aqmp/jobs/caller-auto-dismiss", Fixture, NULL, fixture_setup, test_caller_auto_dismiss, fixture_teardown);
  g_test_add ("/aqmp/jobs/identity/second-monitor", Fixture, NULL, fixture_setup_two_monitors, test_second_monitor, fixture_teardown);
  g_test_add ("/aqmp/jobs/identity/earlier-qemu", Fixture, NULL, fixture_setup, test_earlier_qemu, fixture_teardown);
  g_test_add ("/aqmp/jobs/identity/uuid-name", Fixture, NULL, fixture_setup_uuid_name, test_uuid_name, fixture_teardown);
  g_test_add ("/aqmp/jobs/started-by-uid", Fixture, NULL, fixture_setup, test_started_by_uid, fixture_teardown);
  g_test_add ("/aqmp/jobs/transaction", Fixture, NULL, fixture_setup, test_transaction, fixture_teardown);
  g_test_add ("/aqmp/jobs/not-a-job", Fixture, NULL, fixture_setup, test_not_a_job, fixture_teardown);
  return g_test_run ();
}
