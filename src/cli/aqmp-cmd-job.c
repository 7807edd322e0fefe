/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib-unix.h>

#include <aqmp/aqmp-jobs.h>

#include "aqmp-args.h"
#include "aqmp-cli.h"
#include "aqmp-cli-validate.h"

/*
 * aqmp job: start QEMU block jobs and follow them with a progress bar (or
 * JSON lines), act on them, and read their history from the job store.
 *
 * Exit codes: 0 success; 1 the job failed or was cancelled, or QEMU refused
 * (QEMU's words on stderr); 2 a usage, connection or store problem.
 */

/* a progress bar is redrawn at most this often */
#define REDRAW_INTERVAL_US (G_USEC_PER_SEC / 10)
#define BAR_WIDTH 30

typedef struct {
  GMainLoop *loop;
  gint exit_code;
  /* options */
  gchar *db_path;
  gboolean json;
  gboolean detach;
  gboolean all;
  gboolean auto_complete;
  gboolean debug;
  gdouble interval;
  gchar *machine;
  gint64 demo_size;
  gint64 demo_speed;
  /* state */
  gboolean tty;
  AqmpClient *client;
  AqmpJobStore *store;
  AqmpJobRunner *runner;
  AqmpLauncher *launcher;
  GPtrArray *jobs;
  guint remaining;
  guint interrupts;
  gint64 last_draw;
  gboolean bar_shown;
  /* start */
  gchar *address;
  gchar *command;
  JsonObject *arguments;
  gchar *watch_id;
  AqmpJobAction action;
  AqmpCliValidate validate;   /* start */
} AqmpJobCmd;

static void
aqmp_job_cmd_quit (AqmpJobCmd *self, gint exit_code)
{
  self->exit_code = exit_code;
  g_main_loop_quit (self->loop);
}

static void
aqmp_job_cmd_print_json (JsonNode *node)
{
  g_autofree gchar *text = aqmp_json_to_string (node, FALSE);

  g_print ("%s\n", text);
  fflush (stdout);
}

static void
aqmp_job_cmd_print_object (JsonObject *obj)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, obj);
  aqmp_job_cmd_print_json (node);
}

/* ----- showing progress ----- */

static gchar *
aqmp_job_cmd_format_eta (gint64 end)
{
  gint64 left;

  if (end <= 0)
    return g_strdup ("--:--");
  left = MAX (end - g_get_real_time (), 0) / G_USEC_PER_SEC;
  if (left >= 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT ":%02d:%02d", left / 3600, (gint) (left / 60 % 60), (gint) (left % 60));
  return g_strdup_printf ("%d:%02d", (gint) (left / 60), (gint) (left % 60));
}

static void
aqmp_job_cmd_clear_bar (AqmpJobCmd *self)
{
  if (!self->bar_shown)
    return;
  g_print ("\r\033[K");
  fflush (stdout);
  self->bar_shown = FALSE;
}

static void
aqmp_job_cmd_draw_bar (AqmpJobCmd *self, AqmpJob *job)
{
  g_autoptr(GString) line = g_string_new (NULL);
  g_autofree gchar *rate = NULL;
  g_autofree gchar *eta = NULL;
  gdouble fraction = aqmp_job_get_fraction (job);
  guint filled = (guint) (fraction * BAR_WIDTH);

  g_string_append_printf (line, "\r\033[K%s [", aqmp_job_get_id (job));
  for (guint i = 0; i < BAR_WIDTH; i++)
    g_string_append (line, i < filled ? "#" : "-");
  if (aqmp_job_get_fraction_valid (job))
    g_string_append_printf (line, "] %5.1f%%", fraction * 100);
  else
    g_string_append (line, "]    ?%");
  rate = g_format_size_full ((guint64) aqmp_job_get_rate (job), G_FORMAT_SIZE_IEC_UNITS);
  eta = aqmp_job_cmd_format_eta (aqmp_job_get_expected_end_time (job));
  g_string_append_printf (line, "  %s/s  ETA %s  %s", rate, eta,
                          aqmp_job_status_to_string (aqmp_job_get_status (job)));
  g_print ("%s", line->str);
  fflush (stdout);
  self->bar_shown = TRUE;
}

/* the last line: the bar as it ended, the average rate and the result */
static void
aqmp_job_cmd_draw_final (AqmpJobCmd *self, AqmpJob *job)
{
  gdouble secs = (gdouble) (aqmp_job_get_end_time (job) - aqmp_job_get_start_time (job)) / G_USEC_PER_SEC;
  gdouble fraction = aqmp_job_get_fraction (job);
  guint filled = (guint) (fraction * BAR_WIDTH);
  g_autoptr(GString) line = g_string_new (NULL);
  g_autofree gchar *rate = NULL;

  g_string_append_printf (line, "\r\033[K%s [", aqmp_job_get_id (job));
  for (guint i = 0; i < BAR_WIDTH; i++)
    g_string_append (line, i < filled ? "#" : "-");
  g_string_append_printf (line, "] %5.1f%%", fraction * 100);
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

static void
aqmp_job_cmd_print_progress (AqmpJobCmd *self, AqmpJob *job)
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
  aqmp_job_cmd_print_object (obj);
}

static void
aqmp_job_cmd_show (AqmpJobCmd *self, AqmpJob *job, gboolean force)
{
  gint64 now = g_get_monotonic_time ();

  if (aqmp_job_is_ended (job))
    return;
  if (!force && now - self->last_draw < REDRAW_INTERVAL_US)
    return;
  self->last_draw = now;
  if (self->tty && !self->json)
    aqmp_job_cmd_draw_bar (self, job);
  else
    aqmp_job_cmd_print_progress (self, job);
}

static void
aqmp_job_cmd_status_cb (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  aqmp_job_cmd_show (user_data, AQMP_JOB (object), TRUE);
}

static void
aqmp_job_cmd_progress_cb (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  AqmpJobCmd *self = user_data;

  /* JSON lines only on status changes and once per poll */
  if (self->tty && !self->json)
    aqmp_job_cmd_show (self, AQMP_JOB (object), FALSE);
}

static void
aqmp_job_cmd_polled_cb (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  AqmpJobCmd *self = user_data;

  /* a line for each change: the poll interval bounds them already, and a
   * change dropped by the redraw limit would not be printed until the
   * next one, never for a job that stalls */
  if (!self->tty || self->json)
    aqmp_job_cmd_show (self, AQMP_JOB (object), TRUE);
}

/* ----- following jobs to their end ----- */

static void
aqmp_job_cmd_job_ended_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpJobCmd *self = user_data;
  AqmpJob *job = AQMP_JOB (source);
  g_autoptr(GError) error = NULL;
  gboolean ok = aqmp_job_wait_finish (job, res, &error);

  g_signal_handlers_disconnect_by_data (job, self);
  if (self->tty && !self->json)
    aqmp_job_cmd_draw_final (self, job);
  if (!self->tty || self->json)
    {
      g_autoptr(JsonObject) obj = json_object_new ();
      json_object_set_string_member (obj, "job", aqmp_job_get_id (job));
      json_object_set_string_member (obj, "result", aqmp_job_result_to_string (aqmp_job_get_result (job)));
      if (error != NULL)
        json_object_set_string_member (obj, "error", error->message);
      aqmp_job_cmd_print_object (obj);
    }
  if (!ok)
    {
      aqmp_cli_error ("%s", error->message);
      if (self->exit_code == AQMP_EXIT_OK)
        self->exit_code = g_error_matches (error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_DISCONNECTED) && self->detach
                          ? AQMP_EXIT_OK
                          : g_error_matches (error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_DISCONNECTED) ? AQMP_EXIT_PROBLEM : AQMP_EXIT_QMP_ERROR;
    }
  if (--self->remaining == 0)
    g_main_loop_quit (self->loop);
}

static void
aqmp_job_cmd_follow (AqmpJobCmd *self, AqmpJob *job)
{
  g_ptr_array_add (self->jobs, g_object_ref (job));
  self->remaining++;
  g_signal_connect (job, "notify::status", G_CALLBACK (aqmp_job_cmd_status_cb), self);
  g_signal_connect (job, "notify::fraction", G_CALLBACK (aqmp_job_cmd_progress_cb), self);
  g_signal_connect (job, "notify::rate", G_CALLBACK (aqmp_job_cmd_progress_cb), self);
  g_signal_connect (job, "notify::current-progress", G_CALLBACK (aqmp_job_cmd_polled_cb), self);
  aqmp_job_cmd_show (self, job, TRUE);
  aqmp_job_wait_async (job, NULL, aqmp_job_cmd_job_ended_cb, self);
}

static void
aqmp_job_cmd_cancelled_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!aqmp_job_runner_control_finish (AQMP_JOB_RUNNER (source), res, &error))
    aqmp_cli_error (_("cannot cancel: %s"), error->message);
}

static gboolean
aqmp_job_cmd_interrupted_cb (gpointer user_data)
{
  AqmpJobCmd *self = user_data;

  self->interrupts++;
  aqmp_job_cmd_clear_bar (self);
  if (self->detach || self->interrupts > 1)
    {
      /* the jobs go on in QEMU, and stay active in the store */
      if (self->jobs->len > 0)
        aqmp_cli_error (_("leaving %u job(s) running; 'aqmp job watch' follows them again"), self->jobs->len);
      aqmp_job_cmd_quit (self, self->detach ? AQMP_EXIT_OK : 130);
      return G_SOURCE_CONTINUE;
    }
  aqmp_cli_error (_("cancelling (press Ctrl-C again to leave the job running)"));
  for (guint i = 0; i < self->jobs->len; i++)
    {
      AqmpJob *job = g_ptr_array_index (self->jobs, i);
      if (!aqmp_job_is_ended (job))
        aqmp_job_runner_control_async (self->runner, aqmp_job_get_id (job), AQMP_JOB_ACTION_CANCEL,
                                       NULL, aqmp_job_cmd_cancelled_cb, self);
    }
  return G_SOURCE_CONTINUE;
}

/* ----- connecting ----- */

static gboolean
aqmp_job_cmd_open_store (AqmpJobCmd *self)
{
  g_autoptr(GError) error = NULL;

  self->store = aqmp_job_store_new (self->db_path, &error);
  if (self->store == NULL)
    {
      aqmp_cli_error ("%s", error->message);
      return FALSE;
    }
  return TRUE;
}

static void
aqmp_job_cmd_make_runner (AqmpJobCmd *self, const gchar *machine)
{
  self->runner = aqmp_job_runner_new (self->client, self->store, machine);
  if (self->interval > 0)
    aqmp_job_runner_set_poll_interval (self->runner, (guint) (self->interval * 1000));
}

static gboolean
aqmp_job_cmd_connect (AqmpJobCmd *self, const gchar *address, gboolean with_store)
{
  g_autoptr(GError) error = NULL;

  if (with_store && !aqmp_job_cmd_open_store (self))
    return FALSE;
  self->client = aqmp_client_new ();
  if (!aqmp_client_connect_sync (self->client, address, NULL, &error))
    {
      aqmp_cli_error ("%s", error->message);
      return FALSE;
    }
  aqmp_job_cmd_make_runner (self, address);
  return TRUE;
}

typedef struct {
  GPtrArray *jobs;
  GError *error;
  gboolean done;
} AqmpJobCmdResult;

static void
aqmp_job_cmd_reconciled_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpJobCmdResult *r = user_data;

  r->jobs = aqmp_job_runner_reconcile_finish (AQMP_JOB_RUNNER (source), res, &r->error);
  r->done = TRUE;
}

/* runs the default context until @done: these are plain programs */
static void
aqmp_job_cmd_iterate_until (gboolean *done)
{
  while (!*done)
    g_main_context_iteration (NULL, TRUE);
}

static GPtrArray *
aqmp_job_cmd_reconcile (AqmpJobCmd *self)
{
  AqmpJobCmdResult r = { 0, };

  aqmp_job_runner_reconcile_async (self->runner, NULL, aqmp_job_cmd_reconciled_cb, &r);
  aqmp_job_cmd_iterate_until (&r.done);
  if (r.jobs == NULL)
    {
      aqmp_cli_error (_("cannot reconcile the job store with QEMU: %s"), r.error->message);
      g_clear_error (&r.error);
    }
  return r.jobs;
}

static void
aqmp_job_cmd_report_refusal (const gchar *what, const GError *error)
{
  /* the schema's refusal names the command itself */
  if (g_error_matches (error, AQMP_ERROR, AQMP_ERROR_INVALID))
    aqmp_cli_error ("%s", error->message);
  else if (g_error_matches (error, AQMP_ERROR, AQMP_ERROR_COMMAND))
    aqmp_cli_error ("%s: %s: %s", what, aqmp_error_get_qmp_class (error), aqmp_error_get_qmp_desc (error));
  else
    aqmp_cli_error ("%s: %s", what, error->message);
}

/* ----- start ----- */

typedef struct {
  GPtrArray *jobs;
  GError *error;
  gboolean done;
} AqmpJobCmdStart;

static void
aqmp_job_cmd_started_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpJobCmdStart *s = user_data;

  s->jobs = aqmp_job_runner_start_finish_all (AQMP_JOB_RUNNER (source), res, &s->error);
  s->done = TRUE;
}

/* "a, b": the ids of a transaction's jobs */
static gchar *
aqmp_job_cmd_job_ids (GPtrArray *jobs)
{
  g_autoptr(GString) ids = g_string_new (NULL);

  for (guint i = 0; i < jobs->len; i++)
    g_string_append_printf (ids, "%s%s", i > 0 ? ", " : "", aqmp_job_get_id (g_ptr_array_index (jobs, i)));
  return g_string_free (g_steal_pointer (&ids), FALSE);
}

static gint
aqmp_job_cmd_start_and_follow (AqmpJobCmd *self)
{
  AqmpJobCmdStart s = { 0, };
  AqmpJobStartFlags flags = self->auto_complete ? AQMP_JOB_START_FLAGS_AUTO_COMPLETE : AQMP_JOB_START_FLAGS_NONE;
  guint sigint_id;
  guint sigterm_id;

  aqmp_job_runner_start_async (self->runner, self->command, self->arguments, flags, NULL,
                               aqmp_job_cmd_started_cb, &s);
  aqmp_job_cmd_iterate_until (&s.done);
  if (s.jobs == NULL)
    {
      gint rc = aqmp_cli_exit_code (s.error);
      /* refused before anything was sent: a usage problem */
      if (g_error_matches (s.error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_NOT_A_JOB))
        aqmp_cli_error (_("cannot start a job: %s"), s.error->message);
      else
        aqmp_job_cmd_report_refusal (self->command, s.error);
      g_clear_error (&s.error);
      return rc;
    }
  if (self->tty && !self->json)
    {
      g_autofree gchar *ids = aqmp_job_cmd_job_ids (s.jobs);
      /* TRANSLATORS: the command (such as blockdev-backup or transaction),
       * then the ids of the jobs it started */
      if (s.jobs->len == 1)
        g_print (_("started %s job %s\n"), self->command, ids);
      else
        g_print (_("started %s jobs %s\n"), self->command, ids);
    }
  self->exit_code = AQMP_EXIT_OK;
  /* before the bar shows: a Ctrl-C the user sends on seeing it must not kill us */
  sigint_id = g_unix_signal_add (SIGINT, aqmp_job_cmd_interrupted_cb, self);
  sigterm_id = g_unix_signal_add (SIGTERM, aqmp_job_cmd_interrupted_cb, self);
  for (guint i = 0; i < s.jobs->len; i++)
    aqmp_job_cmd_follow (self, g_ptr_array_index (s.jobs, i));
  g_ptr_array_unref (s.jobs);
  if (self->remaining > 0)
    g_main_loop_run (self->loop);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  return self->exit_code;
}

/* the runner refuses a call the schema refuses, before it records a job */
static void
aqmp_job_cmd_validate (AqmpJobCmd *self)
{
  g_autoptr(AqmpSchemaCache) cache = NULL;
  g_autoptr(GError) error = NULL;

  if (self->validate.no_validate)
    return;
  cache = aqmp_schema_cache_new (NULL);
  self->validate.schema = aqmp_schema_load_sync (self->client, cache, NULL, &error);
  if (self->validate.schema == NULL)
    {
      aqmp_cli_warning (_("not validating: cannot read the server's schema: %s"), error->message);
      return;
    }
  aqmp_cli_validate_use (&self->validate, self->client, self->validate.schema);
}

static gint
aqmp_job_cmd_run_start (AqmpJobCmd *self, gint argc, gchar **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) attached = NULL;

  if (argc < 3)
    {
      aqmp_cli_error (_("job start needs an ADDRESS and a COMMAND"));
      return AQMP_EXIT_PROBLEM;
    }
  self->address = g_strdup (argv[1]);
  self->command = g_strdup (argv[2]);
  self->arguments = aqmp_args_parse ((const gchar * const *) argv + 3, argc - 3, &error);
  if (self->arguments == NULL && error != NULL)
    {
      aqmp_cli_error ("%s", error->message);
      return AQMP_EXIT_PROBLEM;
    }
  if (!aqmp_cli_validate_check_options (&self->validate))
    return AQMP_EXIT_PROBLEM;
  if (!aqmp_job_cmd_connect (self, self->address, TRUE))
    return AQMP_EXIT_PROBLEM;
  aqmp_job_cmd_validate (self);
  /* the store learns what became of jobs an earlier run left behind */
  attached = aqmp_job_cmd_reconcile (self);
  if (attached == NULL)
    return AQMP_EXIT_PROBLEM;
  return aqmp_job_cmd_start_and_follow (self);
}

/* ----- watch ----- */

static gint
aqmp_job_cmd_run_watch (AqmpJobCmd *self, gint argc, gchar **argv)
{
  g_autoptr(GPtrArray) attached = NULL;
  guint sigint_id;

  if (argc < 2 || argc > 3)
    {
      aqmp_cli_error (_("job watch needs an ADDRESS and optionally a job ID"));
      return AQMP_EXIT_PROBLEM;
    }
  if (!aqmp_job_cmd_connect (self, argv[1], TRUE))
    return AQMP_EXIT_PROBLEM;
  attached = aqmp_job_cmd_reconcile (self);
  if (attached == NULL)
    return AQMP_EXIT_PROBLEM;
  self->exit_code = AQMP_EXIT_OK;
  if (argc == 3)
    {
      AqmpJob *job = aqmp_job_runner_lookup (self->runner, argv[2]);
      g_autoptr(JsonObject) record = NULL;

      if (job == NULL)
        {
          /* it may have ended already: the store knows how */
          record = aqmp_job_store_find_job (self->store, argv[1], argv[2], NULL);
          if (record == NULL)
            {
              aqmp_cli_error (_("QEMU at %s has no job %s"), argv[1], argv[2]);
              return AQMP_EXIT_PROBLEM;
            }
          g_print (_("job %s already ended: %s%s%s\n"), argv[2],
                   json_object_get_string_member_with_default (record, "result", "unknown"),
                   json_object_get_null_member (record, "error") ? "" : ": ",
                   json_object_get_null_member (record, "error") ? "" : json_object_get_string_member (record, "error"));
          return g_strcmp0 (json_object_get_string_member_with_default (record, "result", NULL), "success") == 0
                 ? AQMP_EXIT_OK : AQMP_EXIT_QMP_ERROR;
        }
      aqmp_job_cmd_follow (self, job);
    }
  else
    {
      for (guint i = 0; i < attached->len; i++)
        aqmp_job_cmd_follow (self, g_ptr_array_index (attached, i));
      if (attached->len == 0)
        {
          g_print (_("no jobs are running on %s\n"), argv[1]);
          return AQMP_EXIT_OK;
        }
    }
  /* watching never cancels: Ctrl-C just stops watching */
  self->detach = TRUE;
  sigint_id = g_unix_signal_add (SIGINT, aqmp_job_cmd_interrupted_cb, self);
  if (self->remaining > 0)
    g_main_loop_run (self->loop);
  g_source_remove (sigint_id);
  return self->exit_code;
}

/* ----- cancel, pause, resume, complete, finalize, dismiss, set-speed ----- */

typedef struct {
  gboolean ok;
  GError *error;
  gboolean done;
} AqmpJobCmdControl;

static void
aqmp_job_cmd_controlled_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpJobCmdControl *c = user_data;

  c->ok = aqmp_job_runner_control_finish (AQMP_JOB_RUNNER (source), res, &c->error);
  c->done = TRUE;
}

static void
aqmp_job_cmd_speed_set_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpJobCmdControl *c = user_data;

  c->ok = aqmp_job_runner_set_speed_finish (AQMP_JOB_RUNNER (source), res, &c->error);
  c->done = TRUE;
}

static gint
aqmp_job_cmd_run_control (AqmpJobCmd *self, const gchar *verb, gint argc, gchar **argv)
{
  AqmpJobCmdControl c = { 0, };
  gint rc;

  if (argc != (g_strcmp0 (verb, "set-speed") == 0 ? 4 : 3))
    {
      if (g_strcmp0 (verb, "set-speed") == 0)
        aqmp_cli_error (_("job set-speed needs an ADDRESS, a job ID and a SPEED in bytes per second"));
      else
        aqmp_cli_error (_("job %s needs an ADDRESS and a job ID"), verb);
      return AQMP_EXIT_PROBLEM;
    }
  if (!aqmp_job_cmd_connect (self, argv[1], FALSE))
    return AQMP_EXIT_PROBLEM;
  if (g_strcmp0 (verb, "set-speed") == 0)
    {
      guint64 speed = 0;
      g_autoptr(GError) error = NULL;
      if (!g_ascii_string_to_unsigned (argv[3], 10, 0, G_MAXINT64, &speed, &error))
        {
          aqmp_cli_error (_("invalid speed '%s': %s"), argv[3], error->message);
          return AQMP_EXIT_PROBLEM;
        }
      aqmp_job_runner_set_speed_async (self->runner, argv[2], speed, NULL, aqmp_job_cmd_speed_set_cb, &c);
    }
  else
    aqmp_job_runner_control_async (self->runner, argv[2], self->action, NULL, aqmp_job_cmd_controlled_cb, &c);
  aqmp_job_cmd_iterate_until (&c.done);
  if (c.ok)
    return AQMP_EXIT_OK;
  aqmp_job_cmd_report_refusal (verb, c.error);
  rc = aqmp_cli_exit_code (c.error);
  g_clear_error (&c.error);
  return rc;
}

/* ----- list and show, from the store alone ----- */

static gchar *
aqmp_job_cmd_format_time (JsonObject *record, const gchar *member)
{
  g_autoptr(GDateTime) dt = NULL;

  if (json_object_get_null_member (record, member))
    return g_strdup ("-");
  dt = g_date_time_new_from_unix_local (json_object_get_int_member (record, member) / G_USEC_PER_SEC);
  return dt != NULL ? g_date_time_format (dt, "%Y-%m-%d %H:%M:%S") : g_strdup ("?");
}

static const gchar *
aqmp_job_cmd_string_or (JsonObject *record, const gchar *member, const gchar *fallback)
{
  if (!json_object_has_member (record, member) || json_object_get_null_member (record, member))
    return fallback;
  return json_object_get_string_member (record, member);
}

static gchar *
aqmp_job_cmd_format_progress (JsonObject *record)
{
  gint64 current = json_object_get_int_member (record, "current-progress");
  gint64 total = json_object_get_int_member (record, "total-progress");

  if (total <= 0)
    return g_strdup ("-");
  return g_strdup_printf ("%.0f%%", 100.0 * (gdouble) current / (gdouble) total);
}

static gint
aqmp_job_cmd_print_list (AqmpJobCmd *self, const gchar *machine)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) jobs = NULL;

  if (self->store == NULL && !aqmp_job_cmd_open_store (self))
    return AQMP_EXIT_PROBLEM;
  jobs = aqmp_job_store_list_jobs (self->store, machine, !self->all, &error);
  if (jobs == NULL)
    {
      aqmp_cli_error ("%s", error->message);
      return AQMP_EXIT_PROBLEM;
    }
  if (self->json)
    {
      for (guint i = 0; i < jobs->len; i++)
        aqmp_job_cmd_print_object (g_ptr_array_index (jobs, i));
      return AQMP_EXIT_OK;
    }
  if (jobs->len == 0)
    {
      if (self->all)
        g_print (_("no jobs recorded in %s\n"), aqmp_job_store_get_path (self->store));
      else
        g_print (_("no active jobs in %s (--all shows the history)\n"), aqmp_job_store_get_path (self->store));
      return AQMP_EXIT_OK;
    }
  g_print ("%-5s %-24s %-16s %-10s %-10s %-9s %5s  %-19s  %s\n", "ROW", "JOB", "COMMAND", "TYPE", "STATUS",
           "RESULT", "DONE", "STARTED", "MACHINE");
  for (guint i = 0; i < jobs->len; i++)
    {
      JsonObject *r = g_ptr_array_index (jobs, i);
      g_autofree gchar *started = aqmp_job_cmd_format_time (r, "created");
      g_autofree gchar *done = aqmp_job_cmd_format_progress (r);
      g_print ("%-5" G_GINT64_FORMAT " %-24s %-16s %-10s %-10s %-9s %5s  %-19s  %s\n",
               json_object_get_int_member (r, "id"),
               aqmp_job_cmd_string_or (r, "job-id", "?"),
               aqmp_job_cmd_string_or (r, "command", "?"),
               aqmp_job_cmd_string_or (r, "type", "-"),
               aqmp_job_cmd_string_or (r, "status", "?"),
               aqmp_job_cmd_string_or (r, "result", "active"),
               done, started,
               aqmp_job_cmd_string_or (r, "machine", "?"));
    }
  return AQMP_EXIT_OK;
}

static gint
aqmp_job_cmd_run_list (AqmpJobCmd *self, gint argc, gchar **argv)
{
  if (argc != 1)
    {
      aqmp_cli_error (_("job list takes no arguments"));
      return AQMP_EXIT_PROBLEM;
    }
  return aqmp_job_cmd_print_list (self, self->machine);
}

/* the machine's identity and who started the job, as far as known */
static void
aqmp_job_cmd_print_origin (JsonObject *record)
{
  g_autoptr(GString) qemu = g_string_new (NULL);

  if (!json_object_get_null_member (record, "address"))
    g_string_append (qemu, json_object_get_string_member (record, "address"));
  if (!json_object_get_null_member (record, "qemu-pid"))
    g_string_append_printf (qemu, "%spid %" G_GINT64_FORMAT, qemu->len > 0 ? ", " : "",
                            json_object_get_int_member (record, "qemu-pid"));
  if (!json_object_get_null_member (record, "qemu-uuid"))
    g_string_append_printf (qemu, "%suuid %s", qemu->len > 0 ? ", " : "",
                            json_object_get_string_member (record, "qemu-uuid"));
  if (!json_object_get_null_member (record, "qemu-name"))
    g_string_append_printf (qemu, "%sname %s", qemu->len > 0 ? ", " : "",
                            json_object_get_string_member (record, "qemu-name"));
  if (qemu->len > 0)
    g_print ("%-10s %s\n", "QEMU:", qemu->str);
  if (!json_object_get_null_member (record, "started-by-uid"))
    g_print ("%-10s %" G_GINT64_FORMAT "\n", "Uid:", json_object_get_int_member (record, "started-by-uid"));
}

static gint
aqmp_job_cmd_run_show (AqmpJobCmd *self, gint argc, gchar **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) record = NULL;
  g_autoptr(JsonArray) transitions = NULL;
  g_autoptr(JsonArray) checkpoints = NULL;
  g_autofree gchar *args = NULL;
  guint64 row = 0;
  gint64 id;

  if (argc != 2)
    {
      aqmp_cli_error (_("job show needs a job ID (a row number or a job-id)"));
      return AQMP_EXIT_PROBLEM;
    }
  if (!aqmp_job_cmd_open_store (self))
    return AQMP_EXIT_PROBLEM;
  if (g_ascii_string_to_unsigned (argv[1], 10, 1, G_MAXINT64, &row, NULL))
    record = aqmp_job_store_get_job (self->store, (gint64) row, &error);
  else
    record = aqmp_job_store_find_job (self->store, self->machine, argv[1], &error);
  if (record == NULL)
    {
      aqmp_cli_error (_("job %s: %s"), argv[1], error->message);
      return AQMP_EXIT_PROBLEM;
    }
  id = json_object_get_int_member (record, "id");
  transitions = aqmp_job_store_get_transitions (self->store, id, &error);
  if (transitions != NULL)
    checkpoints = aqmp_job_store_get_checkpoints (self->store, id, &error);
  if (checkpoints == NULL)
    {
      aqmp_cli_error ("%s", error->message);
      return AQMP_EXIT_PROBLEM;
    }
  if (self->json)
    {
      json_object_set_array_member (record, "transitions", json_array_ref (transitions));
      json_object_set_array_member (record, "checkpoints", json_array_ref (checkpoints));
      aqmp_job_cmd_print_object (record);
      return AQMP_EXIT_OK;
    }
  {
    g_autofree gchar *created = aqmp_job_cmd_format_time (record, "created");
    g_autofree gchar *finished = aqmp_job_cmd_format_time (record, "finished");
    g_autofree gchar *progress = aqmp_job_cmd_format_progress (record);
    JsonNode *args_node = json_object_get_member (record, "arguments");

    args = args_node != NULL && !JSON_NODE_HOLDS_NULL (args_node) ? aqmp_json_to_string (args_node, FALSE) : NULL;
    g_print ("%-10s %" G_GINT64_FORMAT "\n", "Row:", id);
    g_print ("%-10s %s\n", "Job:", aqmp_job_cmd_string_or (record, "job-id", "?"));
    g_print ("%-10s %s\n", "Machine:", aqmp_job_cmd_string_or (record, "machine", "?"));
    aqmp_job_cmd_print_origin (record);
    if (args != NULL)
      g_print ("%-10s %s %s\n", "Command:", aqmp_job_cmd_string_or (record, "command", "?"), args);
    else if (g_strcmp0 (aqmp_job_cmd_string_or (record, "command", "?"), "(adopted)") == 0)
      /* TRANSLATORS: what `aqmp job show` prints for a job aqmp found in QEMU */
      g_print ("%-10s %s\n", "Command:", _("(adopted: started outside aqmp, its command is unknown)"));
    else
      g_print ("%-10s %s\n", "Command:", aqmp_job_cmd_string_or (record, "command", "?"));
    g_print ("%-10s %s\n", "Type:", aqmp_job_cmd_string_or (record, "type", "-"));
    g_print ("%-10s %s\n", "Status:", aqmp_job_cmd_string_or (record, "status", "?"));
    g_print ("%-10s %s\n", "Result:", aqmp_job_cmd_string_or (record, "result", "active"));
    if (!json_object_get_null_member (record, "error"))
      g_print ("%-10s %s\n", "Error:", json_object_get_string_member (record, "error"));
    g_print ("%-10s %s (%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT ")\n", "Progress:", progress,
             json_object_get_int_member (record, "current-progress"),
             json_object_get_int_member (record, "total-progress"));
    g_print ("%-10s %s\n", "Started:", created);
    g_print ("%-10s %s\n", "Finished:", finished);
    g_print ("%-10s %u\n", "Checkpoints:", json_array_get_length (checkpoints));
    g_print ("Transitions:\n");
    for (guint i = 0; i < json_array_get_length (transitions); i++)
      {
        JsonObject *t = json_array_get_object_element (transitions, i);
        gint64 ts = json_object_get_int_member (t, "timestamp");
        g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (ts / G_USEC_PER_SEC);
        g_autofree gchar *when = dt != NULL ? g_date_time_format (dt, "%H:%M:%S") : g_strdup ("?");
        g_print ("  %s.%06d  %s\n", when, (gint) (ts % G_USEC_PER_SEC), json_object_get_string_member (t, "status"));
      }
  }
  return AQMP_EXIT_OK;
}

/* ----- demo: a throwaway QEMU, a speed-limited backup, the list ----- */

typedef struct {
  AqmpClient *client;
  GError *error;
  gboolean done;
} AqmpJobCmdLaunch;

static void
aqmp_job_cmd_launched_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpJobCmdLaunch *l = user_data;

  l->client = aqmp_launcher_launch_finish (AQMP_LAUNCHER (source), res, &l->error);
  l->done = TRUE;
}

static gboolean
aqmp_job_cmd_add_null_node (AqmpJobCmd *self, const gchar *name, gint64 size)
{
  g_autoptr(JsonObject) args = json_object_new ();
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(GError) error = NULL;

  json_object_set_string_member (args, "driver", "null-co");
  json_object_set_string_member (args, "node-name", name);
  json_object_set_int_member (args, "size", size);
  value = aqmp_client_execute_sync (self->client, "blockdev-add", args, NULL, &error);
  if (value == NULL)
    {
      aqmp_job_cmd_report_refusal ("blockdev-add", error);
      return FALSE;
    }
  return TRUE;
}

static gint
aqmp_job_cmd_run_demo (AqmpJobCmd *self, gint argc, gchar **argv)
{
  AqmpJobCmdLaunch l = { 0, };
  g_autofree gchar *machine = NULL;
  g_autofree gchar *size = NULL;
  g_autofree gchar *speed = NULL;
  gint rc;

  if (argc != 1)
    {
      aqmp_cli_error (_("job demo takes no arguments"));
      return AQMP_EXIT_PROBLEM;
    }
  if (!aqmp_job_cmd_open_store (self))
    return AQMP_EXIT_PROBLEM;
  self->launcher = aqmp_launcher_new (NULL);
  aqmp_launcher_set_quiet (self->launcher, !self->debug);
  aqmp_launcher_add_arguments (self->launcher, "-machine", "none", "-nodefaults", "-display", "none", NULL);
  g_print (_("starting a throwaway QEMU (%s)\n"), aqmp_launcher_get_binary (self->launcher));
  aqmp_launcher_launch_async (self->launcher, NULL, aqmp_job_cmd_launched_cb, &l);
  aqmp_job_cmd_iterate_until (&l.done);
  if (l.client == NULL)
    {
      aqmp_cli_error ("%s", l.error->message);
      g_clear_error (&l.error);
      return AQMP_EXIT_PROBLEM;
    }
  self->client = l.client;
  machine = aqmp_launcher_get_machine (self->launcher);
  size = g_format_size_full ((guint64) self->demo_size, G_FORMAT_SIZE_IEC_UNITS);
  speed = g_format_size_full ((guint64) self->demo_speed, G_FORMAT_SIZE_IEC_UNITS);
  g_print (_("adding two %s null-co disks, src and tgt\n"), size);
  if (!aqmp_job_cmd_add_null_node (self, "src", self->demo_size)
      || !aqmp_job_cmd_add_null_node (self, "tgt", self->demo_size))
    return AQMP_EXIT_PROBLEM;
  g_print (_("backing src up to tgt at %s/s\n"), speed);
  aqmp_job_cmd_make_runner (self, machine);
  self->command = g_strdup ("blockdev-backup");
  self->arguments = json_object_new ();
  json_object_set_string_member (self->arguments, "device", "src");
  json_object_set_string_member (self->arguments, "target", "tgt");
  json_object_set_string_member (self->arguments, "sync", "full");
  json_object_set_int_member (self->arguments, "speed", self->demo_speed);
  rc = aqmp_job_cmd_start_and_follow (self);
  g_print ("\n");
  self->all = TRUE;
  aqmp_job_cmd_print_list (self, machine);
  g_print (_("\nstopping QEMU\n"));
  aqmp_launcher_stop (self->launcher);
  return rc;
}

/* ----- main ----- */

static void
aqmp_job_cmd_usage (void)
{
  g_printerr ("%s\n"
              "  aqmp job start ADDRESS COMMAND [JSON | KEY=VALUE...] [--json] [--detach] [--auto-complete]\n"
              "  aqmp job watch ADDRESS [ID] [--json]\n"
              "  aqmp job cancel|pause|resume|complete|finalize|dismiss ADDRESS ID\n"
              "  aqmp job set-speed ADDRESS ID BYTES_PER_SECOND\n"
              "  aqmp job list [--all] [--json] [--machine ADDRESS]\n"
              "  aqmp job show ID [--json]\n"
              "  aqmp job demo [--size MIB] [--speed MIB_PER_SECOND]\n"
              "\n%s\n", _("Usage:"),
              _("Every command takes --db PATH (default: $XDG_STATE_HOME/aqmp/jobs.db).\n"
                "Ctrl-C cancels a started job, unless --detach was given."));
}

static gboolean
aqmp_job_cmd_action_from_verb (const gchar *verb, AqmpJobAction *action)
{
  static const struct { const gchar *verb; AqmpJobAction action; } verbs[] = {
    { "cancel", AQMP_JOB_ACTION_CANCEL },
    { "pause", AQMP_JOB_ACTION_PAUSE },
    { "resume", AQMP_JOB_ACTION_RESUME },
    { "complete", AQMP_JOB_ACTION_COMPLETE },
    { "finalize", AQMP_JOB_ACTION_FINALIZE },
    { "dismiss", AQMP_JOB_ACTION_DISMISS },
  };

  for (guint i = 0; i < G_N_ELEMENTS (verbs); i++)
    {
      if (g_strcmp0 (verbs[i].verb, verb) == 0)
        {
          *action = verbs[i].action;
          return TRUE;
        }
    }
  return FALSE;
}

static void
aqmp_job_cmd_clear (AqmpJobCmd *self)
{
  aqmp_cli_validate_clear (&self->validate);
  if (self->jobs != NULL)
    {
      for (guint i = 0; i < self->jobs->len; i++)
        g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->jobs, i), self);
      g_ptr_array_unref (self->jobs);
    }
  g_clear_object (&self->runner);
  g_clear_object (&self->client);
  g_clear_object (&self->launcher);
  g_clear_object (&self->store);
  g_clear_pointer (&self->arguments, json_object_unref);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_free (self->db_path);
  g_free (self->machine);
  g_free (self->address);
  g_free (self->command);
  g_free (self->watch_id);
}

/**
 * aqmp_cmd_job:
 * @argc: the number of arguments
 * @argv: the arguments; argv[0] is "job"
 *
 * Runs `aqmp job SUBCOMMAND ...`.
 *
 * Returns: the exit code
 */
gint
aqmp_cmd_job (gint argc, gchar **argv)
{
  AqmpJobCmd self = { 0, };
  gdouble demo_size_mib = 1024;
  gdouble demo_speed_mib = 200;
  GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &self.db_path, N_("The job store (default: $XDG_STATE_HOME/aqmp/jobs.db)"), N_("PATH") },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &self.json, N_("Print JSON lines"), NULL },
    { "detach", 'd', 0, G_OPTION_ARG_NONE, &self.detach, N_("On Ctrl-C, leave the job running instead of cancelling it"), NULL },
    { "auto-complete", 0, 0, G_OPTION_ARG_NONE, &self.auto_complete, N_("Complete a mirror as soon as it is ready"), NULL },
    { "all", 'a', 0, G_OPTION_ARG_NONE, &self.all, N_("List ended jobs too"), NULL },
    { "machine", 'm', 0, G_OPTION_ARG_STRING, &self.machine, N_("Only this machine's jobs"), N_("ADDRESS") },
    { "interval", 'i', 0, G_OPTION_ARG_DOUBLE, &self.interval, N_("Seconds between two progress polls (default 0.5)"), N_("SECONDS") },
    { "size", 0, 0, G_OPTION_ARG_DOUBLE, &demo_size_mib, N_("demo: disk size in MiB (default 1024)"), N_("MIB") },
    { "speed", 0, 0, G_OPTION_ARG_DOUBLE, &demo_speed_mib, N_("demo: backup speed in MiB/s (default 200)"), N_("MIB") },
    { "debug", 'v', 0, G_OPTION_ARG_NONE, &self.debug, N_("Show debug messages on stderr"), NULL },
    AQMP_CLI_VALIDATE_OPTIONS (&self.validate),
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *verb;
  gint sub_argc;
  gchar **sub_argv;
  gint rc;

  if (argc < 2 || g_strcmp0 (argv[1], "--help") == 0 || g_strcmp0 (argv[1], "-h") == 0)
    {
      aqmp_job_cmd_usage ();
      return argc < 2 ? AQMP_EXIT_PROBLEM : AQMP_EXIT_OK;
    }
  verb = argv[1];
  /* the subcommand stands in for the program name */
  sub_argc = argc - 1;
  sub_argv = argv + 1;
  context = g_option_context_new (NULL);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &sub_argc, &sub_argv, &error))
    {
      aqmp_cli_error ("%s", error->message);
      g_free (self.db_path);
      g_free (self.machine);
      return AQMP_EXIT_PROBLEM;
    }
  g_log_writer_default_set_use_stderr (TRUE);
  if (self.debug)
    g_log_set_debug_enabled (TRUE);
  self.loop = g_main_loop_new (NULL, FALSE);
  self.jobs = g_ptr_array_new_with_free_func (g_object_unref);
  self.exit_code = AQMP_EXIT_PROBLEM;
  self.tty = isatty (STDOUT_FILENO);
  self.demo_size = (gint64) (demo_size_mib * 1024 * 1024);
  self.demo_speed = (gint64) (demo_speed_mib * 1024 * 1024);

  if (g_strcmp0 (verb, "start") == 0)
    rc = aqmp_job_cmd_run_start (&self, sub_argc, sub_argv);
  else if (g_strcmp0 (verb, "watch") == 0)
    rc = aqmp_job_cmd_run_watch (&self, sub_argc, sub_argv);
  else if (aqmp_job_cmd_action_from_verb (verb, &self.action) || g_strcmp0 (verb, "set-speed") == 0)
    rc = aqmp_job_cmd_run_control (&self, verb, sub_argc, sub_argv);
  else if (g_strcmp0 (verb, "list") == 0)
    rc = aqmp_job_cmd_run_list (&self, sub_argc, sub_argv);
  else if (g_strcmp0 (verb, "show") == 0)
    rc = aqmp_job_cmd_run_show (&self, sub_argc, sub_argv);
  else if (g_strcmp0 (verb, "demo") == 0)
    rc = aqmp_job_cmd_run_demo (&self, sub_argc, sub_argv);
  else
    {
      aqmp_cli_error (_("unknown job command '%s'"), verb);
      aqmp_job_cmd_usage ();
      rc = AQMP_EXIT_PROBLEM;
    }
  aqmp_job_cmd_clear (&self);
  return rc;
}
