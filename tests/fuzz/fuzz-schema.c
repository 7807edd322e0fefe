/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The QAPI validator against QEMU 7.2's real schema (tests/fixtures), fed
 * random calls: an object with "execute" and "arguments" is checked as
 * that call; any other object as the arguments of a command picked by the
 * input's size, under each compatibility policy. A refusal must be
 * AQMP_ERROR_INVALID with a message naming the command; nothing may crash
 * or leak. An array is read as a schema: aqmp_schema_new() must refuse
 * what it cannot index, and what it accepts must describe and diff
 * against itself to nothing.
 */
#include <string.h>

#include <aqmp/aqmp-qapi.h>

#include "fuzz-common.h"

static AqmpSchema *schema_72;
static GPtrArray *commands;

static void
quiet_cb (AqmpSchemaValidator *validator, const gchar *command, const gchar *message, gpointer user_data)
{
  g_assert (g_str_has_prefix (message, command));
}

static void
load_schema (void)
{
  g_autofree gchar *text = NULL;
  gsize length;
  g_autoptr(JsonNode) node = NULL;

  if (schema_72 != NULL)
    return;
  if (!g_file_get_contents (AQMP_FUZZ_SCHEMA, &text, &length, NULL))
    abort ();
  node = aqmp_json_parse (text, length, NULL);
  schema_72 = aqmp_schema_new (node, NULL);
  if (schema_72 == NULL)
    abort ();
  commands = aqmp_schema_list_commands (schema_72);
}

/* GLib's one-time allocations (types, signals, quarks) happen here, before
 * libFuzzer starts counting what each input leaves behind */
int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_autoptr(AqmpSchemaValidator) validator = NULL;
  g_autoptr(AqmpSchemaCache) cache = aqmp_schema_cache_new ("/nonexistent");
  g_autoptr(JsonNode) empty = NULL;

  g_setenv ("G_SLICE", "always-malloc", TRUE);
  g_log_set_writer_func (aqmp_fuzz_log_writer, NULL, NULL);
  load_schema ();
  validator = aqmp_schema_validator_new (schema_72);
  g_signal_connect (validator, "warning", G_CALLBACK (quiet_cb), NULL);
  aqmp_schema_validator_check (validator, "drive-backup", NULL, NULL);
  aqmp_schema_validator_check (validator, "no-such", NULL, NULL);
  empty = aqmp_json_parse ("[]", -1, NULL);
  g_object_unref (aqmp_schema_new (empty, NULL));
  return 0;
}

static void
check_call (const gchar *command, JsonObject *arguments, AqmpCompatAction action)
{
  g_autoptr(AqmpSchemaValidator) validator = aqmp_schema_validator_new (schema_72);
  g_autoptr(GError) error = NULL;

  aqmp_compat_policy_set_deprecated (aqmp_schema_validator_get_policy (validator), action);
  aqmp_compat_policy_set_unstable (aqmp_schema_validator_get_policy (validator), action);
  g_signal_connect (validator, "warning", G_CALLBACK (quiet_cb), NULL);
  if (aqmp_schema_validator_check (validator, command, arguments, &error))
    {
      g_assert (error == NULL);
      return;
    }
  g_assert (g_error_matches (error, AQMP_ERROR, AQMP_ERROR_INVALID));
  g_assert (strstr (error->message, command) != NULL);
}

/* the text reader agrees with the tree's on whatever JSON both can read */
static void
check_schema (JsonNode *node, const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) text_error = NULL;
  g_autoptr(AqmpSchema) schema = aqmp_schema_new (node, &error);
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(AqmpSchema) from_text = aqmp_schema_new_from_data (bytes, &text_error);
  g_autoptr(JsonNode) diff = NULL;

  g_assert ((schema == NULL) == (from_text == NULL));
  if (schema == NULL)
    {
      g_assert (g_error_matches (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL));
      g_assert (g_error_matches (text_error, AQMP_ERROR, AQMP_ERROR_PROTOCOL));
      return;
    }
  g_assert (aqmp_schema_get_n_entries (schema) == aqmp_schema_get_n_entries (from_text));
  g_assert (json_node_equal (aqmp_schema_get_json (from_text), node));
  diff = aqmp_schema_diff (schema, from_text);
  g_assert (json_array_get_length (json_node_get_array (diff)) == 0);
  g_clear_pointer (&diff, json_node_unref);
  diff = aqmp_schema_diff (schema, schema);
  g_assert (json_array_get_length (json_node_get_array (diff)) == 0);
  for (guint i = 0; i < aqmp_schema_get_n_entries (schema); i++)
    {
      const AqmpSchemaEntry *entry = aqmp_schema_get_entry (schema, i);
      g_autoptr(JsonNode) description = NULL;
      g_autofree gchar *text = NULL;

      if (aqmp_schema_entry_get_kind (entry) != AQMP_SCHEMA_KIND_COMMAND
          && aqmp_schema_entry_get_kind (entry) != AQMP_SCHEMA_KIND_EVENT)
        continue;
      description = aqmp_schema_describe (schema, aqmp_schema_entry_get_name (entry), NULL);
      g_assert (description != NULL);
      text = aqmp_schema_describe_text (description);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(JsonNode) node = NULL;
  JsonObject *object;
  JsonNode *execute;
  JsonNode *arguments;
  const gchar *command;

  load_schema ();
  node = aqmp_json_parse ((const gchar *) data, size, NULL);
  if (node == NULL)
    return 0;
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      check_schema (node, data, size);
      return 0;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return 0;
  object = json_node_get_object (node);
  execute = json_object_get_member (object, "execute");
  arguments = json_object_get_member (object, "arguments");
  if (execute != NULL && JSON_NODE_HOLDS_VALUE (execute) && json_node_get_value_type (execute) == G_TYPE_STRING)
    {
      command = json_node_get_string (execute);
      object = arguments != NULL && JSON_NODE_HOLDS_OBJECT (arguments) ? json_node_get_object (arguments) : NULL;
    }
  else
    command = aqmp_schema_entry_get_name (commands->pdata[size % commands->len]);
  for (AqmpCompatAction action = AQMP_COMPAT_ALLOW; action <= AQMP_COMPAT_REFUSE; action++)
    check_call (command, object, action);
  return 0;
}
