/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "aqmp-launcher.h"

/**
 * AqmpLauncher:
 *
 * Starts a QEMU for the caller, with QMP wired over a socket the library
 * made (one end of a socketpair, or a listening socket QEMU connects to),
 * and connects an #AqmpClient to it. It starts `qemu-storage-daemon` the
 * same way (aqmp_launcher_new_storage_daemon()), for block jobs on image
 * files without a guest.
 *
 * QEMU is killed and reaped when the launcher is stopped or dropped, and
 * it dies with the launching process too (`PR_SET_PDEATHSIG`).
 *
 * QEMU gets the caller's environment without `MALLOC_PERTURB_` and
 * `MALLOC_CHECK_`: they set up the caller's own allocator checks (test
 * harnesses such as `meson test` set them), and QEMU 7.2 misbehaves under
 * `MALLOC_PERTURB_` (a rate-limited block job runs to its end at once).
 *
 * |[<!-- language="C" -->
 * g_autoptr(AqmpLauncher) launcher = aqmp_launcher_new (NULL);
 * aqmp_launcher_add_arguments (launcher, "-machine", "none", "-nodefaults",
 *                              "-display", "none", NULL);
 * aqmp_launcher_launch_async (launcher, NULL, launched_cb, data);
 * ]|
 *
 * or, in a plain program, aqmp_launcher_launch_sync().
 *
 * Since: 0.1
 */

#define AQMP_LAUNCHER_QMP_FD 3

struct _AqmpLauncher {
  GObject parent_instance;
  gchar *binary;
  AqmpLauncherKind kind;
  AqmpLauncherTransport transport;
  gboolean quiet;
  GPtrArray *args;
  GSubprocess *process;
  AqmpClient *client;
  gchar *dir;
  gboolean launching;
};

G_DEFINE_FINAL_TYPE (AqmpLauncher, aqmp_launcher, G_TYPE_OBJECT)

static void
aqmp_launcher_child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/**
 * aqmp_launcher_new:
 * @binary: (nullable) (type filename): the QEMU binary; %NULL for
 *   `$AQMP_QEMU`, or else `qemu-system-x86_64` from `PATH`
 *
 * Creates a new #AqmpLauncher.
 *
 * Returns: (transfer full): a new #AqmpLauncher
 *
 * Since: 0.1
 */
AqmpLauncher *
aqmp_launcher_new (const gchar *binary)
{
  AqmpLauncher *self = g_object_new (AQMP_TYPE_LAUNCHER, NULL);

  if (binary == NULL)
    binary = g_getenv ("AQMP_QEMU");
  self->binary = g_strdup (binary != NULL && binary[0] != '\0' ? binary : "qemu-system-x86_64");
  return self;
}

/**
 * aqmp_launcher_new_storage_daemon:
 * @binary: (nullable) (type filename): the storage daemon's binary; %NULL
 *   for `$AQMP_QEMU_STORAGE_DAEMON`, or else `qemu-storage-daemon` from
 *   `PATH`
 *
 * A launcher of `qemu-storage-daemon`: give it `--blockdev` arguments
 * (and others), and it adds the QMP monitor as `--chardev` and
 * `--monitor`.
 *
 * Returns: (transfer full): a new #AqmpLauncher
 *
 * Since: 0.1
 */
AqmpLauncher *
aqmp_launcher_new_storage_daemon (const gchar *binary)
{
  AqmpLauncher *self = g_object_new (AQMP_TYPE_LAUNCHER, NULL);

  if (binary == NULL)
    binary = g_getenv ("AQMP_QEMU_STORAGE_DAEMON");
  self->binary = g_strdup (binary != NULL && binary[0] != '\0' ? binary : "qemu-storage-daemon");
  self->kind = AQMP_LAUNCHER_KIND_STORAGE_DAEMON;
  return self;
}

/**
 * aqmp_launcher_get_kind:
 * @self: an #AqmpLauncher
 *
 * Returns what the launcher starts.
 *
 * Returns: what the launcher starts
 *
 * Since: 0.1
 */
AqmpLauncherKind
aqmp_launcher_get_kind (AqmpLauncher *self)
{
  g_return_val_if_fail (AQMP_IS_LAUNCHER (self), AQMP_LAUNCHER_KIND_QEMU);
  return self->kind;
}

/**
 * aqmp_launcher_get_binary:
 * @self: an #AqmpLauncher
 *
 * Returns the QEMU binary that is run.
 *
 * Returns: (type filename): the QEMU binary that is run
 *
 * Since: 0.1
 */
const gchar *
aqmp_launcher_get_binary (AqmpLauncher *self)
{
  g_return_val_if_fail (AQMP_IS_LAUNCHER (self), NULL);
  return self->binary;
}

/**
 * aqmp_launcher_set_transport:
 * @self: an #AqmpLauncher
 * @transport: an #AqmpLauncherTransport
 *
 * Chooses how QMP is wired; the default is a socketpair.
 *
 * Since: 0.1
 */
void
aqmp_launcher_set_transport (AqmpLauncher *self, AqmpLauncherTransport transport)
{
  g_return_if_fail (AQMP_IS_LAUNCHER (self));
  self->transport = transport;
}

/**
 * aqmp_launcher_set_quiet:
 * @self: an #AqmpLauncher
 * @quiet: whether to discard QEMU's standard output and error
 *
 * QEMU's output goes to ours unless silenced.
 *
 * Since: 0.1
 */
void
aqmp_launcher_set_quiet (AqmpLauncher *self, gboolean quiet)
{
  g_return_if_fail (AQMP_IS_LAUNCHER (self));
  self->quiet = quiet;
}

/**
 * aqmp_launcher_add_arguments:
 * @self: an #AqmpLauncher
 * @first: the first argument
 * @...: more arguments, then %NULL
 *
 * Adds QEMU arguments, such as `"-machine", "none"`. The QMP monitor is
 * added by the launcher.
 *
 * Since: 0.1
 */
void
aqmp_launcher_add_arguments (AqmpLauncher *self, const gchar *first, ...)
{
  va_list ap;

  g_return_if_fail (AQMP_IS_LAUNCHER (self));

  va_start (ap, first);
  for (const gchar *arg = first; arg != NULL; arg = va_arg (ap, const gchar *))
    g_ptr_array_add (self->args, g_strdup (arg));
  va_end (ap);
}

/**
 * aqmp_launcher_add_argv:
 * @self: an #AqmpLauncher
 * @argv: (array zero-terminated=1) (nullable): QEMU arguments
 *
 * Adds QEMU arguments from a vector.
 *
 * Since: 0.1
 */
void
aqmp_launcher_add_argv (AqmpLauncher *self, const gchar * const *argv)
{
  g_return_if_fail (AQMP_IS_LAUNCHER (self));

  for (guint i = 0; argv != NULL && argv[i] != NULL; i++)
    g_ptr_array_add (self->args, g_strdup (argv[i]));
}

static void
aqmp_launcher_exited_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  /* no reference to the launcher: dropping it is what kills QEMU */
  if (g_subprocess_wait_finish (G_SUBPROCESS (source), res, NULL))
    g_debug ("QEMU exited");
}

static GSubprocess *
aqmp_launcher_spawn (AqmpLauncher *self, const gchar * const *qmp_args, gint qmp_fd, GError **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  GSubprocessFlags flags = G_SUBPROCESS_FLAGS_NONE;
  GSubprocess *process;

  if (self->quiet)
    flags |= G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE;
  launcher = g_subprocess_launcher_new (flags);
  /* the caller's allocator checks are the caller's, not QEMU's */
  g_subprocess_launcher_unsetenv (launcher, "MALLOC_PERTURB_");
  g_subprocess_launcher_unsetenv (launcher, "MALLOC_CHECK_");
  g_subprocess_launcher_set_child_setup (launcher, aqmp_launcher_child_setup, NULL, NULL);
  if (qmp_fd >= 0)
    g_subprocess_launcher_take_fd (launcher, qmp_fd, AQMP_LAUNCHER_QMP_FD);

  g_ptr_array_add (argv, self->binary);
  for (guint i = 0; i < self->args->len; i++)
    g_ptr_array_add (argv, g_ptr_array_index (self->args, i));
  for (guint i = 0; qmp_args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) qmp_args[i]);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_launcher_spawnv (launcher, (const gchar * const *) argv->pdata, error);
  if (process == NULL)
    {
      g_prefix_error (error, "cannot start %s: ", self->binary);
      return NULL;
    }
  g_subprocess_wait_async (process, NULL, aqmp_launcher_exited_cb, NULL);
  return process;
}

static void
aqmp_launcher_connected_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  AqmpLauncher *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (self->transport == AQMP_LAUNCHER_TRANSPORT_LISTEN)
    ok = aqmp_client_accept_finish (AQMP_CLIENT (source), res, &error);
  else
    ok = aqmp_client_connect_stream_finish (AQMP_CLIENT (source), res, &error);
  self->launching = FALSE;
  if (!ok)
    {
      g_prefix_error (&error, "cannot talk to %s: ", self->binary);
      aqmp_launcher_stop (self);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, g_object_ref (self->client), g_object_unref);
}

static gboolean
aqmp_launcher_launch_socketpair (AqmpLauncher *self, GTask *task, GError **error)
{
  gint fds[2];
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autofree gchar *chardev = g_strdup_printf ("socket,id=aqmp-qmp,fd=%d", AQMP_LAUNCHER_QMP_FD);
  const gchar *qmp_args[] = { "-chardev", chardev, "-mon", "chardev=aqmp-qmp,mode=control", NULL };
  const gchar *daemon_args[] = { "--chardev", chardev, "--monitor", "chardev=aqmp-qmp", NULL };

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot make a socketpair: %s",
                   g_strerror (errno));
      return FALSE;
    }
  socket = g_socket_new_from_fd (fds[0], error);
  if (socket == NULL)
    {
      close (fds[0]);
      close (fds[1]);
      return FALSE;
    }
  /* the launcher closes fds[1] in the parent once QEMU has it */
  self->process = aqmp_launcher_spawn (self, self->kind == AQMP_LAUNCHER_KIND_STORAGE_DAEMON ? daemon_args : qmp_args,
                                       fds[1], error);
  if (self->process == NULL)
    return FALSE;
  connection = g_socket_connection_factory_create_connection (socket);
  aqmp_client_connect_stream_async (self->client, G_IO_STREAM (connection), g_task_get_cancellable (task),
                                    aqmp_launcher_connected_cb, g_object_ref (task));
  return TRUE;
}

static gboolean
aqmp_launcher_launch_listen (AqmpLauncher *self, GTask *task, GError **error)
{
  g_autofree gchar *path = NULL;
  g_autofree gchar *address = NULL;
  g_autofree gchar *listening = NULL;
  g_autofree gchar *qmp = NULL;
  const gchar *qmp_args[] = { "-qmp", NULL, NULL };
  const gchar *daemon_args[] = { "--chardev", NULL, "--monitor", "chardev=aqmp-qmp", NULL };

  self->dir = g_dir_make_tmp ("aqmp-launcher-XXXXXX", error);
  if (self->dir == NULL)
    return FALSE;
  path = g_build_filename (self->dir, "qmp.sock", NULL);
  address = g_strdup_printf ("unix:%s", path);
  listening = aqmp_client_listen (self->client, address, error);
  if (listening == NULL)
    return FALSE;
  /* the storage daemon's chardev connects to our socket: client mode */
  if (self->kind == AQMP_LAUNCHER_KIND_STORAGE_DAEMON)
    qmp = g_strdup_printf ("socket,id=aqmp-qmp,path=%s", path);
  else
    qmp = g_strdup_printf ("unix:%s", path);
  qmp_args[1] = qmp;
  daemon_args[1] = qmp;
  self->process = aqmp_launcher_spawn (self, self->kind == AQMP_LAUNCHER_KIND_STORAGE_DAEMON ? daemon_args : qmp_args,
                                       -1, error);
  if (self->process == NULL)
    return FALSE;
  aqmp_client_accept_async (self->client, g_task_get_cancellable (task),
                            aqmp_launcher_connected_cb, g_object_ref (task));
  return TRUE;
}

/**
 * aqmp_launcher_launch_async:
 * @self: an #AqmpLauncher
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called once QEMU is up and QMP negotiated
 * @user_data: data for @callback
 *
 * Starts QEMU with the arguments given so far plus the QMP monitor, and
 * connects the launcher's client to it. A launcher starts one QEMU.
 *
 * Since: 0.1
 */
void
aqmp_launcher_launch_async (AqmpLauncher        *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  g_return_if_fail (AQMP_IS_LAUNCHER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aqmp_launcher_launch_async);
  if (self->process != NULL || self->launching)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_EXISTS, "this launcher already started QEMU");
      return;
    }
  self->launching = TRUE;
  if (self->transport == AQMP_LAUNCHER_TRANSPORT_LISTEN)
    ok = aqmp_launcher_launch_listen (self, task, &error);
  else
    ok = aqmp_launcher_launch_socketpair (self, task, &error);
  if (!ok)
    {
      self->launching = FALSE;
      aqmp_launcher_stop (self);
      g_task_return_error (task, g_steal_pointer (&error));
    }
}

/**
 * aqmp_launcher_launch_finish:
 * @self: an #AqmpLauncher
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes aqmp_launcher_launch_async().
 *
 * Returns: (transfer full) (nullable): the connected client, or %NULL with
 *   @error set
 *
 * Since: 0.1
 */
AqmpClient *
aqmp_launcher_launch_finish (AqmpLauncher *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (AQMP_IS_LAUNCHER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == aqmp_launcher_launch_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
aqmp_launcher_launch_sync_start (gpointer data, GAsyncReadyCallback callback, gpointer user_data)
{
  gpointer *args = data;

  aqmp_launcher_launch_async (args[0], args[1], callback, user_data);
}

/**
 * aqmp_launcher_launch_sync:
 * @self: an #AqmpLauncher
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The synchronous form of aqmp_launcher_launch_async(), run on the
 * launcher's client as the client's own `_sync` calls are.
 *
 * Returns: (transfer full) (nullable): the connected client, or %NULL with
 *   @error set
 *
 * Since: 0.1
 */
AqmpClient *
aqmp_launcher_launch_sync (AqmpLauncher *self, GCancellable *cancellable, GError **error)
{
  gpointer args[] = { self, cancellable };
  g_autoptr(GAsyncResult) result = NULL;

  g_return_val_if_fail (AQMP_IS_LAUNCHER (self), NULL);

  result = aqmp_client_run_sync (self->client, aqmp_launcher_launch_sync_start, args);
  return aqmp_launcher_launch_finish (self, result, error);
}

/**
 * aqmp_launcher_get_client:
 * @self: an #AqmpLauncher
 *
 * Returns the launcher's client.
 *
 * Returns: (transfer none): the launcher's client
 *
 * Since: 0.1
 */
AqmpClient *
aqmp_launcher_get_client (AqmpLauncher *self)
{
  g_return_val_if_fail (AQMP_IS_LAUNCHER (self), NULL);
  return self->client;
}

/**
 * aqmp_launcher_get_process:
 * @self: an #AqmpLauncher
 *
 * Returns QEMU's process, once started.
 *
 * Returns: (transfer none) (nullable): QEMU's process, once started
 *
 * Since: 0.1
 */
GSubprocess *
aqmp_launcher_get_process (AqmpLauncher *self)
{
  g_return_val_if_fail (AQMP_IS_LAUNCHER (self), NULL);
  return self->process;
}

/**
 * aqmp_launcher_get_machine:
 * @self: an #AqmpLauncher
 *
 * Returns a name for the machine in a job store, `qemu-pid:PID`, once
 * started.
 *
 * Returns: (transfer full) (nullable): a name for the machine in a job
 *   store, `qemu-pid:PID`, once started
 *
 * Since: 0.1
 */
gchar *
aqmp_launcher_get_machine (AqmpLauncher *self)
{
  g_return_val_if_fail (AQMP_IS_LAUNCHER (self), NULL);

  if (self->process == NULL || g_subprocess_get_identifier (self->process) == NULL)
    return NULL;
  return g_strdup_printf ("qemu-pid:%s", g_subprocess_get_identifier (self->process));
}

/**
 * aqmp_launcher_stop:
 * @self: an #AqmpLauncher
 *
 * Kills QEMU (SIGKILL) and reaps it, and removes the launcher's temporary
 * directory. The client sees the connection end.
 *
 * Since: 0.1
 */
void
aqmp_launcher_stop (AqmpLauncher *self)
{
  g_return_if_fail (AQMP_IS_LAUNCHER (self));

  if (self->process != NULL)
    {
      g_autoptr(GError) error = NULL;
      g_subprocess_force_exit (self->process);
      /* SIGKILL cannot be ignored: this wait is short */
      if (!g_subprocess_wait (self->process, NULL, &error))
        g_debug ("reaping QEMU: %s", error->message);
      g_clear_object (&self->process);
    }
  if (self->dir != NULL)
    {
      g_autofree gchar *path = g_build_filename (self->dir, "qmp.sock", NULL);
      g_unlink (path);
      g_rmdir (self->dir);
      g_clear_pointer (&self->dir, g_free);
    }
}

static void
aqmp_launcher_dispose (GObject *object)
{
  AqmpLauncher *self = AQMP_LAUNCHER (object);

  aqmp_launcher_stop (self);
  G_OBJECT_CLASS (aqmp_launcher_parent_class)->dispose (object);
}

static void
aqmp_launcher_finalize (GObject *object)
{
  AqmpLauncher *self = AQMP_LAUNCHER (object);

  g_clear_object (&self->client);
  g_ptr_array_unref (self->args);
  g_free (self->binary);
  G_OBJECT_CLASS (aqmp_launcher_parent_class)->finalize (object);
}

static void
aqmp_launcher_class_init (AqmpLauncherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = aqmp_launcher_dispose;
  object_class->finalize = aqmp_launcher_finalize;
}

static void
aqmp_launcher_init (AqmpLauncher *self)
{
  self->args = g_ptr_array_new_with_free_func (g_free);
  self->client = aqmp_client_new ();
}
