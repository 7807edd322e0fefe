/*
 * aqmp-jobs: QEMU block jobs, followed and kept in SQLite
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <aqmp/aqmp.h>

#define __AQMP_JOBS_H_INSIDE__

#include "aqmp-job-enums.h"
#include "aqmp-job-enum-types.h"
#include "aqmp-job-error.h"
#include "aqmp-job.h"
#include "aqmp-job-record.h"
#include "aqmp-job-store.h"
#include "aqmp-job-runner.h"
#include "aqmp-launcher.h"

#undef __AQMP_JOBS_H_INSIDE__
