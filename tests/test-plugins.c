/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Loading plugins from the build tree (AQMP_PLUGIN_PATH), using what they
 * register, and refusing broken modules without harm to the host.
 */
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <aqmp/aqmp.h>
#include <aqmp/aqmp-plugin-loader.h>

#include "aqmp-test-fake-agent.h"
#include "aqmp-test-qemu.h"

static AqmpPlugin *
find_plugin (AqmpPluginLoader *loader, const gchar *name)
{
  GPtrArray *plugins = aqmp_plugin_loader_get_plugins (loader);

  for (guint i = 0; i < plugins->len; i++)
    if (g_strcmp0 (aqmp_plugin_get_name (g_ptr_array_index (plugins, i)), name) == 0)
      return g_ptr_array_index (plugins, i);
  return NULL;
}

static const gchar *
broken_dir (void)
{
  const gchar *dir = g_getenv ("AQMP_TEST_BROKEN_PLUGIN_DIR");

  g_assert_nonnull (dir);
  return dir;
}

/* ----- the build tree's plugins ----- */

static void
test_search_path (void)
{
  g_auto(GStrv) dirs = aqmp_plugin_loader_get_search_path ();
  g_auto(GStrv) env = g_strsplit (g_getenv ("AQMP_PLUGIN_PATH"), ":", -1);
  guint n = g_strv_length (dirs);

  g_assert_cmpuint (n, ==, g_strv_length (env) + 1);
  for (guint i = 0; env[i] != NULL; i++)
    g_assert_cmpstr (dirs[i], ==, env[i]);
  g_assert_true (g_str_has_suffix (dirs[n - 1], "/aqmp-1.0/plugins"));
}

static void
test_load_default (void)
{
  g_autoptr(AqmpPluginLoader) loader = aqmp_plugin_loader_new ();
  g_autoptr(AqmpProtocol) protocol = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) protocols = NULL;
  AqmpPlugin *qga;
  AqmpPlugin *example;
  AqmpWorkflow *workflow;

  g_assert_cmpuint (aqmp_plugin_loader_load_default (loader), >=, 2);
  /* nothing in the build tree's plugin directories is refused */
  for (guint i = 0; i < aqmp_plugin_loader_get_n_failures (loader); i++)
    g_assert_null (strstr (aqmp_plugin_failure_get_message (aqmp_plugin_loader_get_failure (loader, i)),
                           g_getenv ("AQMP_PLUGIN_PATH")));

  qga = find_plugin (loader, "qga");
  g_assert_nonnull (qga);
  g_assert_true (g_str_has_suffix (aqmp_plugin_get_path (qga), "/aqmp-plugin-qga.so"));
  protocols = aqmp_plugin_get_protocols (qga);
  g_assert_cmpuint (g_strv_length (protocols), ==, 1);
  g_assert_cmpstr (protocols[0], ==, "qga");
  g_assert_cmpuint (aqmp_plugin_get_workflows (qga)->len, ==, 2);
  g_assert_cmpstr (aqmp_workflow_get_name (g_ptr_array_index (aqmp_plugin_get_workflows (qga), 0)), ==,
                   "guest-info");
  g_assert_cmpstr (aqmp_workflow_get_name (g_ptr_array_index (aqmp_plugin_get_workflows (qga), 1)), ==,
                   "guest-exec");

  example = find_plugin (loader, "example");
  g_assert_nonnull (example);
  g_clear_pointer (&protocols, g_strfreev);
  protocols = aqmp_plugin_get_protocols (example);
  g_assert_cmpuint (g_strv_length (protocols), ==, 0);
  workflow = aqmp_plugin_loader_find_workflow (loader, "example-ping", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (aqmp_workflow_get_name (workflow), ==, "example-ping");
  g_assert_cmpstr (aqmp_workflow_get_description (workflow), !=, "");

  protocol = aqmp_plugin_loader_create_protocol (loader, "qga", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (aqmp_protocol_get_name (protocol), ==, "qga");
  g_assert_cmpstr (G_OBJECT_TYPE_NAME (protocol), ==, "AqmpQgaProtocol");
  g_assert_false (aqmp_protocol_has_greeting (protocol));

  g_assert_null (aqmp_plugin_loader_create_protocol (loader, "no-such", &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_null (aqmp_plugin_loader_find_workflow (loader, "no-such", &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_FAILED);
}

/* the same module twice is one plugin */
static void
test_load_twice (void)
{
  g_autoptr(AqmpPluginLoader) loader = aqmp_plugin_loader_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = g_strsplit (g_getenv ("AQMP_PLUGIN_PATH"), ":", -1);
  g_autofree gchar *path = g_build_filename (env[0], "aqmp-plugin-qga.so", NULL);

  g_assert_true (aqmp_plugin_loader_load_file (loader, path, &error));
  g_assert_no_error (error);
  g_assert_false (aqmp_plugin_loader_load_file (loader, path, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, "already loaded"));
  g_assert_cmpuint (aqmp_plugin_loader_get_plugins (loader)->len, ==, 1);
}

typedef struct {
  JsonNode *value;
  GError *error;
  gboolean done;
} RunResult;

static void
run_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  RunResult *r = user_data;

  r->value = aqmp_workflow_run_finish (AQMP_WORKFLOW (source), res, &r->error);
  r->done = TRUE;
}

/* a run as a host makes it: a context on a runner over @qmp, and @qga */
static void
run_workflow (AqmpWorkflow *workflow, AqmpClient *qmp, AqmpClient *qga, JsonObject *params, RunResult *r)
{
  g_autoptr(AqmpJobRunner) runner = qmp != NULL ? aqmp_job_runner_new (qmp, NULL, "test") : NULL;
  g_autoptr(AqmpGuestAgent) agent = qga != NULL ? aqmp_guest_agent_new (qga) : NULL;
  g_autoptr(AqmpWorkflowContext) context = aqmp_workflow_context_new (runner, agent);

  r->done = FALSE;
  aqmp_workflow_run_async (workflow, context, params, NULL, run_cb, r);
  g_assert_true (aqmp_test_wait_for_flag (&r->done, AQMP_TEST_WAIT_MS));
}

/* the plugin's protocol really speaks to a guest agent, and its
 * workflow runs over it */
static void
test_qga_plugin_protocol (void)
{
  g_autoptr(AqmpPluginLoader) loader = aqmp_plugin_loader_new ();
  g_autoptr(AqmpTestFakeAgent) agent = aqmp_test_fake_agent_new ();
  g_autoptr(AqmpProtocol) protocol = NULL;
  g_autoptr(AqmpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) pong = NULL;
  RunResult r = { 0, };
  AqmpWorkflow *workflow;
  JsonObject *summary;

  aqmp_plugin_loader_load_default (loader);
  protocol = aqmp_plugin_loader_create_protocol (loader, "qga", &error);
  g_assert_no_error (error);
  client = aqmp_test_fake_agent_connect (agent, protocol);
  g_assert_cmpuint (agent->n_syncs, ==, 1);
  pong = aqmp_client_execute_sync (client, "guest-ping", NULL, NULL, &error);
  g_assert_no_error (error);

  workflow = aqmp_plugin_loader_find_workflow (loader, "guest-info", &error);
  g_assert_no_error (error);
  run_workflow (workflow, NULL, client, NULL, &r);
  g_assert_no_error (r.error);
  summary = json_node_get_object (r.value);
  g_assert_cmpstr (json_object_get_string_member (summary, "version"), ==, "7.2.0-fake");
  g_assert_cmpint (json_object_get_int_member (summary, "enabled-commands"), >, 10);
  g_clear_pointer (&r.value, json_node_unref);

  /* guest-exec, as aqmp ga-exec runs it */
  {
    g_autoptr(JsonObject) params = json_object_new ();
    g_autoptr(JsonArray) args = json_array_new ();
    gsize len = 0;
    g_autofree guchar *out = NULL;

    agent->exec_exit_code = 3;
    g_free (agent->exec_out);
    agent->exec_out = g_strdup ("out\n");
    json_object_set_string_member (params, "path", "/bin/sh");
    json_array_add_string_element (args, "-c");
    json_array_add_string_element (args, "echo out; exit 3");
    json_object_set_array_member (params, "arg", g_steal_pointer (&args));
    workflow = aqmp_plugin_loader_find_workflow (loader, "guest-exec", &error);
    g_assert_no_error (error);
    run_workflow (workflow, NULL, client, params, &r);
    g_assert_no_error (r.error);
    summary = json_node_get_object (r.value);
    g_assert_cmpint (json_object_get_int_member (summary, "exit-status"), ==, 3);
    out = g_base64_decode (json_object_get_string_member (summary, "out-data"), &len);
    g_assert_cmpmem (out, len, "out\n", 4);
    g_clear_pointer (&r.value, json_node_unref);

    /* without a path: refused before anything is sent */
    run_workflow (workflow, NULL, client, NULL, &r);
    g_assert_error (r.error, AQMP_ERROR, AQMP_ERROR_FAILED);
    g_clear_error (&r.error);
  }
  aqmp_client_disconnect_sync (client, NULL, NULL);
}

static void
test_example_workflow (void)
{
  g_autoptr(AqmpPluginLoader) loader = aqmp_plugin_loader_new ();
  g_autoptr(AqmpTestFakeAgent) agent = aqmp_test_fake_agent_new ();
  g_autoptr(AqmpServer) qemu = aqmp_server_new ();
  g_autoptr(AqmpProtocol) protocol = NULL;
  g_autoptr(AqmpClient) qmp = NULL;
  g_autoptr(AqmpClient) qga = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *dir = aqmp_test_make_dir ();
  g_autofree gchar *qmp_address = g_strdup_printf ("unix:%s/qmp.sock", dir);
  g_autofree gchar *listening = NULL;
  RunResult r = { 0, };
  AqmpWorkflow *workflow;
  JsonObject *summary;

  aqmp_plugin_loader_load_default (loader);
  workflow = aqmp_plugin_loader_find_workflow (loader, "example-ping", &error);
  g_assert_no_error (error);
  listening = aqmp_server_listen (qemu, qmp_address, &error);
  g_assert_no_error (error);
  qmp = aqmp_test_connect (qmp_address);
  protocol = aqmp_plugin_loader_create_protocol (loader, "qga", &error);
  g_assert_no_error (error);
  qga = aqmp_test_fake_agent_connect (agent, protocol);

  /* QMP only */
  run_workflow (workflow, qmp, NULL, NULL, &r);
  g_assert_no_error (r.error);
  summary = json_node_get_object (r.value);
  g_assert_cmpstr (json_object_get_string_member (summary, "status"), ==, "running");
  g_assert_false (json_object_has_member (summary, "guest-agent"));
  g_clear_pointer (&r.value, json_node_unref);

  /* and with the guest agent */
  run_workflow (workflow, qmp, qga, NULL, &r);
  g_assert_no_error (r.error);
  summary = json_node_get_object (r.value);
  g_assert_cmpstr (json_object_get_string_member (summary, "status"), ==, "running");
  g_assert_true (json_object_get_boolean_member (summary, "guest-agent"));
  g_clear_pointer (&r.value, json_node_unref);

  aqmp_client_disconnect_sync (qga, NULL, NULL);
  aqmp_client_disconnect_sync (qmp, NULL, NULL);
  aqmp_server_stop (qemu);
  aqmp_test_remove_dir (dir);
}

/* ----- broken modules ----- */

typedef struct {
  const gchar *file;
  const gchar *why;
} Broken;

static const Broken broken[] = {
  { "aqmp-plugin-broken-no-abi.so", "no aqmp_plugin_abi_version symbol" },
  { "aqmp-plugin-broken-wrong-abi.so", "built for plugin ABI 1002" },
  /* the layout before libaqmp-plugin: refused before any symbol is bound */
  { "aqmp-plugin-broken-old-abi.so", "built for plugin ABI 1, this aqmp uses ABI 2" },
  { "aqmp-plugin-broken-no-query.so", "no aqmp_plugin_query entry point" },
  { "aqmp-plugin-broken-setup-fails.so", "setup failed: the example failure" },
};

static void
test_broken_each (void)
{
  g_autoptr(AqmpPluginLoader) loader = aqmp_plugin_loader_new ();

  for (guint i = 0; i < G_N_ELEMENTS (broken); i++)
    {
      g_autofree gchar *path = g_build_filename (broken_dir (), broken[i].file, NULL);
      g_autoptr(GError) error = NULL;

      g_test_message ("loading %s", path);
      g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
      g_assert_false (aqmp_plugin_loader_load_file (loader, path, &error));
      g_assert_error (error, AQMP_ERROR, AQMP_ERROR_FAILED);
      g_assert_nonnull (strstr (error->message, path));
      g_assert_nonnull (strstr (error->message, broken[i].why));
    }
  g_assert_cmpuint (aqmp_plugin_loader_get_plugins (loader)->len, ==, 0);
}

static void
test_broken_not_elf (void)
{
  g_autoptr(AqmpPluginLoader) loader = aqmp_plugin_loader_new ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *dir = aqmp_test_make_dir ();
  g_autofree gchar *path = g_build_filename (dir, "aqmp-plugin-text.so", NULL);
  g_autofree gchar *empty = g_build_filename (dir, "aqmp-plugin-empty.so", NULL);

  g_assert_true (g_file_set_contents (path, "#!/bin/sh\necho this is not a module\n", -1, NULL));
  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  g_assert_false (aqmp_plugin_loader_load_file (loader, path, &error));
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);
  g_assert_false (aqmp_plugin_loader_load_file (loader, empty, &error));
  g_assert_nonnull (strstr (error->message, empty));
  g_clear_error (&error);

  /* a missing file too */
  g_clear_pointer (&path, g_free);
  path = g_build_filename (dir, "aqmp-plugin-missing.so", NULL);
  g_assert_false (aqmp_plugin_loader_load_file (loader, path, &error));
  g_assert_nonnull (strstr (error->message, path));
  aqmp_test_remove_dir (dir);
}

/* a directory of bad modules next to good ones: each bad one is refused
 * and recorded, the good one loads, and the host goes on */
static void
test_broken_dir (void)
{
  g_autoptr(AqmpPluginLoader) loader = aqmp_plugin_loader_new ();
  g_autoptr(AqmpProtocol) protocol = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *dir = aqmp_test_make_dir ();
  g_autofree gchar *junk = g_build_filename (dir, "aqmp-plugin-junk.so", NULL);
  g_auto(GStrv) env = g_strsplit (g_getenv ("AQMP_PLUGIN_PATH"), ":", -1);
  g_autofree gchar *qga = g_build_filename (env[0], "aqmp-plugin-qga.so", NULL);
  g_autofree gchar *qga_link = g_build_filename (dir, "aqmp-plugin-qga.so", NULL);

  /* symlinks: a module copied under another path would register its
   * types a second time */
  for (guint i = 0; i < G_N_ELEMENTS (broken); i++)
    {
      g_autofree gchar *target = g_build_filename (broken_dir (), broken[i].file, NULL);
      g_autofree gchar *link = g_build_filename (dir, broken[i].file, NULL);
      g_assert_cmpint (symlink (target, link), ==, 0);
    }
  g_assert_cmpint (symlink (qga, qga_link), ==, 0);
  g_assert_true (g_file_set_contents (junk, "\x7f" "ELF but not really", -1, NULL));

  g_assert_cmpuint (aqmp_plugin_loader_load_dir (loader, dir), ==, 1);
  g_assert_nonnull (find_plugin (loader, "qga"));
  g_assert_cmpuint (aqmp_plugin_loader_get_n_failures (loader), ==, G_N_ELEMENTS (broken) + 1);
  for (guint i = 0; i < G_N_ELEMENTS (broken); i++)
    {
      g_autofree gchar *link = g_build_filename (dir, broken[i].file, NULL);
      gboolean named = FALSE;
      for (guint j = 0; j < aqmp_plugin_loader_get_n_failures (loader); j++)
        {
          const AqmpPluginFailure *failure = aqmp_plugin_loader_get_failure (loader, j);

          if (g_strcmp0 (aqmp_plugin_failure_get_path (failure), link) != 0)
            continue;
          named = TRUE;
          g_assert_nonnull (strstr (aqmp_plugin_failure_get_message (failure), link));
          g_assert_nonnull (strstr (aqmp_plugin_failure_get_message (failure), broken[i].why));
        }
      g_assert_true (named);
    }

  /* the survivors work */
  protocol = aqmp_plugin_loader_create_protocol (loader, "qga", &error);
  g_assert_no_error (error);
  g_assert_nonnull (protocol);
  aqmp_test_remove_dir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/aqmp/plugins/search-path", test_search_path);
  g_test_add_func ("/aqmp/plugins/load-default", test_load_default);
  g_test_add_func ("/aqmp/plugins/load-twice", test_load_twice);
  g_test_add_func ("/aqmp/plugins/qga-protocol", test_qga_plugin_protocol);
  g_test_add_func ("/aqmp/plugins/example-workflow", test_example_workflow);
  g_test_add_func ("/aqmp/plugins/broken/each", test_broken_each);
  g_test_add_func ("/aqmp/plugins/broken/not-elf", test_broken_not_elf);
  g_test_add_func ("/aqmp/plugins/broken/dir", test_broken_dir);

  return g_test_run ();
}
