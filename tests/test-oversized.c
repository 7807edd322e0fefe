/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Messages over the size limit, against the project's AqmpServer and fake
 * guest agent (a real QEMU does not send them on demand; test-qga-real has
 * the real agent's large output). A reply over its call's limit fails
 * that call and the connection goes on; a message that names no call, or
 * that goes on past twice the limit, fails the connection; a protocol may
 * allow particular replies more.
 */
#include <string.h>

#include "aqmp-qga.h"
#include "aqmp-test-fake-agent.h"
#include "aqmp-test-qemu.h"

#define LIMIT (64 * 1024)
/* what the test protocol allows "big" and "big-held" */
#define BIG_LIMIT (256 * 1024)

/* ----- a QMP protocol that allows two commands larger replies ----- */

#define TEST_TYPE_BIG_PROTOCOL (test_big_protocol_get_type ())
G_DECLARE_FINAL_TYPE (TestBigProtocol, test_big_protocol, TEST, BIG_PROTOCOL, AqmpProtocol)

struct _TestBigProtocol {
  AqmpProtocol parent_instance;
};

G_DEFINE_FINAL_TYPE (TestBigProtocol, test_big_protocol, AQMP_TYPE_PROTOCOL)

static gsize
test_big_protocol_get_max_reply_size (AqmpProtocol *protocol, const gchar *command, JsonObject *arguments)
{
  if (g_str_has_prefix (command, "big"))
    return BIG_LIMIT;
  return 0;
}

static void
test_big_protocol_class_init (TestBigProtocolClass *klass)
{
  AQMP_PROTOCOL_CLASS (klass)->get_max_reply_size = test_big_protocol_get_max_reply_size;
}

static void
test_big_protocol_init (TestBigProtocol *self)
{
}

/* ----- the fixture ----- */

typedef struct {
  AqmpServer *server;
  AqmpClient *client;
  gchar *dir;
  gchar *address;
  guint n_disconnected;
  GError *cause;
  GPtrArray *events;          /* gchar*: the names, in order */
} Fixture;

static void
disconnected_cb (AqmpClient *client, const GError *cause, gpointer user_data)
{
  Fixture *f = user_data;

  g_clear_error (&f->cause);
  f->cause = cause != NULL ? g_error_copy (cause) : NULL;
  f->n_disconnected++;
}

static void
event_cb (AqmpClient *client, AqmpEvent *event, gpointer user_data)
{
  Fixture *f = user_data;

  g_ptr_array_add (f->events, g_strdup (aqmp_event_get_name (event)));
}

static JsonNode *
empty_handler (AqmpServer *server, JsonObject *request, gpointer user_data, GError **error)
{
  return json_node_init_object (json_node_alloc (), json_object_new ());
}

/* a reply to @request, written by hand: "return" is a string of @n bytes,
 * with the id before or after it */
static void
send_blob_reply (AqmpServer *server, JsonNode *id, gsize n, gboolean id_first)
{
  g_autofree gchar *id_text = aqmp_json_to_string (id, FALSE);
  g_autofree gchar *blob = g_strnfill (n, 'x');
  g_autofree gchar *reply = NULL;

  if (id_first)
    reply = g_strdup_printf ("{\"id\": %s, \"return\": \"%s\"}\r\n", id_text, blob);
  else
    reply = g_strdup_printf ("{\"return\": \"%s\", \"id\": %s}\r\n", blob, id_text);
  aqmp_server_send_raw (server, reply, -1);
}

/* blob {"n": N, "id-first": B}: a reply of about N bytes */
static JsonNode *
blob_handler (AqmpServer *server, JsonObject *request, gpointer user_data, GError **error)
{
  JsonObject *args = json_object_get_object_member (request, "arguments");

  send_blob_reply (server, json_object_get_member (request, "id"),
                   (gsize) json_object_get_int_member (args, "n"),
                   json_object_get_boolean_member_with_default (args, "id-first", FALSE));
  return NULL;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = NULL;

  f->dir = aqmp_test_make_dir ();
  path = g_build_filename (f->dir, "qmp.sock", NULL);
  f->server = aqmp_server_new ();
  f->address = aqmp_server_listen (f->server, path, &error);
  g_assert_no_error (error);
  aqmp_server_set_handler (f->server, "ping", empty_handler, NULL, NULL);
  aqmp_server_set_handler (f->server, "blob", blob_handler, NULL, NULL);
  aqmp_server_set_handler (f->server, "big", blob_handler, NULL, NULL);
  aqmp_server_set_no_reply (f->server, "hold");
  aqmp_server_set_no_reply (f->server, "big-held");
  f->events = g_ptr_array_new_with_free_func (g_free);

  f->client = aqmp_client_new ();
  aqmp_client_set_default_timeout (f->client, AQMP_TEST_WAIT_MS);
  aqmp_client_set_connect_timeout (f->client, AQMP_TEST_WAIT_MS);
  aqmp_client_set_max_message_size (f->client, LIMIT);
  g_signal_connect (f->client, "disconnected", G_CALLBACK (disconnected_cb), f);
  g_signal_connect (f->client, "event", G_CALLBACK (event_cb), f);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  if (f->client != NULL)
    aqmp_client_disconnect_sync (f->client, NULL, NULL);
  g_clear_object (&f->client);
  aqmp_server_stop (f->server);
  g_clear_object (&f->server);
  aqmp_test_remove_dir (f->dir);
  g_free (f->dir);
  g_free (f->address);
  g_clear_error (&f->cause);
  g_ptr_array_unref (f->events);
}

static void
fixture_connect (Fixture *f, AqmpProtocol *protocol)
{
  g_autoptr(GError) error = NULL;

  if (protocol != NULL)
    aqmp_client_set_protocol (f->client, protocol);
  aqmp_client_connect_sync (f->client, f->address, NULL, &error);
  g_assert_no_error (error);
}

/* ----- helpers ----- */

static void
start (Fixture *f, AqmpTestCall *r, const gchar *command, gsize n, gboolean id_first)
{
  g_autoptr(JsonObject) args = NULL;

  if (n > 0)
    {
      args = json_object_new ();
      json_object_set_int_member (args, "n", (gint64) n);
      json_object_set_boolean_member (args, "id-first", id_first);
    }
  aqmp_client_execute_async (f->client, command, args, NULL, aqmp_test_execute_cb, r);
}

static void
finish (AqmpTestCall *r)
{
  g_assert_true (aqmp_test_wait_for_flag (&r->done, AQMP_TEST_WAIT_MS));
}

static void
assert_ping (Fixture *f)
{
  AqmpTestCall r = { 0, };

  start (f, &r, "ping", 0, FALSE);
  finish (&r);
  g_assert_no_error (r.error);
  aqmp_test_call_clear (&r);
}

static void
assert_too_large (AqmpTestCall *r, const gchar *command)
{
  g_autofree gchar *prefix = g_strdup_printf ("the reply to '%s' (", command);

  finish (r);
  g_assert_error (r->error, AQMP_ERROR, AQMP_ERROR_TOO_LARGE);
  g_assert_true (g_str_has_prefix (r->error->message, prefix));
  aqmp_test_call_clear (r);
}

/* the id of the last request with this name the server got */
static JsonNode *
received_id (Fixture *f, const gchar *command)
{
  GPtrArray *received = aqmp_server_get_received (f->server);

  for (guint i = received->len; i > 0; i--)
    {
      JsonObject *request = g_ptr_array_index (received, i - 1);
      if (g_strcmp0 (json_object_get_string_member_with_default (request, "execute", ""), command) == 0)
        return json_object_get_member (request, "id");
    }
  g_assert_not_reached ();
}

typedef struct {
  Fixture *f;
  const gchar *command;
} Received;

static gboolean
received_cb (gpointer user_data)
{
  Received *w = user_data;
  GPtrArray *received = aqmp_server_get_received (w->f->server);

  for (guint i = 0; i < received->len; i++)
    {
      JsonObject *request = g_ptr_array_index (received, i);
      if (g_strcmp0 (json_object_get_string_member_with_default (request, "execute", ""), w->command) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
wait_received (Fixture *f, const gchar *command)
{
  Received w = { f, command };

  g_assert_true (aqmp_test_wait_until (received_cb, &w, AQMP_TEST_WAIT_MS));
}

static gboolean
disconnected_flag (gpointer user_data)
{
  return ((Fixture *) user_data)->n_disconnected > 0;
}

/* @r, pending, fails with the connection, whose cause is TOO_LARGE */
static void
assert_connection_fails (Fixture *f, AqmpTestCall *r, const gchar *cause)
{
  finish (r);
  g_assert_error (r->error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);
  g_assert_nonnull (strstr (r->error->message, cause));
  aqmp_test_call_clear (r);
  g_assert_true (aqmp_test_wait_until (disconnected_flag, f, AQMP_TEST_WAIT_MS));
  g_assert_error (f->cause, AQMP_ERROR, AQMP_ERROR_TOO_LARGE);
  g_assert_cmpint (aqmp_client_get_state (f->client), ==, AQMP_STATE_IDLE);
}

/* ----- QMP ----- */

/* over the limit but ending within twice it: only its call fails, with
 * the id before or after the data, among calls in flight */
static void
test_reply_skipped (Fixture *f, gconstpointer data)
{
  AqmpTestCall r[5] = { { 0, }, };

  fixture_connect (f, NULL);
  start (f, &r[0], "ping", 0, FALSE);
  start (f, &r[1], "blob", LIMIT + LIMIT / 2, FALSE);
  start (f, &r[2], "blob", LIMIT + LIMIT / 2, TRUE);
  start (f, &r[3], "blob", LIMIT - 100, FALSE);
  start (f, &r[4], "ping", 0, FALSE);

  finish (&r[0]);
  g_assert_no_error (r[0].error);
  assert_too_large (&r[1], "blob");
  assert_too_large (&r[2], "blob");
  /* just under the limit: read whole */
  finish (&r[3]);
  g_assert_no_error (r[3].error);
  g_assert_cmpuint (strlen (json_node_get_string (r[3].value)), ==, LIMIT - 100);
  finish (&r[4]);
  g_assert_no_error (r[4].error);
  for (guint i = 0; i < G_N_ELEMENTS (r); i++)
    aqmp_test_call_clear (&r[i]);

  /* the connection went on */
  assert_ping (f);
  g_assert_cmpuint (f->n_disconnected, ==, 0);
  g_assert_cmpint (aqmp_client_get_state (f->client), ==, AQMP_STATE_RUNNING);
}

/* a reply that goes on past twice the limit is taken for one that does
 * not end */
static void
test_reply_past_twice (Fixture *f, gconstpointer data)
{
  AqmpTestCall r = { 0, };

  fixture_connect (f, NULL);
  start (f, &r, "blob", 3 * LIMIT, FALSE);
  assert_connection_fails (f, &r, "message exceeds the size limit of 65536 bytes");
}

/* an event names no call: it cannot be skipped without losing it */
static void
test_event (Fixture *f, gconstpointer data)
{
  g_autofree gchar *blob = g_strnfill (LIMIT + 100, 'x');
  g_autofree gchar *event = g_strdup_printf ("{\"event\": \"BIG\", \"data\": {\"s\": \"%s\"}, "
                                             "\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}}\r\n", blob);
  AqmpTestCall r = { 0, };

  fixture_connect (f, NULL);
  start (f, &r, "hold", 0, FALSE);
  wait_received (f, "hold");
  aqmp_server_send_raw (f->server, event, -1);
  assert_connection_fails (f, &r, "without an id exceeds the size limit of 65536 bytes");
  g_assert_cmpuint (f->events->len, ==, 0);
}

/* the late reply of a timed-out call is dropped, oversized or not */
static void
test_late_reply (Fixture *f, gconstpointer data)
{
  AqmpTestCall r = { 0, };

  fixture_connect (f, NULL);
  aqmp_client_execute_full_async (f->client, "hold", NULL, AQMP_EXECUTE_FLAGS_NONE, 50, NULL,
                                  aqmp_test_execute_cb, &r);
  finish (&r);
  g_assert_error (r.error, AQMP_ERROR, AQMP_ERROR_TIMEOUT);
  aqmp_test_call_clear (&r);
  send_blob_reply (f->server, received_id (f, "hold"), LIMIT + LIMIT / 2, FALSE);
  assert_ping (f);
  g_assert_cmpuint (f->n_disconnected, ==, 0);
}

/* a protocol allows "big" more: its reply is read whole, and while it is
 * awaited other messages are held to their own limits all the same */
static void
test_raised (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpProtocol) protocol = g_object_new (TEST_TYPE_BIG_PROTOCOL, NULL);
  g_autofree gchar *blob = g_strnfill (LIMIT + 100, 'x');
  g_autofree gchar *event = g_strdup_printf ("{\"event\": \"BIG\", \"data\": {\"s\": \"%s\"}}\r\n", blob);
  AqmpTestCall big = { 0, };
  AqmpTestCall other = { 0, };
  AqmpTestCall held = { 0, };

  g_assert_cmpuint (aqmp_protocol_get_max_reply_size (protocol, "big", NULL), ==, BIG_LIMIT);
  g_assert_cmpuint (aqmp_protocol_get_max_reply_size (protocol, "blob", NULL), ==, 0);
  fixture_connect (f, protocol);

  start (f, &big, "big", BIG_LIMIT - 1000, FALSE);
  finish (&big);
  g_assert_no_error (big.error);
  g_assert_cmpuint (strlen (json_node_get_string (big.value)), ==, BIG_LIMIT - 1000);
  aqmp_test_call_clear (&big);
  /* over even the raised limit: that call fails */
  start (f, &big, "big", BIG_LIMIT + 1000, FALSE);
  assert_too_large (&big, "big");

  /* "blob" is answered whole while "big-held" is awaited, over its own limit */
  start (f, &held, "big-held", 0, FALSE);
  wait_received (f, "big-held");
  start (f, &other, "blob", LIMIT + 100, FALSE);
  assert_too_large (&other, "blob");
  send_blob_reply (f->server, received_id (f, "big-held"), BIG_LIMIT / 2, TRUE);
  finish (&held);
  g_assert_no_error (held.error);
  aqmp_test_call_clear (&held);
  assert_ping (f);
  g_assert_cmpuint (f->n_disconnected, ==, 0);

  /* and an event is held to max-message-size */
  start (f, &held, "big-held", 0, FALSE);
  wait_received (f, "big-held");
  aqmp_server_send_raw (f->server, event, -1);
  assert_connection_fails (f, &held, "message of");
  g_assert_cmpuint (f->events->len, ==, 0);
}

/* ----- the guest agent ----- */

typedef struct {
  AqmpTestFakeAgent *agent;
  AqmpProtocol *protocol;
  AqmpClient *client;
} AgentFixture;

static void
agent_setup (AgentFixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->agent = aqmp_test_fake_agent_new ();
  f->protocol = aqmp_qga_protocol_new ();
  f->client = aqmp_client_new ();
  aqmp_client_set_protocol (f->client, f->protocol);
  aqmp_client_set_default_timeout (f->client, AQMP_TEST_WAIT_MS);
  aqmp_client_set_connect_timeout (f->client, AQMP_TEST_WAIT_MS);
  aqmp_client_set_max_message_size (f->client, LIMIT);
  aqmp_client_connect_sync (f->client, f->agent->address, NULL, &error);
  g_assert_no_error (error);
}

static void
agent_teardown (AgentFixture *f, gconstpointer data)
{
  aqmp_client_disconnect_sync (f->client, NULL, NULL);
  g_clear_object (&f->client);
  g_clear_object (&f->protocol);
  g_clear_pointer (&f->agent, aqmp_test_fake_agent_free);
}

static JsonNode *
big_info_handler (AqmpServer *server, JsonObject *request, gpointer user_data, GError **error)
{
  g_autofree gchar *blob = g_strnfill (LIMIT + LIMIT / 2, 'v');
  JsonObject *info = json_object_new ();

  json_object_set_string_member (info, "version", blob);
  return json_node_init_object (json_node_alloc (), info);
}

/* guest-exec-status may be far over max-message-size: the protocol allows
 * it, and the output comes back whole */
static void
test_agent_exec_raised (AgentFixture *f, gconstpointer data)
{
  g_autoptr(AqmpGuestAgent) agent = aqmp_guest_agent_new (f->client);
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *argv[] = { "/bin/true", NULL };
  gint status = -1;

  g_clear_pointer (&f->agent->exec_out, g_free);
  f->agent->exec_out = g_strnfill (4 * LIMIT, 'o');
  g_assert_true (aqmp_guest_agent_exec_sync (agent, argv, NULL, NULL, 0, &status, &out, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpmem (g_bytes_get_data (out, NULL), g_bytes_get_size (out),
                   f->agent->exec_out, strlen (f->agent->exec_out));
}

/* a reply over its limit fails its call; the agent stays in sync, and the
 * next call needs no resync */
static void
test_agent_reply_skipped (AgentFixture *f, gconstpointer data)
{
  g_autoptr(AqmpGuestAgent) agent = aqmp_guest_agent_new (f->client);
  g_autoptr(JsonObject) info = NULL;
  g_autoptr(GError) error = NULL;

  aqmp_server_set_handler (f->agent->server, "guest-info", big_info_handler, NULL, NULL);
  info = aqmp_guest_agent_get_info_sync (agent, NULL, &error);
  g_assert_null (info);
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "guest-info"));
  g_clear_error (&error);

  g_assert_true (aqmp_guest_agent_ping_sync (agent, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (aqmp_qga_protocol_get_n_syncs (AQMP_QGA_PROTOCOL (f->protocol)), ==, 1);
  g_assert_cmpint (aqmp_client_get_state (f->client), ==, AQMP_STATE_RUNNING);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/aqmp/oversized/reply-skipped", Fixture, NULL, fixture_setup, test_reply_skipped, fixture_teardown);
  g_test_add ("/aqmp/oversized/reply-past-twice", Fixture, NULL, fixture_setup, test_reply_past_twice,
              fixture_teardown);
  g_test_add ("/aqmp/oversized/event", Fixture, NULL, fixture_setup, test_event, fixture_teardown);
  g_test_add ("/aqmp/oversized/late-reply", Fixture, NULL, fixture_setup, test_late_reply, fixture_teardown);
  g_test_add ("/aqmp/oversized/raised", Fixture, NULL, fixture_setup, test_raised, fixture_teardown);
  g_test_add ("/aqmp/oversized/agent/exec-raised", AgentFixture, NULL, agent_setup, test_agent_exec_raised,
              agent_teardown);
  g_test_add ("/aqmp/oversized/agent/reply-skipped", AgentFixture, NULL, agent_setup,
              test_agent_reply_skipped, agent_teardown);
  return g_test_run ();
}
