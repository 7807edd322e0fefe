/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <unistd.h>

#include "aqmp-plugin.h"

/**
 * AqmpWorkflowContext:
 *
 * What one run of a workflow works on: the machine's QMP client, its
 * guest agent if it has one, its job runner and job store, and where its
 * progress goes.
 *
 * The host (`aqmp workflow run`, aqmpd's `RunWorkflow`) makes one context
 * per run, from the machine's #AqmpJobRunner: the CLI's runner records in
 * the user's job store, aqmpd's is the machine's own. A workflow starts
 * its QEMU jobs only with aqmp_workflow_context_start_job_async(), never
 * with a runner of its own nor with a bare QMP command: so every job it
 * starts is recorded in the store (`aqmp job list`, `GetJobHistory`),
 * followed by the machine's runner, and announced with
 * #AqmpWorkflowContext::job-started, which aqmpd turns into a D-Bus Job
 * object. It controls them through aqmp_workflow_context_get_runner().
 *
 * Progress goes to aqmp_workflow_context_report_progress(), which emits
 * #AqmpWorkflowContext::progress: the context is the run's, so two runs of
 * one workflow never mix their progress.
 *
 * Since: 0.1
 */

struct _AqmpWorkflowContext {
  GObject parent_instance;

  AqmpJobRunner *runner;           /* nullable: no QMP connection */
  AqmpGuestAgent *guest_agent;     /* nullable */
  guint32 started_by_uid;
  GPtrArray *jobs;                 /* AqmpJob, in the order they started */
};

G_DEFINE_FINAL_TYPE (AqmpWorkflowContext, aqmp_workflow_context, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_RUNNER,
  PROP_GUEST_AGENT,
  PROP_STARTED_BY_UID,
  N_PROPS
};

enum {
  SIGNAL_PROGRESS,
  SIGNAL_JOB_STARTED,
  N_SIGNALS
};

static GParamSpec *props[N_PROPS];
static guint signals[N_SIGNALS];

static void
aqmp_workflow_context_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  AqmpWorkflowContext *self = AQMP_WORKFLOW_CONTEXT (object);

  switch (prop_id)
    {
    case PROP_RUNNER:
      g_value_set_object (value, self->runner);
      break;
    case PROP_GUEST_AGENT:
      g_value_set_object (value, self->guest_agent);
      break;
    case PROP_STARTED_BY_UID:
      g_value_set_uint (value, self->started_by_uid);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aqmp_workflow_context_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  AqmpWorkflowContext *self = AQMP_WORKFLOW_CONTEXT (object);

  switch (prop_id)
    {
    case PROP_RUNNER:
      self->runner = g_value_dup_object (value);
      break;
    case PROP_GUEST_AGENT:
      self->guest_agent = g_value_dup_object (value);
      break;
    case PROP_STARTED_BY_UID:
      aqmp_workflow_context_set_started_by_uid (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aqmp_workflow_context_dispose (GObject *object)
{
  AqmpWorkflowContext *self = AQMP_WORKFLOW_CONTEXT (object);

  g_clear_object (&self->runner);
  g_clear_object (&self->guest_agent);
  g_clear_pointer (&self->jobs, g_ptr_array_unref);
  G_OBJECT_CLASS (aqmp_workflow_context_parent_class)->dispose (object);
}

static void
aqmp_workflow_context_class_init (AqmpWorkflowContextClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = aqmp_workflow_context_get_property;
  object_class->set_property = aqmp_workflow_context_set_property;
  object_class->dispose = aqmp_workflow_context_dispose;

  /**
   * AqmpWorkflowContext:runner:
   *
   * The machine's job runner, on its QMP client; %NULL when the run has
   * no QMP connection (`aqmp ga-exec` runs `guest-exec` so).
   *
   * Since: 0.1
   */
  props[PROP_RUNNER] = g_param_spec_object ("runner", NULL, NULL, AQMP_TYPE_JOB_RUNNER, construct);
  /**
   * AqmpWorkflowContext:guest-agent:
   *
   * The machine's connected guest agent, or %NULL when it has none.
   *
   * Since: 0.1
   */
  props[PROP_GUEST_AGENT] = g_param_spec_object ("guest-agent", NULL, NULL, AQMP_TYPE_GUEST_AGENT, construct);
  /**
   * AqmpWorkflowContext:started-by-uid:
   *
   * Who runs the workflow: the jobs it starts are recorded as started by
   * this user. This process's user unless the host says otherwise.
   *
   * Since: 0.1
   */
  props[PROP_STARTED_BY_UID] = g_param_spec_uint ("started-by-uid", NULL, NULL, 0, G_MAXUINT32, 0,
                                                  G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                                  | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * AqmpWorkflowContext::progress:
   * @self: the context
   * @fraction: done so far, from 0 to 1, or -1 when unknown
   * @message: what the workflow is doing
   *
   * The workflow reported progress.
   *
   * Since: 0.1
   */
  signals[SIGNAL_PROGRESS] = g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                           G_TYPE_DOUBLE, G_TYPE_STRING);
  /**
   * AqmpWorkflowContext::job-started:
   * @self: the context
   * @job: the job, followed by the context's runner
   *
   * The workflow started a QEMU job; emitted once per job (a `transaction`
   * may start several), once QEMU answered the command that started it.
   *
   * Since: 0.1
   */
  signals[SIGNAL_JOB_STARTED] = g_signal_new ("job-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                              0, NULL, NULL, NULL, G_TYPE_NONE, 1, AQMP_TYPE_JOB);
}

static void
aqmp_workflow_context_init (AqmpWorkflowContext *self)
{
  self->started_by_uid = (guint32) getuid ();
  self->jobs = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * aqmp_workflow_context_new:
 * @runner: (nullable): the machine's job runner, on its connected QMP
 *   client; %NULL for a run without QMP
 * @guest_agent: (nullable): the machine's connected guest agent
 *
 * For hosts: the context of one run of a workflow.
 *
 * Returns: (transfer full): a new context
 *
 * Since: 0.1
 */
AqmpWorkflowContext *
aqmp_workflow_context_new (AqmpJobRunner *runner, AqmpGuestAgent *guest_agent)
{
  g_return_val_if_fail (runner == NULL || AQMP_IS_JOB_RUNNER (runner), NULL);
  g_return_val_if_fail (guest_agent == NULL || AQMP_IS_GUEST_AGENT (guest_agent), NULL);

  return g_object_new (AQMP_TYPE_WORKFLOW_CONTEXT, "runner", runner, "guest-agent", guest_agent, NULL);
}

/**
 * aqmp_workflow_context_set_started_by_uid:
 * @self: an #AqmpWorkflowContext
 * @uid: the user who runs the workflow
 *
 * For hosts that run workflows on others' behalf, such as aqmpd.
 *
 * Since: 0.1
 */
void
aqmp_workflow_context_set_started_by_uid (AqmpWorkflowContext *self, guint32 uid)
{
  g_return_if_fail (AQMP_IS_WORKFLOW_CONTEXT (self));

  if (self->started_by_uid == uid)
    return;
  self->started_by_uid = uid;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STARTED_BY_UID]);
}

/**
 * aqmp_workflow_context_get_started_by_uid:
 * @self: an #AqmpWorkflowContext
 *
 * Returns the user who runs the workflow.
 *
 * Returns: the user who runs the workflow
 *
 * Since: 0.1
 */
guint32
aqmp_workflow_context_get_started_by_uid (AqmpWorkflowContext *self)
{
  g_return_val_if_fail (AQMP_IS_WORKFLOW_CONTEXT (self), 0);
  return self->started_by_uid;
}

/**
 * aqmp_workflow_context_get_client:
 * @self: an #AqmpWorkflowContext
 *
 * Returns the machine's QMP client, the runner's; %NULL when the run has
 * none.
 *
 * Returns: (transfer none) (nullable): the machine's QMP client, the
 *   runner's; %NULL when the run has none
 *
 * Since: 0.1
 */
AqmpClient *
aqmp_workflow_context_get_client (AqmpWorkflowContext *self)
{
  g_return_val_if_fail (AQMP_IS_WORKFLOW_CONTEXT (self), NULL);
  return self->runner != NULL ? aqmp_job_runner_get_client (self->runner) : NULL;
}

/**
 * aqmp_workflow_context_get_guest_agent:
 * @self: an #AqmpWorkflowContext
 *
 * Returns the machine's guest agent; its raw client is
 * aqmp_guest_agent_get_client().
 *
 * Returns: (transfer none) (nullable): the machine's guest agent; its raw
 *   client is aqmp_guest_agent_get_client()
 *
 * Since: 0.1
 */
AqmpGuestAgent *
aqmp_workflow_context_get_guest_agent (AqmpWorkflowContext *self)
{
  g_return_val_if_fail (AQMP_IS_WORKFLOW_CONTEXT (self), NULL);
  return self->guest_agent;
}

/**
 * aqmp_workflow_context_get_runner:
 * @self: an #AqmpWorkflowContext
 *
 * The machine's runner, to control the jobs the workflow started
 * (aqmp_job_runner_control_async()). Start jobs with
 * aqmp_workflow_context_start_job_async(), not on the runner directly.
 *
 * Returns: (transfer none) (nullable): the machine's job runner
 *
 * Since: 0.1
 */
AqmpJobRunner *
aqmp_workflow_context_get_runner (AqmpWorkflowContext *self)
{
  g_return_val_if_fail (AQMP_IS_WORKFLOW_CONTEXT (self), NULL);
  return self->runner;
}

/**
 * aqmp_workflow_context_get_store:
 * @self: an #AqmpWorkflowContext
 *
 * Returns the job store the runner records in.
 *
 * Returns: (transfer none) (nullable): the job store the runner records in
 *
 * Since: 0.1
 */
AqmpJobStore *
aqmp_workflow_context_get_store (AqmpWorkflowContext *self)
{
  g_return_val_if_fail (AQMP_IS_WORKFLOW_CONTEXT (self), NULL);
  return self->runner != NULL ? aqmp_job_runner_get_store (self->runner) : NULL;
}

/**
 * aqmp_workflow_context_get_jobs:
 * @self: an #AqmpWorkflowContext
 *
 * Returns the jobs the workflow started in this run, in order.
 *
 * Returns: (transfer none) (element-type AqmpJob): the jobs the workflow
 *   started in this run, in order
 *
 * Since: 0.1
 */
GPtrArray *
aqmp_workflow_context_get_jobs (AqmpWorkflowContext *self)
{
  g_return_val_if_fail (AQMP_IS_WORKFLOW_CONTEXT (self), NULL);
  return self->jobs;
}

/**
 * aqmp_workflow_context_report_progress:
 * @self: an #AqmpWorkflowContext
 * @fraction: done so far, from 0 to 1 and never going down, or -1 when
 *   unknown
 * @message: what the workflow is doing now
 *
 * For workflows: tells whoever runs the workflow how it goes, by emitting
 * #AqmpWorkflowContext::progress.
 *
 * Since: 0.1
 */
void
aqmp_workflow_context_report_progress (AqmpWorkflowContext *self, gdouble fraction, const gchar *message)
{
  g_return_if_fail (AQMP_IS_WORKFLOW_CONTEXT (self));
  g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, fraction, message);
}

/* ----- starting jobs ----- */

static void
aqmp_workflow_context_started_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  AqmpWorkflowContext *self = g_task_get_source_object (task);
  GError *error = NULL;
  g_autoptr(GPtrArray) jobs = aqmp_job_runner_start_finish_all (AQMP_JOB_RUNNER (source), res, &error);

  if (jobs == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  for (guint i = 0; i < jobs->len; i++)
    g_ptr_array_add (self->jobs, g_object_ref (g_ptr_array_index (jobs, i)));
  /* the host learns of each job before the workflow goes on */
  for (guint i = 0; i < jobs->len; i++)
    g_signal_emit (self, signals[SIGNAL_JOB_STARTED], 0, g_ptr_array_index (jobs, i));
  g_task_return_pointer (task, g_steal_pointer (&jobs), (GDestroyNotify) g_ptr_array_unref);
}

/**
 * aqmp_workflow_context_start_job_async:
 * @self: an #AqmpWorkflowContext
 * @command: a job-creating QMP command, or a `transaction` of job-creating
 *   actions (see aqmp_job_runner_start_full_async())
 * @arguments: (nullable): the command's arguments; a `job-id` is added
 *   when missing
 * @flags: #AqmpJobStartFlags
 * @cancellable: (nullable): a #GCancellable, checked before the command
 *   is sent (once sent, the jobs may exist and are followed)
 * @callback: (scope async): called once QEMU answered
 * @user_data: data for @callback
 *
 * Starts jobs on the machine's runner, on behalf of the run's user: they
 * are recorded in the job store, followed by the runner (wait for each
 * with aqmp_job_wait_async()) and announced with
 * #AqmpWorkflowContext::job-started. A run without a QMP connection fails
 * with %AQMP_ERROR_STATE.
 *
 * Since: 0.1
 */
void
aqmp_workflow_context_start_job_async (AqmpWorkflowContext *self,
                                       const gchar         *command,
                                       JsonObject          *arguments,
                                       AqmpJobStartFlags    flags,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (AQMP_IS_WORKFLOW_CONTEXT (self));
  g_return_if_fail (command != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aqmp_workflow_context_start_job_async);
  if (self->runner == NULL)
    {
      g_task_return_new_error (task, AQMP_ERROR, AQMP_ERROR_STATE,
                               "cannot start %s: this workflow run has no QMP connection", command);
      return;
    }
  aqmp_job_runner_start_full_async (self->runner, command, arguments, flags, self->started_by_uid, cancellable,
                                    aqmp_workflow_context_started_cb, g_steal_pointer (&task));
}

/**
 * aqmp_workflow_context_start_job_finish_all:
 * @self: an #AqmpWorkflowContext
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes a start, as aqmp_workflow_context_start_job_finish() does
 * (call one of them).
 *
 * Returns: (transfer container) (element-type AqmpJob) (nullable): every
 *   job the command started, in the order of a transaction's actions; or
 *   %NULL with @error set (%AQMP_ERROR_COMMAND when QEMU refused it)
 *
 * Since: 0.1
 */
GPtrArray *
aqmp_workflow_context_start_job_finish_all (AqmpWorkflowContext *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (AQMP_IS_WORKFLOW_CONTEXT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == aqmp_workflow_context_start_job_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * aqmp_workflow_context_start_job_finish:
 * @self: an #AqmpWorkflowContext
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes aqmp_workflow_context_start_job_async().
 *
 * Returns: (transfer full) (nullable): the job (for a `transaction`, the
 *   first it started), or %NULL with @error set
 *
 * Since: 0.1
 */
AqmpJob *
aqmp_workflow_context_start_job_finish (AqmpWorkflowContext *self, GAsyncResult *result, GError **error)
{
  g_autoptr(GPtrArray) jobs = aqmp_workflow_context_start_job_finish_all (self, result, error);

  if (jobs == NULL)
    return NULL;
  if (jobs->len == 0)
    {
      g_set_error (error, AQMP_ERROR, AQMP_ERROR_FAILED, "the command started no job");
      return NULL;
    }
  return g_object_ref (g_ptr_array_index (jobs, 0));
}
