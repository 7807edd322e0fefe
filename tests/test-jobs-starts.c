/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * AqmpJobRunner: backup starts sent together go to a real QEMU 7.2 as one
 * `transaction`, which drains the block layer once instead of once per
 * start; a refused transaction falls back to one start each.
 *
 * The jobs are backups with sync "none" between `null-co` nodes: they run
 * until they are cancelled, so every start finds the others running.
 */
#include <string.h>

#include <aqmp/aqmp-jobs.h>

#include "aqmp-test-jobs.h"
#include "aqmp-test-qemu.h"

#define MIB (1024 * 1024)
#define JOB_WAIT_MS 30000
#define N_TOGETHER 20

/* a QEMU, a store and a runner polling every 50 ms */
typedef AqmpTestJobs Fixture;

static void
add_null_node (AqmpClient *client, const gchar *name)
{
  g_autofree gchar *json = g_strdup_printf ("{\"driver\": \"null-co\", \"node-name\": \"%s\", \"size\": %d}",
                                            name, 2 * MIB);
  g_autoptr(JsonObject) args = aqmp_test_object_from_json (json);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_sync (client, "blockdev-add", args, NULL, &error);

  g_assert_no_error (error);
}

typedef struct {
  AqmpJob *job;
  GError *error;
  gboolean done;
  gboolean ok;
} Call;

static void
call_clear (Call *c)
{
  g_clear_object (&c->job);
  g_clear_error (&c->error);
}

static void
started_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Call *c = user_data;

  c->job = aqmp_job_runner_start_finish (AQMP_JOB_RUNNER (source), res, &c->error);
  c->done = TRUE;
}

static void
waited_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Call *c = user_data;

  c->ok = aqmp_job_wait_finish (AQMP_JOB (source), res, &c->error);
  c->done = TRUE;
}

/* a backup of srcI to tgtI (or of @device), sent without waiting */
static void
start_backup (Fixture *f, const gchar *device, guint i, Call *call)
{
  g_autofree gchar *src = device != NULL ? g_strdup (device) : g_strdup_printf ("src%u", i);
  g_autofree gchar *json = g_strdup_printf ("{\"device\": \"%s\", \"target\": \"tgt%u\", \"sync\": \"none\"}", src, i);
  g_autoptr(JsonObject) args = aqmp_test_object_from_json (json);

  aqmp_job_runner_start_async (f->runner, "blockdev-backup", args, AQMP_JOB_START_FLAGS_NONE, NULL,
                               started_cb, call);
}

static void
add_backup_nodes (Fixture *f, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autofree gchar *src = g_strdup_printf ("src%u", i);
      g_autofree gchar *tgt = g_strdup_printf ("tgt%u", i);
      add_null_node (f->client, src);
      add_null_node (f->client, tgt);
    }
}

/* cancels the started jobs among @starts and waits for their ends */
static void
cancel_all (Fixture *f, Call *starts, guint n)
{
  Call waits[N_TOGETHER] = { { 0, }, };

  g_assert_cmpuint (n, <=, N_TOGETHER);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;

      if (starts[i].job == NULL)
        continue;
      aqmp_job_wait_async (starts[i].job, NULL, waited_cb, &waits[i]);
      g_assert_true (aqmp_job_runner_control_sync (f->runner, aqmp_job_get_id (starts[i].job),
                                                   AQMP_JOB_ACTION_CANCEL, NULL, &error));
      g_assert_no_error (error);
    }
  for (guint i = 0; i < n; i++)
    {
      if (starts[i].job == NULL)
        continue;
      g_assert_true (aqmp_test_wait_for_flag (&waits[i].done, JOB_WAIT_MS));
      g_assert_error (waits[i].error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_CANCELLED);
      call_clear (&waits[i]);
    }
}

static void
count_paused_cb (AqmpClient *client, AqmpEvent *event, gpointer user_data)
{
  guint *n_paused = user_data;

  if (g_strcmp0 (aqmp_json_get_string (aqmp_event_get_data (event), "status"), "paused") == 0)
    (*n_paused)++;
}

/*
 * N backups started at once, while none has been answered: each one sent
 * alone would drain the block layer, pausing and resuming every job before
 * it (N (N - 1) / 2 `paused` events, 190 for 20). Sent together, the first
 * alone and the rest as one transaction, the jobs are paused once or twice
 * each. Every job starts, runs, and is stored with what QEMU said.
 */
static void
test_together (Fixture *f, gconstpointer data)
{
  Call starts[N_TOGETHER] = { { 0, }, };
  guint n_paused = 0;
  gulong handler;

  add_backup_nodes (f, N_TOGETHER);
  handler = g_signal_connect (f->client, "event::JOB_STATUS_CHANGE", G_CALLBACK (count_paused_cb), &n_paused);
  for (guint i = 0; i < N_TOGETHER; i++)
    start_backup (f, NULL, i, &starts[i]);
  for (guint i = 0; i < N_TOGETHER; i++)
    {
      g_autoptr(AqmpJobRecord) record = NULL;
      g_autoptr(GError) error = NULL;

      g_assert_true (aqmp_test_wait_for_flag (&starts[i].done, AQMP_TEST_WAIT_MS));
      g_assert_no_error (starts[i].error);
      g_assert_false (aqmp_job_is_ended (starts[i].job));
      g_assert_true (aqmp_job_runner_lookup (f->runner, aqmp_job_get_id (starts[i].job)) == starts[i].job);
      record = aqmp_job_store_get_job (f->store, aqmp_job_get_store_id (starts[i].job), &error);
      g_assert_no_error (error);
      g_assert_cmpint (aqmp_job_record_get_result (record), ==, AQMP_JOB_RESULT_NONE);
    }
  g_signal_handler_disconnect (f->client, handler);
  g_test_message ("%u backups started together: %u paused events", N_TOGETHER, n_paused);
  g_assert_cmpuint (n_paused, <=, 2 * N_TOGETHER);

  cancel_all (f, starts, N_TOGETHER);
  for (guint i = 0; i < N_TOGETHER; i++)
    {
      g_autofree gchar *transitions = aqmp_test_job_transitions (f->store, aqmp_job_get_store_id (starts[i].job));

      g_assert_true (g_str_has_prefix (transitions, "created,"));
      g_assert_true (g_str_has_suffix (transitions, "concluded,null"));
      call_clear (&starts[i]);
    }
  aqmp_test_job_assert_integrity (f->store);
}

/*
 * Four starts sent together, the third of a node QEMU does not have: the
 * first goes alone, the other three as one transaction, which QEMU
 * refuses as a whole (after making the second's job and ending it again:
 * `concluded`, `null`); each is then sent alone, so that the good ones
 * start and the bad one fails with QEMU's own words, as if it had been
 * sent alone from the start.
 */
static void
test_refused_transaction (Fixture *f, gconstpointer data)
{
  Call starts[4] = { { 0, }, };
  g_autoptr(AqmpJobRecord) record = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(GError) error = NULL;
  gint64 bad_row;

  add_backup_nodes (f, 4);
  for (guint i = 0; i < 4; i++)
    start_backup (f, i == 2 ? "missing" : NULL, i, &starts[i]);
  for (guint i = 0; i < 4; i++)
    g_assert_true (aqmp_test_wait_for_flag (&starts[i].done, AQMP_TEST_WAIT_MS));

  g_assert_null (starts[2].job);
  g_assert_error (starts[2].error, AQMP_ERROR, AQMP_ERROR_COMMAND);
  g_assert_nonnull (strstr (starts[2].error->message, "missing"));
  for (guint i = 0; i < 4; i++)
    {
      if (i == 2)
        continue;
      g_assert_no_error (starts[i].error);
      g_assert_false (aqmp_job_is_ended (starts[i].job));
    }
  jobs = aqmp_job_runner_get_jobs (f->runner);
  g_assert_cmpuint (jobs->len, ==, 3);

  /* the refused start is in the store as failed, with QEMU's words */
  {
    g_autoptr(GPtrArray) rows = aqmp_job_store_list_jobs (f->store, f->qemu->address, FALSE, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (rows->len, ==, 4);
    bad_row = 0;
    for (guint i = 0; i < rows->len; i++)
      {
        AqmpJobRecord *row = g_ptr_array_index (rows, i);
        if (aqmp_job_record_get_result (row) == AQMP_JOB_RESULT_FAILED)
          {
            g_assert_cmpint (bad_row, ==, 0);
            bad_row = aqmp_job_record_get_row (row);
          }
      }
    g_assert_cmpint (bad_row, !=, 0);
  }
  record = aqmp_job_store_get_job (f->store, bad_row, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (aqmp_job_record_get_error (record), "missing"));

  cancel_all (f, starts, 4);
  for (guint i = 0; i < 4; i++)
    {
      g_autofree gchar *transitions = NULL;

      if (i != 2)
        {
          /* what the refused transaction made and ended again is not
           * this job's history: it has one end, the cancel */
          transitions = aqmp_test_job_transitions (f->store, aqmp_job_get_store_id (starts[i].job));
          g_assert_true (g_str_has_prefix (transitions, "created,"));
          g_assert_true (g_str_has_suffix (transitions, "concluded,null"));
          g_assert_true (strstr (transitions, "concluded") == g_strrstr (transitions, "concluded"));
          g_assert_cmpint (aqmp_job_get_result (starts[i].job), ==, AQMP_JOB_RESULT_CANCELLED);
        }
      call_clear (&starts[i]);
    }
  aqmp_test_job_assert_integrity (f->store);
}

typedef struct {
  Fixture *f;
  Call call;
  AqmpJob *nested;      /* started from the callback, synchronously */
  GError *nested_error;
} Nested;

static void
started_then_start_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Nested *n = user_data;
  g_autoptr(JsonObject) args = aqmp_test_object_from_json ("{\"device\": \"src3\", \"target\": \"tgt3\","
                                                           " \"sync\": \"none\"}");

  n->call.job = aqmp_job_runner_start_finish (AQMP_JOB_RUNNER (source), res, &n->call.error);
  n->nested = aqmp_job_runner_start_sync (n->f->runner, "blockdev-backup", args, AQMP_JOB_START_FLAGS_NONE, NULL,
                                          &n->nested_error);
  n->call.done = TRUE;
}

/*
 * A caller whose start completes from a transaction, and who starts the
 * next backup synchronously from its callback: the runner lets the next
 * starts go before it answers the transaction's, so the nested start is
 * sent and answered, not kept waiting behind the one being answered.
 */
static void
test_nested_start (Fixture *f, gconstpointer data)
{
  Call starts[3] = { { 0, }, };
  Nested n = { f, { 0, }, NULL, NULL };

  add_backup_nodes (f, 4);
  start_backup (f, NULL, 0, &starts[0]);
  start_backup (f, NULL, 1, &starts[1]);
  {
    g_autoptr(JsonObject) args = aqmp_test_object_from_json ("{\"device\": \"src2\", \"target\": \"tgt2\","
                                                             " \"sync\": \"none\"}");
    aqmp_job_runner_start_async (f->runner, "blockdev-backup", args, AQMP_JOB_START_FLAGS_NONE, NULL,
                                 started_then_start_cb, &n);
  }
  g_assert_true (aqmp_test_wait_for_flag (&n.call.done, AQMP_TEST_WAIT_MS));
  g_assert_no_error (n.call.error);
  g_assert_no_error (n.nested_error);
  g_assert_nonnull (n.nested);
  g_assert_false (aqmp_job_is_ended (n.nested));
  for (guint i = 0; i < 2; i++)
    {
      g_assert_true (aqmp_test_wait_for_flag (&starts[i].done, AQMP_TEST_WAIT_MS));
      g_assert_no_error (starts[i].error);
    }
  starts[2].job = g_steal_pointer (&n.call.job);
  cancel_all (f, starts, 3);
  {
    Call nested[1] = { { g_steal_pointer (&n.nested), NULL, FALSE, FALSE } };
    cancel_all (f, nested, 1);
    call_clear (&nested[0]);
  }
  for (guint i = 0; i < 3; i++)
    call_clear (&starts[i]);
  aqmp_test_job_assert_integrity (f->store);
}

typedef struct {
  AqmpJobStore *reader;   /* a second connection: reading it flushes nothing */
  guint n_null;
  guint n_recorded;
} EndLog;

static void
null_seen_cb (AqmpClient *client, AqmpEvent *event, gpointer user_data)
{
  EndLog *log = user_data;
  JsonObject *data = aqmp_event_get_data (event);
  g_autoptr(AqmpJobRecord) record = NULL;

  if (g_strcmp0 (aqmp_json_get_string (data, "status"), "null") != 0)
    return;
  log->n_null++;
  record = aqmp_job_store_find_job (log->reader, NULL, aqmp_json_get_string (data, "id"), NULL);
  if (record != NULL && aqmp_job_record_get_result (record) == AQMP_JOB_RESULT_SUCCESS
      && aqmp_job_record_get_finished (record) != 0)
    log->n_recorded++;
}

/*
 * Jobs that end together: the runner dismisses each only once its outcome
 * is committed (it writes the outcomes of one iteration in one
 * transaction, then sends the dismisses), so when QEMU reports a job gone
 * (`null`), another process already reads its result in the store.
 */
static void
test_end_together (Fixture *f, gconstpointer data)
{
  Call starts[N_TOGETHER] = { { 0, }, };
  Call waits[N_TOGETHER] = { { 0, }, };
  g_autoptr(GError) error = NULL;
  EndLog log = { 0, };
  gulong handler;

  log.reader = aqmp_job_store_new (f->db_path, &error);
  g_assert_no_error (error);
  add_backup_nodes (f, N_TOGETHER);
  handler = g_signal_connect (f->client, "event::JOB_STATUS_CHANGE", G_CALLBACK (null_seen_cb), &log);
  for (guint i = 0; i < N_TOGETHER; i++)
    {
      g_autofree gchar *json = g_strdup_printf ("{\"device\": \"src%u\", \"target\": \"tgt%u\", \"sync\": \"full\"}",
                                                i, i);
      g_autoptr(JsonObject) args = aqmp_test_object_from_json (json);
      aqmp_job_runner_start_async (f->runner, "blockdev-backup", args, AQMP_JOB_START_FLAGS_NONE, NULL,
                                   started_cb, &starts[i]);
    }
  for (guint i = 0; i < N_TOGETHER; i++)
    {
      g_assert_true (aqmp_test_wait_for_flag (&starts[i].done, AQMP_TEST_WAIT_MS));
      g_assert_no_error (starts[i].error);
      aqmp_job_wait_async (starts[i].job, NULL, waited_cb, &waits[i]);
    }
  for (guint i = 0; i < N_TOGETHER; i++)
    {
      g_assert_true (aqmp_test_wait_for_flag (&waits[i].done, JOB_WAIT_MS));
      g_assert_no_error (waits[i].error);
      g_assert_true (waits[i].ok);
      call_clear (&starts[i]);
      call_clear (&waits[i]);
    }
  g_signal_handler_disconnect (f->client, handler);
  g_assert_cmpuint (log.n_null, ==, N_TOGETHER);
  g_assert_cmpuint (log.n_recorded, ==, N_TOGETHER);
  g_clear_object (&log.reader);
  aqmp_test_job_assert_integrity (f->store);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/aqmp/jobs/starts/together", Fixture, NULL, aqmp_test_jobs_setup, test_together, aqmp_test_jobs_teardown);
  g_test_add ("/aqmp/jobs/starts/refused-transaction", Fixture, NULL, aqmp_test_jobs_setup, test_refused_transaction,
              aqmp_test_jobs_teardown);
  g_test_add ("/aqmp/jobs/starts/nested-start", Fixture, NULL, aqmp_test_jobs_setup, test_nested_start, aqmp_test_jobs_teardown);
  g_test_add ("/aqmp/jobs/starts/end-together", Fixture, NULL, aqmp_test_jobs_setup, test_end_together, aqmp_test_jobs_teardown);
  return g_test_run ();
}
