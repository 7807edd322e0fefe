/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmp-job-error.h"
#include "aqmp-job-private.h"
#include "aqmp-job-tracker.h"

/* strerror (ECANCELED) in QEMU's words */
#define AQMP_JOB_TRACKER_QEMU_CANCELED "Operation canceled"

/* how far the runner has followed the job */
typedef enum {
  AQMP_JOB_TRACKER_ENTERED,   /* entered before its command was sent */
  AQMP_JOB_TRACKER_FOLLOWING, /* the command was answered, or the job found in QEMU */
  AQMP_JOB_TRACKER_RECORDED,  /* its outcome is decided and in the store */
} AqmpJobTrackerPhase;

/* what the runner sent on the job's behalf (or the user asked for) */
typedef enum {
  AQMP_JOB_TRACKER_SENT_COMPLETE = 1 << 0,
  AQMP_JOB_TRACKER_SENT_FINALIZE = 1 << 1,
  AQMP_JOB_TRACKER_SENT_DISMISS = 1 << 2,
  AQMP_JOB_TRACKER_SENT_QUERY = 1 << 3,    /* a query-jobs for its outcome, unanswered */
} AqmpJobTrackerSent;

/* what QEMU and the user said about how it ends */
typedef enum {
  AQMP_JOB_TRACKER_SEEN_CANCEL_ASKED = 1 << 0,
  AQMP_JOB_TRACKER_SEEN_CANCELLED = 1 << 1,  /* BLOCK_JOB_CANCELLED */
  AQMP_JOB_TRACKER_SEEN_BLOCK_END = 1 << 2,  /* BLOCK_JOB_COMPLETED or _CANCELLED */
  AQMP_JOB_TRACKER_SEEN_ABORTING = 1 << 3,
} AqmpJobTrackerSeen;

struct _AqmpJobTracker {
  GObject parent_instance;
  AqmpJob *job;
  AqmpJobStartFlags flags;
  AqmpJobSettings settings;
  gboolean adopted;          /* started outside aqmp */
  AqmpJobTrackerPhase phase;
  guint sent;                /* AqmpJobTrackerSent */
  guint seen;                /* AqmpJobTrackerSeen */
  gchar *qemu_error;         /* QEMU's words for the failure */
  AqmpJobResult result;      /* once recorded */
  GError *outcome;           /* what the job ends with, once recorded */
  gint64 last_checkpoint;    /* monotonic */
  GPtrArray *held;           /* AqmpEvent, while its start is unanswered */
};

G_DEFINE_FINAL_TYPE (AqmpJobTracker, aqmp_job_tracker, G_TYPE_OBJECT)

AqmpJobTracker *
aqmp_job_tracker_new (AqmpJob *job, AqmpJobStartFlags flags, const AqmpJobSettings *settings)
{
  AqmpJobTracker *self = g_object_new (AQMP_TYPE_JOB_TRACKER, NULL);

  self->job = g_object_ref (job);
  self->flags = flags;
  if (settings != NULL)
    self->settings = *settings;
  return self;
}

/* a job no aqmp runner started: its settings are unknown, so QEMU is
 * asked at concluded, and finalizing and dismissing stay with its owner */
AqmpJobTracker *
aqmp_job_tracker_new_adopted (AqmpJob *job)
{
  AqmpJobTracker *self = aqmp_job_tracker_new (job, AQMP_JOB_START_FLAGS_NONE, NULL);

  self->adopted = TRUE;
  self->settings.ask_at_concluded = TRUE;
  return self;
}

/* the job's dismissing is someone else's: its owner's, or its starter's */
gboolean
aqmp_job_tracker_leaves_dismiss (gboolean adopted, AqmpJobStartFlags flags)
{
  return adopted || (flags & AQMP_JOB_START_FLAGS_NO_DISMISS) != 0;
}

AqmpJob *
aqmp_job_tracker_get_job (AqmpJobTracker *self)
{
  return self->job;
}

gboolean
aqmp_job_tracker_is_adopted (AqmpJobTracker *self)
{
  return self->adopted;
}

void
aqmp_job_tracker_set_started (AqmpJobTracker *self)
{
  if (self->phase == AQMP_JOB_TRACKER_ENTERED)
    self->phase = AQMP_JOB_TRACKER_FOLLOWING;
}

gboolean
aqmp_job_tracker_is_started (AqmpJobTracker *self)
{
  return self->phase != AQMP_JOB_TRACKER_ENTERED;
}

/* started and not yet at its end: worth polling for progress */
gboolean
aqmp_job_tracker_is_running (AqmpJobTracker *self)
{
  return aqmp_job_tracker_is_started (self) && aqmp_job_status_is_active (aqmp_job_get_status (self->job));
}

/* ----- what was said ----- */

/* a status the job changed to */
void
aqmp_job_tracker_note_status (AqmpJobTracker *self, AqmpJobStatus status)
{
  if (status == AQMP_JOB_STATUS_ABORTING)
    self->seen |= AQMP_JOB_TRACKER_SEEN_ABORTING;
}

/* QEMU's words for the failure: query-jobs' `error` */
void
aqmp_job_tracker_note_error (AqmpJobTracker *self, const gchar *qemu_error)
{
  if (qemu_error == NULL || g_strcmp0 (self->qemu_error, qemu_error) == 0)
    return;
  g_free (self->qemu_error);
  self->qemu_error = g_strdup (qemu_error);
}

/* BLOCK_JOB_COMPLETED (with its error, if any) or BLOCK_JOB_CANCELLED */
void
aqmp_job_tracker_note_block_end (AqmpJobTracker *self, gboolean cancelled, const gchar *qemu_error)
{
  self->seen |= AQMP_JOB_TRACKER_SEEN_BLOCK_END;
  if (cancelled)
    self->seen |= AQMP_JOB_TRACKER_SEEN_CANCELLED;
  aqmp_job_tracker_note_error (self, qemu_error);
}

/* an action the user asked of QEMU: the runner sends it no second time */
void
aqmp_job_tracker_note_action (AqmpJobTracker *self, AqmpJobAction action)
{
  switch (action)
    {
    case AQMP_JOB_ACTION_CANCEL:
      self->seen |= AQMP_JOB_TRACKER_SEEN_CANCEL_ASKED;
      break;
    case AQMP_JOB_ACTION_COMPLETE:
      self->sent |= AQMP_JOB_TRACKER_SENT_COMPLETE;
      break;
    case AQMP_JOB_ACTION_FINALIZE:
      self->sent |= AQMP_JOB_TRACKER_SENT_FINALIZE;
      break;
    case AQMP_JOB_ACTION_DISMISS:
      self->sent |= AQMP_JOB_TRACKER_SENT_DISMISS;
      break;
    default:
      break;
    }
}

/* ----- what to do ----- */

/* sends @what once; FALSE when it was sent already */
static gboolean
aqmp_job_tracker_send_once (AqmpJobTracker *self, AqmpJobTrackerSent what)
{
  if (self->sent & what)
    return FALSE;
  self->sent |= what;
  return TRUE;
}

/* a concluded job QEMU keeps, its outcome known: dismissed by the runner,
 * or ended here and left for whoever dismisses it */
static AqmpJobTrackerStep
aqmp_job_tracker_settle (AqmpJobTracker *self)
{
  if (aqmp_job_tracker_leaves_dismiss (self->adopted, self->flags))
    return AQMP_JOB_TRACKER_FINISH;
  return aqmp_job_tracker_send_once (self, AQMP_JOB_TRACKER_SENT_DISMISS)
         ? AQMP_JOB_TRACKER_DISMISS : AQMP_JOB_TRACKER_RECORD;
}

static AqmpJobTrackerStep
aqmp_job_tracker_concluded (AqmpJobTracker *self)
{
  if (self->sent & (AQMP_JOB_TRACKER_SENT_QUERY | AQMP_JOB_TRACKER_SENT_DISMISS))
    return AQMP_JOB_TRACKER_WAIT;
  /* a job QEMU dismisses itself is followed by null at once */
  if (!self->settings.manual_dismiss && !self->settings.ask_at_concluded
      && !aqmp_job_tracker_leaves_dismiss (self->adopted, self->flags))
    return AQMP_JOB_TRACKER_WAIT;
  /* a block job that said how it ended, and that QEMU keeps as asked,
   * needs no question: one query-jobs per end lists every job, which
   * costs when hundreds end together */
  if ((self->seen & AQMP_JOB_TRACKER_SEEN_BLOCK_END) && self->settings.manual_dismiss
      && !self->settings.ask_at_concluded && !self->adopted)
    return aqmp_job_tracker_settle (self);
  self->sent |= AQMP_JOB_TRACKER_SENT_QUERY;
  return AQMP_JOB_TRACKER_QUERY;
}

/*
 * What the runner does next, for the job's status now: the one place of
 * the policy. A step that sends something is given once; ask again after
 * each change of status (and when the job is found again in QEMU).
 */
AqmpJobTrackerStep
aqmp_job_tracker_next_step (AqmpJobTracker *self)
{
  switch (aqmp_job_get_status (self->job))
    {
    case AQMP_JOB_STATUS_READY:
      if ((self->flags & AQMP_JOB_START_FLAGS_AUTO_COMPLETE)
          && aqmp_job_tracker_send_once (self, AQMP_JOB_TRACKER_SENT_COMPLETE))
        return AQMP_JOB_TRACKER_COMPLETE;
      return AQMP_JOB_TRACKER_WAIT;
    case AQMP_JOB_STATUS_PENDING:
      /* a job waiting for the runner, which finalizes it on its starter's
       * behalf; not one started outside aqmp */
      if (self->settings.manual_finalize && !self->adopted
          && (self->flags & AQMP_JOB_START_FLAGS_NO_FINALIZE) == 0
          && aqmp_job_tracker_send_once (self, AQMP_JOB_TRACKER_SENT_FINALIZE))
        return AQMP_JOB_TRACKER_FINALIZE;
      return AQMP_JOB_TRACKER_WAIT;
    case AQMP_JOB_STATUS_CONCLUDED:
      return aqmp_job_tracker_concluded (self);
    case AQMP_JOB_STATUS_NULL:
      return AQMP_JOB_TRACKER_FINISH;
    default:
      return AQMP_JOB_TRACKER_WAIT;
    }
}

/* QEMU answered the query-jobs of a concluded job: @present when it still
 * has it (otherwise its null came first and ended it) */
AqmpJobTrackerStep
aqmp_job_tracker_answered (AqmpJobTracker *self, gboolean present)
{
  self->sent &= ~AQMP_JOB_TRACKER_SENT_QUERY;
  if (!present)
    return AQMP_JOB_TRACKER_WAIT;
  return aqmp_job_tracker_settle (self);
}

/* ----- the outcome ----- */

/* from what QEMU said: the events, the statuses and query-jobs' error */
static void
aqmp_job_tracker_decide (AqmpJobTracker *self)
{
  const gchar *id = aqmp_job_get_id (self->job);
  const gchar *type = aqmp_job_get_job_type (self->job) != NULL ? aqmp_job_get_job_type (self->job) : "job";
  gboolean aborting = (self->seen & AQMP_JOB_TRACKER_SEEN_ABORTING) != 0;

  if ((self->seen & AQMP_JOB_TRACKER_SEEN_CANCELLED)
      || (aborting && (self->seen & AQMP_JOB_TRACKER_SEEN_CANCEL_ASKED))
      || g_strcmp0 (self->qemu_error, AQMP_JOB_TRACKER_QEMU_CANCELED) == 0)
    {
      self->result = AQMP_JOB_RESULT_CANCELLED;
      self->outcome = g_error_new (AQMP_JOB_ERROR, AQMP_JOB_ERROR_CANCELLED, "%s job %s was cancelled", type, id);
    }
  else if (self->qemu_error != NULL || aborting)
    {
      self->result = AQMP_JOB_RESULT_FAILED;
      self->outcome = g_error_new (AQMP_JOB_ERROR, AQMP_JOB_ERROR_FAILED, "%s job %s failed: %s", type, id,
                                   self->qemu_error != NULL ? self->qemu_error : "QEMU aborted it without a reason");
    }
  else
    {
      self->result = AQMP_JOB_RESULT_SUCCESS;
    }
}

/* decides the outcome, once; TRUE when it is new and goes to the store */
gboolean
aqmp_job_tracker_record (AqmpJobTracker *self)
{
  if (self->phase == AQMP_JOB_TRACKER_RECORDED)
    return FALSE;
  aqmp_job_tracker_decide (self);
  self->phase = AQMP_JOB_TRACKER_RECORDED;
  return TRUE;
}

/* the outcome the store had already, for a job found again (takes @outcome) */
void
aqmp_job_tracker_set_recorded (AqmpJobTracker *self, AqmpJobResult result, GError *outcome)
{
  g_clear_error (&self->outcome);
  self->result = result;
  self->outcome = outcome;
  self->phase = AQMP_JOB_TRACKER_RECORDED;
}

gboolean
aqmp_job_tracker_is_recorded (AqmpJobTracker *self)
{
  return self->phase == AQMP_JOB_TRACKER_RECORDED;
}

AqmpJobResult
aqmp_job_tracker_get_result (AqmpJobTracker *self)
{
  return self->result;
}

const GError *
aqmp_job_tracker_get_outcome (AqmpJobTracker *self)
{
  return self->outcome;
}

/* the job ends with its recorded outcome; its waiters are told */
void
aqmp_job_tracker_end (AqmpJobTracker *self)
{
  g_return_if_fail (self->phase == AQMP_JOB_TRACKER_RECORDED);
  aqmp_job_end (self->job, self->result, self->outcome);
}

/* at most one progress checkpoint per @interval_ms */
gboolean
aqmp_job_tracker_checkpoint_due (AqmpJobTracker *self, gint64 now, guint interval_ms)
{
  if (self->last_checkpoint != 0 && now - self->last_checkpoint < (gint64) interval_ms * 1000)
    return FALSE;
  self->last_checkpoint = now;
  return TRUE;
}

/* ----- a start in a transaction ----- */

/* until aqmp_job_tracker_release(), the job's events are kept, not acted on:
 * a transaction QEMU refuses may have made the job and ended it again */
void
aqmp_job_tracker_hold (AqmpJobTracker *self)
{
  if (self->held == NULL)
    self->held = g_ptr_array_new_with_free_func ((GDestroyNotify) aqmp_event_unref);
}

/* TRUE when @event was kept for later */
gboolean
aqmp_job_tracker_keep_event (AqmpJobTracker *self, AqmpEvent *event)
{
  if (self->held == NULL)
    return FALSE;
  g_ptr_array_add (self->held, aqmp_event_ref (event));
  return TRUE;
}

/* the events kept, in the order they came; the tracker stops holding */
GPtrArray *
aqmp_job_tracker_release (AqmpJobTracker *self)
{
  GPtrArray *held = g_steal_pointer (&self->held);

  return held != NULL ? held : g_ptr_array_new_with_free_func ((GDestroyNotify) aqmp_event_unref);
}

/* ----- GObject ----- */

static void
aqmp_job_tracker_finalize (GObject *object)
{
  AqmpJobTracker *self = AQMP_JOB_TRACKER (object);

  g_clear_object (&self->job);
  g_clear_error (&self->outcome);
  g_free (self->qemu_error);
  g_clear_pointer (&self->held, g_ptr_array_unref);
  G_OBJECT_CLASS (aqmp_job_tracker_parent_class)->finalize (object);
}

static void
aqmp_job_tracker_class_init (AqmpJobTrackerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = aqmp_job_tracker_finalize;
}

static void
aqmp_job_tracker_init (AqmpJobTracker *self)
{
  self->phase = AQMP_JOB_TRACKER_ENTERED;
}
