/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Item 5: job tracking at scale. 100 `blockdev-backup` jobs between pairs
 * of `null-co` nodes run at once in one QEMU (`-machine none`), started and
 * followed by one AqmpJobRunner with the default poll and checkpoint
 * intervals, recorded in an AqmpJobStore (SQLite) in a temp dir.
 *
 * With --one-transaction the N backups are the actions of one
 * `transaction` started through the runner: the disks of one backup
 * (issue #15: "10 disks in one backup" is --jobs=10 --one-transaction).
 *
 * Measured: this process's CPU (getrusage, user+sys) from the first start
 * to the last end, as a share of one core and per job-second (the sum over
 * jobs of end time - start time); the rows the store wrote per job; and
 * the store's growth per job (database plus WAL after a TRUNCATE
 * checkpoint, against the same store before any job); and the store's
 * commits (transactions) over the run.
 *
 *   bench-jobs [--jobs=N] [--size-mib=M] [--speed-mib=S] [--one-transaction]
 */
#include <glib/gstdio.h>
#include <sqlite3.h>

#include <aqmp/aqmp-jobs.h>

#include "bench-common.h"

#define MIB (G_GINT64_CONSTANT (1024) * 1024)

static gint n_jobs = 100;
static gint size_mib = 64;
static gint speed_mib = 8;
static gboolean one_transaction = FALSE;

static const GOptionEntry entries[] = {
  { "jobs", 0, 0, G_OPTION_ARG_INT, &n_jobs, "Backup jobs, all in flight at once", "N" },
  { "size-mib", 0, 0, G_OPTION_ARG_INT, &size_mib, "Size of each job's nodes in MiB", "M" },
  { "speed-mib", 0, 0, G_OPTION_ARG_INT, &speed_mib, "Speed limit of each job in MiB/s", "S" },
  { "one-transaction", 0, 0, G_OPTION_ARG_NONE, &one_transaction, "Start all jobs as one transaction", NULL },
  { NULL }
};

/* "jobs.NAME", or "disks.NAME" for the disks of one backup */
static void
result (const gchar *name, gdouble value, const gchar *unit)
{
  g_autofree gchar *full = g_strconcat (one_transaction ? "disks." : "jobs.", name, NULL);

  bench_result (full, value, unit);
}

typedef struct {
  guint n_jobs;
  guint started;
  guint start_failed;
  guint ended;
  guint failed;
  gboolean all_started;
  gboolean all_ended;
  gdouble t_all_started;
  gdouble c_all_started;
  gdouble t_first_end;
  gdouble c_first_end;
  guint64 events;
  GPtrArray *jobs;
} Run;

static void
event_cb (AqmpClient *client, AqmpEvent *event, gpointer user_data)
{
  Run *run = user_data;

  run->events++;
}

static void
waited_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Run *run = user_data;
  g_autoptr(GError) error = NULL;

  if (run->ended == 0)
    {
      run->t_first_end = bench_now ();
      run->c_first_end = bench_cpu_self ();
    }
  if (!aqmp_job_wait_finish (AQMP_JOB (source), res, &error))
    {
      g_printerr ("job %s failed: %s\n", aqmp_job_get_id (AQMP_JOB (source)), error->message);
      run->failed++;
    }
  if (++run->ended == run->started)
    run->all_ended = TRUE;
}

static void
started_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Run *run = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) jobs = aqmp_job_runner_start_finish_all (AQMP_JOB_RUNNER (source), res, &error);

  if (jobs == NULL)
    {
      g_printerr ("start failed: %s\n", error->message);
      run->start_failed += one_transaction ? run->n_jobs : 1;
    }
  for (guint i = 0; jobs != NULL && i < jobs->len; i++)
    {
      AqmpJob *job = g_ptr_array_index (jobs, i);

      run->started++;
      g_ptr_array_add (run->jobs, g_object_ref (job));
      aqmp_job_wait_async (job, NULL, waited_cb, run);
    }
  if (run->started + run->start_failed == run->n_jobs)
    {
      run->t_all_started = bench_now ();
      run->c_all_started = bench_cpu_self ();
      run->all_started = TRUE;
    }
}

static gboolean
qmp (AqmpClient *client, const gchar *command, const gchar *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) args = json_from_string (json, &error);
  g_autoptr(JsonNode) value = NULL;

  if (args == NULL)
    {
      g_printerr ("%s: %s\n", json, error->message);
      return FALSE;
    }
  value = aqmp_client_execute_sync (client, command, json_node_get_object (args), NULL, &error);
  if (value == NULL)
    {
      g_printerr ("%s %s: %s\n", command, json, error->message);
      return FALSE;
    }
  return TRUE;
}

/* checkpoints the WAL into the database and returns database + WAL bytes,
 * or -1; from a connection of our own, so the store is left as it is */
static gint64
store_bytes (const gchar *path)
{
  g_autofree gchar *wal = g_strconcat (path, "-wal", NULL);
  sqlite3 *db = NULL;
  GStatBuf st;
  gint64 bytes = 0;
  gint rc;

  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
    {
      g_printerr ("%s: %s\n", path, sqlite3_errmsg (db));
      sqlite3_close (db);
      return -1;
    }
  rc = sqlite3_exec (db, "PRAGMA wal_checkpoint(TRUNCATE);", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    g_printerr ("wal_checkpoint: %s\n", sqlite3_errmsg (db));
  sqlite3_close (db);
  if (rc != SQLITE_OK || g_stat (path, &st) != 0)
    return -1;
  bytes = st.st_size;
  if (g_stat (wal, &st) == 0)
    bytes += st.st_size;
  return bytes;
}

static gint64
count_rows (sqlite3 *db, const gchar *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 n = -1;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  else
    g_printerr ("%s: %s\n", sql, sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
  return n;
}

/* "status count, ..." of the transitions table */
static gchar *
transitions_by_status (sqlite3 *db)
{
  GString *out = g_string_new (NULL);
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (db, "SELECT status, count(*) FROM transitions GROUP BY status ORDER BY 2 DESC;",
                          -1, &stmt, NULL) == SQLITE_OK)
    while (sqlite3_step (stmt) == SQLITE_ROW)
      g_string_append_printf (out, "%s%s %" G_GINT64_FORMAT, out->len > 0 ? ", " : "",
                              (const gchar *) sqlite3_column_text (stmt, 0), (gint64) sqlite3_column_int64 (stmt, 1));
  sqlite3_finalize (stmt);
  return g_string_free (out, FALSE);
}

static void
remove_store (const gchar *path)
{
  g_autofree gchar *wal = g_strconcat (path, "-wal", NULL);
  g_autofree gchar *shm = g_strconcat (path, "-shm", NULL);

  g_unlink (wal);
  g_unlink (shm);
  g_unlink (path);
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) options = g_option_context_new ("- job tracking at scale");
  g_autoptr(GError) error = NULL;
  g_autoptr(BenchPeer) qemu = NULL;
  g_autoptr(AqmpJobStore) store = NULL;
  g_autoptr(AqmpJobRunner) runner = NULL;
  g_autofree gchar *dir = NULL;
  g_autofree gchar *db_path = NULL;
  g_autofree gchar *by_status = NULL;
  AqmpClient *client = NULL;
  Run run = { 0, };
  gint64 empty_bytes;
  gint64 full_bytes;
  guint64 commits0, commits;
  gdouble t0, c0, t1, c1;
  gdouble job_seconds = 0;
  gint64 n_jobs_rows, n_transitions, n_checkpoints, n_typed, n_finished;
  sqlite3 *db = NULL;
  gint status = 0;
  g_autoptr(JsonArray) actions = NULL;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (n_jobs == 0 || size_mib == 0 || speed_mib == 0)
    {
      g_printerr ("usage: bench-jobs [--jobs=N] [--size-mib=M] [--speed-mib=S]\n");
      return 2;
    }
  run.n_jobs = n_jobs;

  /* QEMU warns on stderr once per backup to a target without a cluster
   * size (as null-co is): its stderr goes to /dev/null */
  qemu = bench_qemu_start (NULL, TRUE, &error);
  if (qemu == NULL)
    {
      bench_note ("jobs: not measured: %s", error->message);
      bench_result (one_transaction ? "disks.available" : "jobs.available", 0, "bool");
      return 77;
    }
  client = bench_connect (qemu->address, &error);
  if (client == NULL)
    {
      g_printerr ("connect: %s\n", error->message);
      return 1;
    }
  dir = g_dir_make_tmp ("aqmp-bench-jobs-XXXXXX", &error);
  if (dir == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  db_path = g_build_filename (dir, "jobs.db", NULL);
  store = aqmp_job_store_new (db_path, &error);
  if (store == NULL)
    {
      g_printerr ("store: %s\n", error->message);
      return 1;
    }
  empty_bytes = store_bytes (db_path);
  runner = aqmp_job_runner_new (client, store, qemu->address);

  for (guint i = 0; i < run.n_jobs; i++)
    {
      g_autofree gchar *src = g_strdup_printf ("{\"driver\": \"null-co\", \"node-name\": \"src%u\", \"size\": %"
                                               G_GINT64_FORMAT "}", i, size_mib * MIB);
      g_autofree gchar *tgt = g_strdup_printf ("{\"driver\": \"null-co\", \"node-name\": \"tgt%u\", \"size\": %"
                                               G_GINT64_FORMAT "}", i, size_mib * MIB);
      if (!qmp (client, "blockdev-add", src) || !qmp (client, "blockdev-add", tgt))
        return 1;
    }

  run.jobs = g_ptr_array_new_with_free_func (g_object_unref);
  g_signal_connect (client, "event", G_CALLBACK (event_cb), &run);
  commits0 = aqmp_job_store_get_n_commits (store);
  t0 = bench_now ();
  c0 = bench_cpu_self ();
  /* all in flight at once: N starts, or one of N actions */
  actions = json_array_new ();
  for (guint i = 0; i < run.n_jobs; i++)
    {
      g_autofree gchar *json = g_strdup_printf ("{\"device\": \"src%u\", \"target\": \"tgt%u\", \"sync\": \"full\","
                                                " \"speed\": %" G_GINT64_FORMAT "}", i, i, speed_mib * MIB);
      g_autoptr(JsonNode) args = json_from_string (json, NULL);
      JsonObject *action;

      if (!one_transaction)
        {
          aqmp_job_runner_start_async (runner, "blockdev-backup", json_node_get_object (args),
                                       AQMP_JOB_START_FLAGS_NONE, NULL, started_cb, &run);
          continue;
        }
      action = json_object_new ();
      json_object_set_string_member (action, "type", "blockdev-backup");
      json_object_set_object_member (action, "data", json_object_ref (json_node_get_object (args)));
      json_array_add_object_element (actions, action);
    }
  if (one_transaction)
    {
      g_autoptr(JsonObject) args = json_object_new ();

      json_object_set_array_member (args, "actions", g_steal_pointer (&actions));
      aqmp_job_runner_start_async (runner, "transaction", args, AQMP_JOB_START_FLAGS_NONE, NULL, started_cb, &run);
    }
  if (!bench_wait_flag (&run.all_started, 60))
    {
      g_printerr ("timed out starting jobs: %u of %u\n", run.started, run.n_jobs);
      return 1;
    }
  if (run.started > 0 && !bench_wait_flag (&run.all_ended, 120 + 2.0 * size_mib / speed_mib))
    {
      g_printerr ("timed out: %u of %u jobs ended\n", run.ended, run.started);
      return 1;
    }
  t1 = bench_now ();
  c1 = bench_cpu_self ();

  for (guint i = 0; i < run.jobs->len; i++)
    {
      AqmpJob *job = g_ptr_array_index (run.jobs, i);
      job_seconds += (gdouble) (aqmp_job_get_end_time (job) - aqmp_job_get_start_time (job)) / G_USEC_PER_SEC;
    }

  /* the runner must not hold anything back: the writes of the last
   * iteration go in (a poll in flight may keep the runner alive past its
   * last unref), then it is dropped and the file read */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&runner);
  commits = aqmp_job_store_get_n_commits (store) - commits0;
  g_clear_object (&store);
  full_bytes = store_bytes (db_path);
  if (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
    {
      g_printerr ("%s: %s\n", db_path, sqlite3_errmsg (db));
      return 1;
    }
  n_jobs_rows = count_rows (db, "SELECT count(*) FROM jobs;");
  n_transitions = count_rows (db, "SELECT count(*) FROM transitions;");
  n_checkpoints = count_rows (db, "SELECT count(*) FROM checkpoints;");
  n_typed = count_rows (db, "SELECT count(*) FROM jobs WHERE type IS NOT NULL;");
  n_finished = count_rows (db, "SELECT count(*) FROM jobs WHERE result = 'success';");
  by_status = transitions_by_status (db);
  sqlite3_close (db);

  bench_note ("jobs: %u backups of %d MiB at %d MiB/s (%s), %u start(s) and %u job(s) failed; poll %u ms,"
              " checkpoint %u ms", run.n_jobs, size_mib, speed_mib,
              one_transaction ? "one transaction" : "one start each", run.start_failed, run.failed,
              AQMP_JOB_RUNNER_DEFAULT_POLL_INTERVAL, AQMP_JOB_RUNNER_DEFAULT_CHECKPOINT_INTERVAL);
  bench_note ("jobs: %.2f s tracked, %.1f job-s, %" G_GUINT64_FORMAT " events, CPU %.3f s: starting %.3f s in %.2f s,"
              " all running %.3f s in %.2f s, ending %.3f s in %.2f s",
              t1 - t0, job_seconds, run.events, c1 - c0,
              run.c_all_started - c0, run.t_all_started - t0,
              run.c_first_end - run.c_all_started, run.t_first_end - run.t_all_started,
              c1 - run.c_first_end, t1 - run.t_first_end);
  bench_note ("jobs: rows %" G_GINT64_FORMAT " jobs, %" G_GINT64_FORMAT " transitions, %" G_GINT64_FORMAT
              " checkpoints (%" G_GINT64_FORMAT " typed, %" G_GINT64_FORMAT " succeeded) in %"
              G_GUINT64_FORMAT " commits; store %" G_GINT64_FORMAT " -> %" G_GINT64_FORMAT " bytes",
              n_jobs_rows, n_transitions, n_checkpoints, n_typed, n_finished, commits, empty_bytes, full_bytes);
  bench_note ("jobs: transitions by status: %s", by_status);

  result ("available", 1, "bool");
  result ("count", run.started, "jobs");
  result ("failed", run.start_failed + run.failed, "jobs");
  result ("wall", t1 - t0, "s");
  result ("events_per_job", (gdouble) run.events / MAX (run.started, 1), "events");
  result ("job_seconds", job_seconds, "s");
  result ("runner_cpu_pct", 100 * (c1 - c0) / (t1 - t0), "%");
  result ("steady_cpu_pct",
                run.t_first_end > run.t_all_started
                ? 100 * (run.c_first_end - run.c_all_started) / (run.t_first_end - run.t_all_started) : 0, "%");
  if (job_seconds > 0)
    result ("cpu_per_job_s", 1e6 * (c1 - c0) / job_seconds, "us");
  if (run.started > 0 && n_jobs_rows >= 0 && n_transitions >= 0 && n_checkpoints >= 0)
    {
      result ("writes_per_job", (gdouble) (n_jobs_rows + n_transitions + n_checkpoints) / run.started,
                    "rows");
      result ("transitions_per_job", (gdouble) n_transitions / run.started, "rows");
      result ("checkpoints_per_job", (gdouble) n_checkpoints / run.started, "rows");
      result ("commits_per_job", (gdouble) commits / run.started, "commits");
    }
  if (run.started > 0 && empty_bytes >= 0 && full_bytes >= 0)
    result ("db_bytes_per_job", (gdouble) (full_bytes - empty_bytes) / run.started, "bytes");

  if (run.start_failed > 0 || run.failed > 0 || n_finished != run.n_jobs)
    status = 1;

  g_ptr_array_unref (run.jobs);
  bench_disconnect (client);
  remove_store (db_path);
  g_rmdir (dir);
  return status;
}
