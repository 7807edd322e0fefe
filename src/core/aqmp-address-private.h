/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Addresses are `/path` or `unix:/path` for Unix sockets, and
 * `tcp:HOST:PORT` or `HOST:PORT` for TCP, `tls:HOST:PORT` for TLS over TCP.
 */
gboolean            aqmp_address_is_tls         (const gchar     *address);
gboolean            aqmp_address_is_unix        (const gchar     *address);
GSocketConnectable *aqmp_address_parse          (const gchar     *address,
                                                 GError         **error);
GSocketAddress     *aqmp_address_parse_listen   (const gchar     *address,
                                                 GError         **error);
gchar              *aqmp_address_to_string      (GSocketAddress  *address);

G_END_DECLS
