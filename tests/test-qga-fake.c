/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest agent protocol and convenience API against a fake agent
 * (FAULTS #27-#31). Commands that change a host (shutdown, suspend,
 * fsfreeze) are only ever sent here, never to a real qemu-ga.
 */
#include <string.h>

#include "aqmp-qga.h"
#include "aqmp-test-fake-agent.h"
#include "aqmp-test-qemu.h"

#define SHORT_MS 200

typedef struct {
  AqmpTestFakeAgent *agent;
  AqmpProtocol *protocol;
  AqmpClient *client;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->agent = aqmp_test_fake_agent_new ();
  f->protocol = aqmp_qga_protocol_new ();
}

static void
release_client (AqmpClient *client)
{
  aqmp_client_disconnect_sync (client, NULL, NULL);
  g_object_unref (client);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->client, release_client);
  g_clear_object (&f->protocol);
  g_clear_pointer (&f->agent, aqmp_test_fake_agent_free);
}

static void
fixture_connect (Fixture *f)
{
  f->client = aqmp_test_fake_agent_connect (f->agent, f->protocol);
}

/* ----- helpers ----- */

static void
execute (Fixture *f, const gchar *command, gint timeout_ms, AqmpTestCall *r)
{
  aqmp_test_call_clear (r);
  aqmp_client_execute_full_async (f->client, command, NULL, AQMP_EXECUTE_FLAGS_NONE, timeout_ms,
                                  NULL, aqmp_test_execute_cb, r);
  g_assert_true (aqmp_test_wait_for_flag (&r->done, AQMP_TEST_WAIT_MS));
}

static void
assert_ping (Fixture *f)
{
  AqmpTestCall r = { 0, };

  execute (f, "guest-ping", -1, &r);
  g_assert_no_error (r.error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (r.value));
  g_assert_cmpuint (json_object_get_size (json_node_get_object (r.value)), ==, 0);
  aqmp_test_call_clear (&r);
}

static guint
n_syncs (Fixture *f)
{
  return aqmp_qga_protocol_get_n_syncs (AQMP_QGA_PROTOCOL (f->protocol));
}

/* ----- the protocol's description ----- */

static void
test_protocol_variant (Fixture *f, gconstpointer data)
{
  g_assert_cmpstr (aqmp_protocol_get_name (f->protocol), ==, "qga");
  g_assert_cmpstr (aqmp_protocol_get_line_ending (f->protocol), ==, "\n");
  g_assert_false (aqmp_protocol_has_greeting (f->protocol));
  g_assert_true (aqmp_protocol_has_reply (f->protocol, "guest-ping"));
  g_assert_true (aqmp_protocol_has_reply (f->protocol, "guest-fsfreeze-freeze"));
  g_assert_false (aqmp_protocol_has_reply (f->protocol, "guest-shutdown"));
  g_assert_false (aqmp_protocol_has_reply (f->protocol, "guest-suspend-disk"));
  g_assert_false (aqmp_protocol_has_reply (f->protocol, "guest-suspend-ram"));
  g_assert_false (aqmp_protocol_has_reply (f->protocol, "guest-suspend-hybrid"));
}

/* ----- synchronisation (FAULTS #27) ----- */

static void
test_sync_on_connect (Fixture *f, gconstpointer data)
{
  GPtrArray *received;
  JsonObject *first;
  gint64 id;

  fixture_connect (f);
  g_assert_cmpuint (f->agent->n_syncs, ==, 1);
  g_assert_cmpuint (n_syncs (f), ==, 1);
  g_assert_cmpuint (f->agent->sync_ids->len, ==, 1);
  id = *(gint64 *) g_ptr_array_index (f->agent->sync_ids, 0);
  g_assert_cmpint (id, >=, 1);
  g_assert_cmpint (id, <=, G_MAXINT64);

  /* nothing but the sync went out before it completed */
  received = aqmp_server_get_received (f->agent->server);
  g_assert_cmpuint (received->len, ==, 1);
  first = g_ptr_array_index (received, 0);
  g_assert_cmpstr (json_object_get_string_member (first, "execute"), ==, "guest-sync-delimited");
  assert_ping (f);
}

static void
test_sync_ids_random (Fixture *f, gconstpointer data)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);

  for (guint i = 0; i < 5; i++)
    {
      release_client (aqmp_test_fake_agent_connect (f->agent, f->protocol));
    }
  g_assert_cmpuint (f->agent->sync_ids->len, ==, 5);
  for (guint i = 0; i < f->agent->sync_ids->len; i++)
    {
      gint64 *id = g_ptr_array_index (f->agent->sync_ids, i);
      g_assert_cmpint (*id, >=, 1);
      g_assert_false (g_hash_table_contains (seen, id));
      g_hash_table_add (seen, id);
    }
}

static void
test_garbage_before_sync (Fixture *f, gconstpointer data)
{
  AqmpTestCall r = { 0, };

  /* stale replies whose ids the client is about to use, an id-less error,
   * bytes that are not JSON and half an object */
  aqmp_server_set_pre_greeting (f->agent->server,
                                "{\"return\": 1234, \"id\": 1}\n"
                                "{\"return\": \"stale\", \"id\": 2}\n"
                                "{\"error\": {\"class\": \"GenericError\", \"desc\": \"old\"}}\n"
                                "\x01\x02 not json ]]\n"
                                "{\"return\": {\"half\": ");
  fixture_connect (f);
  /* one sync: the stale answer to request 1 never reached the mailbox */
  g_assert_cmpuint (f->agent->n_syncs, ==, 1);
  g_assert_cmpuint (n_syncs (f), ==, 1);

  execute (f, "guest-info", -1, &r);
  g_assert_no_error (r.error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (r.value));
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (r.value), "version"), ==, "7.2.0-fake");
  aqmp_test_call_clear (&r);
}

static void
test_lines_after_delimiter (Fixture *f, gconstpointer data)
{
  /* replies with wrong, non-integer and float ids before our own */
  g_ptr_array_add (f->agent->after_delimiter, g_strdup ("{\"return\": 5, \"id\": 987654}\n"));
  g_ptr_array_add (f->agent->after_delimiter, g_strdup ("{\"return\": 5, \"id\": \"mine\"}\n"));
  g_ptr_array_add (f->agent->after_delimiter, g_strdup ("{\"return\": 5, \"id\": 1.5}\n"));
  g_ptr_array_add (f->agent->after_delimiter, g_strdup ("{\"return\": 5, \"id\": {\"x\": 1}}\n"));
  fixture_connect (f);
  g_assert_cmpuint (n_syncs (f), ==, 1);
  assert_ping (f);
}

static void
test_wrong_echo (Fixture *f, gconstpointer data)
{
  /* an answer to our request with another sync id: sync again */
  f->agent->wrong_echoes = 1;
  fixture_connect (f);
  g_assert_cmpuint (f->agent->n_syncs, ==, 2);
  g_assert_cmpuint (n_syncs (f), ==, 1);
  assert_ping (f);
}

static void
test_wrong_echo_always (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpClient) client = aqmp_client_new ();
  g_autoptr(GError) error = NULL;

  f->agent->wrong_echoes = 100;
  aqmp_client_set_protocol (client, f->protocol);
  g_assert_false (aqmp_client_connect_sync (client, f->agent->address, NULL, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "wrong id"));
  g_assert_cmpint (aqmp_client_get_state (client), ==, AQMP_STATE_IDLE);
}

/* ----- silent agents and timeouts (FAULTS #29, #30) ----- */

static void
test_silent_agent_connect (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpClient) client = aqmp_client_new ();
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  f->agent->silent = TRUE;
  aqmp_qga_protocol_set_sync_timeout (AQMP_QGA_PROTOCOL (f->protocol), SHORT_MS);
  aqmp_client_set_protocol (client, f->protocol);
  g_assert_false (aqmp_client_connect_sync (client, f->agent->address, NULL, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "guest agent did not answer"));
  g_assert_cmpint (aqmp_client_get_state (client), ==, AQMP_STATE_IDLE);
  g_assert_cmpint (g_get_monotonic_time () - start, <, AQMP_TEST_WAIT_MS * 1000);

  /* the agent wakes up: a new connection works */
  f->agent->silent = FALSE;
  g_clear_error (&error);
  g_assert_true (aqmp_client_connect_sync (client, f->agent->address, NULL, &error));
  g_assert_no_error (error);
  f->client = g_steal_pointer (&client);
  assert_ping (f);
}

static void
test_timeout_then_resync (Fixture *f, gconstpointer data)
{
  AqmpTestCall r = { 0, };

  fixture_connect (f);
  /* the agent answers guest-info only at the next sync, as a serial
   * agent stuck on it would: the call times out, the late reply arrives
   * before the next sync's delimiter */
  g_ptr_array_add (f->agent->held, g_strdup ("guest-info"));
  execute (f, "guest-info", SHORT_MS, &r);
  g_assert_error (r.error, AQMP_ERROR, AQMP_ERROR_TIMEOUT);
  aqmp_test_call_clear (&r);
  g_assert_cmpuint (f->agent->n_syncs, ==, 1);

  g_ptr_array_set_size (f->agent->held, 0);
  assert_ping (f);
  g_assert_cmpuint (f->agent->n_syncs, ==, 2);
  g_assert_cmpuint (n_syncs (f), ==, 2);
  g_assert_cmpuint (f->agent->stale.length, ==, 0);
  assert_ping (f);
  g_assert_cmpuint (f->agent->n_syncs, ==, 2);
}

static void
test_silent_resync_then_recovery (Fixture *f, gconstpointer data)
{
  AqmpTestCall r = { 0, };

  aqmp_qga_protocol_set_sync_timeout (AQMP_QGA_PROTOCOL (f->protocol), SHORT_MS);
  fixture_connect (f);

  /* the agent goes silent: the call times out... */
  f->agent->silent = TRUE;
  execute (f, "guest-ping", SHORT_MS, &r);
  g_assert_error (r.error, AQMP_ERROR, AQMP_ERROR_TIMEOUT);
  aqmp_test_call_clear (&r);

  /* ...and so does the resync the next call needs */
  execute (f, "guest-ping", -1, &r);
  g_assert_error (r.error, AQMP_ERROR, AQMP_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (r.error->message, "guest agent did not answer"));
  aqmp_test_call_clear (&r);
  g_assert_cmpint (aqmp_client_get_state (f->client), ==, AQMP_STATE_RUNNING);

  /* it answers again: the next call resyncs and succeeds */
  f->agent->silent = FALSE;
  assert_ping (f);
  g_assert_cmpuint (n_syncs (f), ==, 2);
}

/* a connection given up while its handshake waits, and a new one made at
 * once: the old handshake's end belongs to the old session and must not
 * end the new connection */
typedef struct {
  Fixture *f;
  gboolean first_done;
  gboolean second_done;
  GError *first_error;
  GError *second_error;
} GivenUp;

static void
given_up_first_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GivenUp *g = user_data;

  aqmp_client_connect_finish (AQMP_CLIENT (source), res, &g->first_error);
  g->first_done = TRUE;
}

static void
given_up_second_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GivenUp *g = user_data;

  aqmp_client_connect_finish (AQMP_CLIENT (source), res, &g->second_error);
  g->second_done = TRUE;
}

static void
given_up_disconnected_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GivenUp *g = user_data;

  aqmp_client_disconnect_finish (AQMP_CLIENT (source), res, NULL);
  /* at once, before the given-up handshake has told its end */
  g->f->agent->silent = FALSE;
  aqmp_client_connect_async (AQMP_CLIENT (source), g->f->agent->address, NULL, given_up_second_cb, g);
}

static gboolean
agent_has_sync (gpointer user_data)
{
  AqmpTestFakeAgent *agent = user_data;

  return agent->n_syncs > 0;
}

static void
test_given_up_handshake (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpClient) client = aqmp_client_new ();
  GivenUp g = { .f = f };

  f->agent->silent = TRUE;
  aqmp_client_set_protocol (client, f->protocol);
  aqmp_client_set_connect_timeout (client, AQMP_TEST_WAIT_MS);
  aqmp_client_connect_async (client, f->agent->address, NULL, given_up_first_cb, &g);
  /* the sync is out and not answered: the handshake waits */
  g_assert_true (aqmp_test_wait_until (agent_has_sync, f->agent, AQMP_TEST_WAIT_MS));
  aqmp_client_disconnect_async (client, NULL, given_up_disconnected_cb, &g);

  g_assert_true (aqmp_test_wait_for_flag (&g.second_done, AQMP_TEST_WAIT_MS));
  g_assert_true (g.first_done);
  g_assert_error (g.first_error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);
  g_assert_no_error (g.second_error);
  g_assert_cmpint (aqmp_client_get_state (client), ==, AQMP_STATE_RUNNING);
  g_clear_error (&g.first_error);
  f->client = g_steal_pointer (&client);
  assert_ping (f);
  g_assert_cmpuint (f->agent->n_syncs, ==, 2);
}

static void
test_stale_delayed_reply (Fixture *f, gconstpointer data)
{
  AqmpTestCall r = { 0, };

  fixture_connect (f);
  /* a reply that comes after the next sync: its id is stale by then */
  aqmp_server_set_delay (f->agent->server, "guest-get-osinfo", 3 * SHORT_MS);
  execute (f, "guest-get-osinfo", SHORT_MS / 4, &r);
  g_assert_error (r.error, AQMP_ERROR, AQMP_ERROR_TIMEOUT);
  aqmp_test_call_clear (&r);

  /* resyncs, then waits for a fresh osinfo while the stale one arrives */
  execute (f, "guest-get-osinfo", AQMP_TEST_WAIT_MS, &r);
  g_assert_no_error (r.error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (r.value), "name"), ==, "Fake OS");
  aqmp_test_call_clear (&r);
  g_assert_cmpuint (n_syncs (f), ==, 2);
  assert_ping (f);
}

static JsonNode *
send_garbage (AqmpServer *server, JsonObject *request, gpointer user_data, GError **error)
{
  aqmp_server_send_raw (server, user_data, -1);
  return NULL;
}

static void
test_garbage_mid_session (Fixture *f, gconstpointer data)
{
  AqmpTestCall r = { 0, };

  fixture_connect (f);
  aqmp_server_set_handler (f->agent->server, "guest-get-time", send_garbage, "]]garbage\n", NULL);
  execute (f, "guest-get-time", -1, &r);
  g_assert_error (r.error, AQMP_ERROR, AQMP_ERROR_PROTOCOL);
  aqmp_test_call_clear (&r);
  g_assert_cmpint (aqmp_client_get_state (f->client), ==, AQMP_STATE_RUNNING);
  assert_ping (f);
  g_assert_cmpuint (n_syncs (f), ==, 2);
}

static void
test_partial_reply_timeout (Fixture *f, gconstpointer data)
{
  AqmpTestCall r = { 0, };

  fixture_connect (f);
  /* half a reply, then nothing: the rest must not spoil the resync */
  aqmp_server_set_handler (f->agent->server, "guest-get-time", send_garbage,
                           "{\"return\": {\"seconds\": ", NULL);
  execute (f, "guest-get-time", SHORT_MS, &r);
  g_assert_error (r.error, AQMP_ERROR, AQMP_ERROR_TIMEOUT);
  aqmp_test_call_clear (&r);
  assert_ping (f);
  g_assert_cmpuint (n_syncs (f), ==, 2);
}

/* ----- commands without a reply (FAULTS #31) ----- */

static void
test_shutdown_no_reply (Fixture *f, gconstpointer data)
{
  AqmpTestCall shutdown = { 0, };
  AqmpTestCall ping = { 0, };

  fixture_connect (f);
  aqmp_client_set_no_reply_grace (f->client, SHORT_MS);
  /* the ping's reply follows at once: it must go to the ping */
  aqmp_client_execute_async (f->client, "guest-shutdown", NULL, NULL, aqmp_test_execute_cb, &shutdown);
  aqmp_client_execute_async (f->client, "guest-ping", NULL, NULL, aqmp_test_execute_cb, &ping);
  g_assert_true (aqmp_test_wait_for_flag (&ping.done, AQMP_TEST_WAIT_MS));
  g_assert_no_error (ping.error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (ping.value));
  g_assert_true (aqmp_test_wait_for_flag (&shutdown.done, AQMP_TEST_WAIT_MS));
  g_assert_no_error (shutdown.error);
  g_assert_true (JSON_NODE_HOLDS_NULL (shutdown.value));
  g_assert_cmpuint (f->agent->n_shutdowns, ==, 1);
  aqmp_test_call_clear (&shutdown);
  aqmp_test_call_clear (&ping);

  /* and it left the connection in step */
  assert_ping (f);
  g_assert_cmpuint (n_syncs (f), ==, 1);
}

/* a command without a reply that comes first after a timeout waits
 * behind the resync it starts, instead of holding the sync (and the
 * 0xFF before it) back until the sync times out */
static void
test_no_reply_during_resync (Fixture *f, gconstpointer data)
{
  AqmpTestCall r = { 0, };
  GPtrArray *received;
  guint n;

  fixture_connect (f);
  aqmp_client_set_no_reply_grace (f->client, SHORT_MS);
  g_ptr_array_add (f->agent->held, g_strdup ("guest-info"));
  execute (f, "guest-info", SHORT_MS, &r);
  g_assert_error (r.error, AQMP_ERROR, AQMP_ERROR_TIMEOUT);
  aqmp_test_call_clear (&r);
  g_ptr_array_set_size (f->agent->held, 0);

  execute (f, "guest-shutdown", -1, &r);
  g_assert_no_error (r.error);
  g_assert_true (JSON_NODE_HOLDS_NULL (r.value));
  aqmp_test_call_clear (&r);
  g_assert_cmpuint (f->agent->n_shutdowns, ==, 1);
  g_assert_cmpuint (n_syncs (f), ==, 2);

  /* the sync went first */
  received = aqmp_server_get_received (f->agent->server);
  n = received->len;
  g_assert_cmpuint (n, >=, 2);
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (received, n - 2), "execute"),
                   ==, "guest-sync-delimited");
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (received, n - 1), "execute"),
                   ==, "guest-shutdown");
  assert_ping (f);
}

static void
test_shutdown_error_in_grace (Fixture *f, gconstpointer data)
{
  const gchar *const commands[] = { "guest-shutdown", "guest-suspend-disk",
                                    "guest-suspend-ram", "guest-suspend-hybrid", NULL };
  AqmpTestCall r = { 0, };

  fixture_connect (f);
  aqmp_client_set_no_reply_grace (f->client, AQMP_TEST_WAIT_MS);
  f->agent->shutdown_error = g_strdup ("guest-shutdown has failed: permission denied");
  for (guint i = 0; commands[i] != NULL; i++)
    {
      execute (f, commands[i], -1, &r);
      g_assert_error (r.error, AQMP_ERROR, AQMP_ERROR_COMMAND);
      g_assert_cmpstr (aqmp_error_get_qmp_class (r.error), ==, "GenericError");
      g_assert_cmpstr (aqmp_error_get_qmp_desc (r.error), ==, f->agent->shutdown_error);
      aqmp_test_call_clear (&r);
    }
  assert_ping (f);
  g_assert_cmpuint (n_syncs (f), ==, 1);
}

/* ----- fsfreeze, for later workflows ----- */

static void
test_fsfreeze_gate (Fixture *f, gconstpointer data)
{
  const gchar *const allowed[] = { "guest-ping", "guest-info", "guest-fsfreeze-status", NULL };
  AqmpTestCall r = { 0, };

  fixture_connect (f);
  execute (f, "guest-fsfreeze-freeze", -1, &r);
  g_assert_no_error (r.error);
  g_assert_cmpint (json_node_get_int (r.value), ==, 2);
  aqmp_test_call_clear (&r);
  g_assert_true (f->agent->frozen);

  execute (f, "guest-fsfreeze-status", -1, &r);
  g_assert_cmpstr (json_node_get_string (r.value), ==, "frozen");
  aqmp_test_call_clear (&r);
  for (guint i = 0; allowed[i] != NULL; i++)
    {
      execute (f, allowed[i], -1, &r);
      g_assert_no_error (r.error);
      aqmp_test_call_clear (&r);
    }
  /* everything else is refused, and that is not a reason to resync */
  execute (f, "guest-get-osinfo", -1, &r);
  g_assert_error (r.error, AQMP_ERROR, AQMP_ERROR_COMMAND);
  g_assert_cmpstr (aqmp_error_get_qmp_class (r.error), ==, "CommandNotFound");
  g_assert_nonnull (strstr (aqmp_error_get_qmp_desc (r.error), "frozen"));
  aqmp_test_call_clear (&r);
  execute (f, "guest-fsfreeze-freeze", -1, &r);
  g_assert_error (r.error, AQMP_ERROR, AQMP_ERROR_COMMAND);
  aqmp_test_call_clear (&r);

  execute (f, "guest-fsfreeze-thaw", -1, &r);
  g_assert_no_error (r.error);
  g_assert_cmpint (json_node_get_int (r.value), ==, 2);
  aqmp_test_call_clear (&r);
  execute (f, "guest-fsfreeze-status", -1, &r);
  g_assert_cmpstr (json_node_get_string (r.value), ==, "thawed");
  aqmp_test_call_clear (&r);
  execute (f, "guest-get-osinfo", -1, &r);
  g_assert_no_error (r.error);
  aqmp_test_call_clear (&r);
  g_assert_cmpuint (n_syncs (f), ==, 1);
}

/* ----- the convenience API ----- */

static void
test_agent_info (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpGuestAgent) agent = NULL;
  g_autoptr(JsonObject) info = NULL;
  g_autoptr(JsonObject) os = NULL;
  g_autoptr(GError) error = NULL;

  fixture_connect (f);
  agent = aqmp_guest_agent_new (f->client);
  g_assert_true (aqmp_guest_agent_get_client (agent) == f->client);
  g_assert_true (aqmp_guest_agent_ping_sync (agent, NULL, &error));
  g_assert_no_error (error);
  info = aqmp_guest_agent_get_info_sync (agent, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (info, "version"), ==, "7.2.0-fake");
  os = aqmp_guest_agent_get_osinfo_sync (agent, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (os, "id"), ==, "fake");
}

typedef struct {
  gboolean done;
  gboolean ok;
  gint status;
  GBytes *out;
  GBytes *err;
  GError *error;
} ExecResult;

static void
exec_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  ExecResult *r = user_data;

  r->ok = aqmp_guest_agent_exec_finish (AQMP_GUEST_AGENT (source), res, &r->status,
                                        &r->out, &r->err, &r->error);
  r->done = TRUE;
}

static void
test_agent_exec (Fixture *f, gconstpointer data)
{
  const gchar *const argv[] = { "/bin/sh", "-c", "echo out; echo err >&2; exit 3", NULL };
  g_autoptr(AqmpGuestAgent) agent = NULL;
  ExecResult r = { 0, };
  GPtrArray *received;
  JsonObject *exec_args;

  fixture_connect (f);
  agent = aqmp_guest_agent_new (f->client);
  f->agent->exec_polls = 3;
  f->agent->exec_exit_code = 3;
  g_free (f->agent->exec_out);
  f->agent->exec_out = g_strdup ("out\n");
  g_free (f->agent->exec_err);
  f->agent->exec_err = g_strdup ("err\n");

  aqmp_guest_agent_exec_async (agent, argv, NULL, NULL, AQMP_TEST_WAIT_MS, NULL, exec_cb, &r);
  g_assert_true (aqmp_test_wait_for_flag (&r.done, AQMP_TEST_WAIT_MS));
  g_assert_no_error (r.error);
  g_assert_true (r.ok);
  g_assert_cmpint (r.status, ==, 3);
  g_assert_cmpmem (g_bytes_get_data (r.out, NULL), g_bytes_get_size (r.out), "out\n", 4);
  g_assert_cmpmem (g_bytes_get_data (r.err, NULL), g_bytes_get_size (r.err), "err\n", 4);
  g_assert_cmpuint (f->agent->n_status_polls, ==, 4);

  received = aqmp_server_get_received (f->agent->server);
  exec_args = json_object_get_object_member (g_ptr_array_index (received, 1), "arguments");
  g_assert_cmpstr (json_object_get_string_member (exec_args, "path"), ==, "/bin/sh");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (exec_args, "arg")), ==, 2);
  g_assert_true (json_object_get_boolean_member (exec_args, "capture-output"));
  g_bytes_unref (r.out);
  g_bytes_unref (r.err);
}

static void
test_agent_exec_timeout (Fixture *f, gconstpointer data)
{
  const gchar *const argv[] = { "/bin/sleep", "1000", NULL };
  g_autoptr(AqmpGuestAgent) agent = NULL;
  g_autoptr(GError) error = NULL;
  gint status = -7;

  fixture_connect (f);
  agent = aqmp_guest_agent_new (f->client);
  f->agent->exec_never_exits = TRUE;
  g_assert_false (aqmp_guest_agent_exec_sync (agent, argv, NULL, NULL, SHORT_MS, &status,
                                              NULL, NULL, NULL, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "4242"));
  g_assert_cmpint (status, ==, -7);
  /* polled with backoff (10, 20, 40, 80 ms...), not every millisecond */
  g_assert_cmpuint (f->agent->n_status_polls, >=, 1);
  g_assert_cmpuint (f->agent->n_status_polls, <=, 7);
  /* a slow program is no reason to resync */
  assert_ping (f);
  g_assert_cmpuint (n_syncs (f), ==, 1);
}

static void
test_agent_files (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpGuestAgent) agent = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) contents = NULL;
  g_autoptr(GBytes) back = NULL;
  guchar *data_in = g_malloc (150 * 1024);
  GPtrArray *received;
  guint writes = 0, reads = 0;

  for (gsize i = 0; i < 150 * 1024; i++)
    data_in[i] = (guchar) (i * 7 + i / 256);
  contents = g_bytes_new_take (data_in, 150 * 1024);

  fixture_connect (f);
  agent = aqmp_guest_agent_new (f->client);
  g_assert_true (aqmp_guest_agent_file_write_sync (agent, "/tmp/fake", contents, NULL, &error));
  g_assert_no_error (error);
  back = aqmp_guest_agent_file_read_sync (agent, "/tmp/fake", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (contents, back));
  g_assert_cmpuint (aqmp_test_fake_agent_n_open_handles (f->agent), ==, 0);

  received = aqmp_server_get_received (f->agent->server);
  for (guint i = 0; i < received->len; i++)
    {
      const gchar *command = json_object_get_string_member (g_ptr_array_index (received, i), "execute");
      writes += g_strcmp0 (command, "guest-file-write") == 0;
      reads += g_strcmp0 (command, "guest-file-read") == 0;
    }
  /* 48 KiB write chunks, 64 KiB reads */
  g_assert_cmpuint (writes, ==, 4);
  g_assert_cmpuint (reads, ==, 3);

  /* a missing file: the agent's error, with the path */
  g_clear_pointer (&back, g_bytes_unref);
  back = aqmp_guest_agent_file_read_sync (agent, "/tmp/missing", NULL, &error);
  g_assert_null (back);
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_COMMAND);
  g_assert_nonnull (strstr (error->message, "/tmp/missing"));
}

static void
test_agent_file_cap (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpGuestAgent) agent = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) big = g_bytes_new_take (g_malloc0 (200 * 1024), 200 * 1024);
  g_autoptr(GBytes) back = NULL;
  guint received_before;

  fixture_connect (f);
  agent = aqmp_guest_agent_new (f->client);
  g_assert_true (aqmp_guest_agent_file_write_sync (agent, "/tmp/big", big, NULL, &error));
  g_assert_no_error (error);

  aqmp_guest_agent_set_max_file_size (agent, 100 * 1024);
  g_assert_cmpuint (aqmp_guest_agent_get_max_file_size (agent), ==, 100 * 1024);
  back = aqmp_guest_agent_file_read_sync (agent, "/tmp/big", NULL, &error);
  g_assert_null (back);
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "/tmp/big"));
  g_clear_error (&error);
  /* the handle was closed all the same */
  g_assert_cmpuint (aqmp_test_fake_agent_n_open_handles (f->agent), ==, 0);

  /* too much to write is refused before anything is sent */
  received_before = aqmp_server_get_received (f->agent->server)->len;
  g_assert_false (aqmp_guest_agent_file_write_sync (agent, "/tmp/big2", big, NULL, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_TOO_LARGE);
  g_assert_cmpuint (aqmp_server_get_received (f->agent->server)->len, ==, received_before);
}

/* ----- the freeze guard (AqmpGuestFreeze) ----- */

static gchar *
agent_log (Fixture *f)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < f->agent->log->len; i++)
    g_string_append_printf (text, "%s%s", i > 0 ? "|" : "", (const gchar *) g_ptr_array_index (f->agent->log, i));
  return g_strdup (text->str);
}

static AqmpGuestFreeze *
new_freeze (Fixture *f)
{
  g_autoptr(AqmpGuestAgent) agent = NULL;

  fixture_connect (f);
  agent = aqmp_guest_agent_new (f->client);
  return aqmp_guest_freeze_new (agent);
}

static void
test_freeze_guard (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpGuestFreeze) freeze = new_freeze (f);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *log = NULL;

  g_assert_false (aqmp_guest_freeze_is_frozen (freeze));
  /* nothing frozen: nothing to thaw, nothing sent */
  g_assert_true (aqmp_guest_freeze_thaw_sync (freeze, &error));
  g_assert_cmpuint (f->agent->log->len, ==, 0);

  g_assert_true (aqmp_guest_freeze_freeze_sync (freeze, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (f->agent->frozen);
  g_assert_true (aqmp_guest_freeze_is_frozen (freeze));
  /* one freeze at a time */
  g_assert_false (aqmp_guest_freeze_freeze_sync (freeze, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_clear_error (&error);

  g_assert_true (aqmp_guest_freeze_thaw_sync (freeze, &error));
  g_assert_no_error (error);
  g_assert_false (f->agent->frozen);
  g_assert_false (aqmp_guest_freeze_is_frozen (freeze));
  g_assert_cmpint (aqmp_guest_freeze_get_frozen_ms (freeze), >=, 0);
  log = agent_log (f);
  g_assert_cmpstr (log, ==, "guest-fsfreeze-freeze|guest-fsfreeze-thaw");
}

/* a failed freeze may have frozen some filesystems: the guard thaws */
static void
test_freeze_failed_thaws (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpGuestFreeze) freeze = new_freeze (f);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *log = NULL;

  f->agent->freeze_error = g_strdup ("failed to freeze /mnt: Device or resource busy");
  g_assert_false (aqmp_guest_freeze_freeze_sync (freeze, NULL, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_COMMAND);
  g_assert_nonnull (strstr (error->message, "cannot freeze the guest's filesystems"));
  g_assert_false (f->agent->frozen);
  g_assert_false (aqmp_guest_freeze_is_frozen (freeze));
  log = agent_log (f);
  g_assert_cmpstr (log, ==, "guest-fsfreeze-freeze|guest-fsfreeze-thaw");
}

/* a failed freeze whose thaw fails too says both */
static void
test_freeze_failed_thaw_fails (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpGuestFreeze) freeze = new_freeze (f);
  g_autoptr(GError) error = NULL;

  f->agent->freeze_error = g_strdup ("failed to freeze /mnt");
  f->agent->thaw_error = g_strdup ("failed to thaw /");
  g_assert_false (aqmp_guest_freeze_freeze_sync (freeze, NULL, &error));
  g_assert_nonnull (strstr (error->message, "failed to freeze /mnt"));
  g_assert_nonnull (strstr (error->message, "could not be thawed: "));
  g_assert_nonnull (strstr (error->message, "failed to thaw /"));
}

static void
freeze_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpTestCall *call = user_data;

  if (!aqmp_guest_freeze_freeze_finish (AQMP_GUEST_FREEZE (source), res, &call->error))
    g_assert_nonnull (call->error);
  call->done = TRUE;
}

/* cancelled while the freeze is on its way: it still reaches the guest,
 * and the guard thaws before it reports the cancel */
static void
test_freeze_cancelled_thaws (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpGuestFreeze) freeze = new_freeze (f);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree gchar *log = NULL;
  AqmpTestCall call = { 0, };

  aqmp_guest_freeze_freeze_async (freeze, cancellable, freeze_done_cb, &call);
  /* the freeze is on its way; its answer comes from the main loop */
  g_cancellable_cancel (cancellable);
  g_assert_true (aqmp_test_wait_for_flag (&call.done, AQMP_TEST_WAIT_MS));
  g_assert_error (call.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (f->agent->frozen);
  log = agent_log (f);
  g_assert_cmpstr (log, ==, "guest-fsfreeze-freeze|guest-fsfreeze-thaw");
  aqmp_test_call_clear (&call);
}

static gboolean
agent_thawed (gpointer user_data)
{
  Fixture *f = user_data;

  return f->agent->log->len == 2 && !f->agent->frozen;
}

/* a guard dropped while frozen thaws on its own, and says it was a bug */
static void
test_freeze_dropped_thaws (Fixture *f, gconstpointer data)
{
  AqmpGuestFreeze *freeze = new_freeze (f);
  g_autoptr(GError) error = NULL;

  g_assert_true (aqmp_guest_freeze_freeze_sync (freeze, NULL, &error));
  g_test_expect_message ("aqmp-qga", G_LOG_LEVEL_WARNING, "*dropped while frozen*");
  g_object_unref (freeze);
  g_test_assert_expected_messages ();
  g_assert_true (aqmp_test_wait_until (agent_thawed, f, AQMP_TEST_WAIT_MS));
  /* the agent answers in order: the thaw's answer was read before this one */
  assert_ping (f);
}

/* a failed thaw is an error of the thaw, in its own words */
static void
test_freeze_thaw_fails (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpGuestFreeze) freeze = new_freeze (f);
  g_autoptr(GError) error = NULL;

  g_assert_true (aqmp_guest_freeze_freeze_sync (freeze, NULL, &error));
  f->agent->thaw_error = g_strdup ("failed to thaw /");
  g_assert_false (aqmp_guest_freeze_thaw_sync (freeze, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_COMMAND);
  g_assert_nonnull (strstr (error->message, "the guest's filesystems could not be thawed: "));
  g_assert_nonnull (strstr (error->message, "failed to thaw /"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/aqmp/qga/protocol/variant", test_protocol_variant);
  ADD ("/aqmp/qga/sync/on-connect", test_sync_on_connect);
  ADD ("/aqmp/qga/sync/random-ids", test_sync_ids_random);
  ADD ("/aqmp/qga/sync/garbage-before", test_garbage_before_sync);
  ADD ("/aqmp/qga/sync/lines-after-delimiter", test_lines_after_delimiter);
  ADD ("/aqmp/qga/sync/wrong-echo", test_wrong_echo);
  ADD ("/aqmp/qga/sync/wrong-echo-always", test_wrong_echo_always);
  ADD ("/aqmp/qga/timeout/silent-agent", test_silent_agent_connect);
  ADD ("/aqmp/qga/timeout/resync", test_timeout_then_resync);
  ADD ("/aqmp/qga/timeout/silent-resync", test_silent_resync_then_recovery);
  ADD ("/aqmp/qga/timeout/stale-delayed-reply", test_stale_delayed_reply);
  ADD ("/aqmp/qga/sync/given-up-handshake", test_given_up_handshake);
  ADD ("/aqmp/qga/garbage/mid-session", test_garbage_mid_session);
  ADD ("/aqmp/qga/garbage/partial-reply", test_partial_reply_timeout);
  ADD ("/aqmp/qga/no-reply/shutdown", test_shutdown_no_reply);
  ADD ("/aqmp/qga/no-reply/error-in-grace", test_shutdown_error_in_grace);
  ADD ("/aqmp/qga/no-reply/during-resync", test_no_reply_during_resync);
  ADD ("/aqmp/qga/fsfreeze/gate", test_fsfreeze_gate);
  ADD ("/aqmp/qga/freeze/guard", test_freeze_guard);
  ADD ("/aqmp/qga/freeze/failed-thaws", test_freeze_failed_thaws);
  ADD ("/aqmp/qga/freeze/failed-thaw-fails", test_freeze_failed_thaw_fails);
  ADD ("/aqmp/qga/freeze/cancelled-thaws", test_freeze_cancelled_thaws);
  ADD ("/aqmp/qga/freeze/dropped-thaws", test_freeze_dropped_thaws);
  ADD ("/aqmp/qga/freeze/thaw-fails", test_freeze_thaw_fails);
  ADD ("/aqmp/qga/agent/info", test_agent_info);
  ADD ("/aqmp/qga/agent/exec", test_agent_exec);
  ADD ("/aqmp/qga/agent/exec-timeout", test_agent_exec_timeout);
  ADD ("/aqmp/qga/agent/files", test_agent_files);
  ADD ("/aqmp/qga/agent/file-cap", test_agent_file_cap);
#undef ADD

  return g_test_run ();
}
