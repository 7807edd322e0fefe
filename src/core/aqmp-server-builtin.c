/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmp-error.h"
#include "aqmp-server-builtin-private.h"

static JsonObject *
aqmp_server_builtin_version (void)
{
  JsonObject *version = json_object_new ();
  JsonObject *qemu = json_object_new ();

  json_object_set_int_member (qemu, "micro", 22);
  json_object_set_int_member (qemu, "minor", 2);
  json_object_set_int_member (qemu, "major", 7);
  json_object_set_object_member (version, "qemu", qemu);
  json_object_set_string_member (version, "package", "aqmp-test");
  return version;
}

/* a QEMU 7.2-like greeting offering oob */
JsonObject *
aqmp_server_builtin_greeting (void)
{
  JsonObject *greeting = json_object_new ();
  JsonObject *qmp = json_object_new ();
  JsonArray *caps = json_array_new ();

  json_array_add_string_element (caps, "oob");
  json_object_set_object_member (qmp, "version", aqmp_server_builtin_version ());
  json_object_set_array_member (qmp, "capabilities", caps);
  json_object_set_object_member (greeting, "QMP", qmp);
  return greeting;
}

/* the member of the greeting's QMP object, if the greeting has one */
static JsonNode *
aqmp_server_builtin_greeting_member (JsonObject *greeting, const gchar *name)
{
  JsonNode *qmp;

  if (greeting == NULL)
    return NULL;
  qmp = json_object_get_member (greeting, "QMP");
  if (qmp == NULL || !JSON_NODE_HOLDS_OBJECT (qmp))
    return NULL;
  return json_object_get_member (json_node_get_object (qmp), name);
}

static gboolean
aqmp_server_builtin_strv_node_contains (JsonNode *node, const gchar *str)
{
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return FALSE;
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      if (JSON_NODE_HOLDS_VALUE (element)
          && json_node_get_value_type (element) == G_TYPE_STRING
          && g_strcmp0 (json_node_get_string (element), str) == 0)
        return TRUE;
    }
  return FALSE;
}

/* whether a successful qmp_capabilities with @arguments turns OOB on */
gboolean
aqmp_server_builtin_enables_oob (JsonObject *arguments)
{
  JsonNode *enable = arguments != NULL ? json_object_get_member (arguments, "enable") : NULL;

  return aqmp_server_builtin_strv_node_contains (enable, "oob");
}

/* QEMU's checks of a request's members, with its messages; on success
 * @command and @oob say what to run and how */
gboolean
aqmp_server_builtin_check_request (JsonObject   *request,
                                   gboolean      allow_oob,
                                   const gchar **command,
                                   gboolean     *oob,
                                   GError      **error)
{
  JsonObjectIter iter;
  const gchar *member;
  JsonNode *value;

  json_object_iter_init (&iter, request);
  while (json_object_iter_next (&iter, &member, &value))
    {
      gboolean is_oob = g_strcmp0 (member, "exec-oob") == 0;

      if (is_oob || g_strcmp0 (member, "execute") == 0)
        {
          if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
            {
              g_set_error (error, AQMP_ERROR, AQMP_ERROR_FAILED,
                           "QMP input member '%s' must be a string", member);
              return FALSE;
            }
          if (is_oob && !allow_oob)
            {
              g_set_error (error, AQMP_ERROR, AQMP_ERROR_FAILED,
                           "QMP input member '%s' is unexpected", member);
              return FALSE;
            }
          if (*command != NULL)
            {
              g_set_error_literal (error, AQMP_ERROR, AQMP_ERROR_FAILED,
                                   "QMP input must not contain both 'execute' and 'exec-oob'");
              return FALSE;
            }
          *command = json_node_get_string (value);
          *oob = is_oob;
        }
      else if (g_strcmp0 (member, "arguments") == 0)
        {
          if (!JSON_NODE_HOLDS_OBJECT (value))
            {
              g_set_error_literal (error, AQMP_ERROR, AQMP_ERROR_FAILED,
                                   "QMP input member 'arguments' must be an object");
              return FALSE;
            }
        }
      else if (g_strcmp0 (member, "id") != 0)
        {
          g_set_error (error, AQMP_ERROR, AQMP_ERROR_FAILED,
                       "QMP input member '%s' is unexpected", member);
          return FALSE;
        }
    }
  if (*command == NULL)
    {
      g_set_error_literal (error, AQMP_ERROR, AQMP_ERROR_FAILED,
                           "QMP input lacks member 'execute'");
      return FALSE;
    }
  return TRUE;
}

static AqmpServerReply *
aqmp_server_builtin_capabilities (JsonObject *arguments,
                                  JsonObject *greeting,
                                  gboolean    caps_done)
{
  JsonNode *enable = arguments != NULL ? json_object_get_member (arguments, "enable") : NULL;
  JsonNode *offered = aqmp_server_builtin_greeting_member (greeting, "capabilities");
  JsonArray *array;
  g_autofree gchar *desc = NULL;

  if (caps_done)
    return aqmp_server_reply_new_error ("CommandNotFound",
                                        "Capabilities negotiation is already complete, command ignored");
  if (enable != NULL && !JSON_NODE_HOLDS_ARRAY (enable))
    return aqmp_server_reply_new_error ("GenericError",
                                        "Invalid parameter type for 'enable', expected: array");

  array = enable != NULL ? json_node_get_array (enable) : NULL;
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      const gchar *cap = JSON_NODE_HOLDS_VALUE (element)
                         && json_node_get_value_type (element) == G_TYPE_STRING
                         ? json_node_get_string (element) : NULL;
      if (cap == NULL)
        return aqmp_server_reply_new_error ("GenericError",
                                            "Invalid parameter type for 'enable', expected: string");
      if (!aqmp_server_builtin_strv_node_contains (offered, cap))
        {
          desc = g_strdup_printf ("Capability '%s' not available", cap);
          return aqmp_server_reply_new_error ("GenericError", desc);
        }
    }
  return aqmp_server_reply_new_return (NULL);
}

static AqmpServerReply *
aqmp_server_builtin_status (gboolean running)
{
  JsonObject *status = json_object_new ();

  json_object_set_string_member (status, "status", running ? "running" : "paused");
  json_object_set_boolean_member (status, "singlestep", FALSE);
  json_object_set_boolean_member (status, "running", running);
  return aqmp_server_reply_new_return (aqmp_server_node_take_object (status));
}

/* the greeting's version, as QEMU's query-version matches its greeting */
static AqmpServerReply *
aqmp_server_builtin_query_version (JsonObject *greeting)
{
  JsonNode *version = aqmp_server_builtin_greeting_member (greeting, "version");

  if (version != NULL && JSON_NODE_HOLDS_OBJECT (version))
    return aqmp_server_reply_new_return (json_node_copy (version));
  version = aqmp_server_node_take_object (aqmp_server_builtin_version ());
  return aqmp_server_reply_new_return (version);
}

AqmpServerReply *
aqmp_server_builtin_answer (const gchar *command,
                            gboolean     oob,
                            JsonObject  *arguments,
                            JsonObject  *greeting,
                            gboolean     running,
                            gboolean     caps_done)
{
  g_autofree gchar *desc = NULL;
  AqmpServerReply *reply;

  if (oob)
    {
      desc = g_strdup_printf ("The command %s does not support OOB", command);
      return aqmp_server_reply_new_error ("GenericError", desc);
    }
  if (g_strcmp0 (command, "qmp_capabilities") == 0)
    return aqmp_server_builtin_capabilities (arguments, greeting, caps_done);
  if (g_strcmp0 (command, "query-status") == 0)
    return aqmp_server_builtin_status (running);
  if (g_strcmp0 (command, "query-version") == 0)
    return aqmp_server_builtin_query_version (greeting);
  if (g_strcmp0 (command, "quit") == 0
      || g_strcmp0 (command, "stop") == 0
      || g_strcmp0 (command, "cont") == 0)
    {
      reply = aqmp_server_reply_new_return (NULL);
      reply->action = command[0] == 'q' ? AQMP_SERVER_ACTION_QUIT
                      : command[0] == 's' ? AQMP_SERVER_ACTION_STOP
                      : AQMP_SERVER_ACTION_CONT;
      return reply;
    }
  desc = g_strdup_printf ("The command %s has not been found", command);
  return aqmp_server_reply_new_error ("CommandNotFound", desc);
}
