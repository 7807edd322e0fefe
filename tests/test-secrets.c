/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Secrets never reach the debug wire trace in clear text: the client
 * traces a redacted copy of each request while the server gets the real
 * one. The job store keeps redacted arguments too. Every wait is bounded.
 */
#define _GNU_SOURCE
#include <string.h>

#include <aqmp/aqmp-jobs.h>

#include "aqmp-test-qemu.h"

#define WAIT_MS AQMP_TEST_WAIT_MS

/* ----- the captured debug log ----- */

static GPtrArray *captured;   /* every debug message, while capturing */

static GLogWriterOutput
capture_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  if ((level & G_LOG_LEVEL_DEBUG) == 0 || captured == NULL)
    return g_log_writer_default (level, fields, n_fields, user_data);
  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_strcmp0 (fields[i].key, "MESSAGE") != 0)
        continue;
      if (fields[i].length < 0)
        g_ptr_array_add (captured, g_strdup (fields[i].value));
      else
        g_ptr_array_add (captured, g_strndup (fields[i].value, fields[i].length));
    }
  return G_LOG_WRITER_HANDLED;
}

/* GIO and others log without structure, through the default handler */
static void
capture_handler (const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer user_data)
{
  if ((level & G_LOG_LEVEL_DEBUG) == 0 || captured == NULL)
    {
      g_log_default_handler (domain, level, message, user_data);
      return;
    }
  g_ptr_array_add (captured, g_strdup (message));
}

static gboolean
log_contains (const gchar *needle)
{
  for (guint i = 0; i < captured->len; i++)
    if (strstr (g_ptr_array_index (captured, i), needle) != NULL)
      return TRUE;
  return FALSE;
}

/* the trace line of the request for @command */
static const gchar *
log_find_request (const gchar *command)
{
  g_autofree gchar *wanted = g_strdup_printf ("\"execute\":\"%s\"", command);

  for (guint i = 0; i < captured->len; i++)
    {
      const gchar *line = g_ptr_array_index (captured, i);
      if (g_str_has_prefix (line, "--> ") && strstr (line, wanted) != NULL)
        return line;
    }
  return NULL;
}

/* ----- fixture: AqmpServer on a Unix socket, traced client ----- */

typedef struct {
  gchar *dir;
  AqmpServer *server;
  AqmpClient *client;
} Fixture;

static const gchar *secret_commands[] = {
  "change-vnc-password", "x-change-password", "object-add", "guest-set-user-password",
  "guest-file-write", "blockdev-create", "transaction",
};

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *address = NULL;
  g_autoptr(JsonObject) empty_object = json_object_new ();
  g_autoptr(JsonNode) empty = json_node_init_object (json_node_alloc (), empty_object);

  captured = g_ptr_array_new_with_free_func (g_free);
  f->dir = aqmp_test_make_dir ();
  path = g_build_filename (f->dir, "qmp.sock", NULL);
  f->server = aqmp_server_new ();
  for (gsize i = 0; i < G_N_ELEMENTS (secret_commands); i++)
    aqmp_server_set_reply (f->server, secret_commands[i], empty);
  address = aqmp_server_listen (f->server, path, &error);
  g_assert_no_error (error);

  /* the trace is on when debug output would not be dropped */
  g_log_set_debug_enabled (TRUE);
  f->client = aqmp_client_new ();
  aqmp_client_set_default_timeout (f->client, WAIT_MS);
  aqmp_client_set_connect_timeout (f->client, WAIT_MS);
  g_assert_true (aqmp_client_connect_sync (f->client, address, NULL, &error));
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->client);
  aqmp_server_stop (f->server);
  g_clear_object (&f->server);
  for (guint i = 0; i < 1000 && g_main_context_iteration (NULL, FALSE); i++)
    ;
  g_log_set_debug_enabled (FALSE);
  g_clear_pointer (&captured, g_ptr_array_unref);
  aqmp_test_remove_dir (f->dir);
  g_free (f->dir);
}

/* the last request the server received for @command, as JSON text */
static gchar *
server_received (AqmpServer *server, const gchar *command)
{
  GPtrArray *received = aqmp_server_get_received (server);

  for (guint i = received->len; i > 0; i--)
    {
      JsonObject *request = g_ptr_array_index (received, i - 1);
      g_autoptr(JsonNode) node = NULL;

      if (g_strcmp0 (json_object_get_string_member_with_default (request, "execute", ""), command) != 0)
        continue;
      node = json_node_init_object (json_node_alloc (), request);
      return json_to_string (node, FALSE);
    }
  return NULL;
}

typedef struct {
  const gchar *command;
  const gchar *arguments;     /* JSON */
  const gchar *secrets[2];    /* what must not be traced */
} SecretCase;

static const SecretCase secret_cases[] = {
  { "change-vnc-password", "{\"password\": \"vnc-S3cret-1\"}", { "vnc-S3cret-1" } },
  { "x-change-password", "{\"user\": \"admin\", \"old-password\": \"old-S3cret-2\", \"new-password\": \"new-S3cret-3\"}",
    { "old-S3cret-2", "new-S3cret-3" } },
  { "object-add", "{\"qom-type\": \"secret\", \"id\": \"sec0\", \"data\": \"luks-S3cret-4\", \"format\": \"raw\"}",
    { "luks-S3cret-4" } },
  { "guest-set-user-password", "{\"username\": \"root\", \"password\": \"Z3Vlc3QtUzNjcmV0LTU=\", \"crypted\": false}",
    { "Z3Vlc3QtUzNjcmV0LTU=" } },
  { "guest-file-write", "{\"handle\": 1000, \"buf-b64\": \"ZmlsZS1TM2NyZXQtNg==\"}", { "ZmlsZS1TM2NyZXQtNg==" } },
  /* nested, at any depth */
  { "blockdev-create", "{\"job-id\": \"c0\", \"options\": {\"driver\": \"x\", \"auth\": {\"password\": \"deep-S3cret-7\"}}}",
    { "deep-S3cret-7" } },
  { "transaction", "{\"actions\": [{\"type\": \"object-add\", \"data\": {\"qom-type\": \"secret\", \"id\": \"s1\", \"data\": \"txn-S3cret-8\"}}]}",
    { "txn-S3cret-8" } },
};

static void
test_trace_redacted (Fixture *f, gconstpointer data)
{
  for (gsize i = 0; i < G_N_ELEMENTS (secret_cases); i++)
    {
      const SecretCase *c = &secret_cases[i];
      g_autoptr(JsonObject) args = aqmp_test_object_from_json (c->arguments);
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) value = aqmp_client_execute_sync (f->client, c->command, args, NULL, &error);
      g_autofree gchar *wire = NULL;
      const gchar *line;

      g_assert_no_error (error);
      g_assert_nonnull (value);
      line = log_find_request (c->command);
      g_test_message ("%s", line);
      g_assert_nonnull (line);
      g_assert_nonnull (strstr (line, AQMP_REDACTED));
      wire = server_received (f->server, c->command);
      g_assert_nonnull (wire);
      for (guint j = 0; j < G_N_ELEMENTS (c->secrets) && c->secrets[j] != NULL; j++)
        {
          /* never in any log line, but on the wire as it was */
          g_assert_false (log_contains (c->secrets[j]));
          g_assert_nonnull (strstr (wire, c->secrets[j]));
        }
    }
  /* the rest of a request is traced as it is */
  g_assert_nonnull (strstr (log_find_request ("guest-set-user-password"), "\"username\":\"root\""));
  g_assert_nonnull (strstr (log_find_request ("object-add"), "\"id\":\"sec0\""));
}

static void
test_arguments_untouched (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonObject) args = aqmp_test_object_from_json ("{\"password\": \"keep-S3cret-9\"}");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_sync (f->client, "change-vnc-password", args, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (args, "password"), ==, "keep-S3cret-9");
  g_assert_false (log_contains ("keep-S3cret-9"));
}

static void
test_redact_names (void)
{
  g_autoptr(JsonObject) args = aqmp_test_object_from_json ("{\"handle\": 3, \"buf-b64\": \"eA==\", \"count\": 1}");
  g_autoptr(JsonObject) redacted = aqmp_redact_arguments (args);

  g_assert_true (aqmp_redact_is_secret_member ("password"));
  g_assert_true (aqmp_redact_is_secret_member ("new-password"));
  g_assert_true (aqmp_redact_is_secret_member ("buf-b64"));
  g_assert_false (aqmp_redact_is_secret_member ("username"));
  g_assert_cmpstr (json_object_get_string_member (redacted, "buf-b64"), ==, AQMP_REDACTED);
  g_assert_cmpint (json_object_get_int_member (redacted, "handle"), ==, 3);
}

static void
assert_file_lacks (const gchar *path, const gchar *needle)
{
  const gchar *suffixes[] = { "", "-wal", "-journal" };

  for (gsize i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree gchar *name = g_strconcat (path, suffixes[i], NULL);
      g_autofree gchar *data = NULL;
      gsize length = 0;

      if (!g_file_get_contents (name, &data, &length, NULL))
        continue;
      g_assert_null (memmem (data, length, needle, strlen (needle)));
    }
}

/* the job store keeps only redacted arguments */
static void
test_job_store (void)
{
  g_autofree gchar *dir = aqmp_test_make_dir ();
  g_autofree gchar *path = g_build_filename (dir, "jobs.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpJobStore) store = aqmp_job_store_new (path, &error);
  g_autoptr(JsonObject) args = aqmp_test_object_from_json (
      "{\"job-id\": \"c1\", \"options\": {\"driver\": \"luks\", \"file\": \"f\","
      " \"password\": \"store-S3cret-10\"}}");
  g_autoptr(AqmpJobRecord) job = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree gchar *text = NULL;
  gint64 row;

  g_assert_no_error (error);
  row = aqmp_job_store_add_job (store, "vm0", "c1", "blockdev-create", args, g_get_real_time (), &error);
  g_assert_no_error (error);
  g_assert_cmpint (row, >, 0);
  job = aqmp_job_store_get_job (store, row, &error);
  g_assert_no_error (error);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, aqmp_job_record_to_json (job));
  text = json_to_string (node, FALSE);
  g_assert_null (strstr (text, "store-S3cret-10"));
  g_assert_nonnull (strstr (text, AQMP_REDACTED));
  g_clear_object (&store);
  /* nor anywhere in the database's files */
  assert_file_lacks (path, "store-S3cret-10");
  aqmp_test_remove_dir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (capture_writer, NULL, NULL);
  g_log_set_default_handler (capture_handler, NULL);

  g_test_add ("/aqmp/secrets/trace/redacted", Fixture, NULL, fixture_setup, test_trace_redacted, fixture_teardown);
  g_test_add ("/aqmp/secrets/trace/arguments-untouched", Fixture, NULL, fixture_setup,
              test_arguments_untouched, fixture_teardown);
  g_test_add_func ("/aqmp/secrets/redact/names", test_redact_names);
  g_test_add_func ("/aqmp/secrets/job-store", test_job_store);
  return g_test_run ();
}
