/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_H_INSIDE__) && !defined(AQMP_COMPILATION)
#error "Only <aqmp/aqmp.h> can be included directly."
#endif

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/**
 * AQMP_REDACTED:
 *
 * What a secret is replaced with by aqmp_redact_arguments().
 *
 * Since: 0.1
 */
#define AQMP_REDACTED "<redacted>"

gboolean    aqmp_redact_is_secret_member (const gchar *name);
JsonObject *aqmp_redact_arguments        (JsonObject  *arguments);

G_END_DECLS
