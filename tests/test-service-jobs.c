/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * aqmpd's jobs across its own restarts, against a real QEMU 7.2 with two
 * QMP monitors (the daemon uses the first, the test the second): a job
 * that ends while the daemon is stopped, who started a job, transactions
 * and commands that start no job. Jobs are held on purpose: a blkdebug
 * target whose first write fails with ENOSPC stops a backup with
 * on-target-error=enospc until job-resume.
 */
#include <grp.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <gio/gunixinputstream.h>

#include <aqmp/aqmp-jobs.h>

#include "aqmp-test-cli.h"
#include "aqmp-test-service.h"

/* nobody's uid and gid, for a job started by someone else than root */
#define OTHER_UID 65534

typedef struct {
  AqmpTestQemu *qemu;
  AqmpTestService *service;
  gchar *dir;              /* the second monitor's socket */
  gchar *second;           /* its address */
  gchar *machine;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autofree gchar *path = NULL;
  g_autofree gchar *chardev = NULL;

  f->dir = aqmp_test_make_dir ();
  path = g_build_filename (f->dir, "qmp2.sock", NULL);
  chardev = g_strdup_printf ("socket,id=mon1,path=%s,server=on,wait=off", path);
  {
    const gchar *extra[] = { "-chardev", chardev, "-mon", "chardev=mon1,mode=control", NULL };
    f->qemu = aqmp_test_qemu_new (extra);
  }
  aqmp_test_qemu_wait_for_socket (f->qemu, path);
  f->second = g_strdup_printf ("unix:%s", path);
  f->service = aqmp_test_service_new (NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->service, aqmp_test_service_free);
  g_clear_pointer (&f->qemu, aqmp_test_qemu_free);
  aqmp_test_remove_dir (f->dir);
  g_free (f->dir);
  g_free (f->second);
  g_free (f->machine);
}

/* ----- helpers ----- */

static void
execute_ok (Fixture *f, const gchar *command, const gchar *arguments)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *result = aqmp_test_service_execute (f->service, f->machine, command, arguments, &error);

  g_assert_no_error (error);
}

static void
qmp (AqmpClient *client, const gchar *command, const gchar *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) args = aqmp_test_object_from_json (json);
  g_autoptr(JsonNode) value = aqmp_client_execute_sync (client, command, args, NULL, &error);

  g_assert_no_error (error);
}

/* "data", real data, and "held", whose first write fails with ENOSPC */
static void
add_held_nodes (Fixture *f)
{
  g_autofree gchar *image = g_build_filename (f->dir, "held.raw", NULL);
  g_autofree gchar *content = g_malloc (1048576);
  g_autofree gchar *source = NULL;

  memset (content, 0x5a, 1048576);
  g_assert_true (g_file_set_contents (image, content, 1048576, NULL));
  source = g_strdup_printf ("{\"driver\": \"raw\", \"node-name\": \"data\", \"file\": {\"driver\": \"file\","
                            " \"filename\": \"%s\"}}", image);
  execute_ok (f, "blockdev-add", source);
  execute_ok (f, "blockdev-add", "{\"driver\": \"blkdebug\", \"node-name\": \"held\", \"image\": {\"driver\": \"null-co\","
                                 " \"size\": 1048576}, \"inject-error\": [{\"event\": \"none\", \"errno\": 28,"
                                 " \"once\": true, \"iotype\": \"write\"}]}");
}

#define HELD_BACKUP "\"device\": \"data\", \"target\": \"held\", \"sync\": \"full\", \"on-target-error\": \"enospc\""

static AqmpEventWaiter *
event_waiter (AqmpClient *client, const gchar *name, const gchar *match)
{
  g_autoptr(JsonObject) data = aqmp_test_object_from_json (match);

  return aqmp_event_waiter_new (client, name, data);
}

static void
wait_event (AqmpEventWaiter *waiter)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpEvent) event = aqmp_event_waiter_wait_sync (waiter, AQMP_TEST_WAIT_MS, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (event);
}

static GVariant *
start_job (Fixture *f, const gchar *command, const gchar *arguments, GError **error)
{
  return aqmp_test_service_call (f->service, AQMP_TEST_SERVICE_PATH, AQMP_TEST_MANAGER_IFACE, "StartJob",
                                 g_variant_new ("(oss)", f->machine, command, arguments), error);
}

/* the jobs that appear and complete, as the bus tells */
typedef struct {
  GPtrArray *added;        /* object paths of new Job objects */
  GPtrArray *completed;    /* object paths that sent Completed */
  GPtrArray *successes;    /* "true" or "false", with the above */
  guint ids[2];
} JobLog;

static void
interfaces_added_cb (GDBusConnection *connection, const gchar *sender, const gchar *path,
                     const gchar *iface, const gchar *signal, GVariant *parameters, gpointer user_data)
{
  JobLog *log = user_data;
  g_autoptr(GVariant) interfaces = NULL;
  g_autoptr(GVariant) job = NULL;
  const gchar *object = NULL;

  g_variant_get (parameters, "(&o@a{sa{sv}})", &object, &interfaces);
  job = g_variant_lookup_value (interfaces, AQMP_TEST_JOB_IFACE, NULL);
  if (job != NULL)
    g_ptr_array_add (log->added, g_strdup (object));
}

static void
completed_cb (GDBusConnection *connection, const gchar *sender, const gchar *path,
              const gchar *iface, const gchar *signal, GVariant *parameters, gpointer user_data)
{
  JobLog *log = user_data;
  gboolean success = FALSE;

  g_variant_get (parameters, "(b&s)", &success, NULL);
  g_ptr_array_add (log->completed, g_strdup (path));
  g_ptr_array_add (log->successes, g_strdup (success ? "true" : "false"));
}

static void
job_log_init (Fixture *f, JobLog *log)
{
  log->added = g_ptr_array_new_with_free_func (g_free);
  log->completed = g_ptr_array_new_with_free_func (g_free);
  log->successes = g_ptr_array_new_with_free_func (g_free);
  log->ids[0] = g_dbus_connection_signal_subscribe (f->service->connection, NULL,
                                                    "org.freedesktop.DBus.ObjectManager", "InterfacesAdded",
                                                    AQMP_TEST_SERVICE_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                    interfaces_added_cb, log, NULL);
  log->ids[1] = g_dbus_connection_signal_subscribe (f->service->connection, NULL, AQMP_TEST_JOB_IFACE,
                                                    "Completed", NULL, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                    completed_cb, log, NULL);
}

static void
job_log_clear (Fixture *f, JobLog *log)
{
  g_dbus_connection_signal_unsubscribe (f->service->connection, log->ids[0]);
  g_dbus_connection_signal_unsubscribe (f->service->connection, log->ids[1]);
  g_clear_pointer (&log->added, g_ptr_array_unref);
  g_clear_pointer (&log->completed, g_ptr_array_unref);
  g_clear_pointer (&log->successes, g_ptr_array_unref);
}

typedef struct {
  GPtrArray *array;
  guint n;
} CountWait;

static gboolean
has_count (gpointer user_data)
{
  CountWait *w = user_data;

  return w->array->len >= w->n;
}

static void
wait_count (GPtrArray *array, guint n)
{
  CountWait w = { array, n };

  g_assert_true (aqmp_test_wait_until (has_count, &w, AQMP_TEST_WAIT_MS));
}

static guint32
get_uid (Fixture *f, const gchar *job)
{
  g_autoptr(GVariant) value = aqmp_test_service_get (f->service, job, AQMP_TEST_JOB_IFACE, "StartedByUID");

  return g_variant_get_uint32 (value);
}

static GVariant *
get_history (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = aqmp_test_service_call (f->service, AQMP_TEST_SERVICE_PATH, AQMP_TEST_MANAGER_IFACE,
                                                      "GetJobHistory", g_variant_new ("(a{sv})", NULL), &error);

  g_assert_no_error (error);
  return g_variant_get_child_value (reply, 0);
}

/* the history's entries for @job_id; the first in *entry */
static guint
history_count (GVariant *history, const gchar *job_id, GVariant **entry)
{
  guint n = 0;

  for (gsize i = 0; i < g_variant_n_children (history); i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (history, i);
      const gchar *id = NULL;

      if (!g_variant_lookup (child, "job-id", "&s", &id) || g_strcmp0 (id, job_id) != 0)
        continue;
      if (n++ == 0 && entry != NULL)
        *entry = g_variant_ref (child);
    }
  return n;
}

static const gchar *
entry_string (GVariant *entry, const gchar *key)
{
  const gchar *value = NULL;

  g_assert_true (g_variant_lookup (entry, key, "&s", &value));
  return value;
}

static void
add_machine (Fixture *f)
{
  g_free (f->machine);
  f->machine = aqmp_test_service_add_machine (f->service, "vm", f->qemu->address, NULL);
}

/* ----- a job that ends while the daemon is stopped ----- */

static void
test_ends_while_stopped (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpClient) second = aqmp_test_connect (f->second);
  g_autoptr(AqmpEventWaiter) held = event_waiter (second, "BLOCK_JOB_ERROR", "{\"device\": \"away0\", \"action\": \"stop\"}");
  g_autoptr(AqmpEventWaiter) concluded = event_waiter (second, "JOB_STATUS_CHANGE",
                                                       "{\"id\": \"away0\", \"status\": \"concluded\"}");
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) history = NULL;
  g_autoptr(GVariant) entry = NULL;
  g_autoptr(GError) error = NULL;
  JobLog log = { 0 };
  gint64 uid = -1;
  const gchar *job;

  add_machine (f);
  add_held_nodes (f);
  reply = start_job (f, "blockdev-backup", "{\"job-id\": \"away0\", " HELD_BACKUP "}", &error);
  g_assert_no_error (error);
  wait_event (held);

  /* the daemon stops; the job is released and ends meanwhile */
  aqmp_test_service_stop (f->service);
  qmp (second, "job-resume", "{\"id\": \"away0\"}");
  wait_event (concluded);

  aqmp_test_service_start (f->service, NULL);
  job_log_init (f, &log);
  add_machine (f);
  /* the daemon finds it, with who started it, and records its end */
  wait_count (log.completed, 1);
  job = g_ptr_array_index (log.completed, 0);
  g_assert_cmpstr (g_ptr_array_index (log.successes, 0), ==, "true");
  g_assert_cmpuint (get_uid (f, job), ==, getuid ());
  history = get_history (f);
  g_assert_cmpuint (history_count (history, "away0", &entry), ==, 1);
  g_assert_cmpstr (entry_string (entry, "result"), ==, "success");
  g_assert_cmpstr (entry_string (entry, "command"), ==, "blockdev-backup");
  g_assert_true (g_variant_lookup (entry, "started-by-uid", "x", &uid));
  g_assert_cmpint (uid, ==, getuid ());
  job_log_clear (f, &log);
}

/*
 * Who started a job survives a restart: here the aqmp tool, run as
 * another user (nobody, when the test runs as root), starts it on the
 * daemon's job store and leaves it held; the daemon, started again,
 * follows it as that user's.
 */
static void
drop_to_other_user (gpointer user_data)
{
  if (user_data == NULL)
    return;
  /* in the child, between fork and exec; a failure shows as the tool's */
  if (setgroups (0, NULL) != 0 || setgid (OTHER_UID) != 0 || setuid (OTHER_UID) != 0)
    _exit (125);
}

static void
open_up_for_other_user (Fixture *f)
{
  g_autofree gchar *qemu_dir = g_path_get_dirname (f->qemu->socket_path);

  /* the tool, as nobody, reaches QEMU's socket and writes the store */
  g_assert_cmpint (g_chmod (qemu_dir, 0755), ==, 0);
  g_assert_cmpint (g_chmod (f->qemu->socket_path, 0777), ==, 0);
  g_assert_cmpint (g_chmod (f->service->dir, 0777), ==, 0);
  g_assert_cmpint (g_chmod (f->service->database, 0666), ==, 0);
}

/* a build tree under root's home is out of nobody's reach: then the
 * tool runs as the test's own user, whose uid the daemon must keep all
 * the same (it is never the "unknown" 4294967295) */
static gboolean
other_user_can_run_tool (void)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) probe = NULL;

  if (getuid () != 0)
    return FALSE;
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, drop_to_other_user, GINT_TO_POINTER (TRUE), NULL);
  probe = g_subprocess_launcher_spawn (launcher, NULL, g_getenv ("AQMP_TOOL"), "--version", NULL);
  return probe != NULL && g_subprocess_wait_check (probe, NULL, NULL);
}

static void
test_started_by_other_user (Fixture *f, gconstpointer data)
{
  gboolean as_other = other_user_can_run_tool ();
  guint32 other = as_other ? OTHER_UID : getuid ();
  g_autoptr(AqmpClient) second = aqmp_test_connect (f->second);
  g_autoptr(AqmpEventWaiter) held = event_waiter (second, "BLOCK_JOB_ERROR", "{\"device\": \"theirs0\", \"action\": \"stop\"}");
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  AqmpTestOutput out = { 0 };
  g_autoptr(GSubprocess) tool = NULL;
  g_autoptr(GVariant) history = NULL;
  g_autoptr(GVariant) entry = NULL;
  g_autoptr(GError) error = NULL;
  JobLog log = { 0 };
  gint64 uid = -1;
  const gchar *job;

  add_machine (f);
  add_held_nodes (f);
  aqmp_test_service_stop (f->service);
  open_up_for_other_user (f);

  g_test_message ("the tool runs as uid %u", other);
  g_subprocess_launcher_set_child_setup (launcher, drop_to_other_user, GINT_TO_POINTER (as_other), NULL);
  tool = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("AQMP_TOOL"), "job", "start", "--detach",
                                      "--db", f->service->database, f->qemu->address, "blockdev-backup",
                                      "job-id=theirs0", "device=data", "target=held", "sync=full",
                                      "on-target-error=enospc", NULL);
  g_assert_no_error (error);
  aqmp_test_output_init (&out, g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (g_subprocess_get_stdout_pipe (tool))));
  /* --detach prints the job's id and returns once it has started */
  aqmp_test_output_wait_for (&out, "theirs0\n", 0);
  g_assert_true (g_subprocess_wait_check (tool, NULL, &error));
  g_assert_no_error (error);
  wait_event (held);
  aqmp_test_output_clear (&out);

  aqmp_test_service_start (f->service, NULL);
  job_log_init (f, &log);
  add_machine (f);
  wait_count (log.added, 1);
  job = g_ptr_array_index (log.added, 0);
  g_assert_cmpuint (get_uid (f, job), ==, other);

  qmp (second, "job-resume", "{\"id\": \"theirs0\"}");
  wait_count (log.completed, 1);
  g_assert_cmpstr (g_ptr_array_index (log.successes, 0), ==, "true");
  history = get_history (f);
  g_assert_cmpuint (history_count (history, "theirs0", &entry), ==, 1);
  g_assert_cmpstr (entry_string (entry, "result"), ==, "success");
  g_assert_true (g_variant_lookup (entry, "started-by-uid", "x", &uid));
  g_assert_cmpint (uid, ==, other);
  job_log_clear (f, &log);
}

/* ----- what StartJob starts ----- */

static void
test_transaction (Fixture *f, gconstpointer data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) history = NULL;
  g_autoptr(GVariant) a = NULL;
  g_autoptr(GVariant) b = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *first = NULL;
  JobLog log = { 0 };

  add_machine (f);
  execute_ok (f, "blockdev-add", "{\"driver\": \"null-co\", \"node-name\": \"src\", \"size\": 4194304}");
  execute_ok (f, "blockdev-add", "{\"driver\": \"null-co\", \"node-name\": \"dst1\", \"size\": 4194304}");
  execute_ok (f, "blockdev-add", "{\"driver\": \"null-co\", \"node-name\": \"dst2\", \"size\": 4194304}");
  job_log_init (f, &log);
  reply = start_job (f, "transaction",
                     "{\"actions\": ["
                     "{\"type\": \"blockdev-backup\", \"data\": {\"job-id\": \"tx0\", \"device\": \"src\","
                     " \"target\": \"dst1\", \"sync\": \"full\"}},"
                     "{\"type\": \"blockdev-backup\", \"data\": {\"job-id\": \"tx1\", \"device\": \"src\","
                     " \"target\": \"dst2\", \"sync\": \"full\"}}]}", &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(o)", &first);
  /* one object per job; the answer is the first */
  wait_count (log.completed, 2);
  g_assert_cmpuint (log.added->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (log.added, 0), ==, first);
  for (guint i = 0; i < 2; i++)
    g_assert_cmpstr (g_ptr_array_index (log.successes, i), ==, "true");
  history = get_history (f);
  g_assert_cmpuint (history_count (history, "tx0", &a), ==, 1);
  g_assert_cmpuint (history_count (history, "tx1", &b), ==, 1);
  g_assert_cmpstr (entry_string (a, "command"), ==, "transaction");
  g_assert_cmpstr (entry_string (b, "result"), ==, "success");
  job_log_clear (f, &log);
}

static void
test_not_a_job (Fixture *f, gconstpointer data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) history = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *remote = NULL;

  add_machine (f);
  reply = start_job (f, "query-status", "", &error);
  g_assert_null (reply);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, "io.github.aqmp.Aqmp1.Error.InvalidArgs");
  g_assert_nonnull (strstr (error->message, "does not start a job"));
  history = get_history (f);
  g_assert_cmpuint (g_variant_n_children (history), ==, 0);
}

/* ----- the history, a page at a time ----- */

/* the rows GetJobHistory gives for @filter (a GVariant text), as "5,4" */
static gchar *
history_rows (AqmpTestService *service, const gchar *filter)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) history = NULL;
  g_autoptr(GString) rows = g_string_new (NULL);
  g_autofree gchar *call = g_strdup_printf ("(%s,)", filter);

  reply = aqmp_test_service_call (service, AQMP_TEST_SERVICE_PATH, AQMP_TEST_MANAGER_IFACE, "GetJobHistory",
                                  g_variant_new_parsed (call), &error);
  g_assert_no_error (error);
  history = g_variant_get_child_value (reply, 0);
  for (gsize i = 0; i < g_variant_n_children (history); i++)
    {
      g_autoptr(GVariant) entry = g_variant_get_child_value (history, i);
      gint64 row = 0;

      g_assert_true (g_variant_lookup (entry, "id", "x", &row));
      g_string_append_printf (rows, "%s%" G_GINT64_FORMAT, i > 0 ? "," : "", row);
    }
  return g_string_free (g_steal_pointer (&rows), FALSE);
}

#define assert_history(service, filter, expected) \
  G_STMT_START { \
    g_autofree gchar *rows_ = history_rows (service, filter); \
    g_assert_cmpstr (rows_, ==, expected); \
  } G_STMT_END

/* "offset" and "limit" page the history, the newest first, after the
 * machine and active-only filters; the rows are written by another
 * process, as aqmp job does, while aqmpd runs */
static void
test_history_paged (void)
{
  g_autoptr(AqmpTestService) service = aqmp_test_service_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpJobStore) store = aqmp_job_store_new (service->database, &error);

  g_assert_no_error (error);
  for (gint64 i = 1; i <= 5; i++)
    {
      g_autofree gchar *id = g_strdup_printf ("job-%" G_GINT64_FORMAT, i);
      gint64 row = aqmp_job_store_add_job (store, i % 2 ? "vm1" : "vm2", id, "blockdev-backup", NULL, i, &error);

      g_assert_no_error (error);
      g_assert_cmpint (row, ==, i);
      if (i <= 2)
        g_assert_true (aqmp_job_store_finish_job (store, row, AQMP_JOB_RESULT_SUCCESS, NULL, 10 + i, &error));
    }
  assert_history (service, "@a{sv} {}", "5,4,3,2,1");
  assert_history (service, "{'limit': <uint32 2>}", "5,4");
  assert_history (service, "{'limit': <uint32 2>, 'offset': <uint32 2>}", "3,2");
  assert_history (service, "{'limit': <uint32 2>, 'offset': <uint32 4>}", "1");
  assert_history (service, "{'limit': <uint32 2>, 'offset': <uint32 5>}", "");
  assert_history (service, "{'offset': <uint32 3>}", "2,1");
  assert_history (service, "{'limit': <uint32 0>}", "");
  assert_history (service, "{'machine': <'vm1'>, 'limit': <uint32 1>, 'offset': <uint32 1>}", "3");
  assert_history (service, "{'active-only': <true>, 'limit': <uint32 2>, 'offset': <uint32 1>}", "4,3");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/aqmp/service/job/ends-while-stopped", Fixture, NULL, fixture_setup, test_ends_while_stopped, fixture_teardown);
  g_test_add ("/aqmp/service/job/started-by-other-user", Fixture, NULL, fixture_setup, test_started_by_other_user, fixture_teardown);
  g_test_add ("/aqmp/service/job/transaction", Fixture, NULL, fixture_setup, test_transaction, fixture_teardown);
  g_test_add ("/aqmp/service/job/not-a-job", Fixture, NULL, fixture_setup, test_not_a_job, fixture_teardown);
  g_test_add_func ("/aqmp/service/job/history-paged", test_history_paged);
  return g_test_run ();
}
