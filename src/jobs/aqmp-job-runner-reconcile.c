/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmp-job-error.h"
#include "aqmp-job-private.h"
#include "aqmp-job-runner-private.h"
#include "aqmp-job-store-private.h"

/*
 * Reconciling the store with the QEMU at hand, as a runner does when it
 * starts for a machine or is connected again.
 *
 * A row belongs to this QEMU when its machine identity says so (see
 * aqmp-machine-identity.c); a row written before identities were kept
 * belongs to it when its machine name is the runner's, or spells the
 * same address. Each job QEMU has is matched with the newest row of its
 * job-id on this QEMU that has not seen it dismissed:
 *
 * - an unfinished row is the job: it is re-attached, never duplicated;
 * - a row whose outcome was recorded at `concluded` is the job when QEMU
 *   still has it concluded: the runner only dismisses it, when that is
 *   its to do;
 * - a row ended by a guess (lost, or failed when the connection went) is
 *   reopened: QEMU had the job after all.
 *
 * A job no row claims was started outside aqmp: it is adopted, recorded
 * and followed, but finalizing and dismissing it stay with its owner.
 * Rows of this QEMU that QEMU no longer has, and rows at this address
 * whose QEMU process is gone, are recorded as lost.
 */

/* ----- the identity of the QEMU at hand, asked for once per connection ----- */

typedef struct {
  GTask *task;
  AqmpJobRunnerStep step;
} AqmpJobRunnerWaiter;

typedef struct {
  AqmpJobRunner *runner;
  guint connection;
} AqmpJobRunnerAsk;

static void
aqmp_job_runner_identity_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpJobRunnerAsk *ask = user_data;
  g_autoptr(AqmpJobRunner) self = ask->runner;
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpMachineIdentity) identity = aqmp_machine_identity_query_finish (res, &error);
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&self->identity_waiters);
  g_autofree gchar *described = NULL;

  self->identity_waiters = g_ptr_array_new ();
  if (identity == NULL)
    {
      g_autofree gchar *address = aqmp_machine_address_normalize (aqmp_client_get_address (self->client));
      g_debug ("cannot learn QEMU's identity: %s", error->message);
      identity = aqmp_machine_identity_new (address, NULL, NULL, 0, 0);
    }
  described = aqmp_machine_identity_describe (identity);
  g_debug ("machine %s is %s", self->machine, described);
  g_set_object (&self->identity, identity);
  for (guint i = 0; i < waiters->len; i++)
    {
      AqmpJobRunnerWaiter *waiter = g_ptr_array_index (waiters, i);

      waiter->step (self, waiter->task);
      g_object_unref (waiter->task);
      g_free (waiter);
    }
  /* what was learnt of a connection since closed is not kept */
  if (ask->connection != self->connection)
    g_clear_object (&self->identity);
  g_free (ask);
}

/* @step runs once self->identity is known; without a store it is not needed */
void
aqmp_job_runner_need_identity (AqmpJobRunner *self, GTask *task, AqmpJobRunnerStep step)
{
  AqmpJobRunnerWaiter *waiter;
  AqmpJobRunnerAsk *ask;

  if (self->store == NULL || self->identity != NULL)
    {
      step (self, task);
      return;
    }
  waiter = g_new0 (AqmpJobRunnerWaiter, 1);
  waiter->task = g_object_ref (task);
  waiter->step = step;
  g_ptr_array_add (self->identity_waiters, waiter);
  if (self->identity_waiters->len > 1)
    return;
  ask = g_new0 (AqmpJobRunnerAsk, 1);
  ask->runner = g_object_ref (self);
  ask->connection = self->connection;
  aqmp_machine_identity_query_async (self->client, self->cancellable, aqmp_job_runner_identity_cb, ask);
}

/* ----- which rows are this QEMU's ----- */

/* the row's job ran on the QEMU at hand */
static gboolean
aqmp_job_runner_row_is_here (AqmpJobRunner *self, AqmpJobRecord *row)
{
  g_autoptr(AqmpMachineIdentity) theirs = aqmp_machine_identity_new_from_record (row);
  const gchar *machine = aqmp_job_record_get_machine (row);
  g_autofree gchar *address = NULL;

  if (!aqmp_machine_identity_is_empty (theirs))
    return aqmp_machine_identity_compare (theirs, self->identity) == AQMP_MACHINE_MATCH_SAME;
  /* written before identities were kept */
  if (g_strcmp0 (machine, self->machine) == 0)
    return TRUE;
  address = aqmp_machine_address_normalize (machine);
  return address != NULL && g_strcmp0 (address, aqmp_machine_identity_get_address (self->identity)) == 0;
}

/* ... or on a QEMU that was at this address and has ended since */
static gboolean
aqmp_job_runner_row_was_here (AqmpJobRunner *self, AqmpJobRecord *row)
{
  g_autoptr(AqmpMachineIdentity) theirs = NULL;

  if (aqmp_job_runner_row_is_here (self, row))
    return TRUE;
  theirs = aqmp_machine_identity_new_from_record (row);
  return aqmp_machine_identity_get_address (theirs) != NULL
         && g_strcmp0 (aqmp_machine_identity_get_address (theirs),
                       aqmp_machine_identity_get_address (self->identity)) == 0
         && aqmp_machine_identity_process_gone (theirs);
}

/* the row of the job QEMU has as @id, or NULL for a job no row knows */
static AqmpJobRecord *
aqmp_job_runner_find_row (AqmpJobRunner *self, const gchar *id, AqmpJobStatus qemu_status)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = aqmp_job_store_find_jobs (self->store, id, &error);

  if (rows == NULL)
    {
      aqmp_job_runner_store_warn (self, error);
      return NULL;
    }
  for (guint i = 0; i < rows->len; i++)
    {
      AqmpJobRecord *row = g_ptr_array_index (rows, i);
      AqmpJobStatus status = aqmp_job_record_get_status (row);

      if (!aqmp_job_runner_row_is_here (self, row))
        continue;
      /* dismissed: that was an older job of the same id */
      if (status == AQMP_JOB_STATUS_NULL)
        return NULL;
      if (aqmp_job_record_is_active (row))
        return aqmp_job_record_ref (row);
      /* its outcome is recorded and it waits to be dismissed, unless
       * someone dismissed it and started another with the same id */
      if (status == AQMP_JOB_STATUS_CONCLUDED)
        return qemu_status == AQMP_JOB_STATUS_CONCLUDED ? aqmp_job_record_ref (row) : NULL;
      return aqmp_job_record_ref (row);
    }
  return NULL;
}

/* ----- following what QEMU has ----- */

static void
aqmp_job_runner_claim (GHashTable *claimed, gint64 row)
{
  gint64 *key = g_new (gint64, 1);

  *key = row;
  g_hash_table_add (claimed, key);
}

static GError *
aqmp_job_runner_recorded_outcome (AqmpJobRecord *record, AqmpJobResult result)
{
  const gchar *message = aqmp_job_record_get_error (record);

  if (message == NULL)
    message = aqmp_job_result_to_string (result);
  switch (result)
    {
    case AQMP_JOB_RESULT_SUCCESS:
      return NULL;
    case AQMP_JOB_RESULT_CANCELLED:
      return g_error_new_literal (AQMP_JOB_ERROR, AQMP_JOB_ERROR_CANCELLED, message);
    case AQMP_JOB_RESULT_LOST:
      return g_error_new_literal (AQMP_JOB_ERROR, AQMP_JOB_ERROR_LOST, message);
    default:
      return g_error_new_literal (AQMP_JOB_ERROR, AQMP_JOB_ERROR_FAILED, message);
    }
}

/* a job of a row: how it was started, and where the row left it */
static AqmpJobTracker *
aqmp_job_runner_attach_row (AqmpJobRunner *self, const gchar *id, AqmpJobRecord *record)
{
  const gchar *command = aqmp_job_record_get_command (record);
  gint64 row = aqmp_job_record_get_row (record);
  gboolean adopted = aqmp_job_record_is_adopted (record);
  AqmpJobStartFlags flags = aqmp_job_record_get_start_flags (record);
  gboolean ended = !aqmp_job_record_is_active (record);
  gboolean recorded = ended && aqmp_job_record_get_status (record) == AQMP_JOB_STATUS_CONCLUDED;
  g_autoptr(AqmpMachineIdentity) theirs = aqmp_machine_identity_new_from_record (record);
  g_autoptr(AqmpJob) job = NULL;
  g_autoptr(GError) error = NULL;
  AqmpJobTracker *tracker;

  /* recorded and left for someone else to dismiss: nothing to do here */
  if (recorded && aqmp_job_tracker_leaves_dismiss (adopted, flags))
    return NULL;
  job = aqmp_job_new (self->client, id, self->machine, adopted ? NULL : command,
                      aqmp_job_record_get_created (record));
  aqmp_job_set_store_id (job, row);
  aqmp_job_set_started_by_uid (job, aqmp_job_record_get_started_by_uid (record));
  aqmp_job_set_status (job, aqmp_job_record_get_status (record));
  /* ended by a guess (the connection went, or the job was thought lost),
   * yet QEMU has it */
  if (ended && !recorded && !aqmp_job_store_reopen_job (self->store, row, &error))
    aqmp_job_runner_store_warn (self, g_steal_pointer (&error));
  if (aqmp_machine_identity_is_empty (theirs) && !aqmp_job_store_set_job_identity (self->store, row, self->identity, &error))
    aqmp_job_runner_store_warn (self, error);
  if (adopted)
    {
      tracker = aqmp_job_tracker_new_adopted (job);
    }
  else
    {
      AqmpJobSettings settings = aqmp_job_commands_settings (command, aqmp_job_record_get_arguments (record), id);
      tracker = aqmp_job_tracker_new (job, flags, &settings);
    }
  if (recorded)
    aqmp_job_tracker_set_recorded (tracker, aqmp_job_record_get_result (record),
                                   aqmp_job_runner_recorded_outcome (record, aqmp_job_record_get_result (record)));
  return tracker;
}

/* a job no row knows: started outside aqmp */
static AqmpJobTracker *
aqmp_job_runner_adopt (AqmpJobRunner *self, const gchar *id)
{
  g_autoptr(AqmpJob) job = aqmp_job_new (self->client, id, self->machine, NULL, g_get_real_time ());
  g_autoptr(GError) error = NULL;

  if (self->store != NULL)
    {
      gint64 row = aqmp_job_store_add_job_full (self->store, self->machine, self->identity, id, "(adopted)",
                                                NULL, 0, -1, aqmp_job_get_start_time (job), &error);
      if (row == 0)
        aqmp_job_runner_store_warn (self, error);
      aqmp_job_set_store_id (job, row);
    }
  return aqmp_job_tracker_new_adopted (job);
}

/* a job QEMU has: find or make its row, then follow it */
static AqmpJob *
aqmp_job_runner_attach (AqmpJobRunner *self, JsonObject *info, GHashTable *claimed)
{
  const gchar *id = aqmp_json_get_string (info, "id");
  AqmpJobStatus status = aqmp_job_status_from_string (aqmp_json_get_string (info, "status"));
  g_autoptr(AqmpJobRecord) record = self->store != NULL ? aqmp_job_runner_find_row (self, id, status) : NULL;
  g_autoptr(AqmpJobTracker) tracker = NULL;
  g_autoptr(AqmpJob) job = NULL;

  if (record != NULL)
    {
      aqmp_job_runner_claim (claimed, aqmp_job_record_get_row (record));
      tracker = aqmp_job_runner_attach_row (self, id, record);
    }
  else
    tracker = aqmp_job_runner_adopt (self, id);
  if (tracker == NULL)
    return NULL;
  job = g_object_ref (aqmp_job_tracker_get_job (tracker));
  g_debug ("attaching to job %s (%s)%s", id, aqmp_job_status_to_string (status),
           aqmp_job_tracker_is_adopted (tracker) ? ", started outside aqmp" : "");
  aqmp_job_runner_track (self, tracker);
  aqmp_job_tracker_set_started (tracker);
  /* a status unchanged since the store saw it is no new transition, yet
   * a job found waiting for the runner gets what it waits for */
  if (aqmp_job_runner_apply_info (self, tracker, info, TRUE))
    aqmp_job_runner_act (self, tracker);
  return g_steal_pointer (&job);
}

/* the rows of this QEMU's jobs that QEMU no longer has */
static void
aqmp_job_runner_mark_lost (AqmpJobRunner *self, GHashTable *claimed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) active = aqmp_job_store_list_jobs (self->store, NULL, TRUE, &error);
  GHashTableIter iter;
  AqmpJobTracker *tracker;

  if (active == NULL)
    {
      aqmp_job_runner_store_warn (self, error);
      return;
    }
  g_hash_table_iter_init (&iter, self->trackers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &tracker))
    aqmp_job_runner_claim (claimed, aqmp_job_get_store_id (aqmp_job_tracker_get_job (tracker)));
  for (guint i = 0; i < active->len; i++)
    {
      AqmpJobRecord *record = g_ptr_array_index (active, i);
      gint64 row = aqmp_job_record_get_row (record);
      g_autofree gchar *msg = NULL;
      g_autoptr(GError) store_error = NULL;

      if (g_hash_table_contains (claimed, &row) || !aqmp_job_runner_row_was_here (self, record))
        continue;
      msg = g_strdup_printf ("QEMU no longer has job %s; its outcome is unknown",
                             aqmp_job_record_get_job_id (record));
      g_debug ("%s", msg);
      if (!aqmp_job_store_finish_job (self->store, row, AQMP_JOB_RESULT_LOST, msg, g_get_real_time (), &store_error))
        aqmp_job_runner_store_warn (self, g_steal_pointer (&store_error));
    }
}

static void
aqmp_job_runner_reconciled_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  AqmpJobRunner *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_finish (AQMP_CLIENT (source), res, &error);
  g_autoptr(GPtrArray) attached = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) claimed = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  JsonArray *jobs;

  if (value == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  jobs = JSON_NODE_HOLDS_ARRAY (value) ? json_node_get_array (value) : NULL;
  for (guint i = 0; jobs != NULL && i < json_array_get_length (jobs); i++)
    {
      JsonObject *info = json_array_get_object_element (jobs, i);
      const gchar *id = aqmp_json_get_string (info, "id");
      AqmpJobTracker *tracker;
      AqmpJob *job;

      if (id == NULL)
        continue;
      tracker = g_hash_table_lookup (self->trackers, id);
      if (tracker != NULL)
        {
          g_ptr_array_add (attached, g_object_ref (aqmp_job_tracker_get_job (tracker)));
          continue;
        }
      job = aqmp_job_runner_attach (self, info, claimed);
      if (job != NULL)
        g_ptr_array_add (attached, job);
    }
  if (self->store != NULL)
    aqmp_job_runner_mark_lost (self, claimed);
  aqmp_job_runner_update_polling (self);
  g_task_return_pointer (task, g_steal_pointer (&attached), (GDestroyNotify) g_ptr_array_unref);
}

static void
aqmp_job_runner_reconcile_query (AqmpJobRunner *self, GTask *task)
{
  if (g_task_return_error_if_cancelled (task))
    return;
  aqmp_client_execute_async (self->client, "query-jobs", NULL, g_task_get_cancellable (task),
                             aqmp_job_runner_reconciled_cb, g_object_ref (task));
}

/**
 * aqmp_job_runner_reconcile_async:
 * @self: an #AqmpJobRunner
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called once reconciled
 * @user_data: data for @callback
 *
 * Brings the store and the runner in line with QEMU, as a runner should
 * when it starts for a machine. The machine is identified by its
 * normalised address, the QEMU process's pid (on a Unix socket), and
 * QEMU's UUID and name, so that its jobs are found whichever address or
 * monitor reaches it. Every job QEMU has is followed from now on, on its
 * row in the store (a job no row knows is adopted and recorded); a job
 * that ended while no runner watched it, and that QEMU kept concluded,
 * gets its real outcome recorded, then is dismissed. Jobs the store shows
 * as active on this machine that QEMU no longer has are recorded as lost.
 *
 * Since: 0.1
 */
void
aqmp_job_runner_reconcile_async (AqmpJobRunner       *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (AQMP_IS_JOB_RUNNER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aqmp_job_runner_reconcile_async);
  if (g_task_return_error_if_cancelled (task))
    return;
  aqmp_job_runner_need_identity (self, task, aqmp_job_runner_reconcile_query);
}

/**
 * aqmp_job_runner_reconcile_finish:
 * @self: an #AqmpJobRunner
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes aqmp_job_runner_reconcile_async().
 *
 * Returns: (transfer container) (element-type AqmpJob) (nullable): the jobs
 *   QEMU has, now followed by the runner
 *
 * Since: 0.1
 */
GPtrArray *
aqmp_job_runner_reconcile_finish (AqmpJobRunner *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (AQMP_IS_JOB_RUNNER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == aqmp_job_runner_reconcile_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
