/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The jobs library's sync calls against a real QEMU 7.2 (`-machine none`,
 * null-co nodes, jobs held on purpose with aqmp-test-hold): starting,
 * waiting, acting on a job, reconciling and launching without a callback
 * or a loop of the caller's, from the thread that owns the client's
 * context and from another thread while the owner runs it; and the
 * launcher on both its transports.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <aqmp/aqmp-jobs.h>

#include "aqmp-test-hold.h"
#include "aqmp-test-jobs.h"
#include "aqmp-test-qemu.h"

#define MIB (1024 * 1024)
#define JOB_WAIT_MS 30000

/* a QEMU, a store and a runner polling every 50 ms */
typedef AqmpTestJobs Fixture;

static void
add_null_node (AqmpClient *client, const gchar *name, gint64 size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) args = json_object_new ();
  g_autoptr(JsonNode) value = NULL;

  json_object_set_string_member (args, "driver", "null-co");
  json_object_set_string_member (args, "node-name", name);
  json_object_set_int_member (args, "size", size);
  value = aqmp_client_execute_sync (client, "blockdev-add", args, NULL, &error);
  g_assert_no_error (error);
}

static JsonObject *
backup_args (const gchar *job_id, const gchar *device, const gchar *target)
{
  JsonObject *args = json_object_new ();

  if (job_id != NULL)
    json_object_set_string_member (args, "job-id", job_id);
  json_object_set_string_member (args, "device", device);
  json_object_set_string_member (args, "target", target);
  json_object_set_string_member (args, "sync", "full");
  return args;
}

/* a backup to a hold node, running and held */
static AqmpJob *
start_held (Fixture *f, const gchar *id)
{
  g_autoptr(JsonObject) args = backup_args (id, "src", "tgt");
  g_autoptr(GError) error = NULL;
  AqmpJob *job;

  add_null_node (f->client, "src", 1024 * MIB);
  aqmp_test_hold_add (f->client, "tgt", 1024 * MIB);
  job = aqmp_job_runner_start_sync (f->runner, "blockdev-backup", args, AQMP_JOB_START_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (job);
  g_assert_true (aqmp_test_wait_until (aqmp_test_job_has_progress, job, JOB_WAIT_MS));
  g_assert_false (aqmp_job_is_ended (job));
  return job;
}

/* ----- starting and waiting ----- */

static void
test_start_wait (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonObject) args = backup_args (NULL, "src", "tgt");
  g_autoptr(JsonObject) tx = aqmp_test_object_from_json (
    "{\"actions\": [{\"type\": \"blockdev-backup\", \"data\": {\"job-id\": \"tx0\", \"device\": \"src\","
    " \"target\": \"tgt1\", \"sync\": \"full\"}}, {\"type\": \"blockdev-backup\", \"data\": {\"job-id\": \"tx1\","
    " \"device\": \"src\", \"target\": \"tgt2\", \"sync\": \"full\"}}]}");
  g_autoptr(AqmpJob) job = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(AqmpJobRecord) record = NULL;
  g_autoptr(GError) error = NULL;

  add_null_node (f->client, "src", 4 * MIB);
  add_null_node (f->client, "tgt", 4 * MIB);
  add_null_node (f->client, "tgt1", 4 * MIB);
  add_null_node (f->client, "tgt2", 4 * MIB);

  /* one job: it exists when the call returns, and the wait sees its end */
  job = aqmp_job_runner_start_sync (f->runner, "blockdev-backup", args, AQMP_JOB_START_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (job);
  g_assert_true (aqmp_job_runner_lookup (f->runner, aqmp_job_get_id (job)) == job);
  g_assert_cmpint (aqmp_job_get_started_by_uid (job), ==, getuid ());
  g_assert_true (aqmp_test_job_wait (job, JOB_WAIT_MS, &error));
  g_assert_no_error (error);
  g_assert_cmpint (aqmp_job_get_result (job), ==, AQMP_JOB_RESULT_SUCCESS);
  g_assert_cmpint (aqmp_job_get_status (job), ==, AQMP_JOB_STATUS_NULL);
  record = aqmp_job_store_get_job (f->store, aqmp_job_get_store_id (job), &error);
  g_assert_no_error (error);
  g_assert_cmpint (aqmp_job_record_get_result (record), ==, AQMP_JOB_RESULT_SUCCESS);
  /* an ended job's wait returns at once, with the same outcome */
  g_assert_true (aqmp_job_wait_sync (job, NULL, &error));
  g_assert_no_error (error);

  /* a transaction: every job it starts, for another uid */
  jobs = aqmp_job_runner_start_full_sync (f->runner, "transaction", tx, AQMP_JOB_START_FLAGS_NONE, 4242, NULL,
                                          &error);
  g_assert_no_error (error);
  g_assert_cmpuint (jobs->len, ==, 2);
  for (guint i = 0; i < jobs->len; i++)
    {
      AqmpJob *each = g_ptr_array_index (jobs, i);

      g_assert_cmpint (aqmp_job_get_started_by_uid (each), ==, 4242);
      g_assert_true (aqmp_test_job_wait (each, JOB_WAIT_MS, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpstr (aqmp_job_get_id (g_ptr_array_index (jobs, 0)), ==, "tx0");
  g_assert_cmpstr (aqmp_job_get_id (g_ptr_array_index (jobs, 1)), ==, "tx1");
}

static void
test_start_refused (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonObject) args = backup_args ("nope", "missing", "x");
  g_autoptr(AqmpJob) job = NULL;
  g_autoptr(GError) error = NULL;

  /* no job: refused before anything is sent */
  job = aqmp_job_runner_start_sync (f->runner, "query-status", NULL, AQMP_JOB_START_FLAGS_NONE, NULL, &error);
  g_assert_null (job);
  g_assert_error (error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_NOT_A_JOB);
  g_clear_error (&error);
  /* QEMU's refusal, in QEMU's words */
  job = aqmp_job_runner_start_sync (f->runner, "blockdev-backup", args, AQMP_JOB_START_FLAGS_NONE, NULL, &error);
  g_assert_null (job);
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_COMMAND);
  g_assert_nonnull (strstr (error->message, "missing"));
  g_clear_error (&error);
  /* cancelled before the command went */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_autoptr(GPtrArray) none = NULL;

    g_cancellable_cancel (cancellable);
    none = aqmp_job_runner_start_full_sync (f->runner, "blockdev-backup", args, AQMP_JOB_START_FLAGS_NONE, 0,
                                            cancellable, &error);
    g_assert_null (none);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  }
  g_assert_null (aqmp_job_runner_lookup (f->runner, "nope"));
}

/* ----- acting on a job ----- */

/* the speed QEMU has for a block job */
static gint64
block_job_speed (AqmpClient *client, const gchar *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_sync (client, "query-block-jobs", NULL, NULL, &error);
  JsonArray *jobs;

  g_assert_no_error (error);
  jobs = json_node_get_array (value);
  for (guint i = 0; i < json_array_get_length (jobs); i++)
    {
      JsonObject *job = json_array_get_object_element (jobs, i);
      if (g_strcmp0 (json_object_get_string_member (job, "device"), id) == 0)
        return json_object_get_int_member (job, "speed");
    }
  g_error ("QEMU has no block job %s", id);
}

static void
test_control (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpJob) job = start_held (f, "held");
  g_autoptr(GError) error = NULL;

  /* QEMU's answers come back as the call's result */
  g_assert_true (aqmp_job_runner_set_speed_sync (f->runner, "held", 4 * MIB, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (block_job_speed (f->client, "held"), ==, 4 * MIB);
  g_assert_false (aqmp_job_runner_control_sync (f->runner, "held", AQMP_JOB_ACTION_COMPLETE, NULL, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_COMMAND);
  g_clear_error (&error);
  g_assert_false (aqmp_job_runner_control_sync (f->runner, "no-such-job", AQMP_JOB_ACTION_PAUSE, NULL, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_COMMAND);
  g_clear_error (&error);
  g_assert_false (aqmp_job_runner_set_speed_sync (f->runner, "no-such-job", 1, NULL, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_COMMAND);
  g_clear_error (&error);

  /* paused once the requests under way end */
  g_assert_true (aqmp_job_runner_control_sync (f->runner, "held", AQMP_JOB_ACTION_PAUSE, NULL, &error));
  g_assert_no_error (error);
  aqmp_test_hold_release (f->client, "tgt", NULL);
  aqmp_test_job_wait_for_status (job, AQMP_JOB_STATUS_PAUSED, JOB_WAIT_MS);
  aqmp_test_hold_close (f->client, "tgt");
  g_assert_true (aqmp_job_runner_control_sync (f->runner, "held", AQMP_JOB_ACTION_RESUME, NULL, &error));
  aqmp_test_job_wait_for_status (job, AQMP_JOB_STATUS_RUNNING, JOB_WAIT_MS);

  /* cancelled, and the wait says so */
  g_assert_true (aqmp_job_runner_control_sync (f->runner, "held", AQMP_JOB_ACTION_CANCEL, NULL, &error));
  g_assert_no_error (error);
  aqmp_test_hold_release (f->client, "tgt", NULL);
  g_assert_false (aqmp_test_job_wait (job, JOB_WAIT_MS, &error));
  g_assert_error (error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_CANCELLED);
  g_assert_cmpint (aqmp_job_get_result (job), ==, AQMP_JOB_RESULT_CANCELLED);
}

/* a cancelled wait stops waiting, not the job */
static void
test_wait_cancelled (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpJob) job = start_held (f, "held");
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  g_cancellable_cancel (cancelled);
  g_assert_false (aqmp_job_wait_sync (job, cancelled, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  /* cancelled while it waits: the job is held, so only the cancellation
   * can end this wait */
  {
    g_autoptr(AqmpTestDeadline) deadline = aqmp_test_deadline_new (100);

    g_assert_false (aqmp_job_wait_sync (job, aqmp_test_deadline_get_cancellable (deadline), &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&error);
  }
  g_assert_false (aqmp_job_is_ended (job));
  g_assert_true (aqmp_job_runner_lookup (f->runner, "held") == job);
  aqmp_test_hold_release (f->client, "tgt", NULL);
  g_assert_true (aqmp_test_job_wait (job, JOB_WAIT_MS, &error));
  g_assert_no_error (error);
}

/* the runner goes away: the job is let go of, and a wait says so at once,
 * also when its client is gone too */
static void
test_runner_gone (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpJob) job = start_held (f, "held");
  g_autoptr(GError) error = NULL;

  g_clear_object (&f->runner);
  g_assert_false (aqmp_job_wait_sync (job, NULL, &error));
  g_assert_error (error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_DISCONNECTED);
  g_clear_error (&error);
  g_clear_object (&f->client);
  g_assert_false (aqmp_job_wait_sync (job, NULL, &error));
  g_assert_error (error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_DISCONNECTED);
  g_assert_nonnull (strstr (error->message, "stopped following job held"));
}

/* ----- reconciling and launching ----- */

static void
test_reconcile (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonObject) args = backup_args ("theirs", "src", "tgt");
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(GPtrArray) attached = NULL;
  g_autoptr(GError) error = NULL;
  AqmpJob *job;

  /* a job someone else started, held */
  add_null_node (f->client, "src", 1024 * MIB);
  aqmp_test_hold_add (f->client, "tgt", 1024 * MIB);
  value = aqmp_client_execute_sync (f->client, "blockdev-backup", args, NULL, &error);
  g_assert_no_error (error);
  attached = aqmp_job_runner_reconcile_sync (f->runner, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (attached->len, ==, 1);
  job = g_ptr_array_index (attached, 0);
  g_assert_cmpstr (aqmp_job_get_id (job), ==, "theirs");
  g_assert_null (aqmp_job_get_command (job));
  aqmp_test_hold_release (f->client, "tgt", NULL);
  g_assert_true (aqmp_test_job_wait (job, JOB_WAIT_MS, &error));
  g_assert_no_error (error);
}

static void
test_launch (void)
{
  g_autoptr(AqmpLauncher) launcher = aqmp_launcher_new (AQMP_TEST_QEMU);
  g_autoptr(AqmpClient) client = NULL;
  g_autoptr(AqmpJobRunner) runner = NULL;
  g_autoptr(AqmpJob) job = NULL;
  g_autoptr(JsonObject) args = backup_args (NULL, "src", "tgt");
  g_autoptr(GError) error = NULL;

  aqmp_launcher_set_quiet (launcher, TRUE);
  aqmp_launcher_add_arguments (launcher, "-machine", "none", "-nodefaults", "-display", "none", NULL);
  aqmp_client_set_connect_timeout (aqmp_launcher_get_client (launcher), AQMP_TEST_WAIT_MS);
  aqmp_client_set_default_timeout (aqmp_launcher_get_client (launcher), AQMP_TEST_WAIT_MS);
  client = aqmp_launcher_launch_sync (launcher, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (aqmp_client_get_state (client), ==, AQMP_STATE_RUNNING);
  runner = aqmp_job_runner_new (client, NULL, "launched");
  add_null_node (client, "src", 4 * MIB);
  add_null_node (client, "tgt", 4 * MIB);
  job = aqmp_job_runner_start_sync (runner, "blockdev-backup", args, AQMP_JOB_START_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (aqmp_test_job_wait (job, JOB_WAIT_MS, &error));
  g_assert_no_error (error);
  /* a launcher starts one QEMU */
  g_assert_null (aqmp_launcher_launch_sync (launcher, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  aqmp_launcher_stop (launcher);
}

/* ----- the launcher, on both transports ----- */

static void
test_launcher (gconstpointer data)
{
  AqmpLauncherTransport transport = GPOINTER_TO_INT (data);
  g_autoptr(AqmpLauncher) launcher = aqmp_launcher_new (AQMP_TEST_QEMU);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) status = NULL;
  g_autoptr(AqmpJobRunner) runner = NULL;
  g_autoptr(AqmpJob) job = NULL;
  g_autoptr(AqmpClient) client = NULL;
  g_autoptr(JsonObject) args = backup_args (NULL, "src", "tgt");
  g_autofree gchar *machine = NULL;
  g_autofree gchar *pid = NULL;

  aqmp_launcher_set_transport (launcher, transport);
  aqmp_launcher_set_quiet (launcher, TRUE);
  aqmp_launcher_add_arguments (launcher, "-machine", "none", "-nodefaults", "-display", "none", NULL);
  /* bounded by the client's connect timeout */
  aqmp_client_set_connect_timeout (aqmp_launcher_get_client (launcher), AQMP_TEST_WAIT_MS);
  client = aqmp_launcher_launch_sync (launcher, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (client == aqmp_launcher_get_client (launcher));
  g_assert_cmpint (aqmp_client_get_state (aqmp_launcher_get_client (launcher)), ==, AQMP_STATE_RUNNING);
  status = aqmp_client_execute_sync (aqmp_launcher_get_client (launcher), "query-status", NULL, NULL, &error);
  g_assert_no_error (error);
  machine = aqmp_launcher_get_machine (launcher);
  g_assert_true (g_str_has_prefix (machine, "qemu-pid:"));

  /* a job on it, with no store */
  runner = aqmp_job_runner_new (aqmp_launcher_get_client (launcher), NULL, machine);
  add_null_node (aqmp_launcher_get_client (launcher), "src", 4 * MIB);
  add_null_node (aqmp_launcher_get_client (launcher), "tgt", 4 * MIB);
  job = aqmp_job_runner_start_sync (runner, "blockdev-backup", args, AQMP_JOB_START_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (aqmp_test_job_wait (job, JOB_WAIT_MS, &error));
  g_assert_no_error (error);
  g_assert_cmpint (aqmp_job_get_store_id (job), ==, 0);

  /* stop kills and reaps */
  pid = g_strdup (g_subprocess_get_identifier (aqmp_launcher_get_process (launcher)));
  aqmp_launcher_stop (launcher);
  g_assert_null (aqmp_launcher_get_process (launcher));
  g_assert_cmpint (kill (atoi (pid), 0), !=, 0);
}

static void
test_launcher_bad_binary (void)
{
  g_autoptr(AqmpLauncher) launcher = aqmp_launcher_new ("/nonexistent/qemu");
  g_autoptr(AqmpClient) client = NULL;
  g_autoptr(GError) error = NULL;

  client = aqmp_launcher_launch_sync (launcher, NULL, &error);
  g_assert_null (client);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "/nonexistent/qemu"));
}

/* ----- from another thread ----- */

typedef struct {
  Fixture *f;
  GMainContext *context;
  gboolean ok;
  gchar *problem;
  gboolean done;
} Worker;

static gboolean
worker_done_cb (gpointer user_data)
{
  Worker *w = user_data;

  w->done = TRUE;
  return G_SOURCE_REMOVE;
}

/* the whole job in sync calls; the test's thread runs the context */
static gpointer
worker_thread (gpointer data)
{
  Worker *w = data;
  g_autoptr(JsonObject) args = backup_args ("threaded", "src", "tgt");
  g_autoptr(AqmpJob) job = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpTestDeadline) deadline = aqmp_test_deadline_new (JOB_WAIT_MS);

  job = aqmp_job_runner_start_sync (w->f->runner, "blockdev-backup", args, AQMP_JOB_START_FLAGS_NONE, NULL, &error);
  if (job != NULL && aqmp_job_wait_sync (job, aqmp_test_deadline_get_cancellable (deadline), &error))
    w->ok = TRUE;
  if (error != NULL)
    w->problem = g_strdup (error->message);
  g_main_context_invoke (w->context, worker_done_cb, w);
  return NULL;
}

static void
test_other_thread (Fixture *f, gconstpointer data)
{
  Worker w = { f, aqmp_client_get_context (f->client), FALSE, NULL, FALSE };
  GThread *thread;

  add_null_node (f->client, "src", 4 * MIB);
  add_null_node (f->client, "tgt", 4 * MIB);
  thread = g_thread_new ("aqmp-test-worker", worker_thread, &w);
  /* this thread owns the client's context throughout */
  g_assert_true (aqmp_test_wait_for_flag (&w.done, JOB_WAIT_MS + AQMP_TEST_WAIT_MS));
  g_thread_join (thread);
  g_assert_cmpstr (w.problem, ==, NULL);
  g_assert_true (w.ok);
  g_assert_null (aqmp_job_runner_lookup (f->runner, "threaded"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/aqmp/jobs/sync/start-wait", Fixture, NULL, aqmp_test_jobs_setup, test_start_wait, aqmp_test_jobs_teardown);
  g_test_add ("/aqmp/jobs/sync/start-refused", Fixture, NULL, aqmp_test_jobs_setup, test_start_refused, aqmp_test_jobs_teardown);
  g_test_add ("/aqmp/jobs/sync/control", Fixture, NULL, aqmp_test_jobs_setup, test_control, aqmp_test_jobs_teardown);
  g_test_add ("/aqmp/jobs/sync/wait-cancelled", Fixture, NULL, aqmp_test_jobs_setup, test_wait_cancelled, aqmp_test_jobs_teardown);
  g_test_add ("/aqmp/jobs/sync/runner-gone", Fixture, NULL, aqmp_test_jobs_setup, test_runner_gone, aqmp_test_jobs_teardown);
  g_test_add ("/aqmp/jobs/sync/reconcile", Fixture, NULL, aqmp_test_jobs_setup, test_reconcile, aqmp_test_jobs_teardown);
  g_test_add ("/aqmp/jobs/sync/other-thread", Fixture, NULL, aqmp_test_jobs_setup, test_other_thread, aqmp_test_jobs_teardown);
  g_test_add_func ("/aqmp/jobs/sync/launch", test_launch);
  g_test_add_data_func ("/aqmp/jobs/launcher/socketpair", GINT_TO_POINTER (AQMP_LAUNCHER_TRANSPORT_SOCKETPAIR),
                        test_launcher);
  g_test_add_data_func ("/aqmp/jobs/launcher/listen", GINT_TO_POINTER (AQMP_LAUNCHER_TRANSPORT_LISTEN), test_launcher);
  g_test_add_func ("/aqmp/jobs/launcher/bad-binary", test_launcher_bad_binary);
  return g_test_run ();
}
