/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmp-address-private.h"
#include "aqmp-client-private.h"
#include "aqmp-client-check.h"
#include "aqmp-error.h"

/*
 * Commands: every execute call is checked against the client's state
 * and limits here, then posted to the session, whose mailbox is the one
 * outbound queue.
 */

static gboolean
aqmp_client_check_can_execute (AqmpClient *self, AqmpExecuteFlags flags, GError **error)
{
  switch (self->state)
    {
    case AQMP_STATE_IDLE:
      if (self->last_loss != NULL)
        g_set_error (error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED,
                     "not connected: connection lost: %s", self->last_loss);
      else
        g_set_error_literal (error, AQMP_ERROR, AQMP_ERROR_STATE,
                             "not connected: call aqmp_client_connect_async() first");
      return FALSE;
    case AQMP_STATE_DISCONNECTING:
      g_set_error (error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED,
                   "the connection is closing%s%s",
                   self->last_loss != NULL ? ": " : "",
                   self->last_loss != NULL ? self->last_loss : "");
      return FALSE;
    case AQMP_STATE_CONNECTING:
    case AQMP_STATE_RUNNING:
    default:
      break;
    }
  /* after a write error nothing more can be sent */
  if (aqmp_session_get_write_error (self->session) != NULL)
    {
      g_set_error (error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED,
                   "the connection is closing: %s", aqmp_session_get_write_error (self->session)->message);
      return FALSE;
    }
  /* calls do not wait for a reconnect: they fail fast */
  if (self->reconnecting && (flags & AQMP_EXECUTE_FLAGS_HANDSHAKE) == 0)
    {
      g_set_error (error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED,
                   "not connected: connection lost: %s; reconnecting",
                   self->last_loss != NULL ? self->last_loss : "(unknown cause)");
      return FALSE;
    }
  if ((flags & AQMP_EXECUTE_FLAGS_OOB) != 0 && !aqmp_session_get_oob_enabled (self->session))
    {
      g_set_error_literal (error, AQMP_ERROR, AQMP_ERROR_STATE,
                           "cannot use exec-oob: out-of-band execution was not negotiated");
      return FALSE;
    }
  if (self->max_queue_size > 0 && aqmp_session_get_queued (self->session) >= self->max_queue_size)
    {
      g_set_error (error, AQMP_ERROR, AQMP_ERROR_QUEUE_FULL,
                   "outbound queue is full (%" G_GSIZE_FORMAT " bytes): the server is not reading",
                   self->max_queue_size);
      return FALSE;
    }
  return TRUE;
}

/* why descriptors cannot go over this connection, or %NULL when they can
 * or it is not known yet (checked again when the request is written) */
static const gchar *
aqmp_client_fds_refusal (AqmpClient *self)
{
  GIOStream *stream = self->session != NULL ? aqmp_session_get_stream (self->session) : NULL;

  if (stream != NULL)
    {
      if (aqmp_session_get_unix_socket (self->session) != NULL)
        return NULL;
      if (G_IS_TLS_CONNECTION (stream))
        return "TLS";
      return G_IS_TCP_CONNECTION (stream) ? "TCP" : "this connection";
    }
  if (self->address == NULL || aqmp_address_is_unix (self->address))
    return NULL;
  return aqmp_connector_wants_tls (self->connector, self->address) ? "TLS" : "TCP";
}

static gboolean
aqmp_client_check_fds (AqmpClient *self, GUnixFDList *fds, GError **error)
{
  gint n = g_unix_fd_list_get_length (fds);
  const gchar *refusal;

  if (n > AQMP_MAX_FDS_PER_COMMAND)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "cannot pass %d file descriptors with one command: QEMU accepts at most %d",
                   n, AQMP_MAX_FDS_PER_COMMAND);
      return FALSE;
    }
  refusal = aqmp_client_fds_refusal (self);
  if (refusal != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "cannot pass file descriptors over %s: only a Unix socket carries them",
                   refusal);
      return FALSE;
    }
  return TRUE;
}

/* every execute call ends here: checks, then the mailbox and the writer */
static void
aqmp_client_post (AqmpClient       *self,
                  GTask            *task,
                  const gchar      *command,
                  JsonObject       *arguments,
                  GUnixFDList      *fds,
                  AqmpExecuteFlags  flags,
                  gint              timeout_ms,
                  GCancellable     *cancellable)
{
  g_autoptr(GError) error = NULL;
  gsize max_reply_size = 0;

  if (!aqmp_client_check_can_execute (self, flags, &error)
      || (fds != NULL && !aqmp_client_check_fds (self, fds, &error))
      /* an opt-in check, such as schema validation (aqmp-client-check.c) */
      || ((flags & AQMP_EXECUTE_FLAGS_HANDSHAKE) == 0
          && !aqmp_client_check_command (self, command, arguments, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (fds != NULL && g_unix_fd_list_get_length (fds) == 0)
    fds = NULL;
  if (self->protocol != NULL && !aqmp_protocol_has_reply (self->protocol, command))
    flags |= AQMP_EXECUTE_FLAGS_NO_REPLY;
  /* replies the protocol knows to be large, such as the guest agent's
   * program output, may exceed max-message-size */
  if (self->protocol != NULL)
    max_reply_size = aqmp_protocol_get_max_reply_size (self->protocol, command, arguments);
  aqmp_session_post (self->session, task, command, arguments, fds, flags,
                     timeout_ms < 0 ? self->default_timeout : (guint) timeout_ms,
                     max_reply_size, cancellable);
  /* after a timeout or garbage, the next call resyncs first */
  if (self->state == AQMP_STATE_RUNNING && !aqmp_session_is_negotiated (self->session)
      && (flags & AQMP_EXECUTE_FLAGS_HANDSHAKE) == 0)
    aqmp_client_start_handshake (self);
}

/**
 * aqmp_client_execute_async:
 * @self: an #AqmpClient
 * @command: the command's name, such as `"query-status"`
 * @arguments: (nullable): the command's arguments
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the reply
 * @user_data: data for @callback
 *
 * Executes a command with the client's default timeout. See
 * aqmp_client_execute_full_async().
 *
 * Since: 0.1
 */
void
aqmp_client_execute_async (AqmpClient          *self,
                           const gchar         *command,
                           JsonObject          *arguments,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  aqmp_client_execute_full_async (self, command, arguments, AQMP_EXECUTE_FLAGS_NONE, -1,
                                  cancellable, callback, user_data);
}

/**
 * aqmp_client_execute_full_async:
 * @self: an #AqmpClient
 * @command: the command's name
 * @arguments: (nullable): the command's arguments
 * @flags: #AqmpExecuteFlags
 * @timeout_ms: milliseconds to wait for the reply; 0 for no limit, -1 for
 *   #AqmpClient:default-timeout
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the reply
 * @user_data: data for @callback
 *
 * Sends a command and waits for its reply. Commands issued while the
 * client is still negotiating wait until it is running. A timed-out or
 * cancelled call frees its mailbox at once; its late reply is dropped.
 *
 * Since: 0.1
 */
void
aqmp_client_execute_full_async (AqmpClient          *self,
                                const gchar         *command,
                                JsonObject          *arguments,
                                AqmpExecuteFlags     flags,
                                gint                 timeout_ms,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (AQMP_IS_CLIENT (self));
  g_return_if_fail (command != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aqmp_client_execute_full_async);
  aqmp_client_post (self, task, command, arguments, NULL, flags, timeout_ms, cancellable);
}

/**
 * aqmp_client_execute_with_fds_async:
 * @self: an #AqmpClient
 * @command: the command's name, such as `"getfd"` or `"add-fd"`
 * @arguments: (nullable): the command's arguments
 * @fds: (nullable): the file descriptors to pass with the command, at most
 *   %AQMP_MAX_FDS_PER_COMMAND; the list keeps its own copies, which the
 *   caller may close after this call
 * @flags: #AqmpExecuteFlags
 * @timeout_ms: as for aqmp_client_execute_full_async()
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the reply
 * @user_data: data for @callback
 *
 * Executes a command with file descriptors attached: its bytes and @fds
 * go in one `sendmsg()` (SCM_RIGHTS), after every request issued before
 * it. QEMU keeps the descriptors for the command that consumes them
 * (`getfd`, `add-fd`) and closes those a later batch finds unconsumed.
 *
 * Only a Unix socket carries descriptors: over TCP or TLS the call fails
 * with %G_IO_ERROR_NOT_SUPPORTED; more than %AQMP_MAX_FDS_PER_COMMAND
 * fail with %G_IO_ERROR_INVALID_ARGUMENT. Finish with
 * aqmp_client_execute_finish().
 *
 * Since: 0.1
 */
void
aqmp_client_execute_with_fds_async (AqmpClient          *self,
                                    const gchar         *command,
                                    JsonObject          *arguments,
                                    GUnixFDList         *fds,
                                    AqmpExecuteFlags     flags,
                                    gint                 timeout_ms,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (AQMP_IS_CLIENT (self));
  g_return_if_fail (command != NULL);
  g_return_if_fail (fds == NULL || G_IS_UNIX_FD_LIST (fds));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aqmp_client_execute_with_fds_async);
  aqmp_client_post (self, task, command, arguments, fds, flags, timeout_ms, cancellable);
}

/**
 * aqmp_client_execute_finish:
 * @self: an #AqmpClient
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes aqmp_client_execute_async().
 *
 * Returns: (transfer full): the reply's `return` value, or %NULL with
 *   @error set: %AQMP_ERROR_COMMAND for an error reply (see
 *   aqmp_error_get_qmp_class()), %AQMP_ERROR_TIMEOUT,
 *   %AQMP_ERROR_DISCONNECTED, %G_IO_ERROR_CANCELLED, ...
 *
 * Since: 0.1
 */
JsonNode *
aqmp_client_execute_finish (AqmpClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

