/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_H_INSIDE__) && !defined(AQMP_COMPILATION)
#error "Only <aqmp/aqmp.h> can be included directly."
#endif

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

JsonNode *aqmp_json_parse (const gchar *data,
                           gssize       length,
                           GError     **error);
gchar    *aqmp_json_to_string (JsonNode    *node,
                               gboolean     pretty);

/* typed members of an object from a peer, which may hold anything */
const gchar *aqmp_json_get_string  (JsonObject  *object,
                                    const gchar *member);
gboolean     aqmp_json_lookup_int  (JsonObject  *object,
                                    const gchar *member,
                                    gint64      *value);
gint64       aqmp_json_get_int     (JsonObject  *object,
                                    const gchar *member,
                                    gint64       fallback);
gboolean     aqmp_json_get_boolean (JsonObject  *object,
                                    const gchar *member,
                                    gboolean     fallback);
JsonObject  *aqmp_json_get_object  (JsonObject  *object,
                                    const gchar *member);
JsonArray   *aqmp_json_get_array   (JsonObject  *object,
                                    const gchar *member);

G_END_DECLS
