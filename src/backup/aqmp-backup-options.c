/* SPDX-License-Identifier: LGPL-2.1-or-later */

/**
 * SECTION:aqmp-backup-options
 * @title: AqmpBackupOptions
 * @short_description: what one backup run does
 *
 * The level, the disks (all of the machine's by default, or the ones
 * added, less the excluded ones), the directory the chains go to, a
 * speed limit, compression, and a guest agent to quiesce the guest
 * through while the backup starts.
 */

#include "config.h"

#include <unistd.h>

#include "aqmp-backup-private.h"

struct _AqmpBackupOptions {
  GObject parent_instance;
  AqmpBackupLevel level;
  gchar *directory;
  GPtrArray *disks;
  GPtrArray *excludes;
  guint64 speed;
  gboolean compress;
  AqmpGuestAgent *agent;
  guint32 started_by_uid;
};

G_DEFINE_FINAL_TYPE (AqmpBackupOptions, aqmp_backup_options, G_TYPE_OBJECT)

static void
aqmp_backup_options_finalize (GObject *object)
{
  AqmpBackupOptions *self = AQMP_BACKUP_OPTIONS (object);

  g_free (self->directory);
  g_ptr_array_unref (self->disks);
  g_ptr_array_unref (self->excludes);
  g_clear_object (&self->agent);
  G_OBJECT_CLASS (aqmp_backup_options_parent_class)->finalize (object);
}

static void
aqmp_backup_options_class_init (AqmpBackupOptionsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = aqmp_backup_options_finalize;
}

static void
aqmp_backup_options_init (AqmpBackupOptions *self)
{
  self->level = AQMP_BACKUP_LEVEL_AUTO;
  self->disks = g_ptr_array_new_null_terminated (4, g_free, TRUE);
  self->excludes = g_ptr_array_new_null_terminated (4, g_free, TRUE);
  self->started_by_uid = (guint32) getuid ();
}

/**
 * aqmp_backup_options_new:
 *
 * Options with the defaults: level auto, every disk, no speed limit, no
 * compression, no quiesce, and the directory
 * `$XDG_DATA_HOME/aqmp/backups`.
 *
 * Returns: (transfer full): new options
 *
 * Since: 0.1
 */
AqmpBackupOptions *
aqmp_backup_options_new (void)
{
  return g_object_new (AQMP_TYPE_BACKUP_OPTIONS, NULL);
}

/**
 * aqmp_backup_options_set_level:
 * @self: an #AqmpBackupOptions
 * @level: the level
 *
 * Sets the level.
 *
 * Since: 0.1
 */
void
aqmp_backup_options_set_level (AqmpBackupOptions *self, AqmpBackupLevel level)
{
  g_return_if_fail (AQMP_IS_BACKUP_OPTIONS (self));
  g_return_if_fail (level <= AQMP_BACKUP_LEVEL_AUTO);
  self->level = level;
}

/**
 * aqmp_backup_options_get_level:
 * @self: an #AqmpBackupOptions
 *
 * Returns the level asked for.
 *
 * Returns: the level asked for
 *
 * Since: 0.1
 */
AqmpBackupLevel
aqmp_backup_options_get_level (AqmpBackupOptions *self)
{
  g_return_val_if_fail (AQMP_IS_BACKUP_OPTIONS (self), AQMP_BACKUP_LEVEL_AUTO);
  return self->level;
}

/**
 * aqmp_backup_options_set_directory:
 * @self: an #AqmpBackupOptions
 * @directory: (nullable) (type filename): where chains go (as
 *   `DIRECTORY/MACHINE/CHAIN/DISK/`); %NULL for the default
 *
 * Used by a full backup only: later backups of a chain go where the
 * chain is.
 *
 * Since: 0.1
 */
void
aqmp_backup_options_set_directory (AqmpBackupOptions *self, const gchar *directory)
{
  g_return_if_fail (AQMP_IS_BACKUP_OPTIONS (self));
  g_free (self->directory);
  self->directory = g_strdup (directory);
}

/**
 * aqmp_backup_options_get_directory:
 * @self: an #AqmpBackupOptions
 *
 * Returns where chains go.
 *
 * Returns: (type filename): where chains go
 *
 * Since: 0.1
 */
const gchar *
aqmp_backup_options_get_directory (AqmpBackupOptions *self)
{
  g_return_val_if_fail (AQMP_IS_BACKUP_OPTIONS (self), NULL);
  if (self->directory == NULL)
    self->directory = g_build_filename (g_get_user_data_dir (), "aqmp", "backups", NULL);
  return self->directory;
}

/**
 * aqmp_backup_options_add_disk:
 * @self: an #AqmpBackupOptions
 * @disk: a block node name, or a device's name (its root node is used)
 *
 * Backs up @disk; once one disk is added, only the added disks are.
 *
 * Since: 0.1
 */
void
aqmp_backup_options_add_disk (AqmpBackupOptions *self, const gchar *disk)
{
  g_return_if_fail (AQMP_IS_BACKUP_OPTIONS (self));
  g_return_if_fail (disk != NULL);
  g_ptr_array_add (self->disks, g_strdup (disk));
}

/**
 * aqmp_backup_options_add_exclude:
 * @self: an #AqmpBackupOptions
 * @disk: a block node or device name
 *
 * Leaves @disk out.
 *
 * Since: 0.1
 */
void
aqmp_backup_options_add_exclude (AqmpBackupOptions *self, const gchar *disk)
{
  g_return_if_fail (AQMP_IS_BACKUP_OPTIONS (self));
  g_return_if_fail (disk != NULL);
  g_ptr_array_add (self->excludes, g_strdup (disk));
}

/**
 * aqmp_backup_options_get_disks:
 * @self: an #AqmpBackupOptions
 *
 * Returns the disks added.
 *
 * Returns: (transfer none) (array zero-terminated=1): the disks added
 *
 * Since: 0.1
 */
const gchar * const *
aqmp_backup_options_get_disks (AqmpBackupOptions *self)
{
  g_return_val_if_fail (AQMP_IS_BACKUP_OPTIONS (self), NULL);
  return (const gchar * const *) self->disks->pdata;
}

/**
 * aqmp_backup_options_get_excludes:
 * @self: an #AqmpBackupOptions
 *
 * Returns the disks left out.
 *
 * Returns: (transfer none) (array zero-terminated=1): the disks left out
 *
 * Since: 0.1
 */
const gchar * const *
aqmp_backup_options_get_excludes (AqmpBackupOptions *self)
{
  g_return_val_if_fail (AQMP_IS_BACKUP_OPTIONS (self), NULL);
  return (const gchar * const *) self->excludes->pdata;
}

/**
 * aqmp_backup_options_set_speed:
 * @self: an #AqmpBackupOptions
 * @speed: bytes per second for each disk's job, 0 for no limit
 *
 * Sets bytes per second for each disk's job, 0 for no limit.
 *
 * Since: 0.1
 */
void
aqmp_backup_options_set_speed (AqmpBackupOptions *self, guint64 speed)
{
  g_return_if_fail (AQMP_IS_BACKUP_OPTIONS (self));
  self->speed = speed;
}

/**
 * aqmp_backup_options_get_speed:
 * @self: an #AqmpBackupOptions
 *
 * Returns the speed limit, 0 for none.
 *
 * Returns: the speed limit, 0 for none
 *
 * Since: 0.1
 */
guint64
aqmp_backup_options_get_speed (AqmpBackupOptions *self)
{
  g_return_val_if_fail (AQMP_IS_BACKUP_OPTIONS (self), 0);
  return self->speed;
}

/**
 * aqmp_backup_options_set_compress:
 * @self: an #AqmpBackupOptions
 * @compress: write compressed qcow2 clusters
 *
 * Sets write compressed qcow2 clusters.
 *
 * Since: 0.1
 */
void
aqmp_backup_options_set_compress (AqmpBackupOptions *self, gboolean compress)
{
  g_return_if_fail (AQMP_IS_BACKUP_OPTIONS (self));
  self->compress = compress;
}

/**
 * aqmp_backup_options_get_compress:
 * @self: an #AqmpBackupOptions
 *
 * Returns whether the images are written compressed.
 *
 * Returns: whether the images are written compressed
 *
 * Since: 0.1
 */
gboolean
aqmp_backup_options_get_compress (AqmpBackupOptions *self)
{
  g_return_val_if_fail (AQMP_IS_BACKUP_OPTIONS (self), FALSE);
  return self->compress;
}

/**
 * aqmp_backup_options_set_guest_agent:
 * @self: an #AqmpBackupOptions
 * @agent: (nullable): the machine's guest agent, to freeze its file
 *   systems while the backup's jobs start (always thawed after)
 *
 * Sets the machine's guest agent, to freeze its file systems while the
 * backup's jobs start (always thawed after).
 *
 * Since: 0.1
 */
void
aqmp_backup_options_set_guest_agent (AqmpBackupOptions *self, AqmpGuestAgent *agent)
{
  g_return_if_fail (AQMP_IS_BACKUP_OPTIONS (self));
  g_set_object (&self->agent, agent);
}

/**
 * aqmp_backup_options_get_guest_agent:
 * @self: an #AqmpBackupOptions
 *
 * Returns the guest agent quiesced through.
 *
 * Returns: (transfer none) (nullable): the guest agent quiesced through
 *
 * Since: 0.1
 */
AqmpGuestAgent *
aqmp_backup_options_get_guest_agent (AqmpBackupOptions *self)
{
  g_return_val_if_fail (AQMP_IS_BACKUP_OPTIONS (self), NULL);
  return self->agent;
}

/**
 * aqmp_backup_options_set_started_by_uid:
 * @self: an #AqmpBackupOptions
 * @uid: the user on whose behalf the backup runs
 *
 * Recorded with each of the backup's jobs in the job store (see
 * aqmp_job_runner_start_full_async()), as a service that runs backups for
 * its callers records theirs. The default is this process's uid.
 *
 * Since: 0.1
 */
void
aqmp_backup_options_set_started_by_uid (AqmpBackupOptions *self, guint32 uid)
{
  g_return_if_fail (AQMP_IS_BACKUP_OPTIONS (self));
  self->started_by_uid = uid;
}

/**
 * aqmp_backup_options_get_started_by_uid:
 * @self: an #AqmpBackupOptions
 *
 * Returns the user on whose behalf the backup runs.
 *
 * Returns: the user on whose behalf the backup runs
 *
 * Since: 0.1
 */
guint32
aqmp_backup_options_get_started_by_uid (AqmpBackupOptions *self)
{
  g_return_val_if_fail (AQMP_IS_BACKUP_OPTIONS (self), 0);
  return self->started_by_uid;
}
