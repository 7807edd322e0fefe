/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <gio/gunixfdlist.h>

G_BEGIN_DECLS

/*
 * AqmpWriter owns the output side of a connection: an ordered queue of
 * serialised messages, written with one vectored write at a time (tried
 * without blocking first, then GIO's async write for what is left) so
 * that the socket's own buffer is the only place data waits once the
 * peer stops reading. Between aqmp_writer_hold() and its release, what
 * is enqueued waits, to go out in one write. Its first write error is reported once, after the
 * written callback for every message that went out whole before it.
 *
 * A message with file descriptors waits until everything ahead of it is
 * written, then goes out with its descriptors in one sendmsg() on the
 * connection's socket (see aqmp_writer_set_socket()). Over TLS
 * (aqmp_writer_set_separate_newline()) every message is written on its
 * own and followed by a newline in a write of its own, so that it ends a
 * TLS record and a second record follows: QEMU 7.2 acts on a request only
 * once another record arrives.
 */
#define AQMP_TYPE_WRITER (aqmp_writer_get_type ())
G_DECLARE_FINAL_TYPE (AqmpWriter, aqmp_writer, AQMP, WRITER, GObject)

/* the most descriptors QEMU accepts with one message */
#define AQMP_WRITER_MAX_FDS 16

typedef void (*AqmpWriterWrittenFunc) (gpointer user_data, guint64 tag);
typedef void (*AqmpWriterErrorFunc)   (gpointer user_data, const GError *error);

AqmpWriter *aqmp_writer_new            (GOutputStream         *stream,
                                        GCancellable          *cancellable,
                                        AqmpWriterWrittenFunc  written_func,
                                        AqmpWriterErrorFunc    error_func,
                                        gpointer               user_data);
void        aqmp_writer_set_socket     (AqmpWriter            *self,
                                        GSocket               *socket);
void        aqmp_writer_set_separate_newline (AqmpWriter      *self,
                                        gboolean               separate);
void        aqmp_writer_enqueue        (AqmpWriter            *self,
                                        GBytes                *message,
                                        GUnixFDList           *fds,
                                        guint64                tag,
                                        gboolean               notify);
void        aqmp_writer_hold           (AqmpWriter            *self);
void        aqmp_writer_release        (AqmpWriter            *self);
gsize       aqmp_writer_get_queued     (AqmpWriter            *self);
void        aqmp_writer_stop           (AqmpWriter            *self);

G_END_DECLS
