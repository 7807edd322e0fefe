/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_H_INSIDE__) && !defined(AQMP_COMPILATION)
#error "Only <aqmp/aqmp.h> can be included directly."
#endif

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define AQMP_TYPE_EVENT (aqmp_event_get_type ())

/**
 * AqmpEvent:
 *
 * An asynchronous event sent by the server: a name, a data object and
 * the server's timestamp. Reference counted and immutable.
 *
 * Since: 0.1
 */
typedef struct _AqmpEvent AqmpEvent;

GType        aqmp_event_get_type      (void) G_GNUC_CONST;

AqmpEvent   *aqmp_event_new           (const gchar *name,
                                       JsonObject  *data,
                                       gint64       timestamp);
AqmpEvent   *aqmp_event_ref           (AqmpEvent   *event);
void         aqmp_event_unref         (AqmpEvent   *event);

const gchar *aqmp_event_get_name      (AqmpEvent   *event);
JsonObject  *aqmp_event_get_data      (AqmpEvent   *event);
gint64       aqmp_event_get_timestamp (AqmpEvent   *event);
gboolean     aqmp_event_matches       (AqmpEvent   *event,
                                       const gchar *name,
                                       JsonObject  *match);
gchar       *aqmp_event_to_string     (AqmpEvent   *event);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AqmpEvent, aqmp_event_unref)

G_END_DECLS
