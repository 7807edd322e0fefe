/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The translations: po/POTFILES names every CLI and daemon source with a
 * marked string, the German catalogue translates every one of them, and no
 * string the tool prints is left unmarked.
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
  const gchar *dirs[] = { "src/cli", "src/service", NULL };
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

/* ----- user-visible strings left unmarked ----- */

/* words in a C string literal, once printf conversions, escapes, option
 * names and the programs' own names are gone */
static gboolean
has_words (const gchar *literal)
{
  static const gchar * const strip[] = {
    "%[-+ #0-9.*]*(?:l|ll|h|z)?[a-zA-Z]",    /* conversions */
    "\\\\[0-7]{1,3}(?:\\[[0-9;]*[A-Za-z])?", /* escape sequences */
    "\\\\[ntr\"\\\\]",
    "--[a-z][a-z-]*",                       /* option names */
    "\\baqmpd?\\b",
  };
  g_autofree gchar *text = g_strdup (literal);

  for (guint i = 0; i < G_N_ELEMENTS (strip); i++)
    {
      g_autoptr(GRegex) re = g_regex_new (strip[i], 0, 0, NULL);
      gchar *next;

      g_assert_nonnull (re);
      next = g_regex_replace_literal (re, text, -1, 0, "", 0, NULL);
      g_free (text);
      text = next;
    }
  return g_regex_match_simple ("[A-Za-z]{2,}", text, 0, 0);
}

/*
 * What the tool prints goes through a few functions; their format given as
 * a bare literal with words in it is a string left untranslated. The
 * daemon's D-Bus errors and its log stay English (aqmpd(8)); what aqmpd
 * prints on a terminal is checked like the tool's.
 */
static void
test_all_marked (void)
{
  static const struct { const gchar *dir; const gchar *pattern; } checks[] = {
    { "src/cli", "\\b(?:aqmp_cli_error|aqmp_cli_warning|g_print|g_printerr)\\s*\\(\\s*\"((?:[^\"\\\\]|\\\\.)*)\"" },
    { "src/cli", "\\baqmp_shell_message\\s*\\([^,;]+,[^,;]+,\\s*\"((?:[^\"\\\\]|\\\\.)*)\"" },
    { "src/cli", "\\bg_option_context_new\\s*\\(\\s*\"((?:[^\"\\\\]|\\\\.)*)\"" },
    { "src/service", "\\b(?:g_print|g_printerr)\\s*\\(\\s*\"((?:[^\"\\\\]|\\\\.)*)\"" },
  };
  g_autoptr(GString) found = g_string_new (NULL);
  guint scanned = 0;

  for (guint c = 0; c < G_N_ELEMENTS (checks); c++)
    {
      g_autofree gchar *dir_path = g_build_filename (source_dir (), checks[c].dir, NULL);
      g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
      g_autoptr(GRegex) re = g_regex_new (checks[c].pattern, G_REGEX_MULTILINE, 0, NULL);
      const gchar *name;

      g_assert_nonnull (dir);
      g_assert_nonnull (re);
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree gchar *path = g_build_filename (dir_path, name, NULL);
          g_autofree gchar *contents = NULL;
          g_autoptr(GMatchInfo) match = NULL;

          if (!g_str_has_suffix (name, ".c") || !g_file_get_contents (path, &contents, NULL, NULL))
            continue;
          scanned++;
          for (g_regex_match (re, contents, 0, &match); g_match_info_matches (match);
               g_match_info_next (match, NULL))
            {
              g_autofree gchar *literal = g_match_info_fetch (match, 1);

              if (has_words (literal))
                g_string_append_printf (found, "  %s/%s: \"%s\"\n", checks[c].dir, name, literal);
            }
        }
    }
  g_assert_cmpuint (scanned, >, 0);
  if (found->len > 0)
    g_error ("user-visible strings not marked for translation (wrap them in _() or N_()):\n%s", found->str);
}

/* the check itself: it finds what it should, and lets pass what it should */
static void
test_marked_check (void)
{
  g_assert_true (has_words ("Transitions:\\n"));
  g_assert_true (has_words ("cannot connect to %s: %s"));
  g_assert_false (has_words ("%s\\n"));
  g_assert_false (has_words ("%-10s %s\\n"));
  g_assert_false (has_words ("--compat: %s"));
  g_assert_false (has_words ("aqmpd: %s\\n"));
  g_assert_false (has_words ("\\r\\033[K"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/aqmp/po/potfiles", test_potfiles_complete);
  g_test_add_func ("/aqmp/po/german", test_german_complete);
  g_test_add_func ("/aqmp/po/marked-check", test_marked_check);
  g_test_add_func ("/aqmp/po/all-marked", test_all_marked);
  return g_test_run ();
}
