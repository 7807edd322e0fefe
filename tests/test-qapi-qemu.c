/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libaqmp-qapi against a real QEMU 7.2: its schema is the fixture's, the
 * valid forms pass validation and QEMU accepts them, and a refused call
 * leaves QEMU as it was (the node it would have made is not there).
 */
#include <string.h>

#include <aqmp/aqmp-qapi.h>

#include "aqmp-test-qemu.h"

#define WAIT_MS AQMP_TEST_WAIT_MS

typedef struct {
  AqmpTestQemu *qemu;
  AqmpClient *client;
  AqmpSchema *schema;
  AqmpSchemaValidator *validator;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->qemu = aqmp_test_qemu_new (NULL);
  f->client = aqmp_test_connect (f->qemu->address);
  f->schema = aqmp_schema_load_sync (f->client, NULL, NULL, &error);
  g_assert_no_error (error);
  f->validator = aqmp_schema_validator_new (f->schema);
  aqmp_schema_validator_attach (f->validator, f->client);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->validator);
  g_clear_object (&f->schema);
  g_clear_object (&f->client);
  aqmp_test_qemu_free (f->qemu);
}

static JsonNode *
run (Fixture *f, const gchar *command, const gchar *json, GError **error)
{
  g_autoptr(JsonObject) args = json != NULL ? aqmp_test_object_from_json (json) : NULL;

  return aqmp_client_execute_sync (f->client, command, args, NULL, error);
}

static void
ok (Fixture *f, const gchar *command, const gchar *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = run (f, command, json, &error);

  g_assert_no_error (error);
  g_assert_nonnull (value);
}

static void
refused (Fixture *f, const gchar *command, const gchar *json, const gchar *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = run (f, command, json, &error);

  g_assert_null (value);
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, message);
}

/* whether QEMU has a block node of that name */
static gboolean
has_node (Fixture *f, const gchar *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) nodes = run (f, "query-named-block-nodes", "{\"flat\": true}", &error);
  JsonArray *array;

  g_assert_no_error (error);
  array = json_node_get_array (nodes);
  for (guint i = 0; i < json_array_get_length (array); i++)
    if (g_strcmp0 (json_object_get_string_member (json_array_get_object_element (array, i), "node-name"),
                   name) == 0)
      return TRUE;
  return FALSE;
}

/* the live schema is the fixture's, entry for entry */
static void
test_schema_is_fixture (Fixture *f, gconstpointer data)
{
  g_autofree gchar *path = g_build_filename (AQMP_TEST_FIXTURES, "qemu-7.2-qmp-schema.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpSchema) fixture = aqmp_schema_new_from_file (path, &error);
  g_autoptr(JsonNode) diff = NULL;
  guint major = 0;

  g_assert_no_error (error);
  g_assert_true (aqmp_schema_get_server_version (f->schema, &major, NULL, NULL));
  g_assert_cmpuint (major, ==, 7);
  g_assert_cmpuint (aqmp_schema_get_n_entries (f->schema), ==, aqmp_schema_get_n_entries (fixture));
  g_assert_true (json_node_equal (aqmp_schema_get_json (f->schema), aqmp_schema_get_json (fixture)));
  diff = aqmp_schema_diff (fixture, f->schema);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (diff)), ==, 0);
}

static void
qemu_img (const gchar * const *argv)
{
  g_autoptr(GError) error = NULL;
  gint status = 0;

  g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);
}

/* blockdev-add's unions: null-co, qcow2 over file, blkdebug over null-co */
static void
test_blockdev_add_valid (Fixture *f, gconstpointer data)
{
  g_autofree gchar *image = aqmp_test_qemu_path (f->qemu, "disk.qcow2");
  const gchar *create[] = { "qemu-img", "create", "-q", "-f", "qcow2", image, "16M", NULL };
  g_autofree gchar *qcow2 = NULL;

  qemu_img (create);
  ok (f, "blockdev-add", "{\"driver\": \"null-co\", \"node-name\": \"null0\", \"size\": 0}");
  /* 1 TiB; an int takes 64 bits, QEMU refuses a device near 2^63 itself */
  ok (f, "blockdev-add", "{\"driver\": \"null-co\", \"node-name\": \"null1\", \"size\": 1099511627776,"
                         " \"read-zeroes\": true, \"cache\": {\"direct\": false, \"no-flush\": true}}");
  qcow2 = g_strdup_printf ("{\"driver\": \"qcow2\", \"node-name\": \"q0\", \"discard\": \"unmap\","
                           " \"file\": {\"driver\": \"file\", \"node-name\": \"f0\", \"filename\": \"%s\"}}", image);
  ok (f, "blockdev-add", qcow2);
  ok (f, "blockdev-add", "{\"driver\": \"blkdebug\", \"node-name\": \"dbg\", \"image\": {\"driver\": \"null-co\"},"
                         " \"inject-error\": [{\"event\": \"read_aio\", \"errno\": 5, \"once\": true}]}");
  /* an alternate by reference: raw over an existing node's name */
  ok (f, "blockdev-add", "{\"driver\": \"raw\", \"node-name\": \"r0\", \"file\": \"null1\"}");
  g_assert_true (has_node (f, "q0") && has_node (f, "f0") && has_node (f, "dbg") && has_node (f, "r0"));
  /* integers at the edges of a 64-bit int, which is all introspection says */
  ok (f, "block-set-write-threshold", "{\"node-name\": \"null1\", \"write-threshold\": 9223372036854775807}");
  ok (f, "block-set-write-threshold", "{\"node-name\": \"null1\", \"write-threshold\": 0}");
}

/* a transaction of several action types */
static void
test_transaction_valid (Fixture *f, gconstpointer data)
{
  ok (f, "blockdev-add", "{\"driver\": \"null-co\", \"node-name\": \"n1\", \"size\": 1048576}");
  ok (f, "blockdev-add", "{\"driver\": \"null-co\", \"node-name\": \"n2\", \"size\": 1048576}");
  ok (f, "block-dirty-bitmap-add", "{\"node\": \"n1\", \"name\": \"b0\"}");
  ok (f, "transaction",
      "{\"actions\": ["
      "  {\"type\": \"block-dirty-bitmap-add\", \"data\": {\"node\": \"n2\", \"name\": \"b1\", \"granularity\": 65536}},"
      "  {\"type\": \"block-dirty-bitmap-clear\", \"data\": {\"node\": \"n1\", \"name\": \"b0\"}},"
      "  {\"type\": \"block-dirty-bitmap-disable\", \"data\": {\"node\": \"n1\", \"name\": \"b0\"}}],"
      " \"properties\": {\"completion-mode\": \"individual\"}}");
}

/* refused before sending: QEMU never made the node */
static void
test_mistakes_not_sent (Fixture *f, gconstpointer data)
{
  refused (f, "blockdev-add", "{\"driver\": \"null-co\", \"node-name\": \"x\", \"sise\": 5}",
           "blockdev-add: sise: unknown member; did you mean 'size'?");
  refused (f, "blockdev-add", "{\"driver\": \"nul-co\", \"node-name\": \"x\"}",
           "blockdev-add: driver: 'nul-co' is not a valid value (42 values); did you mean 'null-co'?");
  refused (f, "blockdev-add", "{\"driver\": \"null-co\", \"node-name\": \"x\", \"size\": -1.5}",
           "blockdev-add: size: expected integer, got number -1.5");
  refused (f, "blockdev-add", "{\"driver\": \"null-co\", \"node-name\": \"x\", \"filename\": \"/x\"}",
           "blockdev-add: filename: unknown member when driver is 'null-co'; it belongs to driver "
           "'file', 'host_cdrom', 'host_device'");
  g_assert_false (has_node (f, "x"));
  /* unvalidated, QEMU itself refuses it, in its words */
  aqmp_schema_validator_detach (f->client);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) value = run (f, "blockdev-add", "{\"driver\": \"null-co\", \"node-name\": \"x\", \"sise\": 5}",
                                     &error);

    g_assert_error (error, AQMP_ERROR, AQMP_ERROR_COMMAND);
    g_assert_cmpstr (aqmp_error_get_qmp_desc (error), ==, "Parameter 'sise' is unexpected");
  }
}

/* deprecated: warned and QEMU runs it; refused under deprecated=refuse */
static void
test_deprecated (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;

  ok (f, "blockdev-add", "{\"driver\": \"null-co\", \"node-name\": \"src\", \"size\": 1048576}");
  g_test_expect_message ("aqmp-qapi", G_LOG_LEVEL_WARNING, "nbd-server-remove: deprecated command");
  value = run (f, "nbd-server-remove", "{\"name\": \"nothing\"}", &error);
  g_test_assert_expected_messages ();
  /* QEMU got it: its own answer (no NBD server is running) */
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_COMMAND);
  g_clear_error (&error);
  aqmp_compat_policy_set_deprecated (aqmp_schema_validator_get_policy (f->validator), AQMP_COMPAT_REFUSE);
  refused (f, "nbd-server-remove", "{\"name\": \"nothing\"}",
           "nbd-server-remove: deprecated command, refused by the compatibility policy (deprecated=refuse)");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/qapi-qemu/schema-is-fixture", Fixture, NULL, fixture_setup, test_schema_is_fixture,
              fixture_teardown);
  g_test_add ("/qapi-qemu/blockdev-add-valid", Fixture, NULL, fixture_setup, test_blockdev_add_valid,
              fixture_teardown);
  g_test_add ("/qapi-qemu/transaction-valid", Fixture, NULL, fixture_setup, test_transaction_valid,
              fixture_teardown);
  g_test_add ("/qapi-qemu/mistakes-not-sent", Fixture, NULL, fixture_setup, test_mistakes_not_sent,
              fixture_teardown);
  g_test_add ("/qapi-qemu/deprecated", Fixture, NULL, fixture_setup, test_deprecated, fixture_teardown);
  return g_test_run ();
}
