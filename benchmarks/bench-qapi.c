/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Item 7: QAPI awareness (libaqmp-qapi), as ratios taken in one run.
 *
 * - index: query-qmp-schema from a real QEMU 7.2, fetched and parsed,
 *   against the same fetched, parsed and indexed into an AqmpSchema
 *   (rounds alternate; the ratio is the median of each round's own).
 * - cache: an AqmpSchema read back from the disk cache (header, XXH3-128,
 *   parse, index), median.
 * - validate: checking a nested blockdev-add (qcow2 over file, with
 *   options at three levels) against an execute round trip to the
 *   benchmark responder; also the round trip of that blockdev-add with the
 *   validator attached to the client against without.
 * - exec: `aqmp exec ADDRESS query-status` validating with a warm cache,
 *   and with --no-validate, median of many runs, interleaved.
 */
#include <string.h>

#include <glib/gstdio.h>

#include <aqmp/aqmp-qapi.h>

#include "bench-common.h"

static gint rounds = 15;
static gint validations = 20000;
static gint round_trips = 5000;
static gint runs = 40;

static const GOptionEntry entries[] = {
  { "rounds", 0, 0, G_OPTION_ARG_INT, &rounds, "Schema fetches of each kind", "N" },
  { "validations", 0, 0, G_OPTION_ARG_INT, &validations, "Validations timed", "N" },
  { "round-trips", 0, 0, G_OPTION_ARG_INT, &round_trips, "Responder round trips of each kind", "N" },
  { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "aqmp exec runs of each kind", "N" },
  { NULL }
};

static const gchar *blockdev_add =
  "{\"driver\": \"qcow2\", \"node-name\": \"disk0\", \"discard\": \"unmap\", \"read-only\": false,"
  " \"cache\": {\"direct\": true, \"no-flush\": false}, \"lazy-refcounts\": true,"
  " \"file\": {\"driver\": \"file\", \"node-name\": \"file0\", \"filename\": \"/var/lib/images/disk0.qcow2\","
  "   \"aio\": \"native\", \"locking\": \"auto\", \"cache\": {\"direct\": true}},"
  " \"backing\": null, \"encrypt\": {\"format\": \"luks\", \"key-secret\": \"sec0\"}}";

static JsonNode *
fetch (AqmpClient *client)
{
  g_autoptr(GError) error = NULL;
  JsonNode *value = aqmp_client_execute_sync (client, "query-qmp-schema", NULL, NULL, &error);

  if (value == NULL)
    g_error ("query-qmp-schema: %s", error->message);
  return value;
}

/* index: fetch+parse, against fetch+parse+index */
static AqmpSchema *
measure_index (AqmpClient *client)
{
  g_autofree gdouble *plain = g_new0 (gdouble, rounds);
  g_autofree gdouble *indexed = g_new0 (gdouble, rounds);
  g_autofree gdouble *ratios = g_new0 (gdouble, rounds);
  AqmpSchema *schema = NULL;

  for (gint i = 0; i < rounds; i++)
    {
      gdouble t0 = bench_now ();
      g_autoptr(JsonNode) a = fetch (client);
      gdouble t1 = bench_now ();
      g_autoptr(JsonNode) b = fetch (client);
      g_autoptr(AqmpSchema) s = aqmp_schema_new (b, NULL);
      gdouble t2 = bench_now ();

      if (s == NULL)
        g_error ("the schema did not index");
      plain[i] = (t1 - t0) * 1e3;
      indexed[i] = (t2 - t1) * 1e3;
      ratios[i] = indexed[i] / plain[i];
      g_set_object (&schema, s);
    }
  bench_result ("qapi.fetch.ms", bench_median (plain, rounds), "ms");
  bench_result ("qapi.index.ms", bench_median (indexed, rounds), "ms");
  bench_result ("qapi.ratio.index", bench_median (ratios, rounds), "x");
  bench_result ("qapi.entries", aqmp_schema_get_n_entries (schema), "entries");
  {
    g_autofree gchar *text = aqmp_json_to_string (aqmp_schema_get_json (schema), FALSE);

    bench_result ("qapi.reply_kb", strlen (text) / 1024.0, "KiB");
  }
  return schema;
}

static void
measure_cache (AqmpSchema *schema)
{
  g_autofree gchar *dir = g_dir_make_tmp ("aqmp-bench-qapi-XXXXXX", NULL);
  g_autoptr(AqmpSchemaCache) cache = aqmp_schema_cache_new (dir);
  g_autofree gdouble *t = g_new0 (gdouble, rounds * 4);
  g_autofree gchar *path = NULL;
  g_autoptr(GError) error = NULL;

  aqmp_schema_set_server_version (schema, 7, 2, 0, "bench");
  if (!aqmp_schema_cache_store (cache, schema, &error))
    g_error ("cache: %s", error->message);
  for (gint i = 0; i < rounds * 4; i++)
    {
      gdouble t0 = bench_now ();
      g_autoptr(AqmpSchema) s = aqmp_schema_cache_lookup (cache, 7, 2, 0, "bench", NULL);

      t[i] = (bench_now () - t0) * 1e3;
      if (s == NULL)
        g_error ("cache miss");
    }
  bench_result ("qapi.cache.ms", bench_median (t, rounds * 4), "ms");
  path = aqmp_schema_cache_get_path (cache, 7, 2, 0, "bench");
  g_unlink (path);
  g_rmdir (dir);
}

static gdouble
round_trip_us (AqmpClient *client, JsonObject *args)
{
  gdouble t0 = bench_now ();

  for (gint i = 0; i < round_trips; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) value = aqmp_client_execute_sync (client, "blockdev-add", args, NULL, &error);

      if (value == NULL)
        g_error ("blockdev-add: %s", error->message);
    }
  return (bench_now () - t0) * 1e6 / round_trips;
}

static void
measure_validate (const gchar *argv0, AqmpSchema *schema)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = aqmp_json_parse (blockdev_add, -1, NULL);
  JsonObject *args = json_node_get_object (node);
  g_autoptr(AqmpSchemaValidator) validator = aqmp_schema_validator_new (schema);
  g_autoptr(BenchPeer) responder = bench_responder_start (argv0, &error);
  AqmpClient *client = NULL;
  gdouble t0, validate_us, plain_us, checked_us;

  if (!aqmp_schema_validator_check (validator, "blockdev-add", args, &error))
    g_error ("the benchmark's blockdev-add is invalid: %s", error->message);
  t0 = bench_now ();
  for (gint i = 0; i < validations; i++)
    aqmp_schema_validator_check (validator, "blockdev-add", args, NULL);
  validate_us = (bench_now () - t0) * 1e6 / validations;
  if (responder == NULL)
    g_error ("responder: %s", error->message);
  client = bench_connect (responder->address, &error);
  if (client == NULL)
    g_error ("responder: %s", error->message);
  /* warm up, then each way twice, alternating */
  round_trip_us (client, args);
  plain_us = round_trip_us (client, args);
  aqmp_schema_validator_attach (validator, client);
  checked_us = round_trip_us (client, args);
  aqmp_schema_validator_detach (client);
  plain_us = MIN (plain_us, round_trip_us (client, args));
  aqmp_schema_validator_attach (validator, client);
  checked_us = MIN (checked_us, round_trip_us (client, args));
  bench_result ("qapi.validate.us", validate_us, "us");
  bench_result ("qapi.rtt.us", plain_us, "us");
  bench_result ("qapi.rtt_checked.us", checked_us, "us");
  bench_result ("qapi.ratio.validate", validate_us / plain_us, "x");
  bench_disconnect (client);
}

static void
measure_exec (const gchar *tool, const gchar *address)
{
  g_autofree gchar *dir = g_dir_make_tmp ("aqmp-bench-qapi-XXXXXX", NULL);
  g_autofree gdouble *checked = g_new0 (gdouble, runs);
  g_autofree gdouble *plain = g_new0 (gdouble, runs);
  const gchar *checked_argv[] = { tool, "exec", address, "query-status", NULL };
  const gchar *plain_argv[] = { tool, "exec", "--no-validate", address, "query-status", NULL };
  g_autofree gchar *rm = NULL;
  guint failed = 0;

  /* a cache of its own, warmed by the first run */
  g_setenv ("XDG_CACHE_HOME", dir, TRUE);
  if (bench_spawn_wall (checked_argv) < 0)
    failed++;
  for (gint i = 0; i < runs; i++)
    {
      gdouble t;

      if ((t = bench_spawn_wall (checked_argv)) < 0)
        failed++;
      checked[i] = t * 1e3;
      if ((t = bench_spawn_wall (plain_argv)) < 0)
        failed++;
      plain[i] = t * 1e3;
    }
  bench_result ("qapi.exec.median", bench_median (checked, runs), "ms");
  bench_result ("qapi.exec_plain.median", bench_median (plain, runs), "ms");
  bench_result ("qapi.exec.failed", failed, "runs");
  rm = g_strdup_printf ("rm -rf '%s'", dir);
  g_spawn_command_line_sync (rm, NULL, NULL, NULL, NULL);
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) options = g_option_context_new ("- QAPI awareness");
  g_autoptr(GError) error = NULL;
  g_autofree gchar *tool = bench_find_aqmp_tool (argv[0], &argc, &argv);
  g_autoptr(BenchPeer) qemu = NULL;
  AqmpClient *client = NULL;
  g_autoptr(AqmpSchema) schema = NULL;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  rounds = MAX (rounds, 1);
  runs = MAX (runs, 1);
  qemu = bench_qemu_start (NULL, FALSE, &error);
  if (qemu == NULL)
    {
      bench_note ("qapi: not measured: %s", error->message);
      return 77;
    }
  client = bench_connect (qemu->address, &error);
  if (client == NULL)
    g_error ("QEMU: %s", error->message);
  schema = measure_index (client);
  bench_disconnect (client);
  measure_cache (schema);
  measure_validate (argv[0], schema);
  if (tool != NULL)
    measure_exec (tool, qemu->address);
  else
    bench_note ("qapi: aqmp exec not measured: the aqmp tool was not found (--aqmp-tool=PATH)");
  return 0;
}
