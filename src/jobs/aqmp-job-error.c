/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib-object.h>

#include "aqmp-job-enums.h"
#include "aqmp-job-enum-types.h"
#include "aqmp-job-error.h"

/**
 * aqmp_job_error_quark:
 *
 * Returns the #GQuark of the %AQMP_JOB_ERROR domain.
 *
 * Returns: the #GQuark of the %AQMP_JOB_ERROR domain
 *
 * Since: 0.1
 */
G_DEFINE_QUARK (aqmp-job-error-quark, aqmp_job_error)

static const gchar *
aqmp_enum_nick (GType type, gint value)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *v = g_enum_get_value (klass, value);

  return v != NULL ? v->value_nick : NULL;
}

static gint
aqmp_enum_from_nick (GType type, const gchar *nick, gint fallback)
{
  g_autoptr(GEnumClass) klass = NULL;
  GEnumValue *v;

  if (nick == NULL)
    return fallback;
  klass = g_type_class_ref (type);
  v = g_enum_get_value_by_nick (klass, nick);
  return v != NULL ? v->value : fallback;
}

/**
 * aqmp_job_status_to_string:
 * @status: an #AqmpJobStatus
 *
 * Returns QEMU's word for @status, such as `"running"`.
 *
 * Returns: QEMU's word for @status, such as `"running"`
 *
 * Since: 0.1
 */
const gchar *
aqmp_job_status_to_string (AqmpJobStatus status)
{
  const gchar *nick = aqmp_enum_nick (AQMP_TYPE_JOB_STATUS, status);

  return nick != NULL ? nick : "undefined";
}

/**
 * aqmp_job_status_from_string:
 * @text: (nullable): QEMU's word for a status
 *
 * Returns the #AqmpJobStatus, or %AQMP_JOB_STATUS_UNDEFINED when unknown.
 *
 * Returns: the #AqmpJobStatus, or %AQMP_JOB_STATUS_UNDEFINED when unknown
 *
 * Since: 0.1
 */
AqmpJobStatus
aqmp_job_status_from_string (const gchar *text)
{
  return aqmp_enum_from_nick (AQMP_TYPE_JOB_STATUS, text, AQMP_JOB_STATUS_UNDEFINED);
}

/**
 * aqmp_job_status_is_active:
 * @status: an #AqmpJobStatus
 *
 * Returns whether a job in @status still works or waits for something
 * (anything but concluded and null).
 *
 * Returns: whether a job in @status still works or waits for something
 *   (anything but concluded and null)
 *
 * Since: 0.1
 */
gboolean
aqmp_job_status_is_active (AqmpJobStatus status)
{
  return status != AQMP_JOB_STATUS_CONCLUDED && status != AQMP_JOB_STATUS_NULL;
}

/**
 * aqmp_job_result_to_string:
 * @result: an #AqmpJobResult
 *
 * Returns `"none"`, `"success"`, `"failed"`, `"cancelled"` or `"lost"`.
 *
 * Returns: `"none"`, `"success"`, `"failed"`, `"cancelled"` or `"lost"`
 *
 * Since: 0.1
 */
const gchar *
aqmp_job_result_to_string (AqmpJobResult result)
{
  const gchar *nick = aqmp_enum_nick (AQMP_TYPE_JOB_RESULT, result);

  return nick != NULL ? nick : "none";
}

/**
 * aqmp_job_result_from_string:
 * @text: (nullable): a word from aqmp_job_result_to_string()
 *
 * Returns the #AqmpJobResult, or %AQMP_JOB_RESULT_NONE.
 *
 * Returns: the #AqmpJobResult, or %AQMP_JOB_RESULT_NONE
 *
 * Since: 0.1
 */
AqmpJobResult
aqmp_job_result_from_string (const gchar *text)
{
  return aqmp_enum_from_nick (AQMP_TYPE_JOB_RESULT, text, AQMP_JOB_RESULT_NONE);
}
