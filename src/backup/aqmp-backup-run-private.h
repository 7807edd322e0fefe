/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "aqmp-backup-private.h"

G_BEGIN_DECLS

struct _AqmpBackupRun {
  GObject parent_instance;
  AqmpJobRunner *runner;
  AqmpBackupCatalog *catalog;
  AqmpBackupOptions *options;
  AqmpBackupLevel level;
  gchar *reason;
  gint64 backup_id;
  gboolean started;
  gboolean cancelling;
  GMutex lock;
  GPtrArray *jobs;
  gint64 current;
  gint64 total;
};

/* what one run decided and made */
typedef struct {
  GPtrArray *disks;
  AqmpBackupChain *chain;
  AqmpBackupRecord *base;
  gboolean new_chain;
  gboolean bitmaps_added;
  AqmpBackupWriteback *writeback;   /* while the jobs copy, and just after */
  gboolean left_running;            /* for a reconcile to complete */
} AqmpBackupPlan;

static inline void
aqmp_backup_plan_clear (AqmpBackupPlan *plan)
{
  g_clear_pointer (&plan->writeback, aqmp_backup_writeback_stop);
  g_clear_pointer (&plan->disks, g_ptr_array_unref);
  g_clear_pointer (&plan->chain, aqmp_backup_chain_unref);
  g_clear_pointer (&plan->base, aqmp_backup_record_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AqmpBackupPlan, aqmp_backup_plan_clear)

void aqmp_backup_run_set_level     (AqmpBackupRun   *self,
                                  AqmpBackupLevel  level,
                                  gchar           *reason);
void aqmp_backup_run_set_backup_id (AqmpBackupRun   *self,
                                  gint64           id);
void aqmp_backup_run_set_cancelling (AqmpBackupRun *self);
void aqmp_backup_run_follow        (AqmpBackupRun   *self,
                                  GPtrArray       *jobs);

G_END_DECLS
