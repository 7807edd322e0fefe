/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "aqmp-client-private.h"
#include "aqmp-error.h"
#include "aqmp-message-private.h"

/**
 * AqmpClient:
 *
 * A QMP client that never blocks its main context.
 *
 * The client lives on the thread-default #GMainContext it was created in:
 * every source of its connection (reading, writing, timeouts) runs
 * there. Commands wait in a mailbox keyed by their id until the reader
 * routes their reply back, and events are emitted as the detailed
 * #AqmpClient::event signal in the order they arrived. The first failure of the connection tears it down
 * once: every pending call then fails with %AQMP_ERROR_DISCONNECTED naming
 * the cause, and aqmp_client_disconnect_finish() reports the cause itself.
 *
 * The async API is to be called from the thread that runs the client's
 * context; the `_sync` variants may be called from any thread.
 *
 * ## Synchronous calls iterate the client's context
 *
 * A `_sync` call starts the async call on the client's context and
 * waits for it there. When another thread is running that context, the
 * calling thread just sleeps until the call completes. Otherwise (the
 * calling thread runs the context itself, or nobody does) the calling
 * thread iterates the client's context until the call completes, and
 * everything attached to that context can run meanwhile, on the calling
 * thread: the client's own events and callbacks, other clients on the
 * same context, and the application's sources.
 *
 * So a client made on an application's main context re-enters the
 * application's main loop from a `_sync` call: idle and timeout
 * callbacks, other I/O handlers and a GUI's event handlers may run inside
 * it, and handlers of the client's events may run before it returns.
 * This is also what lets a `_sync` call work from inside a handler of
 * the client's own events, where the reply must be read by the same
 * loop. To avoid it, use the async API from the main loop, call `_sync`
 * from a worker thread while the main thread runs the loop, or give the
 * client a context of its own:
 *
 * |[<!-- language="C" -->
 * g_autoptr(GMainContext) own = g_main_context_new ();
 *
 * g_main_context_push_thread_default (own);
 * client = aqmp_client_new ();
 * g_main_context_pop_thread_default (own);
 * ]|
 *
 * Then every source of the client's connection is on that context, and
 * its `_sync` calls iterate only that: nothing of the application runs
 * inside them. Such a client makes progress only while something
 * iterates its context: its events are emitted during its `_sync` calls
 * (or while a thread runs that context), in order, and wait in the
 * socket in between.
 *
 * ## TLS
 *
 * QMP over TCP has no authentication; QEMU offers TLS on TCP monitors
 * (`-object tls-creds-x509,...` and `tls-creds=` on the chardev). Connect
 * to `tls:HOST:PORT`, or set #AqmpClient:tls and connect to
 * `tcp:HOST:PORT`. The server's certificate is verified against
 * #AqmpClient:tls-ca-file (or the system's trust store when unset) and
 * must name HOST; a certificate that does not verify fails the connect
 * with %AQMP_ERROR_CONNECT saying why. A client certificate, for
 * monitors with `verify-peer=on`, is set with
 * aqmp_client_set_tls_certificate() or
 * aqmp_client_set_tls_certificate_files(). TLS needs the glib-networking
 * GIO module. QEMU 7.2 acts on a request only once another TLS record
 * arrives, so the client follows every message with a newline in a TLS
 * record of its own.
 *
 * ## File descriptors
 *
 * aqmp_client_execute_with_fds_async() sends up to
 * %AQMP_MAX_FDS_PER_COMMAND descriptors with a command in the same
 * `sendmsg()` (SCM_RIGHTS), as `getfd` and `add-fd` expect. Only a Unix
 * socket carries descriptors: over TCP or TLS the call fails with
 * %G_IO_ERROR_NOT_SUPPORTED.
 *
 * ## Reconnecting
 *
 * With aqmp_client_set_reconnect(), a connection made with
 * aqmp_client_connect_async() that is lost unexpectedly (not by
 * aqmp_client_disconnect_async() and not after `quit`) is made again,
 * after a delay that doubles on each failed attempt up to a cap, with
 * some jitter. Calls pending at the loss fail with
 * %AQMP_ERROR_DISCONNECTED and #AqmpClient::disconnected is emitted once;
 * while reconnecting, new calls fail at once with
 * %AQMP_ERROR_DISCONNECTED (they do not wait), and #AqmpClient:state goes
 * CONNECTING and back to IDLE for each attempt. Each attempt greets and
 * negotiates afresh; once one succeeds the state is RUNNING and
 * #AqmpClient::reconnected is emitted. Signal handlers, such as those for
 * events, stay connected: it is the same object. Reconnecting ends with
 * success, aqmp_client_disconnect_async(), a new connect call, or turning
 * it off.
 *
 * Since: 0.1
 */

enum {
  SIGNAL_EVENT,
  SIGNAL_DISCONNECTED,
  SIGNAL_RECONNECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (AqmpClient, aqmp_client, G_TYPE_OBJECT)

static void aqmp_client_teardown (AqmpClient *self, const GError *cause);
static const AqmpSessionCallbacks session_callbacks;

static const gchar *
aqmp_state_to_string (AqmpState state)
{
  switch (state)
    {
    case AQMP_STATE_IDLE:
      return "idle";
    case AQMP_STATE_CONNECTING:
      return "connecting";
    case AQMP_STATE_RUNNING:
      return "running";
    case AQMP_STATE_DISCONNECTING:
      return "disconnecting";
    default:
      return "unknown";
    }
}

static void
aqmp_client_set_state (AqmpClient *self, AqmpState state)
{
  if (self->state == state)
    return;
  g_debug ("state %s -> %s", aqmp_state_to_string (self->state), aqmp_state_to_string (state));
  self->state = state;
  aqmp_client_notify (self, PROP_STATE);
}

/* whether a callback of @session is for the connection the client is in */
static gboolean
aqmp_client_is_current (AqmpClient *self, AqmpSession *session)
{
  return session == self->session && !aqmp_session_is_closed (session);
}

static const gchar *
aqmp_client_line_ending (AqmpClient *self)
{
  return self->protocol != NULL ? aqmp_protocol_get_line_ending (self->protocol) : "\r\n";
}

/* forgets what the last server said, for a new connection */
static void
aqmp_client_forget_server (AqmpClient *self)
{
  g_clear_pointer (&self->greeting, json_object_unref);
  g_clear_pointer (&self->capabilities, g_strfreev);
  memset (self->version, 0, sizeof (self->version));
}

/* ----- negotiating ----- */

/* negotiation is done: the session lets commands go, the connect call
 * succeeds */
static void
aqmp_client_become_running (AqmpClient *self)
{
  g_autoptr(GTask) connect_task = NULL;

  aqmp_session_set_negotiated (self->session);
  if (aqmp_session_get_oob_enabled (self->session))
    aqmp_client_notify (self, PROP_OOB_ENABLED);
  aqmp_client_set_state (self, AQMP_STATE_RUNNING);
  connect_task = g_steal_pointer (&self->connect_task);
  if (connect_task != NULL)
    g_task_return_boolean (connect_task, TRUE);
}

/*
 * QEMU 7.2 can lose the first request of a client that connected while
 * it was still starting: its monitor is reset under the new connection,
 * greets a second time or not, and never answers (about 1 in 700 starts
 * on a loaded machine; ../shared/PROTOCOL.md has no word on it, the
 * project's notes in docs/reliability.md do). So qmp_capabilities is
 * asked again when no answer comes, at growing intervals, until the
 * connect deadline ends the wait. Asking twice is harmless: a monitor
 * that is already negotiated refuses the second request with
 * CommandNotFound, which then means that an earlier one got through.
 */
#define AQMP_CLIENT_NEGOTIATE_FIRST_WAIT_MS 1000
#define AQMP_CLIENT_NEGOTIATE_MAX_WAIT_MS   8000

typedef struct {
  AqmpSession *session;
  JsonObject *arguments;      /* nullable */
  guint wait_ms;
  guint attempts;
} AqmpClientNegotiation;

static void
aqmp_client_negotiation_free (AqmpClientNegotiation *n)
{
  g_object_unref (n->session);
  g_clear_pointer (&n->arguments, json_object_unref);
  g_free (n);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AqmpClientNegotiation, aqmp_client_negotiation_free)

static void aqmp_client_negotiated_cb (GObject *source, GAsyncResult *res, gpointer user_data);

static void
aqmp_client_negotiate (AqmpClient *self, AqmpClientNegotiation *n)
{
  n->attempts++;
  aqmp_client_execute_full_async (self, "qmp_capabilities", n->arguments, AQMP_EXECUTE_FLAGS_HANDSHAKE,
                                  (gint) n->wait_ms, NULL, aqmp_client_negotiated_cb, n);
}

static void
aqmp_client_negotiated_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpClient *self = AQMP_CLIENT (source);
  g_autoptr(AqmpClientNegotiation) n = user_data;
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) cause = NULL;

  value = aqmp_client_execute_finish (self, res, &error);
  if (!aqmp_client_is_current (self, n->session) || self->state != AQMP_STATE_CONNECTING)
    return;
  if (value != NULL)
    {
      aqmp_client_become_running (self);
      return;
    }
  if (g_error_matches (error, AQMP_ERROR, AQMP_ERROR_TIMEOUT))
    {
      g_debug ("no answer to qmp_capabilities within %u ms; asking again", n->wait_ms);
      n->wait_ms = MIN (n->wait_ms * 2, AQMP_CLIENT_NEGOTIATE_MAX_WAIT_MS);
      aqmp_client_negotiate (self, g_steal_pointer (&n));
      return;
    }
  /* anything but a refusal means the connection is already going */
  if (!g_error_matches (error, AQMP_ERROR, AQMP_ERROR_COMMAND))
    return;
  if (n->attempts > 1 && g_strcmp0 (aqmp_error_get_qmp_class (error), "CommandNotFound") == 0)
    {
      g_debug ("an earlier qmp_capabilities got through: %s", aqmp_error_get_qmp_desc (error));
      aqmp_client_become_running (self);
      return;
    }
  cause = g_error_new (AQMP_ERROR, AQMP_ERROR_NEGOTIATION,
                       "capability negotiation failed: %s",
                       aqmp_error_get_qmp_desc (error));
  aqmp_client_teardown (self, cause);
}

static void
aqmp_client_greeting_cb (gpointer user_data, JsonObject *greeting)
{
  AqmpClient *self = user_data;
  AqmpClientNegotiation *n = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) caps = NULL;
  guint version[3] = { 0, };

  /* a monitor whose client connected while QEMU was starting can greet
   * twice before it reads anything: harmless until negotiation is done */
  if (self->state == AQMP_STATE_CONNECTING && self->greeting != NULL)
    {
      g_debug ("ignoring a repeated greeting");
      return;
    }
  if (self->state != AQMP_STATE_CONNECTING)
    {
      g_set_error (&error, AQMP_ERROR, AQMP_ERROR_PROTOCOL,
                   "invalid message from server: unexpected greeting while %s",
                   aqmp_state_to_string (self->state));
      aqmp_client_teardown (self, error);
      return;
    }
  if (!aqmp_greeting_parse (greeting, version, &caps, &error))
    {
      aqmp_client_teardown (self, error);
      return;
    }

  self->greeting = json_object_ref (greeting);
  memcpy (self->version, version, sizeof (version));
  self->capabilities = g_steal_pointer (&caps);
  g_debug ("server is QEMU %u.%u.%u", version[0], version[1], version[2]);

  n = g_new0 (AqmpClientNegotiation, 1);
  n->session = g_object_ref (self->session);
  n->wait_ms = AQMP_CLIENT_NEGOTIATE_FIRST_WAIT_MS;
  if (self->request_oob && aqmp_client_has_capability (self, "oob"))
    {
      g_autoptr(JsonArray) enable = json_array_new ();
      json_array_add_string_element (enable, "oob");
      n->arguments = json_object_new ();
      json_object_set_array_member (n->arguments, "enable", g_steal_pointer (&enable));
      aqmp_session_enable_oob (self->session);
    }
  aqmp_client_negotiate (self, n);
}

/* a protocol variant's handshake, for the session it began in */
typedef struct {
  AqmpClient *client;
  AqmpSession *session;
} AqmpClientHandshake;

static void
aqmp_client_handshake_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpClientHandshake *handshake = user_data;
  g_autoptr(AqmpClient) self = handshake->client;
  g_autoptr(AqmpSession) session = handshake->session;
  g_autoptr(GError) error = NULL;
  gboolean done;

  g_free (handshake);
  aqmp_session_end_handshake (session);
  done = aqmp_protocol_handshake_finish (AQMP_PROTOCOL (source), res, &error);
  if (!aqmp_client_is_current (self, session))
    return;
  if (!done && self->state == AQMP_STATE_CONNECTING)
    aqmp_client_teardown (self, error);
  /* still unsynced: what waited fails, the next call tries again */
  else if (!done && self->state == AQMP_STATE_RUNNING)
    aqmp_session_fail_calls (session, error);
  else if (done && self->state == AQMP_STATE_CONNECTING)
    aqmp_client_become_running (self);
  else if (done && self->state == AQMP_STATE_RUNNING)
    aqmp_session_set_negotiated (session);
}

void
aqmp_client_start_handshake (AqmpClient *self)
{
  AqmpClientHandshake *handshake;

  if (!aqmp_session_begin_handshake (self->session))
    return;
  handshake = g_new (AqmpClientHandshake, 1);
  handshake->client = g_object_ref (self);
  handshake->session = g_object_ref (self->session);
  aqmp_protocol_handshake_async (self->protocol, self, aqmp_session_get_cancellable (self->session),
                                 aqmp_client_handshake_cb, handshake);
}

/* ----- what the session tells ----- */

static void
aqmp_client_opened_cb (gpointer user_data)
{
  AqmpClient *self = user_data;

  if (self->protocol != NULL && !aqmp_protocol_has_greeting (self->protocol))
    aqmp_client_start_handshake (self);
}

static void
aqmp_client_event_cb (gpointer user_data, AqmpEvent *event)
{
  AqmpClient *self = user_data;

  /* connecting to `event::NAME` interns NAME, so a name without a quark
   * has no handler of its own; and names the peer chooses are not
   * interned for the life of the process */
  g_signal_emit (self, signals[SIGNAL_EVENT],
                 g_quark_try_string (aqmp_event_get_name (event)), event);
}

/* a protocol variant may survive a timeout or garbage by resyncing, also
 * during its first handshake */
static gboolean
aqmp_client_may_recover_cb (gpointer user_data, const GError *error)
{
  AqmpClient *self = user_data;

  if (self->protocol == NULL)
    return FALSE;
  if (self->state != AQMP_STATE_RUNNING
      && !(self->state == AQMP_STATE_CONNECTING && !aqmp_protocol_has_greeting (self->protocol)))
    return FALSE;
  return aqmp_protocol_needs_recovery (self->protocol, error);
}

static void
aqmp_client_resync_cb (gpointer user_data)
{
  aqmp_client_start_handshake (user_data);
}

static void
aqmp_client_lost_cb (gpointer user_data, const GError *cause)
{
  aqmp_client_teardown (user_data, cause);
}

static const AqmpSessionCallbacks session_callbacks = {
  .opened = aqmp_client_opened_cb,
  .greeting = aqmp_client_greeting_cb,
  .event = aqmp_client_event_cb,
  .may_recover = aqmp_client_may_recover_cb,
  .resync = aqmp_client_resync_cb,
  .lost = aqmp_client_lost_cb,
};

/**
 * aqmp_client_send_raw:
 * @self: an #AqmpClient
 * @data: (array length=length) (element-type guint8): bytes to write
 * @length: how many
 *
 * For protocol implementations: queues bytes to be written as they are,
 * such as the guest agent's 0xFF parser reset. They go through the same
 * outbound queue as commands, never straight to the socket: after the
 * commands issued before them that may be sent now and, like a command
 * with %AQMP_EXECUTE_FLAGS_HANDSHAKE, ahead of the commands that wait
 * for the handshake to be done. They count against
 * #AqmpClient:max-queue-size. Dropped when the client is neither
 * connecting nor running.
 *
 * Since: 0.1
 */
void
aqmp_client_send_raw (AqmpClient *self, const void *data, gsize length)
{
  g_autoptr(GBytes) bytes = NULL;

  g_return_if_fail (AQMP_IS_CLIENT (self));
  if (self->session == NULL)
    return;
  bytes = g_bytes_new (data, length);
  aqmp_session_send_raw (self->session, bytes);
}

/**
 * aqmp_client_skip_input_past:
 * @self: an #AqmpClient
 * @delimiter: a byte that cannot occur in a message
 *
 * For protocol implementations: discards input up to and including the
 * next @delimiter, such as the 0xFF the guest agent sends before its reply
 * to `guest-sync-delimited`.
 *
 * Since: 0.1
 */
void
aqmp_client_skip_input_past (AqmpClient *self, guint8 delimiter)
{
  g_return_if_fail (AQMP_IS_CLIENT (self));
  if (self->session == NULL)
    return;
  aqmp_session_skip_input_past (self->session, delimiter);
}

/* ----- connecting ----- */

static gboolean
aqmp_client_check_idle (AqmpClient *self, GError **error)
{
  if (self->state == AQMP_STATE_IDLE)
    return TRUE;
  g_set_error (error, AQMP_ERROR, AQMP_ERROR_STATE,
               "cannot connect: the client is %s; disconnect first",
               aqmp_state_to_string (self->state));
  return FALSE;
}

/* enters CONNECTING with @task as the connect call, in a new session
 * bounded by the connect timeout and the call's cancellable; a reconnect
 * attempt keeps the cause of the loss it repairs */
static void
aqmp_client_begin_connect (AqmpClient *self, GTask *task, gboolean reconnect)
{
  g_assert (self->session == NULL);

  if (!reconnect)
    {
      aqmp_client_stop_reconnecting (self);
      g_clear_error (&self->cause);
      g_clear_pointer (&self->last_loss, g_free);
    }
  aqmp_client_forget_server (self);
  self->connect_task = g_object_ref (task);
  self->session = aqmp_session_new (self->context, aqmp_client_line_ending (self),
                                    self->max_message_size, self->no_reply_grace,
                                    &session_callbacks, self);
  aqmp_session_bound (self->session, self->connect_timeout, g_task_get_cancellable (task));
  aqmp_client_set_state (self, AQMP_STATE_CONNECTING);
}

/**
 * aqmp_client_connect_async:
 * @self: an #AqmpClient
 * @address: `/path` or `unix:/path` for a Unix socket, `tcp:HOST:PORT` or
 *   `HOST:PORT` for TCP, `tls:HOST:PORT` for TLS over TCP (see
 *   #AqmpClient:tls)
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when connected and negotiated
 * @user_data: data for @callback
 *
 * Connects to a QMP server, reads and checks its greeting, and negotiates
 * capabilities (with out-of-band execution when
 * #AqmpClient:request-oob is set and the server offers it). The whole
 * is bounded by #AqmpClient:connect-timeout.
 *
 * Over TLS the server's certificate must verify (see #AqmpClient:tls-ca-file);
 * otherwise this fails with %AQMP_ERROR_CONNECT naming the problem. With
 * aqmp_client_set_reconnect(), the connection is made again to @address
 * when it is lost.
 *
 * Since: 0.1
 */
void
aqmp_client_connect_async (AqmpClient          *self,
                           const gchar         *address,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (AQMP_IS_CLIENT (self));
  g_return_if_fail (address != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aqmp_client_connect_async);
  if (!aqmp_client_check_idle (self, &error)
      || !aqmp_connector_check_address (self->connector, address, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  aqmp_client_begin_connect (self, task, FALSE);
  g_free (self->address);
  self->address = g_strdup (address);
  aqmp_session_connect (self->session, self->connector, self->address);
}

/**
 * aqmp_client_connect_finish:
 * @self: an #AqmpClient
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes aqmp_client_connect_async(), aqmp_client_connect_stream_async()
 * and aqmp_client_accept_async().
 *
 * Returns: %TRUE when the client is running
 *
 * Since: 0.1
 */
gboolean
aqmp_client_connect_finish (AqmpClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * aqmp_client_connect_stream_async:
 * @self: an #AqmpClient
 * @stream: an already connected stream, such as a #GSocketConnection
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when negotiated
 * @user_data: data for @callback
 *
 * Speaks QMP over an existing stream: the greeting and negotiation as for
 * aqmp_client_connect_async(). The client closes @stream when it
 * disconnects.
 *
 * Since: 0.1
 */
void
aqmp_client_connect_stream_async (AqmpClient          *self,
                                  GIOStream           *stream,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (AQMP_IS_CLIENT (self));
  g_return_if_fail (G_IS_IO_STREAM (stream));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aqmp_client_connect_stream_async);
  if (!aqmp_client_check_idle (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  aqmp_client_begin_connect (self, task, FALSE);
  g_clear_pointer (&self->address, g_free);
  aqmp_session_open (self->session, stream);
}

/**
 * aqmp_client_connect_stream_finish:
 * @self: an #AqmpClient
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes aqmp_client_connect_stream_async().
 *
 * Returns: %TRUE when the client is running
 *
 * Since: 0.1
 */
gboolean
aqmp_client_connect_stream_finish (AqmpClient *self, GAsyncResult *result, GError **error)
{
  return aqmp_client_connect_finish (self, result, error);
}

/**
 * aqmp_client_listen:
 * @self: an #AqmpClient
 * @address: where to listen, as for aqmp_client_connect_async(); a TCP
 *   port of 0 picks a free one
 * @error: return location for a #GError
 *
 * Creates the listening socket for aqmp_client_accept_async(), so that
 * QEMU can connect to us (`-qmp unix:PATH` without `server=on`). The
 * socket exists when this returns: start QEMU after it.
 *
 * Returns: (transfer full) (nullable): the address listened on
 *
 * Since: 0.1
 */
gchar *
aqmp_client_listen (AqmpClient *self, const gchar *address, GError **error)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), NULL);
  g_return_val_if_fail (address != NULL, NULL);

  if (!aqmp_client_check_idle (self, error))
    return NULL;
  return aqmp_connector_listen (self->connector, address, error);
}

/**
 * aqmp_client_accept_async:
 * @self: an #AqmpClient
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when a server connected and negotiated
 * @user_data: data for @callback
 *
 * Waits for a QMP server to connect to the socket made by
 * aqmp_client_listen(), then greets and negotiates as
 * aqmp_client_connect_async() does. The listening socket is closed
 * once a server connected.
 *
 * Since: 0.1
 */
void
aqmp_client_accept_async (AqmpClient          *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (AQMP_IS_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aqmp_client_accept_async);
  if (!aqmp_client_check_idle (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!aqmp_connector_is_listening (self->connector))
    {
      g_task_return_new_error (task, AQMP_ERROR, AQMP_ERROR_STATE,
                               "cannot accept: call aqmp_client_listen() first");
      return;
    }
  aqmp_client_begin_connect (self, task, FALSE);
  g_clear_pointer (&self->address, g_free);
  aqmp_session_accept (self->session, self->connector);
}

/**
 * aqmp_client_accept_finish:
 * @self: an #AqmpClient
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes aqmp_client_accept_async().
 *
 * Returns: %TRUE when the client is running
 *
 * Since: 0.1
 */
gboolean
aqmp_client_accept_finish (AqmpClient *self, GAsyncResult *result, GError **error)
{
  return aqmp_client_connect_finish (self, result, error);
}

/* ----- disconnecting ----- */

/* takes the waiting disconnect calls, and the cause they report, once */
static GPtrArray *
aqmp_client_steal_disconnects (AqmpClient *self, GError **cause)
{
  GPtrArray *tasks = g_steal_pointer (&self->disconnect_tasks);

  self->disconnect_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  if (tasks->len > 0)
    *cause = g_steal_pointer (&self->cause);
  return tasks;
}

static void
aqmp_client_return_disconnects (GPtrArray *tasks, const GError *cause)
{
  for (guint i = 0; i < tasks->len; i++)
    {
      GTask *task = g_ptr_array_index (tasks, i);
      if (cause != NULL)
        g_task_return_error (task, g_error_copy (cause));
      else
        g_task_return_boolean (task, TRUE);
    }
}

static void
aqmp_client_complete_disconnects (AqmpClient *self)
{
  g_autoptr(GError) cause = NULL;
  g_autoptr(GPtrArray) tasks = aqmp_client_steal_disconnects (self, &cause);

  aqmp_client_return_disconnects (tasks, cause);
}

/* ----- reconnecting ----- */

static void aqmp_client_reconnect_attempt_cb (GObject *source, GAsyncResult *res, gpointer user_data);

static gboolean
aqmp_client_is_reconnect_attempt (GTask *task)
{
  return task != NULL && g_task_get_source_tag (task) == aqmp_client_reconnect_attempt_cb;
}

void
aqmp_client_stop_reconnecting (AqmpClient *self)
{
  if (self->reconnect_source != NULL)
    {
      g_source_destroy (self->reconnect_source);
      g_clear_pointer (&self->reconnect_source, g_source_unref);
    }
  self->reconnect_due = FALSE;
  self->reconnecting = FALSE;
  self->reconnect_attempts = 0;
}

/* capped exponential backoff with +-25% jitter */
static guint
aqmp_client_reconnect_delay (AqmpClient *self)
{
  guint64 delay = self->reconnect_delay;
  gint64 jitter;

  for (guint i = 0; i < self->reconnect_attempts && delay < self->reconnect_max_delay; i++)
    delay *= 2;
  delay = MIN (delay, self->reconnect_max_delay);
  jitter = (gint64) delay / 4;
  if (jitter > 0)
    delay = (guint64) ((gint64) delay + g_random_int_range (-(gint32) MIN (jitter, G_MAXINT32 / 2),
                                                             (gint32) MIN (jitter, G_MAXINT32 / 2) + 1));
  return (guint) CLAMP (delay, 1, self->reconnect_max_delay);
}

static gboolean
aqmp_client_reconnect_timer_cb (gpointer user_data)
{
  AqmpClient *self = user_data;
  g_autoptr(GTask) task = NULL;

  g_clear_pointer (&self->reconnect_source, g_source_unref);
  if (self->state != AQMP_STATE_IDLE || !self->reconnecting)
    return G_SOURCE_REMOVE;
  self->reconnect_attempts++;
  g_debug ("reconnecting to %s, attempt %u", self->address, self->reconnect_attempts);
  task = g_task_new (self, NULL, aqmp_client_reconnect_attempt_cb, NULL);
  g_task_set_source_tag (task, aqmp_client_reconnect_attempt_cb);
  aqmp_client_begin_connect (self, task, TRUE);
  aqmp_session_connect (self->session, self->connector, self->address);
  return G_SOURCE_REMOVE;
}

static void
aqmp_client_schedule_reconnect (AqmpClient *self)
{
  guint delay = aqmp_client_reconnect_delay (self);

  self->reconnecting = TRUE;
  g_debug ("reconnecting in %u ms", delay);
  self->reconnect_source = g_timeout_source_new (delay);
  g_source_set_callback (self->reconnect_source, aqmp_client_reconnect_timer_cb, self, NULL);
  g_source_set_static_name (self->reconnect_source, "[aqmp] reconnect delay");
  g_source_attach (self->reconnect_source, self->context);
}

static void
aqmp_client_reconnect_attempt_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpClient *self = AQMP_CLIENT (source);
  g_autoptr(GError) error = NULL;

  if (g_task_propagate_boolean (G_TASK (res), &error))
    {
      g_debug ("reconnected to %s after %u attempts", self->address, self->reconnect_attempts);
      self->reconnecting = FALSE;
      self->reconnect_attempts = 0;
      g_clear_error (&self->cause);
      g_clear_pointer (&self->last_loss, g_free);
      g_signal_emit (self, signals[SIGNAL_RECONNECTED], 0);
      return;
    }
  g_debug ("reconnect attempt %u failed: %s", self->reconnect_attempts, error->message);
  if (self->reconnect && self->reconnecting && self->state == AQMP_STATE_IDLE
      && self->reconnect_source == NULL)
    aqmp_client_schedule_reconnect (self);
}

/* what the teardown takes of the connection that ended, before any
 * handler runs, for when the session is closed */
typedef struct {
  AqmpClient *client;
  AqmpSession *session;
  GTask *connect_task;      /* nullable: the connect call it ended */
  GError *connect_error;    /* what that call reports */
  GError *end_cause;        /* for the signal; %NULL for a clean end */
} AqmpClientEnding;

static void
aqmp_client_ending_free (AqmpClientEnding *ending)
{
  g_object_unref (ending->client);
  g_object_unref (ending->session);
  g_clear_object (&ending->connect_task);
  g_clear_error (&ending->connect_error);
  g_clear_error (&ending->end_cause);
  g_free (ending);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AqmpClientEnding, aqmp_client_ending_free)

/* the session is closed: the client is idle, and tells so */
static void
aqmp_client_finish_teardown (gpointer user_data)
{
  g_autoptr(AqmpClientEnding) ending = user_data;
  AqmpClient *self = ending->client;
  /* a handler or callback below may connect again: take what belongs to
   * the connection that ended before any of them runs */
  g_autoptr(GError) cause = NULL;
  g_autoptr(GPtrArray) disconnects = aqmp_client_steal_disconnects (self, &cause);

  g_assert (self->session == ending->session);
  g_clear_object (&self->session);
  /* so that handlers of the signal see it */
  if (self->reconnect_due)
    self->reconnecting = TRUE;
  aqmp_client_set_state (self, AQMP_STATE_IDLE);
  /* one signal per lost connection, not one per failed reconnect attempt */
  if (!aqmp_client_is_reconnect_attempt (ending->connect_task))
    g_signal_emit (self, signals[SIGNAL_DISCONNECTED], 0, ending->end_cause);
  if (ending->connect_task != NULL)
    g_task_return_error (ending->connect_task, g_steal_pointer (&ending->connect_error));
  aqmp_client_return_disconnects (disconnects, cause);
  /* unless a handler above disconnected or connected meanwhile */
  if (self->reconnect_due && self->reconnecting && self->state == AQMP_STATE_IDLE
      && self->reconnect_source == NULL)
    {
      self->reconnect_due = FALSE;
      aqmp_client_schedule_reconnect (self);
    }
}

/*
 * The one way a connection ends. @cause is why, or %NULL when the client
 * asked. Pending calls fail with DISCONNECTED naming the cause; a pending
 * connect fails with the cause itself. The client's half is here: the
 * state, the causes kept, reconnecting; the session's I/O half is
 * aqmp_session_close().
 */
static void
aqmp_client_teardown (AqmpClient *self, const GError *cause)
{
  g_autoptr(AqmpClient) keep = g_object_ref (self);
  g_autoptr(GError) loss = NULL;
  AqmpClientEnding *ending;

  if (self->state == AQMP_STATE_IDLE || self->state == AQMP_STATE_DISCONNECTING)
    return;

  /* @cause may be the session's write error: it lives as long as this */
  ending = g_new0 (AqmpClientEnding, 1);
  ending->client = g_object_ref (self);
  ending->session = g_object_ref (self->session);

  /* a connection that was running, made to an address, was lost (and
   * the user is not disconnecting meanwhile) */
  self->reconnect_due = cause != NULL && self->reconnect && self->connect_task == NULL
                        && self->address != NULL && self->disconnect_tasks->len == 0;
  if (cause != NULL)
    {
      g_debug ("connection failed: %s", cause->message);
      ending->end_cause = g_error_copy (cause);
      if (self->connect_task == NULL)
        {
          g_clear_error (&self->cause);
          g_free (self->last_loss);
          self->cause = g_error_copy (cause);
          self->last_loss = g_strdup (cause->message);
        }
      loss = g_error_new (AQMP_ERROR, AQMP_ERROR_DISCONNECTED, "connection lost: %s", cause->message);
    }
  else
    {
      loss = g_error_new_literal (AQMP_ERROR, AQMP_ERROR_DISCONNECTED, "connection closed by the client");
    }
  /* the connect call fails once the client is idle, so it can retry */
  ending->connect_task = g_steal_pointer (&self->connect_task);
  if (ending->connect_task != NULL)
    ending->connect_error = g_error_copy (cause != NULL ? cause : loss);

  aqmp_client_set_state (self, AQMP_STATE_DISCONNECTING);
  aqmp_connector_close (self->connector);
  aqmp_session_close (ending->session, loss, aqmp_client_finish_teardown, ending);
}

/**
 * aqmp_client_disconnect_async:
 * @self: an #AqmpClient
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called once the client is idle
 * @user_data: data for @callback
 *
 * Closes the connection. Pending calls fail with
 * %AQMP_ERROR_DISCONNECTED ("connection closed by the client").
 *
 * When the connection had already failed, the finish function reports
 * the original cause of that failure, once.
 *
 * This also ends reconnecting (see aqmp_client_set_reconnect()).
 *
 * Since: 0.1
 */
void
aqmp_client_disconnect_async (AqmpClient          *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (AQMP_IS_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aqmp_client_disconnect_async);
  g_ptr_array_add (self->disconnect_tasks, g_object_ref (task));
  aqmp_client_stop_reconnecting (self);
  switch (self->state)
    {
    case AQMP_STATE_IDLE:
      aqmp_client_complete_disconnects (self);
      break;
    case AQMP_STATE_CONNECTING:
    case AQMP_STATE_RUNNING:
      /* after a write error the connection was lost, not closed by us */
      aqmp_client_teardown (self, aqmp_session_get_write_error (self->session));
      break;
    case AQMP_STATE_DISCONNECTING:
    default:
      break;
    }
}

/**
 * aqmp_client_disconnect_finish:
 * @self: an #AqmpClient
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes aqmp_client_disconnect_async().
 *
 * Returns: %TRUE when the connection ended cleanly; %FALSE with the
 *   original cause when it had failed
 *
 * Since: 0.1
 */
gboolean
aqmp_client_disconnect_finish (AqmpClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ----- state ----- */

/**
 * aqmp_client_get_state:
 * @self: an #AqmpClient
 *
 * Returns the connection's #AqmpState.
 *
 * Returns: the connection's #AqmpState
 *
 * Since: 0.1
 */
AqmpState
aqmp_client_get_state (AqmpClient *self)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), AQMP_STATE_IDLE);
  return self->state;
}

/**
 * aqmp_client_get_context:
 * @self: an #AqmpClient
 *
 * Returns the #GMainContext the client runs on.
 *
 * Returns: (transfer none): the #GMainContext the client runs on
 *
 * Since: 0.1
 */
GMainContext *
aqmp_client_get_context (AqmpClient *self)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), NULL);
  return self->context;
}

/* ----- GObject ----- */

/* dropping the last reference closes the connection at once */
static void
aqmp_client_dispose (GObject *object)
{
  AqmpClient *self = AQMP_CLIENT (object);

  if (self->session != NULL)
    aqmp_session_abort (self->session);
  g_clear_object (&self->session);
  aqmp_client_stop_reconnecting (self);
  aqmp_connector_close (self->connector);
  G_OBJECT_CLASS (aqmp_client_parent_class)->dispose (object);
}

static void
aqmp_client_finalize (GObject *object)
{
  AqmpClient *self = AQMP_CLIENT (object);

  g_ptr_array_unref (self->disconnect_tasks);
  g_clear_error (&self->cause);
  g_free (self->last_loss);
  g_clear_object (&self->protocol);
  g_clear_object (&self->connector);
  g_free (self->address);
  g_clear_pointer (&self->greeting, json_object_unref);
  g_strfreev (self->capabilities);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (aqmp_client_parent_class)->finalize (object);
}

static void
aqmp_client_class_init (AqmpClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = aqmp_client_dispose;
  object_class->finalize = aqmp_client_finalize;
  aqmp_client_install_properties (object_class);

  /**
   * AqmpClient::event:
   * @self: the client
   * @event: the #AqmpEvent
   *
   * Emitted for every event, in the order the server sent them, with the
   * event's name as detail: connect to `event::SHUTDOWN` for one kind.
   *
   * Since: 0.1
   */
  signals[SIGNAL_EVENT] = g_signal_new ("event", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                        AQMP_TYPE_EVENT | G_SIGNAL_TYPE_STATIC_SCOPE);
  /**
   * AqmpClient::disconnected:
   * @self: the client
   * @cause: (nullable): why the connection ended; %NULL when it ended cleanly
   *
   * Emitted once a connection has ended and the client is idle again.
   *
   * Since: 0.1
   */
  signals[SIGNAL_DISCONNECTED] = g_signal_new ("disconnected", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                               G_TYPE_NONE, 1,
                                               G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
  /**
   * AqmpClient::reconnected:
   * @self: the client
   *
   * Emitted when the client, reconnecting after a lost connection (see
   * aqmp_client_set_reconnect()), is running again: the greeting was read
   * and capabilities negotiated afresh.
   *
   * Since: 0.1
   */
  signals[SIGNAL_RECONNECTED] = g_signal_new ("reconnected", G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                              G_TYPE_NONE, 0);
}

static void
aqmp_client_init (AqmpClient *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->connector = aqmp_connector_new ();
  self->connect_timeout = AQMP_DEFAULT_CONNECT_TIMEOUT;
  self->max_message_size = AQMP_DEFAULT_MAX_MESSAGE_SIZE;
  self->max_queue_size = AQMP_DEFAULT_MAX_QUEUE_SIZE;
  self->no_reply_grace = AQMP_DEFAULT_NO_REPLY_GRACE;
  self->reconnect_delay = AQMP_DEFAULT_RECONNECT_DELAY;
  self->reconnect_max_delay = AQMP_DEFAULT_RECONNECT_MAX_DELAY;
  self->disconnect_tasks = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * aqmp_client_new:
 *
 * Creates a client bound to the thread-default main context.
 *
 * Returns: (transfer full): a new #AqmpClient
 *
 * Since: 0.1
 */
AqmpClient *
aqmp_client_new (void)
{
  return g_object_new (AQMP_TYPE_CLIENT, NULL);
}
