/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmp-client-check.h"
#include "aqmp-error.h"

/*
 * The one hook through which a layer above the core (the QAPI library's
 * schema validator) refuses a call before it is queued. It is kept as
 * object data so that AqmpClient's own state does not grow: the client
 * asks aqmp_client_check_command() once per posted call.
 */

typedef struct {
  AqmpClientCheckFunc func;
  gpointer user_data;
  GDestroyNotify notify;
} AqmpClientCheck;

static GQuark
aqmp_client_check_quark (void)
{
  static GQuark quark;

  if (G_UNLIKELY (quark == 0))
    quark = g_quark_from_static_string ("aqmp-client-check");
  return quark;
}

static void
aqmp_client_check_free (gpointer data)
{
  AqmpClientCheck *check = data;

  if (check->notify != NULL)
    check->notify (check->user_data);
  g_free (check);
}

/**
 * aqmp_client_set_check_func:
 * @self: an #AqmpClient
 * @func: (nullable) (scope notified): the check, or %NULL to remove it
 * @user_data: (closure func): data for @func
 * @notify: (destroy user_data) (nullable): frees @user_data when the check
 *   is replaced or removed, or the client finalized
 *
 * Sets the check every command goes through before it is queued: each
 * execute call (but not the client's own `qmp_capabilities`) asks @func,
 * and a call it refuses fails with its error, with nothing written to the
 * connection. Off by default; there is one check per client.
 *
 * Since: 0.1
 */
void
aqmp_client_set_check_func (AqmpClient          *self,
                            AqmpClientCheckFunc  func,
                            gpointer             user_data,
                            GDestroyNotify       notify)
{
  AqmpClientCheck *check = NULL;

  g_return_if_fail (AQMP_IS_CLIENT (self));

  if (func != NULL)
    {
      check = g_new0 (AqmpClientCheck, 1);
      check->func = func;
      check->user_data = user_data;
      check->notify = notify;
    }
  g_object_set_qdata_full (G_OBJECT (self), aqmp_client_check_quark (), check,
                           check != NULL ? aqmp_client_check_free : NULL);
}

/**
 * aqmp_client_has_check_func:
 * @self: an #AqmpClient
 *
 * Returns whether a check is set.
 *
 * Returns: whether a check is set
 *
 * Since: 0.1
 */
gboolean
aqmp_client_has_check_func (AqmpClient *self)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (self), FALSE);

  return g_object_get_qdata (G_OBJECT (self), aqmp_client_check_quark ()) != NULL;
}

/**
 * aqmp_client_check_command:
 * @self: an #AqmpClient
 * @command: a command's name
 * @arguments: (nullable): its arguments
 * @error: return location for a #GError
 *
 * Asks the client's check, if one is set, about a command without sending
 * it: for code that does work of its own before it executes a command
 * (the job runner records a job first) and wants the refusal before that.
 *
 * Returns: %TRUE when there is no check or it lets @command through
 *
 * Since: 0.1
 */
gboolean
aqmp_client_check_command (AqmpClient   *self,
                           const gchar  *command,
                           JsonObject   *arguments,
                           GError      **error)
{
  AqmpClientCheck *check;

  g_return_val_if_fail (AQMP_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (command != NULL, FALSE);

  check = g_object_get_qdata (G_OBJECT (self), aqmp_client_check_quark ());
  if (check == NULL)
    return TRUE;
  if (check->func (self, command, arguments, check->user_data, error))
    return TRUE;
  /* a check that forgot to say why still refuses, with a reason */
  if (error != NULL && *error == NULL)
    g_set_error (error, AQMP_ERROR, AQMP_ERROR_INVALID, "%s was refused before sending", command);
  return FALSE;
}
