/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The minimal aqmp plugin: one workflow, "example-ping", which asks QEMU
 * for its run state and, when there is a guest agent, pings it too.
 * Copy this file to start a plugin of your own (see docs/plugins.md).
 */
#include <aqmp/aqmp-plugin.h>

#define EXAMPLE_TYPE_PING (example_ping_get_type ())
G_DECLARE_FINAL_TYPE (ExamplePing, example_ping, EXAMPLE, PING, AqmpWorkflow)
struct _ExamplePing { AqmpWorkflow parent_instance; };
G_DEFINE_FINAL_TYPE (ExamplePing, example_ping, AQMP_TYPE_WORKFLOW)

/* one run: its context and the result being built,
 * {"status": "running", "guest-agent": true} */
typedef struct {
  AqmpWorkflowContext *context;
  JsonObject *result;
} PingRun;

static void
ping_run_free (PingRun *run)
{
  g_object_unref (run->context);
  json_object_unref (run->result);
  g_free (run);
}

static void
example_ping_return (GTask *task)
{
  PingRun *run = g_task_get_task_data (task);

  aqmp_workflow_context_report_progress (run->context, 1.0, "done");
  g_task_return_pointer (task, json_node_init_object (json_node_alloc (), run->result),
                         (GDestroyNotify) json_node_unref);
}

static void
example_ping_guest_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  PingRun *run = g_task_get_task_data (task);
  gboolean pong = aqmp_guest_agent_ping_finish (AQMP_GUEST_AGENT (source), res, NULL);

  json_object_set_boolean_member (run->result, "guest-agent", pong);
  example_ping_return (task);
}

static void
example_ping_status_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  PingRun *run = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(JsonNode) status = aqmp_client_execute_finish (AQMP_CLIENT (source), res, &error);
  AqmpGuestAgent *agent = aqmp_workflow_context_get_guest_agent (run->context);

  if (status == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  json_object_set_string_member (run->result, "status",
                                 JSON_NODE_HOLDS_OBJECT (status)
                                 ? json_object_get_string_member_with_default (json_node_get_object (status),
                                                                              "status", "unknown")
                                 : "unknown");
  if (agent == NULL)
    {
      example_ping_return (task);
      return;
    }
  aqmp_workflow_context_report_progress (run->context, 0.5, "pinging the guest agent");
  aqmp_guest_agent_ping_async (agent, g_task_get_cancellable (task), example_ping_guest_cb, g_object_ref (task));
}

/* @context holds what the run works on: the machine's QMP client, its
 * guest agent (or NULL), its job runner, and where progress goes */
static void
example_ping_run_async (AqmpWorkflow *workflow, AqmpWorkflowContext *context, JsonObject *params,
                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (workflow, cancellable, callback, user_data);
  AqmpClient *qmp = aqmp_workflow_context_get_client (context);
  PingRun *run;

  g_task_set_source_tag (task, example_ping_run_async);
  if (qmp == NULL)
    {
      g_task_return_new_error (task, AQMP_ERROR, AQMP_ERROR_STATE, "example-ping needs a QMP connection");
      return;
    }
  run = g_new0 (PingRun, 1);
  run->context = g_object_ref (context);
  run->result = json_object_new ();
  g_task_set_task_data (task, run, (GDestroyNotify) ping_run_free);
  aqmp_client_execute_async (qmp, "query-status", NULL, cancellable, example_ping_status_cb,
                             g_steal_pointer (&task));
}

static void
example_ping_class_init (ExamplePingClass *klass)
{
  AQMP_WORKFLOW_CLASS (klass)->run_async = example_ping_run_async;
}

static void
example_ping_init (ExamplePing *self)
{
}

/* the module's plugin object: registers what the module provides */
AQMP_PLUGIN_DEFINE (ExamplePlugin, example_plugin)

static gboolean
example_plugin_setup (AqmpPlugin *plugin, GError **error)
{
  g_autoptr(AqmpWorkflow) ping = g_object_new (EXAMPLE_TYPE_PING, "name", "example-ping",
                                               "description", "Report QEMU's run state and ping the guest agent",
                                               NULL);

  aqmp_plugin_add_workflow (plugin, ping);
  return TRUE;
}

static void
example_plugin_class_init (ExamplePluginClass *klass)
{
  AQMP_PLUGIN_CLASS (klass)->setup = example_plugin_setup;
}

static void
example_plugin_init (ExamplePlugin *self)
{
}
