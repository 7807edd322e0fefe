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

/* the result: {"status": "running", "guest-agent": true} */
static void
example_ping_return (GTask *task)
{
  JsonNode *result = json_node_init_object (json_node_alloc (), g_task_get_task_data (task));

  g_task_return_pointer (task, result, (GDestroyNotify) json_node_unref);
}

static void
example_ping_guest_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonNode) pong = aqmp_client_execute_finish (AQMP_CLIENT (source), res, NULL);

  json_object_set_boolean_member (g_task_get_task_data (task), "guest-agent", pong != NULL);
  example_ping_return (task);
}

static void
example_ping_status_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  g_autoptr(JsonNode) status = aqmp_client_execute_finish (AQMP_CLIENT (source), res, &error);
  AqmpClient *qga = g_object_get_data (G_OBJECT (task), "qga");

  if (status == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  json_object_set_string_member (g_task_get_task_data (task), "status",
                                 JSON_NODE_HOLDS_OBJECT (status)
                                 ? json_object_get_string_member_with_default (json_node_get_object (status),
                                                                              "status", "unknown")
                                 : "unknown");
  if (qga == NULL)
    {
      example_ping_return (task);
      return;
    }
  aqmp_client_execute_async (qga, "guest-ping", NULL, g_task_get_cancellable (task),
                             example_ping_guest_cb, g_object_ref (task));
}

static void
example_ping_run_async (AqmpWorkflow *workflow, AqmpClient *qmp, AqmpClient *qga, JsonObject *params,
                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (workflow, cancellable, callback, user_data);

  g_task_set_source_tag (task, example_ping_run_async);
  g_task_set_task_data (task, json_object_new (), (GDestroyNotify) json_object_unref);
  if (qga != NULL)
    g_object_set_data_full (G_OBJECT (task), "qga", g_object_ref (qga), g_object_unref);
  aqmp_client_execute_async (qmp, "query-status", NULL, cancellable, example_ping_status_cb, task);
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
