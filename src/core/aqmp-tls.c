/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmp-error.h"
#include "aqmp-tls-private.h"

/**
 * aqmp_tls_wrap:
 * @base: a connected TCP stream
 * @identity: what the server's certificate must name: the host connected to
 * @ca_file: (nullable): PEM file of the CAs to trust instead of the system's
 * @certificate: (nullable): the client's own certificate, with its key
 *
 * Returns: (transfer full) (nullable): a #GTlsClientConnection, not yet
 *   handshaken
 */
GIOStream *
aqmp_tls_wrap (GIOStream           *base,
               GSocketConnectable  *identity,
               const gchar         *ca_file,
               GTlsCertificate     *certificate,
               GError             **error)
{
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GTlsDatabase) database = NULL;

  tls = g_tls_client_connection_new (base, identity, error);
  if (tls == NULL)
    return NULL;
  if (ca_file != NULL)
    {
      database = g_tls_file_database_new (ca_file, error);
      if (database == NULL)
        {
          g_prefix_error (error, "cannot load the TLS CA file %s: ", ca_file);
          return NULL;
        }
      g_tls_connection_set_database (G_TLS_CONNECTION (tls), database);
    }
  if (certificate != NULL)
    g_tls_connection_set_certificate (G_TLS_CONNECTION (tls), certificate);
  return g_steal_pointer (&tls);
}

static void
aqmp_tls_describe_flags (GString *out, GTlsCertificateFlags flags)
{
  static const struct {
    GTlsCertificateFlags flag;
    const gchar *words;
  } reasons[] = {
    { G_TLS_CERTIFICATE_UNKNOWN_CA, "it is not signed by a trusted certificate authority" },
    { G_TLS_CERTIFICATE_BAD_IDENTITY, "it does not name the host connected to" },
    { G_TLS_CERTIFICATE_NOT_ACTIVATED, "it is not valid yet" },
    { G_TLS_CERTIFICATE_EXPIRED, "it has expired" },
    { G_TLS_CERTIFICATE_REVOKED, "it was revoked" },
    { G_TLS_CERTIFICATE_INSECURE, "it uses an insecure algorithm" },
    { G_TLS_CERTIFICATE_GENERIC_ERROR, "it is invalid" },
  };
  gboolean first = TRUE;

  for (gsize i = 0; i < G_N_ELEMENTS (reasons); i++)
    {
      if ((flags & reasons[i].flag) == 0)
        continue;
      g_string_append (out, first ? ": " : "; ");
      g_string_append (out, reasons[i].words);
      first = FALSE;
    }
}

/**
 * aqmp_tls_handshake_error:
 * @tls: the connection whose handshake failed
 * @address: the address connected to
 * @error: the handshake's error
 *
 * Returns: (transfer full): %AQMP_ERROR_CONNECT naming the certificate
 *   problem when there was one
 */
GError *
aqmp_tls_handshake_error (GIOStream *tls, const gchar *address, const GError *error)
{
  /* what default validation found wrong, kept by the failed handshake */
  GTlsCertificateFlags flags = g_tls_connection_get_peer_certificate_errors (G_TLS_CONNECTION (tls));
  g_autoptr(GString) out = g_string_new (NULL);

  if (flags != 0)
    {
      g_string_printf (out, "TLS handshake with %s failed: the server's certificate was refused", address);
      aqmp_tls_describe_flags (out, flags);
      return g_error_new_literal (AQMP_ERROR, AQMP_ERROR_CONNECT, out->str);
    }
  return g_error_new (AQMP_ERROR, AQMP_ERROR_CONNECT,
                      "TLS handshake with %s failed: %s (is it a TLS endpoint?)", address, error->message);
}
