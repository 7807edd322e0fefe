/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmp-protocol.h"

/**
 * AqmpProtocol:
 *
 * A protocol variant: how a connection starts, how requests end on the
 * wire, which commands go unanswered, and how to recover after a timeout
 * or garbage. The base class describes plain QMP; plugins subclass it for
 * variants such as the QEMU guest agent's.
 *
 * Since: 0.1
 */

G_DEFINE_TYPE (AqmpProtocol, aqmp_protocol, G_TYPE_OBJECT)

static const gchar *
aqmp_protocol_real_get_name (AqmpProtocol *self)
{
  return "qmp";
}

static const gchar *
aqmp_protocol_real_get_line_ending (AqmpProtocol *self)
{
  return "\r\n";
}

static gboolean
aqmp_protocol_real_has_greeting (AqmpProtocol *self)
{
  return TRUE;
}

static gboolean
aqmp_protocol_real_has_reply (AqmpProtocol *self, const gchar *command)
{
  return TRUE;
}

static gboolean
aqmp_protocol_real_needs_recovery (AqmpProtocol *self, const GError *error)
{
  return FALSE;
}

static gsize
aqmp_protocol_real_get_max_reply_size (AqmpProtocol *self, const gchar *command, JsonObject *arguments)
{
  return 0;
}

static void
aqmp_protocol_real_handshake_async (AqmpProtocol        *self,
                                    AqmpClient          *client,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, aqmp_protocol_real_handshake_async);
  g_task_return_boolean (task, TRUE);
}

static gboolean
aqmp_protocol_real_handshake_finish (AqmpProtocol *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
aqmp_protocol_class_init (AqmpProtocolClass *klass)
{
  klass->get_name = aqmp_protocol_real_get_name;
  klass->get_line_ending = aqmp_protocol_real_get_line_ending;
  klass->has_greeting = aqmp_protocol_real_has_greeting;
  klass->has_reply = aqmp_protocol_real_has_reply;
  klass->needs_recovery = aqmp_protocol_real_needs_recovery;
  klass->get_max_reply_size = aqmp_protocol_real_get_max_reply_size;
  klass->handshake_async = aqmp_protocol_real_handshake_async;
  klass->handshake_finish = aqmp_protocol_real_handshake_finish;
}

static void
aqmp_protocol_init (AqmpProtocol *self)
{
}

/**
 * aqmp_protocol_get_name:
 * @self: an #AqmpProtocol
 *
 * Returns the variant's name.
 *
 * Returns: the variant's name
 *
 * Since: 0.1
 */
const gchar *
aqmp_protocol_get_name (AqmpProtocol *self)
{
  g_return_val_if_fail (AQMP_IS_PROTOCOL (self), NULL);
  return AQMP_PROTOCOL_GET_CLASS (self)->get_name (self);
}

/**
 * aqmp_protocol_get_line_ending:
 * @self: an #AqmpProtocol
 *
 * Returns what ends each request on the wire.
 *
 * Returns: what ends each request on the wire
 *
 * Since: 0.1
 */
const gchar *
aqmp_protocol_get_line_ending (AqmpProtocol *self)
{
  g_return_val_if_fail (AQMP_IS_PROTOCOL (self), "\n");
  return AQMP_PROTOCOL_GET_CLASS (self)->get_line_ending (self);
}

/**
 * aqmp_protocol_has_greeting:
 * @self: an #AqmpProtocol
 *
 * Returns whether the server greets and negotiates as QMP does.
 *
 * Returns: whether the server greets and negotiates as QMP does
 *
 * Since: 0.1
 */
gboolean
aqmp_protocol_has_greeting (AqmpProtocol *self)
{
  g_return_val_if_fail (AQMP_IS_PROTOCOL (self), TRUE);
  return AQMP_PROTOCOL_GET_CLASS (self)->has_greeting (self);
}

/**
 * aqmp_protocol_has_reply:
 * @self: an #AqmpProtocol
 * @command: a command name
 *
 * Returns whether @command is answered on success.
 *
 * Returns: whether @command is answered on success
 *
 * Since: 0.1
 */
gboolean
aqmp_protocol_has_reply (AqmpProtocol *self, const gchar *command)
{
  g_return_val_if_fail (AQMP_IS_PROTOCOL (self), TRUE);
  return AQMP_PROTOCOL_GET_CLASS (self)->has_reply (self, command);
}

/**
 * aqmp_protocol_needs_recovery:
 * @self: an #AqmpProtocol
 * @error: what went wrong: a timeout or unframeable input
 *
 * Returns %TRUE to keep the connection and handshake again.
 *
 * Returns: %TRUE to keep the connection and handshake again
 *
 * Since: 0.1
 */
gboolean
aqmp_protocol_needs_recovery (AqmpProtocol *self, const GError *error)
{
  g_return_val_if_fail (AQMP_IS_PROTOCOL (self), FALSE);
  return AQMP_PROTOCOL_GET_CLASS (self)->needs_recovery (self, error);
}

/**
 * aqmp_protocol_handshake_async:
 * @self: an #AqmpProtocol
 * @client: the client whose connection to make ready
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when ready
 * @user_data: data for @callback
 *
 * Makes a connection without a greeting ready for commands.
 *
 * Since: 0.1
 */
void
aqmp_protocol_handshake_async (AqmpProtocol        *self,
                               AqmpClient          *client,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (AQMP_IS_PROTOCOL (self));
  AQMP_PROTOCOL_GET_CLASS (self)->handshake_async (self, client, cancellable, callback, user_data);
}

/**
 * aqmp_protocol_handshake_finish:
 * @self: an #AqmpProtocol
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes aqmp_protocol_handshake_async().
 *
 * Returns: %TRUE when the connection is ready
 *
 * Since: 0.1
 */
gboolean
aqmp_protocol_handshake_finish (AqmpProtocol *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (AQMP_IS_PROTOCOL (self), FALSE);
  return AQMP_PROTOCOL_GET_CLASS (self)->handshake_finish (self, result, error);
}

/**
 * aqmp_protocol_get_max_reply_size:
 * @self: an #AqmpProtocol
 * @command: a command's name
 * @arguments: (nullable): its arguments
 *
 * How large a reply to this call may be, when the protocol knows it may
 * exceed #AqmpClient:max-message-size. The client reads such a reply
 * whole; a reply over its call's limit fails that call with
 * %AQMP_ERROR_TOO_LARGE.
 *
 * Returns: the largest reply in bytes, or 0 for the client's limit
 *
 * Since: 0.1
 */
gsize
aqmp_protocol_get_max_reply_size (AqmpProtocol *self, const gchar *command, JsonObject *arguments)
{
  g_return_val_if_fail (AQMP_IS_PROTOCOL (self), 0);
  g_return_val_if_fail (command != NULL, 0);
  return AQMP_PROTOCOL_GET_CLASS (self)->get_max_reply_size (self, command, arguments);
}
