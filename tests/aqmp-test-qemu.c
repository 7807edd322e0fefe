/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "aqmp-test-qemu.h"

/* ----- the environment the peers get ----- */

/*
 * meson test gives each test a random MALLOC_PERTURB_, and MALLOC_CHECK_.
 * glibc reads them once, when a process starts, so the test keeps its own
 * checks after they are gone from its environment; the peers it starts
 * must not get them: QEMU 7.2 runs a rate-limited null-co backup to its
 * end at once under any MALLOC_PERTURB_ (../shared/PROTOCOL.md). Taking
 * them out here, before main() and before any thread, covers every child
 * at once: QEMU, qemu-storage-daemon, qemu-ga, the dbus-daemon GTestDBus
 * starts. The project's own programs get them back, see
 * aqmp_test_harness_environ().
 */
static const gchar * const aqmp_test_malloc_vars[] = { "MALLOC_PERTURB_", "MALLOC_CHECK_" };
static gchar *aqmp_test_harness_env[G_N_ELEMENTS (aqmp_test_malloc_vars) + 1];

__attribute__ ((constructor)) static void
aqmp_test_clean_environ (void)
{
  guint n = 0;

  for (guint i = 0; i < G_N_ELEMENTS (aqmp_test_malloc_vars); i++)
    {
      const gchar *value = g_getenv (aqmp_test_malloc_vars[i]);

      if (value == NULL)
        continue;
      aqmp_test_harness_env[n++] = g_strdup_printf ("%s=%s", aqmp_test_malloc_vars[i], value);
      g_unsetenv (aqmp_test_malloc_vars[i]);
    }
}

/**
 * aqmp_test_harness_environ:
 *
 * The malloc checks the harness gave this test, as KEY=VALUE, for the
 * project's own programs (aqmp, aqmpd): they keep them, and must not pass
 * them on to a QEMU they start.
 *
 * Returns: (transfer none): a %NULL-terminated array, empty when the test
 *   was started without them
 */
const gchar * const *
aqmp_test_harness_environ (void)
{
  return (const gchar * const *) aqmp_test_harness_env;
}

/* ----- bounded waiting on the thread-default context ----- */

static gboolean
aqmp_test_timed_out_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* iterates the thread-default context until @condition holds */
gboolean
aqmp_test_wait_until (AqmpTestCondition condition, gpointer user_data, guint timeout_ms)
{
  GMainContext *context = g_main_context_ref_thread_default ();
  gboolean timed_out = FALSE;
  GSource *timer = g_timeout_source_new (timeout_ms);

  g_source_set_callback (timer, aqmp_test_timed_out_cb, &timed_out, NULL);
  g_source_attach (timer, context);
  while (!condition (user_data) && !timed_out)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timer);
  g_source_unref (timer);
  g_main_context_unref (context);
  return condition (user_data);
}

static gboolean
aqmp_test_wake_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* as aqmp_test_wait_until(), for a @condition that asks a peer (a query,
 * a D-Bus call) about a state whose change sends nothing this process
 * hears: the context wakes every @interval_ms to ask again */
gboolean
aqmp_test_wait_until_polling (AqmpTestCondition condition, gpointer user_data, guint interval_ms,
                              guint timeout_ms)
{
  GMainContext *context = g_main_context_ref_thread_default ();
  GSource *wake = g_timeout_source_new (interval_ms);
  gboolean met;

  g_source_set_callback (wake, aqmp_test_wake_cb, NULL, NULL);
  g_source_attach (wake, context);
  met = aqmp_test_wait_until (condition, user_data, timeout_ms);
  g_source_destroy (wake);
  g_source_unref (wake);
  g_main_context_unref (context);
  return met;
}

static gboolean
aqmp_test_flag_is_set (gpointer user_data)
{
  return *(gboolean *) user_data;
}

gboolean
aqmp_test_wait_for_flag (gboolean *flag, guint timeout_ms)
{
  return aqmp_test_wait_until (aqmp_test_flag_is_set, flag, timeout_ms);
}

static gboolean
aqmp_test_pointer_is_set (gpointer user_data)
{
  return *(gpointer *) user_data != NULL;
}

gboolean
aqmp_test_wait_for_pointer (gpointer *pointer, guint timeout_ms)
{
  return aqmp_test_wait_until (aqmp_test_pointer_is_set, pointer, timeout_ms);
}

gchar *
aqmp_test_make_dir (void)
{
  g_autoptr(GError) error = NULL;
  gchar *dir = g_dir_make_tmp ("aqmp-test-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

void
aqmp_test_remove_dir (const gchar *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree gchar *path = g_build_filename (dir, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        aqmp_test_remove_dir (path);
      else
        g_unlink (path);
    }
  g_rmdir (dir);
}

/* ----- readiness of QEMU's listening socket ----- */

/* /proc/net/unix lists listening sockets with the __SO_ACCEPTCON flag */
static gboolean
aqmp_test_unix_socket_listening (const gchar *path)
{
  g_autofree gchar *table = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents ("/proc/net/unix", &table, NULL, NULL))
    return g_file_test (path, G_FILE_TEST_EXISTS);
  lines = g_strsplit (table, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = g_strsplit_set (lines[i], " ", -1);
      g_autoptr(GPtrArray) fields = g_ptr_array_new ();
      for (guint j = 0; f[j] != NULL; j++)
        if (f[j][0] != '\0')
          g_ptr_array_add (fields, f[j]);
      /* Num RefCount Protocol Flags Type St Inode Path */
      if (fields->len >= 8 && g_strcmp0 (g_ptr_array_index (fields, 7), path) == 0
          && g_strcmp0 (g_ptr_array_index (fields, 3), "00010000") == 0)
        return TRUE;
    }
  return FALSE;
}

typedef struct {
  const gchar *path;
  AqmpTestQemu *qemu;
} AqmpTestReady;

static gboolean
aqmp_test_ready (gpointer user_data)
{
  AqmpTestReady *ready = user_data;

  if (ready->qemu->exited)
    return TRUE;
  if (!g_file_test (ready->path, G_FILE_TEST_EXISTS))
    return FALSE;
  if (aqmp_test_unix_socket_listening (ready->path))
    return TRUE;
  /* bound but not yet listening: QEMU is between two system calls */
  g_thread_yield ();
  g_main_context_wakeup (NULL);
  return FALSE;
}

static void
aqmp_test_dir_changed_cb (GFileMonitor *monitor, GFile *file, GFile *other,
                          GFileMonitorEvent event, gpointer user_data)
{
  /* only wakes the wait loop, which checks the socket itself */
}

static void
aqmp_test_exited_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpTestQemu *self = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), res, NULL);
  self->exited = TRUE;
}

/* QEMU dies with the test, even when an assertion aborts it */
static void
aqmp_test_child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/**
 * aqmp_test_qemu_spawn:
 * @dir: (transfer full): the test's temporary directory
 * @argv: the command line
 * @wait_for_socket: (nullable): a Unix socket QEMU listens on; returns
 *   once it is listening
 */
AqmpTestQemu *
aqmp_test_qemu_spawn (gchar *dir, const gchar * const *argv, const gchar *wait_for_socket)
{
  AqmpTestQemu *self = g_new0 (AqmpTestQemu, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (dir);
  g_autoptr(GFileMonitor) monitor = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  AqmpTestReady ready = { wait_for_socket, self };

  self->dir = dir;
  self->socket_path = g_build_filename (self->dir, "qmp.sock", NULL);
  self->address = g_strdup_printf ("unix:%s", self->socket_path);

  monitor = g_file_monitor_directory (file, G_FILE_MONITOR_NONE, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (monitor, "changed", G_CALLBACK (aqmp_test_dir_changed_cb), NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_set_child_setup (launcher, aqmp_test_child_setup, NULL, NULL);
  self->process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_wait_async (self->process, NULL, aqmp_test_exited_cb, self);
  if (wait_for_socket == NULL)
    return self;
  if (!aqmp_test_wait_until (aqmp_test_ready, &ready, AQMP_TEST_WAIT_MS))
    g_error ("QEMU did not open %s within %u ms", wait_for_socket, AQMP_TEST_WAIT_MS);
  if (self->exited)
    g_error ("QEMU exited at start-up (status %d)", g_subprocess_get_status (self->process));
  return self;
}

/* waits until QEMU listens on another socket, such as a second monitor's */
void
aqmp_test_qemu_wait_for_socket (AqmpTestQemu *self, const gchar *path)
{
  g_autofree gchar *dir = g_path_get_dirname (path);
  g_autoptr(GFile) file = g_file_new_for_path (dir);
  g_autoptr(GFileMonitor) monitor = g_file_monitor_directory (file, G_FILE_MONITOR_NONE, NULL, NULL);
  AqmpTestReady ready = { path, self };

  if (monitor != NULL)
    g_signal_connect (monitor, "changed", G_CALLBACK (aqmp_test_dir_changed_cb), NULL);
  if (!aqmp_test_wait_until (aqmp_test_ready, &ready, AQMP_TEST_WAIT_MS))
    g_error ("QEMU did not open %s within %u ms", path, AQMP_TEST_WAIT_MS);
  if (self->exited)
    g_error ("QEMU exited at start-up (status %d)", g_subprocess_get_status (self->process));
}

/* ----- the monitor's start-up ----- */

/* reads from @socket until a line holding @word, within the socket's timeout */
static gboolean
aqmp_test_read_line_with (GSocket *socket, const gchar *word)
{
  g_autoptr(GString) text = g_string_new (NULL);
  gchar buf[4096];

  while (strstr (text->str, word) == NULL || strchr (strstr (text->str, word), '\n') == NULL)
    {
      gssize n = g_socket_receive (socket, buf, sizeof (buf), NULL, NULL);
      if (n <= 0)
        return FALSE;
      g_string_append_len (text, buf, n);
    }
  return TRUE;
}

static gboolean
aqmp_test_send_text (GSocket *socket, const gchar *text)
{
  return g_socket_send (socket, text, strlen (text), NULL, NULL) == (gssize) strlen (text);
}

/* one connection that negotiates and asks for the status, on plain
 * sockets with a bounded wait for each answer */
static gboolean
aqmp_test_monitor_answers (const gchar *path)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, NULL);
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (path);

  g_assert_nonnull (socket);
  g_socket_set_timeout (socket, 2);
  return g_socket_connect (socket, address, NULL, NULL)
         && aqmp_test_read_line_with (socket, "\"QMP\"")
         && aqmp_test_send_text (socket, "{\"execute\": \"qmp_capabilities\"}\n")
         && aqmp_test_read_line_with (socket, "\"return\"")
         && aqmp_test_send_text (socket, "{\"execute\": \"query-status\"}\n")
         && aqmp_test_read_line_with (socket, "\"status\"");
}

/*
 * A QEMU 7.2 monitor that a client reaches while QEMU is still starting
 * can lose bytes of what that client sends (a whole qmp_capabilities, or
 * one byte in the middle of a later command; docs/reliability.md). The
 * client library copes with a lost negotiation; a test's commands cannot
 * be asked twice. So the harness lets one throwaway connection see the
 * monitor answer before a test's client connects, and tries again, a
 * bounded number of times, when the answer is lost.
 */
void
aqmp_test_qemu_settle_monitor (AqmpTestQemu *self, const gchar *path)
{
  for (guint attempt = 1; attempt <= 5; attempt++)
    {
      if (self->exited)
        g_error ("QEMU exited at start-up (status %d)", g_subprocess_get_status (self->process));
      if (aqmp_test_monitor_answers (path))
        return;
      g_test_message ("QEMU's monitor %s did not answer at start-up (attempt %u); again", path, attempt);
    }
  g_error ("QEMU's monitor %s never answered at start-up", path);
}

/* QEMU 7.2 exactly as the issue gives it, plus @extra_args */
AqmpTestQemu *
aqmp_test_qemu_new (const gchar * const *extra_args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  gchar *dir = aqmp_test_make_dir ();
  g_autofree gchar *sock = g_build_filename (dir, "qmp.sock", NULL);
  AqmpTestQemu *qemu;

  if (AQMP_TEST_QEMU[0] == '\0')
    g_error ("qemu-system-x86_64 was not found at configure time; install qemu-system-x86");
  g_ptr_array_add (argv, g_strdup (AQMP_TEST_QEMU));
  g_ptr_array_add (argv, g_strdup ("-machine"));
  g_ptr_array_add (argv, g_strdup ("none"));
  g_ptr_array_add (argv, g_strdup ("-nodefaults"));
  g_ptr_array_add (argv, g_strdup ("-display"));
  g_ptr_array_add (argv, g_strdup ("none"));
  g_ptr_array_add (argv, g_strdup ("-qmp"));
  g_ptr_array_add (argv, g_strdup_printf ("unix:%s,server=on,wait=off", sock));
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (extra_args[i]));
  g_ptr_array_add (argv, NULL);
  qemu = aqmp_test_qemu_spawn (dir, (const gchar * const *) argv->pdata, sock);
  aqmp_test_qemu_settle_monitor (qemu, sock);
  return qemu;
}

/* ----- QEMU with a second monitor, for a second client ----- */

/*
 * A monitor serves one client at a time, so a test's own client needs a
 * monitor of its own. Its socket lives in @dir (the caller removes it).
 */
AqmpTestQemu *
aqmp_test_qemu_new_two_monitors (gchar **dir, gchar **second_address)
{
  g_autofree gchar *path = NULL;
  g_autofree gchar *chardev = NULL;
  AqmpTestQemu *qemu;

  *dir = aqmp_test_make_dir ();
  path = g_build_filename (*dir, "qmp2.sock", NULL);
  chardev = g_strdup_printf ("socket,id=mon1,path=%s,server=on,wait=off", path);
  {
    const gchar *extra[] = { "-chardev", chardev, "-mon", "chardev=mon1,mode=control", NULL };
    qemu = aqmp_test_qemu_new (extra);
  }
  aqmp_test_qemu_wait_for_socket (qemu, path);
  aqmp_test_qemu_settle_monitor (qemu, path);
  *second_address = g_strdup_printf ("unix:%s", path);
  return qemu;
}

gchar *
aqmp_test_qemu_path (AqmpTestQemu *self, const gchar *name)
{
  return g_build_filename (self->dir, name, NULL);
}

/* SIGKILL and reap */
void
aqmp_test_qemu_kill (AqmpTestQemu *self)
{
  if (!self->exited)
    g_subprocess_force_exit (self->process);
  if (!aqmp_test_wait_for_flag (&self->exited, AQMP_TEST_WAIT_MS))
    g_error ("QEMU was not reaped within %u ms of SIGKILL", AQMP_TEST_WAIT_MS);
}

void
aqmp_test_qemu_free (AqmpTestQemu *self)
{
  if (self == NULL)
    return;
  aqmp_test_qemu_kill (self);
  g_object_unref (self->process);
  aqmp_test_remove_dir (self->dir);
  g_free (self->dir);
  g_free (self->socket_path);
  g_free (self->address);
  g_free (self);
}

AqmpClient *
aqmp_test_connect (const gchar *address)
{
  g_autoptr(AqmpClient) client = aqmp_client_new ();
  g_autoptr(GError) error = NULL;

  aqmp_client_set_default_timeout (client, AQMP_TEST_WAIT_MS);
  aqmp_client_set_connect_timeout (client, AQMP_TEST_WAIT_MS);
  aqmp_client_connect_sync (client, address, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (aqmp_client_get_state (client), ==, AQMP_STATE_RUNNING);
  return g_steal_pointer (&client);
}

/* the SCHEME:127.0.0.1:PORT address (@scheme tcp or tls) of the TCP
 * socket chardev @label that QEMU was started with (port=0: QEMU picked
 * it), asked through @client */
gchar *
aqmp_test_tcp_chardev_address (AqmpClient *client, const gchar *label, const gchar *scheme)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) chardevs = aqmp_client_execute_sync (client, "query-chardev", NULL, NULL, &error);
  JsonArray *array;

  g_assert_no_error (error);
  array = json_node_get_array (chardevs);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *dev = json_array_get_object_element (array, i);
      const gchar *filename = json_object_get_string_member (dev, "filename");
      g_autofree gchar *head = NULL;

      if (g_strcmp0 (json_object_get_string_member (dev, "label"), label) != 0)
        continue;
      /* [disconnected:]tcp:127.0.0.1:PORT,server=on */
      head = g_strndup (filename, strcspn (filename, ","));
      g_assert_nonnull (strrchr (head, ':'));
      return g_strdup_printf ("%s:127.0.0.1:%s", scheme, strrchr (head, ':') + 1);
    }
  g_error ("QEMU has no chardev %s", label);
}

void
aqmp_test_call_clear (AqmpTestCall *call)
{
  g_clear_pointer (&call->value, json_node_unref);
  g_clear_error (&call->error);
  call->done = FALSE;
}

/* completes an AqmpTestCall given as user data */
void
aqmp_test_execute_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AqmpTestCall *call = user_data;

  call->value = aqmp_client_execute_finish (AQMP_CLIENT (source), result, &call->error);
  call->done = TRUE;
}

JsonObject *
aqmp_test_object_from_json (const gchar *text)
{
  g_autoptr(JsonNode) node = json_from_string (text, NULL);

  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

/* @command with the arguments @json (or none) succeeds */
void
aqmp_test_qmp_ok (AqmpClient *client, const gchar *command, const gchar *json)
{
  g_autoptr(JsonObject) args = json != NULL ? aqmp_test_object_from_json (json) : NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_sync (client, command, args, NULL, &error);

  g_assert_no_error (error);
}

/* HMP qemu-io @command on @node, such as a write or a flush */
void
aqmp_test_qemu_io (AqmpClient *client, const gchar *node, const gchar *command)
{
  g_autoptr(JsonObject) args = json_object_new ();
  g_autofree gchar *line = g_strdup_printf ("qemu-io %s \"%s\"", node, command);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;

  json_object_set_string_member (args, "command-line", line);
  value = aqmp_client_execute_sync (client, "human-monitor-command", args, NULL, &error);
  g_assert_no_error (error);
}

/* runs a tool (qemu-img) to its end: 0 when it succeeded, else 1; its
 * stdout in @out, or nowhere; its stderr nowhere */
gint
aqmp_test_spawn_status (const gchar * const *argv, gchar **out)
{
  g_autoptr(GError) error = NULL;
  gint status = 0;
  GSpawnFlags flags = G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL | (out == NULL ? G_SPAWN_STDOUT_TO_DEV_NULL : 0);

  g_assert_true (g_spawn_sync (NULL, (gchar **) argv, NULL, flags, NULL, NULL, out, NULL, &status, &error));
  g_assert_no_error (error);
  return g_spawn_check_wait_status (status, NULL) ? 0 : 1;
}

/* the guest-visible content of the qcow2 @image that @node (in use by
 * @client's QEMU) reads, flushed first, as a new raw file copy-N.raw in
 * @dir, N counted in @copies */
gchar *
aqmp_test_copy_image (AqmpClient *client, const gchar *node, const gchar *image, const gchar *dir, guint *copies)
{
  g_autofree gchar *name = g_strdup_printf ("copy-%u.raw", (*copies)++);
  gchar *copy = g_build_filename (dir, name, NULL);
  const gchar *convert[] = { "qemu-img", "convert", "-U", "-f", "qcow2", "-O", "raw", image, copy, NULL };

  aqmp_test_qemu_io (client, node, "flush");
  g_assert_cmpint (aqmp_test_spawn_status (convert, NULL), ==, 0);
  return copy;
}

/* aqmp_test_qemu_new_two_monitors() with QEMU's stdout on /dev/null: HMP
 * qemu-io prints there, and it must not be the TAP stream */
AqmpTestQemu *
aqmp_test_qemu_new_two_monitors_quiet (gchar **dir, gchar **second_address)
{
  int saved = dup (STDOUT_FILENO);
  int null = g_open ("/dev/null", O_WRONLY, 0);
  AqmpTestQemu *qemu;

  fflush (stdout);
  dup2 (null, STDOUT_FILENO);
  qemu = aqmp_test_qemu_new_two_monitors (dir, second_address);
  dup2 (saved, STDOUT_FILENO);
  close (saved);
  close (null);
  return qemu;
}

/* {} as a reply of an AqmpServer handler (json_node_init_object() would
 * keep a second ref) */
JsonNode *
aqmp_test_empty_object (void)
{
  JsonNode *reply = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (reply, json_object_new ());
  return reply;
}

/* the JSON of tests/fixtures/@name, such as QEMU 7.2's schema */
JsonNode *
aqmp_test_fixture_json (const gchar *name)
{
  g_autofree gchar *path = g_build_filename (AQMP_TEST_FIXTURES, name, NULL);
  g_autofree gchar *text = NULL;
  gsize length;
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  g_file_get_contents (path, &text, &length, &error);
  g_assert_no_error (error);
  node = aqmp_json_parse (text, length, &error);
  g_assert_no_error (error);
  return node;
}
