/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>
#include <sys/socket.h>
#include <glib/gstdio.h>

#include <aqmp/aqmp.h>

/* a plain GIO client that collects what the server sends */
typedef struct {
  GSocketConnection *conn;
  GCancellable *cancellable;
  GByteArray *buf;
  guint8 readbuf[4096];
  guint n_reads;
  gboolean eof;
  gboolean reading;
} TestClient;

static gboolean
test_timeout_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* iterate the default context until @cond holds; fail after 5 s */
#define WAIT_FOR(cond)                                                       \
  G_STMT_START {                                                             \
    gboolean timed_out_ = FALSE;                                             \
    guint guard_ = g_timeout_add (5000, test_timeout_cb, &timed_out_);       \
    while (!(cond) && !timed_out_)                                           \
      g_main_context_iteration (NULL, TRUE);                                 \
    if (!timed_out_)                                                         \
      g_source_remove (guard_);                                              \
    if (!(cond))                                                             \
      g_error ("timed out waiting for %s", #cond);                           \
  } G_STMT_END

static void test_client_read_next (TestClient *client);

static void
test_client_read_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  TestClient *client = user_data;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  client->reading = FALSE;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (n <= 0)
    {
      client->eof = TRUE;
      return;
    }
  client->n_reads++;
  g_byte_array_append (client->buf, client->readbuf, n);
  test_client_read_next (client);
}

static void
test_client_read_next (TestClient *client)
{
  client->reading = TRUE;
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (client->conn)),
                             client->readbuf, sizeof (client->readbuf),
                             G_PRIORITY_DEFAULT, client->cancellable,
                             test_client_read_cb, client);
}

static TestClient *
test_client_new_for_connection (GSocketConnection *conn)
{
  TestClient *client = g_new0 (TestClient, 1);

  client->conn = conn;
  client->cancellable = g_cancellable_new ();
  client->buf = g_byte_array_new ();
  test_client_read_next (client);
  return client;
}

static TestClient *
test_client_new (const gchar *address)
{
  g_autoptr(GSocketClient) sc = g_socket_client_new ();
  g_autoptr(GSocketAddress) addr = NULL;
  g_autoptr(GError) error = NULL;
  GSocketConnection *conn;

  /* no proxy lookups for loopback */
  g_socket_client_set_enable_proxy (sc, FALSE);
  if (g_str_has_prefix (address, "unix:"))
    {
      addr = g_unix_socket_address_new (address + 5);
      conn = g_socket_client_connect (sc, G_SOCKET_CONNECTABLE (addr), NULL, &error);
    }
  else
    {
      g_assert_true (g_str_has_prefix (address, "tcp:"));
      conn = g_socket_client_connect_to_host (sc, address + 4, 0, NULL, &error);
    }
  g_assert_no_error (error);
  return test_client_new_for_connection (conn);
}

static void
test_client_free (TestClient *client)
{
  g_cancellable_cancel (client->cancellable);
  WAIT_FOR (!client->reading);
  g_io_stream_close (G_IO_STREAM (client->conn), NULL, NULL);
  g_object_unref (client->conn);
  g_object_unref (client->cancellable);
  g_byte_array_unref (client->buf);
  g_free (client);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestClient, test_client_free)

static void
test_client_send (TestClient *client, const gchar *data, gssize length)
{
  g_autoptr(GError) error = NULL;
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (client->conn));

  if (length < 0)
    length = strlen (data);
  g_output_stream_write_all (out, data, length, NULL, NULL, &error);
  g_assert_no_error (error);
}

/* the end of the first line, including its terminator, or 0 */
static gsize
test_client_line_end (TestClient *client)
{
  const guint8 *nl;

  if (client->buf->len == 0)
    return 0;
  nl = memchr (client->buf->data, '\n', client->buf->len);
  return nl != NULL ? (gsize) (nl - client->buf->data) + 1 : 0;
}

/* the next line, with its terminator */
static gchar *
test_client_read_line (TestClient *client)
{
  gsize end;
  gchar *line;

  WAIT_FOR (test_client_line_end (client) > 0 || client->eof);
  end = test_client_line_end (client);
  g_assert_cmpuint (end, >, 0);
  line = g_strndup ((const gchar *) client->buf->data, end);
  g_byte_array_remove_range (client->buf, 0, end);
  return line;
}

static JsonObject *
test_parse (const gchar *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static JsonObject *
test_client_read_message (TestClient *client)
{
  g_autofree gchar *line = test_client_read_line (client);

  g_assert_true (g_str_has_suffix (line, "\r\n"));
  return test_parse (line);
}

static void
test_assert_error (JsonObject *msg, const gchar *qmp_class)
{
  JsonObject *error;

  g_assert_true (json_object_has_member (msg, "error"));
  error = json_object_get_object_member (msg, "error");
  g_assert_cmpstr (json_object_get_string_member (error, "class"), ==, qmp_class);
  g_assert_nonnull (json_object_get_string_member (error, "desc"));
}

static void
test_assert_event (JsonObject *msg, const gchar *name)
{
  JsonObject *timestamp;

  g_assert_cmpstr (json_object_get_string_member_with_default (msg, "event", NULL), ==, name);
  timestamp = json_object_get_object_member (msg, "timestamp");
  g_assert_nonnull (timestamp);
  g_assert_cmpint (json_object_get_int_member (timestamp, "seconds"), >, 0);
}

/* a server on TCP and a connected client that has read the greeting */
static TestClient *
test_connect (AqmpServer *server, gboolean negotiate)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *address = aqmp_server_listen (server, "tcp:127.0.0.1:0", &error);
  g_autoptr(JsonObject) greeting = NULL;
  TestClient *client;

  g_assert_no_error (error);
  client = test_client_new (address);
  greeting = test_client_read_message (client);
  g_assert_true (json_object_has_member (greeting, "QMP"));
  if (negotiate)
    {
      g_autoptr(JsonObject) reply = NULL;
      test_client_send (client, "{\"execute\": \"qmp_capabilities\"}\n", -1);
      reply = test_client_read_message (client);
      g_assert_true (json_object_has_member (reply, "return"));
    }
  return client;
}

static void
test_server_greeting (void)
{
  g_autoptr(AqmpServer) server = aqmp_server_new ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *address = aqmp_server_listen (server, "tcp:127.0.0.1:0", &error);
  g_autoptr(TestClient) client = NULL;
  g_autofree gchar *line = NULL;
  g_autoptr(JsonObject) greeting = NULL;
  JsonObject *qemu;
  JsonArray *caps;

  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (address, "tcp:127.0.0.1:"));
  g_assert_cmpstr (address, !=, "tcp:127.0.0.1:0");
  client = test_client_new (address);
  line = test_client_read_line (client);
  g_assert_true (g_str_has_suffix (line, "}\r\n"));
  greeting = test_parse (line);
  qemu = json_object_get_object_member (json_object_get_object_member (
           json_object_get_object_member (greeting, "QMP"), "version"), "qemu");
  g_assert_cmpint (json_object_get_int_member (qemu, "major"), ==, 7);
  g_assert_cmpint (json_object_get_int_member (qemu, "minor"), ==, 2);
  caps = json_object_get_array_member (json_object_get_object_member (greeting, "QMP"),
                                       "capabilities");
  g_assert_cmpstr (json_array_get_string_element (caps, 0), ==, "oob");
  WAIT_FOR (aqmp_server_get_n_connections (server) == 1);
}

static void
test_server_unix (void)
{
  g_autoptr(AqmpServer) server = aqmp_server_new ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *dir = g_dir_make_tmp ("aqmp-server-XXXXXX", &error);
  g_autofree gchar *path = g_build_filename (dir, "qmp.sock", NULL);
  g_autofree gchar *wanted = g_strdup_printf ("unix:%s", path);
  g_autofree gchar *address = NULL;
  g_autoptr(TestClient) client = NULL;
  g_autoptr(JsonObject) greeting = NULL;
  g_autoptr(JsonObject) reply = NULL;

  g_assert_no_error (error);
  address = aqmp_server_listen (server, path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (address, ==, wanted);

  /* no greeting, guest agent style line endings */
  aqmp_server_set_greeting (server, NULL);
  aqmp_server_set_require_negotiation (server, FALSE);
  aqmp_server_set_line_ending (server, "\n");
  client = test_client_new (address);
  test_client_send (client, "{\"execute\": \"query-status\", \"id\": 1}", -1);
  {
    g_autofree gchar *line = test_client_read_line (client);
    g_assert_false (g_str_has_suffix (line, "\r\n"));
    reply = test_parse (line);
  }
  g_assert_cmpint (json_object_get_int_member (reply, "id"), ==, 1);
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (reply, "return"),
                                                 "running"));

  aqmp_server_stop (server);
  WAIT_FOR (client->eof);
  g_assert_cmpuint (aqmp_server_get_n_connections (server), ==, 0);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_rmdir (dir);
}

static void
test_server_bad_address (void)
{
  g_autoptr(AqmpServer) server = aqmp_server_new ();
  const gchar *bad[] = { "tcp:not-an-ip:0", "nonsense", "tcp:127.0.0.1:99999", "unix:", NULL };

  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree gchar *address = aqmp_server_listen (server, bad[i], &error);
      g_assert_error (error, AQMP_ERROR, AQMP_ERROR_CONNECT);
      g_assert_null (address);
    }
}

typedef enum {
  TEST_ADDRESS_ACCEPTED,
  TEST_ADDRESS_REFUSED,
  TEST_ADDRESS_AS_CLIENT,   /* depends on the host (IPv6): as the client */
} TestAddressOutcome;

/* whether an AqmpClient accepts @address to listen on */
static gboolean
test_client_accepts (const gchar *address)
{
  g_autoptr(AqmpClient) client = aqmp_client_new ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *listening = aqmp_client_listen (client, address, &error);

  if (listening == NULL)
    g_assert_error (error, AQMP_ERROR, AQMP_ERROR_CONNECT);
  /* unref closes the socket and removes its path */
  return listening != NULL;
}

/* an AqmpClient connects to @address and gets an answer from @server */
static void
test_client_query (const gchar *address)
{
  g_autoptr(AqmpClient) client = aqmp_client_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) status = NULL;

  aqmp_client_set_connect_timeout (client, 5000);
  aqmp_client_set_default_timeout (client, 5000);
  g_assert_true (aqmp_client_connect_sync (client, address, NULL, &error));
  g_assert_no_error (error);
  status = aqmp_client_execute_sync (client, "query-status", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (status), "running"));
  g_assert_true (aqmp_client_disconnect_sync (client, NULL, &error));
  g_assert_no_error (error);
}

/* the server reads addresses with the client's parser: what a client
 * accepts to listen on, the server accepts, relative paths included */
static void
test_server_address_forms (void)
{
  static const struct {
    const gchar *address;
    TestAddressOutcome outcome;
  } forms[] = {
    { "./qmp.sock", TEST_ADDRESS_ACCEPTED },
    { "unix:qmp.sock", TEST_ADDRESS_ACCEPTED },
    { "unix:./qmp.sock", TEST_ADDRESS_ACCEPTED },
    { "@ABS@/qmp.sock", TEST_ADDRESS_ACCEPTED },
    { "unix:@ABS@/qmp.sock", TEST_ADDRESS_ACCEPTED },
    { "tcp:127.0.0.1:0", TEST_ADDRESS_ACCEPTED },
    { "127.0.0.1:0", TEST_ADDRESS_ACCEPTED },
    { "tcp:localhost:0", TEST_ADDRESS_ACCEPTED },
    { "localhost:0", TEST_ADDRESS_ACCEPTED },
    { "tcp:[::1]:0", TEST_ADDRESS_AS_CLIENT },
    { "unix:", TEST_ADDRESS_REFUSED },
    { "nonsense", TEST_ADDRESS_REFUSED },
    { ":0", TEST_ADDRESS_REFUSED },
    { "tcp:127.0.0.1:99999", TEST_ADDRESS_REFUSED },
    { "tcp:host.invalid:0", TEST_ADDRESS_REFUSED },
    { "tls:127.0.0.1:0", TEST_ADDRESS_REFUSED },
  };
  g_autoptr(GError) error = NULL;
  g_autofree gchar *dir = g_dir_make_tmp ("aqmp-server-XXXXXX", &error);
  g_autofree gchar *cwd = g_get_current_dir ();

  g_assert_no_error (error);
  /* the relative forms are relative to the working directory */
  g_assert_cmpint (g_chdir (dir), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (forms); i++)
    {
      g_autoptr(GString) address = g_string_new (forms[i].address);
      g_autoptr(AqmpServer) server = aqmp_server_new ();
      g_autofree gchar *listening = NULL;
      g_autoptr(GError) server_error = NULL;
      gboolean client_accepts;

      g_string_replace (address, "@ABS@", dir, 0);
      g_test_message ("address %s", address->str);
      client_accepts = test_client_accepts (address->str);
      if (forms[i].outcome != TEST_ADDRESS_AS_CLIENT)
        g_assert_cmpint (client_accepts, ==, forms[i].outcome == TEST_ADDRESS_ACCEPTED);

      listening = aqmp_server_listen (server, address->str, &server_error);
      if (!client_accepts)
        {
          g_assert_error (server_error, AQMP_ERROR, AQMP_ERROR_CONNECT);
          g_assert_null (listening);
          continue;
        }
      g_assert_no_error (server_error);
      /* a Unix socket is reached by the very address it was given */
      test_client_query (g_str_has_prefix (listening, "unix:") ? address->str : listening);
      aqmp_server_stop (server);
      g_assert_false (g_file_test ("qmp.sock", G_FILE_TEST_EXISTS));
    }
  g_assert_cmpint (g_chdir (cwd), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* the one rule of the server's own: it listens on loopback only */
static void
test_server_loopback_only (void)
{
  const gchar *outside[] = { "tcp:0.0.0.0:0", "192.0.2.1:0", "tcp:[::]:0", NULL };

  for (guint i = 0; outside[i] != NULL; i++)
    {
      g_autoptr(AqmpServer) server = aqmp_server_new ();
      g_autoptr(GError) error = NULL;
      g_autofree gchar *address = aqmp_server_listen (server, outside[i], &error);

      g_assert_error (error, AQMP_ERROR, AQMP_ERROR_CONNECT);
      g_assert_nonnull (strstr (error->message, "loopback"));
      g_assert_null (address);
    }
}

static void
test_server_negotiation (void)
{
  g_autoptr(AqmpServer) server = aqmp_server_new ();
  g_autoptr(TestClient) client = test_connect (server, FALSE);
  g_autoptr(JsonObject) reply1 = NULL;
  g_autoptr(JsonObject) reply2 = NULL;
  g_autoptr(JsonObject) reply3 = NULL;
  g_autoptr(JsonObject) reply4 = NULL;
  g_autoptr(JsonObject) event = NULL;

  /* no events before negotiation */
  aqmp_server_emit_event (server, "EARLY", NULL);
  test_client_send (client, "{\"execute\": \"query-status\", \"id\": \"a\"}", -1);
  reply1 = test_client_read_message (client);
  test_assert_error (reply1, "CommandNotFound");
  g_assert_cmpstr (json_object_get_string_member (reply1, "id"), ==, "a");

  test_client_send (client,
                    "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": [\"oob\"]}, \"id\": 2}", -1);
  reply2 = test_client_read_message (client);
  g_assert_true (json_object_has_member (reply2, "return"));
  g_assert_cmpint (json_object_get_int_member (reply2, "id"), ==, 2);

  aqmp_server_emit_event (server, "LATE", NULL);
  event = test_client_read_message (client);
  test_assert_event (event, "LATE");
  g_assert_false (json_object_has_member (event, "data"));

  test_client_send (client, "{\"execute\": \"qmp_capabilities\"}", -1);
  reply3 = test_client_read_message (client);
  test_assert_error (reply3, "CommandNotFound");
  g_assert_false (json_object_has_member (reply3, "id"));

  /* oob was negotiated: exec-oob goes through */
  test_client_send (client, "{\"exec-oob\": \"stop\", \"id\": 5}", -1);
  reply4 = test_client_read_message (client);
  test_assert_error (reply4, "GenericError");
  g_assert_cmpint (json_object_get_int_member (reply4, "id"), ==, 5);
}

static void
test_server_negotiation_refused (void)
{
  g_autoptr(AqmpServer) server = aqmp_server_new ();
  g_autoptr(TestClient) client = NULL;
  g_autoptr(JsonObject) reply1 = NULL;
  g_autoptr(JsonObject) reply2 = NULL;
  g_autoptr(JsonObject) reply3 = NULL;
  g_autoptr(JsonObject) greeting = json_object_new ();
  JsonObject *qmp = json_object_new ();

  /* a greeting without oob refuses it */
  json_object_set_array_member (qmp, "capabilities", json_array_new ());
  json_object_set_object_member (greeting, "QMP", qmp);
  aqmp_server_set_greeting (server, greeting);
  client = test_connect (server, FALSE);
  test_client_send (client,
                    "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": [\"oob\"]}}", -1);
  reply1 = test_client_read_message (client);
  test_assert_error (reply1, "GenericError");

  /* an override makes negotiation fail */
  aqmp_server_set_error (server, "qmp_capabilities", "GenericError", "nope");
  test_client_send (client, "{\"execute\": \"qmp_capabilities\"}", -1);
  reply2 = test_client_read_message (client);
  test_assert_error (reply2, "GenericError");
  test_client_send (client, "{\"execute\": \"query-version\"}", -1);
  reply3 = test_client_read_message (client);
  test_assert_error (reply3, "CommandNotFound");
}

static JsonNode *
test_echo_id_handler (AqmpServer *server, JsonObject *request, gpointer user_data, GError **error)
{
  guint *calls = user_data;
  JsonNode *id = json_object_get_member (request, "id");

  (*calls)++;
  if (*calls == 1)
    return json_node_copy (id);
  if (*calls == 2)
    {
      g_propagate_error (error, aqmp_error_new_command ("x", "DeviceNotFound", "no such device"));
      return NULL;
    }
  if (*calls == 3)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "plain failure");
      return NULL;
    }
  /* answer later, by hand */
  aqmp_server_send_reply (server, id, NULL);
  return NULL;
}

static void
test_server_handler (void)
{
  g_autoptr(AqmpServer) server = aqmp_server_new ();
  g_autoptr(TestClient) client = test_connect (server, TRUE);
  g_autoptr(JsonObject) reply1 = NULL;
  g_autoptr(JsonObject) reply2 = NULL;
  g_autoptr(JsonObject) reply3 = NULL;
  g_autoptr(JsonObject) reply4 = NULL;
  g_autoptr(JsonObject) reply5 = NULL;
  g_autoptr(JsonObject) reply6 = NULL;
  guint calls = 0;

  aqmp_server_set_handler (server, "x", test_echo_id_handler, &calls, NULL);
  test_client_send (client, "{\"execute\": \"x\", \"id\": [1, \"two\"]}", -1);
  reply1 = test_client_read_message (client);
  g_assert_true (json_node_equal (json_object_get_member (reply1, "return"),
                                  json_object_get_member (reply1, "id")));
  test_client_send (client, "{\"execute\": \"x\"}", -1);
  reply2 = test_client_read_message (client);
  test_assert_error (reply2, "DeviceNotFound");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (reply2, "error"),
                                                  "desc"), ==, "no such device");
  test_client_send (client, "{\"execute\": \"x\"}", -1);
  reply3 = test_client_read_message (client);
  test_assert_error (reply3, "GenericError");
  test_client_send (client, "{\"execute\": \"x\", \"id\": 4}", -1);
  reply4 = test_client_read_message (client);
  g_assert_cmpint (json_object_get_int_member (reply4, "id"), ==, 4);
  g_assert_cmpuint (calls, ==, 4);

  /* the handler beats a canned reply; removing it exposes the reply */
  aqmp_server_set_reply (server, "x", NULL);
  aqmp_server_set_handler (server, "x", NULL, NULL, NULL);
  test_client_send (client, "{\"execute\": \"x\"}", -1);
  reply5 = test_client_read_message (client);
  g_assert_true (json_object_has_member (reply5, "return"));

  test_client_send (client, "{\"execute\": \"nope\"}", -1);
  reply6 = test_client_read_message (client);
  test_assert_error (reply6, "CommandNotFound");
}

static void
test_server_expectations (void)
{
  g_autoptr(AqmpServer) server = aqmp_server_new ();
  g_autoptr(TestClient) client = test_connect (server, TRUE);
  g_autoptr(JsonObject) args = json_object_new ();
  g_autoptr(JsonNode) value = json_from_string ("{\"x\": 1}", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply1 = NULL;
  g_autoptr(JsonObject) reply2 = NULL;
  g_autoptr(JsonObject) reply3 = NULL;
  g_autoptr(JsonObject) reply4 = NULL;
  GPtrArray *received;

  json_object_set_string_member (args, "device", "disk0");
  aqmp_server_expect (server, "block-resize", args, value);
  aqmp_server_expect_error (server, "eject", NULL, "DeviceNotActive", "not active");
  aqmp_server_expect (server, "never-sent", NULL, NULL);

  test_client_send (client,
                    "{\"execute\": \"block-resize\", \"arguments\": {\"device\": \"disk0\", \"size\": 1}}", -1);
  reply1 = test_client_read_message (client);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (reply1, "return"), "x"), ==, 1);
  test_client_send (client, "{\"execute\": \"eject\"}", -1);
  reply2 = test_client_read_message (client);
  test_assert_error (reply2, "DeviceNotActive");

  /* a wrong command is answered and recorded, and does not consume */
  test_client_send (client, "{\"execute\": \"query-status\"}", -1);
  reply3 = test_client_read_message (client);
  test_assert_error (reply3, "GenericError");

  /* qmp_capabilities is exempt */
  test_client_send (client, "{\"execute\": \"qmp_capabilities\"}", -1);
  reply4 = test_client_read_message (client);
  test_assert_error (reply4, "CommandNotFound");

  g_assert_false (aqmp_server_verify (server, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "unexpected command 'query-status' (expected 'never-sent')"));
  g_assert_nonnull (strstr (error->message, "'never-sent' was never received"));

  received = aqmp_server_get_received (server);
  g_assert_cmpuint (received->len, ==, 5);
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (received, 0), "execute"),
                   ==, "qmp_capabilities");
}

static void
test_server_expectations_ok (void)
{
  g_autoptr(AqmpServer) server = aqmp_server_new ();
  g_autoptr(TestClient) client = NULL;
  g_autoptr(JsonObject) reply1 = NULL;
  g_autoptr(JsonObject) reply2 = NULL;
  g_autoptr(GError) error = NULL;

  aqmp_server_set_strict (server, TRUE);
  g_assert_true (aqmp_server_verify (server, &error));
  g_assert_no_error (error);
  client = test_connect (server, TRUE);
  aqmp_server_expect (server, "cont", NULL, NULL);
  test_client_send (client, "{\"execute\": \"cont\"}", -1);
  reply1 = test_client_read_message (client);
  g_assert_true (json_object_has_member (reply1, "return"));
  g_assert_true (aqmp_server_verify (server, &error));
  g_assert_no_error (error);

  /* strict: anything more fails */
  test_client_send (client, "{\"execute\": \"cont\"}", -1);
  reply2 = test_client_read_message (client);
  test_assert_error (reply2, "GenericError");
  g_assert_false (aqmp_server_verify (server, &error));
  g_assert_nonnull (strstr (error->message, "no more commands expected"));
}

static void
test_server_parse_error_recovery (void)
{
  g_autoptr(AqmpServer) server = aqmp_server_new ();
  g_autoptr(TestClient) client = test_connect (server, TRUE);
  struct {
    const gchar *input;
    guint n_errors;
  } broken[] = {
    { "\xff", 1 },                                  /* a lone reset byte */
    { "{\"execute\": \"query-st\xff", 1 },          /* partial JSON, then reset */
    { "\x01", 1 },
    { "junk\n", 1 },                                /* skipped up to the newline */
    { "{\"execute\": }\n", 1 },
    { "{\"execute\": \"a\x02\"}\n", 2 },             /* reset, then the rest is junk */
  };

  for (guint i = 0; i < G_N_ELEMENTS (broken); i++)
    {
      g_autoptr(JsonObject) reply = NULL;

      test_client_send (client, broken[i].input, -1);
      test_client_send (client, "{\"execute\": \"query-status\", \"id\": 7}\n", -1);
      for (guint j = 0; j < broken[i].n_errors; j++)
        {
          g_autoptr(JsonObject) error = test_client_read_message (client);
          test_assert_error (error, "GenericError");
          g_assert_false (json_object_has_member (error, "id"));
        }

      /* the exact number of errors, then the command works */
      reply = test_client_read_message (client);
      g_assert_true (json_object_has_member (reply, "return"));
      g_assert_cmpint (json_object_get_int_member (reply, "id"), ==, 7);
    }
}

/* read until the reply with @id, skipping the errors before it */
static void
test_client_wait_reply (TestClient *client, gint64 id)
{
  while (TRUE)
    {
      g_autoptr(JsonObject) msg = test_client_read_message (client);

      if (json_object_has_member (msg, "id"))
        {
          g_assert_cmpint (json_object_get_int_member (msg, "id"), ==, id);
          g_assert_true (json_object_has_member (msg, "return"));
          return;
        }
      test_assert_error (msg, "GenericError");
    }
}

static void
test_server_garbage (void)
{
  g_autoptr(AqmpServer) server = aqmp_server_new ();
  g_autoptr(TestClient) client = test_connect (server, TRUE);
  g_autoptr(GString) deep = g_string_new ("{\"execute\": \"x\", \"arguments\": {\"a\": ");
  g_autofree guint8 *noise = g_malloc (65536);

  for (gsize i = 0; i < 65536; i++)
    noise[i] = (guint8) g_test_rand_int_range (0, 256);
  test_client_send (client, (const gchar *) noise, 65536);
  test_client_send (client, "\xff{\"execute\": \"query-status\", \"id\": 1}\n", -1);
  test_client_wait_reply (client, 1);

  /* nesting json-glib could not survive is refused before parsing */
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  g_string_append_c (deep, '\n');
  test_client_send (client, deep->str, deep->len);
  test_client_send (client, "{\"execute\": \"query-status\", \"id\": 2}\n", -1);
  test_client_wait_reply (client, 2);
  g_assert_cmpuint (aqmp_server_get_n_connections (server), ==, 1);
}

static void
test_server_invalid_requests (void)
{
  g_autoptr(AqmpServer) server = aqmp_server_new ();
  g_autoptr(TestClient) client = test_connect (server, TRUE);
  const gchar *invalid[] = {
    "{\"id\": 3}",
    "{\"execute\": 1, \"id\": 3}",
    "{\"execute\": \"x\", \"arguments\": [], \"id\": 3}",
    "{\"execute\": \"x\", \"bogus\": 1, \"id\": 3}",
    "{\"exec-oob\": \"x\", \"id\": 3}",
    NULL,
  };

  for (guint i = 0; invalid[i] != NULL; i++)
    {
      g_autoptr(JsonObject) reply = NULL;

      test_client_send (client, invalid[i], -1);
      reply = test_client_read_message (client);
      test_assert_error (reply, "GenericError");
      g_assert_cmpint (json_object_get_int_member (reply, "id"), ==, 3);
    }
}

static void
test_server_quit (void)
{
  g_autoptr(AqmpServer) server = aqmp_server_new ();
  g_autoptr(TestClient) client = test_connect (server, TRUE);
  g_autoptr(JsonObject) stop = NULL;
  g_autoptr(JsonObject) stop_reply = NULL;
  g_autoptr(JsonObject) status = NULL;
  g_autoptr(JsonObject) shutdown = NULL;
  g_autoptr(JsonObject) reply = NULL;

  test_client_send (client, "{\"execute\": \"stop\"}", -1);
  stop = test_client_read_message (client);
  test_assert_event (stop, "STOP");
  stop_reply = test_client_read_message (client);
  g_assert_true (json_object_has_member (stop_reply, "return"));
  test_client_send (client, "{\"execute\": \"query-status\"}", -1);
  status = test_client_read_message (client);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (status, "return"),
                                                  "status"), ==, "paused");

  test_client_send (client, "{\"execute\": \"quit\", \"id\": 9}", -1);
  shutdown = test_client_read_message (client);
  test_assert_event (shutdown, "SHUTDOWN");
  reply = test_client_read_message (client);
  g_assert_cmpint (json_object_get_int_member (reply, "id"), ==, 9);
  WAIT_FOR (client->eof);
  g_assert_cmpuint (client->buf->len, ==, 0);
  WAIT_FOR (aqmp_server_get_n_connections (server) == 0);
}

static void
test_server_chunked (void)
{
  g_autoptr(AqmpServer) server = aqmp_server_new ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *address = aqmp_server_listen (server, "tcp:127.0.0.1:0", &error);
  g_autoptr(TestClient) client = NULL;
  g_autofree gchar *line = NULL;

  g_assert_no_error (error);
  aqmp_server_set_chunk_size (server, 1);
  client = test_client_new (address);
  line = test_client_read_line (client);
  g_assert_true (g_str_has_prefix (line, "{\"QMP\""));
  g_assert_cmpuint (client->n_reads, ==, strlen (line));
}

static void
test_server_pre_greeting (void)
{
  g_autoptr(AqmpServer) server = aqmp_server_new ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *address = aqmp_server_listen (server, "127.0.0.1:0", &error);
  g_autoptr(TestClient) client = NULL;
  g_autoptr(JsonObject) event = NULL;
  g_autoptr(JsonObject) greeting = NULL;

  g_assert_no_error (error);
  aqmp_server_set_pre_greeting (server,
                                "{\"event\": \"RESET\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 2}}\r\n");
  client = test_client_new (address);
  event = test_client_read_message (client);
  g_assert_cmpstr (json_object_get_string_member (event, "event"), ==, "RESET");
  greeting = test_client_read_message (client);
  g_assert_true (json_object_has_member (greeting, "QMP"));
}

static void
test_server_delay (void)
{
  g_autoptr(AqmpServer) server = aqmp_server_new ();
  g_autoptr(TestClient) client = test_connect (server, TRUE);
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) second = NULL;
  gint64 start;

  aqmp_server_set_delay (server, "query-status", 100);
  start = g_get_monotonic_time ();
  test_client_send (client, "{\"execute\": \"query-status\", \"id\": 1}", -1);
  test_client_send (client, "{\"execute\": \"query-version\", \"id\": 2}", -1);
  first = test_client_read_message (client);
  g_assert_cmpint (json_object_get_int_member (first, "id"), ==, 2);
  second = test_client_read_message (client);
  g_assert_cmpint (json_object_get_int_member (second, "id"), ==, 1);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 100 * 1000);

  /* a delayed reply pending at dispose is dropped quietly */
  aqmp_server_set_no_reply (server, "query-version");
  test_client_send (client, "{\"execute\": \"query-status\", \"id\": 3}", -1);
  test_client_send (client, "{\"execute\": \"query-version\", \"id\": 4}", -1);
  WAIT_FOR (aqmp_server_get_received (server)->len == 5);
}

static void
test_server_faults (void)
{
  g_autoptr(AqmpServer) server = aqmp_server_new ();
  g_autoptr(TestClient) client = test_connect (server, TRUE);
  const gchar half[] = "{\"return\": {}, \"i";
  gsize size = 200 * 1024;

  aqmp_server_send_oversized (server, size);
  WAIT_FOR (client->buf->len >= size);
  g_assert_cmpuint (client->buf->len, ==, size);
  g_assert_cmpmem (client->buf->data, 12, "{\"return\": \"", 12);
  g_assert_null (memchr (client->buf->data, '\n', client->buf->len));
  g_byte_array_set_size (client->buf, 0);

  /* half a reply, then EOF */
  aqmp_server_send_raw (server, half, -1);
  aqmp_server_close_connections (server);
  aqmp_server_send_raw (server, "dropped", -1);
  WAIT_FOR (client->eof);
  g_assert_cmpmem (client->buf->data, client->buf->len, half, strlen (half));
  g_assert_cmpuint (aqmp_server_get_n_connections (server), ==, 0);
}

static void
test_server_add_stream (void)
{
  g_autoptr(AqmpServer) server = aqmp_server_new ();
  g_autoptr(TestClient) client = NULL;
  g_autoptr(GSocket) ours = NULL;
  g_autoptr(GSocket) theirs = NULL;
  g_autoptr(GSocketConnection) server_side = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) greeting = NULL;
  g_autoptr(JsonObject) event = NULL;
  gint fds[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM, 0, fds), ==, 0);
  ours = g_socket_new_from_fd (fds[0], &error);
  g_assert_no_error (error);
  theirs = g_socket_new_from_fd (fds[1], &error);
  g_assert_no_error (error);
  server_side = g_socket_connection_factory_create_connection (theirs);
  aqmp_server_add_stream (server, G_IO_STREAM (server_side));
  aqmp_server_set_require_negotiation (server, FALSE);
  client = test_client_new_for_connection (g_socket_connection_factory_create_connection (ours));
  greeting = test_client_read_message (client);
  g_assert_true (json_object_has_member (greeting, "QMP"));
  aqmp_server_emit_event (server, "HELLO", greeting);
  event = test_client_read_message (client);
  test_assert_event (event, "HELLO");
  g_assert_true (json_object_has_member (json_object_get_object_member (event, "data"), "QMP"));

  /* the client leaves; the server notices quietly */
  g_io_stream_close (G_IO_STREAM (client->conn), NULL, NULL);
  WAIT_FOR (aqmp_server_get_n_connections (server) == 0);
}

static void
test_server_many (void)
{
  g_autoptr(AqmpServer) server = aqmp_server_new ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *address = aqmp_server_listen (server, "tcp:127.0.0.1:0", &error);
  TestClient *clients[4];

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    {
      g_autoptr(JsonObject) greeting = NULL;
      clients[i] = test_client_new (address);
      greeting = test_client_read_message (clients[i]);
    }
  WAIT_FOR (aqmp_server_get_n_connections (server) == G_N_ELEMENTS (clients));

  /* negotiation is per connection */
  test_client_send (clients[0], "{\"execute\": \"qmp_capabilities\"}", -1);
  {
    g_autoptr(JsonObject) reply = test_client_read_message (clients[0]);
    g_assert_true (json_object_has_member (reply, "return"));
  }
  test_client_send (clients[1], "{\"execute\": \"query-status\"}", -1);
  {
    g_autoptr(JsonObject) reply = test_client_read_message (clients[1]);
    test_assert_error (reply, "CommandNotFound");
  }
  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    test_client_free (clients[i]);
  WAIT_FOR (aqmp_server_get_n_connections (server) == 0);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/aqmp/server/greeting", test_server_greeting);
  g_test_add_func ("/aqmp/server/unix", test_server_unix);
  g_test_add_func ("/aqmp/server/bad-address", test_server_bad_address);
  g_test_add_func ("/aqmp/server/address-forms", test_server_address_forms);
  g_test_add_func ("/aqmp/server/loopback-only", test_server_loopback_only);
  g_test_add_func ("/aqmp/server/negotiation", test_server_negotiation);
  g_test_add_func ("/aqmp/server/negotiation-refused", test_server_negotiation_refused);
  g_test_add_func ("/aqmp/server/handler", test_server_handler);
  g_test_add_func ("/aqmp/server/expectations", test_server_expectations);
  g_test_add_func ("/aqmp/server/expectations-ok", test_server_expectations_ok);
  g_test_add_func ("/aqmp/server/parse-error-recovery", test_server_parse_error_recovery);
  g_test_add_func ("/aqmp/server/invalid-requests", test_server_invalid_requests);
  g_test_add_func ("/aqmp/server/garbage", test_server_garbage);
  g_test_add_func ("/aqmp/server/quit", test_server_quit);
  g_test_add_func ("/aqmp/server/chunked", test_server_chunked);
  g_test_add_func ("/aqmp/server/pre-greeting", test_server_pre_greeting);
  g_test_add_func ("/aqmp/server/delay", test_server_delay);
  g_test_add_func ("/aqmp/server/faults", test_server_faults);
  g_test_add_func ("/aqmp/server/add-stream", test_server_add_stream);
  g_test_add_func ("/aqmp/server/many", test_server_many);

  return g_test_run ();
}
