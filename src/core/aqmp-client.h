/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_H_INSIDE__) && !defined(AQMP_COMPILATION)
#error "Only <aqmp/aqmp.h> can be included directly."
#endif

#include <gio/gio.h>
#include <gio/gunixfdlist.h>
#include <json-glib/json-glib.h>

#include "aqmp-enums.h"
#include "aqmp-event.h"
#include "aqmp-protocol.h"

G_BEGIN_DECLS

#define AQMP_TYPE_CLIENT (aqmp_client_get_type ())
G_DECLARE_FINAL_TYPE (AqmpClient, aqmp_client, AQMP, CLIENT, GObject)

/**
 * AQMP_DEFAULT_MAX_MESSAGE_SIZE:
 *
 * The default limit on the size of one incoming message: 10 MiB.
 *
 * Since: 0.1
 */
#define AQMP_DEFAULT_MAX_MESSAGE_SIZE (10 * 1024 * 1024)

/**
 * AQMP_DEFAULT_CONNECT_TIMEOUT:
 *
 * The default time, in milliseconds, allowed for connecting, the greeting
 * and negotiation together.
 *
 * Since: 0.1
 */
#define AQMP_DEFAULT_CONNECT_TIMEOUT 15000

/**
 * AQMP_MAX_FDS_PER_COMMAND:
 *
 * The most file descriptors aqmp_client_execute_with_fds_async() passes
 * with one command: QEMU accepts at most 16 per message.
 *
 * Since: 0.1
 */
#define AQMP_MAX_FDS_PER_COMMAND 16

AqmpClient   *aqmp_client_new                    (void);

AqmpState     aqmp_client_get_state              (AqmpClient          *self);
GMainContext *aqmp_client_get_context            (AqmpClient          *self);

/* settings */
void          aqmp_client_set_default_timeout    (AqmpClient          *self,
                                                  guint                timeout_ms);
guint         aqmp_client_get_default_timeout    (AqmpClient          *self);
void          aqmp_client_set_connect_timeout    (AqmpClient          *self,
                                                  guint                timeout_ms);
guint         aqmp_client_get_connect_timeout    (AqmpClient          *self);
void          aqmp_client_set_max_message_size   (AqmpClient          *self,
                                                  gsize                size);
gsize         aqmp_client_get_max_message_size   (AqmpClient          *self);
void          aqmp_client_set_max_queue_size     (AqmpClient          *self,
                                                  gsize                size);
gsize         aqmp_client_get_max_queue_size     (AqmpClient          *self);
void          aqmp_client_set_request_oob        (AqmpClient          *self,
                                                  gboolean             request_oob);
gboolean      aqmp_client_get_request_oob        (AqmpClient          *self);
void          aqmp_client_set_no_reply_grace     (AqmpClient          *self,
                                                  guint                grace_ms);
guint         aqmp_client_get_no_reply_grace     (AqmpClient          *self);
void          aqmp_client_set_protocol           (AqmpClient          *self,
                                                  AqmpProtocol        *protocol);
AqmpProtocol *aqmp_client_get_protocol           (AqmpClient          *self);

/* TLS over TCP */
void          aqmp_client_set_tls                (AqmpClient          *self,
                                                  gboolean             tls);
gboolean      aqmp_client_get_tls                (AqmpClient          *self);
void          aqmp_client_set_tls_ca_file        (AqmpClient          *self,
                                                  const gchar         *ca_file);
const gchar  *aqmp_client_get_tls_ca_file        (AqmpClient          *self);
void          aqmp_client_set_tls_certificate    (AqmpClient          *self,
                                                  GTlsCertificate     *certificate);
GTlsCertificate *aqmp_client_get_tls_certificate (AqmpClient          *self);
gboolean      aqmp_client_set_tls_certificate_files (AqmpClient       *self,
                                                  const gchar         *cert_file,
                                                  const gchar         *key_file,
                                                  GError             **error);

/* reconnecting */
void          aqmp_client_set_reconnect          (AqmpClient          *self,
                                                  gboolean             enabled,
                                                  guint                initial_delay_ms,
                                                  guint                max_delay_ms);
gboolean      aqmp_client_get_reconnect          (AqmpClient          *self,
                                                  guint               *initial_delay_ms,
                                                  guint               *max_delay_ms);
gboolean      aqmp_client_get_reconnecting       (AqmpClient          *self);

/**
 * AqmpClientSyncFunc:
 * @data: (closure): what was given to aqmp_client_run_sync()
 * @callback: (scope async) (closure user_data): the callback the async
 *   operation must complete with
 * @user_data: the data for @callback
 *
 * Starts one async operation on the client's context.
 *
 * Since: 0.1
 */
typedef void (*AqmpClientSyncFunc) (gpointer            data,
                                    GAsyncReadyCallback callback,
                                    gpointer            user_data);

GAsyncResult *aqmp_client_run_sync               (AqmpClient          *self,
                                                  AqmpClientSyncFunc   start,
                                                  gpointer             data);

/* for protocol implementations */
void          aqmp_client_send_raw               (AqmpClient          *self,
                                                  const void          *data,
                                                  gsize                length);
void          aqmp_client_skip_input_past        (AqmpClient          *self,
                                                  guint8               delimiter);

/* what the server told us */
JsonObject   *aqmp_client_get_greeting           (AqmpClient          *self);
gboolean      aqmp_client_get_server_version     (AqmpClient          *self,
                                                  guint               *major,
                                                  guint               *minor,
                                                  guint               *micro);
gboolean      aqmp_client_has_capability         (AqmpClient          *self,
                                                  const gchar         *capability);
gboolean      aqmp_client_get_oob_enabled        (AqmpClient          *self);
const gchar  *aqmp_client_get_address            (AqmpClient          *self);
GCredentials *aqmp_client_get_peer_credentials   (AqmpClient          *self,
                                                  GError             **error);

/* connecting */
void          aqmp_client_connect_async          (AqmpClient          *self,
                                                  const gchar         *address,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean      aqmp_client_connect_finish         (AqmpClient          *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);
gboolean      aqmp_client_connect_sync           (AqmpClient          *self,
                                                  const gchar         *address,
                                                  GCancellable        *cancellable,
                                                  GError             **error);

void          aqmp_client_connect_stream_async   (AqmpClient          *self,
                                                  GIOStream           *stream,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean      aqmp_client_connect_stream_finish  (AqmpClient          *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);
gboolean      aqmp_client_connect_stream_sync    (AqmpClient          *self,
                                                  GIOStream           *stream,
                                                  GCancellable        *cancellable,
                                                  GError             **error);

gchar        *aqmp_client_listen                 (AqmpClient          *self,
                                                  const gchar         *address,
                                                  GError             **error);
void          aqmp_client_accept_async           (AqmpClient          *self,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean      aqmp_client_accept_finish          (AqmpClient          *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);
gboolean      aqmp_client_accept_sync            (AqmpClient          *self,
                                                  GCancellable        *cancellable,
                                                  GError             **error);

/* commands */
void          aqmp_client_execute_async          (AqmpClient          *self,
                                                  const gchar         *command,
                                                  JsonObject          *arguments,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
void          aqmp_client_execute_full_async     (AqmpClient          *self,
                                                  const gchar         *command,
                                                  JsonObject          *arguments,
                                                  AqmpExecuteFlags     flags,
                                                  gint                 timeout_ms,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
void          aqmp_client_execute_with_fds_async (AqmpClient          *self,
                                                  const gchar         *command,
                                                  JsonObject          *arguments,
                                                  GUnixFDList         *fds,
                                                  AqmpExecuteFlags     flags,
                                                  gint                 timeout_ms,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
JsonNode     *aqmp_client_execute_finish         (AqmpClient          *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);
JsonNode     *aqmp_client_execute_sync           (AqmpClient          *self,
                                                  const gchar         *command,
                                                  JsonObject          *arguments,
                                                  GCancellable        *cancellable,
                                                  GError             **error);
JsonNode     *aqmp_client_execute_full_sync      (AqmpClient          *self,
                                                  const gchar         *command,
                                                  JsonObject          *arguments,
                                                  AqmpExecuteFlags     flags,
                                                  gint                 timeout_ms,
                                                  GCancellable        *cancellable,
                                                  GError             **error);
JsonNode     *aqmp_client_execute_with_fds_sync  (AqmpClient          *self,
                                                  const gchar         *command,
                                                  JsonObject          *arguments,
                                                  GUnixFDList         *fds,
                                                  AqmpExecuteFlags     flags,
                                                  gint                 timeout_ms,
                                                  GCancellable        *cancellable,
                                                  GError             **error);

/* disconnecting */
void          aqmp_client_disconnect_async       (AqmpClient          *self,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean      aqmp_client_disconnect_finish      (AqmpClient          *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);
gboolean      aqmp_client_disconnect_sync        (AqmpClient          *self,
                                                  GCancellable        *cancellable,
                                                  GError             **error);

G_END_DECLS
