/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Item 6: CLI start-up. The wall time of `aqmp exec ADDRESS query-status`
 * against a real QEMU, median of many runs, next to the same job done by
 * the raw-socket floor as a process (`qmp-floor ADDRESS once 1`, a static
 * C program with no GLib) and to spawning `true` (the cost of a process).
 */
#include "bench-common.h"

static gint runs = 60;

static const GOptionEntry entries[] = {
  { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Runs of each", "N" },
  { NULL }
};

static gdouble
percentile (gdouble *sorted, guint n, gdouble p)
{
  guint i = (guint) (p * (n - 1) + 0.5);

  return sorted[MIN (i, n - 1)];
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) options = g_option_context_new ("- aqmp exec start-up");
  g_autoptr(GError) error = NULL;
  g_autoptr(BenchPeer) qemu = NULL;
  g_autofree gchar *tool = bench_find_aqmp_tool (argv[0], &argc, &argv);
  g_autofree gchar *floor_prog = bench_program_path (argv[0], "qmp-floor");
  g_autofree gchar *true_prog = g_find_program_in_path ("true");
  g_autofree gdouble *t_exec = NULL, *t_floor = NULL, *t_true = NULL;
  guint n_exec = 0, n_floor = 0, n_true = 0;
  guint failed = 0;
  gdouble exec_median;
  gdouble floor_median;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (tool == NULL)
    {
      bench_note ("cli: not measured: the aqmp tool was not found (--aqmp-tool=PATH)");
      return 77;
    }
  qemu = bench_qemu_start (NULL, FALSE, &error);
  if (qemu == NULL)
    {
      bench_note ("cli: not measured: %s", error->message);
      return 77;
    }
  runs = MAX (runs, 1);
  t_exec = g_new0 (gdouble, runs);
  t_floor = g_new0 (gdouble, runs);
  t_true = g_new0 (gdouble, runs);
  for (gint i = 0; i < runs; i++)
    {
      const gchar *exec_argv[] = { tool, "exec", qemu->address, "query-status", NULL };
      const gchar *floor_argv[] = { floor_prog, qemu->address, "once", "1", NULL };
      const gchar *true_argv[] = { true_prog, NULL };
      gdouble t;

      if ((t = bench_spawn_wall (exec_argv)) >= 0)
        t_exec[n_exec++] = t * 1e3;
      else
        failed++;
      if ((t = bench_spawn_wall (floor_argv)) >= 0)
        t_floor[n_floor++] = t * 1e3;
      else
        failed++;
      if (true_prog != NULL && (t = bench_spawn_wall (true_argv)) >= 0)
        t_true[n_true++] = t * 1e3;
    }
  exec_median = bench_median (t_exec, n_exec);
  floor_median = bench_median (t_floor, n_floor);
  bench_result ("cli.exec.median", exec_median, "ms");
  bench_result ("cli.exec.p90", n_exec > 0 ? percentile (t_exec, n_exec, 0.9) : 0, "ms");
  bench_result ("cli.floor.median", floor_median, "ms");
  bench_result ("cli.true.median", bench_median (t_true, n_true), "ms");
  bench_result ("cli.ratio", floor_median > 0 ? exec_median / floor_median : 0, "x");
  bench_result ("cli.failed", failed, "runs");
  return failed == 0 ? 0 : 1;
}
