/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmp-client-private.h"
#include "aqmp-enum-types.h"
#include "aqmp-error.h"

/*
 * AqmpClient's properties: its settings, which take effect on the next
 * connection unless they say otherwise, what the last server said, and
 * the GObject property table.
 */

static GParamSpec *props[N_PROPS];

/* notifies only what changed: callers compare first */
void
aqmp_client_notify (AqmpClient *self, AqmpClientProperty prop)
{
  g_object_notify_by_pspec (G_OBJECT (self), props[prop]);
}

/**
 * aqmp_client_set_default_timeout:
 * @self: an #AqmpClient
 * @timeout_ms: milliseconds, or 0 for no timeout
 *
 * Sets the timeout of calls that do not give their own.
 *
 * Since: 0.1
 */
void
aqmp_client_set_default_timeout (AqmpClient *self, guint timeout_ms)
{
  g_return_if_fail (AQMP_IS_CLIENT (self));
  if (self->default_timeout == timeout_ms)
    return;
  self->default_timeout = timeout_ms;
  aqmp_client_notify (self, PROP_DEFAULT_TIMEOUT);
}

/**
 * aqmp_client_get_default_timeout:
 * @self: an #AqmpClient
 *
 * Returns the default call timeout in milliseconds; 0 for none.
 *
 * Returns: the default call timeout in milliseconds; 0 for none
 *
 * Since: 0.1
 */
guint
aqmp_client_get_default_timeout (AqmpClient *self)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), 0);
  return self->default_timeout;
}

/**
 * aqmp_client_set_connect_timeout:
 * @self: an #AqmpClient
 * @timeout_ms: milliseconds, or 0 for no timeout
 *
 * Bounds connecting, the greeting and negotiation together.
 *
 * Since: 0.1
 */
void
aqmp_client_set_connect_timeout (AqmpClient *self, guint timeout_ms)
{
  g_return_if_fail (AQMP_IS_CLIENT (self));
  if (self->connect_timeout == timeout_ms)
    return;
  self->connect_timeout = timeout_ms;
  aqmp_client_notify (self, PROP_CONNECT_TIMEOUT);
}

/**
 * aqmp_client_get_connect_timeout:
 * @self: an #AqmpClient
 *
 * Returns the connect timeout in milliseconds; 0 for none.
 *
 * Returns: the connect timeout in milliseconds; 0 for none
 *
 * Since: 0.1
 */
guint
aqmp_client_get_connect_timeout (AqmpClient *self)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), 0);
  return self->connect_timeout;
}

/**
 * aqmp_client_set_max_message_size:
 * @self: an #AqmpClient
 * @size: the largest incoming message accepted, in bytes
 *
 * A larger reply fails its call with %AQMP_ERROR_TOO_LARGE, and the
 * connection goes on, when it ends within twice the limit; any other
 * larger message (an event, an error without id, one that does not end)
 * fails the connection with %AQMP_ERROR_TOO_LARGE. The protocol may allow
 * particular replies more (aqmp_protocol_get_max_reply_size()). Memory
 * for one message stays within the largest limit in force. Takes effect
 * on the next connection.
 *
 * Since: 0.1
 */
void
aqmp_client_set_max_message_size (AqmpClient *self, gsize size)
{
  g_return_if_fail (AQMP_IS_CLIENT (self));
  g_return_if_fail (size > 0);
  if (self->max_message_size == size)
    return;
  self->max_message_size = size;
  aqmp_client_notify (self, PROP_MAX_MESSAGE_SIZE);
}

/**
 * aqmp_client_get_max_message_size:
 * @self: an #AqmpClient
 *
 * Returns the incoming message size limit in bytes.
 *
 * Returns: the incoming message size limit in bytes
 *
 * Since: 0.1
 */
gsize
aqmp_client_get_max_message_size (AqmpClient *self)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), 0);
  return self->max_message_size;
}

/**
 * aqmp_client_set_max_queue_size:
 * @self: an #AqmpClient
 * @size: bytes, or 0 for no limit
 *
 * Limits the outbound data waiting for the server to read it. Past it,
 * calls fail at once with %AQMP_ERROR_QUEUE_FULL.
 *
 * Since: 0.1
 */
void
aqmp_client_set_max_queue_size (AqmpClient *self, gsize size)
{
  g_return_if_fail (AQMP_IS_CLIENT (self));
  if (self->max_queue_size == size)
    return;
  self->max_queue_size = size;
  aqmp_client_notify (self, PROP_MAX_QUEUE_SIZE);
}

/**
 * aqmp_client_get_max_queue_size:
 * @self: an #AqmpClient
 *
 * Returns the outbound queue limit in bytes; 0 for none.
 *
 * Returns: the outbound queue limit in bytes; 0 for none
 *
 * Since: 0.1
 */
gsize
aqmp_client_get_max_queue_size (AqmpClient *self)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), 0);
  return self->max_queue_size;
}

/**
 * aqmp_client_set_request_oob:
 * @self: an #AqmpClient
 * @request_oob: whether to enable out-of-band execution when offered
 *
 * Takes effect on the next connection.
 *
 * Since: 0.1
 */
void
aqmp_client_set_request_oob (AqmpClient *self, gboolean request_oob)
{
  g_return_if_fail (AQMP_IS_CLIENT (self));
  request_oob = !!request_oob;
  if (self->request_oob == request_oob)
    return;
  self->request_oob = request_oob;
  aqmp_client_notify (self, PROP_REQUEST_OOB);
}

/**
 * aqmp_client_get_request_oob:
 * @self: an #AqmpClient
 *
 * Returns whether out-of-band execution is requested.
 *
 * Returns: whether out-of-band execution is requested
 *
 * Since: 0.1
 */
gboolean
aqmp_client_get_request_oob (AqmpClient *self)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), FALSE);
  return self->request_oob;
}

/**
 * aqmp_client_set_no_reply_grace:
 * @self: an #AqmpClient
 * @grace_ms: milliseconds, or 0 to complete at once
 *
 * How long a command that gets no reply on success (see
 * %AQMP_EXECUTE_FLAGS_NO_REPLY) waits for an error reply after it was
 * written. Takes effect on the next connection.
 *
 * Since: 0.1
 */
void
aqmp_client_set_no_reply_grace (AqmpClient *self, guint grace_ms)
{
  g_return_if_fail (AQMP_IS_CLIENT (self));
  if (self->no_reply_grace == grace_ms)
    return;
  self->no_reply_grace = grace_ms;
  aqmp_client_notify (self, PROP_NO_REPLY_GRACE);
}

/**
 * aqmp_client_get_no_reply_grace:
 * @self: an #AqmpClient
 *
 * Returns the grace period of commands without a reply, in milliseconds.
 *
 * Returns: the grace period of commands without a reply, in milliseconds
 *
 * Since: 0.1
 */
guint
aqmp_client_get_no_reply_grace (AqmpClient *self)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), 0);
  return self->no_reply_grace;
}

/**
 * aqmp_client_set_protocol:
 * @self: an #AqmpClient
 * @protocol: (nullable): a protocol variant, or %NULL for plain QMP
 *
 * Sets how the next connection starts and runs, for example the guest
 * agent's variant from the `qga` plugin. Only allowed while idle.
 *
 * Since: 0.1
 */
void
aqmp_client_set_protocol (AqmpClient *self, AqmpProtocol *protocol)
{
  g_return_if_fail (AQMP_IS_CLIENT (self));
  g_return_if_fail (protocol == NULL || AQMP_IS_PROTOCOL (protocol));
  g_return_if_fail (self->state == AQMP_STATE_IDLE);

  if (!g_set_object (&self->protocol, protocol))
    return;
  aqmp_client_notify (self, PROP_PROTOCOL);
}

/**
 * aqmp_client_get_protocol:
 * @self: an #AqmpClient
 *
 * Returns the protocol variant, or %NULL for plain QMP.
 *
 * Returns: (transfer none) (nullable): the protocol variant, or %NULL for
 *   plain QMP
 *
 * Since: 0.1
 */
AqmpProtocol *
aqmp_client_get_protocol (AqmpClient *self)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), NULL);
  return self->protocol;
}

/**
 * aqmp_client_set_tls:
 * @self: an #AqmpClient
 * @tls: whether to use TLS for TCP addresses
 *
 * With @tls set, `tcp:HOST:PORT` and `HOST:PORT` connect with TLS, as
 * `tls:HOST:PORT` always does, and Unix socket addresses are refused.
 * Takes effect on the next connection.
 *
 * Since: 0.1
 */
void
aqmp_client_set_tls (AqmpClient *self, gboolean tls)
{
  g_return_if_fail (AQMP_IS_CLIENT (self));
  if (!aqmp_connector_set_tls (self->connector, tls))
    return;
  aqmp_client_notify (self, PROP_TLS);
}

/**
 * aqmp_client_get_tls:
 * @self: an #AqmpClient
 *
 * Returns whether TCP addresses connect with TLS.
 *
 * Returns: whether TCP addresses connect with TLS
 *
 * Since: 0.1
 */
gboolean
aqmp_client_get_tls (AqmpClient *self)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), FALSE);
  return aqmp_connector_get_tls (self->connector);
}

/**
 * aqmp_client_set_tls_ca_file:
 * @self: an #AqmpClient
 * @ca_file: (nullable) (type filename): a PEM file of the certificate
 *   authorities to trust, or %NULL for the system's trust store
 *
 * Sets what the server's certificate is verified against. Takes effect on
 * the next connection; a file that cannot be loaded fails that connect
 * with %AQMP_ERROR_CONNECT.
 *
 * Since: 0.1
 */
void
aqmp_client_set_tls_ca_file (AqmpClient *self, const gchar *ca_file)
{
  g_return_if_fail (AQMP_IS_CLIENT (self));
  if (!aqmp_connector_set_tls_ca_file (self->connector, ca_file))
    return;
  aqmp_client_notify (self, PROP_TLS_CA_FILE);
}

/**
 * aqmp_client_get_tls_ca_file:
 * @self: an #AqmpClient
 *
 * Returns the CA file, or %NULL for the system's trust store.
 *
 * Returns: (nullable) (type filename): the CA file, or %NULL for the
 *   system's trust store
 *
 * Since: 0.1
 */
const gchar *
aqmp_client_get_tls_ca_file (AqmpClient *self)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), NULL);
  return aqmp_connector_get_tls_ca_file (self->connector);
}

/**
 * aqmp_client_set_tls_certificate:
 * @self: an #AqmpClient
 * @certificate: (nullable): the client's certificate, with its private key
 *
 * Sets the certificate the client presents, for monitors whose TLS
 * credentials have `verify-peer=on`. Takes effect on the next connection.
 *
 * Since: 0.1
 */
void
aqmp_client_set_tls_certificate (AqmpClient *self, GTlsCertificate *certificate)
{
  g_return_if_fail (AQMP_IS_CLIENT (self));
  g_return_if_fail (certificate == NULL || G_IS_TLS_CERTIFICATE (certificate));
  if (!aqmp_connector_set_tls_certificate (self->connector, certificate))
    return;
  aqmp_client_notify (self, PROP_TLS_CERTIFICATE);
}

/**
 * aqmp_client_get_tls_certificate:
 * @self: an #AqmpClient
 *
 * Returns the client's certificate.
 *
 * Returns: (transfer none) (nullable): the client's certificate
 *
 * Since: 0.1
 */
GTlsCertificate *
aqmp_client_get_tls_certificate (AqmpClient *self)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), NULL);
  return aqmp_connector_get_tls_certificate (self->connector);
}

/**
 * aqmp_client_set_tls_certificate_files:
 * @self: an #AqmpClient
 * @cert_file: (type filename): a PEM file with the client's certificate
 * @key_file: (nullable) (type filename): a PEM file with its private key,
 *   or %NULL when @cert_file holds both
 * @error: return location for a #GError
 *
 * Loads the client's certificate and key and sets them as with
 * aqmp_client_set_tls_certificate().
 *
 * Returns: %TRUE when both were loaded; %FALSE with @error set otherwise,
 *   leaving the certificate as it was
 *
 * Since: 0.1
 */
gboolean
aqmp_client_set_tls_certificate_files (AqmpClient   *self,
                                       const gchar  *cert_file,
                                       const gchar  *key_file,
                                       GError      **error)
{
  g_autoptr(GTlsCertificate) certificate = NULL;

  g_return_val_if_fail (AQMP_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (cert_file != NULL, FALSE);

  if (key_file != NULL)
    certificate = g_tls_certificate_new_from_files (cert_file, key_file, error);
  else
    certificate = g_tls_certificate_new_from_file (cert_file, error);
  if (certificate == NULL)
    {
      g_prefix_error (error, "cannot load the TLS certificate %s: ", cert_file);
      return FALSE;
    }
  aqmp_client_set_tls_certificate (self, certificate);
  return TRUE;
}

/**
 * aqmp_client_set_reconnect:
 * @self: an #AqmpClient
 * @enabled: whether to reconnect after an unexpected loss
 * @initial_delay_ms: the delay before the first attempt, in milliseconds
 *   (at least 1; 0 picks 100)
 * @max_delay_ms: the cap on the delay, which doubles after each failed
 *   attempt (0 picks 10000; never below @initial_delay_ms)
 *
 * Makes the client reconnect to the address of aqmp_client_connect_async()
 * when a running connection is lost: the server closed it, it broke, or a
 * protocol error ended it. Not after aqmp_client_disconnect_async(), nor
 * after `quit`, nor for connections made by
 * aqmp_client_connect_stream_async() or aqmp_client_accept_async(). Each
 * delay varies by up to a quarter either way, so that many clients do
 * not retry in step. See the "Reconnecting" section of #AqmpClient for
 * what happens to calls and signals meanwhile.
 *
 * Turning it off stops reconnecting: no further attempt is made (one under
 * way may still succeed).
 *
 * Since: 0.1
 */
void
aqmp_client_set_reconnect (AqmpClient *self,
                           gboolean    enabled,
                           guint       initial_delay_ms,
                           guint       max_delay_ms)
{
  g_return_if_fail (AQMP_IS_CLIENT (self));

  self->reconnect = !!enabled;
  self->reconnect_delay = initial_delay_ms > 0 ? initial_delay_ms : AQMP_DEFAULT_RECONNECT_DELAY;
  self->reconnect_max_delay = MAX (max_delay_ms > 0 ? max_delay_ms : AQMP_DEFAULT_RECONNECT_MAX_DELAY,
                                   self->reconnect_delay);
  if (!self->reconnect && (self->reconnecting || self->reconnect_due))
    aqmp_client_stop_reconnecting (self);
}

/**
 * aqmp_client_get_reconnect:
 * @self: an #AqmpClient
 * @initial_delay_ms: (out) (optional): the first delay, in milliseconds
 * @max_delay_ms: (out) (optional): the cap on the delay, in milliseconds
 *
 * Returns whether the client reconnects after an unexpected loss.
 *
 * Returns: whether the client reconnects after an unexpected loss
 *
 * Since: 0.1
 */
gboolean
aqmp_client_get_reconnect (AqmpClient *self, guint *initial_delay_ms, guint *max_delay_ms)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), FALSE);
  if (initial_delay_ms != NULL)
    *initial_delay_ms = self->reconnect_delay;
  if (max_delay_ms != NULL)
    *max_delay_ms = self->reconnect_max_delay;
  return self->reconnect;
}

/**
 * aqmp_client_get_reconnecting:
 * @self: an #AqmpClient
 *
 * Returns whether the client is between losing a connection and
 * reconnecting (waiting for the next attempt, or attempting).
 *
 * Returns: whether the client is between losing a connection and
 *   reconnecting (waiting for the next attempt, or attempting)
 *
 * Since: 0.1
 */
gboolean
aqmp_client_get_reconnecting (AqmpClient *self)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), FALSE);
  return self->reconnecting;
}

/**
 * aqmp_client_get_oob_enabled:
 * @self: an #AqmpClient
 *
 * Returns whether out-of-band execution was negotiated.
 *
 * Returns: whether out-of-band execution was negotiated
 *
 * Since: 0.1
 */
gboolean
aqmp_client_get_oob_enabled (AqmpClient *self)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), FALSE);
  return self->session != NULL && aqmp_session_get_oob_enabled (self->session);
}

/**
 * aqmp_client_get_address:
 * @self: an #AqmpClient
 *
 * Returns the address given to the last aqmp_client_connect_async(), as
 * given; %NULL for a client connected to a stream or by
 * aqmp_client_accept_async().
 *
 * Returns: (nullable): the address given to the last
 *   aqmp_client_connect_async(), as given; %NULL for a client connected
 *   to a stream or by aqmp_client_accept_async()
 *
 * Since: 0.1
 */
const gchar *
aqmp_client_get_address (AqmpClient *self)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), NULL);
  return self->address;
}

/**
 * aqmp_client_get_peer_credentials:
 * @self: an #AqmpClient
 * @error: return location for a #GError
 *
 * Who is at the other end of a Unix socket connection (SO_PEERCRED on
 * Linux): for a connection to QEMU, QEMU's pid and uid. For a socket pair
 * these are the credentials of the process that made the pair.
 *
 * Returns: (transfer full) (nullable): the peer's credentials, or %NULL
 *   with @error set when the client is not connected over a Unix socket
 *   or the system cannot tell
 *
 * Since: 0.1
 */
GCredentials *
aqmp_client_get_peer_credentials (AqmpClient *self, GError **error)
{
  GSocket *socket;

  g_return_val_if_fail (AQMP_IS_CLIENT (self), NULL);

  socket = self->session != NULL ? aqmp_session_get_unix_socket (self->session) : NULL;
  if (socket == NULL)
    {
      g_set_error_literal (error, AQMP_ERROR, AQMP_ERROR_STATE,
                           "the client is not connected over a Unix socket");
      return NULL;
    }
  return g_socket_get_credentials (socket, error);
}

/**
 * aqmp_client_get_greeting:
 * @self: an #AqmpClient
 *
 * Returns the server's greeting, once received.
 *
 * Returns: (transfer none) (nullable): the server's greeting, once received
 *
 * Since: 0.1
 */
JsonObject *
aqmp_client_get_greeting (AqmpClient *self)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), NULL);
  return self->greeting;
}

/**
 * aqmp_client_get_server_version:
 * @self: an #AqmpClient
 * @major: (out) (optional): the major version
 * @minor: (out) (optional): the minor version
 * @micro: (out) (optional): the micro version
 *
 * Returns %TRUE when a greeting was received.
 *
 * Returns: %TRUE when a greeting was received
 *
 * Since: 0.1
 */
gboolean
aqmp_client_get_server_version (AqmpClient *self, guint *major, guint *minor, guint *micro)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), FALSE);
  if (major != NULL)
    *major = self->version[0];
  if (minor != NULL)
    *minor = self->version[1];
  if (micro != NULL)
    *micro = self->version[2];
  return self->greeting != NULL;
}

/**
 * aqmp_client_has_capability:
 * @self: an #AqmpClient
 * @capability: a capability name, such as `"oob"`
 *
 * Returns whether the server's greeting offered @capability.
 *
 * Returns: whether the server's greeting offered @capability
 *
 * Since: 0.1
 */
gboolean
aqmp_client_has_capability (AqmpClient *self, const gchar *capability)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (capability != NULL, FALSE);
  return self->capabilities != NULL && g_strv_contains ((const gchar * const *) self->capabilities, capability);
}

static void
aqmp_client_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  AqmpClient *self = AQMP_CLIENT (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_DEFAULT_TIMEOUT:
      g_value_set_uint (value, self->default_timeout);
      break;
    case PROP_CONNECT_TIMEOUT:
      g_value_set_uint (value, self->connect_timeout);
      break;
    case PROP_MAX_MESSAGE_SIZE:
      g_value_set_uint64 (value, self->max_message_size);
      break;
    case PROP_MAX_QUEUE_SIZE:
      g_value_set_uint64 (value, self->max_queue_size);
      break;
    case PROP_REQUEST_OOB:
      g_value_set_boolean (value, self->request_oob);
      break;
    case PROP_OOB_ENABLED:
      g_value_set_boolean (value, aqmp_client_get_oob_enabled (self));
      break;
    case PROP_NO_REPLY_GRACE:
      g_value_set_uint (value, self->no_reply_grace);
      break;
    case PROP_PROTOCOL:
      g_value_set_object (value, self->protocol);
      break;
    case PROP_TLS:
      g_value_set_boolean (value, aqmp_connector_get_tls (self->connector));
      break;
    case PROP_TLS_CA_FILE:
      g_value_set_string (value, aqmp_connector_get_tls_ca_file (self->connector));
      break;
    case PROP_TLS_CERTIFICATE:
      g_value_set_object (value, aqmp_connector_get_tls_certificate (self->connector));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aqmp_client_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  AqmpClient *self = AQMP_CLIENT (object);

  switch (prop_id)
    {
    case PROP_DEFAULT_TIMEOUT:
      aqmp_client_set_default_timeout (self, g_value_get_uint (value));
      break;
    case PROP_CONNECT_TIMEOUT:
      aqmp_client_set_connect_timeout (self, g_value_get_uint (value));
      break;
    case PROP_MAX_MESSAGE_SIZE:
      aqmp_client_set_max_message_size (self, (gsize) g_value_get_uint64 (value));
      break;
    case PROP_MAX_QUEUE_SIZE:
      aqmp_client_set_max_queue_size (self, (gsize) g_value_get_uint64 (value));
      break;
    case PROP_REQUEST_OOB:
      aqmp_client_set_request_oob (self, g_value_get_boolean (value));
      break;
    case PROP_NO_REPLY_GRACE:
      aqmp_client_set_no_reply_grace (self, g_value_get_uint (value));
      break;
    case PROP_PROTOCOL:
      aqmp_client_set_protocol (self, g_value_get_object (value));
      break;
    case PROP_TLS:
      aqmp_client_set_tls (self, g_value_get_boolean (value));
      break;
    case PROP_TLS_CA_FILE:
      aqmp_client_set_tls_ca_file (self, g_value_get_string (value));
      break;
    case PROP_TLS_CERTIFICATE:
      aqmp_client_set_tls_certificate (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

void
aqmp_client_install_properties (GObjectClass *object_class)
{
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = aqmp_client_get_property;
  object_class->set_property = aqmp_client_set_property;

  /**
   * AqmpClient:state:
   *
   * The connection's life-cycle state.
   *
   * Since: 0.1
   */
  props[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, AQMP_TYPE_STATE,
                                         AQMP_STATE_IDLE, ro);
  /**
   * AqmpClient:default-timeout:
   *
   * Milliseconds a call waits for its reply unless it says otherwise;
   * 0 waits for ever.
   *
   * Since: 0.1
   */
  props[PROP_DEFAULT_TIMEOUT] = g_param_spec_uint ("default-timeout", NULL, NULL,
                                                   0, G_MAXUINT, 0, rw);
  /**
   * AqmpClient:connect-timeout:
   *
   * Milliseconds allowed for connecting, the greeting and negotiation.
   *
   * Since: 0.1
   */
  props[PROP_CONNECT_TIMEOUT] = g_param_spec_uint ("connect-timeout", NULL, NULL,
                                                   0, G_MAXUINT, AQMP_DEFAULT_CONNECT_TIMEOUT, rw);
  /**
   * AqmpClient:max-message-size:
   *
   * The largest incoming message, in bytes, except the replies a
   * protocol allows more (aqmp_protocol_get_max_reply_size()). See
   * aqmp_client_set_max_message_size().
   *
   * Since: 0.1
   */
  props[PROP_MAX_MESSAGE_SIZE] = g_param_spec_uint64 ("max-message-size", NULL, NULL,
                                                      1, G_MAXSIZE, AQMP_DEFAULT_MAX_MESSAGE_SIZE, rw);
  /**
   * AqmpClient:max-queue-size:
   *
   * The most outbound bytes that may wait for the server; 0 for no limit.
   *
   * Since: 0.1
   */
  props[PROP_MAX_QUEUE_SIZE] = g_param_spec_uint64 ("max-queue-size", NULL, NULL,
                                                    0, G_MAXSIZE, AQMP_DEFAULT_MAX_QUEUE_SIZE, rw);
  /**
   * AqmpClient:request-oob:
   *
   * Whether to enable out-of-band execution when the server offers it.
   *
   * Since: 0.1
   */
  props[PROP_REQUEST_OOB] = g_param_spec_boolean ("request-oob", NULL, NULL, FALSE, rw);
  /**
   * AqmpClient:oob-enabled:
   *
   * Whether out-of-band execution was negotiated.
   *
   * Since: 0.1
   */
  props[PROP_OOB_ENABLED] = g_param_spec_boolean ("oob-enabled", NULL, NULL, FALSE, ro);
  /**
   * AqmpClient:no-reply-grace:
   *
   * Milliseconds a command without a reply on success waits for an error.
   *
   * Since: 0.1
   */
  props[PROP_NO_REPLY_GRACE] = g_param_spec_uint ("no-reply-grace", NULL, NULL,
                                                  0, G_MAXUINT, AQMP_DEFAULT_NO_REPLY_GRACE, rw);
  /**
   * AqmpClient:protocol:
   *
   * The protocol variant, or %NULL for plain QMP.
   *
   * Since: 0.1
   */
  props[PROP_PROTOCOL] = g_param_spec_object ("protocol", NULL, NULL, AQMP_TYPE_PROTOCOL, rw);
  /**
   * AqmpClient:tls:
   *
   * Whether TCP addresses connect with TLS; `tls:HOST:PORT` always does.
   *
   * Since: 0.1
   */
  props[PROP_TLS] = g_param_spec_boolean ("tls", NULL, NULL, FALSE, rw);
  /**
   * AqmpClient:tls-ca-file:
   *
   * A PEM file of the certificate authorities the server's certificate
   * must be signed by; %NULL for the system's trust store.
   *
   * Since: 0.1
   */
  props[PROP_TLS_CA_FILE] = g_param_spec_string ("tls-ca-file", NULL, NULL, NULL, rw);
  /**
   * AqmpClient:tls-certificate:
   *
   * The certificate, with its private key, that the client presents.
   *
   * Since: 0.1
   */
  props[PROP_TLS_CERTIFICATE] = g_param_spec_object ("tls-certificate", NULL, NULL,
                                                     G_TYPE_TLS_CERTIFICATE, rw);
  g_object_class_install_properties (object_class, N_PROPS, props);

}
