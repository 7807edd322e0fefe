/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <aqmp/aqmp-jobs.h>

G_BEGIN_DECLS

/*
 * How `aqmp job start` and `watch` show the jobs they follow: on a
 * terminal, one progress bar fitted to its width (TIOCGWINSZ, again on
 * SIGWINCH: the bar shrinks, then fields go; a line never wraps) (redrawn at most ten times a second on
 * progress, at once on a change of status) and, at the end, the bar as it
 * ended with the average rate and the result; otherwise, and with --json,
 * a JSON line per change of status or of progress and one with the
 * result. Internal to the command line tool.
 */
typedef struct _AqmpJobProgress AqmpJobProgress;

AqmpJobProgress *aqmp_job_progress_new     (gboolean          json);
void             aqmp_job_progress_free    (AqmpJobProgress  *self);
gboolean         aqmp_job_progress_has_bar (AqmpJobProgress  *self);
void             aqmp_job_progress_watch   (AqmpJobProgress  *self,
                                            AqmpJob          *job);
void             aqmp_job_progress_ended   (AqmpJobProgress  *self,
                                            AqmpJob          *job,
                                            const GError     *error);
void             aqmp_job_progress_clear   (AqmpJobProgress  *self);

/* fitting a bar line to the terminal, for any bar of the tool: the width
 * (TIOCGWINSZ, 80 otherwise), and "ID [###---] FIELDS" in fewer cells than
 * @columns, the fields dropped lowest @priorities first */
guint            aqmp_job_progress_query_columns (void);
gchar           *aqmp_job_progress_fit     (const gchar         *id,
                                            gdouble              fraction,
                                            const gchar * const *texts,
                                            const guint         *priorities,
                                            guint                n_fields,
                                            guint                columns);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AqmpJobProgress, aqmp_job_progress_free)

G_END_DECLS
