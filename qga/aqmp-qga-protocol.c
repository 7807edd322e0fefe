/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmp-qga-protocol.h"

/**
 * AqmpQgaProtocol:
 *
 * The QEMU guest agent's variant of QMP.
 *
 * The agent sends no greeting and negotiates nothing; its replies end in
 * `\n`. Its JSON parser keeps its state across clients, and replies from
 * an earlier client or a timed-out call may still be on their way, so the
 * connection is synchronised before the first command and again after any
 * timeout or garbage:
 *
 * 1. a 0xFF byte resets the agent's parser (it answers with one id-less
 *    error, which is discarded below);
 * 2. `guest-sync-delimited` goes out with a fresh random id in
 *    [1, 2^63-1];
 * 3. all input up to the 0xFF the agent writes before that reply is
 *    dropped;
 * 4. after it, replies to anything but our request are dropped by the
 *    client (their ids are unknown or not integers), until the agent
 *    echoes our id.
 *
 * `guest-shutdown` and `guest-suspend-*` send no reply on success: they
 * complete after the client's no-reply grace period, or fail when an error
 * arrives within it.
 *
 * Since: 0.1
 */

/* what qemu-ga keeps of each output stream of a guest program
 * (GUEST_EXEC_MAX_OUTPUT), and the most guest-file-read returns at once
 * (GUEST_FILE_READ_COUNT_MAX) */
#define AQMP_QGA_EXEC_MAX_OUTPUT (16 * 1024 * 1024)
#define AQMP_QGA_FILE_READ_MAX (48 * 1024 * 1024)
#define AQMP_QGA_FILE_READ_DEFAULT 4096
/* the reply's envelope and other members, generously */
#define AQMP_QGA_REPLY_SLACK (64 * 1024)
#define AQMP_QGA_BASE64_SIZE(n) ((((gsize) (n) + 2) / 3) * 4)

/* a mismatched echo or garbage after the delimiter: resync this often */
#define AQMP_QGA_SYNC_ATTEMPTS 3

struct _AqmpQgaProtocol {
  AqmpProtocol parent_instance;
  guint sync_timeout;
  guint n_syncs;
};

enum {
  PROP_0,
  PROP_SYNC_TIMEOUT,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

G_DEFINE_FINAL_TYPE (AqmpQgaProtocol, aqmp_qga_protocol, AQMP_TYPE_PROTOCOL)

typedef struct {
  AqmpClient *client;
  gint64 sync_id;
  guint timeout_ms;
  guint attempt;
  JsonNode *value;          /* the sync's result, until handled */
  GError *error;
} AqmpQgaSync;

static void
aqmp_qga_sync_free (AqmpQgaSync *sync)
{
  g_object_unref (sync->client);
  g_clear_pointer (&sync->value, json_node_unref);
  g_clear_error (&sync->error);
  g_free (sync);
}

/* uniformly random in [1, 2^63-1]: what fits the agent's int64 */
static gint64
aqmp_qga_random_sync_id (void)
{
  guint64 id;

  do
    id = (((guint64) g_random_int () << 32) | g_random_int ()) & (guint64) G_MAXINT64;
  while (id == 0);
  return (gint64) id;
}

static const gchar *
aqmp_qga_protocol_get_name (AqmpProtocol *protocol)
{
  return "qga";
}

static const gchar *
aqmp_qga_protocol_get_line_ending (AqmpProtocol *protocol)
{
  return "\n";
}

static gboolean
aqmp_qga_protocol_has_greeting (AqmpProtocol *protocol)
{
  return FALSE;
}

/* qga/qapi-schema.json: the commands with 'success-response': false */
static gboolean
aqmp_qga_protocol_has_reply (AqmpProtocol *protocol, const gchar *command)
{
  static const gchar * const no_reply[] = {
    "guest-shutdown",
    "guest-suspend-disk",
    "guest-suspend-ram",
    "guest-suspend-hybrid",
    NULL
  };

  return !g_strv_contains (no_reply, command);
}

/*
 * Replies that carry data in base64 can exceed a 10 MiB message limit:
 * guest-exec-status holds both output streams, up to 16 MiB each (about
 * 43 MiB in all), and guest-file-read as many bytes as asked, up to
 * 48 MiB. Their limit follows from what the agent can send.
 */
static gsize
aqmp_qga_protocol_get_max_reply_size (AqmpProtocol *protocol, const gchar *command, JsonObject *arguments)
{
  if (g_strcmp0 (command, "guest-exec-status") == 0)
    return 2 * AQMP_QGA_BASE64_SIZE (AQMP_QGA_EXEC_MAX_OUTPUT) + AQMP_QGA_REPLY_SLACK;
  if (g_strcmp0 (command, "guest-file-read") == 0)
    {
      gint64 n = AQMP_QGA_FILE_READ_DEFAULT;

      /* the agent refuses a larger count with a short error */
      if (aqmp_json_lookup_int (arguments, "count", &n))
        n = CLAMP (n, 0, AQMP_QGA_FILE_READ_MAX);
      return AQMP_QGA_BASE64_SIZE (n) + AQMP_QGA_REPLY_SLACK;
    }
  return 0;
}

static gboolean
aqmp_qga_protocol_needs_recovery (AqmpProtocol *protocol, const GError *error)
{
  return g_error_matches (error, AQMP_ERROR, AQMP_ERROR_TIMEOUT)
         || g_error_matches (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL);
}

static guint
aqmp_qga_protocol_effective_timeout (AqmpQgaProtocol *self, AqmpClient *client)
{
  if (self->sync_timeout > 0)
    return self->sync_timeout;
  if (aqmp_client_get_default_timeout (client) > 0)
    return aqmp_client_get_default_timeout (client);
  return AQMP_QGA_DEFAULT_SYNC_TIMEOUT;
}

static void aqmp_qga_protocol_sync_cb (GObject *source, GAsyncResult *res, gpointer user_data);

static void
aqmp_qga_protocol_sync_round (GTask *task)
{
  AqmpQgaSync *sync = g_task_get_task_data (task);
  g_autoptr(JsonObject) args = json_object_new ();
  static const guint8 sentinel = 0xFF;

  sync->attempt++;
  sync->sync_id = aqmp_qga_random_sync_id ();
  json_object_set_int_member (args, "id", sync->sync_id);
  g_debug ("synchronising with the guest agent, id %" G_GINT64_FORMAT, sync->sync_id);

  /* everything before the agent's own 0xFF is stale: the error our 0xFF
   * provokes, replies meant for earlier clients or calls, half lines */
  aqmp_client_send_raw (sync->client, &sentinel, 1);
  aqmp_client_skip_input_past (sync->client, sentinel);
  aqmp_client_execute_full_async (sync->client, "guest-sync-delimited", args,
                                  AQMP_EXECUTE_FLAGS_HANDSHAKE, (gint) sync->timeout_ms,
                                  g_task_get_cancellable (task),
                                  aqmp_qga_protocol_sync_cb, g_object_ref (task));
}

static gboolean
aqmp_qga_protocol_check_echo (AqmpQgaSync *sync, GError **error)
{
  JsonNode *value = sync->value;

  if (value != NULL && JSON_NODE_HOLDS_VALUE (value)
      && json_node_get_value_type (value) == G_TYPE_INT64
      && json_node_get_int (value) == sync->sync_id)
    return TRUE;
  g_set_error (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL,
               "guest agent answered guest-sync-delimited with a wrong id (expected %" G_GINT64_FORMAT ")",
               sync->sync_id);
  return FALSE;
}

/* runs outside the client's dispatch of the reply, so the client may
 * change state freely when the handshake completes */
static gboolean
aqmp_qga_protocol_sync_idle_cb (gpointer user_data)
{
  GTask *task = user_data;
  AqmpQgaProtocol *self = g_task_get_source_object (task);
  AqmpQgaSync *sync = g_task_get_task_data (task);
  g_autoptr(GError) error = g_steal_pointer (&sync->error);

  if (error == NULL && aqmp_qga_protocol_check_echo (sync, &error))
    {
      self->n_syncs++;
      g_debug ("guest agent synchronised");
      g_task_return_boolean (task, TRUE);
      return G_SOURCE_REMOVE;
    }
  g_clear_pointer (&sync->value, json_node_unref);

  if (g_error_matches (error, AQMP_ERROR, AQMP_ERROR_TIMEOUT))
    {
      g_task_return_new_error (task, AQMP_ERROR, AQMP_ERROR_TIMEOUT,
                               "guest agent did not answer within %u ms "
                               "(is the agent running in the guest?)",
                               sync->timeout_ms);
      return G_SOURCE_REMOVE;
    }
  /* garbage after the delimiter, or somebody else's echo: try again */
  if (g_error_matches (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL)
      && sync->attempt < AQMP_QGA_SYNC_ATTEMPTS
      && aqmp_client_get_state (sync->client) != AQMP_STATE_IDLE
      && aqmp_client_get_state (sync->client) != AQMP_STATE_DISCONNECTING)
    {
      g_debug ("guest agent sync failed, retrying: %s", error->message);
      aqmp_qga_protocol_sync_round (task);
      return G_SOURCE_REMOVE;
    }
  g_prefix_error (&error, "cannot synchronise with the guest agent: ");
  g_task_return_error (task, g_steal_pointer (&error));
  return G_SOURCE_REMOVE;
}

static void
aqmp_qga_protocol_sync_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  AqmpQgaSync *sync = g_task_get_task_data (task);
  GSource *idle;

  sync->value = aqmp_client_execute_finish (AQMP_CLIENT (source), res, &sync->error);
  idle = g_idle_source_new ();
  g_source_set_static_name (idle, "[aqmp-qga] sync");
  g_source_set_callback (idle, aqmp_qga_protocol_sync_idle_cb, task, g_object_unref);
  g_source_attach (idle, aqmp_client_get_context (sync->client));
  g_source_unref (idle);
}

static void
aqmp_qga_protocol_handshake_async (AqmpProtocol        *protocol,
                                   AqmpClient          *client,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  AqmpQgaProtocol *self = AQMP_QGA_PROTOCOL (protocol);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  AqmpQgaSync *sync = g_new0 (AqmpQgaSync, 1);

  g_task_set_source_tag (task, aqmp_qga_protocol_handshake_async);
  sync->client = g_object_ref (client);
  sync->timeout_ms = aqmp_qga_protocol_effective_timeout (self, client);
  g_task_set_task_data (task, sync, (GDestroyNotify) aqmp_qga_sync_free);
  aqmp_qga_protocol_sync_round (task);
}

static gboolean
aqmp_qga_protocol_handshake_finish (AqmpProtocol *protocol, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, protocol), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
aqmp_qga_protocol_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  AqmpQgaProtocol *self = AQMP_QGA_PROTOCOL (object);

  switch (prop_id)
    {
    case PROP_SYNC_TIMEOUT:
      g_value_set_uint (value, self->sync_timeout);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aqmp_qga_protocol_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  AqmpQgaProtocol *self = AQMP_QGA_PROTOCOL (object);

  switch (prop_id)
    {
    case PROP_SYNC_TIMEOUT:
      aqmp_qga_protocol_set_sync_timeout (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aqmp_qga_protocol_class_init (AqmpQgaProtocolClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  AqmpProtocolClass *protocol_class = AQMP_PROTOCOL_CLASS (klass);

  object_class->get_property = aqmp_qga_protocol_get_property;
  object_class->set_property = aqmp_qga_protocol_set_property;
  protocol_class->get_name = aqmp_qga_protocol_get_name;
  protocol_class->get_line_ending = aqmp_qga_protocol_get_line_ending;
  protocol_class->has_greeting = aqmp_qga_protocol_has_greeting;
  protocol_class->has_reply = aqmp_qga_protocol_has_reply;
  protocol_class->needs_recovery = aqmp_qga_protocol_needs_recovery;
  protocol_class->get_max_reply_size = aqmp_qga_protocol_get_max_reply_size;
  protocol_class->handshake_async = aqmp_qga_protocol_handshake_async;
  protocol_class->handshake_finish = aqmp_qga_protocol_handshake_finish;

  /**
   * AqmpQgaProtocol:sync-timeout:
   *
   * Milliseconds to wait for the agent's answer to a resync; 0 uses the
   * client's default timeout, or %AQMP_QGA_DEFAULT_SYNC_TIMEOUT when that
   * is not set either.
   *
   * Since: 0.1
   */
  props[PROP_SYNC_TIMEOUT] =
    g_param_spec_uint ("sync-timeout", NULL, NULL, 0, G_MAXINT, 0,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
aqmp_qga_protocol_init (AqmpQgaProtocol *self)
{
}

/**
 * aqmp_qga_protocol_new:
 *
 * Creates the guest agent protocol, to give to aqmp_client_set_protocol()
 * before connecting.
 *
 * Returns: (transfer full): a new #AqmpQgaProtocol
 *
 * Since: 0.1
 */
AqmpProtocol *
aqmp_qga_protocol_new (void)
{
  return g_object_new (AQMP_TYPE_QGA_PROTOCOL, NULL);
}

/**
 * aqmp_qga_protocol_set_sync_timeout:
 * @self: an #AqmpQgaProtocol
 * @timeout_ms: milliseconds, or 0 for the client's default timeout
 *
 * Sets how long a resync waits for the agent before failing with
 * %AQMP_ERROR_TIMEOUT.
 *
 * Since: 0.1
 */
void
aqmp_qga_protocol_set_sync_timeout (AqmpQgaProtocol *self, guint timeout_ms)
{
  g_return_if_fail (AQMP_IS_QGA_PROTOCOL (self));
  g_return_if_fail (timeout_ms <= G_MAXINT);

  if (self->sync_timeout == timeout_ms)
    return;
  self->sync_timeout = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_SYNC_TIMEOUT]);
}

/**
 * aqmp_qga_protocol_get_sync_timeout:
 * @self: an #AqmpQgaProtocol
 *
 * Returns the resync timeout in milliseconds; 0 for the client's default.
 *
 * Returns: the resync timeout in milliseconds; 0 for the client's default
 *
 * Since: 0.1
 */
guint
aqmp_qga_protocol_get_sync_timeout (AqmpQgaProtocol *self)
{
  g_return_val_if_fail (AQMP_IS_QGA_PROTOCOL (self), 0);
  return self->sync_timeout;
}

/**
 * aqmp_qga_protocol_get_n_syncs:
 * @self: an #AqmpQgaProtocol
 *
 * Counts the successful synchronisations, on connect and after timeouts
 * or garbage, over the protocol's life; for diagnostics and tests.
 *
 * Returns: how many syncs succeeded
 *
 * Since: 0.1
 */
guint
aqmp_qga_protocol_get_n_syncs (AqmpQgaProtocol *self)
{
  g_return_val_if_fail (AQMP_IS_QGA_PROTOCOL (self), 0);
  return self->n_syncs;
}
