/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_H_INSIDE__) && !defined(AQMP_COMPILATION)
#error "Only <aqmp/aqmp.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/**
 * AQMP_ERROR:
 *
 * The error domain of every #GError the library reports, except
 * %G_IO_ERROR_CANCELLED for a cancelled call.
 *
 * Since: 0.1
 */
#define AQMP_ERROR (aqmp_error_quark ())

/**
 * AqmpError:
 * @AQMP_ERROR_FAILED: a failure with no more specific code
 * @AQMP_ERROR_CONNECT: the transport could not be set up (address
 *   invalid, connection refused, socket missing, TLS handshake failed)
 * @AQMP_ERROR_NEGOTIATION: the server refused capability negotiation
 * @AQMP_ERROR_COMMAND: the server answered with an error reply; see
 *   aqmp_error_get_qmp_class() and aqmp_error_get_qmp_desc()
 * @AQMP_ERROR_DISCONNECTED: the connection is gone; the message names
 *   the cause
 * @AQMP_ERROR_PROTOCOL: the peer broke the protocol (invalid JSON,
 *   unexpected message, malformed greeting or reply)
 * @AQMP_ERROR_TIMEOUT: no answer within the allowed time
 * @AQMP_ERROR_STATE: the call is not allowed in the client's current state
 * @AQMP_ERROR_TOO_LARGE: a message exceeded the size limit: a reply over
 *   its call's limit fails only that call; any other oversized message
 *   fails the connection
 * @AQMP_ERROR_QUEUE_FULL: the outbound queue limit was reached because the
 *   server stopped reading
 * @AQMP_ERROR_INVALID: the client's check (aqmp_client_set_check_func(),
 *   such as the QAPI library's schema validation) refused the call before
 *   anything of it was written; the message says why
 *
 * Error codes in the %AQMP_ERROR domain.
 *
 * Since: 0.1
 */
typedef enum {
  AQMP_ERROR_FAILED,
  AQMP_ERROR_CONNECT,
  AQMP_ERROR_NEGOTIATION,
  AQMP_ERROR_COMMAND,
  AQMP_ERROR_DISCONNECTED,
  AQMP_ERROR_PROTOCOL,
  AQMP_ERROR_TIMEOUT,
  AQMP_ERROR_STATE,
  AQMP_ERROR_TOO_LARGE,
  AQMP_ERROR_QUEUE_FULL,
  AQMP_ERROR_INVALID,
} AqmpError;

GQuark       aqmp_error_quark          (void);

const gchar *aqmp_error_get_qmp_class  (const GError *error);
const gchar *aqmp_error_get_qmp_desc   (const GError *error);

GError      *aqmp_error_new_command    (const gchar *command,
                                        const gchar *qmp_class,
                                        const gchar *qmp_desc);

G_END_DECLS
