/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * AqmpJobRunner, AqmpJobStore and AqmpLauncher against a real QEMU 7.2
 * (`-machine none` with `blockdev-add`).
 */
#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include <aqmp/aqmp-jobs.h>

#include "aqmp-test-hold.h"
#include "aqmp-test-jobs.h"
#include "aqmp-test-qemu.h"

#define MIB (1024 * 1024)
/* a job in these tests never takes longer */
#define JOB_WAIT_MS 30000

/* a QEMU, a store and a runner polling every 50 ms */
typedef AqmpTestJobs Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  aqmp_test_jobs_setup (f, data);
  aqmp_job_runner_set_checkpoint_interval (f->runner, 200);
}

/* ----- helpers ----- */

static void
qmp (AqmpClient *client, const gchar *command, const gchar *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) args = json != NULL ? aqmp_test_object_from_json (json) : NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_sync (client, command, args, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (value);
}

static void
add_null_node (AqmpClient *client, const gchar *name, gint64 size)
{
  g_autofree gchar *json = g_strdup_printf ("{\"driver\": \"null-co\", \"node-name\": \"%s\", \"size\": %"
                                            G_GINT64_FORMAT "}", name, size);
  qmp (client, "blockdev-add", json);
}

/* one async start or wait, for the tests that put many in flight at
 * once; the others use the sync calls */
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
  c->done = FALSE;
  c->ok = FALSE;
}

static void
started_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Call *c = user_data;

  c->job = aqmp_job_runner_start_finish (AQMP_JOB_RUNNER (source), res, &c->error);
  c->done = TRUE;
}

/* each QMP call of a start is bounded by the client's default timeout */
static AqmpJob *
start_job_full (AqmpJobRunner *runner, const gchar *command, const gchar *json, AqmpJobStartFlags flags,
                GError **error)
{
  g_autoptr(JsonObject) args = aqmp_test_object_from_json (json);

  return aqmp_job_runner_start_sync (runner, command, args, flags, NULL, error);
}

static AqmpJob *
start_job (AqmpJobRunner *runner, const gchar *command, const gchar *json, AqmpJobStartFlags flags)
{
  g_autoptr(GError) error = NULL;
  AqmpJob *job = start_job_full (runner, command, json, flags, &error);

  g_assert_no_error (error);
  g_assert_nonnull (job);
  return job;
}

static void
waited_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Call *c = user_data;

  c->ok = aqmp_job_wait_finish (AQMP_JOB (source), res, &c->error);
  c->done = TRUE;
}

static gboolean
wait_job (AqmpJob *job, GError **error)
{
  return aqmp_test_job_wait (job, JOB_WAIT_MS, error);
}

static gboolean
control_job (AqmpJobRunner *runner, const gchar *id, AqmpJobAction action, GError **error)
{
  return aqmp_job_runner_control_sync (runner, id, action, NULL, error);
}

static AqmpJobRecord *
stored_job (AqmpJobStore *store, AqmpJob *job)
{
  g_autoptr(GError) error = NULL;
  AqmpJobRecord *record = aqmp_job_store_get_job (store, aqmp_job_get_store_id (job), &error);

  g_assert_no_error (error);
  return record;
}

static void
assert_stored_result (AqmpJobStore *store, AqmpJob *job, const gchar *result)
{
  g_autoptr(AqmpJobRecord) record = stored_job (store, job);

  g_assert_cmpstr (aqmp_job_result_to_string (aqmp_job_record_get_result (record)), ==, result);
  g_assert_cmpint (aqmp_job_record_get_finished (record), !=, 0);
}

/* ----- backup ----- */

typedef struct {
  GArray *fractions;
  gboolean saw_rate;
  gboolean saw_eta;
} ProgressLog;

static void
fraction_cb (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  ProgressLog *log = user_data;
  AqmpJob *job = AQMP_JOB (object);
  gdouble fraction = aqmp_job_get_fraction (job);

  if (aqmp_job_get_fraction_valid (job))
    g_array_append_val (log->fractions, fraction);
  if (aqmp_job_get_rate (job) > 0)
    log->saw_rate = TRUE;
  if (aqmp_job_get_expected_end_time (job) > 0)
    log->saw_eta = TRUE;
}

typedef struct {
  AqmpJob *job;
  gint64 above;
} ProgressAbove;

static gboolean
progress_above (gpointer user_data)
{
  ProgressAbove *p = user_data;

  return aqmp_job_get_current_progress (p->job) > p->above;
}

typedef struct {
  AqmpJobStore *store;
  gint64 row;
  guint n;
} CheckpointCount;

static gboolean
has_checkpoints (gpointer user_data)
{
  CheckpointCount *c = user_data;
  g_autoptr(JsonArray) checkpoints = aqmp_job_store_get_checkpoints (c->store, c->row, NULL);

  /* the runner's polls wake this wait */
  return checkpoints != NULL && json_array_get_length (checkpoints) >= c->n;
}

static void
test_backup_progress (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpJob) job = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpJobRecord) record = NULL;
  g_autoptr(JsonArray) checkpoints = NULL;
  g_autofree gchar *transitions = NULL;
  ProgressLog log = { g_array_new (FALSE, FALSE, sizeof (gdouble)), FALSE, FALSE };
  guint distinct = 0;
  gint64 seen = 0;
  gint64 took;

  add_null_node (f->client, "src", 1024 * MIB);
  aqmp_test_hold_add (f->client, "tgt", 1024 * MIB);
  job = start_job (f->runner, "blockdev-backup", "{\"device\": \"src\", \"target\": \"tgt\", \"sync\": \"full\"}",
                   AQMP_JOB_START_FLAGS_NONE);
  g_assert_true (g_str_has_prefix (aqmp_job_get_id (job), "aqmp-"));
  g_assert_cmpstr (aqmp_job_get_command (job), ==, "blockdev-backup");
  g_assert_cmpstr (aqmp_job_get_machine (job), ==, f->qemu->address);
  g_assert_cmpint (aqmp_job_get_store_id (job), >, 0);
  g_assert_true (aqmp_job_runner_lookup (f->runner, aqmp_job_get_id (job)) == job);
  g_signal_connect (job, "notify::fraction", G_CALLBACK (fraction_cb), &log);

  /* held; each time the runner has seen where it stands, the job moves
   * on a step; the last hold lasts until a few checkpoints are stored */
  for (guint i = 0; i < 3; i++)
    {
      ProgressAbove above = { job, seen };

      g_assert_true (aqmp_test_wait_until (progress_above, &above, JOB_WAIT_MS));
      seen = aqmp_job_get_current_progress (job);
      g_test_message ("held at %" G_GINT64_FORMAT, seen);
      if (i < 2)
        aqmp_test_hold_step (f->client, "tgt", aqmp_job_get_id (job));
    }
  {
    CheckpointCount count = { f->store, aqmp_job_get_store_id (job), 3 };
    g_assert_true (aqmp_test_wait_until (has_checkpoints, &count, JOB_WAIT_MS));
  }
  aqmp_test_hold_release (f->client, "tgt", NULL);
  g_assert_true (wait_job (job, &error));
  g_assert_no_error (error);
  g_assert_cmpint (aqmp_job_get_result (job), ==, AQMP_JOB_RESULT_SUCCESS);
  g_assert_cmpint (aqmp_job_get_status (job), ==, AQMP_JOB_STATUS_NULL);
  g_assert_cmpstr (aqmp_job_get_job_type (job), ==, "backup");
  g_assert_null (aqmp_job_runner_lookup (f->runner, aqmp_job_get_id (job)));

  /* monotonic, reaching 1, with steps in between */
  g_assert_cmpuint (log.fractions->len, >=, 3);
  for (guint i = 0; i < log.fractions->len; i++)
    {
      gdouble v = g_array_index (log.fractions, gdouble, i);
      if (i > 0)
        g_assert_cmpfloat (v, >=, g_array_index (log.fractions, gdouble, i - 1));
      if (v > 0 && v < 1)
        distinct++;
    }
  g_test_message ("%u fractions, %u strictly between 0 and 1", log.fractions->len, distinct);
  g_assert_cmpuint (distinct, >=, 3);
  g_assert_cmpfloat (aqmp_job_get_fraction (job), ==, 1.0);
  g_assert_true (aqmp_job_get_fraction_valid (job));
  g_assert_cmpint (aqmp_job_get_current_progress (job), ==, 1024 * MIB);
  g_assert_true (log.saw_rate);
  g_assert_true (log.saw_eta);
  g_assert_cmpint (aqmp_job_get_end_time (job), >, aqmp_job_get_start_time (job));
  took = aqmp_job_get_end_time (job) - aqmp_job_get_start_time (job);

  /* the store has every transition, the result and a bounded number of
   * checkpoints (one per 200 ms at most, plus the final one) */
  transitions = aqmp_test_job_transitions (f->store, aqmp_job_get_store_id (job));
  g_test_message ("transitions: %s", transitions);
  g_assert_true (g_str_has_prefix (transitions, "created,running,"));
  g_assert_true (g_str_has_suffix (transitions, ",waiting,pending,concluded,null"));
  record = stored_job (f->store, job);
  g_assert_cmpint (aqmp_job_record_get_result (record), ==, AQMP_JOB_RESULT_SUCCESS);
  g_assert_cmpstr (aqmp_job_record_get_job_type (record), ==, "backup");
  g_assert_cmpint (aqmp_job_record_get_current_progress (record), ==, 1024 * MIB);
  checkpoints = aqmp_job_store_get_checkpoints (f->store, aqmp_job_get_store_id (job), &error);
  g_assert_no_error (error);
  g_test_message ("%u checkpoints in %" G_GINT64_FORMAT " ms", json_array_get_length (checkpoints), took / 1000);
  g_assert_cmpuint (json_array_get_length (checkpoints), >=, 3);
  g_assert_cmpuint (json_array_get_length (checkpoints), <=, took / (200 * 1000) + 2);
  g_array_unref (log.fractions);
}

static void
test_start_refused (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpJob) job = start_job_full (f->runner, "blockdev-backup",
                                           "{\"job-id\": \"nope\", \"device\": \"missing\", \"target\": \"x\", \"sync\": \"full\"}",
                                           AQMP_JOB_START_FLAGS_NONE, &error);
  g_autoptr(AqmpJobRecord) record = NULL;

  g_assert_null (job);
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_COMMAND);
  g_assert_null (aqmp_job_runner_lookup (f->runner, "nope"));
  record = aqmp_job_store_find_job (f->store, f->qemu->address, "nope", NULL);
  g_assert_nonnull (record);
  g_assert_cmpint (aqmp_job_record_get_result (record), ==, AQMP_JOB_RESULT_FAILED);
  g_assert_nonnull (strstr (aqmp_job_record_get_error (record), "missing"));
}

static void
test_cancel (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpJob) job = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *transitions = NULL;

  add_null_node (f->client, "src", 1024 * MIB);
  aqmp_test_hold_add (f->client, "tgt", 1024 * MIB);
  job = start_job (f->runner, "blockdev-backup",
                   "{\"job-id\": \"slow\", \"device\": \"src\", \"target\": \"tgt\", \"sync\": \"full\"}",
                   AQMP_JOB_START_FLAGS_NONE);
  g_assert_cmpstr (aqmp_job_get_id (job), ==, "slow");
  g_assert_true (aqmp_test_wait_until (aqmp_test_job_has_progress, job, JOB_WAIT_MS));
  g_assert_false (aqmp_job_is_ended (job));
  g_assert_true (control_job (f->runner, "slow", AQMP_JOB_ACTION_CANCEL, &error));
  g_assert_no_error (error);
  /* QEMU has the cancel: the requests under way end, then the job */
  aqmp_test_hold_release (f->client, "tgt", NULL);
  g_assert_false (wait_job (job, &error));
  g_assert_error (error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_CANCELLED);
  g_assert_cmpint (aqmp_job_get_result (job), ==, AQMP_JOB_RESULT_CANCELLED);
  g_assert_cmpfloat (aqmp_job_get_fraction (job), <, 1.0);
  assert_stored_result (f->store, job, "cancelled");
  transitions = aqmp_test_job_transitions (f->store, aqmp_job_get_store_id (job));
  g_test_message ("transitions: %s", transitions);
  g_assert_nonnull (strstr (transitions, "aborting"));
  g_assert_true (g_str_has_suffix (transitions, "concluded,null"));
}

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
test_pause_resume_speed (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpJob) job = NULL;
  g_autoptr(GError) error = NULL;

  add_null_node (f->client, "src", 1024 * MIB);
  aqmp_test_hold_add (f->client, "tgt", 1024 * MIB);
  job = start_job (f->runner, "blockdev-backup", "{\"device\": \"src\", \"target\": \"tgt\", \"sync\": \"full\"}",
                   AQMP_JOB_START_FLAGS_NONE);
  aqmp_test_job_wait_for_status (job, AQMP_JOB_STATUS_RUNNING, JOB_WAIT_MS);
  g_assert_true (control_job (f->runner, aqmp_job_get_id (job), AQMP_JOB_ACTION_PAUSE, &error));
  /* the pause takes effect once the requests under way end */
  aqmp_test_hold_release (f->client, "tgt", NULL);
  aqmp_test_job_wait_for_status (job, AQMP_JOB_STATUS_PAUSED, JOB_WAIT_MS);
  aqmp_test_hold_close (f->client, "tgt");
  g_assert_true (control_job (f->runner, aqmp_job_get_id (job), AQMP_JOB_ACTION_RESUME, &error));
  aqmp_test_job_wait_for_status (job, AQMP_JOB_STATUS_RUNNING, JOB_WAIT_MS);
  /* completing a backup makes no sense: QEMU's words come back */
  g_assert_false (control_job (f->runner, aqmp_job_get_id (job), AQMP_JOB_ACTION_COMPLETE, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_COMMAND);
  g_clear_error (&error);
  /* a new speed reaches QEMU */
  g_assert_true (aqmp_job_runner_set_speed_sync (f->runner, aqmp_job_get_id (job), 4 * MIB, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (block_job_speed (f->client, aqmp_job_get_id (job)), ==, 4 * MIB);
  g_assert_true (aqmp_job_runner_set_speed_sync (f->runner, aqmp_job_get_id (job), 0, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (block_job_speed (f->client, aqmp_job_get_id (job)), ==, 0);
  aqmp_test_hold_release (f->client, "tgt", NULL);
  g_assert_true (wait_job (job, &error));
  g_assert_no_error (error);
}

static void
test_manual_finalize_dismiss (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpJob) job = NULL;
  g_autoptr(AqmpJob) kept = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *transitions = NULL;

  add_null_node (f->client, "src", 4 * MIB);
  add_null_node (f->client, "tgt", 4 * MIB);
  add_null_node (f->client, "tgt2", 4 * MIB);

  /* the runner finalizes and dismisses on the caller's behalf */
  job = start_job (f->runner, "blockdev-backup",
                   "{\"device\": \"src\", \"target\": \"tgt\", \"sync\": \"full\","
                   " \"auto-finalize\": false, \"auto-dismiss\": false}", AQMP_JOB_START_FLAGS_NONE);
  g_assert_true (wait_job (job, &error));
  g_assert_no_error (error);
  transitions = aqmp_test_job_transitions (f->store, aqmp_job_get_store_id (job));
  g_test_message ("transitions: %s", transitions);
  g_assert_true (g_str_has_suffix (transitions, "pending,concluded,null"));
  assert_stored_result (f->store, job, "success");

  /* or leaves them to the caller */
  kept = start_job (f->runner, "blockdev-backup",
                    "{\"device\": \"src\", \"target\": \"tgt2\", \"sync\": \"full\","
                    " \"auto-finalize\": false, \"auto-dismiss\": false}",
                    AQMP_JOB_START_FLAGS_NO_FINALIZE | AQMP_JOB_START_FLAGS_NO_DISMISS);
  aqmp_test_job_wait_for_status (kept, AQMP_JOB_STATUS_PENDING, JOB_WAIT_MS);
  g_assert_false (aqmp_job_is_ended (kept));
  g_assert_true (control_job (f->runner, aqmp_job_get_id (kept), AQMP_JOB_ACTION_FINALIZE, &error));
  g_assert_true (wait_job (kept, &error));
  g_assert_no_error (error);
  g_assert_cmpint (aqmp_job_get_status (kept), ==, AQMP_JOB_STATUS_CONCLUDED);
  g_assert_true (control_job (f->runner, aqmp_job_get_id (kept), AQMP_JOB_ACTION_DISMISS, &error));
  g_assert_no_error (error);
  assert_stored_result (f->store, kept, "success");
}

/* ----- mirror ----- */

static void
test_mirror_ready_complete (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpJob) job = NULL;
  g_autoptr(AqmpJob) auto_job = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *transitions = NULL;

  add_null_node (f->client, "src", 8 * MIB);
  add_null_node (f->client, "dst", 8 * MIB);
  add_null_node (f->client, "dst2", 8 * MIB);
  job = start_job (f->runner, "blockdev-mirror",
                   "{\"device\": \"src\", \"target\": \"dst\", \"sync\": \"full\"}", AQMP_JOB_START_FLAGS_NONE);
  aqmp_test_job_wait_for_status (job, AQMP_JOB_STATUS_READY, JOB_WAIT_MS);
  g_assert_false (aqmp_job_is_ended (job));
  g_assert_true (control_job (f->runner, aqmp_job_get_id (job), AQMP_JOB_ACTION_COMPLETE, &error));
  g_assert_no_error (error);
  g_assert_true (wait_job (job, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (aqmp_job_get_job_type (job), ==, "mirror");
  transitions = aqmp_test_job_transitions (f->store, aqmp_job_get_store_id (job));
  g_test_message ("transitions: %s", transitions);
  g_assert_nonnull (strstr (transitions, "running,ready"));
  g_assert_true (g_str_has_suffix (transitions, "concluded,null"));

  /* the runner can complete it as soon as it is ready */
  auto_job = start_job (f->runner, "blockdev-mirror",
                        "{\"device\": \"src\", \"target\": \"dst2\", \"sync\": \"full\"}",
                        AQMP_JOB_START_FLAGS_AUTO_COMPLETE);
  g_assert_true (wait_job (auto_job, &error));
  g_assert_no_error (error);
  assert_stored_result (f->store, auto_job, "success");
}

/* ----- qcow2 chains ----- */

static void
qemu_img (const gchar * const *argv)
{
  g_autoptr(GError) error = NULL;
  gint status = 0;

  g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

/* base <- mid <- top, each blockdev-added with its node name */
static void
make_chain (Fixture *f)
{
  g_autofree gchar *base = aqmp_test_qemu_path (f->qemu, "base.qcow2");
  g_autofree gchar *mid = aqmp_test_qemu_path (f->qemu, "mid.qcow2");
  g_autofree gchar *top = aqmp_test_qemu_path (f->qemu, "top.qcow2");
  g_autofree gchar *json = NULL;
  const gchar *create_base[] = { "qemu-img", "create", "-q", "-f", "qcow2", base, "64M", NULL };
  const gchar *create_mid[] = { "qemu-img", "create", "-q", "-f", "qcow2", "-b", base, "-F", "qcow2", mid, NULL };
  const gchar *create_top[] = { "qemu-img", "create", "-q", "-f", "qcow2", "-b", mid, "-F", "qcow2", top, NULL };

  qemu_img (create_base);
  qemu_img (create_mid);
  qemu_img (create_top);
  json = g_strdup_printf ("{\"driver\": \"qcow2\", \"node-name\": \"base\", \"file\": {\"driver\": \"file\", \"filename\": \"%s\"}}", base);
  qmp (f->client, "blockdev-add", json);
  g_free (json);
  json = g_strdup_printf ("{\"driver\": \"qcow2\", \"node-name\": \"mid\", \"backing\": \"base\", \"file\": {\"driver\": \"file\", \"filename\": \"%s\"}}", mid);
  qmp (f->client, "blockdev-add", json);
  g_free (json);
  json = g_strdup_printf ("{\"driver\": \"qcow2\", \"node-name\": \"top\", \"backing\": \"mid\", \"file\": {\"driver\": \"file\", \"filename\": \"%s\"}}", top);
  qmp (f->client, "blockdev-add", json);
}

static void
test_commit (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpJob) job = NULL;
  g_autoptr(GError) error = NULL;

  make_chain (f);
  job = start_job (f->runner, "block-commit",
                   "{\"device\": \"top\", \"top-node\": \"mid\", \"base-node\": \"base\"}",
                   AQMP_JOB_START_FLAGS_NONE);
  g_assert_true (wait_job (job, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (aqmp_job_get_job_type (job), ==, "commit");
  assert_stored_result (f->store, job, "success");
}

static void
test_commit_active (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpJob) job = NULL;
  g_autoptr(GError) error = NULL;

  /* committing the active layer is a mirror: ready, then completed */
  make_chain (f);
  job = start_job (f->runner, "block-commit", "{\"device\": \"top\"}", AQMP_JOB_START_FLAGS_AUTO_COMPLETE);
  g_assert_true (wait_job (job, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (aqmp_job_get_job_type (job), ==, "commit");
}

static void
test_stream (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpJob) job = NULL;
  g_autoptr(GError) error = NULL;

  make_chain (f);
  job = start_job (f->runner, "block-stream", "{\"device\": \"top\", \"base-node\": \"base\"}",
                   AQMP_JOB_START_FLAGS_NONE);
  g_assert_true (wait_job (job, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (aqmp_job_get_job_type (job), ==, "stream");
  assert_stored_result (f->store, job, "success");
}

/* ----- blockdev-create ----- */

static void
test_create (Fixture *f, gconstpointer data)
{
  g_autofree gchar *path = aqmp_test_qemu_path (f->qemu, "new.qcow2");
  g_autofree gchar *json = NULL;
  g_autofree gchar *transitions = NULL;
  g_autoptr(AqmpJob) file_job = NULL;
  g_autoptr(AqmpJob) qcow2_job = NULL;
  g_autoptr(GError) error = NULL;

  json = g_strdup_printf ("{\"options\": {\"driver\": \"file\", \"filename\": \"%s\", \"size\": 0}}", path);
  file_job = start_job (f->runner, "blockdev-create", json, AQMP_JOB_START_FLAGS_NONE);
  g_assert_true (wait_job (file_job, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (aqmp_job_get_job_type (file_job), ==, "create");
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  /* QEMU never dismisses a create job: the runner did */
  transitions = aqmp_test_job_transitions (f->store, aqmp_job_get_store_id (file_job));
  g_test_message ("transitions: %s", transitions);
  g_assert_true (g_str_has_suffix (transitions, "concluded,null"));

  g_free (json);
  json = g_strdup_printf ("{\"driver\": \"file\", \"node-name\": \"newfile\", \"filename\": \"%s\"}", path);
  qmp (f->client, "blockdev-add", json);
  qcow2_job = start_job (f->runner, "blockdev-create",
                         "{\"options\": {\"driver\": \"qcow2\", \"file\": \"newfile\", \"size\": 67108864}}",
                         AQMP_JOB_START_FLAGS_NONE);
  g_assert_true (wait_job (qcow2_job, &error));
  g_assert_no_error (error);
  assert_stored_result (f->store, qcow2_job, "success");
  qmp (f->client, "blockdev-add", "{\"driver\": \"qcow2\", \"node-name\": \"newdisk\", \"file\": \"newfile\"}");
}

static void
test_create_fails (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpJob) job = NULL;
  g_autoptr(GError) error = NULL;

  /* the job starts, then fails: its error comes from query-jobs */
  job = start_job (f->runner, "blockdev-create",
                   "{\"options\": {\"driver\": \"file\", \"filename\": \"/nonexistent/dir/x.img\", \"size\": 0}}",
                   AQMP_JOB_START_FLAGS_NONE);
  g_assert_false (wait_job (job, &error));
  g_assert_error (error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_FAILED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "No such file or directory"));
  assert_stored_result (f->store, job, "failed");
}

/* ----- failures ----- */

static void
test_blkdebug (Fixture *f, gconstpointer data)
{
  g_autofree gchar *path = aqmp_test_qemu_path (f->qemu, "data.raw");
  g_autofree gchar *content = g_malloc (4 * MIB);
  g_autofree gchar *json = NULL;
  g_autoptr(AqmpJob) job = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpJobRecord) record = NULL;

  /* real data, so that backup has to read and write it */
  memset (content, 0xa5, 4 * MIB);
  g_assert_true (g_file_set_contents (path, content, 4 * MIB, NULL));
  json = g_strdup_printf ("{\"driver\": \"raw\", \"node-name\": \"src\", \"file\": {\"driver\": \"file\", \"filename\": \"%s\"}}", path);
  qmp (f->client, "blockdev-add", json);
  qmp (f->client, "blockdev-add",
       "{\"driver\": \"blkdebug\", \"node-name\": \"bad\", \"image\": {\"driver\": \"null-co\", \"size\": 4194304},"
       " \"inject-error\": [{\"event\": \"none\", \"errno\": 5}]}");
  job = start_job (f->runner, "blockdev-backup",
                   "{\"device\": \"src\", \"target\": \"bad\", \"sync\": \"full\"}", AQMP_JOB_START_FLAGS_NONE);
  g_assert_false (wait_job (job, &error));
  g_assert_error (error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_FAILED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "Input/output error"));
  g_assert_cmpint (aqmp_job_get_result (job), ==, AQMP_JOB_RESULT_FAILED);
  g_assert_nonnull (aqmp_job_get_error (job));
  record = stored_job (f->store, job);
  g_assert_cmpint (aqmp_job_record_get_result (record), ==, AQMP_JOB_RESULT_FAILED);
  g_assert_nonnull (strstr (aqmp_job_record_get_error (record), "Input/output error"));
}

static void
test_qemu_killed (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpJob) job = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpJobRecord) record = NULL;

  add_null_node (f->client, "src", 1024 * MIB);
  aqmp_test_hold_add (f->client, "tgt", 1024 * MIB);
  job = start_job (f->runner, "blockdev-backup", "{\"device\": \"src\", \"target\": \"tgt\", \"sync\": \"full\"}",
                   AQMP_JOB_START_FLAGS_NONE);
  g_assert_true (aqmp_test_wait_until (aqmp_test_job_has_progress, job, JOB_WAIT_MS));
  g_assert_false (aqmp_job_is_ended (job));
  aqmp_test_qemu_kill (f->qemu);
  g_assert_false (wait_job (job, &error));
  g_assert_error (error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_DISCONNECTED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "QEMU went away"));
  g_assert_cmpint (aqmp_job_get_result (job), ==, AQMP_JOB_RESULT_FAILED);
  record = stored_job (f->store, job);
  g_assert_cmpint (aqmp_job_record_get_result (record), ==, AQMP_JOB_RESULT_FAILED);
  g_assert_nonnull (strstr (aqmp_job_record_get_error (record), "QEMU went away"));
  aqmp_test_job_assert_integrity (f->store);
}

/* ----- many at once ----- */

/* srcI and tgtI, 2 MiB null-co nodes, for I below @n */
static void
add_backup_nodes (Fixture *f, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autofree gchar *src = g_strdup_printf ("src%u", i);
      g_autofree gchar *tgt = g_strdup_printf ("tgt%u", i);
      add_null_node (f->client, src, 2 * MIB);
      add_null_node (f->client, tgt, 2 * MIB);
    }
}

/* @n backups srcI -> tgtI from I = @first on, all sent before any is
 * answered */
static void
start_backups_from (Fixture *f, const gchar *sync, guint first, guint n, Call *starts)
{
  for (guint i = first; i < first + n; i++)
    {
      g_autofree gchar *json = g_strdup_printf ("{\"device\": \"src%u\", \"target\": \"tgt%u\", \"sync\": \"%s\"}",
                                                i, i, sync);
      g_autoptr(JsonObject) args = aqmp_test_object_from_json (json);
      aqmp_job_runner_start_async (f->runner, "blockdev-backup", args, AQMP_JOB_START_FLAGS_NONE, NULL,
                                   started_cb, &starts[i]);
    }
}

#define N_CONCURRENT 50

static void
test_concurrent (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) left = NULL;
  g_autoptr(GError) error = NULL;
  Call starts[N_CONCURRENT] = { { 0, }, };
  Call waits[N_CONCURRENT] = { { 0, }, };

  add_backup_nodes (f, N_CONCURRENT);
  /* all in flight at once */
  start_backups_from (f, "full", 0, N_CONCURRENT, starts);
  for (guint i = 0; i < N_CONCURRENT; i++)
    {
      g_assert_true (aqmp_test_wait_for_flag (&starts[i].done, AQMP_TEST_WAIT_MS));
      g_assert_no_error (starts[i].error);
      g_ptr_array_add (jobs, g_object_ref (starts[i].job));
      aqmp_job_wait_async (starts[i].job, NULL, waited_cb, &waits[i]);
    }
  for (guint i = 0; i < N_CONCURRENT; i++)
    {
      g_assert_true (aqmp_test_wait_for_flag (&waits[i].done, JOB_WAIT_MS));
      g_assert_no_error (waits[i].error);
      g_assert_true (waits[i].ok);
      g_assert_cmpfloat (aqmp_job_get_fraction (starts[i].job), ==, 1.0);
      call_clear (&starts[i]);
      call_clear (&waits[i]);
    }
  rows = aqmp_job_store_list_jobs (f->store, f->qemu->address, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, N_CONCURRENT);
  for (guint i = 0; i < rows->len; i++)
    {
      AqmpJobRecord *row = g_ptr_array_index (rows, i);
      g_autofree gchar *transitions = aqmp_test_job_transitions (f->store, aqmp_job_record_get_row (row));
      g_assert_cmpint (aqmp_job_record_get_result (row), ==, AQMP_JOB_RESULT_SUCCESS);
      g_assert_true (g_str_has_prefix (transitions, "created,running,"));
      g_assert_true (g_str_has_suffix (transitions, "concluded,null"));
    }
  left = aqmp_job_runner_get_jobs (f->runner);
  g_assert_cmpuint (left->len, ==, 0);
  aqmp_test_job_assert_integrity (f->store);
}

/* ----- a burst of transitions, batched ----- */

#define N_BURST 40

typedef struct {
  GHashTable *events;   /* job id -> GPtrArray of "status@timestamp", as QEMU sent them */
  guint iterations;     /* main-loop iterations that brought any */
  GSource *next;        /* ends the iteration being counted */
} EventLog;

static gboolean
iteration_ended_cb (gpointer user_data)
{
  EventLog *log = user_data;

  g_clear_pointer (&log->next, g_source_unref);
  return G_SOURCE_REMOVE;
}

static void
status_event_cb (AqmpClient *client, AqmpEvent *event, gpointer user_data)
{
  EventLog *log = user_data;
  JsonObject *data = aqmp_event_get_data (event);
  const gchar *id = json_object_get_string_member (data, "id");
  GPtrArray *list = g_hash_table_lookup (log->events, id);

  /* the same high-priority idle as the runner's flush tells iterations apart */
  if (log->next == NULL)
    {
      log->iterations++;
      log->next = g_idle_source_new ();
      g_source_set_priority (log->next, G_PRIORITY_HIGH);
      g_source_set_callback (log->next, iteration_ended_cb, log, NULL);
      g_source_attach (log->next, aqmp_client_get_context (client));
    }

  if (list == NULL)
    {
      list = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (log->events, g_strdup (id), list);
    }
  g_ptr_array_add (list, g_strdup_printf ("%s@%" G_GINT64_FORMAT, json_object_get_string_member (data, "status"),
                                          aqmp_event_get_timestamp (event)));
}

/*
 * Starting jobs while others run makes QEMU pause and resume all of them
 * (a start drains every node): about N² events for N jobs started one
 * after another (starts sent together go as one transaction, which drains
 * once: test-jobs-starts). A backup with sync "none" runs until it is
 * cancelled, so every start finds the ones before it running. The store must hold every one of them, in
 * the order and with the times QEMU gave, in at most one transaction per
 * main-loop iteration that brought events, plus one per start, one per
 * end and one per first poll of a job (its type and first checkpoint; the
 * checkpoint interval is made long enough for no other).
 */
static void
test_burst_batched (Fixture *f, gconstpointer data)
{
  EventLog log = { g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref), 0, NULL };
  Call starts[N_BURST] = { { 0, }, };
  Call waits[N_BURST] = { { 0, }, };
  g_autoptr(GError) error = NULL;
  guint64 commits;
  guint n_transitions = 0;
  gulong handler;

  add_backup_nodes (f, N_BURST);
  aqmp_job_runner_set_checkpoint_interval (f->runner, JOB_WAIT_MS);
  handler = g_signal_connect (f->client, "event::JOB_STATUS_CHANGE", G_CALLBACK (status_event_cb), &log);
  commits = aqmp_job_store_get_n_commits (f->store);
  for (guint i = 0; i < N_BURST; i++)
    {
      /* each sent once the one before was answered */
      start_backups_from (f, "none", i, 1, starts);
      g_assert_true (aqmp_test_wait_for_flag (&starts[i].done, AQMP_TEST_WAIT_MS));
      g_assert_no_error (starts[i].error);
      aqmp_job_wait_async (starts[i].job, NULL, waited_cb, &waits[i]);
    }
  /* all started, and still running: then cancelled */
  for (guint i = 0; i < N_BURST; i++)
    {
      g_assert_false (aqmp_job_is_ended (starts[i].job));
      g_assert_true (control_job (f->runner, aqmp_job_get_id (starts[i].job), AQMP_JOB_ACTION_CANCEL, &error));
      g_assert_no_error (error);
    }
  for (guint i = 0; i < N_BURST; i++)
    {
      g_assert_true (aqmp_test_wait_for_flag (&waits[i].done, JOB_WAIT_MS));
      g_assert_error (waits[i].error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_CANCELLED);
    }
  commits = aqmp_job_store_get_n_commits (f->store) - commits;
  g_signal_handler_disconnect (f->client, handler);
  if (log.next != NULL)
    g_source_destroy (log.next);
  g_clear_pointer (&log.next, g_source_unref);

  for (guint i = 0; i < N_BURST; i++)
    {
      AqmpJob *job = starts[i].job;
      GPtrArray *sent = g_hash_table_lookup (log.events, aqmp_job_get_id (job));
      g_autoptr(JsonArray) stored = aqmp_job_store_get_transitions (f->store, aqmp_job_get_store_id (job), &error);

      g_assert_no_error (error);
      g_assert_nonnull (sent);
      g_assert_cmpuint (json_array_get_length (stored), ==, sent->len);
      for (guint k = 0; k < sent->len; k++)
        {
          JsonObject *t = json_array_get_object_element (stored, k);
          g_autofree gchar *entry = g_strdup_printf ("%s@%" G_GINT64_FORMAT,
                                                     json_object_get_string_member (t, "status"),
                                                     json_object_get_int_member (t, "timestamp"));
          g_assert_cmpstr (entry, ==, g_ptr_array_index (sent, k));
        }
      n_transitions += sent->len;
      call_clear (&starts[i]);
      call_clear (&waits[i]);
    }
  g_test_message ("%u jobs: %u transitions arrived in %u iterations, stored in %" G_GUINT64_FORMAT " commits",
                  N_BURST, n_transitions, log.iterations, commits);
  /* the pause/resume storm is there, and cost a commit per iteration,
   * not per event */
  g_assert_cmpuint (n_transitions, >, N_BURST * N_BURST / 2);
  g_assert_cmpuint (commits, <=, log.iterations + 3 * N_BURST);
  g_assert_cmpuint (commits, <, n_transitions);
  aqmp_test_job_assert_integrity (f->store);
  g_hash_table_unref (log.events);
}

/* ----- restart safety ----- */

static GPtrArray *
reconcile (AqmpJobRunner *runner)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *attached = aqmp_job_runner_reconcile_sync (runner, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (attached);
  return attached;
}

static void
test_reconcile_lost (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpJobRecord) lost = NULL;
  g_autoptr(AqmpJobRecord) other = NULL;
  g_autoptr(GPtrArray) attached = NULL;
  gint64 row;
  gint64 other_row;

  /* the store thinks a job runs that QEMU never heard of */
  row = aqmp_job_store_add_job (f->store, f->qemu->address, "ghost", "blockdev-backup", NULL, 1, &error);
  g_assert_no_error (error);
  g_assert_true (aqmp_job_store_add_transition (f->store, row, AQMP_JOB_STATUS_RUNNING, 2, &error));
  other_row = aqmp_job_store_add_job (f->store, "another-machine", "ghost", "blockdev-backup", NULL, 1, &error);
  g_assert_no_error (error);

  attached = reconcile (f->runner);
  g_assert_cmpuint (attached->len, ==, 0);
  lost = aqmp_job_store_get_job (f->store, row, &error);
  g_assert_no_error (error);
  g_assert_cmpint (aqmp_job_record_get_result (lost), ==, AQMP_JOB_RESULT_LOST);
  g_assert_nonnull (strstr (aqmp_job_record_get_error (lost), "no longer has"));
  /* another machine's jobs are not this runner's business */
  other = aqmp_job_store_get_job (f->store, other_row, &error);
  g_assert_true (aqmp_job_record_is_active (other));
}

/* QEMU's own view of one job, or NULL */
static JsonObject *
query_job (AqmpClient *client, const gchar *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_sync (client, "query-jobs", NULL, NULL, &error);
  JsonArray *jobs;

  g_assert_no_error (error);
  jobs = json_node_get_array (value);
  for (guint i = 0; i < json_array_get_length (jobs); i++)
    {
      JsonObject *job = json_array_get_object_element (jobs, i);
      if (g_strcmp0 (json_object_get_string_member (job, "id"), id) == 0)
        return json_object_ref (job);
    }
  return NULL;
}

static void
test_reconcile_adopt (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) attached = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpJobRecord) record = NULL;
  g_autoptr(JsonObject) match = aqmp_test_object_from_json ("{\"id\": \"theirs\", \"status\": \"pending\"}");
  g_autoptr(AqmpEventWaiter) pending = NULL;
  g_autoptr(AqmpEvent) event = NULL;
  g_autoptr(JsonObject) info = NULL;
  AqmpJob *job;

  /* a job someone else started, waiting in pending for their finalize */
  add_null_node (f->client, "src", 4 * MIB);
  add_null_node (f->client, "tgt", 4 * MIB);
  pending = aqmp_event_waiter_new (f->client, "JOB_STATUS_CHANGE", match);
  qmp (f->client, "blockdev-backup", "{\"job-id\": \"theirs\", \"device\": \"src\", \"target\": \"tgt\","
                                     " \"sync\": \"full\", \"auto-finalize\": false}");
  event = aqmp_event_waiter_wait_sync (pending, AQMP_TEST_WAIT_MS, NULL, &error);
  g_assert_no_error (error);
  attached = reconcile (f->runner);
  g_assert_cmpuint (attached->len, ==, 1);
  job = g_ptr_array_index (attached, 0);
  g_assert_cmpstr (aqmp_job_get_id (job), ==, "theirs");
  g_assert_null (aqmp_job_get_command (job));
  g_assert_cmpint (aqmp_job_get_started_by_uid (job), ==, -1);
  g_assert_true (aqmp_job_runner_lookup (f->runner, "theirs") == job);
  aqmp_test_job_wait_for_status (job, AQMP_JOB_STATUS_PENDING, JOB_WAIT_MS);
  /* finalizing is its owner's: the runner sent nothing, so QEMU, which
   * answers in order, still has it pending */
  info = query_job (f->client, "theirs");
  g_assert_nonnull (info);
  g_assert_cmpstr (json_object_get_string_member (info, "status"), ==, "pending");
  g_assert_true (control_job (f->runner, "theirs", AQMP_JOB_ACTION_FINALIZE, &error));
  g_assert_no_error (error);
  g_assert_true (wait_job (job, &error));
  g_assert_no_error (error);
  record = stored_job (f->store, job);
  g_assert_cmpstr (aqmp_job_record_get_command (record), ==, "(adopted)");
  g_assert_true (aqmp_job_record_is_adopted (record));
  g_assert_cmpint (aqmp_job_record_get_result (record), ==, AQMP_JOB_RESULT_SUCCESS);
  g_assert_cmpint (aqmp_job_record_get_started_by_uid (record), ==, -1);
}

/*
 * A runner killed with SIGKILL mid-job, then a new one: the helper is this
 * very executable, run with --restart-helper DB ADDRESS. It starts a backup
 * and says "running ID" once the store has the job running, then waits to
 * be killed.
 */
static gint
restart_helper (const gchar *db_path, const gchar *address)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpClient) client = aqmp_test_connect (address);
  g_autoptr(AqmpJobStore) store = aqmp_job_store_new (db_path, &error);
  g_autoptr(AqmpJobRunner) runner = NULL;
  g_autoptr(AqmpJob) job = NULL;
  gboolean never = FALSE;

  g_assert_no_error (error);
  runner = aqmp_job_runner_new (client, store, address);
  aqmp_job_runner_set_poll_interval (runner, 50);
  aqmp_job_runner_set_checkpoint_interval (runner, 100);
  /* held until the parent releases it */
  job = start_job (runner, "blockdev-backup", "{\"device\": \"src\", \"target\": \"tgt\", \"sync\": \"full\"}",
                   AQMP_JOB_START_FLAGS_NONE);
  g_assert_true (aqmp_test_wait_until (aqmp_test_job_has_progress, job, JOB_WAIT_MS));
  g_print ("running %s\n", aqmp_job_get_id (job));
  fflush (stdout);
  /* until killed; the parent gives up long before this */
  aqmp_test_wait_for_flag (&never, 60000);
  return 1;
}

static void
read_line_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  gchar **line = user_data;
  g_autoptr(GError) error = NULL;

  *line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), res, NULL, &error);
  g_assert_no_error (error);
  if (*line == NULL)
    *line = g_strdup ("");
}

static void
helper_exited_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  gboolean *exited = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), res, NULL);
  *exited = TRUE;
}

static gchar *self_path;

static void
test_restart_after_sigkill (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) helper = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(AqmpClient) client = NULL;
  g_autoptr(AqmpJobStore) store = NULL;
  g_autoptr(AqmpJobRunner) runner = NULL;
  g_autoptr(GPtrArray) attached = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(AqmpJobRecord) before = NULL;
  g_autoptr(AqmpJobRecord) after = NULL;
  g_autoptr(JsonArray) before_transitions = NULL;
  g_autoptr(JsonArray) after_transitions = NULL;
  g_autofree gchar *line = NULL;
  g_autofree gchar *transitions = NULL;
  const gchar *id;
  gboolean exited = FALSE;
  AqmpJob *job;

  /* the monitor serves one client: ours leaves before the helper comes */
  add_null_node (f->client, "src", 1024 * MIB);
  aqmp_test_hold_add (f->client, "tgt", 1024 * MIB);
  g_clear_object (&f->runner);
  g_assert_true (aqmp_client_disconnect_sync (f->client, NULL, &error));

  helper = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, self_path, "--restart-helper",
                             f->db_path, f->qemu->address, NULL);
  g_assert_no_error (error);
  g_subprocess_wait_async (helper, NULL, helper_exited_cb, &exited);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (helper));
  g_data_input_stream_read_line_async (out, G_PRIORITY_DEFAULT, NULL, read_line_cb, &line);
  g_assert_true (aqmp_test_wait_for_pointer ((gpointer *) &line, JOB_WAIT_MS));
  g_assert_true (g_str_has_prefix (line, "running "));
  id = line + strlen ("running ");

  g_subprocess_force_exit (helper);
  g_assert_true (aqmp_test_wait_for_flag (&exited, AQMP_TEST_WAIT_MS));
  g_assert_true (g_subprocess_get_if_signaled (helper));
  g_assert_cmpint (g_subprocess_get_term_sig (helper), ==, SIGKILL);

  /* what the killed runner had committed */
  store = aqmp_job_store_new (f->db_path, &error);
  g_assert_no_error (error);
  before = aqmp_job_store_find_job (store, f->qemu->address, id, &error);
  g_assert_no_error (error);
  g_assert_true (aqmp_job_record_is_active (before));
  before_transitions = aqmp_job_store_get_transitions (store, aqmp_job_record_get_row (before), &error);
  g_assert_cmpuint (json_array_get_length (before_transitions), >=, 2);

  /* a new runner on a new connection picks the job up */
  client = aqmp_test_connect (f->qemu->address);
  runner = aqmp_job_runner_new (client, store, f->qemu->address);
  aqmp_job_runner_set_poll_interval (runner, 50);
  attached = reconcile (runner);
  g_assert_cmpuint (attached->len, ==, 1);
  job = g_ptr_array_index (attached, 0);
  g_assert_cmpstr (aqmp_job_get_id (job), ==, id);
  g_assert_cmpint (aqmp_job_get_store_id (job), ==, aqmp_job_record_get_row (before));
  g_assert_false (aqmp_job_is_ended (job));
  aqmp_test_hold_release (client, "tgt", NULL);
  g_assert_true (wait_job (job, &error));
  g_assert_no_error (error);

  /* one row, every transition committed before the kill still there */
  rows = aqmp_job_store_list_jobs (store, f->qemu->address, FALSE, &error);
  g_assert_cmpuint (rows->len, ==, 1);
  after = aqmp_job_store_get_job (store, aqmp_job_get_store_id (job), &error);
  g_assert_cmpint (aqmp_job_record_get_result (after), ==, AQMP_JOB_RESULT_SUCCESS);
  after_transitions = aqmp_job_store_get_transitions (store, aqmp_job_get_store_id (job), &error);
  g_assert_cmpuint (json_array_get_length (after_transitions), >, json_array_get_length (before_transitions));
  for (guint i = 0; i < json_array_get_length (before_transitions); i++)
    {
      JsonObject *a = json_array_get_object_element (before_transitions, i);
      JsonObject *b = json_array_get_object_element (after_transitions, i);
      g_assert_cmpstr (json_object_get_string_member (a, "status"), ==, json_object_get_string_member (b, "status"));
      g_assert_cmpint (json_object_get_int_member (a, "timestamp"), ==, json_object_get_int_member (b, "timestamp"));
    }
  transitions = aqmp_test_job_transitions (store, aqmp_job_get_store_id (job));
  g_test_message ("transitions: %s", transitions);
  g_assert_true (g_str_has_prefix (transitions, "created,running"));
  g_assert_true (g_str_has_suffix (transitions, "concluded,null"));
  aqmp_test_job_assert_integrity (store);
}

int
main (int argc, char **argv)
{
  if (argc == 4 && g_strcmp0 (argv[1], "--restart-helper") == 0)
    return restart_helper (argv[2], argv[3]);
  self_path = argv[0];
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/aqmp/jobs/backup/progress", Fixture, NULL, fixture_setup, test_backup_progress, aqmp_test_jobs_teardown);
  g_test_add ("/aqmp/jobs/start/refused", Fixture, NULL, fixture_setup, test_start_refused, aqmp_test_jobs_teardown);
  g_test_add ("/aqmp/jobs/cancel", Fixture, NULL, fixture_setup, test_cancel, aqmp_test_jobs_teardown);
  g_test_add ("/aqmp/jobs/pause-resume-speed", Fixture, NULL, fixture_setup, test_pause_resume_speed, aqmp_test_jobs_teardown);
  g_test_add ("/aqmp/jobs/manual-finalize-dismiss", Fixture, NULL, fixture_setup, test_manual_finalize_dismiss, aqmp_test_jobs_teardown);
  g_test_add ("/aqmp/jobs/mirror/ready-complete", Fixture, NULL, fixture_setup, test_mirror_ready_complete, aqmp_test_jobs_teardown);
  g_test_add ("/aqmp/jobs/commit", Fixture, NULL, fixture_setup, test_commit, aqmp_test_jobs_teardown);
  g_test_add ("/aqmp/jobs/commit-active", Fixture, NULL, fixture_setup, test_commit_active, aqmp_test_jobs_teardown);
  g_test_add ("/aqmp/jobs/stream", Fixture, NULL, fixture_setup, test_stream, aqmp_test_jobs_teardown);
  g_test_add ("/aqmp/jobs/create", Fixture, NULL, fixture_setup, test_create, aqmp_test_jobs_teardown);
  g_test_add ("/aqmp/jobs/create-fails", Fixture, NULL, fixture_setup, test_create_fails, aqmp_test_jobs_teardown);
  g_test_add ("/aqmp/jobs/blkdebug", Fixture, NULL, fixture_setup, test_blkdebug, aqmp_test_jobs_teardown);
  g_test_add ("/aqmp/jobs/qemu-killed", Fixture, NULL, fixture_setup, test_qemu_killed, aqmp_test_jobs_teardown);
  g_test_add ("/aqmp/jobs/concurrent", Fixture, NULL, fixture_setup, test_concurrent, aqmp_test_jobs_teardown);
  g_test_add ("/aqmp/jobs/burst-batched", Fixture, NULL, fixture_setup, test_burst_batched, aqmp_test_jobs_teardown);
  g_test_add ("/aqmp/jobs/reconcile/lost", Fixture, NULL, fixture_setup, test_reconcile_lost, aqmp_test_jobs_teardown);
  g_test_add ("/aqmp/jobs/reconcile/adopt", Fixture, NULL, fixture_setup, test_reconcile_adopt, aqmp_test_jobs_teardown);
  g_test_add ("/aqmp/jobs/reconcile/after-sigkill", Fixture, NULL, fixture_setup, test_restart_after_sigkill, aqmp_test_jobs_teardown);
  return g_test_run ();
}
