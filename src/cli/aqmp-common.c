/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "aqmp-cli.h"

/* the TLS options every command shares; one command runs per process */
static gboolean cli_tls;
static gchar *cli_tls_ca;
static gchar *cli_tls_cert;
static gchar *cli_tls_key;
static GTlsCertificate *cli_tls_certificate;

/* every error the tool reports is one line starting with "aqmp: " */
void
aqmp_cli_error (const gchar *format, ...)
{
  va_list args;
  g_autofree gchar *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  fflush (stdout);
  g_printerr ("aqmp: %s\n", msg);
}

/* a warning is one line too, and does not change the exit code */
void
aqmp_cli_warning (const gchar *format, ...)
{
  va_list args;
  g_autofree gchar *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  fflush (stdout);
  /* TRANSLATORS: the tool's warnings; %s is the warning */
  aqmp_cli_error (_("warning: %s"), msg);
}

/* the exit code of a failed command: 1 when the server refused it, else 2 */
gint
aqmp_cli_exit_code (const GError *error)
{
  if (g_error_matches (error, AQMP_ERROR, AQMP_ERROR_COMMAND))
    return AQMP_EXIT_QMP_ERROR;
  return AQMP_EXIT_PROBLEM;
}

/* the one line for a failed command, and the exit code it maps to */
gchar *
aqmp_cli_describe_failure (const gchar *command, const GError *error, gint *exit_code)
{
  *exit_code = aqmp_cli_exit_code (error);
  if (g_error_matches (error, AQMP_ERROR, AQMP_ERROR_COMMAND))
    {
      /* TRANSLATORS: a QMP command failed; the arguments are the command's
       * name, QEMU's error class (such as GenericError) and QEMU's own
       * description of the error, which stays in English */
      return g_strdup_printf (_("%s failed: %s: %s"), command,
                              aqmp_error_get_qmp_class (error),
                              aqmp_error_get_qmp_desc (error));
    }
  /* the schema's refusal names the command and says it all */
  if (g_error_matches (error, AQMP_ERROR, AQMP_ERROR_INVALID))
    return g_strdup (error->message);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    /* TRANSLATORS: the user interrupted a running command; %s is its name */
    return g_strdup_printf (_("%s was interrupted"), command);
  /* TRANSLATORS: a command could not be run for a reason other than an
   * error reply (connection lost, timeout); %s is the command's name and the
   * reason comes from the library, in English */
  return g_strdup_printf (_("%s failed: %s"), command, error->message);
}

/* HMP tells of a failure only in its text: "unknown command: 'x'",
 * "Error: ...", or a usage complaint followed by "Try \"help x\"" */
gboolean
aqmp_cli_hmp_failed (const gchar *text)
{
  return g_str_has_prefix (text, "unknown command: ") || g_str_has_prefix (text, "Error: ")
         || g_str_has_prefix (text, "Try \"help ") || strstr (text, "\nTry \"help ") != NULL;
}

gint
aqmp_cli_report_failure (const gchar *command, const GError *error)
{
  gint exit_code;
  g_autofree gchar *msg = aqmp_cli_describe_failure (command, error, &exit_code);

  aqmp_cli_error ("%s", msg);
  return exit_code;
}

void
aqmp_cli_print_json (JsonNode *node, gboolean pretty)
{
  g_autofree gchar *text = aqmp_json_to_string (node, pretty);

  fputs (text, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
}

guint
aqmp_cli_timeout_ms (AqmpCliOptions *options)
{
  if (options->timeout <= 0)
    return 0;
  if (options->timeout * 1000 >= G_MAXINT)
    return G_MAXINT;
  return MAX ((guint) (options->timeout * 1000), 1);
}

gboolean
aqmp_cli_use_pretty (AqmpCliOptions *options)
{
  if (options->pretty)
    return TRUE;
  if (options->compact)
    return FALSE;
  return isatty (STDOUT_FILENO);
}

/* shared by aqmp --help and every command's --help */
const gchar *
aqmp_cli_footer (void)
{
  /* TRANSLATORS: the end of every --help; keep the addresses (/path,
   * unix:/path, tcp:HOST:PORT, HOST:PORT, tls:HOST:PORT) and the
   * options as they are */
  return _("ADDRESS is /path or unix:/path for a Unix socket, "
           "tcp:HOST:PORT or HOST:PORT for TCP, tls:HOST:PORT for TLS over TCP\n"
           "(--tls, --tls-ca or --tls-cert turn TLS on for TCP addresses too).\n"
           "\n"
           "Exit status:\n"
           "  0  success\n"
           "  1  the server answered with an error\n"
           "  2  a usage or connection problem, or a timeout");
}

static gchar *
aqmp_cli_description (const gchar *description)
{
  if (description == NULL)
    return g_strdup (aqmp_cli_footer ());
  return g_strdup_printf ("%s\n\n%s", description, aqmp_cli_footer ());
}

/* the client certificate, loaded before connecting so that a bad file is a
 * usage problem */
static gboolean
aqmp_cli_load_tls (void)
{
  g_autoptr(GError) error = NULL;

  if (cli_tls_key != NULL && cli_tls_cert == NULL)
    {
      aqmp_cli_error (_("--tls-key needs --tls-cert"));
      return FALSE;
    }
  if (cli_tls_cert == NULL)
    return TRUE;
  if (cli_tls_key != NULL)
    cli_tls_certificate = g_tls_certificate_new_from_files (cli_tls_cert, cli_tls_key, &error);
  else
    cli_tls_certificate = g_tls_certificate_new_from_file (cli_tls_cert, &error);
  if (cli_tls_certificate == NULL)
    {
      /* TRANSLATORS: %s is the file given to --tls-cert, the second %s
       * why it could not be loaded, from GLib */
      aqmp_cli_error (_("cannot load the TLS certificate %s: %s"), cli_tls_cert, error->message);
      return FALSE;
    }
  return TRUE;
}

/*
 * Parses a command's options. On failure the error is reported and
 * @exit_code is set; --help prints and exits like every GOption tool.
 */
gboolean
aqmp_cli_parse_options (AqmpCliOptions *options, const gchar *command,
                        const gchar *parameters, const gchar *description,
                        const GOptionEntry *extra, gint *argc, gchar ***argv,
                        gint *exit_code)
{
  const GOptionEntry common[] = {
    { "timeout", 't', 0, G_OPTION_ARG_DOUBLE, &options->timeout,
      /* TRANSLATORS: --help text of the --timeout option */
      N_("Give up after SECONDS"),
      /* TRANSLATORS: the placeholder of the --timeout option's value */
      N_("SECONDS") },
    { "pretty", 0, 0, G_OPTION_ARG_NONE, &options->pretty,
      N_("Pretty-print JSON (the default on a terminal)"), NULL },
    { "compact", 0, 0, G_OPTION_ARG_NONE, &options->compact,
      N_("Print compact JSON (the default otherwise)"), NULL },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &options->json,
      /* TRANSLATORS: --help text of --json; exec and events print JSON anyway */
      N_("Print everything as JSON, events in the shell too"), NULL },
    { "debug", 'v', 0, G_OPTION_ARG_NONE, &options->debug,
      N_("Show the wire trace on standard error"), NULL },
    { "tls", 0, 0, G_OPTION_ARG_NONE, &cli_tls,
      /* TRANSLATORS: --help text of the --tls option */
      N_("Connect to TCP addresses with TLS"), NULL },
    { "tls-ca", 0, 0, G_OPTION_ARG_FILENAME, &cli_tls_ca,
      /* TRANSLATORS: --help text of the --tls-ca option */
      N_("Trust the certificate authorities in FILE (PEM) instead of the system's"),
      /* TRANSLATORS: the placeholder of a file name option's value */
      N_("FILE") },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &cli_tls_cert,
      /* TRANSLATORS: --help text of the --tls-cert option */
      N_("Present the client certificate in FILE (PEM)"), N_("FILE") },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &cli_tls_key,
      /* TRANSLATORS: --help text of the --tls-key option */
      N_("The private key of --tls-cert, when not in the same FILE"), N_("FILE") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (parameters);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *prgname = g_strdup_printf ("aqmp %s", command);
  g_autofree gchar *full = aqmp_cli_description (description);

  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  /* the usage line then reads "aqmp exec [OPTION…] ..." */
  g_set_prgname (prgname);
  g_option_context_set_description (context, full);
  g_option_context_add_main_entries (context, common, GETTEXT_PACKAGE);
  if (extra != NULL)
    g_option_context_add_main_entries (context, extra, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      aqmp_cli_error ("%s", error->message);
      *exit_code = AQMP_EXIT_PROBLEM;
      return FALSE;
    }
  if (options->pretty && options->compact)
    {
      aqmp_cli_error (_("--pretty and --compact cannot be used together"));
      *exit_code = AQMP_EXIT_PROBLEM;
      return FALSE;
    }
  if (options->timeout < 0)
    {
      aqmp_cli_error (_("--timeout must not be negative"));
      *exit_code = AQMP_EXIT_PROBLEM;
      return FALSE;
    }
  if (!aqmp_cli_load_tls ())
    {
      *exit_code = AQMP_EXIT_PROBLEM;
      return FALSE;
    }
  return TRUE;
}

/* -v: the library's debug lines, the wire trace among them, bare on stderr */
static GLogWriterOutput
aqmp_cli_log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  const gchar *domain = NULL;
  const gchar *message = NULL;

  if ((level & G_LOG_LEVEL_DEBUG) == 0)
    return g_log_writer_default (level, fields, n_fields, user_data);
  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0)
        domain = fields[i].value;
      else if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
        message = fields[i].value;
    }
  /* GIO's own debug output is noise here */
  if (domain == NULL || !g_str_has_prefix (domain, "aqmp") || message == NULL)
    return G_LOG_WRITER_HANDLED;
  fflush (stdout);
  g_printerr ("%s\n", message);
  return G_LOG_WRITER_HANDLED;
}

/* messages on stderr; with -v the libraries' debug lines too */
void
aqmp_cli_setup_logging (AqmpCliOptions *options)
{
  g_log_writer_default_set_use_stderr (TRUE);
  if (options->debug)
    {
      /* the library traces only when debug output would not be dropped */
      g_log_set_debug_enabled (TRUE);
      g_log_set_writer_func (aqmp_cli_log_writer, NULL, NULL);
    }
}

void
aqmp_cli_setup (AqmpCliOptions *options, AqmpClient *client)
{
  guint timeout_ms = aqmp_cli_timeout_ms (options);

  aqmp_cli_setup_logging (options);
  if (timeout_ms > 0)
    {
      aqmp_client_set_connect_timeout (client, timeout_ms);
      aqmp_client_set_default_timeout (client, timeout_ms);
    }
  /* any TLS option means TLS for TCP addresses; tls:HOST:PORT needs none */
  if (cli_tls || cli_tls_ca != NULL || cli_tls_certificate != NULL)
    aqmp_client_set_tls (client, TRUE);
  aqmp_client_set_tls_ca_file (client, cli_tls_ca);
  aqmp_client_set_tls_certificate (client, cli_tls_certificate);
}
