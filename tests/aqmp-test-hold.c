/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "aqmp-test-hold.h"

/* about twelve days for the next MiB */
#define AQMP_TEST_HOLD_LIMITS "{\"bps-total\": 1}"

static JsonNode *
aqmp_test_hold_qmp (AqmpClient *client, const gchar *command, const gchar *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) args = json != NULL ? aqmp_test_object_from_json (json) : NULL;
  JsonNode *value = aqmp_client_execute_sync (client, command, args, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (value);
  return value;
}

static void
aqmp_test_hold_qmp_ok (AqmpClient *client, const gchar *command, const gchar *json)
{
  g_autoptr(JsonNode) value = aqmp_test_hold_qmp (client, command, json);
}

static void
aqmp_test_hold_set_limits (AqmpClient *client, const gchar *node, const gchar *limits)
{
  g_autofree gchar *json = g_strdup_printf ("{\"path\": \"%s-group\", \"property\": \"limits\", \"value\": %s}",
                                            node, limits);

  aqmp_test_hold_qmp_ok (client, "qom-set", json);
}

/**
 * aqmp_test_hold_add:
 * @node: the node name a job gets as its target; the test also adds
 *   NODE-group (the throttle group) and NODE-file (the null-co node)
 * @size: its size, the same as the job's source
 */
void
aqmp_test_hold_add (AqmpClient *client, const gchar *node, gint64 size)
{
  g_autofree gchar *group = g_strdup_printf ("{\"qom-type\": \"throttle-group\", \"id\": \"%s-group\","
                                             " \"limits\": " AQMP_TEST_HOLD_LIMITS "}", node);
  g_autofree gchar *file = g_strdup_printf ("{\"driver\": \"null-co\", \"node-name\": \"%s-file\","
                                            " \"size\": %" G_GINT64_FORMAT "}", node, size);
  g_autofree gchar *filter = g_strdup_printf ("{\"driver\": \"throttle\", \"node-name\": \"%s\","
                                              " \"throttle-group\": \"%s-group\", \"file\": \"%s-file\"}",
                                              node, node, node);

  aqmp_test_hold_qmp_ok (client, "object-add", group);
  aqmp_test_hold_qmp_ok (client, "blockdev-add", file);
  aqmp_test_hold_qmp_ok (client, "blockdev-add", filter);
}

/* opens the groups, then one reopen drains the nodes */
static void
aqmp_test_hold_release_all (AqmpClient *client, GPtrArray *nodes)
{
  g_autoptr(GString) json = g_string_new ("{\"options\": [");

  for (guint i = 0; i < nodes->len; i++)
    {
      const gchar *node = g_ptr_array_index (nodes, i);

      aqmp_test_hold_set_limits (client, node, "{}");
      g_string_append_printf (json, "%s{\"driver\": \"throttle\", \"node-name\": \"%s\","
                              " \"throttle-group\": \"%s-group\", \"file\": \"%s-file\"}",
                              i > 0 ? ", " : "", node, node, node);
    }
  g_string_append (json, "]}");
  aqmp_test_hold_qmp_ok (client, "blockdev-reopen", json->str);
}

/**
 * aqmp_test_hold_release:
 * @first_node: a hold node
 * @...: more, then %NULL
 *
 * Lets the jobs writing to the nodes run on.
 */
void
aqmp_test_hold_release (AqmpClient *client, const gchar *first_node, ...)
{
  g_autoptr(GPtrArray) nodes = g_ptr_array_new ();
  va_list args;

  va_start (args, first_node);
  for (const gchar *node = first_node; node != NULL; node = va_arg (args, const gchar *))
    g_ptr_array_add (nodes, (gpointer) node);
  va_end (args);
  aqmp_test_hold_release_all (client, nodes);
}

/**
 * aqmp_test_hold_close:
 * @node: a released hold node
 *
 * Holds again: the next request passes, the later ones wait. A job that
 * runs on meanwhile is not held; close a node while its job is paused.
 */
void
aqmp_test_hold_close (AqmpClient *client, const gchar *node)
{
  aqmp_test_hold_set_limits (client, node, AQMP_TEST_HOLD_LIMITS);
}

/**
 * aqmp_test_hold_step:
 * @node: the hold node @job_id writes to
 * @job_id: a held job
 *
 * Lets the held job make some progress, and holds it again: the job is
 * paused, released (it stops, paused, after the requests under way), held
 * again and resumed. Afterwards it runs, held, further on than before.
 */
void
aqmp_test_hold_step (AqmpClient *client, const gchar *node, const gchar *job_id)
{
  g_autofree gchar *id = g_strdup_printf ("{\"id\": \"%s\"}", job_id);
  g_autofree gchar *match_json = g_strdup_printf ("{\"id\": \"%s\", \"status\": \"paused\"}", job_id);
  g_autoptr(JsonObject) match = aqmp_test_object_from_json (match_json);
  g_autoptr(AqmpEventWaiter) paused = aqmp_event_waiter_new (client, "JOB_STATUS_CHANGE", match);
  g_autoptr(AqmpEvent) event = NULL;
  g_autoptr(GError) error = NULL;

  aqmp_test_hold_qmp_ok (client, "job-pause", id);
  aqmp_test_hold_release (client, node, NULL);
  event = aqmp_event_waiter_wait_sync (paused, AQMP_TEST_WAIT_MS, NULL, &error);
  g_assert_no_error (error);
  aqmp_test_hold_close (client, node);
  aqmp_test_hold_qmp_ok (client, "job-resume", id);
}

/**
 * aqmp_test_job_progress:
 *
 * Returns: the job's current-progress as QEMU has it, or -1 when QEMU has
 *   no such job
 */
gint64
aqmp_test_job_progress (AqmpClient *client, const gchar *job_id)
{
  g_autoptr(JsonNode) value = aqmp_test_hold_qmp (client, "query-jobs", NULL);
  JsonArray *jobs;

  g_assert_true (JSON_NODE_HOLDS_ARRAY (value));
  jobs = json_node_get_array (value);
  for (guint i = 0; i < json_array_get_length (jobs); i++)
    {
      JsonObject *job = json_array_get_object_element (jobs, i);

      if (g_strcmp0 (json_object_get_string_member (job, "id"), job_id) == 0)
        return json_object_get_int_member (job, "current-progress");
    }
  return -1;
}
