/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A module as plugin ABI 1 built it: the plugin API lived in libaqmp and a
 * workflow reported progress on itself. Built here against libaqmp alone,
 * so the plugin symbols it calls are bound only if its code ever runs. It
 * is refused by the ABI check before that; without the check it would
 * fail to resolve them, or crash.
 */
#include <glib-object.h>
#include <gmodule.h>

G_MODULE_EXPORT const guint aqmp_plugin_abi_version = 1;
G_MODULE_EXPORT GType aqmp_plugin_query (void);

/* ABI 1's entry points, exported by libaqmp-1.0 then and by nobody now */
GType aqmp_plugin_get_type (void);
void  aqmp_workflow_report_progress (gpointer workflow, gdouble fraction, const gchar *message);

G_MODULE_EXPORT GType
aqmp_plugin_query (void)
{
  aqmp_workflow_report_progress (NULL, 0.0, "never");
  return aqmp_plugin_get_type ();
}
