/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "aqmp-guest-agent-private.h"

/**
 * AqmpGuestAgent:
 *
 * A convenience API over an #AqmpClient connected to a QEMU guest agent
 * (with #AqmpQgaProtocol set): ping, guest information, running a program
 * in the guest and collecting its output, and reading and writing guest
 * files in chunks with a size cap.
 *
 * Every operation is asynchronous, with a `_sync` wrapper that never runs
 * the caller's main loop; the client's own context does the work.
 *
 * Since: 0.1
 */

struct _AqmpGuestAgent {
  GObject parent_instance;
  AqmpClient *client;
  gsize max_file_size;
};

enum {
  PROP_0,
  PROP_CLIENT,
  PROP_MAX_FILE_SIZE,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

G_DEFINE_FINAL_TYPE (AqmpGuestAgent, aqmp_guest_agent, G_TYPE_OBJECT)

/* ----- helpers, for aqmp-guest-agent-exec.c too ----- */

JsonNode *
aqmp_guest_agent_execute_finish (AqmpGuestAgent *self, GAsyncResult *res, GError **error)
{
  return aqmp_client_execute_finish (self->client, res, error);
}

/* the reply as an object, or a protocol error naming the command */
JsonObject *
aqmp_guest_agent_take_object (JsonNode *value, const gchar *command, GError **error)
{
  if (value == NULL || !JSON_NODE_HOLDS_OBJECT (value))
    {
      g_set_error (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL,
                   "%s: the guest agent's reply is not an object", command);
      return NULL;
    }
  return json_object_ref (json_node_get_object (value));
}

gboolean
aqmp_guest_agent_get_int (JsonObject *object, const gchar *member, const gchar *command,
                          gint64 *out, GError **error)
{
  if (!aqmp_json_lookup_int (object, member, out))
    {
      g_set_error (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL,
                   "%s: the guest agent's reply has no integer '%s'", command, member);
      return FALSE;
    }
  return TRUE;
}

/* an optional base64 member, as bytes; a bad encoding is a protocol error */
gboolean
aqmp_guest_agent_get_base64 (JsonObject *object, const gchar *member, const gchar *command,
                             GByteArray *append_to, GError **error)
{
  JsonNode *node = json_object_get_member (object, member);
  g_autofree guchar *data = NULL;
  const gchar *text;
  gsize len = 0;

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL,
                   "%s: '%s' in the guest agent's reply is not a string", command, member);
      return FALSE;
    }
  text = json_node_get_string (node);
  if (strspn (text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != strlen (text))
    {
      g_set_error (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL,
                   "%s: '%s' in the guest agent's reply is not base64", command, member);
      return FALSE;
    }
  data = g_base64_decode (text, &len);
  g_byte_array_append (append_to, data, len);
  return TRUE;
}

void
aqmp_guest_agent_set_base64 (JsonObject *object, const gchar *member, const guchar *data, gsize len)
{
  g_autofree gchar *text = g_base64_encode (data, len);

  json_object_set_string_member (object, member, text);
}

/* ----- sync wrappers: the client runs the async call on its context ----- */

typedef struct {
  AqmpGuestAgent *self;
  AqmpGuestAgentStartFunc start;
  gpointer data;
} AqmpGuestAgentSync;

static void
aqmp_guest_agent_sync_start (gpointer data, GAsyncReadyCallback callback, gpointer user_data)
{
  AqmpGuestAgentSync *call = data;

  call->start (call->self, call->data, callback, user_data);
}

GAsyncResult *
aqmp_guest_agent_run_sync (AqmpGuestAgent *self, AqmpGuestAgentStartFunc start, gpointer data)
{
  AqmpGuestAgentSync call = { self, start, data };

  return aqmp_client_run_sync (self->client, aqmp_guest_agent_sync_start, &call);
}

/* ----- simple commands ----- */

static void
aqmp_guest_agent_simple_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  JsonNode *value = aqmp_client_execute_finish (AQMP_CLIENT (source), res, &error);

  if (value == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, value, (GDestroyNotify) json_node_unref);
}

static void
aqmp_guest_agent_simple_async (AqmpGuestAgent      *self,
                               const gchar         *command,
                               gpointer             source_tag,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, (gpointer) command, NULL);
  aqmp_client_execute_async (self->client, command, NULL, cancellable,
                             aqmp_guest_agent_simple_cb, task);
}

static JsonObject *
aqmp_guest_agent_simple_finish_object (AqmpGuestAgent *self, GAsyncResult *result,
                                       gpointer source_tag, GError **error)
{
  g_autoptr(JsonNode) value = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);
  value = g_task_propagate_pointer (G_TASK (result), error);
  if (value == NULL)
    return NULL;
  return aqmp_guest_agent_take_object (value, g_task_get_task_data (G_TASK (result)), error);
}

/**
 * aqmp_guest_agent_ping_async:
 * @self: an #AqmpGuestAgent
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the agent answered
 * @user_data: data for @callback
 *
 * Checks that the agent answers, with `guest-ping`.
 *
 * Since: 0.1
 */
void
aqmp_guest_agent_ping_async (AqmpGuestAgent      *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (AQMP_IS_GUEST_AGENT (self));
  aqmp_guest_agent_simple_async (self, "guest-ping", aqmp_guest_agent_ping_async,
                                 cancellable, callback, user_data);
}

/**
 * aqmp_guest_agent_ping_finish:
 * @self: an #AqmpGuestAgent
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes aqmp_guest_agent_ping_async().
 *
 * Returns: %TRUE when the agent answered
 *
 * Since: 0.1
 */
gboolean
aqmp_guest_agent_ping_finish (AqmpGuestAgent *self, GAsyncResult *result, GError **error)
{
  g_autoptr(JsonNode) value = NULL;

  g_return_val_if_fail (AQMP_IS_GUEST_AGENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == aqmp_guest_agent_ping_async, FALSE);
  value = g_task_propagate_pointer (G_TASK (result), error);
  return value != NULL;
}

static void
aqmp_guest_agent_ping_start (AqmpGuestAgent *self, gpointer data, GAsyncReadyCallback cb, gpointer ud)
{
  aqmp_guest_agent_ping_async (self, data, cb, ud);
}

/**
 * aqmp_guest_agent_ping_sync:
 * @self: an #AqmpGuestAgent
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The synchronous aqmp_guest_agent_ping_async().
 *
 * Returns: %TRUE when the agent answered
 *
 * Since: 0.1
 */
gboolean
aqmp_guest_agent_ping_sync (AqmpGuestAgent *self, GCancellable *cancellable, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  g_return_val_if_fail (AQMP_IS_GUEST_AGENT (self), FALSE);
  result = aqmp_guest_agent_run_sync (self, aqmp_guest_agent_ping_start, cancellable);
  return aqmp_guest_agent_ping_finish (self, result, error);
}

/**
 * aqmp_guest_agent_get_info_async:
 * @self: an #AqmpGuestAgent
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the agent's information
 * @user_data: data for @callback
 *
 * Asks the agent for its version and supported commands (`guest-info`).
 *
 * Since: 0.1
 */
void
aqmp_guest_agent_get_info_async (AqmpGuestAgent      *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (AQMP_IS_GUEST_AGENT (self));
  aqmp_guest_agent_simple_async (self, "guest-info", aqmp_guest_agent_get_info_async,
                                 cancellable, callback, user_data);
}

/**
 * aqmp_guest_agent_get_info_finish:
 * @self: an #AqmpGuestAgent
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes aqmp_guest_agent_get_info_async().
 *
 * Returns: (transfer full): the `guest-info` object (`version`,
 *   `supported_commands`), or %NULL with @error set
 *
 * Since: 0.1
 */
JsonObject *
aqmp_guest_agent_get_info_finish (AqmpGuestAgent *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (AQMP_IS_GUEST_AGENT (self), NULL);
  return aqmp_guest_agent_simple_finish_object (self, result, aqmp_guest_agent_get_info_async, error);
}

static void
aqmp_guest_agent_get_info_start (AqmpGuestAgent *self, gpointer data, GAsyncReadyCallback cb, gpointer ud)
{
  aqmp_guest_agent_get_info_async (self, data, cb, ud);
}

/**
 * aqmp_guest_agent_get_info_sync:
 * @self: an #AqmpGuestAgent
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The synchronous aqmp_guest_agent_get_info_async().
 *
 * Returns: (transfer full): the `guest-info` object, or %NULL with @error set
 *
 * Since: 0.1
 */
JsonObject *
aqmp_guest_agent_get_info_sync (AqmpGuestAgent *self, GCancellable *cancellable, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  g_return_val_if_fail (AQMP_IS_GUEST_AGENT (self), NULL);
  result = aqmp_guest_agent_run_sync (self, aqmp_guest_agent_get_info_start, cancellable);
  return aqmp_guest_agent_get_info_finish (self, result, error);
}

/**
 * aqmp_guest_agent_get_osinfo_async:
 * @self: an #AqmpGuestAgent
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the guest's OS information
 * @user_data: data for @callback
 *
 * Asks for the guest operating system's name, version and kernel
 * (`guest-get-osinfo`).
 *
 * Since: 0.1
 */
void
aqmp_guest_agent_get_osinfo_async (AqmpGuestAgent      *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (AQMP_IS_GUEST_AGENT (self));
  aqmp_guest_agent_simple_async (self, "guest-get-osinfo", aqmp_guest_agent_get_osinfo_async,
                                 cancellable, callback, user_data);
}

/**
 * aqmp_guest_agent_get_osinfo_finish:
 * @self: an #AqmpGuestAgent
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes aqmp_guest_agent_get_osinfo_async().
 *
 * Returns: (transfer full): the `guest-get-osinfo` object (`id`, `name`,
 *   `kernel-release`, ...), or %NULL with @error set
 *
 * Since: 0.1
 */
JsonObject *
aqmp_guest_agent_get_osinfo_finish (AqmpGuestAgent *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (AQMP_IS_GUEST_AGENT (self), NULL);
  return aqmp_guest_agent_simple_finish_object (self, result, aqmp_guest_agent_get_osinfo_async, error);
}

static void
aqmp_guest_agent_get_osinfo_start (AqmpGuestAgent *self, gpointer data, GAsyncReadyCallback cb, gpointer ud)
{
  aqmp_guest_agent_get_osinfo_async (self, data, cb, ud);
}

/**
 * aqmp_guest_agent_get_osinfo_sync:
 * @self: an #AqmpGuestAgent
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The synchronous aqmp_guest_agent_get_osinfo_async().
 *
 * Returns: (transfer full): the `guest-get-osinfo` object, or %NULL with
 *   @error set
 *
 * Since: 0.1
 */
JsonObject *
aqmp_guest_agent_get_osinfo_sync (AqmpGuestAgent *self, GCancellable *cancellable, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  g_return_val_if_fail (AQMP_IS_GUEST_AGENT (self), NULL);
  result = aqmp_guest_agent_run_sync (self, aqmp_guest_agent_get_osinfo_start, cancellable);
  return aqmp_guest_agent_get_osinfo_finish (self, result, error);
}

/* ----- files ----- */

typedef struct {
  gchar *path;
  gint64 handle;
  gboolean open;
  GBytes *contents;         /* to write */
  gsize offset;             /* written so far */
  GByteArray *data;         /* read so far */
  GError *error;            /* kept while the handle closes */
} AqmpGuestFile;

static void
aqmp_guest_file_free (AqmpGuestFile *file)
{
  g_free (file->path);
  g_clear_pointer (&file->contents, g_bytes_unref);
  g_clear_pointer (&file->data, g_byte_array_unref);
  g_clear_error (&file->error);
  g_free (file);
}

static void
aqmp_guest_agent_file_closed_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  AqmpGuestAgent *self = g_task_get_source_object (task);
  AqmpGuestFile *file = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_guest_agent_execute_finish (self, res, &error);

  /* the first failure is the one worth reporting */
  if (file->error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&file->error));
      return;
    }
  if (value == NULL)
    {
      g_prefix_error (&error, "closing %s in the guest: ", file->path);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (file->data != NULL)
    g_task_return_pointer (task, g_byte_array_free_to_bytes (g_steal_pointer (&file->data)),
                           (GDestroyNotify) g_bytes_unref);
  else
    g_task_return_boolean (task, TRUE);
}

/* closes the guest handle, then completes the task; takes @error */
static void
aqmp_guest_agent_file_finish_up (GTask *task, GError *error)
{
  AqmpGuestAgent *self = g_task_get_source_object (task);
  AqmpGuestFile *file = g_task_get_task_data (task);
  g_autoptr(JsonObject) args = json_object_new ();

  file->error = error;
  if (!file->open)
    {
      g_task_return_error (task, g_steal_pointer (&file->error));
      g_object_unref (task);
      return;
    }
  file->open = FALSE;
  json_object_set_int_member (args, "handle", file->handle);
  /* no cancellable: the handle must not leak in the agent */
  aqmp_client_execute_async (self->client, "guest-file-close", args, NULL,
                             aqmp_guest_agent_file_closed_cb, task);
}

static void aqmp_guest_agent_file_read_next (GTask *task);

static void
aqmp_guest_agent_file_read_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  AqmpGuestAgent *self = g_task_get_source_object (task);
  AqmpGuestFile *file = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_guest_agent_execute_finish (self, res, &error);
  g_autoptr(JsonObject) chunk = NULL;

  if (value != NULL)
    chunk = aqmp_guest_agent_take_object (value, "guest-file-read", &error);
  if (chunk == NULL || !aqmp_guest_agent_get_base64 (chunk, "buf-b64", "guest-file-read", file->data, &error))
    {
      g_prefix_error (&error, "reading %s in the guest: ", file->path);
      aqmp_guest_agent_file_finish_up (task, g_steal_pointer (&error));
      return;
    }
  if (file->data->len > self->max_file_size)
    {
      aqmp_guest_agent_file_finish_up (task, g_error_new (AQMP_ERROR, AQMP_ERROR_TOO_LARGE,
                                                          "%s in the guest is larger than the limit of %" G_GSIZE_FORMAT " bytes",
                                                          file->path, self->max_file_size));
      return;
    }
  if (aqmp_json_get_boolean (chunk, "eof", FALSE) || aqmp_json_get_int (chunk, "count", 0) == 0)
    {
      aqmp_guest_agent_file_finish_up (task, NULL);
      return;
    }
  aqmp_guest_agent_file_read_next (task);
}

static void
aqmp_guest_agent_file_read_next (GTask *task)
{
  AqmpGuestAgent *self = g_task_get_source_object (task);
  AqmpGuestFile *file = g_task_get_task_data (task);
  g_autoptr(JsonObject) args = json_object_new ();
  GError *error = NULL;

  if (g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error))
    {
      aqmp_guest_agent_file_finish_up (task, error);
      return;
    }
  json_object_set_int_member (args, "handle", file->handle);
  json_object_set_int_member (args, "count", AQMP_GUEST_AGENT_READ_CHUNK);
  aqmp_client_execute_async (self->client, "guest-file-read", args, g_task_get_cancellable (task),
                             aqmp_guest_agent_file_read_cb, task);
}

static void aqmp_guest_agent_file_write_next (GTask *task);

static void
aqmp_guest_agent_file_write_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  AqmpGuestAgent *self = g_task_get_source_object (task);
  AqmpGuestFile *file = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_guest_agent_execute_finish (self, res, &error);
  g_autoptr(JsonObject) written = NULL;
  gint64 count = 0;

  if (value != NULL)
    written = aqmp_guest_agent_take_object (value, "guest-file-write", &error);
  if (written == NULL || !aqmp_guest_agent_get_int (written, "count", "guest-file-write", &count, &error))
    {
      g_prefix_error (&error, "writing %s in the guest: ", file->path);
      aqmp_guest_agent_file_finish_up (task, g_steal_pointer (&error));
      return;
    }
  if (count <= 0 || (gsize) count > g_bytes_get_size (file->contents) - file->offset)
    {
      aqmp_guest_agent_file_finish_up (task, g_error_new (AQMP_ERROR, AQMP_ERROR_PROTOCOL,
                                                          "writing %s in the guest: the agent wrote %" G_GINT64_FORMAT " bytes",
                                                          file->path, count));
      return;
    }
  file->offset += (gsize) count;
  aqmp_guest_agent_file_write_next (task);
}

static void
aqmp_guest_agent_file_write_next (GTask *task)
{
  AqmpGuestAgent *self = g_task_get_source_object (task);
  AqmpGuestFile *file = g_task_get_task_data (task);
  g_autoptr(JsonObject) args = NULL;
  const guchar *data;
  gsize size = 0;
  gsize n;
  GError *error = NULL;

  data = g_bytes_get_data (file->contents, &size);
  if (file->offset >= size)
    {
      aqmp_guest_agent_file_finish_up (task, NULL);
      return;
    }
  if (g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error))
    {
      aqmp_guest_agent_file_finish_up (task, error);
      return;
    }
  n = MIN (size - file->offset, AQMP_GUEST_AGENT_WRITE_CHUNK);
  args = json_object_new ();
  json_object_set_int_member (args, "handle", file->handle);
  aqmp_guest_agent_set_base64 (args, "buf-b64", data + file->offset, n);
  aqmp_client_execute_async (self->client, "guest-file-write", args, g_task_get_cancellable (task),
                             aqmp_guest_agent_file_write_cb, task);
}

static void
aqmp_guest_agent_file_opened_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  AqmpGuestAgent *self = g_task_get_source_object (task);
  AqmpGuestFile *file = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_guest_agent_execute_finish (self, res, &error);

  if (value == NULL || !JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_INT64)
    {
      if (error == NULL)
        g_set_error (&error, AQMP_ERROR, AQMP_ERROR_PROTOCOL,
                     "guest-file-open: the guest agent's reply is not a handle");
      g_prefix_error (&error, "opening %s in the guest: ", file->path);
      aqmp_guest_agent_file_finish_up (task, g_steal_pointer (&error));
      return;
    }
  file->handle = json_node_get_int (value);
  file->open = TRUE;
  if (file->contents != NULL)
    aqmp_guest_agent_file_write_next (task);
  else
    aqmp_guest_agent_file_read_next (task);
}

/* the task's reference goes with each step until it completes */
static void
aqmp_guest_agent_file_open (GTask *task, const gchar *mode)
{
  AqmpGuestAgent *self = g_task_get_source_object (task);
  AqmpGuestFile *file = g_task_get_task_data (task);
  g_autoptr(JsonObject) args = json_object_new ();

  json_object_set_string_member (args, "path", file->path);
  json_object_set_string_member (args, "mode", mode);
  aqmp_client_execute_async (self->client, "guest-file-open", args, g_task_get_cancellable (task),
                             aqmp_guest_agent_file_opened_cb, task);
}

/**
 * aqmp_guest_agent_file_read_async:
 * @self: an #AqmpGuestAgent
 * @path: a file in the guest
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the contents
 * @user_data: data for @callback
 *
 * Reads a whole guest file, %AQMP_GUEST_AGENT_READ_CHUNK bytes per
 * `guest-file-read`. A file larger than #AqmpGuestAgent:max-file-size
 * fails with %AQMP_ERROR_TOO_LARGE. The guest handle is always closed.
 *
 * Since: 0.1
 */
void
aqmp_guest_agent_file_read_async (AqmpGuestAgent      *self,
                                  const gchar         *path,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GTask *task;
  AqmpGuestFile *file;

  g_return_if_fail (AQMP_IS_GUEST_AGENT (self));
  g_return_if_fail (path != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aqmp_guest_agent_file_read_async);
  file = g_new0 (AqmpGuestFile, 1);
  file->path = g_strdup (path);
  file->data = g_byte_array_new ();
  g_task_set_task_data (task, file, (GDestroyNotify) aqmp_guest_file_free);
  aqmp_guest_agent_file_open (task, "r");
}

/**
 * aqmp_guest_agent_file_read_finish:
 * @self: an #AqmpGuestAgent
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes aqmp_guest_agent_file_read_async().
 *
 * Returns: (transfer full): the file's contents, or %NULL with @error set
 *
 * Since: 0.1
 */
GBytes *
aqmp_guest_agent_file_read_finish (AqmpGuestAgent *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (AQMP_IS_GUEST_AGENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == aqmp_guest_agent_file_read_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct {
  const gchar *path;
  GBytes *contents;
  GCancellable *cancellable;
} AqmpGuestFileArgs;

static void
aqmp_guest_agent_file_read_start (AqmpGuestAgent *self, gpointer data, GAsyncReadyCallback cb, gpointer ud)
{
  AqmpGuestFileArgs *a = data;

  aqmp_guest_agent_file_read_async (self, a->path, a->cancellable, cb, ud);
}

/**
 * aqmp_guest_agent_file_read_sync:
 * @self: an #AqmpGuestAgent
 * @path: a file in the guest
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The synchronous aqmp_guest_agent_file_read_async().
 *
 * Returns: (transfer full): the file's contents, or %NULL with @error set
 *
 * Since: 0.1
 */
GBytes *
aqmp_guest_agent_file_read_sync (AqmpGuestAgent *self, const gchar *path,
                                 GCancellable *cancellable, GError **error)
{
  AqmpGuestFileArgs args = { path, NULL, cancellable };
  g_autoptr(GAsyncResult) result = NULL;

  g_return_val_if_fail (AQMP_IS_GUEST_AGENT (self), NULL);
  result = aqmp_guest_agent_run_sync (self, aqmp_guest_agent_file_read_start, &args);
  return aqmp_guest_agent_file_read_finish (self, result, error);
}

/**
 * aqmp_guest_agent_file_write_async:
 * @self: an #AqmpGuestAgent
 * @path: a file in the guest; created or truncated
 * @contents: what to write
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called once written and closed
 * @user_data: data for @callback
 *
 * Writes a whole guest file, %AQMP_GUEST_AGENT_WRITE_CHUNK bytes per
 * `guest-file-write`. Contents larger than #AqmpGuestAgent:max-file-size
 * are refused with %AQMP_ERROR_TOO_LARGE before anything is sent. The
 * guest handle is always closed.
 *
 * Since: 0.1
 */
void
aqmp_guest_agent_file_write_async (AqmpGuestAgent      *self,
                                   const gchar         *path,
                                   GBytes              *contents,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task;
  AqmpGuestFile *file;

  g_return_if_fail (AQMP_IS_GUEST_AGENT (self));
  g_return_if_fail (path != NULL);
  g_return_if_fail (contents != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aqmp_guest_agent_file_write_async);
  if (g_bytes_get_size (contents) > self->max_file_size)
    {
      g_task_return_new_error (task, AQMP_ERROR, AQMP_ERROR_TOO_LARGE,
                               "%" G_GSIZE_FORMAT " bytes for %s in the guest exceed the limit of %" G_GSIZE_FORMAT " bytes",
                               g_bytes_get_size (contents), path, self->max_file_size);
      g_object_unref (task);
      return;
    }
  file = g_new0 (AqmpGuestFile, 1);
  file->path = g_strdup (path);
  file->contents = g_bytes_ref (contents);
  g_task_set_task_data (task, file, (GDestroyNotify) aqmp_guest_file_free);
  aqmp_guest_agent_file_open (task, "w");
}

/**
 * aqmp_guest_agent_file_write_finish:
 * @self: an #AqmpGuestAgent
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes aqmp_guest_agent_file_write_async().
 *
 * Returns: %TRUE once the whole file was written and closed
 *
 * Since: 0.1
 */
gboolean
aqmp_guest_agent_file_write_finish (AqmpGuestAgent *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (AQMP_IS_GUEST_AGENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == aqmp_guest_agent_file_write_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
aqmp_guest_agent_file_write_start (AqmpGuestAgent *self, gpointer data, GAsyncReadyCallback cb, gpointer ud)
{
  AqmpGuestFileArgs *a = data;

  aqmp_guest_agent_file_write_async (self, a->path, a->contents, a->cancellable, cb, ud);
}

/**
 * aqmp_guest_agent_file_write_sync:
 * @self: an #AqmpGuestAgent
 * @path: a file in the guest; created or truncated
 * @contents: what to write
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The synchronous aqmp_guest_agent_file_write_async().
 *
 * Returns: %TRUE once the whole file was written and closed
 *
 * Since: 0.1
 */
gboolean
aqmp_guest_agent_file_write_sync (AqmpGuestAgent *self, const gchar *path, GBytes *contents,
                                  GCancellable *cancellable, GError **error)
{
  AqmpGuestFileArgs args = { path, contents, cancellable };
  g_autoptr(GAsyncResult) result = NULL;

  g_return_val_if_fail (AQMP_IS_GUEST_AGENT (self), FALSE);
  result = aqmp_guest_agent_run_sync (self, aqmp_guest_agent_file_write_start, &args);
  return aqmp_guest_agent_file_write_finish (self, result, error);
}

/* ----- the object ----- */

static void
aqmp_guest_agent_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  AqmpGuestAgent *self = AQMP_GUEST_AGENT (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      g_value_set_object (value, self->client);
      break;
    case PROP_MAX_FILE_SIZE:
      g_value_set_uint64 (value, self->max_file_size);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aqmp_guest_agent_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  AqmpGuestAgent *self = AQMP_GUEST_AGENT (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      self->client = g_value_dup_object (value);
      break;
    case PROP_MAX_FILE_SIZE:
      aqmp_guest_agent_set_max_file_size (self, g_value_get_uint64 (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aqmp_guest_agent_dispose (GObject *object)
{
  AqmpGuestAgent *self = AQMP_GUEST_AGENT (object);

  g_clear_object (&self->client);
  G_OBJECT_CLASS (aqmp_guest_agent_parent_class)->dispose (object);
}

static void
aqmp_guest_agent_class_init (AqmpGuestAgentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = aqmp_guest_agent_get_property;
  object_class->set_property = aqmp_guest_agent_set_property;
  object_class->dispose = aqmp_guest_agent_dispose;

  /**
   * AqmpGuestAgent:client:
   *
   * The client connected to the guest agent.
   *
   * Since: 0.1
   */
  props[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL, AQMP_TYPE_CLIENT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /**
   * AqmpGuestAgent:max-file-size:
   *
   * The largest file, in bytes, read or written through the agent.
   *
   * Since: 0.1
   */
  props[PROP_MAX_FILE_SIZE] =
    g_param_spec_uint64 ("max-file-size", NULL, NULL, 0, G_MAXSIZE,
                         AQMP_GUEST_AGENT_DEFAULT_MAX_FILE_SIZE,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
aqmp_guest_agent_init (AqmpGuestAgent *self)
{
  self->max_file_size = AQMP_GUEST_AGENT_DEFAULT_MAX_FILE_SIZE;
}

/**
 * aqmp_guest_agent_new:
 * @client: a client using #AqmpQgaProtocol, connected or to be connected
 *
 * Returns a guest agent API over @client.
 *
 * Returns: (transfer full): a guest agent API over @client
 *
 * Since: 0.1
 */
AqmpGuestAgent *
aqmp_guest_agent_new (AqmpClient *client)
{
  g_return_val_if_fail (AQMP_IS_CLIENT (client), NULL);
  return g_object_new (AQMP_TYPE_GUEST_AGENT, "client", client, NULL);
}

/**
 * aqmp_guest_agent_get_client:
 * @self: an #AqmpGuestAgent
 *
 * Returns the client.
 *
 * Returns: (transfer none): the client
 *
 * Since: 0.1
 */
AqmpClient *
aqmp_guest_agent_get_client (AqmpGuestAgent *self)
{
  g_return_val_if_fail (AQMP_IS_GUEST_AGENT (self), NULL);
  return self->client;
}

/**
 * aqmp_guest_agent_set_max_file_size:
 * @self: an #AqmpGuestAgent
 * @size: bytes
 *
 * Sets the largest file read or written; see
 * %AQMP_GUEST_AGENT_DEFAULT_MAX_FILE_SIZE.
 *
 * Since: 0.1
 */
void
aqmp_guest_agent_set_max_file_size (AqmpGuestAgent *self, gsize size)
{
  g_return_if_fail (AQMP_IS_GUEST_AGENT (self));
  if (self->max_file_size == size)
    return;
  self->max_file_size = size;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_MAX_FILE_SIZE]);
}

/**
 * aqmp_guest_agent_get_max_file_size:
 * @self: an #AqmpGuestAgent
 *
 * Returns the largest file, in bytes, read or written.
 *
 * Returns: the largest file, in bytes, read or written
 *
 * Since: 0.1
 */
gsize
aqmp_guest_agent_get_max_file_size (AqmpGuestAgent *self)
{
  g_return_val_if_fail (AQMP_IS_GUEST_AGENT (self), 0);
  return self->max_file_size;
}
