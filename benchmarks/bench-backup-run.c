/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The in-library side of item 9 (benchmarks/bench-backup.py): one
 * AqmpBackupRun at a time on a client that is already connected, as the
 * floor's plain socket client is.
 *
 *     bench-backup-run ADDRESS MACHINE DB DIRECTORY DISK
 *
 * Connects to ADDRESS, opens the job store DB and its catalog, makes one
 * job runner for MACHINE (the name the catalog knows the machine by, so
 * that the runs build on the chain that `aqmp backup run` made), and says
 * `READY`. Then for each line on stdin, a level (`full`, `incremental`),
 * runs one backup of DISK into DIRECTORY and answers
 * `DONE STATE BYTES SECONDS`, SECONDS from the call of
 * aqmp_backup_run_run_sync() to its return; or `ERROR message`.
 */

#include "config.h"

#include <stdio.h>
#include <aqmp/aqmp-backup.h>

#include "bench-common.h"

static AqmpBackupRecord *
run_one (AqmpJobRunner *runner, AqmpBackupCatalog *catalog, AqmpBackupLevel level, const gchar *directory,
         const gchar *disk, gdouble *seconds, GError **error)
{
  g_autoptr(AqmpBackupOptions) options = aqmp_backup_options_new ();
  g_autoptr(AqmpBackupRun) run = NULL;
  AqmpBackupRecord *record;
  gdouble t0;

  aqmp_backup_options_set_level (options, level);
  aqmp_backup_options_set_directory (options, directory);
  aqmp_backup_options_add_disk (options, disk);
  run = aqmp_backup_run_new (runner, catalog, options);
  t0 = bench_now ();
  record = aqmp_backup_run_run_sync (run, NULL, error);
  *seconds = bench_now () - t0;
  return record;
}

int
main (int argc, char **argv)
{
  g_autoptr(AqmpClient) client = NULL;
  g_autoptr(AqmpJobStore) store = NULL;
  g_autoptr(AqmpBackupCatalog) catalog = NULL;
  g_autoptr(AqmpJobRunner) runner = NULL;
  g_autoptr(GError) error = NULL;
  gchar line[64];

  if (argc != 6)
    {
      fprintf (stderr, "usage: bench-backup-run ADDRESS MACHINE DB DIRECTORY DISK\n");
      return 2;
    }
  client = aqmp_client_new ();
  store = aqmp_job_store_new (argv[3], &error);
  if (store != NULL)
    catalog = aqmp_backup_catalog_new (store, &error);
  if (catalog == NULL || !aqmp_client_connect_sync (client, argv[1], NULL, &error))
    {
      fprintf (stderr, "bench-backup-run: %s\n", error->message);
      return 1;
    }
  runner = aqmp_job_runner_new (client, store, argv[2]);
  /* the same as `aqmp backup run`, so that both poll alike */
  aqmp_job_runner_set_poll_interval (runner, 200);
  printf ("READY\n");
  fflush (stdout);
  while (fgets (line, sizeof line, stdin) != NULL)
    {
      g_autoptr(AqmpBackupRecord) record = NULL;
      g_autoptr(GError) run_error = NULL;
      AqmpBackupLevel level;
      gdouble seconds = 0;

      g_strstrip (line);
      if (!aqmp_backup_level_from_string (line, &level))
        {
          printf ("ERROR unknown level %s\n", line);
          fflush (stdout);
          continue;
        }
      record = run_one (runner, catalog, level, argv[4], argv[5], &seconds, &run_error);
      if (record == NULL)
        printf ("ERROR %s\n", run_error->message);
      else
        printf ("DONE %s %" G_GINT64_FORMAT " %.6f\n",
                aqmp_backup_state_to_string (aqmp_backup_record_get_state (record)),
                aqmp_backup_record_get_bytes (record), seconds);
      fflush (stdout);
    }
  return 0;
}
