/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * AqmpClient against a real QEMU 7.2 (`-machine none`).
 */
#include <signal.h>

#include "aqmp-test-qemu.h"

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

/* ----- helpers ----- */

/* ----- connecting ----- */

static void
test_connect_unix (Fixture *f, gconstpointer data)
{
  guint major = 0, minor = 0, micro = 0;

  g_assert_true (aqmp_client_get_server_version (f->client, &major, &minor, &micro));
  g_assert_cmpuint (major, ==, 7);
  g_assert_cmpuint (minor, ==, 2);
  g_assert_true (aqmp_client_has_capability (f->client, "oob"));
  g_assert_false (aqmp_client_get_oob_enabled (f->client));
  g_assert_nonnull (aqmp_client_get_greeting (f->client));
}

static void
test_query_status (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_sync (f->client, "query-status", NULL, NULL, &error);
  JsonObject *obj;

  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (value));
  obj = json_node_get_object (value);
  g_assert_true (json_object_has_member (obj, "running"));
  g_assert_nonnull (json_object_get_string_member (obj, "status"));
}

static void
test_query_version (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_sync (f->client, "query-version", NULL, NULL, &error);
  JsonObject *qemu;

  g_assert_no_error (error);
  qemu = json_object_get_object_member (json_node_get_object (value), "qemu");
  g_assert_cmpint (json_object_get_int_member (qemu, "major"), ==, 7);
  g_assert_cmpint (json_object_get_int_member (qemu, "minor"), ==, 2);
}

static void
test_error_class (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_sync (f->client, "no-such-command", NULL, NULL, &error);
  g_autoptr(JsonObject) args = aqmp_test_object_from_json ("{\"path\": \"/nonexistent\", \"property\": \"x\"}");
  g_autoptr(JsonNode) value2 = NULL;

  g_assert_null (value);
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_COMMAND);
  g_assert_cmpstr (aqmp_error_get_qmp_class (error), ==, "CommandNotFound");
  g_assert_nonnull (strstr (error->message, "no-such-command"));
  g_assert_nonnull (strstr (error->message, aqmp_error_get_qmp_desc (error)));
  g_clear_error (&error);

  value2 = aqmp_client_execute_sync (f->client, "qom-get", args, NULL, &error);
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_COMMAND);
  g_assert_cmpstr (aqmp_error_get_qmp_class (error), ==, "DeviceNotFound");
  g_clear_error (&error);

  /* the connection is still usable */
  g_clear_pointer (&value2, json_node_unref);
  value2 = aqmp_client_execute_sync (f->client, "query-status", NULL, NULL, &error);
  g_assert_no_error (error);
}

static void
test_connect_tcp (void)
{
  const gchar *extra[] = {
    "-chardev", "socket,id=mon1,host=127.0.0.1,port=0,server=on,wait=off",
    "-mon", "chardev=mon1,mode=control",
    NULL
  };
  g_autoptr(AqmpTestQemu) qemu = aqmp_test_qemu_new (extra);
  g_autoptr(AqmpClient) unix_client = aqmp_test_connect (qemu->address);
  g_autoptr(AqmpClient) tcp_client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) status = NULL;
  g_autofree gchar *address = aqmp_test_tcp_chardev_address (unix_client, "mon1", "tcp");

  tcp_client = aqmp_test_connect (address);
  status = aqmp_client_execute_sync (tcp_client, "query-status", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (status));

  /* the same, without the tcp: prefix */
  aqmp_client_disconnect_sync (tcp_client, NULL, &error);
  g_assert_no_error (error);
  aqmp_client_connect_sync (tcp_client, address + strlen ("tcp:"), NULL, &error);
  g_assert_no_error (error);
}

static void
accept_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpTestCall *r = user_data;

  if (aqmp_client_accept_finish (AQMP_CLIENT (source), res, &r->error))
    r->value = json_node_new (JSON_NODE_NULL);
  r->done = TRUE;
}

static void
test_accept (void)
{
  g_autoptr(AqmpClient) client = aqmp_client_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpTestQemu) qemu = NULL;
  g_autoptr(JsonNode) status = NULL;
  gchar *dir = aqmp_test_make_dir ();
  g_autofree gchar *sock = g_build_filename (dir, "listen.sock", NULL);
  g_autofree gchar *listening = aqmp_client_listen (client, sock, &error);
  g_autofree gchar *qmp = g_strdup_printf ("unix:%s", sock);
  const gchar *argv[] = {
    AQMP_TEST_QEMU, "-machine", "none", "-nodefaults", "-display", "none",
    "-qmp", qmp, NULL
  };
  AqmpTestCall r = { 0, };

  g_assert_no_error (error);
  g_assert_cmpstr (listening, ==, qmp);
  aqmp_client_set_connect_timeout (client, AQMP_TEST_WAIT_MS);
  aqmp_client_accept_async (client, NULL, accept_cb, &r);
  /* the socket exists before QEMU starts: no waiting needed */
  qemu = aqmp_test_qemu_spawn (dir, argv, NULL);
  g_assert_true (aqmp_test_wait_for_flag (&r.done, AQMP_TEST_WAIT_MS));
  g_assert_no_error (r.error);
  g_assert_cmpint (aqmp_client_get_state (client), ==, AQMP_STATE_RUNNING);
  /* the listening socket is gone once QEMU connected */
  g_assert_false (g_file_test (sock, G_FILE_TEST_EXISTS));

  status = aqmp_client_execute_sync (client, "query-status", NULL, NULL, &error);
  g_assert_no_error (error);
  aqmp_test_call_clear (&r);
}

static void
test_busy_chardev (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpClient) second = aqmp_client_new ();
  g_autoptr(GError) error = NULL;

  /* QEMU serves one client per monitor: the second gets no greeting */
  aqmp_client_set_connect_timeout (second, 300);
  g_assert_false (aqmp_client_connect_sync (second, f->qemu->address, NULL, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "greeting"));
  g_assert_cmpint (aqmp_client_get_state (second), ==, AQMP_STATE_IDLE);
}

static void
test_connect_refused (void)
{
  g_autoptr(AqmpClient) client = aqmp_client_new ();
  g_autoptr(GError) error = NULL;

  g_assert_false (aqmp_client_connect_sync (client, "/nonexistent/aqmp.sock", NULL, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_CONNECT);
  g_assert_nonnull (strstr (error->message, "/nonexistent/aqmp.sock"));
  g_clear_error (&error);

  g_assert_false (aqmp_client_connect_sync (client, "not an address", NULL, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_CONNECT);
  g_clear_error (&error);

  g_assert_null (aqmp_client_execute_sync (client, "query-status", NULL, NULL, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_STATE);
}

/* ----- commands ----- */

#define N_CONCURRENT 1000

static const gchar *concurrent_commands[] = { "query-status", "query-version", "query-name", "query-kvm" };

static void
check_concurrent_reply (const gchar *command, JsonNode *value)
{
  JsonObject *obj = json_node_get_object (value);

  if (g_str_equal (command, "query-status"))
    g_assert_true (json_object_has_member (obj, "status"));
  else if (g_str_equal (command, "query-version"))
    g_assert_true (json_object_has_member (obj, "qemu"));
  else if (g_str_equal (command, "query-name"))
    g_assert_cmpuint (json_object_get_size (obj), ==, 0);
  else
    g_assert_true (json_object_has_member (obj, "present"));
}

static void
test_concurrent (Fixture *f, gconstpointer data)
{
  AqmpTestCall *results = g_new0 (AqmpTestCall, N_CONCURRENT);
  guint done = 0;

  for (guint i = 0; i < N_CONCURRENT; i++)
    aqmp_client_execute_async (f->client, concurrent_commands[i % 4], NULL, NULL, aqmp_test_execute_cb, &results[i]);
  for (guint i = 0; i < N_CONCURRENT; i++)
    {
      g_assert_true (aqmp_test_wait_for_flag (&results[i].done, AQMP_TEST_WAIT_MS));
      g_assert_no_error (results[i].error);
      check_concurrent_reply (concurrent_commands[i % 4], results[i].value);
      aqmp_test_call_clear (&results[i]);
      done++;
    }
  g_assert_cmpuint (done, ==, N_CONCURRENT);
  g_free (results);
}

static void
test_oob (void)
{
  g_autoptr(AqmpTestQemu) qemu = aqmp_test_qemu_new (NULL);
  g_autoptr(AqmpClient) client = aqmp_client_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;

  aqmp_client_set_request_oob (client, TRUE);
  aqmp_client_connect_sync (client, qemu->address, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (aqmp_client_get_oob_enabled (client));

  value = aqmp_client_execute_full_sync (client, "query-yank", NULL, AQMP_EXECUTE_FLAGS_OOB, -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (value));

  /* QEMU's own refusal passes through */
  g_assert_null (aqmp_client_execute_full_sync (client, "query-status", NULL, AQMP_EXECUTE_FLAGS_OOB, -1, NULL, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_COMMAND);
  g_assert_nonnull (strstr (aqmp_error_get_qmp_desc (error), "OOB"));
}

static void
test_oob_not_negotiated (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (aqmp_client_execute_full_sync (f->client, "query-yank", NULL, AQMP_EXECUTE_FLAGS_OOB, -1, NULL, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_STATE);
  g_assert_nonnull (strstr (error->message, "exec-oob"));
}

/* ----- events ----- */

typedef struct {
  GPtrArray *log;
} EventLog;

static void
log_event_cb (AqmpClient *client, AqmpEvent *event, gpointer user_data)
{
  EventLog *log = user_data;

  g_ptr_array_add (log->log, g_strdup_printf ("event:%s", aqmp_event_get_name (event)));
}

static void
log_execute_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  EventLog *log = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_finish (AQMP_CLIENT (source), res, &error);

  g_assert_no_error (error);
  g_ptr_array_add (log->log, g_strdup ("return"));
}

static gboolean
log_has_n (gpointer user_data)
{
  EventLog *log = user_data;
  return log->log->len >= 2;
}

static void
test_events_stop_cont (Fixture *f, gconstpointer data)
{
  EventLog stop_log = { g_ptr_array_new_with_free_func (g_free) };
  EventLog cont_log = { g_ptr_array_new_with_free_func (g_free) };
  gulong id;

  id = g_signal_connect (f->client, "event::STOP", G_CALLBACK (log_event_cb), &stop_log);
  aqmp_client_execute_async (f->client, "stop", NULL, NULL, log_execute_cb, &stop_log);
  g_assert_true (aqmp_test_wait_until (log_has_n, &stop_log, AQMP_TEST_WAIT_MS));
  g_assert_true (g_ptr_array_find_with_equal_func (stop_log.log, "event:STOP", g_str_equal, NULL));
  g_signal_handler_disconnect (f->client, id);

  /* QEMU sends RESUME before the return of cont: both in that order */
  id = g_signal_connect (f->client, "event::RESUME", G_CALLBACK (log_event_cb), &cont_log);
  aqmp_client_execute_async (f->client, "cont", NULL, NULL, log_execute_cb, &cont_log);
  g_assert_true (aqmp_test_wait_until (log_has_n, &cont_log, AQMP_TEST_WAIT_MS));
  g_assert_cmpstr (g_ptr_array_index (cont_log.log, 0), ==, "event:RESUME");
  g_assert_cmpstr (g_ptr_array_index (cont_log.log, 1), ==, "return");
  g_signal_handler_disconnect (f->client, id);

  g_ptr_array_unref (stop_log.log);
  g_ptr_array_unref (cont_log.log);
}

static void
disconnected_cb (AqmpClient *client, const GError *cause, gpointer user_data)
{
  gboolean *flag = user_data;
  *flag = TRUE;
}

static void
test_events_quit (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpEventWaiter) waiter = aqmp_event_waiter_new (f->client, "SHUTDOWN", NULL);
  g_autoptr(AqmpEvent) event = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;
  gboolean disconnected = FALSE;

  g_signal_connect (f->client, "disconnected", G_CALLBACK (disconnected_cb), &disconnected);
  value = aqmp_client_execute_sync (f->client, "quit", NULL, NULL, &error);
  g_assert_no_error (error);

  /* the event arrived before the reply, so it is already there */
  g_assert_cmpuint (aqmp_event_waiter_get_pending (waiter), ==, 1);
  event = aqmp_event_waiter_wait_sync (waiter, AQMP_TEST_WAIT_MS, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (aqmp_event_get_name (event), ==, "SHUTDOWN");
  g_assert_cmpint (aqmp_event_get_timestamp (event), >, 0);
  g_assert_true (json_object_has_member (aqmp_event_get_data (event), "reason"));

  /* EOF after quit is a clean end */
  g_assert_true (aqmp_test_wait_for_flag (&disconnected, AQMP_TEST_WAIT_MS));
  g_assert_cmpint (aqmp_client_get_state (f->client), ==, AQMP_STATE_IDLE);
  g_assert_true (aqmp_client_disconnect_sync (f->client, NULL, &error));
  g_assert_no_error (error);
}

static void
test_waiter_match (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonObject) match_paused = aqmp_test_object_from_json ("{\"reason\": \"no-such-reason\"}");
  g_autoptr(AqmpEventWaiter) never = aqmp_event_waiter_new (f->client, "STOP", match_paused);
  g_autoptr(AqmpEventWaiter) any_stop = aqmp_event_waiter_new (f->client, "STOP", NULL);
  g_autoptr(AqmpEvent) event = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  value = aqmp_client_execute_sync (f->client, "stop", NULL, NULL, &error);
  g_assert_no_error (error);
  event = aqmp_event_waiter_wait_sync (any_stop, AQMP_TEST_WAIT_MS, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (aqmp_event_get_name (event), ==, "STOP");

  /* a data subset that does not match never completes: timeout */
  g_assert_null (aqmp_event_waiter_wait_sync (never, 100, NULL, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_TIMEOUT);
  g_clear_error (&error);

  g_cancellable_cancel (cancellable);
  g_assert_null (aqmp_event_waiter_wait_sync (never, 0, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* ----- connection loss ----- */

static void
test_killed (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpEventWaiter) waiter = aqmp_event_waiter_new (f->client, "SHUTDOWN", NULL);
  AqmpTestCall r = { 0, };
  AqmpTestCall later = { 0, };
  AqmpTestCall w = { 0, };
  pid_t pid = atoi (g_subprocess_get_identifier (f->qemu->process));

  /* freeze QEMU so that the call is surely pending when it dies */
  kill (pid, SIGSTOP);
  aqmp_client_execute_async (f->client, "query-status", NULL, NULL, aqmp_test_execute_cb, &r);
  aqmp_test_qemu_kill (f->qemu);
  g_assert_true (aqmp_test_wait_for_flag (&r.done, AQMP_TEST_WAIT_MS));
  g_assert_error (r.error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);
  /* the cause is named: EOF, or a reset since our command was unread */
  g_test_message ("pending call: %s", r.error->message);
  g_assert_true (g_str_has_prefix (r.error->message, "connection lost: "));
  g_assert_true (strstr (r.error->message, "server closed the connection") != NULL
                 || strstr (r.error->message, "error reading from server") != NULL);

  /* later calls fail fast, naming the cause */
  g_assert_null (aqmp_client_execute_sync (f->client, "query-status", NULL, NULL, &later.error));
  g_assert_error (later.error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);
  g_assert_nonnull (strstr (later.error->message, r.error->message + strlen ("connection lost: ")));

  /* waiters learn of it too */
  g_assert_null (aqmp_event_waiter_wait_sync (waiter, AQMP_TEST_WAIT_MS, NULL, &w.error));
  g_assert_error (w.error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);

  /* and the original cause is kept for disconnect */
  g_assert_false (aqmp_client_disconnect_sync (f->client, NULL, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);
  g_assert_cmpstr (error->message, ==, r.error->message + strlen ("connection lost: "));
  g_assert_cmpint (aqmp_client_get_state (f->client), ==, AQMP_STATE_IDLE);
  aqmp_test_call_clear (&r);
  aqmp_test_call_clear (&later);
  aqmp_test_call_clear (&w);
}

static void
test_disconnect_pending (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  AqmpTestCall r = { 0, };
  pid_t pid = atoi (g_subprocess_get_identifier (f->qemu->process));

  kill (pid, SIGSTOP);
  aqmp_client_execute_async (f->client, "query-status", NULL, NULL, aqmp_test_execute_cb, &r);
  g_assert_true (aqmp_client_disconnect_sync (f->client, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (aqmp_test_wait_for_flag (&r.done, AQMP_TEST_WAIT_MS));
  g_assert_error (r.error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);
  g_assert_nonnull (strstr (r.error->message, "closed by the client"));
  kill (pid, SIGCONT);
  aqmp_test_call_clear (&r);
}

/* ----- sync calls ----- */

typedef struct {
  AqmpClient *client;
  GMainLoop *loop;
  guint ok;
} ThreadData;

static gpointer
worker_thread (gpointer user_data)
{
  ThreadData *td = user_data;

  for (guint i = 0; i < 50; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) value = aqmp_client_execute_sync (td->client, "query-status", NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (value));
      td->ok++;
    }
  g_main_loop_quit (td->loop);
  return NULL;
}

static gboolean
loop_guard_cb (gpointer user_data)
{
  g_error ("the worker thread did not finish in time");
  return G_SOURCE_REMOVE;
}

static void
test_sync_from_thread (Fixture *f, gconstpointer data)
{
  ThreadData td = { f->client, g_main_loop_new (NULL, FALSE), 0 };
  GThread *thread;
  guint guard;

  /* the main thread runs the client's loop while a worker calls sync */
  thread = g_thread_new ("aqmp-worker", worker_thread, &td);
  guard = g_timeout_add (AQMP_TEST_WAIT_MS * 3, loop_guard_cb, NULL);
  g_main_loop_run (td.loop);
  g_source_remove (guard);
  g_thread_join (thread);
  g_assert_cmpuint (td.ok, ==, 50);
  g_main_loop_unref (td.loop);
}

static gpointer
plain_thread (gpointer user_data)
{
  AqmpTestQemu *qemu = user_data;
  GMainContext *context = g_main_context_new ();
  g_autoptr(AqmpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;

  /* a thread of its own with nobody running its context */
  g_main_context_push_thread_default (context);
  client = aqmp_client_new ();
  g_assert_true (aqmp_client_connect_sync (client, qemu->address, NULL, &error));
  g_assert_no_error (error);
  value = aqmp_client_execute_sync (client, "query-version", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (aqmp_client_disconnect_sync (client, NULL, &error));
  g_clear_object (&client);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  return GINT_TO_POINTER (value != NULL);
}

static void
test_sync_plain (void)
{
  g_autoptr(AqmpTestQemu) qemu = aqmp_test_qemu_new (NULL);
  GThread *thread = g_thread_new ("aqmp-plain", plain_thread, qemu);

  g_assert_true (GPOINTER_TO_INT (g_thread_join (thread)));
}

/* what an application's own source saw of a sync call made from the
 * application's main loop */
typedef struct {
  AqmpClient *client;
  GMainLoop *loop;
  gboolean in_sync;
  gboolean app_ran;
  gboolean app_ran_in_sync;
  JsonNode *value;
  GError *error;
} MainLoopCall;

static gboolean
app_source_cb (gpointer user_data)
{
  MainLoopCall *m = user_data;

  m->app_ran = TRUE;
  m->app_ran_in_sync = m->in_sync;
  return G_SOURCE_REMOVE;
}

/* an application's handler, dispatched by its main loop, calls sync */
static gboolean
sync_from_main_loop_cb (gpointer user_data)
{
  MainLoopCall *m = user_data;

  /* ready at once, at the priority of the client's own sources: it runs
   * in the first iteration of the main context, whoever iterates it */
  g_idle_add_full (G_PRIORITY_DEFAULT, app_source_cb, m, NULL);
  m->in_sync = TRUE;
  m->value = aqmp_client_execute_sync (m->client, "query-status", NULL, NULL, &m->error);
  m->in_sync = FALSE;
  g_main_loop_quit (m->loop);
  return G_SOURCE_REMOVE;
}

static void
run_sync_from_main_loop (MainLoopCall *m)
{
  guint guard;

  m->loop = g_main_loop_new (NULL, FALSE);
  g_idle_add (sync_from_main_loop_cb, m);
  guard = g_timeout_add (AQMP_TEST_WAIT_MS * 3, loop_guard_cb, NULL);
  g_main_loop_run (m->loop);
  g_source_remove (guard);
  g_main_loop_unref (m->loop);
  g_assert_no_error (m->error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (m->value));
  g_clear_pointer (&m->value, json_node_unref);
}

static void
test_sync_reenters_main_context (Fixture *f, gconstpointer data)
{
  MainLoopCall m = { .client = f->client };

  /* the client was made on the main context, the application's: the
   * sync call iterates it, and the application's source runs inside */
  g_assert_true (aqmp_client_get_context (f->client) == g_main_context_default ());
  run_sync_from_main_loop (&m);
  g_assert_true (m.app_ran);
  g_assert_true (m.app_ran_in_sync);
}

static void
test_sync_own_context (void)
{
  g_autoptr(AqmpTestQemu) qemu = aqmp_test_qemu_new (NULL);
  g_autoptr(GMainContext) own = g_main_context_new ();
  g_autoptr(GError) error = NULL;
  MainLoopCall m = { 0, };

  /* a client made with a context of its own pushed: every source of its
   * connection is there, and its sync calls iterate only that */
  g_main_context_push_thread_default (own);
  m.client = aqmp_test_connect (qemu->address);
  g_main_context_pop_thread_default (own);
  g_assert_true (aqmp_client_get_context (m.client) == own);

  run_sync_from_main_loop (&m);
  g_assert_false (m.app_ran_in_sync);
  g_assert_false (m.app_ran);
  /* the application's source runs when its own loop turns again */
  g_assert_true (aqmp_test_wait_for_flag (&m.app_ran, AQMP_TEST_WAIT_MS));
  g_assert_false (m.app_ran_in_sync);

  g_assert_true (aqmp_client_disconnect_sync (m.client, NULL, &error));
  g_assert_no_error (error);
  g_object_unref (m.client);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/aqmp/client/qemu/connect/unix", Fixture, NULL, fixture_setup, test_connect_unix, fixture_teardown);
  g_test_add_func ("/aqmp/client/qemu/connect/tcp", test_connect_tcp);
  g_test_add_func ("/aqmp/client/qemu/connect/accept", test_accept);
  g_test_add_func ("/aqmp/client/qemu/connect/refused", test_connect_refused);
  g_test_add ("/aqmp/client/qemu/connect/busy-chardev", Fixture, NULL, fixture_setup, test_busy_chardev, fixture_teardown);
  g_test_add ("/aqmp/client/qemu/execute/query-status", Fixture, NULL, fixture_setup, test_query_status, fixture_teardown);
  g_test_add ("/aqmp/client/qemu/execute/query-version", Fixture, NULL, fixture_setup, test_query_version, fixture_teardown);
  g_test_add ("/aqmp/client/qemu/execute/error-class", Fixture, NULL, fixture_setup, test_error_class, fixture_teardown);
  g_test_add ("/aqmp/client/qemu/execute/concurrent", Fixture, NULL, fixture_setup, test_concurrent, fixture_teardown);
  g_test_add_func ("/aqmp/client/qemu/execute/oob", test_oob);
  g_test_add ("/aqmp/client/qemu/execute/oob-not-negotiated", Fixture, NULL, fixture_setup, test_oob_not_negotiated, fixture_teardown);
  g_test_add ("/aqmp/client/qemu/events/stop-cont", Fixture, NULL, fixture_setup, test_events_stop_cont, fixture_teardown);
  g_test_add ("/aqmp/client/qemu/events/quit", Fixture, NULL, fixture_setup, test_events_quit, fixture_teardown);
  g_test_add ("/aqmp/client/qemu/events/waiter-match", Fixture, NULL, fixture_setup, test_waiter_match, fixture_teardown);
  g_test_add ("/aqmp/client/qemu/disconnect/killed", Fixture, NULL, fixture_setup, test_killed, fixture_teardown);
  g_test_add ("/aqmp/client/qemu/disconnect/pending", Fixture, NULL, fixture_setup, test_disconnect_pending, fixture_teardown);
  g_test_add ("/aqmp/client/qemu/sync/thread", Fixture, NULL, fixture_setup, test_sync_from_thread, fixture_teardown);
  g_test_add_func ("/aqmp/client/qemu/sync/plain", test_sync_plain);
  g_test_add ("/aqmp/client/qemu/sync/reenters-main-context", Fixture, NULL, fixture_setup,
              test_sync_reenters_main_context, fixture_teardown);
  g_test_add_func ("/aqmp/client/qemu/sync/own-context", test_sync_own_context);
  return g_test_run ();
}
