/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The system install as shipped: `meson install --destdir` into a fresh
 * directory, then the installed files checked against each other,
 * `systemd-analyze verify` on the installed unit, and the installed aqmpd
 * started as the unit starts it (its ExecStart, $STATE_DIRECTORY as
 * StateDirectory= sets it) on a private bus set up like the system bus with
 * the installed policy, called by a member of the group and by an outsider.
 */
#include <string.h>
#include <sys/stat.h>

#include "aqmp-test-daemon.h"

#define MANAGER "/io/github/aqmp/Aqmp1"
#define MANAGER_IFACE "io.github.aqmp.Aqmp1.Manager"

typedef struct {
  gchar *tmp;
  gchar *destdir;
} Install;

static Install install;

static gchar *
installed (const gchar *env)
{
  const gchar *path = g_getenv (env);

  g_assert_nonnull (path);
  return g_build_filename (install.destdir, path, NULL);
}

static gchar *
read_installed (const gchar *env)
{
  g_autofree gchar *path = installed (env);
  g_autoptr(GError) error = NULL;
  gchar *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

/* runs @argv; its output in the test log, its stderr returned */
static gboolean
run (const gchar * const *argv, const gchar * const *env, gchar **err)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                                       | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *command = g_strjoinv (" ", (gchar **) argv);

  for (guint i = 0; env != NULL && env[i] != NULL; i++)
    {
      g_auto(GStrv) pair = g_strsplit (env[i], "=", 2);
      g_subprocess_launcher_setenv (launcher, pair[0], pair[1], TRUE);
    }
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, err, &error);
  g_assert_no_error (error);
  g_test_message ("%s:\n%s%s", command, out, *err);
  return g_subprocess_get_successful (process);
}

/* the word after @key in @text, such as the group of --group=aqmp */
static gchar *
value_after (const gchar *text, const gchar *key)
{
  const gchar *at = strstr (text, key);

  g_assert_nonnull (at);
  at += strlen (key);
  return g_strndup (at, strcspn (at, " \t\n\"'"));
}

static void
test_files_agree (void)
{
  g_autofree gchar *unit = read_installed ("AQMP_TEST_INSTALLED_UNIT");
  g_autofree gchar *activation = read_installed ("AQMP_TEST_INSTALLED_ACTIVATION");
  g_autofree gchar *policy = read_installed ("AQMP_TEST_INSTALLED_POLICY");
  g_autofree gchar *sysusers = read_installed ("AQMP_TEST_INSTALLED_SYSUSERS");
  g_autofree gchar *aqmpd = installed ("AQMP_TEST_INSTALLED_AQMPD");
  g_autofree gchar *man = installed ("AQMP_TEST_INSTALLED_MAN");
  g_autofree gchar *group = value_after (unit, "--group=");
  g_autofree gchar *activation_group = value_after (activation, "--group=");
  g_autofree gchar *policy_group = value_after (policy, "<policy group=\"");
  g_autofree gchar *sysusers_line = g_strdup_printf ("\ng %s -", group);
  g_autofree gchar *exec = g_strdup_printf ("ExecStart=%s ", g_getenv ("AQMP_TEST_INSTALLED_AQMPD"));

  g_assert_true (g_file_test (aqmpd, G_FILE_TEST_IS_EXECUTABLE));
  g_assert_true (g_file_test (man, G_FILE_TEST_IS_REGULAR));
  g_assert_nonnull (strstr (unit, exec));
  /* one group everywhere, and something that makes it */
  g_assert_cmpstr (group, ==, AQMP_TEST_GROUP);
  g_assert_cmpstr (activation_group, ==, group);
  g_assert_cmpstr (policy_group, ==, group);
  g_assert_nonnull (strstr (sysusers, sysusers_line));
  /* systemd-sysusers and dbus-daemon read only these directories */
  g_assert_true (g_str_has_prefix (g_getenv ("AQMP_TEST_INSTALLED_SYSUSERS"), "/usr/lib/sysusers.d/")
                 || g_str_has_prefix (g_getenv ("AQMP_TEST_INSTALLED_SYSUSERS"), "/etc/sysusers.d/"));
  g_assert_true (g_str_has_prefix (g_getenv ("AQMP_TEST_INSTALLED_POLICY"), "/usr/share/dbus-1/system.d/")
                 || g_str_has_prefix (g_getenv ("AQMP_TEST_INSTALLED_POLICY"), "/etc/dbus-1/system.d/"));
  /* the only place the sandbox lets it write is where the daemon writes */
  g_assert_nonnull (strstr (unit, "\nStateDirectory=aqmp\n"));
  g_assert_nonnull (strstr (unit, "\nProtectSystem=strict\n"));
}

/* copies the host's units that the installed one needs (dbus.socket, the targets) */
static void
copy_units (const gchar *from, const gchar *to)
{
  g_autoptr(GDir) dir = g_dir_open (from, 0, NULL);
  const gchar *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *source = g_build_filename (from, name, NULL);
      g_autofree gchar *target = g_build_filename (to, name, NULL);
      g_autoptr(GFile) s = g_file_new_for_path (source);
      g_autoptr(GFile) t = g_file_new_for_path (target);

      if (g_file_test (target, G_FILE_TEST_EXISTS) || g_file_test (source, G_FILE_TEST_IS_DIR))
        continue;
      g_assert_true (g_file_copy (s, t, G_FILE_COPY_NOFOLLOW_SYMLINKS, NULL, NULL, NULL, NULL));
    }
}

/*
 * Against the install tree as root: the ExecStart binary, the man page of
 * Documentation=, the dependencies, and no warning (an unknown key is only
 * a warning).
 */
static void
test_systemd_analyze (void)
{
  const gchar *unit = g_getenv ("AQMP_TEST_INSTALLED_UNIT");
  g_autofree gchar *unit_dir = g_path_get_dirname (unit);
  g_autofree gchar *units = installed ("AQMP_TEST_INSTALLED_UNIT");
  g_autofree gchar *units_dir = g_path_get_dirname (units);
  g_autofree gchar *root = g_strdup_printf ("--root=%s", install.destdir);
  g_autofree gchar *man = installed ("AQMP_TEST_INSTALLED_MANDIR");
  g_autofree gchar *manpath = g_strdup_printf ("MANPATH=%s", man);
  g_autofree gchar *err = NULL;

  copy_units (unit_dir, units_dir);
  g_assert_true (run ((const gchar *[]) { "systemd-analyze", root, "verify", unit, NULL },
                      (const gchar *[]) { manpath, NULL }, &err));
  g_assert_cmpstr (err, ==, "");
}

static gchar *
add_machine_as (const gchar *user, AqmpTestSystemBus *bus, AqmpTestQemu *qemu, gboolean *ok)
{
  g_autofree gchar *out = NULL;
  gchar *err = NULL;

  *ok = aqmp_test_gdbus_as (user, bus->address, MANAGER, MANAGER_IFACE ".AddMachine",
                            (const gchar *[]) { user, qemu->address, "{}", NULL }, &out, &err);
  return err;
}

/* the installed daemon, as the unit starts it, on the installed policy */
static void
test_installed_daemon (void)
{
  g_autofree gchar *unit = read_installed ("AQMP_TEST_INSTALLED_UNIT");
  const gchar *exec = strstr (unit, "\nExecStart=") + strlen ("\nExecStart=");
  g_autofree gchar *exec_line = g_strndup (exec, strcspn (exec, "\n"));
  g_autofree gchar *policy = installed ("AQMP_TEST_INSTALLED_POLICY");
  g_autofree gchar *libdir = installed ("AQMP_TEST_INSTALLED_LIBDIR");
  g_autofree gchar *state = g_build_filename (install.tmp, "var", "lib", "aqmp", NULL);
  g_autofree gchar *database = g_build_filename (state, "jobs.db", NULL);
  g_autofree gchar *log = g_build_filename (install.tmp, "aqmpd.log", NULL);
  g_autofree gchar *state_env = g_strdup_printf ("STATE_DIRECTORY=%s", state);
  g_autofree gchar *ld_env = g_strdup_printf ("LD_LIBRARY_PATH=%s", libdir);
  g_autoptr(AqmpTestSystemBus) bus = NULL;
  g_autoptr(GDBusConnection) root = NULL;
  g_autoptr(AqmpTestDaemon) daemon = NULL;
  g_autoptr(AqmpTestQemu) qemu = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) words = NULL;
  g_autofree gchar *member_err = NULL;
  g_autofree gchar *outsider_err = NULL;
  g_autofree gchar *text = NULL;
  gboolean ok = FALSE;

  if (!aqmp_test_can_make_users ())
    {
      if (g_getenv ("CI") != NULL)
        g_error ("the installed daemon's test needs root, to run as other users");
      g_test_skip ("needs root to make test users and run as them");
      return;
    }
  aqmp_test_ensure_users ();
  /* ExecStart's line: the installed binary and its arguments */
  words = g_strsplit (exec_line, " ", -1);
  g_ptr_array_add (argv, g_build_filename (install.destdir, words[0], NULL));
  for (guint i = 1; words[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (words[i]));
  g_assert_true (g_ptr_array_find_with_equal_func (argv, "--system", g_str_equal, NULL));

  qemu = aqmp_test_qemu_new (NULL);
  bus = aqmp_test_system_bus_new (policy);
  root = aqmp_test_system_bus_connect (bus);
  g_ptr_array_add (argv, g_strdup ("--bus-address"));
  g_ptr_array_add (argv, g_strdup (bus->address));
  g_ptr_array_add (argv, NULL);
  g_assert_cmpint (g_mkdir_with_parents (state, 0700), ==, 0);
  daemon = aqmp_test_daemon_start ((const gchar * const *) argv->pdata,
                                   (const gchar *[]) { state_env, ld_env, NULL }, log, root);

  /* a member may add the root-owned machine; an outsider may not */
  member_err = add_machine_as (AQMP_TEST_MEMBER, bus, qemu, &ok);
  g_assert_true (ok);
  outsider_err = add_machine_as (AQMP_TEST_OUTSIDER, bus, qemu, &ok);
  g_assert_false (ok);
  g_assert_nonnull (strstr (outsider_err, "AccessDenied"));
  /* the history is where StateDirectory= points */
  g_assert_true (g_file_test (database, G_FILE_TEST_IS_REGULAR));
  text = aqmp_test_daemon_log (daemon);
  g_test_message ("installed aqmpd's log:\n%s", text);
  g_assert_cmpuint (aqmp_test_count_lines (text, "WARNING"), ==, 0);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *destdir_arg = NULL;
  g_autofree gchar *err = NULL;
  gint status;

  g_test_init (&argc, &argv, NULL);

  install.tmp = aqmp_test_make_dir ();
  g_assert_cmpint (chmod (install.tmp, 0755), ==, 0);
  install.destdir = g_build_filename (install.tmp, "destdir", NULL);
  destdir_arg = g_strdup_printf ("--destdir=%s", install.destdir);
  /* what a packager runs; nothing is rebuilt */
  if (!run ((const gchar *[]) { g_getenv ("AQMP_TEST_MESON"), "install", "-C",
                                g_getenv ("AQMP_TEST_BUILD_ROOT"), "--no-rebuild", "--quiet",
                                destdir_arg, NULL }, NULL, &err))
    g_error ("meson install failed: %s", err);

  g_test_add_func ("/aqmp/service/install/files-agree", test_files_agree);
  g_test_add_func ("/aqmp/service/install/systemd-analyze", test_systemd_analyze);
  g_test_add_func ("/aqmp/service/install/installed-daemon", test_installed_daemon);
  status = g_test_run ();
  aqmp_test_remove_dir (install.tmp);
  g_free (install.tmp);
  g_free (install.destdir);
  return status;
}
