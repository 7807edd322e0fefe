/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A bounded soak: one AqmpClient against the project's AqmpServer in one
 * process, on one main context. Bursts of pipelined commands, some of
 * which make the server flood events before answering, while the server
 * hangs up at random points and the client reconnects.
 *
 * Asserted: every call issued completes, with its own value or with
 * AQMP_ERROR_DISCONNECTED (none lost, none answered twice or wrongly);
 * the events a call provokes are delivered before it completes; no event
 * is lost on a connection that stays up; resident memory after the run is
 * within SOAK_RSS_BOUND_KIB of what it was after warm-up (not under
 * AddressSanitizer, whose quarantine keeps freed memory resident by
 * design: LeakSanitizer checks leaks there instead).
 *
 * Bounds: AQMP_SOAK_SECONDS (default 60) and AQMP_SOAK_COUNT (default one
 * million calls and events together), whichever comes first.
 */
#include <string.h>
#include <unistd.h>

#include "aqmp-test-qemu.h"

#if defined(__SANITIZE_ADDRESS__)
#define SOAK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SOAK_ASAN 1
#endif
#endif

#define SOAK_DEFAULT_SECONDS 60
#define SOAK_DEFAULT_COUNT 1000000
#define SOAK_BURST 128              /* calls in flight at once */
#define SOAK_EVENTS_EVERY 8         /* one call in 8 floods events */
#define SOAK_EVENTS_PER_CALL 64
#define SOAK_DISCONNECT_ONE_IN 8    /* bursts with a hang-up in them */
#define SOAK_WARMUP_BURSTS 50
#define SOAK_RSS_BOUND_KIB (8 * 1024)
#define SOAK_RING 1024              /* > SOAK_BURST: events per call */
#define SOAK_WAIT_MS 60000

typedef struct {
  AqmpServer *server;
  AqmpClient *client;
  gchar *dir;
  gchar *address;
  GRand *rand;
  JsonObject *event_data;

  guint64 issued;
  guint64 completed;
  guint64 ok;
  guint64 failed;
  guint64 events_emitted;
  guint64 events_received;
  guint64 disconnects;
  guint64 connects;

  guint64 handled;            /* handler calls, over the whole run */
  guint64 close_at;           /* the server hangs up in this handler call */
  guint events_ring[SOAK_RING];
} Soak;

typedef struct {
  Soak *soak;
  guint64 n;
  guint n_events;             /* what the server emits for it */
} SoakCall;

static guint64
soak_env (const gchar *name, guint64 fallback)
{
  const gchar *value = g_getenv (name);
  guint64 n;

  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 1, G_MAXUINT64, &n, NULL))
    return fallback;
  return n;
}

static guint64
soak_rss_kib (void)
{
  g_autofree gchar *text = NULL;
  guint64 pages = 0;
  g_auto(GStrv) fields = NULL;

  if (!g_file_get_contents ("/proc/self/statm", &text, NULL, NULL))
    return 0;
  fields = g_strsplit (text, " ", -1);
  if (g_strv_length (fields) < 2)
    return 0;
  pages = g_ascii_strtoull (fields[1], NULL, 10);
  return pages * (guint64) sysconf (_SC_PAGESIZE) / 1024;
}

/* ----- the server's side ----- */

static gint64
soak_request_n (JsonObject *request)
{
  JsonObject *args = json_object_get_object_member (request, "arguments");

  g_assert_nonnull (args);
  return json_object_get_int_member (args, "n");
}

static JsonNode *
soak_answer (Soak *soak, gint64 n)
{
  g_autoptr(JsonObject) value = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_int_member (value, "n", n);
  json_node_set_object (node, value);

  /* the hang-up comes after this call's events, before its answer */
  if (++soak->handled == soak->close_at)
    aqmp_server_close_connections (soak->server);
  return node;
}

static JsonNode *
soak_echo_handler (AqmpServer *server, JsonObject *request, gpointer user_data, GError **error)
{
  return soak_answer (user_data, soak_request_n (request));
}

static JsonNode *
soak_events_handler (AqmpServer *server, JsonObject *request, gpointer user_data, GError **error)
{
  Soak *soak = user_data;
  gint64 n = soak_request_n (request);

  json_object_set_int_member (soak->event_data, "call", n);
  for (guint i = 0; i < SOAK_EVENTS_PER_CALL; i++)
    {
      json_object_set_int_member (soak->event_data, "i", i);
      aqmp_server_emit_event (server, "SOAK_EVENT", soak->event_data);
      soak->events_emitted++;
    }
  return soak_answer (soak, n);
}

/* ----- the client's side ----- */

static void
soak_event_cb (AqmpClient *client, AqmpEvent *event, gpointer user_data)
{
  Soak *soak = user_data;
  JsonObject *data = aqmp_event_get_data (event);

  g_assert_cmpstr (aqmp_event_get_name (event), ==, "SOAK_EVENT");
  g_assert_nonnull (data);
  soak->events_ring[json_object_get_int_member (data, "call") % SOAK_RING]++;
  soak->events_received++;
}

static void
soak_disconnected_cb (AqmpClient *client, const GError *cause, gpointer user_data)
{
  Soak *soak = user_data;

  soak->disconnects++;
}

static void
soak_call_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  SoakCall *call = user_data;
  Soak *soak = call->soak;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_finish (AQMP_CLIENT (source), res, &error);

  if (value != NULL)
    {
      g_assert_no_error (error);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (value));
      g_assert_cmpint (json_object_get_int_member (json_node_get_object (value), "n"), ==, call->n);
      /* FAULTS #16: the call's events came first */
      g_assert_cmpuint (soak->events_ring[call->n % SOAK_RING], ==, call->n_events);
      soak->ok++;
    }
  else
    {
      g_assert_error (error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);
      soak->failed++;
    }
  soak->completed++;
  g_assert_cmpuint (soak->completed, <=, soak->issued);
  g_free (call);
}

typedef struct {
  gboolean done;
  GError *error;
} SoakConnect;

static void
soak_connect_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  SoakConnect *c = user_data;

  aqmp_client_connect_finish (AQMP_CLIENT (source), res, &c->error);
  c->done = TRUE;
}

static gboolean
soak_is_idle (gpointer user_data)
{
  Soak *soak = user_data;

  return aqmp_client_get_state (soak->client) == AQMP_STATE_IDLE;
}

static void
soak_connect (Soak *soak)
{
  SoakConnect c = { 0, };

  g_assert_true (aqmp_test_wait_until (soak_is_idle, soak, SOAK_WAIT_MS));
  aqmp_client_connect_async (soak->client, soak->address, NULL, soak_connect_cb, &c);
  g_assert_true (aqmp_test_wait_for_flag (&c.done, SOAK_WAIT_MS));
  g_assert_no_error (c.error);
  g_assert_cmpint (aqmp_client_get_state (soak->client), ==, AQMP_STATE_RUNNING);
  soak->connects++;
}

static gboolean
soak_burst_done (gpointer user_data)
{
  Soak *soak = user_data;

  return soak->completed == soak->issued;
}

static void
soak_burst (Soak *soak, gboolean hang_up)
{
  guint64 received = soak->events_received;
  guint64 emitted = soak->events_emitted;
  guint64 disconnects = soak->disconnects;

  soak->close_at = hang_up ? soak->handled + (guint64) g_rand_int_range (soak->rand, 1, SOAK_BURST + 1) : 0;
  for (guint i = 0; i < SOAK_BURST; i++)
    {
      SoakCall *call = g_new0 (SoakCall, 1);
      g_autoptr(JsonObject) args = json_object_new ();
      gboolean flood = i % SOAK_EVENTS_EVERY == 0;

      call->soak = soak;
      call->n = soak->issued;
      call->n_events = flood ? SOAK_EVENTS_PER_CALL : 0;
      soak->events_ring[call->n % SOAK_RING] = 0;
      json_object_set_int_member (args, "n", (gint64) call->n);
      soak->issued++;
      aqmp_client_execute_async (soak->client, flood ? "soak-events" : "soak-echo", args,
                                 NULL, soak_call_cb, call);
    }
  if (!aqmp_test_wait_until (soak_burst_done, soak, SOAK_WAIT_MS))
    g_error ("soak: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " calls never completed",
             soak->issued - soak->completed, soak->issued);

  /* a connection that stayed up lost no event */
  if (!hang_up)
    {
      g_assert_cmpuint (soak->disconnects, ==, disconnects);
      g_assert_cmpuint (soak->events_received - received, ==, soak->events_emitted - emitted);
    }
  g_assert_cmpuint (soak->events_received, <=, soak->events_emitted);

  /* the test server keeps every request it received; the soak does not
   * want that history */
  g_ptr_array_set_size (aqmp_server_get_received (soak->server), 0);
}

static void
test_soak (void)
{
  Soak soak_ = { 0, };
  Soak *soak = &soak_;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = NULL;
  guint64 seconds = soak_env ("AQMP_SOAK_SECONDS", SOAK_DEFAULT_SECONDS);
  guint64 count = soak_env ("AQMP_SOAK_COUNT", SOAK_DEFAULT_COUNT);
  gint64 start = g_get_monotonic_time ();
  gint64 deadline = start + (gint64) seconds * G_USEC_PER_SEC;
  guint64 rss_warm = 0;
  guint64 rss_end;
  guint64 bursts = 0;
  gboolean hang_up = FALSE;
  gdouble elapsed;
  guint32 seed = g_test_rand_int ();

  soak->dir = aqmp_test_make_dir ();
  path = g_build_filename (soak->dir, "qmp.sock", NULL);
  soak->server = aqmp_server_new ();
  soak->address = aqmp_server_listen (soak->server, path, &error);
  g_assert_no_error (error);
  soak->rand = g_rand_new_with_seed (seed);
  soak->event_data = json_object_new ();
  aqmp_server_set_handler (soak->server, "soak-echo", soak_echo_handler, soak, NULL);
  aqmp_server_set_handler (soak->server, "soak-events", soak_events_handler, soak, NULL);

  soak->client = aqmp_client_new ();
  aqmp_client_set_default_timeout (soak->client, SOAK_WAIT_MS);
  aqmp_client_set_connect_timeout (soak->client, SOAK_WAIT_MS);
  g_signal_connect (soak->client, "event", G_CALLBACK (soak_event_cb), soak);
  g_signal_connect (soak->client, "disconnected", G_CALLBACK (soak_disconnected_cb), soak);
  g_test_message ("soak: seed %u, at most %" G_GUINT64_FORMAT " s and %" G_GUINT64_FORMAT
                  " calls and events", seed, seconds, count);

  while (soak->completed + soak->events_received < count
         && (g_get_monotonic_time () < deadline || bursts < SOAK_WARMUP_BURSTS + 1))
    {
      if (aqmp_client_get_state (soak->client) != AQMP_STATE_RUNNING)
        soak_connect (soak);
      hang_up = g_rand_int_range (soak->rand, 0, SOAK_DISCONNECT_ONE_IN) == 0;
      soak_burst (soak, hang_up);
      if (++bursts == SOAK_WARMUP_BURSTS)
        rss_warm = soak_rss_kib ();
    }
  rss_end = soak_rss_kib ();
  elapsed = (gdouble) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;

  g_test_message ("soak: %" G_GUINT64_FORMAT " calls (%" G_GUINT64_FORMAT " ok, %" G_GUINT64_FORMAT
                  " failed on disconnect), %" G_GUINT64_FORMAT " events, %" G_GUINT64_FORMAT
                  " disconnects, %" G_GUINT64_FORMAT " connects in %.1f s (%.0f/s); "
                  "RSS warm-up %" G_GUINT64_FORMAT " KiB, end %" G_GUINT64_FORMAT " KiB",
                  soak->completed, soak->ok, soak->failed, soak->events_received,
                  soak->disconnects, soak->connects, elapsed,
                  (soak->completed + soak->events_received) / elapsed, rss_warm, rss_end);

  /* none lost */
  g_assert_cmpuint (soak->completed, ==, soak->issued);
  g_assert_cmpuint (soak->ok + soak->failed, ==, soak->issued);
  g_assert_cmpuint (soak->ok, >, 0);
#ifdef SOAK_ASAN
  g_test_message ("soak: RSS bound not asserted under AddressSanitizer (quarantine)");
#else
  g_assert_cmpuint (rss_warm, >, 0);
  g_assert_cmpuint (rss_end, <=, rss_warm + SOAK_RSS_BOUND_KIB);
#endif

  /* after a last burst that hung up, disconnecting reports why */
  if (hang_up && aqmp_client_get_state (soak->client) != AQMP_STATE_RUNNING)
    {
      g_assert_false (aqmp_client_disconnect_sync (soak->client, NULL, &error));
      g_assert_error (error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED);
    }
  else
    {
      g_assert_true (aqmp_client_disconnect_sync (soak->client, NULL, &error));
      g_assert_no_error (error);
    }
  g_clear_object (&soak->client);
  aqmp_server_stop (soak->server);
  g_clear_object (&soak->server);
  for (guint i = 0; i < 1000 && g_main_context_iteration (NULL, FALSE); i++)
    ;
  json_object_unref (soak->event_data);
  g_rand_free (soak->rand);
  aqmp_test_remove_dir (soak->dir);
  g_free (soak->dir);
  g_free (soak->address);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/aqmp/soak/commands-events-disconnects", test_soak);
  return g_test_run ();
}
