/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The workflow plugins through aqmpd's RunWorkflow: the daemon on a
 * private bus, a real QEMU 7.2 and the fake guest agent (never a real
 * one: the workflow freezes the guest).
 */
#include <string.h>

#include "aqmp-test-fake-agent.h"
#include "aqmp-test-service.h"

typedef struct {
  AqmpTestQemu *qemu;
  AqmpTestService *service;
  AqmpTestFakeAgent *agent;
  gchar *machine;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  GVariantBuilder options;

  f->qemu = aqmp_test_qemu_new (NULL);
  f->service = aqmp_test_service_new (NULL);
  f->agent = aqmp_test_fake_agent_new ();
  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "qga-address", g_variant_new_string (f->agent->address));
  f->machine = aqmp_test_service_add_machine (f->service, "vm", f->qemu->address, g_variant_builder_end (&options));
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->service, aqmp_test_service_free);
  g_clear_pointer (&f->agent, aqmp_test_fake_agent_free);
  g_clear_pointer (&f->qemu, aqmp_test_qemu_free);
  g_clear_pointer (&f->machine, g_free);
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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/aqmp/service/workflow/consistent-backup", Fixture, NULL, fixture_setup,
              test_consistent_backup, fixture_teardown);
  return g_test_run ();
}
