/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * aqmpd's backups on a private bus against a real QEMU 7.2 with two QMP
 * monitors (the daemon on the first; the test, or `aqmp backup`, on the
 * second): Machine.StartBackup full then incremental with the Job's
 * progress and result, ListBackups, RestoreBackup compared with
 * `qemu-img compare`, VerifyBackup, a chain the command line started and
 * the daemon continues (one catalog), quiesce through the machine's (fake)
 * guest agent, the refusals, and a tool's backup that the daemon, connecting
 * meanwhile, leaves to the tool. The incremental
 * is held on purpose by a blkdebug breakpoint on the disk's reads, so
 * the Job is seen running below 1 before it is let go.
 */
#include <string.h>

#include "aqmp-test-cli.h"
#include "aqmp-test-fake-agent.h"
#include "aqmp-test-service.h"

#define MIB (1024 * 1024)
#define DISK_SIZE (8 * MIB)
/* how often a wait asks again about a state that sends no signal */
#define POLL_MS 20

typedef struct {
  AqmpTestQemu *qemu;
  AqmpTestService *service;
  gchar *dir;
  gchar *second;
  gchar *disk;
  gchar *backups;
  AqmpClient *client;      /* on the second monitor */
  guint copies;

  /* what the bus said about Job objects */
  GHashTable *progress;    /* job path -> GArray of gdouble, each Progress sent */
  GHashTable *completed;   /* job path -> "true: " or "false: MESSAGE" */
  guint subscriptions[2];
} Fixture;

static void
properties_changed_cb (GDBusConnection *connection, const gchar *sender, const gchar *path,
                       const gchar *iface, const gchar *signal, GVariant *parameters, gpointer user_data)
{
  Fixture *f = user_data;
  const gchar *changed_iface = NULL;
  g_autoptr(GVariant) changed = NULL;
  gdouble progress;
  GArray *values;

  g_variant_get (parameters, "(&s@a{sv}@as)", &changed_iface, &changed, NULL);
  if (g_strcmp0 (changed_iface, AQMP_TEST_JOB_IFACE) != 0 || !g_variant_lookup (changed, "Progress", "d", &progress))
    return;
  values = g_hash_table_lookup (f->progress, path);
  if (values == NULL)
    {
      values = g_array_new (FALSE, FALSE, sizeof (gdouble));
      g_hash_table_insert (f->progress, g_strdup (path), values);
    }
  g_array_append_val (values, progress);
}

static void
completed_cb (GDBusConnection *connection, const gchar *sender, const gchar *path,
              const gchar *iface, const gchar *signal, GVariant *parameters, gpointer user_data)
{
  Fixture *f = user_data;
  gboolean success = FALSE;
  const gchar *message = NULL;

  g_variant_get (parameters, "(b&s)", &success, &message);
  g_hash_table_insert (f->completed, g_strdup (path), g_strdup_printf ("%s: %s", success ? "true" : "false", message));
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  /* QEMU's stdout, where HMP qemu-io prints, away from the TAP stream */
  f->qemu = aqmp_test_qemu_new_two_monitors_quiet (&f->dir, &f->second);
  f->disk = g_build_filename (f->dir, "disk0.qcow2", NULL);
  f->backups = g_build_filename (f->dir, "backups", NULL);
  /* the bus first: its watcher process, forked, keeps no client's socket */
  f->service = aqmp_test_service_new (NULL);
  f->client = aqmp_test_connect (f->second);
  f->progress = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_array_unref);
  f->completed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  f->subscriptions[0] = g_dbus_connection_signal_subscribe (f->service->connection, AQMP_TEST_SERVICE_NAME,
                                                            "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                                            NULL, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                            properties_changed_cb, f, NULL);
  f->subscriptions[1] = g_dbus_connection_signal_subscribe (f->service->connection, AQMP_TEST_SERVICE_NAME,
                                                            AQMP_TEST_JOB_IFACE, "Completed", NULL, NULL,
                                                            G_DBUS_SIGNAL_FLAGS_NONE, completed_cb, f, NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  for (guint i = 0; i < G_N_ELEMENTS (f->subscriptions); i++)
    g_dbus_connection_signal_unsubscribe (f->service->connection, f->subscriptions[i]);
  g_clear_pointer (&f->service, aqmp_test_service_free);
  g_clear_object (&f->client);
  g_clear_pointer (&f->qemu, aqmp_test_qemu_free);
  aqmp_test_remove_dir (f->dir);
  g_free (f->dir);
  g_free (f->second);
  g_free (f->disk);
  g_free (f->backups);
  g_hash_table_unref (f->progress);
  g_hash_table_unref (f->completed);
}

/* ----- QEMU, through the second monitor ----- */

/* a qcow2 disk "disk0" over blkdebug, so that its reads can be held */
static void
add_disk (Fixture *f)
{
  const gchar *create[] = { "qemu-img", "create", "-q", "-f", "qcow2", f->disk, "8M", NULL };
  g_autofree gchar *json = g_strdup_printf ("{\"driver\": \"qcow2\", \"node-name\": \"disk0\", \"file\":"
                                            " {\"driver\": \"blkdebug\", \"align\": 512, \"image\":"
                                            " {\"driver\": \"file\", \"filename\": \"%s\"}}}", f->disk);

  g_assert_cmpint (aqmp_test_spawn_status (create, NULL), ==, 0);
  aqmp_test_qmp_ok (f->client, "blockdev-add", json);
}

/* the disk's guest-visible content now, as a raw file */
static gchar *
copy_source (Fixture *f)
{
  return aqmp_test_copy_image (f->client, "disk0", f->disk, f->dir, &f->copies);
}

static void
assert_same_content (const gchar *copy, const gchar *restored)
{
  const gchar *compare[] = { "qemu-img", "compare", "-U", copy, restored, NULL };

  g_assert_cmpint (aqmp_test_spawn_status (compare, NULL), ==, 0);
}

/* ----- the daemon ----- */

static GVariant *
manager_call (Fixture *f, const gchar *method, GVariant *parameters, GError **error)
{
  return aqmp_test_service_call (f->service, AQMP_TEST_SERVICE_PATH, AQMP_TEST_MANAGER_IFACE, method,
                                 parameters, error);
}

static GVariant *
options_from_text (const gchar *text)
{
  g_autoptr(GError) error = NULL;
  GVariant *options = g_variant_parse (G_VARIANT_TYPE ("a{sv}"), text, NULL, NULL, &error);

  g_assert_no_error (error);
  return options;
}

static gchar *
start_backup (Fixture *f, const gchar *machine, const gchar *options, GError **error)
{
  g_autoptr(GVariant) reply = aqmp_test_service_call (f->service, machine, AQMP_TEST_MACHINE_IFACE, "StartBackup",
                                                      g_variant_new ("(@a{sv})", options_from_text (options)), error);
  gchar *path = NULL;

  if (reply != NULL)
    g_variant_get (reply, "(o)", &path);
  return path;
}

static gchar *
backup_options (Fixture *f, const gchar *level)
{
  return g_strdup_printf ("{'level': <'%s'>, 'disks': <['disk0']>, 'to': <'%s'>}", level, f->backups);
}

typedef struct {
  Fixture *f;
  const gchar *path;
} JobWait;

static gboolean
job_completed (gpointer user_data)
{
  JobWait *wait = user_data;

  return g_hash_table_contains (wait->f->completed, wait->path);
}

/* "true: " or "false: MESSAGE", from the Completed signal */
static const gchar *
wait_completed (Fixture *f, const gchar *path)
{
  JobWait wait = { f, path };

  if (!aqmp_test_wait_until (job_completed, &wait, AQMP_TEST_WAIT_MS * 3))
    g_error ("job %s did not complete", path);
  return g_hash_table_lookup (f->completed, path);
}

static guint64
job_uint64 (Fixture *f, const gchar *path, const gchar *property)
{
  g_autoptr(GVariant) value = aqmp_test_service_get (f->service, path, AQMP_TEST_JOB_IFACE, property);

  return g_variant_get_uint64 (value);
}

static gdouble
job_double (Fixture *f, const gchar *path, const gchar *property)
{
  g_autoptr(GVariant) value = aqmp_test_service_get (f->service, path, AQMP_TEST_JOB_IFACE, property);

  return g_variant_get_double (value);
}

static gchar *
job_string (Fixture *f, const gchar *path, const gchar *property)
{
  g_autoptr(GVariant) value = aqmp_test_service_get (f->service, path, AQMP_TEST_JOB_IFACE, property);

  return g_variant_dup_string (value, NULL);
}

/* each Progress the bus sent rose, and the last was 1 */
static void
assert_progress_rose_to_one (Fixture *f, const gchar *path)
{
  GArray *values = g_hash_table_lookup (f->progress, path);

  g_assert_nonnull (values);
  for (guint i = 1; i < values->len; i++)
    g_assert_cmpfloat (g_array_index (values, gdouble, i), >=, g_array_index (values, gdouble, i - 1));
  g_assert_cmpfloat (g_array_index (values, gdouble, values->len - 1), ==, 1.0);
  g_assert_cmpfloat (job_double (f, path, "Progress"), ==, 1.0);
}

typedef struct {
  Fixture *f;
  const gchar *path;
} TotalWait;

static gboolean
total_known (gpointer user_data)
{
  TotalWait *wait = user_data;

  return job_uint64 (wait->f, wait->path, "TotalProgress") > 0;
}

static gboolean
job_cancelling (gpointer user_data)
{
  TotalWait *wait = user_data;
  g_autofree gchar *status = job_string (wait->f, wait->path, "Status");

  return g_strcmp0 (status, "cancelling") == 0;
}

static GVariant *
list_backups (Fixture *f, const gchar *filter)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = manager_call (f, "ListBackups", g_variant_new ("(@a{sv})", options_from_text (filter)),
                                            &error);
  GVariant *backups;

  g_assert_no_error (error);
  backups = g_variant_get_child_value (reply, 0);
  return backups;
}

static gint64
backup_int (GVariant *backup, const gchar *key)
{
  gint64 value = -1;

  g_assert_true (g_variant_lookup (backup, key, "x", &value));
  return value;
}

static const gchar *
backup_string (GVariant *backup, const gchar *key)
{
  const gchar *value = NULL;

  g_assert_true (g_variant_lookup (backup, key, "&s", &value));
  return value;
}

static void
restore (Fixture *f, gint64 id, const gchar *target, GError **error)
{
  g_autoptr(GVariant) reply = manager_call (f, "RestoreBackup", g_variant_new ("(xss)", id, "disk0", target), error);
}

static GStrv
verify (Fixture *f, gint64 id, GError **error)
{
  g_autoptr(GVariant) reply = manager_call (f, "VerifyBackup", g_variant_new ("(x)", id), error);
  GStrv problems = NULL;

  if (reply != NULL)
    g_variant_get (reply, "(^as)", &problems);
  return problems;
}

/* ----- tests ----- */

static void
test_backup_chain (Fixture *f, gconstpointer data)
{
  g_autofree gchar *machine = aqmp_test_service_add_machine (f->service, "vm0", f->qemu->address, NULL);
  g_autofree gchar *full_options = backup_options (f, "full");
  g_autofree gchar *inc_options = backup_options (f, "incremental");
  g_autofree gchar *copy0 = NULL;
  g_autofree gchar *copy1 = NULL;
  g_autofree gchar *full = NULL;
  g_autofree gchar *inc = NULL;
  g_autofree gchar *operation = NULL;
  g_autofree gchar *status = NULL;
  g_autofree gchar *restored0 = g_build_filename (f->dir, "restored0.qcow2", NULL);
  g_autofree gchar *restored1 = g_build_filename (f->dir, "restored1.qcow2", NULL);
  g_autoptr(GVariant) all = NULL;
  g_autoptr(GVariant) page = NULL;
  g_autoptr(GVariant) newest = NULL;
  g_autoptr(GVariant) oldest = NULL;
  g_autoptr(GVariant) images = NULL;
  g_autoptr(GVariant) image = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) problems = NULL;
  TotalWait total = { f, NULL };

  add_disk (f);
  aqmp_test_qemu_io (f->client, "disk0", "write -P 0xab 0 1M");
  copy0 = copy_source (f);
  /* an Execute makes the daemon check every command against QEMU's schema,
   * the backup's own too */
  {
    g_autofree gchar *result = aqmp_test_service_execute (f->service, machine, "query-status", "", &error);
    g_assert_no_error (error);
  }

  /* full: the Job follows the whole backup to its result */
  full = start_backup (f, machine, full_options, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wait_completed (f, full), ==, "true: ");
  operation = job_string (f, full, "Operation");
  g_assert_cmpstr (operation, ==, "backup");
  status = job_string (f, full, "Status");
  g_assert_cmpstr (status, ==, "success");
  g_assert_cmpuint (job_uint64 (f, full, "CurrentProgress"), ==, job_uint64 (f, full, "TotalProgress"));
  g_assert_cmpuint (job_uint64 (f, full, "TotalProgress"), >, 0);
  assert_progress_rose_to_one (f, full);

  /* incremental, held at the disk's first read until the Job was seen below 1 */
  aqmp_test_qemu_io (f->client, "disk0", "write -P 0xcd 2M 1M");
  copy1 = copy_source (f);
  aqmp_test_qemu_io (f->client, "disk0", "break read_aio held");
  inc = start_backup (f, machine, inc_options, &error);
  g_assert_no_error (error);
  total.path = inc;
  g_assert_true (aqmp_test_wait_until (total_known, &total, AQMP_TEST_WAIT_MS));
  g_assert_cmpuint (job_uint64 (f, inc, "TotalProgress"), ==, MIB);
  g_assert_cmpfloat (job_double (f, inc, "Progress"), <, 1.0);
  g_assert_false (g_hash_table_contains (f->completed, inc));
  aqmp_test_qemu_io (f->client, "disk0", "remove_break held");
  aqmp_test_qemu_io (f->client, "disk0", "resume held");
  g_assert_cmpstr (wait_completed (f, inc), ==, "true: ");
  g_assert_cmpuint (job_uint64 (f, inc, "CurrentProgress"), ==, MIB);
  g_assert_cmpuint (job_uint64 (f, inc, "TotalProgress"), ==, MIB);
  assert_progress_rose_to_one (f, inc);

  /* ListBackups: both, the newest first, one page at a time */
  all = list_backups (f, "{'machine': <'vm0'>}");
  g_assert_cmpuint (g_variant_n_children (all), ==, 2);
  newest = g_variant_get_child_value (all, 0);
  oldest = g_variant_get_child_value (all, 1);
  g_assert_cmpstr (backup_string (newest, "level"), ==, "incremental");
  g_assert_cmpstr (backup_string (newest, "state"), ==, "completed");
  g_assert_cmpint (backup_int (newest, "bytes"), ==, MIB);
  g_assert_cmpint (backup_int (newest, "parent"), ==, backup_int (oldest, "id"));
  g_assert_cmpstr (backup_string (oldest, "level"), ==, "full");
  g_assert_cmpstr (backup_string (oldest, "machine"), ==, "vm0");
  images = g_variant_lookup_value (newest, "images", G_VARIANT_TYPE ("aa{sv}"));
  g_assert_cmpuint (g_variant_n_children (images), ==, 1);
  image = g_variant_get_child_value (images, 0);
  g_assert_cmpstr (backup_string (image, "disk"), ==, "disk0");
  g_assert_true (g_str_has_prefix (backup_string (image, "path"), f->backups));
  page = list_backups (f, "{'limit': <uint32 1>, 'offset': <uint32 1>}");
  g_assert_cmpuint (g_variant_n_children (page), ==, 1);
  {
    g_autoptr(GVariant) second = g_variant_get_child_value (page, 0);
    g_assert_cmpint (backup_int (second, "id"), ==, backup_int (oldest, "id"));
  }
  {
    g_autoptr(GVariant) other = list_backups (f, "{'machine': <'vm1'>}");
    g_assert_cmpuint (g_variant_n_children (other), ==, 0);
  }

  /* each point restores to what the disk held then */
  restore (f, backup_int (oldest, "id"), restored0, &error);
  g_assert_no_error (error);
  assert_same_content (copy0, restored0);
  restore (f, backup_int (newest, "id"), restored1, &error);
  g_assert_no_error (error);
  assert_same_content (copy1, restored1);

  /* the backup's QEMU jobs are in the history, as the caller's */
  {
    g_autoptr(GVariant) reply = manager_call (f, "GetJobHistory",
                                              g_variant_new ("(@a{sv})", options_from_text ("{'machine': <'vm0'>}")),
                                              &error);
    g_autoptr(GVariant) jobs = NULL;

    g_assert_no_error (error);
    jobs = g_variant_get_child_value (reply, 0);
    /* two disks' worth: each backup's blockdev-create jobs and its backup job */
    g_assert_cmpuint (g_variant_n_children (jobs), >=, 4);
    for (gsize i = 0; i < g_variant_n_children (jobs); i++)
      {
        g_autoptr(GVariant) job = g_variant_get_child_value (jobs, i);
        gint64 uid = -1;

        g_assert_true (g_variant_lookup (job, "started-by-uid", "x", &uid));
        g_assert_cmpint (uid, ==, (gint64) getuid ());
      }
  }

  problems = verify (f, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (problems), ==, 0);
  g_clear_pointer (&problems, g_strfreev);
  problems = verify (f, backup_int (newest, "id"), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (problems), ==, 0);
}

/* Cancel on the Job cancels the held backup; the chain takes the next one */
static void
test_backup_cancel (Fixture *f, gconstpointer data)
{
  g_autofree gchar *machine = aqmp_test_service_add_machine (f->service, "vm0", f->qemu->address, NULL);
  g_autofree gchar *full_options = backup_options (f, "full");
  g_autofree gchar *inc_options = backup_options (f, "incremental");
  g_autofree gchar *full = NULL;
  g_autofree gchar *held = NULL;
  g_autofree gchar *next = NULL;
  g_autofree gchar *status = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) all = NULL;
  g_autoptr(GVariant) newest = NULL;
  g_autoptr(GError) error = NULL;
  TotalWait total = { f, NULL };

  add_disk (f);
  full = start_backup (f, machine, full_options, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wait_completed (f, full), ==, "true: ");
  aqmp_test_qemu_io (f->client, "disk0", "write -P 0x34 1M 1M");
  aqmp_test_qemu_io (f->client, "disk0", "break read_aio held");
  held = start_backup (f, machine, inc_options, &error);
  g_assert_no_error (error);
  total.path = held;
  g_assert_true (aqmp_test_wait_until (total_known, &total, AQMP_TEST_WAIT_MS));
  reply = aqmp_test_service_call (f->service, held, AQMP_TEST_JOB_IFACE, "Cancel", NULL, &error);
  g_assert_no_error (error);
  /* QEMU took the cancel before the held read goes on */
  g_assert_true (aqmp_test_wait_until (job_cancelling, &total, AQMP_TEST_WAIT_MS));
  aqmp_test_qemu_io (f->client, "disk0", "remove_break held");
  aqmp_test_qemu_io (f->client, "disk0", "resume held");
  g_assert_true (g_str_has_prefix (wait_completed (f, held), "false: "));
  status = job_string (f, held, "Status");
  g_assert_cmpstr (status, ==, "cancelled");

  next = start_backup (f, machine, inc_options, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wait_completed (f, next), ==, "true: ");
  g_assert_cmpuint (job_uint64 (f, next, "CurrentProgress"), ==, MIB);
  all = list_backups (f, "{}");
  g_assert_cmpuint (g_variant_n_children (all), ==, 3);
  newest = g_variant_get_child_value (all, 0);
  g_assert_cmpstr (backup_string (newest, "state"), ==, "completed");
  {
    g_autoptr(GVariant) cancelled = g_variant_get_child_value (all, 1);
    g_assert_cmpstr (backup_string (cancelled, "state"), ==, "cancelled");
  }
}

/* a chain `aqmp backup` began on the same database, continued by the daemon */
static void
test_backup_one_catalog (Fixture *f, gconstpointer data)
{
  g_autofree gchar *machine = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *copy = NULL;
  g_autofree gchar *inc = NULL;
  g_autofree gchar *restored = g_build_filename (f->dir, "restored.qcow2", NULL);
  g_autoptr(GVariant) all = NULL;
  g_autoptr(GVariant) newest = NULL;
  g_autoptr(GVariant) oldest = NULL;
  g_autoptr(GError) error = NULL;

  add_disk (f);
  aqmp_test_qemu_io (f->client, "disk0", "write -P 0x11 0 1M");
  /* one client at a time on a QMP socket: the tool takes the second monitor */
  g_clear_object (&f->client);
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "backup", "run", f->second, "--level", "full",
                                       "--disk", "disk0", "--to", f->backups, "--db", f->service->database,
                                       "--json", NULL), ==, 0);
  f->client = aqmp_test_connect (f->second);

  /* the daemon's machine of that name sees the tool's chain and continues it */
  machine = aqmp_test_service_add_machine (f->service, f->second, f->qemu->address, NULL);
  all = list_backups (f, "{}");
  g_assert_cmpuint (g_variant_n_children (all), ==, 1);
  g_clear_pointer (&all, g_variant_unref);
  aqmp_test_qemu_io (f->client, "disk0", "write -P 0x22 4M 1M");
  copy = copy_source (f);
  {
    g_autofree gchar *options = backup_options (f, "auto");
    inc = start_backup (f, machine, options, &error);
  }
  g_assert_no_error (error);
  g_assert_cmpstr (wait_completed (f, inc), ==, "true: ");
  {
    g_autofree gchar *filter = g_strdup_printf ("{'machine': <'%s'>}", f->second);
    all = list_backups (f, filter);
  }
  g_assert_cmpuint (g_variant_n_children (all), ==, 2);
  newest = g_variant_get_child_value (all, 0);
  oldest = g_variant_get_child_value (all, 1);
  g_assert_cmpstr (backup_string (newest, "level"), ==, "incremental");
  g_assert_cmpstr (backup_string (newest, "requested-level"), ==, "auto");
  g_assert_cmpint (backup_int (newest, "parent"), ==, backup_int (oldest, "id"));
  g_assert_cmpint (backup_int (newest, "bytes"), ==, MIB);
  restore (f, backup_int (newest, "id"), restored, &error);
  g_assert_no_error (error);
  assert_same_content (copy, restored);

  /* and the tool lists what the daemon made */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (aqmp_test_tool_run (NULL, NULL, &out, &err, "backup", "list", "--db", f->service->database,
                                       "--json", NULL), ==, 0);
  {
    g_autoptr(JsonNode) list = aqmp_json_parse (out, -1, NULL);
    g_assert_nonnull (list);
    g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 2);
  }
}

static void
assert_invalid_args (Fixture *f, const gchar *machine, const gchar *options, const gchar *needle)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = start_backup (f, machine, options, &error);

  g_assert_null (path);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
  if (strstr (error->message, needle) == NULL)
    g_error ("'%s' does not name '%s'", error->message, needle);
}

static void
assert_remote_error (const GError *error, const gchar *name)
{
  g_autofree gchar *remote = NULL;

  g_assert_nonnull (error);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, name);
}

static void
test_backup_refusals (Fixture *f, gconstpointer data)
{
  g_autofree gchar *machine = aqmp_test_service_add_machine (f->service, "vm0", f->qemu->address, NULL);
  g_autofree gchar *existing = g_build_filename (f->dir, "exists.qcow2", NULL);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) all = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) problems = NULL;

  assert_invalid_args (f, machine, "{'levle': <'full'>}", "'levle'");
  assert_invalid_args (f, machine, "{'speed': <'fast'>}", "'speed'");
  assert_invalid_args (f, machine, "{'disks': <'disk0'>}", "'disks'");
  assert_invalid_args (f, machine, "{'compress': <uint32 1>}", "'compress'");
  assert_invalid_args (f, machine, "{'level': <'weekly'>}", "'level'");
  assert_invalid_args (f, machine, "{'to': <'relative/dir'>}", "'to'");
  assert_invalid_args (f, machine, "{'to': <'/a'>, 'dir': <'/b'>}", "'dir'");
  assert_invalid_args (f, machine, "{'quiesce': <true>}", "'quiesce'");
  /* nothing was started or recorded */
  all = list_backups (f, "{}");
  g_assert_cmpuint (g_variant_n_children (all), ==, 0);
  g_assert_cmpuint (g_hash_table_size (f->completed), ==, 0);

  reply = manager_call (f, "ListBackups", g_variant_new ("(@a{sv})", options_from_text ("{'limit': <'10'>}")), &error);
  g_assert_null (reply);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "'limit'"));
  g_clear_error (&error);

  restore (f, 42, existing, &error);
  assert_remote_error (error, "io.github.aqmp.Aqmp1.Error.NotFound");
  g_clear_error (&error);
  problems = verify (f, 42, &error);
  g_assert_null (problems);
  assert_remote_error (error, "io.github.aqmp.Aqmp1.Error.NotFound");
  g_clear_error (&error);

  /* a backup that needs a chain there is none of fails as a Job, clearly */
  add_disk (f);
  {
    g_autofree gchar *options = backup_options (f, "incremental");
    g_autofree gchar *job = start_backup (f, machine, options, &error);
    const gchar *result;

    g_assert_no_error (error);
    result = wait_completed (f, job);
    g_assert_true (g_str_has_prefix (result, "false: "));
    g_assert_nonnull (strstr (result, "incremental"));
  }
  /* restore refuses a relative target, and never overwrites a file */
  {
    g_autofree gchar *options = backup_options (f, "full");
    g_autofree gchar *job = start_backup (f, machine, options, &error);
    g_autoptr(GVariant) one = NULL;
    g_autoptr(GVariant) newest = NULL;

    g_assert_no_error (error);
    g_assert_cmpstr (wait_completed (f, job), ==, "true: ");
    one = list_backups (f, "{'limit': <uint32 1>}");
    newest = g_variant_get_child_value (one, 0);
    g_assert_true (g_file_set_contents (existing, "keep me", -1, NULL));
    restore (f, backup_int (newest, "id"), existing, &error);
    g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
    g_clear_error (&error);
    {
      g_autofree gchar *kept = NULL;
      g_assert_true (g_file_get_contents (existing, &kept, NULL, NULL));
      g_assert_cmpstr (kept, ==, "keep me");
    }
    restore (f, backup_int (newest, "id"), "relative.qcow2", &error);
    g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
    g_clear_error (&error);
  }
}

/* quiesce: the machine's (fake) guest agent freezes while the backup starts, and thaws */
static void
test_backup_quiesce (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpTestFakeAgent) agent = aqmp_test_fake_agent_new ();
  g_autofree gchar *machine = NULL;
  g_autofree gchar *options = g_strdup_printf ("{'level': <'full'>, 'disks': <['disk0']>, 'to': <'%s'>,"
                                               " 'quiesce': <true>}", f->backups);
  g_autofree gchar *job = NULL;
  g_autoptr(GVariant) all = NULL;
  g_autoptr(GVariant) newest = NULL;
  g_autoptr(GError) error = NULL;
  gboolean quiesced = FALSE;
  GVariantBuilder machine_options;

  g_variant_builder_init (&machine_options, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add (&machine_options, "{sv}", "qga-address", g_variant_new_string (agent->address));
  machine = aqmp_test_service_add_machine (f->service, "vm0", f->qemu->address,
                                           g_variant_builder_end (&machine_options));
  add_disk (f);
  job = start_backup (f, machine, options, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wait_completed (f, job), ==, "true: ");
  g_assert_cmpuint (agent->log->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (agent->log, 0), ==, "guest-fsfreeze-freeze");
  g_assert_cmpstr (g_ptr_array_index (agent->log, 1), ==, "guest-fsfreeze-thaw");
  g_assert_false (agent->frozen);
  all = list_backups (f, "{}");
  newest = g_variant_get_child_value (all, 0);
  g_assert_true (g_variant_lookup (newest, "quiesced", "b", &quiesced));
  g_assert_true (quiesced);
}

/* ----- a daemon killed mid-backup, and the next one ----- */

/* the newest backup in the catalog, through the daemon */
static GVariant *
newest_backup (Fixture *f)
{
  g_autoptr(GVariant) one = list_backups (f, "{'limit': <uint32 1>}");

  g_assert_cmpuint (g_variant_n_children (one), ==, 1);
  return g_variant_get_child_value (one, 0);
}

static gboolean
newest_settled (gpointer user_data)
{
  g_autoptr(GVariant) newest = newest_backup (user_data);

  return g_strcmp0 (backup_string (newest, "state"), "running") != 0;
}

/* QEMU has no node of a backup and no job */
static gboolean
qemu_clean (gpointer user_data)
{
  Fixture *f = user_data;
  g_autoptr(JsonObject) flat = aqmp_test_object_from_json ("{\"flat\": true}");
  g_autoptr(JsonNode) nodes = aqmp_client_execute_sync (f->client, "query-named-block-nodes", flat, NULL, NULL);
  g_autoptr(JsonNode) jobs = aqmp_client_execute_sync (f->client, "query-jobs", NULL, NULL, NULL);
  g_autofree gchar *text = aqmp_json_to_string (nodes, FALSE);

  return strstr (text, "aqmp-backup-") == NULL && json_array_get_length (json_node_get_array (jobs)) == 0;
}

static gboolean
qemu_has_bitmap (Fixture *f, const gchar *bitmap)
{
  g_autoptr(JsonObject) flat = aqmp_test_object_from_json ("{\"flat\": true}");
  g_autoptr(JsonNode) nodes = aqmp_client_execute_sync (f->client, "query-named-block-nodes", flat, NULL, NULL);
  g_autofree gchar *text = aqmp_json_to_string (nodes, FALSE);
  g_autofree gchar *quoted = g_strdup_printf ("\"%s\"", bitmap);

  return strstr (text, quoted) != NULL;
}

/* a full backup through the daemon, then an incremental held at its first
 * read in QEMU when the daemon is killed; the incremental's id */
static gint64
kill_during_incremental (Fixture *f, const gchar *machine, gchar **copy, gchar **bitmap)
{
  g_autofree gchar *full_options = backup_options (f, "full");
  g_autofree gchar *inc_options = backup_options (f, "incremental");
  g_autofree gchar *full = NULL;
  g_autofree gchar *held = NULL;
  g_autoptr(GVariant) newest = NULL;
  g_autoptr(GVariant) images = NULL;
  g_autoptr(GVariant) image = NULL;
  g_autoptr(GError) error = NULL;
  TotalWait total = { f, NULL };

  add_disk (f);
  aqmp_test_qemu_io (f->client, "disk0", "write -P 0x11 0 1M");
  full = start_backup (f, machine, full_options, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wait_completed (f, full), ==, "true: ");
  aqmp_test_qemu_io (f->client, "disk0", "write -P 0xcd 2M 1M");
  *copy = copy_source (f);
  aqmp_test_qemu_io (f->client, "disk0", "break read_aio held");
  held = start_backup (f, machine, inc_options, &error);
  g_assert_no_error (error);
  total.path = held;
  g_assert_true (aqmp_test_wait_until (total_known, &total, AQMP_TEST_WAIT_MS));
  newest = newest_backup (f);
  g_assert_cmpstr (backup_string (newest, "state"), ==, "running");
  images = g_variant_lookup_value (newest, "images", G_VARIANT_TYPE ("aa{sv}"));
  image = g_variant_get_child_value (images, 0);
  *bitmap = g_strdup (backup_string (image, "bitmap"));

  aqmp_test_service_kill (f->service);
  /* the target nodes and the job stay in QEMU; nobody settles the row */
  g_assert_false (qemu_clean (f));
  return backup_int (newest, "id");
}

/* the next incremental through the (new) daemon builds on @parent and
 * copies what was written since; it restores */
static void
assert_next_incremental (Fixture *f, const gchar *machine, gint64 parent, const gchar *write)
{
  g_autofree gchar *options = backup_options (f, "incremental");
  g_autofree gchar *copy = NULL;
  g_autofree gchar *next = NULL;
  g_autofree gchar *restored = g_build_filename (f->dir, "restored-next.qcow2", NULL);
  g_autoptr(GVariant) newest = NULL;
  g_autoptr(GError) error = NULL;

  if (write != NULL)
    aqmp_test_qemu_io (f->client, "disk0", write);
  copy = copy_source (f);
  next = start_backup (f, machine, options, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wait_completed (f, next), ==, "true: ");
  newest = newest_backup (f);
  g_assert_cmpint (backup_int (newest, "parent"), ==, parent);
  g_assert_cmpint (backup_int (newest, "bytes"), ==, MIB);
  restore (f, backup_int (newest, "id"), restored, &error);
  g_assert_no_error (error);
  assert_same_content (copy, restored);
}

/* SIGKILLed while its incremental was held; the job completes while no
 * daemon runs. The next daemon, once it is connected to the machine,
 * settles the backup as completed (before any new backup is asked for),
 * removes its target nodes, and the chain builds on it */
static void
test_backup_killed_completed (Fixture *f, gconstpointer data)
{
  g_autofree gchar *machine = aqmp_test_service_add_machine (f->service, "vm0", f->qemu->address, NULL);
  g_autofree gchar *copy = NULL;
  g_autofree gchar *bitmap = NULL;
  g_autofree gchar *restored = g_build_filename (f->dir, "restored-settled.qcow2", NULL);
  g_autoptr(GVariant) settled = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) problems = NULL;
  gint64 id = kill_during_incremental (f, machine, &copy, &bitmap);

  aqmp_test_service_start (f->service, NULL);
  g_free (machine);
  machine = aqmp_test_service_add_machine (f->service, "vm0", f->qemu->address, NULL);
  /* the new daemon waits for the job QEMU still runs */
  settled = newest_backup (f);
  g_assert_cmpstr (backup_string (settled, "state"), ==, "running");
  g_clear_pointer (&settled, g_variant_unref);
  aqmp_test_qemu_io (f->client, "disk0", "remove_break held");
  aqmp_test_qemu_io (f->client, "disk0", "resume held");

  g_assert_true (aqmp_test_wait_until_polling (newest_settled, f, POLL_MS, AQMP_TEST_WAIT_MS * 3));
  settled = newest_backup (f);
  g_assert_cmpint (backup_int (settled, "id"), ==, id);
  g_assert_cmpstr (backup_string (settled, "state"), ==, "completed");
  g_assert_true (aqmp_test_wait_until_polling (qemu_clean, f, POLL_MS, AQMP_TEST_WAIT_MS));
  g_assert_true (qemu_has_bitmap (f, bitmap));
  restore (f, id, restored, &error);
  g_assert_no_error (error);
  assert_same_content (copy, restored);
  problems = verify (f, id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (problems), ==, 0);

  assert_next_incremental (f, machine, id, "write -P 0xef 4M 1M");
}

/* SIGKILLed while its incremental was held; the job is cancelled in QEMU
 * while no daemon runs. The next daemon settles the backup as cancelled,
 * deletes its image and removes its nodes; the bitmap was left as it was,
 * so the next incremental copies the same changes */
static void
test_backup_killed_cancelled (Fixture *f, gconstpointer data)
{
  g_autofree gchar *machine = aqmp_test_service_add_machine (f->service, "vm0", f->qemu->address, NULL);
  g_autofree gchar *copy = NULL;
  g_autofree gchar *bitmap = NULL;
  g_autofree gchar *cancel = NULL;
  g_autoptr(GVariant) settled = NULL;
  g_autoptr(GVariant) images = NULL;
  g_autoptr(GVariant) image = NULL;
  g_autoptr(AqmpEventWaiter) concluded = NULL;
  g_autoptr(AqmpEvent) event = NULL;
  g_autoptr(GError) error = NULL;
  gint64 id = kill_during_incremental (f, machine, &copy, &bitmap);
  g_autofree gchar *job = g_strdup_printf ("aqmp-backup-%" G_GINT64_FORMAT "-0", id);

  {
    g_autoptr(JsonObject) match = json_object_new ();
    json_object_set_string_member (match, "id", job);
    json_object_set_string_member (match, "status", "concluded");
    concluded = aqmp_event_waiter_new (f->client, "JOB_STATUS_CHANGE", match);
  }
  cancel = g_strdup_printf ("{\"id\": \"%s\"}", job);
  aqmp_test_qmp_ok (f->client, "job-cancel", cancel);
  aqmp_test_qemu_io (f->client, "disk0", "remove_break held");
  aqmp_test_qemu_io (f->client, "disk0", "resume held");
  event = aqmp_event_waiter_wait_sync (concluded, AQMP_TEST_WAIT_MS, NULL, &error);
  g_assert_no_error (error);

  aqmp_test_service_start (f->service, NULL);
  g_free (machine);
  machine = aqmp_test_service_add_machine (f->service, "vm0", f->qemu->address, NULL);
  g_assert_true (aqmp_test_wait_until_polling (newest_settled, f, POLL_MS, AQMP_TEST_WAIT_MS * 3));
  settled = newest_backup (f);
  g_assert_cmpint (backup_int (settled, "id"), ==, id);
  g_assert_cmpstr (backup_string (settled, "state"), ==, "cancelled");
  images = g_variant_lookup_value (settled, "images", G_VARIANT_TYPE ("aa{sv}"));
  image = g_variant_get_child_value (images, 0);
  g_assert_false (g_file_test (backup_string (image, "path"), G_FILE_TEST_EXISTS));
  g_assert_true (aqmp_test_wait_until_polling (qemu_clean, f, POLL_MS, AQMP_TEST_WAIT_MS));
  g_assert_true (qemu_has_bitmap (f, bitmap));

  /* the same MiB again, built on the full backup */
  assert_next_incremental (f, machine, backup_int (settled, "parent"), NULL);
}

static gboolean
freeze_held (gpointer user_data)
{
  AqmpTestFakeAgent *agent = user_data;

  return agent->held_freeze != NULL;
}

typedef struct {
  const gchar *path;
  const gchar *needle;
} LogWait;

static gboolean
log_has (gpointer user_data)
{
  LogWait *wait = user_data;
  g_autofree gchar *text = NULL;

  return g_file_get_contents (wait->path, &text, NULL, NULL) && strstr (text, wait->needle) != NULL;
}

/* `aqmp backup run` of a machine, held at its guest agent's freeze (its
 * backup recorded, its target made, no job started), while aqmpd
 * connects to the machine (one catalog, one machine name): the daemon's
 * reconcile leaves the tool's backup alone (running, its image there,
 * its nodes in QEMU) and the daemon's own backup of the machine is
 * refused as busy, recording nothing; released, the tool completes its
 * backup, which restores */
static void
test_backup_tool_running (Fixture *f, gconstpointer data)
{
  AqmpTestFakeAgent *agent = aqmp_test_fake_agent_new ();
  g_autofree gchar *options = backup_options (f, "incremental");
  g_autofree gchar *restored = g_build_filename (f->dir, "restored.qcow2", NULL);
  g_autofree gchar *copy = NULL;
  g_autofree gchar *machine = NULL;
  g_autofree gchar *refused = NULL;
  g_autofree gchar *nodes = NULL;
  g_autoptr(AqmpTestTool) tool = NULL;
  g_autoptr(GVariant) newest = NULL;
  g_autoptr(GVariant) images = NULL;
  g_autoptr(GVariant) image = NULL;
  g_autoptr(GVariant) all = NULL;
  g_autoptr(GError) error = NULL;
  LogWait wait = { NULL, "left to the process running them" };

  /* the daemon again, its log in a file */
  aqmp_test_service_stop (f->service);
  f->service->log = g_build_filename (f->dir, "aqmpd.log", NULL);
  wait.path = f->service->log;
  aqmp_test_service_start (f->service, NULL);

  add_disk (f);
  aqmp_test_qemu_io (f->client, "disk0", "write -P 0x41 0 1M");
  /* one client at a time on a QMP socket: the tool takes the second monitor */
  aqmp_client_disconnect_sync (f->client, NULL, NULL);
  g_clear_object (&f->client);
  agent->hold_freeze = TRUE;
  tool = aqmp_test_tool_spawn (NULL, NULL, "backup", "run", f->second, "--level", "full", "--disk", "disk0", "--to",
                               f->backups, "--db", f->service->database, "--json", "--qga", agent->address,
                               "--quiesce", NULL);
  if (!aqmp_test_wait_until (freeze_held, agent, AQMP_TEST_WAIT_MS))
    g_error ("the tool did not freeze: %s", tool->err.text->str);

  machine = aqmp_test_service_add_machine (f->service, f->second, f->qemu->address, NULL);
  g_assert_true (aqmp_test_wait_until_polling (log_has, &wait, POLL_MS, AQMP_TEST_WAIT_MS));
  newest = newest_backup (f);
  g_assert_cmpint (backup_int (newest, "id"), ==, 1);
  g_assert_cmpstr (backup_string (newest, "state"), ==, "running");
  images = g_variant_lookup_value (newest, "images", G_VARIANT_TYPE ("aa{sv}"));
  image = g_variant_get_child_value (images, 0);
  g_assert_true (g_file_test (backup_string (image, "path"), G_FILE_TEST_EXISTS));
  nodes = aqmp_test_service_execute (f->service, machine, "query-named-block-nodes", "{}", &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (nodes, "\"aqmp-backup-1-0\""));

  refused = start_backup (f, machine, options, &error);
  if (refused != NULL)
    {
      const gchar *outcome = wait_completed (f, refused);
      g_assert_true (g_str_has_prefix (outcome, "false: "));
      g_assert_nonnull (strstr (outcome, "Another process is backing up machine"));
    }
  else
    g_assert_nonnull (strstr (error->message, "Another process is backing up machine"));
  g_clear_error (&error);
  all = list_backups (f, "{}");
  g_assert_cmpuint (g_variant_n_children (all), ==, 1);
  g_assert_false (tool->exited);

  aqmp_test_fake_agent_release_freeze (agent);
  g_assert_cmpint (aqmp_test_tool_wait (tool), ==, 0);
  g_assert_nonnull (strstr (tool->out.text->str, "\"state\":\"completed\""));
  f->client = aqmp_test_connect (f->second);
  /* nothing wrote to the disk since the backup started */
  copy = copy_source (f);
  g_clear_pointer (&newest, g_variant_unref);
  newest = newest_backup (f);
  g_assert_cmpint (backup_int (newest, "id"), ==, 1);
  g_assert_cmpstr (backup_string (newest, "state"), ==, "completed");
  g_assert_true (aqmp_test_wait_until_polling (qemu_clean, f, POLL_MS, AQMP_TEST_WAIT_MS));
  restore (f, 1, restored, &error);
  g_assert_no_error (error);
  assert_same_content (copy, restored);
  aqmp_test_fake_agent_free (agent);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/service-backup/chain", Fixture, NULL, fixture_setup, test_backup_chain, fixture_teardown);
  g_test_add ("/service-backup/cancel", Fixture, NULL, fixture_setup, test_backup_cancel, fixture_teardown);
  g_test_add ("/service-backup/one-catalog", Fixture, NULL, fixture_setup, test_backup_one_catalog,
              fixture_teardown);
  g_test_add ("/service-backup/quiesce", Fixture, NULL, fixture_setup, test_backup_quiesce, fixture_teardown);
  g_test_add ("/service-backup/refusals", Fixture, NULL, fixture_setup, test_backup_refusals, fixture_teardown);
  g_test_add ("/service-backup/killed-completed", Fixture, NULL, fixture_setup, test_backup_killed_completed,
              fixture_teardown);
  g_test_add ("/service-backup/killed-cancelled", Fixture, NULL, fixture_setup, test_backup_killed_cancelled,
              fixture_teardown);
  g_test_add ("/service-backup/tool-running", Fixture, NULL, fixture_setup, test_backup_tool_running,
              fixture_teardown);
  return g_test_run ();
}
