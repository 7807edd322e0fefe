/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <gio/gunixsocketaddress.h>

#include "aqmp-address-private.h"
#include "aqmp-error.h"
#include "aqmp-server-answers-private.h"
#include "aqmp-server-builtin-private.h"
#include "aqmp-server-connection-private.h"
#include "aqmp-server-reply-private.h"
#include "aqmp-server-script-private.h"
#include "aqmp-server.h"

/**
 * AqmpServer:
 *
 * A fake QMP server for tests: it speaks QMP on Unix or TCP sockets (or on
 * streams handed to it), answers from scripted expectations, handlers,
 * canned replies or built-in defaults, and injects faults on demand.
 *
 * It runs on the thread-default #GMainContext of the thread that called
 * aqmp_server_new() and is not thread-safe: use it from that context only.
 *
 * Since: 0.1
 */

/*
 * This file listens, keeps the connections, dispatches each request and
 * sends what answers it, with delays, side effects and faults. Who
 * answers, first come first served: the script (aqmp-server-script.c),
 * the handlers and canned replies a test set (aqmp-server-answers.c),
 * then QEMU's built-ins (aqmp-server-builtin.c).
 */

#define AQMP_SERVER_OVERSIZED_PIECE 65536

struct _AqmpServer {
  GObject parent_instance;

  GMainContext *context;
  GSocketListener *listener;
  GCancellable *cancellable;
  GPtrArray *unix_paths;
  GPtrArray *connections;   /* AqmpServerConnection, owned */
  GPtrArray *delayed;       /* GSource, delayed replies */
  guint next_connection_id;

  JsonObject *greeting;     /* nullable */
  gchar *pre_greeting;
  gchar *line_ending;
  gboolean require_negotiation;
  gsize chunk_size;
  gboolean paused;          /* connections do not read */
  gboolean running;

  AqmpServerScript *script;   /* scripted expectations */
  AqmpServerAnswers *answers; /* handlers and canned replies */
  GHashTable *delays;         /* command → delay in ms */
  GPtrArray *received;        /* JsonObject */
};

G_DEFINE_FINAL_TYPE (AqmpServer, aqmp_server, G_TYPE_OBJECT)


/* small helpers */

static JsonObject *
aqmp_server_get_arguments (JsonObject *request)
{
  JsonNode *node = json_object_get_member (request, "arguments");

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_node_get_object (node);
}

/* the client's own parser, so both accept the same addresses; the test
 * server adds one rule: it listens on loopback only */
static GSocketAddress *
aqmp_server_parse_address (const gchar *address, GError **error)
{
  g_autoptr(GSocketAddress) parsed = aqmp_address_parse_listen (address, error);
  GInetAddress *inet;

  if (parsed == NULL || !G_IS_INET_SOCKET_ADDRESS (parsed))
    return g_steal_pointer (&parsed);
  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (parsed));
  if (!g_inet_address_get_is_loopback (inet))
    {
      g_set_error (error, AQMP_ERROR, AQMP_ERROR_CONNECT,
                   "invalid address '%s': the test server listens on "
                   "loopback addresses only", address);
      return NULL;
    }
  return g_steal_pointer (&parsed);
}

/* connections */

static void
aqmp_server_source_destroy (gpointer data)
{
  GSource *source = data;

  g_source_destroy (source);
  g_source_unref (source);
}

/* async operations attach to the thread-default context when started */
static void
aqmp_server_push_context (AqmpServer *self)
{
  g_main_context_push_thread_default (self->context);
}

static void
aqmp_server_pop_context (AqmpServer *self)
{
  g_main_context_pop_thread_default (self->context);
}

static gboolean
aqmp_server_wants_events (AqmpServer *self, AqmpServerConnection *conn)
{
  return !self->require_negotiation
         || aqmp_server_connection_has_flag (conn, AQMP_SERVER_CONNECTION_FLAG_NEGOTIATED);
}

/* replies */

static void
aqmp_server_broadcast_event (AqmpServer *self, const gchar *name, JsonObject *data);

static void
aqmp_server_deliver (AqmpServer *self, AqmpServerConnection *conn, AqmpServerReply *reply)
{
  g_autoptr(JsonObject) shutdown = NULL;

  switch (reply->action)
    {
    case AQMP_SERVER_ACTION_NEGOTIATE:
      aqmp_server_connection_set_flag (conn, AQMP_SERVER_CONNECTION_FLAG_NEGOTIATED, TRUE);
      aqmp_server_connection_set_flag (conn, AQMP_SERVER_CONNECTION_FLAG_CAPS_DONE, TRUE);
      aqmp_server_connection_set_flag (conn, AQMP_SERVER_CONNECTION_FLAG_CAPS_PENDING, FALSE);
      aqmp_server_connection_set_flag (conn, AQMP_SERVER_CONNECTION_FLAG_OOB, reply->enable_oob);
      break;
    case AQMP_SERVER_ACTION_STOP:
      self->running = FALSE;
      aqmp_server_broadcast_event (self, "STOP", NULL);
      break;
    case AQMP_SERVER_ACTION_CONT:
      self->running = TRUE;
      aqmp_server_broadcast_event (self, "RESUME", NULL);
      break;
    case AQMP_SERVER_ACTION_QUIT:
      shutdown = json_object_new ();
      json_object_set_boolean_member (shutdown, "guest", FALSE);
      json_object_set_string_member (shutdown, "reason", "host-qmp-quit");
      aqmp_server_broadcast_event (self, "SHUTDOWN", shutdown);
      break;
    case AQMP_SERVER_ACTION_NONE:
    default:
      break;
    }

  aqmp_server_connection_send_object (conn, reply->response);

  /* QEMU exits: every client sees EOF after the reply */
  if (reply->action == AQMP_SERVER_ACTION_QUIT)
    aqmp_server_close_connections (self);
}

typedef struct {
  AqmpServer *server;       /* unowned: the server owns the source */
  AqmpServerConnection *conn;
  AqmpServerReply *reply;
} AqmpServerDelayed;

static void
aqmp_server_delayed_free (gpointer data)
{
  AqmpServerDelayed *delayed = data;

  g_object_unref (delayed->conn);
  aqmp_server_reply_free (delayed->reply);
  g_free (delayed);
}

static gboolean
aqmp_server_delayed_cb (gpointer user_data)
{
  AqmpServerDelayed *delayed = user_data;
  AqmpServer *self = delayed->server;
  guint pos = 0;

  if (g_ptr_array_find (self->delayed, g_main_current_source (), &pos))
    g_source_unref (g_ptr_array_steal_index (self->delayed, pos));
  if (!aqmp_server_connection_is_closing (delayed->conn))
    aqmp_server_deliver (self, delayed->conn, delayed->reply);
  return G_SOURCE_REMOVE;
}

static void
aqmp_server_deliver_later (AqmpServer           *self,
                           AqmpServerConnection *conn,
                           AqmpServerReply      *reply,
                           guint                 delay_ms)
{
  AqmpServerDelayed *delayed = g_new0 (AqmpServerDelayed, 1);
  GSource *source = g_timeout_source_new (delay_ms);

  delayed->server = self;
  delayed->conn = g_object_ref (conn);
  delayed->reply = reply;
  g_source_set_callback (source, aqmp_server_delayed_cb, delayed, aqmp_server_delayed_free);
  g_source_attach (source, self->context);
  g_ptr_array_add (self->delayed, source);
}

/* requests */

static AqmpServerReply *
aqmp_server_answer (AqmpServer           *self,
                    AqmpServerConnection *conn,
                    const gchar          *command,
                    gboolean              oob,
                    JsonObject           *request)
{
  JsonObject *arguments = aqmp_server_get_arguments (request);
  AqmpServerReply *reply;

  if (self->require_negotiation
      && !aqmp_server_connection_has_flag (conn, AQMP_SERVER_CONNECTION_FLAG_NEGOTIATED)
      && g_strcmp0 (command, "qmp_capabilities") != 0)
    return aqmp_server_reply_new_error ("CommandNotFound",
                                        "Expecting capabilities negotiation with 'qmp_capabilities'");
  reply = aqmp_server_script_answer (self->script, command, arguments);
  if (reply != NULL)
    return reply;
  reply = aqmp_server_answers_answer (self->answers, self, command, request);
  if (reply != NULL)
    return reply;
  return aqmp_server_builtin_answer (command, oob, arguments, self->greeting, self->running,
                                     aqmp_server_connection_has_flag (conn, AQMP_SERVER_CONNECTION_FLAG_CAPS_DONE));
}

static void
aqmp_server_request_cb (AqmpServerConnection *conn, JsonObject *request, gpointer user_data)
{
  g_autoptr(AqmpServer) self = g_object_ref (AQMP_SERVER (user_data));
  JsonNode *id = json_object_get_member (request, "id");
  guint conn_id = aqmp_server_connection_get_id (conn);
  const gchar *command = NULL;
  gboolean oob = FALSE;
  gboolean caps;
  guint delay_ms;
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpServerReply) reply = NULL;

  g_ptr_array_add (self->received, json_object_ref (request));
  if (!aqmp_server_builtin_check_request (request,
                                          aqmp_server_connection_has_flag (conn, AQMP_SERVER_CONNECTION_FLAG_OOB),
                                          &command, &oob, &error))
    {
      g_debug ("connection %u: invalid request: %s", conn_id, error->message);
      reply = aqmp_server_reply_new_error ("GenericError", error->message);
      if (id != NULL)
        json_object_set_member (reply->response, "id", json_node_copy (id));
      aqmp_server_connection_send_object (conn, reply->response);
      return;
    }

  g_debug ("connection %u: received '%s'", conn_id, command);
  reply = aqmp_server_answer (self, conn, command, oob, request);

  /* a handler may have closed the connection or stopped the server */
  if (aqmp_server_connection_is_closing (conn))
    return;
  caps = g_strcmp0 (command, "qmp_capabilities") == 0;
  if (reply->response == NULL)
    {
      aqmp_server_connection_set_flag (conn, AQMP_SERVER_CONNECTION_FLAG_CAPS_PENDING, caps);
      return;
    }
  if (caps && json_object_has_member (reply->response, "return"))
    {
      reply->action = AQMP_SERVER_ACTION_NEGOTIATE;
      reply->enable_oob = aqmp_server_builtin_enables_oob (aqmp_server_get_arguments (request));
    }
  if (id != NULL)
    json_object_set_member (reply->response, "id", json_node_copy (id));

  delay_ms = GPOINTER_TO_UINT (g_hash_table_lookup (self->delays, command));
  if (delay_ms > 0)
    {
      aqmp_server_deliver_later (self, conn, g_steal_pointer (&reply), delay_ms);
      return;
    }
  aqmp_server_deliver (self, conn, reply);
}

static void
aqmp_server_closed_cb (AqmpServerConnection *conn, gpointer user_data)
{
  AqmpServer *self = AQMP_SERVER (user_data);

  g_signal_handlers_disconnect_by_data (conn, self);
  g_ptr_array_remove (self->connections, conn);
}

static void
aqmp_server_start_connection (AqmpServer *self, GIOStream *stream)
{
  AqmpServerConnection *conn;
  g_autoptr(GBytes) pre_greeting = NULL;

  conn = aqmp_server_connection_new (stream, self->context, ++self->next_connection_id);
  g_debug ("connection %u: new", aqmp_server_connection_get_id (conn));
  aqmp_server_connection_set_line_ending (conn, self->line_ending);
  aqmp_server_connection_set_chunk_size (conn, self->chunk_size);
  aqmp_server_connection_set_paused (conn, self->paused);
  g_signal_connect (conn, "request", G_CALLBACK (aqmp_server_request_cb), self);
  g_signal_connect (conn, "closed", G_CALLBACK (aqmp_server_closed_cb), self);
  g_ptr_array_add (self->connections, conn);

  if (self->pre_greeting != NULL)
    {
      pre_greeting = g_bytes_new (self->pre_greeting, strlen (self->pre_greeting));
      aqmp_server_connection_send_bytes (conn, pre_greeting);
    }
  if (self->greeting != NULL)
    aqmp_server_connection_send_object (conn, self->greeting);
  aqmp_server_connection_start (conn);
}

/* listening */

static void aqmp_server_accept_next (AqmpServer *self);

static void
aqmp_server_weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

static void
aqmp_server_accept_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GWeakRef *weak = user_data;
  g_autoptr(AqmpServer) self = g_weak_ref_get (weak);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) connection = NULL;

  aqmp_server_weak_ref_free (weak);
  connection = g_socket_listener_accept_finish (G_SOCKET_LISTENER (source), result, NULL, &error);
  if (connection == NULL)
    {
      g_debug ("accept stopped: %s", error->message);
      return;
    }
  if (self == NULL || G_SOCKET_LISTENER (source) != self->listener)
    {
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return;
    }
  aqmp_server_start_connection (self, G_IO_STREAM (connection));
  aqmp_server_accept_next (self);
}

static void
aqmp_server_accept_next (AqmpServer *self)
{
  GWeakRef *weak = g_new0 (GWeakRef, 1);

  /* a pending accept must not keep the server alive */
  g_weak_ref_init (weak, self);
  aqmp_server_push_context (self);
  g_socket_listener_accept_async (self->listener, self->cancellable,
                                  aqmp_server_accept_cb, weak);
  aqmp_server_pop_context (self);
}

/* public API */

/**
 * aqmp_server_new:
 *
 * Makes a server that runs on the thread-default main context of the
 * caller. It neither listens nor serves until aqmp_server_listen() or
 * aqmp_server_add_stream().
 *
 * Returns: (transfer full): a new #AqmpServer
 *
 * Since: 0.1
 */
AqmpServer *
aqmp_server_new (void)
{
  return g_object_new (AQMP_TYPE_SERVER, NULL);
}

/**
 * aqmp_server_listen:
 * @self: an #AqmpServer
 * @address: where to listen, as for aqmp_client_listen(): `/PATH`,
 *   `./PATH`, `unix:PATH`, `tcp:HOST:PORT` or `HOST:PORT`, where HOST is a
 *   loopback address or `localhost`; port 0 picks a free port
 * @error: return location for an error
 *
 * Starts accepting clients on @address. It may be called more than once to
 * listen on several addresses.
 *
 * Returns: (transfer full) (nullable): the bound address, usable by a
 *   client (such as `tcp:127.0.0.1:40123` or `unix:/tmp/x.sock`), or %NULL
 *   with @error set
 *
 * Since: 0.1
 */
gchar *
aqmp_server_listen (AqmpServer *self, const gchar *address, GError **error)
{
  g_autoptr(GSocketAddress) wanted = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error_local = NULL;
  gboolean first;

  g_return_val_if_fail (AQMP_IS_SERVER (self), NULL);
  g_return_val_if_fail (address != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  wanted = aqmp_server_parse_address (address, error);
  if (wanted == NULL)
    return NULL;

  first = self->listener == NULL;
  if (first)
    self->listener = g_socket_listener_new ();
  if (!g_socket_listener_add_address (self->listener, wanted, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_DEFAULT, NULL, &bound, &error_local))
    {
      if (first)
        g_clear_object (&self->listener);
      g_set_error (error, AQMP_ERROR, AQMP_ERROR_CONNECT,
                   "cannot listen on %s: %s", address, error_local->message);
      return NULL;
    }
  if (G_IS_UNIX_SOCKET_ADDRESS (bound))
    g_ptr_array_add (self->unix_paths,
                     g_strdup (g_unix_socket_address_get_path (G_UNIX_SOCKET_ADDRESS (bound))));
  if (first)
    aqmp_server_accept_next (self);
  return aqmp_address_to_string (bound);
}

/**
 * aqmp_server_add_stream:
 * @self: an #AqmpServer
 * @stream: a connected stream, such as one end of a socket pair
 *
 * Serves one client on @stream as if it had connected to a listening
 * address: it gets the pre-greeting and the greeting at once.
 *
 * Since: 0.1
 */
void
aqmp_server_add_stream (AqmpServer *self, GIOStream *stream)
{
  g_return_if_fail (AQMP_IS_SERVER (self));
  g_return_if_fail (G_IS_IO_STREAM (stream));

  aqmp_server_start_connection (self, stream);
}

static void
aqmp_server_close_all (AqmpServer *self, gboolean flush)
{
  g_autoptr(GPtrArray) snapshot = g_ptr_array_new_with_free_func (g_object_unref);

  /* closing removes connections from the array */
  for (guint i = 0; i < self->connections->len; i++)
    g_ptr_array_add (snapshot, g_object_ref (g_ptr_array_index (self->connections, i)));
  for (guint i = 0; i < snapshot->len; i++)
    {
      AqmpServerConnection *conn = g_ptr_array_index (snapshot, i);
      if (flush)
        aqmp_server_connection_close_after_flush (conn);
      else
        aqmp_server_connection_close (conn);
    }
}

/**
 * aqmp_server_stop:
 * @self: an #AqmpServer
 *
 * Stops listening, removes the Unix sockets it created, and closes every
 * connection at once, dropping output not yet written. The server may
 * listen again afterwards.
 *
 * Since: 0.1
 */
void
aqmp_server_stop (AqmpServer *self)
{
  g_return_if_fail (AQMP_IS_SERVER (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  if (self->listener != NULL)
    {
      g_socket_listener_close (self->listener);
      g_clear_object (&self->listener);
    }
  for (guint i = 0; i < self->unix_paths->len; i++)
    g_unlink (g_ptr_array_index (self->unix_paths, i));
  g_ptr_array_set_size (self->unix_paths, 0);
  g_ptr_array_set_size (self->delayed, 0);
  aqmp_server_close_all (self, FALSE);
}

/**
 * aqmp_server_get_n_connections:
 * @self: an #AqmpServer
 *
 * Returns the number of connections currently open.
 *
 * Returns: the number of connections currently open
 *
 * Since: 0.1
 */
guint
aqmp_server_get_n_connections (AqmpServer *self)
{
  g_return_val_if_fail (AQMP_IS_SERVER (self), 0);

  return self->connections->len;
}

/**
 * aqmp_server_set_greeting:
 * @self: an #AqmpServer
 * @greeting: (nullable): the whole greeting object, or %NULL to send none
 *
 * Sets what new connections get first. The default is a QEMU 7.2-like
 * greeting offering `oob`. %NULL sends nothing, like a busy chardev or a
 * guest agent. `query-version` answers with the greeting's version.
 *
 * Since: 0.1
 */
void
aqmp_server_set_greeting (AqmpServer *self, JsonObject *greeting)
{
  g_return_if_fail (AQMP_IS_SERVER (self));

  g_clear_pointer (&self->greeting, json_object_unref);
  if (greeting != NULL)
    self->greeting = json_object_ref (greeting);
}

/**
 * aqmp_server_set_pre_greeting:
 * @self: an #AqmpServer
 * @raw: (nullable): bytes to send, verbatim, before the greeting
 *
 * Sets bytes each new connection gets before the greeting, such as an
 * event line, as some QEMU versions send. %NULL sends nothing.
 *
 * Since: 0.1
 */
void
aqmp_server_set_pre_greeting (AqmpServer *self, const gchar *raw)
{
  g_return_if_fail (AQMP_IS_SERVER (self));

  g_free (self->pre_greeting);
  self->pre_greeting = g_strdup (raw);
}

/**
 * aqmp_server_set_require_negotiation:
 * @self: an #AqmpServer
 * @require: whether commands need `qmp_capabilities` first
 *
 * With @require %TRUE (the default) every command but `qmp_capabilities`
 * fails with `CommandNotFound` until negotiation, and no events are sent.
 * %FALSE serves commands and events at once, like a guest agent.
 *
 * Since: 0.1
 */
void
aqmp_server_set_require_negotiation (AqmpServer *self, gboolean require)
{
  g_return_if_fail (AQMP_IS_SERVER (self));

  self->require_negotiation = require;
}

/**
 * aqmp_server_set_line_ending:
 * @self: an #AqmpServer
 * @line_ending: (nullable): the terminator of every message sent, or
 *   %NULL for the default `"\r\n"`
 *
 * Sets the terminator: `"\r\n"` for QMP, `"\n"` for a guest agent.
 *
 * Since: 0.1
 */
void
aqmp_server_set_line_ending (AqmpServer *self, const gchar *line_ending)
{
  g_return_if_fail (AQMP_IS_SERVER (self));

  g_free (self->line_ending);
  self->line_ending = g_strdup (line_ending != NULL ? line_ending : "\r\n");
  for (guint i = 0; i < self->connections->len; i++)
    aqmp_server_connection_set_line_ending (g_ptr_array_index (self->connections, i),
                                            self->line_ending);
}

/**
 * aqmp_server_set_handler:
 * @self: an #AqmpServer
 * @command: a command name
 * @handler: (nullable) (scope notified): the handler, or %NULL to remove it
 * @user_data: (closure): data for @handler
 * @destroy: (nullable): frees @user_data when the handler is replaced or the
 *   server is disposed
 *
 * Answers @command with @handler. Scripted expectations take precedence;
 * handlers take precedence over canned replies and built-in defaults.
 *
 * Since: 0.1
 */
void
aqmp_server_set_handler (AqmpServer        *self,
                         const gchar       *command,
                         AqmpServerHandler  handler,
                         gpointer           user_data,
                         GDestroyNotify     destroy)
{
  g_return_if_fail (AQMP_IS_SERVER (self));
  g_return_if_fail (command != NULL);

  aqmp_server_answers_set_handler (self->answers, command, handler, user_data, destroy);
}

/**
 * aqmp_server_set_reply:
 * @self: an #AqmpServer
 * @command: a command name
 * @value: (nullable): the `return` value, or %NULL for `{}`
 *
 * Answers every @command with @value, replacing any canned error or
 * no-reply setting for it.
 *
 * Since: 0.1
 */
void
aqmp_server_set_reply (AqmpServer *self, const gchar *command, JsonNode *value)
{
  g_return_if_fail (AQMP_IS_SERVER (self));
  g_return_if_fail (command != NULL);

  aqmp_server_answers_set_reply (self->answers, command, value);
}

/**
 * aqmp_server_set_error:
 * @self: an #AqmpServer
 * @command: a command name
 * @qmp_class: the error class, such as `"GenericError"`
 * @desc: the error description
 *
 * Answers every @command with an error reply.
 *
 * Since: 0.1
 */
void
aqmp_server_set_error (AqmpServer  *self,
                       const gchar *command,
                       const gchar *qmp_class,
                       const gchar *desc)
{
  g_return_if_fail (AQMP_IS_SERVER (self));
  g_return_if_fail (command != NULL);
  g_return_if_fail (qmp_class != NULL);
  g_return_if_fail (desc != NULL);

  aqmp_server_answers_set_error (self->answers, command, qmp_class, desc);
}

/**
 * aqmp_server_set_no_reply:
 * @self: an #AqmpServer
 * @command: a command name
 *
 * Never answers @command, to test timeouts.
 *
 * Since: 0.1
 */
void
aqmp_server_set_no_reply (AqmpServer *self, const gchar *command)
{
  g_return_if_fail (AQMP_IS_SERVER (self));
  g_return_if_fail (command != NULL);

  aqmp_server_answers_set_no_reply (self->answers, command);
}

/**
 * aqmp_server_set_delay:
 * @self: an #AqmpServer
 * @command: a command name
 * @delay_ms: the delay in milliseconds, or 0 for none
 *
 * Sends every reply to @command, whatever produced it, @delay_ms after the
 * request arrived. Replies to other commands are not held back, so they
 * may overtake it.
 *
 * Since: 0.1
 */
void
aqmp_server_set_delay (AqmpServer *self, const gchar *command, guint delay_ms)
{
  g_return_if_fail (AQMP_IS_SERVER (self));
  g_return_if_fail (command != NULL);

  if (delay_ms == 0)
    {
      g_hash_table_remove (self->delays, command);
      return;
    }
  g_hash_table_replace (self->delays, g_strdup (command), GUINT_TO_POINTER (delay_ms));
}

/**
 * aqmp_server_expect:
 * @self: an #AqmpServer
 * @command: the command expected next
 * @arguments: (nullable): members the request's `arguments` must contain
 *   (a subset match), or %NULL to accept any
 * @value: (nullable): the `return` value, or %NULL for `{}`
 *
 * Queues an expectation. Once one has been queued, every command must
 * match the head of the queue, in order: a command that does not is
 * recorded as a failure (see aqmp_server_verify()) and answered with a
 * `GenericError`. `qmp_capabilities` is exempt unless it is the command
 * expected next.
 *
 * Since: 0.1
 */
void
aqmp_server_expect (AqmpServer  *self,
                    const gchar *command,
                    JsonObject  *arguments,
                    JsonNode    *value)
{
  g_return_if_fail (AQMP_IS_SERVER (self));
  g_return_if_fail (command != NULL);

  aqmp_server_script_expect (self->script, command, arguments, value);
}

/**
 * aqmp_server_expect_error:
 * @self: an #AqmpServer
 * @command: the command expected next
 * @arguments: (nullable): members the request's `arguments` must contain,
 *   or %NULL to accept any
 * @qmp_class: the error class of the reply
 * @desc: the error description of the reply
 *
 * Queues an expectation answered with an error reply, as
 * aqmp_server_expect() does.
 *
 * Since: 0.1
 */
void
aqmp_server_expect_error (AqmpServer  *self,
                          const gchar *command,
                          JsonObject  *arguments,
                          const gchar *qmp_class,
                          const gchar *desc)
{
  g_return_if_fail (AQMP_IS_SERVER (self));
  g_return_if_fail (command != NULL);
  g_return_if_fail (qmp_class != NULL);
  g_return_if_fail (desc != NULL);

  aqmp_server_script_expect_error (self->script, command, arguments, qmp_class, desc);
}

/**
 * aqmp_server_set_strict:
 * @self: an #AqmpServer
 * @strict: whether every command must be expected
 *
 * In strict mode every command but `qmp_capabilities` must match an
 * expectation, even when none was ever queued.
 *
 * Since: 0.1
 */
void
aqmp_server_set_strict (AqmpServer *self, gboolean strict)
{
  g_return_if_fail (AQMP_IS_SERVER (self));

  aqmp_server_script_set_strict (self->script, strict);
}

/**
 * aqmp_server_verify:
 * @self: an #AqmpServer
 * @error: return location for an error
 *
 * Checks that every command matched its expectation and that every
 * expectation was met.
 *
 * Returns: %TRUE if so, else %FALSE with %AQMP_ERROR_FAILED listing the
 *   unexpected commands and the expectations left
 *
 * Since: 0.1
 */
gboolean
aqmp_server_verify (AqmpServer *self, GError **error)
{
  g_return_val_if_fail (AQMP_IS_SERVER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return aqmp_server_script_verify (self->script, error);
}

/**
 * aqmp_server_get_received:
 * @self: an #AqmpServer
 *
 * Returns every request received so far, from every connection, in order,
 * including `qmp_capabilities` and invalid requests.
 *
 * Returns: (transfer none) (element-type Json.Object): every request
 *   received so far, from every connection, in order, including
 *   `qmp_capabilities` and invalid requests
 *
 * Since: 0.1
 */
GPtrArray *
aqmp_server_get_received (AqmpServer *self)
{
  g_return_val_if_fail (AQMP_IS_SERVER (self), NULL);

  return self->received;
}

static void
aqmp_server_send_to_all (AqmpServer *self, JsonObject *message, gboolean events_only)
{

  for (guint i = 0; i < self->connections->len; i++)
    {
      AqmpServerConnection *conn = g_ptr_array_index (self->connections, i);
      if (events_only && !aqmp_server_wants_events (self, conn))
        continue;
      aqmp_server_connection_send_object (conn, message);
    }
}

/* a success reply settles a qmp_capabilities a handler left open */
static void
aqmp_server_settle_capabilities (AqmpServer *self, gboolean success)
{
  for (guint i = 0; i < self->connections->len; i++)
    {
      AqmpServerConnection *conn = g_ptr_array_index (self->connections, i);
      if (!aqmp_server_connection_has_flag (conn, AQMP_SERVER_CONNECTION_FLAG_CAPS_PENDING))
        continue;
      aqmp_server_connection_set_flag (conn, AQMP_SERVER_CONNECTION_FLAG_CAPS_PENDING, FALSE);
      if (!success)
        continue;
      aqmp_server_connection_set_flag (conn, AQMP_SERVER_CONNECTION_FLAG_NEGOTIATED, TRUE);
      aqmp_server_connection_set_flag (conn, AQMP_SERVER_CONNECTION_FLAG_CAPS_DONE, TRUE);
    }
}

static void
aqmp_server_send_reply_object (AqmpServer *self, JsonNode *id, JsonObject *response)
{
  if (id != NULL)
    json_object_set_member (response, "id", json_node_copy (id));
  aqmp_server_send_to_all (self, response, FALSE);
}

/**
 * aqmp_server_send_reply:
 * @self: an #AqmpServer
 * @id: (nullable): the id to echo, or %NULL for none
 * @value: (nullable): the `return` value, or %NULL for `{}`
 *
 * Sends a success reply to every connection, typically from a handler
 * that returned %NULL, or later.
 *
 * Since: 0.1
 */
void
aqmp_server_send_reply (AqmpServer *self, JsonNode *id, JsonNode *value)
{
  g_autoptr(AqmpServerReply) reply = NULL;

  g_return_if_fail (AQMP_IS_SERVER (self));

  reply = aqmp_server_reply_new_return (value != NULL ? json_node_copy (value) : NULL);
  aqmp_server_settle_capabilities (self, TRUE);
  aqmp_server_send_reply_object (self, id, reply->response);
}

/**
 * aqmp_server_send_error_reply:
 * @self: an #AqmpServer
 * @id: (nullable): the id to echo, or %NULL for none
 * @qmp_class: the error class
 * @desc: the error description
 *
 * Sends an error reply to every connection.
 *
 * Since: 0.1
 */
void
aqmp_server_send_error_reply (AqmpServer  *self,
                              JsonNode    *id,
                              const gchar *qmp_class,
                              const gchar *desc)
{
  g_autoptr(AqmpServerReply) reply = NULL;

  g_return_if_fail (AQMP_IS_SERVER (self));
  g_return_if_fail (qmp_class != NULL);
  g_return_if_fail (desc != NULL);

  reply = aqmp_server_reply_new_error (qmp_class, desc);
  aqmp_server_settle_capabilities (self, FALSE);
  aqmp_server_send_reply_object (self, id, reply->response);
}

static void
aqmp_server_broadcast_event (AqmpServer *self, const gchar *name, JsonObject *data)
{
  g_autoptr(JsonObject) event = json_object_new ();
  JsonObject *timestamp = json_object_new ();
  gint64 now = g_get_real_time ();

  /* member order as QEMU sends it */
  json_object_set_int_member (timestamp, "seconds", now / G_USEC_PER_SEC);
  json_object_set_int_member (timestamp, "microseconds", now % G_USEC_PER_SEC);
  json_object_set_object_member (event, "timestamp", timestamp);
  json_object_set_string_member (event, "event", name);
  if (data != NULL)
    json_object_set_object_member (event, "data", json_object_ref (data));
  aqmp_server_send_to_all (self, event, TRUE);
}

/**
 * aqmp_server_emit_event:
 * @self: an #AqmpServer
 * @name: the event name, such as `"STOP"`
 * @data: (nullable): the event's `data`, or %NULL to omit it
 *
 * Sends an event, stamped with the current time, to every connection that
 * has negotiated (or to all when negotiation is not required).
 *
 * Since: 0.1
 */
void
aqmp_server_emit_event (AqmpServer *self, const gchar *name, JsonObject *data)
{
  g_return_if_fail (AQMP_IS_SERVER (self));
  g_return_if_fail (name != NULL);

  aqmp_server_broadcast_event (self, name, data);
}

/**
 * aqmp_server_send_raw:
 * @self: an #AqmpServer
 * @data: (array length=length) (element-type guint8): the bytes to send
 * @length: the number of bytes, or -1 if @data is NUL-terminated
 *
 * Sends bytes verbatim, with no terminator, to every open connection,
 * such as garbage or half a reply.
 *
 * Since: 0.1
 */
void
aqmp_server_send_raw (AqmpServer *self, const void *data, gssize length)
{
  g_autoptr(GBytes) bytes = NULL;

  g_return_if_fail (AQMP_IS_SERVER (self));
  g_return_if_fail (data != NULL || length == 0);

  if (length < 0)
    length = (gssize) strlen (data);
  bytes = g_bytes_new (data, (gsize) length);
  for (guint i = 0; i < self->connections->len; i++)
    aqmp_server_connection_send_bytes (g_ptr_array_index (self->connections, i), bytes);
}

/**
 * aqmp_server_send_oversized:
 * @self: an #AqmpServer
 * @size: the number of bytes to send
 *
 * Sends @size bytes of a reply that never ends, `{"return": "xxx…`, with
 * no closing quote, brace or newline, to trip a client's size limit. The
 * bytes are queued as shared pieces, so memory stays small.
 *
 * Since: 0.1
 */
void
aqmp_server_send_oversized (AqmpServer *self, gsize size)
{
  static const gchar prefix[] = "{\"return\": \"";
  g_autoptr(GBytes) head = NULL;
  g_autoptr(GBytes) piece = NULL;
  g_autofree guint8 *filler = NULL;
  gsize sent;

  g_return_if_fail (AQMP_IS_SERVER (self));

  sent = MIN (size, strlen (prefix));
  head = g_bytes_new_static (prefix, sent);
  filler = g_malloc (AQMP_SERVER_OVERSIZED_PIECE);
  memset (filler, 'x', AQMP_SERVER_OVERSIZED_PIECE);
  piece = g_bytes_new_take (g_steal_pointer (&filler), AQMP_SERVER_OVERSIZED_PIECE);

  for (guint i = 0; i < self->connections->len; i++)
    {
      AqmpServerConnection *conn = g_ptr_array_index (self->connections, i);
      aqmp_server_connection_send_bytes (conn, head);
      for (gsize done = sent; done < size; done += AQMP_SERVER_OVERSIZED_PIECE)
        {
          g_autoptr(GBytes) part = NULL;
          gsize length = MIN (size - done, AQMP_SERVER_OVERSIZED_PIECE);
          part = g_bytes_new_from_bytes (piece, 0, length);
          aqmp_server_connection_send_bytes (conn, part);
        }
    }
}

/**
 * aqmp_server_set_chunk_size:
 * @self: an #AqmpServer
 * @chunk_size: the largest write, or 0 for no limit
 *
 * Writes all output in pieces of at most @chunk_size bytes, one piece per
 * main loop iteration, so that a client in the same process reads them
 * separately (1 gives one byte per read).
 *
 * Since: 0.1
 */
void
aqmp_server_set_chunk_size (AqmpServer *self, gsize chunk_size)
{
  g_return_if_fail (AQMP_IS_SERVER (self));

  self->chunk_size = chunk_size;
  for (guint i = 0; i < self->connections->len; i++)
    aqmp_server_connection_set_chunk_size (g_ptr_array_index (self->connections, i), chunk_size);
}

/**
 * aqmp_server_close_connections:
 * @self: an #AqmpServer
 *
 * Closes every connection once the output already queued for it has been
 * written, so the client sees EOF right after it; later output is
 * dropped. The server keeps listening.
 *
 * Since: 0.1
 */
void
aqmp_server_close_connections (AqmpServer *self)
{
  g_return_if_fail (AQMP_IS_SERVER (self));

  aqmp_server_close_all (self, TRUE);
}

/**
 * aqmp_server_set_paused:
 * @self: an #AqmpServer
 * @paused: whether to stop reading
 *
 * Stops reading from every connection, present and future, as a server
 * that no longer reads its socket: the client's requests back up in the
 * socket and then in the client, to test backpressure. Output is still
 * written, and a client closing its end goes unnoticed meanwhile.
 * Resuming reads and answers what had backed up.
 *
 * Since: 0.1
 */
void
aqmp_server_set_paused (AqmpServer *self, gboolean paused)
{
  g_return_if_fail (AQMP_IS_SERVER (self));

  self->paused = !!paused;
  for (guint i = 0; i < self->connections->len; i++)
    aqmp_server_connection_set_paused (g_ptr_array_index (self->connections, i), self->paused);
}

/* GObject */

static void
aqmp_server_dispose (GObject *object)
{
  AqmpServer *self = AQMP_SERVER (object);

  if (self->cancellable != NULL)
    aqmp_server_stop (self);
  g_clear_object (&self->cancellable);
  aqmp_server_answers_clear_handlers (self->answers);

  G_OBJECT_CLASS (aqmp_server_parent_class)->dispose (object);
}

static void
aqmp_server_finalize (GObject *object)
{
  AqmpServer *self = AQMP_SERVER (object);

  g_ptr_array_unref (self->connections);
  g_ptr_array_unref (self->delayed);
  g_ptr_array_unref (self->unix_paths);
  g_clear_pointer (&self->greeting, json_object_unref);
  g_free (self->pre_greeting);
  g_free (self->line_ending);
  aqmp_server_answers_free (self->answers);
  g_hash_table_unref (self->delays);
  aqmp_server_script_free (self->script);
  g_ptr_array_unref (self->received);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (aqmp_server_parent_class)->finalize (object);
}

static void
aqmp_server_class_init (AqmpServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = aqmp_server_dispose;
  object_class->finalize = aqmp_server_finalize;
}

static void
aqmp_server_init (AqmpServer *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->cancellable = g_cancellable_new ();
  self->unix_paths = g_ptr_array_new_with_free_func (g_free);
  self->connections = g_ptr_array_new_with_free_func (g_object_unref);
  self->delayed = g_ptr_array_new_with_free_func (aqmp_server_source_destroy);
  self->greeting = aqmp_server_builtin_greeting ();
  self->line_ending = g_strdup ("\r\n");
  self->require_negotiation = TRUE;
  self->running = TRUE;
  self->answers = aqmp_server_answers_new ();
  self->delays = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->script = aqmp_server_script_new ();
  self->received = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
}
