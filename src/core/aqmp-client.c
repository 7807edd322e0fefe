/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>

#include "aqmp-address-private.h"
#include "aqmp-client.h"
#include "aqmp-enum-types.h"
#include "aqmp-error.h"
#include "aqmp-mailbox-private.h"
#include "aqmp-reader-private.h"
#include "aqmp-writer-private.h"

/**
 * AqmpClient:
 *
 * A QMP client that never blocks its main context.
 *
 * The client lives on the thread-default #GMainContext it was created in.
 * A reader and a writer run there as GIO async operations; commands wait
 * in a mailbox keyed by their id until the reader routes their reply back,
 * and events are emitted as the detailed #AqmpClient::event signal in the
 * order they arrived. The first failure of the connection tears it down
 * once: every pending call then fails with %AQMP_ERROR_DISCONNECTED naming
 * the cause, and aqmp_client_disconnect_finish() reports the cause itself.
 *
 * The async API is to be called from the thread that runs the client's
 * context; the `_sync` variants may be called from any thread.
 */

#define AQMP_DEFAULT_MAX_QUEUE_SIZE (64 * 1024 * 1024)
#define AQMP_DEFAULT_NO_REPLY_GRACE 500

struct _AqmpClient {
  GObject parent_instance;
  GMainContext *context;
  AqmpState state;

  /* settings */
  guint default_timeout;
  guint connect_timeout;
  gsize max_message_size;
  gsize max_queue_size;
  gboolean request_oob;
  guint no_reply_grace;
  AqmpProtocol *protocol;   /* nullable: plain QMP */

  /* the connection, from CONNECTING until IDLE */
  guint generation;
  GIOStream *stream;
  GCancellable *io_cancellable;
  AqmpReader *reader;
  AqmpWriter *writer;
  AqmpMailbox *mailbox;
  gboolean trace;
  gboolean negotiated;      /* commands may go; false again while resyncing */
  gboolean handshaking;
  GSocketListener *listener;
  gchar *listen_path;

  GTask *connect_task;
  GError *connect_error;    /* for the connect call, once idle again */
  GSource *connect_timeout_source;
  GSource *connect_cancel_source;
  GPtrArray *disconnect_tasks;

  /* why the last connection ended, until disconnect_finish() takes it;
   * a connect that fails reports its cause to the connect call instead */
  GError *cause;
  /* why the connection being torn down ends, for the signal */
  GError *end_cause;
  /* and for the message of calls made after it ended */
  gchar *last_loss;

  /* what the server said */
  JsonObject *greeting;
  guint version[3];
  GStrv capabilities;
  gboolean oob_enabled;
};

enum {
  PROP_0,
  PROP_STATE,
  PROP_DEFAULT_TIMEOUT,
  PROP_CONNECT_TIMEOUT,
  PROP_MAX_MESSAGE_SIZE,
  PROP_MAX_QUEUE_SIZE,
  PROP_REQUEST_OOB,
  PROP_OOB_ENABLED,
  PROP_NO_REPLY_GRACE,
  PROP_PROTOCOL,
  N_PROPS
};

enum {
  SIGNAL_EVENT,
  SIGNAL_DISCONNECTED,
  N_SIGNALS
};

static GParamSpec *props[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (AqmpClient, aqmp_client, G_TYPE_OBJECT)

static void aqmp_client_teardown (AqmpClient *self, const GError *cause);
static void aqmp_client_start_handshake (AqmpClient *self);

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
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
}

/* an async callback that outlives a connection must not touch the next */
typedef struct {
  AqmpClient *client;
  guint generation;
} AqmpClientAttempt;

static AqmpClientAttempt *
aqmp_client_attempt_new (AqmpClient *self)
{
  AqmpClientAttempt *attempt = g_new (AqmpClientAttempt, 1);

  attempt->client = g_object_ref (self);
  attempt->generation = self->generation;
  return attempt;
}

static AqmpClient *
aqmp_client_attempt_free (AqmpClientAttempt *attempt, gboolean *current)
{
  AqmpClient *self = attempt->client;

  *current = attempt->generation == self->generation && self->state == AQMP_STATE_CONNECTING;
  g_free (attempt);
  return self;
}

static void
aqmp_client_clear_connect_sources (AqmpClient *self)
{
  if (self->connect_timeout_source != NULL)
    {
      g_source_destroy (self->connect_timeout_source);
      g_clear_pointer (&self->connect_timeout_source, g_source_unref);
    }
  if (self->connect_cancel_source != NULL)
    {
      g_source_destroy (self->connect_cancel_source);
      g_clear_pointer (&self->connect_cancel_source, g_source_unref);
    }
}

static void
aqmp_client_close_listener (AqmpClient *self)
{
  if (self->listener == NULL)
    return;
  g_socket_listener_close (self->listener);
  g_clear_object (&self->listener);
  if (self->listen_path != NULL)
    g_unlink (self->listen_path);
  g_clear_pointer (&self->listen_path, g_free);
}

/* ----- writing ----- */

static const gchar *
aqmp_client_line_ending (AqmpClient *self)
{
  return self->protocol != NULL ? aqmp_protocol_get_line_ending (self->protocol) : "\r\n";
}

/* hands the writer whatever the mailbox lets go */
static void
aqmp_client_flush (AqmpClient *self)
{
  AqmpMailboxSend send;

  if (self->writer == NULL)
    return;
  while (aqmp_mailbox_next_unsent (self->mailbox, self->negotiated, self->oob_enabled, &send))
    {
      if (self->trace)
        g_debug ("--> %.*s", (int) (g_bytes_get_size (send.wire) - strlen (aqmp_client_line_ending (self))),
                 (const gchar *) g_bytes_get_data (send.wire, NULL));
      aqmp_writer_enqueue (self->writer, send.wire, send.id, send.no_reply);
      g_bytes_unref (send.wire);
    }
}

static void
aqmp_client_written_cb (gpointer user_data, guint64 id)
{
  AqmpClient *self = user_data;

  aqmp_mailbox_written (self->mailbox, id);
}

static void
aqmp_client_writer_failed_cb (gpointer user_data, const GError *error)
{
  AqmpClient *self = user_data;
  g_autoptr(GError) cause = g_error_new (AQMP_ERROR, AQMP_ERROR_DISCONNECTED,
                                         "error writing to server: %s", error->message);

  aqmp_client_teardown (self, cause);
}

/* ----- reading ----- */

static void
aqmp_client_negotiated_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpClient *self = AQMP_CLIENT (source);
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(GError) error = NULL;
  GTask *connect_task;

  value = aqmp_client_execute_finish (self, res, &error);
  if (value == NULL)
    {
      g_autoptr(GError) cause = NULL;

      /* anything but a refusal means the connection is already going */
      if (!g_error_matches (error, AQMP_ERROR, AQMP_ERROR_COMMAND))
        return;
      cause = g_error_new (AQMP_ERROR, AQMP_ERROR_NEGOTIATION,
                           "capability negotiation failed: %s",
                           aqmp_error_get_qmp_desc (error));
      aqmp_client_teardown (self, cause);
      return;
    }
  if (self->state != AQMP_STATE_CONNECTING)
    return;

  self->negotiated = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_OOB_ENABLED]);
  aqmp_client_clear_connect_sources (self);
  aqmp_client_set_state (self, AQMP_STATE_RUNNING);
  connect_task = g_steal_pointer (&self->connect_task);
  aqmp_client_flush (self);
  if (connect_task != NULL)
    {
      g_task_return_boolean (connect_task, TRUE);
      g_object_unref (connect_task);
    }
}

static void
aqmp_client_greeting_cb (gpointer user_data, JsonObject *greeting)
{
  AqmpClient *self = user_data;
  g_autoptr(JsonObject) args = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) caps = NULL;
  guint version[3] = { 0, };

  if (self->state != AQMP_STATE_CONNECTING || self->greeting != NULL)
    {
      g_set_error_literal (&error, AQMP_ERROR, AQMP_ERROR_PROTOCOL,
                           "invalid message from server: unexpected greeting");
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

  if (self->request_oob && aqmp_client_has_capability (self, "oob"))
    {
      g_autoptr(JsonArray) enable = json_array_new ();
      json_array_add_string_element (enable, "oob");
      args = json_object_new ();
      json_object_set_array_member (args, "enable", g_steal_pointer (&enable));
      self->oob_enabled = TRUE;
    }
  aqmp_client_execute_full_async (self, "qmp_capabilities", args, AQMP_EXECUTE_FLAGS_HANDSHAKE, 0,
                                  NULL, aqmp_client_negotiated_cb, NULL);
}

static void
aqmp_client_event_cb (gpointer user_data, AqmpEvent *event)
{
  AqmpClient *self = user_data;

  g_signal_emit (self, signals[SIGNAL_EVENT],
                 g_quark_from_string (aqmp_event_get_name (event)), event);
}

static void
aqmp_client_replied_cb (gpointer user_data)
{
  AqmpClient *self = user_data;

  /* a reply may have freed an in-band slot */
  if (self->oob_enabled)
    aqmp_client_flush (self);
}

/* a protocol variant may survive a timeout or garbage by resyncing, also
 * during its first handshake */
static gboolean
aqmp_client_can_recover (AqmpClient *self, const GError *error)
{
  if (self->protocol == NULL || g_error_matches (error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED))
    return FALSE;
  if (self->state != AQMP_STATE_RUNNING
      && !(self->state == AQMP_STATE_CONNECTING && !aqmp_protocol_has_greeting (self->protocol)))
    return FALSE;
  return aqmp_protocol_needs_recovery (self->protocol, error);
}

static void
aqmp_client_recover (AqmpClient *self, const GError *error)
{
  g_debug ("resynchronising after: %s", error->message);
  self->negotiated = FALSE;
  /* replies to what was sent are lost in what the resync discards */
  aqmp_mailbox_fail_sent (self->mailbox, error);
  if (aqmp_mailbox_get_n_pending (self->mailbox) > 0)
    aqmp_client_start_handshake (self);
}

static void
aqmp_client_call_timed_out_cb (gpointer user_data, const GError *error)
{
  AqmpClient *self = user_data;

  if (aqmp_client_can_recover (self, error))
    aqmp_client_recover (self, error);
}

static void
aqmp_client_reader_failed_cb (gpointer user_data, const GError *error)
{
  AqmpClient *self = user_data;

  if (aqmp_client_can_recover (self, error))
    {
      /* the reader starts afresh before the handshake tells it what to skip */
      aqmp_reader_recover (self->reader);
      aqmp_client_recover (self, error);
      return;
    }

  /* QEMU closes the connection after answering quit: that is success */
  if (g_error_matches (error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED)
      && aqmp_mailbox_has_succeeded (self->mailbox, "quit"))
    {
      g_debug ("server closed the connection after quit");
      aqmp_client_teardown (self, NULL);
      return;
    }
  aqmp_client_teardown (self, error);
}

static const AqmpReaderCallbacks reader_callbacks = {
  .greeting = aqmp_client_greeting_cb,
  .event = aqmp_client_event_cb,
  .replied = aqmp_client_replied_cb,
  .failed = aqmp_client_reader_failed_cb,
};

/* ----- handshakes of protocol variants ----- */

static void
aqmp_client_handshake_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(AqmpClient) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) connect_task = NULL;

  self->handshaking = FALSE;
  if (!aqmp_protocol_handshake_finish (AQMP_PROTOCOL (source), res, &error))
    {
      if (self->state == AQMP_STATE_CONNECTING)
        {
          aqmp_client_teardown (self, error);
          return;
        }
      /* still unsynced: what waited fails, the next call tries again */
      if (self->state == AQMP_STATE_RUNNING)
        aqmp_mailbox_fail_all (self->mailbox, error);
      return;
    }
  if (self->state != AQMP_STATE_CONNECTING && self->state != AQMP_STATE_RUNNING)
    return;
  self->negotiated = TRUE;
  if (self->state == AQMP_STATE_CONNECTING)
    {
      aqmp_client_clear_connect_sources (self);
      aqmp_client_set_state (self, AQMP_STATE_RUNNING);
      connect_task = g_steal_pointer (&self->connect_task);
    }
  aqmp_client_flush (self);
  if (connect_task != NULL)
    g_task_return_boolean (connect_task, TRUE);
}

static void
aqmp_client_start_handshake (AqmpClient *self)
{
  if (self->handshaking)
    return;
  self->handshaking = TRUE;
  aqmp_protocol_handshake_async (self->protocol, self, self->io_cancellable,
                                 aqmp_client_handshake_cb, g_object_ref (self));
}

/**
 * aqmp_client_send_raw:
 * @self: an #AqmpClient
 * @data: (array length=length): bytes to write
 * @length: how many
 *
 * For protocol implementations: writes bytes as they are, in order with
 * the commands already written, such as the guest agent's 0xFF parser
 * reset.
 */
void
aqmp_client_send_raw (AqmpClient *self, const void *data, gsize length)
{
  g_autoptr(GBytes) bytes = NULL;

  g_return_if_fail (AQMP_IS_CLIENT (self));
  if (self->writer == NULL)
    return;
  bytes = g_bytes_new (data, length);
  aqmp_writer_enqueue (self->writer, bytes, 0, FALSE);
}

/**
 * aqmp_client_skip_input_past:
 * @self: an #AqmpClient
 * @delimiter: a byte that cannot occur in a message
 *
 * For protocol implementations: discards input up to and including the
 * next @delimiter, such as the 0xFF the guest agent sends before its reply
 * to `guest-sync-delimited`.
 */
void
aqmp_client_skip_input_past (AqmpClient *self, guint8 delimiter)
{
  g_return_if_fail (AQMP_IS_CLIENT (self));
  if (self->reader == NULL)
    return;
  aqmp_framer_skip_past (aqmp_reader_get_framer (self->reader), delimiter);
}

/* ----- connecting ----- */

static gboolean
aqmp_client_connect_timeout_cb (gpointer user_data)
{
  AqmpClient *self = user_data;
  g_autoptr(GError) cause = NULL;

  if (self->stream == NULL)
    cause = g_error_new (AQMP_ERROR, AQMP_ERROR_TIMEOUT,
                         "timed out after %u ms waiting for the connection", self->connect_timeout);
  else if (self->greeting == NULL)
    cause = g_error_new (AQMP_ERROR, AQMP_ERROR_TIMEOUT,
                         "timed out after %u ms waiting for the server's greeting (is another client connected?)",
                         self->connect_timeout);
  else
    cause = g_error_new (AQMP_ERROR, AQMP_ERROR_TIMEOUT,
                         "timed out after %u ms negotiating capabilities", self->connect_timeout);
  g_clear_pointer (&self->connect_timeout_source, g_source_unref);
  aqmp_client_teardown (self, cause);
  return G_SOURCE_REMOVE;
}

static gboolean
aqmp_client_connect_cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  AqmpClient *self = user_data;

  g_clear_pointer (&self->connect_cancel_source, g_source_unref);
  /* the task sees its cancellable and reports G_IO_ERROR_CANCELLED */
  aqmp_client_teardown (self, NULL);
  return G_SOURCE_REMOVE;
}

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

/* enters CONNECTING with @task as the connect call */
static void
aqmp_client_begin_connect (AqmpClient *self, GTask *task)
{
  GCancellable *cancellable = g_task_get_cancellable (task);

  self->generation++;
  g_clear_error (&self->cause);
  g_clear_pointer (&self->last_loss, g_free);
  g_clear_pointer (&self->greeting, json_object_unref);
  g_clear_pointer (&self->capabilities, g_strfreev);
  memset (self->version, 0, sizeof (self->version));
  self->oob_enabled = FALSE;
  self->negotiated = FALSE;

  self->connect_task = g_object_ref (task);
  self->io_cancellable = g_cancellable_new ();
  self->handshaking = FALSE;
  self->mailbox = aqmp_mailbox_new (self->context, aqmp_client_line_ending (self));
  aqmp_mailbox_set_no_reply_grace (self->mailbox, self->no_reply_grace);
  aqmp_mailbox_set_timeout_func (self->mailbox, aqmp_client_call_timed_out_cb, self);
  self->trace = !g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN);

  if (self->connect_timeout > 0)
    {
      self->connect_timeout_source = g_timeout_source_new (self->connect_timeout);
      g_source_set_callback (self->connect_timeout_source, aqmp_client_connect_timeout_cb, self, NULL);
      g_source_set_static_name (self->connect_timeout_source, "[aqmp] connect timeout");
      g_source_attach (self->connect_timeout_source, self->context);
    }
  if (cancellable != NULL)
    {
      self->connect_cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (self->connect_cancel_source,
                             G_SOURCE_FUNC (aqmp_client_connect_cancelled_cb), self, NULL);
      g_source_attach (self->connect_cancel_source, self->context);
    }
  aqmp_client_set_state (self, AQMP_STATE_CONNECTING);
}

/* the transport is up: start reading and writing, wait for the greeting */
static void
aqmp_client_start_session (AqmpClient *self, GIOStream *stream)
{
  self->stream = g_object_ref (stream);
  self->writer = aqmp_writer_new (g_io_stream_get_output_stream (stream), self->io_cancellable,
                                  aqmp_client_written_cb, aqmp_client_writer_failed_cb, self);
  self->reader = aqmp_reader_new (g_io_stream_get_input_stream (stream), self->io_cancellable,
                                  self->mailbox, self->max_message_size, &reader_callbacks, self);
  aqmp_reader_set_trace (self->reader, self->trace);
  aqmp_reader_start (self->reader);
  if (self->protocol != NULL && !aqmp_protocol_has_greeting (self->protocol))
    aqmp_client_start_handshake (self);
}

static void
aqmp_client_connected_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  gboolean current = FALSE;
  g_autoptr(AqmpClient) self = aqmp_client_attempt_free (user_data, &current);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), res, &error);
  if (!current)
    return;
  if (connection == NULL)
    {
      g_autoptr(GError) cause = g_error_new (AQMP_ERROR, AQMP_ERROR_CONNECT,
                                             "cannot connect to %s: %s",
                                             (const gchar *) g_object_get_data (source, "aqmp-address"),
                                             error->message);
      aqmp_client_teardown (self, cause);
      return;
    }
  aqmp_client_start_session (self, G_IO_STREAM (connection));
}

/**
 * aqmp_client_connect_async:
 * @self: an #AqmpClient
 * @address: `/path` or `unix:/path` for a Unix socket, `tcp:HOST:PORT` or
 *   `HOST:PORT` for TCP
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when connected and negotiated
 * @user_data: data for @callback
 *
 * Connects to a QMP server, reads and checks its greeting, and negotiates
 * capabilities (with out-of-band execution when
 * #AqmpClient:request-oob is set and the server offers it). The whole
 * is bounded by #AqmpClient:connect-timeout.
 */
void
aqmp_client_connect_async (AqmpClient          *self,
                           const gchar         *address,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GSocketConnectable) connectable = NULL;
  g_autoptr(GSocketClient) socket_client = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (AQMP_IS_CLIENT (self));
  g_return_if_fail (address != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aqmp_client_connect_async);
  if (!aqmp_client_check_idle (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  connectable = aqmp_address_parse (address, &error);
  if (connectable == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  aqmp_client_begin_connect (self, task);
  socket_client = g_socket_client_new ();
  g_object_set_data_full (G_OBJECT (socket_client), "aqmp-address", g_strdup (address), g_free);
  g_socket_client_connect_async (socket_client, connectable, self->io_cancellable,
                                 aqmp_client_connected_cb, aqmp_client_attempt_new (self));
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
  aqmp_client_begin_connect (self, task);
  aqmp_client_start_session (self, stream);
}

/**
 * aqmp_client_connect_stream_finish:
 * @self: an #AqmpClient
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: %TRUE when the client is running
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
 */
gchar *
aqmp_client_listen (AqmpClient *self, const gchar *address, GError **error)
{
  g_autoptr(GSocketAddress) sa = NULL;
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GSocketListener) listener = NULL;

  g_return_val_if_fail (AQMP_IS_CLIENT (self), NULL);
  g_return_val_if_fail (address != NULL, NULL);

  if (!aqmp_client_check_idle (self, error))
    return NULL;
  sa = aqmp_address_parse_listen (address, error);
  if (sa == NULL)
    return NULL;
  listener = g_socket_listener_new ();
  g_socket_listener_set_backlog (listener, 1);
  if (!g_socket_listener_add_address (listener, sa, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_DEFAULT, NULL, &effective, error))
    {
      g_prefix_error (error, "cannot listen on %s: ", address);
      if (error != NULL && *error != NULL && (*error)->domain != AQMP_ERROR)
        {
          (*error)->domain = AQMP_ERROR;
          (*error)->code = AQMP_ERROR_CONNECT;
        }
      return NULL;
    }
  aqmp_client_close_listener (self);
  self->listener = g_steal_pointer (&listener);
  if (G_IS_UNIX_SOCKET_ADDRESS (effective))
    self->listen_path = g_strdup (g_unix_socket_address_get_path (G_UNIX_SOCKET_ADDRESS (effective)));
  return aqmp_address_to_string (effective);
}

static void
aqmp_client_accepted_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  gboolean current = FALSE;
  g_autoptr(AqmpClient) self = aqmp_client_attempt_free (user_data, &current);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  connection = g_socket_listener_accept_finish (G_SOCKET_LISTENER (source), res, NULL, &error);
  if (!current)
    return;
  /* one server per listen: the socket is not needed any more */
  aqmp_client_close_listener (self);
  if (connection == NULL)
    {
      g_autoptr(GError) cause = g_error_new (AQMP_ERROR, AQMP_ERROR_CONNECT,
                                             "accepting a connection failed: %s", error->message);
      aqmp_client_teardown (self, cause);
      return;
    }
  aqmp_client_start_session (self, G_IO_STREAM (connection));
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
  if (self->listener == NULL)
    {
      g_task_return_new_error (task, AQMP_ERROR, AQMP_ERROR_STATE,
                               "cannot accept: call aqmp_client_listen() first");
      return;
    }
  aqmp_client_begin_connect (self, task);
  g_socket_listener_accept_async (self->listener, self->io_cancellable,
                                  aqmp_client_accepted_cb, aqmp_client_attempt_new (self));
}

/**
 * aqmp_client_accept_finish:
 * @self: an #AqmpClient
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: %TRUE when the client is running
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

static void
aqmp_client_finish_teardown (AqmpClient *self)
{
  /* a handler or callback below may connect again: take what belongs to
   * the connection that ended before any of them runs */
  g_autoptr(GTask) connect_task = g_steal_pointer (&self->connect_task);
  g_autoptr(GError) connect_error = g_steal_pointer (&self->connect_error);
  g_autoptr(GError) end_cause = g_steal_pointer (&self->end_cause);
  g_autoptr(GError) cause = NULL;
  g_autoptr(GPtrArray) disconnects = aqmp_client_steal_disconnects (self, &cause);

  g_clear_object (&self->stream);
  g_clear_object (&self->reader);
  g_clear_object (&self->writer);
  g_clear_object (&self->mailbox);
  g_clear_object (&self->io_cancellable);
  self->negotiated = FALSE;
  aqmp_client_set_state (self, AQMP_STATE_IDLE);
  g_signal_emit (self, signals[SIGNAL_DISCONNECTED], 0, end_cause);
  if (connect_task != NULL)
    g_task_return_error (connect_task, g_steal_pointer (&connect_error));
  aqmp_client_return_disconnects (disconnects, cause);
}

static void
aqmp_client_closed_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(AqmpClient) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_io_stream_close_finish (G_IO_STREAM (source), res, &error))
    g_debug ("closing the connection: %s", error->message);
  aqmp_client_finish_teardown (self);
}

/*
 * The one way a connection ends. @cause is why, or %NULL when the client
 * asked. Pending calls fail with DISCONNECTED naming the cause; a pending
 * connect fails with the cause itself.
 */
static void
aqmp_client_teardown (AqmpClient *self, const GError *cause)
{
  g_autoptr(AqmpClient) keep = g_object_ref (self);
  g_autoptr(GError) loss = NULL;

  if (self->state == AQMP_STATE_IDLE || self->state == AQMP_STATE_DISCONNECTING)
    return;

  if (cause != NULL)
    {
      g_debug ("connection failed: %s", cause->message);
      self->end_cause = g_error_copy (cause);
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

  aqmp_client_set_state (self, AQMP_STATE_DISCONNECTING);
  self->generation++;
  aqmp_client_clear_connect_sources (self);
  aqmp_client_close_listener (self);
  g_cancellable_cancel (self->io_cancellable);
  if (self->reader != NULL)
    aqmp_reader_stop (self->reader);
  if (self->writer != NULL)
    aqmp_writer_stop (self->writer);

  /* the connect call fails once the client is idle, so it can retry */
  if (self->connect_task != NULL)
    self->connect_error = g_error_copy (cause != NULL ? cause : loss);
  aqmp_mailbox_fail_all (self->mailbox, loss);

  if (self->stream == NULL)
    {
      aqmp_client_finish_teardown (self);
      return;
    }
  g_io_stream_close_async (self->stream, G_PRIORITY_DEFAULT, NULL,
                           aqmp_client_closed_cb, g_object_ref (self));
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
  switch (self->state)
    {
    case AQMP_STATE_IDLE:
      aqmp_client_complete_disconnects (self);
      break;
    case AQMP_STATE_CONNECTING:
    case AQMP_STATE_RUNNING:
      aqmp_client_teardown (self, NULL);
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
 * Returns: %TRUE when the connection ended cleanly; %FALSE with the
 *   original cause when it had failed
 */
gboolean
aqmp_client_disconnect_finish (AqmpClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ----- commands ----- */

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
  if ((flags & AQMP_EXECUTE_FLAGS_OOB) != 0 && !(self->negotiated && self->oob_enabled))
    {
      g_set_error_literal (error, AQMP_ERROR, AQMP_ERROR_STATE,
                           "cannot use exec-oob: out-of-band execution was not negotiated");
      return FALSE;
    }
  if (self->max_queue_size > 0 && self->writer != NULL
      && aqmp_writer_get_queued (self->writer) + aqmp_mailbox_get_unsent_size (self->mailbox)
         >= self->max_queue_size)
    {
      g_set_error (error, AQMP_ERROR, AQMP_ERROR_QUEUE_FULL,
                   "outbound queue is full (%" G_GSIZE_FORMAT " bytes): the server is not reading",
                   self->max_queue_size);
      return FALSE;
    }
  return TRUE;
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
  g_autoptr(GError) error = NULL;

  g_return_if_fail (AQMP_IS_CLIENT (self));
  g_return_if_fail (command != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aqmp_client_execute_full_async);
  if (!aqmp_client_check_can_execute (self, flags, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (self->protocol != NULL && !aqmp_protocol_has_reply (self->protocol, command))
    flags |= AQMP_EXECUTE_FLAGS_NO_REPLY;
  aqmp_mailbox_post (self->mailbox, task, command, arguments, flags,
                     timeout_ms < 0 ? self->default_timeout : (guint) timeout_ms,
                     cancellable);
  /* after a timeout or garbage, the next call resyncs first */
  if (self->state == AQMP_STATE_RUNNING && !self->negotiated
      && (flags & AQMP_EXECUTE_FLAGS_HANDSHAKE) == 0)
    aqmp_client_start_handshake (self);
  aqmp_client_flush (self);
}

/**
 * aqmp_client_execute_finish:
 * @self: an #AqmpClient
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the reply's `return` value, or %NULL with
 *   @error set: %AQMP_ERROR_COMMAND for an error reply (see
 *   aqmp_error_get_qmp_class()), %AQMP_ERROR_TIMEOUT,
 *   %AQMP_ERROR_DISCONNECTED, %G_IO_ERROR_CANCELLED, ...
 */
JsonNode *
aqmp_client_execute_finish (AqmpClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ----- properties ----- */

/**
 * aqmp_client_get_state:
 * @self: an #AqmpClient
 *
 * Returns: the connection's #AqmpState
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
 * Returns: (transfer none): the #GMainContext the client runs on
 */
GMainContext *
aqmp_client_get_context (AqmpClient *self)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), NULL);
  return self->context;
}

/**
 * aqmp_client_set_default_timeout:
 * @self: an #AqmpClient
 * @timeout_ms: milliseconds, or 0 for no timeout
 *
 * Sets the timeout of calls that do not give their own.
 */
void
aqmp_client_set_default_timeout (AqmpClient *self, guint timeout_ms)
{
  g_return_if_fail (AQMP_IS_CLIENT (self));
  if (self->default_timeout == timeout_ms)
    return;
  self->default_timeout = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_DEFAULT_TIMEOUT]);
}

/**
 * aqmp_client_get_default_timeout:
 * @self: an #AqmpClient
 *
 * Returns: the default call timeout in milliseconds; 0 for none
 */
guint
aqmp_client_get_default_timeout (AqmpClient *self)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), 0);
  return self->default_timeout;
}

/**
 * aqmp_client_set_connect_timeout:
 * @self: an #AqmpClient
 * @timeout_ms: milliseconds, or 0 for no timeout
 *
 * Bounds connecting, the greeting and negotiation together.
 */
void
aqmp_client_set_connect_timeout (AqmpClient *self, guint timeout_ms)
{
  g_return_if_fail (AQMP_IS_CLIENT (self));
  if (self->connect_timeout == timeout_ms)
    return;
  self->connect_timeout = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CONNECT_TIMEOUT]);
}

/**
 * aqmp_client_get_connect_timeout:
 * @self: an #AqmpClient
 *
 * Returns: the connect timeout in milliseconds; 0 for none
 */
guint
aqmp_client_get_connect_timeout (AqmpClient *self)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), 0);
  return self->connect_timeout;
}

/**
 * aqmp_client_set_max_message_size:
 * @self: an #AqmpClient
 * @size: the largest incoming message accepted, in bytes
 *
 * A larger message fails the connection with %AQMP_ERROR_TOO_LARGE.
 * Takes effect on the next connection.
 */
void
aqmp_client_set_max_message_size (AqmpClient *self, gsize size)
{
  g_return_if_fail (AQMP_IS_CLIENT (self));
  g_return_if_fail (size > 0);
  if (self->max_message_size == size)
    return;
  self->max_message_size = size;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_MAX_MESSAGE_SIZE]);
}

/**
 * aqmp_client_get_max_message_size:
 * @self: an #AqmpClient
 *
 * Returns: the incoming message size limit in bytes
 */
gsize
aqmp_client_get_max_message_size (AqmpClient *self)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), 0);
  return self->max_message_size;
}

/**
 * aqmp_client_set_max_queue_size:
 * @self: an #AqmpClient
 * @size: bytes, or 0 for no limit
 *
 * Limits the outbound data waiting for the server to read it. Past it,
 * calls fail at once with %AQMP_ERROR_QUEUE_FULL.
 */
void
aqmp_client_set_max_queue_size (AqmpClient *self, gsize size)
{
  g_return_if_fail (AQMP_IS_CLIENT (self));
  if (self->max_queue_size == size)
    return;
  self->max_queue_size = size;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_MAX_QUEUE_SIZE]);
}

/**
 * aqmp_client_get_max_queue_size:
 * @self: an #AqmpClient
 *
 * Returns: the outbound queue limit in bytes; 0 for none
 */
gsize
aqmp_client_get_max_queue_size (AqmpClient *self)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), 0);
  return self->max_queue_size;
}

/**
 * aqmp_client_set_request_oob:
 * @self: an #AqmpClient
 * @request_oob: whether to enable out-of-band execution when offered
 *
 * Takes effect on the next connection.
 */
void
aqmp_client_set_request_oob (AqmpClient *self, gboolean request_oob)
{
  g_return_if_fail (AQMP_IS_CLIENT (self));
  request_oob = !!request_oob;
  if (self->request_oob == request_oob)
    return;
  self->request_oob = request_oob;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_REQUEST_OOB]);
}

/**
 * aqmp_client_get_request_oob:
 * @self: an #AqmpClient
 *
 * Returns: whether out-of-band execution is requested
 */
gboolean
aqmp_client_get_request_oob (AqmpClient *self)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), FALSE);
  return self->request_oob;
}

/**
 * aqmp_client_set_no_reply_grace:
 * @self: an #AqmpClient
 * @grace_ms: milliseconds, or 0 to complete at once
 *
 * How long a command that gets no reply on success (see
 * %AQMP_EXECUTE_FLAGS_NO_REPLY) waits for an error reply after it was
 * written. Takes effect on the next connection.
 */
void
aqmp_client_set_no_reply_grace (AqmpClient *self, guint grace_ms)
{
  g_return_if_fail (AQMP_IS_CLIENT (self));
  if (self->no_reply_grace == grace_ms)
    return;
  self->no_reply_grace = grace_ms;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_NO_REPLY_GRACE]);
}

/**
 * aqmp_client_get_no_reply_grace:
 * @self: an #AqmpClient
 *
 * Returns: the grace period of commands without a reply, in milliseconds
 */
guint
aqmp_client_get_no_reply_grace (AqmpClient *self)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), 0);
  return self->no_reply_grace;
}

/**
 * aqmp_client_set_protocol:
 * @self: an #AqmpClient
 * @protocol: (nullable): a protocol variant, or %NULL for plain QMP
 *
 * Sets how the next connection starts and runs, for example the guest
 * agent's variant from the `qga` plugin. Only allowed while idle.
 */
void
aqmp_client_set_protocol (AqmpClient *self, AqmpProtocol *protocol)
{
  g_return_if_fail (AQMP_IS_CLIENT (self));
  g_return_if_fail (protocol == NULL || AQMP_IS_PROTOCOL (protocol));
  g_return_if_fail (self->state == AQMP_STATE_IDLE);

  if (!g_set_object (&self->protocol, protocol))
    return;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PROTOCOL]);
}

/**
 * aqmp_client_get_protocol:
 * @self: an #AqmpClient
 *
 * Returns: (transfer none) (nullable): the protocol variant, or %NULL for
 *   plain QMP
 */
AqmpProtocol *
aqmp_client_get_protocol (AqmpClient *self)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), NULL);
  return self->protocol;
}

/**
 * aqmp_client_get_oob_enabled:
 * @self: an #AqmpClient
 *
 * Returns: whether out-of-band execution was negotiated
 */
gboolean
aqmp_client_get_oob_enabled (AqmpClient *self)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), FALSE);
  return self->negotiated && self->oob_enabled;
}

/**
 * aqmp_client_get_greeting:
 * @self: an #AqmpClient
 *
 * Returns: (transfer none) (nullable): the server's greeting, once received
 */
JsonObject *
aqmp_client_get_greeting (AqmpClient *self)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), NULL);
  return self->greeting;
}

/**
 * aqmp_client_get_server_version:
 * @self: an #AqmpClient
 * @major: (out) (optional): the major version
 * @minor: (out) (optional): the minor version
 * @micro: (out) (optional): the micro version
 *
 * Returns: %TRUE when a greeting was received
 */
gboolean
aqmp_client_get_server_version (AqmpClient *self, guint *major, guint *minor, guint *micro)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), FALSE);
  if (major != NULL)
    *major = self->version[0];
  if (minor != NULL)
    *minor = self->version[1];
  if (micro != NULL)
    *micro = self->version[2];
  return self->greeting != NULL;
}

/**
 * aqmp_client_has_capability:
 * @self: an #AqmpClient
 * @capability: a capability name, such as `"oob"`
 *
 * Returns: whether the server's greeting offered @capability
 */
gboolean
aqmp_client_has_capability (AqmpClient *self, const gchar *capability)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (capability != NULL, FALSE);
  return self->capabilities != NULL && g_strv_contains ((const gchar * const *) self->capabilities, capability);
}

/* ----- GObject ----- */

static void
aqmp_client_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  AqmpClient *self = AQMP_CLIENT (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_DEFAULT_TIMEOUT:
      g_value_set_uint (value, self->default_timeout);
      break;
    case PROP_CONNECT_TIMEOUT:
      g_value_set_uint (value, self->connect_timeout);
      break;
    case PROP_MAX_MESSAGE_SIZE:
      g_value_set_uint64 (value, self->max_message_size);
      break;
    case PROP_MAX_QUEUE_SIZE:
      g_value_set_uint64 (value, self->max_queue_size);
      break;
    case PROP_REQUEST_OOB:
      g_value_set_boolean (value, self->request_oob);
      break;
    case PROP_OOB_ENABLED:
      g_value_set_boolean (value, aqmp_client_get_oob_enabled (self));
      break;
    case PROP_NO_REPLY_GRACE:
      g_value_set_uint (value, self->no_reply_grace);
      break;
    case PROP_PROTOCOL:
      g_value_set_object (value, self->protocol);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aqmp_client_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  AqmpClient *self = AQMP_CLIENT (object);

  switch (prop_id)
    {
    case PROP_DEFAULT_TIMEOUT:
      aqmp_client_set_default_timeout (self, g_value_get_uint (value));
      break;
    case PROP_CONNECT_TIMEOUT:
      aqmp_client_set_connect_timeout (self, g_value_get_uint (value));
      break;
    case PROP_MAX_MESSAGE_SIZE:
      aqmp_client_set_max_message_size (self, (gsize) g_value_get_uint64 (value));
      break;
    case PROP_MAX_QUEUE_SIZE:
      aqmp_client_set_max_queue_size (self, (gsize) g_value_get_uint64 (value));
      break;
    case PROP_REQUEST_OOB:
      aqmp_client_set_request_oob (self, g_value_get_boolean (value));
      break;
    case PROP_NO_REPLY_GRACE:
      aqmp_client_set_no_reply_grace (self, g_value_get_uint (value));
      break;
    case PROP_PROTOCOL:
      aqmp_client_set_protocol (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* dropping the last reference closes the connection at once */
static void
aqmp_client_dispose (GObject *object)
{
  AqmpClient *self = AQMP_CLIENT (object);

  if (self->reader != NULL)
    aqmp_reader_stop (self->reader);
  if (self->writer != NULL)
    aqmp_writer_stop (self->writer);
  if (self->io_cancellable != NULL)
    g_cancellable_cancel (self->io_cancellable);
  if (self->stream != NULL)
    g_io_stream_close (self->stream, NULL, NULL);
  aqmp_client_clear_connect_sources (self);
  aqmp_client_close_listener (self);
  g_clear_object (&self->stream);
  g_clear_object (&self->reader);
  g_clear_object (&self->writer);
  g_clear_object (&self->mailbox);
  g_clear_object (&self->io_cancellable);
  G_OBJECT_CLASS (aqmp_client_parent_class)->dispose (object);
}

static void
aqmp_client_finalize (GObject *object)
{
  AqmpClient *self = AQMP_CLIENT (object);

  g_ptr_array_unref (self->disconnect_tasks);
  g_clear_error (&self->cause);
  g_clear_error (&self->end_cause);
  g_free (self->last_loss);
  g_clear_object (&self->protocol);
  g_clear_pointer (&self->greeting, json_object_unref);
  g_strfreev (self->capabilities);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (aqmp_client_parent_class)->finalize (object);
}

static void
aqmp_client_class_init (AqmpClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = aqmp_client_get_property;
  object_class->set_property = aqmp_client_set_property;
  object_class->dispose = aqmp_client_dispose;
  object_class->finalize = aqmp_client_finalize;

  /**
   * AqmpClient:state:
   *
   * The connection's life-cycle state.
   */
  props[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, AQMP_TYPE_STATE,
                                         AQMP_STATE_IDLE, ro);
  /**
   * AqmpClient:default-timeout:
   *
   * Milliseconds a call waits for its reply unless it says otherwise;
   * 0 waits for ever.
   */
  props[PROP_DEFAULT_TIMEOUT] = g_param_spec_uint ("default-timeout", NULL, NULL,
                                                   0, G_MAXUINT, 0, rw);
  /**
   * AqmpClient:connect-timeout:
   *
   * Milliseconds allowed for connecting, the greeting and negotiation.
   */
  props[PROP_CONNECT_TIMEOUT] = g_param_spec_uint ("connect-timeout", NULL, NULL,
                                                   0, G_MAXUINT, AQMP_DEFAULT_CONNECT_TIMEOUT, rw);
  /**
   * AqmpClient:max-message-size:
   *
   * The largest incoming message, in bytes.
   */
  props[PROP_MAX_MESSAGE_SIZE] = g_param_spec_uint64 ("max-message-size", NULL, NULL,
                                                      1, G_MAXSIZE, AQMP_DEFAULT_MAX_MESSAGE_SIZE, rw);
  /**
   * AqmpClient:max-queue-size:
   *
   * The most outbound bytes that may wait for the server; 0 for no limit.
   */
  props[PROP_MAX_QUEUE_SIZE] = g_param_spec_uint64 ("max-queue-size", NULL, NULL,
                                                    0, G_MAXSIZE, AQMP_DEFAULT_MAX_QUEUE_SIZE, rw);
  /**
   * AqmpClient:request-oob:
   *
   * Whether to enable out-of-band execution when the server offers it.
   */
  props[PROP_REQUEST_OOB] = g_param_spec_boolean ("request-oob", NULL, NULL, FALSE, rw);
  /**
   * AqmpClient:oob-enabled:
   *
   * Whether out-of-band execution was negotiated.
   */
  props[PROP_OOB_ENABLED] = g_param_spec_boolean ("oob-enabled", NULL, NULL, FALSE, ro);
  /**
   * AqmpClient:no-reply-grace:
   *
   * Milliseconds a command without a reply on success waits for an error.
   */
  props[PROP_NO_REPLY_GRACE] = g_param_spec_uint ("no-reply-grace", NULL, NULL,
                                                  0, G_MAXUINT, AQMP_DEFAULT_NO_REPLY_GRACE, rw);
  /**
   * AqmpClient:protocol:
   *
   * The protocol variant, or %NULL for plain QMP.
   */
  props[PROP_PROTOCOL] = g_param_spec_object ("protocol", NULL, NULL, AQMP_TYPE_PROTOCOL, rw);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * AqmpClient::event:
   * @self: the client
   * @event: the #AqmpEvent
   *
   * Emitted for every event, in the order the server sent them, with the
   * event's name as detail: connect to `event::SHUTDOWN` for one kind.
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
   */
  signals[SIGNAL_DISCONNECTED] = g_signal_new ("disconnected", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                               G_TYPE_NONE, 1,
                                               G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
aqmp_client_init (AqmpClient *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->connect_timeout = AQMP_DEFAULT_CONNECT_TIMEOUT;
  self->max_message_size = AQMP_DEFAULT_MAX_MESSAGE_SIZE;
  self->max_queue_size = AQMP_DEFAULT_MAX_QUEUE_SIZE;
  self->no_reply_grace = AQMP_DEFAULT_NO_REPLY_GRACE;
  self->disconnect_tasks = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * aqmp_client_new:
 *
 * Creates a client bound to the thread-default main context.
 *
 * Returns: (transfer full): a new #AqmpClient
 */
AqmpClient *
aqmp_client_new (void)
{
  return g_object_new (AQMP_TYPE_CLIENT, NULL);
}
