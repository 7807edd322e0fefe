/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* the right ABI, but no entry point */
#include <aqmp/aqmp-plugin.h>

G_MODULE_EXPORT const guint aqmp_plugin_abi_version = AQMP_PLUGIN_ABI_VERSION;
