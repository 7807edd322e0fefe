/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include <aqmp/aqmp.h>

#include "aqmp-args.h"

/*
 * Command arguments on the command line: either one JSON object, or
 * key=value pairs. Dotted keys nest (a.b=1 gives {"a": {"b": 1}}). A value
 * that parses as JSON is taken as JSON, anything else as a string.
 */

static JsonNode *
aqmp_args_parse_value (const gchar *text)
{
  JsonNode *value = text[0] != '\0' ? aqmp_json_parse (text, -1, NULL) : NULL;

  if (value != NULL)
    return value;
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
  json_object_set_member (object, keys[n - 1], aqmp_args_parse_value (eq + 1));
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
