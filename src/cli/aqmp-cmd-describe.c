/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>

#include "aqmp-cli-validate.h"

/* aqmp describe ADDRESS|FILE NAME */

gint
aqmp_cmd_describe (gint argc, gchar **argv)
{
  AqmpCliOptions options = { 0 };
  gint exit_code = AQMP_EXIT_PROBLEM;
  g_autoptr(AqmpSchema) schema = NULL;
  g_autoptr(JsonNode) description = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *text = NULL;

  if (!aqmp_cli_parse_options (&options, "describe",
                               /* TRANSLATORS: the parameters of aqmp describe; only
                                * translate the words in capitals */
                               _("ADDRESS|FILE NAME"),
                               /* TRANSLATORS: the description in aqmp describe --help */
                               _("Prints a command's or an event's arguments and return value as\n"
                                 "the server's schema gives them: members one a line, nested ones\n"
                                 "indented, types in words, optional or mandatory, features, a\n"
                                 "union's members under the value of its tag. FILE is a schema that\n"
                                 "aqmp schema dump wrote. --json prints the same as JSON."),
                               NULL, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 3)
    {
      aqmp_cli_error (_("describe needs an ADDRESS or FILE and a NAME (see aqmp describe --help)"));
      return AQMP_EXIT_PROBLEM;
    }
  schema = aqmp_cli_load_schema (&options, argv[1]);
  if (schema == NULL)
    return AQMP_EXIT_PROBLEM;
  description = aqmp_schema_describe (schema, argv[2], &error);
  if (description == NULL)
    {
      aqmp_cli_error ("%s", error->message);
      return AQMP_EXIT_PROBLEM;
    }
  if (options.json)
    {
      aqmp_cli_print_json (description, aqmp_cli_use_pretty (&options));
      return AQMP_EXIT_OK;
    }
  text = aqmp_schema_describe_text (description);
  fputs (text, stdout);
  return AQMP_EXIT_OK;
}
