/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aqmp-machine-identity.h"

/*
 * A machine is known by up to four things, each kept in the job's row:
 *
 * - the normalised address: `unix:` and the absolute, resolved socket
 *   path, or `tcp:host:port` / `tls:host:port` with the host in lower case
 *   (names are not resolved);
 * - the pid of the QEMU process, from SO_PEERCRED on a Unix socket, with
 *   the process's start time from /proc so that a reused pid is not taken
 *   for the same QEMU;
 * - QEMU's UUID (query-uuid), unless it is all zeroes, as it is for
 *   `-machine none` and whenever no -uuid was given;
 * - QEMU's name (query-name), when it was started with -name.
 *
 * Two identities are compared on the first of these, in the order pid,
 * UUID, name, address, that both have: the same pid (and start time) is
 * the same QEMU whichever monitor or address reached it, a different pid
 * is another QEMU even at the same address.
 */

#define AQMP_MACHINE_ZERO_UUID "00000000-0000-0000-0000-000000000000"

struct _AqmpMachineIdentity {
  GObject parent_instance;
  gchar *address;
  gchar *uuid;
  gchar *name;
  gint64 pid;
  gint64 pid_start;
};

G_DEFINE_FINAL_TYPE (AqmpMachineIdentity, aqmp_machine_identity, G_TYPE_OBJECT)

/* ----- addresses ----- */

static gchar *
aqmp_machine_normalize_path (const gchar *path)
{
  g_autofree gchar *absolute = NULL;
  g_autofree gchar *resolved = NULL;

  if (path[0] == '\0')
    return NULL;
  absolute = g_canonicalize_filename (path, NULL);
  /* symlinked directories lead to the same socket */
  resolved = realpath (absolute, NULL);
  return g_strdup_printf ("unix:%s", resolved != NULL ? resolved : absolute);
}

static gchar *
aqmp_machine_normalize_inet (const gchar *scheme, const gchar *spec)
{
  const gchar *colon = strrchr (spec, ':');
  g_autofree gchar *host = NULL;
  g_autofree gchar *lower = NULL;
  guint64 port = 0;

  if (colon == NULL || colon == spec
      || !g_ascii_string_to_unsigned (colon + 1, 10, 1, G_MAXUINT16, &port, NULL))
    return NULL;
  host = g_strndup (spec, colon - spec);
  if (host[0] == '[' && g_str_has_suffix (host, "]"))
    {
      g_autofree gchar *inner = g_strndup (host + 1, strlen (host) - 2);
      g_free (host);
      host = g_steal_pointer (&inner);
    }
  if (host[0] == '\0')
    return NULL;
  lower = g_ascii_strdown (host, -1);
  if (strchr (lower, ':') != NULL)
    return g_strdup_printf ("%s:[%s]:%" G_GUINT64_FORMAT, scheme, lower, port);
  return g_strdup_printf ("%s:%s:%" G_GUINT64_FORMAT, scheme, lower, port);
}

/**
 * aqmp_machine_address_normalize:
 * @address: (nullable): an address as aqmp_client_connect_async() takes it
 *
 * Returns: (transfer full) (nullable): the one spelling of @address, or
 *   %NULL when it is none: `unix:/x.sock`, `/x.sock` and `/y/../x.sock`
 *   all give `unix:/x.sock`, `HOST:PORT` gives `tcp:host:port`
 */
gchar *
aqmp_machine_address_normalize (const gchar *address)
{
  if (address == NULL || address[0] == '\0')
    return NULL;
  if (g_str_has_prefix (address, "unix:"))
    return aqmp_machine_normalize_path (address + strlen ("unix:"));
  if (address[0] == '/' || address[0] == '.')
    return aqmp_machine_normalize_path (address);
  if (g_str_has_prefix (address, "tls:"))
    return aqmp_machine_normalize_inet ("tls", address + strlen ("tls:"));
  if (g_str_has_prefix (address, "tcp:"))
    return aqmp_machine_normalize_inet ("tcp", address + strlen ("tcp:"));
  return aqmp_machine_normalize_inet ("tcp", address);
}

/* ----- the QEMU process ----- */

/* the process's start time in clock ticks since boot (field 22 of
 * /proc/PID/stat), or 0 when there is no such process */
static gint64
aqmp_machine_process_start (gint64 pid)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/%" G_GINT64_FORMAT "/stat", pid);
  g_autofree gchar *stat = NULL;
  g_auto(GStrv) fields = NULL;
  const gchar *after;
  guint64 start = 0;

  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return 0;
  /* the command name, in parentheses, may hold spaces: count after it */
  after = strrchr (stat, ')');
  if (after == NULL)
    return 0;
  fields = g_strsplit (after + 1, " ", -1);
  /* fields[0] is empty, fields[1] is field 3 (the state) */
  if (g_strv_length (fields) < 21 || !g_ascii_string_to_unsigned (fields[20], 10, 1, G_MAXINT64, &start, NULL))
    return 0;
  return (gint64) start;
}

static gint64
aqmp_machine_peer_pid (AqmpClient *client)
{
  g_autoptr(GCredentials) credentials = aqmp_client_get_peer_credentials (client, NULL);
  pid_t pid;

  if (credentials == NULL)
    return 0;
  pid = g_credentials_get_unix_pid (credentials, NULL);
  /* a socket pair made here tells our own pid, not QEMU's */
  if (pid <= 0 || pid == getpid ())
    return 0;
  return pid;
}

/* ----- the object ----- */

AqmpMachineIdentity *
aqmp_machine_identity_new (const gchar *address, const gchar *uuid, const gchar *name, gint64 pid,
                           gint64 pid_start)
{
  AqmpMachineIdentity *self = g_object_new (AQMP_TYPE_MACHINE_IDENTITY, NULL);

  self->address = g_strdup (address);
  if (uuid != NULL && uuid[0] != '\0' && g_ascii_strcasecmp (uuid, AQMP_MACHINE_ZERO_UUID) != 0)
    self->uuid = g_ascii_strdown (uuid, -1);
  self->name = name != NULL && name[0] != '\0' ? g_strdup (name) : NULL;
  self->pid = MAX (pid, 0);
  self->pid_start = self->pid > 0 ? MAX (pid_start, 0) : 0;
  return self;
}

/* from a job's row in the store */
AqmpMachineIdentity *
aqmp_machine_identity_new_from_record (AqmpJobRecord *record)
{
  return aqmp_machine_identity_new (aqmp_job_record_get_address (record),
                                    aqmp_job_record_get_qemu_uuid (record),
                                    aqmp_job_record_get_qemu_name (record),
                                    aqmp_job_record_get_qemu_pid (record),
                                    aqmp_job_record_get_qemu_pid_start (record));
}

const gchar *
aqmp_machine_identity_get_address (AqmpMachineIdentity *self)
{
  g_return_val_if_fail (AQMP_IS_MACHINE_IDENTITY (self), NULL);
  return self->address;
}

const gchar *
aqmp_machine_identity_get_uuid (AqmpMachineIdentity *self)
{
  g_return_val_if_fail (AQMP_IS_MACHINE_IDENTITY (self), NULL);
  return self->uuid;
}

const gchar *
aqmp_machine_identity_get_name (AqmpMachineIdentity *self)
{
  g_return_val_if_fail (AQMP_IS_MACHINE_IDENTITY (self), NULL);
  return self->name;
}

gint64
aqmp_machine_identity_get_pid (AqmpMachineIdentity *self)
{
  g_return_val_if_fail (AQMP_IS_MACHINE_IDENTITY (self), 0);
  return self->pid;
}

gint64
aqmp_machine_identity_get_pid_start (AqmpMachineIdentity *self)
{
  g_return_val_if_fail (AQMP_IS_MACHINE_IDENTITY (self), 0);
  return self->pid_start;
}

/* nothing known: a row written before identities were kept */
gboolean
aqmp_machine_identity_is_empty (AqmpMachineIdentity *self)
{
  g_return_val_if_fail (AQMP_IS_MACHINE_IDENTITY (self), TRUE);
  return self->address == NULL && self->uuid == NULL && self->name == NULL && self->pid == 0;
}

static AqmpMachineMatch
aqmp_machine_match (gboolean equal)
{
  return equal ? AQMP_MACHINE_MATCH_SAME : AQMP_MACHINE_MATCH_DIFFERENT;
}

/* on the first thing both know, in the order pid, UUID, name, address */
AqmpMachineMatch
aqmp_machine_identity_compare (AqmpMachineIdentity *a, AqmpMachineIdentity *b)
{
  g_return_val_if_fail (AQMP_IS_MACHINE_IDENTITY (a), AQMP_MACHINE_MATCH_UNKNOWN);
  g_return_val_if_fail (AQMP_IS_MACHINE_IDENTITY (b), AQMP_MACHINE_MATCH_UNKNOWN);

  if (a->pid > 0 && b->pid > 0)
    return aqmp_machine_match (a->pid == b->pid
                               && (a->pid_start == 0 || b->pid_start == 0 || a->pid_start == b->pid_start));
  if (a->uuid != NULL && b->uuid != NULL)
    return aqmp_machine_match (g_strcmp0 (a->uuid, b->uuid) == 0);
  if (a->name != NULL && b->name != NULL)
    return aqmp_machine_match (g_strcmp0 (a->name, b->name) == 0);
  if (a->address != NULL && b->address != NULL)
    return aqmp_machine_match (g_strcmp0 (a->address, b->address) == 0);
  return AQMP_MACHINE_MATCH_UNKNOWN;
}

/* whether the QEMU process is known to have ended (on this host) */
gboolean
aqmp_machine_identity_process_gone (AqmpMachineIdentity *self)
{
  gint64 start;

  g_return_val_if_fail (AQMP_IS_MACHINE_IDENTITY (self), FALSE);

  if (self->pid == 0)
    return FALSE;
  start = aqmp_machine_process_start (self->pid);
  return start == 0 || (self->pid_start != 0 && start != self->pid_start);
}

/* for logs */
gchar *
aqmp_machine_identity_describe (AqmpMachineIdentity *self)
{
  g_autoptr(GString) text = g_string_new (NULL);

  g_return_val_if_fail (AQMP_IS_MACHINE_IDENTITY (self), NULL);

  g_string_append (text, self->address != NULL ? self->address : "(no address)");
  if (self->pid > 0)
    g_string_append_printf (text, ", pid %" G_GINT64_FORMAT, self->pid);
  if (self->uuid != NULL)
    g_string_append_printf (text, ", uuid %s", self->uuid);
  if (self->name != NULL)
    g_string_append_printf (text, ", name %s", self->name);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* ----- asking QEMU ----- */

typedef struct {
  gchar *address;
  gint64 pid;
  gchar *uuid;
  gchar *name;
  guint pending;
  GError *cancelled;
} AqmpMachineQuery;

static void
aqmp_machine_query_free (AqmpMachineQuery *query)
{
  g_free (query->address);
  g_free (query->uuid);
  g_free (query->name);
  g_clear_error (&query->cancelled);
  g_free (query);
}

static void
aqmp_machine_query_done (GTask *task)
{
  AqmpMachineQuery *query = g_task_get_task_data (task);

  if (--query->pending > 0)
    return;
  if (query->cancelled != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&query->cancelled));
      return;
    }
  g_task_return_pointer (task,
                         aqmp_machine_identity_new (query->address, query->uuid, query->name, query->pid,
                                                    query->pid > 0 ? aqmp_machine_process_start (query->pid) : 0),
                         g_object_unref);
}

/* a string member of the reply, or NULL; a QEMU without the command
 * (qemu-storage-daemon has no query-uuid) just tells nothing */
static gchar *
aqmp_machine_query_member (GTask *task, GAsyncResult *res, const gchar *member)
{
  AqmpMachineQuery *query = g_task_get_task_data (task);
  AqmpClient *client = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_finish (client, res, &error);

  if (value == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && query->cancelled == NULL)
        query->cancelled = g_steal_pointer (&error);
      else
        g_debug ("no %s from QEMU: %s", member, error->message);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (value))
    return NULL;
  return g_strdup (aqmp_json_get_string (json_node_get_object (value), member));
}

static void
aqmp_machine_uuid_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  AqmpMachineQuery *query = g_task_get_task_data (task);

  query->uuid = aqmp_machine_query_member (task, res, "UUID");
  aqmp_machine_query_done (task);
}

static void
aqmp_machine_name_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  AqmpMachineQuery *query = g_task_get_task_data (task);

  query->name = aqmp_machine_query_member (task, res, "name");
  aqmp_machine_query_done (task);
}

/**
 * aqmp_machine_identity_query_async:
 * @client: a connected client
 *
 * Learns who is at the other end of @client: its normalised address, the
 * peer's pid, `query-uuid` and `query-name`. What QEMU cannot tell is left
 * out; only cancellation fails.
 */
void
aqmp_machine_identity_query_async (AqmpClient *client, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;
  AqmpMachineQuery *query = g_new0 (AqmpMachineQuery, 1);

  g_return_if_fail (AQMP_IS_CLIENT (client));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, aqmp_machine_identity_query_async);
  query->address = aqmp_machine_address_normalize (aqmp_client_get_address (client));
  query->pid = aqmp_machine_peer_pid (client);
  query->pending = 2;
  g_task_set_task_data (task, query, (GDestroyNotify) aqmp_machine_query_free);
  aqmp_client_execute_async (client, "query-uuid", NULL, cancellable, aqmp_machine_uuid_cb, g_object_ref (task));
  aqmp_client_execute_async (client, "query-name", NULL, cancellable, aqmp_machine_name_cb, task);
}

AqmpMachineIdentity *
aqmp_machine_identity_query_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == aqmp_machine_identity_query_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
aqmp_machine_identity_finalize (GObject *object)
{
  AqmpMachineIdentity *self = AQMP_MACHINE_IDENTITY (object);

  g_free (self->address);
  g_free (self->uuid);
  g_free (self->name);
  G_OBJECT_CLASS (aqmp_machine_identity_parent_class)->finalize (object);
}

static void
aqmp_machine_identity_class_init (AqmpMachineIdentityClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = aqmp_machine_identity_finalize;
}

static void
aqmp_machine_identity_init (AqmpMachineIdentity *self)
{
}
