/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmp-plugin-private.h"

/**
 * AqmpPlugin:
 *
 * The object a plugin module provides. The loader makes one per module,
 * names it after the module's file and calls its `setup` vfunc, where the
 * plugin registers its protocol variants and workflows.
 *
 * Since: 0.1
 */

typedef struct {
  gchar *name;
  gchar *path;
  GHashTable *protocols;   /* name → GType */
  GPtrArray *workflows;    /* AqmpWorkflow */
} AqmpPluginPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (AqmpPlugin, aqmp_plugin, G_TYPE_OBJECT)

static gboolean
aqmp_plugin_real_setup (AqmpPlugin *self, GError **error)
{
  return TRUE;
}

static void
aqmp_plugin_finalize (GObject *object)
{
  AqmpPluginPrivate *priv = aqmp_plugin_get_instance_private (AQMP_PLUGIN (object));

  g_free (priv->name);
  g_free (priv->path);
  g_hash_table_unref (priv->protocols);
  g_ptr_array_unref (priv->workflows);
  G_OBJECT_CLASS (aqmp_plugin_parent_class)->finalize (object);
}

static void
aqmp_plugin_class_init (AqmpPluginClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = aqmp_plugin_finalize;
  klass->setup = aqmp_plugin_real_setup;
}

static void
aqmp_plugin_init (AqmpPlugin *self)
{
  AqmpPluginPrivate *priv = aqmp_plugin_get_instance_private (self);

  priv->protocols = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  priv->workflows = g_ptr_array_new_with_free_func (g_object_unref);
}

/* the loader names the plugin after its module and records where it was */
void
aqmp_plugin_set_origin (AqmpPlugin *self, const gchar *name, const gchar *path)
{
  AqmpPluginPrivate *priv = aqmp_plugin_get_instance_private (self);

  g_free (priv->name);
  g_free (priv->path);
  priv->name = g_strdup (name);
  priv->path = g_strdup (path);
}

gboolean
aqmp_plugin_setup (AqmpPlugin *self, GError **error)
{
  return AQMP_PLUGIN_GET_CLASS (self)->setup (self, error);
}

/**
 * aqmp_plugin_get_name:
 * @self: an #AqmpPlugin
 *
 * Returns the plugin's name: its module's file name without `lib`, `aqmp-
 * plugin-` or `.so`.
 *
 * Returns: the plugin's name: its module's file name without `lib`,
 *   `aqmp-plugin-` or `.so`
 *
 * Since: 0.1
 */
const gchar *
aqmp_plugin_get_name (AqmpPlugin *self)
{
  AqmpPluginPrivate *priv;

  g_return_val_if_fail (AQMP_IS_PLUGIN (self), NULL);
  priv = aqmp_plugin_get_instance_private (self);
  return priv->name != NULL ? priv->name : G_OBJECT_TYPE_NAME (self);
}

/**
 * aqmp_plugin_get_path:
 * @self: an #AqmpPlugin
 *
 * Returns the file the plugin was loaded from.
 *
 * Returns: (nullable): the file the plugin was loaded from
 *
 * Since: 0.1
 */
const gchar *
aqmp_plugin_get_path (AqmpPlugin *self)
{
  AqmpPluginPrivate *priv;

  g_return_val_if_fail (AQMP_IS_PLUGIN (self), NULL);
  priv = aqmp_plugin_get_instance_private (self);
  return priv->path;
}

/**
 * aqmp_plugin_add_protocol:
 * @self: an #AqmpPlugin
 * @name: the variant's name, such as `"qga"`
 * @protocol_type: a subclass of #AqmpProtocol
 *
 * Registers a protocol variant; call from the plugin's setup.
 *
 * Since: 0.1
 */
void
aqmp_plugin_add_protocol (AqmpPlugin *self, const gchar *name, GType protocol_type)
{
  AqmpPluginPrivate *priv;

  g_return_if_fail (AQMP_IS_PLUGIN (self));
  g_return_if_fail (name != NULL);
  g_return_if_fail (g_type_is_a (protocol_type, AQMP_TYPE_PROTOCOL));

  priv = aqmp_plugin_get_instance_private (self);
  g_hash_table_insert (priv->protocols, g_strdup (name), GSIZE_TO_POINTER (protocol_type));
}

/**
 * aqmp_plugin_add_workflow:
 * @self: an #AqmpPlugin
 * @workflow: (transfer none): a workflow
 *
 * Registers a workflow; call from the plugin's setup.
 *
 * Since: 0.1
 */
void
aqmp_plugin_add_workflow (AqmpPlugin *self, AqmpWorkflow *workflow)
{
  AqmpPluginPrivate *priv;

  g_return_if_fail (AQMP_IS_PLUGIN (self));
  g_return_if_fail (AQMP_IS_WORKFLOW (workflow));

  priv = aqmp_plugin_get_instance_private (self);
  g_ptr_array_add (priv->workflows, g_object_ref (workflow));
}

static gint
aqmp_plugin_compare_names (gconstpointer a, gconstpointer b, gpointer user_data)
{
  return g_strcmp0 (*(const gchar * const *) a, *(const gchar * const *) b);
}

/**
 * aqmp_plugin_get_protocols:
 * @self: an #AqmpPlugin
 *
 * Returns the names of the protocol variants registered, sorted.
 *
 * Returns: (transfer full): the names of the protocol variants registered,
 *   sorted
 *
 * Since: 0.1
 */
GStrv
aqmp_plugin_get_protocols (AqmpPlugin *self)
{
  AqmpPluginPrivate *priv;
  g_autofree const gchar **keys = NULL;
  guint n = 0;
  GStrv out;

  g_return_val_if_fail (AQMP_IS_PLUGIN (self), NULL);
  priv = aqmp_plugin_get_instance_private (self);
  keys = (const gchar **) g_hash_table_get_keys_as_array (priv->protocols, &n);
  out = g_new0 (gchar *, n + 1);
  for (guint i = 0; i < n; i++)
    out[i] = g_strdup (keys[i]);
  g_qsort_with_data (out, n, sizeof (gchar *), aqmp_plugin_compare_names, NULL);
  return out;
}

/**
 * aqmp_plugin_get_protocol_type:
 * @self: an #AqmpPlugin
 * @name: a protocol variant's name
 *
 * Returns the variant's #GType, or %G_TYPE_INVALID when not registered.
 *
 * Returns: the variant's #GType, or %G_TYPE_INVALID when not registered
 *
 * Since: 0.1
 */
GType
aqmp_plugin_get_protocol_type (AqmpPlugin *self, const gchar *name)
{
  AqmpPluginPrivate *priv;

  g_return_val_if_fail (AQMP_IS_PLUGIN (self), G_TYPE_INVALID);
  priv = aqmp_plugin_get_instance_private (self);
  return GPOINTER_TO_SIZE (g_hash_table_lookup (priv->protocols, name));
}

/**
 * aqmp_plugin_get_workflows:
 * @self: an #AqmpPlugin
 *
 * Returns the workflows registered.
 *
 * Returns: (transfer none) (element-type AqmpWorkflow): the workflows
 *   registered
 *
 * Since: 0.1
 */
GPtrArray *
aqmp_plugin_get_workflows (AqmpPlugin *self)
{
  AqmpPluginPrivate *priv;

  g_return_val_if_fail (AQMP_IS_PLUGIN (self), NULL);
  priv = aqmp_plugin_get_instance_private (self);
  return priv->workflows;
}
