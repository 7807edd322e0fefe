/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * The client side of TLS over TCP: a GTlsClientConnection around a
 * connected socket, verifying the server's certificate against the given
 * CA file (or the system's trust store) and the host it was reached by,
 * and the words for why a handshake failed.
 */
GIOStream *aqmp_tls_wrap             (GIOStream           *base,
                                      GSocketConnectable  *identity,
                                      const gchar         *ca_file,
                                      GTlsCertificate     *certificate,
                                      GError             **error);
GError    *aqmp_tls_handshake_error  (GIOStream           *tls,
                                      const gchar         *address,
                                      const GError        *error);

G_END_DECLS
