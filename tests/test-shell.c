/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * aqmp shell against a real QEMU 7.2: on a pseudo-terminal (readline, live
 * events, completion, history, Ctrl-C, disconnect) and on pipes (scripts,
 * transactions, HMP).
 */
#include <errno.h>
#include <pty.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

typedef struct {
  GPid pid;
  gint master;
  AqmpTestOutput out;
  gboolean exited;
  gint status;
} Pty;

static void
pty_exited_cb (GPid pid, gint status, gpointer user_data)
{
  Pty *pty = user_data;

  pty->status = status;
  pty->exited = TRUE;
  g_spawn_close_pid (pid);
}

static Pty *
pty_spawn (Fixture *f, const gchar *extra_arg)
{
  Pty *pty = g_new0 (Pty, 1);
  g_auto(GStrv) envp = g_get_environ ();
  const gchar *tool = aqmp_test_tool_path ();
  gchar *argv[] = { (gchar *) tool, (gchar *) "shell", f->qemu->address, (gchar *) extra_arg, NULL };
  struct winsize ws = { .ws_row = 40, .ws_col = 200 };

  envp = g_environ_setenv (envp, "XDG_STATE_HOME", f->state, TRUE);
  envp = g_environ_setenv (envp, "TERM", "xterm", TRUE);
  envp = g_environ_setenv (envp, "INPUTRC", "/dev/null", TRUE);
  envp = g_environ_setenv (envp, "LANG", "C.UTF-8", TRUE);
  envp = g_environ_unsetenv (envp, "LANGUAGE");
  envp = g_environ_unsetenv (envp, "LC_ALL");

  /* only async-signal-safe calls between fork and exec */
  pty->pid = forkpty (&pty->master, NULL, NULL, &ws);
  g_assert_cmpint (pty->pid, >=, 0);
  if (pty->pid == 0)
    {
      execve (tool, argv, envp);
      _exit (127);
    }
  g_child_watch_add (pty->pid, pty_exited_cb, pty);
  aqmp_test_output_init (&pty->out, pty->master);
  return pty;
}

static void
pty_write (Pty *pty, const gchar *text)
{
  gsize len = strlen (text);
  gsize done = 0;

  while (done < len)
    {
      gssize n = write (pty->master, text + done, len - done);

      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      g_assert_cmpint (n, >, 0);
      done += n;
    }
}

/* the shell must exit by itself, with status 0 */
static void
pty_wait_exit (Pty *pty, gint expected)
{
  if (!aqmp_test_wait_for_flag (&pty->exited, AQMP_TEST_WAIT_MS))
    g_error ("the shell did not exit within %u ms; it printed:\n%s", AQMP_TEST_WAIT_MS, pty->out.text->str);
  g_assert_true (WIFEXITED (pty->status));
  g_assert_cmpint (WEXITSTATUS (pty->status), ==, expected);
}

static void
pty_free (Pty *pty)
{
  if (!pty->exited)
    {
      kill (pty->pid, SIGKILL);
      aqmp_test_wait_for_flag (&pty->exited, AQMP_TEST_WAIT_MS);
    }
  g_test_message ("the shell printed:\n%s", pty->out.text->str);
  aqmp_test_output_clear (&pty->out);
  close (pty->master);
  g_free (pty);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Pty, pty_free)

/* the first prompt comes once connected and completion is loaded */
static gsize
pty_wait_prompt (Pty *pty)
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
  g_autoptr(Pty) pty = pty_spawn (f, NULL);
  g_autoptr(AqmpClient) second = NULL;
  gsize at = pty_wait_prompt (pty);

  pty_write (pty, "query-stat");
  at = aqmp_test_output_wait_for (&pty->out, "query-stat", at);

  second = aqmp_test_connect (f->second);
  execute_ok (second, "stop");
  at = aqmp_test_output_wait_for (&pty->out, "event STOP", at);
  /* the prompt and the half-typed line are drawn again below the event */
  at = aqmp_test_output_wait_for (&pty->out, "(QEMU) query-stat", at);

  /* and readline still holds it: finishing it runs query-status */
  pty_write (pty, "us\r");
  at = aqmp_test_output_wait_for (&pty->out, "\"status\" : \"paused\"", at);
  aqmp_test_output_wait_for (&pty->out, "(QEMU) ", at);

  pty_write (pty, "\004");
  pty_wait_exit (pty, 0);
}

static void
test_complete (Fixture *f, gconstpointer data)
{
  g_autoptr(Pty) pty = pty_spawn (f, NULL);
  gsize at = pty_wait_prompt (pty);

  /* a command name */
  pty_write (pty, "query-statu\t");
  at = aqmp_test_output_wait_for (&pty->out, "query-status ", at);
  pty_write (pty, "\r");
  at = aqmp_test_output_wait_for (&pty->out, "\"running\" : true", at);

  /* an argument name of the command being typed */
  pty_write (pty, "human-monitor-command comm\t");
  at = aqmp_test_output_wait_for (&pty->out, "human-monitor-command command-line=", at);
  pty_write (pty, "'info status'\r");
  at = aqmp_test_output_wait_for (&pty->out, "VM status: running", at);

  /* an enum value */
  pty_write (pty, "query-cpu-model-expansion type=st\t");
  at = aqmp_test_output_wait_for (&pty->out, "type=static", at);
  pty_write (pty, "\025\004");
  pty_wait_exit (pty, 0);
}

static void
test_history (Fixture *f, gconstpointer data)
{
  g_autofree gchar *path = g_build_filename (f->state, "aqmp", "history", NULL);
  g_autofree gchar *saved = NULL;

  {
    g_autoptr(Pty) pty = pty_spawn (f, NULL);
    gsize at = pty_wait_prompt (pty);

    pty_write (pty, "query-name\r");
    aqmp_test_output_wait_for (&pty->out, "{}", at);
    pty_write (pty, "\004");
    pty_wait_exit (pty, 0);
  }
  g_assert_true (g_file_get_contents (path, &saved, NULL, NULL));
  g_assert_nonnull (strstr (saved, "query-name\n"));

  {
    g_autoptr(Pty) pty = pty_spawn (f, NULL);
    gsize at = pty_wait_prompt (pty);

    /* Ctrl-P brings back the last run's line */
    pty_write (pty, "\020");
    at = aqmp_test_output_wait_for (&pty->out, "query-name", at);
    pty_write (pty, "\r");
    aqmp_test_output_wait_for (&pty->out, "{}", at);
    pty_write (pty, "\004");
    pty_wait_exit (pty, 0);
  }
}

static void
test_ctrl_c (Fixture *f, gconstpointer data)
{
  g_autoptr(Pty) pty = pty_spawn (f, NULL);
  gsize at = pty_wait_prompt (pty);

  /* with text: the line is dropped and a fresh prompt comes */
  pty_write (pty, "garbage");
  at = aqmp_test_output_wait_for (&pty->out, "garbage", at);
  pty_write (pty, "\003");
  at = aqmp_test_output_wait_for (&pty->out, "(QEMU) ", at);
  pty_write (pty, "query-name\r");
  at = aqmp_test_output_wait_for (&pty->out, "{}", at);
  g_assert_cmpint (aqmp_test_output_find (&pty->out, "failed", 0), <, 0);

  /* at an empty prompt: a clean exit */
  aqmp_test_output_wait_for (&pty->out, "(QEMU) ", at);
  pty_write (pty, "\003");
  pty_wait_exit (pty, 0);
}

static void
test_disconnect (Fixture *f, gconstpointer data)
{
  g_autoptr(Pty) pty = pty_spawn (f, NULL);
  gsize at = pty_wait_prompt (pty);

  pty_write (pty, "quit\r");
  aqmp_test_output_wait_for (&pty->out, "aqmp: the server closed the connection", at);
  pty_wait_exit (pty, 0);
}

/* a block typed at the prompt, with its own prompt */
static void
test_transaction_tty (Fixture *f, gconstpointer data)
{
  g_autoptr(Pty) pty = pty_spawn (f, NULL);
  gsize at = pty_wait_prompt (pty);

  pty_write (pty, "blockdev-add driver=null-co node-name=n0 size=1048576\r");
  at = aqmp_test_output_wait_for (&pty->out, "{}", at);
  pty_write (pty, "transaction(\r");
  at = aqmp_test_output_wait_for (&pty->out, "(transaction) ", at);
  pty_write (pty, "block-dirty-bitmap-add node=n0 name=b0\r");
  at = aqmp_test_output_wait_for (&pty->out, "(transaction) ", at);
  pty_write (pty, ")\r");
  at = aqmp_test_output_wait_for (&pty->out, "{}", at);
  pty_write (pty, "block-dirty-bitmap-remove node=n0 name=b0\r");
  at = aqmp_test_output_wait_for (&pty->out, "{}", at);
  g_assert_cmpint (aqmp_test_output_find (&pty->out, "failed", 0), <, 0);
  pty_write (pty, "\004");
  pty_wait_exit (pty, 0);
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

  g_assert_cmpint (aqmp_test_tool_run (NULL, input, &out, &err, "shell", f->qemu->address, NULL), ==, 1);
  lines = g_strsplit (out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 5);
  g_assert_cmpstr (lines[0], ==, "\"none-machine\"");
  g_assert_cmpstr (lines[1], ==, "\"none-machine\"");
  g_assert_cmpstr (lines[2], ==, "{}");
  g_assert_nonnull (strstr (lines[3], "\"running\":true"));
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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/aqmp/shell/tty/live-event", Fixture, NULL, fixture_setup, test_live_event, fixture_teardown);
  g_test_add ("/aqmp/shell/tty/complete", Fixture, NULL, fixture_setup, test_complete, fixture_teardown);
  g_test_add ("/aqmp/shell/tty/history", Fixture, NULL, fixture_setup, test_history, fixture_teardown);
  g_test_add ("/aqmp/shell/tty/ctrl-c", Fixture, NULL, fixture_setup, test_ctrl_c, fixture_teardown);
  g_test_add ("/aqmp/shell/tty/disconnect", Fixture, NULL, fixture_setup, test_disconnect, fixture_teardown);
  g_test_add ("/aqmp/shell/tty/transaction", Fixture, NULL, fixture_setup, test_transaction_tty, fixture_teardown);
  g_test_add ("/aqmp/shell/script/commands", Fixture, NULL, fixture_setup, test_script, fixture_teardown);
  g_test_add ("/aqmp/shell/script/events", Fixture, NULL, fixture_setup, test_script_events, fixture_teardown);
  g_test_add ("/aqmp/shell/script/errors", Fixture, NULL, fixture_setup, test_script_errors, fixture_teardown);
  g_test_add ("/aqmp/shell/script/transaction", Fixture, NULL, fixture_setup, test_transaction, fixture_teardown);
  g_test_add ("/aqmp/shell/script/hmp", Fixture, NULL, fixture_setup, test_hmp, fixture_teardown);
  return g_test_run ();
}
