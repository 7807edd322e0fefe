/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include <aqmp/aqmp.h>

#include "aqmp-args.h"

/*
 * Command arguments on the command line: either one JSON object, or
 * key=value pairs. Dotted keys nest (a.b=1 gives {"a": {"b": 1}}). A value
 * that parses as JSON is taken as JSON, anything else as a string; a size
 * with a unit (100M, 1G, 50MiB/s) given to a member that QMP counts in
 * bytes (speed, size, ...) is taken as that many bytes.
 */

/* QMP's members in bytes or bytes per second, whatever the command */
static const gchar * const aqmp_args_byte_members[] = {
  "speed", "size", "buf-size", "granularity", "cluster-size", "max-size", "bps", "bps-rd", "bps-wr",
  "bps-total", "bps-max", "bps-rd-max", "bps-wr-max", "bps-total-max", "max-bandwidth", "vcpu-dirty-limit",
  "xbzrle-cache-size", "max-postcopy-bandwidth", NULL
};

static JsonNode *
aqmp_args_parse_value (const gchar *key, const gchar *text)
{
  JsonNode *value = text[0] != '\0' ? aqmp_json_parse (text, -1, NULL) : NULL;
  guint64 bytes = 0;

  if (value != NULL)
    return value;
  if (g_strv_contains (aqmp_args_byte_members, key) && aqmp_args_parse_size (text, TRUE, 0, &bytes, NULL)
      && bytes <= G_MAXINT64)
    {
      value = json_node_new (JSON_NODE_VALUE);
      json_node_set_int (value, (gint64) bytes);
      return value;
    }
  value = json_node_new (JSON_NODE_VALUE);
  json_node_set_string (value, text);
  return value;
}

static JsonObject *
aqmp_args_descend (JsonObject *object, const gchar *key, const gchar *path, GError **error)
{
  JsonNode *node = json_object_get_member (object, key);

  if (node == NULL)
    {
      json_object_set_object_member (object, key, json_object_new ());
      return json_object_get_object_member (object, key);
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   /* TRANSLATORS: KEY=VALUE arguments: a.b=1 after a=2; the
                    * arguments are the dotted key and the conflicting part */
                   _("argument '%s' conflicts with an earlier value for '%s'"), path, key);
      return NULL;
    }
  return json_node_get_object (node);
}

static gboolean
aqmp_args_set (JsonObject *root, const gchar *arg, GError **error)
{
  const gchar *eq = strchr (arg, '=');
  g_autofree gchar *path = NULL;
  g_auto(GStrv) keys = NULL;
  JsonObject *object = root;
  guint n;

  if (eq == NULL || eq == arg)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   /* TRANSLATORS: keep KEY=VALUE as it is */
                   _("argument '%s' is not KEY=VALUE"), arg);
      return FALSE;
    }
  path = g_strndup (arg, eq - arg);
  keys = g_strsplit (path, ".", -1);
  n = g_strv_length (keys);
  for (guint i = 0; i < n; i++)
    {
      if (keys[i][0] == '\0')
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("argument '%s' has an empty key"), arg);
          return FALSE;
        }
    }
  for (guint i = 0; i + 1 < n; i++)
    {
      object = aqmp_args_descend (object, keys[i], path, error);
      if (object == NULL)
        return FALSE;
    }
  if (json_object_has_member (object, keys[n - 1]))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("argument '%s' is given twice"), path);
      return FALSE;
    }
  json_object_set_member (object, keys[n - 1], aqmp_args_parse_value (keys[n - 1], eq + 1));
  return TRUE;
}

/**
 * aqmp_args_parse:
 *
 * Returns: (transfer full) (nullable): the arguments object; %NULL with
 *   no error when there are no arguments
 */
JsonObject *
aqmp_args_parse (const gchar * const *args, gint n_args, GError **error)
{
  g_autoptr(JsonObject) root = NULL;

  if (n_args <= 0)
    return NULL;
  if (n_args == 1 && g_str_has_prefix (args[0], "{"))
    {
      g_autoptr(JsonNode) node = aqmp_json_parse (args[0], -1, error);

      if (node == NULL)
        {
          g_prefix_error (error, _("arguments are not valid JSON: "));
          return NULL;
        }
      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                               _("arguments must be a JSON object"));
          return NULL;
        }
      return json_object_ref (json_node_get_object (node));
    }
  root = json_object_new ();
  for (gint i = 0; i < n_args; i++)
    {
      if (!aqmp_args_set (root, args[i], error))
        return NULL;
    }
  return g_steal_pointer (&root);
}

/* K, M, G, T, P, E: powers of 1024, as QEMU reads sizes */
static gint
aqmp_args_size_shift (gchar unit)
{
  static const gchar units[] = "kmgtpe";
  const gchar *at = strchr (units, g_ascii_tolower (unit));

  return unit != '\0' && at != NULL ? (gint) (at - units + 1) * 10 : -1;
}

/**
 * aqmp_args_parse_size:
 * @text: `100M`, `1G`, `1.5GiB`, `4096`, and with @rate also `50MiB/s`
 * @rate: whether a trailing `/s` is allowed
 * @default_shift: the unit of a bare number, as a power of two: 0 for bytes,
 *   20 for MiB
 * @bytes: (out): the size in bytes
 *
 * Reads a size or a rate with an optional unit: K, M, G, T, P, E (or KiB,
 * KB, ...), all powers of 1024 as in QEMU, or B for bytes.
 */
gboolean
aqmp_args_parse_size (const gchar *text, gboolean rate, guint default_shift, guint64 *bytes, GError **error)
{
  g_autofree gchar *copy = g_strstrip (g_strdup (text));
  gchar *end = NULL;
  gdouble value;
  gint shift = (gint) default_shift;
  gdouble scaled;

  if (rate && g_str_has_suffix (copy, "/s"))
    copy[strlen (copy) - 2] = '\0';
  if (copy[0] == '\0' || copy[0] == '-' || !g_ascii_isdigit (copy[0]))
    goto invalid;
  value = g_ascii_strtod (copy, &end);
  while (*end == ' ')
    end++;
  if (*end != '\0')
    {
      if (g_ascii_tolower (*end) == 'b' && end[1] == '\0')
        shift = 0;
      else if ((shift = aqmp_args_size_shift (*end)) < 0)
        goto invalid;
      else if (end[1] != '\0' && g_ascii_strcasecmp (end + 1, "ib") != 0 && g_ascii_strcasecmp (end + 1, "b") != 0)
        goto invalid;
    }
  scaled = value * (gdouble) ((guint64) 1 << shift);
  if (scaled >= (gdouble) G_MAXINT64)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   /* TRANSLATORS: a size given on the command line is too large */
                   _("'%s' is too large"), text);
      return FALSE;
    }
  if (shift == 0 && scaled != (gdouble) (guint64) scaled)
    goto invalid;
  *bytes = (guint64) scaled;
  return TRUE;

invalid:
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               /* TRANSLATORS: a size; keep the examples as they are */
               rate ? _("'%s' is not a rate (such as 1048576, 100M, 50MiB/s)")
                    : _("'%s' is not a size (such as 1048576, 100M, 1G, 1.5GiB)"), text);
  return FALSE;
}
