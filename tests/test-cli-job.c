/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The aqmp tool's job command against a real QEMU 7.2 (`-machine none`,
 * null-co and blkdebug nodes): JSON lines on a pipe, the job store read
 * without a connection, a failing job, Ctrl-C on a pseudo-terminal with and
 * without, --detach returning once the job started, re-attaching with watch, and its exit codes. Every run
 * uses a job store in the test's temporary directory.
 */
#include <signal.h>
#include <string.h>

#include <sqlite3.h>

#include "aqmp-test-cli.h"
#include "aqmp-test-hold.h"

#define MIB (1024 * 1024)

typedef struct {
  AqmpTestQemu *qemu;
  gchar *dir;             /* the second monitor's socket, the job store */
  gchar *second;          /* its unix: address, for the test's own checks */
  gchar *db;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->qemu = aqmp_test_qemu_new_two_monitors (&f->dir, &f->second);
  f->db = g_build_filename (f->dir, "jobs.db", NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->qemu, aqmp_test_qemu_free);
  aqmp_test_remove_dir (f->dir);
  g_free (f->dir);
  g_free (f->second);
  g_free (f->db);
}

/* `aqmp exec` on the first monitor, which must succeed */
static void
exec_ok (Fixture *f, const gchar *command, const gchar *arg1, const gchar *arg2, const gchar *arg3)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "exec", f->qemu->address, command,
                                       arg1, arg2, arg3, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "{}\n");
}

static void
add_null_node (Fixture *f, const gchar *name, gint64 size)
{
  g_autofree gchar *node_name = g_strdup_printf ("node-name=%s", name);
  g_autofree gchar *size_arg = g_strdup_printf ("size=%" G_GINT64_FORMAT, size);

  exec_ok (f, "blockdev-add", "driver=null-co", node_name, size_arg);
}

/* the job store as `aqmp job show --json` has it; QEMU is not needed */
static JsonObject *
show_json (Fixture *f, const gchar *id)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "show", id, "--json",
                                       "--db", f->db, NULL), ==, 0);
  g_assert_cmpstr (err, ==, "");
  g_assert_cmpuint (aqmp_test_count_lines (out), ==, 1);
  return aqmp_test_object_from_json (out);
}

/* QEMU's own view of its jobs, through the second monitor */
static JsonObject *
query_job (AqmpClient *client, const gchar *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_sync (client, "query-jobs", NULL, NULL, &error);
  JsonArray *jobs;

  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (value));
  jobs = json_node_get_array (value);
  for (guint i = 0; i < json_array_get_length (jobs); i++)
    {
      JsonObject *job = json_array_get_object_element (jobs, i);
      if (g_strcmp0 (json_object_get_string_member (job, "id"), id) == 0)
        return json_object_ref (job);
    }
  return NULL;
}


/*
 * A backup of 1 GiB on a terminal that stays running: with sync "none"
 * it runs until cancelled; with "full" it is held until the test releases
 * tgt through @second (aqmp-test-hold.h). Returns past its progress bar.
 */
static gsize
pty_start_running_backup (Fixture *f, AqmpClient *second, const gchar *sync, AqmpTestPty **pty, gboolean detach)
{
  g_autofree gchar *sync_arg = g_strdup_printf ("sync=%s", sync);
  gsize at;

  add_null_node (f, "src", 1024 * (gint64) MIB);
  if (g_strcmp0 (sync, "none") == 0)
    add_null_node (f, "tgt", 1024 * (gint64) MIB);
  else
    aqmp_test_hold_add (second, "tgt", 1024 * (gint64) MIB);
  *pty = aqmp_test_pty_spawn (NULL, "job", "start", "--db", f->db, f->qemu->address, "blockdev-backup", "job-id=j1",
                              "device=src", "target=tgt", sync_arg, detach ? "--detach" : NULL, NULL);
  if (detach)
    {
      /* --detach returns as soon as the job has started */
      at = aqmp_test_output_wait_for (&(*pty)->out, "started blockdev-backup job j1; 'aqmp job watch' follows it\n", 0);
      aqmp_test_pty_wait_exit (*pty, 0);
      g_assert_cmpint (aqmp_test_output_find (&(*pty)->out, "j1 [", 0), <, 0);
      return at;
    }
  at = aqmp_test_output_wait_for (&(*pty)->out, "started blockdev-backup job j1\n", 0);
  at = aqmp_test_output_wait_for (&(*pty)->out, "j1 [", at);
  return aqmp_test_output_wait_for (&(*pty)->out, "ETA ", at);
}

/* ----- start on a pipe: JSON lines ----- */

/* a whole line printed with a fraction strictly between 0 and 1 */
static gboolean
printed_partial (gpointer user_data)
{
  AqmpTestOutput *out = user_data;
  g_auto(GStrv) lines = g_strsplit (out->text->str, "\n", -1);

  /* the last piece is not a whole line yet */
  for (guint i = 0; lines[i] != NULL && lines[i + 1] != NULL; i++)
    {
      g_autoptr(JsonNode) node = json_from_string (lines[i], NULL);
      JsonObject *obj = node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      gdouble fraction;

      if (obj == NULL || !json_object_has_member (obj, "fraction"))
        continue;
      fraction = json_object_get_double_member (obj, "fraction");
      if (fraction > 0 && fraction < 1)
        return TRUE;
    }
  return FALSE;
}

static void
test_start_json_lines (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpClient) second = aqmp_test_connect (f->second);
  g_autoptr(AqmpTestTool) tool = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(JsonObject) last = NULL;
  gdouble previous = -1;
  guint n_fractions = 0;
  guint n_partial = 0;
  guint n;

  /* held, polled every 0.1 s, until a line in the middle: then released */
  add_null_node (f, "src", 1024 * MIB);
  aqmp_test_hold_add (second, "tgt", 1024 * MIB);
  tool = aqmp_test_tool_spawn (NULL, NULL, "job", "start", "--db", f->db, "--interval", "0.1", f->qemu->address,
                               "blockdev-backup", "job-id=j1", "device=src", "target=tgt", "sync=full", NULL);
  if (!aqmp_test_wait_until (printed_partial, &tool->out, AQMP_TEST_WAIT_MS))
    g_error ("no progress in the middle; aqmp printed:\n%s\n%s", tool->out.text->str, tool->err.text->str);
  aqmp_test_hold_release (second, "tgt", NULL);
  g_assert_cmpint (aqmp_test_tool_wait (tool), ==, 0);
  out = g_strdup (tool->out.text->str);
  err = g_strdup (tool->err.text->str);
  g_test_message ("aqmp printed:\n%s\n%s", out, err);
  g_assert_cmpstr (err, ==, "");

  lines = g_strsplit (out, "\n", -1);
  n = g_strv_length (lines);
  /* JSON lines, each one object, the last one followed by a newline */
  g_assert_cmpuint (n, >=, 3);
  g_assert_cmpstr (lines[n - 1], ==, "");
  for (guint i = 0; i + 2 < n; i++)
    {
      g_autoptr(JsonObject) obj = aqmp_test_object_from_json (lines[i]);

      g_assert_cmpstr (json_object_get_string_member (obj, "job"), ==, "j1");
      g_assert_true (json_object_has_member (obj, "status"));
      g_assert_false (json_object_has_member (obj, "result"));
      if (json_object_has_member (obj, "fraction"))
        {
          gdouble fraction = json_object_get_double_member (obj, "fraction");

          g_assert_cmpfloat (fraction, >=, previous);
          g_assert_cmpfloat (fraction, <=, 1.0);
          if (fraction > 0 && fraction < 1)
            n_partial++;
          previous = fraction;
          n_fractions++;
        }
    }
  /* it rose through the middle, to the end */
  g_assert_cmpuint (n_fractions, >=, 2);
  g_assert_cmpuint (n_partial, >=, 1);
  g_assert_cmpfloat (previous, ==, 1.0);

  last = aqmp_test_object_from_json (lines[n - 2]);
  g_assert_cmpstr (json_object_get_string_member (last, "job"), ==, "j1");
  g_assert_cmpstr (json_object_get_string_member (last, "result"), ==, "success");
  g_assert_false (json_object_has_member (last, "error"));
}

/* ----- list and show, from the store alone ----- */

static void
test_list_show (Fixture *f, gconstpointer data)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autoptr(JsonObject) record = NULL;
  g_autoptr(JsonObject) listed = NULL;
  JsonArray *transitions;
  const gchar *last_status;

  add_null_node (f, "src", 4 * MIB);
  add_null_node (f, "tgt", 4 * MIB);
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "start", "--db", f->db,
                                       f->qemu->address, "blockdev-backup", "job-id=j1",
                                       "device=src", "target=tgt", "sync=full", NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* no connection from here on: QEMU is gone */
  aqmp_test_qemu_kill (f->qemu);

  /* the active jobs: none */
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "list", "--db", f->db, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "no active jobs"));
  g_assert_cmpstr (err, ==, "");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* the history: a header and the job */
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "list", "--all", "--db", f->db, NULL), ==, 0);
  g_assert_cmpstr (err, ==, "");
  g_assert_cmpuint (aqmp_test_count_lines (out), ==, 2);
  g_assert_true (g_str_has_prefix (out, "ROW "));
  {
    g_auto(GStrv) lines = g_strsplit (out, "\n", -1);
    g_auto(GStrv) words = g_strsplit_set (lines[1], " ", -1);
    g_autoptr(GPtrArray) fields = g_ptr_array_new ();

    for (guint i = 0; words[i] != NULL; i++)
      if (*words[i] != '\0')
        g_ptr_array_add (fields, words[i]);
    /* ROW JOB COMMAND TYPE STATUS RESULT DONE STARTED(2) MACHINE */
    g_assert_cmpuint (fields->len, ==, 10);
    g_assert_cmpstr (g_ptr_array_index (fields, 0), ==, "1");
    g_assert_cmpstr (g_ptr_array_index (fields, 1), ==, "j1");
    g_assert_cmpstr (g_ptr_array_index (fields, 2), ==, "blockdev-backup");
    g_assert_cmpstr (g_ptr_array_index (fields, 3), ==, "backup");
    g_assert_cmpstr (g_ptr_array_index (fields, 5), ==, "success");
    g_assert_cmpstr (g_ptr_array_index (fields, 6), ==, "100%");
    g_assert_cmpstr (g_ptr_array_index (fields, 9), ==, f->qemu->address);
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* the same as JSON lines */
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "list", "--all", "--json",
                                       "--db", f->db, NULL), ==, 0);
  g_assert_cmpuint (aqmp_test_count_lines (out), ==, 1);
  listed = aqmp_test_object_from_json (out);
  g_assert_cmpstr (json_object_get_string_member (listed, "job-id"), ==, "j1");
  g_assert_cmpstr (json_object_get_string_member (listed, "result"), ==, "success");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* show, by job-id and by row */
  for (guint i = 0; i < 2; i++)
    {
      g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "show", i == 0 ? "j1" : "1",
                                           "--db", f->db, NULL), ==, 0);
      g_assert_cmpstr (err, ==, "");
      g_assert_nonnull (strstr (out, "Job:       j1\n"));
      g_assert_nonnull (strstr (out, "Type:      backup\n"));
      g_assert_nonnull (strstr (out, "Result:    success\n"));
      g_assert_nonnull (strstr (out, "Progress:  100% (4194304 of 4194304)\n"));
      g_assert_null (strstr (out, "Error:"));
      g_assert_nonnull (strstr (out, "  running\n"));
      g_clear_pointer (&out, g_free);
      g_clear_pointer (&err, g_free);
    }

  record = show_json (f, "j1");
  g_assert_cmpint (json_object_get_int_member (record, "id"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (record, "machine"), ==, f->qemu->address);
  g_assert_cmpstr (json_object_get_string_member (record, "command"), ==, "blockdev-backup");
  g_assert_cmpstr (json_object_get_string_member (record, "result"), ==, "success");
  g_assert_true (json_object_get_null_member (record, "error"));
  g_assert_false (json_object_get_null_member (record, "finished"));
  g_assert_cmpint (json_object_get_int_member (record, "current-progress"), ==, 4 * MIB);
  g_assert_cmpint (json_object_get_int_member (record, "total-progress"), ==, 4 * MIB);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (record, "arguments"), "device"),
                   ==, "src");
  transitions = json_object_get_array_member (record, "transitions");
  g_assert_cmpuint (json_array_get_length (transitions), >=, 3);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (transitions, 0), "status"),
                   ==, "created");
  last_status = json_object_get_string_member (json_array_get_object_element (transitions,
                                                                              json_array_get_length (transitions) - 1),
                                               "status");
  g_assert_true (g_strcmp0 (last_status, "concluded") == 0 || g_strcmp0 (last_status, "null") == 0);
}

/* ----- a job that fails: blkdebug's injected I/O error ----- */

static void
test_failed (Fixture *f, gconstpointer data)
{
  g_autofree gchar *image = g_build_filename (f->dir, "data.raw", NULL);
  g_autofree gchar *source = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *bytes = g_malloc (MIB);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) record = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(JsonObject) last = NULL;
  guint n;

  /* real data: from a null-co source backup would skip the reads */
  for (gsize i = 0; i < MIB; i++)
    bytes[i] = (gchar) (i * 31 + 7);
  g_file_set_contents (image, bytes, MIB, &error);
  g_assert_no_error (error);
  source = g_strdup_printf ("{\"driver\": \"raw\", \"node-name\": \"src\", "
                            "\"file\": {\"driver\": \"file\", \"filename\": \"%s\"}}", image);
  exec_ok (f, "blockdev-add", source, NULL, NULL);
  exec_ok (f, "blockdev-add", "{\"driver\": \"blkdebug\", \"node-name\": \"bad\", "
                              "\"image\": {\"driver\": \"null-co\", \"size\": 1048576}, "
                              "\"inject-error\": [{\"event\": \"none\", \"errno\": 5}]}", NULL, NULL);

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "start", "--db", f->db,
                                       f->qemu->address, "blockdev-backup", "job-id=j1",
                                       "device=src", "target=bad", "sync=full", NULL), ==, 1);
  /* one clear line, with QEMU's words */
  aqmp_test_assert_one_error_line (err);
  g_assert_nonnull (strstr (err, "j1"));
  g_assert_nonnull (strstr (err, "Input/output error"));

  /* the last JSON line says so too */
  lines = g_strsplit (out, "\n", -1);
  n = g_strv_length (lines);
  g_assert_cmpuint (n, >=, 2);
  last = aqmp_test_object_from_json (lines[n - 2]);
  g_assert_cmpstr (json_object_get_string_member (last, "result"), ==, "failed");
  g_assert_nonnull (strstr (json_object_get_string_member (last, "error"), "Input/output error"));

  record = show_json (f, "j1");
  g_assert_cmpstr (json_object_get_string_member (record, "result"), ==, "failed");
  g_assert_nonnull (strstr (json_object_get_string_member (record, "error"), "Input/output error"));
  g_assert_false (json_object_get_null_member (record, "finished"));
}

/* ----- Ctrl-C on a terminal ----- */

static void
test_ctrl_c_cancels (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpTestPty) pty = NULL;
  g_autoptr(AqmpClient) second = aqmp_test_connect (f->second);
  g_autoptr(JsonObject) running = NULL;
  g_autoptr(JsonObject) after = NULL;
  g_autoptr(JsonObject) record = NULL;
  gsize at = pty_start_running_backup (f, second, "none", &pty, FALSE);

  running = query_job (second, "j1");
  g_assert_nonnull (running);
  g_assert_cmpstr (json_object_get_string_member (running, "status"), ==, "running");

  /* the terminal sends SIGINT to the tool */
  aqmp_test_pty_write (pty, "\003");
  at = aqmp_test_output_wait_for (&pty->out, "cancelling", at);
  at = aqmp_test_output_wait_for (&pty->out, "cancelled", at);
  aqmp_test_pty_wait_exit (pty, 1);

  /* gone from QEMU: cancelled, concluded and dismissed */
  after = query_job (second, "j1");
  if (after != NULL)
    g_assert_cmpstr (json_object_get_string_member (after, "status"), ==, "concluded");

  record = show_json (f, "j1");
  g_assert_cmpstr (json_object_get_string_member (record, "result"), ==, "cancelled");
  g_assert_cmpint (json_object_get_int_member (record, "current-progress"), <,
                   json_object_get_int_member (record, "total-progress"));
}

static void
test_detach (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpTestPty) pty = NULL;
  g_autoptr(AqmpClient) second = aqmp_test_connect (f->second);
  g_autoptr(AqmpTestTool) watch = NULL;
  g_autoptr(JsonObject) running = NULL;
  g_autoptr(JsonObject) record = NULL;
  g_autoptr(JsonObject) last = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_auto(GStrv) lines = NULL;
  guint n;

  /* it returns at once, the job held and running */
  pty_start_running_backup (f, second, "full", &pty, TRUE);

  /* still running in QEMU, and active in the store */
  running = query_job (second, "j1");
  g_assert_nonnull (running);
  g_assert_cmpstr (json_object_get_string_member (running, "status"), ==, "running");
  g_assert_cmpint (json_object_get_int_member (running, "current-progress"), <,
                   json_object_get_int_member (running, "total-progress"));
  record = show_json (f, "j1");
  g_assert_true (json_object_get_null_member (record, "result"));
  g_clear_pointer (&record, json_object_unref);
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "list", "--db", f->db, NULL), ==, 0);
  g_assert_nonnull (strstr (out, " j1 "));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* watch takes it up again on the first monitor ... */
  watch = aqmp_test_tool_spawn (NULL, NULL, "job", "watch", "--db", f->db, "--interval", "0.1",
                                f->qemu->address, "j1", NULL);
  aqmp_test_output_wait_for (&watch->out, "{\"job\":\"j1\",\"status\":\"running\"", 0);

  /* ... and once it follows, its speed is set from the second one,
   * which our own client leaves to the tool for that ... */
  g_clear_object (&second);
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "set-speed", f->second, "j1", "0", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "");
  g_assert_cmpstr (err, ==, "");

  /* ... and the test lets it run to its end */
  second = aqmp_test_connect (f->second);
  aqmp_test_hold_release (second, "tgt", NULL);

  g_assert_cmpint (aqmp_test_tool_wait (watch), ==, 0);
  g_test_message ("watch printed:\n%s\n%s", watch->out.text->str, watch->err.text->str);
  g_assert_cmpstr (watch->err.text->str, ==, "");
  lines = g_strsplit (watch->out.text->str, "\n", -1);
  n = g_strv_length (lines);
  g_assert_cmpuint (n, >=, 2);
  last = aqmp_test_object_from_json (lines[n - 2]);
  g_assert_cmpstr (json_object_get_string_member (last, "job"), ==, "j1");
  g_assert_cmpstr (json_object_get_string_member (last, "result"), ==, "success");

  record = show_json (f, "j1");
  g_assert_cmpstr (json_object_get_string_member (record, "result"), ==, "success");
  g_assert_cmpint (json_object_get_int_member (record, "current-progress"), ==, 1024 * (gint64) MIB);
  g_clear_pointer (&running, json_object_unref);
  running = query_job (second, "j1");
  g_assert_null (running);
}

/* ----- QEMU's refusals and usage errors ----- */

static void
test_refused (Fixture *f, gconstpointer data)
{
  const gchar *verbs[] = { "cancel", "pause", "resume", "complete", "finalize", "dismiss" };

  for (guint i = 0; i < G_N_ELEMENTS (verbs); i++)
    {
      g_autofree gchar *out = NULL;
      g_autofree gchar *err = NULL;
      g_autofree gchar *expected = g_strdup_printf ("aqmp: %s: GenericError: Job not found\n", verbs[i]);

      g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", verbs[i], "--db", f->db,
                                           f->qemu->address, "unknown-id", NULL), ==, 1);
      g_assert_cmpstr (out, ==, "");
      g_assert_cmpstr (err, ==, expected);
    }
  {
    g_autofree gchar *out = NULL;
    g_autofree gchar *err = NULL;

    g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "set-speed", f->qemu->address,
                                         "unknown-id", "1000", NULL), ==, 1);
    g_assert_cmpstr (out, ==, "");
    aqmp_test_assert_one_error_line (err);
    g_assert_true (g_str_has_prefix (err, "aqmp: set-speed: "));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);

    /* a command QEMU refuses to start with */
    g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "start", "--db", f->db,
                                         f->qemu->address, "blockdev-backup", "device=nosuchnode",
                                         "target=tgt", "sync=full", NULL), ==, 1);
    g_assert_cmpstr (out, ==, "");
    aqmp_test_assert_one_error_line (err);
    g_assert_true (g_str_has_prefix (err, "aqmp: blockdev-backup: "));
    g_assert_nonnull (strstr (err, "nosuchnode"));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);

    /* watching a job neither QEMU nor the store knows */
    g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "watch", "--db", f->db,
                                         f->qemu->address, "unknown-id", NULL), ==, 2);
    g_assert_cmpstr (out, ==, "");
    aqmp_test_assert_one_error_line (err);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);

    /* a speed that is no number */
    g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "set-speed", f->qemu->address,
                                         "j1", "fast", NULL), ==, 2);
    g_assert_cmpstr (out, ==, "");
    aqmp_test_assert_one_error_line (err);
    g_assert_nonnull (strstr (err, "fast"));
  }
}

static void
test_usage_errors (void)
{
  g_autofree gchar *dir = aqmp_test_make_dir ();
  g_autofree gchar *db = g_build_filename (dir, "jobs.db", NULL);
  g_autofree gchar *missing = g_build_filename (dir, "missing.sock", NULL);
  const gchar *cases[][5] = {
    { "start", NULL },
    { "start", missing, NULL },
    { "start", "--no-such-option", missing, "blockdev-backup", NULL },
    { "start", missing, "blockdev-backup", "novalue", NULL },
    { "start", missing, "blockdev-backup", "device=src", NULL },      /* cannot connect */
    { "watch", NULL },
    { "watch", missing, "j1", "extra", NULL },
    { "watch", missing, NULL },                                        /* cannot connect */
    { "cancel", missing, NULL },
    { "pause", NULL },
    { "set-speed", missing, "j1", NULL },
    { "list", "extra", NULL },
    { "show", NULL },
    { "show", "nosuchjob", NULL },                                     /* not in the store */
    { "show", "--interval", "notanumber", "j1", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *out = NULL;
      g_autofree gchar *err = NULL;

      g_test_message ("case %u: job %s", i, cases[i][0]);
      g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", cases[i][0], "--db", db,
                                           cases[i][1], cases[i][2], cases[i][3], cases[i][4], NULL), ==, 2);
      g_assert_cmpstr (out, ==, "");
      aqmp_test_assert_one_error_line (err);
    }
  {
    g_autofree gchar *out = NULL;
    g_autofree gchar *err = NULL;

    /* an unknown subcommand: the error, then the usage */
    g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "frobnicate", "--db", db, NULL), ==, 2);
    g_assert_cmpstr (out, ==, "");
    g_assert_true (g_str_has_prefix (err, "aqmp: unknown job command 'frobnicate'\n"));
    g_assert_nonnull (strstr (err, "Usage:"));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);

    /* no subcommand: the usage, on stderr */
    g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", NULL), ==, 2);
    g_assert_cmpstr (out, ==, "");
    g_assert_nonnull (strstr (err, "aqmp job start ADDRESS COMMAND"));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);

    g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "--help", NULL), ==, 0);
    g_assert_nonnull (strstr (err, "--db PATH"));
  }
  aqmp_test_remove_dir (dir);
}


/* ----- each subcommand's options ----- */

/* `aqmp job SUB --help`: its usage line, the options every aqmp command
 * takes, --db and its own, and no other subcommand's */
static void
assert_help (const gchar *verb, const gchar *own, const gchar *foreign)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *usage = g_strdup_printf ("aqmp job %s [OPTION", verb);
  const gchar *common[] = { "--timeout", "--json", "--debug", "--tls", "--tls-ca", "--tls-cert", "--tls-key", "--db" };

  g_test_message ("job %s --help", verb);
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", verb, "--help", NULL), ==, 0);
  g_assert_cmpstr (err, ==, "");
  g_assert_nonnull (strstr (out, usage));
  for (guint i = 0; i < G_N_ELEMENTS (common); i++)
    g_assert_nonnull (strstr (out, common[i]));
  if (own != NULL)
    g_assert_nonnull (strstr (out, own));
  if (foreign != NULL)
    g_assert_null (strstr (out, foreign));
}

static void
test_options (void)
{
  g_autofree gchar *dir = aqmp_test_make_dir ();
  g_autofree gchar *db = g_build_filename (dir, "jobs.db", NULL);
  g_autofree gchar *silent = g_build_filename (dir, "silent.sock", NULL);
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (silent);
  g_autoptr(GError) error = NULL;

  assert_help ("start", "--detach", "--limit");
  assert_help ("watch", "--interval", "--detach");
  assert_help ("cancel", NULL, "--interval");
  assert_help ("set-speed", NULL, "--all");
  assert_help ("list", "--offset", "--detach");
  assert_help ("show", "--machine", "--all");
  assert_help ("demo", "--speed", "--machine");

  /* options are the subcommand's own: one that is not is refused */
  {
    g_autofree gchar *out = NULL;
    g_autofree gchar *err = NULL;

    g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "list", "--detach", "--db", db, NULL), ==, 2);
    g_assert_cmpstr (out, ==, "");
    aqmp_test_assert_one_error_line (err);
    g_assert_nonnull (strstr (err, "--detach"));
  }
  /* the shared TLS options are checked before anything happens */
  {
    g_autofree gchar *out = NULL;
    g_autofree gchar *err = NULL;
    g_autofree gchar *cert = g_build_filename (dir, "no-such-cert.pem", NULL);

    g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "start", "--tls-cert", cert, "--db", db,
                                         "tcp:127.0.0.1:1", "blockdev-backup", NULL), ==, 2);
    g_assert_cmpstr (out, ==, "");
    aqmp_test_assert_one_error_line (err);
    g_assert_nonnull (strstr (err, "no-such-cert.pem"));
  }
  /* --timeout bounds the connection: a peer that listens and never greets */
  g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, NULL, NULL,
                                 &error);
  g_assert_no_error (error);
  {
    g_autofree gchar *out = NULL;
    g_autofree gchar *err = NULL;

    g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "watch", "--timeout", "0.2", "--db", db,
                                         silent, NULL), ==, 2);
    g_assert_cmpstr (out, ==, "");
    aqmp_test_assert_one_error_line (err);
    g_assert_nonnull (strstr (err, "timed out"));
  }
  g_socket_listener_close (listener);
  aqmp_test_remove_dir (dir);
}

/* -v is the shared --debug: the wire trace on stderr, bare */
static void
test_debug_trace (Fixture *f, gconstpointer data)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "pause", "-v", "--db", f->db,
                                       f->qemu->address, "unknown-id", NULL), ==, 1);
  g_assert_cmpstr (out, ==, "");
  g_test_message ("%s", err);
  g_assert_nonnull (strstr (err, "\n--> {\"execute\":\"job-pause\""));
  g_assert_nonnull (strstr (err, "\naqmp: pause: GenericError: Job not found\n"));
}

/* ----- the history, a page at a time ----- */

/* the version 2 fixture's five rows; no QEMU needed */
static gchar *
fixture_db (const gchar *dir)
{
  gchar *path = g_build_filename (dir, "jobs.db", NULL);
  g_autofree gchar *sql = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3 *db = NULL;

  g_assert_true (g_file_get_contents (AQMP_TEST_FIXTURES "/jobs-v2.sql", &sql, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  return path;
}

/* the ROW column of `aqmp job list`, as "3,4" */
static gchar *
listed_rows (const gchar *out)
{
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);
  g_autoptr(GString) rows = g_string_new (NULL);

  g_assert_true (g_str_has_prefix (lines[0], "ROW "));
  for (guint i = 1; lines[i] != NULL && lines[i][0] != '\0'; i++)
    g_string_append_printf (rows, "%s%" G_GINT64_FORMAT, rows->len > 0 ? "," : "",
                            g_ascii_strtoll (lines[i], NULL, 10));
  return g_string_free (g_steal_pointer (&rows), FALSE);
}

/* --limit N shows the N newest, --offset M skips the M newest first; a
 * page is listed oldest first, as the whole list is */
static void
test_list_paged (void)
{
  g_autofree gchar *dir = aqmp_test_make_dir ();
  g_autofree gchar *db = fixture_db (dir);
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *rows = NULL;
  g_autofree gchar *past = NULL;
  g_auto(GStrv) lines = NULL;

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "list", "--all", "--db", db, NULL), ==, 0);
  rows = listed_rows (out);
  g_assert_cmpstr (rows, ==, "1,2,3,4,5");
  g_clear_pointer (&rows, g_free);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "list", "--all", "--limit", "2",
                                       "--db", db, NULL), ==, 0);
  rows = listed_rows (out);
  g_assert_cmpstr (rows, ==, "4,5");
  g_clear_pointer (&rows, g_free);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "list", "--all", "-n", "2", "--offset", "2",
                                       "--db", db, NULL), ==, 0);
  rows = listed_rows (out);
  g_assert_cmpstr (rows, ==, "2,3");
  g_clear_pointer (&rows, g_free);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* JSON lines too, and the active-only filter before the page */
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "list", "--json", "--limit", "1",
                                       "--db", db, NULL), ==, 0);
  lines = g_strsplit (out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  g_assert_true (g_str_has_prefix (lines[0], "{\"id\":3,\"machine\":"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* past the end */
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "list", "--all", "--offset", "9",
                                       "--db", db, NULL), ==, 0);
  past = g_strdup_printf ("no jobs past the 9 newest in %s\n", db);
  g_assert_cmpstr (out, ==, past);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "list", "--limit", "-1",
                                       "--db", db, NULL), ==, 2);
  g_assert_cmpstr (out, ==, "");
  aqmp_test_assert_one_error_line (err);
  aqmp_test_remove_dir (dir);
}

/* ----- jobs that end unwatched, transactions, commands that start none ----- */

/*
 * "data", a raw file of real data, and "held", a blkdebug target whose
 * first write fails with ENOSPC: a backup with on-target-error=enospc
 * stops there, held on purpose, until job-resume.
 */
static void
add_held_nodes (Fixture *f)
{
  g_autofree gchar *image = g_build_filename (f->dir, "held.raw", NULL);
  g_autofree gchar *content = g_malloc (MIB);
  g_autofree gchar *source = NULL;
  g_autoptr(GError) error = NULL;

  memset (content, 0x5a, MIB);
  g_file_set_contents (image, content, MIB, &error);
  g_assert_no_error (error);
  source = g_strdup_printf ("{\"driver\": \"raw\", \"node-name\": \"data\", "
                            "\"file\": {\"driver\": \"file\", \"filename\": \"%s\"}}", image);
  exec_ok (f, "blockdev-add", source, NULL, NULL);
  exec_ok (f, "blockdev-add", "{\"driver\": \"blkdebug\", \"node-name\": \"held\", "
                              "\"image\": {\"driver\": \"null-co\", \"size\": 1048576}, "
                              "\"inject-error\": [{\"event\": \"none\", \"errno\": 28, \"once\": true, "
                              "\"iotype\": \"write\"}]}", NULL, NULL);
}

static AqmpEventWaiter *
event_waiter (AqmpClient *client, const gchar *name, const gchar *match)
{
  g_autoptr(JsonObject) data = aqmp_test_object_from_json (match);

  return aqmp_event_waiter_new (client, name, data);
}

static void
wait_event (AqmpEventWaiter *waiter)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpEvent) event = aqmp_event_waiter_wait_sync (waiter, AQMP_TEST_WAIT_MS, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (event);
}

static void
qmp (AqmpClient *client, const gchar *command, const gchar *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) args = aqmp_test_object_from_json (json);
  g_autoptr(JsonNode) value = aqmp_client_execute_sync (client, command, args, NULL, &error);

  g_assert_no_error (error);
}

/* the last JSON line the tool printed */
static JsonObject *
last_line (const gchar *out)
{
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);
  guint n = g_strv_length (lines);

  g_assert_cmpuint (n, >=, 2);
  return aqmp_test_object_from_json (lines[n - 2]);
}

/*
 * `job start --detach`, which returns at once while the job is held, the job released
 * and ending with no aqmp watching: `job watch` then finds it, with its
 * real outcome, and it is recorded as such, not as lost.
 */
static void
test_detach_ends_unwatched (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpClient) second = aqmp_test_connect (f->second);
  g_autoptr(AqmpEventWaiter) held = event_waiter (second, "BLOCK_JOB_ERROR", "{\"device\": \"j1\", \"action\": \"stop\"}");
  g_autoptr(AqmpEventWaiter) concluded = event_waiter (second, "JOB_STATUS_CHANGE",
                                                       "{\"id\": \"j1\", \"status\": \"concluded\"}");
  g_autoptr(AqmpTestPty) pty = NULL;
  g_autoptr(JsonObject) record = NULL;
  g_autoptr(JsonObject) last = NULL;
  g_autoptr(JsonObject) gone = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  add_held_nodes (f);
  /* on a pipe, --detach prints the job's id and returns */
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "start", "--detach", "--db", f->db,
                                       f->qemu->address, "blockdev-backup", "job-id=j1", "device=data",
                                       "target=held", "sync=full", "on-target-error=enospc", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "j1\n");
  g_assert_cmpstr (err, ==, "");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  wait_event (held);

  /* released; it ends while nothing of aqmp watches */
  qmp (second, "job-resume", "{\"id\": \"j1\"}");
  wait_event (concluded);
  record = show_json (f, "j1");
  g_assert_true (json_object_get_null_member (record, "result"));
  g_clear_pointer (&record, json_object_unref);

  /* watch finds it ended, records how, and lets QEMU forget it */
  g_clear_object (&concluded);
  g_clear_object (&held);
  g_clear_object (&second);
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "watch", "--db", f->db,
                                       f->qemu->address, NULL), ==, 0);
  g_assert_cmpstr (err, ==, "");
  g_assert_null (strstr (out, "no jobs are running"));
  last = last_line (out);
  g_assert_cmpstr (json_object_get_string_member (last, "job"), ==, "j1");
  g_assert_cmpstr (json_object_get_string_member (last, "result"), ==, "success");
  record = show_json (f, "j1");
  g_assert_cmpstr (json_object_get_string_member (record, "result"), ==, "success");
  g_assert_cmpint (json_object_get_int_member (record, "current-progress"), ==, MIB);
  second = aqmp_test_connect (f->second);
  gone = query_job (second, "j1");
  g_assert_null (gone);
}

/* one start, two jobs: a transaction of two backups */
static void
test_transaction (Fixture *f, gconstpointer data)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_auto(GStrv) rows = NULL;
  guint results = 0;

  add_null_node (f, "src", 4 * MIB);
  add_null_node (f, "tgt1", 4 * MIB);
  add_null_node (f, "tgt2", 4 * MIB);
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "start", "--db", f->db, f->qemu->address,
                                       "transaction",
                                       "{\"actions\": ["
                                       "{\"type\": \"blockdev-backup\", \"data\": {\"job-id\": \"t1\","
                                       " \"device\": \"src\", \"target\": \"tgt1\", \"sync\": \"full\"}},"
                                       "{\"type\": \"blockdev-backup\", \"data\": {\"job-id\": \"t2\","
                                       " \"device\": \"src\", \"target\": \"tgt2\", \"sync\": \"full\"}}]}",
                                       NULL), ==, 0);
  g_assert_cmpstr (err, ==, "");
  g_assert_nonnull (strstr (out, "{\"job\":\"t1\",\"result\":\"success\"}"));
  g_assert_nonnull (strstr (out, "{\"job\":\"t2\",\"result\":\"success\"}"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "list", "--all", "--json", "--db", f->db, NULL), ==, 0);
  rows = g_strsplit (out, "\n", -1);
  for (guint i = 0; rows[i] != NULL && rows[i][0] != '\0'; i++)
    {
      g_autoptr(JsonObject) row = aqmp_test_object_from_json (rows[i]);
      g_assert_cmpstr (json_object_get_string_member (row, "command"), ==, "transaction");
      g_assert_cmpstr (json_object_get_string_member (row, "result"), ==, "success");
      results++;
    }
  g_assert_cmpuint (results, ==, 2);
}

/* a command that starts no job is refused, and leaves no row */
static void
test_not_a_job (Fixture *f, gconstpointer data)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "start", "--db", f->db, f->qemu->address,
                                       "query-status", NULL), ==, 2);
  g_assert_cmpstr (out, ==, "");
  aqmp_test_assert_one_error_line (err);
  g_assert_nonnull (strstr (err, "query-status does not start a job"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "list", "--all", "--db", f->db, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "no jobs recorded"));
}

/*
 * One QEMU is one machine: a job started on unix:PATH is found by PATH,
 * and watching it through the other monitor re-attaches its row instead
 * of adopting a second one. A job started outside aqmp shows so.
 */
static void
test_machine_spellings (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpClient) second = aqmp_test_connect (f->second);
  g_autoptr(AqmpEventWaiter) held = event_waiter (second, "BLOCK_JOB_ERROR", "{\"device\": \"j2\", \"action\": \"stop\"}");
  g_autoptr(AqmpTestTool) start = NULL;
  g_autoptr(AqmpTestTool) watch = NULL;
  g_autoptr(JsonObject) last = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  const gchar *path = f->qemu->socket_path;

  add_held_nodes (f);
  start = aqmp_test_tool_spawn (NULL, NULL, "job", "start", "--detach", "--db", f->db, f->qemu->address,
                                "blockdev-backup", "job-id=j2", "device=data", "target=held", "sync=full",
                                "on-target-error=enospc", NULL);
  /* --detach returns once it started */
  g_assert_cmpint (aqmp_test_tool_wait (start), ==, 0);
  g_assert_cmpstr (start->out.text->str, ==, "j2\n");
  wait_event (held);

  /* by its path alone */
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "list", "--json", "--machine", path,
                                       "--db", f->db, NULL), ==, 0);
  g_assert_cmpuint (aqmp_test_count_lines (out), ==, 1);
  g_assert_nonnull (strstr (out, "\"job-id\":\"j2\""));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* through the other monitor; released from the first */
  g_clear_object (&held);
  g_clear_object (&second);
  watch = aqmp_test_tool_spawn (NULL, NULL, "job", "watch", "--db", f->db, f->second, NULL);
  aqmp_test_output_wait_for (&watch->out, "{\"job\":\"j2\",\"status\":\"paused\"", 0);
  exec_ok (f, "job-resume", "id=j2", NULL, NULL);
  g_assert_cmpint (aqmp_test_tool_wait (watch), ==, 0);
  last = last_line (watch->out.text->str);
  g_assert_cmpstr (json_object_get_string_member (last, "result"), ==, "success");

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "list", "--all", "--json",
                                       "--db", f->db, NULL), ==, 0);
  g_assert_cmpuint (aqmp_test_count_lines (out), ==, 1);
  g_assert_null (strstr (out, "(adopted)"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* one QEMU's identity, and who started the job */
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "show", "j2", "--db", f->db, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "QEMU:      unix:"));
  g_assert_nonnull (strstr (out, ", pid "));
  g_assert_nonnull (strstr (out, "Command:   blockdev-backup {"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* a job aqmp did not start: no arguments to show, and it says so */
  add_null_node (f, "src", MIB);
  add_null_node (f, "tgt", MIB);
  exec_ok (f, "blockdev-backup", "{\"job-id\": \"raw\", \"device\": \"src\", \"target\": \"tgt\","
                                 " \"sync\": \"full\", \"auto-dismiss\": false}", NULL, NULL);
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "watch", "--db", f->db, f->qemu->address,
                                       "raw", NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "job", "show", "raw", "--db", f->db, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Command:   (adopted: started outside aqmp, its command is unknown)\n"));
  g_assert_null (strstr (out, "null"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/aqmp/cli/job/usage-errors", test_usage_errors);
  g_test_add_func ("/aqmp/cli/job/list-paged", test_list_paged);
  g_test_add_func ("/aqmp/cli/job/options", test_options);
  g_test_add ("/aqmp/cli/job/debug-trace", Fixture, NULL, fixture_setup, test_debug_trace, fixture_teardown);
  g_test_add ("/aqmp/cli/job/start/json-lines", Fixture, NULL, fixture_setup, test_start_json_lines, fixture_teardown);
  g_test_add ("/aqmp/cli/job/list-show", Fixture, NULL, fixture_setup, test_list_show, fixture_teardown);
  g_test_add ("/aqmp/cli/job/failed", Fixture, NULL, fixture_setup, test_failed, fixture_teardown);
  g_test_add ("/aqmp/cli/job/ctrl-c/cancels", Fixture, NULL, fixture_setup, test_ctrl_c_cancels, fixture_teardown);
  g_test_add ("/aqmp/cli/job/ctrl-c/detach-then-watch", Fixture, NULL, fixture_setup, test_detach, fixture_teardown);
  g_test_add ("/aqmp/cli/job/refused", Fixture, NULL, fixture_setup, test_refused, fixture_teardown);
  g_test_add ("/aqmp/cli/job/detach-ends-unwatched", Fixture, NULL, fixture_setup, test_detach_ends_unwatched, fixture_teardown);
  g_test_add ("/aqmp/cli/job/transaction", Fixture, NULL, fixture_setup, test_transaction, fixture_teardown);
  g_test_add ("/aqmp/cli/job/not-a-job", Fixture, NULL, fixture_setup, test_not_a_job, fixture_teardown);
  g_test_add ("/aqmp/cli/job/machine-spellings", Fixture, NULL, fixture_setup, test_machine_spellings, fixture_teardown);
  return g_test_run ();
}
