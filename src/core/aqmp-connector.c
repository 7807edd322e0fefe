/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>

#include "aqmp-address-private.h"
#include "aqmp-connector-private.h"
#include "aqmp-error.h"
#include "aqmp-tls-private.h"

struct _AqmpConnector {
  GObject parent_instance;

  /* TLS settings, read when a connection is wrapped */
  gboolean tls;
  gchar *tls_ca_file;
  GTlsCertificate *tls_certificate;

  /* from aqmp_connector_listen() until a server connected or close */
  GSocketListener *listener;
  gchar *listen_path;       /* nullable: a Unix socket to unlink */
};

G_DEFINE_FINAL_TYPE (AqmpConnector, aqmp_connector, G_TYPE_OBJECT)

/* ----- settings ----- */

gboolean
aqmp_connector_set_tls (AqmpConnector *self, gboolean tls)
{
  g_return_val_if_fail (AQMP_IS_CONNECTOR (self), FALSE);
  tls = !!tls;
  if (self->tls == tls)
    return FALSE;
  self->tls = tls;
  return TRUE;
}

gboolean
aqmp_connector_get_tls (AqmpConnector *self)
{
  g_return_val_if_fail (AQMP_IS_CONNECTOR (self), FALSE);
  return self->tls;
}

gboolean
aqmp_connector_set_tls_ca_file (AqmpConnector *self, const gchar *ca_file)
{
  g_return_val_if_fail (AQMP_IS_CONNECTOR (self), FALSE);
  if (g_strcmp0 (self->tls_ca_file, ca_file) == 0)
    return FALSE;
  g_free (self->tls_ca_file);
  self->tls_ca_file = g_strdup (ca_file);
  return TRUE;
}

const gchar *
aqmp_connector_get_tls_ca_file (AqmpConnector *self)
{
  g_return_val_if_fail (AQMP_IS_CONNECTOR (self), NULL);
  return self->tls_ca_file;
}

gboolean
aqmp_connector_set_tls_certificate (AqmpConnector *self, GTlsCertificate *certificate)
{
  g_return_val_if_fail (AQMP_IS_CONNECTOR (self), FALSE);
  g_return_val_if_fail (certificate == NULL || G_IS_TLS_CERTIFICATE (certificate), FALSE);
  return g_set_object (&self->tls_certificate, certificate);
}

GTlsCertificate *
aqmp_connector_get_tls_certificate (AqmpConnector *self)
{
  g_return_val_if_fail (AQMP_IS_CONNECTOR (self), NULL);
  return self->tls_certificate;
}

/* ----- addresses ----- */

/**
 * aqmp_connector_check_address:
 *
 * Whether @address can be connected to with the current settings: it
 * parses, and TLS is not asked for over a Unix socket.
 */
gboolean
aqmp_connector_check_address (AqmpConnector *self, const gchar *address, GError **error)
{
  g_autoptr(GSocketConnectable) connectable = NULL;

  g_return_val_if_fail (AQMP_IS_CONNECTOR (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  connectable = aqmp_address_parse (address, error);
  if (connectable == NULL)
    return FALSE;
  if (self->tls && aqmp_address_is_unix (address))
    {
      g_set_error (error, AQMP_ERROR, AQMP_ERROR_CONNECT,
                   "cannot connect to %s: TLS is only available over TCP (tcp:HOST:PORT or tls:HOST:PORT)",
                   address);
      return FALSE;
    }
  return TRUE;
}

/* whether a connection to @address is wrapped in TLS */
gboolean
aqmp_connector_wants_tls (AqmpConnector *self, const gchar *address)
{
  g_return_val_if_fail (AQMP_IS_CONNECTOR (self), FALSE);
  return aqmp_address_is_tls (address) || (self->tls && !aqmp_address_is_unix (address));
}

/* ----- connecting ----- */

static void
aqmp_connector_handshaken_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  const gchar *address = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), res, &error))
    {
      g_task_return_error (task, aqmp_tls_handshake_error (G_IO_STREAM (source), address, error));
      return;
    }
  g_debug ("TLS handshake with %s done", address);
  g_task_return_pointer (task, g_object_ref (source), g_object_unref);
}

/* wraps the TCP connection in TLS and starts the handshake */
static void
aqmp_connector_start_tls (AqmpConnector *self, GTask *task, GSocketConnection *connection)
{
  const gchar *address = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnectable) identity = aqmp_address_parse (address, &error);
  g_autoptr(GIOStream) tls = NULL;

  if (identity != NULL)
    tls = aqmp_tls_wrap (G_IO_STREAM (connection), identity, self->tls_ca_file,
                         self->tls_certificate, &error);
  if (tls == NULL)
    {
      g_task_return_new_error (task, AQMP_ERROR, AQMP_ERROR_CONNECT,
                               "cannot use TLS with %s: %s", address, error->message);
      g_object_unref (task);
      return;
    }
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable (task),
                                    aqmp_connector_handshaken_cb, task);
}

static void
aqmp_connector_connected_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  AqmpConnector *self = g_task_get_source_object (task);
  const gchar *address = g_task_get_task_data (task);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), res, &error);
  if (connection == NULL)
    {
      g_task_return_new_error (task, AQMP_ERROR, AQMP_ERROR_CONNECT,
                               "cannot connect to %s: %s", address, error->message);
      return;
    }
  if (aqmp_connector_wants_tls (self, address))
    {
      aqmp_connector_start_tls (self, g_steal_pointer (&task), connection);
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&connection), g_object_unref);
}

/**
 * aqmp_connector_connect_async:
 * @address: an address that passed aqmp_connector_check_address()
 *
 * Connects to @address; over TLS, also wraps the connection and
 * handshakes, verifying the server's certificate.
 */
void
aqmp_connector_connect_async (AqmpConnector       *self,
                              const gchar         *address,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GSocketConnectable) connectable = NULL;
  g_autoptr(GSocketClient) socket_client = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (AQMP_IS_CONNECTOR (self));
  g_return_if_fail (address != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aqmp_connector_connect_async);
  g_task_set_task_data (task, g_strdup (address), g_free);
  connectable = aqmp_address_parse (address, &error);
  if (connectable == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  socket_client = g_socket_client_new ();
  g_socket_client_connect_async (socket_client, connectable, cancellable,
                                 aqmp_connector_connected_cb, g_steal_pointer (&task));
}

/**
 * aqmp_connector_connect_finish:
 *
 * Returns: (transfer full) (nullable): the connected stream; a
 *   #GTlsClientConnection, handshaken, when TLS applies
 */
GIOStream *
aqmp_connector_connect_finish (AqmpConnector *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (AQMP_IS_CONNECTOR (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ----- listening ----- */

/**
 * aqmp_connector_listen:
 *
 * Creates the listening socket for aqmp_connector_accept_async(),
 * replacing one made before.
 *
 * Returns: (transfer full) (nullable): the address listened on
 */
gchar *
aqmp_connector_listen (AqmpConnector *self, const gchar *address, GError **error)
{
  g_autoptr(GSocketAddress) sa = NULL;
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GSocketListener) listener = NULL;

  g_return_val_if_fail (AQMP_IS_CONNECTOR (self), NULL);
  g_return_val_if_fail (address != NULL, NULL);

  sa = aqmp_address_parse_listen (address, error);
  if (sa == NULL)
    return NULL;
  listener = g_socket_listener_new ();
  g_socket_listener_set_backlog (listener, 1);
  if (!g_socket_listener_add_address (listener, sa, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_DEFAULT, NULL, &effective, error))
    {
      g_prefix_error (error, "cannot listen on %s: ", address);
      if (error != NULL && *error != NULL && (*error)->domain != AQMP_ERROR)
        {
          (*error)->domain = AQMP_ERROR;
          (*error)->code = AQMP_ERROR_CONNECT;
        }
      return NULL;
    }
  aqmp_connector_close (self);
  self->listener = g_steal_pointer (&listener);
  if (G_IS_UNIX_SOCKET_ADDRESS (effective))
    self->listen_path = g_strdup (g_unix_socket_address_get_path (G_UNIX_SOCKET_ADDRESS (effective)));
  return aqmp_address_to_string (effective);
}

gboolean
aqmp_connector_is_listening (AqmpConnector *self)
{
  g_return_val_if_fail (AQMP_IS_CONNECTOR (self), FALSE);
  return self->listener != NULL;
}

static void
aqmp_connector_accepted_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  AqmpConnector *self = g_task_get_source_object (task);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  connection = g_socket_listener_accept_finish (G_SOCKET_LISTENER (source), res, NULL, &error);
  /* one server per listen: the socket is not needed any more, unless it
   * was closed and another made meanwhile */
  if (self->listener == G_SOCKET_LISTENER (source))
    aqmp_connector_close (self);
  if (connection == NULL)
    {
      g_task_return_new_error (task, AQMP_ERROR, AQMP_ERROR_CONNECT,
                               "accepting a connection failed: %s", error->message);
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&connection), g_object_unref);
}

/**
 * aqmp_connector_accept_async:
 *
 * Waits for one server to connect to the socket of
 * aqmp_connector_listen(), which is then closed.
 */
void
aqmp_connector_accept_async (AqmpConnector       *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (AQMP_IS_CONNECTOR (self));
  g_return_if_fail (self->listener != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aqmp_connector_accept_async);
  g_socket_listener_accept_async (self->listener, cancellable,
                                  aqmp_connector_accepted_cb, g_steal_pointer (&task));
}

/**
 * aqmp_connector_accept_finish:
 *
 * Returns: (transfer full) (nullable): the server's connection
 */
GIOStream *
aqmp_connector_accept_finish (AqmpConnector *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (AQMP_IS_CONNECTOR (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* closes the listening socket, if any, and removes its path */
void
aqmp_connector_close (AqmpConnector *self)
{
  g_return_if_fail (AQMP_IS_CONNECTOR (self));
  if (self->listener == NULL)
    return;
  g_socket_listener_close (self->listener);
  g_clear_object (&self->listener);
  if (self->listen_path != NULL)
    g_unlink (self->listen_path);
  g_clear_pointer (&self->listen_path, g_free);
}

/* ----- GObject ----- */

static void
aqmp_connector_dispose (GObject *object)
{
  aqmp_connector_close (AQMP_CONNECTOR (object));
  G_OBJECT_CLASS (aqmp_connector_parent_class)->dispose (object);
}

static void
aqmp_connector_finalize (GObject *object)
{
  AqmpConnector *self = AQMP_CONNECTOR (object);

  g_free (self->tls_ca_file);
  g_clear_object (&self->tls_certificate);
  G_OBJECT_CLASS (aqmp_connector_parent_class)->finalize (object);
}

static void
aqmp_connector_class_init (AqmpConnectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = aqmp_connector_dispose;
  object_class->finalize = aqmp_connector_finalize;
}

static void
aqmp_connector_init (AqmpConnector *self)
{
}

AqmpConnector *
aqmp_connector_new (void)
{
  return g_object_new (AQMP_TYPE_CONNECTOR, NULL);
}
