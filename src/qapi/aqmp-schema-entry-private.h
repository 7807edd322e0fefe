/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "aqmp-schema-entry.h"

G_BEGIN_DECLS

/*
 * The entries' layout, shared by the parser (aqmp-schema.c), which fills
 * it, and the validator, which reads it on every call. Strings point into
 * the schema's JSON tree, which the schema keeps.
 */

typedef enum {
  AQMP_SCHEMA_FLAG_DEPRECATED = 1 << 0,
  AQMP_SCHEMA_FLAG_UNSTABLE = 1 << 1,
  AQMP_SCHEMA_FLAG_ALLOW_OOB = 1 << 2,
} AqmpSchemaFlags;

struct _AqmpSchemaMember {
  const gchar *name;
  AqmpSchemaEntry *type;
  gboolean optional;
  const gchar **features;     /* NULL-terminated, or NULL */
  guint flags;
};

struct _AqmpSchemaVariant {
  const gchar *tag_value;
  AqmpSchemaEntry *type;
};

struct _AqmpSchemaEntry {
  AqmpSchemaKind kind;
  const gchar *name;
  const gchar **features;
  guint flags;
  guint index;                /* its place in the reply */

  /* builtin */
  const gchar *json_type;
  gint64 int_min;
  guint64 int_max;
  gboolean sized;             /* an integer type with a range of its own */

  /* enum */
  guint n_values;
  const gchar **values;
  const gchar ***value_features;
  guint8 *value_flags;

  /* array */
  AqmpSchemaEntry *element;

  /* object */
  guint n_members;
  AqmpSchemaMember *members;
  const gchar *tag;
  guint n_variants;
  AqmpSchemaVariant *variants;

  /* alternate */
  guint n_alternatives;
  AqmpSchemaEntry **alternatives;

  /* command, event */
  AqmpSchemaEntry *arg_type;
  AqmpSchemaEntry *ret_type;
};

void  aqmp_schema_entry_clear (AqmpSchemaEntry *self);
guint aqmp_schema_features_to_flags (const gchar * const *features);

G_END_DECLS
