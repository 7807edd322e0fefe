/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "aqmp-job-record.h"

G_BEGIN_DECLS

/*
 * One row of the job history, as the store read it. The store fills the
 * fields of a new record (aqmp-job-store-read.c), then nothing changes
 * it: records are shared, read-only, between threads if need be.
 *
 * An unknown value is NULL for text, 0 for times and pids, -1 for the
 * uid; the JSON form writes each as null.
 */
struct _AqmpJobRecord {
  gatomicrefcount ref;
  gint64 row;
  gchar *machine;
  gchar *job_id;
  gchar *command;
  JsonNode *arguments;      /* redacted; NULL when none */
  gchar *job_type;
  gchar *status;            /* QEMU's word, as stored */
  gchar *result;            /* NULL while active */
  gchar *error;
  gint64 current_progress;
  gint64 total_progress;
  gint64 created;
  gint64 finished;
  gchar *address;
  gint64 qemu_pid;
  gint64 qemu_pid_start;
  gchar *qemu_uuid;
  gchar *qemu_name;
  gint64 started_by_uid;
  guint start_flags;
};

AqmpJobRecord *aqmp_job_record_new (void);

G_END_DECLS
