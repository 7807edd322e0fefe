/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <aqmp/aqmp.h>
#include <aqmp/aqmp-jobs.h>

#include "aqmpd-error.h"

static const GDBusErrorEntry aqmpd_error_entries[] = {
  { AQMPD_ERROR_FAILED, "io.github.aqmp.Aqmp1.Error.Failed" },
  { AQMPD_ERROR_NOT_AUTHORIZED, "io.github.aqmp.Aqmp1.Error.NotAuthorized" },
  { AQMPD_ERROR_INVALID_ARGS, "io.github.aqmp.Aqmp1.Error.InvalidArgs" },
  { AQMPD_ERROR_NOT_FOUND, "io.github.aqmp.Aqmp1.Error.NotFound" },
  { AQMPD_ERROR_REFUSED, "io.github.aqmp.Aqmp1.Error.Refused" },
  { AQMPD_ERROR_COMMAND, "io.github.aqmp.Aqmp1.Error.Command" },
  { AQMPD_ERROR_DISCONNECTED, "io.github.aqmp.Aqmp1.Error.Disconnected" },
  { AQMPD_ERROR_TIMEOUT, "io.github.aqmp.Aqmp1.Error.Timeout" },
  { AQMPD_ERROR_CONNECT, "io.github.aqmp.Aqmp1.Error.Connect" },
  { AQMPD_ERROR_CANCELLED, "io.github.aqmp.Aqmp1.Error.Cancelled" },
  { AQMPD_ERROR_NOT_SUPPORTED, "io.github.aqmp.Aqmp1.Error.NotSupported" },
  /* the machine's schema refused the call; nothing was sent */
  { AQMPD_ERROR_INVALID, "io.github.aqmp.Aqmp1.Error.Invalid" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (aqmpd_error_entries) == AQMPD_N_ERRORS);

GQuark
aqmpd_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("aqmpd-error-quark", &quark,
                                      aqmpd_error_entries,
                                      G_N_ELEMENTS (aqmpd_error_entries));
  return (GQuark) quark;
}

static AqmpdError
aqmpd_error_code_from_aqmp (gint code)
{
  switch (code)
    {
    case AQMP_ERROR_COMMAND:
      return AQMPD_ERROR_COMMAND;
    case AQMP_ERROR_DISCONNECTED:
      return AQMPD_ERROR_DISCONNECTED;
    case AQMP_ERROR_TIMEOUT:
      return AQMPD_ERROR_TIMEOUT;
    case AQMP_ERROR_CONNECT:
    case AQMP_ERROR_NEGOTIATION:
      return AQMPD_ERROR_CONNECT;
    case AQMP_ERROR_STATE:
      return AQMPD_ERROR_NOT_SUPPORTED;
    case AQMP_ERROR_INVALID:
      return AQMPD_ERROR_INVALID;
    default:
      return AQMPD_ERROR_FAILED;
    }
}

static AqmpdError
aqmpd_error_code_from_job (gint code)
{
  switch (code)
    {
    case AQMP_JOB_ERROR_CANCELLED:
      return AQMPD_ERROR_CANCELLED;
    case AQMP_JOB_ERROR_DISCONNECTED:
      return AQMPD_ERROR_DISCONNECTED;
    case AQMP_JOB_ERROR_NOT_FOUND:
      return AQMPD_ERROR_NOT_FOUND;
    case AQMP_JOB_ERROR_NOT_A_JOB:
      return AQMPD_ERROR_INVALID_ARGS;
    default:
      return AQMPD_ERROR_FAILED;
    }
}

/* the daemon's error for any error; QEMU's class and desc stay in the message */
GError *
aqmpd_error_from_error (const GError *error)
{
  AqmpdError code = AQMPD_ERROR_FAILED;

  /* the D-Bus standard errors (InvalidArgs) keep their names */
  if (error->domain == AQMPD_ERROR || error->domain == G_DBUS_ERROR)
    return g_error_copy (error);
  if (error->domain == AQMP_ERROR)
    code = aqmpd_error_code_from_aqmp (error->code);
  else if (error->domain == AQMP_JOB_ERROR)
    code = aqmpd_error_code_from_job (error->code);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    code = AQMPD_ERROR_CANCELLED;
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    code = AQMPD_ERROR_TIMEOUT;

  if (code == AQMPD_ERROR_COMMAND && aqmp_error_get_qmp_class (error) != NULL)
    return g_error_new (AQMPD_ERROR, code, "%s: %s", aqmp_error_get_qmp_class (error),
                        aqmp_error_get_qmp_desc (error));
  return g_error_new_literal (AQMPD_ERROR, code, error->message);
}

void
aqmpd_invocation_return_error (GDBusMethodInvocation *invocation, const GError *error)
{
  g_autoptr(GError) mapped = aqmpd_error_from_error (error);

  g_dbus_method_invocation_return_gerror (invocation, mapped);
}
