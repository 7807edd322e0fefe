/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The workflow plugins (consistent-backup, guest-exec-around-job) against
 * a real QEMU 7.2 (`-machine none`, null-co nodes) and the fake guest
 * agent, which is the only agent a freeze may ever reach; and `aqmp
 * workflow` running them from the built tool.
 */
#include <string.h>

#include <aqmp/aqmp.h>
#include <aqmp/aqmp-plugin-loader.h>

#include "aqmp-test-cli.h"
#include "aqmp-test-fake-agent.h"
#include "aqmp-test-hold.h"

#define GIB "1073741824"
/* a workflow in these tests never takes longer */
#define WORKFLOW_WAIT_MS 30000

typedef struct {
  AqmpTestQemu *qemu;
  AqmpClient *client;
  AqmpTestFakeAgent *agent;
  AqmpClient *qga;
  AqmpPluginLoader *loader;
  gint log_at_job_end;       /* entries in the agent's log when a job ended */
  gchar *dir;                /* the second monitor's, and the job store's */
  gchar *db;
} Fixture;

static void
fixture_setup_agent (Fixture *f)
{
  g_autoptr(AqmpProtocol) protocol = NULL;
  g_autoptr(GError) error = NULL;

  f->agent = aqmp_test_fake_agent_new ();
  f->loader = aqmp_plugin_loader_new ();
  aqmp_plugin_loader_load_default (f->loader);
  protocol = aqmp_plugin_loader_create_protocol (f->loader, "qga", &error);
  g_assert_no_error (error);
  f->qga = aqmp_test_fake_agent_connect (f->agent, protocol);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->qemu = aqmp_test_qemu_new (NULL);
  f->client = aqmp_test_connect (f->qemu->address);
  fixture_setup_agent (f);
}

/* the tool on QEMU's first monitor, the test's client on a second one to
 * hold and release the jobs, and a job store of the test's own */
static void
fixture_setup_tool (Fixture *f, gconstpointer data)
{
  g_autofree gchar *second = NULL;

  f->qemu = aqmp_test_qemu_new_two_monitors (&f->dir, &second);
  f->client = aqmp_test_connect (second);
  f->db = g_build_filename (f->dir, "jobs.db", NULL);
  fixture_setup_agent (f);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->qga);
  g_clear_object (&f->client);
  g_clear_pointer (&f->agent, aqmp_test_fake_agent_free);
  g_clear_pointer (&f->qemu, aqmp_test_qemu_free);
  g_clear_object (&f->loader);
  if (f->dir != NULL)
    aqmp_test_remove_dir (f->dir);
  g_clear_pointer (&f->dir, g_free);
  g_clear_pointer (&f->db, g_free);
}

/* ----- helpers ----- */

static JsonNode *
qmp (Fixture *f, const gchar *command, const gchar *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) args = json != NULL ? aqmp_test_object_from_json (json) : NULL;
  JsonNode *value = aqmp_client_execute_sync (f->client, command, args, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (value);
  return value;
}

static void
add_null_node (Fixture *f, const gchar *name, const gchar *size)
{
  g_autofree gchar *json = g_strdup_printf ("{\"driver\": \"null-co\", \"node-name\": \"%s\", \"size\": %s}",
                                            name, size);
  g_autoptr(JsonNode) value = qmp (f, "blockdev-add", json);
}

/* src0 → dst0, src1 → dst1, where dst0 and dst1 hold the jobs until
 * the test releases them (aqmp-test-hold.h) */
static void
add_two_held_disks (Fixture *f)
{
  add_null_node (f, "src0", GIB);
  add_null_node (f, "src1", GIB);
  aqmp_test_hold_add (f->client, "dst0", G_GINT64_CONSTANT (1073741824));
  aqmp_test_hold_add (f->client, "dst1", G_GINT64_CONSTANT (1073741824));
}

/* src0 → dst0, src1 → dst1 */
static void
add_two_disks (Fixture *f, const gchar *size)
{
  add_null_node (f, "src0", size);
  add_null_node (f, "dst0", size);
  add_null_node (f, "src1", size);
  add_null_node (f, "dst1", size);
}

static guint
n_jobs (Fixture *f)
{
  g_autoptr(JsonNode) jobs = qmp (f, "query-jobs", NULL);

  g_assert_true (JSON_NODE_HOLDS_ARRAY (jobs));
  return json_array_get_length (json_node_get_array (jobs));
}

static guint
n_running_jobs (Fixture *f)
{
  g_autoptr(JsonNode) jobs = qmp (f, "query-jobs", NULL);
  JsonArray *array = json_node_get_array (jobs);
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (array); i++)
    if (g_strcmp0 (json_object_get_string_member (json_array_get_object_element (array, i), "status"),
                   "running") == 0)
      n++;
  return n;
}

static gchar *
agent_log (Fixture *f)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < f->agent->log->len; i++)
    g_string_append_printf (text, "%s%s", i > 0 ? "|" : "", (const gchar *) g_ptr_array_index (f->agent->log, i));
  return g_string_free (text, FALSE);
}

static gboolean
agent_thawed (gpointer user_data)
{
  Fixture *f = user_data;

  return f->agent->log->len >= 2 && !f->agent->frozen;
}

/* one run of a workflow, and what it reported */
typedef struct {
  AqmpWorkflow *workflow;
  AqmpWorkflowContext *context;
  GCancellable *cancellable;
  JsonNode *result;
  GError *error;
  gboolean done;
  guint n_progress;
  gdouble last_fraction;
  gchar *last_message;
  GPtrArray *started;        /* the ids job-started announced */
} Run;

static void
run_clear (Run *r)
{
  if (r->context != NULL)
    g_signal_handlers_disconnect_by_data (r->context, r);
  g_clear_object (&r->context);
  g_clear_object (&r->workflow);
  g_clear_object (&r->cancellable);
  g_clear_pointer (&r->result, json_node_unref);
  g_clear_error (&r->error);
  g_clear_pointer (&r->last_message, g_free);
  g_clear_pointer (&r->started, g_ptr_array_unref);
}

static void
run_job_started_cb (AqmpWorkflowContext *context, AqmpJob *job, gpointer user_data)
{
  Run *r = user_data;

  g_ptr_array_add (r->started, g_strdup (aqmp_job_get_id (job)));
}

/* job-started named these jobs, and the context has them, in order */
static void
assert_started (Run *r, const gchar * const *ids)
{
  GPtrArray *jobs = aqmp_workflow_context_get_jobs (r->context);

  g_assert_cmpuint (r->started->len, ==, g_strv_length ((gchar **) ids));
  g_assert_cmpuint (jobs->len, ==, r->started->len);
  for (guint i = 0; ids[i] != NULL; i++)
    {
      g_assert_cmpstr (g_ptr_array_index (r->started, i), ==, ids[i]);
      g_assert_cmpstr (aqmp_job_get_id (g_ptr_array_index (jobs, i)), ==, ids[i]);
    }
}

static void
run_progress_cb (AqmpWorkflowContext *context, gdouble fraction, const gchar *message, gpointer user_data)
{
  Run *r = user_data;

  g_assert_cmpfloat (fraction, >=, 0.0);
  g_assert_cmpfloat (fraction, <=, 1.0);
  g_assert_cmpfloat (fraction, >=, r->last_fraction);
  g_assert_nonnull (message);
  r->last_fraction = fraction;
  r->n_progress++;
  g_free (r->last_message);
  r->last_message = g_strdup (message);
}

static void
run_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Run *r = user_data;

  r->result = aqmp_workflow_run_finish (AQMP_WORKFLOW (source), res, &r->error);
  g_assert_true ((r->result == NULL) != (r->error == NULL));
  r->done = TRUE;
}

/* as a host runs it: a context on a job runner over the test's client */
static void
run_start (Fixture *f, Run *r, const gchar *name, const gchar *params, AqmpClient *qga)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) json = aqmp_test_object_from_json (params);
  g_autoptr(AqmpJobRunner) runner = aqmp_job_runner_new (f->client, NULL, f->qemu->address);
  g_autoptr(AqmpGuestAgent) agent = qga != NULL ? aqmp_guest_agent_new (qga) : NULL;
  AqmpWorkflow *workflow = aqmp_plugin_loader_find_workflow (f->loader, name, &error);

  g_assert_no_error (error);
  g_assert_nonnull (workflow);
  r->workflow = g_object_ref (workflow);
  r->context = aqmp_workflow_context_new (runner, agent);
  r->cancellable = g_cancellable_new ();
  r->started = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (r->context, "progress", G_CALLBACK (run_progress_cb), r);
  g_signal_connect (r->context, "job-started", G_CALLBACK (run_job_started_cb), r);
  aqmp_workflow_run_async (r->workflow, r->context, json, r->cancellable, run_done_cb, r);
}

static void
run_wait (Run *r)
{
  if (!aqmp_test_wait_for_flag (&r->done, WORKFLOW_WAIT_MS))
    g_error ("the workflow did not end within %u ms", WORKFLOW_WAIT_MS);
  if (r->error != NULL)
    g_test_message ("the workflow failed: %s", r->error->message);
}

static gboolean
run_cancelling (gpointer user_data)
{
  Run *r = user_data;

  return g_strcmp0 (r->last_message, "cancelling the backup jobs") == 0;
}

static JsonObject *
result_job (Run *r, guint i)
{
  JsonObject *result = json_node_get_object (r->result);
  JsonArray *jobs = json_object_get_array_member (result, "jobs");

  return json_array_get_object_element (jobs, i);
}

/* ----- consistent-backup ----- */

static void
test_backup_two_disks (Fixture *f, gconstpointer data)
{
  Run r = { 0, };
  g_autofree gchar *log = NULL;

  /* held: the jobs run on after the thaw until the test lets them end */
  add_two_held_disks (f);
  run_start (f, &r, "consistent-backup",
             "{\"disks\": [{\"device\": \"src0\", \"target\": \"dst0\"},"
             "             {\"device\": \"src1\", \"target\": \"dst1\"}],"
             " \"job-id-prefix\": \"cb\"}", f->qga);
  g_assert_true (aqmp_test_wait_until (agent_thawed, f, AQMP_TEST_WAIT_MS));
  /* thawed, and the jobs still run */
  g_assert_false (r.done);
  g_assert_cmpuint (n_running_jobs (f), ==, 2);

  aqmp_test_hold_release (f->client, "dst0", "dst1", NULL);
  run_wait (&r);
  g_assert_no_error (r.error);
  log = agent_log (f);
  g_assert_cmpstr (log, ==, "guest-fsfreeze-freeze|guest-fsfreeze-thaw");
  g_assert_false (f->agent->frozen);
  g_assert_cmpstr (json_object_get_string_member (result_job (&r, 0), "id"), ==, "cb-0");
  g_assert_cmpstr (json_object_get_string_member (result_job (&r, 0), "device"), ==, "src0");
  g_assert_cmpstr (json_object_get_string_member (result_job (&r, 0), "result"), ==, "completed");
  g_assert_cmpstr (json_object_get_string_member (result_job (&r, 1), "id"), ==, "cb-1");
  g_assert_cmpstr (json_object_get_string_member (result_job (&r, 1), "target"), ==, "dst1");
  g_assert_cmpstr (json_object_get_string_member (result_job (&r, 1), "result"), ==, "completed");
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (r.result), "frozen-ms"), >=, 0);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (r.result), "frozen-ms"), <, AQMP_TEST_WAIT_MS);
  g_assert_cmpfloat (r.last_fraction, ==, 1.0);
  g_assert_cmpuint (r.n_progress, >=, 4);
  g_assert_cmpuint (n_jobs (f), ==, 0);
  assert_started (&r, (const gchar * const []) { "cb-0", "cb-1", NULL });
  run_clear (&r);
}

/* the friendly form, a single disk */
static void
test_backup_friendly (Fixture *f, gconstpointer data)
{
  Run r = { 0, };

  add_null_node (f, "src0", "67108864");
  add_null_node (f, "dst0", "67108864");
  run_start (f, &r, "consistent-backup", "{\"disks\": \"src0=dst0\", \"sync\": \"full\"}", f->qga);
  run_wait (&r);
  g_assert_no_error (r.error);
  g_assert_cmpstr (json_object_get_string_member (result_job (&r, 0), "result"), ==, "completed");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (result_job (&r, 0), "id"), "consistent-backup-"));
  g_assert_false (f->agent->frozen);
  run_clear (&r);
}

static void
test_backup_start_error (Fixture *f, gconstpointer data)
{
  Run r = { 0, };
  g_autofree gchar *log = NULL;

  add_two_disks (f, GIB);
  /* the second action fails, so the transaction starts nothing */
  run_start (f, &r, "consistent-backup",
             "{\"disks\": \"src0=dst0, src1=no-such-node\", \"speed\": 1048576}", f->qga);
  run_wait (&r);
  g_assert_error (r.error, AQMP_ERROR, AQMP_ERROR_COMMAND);
  g_assert_cmpstr (aqmp_error_get_qmp_class (r.error), ==, "GenericError");
  g_assert_nonnull (strstr (aqmp_error_get_qmp_desc (r.error), "no-such-node"));
  g_assert_nonnull (strstr (r.error->message, "no-such-node"));
  log = agent_log (f);
  g_assert_cmpstr (log, ==, "guest-fsfreeze-freeze|guest-fsfreeze-thaw");
  g_assert_false (f->agent->frozen);
  g_assert_cmpuint (n_jobs (f), ==, 0);
  /* the transaction failed: it started nothing */
  assert_started (&r, (const gchar * const []) { NULL });
  run_clear (&r);
}

static void
test_backup_cancel (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpEventWaiter) cancelled = NULL;
  Run r = { 0, };
  g_autofree gchar *log = NULL;

  cancelled = aqmp_event_waiter_new (f->client, "BLOCK_JOB_CANCELLED", NULL);
  add_two_held_disks (f);
  run_start (f, &r, "consistent-backup", "{\"disks\": \"src0=dst0,src1=dst1\"}", f->qga);
  g_assert_true (aqmp_test_wait_until (agent_thawed, f, AQMP_TEST_WAIT_MS));
  g_assert_cmpuint (n_running_jobs (f), ==, 2);
  g_cancellable_cancel (r.cancellable);
  /* the workflow sent its job-cancels on this client, ahead of the release */
  g_assert_true (aqmp_test_wait_until (run_cancelling, &r, AQMP_TEST_WAIT_MS));
  aqmp_test_hold_release (f->client, "dst0", "dst1", NULL);
  run_wait (&r);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  log = agent_log (f);
  g_assert_cmpstr (log, ==, "guest-fsfreeze-freeze|guest-fsfreeze-thaw");
  g_assert_false (f->agent->frozen);
  /* cancelled, and gone */
  g_assert_cmpuint (aqmp_event_waiter_get_pending (cancelled), ==, 2);
  g_assert_cmpuint (n_jobs (f), ==, 0);
  run_clear (&r);
}

/* cancelled while the freeze is on its way: thawed, and nothing started */
static void
test_backup_cancel_frozen (Fixture *f, gconstpointer data)
{
  Run r = { 0, };
  g_autofree gchar *log = NULL;

  add_two_disks (f, GIB);
  run_start (f, &r, "consistent-backup", "{\"disks\": \"src0=dst0,src1=dst1\"}", f->qga);
  g_cancellable_cancel (r.cancellable);
  run_wait (&r);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  log = agent_log (f);
  g_assert_cmpstr (log, ==, "guest-fsfreeze-freeze|guest-fsfreeze-thaw");
  g_assert_false (f->agent->frozen);
  g_assert_cmpuint (n_jobs (f), ==, 0);
  run_clear (&r);
}

/* QEMU goes away while the jobs run: the workflow fails, and the guest was thawed */
static void
test_backup_qmp_lost (Fixture *f, gconstpointer data)
{
  Run r = { 0, };

  add_two_held_disks (f);
  run_start (f, &r, "consistent-backup", "{\"disks\": \"src0=dst0,src1=dst1\"}", f->qga);
  g_assert_true (aqmp_test_wait_until (agent_thawed, f, AQMP_TEST_WAIT_MS));
  g_assert_cmpuint (n_running_jobs (f), ==, 2);
  aqmp_test_qemu_kill (f->qemu);
  run_wait (&r);
  g_assert_error (r.error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);
  g_assert_false (f->agent->frozen);
  run_clear (&r);
}

static void
test_backup_no_qga (Fixture *f, gconstpointer data)
{
  Run r = { 0, };

  add_two_disks (f, GIB);
  run_start (f, &r, "consistent-backup", "{\"disks\": \"src0=dst0,src1=dst1\"}", NULL);
  run_wait (&r);
  g_assert_error (r.error, AQMP_ERROR, AQMP_ERROR_STATE);
  g_assert_nonnull (strstr (r.error->message, "guest agent"));
  g_assert_nonnull (strstr (r.error->message, "nothing was frozen"));
  g_assert_cmpuint (f->agent->log->len, ==, 0);
  g_assert_cmpuint (n_jobs (f), ==, 0);
  run_clear (&r);
}

static void
test_backup_bad_params (Fixture *f, gconstpointer data)
{
  const gchar *bad[] = {
    "{}",
    "{\"disks\": []}",
    "{\"disks\": \"src0\"}",
    "{\"disks\": [{\"device\": \"src0\"}]}",
    "{\"disks\": \"src0=dst0\", \"speed\": \"fast\"}",
    "{\"disks\": \"src0=dst0\", \"sync\": 1}",
    /* not a MirrorSyncMode: refused before the guest is frozen */
    "{\"disks\": \"src0=dst0\", \"sync\": \"fastest\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      Run r = { 0, };

      run_start (f, &r, "consistent-backup", bad[i], f->qga);
      run_wait (&r);
      g_assert_error (r.error, AQMP_ERROR, AQMP_ERROR_FAILED);
      g_assert_true (g_str_has_prefix (r.error->message, "consistent-backup: "));
      run_clear (&r);
    }
  g_assert_cmpuint (f->agent->log->len, ==, 0);
}

/* ----- guest-exec-around-job ----- */

static void
job_completed_cb (AqmpClient *client, AqmpEvent *event, gpointer user_data)
{
  Fixture *f = user_data;

  f->log_at_job_end = (gint) f->agent->log->len;
}

static void
test_around_success (Fixture *f, gconstpointer data)
{
  Run r = { 0, };
  g_autofree gchar *log = NULL;
  JsonObject *result;

  f->log_at_job_end = -1;
  g_signal_connect (f->client, "event::BLOCK_JOB_COMPLETED", G_CALLBACK (job_completed_cb), f);

  add_null_node (f, "src0", "67108864");
  add_null_node (f, "dst0", "67108864");
  f->agent->exec_polls = 1;
  run_start (f, &r, "guest-exec-around-job",
             "{\"before\": \"sync\", \"after\": [\"/bin/echo\", \"done\"],"
             " \"command\": \"blockdev-backup\","
             " \"arguments\": {\"job-id\": \"around0\", \"device\": \"src0\", \"target\": \"dst0\", \"sync\": \"full\"}}",
             f->qga);
  run_wait (&r);
  g_assert_no_error (r.error);
  log = agent_log (f);
  g_assert_cmpstr (log, ==, "guest-exec /bin/sh -c sync|guest-exec /bin/echo done");
  /* in order: the job ended after `before` and before `after` */
  g_assert_cmpint (f->log_at_job_end, ==, 1);
  g_signal_handlers_disconnect_by_data (f->client, f);
  result = json_node_get_object (r.result);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (result, "before"), "exit-status"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (result, "after"), "exit-status"), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (result, "job"), "id"), ==, "around0");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (result, "job"), "result"), ==, "success");
  g_assert_cmpfloat (r.last_fraction, ==, 1.0);
  g_assert_cmpuint (n_jobs (f), ==, 0);
  assert_started (&r, (const gchar * const []) { "around0", NULL });
  run_clear (&r);
}

static void
test_around_before_fails (Fixture *f, gconstpointer data)
{
  Run r = { 0, };
  g_autoptr(AqmpEventWaiter) jobs = aqmp_event_waiter_new (f->client, "JOB_STATUS_CHANGE", NULL);
  g_autofree gchar *log = NULL;

  add_null_node (f, "src0", "67108864");
  add_null_node (f, "dst0", "67108864");
  f->agent->exec_exit_code = 3;
  g_free (f->agent->exec_err);
  f->agent->exec_err = g_strdup ("database busy\n");
  run_start (f, &r, "guest-exec-around-job",
             "{\"before\": [\"/usr/bin/flush-db\", \"--all\"], \"after\": \"true\","
             " \"command\": \"blockdev-backup\","
             " \"arguments\": {\"device\": \"src0\", \"target\": \"dst0\", \"sync\": \"full\"}}",
             f->qga);
  run_wait (&r);
  g_assert_error (r.error, AQMP_ERROR, AQMP_ERROR_FAILED);
  g_assert_nonnull (strstr (r.error->message, "/usr/bin/flush-db --all"));
  g_assert_nonnull (strstr (r.error->message, "exited with code 3"));
  g_assert_nonnull (strstr (r.error->message, "database busy"));
  log = agent_log (f);
  g_assert_cmpstr (log, ==, "guest-exec /usr/bin/flush-db --all");
  /* the job never started: QEMU said nothing about jobs */
  g_assert_cmpuint (n_jobs (f), ==, 0);
  g_assert_cmpuint (aqmp_event_waiter_get_pending (jobs), ==, 0);
  run_clear (&r);
}

static void
test_around_job_fails (Fixture *f, gconstpointer data)
{
  Run r = { 0, };
  g_autofree gchar *log = NULL;

  add_null_node (f, "src0", "67108864");
  run_start (f, &r, "guest-exec-around-job",
             "{\"before\": \"sync\", \"after\": \"echo after\","
             " \"command\": \"blockdev-backup\","
             " \"arguments\": \"{\\\"device\\\": \\\"src0\\\", \\\"target\\\": \\\"no-such-node\\\", \\\"sync\\\": \\\"full\\\"}\"}",
             f->qga);
  run_wait (&r);
  g_assert_error (r.error, AQMP_ERROR, AQMP_ERROR_COMMAND);
  g_assert_nonnull (strstr (r.error->message, "no-such-node"));
  log = agent_log (f);
  g_assert_cmpstr (log, ==, "guest-exec /bin/sh -c sync|guest-exec /bin/sh -c echo after");
  run_clear (&r);
}

/* `after` fails too: both are reported */
static void
test_around_both_fail (Fixture *f, gconstpointer data)
{
  Run r = { 0, };

  add_null_node (f, "src0", "67108864");
  /* `before` exits 0, `after` 1 */
  g_array_append_val (f->agent->exec_exit_codes, (gint) { 0 });
  g_array_append_val (f->agent->exec_exit_codes, (gint) { 1 });
  run_start (f, &r, "guest-exec-around-job",
             "{\"before\": \"true\", \"after\": \"false\", \"command\": \"blockdev-backup\","
             " \"arguments\": {\"device\": \"src0\", \"target\": \"gone\", \"sync\": \"full\"}}",
             f->qga);
  run_wait (&r);
  g_assert_error (r.error, AQMP_ERROR, AQMP_ERROR_COMMAND);
  g_assert_nonnull (strstr (r.error->message, "gone"));
  g_assert_nonnull (strstr (r.error->message, "the 'after' command 'false' exited with code 1"));
  run_clear (&r);
}

/* ----- aqmp workflow ----- */

static void
test_cli_list (void)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "workflow", "list", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "consistent-backup"));
  g_assert_nonnull (strstr (out, "guest-exec-around-job"));
  g_assert_nonnull (strstr (out, "example-ping"));
}

static void
test_cli_run (Fixture *f, gconstpointer data)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *log = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(GError) error = NULL;
  /* the default job store, in a state directory of the test's own */
  g_autofree gchar *state = aqmp_test_make_dir ();
  g_autofree gchar *state_env = g_strdup_printf ("XDG_STATE_HOME=%s", state);
  const gchar *env[] = { state_env, NULL };
  JsonArray *jobs;

  add_two_disks (f, "67108864");
  /* the monitor serves one client: the tool's */
  g_assert_true (aqmp_client_disconnect_sync (f->client, NULL, NULL));
  g_clear_object (&f->client);
  g_assert_cmpint (aqmp_test_tool_run (env, NULL, &out, &err, "workflow", "run", "--compact",
                                       f->qemu->address, "consistent-backup", "disks=src0=dst0,src1=dst1",
                                       "job-id-prefix=cli", "--qga", f->agent->address, NULL), ==, 0);
  result = json_from_string (out, &error);
  g_assert_no_error (error);
  jobs = json_object_get_array_member (json_node_get_object (result), "jobs");
  g_assert_cmpuint (json_array_get_length (jobs), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (jobs, 1), "id"), ==, "cli-1");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (jobs, 1), "result"), ==,
                   "completed");
  /* progress on standard error */
  g_assert_nonnull (strstr (err, "freezing the guest's filesystems"));
  g_assert_nonnull (strstr (err, "100%"));
  log = agent_log (f);
  g_assert_cmpstr (log, ==, "guest-fsfreeze-freeze|guest-fsfreeze-thaw");
  g_assert_false (f->agent->frozen);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* QEMU's error: exit 1, one line naming the node, and the guest thawed */
  g_assert_cmpint (aqmp_test_tool_run (env, NULL, &out, &err, "workflow", "run", f->qemu->address,
                                       "consistent-backup", "{\"disks\": \"src0=missing\"}",
                                       "--qga", f->agent->address, NULL), ==, 1);
  g_assert_cmpstr (out, ==, "");
  g_assert_nonnull (strstr (err, "aqmp: "));
  g_assert_nonnull (strstr (err, "missing"));
  g_assert_false (f->agent->frozen);
  g_assert_cmpuint (f->agent->log->len, ==, 4);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* no guest agent: exit 2, nothing frozen */
  g_assert_cmpint (aqmp_test_tool_run (env, NULL, &out, &err, "workflow", "run", f->qemu->address,
                                       "consistent-backup", "disks=src0=dst0", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "guest agent"));
  g_assert_cmpuint (f->agent->log->len, ==, 4);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* usage */
  g_assert_cmpint (aqmp_test_tool_run (env, NULL, &out, &err, "workflow", "run", f->qemu->address, NULL), ==, 2);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (aqmp_test_tool_run (env, NULL, NULL, &err, "workflow", "run", f->qemu->address,
                                       "no-such-workflow", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "no-such-workflow"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* the first run's jobs are in the default store */
  g_assert_cmpint (aqmp_test_tool_run (env, NULL, &out, &err, "job", "list", "--all", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "cli-0"));
  g_assert_nonnull (strstr (out, "cli-1"));
  aqmp_test_remove_dir (state);
}

/* ----- aqmp workflow run: the jobs are in the user's job history ----- */

/* the row of @job_id in `aqmp job list [--all] --json`, or NULL */
static JsonObject *
listed_job (Fixture *f, gboolean all, const gchar *job_id)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_auto(GStrv) rows = NULL;

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "list", "--json", "--db", f->db,
                                       all ? "--all" : NULL, NULL), ==, 0);
  rows = g_strsplit (out, "\n", -1);
  for (guint i = 0; rows[i] != NULL && rows[i][0] != '\0'; i++)
    {
      g_autoptr(JsonObject) row = aqmp_test_object_from_json (rows[i]);

      if (g_strcmp0 (json_object_get_string_member_with_default (row, "job-id", NULL), job_id) == 0)
        return g_steal_pointer (&row);
    }
  return NULL;
}

/* running (held), then ended with @result */
static void
assert_listed_running (Fixture *f, const gchar *job_id, const gchar *command)
{
  g_autoptr(JsonObject) row = listed_job (f, FALSE, job_id);

  g_assert_nonnull (row);
  g_assert_cmpstr (json_object_get_string_member (row, "command"), ==, command);
  g_assert_cmpstr (json_object_get_string_member (row, "machine"), ==, f->qemu->address);
  g_assert_true (json_object_get_null_member (row, "result"));
}

static void
assert_listed_ended (Fixture *f, const gchar *job_id, const gchar *result)
{
  g_autoptr(JsonObject) active = listed_job (f, FALSE, job_id);
  g_autoptr(JsonObject) row = listed_job (f, TRUE, job_id);

  g_assert_null (active);
  g_assert_nonnull (row);
  g_assert_cmpstr (json_object_get_string_member (row, "result"), ==, result);
}

static void
test_cli_backup_jobs_recorded (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpTestTool) tool = NULL;
  g_autoptr(JsonObject) result = NULL;

  add_two_held_disks (f);
  tool = aqmp_test_tool_spawn (NULL, NULL, "workflow", "run", "--compact", "--db", f->db, f->qemu->address,
                               "consistent-backup", "disks=src0=dst0,src1=dst1", "job-id-prefix=rec",
                               "--qga", f->agent->address, NULL);
  aqmp_test_output_wait_for (&tool->err, "started transaction job rec-0", 0);
  aqmp_test_output_wait_for (&tool->err, "started transaction job rec-1", 0);
  g_assert_true (aqmp_test_wait_until (agent_thawed, f, AQMP_TEST_WAIT_MS));

  /* held: in the user's job history while they run */
  assert_listed_running (f, "rec-0", "transaction");
  assert_listed_running (f, "rec-1", "transaction");

  aqmp_test_hold_release (f->client, "dst0", "dst1", NULL);
  g_assert_cmpint (aqmp_test_tool_wait (tool), ==, 0);
  result = aqmp_test_object_from_json (tool->out.text->str);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (result, "jobs")), ==, 2);
  assert_listed_ended (f, "rec-0", "success");
  assert_listed_ended (f, "rec-1", "success");
  g_assert_false (f->agent->frozen);
}

static void
test_cli_around_job_recorded (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpTestTool) tool = NULL;
  g_autofree gchar *log = NULL;

  add_null_node (f, "src0", GIB);
  aqmp_test_hold_add (f->client, "dst0", G_GINT64_CONSTANT (1073741824));
  tool = aqmp_test_tool_spawn (NULL, NULL, "workflow", "run", "--compact", "--db", f->db, f->qemu->address,
                               "guest-exec-around-job", "before=sync", "after=echo after", "command=blockdev-backup",
                               "arguments={\"job-id\": \"around-cli\", \"device\": \"src0\","
                               " \"target\": \"dst0\", \"sync\": \"full\"}",
                               "--qga", f->agent->address, NULL);
  aqmp_test_output_wait_for (&tool->err, "started blockdev-backup job around-cli", 0);

  /* held: the machine's job, in the user's history, not a private runner's */
  assert_listed_running (f, "around-cli", "blockdev-backup");

  aqmp_test_hold_release (f->client, "dst0", NULL);
  g_assert_cmpint (aqmp_test_tool_wait (tool), ==, 0);
  assert_listed_ended (f, "around-cli", "success");
  log = agent_log (f);
  g_assert_cmpstr (log, ==, "guest-exec /bin/sh -c sync|guest-exec /bin/sh -c echo after");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/aqmp/workflows/consistent-backup/two-disks", test_backup_two_disks);
  ADD ("/aqmp/workflows/consistent-backup/friendly", test_backup_friendly);
  ADD ("/aqmp/workflows/consistent-backup/start-error", test_backup_start_error);
  ADD ("/aqmp/workflows/consistent-backup/cancel", test_backup_cancel);
  ADD ("/aqmp/workflows/consistent-backup/cancel-frozen", test_backup_cancel_frozen);
  ADD ("/aqmp/workflows/consistent-backup/qmp-lost", test_backup_qmp_lost);
  ADD ("/aqmp/workflows/consistent-backup/no-qga", test_backup_no_qga);
  ADD ("/aqmp/workflows/consistent-backup/bad-params", test_backup_bad_params);
  ADD ("/aqmp/workflows/guest-exec-around-job/success", test_around_success);
  ADD ("/aqmp/workflows/guest-exec-around-job/before-fails", test_around_before_fails);
  ADD ("/aqmp/workflows/guest-exec-around-job/job-fails", test_around_job_fails);
  ADD ("/aqmp/workflows/guest-exec-around-job/both-fail", test_around_both_fail);
  g_test_add_func ("/aqmp/workflows/cli/list", test_cli_list);
  ADD ("/aqmp/workflows/cli/run", test_cli_run);
#undef ADD
  g_test_add ("/aqmp/workflows/cli/consistent-backup/jobs-recorded", Fixture, NULL, fixture_setup_tool,
              test_cli_backup_jobs_recorded, fixture_teardown);
  g_test_add ("/aqmp/workflows/cli/guest-exec-around-job/job-recorded", Fixture, NULL, fixture_setup_tool,
              test_cli_around_job_recorded, fixture_teardown);
  return g_test_run ();
}
