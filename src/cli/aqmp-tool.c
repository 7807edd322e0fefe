/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <unistd.h>

#include <aqmp/aqmp.h>

#include "aqmp-args.h"

/*
 * aqmp: drive QEMU's QMP from the shell.
 *
 * Exit codes: 0 success, 1 the server answered with an error, 2 a usage or
 * connection problem.
 */

#define EXIT_QMP_ERROR 1
#define EXIT_PROBLEM 2

typedef struct {
  GMainLoop *loop;
  AqmpClient *client;
  gint exit_code;
  gboolean pretty;
  gboolean compact;
  gboolean debug;
  gdouble timeout;
  /* exec */
  const gchar *command;
  JsonObject *arguments;
  /* events */
  gchar **filters;
  gint count;
  gint seen;
} AqmpTool;

static void
aqmp_tool_fail (AqmpTool *self, gint code, const gchar *format, ...) G_GNUC_PRINTF (3, 4);

static void
aqmp_tool_fail (AqmpTool *self, gint code, const gchar *format, ...)
{
  va_list args;
  g_autofree gchar *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("aqmp: %s\n", msg);
  self->exit_code = code;
  g_main_loop_quit (self->loop);
}

static void
aqmp_tool_print_node (AqmpTool *self, JsonNode *node)
{
  gboolean pretty = self->pretty || (!self->compact && isatty (STDOUT_FILENO));
  g_autofree gchar *text = json_to_string (node, pretty);

  g_print ("%s\n", text);
  fflush (stdout);
}

static guint
aqmp_tool_timeout_ms (AqmpTool *self)
{
  return self->timeout > 0 ? (guint) (self->timeout * 1000) : 0;
}

/* ----- exec ----- */

static void
aqmp_tool_exec_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpTool *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_finish (AQMP_CLIENT (source), res, &error);

  if (value == NULL && g_error_matches (error, AQMP_ERROR, AQMP_ERROR_COMMAND))
    {
      aqmp_tool_fail (self, EXIT_QMP_ERROR, "%s failed: %s: %s", self->command,
                      aqmp_error_get_qmp_class (error), aqmp_error_get_qmp_desc (error));
      return;
    }
  if (value == NULL)
    {
      aqmp_tool_fail (self, EXIT_PROBLEM, "%s failed: %s", self->command, error->message);
      return;
    }
  aqmp_tool_print_node (self, value);
  self->exit_code = 0;
  g_main_loop_quit (self->loop);
}

static void
aqmp_tool_exec_connected_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpTool *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!aqmp_client_connect_finish (AQMP_CLIENT (source), res, &error))
    {
      aqmp_tool_fail (self, EXIT_PROBLEM, "%s", error->message);
      return;
    }
  aqmp_client_execute_full_async (self->client, self->command, self->arguments,
                                  AQMP_EXECUTE_FLAGS_NONE, (gint) aqmp_tool_timeout_ms (self),
                                  NULL, aqmp_tool_exec_done_cb, self);
}

/* ----- events ----- */

static gboolean
aqmp_tool_event_wanted (AqmpTool *self, AqmpEvent *event)
{
  if (self->filters == NULL || self->filters[0] == NULL)
    return TRUE;
  return g_strv_contains ((const gchar * const *) self->filters, aqmp_event_get_name (event));
}

static void
aqmp_tool_event_cb (AqmpClient *client, AqmpEvent *event, gpointer user_data)
{
  AqmpTool *self = user_data;
  g_autofree gchar *line = NULL;

  if (!aqmp_tool_event_wanted (self, event))
    return;
  line = aqmp_event_to_string (event);
  g_print ("%s\n", line);
  fflush (stdout);
  if (self->count > 0 && ++self->seen >= self->count)
    {
      self->exit_code = 0;
      g_main_loop_quit (self->loop);
    }
}

static void
aqmp_tool_disconnected_cb (AqmpClient *client, const GError *cause, gpointer user_data)
{
  AqmpTool *self = user_data;

  if (cause != NULL)
    aqmp_tool_fail (self, EXIT_PROBLEM, "%s", cause->message);
  else
    aqmp_tool_fail (self, EXIT_PROBLEM, "the server closed the connection");
}

static void
aqmp_tool_events_connected_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpTool *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!aqmp_client_connect_finish (AQMP_CLIENT (source), res, &error))
    {
      aqmp_tool_fail (self, EXIT_PROBLEM, "%s", error->message);
      return;
    }
  g_signal_connect (self->client, "disconnected", G_CALLBACK (aqmp_tool_disconnected_cb), self);
}

static gboolean
aqmp_tool_events_timeout_cb (gpointer user_data)
{
  AqmpTool *self = user_data;

  self->exit_code = 0;
  g_main_loop_quit (self->loop);
  return G_SOURCE_REMOVE;
}

/* ----- main ----- */

static void
aqmp_tool_usage (void)
{
  g_printerr ("Usage:\n"
              "  aqmp exec ADDRESS COMMAND [JSON | KEY=VALUE...]\n"
              "  aqmp events ADDRESS [--filter NAME]... [--count N] [--timeout S]\n"
              "  aqmp --version\n"
              "\n"
              "ADDRESS is /path or unix:/path for a Unix socket, tcp:HOST:PORT or HOST:PORT.\n"
              "Run 'aqmp COMMAND --help' for a command's options.\n");
}

static gboolean
aqmp_tool_parse (AqmpTool *self, const gchar *name, const gchar *params, GOptionEntry *extra,
                 gint *argc, gchar ***argv, GError **error)
{
  GOptionEntry common[] = {
    { "timeout", 't', 0, G_OPTION_ARG_DOUBLE, &self->timeout, "Give up after SECONDS", "SECONDS" },
    { "pretty", 0, 0, G_OPTION_ARG_NONE, &self->pretty, "Pretty-print JSON", NULL },
    { "compact", 0, 0, G_OPTION_ARG_NONE, &self->compact, "Print compact JSON", NULL },
    { "debug", 'v', 0, G_OPTION_ARG_NONE, &self->debug, "Show the wire trace on stderr", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (params);
  g_autofree gchar *summary = g_strdup_printf ("aqmp %s", name);

  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, common, NULL);
  if (extra != NULL)
    g_option_context_add_main_entries (context, extra, NULL);
  g_option_context_set_strict_posix (context, FALSE);
  return g_option_context_parse (context, argc, argv, error);
}

static void
aqmp_tool_setup_logging (AqmpTool *self)
{
  g_log_writer_default_set_use_stderr (TRUE);
  if (self->debug)
    g_log_set_debug_enabled (TRUE);
}

static gint
aqmp_tool_run_exec (AqmpTool *self, gint argc, gchar **argv)
{
  g_autoptr(GError) error = NULL;

  if (!aqmp_tool_parse (self, "exec", "ADDRESS COMMAND [JSON | KEY=VALUE...]", NULL, &argc, &argv, &error))
    {
      g_printerr ("aqmp: %s\n", error->message);
      return EXIT_PROBLEM;
    }
  if (argc < 3)
    {
      g_printerr ("aqmp: exec needs an ADDRESS and a COMMAND\n");
      return EXIT_PROBLEM;
    }
  self->command = argv[2];
  self->arguments = aqmp_args_parse ((const gchar * const *) argv + 3, argc - 3, &error);
  if (self->arguments == NULL && error != NULL)
    {
      g_printerr ("aqmp: %s\n", error->message);
      return EXIT_PROBLEM;
    }
  aqmp_tool_setup_logging (self);
  if (self->timeout > 0)
    aqmp_client_set_connect_timeout (self->client, aqmp_tool_timeout_ms (self));
  aqmp_client_connect_async (self->client, argv[1], NULL, aqmp_tool_exec_connected_cb, self);
  g_main_loop_run (self->loop);
  return self->exit_code;
}

static gint
aqmp_tool_run_events (AqmpTool *self, gint argc, gchar **argv)
{
  GOptionEntry entries[] = {
    { "filter", 'f', 0, G_OPTION_ARG_STRING_ARRAY, &self->filters, "Only show events named NAME", "NAME" },
    { "count", 'n', 0, G_OPTION_ARG_INT, &self->count, "Exit after N events", "N" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;

  if (!aqmp_tool_parse (self, "events", "ADDRESS", entries, &argc, &argv, &error))
    {
      g_printerr ("aqmp: %s\n", error->message);
      return EXIT_PROBLEM;
    }
  if (argc != 2)
    {
      g_printerr ("aqmp: events needs one ADDRESS\n");
      return EXIT_PROBLEM;
    }
  aqmp_tool_setup_logging (self);
  g_signal_connect (self->client, "event", G_CALLBACK (aqmp_tool_event_cb), self);
  if (self->timeout > 0)
    g_timeout_add (aqmp_tool_timeout_ms (self), aqmp_tool_events_timeout_cb, self);
  aqmp_client_connect_async (self->client, argv[1], NULL, aqmp_tool_events_connected_cb, self);
  g_main_loop_run (self->loop);
  return self->exit_code;
}

int
main (int argc, char **argv)
{
  AqmpTool self = { 0, };
  gint rc;

  setlocale (LC_ALL, "");
  if (argc < 2 || g_strcmp0 (argv[1], "--help") == 0 || g_strcmp0 (argv[1], "-h") == 0)
    {
      aqmp_tool_usage ();
      return argc < 2 ? EXIT_PROBLEM : 0;
    }
  if (g_strcmp0 (argv[1], "--version") == 0)
    {
      g_print ("aqmp %s\n", AQMP_VERSION_STRING);
      return 0;
    }

  self.loop = g_main_loop_new (NULL, FALSE);
  self.client = aqmp_client_new ();
  self.exit_code = EXIT_PROBLEM;
  if (g_strcmp0 (argv[1], "exec") == 0)
    rc = aqmp_tool_run_exec (&self, argc - 1, argv + 1);
  else if (g_strcmp0 (argv[1], "events") == 0)
    rc = aqmp_tool_run_events (&self, argc - 1, argv + 1);
  else
    {
      g_printerr ("aqmp: unknown command '%s'\n", argv[1]);
      aqmp_tool_usage ();
      rc = EXIT_PROBLEM;
    }

  g_signal_handlers_disconnect_by_data (self.client, &self);
  g_clear_object (&self.client);
  g_clear_pointer (&self.arguments, json_object_unref);
  g_strfreev (self.filters);
  g_main_loop_unref (self.loop);
  return rc;
}
