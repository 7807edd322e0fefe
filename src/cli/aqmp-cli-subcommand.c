/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmp-cli.h"

/*
 * What the commands with subcommands (aqmp job, aqmp backup) share: the
 * option every subcommand takes (such as --db) before a subcommand's own,
 * and finding the subcommand argv[1] names.
 */

/**
 * aqmp_cli_parse_subcommand:
 * @options: the options every command takes
 * @command: the command, such as "job"
 * @verb: the subcommand, such as "start"
 * @shared: the option every subcommand of @command takes
 * @parameters: (nullable): the parameters for --help
 * @description: (nullable): the description for --help
 * @own: (nullable): the subcommand's own options, %NULL-terminated
 * @argc: the arguments' count, updated
 * @argv: the arguments, updated
 * @exit_code: (out): the exit code when it returns %FALSE
 *
 * Parses "@command @verb"'s options: @shared, then @own, then the ones
 * every aqmp command takes (aqmp_cli_parse_options()).
 *
 * Returns: %TRUE to go on
 */
gboolean
aqmp_cli_parse_subcommand (AqmpCliOptions      *options,
                           const gchar         *command,
                           const gchar         *verb,
                           const GOptionEntry  *shared,
                           const gchar         *parameters,
                           const gchar         *description,
                           const GOptionEntry  *own,
                           gint                *argc,
                           gchar             ***argv,
                           gint                *exit_code)
{
  g_autoptr(GArray) entries = g_array_new (TRUE, TRUE, sizeof (GOptionEntry));
  g_autofree gchar *name = g_strdup_printf ("%s %s", command, verb);

  g_array_append_vals (entries, shared, 1);
  for (guint i = 0; own != NULL && own[i].long_name != NULL; i++)
    g_array_append_vals (entries, &own[i], 1);
  return aqmp_cli_parse_options (options, name, parameters, description,
                                 (const GOptionEntry *) (gpointer) entries->data, argc, argv, exit_code);
}

/**
 * aqmp_cli_find_subcommand:
 * @subcommands: the subcommands
 * @n_subcommands: their number
 * @argc: the arguments' count
 * @argv: the arguments; argv[1] names the subcommand
 * @usage: prints the command's usage on stderr
 * @exit_code: (out): the exit code when it returns %NULL
 *
 * Finds the subcommand argv[1] names. Without one, or with --help or -h,
 * it prints the usage; an unknown one is the caller's to report (its
 * message names the command).
 *
 * Returns: (nullable): the subcommand's function, or %NULL: with
 *   *@exit_code set after the usage, or -1 when argv[1] is unknown
 */
GCallback
aqmp_cli_find_subcommand (const AqmpCliSubcommand *subcommands,
                          guint                    n_subcommands,
                          gint                     argc,
                          gchar                  **argv,
                          void                   (*usage) (void),
                          gint                    *exit_code)
{
  if (argc < 2 || g_strcmp0 (argv[1], "--help") == 0 || g_strcmp0 (argv[1], "-h") == 0)
    {
      usage ();
      *exit_code = argc < 2 ? AQMP_EXIT_PROBLEM : AQMP_EXIT_OK;
      return NULL;
    }
  for (guint i = 0; i < n_subcommands; i++)
    if (g_strcmp0 (subcommands[i].verb, argv[1]) == 0)
      return subcommands[i].func;
  *exit_code = -1;
  return NULL;
}
