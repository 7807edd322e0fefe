/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libaqmp-backup against a real QEMU 7.2 (`-machine none`, qcow2 disks
 * added with blockdev-add, guest data written with HMP qemu-io): chains
 * of full, incremental and differential backups restored and compared
 * with copies of the source taken at each point; several disks in one
 * atomic transaction; a failing (blkdebug) and a cancelled incremental
 * that leave the chain usable; auto choosing full when the bitmap went
 * away; verify finding a corrupted and a missing image, with the
 * XXH3-128 checksums of new images and the SHA-256 of older rows.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <xxhash.h>

#include "aqmp-test-backup.h"
#include "aqmp-test-fake-agent.h"

/* full -> write -> incremental -> write -> incremental: each point
 * restores to the source as it was; an incremental copies what changed */
static void
test_backup_chain (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpBackupRecord) full = NULL;
  g_autoptr(AqmpBackupRecord) inc1 = NULL;
  g_autoptr(AqmpBackupRecord) inc2 = NULL;
  g_autoptr(AqmpBackupChain) chain = NULL;
  g_autoptr(AqmpBackupImage) image = NULL;
  g_autofree gchar *copy0 = NULL;
  g_autofree gchar *copy1 = NULL;
  g_autofree gchar *copy2 = NULL;
  g_autoptr(GArray) jobs = NULL;
  g_auto(GStrv) problems = NULL;
  g_autoptr(GError) error = NULL;

  add_disk (f, "disk0", NULL, NULL);
  guest_write (f, "disk0", 0xab, 0, MIB);
  copy0 = copy_source (f, "disk0");
  full = run_level (f, AQMP_BACKUP_LEVEL_FULL, "disk0");
  g_assert_cmpint (aqmp_backup_record_get_level (full), ==, AQMP_BACKUP_LEVEL_FULL);
  g_assert_cmpint (aqmp_backup_record_get_parent_id (full), ==, 0);
  chain = chain_of (f, full);
  g_assert_true (node_has_bitmap (f, "disk0", aqmp_backup_chain_get_bitmap (chain)));
  g_assert_true (node_has_bitmap (f, "disk0", aqmp_backup_chain_get_diff_bitmap (chain)));
  assert_qemu_clean (f);

  guest_write (f, "disk0", 0xcd, 2 * MIB, MIB);
  copy1 = copy_source (f, "disk0");
  inc1 = run_level (f, AQMP_BACKUP_LEVEL_INCREMENTAL, "disk0");
  g_assert_cmpint (aqmp_backup_record_get_parent_id (inc1), ==, aqmp_backup_record_get_id (full));
  g_assert_cmpint (aqmp_backup_record_get_chain_id (inc1), ==, aqmp_backup_chain_get_id (chain));
  /* only the changed MiB */
  g_assert_cmpint (aqmp_backup_record_get_bytes (inc1), ==, MIB);

  guest_write (f, "disk0", 0xef, 512 * 1024, MIB);
  copy2 = copy_source (f, "disk0");
  inc2 = run_level (f, AQMP_BACKUP_LEVEL_INCREMENTAL, "disk0");
  g_assert_cmpint (aqmp_backup_record_get_parent_id (inc2), ==, aqmp_backup_record_get_id (inc1));
  g_assert_cmpint (aqmp_backup_record_get_bytes (inc2), ==, MIB);
  assert_qemu_clean (f);

  /* the catalog: backing links, sizes, checksums, the jobs */
  image = image_of (f, inc2, 0);
  g_assert_cmpstr (aqmp_backup_image_get_disk (image), ==, "disk0");
  g_assert_cmpint (aqmp_backup_image_get_virtual_size (image), ==, DISK_SIZE);
  g_assert_cmpint (aqmp_backup_image_get_size (image), >, 0);
  g_assert_true (g_str_has_prefix (aqmp_backup_image_get_checksum (image), "xxh128:"));
  g_assert_cmpstr (aqmp_backup_image_get_bitmap (image), ==, aqmp_backup_chain_get_bitmap (chain));
  g_assert_true (g_str_has_prefix (aqmp_backup_image_get_path (image), f->backups));
  g_assert_nonnull (strstr (aqmp_backup_image_get_path (image), "-incremental-"));
  jobs = aqmp_backup_catalog_list_jobs (f->catalog, aqmp_backup_record_get_id (inc2), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (jobs->len, ==, 3); /* two blockdev-create and the backup */

  assert_restores (f, full, "disk0", copy0);
  assert_restores (f, inc1, "disk0", copy1);
  assert_restores (f, inc2, "disk0", copy2);

  /* verify: intact, and the same as the source's copy */
  problems = aqmp_backup_catalog_verify_sync (f->catalog, aqmp_backup_record_get_id (inc2), NULL, copy2, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (problems), ==, 0);
  g_clear_pointer (&problems, g_strfreev);
  problems = aqmp_backup_catalog_verify_sync (f->catalog, aqmp_backup_record_get_id (inc2), NULL, copy0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (problems), ==, 1);
  g_assert_nonnull (strstr (problems[0], "differs"));
}

/* a differential copies everything since the full backup, and restores
 * the same data as the incrementals it spans */
static void
test_backup_differential (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpBackupRecord) full = NULL;
  g_autoptr(AqmpBackupRecord) inc = NULL;
  g_autoptr(AqmpBackupRecord) inc2 = NULL;
  g_autoptr(AqmpBackupRecord) diff = NULL;
  g_autoptr(AqmpBackupRecord) inc3 = NULL;
  g_autofree gchar *copy = NULL;
  g_autofree gchar *copy3 = NULL;

  add_disk (f, "disk0", NULL, NULL);
  guest_write (f, "disk0", 0x11, 0, MIB);
  full = run_level (f, AQMP_BACKUP_LEVEL_FULL, "disk0");
  guest_write (f, "disk0", 0x22, MIB, MIB);
  inc = run_level (f, AQMP_BACKUP_LEVEL_INCREMENTAL, "disk0");
  guest_write (f, "disk0", 0x33, 4 * MIB, MIB);
  copy = copy_source (f, "disk0");
  inc2 = run_level (f, AQMP_BACKUP_LEVEL_INCREMENTAL, "disk0");
  diff = run_level (f, AQMP_BACKUP_LEVEL_DIFFERENTIAL, "disk0");
  g_assert_cmpint (aqmp_backup_record_get_level (diff), ==, AQMP_BACKUP_LEVEL_DIFFERENTIAL);
  g_assert_cmpint (aqmp_backup_record_get_parent_id (diff), ==, aqmp_backup_record_get_id (full));
  /* both MiB written since the full backup */
  g_assert_cmpint (aqmp_backup_record_get_bytes (diff), ==, 2 * MIB);
  assert_restores (f, inc2, "disk0", copy);
  assert_restores (f, diff, "disk0", copy);

  /* the differential left the incremental bitmap alone: the next
   * incremental builds on the last incremental, not on the differential */
  guest_write (f, "disk0", 0x44, 6 * MIB, MIB);
  copy3 = copy_source (f, "disk0");
  inc3 = run_level (f, AQMP_BACKUP_LEVEL_INCREMENTAL, "disk0");
  g_assert_cmpint (aqmp_backup_record_get_parent_id (inc3), ==, aqmp_backup_record_get_id (inc2));
  g_assert_cmpint (aqmp_backup_record_get_bytes (inc3), ==, MIB);
  assert_restores (f, inc3, "disk0", copy3);
}

/* two disks, one transaction: a failing second bitmap (a qcow2 v2 image
 * cannot hold one) fails it all; two good disks back up together */
static void
test_backup_two_disks (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpBackupOptions) options = NULL;
  g_autoptr(AqmpBackupRecord) failed = NULL;
  g_autoptr(AqmpBackupRecord) full = NULL;
  g_autoptr(GPtrArray) backups = NULL;
  g_autoptr(GPtrArray) images = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *copy0 = NULL;
  g_autofree gchar *copy2 = NULL;
  AqmpBackupRecord *record;

  add_disk (f, "disk0", NULL, NULL);
  add_disk (f, "disk1", "compat=0.10", NULL);
  add_disk (f, "disk2", NULL, NULL);
  guest_write (f, "disk0", 0x5a, 0, MIB);
  guest_write (f, "disk2", 0xa5, 3 * MIB, MIB);

  options = options_new (f, AQMP_BACKUP_LEVEL_FULL, "disk0", "disk1", NULL);
  failed = run_options (f, options, NULL, &error);
  g_assert_null (failed);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "v2"));
  g_clear_error (&error);
  /* nothing of it is left: no bitmap on the first disk, no job, no node */
  backups = aqmp_backup_catalog_list_backups (f->catalog, NULL, &error);
  g_assert_cmpuint (backups->len, ==, 1);
  record = g_ptr_array_index (backups, 0);
  g_assert_cmpint (aqmp_backup_record_get_state (record), ==, AQMP_BACKUP_STATE_FAILED);
  g_assert_nonnull (aqmp_backup_record_get_error (record));
  {
    g_autoptr(AqmpBackupChain) chain = chain_of (f, record);
    g_autoptr(AqmpBackupImage) image = image_of (f, record, 0);
    g_assert_false (node_has_bitmap (f, "disk0", aqmp_backup_chain_get_bitmap (chain)));
    g_assert_false (g_file_test (aqmp_backup_image_get_path (image), G_FILE_TEST_EXISTS));
  }
  assert_qemu_clean (f);

  copy0 = copy_source (f, "disk0");
  copy2 = copy_source (f, "disk2");
  g_clear_object (&options);
  options = options_new (f, AQMP_BACKUP_LEVEL_FULL, "disk0", "disk2", NULL);
  full = run_options (f, options, NULL, &error);
  g_assert_no_error (error);
  images = aqmp_backup_catalog_list_images (f->catalog, aqmp_backup_record_get_id (full), &error);
  g_assert_cmpuint (images->len, ==, 2);
  assert_restores (f, full, "disk0", copy0);
  assert_restores (f, full, "disk2", copy2);
  assert_qemu_clean (f);
}

/* an incremental that fails on an I/O error (blkdebug, once) leaves the
 * bitmap and the chain as they were: the retry restores correctly */
static void
test_backup_failed_incremental (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpBackupOptions) options = NULL;
  g_autoptr(AqmpBackupRecord) full = NULL;
  g_autoptr(AqmpBackupRecord) failed = NULL;
  g_autoptr(AqmpBackupRecord) retried = NULL;
  g_autoptr(GPtrArray) backups = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *copy = NULL;
  AqmpBackupRecord *record;

  /* a data read fails once, after the first flush (the copy's) */
  add_disk (f, "disk0", NULL,
            "\"inject-error\": [{\"event\": \"read_aio\", \"state\": 2, \"errno\": 5, \"once\": true}],"
            " \"set-state\": [{\"event\": \"flush_to_disk\", \"state\": 1, \"new_state\": 2}]");
  full = run_level (f, AQMP_BACKUP_LEVEL_FULL, "disk0");
  guest_write (f, "disk0", 0x77, MIB, 2 * MIB);
  copy = copy_source (f, "disk0");

  options = options_new (f, AQMP_BACKUP_LEVEL_INCREMENTAL, "disk0", NULL);
  failed = run_options (f, options, NULL, &error);
  g_assert_null (failed);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "Input/output error"));
  g_clear_error (&error);
  backups = aqmp_backup_catalog_list_backups (f->catalog, NULL, &error);
  g_assert_cmpuint (backups->len, ==, 2);
  record = g_ptr_array_index (backups, 1);
  g_assert_cmpint (aqmp_backup_record_get_state (record), ==, AQMP_BACKUP_STATE_FAILED);
  assert_qemu_clean (f);

  retried = run_level (f, AQMP_BACKUP_LEVEL_INCREMENTAL, "disk0");
  g_assert_cmpint (aqmp_backup_record_get_parent_id (retried), ==, aqmp_backup_record_get_id (full));
  g_assert_cmpint (aqmp_backup_record_get_bytes (retried), ==, 2 * MIB);
  assert_restores (f, retried, "disk0", copy);
}


/* an incremental cancelled while its first read is held (a blkdebug
 * breakpoint) ends cancelled; the chain and its bitmap stay usable */
static void
test_backup_cancelled (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpBackupOptions) options = NULL;
  g_autoptr(AqmpBackupRecord) full = NULL;
  g_autoptr(AqmpBackupRecord) next = NULL;
  g_autoptr(AqmpBackupChain) chain = NULL;
  g_autoptr(AqmpBackupRecord) cancelled = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *copy = NULL;
  g_autofree gchar *cancel = NULL;
  AsyncRun a = { f };

  add_disk (f, "disk0", NULL, "\"align\": 512");
  full = run_level (f, AQMP_BACKUP_LEVEL_FULL, "disk0");
  chain = chain_of (f, full);
  guest_write (f, "disk0", 0x99, 0, MIB);
  copy = copy_source (f, "disk0");

  qemu_io (f, "disk0", "break read_aio held");
  options = options_new (f, AQMP_BACKUP_LEVEL_INCREMENTAL, "disk0", NULL);
  a.run = aqmp_backup_run_new (f->runner, f->catalog, options);
  aqmp_backup_run_run_async (a.run, NULL, run_done_cb, &a);
  g_assert_true (aqmp_test_wait_until (qemu_has_job, &a, RUN_WAIT_MS));
  g_assert_false (a.done);
  /* the job cannot end before its first read, held until resumed */
  cancel = g_strdup_printf ("{\"id\": \"aqmp-backup-%" G_GINT64_FORMAT "-0\"}", aqmp_backup_run_get_backup_id (a.run));
  qmp_ok (f, "job-cancel", cancel);
  qemu_io (f, "disk0", "remove_break held");
  qemu_io (f, "disk0", "resume held");
  g_assert_true (aqmp_test_wait_for_flag (&a.done, RUN_WAIT_MS));
  g_assert_null (a.record);
  g_assert_error (a.error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_CANCELLED);
  g_clear_error (&a.error);
  cancelled = aqmp_backup_catalog_get_backup (f->catalog, aqmp_backup_run_get_backup_id (a.run), &error);
  g_assert_no_error (error);
  g_assert_cmpint (aqmp_backup_record_get_state (cancelled), ==, AQMP_BACKUP_STATE_CANCELLED);
  g_assert_true (node_has_bitmap (f, "disk0", aqmp_backup_chain_get_bitmap (chain)));
  assert_qemu_clean (f);
  g_clear_object (&a.run);

  next = run_level (f, AQMP_BACKUP_LEVEL_INCREMENTAL, "disk0");
  g_assert_cmpint (aqmp_backup_record_get_parent_id (next), ==, aqmp_backup_record_get_id (full));
  g_assert_cmpint (aqmp_backup_record_get_bytes (next), ==, MIB);
  assert_restores (f, next, "disk0", copy);
}

/* auto: incremental on a usable chain; full, saying why, once the
 * chain's bitmap was removed behind its back; an incremental is refused */
static void
test_backup_auto (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpBackupOptions) options = NULL;
  g_autoptr(AqmpBackupRecord) first = NULL;
  g_autoptr(AqmpBackupRecord) second = NULL;
  g_autoptr(AqmpBackupRecord) third = NULL;
  g_autoptr(AqmpBackupRecord) refused = NULL;
  g_autoptr(AqmpBackupChain) chain = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *reason = NULL;
  g_autofree gchar *remove = NULL;

  add_disk (f, "disk0", NULL, NULL);
  options = options_new (f, AQMP_BACKUP_LEVEL_AUTO, "disk0", NULL);
  first = run_options (f, options, &reason, &error);
  g_assert_no_error (error);
  g_assert_cmpint (aqmp_backup_record_get_level (first), ==, AQMP_BACKUP_LEVEL_FULL);
  g_assert_cmpint (aqmp_backup_record_get_requested_level (first), ==, AQMP_BACKUP_LEVEL_AUTO);
  g_assert_nonnull (strstr (reason, "no chain"));
  g_clear_pointer (&reason, g_free);

  second = run_options (f, options, &reason, &error);
  g_assert_no_error (error);
  g_assert_cmpint (aqmp_backup_record_get_level (second), ==, AQMP_BACKUP_LEVEL_INCREMENTAL);
  g_clear_pointer (&reason, g_free);

  chain = chain_of (f, first);
  remove = g_strdup_printf ("{\"node\": \"disk0\", \"name\": \"%s\"}", aqmp_backup_chain_get_bitmap (chain));
  qmp_ok (f, "block-dirty-bitmap-remove", remove);
  {
    g_autoptr(AqmpBackupOptions) incremental = options_new (f, AQMP_BACKUP_LEVEL_INCREMENTAL, "disk0", NULL);
    refused = run_options (f, incremental, NULL, &error);
    g_assert_null (refused);
    g_assert_error (error, AQMP_BACKUP_ERROR, AQMP_BACKUP_ERROR_NO_CHAIN);
    g_assert_nonnull (strstr (error->message, aqmp_backup_chain_get_bitmap (chain)));
    g_clear_error (&error);
  }
  third = run_options (f, options, &reason, &error);
  g_assert_no_error (error);
  g_assert_cmpint (aqmp_backup_record_get_level (third), ==, AQMP_BACKUP_LEVEL_FULL);
  g_assert_nonnull (strstr (reason, "no longer has the chain's dirty bitmap"));
  g_assert_cmpstr (aqmp_backup_record_get_reason (third), ==, reason);
  g_assert_cmpint (aqmp_backup_record_get_chain_id (third), !=, aqmp_backup_record_get_chain_id (first));
  /* the older chain is closed, its other bitmap gone */
  g_clear_pointer (&chain, aqmp_backup_chain_unref);
  chain = chain_of (f, first);
  g_assert_false (aqmp_backup_chain_is_open (chain));
  g_assert_false (node_has_bitmap (f, "disk0", aqmp_backup_chain_get_diff_bitmap (chain)));
}

/* verify: a corrupted image fails its checksum, a missing one is named */
static void
test_backup_verify (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpBackupRecord) full = NULL;
  g_autoptr(AqmpBackupRecord) inc = NULL;
  g_autoptr(AqmpBackupImage) full_image = NULL;
  g_autoptr(AqmpBackupImage) inc_image = NULL;
  g_auto(GStrv) problems = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *out = NULL;

  add_disk (f, "disk0", NULL, NULL);
  guest_write (f, "disk0", 0x42, 0, MIB);
  full = run_level (f, AQMP_BACKUP_LEVEL_FULL, "disk0");
  guest_write (f, "disk0", 0x43, MIB, MIB);
  inc = run_level (f, AQMP_BACKUP_LEVEL_INCREMENTAL, "disk0");
  problems = aqmp_backup_catalog_verify_sync (f->catalog, 0, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (problems), ==, 0);
  g_clear_pointer (&problems, g_strfreev);

  /* one byte of guest data changed in the full image */
  full_image = image_of (f, full, 0);
  out = tool ("qemu-io", "-f", "qcow2", "-c", "write -P 0x00 4096 512", aqmp_backup_image_get_path (full_image), NULL);
  problems = aqmp_backup_catalog_verify_sync (f->catalog, aqmp_backup_record_get_id (inc), NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (problems), ==, 1);
  g_assert_nonnull (strstr (problems[0], "checksum"));
  g_assert_nonnull (strstr (problems[0], aqmp_backup_image_get_path (full_image)));
  g_clear_pointer (&problems, g_strfreev);

  /* restore never overwrites, and only from completed backups */
  {
    g_autofree gchar *exists = g_build_filename (f->dir, "exists.qcow2", NULL);

    g_assert_true (g_file_set_contents (exists, "x", 1, NULL));
    g_assert_false (aqmp_backup_catalog_restore_sync (f->catalog, aqmp_backup_record_get_id (full), NULL, exists,
                                                      NULL, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
    g_clear_error (&error);
    g_assert_false (aqmp_backup_catalog_restore_sync (f->catalog, 99, NULL, exists, NULL, &error));
    g_assert_error (error, AQMP_BACKUP_ERROR, AQMP_BACKUP_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }

  /* a missing image */
  inc_image = image_of (f, inc, 0);
  g_assert_cmpint (g_unlink (aqmp_backup_image_get_path (inc_image)), ==, 0);
  problems = aqmp_backup_catalog_verify_sync (f->catalog, aqmp_backup_record_get_id (inc), NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (problems), ==, 2);
  /* the newest image first, down the chain */
  g_assert_nonnull (strstr (problems[0], "missing"));
  g_assert_nonnull (strstr (problems[1], "checksum"));
}

/* `xxh128:` and the hex XXH3-128 of the file at @path, computed in one
 * piece here as a second opinion on the catalog's streaming hash */
static gchar *
xxh128_of (const gchar *path)
{
  g_autofree gchar *data = NULL;
  gsize length = 0;
  XXH128_canonical_t canonical;
  GString *text = g_string_new ("xxh128:");

  g_assert_true (g_file_get_contents (path, &data, &length, NULL));
  XXH128_canonicalFromHash (&canonical, XXH3_128bits (data, length));
  for (gsize i = 0; i < sizeof canonical.digest; i++)
    g_string_append_printf (text, "%02x", canonical.digest[i]);
  return g_string_free (text, FALSE);
}

/* what an older version recorded: `sha256:` and the file's SHA-256 */
static gchar *
sha256_of (const gchar *path)
{
  g_autofree gchar *data = NULL;
  g_autofree gchar *hex = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &data, &length, NULL));
  hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, length);
  return g_strconcat ("sha256:", hex, NULL);
}

/* sets the recorded checksum of image @id, as an older version would
 * have written it, through a connection of the test's own */
static void
set_checksum (Fixture *f, gint64 id, const gchar *checksum)
{
  g_autofree gchar *db = g_build_filename (f->dir, "jobs.db", NULL);
  sqlite3 *handle = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open (db, &handle), ==, SQLITE_OK);
  sqlite3_busy_timeout (handle, 10000);
  g_assert_cmpint (sqlite3_prepare_v2 (handle, "UPDATE backup_images SET checksum = ? WHERE id = ?;", -1, &stmt,
                                       NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, checksum, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, id);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  g_assert_cmpint (sqlite3_changes (handle), ==, 1);
  sqlite3_finalize (stmt);
  sqlite3_close (handle);
}

/* the checksums: a backup of two disks (hashed in parallel) records the
 * XXH3-128 of each image; a `sha256:` row of an older version still
 * verifies, with SHA-256; a changed image is found under either
 * algorithm; an algorithm verify does not know is a problem, not a
 * failure */
static void
test_backup_checksums (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpBackupOptions) options = NULL;
  g_autoptr(AqmpBackupRecord) full = NULL;
  g_autoptr(AqmpBackupImage) image0 = NULL;
  g_autoptr(AqmpBackupImage) image1 = NULL;
  g_autofree gchar *expected0 = NULL;
  g_autofree gchar *expected1 = NULL;
  g_autofree gchar *old0 = NULL;
  g_autofree gchar *out = NULL;
  g_auto(GStrv) problems = NULL;
  g_autoptr(GError) error = NULL;
  gint64 id;

  add_disk (f, "disk0", NULL, NULL);
  add_disk (f, "disk1", NULL, NULL);
  guest_write (f, "disk0", 0x11, 0, MIB);
  guest_write (f, "disk1", 0x22, 2 * MIB, MIB);
  options = options_new (f, AQMP_BACKUP_LEVEL_FULL, "disk0", "disk1", NULL);
  full = run_options (f, options, NULL, &error);
  g_assert_no_error (error);
  id = aqmp_backup_record_get_id (full);
  image0 = image_of (f, full, 0);
  image1 = image_of (f, full, 1);
  expected0 = xxh128_of (aqmp_backup_image_get_path (image0));
  expected1 = xxh128_of (aqmp_backup_image_get_path (image1));
  g_assert_cmpstr (aqmp_backup_image_get_checksum (image0), ==, expected0);
  g_assert_cmpstr (aqmp_backup_image_get_checksum (image1), ==, expected1);
  g_assert_cmpuint (strlen (expected0), ==, strlen ("xxh128:") + 32);
  g_assert_cmpstr (expected0, !=, expected1);

  /* an older version's row: SHA-256, and intact */
  old0 = sha256_of (aqmp_backup_image_get_path (image0));
  set_checksum (f, aqmp_backup_image_get_id (image0), old0);
  problems = aqmp_backup_catalog_verify_sync (f->catalog, id, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (problems), ==, 0);
  g_clear_pointer (&problems, g_strfreev);

  /* one guest sector changed in the image with the new checksum: found
   * by XXH3-128, and the old row's image still intact */
  out = tool ("qemu-io", "-f", "qcow2", "-c", "write -P 0x00 4096 512", aqmp_backup_image_get_path (image1), NULL);
  problems = aqmp_backup_catalog_verify_sync (f->catalog, id, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (problems), ==, 1);
  g_assert_nonnull (strstr (problems[0], aqmp_backup_image_get_path (image1)));
  g_assert_nonnull (strstr (problems[0], "checksum xxh128:"));
  g_assert_nonnull (strstr (problems[0], expected1));
  g_clear_pointer (&problems, g_strfreev);

  /* the same in the image of the old row: found by SHA-256 */
  g_clear_pointer (&out, g_free);
  out = tool ("qemu-io", "-f", "qcow2", "-c", "write -P 0x00 4096 512", aqmp_backup_image_get_path (image0), NULL);
  problems = aqmp_backup_catalog_verify_sync (f->catalog, id, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (problems), ==, 2);
  g_assert_nonnull (strstr (problems[0], aqmp_backup_image_get_path (image0)));
  g_assert_nonnull (strstr (problems[0], "checksum sha256:"));
  g_assert_nonnull (strstr (problems[0], old0));
  g_clear_pointer (&problems, g_strfreev);

  /* an algorithm verify does not know */
  set_checksum (f, aqmp_backup_image_get_id (image0), "md5:0123");
  problems = aqmp_backup_catalog_verify_sync (f->catalog, id, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (problems), ==, 2);
  g_assert_nonnull (strstr (problems[0], "Unknown checksum algorithm md5"));
}

/* an image larger than one window of the run's mapped checksum (64 MiB):
 * the windows hash as the whole file does, and verify (which reads the
 * file instead) agrees */
static void
test_backup_checksum_large (Fixture *f, gconstpointer data)
{
  g_autofree gchar *path = make_image_sized (f, "big", NULL, "96M");
  g_autofree gchar *json = g_strdup_printf ("{\"driver\": \"qcow2\", \"node-name\": \"big\", "
                                            "\"file\": {\"driver\": \"file\", \"filename\": \"%s\"}}", path);
  g_autoptr(AqmpBackupOptions) options = NULL;
  g_autoptr(AqmpBackupRecord) full = NULL;
  g_autoptr(AqmpBackupImage) image = NULL;
  g_autofree gchar *expected = NULL;
  g_auto(GStrv) problems = NULL;
  g_autoptr(GError) error = NULL;
  GStatBuf st;

  qmp_ok (f, "blockdev-add", json);
  /* different data on each side of the first window's end */
  guest_write (f, "big", 0x33, 0, 64 * MIB);
  guest_write (f, "big", 0x44, 64 * MIB, 8 * MIB);
  options = options_new (f, AQMP_BACKUP_LEVEL_FULL, "big", NULL);
  full = run_options (f, options, NULL, &error);
  g_assert_no_error (error);
  image = image_of (f, full, 0);
  g_assert_cmpint (g_stat (aqmp_backup_image_get_path (image), &st), ==, 0);
  g_assert_cmpint (st.st_size, >, 64 * MIB);
  g_assert_cmpint (aqmp_backup_image_get_size (image), ==, st.st_size);
  expected = xxh128_of (aqmp_backup_image_get_path (image));
  g_assert_cmpstr (aqmp_backup_image_get_checksum (image), ==, expected);
  problems = aqmp_backup_catalog_verify_sync (f->catalog, aqmp_backup_record_get_id (full), NULL, NULL, NULL,
                                              &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (problems), ==, 0);
  assert_qemu_clean (f);
}

/* the target's file node of the run's first disk: does QEMU flush it on
 * close (cache.no-flush false), or did the run take the sync over? */
static gboolean
target_file_no_flush (Fixture *f, gint64 backup_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) nodes = qmp (f, "query-named-block-nodes", NULL, &error);
  g_autofree gchar *name = g_strdup_printf ("aqmp-backup-%" G_GINT64_FORMAT "-0-file", backup_id);
  JsonArray *array;

  g_assert_no_error (error);
  array = json_node_get_array (nodes);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *node = json_array_get_object_element (array, i);

      if (g_strcmp0 (json_object_get_string_member (node, "node-name"), name) == 0)
        return json_object_get_boolean_member (json_object_get_object_member (node, "cache"), "no-flush");
    }
  g_error ("QEMU has no node %s", name);
}

/* the run syncs a new image itself (its file node without QEMU's flush)
 * only when QEMU runs on this kernel, the peer of a Unix socket; over TCP
 * QEMU's storage may be mounted here from elsewhere, where a sync here
 * would not reach QEMU's page cache, and QEMU keeps flushing. Seen while
 * the run waits at the guest agent's freeze, its target made; either way
 * the image restores. */
static void
test_backup_sync_where_qemu_runs (Fixture *f, gconstpointer data)
{
  g_autofree gchar *tcp = aqmp_test_tcp_chardev_address (f->client, "tcp-monitor", "tcp");
  g_autoptr(AqmpClient) tcp_client = aqmp_test_connect (tcp);
  g_autoptr(AqmpJobRunner) tcp_runner = aqmp_job_runner_new (tcp_client, f->store, tcp);
  AqmpJobRunner *runners[] = { f->runner, tcp_runner };
  g_autofree gchar *copy = NULL;

  add_disk (f, "disk0", NULL, NULL);
  guest_write (f, "disk0", 0x5a, 0, 3 * MIB);
  copy = copy_source (f, "disk0");
  for (guint i = 0; i < G_N_ELEMENTS (runners); i++)
    {
      AqmpTestFakeAgent *fake = aqmp_test_fake_agent_new ();
      g_autoptr(AqmpProtocol) protocol = aqmp_qga_protocol_new ();
      g_autoptr(AqmpClient) qga = aqmp_test_fake_agent_connect (fake, protocol);
      g_autoptr(AqmpGuestAgent) agent = aqmp_guest_agent_new (qga);
      g_autoptr(AqmpBackupOptions) options = options_new (f, AQMP_BACKUP_LEVEL_FULL, "disk0", NULL);
      AsyncRun a = { f };

      aqmp_backup_options_set_guest_agent (options, agent);
      fake->hold_freeze = TRUE;
      a.run = aqmp_backup_run_new (runners[i], f->catalog, options);
      aqmp_backup_run_run_async (a.run, NULL, run_done_cb, &a);
      g_assert_true (aqmp_test_wait_until (freeze_held, fake, RUN_WAIT_MS));
      /* the Unix socket's run took the sync over; the TCP one did not */
      g_assert_cmpint (target_file_no_flush (f, aqmp_backup_run_get_backup_id (a.run)), ==, i == 0);
      aqmp_test_fake_agent_release_freeze (fake);
      g_assert_true (aqmp_test_wait_for_flag (&a.done, RUN_WAIT_MS));
      g_assert_no_error (a.error);
      g_assert_cmpint (aqmp_backup_record_get_state (a.record), ==, AQMP_BACKUP_STATE_COMPLETED);
      assert_restores (f, a.record, "disk0", copy);
      assert_qemu_clean (f);
      g_clear_pointer (&a.record, aqmp_backup_record_unref);
      g_clear_object (&a.run);
      g_clear_object (&agent);
      g_clear_object (&qga);
      aqmp_test_fake_agent_free (fake);
    }
}

/* prune removes whole chains, never the open one, and leaves what a
 * kept backup needs restorable */
static void
test_backup_prune (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpBackupRecord) full1 = NULL;
  g_autoptr(AqmpBackupRecord) inc1 = NULL;
  g_autoptr(AqmpBackupRecord) full2 = NULL;
  g_autoptr(AqmpBackupRecord) inc2 = NULL;
  g_autoptr(AqmpBackupRecord) full3 = NULL;
  g_autoptr(AqmpBackupImage) old_image = NULL;
  g_autoptr(GPtrArray) removed = NULL;
  g_autoptr(GPtrArray) chains = NULL;
  g_autoptr(GPtrArray) backups = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *copy = NULL;

  add_disk (f, "disk0", NULL, NULL);
  full1 = run_level (f, AQMP_BACKUP_LEVEL_FULL, "disk0");
  guest_write (f, "disk0", 0x01, 0, MIB);
  inc1 = run_level (f, AQMP_BACKUP_LEVEL_INCREMENTAL, "disk0");
  old_image = image_of (f, inc1, 0);
  full2 = run_level (f, AQMP_BACKUP_LEVEL_FULL, "disk0");
  guest_write (f, "disk0", 0x02, MIB, MIB);
  copy = copy_source (f, "disk0");
  inc2 = run_level (f, AQMP_BACKUP_LEVEL_INCREMENTAL, "disk0");
  full3 = run_level (f, AQMP_BACKUP_LEVEL_FULL, "disk0");

  removed = aqmp_backup_catalog_prune_sync (f->catalog, NULL, 2, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (removed->len, ==, 1);
  g_assert_cmpint (aqmp_backup_chain_get_id (g_ptr_array_index (removed, 0)), ==,
                   aqmp_backup_record_get_chain_id (full1));
  g_assert_false (g_file_test (aqmp_backup_image_get_path (old_image), G_FILE_TEST_EXISTS));
  g_assert_null (aqmp_backup_catalog_get_backup (f->catalog, aqmp_backup_record_get_id (inc1), &error));
  g_assert_error (error, AQMP_BACKUP_ERROR, AQMP_BACKUP_ERROR_NOT_FOUND);
  g_clear_error (&error);
  /* the kept chain restores, the job history stays */
  assert_restores (f, inc2, "disk0", copy);
  {
    g_autoptr(GPtrArray) jobs = aqmp_job_store_list_jobs (f->store, NULL, FALSE, &error);
    g_assert_cmpuint (jobs->len, >, 0);
  }

  /* by age: everything older than an hour from now, but the open chain */
  g_clear_pointer (&removed, g_ptr_array_unref);
  removed = aqmp_backup_catalog_prune_sync (f->catalog, NULL, 0, g_get_real_time () + (gint64) G_USEC_PER_SEC * 3600, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (removed->len, ==, 1);
  chains = aqmp_backup_catalog_list_chains (f->catalog, NULL, &error);
  g_assert_cmpuint (chains->len, ==, 1);
  g_assert_true (aqmp_backup_chain_is_open (g_ptr_array_index (chains, 0)));
  backups = aqmp_backup_catalog_list_backups (f->catalog, NULL, &error);
  g_assert_cmpuint (backups->len, ==, 1);
  g_assert_cmpint (aqmp_backup_record_get_id (g_ptr_array_index (backups, 0)), ==, aqmp_backup_record_get_id (full3));
  aqmp_test_job_assert_integrity (f->store);
}

static void
release_when_cancelling_cb (GObject *run, GParamSpec *pspec, gpointer user_data)
{
  Fixture *f = user_data;

  /* on the client's context: QEMU accepted the cancel, the held read may
   * go on now */
  qemu_io (f, "disk0", "remove_break held");
  qemu_io (f, "disk0", "resume held");
}

static gboolean
run_has_jobs (gpointer user_data)
{
  AsyncRun *a = user_data;
  g_autoptr(GPtrArray) jobs = aqmp_backup_run_get_jobs (a->run);

  return a->done || jobs->len > 0;
}

/* the run's GCancellable (what Ctrl-C does): its jobs are cancelled in
 * QEMU, the backup is recorded cancelled, the bitmap stays */
static void
test_backup_cancellable (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpBackupOptions) options = NULL;
  g_autoptr(AqmpBackupRecord) full = NULL;
  g_autoptr(AqmpBackupRecord) cancelled = NULL;
  g_autoptr(AqmpBackupRecord) next = NULL;
  g_autoptr(AqmpBackupChain) chain = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *copy = NULL;
  AsyncRun a = { f };

  add_disk (f, "disk0", NULL, "\"align\": 512");
  full = run_level (f, AQMP_BACKUP_LEVEL_FULL, "disk0");
  chain = chain_of (f, full);
  guest_write (f, "disk0", 0x66, 2 * MIB, MIB);
  copy = copy_source (f, "disk0");
  qemu_io (f, "disk0", "break read_aio held");
  options = options_new (f, AQMP_BACKUP_LEVEL_INCREMENTAL, "disk0", NULL);
  a.run = aqmp_backup_run_new (f->runner, f->catalog, options);
  g_signal_connect (a.run, "notify::cancelling", G_CALLBACK (release_when_cancelling_cb), f);
  aqmp_backup_run_run_async (a.run, cancellable, run_done_cb, &a);
  g_assert_true (aqmp_test_wait_until (run_has_jobs, &a, RUN_WAIT_MS));
  g_assert_false (a.done);
  g_cancellable_cancel (cancellable);
  g_assert_true (aqmp_test_wait_for_flag (&a.done, RUN_WAIT_MS));
  g_assert_true (aqmp_backup_run_is_cancelling (a.run));
  g_assert_null (a.record);
  g_assert_error (a.error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_CANCELLED);
  g_clear_error (&a.error);
  cancelled = aqmp_backup_catalog_get_backup (f->catalog, aqmp_backup_run_get_backup_id (a.run), &error);
  g_assert_cmpint (aqmp_backup_record_get_state (cancelled), ==, AQMP_BACKUP_STATE_CANCELLED);
  g_assert_true (node_has_bitmap (f, "disk0", aqmp_backup_chain_get_bitmap (chain)));
  assert_qemu_clean (f);
  g_clear_object (&a.run);

  next = run_level (f, AQMP_BACKUP_LEVEL_INCREMENTAL, "disk0");
  g_assert_cmpint (aqmp_backup_record_get_bytes (next), ==, MIB);
  assert_restores (f, next, "disk0", copy);
}

/* a raw disk: auto runs full and says why, an incremental is refused; a
 * disk QEMU does not have is a clear error and records nothing */
static void
test_backup_raw_and_missing (Fixture *f, gconstpointer data)
{
  g_autofree gchar *raw = g_build_filename (f->dir, "raw.img", NULL);
  g_autofree gchar *json = g_strdup_printf ("{\"driver\": \"raw\", \"node-name\": \"rawdisk\", \"file\": "
                                            "{\"driver\": \"file\", \"filename\": \"%s\"}}", raw);
  g_autofree gchar *out = tool ("qemu-img", "create", "-q", "-f", "raw", raw, "4M", NULL);
  g_autoptr(AqmpBackupOptions) options = NULL;
  g_autoptr(AqmpBackupRecord) first = NULL;
  g_autoptr(AqmpBackupRecord) second = NULL;
  g_autoptr(AqmpBackupRecord) refused = NULL;
  g_autoptr(AqmpBackupRecord) missing = NULL;
  g_autoptr(AqmpBackupChain) chain = NULL;
  g_autoptr(GPtrArray) backups = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *reason = NULL;

  qmp_ok (f, "blockdev-add", json);
  guest_write (f, "rawdisk", 0x70, 0, MIB);
  options = options_new (f, AQMP_BACKUP_LEVEL_AUTO, "rawdisk", NULL);
  first = run_options (f, options, NULL, &error);
  g_assert_no_error (error);
  chain = chain_of (f, first);
  g_assert_null (aqmp_backup_chain_get_bitmap (chain));
  second = run_options (f, options, &reason, &error);
  g_assert_no_error (error);
  g_assert_cmpint (aqmp_backup_record_get_level (second), ==, AQMP_BACKUP_LEVEL_FULL);
  g_assert_nonnull (strstr (reason, "disk rawdisk is a raw image"));
  g_clear_object (&options);
  options = options_new (f, AQMP_BACKUP_LEVEL_INCREMENTAL, "rawdisk", NULL);
  refused = run_options (f, options, NULL, &error);
  g_assert_error (error, AQMP_BACKUP_ERROR, AQMP_BACKUP_ERROR_NO_CHAIN);
  g_clear_error (&error);
  {
    g_autofree gchar *target = g_build_filename (f->dir, "restore-raw.qcow2", NULL);
    g_autofree gchar *said = NULL;
    qemu_io (f, "rawdisk", "flush");
    g_assert_true (aqmp_backup_catalog_restore_sync (f->catalog, aqmp_backup_record_get_id (second), NULL, target,
                                                     NULL, &error));
    g_assert_no_error (error);
    said = tool ("qemu-img", "compare", "-U", "-F", "raw", target, raw, NULL);
  }

  g_clear_object (&options);
  options = options_new (f, AQMP_BACKUP_LEVEL_FULL, "rawdisk", "gone", NULL);
  missing = run_options (f, options, NULL, &error);
  g_assert_error (error, AQMP_BACKUP_ERROR, AQMP_BACKUP_ERROR_NO_DISK);
  g_assert_nonnull (strstr (error->message, "gone"));
  g_clear_error (&error);
  backups = aqmp_backup_catalog_list_backups (f->catalog, NULL, &error);
  g_assert_cmpuint (backups->len, ==, 2);
  assert_qemu_clean (f);
}

/* compression, a disk left out, the user the jobs are recorded for */
static void
test_backup_compress_exclude (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpBackupOptions) options = aqmp_backup_options_new ();
  g_autoptr(AqmpBackupRecord) full = NULL;
  g_autoptr(AqmpBackupImage) image = NULL;
  g_autoptr(GPtrArray) images = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *copy = NULL;
  g_autofree gchar *map = NULL;

  add_disk (f, "disk0", NULL, NULL);
  add_disk (f, "disk1", NULL, NULL);
  guest_write (f, "disk0", 0x55, 0, 4 * MIB);
  copy = copy_source (f, "disk0");
  aqmp_backup_options_set_level (options, AQMP_BACKUP_LEVEL_FULL);
  aqmp_backup_options_set_directory (options, f->backups);
  aqmp_backup_options_add_disk (options, "disk0");
  aqmp_backup_options_add_disk (options, "disk1");
  aqmp_backup_options_add_exclude (options, "disk1");
  aqmp_backup_options_set_compress (options, TRUE);
  aqmp_backup_options_set_started_by_uid (options, 4242);
  full = run_options (f, options, NULL, &error);
  g_assert_no_error (error);
  /* every job of the backup is the given user's in the history */
  {
    g_autoptr(GArray) rows = aqmp_backup_catalog_list_jobs (f->catalog, aqmp_backup_record_get_id (full), &error);
    g_assert_cmpuint (rows->len, ==, 3);
    for (guint i = 0; i < rows->len; i++)
      {
        g_autoptr(AqmpJobRecord) job = aqmp_job_store_get_job (f->store, g_array_index (rows, gint64, i), &error);
        g_assert_no_error (error);
        g_assert_cmpint (aqmp_job_record_get_started_by_uid (job), ==, 4242);
      }
  }
  g_assert_true (aqmp_backup_record_is_compressed (full));
  images = aqmp_backup_catalog_list_images (f->catalog, aqmp_backup_record_get_id (full), &error);
  g_assert_cmpuint (images->len, ==, 1);
  image = aqmp_backup_image_ref (g_ptr_array_index (images, 0));
  g_assert_cmpstr (aqmp_backup_image_get_disk (image), ==, "disk0");
  /* 4 MiB of one byte compress to almost nothing */
  g_assert_cmpint (aqmp_backup_image_get_size (image), <, 2 * MIB);
  assert_restores (f, full, "disk0", copy);
}

static gchar *
joined_log (AqmpTestFakeAgent *agent)
{
  g_ptr_array_add (agent->log, NULL);
  {
    gchar *text = g_strjoinv (",", (gchar **) agent->log->pdata);
    g_ptr_array_remove_index (agent->log, agent->log->len - 1);
    return text;
  }
}

/* quiesced through the (fake) guest agent: frozen while the transaction
 * starts, thawed after; a failing freeze fails the backup, thawed all the
 * same */
static void
test_backup_quiesce (Fixture *f, gconstpointer data)
{
  AqmpTestFakeAgent *fake = aqmp_test_fake_agent_new ();
  g_autoptr(AqmpProtocol) protocol = aqmp_qga_protocol_new ();
  g_autoptr(AqmpClient) qga = aqmp_test_fake_agent_connect (fake, protocol);
  g_autoptr(AqmpGuestAgent) agent = aqmp_guest_agent_new (qga);
  g_autoptr(AqmpBackupOptions) options = NULL;
  g_autoptr(AqmpBackupRecord) full = NULL;
  g_autoptr(AqmpBackupRecord) failed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *log = NULL;

  add_disk (f, "disk0", NULL, NULL);
  options = options_new (f, AQMP_BACKUP_LEVEL_FULL, "disk0", NULL);
  aqmp_backup_options_set_guest_agent (options, agent);
  full = run_options (f, options, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (aqmp_backup_record_is_quiesced (full));
  log = joined_log (fake);
  g_assert_cmpstr (log, ==, "guest-fsfreeze-freeze,guest-fsfreeze-thaw");
  g_assert_false (fake->frozen);
  g_clear_pointer (&log, g_free);

  fake->freeze_error = g_strdup ("cannot freeze /data");
  g_clear_object (&options);
  options = options_new (f, AQMP_BACKUP_LEVEL_INCREMENTAL, "disk0", NULL);
  aqmp_backup_options_set_guest_agent (options, agent);
  failed = run_options (f, options, NULL, &error);
  g_assert_null (failed);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "cannot freeze /data"));
  g_clear_error (&error);
  g_assert_false (fake->frozen);
  assert_qemu_clean (f);

  g_clear_object (&agent);
  g_clear_object (&qga);
  aqmp_test_fake_agent_free (fake);
}

/* a second monitor on TCP, for /backup/sync-where-qemu-runs */
static const gchar *tcp_monitor[] = {
  "-chardev", "socket,id=tcp-monitor,host=127.0.0.1,port=0,server=on,wait=off",
  "-mon", "chardev=tcp-monitor,mode=control",
  NULL
};

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ADD ("/backup/chain", test_backup_chain);
  ADD ("/backup/differential", test_backup_differential);
  ADD ("/backup/two-disks", test_backup_two_disks);
  ADD ("/backup/failed-incremental", test_backup_failed_incremental);
  ADD ("/backup/cancelled", test_backup_cancelled);
  ADD ("/backup/auto", test_backup_auto);
  ADD ("/backup/verify", test_backup_verify);
  ADD ("/backup/checksums", test_backup_checksums);
  ADD ("/backup/checksum-large", test_backup_checksum_large);
  ADD ("/backup/prune", test_backup_prune);
  ADD ("/backup/cancellable", test_backup_cancellable);
  ADD ("/backup/raw-and-missing", test_backup_raw_and_missing);
  ADD ("/backup/compress-exclude", test_backup_compress_exclude);
  ADD ("/backup/quiesce", test_backup_quiesce);
  g_test_add ("/backup/sync-where-qemu-runs", Fixture, tcp_monitor, fixture_setup, test_backup_sync_where_qemu_runs,
              fixture_teardown);
  return g_test_run ();
}
