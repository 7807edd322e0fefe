/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

JsonObject *aqmp_args_parse (const gchar * const *args,
                             gint                 n_args,
                             GError             **error);

G_END_DECLS
