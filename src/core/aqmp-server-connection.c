/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "aqmp-framer-private.h"
#include "aqmp-json.h"
#include "aqmp-json-private.h"
#include "aqmp-server-connection-private.h"

/* QEMU's own token limit; beyond this the input is skipped */
#define AQMP_SERVER_CONNECTION_MAX_MESSAGE_SIZE (64 * 1024 * 1024)
#define AQMP_SERVER_CONNECTION_READ_SIZE 16384

struct _AqmpServerConnection {
  GObject parent_instance;

  guint id;
  GMainContext *context;
  GIOStream *stream;
  GCancellable *cancellable;
  AqmpFramer *framer;
  guint8 *read_buf;
  gchar *line_ending;
  gsize chunk_size;
  AqmpServerConnectionFlags flags;

  GQueue outq;              /* GBytes, written in order */
  gsize out_offset;         /* bytes of the head already written */
  GSource *chunk_source;    /* waits one iteration between chunks */

  gboolean read_pending;
  gboolean write_pending;
  gboolean paused;          /* no new reads until resumed */
  gboolean closing;         /* close once the queue is written */
  gboolean closed;
  gboolean stream_closed;
};

G_DEFINE_FINAL_TYPE (AqmpServerConnection, aqmp_server_connection, G_TYPE_OBJECT)

enum {
  SIGNAL_REQUEST,
  SIGNAL_CLOSED,
  SIGNAL_LAST
};

static guint signals[SIGNAL_LAST] = { 0 };

static void aqmp_server_connection_write_next (AqmpServerConnection *self);
static void aqmp_server_connection_read_next (AqmpServerConnection *self);

guint
aqmp_server_connection_get_id (AqmpServerConnection *self)
{
  return self->id;
}

void
aqmp_server_connection_set_line_ending (AqmpServerConnection *self, const gchar *line_ending)
{
  g_free (self->line_ending);
  self->line_ending = g_strdup (line_ending);
}

void
aqmp_server_connection_set_chunk_size (AqmpServerConnection *self, gsize chunk_size)
{
  self->chunk_size = chunk_size;
}

/* a paused connection issues no reads, so the client's writes back up */
void
aqmp_server_connection_set_paused (AqmpServerConnection *self, gboolean paused)
{
  if (self->paused == !!paused)
    return;
  self->paused = !!paused;
  if (!paused)
    aqmp_server_connection_read_next (self);
}

gboolean
aqmp_server_connection_has_flag (AqmpServerConnection *self, AqmpServerConnectionFlags flag)
{
  return (self->flags & flag) != 0;
}

void
aqmp_server_connection_set_flag (AqmpServerConnection      *self,
                                 AqmpServerConnectionFlags  flag,
                                 gboolean                   value)
{
  if (value)
    self->flags |= flag;
  else
    self->flags &= ~flag;
}

/* TRUE once no more output is accepted */
gboolean
aqmp_server_connection_is_closing (AqmpServerConnection *self)
{
  return self->closing;
}

static void
aqmp_server_connection_close_stream (AqmpServerConnection *self)
{
  g_autoptr(GError) error = NULL;

  /* a stream with operations pending refuses to close */
  if (self->stream_closed || self->read_pending || self->write_pending)
    return;
  self->stream_closed = TRUE;
  if (!g_io_stream_close (self->stream, NULL, &error))
    g_debug ("connection %u: close failed: %s", self->id, error->message);
}

static void
aqmp_server_connection_source_destroy (gpointer data)
{
  GSource *source = data;

  g_source_destroy (source);
  g_source_unref (source);
}

/* closes at once, dropping unwritten output */
void
aqmp_server_connection_close (AqmpServerConnection *self)
{
  g_autoptr(AqmpServerConnection) keep = NULL;

  if (self->closed)
    return;
  keep = g_object_ref (self);
  g_debug ("connection %u: closing", self->id);
  self->closed = TRUE;
  self->closing = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_clear_pointer (&self->chunk_source, aqmp_server_connection_source_destroy);
  g_queue_clear_full (&self->outq, (GDestroyNotify) g_bytes_unref);
  g_queue_init (&self->outq);

  /* a socket closes at once even with operations pending: EOF now */
  if (G_IS_SOCKET_CONNECTION (self->stream))
    g_socket_close (g_socket_connection_get_socket (G_SOCKET_CONNECTION (self->stream)), NULL);
  aqmp_server_connection_close_stream (self);
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0);
}

/* closes once everything queued so far has been written */
void
aqmp_server_connection_close_after_flush (AqmpServerConnection *self)
{
  g_autoptr(AqmpServerConnection) keep = g_object_ref (self);

  self->closing = TRUE;
  aqmp_server_connection_write_next (self);
}

void
aqmp_server_connection_send_bytes (AqmpServerConnection *self, GBytes *bytes)
{
  if (self->closing || g_bytes_get_size (bytes) == 0)
    return;
  g_queue_push_tail (&self->outq, g_bytes_ref (bytes));
  aqmp_server_connection_write_next (self);
}

void
aqmp_server_connection_send_object (AqmpServerConnection *self, JsonObject *message)
{
  g_autofree gchar *json = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gchar *text;

  if (self->closing)
    return;
  json = aqmp_json_object_to_string (message);
  text = g_strconcat (json, self->line_ending, NULL);
  bytes = g_bytes_new_take (text, strlen (text));
  aqmp_server_connection_send_bytes (self, bytes);
}

static gboolean
aqmp_server_connection_chunk_cb (gpointer user_data)
{
  AqmpServerConnection *self = user_data;

  g_clear_pointer (&self->chunk_source, g_source_unref);
  aqmp_server_connection_write_next (self);
  return G_SOURCE_REMOVE;
}

static void
aqmp_server_connection_write_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(AqmpServerConnection) self = user_data;
  g_autoptr(GError) error = NULL;
  gssize written = g_output_stream_write_finish (G_OUTPUT_STREAM (source), result, &error);
  GBytes *head;

  self->write_pending = FALSE;
  if (self->closed)
    {
      aqmp_server_connection_close_stream (self);
      return;
    }
  if (written < 0)
    {
      g_debug ("connection %u: write failed: %s", self->id, error->message);
      aqmp_server_connection_close (self);
      return;
    }

  head = g_queue_peek_head (&self->outq);
  self->out_offset += written;
  if (head != NULL && self->out_offset >= g_bytes_get_size (head))
    {
      g_bytes_unref (g_queue_pop_head (&self->outq));
      self->out_offset = 0;
    }

  /* one chunk per main loop iteration, at idle priority so that a reader
   * in this process gets each chunk by itself */
  if (self->chunk_size > 0 && !g_queue_is_empty (&self->outq))
    {
      self->chunk_source = g_idle_source_new ();
      g_source_set_priority (self->chunk_source, G_PRIORITY_DEFAULT_IDLE);
      g_source_set_callback (self->chunk_source, aqmp_server_connection_chunk_cb,
                             g_object_ref (self), g_object_unref);
      g_source_attach (self->chunk_source, self->context);
      return;
    }
  aqmp_server_connection_write_next (self);
}

static void
aqmp_server_connection_write_next (AqmpServerConnection *self)
{
  GBytes *head;
  const guint8 *data;
  gsize size = 0;
  gsize length;

  if (self->closed || self->write_pending || self->chunk_source != NULL)
    return;
  head = g_queue_peek_head (&self->outq);
  if (head == NULL)
    {
      if (self->closing)
        aqmp_server_connection_close (self);
      return;
    }

  data = g_bytes_get_data (head, &size);
  length = size - self->out_offset;
  if (self->chunk_size > 0)
    length = MIN (length, self->chunk_size);
  self->write_pending = TRUE;

  /* async operations attach to the thread-default context */
  g_main_context_push_thread_default (self->context);
  g_output_stream_write_async (g_io_stream_get_output_stream (self->stream),
                               data + self->out_offset, length,
                               G_PRIORITY_DEFAULT, self->cancellable,
                               aqmp_server_connection_write_cb, g_object_ref (self));
  g_main_context_pop_thread_default (self->context);
}

/* a JSON parse error carries no id, as QEMU's */
static void
aqmp_server_connection_send_parse_error (AqmpServerConnection *self, const gchar *detail)
{
  g_autofree gchar *desc = g_strdup_printf ("JSON parse error, %s", detail);
  g_autoptr(JsonObject) reply = json_object_new ();
  JsonObject *error = json_object_new ();

  json_object_set_string_member (error, "class", "GenericError");
  json_object_set_string_member (error, "desc", desc);
  json_object_set_object_member (reply, "error", error);
  aqmp_server_connection_send_object (self, reply);
}

static void
aqmp_server_connection_handle_text (AqmpServerConnection *self,
                                    const gchar          *text,
                                    gsize                 length)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;

  root = aqmp_json_parse (text, (gssize) length, &error);
  if (root == NULL)
    {
      g_debug ("connection %u: %s", self->id, error->message);
      aqmp_server_connection_send_parse_error (self, error->message);
      return;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      aqmp_server_connection_send_parse_error (self, "expected a JSON object");
      return;
    }
  g_signal_emit (self, signals[SIGNAL_REQUEST], 0, json_node_get_object (root));
}

/* handle every complete message the framer holds */
static void
aqmp_server_connection_drain (AqmpServerConnection *self)
{
  while (!self->closing)
    {
      const gchar *message = NULL;
      gsize length = 0;
      g_autoptr(GError) error = NULL;

      if (aqmp_framer_next (self->framer, &message, &length, &error))
        {
          aqmp_server_connection_handle_text (self, message, length);
          continue;
        }
      if (error == NULL)
        return;

      /* like QEMU's lexer, drop the broken input up to a sane point */
      g_debug ("connection %u: bad input: %s", self->id, error->message);
      aqmp_server_connection_send_parse_error (self, error->message);
      aqmp_framer_skip_past (self->framer, '\n');
    }
}

/* bytes that reset QEMU's parser, with one error of their own */
static gboolean
aqmp_server_connection_is_reset_byte (guchar c)
{
  if (c == 0xfe || c == 0xff)
    return TRUE;
  return c < 0x20 && c != '\t' && c != '\r' && c != '\n';
}

static void
aqmp_server_connection_feed (AqmpServerConnection *self, const guint8 *data, gsize length)
{
  gsize start = 0;

  for (gsize i = 0; i < length && !self->closing; i++)
    {
      g_autofree gchar *detail = NULL;

      if (!aqmp_server_connection_is_reset_byte (data[i]))
        continue;
      aqmp_framer_push (self->framer, data + start, i - start);
      aqmp_server_connection_drain (self);
      if (self->closing)
        return;

      /* any partial message goes with it: one error in all */
      g_debug ("connection %u: parser reset by byte 0x%02x", self->id, data[i]);
      aqmp_framer_reset (self->framer);
      detail = g_strdup_printf ("stray byte 0x%02x", data[i]);
      aqmp_server_connection_send_parse_error (self, detail);
      start = i + 1;
    }
  if (self->closing)
    return;
  aqmp_framer_push (self->framer, data + start, length - start);
  aqmp_server_connection_drain (self);
}

static void
aqmp_server_connection_read_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(AqmpServerConnection) self = user_data;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  self->read_pending = FALSE;
  if (self->closed)
    {
      aqmp_server_connection_close_stream (self);
      return;
    }
  if (n <= 0)
    {
      g_debug ("connection %u: %s", self->id,
               n == 0 ? "closed by the client" : error->message);
      aqmp_server_connection_close (self);
      return;
    }
  aqmp_server_connection_feed (self, self->read_buf, (gsize) n);
  aqmp_server_connection_read_next (self);
}

/* reading goes on while closing, discarding the input, so that unread
 * bytes do not turn the close into a reset */
static void
aqmp_server_connection_read_next (AqmpServerConnection *self)
{
  if (self->closed || self->read_pending || self->paused)
    return;
  self->read_pending = TRUE;
  g_main_context_push_thread_default (self->context);
  g_input_stream_read_async (g_io_stream_get_input_stream (self->stream),
                             self->read_buf, AQMP_SERVER_CONNECTION_READ_SIZE,
                             G_PRIORITY_DEFAULT, self->cancellable,
                             aqmp_server_connection_read_cb, g_object_ref (self));
  g_main_context_pop_thread_default (self->context);
}

void
aqmp_server_connection_start (AqmpServerConnection *self)
{
  aqmp_server_connection_read_next (self);
}

static void
aqmp_server_connection_dispose (GObject *object)
{
  AqmpServerConnection *self = AQMP_SERVER_CONNECTION (object);

  g_clear_pointer (&self->chunk_source, aqmp_server_connection_source_destroy);
  g_queue_clear_full (&self->outq, (GDestroyNotify) g_bytes_unref);
  g_queue_init (&self->outq);

  G_OBJECT_CLASS (aqmp_server_connection_parent_class)->dispose (object);
}

static void
aqmp_server_connection_finalize (GObject *object)
{
  AqmpServerConnection *self = AQMP_SERVER_CONNECTION (object);

  g_clear_pointer (&self->framer, aqmp_framer_free);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->stream);
  g_main_context_unref (self->context);
  g_free (self->read_buf);
  g_free (self->line_ending);

  G_OBJECT_CLASS (aqmp_server_connection_parent_class)->finalize (object);
}

static void
aqmp_server_connection_class_init (AqmpServerConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = aqmp_server_connection_dispose;
  object_class->finalize = aqmp_server_connection_finalize;

  /* a well-formed JSON object from the client, valid during emission */
  signals[SIGNAL_REQUEST] =
    g_signal_new ("request", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  JSON_TYPE_OBJECT | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
aqmp_server_connection_init (AqmpServerConnection *self)
{
  self->cancellable = g_cancellable_new ();
  self->framer = aqmp_framer_new (AQMP_SERVER_CONNECTION_MAX_MESSAGE_SIZE);
  self->read_buf = g_malloc (AQMP_SERVER_CONNECTION_READ_SIZE);
  self->line_ending = g_strdup ("\r\n");
  g_queue_init (&self->outq);
}

/* call aqmp_server_connection_start() once the greeting is queued */
AqmpServerConnection *
aqmp_server_connection_new (GIOStream *stream, GMainContext *context, guint id)
{
  AqmpServerConnection *self = g_object_new (AQMP_TYPE_SERVER_CONNECTION, NULL);

  self->stream = g_object_ref (stream);
  self->context = g_main_context_ref (context);
  self->id = id;
  return self;
}
