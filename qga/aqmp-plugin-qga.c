/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <aqmp/aqmp-plugin.h>

#include "aqmp-qga.h"

/*
 * The "qga" plugin: the guest agent's protocol variant, and workflows over
 * a guest agent connection: "guest-info" (what the agent is) and
 * "guest-exec" (run a program, wait for it, collect its output), which
 * `aqmp ga-exec` uses.
 */

/* ----- the guest-info workflow ----- */

#define AQMP_TYPE_QGA_INFO_WORKFLOW (aqmp_qga_info_workflow_get_type ())
G_DECLARE_FINAL_TYPE (AqmpQgaInfoWorkflow, aqmp_qga_info_workflow, AQMP, QGA_INFO_WORKFLOW, AqmpWorkflow)

struct _AqmpQgaInfoWorkflow {
  AqmpWorkflow parent_instance;
};

G_DEFINE_FINAL_TYPE (AqmpQgaInfoWorkflow, aqmp_qga_info_workflow, AQMP_TYPE_WORKFLOW)

static void
aqmp_qga_info_workflow_info_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) info = aqmp_guest_agent_get_info_finish (AQMP_GUEST_AGENT (source), res, &error);
  g_autoptr(JsonObject) summary = NULL;
  JsonArray *commands;
  guint enabled = 0;

  if (info == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  commands = json_object_has_member (info, "supported_commands")
             && JSON_NODE_HOLDS_ARRAY (json_object_get_member (info, "supported_commands"))
             ? json_object_get_array_member (info, "supported_commands") : NULL;
  for (guint i = 0; commands != NULL && i < json_array_get_length (commands); i++)
    {
      JsonNode *node = json_array_get_element (commands, i);
      if (JSON_NODE_HOLDS_OBJECT (node)
          && json_object_get_boolean_member_with_default (json_node_get_object (node), "enabled", FALSE))
        enabled++;
    }
  summary = json_object_new ();
  json_object_set_string_member (summary, "version",
                                 json_object_get_string_member_with_default (info, "version", ""));
  json_object_set_int_member (summary, "enabled-commands", enabled);
  aqmp_workflow_context_report_progress (g_task_get_task_data (task), 1.0, "done");
  g_task_return_pointer (task, json_node_init_object (json_node_alloc (), summary),
                         (GDestroyNotify) json_node_unref);
}

static void
aqmp_qga_info_workflow_run_async (AqmpWorkflow        *workflow,
                                  AqmpWorkflowContext *context,
                                  JsonObject          *params,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (workflow, cancellable, callback, user_data);
  AqmpGuestAgent *agent = aqmp_workflow_context_get_guest_agent (context);

  g_task_set_source_tag (task, aqmp_qga_info_workflow_run_async);
  if (agent == NULL)
    {
      g_task_return_new_error (task, AQMP_ERROR, AQMP_ERROR_STATE,
                               "the guest-info workflow needs a guest agent connection");
      return;
    }
  g_task_set_task_data (task, g_object_ref (context), g_object_unref);
  aqmp_guest_agent_get_info_async (agent, cancellable, aqmp_qga_info_workflow_info_cb,
                                   g_steal_pointer (&task));
}

static void
aqmp_qga_info_workflow_class_init (AqmpQgaInfoWorkflowClass *klass)
{
  AQMP_WORKFLOW_CLASS (klass)->run_async = aqmp_qga_info_workflow_run_async;
}

static void
aqmp_qga_info_workflow_init (AqmpQgaInfoWorkflow *self)
{
}

/* ----- the guest-exec workflow ----- */

/*
 * params: {"path": "/bin/sh", "arg": ["-c", "..."], "env": ["A=b"],
 *          "input-data": BASE64, "timeout": MILLISECONDS}
 * result: {"exit-status": N, "out-data": BASE64, "err-data": BASE64,
 *          "out-truncated": B, "err-truncated": B}; the agent keeps at
 *          most 16 MiB of each stream and says when it dropped the rest
 */
#define AQMP_TYPE_QGA_EXEC_WORKFLOW (aqmp_qga_exec_workflow_get_type ())
G_DECLARE_FINAL_TYPE (AqmpQgaExecWorkflow, aqmp_qga_exec_workflow, AQMP, QGA_EXEC_WORKFLOW, AqmpWorkflow)

struct _AqmpQgaExecWorkflow {
  AqmpWorkflow parent_instance;
};

G_DEFINE_FINAL_TYPE (AqmpQgaExecWorkflow, aqmp_qga_exec_workflow, AQMP_TYPE_WORKFLOW)

static void
aqmp_qga_exec_workflow_set_base64 (JsonObject *object, const gchar *member, GBytes *bytes)
{
  gsize len = 0;
  const guchar *data = g_bytes_get_data (bytes, &len);
  g_autofree gchar *text = g_base64_encode (data, len);

  json_object_set_string_member (object, member, text);
}

static void
aqmp_qga_exec_workflow_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpGuestExecResult) exec = NULL;
  g_autoptr(JsonObject) result = NULL;

  exec = aqmp_guest_agent_exec_finish_result (AQMP_GUEST_AGENT (source), res, &error);
  if (exec == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  result = json_object_new ();
  json_object_set_int_member (result, "exit-status", aqmp_guest_exec_result_get_exit_status (exec));
  aqmp_qga_exec_workflow_set_base64 (result, "out-data", aqmp_guest_exec_result_get_stdout (exec));
  aqmp_qga_exec_workflow_set_base64 (result, "err-data", aqmp_guest_exec_result_get_stderr (exec));
  json_object_set_boolean_member (result, "out-truncated", aqmp_guest_exec_result_get_stdout_truncated (exec));
  json_object_set_boolean_member (result, "err-truncated", aqmp_guest_exec_result_get_stderr_truncated (exec));
  g_task_return_pointer (task, json_node_init_object (json_node_alloc (), result),
                         (GDestroyNotify) json_node_unref);
}

/* a member that must be an array of strings, or absent */
static gboolean
aqmp_qga_exec_workflow_strings (JsonObject *params, const gchar *member, GPtrArray *into, GError **error)
{
  JsonNode *node = params != NULL ? json_object_get_member (params, member) : NULL;
  JsonArray *array;

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, AQMP_ERROR, AQMP_ERROR_FAILED, "guest-exec: '%s' must be an array of strings", member);
      return FALSE;
    }
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
        {
          g_set_error (error, AQMP_ERROR, AQMP_ERROR_FAILED, "guest-exec: '%s' must be an array of strings", member);
          return FALSE;
        }
      g_ptr_array_add (into, (gpointer) json_node_get_string (element));
    }
  return TRUE;
}

static void
aqmp_qga_exec_workflow_run_async (AqmpWorkflow        *workflow,
                                  AqmpWorkflowContext *context,
                                  JsonObject          *params,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (workflow, cancellable, callback, user_data);
  AqmpGuestAgent *agent = aqmp_workflow_context_get_guest_agent (context);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GPtrArray) envp = g_ptr_array_new ();
  g_autoptr(GBytes) input = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *path;
  gint64 timeout;

  g_task_set_source_tag (task, aqmp_qga_exec_workflow_run_async);
  if (agent == NULL)
    {
      g_task_return_new_error (task, AQMP_ERROR, AQMP_ERROR_STATE,
                               "the guest-exec workflow needs a guest agent connection");
      return;
    }
  path = params != NULL ? json_object_get_string_member_with_default (params, "path", NULL) : NULL;
  if (path == NULL)
    {
      g_task_return_new_error (task, AQMP_ERROR, AQMP_ERROR_FAILED, "guest-exec: 'path' is required");
      return;
    }
  g_ptr_array_add (argv, (gpointer) path);
  if (!aqmp_qga_exec_workflow_strings (params, "arg", argv, &error)
      || !aqmp_qga_exec_workflow_strings (params, "env", envp, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_ptr_array_add (argv, NULL);
  g_ptr_array_add (envp, NULL);
  if (json_object_has_member (params, "input-data"))
    {
      gsize len = 0;
      guchar *data = g_base64_decode (json_object_get_string_member_with_default (params, "input-data", ""), &len);
      input = g_bytes_new_take (data, len);
    }
  timeout = json_object_get_int_member_with_default (params, "timeout", 0);

  aqmp_guest_agent_exec_async (agent, (const gchar * const *) argv->pdata,
                               json_object_has_member (params, "env") ? (const gchar * const *) envp->pdata : NULL,
                               input, (guint) CLAMP (timeout, 0, G_MAXINT), cancellable,
                               aqmp_qga_exec_workflow_done_cb, g_steal_pointer (&task));
}

static void
aqmp_qga_exec_workflow_class_init (AqmpQgaExecWorkflowClass *klass)
{
  AQMP_WORKFLOW_CLASS (klass)->run_async = aqmp_qga_exec_workflow_run_async;
}

static void
aqmp_qga_exec_workflow_init (AqmpQgaExecWorkflow *self)
{
}

/* ----- the plugin ----- */

AQMP_PLUGIN_DEFINE (AqmpPluginQga, aqmp_plugin_qga)

static gboolean
aqmp_plugin_qga_setup (AqmpPlugin *plugin, GError **error)
{
  g_autoptr(AqmpWorkflow) info = g_object_new (AQMP_TYPE_QGA_INFO_WORKFLOW,
                                               "name", "guest-info",
                                               "description", "Report the guest agent's version and enabled commands",
                                               NULL);

  g_autoptr(AqmpWorkflow) exec = g_object_new (AQMP_TYPE_QGA_EXEC_WORKFLOW,
                                               "name", "guest-exec",
                                               "description", "Run a program in the guest and collect its output",
                                               NULL);

  aqmp_plugin_add_protocol (plugin, "qga", AQMP_TYPE_QGA_PROTOCOL);
  aqmp_plugin_add_workflow (plugin, info);
  aqmp_plugin_add_workflow (plugin, exec);
  return TRUE;
}

static void
aqmp_plugin_qga_class_init (AqmpPluginQgaClass *klass)
{
  AQMP_PLUGIN_CLASS (klass)->setup = aqmp_plugin_qga_setup;
}

static void
aqmp_plugin_qga_init (AqmpPluginQga *self)
{
}
