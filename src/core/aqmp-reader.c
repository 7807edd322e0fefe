/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmp-error.h"
#include "aqmp-message-private.h"
#include "aqmp-reader-private.h"

/* reads start small, so that an idle connection costs little memory, and
 * grow while they come back full, for throughput */
#define AQMP_READER_MIN_CHUNK (4 * 1024)
#define AQMP_READER_MAX_CHUNK (64 * 1024)

struct _AqmpReader {
  GObject parent_instance;
  GInputStream *stream;
  GSocket *socket;          /* nullable: the stream's own socket, polled directly */
  GCancellable *cancellable;
  AqmpMailbox *mailbox;
  AqmpWriter *writer;       /* nullable: where the handlers' requests go */
  const AqmpReaderCallbacks *callbacks;
  gpointer user_data;

  AqmpFramer *framer;
  guint8 *chunk;
  gsize chunk_size;
  GSource *source;          /* readable: when the stream can be polled */
  gboolean trace;
  gboolean reading;
  gboolean stopped;
  gboolean eof;             /* the peer closed: the failure was the end */
};

G_DEFINE_FINAL_TYPE (AqmpReader, aqmp_reader, G_TYPE_OBJECT)

static void aqmp_reader_read (AqmpReader *self);

/* the first failure wins; after it the reader is silent */
static void
aqmp_reader_fail (AqmpReader *self, const GError *error)
{
  if (self->stopped)
    return;
  self->stopped = TRUE;
  self->callbacks->failed (self->user_data, error);
}

/* a message read whole under a call's larger limit may still be over its
 * own: an event, a greeting or a reply that names no call gets the limit
 * it would have had on its own */
static gboolean
aqmp_reader_check_size (AqmpReader *self, AqmpMessage *message, gsize length)
{
  g_autoptr(GError) error = NULL;
  gsize limit = aqmp_mailbox_get_max_message_size (self->mailbox);
  guint64 id;

  if (length <= limit)
    return TRUE;
  if (message->kind == AQMP_MESSAGE_REPLY && aqmp_message_reply_get_id (message, &id))
    return TRUE;
  error = g_error_new (AQMP_ERROR, AQMP_ERROR_TOO_LARGE,
                       "message of %" G_GSIZE_FORMAT " bytes exceeds the size limit of %"
                       G_GSIZE_FORMAT " bytes", length, limit);
  aqmp_reader_fail (self, error);
  return FALSE;
}

static void
aqmp_reader_dispatch (AqmpReader *self, AqmpMessage *message, gsize length)
{
  g_autoptr(GError) error = NULL;

  if (!aqmp_reader_check_size (self, message, length))
    return;
  switch (message->kind)
    {
    case AQMP_MESSAGE_GREETING:
      self->callbacks->greeting (self->user_data, message->object);
      break;
    case AQMP_MESSAGE_EVENT:
      self->callbacks->event (self->user_data, message->event);
      break;
    case AQMP_MESSAGE_REPLY:
      if (!aqmp_mailbox_deliver (self->mailbox, message, length, &error))
        {
          aqmp_reader_fail (self, error);
          return;
        }
      if (!self->stopped)
        self->callbacks->replied (self->user_data);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* a message over the read limit went by unread: only its call fails,
 * when it names one */
static void
aqmp_reader_skipped (AqmpReader *self, gsize length, gsize limit)
{
  g_autoptr(GError) error = NULL;
  const gchar *id = aqmp_framer_get_skipped_id (self->framer);

  if (self->trace)
    g_debug ("<-- (%" G_GSIZE_FORMAT " bytes over the size limit of %" G_GSIZE_FORMAT
             ", skipped; id %s)", length, limit, id != NULL ? id : "none");
  if (!aqmp_mailbox_deliver_oversized (self->mailbox, id, length, limit, &error))
    {
      aqmp_reader_fail (self, error);
      return;
    }
  if (!self->stopped)
    self->callbacks->replied (self->user_data);
}

/* the framer holds at most what the calls waiting now allow */
static gsize
aqmp_reader_update_limit (AqmpReader *self)
{
  gsize limit = aqmp_mailbox_get_read_limit (self->mailbox);

  aqmp_framer_set_max_size (self->framer, limit);
  return limit;
}

/* hands every complete message to its destination, in order */
static void
aqmp_reader_drain (AqmpReader *self)
{
  const gchar *data = NULL;
  gsize length = 0;
  gsize limit = aqmp_reader_update_limit (self);
  g_autoptr(GError) error = NULL;

  while (!self->stopped && aqmp_framer_next (self->framer, &data, &length, &error))
    {
      g_auto(AqmpMessage) message = { 0, };

      if (data == NULL)
        aqmp_reader_skipped (self, length, limit);
      else
        {
          if (self->trace)
            g_debug ("<-- %.*s", (int) MIN (length, G_MAXINT), data);
          if (!aqmp_message_parse (data, length, &message, &error))
            break;
          aqmp_reader_dispatch (self, &message, length);
        }
      limit = aqmp_reader_update_limit (self);
    }
  if (error != NULL)
    aqmp_reader_fail (self, error);
}

/* requests sent by the handlers of these messages go out in one write */
static void
aqmp_reader_drain_batched (AqmpReader *self)
{
  g_autoptr(AqmpWriter) writer = self->writer != NULL ? g_object_ref (self->writer) : NULL;

  if (writer != NULL)
    aqmp_writer_hold (writer);
  aqmp_reader_drain (self);
  if (writer != NULL)
    aqmp_writer_release (writer);
}

/* a read returned @n bytes, 0 at the end, or -1 with @error */
static void
aqmp_reader_take (AqmpReader *self, gssize n, const GError *error)
{
  g_autoptr(GError) cause = NULL;

  if (n < 0)
    {
      cause = g_error_new (AQMP_ERROR, AQMP_ERROR_DISCONNECTED,
                           "error reading from server: %s", error->message);
      aqmp_reader_fail (self, cause);
      return;
    }
  if (n == 0)
    {
      self->eof = TRUE;
      if (aqmp_framer_is_mid_message (self->framer))
        cause = g_error_new_literal (AQMP_ERROR, AQMP_ERROR_DISCONNECTED,
                                     "server closed the connection in the middle of a message");
      else
        cause = g_error_new_literal (AQMP_ERROR, AQMP_ERROR_DISCONNECTED,
                                     "server closed the connection");
      aqmp_reader_fail (self, cause);
      return;
    }
  aqmp_framer_push (self->framer, self->chunk, (gsize) n);
  if ((gsize) n == self->chunk_size && self->chunk_size < AQMP_READER_MAX_CHUNK)
    {
      self->chunk_size *= 2;
      self->chunk = g_realloc (self->chunk, self->chunk_size);
    }
  aqmp_reader_drain_batched (self);
}

static void
aqmp_reader_read_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(AqmpReader) self = user_data;
  g_autoptr(GError) error = NULL;
  gssize n;

  self->reading = FALSE;
  n = g_input_stream_read_finish (G_INPUT_STREAM (source), res, &error);
  if (self->stopped)
    return;
  aqmp_reader_take (self, n, error);
  aqmp_reader_read (self);
}

static void
aqmp_reader_stop_polling (AqmpReader *self)
{
  if (self->source == NULL)
    return;
  g_source_destroy (self->source);
  g_clear_pointer (&self->source, g_source_unref);
}

/* the stream is readable (or the cancellable fired): read what is there
 * without a GTask or a new source per read */
static gboolean
aqmp_reader_readable (AqmpReader *self)
{
  g_autoptr(AqmpReader) ref = g_object_ref (self);
  g_autoptr(GError) error = NULL;
  gssize n;

  n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (self->stream), self->chunk,
                                                self->chunk_size, self->cancellable, &error);
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return G_SOURCE_CONTINUE;
  if (!self->stopped)
    aqmp_reader_take (self, n, error);
  if (!self->stopped)
    return G_SOURCE_CONTINUE;
  aqmp_reader_stop_polling (self);
  return G_SOURCE_REMOVE;
}

static gboolean
aqmp_reader_stream_readable_cb (GObject *stream, gpointer user_data)
{
  return aqmp_reader_readable (user_data);
}

static gboolean
aqmp_reader_socket_readable_cb (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  return aqmp_reader_readable (user_data);
}

/*
 * The source that tells the stream is readable. On a plain socket it is
 * the socket's own, allowed to recurse: GLib takes a source's descriptor
 * out of the poll set around each dispatch unless it may recurse, and
 * that costs two wakeups of the main context per read. Recursing is
 * safe: a nested read appends to the framer and drains it in order. A
 * stream's pollable source has child sources (the socket's, the
 * cancellable's) that GLib blocks all the same, so it stays for streams
 * such as TLS, whose bytes do not come straight from the socket.
 */
static GSource *
aqmp_reader_create_source (AqmpReader *self)
{
  GSource *source;

  if (self->socket != NULL)
    {
      source = g_socket_create_source (self->socket, G_IO_IN, NULL);
      g_source_set_callback (source, G_SOURCE_FUNC (aqmp_reader_socket_readable_cb), self, NULL);
      g_source_set_can_recurse (source, TRUE);
    }
  else
    {
      source = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (self->stream), self->cancellable);
      g_source_set_callback (source, G_SOURCE_FUNC (aqmp_reader_stream_readable_cb), self, NULL);
    }
  g_source_set_static_name (source, "[aqmp] reader");
  return source;
}

static gboolean
aqmp_reader_can_poll (AqmpReader *self)
{
  return G_IS_POLLABLE_INPUT_STREAM (self->stream)
         && g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (self->stream));
}

static void
aqmp_reader_read (AqmpReader *self)
{
  if (self->stopped || self->reading || self->source != NULL)
    return;
  if (aqmp_reader_can_poll (self))
    {
      self->source = aqmp_reader_create_source (self);
      g_source_attach (self->source, g_main_context_get_thread_default ());
      return;
    }
  self->reading = TRUE;
  g_input_stream_read_async (self->stream, self->chunk, self->chunk_size,
                             G_PRIORITY_DEFAULT, self->cancellable,
                             aqmp_reader_read_cb, g_object_ref (self));
}

void
aqmp_reader_set_writer (AqmpReader *self, AqmpWriter *writer)
{
  g_set_object (&self->writer, writer);
}

/* @socket is the one @stream reads from, with nothing in between */
void
aqmp_reader_set_socket (AqmpReader *self, GSocket *socket)
{
  g_set_object (&self->socket, socket);
}

void
aqmp_reader_start (AqmpReader *self)
{
  aqmp_reader_read (self);
}

/* no more callbacks; a read under way ends through the cancellable */
void
aqmp_reader_stop (AqmpReader *self)
{
  self->stopped = TRUE;
  aqmp_reader_stop_polling (self);
}

/* after a failure the owner chose to survive: drop what is buffered and
 * carry on reading; the owner resynchronises the stream */
void
aqmp_reader_recover (AqmpReader *self)
{
  aqmp_framer_reset (self->framer);
  self->stopped = FALSE;
  aqmp_reader_read (self);
}

void
aqmp_reader_set_trace (AqmpReader *self, gboolean trace)
{
  self->trace = trace;
}

/* whether the failure reported was the end of the stream, rather than
 * a read error or a bad message */
gboolean
aqmp_reader_reached_eof (AqmpReader *self)
{
  return self->eof;
}

AqmpFramer *
aqmp_reader_get_framer (AqmpReader *self)
{
  return self->framer;
}

static void
aqmp_reader_finalize (GObject *object)
{
  AqmpReader *self = AQMP_READER (object);

  aqmp_reader_stop_polling (self);
  g_object_unref (self->stream);
  g_clear_object (&self->cancellable);
  g_object_unref (self->mailbox);
  g_clear_object (&self->writer);
  g_clear_object (&self->socket);
  aqmp_framer_free (self->framer);
  g_free (self->chunk);
  G_OBJECT_CLASS (aqmp_reader_parent_class)->finalize (object);
}

static void
aqmp_reader_class_init (AqmpReaderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = aqmp_reader_finalize;
}

static void
aqmp_reader_init (AqmpReader *self)
{
  self->chunk_size = AQMP_READER_MIN_CHUNK;
  self->chunk = g_malloc (self->chunk_size);
}

AqmpReader *
aqmp_reader_new (GInputStream              *stream,
                 GCancellable              *cancellable,
                 AqmpMailbox               *mailbox,
                 const AqmpReaderCallbacks *callbacks,
                 gpointer                   user_data)
{
  AqmpReader *self = g_object_new (AQMP_TYPE_READER, NULL);

  self->stream = g_object_ref (stream);
  self->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  self->mailbox = g_object_ref (mailbox);
  /* the limits are the mailbox's: per message, from the calls waiting */
  self->framer = aqmp_framer_new (aqmp_mailbox_get_max_message_size (mailbox));
  aqmp_framer_set_skip_oversized (self->framer, TRUE);
  self->callbacks = callbacks;
  self->user_data = user_data;
  return self;
}
