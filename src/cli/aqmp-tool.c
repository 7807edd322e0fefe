/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <locale.h>
#include <stdio.h>

#include "aqmp-cli.h"

/*
 * aqmp: drive QEMU's QMP from the shell. This file only dispatches; each
 * command lives in its own file. Adding one is one line in the table.
 */

/* commands with a handler run in the tool; the others are in its module
 * (aqmp-tool-module.c), looked up by name */
static const AqmpCommand commands[] = {
  /* TRANSLATORS: summaries of the commands in aqmp --help */
  { "exec", N_("Run one QMP command and print its result as JSON"), aqmp_cmd_exec, NULL },
  { "events", N_("Print events as JSON lines as they arrive"), aqmp_cmd_events, NULL },
  { "shell", N_("An interactive QMP shell that shows events as they arrive"), NULL, "aqmp_cmd_shell" },
  { "job", N_("Run, follow and list long-running block jobs"), NULL, "aqmp_cmd_job" },
  { "backup", N_("Back up disks as chains of images; list, restore and verify them"), NULL, "aqmp_cmd_backup" },
  { "ga", N_("Run one QEMU guest agent command and print its result as JSON"), NULL, "aqmp_cmd_ga" },
  { "ga-exec", N_("Run a program in the guest and exit with its exit code"), NULL, "aqmp_cmd_ga_exec" },
  { "plugins", N_("List the loaded plugins and what each provides"), NULL, "aqmp_cmd_plugins" },
  { "workflow", N_("List the plugins' workflows, or run one on a machine"), NULL, "aqmp_cmd_workflow" },
  { "describe", N_("Print a command's or an event's arguments as the server's schema gives them"),
    aqmp_cmd_describe, NULL },
  { "schema", N_("Dump the server's schema, or compare two schemas"), aqmp_cmd_schema, NULL },
};

static void
aqmp_tool_usage (FILE *out)
{
  g_autoptr(GString) str = g_string_new (NULL);

  g_string_append_printf (str, "%s\n  aqmp %s\n\n%s\n",
                          /* TRANSLATORS: heading of aqmp --help */
                          _("Usage:"),
                          /* TRANSLATORS: the synopsis in aqmp --help; only
                           * translate the words in capitals */
                          _("COMMAND [OPTION...] ADDRESS [ARGUMENTS...]"),
                          /* TRANSLATORS: heading of the list of commands in aqmp --help */
                          _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_string_append_printf (str, "  %-8s %s\n", commands[i].name, _(commands[i].summary));
  g_string_append_printf (str, "\n%s\n", _("Options:"));
  g_string_append_printf (str, "  -h, --help     %s\n", _("Show this help"));
  g_string_append_printf (str, "  --version      %s\n\n", _("Show the version"));
  g_string_append (str, aqmp_cli_footer ());
  g_string_append (str, "\n\n");
  /* TRANSLATORS: the last line of aqmp --help */
  g_string_append (str, _("Run 'aqmp COMMAND --help' for a command's options."));
  g_string_append_c (str, '\n');
  fputs (str->str, out);
}

static void
aqmp_tool_init_i18n (void)
{
  /* tests point this into the build tree */
  const gchar *localedir = g_getenv ("AQMP_LOCALEDIR");

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}

int
main (int argc, char **argv)
{
  aqmp_tool_init_i18n ();
  g_set_prgname ("aqmp");
  if (argc < 2)
    {
      aqmp_tool_usage (stderr);
      return AQMP_EXIT_PROBLEM;
    }
  if (g_strcmp0 (argv[1], "--help") == 0 || g_strcmp0 (argv[1], "-h") == 0
      || g_strcmp0 (argv[1], "help") == 0)
    {
      aqmp_tool_usage (stdout);
      return AQMP_EXIT_OK;
    }
  if (g_strcmp0 (argv[1], "--version") == 0)
    {
      g_print ("aqmp %s\n", AQMP_VERSION_STRING);
      return AQMP_EXIT_OK;
    }
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (g_strcmp0 (argv[1], commands[i].name) != 0)
        continue;
      if (commands[i].handler != NULL)
        return commands[i].handler (argc - 1, argv + 1);
      return aqmp_tool_run_module_command (&commands[i], argc - 1, argv + 1);
    }
  /* TRANSLATORS: %s is what the user typed instead of exec, events or shell */
  aqmp_cli_error (_("unknown command '%s' (see aqmp --help)"), argv[1]);
  return AQMP_EXIT_PROBLEM;
}
