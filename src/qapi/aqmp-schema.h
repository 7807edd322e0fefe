/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_QAPI_H_INSIDE__) && !defined(AQMP_QAPI_COMPILATION)
#error "Only <aqmp/aqmp-qapi.h> can be included directly."
#endif

#include <json-glib/json-glib.h>

#include "aqmp-schema-entry.h"

G_BEGIN_DECLS

#define AQMP_TYPE_SCHEMA (aqmp_schema_get_type ())
G_DECLARE_FINAL_TYPE (AqmpSchema, aqmp_schema, AQMP, SCHEMA, GObject)

AqmpSchema   *aqmp_schema_new                 (JsonNode      *reply,
                                               GError       **error);
AqmpSchema   *aqmp_schema_new_from_commands   (JsonNode      *reply,
                                               GError       **error);
AqmpSchema   *aqmp_schema_new_from_data       (GBytes        *data,
                                               GError       **error);
AqmpSchema   *aqmp_schema_new_from_file       (const gchar   *path,
                                               GError       **error);

gboolean      aqmp_schema_is_complete         (AqmpSchema    *self);
JsonNode     *aqmp_schema_get_json            (AqmpSchema    *self);
gchar        *aqmp_schema_dump                (AqmpSchema    *self);

void          aqmp_schema_set_server_version  (AqmpSchema    *self,
                                               guint          major,
                                               guint          minor,
                                               guint          micro,
                                               const gchar   *package);
gboolean      aqmp_schema_get_server_version  (AqmpSchema    *self,
                                               guint         *major,
                                               guint         *minor,
                                               guint         *micro);
const gchar  *aqmp_schema_get_package         (AqmpSchema    *self);

guint         aqmp_schema_get_n_entries       (AqmpSchema    *self);
const AqmpSchemaEntry *aqmp_schema_get_entry  (AqmpSchema    *self,
                                               guint          index);
const AqmpSchemaEntry *aqmp_schema_lookup     (AqmpSchema    *self,
                                               const gchar   *name);
const AqmpSchemaEntry *aqmp_schema_lookup_command (AqmpSchema *self,
                                               const gchar   *name);
const AqmpSchemaEntry *aqmp_schema_lookup_event (AqmpSchema  *self,
                                               const gchar   *name);
GPtrArray    *aqmp_schema_list_commands       (AqmpSchema    *self);
GPtrArray    *aqmp_schema_list_events         (AqmpSchema    *self);

G_END_DECLS
