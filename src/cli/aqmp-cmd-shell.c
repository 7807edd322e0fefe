/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "aqmp-shell.h"

/* aqmp shell [-H] ADDRESS */

static void
aqmp_cmd_shell_print (AqmpShell *shell, const gchar *text, gboolean to_stderr)
{
  FILE *out = to_stderr ? stderr : stdout;

  fflush (stdout);
  fputs (text, out);
  fflush (out);
}

static void
aqmp_cmd_shell_start_input (AqmpShell *shell)
{
  if (shell->quitting)
    return;
  if (shell->interactive)
    aqmp_shell_readline_start (shell);
  else
    aqmp_shell_stream_start (shell);
}

static void
aqmp_cmd_shell_commands_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpShell *shell = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_finish (AQMP_CLIENT (source), res, &error);

  if (value != NULL)
    shell->schema = aqmp_schema_new_from_commands (value);
  if (shell->schema == NULL && error != NULL && !shell->quitting)
    /* TRANSLATORS: %s says why the list of commands could not be read */
    aqmp_shell_message (shell, TRUE, _("no tab completion: %s"), error->message);
  aqmp_cmd_shell_start_input (shell);
}

static void
aqmp_cmd_shell_schema_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpShell *shell = user_data;
  g_autoptr(JsonNode) value = aqmp_client_execute_finish (AQMP_CLIENT (source), res, NULL);

  if (value != NULL)
    shell->schema = aqmp_schema_new_from_schema (value);
  if (shell->schema != NULL || shell->quitting)
    {
      aqmp_cmd_shell_start_input (shell);
      return;
    }
  /* older or restricted servers: command names only */
  aqmp_client_execute_async (shell->client, "query-commands", NULL, NULL,
                             aqmp_cmd_shell_commands_cb, shell);
}

static void
aqmp_cmd_shell_banner (AqmpShell *shell, const gchar *address)
{
  guint major = 0, minor = 0, micro = 0;

  aqmp_client_get_server_version (shell->client, &major, &minor, &micro);
  /* TRANSLATORS: the shell's greeting; the arguments are QEMU's version and the address */
  aqmp_shell_message (shell, FALSE, _("Connected to QEMU %u.%u.%u at %s."), major, minor, micro, address);
  if (shell->hmp)
    aqmp_shell_message (shell, FALSE, "%s",
                        /* TRANSLATORS: the shell's greeting in HMP mode */
                        _("HMP mode: each line is sent to human-monitor-command.\n"
                          "Events are shown as they arrive. Ctrl-D quits."));
  else
    aqmp_shell_message (shell, FALSE, "%s",
                        /* TRANSLATORS: the shell's greeting; keep "transaction(" as it is */
                        _("Type COMMAND KEY=VALUE... or JSON; Tab completes, transaction( starts a block.\n"
                          "Events are shown as they arrive. Ctrl-D quits."));
}

typedef struct {
  AqmpShell *shell;
  const gchar *address;
} AqmpShellConnect;

static void
aqmp_cmd_shell_connected_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpShellConnect *connect = user_data;
  AqmpShell *shell = connect->shell;
  g_autoptr(GError) error = NULL;

  if (!aqmp_client_connect_finish (AQMP_CLIENT (source), res, &error))
    {
      aqmp_shell_message (shell, TRUE, "%s", error->message);
      aqmp_shell_quit (shell, AQMP_EXIT_PROBLEM);
      return;
    }
  shell->connected = TRUE;
  if (!shell->interactive)
    {
      aqmp_cmd_shell_start_input (shell);
      return;
    }
  aqmp_cmd_shell_banner (shell, connect->address);
  /* completion is ready before the first prompt */
  aqmp_client_execute_async (shell->client, "query-qmp-schema", NULL, NULL,
                             aqmp_cmd_shell_schema_cb, shell);
}

gint
aqmp_cmd_shell (gint argc, gchar **argv)
{
  AqmpCliOptions options = { 0 };
  gboolean hmp = FALSE;
  const GOptionEntry entries[] = {
    { "hmp", 'H', 0, G_OPTION_ARG_NONE, &hmp,
      N_("Send each line to human-monitor-command (HMP)"), NULL },
    { NULL }
  };
  AqmpShell shell = { 0 };
  AqmpShellConnect connect = { &shell, NULL };
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(AqmpClient) client = NULL;
  gint exit_code = AQMP_EXIT_PROBLEM;

  if (!aqmp_cli_parse_options (&options, "shell", _("ADDRESS"),
                               /* TRANSLATORS: the description in aqmp shell --help; keep
                                * "transaction(" and ")" as they are */
                               _("An interactive QMP shell. Events are printed the moment they arrive,\n"
                                 "above the prompt. A line is COMMAND [KEY=VALUE... | JSON] or a raw\n"
                                 "{\"execute\": ...} request. Lines between \"transaction(\" and \")\" are\n"
                                 "actions (TYPE [KEY=VALUE... | JSON]) sent as one transaction.\n"
                                 "Tab completes command and argument names; history is kept in\n"
                                 "$XDG_STATE_HOME/aqmp/history. Ctrl-D, or Ctrl-C at an empty prompt,\n"
                                 "quits. When standard input is not a terminal, commands are read one\n"
                                 "a line and the exit status is the worst of their results."),
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 2)
    {
      aqmp_cli_error (_("shell needs one ADDRESS (see aqmp shell --help)"));
      return AQMP_EXIT_PROBLEM;
    }

  loop = g_main_loop_new (NULL, FALSE);
  client = aqmp_client_new ();
  aqmp_cli_setup (&options, client);
  aqmp_shell_init (&shell, client, loop);
  shell.interactive = isatty (STDIN_FILENO);
  shell.hmp = hmp;
  shell.pretty = aqmp_cli_use_pretty (&options);
  shell.json_events = options.json;
  shell.print = aqmp_cmd_shell_print;
  connect.address = argv[1];
  aqmp_client_connect_async (client, argv[1], NULL, aqmp_cmd_shell_connected_cb, &connect);
  g_main_loop_run (loop);

  aqmp_shell_readline_stop (&shell);
  aqmp_shell_stream_stop (&shell);
  exit_code = shell.exit_code;
  aqmp_shell_clear (&shell);
  return exit_code;
}
