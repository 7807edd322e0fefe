/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_H_INSIDE__) && !defined(AQMP_COMPILATION)
#error "Only <aqmp/aqmp.h> can be included directly."
#endif

#include "aqmp-client.h"

G_BEGIN_DECLS

/**
 * AqmpClientCheckFunc:
 * @client: the #AqmpClient
 * @command: the command about to be queued
 * @arguments: (nullable): its arguments, not to be changed
 * @user_data: the data given to aqmp_client_set_check_func()
 * @error: return location for the refusal
 *
 * Checks a command before anything of it is written. The QAPI library's
 * validator (`aqmp_schema_validator_attach()` in libaqmp-qapi) is one; the
 * core itself knows no schema.
 *
 * Returns: %TRUE to send the command; %FALSE with @error set (normally
 *   %AQMP_ERROR_INVALID) to fail the call with that error instead
 *
 * Since: 0.1
 */
typedef gboolean (*AqmpClientCheckFunc) (AqmpClient   *client,
                                         const gchar  *command,
                                         JsonObject   *arguments,
                                         gpointer      user_data,
                                         GError      **error);

void      aqmp_client_set_check_func  (AqmpClient          *self,
                                       AqmpClientCheckFunc  func,
                                       gpointer             user_data,
                                       GDestroyNotify       notify);
gboolean  aqmp_client_has_check_func  (AqmpClient          *self);
gboolean  aqmp_client_check_command   (AqmpClient          *self,
                                       const gchar         *command,
                                       JsonObject          *arguments,
                                       GError             **error);

G_END_DECLS
