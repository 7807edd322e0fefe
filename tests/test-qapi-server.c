/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libaqmp-qapi with a client and a server: the project's AqmpServer,
 * serving QEMU 7.2's real schema (tests/fixtures) or an edited copy under
 * another version, and recording every command it receives. A refused
 * call must not reach it; the cache must spare it query-qmp-schema when
 * it can, and never trust a corrupt file. A real QEMU cannot change its
 * version on demand nor record what it did not get: that is why this is
 * AqmpServer; test-qapi-qemu.c runs the valid forms against QEMU.
 */
#include <string.h>

#include <glib/gstdio.h>

#include <aqmp/aqmp-qapi.h>

#include "aqmp-test-qemu.h"

#define WAIT_MS AQMP_TEST_WAIT_MS

typedef struct {
  gchar *dir;
  gchar *cache_dir;
  AqmpServer *server;
  gchar *address;
  JsonNode *schema;           /* what query-qmp-schema answers */
  GPtrArray *seen;            /* every command the server received */
} Fixture;

static JsonObject *
greeting_for (guint major, guint minor, guint micro, const gchar *package)
{
  g_autofree gchar *text = g_strdup_printf ("{\"QMP\": {\"version\": {\"qemu\": {\"major\": %u, \"minor\": %u,"
                                            " \"micro\": %u}, \"package\": \"%s\"}, \"capabilities\": []}}",
                                            major, minor, micro, package);

  return aqmp_test_object_from_json (text);
}

static JsonNode *
record_cb (AqmpServer *server, JsonObject *request, gpointer user_data, GError **error)
{
  Fixture *f = user_data;
  const gchar *command = json_object_get_string_member (request, "execute");

  g_ptr_array_add (f->seen, g_strdup (command));
  if (g_strcmp0 (command, "query-qmp-schema") == 0)
    return json_node_copy (f->schema);
  return aqmp_test_empty_object ();
}

static guint
count_seen (Fixture *f, const gchar *command)
{
  guint n = 0;

  for (guint i = 0; i < f->seen->len; i++)
    if (g_strcmp0 (f->seen->pdata[i], command) == 0)
      n++;
  return n;
}

static void
server_start (Fixture *f, JsonObject *greeting)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = g_build_filename (f->dir, "qmp.sock", NULL);
  const gchar *commands[] = { "query-qmp-schema", "blockdev-add", "transaction", "drive-backup", "query-status" };

  if (f->server != NULL)
    {
      aqmp_server_stop (f->server);
      g_clear_object (&f->server);
      g_clear_pointer (&f->address, g_free);
      g_unlink (path);
    }
  f->server = aqmp_server_new ();
  aqmp_server_set_greeting (f->server, greeting);
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    aqmp_server_set_handler (f->server, commands[i], record_cb, f, NULL);
  f->address = aqmp_server_listen (f->server, path, &error);
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonObject) greeting = greeting_for (7, 2, 22, "Debian 1:7.2+dfsg-7+deb12u18");

  f->dir = aqmp_test_make_dir ();
  f->cache_dir = g_build_filename (f->dir, "cache", NULL);
  f->seen = g_ptr_array_new_with_free_func (g_free);
  f->schema = aqmp_test_fixture_json ("qemu-7.2-qmp-schema.json");
  server_start (f, greeting);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  aqmp_server_stop (f->server);
  g_clear_object (&f->server);
  for (guint i = 0; i < 1000 && g_main_context_iteration (NULL, FALSE); i++)
    ;
  aqmp_test_remove_dir (f->dir);
  g_free (f->dir);
  g_free (f->cache_dir);
  g_free (f->address);
  json_node_unref (f->schema);
  g_ptr_array_unref (f->seen);
}

typedef struct {
  AqmpSchema *schema;
  GError *error;
  gboolean done;
} Load;

static void
load_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Load *load = user_data;

  load->schema = aqmp_schema_load_finish (AQMP_CLIENT (source), res, &load->error);
  load->done = TRUE;
}

static AqmpSchema *
load (AqmpClient *client, AqmpSchemaCache *cache)
{
  Load l = { 0 };

  aqmp_schema_load_async (client, cache, NULL, load_cb, &l);
  g_assert_true (aqmp_test_wait_for_flag (&l.done, WAIT_MS));
  g_assert_no_error (l.error);
  return l.schema;
}

static AqmpClient *
connect_client (Fixture *f)
{
  return aqmp_test_connect (f->address);
}

static void
execute (AqmpClient *client, const gchar *command, const gchar *json, AqmpTestCall *call)
{
  g_autoptr(JsonObject) args = json != NULL ? aqmp_test_object_from_json (json) : NULL;

  aqmp_test_call_clear (call);
  aqmp_client_execute_async (client, command, args, NULL, aqmp_test_execute_cb, call);
  g_assert_true (aqmp_test_wait_for_flag (&call->done, WAIT_MS));
}

/* each kind of mistake is refused with its path and hint; the server
 * receives none of them, and receives the valid calls between them */
static void
test_refused_not_sent (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpClient) client = connect_client (f);
  g_autoptr(AqmpSchema) schema = load (client, NULL);
  g_autoptr(AqmpSchemaValidator) validator = aqmp_schema_validator_new (schema);
  AqmpTestCall call = { 0 };
  static const struct {
    const gchar *command;
    const gchar *args;
    const gchar *message;
  } mistakes[] = {
    { "blockdev-ad", "{}", "unknown command 'blockdev-ad'; did you mean 'blockdev-add' or 'blockdev-del'?" },
    { "blockdev-add", "{\"driver\": \"null-co\", \"node-name\": \"x\", \"sise\": 5}",
      "blockdev-add: sise: unknown member; did you mean 'size'?" },
    { "blockdev-add", "{\"driver\": \"nul-co\", \"node-name\": \"x\"}",
      "blockdev-add: driver: 'nul-co' is not a valid value (42 values); did you mean 'null-co'?" },
    { "blockdev-add", "{\"driver\": \"null-co\", \"size\": \"1G\"}",
      "blockdev-add: size: expected integer, got string '1G'" },
    { "transaction", "{\"actions\": [{\"type\": \"blockdev-backup\", \"data\": {\"device\": \"a\", \"sync\": \"full\"}}]}",
      "transaction: actions[0].data.target: missing mandatory member (string)" },
  };

  g_assert_cmpuint (count_seen (f, "query-qmp-schema"), ==, 1);
  aqmp_schema_validator_attach (validator, client);
  for (guint i = 0; i < G_N_ELEMENTS (mistakes); i++)
    {
      execute (client, mistakes[i].command, mistakes[i].args, &call);
      g_assert_error (call.error, AQMP_ERROR, AQMP_ERROR_INVALID);
      g_assert_cmpstr (call.error->message, ==, mistakes[i].message);
      execute (client, "query-status", NULL, &call);
      g_assert_no_error (call.error);
    }
  /* only the query-status calls arrived, in order */
  g_assert_cmpuint (f->seen->len, ==, 1 + G_N_ELEMENTS (mistakes));
  g_assert_cmpuint (count_seen (f, "query-status"), ==, G_N_ELEMENTS (mistakes));
  execute (client, "blockdev-add", "{\"driver\": \"null-co\", \"node-name\": \"x\", \"size\": 4096}", &call);
  g_assert_no_error (call.error);
  g_assert_cmpuint (count_seen (f, "blockdev-add"), ==, 1);
  aqmp_test_call_clear (&call);

  /* detached, the same mistake goes to the server */
  aqmp_schema_validator_detach (client);
  execute (client, "blockdev-add", mistakes[1].args, &call);
  g_assert_no_error (call.error);
  g_assert_cmpuint (count_seen (f, "blockdev-add"), ==, 2);
  aqmp_test_call_clear (&call);
}

/* deprecated: a warning and sent; under deprecated=refuse, not sent */
static void
test_policy_not_sent (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpClient) client = connect_client (f);
  g_autoptr(AqmpSchema) schema = load (client, NULL);
  g_autoptr(AqmpSchemaValidator) validator = aqmp_schema_validator_new (schema);
  const gchar *args = "{\"device\": \"a\", \"target\": \"/t\", \"sync\": \"full\"}";
  AqmpTestCall call = { 0 };

  aqmp_schema_validator_attach (validator, client);
  g_test_expect_message ("aqmp-qapi", G_LOG_LEVEL_WARNING, "drive-backup: deprecated command");
  execute (client, "drive-backup", args, &call);
  g_test_assert_expected_messages ();
  g_assert_no_error (call.error);
  g_assert_cmpuint (count_seen (f, "drive-backup"), ==, 1);
  aqmp_compat_policy_set_deprecated (aqmp_schema_validator_get_policy (validator), AQMP_COMPAT_REFUSE);
  execute (client, "drive-backup", args, &call);
  g_assert_error (call.error, AQMP_ERROR, AQMP_ERROR_INVALID);
  g_assert_cmpuint (count_seen (f, "drive-backup"), ==, 1);
  aqmp_test_call_clear (&call);
}

static gchar *
cache_file (Fixture *f, AqmpSchemaCache *cache, guint major, guint minor, guint micro, const gchar *package)
{
  return aqmp_schema_cache_get_path (cache, major, minor, micro, package);
}

/* a hit spares the server; once per connection; the file checks out */
static void
test_cache_hit (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpSchemaCache) cache = aqmp_schema_cache_new (f->cache_dir);
  g_autofree gchar *path = cache_file (f, cache, 7, 2, 22, "Debian 1:7.2+dfsg-7+deb12u18");
  g_autoptr(AqmpClient) first = connect_client (f);
  g_autoptr(AqmpSchema) fetched = load (first, cache);
  g_autoptr(AqmpSchema) again = load (first, cache);
  g_autoptr(AqmpClient) second = NULL;
  g_autoptr(AqmpSchema) cached = NULL;
  guint major = 0, minor = 0, micro = 0;

  g_assert_cmpuint (count_seen (f, "query-qmp-schema"), ==, 1);
  g_assert_true (again == fetched);
  g_assert_true (aqmp_schema_peek (first) == fetched);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));

  second = connect_client (f);
  cached = load (second, cache);
  g_assert_cmpuint (count_seen (f, "query-qmp-schema"), ==, 1);
  g_assert_true (cached != fetched);
  g_assert_cmpuint (aqmp_schema_get_n_entries (cached), ==, 1051);
  g_assert_true (aqmp_schema_get_server_version (cached, &major, &minor, &micro));
  g_assert_cmpuint (major * 10000 + minor * 100 + micro, ==, 70222);
  g_assert_cmpstr (aqmp_schema_get_package (cached), ==, "Debian 1:7.2+dfsg-7+deb12u18");

  /* a new connection loads again (here from the cache) */
  aqmp_client_disconnect_sync (first, NULL, NULL);
  g_assert_null (aqmp_schema_peek (first));
}

/* an upgraded server (another version string) misses, and is cached apart */
static void
test_cache_upgrade (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpSchemaCache) cache = aqmp_schema_cache_new (f->cache_dir);
  g_autoptr(AqmpClient) old_client = connect_client (f);
  g_autoptr(AqmpSchema) old_schema = load (old_client, cache);
  g_autoptr(JsonObject) upgraded = greeting_for (8, 0, 0, "v8.0.0");
  g_autoptr(JsonObject) repackaged = greeting_for (7, 2, 22, "Debian 1:7.2+dfsg-7+deb12u19");
  g_autoptr(AqmpClient) new_client = NULL;
  g_autoptr(AqmpSchema) new_schema = NULL;
  g_autoptr(AqmpClient) third = NULL;
  g_autoptr(AqmpSchema) third_schema = NULL;
  g_autoptr(AqmpSchemaValidator) validator = aqmp_schema_validator_new (old_schema);
  g_autofree gchar *old_path = cache_file (f, cache, 7, 2, 22, "Debian 1:7.2+dfsg-7+deb12u18");
  g_autofree gchar *new_path = cache_file (f, cache, 8, 0, 0, "v8.0.0");
  AqmpTestCall call = { 0 };

  g_clear_object (&old_client);
  server_start (f, upgraded);
  new_client = connect_client (f);
  /* the old schema is not this server's: refused until it is loaded again */
  aqmp_schema_validator_attach (validator, new_client);
  execute (new_client, "query-status", NULL, &call);
  g_assert_error (call.error, AQMP_ERROR, AQMP_ERROR_INVALID);
  g_assert_cmpstr (call.error->message, ==,
                   "query-status: the schema is QEMU 7.2.22's but the server is QEMU 8.0.0: load its schema again");
  aqmp_test_call_clear (&call);
  g_assert_cmpuint (count_seen (f, "query-status"), ==, 0);

  /* the old validator lets the new schema be loaded, and then gives way */
  new_schema = load (new_client, cache);
  g_assert_cmpuint (count_seen (f, "query-qmp-schema"), ==, 2);
  g_clear_object (&validator);
  validator = aqmp_schema_validator_new (new_schema);
  aqmp_schema_validator_attach (validator, new_client);
  execute (new_client, "query-status", NULL, &call);
  g_assert_no_error (call.error);
  g_assert_cmpuint (count_seen (f, "query-status"), ==, 1);
  aqmp_test_call_clear (&call);
  g_assert_true (g_file_test (old_path, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (new_path, G_FILE_TEST_IS_REGULAR));

  /* the same version with another package string is another build */
  server_start (f, repackaged);
  third = connect_client (f);
  third_schema = load (third, cache);
  g_assert_cmpuint (count_seen (f, "query-qmp-schema"), ==, 3);
}

static void
corrupt_file (const gchar *path, gssize offset, const gchar *with)
{
  g_autofree gchar *text = NULL;
  gsize length;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (path, &text, &length, &error);
  g_assert_no_error (error);
  if (offset < 0)
    offset += length;
  g_assert_cmpuint (offset + strlen (with), <=, length);
  memcpy (text + offset, with, strlen (with));
  g_file_set_contents (path, text, length, &error);
  g_assert_no_error (error);
}

/* a corrupt file is never trusted: a miss, fetched again, replaced */
static void
test_cache_corrupt (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpSchemaCache) cache = aqmp_schema_cache_new (f->cache_dir);
  g_autofree gchar *path = cache_file (f, cache, 7, 2, 22, "Debian 1:7.2+dfsg-7+deb12u18");
  g_autoptr(AqmpClient) client = connect_client (f);
  g_autoptr(AqmpSchema) first = load (client, cache);
  /* a byte of the schema (the hash no longer matches), the header's
   * format member, the end of the schema (the hash too), and an older
   * format's file (format 1 hashed with SHA-256) */
  const struct {
    gssize offset;
    const gchar *with;
  } damage[] = { { -100, "X" }, { 2, "fmt" }, { -1, "}" }, { 10, "1" } };

  g_clear_object (&client);
  for (guint i = 0; i < G_N_ELEMENTS (damage); i++)
    {
      g_autoptr(AqmpClient) c = connect_client (f);
      g_autoptr(AqmpSchema) s = NULL;
      g_autoptr(AqmpSchema) replaced = NULL;
      guint before = count_seen (f, "query-qmp-schema");

      corrupt_file (path, damage[i].offset, damage[i].with);
      s = load (c, cache);
      g_assert_cmpuint (count_seen (f, "query-qmp-schema"), ==, before + 1);
      g_assert_cmpuint (aqmp_schema_get_n_entries (s), ==, 1051);
      /* the file was replaced by a good one */
      replaced = aqmp_schema_cache_lookup (cache, 7, 2, 22, "Debian 1:7.2+dfsg-7+deb12u18", NULL);
      g_assert_nonnull (replaced);
    }
  /* a lookup alone removes a corrupt file */
  corrupt_file (path, -100, "Y");
  g_assert_null (aqmp_schema_cache_lookup (cache, 7, 2, 22, "Debian 1:7.2+dfsg-7+deb12u18", NULL));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

/* QEMU's schema against an AqmpServer serving an edited copy of it:
 * what diff and describe say of the served one */
static void
test_diff_edited (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonObject) greeting = greeting_for (7, 2, 99, "edited");
  g_autoptr(JsonNode) original = json_node_copy (f->schema);
  g_autoptr(AqmpSchema) qemu = aqmp_schema_new (original, NULL);
  g_autoptr(JsonArray) edited = json_array_new ();
  JsonArray *array = json_node_get_array (f->schema);
  g_autoptr(AqmpClient) client = NULL;
  g_autoptr(AqmpSchema) served = NULL;
  g_autoptr(JsonNode) diff = NULL;
  g_autoptr(JsonNode) description = NULL;
  g_autofree gchar *text = NULL;
  g_autofree gchar *words = NULL;

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *entry = json_array_get_object_element (array, i);
      const gchar *name = json_object_get_string_member (entry, "name");

      if (g_strcmp0 (name, "nbd-server-remove") == 0)
        continue;
      if (g_strcmp0 (name, "blockdev-backup") == 0)
        {
          JsonArray *features = json_array_new ();

          json_array_add_string_element (features, "deprecated");
          json_object_set_array_member (entry, "features", features);
        }
      json_array_add_element (edited, json_node_copy (json_array_get_element (array, i)));
    }
  json_node_unref (f->schema);
  f->schema = json_node_new (JSON_NODE_ARRAY);
  json_node_set_array (f->schema, edited);
  server_start (f, greeting);
  client = connect_client (f);
  served = load (client, NULL);

  diff = aqmp_schema_diff (qemu, served);
  text = aqmp_schema_diff_text (diff);
  g_assert_cmpstr (text, ==, "! deprecated command blockdev-backup\n- command nbd-server-remove\n");
  description = aqmp_schema_describe (served, "blockdev-backup", NULL);
  words = aqmp_schema_describe_text (description);
  g_assert_true (g_str_has_prefix (words, "command blockdev-backup, deprecated\narguments: object\n"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/qapi-server/refused-not-sent", Fixture, NULL, fixture_setup, test_refused_not_sent,
              fixture_teardown);
  g_test_add ("/qapi-server/policy-not-sent", Fixture, NULL, fixture_setup, test_policy_not_sent,
              fixture_teardown);
  g_test_add ("/qapi-server/cache-hit", Fixture, NULL, fixture_setup, test_cache_hit, fixture_teardown);
  g_test_add ("/qapi-server/cache-upgrade", Fixture, NULL, fixture_setup, test_cache_upgrade, fixture_teardown);
  g_test_add ("/qapi-server/cache-corrupt", Fixture, NULL, fixture_setup, test_cache_corrupt, fixture_teardown);
  g_test_add ("/qapi-server/diff-edited", Fixture, NULL, fixture_setup, test_diff_edited, fixture_teardown);
  return g_test_run ();
}
