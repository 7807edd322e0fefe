/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmpd-backups.h"
#include "aqmpd-error.h"
#include "aqmpd-job.h"
#include "aqmpd-machine.h"
#include "aqmpd-manager.h"
#include "aqmpd-schema.h"
#include "aqmpd-options.h"
#include "aqmpd-saved.h"
#include "aqmpd-workflow-run.h"

/*
 * AqmpdManager: io.github.aqmp.Aqmp1.Manager and the object manager at
 * /io/github/aqmp/Aqmp1. It owns the machines and the job objects, and
 * routes StartJob to a machine's runner and RunWorkflow to a plugin; the
 * jobs a workflow starts, on the machine's runner, get Job objects too.
 * Machines added with AddMachine are saved (aqmpd-saved.h) and added
 * again, with their options, when the daemon starts.
 */

#define AQMPD_HISTORY_DEFAULT_LIMIT 100

struct _AqmpdManager {
  GObject parent_instance;

  GDBusConnection *connection;
  AqmpdAuthority *authority;
  AqmpJobStore *store;             /* nullable */
  AqmpPluginLoader *loader;
  guint job_linger_s;

  GDBusObjectManagerServer *object_manager;
  AqmpDBusManager *iface;
  GHashTable *machines;            /* path -> AqmpdMachine */
  GHashTable *jobs;                /* path -> AqmpdJob */
  guint next_machine;
  guint next_job;
  GHashTable *linger;              /* AqmpdJob -> source id */
  AqmpdBackups *backups;           /* StartBackup and the catalog's methods */
  gchar *saved_path;               /* nullable: machines are not kept */
  GHashTable *saved;               /* path -> (ssa{sv}), AddMachine's */
  GHashTable *restored;            /* paths of the saved machines added at start */
};

G_DEFINE_FINAL_TYPE (AqmpdManager, aqmpd_manager, G_TYPE_OBJECT)

static const gchar * const aqmpd_manager_open_methods[] = {
  "ListWorkflows",
  "GetJobHistory",
  "ListBackups",
  NULL
};

/* only exported machines: not one that is still connecting */
static AqmpdMachine *
aqmpd_manager_lookup_machine (AqmpdManager *self, const gchar *path, GError **error)
{
  AqmpdMachine *machine = g_hash_table_lookup (self->machines, path);

  if (machine == NULL
      || !g_dbus_object_manager_server_is_exported (self->object_manager,
                                                    G_DBUS_OBJECT_SKELETON (aqmpd_machine_get_object (machine))))
    {
      g_set_error (error, AQMPD_ERROR, AQMPD_ERROR_NOT_FOUND, "no machine at %s", path);
      return NULL;
    }
  return machine;
}

static AqmpdMachine *
aqmpd_manager_lookup_connected (AqmpdManager *self, const gchar *path, GError **error)
{
  AqmpdMachine *machine = aqmpd_manager_lookup_machine (self, path, error);

  if (machine != NULL && !aqmpd_machine_is_connected (machine))
    {
      g_set_error (error, AQMPD_ERROR, AQMPD_ERROR_DISCONNECTED, "machine %s is not connected",
                   aqmpd_machine_get_name (machine));
      return NULL;
    }
  return machine;
}

/* ----- the machines kept across restarts ----- */

static void
aqmpd_manager_save (AqmpdManager *self)
{
  g_autoptr(GVariantBuilder) builder = NULL;
  g_autoptr(GVariant) machines = NULL;
  g_autoptr(GError) error = NULL;
  GHashTableIter iter;
  gpointer value;

  if (self->saved_path == NULL)
    return;
  builder = g_variant_builder_new (G_VARIANT_TYPE (AQMPD_SAVED_TYPE));
  g_hash_table_iter_init (&iter, self->saved);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_variant_builder_add_value (builder, value);
  machines = g_variant_ref_sink (g_variant_builder_end (builder));
  if (!aqmpd_saved_write (self->saved_path, machines, &error))
    g_warning ("cannot save the machines in %s: %s", self->saved_path, error->message);
}

/* the path of the machine @name remembered from before the restart, when
 * it was added with @address and @options: AddMachine again returns it, so
 * that a caller that adds its machines after each restart keeps working;
 * within one run a name is taken once */
static const gchar *
aqmpd_manager_find_saved (AqmpdManager *self, const gchar *name, const gchar *address, GVariant *options)
{
  GHashTableIter iter;
  gpointer key;
  gpointer value;

  g_hash_table_iter_init (&iter, self->saved);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const gchar *saved_name;
      const gchar *saved_address;
      g_autoptr(GVariant) saved_options = NULL;

      if (!g_hash_table_contains (self->restored, key))
        continue;
      g_variant_get (value, "(&s&s@a{sv})", &saved_name, &saved_address, &saved_options);
      if (g_strcmp0 (saved_name, name) == 0 && g_strcmp0 (saved_address, address) == 0
          && g_variant_equal (saved_options, options))
        return key;
    }
  return NULL;
}

/* ----- jobs ----- */

static void
aqmpd_manager_drop_job (AqmpdManager *self, AqmpdJob *job)
{
  g_dbus_object_manager_server_unexport (self->object_manager, aqmpd_job_get_path (job));
  g_hash_table_remove (self->linger, job);
  g_hash_table_remove (self->jobs, aqmpd_job_get_path (job));
}

typedef struct {
  AqmpdManager *manager;
  AqmpdJob *job;
} AqmpdLinger;

static gboolean
aqmpd_manager_linger_cb (gpointer user_data)
{
  AqmpdLinger *linger = user_data;

  g_hash_table_steal (linger->manager->linger, linger->job);
  g_debug ("job %s expired", aqmpd_job_get_path (linger->job));
  aqmpd_manager_drop_job (linger->manager, linger->job);
  return G_SOURCE_REMOVE;
}

static void
aqmpd_manager_job_ended_cb (AqmpdJob *job, gpointer user_data)
{
  AqmpdManager *self = user_data;
  AqmpdLinger *linger = g_new0 (AqmpdLinger, 1);
  guint id;

  linger->manager = self;
  linger->job = job;
  id = g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, self->job_linger_s, aqmpd_manager_linger_cb,
                                   linger, g_free);
  g_hash_table_insert (self->linger, job, GUINT_TO_POINTER (id));
}

static AqmpdJob *
aqmpd_manager_add_job (AqmpdManager *self, AqmpdMachine *machine, const gchar *id,
                       const gchar *operation, guint32 uid)
{
  g_autofree gchar *path = g_strdup_printf (AQMPD_OBJECT_PATH "/jobs/%u", ++self->next_job);
  AqmpdJob *job = aqmpd_job_new (path, aqmpd_machine_get_path (machine), id, operation, uid);

  g_hash_table_insert (self->jobs, g_strdup (path), job);
  aqmpd_authority_guard (self->authority, G_DBUS_INTERFACE_SKELETON (aqmpd_job_get_iface (job)), NULL);
  g_signal_connect_object (job, "ended", G_CALLBACK (aqmpd_manager_job_ended_cb), self, 0);
  g_dbus_object_manager_server_export (self->object_manager,
                                       G_DBUS_OBJECT_SKELETON (aqmpd_job_get_object (job)));
  return job;
}

static gboolean
aqmpd_manager_follows (AqmpdManager *self, AqmpJob *qemu_job)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->jobs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (aqmpd_job_get_qemu_job (value) == qemu_job)
      return TRUE;
  return FALSE;
}

/* a job QEMU already had, such as one started before the daemon restarted */
static void
aqmpd_manager_job_adopted_cb (AqmpdMachine *machine, AqmpJob *qemu_job, gpointer user_data)
{
  AqmpdManager *self = user_data;
  AqmpdJob *job;

  if (aqmpd_manager_follows (self, qemu_job) || aqmp_job_is_ended (qemu_job))
    return;
  g_message ("%s: following job %s", aqmpd_machine_get_name (machine), aqmp_job_get_id (qemu_job));
  /* who started it comes from the job's history, when it has one */
  job = aqmpd_manager_add_job (self, machine, aqmp_job_get_id (qemu_job),
                               aqmp_job_get_command (qemu_job), AQMPD_JOB_UID_UNKNOWN);
  aqmpd_job_follow (job, aqmpd_machine_get_runner (machine), qemu_job);
}

static gboolean aqmpd_manager_handle_start_backup (AqmpDBusMachine *iface, GDBusMethodInvocation *invocation,
                                                   GVariant *options, gpointer user_data);

/* ----- AddMachine ----- */

static const AqmpdOptionSpec aqmpd_manager_machine_options[] = {
  { "qga-address", "s" },
  { "timeout-ms", "u" },
  { "allow-destructive", "b" },
  { "allow-host-access", "b" },
  { "allowed-directories", "as" },
  { NULL, NULL }
};

typedef struct {
  gchar *qga_address;
  guint timeout_ms;
  AqmpdPrivileges privileges;
} AqmpdMachineOptions;

static void
aqmpd_machine_options_clear (AqmpdMachineOptions *opts)
{
  g_clear_pointer (&opts->qga_address, g_free);
  aqmpd_privileges_clear (&opts->privileges);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AqmpdMachineOptions, aqmpd_machine_options_clear)

static gboolean
aqmpd_manager_parse_machine_options (GVariant *options, AqmpdMachineOptions *out, GError **error)
{
  if (!aqmpd_options_check (options, "AddMachine options", aqmpd_manager_machine_options, error))
    return FALSE;
  g_variant_lookup (options, "qga-address", "s", &out->qga_address);
  g_variant_lookup (options, "timeout-ms", "u", &out->timeout_ms);
  g_variant_lookup (options, "allow-destructive", "b", &out->privileges.allow_destructive);
  g_variant_lookup (options, "allow-host-access", "b", &out->privileges.allow_host_access);
  g_variant_lookup (options, "allowed-directories", "^as", &out->privileges.allowed_directories);
  return TRUE;
}

/* privileges are root's to grant, never the caller's who would use them */
static gboolean
aqmpd_manager_check_grant (AqmpdManager *self, GDBusMethodInvocation *invocation,
                           const AqmpdPrivileges *privileges, GError **error)
{
  guint32 uid = G_MAXUINT32;

  if (!aqmpd_privileges_any (privileges))
    return TRUE;
  if (!aqmpd_authority_get_caller_uid (self->authority, invocation, &uid, error))
    return FALSE;
  if (aqmpd_authority_uid_is_root (self->authority, uid))
    return TRUE;
  g_set_error (error, AQMPD_ERROR, AQMPD_ERROR_NOT_AUTHORIZED,
               "uid %u may not grant %s: only root may give a machine allow-destructive, "
               "allow-host-access or allowed-directories", uid,
               privileges->allow_destructive ? "allow-destructive"
               : privileges->allow_host_access ? "allow-host-access" : "allowed-directories");
  return FALSE;
}

static gboolean
aqmpd_manager_name_taken (AqmpdManager *self, const gchar *name)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->machines);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (g_strcmp0 (aqmpd_machine_get_name (value), name) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
aqmpd_manager_check_new_machine (AqmpdManager *self, const gchar *name, const gchar *address,
                                 GError **error)
{
  if (name[0] == '\0' || address[0] == '\0')
    {
      g_set_error_literal (error, AQMPD_ERROR, AQMPD_ERROR_INVALID_ARGS,
                           "a machine needs a name and a QMP address");
      return FALSE;
    }
  if (aqmpd_manager_name_taken (self, name))
    {
      g_set_error (error, AQMPD_ERROR, AQMPD_ERROR_INVALID_ARGS,
                   "there is a machine called %s already", name);
      return FALSE;
    }
  return TRUE;
}

typedef struct {
  AqmpdManager *manager;
  GDBusMethodInvocation *invocation;
} AqmpdCall;

static AqmpdCall *
aqmpd_call_new (AqmpdManager *manager, GDBusMethodInvocation *invocation)
{
  AqmpdCall *call = g_new0 (AqmpdCall, 1);

  call->manager = g_object_ref (manager);
  call->invocation = g_object_ref (invocation);
  return call;
}

static void
aqmpd_call_free (AqmpdCall *call)
{
  g_object_unref (call->manager);
  g_object_unref (call->invocation);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AqmpdCall, aqmpd_call_free)

static void
aqmpd_manager_machine_connected_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(AqmpdCall) call = user_data;
  AqmpdManager *self = call->manager;
  AqmpdMachine *machine = AQMPD_MACHINE (source);
  g_autoptr(GError) error = NULL;

  if (!aqmpd_machine_connect_finish (machine, res, &error))
    {
      aqmpd_machine_close (machine);
      g_hash_table_remove (self->saved, aqmpd_machine_get_path (machine));
      g_hash_table_remove (self->machines, aqmpd_machine_get_path (machine));
      aqmpd_invocation_return_error (call->invocation, error);
      return;
    }
  g_dbus_object_manager_server_export (self->object_manager,
                                       G_DBUS_OBJECT_SKELETON (aqmpd_machine_get_object (machine)));
  aqmpd_manager_save (self);
  g_dbus_method_invocation_return_value (call->invocation,
                                         g_variant_new ("(o)", aqmpd_machine_get_path (machine)));
}

/* the machine's runner was reconciled: its backups whose runner went away
 * are settled now, not at its next backup */
static void
aqmpd_manager_jobs_reconciled_cb (AqmpdMachine *machine, gpointer user_data)
{
  AqmpdManager *self = user_data;

  aqmpd_backups_reconcile (self->backups, machine);
}

static AqmpdMachine *
aqmpd_manager_new_machine (AqmpdManager *self, const gchar *name, const gchar *address,
                           AqmpdMachineOptions *opts)
{
  g_autofree gchar *path = g_strdup_printf (AQMPD_OBJECT_PATH "/machines/%u", ++self->next_machine);
  AqmpdMachine *machine = aqmpd_machine_new (path, name, address, opts->qga_address,
                                             &opts->privileges, opts->timeout_ms, self->authority,
                                             self->store);

  aqmpd_authority_guard (self->authority, G_DBUS_INTERFACE_SKELETON (aqmpd_machine_get_iface (machine)), NULL);
  g_signal_connect_object (machine, "job-adopted", G_CALLBACK (aqmpd_manager_job_adopted_cb), self, 0);
  g_signal_connect_object (machine, "jobs-reconciled", G_CALLBACK (aqmpd_manager_jobs_reconciled_cb), self, 0);
  g_signal_connect_object (aqmpd_machine_get_iface (machine), "handle-start-backup",
                           G_CALLBACK (aqmpd_manager_handle_start_backup), self, 0);
  g_hash_table_insert (self->machines, g_strdup (path), machine);
  g_message ("adding machine %s at %s", name, address);
  return machine;
}

/**
 * aqmpd_manager_add_configured:
 * @spec: `NAME=ADDRESS`, from the command line
 *
 * Adds a machine the daemon keeps connecting to, exported at once.
 */
gboolean
aqmpd_manager_add_configured (AqmpdManager *self, const gchar *spec, GError **error)
{
  g_auto(GStrv) parts = g_strsplit (spec, "=", 2);
  g_auto(AqmpdMachineOptions) opts = { 0 };
  AqmpdMachine *machine;

  if (g_strv_length (parts) != 2)
    {
      g_set_error (error, AQMPD_ERROR, AQMPD_ERROR_INVALID_ARGS,
                   "a machine is given as NAME=ADDRESS, not %s", spec);
      return FALSE;
    }
  if (!aqmpd_manager_check_new_machine (self, parts[0], parts[1], error))
    return FALSE;
  machine = aqmpd_manager_new_machine (self, parts[0], parts[1], &opts);
  g_dbus_object_manager_server_export (self->object_manager,
                                       G_DBUS_OBJECT_SKELETON (aqmpd_machine_get_object (machine)));
  aqmpd_machine_start (machine);
  return TRUE;
}

static gboolean
aqmpd_manager_handle_add_machine (AqmpDBusManager *iface, GDBusMethodInvocation *invocation,
                                  const gchar *name, const gchar *address, GVariant *options,
                                  gpointer user_data)
{
  AqmpdManager *self = user_data;
  g_auto(AqmpdMachineOptions) opts = { 0 };
  g_autoptr(GError) error = NULL;
  AqmpdMachine *machine;

  const gchar *remembered;

  if (!aqmpd_manager_parse_machine_options (options, &opts, &error)
      || !aqmpd_manager_check_grant (self, invocation, &opts.privileges, &error)
      || !aqmpd_privileges_check_directories (opts.privileges.allowed_directories, &error))
    {
      aqmpd_invocation_return_error (invocation, error);
      return TRUE;
    }
  /* a machine kept from before a restart, added again as it was */
  remembered = aqmpd_manager_find_saved (self, name, address, options);
  if (remembered != NULL)
    {
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", remembered));
      return TRUE;
    }
  if (!aqmpd_manager_check_new_machine (self, name, address, &error))
    {
      aqmpd_invocation_return_error (invocation, error);
      return TRUE;
    }
  machine = aqmpd_manager_new_machine (self, name, address, &opts);
  g_hash_table_insert (self->saved, g_strdup (aqmpd_machine_get_path (machine)),
                       g_variant_ref_sink (g_variant_new ("(ss@a{sv})", name, address, options)));
  aqmpd_machine_connect_async (machine, NULL, aqmpd_manager_machine_connected_cb,
                               aqmpd_call_new (self, invocation));
  return TRUE;
}

/* ----- RemoveMachine ----- */

static void
aqmpd_manager_end_machine_jobs (AqmpdManager *self, const gchar *machine_path)
{
  g_autoptr(GError) error = g_error_new_literal (AQMPD_ERROR, AQMPD_ERROR_DISCONNECTED, "machine removed");
  g_autoptr(GList) jobs = g_hash_table_get_values (self->jobs);

  for (GList *l = jobs; l != NULL; l = l->next)
    {
      AqmpdJob *job = l->data;

      if (g_strcmp0 (aqmpd_job_get_machine_path (job), machine_path) != 0 || aqmpd_job_is_ended (job))
        continue;
      g_cancellable_cancel (aqmpd_job_get_cancellable (job));
      aqmpd_job_end (job, "failed", error);
    }
}

static gboolean
aqmpd_manager_handle_remove_machine (AqmpDBusManager *iface, GDBusMethodInvocation *invocation,
                                     const gchar *path, gpointer user_data)
{
  AqmpdManager *self = user_data;
  g_autoptr(GError) error = NULL;
  AqmpdMachine *machine = aqmpd_manager_lookup_machine (self, path, &error);

  if (machine == NULL)
    {
      aqmpd_invocation_return_error (invocation, error);
      return TRUE;
    }
  g_message ("removing machine %s", aqmpd_machine_get_name (machine));
  aqmpd_machine_close (machine);
  aqmpd_manager_end_machine_jobs (self, path);
  g_dbus_object_manager_server_unexport (self->object_manager, path);
  g_hash_table_remove (self->machines, path);
  g_hash_table_remove (self->restored, path);
  if (g_hash_table_remove (self->saved, path))
    aqmpd_manager_save (self);
  g_dbus_method_invocation_return_value (invocation, NULL);
  return TRUE;
}

/* ----- StartJob ----- */

typedef struct {
  AqmpdCall call;
  AqmpdMachine *machine;
  guint32 uid;
  gchar *command;
  JsonObject *arguments;
} AqmpdStartJob;

/* a transaction starts several jobs: each gets its object, the first is
 * the answer */
static void
aqmpd_manager_job_started_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpdStartJob *start = user_data;
  AqmpdManager *self = start->call.manager;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) qemu_jobs = aqmp_job_runner_start_finish_all (AQMP_JOB_RUNNER (source), res, &error);
  g_autofree gchar *first = NULL;

  for (guint i = 0; qemu_jobs != NULL && i < qemu_jobs->len; i++)
    {
      AqmpJob *qemu_job = g_ptr_array_index (qemu_jobs, i);
      AqmpdJob *job;

      if (aqmpd_manager_follows (self, qemu_job))
        continue;
      job = aqmpd_manager_add_job (self, start->machine, aqmp_job_get_id (qemu_job),
                                   aqmp_job_get_command (qemu_job), start->uid);
      aqmpd_job_follow (job, AQMP_JOB_RUNNER (source), qemu_job);
      if (first == NULL)
        first = g_strdup (aqmpd_job_get_path (job));
    }
  if (qemu_jobs == NULL)
    aqmpd_invocation_return_error (start->call.invocation, error);
  else if (first == NULL)
    g_dbus_method_invocation_return_error (start->call.invocation, AQMPD_ERROR, AQMPD_ERROR_FAILED,
                                           "job %s is followed already",
                                           aqmp_job_get_id (g_ptr_array_index (qemu_jobs, 0)));
  else
    g_dbus_method_invocation_return_value (start->call.invocation, g_variant_new ("(o)", first));
  g_object_unref (start->machine);
  g_object_unref (start->call.manager);
  g_object_unref (start->call.invocation);
  g_free (start->command);
  g_clear_pointer (&start->arguments, json_object_unref);
  g_free (start);
}

static void
aqmpd_manager_start_validated_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpdStartJob *start = user_data;

  aqmpd_schema_ensure_finish (AQMP_CLIENT (source), res);
  aqmp_job_runner_start_full_async (aqmpd_machine_get_runner (start->machine), start->command, start->arguments,
                                    AQMP_JOB_START_FLAGS_NONE, start->uid, NULL, aqmpd_manager_job_started_cb, start);
}

static gboolean
aqmpd_manager_prepare_call (AqmpdManager *self, GDBusMethodInvocation *invocation,
                            const gchar *machine_path, AqmpdMachine **machine, guint32 *uid,
                            GError **error)
{
  *machine = aqmpd_manager_lookup_connected (self, machine_path, error);
  if (*machine == NULL)
    return FALSE;
  return aqmpd_authority_get_caller_uid (self->authority, invocation, uid, error);
}

static gboolean
aqmpd_manager_handle_start_job (AqmpDBusManager *iface, GDBusMethodInvocation *invocation,
                                const gchar *machine_path, const gchar *command,
                                const gchar *arguments_json, gpointer user_data)
{
  AqmpdManager *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) arguments = NULL;
  g_autofree gchar *logged = NULL;
  AqmpdStartJob *start;
  AqmpdMachine *machine = NULL;
  guint32 uid = 0;

  if (!aqmpd_manager_prepare_call (self, invocation, machine_path, &machine, &uid, &error)
      || !aqmpd_parse_json_object (arguments_json, &arguments, &error)
      || !aqmpd_machine_check_command (machine, aqmpd_authority_uid_is_root (self->authority, uid),
                                       command, arguments, &error))
    {
      aqmpd_invocation_return_error (invocation, error);
      return TRUE;
    }
  logged = aqmpd_redacted_json (arguments);
  g_info ("%s: job %s %s for uid %u", aqmpd_machine_get_name (machine), command, logged, uid);
  start = g_new0 (AqmpdStartJob, 1);
  start->call.manager = g_object_ref (self);
  start->call.invocation = g_object_ref (invocation);
  start->machine = g_object_ref (machine);
  start->uid = uid;
  start->command = g_strdup (command);
  start->arguments = g_steal_pointer (&arguments);
  /* the runner asks the client's check before it records the job */
  aqmpd_schema_ensure_async (aqmp_job_runner_get_client (aqmpd_machine_get_runner (machine)), NULL,
                             aqmpd_manager_start_validated_cb, start);
  return TRUE;
}

/* ----- StartBackup, on a machine ----- */

static gboolean
aqmpd_manager_handle_start_backup (AqmpDBusMachine *iface, GDBusMethodInvocation *invocation,
                                   GVariant *options, gpointer user_data)
{
  AqmpdManager *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpBackupOptions) backup = NULL;
  g_autofree gchar *id = NULL;
  AqmpdMachine *machine = NULL;
  AqmpdJob *job;
  gboolean quiesce = FALSE;
  guint32 uid = 0;

  if (!aqmpd_manager_prepare_call (self, invocation, g_dbus_method_invocation_get_object_path (invocation),
                                   &machine, &uid, &error)
      || (backup = aqmpd_backups_parse_options (self->backups, machine,
                                                aqmpd_authority_uid_is_root (self->authority, uid),
                                                options, &quiesce, &error)) == NULL)
    {
      aqmpd_invocation_return_error (invocation, error);
      return TRUE;
    }
  /* each of the backup's QEMU jobs is in the history as the caller's */
  aqmp_backup_options_set_started_by_uid (backup, uid);
  g_info ("%s: backup (%s) into %s for uid %u", aqmpd_machine_get_name (machine),
          aqmp_backup_level_to_string (aqmp_backup_options_get_level (backup)),
          aqmp_backup_options_get_directory (backup), uid);
  id = g_strdup_printf ("backup-%u", self->next_job + 1);
  job = aqmpd_manager_add_job (self, machine, id, "backup", uid);
  aqmpd_backups_start (self->backups, machine, backup, quiesce, job);
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", aqmpd_job_get_path (job)));
  return TRUE;
}

/* ----- workflows ----- */

static AqmpWorkflow *
aqmpd_manager_find_workflow (AqmpdManager *self, const gchar *name, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  AqmpWorkflow *workflow = aqmp_plugin_loader_find_workflow (self->loader, name, &local_error);

  if (workflow == NULL)
    g_set_error_literal (error, AQMPD_ERROR, AQMPD_ERROR_NOT_FOUND, local_error->message);
  return workflow;
}

/* a job a workflow started: the machine's, with a Job object of its own */
static void
aqmpd_manager_workflow_job_cb (AqmpdWorkflowRun *run, AqmpJob *qemu_job, gpointer user_data)
{
  AqmpdManager *self = user_data;
  AqmpdMachine *machine = aqmpd_workflow_run_get_machine (run);
  AqmpdJob *job;

  if (aqmpd_manager_follows (self, qemu_job))
    return;
  job = aqmpd_manager_add_job (self, machine, aqmp_job_get_id (qemu_job), aqmp_job_get_command (qemu_job),
                               aqmpd_workflow_run_get_uid (run));
  aqmpd_job_follow (job, aqmpd_machine_get_runner (machine), qemu_job);
}

/*
 * A workflow that takes a QMP command as a parameter (guest-exec-around-job's
 * "command" and "arguments") would send it on the caller's behalf: it is
 * checked as StartJob checks it.
 */
static gboolean
aqmpd_manager_check_workflow_command (AqmpdManager *self, AqmpdMachine *machine, guint32 uid,
                                      JsonObject *params, GError **error)
{
  JsonNode *command = json_object_get_member (params, "command");
  JsonNode *arguments = json_object_get_member (params, "arguments");
  g_autoptr(JsonObject) object = NULL;

  if (command == NULL)
    return TRUE;
  if (json_node_get_value_type (command) != G_TYPE_STRING)
    {
      g_set_error_literal (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                           "RunWorkflow parameters: key 'command' must be a string");
      return FALSE;
    }
  if (arguments != NULL && JSON_NODE_HOLDS_OBJECT (arguments))
    object = json_object_ref (json_node_get_object (arguments));
  else if (arguments != NULL && json_node_get_value_type (arguments) == G_TYPE_STRING
           && !aqmpd_parse_json_object (json_node_get_string (arguments), &object, error))
    return FALSE;
  return aqmpd_machine_check_command (machine, aqmpd_authority_uid_is_root (self->authority, uid),
                                      json_node_get_string (command), object, error);
}

static gboolean
aqmpd_manager_handle_run_workflow (AqmpDBusManager *iface, GDBusMethodInvocation *invocation,
                                   const gchar *machine_path, const gchar *name,
                                   GVariant *params, gpointer user_data)
{
  AqmpdManager *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) json = NULL;
  g_autoptr(AqmpdWorkflowRun) run = NULL;
  g_autofree gchar *id = NULL;
  g_autofree gchar *operation = NULL;
  g_autofree gchar *logged = NULL;
  AqmpdMachine *machine = NULL;
  AqmpWorkflow *workflow = NULL;
  AqmpdJob *job;
  guint32 uid = 0;

  if (!aqmpd_manager_prepare_call (self, invocation, machine_path, &machine, &uid, &error)
      || !aqmpd_options_check_types (params, "RunWorkflow parameters", aqmpd_workflow_param_types, &error)
      || (json = aqmpd_workflow_params_from_variant (params, &error)) == NULL
      || !aqmpd_manager_check_workflow_command (self, machine, uid, json, &error)
      || (workflow = aqmpd_manager_find_workflow (self, name, &error)) == NULL)
    {
      aqmpd_invocation_return_error (invocation, error);
      return TRUE;
    }
  logged = aqmpd_redacted_json (json);
  g_info ("%s: workflow %s %s for uid %u", aqmpd_machine_get_name (machine), name, logged, uid);
  id = g_strdup_printf ("%s-%u", name, self->next_job + 1);
  operation = g_strdup_printf ("workflow:%s", name);
  job = aqmpd_manager_add_job (self, machine, id, operation, uid);
  run = aqmpd_workflow_run_new (workflow, machine, self->loader, self->store, job, json, uid);
  g_signal_connect_object (run, "job-started", G_CALLBACK (aqmpd_manager_workflow_job_cb), self, 0);
  aqmpd_workflow_run_start (run);
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", aqmpd_job_get_path (job)));
  return TRUE;
}

static gboolean
aqmpd_manager_handle_list_workflows (AqmpDBusManager *iface, GDBusMethodInvocation *invocation,
                                     gpointer user_data)
{
  AqmpdManager *self = user_data;
  GPtrArray *plugins = aqmp_plugin_loader_get_plugins (self->loader);
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ss)"));
  for (guint i = 0; plugins != NULL && i < plugins->len; i++)
    {
      GPtrArray *workflows = aqmp_plugin_get_workflows (g_ptr_array_index (plugins, i));

      for (guint j = 0; workflows != NULL && j < workflows->len; j++)
        {
          AqmpWorkflow *workflow = g_ptr_array_index (workflows, j);
          g_variant_builder_add (&builder, "(ss)", aqmp_workflow_get_name (workflow),
                                 aqmp_workflow_get_description (workflow));
        }
    }
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(a(ss))", &builder));
  return TRUE;
}

/* ----- GetJobHistory ----- */

static const AqmpdOptionSpec aqmpd_manager_history_filter[] = {
  { "machine", "s" },
  { "active-only", "b" },
  { "limit", "u" },
  { "offset", "u" },
  { NULL, NULL }
};

/* one page, the newest first, read in SQL */
static GPtrArray *
aqmpd_manager_read_history (AqmpdManager *self, GVariant *filter, GError **error)
{
  const gchar *machine = NULL;
  gboolean active_only = FALSE;
  guint limit = AQMPD_HISTORY_DEFAULT_LIMIT;
  guint offset = 0;

  if (!aqmpd_options_check (filter, "GetJobHistory filter", aqmpd_manager_history_filter, error))
    return NULL;
  g_variant_lookup (filter, "machine", "&s", &machine);
  g_variant_lookup (filter, "active-only", "b", &active_only);
  g_variant_lookup (filter, "limit", "u", &limit);
  g_variant_lookup (filter, "offset", "u", &offset);
  if (self->store == NULL)
    {
      g_set_error_literal (error, AQMPD_ERROR, AQMPD_ERROR_NOT_SUPPORTED,
                           "the daemon runs without a job store");
      return NULL;
    }
  /* a limit of 0 asks for nothing, as it always did, not for everything */
  if (limit == 0)
    return g_ptr_array_new ();
  return aqmp_job_store_list_recent_jobs (self->store, machine, active_only, offset, limit, error);
}

static gboolean
aqmpd_manager_handle_get_job_history (AqmpDBusManager *iface, GDBusMethodInvocation *invocation,
                                      GVariant *filter, gpointer user_data)
{
  AqmpdManager *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  GVariantBuilder builder;

  jobs = aqmpd_manager_read_history (self, filter, &error);
  if (jobs == NULL)
    {
      aqmpd_invocation_return_error (invocation, error);
      return TRUE;
    }
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < jobs->len; i++)
    g_variant_builder_add_value (&builder, aqmp_job_record_to_variant (g_ptr_array_index (jobs, i)));
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(aa{sv})", &builder));
  return TRUE;
}

/* ----- object ----- */

/* lets go of every machine; running jobs stay active in the store */
void
aqmpd_manager_shutdown (AqmpdManager *self)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (AQMPD_IS_MANAGER (self));
  g_hash_table_iter_init (&iter, self->machines);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    aqmpd_machine_close (value);
}

static void
aqmpd_manager_dispose (GObject *object)
{
  AqmpdManager *self = AQMPD_MANAGER (object);

  if (self->machines != NULL)
    aqmpd_manager_shutdown (self);
  if (self->iface != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->iface));
  g_clear_object (&self->backups);
  g_clear_pointer (&self->linger, g_hash_table_unref);
  g_clear_pointer (&self->jobs, g_hash_table_unref);
  g_clear_pointer (&self->machines, g_hash_table_unref);
  g_clear_object (&self->iface);
  g_clear_object (&self->object_manager);
  g_clear_object (&self->loader);
  g_clear_object (&self->store);
  g_clear_object (&self->authority);
  g_clear_object (&self->connection);
  g_clear_pointer (&self->saved, g_hash_table_unref);
  g_clear_pointer (&self->restored, g_hash_table_unref);
  g_clear_pointer (&self->saved_path, g_free);
  G_OBJECT_CLASS (aqmpd_manager_parent_class)->dispose (object);
}

static void
aqmpd_manager_class_init (AqmpdManagerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = aqmpd_manager_dispose;
}

static void
aqmpd_manager_remove_source (gpointer id)
{
  g_source_remove (GPOINTER_TO_UINT (id));
}

static void
aqmpd_manager_init (AqmpdManager *self)
{
  self->machines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->jobs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->linger = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, aqmpd_manager_remove_source);
  self->saved = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_variant_unref);
  self->restored = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

static void
aqmpd_manager_connect_methods (AqmpdManager *self)
{
  g_signal_connect (self->iface, "handle-add-machine", G_CALLBACK (aqmpd_manager_handle_add_machine), self);
  g_signal_connect (self->iface, "handle-remove-machine", G_CALLBACK (aqmpd_manager_handle_remove_machine), self);
  g_signal_connect (self->iface, "handle-start-job", G_CALLBACK (aqmpd_manager_handle_start_job), self);
  g_signal_connect (self->iface, "handle-run-workflow", G_CALLBACK (aqmpd_manager_handle_run_workflow), self);
  g_signal_connect (self->iface, "handle-list-workflows", G_CALLBACK (aqmpd_manager_handle_list_workflows), self);
  g_signal_connect (self->iface, "handle-get-job-history", G_CALLBACK (aqmpd_manager_handle_get_job_history), self);
}

AqmpdManager *
aqmpd_manager_new (GDBusConnection *connection, AqmpdAuthority *authority, AqmpJobStore *store,
                   AqmpPluginLoader *loader, guint job_linger_s)
{
  AqmpdManager *self = g_object_new (AQMPD_TYPE_MANAGER, NULL);

  self->connection = g_object_ref (connection);
  self->authority = g_object_ref (authority);
  self->store = store != NULL ? g_object_ref (store) : NULL;
  self->loader = g_object_ref (loader);
  self->job_linger_s = job_linger_s;
  self->object_manager = g_dbus_object_manager_server_new (AQMPD_OBJECT_PATH);
  self->iface = aqmp_dbus_manager_skeleton_new ();
  aqmp_dbus_manager_set_version (self->iface, PACKAGE_VERSION);
  aqmpd_authority_guard (authority, G_DBUS_INTERFACE_SKELETON (self->iface), aqmpd_manager_open_methods);
  aqmpd_manager_connect_methods (self);
  self->backups = aqmpd_backups_new (authority, store, loader, self->machines);
  aqmpd_backups_connect (self->backups, self->iface);
  return self;
}

/* one saved machine, exported at once and connecting with backoff, its
 * jobs re-attached once it is up */
static gboolean
aqmpd_manager_restore_one (AqmpdManager *self, GVariant *entry, GError **error)
{
  const gchar *name;
  const gchar *address;
  g_autoptr(GVariant) options = NULL;
  g_auto(AqmpdMachineOptions) opts = { 0 };
  AqmpdMachine *machine;

  g_variant_get (entry, "(&s&s@a{sv})", &name, &address, &options);
  if (!aqmpd_manager_parse_machine_options (options, &opts, error)
      || !aqmpd_manager_check_new_machine (self, name, address, error))
    return FALSE;
  machine = aqmpd_manager_new_machine (self, name, address, &opts);
  g_hash_table_insert (self->saved, g_strdup (aqmpd_machine_get_path (machine)), g_variant_ref (entry));
  g_hash_table_add (self->restored, g_strdup (aqmpd_machine_get_path (machine)));
  g_dbus_object_manager_server_export (self->object_manager,
                                       G_DBUS_OBJECT_SKELETON (aqmpd_machine_get_object (machine)));
  aqmpd_machine_start (machine);
  return TRUE;
}

/**
 * aqmpd_manager_restore:
 * @path: the file AddMachine's machines are kept in
 *
 * Adds the machines saved in @path again and keeps them there from now on.
 * A machine that cannot be added (its name taken by a --machine) is
 * warned about, and dropped from the file at its next change.
 */
gboolean
aqmpd_manager_restore (AqmpdManager *self, const gchar *path, GError **error)
{
  g_autoptr(GVariant) machines = aqmpd_saved_read (path, error);
  GVariantIter iter;
  GVariant *entry;

  if (machines == NULL)
    return FALSE;
  g_free (self->saved_path);
  self->saved_path = g_strdup (path);
  g_variant_iter_init (&iter, machines);
  while ((entry = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) owned = entry;
      g_autoptr(GError) local = NULL;

      if (!aqmpd_manager_restore_one (self, entry, &local))
        g_warning ("not adding a saved machine again: %s", local->message);
    }
  return TRUE;
}

/* the Manager and the object manager at /io/github/aqmp/Aqmp1 */
gboolean
aqmpd_manager_export (AqmpdManager *self, GError **error)
{
  g_return_val_if_fail (AQMPD_IS_MANAGER (self), FALSE);

  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->iface), self->connection,
                                         AQMPD_OBJECT_PATH, error))
    return FALSE;
  g_dbus_object_manager_server_set_connection (self->object_manager, self->connection);
  return TRUE;
}
