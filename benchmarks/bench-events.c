/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Item 3: event ingest. qmp-responder floods small events after
 * negotiation (`x-flood`); we count the events that reach a handler of
 * the detailed signal `event::BENCH`, check their sequence numbers so that
 * none is lost or reordered, and compare with the raw-socket floor, which
 * only counts lines.
 *
 * --only --count=N runs one aqmp flood, for callgrind.
 */
#include "bench-common.h"

static gint rounds = 3;
static gint64 count = 500000;
static gboolean only;

static const GOptionEntry entries[] = {
  { "rounds", 0, 0, G_OPTION_ARG_INT, &rounds, "Rounds, alternating floor and aqmp", "N" },
  { "count", 0, 0, G_OPTION_ARG_INT64, &count, "Events per round", "N" },
  { "only", 0, 0, G_OPTION_ARG_NONE, &only, "Run only one aqmp flood (for callgrind)", NULL },
  { NULL }
};

typedef struct {
  guint64 received;
  guint64 next_seq;
  guint64 out_of_order;
} BenchEvents;

static void
bench_event_cb (AqmpClient *client, AqmpEvent *event, gpointer user_data)
{
  BenchEvents *ev = user_data;
  gint64 seq = json_object_get_int_member_with_default (aqmp_event_get_data (event), "seq", -1);

  if (seq < 0 || (guint64) seq != ev->next_seq)
    ev->out_of_order++;
  ev->next_seq = (guint64) seq + 1;
  ev->received++;
}

static void
bench_flood_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_finish (AQMP_CLIENT (source), res, &error);

  if (value == NULL)
    g_printerr ("x-flood failed: %s\n", error->message);
}

/* one flood through aqmp; returns events per second */
static gdouble
bench_flood (const gchar *address, guint64 n, gdouble *cpu_per_event, guint64 *lost)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpClient) client = bench_connect (address, &error);
  g_autoptr(JsonObject) args = json_object_new ();
  BenchEvents ev = { 0, };
  gdouble t0;
  gdouble c0;
  gdouble rate;

  if (client == NULL)
    {
      g_printerr ("%s\n", error->message);
      *lost = n;
      return 0;
    }
  g_signal_connect (client, "event::BENCH", G_CALLBACK (bench_event_cb), &ev);
  json_object_set_int_member (args, "count", (gint64) n);
  t0 = bench_now ();
  c0 = bench_cpu_self ();
  aqmp_client_execute_async (client, "x-flood", args, NULL, bench_flood_done_cb, NULL);
  bench_wait_count (&ev.received, n, 120);
  rate = (gdouble) ev.received / (bench_now () - t0);
  *cpu_per_event = ev.received > 0 ? (bench_cpu_self () - c0) / (gdouble) ev.received : 0;
  *lost = (n - MIN (ev.received, n)) + ev.out_of_order;
  bench_disconnect (g_steal_pointer (&client));
  return rate;
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) options = g_option_context_new ("- aqmp event ingest");
  g_autoptr(GError) error = NULL;
  g_autoptr(BenchPeer) responder = NULL;
  g_autofree gdouble *floor_rate = NULL, *floor_cpu = NULL, *rate = NULL, *cpu = NULL, *ratio = NULL;
  guint64 lost_total = 0;

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
  if (only)
    {
      gdouble c;
      guint64 lost;
      gdouble r = bench_flood (responder->address, (guint64) count, &c, &lost);

      bench_result ("events.only", r, "/s");
      bench_result ("events.only.lost", (gdouble) lost, "events");
      return lost == 0 ? 0 : 1;
    }

  rounds = MAX (rounds, 1);
  floor_rate = g_new0 (gdouble, rounds);
  floor_cpu = g_new0 (gdouble, rounds);
  rate = g_new0 (gdouble, rounds);
  cpu = g_new0 (gdouble, rounds);
  ratio = g_new0 (gdouble, rounds);
  for (gint r = 0; r < rounds; r++)
    {
      guint64 lost = 0;

      if (!bench_run_floor (argv[0], responder->address, "flood", (guint64) count, 1,
                            &floor_rate[r], &floor_cpu[r]))
        return 1;
      floor_cpu[r] *= 1e6;
      rate[r] = bench_flood (responder->address, (guint64) count, &cpu[r], &lost);
      cpu[r] *= 1e6;
      lost_total += lost;
      ratio[r] = rate[r] / floor_rate[r];
      bench_note ("events round %d: floor %.0f/s aqmp %.0f/s lost %" G_GUINT64_FORMAT,
                  r + 1, floor_rate[r], rate[r], lost);
    }
  bench_result ("events.floor.rate", bench_median (floor_rate, rounds), "/s");
  bench_result ("events.floor.cpu", bench_median (floor_cpu, rounds), "us/event");
  bench_result ("events.aqmp.rate", bench_median (rate, rounds), "/s");
  bench_result ("events.aqmp.cpu", bench_median (cpu, rounds), "us/event");
  bench_result ("events.ratio", bench_median (ratio, rounds), "x");
  bench_result ("events.lost", (gdouble) lost_total, "events");
  return lost_total == 0 ? 0 : 1;
}
