/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmp-plugin.h"

/**
 * AqmpWorkflow:
 *
 * The base class of workflows. A subclass sets the `name` and
 * `description` construct properties and implements run_async/run_finish.
 * A run gets an #AqmpWorkflowContext: the machine's clients and job
 * runner, and aqmp_workflow_context_report_progress() for its progress.
 *
 * Since: 0.1
 */

typedef struct {
  gchar *name;
  gchar *description;
} AqmpWorkflowPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (AqmpWorkflow, aqmp_workflow, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_DESCRIPTION,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void
aqmp_workflow_real_run_async (AqmpWorkflow        *self,
                              AqmpWorkflowContext *context,
                              JsonObject          *params,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, aqmp_workflow_real_run_async);
  g_task_return_new_error (task, AQMP_ERROR, AQMP_ERROR_FAILED,
                           "workflow '%s' does not implement run",
                           aqmp_workflow_get_name (self));
}

static JsonNode *
aqmp_workflow_real_run_finish (AqmpWorkflow *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
aqmp_workflow_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  AqmpWorkflowPrivate *priv = aqmp_workflow_get_instance_private (AQMP_WORKFLOW (object));

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, priv->name);
      break;
    case PROP_DESCRIPTION:
      g_value_set_string (value, priv->description);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aqmp_workflow_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  AqmpWorkflowPrivate *priv = aqmp_workflow_get_instance_private (AQMP_WORKFLOW (object));

  switch (prop_id)
    {
    case PROP_NAME:
      g_free (priv->name);
      priv->name = g_value_dup_string (value);
      break;
    case PROP_DESCRIPTION:
      g_free (priv->description);
      priv->description = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aqmp_workflow_finalize (GObject *object)
{
  AqmpWorkflowPrivate *priv = aqmp_workflow_get_instance_private (AQMP_WORKFLOW (object));

  g_free (priv->name);
  g_free (priv->description);
  G_OBJECT_CLASS (aqmp_workflow_parent_class)->finalize (object);
}

static void
aqmp_workflow_class_init (AqmpWorkflowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = aqmp_workflow_get_property;
  object_class->set_property = aqmp_workflow_set_property;
  object_class->finalize = aqmp_workflow_finalize;
  klass->run_async = aqmp_workflow_real_run_async;
  klass->run_finish = aqmp_workflow_real_run_finish;

  /**
   * AqmpWorkflow:name:
   *
   * The name users run the workflow by, such as `consistent-backup`.
   *
   * Since: 0.1
   */
  props[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  /**
   * AqmpWorkflow:description:
   *
   * One line saying what the workflow does.
   *
   * Since: 0.1
   */
  props[PROP_DESCRIPTION] = g_param_spec_string ("description", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
aqmp_workflow_init (AqmpWorkflow *self)
{
}

/**
 * aqmp_workflow_get_name:
 * @self: an #AqmpWorkflow
 *
 * Returns the workflow's name.
 *
 * Returns: the workflow's name
 *
 * Since: 0.1
 */
const gchar *
aqmp_workflow_get_name (AqmpWorkflow *self)
{
  AqmpWorkflowPrivate *priv;

  g_return_val_if_fail (AQMP_IS_WORKFLOW (self), NULL);
  priv = aqmp_workflow_get_instance_private (self);
  return priv->name != NULL ? priv->name : G_OBJECT_TYPE_NAME (self);
}

/**
 * aqmp_workflow_get_description:
 * @self: an #AqmpWorkflow
 *
 * Returns the workflow's one-line description.
 *
 * Returns: the workflow's one-line description
 *
 * Since: 0.1
 */
const gchar *
aqmp_workflow_get_description (AqmpWorkflow *self)
{
  AqmpWorkflowPrivate *priv;

  g_return_val_if_fail (AQMP_IS_WORKFLOW (self), NULL);
  priv = aqmp_workflow_get_instance_private (self);
  return priv->description != NULL ? priv->description : "";
}

/* the implementation's end, returned on the caller's task */
static void
aqmp_workflow_run_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  AqmpWorkflow *self = AQMP_WORKFLOW (source);
  GError *error = NULL;
  JsonNode *result = AQMP_WORKFLOW_GET_CLASS (self)->run_finish (self, res, &error);

  if (result == NULL && error == NULL)
    error = g_error_new (AQMP_ERROR, AQMP_ERROR_FAILED, "workflow '%s' returned nothing",
                         aqmp_workflow_get_name (self));
  if (result == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, result, (GDestroyNotify) json_node_unref);
}

/**
 * aqmp_workflow_run_async:
 * @self: an #AqmpWorkflow
 * @context: the run's context: the machine's QMP client and job runner,
 *   its guest agent, where progress goes; a new one for each run, kept
 *   until the run ends
 * @params: (nullable): the workflow's parameters
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the workflow ends
 * @user_data: data for @callback
 *
 * Runs the workflow.
 *
 * Since: 0.1
 */
void
aqmp_workflow_run_async (AqmpWorkflow        *self,
                         AqmpWorkflowContext *context,
                         JsonObject          *params,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (AQMP_IS_WORKFLOW (self));
  g_return_if_fail (AQMP_IS_WORKFLOW_CONTEXT (context));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aqmp_workflow_run_async);
  g_task_set_task_data (task, g_object_ref (context), g_object_unref);
  AQMP_WORKFLOW_GET_CLASS (self)->run_async (self, context, params, cancellable, aqmp_workflow_run_cb,
                                             g_steal_pointer (&task));
}

/**
 * aqmp_workflow_run_finish:
 * @self: an #AqmpWorkflow
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes aqmp_workflow_run_async().
 *
 * Returns: (transfer full): the workflow's result, or %NULL with @error set
 *
 * Since: 0.1
 */
JsonNode *
aqmp_workflow_run_finish (AqmpWorkflow *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (AQMP_IS_WORKFLOW (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == aqmp_workflow_run_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
