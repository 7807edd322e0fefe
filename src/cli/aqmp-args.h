/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

JsonObject *aqmp_args_parse (const gchar * const *args,
                             gint                 n_args,
                             GError             **error);
gboolean    aqmp_args_parse_size (const gchar        *text,
                                  gboolean            rate,
                                  guint               default_shift,
                                  guint64            *bytes,
                                  GError            **error);

G_END_DECLS
