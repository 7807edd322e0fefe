/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <aqmp/aqmp-qmp.h>

#include "aqmp-job-error.h"
#include "aqmp-job-private.h"
#include "aqmp-job-runner-private.h"
#include "aqmp-job-store-private.h"

/**
 * AqmpJobRunner:
 *
 * Starts QEMU jobs on an #AqmpClient and follows them to their end,
 * recording them in an #AqmpJobStore.
 *
 * The runner connects to the client's job events once and routes each by
 * the job's id (the `id` of `JOB_STATUS_CHANGE`, the `device` of the
 * `BLOCK_JOB_*` events, which is the job id for every job with a
 * `job-id`). A job is entered in the runner's table before its command is
 * sent, so not even the events that precede the command's reply are lost.
 *
 * Every `blockdev-backup` QEMU runs drains the block layer, which pauses
 * and resumes every job already running, so N backups started one after
 * another cost about N² events. While one backup start is unanswered, the
 * runner keeps the next ones back and sends them together as the actions
 * of one `transaction` (completion mode `individual`: the jobs stay
 * independent), which drains once. A job of such a transaction has its
 * events held until QEMU answered; if QEMU refuses the transaction (which
 * may make jobs and end them again), the events are dropped and each start
 * is sent again alone, so that each gets the answer it would have had.
 *
 * While jobs run, one `query-jobs` per poll interval updates the progress
 * of all of them; a new poll is only sent once the last one was answered,
 * and polling stops when no job runs.
 *
 * The store gets every status transition QEMU reports, a progress
 * checkpoint per job at most once per checkpoint interval, and the result.
 * Transitions, checkpoints and job types are queued and committed together
 * once per main-loop iteration, from a high-priority idle source: a burst
 * of events (jobs started one after another make QEMU pause and resume
 * every running one) comes within a few iterations, and one commit per
 * event would cost more than everything else. The queue is written before
 * the main loop waits again, and at once before a result the job's
 * waiters are told, when the client disconnects and when the runner goes
 * away; a process killed between an iteration and the next loses at most
 * that iteration's transitions. The result of a concluded job the runner
 * dismisses is queued too, and its `job-dismiss` sent only after the
 * commit that writes it: QEMU forgets no job before its outcome is stored.
 * When QEMU goes away mid-job the job fails with
 * %AQMP_JOB_ERROR_DISCONNECTED and is recorded as failed; when the client
 * is merely closed by its owner the job is left active in the store, so
 * that aqmp_job_runner_reconcile_async() can pick it up again later.
 *
 * Every operation has a `_sync` form (aqmp_job_runner_start_sync(),
 * aqmp_job_runner_reconcile_sync(), ...), which runs the async one as the
 * client's own sync calls do, through aqmp_client_run_sync().
 *
 * Since: 0.1
 */

enum {
  PROP_0,
  PROP_CLIENT,
  PROP_STORE,
  PROP_MACHINE,
  PROP_POLL_INTERVAL,
  PROP_CHECKPOINT_INTERVAL,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

G_DEFINE_FINAL_TYPE (AqmpJobRunner, aqmp_job_runner, G_TYPE_OBJECT)

static void aqmp_job_runner_stop_polling (AqmpJobRunner *self);
static void aqmp_job_runner_status_change (AqmpJobRunner *self, AqmpJobTracker *tracker, AqmpEvent *event);
static void aqmp_job_runner_block_job (AqmpJobRunner *self, AqmpJobTracker *tracker, AqmpEvent *event);

/* ----- the store; a failing store is reported but never stops a job ----- */

void
aqmp_job_runner_store_warn (AqmpJobRunner *self, GError *error)
{
  if (error != NULL)
    g_warning ("job store %s: %s", aqmp_job_store_get_path (self->store), error->message);
}

/* the queue, then the dismisses that waited for the results in it */
static void
aqmp_job_runner_flush (AqmpJobRunner *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) dismiss = NULL;

  if (self->flush_source != NULL)
    {
      g_source_destroy (self->flush_source);
      g_clear_pointer (&self->flush_source, g_source_unref);
    }
  if (self->store != NULL && !aqmp_job_store_flush (self->store, &error))
    aqmp_job_runner_store_warn (self, error);
  if (self->dismiss_after_flush->len == 0 || self->client == NULL)
    return;
  dismiss = g_steal_pointer (&self->dismiss_after_flush);
  self->dismiss_after_flush = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < dismiss->len; i++)
    aqmp_job_runner_send_verb (self, g_ptr_array_index (dismiss, i), AQMP_JOB_ACTION_DISMISS);
}

static gboolean
aqmp_job_runner_flush_cb (gpointer user_data)
{
  AqmpJobRunner *self = user_data;

  g_clear_pointer (&self->flush_source, g_source_unref);
  aqmp_job_runner_flush (self);
  return G_SOURCE_REMOVE;
}

/* after a write was queued: the rest of this iteration's writes join it */
static void
aqmp_job_runner_schedule_flush (AqmpJobRunner *self)
{
  if (self->flush_source != NULL)
    return;
  self->flush_source = g_idle_source_new ();
  g_source_set_priority (self->flush_source, G_PRIORITY_HIGH);
  g_source_set_name (self->flush_source, "aqmp-job-runner-flush");
  g_source_set_callback (self->flush_source, aqmp_job_runner_flush_cb, self, NULL);
  g_source_attach (self->flush_source, aqmp_client_get_context (self->client));
}

static void
aqmp_job_runner_store_transition (AqmpJobRunner *self, AqmpJob *job, AqmpJobStatus status, gint64 timestamp)
{
  gint64 row = aqmp_job_get_store_id (job);

  if (self->store == NULL || row == 0)
    return;
  aqmp_job_store_queue_transition (self->store, row, status, timestamp > 0 ? timestamp : g_get_real_time ());
  aqmp_job_runner_schedule_flush (self);
}

static void
aqmp_job_runner_store_checkpoint (AqmpJobRunner *self, AqmpJob *job, gint64 current, gint64 total)
{
  gint64 row = aqmp_job_get_store_id (job);

  if (self->store == NULL || row == 0)
    return;
  aqmp_job_store_queue_checkpoint (self->store, row, current, total, g_get_real_time ());
  aqmp_job_runner_schedule_flush (self);
}

/* the last progress goes with the result, in its transaction */
static void
aqmp_job_runner_queue_last_checkpoint (AqmpJobRunner *self, AqmpJob *job, gint64 row)
{
  if (job != NULL && aqmp_job_get_total_progress (job) > 0)
    aqmp_job_store_queue_checkpoint (self->store, row, aqmp_job_get_current_progress (job),
                                     aqmp_job_get_total_progress (job), g_get_real_time ());
}

void
aqmp_job_runner_store_finish (AqmpJobRunner *self, AqmpJob *job, AqmpJobResult result,
                              const gchar *message)
{
  g_autoptr(GError) error = NULL;
  gint64 row = aqmp_job_get_store_id (job);

  if (self->store == NULL || row == 0)
    return;
  /* queued without a flush of its own: finishing writes the queue, this
   * checkpoint and the result in one transaction */
  aqmp_job_runner_queue_last_checkpoint (self, job, row);
  if (!aqmp_job_store_finish_job (self->store, row, result, message, g_get_real_time (), &error))
    aqmp_job_runner_store_warn (self, error);
}

static void
aqmp_job_runner_store_type (AqmpJobRunner *self, AqmpJob *job, const gchar *type)
{
  gint64 row = aqmp_job_get_store_id (job);

  if (type == NULL || g_strcmp0 (aqmp_job_get_job_type (job), type) == 0)
    return;
  aqmp_job_set_job_type (job, type);
  if (self->store == NULL || row == 0)
    return;
  aqmp_job_store_queue_job_type (self->store, row, type);
  aqmp_job_runner_schedule_flush (self);
}

/* the outcome goes to the store as soon as it is decided: before the job
 * is dismissed, so that a runner that goes away meanwhile loses nothing */
static void
aqmp_job_runner_record (AqmpJobRunner *self, AqmpJobTracker *tracker)
{
  AqmpJob *job = aqmp_job_tracker_get_job (tracker);
  const GError *outcome;

  if (!aqmp_job_tracker_record (tracker))
    return;
  outcome = aqmp_job_tracker_get_outcome (tracker);
  g_debug ("job %s ended: %s", aqmp_job_get_id (job),
           aqmp_job_result_to_string (aqmp_job_tracker_get_result (tracker)));
  aqmp_job_runner_store_finish (self, job, aqmp_job_tracker_get_result (tracker),
                                outcome != NULL ? outcome->message : NULL);
}

/* a concluded job the runner dismisses: its outcome is queued, and the
 * dismiss waits for the flush that writes it, so that the jobs ending in
 * one iteration share one transaction and QEMU forgets none of them
 * before its outcome is in the store */
static void
aqmp_job_runner_record_then_dismiss (AqmpJobRunner *self, AqmpJobTracker *tracker)
{
  AqmpJob *job = aqmp_job_tracker_get_job (tracker);
  gint64 row = aqmp_job_get_store_id (job);
  const GError *outcome;

  if (self->store == NULL || row == 0 || !aqmp_job_tracker_record (tracker))
    {
      aqmp_job_runner_record (self, tracker);
      aqmp_job_runner_send_verb (self, aqmp_job_get_id (job), AQMP_JOB_ACTION_DISMISS);
      return;
    }
  outcome = aqmp_job_tracker_get_outcome (tracker);
  g_debug ("job %s ended: %s", aqmp_job_get_id (job),
           aqmp_job_result_to_string (aqmp_job_tracker_get_result (tracker)));
  aqmp_job_runner_queue_last_checkpoint (self, job, row);
  aqmp_job_store_queue_finish (self->store, row, aqmp_job_tracker_get_result (tracker),
                               outcome != NULL ? outcome->message : NULL, g_get_real_time ());
  g_ptr_array_add (self->dismiss_after_flush, g_strdup (aqmp_job_get_id (job)));
  aqmp_job_runner_schedule_flush (self);
}

/* ----- the jobs followed ----- */

void
aqmp_job_runner_track (AqmpJobRunner *self, AqmpJobTracker *tracker)
{
  g_hash_table_insert (self->trackers, g_strdup (aqmp_job_get_id (aqmp_job_tracker_get_job (tracker))),
                       g_object_ref (tracker));
}

/* the job ended: out of the table first, as its waiters may start the
 * next job at once */
static void
aqmp_job_runner_finish (AqmpJobRunner *self, AqmpJobTracker *tracker)
{
  g_autoptr(AqmpJobTracker) keep = g_object_ref (tracker);

  aqmp_job_runner_record (self, tracker);
  g_hash_table_remove (self->trackers, aqmp_job_get_id (aqmp_job_tracker_get_job (tracker)));
  aqmp_job_tracker_end (keep);
  aqmp_job_runner_update_polling (self);
}

/* the next connection may reach another QEMU, or another version of it */
void
aqmp_job_runner_forget_connection (AqmpJobRunner *self)
{
  self->connection++;
  g_clear_object (&self->identity);
  g_clear_object (&self->schema);
  self->schema_known = FALSE;
}

/* ----- acting on the job's behalf (the verbs: aqmp-job-runner-control.c) ----- */

static void aqmp_job_runner_query_outcome (AqmpJobRunner *self, AqmpJobTracker *tracker);

/* does the step the tracker gave; FALSE when that ended the job, and the
 * tracker is gone from the table */
static gboolean
aqmp_job_runner_do (AqmpJobRunner *self, AqmpJobTracker *tracker, AqmpJobTrackerStep step)
{
  const gchar *id = aqmp_job_get_id (aqmp_job_tracker_get_job (tracker));

  switch (step)
    {
    case AQMP_JOB_TRACKER_WAIT:
      break;
    case AQMP_JOB_TRACKER_COMPLETE:
      aqmp_job_runner_send_verb (self, id, AQMP_JOB_ACTION_COMPLETE);
      break;
    case AQMP_JOB_TRACKER_FINALIZE:
      aqmp_job_runner_send_verb (self, id, AQMP_JOB_ACTION_FINALIZE);
      break;
    case AQMP_JOB_TRACKER_QUERY:
      aqmp_job_runner_query_outcome (self, tracker);
      break;
    case AQMP_JOB_TRACKER_RECORD:
      aqmp_job_runner_record (self, tracker);
      break;
    case AQMP_JOB_TRACKER_DISMISS:
      aqmp_job_runner_record_then_dismiss (self, tracker);
      break;
    case AQMP_JOB_TRACKER_FINISH:
      aqmp_job_runner_finish (self, tracker);
      return FALSE;
    }
  return TRUE;
}

/* what the job's status asks of the runner now; FALSE when the job ended */
gboolean
aqmp_job_runner_act (AqmpJobRunner *self, AqmpJobTracker *tracker)
{
  return aqmp_job_runner_do (self, tracker, aqmp_job_tracker_next_step (tracker));
}

/* a concluded job that QEMU keeps: its error, from query-jobs */
static void
aqmp_job_runner_outcome_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(AqmpJobRunnerCall) call = user_data;
  AqmpJobRunner *self = call->runner;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_finish (AQMP_CLIENT (source), res, &error);
  AqmpJobTracker *tracker = g_hash_table_lookup (self->trackers, call->id);
  JsonArray *jobs;
  gboolean present = FALSE;

  if (tracker == NULL)
    return;
  if (value == NULL)
    {
      g_debug ("query-jobs for concluded job %s failed: %s", call->id, error->message);
      aqmp_job_tracker_answered (tracker, FALSE);
      return;
    }
  jobs = JSON_NODE_HOLDS_ARRAY (value) ? json_node_get_array (value) : NULL;
  for (guint i = 0; jobs != NULL && i < json_array_get_length (jobs); i++)
    {
      JsonObject *info = json_array_get_object_element (jobs, i);
      if (info != NULL && g_strcmp0 (aqmp_json_get_string (info, "id"), call->id) == 0)
        {
          aqmp_job_runner_apply_info (self, tracker, info, FALSE);
          present = TRUE;
        }
    }
  /* not present: already dismissed by QEMU, the null event came first */
  aqmp_job_runner_do (self, tracker, aqmp_job_tracker_answered (tracker, present));
}

static void
aqmp_job_runner_query_outcome (AqmpJobRunner *self, AqmpJobTracker *tracker)
{
  const gchar *id = aqmp_job_get_id (aqmp_job_tracker_get_job (tracker));

  aqmp_client_execute_async (self->client, "query-jobs", NULL, self->cancellable,
                             aqmp_job_runner_outcome_cb, aqmp_job_runner_call_new (self, id, NULL));
}

/* the status QEMU reported; returns FALSE when the runner no longer
 * follows the job (it ended) */
static gboolean
aqmp_job_runner_set_status (AqmpJobRunner *self, AqmpJobTracker *tracker, AqmpJobStatus status,
                            gint64 timestamp)
{
  AqmpJob *job = aqmp_job_tracker_get_job (tracker);

  if (!aqmp_job_set_status (job, status))
    return TRUE;
  /* g_debug() formats even when it drops; a burst makes that count */
  if (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
    g_debug ("job %s is %s", aqmp_job_get_id (job), aqmp_job_status_to_string (status));
  aqmp_job_runner_store_transition (self, job, status, timestamp);
  aqmp_job_tracker_note_status (tracker, status);
  /* the tracker may be gone after this */
  if (!aqmp_job_runner_act (self, tracker))
    return FALSE;
  /* while polling, a job that goes on running changes nothing: only an end
   * may stop it (a pause/resume storm is thousands of these); each poll
   * checks again */
  if (self->poll_source == NULL || !aqmp_job_status_is_active (status))
    aqmp_job_runner_update_polling (self);
  return TRUE;
}

/* one entry of query-jobs; returns FALSE when the job ended */
gboolean
aqmp_job_runner_apply_info (AqmpJobRunner *self, AqmpJobTracker *tracker, JsonObject *info,
                            gboolean with_status)
{
  AqmpJob *job = aqmp_job_tracker_get_job (tracker);
  gint64 current = aqmp_json_get_int (info, "current-progress", -1);
  gint64 total = aqmp_json_get_int (info, "total-progress", -1);
  gint64 now = g_get_monotonic_time ();

  aqmp_job_runner_store_type (self, job, aqmp_json_get_string (info, "type"));
  aqmp_job_tracker_note_error (tracker, aqmp_json_get_string (info, "error"));
  if (current >= 0 && total >= 0)
    {
      aqmp_job_set_progress (job, current, total, now);
      if (self->store != NULL && aqmp_job_get_store_id (job) != 0
          && aqmp_job_tracker_checkpoint_due (tracker, now, self->checkpoint_interval))
        aqmp_job_runner_store_checkpoint (self, job, current, total);
    }
  if (!with_status)
    return TRUE;
  return aqmp_job_runner_set_status (self, tracker,
                                     aqmp_job_status_from_string (aqmp_json_get_string (info, "status")), 0);
}

/* ----- events ----- */

static AqmpJobTracker *
aqmp_job_runner_tracker_for_event (AqmpJobRunner *self, AqmpEvent *event, const gchar *member)
{
  const gchar *id = aqmp_json_get_string (aqmp_event_get_data (event), member);

  return id != NULL ? g_hash_table_lookup (self->trackers, id) : NULL;
}

static void
aqmp_job_runner_status_change_cb (AqmpClient *client, AqmpEvent *event, gpointer user_data)
{
  AqmpJobRunner *self = user_data;
  AqmpJobTracker *tracker = aqmp_job_runner_tracker_for_event (self, event, "id");

  if (tracker == NULL || aqmp_job_tracker_keep_event (tracker, event))
    return;
  aqmp_job_runner_status_change (self, tracker, event);
}

static void
aqmp_job_runner_block_job_cb (AqmpClient *client, AqmpEvent *event, gpointer user_data)
{
  AqmpJobRunner *self = user_data;
  AqmpJobTracker *tracker = aqmp_job_runner_tracker_for_event (self, event, "device");

  if (tracker == NULL || aqmp_job_tracker_keep_event (tracker, event))
    return;
  aqmp_job_runner_block_job (self, tracker, event);
}

/* the events a tracker held while its start was unanswered, as if they
 * came now; stops when the job ends */
void
aqmp_job_runner_replay (AqmpJobRunner *self, AqmpJobTracker *tracker, GPtrArray *events)
{
  const gchar *id = aqmp_job_get_id (aqmp_job_tracker_get_job (tracker));

  for (guint i = 0; i < events->len; i++)
    {
      AqmpEvent *event = g_ptr_array_index (events, i);

      if (g_hash_table_lookup (self->trackers, id) != tracker)
        return;
      if (g_strcmp0 (aqmp_event_get_name (event), "JOB_STATUS_CHANGE") == 0)
        aqmp_job_runner_status_change (self, tracker, event);
      else
        aqmp_job_runner_block_job (self, tracker, event);
    }
}

static void
aqmp_job_runner_status_change (AqmpJobRunner *self, AqmpJobTracker *tracker, AqmpEvent *event)
{
  const gchar *status = aqmp_json_get_string (aqmp_event_get_data (event), "status");

  aqmp_job_runner_set_status (self, tracker, aqmp_job_status_from_string (status), aqmp_event_get_timestamp (event));
}

static void
aqmp_job_runner_block_job (AqmpJobRunner *self, AqmpJobTracker *tracker, AqmpEvent *event)
{
  const gchar *name = aqmp_event_get_name (event);
  JsonObject *data = aqmp_event_get_data (event);
  gint64 offset = aqmp_json_get_int (data, "offset", -1);
  gint64 len = aqmp_json_get_int (data, "len", -1);
  AqmpJob *job = aqmp_job_tracker_get_job (tracker);

  aqmp_job_runner_store_type (self, job, aqmp_json_get_string (data, "type"));
  if (offset >= 0 && len >= 0)
    aqmp_job_set_progress (job, offset, len, g_get_monotonic_time ());

  if (g_strcmp0 (name, "BLOCK_JOB_COMPLETED") == 0)
    aqmp_job_tracker_note_block_end (tracker, FALSE, aqmp_json_get_string (data, "error"));
  else if (g_strcmp0 (name, "BLOCK_JOB_CANCELLED") == 0)
    aqmp_job_tracker_note_block_end (tracker, TRUE, NULL);
  else if (g_strcmp0 (name, "BLOCK_JOB_ERROR") == 0)
    {
      g_autoptr(GError) io_error = NULL;
      io_error = g_error_new (AQMP_JOB_ERROR, AQMP_JOB_ERROR_FAILED, "I/O error on %s (action: %s)",
                              aqmp_json_get_string (data, "operation"), aqmp_json_get_string (data, "action"));
      aqmp_job_set_error (job, io_error);
    }
}

/*
 * Lets go of every job: one whose outcome is recorded ends with it; when
 * QEMU went away (@cause) the others failed; otherwise they are left
 * active in the store, for a later reconcile, with @detached.
 */
static void
aqmp_job_runner_let_go (AqmpJobRunner *self, const GError *cause, const gchar *detached)
{
  g_autoptr(GPtrArray) trackers = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  AqmpJobTracker *each;

  g_hash_table_iter_init (&iter, self->trackers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &each))
    g_ptr_array_add (trackers, g_object_ref (each));
  g_hash_table_remove_all (self->trackers);
  aqmp_job_runner_stop_polling (self);
  for (guint i = 0; i < trackers->len; i++)
    {
      AqmpJobTracker *tracker = g_ptr_array_index (trackers, i);
      AqmpJob *job = aqmp_job_tracker_get_job (tracker);
      const gchar *id = aqmp_job_get_id (job);
      g_autoptr(GError) error = NULL;

      if (aqmp_job_tracker_is_recorded (tracker))
        {
          aqmp_job_tracker_end (tracker);
        }
      else if (cause != NULL)
        {
          error = g_error_new (AQMP_JOB_ERROR, AQMP_JOB_ERROR_DISCONNECTED,
                               "QEMU went away while job %s was running: %s", id, cause->message);
          aqmp_job_runner_store_finish (self, job, AQMP_JOB_RESULT_FAILED, error->message);
          aqmp_job_end (job, AQMP_JOB_RESULT_FAILED, error);
        }
      else
        {
          error = g_error_new (AQMP_JOB_ERROR, AQMP_JOB_ERROR_DISCONNECTED, "stopped following job %s: %s",
                               id, detached);
          aqmp_job_detach (job, error);
        }
    }
}

static void
aqmp_job_runner_disconnected_cb (AqmpClient *client, const GError *cause, gpointer user_data)
{
  AqmpJobRunner *self = user_data;

  aqmp_job_runner_flush (self);
  aqmp_job_runner_forget_connection (self);
  aqmp_job_runner_let_go (self, cause, "the connection to QEMU was closed; the job may still be running");
}

/* ----- polling ----- */

static gboolean
aqmp_job_runner_has_running (AqmpJobRunner *self)
{
  GHashTableIter iter;
  AqmpJobTracker *tracker;

  g_hash_table_iter_init (&iter, self->trackers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &tracker))
    {
      if (aqmp_job_tracker_is_running (tracker))
        return TRUE;
    }
  return FALSE;
}

static void
aqmp_job_runner_poll_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(AqmpJobRunner) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_finish (AQMP_CLIENT (source), res, &error);
  JsonArray *jobs;

  self->poll_in_flight = FALSE;
  if (value == NULL)
    {
      g_debug ("query-jobs failed: %s", error->message);
      return;
    }
  jobs = JSON_NODE_HOLDS_ARRAY (value) ? json_node_get_array (value) : NULL;
  for (guint i = 0; jobs != NULL && i < json_array_get_length (jobs); i++)
    {
      JsonObject *info = json_array_get_object_element (jobs, i);
      const gchar *id = aqmp_json_get_string (info, "id");
      AqmpJobTracker *tracker = id != NULL ? g_hash_table_lookup (self->trackers, id) : NULL;

      /* events carry the status; the poll brings progress and errors */
      if (tracker != NULL && aqmp_job_tracker_is_started (tracker))
        aqmp_job_runner_apply_info (self, tracker, info, FALSE);
    }
  aqmp_job_runner_update_polling (self);
}

void
aqmp_job_runner_poll_now (AqmpJobRunner *self)
{
  if (self->poll_in_flight || aqmp_client_get_state (self->client) != AQMP_STATE_RUNNING)
    return;
  self->poll_in_flight = TRUE;
  aqmp_client_execute_async (self->client, "query-jobs", NULL, self->cancellable,
                             aqmp_job_runner_poll_cb, g_object_ref (self));
}

static gboolean
aqmp_job_runner_poll_timeout_cb (gpointer user_data)
{
  AqmpJobRunner *self = user_data;

  aqmp_job_runner_poll_now (self);
  return G_SOURCE_CONTINUE;
}

static void
aqmp_job_runner_stop_polling (AqmpJobRunner *self)
{
  if (self->poll_source == NULL)
    return;
  g_source_destroy (self->poll_source);
  g_clear_pointer (&self->poll_source, g_source_unref);
}

void
aqmp_job_runner_update_polling (AqmpJobRunner *self)
{
  if (!aqmp_job_runner_has_running (self))
    {
      aqmp_job_runner_stop_polling (self);
      return;
    }
  if (self->poll_source != NULL)
    return;
  self->poll_source = g_timeout_source_new (self->poll_interval);
  g_source_set_name (self->poll_source, "aqmp-job-runner-poll");
  g_source_set_callback (self->poll_source, aqmp_job_runner_poll_timeout_cb, self, NULL);
  g_source_attach (self->poll_source, aqmp_client_get_context (self->client));
}

/* ----- accessors ----- */

/**
 * aqmp_job_runner_new:
 * @client: an #AqmpClient, connected or not yet
 * @store: (nullable): where to record jobs, or %NULL to record nothing
 * @machine: the name of the machine in the store, such as the address
 *   the client connects to
 *
 * Creates a runner. It follows the jobs it starts and, after
 * aqmp_job_runner_reconcile_async(), those QEMU already has.
 *
 * Returns: (transfer full): a new #AqmpJobRunner
 *
 * Since: 0.1
 */
AqmpJobRunner *
aqmp_job_runner_new (AqmpClient *client, AqmpJobStore *store, const gchar *machine)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (client), NULL);
  g_return_val_if_fail (store == NULL || AQMP_IS_JOB_STORE (store), NULL);
  g_return_val_if_fail (machine != NULL, NULL);

  return g_object_new (AQMP_TYPE_JOB_RUNNER, "client", client, "store", store, "machine", machine, NULL);
}

/**
 * aqmp_job_runner_get_client:
 * @self: an #AqmpJobRunner
 *
 * Returns the client.
 *
 * Returns: (transfer none): the client
 *
 * Since: 0.1
 */
AqmpClient *
aqmp_job_runner_get_client (AqmpJobRunner *self)
{
  g_return_val_if_fail (AQMP_IS_JOB_RUNNER (self), NULL);
  return self->client;
}

/**
 * aqmp_job_runner_get_store:
 * @self: an #AqmpJobRunner
 *
 * Returns the store.
 *
 * Returns: (transfer none) (nullable): the store
 *
 * Since: 0.1
 */
AqmpJobStore *
aqmp_job_runner_get_store (AqmpJobRunner *self)
{
  g_return_val_if_fail (AQMP_IS_JOB_RUNNER (self), NULL);
  return self->store;
}

/**
 * aqmp_job_runner_get_machine:
 * @self: an #AqmpJobRunner
 *
 * Returns the machine's name in the store.
 *
 * Returns: the machine's name in the store
 *
 * Since: 0.1
 */
const gchar *
aqmp_job_runner_get_machine (AqmpJobRunner *self)
{
  g_return_val_if_fail (AQMP_IS_JOB_RUNNER (self), NULL);
  return self->machine;
}

/**
 * aqmp_job_runner_set_poll_interval:
 * @self: an #AqmpJobRunner
 * @interval_ms: milliseconds between two `query-jobs`, at least 10
 *
 * Sets how often progress is polled while jobs run.
 *
 * Since: 0.1
 */
void
aqmp_job_runner_set_poll_interval (AqmpJobRunner *self, guint interval_ms)
{
  g_return_if_fail (AQMP_IS_JOB_RUNNER (self));

  interval_ms = MAX (interval_ms, 10);
  if (self->poll_interval == interval_ms)
    return;
  self->poll_interval = interval_ms;
  /* the next tick uses the new interval */
  aqmp_job_runner_stop_polling (self);
  aqmp_job_runner_update_polling (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_POLL_INTERVAL]);
}

/**
 * aqmp_job_runner_get_poll_interval:
 * @self: an #AqmpJobRunner
 *
 * Returns milliseconds between two polls.
 *
 * Returns: milliseconds between two polls
 *
 * Since: 0.1
 */
guint
aqmp_job_runner_get_poll_interval (AqmpJobRunner *self)
{
  g_return_val_if_fail (AQMP_IS_JOB_RUNNER (self), 0);
  return self->poll_interval;
}

/**
 * aqmp_job_runner_set_checkpoint_interval:
 * @self: an #AqmpJobRunner
 * @interval_ms: the least time between two progress checkpoints of one
 *   job in the store
 *
 * Bounds how often progress is written to the store.
 *
 * Since: 0.1
 */
void
aqmp_job_runner_set_checkpoint_interval (AqmpJobRunner *self, guint interval_ms)
{
  g_return_if_fail (AQMP_IS_JOB_RUNNER (self));

  if (self->checkpoint_interval == interval_ms)
    return;
  self->checkpoint_interval = interval_ms;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CHECKPOINT_INTERVAL]);
}

/**
 * aqmp_job_runner_get_checkpoint_interval:
 * @self: an #AqmpJobRunner
 *
 * Returns the checkpoint interval in milliseconds.
 *
 * Returns: the checkpoint interval in milliseconds
 *
 * Since: 0.1
 */
guint
aqmp_job_runner_get_checkpoint_interval (AqmpJobRunner *self)
{
  g_return_val_if_fail (AQMP_IS_JOB_RUNNER (self), 0);
  return self->checkpoint_interval;
}

/**
 * aqmp_job_runner_lookup:
 * @self: an #AqmpJobRunner
 * @id: a job id
 *
 * Returns the job with @id the runner follows, or %NULL.
 *
 * Returns: (transfer none) (nullable): the job with @id the runner
 *   follows, or %NULL
 *
 * Since: 0.1
 */
AqmpJob *
aqmp_job_runner_lookup (AqmpJobRunner *self, const gchar *id)
{
  AqmpJobTracker *tracker;

  g_return_val_if_fail (AQMP_IS_JOB_RUNNER (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  tracker = g_hash_table_lookup (self->trackers, id);
  return tracker != NULL ? aqmp_job_tracker_get_job (tracker) : NULL;
}

/**
 * aqmp_job_runner_get_jobs:
 * @self: an #AqmpJobRunner
 *
 * Returns the jobs the runner follows.
 *
 * Returns: (transfer container) (element-type AqmpJob): the jobs the
 *   runner follows
 *
 * Since: 0.1
 */
GPtrArray *
aqmp_job_runner_get_jobs (AqmpJobRunner *self)
{
  GPtrArray *jobs = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  AqmpJobTracker *tracker;

  g_return_val_if_fail (AQMP_IS_JOB_RUNNER (self), jobs);

  g_hash_table_iter_init (&iter, self->trackers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &tracker))
    g_ptr_array_add (jobs, g_object_ref (aqmp_job_tracker_get_job (tracker)));
  return jobs;
}

/* ----- GObject ----- */

static void
aqmp_job_runner_constructed (GObject *object)
{
  AqmpJobRunner *self = AQMP_JOB_RUNNER (object);
  const gchar *names[] = {
    "event::BLOCK_JOB_READY",
    "event::BLOCK_JOB_COMPLETED",
    "event::BLOCK_JOB_CANCELLED",
    "event::BLOCK_JOB_ERROR",
    "event::BLOCK_JOB_PENDING",
  };

  G_OBJECT_CLASS (aqmp_job_runner_parent_class)->constructed (object);
  g_signal_connect (self->client, "event::JOB_STATUS_CHANGE",
                    G_CALLBACK (aqmp_job_runner_status_change_cb), self);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_signal_connect (self->client, names[i], G_CALLBACK (aqmp_job_runner_block_job_cb), self);
  g_signal_connect (self->client, "disconnected", G_CALLBACK (aqmp_job_runner_disconnected_cb), self);
}

static void
aqmp_job_runner_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  AqmpJobRunner *self = AQMP_JOB_RUNNER (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      g_value_set_object (value, self->client);
      break;
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_MACHINE:
      g_value_set_string (value, self->machine);
      break;
    case PROP_POLL_INTERVAL:
      g_value_set_uint (value, self->poll_interval);
      break;
    case PROP_CHECKPOINT_INTERVAL:
      g_value_set_uint (value, self->checkpoint_interval);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aqmp_job_runner_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  AqmpJobRunner *self = AQMP_JOB_RUNNER (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      self->client = g_value_dup_object (value);
      break;
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    case PROP_MACHINE:
      self->machine = g_value_dup_string (value);
      break;
    case PROP_POLL_INTERVAL:
      aqmp_job_runner_set_poll_interval (self, g_value_get_uint (value));
      break;
    case PROP_CHECKPOINT_INTERVAL:
      aqmp_job_runner_set_checkpoint_interval (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aqmp_job_runner_dispose (GObject *object)
{
  AqmpJobRunner *self = AQMP_JOB_RUNNER (object);
  g_autoptr(GError) gone = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "the job runner went away");

  /* the results queued, and the dismisses that waited for them, go out
   * before the runner's calls are cancelled */
  if (self->client != NULL)
    aqmp_job_runner_flush (self);
  g_cancellable_cancel (self->cancellable);
  aqmp_job_runner_drop_waiting (self, gone);
  aqmp_job_runner_stop_polling (self);
  aqmp_job_runner_flush (self);
  if (self->client != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->client, self);
      /* the jobs go on in QEMU; only this runner stops following them */
      if (self->trackers != NULL)
        aqmp_job_runner_let_go (self, NULL, "the job runner went away");
    }
  aqmp_job_runner_forget_connection (self);
  g_clear_object (&self->client);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (aqmp_job_runner_parent_class)->dispose (object);
}

static void
aqmp_job_runner_finalize (GObject *object)
{
  AqmpJobRunner *self = AQMP_JOB_RUNNER (object);

  g_hash_table_unref (self->trackers);
  g_ptr_array_unref (self->identity_waiters);
  g_ptr_array_unref (self->schema_waiters);
  g_ptr_array_unref (self->start_queue);
  g_ptr_array_unref (self->dismiss_after_flush);
  g_object_unref (self->cancellable);
  g_free (self->machine);
  G_OBJECT_CLASS (aqmp_job_runner_parent_class)->finalize (object);
}

static void
aqmp_job_runner_class_init (AqmpJobRunnerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags co = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->constructed = aqmp_job_runner_constructed;
  object_class->get_property = aqmp_job_runner_get_property;
  object_class->set_property = aqmp_job_runner_set_property;
  object_class->dispose = aqmp_job_runner_dispose;
  object_class->finalize = aqmp_job_runner_finalize;

  /**
   * AqmpJobRunner:client:
   *
   * The client jobs are started on.
   *
   * Since: 0.1
   */
  props[PROP_CLIENT] = g_param_spec_object ("client", NULL, NULL, AQMP_TYPE_CLIENT, co);
  /**
   * AqmpJobRunner:store:
   *
   * Where jobs are recorded, or %NULL.
   *
   * Since: 0.1
   */
  props[PROP_STORE] = g_param_spec_object ("store", NULL, NULL, AQMP_TYPE_JOB_STORE, co);
  /**
   * AqmpJobRunner:machine:
   *
   * The machine's name in the store.
   *
   * Since: 0.1
   */
  props[PROP_MACHINE] = g_param_spec_string ("machine", NULL, NULL, NULL, co);
  /**
   * AqmpJobRunner:poll-interval:
   *
   * Milliseconds between two `query-jobs` while jobs run.
   *
   * Since: 0.1
   */
  props[PROP_POLL_INTERVAL] = g_param_spec_uint ("poll-interval", NULL, NULL, 10, G_MAXUINT,
                                                 AQMP_JOB_RUNNER_DEFAULT_POLL_INTERVAL, rw);
  /**
   * AqmpJobRunner:checkpoint-interval:
   *
   * The least number of milliseconds between two progress checkpoints of
   * one job in the store.
   *
   * Since: 0.1
   */
  props[PROP_CHECKPOINT_INTERVAL] = g_param_spec_uint ("checkpoint-interval", NULL, NULL, 0, G_MAXUINT,
                                                       AQMP_JOB_RUNNER_DEFAULT_CHECKPOINT_INTERVAL, rw);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
aqmp_job_runner_init (AqmpJobRunner *self)
{
  self->trackers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->poll_interval = AQMP_JOB_RUNNER_DEFAULT_POLL_INTERVAL;
  self->checkpoint_interval = AQMP_JOB_RUNNER_DEFAULT_CHECKPOINT_INTERVAL;
  self->cancellable = g_cancellable_new ();
  self->id_prefix = g_random_int ();
  self->identity_waiters = g_ptr_array_new ();
  self->schema_waiters = g_ptr_array_new ();
  self->start_queue = g_ptr_array_new_with_free_func (g_object_unref);
  self->dismiss_after_flush = g_ptr_array_new_with_free_func (g_free);
}
