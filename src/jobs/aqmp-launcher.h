/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_JOBS_H_INSIDE__) && !defined(AQMP_JOBS_COMPILATION)
#error "Only <aqmp/aqmp-jobs.h> can be included directly."
#endif

#include <aqmp/aqmp.h>

G_BEGIN_DECLS

/**
 * AqmpLauncherTransport:
 * @AQMP_LAUNCHER_TRANSPORT_SOCKETPAIR: QMP over one end of a socketpair
 *   passed to QEMU as `-chardev socket,fd=N`; nothing touches the file
 *   system
 * @AQMP_LAUNCHER_TRANSPORT_LISTEN: the client listens on a Unix socket
 *   in a fresh temporary directory and QEMU connects to it (`-qmp
 *   unix:PATH`)
 *
 * How an #AqmpLauncher wires QMP to the QEMU it starts.
 *
 * Since: 0.1
 */
typedef enum {
  AQMP_LAUNCHER_TRANSPORT_SOCKETPAIR,
  AQMP_LAUNCHER_TRANSPORT_LISTEN,
} AqmpLauncherTransport;

/**
 * AqmpLauncherKind:
 * @AQMP_LAUNCHER_KIND_QEMU: a QEMU system emulator (`qemu-system-*`),
 *   QMP on `-chardev`/`-mon` or `-qmp`
 * @AQMP_LAUNCHER_KIND_STORAGE_DAEMON: `qemu-storage-daemon`, which runs
 *   block nodes and jobs without a guest; QMP on `--chardev`/`--monitor`
 *
 * Which program an #AqmpLauncher starts, and so how it wires QMP.
 *
 * Since: 0.1
 */
typedef enum {
  AQMP_LAUNCHER_KIND_QEMU,
  AQMP_LAUNCHER_KIND_STORAGE_DAEMON,
} AqmpLauncherKind;

#define AQMP_TYPE_LAUNCHER (aqmp_launcher_get_type ())
G_DECLARE_FINAL_TYPE (AqmpLauncher, aqmp_launcher, AQMP, LAUNCHER, GObject)

AqmpLauncher *aqmp_launcher_new             (const gchar            *binary);
AqmpLauncher *aqmp_launcher_new_storage_daemon (const gchar         *binary);
const gchar  *aqmp_launcher_get_binary      (AqmpLauncher           *self);
AqmpLauncherKind aqmp_launcher_get_kind     (AqmpLauncher           *self);
void          aqmp_launcher_set_transport   (AqmpLauncher           *self,
                                             AqmpLauncherTransport   transport);
void          aqmp_launcher_set_quiet       (AqmpLauncher           *self,
                                             gboolean                quiet);
void          aqmp_launcher_add_arguments   (AqmpLauncher           *self,
                                             const gchar            *first,
                                             ...) G_GNUC_NULL_TERMINATED;
void          aqmp_launcher_add_argv        (AqmpLauncher           *self,
                                             const gchar * const    *argv);

void          aqmp_launcher_launch_async    (AqmpLauncher           *self,
                                             GCancellable           *cancellable,
                                             GAsyncReadyCallback     callback,
                                             gpointer                user_data);
AqmpClient   *aqmp_launcher_launch_finish   (AqmpLauncher           *self,
                                             GAsyncResult           *result,
                                             GError                **error);
AqmpClient   *aqmp_launcher_launch_sync     (AqmpLauncher           *self,
                                             GCancellable           *cancellable,
                                             GError                **error);

AqmpClient   *aqmp_launcher_get_client      (AqmpLauncher           *self);
GSubprocess  *aqmp_launcher_get_process     (AqmpLauncher           *self);
gchar        *aqmp_launcher_get_machine     (AqmpLauncher           *self);
void          aqmp_launcher_stop            (AqmpLauncher           *self);

G_END_DECLS
