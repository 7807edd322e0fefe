/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_JOBS_H_INSIDE__) && !defined(AQMP_JOBS_COMPILATION)
#error "Only <aqmp/aqmp-jobs.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/**
 * AqmpJobStatus:
 * @AQMP_JOB_STATUS_UNDEFINED: not known yet (the command was not answered)
 * @AQMP_JOB_STATUS_CREATED: the job exists but has not started
 * @AQMP_JOB_STATUS_RUNNING: the job is working
 * @AQMP_JOB_STATUS_PAUSED: paused by a user or by an error policy
 * @AQMP_JOB_STATUS_READY: a mirror is in sync and waits for `job-complete`
 * @AQMP_JOB_STATUS_STANDBY: a ready job that is paused
 * @AQMP_JOB_STATUS_WAITING: done, waiting for the other jobs of its transaction
 * @AQMP_JOB_STATUS_PENDING: done, waiting to be finalized
 * @AQMP_JOB_STATUS_ABORTING: failing or being cancelled
 * @AQMP_JOB_STATUS_CONCLUDED: finished, waiting to be dismissed
 * @AQMP_JOB_STATUS_NULL: gone from QEMU
 *
 * QEMU's `JobStatus`. The nick of each value is QEMU's own word for it.
 *
 * Since: 0.1
 */
typedef enum {
  AQMP_JOB_STATUS_UNDEFINED,
  AQMP_JOB_STATUS_CREATED,
  AQMP_JOB_STATUS_RUNNING,
  AQMP_JOB_STATUS_PAUSED,
  AQMP_JOB_STATUS_READY,
  AQMP_JOB_STATUS_STANDBY,
  AQMP_JOB_STATUS_WAITING,
  AQMP_JOB_STATUS_PENDING,
  AQMP_JOB_STATUS_ABORTING,
  AQMP_JOB_STATUS_CONCLUDED,
  AQMP_JOB_STATUS_NULL,
} AqmpJobStatus;

/**
 * AqmpJobResult:
 * @AQMP_JOB_RESULT_NONE: the job has not ended (or the runner stopped
 *   following it, see %AQMP_JOB_ERROR_DISCONNECTED)
 * @AQMP_JOB_RESULT_SUCCESS: the job completed successfully
 * @AQMP_JOB_RESULT_FAILED: the job failed, or QEMU went away under it
 * @AQMP_JOB_RESULT_CANCELLED: the job was cancelled
 * @AQMP_JOB_RESULT_LOST: the job store knew the job as active, but QEMU
 *   no longer had it: its outcome is unknown
 *
 * How a job ended.
 *
 * Since: 0.1
 */
typedef enum {
  AQMP_JOB_RESULT_NONE,
  AQMP_JOB_RESULT_SUCCESS,
  AQMP_JOB_RESULT_FAILED,
  AQMP_JOB_RESULT_CANCELLED,
  AQMP_JOB_RESULT_LOST,
} AqmpJobResult;

/**
 * AqmpJobAction:
 * @AQMP_JOB_ACTION_CANCEL: `job-cancel`
 * @AQMP_JOB_ACTION_PAUSE: `job-pause`
 * @AQMP_JOB_ACTION_RESUME: `job-resume`
 * @AQMP_JOB_ACTION_COMPLETE: `job-complete`, for a ready mirror
 * @AQMP_JOB_ACTION_FINALIZE: `job-finalize`, for a pending job
 * @AQMP_JOB_ACTION_DISMISS: `job-dismiss`, for a concluded job
 *
 * What aqmp_job_runner_control_async() asks of a job.
 *
 * Since: 0.1
 */
typedef enum {
  AQMP_JOB_ACTION_CANCEL,
  AQMP_JOB_ACTION_PAUSE,
  AQMP_JOB_ACTION_RESUME,
  AQMP_JOB_ACTION_COMPLETE,
  AQMP_JOB_ACTION_FINALIZE,
  AQMP_JOB_ACTION_DISMISS,
} AqmpJobAction;

/**
 * AqmpJobStartFlags:
 * @AQMP_JOB_START_FLAGS_NONE: the defaults: the runner finalizes and
 *   dismisses a job when the caller turned `auto-finalize` or
 *   `auto-dismiss` off (and always dismisses the jobs QEMU never
 *   dismisses itself, such as `blockdev-create`)
 * @AQMP_JOB_START_FLAGS_AUTO_COMPLETE: complete a mirror as soon as it is
 *   ready
 * @AQMP_JOB_START_FLAGS_NO_FINALIZE: leave a pending job for the caller
 *   to finalize with %AQMP_JOB_ACTION_FINALIZE
 * @AQMP_JOB_START_FLAGS_NO_DISMISS: leave a concluded job for the caller
 *   to dismiss; aqmp_job_wait_async() then completes at `concluded`
 *
 * Policies for one job started by aqmp_job_runner_start_async().
 *
 * Since: 0.1
 */
typedef enum /*< flags >*/ {
  AQMP_JOB_START_FLAGS_NONE = 0,
  AQMP_JOB_START_FLAGS_AUTO_COMPLETE = 1 << 0,
  AQMP_JOB_START_FLAGS_NO_FINALIZE = 1 << 1,
  AQMP_JOB_START_FLAGS_NO_DISMISS = 1 << 2,
} AqmpJobStartFlags;

const gchar   *aqmp_job_status_to_string   (AqmpJobStatus  status);
AqmpJobStatus  aqmp_job_status_from_string (const gchar   *text);
gboolean       aqmp_job_status_is_active   (AqmpJobStatus  status);
const gchar   *aqmp_job_result_to_string   (AqmpJobResult  result);
AqmpJobResult  aqmp_job_result_from_string (const gchar   *text);

G_END_DECLS
