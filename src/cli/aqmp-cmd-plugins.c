/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>

#include "aqmp-cli-commands.h"

/* aqmp plugins: what the plugin loader finds, and what it refused */

/* the modules the plugin loader refused, one line each */
void
aqmp_cli_report_plugin_failures (AqmpPluginLoader *loader)
{
  guint n = aqmp_plugin_loader_get_n_failures (loader);

  for (guint i = 0; i < n; i++)
    aqmp_cli_error ("%s", aqmp_plugin_failure_get_message (aqmp_plugin_loader_get_failure (loader, i)));
}

/* no loaded plugin provides what was asked for: @error, the refused
 * modules (they may be why), then @hint, what the user can do */
void
aqmp_cli_report_plugin_missing (AqmpPluginLoader *loader, const GError *error, const gchar *hint)
{
  aqmp_cli_error ("%s", error->message);
  aqmp_cli_report_plugin_failures (loader);
  aqmp_cli_error ("%s", hint);
}

/* --json: [{"name", "path", "protocols": [...], "workflows": [{"name",
 * "description"}...]}...] */
static void
aqmp_plugins_print_json (AqmpCliOptions *options, GPtrArray *plugins)
{
  g_autoptr(JsonArray) list = json_array_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);

  for (guint i = 0; i < plugins->len; i++)
    {
      AqmpPlugin *plugin = g_ptr_array_index (plugins, i);
      g_auto(GStrv) protocols = aqmp_plugin_get_protocols (plugin);
      GPtrArray *workflows = aqmp_plugin_get_workflows (plugin);
      JsonObject *obj = json_object_new ();
      JsonArray *protocol_list = json_array_new ();
      JsonArray *workflow_list = json_array_new ();

      json_object_set_string_member (obj, "name", aqmp_plugin_get_name (plugin));
      json_object_set_string_member (obj, "path", aqmp_plugin_get_path (plugin));
      for (guint j = 0; protocols[j] != NULL; j++)
        json_array_add_string_element (protocol_list, protocols[j]);
      for (guint j = 0; workflows != NULL && j < workflows->len; j++)
        {
          AqmpWorkflow *workflow = g_ptr_array_index (workflows, j);
          JsonObject *w = json_object_new ();

          json_object_set_string_member (w, "name", aqmp_workflow_get_name (workflow));
          json_object_set_string_member (w, "description", aqmp_workflow_get_description (workflow));
          json_array_add_object_element (workflow_list, w);
        }
      json_object_set_array_member (obj, "protocols", protocol_list);
      json_object_set_array_member (obj, "workflows", workflow_list);
      json_array_add_object_element (list, obj);
    }
  json_node_set_array (node, list);
  aqmp_cli_print_json (node, aqmp_cli_use_pretty (options));
}

/* the longest protocol or workflow name: the descriptions line up after it */
static gint
aqmp_plugins_name_width (GPtrArray *plugins)
{
  gint width = 0;

  for (guint i = 0; i < plugins->len; i++)
    {
      AqmpPlugin *plugin = g_ptr_array_index (plugins, i);
      g_auto(GStrv) protocols = aqmp_plugin_get_protocols (plugin);
      GPtrArray *workflows = aqmp_plugin_get_workflows (plugin);

      for (guint j = 0; protocols[j] != NULL; j++)
        width = MAX (width, (gint) g_utf8_strlen (protocols[j], -1));
      for (guint j = 0; workflows != NULL && j < workflows->len; j++)
        width = MAX (width, (gint) g_utf8_strlen (aqmp_workflow_get_name (g_ptr_array_index (workflows, j)), -1));
    }
  return width;
}

gint
aqmp_cmd_plugins (gint argc, gchar **argv)
{
  AqmpCliOptions options = { 0, };
  g_autoptr(AqmpPluginLoader) loader = aqmp_plugin_loader_new ();
  g_autoptr(GString) str = g_string_new (NULL);
  g_auto(GStrv) dirs = NULL;
  GPtrArray *plugins;
  gint exit_code = AQMP_EXIT_PROBLEM;
  gint width;

  if (!aqmp_cli_parse_options (&options, "plugins", "",
                               /* TRANSLATORS: the description in aqmp plugins --help;
                                * keep AQMP_PLUGIN_PATH as it is */
                               _("Lists the plugins found on the search path (the directories of\n"
                                 "AQMP_PLUGIN_PATH, then the installed plugin directory) and what\n"
                                 "each registers. Refused modules are reported on standard error."),
                               NULL, &argc, &argv, &exit_code))
    return exit_code;
  if (argc > 1)
    {
      aqmp_cli_error (_("plugins takes no arguments (see aqmp plugins --help)"));
      return AQMP_EXIT_PROBLEM;
    }
  if (options.debug)
    g_log_set_debug_enabled (TRUE);

  aqmp_plugin_loader_load_default (loader);
  plugins = aqmp_plugin_loader_get_plugins (loader);
  dirs = aqmp_plugin_loader_get_search_path ();
  if (options.json)
    {
      aqmp_plugins_print_json (&options, plugins);
      aqmp_cli_report_plugin_failures (loader);
      return AQMP_EXIT_OK;
    }
  width = aqmp_plugins_name_width (plugins);
  for (guint i = 0; i < plugins->len; i++)
    {
      AqmpPlugin *plugin = g_ptr_array_index (plugins, i);
      g_auto(GStrv) protocols = aqmp_plugin_get_protocols (plugin);
      GPtrArray *workflows = aqmp_plugin_get_workflows (plugin);

      g_string_append_printf (str, "%s (%s)\n", aqmp_plugin_get_name (plugin), aqmp_plugin_get_path (plugin));
      for (guint j = 0; protocols[j] != NULL; j++)
        /* TRANSLATORS: one line of aqmp plugins; %s is a protocol's name */
        g_string_append_printf (str, _("  protocol  %s\n"), protocols[j]);
      for (guint j = 0; j < workflows->len; j++)
        {
          AqmpWorkflow *workflow = g_ptr_array_index (workflows, j);
          /* TRANSLATORS: one line of aqmp plugins; the width of the
           * column, a workflow's name and its description */
          g_string_append_printf (str, _("  workflow  %-*s  %s\n"), width, aqmp_workflow_get_name (workflow),
                                  aqmp_workflow_get_description (workflow));
        }
    }
  if (plugins->len == 0)
    {
      g_autofree gchar *path = g_strjoinv (":", dirs);
      /* TRANSLATORS: %s is a colon-separated list of directories */
      g_string_append_printf (str, _("No plugins found in %s\n"), path);
    }
  fputs (str->str, stdout);
  fflush (stdout);

  aqmp_cli_report_plugin_failures (loader);
  return AQMP_EXIT_OK;
}
