/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmp-cli.h"

/*
 * What the commands with subcommands (aqmp job, aqmp backup) share: the
 * option every subcommand takes (such as --db) before a subcommand's own,
 * and finding the subcommand argv[1] names.
 */

/* "COMMAND VERB"'s options: @shared (such as --db), then @own (nullable,
 * NULL-terminated), then the ones every aqmp command takes; as
 * aqmp_cli_parse_options(), FALSE with *@exit_code set ends the command */
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

/* the function of the subcommand argv[1] names. NULL with *@exit_code
 * set after @usage when there is none or it is --help or -h; NULL with
 * *@exit_code -1 when it is unknown: the caller says so, in a message
 * that names the command */
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
