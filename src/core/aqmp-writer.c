/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmp-writer-private.h"

/* how many queued messages go into one vectored write */
#define AQMP_WRITER_MAX_VECTORS 64

typedef struct {
  GBytes *bytes;
  guint64 tag;
  gboolean notify;
} AqmpWriterItem;

struct _AqmpWriter {
  GObject parent_instance;
  GOutputStream *stream;
  GCancellable *cancellable;
  AqmpWriterWrittenFunc written_func;
  AqmpWriterErrorFunc error_func;
  gpointer user_data;

  GQueue queue;               /* AqmpWriterItem, not yet handed to a write */
  gsize queued;               /* bytes in queue and in the write under way */
  AqmpWriterItem *in_flight;  /* the items of the write under way */
  guint n_in_flight;
  GOutputVector vectors[AQMP_WRITER_MAX_VECTORS];
  gboolean writing;
  gboolean stopped;
};

G_DEFINE_FINAL_TYPE (AqmpWriter, aqmp_writer, G_TYPE_OBJECT)

static void aqmp_writer_kick (AqmpWriter *self);

static void
aqmp_writer_item_free (AqmpWriterItem *item)
{
  g_bytes_unref (item->bytes);
  g_free (item);
}

/* the items are detached first: a written callback may enqueue and
 * start the next write */
static void
aqmp_writer_release_in_flight (AqmpWriter *self, gboolean notify)
{
  g_autofree AqmpWriterItem *items = g_steal_pointer (&self->in_flight);
  guint n = self->n_in_flight;

  self->n_in_flight = 0;
  for (guint i = 0; i < n; i++)
    self->queued -= g_bytes_get_size (items[i].bytes);
  for (guint i = 0; i < n; i++)
    {
      if (notify && items[i].notify && !self->stopped)
        self->written_func (self->user_data, items[i].tag);
      g_bytes_unref (items[i].bytes);
    }
}

static void
aqmp_writer_write_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(AqmpWriter) self = user_data;
  g_autoptr(GError) error = NULL;

  self->writing = FALSE;
  if (!g_output_stream_writev_all_finish (G_OUTPUT_STREAM (source), res, NULL, &error))
    {
      aqmp_writer_release_in_flight (self, FALSE);
      if (self->stopped)
        return;
      self->stopped = TRUE;
      self->error_func (self->user_data, error);
      return;
    }
  aqmp_writer_release_in_flight (self, TRUE);
  if (!self->stopped)
    aqmp_writer_kick (self);
}

/* starts a write of what is queued, unless one is under way */
static void
aqmp_writer_kick (AqmpWriter *self)
{
  guint n;

  if (self->writing || self->stopped || g_queue_is_empty (&self->queue))
    return;

  n = MIN (g_queue_get_length (&self->queue), AQMP_WRITER_MAX_VECTORS);
  self->in_flight = g_new (AqmpWriterItem, n);
  self->n_in_flight = n;
  for (guint i = 0; i < n; i++)
    {
      AqmpWriterItem *item = g_queue_pop_head (&self->queue);
      self->in_flight[i] = *item;
      self->vectors[i].buffer = g_bytes_get_data (item->bytes, NULL);
      self->vectors[i].size = g_bytes_get_size (item->bytes);
      g_free (item);
    }
  self->writing = TRUE;
  g_output_stream_writev_all_async (self->stream, self->vectors, n, G_PRIORITY_DEFAULT,
                                    self->cancellable, aqmp_writer_write_cb,
                                    g_object_ref (self));
}

/**
 * aqmp_writer_enqueue:
 * @message: (transfer none): serialised bytes
 * @tag: handed back to the written callback
 * @notify: whether to call the written callback once @message is sent
 */
void
aqmp_writer_enqueue (AqmpWriter *self, GBytes *message, guint64 tag, gboolean notify)
{
  AqmpWriterItem *item;

  if (self->stopped)
    return;
  item = g_new (AqmpWriterItem, 1);
  item->bytes = g_bytes_ref (message);
  item->tag = tag;
  item->notify = notify;
  g_queue_push_tail (&self->queue, item);
  self->queued += g_bytes_get_size (message);
  aqmp_writer_kick (self);
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
  g_queue_clear_full (&self->queue, (GDestroyNotify) aqmp_writer_item_free);
}

static void
aqmp_writer_finalize (GObject *object)
{
  AqmpWriter *self = AQMP_WRITER (object);

  g_queue_clear_full (&self->queue, (GDestroyNotify) aqmp_writer_item_free);
  aqmp_writer_release_in_flight (self, FALSE);
  g_object_unref (self->stream);
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
  return self;
}
