/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "aqmp-schema.h"

/*
 * query-qmp-schema returns SchemaInfo objects: commands by name, types by
 * masked names ("123"). Argument names are the members of a command's
 * arg-type; a flat union adds the members of the variant its tag selects.
 */

struct _AqmpSchema {
  JsonNode *root;           /* keeps the infos alive */
  GHashTable *infos;        /* name -> JsonObject, borrowed from root */
  GPtrArray *commands;      /* sorted names */
};

static gint
aqmp_schema_compare (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar * const *) a, *(const gchar * const *) b);
}

static AqmpSchema *
aqmp_schema_new (JsonNode *root)
{
  AqmpSchema *self = g_new0 (AqmpSchema, 1);

  self->root = json_node_copy (root);
  self->infos = g_hash_table_new (g_str_hash, g_str_equal);
  self->commands = g_ptr_array_new_with_free_func (g_free);
  return self;
}

/* the schema as query-qmp-schema returned it; NULL if it is not one */
AqmpSchema *
aqmp_schema_new_from_schema (JsonNode *schema)
{
  g_autoptr(AqmpSchema) self = NULL;
  JsonArray *array;

  if (schema == NULL || !JSON_NODE_HOLDS_ARRAY (schema))
    return NULL;
  self = aqmp_schema_new (schema);
  array = json_node_get_array (self->root);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonObject *info;
      const gchar *name;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      info = json_node_get_object (node);
      name = json_object_get_string_member_with_default (info, "name", NULL);
      if (name == NULL)
        continue;
      g_hash_table_insert (self->infos, (gpointer) name, info);
      if (g_strcmp0 (json_object_get_string_member_with_default (info, "meta-type", NULL), "command") == 0)
        g_ptr_array_add (self->commands, g_strdup (name));
    }
  g_ptr_array_sort (self->commands, aqmp_schema_compare);
  return g_steal_pointer (&self);
}

/* names only, from query-commands */
AqmpSchema *
aqmp_schema_new_from_commands (JsonNode *commands)
{
  g_autoptr(AqmpSchema) self = NULL;
  JsonArray *array;

  if (commands == NULL || !JSON_NODE_HOLDS_ARRAY (commands))
    return NULL;
  self = aqmp_schema_new (commands);
  array = json_node_get_array (self->root);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      const gchar *name;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      name = json_object_get_string_member_with_default (json_node_get_object (node), "name", NULL);
      if (name != NULL)
        g_ptr_array_add (self->commands, g_strdup (name));
    }
  g_ptr_array_sort (self->commands, aqmp_schema_compare);
  return g_steal_pointer (&self);
}

void
aqmp_schema_free (AqmpSchema *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->infos);
  g_ptr_array_unref (self->commands);
  json_node_unref (self->root);
  g_free (self);
}

guint
aqmp_schema_get_n_commands (AqmpSchema *self)
{
  return self->commands->len;
}

gboolean
aqmp_schema_has_command (AqmpSchema *self, const gchar *name)
{
  return g_ptr_array_find_with_equal_func (self->commands, name, g_str_equal, NULL);
}

static GPtrArray *
aqmp_schema_matches_new (void)
{
  return g_ptr_array_new_with_free_func (g_free);
}

GPtrArray *
aqmp_schema_complete_command (AqmpSchema *self, const gchar *prefix)
{
  GPtrArray *matches = aqmp_schema_matches_new ();

  for (guint i = 0; i < self->commands->len; i++)
    {
      const gchar *name = g_ptr_array_index (self->commands, i);
      if (g_str_has_prefix (name, prefix))
        g_ptr_array_add (matches, g_strdup (name));
    }
  return matches;
}

/* ----- walking types ----- */

static JsonObject *
aqmp_schema_info (AqmpSchema *self, const gchar *name)
{
  if (name == NULL)
    return NULL;
  return g_hash_table_lookup (self->infos, name);
}

static const gchar *
aqmp_schema_meta (JsonObject *info)
{
  return json_object_get_string_member_with_default (info, "meta-type", "");
}

/* an alternate stands for its object branch, if it has one */
static JsonObject *
aqmp_schema_as_object (AqmpSchema *self, JsonObject *info)
{
  JsonArray *members;

  if (info == NULL)
    return NULL;
  if (g_strcmp0 (aqmp_schema_meta (info), "object") == 0)
    return info;
  if (g_strcmp0 (aqmp_schema_meta (info), "alternate") != 0 || !json_object_has_member (info, "members"))
    return NULL;
  members = json_object_get_array_member (info, "members");
  for (guint i = 0; i < json_array_get_length (members); i++)
    {
      JsonObject *alt = json_array_get_object_element (members, i);
      JsonObject *type = aqmp_schema_info (self, json_object_get_string_member_with_default (alt, "type", NULL));
      if (type != NULL && g_strcmp0 (aqmp_schema_meta (type), "object") == 0)
        return type;
    }
  return NULL;
}

static void
aqmp_schema_collect_members (AqmpSchema *self, JsonObject *object, JsonObject *given, GPtrArray *out)
{
  const gchar *tag;
  JsonArray *array;

  if (object == NULL)
    return;
  if (json_object_has_member (object, "members"))
    {
      array = json_object_get_array_member (object, "members");
      for (guint i = 0; i < json_array_get_length (array); i++)
        g_ptr_array_add (out, json_array_get_object_element (array, i));
    }
  /* a flat union: the tag's value picks the variant */
  tag = json_object_get_string_member_with_default (object, "tag", NULL);
  if (tag == NULL || given == NULL || !json_object_has_member (object, "variants"))
    return;
  if (!JSON_NODE_HOLDS_VALUE (json_object_get_member (given, tag))
      || json_node_get_value_type (json_object_get_member (given, tag)) != G_TYPE_STRING)
    return;
  array = json_object_get_array_member (object, "variants");
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *variant = json_array_get_object_element (array, i);
      if (g_strcmp0 (json_object_get_string_member_with_default (variant, "case", NULL),
                     json_object_get_string_member (given, tag)) == 0)
        aqmp_schema_collect_members (self, aqmp_schema_info (self, json_object_get_string_member_with_default (variant, "type", NULL)),
                                     given, out);
    }
}

static JsonObject *
aqmp_schema_find_member (AqmpSchema *self, JsonObject *object, JsonObject *given, const gchar *name)
{
  g_autoptr(GPtrArray) members = g_ptr_array_new ();

  aqmp_schema_collect_members (self, object, given, members);
  for (guint i = 0; i < members->len; i++)
    {
      JsonObject *member = g_ptr_array_index (members, i);
      if (g_strcmp0 (json_object_get_string_member_with_default (member, "name", NULL), name) == 0)
        return member;
    }
  return NULL;
}

static JsonObject *
aqmp_schema_given_child (JsonObject *given, const gchar *name)
{
  if (given == NULL || !json_object_has_member (given, name))
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (json_object_get_member (given, name)))
    return NULL;
  return json_object_get_object_member (given, name);
}

static void
aqmp_schema_complete_values (AqmpSchema *self, JsonObject *type, const gchar *key,
                             const gchar *prefix, GPtrArray *matches)
{
  const gchar *json_type;

  if (type == NULL)
    return;
  if (g_strcmp0 (aqmp_schema_meta (type), "enum") == 0 && json_object_has_member (type, "values"))
    {
      JsonArray *values = json_object_get_array_member (type, "values");
      for (guint i = 0; i < json_array_get_length (values); i++)
        {
          const gchar *value = json_array_get_string_element (values, i);
          if (value != NULL && g_str_has_prefix (value, prefix))
            g_ptr_array_add (matches, g_strdup_printf ("%s=%s", key, value));
        }
      return;
    }
  json_type = json_object_get_string_member_with_default (type, "json-type", NULL);
  if (g_strcmp0 (json_type, "boolean") != 0)
    return;
  if (g_str_has_prefix ("true", prefix))
    g_ptr_array_add (matches, g_strdup_printf ("%s=true", key));
  if (g_str_has_prefix ("false", prefix))
    g_ptr_array_add (matches, g_strdup_printf ("%s=false", key));
}

/*
 * Completes @word ("na", "a.b.na", "key=va") against the members of
 * @object; @given holds the arguments typed so far, for union tags and to
 * leave out names already given.
 */
static GPtrArray *
aqmp_schema_complete_in (AqmpSchema *self, JsonObject *object, JsonObject *given, const gchar *word)
{
  GPtrArray *matches = aqmp_schema_matches_new ();
  const gchar *eq = strchr (word, '=');
  g_autofree gchar *key = g_strndup (word, eq != NULL ? (gsize) (eq - word) : strlen (word));
  g_auto(GStrv) path = g_strsplit (key, ".", -1);
  guint n = g_strv_length (path);
  g_autoptr(GPtrArray) members = g_ptr_array_new ();
  g_autofree gchar *parent = NULL;

  if (n == 0)
    {
      g_strfreev (path);
      path = g_new0 (gchar *, 2);
      path[0] = g_strdup ("");
      n = 1;
    }
  for (guint i = 0; i + 1 < n && object != NULL; i++)
    {
      JsonObject *member = aqmp_schema_find_member (self, object, given, path[i]);
      const gchar *type = member != NULL ? json_object_get_string_member_with_default (member, "type", NULL) : NULL;

      object = aqmp_schema_as_object (self, aqmp_schema_info (self, type));
      given = aqmp_schema_given_child (given, path[i]);
    }
  if (object == NULL)
    return matches;

  if (eq != NULL)
    {
      JsonObject *member = aqmp_schema_find_member (self, object, given, path[n - 1]);
      if (member != NULL)
        aqmp_schema_complete_values (self, aqmp_schema_info (self, json_object_get_string_member_with_default (member, "type", NULL)),
                                     key, eq + 1, matches);
      return matches;
    }

  parent = n > 1 ? g_strndup (key, strlen (key) - strlen (path[n - 1])) : g_strdup ("");
  aqmp_schema_collect_members (self, object, given, members);
  for (guint i = 0; i < members->len; i++)
    {
      JsonObject *member = g_ptr_array_index (members, i);
      const gchar *name = json_object_get_string_member_with_default (member, "name", NULL);
      JsonObject *type;

      if (name == NULL || !g_str_has_prefix (name, path[n - 1]))
        continue;
      if (given != NULL && json_object_has_member (given, name))
        continue;
      type = aqmp_schema_info (self, json_object_get_string_member_with_default (member, "type", NULL));
      /* a nested object continues with a dot, anything else takes a value */
      if (type != NULL && g_strcmp0 (aqmp_schema_meta (type), "object") == 0)
        g_ptr_array_add (matches, g_strdup_printf ("%s%s.", parent, name));
      else
        g_ptr_array_add (matches, g_strdup_printf ("%s%s=", parent, name));
    }
  return matches;
}

static JsonObject *
aqmp_schema_arg_type (AqmpSchema *self, const gchar *command)
{
  JsonObject *info = aqmp_schema_info (self, command);

  if (info == NULL || g_strcmp0 (aqmp_schema_meta (info), "command") != 0)
    return NULL;
  return aqmp_schema_info (self, json_object_get_string_member_with_default (info, "arg-type", NULL));
}

GPtrArray *
aqmp_schema_complete_argument (AqmpSchema *self, const gchar *command, JsonObject *given, const gchar *word)
{
  JsonObject *object = aqmp_schema_as_object (self, aqmp_schema_arg_type (self, command));

  if (object == NULL)
    return aqmp_schema_matches_new ();
  return aqmp_schema_complete_in (self, object, given, word);
}

/* ----- transaction actions ----- */

/* transaction's actions: an array of a union tagged by "type" */
static JsonObject *
aqmp_schema_action_union (AqmpSchema *self)
{
  JsonObject *args = aqmp_schema_as_object (self, aqmp_schema_arg_type (self, "transaction"));
  JsonObject *actions;
  JsonObject *array;

  if (args == NULL)
    return NULL;
  actions = aqmp_schema_find_member (self, args, NULL, "actions");
  if (actions == NULL)
    return NULL;
  array = aqmp_schema_info (self, json_object_get_string_member_with_default (actions, "type", NULL));
  if (array == NULL || g_strcmp0 (aqmp_schema_meta (array), "array") != 0)
    return NULL;
  return aqmp_schema_as_object (self, aqmp_schema_info (self, json_object_get_string_member_with_default (array, "element-type", NULL)));
}

GPtrArray *
aqmp_schema_complete_action (AqmpSchema *self, const gchar *prefix)
{
  GPtrArray *matches = aqmp_schema_matches_new ();
  JsonObject *action = aqmp_schema_action_union (self);
  JsonArray *variants;

  if (action == NULL || !json_object_has_member (action, "variants"))
    return matches;
  variants = json_object_get_array_member (action, "variants");
  for (guint i = 0; i < json_array_get_length (variants); i++)
    {
      const gchar *name = json_object_get_string_member_with_default (json_array_get_object_element (variants, i), "case", NULL);
      if (name != NULL && g_str_has_prefix (name, prefix))
        g_ptr_array_add (matches, g_strdup (name));
    }
  g_ptr_array_sort (matches, aqmp_schema_compare);
  return matches;
}

GPtrArray *
aqmp_schema_complete_action_argument (AqmpSchema *self, const gchar *action, JsonObject *given, const gchar *word)
{
  g_autoptr(JsonObject) tag = json_object_new ();
  JsonObject *wrapper = NULL;
  JsonObject *data;
  JsonObject *object = aqmp_schema_action_union (self);
  g_autoptr(GPtrArray) members = g_ptr_array_new ();

  if (object == NULL)
    return aqmp_schema_matches_new ();
  /* the variant for @action wraps its arguments in "data" */
  json_object_set_string_member (tag, json_object_get_string_member_with_default (object, "tag", "type"), action);
  aqmp_schema_collect_members (self, object, tag, members);
  for (guint i = 0; i < members->len && wrapper == NULL; i++)
    {
      JsonObject *member = g_ptr_array_index (members, i);
      if (g_strcmp0 (json_object_get_string_member_with_default (member, "name", NULL), "data") == 0)
        wrapper = member;
    }
  if (wrapper == NULL)
    return aqmp_schema_matches_new ();
  data = aqmp_schema_as_object (self, aqmp_schema_info (self, json_object_get_string_member_with_default (wrapper, "type", NULL)));
  if (data == NULL)
    return aqmp_schema_matches_new ();
  return aqmp_schema_complete_in (self, data, given, word);
}
