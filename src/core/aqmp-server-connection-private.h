/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/*
 * AqmpServerConnection is one client of the test server: it frames and
 * parses the client's requests (answering broken input itself, as QEMU
 * does) and writes the server's output in order, optionally in chunks.
 * What to answer is the server's business: it gets each request from the
 * "request" signal.
 */
#define AQMP_TYPE_SERVER_CONNECTION (aqmp_server_connection_get_type ())
G_DECLARE_FINAL_TYPE (AqmpServerConnection, aqmp_server_connection, AQMP, SERVER_CONNECTION, GObject)

/* the protocol state the server keeps per connection */
typedef enum {
  AQMP_SERVER_CONNECTION_FLAG_NONE = 0,
  AQMP_SERVER_CONNECTION_FLAG_NEGOTIATED = 1 << 0,   /* commands allowed */
  AQMP_SERVER_CONNECTION_FLAG_CAPS_DONE = 1 << 1,    /* qmp_capabilities succeeded */
  AQMP_SERVER_CONNECTION_FLAG_CAPS_PENDING = 1 << 2, /* a handler owes that answer */
  AQMP_SERVER_CONNECTION_FLAG_OOB = 1 << 3,
} AqmpServerConnectionFlags;

AqmpServerConnection *aqmp_server_connection_new           (GIOStream            *stream,
                                                            GMainContext         *context,
                                                            guint                 id);
guint                 aqmp_server_connection_get_id        (AqmpServerConnection *self);
void                  aqmp_server_connection_start         (AqmpServerConnection *self);
void                  aqmp_server_connection_set_line_ending (AqmpServerConnection *self,
                                                            const gchar          *line_ending);
void                  aqmp_server_connection_set_chunk_size (AqmpServerConnection *self,
                                                            gsize                 chunk_size);
void                  aqmp_server_connection_set_paused    (AqmpServerConnection *self,
                                                            gboolean              paused);
gboolean              aqmp_server_connection_has_flag      (AqmpServerConnection *self,
                                                            AqmpServerConnectionFlags flag);
void                  aqmp_server_connection_set_flag      (AqmpServerConnection *self,
                                                            AqmpServerConnectionFlags flag,
                                                            gboolean              value);
gboolean              aqmp_server_connection_is_closing    (AqmpServerConnection *self);
void                  aqmp_server_connection_send_bytes    (AqmpServerConnection *self,
                                                            GBytes               *bytes);
void                  aqmp_server_connection_send_object   (AqmpServerConnection *self,
                                                            JsonObject           *message);
void                  aqmp_server_connection_close         (AqmpServerConnection *self);
void                  aqmp_server_connection_close_after_flush (AqmpServerConnection *self);

G_END_DECLS
