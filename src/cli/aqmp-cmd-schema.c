/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>

#include "aqmp-cli-validate.h"

/* aqmp schema dump ADDRESS [FILE] | aqmp schema diff OLD NEW */

static gint
aqmp_schema_cmd_dump (AqmpCliOptions *options, gint argc, gchar **argv)
{
  g_autoptr(AqmpSchema) schema = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *text = NULL;

  if (argc != 3 && argc != 4)
    {
      aqmp_cli_error (_("schema dump needs an ADDRESS, and may take a FILE (see aqmp schema --help)"));
      return AQMP_EXIT_PROBLEM;
    }
  schema = aqmp_cli_load_schema (options, argv[2]);
  if (schema == NULL)
    return AQMP_EXIT_PROBLEM;
  text = aqmp_schema_dump (schema);
  if (argc == 3)
    {
      fputs (text, stdout);
      return AQMP_EXIT_OK;
    }
  if (!g_file_set_contents (argv[3], text, -1, &error))
    {
      aqmp_cli_error ("%s", error->message);
      return AQMP_EXIT_PROBLEM;
    }
  return AQMP_EXIT_OK;
}

static gint
aqmp_schema_cmd_diff (AqmpCliOptions *options, gint argc, gchar **argv)
{
  g_autoptr(AqmpSchema) old_schema = NULL;
  g_autoptr(AqmpSchema) new_schema = NULL;
  g_autoptr(JsonNode) diff = NULL;
  g_autofree gchar *text = NULL;

  if (argc != 4)
    {
      aqmp_cli_error (_("schema diff needs two schemas, each an ADDRESS or a FILE (see aqmp schema --help)"));
      return AQMP_EXIT_PROBLEM;
    }
  old_schema = aqmp_cli_load_schema (options, argv[2]);
  if (old_schema == NULL)
    return AQMP_EXIT_PROBLEM;
  new_schema = aqmp_cli_load_schema (options, argv[3]);
  if (new_schema == NULL)
    return AQMP_EXIT_PROBLEM;
  diff = aqmp_schema_diff (old_schema, new_schema);
  if (options->json)
    {
      aqmp_cli_print_json (diff, aqmp_cli_use_pretty (options));
      return AQMP_EXIT_OK;
    }
  text = aqmp_schema_diff_text (diff);
  fputs (text, stdout);
  return AQMP_EXIT_OK;
}

gint
aqmp_cmd_schema (gint argc, gchar **argv)
{
  AqmpCliOptions options = { 0 };
  gint exit_code = AQMP_EXIT_PROBLEM;

  if (!aqmp_cli_parse_options (&options, "schema",
                               /* TRANSLATORS: the parameters of aqmp schema; only
                                * translate the words in capitals */
                               _("dump ADDRESS [FILE] | diff OLD NEW"),
                               /* TRANSLATORS: the description in aqmp schema --help */
                               _("dump writes the server's query-qmp-schema reply, one entry a line,\n"
                                 "to FILE or standard output. diff compares two schemas, each an\n"
                                 "ADDRESS or a FILE that dump wrote: commands, events, members and\n"
                                 "enum values added (+), removed (-) and newly deprecated (!).\n"
                                 "--json prints the changes as JSON."),
                               NULL, &argc, &argv, &exit_code))
    return exit_code;
  if (argc >= 2 && g_strcmp0 (argv[1], "dump") == 0)
    return aqmp_schema_cmd_dump (&options, argc, argv);
  if (argc >= 2 && g_strcmp0 (argv[1], "diff") == 0)
    return aqmp_schema_cmd_diff (&options, argc, argv);
  aqmp_cli_error (_("schema needs dump or diff (see aqmp schema --help)"));
  return AQMP_EXIT_PROBLEM;
}
