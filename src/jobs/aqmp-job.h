/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_JOBS_H_INSIDE__) && !defined(AQMP_JOBS_COMPILATION)
#error "Only <aqmp/aqmp-jobs.h> can be included directly."
#endif

#include <gio/gio.h>

#include "aqmp-job-enums.h"

G_BEGIN_DECLS

#define AQMP_TYPE_JOB (aqmp_job_get_type ())
G_DECLARE_FINAL_TYPE (AqmpJob, aqmp_job, AQMP, JOB, GObject)

const gchar   *aqmp_job_get_id                (AqmpJob             *self);
const gchar   *aqmp_job_get_machine           (AqmpJob             *self);
const gchar   *aqmp_job_get_command           (AqmpJob             *self);
const gchar   *aqmp_job_get_job_type          (AqmpJob             *self);
gint64         aqmp_job_get_store_id          (AqmpJob             *self);
AqmpJobStatus  aqmp_job_get_status            (AqmpJob             *self);
AqmpJobResult  aqmp_job_get_result            (AqmpJob             *self);
gboolean       aqmp_job_is_ended              (AqmpJob             *self);
gint64         aqmp_job_get_current_progress  (AqmpJob             *self);
gint64         aqmp_job_get_total_progress    (AqmpJob             *self);
gdouble        aqmp_job_get_fraction          (AqmpJob             *self);
gboolean       aqmp_job_get_fraction_valid    (AqmpJob             *self);
gdouble        aqmp_job_get_rate              (AqmpJob             *self);
gint64         aqmp_job_get_expected_end_time (AqmpJob             *self);
gint64         aqmp_job_get_start_time        (AqmpJob             *self);
gint64         aqmp_job_get_end_time          (AqmpJob             *self);
gint64         aqmp_job_get_started_by_uid    (AqmpJob             *self);
const GError  *aqmp_job_get_error             (AqmpJob             *self);

void           aqmp_job_wait_async            (AqmpJob             *self,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean       aqmp_job_wait_finish           (AqmpJob             *self,
                                               GAsyncResult        *result,
                                               GError             **error);
gboolean       aqmp_job_wait_sync             (AqmpJob             *self,
                                               GCancellable        *cancellable,
                                               GError             **error);

G_END_DECLS
