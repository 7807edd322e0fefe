/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <aqmp/aqmp-backup.h>

#include "aqmp-test-jobs.h"
#include "aqmp-test-qemu.h"

G_BEGIN_DECLS

/* the libaqmp-backup tests' fixture: one QEMU, its client, a job store,
 * a runner and the catalog; see aqmp-test-backup.c */

#define MIB (1024 * 1024)
#define DISK_SIZE (8 * MIB)
#define RUN_WAIT_MS 60000

typedef struct {
  AqmpTestQemu *qemu;
  AqmpClient *client;
  gchar *dir;
  gchar *backups;
  AqmpJobStore *store;
  AqmpJobRunner *runner;
  AqmpBackupCatalog *catalog;
  guint copies;
} Fixture;

/* a run on a worker thread */
typedef struct {
  Fixture *f;
  AqmpBackupRun *run;
  AqmpBackupRecord *record;
  GError *error;
  gboolean done;
} AsyncRun;

/* @data: QEMU's extra arguments (const gchar * const *), or NULL */
void fixture_setup (Fixture *f, gconstpointer data);
void fixture_teardown (Fixture *f, gconstpointer data);
gchar *tool (const gchar *first, ...);
JsonNode *qmp (Fixture *f, const gchar *command, const gchar *json, GError **error);
void qmp_ok (Fixture *f, const gchar *command, const gchar *json);
void qemu_io (Fixture *f, const gchar *node, const gchar *command);
void guest_write (Fixture *f, const gchar *node, guint pattern, gint64 offset, gint64 length);
gchar *disk_path (Fixture *f, const gchar *node);
gchar *make_image (Fixture *f, const gchar *node, const gchar *options);
gchar *make_image_sized (Fixture *f, const gchar *node, const gchar *options, const gchar *size);
void add_disk (Fixture *f, const gchar *node, const gchar *options, const gchar *blkdebug);
gchar *copy_source (Fixture *f, const gchar *node);
AqmpBackupOptions *options_new (Fixture *f, AqmpBackupLevel level, const gchar *first_disk, ...);
AqmpBackupRecord *run_options (Fixture *f, AqmpBackupOptions *options, gchar **reason, GError **error);
AqmpBackupRecord *run_level (Fixture *f, AqmpBackupLevel level, const gchar *disk);
void assert_restores (Fixture *f, AqmpBackupRecord *backup, const gchar *disk, const gchar *copy);
gboolean node_has_bitmap (Fixture *f, const gchar *node, const gchar *bitmap);
void assert_qemu_clean (Fixture *f);
AqmpBackupChain *chain_of (Fixture *f, AqmpBackupRecord *backup);
AqmpBackupImage *image_of (Fixture *f, AqmpBackupRecord *backup, guint index);
void run_done_cb (GObject *source, GAsyncResult *result, gpointer user_data);
gboolean qemu_has_job (gpointer user_data);
gboolean freeze_held (gpointer user_data);

G_END_DECLS
