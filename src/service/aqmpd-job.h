/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <aqmp/aqmp.h>
#include <aqmp/aqmp-jobs.h>

#include "aqmpd-dbus.h"

G_BEGIN_DECLS

/* StartedByUID of a job whose starter is unknown: (uid_t) -1, never root */
#define AQMPD_JOB_UID_UNKNOWN G_MAXUINT32

/* the least time between two PropertiesChanged of one job */
#define AQMPD_JOB_UPDATE_INTERVAL_MS 250

#define AQMPD_TYPE_JOB (aqmpd_job_get_type ())
G_DECLARE_FINAL_TYPE (AqmpdJob, aqmpd_job, AQMPD, JOB, GObject)

AqmpdJob                *aqmpd_job_new              (const gchar    *path,
                                                     const gchar    *machine_path,
                                                     const gchar    *id,
                                                     const gchar    *operation,
                                                     guint32         uid);
const gchar             *aqmpd_job_get_path         (AqmpdJob       *self);
const gchar             *aqmpd_job_get_machine_path (AqmpdJob       *self);
AqmpDBusObjectSkeleton  *aqmpd_job_get_object       (AqmpdJob       *self);
AqmpDBusJob             *aqmpd_job_get_iface        (AqmpdJob       *self);
gboolean                 aqmpd_job_is_ended         (AqmpdJob       *self);
AqmpJob                 *aqmpd_job_get_qemu_job     (AqmpdJob       *self);

/* a QEMU job, followed by a runner */
void                     aqmpd_job_follow           (AqmpdJob       *self,
                                                     AqmpJobRunner  *runner,
                                                     AqmpJob        *job);

/* anything else (a workflow): the owner reports and may be cancelled */
GCancellable            *aqmpd_job_get_cancellable  (AqmpdJob       *self);
void                     aqmpd_job_set_status       (AqmpdJob       *self,
                                                     const gchar    *status);
void                     aqmpd_job_set_progress     (AqmpdJob       *self,
                                                     gdouble         fraction);
void                     aqmpd_job_set_bytes        (AqmpdJob       *self,
                                                     guint64         current,
                                                     guint64         total);
void                     aqmpd_job_end              (AqmpdJob       *self,
                                                     const gchar    *status,
                                                     const GError   *error);

G_END_DECLS
