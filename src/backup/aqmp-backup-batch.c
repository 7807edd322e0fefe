/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Commands that do not depend on each other's answers, sent at once and
 * answered together: one round trip instead of one each. A run uses it
 * where a failed command cannot turn the next one into something else:
 * the two queries that find the disks, the two blockdev-dels of a target
 * (when the first fails, the second fails too, as before), the older
 * chains' bitmaps. Never for an add and the command that uses its node
 * (see docs/backup.md).
 */

#include "config.h"

#include "aqmp-backup-private.h"

typedef struct {
  AqmpClient *client;
  AqmpBackupCommand *commands;
  guint n_commands;
  GCancellable *cancellable;
  guint pending;
  GTask *task;
} AqmpBackupBatch;

typedef struct {
  AqmpBackupBatch *batch;
  guint index;
} AqmpBackupBatchCall;

static void
aqmp_backup_batch_answered_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autofree AqmpBackupBatchCall *call = user_data;
  AqmpBackupBatch *self = call->batch;
  AqmpBackupCommand *command = &self->commands[call->index];
  g_autoptr(GTask) task = NULL;

  command->reply = aqmp_client_execute_finish (AQMP_CLIENT (source), res, &command->error);
  if (--self->pending > 0)
    return;
  /* @self lives on the stack of the thread that waits in
   * aqmp_client_run_sync(): once the task returned, it may be gone */
  task = g_steal_pointer (&self->task);
  g_task_return_boolean (task, TRUE);
}

/* on the client's context: every command sent, none awaited */
static void
aqmp_backup_batch_send (gpointer data, GAsyncReadyCallback callback, gpointer user_data)
{
  AqmpBackupBatch *self = data;

  self->task = g_task_new (NULL, NULL, callback, user_data);
  self->pending = self->n_commands;
  for (guint i = 0; i < self->n_commands; i++)
    {
      AqmpBackupBatchCall *call = g_new0 (AqmpBackupBatchCall, 1);

      call->batch = self;
      call->index = i;
      aqmp_client_execute_async (self->client, self->commands[i].command, self->commands[i].arguments,
                                 self->cancellable, aqmp_backup_batch_answered_cb, call);
    }
}

/* sends @commands at once, in their order (QEMU runs them in that order),
 * and returns when each has its reply or error; from any thread, as the
 * client's sync calls */
void
aqmp_backup_execute_batch_sync (AqmpClient *client, AqmpBackupCommand *commands, guint n_commands,
                                GCancellable *cancellable)
{
  AqmpBackupBatch self = { 0, };
  g_autoptr(GAsyncResult) result = NULL;

  if (n_commands == 0)
    return;
  self.client = client;
  self.commands = commands;
  self.n_commands = n_commands;
  self.cancellable = cancellable;
  result = aqmp_client_run_sync (client, aqmp_backup_batch_send, &self);
}

void
aqmp_backup_command_clear (AqmpBackupCommand *command)
{
  g_clear_pointer (&command->arguments, json_object_unref);
  g_clear_pointer (&command->reply, json_node_unref);
  g_clear_error (&command->error);
}
