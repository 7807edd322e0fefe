/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "aqmp-args.h"
#include "aqmp-shell.h"

/*
 * A line is one of:
 *   COMMAND [KEY=VALUE... | JSON]      a QMP command, as for aqmp exec
 *   {"execute": ..., "arguments": ...} a raw QMP request
 *   transaction(                       starts a block of actions, one a
 *   ACTION [KEY=VALUE... | JSON]       line, sent as one transaction
 *   )                                  when the block is closed
 *   # ...                              a comment
 * In HMP mode every line goes to human-monitor-command instead.
 */

#define AQMP_SHELL_BLOCK_OPEN "transaction("
#define AQMP_SHELL_BLOCK_CLOSE ")"

typedef struct {
  AqmpShell *shell;
  gchar *command;
  gboolean hmp;
  AqmpShellDoneFunc done;
  gpointer user_data;
  GSource *pending;           /* the notice of a slow reply */
} AqmpShellCall;

static void
aqmp_shell_call_free (AqmpShellCall *call)
{
  aqmp_cli_pending_clear (&call->pending);
  g_free (call->command);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AqmpShellCall, aqmp_shell_call_free)

void
aqmp_shell_message (AqmpShell *self, gboolean to_stderr, const gchar *format, ...)
{
  va_list args;
  g_autofree gchar *msg = NULL;
  g_autofree gchar *line = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  line = to_stderr ? g_strdup_printf ("aqmp: %s\n", msg) : g_strdup_printf ("%s\n", msg);
  self->print (self, line, to_stderr);
}

void
aqmp_shell_quit (AqmpShell *self, gint exit_code)
{
  if (self->quitting)
    return;
  self->quitting = TRUE;
  self->exit_code = exit_code;
  g_main_loop_quit (self->loop);
}

const gchar *
aqmp_shell_get_prompt (AqmpShell *self)
{
  if (self->block != NULL)
    return "(transaction) ";
  if (self->hmp)
    return "(HMP) ";
  return "(QEMU) ";
}

gboolean
aqmp_shell_discard_block (AqmpShell *self)
{
  if (self->block == NULL)
    return FALSE;
  g_clear_pointer (&self->block, g_ptr_array_unref);
  return TRUE;
}

/* ----- output ----- */

static gchar *
aqmp_shell_format_time (gint64 timestamp)
{
  g_autoptr(GDateTime) dt = NULL;
  gint ms;

  /* QEMU sends -1 when its clock failed */
  if (timestamp < 0)
    timestamp = g_get_real_time ();
  dt = g_date_time_new_from_unix_local (timestamp / G_USEC_PER_SEC);
  ms = (gint) (timestamp % G_USEC_PER_SEC) / 1000;
  if (dt == NULL)
    return g_strdup ("--:--:--.---");
  return g_strdup_printf ("%02d:%02d:%02d.%03d", g_date_time_get_hour (dt),
                          g_date_time_get_minute (dt), g_date_time_get_second (dt), ms);
}

/* a terminal gets a short line; a script the JSON line of aqmp events */
static gchar *
aqmp_shell_format_event (AqmpShell *self, AqmpEvent *event)
{
  g_autofree gchar *time = NULL;
  g_autofree gchar *data = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *obj = aqmp_event_get_data (event);

  if (!self->interactive || self->json_events)
    {
      g_autofree gchar *json = aqmp_event_to_string (event);
      return g_strdup_printf ("%s\n", json);
    }
  time = aqmp_shell_format_time (aqmp_event_get_timestamp (event));
  if (obj == NULL || json_object_get_size (obj) == 0)
    /* TRANSLATORS: an event shown in the shell: the time and the event's name */
    return g_strdup_printf (_("[%s] event %s\n"), time, aqmp_event_get_name (event));
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, obj);
  data = aqmp_json_to_string (node, FALSE);
  /* TRANSLATORS: an event shown in the shell: the time, the event's name and its data as JSON */
  return g_strdup_printf (_("[%s] event %s %s\n"), time, aqmp_event_get_name (event), data);
}

static void
aqmp_shell_event_cb (AqmpClient *client, AqmpEvent *event, gpointer user_data)
{
  AqmpShell *self = user_data;
  g_autofree gchar *text = aqmp_shell_format_event (self, event);

  self->print (self, text, FALSE);
}

static void
aqmp_shell_disconnected_cb (AqmpClient *client, const GError *cause, gpointer user_data)
{
  AqmpShell *self = user_data;

  if (!self->connected)
    return;
  if (cause != NULL)
    {
      /* TRANSLATORS: the connection to QEMU ended; %s says why, in English */
      aqmp_shell_message (self, TRUE, _("connection lost: %s"), cause->message);
      aqmp_shell_quit (self, AQMP_EXIT_PROBLEM);
      return;
    }
  /* a clean close: QEMU answered quit */
  aqmp_shell_message (self, TRUE, _("the server closed the connection"));
  aqmp_shell_quit (self, self->interactive ? AQMP_EXIT_OK : self->status);
}

static void
aqmp_shell_print_hmp (AqmpShell *self, JsonNode *value)
{
  g_autoptr(GString) text = NULL;

  if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
    {
      g_autofree gchar *json = aqmp_json_to_string (value, self->pretty);
      g_autofree gchar *line = g_strdup_printf ("%s\n", json);
      self->print (self, line, FALSE);
      return;
    }
  text = g_string_new (json_node_get_string (value));
  g_string_replace (text, "\r\n", "\n", 0);
  /* HMP tells of errors only in its text; a script's status says so too */
  if (aqmp_cli_hmp_failed (text->str))
    self->status = MAX (self->status, AQMP_EXIT_QMP_ERROR);
  if (text->len == 0)
    return;
  if (text->str[text->len - 1] != '\n')
    g_string_append_c (text, '\n');
  self->print (self, text->str, FALSE);
}

static void
aqmp_shell_executed_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(AqmpShellCall) call = user_data;
  AqmpShell *self = call->shell;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_finish (AQMP_CLIENT (source), res, &error);

  aqmp_cli_pending_clear (&call->pending);
  g_clear_object (&self->running);
  if (value == NULL && g_error_matches (error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED))
    {
      /* the disconnected signal says why, once */
      self->status = MAX (self->status, AQMP_EXIT_PROBLEM);
    }
  else if (value == NULL)
    {
      gint code;
      g_autofree gchar *msg = aqmp_cli_describe_failure (call->command, error, &code);

      aqmp_shell_message (self, TRUE, "%s", msg);
      self->status = MAX (self->status, code);
    }
  else if (call->hmp)
    {
      aqmp_shell_print_hmp (self, value);
    }
  else
    {
      g_autofree gchar *json = aqmp_json_to_string (value, self->pretty);
      g_autofree gchar *line = g_strdup_printf ("%s\n", json);
      self->print (self, line, FALSE);
    }
  call->done (self, call->user_data);
}

static void
aqmp_shell_execute (AqmpShell *self, const gchar *command, JsonObject *arguments,
                    gboolean hmp, AqmpShellDoneFunc done, gpointer user_data)
{
  AqmpShellCall *call = g_new0 (AqmpShellCall, 1);
  gint timeout_ms = -1;

  call->shell = self;
  call->command = g_strdup (command);
  call->hmp = hmp;
  call->done = done;
  call->user_data = user_data;
  g_clear_object (&self->running);
  self->running = g_cancellable_new ();
  /* quick commands are bounded even without --timeout; on a terminal a
   * slow reply is named */
  if (aqmp_client_get_default_timeout (self->client) == 0 && !hmp && aqmp_cli_command_is_quick (command))
    timeout_ms = AQMP_CLI_QUICK_TIMEOUT_MS;
  if (self->interactive && self->address != NULL)
    call->pending = aqmp_cli_announce_pending (self->address, command);
  aqmp_client_execute_full_async (self->client, command, arguments, AQMP_EXECUTE_FLAGS_NONE, timeout_ms,
                                  self->running, aqmp_shell_executed_cb, call);
}

/* ----- parsing a line ----- */

static gboolean
aqmp_shell_parse_raw (const gchar *line, gchar **command, JsonObject **arguments, GError **error)
{
  g_autoptr(JsonNode) node = aqmp_json_parse (line, -1, error);
  JsonObject *obj;
  JsonNode *execute;
  JsonNode *args;
  g_autoptr(GList) members = NULL;

  if (node == NULL)
    {
      g_prefix_error (error, _("not valid JSON: "));
      return FALSE;
    }
  obj = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  /* {}, {"id": 1} or {"exec-oob": ...} have no "execute" at all */
  execute = obj != NULL ? json_object_get_member (obj, "execute") : NULL;
  if (execute == NULL || !JSON_NODE_HOLDS_VALUE (execute)
      || json_node_get_value_type (execute) != G_TYPE_STRING)
    {
      /* TRANSLATORS: keep "execute" as it is: it is the JSON member's name */
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("a raw request needs an \"execute\" member naming the command"));
      return FALSE;
    }
  args = json_object_get_member (obj, "arguments");
  if (args != NULL && !JSON_NODE_HOLDS_OBJECT (args))
    {
      /* TRANSLATORS: keep "arguments" as it is: it is the JSON member's name */
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("\"arguments\" must be a JSON object"));
      return FALSE;
    }
  members = json_object_get_members (obj);
  for (GList *l = members; l != NULL; l = l->next)
    {
      /* the client numbers requests itself, so an "id" is dropped */
      if (g_strcmp0 (l->data, "execute") == 0 || g_strcmp0 (l->data, "arguments") == 0
          || g_strcmp0 (l->data, "id") == 0)
        continue;
      /* TRANSLATORS: %s is a JSON member's name in a raw request */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("unexpected member \"%s\" in the request"), (const gchar *) l->data);
      return FALSE;
    }
  *command = g_strdup (json_object_get_string_member (obj, "execute"));
  *arguments = args != NULL ? json_object_ref (json_node_get_object (args)) : NULL;
  return TRUE;
}

/* NAME [KEY=VALUE... | JSON]; @arguments is NULL when there are none */
static gboolean
aqmp_shell_parse_command (const gchar *line, gchar **command, JsonObject **arguments, GError **error)
{
  const gchar *rest = line;
  g_auto(GStrv) words = NULL;
  gint n_words = 0;
  g_autoptr(JsonObject) args = NULL;

  while (*rest != '\0' && !g_ascii_isspace (*rest))
    rest++;
  *command = g_strndup (line, rest - line);
  while (g_ascii_isspace (*rest))
    rest++;
  *arguments = NULL;
  if (*rest == '\0')
    return TRUE;
  if (*rest == '{')
    {
      const gchar *json[] = { rest, NULL };
      *arguments = aqmp_args_parse (json, 1, error);
      return *arguments != NULL;
    }
  if (!g_shell_parse_argv (rest, &n_words, &words, error))
    return FALSE;
  args = aqmp_args_parse ((const gchar * const *) words, n_words, error);
  if (args == NULL && error != NULL && *error != NULL)
    return FALSE;
  *arguments = g_steal_pointer (&args);
  return TRUE;
}

/* ----- transactions ----- */

static gboolean
aqmp_shell_add_action (AqmpShell *self, const gchar *line, GError **error)
{
  g_autofree gchar *type = NULL;
  g_autoptr(JsonObject) data = NULL;
  JsonObject *action;

  if (!aqmp_shell_parse_command (line, &type, &data, error))
    return FALSE;
  action = json_object_new ();
  json_object_set_string_member (action, "type", type);
  json_object_set_object_member (action, "data", data != NULL ? g_steal_pointer (&data) : json_object_new ());
  g_ptr_array_add (self->block, action);
  return TRUE;
}

static void
aqmp_shell_commit (AqmpShell *self, AqmpShellDoneFunc done, gpointer user_data)
{
  g_autoptr(GPtrArray) block = g_steal_pointer (&self->block);
  g_autoptr(JsonObject) arguments = json_object_new ();
  JsonArray *actions = json_array_new ();

  for (guint i = 0; i < block->len; i++)
    json_array_add_object_element (actions, json_object_ref (g_ptr_array_index (block, i)));
  json_object_set_array_member (arguments, "actions", actions);
  aqmp_shell_execute (self, "transaction", arguments, FALSE, done, user_data);
}

/* a line inside transaction( ... ) */
static gboolean
aqmp_shell_block_line (AqmpShell *self, const gchar *line, AqmpShellDoneFunc done, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (line, AQMP_SHELL_BLOCK_CLOSE) == 0)
    {
      if (self->block->len == 0)
        {
          aqmp_shell_discard_block (self);
          aqmp_shell_message (self, TRUE, _("the transaction was empty; nothing was sent"));
          return FALSE;
        }
      aqmp_shell_commit (self, done, user_data);
      return TRUE;
    }
  if (!aqmp_shell_add_action (self, line, &error))
    {
      /* TRANSLATORS: a line of a transaction block could not be read; %s says why */
      aqmp_shell_message (self, TRUE, _("action not added: %s"), error->message);
      self->status = MAX (self->status, AQMP_EXIT_PROBLEM);
    }
  return FALSE;
}

/*
 * Runs one line. Returns TRUE when a command was sent, and @done will be
 * called once its output is printed; FALSE when the line is already
 * handled (blank, a comment, part of a transaction, or an error).
 */
gboolean
aqmp_shell_run_line (AqmpShell *self, const gchar *text, AqmpShellDoneFunc done, gpointer user_data)
{
  g_autofree gchar *line = g_strstrip (g_strdup (text));
  g_autofree gchar *command = NULL;
  g_autoptr(JsonObject) arguments = NULL;
  g_autoptr(GError) error = NULL;

  if (line[0] == '\0' || line[0] == '#')
    return FALSE;
  /* the shell's own commands; in HMP mode help is HMP's */
  if (self->jobs != NULL && self->block == NULL
      && (line[0] == '/' || (!self->hmp && (g_strcmp0 (line, "help") == 0 || g_strcmp0 (line, "?") == 0))))
    {
      aqmp_shell_jobs_run_line (self->jobs, line);
      return FALSE;
    }
  if (self->hmp)
    {
      arguments = json_object_new ();
      json_object_set_string_member (arguments, "command-line", line);
      aqmp_shell_execute (self, "human-monitor-command", arguments, TRUE, done, user_data);
      return TRUE;
    }
  if (self->block != NULL)
    return aqmp_shell_block_line (self, line, done, user_data);
  if (g_strcmp0 (line, AQMP_SHELL_BLOCK_OPEN) == 0)
    {
      self->block = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
      return FALSE;
    }
  if (line[0] == '{' ? !aqmp_shell_parse_raw (line, &command, &arguments, &error)
                     : !aqmp_shell_parse_command (line, &command, &arguments, &error))
    {
      aqmp_shell_message (self, TRUE, "%s", error->message);
      self->status = MAX (self->status, AQMP_EXIT_PROBLEM);
      return FALSE;
    }
  aqmp_shell_execute (self, command, arguments, FALSE, done, user_data);
  return TRUE;
}

/* ----- what the history keeps ----- */

/*
 * Text that could not be read as a command may still carry a secret (a
 * typo in a quote, an HMP line): it is kept out of the history when it
 * mentions one of these at all.
 */
static const gchar * const aqmp_shell_secret_words[] = {
  "secret", "password", "passwd", "passphrase", "private-key", "token", "cookie", "buf-b64", NULL
};

static gboolean
aqmp_shell_mentions_secret (const gchar *line)
{
  g_autofree gchar *lower = g_ascii_strdown (line, -1);

  for (guint i = 0; aqmp_shell_secret_words[i] != NULL; i++)
    if (strstr (lower, aqmp_shell_secret_words[i]) != NULL)
      return TRUE;
  return FALSE;
}

/* @object redacted as the wire trace shows it, or %NULL when it holds no
 * secret */
static gchar *
aqmp_shell_redacted_json (JsonObject *object)
{
  g_autoptr(JsonObject) redacted = aqmp_redact_arguments (object);
  g_autoptr(JsonNode) before = json_node_init_object (json_node_alloc (), object);
  g_autoptr(JsonNode) after = json_node_init_object (json_node_alloc (), redacted);
  g_autofree gchar *plain = aqmp_json_to_string (before, FALSE);
  gchar *text = aqmp_json_to_string (after, FALSE);

  if (g_strcmp0 (plain, text) == 0)
    {
      g_free (text);
      return NULL;
    }
  return text;
}

/* a raw JSON line: the whole request redacted, whatever its members */
static gchar *
aqmp_shell_history_raw (const gchar *line)
{
  g_autoptr(JsonNode) node = aqmp_json_parse (line, -1, NULL);
  gchar *redacted;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return aqmp_shell_mentions_secret (line) ? NULL : g_strdup (line);
  redacted = aqmp_shell_redacted_json (json_node_get_object (node));
  return redacted != NULL ? redacted : g_strdup (line);
}

/* COMMAND KEY=VALUE... (or an action of a block): with a secret it comes
 * back as COMMAND {JSON} with the secret replaced, which runs as typed
 * once the placeholder is edited */
static gchar *
aqmp_shell_history_command (const gchar *line)
{
  g_autofree gchar *command = NULL;
  g_autoptr(JsonObject) arguments = NULL;
  g_autofree gchar *redacted = NULL;
  g_autoptr(GError) error = NULL;

  /* with an error to set: without one a bad KEY=VALUE reads as none */
  if (!aqmp_shell_parse_command (line, &command, &arguments, &error))
    return aqmp_shell_mentions_secret (line) ? NULL : g_strdup (line);
  if (arguments == NULL)
    return g_strdup (line);
  redacted = aqmp_shell_redacted_json (arguments);
  if (redacted == NULL)
    return g_strdup (line);
  return g_strdup_printf ("%s %s", command, redacted);
}

/**
 * aqmp_shell_history_entry:
 *
 * What the history keeps of @text, about to be run: the line itself, the
 * line with its secrets replaced by AQMP_REDACTED (the rules of the wire
 * trace and the job store), or %NULL when it is not kept because it
 * cannot be read and may carry a secret (HMP lines, broken lines,
 * comments).
 */
gchar *
aqmp_shell_history_entry (AqmpShell *self, const gchar *text)
{
  g_autofree gchar *line = g_strstrip (g_strdup (text));

  if (line[0] == '\0')
    return g_strdup (text);
  if (self->hmp || line[0] == '#')
    return aqmp_shell_mentions_secret (line) ? NULL : g_strdup (text);
  if (g_strcmp0 (line, AQMP_SHELL_BLOCK_OPEN) == 0 || g_strcmp0 (line, AQMP_SHELL_BLOCK_CLOSE) == 0)
    return g_strdup (text);
  if (self->block == NULL && line[0] == '{')
    return aqmp_shell_history_raw (line);
  return aqmp_shell_history_command (line);
}

void
aqmp_shell_init (AqmpShell *self, AqmpClient *client, GMainLoop *loop)
{
  self->client = g_object_ref (client);
  self->loop = g_main_loop_ref (loop);
  g_signal_connect (client, "event", G_CALLBACK (aqmp_shell_event_cb), self);
  g_signal_connect (client, "disconnected", G_CALLBACK (aqmp_shell_disconnected_cb), self);
}

void
aqmp_shell_clear (AqmpShell *self)
{
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  g_cancellable_cancel (self->running);
  g_clear_object (&self->running);
  g_clear_pointer (&self->jobs, aqmp_shell_jobs_free);
  g_clear_pointer (&self->block, g_ptr_array_unref);
  g_clear_object (&self->schema);
  g_clear_object (&self->client);
  g_clear_pointer (&self->loop, g_main_loop_unref);
}
