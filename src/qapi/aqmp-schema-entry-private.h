/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "aqmp-schema-entry.h"

G_BEGIN_DECLS

/*
 * The entries' layout, shared by the readers, which fill it (the JSON
 * tree's in aqmp-schema.c, the text's in aqmp-schema-scan.c), the index
 * (aqmp-schema.c, which resolves the type names), and the validator,
 * which reads it on every call. Strings and arrays live in the schema's
 * arena, or point into its JSON tree.
 */

typedef enum {
  AQMP_SCHEMA_FLAG_DEPRECATED = 1 << 0,
  AQMP_SCHEMA_FLAG_UNSTABLE = 1 << 1,
  AQMP_SCHEMA_FLAG_ALLOW_OOB = 1 << 2,
  /* what a reader saw, for the index to check the entry is whole */
  AQMP_SCHEMA_FLAG_HAS_MEMBERS = 1 << 3,
  AQMP_SCHEMA_FLAG_HAS_VALUES = 1 << 4,
  AQMP_SCHEMA_FLAG_HAS_VARIANTS = 1 << 5,
  AQMP_SCHEMA_FLAG_MALFORMED = 1 << 6,
} AqmpSchemaFlags;

struct _AqmpSchemaMember {
  const AqmpSchemaEntry *owner; /* set by the index; its entry */
  const gchar *name;
  gsize name_len;             /* set by the index, for quick lookups */
  const gchar *type_name;     /* the masked name, as read */
  AqmpSchemaEntry *type;      /* resolved by the index */
  gboolean optional;
  const gchar **features;     /* NULL-terminated, or NULL */
  guint flags;
};

struct _AqmpSchemaVariant {
  const AqmpSchemaEntry *owner; /* set by the index; its entry */
  const gchar *tag_value;
  const gchar *type_name;
  AqmpSchemaEntry *type;
};

/* a builtin's JSON type, for the validator to switch on */
typedef enum {
  AQMP_SCHEMA_JSON_OTHER,
  AQMP_SCHEMA_JSON_STRING,
  AQMP_SCHEMA_JSON_INT,
  AQMP_SCHEMA_JSON_NUMBER,
  AQMP_SCHEMA_JSON_BOOLEAN,
  AQMP_SCHEMA_JSON_NULL,
  AQMP_SCHEMA_JSON_VALUE,
} AqmpSchemaJsonKind;

struct _AqmpSchemaEntry {
  GObject *schema;            /* set by the index; the AqmpSchema, not a reference */
  AqmpSchemaKind kind;
  const gchar *name;
  const gchar *meta_type;     /* as read; the index turns it into kind */
  const gchar **features;
  guint flags;
  guint index;                /* its place in the reply */

  /* builtin */
  const gchar *json_type;
  AqmpSchemaJsonKind json_kind;
  gint64 int_min;
  guint64 int_max;
  gboolean sized;             /* an integer type with a range of its own */

  /* enum */
  guint n_values;
  const gchar **values;
  gsize *value_lens;
  const gchar ***value_features;
  guint8 *value_flags;

  /* array */
  const gchar *element_name;
  AqmpSchemaEntry *element;

  /* object; enums and alternates read their "members" here too */
  guint n_members;
  AqmpSchemaMember *members;
  guint n_mandatory;          /* members that are not optional */
  const gchar *tag;
  guint n_variants;
  AqmpSchemaVariant *variants;

  /* alternate */
  guint n_alternatives;
  AqmpSchemaEntry **alternatives;

  /* command, event */
  const gchar *arg_name;
  const gchar *ret_name;
  AqmpSchemaEntry *arg_type;
  AqmpSchemaEntry *ret_type;
};

/* one allocation for all of a schema's small pieces, freed at once */
typedef struct {
  GSList *blocks;
  gchar *next;
  gsize left;
} AqmpSchemaArena;

gpointer     aqmp_schema_arena_alloc   (AqmpSchemaArena *arena,
                                        gsize            size);
const gchar *aqmp_schema_arena_strndup (AqmpSchemaArena *arena,
                                        const gchar     *text,
                                        gsize            length);
void         aqmp_schema_arena_clear   (AqmpSchemaArena *arena);

guint        aqmp_schema_features_to_flags (const gchar * const *features);

/* aqmp-schema-scan.c: the entries of a reply given as text, unresolved */
GArray      *aqmp_schema_scan          (const gchar     *text,
                                        gsize            length,
                                        AqmpSchemaArena *arena,
                                        GError         **error);

/* the schema an entry, its members and its variants belong to, for the
 * boxed types' copy (a reference to the schema) */
void aqmp_schema_entry_set_owner (AqmpSchemaEntry *entry,
                                  GObject         *schema);

G_END_DECLS
