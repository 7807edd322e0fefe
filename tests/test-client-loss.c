/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * AqmpClient against the project's own AqmpServer, for the faults a real
 * QEMU cannot produce on demand (see FAULTS.md; the numbers below are its
 * cases): timeouts, cancellation, concurrency, backpressure, the loss of
 * the connection and the states it goes through. The framing, handshake,
 * reply and event faults are in test-client-faults.c; the fixture is
 * aqmp-test-faults.c. Client and server share the thread-default main
 * context, and every wait is a bounded iteration of it: no sleeps.
 */
#include <string.h>
#include <sys/socket.h>

#include "aqmp-test-faults.h"

/* ----- timeouts, cancellation, concurrency, backpressure ----- */

/* #18: a per-call timeout; the late reply is dropped */
static void
test_execute_timeout (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonObject) args1 = object_new_n (1);
  g_autoptr(JsonObject) args2 = object_new_n (2);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;
  CallResult a = { 0, };
  CallResult b = { 0, };

  fixture_connect (f);
  aqmp_server_set_handler (f->server, "slow", echo_n_handler, NULL, NULL);
  aqmp_server_set_delay (f->server, "slow", 200);
  aqmp_client_execute_full_async (f->client, "slow", args1, AQMP_EXECUTE_FLAGS_NONE, 20,
                                  NULL, execute_cb, &a);
  call_wait (&a);
  g_assert_error (a.error, AQMP_ERROR, AQMP_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (a.error->message, "slow"));
  g_assert_cmpint (aqmp_client_get_state (f->client), ==, AQMP_STATE_RUNNING);

  /* the late reply to the first comes before this one's: dropped, and
   * not taken for this call's */
  aqmp_client_execute_full_async (f->client, "slow", args2, AQMP_EXECUTE_FLAGS_NONE, WAIT_MS,
                                  NULL, execute_cb, &b);
  call_wait (&b);
  g_assert_no_error (b.error);
  assert_value_n (b.value, 2);

  /* the default timeout applies to calls with -1 */
  aqmp_client_set_default_timeout (f->client, 20);
  value = aqmp_client_execute_full_sync (f->client, "slow", args1, AQMP_EXECUTE_FLAGS_NONE, -1, NULL, &error);
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_TIMEOUT);
  g_clear_error (&error);
  aqmp_client_set_default_timeout (f->client, WAIT_MS);

  aqmp_server_set_delay (f->server, "slow", 0);
  value = aqmp_client_execute_sync (f->client, "query-status", NULL, NULL, &error);
  g_assert_no_error (error);
  call_result_clear (&a);
  call_result_clear (&b);
}

/* #19: cancelling a call completes it at once; the late reply is dropped */
static void
test_execute_cancel (Fixture *f, gconstpointer data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  g_autoptr(JsonObject) args2 = object_new_n (2);
  g_autoptr(JsonNode) late = node_new_n (1);
  CallResult a = { 0, };
  CallResult b = { 0, };
  CallResult c = { 0, };

  fixture_connect (f);
  aqmp_server_set_handler (f->server, "held", held_handler, f, NULL);
  aqmp_server_set_handler (f->server, "echo", echo_n_handler, NULL, NULL);
  aqmp_client_execute_full_async (f->client, "held", NULL, AQMP_EXECUTE_FLAGS_NONE, 0,
                                  cancellable, execute_cb, &a);
  wait_for_held (f, 1);
  g_cancellable_cancel (cancellable);
  /* no reply is needed for it to complete */
  call_wait (&a);
  g_assert_error (a.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  aqmp_server_send_reply (f->server, g_ptr_array_index (f->held_ids, 0), late);
  aqmp_client_execute_async (f->client, "echo", args2, NULL, execute_cb, &b);
  call_wait (&b);
  g_assert_no_error (b.error);
  assert_value_n (b.value, 2);

  /* cancelled before it was issued */
  g_cancellable_cancel (cancelled);
  aqmp_client_execute_async (f->client, "echo", args2, cancelled, execute_cb, &c);
  call_wait (&c);
  g_assert_error (c.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  fixture_sync (f);
  g_assert_cmpint (aqmp_client_get_state (f->client), ==, AQMP_STATE_RUNNING);
  call_result_clear (&a);
  call_result_clear (&b);
  call_result_clear (&c);
}

#define N_CONCURRENT 1000

typedef struct {
  GPtrArray *ids;             /* JsonNode */
  GArray *ns;                 /* gint64 */
} Deferred;

/* holds every request until all have arrived, then answers them shuffled */
static JsonNode *
deferred_handler (AqmpServer *server, JsonObject *request, gpointer user_data, GError **error)
{
  Deferred *d = user_data;
  JsonObject *arguments = json_object_get_object_member (request, "arguments");
  gint64 n = json_object_get_int_member (arguments, "n");
  g_autoptr(GRand) rand = NULL;
  g_autofree guint *order = NULL;

  g_ptr_array_add (d->ids, json_node_copy (json_object_get_member (request, "id")));
  g_array_append_val (d->ns, n);
  if (d->ids->len < N_CONCURRENT)
    return NULL;

  rand = g_rand_new_with_seed (20);
  order = g_new (guint, N_CONCURRENT);
  for (guint i = 0; i < N_CONCURRENT; i++)
    order[i] = N_CONCURRENT - 1 - i;
  for (guint i = N_CONCURRENT - 1; i > 0; i--)
    {
      guint j = g_rand_int_range (rand, 0, i + 1);
      guint tmp = order[i];
      order[i] = order[j];
      order[j] = tmp;
    }
  for (guint i = 0; i < N_CONCURRENT; i++)
    {
      guint k = order[i];
      gint64 nk = g_array_index (d->ns, gint64, k);
      g_autoptr(JsonObject) reply = object_new_n (nk);
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

      json_object_set_int_member (reply, "square", nk * nk);
      json_node_set_object (node, reply);
      aqmp_server_send_reply (server, g_ptr_array_index (d->ids, k), node);
    }
  return NULL;
}

/* #20: 1,000 concurrent calls answered out of order are routed right */
static void
test_execute_concurrent (Fixture *f, gconstpointer data)
{
  Deferred d = { g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref),
                 g_array_new (FALSE, FALSE, sizeof (gint64)) };
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  CallResult *results = g_new0 (CallResult, N_CONCURRENT);

  fixture_connect (f);
  aqmp_server_set_handler (f->server, "work", deferred_handler, &d, NULL);
  for (guint i = 0; i < N_CONCURRENT; i++)
    {
      g_autoptr(JsonObject) args = object_new_n (i * 7 + 3);
      call_start (f, &results[i], "work", args);
    }
  for (guint i = 0; i < N_CONCURRENT; i++)
    {
      JsonObject *obj;
      gint64 n = i * 7 + 3;

      call_wait (&results[i]);
      g_assert_no_error (results[i].error);
      obj = json_node_get_object (results[i].value);
      g_assert_cmpint (json_object_get_int_member (obj, "n"), ==, n);
      g_assert_cmpint (json_object_get_int_member (obj, "square"), ==, n * n);
      call_result_clear (&results[i]);
    }
  /* every request had an id of its own */
  g_assert_cmpuint (d.ids->len, ==, N_CONCURRENT);
  for (guint i = 0; i < d.ids->len; i++)
    {
      JsonNode *id = g_ptr_array_index (d.ids, i);
      gint64 *key = g_new (gint64, 1);

      g_assert_cmpint (json_node_get_value_type (id), ==, G_TYPE_INT64);
      *key = json_node_get_int (id);
      g_assert_true (g_hash_table_add (seen, key));
    }
  g_free (results);
  g_ptr_array_unref (d.ids);
  g_array_unref (d.ns);
}

static gboolean
results_done_cb (gpointer user_data)
{
  gpointer *args = user_data;
  CallResult *results = args[0];
  guint n = GPOINTER_TO_UINT (args[1]);

  for (guint i = 0; i < n; i++)
    if (!results[i].done)
      return FALSE;
  return TRUE;
}

static void
drain_context (void)
{
  for (guint i = 0; i < 10000 && g_main_context_iteration (NULL, FALSE); i++)
    ;
}

/* #21: a server that stops reading: the queue limit gives QUEUE_FULL */
static void
test_execute_backpressure (Fixture *f, gconstpointer data)
{
  const gsize limit = 256 * 1024;
  const guint max_calls = 2048;
  g_autofree gchar *payload = g_strnfill (16 * 1024, 'p');
  CallResult *results = g_new0 (CallResult, max_calls + 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;
  guint accepted = 0;
  gpointer args[2];

  aqmp_client_set_max_queue_size (f->client, limit);
  g_assert_cmpuint (aqmp_client_get_max_queue_size (f->client), ==, limit);
  fixture_connect_pair (f, FALSE);
  aqmp_server_set_handler (f->server, "blob", echo_n_handler, NULL, NULL);
  aqmp_server_set_paused (f->server, TRUE);

  for (accepted = 0; accepted < max_calls; accepted++)
    {
      g_autoptr(JsonObject) call_args = object_new_n (accepted);

      json_object_set_string_member (call_args, "data", payload);
      call_start (f, &results[accepted], "blob", call_args);
      drain_context ();
      if (results[accepted].done)
        break;
    }
  g_test_message ("%u calls of 16 KiB accepted before the queue filled", accepted);
  g_assert_cmpuint (accepted, <, max_calls);
  g_assert_cmpuint (accepted, >, 0);
  g_assert_error (results[accepted].error, AQMP_ERROR, AQMP_ERROR_QUEUE_FULL);
  g_assert_nonnull (strstr (results[accepted].error->message, "not reading"));
  call_result_clear (&results[accepted]);

  /* still full, and still connected: QUEUE_FULL does not end it */
  value = aqmp_client_execute_sync (f->client, "query-status", NULL, NULL, &error);
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_QUEUE_FULL);
  g_clear_error (&error);
  g_assert_cmpint (aqmp_client_get_state (f->client), ==, AQMP_STATE_RUNNING);
  for (guint i = 0; i < accepted; i++)
    g_assert_false (results[i].done);

  /* once the server reads again, every accepted call gets its reply */
  aqmp_server_set_paused (f->server, FALSE);
  args[0] = results;
  args[1] = GUINT_TO_POINTER (accepted);
  g_assert_true (aqmp_test_wait_until (results_done_cb, args, WAIT_MS));
  for (guint i = 0; i < accepted; i++)
    {
      g_assert_no_error (results[i].error);
      assert_value_n (results[i].value, i);
      call_result_clear (&results[i]);
    }
  value = aqmp_client_execute_sync (f->client, "query-status", NULL, NULL, &error);
  g_assert_no_error (error);
  g_free (results);
}

/* #22: exec-oob only when negotiated; QEMU's refusal passes through */
static void
test_execute_oob (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(JsonObject) no_oob = aqmp_test_object_from_json ("{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2,"
                                                   " \"major\": 7}, \"package\": \"\"}, \"capabilities\": []}}");
  g_autoptr(JsonObject) with_oob = default_greeting ();

  /* not requested */
  fixture_connect (f);
  g_assert_true (aqmp_client_has_capability (f->client, "oob"));
  g_assert_false (aqmp_client_get_oob_enabled (f->client));
  value = aqmp_client_execute_full_sync (f->client, "query-yank", NULL, AQMP_EXECUTE_FLAGS_OOB, -1, NULL, &error);
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_STATE);
  g_assert_nonnull (strstr (error->message, "exec-oob"));
  g_clear_error (&error);
  /* nothing went out for it */
  g_assert_cmpuint (server_count_received (f, "query-yank"), ==, 0);
  g_assert_true (aqmp_client_disconnect_sync (f->client, NULL, &error));

  /* requested, but not offered */
  aqmp_client_set_request_oob (f->client, TRUE);
  aqmp_server_set_greeting (f->server, no_oob);
  fixture_connect (f);
  g_assert_false (aqmp_client_get_oob_enabled (f->client));
  value = aqmp_client_execute_full_sync (f->client, "query-yank", NULL, AQMP_EXECUTE_FLAGS_OOB, -1, NULL, &error);
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_STATE);
  g_clear_error (&error);
  g_assert_true (aqmp_client_disconnect_sync (f->client, NULL, &error));

  /* negotiated: the server's refusal comes back as a command error */
  aqmp_server_set_greeting (f->server, with_oob);
  fixture_connect (f);
  g_assert_true (aqmp_client_get_oob_enabled (f->client));
  value = aqmp_client_execute_full_sync (f->client, "query-status", NULL, AQMP_EXECUTE_FLAGS_OOB, -1, NULL, &error);
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_COMMAND);
  g_assert_nonnull (strstr (aqmp_error_get_qmp_desc (error), "does not support OOB"));
  g_clear_error (&error);
  value = aqmp_client_execute_sync (f->client, "query-status", NULL, NULL, &error);
  g_assert_no_error (error);
}

/* a sync call while the server answers after a delay */
static void
test_execute_sync_delayed (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(JsonObject) args = object_new_n (9);

  fixture_connect (f);
  aqmp_server_set_handler (f->server, "echo", echo_n_handler, NULL, NULL);
  aqmp_server_set_delay (f->server, "echo", 100);
  value = aqmp_client_execute_sync (f->client, "echo", args, NULL, &error);
  g_assert_no_error (error);
  assert_value_n (value, 9);
}

/* ----- connection loss ----- */

static JsonNode *
half_reply_handler (AqmpServer *server, JsonObject *request, gpointer user_data, GError **error)
{
  g_autofree gchar *id = json_to_string (json_object_get_member (request, "id"), FALSE);
  g_autofree gchar *raw = g_strdup_printf ("{\"id\": %s, \"return\": {\"status\": \"runn", id);

  aqmp_server_send_raw (server, raw, -1);
  aqmp_server_close_connections (server);
  return NULL;
}

/* #23: EOF in the middle of a reply */
static void
test_loss_eof_mid_reply (Fixture *f, gconstpointer data)
{
  static const gchar *cause = "server closed the connection in the middle of a message";
  g_autoptr(AqmpEventWaiter) waiter = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;
  CallResult r = { 0, };
  CallResult other = { 0, };
  CallResult w = { 0, };
  guint n_disconnected;

  fixture_connect (f);
  n_disconnected = f->n_disconnected;
  aqmp_server_set_handler (f->server, "half", half_reply_handler, NULL, NULL);
  aqmp_server_set_no_reply (f->server, "hang");
  waiter = aqmp_event_waiter_new (f->client, "SHUTDOWN", NULL);
  aqmp_event_waiter_wait_async (waiter, 0, NULL, wait_cb, &w);
  call_start (f, &other, "hang", NULL);
  call_start (f, &r, "half", NULL);

  call_wait (&r);
  g_assert_error (r.error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);
  g_assert_cmpstr (r.error->message, ==, "connection lost: server closed the connection in the middle of a message");
  call_wait (&other);
  g_assert_error (other.error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);
  g_assert_nonnull (strstr (other.error->message, cause));
  /* the event stream ended */
  call_wait (&w);
  g_assert_error (w.error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);
  g_assert_nonnull (strstr (w.error->message, cause));

  wait_for_disconnected (f, n_disconnected);
  g_assert_error (f->disconnect_cause, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);
  g_assert_cmpstr (f->disconnect_cause->message, ==, cause);

  value = aqmp_client_execute_sync (f->client, "query-status", NULL, NULL, &error);
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);
  g_assert_nonnull (strstr (error->message, cause));
  g_clear_error (&error);

  g_assert_false (aqmp_client_disconnect_sync (f->client, NULL, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);
  g_assert_cmpstr (error->message, ==, cause);
  call_result_clear (&r);
  call_result_clear (&other);
  call_result_clear (&w);
}

/* #24: quit is SHUTDOWN, the return, then EOF: a clean end */
static void
test_loss_quit (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpEventWaiter) waiter = NULL;
  g_autoptr(AqmpEvent) event = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autofree gchar *log = NULL;
  CallResult r = { .log = f->log, .tag = "quit" };
  guint n_disconnected;

  fixture_connect (f);
  n_disconnected = f->n_disconnected;
  g_array_set_size (f->states, 0);
  waiter = aqmp_event_waiter_new (f->client, "SHUTDOWN", NULL);
  call_start (f, &r, "quit", NULL);
  call_wait (&r);
  g_assert_no_error (r.error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (r.value));

  wait_for_disconnected (f, n_disconnected);
  g_assert_null (f->disconnect_cause);
  g_assert_cmpint (aqmp_client_get_state (f->client), ==, AQMP_STATE_IDLE);
  g_assert_cmpuint (f->states->len, ==, 2);
  g_assert_cmpint (g_array_index (f->states, AqmpState, 0), ==, AQMP_STATE_DISCONNECTING);
  g_assert_cmpint (g_array_index (f->states, AqmpState, 1), ==, AQMP_STATE_IDLE);
  log = fixture_log_string (f);
  g_assert_cmpstr (log, ==, "event:SHUTDOWN return:quit");

  event = aqmp_event_waiter_wait_sync (waiter, WAIT_MS, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (aqmp_event_get_data (event), "reason"), ==, "host-qmp-quit");

  g_assert_true (aqmp_client_disconnect_sync (f->client, NULL, &error));
  g_assert_no_error (error);
  /* after a clean end, calls are refused as for a client never connected */
  value = aqmp_client_execute_sync (f->client, "query-status", NULL, NULL, &error);
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_STATE);
  call_result_clear (&r);
}

static gboolean
loss_cause_ok (const GError *error)
{
  return strstr (error->message, "server closed the connection") != NULL
         || strstr (error->message, "error writing to server") != NULL
         || strstr (error->message, "error reading from server") != NULL;
}

/* #25: the server closes, then the client writes */
static void
test_loss_server_closed (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  CallResult r = { 0, };
  guint n_disconnected;

  fixture_connect (f);
  n_disconnected = f->n_disconnected;
  aqmp_server_close_connections (f->server);
  call_start (f, &r, "query-status", NULL);
  call_wait (&r);
  g_test_message ("pending call: %s", r.error->message);
  g_assert_error (r.error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);
  g_assert_true (g_str_has_prefix (r.error->message, "connection lost: "));
  g_assert_true (loss_cause_ok (r.error));
  wait_for_disconnected (f, n_disconnected);
  g_assert_error (f->disconnect_cause, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);

  g_assert_false (aqmp_client_disconnect_sync (f->client, NULL, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);
  g_assert_true (loss_cause_ok (error));
  g_clear_error (&error);
  call_result_clear (&r);

  /* the same client connects again */
  fixture_connect (f);
}

/* #25: EPIPE on write, while reading still works, behaves like EOF */
static void
test_loss_write_error (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpEventWaiter) waiter = NULL;
  CallResult r = { 0, };
  CallResult w = { 0, };
  GSocket *socket;
  guint n_disconnected;

  fixture_connect_pair (f, FALSE);
  n_disconnected = f->n_disconnected;
  waiter = aqmp_event_waiter_new (f->client, NULL, NULL);
  aqmp_event_waiter_wait_async (waiter, 0, NULL, wait_cb, &w);
  /* the server must not see EOF and hang up first */
  aqmp_server_set_paused (f->server, TRUE);
  socket = g_socket_connection_get_socket (f->client_conn);
  g_assert_true (g_socket_shutdown (socket, FALSE, TRUE, &error));
  g_assert_no_error (error);

  call_start (f, &r, "query-status", NULL);
  call_wait (&r);
  g_test_message ("pending call: %s", r.error->message);
  g_assert_error (r.error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);
  g_assert_true (g_str_has_prefix (r.error->message, "connection lost: error writing to server: "));
  call_wait (&w);
  g_assert_error (w.error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);
  wait_for_disconnected (f, n_disconnected);
  g_assert_error (f->disconnect_cause, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);

  g_assert_false (aqmp_client_disconnect_sync (f->client, NULL, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);
  g_assert_true (g_str_has_prefix (error->message, "error writing to server: "));
  g_clear_error (&error);
  aqmp_server_set_paused (f->server, FALSE);
  wait_for_server_idle (f);
  call_result_clear (&r);
  call_result_clear (&w);
}

/* #24 and #25: quit's reply waits in our socket, the server has gone, and
 * the next write fails: the call not written fails at once, quit still
 * succeeds from what is read after the write error, and the end is clean */
static void
test_loss_quit_then_write_error (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *log = NULL;
  CallResult q = { .log = f->log, .tag = "quit" };
  CallResult r = { .log = f->log, .tag = "query-status" };
  guint n_disconnected;

  fixture_connect_pair (f, TRUE);
  n_disconnected = f->n_disconnected;
  test_counting_stream_hold (f->counter);
  call_start (f, &q, "quit", NULL);
  /* the server answered, then closed its end */
  wait_for_server_idle (f);

  call_start (f, &r, "query-status", NULL);
  call_wait (&r);
  g_test_message ("unwritten call: %s", r.error->message);
  g_assert_error (r.error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);
  g_assert_true (g_str_has_prefix (r.error->message, "connection lost: error writing to server: "));
  g_assert_false (q.done);
  g_assert_cmpint (f->n_disconnected, ==, n_disconnected);

  test_counting_stream_release (f->counter);
  call_wait (&q);
  g_assert_no_error (q.error);
  wait_for_disconnected (f, n_disconnected);
  g_assert_null (f->disconnect_cause);
  log = fixture_log_string (f);
  g_assert_cmpstr (log, ==, "return:query-status event:SHUTDOWN return:quit");
  g_assert_true (aqmp_client_disconnect_sync (f->client, NULL, &error));
  g_assert_no_error (error);
  call_result_clear (&q);
  call_result_clear (&r);
}

/* #26: disconnect() fails pending calls, sent or not */
static void
test_loss_disconnect_pending (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;
  CallResult sent = { 0, };
  CallResult unsent = { 0, };
  CallResult d = { 0, };
  guint n_disconnected;

  fixture_connect (f);
  n_disconnected = f->n_disconnected;
  aqmp_server_set_no_reply (f->server, "hang");
  call_start (f, &sent, "hang", NULL);
  wait_for_received (f, "hang", 1);
  call_start (f, &unsent, "hang", NULL);
  aqmp_client_disconnect_async (f->client, NULL, disconnect_cb, &d);
  g_assert_cmpint (aqmp_client_get_state (f->client), ==, AQMP_STATE_DISCONNECTING);
  call_wait (&d);
  g_assert_no_error (d.error);
  g_assert_true (d.ok);

  g_assert_true (sent.done);
  g_assert_error (sent.error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);
  g_assert_cmpstr (sent.error->message, ==, "connection closed by the client");
  g_assert_true (unsent.done);
  g_assert_error (unsent.error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);
  g_assert_cmpstr (unsent.error->message, ==, "connection closed by the client");
  g_assert_cmpuint (f->n_disconnected, ==, n_disconnected + 1);
  g_assert_null (f->disconnect_cause);
  wait_for_server_idle (f);

  value = aqmp_client_execute_sync (f->client, "query-status", NULL, NULL, &error);
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_STATE);
  call_result_clear (&sent);
  call_result_clear (&unsent);
  call_result_clear (&d);
}

/* after a failure the same client connects again and works */
static void
test_loss_reconnect (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;
  guint n_disconnected;

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(JsonNode) status = NULL;

      fixture_connect (f);
      status = aqmp_client_execute_sync (f->client, "query-status", NULL, NULL, &error);
      g_assert_no_error (error);
      assert_connection_fails (f, "garbage\r\n", -1, AQMP_ERROR_PROTOCOL, "expected a JSON object");
    }
  /* a connect right after a failure, without disconnect() in between */
  fixture_connect (f);
  n_disconnected = f->n_disconnected;
  aqmp_server_send_raw (f->server, "{\"foo\": 1}\r\n", -1);
  wait_for_disconnected (f, n_disconnected);
  g_assert_error (f->disconnect_cause, AQMP_ERROR, AQMP_ERROR_PROTOCOL);

  /* and after the server hung up */
  fixture_connect (f);
  n_disconnected = f->n_disconnected;
  aqmp_server_close_connections (f->server);
  wait_for_disconnected (f, n_disconnected);
  g_assert_error (f->disconnect_cause, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);
  fixture_connect (f);
  value = aqmp_client_execute_sync (f->client, "query-status", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (aqmp_client_disconnect_sync (f->client, NULL, &error));
  g_assert_no_error (error);
}

typedef struct {
  Fixture *f;
  CallResult connect;
  guint n_signals;
} Reconnect;

static void
reconnect_on_loss_cb (AqmpClient *client, const GError *cause, gpointer user_data)
{
  Reconnect *re = user_data;

  /* connect again from the handler, once */
  if (re->n_signals++ > 0)
    return;
  aqmp_client_connect_async (client, re->f->address, NULL, connect_cb, &re->connect);
}

/* a handler of "disconnected" may start the next connection at once */
static void
test_loss_reconnect_from_signal (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;
  Reconnect re = { .f = f };
  CallResult pending = { 0, };
  gulong id;

  fixture_connect (f);
  aqmp_server_set_no_reply (f->server, "hang");
  call_start (f, &pending, "hang", NULL);
  wait_for_received (f, "hang", 1);
  id = g_signal_connect (f->client, "disconnected", G_CALLBACK (reconnect_on_loss_cb), &re);
  aqmp_server_send_raw (f->server, "garbage\r\n", -1);

  call_wait (&pending);
  g_assert_error (pending.error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);
  call_wait (&re.connect);
  g_assert_no_error (re.connect.error);
  g_assert_true (re.connect.ok);
  g_assert_cmpuint (re.n_signals, ==, 1);
  g_assert_cmpint (aqmp_client_get_state (f->client), ==, AQMP_STATE_RUNNING);
  value = aqmp_client_execute_sync (f->client, "query-status", NULL, NULL, &error);
  g_assert_no_error (error);
  g_signal_handler_disconnect (f->client, id);
  call_result_clear (&pending);
  call_result_clear (&re.connect);
}

static void
retry_connect_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Reconnect *re = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_false (aqmp_client_connect_finish (AQMP_CLIENT (source), res, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_NEGOTIATION);
  /* retry from the callback, with a server that now agrees */
  aqmp_server_set_reply (re->f->server, "qmp_capabilities", NULL);
  aqmp_client_connect_async (AQMP_CLIENT (source), re->f->address, NULL, connect_cb, &re->connect);
}

/* a connect callback may retry at once */
static void
test_loss_retry_from_callback (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;
  Reconnect re = { .f = f };
  CallResult d = { 0, };

  aqmp_server_set_error (f->server, "qmp_capabilities", "GenericError", "not yet");
  aqmp_client_connect_async (f->client, f->address, NULL, retry_connect_cb, &re);
  call_wait (&re.connect);
  g_assert_no_error (re.connect.error);
  g_assert_cmpint (aqmp_client_get_state (f->client), ==, AQMP_STATE_RUNNING);
  value = aqmp_client_execute_sync (f->client, "query-status", NULL, NULL, &error);
  g_assert_no_error (error);
  aqmp_client_disconnect_async (f->client, NULL, disconnect_cb, &d);
  call_wait (&d);
  g_assert_no_error (d.error);
  call_result_clear (&re.connect);
  call_result_clear (&d);
}

/* no answer to qmp_capabilities within the connect timeout */
static void
test_handshake_negotiation_timeout (Fixture *f, gconstpointer data)
{
  CallResult c = { 0, };
  CallResult early = { 0, };

  aqmp_server_set_no_reply (f->server, "qmp_capabilities");
  aqmp_client_set_connect_timeout (f->client, 200);
  aqmp_client_connect_async (f->client, f->address, NULL, connect_cb, &c);
  call_start (f, &early, "query-status", NULL);
  call_wait (&c);
  g_assert_error (c.error, AQMP_ERROR, AQMP_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (c.error->message, "negotiating"));
  /* the command that waited for negotiation fails with it */
  call_wait (&early);
  g_assert_error (early.error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);
  g_assert_nonnull (strstr (early.error->message, "timed out"));
  g_assert_cmpint (aqmp_client_get_state (f->client), ==, AQMP_STATE_IDLE);
  wait_for_server_idle (f);
  /* only qmp_capabilities was ever written */
  g_assert_cmpuint (aqmp_server_get_received (f->server)->len, ==, 1);
  call_result_clear (&c);
  call_result_clear (&early);
}

static void
unref_client_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Fixture *f = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_finish (AQMP_CLIENT (source), res, &error);

  g_assert_no_error (error);
  /* the last reference goes while the reader is dispatching */
  g_clear_object (&f->client);
}

/* dropping the client from a callback, with more input queued behind */
static void
test_loss_unref_in_callback (Fixture *f, gconstpointer data)
{
  fixture_connect (f);
  aqmp_server_set_handler (f->server, "x", one_read_handler, NULL, NULL);
  aqmp_client_execute_async (f->client, "x", NULL, NULL, unref_client_cb, f);
  /* the client went away and closed its socket, with no crash */
  wait_for_server_idle (f);
  g_assert_null (f->client);
}

/* ----- state ----- */

static void
assert_states (Fixture *f, const AqmpState *expected, guint n)
{
  g_assert_cmpuint (f->states->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpint (g_array_index (f->states, AqmpState, i), ==, expected[i]);
}

/* notify::state once per real change, in the documented order */
static void
test_state_notify (Fixture *f, gconstpointer data)
{
  static const AqmpState clean[] = {
    AQMP_STATE_CONNECTING, AQMP_STATE_RUNNING, AQMP_STATE_DISCONNECTING, AQMP_STATE_IDLE,
  };
  static const AqmpState refused[] = {
    AQMP_STATE_CONNECTING, AQMP_STATE_DISCONNECTING, AQMP_STATE_IDLE,
  };
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (aqmp_client_get_state (f->client), ==, AQMP_STATE_IDLE);
  fixture_connect (f);
  g_assert_true (aqmp_client_disconnect_sync (f->client, NULL, &error));
  g_assert_no_error (error);
  assert_states (f, clean, G_N_ELEMENTS (clean));

  /* disconnecting an idle client changes nothing */
  g_assert_true (aqmp_client_disconnect_sync (f->client, NULL, &error));
  assert_states (f, clean, G_N_ELEMENTS (clean));

  /* a failure takes the same way down */
  g_array_set_size (f->states, 0);
  assert_connection_fails (f, "garbage\r\n", -1, AQMP_ERROR_PROTOCOL, "expected a JSON object");
  assert_states (f, clean, G_N_ELEMENTS (clean));

  /* a refused connect never runs */
  g_array_set_size (f->states, 0);
  aqmp_server_set_error (f->server, "qmp_capabilities", "GenericError", "no");
  g_assert_false (aqmp_client_connect_sync (f->client, f->address, NULL, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_NEGOTIATION);
  assert_states (f, refused, G_N_ELEMENTS (refused));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add ("/aqmp/client/faults/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("handshake/negotiation-timeout", test_handshake_negotiation_timeout);
  ADD ("execute/timeout", test_execute_timeout);
  ADD ("execute/cancel", test_execute_cancel);
  ADD ("execute/concurrent", test_execute_concurrent);
  ADD ("execute/backpressure", test_execute_backpressure);
  ADD ("execute/oob", test_execute_oob);
  ADD ("execute/sync-delayed", test_execute_sync_delayed);
  ADD ("loss/eof-mid-reply", test_loss_eof_mid_reply);
  ADD ("loss/quit", test_loss_quit);
  ADD ("loss/server-closed", test_loss_server_closed);
  ADD ("loss/write-error", test_loss_write_error);
  ADD ("loss/quit-then-write-error", test_loss_quit_then_write_error);
  ADD ("loss/disconnect-pending", test_loss_disconnect_pending);
  ADD ("loss/reconnect", test_loss_reconnect);
  ADD ("loss/reconnect-from-signal", test_loss_reconnect_from_signal);
  ADD ("loss/retry-from-callback", test_loss_retry_from_callback);
  ADD ("loss/unref-in-callback", test_loss_unref_in_callback);
  ADD ("state/notify", test_state_notify);
#undef ADD
  return g_test_run ();
}
