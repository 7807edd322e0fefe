/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The environment of the peers the tests start. meson test gives each test
 * a random MALLOC_PERTURB_ (and MALLOC_CHECK_); QEMU 7.2 runs a
 * rate-limited backup to its end at once under MALLOC_PERTURB_, so no peer
 * may get them: QEMU, the dbus-daemon of GTestDBus, and a QEMU that
 * AqmpLauncher starts. The project's own programs (aqmp, aqmpd) keep them.
 */
#include <string.h>

#include <aqmp/aqmp-jobs.h>

#include "aqmp-test-cli.h"
#include "aqmp-test-service.h"

static const gchar * const malloc_vars[] = { "MALLOC_PERTURB_", "MALLOC_CHECK_", NULL };

/* what /proc has of a process's environment */
static gchar **
process_environ (const gchar *pid)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/%s/environ", pid);
  g_autofree gchar *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) env = g_ptr_array_new ();
  gsize len = 0;

  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);
  for (gsize at = 0; at < len; at += strlen (contents + at) + 1)
    g_ptr_array_add (env, g_strdup (contents + at));
  g_ptr_array_add (env, NULL);
  return (gchar **) g_ptr_array_free (g_steal_pointer (&env), FALSE);
}

static void
assert_clean (const gchar *what, const gchar *pid)
{
  g_auto(GStrv) env = process_environ (pid);

  for (guint i = 0; malloc_vars[i] != NULL; i++)
    if (g_environ_getenv (env, malloc_vars[i]) != NULL)
      g_error ("%s (pid %s) got %s=%s", what, pid, malloc_vars[i], g_environ_getenv (env, malloc_vars[i]));
}

/* the project's own programs: exactly what the harness gave the test */
static void
assert_harness_env (const gchar *what, const gchar *pid)
{
  g_auto(GStrv) env = process_environ (pid);
  const gchar * const *harness = aqmp_test_harness_environ ();

  for (guint i = 0; malloc_vars[i] != NULL; i++)
    {
      const gchar *want = NULL;

      for (guint j = 0; harness[j] != NULL; j++)
        if (g_str_has_prefix (harness[j], malloc_vars[i]) && harness[j][strlen (malloc_vars[i])] == '=')
          want = harness[j] + strlen (malloc_vars[i]) + 1;
      g_test_message ("%s: %s=%s, the harness gave %s", what, malloc_vars[i],
                      g_environ_getenv (env, malloc_vars[i]), want);
      g_assert_cmpstr (g_environ_getenv (env, malloc_vars[i]), ==, want);
    }
}

static void
test_own_environ (void)
{
  /* gone from the test's environment, whatever the harness gave */
  for (guint i = 0; malloc_vars[i] != NULL; i++)
    g_assert_null (g_getenv (malloc_vars[i]));
  g_test_message ("the harness gave %u of them", g_strv_length ((gchar **) aqmp_test_harness_environ ()));
}

static void
test_qemu (void)
{
  g_autoptr(AqmpTestQemu) qemu = aqmp_test_qemu_new (NULL);

  assert_clean ("QEMU", g_subprocess_get_identifier (qemu->process));
}

static void
test_service (void)
{
  g_autoptr(AqmpTestService) service = aqmp_test_service_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree gchar *bus_pid = NULL;
  guint32 pid = 0;

  /* the bus daemon answers for its own name */
  reply = g_dbus_connection_call_sync (service->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetConnectionUnixProcessID",
                                       g_variant_new ("(s)", "org.freedesktop.DBus"), G_VARIANT_TYPE ("(u)"),
                                       G_DBUS_CALL_FLAGS_NONE, AQMP_TEST_WAIT_MS, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &pid);
  bus_pid = g_strdup_printf ("%u", pid);
  assert_clean ("dbus-daemon", bus_pid);
  assert_harness_env ("aqmpd", g_subprocess_get_identifier (service->daemon));
}

static void
test_tool (void)
{
  g_autoptr(AqmpTestQemu) qemu = aqmp_test_qemu_new (NULL);
  /* a run that stays until it is killed */
  g_autoptr(AqmpTestTool) tool = aqmp_test_tool_spawn (NULL, NULL, "events", qemu->address, NULL);

  assert_harness_env ("aqmp", g_subprocess_get_identifier (tool->process));
}

/* ----- AqmpLauncher, in a process of its own whose environment has them ----- */

static void
launched_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpClient **client = user_data;
  g_autoptr(GError) error = NULL;

  *client = aqmp_launcher_launch_finish (AQMP_LAUNCHER (source), res, &error);
  g_assert_no_error (error);
}

/* run as `test-peer-env --launcher-helper`: prints QEMU's malloc variables */
static gint
launcher_helper (void)
{
  g_autoptr(AqmpLauncher) launcher = aqmp_launcher_new (AQMP_TEST_QEMU);
  g_autoptr(AqmpClient) client = NULL;
  g_auto(GStrv) env = NULL;

  aqmp_launcher_set_quiet (launcher, TRUE);
  aqmp_launcher_add_arguments (launcher, "-machine", "none", "-nodefaults", "-display", "none", NULL);
  aqmp_launcher_launch_async (launcher, NULL, launched_cb, &client);
  g_assert_true (aqmp_test_wait_for_pointer ((gpointer *) &client, AQMP_TEST_WAIT_MS));
  env = process_environ (g_subprocess_get_identifier (aqmp_launcher_get_process (launcher)));
  for (guint i = 0; malloc_vars[i] != NULL; i++)
    if (g_environ_getenv (env, malloc_vars[i]) != NULL)
      g_print ("%s=%s\n", malloc_vars[i], g_environ_getenv (env, malloc_vars[i]));
  g_print ("launched\n");
  return 0;
}

static gchar *self_path;

static void
test_launcher (void)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) helper = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *out = NULL;

  g_subprocess_launcher_setenv (launcher, "MALLOC_PERTURB_", "165", TRUE);
  g_subprocess_launcher_setenv (launcher, "MALLOC_CHECK_", "3", TRUE);
  helper = g_subprocess_launcher_spawn (launcher, &error, self_path, "--launcher-helper", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (helper, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (helper));
  g_assert_cmpint (g_subprocess_get_exit_status (helper), ==, 0);
  g_assert_cmpstr (out, ==, "launched\n");
}

int
main (int argc, char **argv)
{
  if (argc == 2 && g_strcmp0 (argv[1], "--launcher-helper") == 0)
    {
      /* as a program of the caller's: the variables back, before any thread */
      for (const gchar * const *env = aqmp_test_harness_environ (); *env != NULL; env++)
        {
          g_auto(GStrv) kv = g_strsplit (*env, "=", 2);
          g_setenv (kv[0], kv[1], TRUE);
        }
      g_assert_nonnull (g_getenv ("MALLOC_PERTURB_"));
      return launcher_helper ();
    }
  self_path = argv[0];
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/aqmp/peer-env/test-itself", test_own_environ);
  g_test_add_func ("/aqmp/peer-env/qemu", test_qemu);
  g_test_add_func ("/aqmp/peer-env/dbus-daemon-aqmpd", test_service);
  g_test_add_func ("/aqmp/peer-env/aqmp-tool", test_tool);
  g_test_add_func ("/aqmp/peer-env/launcher", test_launcher);
  return g_test_run ();
}
