/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libaqmp-qmp, the layer aqmp-codegen generates from QEMU 7.2's schema,
 * against a real QEMU 7.2: typed arguments (a nested union, enums, a list
 * of unions), typed returns (structs, lists of them), a typed event, and
 * the live schema: every command of the layer is in it, and a command it
 * lacks fails with the schema layer's error before anything is sent.
 */
#include <string.h>

#include <aqmp/aqmp-qapi.h>
#include <aqmp/aqmp-qmp.h>

#include "aqmp-test-hold.h"
#include "aqmp-test-qemu.h"

#define WAIT_MS AQMP_TEST_WAIT_MS
#define MIB (1024 * 1024)

typedef struct {
  AqmpTestQemu *qemu;
  AqmpClient *client;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  const gchar * const extra[] = { "-drive", "if=none,id=drive0,driver=null-co", NULL };

  f->qemu = aqmp_test_qemu_new (data != NULL ? extra : NULL);
  f->client = aqmp_test_connect (f->qemu->address);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->client);
  aqmp_test_qemu_free (f->qemu);
}

/* ----- query-status ----- */

typedef struct {
  AqmpQmpStatusInfo *info;
  GError *error;
  gboolean done;
} StatusCall;

static void
status_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  StatusCall *call = user_data;

  call->info = aqmp_qmp_query_status_finish (AQMP_CLIENT (source), result, &call->error);
  call->done = TRUE;
}

static void
test_query_status (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpQmpStatusInfo) info = NULL;
  g_autoptr(JsonNode) untyped = NULL;
  StatusCall call = { 0 };
  GEnumClass *klass;
  JsonObject *object;

  info = aqmp_qmp_query_status_sync (f->client, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (info);
  /* the same answer as the untyped call, member by member */
  untyped = aqmp_client_execute_sync (f->client, "query-status", NULL, NULL, &error);
  g_assert_no_error (error);
  object = json_node_get_object (untyped);
  g_assert_cmpint (info->running, ==, json_object_get_boolean_member (object, "running"));
  g_assert_cmpint (info->singlestep, ==, json_object_get_boolean_member (object, "singlestep"));
  g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "running");
  g_assert_cmpint (info->status, ==, AQMP_QMP_RUN_STATE_RUNNING);
  g_assert_true (info->running);

  /* stopped, asynchronously: the enum follows */
  g_assert_true (aqmp_qmp_stop_sync (f->client, NULL, &error));
  g_assert_no_error (error);
  aqmp_qmp_query_status_async (f->client, NULL, status_cb, &call);
  g_assert_true (aqmp_test_wait_for_flag (&call.done, WAIT_MS));
  g_assert_no_error (call.error);
  g_assert_cmpint (call.info->status, ==, AQMP_QMP_RUN_STATE_PAUSED);
  g_assert_false (call.info->running);
  aqmp_qmp_status_info_free (call.info);

  /* registered types: a boxed struct, an enum with the wire's nicks */
  g_assert_true (G_TYPE_IS_BOXED (AQMP_QMP_TYPE_STATUS_INFO));
  klass = g_type_class_ref (AQMP_QMP_TYPE_RUN_STATE);
  g_assert_cmpstr (g_enum_get_value (klass, AQMP_QMP_RUN_STATE_PAUSED)->value_nick, ==, "paused");
  g_assert_cmpstr (g_enum_get_value (klass, AQMP_QMP_RUN_STATE_RESTORE_VM)->value_nick, ==, "restore-vm");
  g_type_class_unref (klass);
}

/* ----- blockdev-add: qcow2 over file, a union inside a union ----- */

static gchar *
make_qcow2 (Fixture *f)
{
  g_autofree gchar *path = aqmp_test_qemu_path (f->qemu, "disk.qcow2");
  const gchar *argv[] = { "qemu-img", "create", "-q", "-f", "qcow2", path, "16M", NULL };
  g_autoptr(GError) error = NULL;
  gint status = 0;

  g_spawn_sync (NULL, (gchar **) argv, (gchar **) aqmp_test_harness_environ (),
                G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return g_steal_pointer (&path);
}

/* the node, from a typed query-named-block-nodes */
static AqmpQmpBlockDeviceInfo *
find_node (Fixture *f, const gchar *name)
{
  g_autoptr(AqmpQmpQueryNamedBlockNodesOptional) options = aqmp_qmp_query_named_block_nodes_optional_new ();
  g_autoptr(GPtrArray) nodes = NULL;
  g_autoptr(GError) error = NULL;

  aqmp_qmp_query_named_block_nodes_optional_set_flat (options, TRUE);
  nodes = aqmp_qmp_query_named_block_nodes_sync (f->client, options, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < nodes->len; i++)
    {
      AqmpQmpBlockDeviceInfo *node = g_ptr_array_index (nodes, i);

      if (g_strcmp0 (node->node_name, name) == 0)
        return aqmp_qmp_block_device_info_copy (node);
    }
  return NULL;
}

static void
add_qcow2 (Fixture *f, const gchar *name, const gchar *path)
{
  g_autoptr(AqmpQmpBlockdevAddArguments) args = aqmp_qmp_blockdev_add_arguments_new ();
  g_autoptr(AqmpQmpBlockdevAddArguments) file = aqmp_qmp_blockdev_add_arguments_new ();
  g_autoptr(GError) error = NULL;

  file->driver = AQMP_QMP_BLOCKDEV_DRIVER_FILE;
  file->file = aqmp_qmp_blockdev_add_file_new ();
  file->file->filename = g_strdup (path);

  args->driver = AQMP_QMP_BLOCKDEV_DRIVER_QCOW2;
  args->node_name = g_strdup (name);
  args->qcow2 = aqmp_qmp_blockdev_add_qcow2_new ();
  args->qcow2->file = aqmp_qmp_blockdev_ref_new ();
  args->qcow2->file->kind = AQMP_QMP_ALTERNATE_KIND_OBJECT;
  args->qcow2->file->object = g_steal_pointer (&file);
  g_assert_true (aqmp_qmp_blockdev_add_sync (f->client, args, NULL, &error));
  g_assert_no_error (error);
}

static void
test_blockdev_add (Fixture *f, gconstpointer data)
{
  g_autofree gchar *path = make_qcow2 (f);
  g_autoptr(AqmpQmpBlockDeviceInfo) node = NULL;

  add_qcow2 (f, "disk", path);
  node = find_node (f, "disk");
  g_assert_nonnull (node);
  g_assert_cmpstr (node->drv, ==, "qcow2");
  g_assert_cmpstr (node->file, ==, path);
  g_assert_false (node->ro);
  g_assert_nonnull (node->image);
  g_assert_cmpint (node->image->virtual_size, ==, 16 * MIB);
  g_assert_cmpstr (node->image->format, ==, "qcow2");
}

/* ----- blockdev-backup, query-jobs and JOB_STATUS_CHANGE ----- */

typedef struct {
  GArray *statuses;                    /* AqmpQmpJobStatus of job "b0" */
  gint notified;
} Events;

static void
job_status_cb (AqmpClient *client, AqmpEvent *event, const AqmpQmpJobStatusChangeEvent *data,
               gpointer user_data)
{
  Events *events = user_data;

  g_assert_cmpstr (aqmp_event_get_name (event), ==, "JOB_STATUS_CHANGE");
  if (g_strcmp0 (data->id, "b0") == 0)
    g_array_append_val (events->statuses, data->status);
}

static void
events_gone (gpointer user_data)
{
  Events *events = user_data;

  events->notified++;
}

static gboolean
saw_status (gpointer user_data)
{
  Events *events = user_data;

  for (guint i = 0; i < events->statuses->len; i++)
    if (g_array_index (events->statuses, AqmpQmpJobStatus, i) == AQMP_QMP_JOB_STATUS_NULL)
      return TRUE;
  return FALSE;
}

static void
add_null (Fixture *f, const gchar *name, gint64 size)
{
  g_autoptr(AqmpQmpBlockdevAddArguments) args = aqmp_qmp_blockdev_add_arguments_new ();
  g_autoptr(GError) error = NULL;

  args->driver = AQMP_QMP_BLOCKDEV_DRIVER_NULL_CO;
  args->node_name = g_strdup (name);
  args->null_co = aqmp_qmp_blockdev_add_null_co_new ();
  args->null_co->has_size = TRUE;
  args->null_co->size = size;
  g_assert_true (aqmp_qmp_blockdev_add_sync (f->client, args, NULL, &error));
  g_assert_no_error (error);
}

/* the job "b0" in a typed query-jobs, once it has made progress */
static gboolean
b0_progressed (gpointer user_data)
{
  Fixture *f = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) jobs = aqmp_qmp_query_jobs_sync (f->client, NULL, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < jobs->len; i++)
    {
      AqmpQmpJobInfo *job = g_ptr_array_index (jobs, i);

      if (g_strcmp0 (job->id, "b0") == 0)
        return job->current_progress > 0;
    }
  return FALSE;
}

static void
test_backup_jobs_event (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpQmpBlockdevBackupOptional) options = aqmp_qmp_blockdev_backup_optional_new ();
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(GError) error = NULL;
  Events events = { g_array_new (FALSE, FALSE, sizeof (AqmpQmpJobStatus)), 0 };
  const AqmpQmpJobStatus expected[] = {
    AQMP_QMP_JOB_STATUS_CREATED, AQMP_QMP_JOB_STATUS_RUNNING, AQMP_QMP_JOB_STATUS_WAITING,
    AQMP_QMP_JOB_STATUS_PENDING, AQMP_QMP_JOB_STATUS_CONCLUDED, AQMP_QMP_JOB_STATUS_NULL,
  };
  AqmpQmpJobInfo *job;
  gulong handler;

  handler = aqmp_qmp_connect_job_status_change (f->client, job_status_cb, &events, events_gone);
  g_assert_cmpuint (handler, >, 0);
  add_null (f, "src", 64 * MIB);
  aqmp_test_hold_add (f->client, "tgt", 64 * MIB);

  aqmp_qmp_blockdev_backup_optional_set_job_id (options, "b0");
  aqmp_qmp_blockdev_backup_optional_set_on_target_error (options, AQMP_QMP_BLOCKDEV_ON_ERROR_STOP);
  g_assert_true (aqmp_qmp_blockdev_backup_sync (f->client, "src", AQMP_QMP_MIRROR_SYNC_MODE_FULL, "tgt",
                                                options, NULL, &error));
  g_assert_no_error (error);

  /* held: a list of typed jobs, this one running */
  g_assert_true (aqmp_test_wait_until (b0_progressed, f, WAIT_MS));
  jobs = aqmp_qmp_query_jobs_sync (f->client, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (jobs->len, ==, 1);
  job = g_ptr_array_index (jobs, 0);
  g_assert_cmpstr (job->id, ==, "b0");
  g_assert_cmpint (job->type, ==, AQMP_QMP_JOB_TYPE_BACKUP);
  g_assert_cmpint (job->status, ==, AQMP_QMP_JOB_STATUS_RUNNING);
  g_assert_cmpint (job->total_progress, >=, job->current_progress);
  g_assert_null (job->error);

  aqmp_test_hold_release (f->client, "tgt", NULL);
  g_assert_true (aqmp_test_wait_until (saw_status, &events, WAIT_MS));
  /* the life of a job in order; the drains that release the hold pause
   * and resume it in between */
  for (guint i = 0, next = 0; i < events.statuses->len; i++)
    {
      AqmpQmpJobStatus status = g_array_index (events.statuses, AqmpQmpJobStatus, i);

      if (next < G_N_ELEMENTS (expected) && status == expected[next])
        next++;
      else
        g_assert_true (status == AQMP_QMP_JOB_STATUS_PAUSED || status == AQMP_QMP_JOB_STATUS_RUNNING);
      if (i + 1 == events.statuses->len)
        g_assert_cmpuint (next, ==, G_N_ELEMENTS (expected));
    }

  g_signal_handler_disconnect (f->client, handler);
  g_assert_cmpint (events.notified, ==, 1);
  g_array_unref (events.statuses);
}

/* ----- query-block ----- */

static void
test_query_block (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) blocks = NULL;
  g_autoptr(GError) error = NULL;
  AqmpQmpBlockInfo *block;

  blocks = aqmp_qmp_query_block_sync (f->client, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (blocks->len, ==, 1);
  block = g_ptr_array_index (blocks, 0);
  g_assert_cmpstr (block->device, ==, "drive0");
  g_assert_cmpstr (block->type, ==, "unknown");
  /* a drive no device uses counts as removable */
  g_assert_true (block->removable);
  g_assert_false (block->locked);
  g_assert_null (block->qdev);
  g_assert_nonnull (block->inserted);
  g_assert_cmpstr (block->inserted->drv, ==, "null-co");
  g_assert_cmpint (block->inserted->detect_zeroes, ==, AQMP_QMP_BLOCKDEV_DETECT_ZEROES_OPTIONS_OFF);
  g_assert_nonnull (block->inserted->node_name);
  g_assert_cmpint (block->inserted->image->virtual_size, ==, 1024 * MIB);
  /* left out by QEMU (only devices that stop on errors have it), unset here */
  g_assert_false (block->has_io_status);
}

/* ----- transaction ----- */

static AqmpQmpTransactionAction *
bitmap_add (const gchar *node, const gchar *name)
{
  AqmpQmpTransactionAction *action = aqmp_qmp_transaction_action_new ();

  action->type = AQMP_QMP_TRANSACTION_ACTION_KIND_BLOCK_DIRTY_BITMAP_ADD;
  action->block_dirty_bitmap_add = aqmp_qmp_transaction_actions_block_dirty_bitmap_add_new ();
  action->block_dirty_bitmap_add->data = aqmp_qmp_block_dirty_bitmap_add_arguments_new ();
  action->block_dirty_bitmap_add->data->node = g_strdup (node);
  action->block_dirty_bitmap_add->data->name = g_strdup (name);
  return action;
}

static gboolean
has_bitmap (Fixture *f, const gchar *node_name, const gchar *bitmap)
{
  g_autoptr(AqmpQmpBlockDeviceInfo) node = find_node (f, node_name);

  g_assert_nonnull (node);
  for (guint i = 0; node->dirty_bitmaps != NULL && i < node->dirty_bitmaps->len; i++)
    {
      AqmpQmpQueryNamedBlockNodesResultDirtyBitmaps *info = g_ptr_array_index (node->dirty_bitmaps, i);

      if (g_strcmp0 (info->name, bitmap) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
test_transaction (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) actions = g_ptr_array_new_with_free_func ((GDestroyNotify) aqmp_qmp_transaction_action_free);
  g_autoptr(GPtrArray) failing = g_ptr_array_new_with_free_func ((GDestroyNotify) aqmp_qmp_transaction_action_free);
  g_autoptr(AqmpQmpTransactionOptional) options = aqmp_qmp_transaction_optional_new ();
  g_autoptr(AqmpQmpTransactionProperties) properties = aqmp_qmp_transaction_properties_new ();
  g_autoptr(GError) error = NULL;

  add_null (f, "src", 64 * MIB);
  g_ptr_array_add (actions, bitmap_add ("src", "b1"));
  g_ptr_array_add (actions, bitmap_add ("src", "b2"));
  g_assert_true (aqmp_qmp_transaction_sync (f->client, actions, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (has_bitmap (f, "src", "b1"));
  g_assert_true (has_bitmap (f, "src", "b2"));

  /* all or nothing: the second action fails, so the first is undone */
  properties->has_completion_mode = TRUE;
  properties->completion_mode = AQMP_QMP_TRANSACTION_PROPERTIES_COMPLETION_MODE_INDIVIDUAL;
  aqmp_qmp_transaction_optional_set_properties (options, properties);
  g_ptr_array_add (failing, bitmap_add ("src", "b3"));
  g_ptr_array_add (failing, bitmap_add ("no-such-node", "b4"));
  g_assert_false (aqmp_qmp_transaction_sync (f->client, failing, options, NULL, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_COMMAND);
  g_assert_false (has_bitmap (f, "src", "b3"));
}

/* ----- the live schema ----- */

static void
test_commands_exist (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpSchema) live = NULL;
  g_autoptr(GError) error = NULL;
  const gchar * const *commands = aqmp_qmp_get_commands ();
  const gchar * const *events = aqmp_qmp_get_events ();
  guint major = 0, minor = 0, micro = 0;

  g_assert_cmpstr (aqmp_qmp_get_qemu_version (), ==, "7.2");
  g_assert_true (aqmp_client_get_server_version (f->client, &major, &minor, &micro));
  g_assert_cmpuint (major, ==, 7);
  g_assert_cmpuint (minor, ==, 2);
  live = aqmp_schema_load_sync (f->client, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length ((gchar **) commands), >, 200);
  for (guint i = 0; commands[i] != NULL; i++)
    {
      if (aqmp_schema_lookup_command (live, commands[i]) == NULL)
        g_error ("the live schema has no command '%s'", commands[i]);
    }
  g_assert_cmpuint (g_strv_length ((gchar **) events), >, 40);
  for (guint i = 0; events[i] != NULL; i++)
    {
      if (aqmp_schema_lookup_event (live, events[i]) == NULL)
        g_error ("the live schema has no event '%s'", events[i]);
    }
}

/* the live schema as an older QEMU's: without query-jobs */
static AqmpSchema *
schema_without (AqmpSchema *live, const gchar *command)
{
  JsonArray *entries = json_node_get_array (aqmp_schema_get_json (live));
  g_autoptr(JsonArray) kept = json_array_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);
  g_autoptr(GError) error = NULL;
  AqmpSchema *schema;

  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *entry = json_array_get_object_element (entries, i);

      if (g_strcmp0 (json_object_get_string_member (entry, "name"), command) != 0)
        json_array_add_element (kept, json_node_copy (json_array_get_element (entries, i)));
    }
  json_node_set_array (node, kept);
  schema = aqmp_schema_new (node, &error);
  g_assert_no_error (error);
  return schema;
}

static void
test_missing_command (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpSchema) live = NULL;
  g_autoptr(AqmpSchema) older = NULL;
  g_autoptr(AqmpSchemaValidator) validator = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(GError) error = NULL;

  live = aqmp_schema_load_sync (f->client, NULL, NULL, &error);
  g_assert_no_error (error);
  older = schema_without (live, "query-jobs");
  validator = aqmp_schema_validator_new (older);
  aqmp_schema_validator_attach (validator, f->client);

  jobs = aqmp_qmp_query_jobs_sync (f->client, NULL, &error);
  g_assert_null (jobs);
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "query-jobs"));
  g_clear_error (&error);
  /* the others still go through */
  g_assert_true (aqmp_qmp_stop_sync (f->client, NULL, &error));
  g_assert_no_error (error);
}

/* attach: the live schema checks typed calls, so a member left out is
 * the schema layer's error, not QEMU's */
static void
test_attach (Fixture *f, gconstpointer data)
{
  g_autoptr(AqmpQmpBlockdevAddArguments) args = aqmp_qmp_blockdev_add_arguments_new ();
  g_autoptr(GError) error = NULL;

  g_assert_false (aqmp_client_has_check_func (f->client));
  g_assert_true (aqmp_qmp_attach_sync (f->client, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (aqmp_client_has_check_func (f->client));

  args->driver = AQMP_QMP_BLOCKDEV_DRIVER_FILE;
  args->node_name = g_strdup ("no-file");
  args->file = aqmp_qmp_blockdev_add_file_new ();   /* no filename */
  g_assert_false (aqmp_qmp_blockdev_add_sync (f->client, args, NULL, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "filename"));
  g_clear_error (&error);
  g_assert_null (find_node (f, "no-file"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, data) \
  g_test_add (path, Fixture, data, fixture_setup, func, fixture_teardown)
  ADD ("/qmp/query-status", test_query_status, NULL);
  ADD ("/qmp/blockdev-add/qcow2-over-file", test_blockdev_add, NULL);
  ADD ("/qmp/blockdev-backup/jobs-and-events", test_backup_jobs_event, NULL);
  ADD ("/qmp/query-block", test_query_block, "drive");
  ADD ("/qmp/transaction", test_transaction, NULL);
  ADD ("/qmp/live-schema/commands-exist", test_commands_exist, NULL);
  ADD ("/qmp/live-schema/missing-command", test_missing_command, NULL);
  ADD ("/qmp/live-schema/attach", test_attach, NULL);
#undef ADD

  return g_test_run ();
}
