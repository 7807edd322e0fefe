/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * AqmpConnector sets up the transport a client speaks QMP over: it
 * checks addresses, connects a GSocketClient (wrapping the connection in
 * TLS and handshaking when the address or the TLS setting asks for it),
 * or listens on a socket and accepts the one server that connects to it.
 * It hands back a GIOStream and knows nothing of QMP; the client bounds
 * each operation with its connect timeout and cancellable.
 *
 * Errors are %AQMP_ERROR_CONNECT with the words the client reports.
 */
#define AQMP_TYPE_CONNECTOR (aqmp_connector_get_type ())
G_DECLARE_FINAL_TYPE (AqmpConnector, aqmp_connector, AQMP, CONNECTOR, GObject)

AqmpConnector   *aqmp_connector_new                  (void);

/* TLS settings; the setters return whether the value changed */
gboolean         aqmp_connector_set_tls              (AqmpConnector        *self,
                                                      gboolean              tls);
gboolean         aqmp_connector_get_tls              (AqmpConnector        *self);
gboolean         aqmp_connector_set_tls_ca_file      (AqmpConnector        *self,
                                                      const gchar          *ca_file);
const gchar     *aqmp_connector_get_tls_ca_file      (AqmpConnector        *self);
gboolean         aqmp_connector_set_tls_certificate  (AqmpConnector        *self,
                                                      GTlsCertificate      *certificate);
GTlsCertificate *aqmp_connector_get_tls_certificate  (AqmpConnector        *self);

gboolean         aqmp_connector_check_address        (AqmpConnector        *self,
                                                      const gchar          *address,
                                                      GError              **error);
gboolean         aqmp_connector_wants_tls            (AqmpConnector        *self,
                                                      const gchar          *address);

void             aqmp_connector_connect_async        (AqmpConnector        *self,
                                                      const gchar          *address,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
GIOStream       *aqmp_connector_connect_finish       (AqmpConnector        *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);

gchar           *aqmp_connector_listen               (AqmpConnector        *self,
                                                      const gchar          *address,
                                                      GError              **error);
gboolean         aqmp_connector_is_listening         (AqmpConnector        *self);
void             aqmp_connector_accept_async         (AqmpConnector        *self,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
GIOStream       *aqmp_connector_accept_finish        (AqmpConnector        *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);
void             aqmp_connector_close                (AqmpConnector        *self);

G_END_DECLS
