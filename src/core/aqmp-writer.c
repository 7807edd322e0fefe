/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gio/gunixfdmessage.h>

#include "aqmp-writer-private.h"

/* how many queued messages go into one vectored write */
#define AQMP_WRITER_MAX_VECTORS 64

typedef struct {
  GBytes *bytes;
  GUnixFDList *fds;           /* nullable */
  guint64 tag;
  gboolean notify;
} AqmpWriterItem;

struct _AqmpWriter {
  GObject parent_instance;
  GOutputStream *stream;
  GSocket *socket;            /* nullable: for messages with descriptors */
  GCancellable *cancellable;
  AqmpWriterWrittenFunc written_func;
  AqmpWriterErrorFunc error_func;
  gpointer user_data;
  gboolean separate_newline;

  GQueue queue;               /* AqmpWriterItem, not yet handed to a write */
  gsize queued;               /* bytes in queue and in the write under way */
  AqmpWriterItem *in_flight;  /* the items of the write under way */
  guint n_in_flight;
  GOutputVector vectors[AQMP_WRITER_MAX_VECTORS];
  gsize written_before;       /* by a non-blocking write before the async one */
  guint held;                 /* aqmp_writer_hold() without its release */
  GSource *hold_source;       /* see aqmp_writer_hold_prepare() */
  gboolean flushing;          /* writing through the hold until the queue is empty */
  gboolean writing;
  gboolean stopped;
};

G_DEFINE_FINAL_TYPE (AqmpWriter, aqmp_writer, G_TYPE_OBJECT)

static void aqmp_writer_kick (AqmpWriter *self);

static void
aqmp_writer_item_free (AqmpWriterItem *item)
{
  g_bytes_unref (item->bytes);
  g_clear_object (&item->fds);
  g_free (item);
}

/* the items are detached first: a written callback may enqueue and
 * start the next write. Only the items within the first @written bytes
 * went out whole and are reported written. */
static void
aqmp_writer_release_in_flight (AqmpWriter *self, gsize written)
{
  g_autofree AqmpWriterItem *items = g_steal_pointer (&self->in_flight);
  guint n = self->n_in_flight;
  gsize end = 0;

  self->n_in_flight = 0;
  for (guint i = 0; i < n; i++)
    self->queued -= g_bytes_get_size (items[i].bytes);
  for (guint i = 0; i < n; i++)
    {
      end += g_bytes_get_size (items[i].bytes);
      if (end <= written && items[i].notify && !self->stopped)
        self->written_func (self->user_data, items[i].tag);
      g_bytes_unref (items[i].bytes);
      g_clear_object (&items[i].fds);
    }
}

/* the write under way ended after @written bytes: report its error once,
 * or go on */
static void
aqmp_writer_done (AqmpWriter *self, gsize written, const GError *error)
{
  self->writing = FALSE;
  if (error != NULL)
    {
      /* what went out whole before the error may still be answered */
      aqmp_writer_release_in_flight (self, written);
      if (self->stopped)
        return;
      self->stopped = TRUE;
      self->error_func (self->user_data, error);
      return;
    }
  aqmp_writer_release_in_flight (self, G_MAXSIZE);
  if (!self->stopped)
    aqmp_writer_kick (self);
}

static void
aqmp_writer_write_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(AqmpWriter) self = user_data;
  g_autoptr(GError) error = NULL;
  gsize written = 0;

  /* on error too, @written counts what was written before it */
  g_output_stream_writev_all_finish (G_OUTPUT_STREAM (source), res, &written, &error);
  aqmp_writer_done (self, self->written_before + written, error);
}

static void
aqmp_writer_rest_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(AqmpWriter) self = user_data;
  g_autoptr(GError) error = NULL;

  /* the message is whole only once its rest is */
  g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), res, NULL, &error);
  aqmp_writer_done (self, error != NULL ? 0 : G_MAXSIZE, error);
}

static gboolean aqmp_writer_socket_ready_cb (GSocket *socket, GIOCondition condition, gpointer user_data);

/* one sendmsg() with the message and its descriptors; what the kernel
 * did not take goes on as a plain write, the descriptors having gone
 * with the first byte */
static void
aqmp_writer_send_with_fds (AqmpWriter *self)
{
  AqmpWriterItem *item = &self->in_flight[0];
  g_autoptr(GSocketControlMessage) message = g_unix_fd_message_new_with_fd_list (item->fds);
  GSocketControlMessage *messages[] = { message };
  GOutputVector vector;
  gsize size = 0;
  gsize written = 0;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSource) source = NULL;

  vector.buffer = g_bytes_get_data (item->bytes, &size);
  vector.size = size;
  switch (g_socket_send_message_with_timeout (self->socket, NULL, &vector, 1, messages, 1,
                                              G_SOCKET_MSG_NONE, 0, &written,
                                              self->cancellable, &error))
    {
    case G_POLLABLE_RETURN_OK:
      if (written >= size)
        {
          aqmp_writer_done (self, G_MAXSIZE, NULL);
          return;
        }
      g_output_stream_write_all_async (self->stream, (const guint8 *) vector.buffer + written,
                                       size - written, G_PRIORITY_DEFAULT, self->cancellable,
                                       aqmp_writer_rest_cb, g_object_ref (self));
      return;
    case G_POLLABLE_RETURN_WOULD_BLOCK:
      source = g_socket_create_source (self->socket, G_IO_OUT, self->cancellable);
      g_source_set_callback (source, G_SOURCE_FUNC (aqmp_writer_socket_ready_cb),
                             g_object_ref (self), g_object_unref);
      g_source_set_static_name (source, "[aqmp] sendmsg");
      g_source_attach (source, g_main_context_get_thread_default ());
      return;
    case G_POLLABLE_RETURN_FAILED:
    default:
      aqmp_writer_done (self, 0, error);
      return;
    }
}

static gboolean
aqmp_writer_socket_ready_cb (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  AqmpWriter *self = user_data;

  if (self->stopped)
    {
      aqmp_writer_done (self, G_MAXSIZE, NULL);
      return G_SOURCE_REMOVE;
    }
  aqmp_writer_send_with_fds (self);
  return G_SOURCE_REMOVE;
}

static void
aqmp_writer_take_head (AqmpWriter *self, guint i)
{
  AqmpWriterItem *item = g_queue_pop_head (&self->queue);

  self->in_flight[i] = *item;
  self->vectors[i].buffer = g_bytes_get_data (item->bytes, NULL);
  self->vectors[i].size = g_bytes_get_size (item->bytes);
  g_free (item);
}

/* how many messages from the head go into the next write: never one with
 * descriptors after others, and one at a time over TLS */
static guint
aqmp_writer_count_batch (AqmpWriter *self)
{
  guint max = self->separate_newline ? 1 : AQMP_WRITER_MAX_VECTORS;
  guint n = 0;

  for (GList *l = self->queue.head; l != NULL && n < max; l = l->next, n++)
    {
      AqmpWriterItem *item = l->data;
      if (item->fds != NULL && n > 0)
        break;
    }
  return n;
}

/* drops the first @written bytes of the vectors in flight */
static guint
aqmp_writer_skip_written (AqmpWriter *self, gsize written)
{
  guint first = 0;

  while (first < self->n_in_flight && written >= self->vectors[first].size)
    written -= self->vectors[first++].size;
  if (first < self->n_in_flight)
    {
      self->vectors[first].buffer = (const guint8 *) self->vectors[first].buffer + written;
      self->vectors[first].size -= written;
    }
  return first;
}

/*
 * Writes the vectors in flight. Most writes to a socket complete at once,
 * so the first attempt is a non-blocking writev: no GTask, no source and
 * no wakeup of the main loop. Only what does not go out at once (the
 * socket is full, or the stream cannot be polled), and any error, go
 * through GIO's async writev, which reports them from the main loop as
 * before.
 */
static void
aqmp_writer_write (AqmpWriter *self)
{
  gsize written = 0;
  guint first;

  self->written_before = 0;
  if (G_IS_POLLABLE_OUTPUT_STREAM (self->stream)
      && g_pollable_output_stream_can_poll (G_POLLABLE_OUTPUT_STREAM (self->stream))
      && g_pollable_output_stream_writev_nonblocking (G_POLLABLE_OUTPUT_STREAM (self->stream),
                                                      self->vectors, self->n_in_flight, &written,
                                                      self->cancellable, NULL) == G_POLLABLE_RETURN_OK)
    {
      first = aqmp_writer_skip_written (self, written);
      if (first == self->n_in_flight)
        {
          aqmp_writer_done (self, G_MAXSIZE, NULL);
          return;
        }
      self->written_before = written;
    }
  else
    {
      first = 0;
    }
  g_output_stream_writev_all_async (self->stream, self->vectors + first, self->n_in_flight - first,
                                    G_PRIORITY_DEFAULT, self->cancellable, aqmp_writer_write_cb,
                                    g_object_ref (self));
}

/*
 * A hold lasts while the messages of one read are handled, and is released
 * before the main loop turns again. If the loop turns inside it, a handler
 * is waiting there (a `_sync` call, a dialog's loop) for an answer to what
 * it sent: then what is queued goes out, through the hold. This source,
 * one per writer, is ready only then; it costs nothing per message.
 */
typedef struct {
  GSource source;
  AqmpWriter *writer;
} AqmpWriterHoldSource;

static gboolean
aqmp_writer_hold_prepare (GSource *source, gint *timeout)
{
  AqmpWriter *self = ((AqmpWriterHoldSource *) source)->writer;

  *timeout = -1;
  return self->held > 0 && !self->flushing && !g_queue_is_empty (&self->queue);
}

static gboolean
aqmp_writer_hold_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  AqmpWriter *self = ((AqmpWriterHoldSource *) source)->writer;

  self->flushing = TRUE;
  aqmp_writer_kick (self);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs aqmp_writer_hold_funcs = {
  .prepare = aqmp_writer_hold_prepare,
  .dispatch = aqmp_writer_hold_dispatch,
};

static void
aqmp_writer_watch_hold (AqmpWriter *self)
{
  self->hold_source = g_source_new (&aqmp_writer_hold_funcs, sizeof (AqmpWriterHoldSource));
  ((AqmpWriterHoldSource *) self->hold_source)->writer = self;
  g_source_set_priority (self->hold_source, G_PRIORITY_HIGH);
  g_source_set_static_name (self->hold_source, "[aqmp] writer hold");
  g_source_attach (self->hold_source, g_main_context_get_thread_default ());
}

static void
aqmp_writer_unwatch_hold (AqmpWriter *self)
{
  if (self->hold_source == NULL)
    return;
  g_source_destroy (self->hold_source);
  g_clear_pointer (&self->hold_source, g_source_unref);
}

/* starts a write of what is queued, unless one is under way */
static void
aqmp_writer_kick (AqmpWriter *self)
{
  AqmpWriterItem *head;
  guint n;

  if (g_queue_is_empty (&self->queue))
    self->flushing = FALSE;
  if (self->writing || self->stopped || (self->held > 0 && !self->flushing) || g_queue_is_empty (&self->queue))
    return;

  head = g_queue_peek_head (&self->queue);
  n = head->fds != NULL ? 1 : aqmp_writer_count_batch (self);
  self->in_flight = g_new (AqmpWriterItem, n);
  self->n_in_flight = n;
  for (guint i = 0; i < n; i++)
    aqmp_writer_take_head (self, i);
  self->writing = TRUE;
  if (self->in_flight[0].fds != NULL)
    {
      aqmp_writer_send_with_fds (self);
      return;
    }
  aqmp_writer_write (self);
}

static void
aqmp_writer_push (AqmpWriter *self, GBytes *message, GUnixFDList *fds, guint64 tag, gboolean notify)
{
  AqmpWriterItem *item = g_new (AqmpWriterItem, 1);

  item->bytes = g_bytes_ref (message);
  item->fds = fds != NULL ? g_object_ref (fds) : NULL;
  item->tag = tag;
  item->notify = notify;
  g_queue_push_tail (&self->queue, item);
  self->queued += g_bytes_get_size (message);
}

/**
 * aqmp_writer_enqueue:
 * @message: (transfer none): serialised bytes
 * @fds: (nullable) (transfer none): descriptors to send with @message;
 *   only with a socket set by aqmp_writer_set_socket()
 * @tag: handed back to the written callback
 * @notify: whether to call the written callback once @message is sent
 */
void
aqmp_writer_enqueue (AqmpWriter *self, GBytes *message, GUnixFDList *fds, guint64 tag, gboolean notify)
{
  static const gchar newline[] = "\n";

  g_return_if_fail (fds == NULL || self->socket != NULL);

  if (self->stopped)
    return;
  aqmp_writer_push (self, message, fds, tag, notify);
  if (self->separate_newline)
    {
      g_autoptr(GBytes) nl = g_bytes_new_static (newline, 1);
      aqmp_writer_push (self, nl, NULL, 0, FALSE);
    }
  aqmp_writer_kick (self);
}

/* messages enqueued until the matching release wait, and go out
 * together then: many replies read at once are answered in one write */
void
aqmp_writer_hold (AqmpWriter *self)
{
  self->held++;
}

void
aqmp_writer_release (AqmpWriter *self)
{
  g_return_if_fail (self->held > 0);

  if (--self->held == 0)
    aqmp_writer_kick (self);
}

/* the socket under the stream, for sendmsg() with descriptors */
void
aqmp_writer_set_socket (AqmpWriter *self, GSocket *socket)
{
  g_set_object (&self->socket, socket);
}

/* QEMU 7.2's TLS stall: a newline of its own after every message */
void
aqmp_writer_set_separate_newline (AqmpWriter *self, gboolean separate)
{
  self->separate_newline = separate;
}

gsize
aqmp_writer_get_queued (AqmpWriter *self)
{
  return self->queued;
}

/* no more writes and no more callbacks; a write under way is cancelled
 * through the connection's cancellable by the owner */
void
aqmp_writer_stop (AqmpWriter *self)
{
  self->stopped = TRUE;
  aqmp_writer_unwatch_hold (self);
  g_queue_clear_full (&self->queue, (GDestroyNotify) aqmp_writer_item_free);
}

static void
aqmp_writer_finalize (GObject *object)
{
  AqmpWriter *self = AQMP_WRITER (object);

  aqmp_writer_unwatch_hold (self);
  g_queue_clear_full (&self->queue, (GDestroyNotify) aqmp_writer_item_free);
  aqmp_writer_release_in_flight (self, 0);
  g_object_unref (self->stream);
  g_clear_object (&self->socket);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (aqmp_writer_parent_class)->finalize (object);
}

static void
aqmp_writer_class_init (AqmpWriterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = aqmp_writer_finalize;
}

static void
aqmp_writer_init (AqmpWriter *self)
{
  g_queue_init (&self->queue);
}

AqmpWriter *
aqmp_writer_new (GOutputStream         *stream,
                 GCancellable          *cancellable,
                 AqmpWriterWrittenFunc  written_func,
                 AqmpWriterErrorFunc    error_func,
                 gpointer               user_data)
{
  AqmpWriter *self = g_object_new (AQMP_TYPE_WRITER, NULL);

  self->stream = g_object_ref (stream);
  self->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  self->written_func = written_func;
  self->error_func = error_func;
  self->user_data = user_data;
  aqmp_writer_watch_hold (self);
  return self;
}
