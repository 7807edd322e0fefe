/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_QAPI_H_INSIDE__) && !defined(AQMP_QAPI_COMPILATION)
#error "Only <aqmp/aqmp-qapi.h> can be included directly."
#endif

#include "aqmp-schema.h"

G_BEGIN_DECLS

#define AQMP_TYPE_SCHEMA_CACHE (aqmp_schema_cache_get_type ())
G_DECLARE_FINAL_TYPE (AqmpSchemaCache, aqmp_schema_cache, AQMP, SCHEMA_CACHE, GObject)

AqmpSchemaCache *aqmp_schema_cache_new      (const gchar      *dir);
const gchar     *aqmp_schema_cache_get_dir  (AqmpSchemaCache  *self);
gchar           *aqmp_schema_cache_get_path (AqmpSchemaCache  *self,
                                             guint             major,
                                             guint             minor,
                                             guint             micro,
                                             const gchar      *package);
AqmpSchema      *aqmp_schema_cache_lookup   (AqmpSchemaCache  *self,
                                             guint             major,
                                             guint             minor,
                                             guint             micro,
                                             const gchar      *package,
                                             GError          **error);
gboolean         aqmp_schema_cache_store    (AqmpSchemaCache  *self,
                                             AqmpSchema       *schema,
                                             GError          **error);

G_END_DECLS
