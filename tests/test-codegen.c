/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A layer aqmp-codegen generated from tests/codegen/schema.json (every
 * meta-type, optional members, features, a union, alternates, every kind
 * of return), against an AqmpServer: what each typed call puts on the
 * wire, member for member; how each reply is read, and how a reply that
 * does not fit is refused; typed events; copies; the live schema check.
 */
#include <string.h>

#include <aqmp/aqmp-qapi.h>

#include "test-qmp.h"
#include "aqmp-test-qemu.h"

#define WAIT_MS AQMP_TEST_WAIT_MS

typedef struct {
  gchar *dir;
  AqmpServer *server;
  AqmpClient *client;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *address = NULL;

  f->dir = aqmp_test_make_dir ();
  path = g_build_filename (f->dir, "qmp.sock", NULL);
  f->server = aqmp_server_new ();
  address = aqmp_server_listen (f->server, path, &error);
  g_assert_no_error (error);
  f->client = aqmp_test_connect (address);
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
}

static JsonNode *
json (const gchar *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  return node;
}

/* the arguments of the last request the server received, exactly */
static void
assert_sent (Fixture *f, const gchar *command, const gchar *expected)
{
  GPtrArray *received = aqmp_server_get_received (f->server);
  JsonObject *request = g_ptr_array_index (received, received->len - 1);
  JsonNode *arguments = json_object_get_member (request, "arguments");
  g_autoptr(JsonNode) want = expected != NULL ? json (expected) : NULL;

  g_assert_cmpstr (json_object_get_string_member (request, "execute"), ==, command);
  if (want == NULL)
    {
      g_assert_null (arguments);
      return;
    }
  g_assert_nonnull (arguments);
  if (!json_node_equal (arguments, want))
    {
      g_autofree gchar *got = json_to_string (arguments, FALSE);

      g_error ("%s sent %s, not %s", command, got, expected);
    }
}

static void
reply (Fixture *f, const gchar *command, const gchar *value)
{
  g_autoptr(JsonNode) node = json (value);

  aqmp_server_set_reply (f->server, command, node);
}

/* ----- arguments ----- */

static void
test_arguments (Fixture *f, gconstpointer data)
{
  g_autoptr(TestQmpSetThingOptional) options = test_qmp_set_thing_optional_new ();
  g_autoptr(TestQmpQueryThingsResult) child = test_qmp_query_things_result_new ();
  g_autoptr(GPtrArray) tags = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonNode) extra = json ("{\"free\": [1, \"form\"]}");
  g_autoptr(GError) error = NULL;
  gint64 sizes[] = { 1, -2 };

  reply (f, "set-thing", "{}");
  /* mandatory members only */
  g_assert_true (test_qmp_set_thing_sync (f->client, "a", 5, NULL, NULL, &error));
  g_assert_no_error (error);
  assert_sent (f, "set-thing", "{\"name\": \"a\", \"size\": 5}");

  /* every optional member, each through its setter */
  child->id = g_strdup ("c");
  child->sizes = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_array_append_vals (child->sizes, sizes, G_N_ELEMENTS (sizes));
  g_ptr_array_add (tags, g_strdup ("t1"));
  g_ptr_array_add (tags, g_strdup ("t2"));
  test_qmp_set_thing_optional_set_ratio (options, 0.5);
  test_qmp_set_thing_optional_set_read_only (options, FALSE);
  test_qmp_set_thing_optional_set_mode (options, TEST_QMP_GET_MODE_RESULT_X_AUTO);
  test_qmp_set_thing_optional_set_tags (options, tags);
  test_qmp_set_thing_optional_set_extra (options, extra);
  test_qmp_set_thing_optional_set_child (options, child);
  /* the setters copied: changing ours changes nothing sent */
  g_ptr_array_set_size (tags, 0);
  g_clear_pointer (&child->id, g_free);
  g_assert_true (test_qmp_set_thing_sync (f->client, "b", -1, options, NULL, &error));
  g_assert_no_error (error);
  assert_sent (f, "set-thing",
               "{\"name\": \"b\", \"size\": -1, \"ratio\": 0.5, \"read-only\": false,"
               " \"mode\": \"x-auto\", \"tags\": [\"t1\", \"t2\"], \"extra\": {\"free\": [1, \"form\"]},"
               " \"child\": {\"id\": \"c\", \"sizes\": [1, -2]}}");

  /* the same arguments, built for an API that takes JSON */
  {
    g_autoptr(JsonObject) built = test_qmp_set_thing_build_arguments ("b", -1, options);
    g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), built);
    GPtrArray *received = aqmp_server_get_received (f->server);
    JsonObject *request = g_ptr_array_index (received, received->len - 1);

    g_assert_true (json_node_equal (node, json_object_get_member (request, "arguments")));
  }

  /* a command without arguments sends none */
  reply (f, "get-mode", "\"off\"");
  {
    TestQmpGetModeResult mode = TEST_QMP_GET_MODE_RESULT_ON;

    g_assert_true (test_qmp_get_mode_sync (f->client, &mode, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpint (mode, ==, TEST_QMP_GET_MODE_RESULT_OFF);
    assert_sent (f, "get-mode", NULL);
  }
}

static void
test_union (Fixture *f, gconstpointer data)
{
  g_autoptr(TestQmpAddDeviceArguments) args = test_qmp_add_device_arguments_new ();
  g_autoptr(TestQmpAddDeviceArguments) inner = test_qmp_add_device_arguments_new ();
  g_autoptr(TestQmpAddDeviceArguments) copy = NULL;
  g_autoptr(GError) error = NULL;

  inner->kind = TEST_QMP_ADD_DEVICE_KIND_NET;
  inner->net = test_qmp_add_device_net_new ();
  inner->net->mac = g_strdup ("52:54:00:12:34:56");
  /* a variant the tag does not select is not sent */
  inner->disk = test_qmp_add_device_disk_new ();

  args->kind = TEST_QMP_ADD_DEVICE_KIND_DISK;
  args->id = g_strdup ("d0");
  args->disk = test_qmp_add_device_disk_new ();
  args->disk->file = test_qmp_add_device_disk_file_new ();
  args->disk->file->kind = TEST_QMP_ALTERNATE_KIND_OBJECT;
  args->disk->file->object = g_steal_pointer (&inner);
  args->disk->backing = test_qmp_add_device_disk_backing_new ();
  args->disk->backing->kind = TEST_QMP_ALTERNATE_KIND_NULL;

  reply (f, "add-device", "{}");
  g_assert_true (test_qmp_add_device_sync (f->client, args, NULL, &error));
  g_assert_no_error (error);
  assert_sent (f, "add-device",
               "{\"kind\": \"disk\", \"id\": \"d0\", \"file\": {\"kind\": \"net\", \"mac\": \"52:54:00:12:34:56\"},"
               " \"backing\": null}");

  /* a deep copy, the same on the wire */
  copy = test_qmp_add_device_arguments_copy (args);
  g_assert_true (copy->disk != args->disk);
  g_assert_cmpint (copy->disk->file->kind, ==, TEST_QMP_ALTERNATE_KIND_OBJECT);
  g_assert_cmpstr (copy->disk->file->object->net->mac, ==, "52:54:00:12:34:56");
  g_assert_null (copy->disk->file->object->disk);
  g_assert_cmpint (copy->disk->backing->kind, ==, TEST_QMP_ALTERNATE_KIND_NULL);
  g_assert_true (test_qmp_add_device_sync (f->client, copy, NULL, &error));
  g_assert_no_error (error);
  assert_sent (f, "add-device",
               "{\"kind\": \"disk\", \"id\": \"d0\", \"file\": {\"kind\": \"net\", \"mac\": \"52:54:00:12:34:56\"},"
               " \"backing\": null}");

  /* the other branch of the alternate: a string */
  g_clear_pointer (&args->disk->file->object, test_qmp_add_device_arguments_free);
  args->disk->file->kind = TEST_QMP_ALTERNATE_KIND_STRING;
  args->disk->file->string = g_strdup ("node0");
  args->disk->backing->kind = TEST_QMP_ALTERNATE_KIND_STRING;
  args->disk->backing->string = g_strdup ("base");
  g_assert_true (test_qmp_add_device_sync (f->client, args, NULL, &error));
  g_assert_no_error (error);
  assert_sent (f, "add-device",
               "{\"kind\": \"disk\", \"id\": \"d0\", \"file\": \"node0\", \"backing\": \"base\"}");
}

/* ----- returns ----- */

static void
test_returns (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) things = NULL;
  g_autoptr(TestQmpQueryThingResult) thing = NULL;
  g_autoptr(TestQmpXTuneMode) mode = test_qmp_x_tune_mode_new ();
  g_autoptr(GArray) modes = NULL;
  g_autofree gchar *echoed = NULL;
  g_autoptr(JsonNode) any = NULL;
  TestQmpQueryThingsResult *first;
  gint64 tuned = 0;

  reply (f, "query-things", "[{\"id\": \"a\", \"sizes\": [3, 4]}, {\"id\": \"b\", \"new-member\": 1}]");
  things = test_qmp_query_things_sync (f->client, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (things->len, ==, 2);
  first = g_ptr_array_index (things, 0);
  g_assert_cmpstr (first->id, ==, "a");
  g_assert_cmpuint (first->sizes->len, ==, 2);
  g_assert_cmpint (g_array_index (first->sizes, gint64, 1), ==, 4);
  /* a member this schema does not know is left alone */
  g_assert_cmpstr (((TestQmpQueryThingsResult *) g_ptr_array_index (things, 1))->id, ==, "b");
  g_assert_null (((TestQmpQueryThingsResult *) g_ptr_array_index (things, 1))->sizes);

  reply (f, "query-thing", "{\"name\": \"n\", \"size\": 9007199254740993, \"ratio\": 2, \"mode\": \"on\","
         " \"tags\": [], \"extra\": null, \"child\": {\"id\": \"c\"}}");
  thing = test_qmp_query_thing_sync (f->client, "q", NULL, NULL, &error);
  g_assert_no_error (error);
  assert_sent (f, "query-thing", "{\"id\": \"q\"}");
  g_assert_cmpstr (thing->name, ==, "n");
  g_assert_cmpint (thing->size, ==, G_GINT64_CONSTANT (9007199254740993));
  g_assert_true (thing->has_ratio);
  g_assert_cmpfloat (thing->ratio, ==, 2.0);
  g_assert_false (thing->has_read_only);
  g_assert_true (thing->has_mode);
  g_assert_cmpint (thing->mode, ==, TEST_QMP_GET_MODE_RESULT_ON);
  g_assert_cmpuint (thing->tags->len, ==, 0);
  g_assert_true (JSON_NODE_HOLDS_NULL (thing->extra));
  g_assert_cmpstr (thing->child->id, ==, "c");

  /* a scalar return through an out parameter; an alternate's enum branch */
  reply (f, "x-tune", "42");
  mode->kind = TEST_QMP_ALTERNATE_KIND_ENUM;
  mode->enumeration = TEST_QMP_GET_MODE_RESULT_X_AUTO;
  g_assert_true (test_qmp_x_tune_sync (f->client, mode, NULL, &tuned, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tuned, ==, 42);
  assert_sent (f, "x-tune", "{\"mode\": \"x-auto\"}");

  reply (f, "list-modes", "[\"off\", \"x-auto\"]");
  modes = test_qmp_list_modes_sync (f->client, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (modes->len, ==, 2);
  g_assert_cmpint (g_array_index (modes, TestQmpGetModeResult, 1), ==, TEST_QMP_GET_MODE_RESULT_X_AUTO);

  reply (f, "echo", "\"hello\"");
  echoed = test_qmp_echo_sync (f->client, "dev", TEST_QMP_GET_MODE_RESULT_OFF, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (echoed, ==, "hello");
  assert_sent (f, "echo", "{\"device\": \"dev\", \"status\": \"off\"}");

  reply (f, "qom-thing", "[1, {\"x\": true}]");
  any = test_qmp_qom_thing_sync (f->client, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (any));
}

static void
refused_reply (Fixture *f, const gchar *value, const gchar *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestQmpQueryThingResult) thing = NULL;

  reply (f, "query-thing", value);
  thing = test_qmp_query_thing_sync (f->client, "q", NULL, NULL, &error);
  g_assert_null (thing);
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL);
  g_assert_cmpstr (error->message, ==, message);
}

static void
test_bad_replies (Fixture *f, gconstpointer data)
{
  refused_reply (f, "{\"name\": 5, \"size\": 1}",
                 "QEMU sent 'name' that is not a valid str (this layer follows QEMU test's schema)");
  refused_reply (f, "{\"name\": \"n\"}",
                 "QEMU left out 'size' of TestQmpQueryThingResult (this layer follows QEMU test's schema)");
  refused_reply (f, "{\"name\": \"n\", \"size\": 1, \"mode\": \"sideways\"}",
                 "QEMU sent 'sideways' for 'mode', which TestQmpGetModeResult of QEMU test does not have");
  refused_reply (f, "{\"name\": \"n\", \"size\": 1, \"tags\": [\"a\", 2]}",
                 "QEMU sent 'tags' that is not a valid str (this layer follows QEMU test's schema)");
  refused_reply (f, "{\"name\": \"n\", \"size\": 1.5}",
                 "QEMU sent 'size' that is not a valid int (this layer follows QEMU test's schema)");
  refused_reply (f, "[]", "QEMU sent 'query-thing' that is not a valid TestQmpQueryThingResult"
                 " (this layer follows QEMU test's schema)");
}

/* ----- async ----- */

typedef struct {
  GPtrArray *things;
  GError *error;
  gboolean done;
} ThingsCall;

static void
things_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ThingsCall *call = user_data;

  call->things = test_qmp_query_things_finish (AQMP_CLIENT (source), result, &call->error);
  call->done = TRUE;
}

static void
test_async (Fixture *f, gconstpointer data)
{
  ThingsCall call = { 0 };

  reply (f, "query-things", "[{\"id\": \"a\"}]");
  test_qmp_query_things_async (f->client, NULL, things_cb, &call);
  g_assert_true (aqmp_test_wait_for_flag (&call.done, WAIT_MS));
  g_assert_no_error (call.error);
  g_assert_cmpuint (call.things->len, ==, 1);
  g_ptr_array_unref (call.things);

  /* QEMU's own error comes through as it is */
  call = (ThingsCall) { 0 };
  aqmp_server_set_error (f->server, "query-things", "GenericError", "no things today");
  test_qmp_query_things_async (f->client, NULL, things_cb, &call);
  g_assert_true (aqmp_test_wait_for_flag (&call.done, WAIT_MS));
  g_assert_null (call.things);
  g_assert_error (call.error, AQMP_ERROR, AQMP_ERROR_COMMAND);
  g_assert_cmpstr (aqmp_error_get_qmp_desc (call.error), ==, "no things today");
  g_clear_error (&call.error);
}

/* ----- events ----- */

typedef struct {
  GPtrArray *changes;
  guint pings;
} Seen;

static void
changed_cb (AqmpClient *client, AqmpEvent *event, const TestQmpEchoArguments *data, gpointer user_data)
{
  Seen *seen = user_data;

  g_ptr_array_add (seen->changes, test_qmp_echo_arguments_copy (data));
}

static void
ping_cb (AqmpClient *client, AqmpEvent *event, gpointer user_data)
{
  Seen *seen = user_data;

  seen->pings++;
}

static gboolean
seen_ping (gpointer user_data)
{
  Seen *seen = user_data;

  return seen->pings > 0;
}

static void
emit (Fixture *f, const gchar *name, const gchar *data)
{
  g_autoptr(JsonNode) node = data != NULL ? json (data) : NULL;

  aqmp_server_emit_event (f->server, name, node != NULL ? json_node_get_object (node) : NULL);
}

static void
test_events (Fixture *f, gconstpointer data)
{
  Seen seen = { g_ptr_array_new_with_free_func ((GDestroyNotify) test_qmp_echo_arguments_free), 0 };
  TestQmpEchoArguments *change;
  gulong changed, ping;

  changed = test_qmp_connect_thing_changed (f->client, changed_cb, &seen, NULL);
  ping = test_qmp_connect_ping (f->client, ping_cb, &seen, NULL);
  emit (f, "THING_CHANGED", "{\"device\": \"d1\", \"status\": \"on\"}");
  /* data that does not fit the schema reach no typed callback */
  emit (f, "THING_CHANGED", "{\"device\": \"d2\", \"status\": \"sideways\"}");
  emit (f, "THING_CHANGED", "{\"device\": \"d3\", \"status\": \"x-auto\"}");
  emit (f, "PING", NULL);
  g_assert_true (aqmp_test_wait_until (seen_ping, &seen, WAIT_MS));
  g_assert_cmpuint (seen.changes->len, ==, 2);
  change = g_ptr_array_index (seen.changes, 0);
  g_assert_cmpstr (change->device, ==, "d1");
  g_assert_cmpint (change->status, ==, TEST_QMP_GET_MODE_RESULT_ON);
  change = g_ptr_array_index (seen.changes, 1);
  g_assert_cmpstr (change->device, ==, "d3");
  g_assert_cmpint (change->status, ==, TEST_QMP_GET_MODE_RESULT_X_AUTO);

  g_signal_handler_disconnect (f->client, changed);
  g_signal_handler_disconnect (f->client, ping);
  g_ptr_array_unref (seen.changes);
}

/* ----- types ----- */

static void
test_types (Fixture *f, gconstpointer data)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (TEST_QMP_TYPE_GET_MODE_RESULT);
  g_autoptr(TestQmpSetThingOptional) options = test_qmp_set_thing_optional_new ();
  TestQmpSetThingOptional *boxed;

  g_assert_cmpstr (g_enum_get_value (klass, TEST_QMP_GET_MODE_RESULT_X_AUTO)->value_nick, ==, "x-auto");
  g_assert_cmpstr (g_enum_get_value (klass, TEST_QMP_GET_MODE_RESULT_X_AUTO)->value_name, ==,
                   "TEST_QMP_GET_MODE_RESULT_X_AUTO");
  g_assert_true (G_TYPE_IS_ENUM (TEST_QMP_TYPE_ALTERNATE_KIND));
  g_assert_true (G_TYPE_IS_BOXED (TEST_QMP_TYPE_ADD_DEVICE_DISK_FILE));

  test_qmp_set_thing_optional_set_ratio (options, 1.25);
  boxed = g_boxed_copy (TEST_QMP_TYPE_SET_THING_OPTIONAL, options);
  g_assert_true (boxed->has_ratio);
  g_assert_cmpfloat (boxed->ratio, ==, 1.25);
  g_assert_false (boxed->has_read_only);
  g_boxed_free (TEST_QMP_TYPE_SET_THING_OPTIONAL, boxed);

  g_assert_cmpstr (test_qmp_get_qemu_version (), ==, "test");
  g_assert_true (g_strv_contains (test_qmp_get_commands (), "x-tune"));
  g_assert_true (g_strv_contains (test_qmp_get_events (), "THING_CHANGED"));
}

/* ----- the live schema ----- */

static void
test_live_schema (Fixture *f, gconstpointer data)
{
  g_autofree gchar *path = g_test_build_filename (G_TEST_DIST, "codegen", "schema.json", NULL);
  g_autofree gchar *text = NULL;
  g_autoptr(JsonNode) schema = NULL;
  g_autoptr(JsonArray) without = json_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *echoed = NULL;
  JsonArray *entries;

  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  schema = json (text);
  entries = json_node_get_array (schema);
  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *entry = json_array_get_object_element (entries, i);

      if (g_strcmp0 (json_object_get_string_member (entry, "name"), "echo") != 0)
        json_array_add_element (without, json_node_copy (json_array_get_element (entries, i)));
    }
  json_node_set_array (schema, without);
  aqmp_server_set_reply (f->server, "query-qmp-schema", schema);
  reply (f, "echo", "\"hello\"");

  g_assert_true (test_qmp_attach_sync (f->client, NULL, &error));
  g_assert_no_error (error);
  echoed = test_qmp_echo_sync (f->client, "dev", TEST_QMP_GET_MODE_RESULT_OFF, NULL, &error);
  g_assert_null (echoed);
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_INVALID);
  /* nothing of it reached the server */
  for (guint i = 0; i < aqmp_server_get_received (f->server)->len; i++)
    {
      JsonObject *request = g_ptr_array_index (aqmp_server_get_received (f->server), i);

      g_assert_cmpstr (json_object_get_string_member (request, "execute"), !=, "echo");
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/codegen/arguments", test_arguments);
  ADD ("/codegen/union", test_union);
  ADD ("/codegen/returns", test_returns);
  ADD ("/codegen/bad-replies", test_bad_replies);
  ADD ("/codegen/async", test_async);
  ADD ("/codegen/events", test_events);
  ADD ("/codegen/types", test_types);
  ADD ("/codegen/live-schema", test_live_schema);
#undef ADD

  return g_test_run ();
}
