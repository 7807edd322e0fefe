/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_H_INSIDE__) && !defined(AQMP_COMPILATION)
#error "Only <aqmp/aqmp.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define AQMP_TYPE_SERVER (aqmp_server_get_type ())
G_DECLARE_FINAL_TYPE (AqmpServer, aqmp_server, AQMP, SERVER, GObject)

/**
 * AqmpServerHandler:
 * @server: the server
 * @request: the whole request object (`execute`, `arguments`, `id`)
 * @user_data: the data given with the handler
 * @error: set this (use aqmp_error_new_command() for a QMP class) to
 *   answer with an error reply
 *
 * Answers one command. Return the reply's `return` value to answer at
 * once, or %NULL without setting @error to send nothing: the handler has
 * then answered by itself (aqmp_server_send_reply()), or will later, or
 * never.
 *
 * Returns: (transfer full) (nullable): the `return` value
 *
 * Since: 0.1
 */
typedef JsonNode *(*AqmpServerHandler) (AqmpServer  *server,
                                        JsonObject  *request,
                                        gpointer     user_data,
                                        GError     **error);

AqmpServer *aqmp_server_new                   (void);

gchar      *aqmp_server_listen                (AqmpServer         *self,
                                               const gchar        *address,
                                               GError            **error);
void        aqmp_server_add_stream            (AqmpServer         *self,
                                               GIOStream          *stream);
void        aqmp_server_stop                  (AqmpServer         *self);
guint       aqmp_server_get_n_connections     (AqmpServer         *self);

/* how a connection starts */
void        aqmp_server_set_greeting          (AqmpServer         *self,
                                               JsonObject         *greeting);
void        aqmp_server_set_pre_greeting      (AqmpServer         *self,
                                               const gchar        *raw);
void        aqmp_server_set_require_negotiation (AqmpServer       *self,
                                               gboolean            require);
void        aqmp_server_set_line_ending       (AqmpServer         *self,
                                               const gchar        *line_ending);

/* answers */
void        aqmp_server_set_handler           (AqmpServer         *self,
                                               const gchar        *command,
                                               AqmpServerHandler   handler,
                                               gpointer            user_data,
                                               GDestroyNotify      destroy);
void        aqmp_server_set_reply             (AqmpServer         *self,
                                               const gchar        *command,
                                               JsonNode           *value);
void        aqmp_server_set_error             (AqmpServer         *self,
                                               const gchar        *command,
                                               const gchar        *qmp_class,
                                               const gchar        *desc);
void        aqmp_server_set_no_reply          (AqmpServer         *self,
                                               const gchar        *command);
void        aqmp_server_set_delay             (AqmpServer         *self,
                                               const gchar        *command,
                                               guint               delay_ms);

/* scripted expectations */
void        aqmp_server_expect                (AqmpServer         *self,
                                               const gchar        *command,
                                               JsonObject         *arguments,
                                               JsonNode           *value);
void        aqmp_server_expect_error          (AqmpServer         *self,
                                               const gchar        *command,
                                               JsonObject         *arguments,
                                               const gchar        *qmp_class,
                                               const gchar        *desc);
void        aqmp_server_set_strict            (AqmpServer         *self,
                                               gboolean            strict);
gboolean    aqmp_server_verify                (AqmpServer         *self,
                                               GError            **error);
GPtrArray  *aqmp_server_get_received          (AqmpServer         *self);

/* sending on demand, to every connection */
void        aqmp_server_send_reply            (AqmpServer         *self,
                                               JsonNode           *id,
                                               JsonNode           *value);
void        aqmp_server_send_error_reply      (AqmpServer         *self,
                                               JsonNode           *id,
                                               const gchar        *qmp_class,
                                               const gchar        *desc);
void        aqmp_server_emit_event            (AqmpServer         *self,
                                               const gchar        *name,
                                               JsonObject         *data);

/* fault injection */
void        aqmp_server_send_raw              (AqmpServer         *self,
                                               const void         *data,
                                               gssize              length);
void        aqmp_server_send_oversized        (AqmpServer         *self,
                                               gsize               size);
void        aqmp_server_set_chunk_size        (AqmpServer         *self,
                                               gsize               chunk_size);
void        aqmp_server_close_connections     (AqmpServer         *self);
void        aqmp_server_set_paused            (AqmpServer         *self,
                                               gboolean            paused);

G_END_DECLS
