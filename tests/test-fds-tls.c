/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * File descriptors passed with commands (SCM_RIGHTS, Unix sockets only)
 * and TLS on TCP monitors, against a real QEMU 7.2 (FAULTS.md #32-#34),
 * through the library and through `aqmp exec`. The certificates are made
 * here with Debian's openssl; every wait is bounded.
 */
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>

#include "aqmp-test-cli.h"

#define WAIT_MS AQMP_TEST_WAIT_MS

/* made once, in main(): ca-cert.pem, server-cert.pem, server-key.pem
 * (for QEMU), client-cert.pem, client-key.pem, and other-ca-cert.pem
 * from a CA that signed nothing here */
static gchar *cert_dir;

/* ----- helpers ----- */

/* a list holding copies of the read ends of @n fresh pipes */
static GUnixFDList *
pipe_fd_list (guint n)
{
  g_autoptr(GUnixFDList) list = g_unix_fd_list_new ();
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < n; i++)
    {
      gint fds[2];

      g_assert_true (g_unix_open_pipe (fds, FD_CLOEXEC, &error));
      g_assert_no_error (error);
      g_unix_fd_list_append (list, fds[0], &error);
      g_assert_no_error (error);
      close (fds[0]);
      close (fds[1]);
    }
  return g_steal_pointer (&list);
}

/* ----- certificates ----- */

static void
run_openssl (const gchar *dir, const gchar * const *args)
{
  const gchar *openssl = g_getenv ("AQMP_TEST_OPENSSL");
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                                       | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree gchar *out = NULL;
  guint guard;

  g_ptr_array_add (argv, (gpointer) (openssl != NULL && openssl[0] != '\0' ? openssl : "openssl"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_set_cwd (launcher, dir);
  process = g_subprocess_launcher_spawnv (launcher, (const gchar * const *) argv->pdata, &error);
  g_assert_no_error (error);
  /* bounded: a stuck openssl is killed, and the test fails */
  guard = g_timeout_add_once (WAIT_MS, (GSourceOnceFunc) g_cancellable_cancel, cancellable);
  g_subprocess_communicate_utf8 (process, NULL, cancellable, &out, NULL, &error);
  g_source_remove (guard);
  if (error != NULL)
    {
      g_subprocess_force_exit (process);
      g_error ("openssl %s: %s", args[0], error->message);
    }
  if (!g_subprocess_get_successful (process))
    g_error ("openssl %s failed: %s", args[0], out);
}

static void
make_ca (const gchar *dir, const gchar *prefix, const gchar *cn)
{
  g_autofree gchar *key = g_strdup_printf ("%s-key.pem", prefix);
  g_autofree gchar *cert = g_strdup_printf ("%s-cert.pem", prefix);
  g_autofree gchar *subj = g_strdup_printf ("/CN=%s", cn);
  const gchar *args[] = {
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", key, "-out", cert, "-days", "2", "-subj", subj,
    "-addext", "basicConstraints=critical,CA:TRUE",
    "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    NULL
  };

  run_openssl (dir, args);
}

/* a key, a CSR and the certificate the CA signed for it */
static void
make_signed (const gchar *dir, const gchar *prefix, const gchar *cn, const gchar *extensions)
{
  g_autofree gchar *key = g_strdup_printf ("%s-key.pem", prefix);
  g_autofree gchar *csr = g_strdup_printf ("%s.csr", prefix);
  g_autofree gchar *cert = g_strdup_printf ("%s-cert.pem", prefix);
  g_autofree gchar *ext = g_strdup_printf ("%s.ext", prefix);
  g_autofree gchar *ext_path = g_build_filename (dir, ext, NULL);
  g_autofree gchar *subj = g_strdup_printf ("/CN=%s", cn);
  g_autoptr(GError) error = NULL;
  const gchar *req[] = {
    "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", key, "-out", csr, "-subj", subj, NULL
  };
  const gchar *sign[] = {
    "x509", "-req", "-in", csr, "-CA", "ca-cert.pem", "-CAkey", "ca-key.pem",
    "-CAcreateserial", "-out", cert, "-days", "2", "-extfile", ext, NULL
  };

  g_assert_true (g_file_set_contents (ext_path, extensions, -1, &error));
  g_assert_no_error (error);
  run_openssl (dir, req);
  run_openssl (dir, sign);
}

static gchar *
make_certificates (void)
{
  gchar *dir = aqmp_test_make_dir ();

  make_ca (dir, "ca", "aqmp test CA");
  make_ca (dir, "other-ca", "aqmp other CA");
  make_signed (dir, "server", "localhost",
               "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  make_signed (dir, "client", "aqmp-client", "extendedKeyUsage=clientAuth\n");
  return dir;
}

static gchar *
cert_path (const gchar *name)
{
  return g_build_filename (cert_dir, name, NULL);
}

/* ----- QEMU with a TLS monitor (m0) and a plain TCP one (m1) ----- */

typedef struct {
  AqmpTestQemu *qemu;
  AqmpClient *control;      /* on the Unix -qmp */
  gchar *tls_address;       /* tls:127.0.0.1:PORT of m0 */
  gchar *plain_address;     /* tcp:127.0.0.1:PORT of m1 */
} TlsFixture;

static void
tls_fixture_setup (TlsFixture *f, gconstpointer data)
{
  gboolean verify_peer = GPOINTER_TO_INT (data);
  g_autofree gchar *creds = g_strdup_printf ("tls-creds-x509,id=t0,dir=%s,endpoint=server,verify-peer=%s",
                                             cert_dir, verify_peer ? "on" : "off");
  const gchar *extra[] = {
    "-object", creds,
    "-chardev", "socket,id=m0,host=127.0.0.1,port=0,server=on,wait=off,tls-creds=t0",
    "-mon", "chardev=m0,mode=control",
    "-chardev", "socket,id=m1,host=127.0.0.1,port=0,server=on,wait=off",
    "-mon", "chardev=m1,mode=control",
    NULL
  };
  f->qemu = aqmp_test_qemu_new (extra);
  f->control = aqmp_test_connect (f->qemu->address);
  f->tls_address = aqmp_test_tcp_chardev_address (f->control, "m0", "tls");
  f->plain_address = aqmp_test_tcp_chardev_address (f->control, "m1", "tcp");
}

static void
tls_fixture_teardown (TlsFixture *f, gconstpointer data)
{
  g_clear_object (&f->control);
  g_clear_pointer (&f->qemu, aqmp_test_qemu_free);
  g_free (f->tls_address);
  g_free (f->plain_address);
}

static AqmpClient *
tls_client_new (const gchar *ca_name)
{
  AqmpClient *client = aqmp_client_new ();
  g_autofree gchar *ca = ca_name != NULL ? cert_path (ca_name) : NULL;

  aqmp_client_set_default_timeout (client, WAIT_MS);
  aqmp_client_set_connect_timeout (client, WAIT_MS);
  aqmp_client_set_tls_ca_file (client, ca);
  return client;
}

/* ----- file descriptors ----- */

typedef struct {
  AqmpTestQemu *qemu;
  AqmpClient *client;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->qemu = aqmp_test_qemu_new (NULL);
  f->client = aqmp_test_connect (f->qemu->address);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->client);
  g_clear_pointer (&f->qemu, aqmp_test_qemu_free);
}

static void
test_fds_getfd (Fixture *f, gconstpointer data)
{
  g_autoptr(GUnixFDList) fds = pipe_fd_list (1);
  g_autoptr(JsonObject) args = aqmp_test_object_from_json ("{\"fdname\": \"fd0\"}");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) got = NULL;
  g_autoptr(JsonNode) closed = NULL;
  g_autoptr(JsonNode) again = NULL;

  got = aqmp_client_execute_with_fds_sync (f->client, "getfd", args, fds, 0, -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (got);
  closed = aqmp_client_execute_sync (f->client, "closefd", args, NULL, &error);
  g_assert_no_error (error);
  /* it was there once: a second closefd finds nothing */
  again = aqmp_client_execute_sync (f->client, "closefd", args, NULL, &error);
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_COMMAND);
}

static gboolean
fdsets_have (JsonNode *fdsets, gint64 fdset_id, gint64 fd)
{
  JsonArray *sets = json_node_get_array (fdsets);

  for (guint i = 0; i < json_array_get_length (sets); i++)
    {
      JsonObject *set = json_array_get_object_element (sets, i);
      JsonArray *fds = json_object_get_array_member (set, "fds");

      if (json_object_get_int_member (set, "fdset-id") != fdset_id)
        continue;
      for (guint j = 0; j < json_array_get_length (fds); j++)
        {
          JsonObject *entry = json_array_get_object_element (fds, j);
          if (json_object_get_int_member (entry, "fd") == fd
              && g_strcmp0 (json_object_get_string_member_with_default (entry, "opaque", NULL), "aqmp-test") == 0)
            return TRUE;
        }
    }
  return FALSE;
}

static void
test_fds_add_fd (Fixture *f, gconstpointer data)
{
  g_autoptr(GUnixFDList) fds = pipe_fd_list (1);
  g_autoptr(JsonObject) args = aqmp_test_object_from_json ("{\"opaque\": \"aqmp-test\"}");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) added = NULL;
  g_autoptr(JsonNode) fdsets = NULL;
  JsonObject *obj;

  added = aqmp_client_execute_with_fds_sync (f->client, "add-fd", args, fds, 0, -1, NULL, &error);
  g_assert_no_error (error);
  obj = json_node_get_object (added);
  g_assert_true (json_object_has_member (obj, "fdset-id"));
  g_assert_true (json_object_has_member (obj, "fd"));
  fdsets = aqmp_client_execute_sync (f->client, "query-fdsets", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (fdsets_have (fdsets, json_object_get_int_member (obj, "fdset-id"),
                              json_object_get_int_member (obj, "fd")));
}

static void
test_fds_none_supplied (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonObject) args = aqmp_test_object_from_json ("{\"fdname\": \"fd0\"}");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(GUnixFDList) empty = g_unix_fd_list_new ();

  /* QEMU's own error passes through */
  value = aqmp_client_execute_sync (f->client, "getfd", args, NULL, &error);
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_COMMAND);
  g_assert_nonnull (strstr (aqmp_error_get_qmp_desc (error), "No file descriptor supplied via SCM_RIGHTS"));
  g_clear_error (&error);

  /* an empty list is no descriptor either */
  value = aqmp_client_execute_with_fds_sync (f->client, "getfd", args, empty, 0, -1, NULL, &error);
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_COMMAND);
  g_assert_nonnull (strstr (aqmp_error_get_qmp_desc (error), "No file descriptor supplied via SCM_RIGHTS"));
}

static void
test_fds_too_many (Fixture *f, gconstpointer data)
{
  g_autoptr(GUnixFDList) fds = pipe_fd_list (AQMP_MAX_FDS_PER_COMMAND + 1);
  g_autoptr(GUnixFDList) max = pipe_fd_list (AQMP_MAX_FDS_PER_COMMAND);
  g_autoptr(JsonObject) args = aqmp_test_object_from_json ("{\"fdname\": \"many\"}");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;

  value = aqmp_client_execute_with_fds_sync (f->client, "getfd", args, fds, 0, -1, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "16"));
  g_clear_error (&error);
  /* sixteen go; getfd takes the first */
  value = aqmp_client_execute_with_fds_sync (f->client, "getfd", args, max, 0, -1, NULL, &error);
  g_assert_no_error (error);
}

/* requests before and after the one with descriptors keep their order */
static void
test_fds_order (Fixture *f, gconstpointer data)
{
  AqmpTestCall r[8] = { { 0, }, };
  g_autoptr(GUnixFDList) fds = pipe_fd_list (1);
  g_autoptr(JsonObject) args = aqmp_test_object_from_json ("{\"fdname\": \"ordered\"}");

  for (guint i = 0; i < 3; i++)
    aqmp_client_execute_async (f->client, "query-status", NULL, NULL, aqmp_test_execute_cb, &r[i]);
  aqmp_client_execute_with_fds_async (f->client, "getfd", args, fds, 0, -1, NULL, aqmp_test_execute_cb, &r[3]);
  /* closefd right behind getfd only works if getfd went first */
  aqmp_client_execute_async (f->client, "closefd", args, NULL, aqmp_test_execute_cb, &r[4]);
  for (guint i = 5; i < 8; i++)
    aqmp_client_execute_async (f->client, "query-version", NULL, NULL, aqmp_test_execute_cb, &r[i]);
  for (guint i = 0; i < 8; i++)
    {
      g_assert_true (aqmp_test_wait_for_flag (&r[i].done, WAIT_MS));
      g_assert_no_error (r[i].error);
      aqmp_test_call_clear (&r[i]);
    }
}

static void
test_fds_tcp_refused (TlsFixture *f, gconstpointer data)
{
  g_autoptr(AqmpClient) client = aqmp_test_connect (f->plain_address);
  g_autoptr(GUnixFDList) fds = pipe_fd_list (1);
  g_autoptr(JsonObject) args = aqmp_test_object_from_json ("{\"fdname\": \"fd0\"}");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;

  value = aqmp_client_execute_with_fds_sync (client, "getfd", args, fds, 0, -1, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "TCP"));
  g_clear_error (&error);
  /* the connection is still fine */
  g_clear_pointer (&value, json_node_unref);
  value = aqmp_client_execute_sync (client, "query-status", NULL, NULL, &error);
  g_assert_no_error (error);
}

/* a request larger than the socket buffer: sendmsg() takes part of it
 * with the descriptor, plain writes the rest */
static JsonNode *
echo_handler (AqmpServer *server, JsonObject *request, gpointer user_data, GError **error)
{
  JsonObject *args = json_object_get_object_member (request, "arguments");
  JsonNode *value = json_node_new (JSON_NODE_VALUE);

  json_node_set_int (value, (gint64) strlen (json_object_get_string_member (args, "blob")));
  return value;
}

static void
test_fds_partial_write (void)
{
  g_autofree gchar *dir = aqmp_test_make_dir ();
  g_autofree gchar *path = g_build_filename (dir, "qmp.sock", NULL);
  g_autoptr(AqmpServer) server = aqmp_server_new ();
  g_autoptr(AqmpClient) client = NULL;
  g_autoptr(GUnixFDList) fds = pipe_fd_list (1);
  g_autoptr(JsonObject) args = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(JsonNode) after = NULL;
  g_autofree gchar *address = NULL;
  g_autofree gchar *blob = g_malloc (4 * 1024 * 1024 + 1);

  memset (blob, 'x', 4 * 1024 * 1024);
  blob[4 * 1024 * 1024] = '\0';
  json_object_set_string_member (args, "blob", blob);
  aqmp_server_set_handler (server, "echo-size", echo_handler, NULL, NULL);
  address = aqmp_server_listen (server, path, &error);
  g_assert_no_error (error);
  client = aqmp_test_connect (address);
  value = aqmp_client_execute_with_fds_sync (client, "echo-size", args, fds, 0, -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_node_get_int (value), ==, 4 * 1024 * 1024);
  after = aqmp_client_execute_sync (client, "echo-size", args, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&client);
  aqmp_server_stop (server);
  aqmp_test_remove_dir (dir);
}

/* ----- TLS ----- */

static void
test_tls_commands (TlsFixture *f, gconstpointer data)
{
  g_autoptr(AqmpClient) client = tls_client_new ("ca-cert.pem");
  g_autoptr(GError) error = NULL;
  AqmpTestCall r[20] = { { 0, }, };

  /* the handshake, the greeting and qmp_capabilities */
  g_assert_true (aqmp_client_connect_sync (client, f->tls_address, NULL, &error));
  g_assert_no_error (error);
  /* one after another: each reply comes without a next request */
  for (guint i = 0; i < 10; i++)
    {
      g_autoptr(JsonNode) value = aqmp_client_execute_full_sync (client, "query-status", NULL, 0, 5000, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (value));
    }
  /* and pipelined */
  for (guint i = 0; i < G_N_ELEMENTS (r); i++)
    aqmp_client_execute_full_async (client, i % 2 ? "query-version" : "query-name", NULL, 0, 5000,
                                    NULL, aqmp_test_execute_cb, &r[i]);
  for (guint i = 0; i < G_N_ELEMENTS (r); i++)
    {
      g_assert_true (aqmp_test_wait_for_flag (&r[i].done, WAIT_MS));
      g_assert_no_error (r[i].error);
      aqmp_test_call_clear (&r[i]);
    }
  g_assert_true (aqmp_client_disconnect_sync (client, NULL, &error));
  g_assert_no_error (error);
}

static void
test_tls_property (TlsFixture *f, gconstpointer data)
{
  g_autoptr(AqmpClient) client = tls_client_new ("ca-cert.pem");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(GUnixFDList) fds = pipe_fd_list (1);
  g_autoptr(JsonObject) args = aqmp_test_object_from_json ("{\"fdname\": \"fd0\"}");
  /* tcp:localhost:PORT, with TLS from the property: the name is checked */
  g_autofree gchar *address = g_strdup_printf ("tcp:localhost:%s", strrchr (f->tls_address, ':') + 1);

  aqmp_client_set_tls (client, TRUE);
  g_assert_true (aqmp_client_connect_sync (client, address, NULL, &error));
  g_assert_no_error (error);
  value = aqmp_client_execute_sync (client, "query-status", NULL, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&value, json_node_unref);

  /* no descriptors over TLS */
  value = aqmp_client_execute_with_fds_sync (client, "getfd", args, fds, 0, -1, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "TLS"));
  g_clear_error (&error);
  aqmp_client_disconnect_sync (client, NULL, NULL);

  /* and TLS is refused over a Unix socket */
  g_assert_false (aqmp_client_connect_sync (client, f->qemu->address, NULL, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_CONNECT);
  g_assert_nonnull (strstr (error->message, "TCP"));
}

static void
test_tls_wrong_ca (TlsFixture *f, gconstpointer data)
{
  g_autoptr(AqmpClient) client = tls_client_new ("other-ca-cert.pem");
  g_autoptr(AqmpClient) good = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_false (aqmp_client_connect_sync (client, f->tls_address, NULL, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_CONNECT);
  g_assert_nonnull (strstr (error->message, "certificate"));
  g_assert_nonnull (strstr (error->message, "trusted certificate authority"));
  g_assert_cmpint (aqmp_client_get_state (client), ==, AQMP_STATE_IDLE);
  g_clear_error (&error);

  /* a CA file that does not load is reported as such */
  aqmp_client_set_tls_ca_file (client, "/nonexistent/ca.pem");
  g_assert_false (aqmp_client_connect_sync (client, f->tls_address, NULL, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_CONNECT);
  g_assert_nonnull (strstr (error->message, "/nonexistent/ca.pem"));
  g_clear_error (&error);

  /* the monitor is free again for a client that trusts the right CA */
  good = tls_client_new ("ca-cert.pem");
  g_assert_true (aqmp_client_connect_sync (good, f->tls_address, NULL, &error));
  g_assert_no_error (error);
}

static void
test_tls_plain_client (TlsFixture *f, gconstpointer data)
{
  g_autoptr(AqmpClient) client = aqmp_client_new ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *address = g_strdup_printf ("tcp:%s", f->tls_address + strlen ("tls:"));
  gint64 start = g_get_monotonic_time ();

  /* QEMU waits for a ClientHello, the client for a greeting: the
   * connect timeout ends it, or QEMU drops the connection */
  aqmp_client_set_connect_timeout (client, 1000);
  g_assert_false (aqmp_client_connect_sync (client, address, NULL, &error));
  g_test_message ("%s", error->message);
  g_assert_true (g_error_matches (error, AQMP_ERROR, AQMP_ERROR_TIMEOUT)
                 || g_error_matches (error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED)
                 || g_error_matches (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  g_assert_cmpint (aqmp_client_get_state (client), ==, AQMP_STATE_IDLE);
}

static void
test_tls_to_plain_monitor (TlsFixture *f, gconstpointer data)
{
  g_autoptr(AqmpClient) client = tls_client_new ("ca-cert.pem");
  g_autoptr(GError) error = NULL;
  g_autofree gchar *address = g_strdup_printf ("tls:%s", f->plain_address + strlen ("tcp:"));
  gint64 start = g_get_monotonic_time ();

  /* the greeting is no TLS record: the handshake fails */
  aqmp_client_set_connect_timeout (client, 3000);
  g_assert_false (aqmp_client_connect_sync (client, address, NULL, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_CONNECT);
  g_assert_nonnull (strstr (error->message, "TLS handshake"));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);
}

static void
test_tls_client_certificate (TlsFixture *f, gconstpointer data)
{
  g_autoptr(AqmpClient) anonymous = tls_client_new ("ca-cert.pem");
  g_autoptr(AqmpClient) client = tls_client_new ("ca-cert.pem");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autofree gchar *cert = cert_path ("client-cert.pem");
  g_autofree gchar *key = cert_path ("client-key.pem");

  /* verify-peer=on: without a certificate QEMU refuses */
  aqmp_client_set_connect_timeout (anonymous, 3000);
  g_assert_false (aqmp_client_connect_sync (anonymous, f->tls_address, NULL, &error));
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_clear_object (&anonymous);

  g_assert_false (aqmp_client_set_tls_certificate_files (client, "/nonexistent.pem", NULL, &error));
  g_assert_nonnull (strstr (error->message, "/nonexistent.pem"));
  g_clear_error (&error);
  g_assert_true (aqmp_client_set_tls_certificate_files (client, cert, key, &error));
  g_assert_no_error (error);
  g_assert_true (aqmp_client_connect_sync (client, f->tls_address, NULL, &error));
  g_assert_no_error (error);
  value = aqmp_client_execute_sync (client, "query-status", NULL, NULL, &error);
  g_assert_no_error (error);
}

/* ----- the command line ----- */

static void
test_cli_fd (Fixture *f, gconstpointer data)
{
  g_autofree gchar *file = aqmp_test_qemu_path (f->qemu, "passed.txt");
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autoptr(GError) error = NULL;
  gint status;

  /* the monitor serves one client at a time */
  g_clear_object (&f->client);
  g_assert_true (g_file_set_contents (file, "hello", -1, &error));
  status = aqmp_test_tool_run (NULL, NULL, &out, &err, "exec", "--compact", "--fd", file,
                               f->qemu->address, "add-fd", "opaque=aqmp-test", NULL);
  g_test_message ("%s%s", out, err);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "\"fdset-id\""));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* (QEMU drops an unused fdset when its monitor disconnects) */

  /* a file that cannot be opened is a usage problem */
  status = aqmp_test_tool_run (NULL, NULL, &out, &err, "exec", "--fd", "/nonexistent/file",
                               f->qemu->address, "add-fd", NULL);
  g_assert_cmpint (status, ==, 2);
  g_assert_nonnull (strstr (err, "/nonexistent/file"));
}

static void
test_cli_tls (TlsFixture *f, gconstpointer data)
{
  g_autofree gchar *ca = cert_path ("ca-cert.pem");
  g_autofree gchar *other = cert_path ("other-ca-cert.pem");
  g_autofree gchar *tcp = g_strdup_printf ("tcp:%s", f->tls_address + strlen ("tls:"));
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  gint status;

  status = aqmp_test_tool_run (NULL, NULL, &out, &err, "exec", "--compact", "--tls-ca", ca,
                               f->tls_address, "query-status", NULL);
  g_test_message ("%s%s", out, err);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "\"status\""));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  status = aqmp_test_tool_run (NULL, NULL, &out, &err, "exec", "--compact", "--tls", "--tls-ca", ca,
                               tcp, "query-version", NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "\"qemu\""));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  status = aqmp_test_tool_run (NULL, NULL, &out, &err, "exec", "--tls-ca", other,
                               f->tls_address, "query-status", NULL);
  g_test_message ("%s", err);
  g_assert_cmpint (status, ==, 2);
  g_assert_nonnull (strstr (err, "certificate"));
}

int
main (int argc, char **argv)
{
  gint status;

  g_test_init (&argc, &argv, NULL);
  cert_dir = make_certificates ();

  g_test_add ("/aqmp/fds/getfd", Fixture, NULL, fixture_setup, test_fds_getfd, fixture_teardown);
  g_test_add ("/aqmp/fds/add-fd", Fixture, NULL, fixture_setup, test_fds_add_fd, fixture_teardown);
  g_test_add ("/aqmp/fds/none-supplied", Fixture, NULL, fixture_setup, test_fds_none_supplied, fixture_teardown);
  g_test_add ("/aqmp/fds/too-many", Fixture, NULL, fixture_setup, test_fds_too_many, fixture_teardown);
  g_test_add ("/aqmp/fds/order", Fixture, NULL, fixture_setup, test_fds_order, fixture_teardown);
  g_test_add ("/aqmp/fds/tcp-refused", TlsFixture, GINT_TO_POINTER (FALSE), tls_fixture_setup,
              test_fds_tcp_refused, tls_fixture_teardown);
  g_test_add_func ("/aqmp/fds/partial-write", test_fds_partial_write);
  g_test_add ("/aqmp/tls/commands", TlsFixture, GINT_TO_POINTER (FALSE), tls_fixture_setup,
              test_tls_commands, tls_fixture_teardown);
  g_test_add ("/aqmp/tls/property", TlsFixture, GINT_TO_POINTER (FALSE), tls_fixture_setup,
              test_tls_property, tls_fixture_teardown);
  g_test_add ("/aqmp/tls/wrong-ca", TlsFixture, GINT_TO_POINTER (FALSE), tls_fixture_setup,
              test_tls_wrong_ca, tls_fixture_teardown);
  g_test_add ("/aqmp/tls/plain-client", TlsFixture, GINT_TO_POINTER (FALSE), tls_fixture_setup,
              test_tls_plain_client, tls_fixture_teardown);
  g_test_add ("/aqmp/tls/plain-monitor", TlsFixture, GINT_TO_POINTER (FALSE), tls_fixture_setup,
              test_tls_to_plain_monitor, tls_fixture_teardown);
  g_test_add ("/aqmp/tls/client-certificate", TlsFixture, GINT_TO_POINTER (TRUE), tls_fixture_setup,
              test_tls_client_certificate, tls_fixture_teardown);
  g_test_add ("/aqmp/cli/fd", Fixture, NULL, fixture_setup, test_cli_fd, fixture_teardown);
  g_test_add ("/aqmp/cli/tls", TlsFixture, GINT_TO_POINTER (FALSE), tls_fixture_setup,
              test_cli_tls, tls_fixture_teardown);
  status = g_test_run ();
  aqmp_test_remove_dir (cert_dir);
  g_free (cert_dir);
  return status;
}
