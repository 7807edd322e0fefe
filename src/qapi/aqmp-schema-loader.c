/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmp-schema-loader.h"

/*
 * Getting a connected client's schema: once per connection (kept on the
 * client until it disconnects), from the cache when the greeting's
 * version and package are there, else from query-qmp-schema, which is
 * then cached. A server without query-qmp-schema gets a schema of names:
 * query-commands, or the guest agent's guest-info.
 */

static GQuark
aqmp_schema_loader_quark (void)
{
  static GQuark quark;

  if (G_UNLIKELY (quark == 0))
    quark = g_quark_from_static_string ("aqmp-qapi-schema");
  return quark;
}

static void
aqmp_schema_loader_forget_cb (AqmpClient *client, const GError *cause, gpointer user_data)
{
  g_object_set_qdata (G_OBJECT (client), aqmp_schema_loader_quark (), NULL);
}

/* keep @schema for this connection; the first time, learn when it ends */
static void
aqmp_schema_loader_remember (AqmpClient *client, AqmpSchema *schema)
{
  static GQuark watched;

  if (G_UNLIKELY (watched == 0))
    watched = g_quark_from_static_string ("aqmp-qapi-schema-watched");
  if (g_object_get_qdata (G_OBJECT (client), watched) == NULL)
    {
      g_signal_connect (client, "disconnected", G_CALLBACK (aqmp_schema_loader_forget_cb), NULL);
      g_object_set_qdata (G_OBJECT (client), watched, GINT_TO_POINTER (1));
    }
  g_object_set_qdata_full (G_OBJECT (client), aqmp_schema_loader_quark (), g_object_ref (schema),
                           g_object_unref);
}

/**
 * aqmp_schema_peek:
 * @client: an #AqmpClient
 *
 * Returns the schema loaded for @client's current connection, if any.
 *
 * Returns: (transfer none) (nullable): the schema loaded for @client's
 *   current connection, if any
 *
 * Since: 0.1
 */
AqmpSchema *
aqmp_schema_peek (AqmpClient *client)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (client), NULL);

  return g_object_get_qdata (G_OBJECT (client), aqmp_schema_loader_quark ());
}

typedef struct {
  AqmpSchemaCache *cache;
  guint version[3];
  gchar *package;
} AqmpSchemaLoad;

static void
aqmp_schema_load_free (gpointer data)
{
  AqmpSchemaLoad *load = data;

  g_clear_object (&load->cache);
  g_free (load->package);
  g_free (load);
}

static void
aqmp_schema_load_return (GTask *task, AqmpSchema *schema)
{
  aqmp_schema_loader_remember (g_task_get_source_object (task), schema);
  g_task_return_pointer (task, g_object_ref (schema), g_object_unref);
}

static void
aqmp_schema_load_names_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_finish (AQMP_CLIENT (source), res, &error);
  g_autoptr(AqmpSchema) schema = NULL;

  if (value != NULL)
    schema = aqmp_schema_new_from_commands (value, &error);
  if (schema == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  aqmp_schema_load_return (task, schema);
}

static void
aqmp_schema_load_schema_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  AqmpSchemaLoad *load = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_finish (AQMP_CLIENT (source), res, &error);
  g_autoptr(AqmpSchema) schema = NULL;
  g_autoptr(GError) store_error = NULL;

  if (value == NULL && g_strcmp0 (aqmp_error_get_qmp_class (error), "CommandNotFound") == 0)
    {
      /* older or restricted servers: names only */
      aqmp_client_execute_async (AQMP_CLIENT (source), "query-commands", NULL, g_task_get_cancellable (task),
                                 aqmp_schema_load_names_cb, g_steal_pointer (&task));
      return;
    }
  if (value != NULL)
    schema = aqmp_schema_new (value, &error);
  if (schema == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  aqmp_schema_set_server_version (schema, load->version[0], load->version[1], load->version[2], load->package);
  /* a cache that cannot be written costs a fetch next time, nothing more */
  if (load->cache != NULL && !aqmp_schema_cache_store (load->cache, schema, &store_error))
    g_log ("aqmp-qapi", G_LOG_LEVEL_DEBUG, "not caching the schema: %s", store_error->message);
  aqmp_schema_load_return (task, schema);
}

static const gchar *
aqmp_schema_load_package (JsonObject *greeting)
{
  JsonNode *qmp = json_object_get_member (greeting, "QMP");
  JsonNode *version;

  if (qmp == NULL || !JSON_NODE_HOLDS_OBJECT (qmp))
    return NULL;
  version = json_object_get_member (json_node_get_object (qmp), "version");
  if (version == NULL || !JSON_NODE_HOLDS_OBJECT (version))
    return NULL;
  return json_object_get_string_member_with_default (json_node_get_object (version), "package", NULL);
}

/**
 * aqmp_schema_load_async:
 * @client: a running #AqmpClient
 * @cache: (nullable): where schemas are kept between runs; %NULL for none
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the schema
 * @user_data: data for @callback
 *
 * Gets the schema of @client's server, once per connection: a second
 * call while the connection lasts returns the same schema. A QMP server's
 * comes from @cache when the greeting's version and package are there,
 * else from `query-qmp-schema` (stored in @cache); a server without it,
 * from `query-commands`; a server without a greeting (the guest agent),
 * from `guest-info` (command names only).
 *
 * The schema is fetched through @client: when a validator is attached,
 * detach it or let it allow `query-qmp-schema` (a schema does).
 *
 * Since: 0.1
 */
void
aqmp_schema_load_async (AqmpClient          *client,
                        AqmpSchemaCache     *cache,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  AqmpSchemaLoad *load;
  JsonObject *greeting;
  AqmpSchema *known;
  g_autoptr(AqmpSchema) cached = NULL;

  g_return_if_fail (AQMP_IS_CLIENT (client));
  g_return_if_fail (cache == NULL || AQMP_IS_SCHEMA_CACHE (cache));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, aqmp_schema_load_async);
  known = aqmp_schema_peek (client);
  if (known != NULL)
    {
      g_task_return_pointer (task, g_object_ref (known), g_object_unref);
      return;
    }
  greeting = aqmp_client_get_greeting (client);
  if (greeting == NULL)
    {
      aqmp_client_execute_async (client, "guest-info", NULL, cancellable, aqmp_schema_load_names_cb,
                                 g_steal_pointer (&task));
      return;
    }
  load = g_new0 (AqmpSchemaLoad, 1);
  load->cache = cache != NULL ? g_object_ref (cache) : NULL;
  aqmp_client_get_server_version (client, &load->version[0], &load->version[1], &load->version[2]);
  load->package = g_strdup (aqmp_schema_load_package (greeting));
  g_task_set_task_data (task, load, aqmp_schema_load_free);
  if (cache != NULL)
    cached = aqmp_schema_cache_lookup (cache, load->version[0], load->version[1], load->version[2],
                                       load->package, NULL);
  if (cached != NULL)
    {
      aqmp_schema_load_return (task, cached);
      return;
    }
  aqmp_client_execute_async (client, "query-qmp-schema", NULL, cancellable, aqmp_schema_load_schema_cb,
                             g_steal_pointer (&task));
}

/**
 * aqmp_schema_load_finish:
 * @client: the #AqmpClient
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes aqmp_schema_load_async().
 *
 * Returns: (transfer full) (nullable): the schema, or %NULL with @error set
 *
 * Since: 0.1
 */
AqmpSchema *
aqmp_schema_load_finish (AqmpClient *client, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == aqmp_schema_load_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
aqmp_schema_load_sync_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (res);
}

/**
 * aqmp_schema_load_sync:
 * @client: a running #AqmpClient
 * @cache: (nullable): the cache, or %NULL
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * aqmp_schema_load_async(), iterating @client's main context until it is
 * done. For plain programs; not from within that context's callbacks of
 * a client whose main loop runs in another thread.
 *
 * Returns: (transfer full) (nullable): the schema, or %NULL with @error set
 *
 * Since: 0.1
 */
AqmpSchema *
aqmp_schema_load_sync (AqmpClient *client, AqmpSchemaCache *cache, GCancellable *cancellable, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GMainContext *context;

  g_return_val_if_fail (AQMP_IS_CLIENT (client), NULL);

  context = aqmp_client_get_context (client);
  g_main_context_push_thread_default (context);
  aqmp_schema_load_async (client, cache, cancellable, aqmp_schema_load_sync_cb, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);
  return aqmp_schema_load_finish (client, result, error);
}
