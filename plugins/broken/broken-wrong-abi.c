/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* a module built for another plugin ABI: refused before its code runs */
#include <stdlib.h>

#include <aqmp/aqmp-plugin.h>

G_MODULE_EXPORT const guint aqmp_plugin_abi_version = AQMP_PLUGIN_ABI_VERSION + 1000;
G_MODULE_EXPORT GType aqmp_plugin_query (void);

G_MODULE_EXPORT GType
aqmp_plugin_query (void)
{
  abort ();
}
