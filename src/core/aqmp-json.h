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

G_END_DECLS
