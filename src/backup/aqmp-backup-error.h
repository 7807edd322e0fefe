/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_BACKUP_H_INSIDE__) && !defined(AQMP_BACKUP_COMPILATION)
#error "Only <aqmp/aqmp-backup.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/**
 * AQMP_BACKUP_ERROR:
 *
 * The error domain of the backup library. Errors of a job keep their
 * %AQMP_JOB_ERROR codes, errors QEMU gave their %AQMP_ERROR codes.
 *
 * Since: 0.1
 */
#define AQMP_BACKUP_ERROR (aqmp_backup_error_quark ())

/**
 * AqmpBackupError:
 * @AQMP_BACKUP_ERROR_FAILED: a step failed (the message says which)
 * @AQMP_BACKUP_ERROR_NO_CHAIN: an incremental or differential backup was
 *   asked for but the machine has no usable chain (the message says why)
 * @AQMP_BACKUP_ERROR_NO_DISK: no such disk, or no disk left to back up
 * @AQMP_BACKUP_ERROR_NOT_FOUND: no such backup, chain or image in the
 *   catalog
 * @AQMP_BACKUP_ERROR_CATALOG: the catalog could not be read or written
 * @AQMP_BACKUP_ERROR_TOOL: `qemu-img` failed or is missing
 * @AQMP_BACKUP_ERROR_INVALID: the options or arguments are not valid
 *
 * Error codes in the %AQMP_BACKUP_ERROR domain.
 *
 * Since: 0.1
 */
typedef enum {
  AQMP_BACKUP_ERROR_FAILED,
  AQMP_BACKUP_ERROR_NO_CHAIN,
  AQMP_BACKUP_ERROR_NO_DISK,
  AQMP_BACKUP_ERROR_NOT_FOUND,
  AQMP_BACKUP_ERROR_CATALOG,
  AQMP_BACKUP_ERROR_TOOL,
  AQMP_BACKUP_ERROR_INVALID,
} AqmpBackupError;

GQuark aqmp_backup_error_quark (void);

G_END_DECLS
