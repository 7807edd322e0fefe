/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * aqmpd on a private bus (GTestDBus), started from the build tree, against
 * a real QEMU 7.2.
 */
#include <string.h>

#include "aqmp-test-fake-agent.h"
#include "aqmp-test-hold.h"
#include "aqmp-test-service.h"

#define GIB (1024 * 1024 * (gint64) 1024)

typedef struct {
  AqmpTestQemu *qemu;
  AqmpTestService *service;
  gchar *machine;
  AqmpClient *control;     /* the test's own monitor, to hold jobs */
  gchar *control_dir;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->qemu = aqmp_test_qemu_new (NULL);
  f->service = aqmp_test_service_new (data);
}

static void
fixture_setup_machine (Fixture *f, gconstpointer data)
{
  fixture_setup (f, data);
  f->machine = aqmp_test_service_add_machine (f->service, "vm", f->qemu->address, NULL);
}

/* and a second monitor for the test's own client */
static void
fixture_setup_held (Fixture *f, gconstpointer data)
{
  g_autofree gchar *second = NULL;

  f->qemu = aqmp_test_qemu_new_two_monitors (&f->control_dir, &second);
  f->service = aqmp_test_service_new (data);
  f->machine = aqmp_test_service_add_machine (f->service, "vm", f->qemu->address, NULL);
  f->control = aqmp_test_connect (second);
}

/* the machine on the daemon's command line, for daemons that refuse AddMachine */
static void
fixture_setup_configured (Fixture *f, gconstpointer data)
{
  const gchar * const *extra = data;
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);

  f->qemu = aqmp_test_qemu_new (NULL);
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (args, g_strdup (extra[i]));
  g_ptr_array_add (args, g_strdup ("--machine"));
  g_ptr_array_add (args, g_strdup_printf ("vm=%s", f->qemu->address));
  g_ptr_array_add (args, NULL);
  f->service = aqmp_test_service_new ((const gchar * const *) args->pdata);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->control);
  g_clear_pointer (&f->service, aqmp_test_service_free);
  g_clear_pointer (&f->qemu, aqmp_test_qemu_free);
  g_clear_pointer (&f->machine, g_free);
  if (f->control_dir != NULL)
    aqmp_test_remove_dir (f->control_dir);
  g_clear_pointer (&f->control_dir, g_free);
}

/* ----- helpers ----- */

static void
assert_dbus_error (GError *error, const gchar *name)
{
  g_autofree gchar *remote = NULL;

  g_assert_nonnull (error);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, name);
}

static void
execute_ok (Fixture *f, const gchar *command, const gchar *arguments)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *result = aqmp_test_service_execute (f->service, f->machine, command, arguments, &error);

  g_assert_no_error (error);
  g_assert_nonnull (result);
}

static gchar *
get_string (Fixture *f, const gchar *path, const gchar *iface, const gchar *name)
{
  g_autoptr(GVariant) value = aqmp_test_service_get (f->service, path, iface, name);

  return g_variant_dup_string (value, NULL);
}

static gboolean
get_boolean (Fixture *f, const gchar *path, const gchar *iface, const gchar *name)
{
  g_autoptr(GVariant) value = aqmp_test_service_get (f->service, path, iface, name);

  return g_variant_get_boolean (value);
}

/* two null-co nodes: a backup between them reads nothing and writes nothing */
static void
add_null_nodes (Fixture *f, const gchar *size)
{
  g_autofree gchar *src = g_strdup_printf ("{\"driver\": \"null-co\", \"node-name\": \"src\", \"size\": %s}", size);
  g_autofree gchar *dst = g_strdup_printf ("{\"driver\": \"null-co\", \"node-name\": \"dst\", \"size\": %s}", size);

  execute_ok (f, "blockdev-add", src);
  execute_ok (f, "blockdev-add", dst);
}

/* src, and dst that holds a job until the test releases it (aqmp-test-hold.h) */
static void
add_held_nodes (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) src = aqmp_test_object_from_json ("{\"driver\": \"null-co\", \"node-name\": \"src\","
                                                          " \"size\": 1073741824}");
  g_autoptr(JsonNode) value = aqmp_client_execute_sync (f->control, "blockdev-add", src, NULL, &error);

  g_assert_no_error (error);
  aqmp_test_hold_add (f->control, "dst", GIB);
}

static gchar *
start_backup (Fixture *f, const gchar *job_id)
{
  g_autofree gchar *args = g_strdup_printf ("{\"job-id\": \"%s\", \"device\": \"src\", \"target\": \"dst\","
                                            " \"sync\": \"full\"}", job_id);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  gchar *path = NULL;

  reply = aqmp_test_service_call (f->service, AQMP_TEST_SERVICE_PATH, AQMP_TEST_MANAGER_IFACE, "StartJob",
                                  g_variant_new ("(oss)", f->machine, "blockdev-backup", args), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(o)", &path);
  return path;
}

/* what a test sees of one job through signals */
typedef struct {
  GPtrArray *progress;     /* gdouble*, each Progress sent */
  GArray *times;           /* gint64, monotonic time of each PropertiesChanged */
  gchar *status;
  gboolean completed;
  gboolean success;
  gchar *message;
} JobWatch;

static void
job_watch_clear (JobWatch *w)
{
  g_clear_pointer (&w->progress, g_ptr_array_unref);
  g_clear_pointer (&w->times, g_array_unref);
  g_clear_pointer (&w->status, g_free);
  g_clear_pointer (&w->message, g_free);
}

static void
job_properties_cb (GDBusConnection *connection, const gchar *sender, const gchar *path,
                   const gchar *iface, const gchar *signal, GVariant *parameters, gpointer user_data)
{
  JobWatch *w = user_data;
  g_autoptr(GVariant) changed = NULL;
  const gchar *iface_name = NULL;
  const gchar *status = NULL;
  gdouble progress;
  gint64 now = g_get_monotonic_time ();

  g_variant_get (parameters, "(&s@a{sv}@as)", &iface_name, &changed, NULL);
  if (g_strcmp0 (iface_name, AQMP_TEST_JOB_IFACE) != 0)
    return;
  g_array_append_val (w->times, now);
  if (g_variant_lookup (changed, "Progress", "d", &progress))
    g_ptr_array_add (w->progress, g_memdup2 (&progress, sizeof progress));
  if (g_variant_lookup (changed, "Status", "&s", &status))
    {
      g_free (w->status);
      w->status = g_strdup (status);
    }
}

static void
job_completed_cb (GDBusConnection *connection, const gchar *sender, const gchar *path,
                  const gchar *iface, const gchar *signal, GVariant *parameters, gpointer user_data)
{
  JobWatch *w = user_data;

  g_variant_get (parameters, "(bs)", &w->success, &w->message);
  w->completed = TRUE;
}

/* subscribes to every job's signals, before the job exists */
static void
job_watch_init (Fixture *f, JobWatch *w, guint ids[2])
{
  GDBusConnection *c = f->service->connection;

  w->progress = g_ptr_array_new_with_free_func (g_free);
  w->times = g_array_new (FALSE, FALSE, sizeof (gint64));
  ids[0] = g_dbus_connection_signal_subscribe (c, NULL, "org.freedesktop.DBus.Properties",
                                               "PropertiesChanged", NULL, NULL,
                                               G_DBUS_SIGNAL_FLAGS_NONE, job_properties_cb, w, NULL);
  ids[1] = g_dbus_connection_signal_subscribe (c, NULL, AQMP_TEST_JOB_IFACE, "Completed", NULL, NULL,
                                               G_DBUS_SIGNAL_FLAGS_NONE, job_completed_cb, w, NULL);
}

static void
job_watch_done (Fixture *f, JobWatch *w, guint ids[2])
{
  g_dbus_connection_signal_unsubscribe (f->service->connection, ids[0]);
  g_dbus_connection_signal_unsubscribe (f->service->connection, ids[1]);
  job_watch_clear (w);
}

static GVariant *
get_history (Fixture *f, const gchar *machine)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  GVariantBuilder filter;

  g_variant_builder_init (&filter, G_VARIANT_TYPE_VARDICT);
  if (machine != NULL)
    g_variant_builder_add (&filter, "{sv}", "machine", g_variant_new_string (machine));
  reply = aqmp_test_service_call (f->service, AQMP_TEST_SERVICE_PATH, AQMP_TEST_MANAGER_IFACE,
                                  "GetJobHistory", g_variant_new ("(a{sv})", &filter), &error);
  g_assert_no_error (error);
  return g_variant_get_child_value (reply, 0);
}

/* the history's entry for @job_id, or NULL */
static GVariant *
history_find (GVariant *history, const gchar *job_id)
{
  for (gsize i = 0; i < g_variant_n_children (history); i++)
    {
      g_autoptr(GVariant) entry = g_variant_get_child_value (history, i);
      const gchar *id = NULL;

      if (g_variant_lookup (entry, "job-id", "&s", &id) && g_strcmp0 (id, job_id) == 0)
        return g_steal_pointer (&entry);
    }
  return NULL;
}

/* ----- machines ----- */

static void
test_add_execute (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *result = NULL;
  g_autofree gchar *name = NULL;
  g_autofree gchar *address = NULL;
  g_autofree gchar *state = NULL;
  g_autoptr(JsonObject) status = NULL;

  g_assert_cmpstr (f->machine, ==, AQMP_TEST_SERVICE_PATH "/machines/1");
  name = get_string (f, f->machine, AQMP_TEST_MACHINE_IFACE, "Name");
  address = get_string (f, f->machine, AQMP_TEST_MACHINE_IFACE, "Address");
  g_assert_cmpstr (name, ==, "vm");
  g_assert_cmpstr (address, ==, f->qemu->address);
  g_assert_true (get_boolean (f, f->machine, AQMP_TEST_MACHINE_IFACE, "Connected"));

  result = aqmp_test_service_execute (f->service, f->machine, "query-status", "", &error);
  g_assert_no_error (error);
  status = aqmp_test_object_from_json (result);
  g_assert_true (json_object_get_boolean_member (status, "running"));
  state = get_string (f, f->machine, AQMP_TEST_MACHINE_IFACE, "RunState");
  g_assert_cmpstr (state, ==, json_object_get_string_member (status, "status"));
}

static void
test_execute_errors (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *r1 = NULL;
  g_autofree gchar *r2 = NULL;
  g_autofree gchar *r3 = NULL;

  /* QEMU's class and words come through */
  r1 = aqmp_test_service_execute (f->service, f->machine, "qom-get", "{\"path\": \"/nonexistent\", \"property\": \"type\"}",
                                  &error);
  assert_dbus_error (error, "io.github.aqmp.Aqmp1.Error.Command");
  g_assert_nonnull (strstr (error->message, "DeviceNotFound"));
  g_clear_error (&error);

  r2 = aqmp_test_service_execute (f->service, f->machine, "query-status", "[1, 2]", &error);
  assert_dbus_error (error, "io.github.aqmp.Aqmp1.Error.InvalidArgs");
  g_clear_error (&error);

  /* machine-destroying commands need allow-destructive */
  r3 = aqmp_test_service_execute (f->service, f->machine, "quit", "", &error);
  assert_dbus_error (error, "io.github.aqmp.Aqmp1.Error.Refused");
  g_assert_false (f->qemu->exited);
  g_clear_error (&error);
  g_assert_false (get_boolean (f, f->machine, AQMP_TEST_MACHINE_IFACE, "AllowDestructive"));
}

/* the machine's schema refuses mistakes before they are sent, with an
 * error of its own; StartJob records nothing */
static void
test_execute_invalid (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *r1 = NULL;
  g_autofree gchar *r2 = NULL;
  g_autofree gchar *nodes = NULL;
  g_autoptr(GVariant) r3 = NULL;
  g_autoptr(GVariant) r4 = NULL;
  g_autoptr(GVariant) history = NULL;

  r1 = aqmp_test_service_execute (f->service, f->machine, "no-such-command", "", &error);
  assert_dbus_error (error, "io.github.aqmp.Aqmp1.Error.Invalid");
  g_assert_nonnull (strstr (error->message, "unknown command 'no-such-command'"));
  g_clear_error (&error);

  r2 = aqmp_test_service_execute (f->service, f->machine, "blockdev-add",
                                  "{\"driver\": \"null-co\", \"node-name\": \"x\", \"sise\": 5}", &error);
  assert_dbus_error (error, "io.github.aqmp.Aqmp1.Error.Invalid");
  g_assert_nonnull (strstr (error->message, "blockdev-add: sise: unknown member; did you mean 'size'?"));
  g_clear_error (&error);
  nodes = aqmp_test_service_execute (f->service, f->machine, "query-named-block-nodes", "", &error);
  g_assert_no_error (error);
  g_assert_null (strstr (nodes, "\"x\""));

  r3 = aqmp_test_service_call (f->service, AQMP_TEST_SERVICE_PATH, AQMP_TEST_MANAGER_IFACE, "StartJob",
                               g_variant_new ("(oss)", f->machine, "blockdev-backupp",
                                              "{\"job-id\": \"j-invalid\", \"device\": \"src\", \"target\": \"dst\","
                                              " \"sync\": \"full\"}"), &error);
  assert_dbus_error (error, "io.github.aqmp.Aqmp1.Error.Invalid");
  g_assert_nonnull (strstr (error->message, "unknown command 'blockdev-backupp'; did you mean 'blockdev-backup'?"));
  g_clear_error (&error);
  r4 = aqmp_test_service_call (f->service, AQMP_TEST_SERVICE_PATH, AQMP_TEST_MANAGER_IFACE, "StartJob",
                               g_variant_new ("(oss)", f->machine, "blockdev-backup",
                                              "{\"job-id\": \"j-invalid\", \"device\": \"src\", \"target\": \"dst\","
                                              " \"sync\": \"ful\"}"), &error);
  assert_dbus_error (error, "io.github.aqmp.Aqmp1.Error.Invalid");
  g_assert_nonnull (strstr (error->message, "blockdev-backup: sync: 'ful' is not a valid value"));
  history = get_history (f, NULL);
  g_assert_null (history_find (history, "j-invalid"));
}

static void
test_add_errors (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) r1 = NULL;
  g_autoptr(GVariant) r2 = NULL;
  g_autoptr(GVariant) r3 = NULL;
  g_autofree gchar *missing = g_build_filename (f->service->dir, "missing.sock", NULL);

  r1 = aqmp_test_service_call (f->service, AQMP_TEST_SERVICE_PATH, AQMP_TEST_MANAGER_IFACE, "AddMachine",
                               g_variant_new ("(ssa{sv})", "vm", f->qemu->address, NULL), &error);
  assert_dbus_error (error, "io.github.aqmp.Aqmp1.Error.InvalidArgs");
  g_clear_error (&error);

  r2 = aqmp_test_service_call (f->service, AQMP_TEST_SERVICE_PATH, AQMP_TEST_MANAGER_IFACE, "AddMachine",
                               g_variant_new ("(ssa{sv})", "other", missing, NULL), &error);
  assert_dbus_error (error, "io.github.aqmp.Aqmp1.Error.Connect");
  g_clear_error (&error);

  r3 = aqmp_test_service_call (f->service, AQMP_TEST_SERVICE_PATH, AQMP_TEST_MANAGER_IFACE, "StartJob",
                               g_variant_new ("(oss)", AQMP_TEST_SERVICE_PATH "/machines/99", "blockdev-backup", "{}"),
                               &error);
  assert_dbus_error (error, "io.github.aqmp.Aqmp1.Error.NotFound");
}

static void
test_allow_destructive (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *result = NULL;
  GVariantBuilder options;

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "allow-destructive", g_variant_new_boolean (TRUE));
  path = aqmp_test_service_add_machine (f->service, "vm", f->qemu->address, g_variant_builder_end (&options));
  result = aqmp_test_service_execute (f->service, path, "quit", "", &error);
  g_assert_no_error (error);
  g_assert_true (aqmp_test_wait_for_flag (&f->qemu->exited, AQMP_TEST_WAIT_MS));
}

static void
test_remove (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree gchar *result = NULL;
  g_autoptr(AqmpClient) client = NULL;

  reply = aqmp_test_service_call (f->service, AQMP_TEST_SERVICE_PATH, AQMP_TEST_MANAGER_IFACE, "RemoveMachine",
                                  g_variant_new ("(o)", f->machine), &error);
  g_assert_no_error (error);
  result = aqmp_test_service_execute (f->service, f->machine, "query-status", "", &error);
  g_assert_nonnull (error);
  g_assert_null (result);
  /* the monitor is free again */
  client = aqmp_test_connect (f->qemu->address);
}

/* ----- events ----- */

typedef struct {
  GPtrArray *names;
} EventWatch;

static void
event_cb (GDBusConnection *connection, const gchar *sender, const gchar *path, const gchar *iface,
          const gchar *signal, GVariant *parameters, gpointer user_data)
{
  EventWatch *w = user_data;
  const gchar *name = NULL;
  const gchar *data = NULL;
  gint64 timestamp = 0;

  g_variant_get (parameters, "(&s&sx)", &name, &data, &timestamp);
  g_assert_cmpint (timestamp, >, 0);
  g_assert_cmpint (data[0], ==, '{');
  g_ptr_array_add (w->names, g_strdup (name));
}

static gboolean
event_seen (gpointer user_data)
{
  gpointer *args = user_data;
  EventWatch *w = args[0];

  for (guint i = 0; i < w->names->len; i++)
    if (g_strcmp0 (g_ptr_array_index (w->names, i), args[1]) == 0)
      return TRUE;
  return FALSE;
}

typedef struct {
  Fixture *f;
  const gchar *state;
} RunStateWait;

static gboolean
run_state_is (gpointer user_data)
{
  RunStateWait *w = user_data;
  g_autofree gchar *state = get_string (w->f, w->f->machine, AQMP_TEST_MACHINE_IFACE, "RunState");

  return g_strcmp0 (state, w->state) == 0;
}

static void
test_events (Fixture *f, gconstpointer data)
{
  EventWatch w = { g_ptr_array_new_with_free_func (g_free) };
  gpointer stop[2] = { &w, (gpointer) "STOP" };
  gpointer resume[2] = { &w, (gpointer) "RESUME" };
  RunStateWait paused = { f, "paused" };
  RunStateWait running = { f, "running" };
  guint id = g_dbus_connection_signal_subscribe (f->service->connection, NULL, AQMP_TEST_MACHINE_IFACE,
                                                 "Event", f->machine, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                 event_cb, &w, NULL);

  execute_ok (f, "stop", "");
  g_assert_true (aqmp_test_wait_until (event_seen, stop, AQMP_TEST_WAIT_MS));
  g_assert_true (aqmp_test_wait_until (run_state_is, &paused, AQMP_TEST_WAIT_MS));
  execute_ok (f, "cont", "");
  g_assert_true (aqmp_test_wait_until (event_seen, resume, AQMP_TEST_WAIT_MS));
  g_assert_true (aqmp_test_wait_until (run_state_is, &running, AQMP_TEST_WAIT_MS));
  g_dbus_connection_signal_unsubscribe (f->service->connection, id);
  g_ptr_array_unref (w.names);
}

/* ----- jobs ----- */

static gdouble
last_progress (JobWatch *w)
{
  return w->progress->len > 0 ? *(gdouble *) g_ptr_array_index (w->progress, w->progress->len - 1) : 0;
}

typedef struct {
  JobWatch *w;
  gdouble above;
} ProgressWait;

static gboolean
progress_above (gpointer user_data)
{
  ProgressWait *p = user_data;

  return last_progress (p->w) > p->above;
}

static void
test_job_backup (Fixture *f, gconstpointer data)
{
  JobWatch w = { 0 };
  guint ids[2];
  g_autofree gchar *job = NULL;
  g_autofree gchar *status = NULL;
  g_autoptr(GVariant) history = NULL;
  g_autoptr(GVariant) entry = NULL;
  gdouble seen = 0;
  gdouble last = -1;
  guint rises = 0;

  add_held_nodes (f);
  job_watch_init (f, &w, ids);
  job = start_backup (f, "backup0");
  g_assert_true (g_str_has_prefix (job, AQMP_TEST_SERVICE_PATH "/jobs/"));
  /* held; each time Progress shows where it is, the job moves on a step */
  for (guint i = 0; i < 3; i++)
    {
      ProgressWait p = { &w, seen };

      if (!aqmp_test_wait_until (progress_above, &p, AQMP_TEST_WAIT_MS))
        g_error ("Progress did not rise above %g", seen);
      seen = last_progress (&w);
      g_test_message ("held at Progress %g", seen);
      g_assert_cmpfloat (seen, <, 1.0);
      aqmp_test_hold_step (f->control, "dst", "backup0");
    }
  aqmp_test_hold_release (f->control, "dst", NULL);
  g_assert_true (aqmp_test_wait_for_flag (&w.completed, AQMP_TEST_WAIT_MS));
  g_assert_true (w.success);
  g_assert_cmpstr (w.message, ==, "");
  g_assert_cmpstr (w.status, ==, "success");

  /* Progress rose, through PropertiesChanged, ending at 1 */
  for (guint i = 0; i < w.progress->len; i++)
    {
      gdouble p = *(gdouble *) g_ptr_array_index (w.progress, i);
      g_assert_cmpfloat (p, >=, last);
      if (p > last && p > 0 && p < 1)
        rises++;
      last = p;
    }
  g_assert_cmpuint (rises, >=, 2);
  g_assert_cmpfloat (last, ==, 1.0);
  /* at a bounded rate: never two updates within 200 ms, except the last */
  for (guint i = 1; i + 1 < w.times->len; i++)
    g_assert_cmpint (g_array_index (w.times, gint64, i) - g_array_index (w.times, gint64, i - 1), >=, 200000);

  status = get_string (f, job, AQMP_TEST_JOB_IFACE, "Status");
  g_assert_cmpstr (status, ==, "success");
  g_assert_false (get_boolean (f, job, AQMP_TEST_JOB_IFACE, "Cancelable"));
  history = get_history (f, "vm");
  entry = history_find (history, "backup0");
  g_assert_nonnull (entry);
  job_watch_done (f, &w, ids);
}

static void
changed_cb (GDBusConnection *connection, const gchar *sender, const gchar *path, const gchar *iface,
            const gchar *signal, GVariant *parameters, gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
}

/* reads Status again after each PropertiesChanged of @job */
static void
wait_status (Fixture *f, const gchar *job, const gchar *want)
{
  gint64 deadline = g_get_monotonic_time () + AQMP_TEST_WAIT_MS * 1000;
  gboolean changed = FALSE;
  guint id = g_dbus_connection_signal_subscribe (f->service->connection, NULL,
                                                 "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                                 job, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                 changed_cb, &changed, NULL);

  for (;;)
    {
      g_autofree gchar *status = get_string (f, job, AQMP_TEST_JOB_IFACE, "Status");
      gint64 left = deadline - g_get_monotonic_time ();

      if (g_strcmp0 (status, want) == 0)
        break;
      if (left <= 0 || !aqmp_test_wait_for_flag (&changed, (guint) (left / 1000) + 1))
        g_error ("job %s did not reach %s (it is %s)", job, want, status);
      changed = FALSE;
    }
  g_dbus_connection_signal_unsubscribe (f->service->connection, id);
}

static void
test_job_cancel (Fixture *f, gconstpointer data)
{
  JobWatch w = { 0 };
  guint ids[2];
  g_autofree gchar *job = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) again = NULL;
  g_autoptr(GVariant) history = NULL;
  g_autoptr(GVariant) entry = NULL;
  const gchar *result = NULL;

  add_held_nodes (f);
  job_watch_init (f, &w, ids);
  job = start_backup (f, "slow0");
  wait_status (f, job, "running");
  g_assert_true (get_boolean (f, job, AQMP_TEST_JOB_IFACE, "Cancelable"));
  reply = aqmp_test_service_call (f->service, job, AQMP_TEST_JOB_IFACE, "Cancel", NULL, &error);
  g_assert_no_error (error);
  /* QEMU has the cancel: the requests under way end, then the job */
  aqmp_test_hold_release (f->control, "dst", NULL);
  g_assert_true (aqmp_test_wait_for_flag (&w.completed, AQMP_TEST_WAIT_MS));
  g_assert_false (w.success);
  g_assert_cmpstr (w.message, !=, "");
  g_assert_cmpstr (w.status, ==, "cancelled");

  /* an ended job refuses */
  again = aqmp_test_service_call (f->service, job, AQMP_TEST_JOB_IFACE, "Cancel", NULL, &error);
  assert_dbus_error (error, "io.github.aqmp.Aqmp1.Error.NotSupported");
  history = get_history (f, NULL);
  entry = history_find (history, "slow0");
  g_assert_nonnull (entry);
  g_assert_true (g_variant_lookup (entry, "result", "&s", &result));
  g_assert_cmpstr (result, ==, "cancelled");
  job_watch_done (f, &w, ids);
}

static void
test_job_pause_resume (Fixture *f, gconstpointer data)
{
  g_autofree gchar *job = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) r1 = NULL;
  g_autoptr(GVariant) r2 = NULL;
  g_autoptr(GVariant) r3 = NULL;
  g_autoptr(GVariant) r4 = NULL;

  add_held_nodes (f);
  job = start_backup (f, "pr0");
  wait_status (f, job, "running");
  r1 = aqmp_test_service_call (f->service, job, AQMP_TEST_JOB_IFACE, "Pause", NULL, &error);
  g_assert_no_error (error);
  /* the pause takes effect once the requests under way end */
  aqmp_test_hold_release (f->control, "dst", NULL);
  wait_status (f, job, "paused");
  aqmp_test_hold_close (f->control, "dst");
  r2 = aqmp_test_service_call (f->service, job, AQMP_TEST_JOB_IFACE, "Resume", NULL, &error);
  g_assert_no_error (error);
  wait_status (f, job, "running");
  /* a backup is no mirror: QEMU's refusal comes through */
  r3 = aqmp_test_service_call (f->service, job, AQMP_TEST_JOB_IFACE, "Complete", NULL, &error);
  assert_dbus_error (error, "io.github.aqmp.Aqmp1.Error.Command");
  g_clear_error (&error);
  r4 = aqmp_test_service_call (f->service, job, AQMP_TEST_JOB_IFACE, "Cancel", NULL, &error);
  g_assert_no_error (error);
  aqmp_test_hold_release (f->control, "dst", NULL);
  wait_status (f, job, "cancelled");
}

static void
test_history_restart (Fixture *f, gconstpointer data)
{
  JobWatch w = { 0 };
  guint ids[2];
  g_autofree gchar *job = NULL;
  g_autoptr(GVariant) history = NULL;
  g_autoptr(GVariant) entry = NULL;
  const gchar *result = NULL;
  const gchar *arguments = NULL;

  add_null_nodes (f, "67108864");
  job_watch_init (f, &w, ids);
  job = start_backup (f, "kept0");
  g_assert_true (aqmp_test_wait_for_flag (&w.completed, AQMP_TEST_WAIT_MS));
  g_assert_true (w.success);
  job_watch_done (f, &w, ids);

  aqmp_test_service_stop (f->service);
  aqmp_test_service_start (f->service, data);
  history = get_history (f, "vm");
  entry = history_find (history, "kept0");
  g_assert_nonnull (entry);
  g_assert_true (g_variant_lookup (entry, "result", "&s", &result));
  g_assert_cmpstr (result, ==, "success");
  g_assert_true (g_variant_lookup (entry, "arguments", "&s", &arguments));
  g_assert_nonnull (strstr (arguments, "kept0"));
}

/* ----- introspection ----- */

static GDBusNodeInfo *
introspect (Fixture *f, const gchar *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = aqmp_test_service_call (f->service, path, "org.freedesktop.DBus.Introspectable",
                                                      "Introspect", NULL, &error);
  const gchar *xml = NULL;
  GDBusNodeInfo *node;

  g_assert_no_error (error);
  g_variant_get (reply, "(&s)", &xml);
  node = g_dbus_node_info_new_for_xml (xml, &error);
  g_assert_no_error (error);
  return node;
}

static gchar *
describe_args (GDBusArgInfo **args)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_string_append_printf (s, "%s:%s,", args[i]->name, args[i]->signature);
  return g_string_free (s, FALSE);
}

/* names, signatures and access, in a comparable form */
static gchar *
describe_interface (GDBusInterfaceInfo *iface)
{
  GString *s = g_string_new (iface->name);

  for (guint i = 0; iface->methods != NULL && iface->methods[i] != NULL; i++)
    {
      g_autofree gchar *in = describe_args (iface->methods[i]->in_args);
      g_autofree gchar *out = describe_args (iface->methods[i]->out_args);
      g_string_append_printf (s, "\nmethod %s(%s)->(%s)", iface->methods[i]->name, in, out);
    }
  for (guint i = 0; iface->signals != NULL && iface->signals[i] != NULL; i++)
    {
      g_autofree gchar *args = describe_args (iface->signals[i]->args);
      g_string_append_printf (s, "\nsignal %s(%s)", iface->signals[i]->name, args);
    }
  for (guint i = 0; iface->properties != NULL && iface->properties[i] != NULL; i++)
    g_string_append_printf (s, "\nproperty %s %s %d", iface->properties[i]->name,
                            iface->properties[i]->signature, iface->properties[i]->flags);
  return g_string_free (s, FALSE);
}

static void
assert_same_interface (GDBusNodeInfo *spec, GDBusNodeInfo *live, const gchar *name)
{
  GDBusInterfaceInfo *want = g_dbus_node_info_lookup_interface (spec, name);
  GDBusInterfaceInfo *got = g_dbus_node_info_lookup_interface (live, name);
  g_autofree gchar *a = NULL;
  g_autofree gchar *b = NULL;

  g_assert_nonnull (want);
  g_assert_nonnull (got);
  a = describe_interface (want);
  b = describe_interface (got);
  g_assert_cmpstr (b, ==, a);
}

static void
test_introspection (Fixture *f, gconstpointer data)
{
  g_autofree gchar *xml = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusNodeInfo) spec = NULL;
  g_autoptr(GDBusNodeInfo) root = NULL;
  g_autoptr(GDBusNodeInfo) machine = NULL;
  g_autoptr(GDBusNodeInfo) job = NULL;
  g_autofree gchar *job_path = NULL;

  g_file_get_contents (g_getenv ("AQMPD_XML"), &xml, NULL, &error);
  g_assert_no_error (error);
  spec = g_dbus_node_info_new_for_xml (xml, &error);
  g_assert_no_error (error);

  root = introspect (f, AQMP_TEST_SERVICE_PATH);
  assert_same_interface (spec, root, AQMP_TEST_MANAGER_IFACE);
  g_assert_nonnull (g_dbus_node_info_lookup_interface (root, "org.freedesktop.DBus.ObjectManager"));
  machine = introspect (f, f->machine);
  assert_same_interface (spec, machine, AQMP_TEST_MACHINE_IFACE);

  /* held, so that the job object is there to look at */
  add_held_nodes (f);
  job_path = start_backup (f, "intro0");
  job = introspect (f, job_path);
  assert_same_interface (spec, job, AQMP_TEST_JOB_IFACE);
}

/* ----- workflows (from the example plugin, with the fake guest agent) ----- */

static void
test_list_workflows (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = aqmp_test_service_call (f->service, AQMP_TEST_SERVICE_PATH, AQMP_TEST_MANAGER_IFACE,
                                                      "ListWorkflows", NULL, &error);
  g_autoptr(GVariantIter) iter = NULL;
  const gchar *name;
  const gchar *description;
  gboolean found = FALSE;

  g_assert_no_error (error);
  g_variant_get (reply, "(a(ss))", &iter);
  while (g_variant_iter_next (iter, "(&s&s)", &name, &description))
    if (g_strcmp0 (name, "example-ping") == 0)
      {
        found = TRUE;
        g_assert_cmpstr (description, !=, "");
      }
  g_assert_true (found);
}

static gchar *
run_workflow (Fixture *f, const gchar *machine, const gchar *name, GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  gchar *path = NULL;

  reply = aqmp_test_service_call (f->service, AQMP_TEST_SERVICE_PATH, AQMP_TEST_MANAGER_IFACE, "RunWorkflow",
                                  g_variant_new ("(osa{sv})", machine, name, NULL), error);
  if (reply != NULL)
    g_variant_get (reply, "(o)", &path);
  return path;
}

static void
test_run_workflow (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpTestFakeAgent) agent = aqmp_test_fake_agent_new ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *machine = NULL;
  g_autofree gchar *job = NULL;
  g_autofree gchar *operation = NULL;
  g_autoptr(GVariant) history = NULL;
  g_autoptr(GVariant) entry = NULL;
  const gchar *command = NULL;
  GVariantBuilder options;
  JobWatch w = { 0 };
  guint ids[2];

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "qga-address", g_variant_new_string (agent->address));
  machine = aqmp_test_service_add_machine (f->service, "vm", f->qemu->address, g_variant_builder_end (&options));
  job_watch_init (f, &w, ids);
  job = run_workflow (f, machine, "example-ping", &error);
  g_assert_no_error (error);
  /* the test's context runs the fake agent while it waits */
  g_assert_true (aqmp_test_wait_for_flag (&w.completed, AQMP_TEST_WAIT_MS));
  g_assert_cmpstr (w.message, ==, "");
  g_assert_true (w.success);
  g_assert_cmpuint (agent->n_syncs, >=, 1);
  operation = get_string (f, job, AQMP_TEST_JOB_IFACE, "Operation");
  g_assert_cmpstr (operation, ==, "workflow:example-ping");

  history = get_history (f, "vm");
  g_assert_cmpuint (g_variant_n_children (history), ==, 1);
  entry = g_variant_get_child_value (history, 0);
  g_assert_true (g_variant_lookup (entry, "command", "&s", &command));
  g_assert_cmpstr (command, ==, "workflow:example-ping");
  job_watch_done (f, &w, ids);
}

static void
test_run_workflow_errors (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *j1 = NULL;
  g_autofree gchar *j2 = NULL;

  j1 = run_workflow (f, f->machine, "no-such-workflow", &error);
  assert_dbus_error (error, "io.github.aqmp.Aqmp1.Error.NotFound");
  g_clear_error (&error);
  j2 = run_workflow (f, AQMP_TEST_SERVICE_PATH "/machines/42", "example-ping", &error);
  assert_dbus_error (error, "io.github.aqmp.Aqmp1.Error.NotFound");
}

/* ----- authorization ----- */

static void
assert_not_authorized (Fixture *f, const gchar *path, const gchar *iface, const gchar *method,
                       GVariant *params)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = aqmp_test_service_call (f->service, path, iface, method, params, &error);

  assert_dbus_error (error, "io.github.aqmp.Aqmp1.Error.NotAuthorized");
}

/*
 * The daemon is started with --no-root, so that this test, running as
 * root, is an ordinary caller; the uid comes from the bus, as on the
 * system bus.
 */
static void
test_not_authorized (Fixture *f, gconstpointer data)
{
  const gchar *machine = AQMP_TEST_SERVICE_PATH "/machines/1";
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) version = NULL;
  g_autoptr(GVariant) history = NULL;
  g_autoptr(GVariant) workflows = NULL;
  g_autofree gchar *name = NULL;
  g_autofree gchar *state = NULL;

  assert_not_authorized (f, AQMP_TEST_SERVICE_PATH, AQMP_TEST_MANAGER_IFACE, "AddMachine",
                         g_variant_new ("(ssa{sv})", "vm2", f->qemu->address, NULL));
  assert_not_authorized (f, AQMP_TEST_SERVICE_PATH, AQMP_TEST_MANAGER_IFACE, "RemoveMachine",
                         g_variant_new ("(o)", machine));
  assert_not_authorized (f, AQMP_TEST_SERVICE_PATH, AQMP_TEST_MANAGER_IFACE, "StartJob",
                         g_variant_new ("(oss)", machine, "blockdev-backup", "{}"));
  assert_not_authorized (f, AQMP_TEST_SERVICE_PATH, AQMP_TEST_MANAGER_IFACE, "RunWorkflow",
                         g_variant_new ("(osa{sv})", machine, "consistent-backup", NULL));
  assert_not_authorized (f, machine, AQMP_TEST_MACHINE_IFACE, "Execute",
                         g_variant_new ("(ss)", "query-status", ""));

  /* reading is for everybody */
  version = aqmp_test_service_get (f->service, AQMP_TEST_SERVICE_PATH, AQMP_TEST_MANAGER_IFACE, "Version");
  g_assert_cmpstr (g_variant_get_string (version, NULL), !=, "");
  name = get_string (f, machine, AQMP_TEST_MACHINE_IFACE, "Name");
  g_assert_cmpstr (name, ==, "vm");
  history = aqmp_test_service_call (f->service, AQMP_TEST_SERVICE_PATH, AQMP_TEST_MANAGER_IFACE,
                                    "GetJobHistory", g_variant_new ("(a{sv})", NULL), &error);
  g_assert_no_error (error);
  workflows = aqmp_test_service_call (f->service, AQMP_TEST_SERVICE_PATH, AQMP_TEST_MANAGER_IFACE,
                                      "ListWorkflows", NULL, &error);
  g_assert_no_error (error);
}

/* --group lets its members in, even without root's bypass */
static void
test_group_authorized (Fixture *f, gconstpointer data)
{
  g_autofree gchar *path = aqmp_test_service_add_machine (f->service, "vm", f->qemu->address, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *result = aqmp_test_service_execute (f->service, path, "query-status", "", &error);

  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  static const gchar *not_root[] = { "--no-root", NULL };
  static const gchar *group[] = { "--no-root", "--group", "root", NULL };

  g_test_init (&argc, &argv, NULL);

  g_test_add ("/aqmp/service/machine/add-execute", Fixture, NULL, fixture_setup_machine, test_add_execute, fixture_teardown);
  g_test_add ("/aqmp/service/machine/execute-errors", Fixture, NULL, fixture_setup_machine, test_execute_errors, fixture_teardown);
  g_test_add ("/aqmp/service/machine/execute-invalid", Fixture, NULL, fixture_setup_machine, test_execute_invalid, fixture_teardown);
  g_test_add ("/aqmp/service/machine/add-errors", Fixture, NULL, fixture_setup_machine, test_add_errors, fixture_teardown);
  g_test_add ("/aqmp/service/machine/allow-destructive", Fixture, NULL, fixture_setup, test_allow_destructive, fixture_teardown);
  g_test_add ("/aqmp/service/machine/remove", Fixture, NULL, fixture_setup_machine, test_remove, fixture_teardown);
  g_test_add ("/aqmp/service/machine/events", Fixture, NULL, fixture_setup_machine, test_events, fixture_teardown);
  g_test_add ("/aqmp/service/job/backup", Fixture, NULL, fixture_setup_held, test_job_backup, fixture_teardown);
  g_test_add ("/aqmp/service/job/cancel", Fixture, NULL, fixture_setup_held, test_job_cancel, fixture_teardown);
  g_test_add ("/aqmp/service/job/pause-resume", Fixture, NULL, fixture_setup_held, test_job_pause_resume, fixture_teardown);
  g_test_add ("/aqmp/service/job/history-restart", Fixture, NULL, fixture_setup_machine, test_history_restart, fixture_teardown);
  g_test_add ("/aqmp/service/introspection", Fixture, NULL, fixture_setup_held, test_introspection, fixture_teardown);
  g_test_add ("/aqmp/service/workflow/list", Fixture, NULL, fixture_setup, test_list_workflows, fixture_teardown);
  g_test_add ("/aqmp/service/workflow/run", Fixture, NULL, fixture_setup, test_run_workflow, fixture_teardown);
  g_test_add ("/aqmp/service/workflow/errors", Fixture, NULL, fixture_setup_machine, test_run_workflow_errors, fixture_teardown);
  /* the machine is given on the command line: AddMachine would be refused */
  g_test_add ("/aqmp/service/auth/not-authorized", Fixture, not_root, fixture_setup_configured, test_not_authorized, fixture_teardown);
  g_test_add ("/aqmp/service/auth/group", Fixture, group, fixture_setup, test_group_authorized, fixture_teardown);
  return g_test_run ();
}
