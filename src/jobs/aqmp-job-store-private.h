/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "aqmp-job-record-private.h"
#include "aqmp-job-store.h"
#include "aqmp-machine-identity.h"

G_BEGIN_DECLS

/* what only the job runner writes and reads */
gint64     aqmp_job_store_add_job_full     (AqmpJobStore         *self,
                                            const gchar          *machine,
                                            AqmpMachineIdentity  *identity,
                                            const gchar          *job_id,
                                            const gchar          *command,
                                            JsonObject           *arguments,
                                            guint                 flags,
                                            gint64                started_by_uid,
                                            gint64                created,
                                            GError              **error);
gboolean   aqmp_job_store_set_job_identity (AqmpJobStore         *self,
                                            gint64                row,
                                            AqmpMachineIdentity  *identity,
                                            GError              **error);
void       aqmp_job_store_queue_finish     (AqmpJobStore         *self,
                                            gint64                row,
                                            AqmpJobResult         result,
                                            const gchar          *error_message,
                                            gint64                finished);
GPtrArray *aqmp_job_store_find_jobs        (AqmpJobStore         *self,
                                            const gchar          *job_id,
                                            GError              **error);

G_END_DECLS
