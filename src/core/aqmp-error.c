/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

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
 * Returns the #GQuark of the %AQMP_ERROR domain.
 *
 * Returns: the #GQuark of the %AQMP_ERROR domain
 *
 * Since: 0.1
 */
G_DEFINE_EXTENDED_ERROR (AqmpError, aqmp_error)

/* a QMP error class is a name: letters and digits */
static gboolean
aqmp_error_is_class_name (const gchar *start, gsize length)
{
  if (length == 0 || !g_ascii_isalpha (start[0]))
    return FALSE;
  for (gsize i = 1; i < length; i++)
    if (!g_ascii_isalnum (start[i]))
      return FALSE;
  return TRUE;
}

/* An error made again from its domain, code and message (as a language
 * binding does when it hands one back) has lost its private data: read
 * the class and description back from `COMMAND: CLASS: DESC`. */
static void
aqmp_error_parse_message (const GError *error, AqmpErrorPrivate *priv)
{
  const gchar *klass = strstr (error->message, ": ");
  const gchar *desc;

  if (klass == NULL)
    return;
  klass += 2;
  desc = strstr (klass, ": ");
  if (desc == NULL || !aqmp_error_is_class_name (klass, desc - klass))
    return;
  priv->qmp_class = g_strndup (klass, desc - klass);
  priv->qmp_desc = g_strdup (desc + 2);
}

static AqmpErrorPrivate *
aqmp_error_get_command_private (const GError *error)
{
  AqmpErrorPrivate *priv;

  if (error == NULL || error->domain != AQMP_ERROR)
    return NULL;
  priv = aqmp_error_get_private (error);
  if (priv != NULL && priv->qmp_class == NULL && error->code == AQMP_ERROR_COMMAND
      && error->message != NULL)
    aqmp_error_parse_message (error, priv);
  return priv;
}

/**
 * aqmp_error_new_command:
 * @command: the command that failed
 * @qmp_class: the `class` of QEMU's error reply
 * @qmp_desc: the `desc` of QEMU's error reply
 *
 * Makes the error for an error reply: %AQMP_ERROR_COMMAND, with the
 * message `COMMAND: CLASS: DESC`, and the class and description kept for
 * aqmp_error_get_qmp_class() and aqmp_error_get_qmp_desc(). The class is
 * in the message so that it survives a trip through a language binding,
 * which keeps only an error's domain, code and message (see
 * aqmp_error_get_qmp_class()).
 *
 * Returns: (transfer full): a new #GError
 *
 * Since: 0.1
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

  error = g_error_new (AQMP_ERROR, AQMP_ERROR_COMMAND, "%s: %s: %s", command, qmp_class, qmp_desc);
  priv = aqmp_error_get_private (error);
  priv->qmp_class = g_strdup (qmp_class);
  priv->qmp_desc = g_strdup (qmp_desc);
  return error;
}

/**
 * aqmp_error_get_qmp_class:
 * @error: a #GError
 *
 * Works on an error a language binding made again from its domain, code
 * and message, too: from Python, `Aqmp.error_get_qmp_class(e)` on the
 * `GLib.Error` an execute call raised.
 *
 * Returns: (nullable): QEMU's error class, such as `"CommandNotFound"`,
 *   when @error came from an error reply, else %NULL
 *
 * Since: 0.1
 */
const gchar *
aqmp_error_get_qmp_class (const GError *error)
{
  AqmpErrorPrivate *priv = aqmp_error_get_command_private (error);

  return priv != NULL ? priv->qmp_class : NULL;
}

/**
 * aqmp_error_get_qmp_desc:
 * @error: a #GError
 *
 * Returns QEMU's error description, when @error came from an error reply,
 * else %NULL.
 *
 * Returns: (nullable): QEMU's error description, when @error came from an
 *   error reply, else %NULL
 *
 * Since: 0.1
 */
const gchar *
aqmp_error_get_qmp_desc (const GError *error)
{
  AqmpErrorPrivate *priv = aqmp_error_get_command_private (error);

  return priv != NULL ? priv->qmp_desc : NULL;
}
