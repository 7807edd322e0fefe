/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "aqmp-args.h"
#include "aqmp-cli.h"
#include "aqmp-cli-validate.h"

/* aqmp exec ADDRESS COMMAND [JSON | KEY=VALUE...] */

typedef struct {
  AqmpCliOptions *options;
  GMainLoop *loop;
  AqmpClient *client;
  const gchar *command;
  JsonObject *arguments;
  GUnixFDList *fds;
  AqmpCliValidate *validate;  /* nullable: the guest agent's ga */
  const gchar *address;
  GSource *pending;           /* the notice of a slow reply */
  gint exit_code;
} AqmpExec;

/* an HMP line's text as it is, and exit code 1 when it tells of a failure */
static void
aqmp_exec_print_hmp (AqmpExec *self, JsonNode *value)
{
  g_autoptr(GString) text = NULL;
  gboolean failed;

  if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
    {
      aqmp_cli_print_json (value, aqmp_cli_use_pretty (self->options));
      return;
    }
  text = g_string_new (json_node_get_string (value));
  g_string_replace (text, "\r\n", "\n", 0);
  failed = aqmp_cli_hmp_failed (text->str);
  if (text->len > 0 && text->str[text->len - 1] != '\n')
    g_string_append_c (text, '\n');
  fflush (stdout);
  fputs (text->str, failed ? stderr : stdout);
  fflush (failed ? stderr : stdout);
  self->exit_code = failed ? AQMP_EXIT_QMP_ERROR : AQMP_EXIT_OK;
}

static void
aqmp_exec_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpExec *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_finish (AQMP_CLIENT (source), res, &error);

  g_main_loop_quit (self->loop);
  aqmp_cli_pending_clear (&self->pending);
  if (value == NULL)
    {
      self->exit_code = aqmp_cli_report_failure (self->options->hmp ? "human-monitor-command" : self->command,
                                                 error);
      return;
    }
  self->exit_code = AQMP_EXIT_OK;
  if (self->options->hmp)
    {
      aqmp_exec_print_hmp (self, value);
      return;
    }
  /* a command without a reply (the agent's guest-shutdown) prints nothing */
  if (JSON_NODE_HOLDS_NULL (value))
    return;
  aqmp_cli_print_json (value, aqmp_cli_use_pretty (self->options));
}

/* quick commands are bounded even without --timeout; long ones are not */
static void
aqmp_exec_send (AqmpExec *self)
{
  const gchar *command = self->options->hmp ? "human-monitor-command" : self->command;
  g_autoptr(JsonObject) hmp = NULL;
  JsonObject *arguments = self->arguments;
  guint timeout_ms = aqmp_cli_command_timeout_ms (self->options, self->command);

  if (self->options->hmp)
    {
      hmp = json_object_new ();
      json_object_set_string_member (hmp, "command-line", self->command);
      arguments = hmp;
      /* HMP's reading commands ("info ...") are quick as well */
      if (timeout_ms == 0 && g_str_has_prefix (self->command, "info"))
        timeout_ms = AQMP_CLI_QUICK_TIMEOUT_MS;
    }
  aqmp_client_set_default_timeout (self->client, aqmp_cli_timeout_ms (self->options));
  self->pending = aqmp_cli_announce_pending (self->address, self->command);
  aqmp_client_execute_with_fds_async (self->client, command, arguments, self->fds, AQMP_EXECUTE_FLAGS_NONE,
                                      (gint) timeout_ms, NULL, aqmp_exec_done_cb, self);
}

static void
aqmp_exec_validating_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpExec *self = user_data;

  aqmp_cli_validate_finish (self->validate, self->client, res);
  aqmp_exec_send (self);
}

static void
aqmp_exec_connected_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpExec *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!aqmp_client_connect_finish (AQMP_CLIENT (source), res, &error))
    {
      AqmpProtocol *protocol = aqmp_client_get_protocol (self->client);

      aqmp_cli_report_connect_failure (self->address, error,
                                       protocol != NULL && !aqmp_protocol_has_greeting (protocol));
      self->exit_code = AQMP_EXIT_PROBLEM;
      g_main_loop_quit (self->loop);
      return;
    }
  if (self->validate == NULL || self->options->hmp)
    {
      aqmp_exec_send (self);
      return;
    }
  /* reading the schema is quick: bounded even without --timeout */
  if (aqmp_cli_timeout_ms (self->options) == 0)
    aqmp_client_set_default_timeout (self->client, AQMP_CLI_QUICK_TIMEOUT_MS);
  aqmp_cli_validate_start (self->validate, self->client, aqmp_exec_validating_cb, self);
}

/**
 * aqmp_cli_run_command:
 *
 * Connects @client (set up and given its protocol by the caller) to
 * @address, runs one command, passing @fds (nullable) with it, prints its
 * result and returns the exit code: what `exec` and `ga` share. With
 * @validate (nullable) the command is checked against the server's schema
 * first.
 */
gint
aqmp_cli_run_command (AqmpCliOptions  *options,
                      AqmpClient      *client,
                      const gchar     *address,
                      const gchar     *command,
                      JsonObject      *arguments,
                      GUnixFDList     *fds,
                      AqmpCliValidate *validate)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  AqmpExec self = {
    .options = options, .loop = loop, .client = client, .command = command, .arguments = arguments,
    .fds = fds, .validate = validate, .address = address, .exit_code = AQMP_EXIT_PROBLEM,
  };

  aqmp_cli_announce_connect (client, address);
  aqmp_client_connect_async (client, address, NULL, aqmp_exec_connected_cb, &self);
  g_main_loop_run (loop);
  return self.exit_code;
}

/* --fd PATH: read-write when allowed, else read-only */
static gint
aqmp_exec_open (const gchar *path)
{
  gint fd = open (path, O_RDWR | O_CLOEXEC | O_NOCTTY);

  if (fd < 0 && (errno == EACCES || errno == EISDIR || errno == EROFS || errno == EPERM))
    fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  return fd;
}

static GUnixFDList *
aqmp_exec_open_fds (gchar **paths)
{
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();

  for (guint i = 0; paths != NULL && paths[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      gint fd = aqmp_exec_open (paths[i]);

      if (fd < 0)
        {
          /* TRANSLATORS: a file given to --fd could not be opened; the
           * first %s is its name, the second why */
          aqmp_cli_error (_("cannot open %s: %s"), paths[i], g_strerror (errno));
          return NULL;
        }
      g_unix_fd_list_append (fds, fd, &error);
      close (fd);
      if (error != NULL)
        {
          aqmp_cli_error ("%s", error->message);
          return NULL;
        }
    }
  return g_steal_pointer (&fds);
}

gint
aqmp_cmd_exec (gint argc, gchar **argv)
{
  AqmpCliOptions options = { 0, };
  gint exit_code = AQMP_EXIT_PROBLEM;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) arguments = NULL;
  g_autoptr(AqmpClient) client = NULL;
  g_autoptr(GUnixFDList) fds = NULL;
  g_auto(GStrv) fd_paths = NULL;
  AqmpCliValidate validate = { 0 };
  const GOptionEntry entries[] = {
    AQMP_CLI_VALIDATE_OPTIONS (&validate),
    { "hmp", 'H', 0, G_OPTION_ARG_NONE, &options.hmp,
      /* TRANSLATORS: --help text of aqmp exec --hmp */
      N_("COMMAND and the words after it are one HMP line, sent with human-monitor-command; "
         "its text is printed, and HMP's errors exit with 1"), NULL },
    { "fd", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &fd_paths,
      /* TRANSLATORS: --help text of aqmp exec --fd */
      N_("Open PATH and pass it with the command, as getfd and add-fd expect "
         "(Unix sockets only; repeatable)"),
      /* TRANSLATORS: the placeholder of the --fd option's value */
      N_("PATH") },
    { NULL }
  };

  if (!aqmp_cli_parse_options (&options, "exec",
                               /* TRANSLATORS: the parameters of aqmp exec; only
                                * translate the words in capitals */
                               _("ADDRESS COMMAND [JSON | KEY=VALUE...]"),
                               /* TRANSLATORS: the description in aqmp exec --help */
                               _("Runs one QMP command and prints its result as JSON.\n"
                                 "Arguments are one JSON object or KEY=VALUE pairs; dotted keys\n"
                                 "nest (a.b=1), and a value is taken as JSON when it is valid JSON\n"
                                 "and as a string otherwise. The command is checked against the\n"
                                 "server's schema before it is sent (--no-validate sends it as it is)."),
                               entries, &argc, &argv, &exit_code))
    return exit_code;
  if (argc < 3)
    {
      aqmp_cli_error (_("exec needs an ADDRESS and a COMMAND (see aqmp exec --help)"));
      return AQMP_EXIT_PROBLEM;
    }
  if (!aqmp_cli_validate_check_options (&validate))
    {
      aqmp_cli_validate_clear (&validate);
      return AQMP_EXIT_PROBLEM;
    }
  if (options.hmp)
    {
      g_autofree gchar *line = g_strjoinv (" ", argv + 2);

      client = aqmp_client_new ();
      aqmp_cli_setup (&options, client);
      exit_code = aqmp_cli_run_command (&options, client, argv[1], line, NULL, NULL, &validate);
      aqmp_cli_validate_clear (&validate);
      return exit_code;
    }
  arguments = aqmp_args_parse ((const gchar * const *) argv + 3, argc - 3, &error);
  if (arguments == NULL && error != NULL)
    {
      aqmp_cli_error ("%s", error->message);
      return AQMP_EXIT_PROBLEM;
    }

  if (fd_paths != NULL)
    {
      fds = aqmp_exec_open_fds (fd_paths);
      if (fds == NULL)
        return AQMP_EXIT_PROBLEM;
    }

  client = aqmp_client_new ();
  aqmp_cli_setup (&options, client);
  exit_code = aqmp_cli_run_command (&options, client, argv[1], argv[2], arguments, fds, &validate);
  aqmp_cli_validate_clear (&validate);
  return exit_code;
}
