/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * aqmpd remembers the machines AddMachine added, as libvirt keeps
 * persistent domains: across a real restart on a private bus they come
 * back with their options, a job left running is re-attached and its end
 * recorded without anyone calling AddMachine again, RemoveMachine forgets
 * a machine for good, and AddMachine of a remembered machine returns it.
 * Against a real QEMU 7.2 with two monitors (the daemon uses the first);
 * the job is held on purpose by a blkdebug target whose first write fails
 * with ENOSPC (on-target-error=enospc) until job-resume.
 */
#include <string.h>

#include "aqmp-test-fake-agent.h"
#include "aqmp-test-service.h"

typedef struct {
  AqmpTestQemu *qemu;
  AqmpTestService *service;
  gchar *dir;              /* the second monitor's socket, the held image */
  gchar *second;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->qemu = aqmp_test_qemu_new_two_monitors (&f->dir, &f->second);
  f->service = aqmp_test_service_new (NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->service, aqmp_test_service_free);
  g_clear_pointer (&f->qemu, aqmp_test_qemu_free);
  aqmp_test_remove_dir (f->dir);
  g_free (f->dir);
  g_free (f->second);
}

static void
execute_ok (Fixture *f, const gchar *machine, const gchar *command, const gchar *arguments)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *result = aqmp_test_service_execute (f->service, machine, command, arguments, &error);

  g_assert_no_error (error);
}

/* the machines on the bus: object path -> (name, address) */
static GHashTable *
machines_on_bus (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = aqmp_test_service_call (f->service, AQMP_TEST_SERVICE_PATH,
                                                      "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                                                      NULL, &error);
  g_autoptr(GVariantIter) objects = NULL;
  GHashTable *machines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  const gchar *path;
  GVariant *interfaces;

  g_assert_no_error (error);
  g_variant_get (reply, "(a{oa{sa{sv}}})", &objects);
  while (g_variant_iter_next (objects, "{&o@a{sa{sv}}}", &path, &interfaces))
    {
      g_autoptr(GVariant) owned = interfaces;
      g_autoptr(GVariant) props = g_variant_lookup_value (interfaces, AQMP_TEST_MACHINE_IFACE, NULL);
      const gchar *name = NULL;

      if (props != NULL && g_variant_lookup (props, "Name", "&s", &name))
        g_hash_table_insert (machines, g_strdup (path), g_strdup (name));
    }
  return machines;
}

static const gchar *
path_of (GHashTable *machines, const gchar *name)
{
  GHashTableIter iter;
  gpointer key;
  gpointer value;

  g_hash_table_iter_init (&iter, machines);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (g_strcmp0 (value, name) == 0)
      return key;
  return NULL;
}

typedef struct {
  Fixture *f;
  const gchar *machine;
} Connected;

static gboolean
is_connected (gpointer user_data)
{
  Connected *c = user_data;
  g_autoptr(GVariant) value = aqmp_test_service_get (c->f->service, c->machine, AQMP_TEST_MACHINE_IFACE, "Connected");

  return g_variant_get_boolean (value);
}

static void
completed_cb (GDBusConnection *connection, const gchar *sender, const gchar *path, const gchar *iface,
              const gchar *signal, GVariant *parameters, gpointer user_data)
{
  gint *result = user_data;
  gboolean success = FALSE;

  g_variant_get (parameters, "(b&s)", &success, NULL);
  *result = success ? 1 : 0;
}

static gboolean
has_result (gpointer user_data)
{
  return *(gint *) user_data >= 0;
}

static void
add_held_backup (Fixture *f, const gchar *machine)
{
  g_autofree gchar *image = g_build_filename (f->dir, "held.raw", NULL);
  g_autofree gchar *content = g_malloc0 (1048576);
  g_autofree gchar *source = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (image, content, 1048576, NULL));
  source = g_strdup_printf ("{\"driver\": \"raw\", \"node-name\": \"data\", \"file\": {\"driver\": \"file\","
                            " \"filename\": \"%s\"}}", image);
  execute_ok (f, machine, "blockdev-add", source);
  execute_ok (f, machine, "blockdev-add", "{\"driver\": \"blkdebug\", \"node-name\": \"held\", \"image\":"
              " {\"driver\": \"null-co\", \"size\": 1048576}, \"inject-error\": [{\"event\": \"none\","
              " \"errno\": 28, \"once\": true, \"iotype\": \"write\"}]}");
  reply = aqmp_test_service_call (f->service, AQMP_TEST_SERVICE_PATH, AQMP_TEST_MANAGER_IFACE, "StartJob",
                                  g_variant_new ("(oss)", machine, "blockdev-backup",
                                                 "{\"job-id\": \"kept0\", \"device\": \"data\", \"target\": \"held\","
                                                 " \"sync\": \"full\", \"on-target-error\": \"enospc\"}"),
                                  &error);
  g_assert_no_error (error);
}

static void
wait_held (AqmpClient *second)
{
  g_autoptr(JsonObject) match = aqmp_test_object_from_json ("{\"device\": \"kept0\", \"action\": \"stop\"}");
  g_autoptr(AqmpEventWaiter) waiter = aqmp_event_waiter_new (second, "BLOCK_JOB_ERROR", match);
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpEvent) event = NULL;
  g_autoptr(JsonNode) jobs = aqmp_client_execute_sync (second, "query-block-jobs", NULL, NULL, &error);
  g_autofree gchar *text = NULL;

  g_assert_no_error (error);
  text = json_to_string (jobs, FALSE);
  /* held already, or about to be */
  if (strstr (text, "\"paused\":true") != NULL)
    return;
  event = aqmp_event_waiter_wait_sync (waiter, AQMP_TEST_WAIT_MS, NULL, &error);
  g_assert_no_error (error);
}

static void
test_restart (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpTestFakeAgent) agent = aqmp_test_fake_agent_new ();
  g_autoptr(AqmpClient) second = NULL;
  g_autoptr(GHashTable) machines = NULL;
  g_autoptr(GVariant) address = NULL;
  g_autoptr(GVariant) qga = NULL;
  g_autoptr(GVariant) removed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) resume = aqmp_test_object_from_json ("{\"id\": \"kept0\"}");
  g_autoptr(JsonNode) resumed = NULL;
  g_autofree gchar *vm = NULL;
  g_autofree gchar *other = NULL;
  g_autofree gchar *again = NULL;
  GVariantBuilder options;
  Connected connected = { f, NULL };
  gint result = -1;
  guint id;

  /* vm with an option; other on the second monitor, then removed */
  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "qga-address", g_variant_new_string (agent->address));
  vm = aqmp_test_service_add_machine (f->service, "vm", f->qemu->address, g_variant_builder_end (&options));
  other = aqmp_test_service_add_machine (f->service, "other", f->second, NULL);
  removed = aqmp_test_service_call (f->service, AQMP_TEST_SERVICE_PATH, AQMP_TEST_MANAGER_IFACE, "RemoveMachine",
                                    g_variant_new ("(o)", other), &error);
  g_assert_no_error (error);
  /* the second monitor is the test's from here on */
  second = aqmp_test_connect (f->second);
  add_held_backup (f, vm);
  wait_held (second);

  /* a real restart: a new process, nobody calls AddMachine */
  aqmp_test_service_stop (f->service);
  aqmp_test_service_start (f->service, NULL);
  machines = machines_on_bus (f);
  g_assert_cmpuint (g_hash_table_size (machines), ==, 1);
  connected.machine = path_of (machines, "vm");
  g_assert_nonnull (connected.machine);
  g_assert_null (path_of (machines, "other"));
  address = aqmp_test_service_get (f->service, connected.machine, AQMP_TEST_MACHINE_IFACE, "Address");
  g_assert_cmpstr (g_variant_get_string (address, NULL), ==, f->qemu->address);
  qga = aqmp_test_service_get (f->service, connected.machine, AQMP_TEST_MACHINE_IFACE, "GuestAgentAddress");
  g_assert_cmpstr (g_variant_get_string (qga, NULL), ==, agent->address);
  g_assert_true (aqmp_test_wait_until (is_connected, &connected, AQMP_TEST_WAIT_MS));

  /* the held job is re-attached: released, its end comes on the bus */
  id = g_dbus_connection_signal_subscribe (f->service->connection, NULL, AQMP_TEST_JOB_IFACE, "Completed", NULL,
                                           NULL, G_DBUS_SIGNAL_FLAGS_NONE, completed_cb, &result, NULL);
  resumed = aqmp_client_execute_sync (second, "job-resume", resume, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (aqmp_test_wait_until (has_result, &result, AQMP_TEST_WAIT_MS));
  g_assert_cmpint (result, ==, 1);
  g_dbus_connection_signal_unsubscribe (f->service->connection, id);

  /* AddMachine of the machine as it was remembered returns it */
  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "qga-address", g_variant_new_string (agent->address));
  again = aqmp_test_service_add_machine (f->service, "vm", f->qemu->address, g_variant_builder_end (&options));
  g_assert_cmpstr (again, ==, connected.machine);

  /* RemoveMachine forgets it across the next restart */
  g_clear_pointer (&removed, g_variant_unref);
  removed = aqmp_test_service_call (f->service, AQMP_TEST_SERVICE_PATH, AQMP_TEST_MANAGER_IFACE, "RemoveMachine",
                                    g_variant_new ("(o)", connected.machine), &error);
  g_assert_no_error (error);
  aqmp_test_service_stop (f->service);
  aqmp_test_service_start (f->service, NULL);
  g_clear_pointer (&machines, g_hash_table_unref);
  machines = machines_on_bus (f);
  g_assert_cmpuint (g_hash_table_size (machines), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/aqmpd/machines/kept-across-restart", Fixture, NULL, fixture_setup, test_restart, fixture_teardown);
  return g_test_run ();
}
