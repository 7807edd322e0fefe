/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>

#include <aqmp/aqmp-plugin-loader.h>

#include "aqmp-cli.h"

/* aqmp plugins: what the plugin loader finds, and what it refused */

gint
aqmp_cmd_plugins (gint argc, gchar **argv)
{
  AqmpCliOptions options = { 0, };
  g_autoptr(AqmpPluginLoader) loader = aqmp_plugin_loader_new ();
  g_autoptr(GString) str = g_string_new (NULL);
  g_auto(GStrv) dirs = NULL;
  GPtrArray *plugins;
  gint exit_code = AQMP_EXIT_PROBLEM;

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
          /* TRANSLATORS: one line of aqmp plugins; a workflow's name and
           * its description */
          g_string_append_printf (str, _("  workflow  %-14s %s\n"), aqmp_workflow_get_name (workflow),
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
