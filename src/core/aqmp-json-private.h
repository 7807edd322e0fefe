/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

gboolean  aqmp_json_node_contains   (JsonNode   *haystack,
                                     JsonNode   *needle);
gboolean  aqmp_json_object_contains (JsonObject *haystack,
                                     JsonObject *needle);
gchar    *aqmp_json_object_to_string (JsonObject *object);
gboolean  aqmp_json_check           (const gchar *data,
                                     gsize        length,
                                     const gchar **problem);

G_END_DECLS
