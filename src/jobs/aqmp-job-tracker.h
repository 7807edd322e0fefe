/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "aqmp-job.h"
#include "aqmp-job-commands.h"

G_BEGIN_DECLS

/*
 * AqmpJobTracker: the runner's state machine for one job it follows.
 * Private to the jobs library.
 *
 * The tracker is told what QEMU and the user said (statuses, the block
 * job events, QEMU's error text, the actions asked for) and decides, in
 * one place, what the runner does next for the job: complete a ready
 * mirror, finalize a pending job, ask QEMU how a concluded job ended,
 * dismiss it, or end it. It holds what was already sent, so that nothing
 * is sent twice, and the outcome once it is decided; it sends nothing and
 * writes nothing itself: the runner does, on its answer.
 *
 * Finalizing and dismissing are the runner's only for a job an aqmp
 * runner started, and then only when the caller did not keep them
 * (AQMP_JOB_START_FLAGS_NO_FINALIZE, _NO_DISMISS): an adopted job's are
 * its owner's.
 */

/* what the runner is to do next for a job */
typedef enum {
  AQMP_JOB_TRACKER_WAIT,      /* nothing now: QEMU moves next */
  AQMP_JOB_TRACKER_COMPLETE,  /* send job-complete */
  AQMP_JOB_TRACKER_FINALIZE,  /* send job-finalize */
  AQMP_JOB_TRACKER_QUERY,     /* ask query-jobs how the concluded job ended */
  AQMP_JOB_TRACKER_RECORD,    /* record the outcome; a dismiss is under way */
  AQMP_JOB_TRACKER_DISMISS,   /* record the outcome, then send job-dismiss */
  AQMP_JOB_TRACKER_FINISH,    /* record the outcome and end the job */
} AqmpJobTrackerStep;

#define AQMP_TYPE_JOB_TRACKER (aqmp_job_tracker_get_type ())
G_DECLARE_FINAL_TYPE (AqmpJobTracker, aqmp_job_tracker, AQMP, JOB_TRACKER, GObject)

AqmpJobTracker     *aqmp_job_tracker_new              (AqmpJob                *job,
                                                       AqmpJobStartFlags       flags,
                                                       const AqmpJobSettings  *settings);
AqmpJobTracker     *aqmp_job_tracker_new_adopted      (AqmpJob                *job);
gboolean            aqmp_job_tracker_leaves_dismiss   (gboolean                adopted,
                                                       AqmpJobStartFlags       flags);

AqmpJob            *aqmp_job_tracker_get_job          (AqmpJobTracker         *self);
gboolean            aqmp_job_tracker_is_adopted       (AqmpJobTracker         *self);
void                aqmp_job_tracker_set_started      (AqmpJobTracker         *self);
gboolean            aqmp_job_tracker_is_started       (AqmpJobTracker         *self);
gboolean            aqmp_job_tracker_is_running       (AqmpJobTracker         *self);

/* what was said */
void                aqmp_job_tracker_note_status      (AqmpJobTracker         *self,
                                                       AqmpJobStatus           status);
void                aqmp_job_tracker_note_error       (AqmpJobTracker         *self,
                                                       const gchar            *qemu_error);
void                aqmp_job_tracker_note_block_end   (AqmpJobTracker         *self,
                                                       gboolean                cancelled,
                                                       const gchar            *qemu_error);
void                aqmp_job_tracker_note_action      (AqmpJobTracker         *self,
                                                       AqmpJobAction           action);

/* what to do */
AqmpJobTrackerStep  aqmp_job_tracker_next_step        (AqmpJobTracker         *self);
AqmpJobTrackerStep  aqmp_job_tracker_answered         (AqmpJobTracker         *self,
                                                       gboolean                present);

/* the outcome */
gboolean            aqmp_job_tracker_record           (AqmpJobTracker         *self);
void                aqmp_job_tracker_set_recorded     (AqmpJobTracker         *self,
                                                       AqmpJobResult           result,
                                                       GError                 *outcome);
gboolean            aqmp_job_tracker_is_recorded      (AqmpJobTracker         *self);
AqmpJobResult       aqmp_job_tracker_get_result       (AqmpJobTracker         *self);
const GError       *aqmp_job_tracker_get_outcome      (AqmpJobTracker         *self);
void                aqmp_job_tracker_end              (AqmpJobTracker         *self);

gboolean            aqmp_job_tracker_checkpoint_due   (AqmpJobTracker         *self,
                                                       gint64                  now,
                                                       guint                   interval_ms);

/* the events of a job whose start went in a transaction, until QEMU
 * answered it: replayed when it started, dropped when it was refused */
void                aqmp_job_tracker_hold             (AqmpJobTracker         *self);
gboolean            aqmp_job_tracker_keep_event       (AqmpJobTracker         *self,
                                                       AqmpEvent              *event);
GPtrArray          *aqmp_job_tracker_release          (AqmpJobTracker         *self);

G_END_DECLS
