/* SPDX-License-Identifier: LGPL-2.1-or-later */

/**
 * SECTION:aqmp-backup-record
 * @title: Backup records
 * @short_description: chains, backups and images as the catalog has them
 *
 * #AqmpBackupChain, #AqmpBackupRecord and #AqmpBackupImage are
 * reference-counted boxed types with typed accessors, read from the
 * catalog (#AqmpBackupCatalog). Text that is not known is %NULL, times
 * (microseconds since the epoch) and ids that are not known are 0.
 * The `_to_json()` form is the one `aqmp backup list --json` prints; the
 * `_to_variant()` form is the same as an `a{sv}` without unknown values.
 */

#include "config.h"

#include "aqmp-backup-private.h"

G_DEFINE_BOXED_TYPE (AqmpBackupChain, aqmp_backup_chain, aqmp_backup_chain_ref, aqmp_backup_chain_unref)
G_DEFINE_BOXED_TYPE (AqmpBackupRecord, aqmp_backup_record, aqmp_backup_record_ref, aqmp_backup_record_unref)
G_DEFINE_BOXED_TYPE (AqmpBackupImage, aqmp_backup_image, aqmp_backup_image_ref, aqmp_backup_image_unref)

/* a{sv} without the unknown values */
static void
add_string (GVariantBuilder *builder, JsonObject *json, const gchar *key, const gchar *value)
{
  if (value == NULL)
    {
      json_object_set_null_member (json, key);
      return;
    }
  json_object_set_string_member (json, key, value);
  g_variant_builder_add (builder, "{sv}", key, g_variant_new_string (value));
}

static void
add_int (GVariantBuilder *builder, JsonObject *json, const gchar *key, gint64 value, gboolean known)
{
  if (!known)
    {
      json_object_set_null_member (json, key);
      return;
    }
  json_object_set_int_member (json, key, value);
  g_variant_builder_add (builder, "{sv}", key, g_variant_new_int64 (value));
}

static void
add_bool (GVariantBuilder *builder, JsonObject *json, const gchar *key, gboolean value)
{
  json_object_set_boolean_member (json, key, value);
  g_variant_builder_add (builder, "{sv}", key, g_variant_new_boolean (value));
}

/* the chain */

AqmpBackupChain *
aqmp_backup_chain_new_empty (void)
{
  AqmpBackupChain *self = g_new0 (AqmpBackupChain, 1);
  self->ref_count = 1;
  return self;
}

/**
 * aqmp_backup_chain_ref:
 * @self: an #AqmpBackupChain
 *
 * Takes a reference to @self.
 *
 * Returns: (transfer full): @self
 *
 * Since: 0.1
 */
AqmpBackupChain *
aqmp_backup_chain_ref (AqmpBackupChain *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_int_inc (&self->ref_count);
  return self;
}

/**
 * aqmp_backup_chain_unref:
 * @self: (transfer full): an #AqmpBackupChain
 *
 * Drops a reference to @self, freeing it with the last one.
 *
 * Since: 0.1
 */
void
aqmp_backup_chain_unref (AqmpBackupChain *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_free (self->machine);
  g_free (self->name);
  g_free (self->directory);
  g_free (self->bitmap);
  g_free (self->diff_bitmap);
  g_free (self);
}

/**
 * aqmp_backup_chain_get_id:
 * @self: an #AqmpBackupChain
 *
 * Returns the chain's id in the catalog.
 *
 * Returns: the chain's id in the catalog
 *
 * Since: 0.1
 */
gint64
aqmp_backup_chain_get_id (AqmpBackupChain *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->id;
}

/**
 * aqmp_backup_chain_get_machine:
 * @self: an #AqmpBackupChain
 *
 * Returns the machine, as the job runner names it.
 *
 * Returns: the machine, as the job runner names it
 *
 * Since: 0.1
 */
const gchar *
aqmp_backup_chain_get_machine (AqmpBackupChain *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->machine;
}

/**
 * aqmp_backup_chain_get_name:
 * @self: an #AqmpBackupChain
 *
 * Returns the chain's name, which is also its directory's and part of its
 * bitmaps' names.
 *
 * Returns: the chain's name, which is also its directory's and part of
 *   its bitmaps' names
 *
 * Since: 0.1
 */
const gchar *
aqmp_backup_chain_get_name (AqmpBackupChain *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->name;
}

/**
 * aqmp_backup_chain_get_directory:
 * @self: an #AqmpBackupChain
 *
 * Returns the directory above the chain's disks' directories.
 *
 * Returns: (type filename): the directory above the chain's disks'
 *   directories
 *
 * Since: 0.1
 */
const gchar *
aqmp_backup_chain_get_directory (AqmpBackupChain *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->directory;
}

/**
 * aqmp_backup_chain_get_bitmap:
 * @self: an #AqmpBackupChain
 *
 * Returns the name of the persistent dirty bitmap that incremental backups
 * copy from and clear, %NULL for a chain of disks that cannot hold one (raw
 * images).
 *
 * Returns: (nullable): the name of the persistent dirty bitmap that
 *   incremental backups copy from and clear, %NULL for a chain of disks
 *   that cannot hold one (raw images)
 *
 * Since: 0.1
 */
const gchar *
aqmp_backup_chain_get_bitmap (AqmpBackupChain *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->bitmap;
}

/**
 * aqmp_backup_chain_get_diff_bitmap:
 * @self: an #AqmpBackupChain
 *
 * Returns the name of the persistent dirty bitmap that only the full backup
 * clears, which differential backups copy from.
 *
 * Returns: (nullable): the name of the persistent dirty bitmap that only
 *   the full backup clears, which differential backups copy from
 *
 * Since: 0.1
 */
const gchar *
aqmp_backup_chain_get_diff_bitmap (AqmpBackupChain *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->diff_bitmap;
}

/**
 * aqmp_backup_chain_is_open:
 * @self: an #AqmpBackupChain
 *
 * Returns %TRUE while backups may be added to the chain (until a newer full
 * backup of the machine starts another).
 *
 * Returns: %TRUE while backups may be added to the chain (until a newer
 *   full backup of the machine starts another)
 *
 * Since: 0.1
 */
gboolean
aqmp_backup_chain_is_open (AqmpBackupChain *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->open;
}

/**
 * aqmp_backup_chain_get_created:
 * @self: an #AqmpBackupChain
 *
 * Returns when the chain was made, in microseconds since the epoch.
 *
 * Returns: when the chain was made, in microseconds since the epoch
 *
 * Since: 0.1
 */
gint64
aqmp_backup_chain_get_created (AqmpBackupChain *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->created;
}

static JsonObject *
aqmp_backup_chain_build (AqmpBackupChain *self, GVariantBuilder *builder)
{
  JsonObject *json = json_object_new ();

  add_int (builder, json, "id", self->id, TRUE);
  add_string (builder, json, "machine", self->machine);
  add_string (builder, json, "name", self->name);
  add_string (builder, json, "directory", self->directory);
  add_string (builder, json, "bitmap", self->bitmap);
  add_string (builder, json, "diff-bitmap", self->diff_bitmap);
  add_bool (builder, json, "open", self->open);
  add_int (builder, json, "created", self->created, self->created != 0);
  return json;
}

/**
 * aqmp_backup_chain_to_json:
 * @self: an #AqmpBackupChain
 *
 * Returns the chain as JSON (`id`, `machine`, `name`, `directory`,
 * `bitmap`, `diff-bitmap`, `open`, `created`).
 *
 * Returns: (transfer full): the chain as JSON (`id`, `machine`, `name`,
 *   `directory`, `bitmap`, `diff-bitmap`, `open`, `created`)
 *
 * Since: 0.1
 */
JsonObject *
aqmp_backup_chain_to_json (AqmpBackupChain *self)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_return_val_if_fail (self != NULL, NULL);
  return aqmp_backup_chain_build (self, &builder);
}

/**
 * aqmp_backup_chain_to_variant:
 * @self: an #AqmpBackupChain
 *
 * Returns the chain as an `a{sv}`, the keys of aqmp_backup_chain_to_json()
 * without unknown values.
 *
 * Returns: (transfer floating): the chain as an `a{sv}`, the keys of
 *   aqmp_backup_chain_to_json() without unknown values
 *
 * Since: 0.1
 */
GVariant *
aqmp_backup_chain_to_variant (AqmpBackupChain *self)
{
  GVariantBuilder builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_return_val_if_fail (self != NULL, NULL);
  json_object_unref (aqmp_backup_chain_build (self, &builder));
  return g_variant_builder_end (&builder);
}

/* the backup */

AqmpBackupRecord *
aqmp_backup_record_new_empty (void)
{
  AqmpBackupRecord *self = g_new0 (AqmpBackupRecord, 1);
  self->ref_count = 1;
  return self;
}

/**
 * aqmp_backup_record_ref:
 * @self: an #AqmpBackupRecord
 *
 * Takes a reference to @self.
 *
 * Returns: (transfer full): @self
 *
 * Since: 0.1
 */
AqmpBackupRecord *
aqmp_backup_record_ref (AqmpBackupRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_int_inc (&self->ref_count);
  return self;
}

/**
 * aqmp_backup_record_unref:
 * @self: (transfer full): an #AqmpBackupRecord
 *
 * Drops a reference to @self, freeing it with the last one.
 *
 * Since: 0.1
 */
void
aqmp_backup_record_unref (AqmpBackupRecord *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_free (self->machine);
  g_free (self->chain_name);
  g_free (self->reason);
  g_free (self->error);
  g_free (self);
}

/**
 * aqmp_backup_record_get_id:
 * @self: an #AqmpBackupRecord
 *
 * Returns the backup's id in the catalog (what `aqmp backup show` takes).
 *
 * Returns: the backup's id in the catalog (what `aqmp backup show` takes)
 *
 * Since: 0.1
 */
gint64
aqmp_backup_record_get_id (AqmpBackupRecord *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->id;
}

/**
 * aqmp_backup_record_get_chain_id:
 * @self: an #AqmpBackupRecord
 *
 * Returns the id of the backup's chain.
 *
 * Returns: the id of the backup's chain
 *
 * Since: 0.1
 */
gint64
aqmp_backup_record_get_chain_id (AqmpBackupRecord *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->chain_id;
}

/**
 * aqmp_backup_record_get_machine:
 * @self: an #AqmpBackupRecord
 *
 * Returns the machine the backup is of.
 *
 * Returns: the machine the backup is of
 *
 * Since: 0.1
 */
const gchar *
aqmp_backup_record_get_machine (AqmpBackupRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->machine;
}

/**
 * aqmp_backup_record_get_chain_name:
 * @self: an #AqmpBackupRecord
 *
 * Returns the name of the backup's chain.
 *
 * Returns: the name of the backup's chain
 *
 * Since: 0.1
 */
const gchar *
aqmp_backup_record_get_chain_name (AqmpBackupRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->chain_name;
}

/**
 * aqmp_backup_record_get_parent_id:
 * @self: an #AqmpBackupRecord
 *
 * Returns the id of the backup whose images back this one's, 0 for a full
 * backup.
 *
 * Returns: the id of the backup whose images back this one's, 0 for a
 *   full backup
 *
 * Since: 0.1
 */
gint64
aqmp_backup_record_get_parent_id (AqmpBackupRecord *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->parent_id;
}

/**
 * aqmp_backup_record_get_level:
 * @self: an #AqmpBackupRecord
 *
 * Returns the level the backup ran at (never %AQMP_BACKUP_LEVEL_AUTO).
 *
 * Returns: the level the backup ran at (never %AQMP_BACKUP_LEVEL_AUTO)
 *
 * Since: 0.1
 */
AqmpBackupLevel
aqmp_backup_record_get_level (AqmpBackupRecord *self)
{
  g_return_val_if_fail (self != NULL, AQMP_BACKUP_LEVEL_FULL);
  return self->level;
}

/**
 * aqmp_backup_record_get_requested_level:
 * @self: an #AqmpBackupRecord
 *
 * Returns the level that was asked for.
 *
 * Returns: the level that was asked for
 *
 * Since: 0.1
 */
AqmpBackupLevel
aqmp_backup_record_get_requested_level (AqmpBackupRecord *self)
{
  g_return_val_if_fail (self != NULL, AQMP_BACKUP_LEVEL_FULL);
  return self->requested;
}

/**
 * aqmp_backup_record_get_reason:
 * @self: an #AqmpBackupRecord
 *
 * Returns why the level was chosen, when it was not the one asked for or
 * "auto" chose it.
 *
 * Returns: (nullable): why the level was chosen, when it was not the
 *   one asked for or "auto" chose it
 *
 * Since: 0.1
 */
const gchar *
aqmp_backup_record_get_reason (AqmpBackupRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->reason;
}

/**
 * aqmp_backup_record_get_state:
 * @self: an #AqmpBackupRecord
 *
 * Returns where the backup is.
 *
 * Returns: where the backup is
 *
 * Since: 0.1
 */
AqmpBackupState
aqmp_backup_record_get_state (AqmpBackupRecord *self)
{
  g_return_val_if_fail (self != NULL, AQMP_BACKUP_STATE_FAILED);
  return self->state;
}

/**
 * aqmp_backup_record_get_error:
 * @self: an #AqmpBackupRecord
 *
 * Returns why the backup failed.
 *
 * Returns: (nullable): why the backup failed
 *
 * Since: 0.1
 */
const gchar *
aqmp_backup_record_get_error (AqmpBackupRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->error;
}

/**
 * aqmp_backup_record_is_quiesced:
 * @self: an #AqmpBackupRecord
 *
 * Returns %TRUE if the guest's file systems were frozen while the backup
 * started.
 *
 * Returns: %TRUE if the guest's file systems were frozen while the
 *   backup started
 *
 * Since: 0.1
 */
gboolean
aqmp_backup_record_is_quiesced (AqmpBackupRecord *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->quiesced;
}

/**
 * aqmp_backup_record_is_compressed:
 * @self: an #AqmpBackupRecord
 *
 * Returns %TRUE if the images were written compressed.
 *
 * Returns: %TRUE if the images were written compressed
 *
 * Since: 0.1
 */
gboolean
aqmp_backup_record_is_compressed (AqmpBackupRecord *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->compressed;
}

/**
 * aqmp_backup_record_get_bytes:
 * @self: an #AqmpBackupRecord
 *
 * Returns the bytes the backup's jobs copied.
 *
 * Returns: the bytes the backup's jobs copied
 *
 * Since: 0.1
 */
gint64
aqmp_backup_record_get_bytes (AqmpBackupRecord *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->bytes;
}

/**
 * aqmp_backup_record_get_created:
 * @self: an #AqmpBackupRecord
 *
 * Returns when the backup started, in microseconds since the epoch.
 *
 * Returns: when the backup started, in microseconds since the epoch
 *
 * Since: 0.1
 */
gint64
aqmp_backup_record_get_created (AqmpBackupRecord *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->created;
}

/**
 * aqmp_backup_record_get_finished:
 * @self: an #AqmpBackupRecord
 *
 * Returns when the backup ended, 0 while it runs.
 *
 * Returns: when the backup ended, 0 while it runs
 *
 * Since: 0.1
 */
gint64
aqmp_backup_record_get_finished (AqmpBackupRecord *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->finished;
}

static JsonObject *
aqmp_backup_record_build (AqmpBackupRecord *self, GVariantBuilder *builder)
{
  JsonObject *json = json_object_new ();

  add_int (builder, json, "id", self->id, TRUE);
  add_int (builder, json, "chain", self->chain_id, TRUE);
  add_string (builder, json, "chain-name", self->chain_name);
  add_string (builder, json, "machine", self->machine);
  add_int (builder, json, "parent", self->parent_id, self->parent_id != 0);
  add_string (builder, json, "level", aqmp_backup_level_to_string (self->level));
  add_string (builder, json, "requested-level", aqmp_backup_level_to_string (self->requested));
  add_string (builder, json, "reason", self->reason);
  add_string (builder, json, "state", aqmp_backup_state_to_string (self->state));
  add_string (builder, json, "error", self->error);
  add_bool (builder, json, "quiesced", self->quiesced);
  add_bool (builder, json, "compressed", self->compressed);
  add_int (builder, json, "bytes", self->bytes, TRUE);
  add_int (builder, json, "created", self->created, self->created != 0);
  add_int (builder, json, "finished", self->finished, self->finished != 0);
  return json;
}

/**
 * aqmp_backup_record_to_json:
 * @self: an #AqmpBackupRecord
 *
 * Returns the backup as JSON (`id`, `chain`, `chain-name`, `machine`,
 * `parent`, `level`, `requested-level`, `reason`, `state`, `error`,
 * `quiesced`, `compressed`, `bytes`, `created`, `finished`).
 *
 * Returns: (transfer full): the backup as JSON (`id`, `chain`,
 *   `chain-name`, `machine`, `parent`, `level`, `requested-level`,
 *   `reason`, `state`, `error`, `quiesced`, `compressed`, `bytes`,
 *   `created`, `finished`)
 *
 * Since: 0.1
 */
JsonObject *
aqmp_backup_record_to_json (AqmpBackupRecord *self)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_return_val_if_fail (self != NULL, NULL);
  return aqmp_backup_record_build (self, &builder);
}

/**
 * aqmp_backup_record_to_variant:
 * @self: an #AqmpBackupRecord
 *
 * Returns the backup as an `a{sv}`, the keys of
 * aqmp_backup_record_to_json() without unknown values.
 *
 * Returns: (transfer floating): the backup as an `a{sv}`, the keys of
 *   aqmp_backup_record_to_json() without unknown values
 *
 * Since: 0.1
 */
GVariant *
aqmp_backup_record_to_variant (AqmpBackupRecord *self)
{
  GVariantBuilder builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_return_val_if_fail (self != NULL, NULL);
  json_object_unref (aqmp_backup_record_build (self, &builder));
  return g_variant_builder_end (&builder);
}

/* the image */

AqmpBackupImage *
aqmp_backup_image_new_empty (void)
{
  AqmpBackupImage *self = g_new0 (AqmpBackupImage, 1);
  self->ref_count = 1;
  return self;
}

/**
 * aqmp_backup_image_ref:
 * @self: an #AqmpBackupImage
 *
 * Takes a reference to @self.
 *
 * Returns: (transfer full): @self
 *
 * Since: 0.1
 */
AqmpBackupImage *
aqmp_backup_image_ref (AqmpBackupImage *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_int_inc (&self->ref_count);
  return self;
}

/**
 * aqmp_backup_image_unref:
 * @self: (transfer full): an #AqmpBackupImage
 *
 * Drops a reference to @self, freeing it with the last one.
 *
 * Since: 0.1
 */
void
aqmp_backup_image_unref (AqmpBackupImage *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_free (self->disk);
  g_free (self->source);
  g_free (self->path);
  g_free (self->node);
  g_free (self->job_id);
  g_free (self->backing_path);
  g_free (self->bitmap);
  g_free (self->checksum);
  g_free (self);
}

/**
 * aqmp_backup_image_get_id:
 * @self: an #AqmpBackupImage
 *
 * Returns the image's id in the catalog.
 *
 * Returns: the image's id in the catalog
 *
 * Since: 0.1
 */
gint64
aqmp_backup_image_get_id (AqmpBackupImage *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->id;
}

/**
 * aqmp_backup_image_get_backup_id:
 * @self: an #AqmpBackupImage
 *
 * Returns the id of the backup the image belongs to.
 *
 * Returns: the id of the backup the image belongs to
 *
 * Since: 0.1
 */
gint64
aqmp_backup_image_get_backup_id (AqmpBackupImage *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->backup_id;
}

/**
 * aqmp_backup_image_get_disk:
 * @self: an #AqmpBackupImage
 *
 * Returns the disk (the block node's name in QEMU).
 *
 * Returns: the disk (the block node's name in QEMU)
 *
 * Since: 0.1
 */
const gchar *
aqmp_backup_image_get_disk (AqmpBackupImage *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->disk;
}

/**
 * aqmp_backup_image_get_path:
 * @self: an #AqmpBackupImage
 *
 * Returns the image file.
 *
 * Returns: (type filename): the image file
 *
 * Since: 0.1
 */
const gchar *
aqmp_backup_image_get_path (AqmpBackupImage *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->path;
}

/**
 * aqmp_backup_image_get_backing_id:
 * @self: an #AqmpBackupImage
 *
 * Returns the id of the image this one's backing file is, 0 for the image
 * of a full backup.
 *
 * Returns: the id of the image this one's backing file is, 0 for the
 *   image of a full backup
 *
 * Since: 0.1
 */
gint64
aqmp_backup_image_get_backing_id (AqmpBackupImage *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->backing_id;
}

/**
 * aqmp_backup_image_get_backing_path:
 * @self: an #AqmpBackupImage
 *
 * Returns the backing image's file.
 *
 * Returns: (nullable) (type filename): the backing image's file
 *
 * Since: 0.1
 */
const gchar *
aqmp_backup_image_get_backing_path (AqmpBackupImage *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->backing_path;
}

/**
 * aqmp_backup_image_get_virtual_size:
 * @self: an #AqmpBackupImage
 *
 * Returns the disk's size as the guest sees it, in bytes.
 *
 * Returns: the disk's size as the guest sees it, in bytes
 *
 * Since: 0.1
 */
gint64
aqmp_backup_image_get_virtual_size (AqmpBackupImage *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->virtual_size;
}

/**
 * aqmp_backup_image_get_size:
 * @self: an #AqmpBackupImage
 *
 * Returns the image file's size in bytes, 0 while not known.
 *
 * Returns: the image file's size in bytes, 0 while not known
 *
 * Since: 0.1
 */
gint64
aqmp_backup_image_get_size (AqmpBackupImage *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->size;
}

/**
 * aqmp_backup_image_get_bitmap:
 * @self: an #AqmpBackupImage
 *
 * Returns the dirty bitmap the image's job copied from (%NULL for a full
 * backup).
 *
 * Returns: (nullable): the dirty bitmap the image's job copied from
 *   (%NULL for a full backup)
 *
 * Since: 0.1
 */
const gchar *
aqmp_backup_image_get_bitmap (AqmpBackupImage *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->bitmap;
}

/**
 * aqmp_backup_image_get_checksum:
 * @self: an #AqmpBackupImage
 *
 * Returns `sha256:` and the hex SHA-256 of the image file once written,
 * which verify checks.
 *
 * Returns: (nullable): `sha256:` and the hex SHA-256 of the image file
 *   once written, which verify checks
 *
 * Since: 0.1
 */
const gchar *
aqmp_backup_image_get_checksum (AqmpBackupImage *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->checksum;
}

/**
 * aqmp_backup_image_get_job_id:
 * @self: an #AqmpBackupImage
 *
 * Returns the QEMU job-id of the backup job that wrote the image.
 *
 * Returns: (nullable): the QEMU job-id of the backup job that wrote the
 *   image
 *
 * Since: 0.1
 */
const gchar *
aqmp_backup_image_get_job_id (AqmpBackupImage *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->job_id;
}

static JsonObject *
aqmp_backup_image_build (AqmpBackupImage *self, GVariantBuilder *builder)
{
  JsonObject *json = json_object_new ();

  add_int (builder, json, "id", self->id, TRUE);
  add_int (builder, json, "backup", self->backup_id, TRUE);
  add_string (builder, json, "disk", self->disk);
  add_string (builder, json, "path", self->path);
  add_int (builder, json, "backing", self->backing_id, self->backing_id != 0);
  add_string (builder, json, "backing-path", self->backing_path);
  add_int (builder, json, "virtual-size", self->virtual_size, TRUE);
  add_int (builder, json, "size", self->size, self->size != 0);
  add_string (builder, json, "bitmap", self->bitmap);
  add_string (builder, json, "checksum", self->checksum);
  add_string (builder, json, "job-id", self->job_id);
  return json;
}

/**
 * aqmp_backup_image_to_json:
 * @self: an #AqmpBackupImage
 *
 * Returns the image as JSON (`id`, `backup`, `disk`, `path`, `backing`,
 * `backing-path`, `virtual-size`, `size`, `bitmap`, `checksum`, `job-id`).
 *
 * Returns: (transfer full): the image as JSON (`id`, `backup`, `disk`,
 *   `path`, `backing`, `backing-path`, `virtual-size`, `size`, `bitmap`,
 *   `checksum`, `job-id`)
 *
 * Since: 0.1
 */
JsonObject *
aqmp_backup_image_to_json (AqmpBackupImage *self)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_return_val_if_fail (self != NULL, NULL);
  return aqmp_backup_image_build (self, &builder);
}

/**
 * aqmp_backup_image_to_variant:
 * @self: an #AqmpBackupImage
 *
 * Returns the image as an `a{sv}`, the keys of aqmp_backup_image_to_json()
 * without unknown values.
 *
 * Returns: (transfer floating): the image as an `a{sv}`, the keys of
 *   aqmp_backup_image_to_json() without unknown values
 *
 * Since: 0.1
 */
GVariant *
aqmp_backup_image_to_variant (AqmpBackupImage *self)
{
  GVariantBuilder builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_return_val_if_fail (self != NULL, NULL);
  json_object_unref (aqmp_backup_image_build (self, &builder));
  return g_variant_builder_end (&builder);
}
