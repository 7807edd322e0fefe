/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmp-guest-exec-result.h"

/**
 * AqmpGuestExecResult:
 *
 * What a program run in the guest with aqmp_guest_agent_exec_async()
 * left: its exit status, its standard output and error, and whether the
 * guest agent cut either short. qemu-ga keeps at most 16 MiB of each
 * stream and drops the rest; it says so, and so does this result.
 *
 * An immutable, reference-counted boxed type.
 *
 * Since: 0.1
 */
struct _AqmpGuestExecResult {
  gatomicrefcount ref_count;
  gint exit_status;
  GBytes *out;
  GBytes *err;
  gboolean out_truncated;
  gboolean err_truncated;
};

G_DEFINE_BOXED_TYPE (AqmpGuestExecResult, aqmp_guest_exec_result,
                     aqmp_guest_exec_result_ref, aqmp_guest_exec_result_unref)

/**
 * aqmp_guest_exec_result_new:
 * @exit_status: the exit code, or 128 + N when killed by signal N
 * @stdout_data: (nullable): the standard output, or %NULL for none
 * @stdout_truncated: whether the agent dropped some of it
 * @stderr_data: (nullable): the standard error, or %NULL for none
 * @stderr_truncated: whether the agent dropped some of it
 *
 * Creates a new result.
 *
 * Returns: (transfer full): a new result
 *
 * Since: 0.1
 */
AqmpGuestExecResult *
aqmp_guest_exec_result_new (gint      exit_status,
                            GBytes   *stdout_data,
                            gboolean  stdout_truncated,
                            GBytes   *stderr_data,
                            gboolean  stderr_truncated)
{
  AqmpGuestExecResult *self = g_new0 (AqmpGuestExecResult, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->exit_status = exit_status;
  self->out = stdout_data != NULL ? g_bytes_ref (stdout_data) : g_bytes_new (NULL, 0);
  self->err = stderr_data != NULL ? g_bytes_ref (stderr_data) : g_bytes_new (NULL, 0);
  self->out_truncated = stdout_truncated;
  self->err_truncated = stderr_truncated;
  return self;
}

/**
 * aqmp_guest_exec_result_ref:
 * @self: an #AqmpGuestExecResult
 *
 * Takes a reference to @self.
 *
 * Returns: (transfer full): @self
 *
 * Since: 0.1
 */
AqmpGuestExecResult *
aqmp_guest_exec_result_ref (AqmpGuestExecResult *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * aqmp_guest_exec_result_unref:
 * @self: (transfer full): an #AqmpGuestExecResult
 *
 * Drops a reference to @self, freeing it with the last one.
 *
 * Since: 0.1
 */
void
aqmp_guest_exec_result_unref (AqmpGuestExecResult *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_bytes_unref (self->out);
  g_bytes_unref (self->err);
  g_free (self);
}

/**
 * aqmp_guest_exec_result_get_exit_status:
 * @self: an #AqmpGuestExecResult
 *
 * Returns the program's exit code, 128 + N when it was killed by signal N,
 * or -1 when the agent said neither.
 *
 * Returns: the program's exit code, 128 + N when it was killed by signal
 *   N, or -1 when the agent said neither
 *
 * Since: 0.1
 */
gint
aqmp_guest_exec_result_get_exit_status (AqmpGuestExecResult *self)
{
  g_return_val_if_fail (self != NULL, -1);
  return self->exit_status;
}

/**
 * aqmp_guest_exec_result_get_stdout:
 * @self: an #AqmpGuestExecResult
 *
 * Returns the standard output, as the agent kept it.
 *
 * Returns: (transfer none): the standard output, as the agent kept it
 *
 * Since: 0.1
 */
GBytes *
aqmp_guest_exec_result_get_stdout (AqmpGuestExecResult *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->out;
}

/**
 * aqmp_guest_exec_result_get_stderr:
 * @self: an #AqmpGuestExecResult
 *
 * Returns the standard error, as the agent kept it.
 *
 * Returns: (transfer none): the standard error, as the agent kept it
 *
 * Since: 0.1
 */
GBytes *
aqmp_guest_exec_result_get_stderr (AqmpGuestExecResult *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->err;
}

/**
 * aqmp_guest_exec_result_get_stdout_truncated:
 * @self: an #AqmpGuestExecResult
 *
 * Returns whether the agent dropped part of the standard output (the
 * agent's `out-truncated`): what the program wrote past the agent's limit,
 * 16 MiB for qemu-ga, is lost.
 *
 * Returns: whether the agent dropped part of the standard output (the
 *   agent's `out-truncated`): what the program wrote past the agent's
 *   limit, 16 MiB for qemu-ga, is lost
 *
 * Since: 0.1
 */
gboolean
aqmp_guest_exec_result_get_stdout_truncated (AqmpGuestExecResult *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->out_truncated;
}

/**
 * aqmp_guest_exec_result_get_stderr_truncated:
 * @self: an #AqmpGuestExecResult
 *
 * Returns whether the agent dropped part of the standard error (the agent's
 * `err-truncated`).
 *
 * Returns: whether the agent dropped part of the standard error (the
 *   agent's `err-truncated`)
 *
 * Since: 0.1
 */
gboolean
aqmp_guest_exec_result_get_stderr_truncated (AqmpGuestExecResult *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->err_truncated;
}
