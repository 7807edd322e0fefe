/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <aqmp/aqmp.h>
#include <aqmp/aqmp-qapi.h>

#include "aqmp-job-commands.h"
#include "aqmp-job-error.h"

/*
 * Which commands start jobs. The list is QEMU 7.2's: the commands whose
 * arguments have a `job-id` in data/qemu-7.2-qmp-schema.json, the schema
 * the typed layer is generated from (test-job-commands checks it). A
 * command not on it is looked up in the live schema of the QEMU at hand,
 * when the runner could fetch it: a command whose arguments have a
 * `job-id` member starts a job, one without does not, and a command QEMU
 * does not have is refused. Without a schema an unknown command is
 * refused rather than guessed at.
 */

typedef struct {
  const gchar *name;
  gboolean auto_dismiss;       /* takes auto-finalize and auto-dismiss */
} AqmpJobCommand;

static const AqmpJobCommand aqmp_job_commands[] = {
  { "blockdev-backup", TRUE },
  { "drive-backup", TRUE },
  { "blockdev-mirror", TRUE },
  { "drive-mirror", TRUE },
  { "block-commit", TRUE },
  { "block-stream", TRUE },
  /* jobs QEMU never dismisses itself */
  { "blockdev-create", FALSE },
  { "x-blockdev-amend", FALSE },
  { "snapshot-save", FALSE },
  { "snapshot-load", FALSE },
  { "snapshot-delete", FALSE },
};

/* the actions of `transaction` that start a job */
static const AqmpJobCommand aqmp_job_actions[] = {
  { "blockdev-backup", TRUE },
  { "drive-backup", TRUE },
};

/* and those that do not */
static const gchar * const aqmp_job_other_actions[] = {
  "abort",
  "block-dirty-bitmap-add",
  "block-dirty-bitmap-remove",
  "block-dirty-bitmap-clear",
  "block-dirty-bitmap-enable",
  "block-dirty-bitmap-disable",
  "block-dirty-bitmap-merge",
  "blockdev-snapshot",
  "blockdev-snapshot-internal-sync",
  "blockdev-snapshot-sync",
  NULL
};

static const AqmpJobCommand *
aqmp_job_command_lookup (const AqmpJobCommand *list, gsize n, const gchar *name)
{
  for (gsize i = 0; i < n; i++)
    if (g_strcmp0 (list[i].name, name) == 0)
      return &list[i];
  return NULL;
}

/* ----- QEMU's schema, read by libaqmp-qapi ----- */

typedef enum {
  AQMP_JOB_SCHEMA_ABSENT,      /* no such command or action */
  AQMP_JOB_SCHEMA_NO,
  AQMP_JOB_SCHEMA_YES,
} AqmpJobSchemaAnswer;

static AqmpJobSchemaAnswer
aqmp_job_schema_has_member (const AqmpSchemaEntry *type, const gchar *member)
{
  if (type == NULL)
    return AQMP_JOB_SCHEMA_ABSENT;
  return aqmp_schema_entry_lookup_member (type, member) != NULL ? AQMP_JOB_SCHEMA_YES : AQMP_JOB_SCHEMA_NO;
}

static AqmpJobSchemaAnswer
aqmp_job_schema_command_member (AqmpSchema *schema, const gchar *command, const gchar *member)
{
  const AqmpSchemaEntry *entry = aqmp_schema_lookup_command (schema, command);

  if (entry == NULL)
    return AQMP_JOB_SCHEMA_ABSENT;
  return aqmp_schema_entry_get_arg_type (entry) != NULL
         ? aqmp_job_schema_has_member (aqmp_schema_entry_get_arg_type (entry), member) : AQMP_JOB_SCHEMA_NO;
}

/* transaction's arguments -> actions: [union] -> the variant for @action
 * -> its data's type */
static AqmpJobSchemaAnswer
aqmp_job_schema_action_member (AqmpSchema *schema, const gchar *action, const gchar *member)
{
  const AqmpSchemaEntry *command = aqmp_schema_lookup_command (schema, "transaction");
  const AqmpSchemaEntry *arguments = command != NULL ? aqmp_schema_entry_get_arg_type (command) : NULL;
  const AqmpSchemaMember *actions = arguments != NULL ? aqmp_schema_entry_lookup_member (arguments, "actions") : NULL;
  const AqmpSchemaEntry *list = actions != NULL ? aqmp_schema_member_get_type_entry (actions) : NULL;
  const AqmpSchemaEntry *union_type = list != NULL ? aqmp_schema_entry_get_element_type (list) : NULL;
  const AqmpSchemaVariant *variant = union_type != NULL ? aqmp_schema_entry_lookup_variant (union_type, action) : NULL;
  const AqmpSchemaMember *data = variant != NULL
                                 ? aqmp_schema_entry_lookup_member (aqmp_schema_variant_get_type_entry (variant), "data")
                                 : NULL;

  if (data == NULL)
    return AQMP_JOB_SCHEMA_ABSENT;
  return aqmp_job_schema_has_member (aqmp_schema_member_get_type_entry (data), member);
}

/* ----- settings ----- */

static AqmpJobSettings
aqmp_job_settings_for (JsonObject *arguments, gboolean takes_auto_dismiss)
{
  AqmpJobSettings settings = { 0, };

  settings.manual_finalize = !aqmp_json_get_boolean (arguments, "auto-finalize", TRUE);
  settings.manual_dismiss = !aqmp_json_get_boolean (arguments, "auto-dismiss", TRUE);
  /* without auto-dismiss QEMU may keep the job concluded: ask it */
  settings.ask_at_concluded = !takes_auto_dismiss;
  return settings;
}

/**
 * aqmp_job_commands_find_job:
 * @command: the command a job was started with
 * @arguments: (nullable): the arguments it was sent with
 * @job_id: the job's id
 *
 * Returns: (transfer none) (nullable): the job's own arguments: @arguments,
 *   or for a `transaction` the data of the action that started @job_id
 */
JsonObject *
aqmp_job_commands_find_job (const gchar *command, JsonObject *arguments, const gchar *job_id)
{
  JsonArray *actions;

  if (g_strcmp0 (command, "transaction") != 0)
    return arguments;
  actions = aqmp_json_get_array (arguments, "actions");
  for (guint i = 0; actions != NULL && i < json_array_get_length (actions); i++)
    {
      JsonNode *node = json_array_get_element (actions, i);
      JsonObject *data = JSON_NODE_HOLDS_OBJECT (node)
                         ? aqmp_json_get_object (json_node_get_object (node), "data") : NULL;
      if (g_strcmp0 (aqmp_json_get_string (data, "job-id"), job_id) == 0)
        return data;
    }
  return NULL;
}

static const gchar *
aqmp_job_commands_action_type (JsonObject *arguments, const gchar *job_id)
{
  JsonArray *actions = aqmp_json_get_array (arguments, "actions");

  for (guint i = 0; actions != NULL && i < json_array_get_length (actions); i++)
    {
      JsonNode *node = json_array_get_element (actions, i);
      JsonObject *action = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      if (g_strcmp0 (aqmp_json_get_string (aqmp_json_get_object (action, "data"), "job-id"), job_id) == 0)
        return aqmp_json_get_string (action, "type");
    }
  return NULL;
}

/**
 * aqmp_job_commands_settings:
 * @command: the command a job was started with
 * @arguments: (nullable): the arguments it was sent with (the store's)
 * @job_id: the job's id
 *
 * How a job the runner finds again is to be treated. Arguments the runner
 * sent carry its own `auto-dismiss: false`.
 */
AqmpJobSettings
aqmp_job_commands_settings (const gchar *command, JsonObject *arguments, const gchar *job_id)
{
  JsonObject *job_arguments = aqmp_job_commands_find_job (command, arguments, job_id);
  const AqmpJobCommand *known;
  gboolean takes;

  if (g_strcmp0 (command, "transaction") == 0)
    known = aqmp_job_command_lookup (aqmp_job_actions, G_N_ELEMENTS (aqmp_job_actions),
                                     aqmp_job_commands_action_type (arguments, job_id));
  else
    known = aqmp_job_command_lookup (aqmp_job_commands, G_N_ELEMENTS (aqmp_job_commands), command);
  /* a command QEMU took auto-dismiss for takes it */
  takes = (known != NULL && known->auto_dismiss)
          || (job_arguments != NULL && json_object_has_member (job_arguments, "auto-dismiss"));
  return aqmp_job_settings_for (job_arguments, takes);
}

/* ----- planning a start ----- */

void
aqmp_job_plan_free (AqmpJobPlan *plan)
{
  g_free (plan->job_id);
  g_clear_pointer (&plan->arguments, json_object_unref);
  g_free (plan);
}

/* names the job in @arguments when it is not named, and keeps QEMU from
 * forgetting its outcome: the runner dismisses it once recorded */
static AqmpJobPlan *
aqmp_job_plan_one (JsonObject *arguments, gboolean takes_auto_dismiss, AqmpJobNewIdFunc new_id,
                   gpointer user_data)
{
  AqmpJobPlan *plan = g_new0 (AqmpJobPlan, 1);
  const gchar *id = aqmp_json_get_string (arguments, "job-id");

  plan->job_id = id != NULL ? g_strdup (id) : new_id (user_data);
  if (id == NULL)
    json_object_set_string_member (arguments, "job-id", plan->job_id);
  if (takes_auto_dismiss && !json_object_has_member (arguments, "auto-dismiss"))
    json_object_set_boolean_member (arguments, "auto-dismiss", FALSE);
  plan->arguments = json_object_ref (arguments);
  plan->settings = aqmp_job_settings_for (arguments, takes_auto_dismiss);
  return plan;
}

static AqmpJobPlanResult
aqmp_job_plan_fail (GError **error, const gchar *format, ...) G_GNUC_PRINTF (2, 3);

static AqmpJobPlanResult
aqmp_job_plan_fail (GError **error, const gchar *format, ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (AQMP_JOB_ERROR, AQMP_JOB_ERROR_NOT_A_JOB, format, args));
  va_end (args);
  return AQMP_JOB_PLAN_ERROR;
}

/* whether one action starts a job, and takes auto-dismiss */
static AqmpJobPlanResult
aqmp_job_plan_action_kind (const gchar *type, AqmpSchema *schema, gboolean *is_job, gboolean *takes,
                           GError **error)
{
  const AqmpJobCommand *known = aqmp_job_command_lookup (aqmp_job_actions, G_N_ELEMENTS (aqmp_job_actions), type);

  *is_job = known != NULL;
  *takes = known != NULL && known->auto_dismiss;
  if (known != NULL || g_strv_contains (aqmp_job_other_actions, type))
    return AQMP_JOB_PLAN_OK;
  if (schema == NULL)
    return AQMP_JOB_PLAN_NEED_SCHEMA;
  switch (aqmp_job_schema_action_member (schema, type, "job-id"))
    {
    case AQMP_JOB_SCHEMA_ABSENT:
      return aqmp_job_plan_fail (error, "transaction: QEMU has no action '%s'", type);
    case AQMP_JOB_SCHEMA_YES:
      *is_job = TRUE;
      *takes = aqmp_job_schema_action_member (schema, type, "auto-dismiss") == AQMP_JOB_SCHEMA_YES;
      break;
    default:
      break;
    }
  return AQMP_JOB_PLAN_OK;
}

/* each action gets a copy of itself and of its data, to be changed */
static JsonObject *
aqmp_job_copy_object (JsonObject *obj)
{
  JsonObject *copy = json_object_new ();
  JsonObjectIter iter;
  const gchar *name;
  JsonNode *value;

  json_object_iter_init_ordered (&iter, obj);
  while (json_object_iter_next_ordered (&iter, &name, &value))
    json_object_set_member (copy, name, json_node_ref (value));
  return copy;
}

static AqmpJobPlanResult
aqmp_job_plan_transaction (JsonObject *arguments, AqmpSchema *schema, AqmpJobNewIdFunc new_id,
                           gpointer user_data, GPtrArray *plans, GError **error)
{
  JsonArray *actions = aqmp_json_get_array (arguments, "actions");
  g_autoptr(JsonArray) copies = json_array_new ();
  g_autoptr(GString) types = g_string_new (NULL);

  if (actions == NULL)
    return aqmp_job_plan_fail (error, "transaction needs 'actions', an array of actions");
  for (guint i = 0; i < json_array_get_length (actions); i++)
    {
      JsonNode *node = json_array_get_element (actions, i);
      g_autoptr(JsonObject) action = NULL;
      g_autoptr(JsonObject) data = NULL;
      const gchar *type;
      gboolean is_job = FALSE;
      gboolean takes = FALSE;
      AqmpJobPlanResult result;

      type = JSON_NODE_HOLDS_OBJECT (node) ? aqmp_json_get_string (json_node_get_object (node), "type") : NULL;
      if (type == NULL)
        return aqmp_job_plan_fail (error, "transaction: action %u is not an object with a 'type'", i + 1);
      g_string_append_printf (types, "%s%s", types->len > 0 ? ", " : "", type);
      result = aqmp_job_plan_action_kind (type, schema, &is_job, &takes, error);
      if (result != AQMP_JOB_PLAN_OK)
        return result;
      action = aqmp_job_copy_object (json_node_get_object (node));
      if (is_job)
        {
          JsonObject *given = aqmp_json_get_object (action, "data");
          data = given != NULL ? aqmp_job_copy_object (given) : json_object_new ();
          g_ptr_array_add (plans, aqmp_job_plan_one (data, takes, new_id, user_data));
          json_object_set_object_member (action, "data", g_steal_pointer (&data));
        }
      json_array_add_object_element (copies, g_steal_pointer (&action));
    }
  if (plans->len == 0)
    return aqmp_job_plan_fail (error, "transaction starts no job: none of its actions (%s) creates one",
                               types->len > 0 ? types->str : "none");
  json_object_set_array_member (arguments, "actions", g_steal_pointer (&copies));
  return AQMP_JOB_PLAN_OK;
}

static gboolean
aqmp_job_plan_check_ids (GPtrArray *plans, GError **error)
{
  for (guint i = 0; i < plans->len; i++)
    for (guint j = i + 1; j < plans->len; j++)
      {
        const gchar *id = ((AqmpJobPlan *) g_ptr_array_index (plans, i))->job_id;
        if (g_strcmp0 (id, ((AqmpJobPlan *) g_ptr_array_index (plans, j))->job_id) == 0)
          {
            aqmp_job_plan_fail (error, "transaction: job id %s is given twice", id);
            return FALSE;
          }
      }
  return TRUE;
}

static AqmpJobPlanResult
aqmp_job_plan_command (const gchar *command, JsonObject *arguments, AqmpSchema *schema,
                       AqmpJobNewIdFunc new_id, gpointer user_data, GPtrArray *plans, GError **error)
{
  const AqmpJobCommand *known = aqmp_job_command_lookup (aqmp_job_commands, G_N_ELEMENTS (aqmp_job_commands),
                                                         command);
  gboolean takes;

  if (known != NULL)
    takes = known->auto_dismiss;
  else if (schema == NULL)
    return AQMP_JOB_PLAN_NEED_SCHEMA;
  else
    {
      switch (aqmp_job_schema_command_member (schema, command, "job-id"))
        {
        case AQMP_JOB_SCHEMA_ABSENT:
          return aqmp_job_plan_fail (error, "QEMU has no command %s", command);
        case AQMP_JOB_SCHEMA_NO:
          return aqmp_job_plan_fail (error, "%s does not start a job: QEMU's schema gives it no job-id", command);
        default:
          break;
        }
      takes = aqmp_job_schema_command_member (schema, command, "auto-dismiss") == AQMP_JOB_SCHEMA_YES;
    }
  g_ptr_array_add (plans, aqmp_job_plan_one (arguments, takes, new_id, user_data));
  return AQMP_JOB_PLAN_OK;
}

/**
 * aqmp_job_commands_plan:
 * @command: the command to start
 * @arguments: the arguments to send, the caller's own copy: job ids and
 *   `auto-dismiss: false` are added to it (and for a transaction, to
 *   copies of the job-creating actions it gets)
 * @schema: (nullable): QEMU's schema, if fetched
 * @new_id: makes a job id for a job that has none
 * @plans: (out) (element-type AqmpJobPlan): the jobs the command starts
 *
 * Returns: %AQMP_JOB_PLAN_OK; %AQMP_JOB_PLAN_ERROR with @error set
 *   (%AQMP_JOB_ERROR_NOT_A_JOB) for a command that starts no job; or
 *   %AQMP_JOB_PLAN_NEED_SCHEMA when only QEMU's schema can tell
 */
AqmpJobPlanResult
aqmp_job_commands_plan (const gchar *command, JsonObject *arguments, AqmpSchema *schema,
                        AqmpJobNewIdFunc new_id, gpointer user_data, GPtrArray **plans, GError **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) aqmp_job_plan_free);
  AqmpJobPlanResult result;

  if (g_strcmp0 (command, "transaction") == 0)
    result = aqmp_job_plan_transaction (arguments, schema, new_id, user_data, list, error);
  else
    result = aqmp_job_plan_command (command, arguments, schema, new_id, user_data, list, error);
  if (result == AQMP_JOB_PLAN_OK && !aqmp_job_plan_check_ids (list, error))
    result = AQMP_JOB_PLAN_ERROR;
  if (result == AQMP_JOB_PLAN_OK)
    *plans = g_steal_pointer (&list);
  return result;
}
