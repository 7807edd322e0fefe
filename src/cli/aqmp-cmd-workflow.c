/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>

#include <glib-unix.h>

#include "aqmp-args.h"

#include "aqmp-cli-commands.h"

/*
 * aqmp workflow list: the workflows the loaded plugins provide.
 * aqmp workflow run ADDRESS NAME [JSON | KEY=VALUE...] [--qga ADDRESS]:
 * runs one over a machine's QMP connection and, with --qga, its guest
 * agent; progress goes to standard error, the result to standard output.
 * The jobs the workflow starts run on a job runner with the user's job
 * store (--db), as `aqmp job start` does: `aqmp job list` shows them.
 * Ctrl-C cancels the workflow, which then cleans up (a consistent backup
 * thaws the guest and cancels its jobs) before the tool exits.
 */

typedef struct {
  AqmpCliOptions options;
  gchar *db_path;            /* NULL: the default store */
  GMainLoop *loop;
  AqmpClient *qmp;
  AqmpClient *qga;
  AqmpJobStore *store;
  AqmpWorkflow *workflow;
  AqmpWorkflowContext *context;
  const gchar *address;
  JsonObject *params;
  GCancellable *cancellable;
  guint pending;             /* connections being made */
  gboolean failed;
  gint exit_code;
} AqmpWorkflowCmd;

static AqmpWorkflow *
aqmp_workflow_cmd_find (AqmpPluginLoader *loader, const gchar *name)
{
  g_autoptr(GError) error = NULL;
  AqmpWorkflow *workflow = aqmp_plugin_loader_find_workflow (loader, name, &error);

  if (workflow == NULL)
    aqmp_cli_report_plugin_missing (loader, error,
                                    /* TRANSLATORS: a hint after "no loaded plugin provides the
                                     * workflow ..."; keep "aqmp workflow list" as it is */
                                    _("'aqmp workflow list' lists the workflows the plugins provide"));
  return workflow;
}

/* the longest workflow name, for the column after it */
static gint
aqmp_workflow_cmd_name_width (GPtrArray *plugins)
{
  gint width = 0;

  for (guint i = 0; i < plugins->len; i++)
    {
      GPtrArray *workflows = aqmp_plugin_get_workflows (g_ptr_array_index (plugins, i));

      for (guint j = 0; workflows != NULL && j < workflows->len; j++)
        width = MAX (width, (gint) g_utf8_strlen (aqmp_workflow_get_name (g_ptr_array_index (workflows, j)), -1));
    }
  return width;
}

/* --json: [{"name", "description", "plugin"}...] */
static gint
aqmp_workflow_cmd_list_json (AqmpCliOptions *options, AqmpPluginLoader *loader, GPtrArray *plugins)
{
  g_autoptr(JsonArray) list = json_array_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);

  for (guint i = 0; i < plugins->len; i++)
    {
      AqmpPlugin *plugin = g_ptr_array_index (plugins, i);
      GPtrArray *workflows = aqmp_plugin_get_workflows (plugin);

      for (guint j = 0; workflows != NULL && j < workflows->len; j++)
        {
          AqmpWorkflow *workflow = g_ptr_array_index (workflows, j);
          JsonObject *obj = json_object_new ();

          json_object_set_string_member (obj, "name", aqmp_workflow_get_name (workflow));
          json_object_set_string_member (obj, "description", aqmp_workflow_get_description (workflow));
          json_object_set_string_member (obj, "plugin", aqmp_plugin_get_name (plugin));
          json_array_add_object_element (list, obj);
        }
    }
  json_node_set_array (node, list);
  aqmp_cli_print_json (node, aqmp_cli_use_pretty (options));
  aqmp_cli_report_plugin_failures (loader);
  return AQMP_EXIT_OK;
}

static gint
aqmp_workflow_cmd_list (AqmpCliOptions *options)
{
  g_autoptr(AqmpPluginLoader) loader = aqmp_plugin_loader_new ();
  g_autoptr(GString) str = g_string_new (NULL);
  GPtrArray *plugins;
  gint width;

  aqmp_plugin_loader_load_default (loader);
  plugins = aqmp_plugin_loader_get_plugins (loader);
  if (options->json)
    return aqmp_workflow_cmd_list_json (options, loader, plugins);
  width = aqmp_workflow_cmd_name_width (plugins);
  for (guint i = 0; i < plugins->len; i++)
    {
      GPtrArray *workflows = aqmp_plugin_get_workflows (g_ptr_array_index (plugins, i));

      for (guint j = 0; workflows != NULL && j < workflows->len; j++)
        {
          AqmpWorkflow *workflow = g_ptr_array_index (workflows, j);
          g_string_append_printf (str, "%-*s  %s\n", width, aqmp_workflow_get_name (workflow),
                                  aqmp_workflow_get_description (workflow));
        }
    }
  if (str->len == 0)
    /* TRANSLATORS: aqmp workflow list found nothing */
    g_string_append_printf (str, "%s\n", _("No workflows found"));
  fputs (str->str, stdout);
  fflush (stdout);
  aqmp_cli_report_plugin_failures (loader);
  return AQMP_EXIT_OK;
}

/* ----- run ----- */

static void
aqmp_workflow_cmd_progress_cb (AqmpWorkflowContext *context, gdouble fraction, const gchar *message,
                               gpointer user_data)
{
  fflush (stdout);
  if (fraction >= 0)
    g_printerr ("[%3.0f%%] %s\n", fraction * 100, message != NULL ? message : "");
  else
    g_printerr ("[    ] %s\n", message != NULL ? message : "");
}

static void
aqmp_workflow_cmd_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpWorkflowCmd *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = aqmp_workflow_run_finish (AQMP_WORKFLOW (source), res, &error);
  const gchar *name = aqmp_workflow_get_name (AQMP_WORKFLOW (source));

  g_main_loop_quit (self->loop);
  if (result != NULL)
    {
      aqmp_cli_print_json (result, aqmp_cli_use_pretty (&self->options));
      self->exit_code = AQMP_EXIT_OK;
      return;
    }
  if (error == NULL)
    error = g_error_new_literal (AQMP_ERROR, AQMP_ERROR_FAILED, "the workflow returned nothing");
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      self->exit_code = aqmp_cli_report_failure (name, error);
      return;
    }
  /* QEMU's or the agent's refusal is exit 1, as for exec */
  self->exit_code = aqmp_cli_exit_code (error);
  /* TRANSLATORS: a workflow failed; %s are its name and the reason, which
   * comes from the plugin or QEMU, in English */
  aqmp_cli_error (_("workflow %s failed: %s"), name, error->message);
}

/* the id to give `aqmp job watch` and `aqmp job show` */
static void
aqmp_workflow_cmd_job_started_cb (AqmpWorkflowContext *context, AqmpJob *job, gpointer user_data)
{
  fflush (stdout);
  g_printerr (_("started %s job %s\n"), aqmp_job_get_command (job), aqmp_job_get_id (job));
}

/* the jobs go to a runner with the user's store, as `aqmp job start`'s do */
static void
aqmp_workflow_cmd_go (AqmpWorkflowCmd *self)
{
  g_autoptr(AqmpJobRunner) runner = aqmp_job_runner_new (self->qmp, self->store, self->address);
  g_autoptr(AqmpGuestAgent) agent = self->qga != NULL ? aqmp_guest_agent_new (self->qga) : NULL;

  self->context = aqmp_workflow_context_new (runner, agent);
  g_signal_connect (self->context, "progress", G_CALLBACK (aqmp_workflow_cmd_progress_cb), self);
  g_signal_connect (self->context, "job-started", G_CALLBACK (aqmp_workflow_cmd_job_started_cb), self);
  aqmp_workflow_run_async (self->workflow, self->context, self->params, self->cancellable,
                           aqmp_workflow_cmd_done_cb, self);
}

static void
aqmp_workflow_cmd_connected_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpWorkflowCmd *self = user_data;
  g_autoptr(GError) error = NULL;

  self->pending--;
  if (!aqmp_client_connect_finish (AQMP_CLIENT (source), res, &error))
    {
      aqmp_cli_report_client_failure (AQMP_CLIENT (source), error);
      self->failed = TRUE;
    }
  if (self->pending > 0)
    return;
  if (self->failed)
    {
      self->exit_code = AQMP_EXIT_PROBLEM;
      g_main_loop_quit (self->loop);
      return;
    }
  aqmp_workflow_cmd_go (self);
}

static gboolean
aqmp_workflow_cmd_interrupted_cb (gpointer user_data)
{
  AqmpWorkflowCmd *self = user_data;

  /* the workflow ends itself, after its cleanup */
  g_cancellable_cancel (self->cancellable);
  return G_SOURCE_CONTINUE;
}

static gint
aqmp_workflow_cmd_run (AqmpWorkflowCmd *self, const gchar *qga_address, gint argc, gchar **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpPluginLoader) loader = NULL;
  g_autoptr(AqmpProtocol) protocol = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(AqmpClient) qmp = NULL;
  g_autoptr(AqmpClient) qga = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  g_autoptr(JsonObject) params = NULL;
  guint sigint_id;
  guint sigterm_id;

  if (argc < 4)
    {
      aqmp_cli_error (_("workflow run needs an ADDRESS and a workflow NAME (see aqmp workflow --help)"));
      return AQMP_EXIT_PROBLEM;
    }
  params = aqmp_args_parse ((const gchar * const *) argv + 4, argc - 4, &error);
  if (params == NULL && error != NULL)
    {
      aqmp_cli_error ("%s", error->message);
      return AQMP_EXIT_PROBLEM;
    }
  if (params == NULL)
    params = json_object_new ();

  loader = aqmp_plugin_loader_new ();
  aqmp_plugin_loader_load_default (loader);
  self->workflow = aqmp_workflow_cmd_find (loader, argv[3]);
  if (self->workflow == NULL)
    return AQMP_EXIT_PROBLEM;
  self->store = aqmp_job_store_new (self->db_path, &error);
  if (self->store == NULL)
    {
      aqmp_cli_error ("%s", error->message);
      return AQMP_EXIT_PROBLEM;
    }
  if (qga_address != NULL)
    {
      protocol = aqmp_plugin_loader_create_protocol (loader, "qga", &error);
      if (protocol == NULL)
        {
          aqmp_cli_error ("%s", error->message);
          return AQMP_EXIT_PROBLEM;
        }
    }

  loop = g_main_loop_new (NULL, FALSE);
  cancellable = g_cancellable_new ();
  qmp = aqmp_client_new ();
  aqmp_cli_setup (&self->options, qmp);
  self->loop = loop;
  self->qmp = qmp;
  self->address = argv[2];
  self->params = params;
  self->cancellable = cancellable;
  self->pending = 1;
  if (protocol != NULL)
    {
      qga = aqmp_client_new ();
      aqmp_cli_setup (&self->options, qga);
      aqmp_client_set_protocol (qga, protocol);
      self->qga = qga;
      self->pending++;
    }
  /* before anything can be frozen: Ctrl-C must reach the workflow's cleanup */
  sigint_id = g_unix_signal_add (SIGINT, aqmp_workflow_cmd_interrupted_cb, self);
  sigterm_id = g_unix_signal_add (SIGTERM, aqmp_workflow_cmd_interrupted_cb, self);
  aqmp_cli_announce_connect (qmp, argv[2]);
  aqmp_client_connect_async (qmp, argv[2], NULL, aqmp_workflow_cmd_connected_cb, self);
  if (qga != NULL)
    {
      aqmp_cli_announce_connect (qga, qga_address);
      aqmp_client_connect_async (qga, qga_address, NULL, aqmp_workflow_cmd_connected_cb, self);
    }
  g_main_loop_run (loop);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  if (self->context != NULL)
    g_signal_handlers_disconnect_by_data (self->context, self);
  g_clear_object (&self->context);
  if (qga != NULL)
    aqmp_client_disconnect_sync (qga, NULL, NULL);
  aqmp_client_disconnect_sync (qmp, NULL, NULL);
  g_clear_object (&self->store);
  return self->exit_code;
}

gint
aqmp_cmd_workflow (gint argc, gchar **argv)
{
  AqmpWorkflowCmd self = { .exit_code = AQMP_EXIT_PROBLEM };
  g_autofree gchar *qga_address = NULL;
  g_autofree gchar *db_path = NULL;
  const GOptionEntry entries[] = {
    { "qga", 0, 0, G_OPTION_ARG_STRING, &qga_address,
      /* TRANSLATORS: --help text of aqmp workflow's --qga option */
      N_("Also connect to the guest agent at ADDRESS"),
      /* TRANSLATORS: the placeholder of the --qga option's value */
      N_("ADDRESS") },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db_path,
      N_("The job store (default: $XDG_STATE_HOME/aqmp/jobs.db)"), N_("PATH") },
    { NULL }
  };

  if (!aqmp_cli_parse_options (&self.options, "workflow",
                               /* TRANSLATORS: the parameters of aqmp workflow; only
                                * translate the words in capitals */
                               _("list | run ADDRESS NAME [JSON | KEY=VALUE...]"),
                               /* TRANSLATORS: the description in aqmp workflow --help;
                                * keep "list", "run" and --qga as they are */
                               _("'list' shows the workflows the plugins provide. 'run' runs one over\n"
                                 "the machine's QMP connection at ADDRESS and, with --qga, its guest\n"
                                 "agent. Parameters are given as for aqmp exec. Progress goes to\n"
                                 "standard error, the result as JSON to standard output. Ctrl-C\n"
                                 "cancels the workflow, which cleans up before aqmp exits."),
                               entries, &argc, &argv, &self.exit_code))
    return self.exit_code;
  if (argc >= 2 && g_strcmp0 (argv[1], "list") == 0)
    {
      if (argc > 2)
        {
          aqmp_cli_error (_("workflow list takes no arguments (see aqmp workflow --help)"));
          return AQMP_EXIT_PROBLEM;
        }
      return aqmp_workflow_cmd_list (&self.options);
    }
  if (argc >= 2 && g_strcmp0 (argv[1], "run") == 0)
    {
      self.db_path = db_path;
      return aqmp_workflow_cmd_run (&self, qga_address, argc, argv);
    }
  aqmp_cli_error (_("workflow needs 'list' or 'run' (see aqmp workflow --help)"));
  return AQMP_EXIT_PROBLEM;
}
