/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The backup catalog's schema: a job store of schema version 3 (the
 * fixture tests/fixtures/jobs-v3.sql, made with that version's code) is
 * migrated to version 4, keeps its jobs, and gets an empty catalog that
 * reads and writes; a store without the catalog is refused clearly.
 */
#include <sqlite3.h>

#include <aqmp/aqmp-backup.h>

#include "aqmp-test-qemu.h"

static gchar *
make_v3_database (const gchar *dir)
{
  gchar *path = g_build_filename (dir, "jobs-v3.db", NULL);
  g_autofree gchar *sql = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3 *db = NULL;

  g_assert_true (g_file_get_contents (AQMP_TEST_FIXTURES "/jobs-v3.sql", &sql, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  return path;
}

static void
test_catalog_migrate_v3 (void)
{
  g_autofree gchar *dir = aqmp_test_make_dir ();
  g_autofree gchar *path = make_v3_database (dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpJobStore) store = NULL;
  g_autoptr(AqmpBackupCatalog) catalog = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(GPtrArray) backups = NULL;
  g_autoptr(GPtrArray) chains = NULL;

  store = aqmp_job_store_new (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (aqmp_job_store_get_schema_version (store), ==, 4);
  jobs = aqmp_job_store_list_jobs (store, NULL, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (jobs->len, ==, 3);
  g_assert_cmpstr (aqmp_job_record_get_job_id (g_ptr_array_index (jobs, 0)), ==, "backup-1");

  catalog = aqmp_backup_catalog_new (store, &error);
  g_assert_no_error (error);
  backups = aqmp_backup_catalog_list_backups (catalog, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (backups->len, ==, 0);
  chains = aqmp_backup_catalog_list_chains (catalog, "unix:/run/vm1/qmp.sock", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chains->len, ==, 0);
  g_assert_null (aqmp_backup_catalog_get_backup (catalog, 1, &error));
  g_assert_error (error, AQMP_BACKUP_ERROR, AQMP_BACKUP_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* reopening a migrated store is a no-op */
  g_clear_object (&catalog);
  g_clear_object (&store);
  store = aqmp_job_store_new (path, &error);
  g_assert_no_error (error);
  catalog = aqmp_backup_catalog_new (store, &error);
  g_assert_no_error (error);
  g_clear_object (&catalog);
  g_clear_object (&store);
  aqmp_test_remove_dir (dir);
}

static void
test_catalog_levels (void)
{
  AqmpBackupLevel level = AQMP_BACKUP_LEVEL_FULL;

  g_assert_true (aqmp_backup_level_from_string ("differential", &level));
  g_assert_cmpint (level, ==, AQMP_BACKUP_LEVEL_DIFFERENTIAL);
  g_assert_cmpstr (aqmp_backup_level_to_string (AQMP_BACKUP_LEVEL_AUTO), ==, "auto");
  g_assert_false (aqmp_backup_level_from_string ("weekly", &level));
  g_assert_cmpint (level, ==, AQMP_BACKUP_LEVEL_DIFFERENTIAL);
  g_assert_cmpstr (aqmp_backup_state_to_string (AQMP_BACKUP_STATE_CANCELLED), ==, "cancelled");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/backup-catalog/migrate-v3", test_catalog_migrate_v3);
  g_test_add_func ("/backup-catalog/levels", test_catalog_levels);
  return g_test_run ();
}
