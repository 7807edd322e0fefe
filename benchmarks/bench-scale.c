/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Item 4: many idle connections in one process. For each size, a fresh
 * process (this program with --one=N) connects N AqmpClients to one
 * qmp-responder, at most --parallel connects at a time, and reports the
 * time to connect them all and the growth of its resident memory per
 * connection. The first connection is made before the baseline is taken,
 * so that one-time costs (GIO's modules, types, the parser) are excluded.
 */
#include <stdio.h>

#include "bench-common.h"

static gint one = 0;
static gint parallel = 256;
static gchar **sizes_arg;

static const GOptionEntry entries[] = {
  { "one", 0, 0, G_OPTION_ARG_INT, &one, "Measure one size in this process", "N" },
  { "parallel", 0, 0, G_OPTION_ARG_INT, &parallel, "Connects under way at once", "N" },
  { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &sizes_arg, NULL, "SIZES..." },
  { NULL }
};

typedef struct {
  GPtrArray *clients;
  const gchar *address;
  guint total;
  guint started;
  guint connected;
  guint failed;
} BenchScale;

static void bench_scale_next (BenchScale *scale);

static void
bench_scale_connected_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  BenchScale *scale = user_data;
  g_autoptr(GError) error = NULL;

  if (!aqmp_client_connect_finish (AQMP_CLIENT (source), res, &error))
    {
      if (scale->failed == 0)
        g_printerr ("connect failed: %s\n", error->message);
      scale->failed++;
    }
  else
    {
      scale->connected++;
    }
  bench_scale_next (scale);
}

static void
bench_scale_next (BenchScale *scale)
{
  AqmpClient *client;

  if (scale->started >= scale->total)
    return;
  client = aqmp_client_new ();
  /* 10,000 connects queue up at the responder; do not time them out */
  aqmp_client_set_connect_timeout (client, 0);
  g_ptr_array_add (scale->clients, client);
  scale->started++;
  aqmp_client_connect_async (client, scale->address, NULL, bench_scale_connected_cb, scale);
}

static gboolean
bench_scale_all_done (BenchScale *scale)
{
  return scale->connected + scale->failed >= scale->total;
}

static int
bench_scale_one (const gchar *argv0, guint n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BenchPeer) responder = NULL;
  g_autoptr(AqmpClient) warmup = NULL;
  BenchScale scale = { 0, };
  gsize rss0;
  gsize rss1;
  gdouble t0;
  gdouble elapsed;
  gdouble deadline;

  bench_raise_nofile ();
  responder = bench_responder_start (argv0, &error);
  if (responder == NULL)
    {
      g_printerr ("cannot start the responder: %s\n", error->message);
      return 1;
    }
  warmup = bench_connect (responder->address, &error);
  if (warmup == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  /* let the warm-up settle */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  rss0 = bench_rss_bytes ();

  scale.clients = g_ptr_array_new_full (n, g_object_unref);
  scale.address = responder->address;
  scale.total = n;
  t0 = bench_now ();
  for (gint i = 0; i < parallel; i++)
    bench_scale_next (&scale);
  deadline = t0 + 120;
  while (!bench_scale_all_done (&scale) && bench_now () < deadline)
    g_main_context_iteration (NULL, TRUE);
  elapsed = bench_now () - t0;
  /* idle: whatever is still to be done (notifications, closures) runs now */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  rss1 = bench_rss_bytes ();

  printf ("RESULT scale.%u.connect_time %.6g s\n", n, elapsed);
  printf ("RESULT scale.%u.connect_rate %.6g /s\n", n, (gdouble) scale.connected / elapsed);
  printf ("RESULT scale.%u.rss_per_conn %.6g KiB\n", n,
          (gdouble) (rss1 - MIN (rss0, rss1)) / 1024.0 / MAX (scale.connected, 1));
  printf ("RESULT scale.%u.connected %u conns\n", n, scale.connected);
  printf ("NOTE scale %u: rss %.1f MiB -> %.1f MiB, %u failed\n", n,
          (gdouble) rss0 / 1048576.0, (gdouble) rss1 / 1048576.0, scale.failed);
  fflush (stdout);
  g_ptr_array_unref (scale.clients);
  return scale.failed == 0 ? 0 : 1;
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) options = g_option_context_new ("[SIZES...] - many idle connections");
  g_autoptr(GError) error = NULL;
  const gchar *default_sizes[] = { "1000", "10000", NULL };
  const gchar * const *sizes;
  gint status = 0;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (one > 0)
    return bench_scale_one (argv[0], (guint) one);

  sizes = sizes_arg != NULL ? (const gchar * const *) sizes_arg : default_sizes;
  for (guint i = 0; sizes[i] != NULL; i++)
    {
      g_autofree gchar *one_arg = g_strdup_printf ("--one=%s", sizes[i]);
      g_autofree gchar *parallel_arg = g_strdup_printf ("--parallel=%d", parallel);
      g_autoptr(GSubprocess) child = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error,
                                                       argv[0], one_arg, parallel_arg, NULL);
      if (child == NULL || !g_subprocess_wait (child, NULL, &error))
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      if (!g_subprocess_get_successful (child))
        status = 1;
    }
  return status;
}
