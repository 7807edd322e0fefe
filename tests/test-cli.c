/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The aqmp tool's exec and events commands, help, version, exit codes and
 * the German translation, against a real QEMU 7.2 (`-machine none`); its
 * guest agent commands against the fake agent, with the plugins of the
 * build tree.
 */
#include <string.h>

#include "aqmp-test-cli.h"
#include "aqmp-test-fake-agent.h"

typedef struct {
  AqmpTestQemu *qemu;
  gchar *dir;             /* holds the second monitor's socket */
  gchar *second;          /* its unix: address, for the test's own client */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->qemu = aqmp_test_qemu_new_two_monitors (&f->dir, &f->second);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->qemu, aqmp_test_qemu_free);
  aqmp_test_remove_dir (f->dir);
  g_free (f->dir);
  g_free (f->second);
}

/* ----- without a server ----- */

static void
test_help (void)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *version = NULL;

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "--help", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "exec "));
  g_assert_nonnull (strstr (out, "events "));
  g_assert_nonnull (strstr (out, "shell "));
  g_assert_nonnull (strstr (out, "Exit status:"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "--version", NULL), ==, 0);
  version = g_strdup_printf ("aqmp %s\n", AQMP_VERSION_STRING);
  g_assert_cmpstr (out, ==, version);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  for (guint i = 0; i < 3; i++)
    {
      const gchar *command = (const gchar *[]) { "exec", "events", "shell" }[i];

      g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, command, "--help", NULL), ==, 0);
      g_assert_nonnull (strstr (out, "ADDRESS"));
      g_assert_nonnull (strstr (out, "--timeout"));
      g_assert_nonnull (strstr (out, "Exit status:"));
      g_clear_pointer (&out, g_free);
      g_clear_pointer (&err, g_free);
    }
}

static void
test_usage_errors (void)
{
  const gchar *cases[][4] = {
    { "frobnicate", NULL },
    { "exec", NULL },
    { "exec", "/nonexistent" , NULL },
    { "exec", "--no-such-option", NULL },
    { "exec", "--pretty", "--compact", NULL },
    { "exec", "/nonexistent", "query-status", "novalue" },
    { "events", NULL },
    { "shell", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *out = NULL;
      g_autofree gchar *err = NULL;

      g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, cases[i][0], cases[i][1],
                                           cases[i][2], cases[i][3], NULL), ==, 2);
      g_assert_cmpstr (out, ==, "");
      aqmp_test_assert_one_error_line (err);
    }
  {
    g_autofree gchar *err = NULL;

    /* no command at all: the usage, on stderr */
    g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, NULL, &err, NULL, NULL), ==, 2);
    g_assert_nonnull (strstr (err, "Usage:"));
  }
}

static void
test_connect_errors (void)
{
  g_autofree gchar *dir = aqmp_test_make_dir ();
  g_autofree gchar *missing = g_build_filename (dir, "missing.sock", NULL);
  const gchar *addresses[] = { missing, "tcp:127.0.0.1:1", "unix:", "tcp:nohost" };

  for (guint i = 0; i < G_N_ELEMENTS (addresses); i++)
    {
      g_autofree gchar *out = NULL;
      g_autofree gchar *err = NULL;

      g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "exec", addresses[i], "query-status", NULL), ==, 2);
      g_assert_cmpstr (out, ==, "");
      aqmp_test_assert_one_error_line (err);
    }
  /* every command says it once */
  for (guint i = 0; i < 2; i++)
    {
      g_autofree gchar *out = NULL;
      g_autofree gchar *err = NULL;

      g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, i == 0 ? "events" : "shell", missing, NULL), ==, 2);
      g_assert_cmpstr (out, ==, "");
      aqmp_test_assert_one_error_line (err);
    }
  aqmp_test_remove_dir (dir);
}

/* ----- exec ----- */

static void
test_exec_key_value (Fixture *f, gconstpointer data)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "exec", f->qemu->address,
                                       "qom-get", "path=/machine", "property=type", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "\"none-machine\"\n");
  g_assert_cmpstr (err, ==, "");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* a value that is valid JSON is JSON: size is a number, not a string */
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "exec", f->qemu->socket_path,
                                       "object-add", "qom-type=memory-backend-ram", "id=m0",
                                       "size=1048576", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "{}\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "exec", f->qemu->address,
                                       "qom-get", "path=/objects/m0", "property=size", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "1048576\n");
}

static void
test_exec_json (Fixture *f, gconstpointer data)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "exec", f->qemu->address, "qom-get",
                                       "{\"path\": \"/machine\", \"property\": \"type\"}", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "\"none-machine\"\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* compact on a pipe unless --pretty */
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "exec", f->qemu->address, "query-status", NULL), ==, 0);
  g_assert_cmpuint (aqmp_test_count_lines (out), ==, 1);
  g_assert_nonnull (strstr (out, "\"running\":true"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "exec", "--pretty", f->qemu->address, "query-status", NULL), ==, 0);
  g_assert_cmpuint (aqmp_test_count_lines (out), >, 1);
}

static void
test_exec_error (Fixture *f, gconstpointer data)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "exec", f->qemu->address,
                                       "qom-get", "path=/nonexistent", "property=type", NULL), ==, 1);
  g_assert_cmpstr (out, ==, "");
  g_assert_cmpstr (err, ==, "aqmp: qom-get failed: DeviceNotFound: Device '/nonexistent' not found\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* refused by the schema before sending: a usage problem */
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "exec", f->qemu->address, "no-such-command", NULL), ==, 2);
  g_assert_cmpstr (err, ==, "aqmp: unknown command 'no-such-command'\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* sent as it is, QEMU refuses it */
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "exec", "--no-validate", f->qemu->address,
                                       "no-such-command", NULL), ==, 1);
  g_assert_cmpstr (err, ==, "aqmp: no-such-command failed: CommandNotFound: The command no-such-command has not been found\n");
}

/* the monitor is busy with another client: no greeting, so --timeout ends it */
static void
test_exec_timeout (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpClient) holder = aqmp_test_connect (f->qemu->address);
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "exec", "--timeout", "0.3",
                                       f->qemu->address, "query-status", NULL), ==, 2);
  g_assert_cmpstr (out, ==, "");
  aqmp_test_assert_one_error_line (err);
}

/* ----- events ----- */

static void
execute_ok (AqmpClient *client, const gchar *command)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_sync (client, command, NULL, NULL, &error);

  g_assert_no_error (error);
}

static void
test_events (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpTestTool) tool = NULL;
  g_autoptr(AqmpClient) second = NULL;
  g_auto(GStrv) lines = NULL;
  gsize at;

  tool = aqmp_test_tool_spawn (NULL, NULL, "events", "-v", f->qemu->address, "--filter", "STOP",
                               "--filter", "RESUME", "--count", "2", NULL);
  /* the trace shows when negotiation is done, and events are on */
  aqmp_test_output_wait_for (&tool->err, "<-- {\"return\"", 0);

  second = aqmp_test_connect (f->second);
  execute_ok (second, "stop");
  /* flushed per event: the line is there before anything else happens */
  at = aqmp_test_output_wait_for (&tool->out, "\"event\":\"STOP\"", 0);
  g_assert_false (tool->exited);
  execute_ok (second, "cont");
  aqmp_test_output_wait_for (&tool->out, "\"event\":\"RESUME\"", at);

  g_assert_cmpint (aqmp_test_tool_wait (tool), ==, 0);
  lines = g_strsplit (tool->out.text->str, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(JsonNode) node = json_from_string (lines[i], NULL);
      JsonObject *obj = json_node_get_object (node);
      JsonObject *ts = json_object_get_object_member (obj, "timestamp");

      g_assert_cmpstr (json_object_get_string_member (obj, "event"), ==, i == 0 ? "STOP" : "RESUME");
      g_assert_cmpint (json_object_get_int_member (ts, "seconds"), >, 0);
      g_assert_true (json_object_has_member (ts, "microseconds"));
    }
}

static void
test_events_timeout (Fixture *f, gconstpointer data)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  /* --timeout alone: listen that long, then succeed */
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "events", "--timeout", "0.2", f->qemu->address, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* with --count it is a deadline */
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "events", "--timeout", "0.2", "--count", "1",
                                       f->qemu->address, NULL), ==, 2);
  aqmp_test_assert_one_error_line (err);
}

/* ----- translation ----- */

static void
test_german (Fixture *f, gconstpointer data)
{
  const gchar *env[] = { "LANGUAGE=de", "LANG=C.UTF-8", NULL };
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  /* meson points it at the catalogues built in the tree */
  g_assert_nonnull (g_getenv ("AQMP_LOCALEDIR"));
  g_assert_cmpint (aqmp_test_tool_run (env, NULL, &out, &err, "--help", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Befehle:"));
  g_assert_nonnull (strstr (out, "Rückgabewert"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (aqmp_test_tool_run (env, NULL, &out, &err, "exec", "--help", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Nach SEKUNDEN aufgeben"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (aqmp_test_tool_run (env, NULL, &out, &err, "exec", "--no-validate", f->qemu->address,
                                       "no-such-command", NULL), ==, 1);
  g_assert_cmpstr (err, ==, "aqmp: no-such-command ist fehlgeschlagen: CommandNotFound: "
                            "The command no-such-command has not been found\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (aqmp_test_tool_run (env, NULL, &out, &err, "frobnicate", NULL), ==, 2);
  g_assert_cmpstr (err, ==, "aqmp: Unbekannter Befehl »frobnicate« (siehe aqmp --help)\n");
}

/* ----- the guest agent, through the qga plugin ----- */

static void
test_ga (void)
{
  g_autoptr(AqmpTestFakeAgent) agent = aqmp_test_fake_agent_new ();
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "ga", "--compact", agent->address,
                                       "guest-sync", "id=42", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "42\n");
  /* the tool synchronised before its command, as the protocol wants */
  g_assert_cmpuint (agent->n_syncs, ==, 1);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "ga", agent->address,
                                       "guest-no-such-command", NULL), ==, 1);
  aqmp_test_assert_one_error_line (err);
  g_assert_nonnull (strstr (err, "guest-no-such-command"));
}

static void
test_ga_exec (void)
{
  g_autoptr(AqmpTestFakeAgent) agent = aqmp_test_fake_agent_new ();
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  agent->exec_polls = 2;
  agent->exec_exit_code = 3;
  g_free (agent->exec_out);
  agent->exec_out = g_strdup ("out\n");
  g_free (agent->exec_err);
  agent->exec_err = g_strdup ("err\n");
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "ga-exec", agent->address,
                                       "--", "/bin/sh", "-c", "exit 3", NULL), ==, 3);
  g_assert_cmpstr (out, ==, "out\n");
  g_assert_cmpstr (err, ==, "err\n");
}

static void
test_plugins (void)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "plugins", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "protocol  qga"));
  g_assert_nonnull (strstr (out, "workflow  example-ping"));
}

/* ----- the tool and its module ----- */

/* exec loads libaqmp and libaqmp-qapi only; job opens the module (and
 * with it SQLite): the dynamic loader's own record says which files it
 * opened (LD_DEBUG=files, on stderr) */
static void
test_module_loaded_when_needed (Fixture *f, gconstpointer data)
{
  const gchar *env[] = { "LD_DEBUG=files", NULL };
  g_autofree gchar *dir = aqmp_test_make_dir ();
  g_autofree gchar *db = g_build_filename (dir, "jobs.db", NULL);
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  const gchar *not_for_exec[] = { "aqmp-commands.so", "libaqmp-jobs", "libaqmp-backup", "libaqmp-qmp",
                                  "libaqmp-plugin", "libaqmp-qga", "libsqlite3", "libreadline" };

  g_assert_cmpint (aqmp_test_tool_run (env, NULL, &out, &err, "exec", f->qemu->address, "query-status", NULL),
                   ==, 0);
  g_assert_nonnull (strstr (out, "\"status\""));
  /* the record is there: the libraries exec does need */
  g_assert_nonnull (strstr (err, "libaqmp-1.0.so"));
  g_assert_nonnull (strstr (err, "libaqmp-qapi-1.0.so"));
  for (guint i = 0; i < G_N_ELEMENTS (not_for_exec); i++)
    if (strstr (err, not_for_exec[i]) != NULL)
      g_error ("aqmp exec loaded %s", not_for_exec[i]);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (aqmp_test_tool_run (env, NULL, &out, &err, "job", "list", "--db", db, NULL), ==, 0);
  g_assert_nonnull (strstr (err, "aqmp-commands.so"));
  g_assert_nonnull (strstr (err, "libsqlite3"));
  aqmp_test_remove_dir (dir);
}

/* a tool outside its build directory never opens the build's module: it
 * looks for the installed one and, without it (as on a machine where
 * aqmp was never installed), says which command is missing (exit 2),
 * while its own commands still work */
static void
test_module_missing (Fixture *f, gconstpointer data)
{
  g_autofree gchar *dir = aqmp_test_make_dir ();
  g_autofree gchar *copy = g_build_filename (dir, "aqmp", NULL);
  g_autofree gchar *tool_dir = g_path_get_dirname (aqmp_test_tool_path ());
  g_autofree gchar *libs = g_strdup_printf ("%s/../core:%s/../qapi", tool_dir, tool_dir);
  g_autofree gchar *build_module = g_build_filename (tool_dir, "aqmp-commands.so", NULL);
  g_autofree gchar *contents = NULL;
  gsize length;
  g_autoptr(GError) error = NULL;
  struct {
    const gchar *argv[5];
    gint status;
  } runs[] = {
    { { copy, "job", "list", NULL }, 2 },
    { { copy, "exec", f->qemu->address, "query-status", NULL }, 0 },
  };

  g_assert_true (g_file_get_contents (aqmp_test_tool_path (), &contents, &length, &error));
  g_assert_true (g_file_set_contents_full (copy, contents, length, G_FILE_SET_CONTENTS_NONE, 0755, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    {
      g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                                           | G_SUBPROCESS_FLAGS_STDERR_PIPE);
      g_autoptr(GSubprocess) process = NULL;
      g_autofree gchar *out = NULL;
      g_autofree gchar *err = NULL;

      g_subprocess_launcher_setenv (launcher, "LD_LIBRARY_PATH", libs, TRUE);
      g_subprocess_launcher_setenv (launcher, "LD_DEBUG", "files", TRUE);
      g_subprocess_launcher_setenv (launcher, "LANG", "C.UTF-8", TRUE);
      g_subprocess_launcher_unsetenv (launcher, "LANGUAGE");
      g_subprocess_launcher_unsetenv (launcher, "LC_ALL");
      process = g_subprocess_launcher_spawnv (launcher, runs[i].argv, &error);
      g_assert_no_error (error);
      g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error));
      g_assert_no_error (error);
      g_test_message ("%s %s: %s%s", runs[i].argv[1], runs[i].argv[2], out, err);
      g_assert_true (g_subprocess_get_if_exited (process));
      /* never the build's module (the loader's record, LD_DEBUG=files) */
      g_assert_null (strstr (err, build_module));
      if (runs[i].status == 2)
        {
          g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 2);
          g_assert_nonnull (strstr (err, "the 'job' command is not available"));
          g_assert_nonnull (strstr (err, "aqmp-1.0/aqmp-commands.so"));
        }
      else
        g_assert_cmpint (g_subprocess_get_exit_status (process), ==, runs[i].status);
    }
  aqmp_test_remove_dir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/aqmp/cli/help", test_help);
  g_test_add_func ("/aqmp/cli/usage-errors", test_usage_errors);
  g_test_add_func ("/aqmp/cli/connect-errors", test_connect_errors);
  g_test_add ("/aqmp/cli/exec/key-value", Fixture, NULL, fixture_setup, test_exec_key_value, fixture_teardown);
  g_test_add ("/aqmp/cli/exec/json", Fixture, NULL, fixture_setup, test_exec_json, fixture_teardown);
  g_test_add ("/aqmp/cli/exec/error", Fixture, NULL, fixture_setup, test_exec_error, fixture_teardown);
  g_test_add ("/aqmp/cli/exec/timeout", Fixture, NULL, fixture_setup, test_exec_timeout, fixture_teardown);
  g_test_add ("/aqmp/cli/events/stop-resume", Fixture, NULL, fixture_setup, test_events, fixture_teardown);
  g_test_add ("/aqmp/cli/events/timeout", Fixture, NULL, fixture_setup, test_events_timeout, fixture_teardown);
  g_test_add ("/aqmp/cli/i18n/german", Fixture, NULL, fixture_setup, test_german, fixture_teardown);
  g_test_add_func ("/aqmp/cli/ga/command", test_ga);
  g_test_add_func ("/aqmp/cli/ga/exec", test_ga_exec);
  g_test_add_func ("/aqmp/cli/plugins", test_plugins);
  g_test_add ("/aqmp/cli/module/loaded-when-needed", Fixture, NULL, fixture_setup, test_module_loaded_when_needed,
              fixture_teardown);
  g_test_add ("/aqmp/cli/module/missing", Fixture, NULL, fixture_setup, test_module_missing, fixture_teardown);
  return g_test_run ();
}
