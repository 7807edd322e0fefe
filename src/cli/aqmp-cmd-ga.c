/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>

#include "aqmp-args.h"

#include "aqmp-cli-commands.h"

/*
 * aqmp ga ADDRESS COMMAND [JSON | KEY=VALUE...]: one guest agent command,
 * over the "qga" protocol from the plugin loader.
 * aqmp ga-exec ADDRESS -- PROGRAM [ARGUMENTS...]: runs a program in the
 * guest with the plugin's "guest-exec" workflow, prints its output and
 * exits with its exit code. Only libaqmp is linked: the guest agent comes
 * entirely from the plugin.
 */

typedef struct {
  AqmpCliOptions options;
  GMainLoop *loop;
  AqmpClient *client;
  AqmpWorkflow *workflow;
  const gchar * const *program;
  gint exit_code;
} AqmpGaExec;

/* the guest agent's protocol and workflows come from the "qga" plugin */
static AqmpPluginLoader *
aqmp_ga_load_plugins (void)
{
  AqmpPluginLoader *loader = aqmp_plugin_loader_new ();

  aqmp_plugin_loader_load_default (loader);
  return loader;
}

static void
aqmp_ga_report_missing (AqmpPluginLoader *loader, const GError *error)
{
  aqmp_cli_report_plugin_missing (loader, error,
                                  /* TRANSLATORS: a hint after "no loaded plugin provides the
                                   * protocol 'qga'"; keep AQMP_PLUGIN_PATH and "aqmp plugins"
                                   * as they are */
                                  _("is the qga plugin installed? AQMP_PLUGIN_PATH adds directories; "
                                    "'aqmp plugins' lists what is loaded"));
}

static AqmpProtocol *
aqmp_ga_create_protocol (AqmpPluginLoader *loader)
{
  g_autoptr(GError) error = NULL;
  AqmpProtocol *protocol = aqmp_plugin_loader_create_protocol (loader, "qga", &error);

  if (protocol == NULL)
    aqmp_ga_report_missing (loader, error);
  return protocol;
}

static AqmpWorkflow *
aqmp_ga_find_workflow (AqmpPluginLoader *loader, const gchar *name)
{
  g_autoptr(GError) error = NULL;
  AqmpWorkflow *workflow = aqmp_plugin_loader_find_workflow (loader, name, &error);

  if (workflow == NULL)
    aqmp_ga_report_missing (loader, error);
  return workflow;
}

gint
aqmp_cmd_ga (gint argc, gchar **argv)
{
  AqmpCliOptions options = { 0, };
  gint exit_code = AQMP_EXIT_PROBLEM;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) arguments = NULL;
  g_autoptr(AqmpClient) client = NULL;
  g_autoptr(AqmpPluginLoader) loader = NULL;
  g_autoptr(AqmpProtocol) protocol = NULL;

  if (!aqmp_cli_parse_options (&options, "ga",
                               /* TRANSLATORS: the parameters of aqmp ga; only
                                * translate the words in capitals */
                               _("ADDRESS COMMAND [JSON | KEY=VALUE...]"),
                               /* TRANSLATORS: the description in aqmp ga --help */
                               _("Runs one QEMU guest agent command and prints its result as JSON.\n"
                                 "The connection is synchronised first, as the guest agent needs.\n"
                                 "Arguments are given as for aqmp exec."),
                               NULL, &argc, &argv, &exit_code))
    return exit_code;
  if (argc < 3)
    {
      aqmp_cli_error (_("ga needs an ADDRESS and a COMMAND (see aqmp ga --help)"));
      return AQMP_EXIT_PROBLEM;
    }
  arguments = aqmp_args_parse ((const gchar * const *) argv + 3, argc - 3, &error);
  if (arguments == NULL && error != NULL)
    {
      aqmp_cli_error ("%s", error->message);
      return AQMP_EXIT_PROBLEM;
    }
  loader = aqmp_ga_load_plugins ();
  protocol = aqmp_ga_create_protocol (loader);
  if (protocol == NULL)
    return AQMP_EXIT_PROBLEM;

  client = aqmp_client_new ();
  aqmp_cli_setup (&options, client);
  aqmp_client_set_protocol (client, protocol);
  exit_code = aqmp_cli_run_command (&options, client, argv[1], argv[2], arguments, NULL, NULL);
  aqmp_client_disconnect_sync (client, NULL, NULL);
  return exit_code;
}

/* ----- ga-exec, through the plugin's guest-exec workflow ----- */

static void
aqmp_ga_write_base64 (FILE *out, JsonObject *result, const gchar *member)
{
  gsize len = 0;
  g_autofree guchar *data = g_base64_decode (json_object_get_string_member_with_default (result, member, ""), &len);

  if (len > 0)
    fwrite (data, 1, len, out);
  fflush (out);
}

static void
aqmp_ga_exec_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpGaExec *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_workflow_run_finish (AQMP_WORKFLOW (source), res, &error);
  JsonObject *result;

  g_main_loop_quit (self->loop);
  if (value == NULL || !JSON_NODE_HOLDS_OBJECT (value))
    {
      if (error == NULL)
        error = g_error_new_literal (AQMP_ERROR, AQMP_ERROR_PROTOCOL, "unexpected result of guest-exec");
      self->exit_code = aqmp_cli_report_failure (self->program[0], error);
      return;
    }
  result = json_node_get_object (value);
  aqmp_ga_write_base64 (stdout, result, "out-data");
  aqmp_ga_write_base64 (stderr, result, "err-data");
  /* the output was printed as the agent kept it; say what is missing */
  if (json_object_get_boolean_member_with_default (result, "out-truncated", FALSE))
    /* TRANSLATORS: a warning after a guest program's output; keep "qemu-ga" */
    aqmp_cli_warning (_("the guest agent truncated the program's standard output: "
                        "qemu-ga keeps at most 16 MiB of it"));
  if (json_object_get_boolean_member_with_default (result, "err-truncated", FALSE))
    /* TRANSLATORS: a warning after a guest program's output; keep "qemu-ga" */
    aqmp_cli_warning (_("the guest agent truncated the program's standard error: "
                        "qemu-ga keeps at most 16 MiB of it"));
  self->exit_code = (gint) json_object_get_int_member_with_default (result, "exit-status", AQMP_EXIT_PROBLEM);
}

static void
aqmp_ga_exec_connected_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpGaExec *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) params = json_object_new ();
  g_autoptr(JsonArray) args = json_array_new ();
  g_autoptr(AqmpGuestAgent) agent = NULL;
  g_autoptr(AqmpWorkflowContext) context = NULL;

  if (!aqmp_client_connect_finish (AQMP_CLIENT (source), res, &error))
    {
      aqmp_cli_report_client_failure (AQMP_CLIENT (source), error);
      self->exit_code = AQMP_EXIT_PROBLEM;
      g_main_loop_quit (self->loop);
      return;
    }
  json_object_set_string_member (params, "path", self->program[0]);
  for (guint i = 1; self->program[i] != NULL; i++)
    json_array_add_string_element (args, self->program[i]);
  json_object_set_array_member (params, "arg", g_steal_pointer (&args));
  json_object_set_int_member (params, "timeout", aqmp_cli_timeout_ms (&self->options));
  /* the guest agent only: no QMP connection, no job runner */
  agent = aqmp_guest_agent_new (self->client);
  context = aqmp_workflow_context_new (NULL, agent);
  aqmp_workflow_run_async (self->workflow, context, params, NULL, aqmp_ga_exec_done_cb, self);
}

gint
aqmp_cmd_ga_exec (gint argc, gchar **argv)
{
  AqmpGaExec self = { .exit_code = AQMP_EXIT_PROBLEM };
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(AqmpClient) client = NULL;
  g_autoptr(AqmpPluginLoader) loader = NULL;
  g_autoptr(AqmpProtocol) protocol = NULL;
  gint first = 2;

  if (!aqmp_cli_parse_options (&self.options, "ga-exec",
                               /* TRANSLATORS: the parameters of aqmp ga-exec; only
                                * translate the words in capitals */
                               _("ADDRESS -- PROGRAM [ARGUMENTS...]"),
                               /* TRANSLATORS: the description in aqmp ga-exec --help */
                               _("Runs a program in the guest through the QEMU guest agent, prints\n"
                                 "its standard output and error, and exits with its exit code.\n"
                                 "PROGRAM is a path in the guest. --timeout also bounds the wait\n"
                                 "for the program to exit."),
                               NULL, &argc, &argv, &self.exit_code))
    return self.exit_code;
  /* GOption leaves the "--" that ended the options in place */
  if (argc > first && g_strcmp0 (argv[first], "--") == 0)
    first++;
  if (argc <= first)
    {
      aqmp_cli_error (_("ga-exec needs an ADDRESS and a PROGRAM (see aqmp ga-exec --help)"));
      return AQMP_EXIT_PROBLEM;
    }
  loader = aqmp_ga_load_plugins ();
  protocol = aqmp_ga_create_protocol (loader);
  if (protocol == NULL)
    return AQMP_EXIT_PROBLEM;
  self.workflow = aqmp_ga_find_workflow (loader, "guest-exec");
  if (self.workflow == NULL)
    return AQMP_EXIT_PROBLEM;

  loop = g_main_loop_new (NULL, FALSE);
  client = aqmp_client_new ();
  self.loop = loop;
  self.client = client;
  self.program = (const gchar * const *) argv + first;
  aqmp_cli_setup (&self.options, client);
  aqmp_client_set_protocol (client, protocol);
  aqmp_cli_announce_connect (client, argv[1]);
  aqmp_client_connect_async (client, argv[1], NULL, aqmp_ga_exec_connected_cb, &self);
  g_main_loop_run (loop);
  aqmp_client_disconnect_sync (client, NULL, NULL);
  return self.exit_code;
}
