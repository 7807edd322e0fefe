/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The translations: po/POTFILES names every CLI source with a marked
 * string, and the German catalogue translates every one of them.
 */
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

static const gchar *
source_dir (void)
{
  const gchar *dir = g_getenv ("AQMP_SRCDIR");

  if (dir == NULL)
    g_error ("AQMP_SRCDIR is not set; run this test through meson");
  return dir;
}

static GPtrArray *
read_potfiles (void)
{
  g_autofree gchar *path = g_build_filename (source_dir (), "po", "POTFILES", NULL);
  g_autofree gchar *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_strstrip (lines[i]);
      if (lines[i][0] == '\0' || lines[i][0] == '#')
        continue;
      g_ptr_array_add (files, g_strdup (lines[i]));
    }
  return files;
}

static gboolean
has_marked_string (const gchar *path)
{
  g_autofree gchar *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return FALSE;
  return strstr (contents, "_(\"") != NULL || strstr (contents, "N_(\"") != NULL;
}

static void
test_potfiles_complete (void)
{
  g_autoptr(GPtrArray) listed = read_potfiles ();
  const gchar *dirs[] = { "src/cli", NULL };
  guint checked = 0;

  /* everything listed exists */
  for (guint i = 0; i < listed->len; i++)
    {
      g_autofree gchar *path = g_build_filename (source_dir (), g_ptr_array_index (listed, i), NULL);
      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        g_error ("po/POTFILES lists %s, which does not exist", (gchar *) g_ptr_array_index (listed, i));
    }

  /* every source with a marked string is listed */
  for (guint d = 0; dirs[d] != NULL; d++)
    {
      g_autofree gchar *dir_path = g_build_filename (source_dir (), dirs[d], NULL);
      g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
      const gchar *name;

      g_assert_nonnull (dir);
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree gchar *rel = g_build_filename (dirs[d], name, NULL);
          g_autofree gchar *path = g_build_filename (source_dir (), rel, NULL);

          if (!g_str_has_suffix (name, ".c") && !g_str_has_suffix (name, ".h"))
            continue;
          checked++;
          if (has_marked_string (path) && !g_ptr_array_find_with_equal_func (listed, rel, g_str_equal, NULL))
            g_error ("%s has translatable strings but is missing from po/POTFILES", rel);
        }
    }
  g_assert_cmpuint (checked, >, 0);
}

static gchar *
find_tool (const gchar *name)
{
  gchar *path = g_find_program_in_path (name);

  if (path == NULL)
    g_error ("%s was not found; install gettext", name);
  return path;
}

static void
run (const gchar * const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  gint status = 0;

  g_spawn_sync (source_dir (), (gchar **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s failed:\n%s%s", argv[0], out, err);
}

/* msgcmp fails on every msgid the catalogue leaves untranslated or fuzzy */
static void
test_german_complete (void)
{
  g_autofree gchar *xgettext = find_tool ("xgettext");
  g_autofree gchar *msgcmp = find_tool ("msgcmp");
  g_autofree gchar *msgfmt = find_tool ("msgfmt");
  g_autofree gchar *tmp = g_dir_make_tmp ("aqmp-po-XXXXXX", NULL);
  g_autofree gchar *pot = g_build_filename (tmp, "aqmp.pot", NULL);
  const gchar *extract[] = { xgettext, "--from-code=UTF-8", "--keyword=_", "--keyword=N_",
                             "--files-from=po/POTFILES", "--output", pot, NULL };
  const gchar *compare[] = { msgcmp, "po/de.po", pot, NULL };
  const gchar *check[] = { msgfmt, "--check", "--output-file=/dev/null", "po/de.po", NULL };

  g_assert_nonnull (tmp);
  run (extract);
  run (compare);
  run (check);
  g_unlink (pot);
  g_rmdir (tmp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/aqmp/po/potfiles", test_potfiles_complete);
  g_test_add_func ("/aqmp/po/german", test_german_complete);
  return g_test_run ();
}
