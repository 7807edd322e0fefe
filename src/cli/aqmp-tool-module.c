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

/* whether the tool runs from the build directory it was built in */
static gboolean
aqmp_tool_is_uninstalled (void)
{
  g_autofree gchar *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree gchar *dir = self != NULL ? g_path_get_dirname (self) : NULL;
  g_autofree gchar *builddir = realpath (AQMP_TOOL_BUILDDIR, NULL);

  return dir != NULL && builddir != NULL && strcmp (dir, builddir) == 0;
}

/* the module, or NULL with why in g_module_error() */
static GModule *
aqmp_tool_open_module (void)
{
  g_autofree gchar *path = g_build_filename (aqmp_tool_is_uninstalled () ? AQMP_TOOL_BUILDDIR
                                                                          : AQMP_TOOL_MODULEDIR,
                                             AQMP_TOOL_MODULE_FILE, NULL);
  /* bound at once: a module of another version fails here, with a
   * message, not with the loader's abort in the middle of a command */
  GModule *module = g_module_open (path, G_MODULE_BIND_LOCAL);

  /* never closed: its code may still be on a stack at exit */
  if (module != NULL)
    g_module_make_resident (module);
  return module;
}

/* runs @command's handler from the module */
gint
aqmp_tool_run_module_command (const AqmpCommand *command, gint argc, gchar **argv)
{
  GModule *module = aqmp_tool_open_module ();
  gpointer handler = NULL;

  if (module == NULL || !g_module_symbol (module, command->symbol, &handler))
    {
      /* TRANSLATORS: the first %s is a command (job, backup...), the
       * second why its part of aqmp could not be loaded */
      aqmp_cli_error (_("the '%s' command is not available: %s"), command->name, g_module_error ());
      return AQMP_EXIT_PROBLEM;
    }
  return ((AqmpCommandFunc) handler) (argc, argv);
}
