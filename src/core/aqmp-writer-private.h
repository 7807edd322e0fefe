/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * AqmpWriter owns the output side of a connection: an ordered queue of
 * serialised messages, written with one vectored async write at a time
 * so that the socket's own buffer is the only place data waits once the
 * peer stops reading. Its first write error is reported once.
 */
#define AQMP_TYPE_WRITER (aqmp_writer_get_type ())
G_DECLARE_FINAL_TYPE (AqmpWriter, aqmp_writer, AQMP, WRITER, GObject)

typedef void (*AqmpWriterWrittenFunc) (gpointer user_data, guint64 tag);
typedef void (*AqmpWriterErrorFunc)   (gpointer user_data, const GError *error);

AqmpWriter *aqmp_writer_new            (GOutputStream         *stream,
                                        GCancellable          *cancellable,
                                        AqmpWriterWrittenFunc  written_func,
                                        AqmpWriterErrorFunc    error_func,
                                        gpointer               user_data);
void        aqmp_writer_enqueue        (AqmpWriter            *self,
                                        GBytes                *message,
                                        guint64                tag,
                                        gboolean               notify);
gsize       aqmp_writer_get_queued     (AqmpWriter            *self);
void        aqmp_writer_stop           (AqmpWriter            *self);

G_END_DECLS
