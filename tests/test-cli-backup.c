/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * aqmp backup against a real QEMU 7.2 (`-machine none`, a qcow2 disk
 * written through HMP qemu-io on a second monitor): JSON lines on a pipe,
 * list, show, restore and verify through the tool, the exit codes, the
 * progress bar on a pseudo-terminal, and Ctrl-C cancelling an
 * incremental held by a blkdebug breakpoint, after which the chain still
 * takes the next incremental; and the machine's backup lock between the
 * tool and another process (this one) sharing its database.
 */
#include <signal.h>
#include <string.h>

#include <aqmp/aqmp-backup.h>

#include "aqmp-test-cli.h"
#include "aqmp-test-fake-agent.h"

#define MIB (1024 * 1024)

typedef struct {
  AqmpTestQemu *qemu;
  gchar *dir;
  gchar *second;
  gchar *db;
  gchar *backups;
  gchar *disk;
  AqmpClient *client;     /* on the second monitor */
  guint copies;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  /* QEMU's stdout, where HMP qemu-io prints, away from the TAP stream */
  f->qemu = aqmp_test_qemu_new_two_monitors_quiet (&f->dir, &f->second);
  f->db = g_build_filename (f->dir, "jobs.db", NULL);
  f->backups = g_build_filename (f->dir, "backups", NULL);
  f->disk = g_build_filename (f->dir, "disk0.qcow2", NULL);
  f->client = aqmp_test_connect (f->second);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->client);
  g_clear_pointer (&f->qemu, aqmp_test_qemu_free);
  aqmp_test_remove_dir (f->dir);
  g_free (f->dir);
  g_free (f->second);
  g_free (f->db);
  g_free (f->backups);
  g_free (f->disk);
}

static void
add_disk (Fixture *f, const gchar *blkdebug)
{
  const gchar *create[] = { "qemu-img", "create", "-q", "-f", "qcow2", f->disk, "8M", NULL };
  g_autofree gchar *file = g_strdup_printf ("{\"driver\": \"file\", \"filename\": \"%s\"}", f->disk);
  g_autofree gchar *child = blkdebug != NULL
                              ? g_strdup_printf ("{\"driver\": \"blkdebug\", \"image\": %s, %s}", file, blkdebug)
                              : g_strdup (file);
  g_autofree gchar *json = g_strdup_printf ("{\"driver\": \"qcow2\", \"node-name\": \"disk0\", \"file\": %s}", child);

  g_assert_cmpint (aqmp_test_spawn_status (create, NULL), ==, 0);
  aqmp_test_qmp_ok (f->client, "blockdev-add", json);
}

static gchar *
copy_source (Fixture *f)
{
  return aqmp_test_copy_image (f->client, "disk0", f->disk, f->dir, &f->copies);
}

/* each line of @out as a JSON object */
static GPtrArray *
json_lines (const gchar *out)
{
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);
  GPtrArray *objects = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonNode) node = NULL;

      if (lines[i][0] == '\0')
        continue;
      node = aqmp_json_parse (lines[i], -1, NULL);
      g_assert_nonnull (node);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
      g_ptr_array_add (objects, json_object_ref (json_node_get_object (node)));
    }
  return objects;
}

static JsonObject *
run_json (Fixture *f, const gchar *level)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  JsonObject *end;

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "backup", "run", f->qemu->address, "--level", level,
                                       "--disk", "disk0", "--to", f->backups, "--db", f->db, "--json", NULL), ==, 0);
  lines = json_lines (out);
  g_assert_cmpuint (lines->len, >=, 3);
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (lines, 0), "event"), ==, "level");
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (lines, 0), "level"), ==, level);
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (lines, 1), "event"), ==, "progress");
  end = g_ptr_array_index (lines, lines->len - 1);
  g_assert_cmpstr (json_object_get_string_member (end, "event"), ==, "end");
  g_assert_cmpstr (json_object_get_string_member (end, "state"), ==, "completed");
  return json_object_ref (end);
}

static void
test_cli_backup_json (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonObject) full = NULL;
  g_autoptr(JsonObject) inc = NULL;
  g_autofree gchar *copy0 = NULL;
  g_autofree gchar *copy1 = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *restored = g_build_filename (f->dir, "restored.qcow2", NULL);
  g_autofree gchar *other_db = g_build_filename (f->dir, "other.db", NULL);
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(JsonNode) show = NULL;
  JsonObject *image;

  add_disk (f, NULL);
  aqmp_test_qemu_io (f->client, "disk0", "write -P 0xab 0 1M");
  copy0 = copy_source (f);
  full = run_json (f, "full");
  g_assert_cmpint (json_object_get_int_member (full, "id"), ==, 1);
  aqmp_test_qemu_io (f->client, "disk0", "write -P 0xcd 2M 1M");
  copy1 = copy_source (f);
  inc = run_json (f, "incremental");
  g_assert_cmpint (json_object_get_int_member (inc, "bytes"), ==, MIB);
  g_assert_cmpint (json_object_get_int_member (inc, "parent"), ==, 1);

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "backup", "list", "--db", f->db, "--json", NULL), ==, 0);
  list = aqmp_json_parse (out, -1, NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 2);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "backup", "list", "--db", f->db, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "incremental"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "backup", "show", "2", "--db", f->db, "--json", NULL),
                   ==, 0);
  show = aqmp_json_parse (out, -1, NULL);
  image = json_array_get_object_element (json_object_get_array_member (json_node_get_object (show), "images"), 0);
  g_assert_cmpstr (json_object_get_string_member (image, "disk"), ==, "disk0");
  g_assert_nonnull (strstr (json_object_get_string_member (image, "backing-path"), "-full-"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* restore the latest point: identical to the source then */
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "backup", "restore", "2", "disk0", "--to", restored,
                                       "--db", f->db, NULL), ==, 0);
  {
    const gchar *compare[] = { "qemu-img", "compare", "-f", "qcow2", "-F", "raw", restored, copy1, NULL };
    g_autofree gchar *said = NULL;
    g_assert_cmpint (aqmp_test_spawn_status (compare, &said), ==, 0);
    g_assert_nonnull (strstr (said, "identical"));
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "backup", "verify", "2", "--compare", copy1,
                                       "--db", f->db, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "intact\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "backup", "verify", "2", "--compare", copy0,
                                       "--db", f->db, NULL), ==, 1);
  aqmp_test_assert_one_error_line (err);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* exit codes: 2 for usage and catalog problems, 1 for a refused backup */
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "backup", "restore", "99", "--to", restored,
                                       "--db", f->db, NULL), ==, 2);
  aqmp_test_assert_one_error_line (err);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "backup", "run", f->qemu->address, "--level", "weekly",
                                       "--db", f->db, NULL), ==, 2);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "backup", "run", f->qemu->address, "--level",
                                       "incremental", "--disk", "disk0", "--db", other_db, NULL), ==, 1);
  aqmp_test_assert_one_error_line (err);
  g_assert_nonnull (strstr (err, "no chain"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* the socket's path and unix:PATH are one machine: auto finds the chain */
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "backup", "run", f->qemu->socket_path, "--disk",
                                       "disk0", "--db", f->db, "--json", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "\"level\":\"incremental\""));
}

/* on a terminal: one bar for the whole backup, then a summary */
static void
test_cli_backup_pty (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpTestPty) pty = NULL;

  add_disk (f, NULL);
  aqmp_test_qemu_io (f->client, "disk0", "write -P 0x12 0 4M");
  pty = aqmp_test_pty_spawn (NULL, "backup", "run", f->qemu->address, "--level", "full", "--disk", "disk0",
                             "--to", f->backups, "--db", f->db, NULL);
  aqmp_test_pty_wait_exit (pty, 0);
  g_assert_nonnull (strstr (pty->out.text->str, "backup 1 full [##############################] 100%"));
  g_assert_nonnull (strstr (pty->out.text->str, "backup 1 completed (full, chain "));
}

/* on a terminal of 40 columns the bar is fitted to it, never wrapped */
static void
test_cli_backup_pty_narrow (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpTestPty) pty = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GRegex) escapes = g_regex_new ("\033\\[[0-9;]*[A-Za-z]", 0, 0, NULL);
  g_autofree gchar *plain = NULL;
  guint bars = 0;

  add_disk (f, NULL);
  aqmp_test_qemu_io (f->client, "disk0", "write -P 0x12 0 4M");
  pty = aqmp_test_pty_spawn_columns (40, NULL, "backup", "run", f->qemu->address, "--level", "full", "--disk",
                                     "disk0", "--to", f->backups, "--db", f->db, NULL);
  aqmp_test_pty_wait_exit (pty, 0);
  plain = g_regex_replace_literal (escapes, pty->out.raw->str, -1, 0, "", 0, NULL);
  g_strdelimit (plain, "\r", '\n');
  lines = g_strsplit (plain, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (!g_str_has_prefix (lines[i], "backup 1 full ["))
        continue;
      g_test_message ("bar: \"%s\"", lines[i]);
      g_assert_cmpuint (g_utf8_strlen (lines[i], -1), <, 40);
      bars++;
    }
  g_assert_cmpuint (bars, >=, 1);
  g_assert_nonnull (strstr (pty->out.text->str, "backup 1 completed (full, chain "));
}

/* Ctrl-C cancels a held incremental: exit 1, and the next incremental
 * copies what the cancelled one would have */
static void
test_cli_backup_ctrl_c (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpTestPty) pty = NULL;
  g_autoptr(JsonObject) full = NULL;
  g_autoptr(JsonObject) next = NULL;
  g_autofree gchar *copy = NULL;
  gsize at;

  add_disk (f, "\"align\": 512");
  full = run_json (f, "full");
  aqmp_test_qemu_io (f->client, "disk0", "write -P 0x34 1M 1M");
  copy = copy_source (f);
  aqmp_test_qemu_io (f->client, "disk0", "break read_aio held");
  pty = aqmp_test_pty_spawn (NULL, "backup", "run", f->qemu->address, "--level", "incremental", "--disk", "disk0",
                             "--to", f->backups, "--db", f->db, NULL);
  at = aqmp_test_output_wait_for (&pty->out, "backup 2 incremental [", 0);
  aqmp_test_pty_write (pty, "\003");
  /* the cancel reached QEMU before the held read goes on */
  at = aqmp_test_output_wait_for (&pty->out, "QEMU is cancelling", at);
  aqmp_test_qemu_io (f->client, "disk0", "remove_break held");
  aqmp_test_qemu_io (f->client, "disk0", "resume held");
  aqmp_test_output_wait_eof (&pty->out);
  g_test_message ("%s", pty->out.text->str);
  aqmp_test_pty_wait_exit (pty, 1);
  g_assert_nonnull (strstr (pty->out.text->str + at, "cancelled"));

  next = run_json (f, "incremental");
  g_assert_cmpint (json_object_get_int_member (next, "bytes"), ==, MIB);
  g_assert_cmpint (json_object_get_int_member (next, "parent"), ==, 1);
  {
    g_autofree gchar *restored = g_build_filename (f->dir, "restored.qcow2", NULL);
    g_autofree gchar *id = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (next, "id"));
    g_autofree gchar *out = NULL;
    g_autofree gchar *err = NULL;
    const gchar *compare[] = { "qemu-img", "compare", "-f", "qcow2", "-F", "raw", restored, copy, NULL };

    g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "backup", "restore", id, "--to", restored,
                                         "--db", f->db, NULL), ==, 0);
    g_assert_cmpint (aqmp_test_spawn_status (compare, NULL), ==, 0);
  }
}

/* bitmaps: the chain's in use, a stray aqmp bitmap removed by --cleanup,
 * someone else's never touched; prune through the tool */
static void
test_cli_backup_bitmaps (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonObject) full = NULL;
  g_autoptr(JsonNode) rows = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  guint used = 0, removed = 0, foreign = 0;

  add_disk (f, NULL);
  full = run_json (f, "full");
  aqmp_test_qmp_ok (f->client, "block-dirty-bitmap-add", "{\"node\": \"disk0\", \"name\": \"aqmp-stray\"}");
  aqmp_test_qmp_ok (f->client, "block-dirty-bitmap-add", "{\"node\": \"disk0\", \"name\": \"theirs\"}");
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "backup", "bitmaps", f->qemu->address, "--cleanup",
                                       "--db", f->db, "--json", NULL), ==, 0);
  rows = aqmp_json_parse (out, -1, NULL);
  for (guint i = 0; i < json_array_get_length (json_node_get_array (rows)); i++)
    {
      JsonObject *row = json_array_get_object_element (json_node_get_array (rows), i);
      const gchar *chain = json_object_get_string_member (row, "chain");

      if (g_strcmp0 (chain, json_object_get_string_member (full, "chain-name")) == 0)
        used++;
      else if (g_strcmp0 (json_object_get_string_member (row, "bitmap"), "aqmp-stray") == 0)
        removed += json_object_get_boolean_member (row, "removed") && g_strcmp0 (chain, "unused") == 0;
      else if (g_strcmp0 (json_object_get_string_member (row, "bitmap"), "theirs") == 0)
        foreign += !json_object_get_boolean_member (row, "removed") && g_strcmp0 (chain, "-") == 0;
    }
  g_assert_cmpuint (used, ==, 2);
  g_assert_cmpuint (removed, ==, 1);
  g_assert_cmpuint (foreign, ==, 1);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* a second look: the stray one is gone */
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "backup", "bitmaps", f->qemu->address,
                                       "--db", f->db, NULL), ==, 0);
  g_assert_null (strstr (out, "aqmp-stray"));
  g_assert_nonnull (strstr (out, "theirs"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* prune: the only chain is open, nothing goes; a bad date is refused */
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "backup", "prune", "--keep-chains", "1",
                                       "--db", f->db, "--json", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "[]\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "backup", "prune", "--older-than", "someday",
                                       "--db", f->db, NULL), ==, 2);
  aqmp_test_assert_one_error_line (err);
}

/* offline: an image file through qemu-storage-daemon, then an
 * incremental of the same image, its bitmap kept in the file between */
static void
test_cli_backup_offline (Fixture *f, gconstpointer data)
{
  g_autofree gchar *image = g_build_filename (f->dir, "offline.qcow2", NULL);
  g_autofree gchar *restored = g_build_filename (f->dir, "restored.qcow2", NULL);
  const gchar *create[] = { "qemu-img", "create", "-q", "-f", "qcow2", image, "8M", NULL };
  const gchar *write1[] = { "qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 0 1M", image, NULL };
  const gchar *write2[] = { "qemu-io", "-f", "qcow2", "-c", "write -P 0xa5 3M 1M", image, NULL };
  const gchar *compare[] = { "qemu-img", "compare", "-f", "qcow2", "-F", "qcow2", restored, image, NULL };
  g_autoptr(GPtrArray) lines = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  JsonObject *end;

  g_assert_cmpint (aqmp_test_spawn_status (create, NULL), ==, 0);
  g_assert_cmpint (aqmp_test_spawn_status (write1, NULL), ==, 0);
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "backup", "offline", image, "--to", f->backups,
                                       "--db", f->db, "--json", NULL), ==, 0);
  lines = json_lines (out);
  end = g_ptr_array_index (lines, lines->len - 1);
  g_assert_cmpstr (json_object_get_string_member (end, "level"), ==, "full");
  g_assert_cmpstr (json_object_get_string_member (end, "state"), ==, "completed");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (end, "machine"), "offline:"));
  g_clear_pointer (&lines, g_ptr_array_unref);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (aqmp_test_spawn_status (write2, NULL), ==, 0);
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "backup", "offline", image, "--to", f->backups,
                                       "--db", f->db, "--json", NULL), ==, 0);
  lines = json_lines (out);
  end = g_ptr_array_index (lines, lines->len - 1);
  g_assert_cmpstr (json_object_get_string_member (end, "level"), ==, "incremental");
  g_assert_cmpint (json_object_get_int_member (end, "bytes"), ==, MIB);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "backup", "restore", "2", "--to", restored,
                                       "--db", f->db, NULL), ==, 0);
  g_assert_cmpint (aqmp_test_spawn_status (compare, NULL), ==, 0);
}

static JsonObject *
find_backup (Fixture *f, gint64 id)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autoptr(JsonNode) list = NULL;

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "backup", "list", "--db", f->db, "--json", NULL), ==, 0);
  list = aqmp_json_parse (out, -1, NULL);
  for (guint i = 0; i < json_array_get_length (json_node_get_array (list)); i++)
    {
      JsonObject *backup = json_array_get_object_element (json_node_get_array (list), i);
      if (json_object_get_int_member (backup, "id") == id)
        return json_object_ref (backup);
    }
  g_error ("no backup %" G_GINT64_FORMAT, id);
}

static void
assert_restores (Fixture *f, const gchar *id, const gchar *copy)
{
  g_autofree gchar *name = g_strdup_printf ("restored-%s.qcow2", id);
  g_autofree gchar *restored = g_build_filename (f->dir, name, NULL);
  const gchar *compare[] = { "qemu-img", "compare", "-f", "qcow2", "-F", "raw", restored, copy, NULL };
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "backup", "restore", id, "--to", restored,
                                       "--db", f->db, NULL), ==, 0);
  g_assert_cmpint (aqmp_test_spawn_status (compare, NULL), ==, 0);
}

/* the runner SIGKILLed mid-backup: the job ends in QEMU meanwhile, and
 * the next run settles the backup from it before building on it */
static void
test_cli_backup_killed (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpTestTool) tool = NULL;
  g_autoptr(JsonObject) full = NULL;
  g_autoptr(JsonObject) killed = NULL;
  g_autoptr(JsonObject) settled = NULL;
  g_autoptr(JsonObject) next = NULL;
  g_autoptr(JsonNode) nodes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *copy1 = NULL;
  g_autofree gchar *copy2 = NULL;
  g_autofree gchar *text = NULL;

  add_disk (f, "\"align\": 512");
  full = run_json (f, "full");
  aqmp_test_qemu_io (f->client, "disk0", "write -P 0x61 1M 1M");
  copy1 = copy_source (f);
  aqmp_test_qemu_io (f->client, "disk0", "break read_aio held");
  tool = aqmp_test_tool_spawn (NULL, NULL, "backup", "run", f->qemu->address, "--level", "incremental", "--disk",
                               "disk0", "--to", f->backups, "--db", f->db, "--json", NULL);
  /* its job runs, held at its first read */
  aqmp_test_output_wait_for (&tool->out, "\"event\":\"progress\"", 0);
  g_subprocess_send_signal (tool->process, SIGKILL);
  g_assert_true (aqmp_test_wait_for_flag (&tool->exited, 10000));
  g_assert_cmpint (g_subprocess_get_term_sig (tool->process), ==, SIGKILL);
  aqmp_test_qemu_io (f->client, "disk0", "remove_break held");
  aqmp_test_qemu_io (f->client, "disk0", "resume held");
  killed = find_backup (f, 2);
  g_assert_cmpstr (json_object_get_string_member (killed, "state"), ==, "running");

  aqmp_test_qemu_io (f->client, "disk0", "write -P 0x62 4M 1M");
  copy2 = copy_source (f);
  next = run_json (f, "incremental");
  g_assert_cmpint (json_object_get_int_member (next, "id"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (next, "parent"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (next, "bytes"), ==, MIB);
  settled = find_backup (f, 2);
  g_assert_cmpstr (json_object_get_string_member (settled, "state"), ==, "completed");
  g_assert_cmpint (json_object_get_int_member (settled, "bytes"), ==, MIB);
  assert_restores (f, "2", copy1);
  assert_restores (f, "3", copy2);
  /* nothing of the killed run is left in QEMU */
  nodes = aqmp_client_execute_sync (f->client, "query-named-block-nodes", NULL, NULL, &error);
  g_assert_no_error (error);
  text = aqmp_json_to_string (nodes, FALSE);
  g_assert_null (strstr (text, "aqmp-backup-"));
}

/* --qga --quiesce: the (fake) agent freezes while the backup starts and
 * thaws after */
static void
test_cli_backup_quiesce (Fixture *f, gconstpointer data)
{
  AqmpTestFakeAgent *agent = aqmp_test_fake_agent_new ();
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  JsonObject *end;

  add_disk (f, NULL);
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "backup", "run", f->qemu->address, "--level", "full",
                                       "--disk", "disk0", "--to", f->backups, "--db", f->db, "--json",
                                       "--qga", agent->address, "--quiesce", NULL), ==, 0);
  lines = json_lines (out);
  end = g_ptr_array_index (lines, lines->len - 1);
  g_assert_true (json_object_get_boolean_member (end, "quiesced"));
  g_assert_cmpuint (agent->log->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (agent->log, 0), ==, "guest-fsfreeze-freeze");
  g_assert_cmpstr (g_ptr_array_index (agent->log, 1), ==, "guest-fsfreeze-thaw");
  g_assert_false (agent->frozen);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "backup", "run", f->qemu->address, "--quiesce",
                                       "--db", f->db, NULL), ==, 2);
  aqmp_test_assert_one_error_line (err);
  aqmp_test_fake_agent_free (agent);
}

/* two disks on a terminal: the bar for the whole backup, a line per disk */
static void
test_cli_backup_pty_disks (Fixture *f, gconstpointer data)
{
  g_autofree gchar *second = g_build_filename (f->dir, "disk1.qcow2", NULL);
  const gchar *create[] = { "qemu-img", "create", "-q", "-f", "qcow2", second, "8M", NULL };
  g_autofree gchar *json = g_strdup_printf ("{\"driver\": \"qcow2\", \"node-name\": \"disk1\", \"file\": "
                                            "{\"driver\": \"file\", \"filename\": \"%s\"}}", second);
  g_autoptr(AqmpTestPty) pty = NULL;
  const gchar *text;

  add_disk (f, NULL);
  g_assert_cmpint (aqmp_test_spawn_status (create, NULL), ==, 0);
  aqmp_test_qmp_ok (f->client, "blockdev-add", json);
  pty = aqmp_test_pty_spawn (NULL, "backup", "run", f->qemu->address, "--level", "full", "--disk", "disk0",
                             "--disk", "disk1", "--to", f->backups, "--db", f->db, NULL);
  aqmp_test_pty_wait_exit (pty, 0);
  text = pty->out.text->str;
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "backup 1 full [##############################] 100%  16.0"));
  g_assert_nonnull (strstr (text, "  disk0        [##############################] 100%"));
  g_assert_nonnull (strstr (text, "  disk1        [##############################] 100%"));
  g_assert_nonnull (strstr (text, "backup 1 completed (full, chain "));
}

/* this process's view of the tool's database: a catalog, and a runner of
 * the tool's machine (its address) on the second monitor */
typedef struct {
  AqmpJobStore *store;
  AqmpJobRunner *runner;
  AqmpBackupCatalog *catalog;
} Other;

static void
other_open (Fixture *f, Other *o)
{
  g_autoptr(GError) error = NULL;

  o->store = aqmp_job_store_new (f->db, &error);
  g_assert_no_error (error);
  o->runner = aqmp_job_runner_new (f->client, o->store, f->qemu->address);
  aqmp_job_runner_set_poll_interval (o->runner, 50);
  o->catalog = aqmp_backup_catalog_new (o->store, &error);
  g_assert_no_error (error);
}

static void
other_close (Other *o)
{
  g_clear_object (&o->catalog);
  g_clear_object (&o->runner);
  g_clear_object (&o->store);
}

static guint
other_count_backups (Other *o)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) backups = aqmp_backup_catalog_list_backups (o->catalog, NULL, &error);

  g_assert_no_error (error);
  return backups->len;
}

typedef struct {
  GPtrArray *settled;
  GError *error;
  gboolean done;
} Reconciled;

static void
reconciled_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Reconciled *r = user_data;

  r->settled = aqmp_backup_catalog_reconcile_finish (AQMP_BACKUP_CATALOG (source), result, &r->error);
  r->done = TRUE;
}

/* what aqmpd does when it connects to a machine: reconcile its backups */
static guint
other_reconcile (Other *o)
{
  Reconciled r = { NULL };
  guint settled;

  aqmp_backup_catalog_reconcile_async (o->catalog, o->runner, NULL, reconciled_cb, &r);
  g_assert_true (aqmp_test_wait_for_flag (&r.done, 60000));
  g_assert_no_error (r.error);
  settled = r.settled->len;
  g_ptr_array_unref (r.settled);
  return settled;
}

/* an incremental of disk0 by this process, refused at once: another
 * process holds the machine's backup lock */
static void
other_run_refused (Fixture *f, Other *o)
{
  g_autoptr(AqmpBackupOptions) options = aqmp_backup_options_new ();
  g_autoptr(AqmpBackupRun) run = NULL;
  g_autoptr(AqmpBackupRecord) record = NULL;
  g_autoptr(GError) error = NULL;

  aqmp_backup_options_set_level (options, AQMP_BACKUP_LEVEL_INCREMENTAL);
  aqmp_backup_options_set_directory (options, f->backups);
  aqmp_backup_options_add_disk (options, "disk0");
  run = aqmp_backup_run_new (o->runner, o->catalog, options);
  record = aqmp_backup_run_run_sync (run, NULL, &error);
  g_assert_null (record);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_assert_nonnull (strstr (error->message, "Another process is backing up machine"));
  g_assert_nonnull (strstr (error->message, f->qemu->address));
  g_assert_cmpint (aqmp_backup_run_get_backup_id (run), ==, 0);
}

/* the regular files under @path */
static guint
count_files (const gchar *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint files = 0;

  if (dir == NULL)
    return g_file_test (path, G_FILE_TEST_IS_REGULAR) ? 1 : 0;
  for (const gchar *name; (name = g_dir_read_name (dir)) != NULL;)
    {
      g_autofree gchar *child = g_build_filename (path, name, NULL);
      files += count_files (child);
    }
  return files;
}

static gboolean
qemu_has_node (Fixture *f, const gchar *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) nodes = aqmp_client_execute_sync (f->client, "query-named-block-nodes", NULL, NULL, &error);
  g_autofree gchar *text = NULL;
  g_autofree gchar *quoted = g_strdup_printf ("\"%s\"", name);

  g_assert_no_error (error);
  text = aqmp_json_to_string (nodes, FALSE);
  return strstr (text, quoted) != NULL;
}

/* the tool backs up the machine, held at its job's first read, while this
 * process reconciles the machine's backups on the same database (as
 * aqmpd does when it connects) and tries a backup of its own: the
 * reconcile leaves the tool's backup alone (running, its image there,
 * its nodes in QEMU) and the backup is refused as busy, recording
 * nothing; released, the tool completes its backup, which restores */
static void
test_cli_backup_lock_reconcile (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpTestTool) tool = NULL;
  g_autoptr(JsonObject) full = NULL;
  g_autoptr(JsonObject) done = NULL;
  g_autoptr(AqmpBackupRecord) running = NULL;
  g_autoptr(GPtrArray) images = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *copy = NULL;
  Other o = { NULL };

  add_disk (f, "\"align\": 512");
  full = run_json (f, "full");
  aqmp_test_qemu_io (f->client, "disk0", "write -P 0x63 2M 1M");
  copy = copy_source (f);
  other_open (f, &o);
  aqmp_test_qemu_io (f->client, "disk0", "break read_aio held");
  tool = aqmp_test_tool_spawn (NULL, NULL, "backup", "run", f->qemu->address, "--level", "incremental", "--disk",
                               "disk0", "--to", f->backups, "--db", f->db, "--json", NULL);
  aqmp_test_output_wait_for (&tool->out, "\"event\":\"progress\"", 0);

  g_assert_cmpuint (other_reconcile (&o), ==, 0);
  other_run_refused (f, &o);
  g_assert_cmpuint (other_count_backups (&o), ==, 2);
  running = aqmp_backup_catalog_get_backup (o.catalog, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpint (aqmp_backup_record_get_state (running), ==, AQMP_BACKUP_STATE_RUNNING);
  images = aqmp_backup_catalog_list_images (o.catalog, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (images->len, ==, 1);
  g_assert_true (g_file_test (aqmp_backup_image_get_path (g_ptr_array_index (images, 0)), G_FILE_TEST_EXISTS));
  g_assert_true (qemu_has_node (f, "aqmp-backup-2-0"));
  g_assert_false (tool->exited);

  aqmp_test_qemu_io (f->client, "disk0", "remove_break held");
  aqmp_test_qemu_io (f->client, "disk0", "resume held");
  g_assert_cmpint (aqmp_test_tool_wait (tool), ==, 0);
  g_assert_nonnull (strstr (tool->out.text->str, "\"state\":\"completed\""));
  done = find_backup (f, 2);
  g_assert_cmpstr (json_object_get_string_member (done, "state"), ==, "completed");
  g_assert_cmpint (json_object_get_int_member (done, "bytes"), ==, MIB);
  assert_restores (f, "2", copy);
  g_assert_false (qemu_has_node (f, "aqmp-backup-2-0"));
  /* the lock went with the tool: a reconcile now finds nothing to settle,
   * and this process backs up */
  g_assert_cmpuint (other_reconcile (&o), ==, 0);
  other_close (&o);
  g_clear_pointer (&done, json_object_unref);
  aqmp_test_qemu_io (f->client, "disk0", "write -P 0x65 5M 1M");
  done = run_json (f, "incremental");
  g_assert_cmpint (json_object_get_int_member (done, "parent"), ==, 2);
}

static void
other_run_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  gpointer *record = user_data;

  *record = aqmp_backup_run_run_finish (AQMP_BACKUP_RUN (source), result, NULL);
}

static gboolean
qemu_has_job (gpointer user_data)
{
  Fixture *f = user_data;
  g_autoptr(JsonNode) jobs = aqmp_client_execute_sync (f->client, "query-jobs", NULL, NULL, NULL);

  return jobs != NULL && json_array_get_length (json_node_get_array (jobs)) > 0;
}

/* this process backs up the machine, held at its job's first read; the
 * tool's backup of the same machine on the same database fails at once
 * with one clear line and changes nothing; released, this process's
 * backup completes */
static void
test_cli_backup_lock_busy (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpBackupOptions) options = aqmp_backup_options_new ();
  g_autoptr(AqmpBackupRun) run = NULL;
  g_autoptr(AqmpBackupRecord) record = NULL;
  g_autoptr(JsonObject) full = NULL;
  g_autofree gchar *copy = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  Other o = { NULL };

  add_disk (f, "\"align\": 512");
  full = run_json (f, "full");
  aqmp_test_qemu_io (f->client, "disk0", "write -P 0x64 3M 1M");
  copy = copy_source (f);
  other_open (f, &o);
  aqmp_test_qemu_io (f->client, "disk0", "break read_aio held");
  aqmp_backup_options_set_level (options, AQMP_BACKUP_LEVEL_INCREMENTAL);
  aqmp_backup_options_set_directory (options, f->backups);
  aqmp_backup_options_add_disk (options, "disk0");
  run = aqmp_backup_run_new (o.runner, o.catalog, options);
  aqmp_backup_run_run_async (run, NULL, other_run_done_cb, &record);
  g_assert_true (aqmp_test_wait_until (qemu_has_job, f, 60000));

  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "backup", "run", f->qemu->address, "--level",
                                       "incremental", "--disk", "disk0", "--to", f->backups, "--db", f->db, NULL),
                   ==, 2);
  aqmp_test_assert_one_error_line (err);
  g_assert_nonnull (strstr (err, "Another process is backing up machine"));
  g_assert_nonnull (strstr (err, "wait for it to end"));
  /* nothing recorded, no image made: the backups hold the full's image
   * and this process's incremental's */
  g_assert_cmpuint (other_count_backups (&o), ==, 2);
  g_assert_cmpuint (count_files (f->backups), ==, 2);

  aqmp_test_qemu_io (f->client, "disk0", "remove_break held");
  aqmp_test_qemu_io (f->client, "disk0", "resume held");
  g_assert_true (aqmp_test_wait_for_pointer ((gpointer *) &record, 60000));
  g_assert_cmpint (aqmp_backup_record_get_state (record), ==, AQMP_BACKUP_STATE_COMPLETED);
  g_assert_cmpint (aqmp_backup_record_get_id (record), ==, 2);
  other_close (&o);
  assert_restores (f, "2", copy);
}

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ADD ("/cli-backup/json", test_cli_backup_json);
  ADD ("/cli-backup/pty", test_cli_backup_pty);
  ADD ("/cli-backup/pty-40-columns", test_cli_backup_pty_narrow);
  ADD ("/cli-backup/ctrl-c", test_cli_backup_ctrl_c);
  ADD ("/cli-backup/bitmaps", test_cli_backup_bitmaps);
  ADD ("/cli-backup/offline", test_cli_backup_offline);
  ADD ("/cli-backup/killed", test_cli_backup_killed);
  ADD ("/cli-backup/quiesce", test_cli_backup_quiesce);
  ADD ("/cli-backup/pty-disks", test_cli_backup_pty_disks);
  ADD ("/cli-backup/lock-reconcile", test_cli_backup_lock_reconcile);
  ADD ("/cli-backup/lock-busy", test_cli_backup_lock_busy);
  return g_test_run ();
}
