/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <aqmp/aqmp-jobs.h>

#include "aqmp-args.h"
#include "aqmp-shell.h"

/*
 * The shell's own commands, which start with '/' so that they never clash
 * with QMP's names: jobs started through the job runner (the argument
 * syntax of any other line, the prompt back at once), their progress and
 * their end printed above the prompt as events are, and acting on them
 * by id. `help` and `?` list these commands instead of going to QEMU.
 */

/* a job's progress is shown at most this often */
#define PROGRESS_INTERVAL_US (G_USEC_PER_SEC)

struct _AqmpShellJobs {
  AqmpShell *shell;
  gchar *db_path;              /* nullable: the default job store */
  AqmpJobStore *store;
  AqmpJobRunner *runner;
  GPtrArray *jobs;             /* AqmpJob, started here */
  GHashTable *shown;           /* AqmpJob -> last progress line, monotonic */
  GCancellable *cancellable;   /* the waits, cancelled when the shell ends */
};

typedef struct {
  const gchar *name;
  const gchar *parameters;
  const gchar *summary;        /* N_() */
} AqmpShellJobsCommand;

static const AqmpShellJobsCommand aqmp_shell_jobs_commands[] = {
  /* TRANSLATORS: the shell's own commands, as /help lists them; keep the
   * command names */
  { "/start", N_("COMMAND [KEY=VALUE... | JSON]"), N_("start a job and get the prompt back at once") },
  { "/jobs", "", N_("list the jobs started in this shell") },
  { "/cancel", N_("ID"), N_("cancel a job") },
  { "/pause", N_("ID"), N_("pause a job") },
  { "/resume", N_("ID"), N_("resume a job") },
  { "/complete", N_("ID"), N_("complete a mirror or commit that is ready") },
  { "/help", "", N_("this list (also help and ?)") },
};

AqmpShellJobs *
aqmp_shell_jobs_new (AqmpShell *shell, const gchar *db_path)
{
  AqmpShellJobs *self = g_new0 (AqmpShellJobs, 1);

  self->shell = shell;
  self->db_path = g_strdup (db_path);
  self->jobs = g_ptr_array_new_with_free_func (g_object_unref);
  self->shown = g_hash_table_new (g_direct_hash, g_direct_equal);
  self->cancellable = g_cancellable_new ();
  return self;
}

void
aqmp_shell_jobs_free (AqmpShellJobs *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  for (guint i = 0; i < self->jobs->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->jobs, i), self);
  g_ptr_array_unref (self->jobs);
  g_hash_table_unref (self->shown);
  g_clear_object (&self->runner);
  g_clear_object (&self->store);
  g_free (self->db_path);
  g_free (self);
}

/* ----- the names, for /help and completion ----- */

static void
aqmp_shell_jobs_help (AqmpShellJobs *self)
{
  g_autoptr(GString) text = g_string_new (NULL);

  /* TRANSLATORS: the first line of the shell's /help */
  g_string_append (text, _("The shell's own commands (any other line is a QMP command):"));
  for (guint i = 0; i < G_N_ELEMENTS (aqmp_shell_jobs_commands); i++)
    {
      const AqmpShellJobsCommand *c = &aqmp_shell_jobs_commands[i];
      g_autofree gchar *usage = g_strdup_printf ("%s %s", c->name, c->parameters[0] ? _(c->parameters) : "");

      g_string_append_printf (text, "\n  %-40s %s", usage, _(c->summary));
    }
  aqmp_shell_message (self->shell, FALSE, "%s", text->str);
}

/* the shell's commands starting with @prefix, or the ids of its jobs
 * after one that takes an ID */
GPtrArray *
aqmp_shell_jobs_complete (AqmpShellJobs *self, const gchar *command, const gchar *prefix)
{
  GPtrArray *matches = g_ptr_array_new_with_free_func (g_free);

  if (command == NULL)
    {
      for (guint i = 0; i < G_N_ELEMENTS (aqmp_shell_jobs_commands); i++)
        if (g_str_has_prefix (aqmp_shell_jobs_commands[i].name, prefix))
          g_ptr_array_add (matches, g_strdup (aqmp_shell_jobs_commands[i].name));
      return matches;
    }
  if (g_strcmp0 (command, "/cancel") != 0 && g_strcmp0 (command, "/pause") != 0
      && g_strcmp0 (command, "/resume") != 0 && g_strcmp0 (command, "/complete") != 0)
    return matches;
  for (guint i = 0; i < self->jobs->len; i++)
    {
      AqmpJob *job = g_ptr_array_index (self->jobs, i);

      if (!aqmp_job_is_ended (job) && g_str_has_prefix (aqmp_job_get_id (job), prefix))
        g_ptr_array_add (matches, g_strdup (aqmp_job_get_id (job)));
    }
  return matches;
}

/* ----- following the jobs ----- */

static gchar *
aqmp_shell_jobs_describe (AqmpJob *job)
{
  g_autofree gchar *rate = g_format_size_full ((guint64) aqmp_job_get_rate (job), G_FORMAT_SIZE_IEC_UNITS);
  g_autofree gchar *pct = aqmp_job_get_fraction_valid (job)
                          ? g_strdup_printf ("%5.1f%%", aqmp_job_get_fraction (job) * 100) : g_strdup ("    ?%");

  return g_strdup_printf ("%-20s %-10s %s  %s/s", aqmp_job_get_id (job),
                          aqmp_job_status_to_string (aqmp_job_get_status (job)), pct, rate);
}

static void
aqmp_shell_jobs_show (AqmpShellJobs *self, AqmpJob *job, gboolean force)
{
  gint64 now = g_get_monotonic_time ();
  gint64 last = GPOINTER_TO_SIZE (g_hash_table_lookup (self->shown, job));
  g_autofree gchar *line = NULL;

  if (aqmp_job_is_ended (job) || (!force && now - last < PROGRESS_INTERVAL_US))
    return;
  g_hash_table_insert (self->shown, job, GSIZE_TO_POINTER ((gsize) now));
  line = aqmp_shell_jobs_describe (job);
  /* TRANSLATORS: a job's progress above the shell's prompt; keep [job]
   * as the other job lines have it */
  aqmp_shell_message (self->shell, FALSE, _("[job] %s"), line);
}

static void
aqmp_shell_jobs_status_cb (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  aqmp_shell_jobs_show (user_data, AQMP_JOB (object), TRUE);
}

static void
aqmp_shell_jobs_progress_cb (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  aqmp_shell_jobs_show (user_data, AQMP_JOB (object), FALSE);
}

static void
aqmp_shell_jobs_ended_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpShellJobs *self = user_data;
  AqmpJob *job = AQMP_JOB (source);
  g_autoptr(GError) error = NULL;
  const gchar *result;

  /* the shell is gone */
  if (!aqmp_job_wait_finish (job, res, &error) && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_signal_handlers_disconnect_by_data (job, self);
  result = aqmp_job_result_to_string (aqmp_job_get_result (job));
  if (error != NULL)
    /* TRANSLATORS: a job started in the shell ended; its id, its result
     * and why, from the library */
    aqmp_shell_message (self->shell, FALSE, _("[job] %s ended: %s: %s"), aqmp_job_get_id (job), result,
                        error->message);
  else
    /* TRANSLATORS: a job started in the shell ended; its id and result */
    aqmp_shell_message (self->shell, FALSE, _("[job] %s ended: %s"), aqmp_job_get_id (job), result);
}

static void
aqmp_shell_jobs_follow (AqmpShellJobs *self, AqmpJob *job)
{
  g_ptr_array_add (self->jobs, g_object_ref (job));
  g_signal_connect (job, "notify::status", G_CALLBACK (aqmp_shell_jobs_status_cb), self);
  g_signal_connect (job, "notify::current-progress", G_CALLBACK (aqmp_shell_jobs_progress_cb), self);
  aqmp_job_wait_async (job, self->cancellable, aqmp_shell_jobs_ended_cb, self);
}

/* ----- the commands ----- */

static gboolean
aqmp_shell_jobs_ensure_runner (AqmpShellJobs *self)
{
  g_autoptr(GError) error = NULL;

  if (self->runner != NULL)
    return TRUE;
  self->store = aqmp_job_store_new (self->db_path, &error);
  if (self->store == NULL)
    {
      aqmp_shell_message (self->shell, TRUE, "%s", error->message);
      return FALSE;
    }
  self->runner = aqmp_job_runner_new (self->shell->client, self->store, self->shell->address);
  return TRUE;
}

static void
aqmp_shell_jobs_started_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpShellJobs *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) jobs = aqmp_job_runner_start_finish_all (AQMP_JOB_RUNNER (source), res, &error);

  if (jobs == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (jobs == NULL)
    {
      /* TRANSLATORS: /start failed; why */
      aqmp_shell_message (self->shell, TRUE, _("cannot start a job: %s"), error->message);
      self->shell->status = MAX (self->shell->status, aqmp_cli_exit_code (error));
      return;
    }
  for (guint i = 0; i < jobs->len; i++)
    {
      AqmpJob *job = g_ptr_array_index (jobs, i);

      /* TRANSLATORS: /start started a job; its id and the command */
      aqmp_shell_message (self->shell, FALSE, _("[job] %s started (%s)"), aqmp_job_get_id (job),
                          aqmp_job_get_command (job));
      aqmp_shell_jobs_follow (self, job);
    }
}

static void
aqmp_shell_jobs_start (AqmpShellJobs *self, gchar **words, gint n_words)
{
  g_autoptr(JsonObject) arguments = NULL;
  g_autoptr(GError) error = NULL;

  if (n_words < 2)
    {
      aqmp_shell_message (self->shell, TRUE, _("/start needs a COMMAND, such as blockdev-backup"));
      return;
    }
  arguments = aqmp_args_parse ((const gchar * const *) words + 2, n_words - 2, &error);
  if (arguments == NULL && error != NULL)
    {
      aqmp_shell_message (self->shell, TRUE, "%s", error->message);
      return;
    }
  if (!aqmp_shell_jobs_ensure_runner (self))
    return;
  aqmp_job_runner_start_full_async (self->runner, words[1], arguments, AQMP_JOB_START_FLAGS_NONE,
                                    (guint32) getuid (), self->cancellable, aqmp_shell_jobs_started_cb, self);
}

static void
aqmp_shell_jobs_list (AqmpShellJobs *self)
{
  g_autoptr(GString) text = g_string_new (NULL);

  if (self->jobs->len == 0)
    {
      /* TRANSLATORS: /jobs found none */
      aqmp_shell_message (self->shell, FALSE, _("no jobs started in this shell yet; /start starts one"));
      return;
    }
  for (guint i = 0; i < self->jobs->len; i++)
    {
      AqmpJob *job = g_ptr_array_index (self->jobs, i);
      g_autofree gchar *line = aqmp_shell_jobs_describe (job);

      g_string_append_printf (text, "%s%s", i > 0 ? "\n" : "", line);
      if (aqmp_job_is_ended (job))
        g_string_append_printf (text, "  %s", aqmp_job_result_to_string (aqmp_job_get_result (job)));
    }
  aqmp_shell_message (self->shell, FALSE, "%s", text->str);
}

typedef struct {
  AqmpShellJobs *self;
  gchar *id;
  gchar *verb;
} AqmpShellJobsControl;

static void
aqmp_shell_jobs_controlled_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpShellJobsControl *control = user_data;
  g_autoptr(GError) error = NULL;

  if (!aqmp_job_runner_control_finish (AQMP_JOB_RUNNER (source), res, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* TRANSLATORS: /cancel, /pause, ... failed: the command, the job's id, why */
      aqmp_shell_message (control->self->shell, TRUE, _("%s %s: %s"), control->verb, control->id, error->message);
      control->self->shell->status = MAX (control->self->shell->status, aqmp_cli_exit_code (error));
    }
  g_free (control->id);
  g_free (control->verb);
  g_free (control);
}

static void
aqmp_shell_jobs_control (AqmpShellJobs *self, gchar **words, gint n_words, AqmpJobAction action)
{
  AqmpShellJobsControl *control;

  if (n_words != 2)
    {
      /* TRANSLATORS: /cancel and the others without a job id */
      aqmp_shell_message (self->shell, TRUE, _("%s needs a job ID (/jobs lists them)"), words[0]);
      return;
    }
  if (!aqmp_shell_jobs_ensure_runner (self))
    return;
  control = g_new0 (AqmpShellJobsControl, 1);
  control->self = self;
  control->id = g_strdup (words[1]);
  control->verb = g_strdup (words[0]);
  aqmp_job_runner_control_async (self->runner, words[1], action, self->cancellable, aqmp_shell_jobs_controlled_cb,
                                 control);
}

/*
 * Runs one of the shell's own commands, @line starting with '/' (or
 * `help`, `?`). What it starts goes on in the background: the prompt is
 * back at once and the outcome is printed above it.
 */
void
aqmp_shell_jobs_run_line (AqmpShellJobs *self, const gchar *line)
{
  g_auto(GStrv) words = NULL;
  g_autoptr(GError) error = NULL;
  gint n_words = 0;

  if (g_strcmp0 (line, "help") == 0 || g_strcmp0 (line, "?") == 0)
    {
      aqmp_shell_jobs_help (self);
      return;
    }
  if (!g_shell_parse_argv (line, &n_words, &words, &error))
    {
      aqmp_shell_message (self->shell, TRUE, "%s", error->message);
      return;
    }
  if (g_strcmp0 (words[0], "/help") == 0 || g_strcmp0 (words[0], "/?") == 0)
    aqmp_shell_jobs_help (self);
  else if (g_strcmp0 (words[0], "/start") == 0)
    aqmp_shell_jobs_start (self, words, n_words);
  else if (g_strcmp0 (words[0], "/jobs") == 0)
    aqmp_shell_jobs_list (self);
  else if (g_strcmp0 (words[0], "/cancel") == 0)
    aqmp_shell_jobs_control (self, words, n_words, AQMP_JOB_ACTION_CANCEL);
  else if (g_strcmp0 (words[0], "/pause") == 0)
    aqmp_shell_jobs_control (self, words, n_words, AQMP_JOB_ACTION_PAUSE);
  else if (g_strcmp0 (words[0], "/resume") == 0)
    aqmp_shell_jobs_control (self, words, n_words, AQMP_JOB_ACTION_RESUME);
  else if (g_strcmp0 (words[0], "/complete") == 0)
    aqmp_shell_jobs_control (self, words, n_words, AQMP_JOB_ACTION_COMPLETE);
  else
    /* TRANSLATORS: an unknown shell command; keep /help */
    aqmp_shell_message (self->shell, TRUE, _("unknown shell command %s (/help lists them)"), words[0]);
}
