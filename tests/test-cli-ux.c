/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The aqmp tool as a new user meets it (issue 19), against a real QEMU 7.2
 * (`-machine none`, null-co nodes) and the project's test server: a
 * progress bar that fits the terminal at 40, 80 and 200 columns and after
 * a resize.
 */
#include <string.h>

#include "aqmp-test-cli.h"

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
  return g_test_run ();
}
