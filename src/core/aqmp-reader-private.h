/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "aqmp-event.h"
#include "aqmp-framer-private.h"
#include "aqmp-mailbox-private.h"
#include "aqmp-writer-private.h"

G_BEGIN_DECLS

/*
 * AqmpReader owns the input side of a connection. It reads from one
 * long-lived pollable source (GIO async reads for streams that cannot be
 * polled), cuts the stream into messages, and routes each in arrival order:
 * replies to their mailbox entries, events and the greeting to the
 * client. What the handlers of one read's messages send through the
 * connection's writer goes out in one write. Its first failure (EOF, I/O error, protocol violation, a
 * message over the size limit that names no call, or never ends) is
 * reported once and stops it. A reply over its call's limit is skipped
 * unread and fails only that call.
 */
#define AQMP_TYPE_READER (aqmp_reader_get_type ())
G_DECLARE_FINAL_TYPE (AqmpReader, aqmp_reader, AQMP, READER, GObject)

typedef struct {
  void (*greeting) (gpointer user_data, JsonObject *greeting);
  void (*event)    (gpointer user_data, AqmpEvent *event);
  void (*replied)  (gpointer user_data);
  void (*failed)   (gpointer user_data, const GError *error);
} AqmpReaderCallbacks;

AqmpReader *aqmp_reader_new        (GInputStream              *stream,
                                    GCancellable              *cancellable,
                                    AqmpMailbox               *mailbox,
                                    const AqmpReaderCallbacks *callbacks,
                                    gpointer                   user_data);
void        aqmp_reader_set_writer (AqmpReader                *self,
                                    AqmpWriter                *writer);
void        aqmp_reader_set_socket (AqmpReader                *self,
                                    GSocket                   *socket);
void        aqmp_reader_start      (AqmpReader                *self);
void        aqmp_reader_stop       (AqmpReader                *self);
void        aqmp_reader_recover    (AqmpReader                *self);
void        aqmp_reader_set_trace  (AqmpReader                *self,
                                    gboolean                   trace);
gboolean    aqmp_reader_reached_eof (AqmpReader               *self);
AqmpFramer *aqmp_reader_get_framer (AqmpReader                *self);

G_END_DECLS
