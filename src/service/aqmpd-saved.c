/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmpd-saved.h"

/* "machines" beside the database: /var/lib/aqmp/machines for the system
 * daemon */
gchar *
aqmpd_saved_path (const gchar *database)
{
  g_autofree gchar *dir = g_path_get_dirname (database);

  return g_build_filename (dir, "machines", NULL);
}

/* the saved machines; an empty array when there is no file yet */
GVariant *
aqmpd_saved_read (const gchar *path, GError **error)
{
  g_autofree gchar *text = NULL;
  g_autoptr(GError) local = NULL;
  GVariant *machines;

  if (!g_file_get_contents (path, &text, NULL, &local))
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE ("(ssa{sv})"), NULL, 0));
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  machines = g_variant_parse (G_VARIANT_TYPE (AQMPD_SAVED_TYPE), text, NULL, NULL, &local);
  if (machines == NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s is not a list of machines: %s", path,
                   local->message);
      return NULL;
    }
  return machines;
}

/* replaces the file at once: a crash leaves the old list or the new one */
gboolean
aqmpd_saved_write (const gchar *path, GVariant *machines, GError **error)
{
  g_autofree gchar *text = g_variant_print (machines, TRUE);
  g_autofree gchar *line = g_strdup_printf ("%s\n", text);

  g_return_val_if_fail (g_variant_is_of_type (machines, G_VARIANT_TYPE (AQMPD_SAVED_TYPE)), FALSE);
  return g_file_set_contents_full (path, line, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}
