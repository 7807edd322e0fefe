/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <aqmp/aqmp.h>

#include "aqmp-job-record-private.h"

/**
 * AqmpJobRecord:
 *
 * One job of the history an #AqmpJobStore keeps: what was started, on
 * which machine and by whom, where it got to and how it ended. A record
 * is a snapshot, read-only and reference counted; reading the store again
 * gives a new one.
 *
 * Text that is not known is %NULL; times and pids that are not known are
 * 0, and an unknown uid is -1. aqmp_job_record_to_json() gives the one
 * JSON form of a record (what `aqmp job list --json` prints), and
 * aqmp_job_record_to_variant() the same as an `a{sv}`.
 *
 * All times are microseconds since the epoch.
 *
 * Since: 0.1
 */

G_DEFINE_BOXED_TYPE (AqmpJobRecord, aqmp_job_record, aqmp_job_record_ref, aqmp_job_record_unref)

/* the command of a job aqmp found in QEMU, started by someone else */
#define AQMP_JOB_RECORD_ADOPTED "(adopted)"

AqmpJobRecord *
aqmp_job_record_new (void)
{
  AqmpJobRecord *self = g_new0 (AqmpJobRecord, 1);

  g_atomic_ref_count_init (&self->ref);
  self->started_by_uid = -1;
  return self;
}

/**
 * aqmp_job_record_ref:
 * @self: an #AqmpJobRecord
 *
 * Takes a reference to @self.
 *
 * Returns: (transfer full): @self
 *
 * Since: 0.1
 */
AqmpJobRecord *
aqmp_job_record_ref (AqmpJobRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref);
  return self;
}

/**
 * aqmp_job_record_unref:
 * @self: (transfer full): an #AqmpJobRecord
 *
 * Drops a reference to @self, freeing it with the last one.
 *
 * Since: 0.1
 */
void
aqmp_job_record_unref (AqmpJobRecord *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref))
    return;
  g_free (self->machine);
  g_free (self->job_id);
  g_free (self->command);
  g_clear_pointer (&self->arguments, json_node_unref);
  g_free (self->job_type);
  g_free (self->status);
  g_free (self->result);
  g_free (self->error);
  g_free (self->address);
  g_free (self->qemu_uuid);
  g_free (self->qemu_name);
  g_free (self);
}

/**
 * aqmp_job_record_get_row:
 * @self: an #AqmpJobRecord
 *
 * Returns the job's row in the store, as aqmp_job_get_store_id() gives it.
 *
 * Returns: the job's row in the store, as aqmp_job_get_store_id() gives it
 *
 * Since: 0.1
 */
gint64
aqmp_job_record_get_row (AqmpJobRecord *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->row;
}

/**
 * aqmp_job_record_get_machine:
 * @self: an #AqmpJobRecord
 *
 * Returns the machine's name as the job's runner was given it: the address
 * as typed for `aqmp job`, the machine's name for aqmpd.
 *
 * Returns: the machine's name as the job's runner was given it: the
 *   address as typed for `aqmp job`, the machine's name for aqmpd
 *
 * Since: 0.1
 */
const gchar *
aqmp_job_record_get_machine (AqmpJobRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->machine;
}

/**
 * aqmp_job_record_get_job_id:
 * @self: an #AqmpJobRecord
 *
 * Returns QEMU's `job-id`.
 *
 * Returns: QEMU's `job-id`
 *
 * Since: 0.1
 */
const gchar *
aqmp_job_record_get_job_id (AqmpJobRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->job_id;
}

/**
 * aqmp_job_record_get_command:
 * @self: an #AqmpJobRecord
 *
 * Returns the command that started the job (`transaction` for each job of
 * one), `(adopted)` for a job started outside aqmp, or `workflow:NAME` for
 * a workflow aqmpd ran.
 *
 * Returns: the command that started the job (`transaction` for each job
 *   of one), `(adopted)` for a job started outside aqmp, or
 *   `workflow:NAME` for a workflow aqmpd ran
 *
 * Since: 0.1
 */
const gchar *
aqmp_job_record_get_command (AqmpJobRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->command;
}

/**
 * aqmp_job_record_is_adopted:
 * @self: an #AqmpJobRecord
 *
 * Returns whether the job was started outside aqmp and adopted by a runner
 * that found it in QEMU; its command is then unknown.
 *
 * Returns: whether the job was started outside aqmp and adopted by a
 *   runner that found it in QEMU; its command is then unknown
 *
 * Since: 0.1
 */
gboolean
aqmp_job_record_is_adopted (AqmpJobRecord *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return g_strcmp0 (self->command, AQMP_JOB_RECORD_ADOPTED) == 0;
}

/**
 * aqmp_job_record_get_arguments:
 * @self: an #AqmpJobRecord
 *
 * Returns the command's arguments, secrets redacted, or %NULL when there
 * were none.
 *
 * Returns: (transfer none) (nullable): the command's arguments, secrets
 *   redacted, or %NULL when there were none
 *
 * Since: 0.1
 */
JsonObject *
aqmp_job_record_get_arguments (AqmpJobRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  if (self->arguments == NULL || !JSON_NODE_HOLDS_OBJECT (self->arguments))
    return NULL;
  return json_node_get_object (self->arguments);
}

/**
 * aqmp_job_record_get_job_type:
 * @self: an #AqmpJobRecord
 *
 * Returns QEMU's job type, such as `backup`, once known.
 *
 * Returns: (nullable): QEMU's job type, such as `backup`, once known
 *
 * Since: 0.1
 */
const gchar *
aqmp_job_record_get_job_type (AqmpJobRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->job_type;
}

/**
 * aqmp_job_record_get_status:
 * @self: an #AqmpJobRecord
 *
 * Returns the last status the store saw.
 *
 * Returns: the last status the store saw
 *
 * Since: 0.1
 */
AqmpJobStatus
aqmp_job_record_get_status (AqmpJobRecord *self)
{
  g_return_val_if_fail (self != NULL, AQMP_JOB_STATUS_UNDEFINED);
  return aqmp_job_status_from_string (self->status);
}

/**
 * aqmp_job_record_get_result:
 * @self: an #AqmpJobRecord
 *
 * Returns how the job ended, %AQMP_JOB_RESULT_NONE while it is active.
 *
 * Returns: how the job ended, %AQMP_JOB_RESULT_NONE while it is active
 *
 * Since: 0.1
 */
AqmpJobResult
aqmp_job_record_get_result (AqmpJobRecord *self)
{
  g_return_val_if_fail (self != NULL, AQMP_JOB_RESULT_NONE);
  return aqmp_job_result_from_string (self->result);
}

/**
 * aqmp_job_record_is_active:
 * @self: an #AqmpJobRecord
 *
 * Returns whether the job has no result yet.
 *
 * Returns: whether the job has no result yet
 *
 * Since: 0.1
 */
gboolean
aqmp_job_record_is_active (AqmpJobRecord *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->result == NULL;
}

/**
 * aqmp_job_record_get_error:
 * @self: an #AqmpJobRecord
 *
 * Returns why the job failed, was cancelled or is lost.
 *
 * Returns: (nullable): why the job failed, was cancelled or is lost
 *
 * Since: 0.1
 */
const gchar *
aqmp_job_record_get_error (AqmpJobRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->error;
}

/**
 * aqmp_job_record_get_current_progress:
 * @self: an #AqmpJobRecord
 *
 * Returns QEMU's `current-progress` at the last checkpoint.
 *
 * Returns: QEMU's `current-progress` at the last checkpoint
 *
 * Since: 0.1
 */
gint64
aqmp_job_record_get_current_progress (AqmpJobRecord *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->current_progress;
}

/**
 * aqmp_job_record_get_total_progress:
 * @self: an #AqmpJobRecord
 *
 * Returns QEMU's `total-progress` at the last checkpoint.
 *
 * Returns: QEMU's `total-progress` at the last checkpoint
 *
 * Since: 0.1
 */
gint64
aqmp_job_record_get_total_progress (AqmpJobRecord *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->total_progress;
}

/**
 * aqmp_job_record_get_created:
 * @self: an #AqmpJobRecord
 *
 * Returns when the job was recorded, just before its command was sent.
 *
 * Returns: when the job was recorded, just before its command was sent
 *
 * Since: 0.1
 */
gint64
aqmp_job_record_get_created (AqmpJobRecord *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->created;
}

/**
 * aqmp_job_record_get_finished:
 * @self: an #AqmpJobRecord
 *
 * Returns when the job's result was recorded, or 0 while it is active.
 *
 * Returns: when the job's result was recorded, or 0 while it is active
 *
 * Since: 0.1
 */
gint64
aqmp_job_record_get_finished (AqmpJobRecord *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->finished;
}

/**
 * aqmp_job_record_get_address:
 * @self: an #AqmpJobRecord
 *
 * Returns the machine's normalised address (`unix:` and an absolute path,
 * `tcp:host:port` or `tls:host:port`).
 *
 * Returns: (nullable): the machine's normalised address (`unix:` and an
 *   absolute path, `tcp:host:port` or `tls:host:port`)
 *
 * Since: 0.1
 */
const gchar *
aqmp_job_record_get_address (AqmpJobRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->address;
}

/**
 * aqmp_job_record_get_qemu_pid:
 * @self: an #AqmpJobRecord
 *
 * Returns the QEMU process's pid, or 0 when unknown (over TCP).
 *
 * Returns: the QEMU process's pid, or 0 when unknown (over TCP)
 *
 * Since: 0.1
 */
gint64
aqmp_job_record_get_qemu_pid (AqmpJobRecord *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->qemu_pid;
}

/**
 * aqmp_job_record_get_qemu_pid_start:
 * @self: an #AqmpJobRecord
 *
 * Returns when the QEMU process started, in clock ticks since boot, so that
 * a reused pid is not taken for the same QEMU; 0 when unknown.
 *
 * Returns: when the QEMU process started, in clock ticks since boot, so
 *   that a reused pid is not taken for the same QEMU; 0 when unknown
 *
 * Since: 0.1
 */
gint64
aqmp_job_record_get_qemu_pid_start (AqmpJobRecord *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->qemu_pid_start;
}

/**
 * aqmp_job_record_get_qemu_uuid:
 * @self: an #AqmpJobRecord
 *
 * Returns QEMU's UUID, unless it had none.
 *
 * Returns: (nullable): QEMU's UUID, unless it had none
 *
 * Since: 0.1
 */
const gchar *
aqmp_job_record_get_qemu_uuid (AqmpJobRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->qemu_uuid;
}

/**
 * aqmp_job_record_get_qemu_name:
 * @self: an #AqmpJobRecord
 *
 * Returns QEMU's `-name`, unless it had none.
 *
 * Returns: (nullable): QEMU's `-name`, unless it had none
 *
 * Since: 0.1
 */
const gchar *
aqmp_job_record_get_qemu_name (AqmpJobRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->qemu_name;
}

/**
 * aqmp_job_record_get_started_by_uid:
 * @self: an #AqmpJobRecord
 *
 * Returns the uid of whoever started the job, or -1 when unknown (a job
 * adopted from QEMU).
 *
 * Returns: the uid of whoever started the job, or -1 when unknown (a job
 *   adopted from QEMU)
 *
 * Since: 0.1
 */
gint64
aqmp_job_record_get_started_by_uid (AqmpJobRecord *self)
{
  g_return_val_if_fail (self != NULL, -1);
  return self->started_by_uid;
}

/**
 * aqmp_job_record_get_start_flags:
 * @self: an #AqmpJobRecord
 *
 * Returns the flags the job was started with.
 *
 * Returns: the flags the job was started with
 *
 * Since: 0.1
 */
AqmpJobStartFlags
aqmp_job_record_get_start_flags (AqmpJobRecord *self)
{
  g_return_val_if_fail (self != NULL, AQMP_JOB_START_FLAGS_NONE);
  return (AqmpJobStartFlags) self->start_flags;
}

/* ----- the JSON form ----- */

static void
aqmp_job_record_set_text (JsonObject *obj, const gchar *member, const gchar *text)
{
  if (text == NULL)
    json_object_set_null_member (obj, member);
  else
    json_object_set_string_member (obj, member, text);
}

static void
aqmp_job_record_set_int (JsonObject *obj, const gchar *member, gint64 value, gboolean known)
{
  if (known)
    json_object_set_int_member (obj, member, value);
  else
    json_object_set_null_member (obj, member);
}

/**
 * aqmp_job_record_to_json:
 * @self: an #AqmpJobRecord
 *
 * The one JSON form of a record, with the members `id` (the row),
 * `machine`, `job-id`, `command`, `arguments`, `type`, `status`, `result`
 * (null while active), `error`, `current-progress`, `total-progress`,
 * `created` and `finished`; the machine's identity `address`, `qemu-pid`,
 * `qemu-pid-start`, `qemu-uuid` and `qemu-name`; `started-by-uid` and
 * `start-flags`. A value that is not known is null.
 *
 * Returns: (transfer full): a new object
 *
 * Since: 0.1
 */
JsonObject *
aqmp_job_record_to_json (AqmpJobRecord *self)
{
  JsonObject *obj;

  g_return_val_if_fail (self != NULL, NULL);

  obj = json_object_new ();
  json_object_set_int_member (obj, "id", self->row);
  aqmp_job_record_set_text (obj, "machine", self->machine);
  aqmp_job_record_set_text (obj, "job-id", self->job_id);
  aqmp_job_record_set_text (obj, "command", self->command);
  if (self->arguments != NULL)
    json_object_set_member (obj, "arguments", json_node_ref (self->arguments));
  else
    json_object_set_null_member (obj, "arguments");
  aqmp_job_record_set_text (obj, "type", self->job_type);
  aqmp_job_record_set_text (obj, "status", self->status);
  aqmp_job_record_set_text (obj, "result", self->result);
  aqmp_job_record_set_text (obj, "error", self->error);
  json_object_set_int_member (obj, "current-progress", self->current_progress);
  json_object_set_int_member (obj, "total-progress", self->total_progress);
  json_object_set_int_member (obj, "created", self->created);
  aqmp_job_record_set_int (obj, "finished", self->finished, self->finished != 0);
  aqmp_job_record_set_text (obj, "address", self->address);
  aqmp_job_record_set_int (obj, "qemu-pid", self->qemu_pid, self->qemu_pid > 0);
  aqmp_job_record_set_int (obj, "qemu-pid-start", self->qemu_pid_start, self->qemu_pid_start > 0);
  aqmp_job_record_set_text (obj, "qemu-uuid", self->qemu_uuid);
  aqmp_job_record_set_text (obj, "qemu-name", self->qemu_name);
  aqmp_job_record_set_int (obj, "started-by-uid", self->started_by_uid, self->started_by_uid >= 0);
  json_object_set_int_member (obj, "start-flags", self->start_flags);
  return obj;
}

/* integers as x, strings as s, anything else as its JSON text */
static GVariant *
aqmp_job_record_member_to_variant (JsonNode *node)
{
  g_autofree gchar *text = NULL;

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
    return g_variant_new_int64 (json_node_get_int (node));
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return g_variant_new_string (json_node_get_string (node));
  text = aqmp_json_to_string (node, FALSE);
  return g_variant_new_string (text);
}

/**
 * aqmp_job_record_to_variant:
 * @self: an #AqmpJobRecord
 *
 * The JSON form (aqmp_job_record_to_json()) as an `a{sv}`, as aqmpd's
 * `GetJobHistory` gives it: the same keys, integers as `x`, text as `s`,
 * `arguments` as its JSON text; a value that is not known is left out.
 *
 * Returns: (transfer floating): an `a{sv}`
 *
 * Since: 0.1
 */
GVariant *
aqmp_job_record_to_variant (AqmpJobRecord *self)
{
  g_autoptr(JsonObject) obj = NULL;
  GVariantBuilder builder;
  JsonObjectIter iter;
  const gchar *name;
  JsonNode *member;

  g_return_val_if_fail (self != NULL, NULL);

  obj = aqmp_job_record_to_json (self);
  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  json_object_iter_init_ordered (&iter, obj);
  while (json_object_iter_next_ordered (&iter, &name, &member))
    if (!JSON_NODE_HOLDS_NULL (member))
      g_variant_builder_add (&builder, "{sv}", name, aqmp_job_record_member_to_variant (member));
  return g_variant_builder_end (&builder);
}
