/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Retention: removing whole chains (their image files, then their rows,
 * which take their backups, images and job links with them). A chain is
 * the unit because its images back each other: removing a chain never
 * removes an image that a kept backup needs. The machine's open chain is
 * never removed (its bitmaps are in use); the bitmaps of closed chains
 * were removed from QEMU when the newer full backup completed, and
 * `aqmp backup bitmaps --cleanup` removes any left over.
 */

#include "config.h"

#include <glib/gstdio.h>

#include "aqmp-backup-private.h"

/* the newest backup's time, or the chain's own */
static gint64
aqmp_backup_prune_last_time (AqmpBackupCatalog *self, AqmpBackupChain *chain, GPtrArray *backups)
{
  gint64 last = chain->created;

  for (guint i = 0; i < backups->len; i++)
    {
      AqmpBackupRecord *backup = g_ptr_array_index (backups, i);
      if (backup->chain_id == chain->id)
        last = MAX (last, backup->created);
    }
  return last;
}

static gboolean
aqmp_backup_prune_files (AqmpBackupCatalog *self, AqmpBackupChain *chain, GPtrArray *backups, GError **error)
{
  g_autoptr(GHashTable) dirs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer dir;

  for (guint i = 0; i < backups->len; i++)
    {
      AqmpBackupRecord *backup = g_ptr_array_index (backups, i);
      g_autoptr(GPtrArray) images = NULL;

      if (backup->chain_id != chain->id)
        continue;
      images = aqmp_backup_catalog_list_images (self, backup->id, error);
      if (images == NULL)
        return FALSE;
      for (guint j = 0; j < images->len; j++)
        {
          AqmpBackupImage *image = g_ptr_array_index (images, j);
          if (g_unlink (image->path) != 0 && errno != ENOENT)
            {
              int saved = errno;
              g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "Cannot remove %s: %s", image->path,
                           g_strerror (saved));
              return FALSE;
            }
          g_hash_table_add (dirs, g_path_get_dirname (image->path));
        }
    }
  /* the disks' directories, then the chain's, if nothing else is in them */
  g_hash_table_iter_init (&iter, dirs);
  while (g_hash_table_iter_next (&iter, &dir, NULL))
    g_rmdir (dir);
  g_rmdir (chain->directory);
  return TRUE;
}

/**
 * aqmp_backup_catalog_prune_sync:
 * @self: an #AqmpBackupCatalog
 * @machine: (nullable): only this machine's chains; %NULL for every
 *   machine's
 * @keep_chains: keep each machine's @keep_chains newest chains; 0 for no
 *   limit by number
 * @older_than: remove chains whose newest backup is older than this
 *   (microseconds since the epoch); 0 for no limit by age
 * @error: return location for an error
 *
 * Removes whole chains: their image files and their catalog rows. A
 * chain goes when it is beyond @keep_chains or older than @older_than
 * (either rule), or when its full backup failed. A machine's open chain
 * is never removed, so every image and bitmap that a kept backup needs
 * stays.
 *
 * Returns: (transfer container) (element-type AqmpBackupChain): the
 *   chains removed, or %NULL with @error set
 *
 * Since: 0.1
 */
GPtrArray *
aqmp_backup_catalog_prune_sync (AqmpBackupCatalog *self, const gchar *machine, guint keep_chains,
                                gint64 older_than, GError **error)
{
  g_autoptr(GPtrArray) chains = NULL;
  g_autoptr(GPtrArray) backups = NULL;
  g_autoptr(GPtrArray) removed = g_ptr_array_new_with_free_func ((GDestroyNotify) aqmp_backup_chain_unref);
  g_autoptr(GHashTable) kept = g_hash_table_new (g_str_hash, g_str_equal);

  g_return_val_if_fail (AQMP_IS_BACKUP_CATALOG (self), NULL);
  chains = aqmp_backup_catalog_list_chains (self, machine, error);
  if (chains == NULL)
    return NULL;
  backups = aqmp_backup_catalog_list_backups (self, machine, error);
  if (backups == NULL)
    return NULL;
  /* newest first, counting each machine's chains */
  for (guint i = chains->len; i-- > 0;)
    {
      AqmpBackupChain *chain = g_ptr_array_index (chains, i);
      guint count = GPOINTER_TO_UINT (g_hash_table_lookup (kept, chain->machine));
      gboolean too_many = keep_chains > 0 && count >= keep_chains;
      gboolean too_old = older_than > 0 && aqmp_backup_prune_last_time (self, chain, backups) < older_than;

      if (chain->open || (!too_many && !too_old && !chain->failed))
        {
          g_hash_table_insert (kept, chain->machine, GUINT_TO_POINTER (count + 1));
          continue;
        }
      if (!aqmp_backup_prune_files (self, chain, backups, error) ||
          !aqmp_backup_catalog_delete_chain (self, chain->id, error))
        return NULL;
      g_ptr_array_add (removed, aqmp_backup_chain_ref (chain));
    }
  return g_steal_pointer (&removed);
}
