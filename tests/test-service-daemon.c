/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * aqmpd's start-up and housekeeping, on a private bus (GTestDBus) with its
 * log in a file: refused plugins, the checks of its option dictionaries,
 * and how it retries a machine that is not there, against real QEMU 7.2 and
 * a listening socket the test controls.
 */
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "aqmp-test-daemon.h"

#define MANAGER "/io/github/aqmp/Aqmp1"
#define MANAGER_IFACE "io.github.aqmp.Aqmp1.Manager"
#define MACHINE_IFACE "io.github.aqmp.Aqmp1.Machine"

typedef struct {
  GTestDBus *bus;
  GDBusConnection *connection;
  AqmpTestDaemon *daemon;
  AqmpTestQemu *qemu;
  gchar *dir;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = aqmp_test_make_dir ();
  f->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (f->bus);
  f->connection = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (f->bus),
                                                          G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                                          | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                          NULL, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_set_exit_on_close (f->connection, FALSE);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  if (f->daemon != NULL)
    {
      g_autofree gchar *log = aqmp_test_daemon_log (f->daemon);
      g_test_message ("aqmpd's log:\n%s", log);
    }
  g_clear_pointer (&f->daemon, aqmp_test_daemon_free);
  g_dbus_connection_close_sync (f->connection, NULL, NULL);
  g_clear_object (&f->connection);
  g_test_dbus_down (f->bus);
  g_clear_object (&f->bus);
  g_clear_pointer (&f->qemu, aqmp_test_qemu_free);
  aqmp_test_remove_dir (f->dir);
  g_free (f->dir);
}

/* aqmpd on the test's bus with @extra arguments and @env */
static void
start_daemon (Fixture *f, const gchar * const *extra, const gchar * const *env)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *log = g_build_filename (f->dir, "aqmpd.log", NULL);

  g_ptr_array_add (argv, g_strdup (g_getenv ("AQMPD")));
  g_ptr_array_add (argv, g_strdup ("--bus-address"));
  g_ptr_array_add (argv, g_strdup (g_test_dbus_get_bus_address (f->bus)));
  g_ptr_array_add (argv, g_strdup ("--database"));
  g_ptr_array_add (argv, g_build_filename (f->dir, "jobs.db", NULL));
  g_ptr_array_add (argv, g_strdup ("--verbose"));
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (extra[i]));
  g_ptr_array_add (argv, NULL);
  f->daemon = aqmp_test_daemon_start ((const gchar * const *) argv->pdata, env, log, f->connection);
}

static GVariant *
call (Fixture *f, const gchar *path, const gchar *iface, const gchar *method, GVariant *params,
      GError **error)
{
  return g_dbus_connection_call_sync (f->connection, "io.github.aqmp.Aqmp1", path, iface, method,
                                      params, NULL, G_DBUS_CALL_FLAGS_NONE, AQMP_TEST_WAIT_MS,
                                      NULL, error);
}

static void
assert_invalid_args (GError *error, const gchar *key)
{
  g_autofree gchar *remote = NULL;
  g_autofree gchar *quoted = g_strdup_printf ("'%s'", key);

  g_assert_nonnull (error);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, "org.freedesktop.DBus.Error.InvalidArgs");
  g_assert_nonnull (strstr (error->message, quoted));
}

/* ----- refused plugins ----- */

typedef struct {
  const gchar *file;
  const gchar *why;
} Broken;

static const Broken broken[] = {
  { "aqmp-plugin-broken-no-abi.so", "no aqmp_plugin_abi_version symbol" },
  { "aqmp-plugin-broken-wrong-abi.so", "built for plugin ABI" },
  { "aqmp-plugin-broken-old-abi.so", "built for plugin ABI 1, this aqmp uses ABI 2" },
  { "aqmp-plugin-broken-no-query.so", "no aqmp_plugin_query entry point" },
  { "aqmp-plugin-broken-setup-fails.so", "setup failed: the example failure" },
};

/*
 * One broken module next to a good one: the daemon starts, says once which
 * file it refused and why, and serves the good one's workflow.
 */
static void
test_broken_plugin (Fixture *f, gconstpointer data)
{
  const Broken *b = data;
  g_autofree gchar *plugins = g_build_filename (f->dir, "plugins", NULL);
  g_autofree gchar *target = g_build_filename (g_getenv ("AQMP_TEST_BROKEN_PLUGIN_DIR"), b->file, NULL);
  g_autofree gchar *link = g_build_filename (plugins, b->file, NULL);
  g_autofree gchar *path = g_strdup_printf ("AQMP_PLUGIN_PATH=%s:%s", plugins,
                                            g_getenv ("AQMP_TEST_EXAMPLE_PLUGIN_DIR"));
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree gchar *log = NULL;
  g_autofree gchar *text = NULL;
  g_autofree gchar *line = NULL;
  const gchar *warning;

  g_assert_cmpint (g_mkdir (plugins, 0755), ==, 0);
  g_assert_cmpint (symlink (target, link), ==, 0);
  start_daemon (f, NULL, (const gchar *[]) { path, NULL });

  reply = call (f, MANAGER, MANAGER_IFACE, "ListWorkflows", NULL, &error);
  g_assert_no_error (error);
  text = g_variant_print (reply, FALSE);
  g_assert_nonnull (strstr (text, "'example-ping'"));

  /* one warning, naming the file and the reason */
  log = aqmp_test_daemon_log (f->daemon);
  g_assert_cmpuint (aqmp_test_count_lines (log, "WARNING"), ==, 1);
  warning = strstr (log, "WARNING");
  line = g_strndup (warning, strcspn (warning, "\n"));
  g_assert_nonnull (strstr (line, link));
  g_assert_nonnull (strstr (line, b->why));
}

/* the unit's --group names a group nobody made: root still serves, alone */
static void
test_missing_group (Fixture *f, gconstpointer data)
{
  g_autofree gchar *log = NULL;

  start_daemon (f, (const gchar *[]) { "--group", "aqmp-test-no-such-group", NULL }, NULL);
  log = aqmp_test_daemon_log (f->daemon);
  g_assert_cmpuint (aqmp_test_count_lines (log, "there is no group aqmp-test-no-such-group"), ==, 1);
}

/* ----- option dictionaries ----- */

static GVariant *
add_machine (Fixture *f, const gchar *options, GError **error)
{
  g_autoptr(GError) parse_error = NULL;
  GVariant *dict = g_variant_parse (G_VARIANT_TYPE_VARDICT, options, NULL, NULL, &parse_error);

  g_assert_no_error (parse_error);
  return call (f, MANAGER, MANAGER_IFACE, "AddMachine",
               g_variant_new ("(ss@a{sv})", "vm", f->qemu->address, dict), error);
}

/* every a{sv} the daemon takes refuses unknown keys and wrong types */
static void
test_options (Fixture *f, gconstpointer data)
{
  static const struct { const gchar *options; const gchar *key; } bad_machine[] = {
    { "{'bogus-option': <1>}", "bogus-option" },
    { "{'allow-destructve': <true>}", "allow-destructve" },
    { "{'timeout-ms': <'1000'>}", "timeout-ms" },
    { "{'qga-address': <42>}", "qga-address" },
    { "{'allow-destructive': <1>}", "allow-destructive" },
  };
  static const struct { const gchar *filter; const gchar *key; } bad_filter[] = {
    { "{'limit': <'x'>}", "limit" },
    { "{'machin': <'vm'>}", "machin" },
    { "{'machine': <1>}", "machine" },
    { "{'active-only': <'yes'>}", "active-only" },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) history = NULL;
  g_autofree gchar *machine = NULL;

  f->qemu = aqmp_test_qemu_new (NULL);
  start_daemon (f, NULL, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (bad_machine); i++)
    {
      g_autoptr(GVariant) r = add_machine (f, bad_machine[i].options, &error);
      assert_invalid_args (error, bad_machine[i].key);
      g_clear_error (&error);
    }
  /* nothing was added: the name is free */
  reply = add_machine (f, "{'timeout-ms': <uint32 5000>}", &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(o)", &machine);

  for (guint i = 0; i < G_N_ELEMENTS (bad_filter); i++)
    {
      g_autoptr(GError) parse_error = NULL;
      GVariant *filter = g_variant_parse (G_VARIANT_TYPE_VARDICT, bad_filter[i].filter, NULL, NULL, &parse_error);
      g_autoptr(GVariant) r = NULL;

      g_assert_no_error (parse_error);
      r = call (f, MANAGER, MANAGER_IFACE, "GetJobHistory", g_variant_new ("(@a{sv})", filter), &error);
      assert_invalid_args (error, bad_filter[i].key);
      g_clear_error (&error);
    }
  history = call (f, MANAGER, MANAGER_IFACE, "GetJobHistory",
                  g_variant_new_parsed ("({'machine': <'vm'>, 'limit': <uint32 1>, 'active-only': <false>},)"),
                  &error);
  g_assert_no_error (error);

  /* a workflow's parameters are its own; their values must still convert */
  g_clear_pointer (&reply, g_variant_unref);
  reply = call (f, MANAGER, MANAGER_IFACE, "RunWorkflow",
                g_variant_new_parsed ("(%o, 'example-ping', {'pair': <(1, 2)>})", machine), &error);
  assert_invalid_args (error, "pair");
}

/* ----- retrying with backoff ----- */

typedef struct {
  GSocketService *service;
  GArray *times;           /* gint64, monotonic, one per connection accepted */
} Listener;

/* each attempt is accepted and closed at once: the greeting never comes */
static gboolean
listener_incoming_cb (GSocketService *service, GSocketConnection *connection, GObject *source,
                      gpointer user_data)
{
  Listener *l = user_data;
  gint64 now = g_get_monotonic_time ();

  g_array_append_val (l->times, now);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return TRUE;
}

static void
listener_start (Listener *l, const gchar *path)
{
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (path);
  g_autoptr(GError) error = NULL;

  l->times = g_array_new (FALSE, FALSE, sizeof (gint64));
  l->service = g_socket_service_new ();
  g_socket_listener_add_address (G_SOCKET_LISTENER (l->service), address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_DEFAULT, NULL, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (l->service, "incoming", G_CALLBACK (listener_incoming_cb), l);
  g_socket_service_start (l->service);
}

static void
listener_stop (Listener *l, const gchar *path)
{
  g_socket_service_stop (l->service);
  g_socket_listener_close (G_SOCKET_LISTENER (l->service));
  g_clear_object (&l->service);
  g_unlink (path);
}

static gboolean
enough_attempts (gpointer user_data)
{
  gpointer *args = user_data;
  Listener *l = args[0];

  return l->times->len >= GPOINTER_TO_UINT (args[1]);
}

/* the delays a log announced, in order, from lines holding "@prefix N ms" */
static GArray *
logged_delays (const gchar *log, const gchar *prefix)
{
  g_auto(GStrv) lines = g_strsplit (log, "\n", -1);
  GArray *delays = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const gchar *at = strstr (lines[i], prefix);
      guint delay;

      if (at == NULL)
        continue;
      delay = (guint) g_ascii_strtoull (at + strlen (prefix), NULL, 10);
      g_array_append_val (delays, delay);
    }
  return delays;
}

/* within the jitter of min (initial * 2^i, cap) */
static void
assert_backoff (GArray *delays, guint initial, guint cap)
{
  for (guint i = 0; i < delays->len; i++)
    {
      guint64 base = MIN ((guint64) initial << MIN (i, 30), cap);
      guint delay = g_array_index (delays, guint, i);

      g_test_message ("delay %u: %u ms (base %" G_GUINT64_FORMAT ")", i, delay, base);
      g_assert_cmpuint (delay, >=, base * 3 / 4);
      g_assert_cmpuint (delay, <=, MIN (base * 5 / 4 + 1, cap));
    }
}

/*
 * A machine on the command line that is not up: the daemon logs that once
 * and retries with a delay that doubles (the test's socket accepts and
 * closes each attempt, so each fails only after the test saw it: the gap
 * between two attempts is at least the delay the daemon announced).
 */
static void
test_retry_backoff (Fixture *f, gconstpointer data)
{
  g_autofree gchar *socket = g_build_filename (f->dir, "qmp.sock", NULL);
  g_autofree gchar *machine = g_strdup_printf ("vm=unix:%s", socket);
  g_autofree gchar *log = NULL;
  g_autoptr(GArray) delays = NULL;
  Listener l = { NULL };
  gpointer wait[2] = { &l, GUINT_TO_POINTER (6) };

  listener_start (&l, socket);
  start_daemon (f, (const gchar *[]) { "--machine", machine, NULL }, NULL);
  g_assert_true (aqmp_test_wait_until (enough_attempts, wait, AQMP_TEST_WAIT_MS * 2));
  listener_stop (&l, socket);

  log = aqmp_test_daemon_log (f->daemon);
  /* once, however many attempts */
  g_assert_cmpuint (aqmp_test_count_lines (log, "vm: cannot connect to"), ==, 1);
  g_assert_cmpuint (aqmp_test_count_lines (log, "vm: disconnected"), ==, 0);
  delays = logged_delays (log, "vm: next attempt in ");
  g_assert_cmpuint (delays->len, >=, 5);
  assert_backoff (delays, 100, 30000);
  for (guint i = 0; i + 1 < l.times->len && i < delays->len; i++)
    g_assert_cmpint (g_array_index (l.times, gint64, i + 1) - g_array_index (l.times, gint64, i), >=,
                     (gint64) g_array_index (delays, guint, i) * 1000);
  g_array_unref (l.times);
}

static gboolean
machine_connected (gpointer user_data)
{
  Fixture *f = user_data;
  g_autoptr(GVariant) reply = call (f, MANAGER "/machines/1", "org.freedesktop.DBus.Properties", "Get",
                                    g_variant_new ("(ss)", MACHINE_IFACE, "Connected"), NULL);
  g_autoptr(GVariant) value = NULL;

  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(v)", &value);
  return g_variant_get_boolean (value);
}

static void
changed_cb (GDBusConnection *connection, const gchar *sender, const gchar *path, const gchar *iface,
            const gchar *signal, GVariant *parameters, gpointer user_data)
{
  /* wakes the wait, which reads Connected again */
}

static gboolean
wait_connected (Fixture *f)
{
  guint id = g_dbus_connection_signal_subscribe (f->connection, NULL, "org.freedesktop.DBus.Properties",
                                                 "PropertiesChanged", MANAGER "/machines/1", NULL,
                                                 G_DBUS_SIGNAL_FLAGS_NONE, changed_cb, NULL, NULL);
  gboolean connected = aqmp_test_wait_until (machine_connected, f, AQMP_TEST_WAIT_MS);

  g_dbus_connection_signal_unsubscribe (f->connection, id);
  return connected;
}

/*
 * A machine that goes away: one message for the loss, the client's capped
 * exponential backoff meanwhile (its attempts on the test's socket), one
 * message when a QEMU listens there again.
 */
static void
test_reconnect_after_loss (Fixture *f, gconstpointer data)
{
  g_autofree gchar *machine = NULL;
  g_autofree gchar *socket = NULL;
  g_autofree gchar *log = NULL;
  g_autofree gchar *qmp = NULL;
  g_autoptr(GArray) delays = NULL;
  g_autoptr(AqmpTestQemu) again = NULL;
  Listener l = { NULL };
  gpointer wait[2] = { &l, GUINT_TO_POINTER (5) };

  f->qemu = aqmp_test_qemu_new (NULL);
  socket = g_strdup (f->qemu->socket_path);
  machine = g_strdup_printf ("vm=%s", f->qemu->address);
  /* the client's debug lines say when it retries */
  start_daemon (f, (const gchar *[]) { "--machine", machine, NULL },
                (const gchar *[]) { "G_MESSAGES_DEBUG=aqmpd aqmp", NULL });
  g_assert_true (wait_connected (f));

  aqmp_test_qemu_kill (f->qemu);
  g_unlink (socket);
  listener_start (&l, socket);
  g_assert_true (aqmp_test_wait_until (enough_attempts, wait, AQMP_TEST_WAIT_MS * 2));
  listener_stop (&l, socket);

  qmp = g_strdup_printf ("unix:%s,server=on,wait=off", socket);
  again = aqmp_test_qemu_spawn (g_path_get_dirname (socket),
                                (const gchar *[]) { AQMP_TEST_QEMU, "-machine", "none", "-nodefaults",
                                                    "-display", "none", "-qmp", qmp, NULL },
                                socket);
  g_assert_true (wait_connected (f));

  log = aqmp_test_daemon_log (f->daemon);
  g_assert_cmpuint (aqmp_test_count_lines (log, "vm: lost the connection"), ==, 1);
  g_assert_cmpuint (aqmp_test_count_lines (log, "vm: connected to"), ==, 2);
  g_assert_cmpuint (aqmp_test_count_lines (log, "vm: disconnected"), ==, 0);
  delays = logged_delays (log, "reconnecting in ");
  g_assert_cmpuint (delays->len, >=, 5);
  assert_backoff (delays, 100, 30000);
  g_array_unref (l.times);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (broken); i++)
    {
      g_autofree gchar *name = g_strndup (broken[i].file + strlen ("aqmp-plugin-"),
                                          strlen (broken[i].file) - strlen ("aqmp-plugin-") - strlen (".so"));
      g_autofree gchar *path = g_strdup_printf ("/aqmp/service/daemon/plugins/%s", name);
      g_test_add (path, Fixture, &broken[i], fixture_setup, test_broken_plugin, fixture_teardown);
    }
  g_test_add ("/aqmp/service/daemon/missing-group", Fixture, NULL, fixture_setup, test_missing_group,
              fixture_teardown);
  g_test_add ("/aqmp/service/daemon/options", Fixture, NULL, fixture_setup, test_options, fixture_teardown);
  g_test_add ("/aqmp/service/daemon/retry-backoff", Fixture, NULL, fixture_setup, test_retry_backoff,
              fixture_teardown);
  g_test_add ("/aqmp/service/daemon/reconnect-after-loss", Fixture, NULL, fixture_setup,
              test_reconnect_after_loss, fixture_teardown);
  return g_test_run ();
}
