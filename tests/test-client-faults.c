/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * AqmpClient against the project's own AqmpServer, for the faults a real
 * QEMU cannot produce on demand (see FAULTS.md; the numbers below are its
 * cases): framing, the handshake, replies and events; the rest is in
 * test-client-loss.c, the fixture in aqmp-test-faults.c. Client and
 * server share the thread-default main context, and every wait is a
 * bounded iteration of it: no sleeps.
 */
#include <string.h>
#include <sys/socket.h>

#include "aqmp-test-faults.h"

/* ----- framing ----- */

/* #1: the greeting, replies and events one byte per read */
static void
test_framing_byte_by_byte (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;
  guint reads;

  aqmp_server_set_chunk_size (f->server, 1);
  fixture_connect_pair (f, TRUE);
  /* the greeting and the reply to qmp_capabilities, byte by byte */
  g_assert_cmpuint (f->counter->n_reads, ==, f->counter->n_bytes);
  g_assert_cmpuint (f->counter->n_reads, >, 100);

  reads = f->counter->n_reads;
  value = aqmp_client_execute_sync (f->client, "query-status", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (value), "running"));
  g_assert_cmpuint (f->counter->n_reads - reads, >, 50);
  g_assert_cmpuint (f->counter->n_reads, ==, f->counter->n_bytes);

  fixture_sync (f);
  aqmp_server_set_chunk_size (f->server, 0);
  g_clear_pointer (&value, json_node_unref);
  value = aqmp_client_execute_sync (f->client, "query-version", NULL, NULL, &error);
  g_assert_no_error (error);
}

/* #2: event, reply, event in one read are dispatched in that order */
static void
test_framing_one_read (Fixture *f, gconstpointer data)
{
  g_autofree gchar *log = NULL;
  CallResult r = { .log = f->log, .tag = "x" };
  guint reads;

  fixture_connect_pair (f, TRUE);
  aqmp_server_set_handler (f->server, "x", one_read_handler, NULL, NULL);
  reads = f->counter->n_reads;
  call_start (f, &r, "x", NULL);
  wait_for_log (f->log, "event:SECOND");
  g_assert_true (r.done);
  assert_value_n (r.value, 7);
  /* all three came in one read */
  g_assert_cmpuint (f->counter->n_reads - reads, ==, 1);
  log = fixture_log_string (f);
  g_assert_cmpstr (log, ==, "event:FIRST return:x event:SECOND");
  call_result_clear (&r);
}

static void
check_line_ending (Fixture *f, const gchar *line_ending)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(JsonObject) args = object_new_n (3);

  aqmp_server_set_line_ending (f->server, line_ending);
  fixture_connect (f);
  value = aqmp_client_execute_sync (f->client, "echo", args, NULL, &error);
  g_assert_no_error (error);
  assert_value_n (value, 3);
  fixture_sync (f);
  g_assert_true (aqmp_client_disconnect_sync (f->client, NULL, &error));
  g_assert_no_error (error);
}

static JsonNode *
pretty_handler (AqmpServer *server, JsonObject *request, gpointer user_data, GError **error)
{
  g_autofree gchar *id = json_to_string (json_object_get_member (request, "id"), FALSE);
  g_autofree gchar *raw = NULL;

  /* pretty-printed, and glued to an event with no line ending at all */
  raw = g_strdup_printf ("{\n  \"return\": {\n    \"n\": 5\n  },\n  \"id\": %s\n}"
                         "{\"event\": \"GLUED\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 0}}\n",
                         id);
  aqmp_server_send_raw (server, raw, -1);
  return NULL;
}

/* #3: CRLF (QMP) and LF (QGA), and messages split over lines or glued */
static void
test_framing_line_endings (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;

  aqmp_server_set_handler (f->server, "echo", echo_n_handler, NULL, NULL);
  check_line_ending (f, "\n");
  check_line_ending (f, "\r\n");

  aqmp_server_set_handler (f->server, "pretty", pretty_handler, NULL, NULL);
  fixture_connect (f);
  value = aqmp_client_execute_sync (f->client, "pretty", NULL, NULL, &error);
  g_assert_no_error (error);
  assert_value_n (value, 5);
  wait_for_log (f->log, "event:GLUED");
}

/* #4: a message that never ends fails the connection once it runs past
 * twice the limit (up to there it might have ended, and been skipped as
 * a reply too large for its call); what is past the limit is scanned, not
 * stored, and the client hangs up within one read of twice the limit */
static void
check_oversized (Fixture *f, gsize limit, gsize size)
{
  g_autofree gchar *cause = g_strdup_printf ("message exceeds the size limit of %" G_GSIZE_FORMAT " bytes",
                                             limit);
  g_autoptr(GError) error = NULL;
  CallResult pending = { 0, };
  guint n_disconnected = f->n_disconnected;

  fixture_connect_pair (f, TRUE);
  aqmp_server_set_no_reply (f->server, "hang");
  call_start (f, &pending, "hang", NULL);
  wait_for_received (f, "hang", server_count_received (f, "hang") + 1);
  aqmp_server_send_oversized (f->server, size);

  call_wait (&pending);
  g_assert_error (pending.error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);
  g_assert_true (g_str_has_prefix (pending.error->message, "connection lost: "));
  g_assert_nonnull (strstr (pending.error->message, cause));
  wait_for_disconnected (f, n_disconnected);
  g_assert_error (f->disconnect_cause, AQMP_ERROR, AQMP_ERROR_TOO_LARGE);

  /* bounded memory: the client stopped reading soon after the limit */
  g_test_message ("read %" G_GUINT64_FORMAT " bytes of %" G_GSIZE_FORMAT " for a limit of %" G_GSIZE_FORMAT,
                  f->counter->n_bytes, size, limit);
  g_assert_cmpuint (f->counter->n_bytes, >, 2 * limit);
  /* a read is at most 64 KiB */
  g_assert_cmpuint (f->counter->n_bytes, <=, 2 * limit + 64 * 1024);
  g_assert_cmpuint (f->counter->n_bytes, <, size);

  g_assert_false (aqmp_client_disconnect_sync (f->client, NULL, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_TOO_LARGE);
  /* the server saw the client hang up, though it had plenty left to send */
  wait_for_server_idle (f);
  call_result_clear (&pending);
}

static void
test_framing_oversize (Fixture *f, gconstpointer data)
{
  g_assert_cmpuint (aqmp_client_get_max_message_size (f->client), ==, AQMP_DEFAULT_MAX_MESSAGE_SIZE);
  aqmp_client_set_max_message_size (f->client, 64 * 1024);
  check_oversized (f, 64 * 1024, 64 * 1024 * 1024);

  /* the default limit, once */
  aqmp_client_set_max_message_size (f->client, AQMP_DEFAULT_MAX_MESSAGE_SIZE);
  check_oversized (f, AQMP_DEFAULT_MAX_MESSAGE_SIZE, 2 * AQMP_DEFAULT_MAX_MESSAGE_SIZE + 256 * 1024);

  /* and the client is usable again */
  fixture_connect (f);
}

/* #5: broken input fails the connection with AQMP_ERROR_PROTOCOL */
static void
test_framing_garbage (Fixture *f, gconstpointer data)
{
  static const struct {
    const gchar *raw;
    const gchar *cause;
  } cases[] = {
    { "garbage\r\n", "expected a JSON object, got 'g'" },
    { "\x01\r\n", "expected a JSON object, got byte 0x01" },
    { "{\"return\": }\r\n", "invalid JSON from server" },
    { "{\"return\": {}, \"id\": 1,}\r\n", "invalid JSON from server" },
    { "[1, 2]\r\n", "expected a JSON object, got '['" },
    { "\"a string\"\r\n", "expected a JSON object, got '\"'" },
    { "42\r\n", "expected a JSON object, got '4'" },
    { "{\"foo\": 1}\r\n", "neither a greeting, an event nor a reply" },
    { "{}\r\n", "neither a greeting, an event nor a reply" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_connection_fails (f, cases[i].raw, -1, AQMP_ERROR_PROTOCOL, cases[i].cause);
}

/* #6: deep nesting is refused before json-glib recurses */
static void
test_framing_deep_nesting (Fixture *f, gconstpointer data)
{
  g_autoptr(GString) raw = g_string_new ("{\"return\": ");
  g_autoptr(GString) body = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;
  JsonNode *node;
  guint depth = 0;

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (raw, '[');
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (raw, ']');
  g_string_append (raw, ", \"id\": 1}\r\n");
  assert_connection_fails (f, raw->str, raw->len, AQMP_ERROR_PROTOCOL, "nested deeper than");

  g_string_assign (raw, "");
  for (guint i = 0; i < 100000; i++)
    g_string_append (raw, "{\"a\":");
  assert_connection_fails (f, raw->str, raw->len, AQMP_ERROR_PROTOCOL, "nested deeper than");

  /* real replies nest far less; 1,000 levels are delivered as sent */
  for (guint i = 0; i < 1000; i++)
    g_string_append_c (body, '[');
  for (guint i = 0; i < 1000; i++)
    g_string_append_c (body, ']');
  f->raw_body = g_strdup (body->str);
  f->raw_body_len = body->len;
  aqmp_server_set_handler (f->server, "raw", raw_handler, f, NULL);
  fixture_connect (f);
  value = aqmp_client_execute_sync (f->client, "raw", NULL, NULL, &error);
  g_assert_no_error (error);
  for (node = value; JSON_NODE_HOLDS_ARRAY (node); depth++)
    {
      JsonArray *array = json_node_get_array (node);
      if (json_array_get_length (array) == 0)
        {
          depth++;
          break;
        }
      node = json_array_get_element (array, 0);
    }
  g_assert_cmpuint (depth, ==, 1000);
}

/* #7: odd numbers and strings: a faithful value, or PROTOCOL */
static void
test_framing_literals (Fixture *f, gconstpointer data)
{
  static const struct {
    const gchar *body;
    const gchar *faithful;    /* NULL: only a protocol error is right */
  } cases[] = {
    { "123456789012345678901234567890", NULL },
    { "9223372036854775808", NULL },
    { "-9223372036854775809", NULL },
    { "[1, 99999999999999999999]", NULL },
    { "9223372036854775807", "9223372036854775807" },
    { "-9223372036854775808", "-9223372036854775808" },
    { "{\"big\": 1.5e300}", "{\"big\": 1.5e300}" },
    { "1e999", NULL },
    { "-1e999", NULL },
    { "NaN", NULL },
    { "Infinity", NULL },
    { "-Infinity", NULL },
    { "\"\xff\xfe\"", NULL },
    { "\"\xc3(\"", NULL },
    { "\"\xed\xa0\x80\"", NULL },
    { "\"\\ud800\"", NULL },
    { "\"\\udc00x\"", NULL },
    { "\"\\ud800\\u0041\"", NULL },
    { "\"\\ud83d\\ude00\"", "\"\xf0\x9f\x98\x80\"" },
    { "\"caf\\u00e9 \\\" \\\\\"", "\"caf\xc3\xa9 \\\" \\\\\"" },
    { "{\"key\\ud800\": 1}", NULL },
  };

  aqmp_server_set_handler (f->server, "raw", raw_handler, f, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) value = NULL;
      g_autofree gchar *escaped = g_strescape (cases[i].body, NULL);
      guint n_disconnected = f->n_disconnected;

      g_test_message ("return value: %s", escaped);
      if (aqmp_client_get_state (f->client) != AQMP_STATE_RUNNING)
        {
          aqmp_client_disconnect_sync (f->client, NULL, NULL);
          fixture_connect (f);
        }
      g_free (f->raw_body);
      f->raw_body = g_strdup (cases[i].body);
      f->raw_body_len = strlen (cases[i].body);
      value = aqmp_client_execute_sync (f->client, "raw", NULL, NULL, &error);
      if (value != NULL)
        {
          g_autoptr(JsonNode) expected = NULL;

          g_assert_no_error (error);
          g_assert_nonnull (cases[i].faithful);
          expected = json_from_string (cases[i].faithful, NULL);
          g_assert_nonnull (expected);
          g_assert_true (json_node_equal (value, expected));
          /* strings handed out are valid UTF-8 */
          if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
            g_assert_true (g_utf8_validate (json_node_get_string (value), -1, NULL));
          continue;
        }
      g_test_message ("  -> %s", error->message);
      g_assert_null (cases[i].faithful);
      g_assert_error (error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);
      wait_for_disconnected (f, n_disconnected);
      g_assert_error (f->disconnect_cause, AQMP_ERROR, AQMP_ERROR_PROTOCOL);
    }
}

/* ----- handshake ----- */

/* #8: no greeting within the connect timeout */
static void
test_handshake_no_greeting (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonObject) greeting = default_greeting ();
  CallResult r = { 0, };

  aqmp_server_set_greeting (f->server, NULL);
  aqmp_client_set_connect_timeout (f->client, 200);
  aqmp_client_connect_async (f->client, f->address, NULL, connect_cb, &r);
  call_wait (&r);
  g_assert_false (r.ok);
  g_assert_error (r.error, AQMP_ERROR, AQMP_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (r.error->message, "greeting"));
  g_assert_cmpint (aqmp_client_get_state (f->client), ==, AQMP_STATE_IDLE);
  /* the socket was closed: the server saw it */
  wait_for_server_idle (f);
  /* nothing but the greeting was awaited: no command was sent */
  g_assert_cmpuint (aqmp_server_get_received (f->server)->len, ==, 0);
  call_result_clear (&r);

  /* the same client connects once the server greets */
  aqmp_server_set_greeting (f->server, greeting);
  fixture_connect (f);
}

/* #9: a malformed greeting is a protocol error */
static void
test_handshake_bad_greeting (Fixture *f, gconstpointer data)
{
  static const struct {
    const gchar *greeting;
    const gchar *cause;
  } cases[] = {
    { "{\"QMP\": 1}", "QMP is not an object" },
    { "{\"QMP\": {\"capabilities\": []}}", "no version object" },
    { "{\"QMP\": {\"version\": {\"qemu\": {\"major\": \"7\", \"minor\": 2, \"micro\": 0}}, \"capabilities\": []}}",
      "integer major, minor and micro" },
    { "{\"QMP\": {\"version\": {\"qemu\": {\"major\": -7, \"minor\": 2, \"micro\": 0}}, \"capabilities\": []}}",
      "integer major, minor and micro" },
    { "{\"QMP\": {\"version\": {\"qemu\": {\"major\": 7, \"minor\": 2, \"micro\": 0}}}}",
      "capabilities is not an array" },
    { "{\"QMP\": {\"version\": {\"qemu\": {\"major\": 7, \"minor\": 2, \"micro\": 0}}, \"capabilities\": [1]}}",
      "a capability is not a string" },
  };
  g_autoptr(JsonObject) good = default_greeting ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *raw = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonObject) greeting = aqmp_test_object_from_json (cases[i].greeting);
      CallResult r = { 0, };

      aqmp_server_set_greeting (f->server, greeting);
      aqmp_client_connect_async (f->client, f->address, NULL, connect_cb, &r);
      call_wait (&r);
      g_assert_error (r.error, AQMP_ERROR, AQMP_ERROR_PROTOCOL);
      g_assert_nonnull (strstr (r.error->message, cases[i].cause));
      g_assert_cmpint (aqmp_client_get_state (f->client), ==, AQMP_STATE_IDLE);
      g_assert_null (aqmp_client_get_greeting (f->client));
      wait_for_server_idle (f);
      call_result_clear (&r);
    }
  /* none of them got as far as negotiating */
  g_assert_cmpuint (aqmp_server_get_received (f->server)->len, ==, 0);

  /* a second greeting on a running connection is a protocol error too */
  aqmp_server_set_greeting (f->server, good);
  raw = g_strdup_printf ("%s\r\n", "{\"QMP\": {\"version\": {\"qemu\": {\"major\": 7, \"minor\": 2, \"micro\": 0}},"
                                   " \"capabilities\": []}}");
  assert_connection_fails (f, raw, -1, AQMP_ERROR_PROTOCOL, "unexpected greeting");
}

/* #9: an error reply to qmp_capabilities */
static void
test_handshake_negotiation_refused (Fixture *f, gconstpointer data)
{
  CallResult r = { 0, };

  aqmp_server_set_error (f->server, "qmp_capabilities", "GenericError", "no capabilities for you");
  aqmp_client_connect_async (f->client, f->address, NULL, connect_cb, &r);
  call_wait (&r);
  g_assert_error (r.error, AQMP_ERROR, AQMP_ERROR_NEGOTIATION);
  g_assert_nonnull (strstr (r.error->message, "no capabilities for you"));
  g_assert_cmpint (aqmp_client_get_state (f->client), ==, AQMP_STATE_IDLE);
  wait_for_server_idle (f);
  call_result_clear (&r);

  /* with OOB requested and refused, the same */
  aqmp_client_set_request_oob (f->client, TRUE);
  aqmp_client_connect_async (f->client, f->address, NULL, connect_cb, &r);
  call_wait (&r);
  g_assert_error (r.error, AQMP_ERROR, AQMP_ERROR_NEGOTIATION);
  g_assert_false (aqmp_client_get_oob_enabled (f->client));
  call_result_clear (&r);
}

/* #10: a command issued while connecting waits for negotiation */
static void
test_handshake_early_command (Fixture *f, gconstpointer data)
{
  GPtrArray *received = aqmp_server_get_received (f->server);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(JsonObject) args = object_new_n (11);
  CallResult c = { 0, };
  CallResult early = { 0, };

  /* before any connect, a call is refused at once */
  value = aqmp_client_execute_sync (f->client, "query-status", NULL, NULL, &error);
  g_assert_null (value);
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_STATE);

  aqmp_server_set_handler (f->server, "echo", echo_n_handler, NULL, NULL);
  /* a slow negotiation leaves room for a premature write to show */
  aqmp_server_set_delay (f->server, "qmp_capabilities", 50);
  aqmp_client_connect_async (f->client, f->address, NULL, connect_cb, &c);
  aqmp_client_execute_async (f->client, "echo", args, NULL, execute_cb, &early);
  g_assert_cmpint (aqmp_client_get_state (f->client), ==, AQMP_STATE_CONNECTING);
  call_wait (&c);
  g_assert_no_error (c.error);
  call_wait (&early);
  g_assert_no_error (early.error);
  assert_value_n (early.value, 11);

  g_assert_cmpuint (received->len, ==, 2);
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (received, 0), "execute"), ==,
                   "qmp_capabilities");
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (received, 1), "execute"), ==, "echo");
  call_result_clear (&c);
  call_result_clear (&early);
}

/* events that precede the greeting are delivered, not lost */
static void
test_handshake_event_before_greeting (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpEventWaiter) waiter = NULL;
  g_autoptr(AqmpEvent) event = NULL;
  g_autoptr(GError) error = NULL;

  aqmp_server_set_pre_greeting (f->server,
                                "{\"event\": \"EARLY\", \"data\": {\"x\": 1},"
                                " \"timestamp\": {\"seconds\": 1, \"microseconds\": 2}}\r\n");
  /* made before connecting, so it sees the very first message */
  waiter = aqmp_event_waiter_new (f->client, "EARLY", NULL);
  fixture_connect (f);
  g_assert_true (log_has (f->log, "event:EARLY"));
  g_assert_cmpstr (g_ptr_array_index (f->log, 0), ==, "event:EARLY");
  event = aqmp_event_waiter_wait_sync (waiter, WAIT_MS, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (aqmp_event_get_data (event), "x"), ==, 1);
  g_assert_cmpint (aqmp_event_get_timestamp (event), ==, 1000002);
}

/* a monitor that a client reached while QEMU was starting can greet twice
 * before reading anything; the client negotiates once and runs */
static void
test_handshake_repeated_greeting (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;
  GPtrArray *received;
  guint negotiations = 0;

  aqmp_server_set_pre_greeting (f->server,
                                "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7},"
                                " \"package\": \"\"}, \"capabilities\": [\"oob\"]}}\r\n");
  fixture_connect (f);
  g_assert_cmpint (aqmp_client_get_state (f->client), ==, AQMP_STATE_RUNNING);
  value = aqmp_client_execute_sync (f->client, "query-status", NULL, NULL, &error);
  g_assert_no_error (error);
  received = aqmp_server_get_received (f->server);
  for (guint i = 0; i < received->len; i++)
    if (g_strcmp0 (json_object_get_string_member (g_ptr_array_index (received, i), "execute"),
                   "qmp_capabilities") == 0)
      negotiations++;
  g_assert_cmpuint (negotiations, ==, 1);
}

/* QEMU 7.2 may lose the first request of a client that connected while
 * it was starting: the server here drops the first qmp_capabilities */
typedef struct {
  guint n_asked;
  JsonNode *first_id;
  gboolean answer_late;
} LostNegotiation;

static JsonNode *
lost_capabilities_handler (AqmpServer *server, JsonObject *request, gpointer user_data, GError **error)
{
  LostNegotiation *l = user_data;

  if (++l->n_asked == 1)
    {
      l->first_id = json_node_copy (json_object_get_member (request, "id"));
      if (!l->answer_late)
        aqmp_server_set_handler (server, "qmp_capabilities", NULL, NULL, NULL);
      return NULL;
    }
  /* the first one got through after all, and is answered now, late */
  aqmp_server_send_reply (server, l->first_id, NULL);
  *error = aqmp_error_new_command ("qmp_capabilities", "CommandNotFound",
                                   "Capabilities negotiation is already complete, command ignored");
  return NULL;
}

static void
lost_negotiation_run (Fixture *f, LostNegotiation *l)
{
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(GError) error = NULL;

  aqmp_server_set_handler (f->server, "qmp_capabilities", lost_capabilities_handler, l, NULL);
  fixture_connect (f);
  value = aqmp_client_execute_sync (f->client, "query-status", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (value);
  g_assert_cmpuint (server_count_received (f, "qmp_capabilities"), ==, 2);
  g_clear_pointer (&l->first_id, json_node_unref);
}

/* no answer: the client asks again, and connects */
static void
test_handshake_lost_negotiation (Fixture *f, gconstpointer data)
{
  LostNegotiation l = { 0, };

  lost_negotiation_run (f, &l);
  g_assert_cmpuint (l.n_asked, ==, 1);
}

/* the first answer comes after the client asked again: the second is
 * refused as already done, and that means connected */
static void
test_handshake_late_negotiation (Fixture *f, gconstpointer data)
{
  LostNegotiation l = { .answer_late = TRUE };

  aqmp_server_set_require_negotiation (f->server, FALSE);
  lost_negotiation_run (f, &l);
  g_assert_cmpuint (l.n_asked, ==, 2);
}

/* ----- commands and replies ----- */

/* #11: replies with an id that is not ours are dropped */
static void
test_reply_unknown_id (Fixture *f, gconstpointer data)
{
  static const gchar *strays[] = {
    "{\"return\": {\"n\": -1}, \"id\": 999999}\r\n",
    "{\"return\": {\"n\": -1}, \"id\": \"foreign\"}\r\n",
    "{\"return\": {\"n\": -1}, \"id\": -1}\r\n",
    "{\"return\": {\"n\": -1}, \"id\": 1.5}\r\n",
    "{\"return\": {\"n\": -1}, \"id\": [1]}\r\n",
    "{\"return\": {\"n\": -1}, \"id\": null}\r\n",
    "{\"error\": {\"class\": \"GenericError\", \"desc\": \"stray\"}, \"id\": 424242}\r\n",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(JsonObject) answer = object_new_n (1);
  g_autoptr(JsonNode) answer_node = json_node_new (JSON_NODE_OBJECT);
  CallResult r = { 0, };

  fixture_connect (f);
  aqmp_server_set_handler (f->server, "held", held_handler, f, NULL);
  call_start (f, &r, "held", NULL);
  wait_for_held (f, 1);
  for (guint i = 0; i < G_N_ELEMENTS (strays); i++)
    aqmp_server_send_raw (f->server, strays[i], -1);
  fixture_sync (f);
  /* none of them completed the call */
  g_assert_false (r.done);
  g_assert_cmpint (aqmp_client_get_state (f->client), ==, AQMP_STATE_RUNNING);

  json_node_set_object (answer_node, answer);
  aqmp_server_send_reply (f->server, g_ptr_array_index (f->held_ids, 0), answer_node);
  call_wait (&r);
  g_assert_no_error (r.error);
  assert_value_n (r.value, 1);

  value = aqmp_client_execute_sync (f->client, "query-status", NULL, NULL, &error);
  g_assert_no_error (error);
  call_result_clear (&r);
}

/* #12: an id-less error while a command is pending breaks the connection */
static void
test_reply_idless_error (Fixture *f, gconstpointer data)
{
  assert_connection_fails (f, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray\"}}\r\n",
                           -1, AQMP_ERROR_PROTOCOL,
                           "server reported an error not tied to any command: JSON parse error, stray");
}

/* #13: a second reply to an answered id is dropped */
static void
test_reply_duplicate (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(JsonNode) one = node_new_n (1);
  g_autoptr(JsonNode) one_again = node_new_n (-1);
  g_autoptr(JsonNode) two = node_new_n (2);
  g_autoptr(JsonNode) two_again = node_new_n (-2);
  CallResult a = { 0, };
  CallResult b = { 0, };

  fixture_connect (f);
  aqmp_server_set_handler (f->server, "held", held_handler, f, NULL);
  call_start (f, &a, "held", NULL);
  call_start (f, &b, "held", NULL);
  wait_for_held (f, 2);

  aqmp_server_send_reply (f->server, g_ptr_array_index (f->held_ids, 0), one);
  aqmp_server_send_reply (f->server, g_ptr_array_index (f->held_ids, 0), one_again);
  aqmp_server_send_error_reply (f->server, g_ptr_array_index (f->held_ids, 0), "GenericError", "again");
  fixture_sync (f);
  g_assert_true (a.done);
  assert_value_n (a.value, 1);
  g_assert_false (b.done);

  aqmp_server_send_reply (f->server, g_ptr_array_index (f->held_ids, 1), two);
  aqmp_server_send_reply (f->server, g_ptr_array_index (f->held_ids, 1), two_again);
  call_wait (&b);
  assert_value_n (b.value, 2);

  value = aqmp_client_execute_sync (f->client, "query-status", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (value));
  call_result_clear (&a);
  call_result_clear (&b);
}

/* #14: a reply with neither or both of return and error fails that call */
static void
test_reply_malformed (Fixture *f, gconstpointer data)
{
  static const struct {
    const gchar *body;        /* the id follows */
    const gchar *cause;
  } cases[] = {
    { "{\"id\": ", "reply has neither return nor error" },
    { "{\"return\": {}, \"error\": {\"class\": \"GenericError\", \"desc\": \"x\"}, \"id\": ",
      "reply has both return and error" },
  };

  fixture_connect (f);
  aqmp_server_set_handler (f->server, "held", held_handler, f, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) value = NULL;
      g_autofree gchar *id = NULL;
      g_autofree gchar *raw = NULL;
      CallResult r = { 0, };

      call_start (f, &r, "held", NULL);
      wait_for_held (f, i + 1);
      id = json_to_string (g_ptr_array_index (f->held_ids, i), FALSE);
      raw = g_strconcat (cases[i].body, id, "}\r\n", NULL);
      aqmp_server_send_raw (f->server, raw, -1);
      call_wait (&r);
      g_assert_error (r.error, AQMP_ERROR, AQMP_ERROR_PROTOCOL);
      g_assert_nonnull (strstr (r.error->message, cases[i].cause));
      g_assert_nonnull (strstr (r.error->message, "held"));
      call_result_clear (&r);

      /* only that call failed */
      g_assert_cmpint (aqmp_client_get_state (f->client), ==, AQMP_STATE_RUNNING);
      value = aqmp_client_execute_sync (f->client, "query-status", NULL, NULL, &error);
      g_assert_no_error (error);
    }
}

/* #15: an error reply whose class or desc is no string still fails only
 * its call, as a GenericError, and raises no GLib critical */
static void
test_reply_error_mistyped (Fixture *f, gconstpointer data)
{
  static const gchar * const bodies[] = {
    "{\"error\": {\"class\": {\"x\": 1}, \"desc\": [\"y\"]}, \"id\": ",
    "{\"error\": {\"class\": 7, \"desc\": null}, \"id\": ",
  };

  fixture_connect (f);
  aqmp_server_set_handler (f->server, "held", held_handler, f, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) value = NULL;
      g_autofree gchar *id = NULL;
      g_autofree gchar *raw = NULL;
      CallResult r = { 0, };

      call_start (f, &r, "held", NULL);
      wait_for_held (f, i + 1);
      id = json_to_string (g_ptr_array_index (f->held_ids, i), FALSE);
      raw = g_strconcat (bodies[i], id, "}\r\n", NULL);
      aqmp_server_send_raw (f->server, raw, -1);
      call_wait (&r);
      g_assert_error (r.error, AQMP_ERROR, AQMP_ERROR_COMMAND);
      g_assert_cmpstr (aqmp_error_get_qmp_class (r.error), ==, "GenericError");
      g_assert_cmpstr (aqmp_error_get_qmp_desc (r.error), ==, "(no description)");
      call_result_clear (&r);

      g_assert_cmpint (aqmp_client_get_state (f->client), ==, AQMP_STATE_RUNNING);
      value = aqmp_client_execute_sync (f->client, "query-status", NULL, NULL, &error);
      g_assert_no_error (error);
    }
}

/* #15: an error reply carries QEMU's class and desc */
static void
test_reply_error (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;

  fixture_connect (f);
  aqmp_server_set_error (f->server, "device_del", "DeviceNotFound", "Device 'nope' not found");
  value = aqmp_client_execute_sync (f->client, "device_del", NULL, NULL, &error);
  g_assert_null (value);
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_COMMAND);
  g_assert_cmpstr (aqmp_error_get_qmp_class (error), ==, "DeviceNotFound");
  g_assert_cmpstr (aqmp_error_get_qmp_desc (error), ==, "Device 'nope' not found");
  g_assert_nonnull (strstr (error->message, "device_del"));
  g_assert_nonnull (strstr (error->message, "Device 'nope' not found"));
  g_clear_error (&error);

  /* the server's own CommandNotFound, too */
  value = aqmp_client_execute_sync (f->client, "no-such-command", NULL, NULL, &error);
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_COMMAND);
  g_assert_cmpstr (aqmp_error_get_qmp_class (error), ==, "CommandNotFound");
  g_clear_error (&error);

  /* the connection stays usable */
  value = aqmp_client_execute_sync (f->client, "query-status", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (value);
}

/* ----- events ----- */

static JsonNode *
events_first_handler (AqmpServer *server, JsonObject *request, gpointer user_data, GError **error)
{
  g_autoptr(JsonObject) data = object_new_n (1);

  aqmp_server_emit_event (server, "BEFORE_1", data);
  aqmp_server_emit_event (server, "BEFORE_2", NULL);
  return node_new_n (42);
}

/* #16: events sent before a reply are delivered before the call completes */
static void
test_events_before_reply (Fixture *f, gconstpointer data)
{
  g_autofree gchar *log = NULL;
  CallResult r = { .log = f->log, .tag = "cmd" };

  fixture_connect (f);
  aqmp_server_set_handler (f->server, "cmd", events_first_handler, NULL, NULL);
  call_start (f, &r, "cmd", NULL);
  call_wait (&r);
  g_assert_no_error (r.error);
  assert_value_n (r.value, 42);
  log = fixture_log_string (f);
  g_assert_cmpstr (log, ==, "event:BEFORE_1 event:BEFORE_2 return:cmd");
  call_result_clear (&r);
}

/* #17: events without data or with a -1 timestamp are delivered; a name
 * that is not a string is a protocol error */
static void
test_events_odd (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpEventWaiter) nodata = NULL;
  g_autoptr(AqmpEventWaiter) noclock = NULL;
  g_autoptr(AqmpEventWaiter) nostamp = NULL;
  g_autoptr(AqmpEvent) event = NULL;
  g_autoptr(GError) error = NULL;

  fixture_connect (f);
  nodata = aqmp_event_waiter_new (f->client, "NODATA", NULL);
  noclock = aqmp_event_waiter_new (f->client, "NOCLOCK", NULL);
  nostamp = aqmp_event_waiter_new (f->client, "NOSTAMP", NULL);
  aqmp_server_emit_event (f->server, "NODATA", NULL);
  aqmp_server_send_raw (f->server,
                        "{\"event\": \"NOCLOCK\", \"data\": {\"a\": true},"
                        " \"timestamp\": {\"seconds\": -1, \"microseconds\": -1}}\r\n", -1);
  aqmp_server_send_raw (f->server, "{\"event\": \"NOSTAMP\"}\r\n", -1);

  event = aqmp_event_waiter_wait_sync (nodata, WAIT_MS, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (aqmp_event_get_data (event));
  g_assert_cmpuint (json_object_get_size (aqmp_event_get_data (event)), ==, 0);
  g_assert_cmpint (aqmp_event_get_timestamp (event), >, 0);
  g_clear_pointer (&event, aqmp_event_unref);

  event = aqmp_event_waiter_wait_sync (noclock, WAIT_MS, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (aqmp_event_get_timestamp (event), ==, -1);
  g_assert_true (json_object_get_boolean_member (aqmp_event_get_data (event), "a"));
  g_clear_pointer (&event, aqmp_event_unref);

  event = aqmp_event_waiter_wait_sync (nostamp, WAIT_MS, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (aqmp_event_get_timestamp (event), ==, -1);
  g_clear_pointer (&event, aqmp_event_unref);

  assert_connection_fails (f, "{\"event\": 42, \"timestamp\": {\"seconds\": 1, \"microseconds\": 0}}\r\n", -1,
                           AQMP_ERROR_PROTOCOL, "event name is not a string");
  assert_connection_fails (f, "{\"event\": null}\r\n", -1, AQMP_ERROR_PROTOCOL, "event name is not a string");
  assert_connection_fails (f, "{\"event\": \"X\", \"data\": [1]}\r\n", -1, AQMP_ERROR_PROTOCOL,
                           "event data is not an object");
}

typedef struct {
  Fixture *f;
  gboolean inside;            /* FIRST's handler is running */
  gboolean second_inside;     /* SECOND came while it ran */
} NestedLoop;

static void
nested_second_cb (AqmpClient *client, AqmpEvent *event, gpointer user_data)
{
  NestedLoop *n = user_data;

  n->second_inside = n->inside;
}

/* a handler that runs the main context itself, as a dialog or a sync
 * wait does: the reader keeps reading in the nested iterations */
static void
nested_first_cb (AqmpClient *client, AqmpEvent *event, gpointer user_data)
{
  NestedLoop *n = user_data;

  n->inside = TRUE;
  aqmp_server_emit_event (n->f->server, "SECOND", NULL);
  wait_for_log (n->f->log, "event:SECOND");
  n->inside = FALSE;
}

/* events that arrive while a handler iterates the main context are
 * delivered in that nested iteration, in order */
static void
test_events_nested_loop (Fixture *f, gconstpointer data)
{
  g_autofree gchar *log = NULL;
  NestedLoop n = { .f = f };

  fixture_connect (f);
  g_signal_connect (f->client, "event::FIRST", G_CALLBACK (nested_first_cb), &n);
  g_signal_connect (f->client, "event::SECOND", G_CALLBACK (nested_second_cb), &n);
  aqmp_server_emit_event (f->server, "FIRST", NULL);
  aqmp_server_emit_event (f->server, "THIRD", NULL);
  wait_for_log (f->log, "event:THIRD");
  g_assert_true (n.second_inside);
  g_assert_false (n.inside);
  log = fixture_log_string (f);
  g_assert_cmpstr (log, ==, "event:FIRST event:THIRD event:SECOND");
  g_signal_handlers_disconnect_by_data (f->client, &n);
}

typedef struct {
  JsonNode *value;
  GError *error;
} SyncInHandler;

static void
sync_in_handler_cb (AqmpClient *client, AqmpEvent *event, gpointer user_data)
{
  SyncInHandler *r = user_data;

  r->value = aqmp_client_execute_sync (client, "cmd", NULL, NULL, &r->error);
}

/* a `_sync` call from an event handler: its request goes out at once,
 * not after the handler returns (which it would wait for) */
static void
test_events_sync_in_handler (Fixture *f, gconstpointer data)
{
  SyncInHandler r = { NULL, };

  fixture_connect (f);
  aqmp_server_set_handler (f->server, "cmd", events_first_handler, NULL, NULL);
  g_signal_connect (f->client, "event::ASK", G_CALLBACK (sync_in_handler_cb), &r);
  aqmp_server_emit_event (f->server, "ASK", NULL);
  wait_for_log (f->log, "event:ASK");
  g_assert_no_error (r.error);
  assert_value_n (r.value, 42);
  /* the events the server sent before its reply came inside the wait */
  wait_for_log (f->log, "event:BEFORE_2");
  g_signal_handlers_disconnect_by_data (f->client, &r);
  g_clear_pointer (&r.value, json_node_unref);
}

typedef struct {
  Fixture *f;
  CallResult call;
} AsyncInHandler;

static void
async_in_handler_cb (AqmpClient *client, AqmpEvent *event, gpointer user_data)
{
  AsyncInHandler *a = user_data;

  call_start (a->f, &a->call, "cmd", NULL);
  call_wait (&a->call);
}

/* the same with an async call and a loop of the handler's own */
static void
test_events_async_in_handler (Fixture *f, gconstpointer data)
{
  AsyncInHandler a = { .f = f };

  fixture_connect (f);
  aqmp_server_set_handler (f->server, "cmd", events_first_handler, NULL, NULL);
  g_signal_connect (f->client, "event::ASK", G_CALLBACK (async_in_handler_cb), &a);
  aqmp_server_emit_event (f->server, "ASK", NULL);
  wait_for_log (f->log, "event:ASK");
  g_assert_true (a.call.done);
  g_assert_no_error (a.call.error);
  assert_value_n (a.call.value, 42);
  g_signal_handlers_disconnect_by_data (f->client, &a);
  call_result_clear (&a.call);
}

/* the race-free pattern: a waiter made before the command that causes it */
static void
test_events_waiter (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpEventWaiter) stop = NULL;
  g_autoptr(AqmpEventWaiter) matching = NULL;
  g_autoptr(AqmpEventWaiter) other = NULL;
  g_autoptr(AqmpEvent) event = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(JsonObject) match = object_new_n (2);
  g_autoptr(JsonObject) data1 = object_new_n (1);
  g_autoptr(JsonObject) data2 = object_new_n (2);

  fixture_connect (f);
  stop = aqmp_event_waiter_new (f->client, "STOP", NULL);
  value = aqmp_client_execute_sync (f->client, "stop", NULL, NULL, &error);
  g_assert_no_error (error);
  /* STOP came before the return: it is already kept */
  g_assert_cmpuint (aqmp_event_waiter_get_pending (stop), ==, 1);
  event = aqmp_event_waiter_wait_sync (stop, WAIT_MS, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (aqmp_event_get_name (event), ==, "STOP");
  g_clear_pointer (&event, aqmp_event_unref);

  matching = aqmp_event_waiter_new (f->client, "JOB", match);
  other = aqmp_event_waiter_new (f->client, "JOB", NULL);
  aqmp_server_emit_event (f->server, "JOB", data1);
  aqmp_server_emit_event (f->server, "JOB", data2);
  event = aqmp_event_waiter_wait_sync (matching, WAIT_MS, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (aqmp_event_get_data (event), "n"), ==, 2);
  g_clear_pointer (&event, aqmp_event_unref);
  g_assert_cmpuint (aqmp_event_waiter_get_pending (other), ==, 2);

  /* nothing more matches: a bounded wait times out */
  g_assert_null (aqmp_event_waiter_wait_sync (matching, 50, NULL, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_TIMEOUT);
}

typedef struct {
  CallResult result;
  gboolean waited;
} LongCallback;

static gboolean
long_callback_waited_cb (gpointer user_data)
{
  LongCallback *l = user_data;

  l->waited = TRUE;
  return G_SOURCE_REMOVE;
}

/* a reply's callback that iterates the context past the call's timeout */
static void
long_callback_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  LongCallback *l = user_data;

  execute_cb (source, res, &l->result);
  g_timeout_add (300, long_callback_waited_cb, l);
  while (!l->waited)
    g_main_context_iteration (NULL, TRUE);
}

/* a call that returned is done: its timeout never fires while its own
 * callback (or anything it calls) still runs the main context */
static void
test_reply_callback_outlives_timeout (Fixture *f, gconstpointer data)
{
  LongCallback l = { { NULL, } };

  fixture_connect (f);
  aqmp_client_execute_full_async (f->client, "query-status", NULL, AQMP_EXECUTE_FLAGS_NONE, 100, NULL,
                                  long_callback_cb, &l);
  while (!l.waited)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (l.result.error);
  g_assert_true (l.result.ok);
  call_result_clear (&l.result);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add ("/aqmp/client/faults/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("framing/byte-by-byte", test_framing_byte_by_byte);
  ADD ("framing/one-read", test_framing_one_read);
  ADD ("framing/line-endings", test_framing_line_endings);
  ADD ("framing/oversize", test_framing_oversize);
  ADD ("framing/garbage", test_framing_garbage);
  ADD ("framing/deep-nesting", test_framing_deep_nesting);
  ADD ("framing/literals", test_framing_literals);
  ADD ("handshake/no-greeting", test_handshake_no_greeting);
  ADD ("handshake/bad-greeting", test_handshake_bad_greeting);
  ADD ("handshake/negotiation-refused", test_handshake_negotiation_refused);
  ADD ("handshake/early-command", test_handshake_early_command);
  ADD ("handshake/event-before-greeting", test_handshake_event_before_greeting);
  ADD ("handshake/repeated-greeting", test_handshake_repeated_greeting);
  ADD ("handshake/lost-negotiation", test_handshake_lost_negotiation);
  ADD ("handshake/late-negotiation", test_handshake_late_negotiation);
  ADD ("reply/unknown-id", test_reply_unknown_id);
  ADD ("reply/idless-error", test_reply_idless_error);
  ADD ("reply/duplicate", test_reply_duplicate);
  ADD ("reply/malformed", test_reply_malformed);
  ADD ("reply/error", test_reply_error);
  ADD ("reply/error-mistyped", test_reply_error_mistyped);
  ADD ("reply/callback-outlives-timeout", test_reply_callback_outlives_timeout);
  ADD ("events/before-reply", test_events_before_reply);
  ADD ("events/odd", test_events_odd);
  ADD ("events/waiter", test_events_waiter);
  ADD ("events/nested-loop", test_events_nested_loop);
  ADD ("events/sync-in-handler", test_events_sync_in_handler);
  ADD ("events/async-in-handler", test_events_async_in_handler);
#undef ADD
  return g_test_run ();
}
