/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmp-client.h"
#include "aqmp-error.h"
#include "aqmp-event-waiter.h"

/**
 * AqmpEventWaiter:
 *
 * Waits for an event without a race: create the waiter before sending the
 * command that causes the event, then wait on it. Matching events that
 * arrive in between are kept, so none is missed.
 *
 * |[<!-- language="C" -->
 * g_autoptr(AqmpEventWaiter) w = aqmp_event_waiter_new (client, "JOB_STATUS_CHANGE", match);
 * aqmp_client_execute_async (client, "blockdev-backup", args, NULL, backup_cb, NULL);
 * aqmp_event_waiter_wait_async (w, 5000, NULL, status_cb, NULL);
 * ]|
 *
 * Since: 0.1
 */

typedef struct {
  AqmpEventWaiter *waiter;  /* unowned */
  GTask *task;
  GSource *timeout_source;
  GSource *cancel_source;
  gint timeout_ms;
} AqmpEventWait;

struct _AqmpEventWaiter {
  GObject parent_instance;
  AqmpClient *client;
  gchar *name;
  JsonObject *match;
  gulong event_id;
  gulong disconnected_id;
  GQueue events;            /* matching AqmpEvent not yet taken */
  GQueue waits;             /* AqmpEventWait, FIFO */
  gchar *loss;              /* set once the connection ended */
};

G_DEFINE_FINAL_TYPE (AqmpEventWaiter, aqmp_event_waiter, G_TYPE_OBJECT)

static void
aqmp_event_wait_free (AqmpEventWait *wait)
{
  if (wait->timeout_source != NULL)
    {
      g_source_destroy (wait->timeout_source);
      g_source_unref (wait->timeout_source);
    }
  if (wait->cancel_source != NULL)
    {
      g_source_destroy (wait->cancel_source);
      g_source_unref (wait->cancel_source);
    }
  g_object_unref (wait->task);
  g_free (wait);
}

static void
aqmp_event_waiter_serve (AqmpEventWaiter *self)
{
  /* a callback may drop the last reference while we serve */
  g_autoptr(AqmpEventWaiter) keep = g_object_ref (self);

  while (!g_queue_is_empty (&self->waits) && !g_queue_is_empty (&self->events))
    {
      AqmpEventWait *wait = g_queue_pop_head (&self->waits);
      AqmpEvent *event = g_queue_pop_head (&self->events);

      g_task_return_pointer (wait->task, event, (GDestroyNotify) aqmp_event_unref);
      aqmp_event_wait_free (wait);
    }
  while (self->loss != NULL && !g_queue_is_empty (&self->waits))
    {
      AqmpEventWait *wait = g_queue_pop_head (&self->waits);

      g_task_return_new_error (wait->task, AQMP_ERROR, AQMP_ERROR_DISCONNECTED,
                               "no %s event: %s", self->name != NULL ? self->name : "matching",
                               self->loss);
      aqmp_event_wait_free (wait);
    }
}

static void
aqmp_event_waiter_event_cb (AqmpClient *client, AqmpEvent *event, gpointer user_data)
{
  AqmpEventWaiter *self = user_data;

  if (!aqmp_event_matches (event, self->name, self->match))
    return;
  if (g_queue_get_length (&self->events) >= AQMP_EVENT_WAITER_MAX_QUEUED)
    {
      g_warning ("event waiter for %s is full; dropping the oldest event",
                 self->name != NULL ? self->name : "any event");
      aqmp_event_unref (g_queue_pop_head (&self->events));
    }
  g_queue_push_tail (&self->events, aqmp_event_ref (event));
  aqmp_event_waiter_serve (self);
}

static void
aqmp_event_waiter_disconnected_cb (AqmpClient *client, const GError *cause, gpointer user_data)
{
  AqmpEventWaiter *self = user_data;

  if (self->loss != NULL)
    return;
  self->loss = cause != NULL ? g_strdup_printf ("connection lost: %s", cause->message)
                             : g_strdup ("connection closed");
  aqmp_event_waiter_serve (self);
}

/**
 * aqmp_event_waiter_new:
 * @client: the #AqmpClient whose events to watch
 * @name: (nullable): the event name, or %NULL for any
 * @match: (nullable): members the event's data must contain (see
 *   aqmp_event_matches())
 *
 * Starts collecting matching events at once.
 *
 * Returns: (transfer full): a new #AqmpEventWaiter
 *
 * Since: 0.1
 */
AqmpEventWaiter *
aqmp_event_waiter_new (AqmpClient *client, const gchar *name, JsonObject *match)
{
  AqmpEventWaiter *self;
  g_autofree gchar *signal = NULL;

  g_return_val_if_fail (AQMP_IS_CLIENT (client), NULL);

  self = g_object_new (AQMP_TYPE_EVENT_WAITER, NULL);
  self->client = g_object_ref (client);
  self->name = g_strdup (name);
  self->match = match != NULL ? json_object_ref (match) : NULL;
  signal = name != NULL ? g_strdup_printf ("event::%s", name) : g_strdup ("event");
  self->event_id = g_signal_connect (client, signal, G_CALLBACK (aqmp_event_waiter_event_cb), self);
  self->disconnected_id = g_signal_connect (client, "disconnected",
                                            G_CALLBACK (aqmp_event_waiter_disconnected_cb), self);
  return self;
}

/**
 * aqmp_event_waiter_get_name:
 * @self: an #AqmpEventWaiter
 *
 * Returns the event name waited for, or %NULL for any.
 *
 * Returns: (nullable): the event name waited for, or %NULL for any
 *
 * Since: 0.1
 */
const gchar *
aqmp_event_waiter_get_name (AqmpEventWaiter *self)
{
  g_return_val_if_fail (AQMP_IS_EVENT_WAITER (self), NULL);
  return self->name;
}

/**
 * aqmp_event_waiter_get_pending:
 * @self: an #AqmpEventWaiter
 *
 * Returns how many matching events arrived and were not yet taken.
 *
 * Returns: how many matching events arrived and were not yet taken
 *
 * Since: 0.1
 */
guint
aqmp_event_waiter_get_pending (AqmpEventWaiter *self)
{
  g_return_val_if_fail (AQMP_IS_EVENT_WAITER (self), 0);
  return g_queue_get_length (&self->events);
}

static gboolean
aqmp_event_wait_timeout_cb (gpointer user_data)
{
  AqmpEventWait *wait = user_data;
  AqmpEventWaiter *self = wait->waiter;

  g_queue_remove (&self->waits, wait);
  g_task_return_new_error (wait->task, AQMP_ERROR, AQMP_ERROR_TIMEOUT,
                           "no %s event within %d ms",
                           self->name != NULL ? self->name : "matching", wait->timeout_ms);
  aqmp_event_wait_free (wait);
  return G_SOURCE_REMOVE;
}

static gboolean
aqmp_event_wait_cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  AqmpEventWait *wait = user_data;

  g_queue_remove (&wait->waiter->waits, wait);
  g_task_return_error_if_cancelled (wait->task);
  aqmp_event_wait_free (wait);
  return G_SOURCE_REMOVE;
}

/**
 * aqmp_event_waiter_wait_async:
 * @self: an #AqmpEventWaiter
 * @timeout_ms: milliseconds to wait; 0 or less waits for ever
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the event
 * @user_data: data for @callback
 *
 * Takes the oldest matching event that arrived since the waiter was made,
 * or waits for the next. Fails with %AQMP_ERROR_TIMEOUT, or with
 * %AQMP_ERROR_DISCONNECTED once the connection ended and no matching
 * event is left.
 *
 * Since: 0.1
 */
void
aqmp_event_waiter_wait_async (AqmpEventWaiter     *self,
                              gint                 timeout_ms,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  AqmpEventWait *wait;
  GMainContext *context;

  g_return_if_fail (AQMP_IS_EVENT_WAITER (self));

  context = aqmp_client_get_context (self->client);
  wait = g_new0 (AqmpEventWait, 1);
  wait->waiter = self;
  wait->timeout_ms = timeout_ms;
  wait->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (wait->task, aqmp_event_waiter_wait_async);
  if (timeout_ms > 0)
    {
      wait->timeout_source = g_timeout_source_new ((guint) timeout_ms);
      g_source_set_callback (wait->timeout_source, aqmp_event_wait_timeout_cb, wait, NULL);
      g_source_attach (wait->timeout_source, context);
    }
  if (cancellable != NULL)
    {
      wait->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (wait->cancel_source, G_SOURCE_FUNC (aqmp_event_wait_cancelled_cb), wait, NULL);
      g_source_attach (wait->cancel_source, context);
    }
  g_queue_push_tail (&self->waits, wait);
  aqmp_event_waiter_serve (self);
}

/**
 * aqmp_event_waiter_wait_finish:
 * @self: an #AqmpEventWaiter
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes aqmp_event_waiter_wait_async().
 *
 * Returns: (transfer full): the matching event, or %NULL
 *
 * Since: 0.1
 */
AqmpEvent *
aqmp_event_waiter_wait_finish (AqmpEventWaiter *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (AQMP_IS_EVENT_WAITER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct {
  AqmpEventWaiter *waiter;
  gint timeout_ms;
  GCancellable *cancellable;
} AqmpEventWaitSync;

static void
aqmp_event_waiter_start_sync (gpointer data, GAsyncReadyCallback callback, gpointer user_data)
{
  AqmpEventWaitSync *args = data;
  aqmp_event_waiter_wait_async (args->waiter, args->timeout_ms, args->cancellable, callback, user_data);
}

/**
 * aqmp_event_waiter_wait_sync:
 * @self: an #AqmpEventWaiter
 * @timeout_ms: milliseconds to wait; 0 or less waits for ever
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The synchronous form of aqmp_event_waiter_wait_async().
 *
 * Returns: (transfer full): the matching event, or %NULL
 *
 * Since: 0.1
 */
AqmpEvent *
aqmp_event_waiter_wait_sync (AqmpEventWaiter *self, gint timeout_ms, GCancellable *cancellable, GError **error)
{
  AqmpEventWaitSync args = { self, timeout_ms, cancellable };
  g_autoptr(GAsyncResult) res = NULL;

  g_return_val_if_fail (AQMP_IS_EVENT_WAITER (self), NULL);
  res = aqmp_client_run_sync (self->client, aqmp_event_waiter_start_sync, &args);
  return aqmp_event_waiter_wait_finish (self, res, error);
}

static void
aqmp_event_waiter_dispose (GObject *object)
{
  AqmpEventWaiter *self = AQMP_EVENT_WAITER (object);

  if (self->client != NULL)
    {
      g_clear_signal_handler (&self->event_id, self->client);
      g_clear_signal_handler (&self->disconnected_id, self->client);
      g_clear_object (&self->client);
    }
  g_queue_clear_full (&self->events, (GDestroyNotify) aqmp_event_unref);
  G_OBJECT_CLASS (aqmp_event_waiter_parent_class)->dispose (object);
}

static void
aqmp_event_waiter_finalize (GObject *object)
{
  AqmpEventWaiter *self = AQMP_EVENT_WAITER (object);

  /* a pending wait holds a reference, so none is left here */
  g_free (self->name);
  g_clear_pointer (&self->match, json_object_unref);
  g_free (self->loss);
  G_OBJECT_CLASS (aqmp_event_waiter_parent_class)->finalize (object);
}

static void
aqmp_event_waiter_class_init (AqmpEventWaiterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = aqmp_event_waiter_dispose;
  object_class->finalize = aqmp_event_waiter_finalize;
}

static void
aqmp_event_waiter_init (AqmpEventWaiter *self)
{
  g_queue_init (&self->events);
  g_queue_init (&self->waits);
}
