/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <aqmp/aqmp.h>

#include "aqmp-job.h"

G_BEGIN_DECLS

/* what the runner may change; everything else is read-only to users */
AqmpJob  *aqmp_job_new                 (AqmpClient    *client,
                                        const gchar   *id,
                                        const gchar   *machine,
                                        const gchar   *command,
                                        gint64         start_time);
void      aqmp_job_set_store_id        (AqmpJob       *self,
                                        gint64         store_id);
void      aqmp_job_set_started_by_uid  (AqmpJob       *self,
                                        gint64         uid);
void      aqmp_job_set_job_type        (AqmpJob       *self,
                                        const gchar   *type);
gboolean  aqmp_job_set_status          (AqmpJob       *self,
                                        AqmpJobStatus  status);
void      aqmp_job_set_progress        (AqmpJob       *self,
                                        gint64         current,
                                        gint64         total,
                                        gint64         now_monotonic);
void      aqmp_job_set_error           (AqmpJob       *self,
                                        const GError  *error);
void      aqmp_job_end                 (AqmpJob       *self,
                                        AqmpJobResult  result,
                                        const GError  *error);
void      aqmp_job_detach              (AqmpJob       *self,
                                        const GError  *error);

G_END_DECLS
