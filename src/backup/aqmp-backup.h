/*
 * aqmp-backup: backups of QEMU disks as chains of qcow2 images, with
 * dirty bitmaps, a catalog in the job store, restore and verify
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <aqmp/aqmp.h>
#include <aqmp/aqmp-jobs.h>
#include <aqmp-qga/aqmp-qga.h>

#define __AQMP_BACKUP_H_INSIDE__

#include "aqmp-backup-enums.h"
#include "aqmp-backup-enum-types.h"
#include "aqmp-backup-error.h"
#include "aqmp-backup-record.h"
#include "aqmp-backup-catalog.h"
#include "aqmp-backup-options.h"
#include "aqmp-backup-run.h"

#undef __AQMP_BACKUP_H_INSIDE__
