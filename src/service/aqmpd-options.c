/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmpd-options.h"

/*
 * A typo in an option must not pass unnoticed: `allow-destructve` would
 * otherwise add a machine without what the caller asked for, and a
 * history filter of the wrong type would return every row.
 */

static const AqmpdOptionSpec *
aqmpd_options_find (const AqmpdOptionSpec *specs, const gchar *key)
{
  for (guint i = 0; specs[i].key != NULL; i++)
    if (g_strcmp0 (specs[i].key, key) == 0)
      return &specs[i];
  return NULL;
}

static gchar *
aqmpd_options_known (const AqmpdOptionSpec *specs)
{
  GString *known = g_string_new (NULL);

  for (guint i = 0; specs[i].key != NULL; i++)
    g_string_append_printf (known, "%s%s (%s)", i > 0 ? ", " : "", specs[i].key, specs[i].type);
  if (known->len == 0)
    g_string_append (known, "none");
  return g_string_free (known, FALSE);
}

static gboolean
aqmpd_options_check_one (const gchar *what, const AqmpdOptionSpec *specs, const gchar *key,
                         GVariant *value, GError **error)
{
  const AqmpdOptionSpec *spec = aqmpd_options_find (specs, key);
  g_autofree gchar *known = NULL;

  if (spec == NULL)
    {
      known = aqmpd_options_known (specs);
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                   "%s: unknown key '%s'; the keys are: %s", what, key, known);
      return FALSE;
    }
  if (!g_variant_is_of_type (value, G_VARIANT_TYPE (spec->type)))
    {
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                   "%s: key '%s' must be of type %s, not %s", what, key, spec->type,
                   g_variant_get_type_string (value));
      return FALSE;
    }
  return TRUE;
}

/**
 * aqmpd_options_check:
 * @options: an `a{sv}`
 * @what: what the dictionary is, for the message ("AddMachine options")
 * @specs: the known keys and their types
 *
 * Returns: %TRUE when every key of @options is known and well typed
 */
gboolean
aqmpd_options_check (GVariant *options, const gchar *what, const AqmpdOptionSpec *specs,
                     GError **error)
{
  GVariantIter iter;
  const gchar *key;
  GVariant *value;

  g_return_val_if_fail (g_variant_is_of_type (options, G_VARIANT_TYPE_VARDICT), FALSE);

  g_variant_iter_init (&iter, options);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autoptr(GVariant) owned = value;

      if (!aqmpd_options_check_one (what, specs, key, value, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
aqmpd_options_type_allowed (GVariant *value, const gchar * const *types)
{
  for (guint i = 0; types[i] != NULL; i++)
    if (g_variant_is_of_type (value, G_VARIANT_TYPE (types[i])))
      return TRUE;
  return FALSE;
}

/**
 * aqmpd_options_check_types:
 * @options: an `a{sv}` whose keys are somebody else's, such as a
 *   workflow's parameters
 * @types: the value types allowed for any key
 *
 * Returns: %TRUE when every value is of one of @types
 */
gboolean
aqmpd_options_check_types (GVariant *options, const gchar *what, const gchar * const *types,
                           GError **error)
{
  GVariantIter iter;
  const gchar *key;
  GVariant *value;

  g_return_val_if_fail (g_variant_is_of_type (options, G_VARIANT_TYPE_VARDICT), FALSE);

  g_variant_iter_init (&iter, options);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autoptr(GVariant) owned = value;
      g_autofree gchar *allowed = NULL;

      if (aqmpd_options_type_allowed (value, types))
        continue;
      allowed = g_strjoinv (", ", (gchar **) types);
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                   "%s: key '%s' has a value of type %s; allowed are %s", what, key,
                   g_variant_get_type_string (value), allowed);
      return FALSE;
    }
  return TRUE;
}
