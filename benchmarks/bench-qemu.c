/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Item 1: round trips against a real QEMU (`-machine none`, QMP on a
 * Unix socket). Sequential `query-status` through the raw-socket floor
 * (qmp-floor, no JSON at all), aqmp's async API (the next call issued
 * from the previous one's callback), aqmp's sync API, and `aqmp exec`
 * as a process. The variants take turns within each round, so that
 * they share whatever else the machine is doing.
 *
 * --address=ADDR --count=N runs only the async variant, N calls, against a
 * QEMU that is already running (bench-python.py compares its Python
 * client with it on one QEMU, each on a monitor of its own).
 */
#include "bench-common.h"

static gint rounds = 3;
static gint64 count = 5000;
static gint spawns = 30;
static gchar *address;

static const GOptionEntry entries[] = {
  { "rounds", 0, 0, G_OPTION_ARG_INT, &rounds, "Rounds", "N" },
  { "count", 0, 0, G_OPTION_ARG_INT64, &count, "Round trips per variant and round", "N" },
  { "spawns", 0, 0, G_OPTION_ARG_INT, &spawns, "aqmp exec processes per round", "N" },
  { "address", 0, 0, G_OPTION_ARG_STRING, &address, "Only the async variant, against this running QEMU", "ADDR" },
  { NULL }
};

/* the async variant alone, against a QEMU someone else started */
static int
bench_qemu_async_only (const gchar *qemu_address)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpClient) client = bench_connect (qemu_address, &error);
  BenchRun run;

  if (client == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  run = bench_execute_async (client, "query-status", (guint64) count, 1);
  bench_disconnect (g_steal_pointer (&client));
  bench_result ("qemu.async.rate", run.rate, "/s");
  bench_result ("qemu.failed", (gdouble) run.failed, "calls");
  return run.failed == 0 ? 0 : 1;
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) options = g_option_context_new ("- round trips against QEMU");
  g_autoptr(GError) error = NULL;
  g_autoptr(BenchPeer) qemu = NULL;
  g_autofree gchar *tool = bench_find_aqmp_tool (argv[0], &argc, &argv);
  g_autofree gdouble *floor_rate = NULL, *floor_cpu = NULL, *async_rate = NULL, *async_cpu = NULL;
  g_autofree gdouble *sync_rate = NULL, *exec_rate = NULL, *r_async = NULL, *r_sync = NULL;
  guint64 failed = 0;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (address != NULL)
    return bench_qemu_async_only (address);
  qemu = bench_qemu_start (NULL, FALSE, &error);
  if (qemu == NULL)
    {
      bench_note ("qemu: not measured: %s", error->message);
      return 77;
    }
  rounds = MAX (rounds, 1);
  floor_rate = g_new0 (gdouble, rounds);
  floor_cpu = g_new0 (gdouble, rounds);
  async_rate = g_new0 (gdouble, rounds);
  async_cpu = g_new0 (gdouble, rounds);
  sync_rate = g_new0 (gdouble, rounds);
  exec_rate = g_new0 (gdouble, rounds);
  r_async = g_new0 (gdouble, rounds);
  r_sync = g_new0 (gdouble, rounds);

  for (gint r = 0; r < rounds; r++)
    {
      g_autoptr(AqmpClient) client = NULL;
      BenchRun run;
      gdouble spent = 0;

      if (!bench_run_floor (argv[0], qemu->address, "rtt", (guint64) count, 1,
                            &floor_rate[r], &floor_cpu[r]))
        return 1;
      floor_cpu[r] *= 1e6;

      client = bench_connect (qemu->address, &error);
      if (client == NULL)
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      run = bench_execute_async (client, "query-status", (guint64) count, 1);
      async_rate[r] = run.rate;
      async_cpu[r] = run.cpu_per_op * 1e6;
      failed += run.failed;
      run = bench_execute_sync (client, "query-status", (guint64) count);
      sync_rate[r] = run.rate;
      failed += run.failed;
      bench_disconnect (g_steal_pointer (&client));

      if (tool != NULL)
        {
          const gchar *exec_argv[] = { tool, "exec", qemu->address, "query-status", NULL };
          for (gint i = 0; i < spawns; i++)
            {
              gdouble wall = bench_spawn_wall (exec_argv);
              if (wall < 0)
                {
                  failed++;
                  continue;
                }
              spent += wall;
            }
          exec_rate[r] = spent > 0 ? spawns / spent : 0;
        }
      r_async[r] = async_rate[r] / floor_rate[r];
      r_sync[r] = sync_rate[r] / floor_rate[r];
      bench_note ("qemu round %d: floor %.0f/s async %.0f/s (%.3f x) sync %.0f/s (%.3f x) exec %.1f/s",
                  r + 1, floor_rate[r], async_rate[r], r_async[r], sync_rate[r], r_sync[r], exec_rate[r]);
    }
  bench_result ("qemu.floor.rate", bench_median (floor_rate, rounds), "/s");
  bench_result ("qemu.floor.cpu", bench_median (floor_cpu, rounds), "us/cmd");
  bench_result ("qemu.async.rate", bench_median (async_rate, rounds), "/s");
  bench_result ("qemu.async.cpu", bench_median (async_cpu, rounds), "us/cmd");
  bench_result ("qemu.sync.rate", bench_median (sync_rate, rounds), "/s");
  if (tool != NULL)
    bench_result ("qemu.exec.rate", bench_median (exec_rate, rounds), "/s");
  else
    bench_note ("qemu: aqmp exec not measured: the aqmp tool was not found (--aqmp-tool=PATH)");
  bench_result ("qemu.ratio.async", bench_median (r_async, rounds), "x");
  bench_result ("qemu.ratio.sync", bench_median (r_sync, rounds), "x");
  bench_result ("qemu.failed", (gdouble) failed, "calls");
  return failed == 0 ? 0 : 1;
}
