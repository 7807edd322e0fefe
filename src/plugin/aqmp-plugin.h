/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The plugin API (libaqmp-plugin-1.0): the one header a plugin module
 * includes. It declares what a plugin provides (AqmpPlugin, its protocol
 * variants and workflows), not how a host loads it: that is
 * <aqmp/aqmp-plugin-loader.h>.
 */

#include <gmodule.h>

#include <aqmp/aqmp.h>
#include <aqmp/aqmp-jobs.h>
#include <aqmp-qga/aqmp-qga.h>

#define __AQMP_PLUGIN_H_INSIDE__
#include "aqmp-workflow-context.h"
#include "aqmp-workflow.h"
#undef __AQMP_PLUGIN_H_INSIDE__

G_BEGIN_DECLS

/**
 * AQMP_PLUGIN_ABI_VERSION:
 *
 * The version of the plugin ABI. A module built for another version is
 * refused when loaded, before any of its code runs.
 *
 * Since: 0.1
 */
#define AQMP_PLUGIN_ABI_VERSION 2

#define AQMP_TYPE_PLUGIN (aqmp_plugin_get_type ())
G_DECLARE_DERIVABLE_TYPE (AqmpPlugin, aqmp_plugin, AQMP, PLUGIN, GObject)

/**
 * AqmpPluginClass:
 * @parent_class: the parent class
 * @setup: registers what the plugin provides, with
 *   aqmp_plugin_add_protocol() and aqmp_plugin_add_workflow()
 *
 * The class a plugin module subclasses.
 *
 * Since: 0.1
 */
struct _AqmpPluginClass {
  GObjectClass parent_class;

  gboolean (*setup) (AqmpPlugin  *self,
                     GError     **error);

  /*< private >*/
  gpointer padding[12];
};

/**
 * AQMP_PLUGIN_DEFINE:
 * @TypeName: the plugin's type name in CamelCase, e.g. `MyPlugin`
 * @type_name: the same in lower case with underscores, e.g. `my_plugin`
 *
 * Defines the plugin's GType (a subclass of #AqmpPlugin) and the two
 * symbols the loader looks for: `aqmp_plugin_abi_version` and
 * `aqmp_plugin_query`. Use it once per module, then write the class's
 * `_class_init` and `_init`.
 *
 * Since: 0.1
 */
#define AQMP_PLUGIN_DEFINE(TypeName, type_name)                               \
  G_DECLARE_FINAL_TYPE (TypeName, type_name, AQMP_PLUGIN_DEFINE_, TypeName, AqmpPlugin) \
  struct _##TypeName { AqmpPlugin parent_instance; };                         \
  G_DEFINE_FINAL_TYPE (TypeName, type_name, AQMP_TYPE_PLUGIN)                 \
  G_MODULE_EXPORT const guint aqmp_plugin_abi_version = AQMP_PLUGIN_ABI_VERSION; \
  G_MODULE_EXPORT GType aqmp_plugin_query (void);                             \
  G_MODULE_EXPORT GType aqmp_plugin_query (void) { return type_name##_get_type (); }

const gchar *aqmp_plugin_get_name         (AqmpPlugin   *self);
const gchar *aqmp_plugin_get_path         (AqmpPlugin   *self);
void         aqmp_plugin_add_protocol     (AqmpPlugin   *self,
                                           const gchar  *name,
                                           GType         protocol_type);
void         aqmp_plugin_add_workflow     (AqmpPlugin   *self,
                                           AqmpWorkflow *workflow);
GStrv        aqmp_plugin_get_protocols    (AqmpPlugin   *self);
GPtrArray   *aqmp_plugin_get_workflows    (AqmpPlugin   *self);
GType        aqmp_plugin_get_protocol_type (AqmpPlugin  *self,
                                            const gchar *name);

G_END_DECLS
