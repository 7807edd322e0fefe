/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The aqmp tool as a new user meets it (issue 19), against a real QEMU 7.2
 * (`-machine none`, null-co nodes) and the project's test server: a
 * progress bar that fits the terminal at 40, 80 and 200 columns and after
 * a resize; waits that are named on a terminal and bounded for quick
 * commands; connection errors that name the address and say what answers
 * there (a QMP monitor, a guest agent, an HTTP server, nothing); relative
 * socket paths; HMP's errors; a guest agent's command without a reply.
 */
#include <string.h>

#include <glib/gstdio.h>

#include "aqmp-test-cli.h"
#include "aqmp-test-fake-agent.h"

#define MIB (1024 * 1024)
/* long enough that the old fixed-width bar wrapped at 80 columns */
#define JOB_ID "nightly-backup-1"

typedef struct {
  AqmpTestQemu *qemu;
  gchar *dir;
  gchar *db;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->qemu = aqmp_test_qemu_new (NULL);
  f->dir = aqmp_test_make_dir ();
  f->db = g_build_filename (f->dir, "jobs.db", NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->qemu, aqmp_test_qemu_free);
  aqmp_test_remove_dir (f->dir);
  g_free (f->dir);
  g_free (f->db);
}

static void
add_null_node (Fixture *f, const gchar *name, gint64 size)
{
  g_autofree gchar *node_name = g_strdup_printf ("node-name=%s", name);
  g_autofree gchar *size_arg = g_strdup_printf ("size=%" G_GINT64_FORMAT, size);
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "exec", f->qemu->address, "blockdev-add",
                                       "driver=null-co", node_name, size_arg, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "{}\n");
}

/* ----- the progress bar fits the terminal ----- */

/* a backup with sync "none" runs until it is cancelled: the bar stays */
static AqmpTestPty *
start_backup_on_terminal (Fixture *f, guint columns, gsize *bar_at)
{
  AqmpTestPty *pty;
  gsize at;

  add_null_node (f, "src", 1024 * (gint64) MIB);
  add_null_node (f, "tgt", 1024 * (gint64) MIB);
  pty = aqmp_test_pty_spawn_columns (columns, NULL, "job", "start", "--db", f->db, f->qemu->address,
                                     "blockdev-backup", "job-id=" JOB_ID, "device=src", "target=tgt",
                                     "sync=none", NULL);
  at = aqmp_test_output_wait_for (&pty->out, "started blockdev-backup job " JOB_ID "\n", 0);
  *bar_at = aqmp_test_output_wait_for (&pty->out, JOB_ID " [", at);
  aqmp_test_output_wait_for (&pty->out, "]", *bar_at);
  return pty;
}

static void
assert_fits (AqmpTestPty *pty, gsize raw_from, guint columns)
{
  g_autofree gchar *widest = NULL;
  guint cells = aqmp_test_output_widest_line (&pty->out, raw_from, &widest);

  g_test_message ("widest line at %u columns: %u, \"%s\"", columns, cells, widest);
  /* the last column stays free: a terminal may wrap on it */
  g_assert_cmpuint (cells, <, columns);
}

/* the bar's width between its brackets, in the last line drawn */
static guint
last_bar_width (AqmpTestPty *pty)
{
  const gchar *open = g_strrstr (pty->out.text->str, JOB_ID " [");
  const gchar *close;

  g_assert_nonnull (open);
  open += strlen (JOB_ID " [");
  close = strchr (open, ']');
  g_assert_nonnull (close);
  return (guint) (close - open);
}

typedef struct {
  AqmpTestOutput *out;
  gsize from;
} RawAfter;

/* a bar drawn again after @from */
static gboolean
redrawn_after (gpointer user_data)
{
  RawAfter *r = user_data;

  return r->out->raw->len > r->from && strstr (r->out->raw->str + r->from, JOB_ID " [") != NULL
         && strchr (strstr (r->out->raw->str + r->from, JOB_ID " ["), ']') != NULL;
}

static void
test_bar_fits (Fixture *f, gconstpointer data)
{
  guint columns = GPOINTER_TO_UINT (data);
  g_autoptr(AqmpTestPty) pty = NULL;
  gsize bar_at;

  pty = start_backup_on_terminal (f, columns, &bar_at);
  /* the lines before the bar are messages, which may wrap */
  assert_fits (pty, strstr (pty->out.raw->str, JOB_ID " [") - pty->out.raw->str, columns);
  if (columns >= 200)
    {
      /* room for everything: the whole bar and every field */
      g_assert_cmpuint (last_bar_width (pty), ==, 30);
      g_assert_nonnull (strstr (pty->out.text->str + bar_at, "/s"));
      g_assert_nonnull (strstr (pty->out.text->str + bar_at, "ETA "));
      g_assert_nonnull (strstr (pty->out.text->str + bar_at, "running"));
    }
  else
    {
      /* a shorter bar, but a bar, and the percentage */
      g_assert_cmpuint (last_bar_width (pty), >=, 10);
      g_assert_nonnull (strstr (pty->out.text->str + bar_at, "%"));
    }
}

/* from 200 columns to 40: redrawn at once, to fit the new width */
static void
test_bar_resized (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpTestPty) pty = NULL;
  RawAfter r;
  gsize bar_at;

  pty = start_backup_on_terminal (f, 200, &bar_at);
  g_assert_cmpuint (last_bar_width (pty), ==, 30);
  r.out = &pty->out;
  r.from = pty->out.raw->len;
  aqmp_test_pty_resize (pty, 40);
  if (!aqmp_test_wait_until (redrawn_after, &r, AQMP_TEST_WAIT_MS))
    g_error ("no redraw after the resize; aqmp printed:\n%s", pty->out.text->str);
  assert_fits (pty, r.from, 40);
  g_assert_cmpuint (last_bar_width (pty), <, 30);
}

/* ----- never waiting in silence ----- */

/* a test server at a socket in @dir, set up by the caller */
static AqmpServer *
server_at (const gchar *dir, const gchar *name, gchar **address)
{
  AqmpServer *server = aqmp_server_new ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = g_build_filename (dir, name, NULL);

  *address = g_strdup_printf ("unix:%s", path);
  g_free (aqmp_server_listen (server, *address, &error));
  g_assert_no_error (error);
  return server;
}

/* the monitor is held by another client: after a second the terminal is
 * told why nothing happens, and --timeout still ends it */
static void
test_busy_monitor_named (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpClient) holder = aqmp_test_connect (f->qemu->address);
  g_autoptr(AqmpTestPty) pty = NULL;
  gsize at;

  pty = aqmp_test_pty_spawn (NULL, "exec", "--timeout", "4", f->qemu->address, "query-status", NULL);
  at = aqmp_test_output_wait_for (&pty->out, "connected to ", 0);
  aqmp_test_output_wait_for (&pty->out, "no greeting yet: another client may be using this monitor", at);
  aqmp_test_pty_wait_exit (pty, 2);
  g_assert_nonnull (strstr (pty->out.text->str, "timed out"));
  g_assert_nonnull (strstr (pty->out.text->str, f->qemu->address));

  /* QEMU queues very few waiting clients; once the queue is full, the
   * refusal says why */
  {
    g_autofree gchar *out = NULL;
    g_autofree gchar *err = NULL;

    g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "exec", "--timeout", "1", f->qemu->address,
                                         "query-status", NULL), ==, 2);
    g_test_message ("%s", err);
    /* the tool and its look at the peer above wait in QEMU's queue of two */
    g_assert_nonnull (strstr (err, "its queue is full: another client is using this monitor"));
  }
}

/* the shell no longer shows a blank screen either (a QEMU of its own: the
 * monitor's listen queue is full once a client has waited there) */
static void
test_busy_monitor_shell (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpClient) holder = aqmp_test_connect (f->qemu->address);
  g_autoptr(AqmpTestPty) pty = NULL;

  pty = aqmp_test_pty_spawn (NULL, "shell", "--timeout", "4", f->qemu->address, NULL);
  aqmp_test_output_wait_for (&pty->out, "no greeting yet: another client may be using this monitor", 0);
  aqmp_test_pty_wait_exit (pty, 2);
  g_assert_nonnull (strstr (pty->out.text->str, "cannot connect to"));
}

/* a query that is never answered: named after a few seconds on a
 * terminal, and given up without --timeout */
static void
test_quick_command_bounded (void)
{
  g_autofree gchar *dir = aqmp_test_make_dir ();
  g_autofree gchar *address = NULL;
  g_autoptr(AqmpServer) server = server_at (dir, "qmp.sock", &address);
  g_autoptr(AqmpTestPty) pty = NULL;
  gsize at;

  aqmp_server_set_no_reply (server, "query-status");
  pty = aqmp_test_pty_spawn (NULL, "exec", "--no-validate", address, "query-status", NULL);
  at = aqmp_test_output_wait_for (&pty->out, "still waiting for the reply to query-status from ", 0);
  /* bounded: AQMP_CLI_QUICK_TIMEOUT_MS, within the wait below */
  if (!aqmp_test_wait_for_flag (&pty->exited, 3 * AQMP_TEST_WAIT_MS))
    g_error ("aqmp did not give up on the query; it printed:\n%s", pty->out.text->str);
  aqmp_test_pty_wait_exit (pty, 2);
  g_assert_cmpint (aqmp_test_output_find (&pty->out, "timed out", at), >=, 0);
  aqmp_server_stop (server);
  aqmp_test_remove_dir (dir);
}

static gboolean
timed_out_after (gpointer user_data)
{
  RawAfter *r = user_data;

  return aqmp_test_output_find (r->out, "timed out", r->from) >= 0;
}

/* the shell's prompt comes although the schema is never sent, and a
 * query typed at it is not waited for forever either */
static void
test_shell_schema_bounded (void)
{
  g_autofree gchar *dir = aqmp_test_make_dir ();
  g_autofree gchar *address = NULL;
  g_autoptr(AqmpServer) server = server_at (dir, "qmp.sock", &address);
  g_autoptr(AqmpTestPty) pty = NULL;
  gsize at;

  aqmp_server_set_no_reply (server, "query-qmp-schema");
  aqmp_server_set_no_reply (server, "query-status");
  pty = aqmp_test_pty_spawn (NULL, "shell", address, NULL);
  at = aqmp_test_output_wait_for (&pty->out, "still waiting for the reply to query-qmp-schema", 0);
  at = aqmp_test_output_wait_for (&pty->out, "no tab completion and no validation", at);
  at = aqmp_test_output_wait_for (&pty->out, "(QEMU) ", at);

  /* a query typed at the prompt: named, then given up */
  aqmp_test_pty_write (pty, "query-status\r");
  at = aqmp_test_output_wait_for (&pty->out, "still waiting for the reply to query-status", at);
  if (!aqmp_test_wait_until ((AqmpTestCondition) timed_out_after, &(RawAfter) { &pty->out, at }, 3 * AQMP_TEST_WAIT_MS))
    g_error ("the query was not given up; aqmp printed:\n%s", pty->out.text->str);
  at = aqmp_test_output_wait_for (&pty->out, "(QEMU) ", at);
  aqmp_test_pty_write (pty, "\004");
  aqmp_test_pty_wait_exit (pty, 0);
  aqmp_server_stop (server);
  aqmp_test_remove_dir (dir);
}

/* one run's error line, which must name @address and say @hint */
static void
assert_connect_error (const gchar *command, const gchar *address, const gchar *what, const gchar *hint)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, command, "--timeout", "1", address, what, NULL),
                   ==, 2);
  g_test_message ("%s %s: %s", command, address, err);
  g_assert_cmpstr (out, ==, "");
  aqmp_test_assert_one_error_line (err);
  g_assert_nonnull (strstr (err, address));
  g_assert_nonnull (strstr (err, hint));
}

static void
test_hints (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpTestFakeAgent) agent = aqmp_test_fake_agent_new ();
  g_autofree gchar *http_address = NULL;
  g_autofree gchar *mute_address = NULL;
  g_autofree gchar *garbage_address = NULL;
  g_autoptr(AqmpServer) http = server_at (f->dir, "http.sock", &http_address);
  g_autoptr(AqmpServer) mute = server_at (f->dir, "mute.sock", &mute_address);
  g_autoptr(AqmpClient) holder = NULL;
  g_autoptr(AqmpServer) garbage = server_at (f->dir, "garbage.sock", &garbage_address);

  aqmp_server_set_greeting (http, NULL);
  aqmp_server_set_pre_greeting (http, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
  aqmp_server_set_greeting (mute, NULL);
  aqmp_server_set_greeting (garbage, NULL);
  aqmp_server_set_pre_greeting (garbage, "this is not json\r\n");

  /* the guest agent's command aimed at QEMU's monitor, and the reverse */
  assert_connect_error ("ga", f->qemu->address, "guest-ping", "this is a QMP monitor, not a guest agent");
  assert_connect_error ("exec", agent->address, "query-status", "this is a QEMU guest agent, not a QMP monitor");
  /* no longer "is another client connected?" for what is no QEMU at all */
  assert_connect_error ("exec", http_address, "query-status", "this is an HTTP server, not QEMU");
  assert_connect_error ("exec", garbage_address, "query-status", "this does not speak QMP");
  assert_connect_error ("exec", mute_address, "query-status", "this answers JSON, but sends no QMP greeting");
  /* QEMU's monitor busy with another client says nothing at all */
  holder = aqmp_test_connect (f->qemu->address);
  assert_connect_error ("exec", f->qemu->address, "query-status",
                        "nothing answers: another client may be using this monitor");
  aqmp_server_stop (http);
  aqmp_server_stop (mute);
  aqmp_server_stop (garbage);
}

/* `vm.sock` and `./vm.sock` in the working directory, as qmp-shell takes them */
static void
test_relative_socket (Fixture *f, gconstpointer data)
{
  g_autofree gchar *cwd = g_get_current_dir ();
  g_autofree gchar *name = g_path_get_basename (f->qemu->socket_path);
  g_autofree gchar *where = g_path_get_dirname (f->qemu->socket_path);
  g_autofree gchar *dot = g_strdup_printf ("./%s", name);

  g_assert_cmpint (g_chdir (where), ==, 0);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree gchar *out = NULL;
      g_autofree gchar *err = NULL;
      const gchar *address = i == 0 ? name : dot;

      g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "exec", "--compact", address, "query-status",
                                           NULL), ==, 0);
      g_assert_cmpstr (err, ==, "");
      g_assert_nonnull (strstr (out, "\"status\""));
    }
  g_assert_cmpint (g_chdir (cwd), ==, 0);
}

/* ----- small things that were wrong ----- */

/* HMP tells of errors only in its text: exit 1 on its error forms */
static void
test_exec_hmp (Fixture *f, gconstpointer data)
{
  const gchar *failing[][3] = {
    { "no-such-hmp-command", NULL, NULL },
    { "device_del", "no-such-device", NULL },
    { "stop", "x", "y" },
  };
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "exec", "-H", f->qemu->address, "info", "status",
                                       NULL), ==, 0);
  g_assert_cmpstr (out, ==, "VM status: running\n");
  g_assert_cmpstr (err, ==, "");
  for (guint i = 0; i < G_N_ELEMENTS (failing); i++)
    {
      g_clear_pointer (&out, g_free);
      g_clear_pointer (&err, g_free);
      g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "exec", "-H", f->qemu->address, failing[i][0],
                                           failing[i][1], failing[i][2], NULL), ==, 1);
      g_test_message ("%s: %s", failing[i][0], err);
      g_assert_cmpstr (out, ==, "");
      g_assert_cmpstr (err, !=, "");
    }

  /* a script of HMP lines exits with 1 when one of them failed */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (aqmp_test_tool_run (NULL, "info status\nno-such-hmp-command\n", &out, &err, "shell", "-H",
                                       f->qemu->address, NULL), ==, 1);
  g_assert_nonnull (strstr (out, "VM status: running"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (aqmp_test_tool_run (NULL, "info status\n", &out, &err, "shell", "-H", f->qemu->address, NULL),
                   ==, 0);
}

/* guest-shutdown has no reply: nothing printed, exit 0 (the fake agent
 * only: never a real one) */
static void
test_ga_no_reply (void)
{
  g_autoptr(AqmpTestFakeAgent) agent = aqmp_test_fake_agent_new ();
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "ga", agent->address, "guest-shutdown", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "");
  g_assert_cmpstr (err, ==, "");
  g_assert_cmpuint (agent->n_shutdowns, ==, 1);
}

/* --detach prints the id and returns; set-speed takes a unit and says,
 * with -v, what it understood */
static void
test_detach_and_speed_units (Fixture *f, gconstpointer data)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonArray *jobs;

  add_null_node (f, "src", 1024 * (gint64) MIB);
  add_null_node (f, "tgt", 1024 * (gint64) MIB);
  /* sync "none" runs until it is cancelled: the job holds */
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "start", "--detach", "--db", f->db,
                                       f->qemu->address, "blockdev-backup", "job-id=" JOB_ID, "device=src",
                                       "target=tgt", "sync=none", "speed=1G", NULL), ==, 0);
  g_assert_cmpstr (out, ==, JOB_ID "\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* speed=1G was sent as bytes */
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "exec", "--compact", f->qemu->address,
                                       "query-block-jobs", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "\"speed\":1073741824"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "set-speed", "-v", f->qemu->address, JOB_ID,
                                       "50MiB/s", NULL), ==, 0);
  g_assert_nonnull (strstr (err, "speed: 52428800 bytes per second (50.0"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "exec", "--compact", f->qemu->address,
                                       "query-block-jobs", NULL), ==, 0);
  node = json_from_string (out, NULL);
  g_assert_nonnull (node);
  jobs = json_node_get_array (node);
  g_assert_cmpuint (json_array_get_length (jobs), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (jobs, 0), "speed"), ==,
                   50 * MIB);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* a rate that is none */
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "set-speed", f->qemu->address, JOB_ID,
                                       "fast", NULL), ==, 2);
  aqmp_test_assert_one_error_line (err);
  g_assert_nonnull (strstr (err, "'fast' is not a rate"));
}

/* every workflow's description starts in the same column, however long
 * its name; --json is JSON */
static void
test_plugins_output (void)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(JsonNode) node = NULL;
  glong column = -1;
  guint n_workflows = 0;
  gboolean long_name = FALSE;

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "plugins", NULL), ==, 0);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const gchar *name = lines[i] + strlen ("  workflow  ");
      const gchar *gap;

      if (!g_str_has_prefix (lines[i], "  workflow  "))
        continue;
      gap = strstr (name, "  ");
      g_assert_nonnull (gap);
      if (gap - name > 14)
        long_name = TRUE;
      while (*gap == ' ')
        gap++;
      if (column < 0)
        column = gap - lines[i];
      g_assert_cmpint (gap - lines[i], ==, column);
      n_workflows++;
    }
  g_assert_cmpuint (n_workflows, >=, 2);
  g_assert_true (long_name);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "plugins", "--json", NULL), ==, 0);
  node = json_from_string (out, NULL);
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
  g_assert_nonnull (strstr (out, "\"guest-exec-around-job\""));
  g_assert_nonnull (strstr (out, "\"protocols\""));
  g_clear_pointer (&node, json_node_unref);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "workflow", "list", "--json", NULL), ==, 0);
  node = json_from_string (out, NULL);
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
  g_assert_nonnull (strstr (out, "\"guest-exec-around-job\""));
}

/* ----- German ----- */

static gchar *
run_german (gint expected, gboolean want_err, const gchar *a1, const gchar *a2, const gchar *a3, const gchar *a4,
            const gchar *a5, const gchar *a6, const gchar *a7)
{
  const gchar *env[] = { "LANGUAGE=de", "LANG=C.UTF-8", NULL };
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  g_assert_cmpint (aqmp_test_tool_run (env, NULL, &out, &err, a1, a2, a3, a4, a5, a6, a7, NULL), ==, expected);
  g_test_message ("%s %s: %s%s", a1, a2, out, err);
  return g_strdup (want_err ? err : out);
}

/* connect errors, "no such job", job list's headings and job show's labels */
static void
test_german (Fixture *f, gconstpointer data)
{
  g_autofree gchar *missing = g_build_filename (f->dir, "missing.sock", NULL);
  g_autofree gchar *text = NULL;

  text = run_german (2, TRUE, "exec", missing, "query-status", NULL, NULL, NULL, NULL);
  g_assert_true (g_str_has_prefix (text, "aqmp: keine Verbindung zu "));
  g_assert_nonnull (strstr (text, missing));
  g_clear_pointer (&text, g_free);

  text = run_german (2, TRUE, "job", "show", "no-such-job", "--db", f->db, NULL, NULL);
  g_assert_nonnull (strstr (text, "kein solcher Job in"));
  g_clear_pointer (&text, g_free);

  add_null_node (f, "src", 4 * MIB);
  add_null_node (f, "tgt", 4 * MIB);
  g_free (run_german (0, FALSE, "job", "start", "--db", f->db, f->qemu->address, "blockdev-backup",
                      "{\"job-id\": \"j1\", \"device\": \"src\", \"target\": \"tgt\", \"sync\": \"full\"}"));
  text = run_german (0, FALSE, "job", "list", "--all", "--db", f->db, NULL, NULL);
  g_assert_true (g_str_has_prefix (text, "ZEILE "));
  g_assert_nonnull (strstr (text, " BEFEHL "));
  g_assert_nonnull (strstr (text, "ERGEBNIS"));
  g_clear_pointer (&text, g_free);

  text = run_german (0, FALSE, "job", "show", "j1", "--db", f->db, NULL, NULL);
  g_assert_nonnull (strstr (text, "\nMaschine:  "));
  g_assert_nonnull (strstr (text, "\nErgebnis:  success"));
  g_assert_nonnull (strstr (text, "\nFortschritt: 100% (4194304 von 4194304)"));
  g_assert_nonnull (strstr (text, "\nÜbergänge:\n"));
}

/* ----- help that covers everything ----- */

/* "job start", "job cancel", ...: the subcommands in the usage lines of
 * `aqmp COMMAND --help`, for a command that has them */
static gboolean
add_subcommands (GPtrArray *commands, const gchar *command)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *pattern = g_strdup_printf ("^  aqmp %s ([a-z|-]+)", command);
  g_autoptr(GRegex) re = g_regex_new (pattern, G_REGEX_MULTILINE, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree gchar *help = NULL;
  gboolean any = FALSE;

  aqmp_test_tool_run (NULL, NULL, &out, &err, command, "--help", NULL);
  help = g_strconcat (out, err, NULL);
  if (strstr (help, "SUBCOMMAND --help") == NULL)
    return FALSE;
  for (g_regex_match (re, help, 0, &match); g_match_info_matches (match); g_match_info_next (match, NULL))
    {
      g_autofree gchar *names = g_match_info_fetch (match, 1);
      g_auto(GStrv) each = g_strsplit (names, "|", -1);

      for (guint i = 0; each[i] != NULL; i++)
        {
          g_ptr_array_add (commands, g_strdup_printf ("%s %s", command, each[i]));
          any = TRUE;
        }
    }
  return any;
}

/* every command `aqmp --help` lists (a command added later is covered
 * too), each subcommand for those that have them (job, backup) */
static GPtrArray *
commands_with_help (void)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autoptr(GRegex) re = g_regex_new ("^  ([a-z][a-z-]*) ", G_REGEX_MULTILINE, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  GPtrArray *commands = g_ptr_array_new_with_free_func (g_free);
  const gchar *listed;

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "--help", NULL), ==, 0);
  listed = strstr (out, "Commands:\n");
  g_assert_nonnull (listed);
  for (g_regex_match (re, listed, 0, &match); g_match_info_matches (match); g_match_info_next (match, NULL))
    {
      g_autofree gchar *name = g_match_info_fetch (match, 1);

      if (!add_subcommands (commands, name))
        g_ptr_array_add (commands, g_steal_pointer (&name));
    }
  g_assert_cmpuint (commands->len, >=, 20);
  return commands;
}

/* the long options `aqmp COMMAND --help` lists */
static GPtrArray *
options_of (const gchar *command)
{
  g_auto(GStrv) words = g_strsplit (command, " ", 2);
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autoptr(GRegex) re = g_regex_new ("^ +(?:-[a-zA-Z], )?(--[a-z][a-z-]*)", G_REGEX_MULTILINE, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  GPtrArray *options = g_ptr_array_new_with_free_func (g_free);

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, words[0], words[1] != NULL ? words[1] : "--help",
                                       words[1] != NULL ? "--help" : NULL, NULL), ==, 0);
  for (g_regex_match (re, out, 0, &match); g_match_info_matches (match); g_match_info_next (match, NULL))
    g_ptr_array_add (options, g_match_info_fetch (match, 1));
  g_assert_cmpuint (options->len, >=, 10);
  return options;
}

static gchar *
read_source (const gchar *relative)
{
  g_autofree gchar *path = g_build_filename (g_getenv ("AQMP_SRCDIR"), relative, NULL);
  g_autoptr(GError) error = NULL;
  gchar *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

/* every option of every command is in aqmp(1), every option of aqmpd in
 * aqmpd(8), each as *--option* */
static void
test_man_pages (void)
{
  g_autoptr(GPtrArray) commands = commands_with_help ();
  g_autofree gchar *aqmp_man = read_source ("data/aqmp.1.scd");
  g_autofree gchar *aqmpd_man = read_source ("data/aqmpd.8.scd");
  g_autoptr(GString) missing = g_string_new (NULL);
  const gchar *sections[] = { "*exec*", "*events*", "*shell*", "*job start*", "*ga*", "*ga-exec*", "*workflow list*",
                              "*plugins*", "*describe*", "*schema dump*", "*--fd*", "_tls:HOST:PORT_" };
  g_autofree gchar *aqmpd_help = NULL;
  g_autofree gchar *err = NULL;
  g_autoptr(GRegex) re = g_regex_new ("^ +(?:-[a-zA-Z], )?(--[a-z][a-z-]*)", G_REGEX_MULTILINE, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  const gchar *aqmpd_argv[] = { g_getenv ("AQMPD"), "--help", NULL };
  gint status = 0;
  guint n_aqmpd = 0;

  for (guint i = 0; i < commands->len; i++)
    {
      const gchar *command = commands->pdata[i];
      g_autoptr(GPtrArray) options = options_of (command);
      g_autofree gchar *named = g_strdup_printf ("*%s*", command);
      g_autofree gchar *with_sub = g_strdup_printf ("*%s ", command);

      if (strstr (aqmp_man, named) == NULL && strstr (aqmp_man, with_sub) == NULL && strchr (command, ' ') == NULL)
        g_string_append_printf (missing, "aqmp(1) lacks the command %s\n", named);
      for (guint j = 0; j < options->len; j++)
        {
          g_autofree gchar *marked = g_strdup_printf ("*%s*", (gchar *) options->pdata[j]);

          if (strstr (aqmp_man, marked) == NULL)
            g_string_append_printf (missing, "aqmp(1) lacks %s of %s\n", marked, command);
        }
    }
  for (guint i = 0; i < G_N_ELEMENTS (sections); i++)
    if (strstr (aqmp_man, sections[i]) == NULL)
      g_string_append_printf (missing, "aqmp(1) lacks %s\n", sections[i]);

  g_assert_nonnull (aqmpd_argv[0]);
  g_spawn_sync (NULL, (gchar **) aqmpd_argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &aqmpd_help, &err, &status, NULL);
  for (g_regex_match (re, aqmpd_help, 0, &match); g_match_info_matches (match); g_match_info_next (match, NULL))
    {
      g_autofree gchar *option = g_match_info_fetch (match, 1);
      g_autofree gchar *marked = g_strdup_printf ("*%s*", option);

      n_aqmpd++;
      if (g_strcmp0 (option, "--help") != 0 && strstr (aqmpd_man, marked) == NULL)
        g_string_append_printf (missing, "aqmpd(8) lacks %s\n", marked);
    }
  g_assert_cmpuint (n_aqmpd, >=, 8);
  for (guint i = 0; i < 3; i++)
    {
      const gchar *needed[] = { "# THE BUS API", "# WHO MAY DO WHAT", "# FILES" };
      if (strstr (aqmpd_man, needed[i]) == NULL)
        g_string_append_printf (missing, "aqmpd(8) lacks %s\n", needed[i]);
    }
  if (missing->len > 0)
    g_error ("the man pages are incomplete:\n%s", missing->str);
}

/* runs the completion function on @line (its last word is completed) */
static gchar *
complete (const gchar *cache_dir, const gchar *line)
{
  g_autofree gchar *script_path = g_build_filename (g_getenv ("AQMP_SRCDIR"), "data", "completions", "aqmp", NULL);
  g_autofree gchar *tool_dir = g_path_get_dirname (aqmp_test_tool_path ());
  g_autofree gchar *path = g_strdup_printf ("%s:%s", tool_dir, g_getenv ("PATH"));
  g_autofree gchar *script = g_strdup_printf ("source '%s'; COMP_WORDS=(%s); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); "
                                              "COMPREPLY=(); _aqmp; printf '%%s\\n' \"${COMPREPLY[@]}\"",
                                              script_path, line);
  const gchar *argv[] = { "bash", "--norc", "--noprofile", "-c", script, NULL };
  g_auto(GStrv) envp = g_get_environ ();
  g_autoptr(GError) error = NULL;
  gchar *out = NULL;
  g_autofree gchar *err = NULL;
  gint status = 0;

  envp = g_environ_setenv (envp, "PATH", path, TRUE);
  envp = g_environ_setenv (envp, "XDG_CACHE_HOME", cache_dir, TRUE);
  envp = g_environ_unsetenv (envp, "MALLOC_PERTURB_");
  envp = g_environ_unsetenv (envp, "MALLOC_CHECK_");
  g_spawn_sync (NULL, (gchar **) argv, envp, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, &error);
  g_assert_no_error (error);
  g_test_message ("complete %s:\n%s%s", line, out, err);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return out;
}

static void
assert_offers (const gchar *cache_dir, const gchar *line, const gchar *word)
{
  g_autofree gchar *offered = complete (cache_dir, line);
  g_autofree gchar *whole = g_strdup_printf ("\n%s", offered);
  g_autofree gchar *needle = g_strdup_printf ("\n%s\n", word);

  if (strstr (whole, needle) == NULL)
    g_error ("completing [%s] does not offer %s; it offers:\n%s", line, word, offered);
}

/* commands, subcommands and every option; sockets for addresses; job
 * ids from the history; command names from the schema cache */
static void
test_completion (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) commands = commands_with_help ();
  g_autofree gchar *cache = g_build_filename (f->dir, "cache", NULL);
  g_autofree gchar *cache_env = g_strdup_printf ("XDG_CACHE_HOME=%s", cache);
  const gchar *env[] = { cache_env, NULL };
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *line = NULL;
  g_autofree gchar *socket_prefix = g_strndup (f->qemu->socket_path, strlen (f->qemu->socket_path) - 2);

  assert_offers (cache, "aqmp j", "job");
  assert_offers (cache, "aqmp ''", "ga-exec");
  assert_offers (cache, "aqmp job ''", "set-speed");
  assert_offers (cache, "aqmp workflow ''", "run");
  assert_offers (cache, "aqmp schema ''", "diff");
  for (guint i = 0; i < commands->len; i++)
    {
      g_autoptr(GPtrArray) options = options_of (commands->pdata[i]);
      g_autofree gchar *prefix = g_strdup_printf ("aqmp %s --", (gchar *) commands->pdata[i]);
      g_autofree gchar *first = g_strndup (commands->pdata[i], 2);
      g_autofree gchar *start = g_strdup_printf ("aqmp %s", first);

      if (strchr (commands->pdata[i], ' ') == NULL)
        assert_offers (cache, start, commands->pdata[i]);
      for (guint j = 0; j < options->len; j++)
        assert_offers (cache, prefix, options->pdata[j]);
    }

  /* the socket, by a prefix of its path */
  line = g_strdup_printf ("aqmp exec '%s'", socket_prefix);
  assert_offers (cache, line, f->qemu->socket_path);
  g_clear_pointer (&line, g_free);

  /* a command name, once aqmp has cached the schema */
  g_assert_cmpint (aqmp_test_tool_run (env, NULL, &out, &err, "exec", f->qemu->address, "query-status", NULL), ==, 0);
  line = g_strdup_printf ("aqmp exec '%s' query-sta", f->qemu->socket_path);
  assert_offers (cache, line, "query-status");
  g_clear_pointer (&line, g_free);
  assert_offers (cache, "aqmp events --filter JOB_", "JOB_STATUS_CHANGE");

  /* a job id from the history */
  add_null_node (f, "src", 4 * MIB);
  add_null_node (f, "tgt", 4 * MIB);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "start", "--db", f->db, f->qemu->address,
                                       "blockdev-backup", "job-id=" JOB_ID, "device=src", "target=tgt", "sync=full",
                                       NULL), ==, 0);
  line = g_strdup_printf ("aqmp job show --db '%s' nightly", f->db);
  assert_offers (cache, line, JOB_ID);
  g_clear_pointer (&line, g_free);
  line = g_strdup_printf ("aqmp job cancel --db '%s' '%s' ''", f->db, f->qemu->socket_path);
  assert_offers (cache, line, JOB_ID);
}

/* ----- jobs in the shell ----- */

/* "data" (1 MiB of a file) and two blkdebug targets whose first write
 * fails with ENOSPC: a backup with on-target-error=enospc stops there,
 * paused, until job-resume; starting the other job does not let it go */
static void
add_two_held_targets (Fixture *f, const gchar *monitor)
{
  g_autofree gchar *image = g_build_filename (f->dir, "data.raw", NULL);
  g_autofree gchar *content = g_malloc0 (MIB);
  g_autofree gchar *data = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  g_assert_true (g_file_set_contents (image, content, MIB, NULL));
  data = g_strdup_printf ("{\"driver\": \"raw\", \"node-name\": \"data\", \"file\": {\"driver\": \"file\","
                          " \"filename\": \"%s\"}}", image);
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "exec", monitor, "blockdev-add", data, NULL), ==, 0);
  for (guint i = 1; i <= 2; i++)
    {
      g_autofree gchar *held = g_strdup_printf ("{\"driver\": \"blkdebug\", \"node-name\": \"held%u\", \"image\":"
                                                " {\"driver\": \"null-co\", \"size\": %d}, \"inject-error\":"
                                                " [{\"event\": \"none\", \"errno\": 28, \"once\": true,"
                                                " \"iotype\": \"write\"}]}", i, MIB);

      g_clear_pointer (&out, g_free);
      g_clear_pointer (&err, g_free);
      g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "exec", monitor, "blockdev-add", held, NULL),
                       ==, 0);
    }
}

static gsize
wait_job_line (AqmpTestPty *pty, const gchar *prefix, const gchar *id, const gchar *status, gsize from)
{
  g_autofree gchar *line = g_strdup_printf ("%s%-20s %-10s", prefix, id, status);

  return aqmp_test_output_wait_for (&pty->out, line, from);
}

/*
 * Two jobs at once from the shell, each held on purpose: /start gives the
 * prompt back at once, /jobs lists them, a job's progress and end come
 * above the prompt without disturbing the half-typed line, /cancel takes
 * a job id that Tab completes, and help lists the shell's own commands.
 */
static void
test_shell_jobs (Fixture *f, gconstpointer data)
{
  g_autofree gchar *dir = NULL;
  g_autofree gchar *second_address = NULL;
  AqmpTestQemu *qemu = aqmp_test_qemu_new_two_monitors (&dir, &second_address);
  g_autoptr(AqmpTestPty) pty = NULL;
  g_autoptr(AqmpClient) second = NULL;
  g_autoptr(JsonObject) resume = aqmp_test_object_from_json ("{\"id\": \"a\"}");
  g_autoptr(JsonNode) resumed = NULL;
  g_autoptr(GError) error = NULL;
  gsize at;
  gsize a_held;
  gsize b_held;

  add_two_held_targets (f, qemu->address);
  pty = aqmp_test_pty_spawn (NULL, "shell", "--db", f->db, qemu->address, NULL);
  at = aqmp_test_output_wait_for (&pty->out, "(QEMU) ", 0);

  /* help is the shell's, not QEMU's */
  aqmp_test_pty_write (pty, "help\r");
  at = aqmp_test_output_wait_for (&pty->out, "/start COMMAND", at);
  at = aqmp_test_output_wait_for (&pty->out, "(QEMU) ", at);

  /* two jobs, the prompt back after each at once */
  aqmp_test_pty_write (pty, "/start blockdev-backup job-id=a device=data target=held1 sync=full on-target-error=enospc\r");
  at = aqmp_test_output_wait_for (&pty->out, "on-target-error=enospc\n", at);
  at = aqmp_test_output_wait_for (&pty->out, "(QEMU) ", at);
  a_held = wait_job_line (pty, "[job] ", "a", "paused", at);
  aqmp_test_pty_write (pty, "/start blockdev-backup job-id=b device=data target=held2 sync=full on-target-error=enospc\r");
  at = aqmp_test_output_wait_for (&pty->out, "on-target-error=enospc\n", a_held);
  at = aqmp_test_output_wait_for (&pty->out, "(QEMU) ", at);
  b_held = wait_job_line (pty, "[job] ", "b", "paused", at);

  /* both listed, both held */
  aqmp_test_pty_write (pty, "/jobs\r");
  at = aqmp_test_output_wait_for (&pty->out, "/jobs\n", b_held);
  wait_job_line (pty, "", "a", "paused", at);
  wait_job_line (pty, "", "b", "paused", at);
  at = aqmp_test_output_wait_for (&pty->out, "(QEMU) ", at);

  /* a half-typed line; a is let go from the other monitor and ends above it */
  aqmp_test_pty_write (pty, "query-st");
  at = aqmp_test_output_wait_for (&pty->out, "query-st", at);
  second = aqmp_test_connect (second_address);
  resumed = aqmp_client_execute_sync (second, "job-resume", resume, NULL, &error);
  g_assert_no_error (error);
  at = aqmp_test_output_wait_for (&pty->out, "[job] a ended: success", at);
  at = aqmp_test_output_wait_for (&pty->out, "(QEMU) query-st", at);
  aqmp_test_pty_write (pty, "atus\r");
  at = aqmp_test_output_wait_for (&pty->out, "\"status\"", at);
  at = aqmp_test_output_wait_for (&pty->out, "(QEMU) ", at);

  /* Tab completes the one job left to act on */
  aqmp_test_pty_write (pty, "/cancel \t");
  at = aqmp_test_output_wait_for (&pty->out, "/cancel b", at);
  aqmp_test_pty_write (pty, "\r");
  at = aqmp_test_output_wait_for (&pty->out, "[job] b ended: cancelled", at);

  aqmp_test_pty_write (pty, "\004");
  aqmp_test_pty_wait_exit (pty, 0);
  g_clear_object (&second);
  aqmp_test_qemu_free (qemu);
  aqmp_test_remove_dir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/aqmp/cli/ux/bar/40-columns", Fixture, GUINT_TO_POINTER (40), fixture_setup, test_bar_fits,
              fixture_teardown);
  g_test_add ("/aqmp/cli/ux/bar/80-columns", Fixture, GUINT_TO_POINTER (80), fixture_setup, test_bar_fits,
              fixture_teardown);
  g_test_add ("/aqmp/cli/ux/bar/200-columns", Fixture, GUINT_TO_POINTER (200), fixture_setup, test_bar_fits,
              fixture_teardown);
  g_test_add ("/aqmp/cli/ux/bar/resized", Fixture, NULL, fixture_setup, test_bar_resized, fixture_teardown);
  g_test_add ("/aqmp/cli/ux/wait/busy-monitor", Fixture, NULL, fixture_setup, test_busy_monitor_named,
              fixture_teardown);
  g_test_add ("/aqmp/cli/ux/wait/busy-monitor-shell", Fixture, NULL, fixture_setup, test_busy_monitor_shell,
              fixture_teardown);
  g_test_add_func ("/aqmp/cli/ux/wait/quick-command", test_quick_command_bounded);
  g_test_add_func ("/aqmp/cli/ux/wait/shell-schema", test_shell_schema_bounded);
  g_test_add ("/aqmp/cli/ux/hints", Fixture, NULL, fixture_setup, test_hints, fixture_teardown);
  g_test_add ("/aqmp/cli/ux/relative-socket", Fixture, NULL, fixture_setup, test_relative_socket,
              fixture_teardown);
  g_test_add ("/aqmp/cli/ux/exec-hmp", Fixture, NULL, fixture_setup, test_exec_hmp, fixture_teardown);
  g_test_add_func ("/aqmp/cli/ux/ga-no-reply", test_ga_no_reply);
  g_test_add ("/aqmp/cli/ux/detach-and-speed-units", Fixture, NULL, fixture_setup, test_detach_and_speed_units,
              fixture_teardown);
  g_test_add_func ("/aqmp/cli/ux/plugins-output", test_plugins_output);
  g_test_add ("/aqmp/cli/ux/german", Fixture, NULL, fixture_setup, test_german, fixture_teardown);
  g_test_add_func ("/aqmp/cli/ux/man-pages", test_man_pages);
  g_test_add ("/aqmp/cli/ux/completion", Fixture, NULL, fixture_setup, test_completion, fixture_teardown);
  g_test_add ("/aqmp/cli/ux/shell-jobs", Fixture, NULL, fixture_setup, test_shell_jobs, fixture_teardown);
  return g_test_run ();
}
