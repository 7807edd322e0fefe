/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <aqmp/aqmp-jobs.h>

#include "aqmp-test-qemu.h"

G_BEGIN_DECLS

/*
 * What the jobs library's tests share: a QEMU with a store and a runner,
 * reading the store back, and the jobs API's sync calls with a bound on
 * how long a test waits.
 */

/* a QEMU of the test's own, a client of it, a job store beside its
 * socket and a runner on them polling every 50 ms: the fixture of the
 * tests that run jobs (g_test_add() with these two functions) */
typedef struct {
  AqmpTestQemu *qemu;
  AqmpClient *client;
  gchar *db_path;
  AqmpJobStore *store;
  AqmpJobRunner *runner;
} AqmpTestJobs;

void      aqmp_test_jobs_setup           (AqmpTestJobs  *f,
                                          gconstpointer  data);
void      aqmp_test_jobs_teardown        (AqmpTestJobs  *f,
                                          gconstpointer  data);

AqmpJobStore *aqmp_test_job_store_from_fixture (const gchar *fixture,
                                                const gchar *path);
gchar    *aqmp_test_job_transitions      (AqmpJobStore  *store,
                                          gint64         row);
void      aqmp_test_job_assert_integrity (AqmpJobStore  *store);

/* a cancellable that a thread of its own cancels after @timeout_ms,
 * whichever context the sync call drives; free it to stop the thread */
typedef struct _AqmpTestDeadline AqmpTestDeadline;

AqmpTestDeadline *aqmp_test_deadline_new        (guint              timeout_ms);
GCancellable     *aqmp_test_deadline_get_cancellable (AqmpTestDeadline *self);
void              aqmp_test_deadline_free       (AqmpTestDeadline  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AqmpTestDeadline, aqmp_test_deadline_free)

gboolean  aqmp_test_job_wait             (AqmpJob       *job,
                                          guint          timeout_ms,
                                          GError       **error);

void      aqmp_test_job_wait_for_status  (AqmpJob       *job,
                                          AqmpJobStatus  status,
                                          guint          timeout_ms);
gboolean  aqmp_test_job_has_progress     (gpointer       user_data);

G_END_DECLS
