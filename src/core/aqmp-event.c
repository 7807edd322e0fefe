/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmp-event.h"
#include "aqmp-json-private.h"

struct _AqmpEvent {
  gatomicrefcount ref;
  gchar *name;
  JsonObject *data;
  gint64 timestamp;
};

G_DEFINE_BOXED_TYPE (AqmpEvent, aqmp_event, aqmp_event_ref, aqmp_event_unref)

/**
 * aqmp_event_new:
 * @name: the event name, such as `"SHUTDOWN"`
 * @data: (nullable): the event's data; %NULL for none
 * @timestamp: microseconds since the epoch, or -1 when unknown
 *
 * Creates a new #AqmpEvent.
 *
 * Returns: (transfer full): a new #AqmpEvent
 *
 * Since: 0.1
 */
AqmpEvent *
aqmp_event_new (const gchar *name, JsonObject *data, gint64 timestamp)
{
  AqmpEvent *event;

  g_return_val_if_fail (name != NULL, NULL);

  event = g_new0 (AqmpEvent, 1);
  g_atomic_ref_count_init (&event->ref);
  event->name = g_strdup (name);
  event->data = data != NULL ? json_object_ref (data) : json_object_new ();
  event->timestamp = timestamp;
  return event;
}

/**
 * aqmp_event_ref:
 * @event: an #AqmpEvent
 *
 * Takes a reference to @event.
 *
 * Returns: (transfer full): @event
 *
 * Since: 0.1
 */
AqmpEvent *
aqmp_event_ref (AqmpEvent *event)
{
  g_return_val_if_fail (event != NULL, NULL);
  g_atomic_ref_count_inc (&event->ref);
  return event;
}

/**
 * aqmp_event_unref:
 * @event: (transfer full): an #AqmpEvent
 *
 * Drops a reference to @event, freeing it with the last one.
 *
 * Since: 0.1
 */
void
aqmp_event_unref (AqmpEvent *event)
{
  g_return_if_fail (event != NULL);
  if (!g_atomic_ref_count_dec (&event->ref))
    return;
  g_free (event->name);
  json_object_unref (event->data);
  g_free (event);
}

/**
 * aqmp_event_get_name:
 * @event: an #AqmpEvent
 *
 * Returns the event's name.
 *
 * Returns: (transfer none): the event's name
 *
 * Since: 0.1
 */
const gchar *
aqmp_event_get_name (AqmpEvent *event)
{
  g_return_val_if_fail (event != NULL, NULL);
  return event->name;
}

/**
 * aqmp_event_get_data:
 * @event: an #AqmpEvent
 *
 * Returns the event's data; an empty object when the server sent none.
 *
 * Returns: (transfer none): the event's data; an empty object when the
 *   server sent none
 *
 * Since: 0.1
 */
JsonObject *
aqmp_event_get_data (AqmpEvent *event)
{
  g_return_val_if_fail (event != NULL, NULL);
  return event->data;
}

/**
 * aqmp_event_get_timestamp:
 * @event: an #AqmpEvent
 *
 * Returns the server's timestamp in microseconds since the epoch, or -1
 * when the server's clock failed.
 *
 * Returns: the server's timestamp in microseconds since the epoch, or -1
 *   when the server's clock failed
 *
 * Since: 0.1
 */
gint64
aqmp_event_get_timestamp (AqmpEvent *event)
{
  g_return_val_if_fail (event != NULL, -1);
  return event->timestamp;
}

/**
 * aqmp_event_matches:
 * @event: an #AqmpEvent
 * @name: (nullable): the name to match, or %NULL for any
 * @match: (nullable): members the data must contain, recursively
 *
 * Checks @event against a name and a subset of its data: every member of
 * @match must be in the event's data with an equal value; objects are
 * compared as subsets in turn.
 *
 * Returns: %TRUE when @event matches
 *
 * Since: 0.1
 */
gboolean
aqmp_event_matches (AqmpEvent *event, const gchar *name, JsonObject *match)
{
  g_return_val_if_fail (event != NULL, FALSE);

  if (name != NULL && g_strcmp0 (name, event->name) != 0)
    return FALSE;
  if (match == NULL)
    return TRUE;
  return aqmp_json_object_contains (event->data, match);
}

/**
 * aqmp_event_to_string:
 * @event: an #AqmpEvent
 *
 * Returns the event as one line of compact JSON, in the form the server
 * sent it.
 *
 * Returns: (transfer full): the event as one line of compact JSON, in the
 *   form the server sent it
 *
 * Since: 0.1
 */
gchar *
aqmp_event_to_string (AqmpEvent *event)
{
  g_autoptr(JsonNode) data = NULL;
  GString *out;

  g_return_val_if_fail (event != NULL, NULL);

  data = json_node_init_object (json_node_alloc (), event->data);
  out = g_string_new ("{\"event\":");
  aqmp_json_write_string (out, event->name);
  g_string_append (out, ",\"data\":");
  aqmp_json_write (out, data, FALSE);
  g_string_append_printf (out, ",\"timestamp\":{\"seconds\":%" G_GINT64_FORMAT ",\"microseconds\":%" G_GINT64_FORMAT "}}",
                          event->timestamp < 0 ? -1 : event->timestamp / G_USEC_PER_SEC,
                          event->timestamp < 0 ? -1 : event->timestamp % G_USEC_PER_SEC);
  return g_string_free (out, FALSE);
}
