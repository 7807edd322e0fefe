/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <aqmp/aqmp.h>

#include "aqmp-schema.h"
#include "aqmp-schema-entry-private.h"

/**
 * AqmpSchema:
 *
 * What a server's `query-qmp-schema` says: its commands, events and
 * types, indexed. Introspection names types with masked names ("31",
 * "280"); the schema resolves each reference to its #AqmpSchemaEntry once,
 * when it is built, so callers walk commands, members and variants and
 * never meet those names. A schema is immutable once made, and cheap to
 * share: the validator, the shell's completion and `aqmp describe` read
 * the same one.
 *
 * A schema made from a command list only (aqmp_schema_new_from_commands():
 * `query-commands`, or the guest agent's `guest-info`) knows names and
 * nothing about arguments; aqmp_schema_is_complete() tells.
 *
 * Since: 0.1
 */

struct _AqmpSchema {
  GObject parent_instance;
  JsonNode *root;             /* the reply as a tree, made on demand when read from text */
  GBytes *text;               /* the reply as text, when read from text */
  AqmpSchemaArena arena;
  AqmpSchemaEntry *entries;
  guint n_entries;
  GHashTable *by_name;        /* name -> entry */
  gboolean complete;
  guint version[3];
  gboolean has_version;
  gchar *package;
};

G_DEFINE_FINAL_TYPE (AqmpSchema, aqmp_schema, G_TYPE_OBJECT)

/* the integer builtins a schema may name, with their ranges */
static const struct {
  const gchar *name;
  gint64 min;
  guint64 max;
} aqmp_schema_int_types[] = {
  { "int8", G_MININT8, G_MAXINT8 },
  { "int16", G_MININT16, G_MAXINT16 },
  { "int32", G_MININT32, G_MAXINT32 },
  { "int64", G_MININT64, G_MAXINT64 },
  { "uint8", 0, G_MAXUINT8 },
  { "uint16", 0, G_MAXUINT16 },
  { "uint32", 0, G_MAXUINT32 },
  { "uint64", 0, G_MAXUINT64 },
  { "size", 0, G_MAXUINT64 },
};

static void
aqmp_schema_finalize (GObject *object)
{
  AqmpSchema *self = AQMP_SCHEMA (object);

  g_free (self->entries);
  aqmp_schema_arena_clear (&self->arena);
  g_clear_pointer (&self->by_name, g_hash_table_unref);
  g_clear_pointer (&self->root, json_node_unref);
  g_clear_pointer (&self->text, g_bytes_unref);
  g_free (self->package);
  G_OBJECT_CLASS (aqmp_schema_parent_class)->finalize (object);
}

static void
aqmp_schema_class_init (AqmpSchemaClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = aqmp_schema_finalize;
}

static void
aqmp_schema_init (AqmpSchema *self)
{
}

static gboolean
aqmp_schema_fail (GError **error, guint index, const gchar *name, const gchar *what)
{
  g_set_error (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL,
               "not a QMP schema: entry %u%s%s%s: %s", index,
               name != NULL ? " (" : "", name != NULL ? name : "", name != NULL ? ")" : "", what);
  return FALSE;
}

/* ----- reading a JSON tree (the server's reply) into entries ----- */

static const gchar *
aqmp_schema_string (JsonObject *object, const gchar *member, guint *flags)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      *flags |= AQMP_SCHEMA_FLAG_MALFORMED;
      return NULL;
    }
  return json_node_get_string (node);
}

static JsonArray *
aqmp_schema_array (JsonObject *object, const gchar *member, guint *flags)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      *flags |= AQMP_SCHEMA_FLAG_MALFORMED;
      return NULL;
    }
  return json_node_get_array (node);
}

/* an array of strings, into the arena, NULL-terminated; NULL if absent */
static const gchar **
aqmp_schema_strings (AqmpSchema *self, JsonObject *object, const gchar *member, guint *n, guint *flags)
{
  JsonArray *array = aqmp_schema_array (object, member, flags);
  const gchar **strv;
  guint len;

  if (array == NULL)
    return NULL;
  len = json_array_get_length (array);
  strv = aqmp_schema_arena_alloc (&self->arena, (len + 1) * sizeof (gchar *));
  for (guint i = 0; i < len; i++)
    {
      JsonNode *node = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        {
          *flags |= AQMP_SCHEMA_FLAG_MALFORMED;
          return NULL;
        }
      strv[i] = json_node_get_string (node);
    }
  if (n != NULL)
    *n = len;
  return strv;
}

static void
aqmp_schema_read_member (AqmpSchema *self, JsonNode *node, AqmpSchemaMember *member, guint *flags)
{
  JsonObject *object;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      *flags |= AQMP_SCHEMA_FLAG_MALFORMED;
      return;
    }
  object = json_node_get_object (node);
  member->name = aqmp_schema_string (object, "name", flags);
  member->type_name = aqmp_schema_string (object, "type", flags);
  member->optional = json_object_has_member (object, "default");
  member->features = aqmp_schema_strings (self, object, "features", NULL, flags);
  member->flags = aqmp_schema_features_to_flags (member->features);
}

static void
aqmp_schema_read_members (AqmpSchema *self, JsonObject *info, AqmpSchemaEntry *entry)
{
  JsonArray *members = aqmp_schema_array (info, "members", &entry->flags);

  if (members == NULL)
    return;
  entry->flags |= AQMP_SCHEMA_FLAG_HAS_MEMBERS;
  entry->n_members = json_array_get_length (members);
  entry->members = aqmp_schema_arena_alloc (&self->arena, MAX (entry->n_members, 1) * sizeof (AqmpSchemaMember));
  for (guint i = 0; i < entry->n_members; i++)
    aqmp_schema_read_member (self, json_array_get_element (members, i), &entry->members[i], &entry->flags);
}

static void
aqmp_schema_read_variants (AqmpSchema *self, JsonObject *info, AqmpSchemaEntry *entry)
{
  JsonArray *variants = aqmp_schema_array (info, "variants", &entry->flags);

  if (variants == NULL)
    return;
  entry->flags |= AQMP_SCHEMA_FLAG_HAS_VARIANTS;
  entry->n_variants = json_array_get_length (variants);
  entry->variants = aqmp_schema_arena_alloc (&self->arena, MAX (entry->n_variants, 1) * sizeof (AqmpSchemaVariant));
  for (guint i = 0; i < entry->n_variants; i++)
    {
      JsonNode *node = json_array_get_element (variants, i);

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          entry->flags |= AQMP_SCHEMA_FLAG_MALFORMED;
          return;
        }
      entry->variants[i].tag_value = aqmp_schema_string (json_node_get_object (node), "case", &entry->flags);
      entry->variants[i].type_name = aqmp_schema_string (json_node_get_object (node), "type", &entry->flags);
    }
}

static void
aqmp_schema_read_info (AqmpSchema *self, JsonNode *node, AqmpSchemaEntry *entry)
{
  JsonObject *info;
  JsonNode *oob;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      entry->flags |= AQMP_SCHEMA_FLAG_MALFORMED;
      return;
    }
  info = json_node_get_object (node);
  entry->name = aqmp_schema_string (info, "name", &entry->flags);
  entry->meta_type = aqmp_schema_string (info, "meta-type", &entry->flags);
  entry->json_type = aqmp_schema_string (info, "json-type", &entry->flags);
  entry->tag = aqmp_schema_string (info, "tag", &entry->flags);
  entry->element_name = aqmp_schema_string (info, "element-type", &entry->flags);
  entry->arg_name = aqmp_schema_string (info, "arg-type", &entry->flags);
  entry->ret_name = aqmp_schema_string (info, "ret-type", &entry->flags);
  entry->features = aqmp_schema_strings (self, info, "features", NULL, &entry->flags);
  entry->flags |= aqmp_schema_features_to_flags (entry->features);
  entry->values = aqmp_schema_strings (self, info, "values", &entry->n_values, &entry->flags);
  if (entry->values != NULL)
    entry->flags |= AQMP_SCHEMA_FLAG_HAS_VALUES;
  aqmp_schema_read_members (self, info, entry);
  aqmp_schema_read_variants (self, info, entry);
  oob = json_object_get_member (info, "allow-oob");
  if (oob != NULL && JSON_NODE_HOLDS_VALUE (oob) && json_node_get_value_type (oob) == G_TYPE_BOOLEAN
      && json_node_get_boolean (oob))
    entry->flags |= AQMP_SCHEMA_FLAG_ALLOW_OOB;
}

/* ----- the index: kinds, names, references ----- */

static AqmpSchemaKind
aqmp_schema_kind_from_string (const gchar *meta, gboolean *ok)
{
  static const gchar * const names[] = {
    "builtin", "enum", "array", "object", "alternate", "command", "event",
  };

  *ok = TRUE;
  for (guint i = 0; meta != NULL && i < G_N_ELEMENTS (names); i++)
    if (strcmp (meta, names[i]) == 0)
      return (AqmpSchemaKind) i;
  *ok = FALSE;
  return AQMP_SCHEMA_KIND_BUILTIN;
}

static AqmpSchemaEntry *
aqmp_schema_resolve (AqmpSchema *self, const gchar *name)
{
  return name != NULL ? g_hash_table_lookup (self->by_name, name) : NULL;
}

static void
aqmp_schema_index_builtin (AqmpSchemaEntry *entry)
{
  static const gchar * const kinds[] = { "", "string", "int", "number", "boolean", "null", "value" };

  for (guint i = 1; i < G_N_ELEMENTS (kinds); i++)
    if (g_strcmp0 (entry->json_type, kinds[i]) == 0)
      entry->json_kind = (AqmpSchemaJsonKind) i;
  if (entry->json_kind != AQMP_SCHEMA_JSON_INT)
    return;
  entry->int_min = G_MININT64;
  entry->int_max = G_MAXINT64;
  for (guint i = 0; i < G_N_ELEMENTS (aqmp_schema_int_types); i++)
    if (strcmp (entry->name, aqmp_schema_int_types[i].name) == 0)
      {
        entry->int_min = aqmp_schema_int_types[i].min;
        entry->int_max = aqmp_schema_int_types[i].max;
        entry->sized = TRUE;
      }
}

/* 6.2 and later: an enum's "members" repeat its values, with features */
static gboolean
aqmp_schema_index_enum (AqmpSchema *self, AqmpSchemaEntry *entry)
{
  if ((entry->flags & AQMP_SCHEMA_FLAG_HAS_VALUES) == 0)
    return FALSE;
  entry->value_flags = aqmp_schema_arena_alloc (&self->arena, entry->n_values + 1);
  entry->value_lens = aqmp_schema_arena_alloc (&self->arena, (entry->n_values + 1) * sizeof (gsize));
  for (guint i = 0; i < entry->n_values; i++)
    entry->value_lens[i] = strlen (entry->values[i]);
  if (entry->n_members == entry->n_values)
    {
      entry->value_features = aqmp_schema_arena_alloc (&self->arena, (entry->n_values + 1) * sizeof (gchar **));
      for (guint i = 0; i < entry->n_values; i++)
        {
          entry->value_features[i] = entry->members[i].features;
          entry->value_flags[i] = (guint8) entry->members[i].flags;
        }
    }
  entry->n_members = 0;
  entry->members = NULL;
  return TRUE;
}

static gboolean
aqmp_schema_index_object (AqmpSchema *self, AqmpSchemaEntry *entry)
{
  if ((entry->flags & AQMP_SCHEMA_FLAG_HAS_MEMBERS) == 0)
    return FALSE;
  for (guint i = 0; i < entry->n_members; i++)
    {
      entry->members[i].type = aqmp_schema_resolve (self, entry->members[i].type_name);
      if (entry->members[i].name == NULL || entry->members[i].type == NULL)
        return FALSE;
      entry->n_mandatory += entry->members[i].optional ? 0 : 1;
      entry->members[i].name_len = strlen (entry->members[i].name);
    }
  if (entry->tag == NULL)
    return (entry->flags & AQMP_SCHEMA_FLAG_HAS_VARIANTS) == 0;
  if ((entry->flags & AQMP_SCHEMA_FLAG_HAS_VARIANTS) == 0
      || aqmp_schema_entry_lookup_member (entry, entry->tag) == NULL)
    return FALSE;
  for (guint i = 0; i < entry->n_variants; i++)
    {
      AqmpSchemaVariant *variant = &entry->variants[i];

      variant->type = aqmp_schema_resolve (self, variant->type_name);
      if (variant->tag_value == NULL || variant->type == NULL || variant->type->kind != AQMP_SCHEMA_KIND_OBJECT)
        return FALSE;
    }
  return TRUE;
}

static gboolean
aqmp_schema_index_alternate (AqmpSchema *self, AqmpSchemaEntry *entry)
{
  if ((entry->flags & AQMP_SCHEMA_FLAG_HAS_MEMBERS) == 0)
    return FALSE;
  entry->n_alternatives = entry->n_members;
  entry->alternatives = aqmp_schema_arena_alloc (&self->arena, MAX (entry->n_members, 1) * sizeof (gpointer));
  for (guint i = 0; i < entry->n_alternatives; i++)
    if ((entry->alternatives[i] = aqmp_schema_resolve (self, entry->members[i].type_name)) == NULL)
      return FALSE;
  entry->n_members = 0;
  entry->members = NULL;
  return TRUE;
}

static gboolean
aqmp_schema_index_routine (AqmpSchema *self, AqmpSchemaEntry *entry)
{
  entry->arg_type = aqmp_schema_resolve (self, entry->arg_name);
  if (entry->arg_type != NULL && entry->arg_type->kind != AQMP_SCHEMA_KIND_OBJECT)
    return FALSE;
  if (entry->kind == AQMP_SCHEMA_KIND_EVENT)
    return entry->arg_type != NULL || entry->arg_name == NULL;
  entry->ret_type = aqmp_schema_resolve (self, entry->ret_name);
  return entry->arg_type != NULL && entry->ret_type != NULL;
}

/* what an entry refers to, now that every name is known */
static gboolean
aqmp_schema_index_body (AqmpSchema *self, AqmpSchemaEntry *entry)
{
  switch (entry->kind)
    {
    case AQMP_SCHEMA_KIND_BUILTIN:
      aqmp_schema_index_builtin (entry);
      return entry->json_type != NULL;
    case AQMP_SCHEMA_KIND_ENUM:
      return aqmp_schema_index_enum (self, entry);
    case AQMP_SCHEMA_KIND_ARRAY:
      return (entry->element = aqmp_schema_resolve (self, entry->element_name)) != NULL;
    case AQMP_SCHEMA_KIND_OBJECT:
      return aqmp_schema_index_object (self, entry);
    case AQMP_SCHEMA_KIND_ALTERNATE:
      return aqmp_schema_index_alternate (self, entry);
    case AQMP_SCHEMA_KIND_COMMAND:
    case AQMP_SCHEMA_KIND_EVENT:
      return aqmp_schema_index_routine (self, entry);
    default:
      return FALSE;
    }
}

/* names and kinds first, so that references can resolve, then references */
static gboolean
aqmp_schema_index (AqmpSchema *self, GError **error)
{
  self->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < self->n_entries; i++)
    {
      AqmpSchemaEntry *entry = &self->entries[i];
      gboolean ok;

      entry->index = i;
      aqmp_schema_entry_set_owner (entry, G_OBJECT (self));
      if (entry->flags & AQMP_SCHEMA_FLAG_MALFORMED)
        return aqmp_schema_fail (error, i, entry->name, "a member of the wrong type");
      if (entry->name == NULL)
        return aqmp_schema_fail (error, i, NULL, "no name");
      entry->kind = aqmp_schema_kind_from_string (entry->meta_type, &ok);
      if (!ok)
        return aqmp_schema_fail (error, i, entry->name, "unknown meta-type");
      if (!g_hash_table_insert (self->by_name, (gpointer) entry->name, entry))
        return aqmp_schema_fail (error, i, entry->name, "a second entry of that name");
    }
  for (guint i = 0; i < self->n_entries; i++)
    if (!aqmp_schema_index_body (self, &self->entries[i]))
      return aqmp_schema_fail (error, i, self->entries[i].name, "malformed or refers to a type that is not there");
  self->complete = TRUE;
  return TRUE;
}

/**
 * aqmp_schema_new:
 * @reply: the `return` value of `query-qmp-schema`
 * @error: return location for a #GError
 *
 * Reads and indexes a schema. Every type reference must resolve and
 * every entry must be well formed; anything else fails with
 * %AQMP_ERROR_PROTOCOL naming the entry, and nothing of it is trusted.
 *
 * Returns: (transfer full) (nullable): the schema, or %NULL with @error set
 *
 * Since: 0.1
 */
AqmpSchema *
aqmp_schema_new (JsonNode *reply, GError **error)
{
  g_autoptr(AqmpSchema) self = NULL;
  JsonArray *array;

  g_return_val_if_fail (reply != NULL, NULL);

  if (!JSON_NODE_HOLDS_ARRAY (reply))
    {
      g_set_error_literal (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL, "not a QMP schema: not an array");
      return NULL;
    }
  self = g_object_new (AQMP_TYPE_SCHEMA, NULL);
  self->root = json_node_ref (reply);
  array = json_node_get_array (reply);
  self->n_entries = json_array_get_length (array);
  self->entries = g_new0 (AqmpSchemaEntry, MAX (self->n_entries, 1));
  for (guint i = 0; i < self->n_entries; i++)
    aqmp_schema_read_info (self, json_array_get_element (array, i), &self->entries[i]);
  if (!aqmp_schema_index (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * aqmp_schema_new_from_data:
 * @data: a `query-qmp-schema` reply as JSON text (the reply's `return`
 *   value, as `aqmp schema dump` writes it)
 * @error: return location for a #GError
 *
 * Reads and indexes a schema from text, with no JSON tree in between
 * (aqmp_schema_get_json() makes one when asked): the quick way to load a
 * schema kept on disk. The JSON is checked as strictly as aqmp's reader
 * checks it, and the schema as aqmp_schema_new() checks it.
 *
 * Returns: (transfer full) (nullable): the schema, or %NULL with
 *   %AQMP_ERROR_PROTOCOL
 *
 * Since: 0.1
 */
AqmpSchema *
aqmp_schema_new_from_data (GBytes *data, GError **error)
{
  g_autoptr(AqmpSchema) self = NULL;
  g_autoptr(GArray) entries = NULL;
  gsize length = 0;
  const gchar *text;

  g_return_val_if_fail (data != NULL, NULL);

  text = g_bytes_get_data (data, &length);
  self = g_object_new (AQMP_TYPE_SCHEMA, NULL);
  entries = aqmp_schema_scan (text != NULL ? text : "", length, &self->arena, error);
  if (entries == NULL)
    return NULL;
  self->text = g_bytes_ref (data);
  self->n_entries = entries->len;
  self->entries = (AqmpSchemaEntry *) g_array_free (g_steal_pointer (&entries), FALSE);
  if (!aqmp_schema_index (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * aqmp_schema_new_from_commands:
 * @reply: the `return` value of `query-commands` (an array of objects
 *   with a `name`), or of the guest agent's `guest-info` (an object whose
 *   `supported_commands` are such objects; disabled ones are left out)
 * @error: return location for a #GError
 *
 * A schema of command names only, for servers without `query-qmp-schema`
 * (the guest agent): it knows which commands exist and nothing else.
 *
 * Returns: (transfer full) (nullable): the schema, or %NULL with @error set
 *
 * Since: 0.1
 */
AqmpSchema *
aqmp_schema_new_from_commands (JsonNode *reply, GError **error)
{
  g_autoptr(AqmpSchema) self = NULL;
  JsonArray *array = NULL;
  guint flags = 0;
  guint n = 0;

  g_return_val_if_fail (reply != NULL, NULL);

  if (JSON_NODE_HOLDS_OBJECT (reply))
    array = aqmp_schema_array (json_node_get_object (reply), "supported_commands", &flags);
  else if (JSON_NODE_HOLDS_ARRAY (reply))
    array = json_node_get_array (reply);
  if (array == NULL)
    {
      g_set_error_literal (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL, "not a list of commands");
      return NULL;
    }
  self = g_object_new (AQMP_TYPE_SCHEMA, NULL);
  self->root = json_node_ref (reply);
  self->entries = g_new0 (AqmpSchemaEntry, MAX (json_array_get_length (array), 1));
  self->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonObject *info = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      AqmpSchemaEntry *entry = &self->entries[n];
      JsonNode *enabled;

      if (info == NULL || (entry->name = aqmp_schema_string (info, "name", &flags)) == NULL)
        {
          aqmp_schema_fail (error, i, NULL, "no name");
          return NULL;
        }
      enabled = json_object_get_member (info, "enabled");
      if (enabled != NULL && JSON_NODE_HOLDS_VALUE (enabled) && !json_node_get_boolean (enabled))
        continue;
      entry->kind = AQMP_SCHEMA_KIND_COMMAND;
      entry->index = n++;
      g_hash_table_insert (self->by_name, (gpointer) entry->name, entry);
    }
  self->n_entries = n;
  return g_steal_pointer (&self);
}

/**
 * aqmp_schema_new_from_file:
 * @path: a file holding a `query-qmp-schema` reply, as `aqmp schema dump`
 *   writes it
 * @error: return location for a #GError
 *
 * Returns the schema, or %NULL with @error set.
 *
 * Returns: (transfer full) (nullable): the schema, or %NULL with @error set
 *
 * Since: 0.1
 */
AqmpSchema *
aqmp_schema_new_from_file (const gchar *path, GError **error)
{
  g_autoptr(GMappedFile) file = NULL;
  g_autoptr(GBytes) data = NULL;
  AqmpSchema *self;

  g_return_val_if_fail (path != NULL, NULL);

  file = g_mapped_file_new (path, FALSE, error);
  if (file == NULL)
    return NULL;
  data = g_mapped_file_get_bytes (file);
  self = aqmp_schema_new_from_data (data, error);
  if (self == NULL)
    g_prefix_error (error, "%s: ", path);
  return self;
}

/**
 * aqmp_schema_is_complete:
 * @self: an #AqmpSchema
 *
 * Returns %TRUE for a schema from `query-qmp-schema`, %FALSE for one of
 * command names only.
 *
 * Returns: %TRUE for a schema from `query-qmp-schema`, %FALSE for one of
 *   command names only
 *
 * Since: 0.1
 */
gboolean
aqmp_schema_is_complete (AqmpSchema *self)
{
  g_return_val_if_fail (AQMP_IS_SCHEMA (self), FALSE);

  return self->complete;
}

/**
 * aqmp_schema_get_json:
 * @self: an #AqmpSchema
 *
 * Returns the reply the schema was made from.
 *
 * Returns: (transfer none): the reply the schema was made from
 *
 * Since: 0.1
 */
JsonNode *
aqmp_schema_get_json (AqmpSchema *self)
{
  g_return_val_if_fail (AQMP_IS_SCHEMA (self), NULL);

  /* a schema read from text makes its tree when first asked; the text
   * was checked when it was read */
  if (self->root == NULL)
    {
      gsize length = 0;
      const gchar *text = g_bytes_get_data (self->text, &length);

      self->root = aqmp_json_parse (text, length, NULL);
      g_assert (self->root != NULL);
    }
  return self->root;
}

/**
 * aqmp_schema_dump:
 * @self: an #AqmpSchema
 *
 * The reply as JSON with one entry a line, which reads back with
 * aqmp_schema_new_from_file() and compares well with diff(1).
 *
 * Returns: (transfer full): the text, ending in a newline
 *
 * Since: 0.1
 */
gchar *
aqmp_schema_dump (AqmpSchema *self)
{
  GString *out;

  g_return_val_if_fail (AQMP_IS_SCHEMA (self), NULL);

  aqmp_schema_get_json (self);
  if (!JSON_NODE_HOLDS_ARRAY (self->root))
    {
      gchar *text = aqmp_json_to_string (self->root, TRUE);
      gchar *line = g_strconcat (text, "\n", NULL);

      g_free (text);
      return line;
    }
  out = g_string_new ("[\n");
  for (guint i = 0; i < json_array_get_length (json_node_get_array (self->root)); i++)
    {
      g_autofree gchar *text = aqmp_json_to_string (json_array_get_element (json_node_get_array (self->root), i),
                                                    FALSE);

      g_string_append_printf (out, "%s%s", i > 0 ? ",\n" : "", text);
    }
  g_string_append (out, "\n]\n");
  return g_string_free (out, FALSE);
}

/**
 * aqmp_schema_set_server_version:
 * @self: an #AqmpSchema
 * @major: QEMU's major version
 * @minor: QEMU's minor version
 * @micro: QEMU's micro version
 * @package: (nullable): the greeting's package string
 *
 * Records which server the schema came from (the loader does). A
 * validator attached to a client refuses calls when the client's server
 * turns out to be another version.
 *
 * Since: 0.1
 */
void
aqmp_schema_set_server_version (AqmpSchema *self, guint major, guint minor, guint micro, const gchar *package)
{
  g_return_if_fail (AQMP_IS_SCHEMA (self));

  self->version[0] = major;
  self->version[1] = minor;
  self->version[2] = micro;
  self->has_version = TRUE;
  g_free (self->package);
  self->package = g_strdup (package);
}

/**
 * aqmp_schema_get_server_version:
 * @self: an #AqmpSchema
 * @major: (out) (optional): QEMU's major version
 * @minor: (out) (optional): QEMU's minor version
 * @micro: (out) (optional): QEMU's micro version
 *
 * Returns whether the version is known.
 *
 * Returns: whether the version is known
 *
 * Since: 0.1
 */
gboolean
aqmp_schema_get_server_version (AqmpSchema *self, guint *major, guint *minor, guint *micro)
{
  g_return_val_if_fail (AQMP_IS_SCHEMA (self), FALSE);

  if (major != NULL)
    *major = self->version[0];
  if (minor != NULL)
    *minor = self->version[1];
  if (micro != NULL)
    *micro = self->version[2];
  return self->has_version;
}

/**
 * aqmp_schema_get_package:
 * @self: an #AqmpSchema
 *
 * Returns the greeting's package string, when known.
 *
 * Returns: (nullable): the greeting's package string, when known
 *
 * Since: 0.1
 */
const gchar *
aqmp_schema_get_package (AqmpSchema *self)
{
  g_return_val_if_fail (AQMP_IS_SCHEMA (self), NULL);

  return self->package;
}

/**
 * aqmp_schema_get_n_entries:
 * @self: an #AqmpSchema
 *
 * Returns the number of entries, in the reply's order.
 *
 * Returns: the number of entries, in the reply's order
 *
 * Since: 0.1
 */
guint
aqmp_schema_get_n_entries (AqmpSchema *self)
{
  g_return_val_if_fail (AQMP_IS_SCHEMA (self), 0);

  return self->n_entries;
}

/**
 * aqmp_schema_get_entry:
 * @self: an #AqmpSchema
 * @index: below aqmp_schema_get_n_entries()
 *
 * Returns the entry at @index.
 *
 * Returns: (transfer none) (nullable): the entry at @index
 *
 * Since: 0.1
 */
const AqmpSchemaEntry *
aqmp_schema_get_entry (AqmpSchema *self, guint index)
{
  g_return_val_if_fail (AQMP_IS_SCHEMA (self), NULL);

  return index < self->n_entries ? &self->entries[index] : NULL;
}

/**
 * aqmp_schema_lookup:
 * @self: an #AqmpSchema
 * @name: an entry's name
 *
 * Returns the entry called @name, of any kind.
 *
 * Returns: (transfer none) (nullable): the entry called @name, of any kind
 *
 * Since: 0.1
 */
const AqmpSchemaEntry *
aqmp_schema_lookup (AqmpSchema *self, const gchar *name)
{
  g_return_val_if_fail (AQMP_IS_SCHEMA (self), NULL);

  return name != NULL ? g_hash_table_lookup (self->by_name, name) : NULL;
}

static const AqmpSchemaEntry *
aqmp_schema_lookup_kind (AqmpSchema *self, const gchar *name, AqmpSchemaKind kind)
{
  const AqmpSchemaEntry *entry = aqmp_schema_lookup (self, name);

  return entry != NULL && entry->kind == kind ? entry : NULL;
}

/**
 * aqmp_schema_lookup_command:
 * @self: an #AqmpSchema
 * @name: a command's name
 *
 * Returns the command called @name.
 *
 * Returns: (transfer none) (nullable): the command called @name
 *
 * Since: 0.1
 */
const AqmpSchemaEntry *
aqmp_schema_lookup_command (AqmpSchema *self, const gchar *name)
{
  return aqmp_schema_lookup_kind (self, name, AQMP_SCHEMA_KIND_COMMAND);
}

/**
 * aqmp_schema_lookup_event:
 * @self: an #AqmpSchema
 * @name: an event's name
 *
 * Returns the event called @name.
 *
 * Returns: (transfer none) (nullable): the event called @name
 *
 * Since: 0.1
 */
const AqmpSchemaEntry *
aqmp_schema_lookup_event (AqmpSchema *self, const gchar *name)
{
  return aqmp_schema_lookup_kind (self, name, AQMP_SCHEMA_KIND_EVENT);
}

static gint
aqmp_schema_compare_entries (gconstpointer a, gconstpointer b)
{
  const AqmpSchemaEntry *x = *(const AqmpSchemaEntry * const *) a;
  const AqmpSchemaEntry *y = *(const AqmpSchemaEntry * const *) b;

  return strcmp (x->name, y->name);
}

static GPtrArray *
aqmp_schema_list_kind (AqmpSchema *self, AqmpSchemaKind kind)
{
  GPtrArray *list = g_ptr_array_new ();

  for (guint i = 0; i < self->n_entries; i++)
    if (self->entries[i].kind == kind)
      g_ptr_array_add (list, &self->entries[i]);
  g_ptr_array_sort (list, aqmp_schema_compare_entries);
  return list;
}

/**
 * aqmp_schema_list_commands:
 * @self: an #AqmpSchema
 *
 * Returns the commands, sorted by name.
 *
 * Returns: (transfer container) (element-type AqmpSchemaEntry): the
 *   commands, sorted by name
 *
 * Since: 0.1
 */
GPtrArray *
aqmp_schema_list_commands (AqmpSchema *self)
{
  g_return_val_if_fail (AQMP_IS_SCHEMA (self), NULL);

  return aqmp_schema_list_kind (self, AQMP_SCHEMA_KIND_COMMAND);
}

/**
 * aqmp_schema_list_events:
 * @self: an #AqmpSchema
 *
 * Returns the events, sorted by name.
 *
 * Returns: (transfer container) (element-type AqmpSchemaEntry): the
 *   events, sorted by name
 *
 * Since: 0.1
 */
GPtrArray *
aqmp_schema_list_events (AqmpSchema *self)
{
  g_return_val_if_fail (AQMP_IS_SCHEMA (self), NULL);

  return aqmp_schema_list_kind (self, AQMP_SCHEMA_KIND_EVENT);
}
