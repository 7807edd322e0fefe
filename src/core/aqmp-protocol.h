/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_H_INSIDE__) && !defined(AQMP_COMPILATION)
#error "Only <aqmp/aqmp.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _AqmpClient AqmpClient;

#define AQMP_TYPE_PROTOCOL (aqmp_protocol_get_type ())
G_DECLARE_DERIVABLE_TYPE (AqmpProtocol, aqmp_protocol, AQMP, PROTOCOL, GObject)

/**
 * AqmpProtocolClass:
 * @parent_class: the parent class
 * @get_name: the variant's name, such as `"qga"`
 * @get_line_ending: what ends each request on the wire
 * @has_greeting: whether the server greets and negotiates (QMP); when
 *   %FALSE the client calls @handshake_async instead
 * @handshake_async: makes the connection ready for commands, and again
 *   after @needs_recovery said so; may use aqmp_client_send_raw(),
 *   aqmp_client_skip_input_past() and aqmp_client_execute_full_async()
 *   with %AQMP_EXECUTE_FLAGS_HANDSHAKE
 * @handshake_finish: finishes @handshake_async
 * @has_reply: whether @command is answered on success; commands without a
 *   reply complete once written, and an error reply arriving within the
 *   grace period is still reported to the caller
 * @needs_recovery: called when a call timed out or the input could not be
 *   framed; returning %TRUE keeps the connection and runs the handshake
 *   again before the next command
 * @get_max_reply_size: the largest reply to accept for @command with
 *   @arguments, in bytes, when it may exceed #AqmpClient:max-message-size
 *   (the guest agent's `guest-exec-status` carries up to 16 MiB of each
 *   output stream in base64); 0, the default, for the client's limit. It
 *   can only raise the limit.
 *
 * How a protocol variant differs from plain QMP. A protocol is set on a
 * client with aqmp_client_set_protocol() before connecting.
 *
 * Since: 0.1
 */
struct _AqmpProtocolClass {
  GObjectClass parent_class;

  const gchar *(*get_name)         (AqmpProtocol        *self);
  const gchar *(*get_line_ending)  (AqmpProtocol        *self);
  gboolean     (*has_greeting)     (AqmpProtocol        *self);
  void         (*handshake_async)  (AqmpProtocol        *self,
                                    AqmpClient          *client,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data);
  gboolean     (*handshake_finish) (AqmpProtocol        *self,
                                    GAsyncResult        *result,
                                    GError             **error);
  gboolean     (*has_reply)        (AqmpProtocol        *self,
                                    const gchar         *command);
  gboolean     (*needs_recovery)   (AqmpProtocol        *self,
                                    const GError        *error);
  gsize        (*get_max_reply_size) (AqmpProtocol      *self,
                                    const gchar         *command,
                                    JsonObject          *arguments);

  /*< private >*/
  gpointer padding[11];
};

const gchar *aqmp_protocol_get_name        (AqmpProtocol *self);
const gchar *aqmp_protocol_get_line_ending (AqmpProtocol *self);
gboolean     aqmp_protocol_has_greeting    (AqmpProtocol *self);
gboolean     aqmp_protocol_has_reply       (AqmpProtocol *self,
                                            const gchar  *command);
gboolean     aqmp_protocol_needs_recovery  (AqmpProtocol *self,
                                            const GError *error);
gsize        aqmp_protocol_get_max_reply_size (AqmpProtocol *self,
                                               const gchar  *command,
                                               JsonObject   *arguments);
void         aqmp_protocol_handshake_async (AqmpProtocol        *self,
                                            AqmpClient          *client,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
gboolean     aqmp_protocol_handshake_finish (AqmpProtocol       *self,
                                             GAsyncResult       *result,
                                             GError            **error);

G_END_DECLS
