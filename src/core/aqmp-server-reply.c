/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmp-server-reply-private.h"

JsonNode *
aqmp_server_node_take_object (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  return node;
}

/* takes @value; %NULL answers `{}` */
AqmpServerReply *
aqmp_server_reply_new_return (JsonNode *value)
{
  AqmpServerReply *reply = g_new0 (AqmpServerReply, 1);

  reply->response = json_object_new ();
  if (value == NULL)
    value = aqmp_server_node_take_object (json_object_new ());
  json_object_set_member (reply->response, "return", value);
  return reply;
}

AqmpServerReply *
aqmp_server_reply_new_error (const gchar *qmp_class, const gchar *desc)
{
  AqmpServerReply *reply = g_new0 (AqmpServerReply, 1);
  JsonObject *error = json_object_new ();

  json_object_set_string_member (error, "class", qmp_class);
  json_object_set_string_member (error, "desc", desc);
  reply->response = json_object_new ();
  json_object_set_object_member (reply->response, "error", error);
  return reply;
}

/* nothing to send: the answer comes later, or never */
AqmpServerReply *
aqmp_server_reply_new_silent (void)
{
  return g_new0 (AqmpServerReply, 1);
}

void
aqmp_server_reply_free (AqmpServerReply *reply)
{
  g_clear_pointer (&reply->response, json_object_unref);
  g_free (reply);
}
