/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmp-json-private.h"

/* objects match as subsets; anything else must be equal */
gboolean
aqmp_json_node_contains (JsonNode *haystack, JsonNode *needle)
{
  if (JSON_NODE_HOLDS_OBJECT (needle) && JSON_NODE_HOLDS_OBJECT (haystack))
    return aqmp_json_object_contains (json_node_get_object (haystack),
                                      json_node_get_object (needle));
  return json_node_equal (haystack, needle);
}

gboolean
aqmp_json_object_contains (JsonObject *haystack, JsonObject *needle)
{
  JsonObjectIter iter;
  const gchar *member;
  JsonNode *value;

  json_object_iter_init (&iter, needle);
  while (json_object_iter_next (&iter, &member, &value))
    {
      JsonNode *found = json_object_get_member (haystack, member);
      if (found == NULL || !aqmp_json_node_contains (found, value))
        return FALSE;
    }
  return TRUE;
}

gchar *
aqmp_json_object_to_string (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  return json_to_string (node, FALSE);
}
