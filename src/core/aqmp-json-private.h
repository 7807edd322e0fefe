/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* QEMU's own parser refuses deeper nesting */
#define AQMP_JSON_MAX_DEPTH 1024

gboolean  aqmp_json_node_contains   (JsonNode   *haystack,
                                     JsonNode   *needle);
gboolean  aqmp_json_object_contains (JsonObject *haystack,
                                     JsonObject *needle);
gchar    *aqmp_json_object_to_string (JsonObject *object);
void      aqmp_json_write           (GString     *out,
                                     JsonNode    *node,
                                     gboolean     pretty);
void      aqmp_json_write_string    (GString     *out,
                                     const gchar *text);
JsonNode *aqmp_json_read            (const gchar *data,
                                     gsize        length,
                                     const gchar **problem,
                                     gsize       *offset);
gboolean  aqmp_json_read_members    (const gchar *data,
                                     gsize        length,
                                     const gchar * const *names,
                                     JsonNode   **values,
                                     guint        n_names,
                                     const gchar **problem,
                                     gsize       *offset);

G_END_DECLS
