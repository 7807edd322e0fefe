/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <aqmp/aqmp-backup.h>

G_BEGIN_DECLS

/*
 * How `aqmp backup run` shows a backup: on a terminal, one progress bar
 * for the whole backup (bytes copied over bytes to copy over all disks,
 * rate, ETA), redrawn at most ten times a second, and a line at the end;
 * otherwise, and with --json, a JSON line for the level chosen, for each
 * change of progress and for the end. Internal to the command line tool.
 */
typedef struct _AqmpBackupProgress AqmpBackupProgress;

AqmpBackupProgress *aqmp_backup_progress_new     (gboolean            json);
void                aqmp_backup_progress_free    (AqmpBackupProgress *self);
gboolean            aqmp_backup_progress_has_bar (AqmpBackupProgress *self);
void                aqmp_backup_progress_watch   (AqmpBackupProgress *self,
                                                  AqmpBackupRun      *run);
void                aqmp_backup_progress_ended   (AqmpBackupProgress *self,
                                                  AqmpBackupRun      *run,
                                                  AqmpBackupRecord   *record,
                                                  const GError       *error);
void                aqmp_backup_progress_clear   (AqmpBackupProgress *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AqmpBackupProgress, aqmp_backup_progress_free)

G_END_DECLS
