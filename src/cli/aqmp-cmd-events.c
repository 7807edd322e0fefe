/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>

#include "aqmp-cli.h"

/* aqmp events ADDRESS [--filter NAME]... [--count N] [--timeout S] */

typedef struct {
  AqmpCliOptions options;
  GMainLoop *loop;
  gchar **filters;
  gint count;
  gint seen;
  guint timer;
  gint exit_code;
} AqmpEvents;

static void
aqmp_events_quit (AqmpEvents *self, gint exit_code)
{
  self->exit_code = exit_code;
  g_main_loop_quit (self->loop);
}

static gboolean
aqmp_events_wanted (AqmpEvents *self, AqmpEvent *event)
{
  if (self->filters == NULL || self->filters[0] == NULL)
    return TRUE;
  return g_strv_contains ((const gchar * const *) self->filters, aqmp_event_get_name (event));
}

static void
aqmp_events_event_cb (AqmpClient *client, AqmpEvent *event, gpointer user_data)
{
  AqmpEvents *self = user_data;
  g_autofree gchar *line = NULL;

  if (!aqmp_events_wanted (self, event))
    return;
  if (self->count > 0 && self->seen >= self->count)
    return;
  line = aqmp_event_to_string (event);
  /* one flushed line per event, so a pipe sees it at once */
  fputs (line, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
  if (self->count > 0 && ++self->seen >= self->count)
    aqmp_events_quit (self, AQMP_EXIT_OK);
}

static void
aqmp_events_disconnected_cb (AqmpClient *client, const GError *cause, gpointer user_data)
{
  AqmpEvents *self = user_data;

  if (cause != NULL)
    /* TRANSLATORS: the connection to QEMU ended; %s says why, in English */
    aqmp_cli_error (_("connection lost: %s"), cause->message);
  else
    aqmp_cli_error (_("the server closed the connection"));
  aqmp_events_quit (self, AQMP_EXIT_PROBLEM);
}

static void
aqmp_events_connected_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpEvents *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!aqmp_client_connect_finish (AQMP_CLIENT (source), res, &error))
    {
      aqmp_cli_report_client_failure (AQMP_CLIENT (source), error);
      aqmp_events_quit (self, AQMP_EXIT_PROBLEM);
      return;
    }
  g_signal_connect (source, "disconnected", G_CALLBACK (aqmp_events_disconnected_cb), self);
}

static gboolean
aqmp_events_timeout_cb (gpointer user_data)
{
  AqmpEvents *self = user_data;

  self->timer = 0;
  /* --timeout alone is how long to listen; with --count it is a deadline */
  if (self->count > 0)
    {
      /* TRANSLATORS: aqmp events --count N --timeout S saw fewer than N
       * events in S seconds; the arguments are the counts */
      aqmp_cli_error (_("timed out after %d of %d events"), self->seen, self->count);
      aqmp_events_quit (self, AQMP_EXIT_PROBLEM);
      return G_SOURCE_REMOVE;
    }
  aqmp_events_quit (self, AQMP_EXIT_OK);
  return G_SOURCE_REMOVE;
}

gint
aqmp_cmd_events (gint argc, gchar **argv)
{
  AqmpEvents self = { .exit_code = AQMP_EXIT_PROBLEM };
  g_auto(GStrv) filters = NULL;
  const GOptionEntry entries[] = {
    { "filter", 'f', 0, G_OPTION_ARG_STRING_ARRAY, &filters,
      N_("Only show events named NAME (repeatable)"),
      /* TRANSLATORS: placeholder of --filter's value, an event name */
      N_("NAME") },
    { "count", 'n', 0, G_OPTION_ARG_INT, &self.count,
      N_("Exit after N events"),
      /* TRANSLATORS: placeholder of --count's value, a number */
      N_("N") },
    { NULL }
  };
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(AqmpClient) client = NULL;

  if (!aqmp_cli_parse_options (&self.options, "events", _("ADDRESS"),
                               /* TRANSLATORS: the description in aqmp events --help */
                               _("Prints the server's events as JSON lines, with QEMU's timestamps,\n"
                                 "one flushed line per event. With --timeout alone it listens that\n"
                                 "long and exits 0; with --count it exits 0 after N events, or 2 if\n"
                                 "the timeout passes first."),
                               entries, &argc, &argv, &self.exit_code))
    return self.exit_code;
  if (argc != 2)
    {
      aqmp_cli_error (_("events needs one ADDRESS (see aqmp events --help)"));
      return AQMP_EXIT_PROBLEM;
    }
  if (self.count < 0)
    {
      aqmp_cli_error (_("--count must not be negative"));
      return AQMP_EXIT_PROBLEM;
    }

  loop = g_main_loop_new (NULL, FALSE);
  client = aqmp_client_new ();
  self.loop = loop;
  self.filters = filters;
  aqmp_cli_setup (&self.options, client);
  g_signal_connect (client, "event", G_CALLBACK (aqmp_events_event_cb), &self);
  if (aqmp_cli_timeout_ms (&self.options) > 0)
    self.timer = g_timeout_add (aqmp_cli_timeout_ms (&self.options), aqmp_events_timeout_cb, &self);
  aqmp_cli_announce_connect (client, argv[1]);
  aqmp_client_connect_async (client, argv[1], NULL, aqmp_events_connected_cb, &self);
  g_main_loop_run (loop);
  g_clear_handle_id (&self.timer, g_source_remove);
  g_signal_handlers_disconnect_by_data (client, &self);
  return self.exit_code;
}
