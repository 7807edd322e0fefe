/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The workflow plugins through aqmpd's RunWorkflow: the daemon on a
 * private bus, a real QEMU 7.2 and the fake guest agent (never a real
 * one: the workflow freezes the guest).
 */
#include <string.h>
#include <unistd.h>

#include "aqmp-test-fake-agent.h"
#include "aqmp-test-hold.h"
#include "aqmp-test-service.h"

#define GIB (1024 * 1024 * (gint64) 1024)

typedef struct {
  AqmpTestQemu *qemu;
  AqmpTestService *service;
  AqmpTestFakeAgent *agent;
  gchar *machine;
  AqmpClient *control;     /* the test's own monitor, to hold jobs */
  gchar *control_dir;
} Fixture;

static void
fixture_setup_service (Fixture *f)
{
  GVariantBuilder options;

  f->service = aqmp_test_service_new (NULL);
  f->agent = aqmp_test_fake_agent_new ();
  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "qga-address", g_variant_new_string (f->agent->address));
  f->machine = aqmp_test_service_add_machine (f->service, "vm", f->qemu->address, g_variant_builder_end (&options));
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->qemu = aqmp_test_qemu_new (NULL);
  fixture_setup_service (f);
}

/* and a second monitor for the test's own client */
static void
fixture_setup_held (Fixture *f, gconstpointer data)
{
  g_autofree gchar *second = NULL;

  f->qemu = aqmp_test_qemu_new_two_monitors (&f->control_dir, &second);
  fixture_setup_service (f);
  f->control = aqmp_test_connect (second);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->control);
  g_clear_pointer (&f->service, aqmp_test_service_free);
  g_clear_pointer (&f->agent, aqmp_test_fake_agent_free);
  g_clear_pointer (&f->qemu, aqmp_test_qemu_free);
  g_clear_pointer (&f->machine, g_free);
  if (f->control_dir != NULL)
    aqmp_test_remove_dir (f->control_dir);
  g_clear_pointer (&f->control_dir, g_free);
}

static gchar *
execute_ok (Fixture *f, const gchar *command, const gchar *arguments)
{
  g_autoptr(GError) error = NULL;
  gchar *result = aqmp_test_service_execute (f->service, f->machine, command, arguments, &error);

  g_assert_no_error (error);
  g_assert_nonnull (result);
  return result;
}

static void
add_null_node (Fixture *f, const gchar *name)
{
  g_autofree gchar *args = g_strdup_printf ("{\"driver\": \"null-co\", \"node-name\": \"%s\", \"size\": 1073741824}",
                                            name);
  g_autofree gchar *result = execute_ok (f, "blockdev-add", args);
}

/* what a test sees of the workflow's Job object */
typedef struct {
  gchar *path;               /* the job to watch; signals of others are ignored */
  gboolean completed;
  gboolean success;
  gchar *message;
  guint n_progress;
} JobWatch;

static void
job_completed_cb (GDBusConnection *connection, const gchar *sender, const gchar *path,
                  const gchar *iface, const gchar *signal, GVariant *parameters, gpointer user_data)
{
  JobWatch *w = user_data;

  if (w->path == NULL || g_strcmp0 (path, w->path) != 0)
    return;
  g_variant_get (parameters, "(bs)", &w->success, &w->message);
  w->completed = TRUE;
}

static void
job_properties_cb (GDBusConnection *connection, const gchar *sender, const gchar *path,
                   const gchar *iface, const gchar *signal, GVariant *parameters, gpointer user_data)
{
  JobWatch *w = user_data;
  g_autoptr(GVariant) changed = NULL;
  const gchar *iface_name = NULL;
  gdouble progress;

  g_variant_get (parameters, "(&s@a{sv}@as)", &iface_name, &changed, NULL);
  if (g_strcmp0 (iface_name, AQMP_TEST_JOB_IFACE) == 0 && g_variant_lookup (changed, "Progress", "d", &progress))
    w->n_progress++;
}

static gboolean
agent_thawed (gpointer user_data)
{
  AqmpTestFakeAgent *agent = user_data;

  return agent->log->len >= 2 && !agent->frozen;
}

static void
test_consistent_backup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree gchar *jobs = NULL;
  g_autofree gchar *operation = NULL;
  g_autoptr(GVariant) value = NULL;
  GDBusConnection *c = f->service->connection;
  GVariantBuilder params;
  JobWatch w = { 0, };
  guint ids[2];

  add_null_node (f, "src0");
  add_null_node (f, "dst0");
  add_null_node (f, "src1");
  add_null_node (f, "dst1");
  /* before the job exists: Completed may follow RunWorkflow's reply at once */
  ids[0] = g_dbus_connection_signal_subscribe (c, NULL, AQMP_TEST_JOB_IFACE, "Completed", NULL, NULL,
                                               G_DBUS_SIGNAL_FLAGS_NONE, job_completed_cb, &w, NULL);
  ids[1] = g_dbus_connection_signal_subscribe (c, NULL, "org.freedesktop.DBus.Properties",
                                               "PropertiesChanged", NULL, NULL,
                                               G_DBUS_SIGNAL_FLAGS_NONE, job_properties_cb, &w, NULL);

  /* D-Bus callers send strings and numbers: the friendly form of the disks */
  g_variant_builder_init (&params, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&params, "{sv}", "disks", g_variant_new_string ("src0=dst0,src1=dst1"));
  g_variant_builder_add (&params, "{sv}", "speed", g_variant_new_uint64 (536870912));
  g_variant_builder_add (&params, "{sv}", "job-id-prefix", g_variant_new_string ("dbus"));
  reply = aqmp_test_service_call (f->service, AQMP_TEST_SERVICE_PATH, AQMP_TEST_MANAGER_IFACE, "RunWorkflow",
                                  g_variant_new ("(osa{sv})", f->machine, "consistent-backup", &params), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(o)", &w.path);

  /* the test's context runs the fake agent while it waits */
  g_assert_true (aqmp_test_wait_until (agent_thawed, f->agent, AQMP_TEST_WAIT_MS));
  g_assert_true (aqmp_test_wait_for_flag (&w.completed, 30000));
  g_assert_cmpstr (w.message, ==, "");
  g_assert_true (w.success);
  g_assert_cmpuint (w.n_progress, >=, 1);
  g_assert_false (f->agent->frozen);
  g_assert_cmpuint (f->agent->log->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (f->agent->log, 0), ==, "guest-fsfreeze-freeze");
  g_assert_cmpstr (g_ptr_array_index (f->agent->log, 1), ==, "guest-fsfreeze-thaw");

  value = aqmp_test_service_get (f->service, w.path, AQMP_TEST_JOB_IFACE, "Operation");
  operation = g_variant_dup_string (value, NULL);
  g_assert_cmpstr (operation, ==, "workflow:consistent-backup");
  /* the backups ran to their end, and are gone */
  jobs = execute_ok (f, "query-jobs", "");
  g_assert_cmpstr (jobs, ==, "[]");

  g_dbus_connection_signal_unsubscribe (c, ids[0]);
  g_dbus_connection_signal_unsubscribe (c, ids[1]);
  g_free (w.path);
  g_free (w.message);
}

/* ----- the workflow's jobs are the machine's ----- */

/* the Job objects added, and those that sent Completed, in order */
typedef struct {
  GPtrArray *added;
  GPtrArray *completed;
  GPtrArray *successes;    /* "true" or "false", with the above */
  guint ids[2];
} JobLog;

static void
interfaces_added_cb (GDBusConnection *connection, const gchar *sender, const gchar *path,
                     const gchar *iface, const gchar *signal, GVariant *parameters, gpointer user_data)
{
  JobLog *log = user_data;
  g_autoptr(GVariant) interfaces = NULL;
  g_autoptr(GVariant) job = NULL;
  const gchar *object = NULL;

  g_variant_get (parameters, "(&o@a{sa{sv}})", &object, &interfaces);
  job = g_variant_lookup_value (interfaces, AQMP_TEST_JOB_IFACE, NULL);
  if (job != NULL)
    g_ptr_array_add (log->added, g_strdup (object));
}

static void
log_completed_cb (GDBusConnection *connection, const gchar *sender, const gchar *path,
                  const gchar *iface, const gchar *signal, GVariant *parameters, gpointer user_data)
{
  JobLog *log = user_data;
  gboolean success = FALSE;

  g_variant_get (parameters, "(b&s)", &success, NULL);
  g_ptr_array_add (log->completed, g_strdup (path));
  g_ptr_array_add (log->successes, g_strdup (success ? "true" : "false"));
}

static void
job_log_init (Fixture *f, JobLog *log)
{
  log->added = g_ptr_array_new_with_free_func (g_free);
  log->completed = g_ptr_array_new_with_free_func (g_free);
  log->successes = g_ptr_array_new_with_free_func (g_free);
  log->ids[0] = g_dbus_connection_signal_subscribe (f->service->connection, NULL,
                                                    "org.freedesktop.DBus.ObjectManager", "InterfacesAdded",
                                                    AQMP_TEST_SERVICE_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                    interfaces_added_cb, log, NULL);
  log->ids[1] = g_dbus_connection_signal_subscribe (f->service->connection, NULL, AQMP_TEST_JOB_IFACE,
                                                    "Completed", NULL, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                    log_completed_cb, log, NULL);
}

static void
job_log_clear (Fixture *f, JobLog *log)
{
  g_dbus_connection_signal_unsubscribe (f->service->connection, log->ids[0]);
  g_dbus_connection_signal_unsubscribe (f->service->connection, log->ids[1]);
  g_clear_pointer (&log->added, g_ptr_array_unref);
  g_clear_pointer (&log->completed, g_ptr_array_unref);
  g_clear_pointer (&log->successes, g_ptr_array_unref);
}

typedef struct {
  GPtrArray *array;
  guint n;
} CountWait;

static gboolean
has_count (gpointer user_data)
{
  CountWait *w = user_data;

  return w->array->len >= w->n;
}

static void
wait_count (GPtrArray *array, guint n)
{
  CountWait w = { array, n };

  g_assert_true (aqmp_test_wait_until (has_count, &w, AQMP_TEST_WAIT_MS));
}

static gchar *
get_string (Fixture *f, const gchar *path, const gchar *name)
{
  g_autoptr(GVariant) value = aqmp_test_service_get (f->service, path, AQMP_TEST_JOB_IFACE, name);

  return g_variant_dup_string (value, NULL);
}

/* the Job object of QEMU job @id among those added; asserts whose it is */
static gchar *
find_job_object (Fixture *f, JobLog *log, const gchar *id, const gchar *operation)
{
  for (guint i = 0; i < log->added->len; i++)
    {
      const gchar *path = g_ptr_array_index (log->added, i);
      g_autofree gchar *object_id = get_string (f, path, "Id");
      g_autofree gchar *object_operation = NULL;
      g_autofree gchar *machine = NULL;
      g_autoptr(GVariant) uid = NULL;

      if (g_strcmp0 (object_id, id) != 0)
        continue;
      object_operation = get_string (f, path, "Operation");
      machine = get_string (f, path, "Machine");
      uid = aqmp_test_service_get (f->service, path, AQMP_TEST_JOB_IFACE, "StartedByUID");
      g_assert_cmpstr (object_operation, ==, operation);
      g_assert_cmpstr (machine, ==, f->machine);
      g_assert_cmpuint (g_variant_get_uint32 (uid), ==, getuid ());
      return g_strdup (path);
    }
  g_error ("no Job object for QEMU job %s", id);
}

/* the history's entry for @job_id, or NULL */
static GVariant *
history_entry (Fixture *f, const gchar *job_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) history = NULL;
  GVariantBuilder filter;

  g_variant_builder_init (&filter, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&filter, "{sv}", "machine", g_variant_new_string ("vm"));
  reply = aqmp_test_service_call (f->service, AQMP_TEST_SERVICE_PATH, AQMP_TEST_MANAGER_IFACE, "GetJobHistory",
                                  g_variant_new ("(a{sv})", &filter), &error);
  g_assert_no_error (error);
  history = g_variant_get_child_value (reply, 0);
  for (gsize i = 0; i < g_variant_n_children (history); i++)
    {
      g_autoptr(GVariant) entry = g_variant_get_child_value (history, i);
      const gchar *id = NULL;

      if (g_variant_lookup (entry, "job-id", "&s", &id) && g_strcmp0 (id, job_id) == 0)
        return g_steal_pointer (&entry);
    }
  return NULL;
}

/* in the history with @command, and, once ended, @result */
static void
assert_history (Fixture *f, const gchar *job_id, const gchar *command, const gchar *result)
{
  g_autoptr(GVariant) entry = history_entry (f, job_id);
  const gchar *value = NULL;

  g_assert_nonnull (entry);
  g_assert_true (g_variant_lookup (entry, "command", "&s", &value));
  g_assert_cmpstr (value, ==, command);
  if (result == NULL)
    {
      g_assert_false (g_variant_lookup (entry, "result", "&s", &value));
      return;
    }
  g_assert_true (g_variant_lookup (entry, "result", "&s", &value));
  g_assert_cmpstr (value, ==, result);
}

static gchar *
run_workflow (Fixture *f, const gchar *name, GVariantBuilder *params)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  gchar *path = NULL;

  reply = aqmp_test_service_call (f->service, AQMP_TEST_SERVICE_PATH, AQMP_TEST_MANAGER_IFACE, "RunWorkflow",
                                  g_variant_new ("(osa{sv})", f->machine, name, params), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(o)", &path);
  return path;
}

/* the paths in @log->completed, each with success */
static void
assert_completed (JobLog *log, const gchar * const *paths)
{
  for (guint i = 0; paths[i] != NULL; i++)
    {
      gboolean found = FALSE;

      for (guint j = 0; j < log->completed->len; j++)
        if (g_strcmp0 (g_ptr_array_index (log->completed, j), paths[i]) == 0)
          {
            found = TRUE;
            g_assert_cmpstr (g_ptr_array_index (log->successes, j), ==, "true");
          }
      g_assert_true (found);
    }
}

static void
add_control_node (Fixture *f, const gchar *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *json = g_strdup_printf ("{\"driver\": \"null-co\", \"node-name\": \"%s\","
                                            " \"size\": 1073741824}", name);
  g_autoptr(JsonObject) args = aqmp_test_object_from_json (json);
  g_autoptr(JsonNode) value = aqmp_client_execute_sync (f->control, "blockdev-add", args, NULL, &error);

  g_assert_no_error (error);
}

static void
test_backup_jobs_visible (Fixture *f, gconstpointer data)
{
  g_autofree gchar *workflow = NULL;
  g_autofree gchar *job0 = NULL;
  g_autofree gchar *job1 = NULL;
  GVariantBuilder params;
  JobLog log = { 0 };

  add_control_node (f, "src0");
  add_control_node (f, "src1");
  aqmp_test_hold_add (f->control, "dst0", GIB);
  aqmp_test_hold_add (f->control, "dst1", GIB);
  job_log_init (f, &log);

  g_variant_builder_init (&params, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&params, "{sv}", "disks", g_variant_new_string ("src0=dst0,src1=dst1"));
  g_variant_builder_add (&params, "{sv}", "job-id-prefix", g_variant_new_string ("vis"));
  workflow = run_workflow (f, "consistent-backup", &params);

  /* the workflow's Job object, then one for each job of its transaction */
  wait_count (log.added, 3);
  g_assert_cmpstr (g_ptr_array_index (log.added, 0), ==, workflow);
  job0 = find_job_object (f, &log, "vis-0", "transaction");
  job1 = find_job_object (f, &log, "vis-1", "transaction");
  g_assert_true (aqmp_test_wait_until (agent_thawed, f->agent, AQMP_TEST_WAIT_MS));

  /* held: running, in the machine's history next to the workflow's row */
  assert_history (f, "vis-0", "transaction", NULL);
  assert_history (f, "vis-1", "transaction", NULL);
  g_assert_cmpuint (log.completed->len, ==, 0);

  aqmp_test_hold_release (f->control, "dst0", "dst1", NULL);
  wait_count (log.completed, 3);
  assert_completed (&log, (const gchar * const []) { workflow, job0, job1, NULL });
  assert_history (f, "vis-0", "transaction", "success");
  assert_history (f, "vis-1", "transaction", "success");
  assert_history (f, "consistent-backup-1", "workflow:consistent-backup", "success");
  g_assert_false (f->agent->frozen);
  job_log_clear (f, &log);
}

static void
test_around_job_visible (Fixture *f, gconstpointer data)
{
  g_autofree gchar *workflow = NULL;
  g_autofree gchar *job = NULL;
  GVariantBuilder params;
  JobLog log = { 0 };

  add_control_node (f, "src0");
  aqmp_test_hold_add (f->control, "dst0", GIB);
  job_log_init (f, &log);

  g_variant_builder_init (&params, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&params, "{sv}", "before", g_variant_new_string ("sync"));
  g_variant_builder_add (&params, "{sv}", "after", g_variant_new_string ("echo after"));
  g_variant_builder_add (&params, "{sv}", "command", g_variant_new_string ("blockdev-backup"));
  g_variant_builder_add (&params, "{sv}", "arguments",
                         g_variant_new_string ("{\"job-id\": \"around-dbus\", \"device\": \"src0\","
                                               " \"target\": \"dst0\", \"sync\": \"full\"}"));
  workflow = run_workflow (f, "guest-exec-around-job", &params);

  wait_count (log.added, 2);
  g_assert_cmpstr (g_ptr_array_index (log.added, 0), ==, workflow);
  job = find_job_object (f, &log, "around-dbus", "blockdev-backup");
  assert_history (f, "around-dbus", "blockdev-backup", NULL);
  g_assert_cmpuint (log.completed->len, ==, 0);

  aqmp_test_hold_release (f->control, "dst0", NULL);
  wait_count (log.completed, 2);
  assert_completed (&log, (const gchar * const []) { workflow, job, NULL });
  assert_history (f, "around-dbus", "blockdev-backup", "success");
  assert_history (f, "guest-exec-around-job-1", "workflow:guest-exec-around-job", "success");
  g_assert_cmpuint (f->agent->log->len, ==, 2);
  job_log_clear (f, &log);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/aqmp/service/workflow/consistent-backup", Fixture, NULL, fixture_setup,
              test_consistent_backup, fixture_teardown);
  g_test_add ("/aqmp/service/workflow/consistent-backup/jobs-visible", Fixture, NULL, fixture_setup_held,
              test_backup_jobs_visible, fixture_teardown);
  g_test_add ("/aqmp/service/workflow/guest-exec-around-job/job-visible", Fixture, NULL, fixture_setup_held,
              test_around_job_visible, fixture_teardown);
  return g_test_run ();
}
