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
 */

struct _AqmpSchema {
  GObject parent_instance;
  JsonNode *root;             /* the reply; entries point into it */
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

  for (guint i = 0; i < self->n_entries; i++)
    aqmp_schema_entry_clear (&self->entries[i]);
  g_free (self->entries);
  g_clear_pointer (&self->by_name, g_hash_table_unref);
  g_clear_pointer (&self->root, json_node_unref);
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

/* ----- reading the reply ----- */

static gboolean
aqmp_schema_fail (GError **error, guint index, const gchar *name, const gchar *what)
{
  g_set_error (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL,
               "not a QMP schema: entry %u%s%s%s: %s", index,
               name != NULL ? " (" : "", name != NULL ? name : "", name != NULL ? ")" : "", what);
  return FALSE;
}

static const gchar *
aqmp_schema_string (JsonObject *object, const gchar *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonArray *
aqmp_schema_array (JsonObject *object, const gchar *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  return json_node_get_array (node);
}

/* a "features" list of strings; FALSE when it is malformed */
static gboolean
aqmp_schema_read_features (JsonObject *object, const gchar ***features, guint *flags)
{
  JsonArray *array;
  guint n;

  *features = NULL;
  *flags = 0;
  if (!json_object_has_member (object, "features"))
    return TRUE;
  array = aqmp_schema_array (object, "features");
  if (array == NULL)
    return FALSE;
  n = json_array_get_length (array);
  if (n == 0)
    return TRUE;
  *features = g_new0 (const gchar *, n + 1);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        return FALSE;
      (*features)[i] = json_node_get_string (node);
    }
  *flags = aqmp_schema_features_to_flags (*features);
  return TRUE;
}

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

static void
aqmp_schema_read_builtin (AqmpSchemaEntry *entry, JsonObject *info)
{
  entry->json_type = aqmp_schema_string (info, "json-type");
  if (g_strcmp0 (entry->json_type, "int") != 0)
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

static gboolean
aqmp_schema_read_enum (AqmpSchemaEntry *entry, JsonObject *info)
{
  JsonArray *values = aqmp_schema_array (info, "values");
  JsonArray *members = aqmp_schema_array (info, "members");

  if (values == NULL)
    return FALSE;
  entry->n_values = json_array_get_length (values);
  entry->values = g_new0 (const gchar *, entry->n_values + 1);
  entry->value_flags = g_new0 (guint8, entry->n_values + 1);
  for (guint i = 0; i < entry->n_values; i++)
    {
      JsonNode *node = json_array_get_element (values, i);

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        return FALSE;
      entry->values[i] = json_node_get_string (node);
    }
  /* 6.2 and later: "members" repeat the values, with their features */
  if (members == NULL || json_array_get_length (members) != entry->n_values)
    return TRUE;
  entry->value_features = g_new0 (const gchar **, entry->n_values);
  for (guint i = 0; i < entry->n_values; i++)
    {
      JsonNode *node = json_array_get_element (members, i);
      guint flags;

      if (!JSON_NODE_HOLDS_OBJECT (node)
          || !aqmp_schema_read_features (json_node_get_object (node), &entry->value_features[i], &flags))
        return FALSE;
      entry->value_flags[i] = (guint8) flags;
    }
  return TRUE;
}

/* resolves a type reference, failing on a dangling one */
static AqmpSchemaEntry *
aqmp_schema_resolve (AqmpSchema *self, JsonObject *object, const gchar *member)
{
  const gchar *name = aqmp_schema_string (object, member);

  if (name == NULL)
    return NULL;
  return g_hash_table_lookup (self->by_name, name);
}

static gboolean
aqmp_schema_read_members (AqmpSchema *self, AqmpSchemaEntry *entry, JsonObject *info)
{
  JsonArray *members = aqmp_schema_array (info, "members");

  if (members == NULL)
    return FALSE;
  entry->n_members = json_array_get_length (members);
  entry->members = g_new0 (AqmpSchemaMember, entry->n_members);
  for (guint i = 0; i < entry->n_members; i++)
    {
      JsonNode *node = json_array_get_element (members, i);
      AqmpSchemaMember *member = &entry->members[i];
      JsonObject *object;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return FALSE;
      object = json_node_get_object (node);
      member->name = aqmp_schema_string (object, "name");
      member->type = aqmp_schema_resolve (self, object, "type");
      /* introspection marks an optional member with "default": null */
      member->optional = json_object_has_member (object, "default");
      if (member->name == NULL || member->type == NULL
          || !aqmp_schema_read_features (object, &member->features, &member->flags))
        return FALSE;
    }
  return TRUE;
}

static gboolean
aqmp_schema_read_variants (AqmpSchema *self, AqmpSchemaEntry *entry, JsonObject *info)
{
  JsonArray *variants;

  entry->tag = aqmp_schema_string (info, "tag");
  if (entry->tag == NULL)
    return !json_object_has_member (info, "tag");
  variants = aqmp_schema_array (info, "variants");
  if (variants == NULL || aqmp_schema_entry_lookup_member (entry, entry->tag) == NULL)
    return FALSE;
  entry->n_variants = json_array_get_length (variants);
  entry->variants = g_new0 (AqmpSchemaVariant, entry->n_variants);
  for (guint i = 0; i < entry->n_variants; i++)
    {
      JsonNode *node = json_array_get_element (variants, i);
      AqmpSchemaVariant *variant = &entry->variants[i];

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return FALSE;
      variant->tag_value = aqmp_schema_string (json_node_get_object (node), "case");
      variant->type = aqmp_schema_resolve (self, json_node_get_object (node), "type");
      if (variant->tag_value == NULL || variant->type == NULL
          || variant->type->kind != AQMP_SCHEMA_KIND_OBJECT)
        return FALSE;
    }
  return TRUE;
}

static gboolean
aqmp_schema_read_alternate (AqmpSchema *self, AqmpSchemaEntry *entry, JsonObject *info)
{
  JsonArray *members = aqmp_schema_array (info, "members");

  if (members == NULL)
    return FALSE;
  entry->n_alternatives = json_array_get_length (members);
  entry->alternatives = g_new0 (AqmpSchemaEntry *, entry->n_alternatives);
  for (guint i = 0; i < entry->n_alternatives; i++)
    {
      JsonNode *node = json_array_get_element (members, i);

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return FALSE;
      entry->alternatives[i] = aqmp_schema_resolve (self, json_node_get_object (node), "type");
      if (entry->alternatives[i] == NULL)
        return FALSE;
    }
  return TRUE;
}

static gboolean
aqmp_schema_read_routine (AqmpSchema *self, AqmpSchemaEntry *entry, JsonObject *info)
{
  JsonNode *oob = json_object_get_member (info, "allow-oob");

  entry->arg_type = aqmp_schema_resolve (self, info, "arg-type");
  if (entry->arg_type != NULL && entry->arg_type->kind != AQMP_SCHEMA_KIND_OBJECT)
    return FALSE;
  if (entry->kind == AQMP_SCHEMA_KIND_EVENT)
    return entry->arg_type != NULL || !json_object_has_member (info, "arg-type");
  entry->ret_type = aqmp_schema_resolve (self, info, "ret-type");
  if (oob != NULL && JSON_NODE_HOLDS_VALUE (oob) && json_node_get_value_type (oob) == G_TYPE_BOOLEAN
      && json_node_get_boolean (oob))
    entry->flags |= AQMP_SCHEMA_FLAG_ALLOW_OOB;
  return entry->arg_type != NULL && entry->ret_type != NULL;
}

/* the second pass: what an entry refers to, now that every name is known */
static gboolean
aqmp_schema_read_body (AqmpSchema *self, AqmpSchemaEntry *entry, JsonObject *info)
{
  switch (entry->kind)
    {
    case AQMP_SCHEMA_KIND_BUILTIN:
      aqmp_schema_read_builtin (entry, info);
      return entry->json_type != NULL;
    case AQMP_SCHEMA_KIND_ENUM:
      return aqmp_schema_read_enum (entry, info);
    case AQMP_SCHEMA_KIND_ARRAY:
      entry->element = aqmp_schema_resolve (self, info, "element-type");
      return entry->element != NULL;
    case AQMP_SCHEMA_KIND_OBJECT:
      return aqmp_schema_read_members (self, entry, info) && aqmp_schema_read_variants (self, entry, info);
    case AQMP_SCHEMA_KIND_ALTERNATE:
      return aqmp_schema_read_alternate (self, entry, info);
    case AQMP_SCHEMA_KIND_COMMAND:
    case AQMP_SCHEMA_KIND_EVENT:
      return aqmp_schema_read_routine (self, entry, info);
    default:
      return FALSE;
    }
}

static JsonObject *
aqmp_schema_info_at (JsonArray *array, guint i)
{
  JsonNode *node = json_array_get_element (array, i);

  return JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* the first pass: names, kinds and features, so references can resolve */
static gboolean
aqmp_schema_read_heads (AqmpSchema *self, JsonArray *array, GError **error)
{
  for (guint i = 0; i < self->n_entries; i++)
    {
      AqmpSchemaEntry *entry = &self->entries[i];
      JsonObject *info = aqmp_schema_info_at (array, i);
      gboolean ok;

      if (info == NULL)
        return aqmp_schema_fail (error, i, NULL, "not an object");
      entry->index = i;
      entry->name = aqmp_schema_string (info, "name");
      if (entry->name == NULL)
        return aqmp_schema_fail (error, i, NULL, "no name");
      entry->kind = aqmp_schema_kind_from_string (aqmp_schema_string (info, "meta-type"), &ok);
      if (!ok)
        return aqmp_schema_fail (error, i, entry->name, "unknown meta-type");
      if (!aqmp_schema_read_features (info, &entry->features, &entry->flags))
        return aqmp_schema_fail (error, i, entry->name, "malformed features");
      if (!g_hash_table_insert (self->by_name, (gpointer) entry->name, entry))
        return aqmp_schema_fail (error, i, entry->name, "a second entry of that name");
    }
  return TRUE;
}

static AqmpSchema *
aqmp_schema_alloc (JsonNode *reply, guint n_entries)
{
  AqmpSchema *self = g_object_new (AQMP_TYPE_SCHEMA, NULL);

  self->root = json_node_ref (reply);
  self->n_entries = n_entries;
  self->entries = g_new0 (AqmpSchemaEntry, MAX (n_entries, 1));
  self->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  return self;
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
  array = json_node_get_array (reply);
  self = aqmp_schema_alloc (reply, json_array_get_length (array));
  self->complete = TRUE;
  if (!aqmp_schema_read_heads (self, array, error))
    return NULL;
  for (guint i = 0; i < self->n_entries; i++)
    if (!aqmp_schema_read_body (self, &self->entries[i], aqmp_schema_info_at (array, i)))
      {
        aqmp_schema_fail (error, i, self->entries[i].name, "malformed or refers to a type that is not there");
        return NULL;
      }
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
 */
AqmpSchema *
aqmp_schema_new_from_commands (JsonNode *reply, GError **error)
{
  g_autoptr(AqmpSchema) self = NULL;
  JsonArray *array = NULL;
  guint n = 0;

  g_return_val_if_fail (reply != NULL, NULL);

  if (JSON_NODE_HOLDS_OBJECT (reply))
    array = aqmp_schema_array (json_node_get_object (reply), "supported_commands");
  else if (JSON_NODE_HOLDS_ARRAY (reply))
    array = json_node_get_array (reply);
  if (array == NULL)
    {
      g_set_error_literal (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL, "not a list of commands");
      return NULL;
    }
  self = aqmp_schema_alloc (reply, json_array_get_length (array));
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *info = aqmp_schema_info_at (array, i);
      AqmpSchemaEntry *entry = &self->entries[n];
      JsonNode *enabled;

      if (info == NULL || (entry->name = aqmp_schema_string (info, "name")) == NULL)
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
 * Returns: (transfer full) (nullable): the schema, or %NULL with @error set
 */
AqmpSchema *
aqmp_schema_new_from_file (const gchar *path, GError **error)
{
  g_autofree gchar *text = NULL;
  gsize length = 0;
  g_autoptr(JsonNode) node = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &text, &length, error))
    return NULL;
  node = aqmp_json_parse (text, length, error);
  if (node == NULL)
    {
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }
  {
    AqmpSchema *self = aqmp_schema_new (node, error);

    if (self == NULL)
      g_prefix_error (error, "%s: ", path);
    return self;
  }
}

/**
 * aqmp_schema_is_complete:
 * @self: an #AqmpSchema
 *
 * Returns: %TRUE for a schema from `query-qmp-schema`, %FALSE for one of
 *   command names only
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
 * Returns: (transfer none): the reply the schema was made from
 */
JsonNode *
aqmp_schema_get_json (AqmpSchema *self)
{
  g_return_val_if_fail (AQMP_IS_SCHEMA (self), NULL);

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
 */
gchar *
aqmp_schema_dump (AqmpSchema *self)
{
  GString *out;

  g_return_val_if_fail (AQMP_IS_SCHEMA (self), NULL);

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
 * Returns: whether the version is known
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
 * Returns: (nullable): the greeting's package string, when known
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
 * Returns: the number of entries, in the reply's order
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
 * Returns: (transfer none) (nullable): the entry at @index
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
 * Returns: (transfer none) (nullable): the entry called @name, of any kind
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
 * Returns: (transfer none) (nullable): the command called @name
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
 * Returns: (transfer none) (nullable): the event called @name
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
 * Returns: (transfer container) (element-type AqmpSchemaEntry): the
 *   commands, sorted by name
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
 * Returns: (transfer container) (element-type AqmpSchemaEntry): the
 *   events, sorted by name
 */
GPtrArray *
aqmp_schema_list_events (AqmpSchema *self)
{
  g_return_val_if_fail (AQMP_IS_SCHEMA (self), NULL);

  return aqmp_schema_list_kind (self, AQMP_SCHEMA_KIND_EVENT);
}
