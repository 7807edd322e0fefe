/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Item 2: the client's own overhead, against qmp-responder (a separate
 * process), so that getrusage() of this process is the client's CPU.
 * Sequential and pipelined (64 in flight) executes per second and CPU
 * per command, for aqmp and for the raw-socket floor, round by round.
 *
 * --only=pipe --count=N runs only the aqmp pipelined loop, for callgrind.
 */
#include <stdio.h>

#include "bench-common.h"

static gint rounds = 3;
static gint64 seq_count = 20000;
static gint64 pipe_count = 200000;
static gint64 sync_count = 10000;
static gint window = 64;
static gchar *only;
static gint64 count = -1;

static const GOptionEntry entries[] = {
  { "rounds", 0, 0, G_OPTION_ARG_INT, &rounds, "Rounds, alternating floor and aqmp", "N" },
  { "seq", 0, 0, G_OPTION_ARG_INT64, &seq_count, "Sequential commands per round", "N" },
  { "pipe", 0, 0, G_OPTION_ARG_INT64, &pipe_count, "Pipelined commands per round", "N" },
  { "sync", 0, 0, G_OPTION_ARG_INT64, &sync_count, "Sync commands per round", "N" },
  { "window", 0, 0, G_OPTION_ARG_INT, &window, "Commands in flight when pipelining", "N" },
  { "only", 0, 0, G_OPTION_ARG_STRING, &only, "Run only aqmp's seq or pipe loop (for callgrind)", "seq|pipe" },
  { "count", 0, 0, G_OPTION_ARG_INT64, &count, "Count for --only", "N" },
  { NULL }
};

static void
report (const gchar *name, gdouble *values, guint n, const gchar *unit)
{
  gdouble lo = values[0];
  gdouble hi = values[0];

  for (guint i = 1; i < n; i++)
    {
      lo = MIN (lo, values[i]);
      hi = MAX (hi, values[i]);
    }
  bench_result (name, bench_median (values, n), unit);
  if (n > 1)
    bench_note ("%s: min %.4g max %.4g over %u rounds", name, lo, hi, n);
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) options = g_option_context_new ("- aqmp client overhead");
  g_autoptr(GError) error = NULL;
  g_autoptr(BenchPeer) responder = NULL;
  g_autofree gdouble *f_seq = NULL, *f_seq_cpu = NULL, *f_pipe = NULL, *f_pipe_cpu = NULL;
  g_autofree gdouble *a_seq = NULL, *a_seq_cpu = NULL, *a_pipe = NULL, *a_pipe_cpu = NULL;
  g_autofree gdouble *a_sync = NULL, *a_sync_cpu = NULL;
  g_autofree gdouble *r_seq = NULL, *r_pipe = NULL;
  guint64 failed = 0;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  responder = bench_responder_start (argv[0], &error);
  if (responder == NULL)
    {
      g_printerr ("cannot start the responder: %s\n", error->message);
      return 1;
    }

  if (only != NULL)
    {
      g_autoptr(AqmpClient) client = bench_connect (responder->address, &error);
      BenchRun run;

      if (client == NULL)
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      run = bench_execute_async (client, "query-status", count >= 0 ? (guint64) count : 20000,
                                 g_strcmp0 (only, "pipe") == 0 ? (guint) window : 1);
      bench_result (g_strcmp0 (only, "pipe") == 0 ? "client.pipe.only" : "client.seq.only", run.rate, "/s");
      bench_disconnect (g_steal_pointer (&client));
      return run.failed == 0 ? 0 : 1;
    }

  rounds = MAX (rounds, 1);
  f_seq = g_new0 (gdouble, rounds);
  f_seq_cpu = g_new0 (gdouble, rounds);
  f_pipe = g_new0 (gdouble, rounds);
  f_pipe_cpu = g_new0 (gdouble, rounds);
  a_seq = g_new0 (gdouble, rounds);
  a_seq_cpu = g_new0 (gdouble, rounds);
  a_pipe = g_new0 (gdouble, rounds);
  a_pipe_cpu = g_new0 (gdouble, rounds);
  a_sync = g_new0 (gdouble, rounds);
  a_sync_cpu = g_new0 (gdouble, rounds);
  r_seq = g_new0 (gdouble, rounds);
  r_pipe = g_new0 (gdouble, rounds);

  for (gint r = 0; r < rounds; r++)
    {
      g_autoptr(AqmpClient) client = NULL;
      BenchRun run;

      if (!bench_run_floor (argv[0], responder->address, "rtt", (guint64) seq_count, 1,
                            &f_seq[r], &f_seq_cpu[r])
          || !bench_run_floor (argv[0], responder->address, "pipe", (guint64) pipe_count, (guint) window,
                               &f_pipe[r], &f_pipe_cpu[r]))
        return 1;

      client = bench_connect (responder->address, &error);
      if (client == NULL)
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      run = bench_execute_async (client, "query-status", (guint64) seq_count, 1);
      a_seq[r] = run.rate;
      a_seq_cpu[r] = run.cpu_per_op * 1e6;
      failed += run.failed;
      run = bench_execute_async (client, "query-status", (guint64) pipe_count, (guint) window);
      a_pipe[r] = run.rate;
      a_pipe_cpu[r] = run.cpu_per_op * 1e6;
      failed += run.failed;
      run = bench_execute_sync (client, "query-status", (guint64) sync_count);
      a_sync[r] = run.rate;
      a_sync_cpu[r] = run.cpu_per_op * 1e6;
      failed += run.failed;
      bench_disconnect (g_steal_pointer (&client));

      f_seq_cpu[r] *= 1e6;
      f_pipe_cpu[r] *= 1e6;
      r_seq[r] = a_seq[r] / f_seq[r];
      r_pipe[r] = a_pipe[r] / f_pipe[r];
    }

  report ("client.floor.seq", f_seq, rounds, "/s");
  report ("client.floor.seq_cpu", f_seq_cpu, rounds, "us/cmd");
  report ("client.floor.pipe", f_pipe, rounds, "/s");
  report ("client.floor.pipe_cpu", f_pipe_cpu, rounds, "us/cmd");
  report ("client.aqmp.seq", a_seq, rounds, "/s");
  report ("client.aqmp.seq_cpu", a_seq_cpu, rounds, "us/cmd");
  report ("client.aqmp.pipe", a_pipe, rounds, "/s");
  report ("client.aqmp.pipe_cpu", a_pipe_cpu, rounds, "us/cmd");
  report ("client.aqmp.sync", a_sync, rounds, "/s");
  report ("client.aqmp.sync_cpu", a_sync_cpu, rounds, "us/cmd");
  report ("client.ratio.seq", r_seq, rounds, "x");
  report ("client.ratio.pipe", r_pipe, rounds, "x");
  bench_result ("client.failed", (gdouble) failed, "calls");
  return failed == 0 ? 0 : 1;
}
