/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_BACKUP_H_INSIDE__) && !defined(AQMP_BACKUP_COMPILATION)
#error "Only <aqmp/aqmp-backup.h> can be included directly."
#endif

#include <aqmp/aqmp-jobs.h>

#include "aqmp-backup-catalog.h"
#include "aqmp-backup-options.h"

G_BEGIN_DECLS

#define AQMP_TYPE_BACKUP_RUN (aqmp_backup_run_get_type ())
/**
 * AqmpBackupRun:
 *
 * One backup of a machine's disks, from its plan to its outcome.
 *
 * Since: 0.1
 */
G_DECLARE_FINAL_TYPE (AqmpBackupRun, aqmp_backup_run, AQMP, BACKUP_RUN, GObject)

AqmpBackupRun     *aqmp_backup_run_new                (AqmpJobRunner      *runner,
                                                       AqmpBackupCatalog  *catalog,
                                                       AqmpBackupOptions  *options);
AqmpJobRunner     *aqmp_backup_run_get_runner         (AqmpBackupRun      *self);
AqmpBackupCatalog *aqmp_backup_run_get_catalog        (AqmpBackupRun      *self);
AqmpBackupOptions *aqmp_backup_run_get_options        (AqmpBackupRun      *self);
AqmpBackupLevel    aqmp_backup_run_get_level          (AqmpBackupRun      *self);
const gchar       *aqmp_backup_run_get_reason         (AqmpBackupRun      *self);
gint64             aqmp_backup_run_get_backup_id      (AqmpBackupRun      *self);
gint64             aqmp_backup_run_get_current_progress (AqmpBackupRun    *self);
gint64             aqmp_backup_run_get_total_progress (AqmpBackupRun      *self);
GPtrArray         *aqmp_backup_run_get_jobs           (AqmpBackupRun      *self);
gboolean           aqmp_backup_run_is_cancelling      (AqmpBackupRun      *self);

void               aqmp_backup_run_run_async          (AqmpBackupRun      *self,
                                                       GCancellable       *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer            user_data);
AqmpBackupRecord  *aqmp_backup_run_run_finish         (AqmpBackupRun      *self,
                                                       GAsyncResult       *result,
                                                       GError            **error);
AqmpBackupRecord  *aqmp_backup_run_run_sync           (AqmpBackupRun      *self,
                                                       GCancellable       *cancellable,
                                                       GError            **error);

G_END_DECLS
