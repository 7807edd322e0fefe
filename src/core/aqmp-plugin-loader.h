/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_H_INSIDE__) && !defined(AQMP_COMPILATION)
#error "Only <aqmp/aqmp-plugin.h> can be included directly."
#endif

#include <gio/gio.h>

#include "aqmp-protocol.h"
#include "aqmp-workflow.h"

G_BEGIN_DECLS

typedef struct _AqmpPlugin AqmpPlugin;

#define AQMP_TYPE_PLUGIN_LOADER (aqmp_plugin_loader_get_type ())
G_DECLARE_FINAL_TYPE (AqmpPluginLoader, aqmp_plugin_loader, AQMP, PLUGIN_LOADER, GObject)

AqmpPluginLoader *aqmp_plugin_loader_new              (void);
gboolean          aqmp_plugin_loader_load_file        (AqmpPluginLoader  *self,
                                                       const gchar       *path,
                                                       GError           **error);
guint             aqmp_plugin_loader_load_dir         (AqmpPluginLoader  *self,
                                                       const gchar       *dir);
guint             aqmp_plugin_loader_load_default     (AqmpPluginLoader  *self);
GStrv             aqmp_plugin_loader_get_search_path  (void);
GPtrArray        *aqmp_plugin_loader_get_plugins      (AqmpPluginLoader  *self);
GPtrArray        *aqmp_plugin_loader_get_failures     (AqmpPluginLoader  *self);
AqmpProtocol     *aqmp_plugin_loader_create_protocol  (AqmpPluginLoader  *self,
                                                       const gchar       *name,
                                                       GError           **error);
AqmpWorkflow     *aqmp_plugin_loader_find_workflow    (AqmpPluginLoader  *self,
                                                       const gchar       *name,
                                                       GError           **error);

G_END_DECLS
