/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aqmp-test-daemon.h"

#define AQMP_TEST_BUS_NAME "io.github.aqmp.Aqmp1"

static void
aqmp_test_daemon_child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void
aqmp_test_daemon_exited_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  gboolean *exited = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), res, NULL);
  *exited = TRUE;
}

/* a peer's environment: the harness's malloc checks are not for it */
static GSubprocessLauncher *
aqmp_test_launcher_new (GSubprocessFlags flags, const gchar * const *env)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_unsetenv (launcher, "MALLOC_PERTURB_");
  g_subprocess_launcher_unsetenv (launcher, "MALLOC_CHECK_");
  for (guint i = 0; env != NULL && env[i] != NULL; i++)
    {
      g_auto(GStrv) pair = g_strsplit (env[i], "=", 2);
      g_subprocess_launcher_setenv (launcher, pair[0], pair[1] != NULL ? pair[1] : "", TRUE);
    }
  g_subprocess_launcher_set_child_setup (launcher, aqmp_test_daemon_child_setup, NULL, NULL);
  return launcher;
}

static void
aqmp_test_daemon_appeared_cb (GDBusConnection *connection, const gchar *name, const gchar *owner,
                              gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
}

typedef struct {
  gboolean *appeared;
  gboolean *exited;
} AqmpTestDaemonReady;

static gboolean
aqmp_test_daemon_ready (gpointer user_data)
{
  AqmpTestDaemonReady *ready = user_data;

  return *ready->appeared || *ready->exited;
}

/**
 * aqmp_test_daemon_start:
 * @argv: the daemon and its arguments
 * @env: (nullable): NAME=VALUE settings for it
 * @log_path: where its stdout and stderr go
 * @watch: the bus connection on which it must own io.github.aqmp.Aqmp1
 */
AqmpTestDaemon *
aqmp_test_daemon_start (const gchar * const *argv, const gchar * const *env, const gchar *log_path,
                        GDBusConnection *watch)
{
  g_autoptr(GSubprocessLauncher) launcher = aqmp_test_launcher_new (G_SUBPROCESS_FLAGS_NONE, env);
  AqmpTestDaemon *self = g_new0 (AqmpTestDaemon, 1);
  g_autoptr(GError) error = NULL;
  gboolean appeared = FALSE;
  AqmpTestDaemonReady ready = { &appeared, &self->exited };
  guint id;
  int fd = open (log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

  g_assert_cmpint (fd, >=, 0);
  self->log_path = g_strdup (log_path);
  g_subprocess_launcher_take_stdout_fd (launcher, dup (fd));
  g_subprocess_launcher_take_stderr_fd (launcher, fd);
  id = g_bus_watch_name_on_connection (watch, AQMP_TEST_BUS_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                       aqmp_test_daemon_appeared_cb, NULL, &appeared, NULL);
  self->process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_wait_async (self->process, NULL, aqmp_test_daemon_exited_cb, &self->exited);
  if (!aqmp_test_wait_until (aqmp_test_daemon_ready, &ready, AQMP_TEST_WAIT_MS))
    g_error ("aqmpd did not own its name within %u ms", AQMP_TEST_WAIT_MS);
  g_bus_unwatch_name (id);
  if (!appeared)
    {
      g_autofree gchar *log = aqmp_test_daemon_log (self);
      g_error ("aqmpd exited at start-up: %s", log);
    }
  return self;
}

/* SIGTERM, as systemd stops it; reaped in any case */
void
aqmp_test_daemon_free (AqmpTestDaemon *self)
{
  if (self == NULL)
    return;
  if (!self->exited)
    g_subprocess_send_signal (self->process, SIGTERM);
  if (!aqmp_test_wait_for_flag (&self->exited, AQMP_TEST_WAIT_MS))
    {
      g_subprocess_force_exit (self->process);
      if (!aqmp_test_wait_for_flag (&self->exited, AQMP_TEST_WAIT_MS))
        g_error ("aqmpd was not reaped");
      g_error ("aqmpd did not stop within %u ms of SIGTERM", AQMP_TEST_WAIT_MS);
    }
  g_clear_object (&self->process);
  g_free (self->log_path);
  g_free (self);
}

gchar *
aqmp_test_daemon_log (AqmpTestDaemon *self)
{
  gchar *text = NULL;

  if (!g_file_get_contents (self->log_path, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

guint
aqmp_test_count_lines (const gchar *text, const gchar *needle)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  guint n = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], needle) != NULL)
      n++;
  return n;
}

/* ----- a bus like the system bus ----- */

/*
 * Modelled on Debian's /usr/share/dbus-1/system.conf: EXTERNAL
 * authentication, every method call denied unless a policy file allows it,
 * and the daemon's policy as shipped.
 */
static const gchar aqmp_test_system_bus_config[] =
  "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
  " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
  "<busconfig>\n"
  "  <type>system</type>\n"
  "  <listen>unix:path=%s</listen>\n"
  "  <auth>EXTERNAL</auth>\n"
  "  <policy context=\"default\">\n"
  "    <allow user=\"*\"/>\n"
  "    <deny own=\"*\"/>\n"
  "    <deny send_type=\"method_call\"/>\n"
  "    <allow send_type=\"signal\"/>\n"
  "    <allow send_requested_reply=\"true\" send_type=\"method_return\"/>\n"
  "    <allow send_requested_reply=\"true\" send_type=\"error\"/>\n"
  "    <allow receive_type=\"method_call\"/>\n"
  "    <allow receive_type=\"method_return\"/>\n"
  "    <allow receive_type=\"error\"/>\n"
  "    <allow receive_type=\"signal\"/>\n"
  "    <allow send_destination=\"org.freedesktop.DBus\" send_interface=\"org.freedesktop.DBus\"/>\n"
  "    <allow send_destination=\"org.freedesktop.DBus\"\n"
  "           send_interface=\"org.freedesktop.DBus.Introspectable\"/>\n"
  "    <allow send_destination=\"org.freedesktop.DBus\"\n"
  "           send_interface=\"org.freedesktop.DBus.Properties\"/>\n"
  "    <deny send_destination=\"org.freedesktop.DBus\" send_interface=\"org.freedesktop.DBus\"\n"
  "          send_member=\"UpdateActivationEnvironment\"/>\n"
  "  </policy>\n"
  "  <include>%s</include>\n"
  "</busconfig>\n";

static void
aqmp_test_system_bus_address_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  gchar **address = user_data;
  gchar *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), res, NULL, NULL);

  *address = line != NULL ? line : g_strdup ("");
}

/* @policy: the bus policy file to include, as installed */
AqmpTestSystemBus *
aqmp_test_system_bus_new (const gchar *policy)
{
  AqmpTestSystemBus *self = g_new0 (AqmpTestSystemBus, 1);
  g_autoptr(GSubprocessLauncher) launcher = aqmp_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, NULL);
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *socket = NULL;
  g_autofree gchar *config_path = NULL;
  g_autofree gchar *config = NULL;
  g_autofree gchar *config_arg = NULL;
  gchar *address = NULL;

  g_assert_true (g_file_test (policy, G_FILE_TEST_IS_REGULAR));
  self->dir = aqmp_test_make_dir ();
  /* the test users connect to the socket in it */
  g_assert_cmpint (chmod (self->dir, 0755), ==, 0);
  socket = g_build_filename (self->dir, "system_bus_socket", NULL);
  config_path = g_build_filename (self->dir, "system.conf", NULL);
  config = g_strdup_printf (aqmp_test_system_bus_config, socket, policy);
  g_assert_true (g_file_set_contents (config_path, config, -1, NULL));
  config_arg = g_strdup_printf ("--config-file=%s", config_path);
  self->process = g_subprocess_launcher_spawn (launcher, &error, "dbus-daemon", "--nofork",
                                               "--print-address=1", config_arg, NULL);
  g_assert_no_error (error);
  g_subprocess_wait_async (self->process, NULL, aqmp_test_daemon_exited_cb, &self->exited);
  /* the address is printed once the bus listens */
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->process));
  g_data_input_stream_read_line_async (out, G_PRIORITY_DEFAULT, NULL,
                                       aqmp_test_system_bus_address_cb, &address);
  if (!aqmp_test_wait_for_pointer ((gpointer *) &address, AQMP_TEST_WAIT_MS) || address[0] == '\0')
    g_error ("dbus-daemon did not start with %s", config_path);
  g_free (address);
  self->address = g_strdup_printf ("unix:path=%s", socket);
  return self;
}

void
aqmp_test_system_bus_free (AqmpTestSystemBus *self)
{
  if (self == NULL)
    return;
  if (!self->exited)
    g_subprocess_send_signal (self->process, SIGTERM);
  if (!aqmp_test_wait_for_flag (&self->exited, AQMP_TEST_WAIT_MS))
    {
      g_subprocess_force_exit (self->process);
      if (!aqmp_test_wait_for_flag (&self->exited, AQMP_TEST_WAIT_MS))
        g_error ("dbus-daemon was not reaped");
    }
  g_clear_object (&self->process);
  aqmp_test_remove_dir (self->dir);
  g_free (self->dir);
  g_free (self->address);
  g_free (self);
}

GDBusConnection *
aqmp_test_system_bus_connect (AqmpTestSystemBus *self)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *connection;

  connection = g_dbus_connection_new_for_address_sync (self->address,
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                                       | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_set_exit_on_close (connection, FALSE);
  return connection;
}

/* ----- users ----- */

gboolean
aqmp_test_can_make_users (void)
{
  return geteuid () == 0;
}

static void
aqmp_test_run_or_die (const gchar * const *argv)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *err = NULL;

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &err, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (process))
    g_error ("%s failed: %s", argv[0], err);
}

static gboolean
aqmp_test_user_in_group (const gchar *user, gid_t gid)
{
  struct passwd *pw = getpwnam (user);
  gid_t groups[256];
  int n = G_N_ELEMENTS (groups);

  if (pw == NULL || getgrouplist (user, pw->pw_gid, groups, &n) < 0)
    return FALSE;
  for (int i = 0; i < n; i++)
    if (groups[i] == gid)
      return TRUE;
  return FALSE;
}

/*
 * The group aqmp (what the shipped sysusers.d file makes), a member of it
 * and a user outside it; made once, left for later runs. Needs root.
 */
void
aqmp_test_ensure_users (void)
{
  struct group *gr;

  if (getgrnam (AQMP_TEST_GROUP) == NULL)
    aqmp_test_run_or_die ((const gchar *[]) { "groupadd", "--system", AQMP_TEST_GROUP, NULL });
  gr = getgrnam (AQMP_TEST_GROUP);
  g_assert_nonnull (gr);
  if (getpwnam (AQMP_TEST_MEMBER) == NULL)
    aqmp_test_run_or_die ((const gchar *[]) { "useradd", "--system", "--no-create-home",
                                              "--shell", "/usr/sbin/nologin", AQMP_TEST_MEMBER, NULL });
  if (!aqmp_test_user_in_group (AQMP_TEST_MEMBER, gr->gr_gid))
    aqmp_test_run_or_die ((const gchar *[]) { "usermod", "--append", "--groups", AQMP_TEST_GROUP,
                                              AQMP_TEST_MEMBER, NULL });
  if (getpwnam (AQMP_TEST_OUTSIDER) == NULL)
    aqmp_test_run_or_die ((const gchar *[]) { "useradd", "--system", "--no-create-home",
                                              "--shell", "/usr/sbin/nologin", AQMP_TEST_OUTSIDER, NULL });
  gr = getgrnam (AQMP_TEST_GROUP);
  g_assert_true (aqmp_test_user_in_group (AQMP_TEST_MEMBER, gr->gr_gid));
  g_assert_false (aqmp_test_user_in_group (AQMP_TEST_OUTSIDER, gr->gr_gid));
}

/**
 * aqmp_test_gdbus_as:
 * @user: who runs gdbus (through runuser: a real other uid)
 * @args: (nullable): the method's arguments, in gdbus's syntax
 * @out: (out): gdbus's stdout
 * @err: (out): gdbus's stderr, with the D-Bus error name when it failed
 *
 * Returns: whether the call succeeded
 */
gboolean
aqmp_test_gdbus_as (const gchar *user, const gchar *address, const gchar *path, const gchar *method,
                    const gchar * const *args, gchar **out, gchar **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (argv, g_strdup ("runuser"));
  g_ptr_array_add (argv, g_strdup ("-u"));
  g_ptr_array_add (argv, g_strdup (user));
  g_ptr_array_add (argv, g_strdup ("--"));
  g_ptr_array_add (argv, g_strdup ("env"));
  g_ptr_array_add (argv, g_strdup_printf ("DBUS_SYSTEM_BUS_ADDRESS=%s", address));
  g_ptr_array_add (argv, g_strdup ("gdbus"));
  g_ptr_array_add (argv, g_strdup ("call"));
  g_ptr_array_add (argv, g_strdup ("--system"));
  g_ptr_array_add (argv, g_strdup ("--timeout=20"));
  g_ptr_array_add (argv, g_strdup ("--dest=" AQMP_TEST_BUS_NAME));
  g_ptr_array_add (argv, g_strdup_printf ("--object-path=%s", path));
  g_ptr_array_add (argv, g_strdup_printf ("--method=%s", method));
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);

  launcher = aqmp_test_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, NULL);
  /* a directory every user may enter */
  g_subprocess_launcher_set_cwd (launcher, "/");
  process = g_subprocess_launcher_spawnv (launcher, (const gchar * const *) argv->pdata, &error);
  g_assert_no_error (error);
  /* gdbus's own --timeout bounds this */
  g_subprocess_communicate_utf8 (process, NULL, NULL, out, err, &error);
  g_assert_no_error (error);
  g_test_message ("%s: %s %s -> %s%s", user, path, method, *out, *err);
  return g_subprocess_get_successful (process);
}
