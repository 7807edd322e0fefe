/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <glib-unix.h>

#include "aqmp-job-print.h"
#include "aqmp-job-progress.h"

/* a progress bar is redrawn at most this often */
#define REDRAW_INTERVAL_US (G_USEC_PER_SEC / 10)
#define BAR_WIDTH 30
#define BAR_MIN_WIDTH 10
#define DEFAULT_COLUMNS 80

struct _AqmpJobProgress {
  gboolean bar;              /* a terminal, and no --json */
  gboolean bar_shown;
  gint64 last_draw;          /* monotonic */
  guint columns;             /* the terminal's width */
  guint winch;               /* SIGWINCH source, with a bar */
  AqmpJob *shown;            /* the job the bar shows */
  GPtrArray *jobs;           /* AqmpJob, watched */
};

/* the terminal's width; 80 when stdout is not one or does not say */
guint
aqmp_job_progress_query_columns (void)
{
  struct winsize ws = { 0 };

  if (ioctl (STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
    return ws.ws_col;
  return DEFAULT_COLUMNS;
}

static gboolean aqmp_job_progress_winch_cb (gpointer user_data);

AqmpJobProgress *
aqmp_job_progress_new (gboolean json)
{
  AqmpJobProgress *self = g_new0 (AqmpJobProgress, 1);

  self->bar = !json && isatty (STDOUT_FILENO);
  self->jobs = g_ptr_array_new_with_free_func (g_object_unref);
  self->columns = aqmp_job_progress_query_columns ();
  if (self->bar)
    self->winch = g_unix_signal_add (SIGWINCH, aqmp_job_progress_winch_cb, self);
  return self;
}

void
aqmp_job_progress_free (AqmpJobProgress *self)
{
  for (guint i = 0; i < self->jobs->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->jobs, i), self);
  g_ptr_array_unref (self->jobs);
  g_clear_handle_id (&self->winch, g_source_remove);
  g_clear_object (&self->shown);
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

/* ----- fitting a line to the terminal ----- */

static guint
aqmp_job_progress_cells (const gchar *text)
{
  return (guint) g_utf8_strlen (text, -1);
}

/* one field after the bar: its text (with its leading spaces) and how
 * much it matters; the least important goes first when space runs out */
typedef struct {
  gchar *text;
  guint priority;
} AqmpJobProgressField;

/* @id cut to @cells, with an ellipsis when cut */
static void
aqmp_job_progress_append_id (GString *line, const gchar *id, guint cells)
{
  const gchar *ellipsis = g_get_charset (NULL) ? "\xe2\x80\xa6" : "~";
  g_autofree gchar *cut = NULL;

  if (aqmp_job_progress_cells (id) <= cells)
    {
      g_string_append (line, id);
      return;
    }
  if (cells == 0)
    return;
  cut = g_utf8_substring (id, 0, cells - 1);
  g_string_append (line, cut);
  g_string_append (line, ellipsis);
}

static void
aqmp_job_progress_append_bar (GString *line, gdouble fraction, guint width)
{
  guint filled = (guint) (CLAMP (fraction, 0.0, 1.0) * width);

  g_string_append (line, " [");
  for (guint i = 0; i < width; i++)
    g_string_append_c (line, i < filled ? '#' : '-');
  g_string_append_c (line, ']');
}

/*
 * "ID [#####-----] FIELDS" in fewer than @columns cells, never wrapping: the
 * bar shrinks from BAR_WIDTH to BAR_MIN_WIDTH first, then the fields go,
 * least important first, then the bar, and last the id is cut.
 */
gchar *
aqmp_job_progress_fit (const gchar *id, gdouble fraction, const gchar * const *texts,
                       const guint *priorities, guint n_fields, guint columns)
{
  g_autoptr(GString) line = g_string_new (NULL);
  guint room = columns > 1 ? columns - 1 : 0;
  gboolean kept[8] = { FALSE };
  guint id_cells = aqmp_job_progress_cells (id);
  guint fields_cells = 0;
  guint bar = 0;

  g_return_val_if_fail (n_fields <= G_N_ELEMENTS (kept), NULL);

  for (guint i = 0; i < n_fields; i++)
    {
      kept[i] = TRUE;
      fields_cells += aqmp_job_progress_cells (texts[i]);
    }
  for (;;)
    {
      guint fixed = id_cells + 3 + fields_cells;   /* " [" and "]" */
      guint least = G_MAXUINT;

      if (fixed + BAR_MIN_WIDTH <= room)
        {
          bar = MIN (BAR_WIDTH, room - fixed);
          break;
        }
      for (guint i = 0; i < n_fields; i++)
        if (kept[i] && (least == G_MAXUINT || priorities[i] < priorities[least]))
          least = i;
      if (least == G_MAXUINT)
        break;
      kept[least] = FALSE;
      fields_cells -= aqmp_job_progress_cells (texts[least]);
    }

  aqmp_job_progress_append_id (line, id, room);
  if (bar > 0)
    aqmp_job_progress_append_bar (line, fraction, bar);
  for (guint i = 0; i < n_fields && bar > 0; i++)
    if (kept[i])
      g_string_append (line, texts[i]);
  return g_string_free (g_steal_pointer (&line), FALSE);
}

static void
aqmp_job_progress_print_fitted (AqmpJobProgress *self, AqmpJob *job, const gchar * const *texts,
                                const guint *priorities, guint n_fields, gboolean final)
{
  g_autofree gchar *fitted = aqmp_job_progress_fit (aqmp_job_get_id (job), aqmp_job_get_fraction (job),
                                                    texts, priorities, n_fields, self->columns);

  g_print ("\r\033[K%s%s", fitted, final ? "\n" : "");
  fflush (stdout);
}

/* ----- the bar ----- */

static void
aqmp_job_progress_draw_bar (AqmpJobProgress *self, AqmpJob *job)
{
  /* the percentage matters most, then the status, the rate, the ETA */
  static const guint priorities[] = { 4, 2, 1, 3 };
  g_autofree gchar *pct = NULL;
  g_autofree gchar *rate = NULL;
  g_autofree gchar *rate_text = NULL;
  g_autofree gchar *eta = NULL;
  g_autofree gchar *eta_text = NULL;
  g_autofree gchar *status = NULL;
  const gchar *texts[4];

  if (aqmp_job_get_fraction_valid (job))
    pct = g_strdup_printf (" %5.1f%%", aqmp_job_get_fraction (job) * 100);
  else
    pct = g_strdup ("    ?%");
  rate = g_format_size_full ((guint64) aqmp_job_get_rate (job), G_FORMAT_SIZE_IEC_UNITS);
  rate_text = g_strdup_printf ("  %s/s", rate);
  eta = aqmp_job_progress_format_eta (aqmp_job_get_expected_end_time (job));
  eta_text = g_strdup_printf ("  ETA %s", eta);
  status = g_strdup_printf ("  %s", aqmp_job_status_to_string (aqmp_job_get_status (job)));
  texts[0] = pct;
  texts[1] = rate_text;
  texts[2] = eta_text;
  texts[3] = status;
  aqmp_job_progress_print_fitted (self, job, texts, priorities, G_N_ELEMENTS (texts), FALSE);
  g_set_object (&self->shown, job);
  self->bar_shown = TRUE;
}

/* the last line: the bar as it ended, the average rate and the result */
static void
aqmp_job_progress_draw_final (AqmpJobProgress *self, AqmpJob *job)
{
  /* the result matters most, then the percentage, the time, the rate */
  static const guint priorities[] = { 3, 1, 2, 4 };
  gdouble secs = (gdouble) (aqmp_job_get_end_time (job) - aqmp_job_get_start_time (job)) / G_USEC_PER_SEC;
  g_autofree gchar *pct = g_strdup_printf (" %5.1f%%", aqmp_job_get_fraction (job) * 100);
  g_autofree gchar *rate = NULL;
  g_autofree gchar *rate_text = g_strdup ("");
  g_autofree gchar *time_text = g_strdup ("");
  g_autofree gchar *result = g_strdup_printf ("  %s", aqmp_job_result_to_string (aqmp_job_get_result (job)));
  const gchar *texts[4];

  if (secs > 0)
    {
      rate = g_format_size_full ((guint64) ((gdouble) aqmp_job_get_current_progress (job) / secs),
                                 G_FORMAT_SIZE_IEC_UNITS);
      g_free (rate_text);
      g_free (time_text);
      rate_text = g_strdup_printf ("  %s/s", rate);
      time_text = g_strdup_printf ("  in %.1f s", secs);
    }
  texts[0] = pct;
  texts[1] = rate_text;
  texts[2] = time_text;
  texts[3] = result;
  aqmp_job_progress_print_fitted (self, job, texts, priorities, G_N_ELEMENTS (texts), TRUE);
  g_clear_object (&self->shown);
  self->bar_shown = FALSE;
}

/* the terminal changed its size: the bar is drawn again to fit it */
static gboolean
aqmp_job_progress_winch_cb (gpointer user_data)
{
  AqmpJobProgress *self = user_data;

  self->columns = aqmp_job_progress_query_columns ();
  if (self->bar_shown && self->shown != NULL && !aqmp_job_is_ended (self->shown))
    aqmp_job_progress_draw_bar (self, self->shown);
  return G_SOURCE_CONTINUE;
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
