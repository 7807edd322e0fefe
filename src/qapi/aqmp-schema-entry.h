/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_QAPI_H_INSIDE__) && !defined(AQMP_QAPI_COMPILATION)
#error "Only <aqmp/aqmp-qapi.h> can be included directly."
#endif

#include <glib-object.h>

#include "aqmp-qapi-enums.h"

G_BEGIN_DECLS

/**
 * AqmpSchemaEntry:
 *
 * One entry of an #AqmpSchema: a command, an event or a type. Entries,
 * their members and variants belong to their schema and stay valid as long
 * as it does; every type reference is already resolved to the entry it
 * names, so no caller needs introspection's masked type names.
 *
 * The three are boxed types whose copy is the same pointer holding a
 * reference to the schema (freeing it drops the reference), so that a
 * language binding keeping an entry keeps its schema.
 *
 * Since: 0.1
 */
typedef struct _AqmpSchemaEntry AqmpSchemaEntry;

/**
 * AqmpSchemaMember:
 *
 * A member of an object type: a name, a type, whether it may be left out,
 * and its features.
 *
 * Since: 0.1
 */
typedef struct _AqmpSchemaMember AqmpSchemaMember;

/**
 * AqmpSchemaVariant:
 *
 * One variant of a flat union: the tag value that selects it and the
 * object type whose members it adds.
 *
 * Since: 0.1
 */
typedef struct _AqmpSchemaVariant AqmpSchemaVariant;

#define AQMP_TYPE_SCHEMA_ENTRY (aqmp_schema_entry_get_type ())
#define AQMP_TYPE_SCHEMA_MEMBER (aqmp_schema_member_get_type ())
#define AQMP_TYPE_SCHEMA_VARIANT (aqmp_schema_variant_get_type ())

GType              aqmp_schema_entry_get_type          (void) G_GNUC_CONST;
GType              aqmp_schema_member_get_type         (void) G_GNUC_CONST;
GType              aqmp_schema_variant_get_type        (void) G_GNUC_CONST;

AqmpSchemaKind     aqmp_schema_entry_get_kind          (const AqmpSchemaEntry *self);
const gchar       *aqmp_schema_entry_get_name          (const AqmpSchemaEntry *self);
gboolean           aqmp_schema_entry_is_named          (const AqmpSchemaEntry *self);
const gchar * const *aqmp_schema_entry_get_features    (const AqmpSchemaEntry *self);
gboolean           aqmp_schema_entry_has_feature       (const AqmpSchemaEntry *self,
                                                        const gchar           *feature);

/* builtins */
const gchar       *aqmp_schema_entry_get_json_type     (const AqmpSchemaEntry *self);
gboolean           aqmp_schema_entry_get_int_range     (const AqmpSchemaEntry *self,
                                                        gint64                *min,
                                                        guint64               *max);

/* enums */
guint              aqmp_schema_entry_get_n_values      (const AqmpSchemaEntry *self);
const gchar       *aqmp_schema_entry_get_value         (const AqmpSchemaEntry *self,
                                                        guint                  index);
const gchar * const *aqmp_schema_entry_get_value_features (const AqmpSchemaEntry *self,
                                                        guint                  index);
gint               aqmp_schema_entry_find_value        (const AqmpSchemaEntry *self,
                                                        const gchar           *value);

/* arrays */
const AqmpSchemaEntry *aqmp_schema_entry_get_element_type (const AqmpSchemaEntry *self);

/* objects and flat unions */
guint              aqmp_schema_entry_get_n_members     (const AqmpSchemaEntry *self);
const AqmpSchemaMember *aqmp_schema_entry_get_member   (const AqmpSchemaEntry *self,
                                                        guint                  index);
const AqmpSchemaMember *aqmp_schema_entry_lookup_member (const AqmpSchemaEntry *self,
                                                        const gchar           *name);
const gchar       *aqmp_schema_entry_get_tag           (const AqmpSchemaEntry *self);
guint              aqmp_schema_entry_get_n_variants    (const AqmpSchemaEntry *self);
const AqmpSchemaVariant *aqmp_schema_entry_get_variant (const AqmpSchemaEntry *self,
                                                        guint                  index);
const AqmpSchemaVariant *aqmp_schema_entry_lookup_variant (const AqmpSchemaEntry *self,
                                                        const gchar           *tag_value);

/* alternates */
guint              aqmp_schema_entry_get_n_alternatives (const AqmpSchemaEntry *self);
const AqmpSchemaEntry *aqmp_schema_entry_get_alternative (const AqmpSchemaEntry *self,
                                                        guint                  index);

/* commands and events */
const AqmpSchemaEntry *aqmp_schema_entry_get_arg_type  (const AqmpSchemaEntry *self);
const AqmpSchemaEntry *aqmp_schema_entry_get_ret_type  (const AqmpSchemaEntry *self);
gboolean           aqmp_schema_entry_get_allow_oob     (const AqmpSchemaEntry *self);

/* members */
const gchar       *aqmp_schema_member_get_name         (const AqmpSchemaMember *self);
const AqmpSchemaEntry *aqmp_schema_member_get_type_entry     (const AqmpSchemaMember *self);
gboolean           aqmp_schema_member_is_optional      (const AqmpSchemaMember *self);
const gchar * const *aqmp_schema_member_get_features   (const AqmpSchemaMember *self);
gboolean           aqmp_schema_member_has_feature      (const AqmpSchemaMember *self,
                                                        const gchar            *feature);

/* variants */
const gchar       *aqmp_schema_variant_get_case        (const AqmpSchemaVariant *self);
const AqmpSchemaEntry *aqmp_schema_variant_get_type_entry    (const AqmpSchemaVariant *self);

gchar             *aqmp_schema_entry_describe_type     (const AqmpSchemaEntry *self);

G_END_DECLS
