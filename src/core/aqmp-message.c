/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "aqmp-error.h"
#include "aqmp-json.h"
#include "aqmp-json-private.h"
#include "aqmp-message-private.h"
#include "aqmp-redact.h"

void
aqmp_message_clear (AqmpMessage *message)
{
  g_clear_pointer (&message->object, json_object_unref);
  g_clear_pointer (&message->event, aqmp_event_unref);
  g_clear_pointer (&message->id, json_node_unref);
  g_clear_pointer (&message->value, json_node_unref);
  g_clear_pointer (&message->error, json_object_unref);
}

static gboolean
aqmp_message_fail (GError **error, const gchar *what)
{
  g_set_error (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL, "invalid message from server: %s", what);
  return FALSE;
}

static gint64
aqmp_message_parse_timestamp (JsonNode *node)
{
  JsonObject *ts;
  gint64 secs;
  gint64 usecs;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return -1;
  ts = json_node_get_object (node);
  secs = aqmp_json_get_int (ts, "seconds", -1);
  usecs = aqmp_json_get_int (ts, "microseconds", -1);
  if (secs < 0 || usecs < 0 || secs > G_MAXINT64 / G_USEC_PER_SEC - 1)
    return -1;
  return secs * G_USEC_PER_SEC + usecs;
}

/* the members of a message that tell what it is and carry its content */
enum {
  MEMBER_QMP,
  MEMBER_EVENT,
  MEMBER_DATA,
  MEMBER_TIMESTAMP,
  MEMBER_RETURN,
  MEMBER_ERROR,
  MEMBER_ID,
  N_MEMBERS
};

static const gchar * const aqmp_message_members[N_MEMBERS] = {
  [MEMBER_QMP] = "QMP",
  [MEMBER_EVENT] = "event",
  [MEMBER_DATA] = "data",
  [MEMBER_TIMESTAMP] = "timestamp",
  [MEMBER_RETURN] = "return",
  [MEMBER_ERROR] = "error",
  [MEMBER_ID] = "id",
};

static gboolean
aqmp_message_parse_event (AqmpMessage *message, JsonNode **members, GError **error)
{
  JsonNode *name = members[MEMBER_EVENT];
  JsonNode *data = members[MEMBER_DATA];

  if (!JSON_NODE_HOLDS_VALUE (name) || json_node_get_value_type (name) != G_TYPE_STRING)
    return aqmp_message_fail (error, "event name is not a string");
  if (data != NULL && !JSON_NODE_HOLDS_OBJECT (data))
    return aqmp_message_fail (error, "event data is not an object");

  message->kind = AQMP_MESSAGE_EVENT;
  message->event = aqmp_event_new (json_node_get_string (name),
                                   data != NULL ? json_node_get_object (data) : NULL,
                                   aqmp_message_parse_timestamp (members[MEMBER_TIMESTAMP]));
  return TRUE;
}

static gboolean
aqmp_message_parse_reply (AqmpMessage *message, JsonNode **members, GError **error)
{
  JsonNode *err = members[MEMBER_ERROR];

  message->kind = AQMP_MESSAGE_REPLY;
  message->id = g_steal_pointer (&members[MEMBER_ID]);
  message->value = g_steal_pointer (&members[MEMBER_RETURN]);
  if (err != NULL && JSON_NODE_HOLDS_OBJECT (err))
    message->error = json_object_ref (json_node_get_object (err));
  else if (err != NULL)
    return aqmp_message_fail (error, "error member is not an object");
  return TRUE;
}

static gboolean
aqmp_message_fail_json (GError **error, const gchar *problem, gsize offset)
{
  g_set_error (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL,
               "invalid JSON from server: %s at byte %" G_GSIZE_FORMAT, problem, offset);
  return FALSE;
}

/* the whole message, for a greeting or for a message that is no object */
static JsonNode *
aqmp_message_read_whole (const gchar *data, gsize length, GError **error)
{
  const gchar *problem = NULL;
  gsize offset = 0;
  JsonNode *root = aqmp_json_read (data, length, &problem, &offset);

  if (root == NULL)
    aqmp_message_fail_json (error, problem, offset);
  return root;
}

/* the greeting comes once: read whole, for whoever wants all of it */
static gboolean
aqmp_message_parse_greeting (AqmpMessage *message, const gchar *data, gsize length, GError **error)
{
  g_autoptr(JsonNode) root = aqmp_message_read_whole (data, length, error);

  if (root == NULL)
    return FALSE;
  message->kind = AQMP_MESSAGE_GREETING;
  message->object = json_object_ref (json_node_get_object (root));
  return TRUE;
}

/* valid JSON, but not an object; or the reason it is not valid */
static gboolean
aqmp_message_fail_not_object (const gchar *data, gsize length, GError **error)
{
  g_autoptr(JsonNode) root = aqmp_message_read_whole (data, length, error);

  if (root == NULL)
    return FALSE;
  return aqmp_message_fail (error, "not a JSON object");
}

static gboolean
aqmp_message_starts_object (const gchar *data, gsize length)
{
  gsize i = 0;

  while (i < length && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
    i++;
  return i < length && data[i] == '{';
}

static gboolean
aqmp_message_classify (AqmpMessage *message, const gchar *data, gsize length, JsonNode **members,
                       GError **error)
{
  if (members[MEMBER_QMP] != NULL)
    return aqmp_message_parse_greeting (message, data, length, error);
  if (members[MEMBER_EVENT] != NULL)
    return aqmp_message_parse_event (message, members, error);
  if (members[MEMBER_RETURN] != NULL || members[MEMBER_ERROR] != NULL || members[MEMBER_ID] != NULL)
    return aqmp_message_parse_reply (message, members, error);
  return aqmp_message_fail (error, "neither a greeting, an event nor a reply");
}

/**
 * aqmp_message_parse:
 *
 * Parses one framed message and classifies it. On failure the connection
 * is to be considered broken: the error is %AQMP_ERROR_PROTOCOL. Only a
 * greeting is kept whole (in @message's object): of an event or a reply,
 * only the members that matter are built.
 */
gboolean
aqmp_message_parse (const gchar  *data,
                    gsize         length,
                    AqmpMessage  *message,
                    GError      **error)
{
  JsonNode *members[N_MEMBERS];
  const gchar *problem = NULL;
  gsize offset = 0;
  gboolean ok;

  memset (message, 0, sizeof (*message));
  if (!aqmp_message_starts_object (data, length))
    return aqmp_message_fail_not_object (data, length, error);
  if (!aqmp_json_read_members (data, length, aqmp_message_members, members, N_MEMBERS, &problem, &offset))
    return aqmp_message_fail_json (error, problem, offset);
  ok = aqmp_message_classify (message, data, length, members, error);
  for (guint i = 0; i < N_MEMBERS; i++)
    g_clear_pointer (&members[i], json_node_unref);
  return ok;
}

/* our ids are unsigned integers; anything else is not ours */
gboolean
aqmp_message_reply_get_id (AqmpMessage *message, guint64 *id)
{
  if (message->id == NULL || !JSON_NODE_HOLDS_VALUE (message->id)
      || json_node_get_value_type (message->id) != G_TYPE_INT64)
    return FALSE;
  if (json_node_get_int (message->id) < 0)
    return FALSE;
  *id = (guint64) json_node_get_int (message->id);
  return TRUE;
}

/* a reply carries exactly one of `return` and `error` */
gboolean
aqmp_message_check_reply (AqmpMessage *message, GError **error)
{
  if (message->value != NULL && message->error != NULL)
    return aqmp_message_fail (error, "reply has both return and error");
  if (message->value == NULL && message->error == NULL)
    return aqmp_message_fail (error, "reply has neither return nor error");
  return TRUE;
}

GError *
aqmp_message_reply_to_error (AqmpMessage *message, const gchar *command)
{
  const gchar *qmp_class = aqmp_json_get_string (message->error, "class");
  const gchar *desc = aqmp_json_get_string (message->error, "desc");

  return aqmp_error_new_command (command,
                                 qmp_class != NULL ? qmp_class : "GenericError",
                                 desc != NULL ? desc : "(no description)");
}

static gboolean
aqmp_greeting_get_uint (JsonObject *object, const gchar *member, guint *value)
{
  gint64 number;

  if (!aqmp_json_lookup_int (object, member, &number) || number < 0 || number > G_MAXUINT)
    return FALSE;
  *value = (guint) number;
  return TRUE;
}

/**
 * aqmp_greeting_parse:
 *
 * Validates the `QMP` member of a greeting: a version with integer
 * major, minor and micro parts, and an array of capability strings.
 */
gboolean
aqmp_greeting_parse (JsonObject  *greeting,
                     guint        version[3],
                     GStrv       *capabilities,
                     GError     **error)
{
  JsonNode *qmp = json_object_get_member (greeting, "QMP");
  JsonObject *qmp_obj;
  JsonNode *ver;
  JsonNode *qemu;
  JsonNode *caps;
  JsonArray *caps_arr;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  if (qmp == NULL || !JSON_NODE_HOLDS_OBJECT (qmp))
    return aqmp_message_fail (error, "greeting: QMP is not an object");
  qmp_obj = json_node_get_object (qmp);
  ver = json_object_get_member (qmp_obj, "version");
  if (ver == NULL || !JSON_NODE_HOLDS_OBJECT (ver))
    return aqmp_message_fail (error, "greeting: no version object");
  qemu = json_object_get_member (json_node_get_object (ver), "qemu");
  if (qemu == NULL || !JSON_NODE_HOLDS_OBJECT (qemu)
      || !aqmp_greeting_get_uint (json_node_get_object (qemu), "major", &version[0])
      || !aqmp_greeting_get_uint (json_node_get_object (qemu), "minor", &version[1])
      || !aqmp_greeting_get_uint (json_node_get_object (qemu), "micro", &version[2]))
    return aqmp_message_fail (error, "greeting: version.qemu needs integer major, minor and micro");

  caps = json_object_get_member (qmp_obj, "capabilities");
  if (caps == NULL || !JSON_NODE_HOLDS_ARRAY (caps))
    return aqmp_message_fail (error, "greeting: capabilities is not an array");
  caps_arr = json_node_get_array (caps);
  for (guint i = 0; i < json_array_get_length (caps_arr); i++)
    {
      JsonNode *cap = json_array_get_element (caps_arr, i);
      if (!JSON_NODE_HOLDS_VALUE (cap) || json_node_get_value_type (cap) != G_TYPE_STRING)
        return aqmp_message_fail (error, "greeting: a capability is not a string");
      g_strv_builder_add (builder, json_node_get_string (cap));
    }
  *capabilities = g_strv_builder_end (builder);
  return TRUE;
}

/* in decimal, without g_string_append_printf(): this runs once per request */
static void
aqmp_message_append_uint64 (GString *out, guint64 value)
{
  gchar digits[20];   /* G_MAXUINT64 has 20 */
  guint n = 0;

  do
    {
      digits[n++] = (gchar) ('0' + value % 10);
      value /= 10;
    }
  while (value != 0);
  while (n > 0)
    g_string_append_c (out, digits[--n]);
}

/**
 * aqmp_message_build_request:
 *
 * Serialises a request once, with its line ending, ready for the writer.
 * Written straight into one buffer, with aqmp's own JSON writer.
 */
GBytes *
aqmp_message_build_request (const gchar *command,
                            JsonObject  *arguments,
                            gboolean     oob,
                            guint64      id,
                            const gchar *line_ending)
{
  GString *out = g_string_sized_new (128);

  g_string_append (out, oob ? "{\"exec-oob\":" : "{\"execute\":");
  aqmp_json_write_string (out, command);
  if (arguments != NULL)
    {
      g_autoptr(JsonNode) args = json_node_init_object (json_node_alloc (), arguments);

      g_string_append (out, ",\"arguments\":");
      aqmp_json_write (out, args, FALSE);
    }
  g_string_append (out, ",\"id\":");
  aqmp_message_append_uint64 (out, id);
  g_string_append_c (out, '}');
  g_string_append (out, line_ending);
  return g_string_free_to_bytes (out);
}

/**
 * aqmp_message_build_trace:
 *
 * The request as the wire trace shows it: serialised like
 * aqmp_message_build_request(), from a copy of @arguments with every
 * secret replaced by %AQMP_REDACTED. Only called when tracing is on.
 */
gchar *
aqmp_message_build_trace (const gchar *command, JsonObject *arguments, gboolean oob, guint64 id)
{
  g_autoptr(JsonObject) redacted = arguments != NULL ? aqmp_redact_arguments (arguments) : NULL;
  g_autoptr(GBytes) bytes = aqmp_message_build_request (command, redacted, oob, id, "");
  gsize size = 0;
  const gchar *data = g_bytes_get_data (bytes, &size);

  return g_strndup (data, size);
}
