/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmpd-backoff.h"
#include "aqmpd-error.h"
#include "aqmpd-machine.h"
#include "aqmpd-schema.h"
#include "aqmpd-policy.h"

/*
 * AqmpdMachine: one QEMU machine, exported as io.github.aqmp.Aqmp1.Machine.
 * It owns the QMP client (reconnected after a loss with the client's
 * capped exponential backoff; a machine given on the command line that is
 * not up yet is retried with the same backoff), the machine's job
 * runner and, when it has one, the guest agent client. Connected and
 * RunState follow the client's state, query-status and the run-state
 * events; every QMP event is passed on as the Event signal.
 */

struct _AqmpdMachine {
  GObject parent_instance;

  gchar *path;
  gchar *name;
  gchar *address;
  gchar *qga_address;
  AqmpdPrivileges privileges;  /* granted by root only */
  AqmpdAuthority *authority;
  guint timeout_ms;

  AqmpClient *client;
  AqmpClient *qga;
  AqmpJobRunner *runner;
  AqmpDBusObjectSkeleton *object;
  AqmpDBusMachine *iface;

  GCancellable *cancellable;   /* cancelled by aqmpd_machine_close() */
  AqmpdBackoff backoff;        /* the first connection of a configured machine */
  guint retry_id;
  gboolean closed;
};

G_DEFINE_FINAL_TYPE (AqmpdMachine, aqmpd_machine, G_TYPE_OBJECT)

enum {
  SIGNAL_JOB_ADOPTED,
  SIGNAL_JOBS_RECONCILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

gboolean
aqmpd_machine_is_destructive (const gchar *command)
{
  return aqmpd_policy_is_destructive (command);
}

/* ----- run state ----- */

static void
aqmpd_machine_status_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(AqmpdMachine) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_finish (AQMP_CLIENT (source), res, &error);
  JsonObject *obj;

  if (value == NULL)
    {
      g_debug ("%s: query-status failed: %s", self->name, error->message);
      return;
    }
  if (!JSON_NODE_HOLDS_OBJECT (value))
    return;
  obj = json_node_get_object (value);
  aqmp_dbus_machine_set_run_state (self->iface,
                                   json_object_get_string_member_with_default (obj, "status", ""));
}

static void
aqmpd_machine_refresh_status (AqmpdMachine *self)
{
  if (aqmp_client_get_state (self->client) != AQMP_STATE_RUNNING)
    return;
  aqmp_client_execute_full_async (self->client, "query-status", NULL, AQMP_EXECUTE_FLAGS_NONE,
                                  (gint) self->timeout_ms, self->cancellable,
                                  aqmpd_machine_status_cb, g_object_ref (self));
}

/*
 * The events that change the run state. STOP, RESUME and SHUTDOWN say to
 * what; after the others QEMU is asked. Nothing is sent after SHUTDOWN:
 * QEMU may be exiting, and a write it never reads would fail the
 * connection before the reply to a `quit` arrives.
 */
static void
aqmpd_machine_track_run_state (AqmpdMachine *self, const gchar *name)
{
  static const gchar * const changes[] = {
    "RESET", "POWERDOWN", "SUSPEND", "SUSPEND_DISK", "WAKEUP",
    "GUEST_PANICKED", "WATCHDOG", "BLOCK_IO_ERROR", "MIGRATION", NULL
  };

  if (g_strcmp0 (name, "STOP") == 0)
    aqmp_dbus_machine_set_run_state (self->iface, "paused");
  else if (g_strcmp0 (name, "RESUME") == 0)
    aqmp_dbus_machine_set_run_state (self->iface, "running");
  else if (g_strcmp0 (name, "SHUTDOWN") == 0)
    aqmp_dbus_machine_set_run_state (self->iface, "shutdown");
  if (g_strv_contains (changes, name) || g_strcmp0 (name, "STOP") == 0)
    /* the exact word (paused, debug, io-error, ...) from QEMU */
    aqmpd_machine_refresh_status (self);
}

static void
aqmpd_machine_event_cb (AqmpClient *client, AqmpEvent *event, gpointer user_data)
{
  AqmpdMachine *self = user_data;
  JsonObject *data = aqmp_event_get_data (event);
  g_autoptr(JsonObject) empty = data == NULL ? json_object_new () : NULL;
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), data != NULL ? data : empty);
  g_autofree gchar *json = aqmp_json_to_string (node, FALSE);

  g_debug ("%s: event %s", self->name, aqmp_event_get_name (event));
  aqmpd_machine_track_run_state (self, aqmp_event_get_name (event));
  aqmp_dbus_machine_emit_event (self->iface, aqmp_event_get_name (event), json,
                                aqmp_event_get_timestamp (event));
}

/* ----- connection ----- */

static void
aqmpd_machine_set_connected (AqmpdMachine *self, gboolean connected)
{
  aqmp_dbus_machine_set_connected (self->iface, connected);
  if (!connected)
    aqmp_dbus_machine_set_run_state (self->iface, "");
}

/*
 * Once per lost connection: the client then reconnects on its own, and
 * its attempts are logged only at debug level (in the "aqmp" domain).
 */
static void
aqmpd_machine_disconnected_cb (AqmpClient *client, const GError *cause, gpointer user_data)
{
  AqmpdMachine *self = user_data;

  if (!aqmp_dbus_machine_get_connected (self->iface))
    return;
  aqmpd_machine_set_connected (self, FALSE);
  if (aqmp_client_get_reconnecting (client))
    g_message ("%s: lost the connection to %s: %s; reconnecting", self->name, self->address,
               cause != NULL ? cause->message : "closed");
  else
    g_message ("%s: disconnected: %s", self->name, cause != NULL ? cause->message : "closed");
}

static void
aqmpd_machine_reconciled_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(AqmpdMachine) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) jobs = aqmp_job_runner_reconcile_finish (AQMP_JOB_RUNNER (source), res, &error);

  if (jobs == NULL)
    {
      g_warning ("%s: cannot reconcile jobs: %s", self->name, error->message);
      return;
    }
  for (guint i = 0; i < jobs->len && !self->closed; i++)
    g_signal_emit (self, signals[SIGNAL_JOB_ADOPTED], 0, g_ptr_array_index (jobs, i));
  if (!self->closed)
    g_signal_emit (self, signals[SIGNAL_JOBS_RECONCILED], 0);
}

static void
aqmpd_machine_connected (AqmpdMachine *self)
{
  g_message ("%s: connected to %s", self->name, self->address);
  aqmpd_backoff_reset (&self->backoff);
  aqmpd_machine_set_connected (self, TRUE);
  aqmpd_machine_refresh_status (self);
  aqmp_job_runner_reconcile_async (self->runner, self->cancellable,
                                   aqmpd_machine_reconciled_cb, g_object_ref (self));
}

static void
aqmpd_machine_connect_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  AqmpdMachine *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (!aqmp_client_connect_finish (AQMP_CLIENT (source), res, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  aqmpd_machine_connected (self);
  g_task_return_boolean (task, TRUE);
}

void
aqmpd_machine_connect_async (AqmpdMachine *self, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, aqmpd_machine_connect_async);
  aqmp_client_connect_async (self->client, self->address, cancellable,
                             aqmpd_machine_connect_cb, task);
}

gboolean
aqmpd_machine_connect_finish (AqmpdMachine *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
aqmpd_machine_client_reconnected_cb (AqmpClient *client, gpointer user_data)
{
  aqmpd_machine_connected (user_data);
}

static void aqmpd_machine_retry (AqmpdMachine *self);

static void
aqmpd_machine_first_connect_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpdMachine *self = AQMPD_MACHINE (source);
  g_autoptr(GError) error = NULL;

  if (aqmpd_machine_connect_finish (self, res, &error) || self->closed)
    return;
  /* said once; the attempts that follow only at debug level */
  if (self->backoff.attempts == 0)
    g_message ("%s: cannot connect to %s: %s; retrying with backoff up to every %u s",
               self->name, self->address, error->message, AQMPD_MACHINE_RECONNECT_MAX_MS / 1000);
  else
    g_debug ("%s: attempt %u failed: %s", self->name, self->backoff.attempts + 1, error->message);
  aqmpd_machine_retry (self);
}

static gboolean
aqmpd_machine_retry_cb (gpointer user_data)
{
  AqmpdMachine *self = user_data;

  self->retry_id = 0;
  if (aqmp_client_get_state (self->client) == AQMP_STATE_IDLE)
    aqmpd_machine_connect_async (self, self->cancellable, aqmpd_machine_first_connect_cb, NULL);
  return G_SOURCE_REMOVE;
}

static void
aqmpd_machine_retry (AqmpdMachine *self)
{
  guint delay;

  if (self->closed || self->retry_id != 0)
    return;
  delay = aqmpd_backoff_next (&self->backoff);
  g_debug ("%s: next attempt in %u ms", self->name, delay);
  self->retry_id = g_timeout_add (delay, aqmpd_machine_retry_cb, self);
}

/*
 * Connects, and until the first connection is made keeps trying with
 * capped exponential backoff; losses after that are the client's to repair.
 */
void
aqmpd_machine_start (AqmpdMachine *self)
{
  g_return_if_fail (AQMPD_IS_MACHINE (self));
  aqmpd_machine_connect_async (self, self->cancellable, aqmpd_machine_first_connect_cb, NULL);
}

/* ----- Execute ----- */

static void
aqmpd_machine_execute_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_finish (AQMP_CLIENT (source), res, &error);
  g_autofree gchar *json = NULL;

  if (value == NULL)
    {
      aqmpd_invocation_return_error (invocation, error);
      return;
    }
  json = aqmp_json_to_string (value, FALSE);
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", json));
}

/* "" means no arguments; anything else must be a JSON object */
gboolean
aqmpd_parse_json_object (const gchar *text, JsonObject **arguments, GError **error)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) parse_error = NULL;

  *arguments = NULL;
  if (text == NULL || text[0] == '\0')
    return TRUE;
  node = aqmp_json_parse (text, -1, &parse_error);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, AQMPD_ERROR, AQMPD_ERROR_INVALID_ARGS,
                   "the arguments are not a JSON object: %s",
                   parse_error != NULL ? parse_error->message : "another JSON value");
      return FALSE;
    }
  *arguments = json_object_ref (json_node_get_object (node));
  return TRUE;
}

/* for logs: secrets replaced */
gchar *
aqmpd_redacted_json (JsonObject *arguments)
{
  g_autoptr(JsonObject) redacted = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (arguments == NULL)
    return g_strdup ("{}");
  redacted = aqmp_redact_arguments (arguments);
  node = json_node_init_object (json_node_alloc (), redacted);
  return aqmp_json_to_string (node, FALSE);
}

static void
aqmpd_machine_log_command (AqmpdMachine *self, const gchar *command, JsonObject *arguments)
{
  g_autofree gchar *text = aqmpd_redacted_json (arguments);

  g_info ("%s: execute %s %s", self->name, command, text);
}

/**
 * aqmpd_machine_check_command:
 * @caller_is_root: whether the caller is root
 *
 * Whether @command with @arguments may be sent to this machine: the
 * destructive ones need allow-destructive, and for callers who are not
 * root, the ones that reach the host need allow-host-access.
 */
gboolean
aqmpd_machine_check_command (AqmpdMachine *self, gboolean caller_is_root, const gchar *command,
                             JsonObject *arguments, GError **error)
{
  g_return_val_if_fail (AQMPD_IS_MACHINE (self), FALSE);

  if (command[0] == '\0')
    {
      g_set_error_literal (error, AQMPD_ERROR, AQMPD_ERROR_INVALID_ARGS, "no command given");
      return FALSE;
    }
  return aqmpd_policy_check (&self->privileges, caller_is_root, self->name, command, arguments, error);
}

/**
 * aqmpd_machine_check_write:
 * @what: the method, for messages
 * @path: a host file, or with @directory a directory, to be written on
 *   the caller's behalf
 *
 * Whether a caller may have @path written: root always, others on a
 * machine with allow-host-access or within its allowed directories.
 */
gboolean
aqmpd_machine_check_write (AqmpdMachine *self, gboolean caller_is_root, const gchar *what,
                           const gchar *path, gboolean directory, GError **error)
{
  g_return_val_if_fail (AQMPD_IS_MACHINE (self), FALSE);
  return aqmpd_policy_check_write (&self->privileges, caller_is_root, self->name, what, path, directory, error);
}

static gboolean
aqmpd_machine_check_connected (AqmpdMachine *self, GError **error)
{
  if (aqmp_client_get_state (self->client) != AQMP_STATE_RUNNING)
    {
      g_set_error (error, AQMPD_ERROR, AQMPD_ERROR_DISCONNECTED,
                   "machine %s is not connected", self->name);
      return FALSE;
    }
  return TRUE;
}

typedef struct {
  AqmpdMachine *machine;
  GDBusMethodInvocation *invocation;
  gchar *command;
  JsonObject *arguments;
} AqmpdExecute;

static void
aqmpd_machine_validated_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpdExecute *execute = user_data;
  AqmpdMachine *self = execute->machine;

  aqmpd_schema_ensure_finish (AQMP_CLIENT (source), res);
  aqmp_client_execute_full_async (self->client, execute->command, execute->arguments, AQMP_EXECUTE_FLAGS_NONE,
                                  (gint) self->timeout_ms, self->cancellable,
                                  aqmpd_machine_execute_cb, g_steal_pointer (&execute->invocation));
  g_object_unref (execute->machine);
  g_free (execute->command);
  g_clear_pointer (&execute->arguments, json_object_unref);
  g_free (execute);
}

static gboolean
aqmpd_machine_handle_execute (AqmpDBusMachine *iface, GDBusMethodInvocation *invocation,
                              const gchar *command, const gchar *arguments_json,
                              gpointer user_data)
{
  AqmpdMachine *self = user_data;
  g_autoptr(JsonObject) arguments = NULL;
  g_autoptr(GError) error = NULL;
  gboolean root = aqmpd_authority_caller_is_root (self->authority, invocation);
  AqmpdExecute *execute;

  if (!aqmpd_parse_json_object (arguments_json, &arguments, &error)
      || !aqmpd_machine_check_command (self, root, command, arguments, &error)
      || !aqmpd_machine_check_connected (self, &error))
    {
      aqmpd_invocation_return_error (invocation, error);
      return TRUE;
    }
  aqmpd_machine_log_command (self, command, arguments);
  execute = g_new0 (AqmpdExecute, 1);
  execute->machine = g_object_ref (self);
  execute->invocation = g_object_ref (invocation);
  execute->command = g_strdup (command);
  execute->arguments = g_steal_pointer (&arguments);
  /* checked against the schema before it is sent */
  aqmpd_schema_ensure_async (self->client, self->cancellable, aqmpd_machine_validated_cb, execute);
  return TRUE;
}

/* ----- guest agent ----- */

static void
aqmpd_machine_qga_connect_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!aqmp_client_connect_finish (AQMP_CLIENT (source), res, &error))
    {
      g_prefix_error (&error, "cannot connect to the guest agent: ");
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, g_object_ref (source), g_object_unref);
}

static gboolean
aqmpd_machine_ensure_qga (AqmpdMachine *self, AqmpPluginLoader *loader, GError **error)
{
  g_autoptr(AqmpProtocol) protocol = NULL;

  if (self->qga != NULL)
    return TRUE;
  protocol = aqmp_plugin_loader_create_protocol (loader, "qga", error);
  if (protocol == NULL)
    return FALSE;
  self->qga = aqmp_client_new ();
  aqmp_client_set_protocol (self->qga, protocol);
  aqmp_client_set_default_timeout (self->qga, self->timeout_ms);
  aqmp_client_set_connect_timeout (self->qga, self->timeout_ms);
  return TRUE;
}

/**
 * aqmpd_machine_get_guest_agent_async:
 * @loader: where the "qga" protocol comes from
 *
 * Connects the guest agent client, unless it is connected already.
 */
void
aqmpd_machine_get_guest_agent_async (AqmpdMachine *self, AqmpPluginLoader *loader,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, aqmpd_machine_get_guest_agent_async);
  if (self->qga_address == NULL || self->qga_address[0] == '\0')
    {
      g_task_return_new_error (task, AQMPD_ERROR, AQMPD_ERROR_NOT_SUPPORTED,
                               "machine %s was added without a qga-address", self->name);
      return;
    }
  if (!aqmpd_machine_ensure_qga (self, loader, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  switch (aqmp_client_get_state (self->qga))
    {
    case AQMP_STATE_RUNNING:
      g_task_return_pointer (task, g_object_ref (self->qga), g_object_unref);
      return;
    case AQMP_STATE_IDLE:
      aqmp_client_connect_async (self->qga, self->qga_address, cancellable,
                                 aqmpd_machine_qga_connect_cb, g_steal_pointer (&task));
      return;
    default:
      g_task_return_new_error (task, AQMPD_ERROR, AQMPD_ERROR_NOT_SUPPORTED,
                               "the guest agent of %s is connecting or disconnecting; try again",
                               self->name);
    }
}

AqmpClient *
aqmpd_machine_get_guest_agent_finish (AqmpdMachine *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ----- object ----- */

/* stops reconnecting and lets go of QEMU; jobs stay active in the store */
void
aqmpd_machine_close (AqmpdMachine *self)
{
  g_return_if_fail (AQMPD_IS_MACHINE (self));

  if (self->closed)
    return;
  self->closed = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  /* a reconnect may be waiting for its delay, with the client idle */
  aqmp_client_set_reconnect (self->client, FALSE, 0, 0);
  g_signal_handlers_disconnect_by_data (self->client, self);
  if (aqmp_client_get_state (self->client) != AQMP_STATE_IDLE)
    aqmp_client_disconnect_async (self->client, NULL, NULL, NULL);
  if (self->qga != NULL && aqmp_client_get_state (self->qga) != AQMP_STATE_IDLE)
    aqmp_client_disconnect_async (self->qga, NULL, NULL, NULL);
}

static void
aqmpd_machine_dispose (GObject *object)
{
  AqmpdMachine *self = AQMPD_MACHINE (object);

  if (self->client != NULL)
    aqmpd_machine_close (self);
  g_clear_object (&self->runner);
  g_clear_object (&self->client);
  g_clear_object (&self->qga);
  g_clear_object (&self->iface);
  g_clear_object (&self->object);
  G_OBJECT_CLASS (aqmpd_machine_parent_class)->dispose (object);
}

static void
aqmpd_machine_finalize (GObject *object)
{
  AqmpdMachine *self = AQMPD_MACHINE (object);

  g_free (self->path);
  g_free (self->name);
  g_free (self->address);
  g_free (self->qga_address);
  aqmpd_privileges_clear (&self->privileges);
  g_clear_object (&self->authority);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (aqmpd_machine_parent_class)->finalize (object);
}

static void
aqmpd_machine_class_init (AqmpdMachineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = aqmpd_machine_dispose;
  object_class->finalize = aqmpd_machine_finalize;

  /* a job QEMU had when the machine was (re)connected, now followed */
  signals[SIGNAL_JOB_ADOPTED] = g_signal_new ("job-adopted", G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                              G_TYPE_NONE, 1, AQMP_TYPE_JOB);
  /* the runner is reconciled with QEMU after a (re)connection: what
   * builds on the jobs (backups whose runner went away) may settle now */
  signals[SIGNAL_JOBS_RECONCILED] = g_signal_new ("jobs-reconciled", G_TYPE_FROM_CLASS (klass),
                                                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
aqmpd_machine_init (AqmpdMachine *self)
{
  self->cancellable = g_cancellable_new ();
}

static void
aqmpd_machine_export_properties (AqmpdMachine *self)
{
  self->object = aqmp_dbus_object_skeleton_new (self->path);
  self->iface = aqmp_dbus_machine_skeleton_new ();
  aqmp_dbus_machine_set_name (self->iface, self->name);
  aqmp_dbus_machine_set_address (self->iface, self->address);
  aqmp_dbus_machine_set_guest_agent_address (self->iface, self->qga_address);
  aqmp_dbus_machine_set_allow_destructive (self->iface, self->privileges.allow_destructive);
  aqmp_dbus_machine_set_allow_host_access (self->iface, self->privileges.allow_host_access);
  aqmp_dbus_machine_set_allowed_directories (self->iface,
                                             (const gchar * const *) self->privileges.allowed_directories);
  aqmp_dbus_machine_set_connected (self->iface, FALSE);
  aqmp_dbus_machine_set_run_state (self->iface, "");
  g_signal_connect (self->iface, "handle-execute", G_CALLBACK (aqmpd_machine_handle_execute), self);
  aqmp_dbus_object_skeleton_set_machine (self->object, self->iface);
}

/**
 * aqmpd_machine_new:
 * @privileges: what root granted; copied
 * @authority: who the callers of Execute are
 */
AqmpdMachine *
aqmpd_machine_new (const gchar *path, const gchar *name, const gchar *address,
                   const gchar *qga_address, const AqmpdPrivileges *privileges, guint timeout_ms,
                   AqmpdAuthority *authority, AqmpJobStore *store)
{
  AqmpdMachine *self = g_object_new (AQMPD_TYPE_MACHINE, NULL);

  self->path = g_strdup (path);
  self->name = g_strdup (name);
  self->address = g_strdup (address);
  self->qga_address = g_strdup (qga_address != NULL ? qga_address : "");
  aqmpd_privileges_copy (privileges, &self->privileges);
  if (self->privileges.allowed_directories == NULL)
    self->privileges.allowed_directories = g_new0 (gchar *, 1);
  self->authority = g_object_ref (authority);
  self->timeout_ms = timeout_ms > 0 ? timeout_ms : AQMPD_MACHINE_DEFAULT_TIMEOUT_MS;
  self->client = aqmp_client_new ();
  aqmp_client_set_default_timeout (self->client, self->timeout_ms);
  aqmp_client_set_connect_timeout (self->client, MIN (self->timeout_ms, AQMP_DEFAULT_CONNECT_TIMEOUT));
  g_signal_connect (self->client, "event", G_CALLBACK (aqmpd_machine_event_cb), self);
  g_signal_connect (self->client, "disconnected", G_CALLBACK (aqmpd_machine_disconnected_cb), self);
  g_signal_connect (self->client, "reconnected", G_CALLBACK (aqmpd_machine_client_reconnected_cb), self);
  aqmp_client_set_reconnect (self->client, TRUE, AQMPD_MACHINE_RECONNECT_INITIAL_MS,
                             AQMPD_MACHINE_RECONNECT_MAX_MS);
  aqmpd_backoff_init (&self->backoff, AQMPD_MACHINE_RECONNECT_INITIAL_MS, AQMPD_MACHINE_RECONNECT_MAX_MS);
  self->runner = aqmp_job_runner_new (self->client, store, name);
  aqmpd_machine_export_properties (self);
  return self;
}

const gchar *
aqmpd_machine_get_path (AqmpdMachine *self)
{
  g_return_val_if_fail (AQMPD_IS_MACHINE (self), NULL);
  return self->path;
}

const gchar *
aqmpd_machine_get_name (AqmpdMachine *self)
{
  g_return_val_if_fail (AQMPD_IS_MACHINE (self), NULL);
  return self->name;
}

gboolean
aqmpd_machine_is_connected (AqmpdMachine *self)
{
  g_return_val_if_fail (AQMPD_IS_MACHINE (self), FALSE);
  return !self->closed && aqmp_client_get_state (self->client) == AQMP_STATE_RUNNING;
}

AqmpJobRunner *
aqmpd_machine_get_runner (AqmpdMachine *self)
{
  g_return_val_if_fail (AQMPD_IS_MACHINE (self), NULL);
  return self->runner;
}

/* cancelled when the machine is closed (removed, or the daemon stops) */
GCancellable *
aqmpd_machine_get_cancellable (AqmpdMachine *self)
{
  g_return_val_if_fail (AQMPD_IS_MACHINE (self), NULL);
  return self->cancellable;
}

AqmpDBusObjectSkeleton *
aqmpd_machine_get_object (AqmpdMachine *self)
{
  g_return_val_if_fail (AQMPD_IS_MACHINE (self), NULL);
  return self->object;
}

AqmpDBusMachine *
aqmpd_machine_get_iface (AqmpdMachine *self)
{
  g_return_val_if_fail (AQMPD_IS_MACHINE (self), NULL);
  return self->iface;
}
