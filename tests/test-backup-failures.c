/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libaqmp-backup's failure rules against a real QEMU 7.2, each with what
 * the catalog and QEMU are left with:
 *
 * - a backup target that runs out of space while the backup copies: the
 *   target's qcow2 node is moved, while the run waits for the (fake)
 *   guest agent's freeze, onto a blkdebug node whose writes fail with
 *   ENOSPC, as a full file system fails them;
 * - a bitmap removed behind aqmp's back, for an explicit differential and
 *   incremental;
 * - a disk of the chain that vanished from QEMU;
 * - a reconcile while a run of the same catalog runs its backup;
 * - a target QEMU keeps after the copy (another node uses it).
 */
#include <errno.h>
#include <string.h>

#include "aqmp-test-backup.h"
#include "aqmp-test-fake-agent.h"

static gint64
count_backups (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) backups = aqmp_backup_catalog_list_backups (f->catalog, NULL, &error);

  g_assert_no_error (error);
  return backups->len;
}

/* the target's qcow2 node of the run's first disk, from now on on a file
 * whose every write fails with ENOSPC (the file system is full) */
static gchar *
fill_target (Fixture *f, gint64 backup_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) images = aqmp_backup_catalog_list_images (f->catalog, backup_id, &error);
  AqmpBackupImage *image;
  g_autofree gchar *full = NULL;
  g_autofree gchar *reopen = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (images->len, ==, 1);
  image = g_ptr_array_index (images, 0);
  full = g_strdup_printf ("{\"driver\": \"blkdebug\", \"node-name\": \"full-fs\", \"image\": {\"driver\": \"file\","
                          " \"filename\": \"%s\", \"locking\": \"off\"}, \"inject-error\": [{\"event\": \"none\","
                          " \"errno\": %d, \"iotype\": \"write\"}]}",
                          aqmp_backup_image_get_path (image), ENOSPC);
  qmp_ok (f, "blockdev-add", full);
  /* the run's node names: aqmp-backup-ID-INDEX */
  reopen = g_strdup_printf ("{\"options\": [{\"driver\": \"qcow2\", \"node-name\": \"aqmp-backup-%" G_GINT64_FORMAT "-0\","
                            " \"file\": \"full-fs\", \"backing\": null}]}", backup_id);
  qmp_ok (f, "blockdev-reopen", reopen);
  return g_strdup (aqmp_backup_image_get_path (image));
}

/* an incremental whose target runs out of space: a clear error, recorded
 * failed, the chain and its bitmap as they were, QEMU clean; the retry
 * copies the same changes and restores */
static void
test_target_full (Fixture *f, gconstpointer data)
{
  AqmpTestFakeAgent *fake = aqmp_test_fake_agent_new ();
  g_autoptr(AqmpProtocol) protocol = aqmp_qga_protocol_new ();
  g_autoptr(AqmpClient) qga = aqmp_test_fake_agent_connect (fake, protocol);
  g_autoptr(AqmpGuestAgent) agent = aqmp_guest_agent_new (qga);
  g_autoptr(AqmpBackupOptions) options = NULL;
  g_autoptr(AqmpBackupRecord) full = NULL;
  g_autoptr(AqmpBackupRecord) failed = NULL;
  g_autoptr(AqmpBackupRecord) retried = NULL;
  g_autoptr(AqmpBackupChain) chain = NULL;
  g_autoptr(AqmpBackupChain) after = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *copy = NULL;
  g_autofree gchar *target = NULL;
  g_autofree gchar *directory = NULL;
  g_auto(GStrv) problems = NULL;
  AsyncRun a = { f };

  add_disk (f, "disk0", NULL, NULL);
  full = run_level (f, AQMP_BACKUP_LEVEL_FULL, "disk0");
  chain = chain_of (f, full);
  guest_write (f, "disk0", 0x77, MIB, 2 * MIB);
  copy = copy_source (f, "disk0");

  /* the run stops at the freeze, its target made and no job started yet */
  fake->hold_freeze = TRUE;
  options = options_new (f, AQMP_BACKUP_LEVEL_INCREMENTAL, "disk0", NULL);
  aqmp_backup_options_set_guest_agent (options, agent);
  a.run = aqmp_backup_run_new (f->runner, f->catalog, options);
  aqmp_backup_run_run_async (a.run, NULL, run_done_cb, &a);
  g_assert_true (aqmp_test_wait_until (freeze_held, fake, RUN_WAIT_MS));
  target = fill_target (f, aqmp_backup_run_get_backup_id (a.run));
  aqmp_test_fake_agent_release_freeze (fake);
  g_assert_true (aqmp_test_wait_for_flag (&a.done, RUN_WAIT_MS));

  /* a clear error: which disk, out of space, where, and what to do */
  g_assert_null (a.record);
  g_assert_nonnull (a.error);
  g_test_message ("%s", a.error->message);
  g_assert_error (a.error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
  directory = g_path_get_dirname (target);
  g_assert_nonnull (strstr (a.error->message, "disk disk0"));
  g_assert_nonnull (strstr (a.error->message, "ran out of space"));
  g_assert_nonnull (strstr (a.error->message, g_strerror (ENOSPC)));
  g_assert_nonnull (strstr (a.error->message, directory));
  g_assert_nonnull (strstr (a.error->message, "free space"));
  g_assert_false (fake->frozen);

  /* the catalog: failed with that error, the image gone; the chain open */
  failed = aqmp_backup_catalog_get_backup (f->catalog, aqmp_backup_run_get_backup_id (a.run), &error);
  g_assert_no_error (error);
  g_assert_cmpint (aqmp_backup_record_get_state (failed), ==, AQMP_BACKUP_STATE_FAILED);
  g_assert_cmpstr (aqmp_backup_record_get_error (failed), ==, a.error->message);
  g_assert_false (g_file_test (target, G_FILE_TEST_EXISTS));
  after = chain_of (f, full);
  g_assert_true (aqmp_backup_chain_is_open (after));
  g_assert_true (node_has_bitmap (f, "disk0", aqmp_backup_chain_get_bitmap (chain)));
  g_assert_true (node_has_bitmap (f, "disk0", aqmp_backup_chain_get_diff_bitmap (chain)));
  g_clear_error (&a.error);
  g_clear_object (&a.run);

  /* QEMU: the run removed its nodes; the test's own full file system goes */
  qmp_ok (f, "blockdev-del", "{\"node-name\": \"full-fs\"}");
  assert_qemu_clean (f);

  /* the retry copies the same changes, and restores */
  retried = run_level (f, AQMP_BACKUP_LEVEL_INCREMENTAL, "disk0");
  g_assert_cmpint (aqmp_backup_record_get_parent_id (retried), ==, aqmp_backup_record_get_id (full));
  g_assert_cmpint (aqmp_backup_record_get_bytes (retried), ==, 2 * MIB);
  assert_restores (f, retried, "disk0", copy);
  problems = aqmp_backup_catalog_verify_sync (f->catalog, 0, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (problems), ==, 0);
  assert_qemu_clean (f);

  g_clear_object (&agent);
  g_clear_object (&qga);
  aqmp_test_fake_agent_free (fake);
}

/* @level refused with NO_CHAIN naming @needle and what to do; nothing
 * recorded, nothing left in QEMU */
static void
assert_refused (Fixture *f, AqmpBackupLevel level, const gchar *needle)
{
  g_autoptr(AqmpBackupOptions) options = options_new (f, level, "disk0", NULL);
  g_autoptr(AqmpBackupRecord) refused = NULL;
  g_autoptr(GError) error = NULL;
  gint64 before = count_backups (f);

  refused = run_options (f, options, NULL, &error);
  g_assert_null (refused);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_error (error, AQMP_BACKUP_ERROR, AQMP_BACKUP_ERROR_NO_CHAIN);
  if (strstr (error->message, needle) == NULL || strstr (error->message, "disk0") == NULL ||
      strstr (error->message, "run a full backup") == NULL)
    g_error ("'%s' does not name disk0, '%s' and what to do", error->message, needle);
  g_assert_true (g_str_has_prefix (error->message, level == AQMP_BACKUP_LEVEL_DIFFERENTIAL
                                                     ? "Cannot run a differential backup"
                                                     : "Cannot run an incremental backup"));
  g_assert_cmpint (count_backups (f), ==, before);
  assert_qemu_clean (f);
}

/* the chain's bitmaps removed behind aqmp's back, one after the other:
 * the level that needs the missing one is refused, clearly, with nothing
 * started and nothing recorded; the other level still works */
static void
test_bitmap_gone (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpBackupRecord) full = NULL;
  g_autoptr(AqmpBackupRecord) inc = NULL;
  g_autoptr(AqmpBackupRecord) diff = NULL;
  g_autoptr(AqmpBackupChain) chain = NULL;
  g_autoptr(AqmpBackupChain) after = NULL;
  g_autofree gchar *remove = NULL;
  g_autofree gchar *copy = NULL;

  add_disk (f, "disk0", NULL, NULL);
  full = run_level (f, AQMP_BACKUP_LEVEL_FULL, "disk0");
  chain = chain_of (f, full);
  guest_write (f, "disk0", 0x21, 0, MIB);
  copy = copy_source (f, "disk0");

  /* the differential bitmap goes: a differential is refused */
  remove = g_strdup_printf ("{\"node\": \"disk0\", \"name\": \"%s\"}", aqmp_backup_chain_get_diff_bitmap (chain));
  qmp_ok (f, "block-dirty-bitmap-remove", remove);
  assert_refused (f, AQMP_BACKUP_LEVEL_DIFFERENTIAL, aqmp_backup_chain_get_diff_bitmap (chain));
  /* the incremental bitmap is untouched: an incremental runs */
  g_assert_true (node_has_bitmap (f, "disk0", aqmp_backup_chain_get_bitmap (chain)));
  inc = run_level (f, AQMP_BACKUP_LEVEL_INCREMENTAL, "disk0");
  g_assert_cmpint (aqmp_backup_record_get_bytes (inc), ==, MIB);
  assert_restores (f, inc, "disk0", copy);

  /* the incremental bitmap goes too: an incremental is refused */
  g_clear_pointer (&remove, g_free);
  remove = g_strdup_printf ("{\"node\": \"disk0\", \"name\": \"%s\"}", aqmp_backup_chain_get_bitmap (chain));
  qmp_ok (f, "block-dirty-bitmap-remove", remove);
  assert_refused (f, AQMP_BACKUP_LEVEL_INCREMENTAL, aqmp_backup_chain_get_bitmap (chain));

  /* the catalog is as it was: the chain open, its backups completed */
  after = chain_of (f, full);
  g_assert_true (aqmp_backup_chain_is_open (after));
  g_assert_cmpint (count_backups (f), ==, 2);

  /* and a full backup starts a new chain, as the error says */
  diff = run_level (f, AQMP_BACKUP_LEVEL_FULL, "disk0");
  g_assert_cmpint (aqmp_backup_record_get_chain_id (diff), !=, aqmp_backup_chain_get_id (chain));
}

/* a disk of the chain removed from QEMU: the backup names it and says
 * what to do, at every level; nothing is started or recorded, and the
 * chain goes on with the disks that are left */
static void
test_disk_gone (Fixture *f, gconstpointer data)
{
  const AqmpBackupLevel levels[] = { AQMP_BACKUP_LEVEL_INCREMENTAL, AQMP_BACKUP_LEVEL_DIFFERENTIAL,
                                     AQMP_BACKUP_LEVEL_AUTO };
  g_autoptr(AqmpBackupOptions) both = NULL;
  g_autoptr(AqmpBackupRecord) full = NULL;
  g_autoptr(AqmpBackupRecord) inc = NULL;
  g_autoptr(AqmpBackupChain) chain = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *copy = NULL;

  add_disk (f, "disk0", NULL, NULL);
  add_disk (f, "disk1", NULL, NULL);
  both = options_new (f, AQMP_BACKUP_LEVEL_FULL, "disk0", "disk1", NULL);
  full = run_options (f, both, NULL, &error);
  g_assert_no_error (error);
  chain = chain_of (f, full);
  guest_write (f, "disk0", 0x42, 3 * MIB, MIB);
  copy = copy_source (f, "disk0");

  qmp_ok (f, "blockdev-del", "{\"node-name\": \"disk1\"}");
  for (guint i = 0; i < G_N_ELEMENTS (levels); i++)
    {
      g_autoptr(AqmpBackupOptions) options = options_new (f, levels[i], "disk0", "disk1", NULL);
      g_autoptr(AqmpBackupRecord) refused = run_options (f, options, NULL, &error);

      g_assert_null (refused);
      g_assert_nonnull (error);
      g_test_message ("%s", error->message);
      g_assert_error (error, AQMP_BACKUP_ERROR, AQMP_BACKUP_ERROR_NO_DISK);
      if (strstr (error->message, "Disk disk1") == NULL || strstr (error->message, "is gone") == NULL ||
          strstr (error->message, aqmp_backup_chain_get_name (chain)) == NULL ||
          strstr (error->message, "back up without it") == NULL)
        g_error ("'%s' does not say that disk1 of the chain is gone, and what to do", error->message);
      g_clear_error (&error);
      g_assert_cmpint (count_backups (f), ==, 1);
      assert_qemu_clean (f);
    }
  /* the chain is as it was: the disk left goes on from it */
  g_assert_true (node_has_bitmap (f, "disk0", aqmp_backup_chain_get_bitmap (chain)));
  inc = run_level (f, AQMP_BACKUP_LEVEL_INCREMENTAL, "disk0");
  g_assert_cmpint (aqmp_backup_record_get_parent_id (inc), ==, aqmp_backup_record_get_id (full));
  g_assert_cmpint (aqmp_backup_record_get_bytes (inc), ==, MIB);
  assert_restores (f, inc, "disk0", copy);

  /* a name no chain knows stays the plain error */
  {
    g_autoptr(AqmpBackupOptions) options = options_new (f, AQMP_BACKUP_LEVEL_INCREMENTAL, "disk0", "nosuch", NULL);
    g_autoptr(AqmpBackupRecord) refused = run_options (f, options, NULL, &error);
    g_assert_null (refused);
    g_assert_error (error, AQMP_BACKUP_ERROR, AQMP_BACKUP_ERROR_NO_DISK);
    g_assert_cmpstr (error->message, ==, "No block node or device named nosuch");
  }
}

typedef struct {
  GPtrArray *settled;
  GError *error;
  gboolean done;
} Reconciled;

static void
reconciled_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Reconciled *r = user_data;

  r->settled = aqmp_backup_catalog_reconcile_finish (AQMP_BACKUP_CATALOG (source), result, &r->error);
  r->done = TRUE;
}

/* a reconcile while a run of the same catalog runs its backup (what
 * aqmpd does when a machine's connection comes back): the run's backup is
 * left to the run, which completes it */
static void
test_reconcile_leaves_run (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpBackupOptions) options = NULL;
  g_autoptr(AqmpBackupRecord) full = NULL;
  g_autoptr(AqmpBackupRecord) running = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *copy = NULL;
  AsyncRun a = { f };
  Reconciled r = { NULL };

  add_disk (f, "disk0", NULL, "\"align\": 512");
  full = run_level (f, AQMP_BACKUP_LEVEL_FULL, "disk0");
  guest_write (f, "disk0", 0x55, 0, MIB);
  copy = copy_source (f, "disk0");
  qemu_io (f, "disk0", "break read_aio held");
  options = options_new (f, AQMP_BACKUP_LEVEL_INCREMENTAL, "disk0", NULL);
  a.run = aqmp_backup_run_new (f->runner, f->catalog, options);
  aqmp_backup_run_run_async (a.run, NULL, run_done_cb, &a);
  g_assert_true (aqmp_test_wait_until (qemu_has_job, &a, RUN_WAIT_MS));
  g_assert_false (a.done);

  aqmp_backup_catalog_reconcile_async (f->catalog, f->runner, NULL, reconciled_cb, &r);
  g_assert_true (aqmp_test_wait_for_flag (&r.done, RUN_WAIT_MS));
  g_assert_no_error (r.error);
  g_assert_cmpuint (r.settled->len, ==, 0);
  g_clear_pointer (&r.settled, g_ptr_array_unref);
  running = aqmp_backup_catalog_get_backup (f->catalog, aqmp_backup_run_get_backup_id (a.run), &error);
  g_assert_no_error (error);
  g_assert_cmpint (aqmp_backup_record_get_state (running), ==, AQMP_BACKUP_STATE_RUNNING);
  g_assert_false (a.done);

  qemu_io (f, "disk0", "remove_break held");
  qemu_io (f, "disk0", "resume held");
  g_assert_true (aqmp_test_wait_for_flag (&a.done, RUN_WAIT_MS));
  g_assert_no_error (a.error);
  g_assert_cmpint (aqmp_backup_record_get_state (a.record), ==, AQMP_BACKUP_STATE_COMPLETED);
  g_assert_cmpint (aqmp_backup_record_get_bytes (a.record), ==, MIB);
  assert_restores (f, a.record, "disk0", copy);
  assert_qemu_clean (f);
  g_clear_pointer (&a.record, aqmp_backup_record_unref);
  g_clear_object (&a.run);
}

/* QEMU keeps a target node (another node uses it) when the jobs have
 * completed: the image may lack what QEMU holds of it, so nothing is
 * hashed or recorded; the backup stays running, a reconcile while the node
 * is kept leaves it so, and the one after QEMU let go completes it, and it
 * restores */
static void
test_target_kept (Fixture *f, gconstpointer data)
{
  AqmpTestFakeAgent *fake = aqmp_test_fake_agent_new ();
  g_autoptr(AqmpProtocol) protocol = aqmp_qga_protocol_new ();
  g_autoptr(AqmpClient) qga = aqmp_test_fake_agent_connect (fake, protocol);
  g_autoptr(AqmpGuestAgent) agent = aqmp_guest_agent_new (qga);
  g_autoptr(AqmpBackupOptions) options = NULL;
  g_autoptr(AqmpBackupRecord) full = NULL;
  g_autoptr(AqmpBackupRecord) running = NULL;
  g_autoptr(AqmpBackupRecord) completed = NULL;
  g_autoptr(GPtrArray) settled = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *copy = NULL;
  g_autofree gchar *pin = NULL;
  g_auto(GStrv) problems = NULL;
  gint64 id;
  AsyncRun a = { f };

  add_disk (f, "disk0", NULL, NULL);
  full = run_level (f, AQMP_BACKUP_LEVEL_FULL, "disk0");
  guest_write (f, "disk0", 0x66, 2 * MIB, MIB);
  copy = copy_source (f, "disk0");

  /* held at the freeze, its target made: a read-only node over it */
  fake->hold_freeze = TRUE;
  options = options_new (f, AQMP_BACKUP_LEVEL_INCREMENTAL, "disk0", NULL);
  aqmp_backup_options_set_guest_agent (options, agent);
  a.run = aqmp_backup_run_new (f->runner, f->catalog, options);
  aqmp_backup_run_run_async (a.run, NULL, run_done_cb, &a);
  g_assert_true (aqmp_test_wait_until (freeze_held, fake, RUN_WAIT_MS));
  id = aqmp_backup_run_get_backup_id (a.run);
  pin = g_strdup_printf ("{\"driver\": \"raw\", \"node-name\": \"pin\", \"read-only\": true,"
                         " \"file\": \"aqmp-backup-%" G_GINT64_FORMAT "-0\"}", id);
  qmp_ok (f, "blockdev-add", pin);
  aqmp_test_fake_agent_release_freeze (fake);
  g_assert_true (aqmp_test_wait_for_flag (&a.done, RUN_WAIT_MS));

  /* the run says so, and leaves the backup running */
  g_assert_null (a.record);
  g_assert_nonnull (a.error);
  g_test_message ("%s", a.error->message);
  g_assert_nonnull (strstr (a.error->message, "left running"));
  running = aqmp_backup_catalog_get_backup (f->catalog, id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (aqmp_backup_record_get_state (running), ==, AQMP_BACKUP_STATE_RUNNING);
  g_clear_error (&a.error);
  g_clear_object (&a.run);

  /* a reconcile while QEMU keeps the node settles nothing */
  settled = aqmp_backup_catalog_reconcile_sync (f->catalog, f->runner, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (settled->len, ==, 0);
  g_clear_pointer (&settled, g_ptr_array_unref);
  g_clear_pointer (&running, aqmp_backup_record_unref);
  running = aqmp_backup_catalog_get_backup (f->catalog, id, &error);
  g_assert_cmpint (aqmp_backup_record_get_state (running), ==, AQMP_BACKUP_STATE_RUNNING);

  /* QEMU lets go: the next reconcile completes it */
  qmp_ok (f, "blockdev-del", "{\"node-name\": \"pin\"}");
  settled = aqmp_backup_catalog_reconcile_sync (f->catalog, f->runner, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (settled->len, ==, 1);
  completed = aqmp_backup_catalog_get_backup (f->catalog, id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (aqmp_backup_record_get_state (completed), ==, AQMP_BACKUP_STATE_COMPLETED);
  assert_restores (f, completed, "disk0", copy);
  problems = aqmp_backup_catalog_verify_sync (f->catalog, 0, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (problems), ==, 0);
  assert_qemu_clean (f);

  g_clear_object (&agent);
  g_clear_object (&qga);
  aqmp_test_fake_agent_free (fake);
}

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ADD ("/backup-failures/target-full", test_target_full);
  ADD ("/backup-failures/bitmap-gone", test_bitmap_gone);
  ADD ("/backup-failures/disk-gone", test_disk_gone);
  ADD ("/backup-failures/reconcile-leaves-run", test_reconcile_leaves_run);
  ADD ("/backup-failures/target-kept", test_target_kept);
  return g_test_run ();
}
