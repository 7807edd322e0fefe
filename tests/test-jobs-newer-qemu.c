/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * AqmpJobRunner against a QEMU newer than the typed layer (libaqmp-qmp,
 * generated from QEMU 7.2's schema), played by the project's AqmpServer.
 *
 * The runner sends its job-* commands and block-job-set-speed through the
 * typed calls, and these must reach QEMU as they always did. It reads
 * `query-jobs` and `JOB_STATUS_CHANGE` without the typed layer, on
 * purpose: a newer QEMU may report a job type or status 7.2 does not
 * have, which fails a typed `query-jobs` whole (AQMP_ERROR_PROTOCOL), and
 * one such job, even one the runner does not follow, must not stop it
 * from following the others. These tests hold it to that.
 */
#include <aqmp/aqmp.h>
#include <aqmp/aqmp-jobs.h>
#include <aqmp/aqmp-qmp.h>

#include "aqmp-test-jobs.h"
#include "aqmp-test-qemu.h"

#define WAIT_MS 10000

typedef struct {
  gchar *dir;
  AqmpServer *server;
  AqmpClient *client;
  AqmpJobStore *store;
  AqmpJobRunner *runner;
} Fixture;

static JsonNode *
json (const gchar *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  return node;
}

static void
reply (Fixture *f, const gchar *command, const gchar *value)
{
  g_autoptr(JsonNode) node = json (value);

  aqmp_server_set_reply (f->server, command, node);
}

/* QEMU's jobs: ours with a type 7.2 lacks, and another job, not the
 * runner's, in a status 7.2 lacks */
static JsonNode *
query_jobs_cb (AqmpServer *server, JsonObject *request, gpointer user_data, GError **error)
{
  return json ("[{\"id\": \"j0\", \"type\": \"frobnicate\", \"status\": \"running\","
               "  \"current-progress\": 5, \"total-progress\": 10},"
               " {\"id\": \"other\", \"type\": \"teleport\", \"status\": \"hibernating\","
               "  \"current-progress\": 0, \"total-progress\": 0}]");
}

static void
status_change (Fixture *f, const gchar *id, const gchar *status)
{
  g_autoptr(JsonObject) data = json_object_new ();

  json_object_set_string_member (data, "id", id);
  json_object_set_string_member (data, "status", status);
  aqmp_server_emit_event (f->server, "JOB_STATUS_CHANGE", data);
}

/* QEMU forgets the job once dismissed */
static JsonNode *
job_dismiss_cb (AqmpServer *server, JsonObject *request, gpointer user_data, GError **error)
{
  Fixture *f = user_data;
  const gchar *id = aqmp_json_get_string (aqmp_json_get_object (request, "arguments"), "id");

  status_change (f, id, "null");
  return json ("{}");
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *address = NULL;
  g_autofree gchar *db = NULL;

  f->dir = aqmp_test_make_dir ();
  path = g_build_filename (f->dir, "qmp.sock", NULL);
  db = g_build_filename (f->dir, "jobs.db", NULL);
  f->server = aqmp_server_new ();
  address = aqmp_server_listen (f->server, path, &error);
  g_assert_no_error (error);
  reply (f, "query-uuid", "{\"UUID\": \"6a1d3c5e-0000-4000-8000-00000000a0a0\"}");
  reply (f, "query-name", "{\"name\": \"newer\"}");
  reply (f, "blockdev-backup", "{}");
  reply (f, "job-pause", "{}");
  reply (f, "block-job-set-speed", "{}");
  aqmp_server_set_handler (f->server, "query-jobs", query_jobs_cb, NULL, NULL);
  aqmp_server_set_handler (f->server, "job-dismiss", job_dismiss_cb, f, NULL);
  f->client = aqmp_test_connect (address);
  f->store = aqmp_job_store_new (db, &error);
  g_assert_no_error (error);
  f->runner = aqmp_job_runner_new (f->client, f->store, address);
  aqmp_job_runner_set_poll_interval (f->runner, 10);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->runner);
  g_clear_object (&f->store);
  g_clear_object (&f->client);
  aqmp_server_stop (f->server);
  g_clear_object (&f->server);
  for (guint i = 0; i < 1000 && g_main_context_iteration (NULL, FALSE); i++)
    ;
  aqmp_test_remove_dir (f->dir);
  g_free (f->dir);
}

/* the arguments of the last @command the server received */
static JsonObject *
last_arguments (Fixture *f, const gchar *command)
{
  GPtrArray *received = aqmp_server_get_received (f->server);

  for (guint i = received->len; i > 0; i--)
    {
      JsonObject *request = g_ptr_array_index (received, i - 1);
      if (g_strcmp0 (aqmp_json_get_string (request, "execute"), command) == 0)
        return aqmp_json_get_object (request, "arguments");
    }
  return NULL;
}

/* iterates until @job has the type a poll brings, within a bound */
static void
wait_for_type (AqmpJob *job)
{
  gint64 until = g_get_monotonic_time () + WAIT_MS * G_TIME_SPAN_MILLISECOND;

  while (aqmp_job_get_job_type (job) == NULL)
    {
      if (g_get_monotonic_time () > until)
        g_error ("no poll brought job %s its type within %u ms", aqmp_job_get_id (job), WAIT_MS);
      g_main_context_iteration (NULL, TRUE);
    }
}

static AqmpJob *
start_backup (Fixture *f)
{
  g_autoptr(JsonObject) args = aqmp_test_object_from_json (
    "{\"job-id\": \"j0\", \"device\": \"src\", \"target\": \"dst\", \"sync\": \"full\"}");
  g_autoptr(GError) error = NULL;
  AqmpJob *job = aqmp_job_runner_start_sync (f->runner, "blockdev-backup", args, AQMP_JOB_START_FLAGS_NONE,
                                             NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (job);
  return job;
}

/* a job type and a status the typed layer lacks: the typed reading fails,
 * the runner's goes on */
static void
test_unknown_values (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpJob) job = NULL;
  g_autoptr(GPtrArray) typed = NULL;
  g_autoptr(AqmpJobRecord) record = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *transitions = NULL;
  JsonObject *dismissed;

  /* what the typed layer makes of this QEMU's query-jobs */
  typed = aqmp_qmp_query_jobs_sync (f->client, NULL, &error);
  g_assert_null (typed);
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL);
  g_test_message ("typed query-jobs: %s", error->message);
  g_clear_error (&error);

  job = start_backup (f);
  status_change (f, "j0", "created");
  status_change (f, "j0", "running");
  wait_for_type (job);
  g_assert_cmpstr (aqmp_job_get_job_type (job), ==, "frobnicate");
  g_assert_cmpint (aqmp_job_get_current_progress (job), ==, 5);
  g_assert_cmpint (aqmp_job_get_total_progress (job), ==, 10);

  /* a status 7.2 lacks, then the job goes on to its end */
  status_change (f, "j0", "hibernating");
  status_change (f, "j0", "running");
  status_change (f, "j0", "waiting");
  status_change (f, "j0", "pending");
  status_change (f, "j0", "concluded");
  g_assert_true (aqmp_test_job_wait (job, WAIT_MS, &error));
  g_assert_no_error (error);
  g_assert_cmpint (aqmp_job_get_result (job), ==, AQMP_JOB_RESULT_SUCCESS);

  /* dismissed by the typed job-dismiss, as QEMU wants it */
  dismissed = last_arguments (f, "job-dismiss");
  g_assert_nonnull (dismissed);
  g_assert_cmpstr (aqmp_json_get_string (dismissed, "id"), ==, "j0");
  g_assert_cmpuint (json_object_get_size (dismissed), ==, 1);

  record = aqmp_job_store_get_job (f->store, aqmp_job_get_store_id (job), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (aqmp_job_record_get_job_type (record), ==, "frobnicate");
  g_assert_cmpint (aqmp_job_record_get_result (record), ==, AQMP_JOB_RESULT_SUCCESS);
  transitions = aqmp_test_job_transitions (f->store, aqmp_job_get_store_id (job));
  g_test_message ("transitions: %s", transitions);
  g_assert_true (g_str_has_suffix (transitions, "pending,concluded,null"));
  aqmp_test_job_assert_integrity (f->store);
}

/* the typed job-pause and block-job-set-speed send what they always did */
static void
test_typed_verbs (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpJob) job = start_backup (f);
  g_autoptr(GError) error = NULL;
  JsonObject *args;

  g_assert_true (aqmp_job_runner_control_sync (f->runner, "j0", AQMP_JOB_ACTION_PAUSE, NULL, &error));
  g_assert_no_error (error);
  args = last_arguments (f, "job-pause");
  g_assert_cmpstr (aqmp_json_get_string (args, "id"), ==, "j0");
  g_assert_cmpuint (json_object_get_size (args), ==, 1);

  g_assert_true (aqmp_job_runner_set_speed_sync (f->runner, "j0", 4 * 1024 * 1024, NULL, &error));
  g_assert_no_error (error);
  args = last_arguments (f, "block-job-set-speed");
  g_assert_cmpstr (aqmp_json_get_string (args, "device"), ==, "j0");
  g_assert_cmpint (aqmp_json_get_int (args, "speed", -1), ==, 4 * 1024 * 1024);
  g_assert_cmpuint (json_object_get_size (args), ==, 2);

  /* QEMU's refusal comes through unchanged */
  aqmp_server_set_error (f->server, "job-pause", "GenericError", "Job 'j0' in state 'paused' cannot accept"
                         " command verb 'pause'");
  g_assert_false (aqmp_job_runner_control_sync (f->runner, "j0", AQMP_JOB_ACTION_PAUSE, NULL, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_COMMAND);
  g_assert_nonnull (strstr (error->message, "cannot accept command verb 'pause'"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/aqmp/jobs/newer-qemu/unknown-values", Fixture, NULL, fixture_setup, test_unknown_values,
              fixture_teardown);
  g_test_add ("/aqmp/jobs/newer-qemu/typed-verbs", Fixture, NULL, fixture_setup, test_typed_verbs,
              fixture_teardown);
  return g_test_run ();
}
