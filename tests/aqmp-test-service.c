/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "aqmp-test-service.h"

static void
aqmp_test_service_child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void
aqmp_test_service_exited_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  gboolean *exited = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), res, NULL);
  *exited = TRUE;
}

static void
aqmp_test_service_appeared_cb (GDBusConnection *connection, const gchar *name,
                               const gchar *owner, gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
}

typedef struct {
  gboolean *appeared;
  gboolean *exited;
} AqmpTestServiceReady;

static gboolean
aqmp_test_service_ready (gpointer user_data)
{
  AqmpTestServiceReady *ready = user_data;

  return *ready->appeared || *ready->exited;
}

/* starts the daemon and waits until it owns its name */
void
aqmp_test_service_start (AqmpTestService *self, const gchar * const *args)
{
  const gchar *aqmpd = g_getenv ("AQMPD");
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  gboolean appeared = FALSE;
  AqmpTestServiceReady ready = { &appeared, &self->exited };
  guint watch;

  g_assert_nonnull (aqmpd);
  g_assert_null (self->daemon);
  g_ptr_array_add (argv, (gpointer) aqmpd);
  g_ptr_array_add (argv, (gpointer) "--bus-address");
  g_ptr_array_add (argv, (gpointer) g_test_dbus_get_bus_address (self->bus));
  g_ptr_array_add (argv, (gpointer) "--database");
  g_ptr_array_add (argv, self->database);
  g_ptr_array_add (argv, (gpointer) "--verbose");
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  /* the daemon keeps the harness's malloc checks */
  for (const gchar * const *env = aqmp_test_harness_environ (); *env != NULL; env++)
    {
      g_auto(GStrv) kv = g_strsplit (*env, "=", 2);
      g_subprocess_launcher_setenv (launcher, kv[0], kv[1], TRUE);
    }
  /* the daemon's log goes to stderr: stdout is the test's TAP */
  g_subprocess_launcher_take_stdout_fd (launcher, dup (STDERR_FILENO));
  if (self->log != NULL)
    g_subprocess_launcher_set_stderr_file_path (launcher, self->log);
  g_subprocess_launcher_set_child_setup (launcher, aqmp_test_service_child_setup, NULL, NULL);
  watch = g_bus_watch_name_on_connection (self->connection, AQMP_TEST_SERVICE_NAME,
                                          G_BUS_NAME_WATCHER_FLAGS_NONE,
                                          aqmp_test_service_appeared_cb, NULL, &appeared, NULL);
  self->exited = FALSE;
  self->daemon = g_subprocess_launcher_spawnv (launcher, (const gchar * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_wait_async (self->daemon, NULL, aqmp_test_service_exited_cb, &self->exited);
  if (!aqmp_test_wait_until (aqmp_test_service_ready, &ready, AQMP_TEST_WAIT_MS))
    g_error ("aqmpd did not own %s within %u ms", AQMP_TEST_SERVICE_NAME, AQMP_TEST_WAIT_MS);
  g_bus_unwatch_name (watch);
  if (!appeared)
    g_error ("aqmpd exited at start-up");
}

/* SIGTERM, as systemd stops it, and reap */
void
aqmp_test_service_stop (AqmpTestService *self)
{
  if (self->daemon == NULL)
    return;
  if (!self->exited)
    g_subprocess_send_signal (self->daemon, SIGTERM);
  if (!aqmp_test_wait_for_flag (&self->exited, AQMP_TEST_WAIT_MS))
    {
      g_subprocess_force_exit (self->daemon);
      if (!aqmp_test_wait_for_flag (&self->exited, AQMP_TEST_WAIT_MS))
        g_error ("aqmpd was not reaped");
      g_error ("aqmpd did not stop within %u ms of SIGTERM", AQMP_TEST_WAIT_MS);
    }
  g_clear_object (&self->daemon);
}

/* SIGKILL, as a crash or the OOM killer ends it, and reap: the daemon
 * cleans nothing up */
void
aqmp_test_service_kill (AqmpTestService *self)
{
  g_assert_nonnull (self->daemon);
  if (!self->exited)
    g_subprocess_send_signal (self->daemon, SIGKILL);
  if (!aqmp_test_wait_for_flag (&self->exited, AQMP_TEST_WAIT_MS))
    g_error ("aqmpd was not reaped within %u ms of SIGKILL", AQMP_TEST_WAIT_MS);
  g_clear_object (&self->daemon);
}

AqmpTestService *
aqmp_test_service_new (const gchar * const *args)
{
  AqmpTestService *self = g_new0 (AqmpTestService, 1);
  g_autoptr(GError) error = NULL;

  self->dir = aqmp_test_make_dir ();
  self->database = g_build_filename (self->dir, "jobs.db", NULL);
  self->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (self->bus);
  self->connection = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (self->bus),
                                                             G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                                             | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                             NULL, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_set_exit_on_close (self->connection, FALSE);
  aqmp_test_service_start (self, args);
  return self;
}

void
aqmp_test_service_free (AqmpTestService *self)
{
  if (self == NULL)
    return;
  aqmp_test_service_stop (self);
  g_dbus_connection_close_sync (self->connection, NULL, NULL);
  g_clear_object (&self->connection);
  g_test_dbus_down (self->bus);
  g_clear_object (&self->bus);
  aqmp_test_remove_dir (self->dir);
  g_free (self->dir);
  g_free (self->database);
  g_free (self->log);
  g_free (self);
}

/* ----- calls, without blocking the test's main context ----- */

typedef struct {
  GVariant *reply;
  GError *error;
  gboolean done;
} AqmpTestServiceCall;

static void
aqmp_test_service_call_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpTestServiceCall *call = user_data;

  call->reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), res, &call->error);
  call->done = TRUE;
}

/* iterates the test's context meanwhile, so in-process fakes keep answering */
GVariant *
aqmp_test_service_call (AqmpTestService *self, const gchar *path, const gchar *iface,
                        const gchar *method, GVariant *parameters, GError **error)
{
  AqmpTestServiceCall call = { NULL, NULL, FALSE };

  g_dbus_connection_call (self->connection, AQMP_TEST_SERVICE_NAME, path, iface, method,
                          parameters, NULL, G_DBUS_CALL_FLAGS_NONE, AQMP_TEST_WAIT_MS, NULL,
                          aqmp_test_service_call_cb, &call);
  if (!aqmp_test_wait_for_flag (&call.done, AQMP_TEST_WAIT_MS + 1000))
    g_error ("%s.%s was not answered", iface, method);
  if (call.error != NULL)
    g_propagate_error (error, call.error);
  return call.reply;
}

GVariant *
aqmp_test_service_get (AqmpTestService *self, const gchar *path, const gchar *iface,
                       const gchar *property)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = aqmp_test_service_call (self, path, "org.freedesktop.DBus.Properties",
                                                      "Get", g_variant_new ("(ss)", iface, property),
                                                      &error);
  GVariant *value = NULL;

  g_assert_no_error (error);
  g_variant_get (reply, "(v)", &value);
  return value;
}

gchar *
aqmp_test_service_add_machine (AqmpTestService *self, const gchar *name, const gchar *address,
                               GVariant *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  gchar *path = NULL;

  if (options == NULL)
    options = g_variant_new ("a{sv}", NULL);
  reply = aqmp_test_service_call (self, AQMP_TEST_SERVICE_PATH, AQMP_TEST_MANAGER_IFACE, "AddMachine",
                                  g_variant_new ("(ss@a{sv})", name, address, options), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(o)", &path);
  return path;
}

gchar *
aqmp_test_service_execute (AqmpTestService *self, const gchar *machine, const gchar *command,
                           const gchar *arguments, GError **error)
{
  g_autoptr(GVariant) reply = aqmp_test_service_call (self, machine, AQMP_TEST_MACHINE_IFACE, "Execute",
                                                      g_variant_new ("(ss)", command, arguments),
                                                      error);
  gchar *result = NULL;

  if (reply != NULL)
    g_variant_get (reply, "(s)", &result);
  return result;
}
