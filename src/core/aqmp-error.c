/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmp-error.h"

typedef struct {
  gchar *qmp_class;
  gchar *qmp_desc;
} AqmpErrorPrivate;

static void
aqmp_error_private_init (AqmpErrorPrivate *priv)
{
}

static void
aqmp_error_private_copy (const AqmpErrorPrivate *src, AqmpErrorPrivate *dest)
{
  dest->qmp_class = g_strdup (src->qmp_class);
  dest->qmp_desc = g_strdup (src->qmp_desc);
}

static void
aqmp_error_private_clear (AqmpErrorPrivate *priv)
{
  g_clear_pointer (&priv->qmp_class, g_free);
  g_clear_pointer (&priv->qmp_desc, g_free);
}

/**
 * aqmp_error_quark:
 *
 * Returns: the #GQuark of the %AQMP_ERROR domain
 */
G_DEFINE_EXTENDED_ERROR (AqmpError, aqmp_error)

/**
 * aqmp_error_new_command:
 * @command: the command that failed
 * @qmp_class: the `class` of QEMU's error reply
 * @qmp_desc: the `desc` of QEMU's error reply
 *
 * Makes the error for an error reply: %AQMP_ERROR_COMMAND, with a message
 * naming @command and @qmp_desc, and the class and description kept for
 * aqmp_error_get_qmp_class() and aqmp_error_get_qmp_desc().
 *
 * Returns: (transfer full): a new #GError
 */
GError *
aqmp_error_new_command (const gchar *command,
                        const gchar *qmp_class,
                        const gchar *qmp_desc)
{
  GError *error;
  AqmpErrorPrivate *priv;

  g_return_val_if_fail (command != NULL, NULL);
  g_return_val_if_fail (qmp_class != NULL, NULL);
  g_return_val_if_fail (qmp_desc != NULL, NULL);

  error = g_error_new (AQMP_ERROR, AQMP_ERROR_COMMAND, "%s: %s", command, qmp_desc);
  priv = aqmp_error_get_private (error);
  priv->qmp_class = g_strdup (qmp_class);
  priv->qmp_desc = g_strdup (qmp_desc);
  return error;
}

/**
 * aqmp_error_get_qmp_class:
 * @error: a #GError
 *
 * Returns: (nullable): QEMU's error class, such as `"CommandNotFound"`,
 *   when @error came from an error reply, else %NULL
 */
const gchar *
aqmp_error_get_qmp_class (const GError *error)
{
  AqmpErrorPrivate *priv;

  if (error == NULL || error->domain != AQMP_ERROR)
    return NULL;
  priv = aqmp_error_get_private (error);
  return priv != NULL ? priv->qmp_class : NULL;
}

/**
 * aqmp_error_get_qmp_desc:
 * @error: a #GError
 *
 * Returns: (nullable): QEMU's error description, when @error came from an
 *   error reply, else %NULL
 */
const gchar *
aqmp_error_get_qmp_desc (const GError *error)
{
  AqmpErrorPrivate *priv;

  if (error == NULL || error->domain != AQMP_ERROR)
    return NULL;
  priv = aqmp_error_get_private (error);
  return priv != NULL ? priv->qmp_desc : NULL;
}
