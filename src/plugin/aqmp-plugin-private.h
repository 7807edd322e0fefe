/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What only the loader calls on a plugin: naming it after its module, and
 * running its setup.
 */

#include "aqmp-plugin.h"

G_BEGIN_DECLS

void     aqmp_plugin_set_origin (AqmpPlugin   *self,
                                 const gchar  *name,
                                 const gchar  *path);
gboolean aqmp_plugin_setup      (AqmpPlugin   *self,
                                 GError      **error);

G_END_DECLS
