/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "aqmp-test-fake-agent.h"
#include "aqmp-test-qemu.h"

typedef struct {
  gchar *path;
  gsize pos;
  gboolean write;
} AqmpTestFakeFile;

static void
aqmp_test_fake_file_free (AqmpTestFakeFile *file)
{
  g_free (file->path);
  g_free (file);
}

/* what the real agent allows while the guest's filesystems are frozen */
static const gchar * const frozen_allowed[] = {
  "guest-ping", "guest-info", "guest-sync", "guest-sync-delimited",
  "guest-fsfreeze-status", "guest-fsfreeze-thaw", NULL
};

static const gchar * const commands[] = {
  "guest-sync", "guest-sync-delimited", "guest-ping", "guest-info", "guest-get-osinfo",
  "guest-fsfreeze-status", "guest-fsfreeze-freeze", "guest-fsfreeze-thaw",
  "guest-shutdown", "guest-suspend-disk", "guest-suspend-ram", "guest-suspend-hybrid",
  "guest-exec", "guest-exec-status",
  "guest-file-open", "guest-file-read", "guest-file-write", "guest-file-close",
  NULL
};

static JsonNode *
node_object (JsonObject *object)
{
  JsonNode *node = json_node_init_object (json_node_alloc (), object);

  json_object_unref (object);
  return node;
}

static JsonNode *
node_int (gint64 value)
{
  return json_node_init_int (json_node_alloc (), value);
}

static JsonObject *
arguments_of (JsonObject *request)
{
  JsonNode *args = json_object_get_member (request, "arguments");

  return args != NULL && JSON_NODE_HOLDS_OBJECT (args) ? json_node_get_object (args) : NULL;
}

static gint64
int_argument (JsonObject *request, const gchar *name)
{
  JsonObject *args = arguments_of (request);

  return args != NULL ? json_object_get_int_member_with_default (args, name, -1) : -1;
}

static GError *
command_error (const gchar *command, const gchar *qmp_class, const gchar *desc)
{
  return aqmp_error_new_command (command, qmp_class, desc);
}

static JsonNode *
fake_sync_delimited (AqmpTestFakeAgent *self, JsonObject *request)
{
  JsonNode *id = json_object_get_member (request, "id");
  JsonObject *args = arguments_of (request);
  JsonNode *sync = args != NULL ? json_object_get_member (args, "id") : NULL;
  g_autoptr(JsonNode) echo = NULL;
  gint64 *recorded;

  self->n_syncs++;
  if (sync != NULL && JSON_NODE_HOLDS_VALUE (sync) && json_node_get_value_type (sync) == G_TYPE_INT64)
    {
      recorded = g_new (gint64, 1);
      *recorded = json_node_get_int (sync);
      g_ptr_array_add (self->sync_ids, recorded);
    }
  if (self->silent)
    return NULL;

  /* a serial agent answers what came before the sync first */
  while (!g_queue_is_empty (&self->stale))
    {
      g_autoptr(JsonObject) reply = g_queue_pop_head (&self->stale);
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), reply);
      g_autofree gchar *text = json_to_string (node, FALSE);
      g_autofree gchar *with_nl = g_strconcat (text, "\n", NULL);

      aqmp_server_send_raw (self->server, with_nl, -1);
    }
  aqmp_server_send_raw (self->server, "\xff", 1);
  for (guint i = 0; i < self->after_delimiter->len; i++)
    aqmp_server_send_raw (self->server, g_ptr_array_index (self->after_delimiter, i), -1);

  echo = sync != NULL ? json_node_copy (sync) : json_node_new (JSON_NODE_NULL);
  if (self->wrong_echoes > 0 && JSON_NODE_HOLDS_VALUE (echo))
    {
      self->wrong_echoes--;
      json_node_set_int (echo, json_node_get_int (echo) ^ 1);
    }
  aqmp_server_send_reply (self->server, id, echo);
  return NULL;
}

static JsonNode *
fake_info (AqmpTestFakeAgent *self)
{
  JsonObject *info = json_object_new ();
  JsonArray *supported = json_array_new ();

  for (guint i = 0; commands[i] != NULL; i++)
    {
      JsonObject *cmd = json_object_new ();
      json_object_set_string_member (cmd, "name", commands[i]);
      json_object_set_boolean_member (cmd, "enabled",
                                      self->disabled == NULL
                                      || !g_strv_contains ((const gchar * const *) self->disabled, commands[i]));
      json_object_set_boolean_member (cmd, "success-response",
                                      !g_str_has_prefix (commands[i], "guest-shutdown")
                                      && !g_str_has_prefix (commands[i], "guest-suspend"));
      json_array_add_object_element (supported, cmd);
    }
  json_object_set_string_member (info, "version", "7.2.0-fake");
  json_object_set_array_member (info, "supported_commands", supported);
  return node_object (info);
}

static JsonNode *
fake_osinfo (void)
{
  JsonObject *os = json_object_new ();

  json_object_set_string_member (os, "id", "fake");
  json_object_set_string_member (os, "name", "Fake OS");
  json_object_set_string_member (os, "kernel-release", "1.0.0-fake");
  json_object_set_string_member (os, "machine", "x86_64");
  return node_object (os);
}

static JsonNode *
fake_no_reply_command (AqmpTestFakeAgent *self, JsonObject *request, const gchar *command)
{
  self->n_shutdowns++;
  if (self->shutdown_error != NULL)
    aqmp_server_send_error_reply (self->server, json_object_get_member (request, "id"),
                                  "GenericError", self->shutdown_error);
  /* success-response: false: nothing on success */
  return NULL;
}

static JsonNode *
fake_exec_status (AqmpTestFakeAgent *self, JsonObject *request, GError **error)
{
  JsonObject *status = json_object_new ();
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  gint exit_code = self->exec_exit_code;

  if (int_argument (request, "pid") != 4242)
    {
      json_object_unref (status);
      *error = command_error ("guest-exec-status", "GenericError", "Invalid parameter 'pid'");
      return NULL;
    }
  self->n_status_polls++;
  if (self->exec_never_exits || self->n_status_polls <= self->exec_polls)
    {
      json_object_set_boolean_member (status, "exited", FALSE);
      return node_object (status);
    }
  json_object_set_boolean_member (status, "exited", TRUE);
  if (self->n_execs > 0 && self->n_execs <= self->exec_exit_codes->len)
    exit_code = g_array_index (self->exec_exit_codes, gint, self->n_execs - 1);
  json_object_set_int_member (status, "exitcode", exit_code);
  out = g_base64_encode ((const guchar *) self->exec_out, strlen (self->exec_out));
  err = g_base64_encode ((const guchar *) self->exec_err, strlen (self->exec_err));
  json_object_set_string_member (status, "out-data", out);
  json_object_set_string_member (status, "err-data", err);
  return node_object (status);
}

static JsonNode *
fake_file (AqmpTestFakeAgent *self, const gchar *command, JsonObject *request, GError **error)
{
  JsonObject *args = arguments_of (request);
  gint64 handle = int_argument (request, "handle");
  AqmpTestFakeFile *file;
  GByteArray *data;

  if (g_strcmp0 (command, "guest-file-open") == 0)
    {
      const gchar *path = json_object_get_string_member_with_default (args, "path", "");
      const gchar *mode = json_object_get_string_member_with_default (args, "mode", "r");

      file = g_new0 (AqmpTestFakeFile, 1);
      file->path = g_strdup (path);
      file->write = mode[0] == 'w';
      if (file->write)
        g_hash_table_replace (self->files, g_strdup (path), g_byte_array_new ());
      else if (!g_hash_table_contains (self->files, path))
        {
          aqmp_test_fake_file_free (file);
          *error = command_error (command, "GenericError", "failed to open file: No such file or directory");
          return NULL;
        }
      g_hash_table_insert (self->handles, g_memdup2 (&self->next_handle, sizeof (gint64)), file);
      return node_int (self->next_handle++);
    }

  file = g_hash_table_lookup (self->handles, &handle);
  if (file == NULL)
    {
      *error = command_error (command, "GenericError", "handle does not exist");
      return NULL;
    }
  data = g_hash_table_lookup (self->files, file->path);
  if (g_strcmp0 (command, "guest-file-close") == 0)
    {
      g_hash_table_remove (self->handles, &handle);
      return node_object (json_object_new ());
    }
  if (g_strcmp0 (command, "guest-file-read") == 0)
    {
      gint64 count = int_argument (request, "count");
      gsize n = MIN ((gsize) MAX (count, 0), data->len - file->pos);
      g_autofree gchar *b64 = g_base64_encode (data->data + file->pos, n);
      JsonObject *chunk = json_object_new ();

      file->pos += n;
      json_object_set_int_member (chunk, "count", (gint64) n);
      json_object_set_string_member (chunk, "buf-b64", b64);
      json_object_set_boolean_member (chunk, "eof", file->pos == data->len);
      return node_object (chunk);
    }
  if (g_strcmp0 (command, "guest-file-write") == 0)
    {
      gsize len = 0;
      g_autofree guchar *bytes = g_base64_decode (json_object_get_string_member_with_default (args, "buf-b64", ""), &len);
      JsonObject *written = json_object_new ();

      g_byte_array_append (data, bytes, len);
      json_object_set_int_member (written, "count", (gint64) len);
      json_object_set_boolean_member (written, "eof", FALSE);
      return node_object (written);
    }
  *error = command_error (command, "CommandNotFound", "not faked");
  return NULL;
}

static void
fake_log_exec (AqmpTestFakeAgent *self, JsonObject *request)
{
  JsonObject *args = arguments_of (request);
  JsonNode *arg = args != NULL ? json_object_get_member (args, "arg") : NULL;
  GString *line = g_string_new ("guest-exec ");

  g_string_append (line, args != NULL ? json_object_get_string_member_with_default (args, "path", "") : "");
  for (guint i = 0; arg != NULL && JSON_NODE_HOLDS_ARRAY (arg) && i < json_array_get_length (json_node_get_array (arg)); i++)
    g_string_append_printf (line, " %s", json_array_get_string_element (json_node_get_array (arg), i));
  g_ptr_array_add (self->log, g_string_free (line, FALSE));
}

static JsonNode *
fake_agent_handle (AqmpServer *server, JsonObject *request, gpointer user_data, GError **error)
{
  AqmpTestFakeAgent *self = user_data;
  const gchar *command = json_object_get_string_member (request, "execute");
  g_autofree gchar *desc = NULL;

  if (g_strcmp0 (command, "guest-sync-delimited") == 0)
    return fake_sync_delimited (self, request);
  g_ptr_array_add (self->received, g_strdup (command));
  if (self->silent)
    return NULL;
  if (self->frozen && !g_strv_contains (frozen_allowed, command))
    {
      desc = g_strdup_printf ("Command %s has been disabled: the agent is in frozen state", command);
      *error = command_error (command, "CommandNotFound", desc);
      return NULL;
    }
  if (g_ptr_array_find_with_equal_func (self->held, command, g_str_equal, NULL))
    {
      JsonObject *reply = json_object_new ();
      json_object_set_object_member (reply, "return", json_object_new ());
      json_object_set_member (reply, "id", json_node_copy (json_object_get_member (request, "id")));
      g_queue_push_tail (&self->stale, reply);
      return NULL;
    }

  if (g_strcmp0 (command, "guest-sync") == 0)
    return node_int (int_argument (request, "id"));
  if (g_strcmp0 (command, "guest-ping") == 0)
    return node_object (json_object_new ());
  if (g_strcmp0 (command, "guest-info") == 0)
    return fake_info (self);
  if (g_strcmp0 (command, "guest-get-osinfo") == 0)
    return fake_osinfo ();
  if (g_strcmp0 (command, "guest-fsfreeze-status") == 0)
    return json_node_init_string (json_node_alloc (), self->frozen ? "frozen" : "thawed");
  if (g_strcmp0 (command, "guest-fsfreeze-freeze") == 0)
    {
      g_ptr_array_add (self->log, g_strdup (command));
      /* a real agent that fails half-way leaves some filesystems frozen */
      self->frozen = TRUE;
      if (self->freeze_error != NULL)
        {
          *error = command_error (command, "GenericError", self->freeze_error);
          return NULL;
        }
      if (self->hold_freeze)
        {
          /* answered by aqmp_test_fake_agent_release_freeze() */
          g_clear_pointer (&self->held_freeze, json_node_unref);
          self->held_freeze = json_node_copy (json_object_get_member (request, "id"));
          return NULL;
        }
      return node_int (2);
    }
  if (g_strcmp0 (command, "guest-fsfreeze-thaw") == 0)
    {
      gboolean was = self->frozen;
      g_ptr_array_add (self->log, g_strdup (command));
      if (self->thaw_error != NULL)
        {
          *error = command_error (command, "GenericError", self->thaw_error);
          return NULL;
        }
      self->frozen = FALSE;
      return node_int (was ? 2 : 0);
    }
  if (g_str_has_prefix (command, "guest-shutdown") || g_str_has_prefix (command, "guest-suspend-"))
    return fake_no_reply_command (self, request, command);
  if (g_strcmp0 (command, "guest-exec") == 0)
    {
      JsonObject *started = json_object_new ();
      fake_log_exec (self, request);
      self->n_execs++;
      self->n_status_polls = 0;
      json_object_set_int_member (started, "pid", 4242);
      return node_object (started);
    }
  if (g_strcmp0 (command, "guest-exec-status") == 0)
    return fake_exec_status (self, request, error);
  if (g_str_has_prefix (command, "guest-file-"))
    return fake_file (self, command, request, error);

  desc = g_strdup_printf ("The command %s has not been found", command);
  *error = command_error (command, "CommandNotFound", desc);
  return NULL;
}

AqmpTestFakeAgent *
aqmp_test_fake_agent_new (void)
{
  AqmpTestFakeAgent *self = g_new0 (AqmpTestFakeAgent, 1);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *listen = NULL;
  gchar *path;

  self->dir = aqmp_test_make_dir ();
  path = g_build_filename (self->dir, "qga.sock", NULL);
  self->address = g_strdup_printf ("unix:%s", path);
  g_free (path);

  self->after_delimiter = g_ptr_array_new_with_free_func (g_free);
  self->held = g_ptr_array_new_with_free_func (g_free);
  self->sync_ids = g_ptr_array_new_with_free_func (g_free);
  self->log = g_ptr_array_new_with_free_func (g_free);
  self->received = g_ptr_array_new_with_free_func (g_free);
  self->exec_exit_codes = g_array_new (FALSE, FALSE, sizeof (gint));
  self->files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_byte_array_unref);
  self->handles = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                         (GDestroyNotify) aqmp_test_fake_file_free);
  self->next_handle = 1000;
  self->exec_out = g_strdup ("");
  self->exec_err = g_strdup ("");
  g_queue_init (&self->stale);

  self->server = aqmp_server_new ();
  aqmp_server_set_greeting (self->server, NULL);
  aqmp_server_set_require_negotiation (self->server, FALSE);
  aqmp_server_set_line_ending (self->server, "\n");
  for (guint i = 0; commands[i] != NULL; i++)
    aqmp_server_set_handler (self->server, commands[i], fake_agent_handle, self, NULL);
  aqmp_server_set_handler (self->server, "guest-get-time", fake_agent_handle, self, NULL);
  listen = aqmp_server_listen (self->server, self->address, &error);
  g_assert_no_error (error);
  return self;
}

/* answers the freeze that hold_freeze holds: the guest is frozen */
void
aqmp_test_fake_agent_release_freeze (AqmpTestFakeAgent *self)
{
  g_autoptr(JsonNode) id = g_steal_pointer (&self->held_freeze);
  g_autoptr(JsonNode) value = node_int (2);

  g_assert_nonnull (id);
  aqmp_server_send_reply (self->server, id, value);
}

void
aqmp_test_fake_agent_free (AqmpTestFakeAgent *self)
{
  if (self == NULL)
    return;
  aqmp_server_stop (self->server);
  g_object_unref (self->server);
  aqmp_test_remove_dir (self->dir);
  g_free (self->dir);
  g_free (self->address);
  g_ptr_array_unref (self->after_delimiter);
  g_ptr_array_unref (self->held);
  g_ptr_array_unref (self->sync_ids);
  g_ptr_array_unref (self->log);
  g_ptr_array_unref (self->received);
  g_strfreev (self->disabled);
  g_array_unref (self->exec_exit_codes);
  g_hash_table_unref (self->files);
  g_hash_table_unref (self->handles);
  g_queue_clear_full (&self->stale, (GDestroyNotify) json_object_unref);
  g_clear_pointer (&self->held_freeze, json_node_unref);
  g_free (self->shutdown_error);
  g_free (self->freeze_error);
  g_free (self->thaw_error);
  g_free (self->exec_out);
  g_free (self->exec_err);
  g_free (self);
}

/* a client with @protocol, connected (and so synchronised) */
AqmpClient *
aqmp_test_fake_agent_connect (AqmpTestFakeAgent *self, AqmpProtocol *protocol)
{
  g_autoptr(AqmpClient) client = aqmp_client_new ();
  g_autoptr(GError) error = NULL;

  aqmp_client_set_protocol (client, protocol);
  aqmp_client_set_default_timeout (client, AQMP_TEST_WAIT_MS);
  aqmp_client_set_connect_timeout (client, AQMP_TEST_WAIT_MS);
  aqmp_client_connect_sync (client, self->address, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (aqmp_client_get_state (client), ==, AQMP_STATE_RUNNING);
  return g_steal_pointer (&client);
}

guint
aqmp_test_fake_agent_n_open_handles (AqmpTestFakeAgent *self)
{
  return g_hash_table_size (self->handles);
}
