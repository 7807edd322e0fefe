/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "aqmp-address-private.h"
#include "aqmp-client.h"
#include "aqmp-client-check.h"
#include "aqmp-connector-private.h"
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
 */

#define AQMP_DEFAULT_MAX_QUEUE_SIZE (64 * 1024 * 1024)
#define AQMP_DEFAULT_NO_REPLY_GRACE 500
#define AQMP_DEFAULT_RECONNECT_DELAY 100
#define AQMP_DEFAULT_RECONNECT_MAX_DELAY 10000
/* how long replies already sent by the server are read after a write error */
#define AQMP_WRITE_ERROR_DRAIN 1000

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
  AqmpConnector *connector; /* addresses, TLS settings, the listener */
  gboolean reconnect;
  guint reconnect_delay;
  guint reconnect_max_delay;

  /* reconnecting: the address of the last aqmp_client_connect_async() */
  gchar *address;
  gboolean reconnect_due;   /* the connection being torn down was lost */
  gboolean reconnecting;    /* from a loss until reconnected or stopped */
  guint reconnect_attempts;
  GSource *reconnect_source;

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
  /* a write failed: the connection only reads what is left, until EOF
   * or the drain timer, then ends with this cause */
  GError *write_error;
  GSource *drain_source;

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
  PROP_TLS,
  PROP_TLS_CA_FILE,
  PROP_TLS_CERTIFICATE,
  N_PROPS
};

enum {
  SIGNAL_EVENT,
  SIGNAL_DISCONNECTED,
  SIGNAL_RECONNECTED,
  N_SIGNALS
};

static GParamSpec *props[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (AqmpClient, aqmp_client, G_TYPE_OBJECT)

static void aqmp_client_teardown (AqmpClient *self, const GError *cause);
static void aqmp_client_start_handshake (AqmpClient *self);
static void aqmp_client_stop_reconnecting (AqmpClient *self);
static void aqmp_client_post (AqmpClient *self, GTask *task, const gchar *command,
                              JsonObject *arguments, GUnixFDList *fds, AqmpExecuteFlags flags,
                              gint timeout_ms, GCancellable *cancellable);

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

/* ----- writing ----- */

static const gchar *
aqmp_client_line_ending (AqmpClient *self)
{
  return self->protocol != NULL ? aqmp_protocol_get_line_ending (self->protocol) : "\r\n";
}

/* hands the writer whatever the mailbox lets go */
/* descriptors go only over a Unix socket, straight, with no TLS between */
static GSocket *
aqmp_client_unix_socket (GIOStream *stream)
{
  GSocket *socket;

  if (stream == NULL || !G_IS_SOCKET_CONNECTION (stream))
    return NULL;
  socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream));
  return g_socket_get_family (socket) == G_SOCKET_FAMILY_UNIX ? socket : NULL;
}

static void
aqmp_client_flush (AqmpClient *self)
{
  AqmpMailboxSend send;

  if (self->writer == NULL)
    return;
  while (aqmp_mailbox_next_unsent (self->mailbox, self->negotiated, self->oob_enabled, &send))
    {
      g_autoptr(GBytes) wire = g_steal_pointer (&send.wire);
      g_autoptr(GUnixFDList) fds = g_steal_pointer (&send.fds);
      g_autofree gchar *trace = g_steal_pointer (&send.trace);

      /* the trace shows a redacted copy, never the bytes on the wire */
      if (self->trace && trace != NULL)
        g_debug ("--> %s%s", trace, fds != NULL ? " (with file descriptors)" : "");
      if (fds != NULL && aqmp_client_unix_socket (self->stream) == NULL)
        {
          g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                                         "cannot pass file descriptors: the connection is not a Unix socket");
          aqmp_mailbox_fail_call (self->mailbox, send.id, error);
          continue;
        }
      /* told when it is written whole, to know what a write error loses */
      aqmp_writer_enqueue (self->writer, wire, fds, send.id, TRUE);
    }
}

static void
aqmp_client_written_cb (gpointer user_data, guint64 id)
{
  AqmpClient *self = user_data;

  aqmp_mailbox_written (self->mailbox, id);
}

static void
aqmp_client_stop_draining (AqmpClient *self)
{
  if (self->drain_source == NULL)
    return;
  g_source_destroy (self->drain_source);
  g_clear_pointer (&self->drain_source, g_source_unref);
}

static gboolean
aqmp_client_drain_timeout_cb (gpointer user_data)
{
  AqmpClient *self = user_data;

  g_clear_pointer (&self->drain_source, g_source_unref);
  g_debug ("the server did not close the connection after the write error");
  aqmp_client_teardown (self, self->write_error);
  return G_SOURCE_REMOVE;
}

/* what was not written whole can never be answered and fails now; replies
 * the server already sent (quit's, say) are still read, for a while */
static void
aqmp_client_writer_failed_cb (gpointer user_data, const GError *error)
{
  AqmpClient *self = user_data;
  g_autoptr(AqmpClient) keep = g_object_ref (self);
  g_autoptr(GError) loss = NULL;

  self->write_error = g_error_new (AQMP_ERROR, AQMP_ERROR_DISCONNECTED,
                                   "error writing to server: %s", error->message);
  g_debug ("%s; reading what is left", self->write_error->message);
  self->drain_source = g_timeout_source_new (AQMP_WRITE_ERROR_DRAIN);
  g_source_set_callback (self->drain_source, aqmp_client_drain_timeout_cb, self, NULL);
  g_source_set_static_name (self->drain_source, "[aqmp] drain after write error");
  g_source_attach (self->drain_source, self->context);

  loss = g_error_new (AQMP_ERROR, AQMP_ERROR_DISCONNECTED, "connection lost: %s",
                      self->write_error->message);
  aqmp_mailbox_fail_unwritten (self->mailbox, loss);
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

  /* connecting to `event::NAME` interns NAME, so a name without a quark
   * has no handler of its own; and names the peer chooses are not
   * interned for the life of the process */
  g_signal_emit (self, signals[SIGNAL_EVENT],
                 g_quark_try_string (aqmp_event_get_name (event)), event);
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
  if (self->protocol == NULL || self->write_error != NULL
      || g_error_matches (error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED))
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
  /* the server hanging up is no news after a write error: that came first */
  if (self->write_error != NULL && aqmp_reader_reached_eof (self->reader))
    {
      aqmp_client_teardown (self, self->write_error);
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
  aqmp_writer_enqueue (self->writer, bytes, NULL, 0, FALSE);
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
                         "timed out after %u ms waiting for the server's greeting (is another client connected%s?)",
                         self->connect_timeout,
                         G_IS_TCP_CONNECTION (self->stream) ? ", or does the monitor expect TLS" : "");
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

/* enters CONNECTING with @task as the connect call; a reconnect attempt
 * keeps the cause of the loss it repairs */
static void
aqmp_client_begin_connect (AqmpClient *self, GTask *task, gboolean reconnect)
{
  GCancellable *cancellable = g_task_get_cancellable (task);

  self->generation++;
  if (!reconnect)
    {
      aqmp_client_stop_reconnecting (self);
      g_clear_error (&self->cause);
      g_clear_pointer (&self->last_loss, g_free);
    }
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
  aqmp_mailbox_set_max_message_size (self->mailbox, self->max_message_size);
  aqmp_mailbox_set_timeout_func (self->mailbox, aqmp_client_call_timed_out_cb, self);
  self->trace = !g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN);
  aqmp_mailbox_set_trace (self->mailbox, self->trace);

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
  aqmp_writer_set_socket (self->writer, aqmp_client_unix_socket (stream));
  /* QEMU 7.2 acts on a TLS record only once the next one arrives */
  if (G_IS_TLS_CONNECTION (stream))
    aqmp_writer_set_separate_newline (self->writer, TRUE);
  self->reader = aqmp_reader_new (g_io_stream_get_input_stream (stream), self->io_cancellable,
                                  self->mailbox, &reader_callbacks, self);
  aqmp_reader_set_writer (self->reader, self->writer);
  if (G_IS_SOCKET_CONNECTION (stream))
    aqmp_reader_set_socket (self->reader, g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream)));
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
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  stream = aqmp_connector_connect_finish (AQMP_CONNECTOR (source), res, &error);
  if (!current)
    return;
  if (stream == NULL)
    {
      aqmp_client_teardown (self, error);
      return;
    }
  aqmp_client_start_session (self, stream);
}

/* connects to self->address, which the connector checked */
static void
aqmp_client_open_transport (AqmpClient *self)
{
  aqmp_connector_connect_async (self->connector, self->address, self->io_cancellable,
                                aqmp_client_connected_cb, aqmp_client_attempt_new (self));
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
  aqmp_client_open_transport (self);
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
  aqmp_client_begin_connect (self, task, FALSE);
  g_clear_pointer (&self->address, g_free);
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
  g_return_val_if_fail (AQMP_IS_CLIENT (self), NULL);
  g_return_val_if_fail (address != NULL, NULL);

  if (!aqmp_client_check_idle (self, error))
    return NULL;
  return aqmp_connector_listen (self->connector, address, error);
}

static void
aqmp_client_accepted_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  gboolean current = FALSE;
  g_autoptr(AqmpClient) self = aqmp_client_attempt_free (user_data, &current);
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  stream = aqmp_connector_accept_finish (AQMP_CONNECTOR (source), res, &error);
  if (!current)
    return;
  if (stream == NULL)
    {
      aqmp_client_teardown (self, error);
      return;
    }
  aqmp_client_start_session (self, stream);
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
  if (!aqmp_connector_is_listening (self->connector))
    {
      g_task_return_new_error (task, AQMP_ERROR, AQMP_ERROR_STATE,
                               "cannot accept: call aqmp_client_listen() first");
      return;
    }
  aqmp_client_begin_connect (self, task, FALSE);
  g_clear_pointer (&self->address, g_free);
  aqmp_connector_accept_async (self->connector, self->io_cancellable,
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

/* ----- reconnecting ----- */

static void aqmp_client_reconnect_attempt_cb (GObject *source, GAsyncResult *res, gpointer user_data);

static gboolean
aqmp_client_is_reconnect_attempt (GTask *task)
{
  return task != NULL && g_task_get_source_tag (task) == aqmp_client_reconnect_attempt_cb;
}

static void
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
  aqmp_client_open_transport (self);
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
  /* so that handlers of the signal see it */
  if (self->reconnect_due)
    self->reconnecting = TRUE;
  aqmp_client_set_state (self, AQMP_STATE_IDLE);
  /* one signal per lost connection, not one per failed reconnect attempt */
  if (!aqmp_client_is_reconnect_attempt (connect_task))
    g_signal_emit (self, signals[SIGNAL_DISCONNECTED], 0, end_cause);
  if (connect_task != NULL)
    g_task_return_error (connect_task, g_steal_pointer (&connect_error));
  aqmp_client_return_disconnects (disconnects, cause);
  /* unless a handler above disconnected or connected meanwhile */
  if (self->reconnect_due && self->reconnecting && self->state == AQMP_STATE_IDLE
      && self->reconnect_source == NULL)
    {
      self->reconnect_due = FALSE;
      aqmp_client_schedule_reconnect (self);
    }
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
  /* @cause may be it: it lives until the end of this function */
  g_autoptr(GError) write_error = g_steal_pointer (&self->write_error);
  g_autoptr(GError) loss = NULL;

  if (self->state == AQMP_STATE_IDLE || self->state == AQMP_STATE_DISCONNECTING)
    return;

  /* a connection that was running, made to an address, was lost (and
   * the user is not disconnecting meanwhile) */
  self->reconnect_due = cause != NULL && self->reconnect && self->connect_task == NULL
                        && self->address != NULL && self->disconnect_tasks->len == 0;
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
  aqmp_client_stop_draining (self);
  aqmp_connector_close (self->connector);
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
 *
 * This also ends reconnecting (see aqmp_client_set_reconnect()).
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
      aqmp_client_teardown (self, self->write_error);
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
  /* after a write error nothing more can be sent */
  if (self->write_error != NULL)
    {
      g_set_error (error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED,
                   "the connection is closing: %s", self->write_error->message);
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

  g_return_if_fail (AQMP_IS_CLIENT (self));
  g_return_if_fail (command != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aqmp_client_execute_full_async);
  aqmp_client_post (self, task, command, arguments, NULL, flags, timeout_ms, cancellable);
}

/* why descriptors cannot go over this connection, or %NULL when they can
 * or it is not known yet (checked again when the request is written) */
static const gchar *
aqmp_client_fds_refusal (AqmpClient *self)
{
  if (self->stream != NULL)
    {
      if (aqmp_client_unix_socket (self->stream) != NULL)
        return NULL;
      if (G_IS_TLS_CONNECTION (self->stream))
        return "TLS";
      return G_IS_TCP_CONNECTION (self->stream) ? "TCP" : "this connection";
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
  aqmp_mailbox_post (self->mailbox, task, command, arguments, fds, flags,
                     timeout_ms < 0 ? self->default_timeout : (guint) timeout_ms,
                     max_reply_size, cancellable);
  /* after a timeout or garbage, the next call resyncs first */
  if (self->state == AQMP_STATE_RUNNING && !self->negotiated
      && (flags & AQMP_EXECUTE_FLAGS_HANDSHAKE) == 0)
    aqmp_client_start_handshake (self);
  aqmp_client_flush (self);
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
 * A larger reply fails its call with %AQMP_ERROR_TOO_LARGE, and the
 * connection goes on, when it ends within twice the limit; any other
 * larger message (an event, an error without id, one that does not end)
 * fails the connection with %AQMP_ERROR_TOO_LARGE. The protocol may allow
 * particular replies more (aqmp_protocol_get_max_reply_size()). Memory
 * for one message stays within the largest limit in force. Takes effect
 * on the next connection.
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
 * aqmp_client_set_tls:
 * @self: an #AqmpClient
 * @tls: whether to use TLS for TCP addresses
 *
 * With @tls set, `tcp:HOST:PORT` and `HOST:PORT` connect with TLS, as
 * `tls:HOST:PORT` always does, and Unix socket addresses are refused.
 * Takes effect on the next connection.
 */
void
aqmp_client_set_tls (AqmpClient *self, gboolean tls)
{
  g_return_if_fail (AQMP_IS_CLIENT (self));
  if (!aqmp_connector_set_tls (self->connector, tls))
    return;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_TLS]);
}

/**
 * aqmp_client_get_tls:
 * @self: an #AqmpClient
 *
 * Returns: whether TCP addresses connect with TLS
 */
gboolean
aqmp_client_get_tls (AqmpClient *self)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), FALSE);
  return aqmp_connector_get_tls (self->connector);
}

/**
 * aqmp_client_set_tls_ca_file:
 * @self: an #AqmpClient
 * @ca_file: (nullable) (type filename): a PEM file of the certificate
 *   authorities to trust, or %NULL for the system's trust store
 *
 * Sets what the server's certificate is verified against. Takes effect on
 * the next connection; a file that cannot be loaded fails that connect
 * with %AQMP_ERROR_CONNECT.
 */
void
aqmp_client_set_tls_ca_file (AqmpClient *self, const gchar *ca_file)
{
  g_return_if_fail (AQMP_IS_CLIENT (self));
  if (!aqmp_connector_set_tls_ca_file (self->connector, ca_file))
    return;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_TLS_CA_FILE]);
}

/**
 * aqmp_client_get_tls_ca_file:
 * @self: an #AqmpClient
 *
 * Returns: (nullable) (type filename): the CA file, or %NULL for the
 *   system's trust store
 */
const gchar *
aqmp_client_get_tls_ca_file (AqmpClient *self)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), NULL);
  return aqmp_connector_get_tls_ca_file (self->connector);
}

/**
 * aqmp_client_set_tls_certificate:
 * @self: an #AqmpClient
 * @certificate: (nullable): the client's certificate, with its private key
 *
 * Sets the certificate the client presents, for monitors whose TLS
 * credentials have `verify-peer=on`. Takes effect on the next connection.
 */
void
aqmp_client_set_tls_certificate (AqmpClient *self, GTlsCertificate *certificate)
{
  g_return_if_fail (AQMP_IS_CLIENT (self));
  g_return_if_fail (certificate == NULL || G_IS_TLS_CERTIFICATE (certificate));
  if (!aqmp_connector_set_tls_certificate (self->connector, certificate))
    return;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_TLS_CERTIFICATE]);
}

/**
 * aqmp_client_get_tls_certificate:
 * @self: an #AqmpClient
 *
 * Returns: (transfer none) (nullable): the client's certificate
 */
GTlsCertificate *
aqmp_client_get_tls_certificate (AqmpClient *self)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), NULL);
  return aqmp_connector_get_tls_certificate (self->connector);
}

/**
 * aqmp_client_set_tls_certificate_files:
 * @self: an #AqmpClient
 * @cert_file: (type filename): a PEM file with the client's certificate
 * @key_file: (nullable) (type filename): a PEM file with its private key,
 *   or %NULL when @cert_file holds both
 * @error: return location for a #GError
 *
 * Loads the client's certificate and key and sets them as with
 * aqmp_client_set_tls_certificate().
 *
 * Returns: %TRUE when both were loaded; %FALSE with @error set otherwise,
 *   leaving the certificate as it was
 */
gboolean
aqmp_client_set_tls_certificate_files (AqmpClient   *self,
                                       const gchar  *cert_file,
                                       const gchar  *key_file,
                                       GError      **error)
{
  g_autoptr(GTlsCertificate) certificate = NULL;

  g_return_val_if_fail (AQMP_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (cert_file != NULL, FALSE);

  if (key_file != NULL)
    certificate = g_tls_certificate_new_from_files (cert_file, key_file, error);
  else
    certificate = g_tls_certificate_new_from_file (cert_file, error);
  if (certificate == NULL)
    {
      g_prefix_error (error, "cannot load the TLS certificate %s: ", cert_file);
      return FALSE;
    }
  aqmp_client_set_tls_certificate (self, certificate);
  return TRUE;
}

/**
 * aqmp_client_set_reconnect:
 * @self: an #AqmpClient
 * @enabled: whether to reconnect after an unexpected loss
 * @initial_delay_ms: the delay before the first attempt, in milliseconds
 *   (at least 1; 0 picks 100)
 * @max_delay_ms: the cap on the delay, which doubles after each failed
 *   attempt (0 picks 10000; never below @initial_delay_ms)
 *
 * Makes the client reconnect to the address of aqmp_client_connect_async()
 * when a running connection is lost: the server closed it, it broke, or a
 * protocol error ended it. Not after aqmp_client_disconnect_async(), nor
 * after `quit`, nor for connections made by
 * aqmp_client_connect_stream_async() or aqmp_client_accept_async(). Each
 * delay varies by up to a quarter either way, so that many clients do
 * not retry in step. See the "Reconnecting" section of #AqmpClient for
 * what happens to calls and signals meanwhile.
 *
 * Turning it off stops reconnecting: no further attempt is made (one under
 * way may still succeed).
 */
void
aqmp_client_set_reconnect (AqmpClient *self,
                           gboolean    enabled,
                           guint       initial_delay_ms,
                           guint       max_delay_ms)
{
  g_return_if_fail (AQMP_IS_CLIENT (self));

  self->reconnect = !!enabled;
  self->reconnect_delay = initial_delay_ms > 0 ? initial_delay_ms : AQMP_DEFAULT_RECONNECT_DELAY;
  self->reconnect_max_delay = MAX (max_delay_ms > 0 ? max_delay_ms : AQMP_DEFAULT_RECONNECT_MAX_DELAY,
                                   self->reconnect_delay);
  if (!self->reconnect && (self->reconnecting || self->reconnect_due))
    aqmp_client_stop_reconnecting (self);
}

/**
 * aqmp_client_get_reconnect:
 * @self: an #AqmpClient
 * @initial_delay_ms: (out) (optional): the first delay, in milliseconds
 * @max_delay_ms: (out) (optional): the cap on the delay, in milliseconds
 *
 * Returns: whether the client reconnects after an unexpected loss
 */
gboolean
aqmp_client_get_reconnect (AqmpClient *self, guint *initial_delay_ms, guint *max_delay_ms)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), FALSE);
  if (initial_delay_ms != NULL)
    *initial_delay_ms = self->reconnect_delay;
  if (max_delay_ms != NULL)
    *max_delay_ms = self->reconnect_max_delay;
  return self->reconnect;
}

/**
 * aqmp_client_get_reconnecting:
 * @self: an #AqmpClient
 *
 * Returns: whether the client is between losing a connection and
 *   reconnecting (waiting for the next attempt, or attempting)
 */
gboolean
aqmp_client_get_reconnecting (AqmpClient *self)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), FALSE);
  return self->reconnecting;
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
 * aqmp_client_get_address:
 * @self: an #AqmpClient
 *
 * Returns: (nullable): the address given to the last
 *   aqmp_client_connect_async(), as given; %NULL for a client connected
 *   to a stream or by aqmp_client_accept_async()
 */
const gchar *
aqmp_client_get_address (AqmpClient *self)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), NULL);
  return self->address;
}

/**
 * aqmp_client_get_peer_credentials:
 * @self: an #AqmpClient
 * @error: return location for a #GError
 *
 * Who is at the other end of a Unix socket connection (SO_PEERCRED on
 * Linux): for a connection to QEMU, QEMU's pid and uid. For a socket pair
 * these are the credentials of the process that made the pair.
 *
 * Returns: (transfer full) (nullable): the peer's credentials, or %NULL
 *   with @error set when the client is not connected over a Unix socket
 *   or the system cannot tell
 */
GCredentials *
aqmp_client_get_peer_credentials (AqmpClient *self, GError **error)
{
  GSocket *socket;

  g_return_val_if_fail (AQMP_IS_CLIENT (self), NULL);

  socket = aqmp_client_unix_socket (self->stream);
  if (socket == NULL)
    {
      g_set_error_literal (error, AQMP_ERROR, AQMP_ERROR_STATE,
                           "the client is not connected over a Unix socket");
      return NULL;
    }
  return g_socket_get_credentials (socket, error);
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
    case PROP_TLS:
      g_value_set_boolean (value, aqmp_connector_get_tls (self->connector));
      break;
    case PROP_TLS_CA_FILE:
      g_value_set_string (value, aqmp_connector_get_tls_ca_file (self->connector));
      break;
    case PROP_TLS_CERTIFICATE:
      g_value_set_object (value, aqmp_connector_get_tls_certificate (self->connector));
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
    case PROP_TLS:
      aqmp_client_set_tls (self, g_value_get_boolean (value));
      break;
    case PROP_TLS_CA_FILE:
      aqmp_client_set_tls_ca_file (self, g_value_get_string (value));
      break;
    case PROP_TLS_CERTIFICATE:
      aqmp_client_set_tls_certificate (self, g_value_get_object (value));
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
  aqmp_client_stop_draining (self);
  aqmp_client_stop_reconnecting (self);
  aqmp_connector_close (self->connector);
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
  g_clear_error (&self->write_error);
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
   * The largest incoming message, in bytes, except the replies a
   * protocol allows more (aqmp_protocol_get_max_reply_size()). See
   * aqmp_client_set_max_message_size().
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
  /**
   * AqmpClient:tls:
   *
   * Whether TCP addresses connect with TLS; `tls:HOST:PORT` always does.
   */
  props[PROP_TLS] = g_param_spec_boolean ("tls", NULL, NULL, FALSE, rw);
  /**
   * AqmpClient:tls-ca-file:
   *
   * A PEM file of the certificate authorities the server's certificate
   * must be signed by; %NULL for the system's trust store.
   */
  props[PROP_TLS_CA_FILE] = g_param_spec_string ("tls-ca-file", NULL, NULL, NULL, rw);
  /**
   * AqmpClient:tls-certificate:
   *
   * The certificate, with its private key, that the client presents.
   */
  props[PROP_TLS_CERTIFICATE] = g_param_spec_object ("tls-certificate", NULL, NULL,
                                                     G_TYPE_TLS_CERTIFICATE, rw);
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
  /**
   * AqmpClient::reconnected:
   * @self: the client
   *
   * Emitted when the client, reconnecting after a lost connection (see
   * aqmp_client_set_reconnect()), is running again: the greeting was read
   * and capabilities negotiated afresh.
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
 */
AqmpClient *
aqmp_client_new (void)
{
  return g_object_new (AQMP_TYPE_CLIENT, NULL);
}
