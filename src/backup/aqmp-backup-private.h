/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sqlite3.h>

#include "aqmp-backup.h"

G_BEGIN_DECLS

struct _AqmpBackupChain {
  gint ref_count;
  gint64 id;
  gchar *machine;
  gchar *name;
  gchar *directory;
  gchar *bitmap;
  gchar *diff_bitmap;
  gboolean open;
  gboolean failed;
  gint64 created;
};

struct _AqmpBackupRecord {
  gint ref_count;
  gint64 id;
  gint64 chain_id;
  gchar *machine;
  gchar *chain_name;
  gint64 parent_id;
  AqmpBackupLevel level;
  AqmpBackupLevel requested;
  gchar *reason;
  AqmpBackupState state;
  gchar *error;
  gboolean quiesced;
  gboolean compressed;
  gint64 bytes;
  gint64 created;
  gint64 finished;
};

struct _AqmpBackupImage {
  gint ref_count;
  gint64 id;
  gint64 backup_id;
  gchar *disk;
  gchar *source;
  gchar *path;
  gchar *node;
  gchar *job_id;
  gint64 backing_id;
  gchar *backing_path;
  gint64 virtual_size;
  gint64 size;
  gchar *bitmap;
  gchar *checksum;
};

AqmpBackupChain  *aqmp_backup_chain_new_empty  (void);
AqmpBackupRecord *aqmp_backup_record_new_empty (void);
AqmpBackupImage  *aqmp_backup_image_new_empty  (void);

AqmpBackupState   aqmp_backup_state_from_string (const gchar *text);

/* the catalog's writes, for AqmpBackupRun (aqmp-backup-catalog.c) */
AqmpBackupChain  *aqmp_backup_catalog_find_open_chain (AqmpBackupCatalog *self,
                                                       const gchar       *machine,
                                                       GError           **error);
gint64            aqmp_backup_catalog_add_chain       (AqmpBackupCatalog *self,
                                                       AqmpBackupChain   *chain,
                                                       GError           **error);
gboolean          aqmp_backup_catalog_close_chains    (AqmpBackupCatalog *self,
                                                       const gchar       *machine,
                                                       gint64             except,
                                                       GError           **error);
gint64            aqmp_backup_catalog_add_backup      (AqmpBackupCatalog *self,
                                                       AqmpBackupRecord  *backup,
                                                       GError           **error);
gboolean          aqmp_backup_catalog_finish_backup   (AqmpBackupCatalog *self,
                                                       gint64             id,
                                                       AqmpBackupState    state,
                                                       const gchar       *error_message,
                                                       gint64             bytes,
                                                       GError           **error);
gint64            aqmp_backup_catalog_add_image       (AqmpBackupCatalog *self,
                                                       AqmpBackupImage   *image,
                                                       GError           **error);
gboolean          aqmp_backup_catalog_update_image    (AqmpBackupCatalog *self,
                                                       AqmpBackupImage   *image,
                                                       GError           **error);
gboolean          aqmp_backup_catalog_add_job         (AqmpBackupCatalog *self,
                                                       gint64             backup_id,
                                                       gint64             job_row,
                                                       const gchar       *disk,
                                                       const gchar       *role,
                                                       GError           **error);
AqmpBackupRecord *aqmp_backup_catalog_find_base       (AqmpBackupCatalog *self,
                                                       gint64             chain_id,
                                                       AqmpBackupLevel    level,
                                                       GError           **error);
gboolean          aqmp_backup_catalog_delete_chain    (AqmpBackupCatalog *self,
                                                       gint64             id,
                                                       GError           **error);
gboolean          aqmp_backup_catalog_set_chain_state (AqmpBackupCatalog *self,
                                                       gint64             id,
                                                       const gchar       *state,
                                                       GError           **error);
AqmpBackupImage  *aqmp_backup_catalog_find_image      (AqmpBackupCatalog *self,
                                                       gint64             backup_id,
                                                       const gchar       *disk,
                                                       GError           **error);

/* one transaction of several writes (aqmp-backup-catalog.c); the other
 * threads' writes wait until it ends */
void              aqmp_backup_catalog_claim           (AqmpBackupCatalog *self,
                                                       gint64             id);
void              aqmp_backup_catalog_release         (AqmpBackupCatalog *self,
                                                       gint64             id);
gboolean          aqmp_backup_catalog_is_claimed      (AqmpBackupCatalog *self,
                                                       gint64             id);
gboolean          aqmp_backup_catalog_lock_machine    (AqmpBackupCatalog *self,
                                                       const gchar       *machine,
                                                       GError           **error);
void              aqmp_backup_catalog_unlock_machine  (AqmpBackupCatalog *self,
                                                       const gchar       *machine);
void              aqmp_backup_catalog_reconcile_enter (AqmpBackupCatalog *self,
                                                       const gchar       *machine);
void              aqmp_backup_catalog_reconcile_leave (AqmpBackupCatalog *self,
                                                       const gchar       *machine);
gboolean          aqmp_backup_catalog_begin           (AqmpBackupCatalog *self,
                                                       GError           **error);
gboolean          aqmp_backup_catalog_commit          (AqmpBackupCatalog *self,
                                                       GError           **error);
void              aqmp_backup_catalog_rollback        (AqmpBackupCatalog *self);

/* checksums (aqmp-backup-checksum.c) */
#define AQMP_BACKUP_CHECKSUM_XXH128 "xxh128"
#define AQMP_BACKUP_CHECKSUM_SHA256 "sha256"

typedef struct {
  const gchar *path;
  const gchar *algorithm;   /* NULL: xxh128 */
  gboolean mapped;          /* a file this process just made and nothing
                             * else changes: read through mmap() */
  gchar *checksum;          /* out */
  GError *error;            /* out */
} AqmpBackupChecksumFile;

gchar            *aqmp_backup_file_checksum           (const gchar       *path,
                                                       GCancellable      *cancellable,
                                                       GError           **error);
gchar            *aqmp_backup_file_checksum_with      (const gchar       *path,
                                                       const gchar       *algorithm,
                                                       GCancellable      *cancellable,
                                                       GError           **error);
gchar            *aqmp_backup_checksum_algorithm      (const gchar       *checksum);
void              aqmp_backup_checksum_files          (AqmpBackupChecksumFile *files,
                                                       guint              n_files,
                                                       GCancellable      *cancellable);
void              aqmp_backup_checksum_file_clear     (AqmpBackupChecksumFile *file);

/* qemu-img (aqmp-backup-catalog-tools.c) */
gboolean          aqmp_backup_run_tool                (const gchar * const *argv,
                                                       gchar            **out,
                                                       GCancellable      *cancellable,
                                                       GError           **error);

G_END_DECLS

G_BEGIN_DECLS

/* one disk of a run (aqmp-backup-target.c) */
typedef struct {
  gchar *disk;            /* the block node's name */
  gchar *device;          /* its device, if any */
  gchar *driver;          /* the node's format driver */
  gint64 virtual_size;
  GStrv bitmaps;          /* the node's dirty bitmaps now */
  /* the target */
  gchar *path;
  gchar *file_node;
  gchar *target_node;
  gchar *backing;         /* the target's backing file, relative to it */
  gboolean file_attached;
  gboolean target_attached;
  gboolean file_created;
  int sync_fd;            /* the target, open here to be synced here; -1 */
  AqmpBackupImage *image;
  AqmpJob *job;
} AqmpBackupDisk;

void             aqmp_backup_disk_free          (AqmpBackupDisk     *disk);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AqmpBackupDisk, aqmp_backup_disk_free)

gboolean         aqmp_backup_disk_has_bitmap    (AqmpBackupDisk     *disk,
                                                 const gchar        *name);
GPtrArray       *aqmp_backup_disks_query        (AqmpClient         *client,
                                                 const gchar * const *wanted,
                                                 const gchar * const *excluded,
                                                 gchar             **missing,
                                                 GCancellable       *cancellable,
                                                 GError            **error);
gboolean         aqmp_backup_error_is_no_space  (const GError       *error);
GError          *aqmp_backup_no_space_error     (const gchar        *disk,
                                                 const gchar        *path);
gboolean         aqmp_backup_target_create      (AqmpJobRunner      *runner,
                                                 AqmpBackupCatalog  *catalog,
                                                 gint64              backup_id,
                                                 AqmpBackupDisk     *disk,
                                                 const gchar        *backing,
                                                 guint32             uid,
                                                 GCancellable       *cancellable,
                                                 GError            **error);
gboolean         aqmp_backup_target_release     (AqmpClient         *client,
                                                 AqmpBackupDisk     *disk,
                                                 GError            **error);
gboolean         aqmp_backup_target_sync        (AqmpBackupDisk     *disk,
                                                 GError            **error);
gboolean         aqmp_backup_make_directory     (const gchar        *directory,
                                                 GError            **error);
gboolean         aqmp_backup_file_sync          (const gchar        *path,
                                                 GError            **error);

/* commands sent at once, answered together (aqmp-backup-batch.c) */
typedef struct {
  const gchar *command;
  JsonObject *arguments;    /* owned; NULL: none */
  JsonNode *reply;          /* out */
  GError *error;            /* out */
} AqmpBackupCommand;

void             aqmp_backup_execute_batch_sync (AqmpClient         *client,
                                                 AqmpBackupCommand  *commands,
                                                 guint               n_commands,
                                                 GCancellable       *cancellable);
void             aqmp_backup_command_clear      (AqmpBackupCommand  *command);

typedef struct _AqmpBackupWriteback AqmpBackupWriteback;
AqmpBackupWriteback *aqmp_backup_writeback_start (GPtrArray         *disks);
void             aqmp_backup_writeback_end      (AqmpBackupWriteback *writeback);
void             aqmp_backup_writeback_stop     (AqmpBackupWriteback *writeback);
gboolean         aqmp_backup_bitmap_remove      (AqmpClient         *client,
                                                 const gchar        *node,
                                                 const gchar        *name,
                                                 GError            **error);

G_END_DECLS
