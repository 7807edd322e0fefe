/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include <glib-unix.h>

#include <aqmp/aqmp-jobs.h>

#include "aqmp-args.h"
#include "aqmp-cli-commands.h"
#include "aqmp-cli-validate.h"
#include "aqmp-job-print.h"
#include "aqmp-job-progress.h"

/*
 * aqmp job: start QEMU block jobs and follow them with a progress bar (or
 * JSON lines, aqmp-job-progress.c), act on them, and read their history
 * from the job store (aqmp-job-print.c). Each subcommand parses its own
 * options with the ones every command shares (aqmp_cli_parse_options()).
 *
 * Exit codes: 0 success; 1 the job failed or was cancelled, or QEMU refused
 * (QEMU's words on stderr); 2 a usage, connection or store problem.
 */

typedef struct {
  AqmpCliOptions options;
  gchar *db_path;
  /* start and watch */
  gboolean detach;
  gboolean auto_complete;
  gdouble interval;
  AqmpCliValidate validate;   /* start */
  /* list and show */
  gboolean all;
  gchar *machine;
  gint limit;
  gint offset;
  /* demo */
  gchar *demo_size;          /* --size, MiB or with a unit */
  gchar *demo_speed;
  /* state */
  AqmpClient *client;
  AqmpJobStore *store;
  AqmpJobRunner *runner;
  AqmpLauncher *launcher;
  AqmpJobProgress *progress;
  GMainLoop *loop;
  GPtrArray *jobs;           /* followed */
  guint remaining;
  guint interrupts;
  gint exit_code;
} AqmpJobCmd;

typedef gint (*AqmpJobCmdFunc) (AqmpJobCmd *self, const gchar *verb, gint argc, gchar **argv);

/* --db, for every subcommand, then the subcommand's own options */
static gboolean
aqmp_job_cmd_parse (AqmpJobCmd          *self,
                    const gchar         *verb,
                    const gchar         *parameters,
                    const gchar         *description,
                    const GOptionEntry  *own,
                    gint                *argc,
                    gchar             ***argv)
{
  const GOptionEntry db = {
    "db", 0, 0, G_OPTION_ARG_FILENAME, &self->db_path,
    /* TRANSLATORS: --help text of aqmp job's --db option */
    N_("The job store (default: $XDG_STATE_HOME/aqmp/jobs.db)"),
    /* TRANSLATORS: the placeholder of a file name option's value */
    N_("PATH")
  };

  return aqmp_cli_parse_subcommand (&self->options, "job", verb, &db, parameters, description, own, argc, argv,
                                    &self->exit_code);
}

/* ----- the store, QEMU and the runner ----- */

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
  if (with_store && !aqmp_job_cmd_open_store (self))
    return FALSE;
  self->client = aqmp_client_new ();
  aqmp_cli_setup (&self->options, self->client);
  if (!aqmp_cli_connect_sync (self->client, address))
    return FALSE;
  aqmp_job_cmd_make_runner (self, address);
  return TRUE;
}

static GPtrArray *
aqmp_job_cmd_reconcile (AqmpJobCmd *self)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *jobs = aqmp_job_runner_reconcile_sync (self->runner, NULL, &error);

  if (jobs == NULL)
    aqmp_cli_error (_("cannot reconcile the job store with QEMU: %s"), error->message);
  return jobs;
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

/* ----- following jobs to their end ----- */

static void
aqmp_job_cmd_ended_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpJobCmd *self = user_data;
  AqmpJob *job = AQMP_JOB (source);
  g_autoptr(GError) error = NULL;
  gboolean ok = aqmp_job_wait_finish (job, res, &error);

  aqmp_job_progress_ended (self->progress, job, error);
  if (!ok)
    {
      gboolean let_go = g_error_matches (error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_DISCONNECTED);

      aqmp_cli_error ("%s", error->message);
      if (self->exit_code == AQMP_EXIT_OK)
        self->exit_code = let_go && self->detach ? AQMP_EXIT_OK
                          : let_go ? AQMP_EXIT_PROBLEM : AQMP_EXIT_QMP_ERROR;
    }
  if (--self->remaining == 0)
    g_main_loop_quit (self->loop);
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
  aqmp_job_progress_clear (self->progress);
  if (self->detach || self->interrupts > 1)
    {
      /* the jobs go on in QEMU, and stay active in the store */
      if (self->jobs->len > 0)
        aqmp_cli_error (_("leaving %u job(s) running; 'aqmp job watch' follows them again"), self->jobs->len);
      self->exit_code = self->detach ? AQMP_EXIT_OK : 130;
      g_main_loop_quit (self->loop);
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

/*
 * Follows @jobs until each ended, or Ctrl-C lets go of them. The signal
 * handlers come first: a Ctrl-C the user sends on seeing the bar must not
 * kill the tool. With @cancel, Ctrl-C (and SIGTERM) cancels the jobs
 * unless --detach; without, it only stops watching.
 */
static gint
aqmp_job_cmd_follow (AqmpJobCmd *self, GPtrArray *jobs, gboolean cancel)
{
  guint sigint_id;
  guint sigterm_id = 0;

  if (self->progress == NULL)
    self->progress = aqmp_job_progress_new (self->options.json);
  self->exit_code = AQMP_EXIT_OK;
  if (!cancel)
    self->detach = TRUE;
  sigint_id = g_unix_signal_add (SIGINT, aqmp_job_cmd_interrupted_cb, self);
  if (cancel)
    sigterm_id = g_unix_signal_add (SIGTERM, aqmp_job_cmd_interrupted_cb, self);
  for (guint i = 0; i < jobs->len; i++)
    {
      AqmpJob *job = g_ptr_array_index (jobs, i);

      g_ptr_array_add (self->jobs, g_object_ref (job));
      self->remaining++;
      aqmp_job_progress_watch (self->progress, job);
      aqmp_job_wait_async (job, NULL, aqmp_job_cmd_ended_cb, self);
    }
  if (self->remaining > 0)
    g_main_loop_run (self->loop);
  g_source_remove (sigint_id);
  if (sigterm_id != 0)
    g_source_remove (sigterm_id);
  return self->exit_code;
}

/* ----- start ----- */

/* "a, b": the ids of a transaction's jobs */
static gchar *
aqmp_job_cmd_job_ids (GPtrArray *jobs)
{
  g_autoptr(GString) ids = g_string_new (NULL);

  for (guint i = 0; i < jobs->len; i++)
    g_string_append_printf (ids, "%s%s", i > 0 ? ", " : "", aqmp_job_get_id (g_ptr_array_index (jobs, i)));
  return g_string_free (g_steal_pointer (&ids), FALSE);
}

/* --detach: the jobs run on in QEMU, and stay active in the store; on a
 * terminal a sentence, else one id a line, for scripts */
static gint
aqmp_job_cmd_detached (AqmpJobCmd *self, const gchar *command, GPtrArray *jobs)
{
  g_autofree gchar *ids = aqmp_job_cmd_job_ids (jobs);

  if (self->options.json)
    {
      for (guint i = 0; i < jobs->len; i++)
        {
          g_autoptr(JsonObject) obj = json_object_new ();
          AqmpJob *job = g_ptr_array_index (jobs, i);

          json_object_set_string_member (obj, "job", aqmp_job_get_id (job));
          json_object_set_string_member (obj, "status", aqmp_job_status_to_string (aqmp_job_get_status (job)));
          aqmp_job_print_object (obj);
        }
      return AQMP_EXIT_OK;
    }
  if (!isatty (STDOUT_FILENO))
    {
      for (guint i = 0; i < jobs->len; i++)
        g_print ("%s\n", aqmp_job_get_id (g_ptr_array_index (jobs, i)));
      return AQMP_EXIT_OK;
    }
  /* TRANSLATORS: --detach: the command (such as blockdev-backup), then the
   * ids of the jobs it started, which go on without aqmp */
  g_print (jobs->len == 1 ? _("started %s job %s; 'aqmp job watch' follows it\n")
                          : _("started %s jobs %s; 'aqmp job watch' follows them\n"), command, ids);
  return AQMP_EXIT_OK;
}

static gint
aqmp_job_cmd_start_and_follow (AqmpJobCmd *self, const gchar *command, JsonObject *arguments)
{
  AqmpJobStartFlags flags = self->auto_complete ? AQMP_JOB_START_FLAGS_AUTO_COMPLETE : AQMP_JOB_START_FLAGS_NONE;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(GError) error = NULL;

  jobs = aqmp_job_runner_start_full_sync (self->runner, command, arguments, flags, (guint32) getuid (), NULL, &error);
  if (jobs == NULL)
    {
      /* refused before anything was sent: a usage problem */
      if (g_error_matches (error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_NOT_A_JOB))
        aqmp_cli_error (_("cannot start a job: %s"), error->message);
      else
        aqmp_job_cmd_report_refusal (command, error);
      return aqmp_cli_exit_code (error);
    }
  if (self->detach)
    return aqmp_job_cmd_detached (self, command, jobs);
  self->progress = aqmp_job_progress_new (self->options.json);
  if (aqmp_job_progress_has_bar (self->progress))
    {
      g_autofree gchar *ids = aqmp_job_cmd_job_ids (jobs);
      /* TRANSLATORS: the command (such as blockdev-backup or transaction),
       * then the ids of the jobs it started */
      if (jobs->len == 1)
        g_print (_("started %s job %s\n"), command, ids);
      else
        g_print (_("started %s jobs %s\n"), command, ids);
    }
  return aqmp_job_cmd_follow (self, jobs, TRUE);
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
aqmp_job_cmd_start (AqmpJobCmd *self, const gchar *verb, gint argc, gchar **argv)
{
  const GOptionEntry entries[] = {
    { "detach", 'd', 0, G_OPTION_ARG_NONE, &self->detach,
      N_("Return as soon as the job has started, printing its id ('aqmp job watch' follows it)"), NULL },
    { "auto-complete", 0, 0, G_OPTION_ARG_NONE, &self->auto_complete,
      N_("Complete a mirror as soon as it is ready"), NULL },
    { "interval", 'i', 0, G_OPTION_ARG_DOUBLE, &self->interval,
      N_("Seconds between two progress polls (default 0.5)"), N_("SECONDS") },
    AQMP_CLI_VALIDATE_OPTIONS (&self->validate),
    { NULL }
  };
  g_autoptr(JsonObject) arguments = NULL;
  g_autoptr(GPtrArray) attached = NULL;
  g_autoptr(GError) error = NULL;

  if (!aqmp_job_cmd_parse (self, verb,
                           /* TRANSLATORS: the parameters of aqmp job start; only
                            * translate the words in capitals */
                           _("ADDRESS COMMAND [JSON | KEY=VALUE...]"),
                           /* TRANSLATORS: the description in aqmp job start --help */
                           _("Starts a job-creating command and follows its jobs to the end, with a\n"
                             "progress bar on a terminal and JSON lines otherwise, keeping their\n"
                             "history in the job store. Arguments are given as for aqmp exec.\n"
                             "Ctrl-C cancels the jobs. With --detach it returns once they have started."),
                           entries, &argc, &argv))
    return self->exit_code;
  if (argc < 3)
    {
      aqmp_cli_error (_("job start needs an ADDRESS and a COMMAND"));
      return AQMP_EXIT_PROBLEM;
    }
  arguments = aqmp_args_parse ((const gchar * const *) argv + 3, argc - 3, &error);
  if (arguments == NULL && error != NULL)
    {
      aqmp_cli_error ("%s", error->message);
      return AQMP_EXIT_PROBLEM;
    }
  if (!aqmp_cli_validate_check_options (&self->validate))
    return AQMP_EXIT_PROBLEM;
  if (!aqmp_job_cmd_connect (self, argv[1], TRUE))
    return AQMP_EXIT_PROBLEM;
  aqmp_job_cmd_validate (self);
  /* the store learns what became of jobs an earlier run left behind */
  attached = aqmp_job_cmd_reconcile (self);
  if (attached == NULL)
    return AQMP_EXIT_PROBLEM;
  return aqmp_job_cmd_start_and_follow (self, argv[2], arguments);
}

/* ----- watch ----- */

/* a job QEMU no longer has: how it ended, from the store */
static gint
aqmp_job_cmd_ended_already (AqmpJobCmd *self, const gchar *address, const gchar *id)
{
  g_autoptr(AqmpJobRecord) record = aqmp_job_store_find_job (self->store, address, id, NULL);
  const gchar *error;

  if (record == NULL)
    {
      aqmp_cli_error (_("QEMU at %s has no job %s"), address, id);
      return AQMP_EXIT_PROBLEM;
    }
  error = aqmp_job_record_get_error (record);
  g_print (_("job %s already ended: %s%s%s\n"), id,
           aqmp_job_record_is_active (record)
           ? "unknown" : aqmp_job_result_to_string (aqmp_job_record_get_result (record)),
           error == NULL ? "" : ": ", error == NULL ? "" : error);
  return aqmp_job_record_get_result (record) == AQMP_JOB_RESULT_SUCCESS ? AQMP_EXIT_OK : AQMP_EXIT_QMP_ERROR;
}

static gint
aqmp_job_cmd_watch (AqmpJobCmd *self, const gchar *verb, gint argc, gchar **argv)
{
  const GOptionEntry entries[] = {
    { "interval", 'i', 0, G_OPTION_ARG_DOUBLE, &self->interval,
      N_("Seconds between two progress polls (default 0.5)"), N_("SECONDS") },
    { NULL }
  };
  g_autoptr(GPtrArray) attached = NULL;
  g_autoptr(GPtrArray) jobs = NULL;

  if (!aqmp_job_cmd_parse (self, verb,
                           /* TRANSLATORS: the parameters of aqmp job watch; only
                            * translate the words in capitals */
                           _("ADDRESS [ID]"),
                           /* TRANSLATORS: the description in aqmp job watch --help */
                           _("Follows the jobs QEMU has (or the one with ID) again, through any of its\n"
                             "monitors, and records the outcome of those that ended meanwhile.\n"
                             "Ctrl-C stops watching; the jobs go on."),
                           entries, &argc, &argv))
    return self->exit_code;
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
  if (argc == 3)
    {
      AqmpJob *job = aqmp_job_runner_lookup (self->runner, argv[2]);

      /* it may have ended already: the store knows how */
      if (job == NULL)
        return aqmp_job_cmd_ended_already (self, argv[1], argv[2]);
      jobs = g_ptr_array_new ();
      g_ptr_array_add (jobs, job);
    }
  else if (attached->len == 0)
    {
      g_print (_("no jobs are running on %s\n"), argv[1]);
      return AQMP_EXIT_OK;
    }
  return aqmp_job_cmd_follow (self, jobs != NULL ? jobs : attached, FALSE);
}

/* ----- cancel, pause, resume, complete, finalize, dismiss, set-speed ----- */

static const struct {
  const gchar *verb;
  AqmpJobAction action;
} aqmp_job_cmd_actions[] = {
  { "cancel", AQMP_JOB_ACTION_CANCEL },
  { "pause", AQMP_JOB_ACTION_PAUSE },
  { "resume", AQMP_JOB_ACTION_RESUME },
  { "complete", AQMP_JOB_ACTION_COMPLETE },
  { "finalize", AQMP_JOB_ACTION_FINALIZE },
  { "dismiss", AQMP_JOB_ACTION_DISMISS },
};

static AqmpJobAction
aqmp_job_cmd_action (const gchar *verb)
{
  for (guint i = 0; i < G_N_ELEMENTS (aqmp_job_cmd_actions); i++)
    if (g_strcmp0 (aqmp_job_cmd_actions[i].verb, verb) == 0)
      return aqmp_job_cmd_actions[i].action;
  g_return_val_if_reached (AQMP_JOB_ACTION_CANCEL);
}

static gint
aqmp_job_cmd_control (AqmpJobCmd *self, const gchar *verb, gint argc, gchar **argv)
{
  g_autoptr(GError) error = NULL;

  if (!aqmp_job_cmd_parse (self, verb,
                           /* TRANSLATORS: the parameters of aqmp job cancel, pause,
                            * resume, complete, finalize and dismiss; only translate
                            * the words in capitals */
                           _("ADDRESS ID"),
                           /* TRANSLATORS: the description in the --help of aqmp job
                            * cancel, pause, resume, complete, finalize and dismiss;
                            * keep the QMP command names */
                           _("Sends job-cancel, job-pause, job-resume, job-complete, job-finalize or\n"
                             "job-dismiss for the job with ID, as the subcommand says."),
                           NULL, &argc, &argv))
    return self->exit_code;
  if (argc != 3)
    {
      aqmp_cli_error (_("job %s needs an ADDRESS and a job ID"), verb);
      return AQMP_EXIT_PROBLEM;
    }
  if (!aqmp_job_cmd_connect (self, argv[1], FALSE))
    return AQMP_EXIT_PROBLEM;
  if (aqmp_job_runner_control_sync (self->runner, argv[2], aqmp_job_cmd_action (verb), NULL, &error))
    return AQMP_EXIT_OK;
  aqmp_job_cmd_report_refusal (verb, error);
  return aqmp_cli_exit_code (error);
}

/* -v: what a size or a rate was read as */
static void
aqmp_job_cmd_echo_size (AqmpJobCmd *self, const gchar *what, guint64 bytes, gboolean rate)
{
  g_autofree gchar *human = g_format_size_full (bytes, G_FORMAT_SIZE_IEC_UNITS);
  g_autofree gchar *exact = g_strdup_printf ("%" G_GUINT64_FORMAT, bytes);

  if (!self->options.debug)
    return;
  fflush (stdout);
  if (rate)
    /* TRANSLATORS: -v: a rate as it was read; the name (speed), the
     * bytes per second and the same with a unit */
    g_printerr (_("%s: %s bytes per second (%s/s)\n"), what, exact, human);
  else
    /* TRANSLATORS: -v: a size as it was read; the name (size), the bytes
     * and the same with a unit */
    g_printerr (_("%s: %s bytes (%s)\n"), what, exact, human);
}

static gint
aqmp_job_cmd_set_speed (AqmpJobCmd *self, const gchar *verb, gint argc, gchar **argv)
{
  g_autoptr(GError) error = NULL;
  guint64 speed = 0;

  if (!aqmp_job_cmd_parse (self, verb,
                           /* TRANSLATORS: the parameters of aqmp job set-speed; only
                            * translate the words in capitals */
                           _("ADDRESS ID SPEED"),
                           /* TRANSLATORS: the description in aqmp job set-speed --help;
                            * keep the examples as they are */
                           _("Changes the speed limit of a block job; 0 is none. SPEED is in bytes\n"
                             "per second, or with a unit: 100M, 1G, 50MiB/s (powers of 1024)."),
                           NULL, &argc, &argv))
    return self->exit_code;
  if (argc != 4)
    {
      aqmp_cli_error (_("job set-speed needs an ADDRESS, a job ID and a SPEED in bytes per second"));
      return AQMP_EXIT_PROBLEM;
    }
  if (!aqmp_args_parse_size (argv[3], TRUE, 0, &speed, &error))
    {
      aqmp_cli_error ("%s", error->message);
      return AQMP_EXIT_PROBLEM;
    }
  aqmp_job_cmd_echo_size (self, "speed", speed, TRUE);
  if (!aqmp_job_cmd_connect (self, argv[1], FALSE))
    return AQMP_EXIT_PROBLEM;
  if (aqmp_job_runner_set_speed_sync (self->runner, argv[2], speed, NULL, &error))
    return AQMP_EXIT_OK;
  aqmp_job_cmd_report_refusal (verb, error);
  return aqmp_cli_exit_code (error);
}

/* ----- list and show, from the store alone ----- */

static gint
aqmp_job_cmd_print_list (AqmpJobCmd *self, const gchar *machine)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  const gchar *path;

  if (self->store == NULL && !aqmp_job_cmd_open_store (self))
    return AQMP_EXIT_PROBLEM;
  path = aqmp_job_store_get_path (self->store);
  /* one page, read in SQL */
  jobs = aqmp_job_store_list_recent_jobs (self->store, machine, !self->all, (guint) self->offset,
                                          (guint) self->limit, &error);
  if (jobs == NULL)
    {
      aqmp_cli_error ("%s", error->message);
      return AQMP_EXIT_PROBLEM;
    }
  if (jobs->len > 0 || self->options.json)
    aqmp_job_print_list (jobs, self->options.json);
  else if (self->offset > 0)
    /* TRANSLATORS: aqmp job list --offset M past the end of the history */
    g_print (_("no jobs past the %d newest in %s\n"), self->offset, path);
  else if (self->all)
    g_print (_("no jobs recorded in %s\n"), path);
  else
    g_print (_("no active jobs in %s (--all shows the history)\n"), path);
  return AQMP_EXIT_OK;
}

static gint
aqmp_job_cmd_list (AqmpJobCmd *self, const gchar *verb, gint argc, gchar **argv)
{
  const GOptionEntry entries[] = {
    { "all", 'a', 0, G_OPTION_ARG_NONE, &self->all, N_("List ended jobs too"), NULL },
    { "machine", 'm', 0, G_OPTION_ARG_STRING, &self->machine, N_("Only this machine's jobs"), N_("ADDRESS") },
    { "limit", 'n', 0, G_OPTION_ARG_INT, &self->limit, N_("Only the N newest jobs"), N_("N") },
    { "offset", 0, 0, G_OPTION_ARG_INT, &self->offset, N_("Skip the M newest jobs first"), N_("M") },
    { NULL }
  };

  if (!aqmp_job_cmd_parse (self, verb, NULL,
                           /* TRANSLATORS: the description in aqmp job list --help */
                           _("Lists the jobs of the history, oldest first, without a connection: the\n"
                             "active ones, or with --all every one. A machine is its name or its\n"
                             "address in any spelling. --limit and --offset read one page: page P of\n"
                             "size N is --limit N --offset P×N."),
                           entries, &argc, &argv))
    return self->exit_code;
  aqmp_cli_setup_logging (&self->options);
  if (argc != 1)
    {
      aqmp_cli_error (_("job list takes no arguments"));
      return AQMP_EXIT_PROBLEM;
    }
  if (self->limit < 0 || self->offset < 0)
    {
      aqmp_cli_error (_("--limit and --offset must not be negative"));
      return AQMP_EXIT_PROBLEM;
    }
  return aqmp_job_cmd_print_list (self, self->machine);
}

static gint
aqmp_job_cmd_show (AqmpJobCmd *self, const gchar *verb, gint argc, gchar **argv)
{
  const GOptionEntry entries[] = {
    { "machine", 'm', 0, G_OPTION_ARG_STRING, &self->machine, N_("Only this machine's jobs"), N_("ADDRESS") },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpJobRecord) record = NULL;
  g_autoptr(JsonArray) transitions = NULL;
  g_autoptr(JsonArray) checkpoints = NULL;
  guint64 row = 0;

  if (!aqmp_job_cmd_parse (self, verb,
                           /* TRANSLATORS: the parameters of aqmp job show; only
                            * translate the words in capitals */
                           _("ID"),
                           /* TRANSLATORS: the description in aqmp job show --help */
                           _("Shows one job of the history with its transitions, without a\n"
                             "connection. ID is its row number or its job-id (the newest with it)."),
                           entries, &argc, &argv))
    return self->exit_code;
  aqmp_cli_setup_logging (&self->options);
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
  if (record == NULL && g_error_matches (error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_NOT_FOUND))
    {
      /* TRANSLATORS: job show found nothing; the job's id, the job store */
      aqmp_cli_error (_("job %s: no such job in %s"), argv[1], aqmp_job_store_get_path (self->store));
      return AQMP_EXIT_PROBLEM;
    }
  if (record == NULL)
    {
      aqmp_cli_error (_("job %s: %s"), argv[1], error->message);
      return AQMP_EXIT_PROBLEM;
    }
  transitions = aqmp_job_store_get_transitions (self->store, aqmp_job_record_get_row (record), &error);
  if (transitions != NULL)
    checkpoints = aqmp_job_store_get_checkpoints (self->store, aqmp_job_record_get_row (record), &error);
  if (checkpoints == NULL)
    {
      aqmp_cli_error ("%s", error->message);
      return AQMP_EXIT_PROBLEM;
    }
  aqmp_job_print_show (record, transitions, checkpoints, self->options.json, self->options.pretty);
  return AQMP_EXIT_OK;
}

/* ----- demo: a throwaway QEMU, a speed-limited backup, the list ----- */

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
aqmp_job_cmd_demo (AqmpJobCmd *self, const gchar *verb, gint argc, gchar **argv)
{
  const GOptionEntry entries[] = {
    { "size", 0, 0, G_OPTION_ARG_STRING, &self->demo_size,
      N_("Disk size: MiB, or with a unit such as 512M or 2G (default 1G)"), N_("SIZE") },
    { "speed", 0, 0, G_OPTION_ARG_STRING, &self->demo_speed,
      N_("Backup speed: MiB/s, or with a unit such as 50MiB/s (default 200M)"), N_("SPEED") },
    { NULL }
  };
  g_autoptr(JsonObject) arguments = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *machine = NULL;
  g_autofree gchar *size = NULL;
  g_autofree gchar *speed = NULL;
  gint64 demo_size;
  gint64 demo_speed;
  guint64 bytes = 0;
  guint64 rate = 0;
  gint rc;

  if (!aqmp_job_cmd_parse (self, verb, NULL,
                           /* TRANSLATORS: the description in aqmp job demo --help */
                           _("Starts a throwaway QEMU, backs a null-co disk up to another with a\n"
                             "speed limit and a progress bar, lists the history and stops QEMU."),
                           entries, &argc, &argv))
    return self->exit_code;
  if (argc != 1)
    {
      aqmp_cli_error (_("job demo takes no arguments"));
      return AQMP_EXIT_PROBLEM;
    }
  if (!aqmp_job_cmd_open_store (self))
    return AQMP_EXIT_PROBLEM;
  if (!aqmp_args_parse_size (self->demo_size != NULL ? self->demo_size : "1G", FALSE, 20, &bytes, &error)
      || !aqmp_args_parse_size (self->demo_speed != NULL ? self->demo_speed : "200M", TRUE, 20, &rate, &error))
    {
      aqmp_cli_error ("%s", error->message);
      return AQMP_EXIT_PROBLEM;
    }
  aqmp_job_cmd_echo_size (self, "size", bytes, FALSE);
  aqmp_job_cmd_echo_size (self, "speed", rate, TRUE);
  demo_size = (gint64) bytes;
  demo_speed = (gint64) rate;
  self->launcher = aqmp_launcher_new (NULL);
  aqmp_cli_setup (&self->options, aqmp_launcher_get_client (self->launcher));
  aqmp_launcher_set_quiet (self->launcher, !self->options.debug);
  aqmp_launcher_add_arguments (self->launcher, "-machine", "none", "-nodefaults", "-display", "none", NULL);
  g_print (_("starting a throwaway QEMU (%s)\n"), aqmp_launcher_get_binary (self->launcher));
  self->client = aqmp_launcher_launch_sync (self->launcher, NULL, &error);
  if (self->client == NULL)
    {
      aqmp_cli_error ("%s", error->message);
      return AQMP_EXIT_PROBLEM;
    }
  machine = aqmp_launcher_get_machine (self->launcher);
  size = g_format_size_full ((guint64) demo_size, G_FORMAT_SIZE_IEC_UNITS);
  speed = g_format_size_full ((guint64) demo_speed, G_FORMAT_SIZE_IEC_UNITS);
  g_print (_("adding two %s null-co disks, src and tgt\n"), size);
  if (!aqmp_job_cmd_add_null_node (self, "src", demo_size) || !aqmp_job_cmd_add_null_node (self, "tgt", demo_size))
    return AQMP_EXIT_PROBLEM;
  g_print (_("backing src up to tgt at %s/s\n"), speed);
  aqmp_job_cmd_make_runner (self, machine);
  json_object_set_string_member (arguments, "device", "src");
  json_object_set_string_member (arguments, "target", "tgt");
  json_object_set_string_member (arguments, "sync", "full");
  json_object_set_int_member (arguments, "speed", demo_speed);
  rc = aqmp_job_cmd_start_and_follow (self, "blockdev-backup", arguments);
  g_print ("\n");
  self->all = TRUE;
  aqmp_job_cmd_print_list (self, machine);
  g_print (_("\nstopping QEMU\n"));
  aqmp_launcher_stop (self->launcher);
  return rc;
}

/* ----- main ----- */

static const AqmpCliSubcommand aqmp_job_cmd_subcommands[] = {
  { "start", G_CALLBACK (aqmp_job_cmd_start) },
  { "watch", G_CALLBACK (aqmp_job_cmd_watch) },
  { "cancel", G_CALLBACK (aqmp_job_cmd_control) },
  { "pause", G_CALLBACK (aqmp_job_cmd_control) },
  { "resume", G_CALLBACK (aqmp_job_cmd_control) },
  { "complete", G_CALLBACK (aqmp_job_cmd_control) },
  { "finalize", G_CALLBACK (aqmp_job_cmd_control) },
  { "dismiss", G_CALLBACK (aqmp_job_cmd_control) },
  { "set-speed", G_CALLBACK (aqmp_job_cmd_set_speed) },
  { "list", G_CALLBACK (aqmp_job_cmd_list) },
  { "show", G_CALLBACK (aqmp_job_cmd_show) },
  { "demo", G_CALLBACK (aqmp_job_cmd_demo) },
};

static void
aqmp_job_cmd_usage (void)
{
  g_printerr ("%s\n"
              "  aqmp job start ADDRESS COMMAND [JSON | KEY=VALUE...] [--json] [--detach] [--auto-complete]\n"
              "  aqmp job watch ADDRESS [ID] [--json]\n"
              "  aqmp job cancel|pause|resume|complete|finalize|dismiss ADDRESS ID\n"
              "  aqmp job set-speed ADDRESS ID SPEED\n"
              "  aqmp job list [--all] [--json] [--machine ADDRESS] [--limit N] [--offset M]\n"
              "  aqmp job show ID [--json]\n"
              "  aqmp job demo [--size SIZE] [--speed SPEED]\n"
              "\n%s\n", _("Usage:"),
              /* TRANSLATORS: the end of aqmp job's usage; keep the options as they are */
              _("Every command takes --db PATH (default: $XDG_STATE_HOME/aqmp/jobs.db), and\n"
                "the options every aqmp command takes (--timeout, --tls..., -v).\n"
                "Ctrl-C cancels a started job; --detach returns once it has started.\n"
                "Run 'aqmp job SUBCOMMAND --help' for a subcommand's options."));
}

static void
aqmp_job_cmd_clear (AqmpJobCmd *self)
{
  g_clear_pointer (&self->demo_size, g_free);
  g_clear_pointer (&self->demo_speed, g_free);
  aqmp_cli_validate_clear (&self->validate);
  g_clear_pointer (&self->progress, aqmp_job_progress_free);
  g_clear_pointer (&self->jobs, g_ptr_array_unref);
  g_clear_object (&self->runner);
  g_clear_object (&self->client);
  g_clear_object (&self->launcher);
  g_clear_object (&self->store);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_free (self->db_path);
  g_free (self->machine);
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
  AqmpJobCmd self = { .exit_code = AQMP_EXIT_PROBLEM };
  AqmpJobCmdFunc func;
  gint rc;

  func = (AqmpJobCmdFunc) aqmp_cli_find_subcommand (aqmp_job_cmd_subcommands, G_N_ELEMENTS (aqmp_job_cmd_subcommands),
                                                    argc, argv, aqmp_job_cmd_usage, &rc);
  if (func == NULL && rc >= 0)
    return rc;
  if (func == NULL)
    {
      aqmp_cli_error (_("unknown job command '%s'"), argv[1]);
      aqmp_job_cmd_usage ();
      return AQMP_EXIT_PROBLEM;
    }
  self.loop = g_main_loop_new (NULL, FALSE);
  self.jobs = g_ptr_array_new_with_free_func (g_object_unref);
  /* the subcommand stands in for the program name */
  rc = func (&self, argv[1], argc - 1, argv + 1);
  aqmp_job_cmd_clear (&self);
  return rc;
}
