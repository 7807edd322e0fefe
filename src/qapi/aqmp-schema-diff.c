/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <aqmp/aqmp.h>

#include "aqmp-schema-diff.h"
#include "aqmp-schema-entry-private.h"

/*
 * Two schemas compared by what a caller can use, not by introspection's
 * masked type names (which change between versions): each schema becomes
 * a set of facts (a command, an event, a member at a path, an enum value
 * at a path), each with its deprecated flag, and the sets are compared.
 * A fact is reported only when its parent is in both schemas: a new
 * command is one line, not one per member.
 *
 * Paths are member names joined by dots, `[]` for an array's elements;
 * members that only a union's variant has carry the tag values that
 * select them: `data-file (driver=qcow2)`.
 */

/* a type met again inside itself is not walked again; nor past this */
#define AQMP_DIFF_MAX_DEPTH 16

typedef struct {
  const gchar *kind;          /* command, event, member, value */
  gchar *name;                /* the command or event */
  gchar *path;                /* members and values; the value itself for values */
  gchar *value;
  gchar *parent;              /* the key of the fact this one belongs to */
  gboolean deprecated;
} AqmpDiffFact;

typedef struct {
  GHashTable *facts;          /* key -> AqmpDiffFact */
  const gchar *name;
  GPtrArray *stack;           /* the types being walked */
  GPtrArray *conditions;      /* "driver=qcow2" of the variants walked into */
} AqmpDiffWalk;

static void
aqmp_diff_fact_free (gpointer data)
{
  AqmpDiffFact *fact = data;

  g_free (fact->name);
  g_free (fact->path);
  g_free (fact->value);
  g_free (fact->parent);
  g_free (fact);
}

static gchar *
aqmp_diff_key (const gchar *kind, const gchar *name, const gchar *path, const gchar *value)
{
  return g_strjoin ("\t", kind, name, path != NULL ? path : "", value != NULL ? value : "", NULL);
}

/* "a.b (driver=qcow2)" */
static gchar *
aqmp_diff_display_path (AqmpDiffWalk *walk, const gchar *path)
{
  g_autofree gchar *conditions = NULL;

  if (walk->conditions->len == 0)
    return g_strdup (path);
  g_ptr_array_add (walk->conditions, NULL);
  conditions = g_strjoinv (", ", (gchar **) walk->conditions->pdata);
  g_ptr_array_remove_index (walk->conditions, walk->conditions->len - 1);
  return g_strdup_printf ("%s (%s)", path, conditions);
}

static gchar *
aqmp_diff_add (AqmpDiffWalk *walk, const gchar *kind, const gchar *path, const gchar *value,
               const gchar *parent, gboolean deprecated)
{
  AqmpDiffFact *fact = g_new0 (AqmpDiffFact, 1);
  gchar *key;

  fact->kind = kind;
  fact->name = g_strdup (walk->name);
  fact->path = path != NULL ? aqmp_diff_display_path (walk, path) : NULL;
  fact->value = g_strdup (value);
  fact->parent = g_strdup (parent);
  fact->deprecated = deprecated;
  key = aqmp_diff_key (kind, walk->name, fact->path, value);
  g_hash_table_replace (walk->facts, key, fact);
  return key;
}

static void aqmp_diff_walk_type (AqmpDiffWalk *walk, const AqmpSchemaEntry *type, const gchar *path,
                                 const gchar *parent);

static void
aqmp_diff_walk_members (AqmpDiffWalk *walk, const AqmpSchemaEntry *object, const gchar *path,
                        const gchar *parent)
{
  for (guint i = 0; i < object->n_members; i++)
    {
      const AqmpSchemaMember *m = &object->members[i];
      g_autofree gchar *child = path != NULL ? g_strdup_printf ("%s.%s", path, m->name) : g_strdup (m->name);
      const gchar *key = aqmp_diff_add (walk, "member", child, NULL, parent,
                                        (m->flags & AQMP_SCHEMA_FLAG_DEPRECATED) != 0);

      aqmp_diff_walk_type (walk, m->type, child, key);
    }
}

static void
aqmp_diff_walk_object (AqmpDiffWalk *walk, const AqmpSchemaEntry *type, const gchar *path, const gchar *parent)
{
  aqmp_diff_walk_members (walk, type, path, parent);
  for (guint i = 0; type->tag != NULL && i < type->n_variants; i++)
    {
      const AqmpSchemaVariant *v = &type->variants[i];
      gchar *condition = path != NULL ? g_strdup_printf ("%s.%s=%s", path, type->tag, v->tag_value)
                                      : g_strdup_printf ("%s=%s", type->tag, v->tag_value);

      g_ptr_array_add (walk->conditions, condition);
      aqmp_diff_walk_members (walk, v->type, path, parent);
      g_ptr_array_remove_index (walk->conditions, walk->conditions->len - 1);
      g_free (condition);
    }
}

static void
aqmp_diff_walk_type (AqmpDiffWalk *walk, const AqmpSchemaEntry *type, const gchar *path, const gchar *parent)
{
  g_autofree gchar *element = NULL;

  if (walk->stack->len >= AQMP_DIFF_MAX_DEPTH || g_ptr_array_find (walk->stack, type, NULL))
    return;
  g_ptr_array_add (walk->stack, (gpointer) type);
  switch (type->kind)
    {
    case AQMP_SCHEMA_KIND_ENUM:
      for (guint i = 0; i < type->n_values; i++)
        aqmp_diff_add (walk, "value", path, type->values[i], parent,
                       type->value_flags != NULL && (type->value_flags[i] & AQMP_SCHEMA_FLAG_DEPRECATED) != 0);
      break;
    case AQMP_SCHEMA_KIND_ARRAY:
      element = g_strdup_printf ("%s[]", path != NULL ? path : "");
      aqmp_diff_walk_type (walk, type->element, element, parent);
      break;
    case AQMP_SCHEMA_KIND_OBJECT:
      aqmp_diff_walk_object (walk, type, path, parent);
      break;
    case AQMP_SCHEMA_KIND_ALTERNATE:
      for (guint i = 0; i < type->n_alternatives; i++)
        aqmp_diff_walk_type (walk, type->alternatives[i], path, parent);
      break;
    default:
      break;
    }
  g_ptr_array_remove_index (walk->stack, walk->stack->len - 1);
}

static GHashTable *
aqmp_diff_facts (AqmpSchema *schema)
{
  AqmpDiffWalk walk = { 0 };

  walk.facts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, aqmp_diff_fact_free);
  walk.stack = g_ptr_array_new ();
  walk.conditions = g_ptr_array_new ();
  for (guint i = 0; i < aqmp_schema_get_n_entries (schema); i++)
    {
      const AqmpSchemaEntry *entry = aqmp_schema_get_entry (schema, i);
      const gchar *kind = entry->kind == AQMP_SCHEMA_KIND_COMMAND ? "command"
                          : entry->kind == AQMP_SCHEMA_KIND_EVENT ? "event" : NULL;
      const gchar *key;

      if (kind == NULL)
        continue;
      walk.name = entry->name;
      key = aqmp_diff_add (&walk, kind, NULL, NULL, NULL, (entry->flags & AQMP_SCHEMA_FLAG_DEPRECATED) != 0);
      if (entry->arg_type != NULL)
        aqmp_diff_walk_type (&walk, entry->arg_type, NULL, key);
    }
  g_ptr_array_unref (walk.stack);
  g_ptr_array_unref (walk.conditions);
  return walk.facts;
}

static JsonObject *
aqmp_diff_change (const gchar *change, AqmpDiffFact *fact)
{
  JsonObject *out = json_object_new ();

  json_object_set_string_member (out, "change", change);
  json_object_set_string_member (out, "kind", fact->kind);
  json_object_set_string_member (out, "name", fact->name);
  if (fact->path != NULL)
    json_object_set_string_member (out, "path", fact->path);
  if (fact->value != NULL)
    json_object_set_string_member (out, "value", fact->value);
  return out;
}

/* @from's facts missing in @to, whose parent @to has */
static void
aqmp_diff_missing (GHashTable *from, GHashTable *to, const gchar *change, GPtrArray *out)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, from);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      AqmpDiffFact *fact = value;

      if (g_hash_table_contains (to, key))
        continue;
      if (fact->parent != NULL && !g_hash_table_contains (to, fact->parent))
        continue;
      g_ptr_array_add (out, aqmp_diff_change (change, fact));
    }
}

static void
aqmp_diff_deprecated (GHashTable *old_facts, GHashTable *new_facts, GPtrArray *out)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, new_facts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      AqmpDiffFact *now = value;
      AqmpDiffFact *before = g_hash_table_lookup (old_facts, key);

      if (before != NULL && now->deprecated && !before->deprecated)
        g_ptr_array_add (out, aqmp_diff_change ("deprecated", now));
    }
}

static gint
aqmp_diff_compare (gconstpointer a, gconstpointer b)
{
  JsonObject *x = *(JsonObject * const *) a;
  JsonObject *y = *(JsonObject * const *) b;
  static const gchar * const members[] = { "name", "path", "value", "change", "kind" };

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    {
      gint c = g_strcmp0 (json_object_get_string_member_with_default (x, members[i], NULL),
                          json_object_get_string_member_with_default (y, members[i], NULL));
      if (c != 0)
        return c;
    }
  return 0;
}

/**
 * aqmp_schema_diff:
 * @old_schema: a schema
 * @new_schema: the schema to compare it with, such as a newer QEMU's
 *
 * What changed from @old_schema to @new_schema: commands, events, members
 * (of arguments and event data, at any depth) and enum values added or
 * removed, and those newly deprecated. Each change is an object with
 * `change` (`added`, `removed`, `deprecated`), `kind` (`command`,
 * `event`, `member`, `value`), `name` (the command or event), and `path`
 * (a member's) and `value` (an enum value's) where they apply, sorted by
 * name and path.
 *
 * Returns: (transfer full): a JSON array of the changes, empty when none
 *
 * Since: 0.1
 */
JsonNode *
aqmp_schema_diff (AqmpSchema *old_schema, AqmpSchema *new_schema)
{
  g_autoptr(GHashTable) old_facts = NULL;
  g_autoptr(GHashTable) new_facts = NULL;
  g_autoptr(GPtrArray) changes = g_ptr_array_new ();
  JsonArray *array = json_array_new ();

  g_return_val_if_fail (AQMP_IS_SCHEMA (old_schema), NULL);
  g_return_val_if_fail (AQMP_IS_SCHEMA (new_schema), NULL);

  old_facts = aqmp_diff_facts (old_schema);
  new_facts = aqmp_diff_facts (new_schema);
  aqmp_diff_missing (new_facts, old_facts, "added", changes);
  aqmp_diff_missing (old_facts, new_facts, "removed", changes);
  aqmp_diff_deprecated (old_facts, new_facts, changes);
  g_ptr_array_sort (changes, aqmp_diff_compare);
  for (guint i = 0; i < changes->len; i++)
    json_array_add_object_element (array, changes->pdata[i]);
  {
    JsonNode *node = json_node_new (JSON_NODE_ARRAY);

    json_node_take_array (node, array);
    return node;
  }
}

/**
 * aqmp_schema_diff_text:
 * @diff: what aqmp_schema_diff() returned
 *
 * The changes one a line: `+` added, `-` removed, `!` newly deprecated,
 * then the kind and what: `+ command blockdev-foo`, `- member
 * blockdev-backup: device`, `+ value blockdev-add: driver = 'null-co'`.
 *
 * Returns: (transfer full): the text; empty when nothing changed
 *
 * Since: 0.1
 */
gchar *
aqmp_schema_diff_text (JsonNode *diff)
{
  GString *out = g_string_new (NULL);
  JsonArray *array;

  g_return_val_if_fail (diff != NULL && JSON_NODE_HOLDS_ARRAY (diff), NULL);

  array = json_node_get_array (diff);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *c = json_array_get_object_element (array, i);
      const gchar *change = json_object_get_string_member (c, "change");
      const gchar *path = json_object_get_string_member_with_default (c, "path", NULL);
      const gchar *value = json_object_get_string_member_with_default (c, "value", NULL);

      g_string_append_printf (out, "%s %s %s", g_str_equal (change, "added") ? "+"
                              : g_str_equal (change, "removed") ? "-" : "! deprecated",
                              json_object_get_string_member (c, "kind"), json_object_get_string_member (c, "name"));
      if (path != NULL)
        g_string_append_printf (out, ": %s", path);
      if (value != NULL)
        g_string_append_printf (out, "%s'%s'", path != NULL ? " = " : ": ", value);
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}
