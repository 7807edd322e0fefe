/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * The one checker for every a{sv} the daemon takes: each key must be
 * known and its value of the key's type. A refusal is
 * org.freedesktop.DBus.Error.InvalidArgs naming the key.
 */
typedef struct {
  const gchar *key;
  const gchar *type;    /* a GVariant type string */
} AqmpdOptionSpec;

/* a spec list ends with { NULL, NULL } */
gboolean aqmpd_options_check       (GVariant               *options,
                                    const gchar            *what,
                                    const AqmpdOptionSpec  *specs,
                                    GError                **error);
/* any key, each value one of @types (NULL-terminated type strings) */
gboolean aqmpd_options_check_types (GVariant               *options,
                                    const gchar            *what,
                                    const gchar * const    *types,
                                    GError                **error);

G_END_DECLS
