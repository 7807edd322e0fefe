/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The aqmp tool's schema awareness against a real QEMU 7.2: exec, shell
 * and job start refuse what the schema refuses (exit 2, the path and a
 * suggestion, nothing sent), warn about deprecated commands, --compat and
 * --no-validate; describe, schema dump and schema diff. Each run gets a
 * cache directory of its own (XDG_CACHE_HOME).
 */
#include <string.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "aqmp-test-cli.h"
#include "aqmp-test-qemu.h"

typedef struct {
  AqmpTestQemu *qemu;
  gchar *dir;
  gchar *cache_env;
  const gchar *env[2];
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->qemu = aqmp_test_qemu_new (NULL);
  f->dir = aqmp_test_make_dir ();
  f->cache_env = g_strdup_printf ("XDG_CACHE_HOME=%s/cache", f->dir);
  f->env[0] = f->cache_env;
  f->env[1] = NULL;
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  aqmp_test_qemu_free (f->qemu);
  aqmp_test_remove_dir (f->dir);
  g_free (f->dir);
  g_free (f->cache_env);
}

/* whether QEMU has a block node of that name, asked unvalidated */
static gboolean
has_node (Fixture *f, const gchar *name)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *quoted = g_strdup_printf ("\"node-name\":\"%s\"", name);

  g_assert_cmpint (aqmp_test_tool_run (f->env, NULL, &out, &err, "exec", "--compact", f->qemu->address,
                                       "query-named-block-nodes", "flat=true", NULL), ==, 0);
  return strstr (out, quoted) != NULL;
}

static void
test_exec_refused (Fixture *f, gconstpointer data)
{
  static const struct {
    const gchar *args[4];
    const gchar *err;
  } cases[] = {
    { { "blockdev-add", "driver=null-co", "node-name=x", "sise=5" },
      "aqmp: blockdev-add: sise: unknown member; did you mean 'size'?\n" },
    { { "blockdev-add", "driver=nul-co", "node-name=x", NULL },
      "aqmp: blockdev-add: driver: 'nul-co' is not a valid value (42 values); did you mean 'null-co'?\n" },
    { { "blockdev-ad", "driver=null-co", "node-name=x", NULL },
      "aqmp: unknown command 'blockdev-ad'; did you mean 'blockdev-add' or 'blockdev-del'?\n" },
    { { "blockdev-add", "driver=null-co", "node-name=x", "size=big" },
      "aqmp: blockdev-add: size: expected integer, got string 'big'\n" },
  };
  g_autofree gchar *cache = g_build_filename (f->dir, "cache", "aqmp", "schema", NULL);
  g_autoptr(GDir) listing = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *out = NULL;
      g_autofree gchar *err = NULL;

      g_assert_cmpint (aqmp_test_tool_run (f->env, NULL, &out, &err, "exec", f->qemu->address, cases[i].args[0],
                                           cases[i].args[1], cases[i].args[2], cases[i].args[3], NULL), ==, 2);
      g_assert_cmpstr (out, ==, "");
      g_assert_cmpstr (err, ==, cases[i].err);
    }
  g_assert_false (has_node (f, "x"));
  /* the schema was cached on the first run */
  listing = g_dir_open (cache, 0, NULL);
  g_assert_nonnull (listing);
  g_assert_true (g_str_has_prefix (g_dir_read_name (listing), "qemu-7.2."));
}

static void
test_exec_no_validate (Fixture *f, gconstpointer data)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  g_assert_cmpint (aqmp_test_tool_run (f->env, NULL, &out, &err, "exec", "--no-validate", f->qemu->address,
                                       "blockdev-add", "driver=null-co", "node-name=x", "sise=5", NULL), ==, 1);
  g_assert_cmpstr (err, ==, "aqmp: blockdev-add failed: GenericError: Parameter 'sise' is unexpected\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (aqmp_test_tool_run (f->env, NULL, &out, &err, "exec", "--no-validate", "--compat",
                                       "deprecated=refuse", f->qemu->address, "query-status", NULL), ==, 2);
  g_assert_cmpstr (err, ==, "aqmp: --compat and --no-validate cannot be used together\n");
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (aqmp_test_tool_run (f->env, NULL, NULL, &err, "exec", "--compat", "deprecated=maybe",
                                       f->qemu->address, "query-status", NULL), ==, 2);
  aqmp_test_assert_one_error_line (err);
}

/* deprecated: a warning, then QEMU runs it; refused under the policy */
static void
test_exec_deprecated (Fixture *f, gconstpointer data)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  g_assert_cmpint (aqmp_test_tool_run (f->env, NULL, &out, &err, "exec", f->qemu->address,
                                       "nbd-server-remove", "name=none", NULL), ==, 1);
  g_assert_true (g_str_has_prefix (err, "aqmp: warning: nbd-server-remove: deprecated command\n"
                                        "aqmp: nbd-server-remove failed: GenericError: "));
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (aqmp_test_tool_run (f->env, NULL, &out, &err, "exec", "--compat", "deprecated=refuse",
                                       f->qemu->address, "nbd-server-remove", "name=none", NULL), ==, 2);
  g_assert_cmpstr (err, ==, "aqmp: nbd-server-remove: deprecated command, refused by the compatibility "
                            "policy (deprecated=refuse)\n");
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (aqmp_test_tool_run (f->env, NULL, &out, &err, "exec", "--compat", "deprecated=allow",
                                       f->qemu->address, "nbd-server-remove", "name=none", NULL), ==, 1);
  g_assert_true (g_str_has_prefix (err, "aqmp: nbd-server-remove failed: "));
}

static void
test_shell_refused (Fixture *f, gconstpointer data)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  const gchar *input =
    "blockdev-add driver=null-co node-name=x sise=5\n"
    "transaction(\n"
    "blockdev-backup device=a sync=full\n"
    ")\n"
    "query-name\n";

  g_assert_cmpint (aqmp_test_tool_run (f->env, input, &out, &err, "shell", f->qemu->address, NULL), ==, 2);
  g_assert_cmpstr (out, ==, "{}\n");
  g_assert_cmpstr (err, ==, "aqmp: blockdev-add: sise: unknown member; did you mean 'size'?\n"
                            "aqmp: transaction: actions[0].data.target: missing mandatory member (string)\n");
  g_assert_false (has_node (f, "x"));
}

static gint64
count_jobs (const gchar *db)
{
  sqlite3 *handle = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 n;

  g_assert_cmpint (sqlite3_open_v2 (db, &handle, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (handle, "SELECT count(*) FROM jobs", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (handle);
  return n;
}

/* the runner refuses before it records a job */
static void
test_job_start_refused (Fixture *f, gconstpointer data)
{
  g_autofree gchar *db = g_build_filename (f->dir, "jobs.db", NULL);
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  g_assert_cmpint (aqmp_test_tool_run (f->env, NULL, &out, &err, "job", "start", "--db", db, f->qemu->address,
                                       "blockdev-backupp", "device=a", "target=b", "sync=full", NULL), ==, 2);
  g_assert_cmpstr (err, ==, "aqmp: unknown command 'blockdev-backupp'; did you mean 'blockdev-backup'?\n");
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (aqmp_test_tool_run (f->env, NULL, &out, &err, "job", "start", "--db", db, f->qemu->address,
                                       "blockdev-backup", "device=a", "target=b", "sync=ful", NULL), ==, 2);
  g_assert_cmpstr (err, ==, "aqmp: blockdev-backup: sync: 'ful' is not a valid value (5 values); did you mean 'full'?\n");
  g_assert_cmpint (count_jobs (db), ==, 0);
  g_clear_pointer (&err, g_free);
  /* unvalidated, QEMU refuses it and the failed job is recorded */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (aqmp_test_tool_run (f->env, NULL, &out, &err, "job", "start", "--no-validate", "--db", db,
                                       f->qemu->address, "blockdev-backup", "device=a", "target=b", "sync=ful",
                                       NULL), ==, 1);
  g_assert_cmpint (count_jobs (db), ==, 1);
}

static void
test_describe (Fixture *f, gconstpointer data)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autoptr(JsonNode) json = NULL;
  JsonObject *args;

  g_assert_cmpint (aqmp_test_tool_run (f->env, NULL, &out, &err, "describe", f->qemu->address, "drive-backup",
                                       NULL), ==, 0);
  g_assert_true (g_str_has_prefix (out, "command drive-backup, deprecated\narguments: object\n"
                                        "  job-id: string, optional\n  device: string\n"
                                        "  sync: one of: top, full, none, incremental, bitmap\n"));
  g_assert_nonnull (strstr (out, "\n  target: string\n  format: string, optional\n"));
  g_assert_true (g_str_has_suffix (out, "returns: none\n"));
  g_assert_cmpstr (err, ==, "");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (aqmp_test_tool_run (f->env, NULL, &out, &err, "describe", "--compact", f->qemu->address,
                                       "BLOCK_JOB_COMPLETED", NULL), ==, 0);
  g_assert_true (g_str_has_prefix (out, "event BLOCK_JOB_COMPLETED\ndata: object\n  type: one of: commit, stream,"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (aqmp_test_tool_run (f->env, NULL, &out, &err, "describe", "--json", "--compact",
                                       f->qemu->address, "blockdev-backup", NULL), ==, 0);
  json = aqmp_json_parse (out, -1, NULL);
  g_assert_nonnull (json);
  args = json_object_get_object_member (json_node_get_object (json), "arguments");
  g_assert_cmpstr (json_object_get_string_member (args, "type"), ==, "object");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (args, "members")), ==, 14);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (aqmp_test_tool_run (f->env, NULL, &out, &err, "describe", f->qemu->address, "blockdev-backpu",
                                       NULL), ==, 2);
  g_assert_cmpstr (err, ==, "aqmp: no command or event 'blockdev-backpu'; did you mean 'blockdev-backup'?\n");
}

/* an edited copy of QEMU's schema: one command gone, one new, one
 * deprecated, a member added */
static gchar *
edited_dump (Fixture *f, const gchar *dump)
{
  g_autofree gchar *text = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonArray) edited = json_array_new ();
  JsonArray *array;
  g_autofree gchar *out = NULL;
  gchar *path = g_build_filename (f->dir, "edited.json", NULL);

  g_assert_true (g_file_get_contents (dump, &text, NULL, NULL));
  node = aqmp_json_parse (text, -1, NULL);
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *e = json_array_get_object_element (array, i);
      const gchar *name = json_object_get_string_member (e, "name");

      if (g_strcmp0 (name, "nbd-server-remove") == 0)
        continue;
      if (g_strcmp0 (name, "blockdev-backup") == 0)
        {
          JsonArray *features = json_array_new ();

          json_array_add_string_element (features, "deprecated");
          json_object_set_array_member (e, "features", features);
        }
      if (g_strcmp0 (name, "62") == 0)
        json_array_add_element (json_object_get_array_member (e, "members"),
                                aqmp_json_parse ("{\"name\": \"x-new\", \"type\": \"str\", \"default\": null}", -1, NULL));
      json_array_add_element (edited, json_node_copy (json_array_get_element (array, i)));
    }
  json_array_add_element (edited, aqmp_json_parse ("{\"name\": \"x-test\", \"meta-type\": \"command\","
                                                   " \"arg-type\": \"0\", \"ret-type\": \"0\"}", -1, NULL));
  {
    g_autoptr(JsonNode) root = json_node_init_array (json_node_alloc (), edited);

    out = aqmp_json_to_string (root, FALSE);
  }
  g_assert_true (g_file_set_contents (path, out, -1, NULL));
  return path;
}

static void
test_dump_and_diff (Fixture *f, gconstpointer data)
{
  g_autofree gchar *dump = g_build_filename (f->dir, "qemu.json", NULL);
  g_autofree gchar *fixture = g_build_filename (AQMP_TEST_FIXTURES, "qemu-7.2-qmp-schema.json", NULL);
  g_autofree gchar *edited = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *text = NULL;
  g_autofree gchar *fixture_text = NULL;
  g_autoptr(JsonNode) a = NULL;
  g_autoptr(JsonNode) b = NULL;

  g_assert_cmpint (aqmp_test_tool_run (f->env, NULL, &out, &err, "schema", "dump", f->qemu->address, dump, NULL),
                   ==, 0);
  g_assert_cmpstr (err, ==, "");
  /* the raw reply: QEMU 7.2's, the fixture, one entry a line */
  g_assert_true (g_file_get_contents (dump, &text, NULL, NULL));
  g_assert_true (g_file_get_contents (fixture, &fixture_text, NULL, NULL));
  a = aqmp_json_parse (text, -1, NULL);
  b = aqmp_json_parse (fixture_text, -1, NULL);
  g_assert_true (json_node_equal (a, b));
  g_assert_cmpuint (aqmp_test_count_lines (text), ==, 1053);

  /* a live server against a dump of itself: nothing */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (aqmp_test_tool_run (f->env, NULL, &out, &err, "schema", "diff", f->qemu->address, dump, NULL),
                   ==, 0);
  g_assert_cmpstr (out, ==, "");

  edited = edited_dump (f, dump);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (aqmp_test_tool_run (f->env, NULL, &out, &err, "schema", "diff", f->qemu->address, edited, NULL),
                   ==, 0);
  g_assert_cmpstr (out, ==,
                   "+ member block-set-write-threshold: x-new\n"
                   "! deprecated command blockdev-backup\n"
                   "- command nbd-server-remove\n"
                   "+ command x-test\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (aqmp_test_tool_run (f->env, NULL, &out, &err, "schema", "diff", "--json", "--compact", edited,
                                       f->qemu->address, NULL), ==, 0);
  g_assert_cmpstr (out, ==,
                   "[{\"change\":\"removed\",\"kind\":\"member\",\"name\":\"block-set-write-threshold\",\"path\":\"x-new\"},"
                   "{\"change\":\"added\",\"kind\":\"command\",\"name\":\"nbd-server-remove\"},"
                   "{\"change\":\"removed\",\"kind\":\"command\",\"name\":\"x-test\"}]\n");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/cli-qapi/exec-refused", Fixture, NULL, fixture_setup, test_exec_refused, fixture_teardown);
  g_test_add ("/cli-qapi/exec-no-validate", Fixture, NULL, fixture_setup, test_exec_no_validate, fixture_teardown);
  g_test_add ("/cli-qapi/exec-deprecated", Fixture, NULL, fixture_setup, test_exec_deprecated, fixture_teardown);
  g_test_add ("/cli-qapi/shell-refused", Fixture, NULL, fixture_setup, test_shell_refused, fixture_teardown);
  g_test_add ("/cli-qapi/job-start-refused", Fixture, NULL, fixture_setup, test_job_start_refused,
              fixture_teardown);
  g_test_add ("/cli-qapi/describe", Fixture, NULL, fixture_setup, test_describe, fixture_teardown);
  g_test_add ("/cli-qapi/dump-and-diff", Fixture, NULL, fixture_setup, test_dump_and_diff, fixture_teardown);
  return g_test_run ();
}
