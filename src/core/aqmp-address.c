/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <gio/gunixsocketaddress.h>

#include "aqmp-address-private.h"
#include "aqmp-error.h"

static gboolean
aqmp_address_fail (const gchar *address, GError **error)
{
  g_set_error (error, AQMP_ERROR, AQMP_ERROR_CONNECT,
               "invalid address '%s': expected /path, unix:/path, tcp:HOST:PORT, tls:HOST:PORT or HOST:PORT",
               address);
  return FALSE;
}

/* the Unix socket path, when @address names one: unix:PATH, a path
 * starting with / or ., or any other path that exists (`vm.sock`, as
 * qmp-shell takes it); tcp: and tls: always mean TCP */
static const gchar *
aqmp_address_unix_path (const gchar *address)
{
  if (g_str_has_prefix (address, "unix:"))
    return address + strlen ("unix:");
  if (address[0] == '/' || address[0] == '.')
    return address;
  if (g_str_has_prefix (address, "tcp:") || g_str_has_prefix (address, "tls:"))
    return NULL;
  if (address[0] != '\0' && g_file_test (address, G_FILE_TEST_EXISTS))
    return address;
  return NULL;
}

/* splits HOST:PORT (HOST may be a bracketed IPv6 literal) */
static gboolean
aqmp_address_split_tcp (const gchar  *address,
                        gchar       **host,
                        guint16      *port,
                        GError      **error)
{
  const gchar *spec = g_str_has_prefix (address, "tcp:") || g_str_has_prefix (address, "tls:")
                      ? address + 4 : address;
  const gchar *colon = strrchr (spec, ':');
  guint64 value = 0;
  g_autofree gchar *h = NULL;

  if (colon == NULL || colon == spec
      || !g_ascii_string_to_unsigned (colon + 1, 10, 0, G_MAXUINT16, &value, NULL))
    return aqmp_address_fail (address, error);
  h = g_strndup (spec, colon - spec);
  if (h[0] == '[' && g_str_has_suffix (h, "]"))
    {
      g_autofree gchar *inner = g_strndup (h + 1, strlen (h) - 2);
      g_free (h);
      h = g_steal_pointer (&inner);
    }
  if (h[0] == '\0')
    return aqmp_address_fail (address, error);
  *host = g_steal_pointer (&h);
  *port = (guint16) value;
  return TRUE;
}

/* whether @address asks for TLS: `tls:HOST:PORT` */
gboolean
aqmp_address_is_tls (const gchar *address)
{
  return g_str_has_prefix (address, "tls:");
}

gboolean
aqmp_address_is_unix (const gchar *address)
{
  return aqmp_address_unix_path (address) != NULL;
}

GSocketConnectable *
aqmp_address_parse (const gchar *address, GError **error)
{
  const gchar *path = aqmp_address_unix_path (address);
  g_autofree gchar *host = NULL;
  guint16 port = 0;

  if (path != NULL)
    {
      if (path[0] == '\0')
        {
          aqmp_address_fail (address, error);
          return NULL;
        }
      return G_SOCKET_CONNECTABLE (g_unix_socket_address_new (path));
    }
  if (!aqmp_address_split_tcp (address, &host, &port, error))
    return NULL;
  if (port == 0)
    {
      aqmp_address_fail (address, error);
      return NULL;
    }
  return g_network_address_new (host, port);
}

/* listening needs a literal address; "localhost" means the IPv4 loopback */
GSocketAddress *
aqmp_address_parse_listen (const gchar *address, GError **error)
{
  const gchar *path = aqmp_address_unix_path (address);
  g_autofree gchar *host = NULL;
  guint16 port = 0;
  GSocketAddress *sa;

  if (path != NULL)
    {
      if (path[0] == '\0')
        {
          aqmp_address_fail (address, error);
          return NULL;
        }
      return g_unix_socket_address_new (path);
    }
  if (aqmp_address_is_tls (address))
    {
      g_set_error (error, AQMP_ERROR, AQMP_ERROR_CONNECT,
                   "cannot listen on '%s': the client side of TLS cannot listen", address);
      return NULL;
    }
  if (!aqmp_address_split_tcp (address, &host, &port, error))
    return NULL;
  sa = g_inet_socket_address_new_from_string (g_strcmp0 (host, "localhost") == 0 ? "127.0.0.1" : host, port);
  if (sa == NULL)
    {
      g_set_error (error, AQMP_ERROR, AQMP_ERROR_CONNECT,
                   "cannot listen on '%s': the host must be an IP address or localhost", address);
      return NULL;
    }
  return sa;
}

gchar *
aqmp_address_to_string (GSocketAddress *address)
{
  if (G_IS_UNIX_SOCKET_ADDRESS (address))
    return g_strdup_printf ("unix:%s", g_unix_socket_address_get_path (G_UNIX_SOCKET_ADDRESS (address)));
  if (G_IS_INET_SOCKET_ADDRESS (address))
    {
      GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS (address);
      g_autofree gchar *ip = g_inet_address_to_string (g_inet_socket_address_get_address (inet));
      guint16 port = g_inet_socket_address_get_port (inet);

      if (g_inet_socket_address_get_address (inet) != NULL
          && g_inet_address_get_family (g_inet_socket_address_get_address (inet)) == G_SOCKET_FAMILY_IPV6)
        return g_strdup_printf ("tcp:[%s]:%u", ip, port);
      return g_strdup_printf ("tcp:%s:%u", ip, port);
    }
  return g_strdup ("(unknown)");
}
