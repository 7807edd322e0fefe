/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * The daemon's error domain. Each code has a D-Bus error name
 * io.github.aqmp.Aqmp1.Error.NAME, registered with
 * g_dbus_error_register_error_domain().
 */
#define AQMPD_ERROR (aqmpd_error_quark ())

typedef enum {
  AQMPD_ERROR_FAILED,
  AQMPD_ERROR_NOT_AUTHORIZED,
  AQMPD_ERROR_INVALID_ARGS,
  AQMPD_ERROR_NOT_FOUND,
  AQMPD_ERROR_REFUSED,
  AQMPD_ERROR_COMMAND,
  AQMPD_ERROR_DISCONNECTED,
  AQMPD_ERROR_TIMEOUT,
  AQMPD_ERROR_CONNECT,
  AQMPD_ERROR_CANCELLED,
  AQMPD_ERROR_NOT_SUPPORTED,
  AQMPD_ERROR_INVALID,
  AQMPD_N_ERRORS /*< skip >*/
} AqmpdError;

GQuark   aqmpd_error_quark             (void);
GError  *aqmpd_error_from_error        (const GError          *error);
void     aqmpd_invocation_return_error (GDBusMethodInvocation *invocation,
                                        const GError          *error);

G_END_DECLS
