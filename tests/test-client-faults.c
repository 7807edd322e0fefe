/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * AqmpClient against the project's own AqmpServer, for the faults a real
 * QEMU cannot produce on demand (see FAULTS.md; the numbers below are its
 * cases). Client and server share the thread-default main context, and
 * every wait is a bounded iteration of it: no sleeps.
 */
#include <string.h>
#include <sys/socket.h>

#include "aqmp-test-qemu.h"

#define WAIT_MS AQMP_TEST_WAIT_MS

/* ----- an input stream that counts what the client reads ----- */

#define TEST_TYPE_COUNTING_STREAM (test_counting_stream_get_type ())
G_DECLARE_FINAL_TYPE (TestCountingStream, test_counting_stream, TEST, COUNTING_STREAM, GInputStream)

struct _TestCountingStream {
  GInputStream parent_instance;
  GIOStream *base;
  guint64 n_bytes;
  guint n_reads;
  gboolean held;              /* reads wait, and data stays in the socket */
};

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
static void
test_counting_stream_hold (TestCountingStream *self)
{
  self->held = TRUE;
}

static void
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

typedef struct {
  AqmpServer *server;
  AqmpClient *client;
  gchar *dir;
  gchar *address;

  GPtrArray *log;             /* "event:NAME" and "return:TAG", in order */
  GArray *states;             /* AqmpState at each notify::state */
  guint n_disconnected;
  GError *disconnect_cause;   /* of the last "disconnected" signal */
  guint next_marker;

  /* for connections over a socket pair */
  GSocketConnection *client_conn;
  TestCountingStream *counter;

  /* for handlers */
  GPtrArray *held_ids;        /* JsonNode: ids of requests not yet answered */
  gchar *raw_body;            /* what the "raw" handler answers with */
  gsize raw_body_len;
} Fixture;

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

static void
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

typedef struct {
  JsonNode *value;
  GError *error;
  gboolean ok;
  gboolean done;
  GPtrArray *log;             /* nullable: where to log "return:TAG" */
  const gchar *tag;
} CallResult;

static void
call_result_clear (CallResult *r)
{
  g_clear_pointer (&r->value, json_node_unref);
  g_clear_error (&r->error);
  r->done = FALSE;
  r->ok = FALSE;
}

static void
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

static void
connect_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  CallResult *r = user_data;

  r->ok = aqmp_client_connect_finish (AQMP_CLIENT (source), res, &r->error);
  r->done = TRUE;
}

static void
disconnect_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  CallResult *r = user_data;

  r->ok = aqmp_client_disconnect_finish (AQMP_CLIENT (source), res, &r->error);
  r->done = TRUE;
}

static void
wait_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  CallResult *r = user_data;
  g_autoptr(AqmpEvent) event = aqmp_event_waiter_wait_finish (AQMP_EVENT_WAITER (source), res, &r->error);

  r->ok = event != NULL;
  r->done = TRUE;
}

static void
call_wait (CallResult *r)
{
  if (!aqmp_test_wait_for_flag (&r->done, WAIT_MS))
    g_error ("call did not complete within %u ms", WAIT_MS);
}

static void
call_start (Fixture *f, CallResult *r, const gchar *command, JsonObject *arguments)
{
  aqmp_client_execute_async (f->client, command, arguments, NULL, execute_cb, r);
}

static JsonObject *
object_new_n (gint64 n)
{
  JsonObject *object = json_object_new ();

  json_object_set_int_member (object, "n", n);
  return object;
}

static void
assert_value_n (JsonNode *value, gint64 n)
{
  g_assert_nonnull (value);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (value));
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (value), "n"), ==, n);
}

static void
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
static void
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

static gboolean
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

static void
wait_for_log (GPtrArray *log, const gchar *entry)
{
  LogWait w = { log, entry };

  if (!aqmp_test_wait_until (log_has_cb, &w, WAIT_MS))
    g_error ("'%s' did not show up within %u ms", entry, WAIT_MS);
}

/* everything the server sent before this has been handled by the client */
static void
fixture_sync (Fixture *f)
{
  g_autofree gchar *name = g_strdup_printf ("MARKER_%u", f->next_marker++);
  g_autofree gchar *entry = g_strdup_printf ("event:%s", name);

  aqmp_server_emit_event (f->server, name, NULL);
  wait_for_log (f->log, entry);
}

/* the log without the markers */
static gchar *
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

static guint
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

static void
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
static void
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
static void
wait_for_disconnected (Fixture *f, guint before)
{
  DisconnectedWait w = { f, before };

  if (!aqmp_test_wait_until (disconnected_after_cb, &w, WAIT_MS))
    g_error ("no \"disconnected\" signal within %u ms", WAIT_MS);
}

/* handlers */

/* holds the request: the test answers it later by its id */
static JsonNode *
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

static void
wait_for_held (Fixture *f, guint n)
{
  gpointer args[2] = { f, GUINT_TO_POINTER (n) };

  if (!aqmp_test_wait_until (held_n_cb, args, WAIT_MS))
    g_error ("the server did not hold %u requests within %u ms", n, WAIT_MS);
}

/* answers {"n": N} with {"n": N} */
static JsonNode *
echo_n_handler (AqmpServer *server, JsonObject *request, gpointer user_data, GError **error)
{
  JsonObject *arguments = json_object_get_object_member (request, "arguments");
  g_autoptr(JsonObject) reply = object_new_n (json_object_get_int_member (arguments, "n"));
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, reply);
  return node;
}

/* answers with f->raw_body as the `return` value, verbatim */
static JsonNode *
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
static void
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

static JsonNode *
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

static JsonObject *
default_greeting (void)
{
  return aqmp_test_object_from_json ("{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7},"
                           " \"package\": \"\"}, \"capabilities\": [\"oob\"]}}");
}

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

static JsonNode *
node_new_n (gint64 n)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object_new_n (n));
  return node;
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
  ADD ("handshake/negotiation-timeout", test_handshake_negotiation_timeout);
  ADD ("handshake/early-command", test_handshake_early_command);
  ADD ("handshake/event-before-greeting", test_handshake_event_before_greeting);
  ADD ("handshake/repeated-greeting", test_handshake_repeated_greeting);
  ADD ("reply/unknown-id", test_reply_unknown_id);
  ADD ("reply/idless-error", test_reply_idless_error);
  ADD ("reply/duplicate", test_reply_duplicate);
  ADD ("reply/malformed", test_reply_malformed);
  ADD ("reply/error", test_reply_error);
  ADD ("reply/error-mistyped", test_reply_error_mistyped);
  ADD ("events/before-reply", test_events_before_reply);
  ADD ("events/odd", test_events_odd);
  ADD ("events/waiter", test_events_waiter);
  ADD ("events/nested-loop", test_events_nested_loop);
  ADD ("events/sync-in-handler", test_events_sync_in_handler);
  ADD ("events/async-in-handler", test_events_async_in_handler);
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
