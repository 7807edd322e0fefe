/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the daemon's group grants, tested as a real second uid: a private
 * dbus-daemon set up like the system bus (method calls denied by default,
 * the shipped io.github.aqmp.Aqmp1.conf included), aqmpd running as root
 * with --group aqmp, a root-owned QEMU 7.2, and gdbus run with runuser as a
 * member of the group and as a user outside it. The test creates the group
 * and the users when they are missing (it needs root, as CI has).
 */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "aqmp-test-daemon.h"

#define MACHINE_IFACE "io.github.aqmp.Aqmp1.Machine"
#define MANAGER "/io/github/aqmp/Aqmp1"
#define MANAGER_IFACE "io.github.aqmp.Aqmp1.Manager"

typedef struct {
  AqmpTestQemu *qemu;
  AqmpTestSystemBus *bus;
  GDBusConnection *root;       /* the test itself, uid 0 */
  AqmpTestDaemon *daemon;
  gchar *dir;                  /* root-owned, 0755 */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autofree gchar *database = NULL;
  g_autofree gchar *log = NULL;
  const gchar *aqmpd = g_getenv ("AQMPD");

  if (!aqmp_test_can_make_users ())
    {
      /* CI runs as root: there this must never be skipped */
      if (g_getenv ("CI") != NULL)
        g_error ("the security tests need root, to run as other users");
      g_test_skip ("needs root to make test users and run as them");
      return;
    }
  aqmp_test_ensure_users ();
  f->dir = aqmp_test_make_dir ();
  g_assert_cmpint (chmod (f->dir, 0755), ==, 0);
  f->qemu = aqmp_test_qemu_new (NULL);
  f->bus = aqmp_test_system_bus_new (g_getenv ("AQMPD_POLICY"));
  f->root = aqmp_test_system_bus_connect (f->bus);
  database = g_build_filename (f->dir, "jobs.db", NULL);
  log = g_build_filename (f->dir, "aqmpd.log", NULL);
  f->daemon = aqmp_test_daemon_start ((const gchar *[]) { aqmpd, "--bus-address", f->bus->address,
                                                          "--group", AQMP_TEST_GROUP,
                                                          "--database", database, "--verbose", NULL },
                                      NULL, log, f->root);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  if (f->daemon != NULL)
    {
      g_autofree gchar *log = aqmp_test_daemon_log (f->daemon);
      g_test_message ("aqmpd's log:\n%s", log);
    }
  g_clear_pointer (&f->daemon, aqmp_test_daemon_free);
  if (f->root != NULL)
    g_dbus_connection_close_sync (f->root, NULL, NULL);
  g_clear_object (&f->root);
  g_clear_pointer (&f->bus, aqmp_test_system_bus_free);
  g_clear_pointer (&f->qemu, aqmp_test_qemu_free);
  if (f->dir != NULL)
    aqmp_test_remove_dir (f->dir);
  g_clear_pointer (&f->dir, g_free);
}

/* ----- calls ----- */

/* as @user with gdbus; the error's text (with its D-Bus name) in @err */
static gboolean
call_as (const gchar *user, Fixture *f, const gchar *path, const gchar *method,
         const gchar * const *args, gchar **out, gchar **err)
{
  g_autofree gchar *o = NULL;
  g_autofree gchar *e = NULL;
  gboolean ok = aqmp_test_gdbus_as (user, f->bus->address, path, method, args, &o, &e);

  if (out != NULL)
    *out = g_steal_pointer (&o);
  if (err != NULL)
    *err = g_steal_pointer (&e);
  return ok;
}

static void
assert_refused_as (const gchar *user, Fixture *f, const gchar *path, const gchar *method,
                   const gchar * const *args, const gchar *error_name, const gchar *needle)
{
  g_autofree gchar *err = NULL;

  g_assert_false (call_as (user, f, path, method, args, NULL, &err));
  g_assert_nonnull (strstr (err, error_name));
  if (needle != NULL)
    g_assert_nonnull (strstr (err, needle));
}

static gchar *
add_machine_as (const gchar *user, Fixture *f, const gchar *name, const gchar *options)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  gchar *path = NULL;

  if (!call_as (user, f, MANAGER, MANAGER_IFACE ".AddMachine",
                (const gchar *[]) { name, f->qemu->address, options, NULL }, &out, &err))
    g_error ("AddMachine as %s failed: %s", user, err);
  g_assert_true (g_str_has_prefix (out, "(objectpath '"));
  path = g_strndup (out + strlen ("(objectpath '"), strcspn (out + strlen ("(objectpath '"), "'"));
  return path;
}

static void
execute_ok_as (const gchar *user, Fixture *f, const gchar *machine, const gchar *command,
               const gchar *arguments)
{
  g_autofree gchar *err = NULL;

  if (!call_as (user, f, machine, MACHINE_IFACE ".Execute",
                (const gchar *[]) { command, arguments, NULL }, NULL, &err))
    g_error ("%s as %s failed: %s", command, user, err);
}

static void
assert_execute_refused (const gchar *user, Fixture *f, const gchar *machine, const gchar *command,
                        const gchar *arguments)
{
  assert_refused_as (user, f, machine, MACHINE_IFACE ".Execute",
                     (const gchar *[]) { command, arguments, NULL },
                     "io.github.aqmp.Aqmp1.Error.Refused", "only root may");
}

/* as root, on the test's own connection */
static GVariant *
call_root (Fixture *f, const gchar *path, const gchar *iface, const gchar *method, GVariant *params,
           GError **error)
{
  return g_dbus_connection_call_sync (f->root, "io.github.aqmp.Aqmp1", path, iface, method, params,
                                      NULL, G_DBUS_CALL_FLAGS_NONE, AQMP_TEST_WAIT_MS, NULL, error);
}

static gchar *
add_machine_root (Fixture *f, const gchar *name, GVariant *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call_root (f, MANAGER, MANAGER_IFACE, "AddMachine",
                                         g_variant_new ("(ss@a{sv})", name, f->qemu->address, options),
                                         &error);
  gchar *path = NULL;

  g_assert_no_error (error);
  g_variant_get (reply, "(o)", &path);
  return path;
}

static guint
count_machines (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call_root (f, MANAGER, "org.freedesktop.DBus.ObjectManager",
                                         "GetManagedObjects", NULL, &error);
  g_autoptr(GVariant) objects = NULL;
  guint n = 0;

  g_assert_no_error (error);
  objects = g_variant_get_child_value (reply, 0);
  for (gsize i = 0; i < g_variant_n_children (objects); i++)
    {
      g_autoptr(GVariant) entry = g_variant_get_child_value (objects, i);
      const gchar *path = NULL;

      g_variant_get_child (entry, 0, "&o", &path);
      n += strstr (path, "/machines/") != NULL;
    }
  return n;
}

/* ----- the tests ----- */

/* privileges are root's to grant: a member asking for them gets nothing */
static void
test_member_cannot_grant (Fixture *f, gconstpointer data)
{
  static const gchar * const grants[] = {
    "{'allow-destructive': <true>}",
    "{'allow-host-access': <true>}",
    "{'allowed-directories': <['/']>}",
    "{'timeout-ms': <uint32 1000>, 'allow-destructive': <true>}",
  };

  if (f->daemon == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (grants); i++)
    assert_refused_as (AQMP_TEST_MEMBER, f, MANAGER, MANAGER_IFACE ".AddMachine",
                       (const gchar *[]) { "vm", f->qemu->address, grants[i], NULL },
                       "io.github.aqmp.Aqmp1.Error.NotAuthorized", "only root may give");
  g_assert_cmpuint (count_machines (f), ==, 0);
}

/* a member controls the guest and its block jobs, never the host */
static void
test_member_host_commands (Fixture *f, gconstpointer data)
{
  g_autofree gchar *machine = NULL;
  g_autofree gchar *marker = NULL;
  g_autofree gchar *snapshot = NULL;
  g_autofree gchar *migrate = NULL;
  g_autofree gchar *transaction = NULL;
  g_autofree gchar *drive_backup = NULL;
  g_autofree gchar *drive_backup_params = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  if (f->daemon == NULL)
    return;
  marker = g_build_filename (f->dir, "ran-as-root", NULL);
  snapshot = g_build_filename (f->dir, "snapshot.qcow2", NULL);
  /* root lets the machine be migrated, but grants no host access */
  machine = add_machine_root (f, "vm", g_variant_new_parsed ("{'allow-destructive': <true>}"));

  /* allowed: reading, pausing, nodes that open nothing, block jobs */
  execute_ok_as (AQMP_TEST_MEMBER, f, machine, "query-status", "");
  execute_ok_as (AQMP_TEST_MEMBER, f, machine, "stop", "");
  execute_ok_as (AQMP_TEST_MEMBER, f, machine, "cont", "");
  execute_ok_as (AQMP_TEST_MEMBER, f, machine, "blockdev-add",
                 "{\"driver\": \"null-co\", \"node-name\": \"src\", \"size\": 1048576}");
  execute_ok_as (AQMP_TEST_MEMBER, f, machine, "blockdev-add",
                 "{\"driver\": \"raw\", \"node-name\": \"dst\", \"file\": "
                 "{\"driver\": \"null-co\", \"size\": 1048576}}");
  execute_ok_as (AQMP_TEST_MEMBER, f, machine, "object-add",
                 "{\"qom-type\": \"memory-backend-ram\", \"id\": \"mem0\", \"size\": 1048576}");
  g_assert_true (call_as (AQMP_TEST_MEMBER, f, MANAGER, MANAGER_IFACE ".StartJob",
                          (const gchar *[]) { machine, "blockdev-backup",
                                              "{\"job-id\": \"b0\", \"device\": \"src\", \"target\": \"dst\","
                                              " \"sync\": \"full\"}", NULL }, &out, &err));

  /* refused: programs and host files, at the top and deep in the tree */
  migrate = g_strdup_printf ("{\"uri\": \"exec:touch %s\"}", marker);
  assert_execute_refused (AQMP_TEST_MEMBER, f, machine, "migrate", migrate);
  assert_execute_refused (AQMP_TEST_MEMBER, f, machine, "migrate-incoming", "{\"uri\": \"exec:true\"}");
  assert_execute_refused (AQMP_TEST_MEMBER, f, machine, "human-monitor-command",
                          "{\"command-line\": \"info version\"}");
  assert_execute_refused (AQMP_TEST_MEMBER, f, machine, "blockdev-add",
                          "{\"driver\": \"file\", \"node-name\": \"pw\", \"filename\": \"/etc/shadow\"}");
  assert_execute_refused (AQMP_TEST_MEMBER, f, machine, "blockdev-add",
                          "{\"driver\": \"raw\", \"node-name\": \"pw\", \"file\": "
                          "{\"driver\": \"file\", \"filename\": \"/etc/shadow\"}}");
  assert_execute_refused (AQMP_TEST_MEMBER, f, machine, "blockdev-add",
                          "{\"driver\": \"qcow2\", \"node-name\": \"q\", \"file\": \"src\"}");
  assert_execute_refused (AQMP_TEST_MEMBER, f, machine, "screendump", "{\"filename\": \"/tmp/x.ppm\"}");
  assert_execute_refused (AQMP_TEST_MEMBER, f, machine, "dump-guest-memory",
                          "{\"paging\": false, \"protocol\": \"file:/tmp/x.dump\"}");
  assert_execute_refused (AQMP_TEST_MEMBER, f, machine, "getfd", "{\"fdname\": \"x\"}");
  assert_execute_refused (AQMP_TEST_MEMBER, f, machine, "add-fd", "");
  assert_execute_refused (AQMP_TEST_MEMBER, f, machine, "object-add",
                          "{\"qom-type\": \"memory-backend-file\", \"id\": \"m\", \"size\": 4096,"
                          " \"mem-path\": \"/etc/shadow\"}");
  assert_execute_refused (AQMP_TEST_MEMBER, f, machine, "object-add",
                          "{\"qom-type\": \"secret\", \"id\": \"s\", \"file\": \"/etc/shadow\"}");
  assert_execute_refused (AQMP_TEST_MEMBER, f, machine, "chardev-add",
                          "{\"id\": \"c\", \"backend\": {\"type\": \"file\", \"data\": {\"out\": \"/etc/x\"}}}");
  assert_execute_refused (AQMP_TEST_MEMBER, f, machine, "netdev_add",
                          "{\"type\": \"tap\", \"id\": \"n\", \"script\": \"/tmp/x\"}");
  assert_execute_refused (AQMP_TEST_MEMBER, f, machine, "device_add",
                          "{\"driver\": \"loader\", \"file\": \"/etc/shadow\"}");
  assert_execute_refused (AQMP_TEST_MEMBER, f, machine, "qom-set",
                          "{\"path\": \"/objects/mem0\", \"property\": \"prealloc\", \"value\": true}");
  transaction = g_strdup_printf ("{\"actions\": [{\"type\": \"block-dirty-bitmap-add\", \"data\":"
                                 " {\"node\": \"src\", \"name\": \"bm\"}}, {\"type\": \"blockdev-snapshot-sync\","
                                 " \"data\": {\"node-name\": \"src\", \"snapshot-file\": \"%s\"}}]}", snapshot);
  assert_execute_refused (AQMP_TEST_MEMBER, f, machine, "transaction", transaction);
  drive_backup = g_strdup_printf ("{\"job-id\": \"d0\", \"device\": \"src\", \"target\": \"%s\","
                                  " \"sync\": \"full\"}", snapshot);
  drive_backup_params = g_strdup_printf ("{'command': <'drive-backup'>, 'arguments': <'%s'>}", drive_backup);
  assert_refused_as (AQMP_TEST_MEMBER, f, MANAGER, MANAGER_IFACE ".StartJob",
                     (const gchar *[]) { machine, "drive-backup", drive_backup, NULL },
                     "io.github.aqmp.Aqmp1.Error.Refused", "only root may");
  assert_refused_as (AQMP_TEST_MEMBER, f, MANAGER, MANAGER_IFACE ".StartJob",
                     (const gchar *[]) { machine, "blockdev-create",
                                         "{\"job-id\": \"c0\", \"options\": {\"driver\": \"file\","
                                         " \"filename\": \"/etc/cron.d/x\", \"size\": 0}}", NULL },
                     "io.github.aqmp.Aqmp1.Error.Refused", "outside the machine's allowed directories");
  /* nor through a workflow that starts the command it is given */
  assert_refused_as (AQMP_TEST_MEMBER, f, MANAGER, MANAGER_IFACE ".RunWorkflow",
                     (const gchar *[]) { machine, "guest-exec-around-job", drive_backup_params, NULL },
                     "io.github.aqmp.Aqmp1.Error.Refused", "only root may");
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (snapshot, G_FILE_TEST_EXISTS));
}

typedef struct {
  gchar *status;
} MigrationWatch;

static void
migration_event_cb (GDBusConnection *connection, const gchar *sender, const gchar *path,
                    const gchar *iface, const gchar *signal, GVariant *parameters, gpointer user_data)
{
  MigrationWatch *w = user_data;
  const gchar *name = NULL;
  const gchar *data = NULL;
  g_autoptr(JsonObject) obj = NULL;
  const gchar *status;

  g_variant_get (parameters, "(&s&sx)", &name, &data, NULL);
  if (g_strcmp0 (name, "MIGRATION") != 0)
    return;
  obj = aqmp_test_object_from_json (data);
  status = json_object_get_string_member_with_default (obj, "status", "");
  if (g_strcmp0 (status, "completed") == 0 || g_strcmp0 (status, "failed") == 0)
    w->status = g_strdup (status);
}

static gboolean
file_exists (gpointer user_data)
{
  return g_file_test (user_data, G_FILE_TEST_EXISTS);
}

/* the program QEMU runs may create @path after the migration completed */
static gboolean
wait_for_file (const gchar *path)
{
  g_autofree gchar *dir = g_path_get_dirname (path);
  g_autoptr(GFile) file = g_file_new_for_path (dir);
  g_autoptr(GFileMonitor) monitor = g_file_monitor_directory (file, G_FILE_MONITOR_NONE, NULL, NULL);

  /* each change in the directory wakes the wait */
  g_assert_nonnull (monitor);
  return aqmp_test_wait_until (file_exists, (gpointer) path, AQMP_TEST_WAIT_MS);
}

/* what root allows for a machine, a member may do there; root may do anything */
static void
test_root_grants (Fixture *f, gconstpointer data)
{
  g_autofree gchar *machine = NULL;
  g_autofree gchar *plain = NULL;
  g_autofree gchar *stream = NULL;
  g_autofree gchar *migrate = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  MigrationWatch w = { NULL };
  guint id;

  if (f->daemon == NULL)
    return;
  stream = g_build_filename (f->dir, "migration-stream", NULL);
  machine = add_machine_root (f, "vm", g_variant_new_parsed ("{'allow-destructive': <true>,"
                                                             " 'allow-host-access': <true>}"));
  id = g_dbus_connection_signal_subscribe (f->root, NULL, MACHINE_IFACE, "Event", machine, NULL,
                                           G_DBUS_SIGNAL_FLAGS_NONE, migration_event_cb, &w, NULL);
  execute_ok_as (AQMP_TEST_MEMBER, f, machine, "migrate-set-capabilities",
                 "{\"capabilities\": [{\"capability\": \"events\", \"state\": true}]}");
  /* the exec: URI runs a program as QEMU's user, root: allowed here by root */
  migrate = g_strdup_printf ("{\"uri\": \"exec:cat > %s\"}", stream);
  execute_ok_as (AQMP_TEST_MEMBER, f, machine, "migrate", migrate);
  g_assert_true (aqmp_test_wait_for_pointer ((gpointer *) &w.status, AQMP_TEST_WAIT_MS));
  g_assert_cmpstr (w.status, ==, "completed");
  g_assert_true (wait_for_file (stream));
  g_dbus_connection_signal_unsubscribe (f->root, id);
  g_free (w.status);

  /* root itself needs no grant for host access (only allow-destructive) */
  execute_ok_as ("root", f, machine, "human-monitor-command", "{\"command-line\": \"info version\"}");
  reply = call_root (f, MANAGER, MANAGER_IFACE, "RemoveMachine", g_variant_new ("(o)", machine), &error);
  g_assert_no_error (error);
  plain = add_machine_as (AQMP_TEST_MEMBER, f, "plain", "{}");
  g_clear_pointer (&reply, g_variant_unref);
  reply = call_root (f, plain, MACHINE_IFACE, "Execute",
                     g_variant_new ("(ss)", "blockdev-add", "{\"driver\": \"file\", \"node-name\": \"host\","
                                    " \"filename\": \"/etc/hostname\", \"read-only\": true}"), &error);
  g_assert_no_error (error);
  assert_execute_refused (AQMP_TEST_MEMBER, f, plain, "blockdev-add",
                          "{\"driver\": \"file\", \"node-name\": \"host2\", \"filename\": \"/etc/hostname\","
                          " \"read-only\": true}");
}

/* a user outside the group reads, and changes nothing */
static void
test_outsider (Fixture *f, gconstpointer data)
{
  g_autofree gchar *machine = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *name = NULL;

  if (f->daemon == NULL)
    return;
  machine = add_machine_as (AQMP_TEST_MEMBER, f, "vm", "{}");
  /* the bus policy stops most calls before the daemon sees them; the daemon refuses the rest */
  assert_refused_as (AQMP_TEST_OUTSIDER, f, MANAGER, MANAGER_IFACE ".AddMachine",
                     (const gchar *[]) { "vm2", f->qemu->address, "{}", NULL }, "Error", NULL);
  assert_refused_as (AQMP_TEST_OUTSIDER, f, MANAGER, MANAGER_IFACE ".RemoveMachine",
                     (const gchar *[]) { machine, NULL }, "Error", NULL);
  assert_refused_as (AQMP_TEST_OUTSIDER, f, MANAGER, MANAGER_IFACE ".StartJob",
                     (const gchar *[]) { machine, "blockdev-backup", "{}", NULL }, "Error", NULL);
  assert_refused_as (AQMP_TEST_OUTSIDER, f, machine, MACHINE_IFACE ".Execute",
                     (const gchar *[]) { "stop", "", NULL }, "Error", NULL);
  assert_refused_as (AQMP_TEST_OUTSIDER, f, machine, MACHINE_IFACE ".Execute",
                     (const gchar *[]) { "query-status", "", NULL }, "Error", NULL);
  g_assert_cmpuint (count_machines (f), ==, 1);

  /* reading is for everybody */
  g_assert_true (call_as (AQMP_TEST_OUTSIDER, f, MANAGER, MANAGER_IFACE ".GetJobHistory",
                          (const gchar *[]) { "{}", NULL }, &out, NULL));
  g_assert_true (call_as (AQMP_TEST_OUTSIDER, f, machine, "org.freedesktop.DBus.Properties.Get",
                          (const gchar *[]) { MACHINE_IFACE, "Name", NULL }, &name, NULL));
  g_assert_nonnull (strstr (name, "'vm'"));
}

/* file nodes inside a directory root allowed, and nowhere else */
static void
test_allowed_directories (Fixture *f, gconstpointer data)
{
  g_autofree gchar *images = g_build_filename (f->dir != NULL ? f->dir : "", "images", NULL);
  g_autofree gchar *open_dir = g_build_filename (f->dir != NULL ? f->dir : "", "open", NULL);
  g_autofree gchar *image = g_build_filename (images, "disk.img", NULL);
  g_autofree gchar *link = g_build_filename (images, "link.img", NULL);
  g_autofree gchar *planted = g_build_filename (open_dir, "disk.img", NULL);
  g_autofree gchar *machine = NULL;
  g_autofree gchar *arguments = NULL;
  g_autofree gchar *dotdot = NULL;
  g_autoptr(GVariant) options = NULL;

  if (f->daemon == NULL)
    return;
  g_assert_cmpint (g_mkdir (images, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (open_dir, 0777), ==, 0);
  g_assert_cmpint (chmod (open_dir, 0777), ==, 0);
  g_assert_true (g_file_set_contents (image, "", 0, NULL));
  g_assert_true (g_file_set_contents (planted, "", 0, NULL));
  g_assert_cmpint (symlink ("/etc/shadow", link), ==, 0);
  options = g_variant_new_parsed ("{'allowed-directories': <[%s, %s]>}", images, open_dir);
  machine = add_machine_root (f, "vm", g_steal_pointer (&options));

  arguments = g_strdup_printf ("{\"driver\": \"file\", \"node-name\": \"img\", \"filename\": \"%s\"}", image);
  execute_ok_as (AQMP_TEST_MEMBER, f, machine, "blockdev-add", arguments);
  g_free (arguments);
  /* a link to a file elsewhere */
  arguments = g_strdup_printf ("{\"driver\": \"file\", \"node-name\": \"l\", \"filename\": \"%s\"}", link);
  assert_execute_refused (AQMP_TEST_MEMBER, f, machine, "blockdev-add", arguments);
  g_free (arguments);
  /* a way out by name */
  dotdot = g_strdup_printf ("%s/../../../etc/shadow", images);
  arguments = g_strdup_printf ("{\"driver\": \"file\", \"node-name\": \"d\", \"filename\": \"%s\"}", dotdot);
  assert_execute_refused (AQMP_TEST_MEMBER, f, machine, "blockdev-add", arguments);
  g_free (arguments);
  /* a directory others may write to: its names could be swapped for links */
  arguments = g_strdup_printf ("{\"driver\": \"file\", \"node-name\": \"o\", \"filename\": \"%s\"}", planted);
  assert_execute_refused (AQMP_TEST_MEMBER, f, machine, "blockdev-add", arguments);
}

/* ----- backups ----- */

typedef struct {
  Fixture *f;
  const gchar *job;
} BackupWait;

static gboolean
backup_ended (gpointer user_data)
{
  BackupWait *wait = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call_root (wait->f, wait->job, "org.freedesktop.DBus.Properties", "Get",
                                         g_variant_new ("(ss)", "io.github.aqmp.Aqmp1.Job", "Status"), &error);
  g_autoptr(GVariant) value = NULL;

  g_assert_no_error (error);
  g_variant_get (reply, "(v)", &value);
  return g_strcmp0 (g_variant_get_string (value, NULL), "success") == 0
         || g_strcmp0 (g_variant_get_string (value, NULL), "failed") == 0;
}

static gchar *
start_backup_as (const gchar *user, Fixture *f, const gchar *machine, const gchar *options)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  if (!call_as (user, f, machine, MACHINE_IFACE ".StartBackup", (const gchar *[]) { options, NULL }, &out, &err))
    g_error ("StartBackup as %s failed: %s", user, err);
  g_assert_true (g_str_has_prefix (out, "(objectpath '"));
  return g_strndup (out + strlen ("(objectpath '"), strcspn (out + strlen ("(objectpath '"), "'"));
}

/*
 * A backup's images and a restored image are host files: a member may have
 * them written only inside a directory root allowed for the machine; root
 * anywhere. Reading the catalog is for everybody, verifying for the group.
 */
static void
test_backups (Fixture *f, gconstpointer data)
{
  g_autofree gchar *allowed = g_build_filename (f->dir != NULL ? f->dir : "", "allowed", NULL);
  g_autofree gchar *elsewhere = g_build_filename (f->dir != NULL ? f->dir : "", "elsewhere", NULL);
  g_autofree gchar *disk = g_build_filename (f->dir != NULL ? f->dir : "", "disk0.qcow2", NULL);
  g_autofree gchar *restored_out = g_build_filename (f->dir != NULL ? f->dir : "", "restored.qcow2", NULL);
  g_autofree gchar *restored_in = g_build_filename (allowed, "restored.qcow2", NULL);
  g_autofree gchar *restored_root = g_build_filename (f->dir != NULL ? f->dir : "", "root.qcow2", NULL);
  g_autofree gchar *machine = NULL;
  g_autofree gchar *node = NULL;
  g_autofree gchar *options = NULL;
  g_autofree gchar *job = NULL;
  g_autofree gchar *out = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  BackupWait wait = { f, NULL };
  const gchar *create[] = { "qemu-img", "create", "-q", "-f", "qcow2", disk, "4M", NULL };
  gint status = 0;

  if (f->daemon == NULL)
    return;
  g_assert_cmpint (g_mkdir (allowed, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (elsewhere, 0755), ==, 0);
  g_assert_true (g_spawn_sync (NULL, (gchar **) create, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                               &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  machine = add_machine_root (f, "vm", g_variant_new_parsed ("{'allowed-directories': <[%s]>}", allowed));
  node = g_strdup_printf ("{\"driver\": \"qcow2\", \"node-name\": \"disk0\", \"file\": {\"driver\": \"file\","
                          " \"filename\": \"%s\"}}", disk);
  reply = call_root (f, machine, MACHINE_IFACE, "Execute", g_variant_new ("(ss)", "blockdev-add", node), &error);
  g_assert_no_error (error);

  /* the default directory, and one outside the allowed ones: not for a member */
  assert_refused_as (AQMP_TEST_MEMBER, f, machine, MACHINE_IFACE ".StartBackup",
                     (const gchar *[]) { "{'level': <'full'>}", NULL },
                     "io.github.aqmp.Aqmp1.Error.Refused", "only root may");
  options = g_strdup_printf ("{'level': <'full'>, 'to': <'%s'>}", elsewhere);
  assert_refused_as (AQMP_TEST_MEMBER, f, machine, MACHINE_IFACE ".StartBackup",
                     (const gchar *[]) { options, NULL }, "io.github.aqmp.Aqmp1.Error.Refused", "allowed directories");
  g_free (options);
  /* outside the group, not at all */
  options = g_strdup_printf ("{'level': <'full'>, 'disks': <['disk0']>, 'to': <'%s'>}", allowed);
  assert_refused_as (AQMP_TEST_OUTSIDER, f, machine, MACHINE_IFACE ".StartBackup",
                     (const gchar *[]) { options, NULL }, "Error", NULL);

  /* inside the allowed directory a member backs up */
  job = start_backup_as (AQMP_TEST_MEMBER, f, machine, options);
  wait.job = job;
  g_assert_true (aqmp_test_wait_until (backup_ended, &wait, AQMP_TEST_WAIT_MS * 3));
  {
    g_autoptr(GVariant) error_reply = call_root (f, job, "org.freedesktop.DBus.Properties", "Get",
                                                 g_variant_new ("(ss)", "io.github.aqmp.Aqmp1.Job", "Error"), &error);
    g_autoptr(GVariant) value = NULL;

    g_assert_no_error (error);
    g_variant_get (error_reply, "(v)", &value);
    g_assert_cmpstr (g_variant_get_string (value, NULL), ==, "");
  }
  g_assert_true (call_as (AQMP_TEST_OUTSIDER, f, MANAGER, MANAGER_IFACE ".ListBackups",
                          (const gchar *[]) { "{}", NULL }, &out, NULL));
  g_assert_nonnull (strstr (out, "'completed'"));
  g_assert_nonnull (strstr (out, allowed));

  /* restoring writes a host file: the same rule */
  assert_refused_as (AQMP_TEST_MEMBER, f, MANAGER, MANAGER_IFACE ".RestoreBackup",
                     (const gchar *[]) { "1", "disk0", restored_out, NULL },
                     "io.github.aqmp.Aqmp1.Error.Refused", "allowed directories");
  g_assert_false (g_file_test (restored_out, G_FILE_TEST_EXISTS));
  assert_refused_as (AQMP_TEST_OUTSIDER, f, MANAGER, MANAGER_IFACE ".RestoreBackup",
                     (const gchar *[]) { "1", "disk0", restored_in, NULL }, "Error", NULL);
  g_assert_true (call_as (AQMP_TEST_MEMBER, f, MANAGER, MANAGER_IFACE ".RestoreBackup",
                          (const gchar *[]) { "1", "disk0", restored_in, NULL }, NULL, NULL));
  g_assert_true (g_file_test (restored_in, G_FILE_TEST_IS_REGULAR));
  g_clear_pointer (&reply, g_variant_unref);
  reply = call_root (f, MANAGER, MANAGER_IFACE, "RestoreBackup",
                     g_variant_new ("(xss)", (gint64) 1, "disk0", restored_root), &error);
  g_assert_no_error (error);

  /* verifying is for the group */
  g_clear_pointer (&out, g_free);
  g_assert_true (call_as (AQMP_TEST_MEMBER, f, MANAGER, MANAGER_IFACE ".VerifyBackup",
                          (const gchar *[]) { "0", NULL }, &out, NULL));
  g_assert_nonnull (strstr (out, "@as []"));
  assert_refused_as (AQMP_TEST_OUTSIDER, f, MANAGER, MANAGER_IFACE ".VerifyBackup",
                     (const gchar *[]) { "0", NULL }, "Error", NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/aqmp/service/security/member-cannot-grant", Fixture, NULL, fixture_setup,
              test_member_cannot_grant, fixture_teardown);
  g_test_add ("/aqmp/service/security/member-host-commands", Fixture, NULL, fixture_setup,
              test_member_host_commands, fixture_teardown);
  g_test_add ("/aqmp/service/security/root-grants", Fixture, NULL, fixture_setup,
              test_root_grants, fixture_teardown);
  g_test_add ("/aqmp/service/security/outsider", Fixture, NULL, fixture_setup,
              test_outsider, fixture_teardown);
  g_test_add ("/aqmp/service/security/allowed-directories", Fixture, NULL, fixture_setup,
              test_allowed_directories, fixture_teardown);
  g_test_add ("/aqmp/service/security/backups", Fixture, NULL, fixture_setup,
              test_backups, fixture_teardown);
  return g_test_run ();
}
