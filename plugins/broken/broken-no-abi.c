/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* a module without aqmp_plugin_abi_version: refused before its code runs */
#include <stdlib.h>

#include <aqmp/aqmp-plugin.h>

G_MODULE_EXPORT GType aqmp_plugin_query (void);

G_MODULE_EXPORT GType
aqmp_plugin_query (void)
{
  abort ();
}
