/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_BACKUP_H_INSIDE__) && !defined(AQMP_BACKUP_COMPILATION)
#error "Only <aqmp/aqmp-backup.h> can be included directly."
#endif

#include <aqmp/aqmp-jobs.h>

#include "aqmp-backup-record.h"

G_BEGIN_DECLS

#define AQMP_TYPE_BACKUP_CATALOG (aqmp_backup_catalog_get_type ())
/**
 * AqmpBackupCatalog:
 *
 * The chains, backups and images of a machine, kept in the job store.
 *
 * Since: 0.1
 */
G_DECLARE_FINAL_TYPE (AqmpBackupCatalog, aqmp_backup_catalog, AQMP, BACKUP_CATALOG, GObject)

AqmpBackupCatalog *aqmp_backup_catalog_new            (AqmpJobStore       *store,
                                                       GError            **error);
AqmpJobStore      *aqmp_backup_catalog_get_store      (AqmpBackupCatalog  *self);

GPtrArray         *aqmp_backup_catalog_list_chains    (AqmpBackupCatalog  *self,
                                                       const gchar        *machine,
                                                       GError            **error);
GPtrArray         *aqmp_backup_catalog_list_backups   (AqmpBackupCatalog  *self,
                                                       const gchar        *machine,
                                                       GError            **error);
GPtrArray         *aqmp_backup_catalog_list_backups_page (AqmpBackupCatalog *self,
                                                       const gchar        *machine,
                                                       guint               offset,
                                                       guint               limit,
                                                       GError            **error);
AqmpBackupRecord  *aqmp_backup_catalog_get_backup     (AqmpBackupCatalog  *self,
                                                       gint64              id,
                                                       GError            **error);
AqmpBackupChain   *aqmp_backup_catalog_get_chain      (AqmpBackupCatalog  *self,
                                                       gint64              id,
                                                       GError            **error);
GPtrArray         *aqmp_backup_catalog_list_images    (AqmpBackupCatalog  *self,
                                                       gint64              backup_id,
                                                       GError            **error);
GArray            *aqmp_backup_catalog_list_jobs      (AqmpBackupCatalog  *self,
                                                       gint64              backup_id,
                                                       GError            **error);

/* backups whose runner went away */
GPtrArray         *aqmp_backup_catalog_reconcile_sync (AqmpBackupCatalog  *self,
                                                       AqmpJobRunner      *runner,
                                                       GCancellable       *cancellable,
                                                       GError            **error);
void               aqmp_backup_catalog_reconcile_async (AqmpBackupCatalog  *self,
                                                        AqmpJobRunner      *runner,
                                                        GCancellable       *cancellable,
                                                        GAsyncReadyCallback callback,
                                                        gpointer            user_data);
GPtrArray         *aqmp_backup_catalog_reconcile_finish (AqmpBackupCatalog  *self,
                                                         GAsyncResult       *result,
                                                         GError            **error);

/* retention: whole chains, never the open one */
GPtrArray         *aqmp_backup_catalog_prune_sync     (AqmpBackupCatalog  *self,
                                                       const gchar        *machine,
                                                       guint               keep_chains,
                                                       gint64              older_than,
                                                       GError            **error);

/* restore: a standalone image of one disk at one backup, into a new file */
void               aqmp_backup_catalog_restore_async  (AqmpBackupCatalog  *self,
                                                       gint64              backup_id,
                                                       const gchar        *disk,
                                                       const gchar        *target,
                                                       GCancellable       *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer            user_data);
gboolean           aqmp_backup_catalog_restore_finish (AqmpBackupCatalog  *self,
                                                       GAsyncResult       *result,
                                                       GError            **error);
gboolean           aqmp_backup_catalog_restore_sync   (AqmpBackupCatalog  *self,
                                                       gint64              backup_id,
                                                       const gchar        *disk,
                                                       const gchar        *target,
                                                       GCancellable       *cancellable,
                                                       GError            **error);

/* verify: every image a backup needs; problems found, empty when intact */
void               aqmp_backup_catalog_verify_async   (AqmpBackupCatalog  *self,
                                                       gint64              backup_id,
                                                       const gchar        *disk,
                                                       const gchar        *compare_to,
                                                       GCancellable       *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer            user_data);
GStrv              aqmp_backup_catalog_verify_finish  (AqmpBackupCatalog  *self,
                                                       GAsyncResult       *result,
                                                       GError            **error);
GStrv              aqmp_backup_catalog_verify_sync    (AqmpBackupCatalog  *self,
                                                       gint64              backup_id,
                                                       const gchar        *disk,
                                                       const gchar        *compare_to,
                                                       GCancellable       *cancellable,
                                                       GError            **error);

G_END_DECLS
