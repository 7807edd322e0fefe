/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_JOBS_H_INSIDE__) && !defined(AQMP_JOBS_COMPILATION)
#error "Only <aqmp/aqmp-jobs.h> can be included directly."
#endif

#include <aqmp/aqmp.h>

#include "aqmp-job.h"
#include "aqmp-job-store.h"

G_BEGIN_DECLS

/**
 * AQMP_JOB_RUNNER_DEFAULT_POLL_INTERVAL:
 *
 * Milliseconds between two `query-jobs` while jobs run.
 *
 * Since: 0.1
 */
#define AQMP_JOB_RUNNER_DEFAULT_POLL_INTERVAL 500

/**
 * AQMP_JOB_RUNNER_DEFAULT_CHECKPOINT_INTERVAL:
 *
 * The least number of milliseconds between two progress checkpoints of
 * one job in the store.
 *
 * Since: 0.1
 */
#define AQMP_JOB_RUNNER_DEFAULT_CHECKPOINT_INTERVAL 5000

#define AQMP_TYPE_JOB_RUNNER (aqmp_job_runner_get_type ())
G_DECLARE_FINAL_TYPE (AqmpJobRunner, aqmp_job_runner, AQMP, JOB_RUNNER, GObject)

AqmpJobRunner *aqmp_job_runner_new                    (AqmpClient          *client,
                                                       AqmpJobStore        *store,
                                                       const gchar         *machine);
AqmpClient    *aqmp_job_runner_get_client             (AqmpJobRunner       *self);
AqmpJobStore  *aqmp_job_runner_get_store              (AqmpJobRunner       *self);
const gchar   *aqmp_job_runner_get_machine            (AqmpJobRunner       *self);
void           aqmp_job_runner_set_poll_interval      (AqmpJobRunner       *self,
                                                       guint                interval_ms);
guint          aqmp_job_runner_get_poll_interval      (AqmpJobRunner       *self);
void           aqmp_job_runner_set_checkpoint_interval (AqmpJobRunner      *self,
                                                        guint               interval_ms);
guint          aqmp_job_runner_get_checkpoint_interval (AqmpJobRunner      *self);

AqmpJob       *aqmp_job_runner_lookup                 (AqmpJobRunner       *self,
                                                       const gchar         *id);
GPtrArray     *aqmp_job_runner_get_jobs               (AqmpJobRunner       *self);

void           aqmp_job_runner_start_async            (AqmpJobRunner       *self,
                                                       const gchar         *command,
                                                       JsonObject          *arguments,
                                                       AqmpJobStartFlags    flags,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
void           aqmp_job_runner_start_full_async       (AqmpJobRunner       *self,
                                                       const gchar         *command,
                                                       JsonObject          *arguments,
                                                       AqmpJobStartFlags    flags,
                                                       guint32              started_by_uid,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
AqmpJob       *aqmp_job_runner_start_finish           (AqmpJobRunner       *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);
GPtrArray     *aqmp_job_runner_start_finish_all       (AqmpJobRunner       *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);

void           aqmp_job_runner_reconcile_async        (AqmpJobRunner       *self,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
GPtrArray     *aqmp_job_runner_reconcile_finish       (AqmpJobRunner       *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);

void           aqmp_job_runner_control_async          (AqmpJobRunner       *self,
                                                       const gchar         *id,
                                                       AqmpJobAction        action,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
gboolean       aqmp_job_runner_control_finish         (AqmpJobRunner       *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);

void           aqmp_job_runner_set_speed_async        (AqmpJobRunner       *self,
                                                       const gchar         *id,
                                                       guint64              speed,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
gboolean       aqmp_job_runner_set_speed_finish       (AqmpJobRunner       *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);

/* the same, synchronous: see aqmp_client_run_sync() */
AqmpJob       *aqmp_job_runner_start_sync             (AqmpJobRunner       *self,
                                                       const gchar         *command,
                                                       JsonObject          *arguments,
                                                       AqmpJobStartFlags    flags,
                                                       GCancellable        *cancellable,
                                                       GError             **error);
GPtrArray     *aqmp_job_runner_start_full_sync        (AqmpJobRunner       *self,
                                                       const gchar         *command,
                                                       JsonObject          *arguments,
                                                       AqmpJobStartFlags    flags,
                                                       guint32              started_by_uid,
                                                       GCancellable        *cancellable,
                                                       GError             **error);
GPtrArray     *aqmp_job_runner_reconcile_sync         (AqmpJobRunner       *self,
                                                       GCancellable        *cancellable,
                                                       GError             **error);
gboolean       aqmp_job_runner_control_sync           (AqmpJobRunner       *self,
                                                       const gchar         *id,
                                                       AqmpJobAction        action,
                                                       GCancellable        *cancellable,
                                                       GError             **error);
gboolean       aqmp_job_runner_set_speed_sync         (AqmpJobRunner       *self,
                                                       const gchar         *id,
                                                       guint64              speed,
                                                       GCancellable        *cancellable,
                                                       GError             **error);

G_END_DECLS
