/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The job runner's list of job-creating commands (aqmp-job-commands.c)
 * against the schema the typed layer is generated from,
 * data/qemu-7.2-qmp-schema.json, read by libaqmp-qapi: every command and
 * `transaction` action whose arguments have a `job-id` is on the list,
 * with `auto-dismiss` exactly where the schema has it, and no other is
 * taken for a job. The list is private to the jobs library, so its file
 * is compiled into this test.
 */
#undef G_LOG_DOMAIN
#define AQMP_JOBS_COMPILATION
#include "../src/jobs/aqmp-job-commands.c"

static AqmpSchema *
load_schema (void)
{
  g_autofree gchar *path = g_build_filename (g_getenv ("AQMP_SRCDIR"), "data", "qemu-7.2-qmp-schema.json", NULL);
  g_autoptr(GError) error = NULL;
  AqmpSchema *schema = aqmp_schema_new_from_file (path, &error);

  g_assert_no_error (error);
  return schema;
}

static gchar *
new_id (gpointer user_data)
{
  return g_strdup ("j0");
}

static gboolean
has_member (const AqmpSchemaEntry *type, const gchar *member)
{
  return type != NULL && aqmp_schema_entry_lookup_member (type, member) != NULL;
}

static void
test_commands (void)
{
  g_autoptr(AqmpSchema) schema = load_schema ();
  g_autoptr(GPtrArray) commands = aqmp_schema_list_commands (schema);
  guint n_jobs = 0;

  for (guint i = 0; i < commands->len; i++)
    {
      const AqmpSchemaEntry *entry = g_ptr_array_index (commands, i);
      const gchar *name = aqmp_schema_entry_get_name (entry);
      const AqmpSchemaEntry *arguments = aqmp_schema_entry_get_arg_type (entry);
      g_autoptr(JsonObject) args = json_object_new ();
      g_autoptr(JsonObject) args_live = json_object_new ();
      g_autoptr(GPtrArray) plans = NULL;
      g_autoptr(GPtrArray) plans_live = NULL;
      g_autoptr(GError) error = NULL;
      AqmpJobPlanResult result;

      if (g_strcmp0 (name, "transaction") == 0)
        continue;
      result = aqmp_job_commands_plan (name, args, NULL, new_id, NULL, &plans, &error);
      if (!has_member (arguments, "job-id"))
        {
          /* not on the list: only the schema can tell, and it says no */
          g_assert_cmpint (result, ==, AQMP_JOB_PLAN_NEED_SCHEMA);
          g_assert_no_error (error);
          result = aqmp_job_commands_plan (name, args_live, schema, new_id, NULL, &plans_live, &error);
          g_assert_cmpint (result, ==, AQMP_JOB_PLAN_ERROR);
          g_assert_error (error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_NOT_A_JOB);
          continue;
        }
      g_test_message ("%s starts a job%s", name,
                      has_member (arguments, "auto-dismiss") ? ", takes auto-dismiss" : "");
      g_assert_no_error (error);
      g_assert_cmpint (result, ==, AQMP_JOB_PLAN_OK);
      g_assert_cmpuint (plans->len, ==, 1);
      g_assert_cmpstr (aqmp_json_get_string (args, "job-id"), ==, "j0");
      g_assert_cmpint (json_object_has_member (args, "auto-dismiss"), ==, has_member (arguments, "auto-dismiss"));
      n_jobs++;
    }
  g_assert_cmpuint (n_jobs, ==, G_N_ELEMENTS (aqmp_job_commands));
}

static void
test_actions (void)
{
  g_autoptr(AqmpSchema) schema = load_schema ();
  const AqmpSchemaEntry *command = aqmp_schema_lookup_command (schema, "transaction");
  const AqmpSchemaMember *actions = aqmp_schema_entry_lookup_member (aqmp_schema_entry_get_arg_type (command), "actions");
  const AqmpSchemaEntry *action = aqmp_schema_entry_get_element_type (aqmp_schema_member_get_type_entry (actions));
  guint n_jobs = 0;

  g_assert_cmpuint (aqmp_schema_entry_get_n_variants (action), >, 0);
  for (guint i = 0; i < aqmp_schema_entry_get_n_variants (action); i++)
    {
      const AqmpSchemaVariant *variant = aqmp_schema_entry_get_variant (action, i);
      const gchar *type = aqmp_schema_variant_get_case (variant);
      const AqmpSchemaMember *data = aqmp_schema_entry_lookup_member (aqmp_schema_variant_get_type_entry (variant),
                                                                      "data");
      const AqmpSchemaEntry *data_type = aqmp_schema_member_get_type_entry (data);
      g_autofree gchar *text = g_strdup_printf ("{\"actions\": [{\"type\": \"%s\", \"data\": {}}]}", type);
      g_autoptr(JsonNode) node = json_from_string (text, NULL);
      g_autoptr(GPtrArray) plans = NULL;
      g_autoptr(GError) error = NULL;
      AqmpJobPlanResult result;

      /* one action alone, without the schema: the list knows them all */
      result = aqmp_job_commands_plan ("transaction", json_node_get_object (node), NULL, new_id, NULL, &plans, &error);
      if (!has_member (data_type, "job-id"))
        {
          g_assert_cmpint (result, ==, AQMP_JOB_PLAN_ERROR);
          g_assert_error (error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_NOT_A_JOB);
          g_assert_nonnull (strstr (error->message, "starts no job"));
          continue;
        }
      g_test_message ("action %s starts a job", type);
      g_assert_no_error (error);
      g_assert_cmpint (result, ==, AQMP_JOB_PLAN_OK);
      g_assert_cmpuint (plans->len, ==, 1);
      g_assert_cmpint (json_object_has_member (((AqmpJobPlan *) g_ptr_array_index (plans, 0))->arguments,
                                               "auto-dismiss"), ==, has_member (data_type, "auto-dismiss"));
      n_jobs++;
    }
  g_assert_cmpuint (n_jobs, ==, G_N_ELEMENTS (aqmp_job_actions));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/aqmp/jobs/commands/list-matches-7.2", test_commands);
  g_test_add_func ("/aqmp/jobs/commands/actions-match-7.2", test_actions);
  return g_test_run ();
}
