/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_BACKUP_H_INSIDE__) && !defined(AQMP_BACKUP_COMPILATION)
#error "Only <aqmp/aqmp-backup.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "aqmp-backup-enums.h"

G_BEGIN_DECLS

#define AQMP_TYPE_BACKUP_CHAIN (aqmp_backup_chain_get_type ())
#define AQMP_TYPE_BACKUP_RECORD (aqmp_backup_record_get_type ())
#define AQMP_TYPE_BACKUP_IMAGE (aqmp_backup_image_get_type ())

/**
 * AqmpBackupChain:
 *
 * A chain of backups as the catalog has it: a full backup and the
 * incremental and differential ones on it.
 *
 * Since: 0.1
 */
typedef struct _AqmpBackupChain AqmpBackupChain;
/**
 * AqmpBackupRecord:
 *
 * One backup as the catalog has it.
 *
 * Since: 0.1
 */
typedef struct _AqmpBackupRecord AqmpBackupRecord;
/**
 * AqmpBackupImage:
 *
 * One image of a backup as the catalog has it: one disk's target.
 *
 * Since: 0.1
 */
typedef struct _AqmpBackupImage AqmpBackupImage;

/* a chain: one full backup and the backups built on it */
GType             aqmp_backup_chain_get_type          (void) G_GNUC_CONST;
AqmpBackupChain  *aqmp_backup_chain_ref               (AqmpBackupChain  *self);
void              aqmp_backup_chain_unref             (AqmpBackupChain  *self);
gint64            aqmp_backup_chain_get_id            (AqmpBackupChain  *self);
const gchar      *aqmp_backup_chain_get_machine       (AqmpBackupChain  *self);
const gchar      *aqmp_backup_chain_get_name          (AqmpBackupChain  *self);
const gchar      *aqmp_backup_chain_get_directory     (AqmpBackupChain  *self);
const gchar      *aqmp_backup_chain_get_bitmap        (AqmpBackupChain  *self);
const gchar      *aqmp_backup_chain_get_diff_bitmap   (AqmpBackupChain  *self);
gboolean          aqmp_backup_chain_is_open           (AqmpBackupChain  *self);
gint64            aqmp_backup_chain_get_created       (AqmpBackupChain  *self);
JsonObject       *aqmp_backup_chain_to_json           (AqmpBackupChain  *self);
GVariant         *aqmp_backup_chain_to_variant        (AqmpBackupChain  *self);

/* a backup: one run at one level, of one or more disks */
GType             aqmp_backup_record_get_type         (void) G_GNUC_CONST;
AqmpBackupRecord *aqmp_backup_record_ref              (AqmpBackupRecord *self);
void              aqmp_backup_record_unref            (AqmpBackupRecord *self);
gint64            aqmp_backup_record_get_id           (AqmpBackupRecord *self);
gint64            aqmp_backup_record_get_chain_id     (AqmpBackupRecord *self);
const gchar      *aqmp_backup_record_get_machine      (AqmpBackupRecord *self);
const gchar      *aqmp_backup_record_get_chain_name   (AqmpBackupRecord *self);
gint64            aqmp_backup_record_get_parent_id    (AqmpBackupRecord *self);
AqmpBackupLevel   aqmp_backup_record_get_level        (AqmpBackupRecord *self);
AqmpBackupLevel   aqmp_backup_record_get_requested_level (AqmpBackupRecord *self);
const gchar      *aqmp_backup_record_get_reason       (AqmpBackupRecord *self);
AqmpBackupState   aqmp_backup_record_get_state        (AqmpBackupRecord *self);
const gchar      *aqmp_backup_record_get_error        (AqmpBackupRecord *self);
gboolean          aqmp_backup_record_is_quiesced      (AqmpBackupRecord *self);
gboolean          aqmp_backup_record_is_compressed    (AqmpBackupRecord *self);
gint64            aqmp_backup_record_get_bytes        (AqmpBackupRecord *self);
gint64            aqmp_backup_record_get_created      (AqmpBackupRecord *self);
gint64            aqmp_backup_record_get_finished     (AqmpBackupRecord *self);
JsonObject       *aqmp_backup_record_to_json          (AqmpBackupRecord *self);
GVariant         *aqmp_backup_record_to_variant       (AqmpBackupRecord *self);

/* an image: one disk's file in one backup */
GType             aqmp_backup_image_get_type          (void) G_GNUC_CONST;
AqmpBackupImage  *aqmp_backup_image_ref               (AqmpBackupImage  *self);
void              aqmp_backup_image_unref             (AqmpBackupImage  *self);
gint64            aqmp_backup_image_get_id            (AqmpBackupImage  *self);
gint64            aqmp_backup_image_get_backup_id     (AqmpBackupImage  *self);
const gchar      *aqmp_backup_image_get_disk          (AqmpBackupImage  *self);
const gchar      *aqmp_backup_image_get_path          (AqmpBackupImage  *self);
gint64            aqmp_backup_image_get_backing_id    (AqmpBackupImage  *self);
const gchar      *aqmp_backup_image_get_backing_path  (AqmpBackupImage  *self);
gint64            aqmp_backup_image_get_virtual_size  (AqmpBackupImage  *self);
gint64            aqmp_backup_image_get_size          (AqmpBackupImage  *self);
const gchar      *aqmp_backup_image_get_bitmap        (AqmpBackupImage  *self);
const gchar      *aqmp_backup_image_get_checksum      (AqmpBackupImage  *self);
const gchar      *aqmp_backup_image_get_job_id        (AqmpBackupImage  *self);
JsonObject       *aqmp_backup_image_to_json           (AqmpBackupImage  *self);
GVariant         *aqmp_backup_image_to_variant        (AqmpBackupImage  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AqmpBackupChain, aqmp_backup_chain_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AqmpBackupRecord, aqmp_backup_record_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AqmpBackupImage, aqmp_backup_image_unref)

G_END_DECLS
