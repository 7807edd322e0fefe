/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "aqmp-schema-entry-private.h"

/*
 * Read-only accessors for the entries an AqmpSchema made. An accessor
 * asked about the wrong kind of entry returns nothing (0, NULL, FALSE).
 */

static const gchar * const aqmp_schema_no_features[] = { NULL };

/*
 * The boxed types: an entry, member or variant lives in its schema, so a
 * copy is the same pointer with a reference to the schema, and freeing it
 * drops that reference. A language binding that keeps one keeps the
 * schema alive with it.
 */
static GObject *
aqmp_schema_entry_schema (const AqmpSchemaEntry *entry)
{
  return entry != NULL ? entry->schema : NULL;
}

static gpointer
aqmp_schema_piece_ref (gpointer piece, GObject *schema)
{
  if (schema != NULL)
    g_object_ref (schema);
  return piece;
}

static void
aqmp_schema_piece_unref (GObject *schema)
{
  if (schema != NULL)
    g_object_unref (schema);
}

static AqmpSchemaEntry *
aqmp_schema_entry_copy (AqmpSchemaEntry *entry)
{
  return aqmp_schema_piece_ref (entry, aqmp_schema_entry_schema (entry));
}

static void
aqmp_schema_entry_free (AqmpSchemaEntry *entry)
{
  aqmp_schema_piece_unref (aqmp_schema_entry_schema (entry));
}

static AqmpSchemaMember *
aqmp_schema_member_copy (AqmpSchemaMember *member)
{
  return aqmp_schema_piece_ref (member, aqmp_schema_entry_schema (member->owner));
}

static void
aqmp_schema_member_free (AqmpSchemaMember *member)
{
  aqmp_schema_piece_unref (aqmp_schema_entry_schema (member->owner));
}

static AqmpSchemaVariant *
aqmp_schema_variant_copy (AqmpSchemaVariant *variant)
{
  return aqmp_schema_piece_ref (variant, aqmp_schema_entry_schema (variant->owner));
}

static void
aqmp_schema_variant_free (AqmpSchemaVariant *variant)
{
  aqmp_schema_piece_unref (aqmp_schema_entry_schema (variant->owner));
}

G_DEFINE_BOXED_TYPE (AqmpSchemaEntry, aqmp_schema_entry, aqmp_schema_entry_copy, aqmp_schema_entry_free)
G_DEFINE_BOXED_TYPE (AqmpSchemaMember, aqmp_schema_member, aqmp_schema_member_copy, aqmp_schema_member_free)
G_DEFINE_BOXED_TYPE (AqmpSchemaVariant, aqmp_schema_variant, aqmp_schema_variant_copy, aqmp_schema_variant_free)

void
aqmp_schema_entry_set_owner (AqmpSchemaEntry *entry, GObject *schema)
{
  entry->schema = schema;
  for (guint i = 0; i < entry->n_members && entry->members != NULL; i++)
    entry->members[i].owner = entry;
  for (guint i = 0; i < entry->n_variants && entry->variants != NULL; i++)
    entry->variants[i].owner = entry;
}

/* arena blocks; a piece larger than a block gets a block of its own */
#define AQMP_SCHEMA_ARENA_BLOCK (64 * 1024)

gpointer
aqmp_schema_arena_alloc (AqmpSchemaArena *arena, gsize size)
{
  gchar *piece;

  size = (size + 7) & ~(gsize) 7;
  if (size > arena->left)
    {
      gsize block = MAX (size, AQMP_SCHEMA_ARENA_BLOCK);

      arena->blocks = g_slist_prepend (arena->blocks, g_malloc0 (block));
      arena->next = arena->blocks->data;
      arena->left = block;
    }
  piece = arena->next;
  arena->next += size;
  arena->left -= size;
  return piece;
}

const gchar *
aqmp_schema_arena_strndup (AqmpSchemaArena *arena, const gchar *text, gsize length)
{
  gchar *copy = aqmp_schema_arena_alloc (arena, length + 1);

  memcpy (copy, text, length);
  copy[length] = '\0';
  return copy;
}

void
aqmp_schema_arena_clear (AqmpSchemaArena *arena)
{
  g_slist_free_full (arena->blocks, g_free);
  arena->blocks = NULL;
  arena->next = NULL;
  arena->left = 0;
}

guint
aqmp_schema_features_to_flags (const gchar * const *features)
{
  guint flags = 0;

  for (guint i = 0; features != NULL && features[i] != NULL; i++)
    {
      if (strcmp (features[i], "deprecated") == 0)
        flags |= AQMP_SCHEMA_FLAG_DEPRECATED;
      else if (strcmp (features[i], "unstable") == 0)
        flags |= AQMP_SCHEMA_FLAG_UNSTABLE;
    }
  return flags;
}

static const gchar * const *
aqmp_schema_features_or_empty (const gchar **features)
{
  return features != NULL ? (const gchar * const *) features : aqmp_schema_no_features;
}

/**
 * aqmp_schema_entry_get_kind:
 * @self: an #AqmpSchemaEntry
 *
 * Returns what kind of entry @self is.
 *
 * Returns: what kind of entry @self is
 *
 * Since: 0.1
 */
AqmpSchemaKind
aqmp_schema_entry_get_kind (const AqmpSchemaEntry *self)
{
  return self->kind;
}

/**
 * aqmp_schema_entry_get_name:
 * @self: an #AqmpSchemaEntry
 *
 * The name of a command, an event or a builtin type. Other types have
 * only the opaque name introspection gives them ("123", "[int]"): it
 * identifies the type within this one schema and means nothing else
 * (see aqmp_schema_entry_is_named()).
 *
 * Returns: (transfer none): the name
 *
 * Since: 0.1
 */
const gchar *
aqmp_schema_entry_get_name (const AqmpSchemaEntry *self)
{
  return self->name;
}

/**
 * aqmp_schema_entry_is_named:
 * @self: an #AqmpSchemaEntry
 *
 * Returns whether aqmp_schema_entry_get_name() is a real name (a command,
 * an event, a builtin) rather than an opaque one.
 *
 * Returns: whether aqmp_schema_entry_get_name() is a real name (a command,
 *   an event, a builtin) rather than an opaque one
 *
 * Since: 0.1
 */
gboolean
aqmp_schema_entry_is_named (const AqmpSchemaEntry *self)
{
  return self->kind == AQMP_SCHEMA_KIND_COMMAND || self->kind == AQMP_SCHEMA_KIND_EVENT
         || self->kind == AQMP_SCHEMA_KIND_BUILTIN;
}

/**
 * aqmp_schema_entry_get_features:
 * @self: an #AqmpSchemaEntry
 *
 * Returns the entry's features, such as `deprecated` or `unstable`; empty
 * when it has none.
 *
 * Returns: (transfer none) (array zero-terminated=1): the entry's features,
 *   such as `deprecated` or `unstable`; empty when it has none
 *
 * Since: 0.1
 */
const gchar * const *
aqmp_schema_entry_get_features (const AqmpSchemaEntry *self)
{
  return aqmp_schema_features_or_empty (self->features);
}

/**
 * aqmp_schema_entry_has_feature:
 * @self: an #AqmpSchemaEntry
 * @feature: a feature's name
 *
 * Returns whether @self has @feature.
 *
 * Returns: whether @self has @feature
 *
 * Since: 0.1
 */
gboolean
aqmp_schema_entry_has_feature (const AqmpSchemaEntry *self, const gchar *feature)
{
  return self->features != NULL && g_strv_contains ((const gchar * const *) self->features, feature);
}

/**
 * aqmp_schema_entry_get_json_type:
 * @self: an #AqmpSchemaEntry of kind %AQMP_SCHEMA_KIND_BUILTIN
 *
 * Returns the builtin's JSON type: `string`, `int`, `number`, `boolean`,
 * `null` or `value` (any JSON value).
 *
 * Returns: (nullable): the builtin's JSON type: `string`, `int`, `number`,
 *   `boolean`, `null` or `value` (any JSON value)
 *
 * Since: 0.1
 */
const gchar *
aqmp_schema_entry_get_json_type (const AqmpSchemaEntry *self)
{
  return self->kind == AQMP_SCHEMA_KIND_BUILTIN ? self->json_type : NULL;
}

/**
 * aqmp_schema_entry_get_int_range:
 * @self: an #AqmpSchemaEntry of kind %AQMP_SCHEMA_KIND_BUILTIN
 * @min: (out) (optional): the smallest value
 * @max: (out) (optional): the largest value
 *
 * The range of an integer builtin: `int8` ... `uint64` and `size` where
 * a schema names them, and `int` (which QEMU's introspection uses for all
 * of them) with the range of a JSON integer aqmp holds, 64 bits signed.
 *
 * Returns: whether @self is an integer type
 *
 * Since: 0.1
 */
gboolean
aqmp_schema_entry_get_int_range (const AqmpSchemaEntry *self, gint64 *min, guint64 *max)
{
  if (self->kind != AQMP_SCHEMA_KIND_BUILTIN || g_strcmp0 (self->json_type, "int") != 0)
    return FALSE;
  if (min != NULL)
    *min = self->int_min;
  if (max != NULL)
    *max = self->int_max;
  return TRUE;
}

/**
 * aqmp_schema_entry_get_n_values:
 * @self: an #AqmpSchemaEntry of kind %AQMP_SCHEMA_KIND_ENUM
 *
 * Returns the number of values of an enum, 0 for other kinds.
 *
 * Returns: the number of values of an enum, 0 for other kinds
 *
 * Since: 0.1
 */
guint
aqmp_schema_entry_get_n_values (const AqmpSchemaEntry *self)
{
  return self->kind == AQMP_SCHEMA_KIND_ENUM ? self->n_values : 0;
}

/**
 * aqmp_schema_entry_get_value:
 * @self: an #AqmpSchemaEntry of kind %AQMP_SCHEMA_KIND_ENUM
 * @index: below aqmp_schema_entry_get_n_values()
 *
 * Returns the enum's value at @index.
 *
 * Returns: (transfer none) (nullable): the enum's value at @index
 *
 * Since: 0.1
 */
const gchar *
aqmp_schema_entry_get_value (const AqmpSchemaEntry *self, guint index)
{
  if (self->kind != AQMP_SCHEMA_KIND_ENUM || index >= self->n_values)
    return NULL;
  return self->values[index];
}

/**
 * aqmp_schema_entry_get_value_features:
 * @self: an #AqmpSchemaEntry of kind %AQMP_SCHEMA_KIND_ENUM
 * @index: below aqmp_schema_entry_get_n_values()
 *
 * Returns the features of the enum's value at @index; empty when it has
 * none.
 *
 * Returns: (transfer none) (array zero-terminated=1): the features of the
 *   enum's value at @index; empty when it has none
 *
 * Since: 0.1
 */
const gchar * const *
aqmp_schema_entry_get_value_features (const AqmpSchemaEntry *self, guint index)
{
  if (self->kind != AQMP_SCHEMA_KIND_ENUM || index >= self->n_values || self->value_features == NULL)
    return aqmp_schema_no_features;
  return aqmp_schema_features_or_empty (self->value_features[index]);
}

/**
 * aqmp_schema_entry_find_value:
 * @self: an #AqmpSchemaEntry of kind %AQMP_SCHEMA_KIND_ENUM
 * @value: a value
 *
 * Returns the index of @value in the enum, or -1.
 *
 * Returns: the index of @value in the enum, or -1
 *
 * Since: 0.1
 */
gint
aqmp_schema_entry_find_value (const AqmpSchemaEntry *self, const gchar *value)
{
  gsize len;

  if (self->kind != AQMP_SCHEMA_KIND_ENUM || value == NULL)
    return -1;
  len = strlen (value);
  for (guint i = 0; i < self->n_values; i++)
    if (self->value_lens[i] == len && memcmp (self->values[i], value, len) == 0)
      return (gint) i;
  return -1;
}

/**
 * aqmp_schema_entry_get_element_type:
 * @self: an #AqmpSchemaEntry of kind %AQMP_SCHEMA_KIND_ARRAY
 *
 * Returns the array's element type.
 *
 * Returns: (transfer none) (nullable): the array's element type
 *
 * Since: 0.1
 */
const AqmpSchemaEntry *
aqmp_schema_entry_get_element_type (const AqmpSchemaEntry *self)
{
  return self->kind == AQMP_SCHEMA_KIND_ARRAY ? self->element : NULL;
}

/**
 * aqmp_schema_entry_get_n_members:
 * @self: an #AqmpSchemaEntry of kind %AQMP_SCHEMA_KIND_OBJECT
 *
 * The members every value of the object has or may have; a flat union's
 * variants add more (aqmp_schema_entry_get_variant()).
 *
 * Returns: the number of members, 0 for other kinds
 *
 * Since: 0.1
 */
guint
aqmp_schema_entry_get_n_members (const AqmpSchemaEntry *self)
{
  return self->kind == AQMP_SCHEMA_KIND_OBJECT ? self->n_members : 0;
}

/**
 * aqmp_schema_entry_get_member:
 * @self: an #AqmpSchemaEntry of kind %AQMP_SCHEMA_KIND_OBJECT
 * @index: below aqmp_schema_entry_get_n_members()
 *
 * Returns the member at @index.
 *
 * Returns: (transfer none) (nullable): the member at @index
 *
 * Since: 0.1
 */
const AqmpSchemaMember *
aqmp_schema_entry_get_member (const AqmpSchemaEntry *self, guint index)
{
  if (self->kind != AQMP_SCHEMA_KIND_OBJECT || index >= self->n_members)
    return NULL;
  return &self->members[index];
}

/**
 * aqmp_schema_entry_lookup_member:
 * @self: an #AqmpSchemaEntry of kind %AQMP_SCHEMA_KIND_OBJECT
 * @name: a member's name
 *
 * Looks among the object's own members, not its variants'.
 *
 * Returns: (transfer none) (nullable): the member called @name
 *
 * Since: 0.1
 */
const AqmpSchemaMember *
aqmp_schema_entry_lookup_member (const AqmpSchemaEntry *self, const gchar *name)
{
  if (self->kind != AQMP_SCHEMA_KIND_OBJECT || name == NULL)
    return NULL;
  for (guint i = 0; i < self->n_members; i++)
    if (strcmp (self->members[i].name, name) == 0)
      return &self->members[i];
  return NULL;
}

/**
 * aqmp_schema_entry_get_tag:
 * @self: an #AqmpSchemaEntry of kind %AQMP_SCHEMA_KIND_OBJECT
 *
 * Returns the name of a flat union's tag member, %NULL for a plain object.
 *
 * Returns: (nullable): the name of a flat union's tag member, %NULL for a
 *   plain object
 *
 * Since: 0.1
 */
const gchar *
aqmp_schema_entry_get_tag (const AqmpSchemaEntry *self)
{
  return self->kind == AQMP_SCHEMA_KIND_OBJECT ? self->tag : NULL;
}

/**
 * aqmp_schema_entry_get_n_variants:
 * @self: an #AqmpSchemaEntry of kind %AQMP_SCHEMA_KIND_OBJECT
 *
 * Returns the number of a flat union's variants.
 *
 * Returns: the number of a flat union's variants
 *
 * Since: 0.1
 */
guint
aqmp_schema_entry_get_n_variants (const AqmpSchemaEntry *self)
{
  return self->kind == AQMP_SCHEMA_KIND_OBJECT ? self->n_variants : 0;
}

/**
 * aqmp_schema_entry_get_variant:
 * @self: an #AqmpSchemaEntry of kind %AQMP_SCHEMA_KIND_OBJECT
 * @index: below aqmp_schema_entry_get_n_variants()
 *
 * Returns the variant at @index.
 *
 * Returns: (transfer none) (nullable): the variant at @index
 *
 * Since: 0.1
 */
const AqmpSchemaVariant *
aqmp_schema_entry_get_variant (const AqmpSchemaEntry *self, guint index)
{
  if (self->kind != AQMP_SCHEMA_KIND_OBJECT || index >= self->n_variants)
    return NULL;
  return &self->variants[index];
}

/**
 * aqmp_schema_entry_lookup_variant:
 * @self: an #AqmpSchemaEntry of kind %AQMP_SCHEMA_KIND_OBJECT
 * @tag_value: a value of the union's tag
 *
 * Returns the variant @tag_value selects; %NULL also for a valid tag value
 * whose variant adds nothing.
 *
 * Returns: (transfer none) (nullable): the variant @tag_value selects;
 *   %NULL also for a valid tag value whose variant adds nothing
 *
 * Since: 0.1
 */
const AqmpSchemaVariant *
aqmp_schema_entry_lookup_variant (const AqmpSchemaEntry *self, const gchar *tag_value)
{
  if (self->kind != AQMP_SCHEMA_KIND_OBJECT || tag_value == NULL)
    return NULL;
  for (guint i = 0; i < self->n_variants; i++)
    if (self->variants[i].tag_value[0] == tag_value[0] && strcmp (self->variants[i].tag_value, tag_value) == 0)
      return &self->variants[i];
  return NULL;
}

/**
 * aqmp_schema_entry_get_n_alternatives:
 * @self: an #AqmpSchemaEntry of kind %AQMP_SCHEMA_KIND_ALTERNATE
 *
 * Returns the number of an alternate's types.
 *
 * Returns: the number of an alternate's types
 *
 * Since: 0.1
 */
guint
aqmp_schema_entry_get_n_alternatives (const AqmpSchemaEntry *self)
{
  return self->kind == AQMP_SCHEMA_KIND_ALTERNATE ? self->n_alternatives : 0;
}

/**
 * aqmp_schema_entry_get_alternative:
 * @self: an #AqmpSchemaEntry of kind %AQMP_SCHEMA_KIND_ALTERNATE
 * @index: below aqmp_schema_entry_get_n_alternatives()
 *
 * Returns the alternate's type at @index.
 *
 * Returns: (transfer none) (nullable): the alternate's type at @index
 *
 * Since: 0.1
 */
const AqmpSchemaEntry *
aqmp_schema_entry_get_alternative (const AqmpSchemaEntry *self, guint index)
{
  if (self->kind != AQMP_SCHEMA_KIND_ALTERNATE || index >= self->n_alternatives)
    return NULL;
  return self->alternatives[index];
}

/**
 * aqmp_schema_entry_get_arg_type:
 * @self: an #AqmpSchemaEntry of kind %AQMP_SCHEMA_KIND_COMMAND or
 *   %AQMP_SCHEMA_KIND_EVENT
 *
 * Returns the type of a command's arguments or an event's data: an object
 * type (possibly a union, possibly with no members).
 *
 * Returns: (transfer none) (nullable): the type of a command's arguments
 *   or an event's data: an object type (possibly a union, possibly with no
 *   members)
 *
 * Since: 0.1
 */
const AqmpSchemaEntry *
aqmp_schema_entry_get_arg_type (const AqmpSchemaEntry *self)
{
  return self->arg_type;
}

/**
 * aqmp_schema_entry_get_ret_type:
 * @self: an #AqmpSchemaEntry of kind %AQMP_SCHEMA_KIND_COMMAND
 *
 * Returns the type of a command's return value.
 *
 * Returns: (transfer none) (nullable): the type of a command's return value
 *
 * Since: 0.1
 */
const AqmpSchemaEntry *
aqmp_schema_entry_get_ret_type (const AqmpSchemaEntry *self)
{
  return self->kind == AQMP_SCHEMA_KIND_COMMAND ? self->ret_type : NULL;
}

/**
 * aqmp_schema_entry_get_allow_oob:
 * @self: an #AqmpSchemaEntry of kind %AQMP_SCHEMA_KIND_COMMAND
 *
 * Returns whether the command may be executed out of band.
 *
 * Returns: whether the command may be executed out of band
 *
 * Since: 0.1
 */
gboolean
aqmp_schema_entry_get_allow_oob (const AqmpSchemaEntry *self)
{
  return (self->flags & AQMP_SCHEMA_FLAG_ALLOW_OOB) != 0;
}

/**
 * aqmp_schema_member_get_name:
 * @self: an #AqmpSchemaMember
 *
 * Returns the member's name.
 *
 * Returns: (transfer none): the member's name
 *
 * Since: 0.1
 */
const gchar *
aqmp_schema_member_get_name (const AqmpSchemaMember *self)
{
  return self->name;
}

/**
 * aqmp_schema_member_get_type_entry:
 * @self: an #AqmpSchemaMember
 *
 * Returns the member's type.
 *
 * Returns: (transfer none): the member's type
 *
 * Since: 0.1
 */
const AqmpSchemaEntry *
aqmp_schema_member_get_type_entry (const AqmpSchemaMember *self)
{
  return self->type;
}

/**
 * aqmp_schema_member_is_optional:
 * @self: an #AqmpSchemaMember
 *
 * Returns whether the member may be left out.
 *
 * Returns: whether the member may be left out
 *
 * Since: 0.1
 */
gboolean
aqmp_schema_member_is_optional (const AqmpSchemaMember *self)
{
  return self->optional;
}

/**
 * aqmp_schema_member_get_features:
 * @self: an #AqmpSchemaMember
 *
 * Returns the member's features; empty when it has none.
 *
 * Returns: (transfer none) (array zero-terminated=1): the member's
 *   features; empty when it has none
 *
 * Since: 0.1
 */
const gchar * const *
aqmp_schema_member_get_features (const AqmpSchemaMember *self)
{
  return aqmp_schema_features_or_empty (self->features);
}

/**
 * aqmp_schema_member_has_feature:
 * @self: an #AqmpSchemaMember
 * @feature: a feature's name
 *
 * Returns whether the member has @feature.
 *
 * Returns: whether the member has @feature
 *
 * Since: 0.1
 */
gboolean
aqmp_schema_member_has_feature (const AqmpSchemaMember *self, const gchar *feature)
{
  return self->features != NULL && g_strv_contains ((const gchar * const *) self->features, feature);
}

/**
 * aqmp_schema_variant_get_case:
 * @self: an #AqmpSchemaVariant
 *
 * Returns the tag value that selects the variant.
 *
 * Returns: (transfer none): the tag value that selects the variant
 *
 * Since: 0.1
 */
const gchar *
aqmp_schema_variant_get_case (const AqmpSchemaVariant *self)
{
  return self->tag_value;
}

/**
 * aqmp_schema_variant_get_type_entry:
 * @self: an #AqmpSchemaVariant
 *
 * Returns the object type whose members the variant adds.
 *
 * Returns: (transfer none): the object type whose members the variant adds
 *
 * Since: 0.1
 */
const AqmpSchemaEntry *
aqmp_schema_variant_get_type_entry (const AqmpSchemaVariant *self)
{
  return self->type;
}

/* "integer", "integer 0..255", "integer 0..2^64-1" */
static void
aqmp_schema_describe_int (const AqmpSchemaEntry *self, GString *out)
{
  g_string_append (out, "integer");
  if (!self->sized)
    return;
  if (self->int_max == G_MAXUINT64)
    g_string_append_printf (out, " %" G_GINT64_FORMAT "..2^64-1", self->int_min);
  else if (self->int_max == G_MAXINT64 && self->int_min == G_MININT64)
    g_string_append (out, " -2^63..2^63-1");
  else
    g_string_append_printf (out, " %" G_GINT64_FORMAT "..%" G_GUINT64_FORMAT, self->int_min, self->int_max);
}

static void aqmp_schema_describe_into (const AqmpSchemaEntry *self, GString *out);

static void
aqmp_schema_describe_builtin (const AqmpSchemaEntry *self, GString *out)
{
  const gchar *t = self->json_type;

  if (g_strcmp0 (t, "int") == 0)
    aqmp_schema_describe_int (self, out);
  else if (g_strcmp0 (t, "value") == 0)
    g_string_append (out, "any JSON value");
  else
    g_string_append (out, t);
}

static void
aqmp_schema_describe_into (const AqmpSchemaEntry *self, GString *out)
{
  switch (self->kind)
    {
    case AQMP_SCHEMA_KIND_BUILTIN:
      aqmp_schema_describe_builtin (self, out);
      return;
    case AQMP_SCHEMA_KIND_ENUM:
      g_string_append (out, "one of: ");
      for (guint i = 0; i < self->n_values; i++)
        g_string_append_printf (out, "%s%s", i > 0 ? ", " : "", self->values[i]);
      return;
    case AQMP_SCHEMA_KIND_ARRAY:
      g_string_append (out, "array of ");
      aqmp_schema_describe_into (self->element, out);
      return;
    case AQMP_SCHEMA_KIND_OBJECT:
      g_string_append (out, self->tag != NULL ? "object, by " : "object");
      if (self->tag != NULL)
        g_string_append (out, self->tag);
      return;
    case AQMP_SCHEMA_KIND_ALTERNATE:
      for (guint i = 0; i < self->n_alternatives; i++)
        {
          if (i > 0)
            g_string_append (out, i + 1 == self->n_alternatives ? " or " : ", ");
          aqmp_schema_describe_into (self->alternatives[i], out);
        }
      return;
    case AQMP_SCHEMA_KIND_COMMAND:
      g_string_append (out, "command");
      return;
    case AQMP_SCHEMA_KIND_EVENT:
      g_string_append (out, "event");
      return;
    default:
      g_string_append (out, "?");
    }
}

/**
 * aqmp_schema_entry_describe_type:
 * @self: an #AqmpSchemaEntry
 *
 * Says what a value of the type looks like, in words: `string`,
 * `integer`, `integer 0..255`, `one of: full, top, none`, `array of
 * string`, `object`, `object, by driver` (a union), `string or null`.
 * Object members are not listed.
 *
 * Returns: (transfer full): the description
 *
 * Since: 0.1
 */
gchar *
aqmp_schema_entry_describe_type (const AqmpSchemaEntry *self)
{
  GString *out = g_string_new (NULL);

  aqmp_schema_describe_into (self, out);
  return g_string_free (out, FALSE);
}
