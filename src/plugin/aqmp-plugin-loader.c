/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "aqmp-plugin-loader.h"
#include "aqmp-plugin-private.h"

/**
 * AqmpPluginLoader:
 *
 * Finds and loads plugin modules.
 *
 * A plugin is a GModule exporting `aqmp_plugin_abi_version` (checked
 * before any of the module's code runs) and `aqmp_plugin_query`, which
 * returns the GType of its #AqmpPlugin subclass. Modules are searched for
 * in the directories of `AQMP_PLUGIN_PATH` (colon-separated), then in
 * `$libdir/aqmp-1.0/plugins`. A module that cannot be loaded, lacks the
 * entry points, was built for another ABI or fails its setup is refused
 * with a message naming the file, kept as an #AqmpPluginFailure
 * (aqmp_plugin_loader_get_failure()).
 * Loaded modules stay resident: the types they register cannot be unloaded.
 *
 * Since: 0.1
 */

struct _AqmpPluginLoader {
  GObject parent_instance;
  GPtrArray *plugins;     /* AqmpPlugin */
  GPtrArray *failures;    /* AqmpPluginFailure, one per refused module */
};

/* typed, so that nobody reads a failure as anything else again */
struct _AqmpPluginFailure {
  gchar *path;
  gchar *message;
};

G_DEFINE_FINAL_TYPE (AqmpPluginLoader, aqmp_plugin_loader, G_TYPE_OBJECT)
G_DEFINE_BOXED_TYPE (AqmpPluginFailure, aqmp_plugin_failure, aqmp_plugin_failure_copy,
                     aqmp_plugin_failure_free)

static AqmpPluginFailure *
aqmp_plugin_failure_new (const gchar *path, const gchar *message)
{
  AqmpPluginFailure *failure = g_new0 (AqmpPluginFailure, 1);

  failure->path = g_strdup (path);
  failure->message = g_strdup (message);
  return failure;
}

/**
 * aqmp_plugin_failure_copy:
 * @failure: an #AqmpPluginFailure
 *
 * Copies @failure.
 *
 * Returns: (transfer full): a copy of @failure
 *
 * Since: 0.1
 */
AqmpPluginFailure *
aqmp_plugin_failure_copy (const AqmpPluginFailure *failure)
{
  g_return_val_if_fail (failure != NULL, NULL);
  return aqmp_plugin_failure_new (failure->path, failure->message);
}

/**
 * aqmp_plugin_failure_free:
 * @failure: (nullable): an #AqmpPluginFailure
 *
 * Frees @failure.
 *
 * Since: 0.1
 */
void
aqmp_plugin_failure_free (AqmpPluginFailure *failure)
{
  if (failure == NULL)
    return;
  g_free (failure->path);
  g_free (failure->message);
  g_free (failure);
}

/**
 * aqmp_plugin_failure_get_path:
 * @failure: an #AqmpPluginFailure
 *
 * Returns the refused module's file.
 *
 * Returns: the refused module's file
 *
 * Since: 0.1
 */
const gchar *
aqmp_plugin_failure_get_path (const AqmpPluginFailure *failure)
{
  g_return_val_if_fail (failure != NULL, NULL);
  return failure->path;
}

/**
 * aqmp_plugin_failure_get_message:
 * @failure: an #AqmpPluginFailure
 *
 * Returns why the module was refused, a whole sentence naming its file.
 *
 * Returns: why the module was refused, a whole sentence naming its file
 *
 * Since: 0.1
 */
const gchar *
aqmp_plugin_failure_get_message (const AqmpPluginFailure *failure)
{
  g_return_val_if_fail (failure != NULL, NULL);
  return failure->message;
}

typedef GType (*AqmpPluginQueryFunc) (void);

static void
aqmp_plugin_loader_finalize (GObject *object)
{
  AqmpPluginLoader *self = AQMP_PLUGIN_LOADER (object);

  g_ptr_array_unref (self->plugins);
  g_ptr_array_unref (self->failures);
  G_OBJECT_CLASS (aqmp_plugin_loader_parent_class)->finalize (object);
}

static void
aqmp_plugin_loader_class_init (AqmpPluginLoaderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = aqmp_plugin_loader_finalize;
}

static void
aqmp_plugin_loader_init (AqmpPluginLoader *self)
{
  self->plugins = g_ptr_array_new_with_free_func (g_object_unref);
  self->failures = g_ptr_array_new_with_free_func ((GDestroyNotify) aqmp_plugin_failure_free);
}

/**
 * aqmp_plugin_loader_new:
 *
 * Returns a loader with no plugins loaded yet.
 *
 * Returns: (transfer full): a loader with no plugins loaded yet
 *
 * Since: 0.1
 */
AqmpPluginLoader *
aqmp_plugin_loader_new (void)
{
  return g_object_new (AQMP_TYPE_PLUGIN_LOADER, NULL);
}

/* libaqmp-plugin-qga.so, aqmp-plugin-qga.so and qga.so are all "qga" */
static gchar *
aqmp_plugin_loader_name_for (const gchar *path)
{
  g_autofree gchar *base = g_path_get_basename (path);
  const gchar *name = base;
  gchar *dot;

  if (g_str_has_prefix (name, "lib"))
    name += strlen ("lib");
  if (g_str_has_prefix (name, "aqmp-plugin-"))
    name += strlen ("aqmp-plugin-");
  dot = strchr (name, '.');
  return dot != NULL ? g_strndup (name, dot - name) : g_strdup (name);
}

static AqmpPlugin *
aqmp_plugin_loader_find (AqmpPluginLoader *self, const gchar *name)
{
  for (guint i = 0; i < self->plugins->len; i++)
    {
      AqmpPlugin *plugin = g_ptr_array_index (self->plugins, i);
      if (g_strcmp0 (aqmp_plugin_get_name (plugin), name) == 0)
        return plugin;
    }
  return NULL;
}

static gboolean
aqmp_plugin_loader_refuse (GError **error, const gchar *path, const gchar *format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
aqmp_plugin_loader_refuse (GError **error, const gchar *path, const gchar *format, ...)
{
  va_list args;
  g_autofree gchar *why = NULL;

  va_start (args, format);
  why = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, AQMP_ERROR, AQMP_ERROR_FAILED, "plugin %s refused: %s", path, why);
  return FALSE;
}

/* checks the ABI before running any of the module's code */
static GType
aqmp_plugin_loader_query (GModule *module, const gchar *path, GError **error)
{
  gpointer abi = NULL;
  gpointer query = NULL;
  GType type;

  if (!g_module_symbol (module, "aqmp_plugin_abi_version", &abi) || abi == NULL)
    {
      aqmp_plugin_loader_refuse (error, path, "no aqmp_plugin_abi_version symbol: not an aqmp plugin");
      return G_TYPE_INVALID;
    }
  if (*(const guint *) abi != AQMP_PLUGIN_ABI_VERSION)
    {
      aqmp_plugin_loader_refuse (error, path, "built for plugin ABI %u, this aqmp uses ABI %u",
                                 *(const guint *) abi, (guint) AQMP_PLUGIN_ABI_VERSION);
      return G_TYPE_INVALID;
    }
  if (!g_module_symbol (module, "aqmp_plugin_query", &query) || query == NULL)
    {
      aqmp_plugin_loader_refuse (error, path, "no aqmp_plugin_query entry point");
      return G_TYPE_INVALID;
    }
  type = ((AqmpPluginQueryFunc) query) ();
  if (!g_type_is_a (type, AQMP_TYPE_PLUGIN) || G_TYPE_IS_ABSTRACT (type))
    {
      aqmp_plugin_loader_refuse (error, path, "aqmp_plugin_query did not return an AqmpPlugin type");
      return G_TYPE_INVALID;
    }
  return type;
}

/**
 * aqmp_plugin_loader_load_file:
 * @self: an #AqmpPluginLoader
 * @path: a module file
 * @error: return location for a #GError
 *
 * Loads one plugin module and runs its setup.
 *
 * Returns: %TRUE when the plugin was loaded
 *
 * Since: 0.1
 */
gboolean
aqmp_plugin_loader_load_file (AqmpPluginLoader *self, const gchar *path, GError **error)
{
  g_autofree gchar *name = NULL;
  g_autoptr(AqmpPlugin) plugin = NULL;
  g_autoptr(GError) error_local = NULL;
  GModule *module;
  GType type;

  g_return_val_if_fail (AQMP_IS_PLUGIN_LOADER (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  name = aqmp_plugin_loader_name_for (path);
  if (aqmp_plugin_loader_find (self, name) != NULL)
    return aqmp_plugin_loader_refuse (error, path, "a plugin named '%s' is already loaded from %s",
                                      name, aqmp_plugin_get_path (aqmp_plugin_loader_find (self, name)));

  module = g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
  if (module == NULL)
    return aqmp_plugin_loader_refuse (error, path, "%s", g_module_error ());
  type = aqmp_plugin_loader_query (module, path, error);
  if (type == G_TYPE_INVALID)
    {
      g_module_close (module);
      return FALSE;
    }
  /* the module registered a type: it can never be unloaded now */
  g_module_make_resident (module);

  plugin = g_object_new (type, NULL);
  aqmp_plugin_set_origin (plugin, name, path);
  if (!aqmp_plugin_setup (plugin, &error_local))
    return aqmp_plugin_loader_refuse (error, path, "setup failed: %s", error_local->message);

  g_debug ("loaded plugin %s from %s", name, path);
  g_ptr_array_add (self->plugins, g_steal_pointer (&plugin));
  return TRUE;
}

static gint
aqmp_plugin_loader_compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar * const *) a, *(const gchar * const *) b);
}

/**
 * aqmp_plugin_loader_load_dir:
 * @self: an #AqmpPluginLoader
 * @dir: a directory of plugin modules
 *
 * Loads every module in @dir, in name order. Refused modules are recorded
 * (aqmp_plugin_loader_get_failure()).
 *
 * Returns: how many plugins were loaded
 *
 * Since: 0.1
 */
guint
aqmp_plugin_loader_load_dir (AqmpPluginLoader *self, const gchar *dir)
{
  g_autoptr(GDir) d = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *suffix = g_strdup_printf (".%s", G_MODULE_SUFFIX);
  const gchar *entry;
  guint loaded = 0;

  g_return_val_if_fail (AQMP_IS_PLUGIN_LOADER (self), 0);

  d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return 0;
  while ((entry = g_dir_read_name (d)) != NULL)
    {
      if (g_str_has_suffix (entry, suffix))
        g_ptr_array_add (names, g_strdup (entry));
    }
  g_ptr_array_sort (names, aqmp_plugin_loader_compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree gchar *path = g_build_filename (dir, g_ptr_array_index (names, i), NULL);
      g_autoptr(GError) error = NULL;

      if (aqmp_plugin_loader_load_file (self, path, &error))
        {
          loaded++;
          continue;
        }
      g_info ("%s", error->message);
      g_ptr_array_add (self->failures, aqmp_plugin_failure_new (path, error->message));
    }
  return loaded;
}

/**
 * aqmp_plugin_loader_get_search_path:
 *
 * Returns the directories searched by aqmp_plugin_loader_load_default(), in
 * order.
 *
 * Returns: (transfer full): the directories searched by
 *   aqmp_plugin_loader_load_default(), in order
 *
 * Since: 0.1
 */
GStrv
aqmp_plugin_loader_get_search_path (void)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  const gchar *env = g_getenv ("AQMP_PLUGIN_PATH");

  if (env != NULL)
    {
      g_auto(GStrv) dirs = g_strsplit (env, G_SEARCHPATH_SEPARATOR_S, -1);
      for (guint i = 0; dirs[i] != NULL; i++)
        if (dirs[i][0] != '\0')
          g_strv_builder_add (builder, dirs[i]);
    }
  g_strv_builder_add (builder, AQMP_PLUGIN_DIR);
  return g_strv_builder_end (builder);
}

/**
 * aqmp_plugin_loader_load_default:
 * @self: an #AqmpPluginLoader
 *
 * Loads the plugins of every directory on the search path. A plugin name
 * found twice is taken from the first directory.
 *
 * Returns: how many plugins were loaded
 *
 * Since: 0.1
 */
guint
aqmp_plugin_loader_load_default (AqmpPluginLoader *self)
{
  g_auto(GStrv) dirs = aqmp_plugin_loader_get_search_path ();
  guint loaded = 0;

  g_return_val_if_fail (AQMP_IS_PLUGIN_LOADER (self), 0);
  for (guint i = 0; dirs[i] != NULL; i++)
    loaded += aqmp_plugin_loader_load_dir (self, dirs[i]);
  return loaded;
}

/**
 * aqmp_plugin_loader_get_plugins:
 * @self: an #AqmpPluginLoader
 *
 * Returns the loaded plugins.
 *
 * Returns: (transfer none) (element-type AqmpPlugin): the loaded plugins
 *
 * Since: 0.1
 */
GPtrArray *
aqmp_plugin_loader_get_plugins (AqmpPluginLoader *self)
{
  g_return_val_if_fail (AQMP_IS_PLUGIN_LOADER (self), NULL);
  return self->plugins;
}

/**
 * aqmp_plugin_loader_get_n_failures:
 * @self: an #AqmpPluginLoader
 *
 * Returns how many modules the loads so far refused.
 *
 * Returns: how many modules the loads so far refused
 *
 * Since: 0.1
 */
guint
aqmp_plugin_loader_get_n_failures (AqmpPluginLoader *self)
{
  g_return_val_if_fail (AQMP_IS_PLUGIN_LOADER (self), 0);
  return self->failures->len;
}

/**
 * aqmp_plugin_loader_get_failure:
 * @self: an #AqmpPluginLoader
 * @index: less than aqmp_plugin_loader_get_n_failures()
 *
 * Returns the @index-th refused module, in load order.
 *
 * Returns: (transfer none): the @index-th refused module, in load order
 *
 * Since: 0.1
 */
const AqmpPluginFailure *
aqmp_plugin_loader_get_failure (AqmpPluginLoader *self, guint index)
{
  g_return_val_if_fail (AQMP_IS_PLUGIN_LOADER (self), NULL);
  g_return_val_if_fail (index < self->failures->len, NULL);
  return g_ptr_array_index (self->failures, index);
}

/**
 * aqmp_plugin_loader_create_protocol:
 * @self: an #AqmpPluginLoader
 * @name: a protocol variant's name, such as `"qga"`
 * @error: return location for a #GError
 *
 * Creates a new instance of the variant.
 *
 * Returns: (transfer full) (nullable): a new instance of the variant
 *
 * Since: 0.1
 */
AqmpProtocol *
aqmp_plugin_loader_create_protocol (AqmpPluginLoader *self, const gchar *name, GError **error)
{
  g_return_val_if_fail (AQMP_IS_PLUGIN_LOADER (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < self->plugins->len; i++)
    {
      GType type = aqmp_plugin_get_protocol_type (g_ptr_array_index (self->plugins, i), name);
      if (type != G_TYPE_INVALID)
        return g_object_new (type, NULL);
    }
  g_set_error (error, AQMP_ERROR, AQMP_ERROR_FAILED,
               "no loaded plugin provides the protocol '%s'", name);
  return NULL;
}

/**
 * aqmp_plugin_loader_find_workflow:
 * @self: an #AqmpPluginLoader
 * @name: a workflow's name
 * @error: return location for a #GError
 *
 * Returns the workflow.
 *
 * Returns: (transfer none) (nullable): the workflow
 *
 * Since: 0.1
 */
AqmpWorkflow *
aqmp_plugin_loader_find_workflow (AqmpPluginLoader *self, const gchar *name, GError **error)
{
  g_return_val_if_fail (AQMP_IS_PLUGIN_LOADER (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < self->plugins->len; i++)
    {
      GPtrArray *workflows = aqmp_plugin_get_workflows (g_ptr_array_index (self->plugins, i));
      for (guint j = 0; j < workflows->len; j++)
        {
          AqmpWorkflow *workflow = g_ptr_array_index (workflows, j);
          if (g_strcmp0 (aqmp_workflow_get_name (workflow), name) == 0)
            return workflow;
        }
    }
  g_set_error (error, AQMP_ERROR, AQMP_ERROR_FAILED,
               "no loaded plugin provides the workflow '%s'", name);
  return NULL;
}
