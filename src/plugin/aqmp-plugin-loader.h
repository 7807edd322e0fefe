/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The host side of plugins: finding, loading and refusing modules. For
 * programs that load plugins (aqmp, aqmpd); a plugin module includes
 * <aqmp/aqmp-plugin.h> only.
 */

#include "aqmp-plugin.h"

G_BEGIN_DECLS

/**
 * AqmpPluginFailure:
 *
 * A module the loader refused: its file and why. Opaque; read it with
 * aqmp_plugin_failure_get_path() and aqmp_plugin_failure_get_message().
 *
 * Since: 0.1
 */
typedef struct _AqmpPluginFailure AqmpPluginFailure;

#define AQMP_TYPE_PLUGIN_FAILURE (aqmp_plugin_failure_get_type ())
GType              aqmp_plugin_failure_get_type    (void) G_GNUC_CONST;
AqmpPluginFailure *aqmp_plugin_failure_copy        (const AqmpPluginFailure *failure);
void               aqmp_plugin_failure_free        (AqmpPluginFailure       *failure);
const gchar       *aqmp_plugin_failure_get_path    (const AqmpPluginFailure *failure);
const gchar       *aqmp_plugin_failure_get_message (const AqmpPluginFailure *failure);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AqmpPluginFailure, aqmp_plugin_failure_free)

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
guint             aqmp_plugin_loader_get_n_failures   (AqmpPluginLoader  *self);
const AqmpPluginFailure *aqmp_plugin_loader_get_failure (AqmpPluginLoader *self,
                                                       guint              index);
AqmpProtocol     *aqmp_plugin_loader_create_protocol  (AqmpPluginLoader  *self,
                                                       const gchar       *name,
                                                       GError           **error);
AqmpWorkflow     *aqmp_plugin_loader_find_workflow    (AqmpPluginLoader  *self,
                                                       const gchar       *name,
                                                       GError           **error);

G_END_DECLS
