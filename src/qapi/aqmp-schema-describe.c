/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <aqmp/aqmp.h>

#include "aqmp-schema-describe.h"
#include "aqmp-schema-entry-private.h"
#include "aqmp-suggest.h"

/*
 * A command's or an event's arguments and return as a tree, in words
 * rather than introspection's masked names: as JSON (`aqmp describe
 * --json`) and as indented text made from that JSON.
 *
 * A type met again inside itself (a block node's children are block
 * nodes) is described once; the inner one says "as above".
 */

static JsonNode *aqmp_describe_type (const AqmpSchemaEntry *type, GPtrArray *stack);

/* a node that takes over @object (json_node_init_object() would add a ref) */
static JsonNode *
aqmp_describe_node (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  return node;
}

static JsonArray *
aqmp_describe_strv (const gchar **strv)
{
  JsonArray *array = json_array_new ();

  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    json_array_add_string_element (array, strv[i]);
  return array;
}

static const gchar *
aqmp_describe_builtin_name (const AqmpSchemaEntry *type)
{
  const gchar *t = type->json_type;

  if (g_strcmp0 (t, "int") == 0)
    return "integer";
  if (g_strcmp0 (t, "value") == 0)
    return "any";
  return t;
}

static JsonArray *
aqmp_describe_members (const AqmpSchemaEntry *object, GPtrArray *stack)
{
  JsonArray *members = json_array_new ();

  for (guint i = 0; i < object->n_members; i++)
    {
      const AqmpSchemaMember *m = &object->members[i];
      JsonObject *member = json_object_new ();

      json_object_set_string_member (member, "name", m->name);
      json_object_set_boolean_member (member, "optional", m->optional);
      if (m->features != NULL)
        json_object_set_array_member (member, "features", aqmp_describe_strv (m->features));
      json_object_set_member (member, "type", aqmp_describe_type (m->type, stack));
      json_array_add_object_element (members, member);
    }
  return members;
}

static void
aqmp_describe_object (JsonObject *out, const AqmpSchemaEntry *type, GPtrArray *stack)
{
  JsonArray *variants;

  json_object_set_array_member (out, "members", aqmp_describe_members (type, stack));
  if (type->tag == NULL)
    return;
  json_object_set_string_member (out, "tag", type->tag);
  variants = json_array_new ();
  for (guint i = 0; i < type->n_variants; i++)
    {
      JsonObject *variant = json_object_new ();

      json_object_set_string_member (variant, "case", type->variants[i].tag_value);
      json_object_set_array_member (variant, "members", aqmp_describe_members (type->variants[i].type, stack));
      json_array_add_object_element (variants, variant);
    }
  json_object_set_array_member (out, "variants", variants);
}

static void
aqmp_describe_enum (JsonObject *out, const AqmpSchemaEntry *type)
{
  JsonObject *features = NULL;

  json_object_set_array_member (out, "values", aqmp_describe_strv (type->values));
  for (guint i = 0; type->value_features != NULL && i < type->n_values; i++)
    {
      if (type->value_features[i] == NULL)
        continue;
      if (features == NULL)
        features = json_object_new ();
      json_object_set_array_member (features, type->values[i], aqmp_describe_strv (type->value_features[i]));
    }
  if (features != NULL)
    json_object_set_object_member (out, "value-features", features);
}

static void
aqmp_describe_alternate (JsonObject *out, const AqmpSchemaEntry *type, GPtrArray *stack)
{
  JsonArray *alternatives = json_array_new ();

  for (guint i = 0; i < type->n_alternatives; i++)
    json_array_add_element (alternatives, aqmp_describe_type (type->alternatives[i], stack));
  json_object_set_array_member (out, "alternatives", alternatives);
}

static JsonNode *
aqmp_describe_type (const AqmpSchemaEntry *type, GPtrArray *stack)
{
  JsonObject *out = json_object_new ();
  g_autofree gchar *words = aqmp_schema_entry_describe_type (type);
  static const gchar * const kinds[] = { NULL, "enum", "array", "object", "alternate", NULL, NULL };

  json_object_set_string_member (out, "type", type->kind == AQMP_SCHEMA_KIND_BUILTIN
                                 ? aqmp_describe_builtin_name (type) : kinds[type->kind]);
  json_object_set_string_member (out, "words", words);
  if (type->sized)
    {
      json_object_set_int_member (out, "min", type->int_min);
      /* JSON integers here are signed 64-bit: the top of uint64 as a string */
      if (type->int_max > G_MAXINT64)
        json_object_set_string_member (out, "max", "18446744073709551615");
      else
        json_object_set_int_member (out, "max", (gint64) type->int_max);
    }
  if (type->kind == AQMP_SCHEMA_KIND_OBJECT && g_ptr_array_find (stack, type, NULL))
    {
      json_object_set_boolean_member (out, "recursive", TRUE);
      return aqmp_describe_node (out);
    }
  g_ptr_array_add (stack, (gpointer) type);
  if (type->kind == AQMP_SCHEMA_KIND_OBJECT)
    aqmp_describe_object (out, type, stack);
  else if (type->kind == AQMP_SCHEMA_KIND_ENUM)
    aqmp_describe_enum (out, type);
  else if (type->kind == AQMP_SCHEMA_KIND_ARRAY)
    json_object_set_member (out, "element", aqmp_describe_type (type->element, stack));
  else if (type->kind == AQMP_SCHEMA_KIND_ALTERNATE)
    aqmp_describe_alternate (out, type, stack);
  g_ptr_array_remove_index (stack, stack->len - 1);
  return aqmp_describe_node (out);
}

static gboolean
aqmp_describe_unknown (AqmpSchema *self, const gchar *name, GError **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autofree gchar *hint = NULL;

  for (guint i = 0; i < aqmp_schema_get_n_entries (self); i++)
    {
      const AqmpSchemaEntry *entry = aqmp_schema_get_entry (self, i);

      if (entry->kind == AQMP_SCHEMA_KIND_COMMAND || entry->kind == AQMP_SCHEMA_KIND_EVENT)
        g_ptr_array_add (names, (gpointer) entry->name);
    }
  hint = aqmp_suggest_hint (name, (const gchar * const *) names->pdata, names->len);
  g_set_error (error, AQMP_ERROR, AQMP_ERROR_INVALID, "no command or event '%s'%s%s", name,
               hint != NULL && !g_str_has_prefix (hint, "expected") ? "; " : "",
               hint != NULL && !g_str_has_prefix (hint, "expected") ? hint : "");
  return FALSE;
}

/**
 * aqmp_schema_describe:
 * @self: an #AqmpSchema
 * @name: a command's or an event's name
 * @error: return location for a #GError
 *
 * Describes a command or an event as JSON: `name`, `kind` (`command` or
 * `event`), `features`, `allow-oob`, `arguments` (a command's) or `data`
 * (an event's), and `returns`. A type is an object with `type` (`string`,
 * `integer`, `number`, `boolean`, `null`, `any`, `enum`, `array`,
 * `object`, `alternate`), `words` (aqmp_schema_entry_describe_type()),
 * `min` and `max` for sized integers, `values` and `value-features` for an
 * enum, `element` for an array, `members` (each with `name`, `optional`,
 * `features` and `type`), `tag` and `variants` (each with `case` and
 * `members`) for an object, `alternatives` for an alternate, and
 * `recursive` for an object met again inside itself.
 *
 * Returns: (transfer full) (nullable): the description, or %NULL with
 *   %AQMP_ERROR_INVALID (with the nearest names) when there is no such
 *   command or event
 *
 * Since: 0.1
 */
JsonNode *
aqmp_schema_describe (AqmpSchema *self, const gchar *name, GError **error)
{
  const AqmpSchemaEntry *entry;
  g_autoptr(GPtrArray) stack = g_ptr_array_new ();
  JsonObject *out;

  g_return_val_if_fail (AQMP_IS_SCHEMA (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  entry = aqmp_schema_lookup (self, name);
  if (entry == NULL || (entry->kind != AQMP_SCHEMA_KIND_COMMAND && entry->kind != AQMP_SCHEMA_KIND_EVENT))
    {
      aqmp_describe_unknown (self, name, error);
      return NULL;
    }
  out = json_object_new ();
  json_object_set_string_member (out, "name", entry->name);
  json_object_set_string_member (out, "kind", entry->kind == AQMP_SCHEMA_KIND_COMMAND ? "command" : "event");
  json_object_set_array_member (out, "features", aqmp_describe_strv (entry->features));
  if (entry->kind == AQMP_SCHEMA_KIND_COMMAND)
    json_object_set_boolean_member (out, "allow-oob", (entry->flags & AQMP_SCHEMA_FLAG_ALLOW_OOB) != 0);
  if (entry->arg_type != NULL)
    json_object_set_member (out, entry->kind == AQMP_SCHEMA_KIND_COMMAND ? "arguments" : "data",
                            aqmp_describe_type (entry->arg_type, stack));
  if (entry->ret_type != NULL)
    json_object_set_member (out, "returns", aqmp_describe_type (entry->ret_type, stack));
  return aqmp_describe_node (out);
}

/* ----- text ----- */

static void aqmp_describe_text_type (GString *out, JsonObject *type, guint depth);

static void
aqmp_describe_text_features (GString *out, JsonObject *object)
{
  JsonArray *features = json_object_has_member (object, "features")
                        ? json_object_get_array_member (object, "features") : NULL;

  for (guint i = 0; features != NULL && i < json_array_get_length (features); i++)
    g_string_append_printf (out, ", %s", json_array_get_string_element (features, i));
}

/* an object met again inside itself, or an alternate or array of one */
static gboolean
aqmp_describe_text_recursive (JsonObject *type)
{
  JsonArray *alternatives;

  if (json_object_get_boolean_member_with_default (type, "recursive", FALSE))
    return TRUE;
  if (json_object_has_member (type, "element"))
    return aqmp_describe_text_recursive (json_object_get_object_member (type, "element"));
  if (!json_object_has_member (type, "alternatives"))
    return FALSE;
  alternatives = json_object_get_array_member (type, "alternatives");
  for (guint i = 0; i < json_array_get_length (alternatives); i++)
    if (aqmp_describe_text_recursive (json_array_get_object_element (alternatives, i)))
      return TRUE;
  return FALSE;
}

static void
aqmp_describe_text_members (GString *out, JsonArray *members, guint depth)
{
  for (guint i = 0; i < json_array_get_length (members); i++)
    {
      JsonObject *member = json_array_get_object_element (members, i);
      JsonObject *type = json_object_get_object_member (member, "type");

      g_string_append_printf (out, "%*s%s: %s", depth * 2, "", json_object_get_string_member (member, "name"),
                              json_object_get_string_member (type, "words"));
      if (json_object_get_boolean_member (member, "optional"))
        g_string_append (out, ", optional");
      aqmp_describe_text_features (out, member);
      if (aqmp_describe_text_recursive (type))
        g_string_append (out, " (as above)");
      g_string_append_c (out, '\n');
      aqmp_describe_text_type (out, type, depth + 1);
    }
}

/* what a type holds below its one line: members, variants, elements */
static void
aqmp_describe_text_type (GString *out, JsonObject *type, guint depth)
{
  const gchar *kind = json_object_get_string_member (type, "type");

  if (json_object_get_boolean_member_with_default (type, "recursive", FALSE))
    return;
  if (g_strcmp0 (kind, "array") == 0)
    {
      aqmp_describe_text_type (out, json_object_get_object_member (type, "element"), depth);
      return;
    }
  if (g_strcmp0 (kind, "alternate") == 0)
    {
      JsonArray *alternatives = json_object_get_array_member (type, "alternatives");

      for (guint i = 0; i < json_array_get_length (alternatives); i++)
        aqmp_describe_text_type (out, json_array_get_object_element (alternatives, i), depth);
      return;
    }
  if (g_strcmp0 (kind, "object") != 0)
    return;
  aqmp_describe_text_members (out, json_object_get_array_member (type, "members"), depth);
  if (!json_object_has_member (type, "variants"))
    return;
  {
    JsonArray *variants = json_object_get_array_member (type, "variants");

    for (guint i = 0; i < json_array_get_length (variants); i++)
      {
        JsonObject *variant = json_array_get_object_element (variants, i);
        JsonArray *members = json_object_get_array_member (variant, "members");

        if (json_array_get_length (members) == 0)
          continue;
        g_string_append_printf (out, "%*swhen %s is '%s':\n", depth * 2, "",
                                json_object_get_string_member (type, "tag"),
                                json_object_get_string_member (variant, "case"));
        aqmp_describe_text_members (out, members, depth + 1);
      }
  }
}

static void
aqmp_describe_text_section (GString *out, JsonObject *description, const gchar *member, const gchar *title)
{
  JsonObject *type;

  if (!json_object_has_member (description, member))
    return;
  type = json_object_get_object_member (description, member);
  if (g_strcmp0 (json_object_get_string_member (type, "type"), "object") == 0
      && json_array_get_length (json_object_get_array_member (type, "members")) == 0
      && !json_object_has_member (type, "variants"))
    {
      g_string_append_printf (out, "%s: none\n", title);
      return;
    }
  g_string_append_printf (out, "%s: %s\n", title, json_object_get_string_member (type, "words"));
  aqmp_describe_text_type (out, type, 1);
}

/**
 * aqmp_schema_describe_text:
 * @description: what aqmp_schema_describe() returned
 *
 * The description as indented text: a heading line (`command NAME`, with
 * its features), then the arguments (or the event's data) and what the
 * command returns, one member a line (`name: type in words, optional,
 * deprecated`), nested members indented, a union's further members under
 * `when TAG is 'VALUE':`.
 *
 * Returns: (transfer full): the text
 *
 * Since: 0.1
 */
gchar *
aqmp_schema_describe_text (JsonNode *description)
{
  JsonObject *d;
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (description != NULL && JSON_NODE_HOLDS_OBJECT (description), NULL);

  d = json_node_get_object (description);
  g_string_append_printf (out, "%s %s", json_object_get_string_member (d, "kind"),
                          json_object_get_string_member (d, "name"));
  aqmp_describe_text_features (out, d);
  if (json_object_get_boolean_member_with_default (d, "allow-oob", FALSE))
    g_string_append (out, ", allow-oob");
  g_string_append_c (out, '\n');
  aqmp_describe_text_section (out, d, "arguments", "arguments");
  aqmp_describe_text_section (out, d, "data", "data");
  aqmp_describe_text_section (out, d, "returns", "returns");
  return g_string_free (out, FALSE);
}
