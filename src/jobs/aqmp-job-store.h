/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_JOBS_H_INSIDE__) && !defined(AQMP_JOBS_COMPILATION)
#error "Only <aqmp/aqmp-jobs.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "aqmp-job-enums.h"
#include "aqmp-job-record.h"

G_BEGIN_DECLS

/**
 * AQMP_JOB_STORE_SCHEMA_VERSION:
 *
 * The schema version aqmp_job_store_new() migrates a database to.
 *
 * Since: 0.1
 */
#define AQMP_JOB_STORE_SCHEMA_VERSION 4

#define AQMP_TYPE_JOB_STORE (aqmp_job_store_get_type ())
G_DECLARE_FINAL_TYPE (AqmpJobStore, aqmp_job_store, AQMP, JOB_STORE, GObject)

gchar        *aqmp_job_store_get_default_path   (void);

AqmpJobStore *aqmp_job_store_new                (const gchar   *path,
                                                 GError       **error);
const gchar  *aqmp_job_store_get_path           (AqmpJobStore  *self);
gint          aqmp_job_store_get_schema_version (AqmpJobStore  *self);

gint64        aqmp_job_store_add_job            (AqmpJobStore  *self,
                                                 const gchar   *machine,
                                                 const gchar   *job_id,
                                                 const gchar   *command,
                                                 JsonObject    *arguments,
                                                 gint64         created,
                                                 GError       **error);
gboolean      aqmp_job_store_set_job_type       (AqmpJobStore  *self,
                                                 gint64         row,
                                                 const gchar   *type,
                                                 GError       **error);
gboolean      aqmp_job_store_add_transition     (AqmpJobStore  *self,
                                                 gint64         row,
                                                 AqmpJobStatus  status,
                                                 gint64         timestamp,
                                                 GError       **error);
gboolean      aqmp_job_store_add_checkpoint     (AqmpJobStore  *self,
                                                 gint64         row,
                                                 gint64         current,
                                                 gint64         total,
                                                 gint64         timestamp,
                                                 GError       **error);
void          aqmp_job_store_queue_transition   (AqmpJobStore  *self,
                                                 gint64         row,
                                                 AqmpJobStatus  status,
                                                 gint64         timestamp);
void          aqmp_job_store_queue_checkpoint   (AqmpJobStore  *self,
                                                 gint64         row,
                                                 gint64         current,
                                                 gint64         total,
                                                 gint64         timestamp);
void          aqmp_job_store_queue_job_type     (AqmpJobStore  *self,
                                                 gint64         row,
                                                 const gchar   *type);
gboolean      aqmp_job_store_flush              (AqmpJobStore  *self,
                                                 GError       **error);
guint64       aqmp_job_store_get_n_commits      (AqmpJobStore  *self);
gboolean      aqmp_job_store_finish_job         (AqmpJobStore  *self,
                                                 gint64         row,
                                                 AqmpJobResult  result,
                                                 const gchar   *error_message,
                                                 gint64         finished,
                                                 GError       **error);
gboolean      aqmp_job_store_reopen_job         (AqmpJobStore  *self,
                                                 gint64         row,
                                                 GError       **error);

AqmpJobRecord *aqmp_job_store_get_job           (AqmpJobStore  *self,
                                                 gint64         row,
                                                 GError       **error);
AqmpJobRecord *aqmp_job_store_find_job          (AqmpJobStore  *self,
                                                 const gchar   *machine,
                                                 const gchar   *job_id,
                                                 GError       **error);
GPtrArray    *aqmp_job_store_list_jobs          (AqmpJobStore  *self,
                                                 const gchar   *machine,
                                                 gboolean       active_only,
                                                 GError       **error);
GPtrArray    *aqmp_job_store_list_recent_jobs   (AqmpJobStore  *self,
                                                 const gchar   *machine,
                                                 gboolean       active_only,
                                                 guint          offset,
                                                 guint          limit,
                                                 GError       **error);
JsonArray    *aqmp_job_store_get_transitions    (AqmpJobStore  *self,
                                                 gint64         row,
                                                 GError       **error);
JsonArray    *aqmp_job_store_get_checkpoints    (AqmpJobStore  *self,
                                                 gint64         row,
                                                 GError       **error);
gchar        *aqmp_job_store_check_integrity    (AqmpJobStore  *self,
                                                 GError       **error);

G_END_DECLS
