/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "aqmp-job-commands.h"
#include "aqmp-job-runner.h"
#include "aqmp-job-tracker.h"
#include "aqmp-machine-identity.h"

G_BEGIN_DECLS

/*
 * The runner's insides, shared by aqmp-job-runner.c (following jobs: the
 * events, polling, the store, acting on each job's tracker),
 * aqmp-job-runner-control.c (the job-* verbs),
 * aqmp-job-runner-start.c (starting them), aqmp-job-runner-reconcile.c
 * (finding them again) and aqmp-job-runner-sync.c (the sync calls). Each
 * job followed has an AqmpJobTracker (aqmp-job-tracker.c), its state
 * machine and the one place of the finalize/dismiss policy; the runner
 * asks it what comes next and does that.
 */

struct _AqmpJobRunner {
  GObject parent_instance;
  AqmpClient *client;
  AqmpJobStore *store;
  gchar *machine;
  guint poll_interval;
  guint checkpoint_interval;
  GHashTable *trackers;      /* job id -> AqmpJobTracker */
  GSource *poll_source;
  gboolean poll_in_flight;
  GSource *flush_source;     /* writes the store's queue */
  GPtrArray *dismiss_after_flush; /* job ids: dismissed once their result is written */
  GCancellable *cancellable; /* the runner's own calls */
  GPtrArray *start_queue;    /* GTask: backup starts waiting to go together */
  gboolean start_gate_closed; /* a backup start is unanswered */
  guint32 id_prefix;
  guint id_counter;

  /* learnt once per connection, for every call that needs it */
  guint connection;          /* counts disconnections: older answers are stale */
  AqmpMachineIdentity *identity;
  GPtrArray *identity_waiters;
  AqmpSchema *schema;        /* QEMU's, read by libaqmp-qapi */
  gboolean schema_known;     /* asked; schema stays NULL when QEMU had none */
  GPtrArray *schema_waiters;
};

/* a call the runner makes on its own behalf: a job-* verb
 * (aqmp-job-runner-control.c), or query-jobs when verb is NULL */
typedef struct _AqmpJobVerb AqmpJobVerb;

typedef struct {
  AqmpJobRunner *runner;
  gchar *id;
  const AqmpJobVerb *verb;
} AqmpJobRunnerCall;

AqmpJobRunnerCall  *aqmp_job_runner_call_new      (AqmpJobRunner      *self,
                                                   const gchar        *id,
                                                   const AqmpJobVerb  *verb);
void                aqmp_job_runner_call_free     (AqmpJobRunnerCall  *call);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AqmpJobRunnerCall, aqmp_job_runner_call_free)

/* a step of a start or a reconcile that waits for something learnt */
typedef void (*AqmpJobRunnerStep) (AqmpJobRunner *self, GTask *task);

void                aqmp_job_runner_need_identity (AqmpJobRunner      *self,
                                                   GTask              *task,
                                                   AqmpJobRunnerStep   step);
void                aqmp_job_runner_need_schema   (AqmpJobRunner      *self,
                                                   GTask              *task,
                                                   AqmpJobRunnerStep   step);
void                aqmp_job_runner_forget_connection (AqmpJobRunner  *self);

void                aqmp_job_runner_send_verb     (AqmpJobRunner      *self,
                                                   const gchar        *id,
                                                   AqmpJobAction       action);
void                aqmp_job_runner_track         (AqmpJobRunner      *self,
                                                   AqmpJobTracker     *tracker);
gboolean            aqmp_job_runner_act           (AqmpJobRunner      *self,
                                                   AqmpJobTracker     *tracker);
gboolean            aqmp_job_runner_apply_info    (AqmpJobRunner      *self,
                                                   AqmpJobTracker     *tracker,
                                                   JsonObject         *info,
                                                   gboolean            with_status);
void                aqmp_job_runner_store_warn    (AqmpJobRunner      *self,
                                                   GError             *error);
void                aqmp_job_runner_store_finish  (AqmpJobRunner      *self,
                                                   AqmpJob            *job,
                                                   AqmpJobResult       result,
                                                   const gchar        *message);
void                aqmp_job_runner_replay        (AqmpJobRunner      *self,
                                                   AqmpJobTracker     *tracker,
                                                   GPtrArray          *events);
void                aqmp_job_runner_drop_waiting  (AqmpJobRunner      *self,
                                                   const GError       *error);
void                aqmp_job_runner_update_polling (AqmpJobRunner     *self);
void                aqmp_job_runner_poll_now      (AqmpJobRunner      *self);

G_END_DECLS
