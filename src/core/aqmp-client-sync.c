/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmp-client.h"

/*
 * Synchronous wrappers. All I/O happens on the client's own context, so a
 * sync call starts the async one there and then either drives that
 * context itself (a plain program, or the context's own thread) or, when
 * another thread is running it, sleeps until that thread completes the
 * call. It never iterates any other context; but when the client's
 * context is the application's (the main context), driving it re-enters
 * the application's loop: see "Synchronous calls iterate the client's
 * context" in the AqmpClient documentation, and docs/architecture.md for
 * why this is not a private context per call.
 */

typedef struct {
  GMutex lock;
  GCond cond;
  GAsyncResult *result;
  AqmpClient *client;
  AqmpClientSyncFunc start;
  gpointer data;
} AqmpSyncCall;

static void
aqmp_sync_call_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpSyncCall *call = user_data;

  g_mutex_lock (&call->lock);
  call->result = g_object_ref (res);
  g_cond_broadcast (&call->cond);
  g_mutex_unlock (&call->lock);
}

static gboolean
aqmp_sync_call_start_cb (gpointer user_data)
{
  AqmpSyncCall *call = user_data;
  GMainContext *context = aqmp_client_get_context (call->client);

  /* so that the call's GTask completes on the client's context */
  g_main_context_push_thread_default (context);
  call->start (call->data, aqmp_sync_call_done_cb, call);
  g_main_context_pop_thread_default (context);
  return G_SOURCE_REMOVE;
}

static gboolean
aqmp_sync_call_is_done (AqmpSyncCall *call)
{
  gboolean done;

  g_mutex_lock (&call->lock);
  done = call->result != NULL;
  g_mutex_unlock (&call->lock);
  return done;
}

/* wait a little for another thread, then check who owns the context */
#define AQMP_SYNC_RECHECK_US (50 * G_TIME_SPAN_MILLISECOND)

/**
 * aqmp_client_run_sync:
 * @self: an #AqmpClient
 * @start: (scope call): starts the async operation
 * @data: (closure): data for @start
 *
 * Runs an async operation to its end from any thread, as the client's own
 * `_sync` calls do: @start is called on the client's context (with it as
 * the thread-default context), then this thread either drives that
 * context, when nobody else runs it, or waits until the thread that runs
 * it completes the operation. For libraries built on #AqmpClient that
 * offer `_sync` variants of their own.
 *
 * Driving the client's context dispatches whatever else is attached to
 * it: for a client on the application's main context, the application's
 * sources run inside this call. A client made with a context of its own
 * pushed as thread-default keeps them out (see #AqmpClient).
 *
 * Returns: (transfer full): the operation's result, for its `_finish`
 *
 * Since: 0.1
 */
GAsyncResult *
aqmp_client_run_sync (AqmpClient *self, AqmpClientSyncFunc start, gpointer data)
{
  GMainContext *context = aqmp_client_get_context (self);
  AqmpSyncCall call = { 0, };
  GAsyncResult *result;

  g_mutex_init (&call.lock);
  g_cond_init (&call.cond);
  call.client = self;
  call.start = start;
  call.data = data;

  g_main_context_invoke (context, aqmp_sync_call_start_cb, &call);
  while (!aqmp_sync_call_is_done (&call))
    {
      if (g_main_context_acquire (context))
        {
          g_main_context_iteration (context, TRUE);
          g_main_context_release (context);
          continue;
        }
      g_mutex_lock (&call.lock);
      if (call.result == NULL)
        g_cond_wait_until (&call.cond, &call.lock, g_get_monotonic_time () + AQMP_SYNC_RECHECK_US);
      g_mutex_unlock (&call.lock);
    }
  result = call.result;
  g_mutex_clear (&call.lock);
  g_cond_clear (&call.cond);
  return result;
}

typedef struct {
  AqmpClient *client;
  const gchar *address;
  GIOStream *stream;
  const gchar *command;
  JsonObject *arguments;
  AqmpExecuteFlags flags;
  gint timeout_ms;
  GCancellable *cancellable;
  GUnixFDList *fds;
} AqmpSyncArgs;

static void
aqmp_sync_connect (gpointer data, GAsyncReadyCallback callback, gpointer user_data)
{
  AqmpSyncArgs *args = data;
  aqmp_client_connect_async (args->client, args->address, args->cancellable, callback, user_data);
}

/**
 * aqmp_client_connect_sync:
 * @self: an #AqmpClient
 * @address: the server's address
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The synchronous form of aqmp_client_connect_async(). Safe to call from
 * any thread. It may iterate the client's context, running whatever else
 * is attached to it (see #AqmpClient).
 *
 * Returns: %TRUE when the client is running
 *
 * Since: 0.1
 */
gboolean
aqmp_client_connect_sync (AqmpClient *self, const gchar *address, GCancellable *cancellable, GError **error)
{
  AqmpSyncArgs args = { .client = self, .address = address, .cancellable = cancellable };
  g_autoptr(GAsyncResult) res = NULL;

  g_return_val_if_fail (AQMP_IS_CLIENT (self), FALSE);
  res = aqmp_client_run_sync (self, aqmp_sync_connect, &args);
  return aqmp_client_connect_finish (self, res, error);
}

static void
aqmp_sync_connect_stream (gpointer data, GAsyncReadyCallback callback, gpointer user_data)
{
  AqmpSyncArgs *args = data;
  aqmp_client_connect_stream_async (args->client, args->stream, args->cancellable, callback, user_data);
}

/**
 * aqmp_client_connect_stream_sync:
 * @self: an #AqmpClient
 * @stream: a connected stream
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The synchronous form of aqmp_client_connect_stream_async().
 *
 * Returns: %TRUE when the client is running
 *
 * Since: 0.1
 */
gboolean
aqmp_client_connect_stream_sync (AqmpClient *self, GIOStream *stream, GCancellable *cancellable, GError **error)
{
  AqmpSyncArgs args = { .client = self, .stream = stream, .cancellable = cancellable };
  g_autoptr(GAsyncResult) res = NULL;

  g_return_val_if_fail (AQMP_IS_CLIENT (self), FALSE);
  res = aqmp_client_run_sync (self, aqmp_sync_connect_stream, &args);
  return aqmp_client_connect_finish (self, res, error);
}

static void
aqmp_sync_accept (gpointer data, GAsyncReadyCallback callback, gpointer user_data)
{
  AqmpSyncArgs *args = data;
  aqmp_client_accept_async (args->client, args->cancellable, callback, user_data);
}

/**
 * aqmp_client_accept_sync:
 * @self: an #AqmpClient
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The synchronous form of aqmp_client_accept_async().
 *
 * Returns: %TRUE when the client is running
 *
 * Since: 0.1
 */
gboolean
aqmp_client_accept_sync (AqmpClient *self, GCancellable *cancellable, GError **error)
{
  AqmpSyncArgs args = { .client = self, .cancellable = cancellable };
  g_autoptr(GAsyncResult) res = NULL;

  g_return_val_if_fail (AQMP_IS_CLIENT (self), FALSE);
  res = aqmp_client_run_sync (self, aqmp_sync_accept, &args);
  return aqmp_client_connect_finish (self, res, error);
}

static void
aqmp_sync_execute (gpointer data, GAsyncReadyCallback callback, gpointer user_data)
{
  AqmpSyncArgs *args = data;
  aqmp_client_execute_with_fds_async (args->client, args->command, args->arguments, args->fds,
                                      args->flags, args->timeout_ms, args->cancellable,
                                      callback, user_data);
}

/**
 * aqmp_client_execute_full_sync:
 * @self: an #AqmpClient
 * @command: the command's name
 * @arguments: (nullable): the command's arguments
 * @flags: #AqmpExecuteFlags
 * @timeout_ms: as for aqmp_client_execute_full_async()
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The synchronous form of aqmp_client_execute_full_async(). Safe to call
 * from any thread, including while another thread runs the client's
 * context. When no other thread runs it, this iterates the client's
 * context until the reply comes, running whatever else is attached to it:
 * for a client on the application's main context, the application's
 * sources (see #AqmpClient).
 *
 * Returns: (transfer full): the reply's `return` value, or %NULL
 *
 * Since: 0.1
 */
JsonNode *
aqmp_client_execute_full_sync (AqmpClient       *self,
                               const gchar      *command,
                               JsonObject       *arguments,
                               AqmpExecuteFlags  flags,
                               gint              timeout_ms,
                               GCancellable     *cancellable,
                               GError          **error)
{
  return aqmp_client_execute_with_fds_sync (self, command, arguments, NULL, flags, timeout_ms,
                                            cancellable, error);
}

/**
 * aqmp_client_execute_sync:
 * @self: an #AqmpClient
 * @command: the command's name
 * @arguments: (nullable): the command's arguments
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The synchronous form of aqmp_client_execute_async(). Like every
 * `_sync` call it may iterate the client's context, running whatever else
 * is attached to it (see #AqmpClient).
 *
 * Returns: (transfer full): the reply's `return` value, or %NULL
 *
 * Since: 0.1
 */
JsonNode *
aqmp_client_execute_sync (AqmpClient    *self,
                          const gchar   *command,
                          JsonObject    *arguments,
                          GCancellable  *cancellable,
                          GError       **error)
{
  return aqmp_client_execute_full_sync (self, command, arguments, AQMP_EXECUTE_FLAGS_NONE, -1,
                                        cancellable, error);
}

/**
 * aqmp_client_execute_with_fds_sync:
 * @self: an #AqmpClient
 * @command: the command's name
 * @arguments: (nullable): the command's arguments
 * @fds: (nullable): the file descriptors to pass with the command
 * @flags: #AqmpExecuteFlags
 * @timeout_ms: as for aqmp_client_execute_full_async()
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The synchronous form of aqmp_client_execute_with_fds_async(). Safe to
 * call from any thread.
 *
 * Returns: (transfer full): the reply's `return` value, or %NULL
 *
 * Since: 0.1
 */
JsonNode *
aqmp_client_execute_with_fds_sync (AqmpClient       *self,
                                   const gchar      *command,
                                   JsonObject       *arguments,
                                   GUnixFDList      *fds,
                                   AqmpExecuteFlags  flags,
                                   gint              timeout_ms,
                                   GCancellable     *cancellable,
                                   GError          **error)
{
  AqmpSyncArgs args = {
    .client = self, .command = command, .arguments = arguments, .fds = fds,
    .flags = flags, .timeout_ms = timeout_ms, .cancellable = cancellable,
  };
  g_autoptr(GAsyncResult) res = NULL;

  g_return_val_if_fail (AQMP_IS_CLIENT (self), NULL);
  g_return_val_if_fail (command != NULL, NULL);
  res = aqmp_client_run_sync (self, aqmp_sync_execute, &args);
  return aqmp_client_execute_finish (self, res, error);
}

static void
aqmp_sync_disconnect (gpointer data, GAsyncReadyCallback callback, gpointer user_data)
{
  AqmpSyncArgs *args = data;
  aqmp_client_disconnect_async (args->client, args->cancellable, callback, user_data);
}

/**
 * aqmp_client_disconnect_sync:
 * @self: an #AqmpClient
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The synchronous form of aqmp_client_disconnect_async().
 *
 * Returns: %TRUE when the connection ended cleanly
 *
 * Since: 0.1
 */
gboolean
aqmp_client_disconnect_sync (AqmpClient *self, GCancellable *cancellable, GError **error)
{
  AqmpSyncArgs args = { .client = self, .cancellable = cancellable };
  g_autoptr(GAsyncResult) res = NULL;

  g_return_val_if_fail (AQMP_IS_CLIENT (self), FALSE);
  res = aqmp_client_run_sync (self, aqmp_sync_disconnect, &args);
  return aqmp_client_disconnect_finish (self, res, error);
}
