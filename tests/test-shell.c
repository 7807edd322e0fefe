/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * aqmp shell against a real QEMU 7.2: on a pseudo-terminal (readline, live
 * events, completion, history, Ctrl-C, disconnect) and on pipes (scripts,
 * transactions, HMP).
 */
#include <string.h>

#include <glib/gstdio.h>

#include "aqmp-test-cli.h"

typedef struct {
  AqmpTestQemu *qemu;
  gchar *dir;             /* the second monitor's socket, and the state dir */
  gchar *second;
  gchar *state;           /* XDG_STATE_HOME for the shell */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->qemu = aqmp_test_qemu_new_two_monitors (&f->dir, &f->second);
  f->state = g_build_filename (f->dir, "state", NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->qemu, aqmp_test_qemu_free);
  aqmp_test_remove_dir (f->dir);
  g_free (f->dir);
  g_free (f->second);
  g_free (f->state);
}

/* ----- the shell on a pseudo-terminal ----- */

/* the shell on a terminal, with its own history directory */
static AqmpTestPty *
shell_spawn (Fixture *f, const gchar *extra_arg)
{
  g_autofree gchar *state = g_strdup_printf ("XDG_STATE_HOME=%s", f->state);
  const gchar *env[] = { state, NULL };

  return aqmp_test_pty_spawn (env, "shell", f->qemu->address, extra_arg, NULL);
}

/* the first prompt comes once connected and completion is loaded */
static gsize
pty_wait_prompt (AqmpTestPty *pty)
{
  return aqmp_test_output_wait_for (&pty->out, "(QEMU) ", 0);
}

static void
execute_ok (AqmpClient *client, const gchar *command)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_sync (client, command, NULL, NULL, &error);

  g_assert_no_error (error);
}

/* the headline: an event shows up at once, and the half-typed line survives */
static void
test_live_event (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpTestPty) pty = shell_spawn (f, NULL);
  g_autoptr(AqmpClient) second = NULL;
  gsize at = pty_wait_prompt (pty);

  aqmp_test_pty_write (pty, "query-stat");
  at = aqmp_test_output_wait_for (&pty->out, "query-stat", at);

  second = aqmp_test_connect (f->second);
  execute_ok (second, "stop");
  at = aqmp_test_output_wait_for (&pty->out, "event STOP", at);
  /* the prompt and the half-typed line are drawn again below the event */
  at = aqmp_test_output_wait_for (&pty->out, "(QEMU) query-stat", at);

  /* and readline still holds it: finishing it runs query-status */
  aqmp_test_pty_write (pty, "us\r");
  at = aqmp_test_output_wait_for (&pty->out, "\"status\" : \"paused\"", at);
  aqmp_test_output_wait_for (&pty->out, "(QEMU) ", at);

  aqmp_test_pty_write (pty, "\004");
  aqmp_test_pty_wait_exit (pty, 0);
}

static void
test_complete (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpTestPty) pty = shell_spawn (f, NULL);
  gsize at = pty_wait_prompt (pty);

  /* a command name */
  aqmp_test_pty_write (pty, "query-statu\t");
  at = aqmp_test_output_wait_for (&pty->out, "query-status ", at);
  aqmp_test_pty_write (pty, "\r");
  at = aqmp_test_output_wait_for (&pty->out, "\"running\" : true", at);

  /* an argument name of the command being typed */
  aqmp_test_pty_write (pty, "human-monitor-command comm\t");
  at = aqmp_test_output_wait_for (&pty->out, "human-monitor-command command-line=", at);
  aqmp_test_pty_write (pty, "'info status'\r");
  at = aqmp_test_output_wait_for (&pty->out, "VM status: running", at);

  /* an enum value */
  aqmp_test_pty_write (pty, "query-cpu-model-expansion type=st\t");
  at = aqmp_test_output_wait_for (&pty->out, "type=static", at);
  aqmp_test_pty_write (pty, "\025\004");
  aqmp_test_pty_wait_exit (pty, 0);
}

static void
test_history (Fixture *f, gconstpointer data)
{
  g_autofree gchar *path = g_build_filename (f->state, "aqmp", "history", NULL);
  g_autofree gchar *saved = NULL;

  {
    g_autoptr(AqmpTestPty) pty = shell_spawn (f, NULL);
    gsize at = pty_wait_prompt (pty);

    aqmp_test_pty_write (pty, "query-name\r");
    aqmp_test_output_wait_for (&pty->out, "{}", at);
    aqmp_test_pty_write (pty, "\004");
    aqmp_test_pty_wait_exit (pty, 0);
  }
  g_assert_true (g_file_get_contents (path, &saved, NULL, NULL));
  g_assert_nonnull (strstr (saved, "query-name\n"));

  {
    g_autoptr(AqmpTestPty) pty = shell_spawn (f, NULL);
    gsize at = pty_wait_prompt (pty);

    /* Ctrl-P brings back the last run's line */
    aqmp_test_pty_write (pty, "\020");
    at = aqmp_test_output_wait_for (&pty->out, "query-name", at);
    aqmp_test_pty_write (pty, "\r");
    aqmp_test_output_wait_for (&pty->out, "{}", at);
    aqmp_test_pty_write (pty, "\004");
    aqmp_test_pty_wait_exit (pty, 0);
  }
}

/* the history keeps no secret: KEY=VALUE lines, raw JSON and the lines of
 * a transaction block come back redacted as the wire trace shows them;
 * lines that cannot be read and mention a secret are not kept */
static void
test_history_secrets (Fixture *f, gconstpointer data)
{
  g_autofree gchar *path = g_build_filename (f->state, "aqmp", "history", NULL);
  g_autofree gchar *saved = NULL;
  const gchar * const secrets[] = { "topsecret", "rawsecret", "blocksecret", "brokensecret", "hmpsecret", NULL };
  const gchar * const expected[] = {
    "object-add {\"qom-type\":\"secret\",\"id\":\"sec1\",\"data\":\"<redacted>\"}",
    "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"secret\",\"id\":\"sec2\",\"data\":\"<redacted>\"}}",
    "qom-list path=/objects",
    "transaction(",
    "block-dirty-bitmap-add {\"node\":\"n0\",\"name\":\"b0\",\"password\":\"<redacted>\"}",
    ")",
    /* not the broken line */
    "query-name",
    /* not the HMP line with the secret */
    "info status",
    "",
    NULL
  };
  g_auto(GStrv) lines = NULL;

  {
    g_autoptr(AqmpTestPty) pty = shell_spawn (f, NULL);
    gsize at = pty_wait_prompt (pty);

    /* QEMU takes the secrets: the lines ran as typed */
    aqmp_test_pty_write (pty, "object-add qom-type=secret id=sec1 data=topsecret\r");
    at = aqmp_test_output_wait_for (&pty->out, "{}", at);
    aqmp_test_pty_write (pty, "{\"execute\": \"object-add\", \"arguments\": "
                              "{\"qom-type\": \"secret\", \"id\": \"sec2\", \"data\": \"rawsecret\"}}\r");
    at = aqmp_test_output_wait_for (&pty->out, "{}", at);
    aqmp_test_pty_write (pty, "qom-list path=/objects\r");
    at = aqmp_test_output_wait_for (&pty->out, "\"sec2\"", at);

    /* an action with a secret member; QEMU refuses it, the line is still typed */
    aqmp_test_pty_write (pty, "transaction(\r");
    at = aqmp_test_output_wait_for (&pty->out, "(transaction) ", at);
    aqmp_test_pty_write (pty, "block-dirty-bitmap-add node=n0 name=b0 password=blocksecret\r");
    at = aqmp_test_output_wait_for (&pty->out, "(transaction) ", at);
    aqmp_test_pty_write (pty, ")\r");
    /* the schema refuses it before sending; the history keeps no secret */
    at = aqmp_test_output_wait_for (&pty->out, "actions[0].data.password: unknown member", at);

    /* a line the shell cannot read */
    aqmp_test_pty_write (pty, "object-add qom-type=secret id=sec3 data='brokensecret\r");
    at = aqmp_test_output_wait_for (&pty->out, "(QEMU) ", at);
    aqmp_test_pty_write (pty, "query-name\r");
    at = aqmp_test_output_wait_for (&pty->out, "{}", at);
    aqmp_test_output_wait_for (&pty->out, "(QEMU) ", at);
    aqmp_test_pty_write (pty, "\004");
    aqmp_test_pty_wait_exit (pty, 0);
  }
  {
    g_autoptr(AqmpTestPty) pty = shell_spawn (f, "-H");
    gsize at = aqmp_test_output_wait_for (&pty->out, "(HMP) ", 0);

    aqmp_test_pty_write (pty, "object_add secret,id=sec4,data=hmpsecret\r");
    at = aqmp_test_output_wait_for (&pty->out, "(HMP) ", at);
    aqmp_test_pty_write (pty, "info status\r");
    at = aqmp_test_output_wait_for (&pty->out, "VM status: running", at);
    aqmp_test_output_wait_for (&pty->out, "(HMP) ", at);
    aqmp_test_pty_write (pty, "\004");
    aqmp_test_pty_wait_exit (pty, 0);
  }

  g_assert_true (g_file_get_contents (path, &saved, NULL, NULL));
  g_test_message ("history:\n%s", saved);
  for (guint i = 0; secrets[i] != NULL; i++)
    g_assert_null (strstr (saved, secrets[i]));
  lines = g_strsplit (saved, "\n", -1);
  g_assert_cmpstrv (lines, expected);

  /* what comes back with Ctrl-P is the redacted line */
  {
    g_autoptr(AqmpTestPty) pty = shell_spawn (f, NULL);
    gsize at = pty_wait_prompt (pty);

    /* back to the first line */
    aqmp_test_pty_write (pty, "\020\020\020\020\020\020\020\020");
    at = aqmp_test_output_wait_for (&pty->out, "\"id\":\"sec1\",\"data\":\"<redacted>\"}", at);
    aqmp_test_pty_write (pty, "\025\004");
    aqmp_test_pty_wait_exit (pty, 0);
  }
}

static void
test_ctrl_c (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpTestPty) pty = shell_spawn (f, NULL);
  gsize at = pty_wait_prompt (pty);

  /* with text: the line is dropped and a fresh prompt comes */
  aqmp_test_pty_write (pty, "garbage");
  at = aqmp_test_output_wait_for (&pty->out, "garbage", at);
  aqmp_test_pty_write (pty, "\003");
  at = aqmp_test_output_wait_for (&pty->out, "(QEMU) ", at);
  aqmp_test_pty_write (pty, "query-name\r");
  at = aqmp_test_output_wait_for (&pty->out, "{}", at);
  g_assert_cmpint (aqmp_test_output_find (&pty->out, "failed", 0), <, 0);

  /* at an empty prompt: a clean exit */
  aqmp_test_output_wait_for (&pty->out, "(QEMU) ", at);
  aqmp_test_pty_write (pty, "\003");
  aqmp_test_pty_wait_exit (pty, 0);
}

static void
test_disconnect (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpTestPty) pty = shell_spawn (f, NULL);
  gsize at = pty_wait_prompt (pty);

  aqmp_test_pty_write (pty, "quit\r");
  aqmp_test_output_wait_for (&pty->out, "aqmp: the server closed the connection", at);
  aqmp_test_pty_wait_exit (pty, 0);
}

/* a block typed at the prompt, with its own prompt */
static void
test_transaction_tty (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpTestPty) pty = shell_spawn (f, NULL);
  gsize at = pty_wait_prompt (pty);

  aqmp_test_pty_write (pty, "blockdev-add driver=null-co node-name=n0 size=1048576\r");
  at = aqmp_test_output_wait_for (&pty->out, "{}", at);
  aqmp_test_pty_write (pty, "transaction(\r");
  at = aqmp_test_output_wait_for (&pty->out, "(transaction) ", at);
  aqmp_test_pty_write (pty, "block-dirty-bitmap-add node=n0 name=b0\r");
  at = aqmp_test_output_wait_for (&pty->out, "(transaction) ", at);
  aqmp_test_pty_write (pty, ")\r");
  at = aqmp_test_output_wait_for (&pty->out, "{}", at);
  aqmp_test_pty_write (pty, "block-dirty-bitmap-remove node=n0 name=b0\r");
  at = aqmp_test_output_wait_for (&pty->out, "{}", at);
  g_assert_cmpint (aqmp_test_output_find (&pty->out, "failed", 0), <, 0);
  aqmp_test_pty_write (pty, "\004");
  aqmp_test_pty_wait_exit (pty, 0);
}

/* ----- the shell on pipes ----- */

static void
test_script (Fixture *f, gconstpointer data)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_auto(GStrv) lines = NULL;
  const gchar *input =
    "# a comment, then a blank line\n"
    "\n"
    "qom-get path=/machine property=type\n"
    "qom-get {\"path\": \"/machine\", \"property\": \"type\"}\n"
    "{\"execute\": \"query-name\"}\n"
    "no-such-command\n"
    "query-status\n";

  /* the unknown command is refused by the schema (2), and the rest runs */
  g_assert_cmpint (aqmp_test_tool_run (NULL, input, &out, &err, "shell", f->qemu->address, NULL), ==, 2);
  lines = g_strsplit (out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 5);
  g_assert_cmpstr (lines[0], ==, "\"none-machine\"");
  g_assert_cmpstr (lines[1], ==, "\"none-machine\"");
  g_assert_cmpstr (lines[2], ==, "{}");
  g_assert_nonnull (strstr (lines[3], "\"running\":true"));
  g_assert_cmpstr (err, ==, "aqmp: unknown command 'no-such-command'\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* unvalidated, QEMU refuses it (1) */
  g_assert_cmpint (aqmp_test_tool_run (NULL, input, &out, &err, "shell", "--no-validate", f->qemu->address, NULL),
                   ==, 1);
  g_assert_cmpstr (err, ==, "aqmp: no-such-command failed: CommandNotFound: The command no-such-command has not been found\n");
}

static void
test_script_events (Fixture *f, gconstpointer data)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  g_assert_cmpint (aqmp_test_tool_run (NULL, "stop\ncont\n", &out, &err, "shell", f->qemu->address, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "{\"event\":\"STOP\",\"data\":{},\"timestamp\":{\"seconds\":"));
  g_assert_nonnull (strstr (out, "{\"event\":\"RESUME\""));
  g_assert_cmpstr (err, ==, "");
}

static void
test_transaction (Fixture *f, gconstpointer data)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  const gchar *input =
    "blockdev-add driver=null-co node-name=n0 size=1048576\n"
    "transaction(\n"
    "  block-dirty-bitmap-add node=n0 name=b0\n"
    "  block-dirty-bitmap-add {\"node\": \"n0\", \"name\": \"b1\"}\n"
    ")\n"
    "block-dirty-bitmap-remove node=n0 name=b1\n";

  g_assert_cmpint (aqmp_test_tool_run (NULL, input, &out, &err, "shell", f->qemu->address, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "{}\n{}\n{}\n");
  g_assert_cmpstr (err, ==, "");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* one failing action fails them all */
  input = "transaction(\nblock-dirty-bitmap-add node=n0 name=b2\nabort\n)\n";
  g_assert_cmpint (aqmp_test_tool_run (NULL, input, &out, &err, "shell", f->qemu->address, NULL), ==, 1);
  g_assert_cmpstr (err, ==, "aqmp: transaction failed: GenericError: Transaction aborted using Abort action\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* a block left open is not sent */
  g_assert_cmpint (aqmp_test_tool_run (NULL, "transaction(\nabort\n", &out, &err, "shell", f->qemu->address, NULL), ==, 2);
  g_assert_cmpstr (out, ==, "");
  g_assert_true (g_str_has_prefix (err, "aqmp: "));
}

static void
test_hmp (Fixture *f, gconstpointer data)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  g_assert_cmpint (aqmp_test_tool_run (NULL, "info status\nstop\ninfo status\n", &out, &err,
                                       "shell", "-H", f->qemu->address, NULL), ==, 0);
  g_assert_true (g_str_has_prefix (out, "VM status: running\n"));
  g_assert_nonnull (strstr (out, "VM status: paused\n"));
}

static void
test_script_errors (Fixture *f, gconstpointer data)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_auto(GStrv) lines = NULL;
  const gchar *input =
    "qom-get novalue\n"
    "{\"execute\": 1}\n"
    "{not json\n"
    "query-name\n";

  /* bad lines are reported, one line each, and the script goes on */
  g_assert_cmpint (aqmp_test_tool_run (NULL, input, &out, &err, "shell", f->qemu->address, NULL), ==, 2);
  g_assert_cmpstr (out, ==, "{}\n");
  lines = g_strsplit (err, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 4);
  for (guint i = 0; i < 3; i++)
    g_assert_true (g_str_has_prefix (lines[i], "aqmp: "));
}

/* raw JSON without "execute" is refused with a message, not a GLib
 * critical: the tool runs with criticals fatal whatever the test's own
 * environment says */
static void
test_script_raw_without_execute (Fixture *f, gconstpointer data)
{
  const gchar *env[] = { "G_DEBUG=fatal-criticals", NULL };
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_auto(GStrv) lines = NULL;
  const gchar *input =
    "{}\n"
    "{\"id\": 1}\n"
    "{\"exec-oob\": \"query-status\"}\n"
    "{\"arguments\": {}}\n"
    "query-name\n";

  g_assert_cmpint (aqmp_test_tool_run (env, input, &out, &err, "shell", f->qemu->address, NULL), ==, 2);
  g_assert_cmpstr (out, ==, "{}\n");
  lines = g_strsplit (err, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 5);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpstr (lines[i], ==, "aqmp: a raw request needs an \"execute\" member naming the command");
  g_assert_cmpstr (lines[4], ==, "");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/aqmp/shell/tty/live-event", Fixture, NULL, fixture_setup, test_live_event, fixture_teardown);
  g_test_add ("/aqmp/shell/tty/complete", Fixture, NULL, fixture_setup, test_complete, fixture_teardown);
  g_test_add ("/aqmp/shell/tty/history", Fixture, NULL, fixture_setup, test_history, fixture_teardown);
  g_test_add ("/aqmp/shell/tty/history-secrets", Fixture, NULL, fixture_setup, test_history_secrets,
              fixture_teardown);
  g_test_add ("/aqmp/shell/tty/ctrl-c", Fixture, NULL, fixture_setup, test_ctrl_c, fixture_teardown);
  g_test_add ("/aqmp/shell/tty/disconnect", Fixture, NULL, fixture_setup, test_disconnect, fixture_teardown);
  g_test_add ("/aqmp/shell/tty/transaction", Fixture, NULL, fixture_setup, test_transaction_tty, fixture_teardown);
  g_test_add ("/aqmp/shell/script/commands", Fixture, NULL, fixture_setup, test_script, fixture_teardown);
  g_test_add ("/aqmp/shell/script/events", Fixture, NULL, fixture_setup, test_script_events, fixture_teardown);
  g_test_add ("/aqmp/shell/script/errors", Fixture, NULL, fixture_setup, test_script_errors, fixture_teardown);
  g_test_add ("/aqmp/shell/script/transaction", Fixture, NULL, fixture_setup, test_transaction, fixture_teardown);
  g_test_add ("/aqmp/shell/script/raw-without-execute", Fixture, NULL, fixture_setup,
              test_script_raw_without_execute, fixture_teardown);
  g_test_add ("/aqmp/shell/script/hmp", Fixture, NULL, fixture_setup, test_hmp, fixture_teardown);
  return g_test_run ();
}
