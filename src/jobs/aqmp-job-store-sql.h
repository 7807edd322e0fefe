/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sqlite3.h>

#include "aqmp-job-store.h"

G_BEGIN_DECLS

/* the store's SQL helpers, shared by aqmp-job-store.c (opening,
 * migrating, writing) and aqmp-job-store-read.c (reading) */

typedef sqlite3_stmt AqmpJobStoreStmt;

void              aqmp_job_store_stmt_release      (AqmpJobStoreStmt  *stmt);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AqmpJobStoreStmt, aqmp_job_store_stmt_release)

AqmpJobStoreStmt *aqmp_job_store_prepare           (AqmpJobStore      *self,
                                                    const gchar       *sql,
                                                    GError           **error);
gboolean          aqmp_job_store_fail              (AqmpJobStore      *self,
                                                    GError           **error,
                                                    const gchar       *what);
void              aqmp_job_store_flush_quietly     (AqmpJobStore      *self);
void              aqmp_job_store_bind_text_or_null (sqlite3_stmt      *stmt,
                                                    gint               index,
                                                    const gchar       *text);

G_END_DECLS
