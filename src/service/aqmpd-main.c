/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * aqmpd: owns QMP (and guest agent) connections to machines and puts them,
 * their jobs and the plugins' workflows on D-Bus as io.github.aqmp.Aqmp1.
 */
#include "config.h"

#include <locale.h>
#include <stdlib.h>

#include <glib/gi18n.h>
#include <glib-unix.h>

#include "aqmpd-error.h"
#include "aqmpd-manager.h"
#include "aqmpd-saved.h"

typedef struct {
  gboolean system;
  gboolean session;
  gchar *address;
  gchar *group;
  gboolean no_trust_root;
  gchar *database;
  gchar **machines;
  gint job_linger;
  gboolean replace;
  gboolean verbose;
  gboolean version;
} AqmpdOptions;

typedef struct {
  GMainLoop *loop;
  gint status;
} AqmpdState;

static void
aqmpd_options_clear (AqmpdOptions *options)
{
  g_free (options->address);
  g_free (options->group);
  g_free (options->database);
  g_strfreev (options->machines);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AqmpdOptions, aqmpd_options_clear)

static gboolean
aqmpd_parse_options (AqmpdOptions *options, gint *argc, gchar ***argv, GError **error)
{
  const GOptionEntry entries[] = {
    { "system", 0, 0, G_OPTION_ARG_NONE, &options->system,
      N_("Serve on the system bus (the default), or as the system daemon on --bus-address"), NULL },
    { "session", 0, 0, G_OPTION_ARG_NONE, &options->session,
      N_("Serve on the session bus"), NULL },
    { "bus-address", 0, 0, G_OPTION_ARG_STRING, &options->address,
      N_("Serve on the message bus at ADDRESS"), N_("ADDRESS") },
    { "group", 'g', 0, G_OPTION_ARG_STRING, &options->group,
      N_("Let members of GROUP drive machines, within what root granted"), N_("GROUP") },
    { "no-root", 0, 0, G_OPTION_ARG_NONE, &options->no_trust_root,
      N_("Do not let root change things unless it is in GROUP (for tests)"), NULL },
    { "database", 'd', 0, G_OPTION_ARG_FILENAME, &options->database,
      N_("Keep the job history in FILE"), N_("FILE") },
    { "machine", 'm', 0, G_OPTION_ARG_STRING_ARRAY, &options->machines,
      N_("Connect to the machine NAME at ADDRESS from the start, and keep reconnecting"),
      N_("NAME=ADDRESS") },
    { "job-linger", 0, 0, G_OPTION_ARG_INT, &options->job_linger,
      N_("Keep a finished job on the bus for SECONDS (default 300)"), N_("SECONDS") },
    { "replace", 'r', 0, G_OPTION_ARG_NONE, &options->replace,
      N_("Replace a running aqmpd"), NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &options->verbose,
      N_("Log debug messages"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &options->version,
      N_("Print the version and exit"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);

  options->job_linger = AQMPD_DEFAULT_JOB_LINGER_S;
  /* TRANSLATORS: the summary in aqmpd --help */
  g_option_context_set_summary (context, _("Serves QEMU machines, their jobs and workflows on D-Bus."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, argc, argv, error))
    return FALSE;
  if (options->job_linger < 0)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("--job-linger must not be negative"));
      return FALSE;
    }
  return TRUE;
}

/* the system daemon: --system, or no bus given at all */
static gboolean
aqmpd_is_system (AqmpdOptions *options)
{
  return !options->session && (options->system || options->address == NULL);
}

/*
 * The system daemon keeps its history where systemd's StateDirectory= put
 * it ($STATE_DIRECTORY, /var/lib/aqmp with the shipped unit, the only place
 * ProtectSystem=strict lets it write), else in the build's state directory.
 */
static gchar *
aqmpd_database_path (AqmpdOptions *options)
{
  const gchar *state = g_getenv ("STATE_DIRECTORY");
  g_auto(GStrv) dirs = NULL;

  if (options->database != NULL)
    return g_strdup (options->database);
  if (!aqmpd_is_system (options))
    return aqmp_job_store_get_default_path ();
  if (state == NULL || state[0] == '\0')
    return g_build_filename (AQMPD_STATE_DIR, "jobs.db", NULL);
  /* one directory per StateDirectory= entry, colon-separated: the first is ours */
  dirs = g_strsplit (state, ":", 2);
  return g_build_filename (dirs[0], "jobs.db", NULL);
}

static GDBusConnection *
aqmpd_bus_connect (AqmpdOptions *options, GError **error)
{
  if (options->address != NULL)
    return g_dbus_connection_new_for_address_sync (options->address,
                                                   G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                                   | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                   NULL, NULL, error);
  return g_bus_get_sync (options->session ? G_BUS_TYPE_SESSION : G_BUS_TYPE_SYSTEM, NULL, error);
}

static gboolean
aqmpd_quit_cb (gpointer user_data)
{
  AqmpdState *state = user_data;

  g_message ("stopping");
  g_main_loop_quit (state->loop);
  return G_SOURCE_CONTINUE;
}

static void
aqmpd_name_acquired_cb (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  g_message ("serving as %s", name);
}

static void
aqmpd_name_lost_cb (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  AqmpdState *state = user_data;

  /* TRANSLATORS: the daemon could not own its bus name, or lost it */
  g_printerr (_("aqmpd: lost or could not own the name %s\n"), name);
  state->status = EXIT_FAILURE;
  g_main_loop_quit (state->loop);
}

static void
aqmpd_bus_closed_cb (GDBusConnection *connection, gboolean remote_peer_vanished, GError *error,
                     gpointer user_data)
{
  AqmpdState *state = user_data;

  g_message ("the bus connection closed");
  g_main_loop_quit (state->loop);
}

static AqmpPluginLoader *
aqmpd_load_plugins (void)
{
  AqmpPluginLoader *loader = aqmp_plugin_loader_new ();
  guint n = aqmp_plugin_loader_load_default (loader);
  guint n_failures = aqmp_plugin_loader_get_n_failures (loader);

  g_debug ("loaded %u plugins", n);
  /* the message names the file and the reason; the daemon serves the rest */
  for (guint i = 0; i < n_failures; i++)
    g_warning ("%s", aqmp_plugin_failure_get_message (aqmp_plugin_loader_get_failure (loader, i)));
  return loader;
}

static AqmpdManager *
aqmpd_manager_setup (AqmpdOptions *options, GDBusConnection *connection, GError **error)
{
  g_autoptr(AqmpdAuthority) authority = NULL;
  g_autoptr(AqmpJobStore) store = NULL;
  g_autoptr(AqmpPluginLoader) loader = NULL;
  g_autoptr(AqmpdManager) manager = NULL;
  g_autofree gchar *database = aqmpd_database_path (options);
  g_autofree gchar *saved = NULL;

  authority = aqmpd_authority_new (options->group, !options->no_trust_root, error);
  if (authority == NULL)
    return NULL;
  store = aqmp_job_store_new (database, error);
  if (store == NULL)
    return NULL;
  loader = aqmpd_load_plugins ();
  manager = aqmpd_manager_new (connection, authority, store, loader, (guint) options->job_linger);
  if (!aqmpd_manager_export (manager, error))
    return NULL;
  for (guint i = 0; options->machines != NULL && options->machines[i] != NULL; i++)
    if (!aqmpd_manager_add_configured (manager, options->machines[i], error))
      return NULL;
  /* AddMachine's machines, beside the job history */
  saved = aqmpd_saved_path (database);
  if (!aqmpd_manager_restore (manager, saved, error))
    return NULL;
  return g_steal_pointer (&manager);
}

static gint
aqmpd_run (AqmpdOptions *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(AqmpdManager) manager = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  AqmpdState state = { loop, EXIT_SUCCESS };
  GBusNameOwnerFlags flags = G_BUS_NAME_OWNER_FLAGS_ALLOW_REPLACEMENT;
  guint owner_id;

  /* the error domain's names, before anything can fail */
  (void) AQMPD_ERROR;
  connection = aqmpd_bus_connect (options, &error);
  if (connection != NULL)
    manager = aqmpd_manager_setup (options, connection, &error);
  if (manager == NULL)
    {
      g_printerr ("aqmpd: %s\n", error->message);
      return EXIT_FAILURE;
    }
  g_dbus_connection_set_exit_on_close (connection, FALSE);
  g_signal_connect (connection, "closed", G_CALLBACK (aqmpd_bus_closed_cb), &state);
  if (options->replace)
    flags |= G_BUS_NAME_OWNER_FLAGS_REPLACE;
  owner_id = g_bus_own_name_on_connection (connection, AQMPD_BUS_NAME, flags,
                                           aqmpd_name_acquired_cb, aqmpd_name_lost_cb,
                                           &state, NULL);
  g_unix_signal_add (SIGTERM, aqmpd_quit_cb, &state);
  g_unix_signal_add (SIGINT, aqmpd_quit_cb, &state);
  g_main_loop_run (loop);
  g_bus_unown_name (owner_id);
  aqmpd_manager_shutdown (manager);
  return state.status;
}

int
main (int argc, char **argv)
{
  g_auto(AqmpdOptions) options = { 0 };
  g_autoptr(GError) error = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (!aqmpd_parse_options (&options, &argc, &argv, &error))
    {
      g_printerr ("aqmpd: %s\n", error->message);
      return EXIT_FAILURE;
    }
  if (options.version)
    {
      g_print ("aqmpd %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }
  /* the daemon's own debug messages, the job runner's and the plugin loader's, not GLib's */
  if (options.verbose)
    g_setenv ("G_MESSAGES_DEBUG", "aqmpd aqmp-jobs aqmp-plugin", FALSE);
  return aqmpd_run (&options);
}
