/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_JOBS_H_INSIDE__) && !defined(AQMP_JOBS_COMPILATION)
#error "Only <aqmp/aqmp-jobs.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "aqmp-job-enums.h"

G_BEGIN_DECLS

#define AQMP_TYPE_JOB_RECORD (aqmp_job_record_get_type ())

typedef struct _AqmpJobRecord AqmpJobRecord;

GType              aqmp_job_record_get_type             (void) G_GNUC_CONST;
AqmpJobRecord     *aqmp_job_record_ref                  (AqmpJobRecord *self);
void               aqmp_job_record_unref                (AqmpJobRecord *self);

gint64             aqmp_job_record_get_row              (AqmpJobRecord *self);
const gchar       *aqmp_job_record_get_machine          (AqmpJobRecord *self);
const gchar       *aqmp_job_record_get_job_id           (AqmpJobRecord *self);
const gchar       *aqmp_job_record_get_command          (AqmpJobRecord *self);
gboolean           aqmp_job_record_is_adopted           (AqmpJobRecord *self);
JsonObject        *aqmp_job_record_get_arguments        (AqmpJobRecord *self);
const gchar       *aqmp_job_record_get_job_type         (AqmpJobRecord *self);
AqmpJobStatus      aqmp_job_record_get_status           (AqmpJobRecord *self);
AqmpJobResult      aqmp_job_record_get_result           (AqmpJobRecord *self);
gboolean           aqmp_job_record_is_active            (AqmpJobRecord *self);
const gchar       *aqmp_job_record_get_error            (AqmpJobRecord *self);
gint64             aqmp_job_record_get_current_progress (AqmpJobRecord *self);
gint64             aqmp_job_record_get_total_progress   (AqmpJobRecord *self);
gint64             aqmp_job_record_get_created          (AqmpJobRecord *self);
gint64             aqmp_job_record_get_finished         (AqmpJobRecord *self);
const gchar       *aqmp_job_record_get_address          (AqmpJobRecord *self);
gint64             aqmp_job_record_get_qemu_pid         (AqmpJobRecord *self);
gint64             aqmp_job_record_get_qemu_pid_start   (AqmpJobRecord *self);
const gchar       *aqmp_job_record_get_qemu_uuid        (AqmpJobRecord *self);
const gchar       *aqmp_job_record_get_qemu_name        (AqmpJobRecord *self);
gint64             aqmp_job_record_get_started_by_uid   (AqmpJobRecord *self);
AqmpJobStartFlags  aqmp_job_record_get_start_flags      (AqmpJobRecord *self);

JsonObject        *aqmp_job_record_to_json              (AqmpJobRecord *self);
GVariant          *aqmp_job_record_to_variant           (AqmpJobRecord *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AqmpJobRecord, aqmp_job_record_unref)

G_END_DECLS
