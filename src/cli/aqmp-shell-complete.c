/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "aqmp-shell-complete.h"

static GPtrArray *
aqmp_complete_matches_new (void)
{
  return g_ptr_array_new_with_free_func (g_free);
}

static gint
aqmp_complete_compare (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar * const *) a, *(const gchar * const *) b);
}

GPtrArray *
aqmp_shell_complete_command (AqmpSchema *schema, const gchar *prefix)
{
  GPtrArray *matches = aqmp_complete_matches_new ();
  g_autoptr(GPtrArray) commands = aqmp_schema_list_commands (schema);

  for (guint i = 0; i < commands->len; i++)
    {
      const gchar *name = aqmp_schema_entry_get_name (commands->pdata[i]);

      if (g_str_has_prefix (name, prefix))
        g_ptr_array_add (matches, g_strdup (name));
    }
  return matches;
}

/* an alternate stands for its object branch, if it has one */
static const AqmpSchemaEntry *
aqmp_complete_as_object (const AqmpSchemaEntry *type)
{
  if (type == NULL)
    return NULL;
  if (aqmp_schema_entry_get_kind (type) == AQMP_SCHEMA_KIND_OBJECT)
    return type;
  if (aqmp_schema_entry_get_kind (type) != AQMP_SCHEMA_KIND_ALTERNATE)
    return NULL;
  for (guint i = 0; i < aqmp_schema_entry_get_n_alternatives (type); i++)
    {
      const AqmpSchemaEntry *alt = aqmp_schema_entry_get_alternative (type, i);

      if (aqmp_schema_entry_get_kind (alt) == AQMP_SCHEMA_KIND_OBJECT)
        return alt;
    }
  return NULL;
}

/* the object's members, and those of the variant its given tag selects */
static void
aqmp_complete_collect (const AqmpSchemaEntry *object, JsonObject *given, GPtrArray *out)
{
  const gchar *tag;
  JsonNode *value;
  const AqmpSchemaVariant *variant;

  if (object == NULL)
    return;
  for (guint i = 0; i < aqmp_schema_entry_get_n_members (object); i++)
    g_ptr_array_add (out, (gpointer) aqmp_schema_entry_get_member (object, i));
  tag = aqmp_schema_entry_get_tag (object);
  if (tag == NULL || given == NULL)
    return;
  value = json_object_get_member (given, tag);
  if (value == NULL || !JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
    return;
  variant = aqmp_schema_entry_lookup_variant (object, json_node_get_string (value));
  if (variant != NULL)
    aqmp_complete_collect (aqmp_schema_variant_get_type_entry (variant), given, out);
}

static const AqmpSchemaMember *
aqmp_complete_find_member (const AqmpSchemaEntry *object, JsonObject *given, const gchar *name)
{
  g_autoptr(GPtrArray) members = g_ptr_array_new ();

  aqmp_complete_collect (object, given, members);
  for (guint i = 0; i < members->len; i++)
    if (g_strcmp0 (aqmp_schema_member_get_name (members->pdata[i]), name) == 0)
      return members->pdata[i];
  return NULL;
}

static JsonObject *
aqmp_complete_given_child (JsonObject *given, const gchar *name)
{
  JsonNode *node = given != NULL ? json_object_get_member (given, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static void
aqmp_complete_values (const AqmpSchemaEntry *type, const gchar *key, const gchar *prefix, GPtrArray *matches)
{
  if (aqmp_schema_entry_get_kind (type) == AQMP_SCHEMA_KIND_ENUM)
    {
      for (guint i = 0; i < aqmp_schema_entry_get_n_values (type); i++)
        {
          const gchar *value = aqmp_schema_entry_get_value (type, i);

          if (g_str_has_prefix (value, prefix))
            g_ptr_array_add (matches, g_strdup_printf ("%s=%s", key, value));
        }
      return;
    }
  if (g_strcmp0 (aqmp_schema_entry_get_json_type (type), "boolean") != 0)
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
aqmp_complete_in (const AqmpSchemaEntry *object, JsonObject *given, const gchar *word)
{
  GPtrArray *matches = aqmp_complete_matches_new ();
  const gchar *eq = strchr (word, '=');
  g_autofree gchar *key = g_strndup (word, eq != NULL ? (gsize) (eq - word) : strlen (word));
  g_auto(GStrv) path = g_strsplit (key, ".", -1);
  guint n = g_strv_length (path);
  g_autoptr(GPtrArray) members = g_ptr_array_new ();
  g_autofree gchar *parent = NULL;
  const gchar *last = n > 0 ? path[n - 1] : "";

  for (guint i = 0; n > 0 && i + 1 < n && object != NULL; i++)
    {
      const AqmpSchemaMember *member = aqmp_complete_find_member (object, given, path[i]);

      object = member != NULL ? aqmp_complete_as_object (aqmp_schema_member_get_type_entry (member)) : NULL;
      given = aqmp_complete_given_child (given, path[i]);
    }
  if (object == NULL)
    return matches;
  if (eq != NULL)
    {
      const AqmpSchemaMember *member = aqmp_complete_find_member (object, given, last);

      if (member != NULL)
        aqmp_complete_values (aqmp_schema_member_get_type_entry (member), key, eq + 1, matches);
      return matches;
    }
  parent = g_strndup (key, strlen (key) - strlen (last));
  aqmp_complete_collect (object, given, members);
  for (guint i = 0; i < members->len; i++)
    {
      const gchar *name = aqmp_schema_member_get_name (members->pdata[i]);
      const AqmpSchemaEntry *type = aqmp_schema_member_get_type_entry (members->pdata[i]);

      if (!g_str_has_prefix (name, last) || (given != NULL && json_object_has_member (given, name)))
        continue;
      /* a nested object continues with a dot, anything else takes a value */
      if (aqmp_schema_entry_get_kind (type) == AQMP_SCHEMA_KIND_OBJECT)
        g_ptr_array_add (matches, g_strdup_printf ("%s%s.", parent, name));
      else
        g_ptr_array_add (matches, g_strdup_printf ("%s%s=", parent, name));
    }
  return matches;
}

static const AqmpSchemaEntry *
aqmp_complete_arg_type (AqmpSchema *schema, const gchar *command)
{
  const AqmpSchemaEntry *entry = aqmp_schema_lookup_command (schema, command);

  return entry != NULL ? aqmp_complete_as_object (aqmp_schema_entry_get_arg_type (entry)) : NULL;
}

GPtrArray *
aqmp_shell_complete_argument (AqmpSchema *schema, const gchar *command, JsonObject *given, const gchar *word)
{
  const AqmpSchemaEntry *object = aqmp_complete_arg_type (schema, command);

  if (object == NULL)
    return aqmp_complete_matches_new ();
  return aqmp_complete_in (object, given, word);
}

/* transaction's actions: an array of a union tagged by "type" */
static const AqmpSchemaEntry *
aqmp_complete_action_union (AqmpSchema *schema)
{
  const AqmpSchemaEntry *args = aqmp_complete_arg_type (schema, "transaction");
  const AqmpSchemaMember *actions = args != NULL ? aqmp_schema_entry_lookup_member (args, "actions") : NULL;
  const AqmpSchemaEntry *array = actions != NULL ? aqmp_schema_member_get_type_entry (actions) : NULL;

  if (array == NULL || aqmp_schema_entry_get_kind (array) != AQMP_SCHEMA_KIND_ARRAY)
    return NULL;
  return aqmp_complete_as_object (aqmp_schema_entry_get_element_type (array));
}

GPtrArray *
aqmp_shell_complete_action (AqmpSchema *schema, const gchar *prefix)
{
  GPtrArray *matches = aqmp_complete_matches_new ();
  const AqmpSchemaEntry *action = aqmp_complete_action_union (schema);

  for (guint i = 0; action != NULL && i < aqmp_schema_entry_get_n_variants (action); i++)
    {
      const gchar *name = aqmp_schema_variant_get_case (aqmp_schema_entry_get_variant (action, i));

      if (g_str_has_prefix (name, prefix))
        g_ptr_array_add (matches, g_strdup (name));
    }
  g_ptr_array_sort (matches, aqmp_complete_compare);
  return matches;
}

GPtrArray *
aqmp_shell_complete_action_argument (AqmpSchema *schema, const gchar *action, JsonObject *given,
                                     const gchar *word)
{
  const AqmpSchemaEntry *object = aqmp_complete_action_union (schema);
  const AqmpSchemaVariant *variant = object != NULL ? aqmp_schema_entry_lookup_variant (object, action) : NULL;
  const AqmpSchemaMember *data;

  /* the variant for @action wraps its arguments in "data" */
  data = variant != NULL ? aqmp_schema_entry_lookup_member (aqmp_schema_variant_get_type_entry (variant), "data")
                         : NULL;
  if (data == NULL || aqmp_complete_as_object (aqmp_schema_member_get_type_entry (data)) == NULL)
    return aqmp_complete_matches_new ();
  return aqmp_complete_in (aqmp_complete_as_object (aqmp_schema_member_get_type_entry (data)), given, word);
}
