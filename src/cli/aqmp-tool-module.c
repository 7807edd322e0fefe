/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gmodule.h>

#include "aqmp-cli.h"

/*
 * The tool's module: the commands that need more than libaqmp and
 * libaqmp-qapi (aqmp-cli-commands.h). It is opened only when one of them
 * runs. An installed tool opens the installed module; a tool run from
 * its build directory opens the module built beside it, and only there.
 */

#define AQMP_TOOL_MODULE_FILE "aqmp-commands.so"

/* the build directory this tool was built in, if it is running from there */
static gboolean
aqmp_tool_is_uninstalled (void)
{
  g_autofree gchar *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree gchar *dir = self != NULL ? g_path_get_dirname (self) : NULL;
  g_autofree gchar *builddir = realpath (AQMP_TOOL_BUILDDIR, NULL);

  return dir != NULL && builddir != NULL && strcmp (dir, builddir) == 0;
}

static GModule *
aqmp_tool_open_module (GError **error)
{
  static GModule *module;
  g_autofree gchar *path = NULL;

  if (module != NULL)
    return module;
  path = g_build_filename (aqmp_tool_is_uninstalled () ? AQMP_TOOL_BUILDDIR : AQMP_TOOL_MODULEDIR,
                           AQMP_TOOL_MODULE_FILE, NULL);
  module = g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
  if (module == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s", g_module_error ());
      return NULL;
    }
  /* never closed: its code may still be on a stack at exit */
  g_module_make_resident (module);
  return module;
}

/* runs @command's handler from the module */
gint
aqmp_tool_run_module_command (const AqmpCommand *command, gint argc, gchar **argv)
{
  g_autoptr(GError) error = NULL;
  GModule *module = aqmp_tool_open_module (&error);
  gpointer handler = NULL;

  if (module == NULL || !g_module_symbol (module, command->symbol, &handler))
    {
      /* TRANSLATORS: the first %s is a command (job, backup...), the
       * second why its part of aqmp could not be loaded */
      aqmp_cli_error (_("the '%s' command is not available: %s"), command->name,
                      error != NULL ? error->message : g_module_error ());
      return AQMP_EXIT_PROBLEM;
    }
  return ((AqmpCommandFunc) handler) (argc, argv);
}
