/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "aqmp-job-commands.h"
#include "aqmp-job-runner.h"
#include "aqmp-machine-identity.h"

G_BEGIN_DECLS

/*
 * The runner's insides, shared by aqmp-job-runner.c (following jobs),
 * aqmp-job-runner-start.c (starting them) and
 * aqmp-job-runner-reconcile.c (finding them again).
 */

/* one job the runner follows */
typedef struct {
  AqmpJob *job;
  AqmpJobStartFlags flags;
  AqmpJobSettings settings;
  gboolean started;          /* the command was answered, or the job found in QEMU */
  gboolean adopted;          /* started outside aqmp: finalizing and dismissing are its owner's */
  gboolean cancel_requested;
  gboolean cancelled_event;
  gboolean block_ended;      /* BLOCK_JOB_COMPLETED or _CANCELLED told the outcome */
  gboolean aborting;
  gboolean completing;
  gboolean finalizing;
  gboolean dismissing;
  gboolean querying;
  gboolean recorded;         /* its outcome is in the store */
  AqmpJobResult result;      /* once recorded */
  GError *outcome;           /* what it ends with, once recorded */
  gchar *error;              /* QEMU's words for the failure */
  gint64 last_checkpoint;    /* monotonic */
} AqmpJobRunnerEntry;

struct _AqmpJobRunner {
  GObject parent_instance;
  AqmpClient *client;
  AqmpJobStore *store;
  gchar *machine;
  guint poll_interval;
  guint checkpoint_interval;
  GHashTable *entries;       /* job id -> AqmpJobRunnerEntry */
  GSource *poll_source;
  gboolean poll_in_flight;
  GSource *flush_source;     /* writes the store's queue */
  GCancellable *cancellable; /* the runner's own calls */
  guint32 id_prefix;
  guint id_counter;

  /* learnt once per connection, for every call that needs it */
  guint connection;          /* counts disconnections: older answers are stale */
  AqmpMachineIdentity *identity;
  GPtrArray *identity_waiters;
  AqmpJobSchema *schema;
  gboolean schema_known;     /* asked; schema stays NULL when QEMU had none */
  GPtrArray *schema_waiters;
};

/* a step of a start or a reconcile that waits for something learnt */
typedef void (*AqmpJobRunnerStep) (AqmpJobRunner *self, GTask *task);

void                aqmp_job_runner_need_identity (AqmpJobRunner      *self,
                                                   GTask              *task,
                                                   AqmpJobRunnerStep   step);
void                aqmp_job_runner_need_schema   (AqmpJobRunner      *self,
                                                   GTask              *task,
                                                   AqmpJobRunnerStep   step);
void                aqmp_job_runner_forget_connection (AqmpJobRunner  *self);

AqmpJobRunnerEntry *aqmp_job_runner_add_entry     (AqmpJobRunner      *self,
                                                   AqmpJob            *job,
                                                   AqmpJobStartFlags   flags);
gboolean            aqmp_job_runner_apply_info    (AqmpJobRunner      *self,
                                                   AqmpJobRunnerEntry *entry,
                                                   JsonObject         *info,
                                                   gboolean            with_status);
gboolean            aqmp_job_runner_may_finalize  (AqmpJobRunnerEntry *entry);
void                aqmp_job_runner_send_verb     (AqmpJobRunner      *self,
                                                   const gchar        *id,
                                                   const gchar        *command);
void                aqmp_job_runner_on_concluded  (AqmpJobRunner      *self,
                                                   AqmpJobRunnerEntry *entry);
void                aqmp_job_runner_store_warn    (AqmpJobRunner      *self,
                                                   GError             *error);
void                aqmp_job_runner_store_finish  (AqmpJobRunner      *self,
                                                   AqmpJob            *job,
                                                   AqmpJobResult       result,
                                                   const gchar        *message);
void                aqmp_job_runner_update_polling (AqmpJobRunner     *self);
void                aqmp_job_runner_poll_now      (AqmpJobRunner      *self);

const gchar        *aqmp_job_runner_json_string   (JsonObject         *obj,
                                                   const gchar        *member);
gint64              aqmp_job_runner_json_int      (JsonObject         *obj,
                                                   const gchar        *member,
                                                   gint64              fallback);

G_END_DECLS
