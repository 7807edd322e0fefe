/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libaqmp-qapi against QEMU 7.2's real schema (tests/fixtures, as
 * query-qmp-schema returned it): reading and walking it, validation with
 * paths and suggestions, the compatibility policy, describe and diff.
 * No peer: the schema is data. The tests against a server (what is sent
 * and what is not, the cache) are in test-qapi-server.c and
 * test-qapi-qemu.c.
 */
#include <aqmp/aqmp-qapi.h>

#include "aqmp-test-qemu.h"

static AqmpSchema *schema_72;

static JsonObject *
args (const gchar *json)
{
  return aqmp_test_object_from_json (json);
}

/* the call is refused with exactly @message */
static void
assert_refused (AqmpSchemaValidator *v, const gchar *command, const gchar *json, const gchar *message)
{
  g_autoptr(JsonObject) a = json != NULL ? args (json) : NULL;
  g_autoptr(GError) error = NULL;

  g_assert_false (aqmp_schema_validator_check (v, command, a, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, message);
}

static void
assert_valid (AqmpSchemaValidator *v, const gchar *command, const gchar *json)
{
  g_autoptr(JsonObject) a = json != NULL ? args (json) : NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (aqmp_schema_validator_check (v, command, a, &error));
  g_assert_no_error (error);
}

/* ----- reading and walking ----- */

static void
test_read (void)
{
  guint counts[AQMP_SCHEMA_KIND_EVENT + 1] = { 0 };
  g_autoptr(GPtrArray) commands = aqmp_schema_list_commands (schema_72);
  g_autoptr(GPtrArray) events = aqmp_schema_list_events (schema_72);

  g_assert_true (aqmp_schema_is_complete (schema_72));
  g_assert_cmpuint (aqmp_schema_get_n_entries (schema_72), ==, 1051);
  for (guint i = 0; i < aqmp_schema_get_n_entries (schema_72); i++)
    counts[aqmp_schema_entry_get_kind (aqmp_schema_get_entry (schema_72, i))]++;
  g_assert_cmpuint (counts[AQMP_SCHEMA_KIND_BUILTIN], ==, 6);
  g_assert_cmpuint (counts[AQMP_SCHEMA_KIND_ENUM], ==, 132);
  g_assert_cmpuint (counts[AQMP_SCHEMA_KIND_ARRAY], ==, 86);
  g_assert_cmpuint (counts[AQMP_SCHEMA_KIND_OBJECT], ==, 553);
  g_assert_cmpuint (counts[AQMP_SCHEMA_KIND_ALTERNATE], ==, 6);
  g_assert_cmpuint (counts[AQMP_SCHEMA_KIND_COMMAND], ==, 216);
  g_assert_cmpuint (counts[AQMP_SCHEMA_KIND_EVENT], ==, 52);
  g_assert_cmpuint (commands->len, ==, 216);
  g_assert_cmpuint (events->len, ==, 52);
  /* sorted by name */
  for (guint i = 1; i < commands->len; i++)
    g_assert_cmpint (g_strcmp0 (aqmp_schema_entry_get_name (commands->pdata[i - 1]),
                                aqmp_schema_entry_get_name (commands->pdata[i])), <, 0);
  g_assert_null (aqmp_schema_lookup_command (schema_72, "SHUTDOWN"));
  g_assert_nonnull (aqmp_schema_lookup_event (schema_72, "SHUTDOWN"));
}

/* blockdev-add: a boxed union, by driver, walked by names only */
static void
test_walk_union (void)
{
  const AqmpSchemaEntry *cmd = aqmp_schema_lookup_command (schema_72, "blockdev-add");
  const AqmpSchemaEntry *arg = aqmp_schema_entry_get_arg_type (cmd);
  const AqmpSchemaMember *driver;
  const AqmpSchemaVariant *qcow2;
  const AqmpSchemaMember *file;
  const AqmpSchemaEntry *ref;
  g_autofree gchar *words = NULL;

  g_assert_cmpint (aqmp_schema_entry_get_kind (arg), ==, AQMP_SCHEMA_KIND_OBJECT);
  g_assert_cmpstr (aqmp_schema_entry_get_tag (arg), ==, "driver");
  driver = aqmp_schema_entry_lookup_member (arg, "driver");
  g_assert_false (aqmp_schema_member_is_optional (driver));
  g_assert_cmpint (aqmp_schema_entry_get_kind (aqmp_schema_member_get_type_entry (driver)), ==,
                   AQMP_SCHEMA_KIND_ENUM);
  g_assert_cmpint (aqmp_schema_entry_find_value (aqmp_schema_member_get_type_entry (driver), "null-co"), >=, 0);
  g_assert_cmpuint (aqmp_schema_entry_get_n_variants (arg), >, 40);
  qcow2 = aqmp_schema_entry_lookup_variant (arg, "qcow2");
  g_assert_nonnull (qcow2);
  g_assert_cmpstr (aqmp_schema_variant_get_case (qcow2), ==, "qcow2");
  file = aqmp_schema_entry_lookup_member (aqmp_schema_variant_get_type_entry (qcow2), "file");
  g_assert_nonnull (file);
  ref = aqmp_schema_member_get_type_entry (file);
  /* BlockdevRef: the options themselves, or a node name */
  g_assert_cmpint (aqmp_schema_entry_get_kind (ref), ==, AQMP_SCHEMA_KIND_ALTERNATE);
  g_assert_cmpuint (aqmp_schema_entry_get_n_alternatives (ref), ==, 2);
  g_assert_true (aqmp_schema_entry_get_alternative (ref, 0) == arg
                 || aqmp_schema_entry_get_alternative (ref, 1) == arg);
  words = aqmp_schema_entry_describe_type (ref);
  g_assert_cmpstr (words, ==, "object, by driver or string");
  /* the masked names never need to be used, but are there */
  g_assert_false (aqmp_schema_entry_is_named (arg));
  g_assert_true (aqmp_schema_entry_is_named (cmd));
}

static void
test_walk_features (void)
{
  const AqmpSchemaEntry *backup = aqmp_schema_lookup_command (schema_72, "drive-backup");
  const AqmpSchemaEntry *unplug = aqmp_schema_lookup_event (schema_72, "MEM_UNPLUG_ERROR");
  const AqmpSchemaEntry *commit = aqmp_schema_lookup_command (schema_72, "block-commit");
  const AqmpSchemaEntry *oob = aqmp_schema_lookup_command (schema_72, "migrate-recover");
  const AqmpSchemaMember *base = aqmp_schema_entry_lookup_member (aqmp_schema_entry_get_arg_type (commit), "base");
  const AqmpSchemaEntry *status = aqmp_schema_entry_get_ret_type (aqmp_schema_lookup_command (schema_72,
                                                                                             "query-status"));

  g_assert_true (aqmp_schema_entry_has_feature (backup, "deprecated"));
  g_assert_cmpstr (aqmp_schema_entry_get_features (backup)[0], ==, "deprecated");
  g_assert_true (aqmp_schema_entry_has_feature (unplug, "deprecated"));
  g_assert_true (aqmp_schema_member_has_feature (base, "deprecated"));
  g_assert_true (aqmp_schema_entry_get_allow_oob (oob));
  g_assert_false (aqmp_schema_entry_get_allow_oob (backup));
  g_assert_nonnull (aqmp_schema_entry_lookup_member (status, "running"));
  /* a transaction action's type is an enum value with a feature */
  {
    const AqmpSchemaEntry *tx = aqmp_schema_entry_get_arg_type (aqmp_schema_lookup_command (schema_72, "transaction"));
    const AqmpSchemaEntry *actions = aqmp_schema_member_get_type_entry (aqmp_schema_entry_lookup_member (tx, "actions"));
    const AqmpSchemaEntry *action = aqmp_schema_entry_get_element_type (actions);
    const AqmpSchemaEntry *kinds = aqmp_schema_member_get_type_entry (aqmp_schema_entry_lookup_member (action, "type"));
    gint i = aqmp_schema_entry_find_value (kinds, "drive-backup");

    g_assert_cmpint (i, >=, 0);
    g_assert_cmpstr (aqmp_schema_entry_get_value_features (kinds, i)[0], ==, "deprecated");
  }
}

static void
test_read_malformed (void)
{
  const gchar *bad[] = {
    "{}",
    "[1]",
    "[{\"meta-type\": \"builtin\", \"json-type\": \"int\"}]",
    "[{\"name\": \"a\", \"meta-type\": \"frobnicate\"}]",
    "[{\"name\": \"a\", \"meta-type\": \"command\", \"arg-type\": \"9\", \"ret-type\": \"9\"}]",
    "[{\"name\": \"0\", \"meta-type\": \"object\", \"members\": [{\"name\": \"x\", \"type\": \"nope\"}]}]",
    "[{\"name\": \"a\", \"meta-type\": \"enum\", \"values\": [1]}]",
    "[{\"name\": \"a\", \"meta-type\": \"enum\", \"values\": []}, {\"name\": \"a\", \"meta-type\": \"enum\", \"values\": []}]",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = aqmp_json_parse (bad[i], -1, &error);
      g_autoptr(AqmpSchema) s = NULL;

      g_assert_no_error (error);
      s = aqmp_schema_new (node, &error);
      g_assert_null (s);
      g_assert_error (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL);
      g_assert_true (g_str_has_prefix (error->message, "not a QMP schema"));
    }
}

/* ----- validation ----- */

static void
test_validate_mistakes (void)
{
  g_autoptr(AqmpSchemaValidator) v = aqmp_schema_validator_new (schema_72);

  assert_refused (v, "blockdev-ad", "{}",
                  "unknown command 'blockdev-ad'; did you mean 'blockdev-add' or 'blockdev-del'?");
  assert_refused (v, "blockdev-add", "{\"driver\": \"null-co\", \"node-name\": \"x\", \"sise\": 5}",
                  "blockdev-add: sise: unknown member; did you mean 'size'?");
  assert_refused (v, "blockdev-add", "{\"driver\": \"nul-co\", \"node-name\": \"x\"}",
                  "blockdev-add: driver: 'nul-co' is not a valid value (42 values); did you mean 'null-co'?");
  assert_refused (v, "blockdev-add", "{\"node-name\": \"x\"}",
                  "blockdev-add: driver: missing mandatory member (one of: blkdebug, blklogwrites, blkreplay, "
                  "blkverify, bochs, cloop, compress, copy-before-write, copy-on-read, dmg, file, snapshot-access, "
                  "ftp, ftps, gluster, host_cdrom, host_device, http, https, iscsi, luks, nbd, nfs, "
                  "null-aio, null-co, nvme, parallels, preallocate, qcow, qcow2, qed, quorum, raw, "
                  "rbd, replication, ssh, throttle, vdi, vhdx, vmdk, vpc, vvfat)");
  assert_refused (v, "blockdev-add", "{\"driver\": \"null-co\", \"node-name\": \"x\", \"size\": \"big\"}",
                  "blockdev-add: size: expected integer, got string 'big'");
  assert_refused (v, "blockdev-add", "{\"driver\": \"null-co\", \"node-name\": \"x\", \"size\": 1.5}",
                  "blockdev-add: size: expected integer, got number 1.5");
  /* a member of another variant than the tag's */
  assert_refused (v, "blockdev-add", "{\"driver\": \"null-co\", \"node-name\": \"x\", \"file\": \"f\"}",
                  "blockdev-add: file: unknown member when driver is 'null-co'; it belongs to driver "
                  "'blklogwrites', 'bochs', 'cloop', ...");
  /* nested, in an array, in a union's data */
  assert_refused (v, "transaction",
                  "{\"actions\": [{\"type\": \"block-dirty-bitmap-add\", \"data\": {\"node\": \"n\", \"name\": \"b\"}},"
                  " {\"type\": \"blockdev-backup\", \"data\": {\"device\": \"a\", \"targt\": \"b\", \"sync\": \"full\"}}]}",
                  "transaction: actions[1].data.targt: unknown member; did you mean 'target'?");
  assert_refused (v, "transaction",
                  "{\"actions\": [{\"type\": \"blockdev-backup\", \"data\": {\"device\": \"a\", \"sync\": \"full\"}}]}",
                  "transaction: actions[0].data.target: missing mandatory member (string)");
  assert_refused (v, "transaction",
                  "{\"actions\": [{\"type\": \"blockdev-backup\", \"data\": {\"device\": \"a\", \"target\": \"b\", \"sync\": \"ful\"}}]}",
                  "transaction: actions[0].data.sync: 'ful' is not a valid value (5 values); did you mean 'full'?");
  assert_refused (v, "transaction", "{\"actions\": {}}",
                  "transaction: actions: expected array of object, by type, got an object");
  assert_refused (v, "query-status", "{\"verbose\": true}",
                  "query-status: verbose: unknown member: no arguments are taken here");
  /* alternates: a BlockdevRef is options or a node name, not a number */
  assert_refused (v, "blockdev-add", "{\"driver\": \"raw\", \"node-name\": \"x\", \"file\": 5}",
                  "blockdev-add: file: expected object, by driver or string, got integer 5");
  assert_refused (v, "blockdev-add",
                  "{\"driver\": \"raw\", \"node-name\": \"x\", \"file\": {\"driver\": \"file\", \"filenam\": \"/x\"}}",
                  "blockdev-add: file.filenam: unknown member; did you mean 'filename'?");
  assert_refused (v, "block-set-write-threshold", "{\"node-name\": \"x\", \"write-threshold\": true}",
                  "block-set-write-threshold: write-threshold: expected integer, got boolean true");
  /* of several wrong values, the first given is named, whatever the hash order */
  assert_refused (v, "blockdev-add", "{\"driver\": \"null-co\", \"node-name\": 1, \"size\": \"x\", \"read-zeroes\": 2}",
                  "blockdev-add: node-name: expected string, got integer 1");
  assert_refused (v, "blockdev-add", "{\"read-zeroes\": 2, \"size\": \"x\", \"driver\": \"null-co\", \"node-name\": 1}",
                  "blockdev-add: read-zeroes: expected boolean, got integer 2");
  /* unknown names come before missing ones, missing ones before values */
  assert_refused (v, "blockdev-backup", "{\"device\": 1, \"trget\": \"b\"}",
                  "blockdev-backup: trget: unknown member; did you mean 'target'?");
  assert_refused (v, "blockdev-backup", "{\"device\": 1, \"target\": \"b\"}",
                  "blockdev-backup: sync: missing mandatory member (one of: top, full, none, incremental, bitmap)");
  assert_refused (v, "blockdev-backup", NULL,
                  "blockdev-backup: device: missing mandatory member (string)");
}

static void
test_validate_valid (void)
{
  g_autoptr(AqmpSchemaValidator) v = aqmp_schema_validator_new (schema_72);

  assert_valid (v, "query-status", NULL);
  assert_valid (v, "query-status", "{}");
  assert_valid (v, "blockdev-add", "{\"driver\": \"null-co\", \"node-name\": \"x\", \"size\": 1048576}");
  assert_valid (v, "blockdev-add",
                "{\"driver\": \"qcow2\", \"node-name\": \"q\", \"file\": {\"driver\": \"file\", \"filename\": \"/x\"},"
                " \"backing\": null}");
  assert_valid (v, "blockdev-add", "{\"driver\": \"qcow2\", \"node-name\": \"q\", \"file\": \"proto\"}");
  assert_valid (v, "blockdev-add",
                "{\"driver\": \"blkdebug\", \"node-name\": \"d\", \"image\": {\"driver\": \"null-co\"},"
                " \"inject-error\": [{\"event\": \"read_aio\", \"errno\": 5, \"once\": true}]}");
  assert_valid (v, "transaction",
                "{\"actions\": [{\"type\": \"block-dirty-bitmap-add\", \"data\": {\"node\": \"n\", \"name\": \"b\"}},"
                " {\"type\": \"blockdev-backup\", \"data\": {\"device\": \"a\", \"target\": \"b\", \"sync\": \"full\"}}],"
                " \"properties\": {\"completion-mode\": \"grouped\"}}");
  /* numbers take integers; int takes the whole 64-bit range */
  assert_valid (v, "block-set-write-threshold",
                "{\"node-name\": \"x\", \"write-threshold\": 9223372036854775807}");
  assert_valid (v, "block-set-write-threshold",
                "{\"node-name\": \"x\", \"write-threshold\": -9223372036854775808}");
  /* device_add passes further members to the device: only its own are checked */
  assert_valid (v, "device_add", "{\"driver\": \"virtio-blk\", \"anything\": [1, {\"goes\": null}]}");
  assert_refused (v, "device_add", "{\"id\": \"x\"}", "device_add: driver: missing mandatory member (string)");
}

/* integers of sized builtins, in a schema that names them */
static void
test_validate_sized (void)
{
  static const gchar *text =
    "[{\"name\": \"set\", \"meta-type\": \"command\", \"arg-type\": \"0\", \"ret-type\": \"1\"},"
    " {\"name\": \"0\", \"meta-type\": \"object\", \"members\": ["
    "   {\"name\": \"u8\", \"type\": \"uint8\", \"default\": null},"
    "   {\"name\": \"i8\", \"type\": \"int8\", \"default\": null},"
    "   {\"name\": \"i32\", \"type\": \"int32\", \"default\": null},"
    "   {\"name\": \"u64\", \"type\": \"uint64\", \"default\": null},"
    "   {\"name\": \"sz\", \"type\": \"size\", \"default\": null}]},"
    " {\"name\": \"1\", \"meta-type\": \"object\", \"members\": []},"
    " {\"name\": \"uint8\", \"meta-type\": \"builtin\", \"json-type\": \"int\"},"
    " {\"name\": \"int8\", \"meta-type\": \"builtin\", \"json-type\": \"int\"},"
    " {\"name\": \"int32\", \"meta-type\": \"builtin\", \"json-type\": \"int\"},"
    " {\"name\": \"uint64\", \"meta-type\": \"builtin\", \"json-type\": \"int\"},"
    " {\"name\": \"size\", \"meta-type\": \"builtin\", \"json-type\": \"int\"}]";
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = aqmp_json_parse (text, -1, &error);
  g_autoptr(AqmpSchema) s = aqmp_schema_new (node, &error);
  g_autoptr(AqmpSchemaValidator) v = NULL;
  gint64 min;
  guint64 max;

  g_assert_no_error (error);
  v = aqmp_schema_validator_new (s);
  assert_valid (v, "set", "{\"u8\": 0, \"i8\": -128, \"i32\": 2147483647, \"u64\": 9223372036854775807, \"sz\": 0}");
  assert_valid (v, "set", "{\"u8\": 255, \"i8\": 127, \"i32\": -2147483648}");
  assert_refused (v, "set", "{\"u8\": 256}", "set: u8: integer 256 out of range: expected integer 0..255 (uint8)");
  assert_refused (v, "set", "{\"u8\": -1}", "set: u8: integer -1 out of range: expected integer 0..255 (uint8)");
  assert_refused (v, "set", "{\"i8\": -129}",
                  "set: i8: integer -129 out of range: expected integer -128..127 (int8)");
  assert_refused (v, "set", "{\"i32\": 2147483648}",
                  "set: i32: integer 2147483648 out of range: expected integer -2147483648..2147483647 (int32)");
  assert_refused (v, "set", "{\"sz\": -1}", "set: sz: integer -1 out of range: expected integer 0..2^64-1 (size)");
  g_assert_true (aqmp_schema_entry_get_int_range (aqmp_schema_lookup (s, "uint64"), &min, &max));
  g_assert_cmpint (min, ==, 0);
  g_assert_cmpuint (max, ==, G_MAXUINT64);
}

typedef struct {
  GPtrArray *messages;
} Warnings;

static void
warning_cb (AqmpSchemaValidator *v, const gchar *command, const gchar *message, gpointer user_data)
{
  Warnings *w = user_data;

  g_ptr_array_add (w->messages, g_strdup (message));
}

static void
test_policy (void)
{
  g_autoptr(AqmpSchemaValidator) v = aqmp_schema_validator_new (schema_72);
  AqmpCompatPolicy *policy = aqmp_schema_validator_get_policy (v);
  Warnings w = { g_ptr_array_new_with_free_func (g_free) };
  const gchar *backup = "{\"device\": \"a\", \"target\": \"/t\", \"sync\": \"full\"}";
  const gchar *commit = "{\"device\": \"a\", \"base\": \"b\"}";
  g_autoptr(GError) error = NULL;
  g_autofree gchar *text = NULL;

  g_signal_connect (v, "warning", G_CALLBACK (warning_cb), &w);
  /* the default: warn, and send */
  assert_valid (v, "drive-backup", backup);
  assert_valid (v, "block-commit", commit);
  assert_valid (v, "x-query-jit", NULL);
  g_assert_cmpuint (w.messages->len, ==, 3);
  g_assert_cmpstr (w.messages->pdata[0], ==, "drive-backup: deprecated command");
  g_assert_cmpstr (w.messages->pdata[1], ==, "block-commit: base: deprecated member");
  g_assert_cmpstr (w.messages->pdata[2], ==, "x-query-jit: unstable command");
  /* a refused call warns about nothing */
  assert_refused (v, "drive-backup", "{\"device\": 1, \"target\": \"/t\", \"sync\": \"full\"}",
                  "drive-backup: device: expected string, got integer 1");
  g_assert_cmpuint (w.messages->len, ==, 3);

  g_assert_true (aqmp_compat_policy_parse (policy, "deprecated=refuse", &error));
  g_assert_no_error (error);
  assert_refused (v, "drive-backup", backup,
                  "drive-backup: deprecated command, refused by the compatibility policy (deprecated=refuse)");
  assert_refused (v, "block-commit", commit,
                  "block-commit: base: deprecated member, refused by the compatibility policy (deprecated=refuse)");
  assert_refused (v, "transaction",
                  "{\"actions\": [{\"type\": \"drive-backup\", \"data\": {\"device\": \"a\", \"target\": \"/t\", \"sync\": \"full\"}}]}",
                  "transaction: actions[0].type: deprecated value 'drive-backup', refused by the compatibility "
                  "policy (deprecated=refuse)");
  assert_valid (v, "x-query-jit", NULL);
  g_assert_cmpuint (w.messages->len, ==, 4);

  g_assert_true (aqmp_compat_policy_parse (policy, "deprecated=allow,unstable=refuse", &error));
  assert_valid (v, "drive-backup", backup);
  assert_refused (v, "x-query-jit", NULL,
                  "x-query-jit: unstable command, refused by the compatibility policy (unstable=refuse)");
  g_assert_cmpuint (w.messages->len, ==, 4);
  text = aqmp_compat_policy_to_string (policy);
  g_assert_cmpstr (text, ==, "deprecated=allow,unstable=refuse");

  /* bad text changes nothing */
  g_assert_false (aqmp_compat_policy_parse (policy, "deprecated=warn,unstable=maybe", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint (aqmp_compat_policy_get_deprecated (policy), ==, AQMP_COMPAT_ALLOW);
  g_ptr_array_unref (w.messages);
}

static void
test_suggest (void)
{
  const gchar *names[] = { "size", "node-name", "driver", "discard", "cache", NULL };
  g_auto(GStrv) near = NULL;
  g_autofree gchar *hint = NULL;
  g_autofree gchar *list = NULL;

  g_assert_cmpuint (aqmp_suggest_distance ("size", "size"), ==, 0);
  g_assert_cmpuint (aqmp_suggest_distance ("sise", "size"), ==, 1);
  g_assert_cmpuint (aqmp_suggest_distance ("szie", "size"), ==, 1);
  g_assert_cmpuint (aqmp_suggest_distance ("", "abc"), ==, 3);
  near = aqmp_suggest_nearest ("sise", names, -1, 3);
  g_assert_cmpuint (g_strv_length (near), ==, 1);
  g_assert_cmpstr (near[0], ==, "size");
  hint = aqmp_suggest_hint ("drvier", names, -1);
  g_assert_cmpstr (hint, ==, "did you mean 'driver'?");
  list = aqmp_suggest_hint ("zzzzzz", names, -1);
  g_assert_cmpstr (list, ==, "expected one of: size, node-name, driver, discard, cache");
}

/* ----- describe and diff ----- */

static void
test_describe (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) d = aqmp_schema_describe (schema_72, "blockdev-backup", &error);
  g_autofree gchar *text = NULL;
  g_autoptr(JsonNode) add = NULL;
  g_autofree gchar *add_text = NULL;

  g_assert_no_error (error);
  text = aqmp_schema_describe_text (d);
  g_assert_true (g_str_has_prefix (text, "command blockdev-backup\narguments: object\n"
                                         "  job-id: string, optional\n  device: string\n"));
  g_assert_nonnull (strstr (text, "\n  sync: one of: top, full, none, incremental, bitmap\n"));
  g_assert_nonnull (strstr (text, "\n  x-perf: object, optional, unstable\n    use-copy-range: boolean, optional\n"));
  g_assert_true (g_str_has_suffix (text, "returns: none\n"));

  add = aqmp_schema_describe (schema_72, "blockdev-add", &error);
  add_text = aqmp_schema_describe_text (add);
  g_assert_nonnull (strstr (add_text, "\n  when driver is 'null-co':\n    size: integer, optional\n"));
  /* a block node's children are block nodes: described once */
  g_assert_nonnull (strstr (add_text, "    file: object, by driver or string (as above)\n"));

  g_assert_null (aqmp_schema_describe (schema_72, "blockdev-backpu", &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "no command or event 'blockdev-backpu'; did you mean 'blockdev-backup'?");
}

static void
test_diff_self (void)
{
  g_autoptr(JsonNode) diff = aqmp_schema_diff (schema_72, schema_72);

  g_assert_cmpuint (json_array_get_length (json_node_get_array (diff)), ==, 0);
}

int
main (int argc, char **argv)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  gint status;

  g_test_init (&argc, &argv, NULL);
  node = aqmp_test_fixture_json ("qemu-7.2-qmp-schema.json");
  schema_72 = aqmp_schema_new (node, &error);
  g_assert_no_error (error);
  g_test_add_func ("/qapi/read", test_read);
  g_test_add_func ("/qapi/walk-union", test_walk_union);
  g_test_add_func ("/qapi/walk-features", test_walk_features);
  g_test_add_func ("/qapi/read-malformed", test_read_malformed);
  g_test_add_func ("/qapi/validate/mistakes", test_validate_mistakes);
  g_test_add_func ("/qapi/validate/valid", test_validate_valid);
  g_test_add_func ("/qapi/validate/sized", test_validate_sized);
  g_test_add_func ("/qapi/policy", test_policy);
  g_test_add_func ("/qapi/suggest", test_suggest);
  g_test_add_func ("/qapi/describe", test_describe);
  g_test_add_func ("/qapi/diff-self", test_diff_self);
  status = g_test_run ();
  g_clear_object (&schema_72);
  return status;
}
