/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <aqmp/aqmp-jobs.h>

G_BEGIN_DECLS

/*
 * How `aqmp job list` and `show` print the job history: a table, or one
 * record per JSON line (aqmp_job_record_to_json()), and one job's details
 * with its transitions. Internal to the command line tool.
 */

void  aqmp_job_print_object (JsonObject     *object);
void  aqmp_job_print_list   (GPtrArray      *records,
                             gboolean        json);
void  aqmp_job_print_show   (AqmpJobRecord  *record,
                             JsonArray      *transitions,
                             JsonArray      *checkpoints,
                             gboolean        json,
                             gboolean        pretty);

G_END_DECLS
