/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fixture and helpers of the client fault tests: see
 * aqmp-test-faults.h.
 */
#include <string.h>
#include <sys/socket.h>

#include "aqmp-test-faults.h"

/* ----- an input stream that counts what the client reads ----- */


static void test_counting_stream_pollable_init (GPollableInputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestCountingStream, test_counting_stream, G_TYPE_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                      test_counting_stream_pollable_init))

static GInputStream *
test_counting_stream_base (TestCountingStream *self)
{
  return g_io_stream_get_input_stream (self->base);
}

static void
test_counting_stream_count (TestCountingStream *self, gssize n)
{
  if (n <= 0)
    return;
  self->n_bytes += (guint64) n;
  self->n_reads++;
}

static gssize
test_counting_stream_read (GInputStream *stream, void *buffer, gsize count,
                           GCancellable *cancellable, GError **error)
{
  TestCountingStream *self = TEST_COUNTING_STREAM (stream);
  gssize n = g_input_stream_read (test_counting_stream_base (self), buffer, count, cancellable, error);

  test_counting_stream_count (self, n);
  return n;
}

static gboolean
test_counting_stream_close (GInputStream *stream, GCancellable *cancellable, GError **error)
{
  TestCountingStream *self = TEST_COUNTING_STREAM (stream);

  /* closing the socket connection closes the socket: the peer sees EOF */
  return g_io_stream_close (self->base, cancellable, error);
}

static gboolean
test_counting_stream_can_poll (GPollableInputStream *stream)
{
  return TRUE;
}

static gboolean
test_counting_stream_is_readable (GPollableInputStream *stream)
{
  TestCountingStream *self = TEST_COUNTING_STREAM (stream);

  if (self->held)
    return FALSE;
  return g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (test_counting_stream_base (self)));
}

static GSource *
test_counting_stream_create_source (GPollableInputStream *stream, GCancellable *cancellable)
{
  TestCountingStream *self = TEST_COUNTING_STREAM (stream);
  g_autoptr(GSource) child = NULL;

  /* a held stream looks again now and then, whatever the socket holds */
  if (self->held)
    {
      child = g_timeout_source_new (10);
      return g_pollable_source_new_full (self, child, cancellable);
    }
  child = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (test_counting_stream_base (self)),
                                                 NULL);
  /* the source must name this stream, so that reads come back here */
  return g_pollable_source_new_full (self, child, cancellable);
}

static gssize
test_counting_stream_read_nonblocking (GPollableInputStream *stream, void *buffer, gsize count,
                                       GError **error)
{
  TestCountingStream *self = TEST_COUNTING_STREAM (stream);
  gssize n;

  if (self->held)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "held by the test");
      return -1;
    }
  n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (test_counting_stream_base (self)),
                                                buffer, count, NULL, error);
  test_counting_stream_count (self, n);
  return n;
}

static void
test_counting_stream_pollable_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = test_counting_stream_can_poll;
  iface->is_readable = test_counting_stream_is_readable;
  iface->create_source = test_counting_stream_create_source;
  iface->read_nonblocking = test_counting_stream_read_nonblocking;
}

static void
test_counting_stream_finalize (GObject *object)
{
  TestCountingStream *self = TEST_COUNTING_STREAM (object);

  g_object_unref (self->base);
  G_OBJECT_CLASS (test_counting_stream_parent_class)->finalize (object);
}

static void
test_counting_stream_class_init (TestCountingStreamClass *klass)
{
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = test_counting_stream_finalize;
  stream_class->read_fn = test_counting_stream_read;
  stream_class->close_fn = test_counting_stream_close;
}

static void
test_counting_stream_init (TestCountingStream *self)
{
}

/* while held, the client reads nothing: what the server sends waits in
 * the client's socket */
void
test_counting_stream_hold (TestCountingStream *self)
{
  self->held = TRUE;
}

void
test_counting_stream_release (TestCountingStream *self)
{
  self->held = FALSE;
}

static TestCountingStream *
test_counting_stream_new (GIOStream *base)
{
  TestCountingStream *self = g_object_new (TEST_TYPE_COUNTING_STREAM, NULL);

  self->base = g_object_ref (base);
  return self;
}

/* ----- the fixture: a server on a Unix socket and a client ----- */


static void
event_cb (AqmpClient *client, AqmpEvent *event, gpointer user_data)
{
  Fixture *f = user_data;

  g_ptr_array_add (f->log, g_strdup_printf ("event:%s", aqmp_event_get_name (event)));
}

static void
state_cb (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  Fixture *f = user_data;
  AqmpState state = aqmp_client_get_state (AQMP_CLIENT (object));

  g_array_append_val (f->states, state);
}

static void
disconnected_cb (AqmpClient *client, const GError *cause, gpointer user_data)
{
  Fixture *f = user_data;

  /* the client is idle again when this is emitted */
  g_assert_cmpint (aqmp_client_get_state (client), ==, AQMP_STATE_IDLE);
  g_clear_error (&f->disconnect_cause);
  if (cause != NULL)
    f->disconnect_cause = g_error_copy (cause);
  f->n_disconnected++;
}

void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = NULL;

  f->dir = aqmp_test_make_dir ();
  path = g_build_filename (f->dir, "qmp.sock", NULL);
  f->server = aqmp_server_new ();
  f->address = aqmp_server_listen (f->server, path, &error);
  g_assert_no_error (error);

  f->client = aqmp_client_new ();
  aqmp_client_set_default_timeout (f->client, WAIT_MS);
  aqmp_client_set_connect_timeout (f->client, WAIT_MS);
  f->log = g_ptr_array_new_with_free_func (g_free);
  f->states = g_array_new (FALSE, FALSE, sizeof (AqmpState));
  f->held_ids = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  g_signal_connect (f->client, "event", G_CALLBACK (event_cb), f);
  g_signal_connect (f->client, "notify::state", G_CALLBACK (state_cb), f);
  g_signal_connect (f->client, "disconnected", G_CALLBACK (disconnected_cb), f);
}

void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->client);
  aqmp_server_stop (f->server);
  g_clear_object (&f->server);
  g_clear_object (&f->client_conn);
  g_clear_object (&f->counter);
  /* let cancelled operations finish, so that nothing is left behind */
  for (guint i = 0; i < 1000 && g_main_context_iteration (NULL, FALSE); i++)
    ;
  aqmp_test_remove_dir (f->dir);
  g_free (f->dir);
  g_free (f->address);
  g_ptr_array_unref (f->log);
  g_array_unref (f->states);
  g_ptr_array_unref (f->held_ids);
  g_clear_error (&f->disconnect_cause);
  g_free (f->raw_body);
}

/* ----- helpers ----- */


void
call_result_clear (CallResult *r)
{
  g_clear_pointer (&r->value, json_node_unref);
  g_clear_error (&r->error);
  r->done = FALSE;
  r->ok = FALSE;
}

void
execute_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  CallResult *r = user_data;

  g_assert_false (r->done);
  r->value = aqmp_client_execute_finish (AQMP_CLIENT (source), res, &r->error);
  r->ok = r->value != NULL;
  r->done = TRUE;
  if (r->log != NULL)
    g_ptr_array_add (r->log, g_strdup_printf ("return:%s", r->tag != NULL ? r->tag : ""));
}

void
connect_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  CallResult *r = user_data;

  r->ok = aqmp_client_connect_finish (AQMP_CLIENT (source), res, &r->error);
  r->done = TRUE;
}

void
disconnect_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  CallResult *r = user_data;

  r->ok = aqmp_client_disconnect_finish (AQMP_CLIENT (source), res, &r->error);
  r->done = TRUE;
}

void
wait_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  CallResult *r = user_data;
  g_autoptr(AqmpEvent) event = aqmp_event_waiter_wait_finish (AQMP_EVENT_WAITER (source), res, &r->error);

  r->ok = event != NULL;
  r->done = TRUE;
}

void
call_wait (CallResult *r)
{
  if (!aqmp_test_wait_for_flag (&r->done, WAIT_MS))
    g_error ("call did not complete within %u ms", WAIT_MS);
}

void
call_start (Fixture *f, CallResult *r, const gchar *command, JsonObject *arguments)
{
  aqmp_client_execute_async (f->client, command, arguments, NULL, execute_cb, r);
}

JsonObject *
object_new_n (gint64 n)
{
  JsonObject *object = json_object_new ();

  json_object_set_int_member (object, "n", n);
  return object;
}

void
assert_value_n (JsonNode *value, gint64 n)
{
  g_assert_nonnull (value);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (value));
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (value), "n"), ==, n);
}

void
fixture_connect (Fixture *f)
{
  CallResult r = { 0, };

  aqmp_client_connect_async (f->client, f->address, NULL, connect_cb, &r);
  call_wait (&r);
  g_assert_no_error (r.error);
  g_assert_true (r.ok);
  g_assert_cmpint (aqmp_client_get_state (f->client), ==, AQMP_STATE_RUNNING);
}

/* a socket pair: the server serves one end, the client speaks on the
 * other, optionally through a stream that counts its reads */
void
fixture_connect_pair (Fixture *f, gboolean count)
{
  g_autoptr(GSocket) client_socket = NULL;
  g_autoptr(GSocket) server_socket = NULL;
  g_autoptr(GSocketConnection) server_conn = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  CallResult r = { 0, };
  int fds[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  client_socket = g_socket_new_from_fd (fds[0], &error);
  g_assert_no_error (error);
  server_socket = g_socket_new_from_fd (fds[1], &error);
  g_assert_no_error (error);
  g_clear_object (&f->client_conn);
  g_clear_object (&f->counter);
  f->client_conn = g_socket_connection_factory_create_connection (client_socket);
  server_conn = g_socket_connection_factory_create_connection (server_socket);
  aqmp_server_add_stream (f->server, G_IO_STREAM (server_conn));

  if (count)
    {
      f->counter = test_counting_stream_new (G_IO_STREAM (f->client_conn));
      stream = g_simple_io_stream_new (G_INPUT_STREAM (f->counter),
                                       g_io_stream_get_output_stream (G_IO_STREAM (f->client_conn)));
    }
  else
    {
      stream = g_object_ref (G_IO_STREAM (f->client_conn));
    }
  aqmp_client_connect_stream_async (f->client, stream, NULL, connect_cb, &r);
  call_wait (&r);
  g_assert_no_error (r.error);
  g_assert_cmpint (aqmp_client_get_state (f->client), ==, AQMP_STATE_RUNNING);
}

gboolean
log_has (GPtrArray *log, const gchar *entry)
{
  return g_ptr_array_find_with_equal_func (log, entry, g_str_equal, NULL);
}

typedef struct {
  GPtrArray *log;
  const gchar *entry;
} LogWait;

static gboolean
log_has_cb (gpointer user_data)
{
  LogWait *w = user_data;

  return log_has (w->log, w->entry);
}

void
wait_for_log (GPtrArray *log, const gchar *entry)
{
  LogWait w = { log, entry };

  if (!aqmp_test_wait_until (log_has_cb, &w, WAIT_MS))
    g_error ("'%s' did not show up within %u ms", entry, WAIT_MS);
}

/* everything the server sent before this has been handled by the client */
void
fixture_sync (Fixture *f)
{
  g_autofree gchar *name = g_strdup_printf ("MARKER_%u", f->next_marker++);
  g_autofree gchar *entry = g_strdup_printf ("event:%s", name);

  aqmp_server_emit_event (f->server, name, NULL);
  wait_for_log (f->log, entry);
}

/* the log without the markers */
gchar *
fixture_log_string (Fixture *f)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) strv = NULL;

  for (guint i = 0; i < f->log->len; i++)
    {
      const gchar *entry = g_ptr_array_index (f->log, i);
      if (!g_str_has_prefix (entry, "event:MARKER_"))
        g_strv_builder_add (builder, entry);
    }
  strv = g_strv_builder_end (builder);
  return g_strjoinv (" ", strv);
}

guint
server_count_received (Fixture *f, const gchar *command)
{
  GPtrArray *received = aqmp_server_get_received (f->server);
  guint n = 0;

  for (guint i = 0; i < received->len; i++)
    {
      JsonObject *request = g_ptr_array_index (received, i);
      if (g_strcmp0 (json_object_get_string_member_with_default (request, "execute", NULL), command) == 0)
        n++;
    }
  return n;
}

typedef struct {
  Fixture *f;
  const gchar *command;
  guint n;
} ReceivedWait;

static gboolean
received_cb (gpointer user_data)
{
  ReceivedWait *w = user_data;

  return server_count_received (w->f, w->command) >= w->n;
}

void
wait_for_received (Fixture *f, const gchar *command, guint n)
{
  ReceivedWait w = { f, command, n };

  if (!aqmp_test_wait_until (received_cb, &w, WAIT_MS))
    g_error ("the server did not receive %u '%s' within %u ms", n, command, WAIT_MS);
}

static gboolean
server_idle_cb (gpointer user_data)
{
  return aqmp_server_get_n_connections (AQMP_SERVER (user_data)) == 0;
}

/* the client closed its socket: the server saw the connection end */
void
wait_for_server_idle (Fixture *f)
{
  if (!aqmp_test_wait_until (server_idle_cb, f->server, WAIT_MS))
    g_error ("the server still has %u connections", aqmp_server_get_n_connections (f->server));
}

typedef struct {
  Fixture *f;
  guint before;
} DisconnectedWait;

static gboolean
disconnected_after_cb (gpointer user_data)
{
  DisconnectedWait *w = user_data;

  return w->f->n_disconnected > w->before;
}

/* "disconnected" was emitted since the count was @before */
void
wait_for_disconnected (Fixture *f, guint before)
{
  DisconnectedWait w = { f, before };

  if (!aqmp_test_wait_until (disconnected_after_cb, &w, WAIT_MS))
    g_error ("no \"disconnected\" signal within %u ms", WAIT_MS);
}

/* handlers */

/* holds the request: the test answers it later by its id */
JsonNode *
held_handler (AqmpServer *server, JsonObject *request, gpointer user_data, GError **error)
{
  Fixture *f = user_data;

  g_ptr_array_add (f->held_ids, json_node_copy (json_object_get_member (request, "id")));
  return NULL;
}

static gboolean
held_n_cb (gpointer user_data)
{
  gpointer *args = user_data;
  Fixture *f = args[0];

  return f->held_ids->len >= GPOINTER_TO_UINT (args[1]);
}

void
wait_for_held (Fixture *f, guint n)
{
  gpointer args[2] = { f, GUINT_TO_POINTER (n) };

  if (!aqmp_test_wait_until (held_n_cb, args, WAIT_MS))
    g_error ("the server did not hold %u requests within %u ms", n, WAIT_MS);
}

/* answers {"n": N} with {"n": N} */
JsonNode *
echo_n_handler (AqmpServer *server, JsonObject *request, gpointer user_data, GError **error)
{
  JsonObject *arguments = json_object_get_object_member (request, "arguments");
  g_autoptr(JsonObject) reply = object_new_n (json_object_get_int_member (arguments, "n"));
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, reply);
  return node;
}

/* answers with f->raw_body as the `return` value, verbatim */
JsonNode *
raw_handler (AqmpServer *server, JsonObject *request, gpointer user_data, GError **error)
{
  Fixture *f = user_data;
  g_autofree gchar *id = json_to_string (json_object_get_member (request, "id"), FALSE);
  g_autoptr(GString) reply = g_string_new ("{\"return\": ");

  g_string_append_len (reply, f->raw_body, f->raw_body_len);
  g_string_append_printf (reply, ", \"id\": %s}\r\n", id);
  aqmp_server_send_raw (server, reply->str, reply->len);
  return NULL;
}

/*
 * Sends @raw while a call is pending and checks that the connection fails
 * cleanly: the call fails with DISCONNECTED naming @cause, a waiter fails,
 * "disconnected" carries @code, later calls fail fast, disconnect reports
 * the cause once, and the server sees the socket close.
 */
void
assert_connection_fails (Fixture *f, const void *raw, gssize length, gint code, const gchar *cause)
{
  g_autoptr(AqmpEventWaiter) waiter = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;
  CallResult pending = { 0, };
  CallResult waited = { 0, };
  guint n_disconnected;
  gint64 start;

  g_test_message ("expecting failure: %s", cause);
  if (aqmp_client_get_state (f->client) != AQMP_STATE_RUNNING)
    fixture_connect (f);
  n_disconnected = f->n_disconnected;
  waiter = aqmp_event_waiter_new (f->client, "NEVER", NULL);
  aqmp_server_set_no_reply (f->server, "hang");
  call_start (f, &pending, "hang", NULL);
  wait_for_received (f, "hang", server_count_received (f, "hang") + 1);
  aqmp_event_waiter_wait_async (waiter, 0, NULL, wait_cb, &waited);

  aqmp_server_send_raw (f->server, raw, length);

  call_wait (&pending);
  g_assert_error (pending.error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);
  g_assert_true (g_str_has_prefix (pending.error->message, "connection lost: "));
  g_assert_nonnull (strstr (pending.error->message, cause));
  call_wait (&waited);
  g_assert_error (waited.error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);

  wait_for_disconnected (f, n_disconnected);
  g_assert_cmpuint (f->n_disconnected, ==, n_disconnected + 1);
  g_assert_error (f->disconnect_cause, AQMP_ERROR, code);
  g_assert_nonnull (strstr (f->disconnect_cause->message, cause));
  g_assert_cmpint (aqmp_client_get_state (f->client), ==, AQMP_STATE_IDLE);

  /* later calls fail fast, naming the cause */
  start = g_get_monotonic_time ();
  value = aqmp_client_execute_sync (f->client, "query-status", NULL, NULL, &error);
  g_assert_null (value);
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);
  g_assert_nonnull (strstr (error->message, cause));
  g_assert_cmpint (g_get_monotonic_time () - start, <, WAIT_MS * G_TIME_SPAN_MILLISECOND / 2);
  g_clear_error (&error);

  /* disconnect reports the cause itself, once */
  g_assert_false (aqmp_client_disconnect_sync (f->client, NULL, &error));
  g_assert_error (error, AQMP_ERROR, code);
  g_assert_nonnull (strstr (error->message, cause));
  g_clear_error (&error);
  g_assert_true (aqmp_client_disconnect_sync (f->client, NULL, &error));
  g_assert_no_error (error);

  wait_for_server_idle (f);
  call_result_clear (&pending);
  call_result_clear (&waited);
}

JsonNode *
node_new_n (gint64 n)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object_new_n (n));
  return node;
}

JsonObject *
default_greeting (void)
{
  return aqmp_test_object_from_json ("{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7},"
                           " \"package\": \"\"}, \"capabilities\": [\"oob\"]}}");
}

JsonNode *
one_read_handler (AqmpServer *server, JsonObject *request, gpointer user_data, GError **error)
{
  g_autofree gchar *id = json_to_string (json_object_get_member (request, "id"), FALSE);
  g_autofree gchar *raw = NULL;

  raw = g_strdup_printf ("{\"event\": \"FIRST\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 0}}\r\n"
                         "{\"return\": {\"n\": 7}, \"id\": %s}\r\n"
                         "{\"event\": \"SECOND\", \"timestamp\": {\"seconds\": 2, \"microseconds\": 0}}\r\n",
                         id);
  aqmp_server_send_raw (server, raw, -1);
  return NULL;
}
