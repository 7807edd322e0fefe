/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_JOBS_H_INSIDE__) && !defined(AQMP_JOBS_COMPILATION)
#error "Only <aqmp/aqmp-jobs.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/**
 * AQMP_JOB_ERROR:
 *
 * The error domain of the jobs library. Failures of the connection
 * itself, or QEMU refusing a command, keep their %AQMP_ERROR codes.
 *
 * Since: 0.1
 */
#define AQMP_JOB_ERROR (aqmp_job_error_quark ())

/**
 * AqmpJobError:
 * @AQMP_JOB_ERROR_FAILED: the job failed; the message is QEMU's, such as
 *   "Input/output error"
 * @AQMP_JOB_ERROR_CANCELLED: the job was cancelled
 * @AQMP_JOB_ERROR_LOST: the store knew the job as active but QEMU no
 *   longer has it
 * @AQMP_JOB_ERROR_DISCONNECTED: the connection to QEMU ended while the
 *   job was running: QEMU went away, or the runner let go of it
 * @AQMP_JOB_ERROR_NOT_FOUND: no such job
 * @AQMP_JOB_ERROR_STORE: the job store could not be opened, migrated,
 *   read or written
 * @AQMP_JOB_ERROR_NOT_A_JOB: the command starts no job (such as
 *   `query-status`, or a `transaction` without a job-creating action), or
 *   the runner cannot tell that it does; nothing was sent or recorded
 *
 * Error codes in the %AQMP_JOB_ERROR domain.
 *
 * Since: 0.1
 */
typedef enum {
  AQMP_JOB_ERROR_FAILED,
  AQMP_JOB_ERROR_CANCELLED,
  AQMP_JOB_ERROR_LOST,
  AQMP_JOB_ERROR_DISCONNECTED,
  AQMP_JOB_ERROR_NOT_FOUND,
  AQMP_JOB_ERROR_STORE,
  AQMP_JOB_ERROR_NOT_A_JOB,
} AqmpJobError;

GQuark aqmp_job_error_quark (void);

G_END_DECLS
