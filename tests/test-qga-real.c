/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest agent protocol and convenience API against the real qemu-ga
 * 7.2, run on this host with `-m unix-listen`. The agent acts on the machine
 * it runs on, so it is only ever started through the project's
 * qga-sandbox script, which blocks every command that would change the
 * host; and these tests send none of those commands anyway (the fake
 * agent in test-qga-fake.c covers them).
 */
#include <string.h>

#include <glib/gstdio.h>

#include "aqmp-qga.h"
#include "aqmp-test-qemu.h"

typedef struct {
  AqmpTestQemu *agent;       /* the sandboxed qemu-ga, reaped at teardown */
  gchar *socket_path;
  gchar *address;
  AqmpProtocol *protocol;
  AqmpClient *client;
  AqmpGuestAgent *ga;
} Fixture;

/* never started but through the sandbox */
static const gchar *
sandbox_path (void)
{
  const gchar *path = g_getenv ("AQMP_TEST_QGA_SANDBOX");

  if (path == NULL || !g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    return NULL;
  return path;
}

static gboolean
have_agent (void)
{
  g_autofree gchar *qemu_ga = g_find_program_in_path ("qemu-ga");

  if (sandbox_path () == NULL)
    {
      /* a real-peer test never passes by being skipped */
      g_test_fail_printf ("the qga-sandbox tool was not found at %s: the real-agent tests need "
                          "../shared beside the checkout", g_getenv ("AQMP_TEST_QGA_SANDBOX"));
      return FALSE;
    }
  if (qemu_ga == NULL)
    {
      g_test_fail_printf ("the guest agent program is not installed (apt install qemu-guest-agent)");
      return FALSE;
    }
  return TRUE;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  gchar *dir;
  g_autofree gchar *state = NULL;

  if (!have_agent ())
    return;
  dir = aqmp_test_make_dir ();
  f->socket_path = g_build_filename (dir, "qga.sock", NULL);
  f->address = g_strdup_printf ("unix:%s", f->socket_path);
  state = g_build_filename (dir, "state", NULL);
  {
    const gchar *argv[] = { sandbox_path (), f->socket_path, state, NULL };
    f->agent = aqmp_test_qemu_spawn (dir, argv, f->socket_path);
  }
  f->protocol = aqmp_qga_protocol_new ();
}

static void
fixture_connect (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  f->client = aqmp_client_new ();
  aqmp_client_set_protocol (f->client, f->protocol);
  aqmp_client_set_default_timeout (f->client, AQMP_TEST_WAIT_MS);
  aqmp_client_set_connect_timeout (f->client, AQMP_TEST_WAIT_MS);
  aqmp_client_connect_sync (f->client, f->address, NULL, &error);
  g_assert_no_error (error);
  f->ga = aqmp_guest_agent_new (f->client);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->ga);
  if (f->client != NULL)
    {
      aqmp_client_disconnect_sync (f->client, NULL, NULL);
    }
  g_clear_object (&f->client);
  g_clear_object (&f->protocol);
  g_clear_pointer (&f->agent, aqmp_test_qemu_free);
  g_free (f->socket_path);
  g_free (f->address);
}

/* ----- tests ----- */

static void
test_sandboxed (Fixture *f, gconstpointer data)
{
  const gchar *const blocked[] = { "guest-shutdown", "guest-fsfreeze-freeze", "guest-set-time",
                                   "guest-suspend-disk", "guest-set-user-password", NULL };
  g_autoptr(JsonObject) info = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *commands;
  guint checked = 0;

  if (f->agent == NULL)
    return;
  fixture_connect (f);
  g_assert_cmpuint (aqmp_qga_protocol_get_n_syncs (AQMP_QGA_PROTOCOL (f->protocol)), ==, 1);
  info = aqmp_guest_agent_get_info_sync (f->ga, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (info, "version"), "7."));

  /* the sandbox works: what would change the host is disabled */
  commands = json_object_get_array_member (info, "supported_commands");
  for (guint i = 0; i < json_array_get_length (commands); i++)
    {
      JsonObject *cmd = json_array_get_object_element (commands, i);
      const gchar *name = json_object_get_string_member (cmd, "name");
      if (g_strcmp0 (name, "guest-ping") == 0)
        g_assert_true (json_object_get_boolean_member (cmd, "enabled"));
      if (g_strv_contains (blocked, name))
        {
          g_assert_false (json_object_get_boolean_member (cmd, "enabled"));
          checked++;
        }
    }
  g_assert_cmpuint (checked, ==, g_strv_length ((gchar **) blocked));
}

static void
test_ping_osinfo (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonObject) os = NULL;
  g_autoptr(GError) error = NULL;

  if (f->agent == NULL)
    return;
  fixture_connect (f);
  g_assert_true (aqmp_guest_agent_ping_sync (f->ga, NULL, &error));
  g_assert_no_error (error);
  os = aqmp_guest_agent_get_osinfo_sync (f->ga, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (json_object_has_member (os, "kernel-release"));
  g_assert_true (json_object_has_member (os, "machine"));
}

static void
test_exec (Fixture *f, gconstpointer data)
{
  const gchar *const argv[] = { "/bin/sh", "-c", "echo out; echo err >&2; exit 3", NULL };
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) err = NULL;
  g_autoptr(GError) error = NULL;
  gint status = -1;

  if (f->agent == NULL)
    return;
  fixture_connect (f);
  g_assert_true (aqmp_guest_agent_exec_sync (f->ga, argv, NULL, NULL, AQMP_TEST_WAIT_MS,
                                             &status, &out, &err, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 3);
  g_assert_cmpmem (g_bytes_get_data (out, NULL), g_bytes_get_size (out), "out\n", 4);
  g_assert_cmpmem (g_bytes_get_data (err, NULL), g_bytes_get_size (err), "err\n", 4);
}

static void
test_exec_input (Fixture *f, gconstpointer data)
{
  const gchar *const argv[] = { "/bin/cat", NULL };
  g_autoptr(GBytes) input = g_bytes_new_static ("fed through stdin", 17);
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GError) error = NULL;
  gint status = -1;

  if (f->agent == NULL)
    return;
  fixture_connect (f);
  g_assert_true (aqmp_guest_agent_exec_sync (f->ga, argv, NULL, input, AQMP_TEST_WAIT_MS,
                                             &status, &out, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (g_bytes_equal (out, input));
}

/* ----- large output: qemu-ga keeps up to 16 MiB of each stream ----- */

#define QGA_MAX_OUTPUT (16 * 1024 * 1024)

/* what `yes LINE | head -c N` prints */
static GBytes *
yes_output (const gchar *line, gsize n)
{
  g_autofree gchar *unit = g_strdup_printf ("%s\n", line);
  gsize unit_len = strlen (unit);
  guint8 *data = g_malloc (n);

  for (gsize i = 0; i < n; i++)
    data[i] = (guint8) unit[i % unit_len];
  return g_bytes_new_take (data, n);
}

static void
assert_bytes_equal (GBytes *got, GBytes *expected)
{
  g_assert_cmpuint (g_bytes_get_size (got), ==, g_bytes_get_size (expected));
  g_assert_true (g_bytes_equal (got, expected));
}

/* 8,000,000 bytes: over 10 MiB once in base64, the default message limit */
static void
test_exec_large (Fixture *f, gconstpointer data)
{
  const gchar *const argv[] = { "/bin/sh", "-c", "yes 0123456789abcdef | head -c 8000000", NULL };
  g_autoptr(GBytes) expected = yes_output ("0123456789abcdef", 8000000);
  g_autoptr(AqmpGuestExecResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (f->agent == NULL)
    return;
  fixture_connect (f);
  g_assert_cmpuint (aqmp_client_get_max_message_size (f->client), ==, AQMP_DEFAULT_MAX_MESSAGE_SIZE);
  result = aqmp_guest_agent_exec_sync_result (f->ga, argv, NULL, NULL, AQMP_TEST_WAIT_MS, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (aqmp_guest_exec_result_get_exit_status (result), ==, 0);
  assert_bytes_equal (aqmp_guest_exec_result_get_stdout (result), expected);
  g_assert_cmpuint (g_bytes_get_size (aqmp_guest_exec_result_get_stderr (result)), ==, 0);
  g_assert_false (aqmp_guest_exec_result_get_stdout_truncated (result));
  g_assert_false (aqmp_guest_exec_result_get_stderr_truncated (result));

  /* the connection is still good */
  g_assert_true (aqmp_guest_agent_ping_sync (f->ga, NULL, &error));
  g_assert_no_error (error);
}

/* more than 16 MiB on both streams: the largest reply the agent sends
 * (about 43 MiB), each stream cut at 16 MiB, and both cuts reported */
static void
test_exec_truncated (Fixture *f, gconstpointer data)
{
  const gchar *const argv[] = { "/bin/sh", "-c",
                                "yes 0123456789abcdef | head -c 17000000; yes e | head -c 17000000 >&2",
                                NULL };
  g_autoptr(GBytes) out = yes_output ("0123456789abcdef", QGA_MAX_OUTPUT);
  g_autoptr(GBytes) err = yes_output ("e", QGA_MAX_OUTPUT);
  g_autoptr(AqmpGuestExecResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (f->agent == NULL)
    return;
  fixture_connect (f);
  result = aqmp_guest_agent_exec_sync_result (f->ga, argv, NULL, NULL, AQMP_TEST_WAIT_MS, NULL, &error);
  g_assert_no_error (error);
  assert_bytes_equal (aqmp_guest_exec_result_get_stdout (result), out);
  assert_bytes_equal (aqmp_guest_exec_result_get_stderr (result), err);
  g_assert_true (aqmp_guest_exec_result_get_stdout_truncated (result));
  g_assert_true (aqmp_guest_exec_result_get_stderr_truncated (result));
  g_assert_true (aqmp_guest_agent_ping_sync (f->ga, NULL, &error));
  g_assert_no_error (error);
}

/* `aqmp ga-exec` prints the output as the agent kept it, exits with the
 * program's status, and warns when the agent cut a stream short; stdout
 * goes to a file (megabytes through a pipe are slow to collect) */
static gint
run_ga_exec (Fixture *f, const gchar *script, const gchar *out_path, gchar **err)
{
  const gchar *tool = g_getenv ("AQMP_TOOL");
  const gchar *argv[] = { tool, "ga-exec", f->address, "--", "/bin/sh", "-c", script, NULL };
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (tool);
  g_subprocess_launcher_unsetenv (launcher, "LANGUAGE");
  g_subprocess_launcher_unsetenv (launcher, "LC_ALL");
  g_subprocess_launcher_unsetenv (launcher, "LC_MESSAGES");
  g_subprocess_launcher_setenv (launcher, "LANG", "C.UTF-8", TRUE);
  g_subprocess_launcher_set_stdout_file_path (launcher, out_path);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, err, &error);
  g_assert_no_error (error);
  g_test_message ("aqmp ga-exec: stderr:\n%s", *err);
  g_assert_true (g_subprocess_get_if_exited (process));
  return g_subprocess_get_exit_status (process);
}

static void
assert_file_bytes (const gchar *path, GBytes *expected)
{
  g_autoptr(GMappedFile) file = g_mapped_file_new (path, FALSE, NULL);
  g_autoptr(GBytes) got = NULL;

  g_assert_nonnull (file);
  got = g_mapped_file_get_bytes (file);
  assert_bytes_equal (got, expected);
}

static void
test_cli_exec_large (Fixture *f, gconstpointer data)
{
  g_autofree gchar *out_path = NULL;
  g_autofree gchar *err = NULL;
  g_autoptr(GBytes) expected = yes_output ("0123456789abcdef", 8000000);
  g_autoptr(GBytes) cut = yes_output ("0123456789abcdef", QGA_MAX_OUTPUT);
  g_autofree gchar *dir = NULL;

  if (f->agent == NULL)
    return;
  dir = g_path_get_dirname (f->socket_path);
  out_path = g_build_filename (dir, "out", NULL);

  g_assert_cmpint (run_ga_exec (f, "yes 0123456789abcdef | head -c 8000000; exit 5", out_path, &err), ==, 5);
  assert_file_bytes (out_path, expected);
  g_assert_cmpstr (err, ==, "");
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_ga_exec (f, "yes 0123456789abcdef | head -c 17000000; exit 0", out_path, &err), ==, 0);
  assert_file_bytes (out_path, cut);
  g_assert_cmpstr (err, ==, "aqmp: warning: the guest agent truncated the program's standard output: "
                            "qemu-ga keeps at most 16 MiB of it\n");
}

static void
test_file_write_read (Fixture *f, gconstpointer data)
{
  g_autofree gchar *path = NULL;
  g_autofree gchar *on_host = NULL;
  g_autoptr(GBytes) contents = NULL;
  g_autoptr(GBytes) back = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 0;
  guchar *bytes = g_malloc (130 * 1024);

  if (f->agent == NULL)
    {
      g_free (bytes);
      return;
    }
  for (gsize i = 0; i < 130 * 1024; i++)
    bytes[i] = (guchar) (i % 251);
  contents = g_bytes_new_take (bytes, 130 * 1024);
  fixture_connect (f);
  path = aqmp_test_qemu_path (f->agent, "file.bin");

  g_assert_true (aqmp_guest_agent_file_write_sync (f->ga, path, contents, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &on_host, &len, NULL));
  g_assert_cmpmem (on_host, len, g_bytes_get_data (contents, NULL), g_bytes_get_size (contents));

  back = aqmp_guest_agent_file_read_sync (f->ga, path, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (back, contents));
}

/* FAULTS #28: qemu-ga's parser keeps what an earlier client left */
static void
test_partial_json_recovery (Fixture *f, gconstpointer data)
{
  static const gchar partial[] = "{\"execute\": \"guest-ping\"";
  g_autoptr(GSocketClient) sockets = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;
  gsize written = 0;

  if (f->agent == NULL)
    return;
  sockets = g_socket_client_new ();
  address = g_unix_socket_address_new (f->socket_path);
  connection = g_socket_client_connect (sockets, G_SOCKET_CONNECTABLE (address), NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                             partial, strlen (partial), &written, NULL, &error);
  g_assert_no_error (error);
  g_io_stream_close (G_IO_STREAM (connection), NULL, &error);
  g_assert_no_error (error);

  /* the agent reads the half request before it sees this client leave,
   * and only then accepts the next one */
  fixture_connect (f);
  value = aqmp_client_execute_sync (f->client, "guest-ping", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (value));
  g_assert_cmpuint (aqmp_qga_protocol_get_n_syncs (AQMP_QGA_PROTOCOL (f->protocol)), ==, 1);
}

static void
test_reconnect (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  if (f->agent == NULL)
    return;
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(JsonNode) value = NULL;

      fixture_connect (f);
      value = aqmp_client_execute_sync (f->client, "guest-ping", NULL, NULL, &error);
      g_assert_no_error (error);
      g_clear_object (&f->ga);
      g_assert_true (aqmp_client_disconnect_sync (f->client, NULL, &error));
      g_assert_no_error (error);
      g_clear_object (&f->client);
    }
  g_assert_cmpuint (aqmp_qga_protocol_get_n_syncs (AQMP_QGA_PROTOCOL (f->protocol)), ==, 3);
}

int
main (int argc, char **argv)
{
  /* the sandbox runs the agent from PATH; it lives in sbin, which a plain
   * user's PATH may lack (set before any thread exists) */
  g_autofree gchar *path = g_strdup_printf ("%s:/usr/sbin:/sbin", g_getenv ("PATH"));

  g_setenv ("PATH", path, TRUE);
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/aqmp/qga-real/sandboxed", test_sandboxed);
  ADD ("/aqmp/qga-real/ping-osinfo", test_ping_osinfo);
  ADD ("/aqmp/qga-real/exec", test_exec);
  ADD ("/aqmp/qga-real/exec-input", test_exec_input);
  ADD ("/aqmp/qga-real/exec-large", test_exec_large);
  ADD ("/aqmp/qga-real/exec-truncated", test_exec_truncated);
  ADD ("/aqmp/qga-real/cli/exec-large", test_cli_exec_large);
  ADD ("/aqmp/qga-real/file-write-read", test_file_write_read);
  ADD ("/aqmp/qga-real/partial-json-recovery", test_partial_json_recovery);
  ADD ("/aqmp/qga-real/reconnect", test_reconnect);
#undef ADD

  return g_test_run ();
}
