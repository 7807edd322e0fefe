/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reconnecting after an unexpected loss (aqmp_client_set_reconnect()):
 * against a real QEMU 7.2 that is killed and started again on the same
 * socket, and against AqmpServer for the backoff. Every wait is bounded.
 */
#include <signal.h>
#include <string.h>

#include "aqmp-test-qemu.h"

#define WAIT_MS AQMP_TEST_WAIT_MS

/* what the client told us */
typedef struct {
  guint n_stop;
  guint n_disconnected;
  guint n_reconnected;
  guint n_connecting;
  gboolean reconnected;
} Signals;

static void
stop_cb (AqmpClient *client, AqmpEvent *event, gpointer user_data)
{
  Signals *s = user_data;

  s->n_stop++;
}

static void
disconnected_cb (AqmpClient *client, const GError *cause, gpointer user_data)
{
  Signals *s = user_data;

  /* losses only; a disconnect by the application has no cause */
  if (cause != NULL)
    s->n_disconnected++;
}

static void
reconnected_cb (AqmpClient *client, gpointer user_data)
{
  Signals *s = user_data;

  g_assert_cmpint (aqmp_client_get_state (client), ==, AQMP_STATE_RUNNING);
  s->n_reconnected++;
  s->reconnected = TRUE;
}

static void
state_cb (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  Signals *s = user_data;

  if (aqmp_client_get_state (AQMP_CLIENT (object)) == AQMP_STATE_CONNECTING)
    s->n_connecting++;
}

static void
watch_client (AqmpClient *client, Signals *s)
{
  g_signal_connect (client, "event::STOP", G_CALLBACK (stop_cb), s);
  g_signal_connect (client, "disconnected", G_CALLBACK (disconnected_cb), s);
  g_signal_connect (client, "reconnected", G_CALLBACK (reconnected_cb), s);
  g_signal_connect (client, "notify::state", G_CALLBACK (state_cb), s);
}

static gboolean
is_running (gpointer user_data)
{
  return aqmp_client_get_state (AQMP_CLIENT (user_data)) == AQMP_STATE_RUNNING;
}

typedef struct {
  Signals *signals;
  guint n;
} AttemptWait;

static gboolean
has_attempts (gpointer user_data)
{
  AttemptWait *w = user_data;

  return w->signals->n_connecting >= w->n;
}

static gboolean
has_stop (gpointer user_data)
{
  return ((Signals *) user_data)->n_stop > 0;
}

static gboolean
has_disconnected (gpointer user_data)
{
  return ((Signals *) user_data)->n_disconnected > 0;
}

static AqmpTestQemu *
spawn_qemu (gchar *dir)
{
  g_autofree gchar *sock = g_build_filename (dir, "qmp.sock", NULL);
  g_autofree gchar *qmp = g_strdup_printf ("unix:%s,server=on,wait=off", sock);
  const gchar *argv[] = {
    AQMP_TEST_QEMU, "-machine", "none", "-nodefaults", "-display", "none", "-qmp", qmp, NULL
  };

  return aqmp_test_qemu_spawn (dir, argv, sock);
}

/* ----- a real QEMU, killed and started again ----- */

static void
test_qemu_restart (void)
{
  gchar *dir = aqmp_test_make_dir ();
  AqmpTestQemu *first = spawn_qemu (dir);
  g_autoptr(AqmpTestQemu) second = NULL;
  g_autoptr(AqmpClient) client = aqmp_client_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autofree gchar *address = g_strdup (first->address);
  Signals s = { 0, };
  AqmpTestCall pending = { 0, };
  pid_t pid = atoi (g_subprocess_get_identifier (first->process));

  aqmp_client_set_default_timeout (client, WAIT_MS);
  aqmp_client_set_connect_timeout (client, WAIT_MS);
  aqmp_client_set_reconnect (client, TRUE, 20, 200);
  watch_client (client, &s);
  g_assert_true (aqmp_client_connect_sync (client, address, NULL, &error));
  g_assert_no_error (error);

  /* a call is surely pending when QEMU dies */
  kill (pid, SIGSTOP);
  aqmp_client_execute_async (client, "query-status", NULL, NULL, aqmp_test_execute_cb, &pending);
  aqmp_test_qemu_kill (first);
  g_assert_true (aqmp_test_wait_for_flag (&pending.done, WAIT_MS));
  g_assert_error (pending.error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);
  g_assert_true (aqmp_test_wait_until (has_disconnected, &s, WAIT_MS));
  g_assert_cmpuint (s.n_disconnected, ==, 1);
  g_assert_true (aqmp_client_get_reconnecting (client));

  /* meanwhile calls fail at once */
  g_assert_null (aqmp_client_execute_sync (client, "query-status", NULL, NULL, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);
  g_clear_error (&error);

  /* a new QEMU on the same socket; the old one's directory stays */
  first->dir = aqmp_test_make_dir ();
  aqmp_test_qemu_free (first);
  second = spawn_qemu (dir);
  g_assert_true (aqmp_test_wait_for_flag (&s.reconnected, WAIT_MS));
  g_assert_true (aqmp_test_wait_until (is_running, client, WAIT_MS));
  g_assert_cmpuint (s.n_reconnected, ==, 1);
  g_assert_cmpuint (s.n_disconnected, ==, 1);
  g_assert_false (aqmp_client_get_reconnecting (client));
  g_assert_true (aqmp_client_get_server_version (client, NULL, NULL, NULL));

  /* negotiated afresh, and the handler from before the loss still fires */
  value = aqmp_client_execute_sync (client, "stop", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (aqmp_test_wait_until (has_stop, &s, WAIT_MS));
  g_assert_cmpuint (s.n_stop, ==, 1);

  g_assert_true (aqmp_client_disconnect_sync (client, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (aqmp_client_get_reconnecting (client));
  aqmp_test_call_clear (&pending);
}

/* ----- AqmpServer: the backoff ----- */

typedef struct {
  gchar *dir;
  gchar *path;
  AqmpServer *server;
  AqmpClient *client;
  gchar *address;
  Signals s;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = aqmp_test_make_dir ();
  f->path = g_build_filename (f->dir, "qmp.sock", NULL);
  f->server = aqmp_server_new ();
  f->address = aqmp_server_listen (f->server, f->path, &error);
  g_assert_no_error (error);
  f->client = aqmp_client_new ();
  aqmp_client_set_default_timeout (f->client, WAIT_MS);
  aqmp_client_set_connect_timeout (f->client, WAIT_MS);
  aqmp_client_set_reconnect (f->client, TRUE, 10, 40);
  watch_client (f->client, &f->s);
  g_assert_true (aqmp_client_connect_sync (f->client, f->address, NULL, &error));
  g_assert_no_error (error);
  f->s.n_connecting = 0;
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->client);
  aqmp_server_stop (f->server);
  g_clear_object (&f->server);
  for (guint i = 0; i < 1000 && g_main_context_iteration (NULL, FALSE); i++)
    ;
  aqmp_test_remove_dir (f->dir);
  g_free (f->dir);
  g_free (f->path);
  g_free (f->address);
}

static void
test_server_backoff (Fixture *f, gconstpointer data)
{
  AttemptWait w = { &f->s, 4 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autofree gchar *again = NULL;
  gint64 start;
  gint64 elapsed_ms;
  guint attempts;

  /* the server goes away: its socket too, so every attempt fails */
  start = g_get_monotonic_time ();
  aqmp_server_stop (f->server);
  g_assert_true (aqmp_test_wait_until (has_attempts, &w, WAIT_MS));
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  attempts = f->s.n_connecting;
  g_test_message ("%u attempts in %" G_GINT64_FORMAT " ms", attempts, elapsed_ms);
  /* delays of 10, 20, 40, 40 ms give or take a quarter: never a busy loop */
  g_assert_cmpint (elapsed_ms, >=, (10 + 20 + 40) * 3 / 4);
  g_assert_cmpuint (attempts, <=, elapsed_ms / (40 * 3 / 4) + 3);
  /* one disconnected signal for the loss, none per attempt */
  g_assert_cmpuint (f->s.n_disconnected, ==, 1);
  g_assert_true (aqmp_client_get_reconnecting (f->client));

  value = aqmp_client_execute_sync (f->client, "query-status", NULL, NULL, &error);
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);
  g_clear_error (&error);

  /* the server is back: the next attempt gets through */
  again = aqmp_server_listen (f->server, f->path, &error);
  g_assert_no_error (error);
  g_assert_true (aqmp_test_wait_for_flag (&f->s.reconnected, WAIT_MS));
  g_assert_cmpint (aqmp_client_get_state (f->client), ==, AQMP_STATE_RUNNING);
  g_assert_cmpuint (f->s.n_reconnected, ==, 1);
  value = aqmp_client_execute_sync (f->client, "query-status", NULL, NULL, &error);
  g_assert_no_error (error);
}

static void
test_server_closes (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;

  /* a connection the server drops comes back without the application */
  aqmp_server_close_connections (f->server);
  g_assert_true (aqmp_test_wait_for_flag (&f->s.reconnected, WAIT_MS));
  g_assert_cmpuint (f->s.n_disconnected, ==, 1);
  value = aqmp_client_execute_sync (f->client, "query-status", NULL, NULL, &error);
  g_assert_no_error (error);
}

static gboolean
never (gpointer user_data)
{
  Signals *s = user_data;

  return s->n_connecting > 0;
}

static void
test_disconnect_stops (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  AttemptWait w = { &f->s, 1 };

  aqmp_server_stop (f->server);
  g_assert_true (aqmp_test_wait_until (has_attempts, &w, WAIT_MS));
  g_assert_true (aqmp_client_get_reconnecting (f->client));

  /* disconnect ends reconnecting and reports the loss, once */
  g_assert_false (aqmp_client_disconnect_sync (f->client, NULL, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);
  g_clear_error (&error);
  g_assert_false (aqmp_client_get_reconnecting (f->client));
  g_assert_cmpint (aqmp_client_get_state (f->client), ==, AQMP_STATE_IDLE);
  f->s.n_connecting = 0;
  /* no attempt follows, even well past the longest delay */
  g_assert_false (aqmp_test_wait_until (never, &f->s, 200));
  g_assert_true (aqmp_client_disconnect_sync (f->client, NULL, &error));
  g_assert_no_error (error);
}

static void
test_disabled (Fixture *f, gconstpointer data)
{
  aqmp_client_set_reconnect (f->client, FALSE, 0, 0);
  g_assert_false (aqmp_client_get_reconnect (f->client, NULL, NULL));
  aqmp_server_close_connections (f->server);
  g_assert_true (aqmp_test_wait_until (has_disconnected, &f->s, WAIT_MS));
  g_assert_false (aqmp_test_wait_until (never, &f->s, 200));
  g_assert_cmpuint (f->s.n_disconnected, ==, 1);
  g_assert_cmpint (aqmp_client_get_state (f->client), ==, AQMP_STATE_IDLE);
  g_assert_false (aqmp_client_get_reconnecting (f->client));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/aqmp/reconnect/qemu/restart", test_qemu_restart);
  g_test_add ("/aqmp/reconnect/server/backoff", Fixture, NULL, fixture_setup, test_server_backoff, fixture_teardown);
  g_test_add ("/aqmp/reconnect/server/closes", Fixture, NULL, fixture_setup, test_server_closes, fixture_teardown);
  g_test_add ("/aqmp/reconnect/server/disconnect-stops", Fixture, NULL, fixture_setup,
              test_disconnect_stops, fixture_teardown);
  g_test_add ("/aqmp/reconnect/server/disabled", Fixture, NULL, fixture_setup, test_disabled, fixture_teardown);
  return g_test_run ();
}
