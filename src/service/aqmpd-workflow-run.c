/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmpd-error.h"
#include "aqmpd-workflow-run.h"

/*
 * AqmpdWorkflowRun: one run of a plugin's workflow for RunWorkflow. It
 * connects the machine's guest agent when the machine has one, runs the
 * workflow with a context of its own (the machine's job runner, so that
 * every job the workflow starts is the machine's: in the history and
 * announced with "job-started", which the manager makes a Job object of),
 * reports the run's progress on its AqmpdJob and records the run in the
 * job store as the command "workflow:NAME" with its redacted parameters.
 * It keeps itself alive until the workflow ends.
 */

struct _AqmpdWorkflowRun {
  GObject parent_instance;

  AqmpWorkflow *workflow;
  AqmpdMachine *machine;
  AqmpPluginLoader *loader;
  AqmpJobStore *store;       /* nullable */
  AqmpdJob *job;
  JsonObject *params;
  guint32 uid;               /* who asked */
  AqmpWorkflowContext *context;
  gint64 row;                /* in the store, 0 if not recorded */
};

G_DEFINE_FINAL_TYPE (AqmpdWorkflowRun, aqmpd_workflow_run, G_TYPE_OBJECT)

enum {
  SIGNAL_JOB_STARTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ----- parameters ----- */

/* the value types a workflow parameter may have; aqmpd_options_check_types() */
const gchar * const aqmpd_workflow_param_types[] = {
  "s", "b", "i", "u", "x", "t", "d", "as", NULL
};

static JsonNode *
aqmpd_workflow_string_to_node (const gchar *text)
{
  if (text[0] == '{' || text[0] == '[')
    {
      JsonNode *node = aqmp_json_parse (text, -1, NULL);
      if (node != NULL)
        return node;
    }
  return json_node_init_string (json_node_alloc (), text);
}

static JsonNode *
aqmpd_workflow_value_to_node (GVariant *value)
{
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    return aqmpd_workflow_string_to_node (g_variant_get_string (value, NULL));
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
    return json_node_init_boolean (json_node_alloc (), g_variant_get_boolean (value));
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT32))
    return json_node_init_int (json_node_alloc (), g_variant_get_int32 (value));
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
    return json_node_init_int (json_node_alloc (), g_variant_get_uint32 (value));
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
    return json_node_init_int (json_node_alloc (), g_variant_get_int64 (value));
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64))
    return json_node_init_int (json_node_alloc (), (gint64) g_variant_get_uint64 (value));
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_DOUBLE))
    return json_node_init_double (json_node_alloc (), g_variant_get_double (value));
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING_ARRAY))
    {
      g_autoptr(JsonArray) array = json_array_new ();
      g_autofree const gchar **strv = g_variant_get_strv (value, NULL);
      for (guint i = 0; strv[i] != NULL; i++)
        json_array_add_string_element (array, strv[i]);
      return json_node_init_array (json_node_alloc (), array);
    }
  return NULL;
}

/**
 * aqmpd_workflow_params_from_variant:
 * @params: an `a{sv}` of strings, booleans, numbers and string arrays
 *
 * Returns: (transfer full): the parameters as a JSON object
 */
JsonObject *
aqmpd_workflow_params_from_variant (GVariant *params, GError **error)
{
  g_autoptr(JsonObject) obj = json_object_new ();
  GVariantIter iter;
  const gchar *key;
  GVariant *value;

  g_variant_iter_init (&iter, params);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autoptr(GVariant) owned = value;
      JsonNode *node = aqmpd_workflow_value_to_node (value);

      if (node == NULL)
        {
          g_set_error (error, AQMPD_ERROR, AQMPD_ERROR_INVALID_ARGS,
                       "parameter %s: values of type %s are not supported", key,
                       g_variant_get_type_string (value));
          return NULL;
        }
      json_object_set_member (obj, key, node);
    }
  return g_steal_pointer (&obj);
}

/* ----- the store ----- */

static void
aqmpd_workflow_run_record_start (AqmpdWorkflowRun *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *command = g_strdup_printf ("workflow:%s", aqmp_workflow_get_name (self->workflow));
  AqmpDBusJob *iface = aqmpd_job_get_iface (self->job);

  if (self->store == NULL)
    return;
  self->row = aqmp_job_store_add_job (self->store, aqmpd_machine_get_name (self->machine),
                                      aqmp_dbus_job_get_id (iface), command, self->params,
                                      g_get_real_time (), &error);
  if (self->row == 0
      || !aqmp_job_store_set_job_type (self->store, self->row, "workflow", &error)
      || !aqmp_job_store_add_transition (self->store, self->row, AQMP_JOB_STATUS_RUNNING,
                                         g_get_real_time (), &error))
    g_warning ("cannot record workflow %s: %s", command, error->message);
}

static void
aqmpd_workflow_run_record_end (AqmpdWorkflowRun *self, AqmpJobResult result, const GError *cause)
{
  g_autoptr(GError) error = NULL;

  if (self->store == NULL || self->row == 0)
    return;
  if (!aqmp_job_store_add_transition (self->store, self->row, AQMP_JOB_STATUS_CONCLUDED,
                                      g_get_real_time (), &error)
      || !aqmp_job_store_finish_job (self->store, self->row, result,
                                  cause != NULL ? cause->message : NULL,
                                  g_get_real_time (), &error))
    g_warning ("cannot record the end of a workflow: %s", error->message);
}

/* ----- running ----- */

static void
aqmpd_workflow_run_end (AqmpdWorkflowRun *self, const GError *error)
{
  AqmpJobResult result = AQMP_JOB_RESULT_SUCCESS;

  if (error != NULL)
    result = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
             ? AQMP_JOB_RESULT_CANCELLED : AQMP_JOB_RESULT_FAILED;
  if (error != NULL)
    g_message ("workflow %s on %s: %s", aqmp_workflow_get_name (self->workflow),
               aqmpd_machine_get_name (self->machine), error->message);
  aqmpd_workflow_run_record_end (self, result, error);
  aqmpd_job_end (self->job, aqmp_job_result_to_string (result), error);
}

static void
aqmpd_workflow_run_progress_cb (AqmpWorkflowContext *context, gdouble fraction, const gchar *message,
                                gpointer user_data)
{
  AqmpdWorkflowRun *self = user_data;

  g_debug ("workflow %s: %.0f%% %s", aqmp_workflow_get_name (self->workflow), fraction * 100,
           message != NULL ? message : "");
  aqmpd_job_set_progress (self->job, fraction);
}

static void
aqmpd_workflow_run_job_started_cb (AqmpWorkflowContext *context, AqmpJob *job, gpointer user_data)
{
  AqmpdWorkflowRun *self = user_data;

  g_debug ("workflow %s started job %s", aqmp_workflow_get_name (self->workflow), aqmp_job_get_id (job));
  g_signal_emit (self, signals[SIGNAL_JOB_STARTED], 0, job);
}

static void
aqmpd_workflow_run_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(AqmpdWorkflowRun) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = aqmp_workflow_run_finish (AQMP_WORKFLOW (source), res, &error);

  g_signal_handlers_disconnect_by_data (self->context, self);
  if (result == NULL && error == NULL)
    g_set_error_literal (&error, AQMPD_ERROR, AQMPD_ERROR_FAILED, "the workflow returned nothing");
  aqmpd_workflow_run_end (self, error);
}

/* the machine's runner: the workflow's jobs are the machine's */
static void
aqmpd_workflow_run_go (AqmpdWorkflowRun *self, AqmpClient *qga)
{
  g_autoptr(AqmpGuestAgent) agent = qga != NULL ? aqmp_guest_agent_new (qga) : NULL;

  self->context = aqmp_workflow_context_new (aqmpd_machine_get_runner (self->machine), agent);
  aqmp_workflow_context_set_started_by_uid (self->context, self->uid);
  g_signal_connect (self->context, "progress", G_CALLBACK (aqmpd_workflow_run_progress_cb), self);
  g_signal_connect (self->context, "job-started", G_CALLBACK (aqmpd_workflow_run_job_started_cb), self);
  aqmpd_job_set_status (self->job, "running");
  aqmp_workflow_run_async (self->workflow, self->context, self->params, aqmpd_job_get_cancellable (self->job),
                           aqmpd_workflow_run_done_cb, g_object_ref (self));
}

static void
aqmpd_workflow_run_qga_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(AqmpdWorkflowRun) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpClient) qga = aqmpd_machine_get_guest_agent_finish (AQMPD_MACHINE (source), res, &error);

  if (qga == NULL)
    {
      aqmpd_workflow_run_end (self, error);
      return;
    }
  aqmpd_workflow_run_go (self, qga);
}

/* the guest agent first, when the machine has one */
void
aqmpd_workflow_run_start (AqmpdWorkflowRun *self)
{
  AqmpDBusMachine *machine = aqmpd_machine_get_iface (self->machine);
  const gchar *qga_address = aqmp_dbus_machine_get_guest_agent_address (machine);

  g_return_if_fail (AQMPD_IS_WORKFLOW_RUN (self));

  aqmpd_workflow_run_record_start (self);
  if (qga_address == NULL || qga_address[0] == '\0')
    {
      aqmpd_workflow_run_go (self, NULL);
      return;
    }
  aqmpd_machine_get_guest_agent_async (self->machine, self->loader,
                                       aqmpd_job_get_cancellable (self->job),
                                       aqmpd_workflow_run_qga_cb, g_object_ref (self));
}

/* ----- object ----- */

static void
aqmpd_workflow_run_dispose (GObject *object)
{
  AqmpdWorkflowRun *self = AQMPD_WORKFLOW_RUN (object);

  g_clear_object (&self->workflow);
  g_clear_object (&self->machine);
  g_clear_object (&self->loader);
  g_clear_object (&self->store);
  g_clear_object (&self->job);
  g_clear_object (&self->context);
  g_clear_pointer (&self->params, json_object_unref);
  G_OBJECT_CLASS (aqmpd_workflow_run_parent_class)->dispose (object);
}

static void
aqmpd_workflow_run_class_init (AqmpdWorkflowRunClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = aqmpd_workflow_run_dispose;

  /* a QEMU job the workflow started on the machine's runner */
  signals[SIGNAL_JOB_STARTED] = g_signal_new ("job-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                              0, NULL, NULL, NULL, G_TYPE_NONE, 1, AQMP_TYPE_JOB);
}

static void
aqmpd_workflow_run_init (AqmpdWorkflowRun *self)
{
}

AqmpdWorkflowRun *
aqmpd_workflow_run_new (AqmpWorkflow *workflow, AqmpdMachine *machine, AqmpPluginLoader *loader,
                        AqmpJobStore *store, AqmpdJob *job, JsonObject *params, guint32 uid)
{
  AqmpdWorkflowRun *self = g_object_new (AQMPD_TYPE_WORKFLOW_RUN, NULL);

  self->uid = uid;
  self->workflow = g_object_ref (workflow);
  self->machine = g_object_ref (machine);
  self->loader = g_object_ref (loader);
  self->store = store != NULL ? g_object_ref (store) : NULL;
  self->job = g_object_ref (job);
  self->params = json_object_ref (params);
  return self;
}

AqmpdMachine *
aqmpd_workflow_run_get_machine (AqmpdWorkflowRun *self)
{
  g_return_val_if_fail (AQMPD_IS_WORKFLOW_RUN (self), NULL);
  return self->machine;
}

guint32
aqmpd_workflow_run_get_uid (AqmpdWorkflowRun *self)
{
  g_return_val_if_fail (AQMPD_IS_WORKFLOW_RUN (self), 0);
  return self->uid;
}
