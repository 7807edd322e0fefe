/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "aqmp-job-print.h"
#include "aqmp-job-progress.h"

/* a progress bar is redrawn at most this often */
#define REDRAW_INTERVAL_US (G_USEC_PER_SEC / 10)
#define BAR_WIDTH 30

struct _AqmpJobProgress {
  gboolean bar;              /* a terminal, and no --json */
  gboolean bar_shown;
  gint64 last_draw;          /* monotonic */
  GPtrArray *jobs;           /* AqmpJob, watched */
};

AqmpJobProgress *
aqmp_job_progress_new (gboolean json)
{
  AqmpJobProgress *self = g_new0 (AqmpJobProgress, 1);

  self->bar = !json && isatty (STDOUT_FILENO);
  self->jobs = g_ptr_array_new_with_free_func (g_object_unref);
  return self;
}

void
aqmp_job_progress_free (AqmpJobProgress *self)
{
  for (guint i = 0; i < self->jobs->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->jobs, i), self);
  g_ptr_array_unref (self->jobs);
  g_free (self);
}

gboolean
aqmp_job_progress_has_bar (AqmpJobProgress *self)
{
  return self->bar;
}

/* ----- the bar ----- */

static gchar *
aqmp_job_progress_format_eta (gint64 end)
{
  gint64 left;

  if (end <= 0)
    return g_strdup ("--:--");
  left = MAX (end - g_get_real_time (), 0) / G_USEC_PER_SEC;
  if (left >= 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT ":%02d:%02d", left / 3600, (gint) (left / 60 % 60), (gint) (left % 60));
  return g_strdup_printf ("%d:%02d", (gint) (left / 60), (gint) (left % 60));
}

/* "\r\033[KID [#####-----]" */
static void
aqmp_job_progress_append_bar (GString *line, AqmpJob *job)
{
  guint filled = (guint) (aqmp_job_get_fraction (job) * BAR_WIDTH);

  g_string_append_printf (line, "\r\033[K%s [", aqmp_job_get_id (job));
  for (guint i = 0; i < BAR_WIDTH; i++)
    g_string_append (line, i < filled ? "#" : "-");
  g_string_append_c (line, ']');
}

static void
aqmp_job_progress_draw_bar (AqmpJobProgress *self, AqmpJob *job)
{
  g_autoptr(GString) line = g_string_new (NULL);
  g_autofree gchar *rate = NULL;
  g_autofree gchar *eta = NULL;

  aqmp_job_progress_append_bar (line, job);
  if (aqmp_job_get_fraction_valid (job))
    g_string_append_printf (line, " %5.1f%%", aqmp_job_get_fraction (job) * 100);
  else
    g_string_append (line, "    ?%");
  rate = g_format_size_full ((guint64) aqmp_job_get_rate (job), G_FORMAT_SIZE_IEC_UNITS);
  eta = aqmp_job_progress_format_eta (aqmp_job_get_expected_end_time (job));
  g_string_append_printf (line, "  %s/s  ETA %s  %s", rate, eta,
                          aqmp_job_status_to_string (aqmp_job_get_status (job)));
  g_print ("%s", line->str);
  fflush (stdout);
  self->bar_shown = TRUE;
}

/* the last line: the bar as it ended, the average rate and the result */
static void
aqmp_job_progress_draw_final (AqmpJobProgress *self, AqmpJob *job)
{
  gdouble secs = (gdouble) (aqmp_job_get_end_time (job) - aqmp_job_get_start_time (job)) / G_USEC_PER_SEC;
  g_autoptr(GString) line = g_string_new (NULL);
  g_autofree gchar *rate = NULL;

  aqmp_job_progress_append_bar (line, job);
  g_string_append_printf (line, " %5.1f%%", aqmp_job_get_fraction (job) * 100);
  if (secs > 0)
    {
      rate = g_format_size_full ((guint64) ((gdouble) aqmp_job_get_current_progress (job) / secs),
                                 G_FORMAT_SIZE_IEC_UNITS);
      g_string_append_printf (line, "  %s/s  in %.1f s", rate, secs);
    }
  g_string_append_printf (line, "  %s\n", aqmp_job_result_to_string (aqmp_job_get_result (job)));
  g_print ("%s", line->str);
  fflush (stdout);
  self->bar_shown = FALSE;
}

/* a Ctrl-C's message goes on a line of its own */
void
aqmp_job_progress_clear (AqmpJobProgress *self)
{
  if (!self->bar_shown)
    return;
  g_print ("\r\033[K");
  fflush (stdout);
  self->bar_shown = FALSE;
}

/* ----- JSON lines ----- */

static void
aqmp_job_progress_print_line (AqmpJob *job)
{
  g_autoptr(JsonObject) obj = json_object_new ();

  json_object_set_string_member (obj, "job", aqmp_job_get_id (job));
  json_object_set_string_member (obj, "status", aqmp_job_status_to_string (aqmp_job_get_status (job)));
  json_object_set_int_member (obj, "current-progress", aqmp_job_get_current_progress (job));
  json_object_set_int_member (obj, "total-progress", aqmp_job_get_total_progress (job));
  if (aqmp_job_get_fraction_valid (job))
    json_object_set_double_member (obj, "fraction", aqmp_job_get_fraction (job));
  json_object_set_double_member (obj, "rate", aqmp_job_get_rate (job));
  if (aqmp_job_get_expected_end_time (job) > 0)
    json_object_set_int_member (obj, "expected-end-time", aqmp_job_get_expected_end_time (job));
  aqmp_job_print_object (obj);
}

/* ----- following a job's changes ----- */

static void
aqmp_job_progress_show (AqmpJobProgress *self, AqmpJob *job, gboolean force)
{
  gint64 now = g_get_monotonic_time ();

  if (aqmp_job_is_ended (job))
    return;
  if (!force && now - self->last_draw < REDRAW_INTERVAL_US)
    return;
  self->last_draw = now;
  if (self->bar)
    aqmp_job_progress_draw_bar (self, job);
  else
    aqmp_job_progress_print_line (job);
}

static void
aqmp_job_progress_status_cb (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  aqmp_job_progress_show (user_data, AQMP_JOB (object), TRUE);
}

static void
aqmp_job_progress_progress_cb (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  AqmpJobProgress *self = user_data;

  /* JSON lines only on status changes and once per poll */
  if (self->bar)
    aqmp_job_progress_show (self, AQMP_JOB (object), FALSE);
}

static void
aqmp_job_progress_polled_cb (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  AqmpJobProgress *self = user_data;

  /* a line for each change: the poll interval bounds them already, and a
   * change dropped by the redraw limit would not be printed until the
   * next one, never for a job that stalls */
  if (!self->bar)
    aqmp_job_progress_show (self, AQMP_JOB (object), TRUE);
}

/* shows @job as it is, then each change until aqmp_job_progress_ended() */
void
aqmp_job_progress_watch (AqmpJobProgress *self, AqmpJob *job)
{
  g_ptr_array_add (self->jobs, g_object_ref (job));
  g_signal_connect (job, "notify::status", G_CALLBACK (aqmp_job_progress_status_cb), self);
  g_signal_connect (job, "notify::fraction", G_CALLBACK (aqmp_job_progress_progress_cb), self);
  g_signal_connect (job, "notify::rate", G_CALLBACK (aqmp_job_progress_progress_cb), self);
  g_signal_connect (job, "notify::current-progress", G_CALLBACK (aqmp_job_progress_polled_cb), self);
  aqmp_job_progress_show (self, job, TRUE);
}

/* the job's last line: the final bar, or its result as JSON */
void
aqmp_job_progress_ended (AqmpJobProgress *self, AqmpJob *job, const GError *error)
{
  g_autoptr(JsonObject) obj = NULL;

  g_signal_handlers_disconnect_by_data (job, self);
  if (self->bar)
    {
      aqmp_job_progress_draw_final (self, job);
      return;
    }
  obj = json_object_new ();
  json_object_set_string_member (obj, "job", aqmp_job_get_id (job));
  json_object_set_string_member (obj, "result", aqmp_job_result_to_string (aqmp_job_get_result (job)));
  if (error != NULL)
    json_object_set_string_member (obj, "error", error->message);
  aqmp_job_print_object (obj);
}
