/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_H_INSIDE__) && !defined(AQMP_COMPILATION)
#error "Only <aqmp/aqmp.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "aqmp-event.h"

G_BEGIN_DECLS

typedef struct _AqmpClient AqmpClient;

#define AQMP_TYPE_EVENT_WAITER (aqmp_event_waiter_get_type ())
G_DECLARE_FINAL_TYPE (AqmpEventWaiter, aqmp_event_waiter, AQMP, EVENT_WAITER, GObject)

/**
 * AQMP_EVENT_WAITER_MAX_QUEUED:
 *
 * How many matching events a waiter keeps before the oldest is dropped
 * (with a warning). A waiter is meant to be waited on, not to be a log.
 *
 * Since: 0.1
 */
#define AQMP_EVENT_WAITER_MAX_QUEUED 1024

AqmpEventWaiter *aqmp_event_waiter_new         (AqmpClient          *client,
                                                const gchar         *name,
                                                JsonObject          *match);
const gchar     *aqmp_event_waiter_get_name    (AqmpEventWaiter     *self);
guint            aqmp_event_waiter_get_pending (AqmpEventWaiter     *self);

void             aqmp_event_waiter_wait_async  (AqmpEventWaiter     *self,
                                                gint                 timeout_ms,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
AqmpEvent       *aqmp_event_waiter_wait_finish (AqmpEventWaiter     *self,
                                                GAsyncResult        *result,
                                                GError             **error);
AqmpEvent       *aqmp_event_waiter_wait_sync   (AqmpEventWaiter     *self,
                                                gint                 timeout_ms,
                                                GCancellable        *cancellable,
                                                GError             **error);

G_END_DECLS
