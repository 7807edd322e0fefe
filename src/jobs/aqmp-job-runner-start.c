/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <unistd.h>

#include "aqmp-job-error.h"
#include "aqmp-job-private.h"
#include "aqmp-job-runner-private.h"
#include "aqmp-job-store-private.h"

/*
 * Starting jobs: which jobs a command makes (aqmp-job-commands.c, and
 * QEMU's schema for a command it does not know), their rows in the store
 * and their trackers in the runner's table, all before the command is
 * sent, so that not even the events that precede its reply are lost.
 */

typedef struct {
  gchar *command;
  JsonObject *arguments;     /* the runner's copy: what is sent */
  AqmpJobStartFlags flags;
  gint64 uid;
  gboolean schema_asked;
  GPtrArray *plans;          /* AqmpJobPlan */
  GPtrArray *jobs;           /* AqmpJob, once entered */
} AqmpJobRunnerStart;

static void
aqmp_job_runner_start_free (AqmpJobRunnerStart *start)
{
  g_free (start->command);
  g_clear_pointer (&start->arguments, json_object_unref);
  g_clear_pointer (&start->plans, g_ptr_array_unref);
  g_clear_pointer (&start->jobs, g_ptr_array_unref);
  g_free (start);
}

/* a new object with the same members, so that the runner can add a
 * `job-id` without touching the caller's; the values are shared, as the
 * arguments are only serialised (a transaction's actions are copied
 * where they change) */
static JsonObject *
aqmp_job_runner_copy_members (JsonObject *obj)
{
  JsonObject *copy = json_object_new ();
  JsonObjectIter iter;
  const gchar *name;
  JsonNode *value;

  json_object_iter_init_ordered (&iter, obj);
  while (json_object_iter_next_ordered (&iter, &name, &value))
    json_object_set_member (copy, name, json_node_ref (value));
  return copy;
}

static gchar *
aqmp_job_runner_new_id (gpointer user_data)
{
  AqmpJobRunner *self = user_data;
  gchar *id = NULL;

  do
    {
      g_free (id);
      id = g_strdup_printf ("aqmp-%08x-%u", self->id_prefix, ++self->id_counter);
    }
  while (g_hash_table_contains (self->trackers, id));
  return id;
}

/* ----- QEMU's schema, asked for once per connection when needed ----- */

typedef struct {
  GTask *task;
  AqmpJobRunnerStep step;
} AqmpJobRunnerWaiter;

static void
aqmp_job_runner_schema_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(AqmpJobRunner) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_finish (AQMP_CLIENT (source), res, &error);
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&self->schema_waiters);

  self->schema_waiters = g_ptr_array_new ();
  g_clear_object (&self->schema);
  if (value != NULL)
    self->schema = aqmp_schema_new (value, &error);
  if (self->schema == NULL)
    g_debug ("no schema from QEMU: %s", error->message);
  self->schema_known = TRUE;
  for (guint i = 0; i < waiters->len; i++)
    {
      AqmpJobRunnerWaiter *waiter = g_ptr_array_index (waiters, i);
      waiter->step (self, waiter->task);
      g_object_unref (waiter->task);
      g_free (waiter);
    }
}

/* @step runs once self->schema is known (it may stay NULL) */
void
aqmp_job_runner_need_schema (AqmpJobRunner *self, GTask *task, AqmpJobRunnerStep step)
{
  AqmpJobRunnerWaiter *waiter;

  if (self->schema_known)
    {
      step (self, task);
      return;
    }
  waiter = g_new0 (AqmpJobRunnerWaiter, 1);
  waiter->task = g_object_ref (task);
  waiter->step = step;
  g_ptr_array_add (self->schema_waiters, waiter);
  if (self->schema_waiters->len == 1)
    aqmp_client_execute_async (self->client, "query-qmp-schema", NULL, self->cancellable,
                               aqmp_job_runner_schema_cb, g_object_ref (self));
}

/* ----- entering the jobs, then sending the command ----- */

static AqmpJobTracker *
aqmp_job_runner_tracker_of (AqmpJobRunner *self, AqmpJob *job)
{
  AqmpJobTracker *tracker = g_hash_table_lookup (self->trackers, aqmp_job_get_id (job));

  return tracker != NULL && aqmp_job_tracker_get_job (tracker) == job ? tracker : NULL;
}

/* QEMU answered the start's command (@value), or refused it (@error) */
static void
aqmp_job_runner_start_answered (AqmpJobRunner *self, GTask *task, JsonNode *value, const GError *error)
{
  AqmpJobRunnerStart *start = g_task_get_task_data (task);
  const gchar *desc = value == NULL ? aqmp_error_get_qmp_desc (error) : NULL;

  for (guint i = 0; i < start->jobs->len; i++)
    {
      AqmpJob *job = g_ptr_array_index (start->jobs, i);
      AqmpJobTracker *tracker = aqmp_job_runner_tracker_of (self, job);

      if (tracker == NULL)
        continue;
      if (value != NULL)
        {
          aqmp_job_tracker_set_started (tracker);
          continue;
        }
      g_hash_table_remove (self->trackers, aqmp_job_get_id (job));
      aqmp_job_runner_store_finish (self, job, AQMP_JOB_RESULT_FAILED, desc != NULL ? desc : error->message);
      aqmp_job_end (job, AQMP_JOB_RESULT_FAILED, error);
    }
  if (value == NULL)
    {
      g_task_return_error (task, g_error_copy (error));
      return;
    }
  aqmp_job_runner_update_polling (self);
  /* at once, for the type and the total */
  aqmp_job_runner_poll_now (self);
  g_task_return_pointer (task, g_ptr_array_ref (start->jobs), (GDestroyNotify) g_ptr_array_unref);
}

static void
aqmp_job_runner_started_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_finish (AQMP_CLIENT (source), res, &error);

  aqmp_job_runner_start_answered (g_task_get_source_object (task), task, value, error);
}

static void
aqmp_job_runner_start_send (AqmpJobRunner *self, GTask *task)
{
  AqmpJobRunnerStart *start = g_task_get_task_data (task);

  g_debug ("starting %u job(s) with %s", start->jobs->len, start->command);
  aqmp_client_execute_async (self->client, start->command, start->arguments, self->cancellable,
                             aqmp_job_runner_started_cb, g_object_ref (task));
}

/*
 * ----- starts that wait for each other -----
 *
 * Each `blockdev-backup` drains the block layer, which pauses and resumes
 * every job already running: N backups started one after another cost
 * N² `JOB_STATUS_CHANGE` events, each read, followed and stored. So while
 * one backup start is unanswered, the next ones wait, and go to QEMU
 * together as the actions of one `transaction` (completion mode
 * `individual`: the jobs stay independent), which drains once. A start
 * alone is sent as it is, at once. QEMU runs commands one after another
 * anyway, so the waiting ones lose at most the time of the one before.
 * The jobs of a transaction hold their events until QEMU answers it. When
 * QEMU refuses it, nothing of it stays (though QEMU may have made some of
 * its jobs and ended them again: those events are dropped), and each
 * start is sent again alone, so that each gets its own answer.
 */

static gboolean
aqmp_job_runner_start_joins (AqmpJobRunnerStart *start)
{
  return g_strcmp0 (start->command, "blockdev-backup") == 0;
}

static void aqmp_job_runner_send_waiting (AqmpJobRunner *self);

static void
aqmp_job_runner_gate_open (AqmpJobRunner *self)
{
  self->start_gate_closed = FALSE;
  aqmp_job_runner_send_waiting (self);
}

static void
aqmp_job_runner_gate_one_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  AqmpJobRunner *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_finish (AQMP_CLIENT (source), res, &error);

  aqmp_job_runner_gate_open (self);
  aqmp_job_runner_start_answered (self, task, value, error);
}

/* from the transaction's sending to its answer, the trackers of the
 * start's jobs hold their events */
static void
aqmp_job_runner_start_hold (AqmpJobRunner *self, GTask *task)
{
  AqmpJobRunnerStart *start = g_task_get_task_data (task);

  for (guint i = 0; i < start->jobs->len; i++)
    {
      AqmpJobTracker *tracker = aqmp_job_runner_tracker_of (self, g_ptr_array_index (start->jobs, i));

      if (tracker != NULL)
        aqmp_job_tracker_hold (tracker);
    }
}

/* the events held: acted on when the start succeeded (@replay), as when
 * they come before the answer; dropped otherwise */
static void
aqmp_job_runner_start_release (AqmpJobRunner *self, GTask *task, gboolean replay)
{
  AqmpJobRunnerStart *start = g_task_get_task_data (task);

  for (guint i = 0; i < start->jobs->len; i++)
    {
      AqmpJobTracker *found = aqmp_job_runner_tracker_of (self, g_ptr_array_index (start->jobs, i));
      g_autoptr(AqmpJobTracker) tracker = found != NULL ? g_object_ref (found) : NULL;
      g_autoptr(GPtrArray) events = NULL;

      if (tracker == NULL)
        continue;
      events = aqmp_job_tracker_release (tracker);
      if (replay)
        aqmp_job_runner_replay (self, tracker, events);
    }
}

/* the transaction did nothing: QEMU refused it, or the client did not
 * send it (its check, its limits); a timeout or a lost connection leaves
 * unknown what QEMU did, and is each start's answer */
static gboolean
aqmp_job_runner_batch_undone (const GError *error)
{
  return g_error_matches (error, AQMP_ERROR, AQMP_ERROR_COMMAND)
         || g_error_matches (error, AQMP_ERROR, AQMP_ERROR_INVALID)
         || g_error_matches (error, AQMP_ERROR, AQMP_ERROR_TOO_LARGE)
         || g_error_matches (error, AQMP_ERROR, AQMP_ERROR_QUEUE_FULL);
}

static void
aqmp_job_runner_gate_batch_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GPtrArray) tasks = user_data;
  AqmpJobRunner *self = g_task_get_source_object (g_ptr_array_index (tasks, 0));
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_finish (AQMP_CLIENT (source), res, &error);
  g_autoptr(AqmpJobRunner) keep = g_object_ref (self);
  gboolean undone = value == NULL && aqmp_job_runner_batch_undone (error);

  /* the next starts go first: what follows may run a caller's code, which
   * may start another backup and wait for it */
  aqmp_job_runner_gate_open (self);
  if (undone)
    {
      /* a refused transaction may have made jobs and ended them again
       * (`concluded`, `null`, BLOCK_JOB_CANCELLED): none of that happened
       * to the jobs sent again */
      g_debug ("transaction of %u starts refused (%s): each sent alone", tasks->len, error->message);
      for (guint i = 0; i < tasks->len; i++)
        {
          aqmp_job_runner_start_release (self, g_ptr_array_index (tasks, i), FALSE);
          aqmp_job_runner_start_send (self, g_ptr_array_index (tasks, i));
        }
      return;
    }
  for (guint i = 0; i < tasks->len; i++)
    {
      aqmp_job_runner_start_release (self, g_ptr_array_index (tasks, i), value != NULL);
      aqmp_job_runner_start_answered (self, g_ptr_array_index (tasks, i), value, error);
    }
}

/* the waiting starts' commands, as the actions of one transaction */
static JsonObject *
aqmp_job_runner_batch_arguments (GPtrArray *tasks)
{
  JsonObject *arguments = json_object_new ();
  JsonArray *actions = json_array_new ();

  for (guint i = 0; i < tasks->len; i++)
    {
      AqmpJobRunnerStart *start = g_task_get_task_data (g_ptr_array_index (tasks, i));
      JsonObject *action = json_object_new ();

      json_object_set_string_member (action, "type", start->command);
      json_object_set_object_member (action, "data", json_object_ref (start->arguments));
      json_array_add_object_element (actions, action);
    }
  json_object_set_array_member (arguments, "actions", actions);
  return arguments;
}

static void
aqmp_job_runner_send_waiting (AqmpJobRunner *self)
{
  g_autoptr(GPtrArray) tasks = NULL;
  g_autoptr(JsonObject) arguments = NULL;

  if (self->start_gate_closed || self->start_queue->len == 0)
    return;
  if (self->client == NULL || g_cancellable_is_cancelled (self->cancellable))
    {
      g_autoptr(GError) gone = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "the job runner went away");
      aqmp_job_runner_drop_waiting (self, gone);
      return;
    }
  tasks = g_steal_pointer (&self->start_queue);
  self->start_queue = g_ptr_array_new_with_free_func (g_object_unref);
  self->start_gate_closed = TRUE;
  if (tasks->len == 1)
    {
      AqmpJobRunnerStart *start = g_task_get_task_data (g_ptr_array_index (tasks, 0));

      g_debug ("starting %u job(s) with %s", start->jobs->len, start->command);
      aqmp_client_execute_async (self->client, start->command, start->arguments, self->cancellable,
                                 aqmp_job_runner_gate_one_cb, g_object_ref (g_ptr_array_index (tasks, 0)));
      return;
    }
  g_debug ("starting %u jobs with one transaction", tasks->len);
  for (guint i = 0; i < tasks->len; i++)
    aqmp_job_runner_start_hold (self, g_ptr_array_index (tasks, i));
  arguments = aqmp_job_runner_batch_arguments (tasks);
  aqmp_client_execute_async (self->client, "transaction", arguments, self->cancellable,
                             aqmp_job_runner_gate_batch_cb, g_steal_pointer (&tasks));
}

/* the starts that wait when the runner goes away: never sent */
void
aqmp_job_runner_drop_waiting (AqmpJobRunner *self, const GError *error)
{
  g_autoptr(GPtrArray) tasks = g_steal_pointer (&self->start_queue);

  self->start_queue = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; tasks != NULL && i < tasks->len; i++)
    aqmp_job_runner_start_answered (self, g_ptr_array_index (tasks, i), NULL, error);
}

/* rows already added for a start that cannot go on end as not started */
static void
aqmp_job_runner_unrecord (AqmpJobRunner *self, GPtrArray *jobs, const GError *error)
{
  for (guint i = 0; i < jobs->len; i++)
    aqmp_job_runner_store_finish (self, g_ptr_array_index (jobs, i), AQMP_JOB_RESULT_FAILED, error->message);
}

static gboolean
aqmp_job_runner_record_start (AqmpJobRunner *self, AqmpJobRunnerStart *start, GError **error)
{
  gint64 now = g_get_real_time ();

  for (guint i = 0; i < start->plans->len; i++)
    {
      AqmpJobPlan *plan = g_ptr_array_index (start->plans, i);
      g_autoptr(AqmpJob) job = aqmp_job_new (self->client, plan->job_id, self->machine, start->command, now);

      aqmp_job_set_started_by_uid (job, start->uid);
      if (self->store != NULL)
        {
          gint64 row = aqmp_job_store_add_job_full (self->store, self->machine, self->identity, plan->job_id,
                                                    start->command, start->arguments, start->flags,
                                                    start->uid, now, error);
          if (row == 0)
            {
              g_prefix_error (error, "cannot record job %s: ", plan->job_id);
              aqmp_job_runner_unrecord (self, start->jobs, *error);
              return FALSE;
            }
          aqmp_job_set_store_id (job, row);
        }
      g_ptr_array_add (start->jobs, g_steal_pointer (&job));
    }
  return TRUE;
}

static void
aqmp_job_runner_start_enter (AqmpJobRunner *self, GTask *task)
{
  AqmpJobRunnerStart *start = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  /* the last moment the start can be called off: nothing is sent yet */
  if (g_task_return_error_if_cancelled (task))
    return;
  for (guint i = 0; i < start->plans->len; i++)
    {
      AqmpJobPlan *plan = g_ptr_array_index (start->plans, i);
      if (g_hash_table_contains (self->trackers, plan->job_id))
        {
          g_task_return_new_error (task, AQMP_JOB_ERROR, AQMP_JOB_ERROR_FAILED,
                                   "a job with id %s is already running", plan->job_id);
          return;
        }
    }
  if (!aqmp_job_runner_record_start (self, start, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  for (guint i = 0; i < start->jobs->len; i++)
    {
      AqmpJobPlan *plan = g_ptr_array_index (start->plans, i);
      g_autoptr(AqmpJobTracker) tracker = aqmp_job_tracker_new (g_ptr_array_index (start->jobs, i), start->flags,
                                                                &plan->settings);
      aqmp_job_runner_track (self, tracker);
    }
  if (!aqmp_job_runner_start_joins (start))
    {
      aqmp_job_runner_start_send (self, task);
      return;
    }
  g_ptr_array_add (self->start_queue, g_object_ref (task));
  aqmp_job_runner_send_waiting (self);
}

/* which jobs the command makes; QEMU's schema is asked only when needed */
static void
aqmp_job_runner_start_plan (AqmpJobRunner *self, GTask *task)
{
  AqmpJobRunnerStart *start = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  switch (aqmp_job_commands_plan (start->command, start->arguments, self->schema, aqmp_job_runner_new_id,
                                  self, &start->plans, &error))
    {
    case AQMP_JOB_PLAN_OK:
      aqmp_job_runner_need_identity (self, task, aqmp_job_runner_start_enter);
      return;
    case AQMP_JOB_PLAN_NEED_SCHEMA:
      if (!start->schema_asked)
        {
          start->schema_asked = TRUE;
          aqmp_job_runner_need_schema (self, task, aqmp_job_runner_start_plan);
          return;
        }
      g_task_return_new_error (task, AQMP_JOB_ERROR, AQMP_JOB_ERROR_NOT_A_JOB,
                               "%s is not known to start a job, and QEMU's schema (query-qmp-schema),"
                               " which would tell, is not available", start->command);
      return;
    default:
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
}

/**
 * aqmp_job_runner_start_full_async:
 * @self: an #AqmpJobRunner
 * @command: a job-creating QMP command, such as `blockdev-backup`,
 *   `drive-backup`, `blockdev-mirror`, `drive-mirror`, `block-commit`,
 *   `block-stream`, `blockdev-create`, `x-blockdev-amend`, `snapshot-save`,
 *   `snapshot-load`, `snapshot-delete` or `transaction`
 * @arguments: (nullable): the command's arguments; a `job-id` is added
 *   when missing (for a `transaction`, to each job-creating action's data)
 * @flags: #AqmpJobStartFlags
 * @started_by_uid: who asks, kept in the job store with the job
 * @cancellable: (nullable): a #GCancellable, checked before the command
 *   is sent (once sent, the job may exist and is followed)
 * @callback: (scope async): called once the jobs exist
 * @user_data: data for @callback
 *
 * Records the jobs @command starts in the store, enters them in the
 * runner's table, then sends @command. Completes when QEMU answered: the
 * jobs then exist, and aqmp_job_wait_async() follows each to its end.
 *
 * A command that starts no job is refused before anything is sent or
 * recorded, with %AQMP_JOB_ERROR_NOT_A_JOB. The runner knows QEMU 7.2's
 * job-creating commands and `transaction` actions; any other command is
 * looked up in QEMU's own schema (`query-qmp-schema`, asked once per
 * connection): a command whose arguments have a `job-id` starts a job.
 *
 * For a command that takes `auto-dismiss` the runner sends
 * `auto-dismiss: false` unless the caller gave it, so that QEMU keeps a
 * finished job until its outcome is in the store, even when no runner
 * was there to see it end; the runner dismisses it then (unless
 * %AQMP_JOB_START_FLAGS_NO_DISMISS). A caller who passes
 * `auto-dismiss: true` lets QEMU forget the outcome of a job that ends
 * unwatched, which is then recorded as lost.
 *
 * A `transaction` is one start of all the jobs its actions make, each
 * followed by its own `job-id`; aqmp_job_runner_start_finish_all() gives
 * them all.
 *
 * A `blockdev-backup` started while another backup start of this runner
 * is unanswered waits for that answer, and goes to QEMU with the other
 * starts that waited as one `transaction`, which drains the block layer
 * once for all of them; each start still completes with its own job, or
 * with QEMU's own error for it (a refused transaction is sent again as one
 * start each). A command that needs the job to exist is sent once the
 * start completed, as before.
 *
 * Since: 0.1
 */
void
aqmp_job_runner_start_full_async (AqmpJobRunner       *self,
                                  const gchar         *command,
                                  JsonObject          *arguments,
                                  AqmpJobStartFlags    flags,
                                  guint32              started_by_uid,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  AqmpJobRunnerStart *start;

  g_return_if_fail (AQMP_IS_JOB_RUNNER (self));
  g_return_if_fail (command != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aqmp_job_runner_start_full_async);
  if (g_task_return_error_if_cancelled (task))
    return;
  /* the client's check (the QAPI library's validation, when attached)
   * refuses a missing or malformed job command before anything is recorded */
  if (!aqmp_client_check_command (self->client, command, arguments, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  start = g_new0 (AqmpJobRunnerStart, 1);
  start->command = g_strdup (command);
  start->arguments = arguments != NULL ? aqmp_job_runner_copy_members (arguments) : json_object_new ();
  start->flags = flags;
  start->uid = started_by_uid;
  start->jobs = g_ptr_array_new_with_free_func (g_object_unref);
  g_task_set_task_data (task, start, (GDestroyNotify) aqmp_job_runner_start_free);
  aqmp_job_runner_start_plan (self, task);
}

/**
 * aqmp_job_runner_start_async:
 * @self: an #AqmpJobRunner
 * @command: a job-creating QMP command
 * @arguments: (nullable): the command's arguments
 * @flags: #AqmpJobStartFlags
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called once the jobs exist
 * @user_data: data for @callback
 *
 * aqmp_job_runner_start_full_async() on behalf of this process's user.
 *
 * Since: 0.1
 */
void
aqmp_job_runner_start_async (AqmpJobRunner       *self,
                             const gchar         *command,
                             JsonObject          *arguments,
                             AqmpJobStartFlags    flags,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  aqmp_job_runner_start_full_async (self, command, arguments, flags, (guint32) getuid (), cancellable,
                                    callback, user_data);
}

/**
 * aqmp_job_runner_start_finish_all:
 * @self: an #AqmpJobRunner
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes a start, as aqmp_job_runner_start_finish() does (call one of
 * them).
 *
 * Returns: (transfer container) (element-type AqmpJob) (nullable): every
 *   job the command started, in the order of the transaction's actions;
 *   or %NULL with @error set
 *
 * Since: 0.1
 */
GPtrArray *
aqmp_job_runner_start_finish_all (AqmpJobRunner *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (AQMP_IS_JOB_RUNNER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == aqmp_job_runner_start_full_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * aqmp_job_runner_start_finish:
 * @self: an #AqmpJobRunner
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes aqmp_job_runner_start_async().
 *
 * Returns: (transfer full) (nullable): the job (for a `transaction`, the
 *   first it started), or %NULL with @error set (%AQMP_ERROR_COMMAND when
 *   QEMU refused the command, %AQMP_JOB_ERROR_NOT_A_JOB when it starts
 *   no job, %AQMP_ERROR_INVALID when the client's check refused it before
 *   anything was recorded)
 *
 * Since: 0.1
 */
AqmpJob *
aqmp_job_runner_start_finish (AqmpJobRunner *self, GAsyncResult *result, GError **error)
{
  g_autoptr(GPtrArray) jobs = aqmp_job_runner_start_finish_all (self, result, error);

  if (jobs == NULL || jobs->len == 0)
    return NULL;
  return g_object_ref (g_ptr_array_index (jobs, 0));
}
