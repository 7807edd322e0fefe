/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <aqmp/aqmp-jobs.h>

G_BEGIN_DECLS

/*
 * What the jobs library's tests share: reading the store back, and the
 * jobs API's sync calls with a bound on how long a test waits.
 */

gchar    *aqmp_test_job_transitions      (AqmpJobStore  *store,
                                          gint64         row);
void      aqmp_test_job_assert_integrity (AqmpJobStore  *store);

G_END_DECLS
