/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_BACKUP_H_INSIDE__) && !defined(AQMP_BACKUP_COMPILATION)
#error "Only <aqmp/aqmp-backup.h> can be included directly."
#endif

#include <aqmp-qga/aqmp-qga.h>

#include "aqmp-backup-enums.h"

G_BEGIN_DECLS

#define AQMP_TYPE_BACKUP_OPTIONS (aqmp_backup_options_get_type ())
/**
 * AqmpBackupOptions:
 *
 * What one backup run does: its level, disks, targets and limits.
 *
 * Since: 0.1
 */
G_DECLARE_FINAL_TYPE (AqmpBackupOptions, aqmp_backup_options, AQMP, BACKUP_OPTIONS, GObject)

AqmpBackupOptions *aqmp_backup_options_new            (void);
void               aqmp_backup_options_set_level      (AqmpBackupOptions *self,
                                                       AqmpBackupLevel    level);
AqmpBackupLevel    aqmp_backup_options_get_level      (AqmpBackupOptions *self);
void               aqmp_backup_options_set_directory  (AqmpBackupOptions *self,
                                                       const gchar       *directory);
const gchar       *aqmp_backup_options_get_directory  (AqmpBackupOptions *self);
void               aqmp_backup_options_add_disk       (AqmpBackupOptions *self,
                                                       const gchar       *disk);
void               aqmp_backup_options_add_exclude    (AqmpBackupOptions *self,
                                                       const gchar       *disk);
const gchar * const *aqmp_backup_options_get_disks    (AqmpBackupOptions *self);
const gchar * const *aqmp_backup_options_get_excludes (AqmpBackupOptions *self);
void               aqmp_backup_options_set_speed      (AqmpBackupOptions *self,
                                                       guint64            speed);
guint64            aqmp_backup_options_get_speed      (AqmpBackupOptions *self);
void               aqmp_backup_options_set_compress   (AqmpBackupOptions *self,
                                                       gboolean           compress);
gboolean           aqmp_backup_options_get_compress   (AqmpBackupOptions *self);
void               aqmp_backup_options_set_guest_agent (AqmpBackupOptions *self,
                                                        AqmpGuestAgent    *agent);
AqmpGuestAgent    *aqmp_backup_options_get_guest_agent (AqmpBackupOptions *self);
void               aqmp_backup_options_set_started_by_uid (AqmpBackupOptions *self,
                                                           guint32            uid);
guint32            aqmp_backup_options_get_started_by_uid (AqmpBackupOptions *self);

G_END_DECLS
