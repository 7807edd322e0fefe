/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "aqmp-test-qemu.h"

G_BEGIN_DECLS

/*
 * Holding a block job on purpose, never by a speed limit (QEMU 7.2,
 * checked).
 *
 * A hold node is a `throttle` filter over a null-co node, in a throttle
 * group of its own whose limit is one byte per second. A job that writes
 * to it gets its first request through (the bucket starts empty); every
 * later one waits for days. The job runs, held, at a progress that does
 * not change.
 *
 * Releasing opens the group and reopens the node: the reopen drains it,
 * which lets the waiting requests go, and the job runs to its end. A
 * `job-pause` or `job-cancel` sent while the job is held takes effect once
 * it is released: the job then stops paused, or cancelled, after the
 * requests that were under way.
 *
 * Any drain in QEMU releases a hold this way, and for good until the group
 * is closed again: starting another job drains every node. A test holds a
 * job only while it starts no other (one transaction may start several).
 */
void    aqmp_test_hold_add     (AqmpClient  *client,
                                const gchar *node,
                                gint64       size);
void    aqmp_test_hold_release (AqmpClient  *client,
                                const gchar *first_node,
                                ...) G_GNUC_NULL_TERMINATED;
void    aqmp_test_hold_close   (AqmpClient  *client,
                                const gchar *node);
void    aqmp_test_hold_step    (AqmpClient  *client,
                                const gchar *node,
                                const gchar *job_id);
gint64  aqmp_test_job_progress (AqmpClient  *client,
                                const gchar *job_id);

G_END_DECLS
