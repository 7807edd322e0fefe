/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_BACKUP_H_INSIDE__) && !defined(AQMP_BACKUP_COMPILATION)
#error "Only <aqmp/aqmp-backup.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/**
 * AqmpBackupLevel:
 * @AQMP_BACKUP_LEVEL_FULL: every cluster of every disk; starts a new chain
 *   and its dirty bitmaps
 * @AQMP_BACKUP_LEVEL_INCREMENTAL: what changed since the chain's previous
 *   full or incremental backup, into an image backed by that backup's
 * @AQMP_BACKUP_LEVEL_DIFFERENTIAL: what changed since the chain's full
 *   backup, into an image backed by the full backup's
 * @AQMP_BACKUP_LEVEL_AUTO: incremental when the machine has a usable
 *   chain, full otherwise (the run says why)
 *
 * How much a backup copies. The nick is the word the catalog and the
 * command line use ("full", "incremental", "differential", "auto").
 *
 * Since: 0.1
 */
typedef enum {
  AQMP_BACKUP_LEVEL_FULL,
  AQMP_BACKUP_LEVEL_INCREMENTAL,
  AQMP_BACKUP_LEVEL_DIFFERENTIAL,
  AQMP_BACKUP_LEVEL_AUTO,
} AqmpBackupLevel;

/**
 * AqmpBackupState:
 * @AQMP_BACKUP_STATE_RUNNING: its jobs run (or ran in a runner that went
 *   away before it wrote the outcome)
 * @AQMP_BACKUP_STATE_COMPLETED: every image is written; restorable
 * @AQMP_BACKUP_STATE_FAILED: a job or a step failed; its images are not
 *   part of the chain
 * @AQMP_BACKUP_STATE_CANCELLED: cancelled; its images are not part of the
 *   chain
 *
 * Where a backup is. Only completed backups are restored from or built
 * upon.
 *
 * Since: 0.1
 */
typedef enum {
  AQMP_BACKUP_STATE_RUNNING,
  AQMP_BACKUP_STATE_COMPLETED,
  AQMP_BACKUP_STATE_FAILED,
  AQMP_BACKUP_STATE_CANCELLED,
} AqmpBackupState;

const gchar *aqmp_backup_level_to_string (AqmpBackupLevel level);
gboolean     aqmp_backup_level_from_string (const gchar     *text,
                                            AqmpBackupLevel *level);
const gchar *aqmp_backup_state_to_string (AqmpBackupState state);

G_END_DECLS
