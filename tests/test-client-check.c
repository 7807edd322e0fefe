/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The client's opt-in check (aqmp_client_set_check_func): a refused call
 * fails with AQMP_ERROR_INVALID and the server sees nothing of it; calls
 * the check lets through, and the handshake, go as before. Against the
 * project's AqmpServer, which records each command it is asked.
 */
#include "aqmp-test-qemu.h"

#define WAIT_MS AQMP_TEST_WAIT_MS

typedef struct {
  gchar *dir;
  AqmpServer *server;
  gchar *address;
  AqmpClient *client;
  GPtrArray *seen;            /* commands the server received */
  GPtrArray *checked;         /* commands the check was asked about */
  gboolean connected;
  guint n_destroyed;
} Fixture;

static JsonNode *
record_cb (AqmpServer *server, JsonObject *request, gpointer user_data, GError **error)
{
  Fixture *f = user_data;

  g_ptr_array_add (f->seen, g_strdup (json_object_get_string_member (request, "execute")));
  return aqmp_test_empty_object ();
}

static gboolean
refuse_x_cb (AqmpClient *client, const gchar *command, JsonObject *arguments,
             gpointer user_data, GError **error)
{
  Fixture *f = user_data;

  g_ptr_array_add (f->checked, g_strdup (command));
  if (!g_str_has_prefix (command, "x-"))
    return TRUE;
  g_set_error (error, AQMP_ERROR, AQMP_ERROR_INVALID, "%s: refused by the test", command);
  return FALSE;
}

static gboolean
forgetful_cb (AqmpClient *client, const gchar *command, JsonObject *arguments,
              gpointer user_data, GError **error)
{
  return FALSE;
}

static void
destroyed_cb (gpointer user_data)
{
  Fixture *f = user_data;

  f->n_destroyed++;
}

static void
connected_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Fixture *f = user_data;
  g_autoptr(GError) error = NULL;

  aqmp_client_connect_finish (AQMP_CLIENT (source), res, &error);
  g_assert_no_error (error);
  f->connected = TRUE;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = NULL;
  const gchar *commands[] = { "query-status", "x-secret", "query-name" };

  f->dir = aqmp_test_make_dir ();
  path = g_build_filename (f->dir, "qmp.sock", NULL);
  f->server = aqmp_server_new ();
  f->address = aqmp_server_listen (f->server, path, &error);
  g_assert_no_error (error);
  f->seen = g_ptr_array_new_with_free_func (g_free);
  f->checked = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    aqmp_server_set_handler (f->server, commands[i], record_cb, f, NULL);
  f->client = aqmp_client_new ();
  aqmp_client_set_default_timeout (f->client, WAIT_MS);
  aqmp_client_set_connect_timeout (f->client, WAIT_MS);
}

static void
fixture_connect (Fixture *f)
{
  aqmp_client_connect_async (f->client, f->address, NULL, connected_cb, f);
  g_assert_true (aqmp_test_wait_for_flag (&f->connected, WAIT_MS));
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
  g_free (f->address);
  g_ptr_array_unref (f->seen);
  g_ptr_array_unref (f->checked);
}

static void
execute (Fixture *f, const gchar *command, AqmpTestCall *call)
{
  aqmp_client_execute_async (f->client, command, NULL, NULL, aqmp_test_execute_cb, call);
}

/* a refused call between two allowed ones: the server sees the two only */
static void
test_refused_not_sent (Fixture *f, gconstpointer data)
{
  AqmpTestCall first = { 0 }, refused = { 0 }, last = { 0 };

  aqmp_client_set_check_func (f->client, refuse_x_cb, f, destroyed_cb);
  g_assert_true (aqmp_client_has_check_func (f->client));
  fixture_connect (f);
  /* the handshake is the client's own, not checked */
  g_assert_cmpuint (f->checked->len, ==, 0);

  execute (f, "query-status", &first);
  execute (f, "x-secret", &refused);
  execute (f, "query-name", &last);
  g_assert_true (aqmp_test_wait_for_flag (&last.done, WAIT_MS));
  g_assert_true (first.done && refused.done);
  g_assert_no_error (first.error);
  g_assert_no_error (last.error);
  g_assert_error (refused.error, AQMP_ERROR, AQMP_ERROR_INVALID);
  g_assert_cmpstr (refused.error->message, ==, "x-secret: refused by the test");
  g_assert_cmpuint (f->seen->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (f->seen, 0), ==, "query-status");
  g_assert_cmpstr (g_ptr_array_index (f->seen, 1), ==, "query-name");
  g_assert_cmpuint (f->checked->len, ==, 3);

  aqmp_test_call_clear (&first);
  aqmp_test_call_clear (&refused);
  aqmp_test_call_clear (&last);
  /* removing the check frees its data once; then everything goes */
  aqmp_client_set_check_func (f->client, NULL, NULL, NULL);
  g_assert_cmpuint (f->n_destroyed, ==, 1);
  g_assert_false (aqmp_client_has_check_func (f->client));
  execute (f, "x-secret", &refused);
  g_assert_true (aqmp_test_wait_for_flag (&refused.done, WAIT_MS));
  g_assert_no_error (refused.error);
  g_assert_cmpuint (f->seen->len, ==, 3);
  aqmp_test_call_clear (&refused);
}

/* aqmp_client_check_command asks without sending; a check that sets no
 * error still refuses with one */
static void
test_check_command (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (aqmp_client_check_command (f->client, "x-secret", NULL, &error));
  aqmp_client_set_check_func (f->client, refuse_x_cb, f, NULL);
  g_assert_true (aqmp_client_check_command (f->client, "query-status", NULL, &error));
  g_assert_no_error (error);
  g_assert_false (aqmp_client_check_command (f->client, "x-secret", NULL, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_INVALID);
  g_clear_error (&error);
  aqmp_client_set_check_func (f->client, forgetful_cb, NULL, NULL);
  g_assert_false (aqmp_client_check_command (f->client, "query-status", NULL, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_INVALID);
  g_assert_cmpuint (f->seen->len, ==, 0);
}

/* the check's data is freed with the client */
static void
test_freed_with_client (Fixture *f, gconstpointer data)
{
  aqmp_client_set_check_func (f->client, refuse_x_cb, f, destroyed_cb);
  g_clear_object (&f->client);
  g_assert_cmpuint (f->n_destroyed, ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/client-check/refused-not-sent", Fixture, NULL, fixture_setup, test_refused_not_sent,
              fixture_teardown);
  g_test_add ("/client-check/check-command", Fixture, NULL, fixture_setup, test_check_command,
              fixture_teardown);
  g_test_add ("/client-check/freed-with-client", Fixture, NULL, fixture_setup, test_freed_with_client,
              fixture_teardown);
  return g_test_run ();
}
