/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmp-backup-private.h"

/**
 * aqmp_backup_error_quark:
 *
 * Returns the #GQuark of the %AQMP_BACKUP_ERROR domain.
 *
 * Returns: the #GQuark of the %AQMP_BACKUP_ERROR domain
 *
 * Since: 0.1
 */
G_DEFINE_QUARK (aqmp-backup-error-quark, aqmp_backup_error)

static const gchar *const aqmp_backup_level_names[] = {
  [AQMP_BACKUP_LEVEL_FULL] = "full",
  [AQMP_BACKUP_LEVEL_INCREMENTAL] = "incremental",
  [AQMP_BACKUP_LEVEL_DIFFERENTIAL] = "differential",
  [AQMP_BACKUP_LEVEL_AUTO] = "auto",
};

static const gchar *const aqmp_backup_state_names[] = {
  [AQMP_BACKUP_STATE_RUNNING] = "running",
  [AQMP_BACKUP_STATE_COMPLETED] = "completed",
  [AQMP_BACKUP_STATE_FAILED] = "failed",
  [AQMP_BACKUP_STATE_CANCELLED] = "cancelled",
};

/**
 * aqmp_backup_level_to_string:
 * @level: an #AqmpBackupLevel
 *
 * Returns the level's word ("full", "incremental", "differential", "auto"),
 * as the catalog and the command line write it.
 *
 * Returns: the level's word ("full", "incremental", "differential",
 *   "auto"), as the catalog and the command line write it
 *
 * Since: 0.1
 */
const gchar *
aqmp_backup_level_to_string (AqmpBackupLevel level)
{
  g_return_val_if_fail (level <= AQMP_BACKUP_LEVEL_AUTO, NULL);
  return aqmp_backup_level_names[level];
}

/**
 * aqmp_backup_level_from_string:
 * @text: a level's word
 * @level: (out): the level
 *
 * Returns %TRUE if @text names a level.
 *
 * Returns: %TRUE if @text names a level
 *
 * Since: 0.1
 */
gboolean
aqmp_backup_level_from_string (const gchar *text, AqmpBackupLevel *level)
{
  g_return_val_if_fail (level != NULL, FALSE);
  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (aqmp_backup_level_names); i++)
    {
      if (g_strcmp0 (text, aqmp_backup_level_names[i]) != 0)
        continue;
      *level = (AqmpBackupLevel) i;
      return TRUE;
    }
  return FALSE;
}

/**
 * aqmp_backup_state_to_string:
 * @state: an #AqmpBackupState
 *
 * Returns the state's word ("running", "completed", "failed", "cancelled").
 *
 * Returns: the state's word ("running", "completed", "failed",
 *   "cancelled")
 *
 * Since: 0.1
 */
const gchar *
aqmp_backup_state_to_string (AqmpBackupState state)
{
  g_return_val_if_fail (state <= AQMP_BACKUP_STATE_CANCELLED, NULL);
  return aqmp_backup_state_names[state];
}

AqmpBackupState
aqmp_backup_state_from_string (const gchar *text)
{
  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (aqmp_backup_state_names); i++)
    if (g_strcmp0 (text, aqmp_backup_state_names[i]) == 0)
      return (AqmpBackupState) i;
  return AQMP_BACKUP_STATE_FAILED;
}
