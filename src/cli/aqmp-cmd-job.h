/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* `aqmp job ...`: argv[0] is "job" */
gint aqmp_cmd_job (gint    argc,
                   gchar **argv);

G_END_DECLS
