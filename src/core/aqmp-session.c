/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmp-error.h"
#include "aqmp-mailbox-private.h"
#include "aqmp-reader-private.h"
#include "aqmp-session-private.h"
#include "aqmp-writer-private.h"

/* how long replies already sent by the server are read after a write error */
#define AQMP_WRITE_ERROR_DRAIN 1000

struct _AqmpSession {
  GObject parent_instance;
  GMainContext *context;
  const AqmpSessionCallbacks *callbacks;
  gpointer user_data;           /* the owner, unowned: it closes us before it goes */
  gboolean closed;

  /* the data path */
  GCancellable *cancellable;    /* every I/O operation of this connection */
  GIOStream *stream;            /* once the transport is up */
  AqmpMailbox *mailbox;
  AqmpReader *reader;
  AqmpWriter *writer;
  gboolean trace;

  /* negotiation, as the owner runs it */
  gboolean negotiated;          /* commands may go; false again while resyncing */
  gboolean oob_enabled;
  gboolean handshaking;
  gboolean greeted;

  /* the connect call's bounds, until negotiated */
  guint deadline_ms;
  GSource *deadline_source;
  GSource *cancel_source;

  /* a write failed: the connection only reads what is left, until EOF
   * or the drain timer, then ends with this cause */
  GError *write_error;
  GSource *drain_source;

  AqmpSessionClosedFunc closed_func;
  gpointer closed_data;
};

G_DEFINE_FINAL_TYPE (AqmpSession, aqmp_session, G_TYPE_OBJECT)

static const AqmpReaderCallbacks reader_callbacks;
static void aqmp_session_flush (AqmpSession *self);
static void aqmp_session_written_cb (gpointer user_data, guint64 id);
static void aqmp_session_writer_failed_cb (gpointer user_data, const GError *error);

static void
aqmp_session_clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static GSource *
aqmp_session_attach (AqmpSession *self, GSource *source, GSourceFunc func, const gchar *name)
{
  g_source_set_callback (source, func, self, NULL);
  if (name != NULL)
    g_source_set_static_name (source, name);
  g_source_attach (source, self->context);
  return source;
}

/* the end is told once, and never by a session that was given up */
static void
aqmp_session_report_lost (AqmpSession *self, const GError *cause)
{
  g_autoptr(AqmpSession) keep = g_object_ref (self);

  if (self->closed)
    return;
  self->callbacks->lost (self->user_data, cause);
}

/* ----- the transport: bounded, then opened ----- */

static gboolean
aqmp_session_deadline_cb (gpointer user_data)
{
  AqmpSession *self = user_data;
  g_autoptr(GError) cause = NULL;

  if (self->stream == NULL)
    cause = g_error_new (AQMP_ERROR, AQMP_ERROR_TIMEOUT,
                         "timed out after %u ms waiting for the connection", self->deadline_ms);
  else if (!self->greeted)
    cause = g_error_new (AQMP_ERROR, AQMP_ERROR_TIMEOUT,
                         "timed out after %u ms waiting for the server's greeting (is another client connected%s?)",
                         self->deadline_ms,
                         G_IS_TCP_CONNECTION (self->stream) ? ", or does the monitor expect TLS" : "");
  else
    cause = g_error_new (AQMP_ERROR, AQMP_ERROR_TIMEOUT,
                         "timed out after %u ms negotiating capabilities", self->deadline_ms);
  g_clear_pointer (&self->deadline_source, g_source_unref);
  aqmp_session_report_lost (self, cause);
  return G_SOURCE_REMOVE;
}

static gboolean
aqmp_session_cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  AqmpSession *self = user_data;

  g_clear_pointer (&self->cancel_source, g_source_unref);
  /* the connect call sees its cancellable and reports G_IO_ERROR_CANCELLED */
  aqmp_session_report_lost (self, NULL);
  return G_SOURCE_REMOVE;
}

/**
 * aqmp_session_bound:
 * @timeout_ms: the connect deadline; 0 for none
 * @cancellable: (nullable): the connect call's
 *
 * Bounds connecting, the greeting and negotiation: the deadline ends the
 * session as lost with %AQMP_ERROR_TIMEOUT, @cancellable as a clean end.
 * Both stop once negotiated.
 */
void
aqmp_session_bound (AqmpSession *self, guint timeout_ms, GCancellable *cancellable)
{
  self->deadline_ms = timeout_ms;
  if (timeout_ms > 0)
    self->deadline_source = aqmp_session_attach (self, g_timeout_source_new (timeout_ms),
                                                 aqmp_session_deadline_cb, "[aqmp] connect timeout");
  if (cancellable != NULL)
    self->cancel_source = aqmp_session_attach (self, g_cancellable_source_new (cancellable),
                                               G_SOURCE_FUNC (aqmp_session_cancelled_cb), NULL);
}

static void
aqmp_session_unbound (AqmpSession *self)
{
  aqmp_session_clear_source (&self->deadline_source);
  aqmp_session_clear_source (&self->cancel_source);
}

/* descriptors go only over a Unix socket, straight, with no TLS between */
GSocket *
aqmp_session_get_unix_socket (AqmpSession *self)
{
  GSocket *socket;

  if (self->stream == NULL || !G_IS_SOCKET_CONNECTION (self->stream))
    return NULL;
  socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (self->stream));
  return g_socket_get_family (socket) == G_SOCKET_FAMILY_UNIX ? socket : NULL;
}

/**
 * aqmp_session_open:
 *
 * The transport is up: starts reading and writing @stream, which the
 * session closes at its end, and tells the owner.
 */
void
aqmp_session_open (AqmpSession *self, GIOStream *stream)
{
  g_return_if_fail (self->stream == NULL);

  self->stream = g_object_ref (stream);
  self->writer = aqmp_writer_new (g_io_stream_get_output_stream (stream), self->cancellable,
                                  aqmp_session_written_cb, aqmp_session_writer_failed_cb, self);
  aqmp_writer_set_socket (self->writer, aqmp_session_get_unix_socket (self));
  /* QEMU 7.2 acts on a TLS record only once the next one arrives */
  if (G_IS_TLS_CONNECTION (stream))
    aqmp_writer_set_separate_newline (self->writer, TRUE);
  self->reader = aqmp_reader_new (g_io_stream_get_input_stream (stream), self->cancellable,
                                  self->mailbox, &reader_callbacks, self);
  aqmp_reader_set_writer (self->reader, self->writer);
  if (G_IS_SOCKET_CONNECTION (stream))
    aqmp_reader_set_socket (self->reader, g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream)));
  aqmp_reader_set_trace (self->reader, self->trace);
  aqmp_reader_start (self->reader);
  /* raw bytes a handshake queued meanwhile may go */
  aqmp_session_flush (self);
  self->callbacks->opened (self->user_data);
}

/* an attempt that was given up finds its session closed: the stream it
 * made is dropped */
static void
aqmp_session_take_transport (AqmpSession *self, GIOStream *stream, const GError *error)
{
  if (self->closed)
    return;
  if (stream == NULL)
    {
      aqmp_session_report_lost (self, error);
      return;
    }
  aqmp_session_open (self, stream);
}

static void
aqmp_session_connected_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(AqmpSession) self = user_data;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  stream = aqmp_connector_connect_finish (AQMP_CONNECTOR (source), res, &error);
  aqmp_session_take_transport (self, stream, error);
}

/* connects to @address, which the connector checked */
void
aqmp_session_connect (AqmpSession *self, AqmpConnector *connector, const gchar *address)
{
  aqmp_connector_connect_async (connector, address, self->cancellable,
                                aqmp_session_connected_cb, g_object_ref (self));
}

static void
aqmp_session_accepted_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(AqmpSession) self = user_data;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  stream = aqmp_connector_accept_finish (AQMP_CONNECTOR (source), res, &error);
  aqmp_session_take_transport (self, stream, error);
}

/* waits for the server to connect to the connector's listening socket */
void
aqmp_session_accept (AqmpSession *self, AqmpConnector *connector)
{
  aqmp_connector_accept_async (connector, self->cancellable,
                               aqmp_session_accepted_cb, g_object_ref (self));
}

/* ----- inbound: the reader routes replies to the mailbox, the rest to
 * the owner ----- */

/* a protocol variant may survive a timeout or garbage by resyncing: the
 * replies to what was sent are lost in what the resync discards */
static gboolean
aqmp_session_try_recover (AqmpSession *self, const GError *error, gboolean reading)
{
  if (self->write_error != NULL || g_error_matches (error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED)
      || !self->callbacks->may_recover (self->user_data, error))
    return FALSE;
  /* the reader starts afresh before the handshake tells it what to skip */
  if (reading)
    aqmp_reader_recover (self->reader);
  g_debug ("resynchronising after: %s", error->message);
  self->negotiated = FALSE;
  aqmp_mailbox_fail_sent (self->mailbox, error);
  if (!self->closed && aqmp_mailbox_get_n_pending (self->mailbox) > 0)
    self->callbacks->resync (self->user_data);
  return TRUE;
}

static void
aqmp_session_call_timed_out_cb (gpointer user_data, const GError *error)
{
  AqmpSession *self = user_data;
  g_autoptr(AqmpSession) keep = g_object_ref (self);

  if (!self->closed)
    aqmp_session_try_recover (self, error, FALSE);
}

static void
aqmp_session_greeting_cb (gpointer user_data, JsonObject *greeting)
{
  AqmpSession *self = user_data;

  self->greeted = TRUE;
  self->callbacks->greeting (self->user_data, greeting);
}

static void
aqmp_session_event_cb (gpointer user_data, AqmpEvent *event)
{
  AqmpSession *self = user_data;

  self->callbacks->event (self->user_data, event);
}

static void
aqmp_session_replied_cb (gpointer user_data)
{
  AqmpSession *self = user_data;

  /* a reply may have freed an in-band slot */
  if (self->oob_enabled)
    aqmp_session_flush (self);
}

static void
aqmp_session_reader_failed_cb (gpointer user_data, const GError *error)
{
  AqmpSession *self = user_data;
  g_autoptr(AqmpSession) keep = g_object_ref (self);

  if (aqmp_session_try_recover (self, error, TRUE))
    return;
  /* QEMU closes the connection after answering quit: that is success */
  if (g_error_matches (error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED)
      && aqmp_mailbox_has_succeeded (self->mailbox, "quit"))
    {
      g_debug ("server closed the connection after quit");
      aqmp_session_report_lost (self, NULL);
      return;
    }
  /* the server hanging up is no news after a write error: that came first */
  if (self->write_error != NULL && aqmp_reader_reached_eof (self->reader))
    {
      aqmp_session_report_lost (self, self->write_error);
      return;
    }
  aqmp_session_report_lost (self, error);
}

static const AqmpReaderCallbacks reader_callbacks = {
  .greeting = aqmp_session_greeting_cb,
  .event = aqmp_session_event_cb,
  .replied = aqmp_session_replied_cb,
  .failed = aqmp_session_reader_failed_cb,
};

/**
 * aqmp_session_skip_input_past:
 *
 * Discards input up to and including the next @delimiter.
 */
void
aqmp_session_skip_input_past (AqmpSession *self, guint8 delimiter)
{
  if (self->reader == NULL)
    return;
  aqmp_framer_skip_past (aqmp_reader_get_framer (self->reader), delimiter);
}

/* ----- outbound: the mailbox's queue feeds the writer ----- */

static void
aqmp_session_flush (AqmpSession *self)
{
  /* taken only where a call's callback may run: no reference per message */
  g_autoptr(AqmpSession) keep = NULL;
  AqmpMailboxSend send;

  if (self->writer == NULL)
    return;
  while (aqmp_mailbox_next_unsent (self->mailbox, self->negotiated, self->oob_enabled, &send))
    {
      g_autoptr(GBytes) wire = g_steal_pointer (&send.wire);
      g_autoptr(GUnixFDList) fds = g_steal_pointer (&send.fds);
      g_autofree gchar *trace = g_steal_pointer (&send.trace);

      if (send.raw)
        {
          aqmp_writer_enqueue (self->writer, wire, NULL, 0, FALSE);
          continue;
        }
      /* the trace shows a redacted copy, never the bytes on the wire */
      if (self->trace && trace != NULL)
        g_debug ("--> %s%s", trace, fds != NULL ? " (with file descriptors)" : "");
      if (fds != NULL && aqmp_session_get_unix_socket (self) == NULL)
        {
          g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                                         "cannot pass file descriptors: the connection is not a Unix socket");
          if (keep == NULL)
            keep = g_object_ref (self);
          aqmp_mailbox_fail_call (self->mailbox, send.id, error);
          continue;
        }
      /* told when it is written whole, to know what a write error loses */
      aqmp_writer_enqueue (self->writer, wire, fds, send.id, TRUE);
    }
}

/**
 * aqmp_session_post:
 *
 * Posts a call to the mailbox and lets go what may go now. See
 * aqmp_mailbox_post().
 */
void
aqmp_session_post (AqmpSession      *self,
                   GTask            *task,
                   const gchar      *command,
                   JsonObject       *arguments,
                   GUnixFDList      *fds,
                   AqmpExecuteFlags  flags,
                   guint             timeout_ms,
                   gsize             max_reply_size,
                   GCancellable     *cancellable)
{
  aqmp_mailbox_post (self->mailbox, task, command, arguments, fds, flags, timeout_ms,
                     max_reply_size, cancellable);
  aqmp_session_flush (self);
}

/* fails every call in the mailbox, sent or not */
void
aqmp_session_fail_calls (AqmpSession *self, const GError *error)
{
  aqmp_mailbox_fail_all (self->mailbox, error);
}

/**
 * aqmp_session_send_raw:
 *
 * Queues bytes that are no request, such as the guest agent's 0xFF parser
 * reset, behind what was posted before them; like a handshake's request
 * they go out while negotiation holds the other calls.
 */
void
aqmp_session_send_raw (AqmpSession *self, GBytes *bytes)
{
  if (self->closed)
    return;
  aqmp_mailbox_post_raw (self->mailbox, bytes);
  aqmp_session_flush (self);
}

/* what waits to be written: with the writer's queue, the mailbox's */
gsize
aqmp_session_get_queued (AqmpSession *self)
{
  if (self->writer == NULL)
    return 0;
  return aqmp_writer_get_queued (self->writer) + aqmp_mailbox_get_unsent_size (self->mailbox);
}

static void
aqmp_session_written_cb (gpointer user_data, guint64 id)
{
  AqmpSession *self = user_data;

  aqmp_mailbox_written (self->mailbox, id);
}

static gboolean
aqmp_session_drain_timeout_cb (gpointer user_data)
{
  AqmpSession *self = user_data;

  g_clear_pointer (&self->drain_source, g_source_unref);
  g_debug ("the server did not close the connection after the write error");
  aqmp_session_report_lost (self, self->write_error);
  return G_SOURCE_REMOVE;
}

/* what was not written whole can never be answered and fails now; replies
 * the server already sent (quit's, say) are still read, for a while */
static void
aqmp_session_writer_failed_cb (gpointer user_data, const GError *error)
{
  AqmpSession *self = user_data;
  g_autoptr(AqmpSession) keep = g_object_ref (self);
  g_autoptr(GError) loss = NULL;

  self->write_error = g_error_new (AQMP_ERROR, AQMP_ERROR_DISCONNECTED,
                                   "error writing to server: %s", error->message);
  g_debug ("%s; reading what is left", self->write_error->message);
  self->drain_source = aqmp_session_attach (self, g_timeout_source_new (AQMP_WRITE_ERROR_DRAIN),
                                            aqmp_session_drain_timeout_cb,
                                            "[aqmp] drain after write error");
  loss = g_error_new (AQMP_ERROR, AQMP_ERROR_DISCONNECTED, "connection lost: %s",
                      self->write_error->message);
  aqmp_mailbox_fail_unwritten (self->mailbox, loss);
}

/* ----- negotiation, as the owner runs it ----- */

/* the owner asked for out-of-band execution: at most 8 in-band calls go
 * out at a time from now on */
void
aqmp_session_enable_oob (AqmpSession *self)
{
  self->oob_enabled = TRUE;
}

gboolean
aqmp_session_get_oob_enabled (AqmpSession *self)
{
  return self->negotiated && self->oob_enabled;
}

/* commands may go: the connect call's bounds end, what waited goes out */
void
aqmp_session_set_negotiated (AqmpSession *self)
{
  self->negotiated = TRUE;
  aqmp_session_unbound (self);
  aqmp_session_flush (self);
}

gboolean
aqmp_session_is_negotiated (AqmpSession *self)
{
  return self->negotiated;
}

/* whether the owner may start a protocol handshake: one at a time */
gboolean
aqmp_session_begin_handshake (AqmpSession *self)
{
  if (self->handshaking)
    return FALSE;
  self->handshaking = TRUE;
  return TRUE;
}

void
aqmp_session_end_handshake (AqmpSession *self)
{
  self->handshaking = FALSE;
}

/* whether the reader met a greeting */
gboolean
aqmp_session_has_greeted (AqmpSession *self)
{
  return self->greeted;
}

/* ----- what the connection is ----- */

GIOStream *
aqmp_session_get_stream (AqmpSession *self)
{
  return self->stream;
}

/* cancelled when the session closes; for the operations of a handshake */
GCancellable *
aqmp_session_get_cancellable (AqmpSession *self)
{
  return self->cancellable;
}

/* the write error, while the connection drains after it */
const GError *
aqmp_session_get_write_error (AqmpSession *self)
{
  return self->write_error;
}

/* ----- the end ----- */

/* no callback, timer, read or write of this session runs after this */
static void
aqmp_session_stop (AqmpSession *self)
{
  self->closed = TRUE;
  aqmp_session_unbound (self);
  aqmp_session_clear_source (&self->drain_source);
  g_cancellable_cancel (self->cancellable);
  if (self->reader != NULL)
    aqmp_reader_stop (self->reader);
  if (self->writer != NULL)
    aqmp_writer_stop (self->writer);
}

static void
aqmp_session_closed_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(AqmpSession) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_io_stream_close_finish (G_IO_STREAM (source), res, &error))
    g_debug ("closing the connection: %s", error->message);
  self->closed_func (self->closed_data);
}

/**
 * aqmp_session_close:
 * @loss: what every call still in the mailbox fails with
 * @done: called once the stream is closed (at once when there is none)
 *
 * The I/O half of the one teardown: stops every source of the session,
 * fails its calls and closes the stream.
 */
void
aqmp_session_close (AqmpSession           *self,
                    const GError          *loss,
                    AqmpSessionClosedFunc  done,
                    gpointer               user_data)
{
  g_autoptr(AqmpSession) keep = g_object_ref (self);

  g_return_if_fail (!self->closed);

  aqmp_session_stop (self);
  aqmp_mailbox_fail_all (self->mailbox, loss);
  if (self->stream == NULL)
    {
      done (user_data);
      return;
    }
  self->closed_func = done;
  self->closed_data = user_data;
  g_io_stream_close_async (self->stream, G_PRIORITY_DEFAULT, NULL,
                           aqmp_session_closed_cb, g_object_ref (self));
}

/* dropping the client closes the connection at once */
void
aqmp_session_abort (AqmpSession *self)
{
  aqmp_session_stop (self);
  aqmp_mailbox_set_timeout_func (self->mailbox, NULL, NULL);
  if (self->stream != NULL)
    g_io_stream_close (self->stream, NULL, NULL);
}

gboolean
aqmp_session_is_closed (AqmpSession *self)
{
  return self->closed;
}

static void
aqmp_session_finalize (GObject *object)
{
  AqmpSession *self = AQMP_SESSION (object);

  aqmp_session_unbound (self);
  aqmp_session_clear_source (&self->drain_source);
  g_clear_object (&self->reader);
  g_clear_object (&self->writer);
  g_clear_object (&self->mailbox);
  g_clear_object (&self->stream);
  g_clear_object (&self->cancellable);
  g_clear_error (&self->write_error);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (aqmp_session_parent_class)->finalize (object);
}

static void
aqmp_session_class_init (AqmpSessionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = aqmp_session_finalize;
}

static void
aqmp_session_init (AqmpSession *self)
{
  self->cancellable = g_cancellable_new ();
}

/**
 * aqmp_session_new:
 * @context: where every source of the session runs: the client's
 * @line_ending: what ends each request
 * @max_message_size: the limit of every message but the replies of calls
 *   allowed more
 * @no_reply_grace: how long a command without a reply waits for an error
 * @callbacks: (not nullable): the owner's, static
 * @user_data: the owner; it must close or abort the session before it goes
 */
AqmpSession *
aqmp_session_new (GMainContext               *context,
                  const gchar                *line_ending,
                  gsize                       max_message_size,
                  guint                       no_reply_grace,
                  const AqmpSessionCallbacks *callbacks,
                  gpointer                    user_data)
{
  AqmpSession *self = g_object_new (AQMP_TYPE_SESSION, NULL);

  self->context = g_main_context_ref (context);
  self->callbacks = callbacks;
  self->user_data = user_data;
  self->trace = !g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN);
  self->mailbox = aqmp_mailbox_new (context, line_ending);
  aqmp_mailbox_set_no_reply_grace (self->mailbox, no_reply_grace);
  aqmp_mailbox_set_max_message_size (self->mailbox, max_message_size);
  aqmp_mailbox_set_timeout_func (self->mailbox, aqmp_session_call_timed_out_cb, self);
  aqmp_mailbox_set_trace (self->mailbox, self->trace);
  return self;
}
