/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "aqmp-shell.h"
#include "aqmp-cli-validate.h"

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
  AqmpCliValidate *validate;
  guint timeout_ms;            /* --timeout, 0 for none */
  GSource *pending;            /* the notice of a slow schema */
} AqmpShellConnect;

/* one schema for completion and validation, from the cache when it can */
static void
aqmp_cmd_shell_schema_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpShellConnect *connect = user_data;
  AqmpShell *shell = connect->shell;
  g_autoptr(GError) error = NULL;

  shell->schema = aqmp_schema_load_finish (AQMP_CLIENT (source), res, &error);
  aqmp_cli_pending_clear (&connect->pending);
  aqmp_client_set_default_timeout (shell->client, connect->timeout_ms);
  if (shell->schema == NULL && !shell->quitting)
    /* TRANSLATORS: %s says why the server's schema could not be read */
    aqmp_shell_message (shell, TRUE, _("no tab completion and no validation: %s"), error->message);
  if (shell->schema != NULL && !connect->validate->no_validate)
    aqmp_cli_validate_use (connect->validate, shell->client, shell->schema);
  aqmp_cmd_shell_start_input (shell);
}

static void
aqmp_cmd_shell_load_schema (AqmpShellConnect *connect)
{
  g_autoptr(AqmpSchemaCache) cache = aqmp_schema_cache_new (NULL);

  /* the prompt waits for it: bounded even without --timeout */
  if (connect->timeout_ms == 0)
    aqmp_client_set_default_timeout (connect->shell->client, AQMP_CLI_QUICK_TIMEOUT_MS);
  connect->pending = aqmp_cli_announce_pending (connect->address, "query-qmp-schema");
  aqmp_schema_load_async (connect->shell->client, cache, NULL, aqmp_cmd_shell_schema_cb, connect);
}

static void
aqmp_cmd_shell_connected_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpShellConnect *connect = user_data;
  AqmpShell *shell = connect->shell;
  g_autoptr(GError) error = NULL;

  if (!aqmp_client_connect_finish (AQMP_CLIENT (source), res, &error))
    {
      g_autofree gchar *msg = aqmp_cli_describe_connect_failure (connect->address, error, FALSE);

      aqmp_shell_message (shell, TRUE, "%s", msg);
      aqmp_shell_quit (shell, AQMP_EXIT_PROBLEM);
      return;
    }
  shell->connected = TRUE;
  if (shell->interactive)
    aqmp_cmd_shell_banner (shell, connect->address);
  /* a script without validation needs no schema */
  if (!shell->interactive && connect->validate->no_validate)
    {
      aqmp_cmd_shell_start_input (shell);
      return;
    }
  /* completion and validation are ready before the first line */
  aqmp_cmd_shell_load_schema (connect);
}

gint
aqmp_cmd_shell (gint argc, gchar **argv)
{
  AqmpCliOptions options = { 0 };
  gboolean hmp = FALSE;
  g_autofree gchar *db_path = NULL;
  AqmpCliValidate validate = { 0 };
  const GOptionEntry entries[] = {
    { "hmp", 'H', 0, G_OPTION_ARG_NONE, &hmp,
      N_("Send each line to human-monitor-command (HMP)"), NULL },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db_path,
      N_("The job store of /start (default: $XDG_STATE_HOME/aqmp/jobs.db)"), N_("PATH") },
    AQMP_CLI_VALIDATE_OPTIONS (&validate),
    { NULL }
  };
  AqmpShell shell = { 0 };
  AqmpShellConnect connect = { &shell, NULL, &validate, 0, NULL };
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
                                 "a line and the exit status is the worst of their results. Commands\n"
                                 "are checked against the server's schema before they are sent.\n"
                                 "Lines starting with / are the shell's own: /start runs a job in the\n"
                                 "background, /jobs lists them, /cancel, /pause, /resume and /complete\n"
                                 "act on one; help or /help lists them."),
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 2)
    {
      aqmp_cli_error (_("shell needs one ADDRESS (see aqmp shell --help)"));
      return AQMP_EXIT_PROBLEM;
    }
  if (!aqmp_cli_validate_check_options (&validate))
    {
      aqmp_cli_validate_clear (&validate);
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
  shell.address = argv[1];
  shell.jobs = aqmp_shell_jobs_new (&shell, db_path);
  connect.timeout_ms = aqmp_cli_timeout_ms (&options);
  aqmp_cli_announce_connect (client, argv[1]);
  aqmp_client_connect_async (client, argv[1], NULL, aqmp_cmd_shell_connected_cb, &connect);
  g_main_loop_run (loop);
  aqmp_cli_pending_clear (&connect.pending);

  aqmp_shell_readline_stop (&shell);
  aqmp_shell_stream_stop (&shell);
  exit_code = shell.exit_code;
  aqmp_shell_clear (&shell);
  aqmp_cli_validate_clear (&validate);
  return exit_code;
}
