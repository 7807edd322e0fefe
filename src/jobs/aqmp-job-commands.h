/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <aqmp/aqmp-qapi.h>

G_BEGIN_DECLS

/*
 * What the job runner knows of QEMU's job-creating commands: which ones
 * create jobs, which take `auto-dismiss`, and how a start request becomes
 * the command sent and the jobs to follow (one for most commands, one per
 * job-creating action for `transaction`). A command not in its list is
 * looked up in QEMU's schema (`query-qmp-schema`, read by libaqmp-qapi's
 * AqmpSchema). Private to the jobs library.
 */

/* how the runner treats one job, from the arguments it was started with */
typedef struct {
  gboolean manual_finalize;    /* auto-finalize: false; QEMU waits in pending */
  gboolean manual_dismiss;     /* auto-dismiss: false; QEMU keeps it concluded */
  gboolean ask_at_concluded;   /* the command has no auto-dismiss: ask QEMU */
} AqmpJobSettings;

/* one job a start makes */
typedef struct {
  gchar *job_id;
  JsonObject *arguments;       /* the command's, or its action's data */
  AqmpJobSettings settings;
} AqmpJobPlan;

void           aqmp_job_plan_free (AqmpJobPlan *plan);

typedef gchar *(*AqmpJobNewIdFunc) (gpointer user_data);

/* the outcome of planning */
typedef enum {
  AQMP_JOB_PLAN_OK,
  AQMP_JOB_PLAN_ERROR,         /* refused: not a job-creating command */
  AQMP_JOB_PLAN_NEED_SCHEMA,   /* only QEMU's schema can tell */
} AqmpJobPlanResult;

AqmpJobPlanResult aqmp_job_commands_plan     (const gchar      *command,
                                              JsonObject       *arguments,
                                              AqmpSchema       *schema,
                                              AqmpJobNewIdFunc  new_id,
                                              gpointer          user_data,
                                              GPtrArray       **plans,
                                              GError          **error);
JsonObject       *aqmp_job_commands_find_job (const gchar      *command,
                                              JsonObject       *arguments,
                                              const gchar      *job_id);
AqmpJobSettings   aqmp_job_commands_settings (const gchar      *command,
                                              JsonObject       *arguments,
                                              const gchar      *job_id);

G_END_DECLS
