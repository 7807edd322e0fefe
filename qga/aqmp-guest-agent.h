/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_QGA_H_INSIDE__) && !defined(AQMP_QGA_COMPILATION)
#error "Only <aqmp-qga/aqmp-qga.h> can be included directly."
#endif

#include <aqmp/aqmp.h>

#include "aqmp-guest-exec-result.h"

G_BEGIN_DECLS

/**
 * AQMP_GUEST_AGENT_DEFAULT_MAX_FILE_SIZE:
 *
 * The default limit on a file read or written through the guest agent:
 * 10 MiB.
 *
 * Since: 0.1
 */
#define AQMP_GUEST_AGENT_DEFAULT_MAX_FILE_SIZE (10 * 1024 * 1024)

/**
 * AQMP_GUEST_AGENT_READ_CHUNK:
 *
 * How many bytes each `guest-file-read` asks for: 64 KiB.
 *
 * Since: 0.1
 */
#define AQMP_GUEST_AGENT_READ_CHUNK (64 * 1024)

/**
 * AQMP_GUEST_AGENT_WRITE_CHUNK:
 *
 * How many bytes each `guest-file-write` carries: 48 KiB, 64 KiB once
 * base64-encoded.
 *
 * Since: 0.1
 */
#define AQMP_GUEST_AGENT_WRITE_CHUNK (48 * 1024)

#define AQMP_TYPE_GUEST_AGENT (aqmp_guest_agent_get_type ())
G_DECLARE_FINAL_TYPE (AqmpGuestAgent, aqmp_guest_agent, AQMP, GUEST_AGENT, GObject)

AqmpGuestAgent *aqmp_guest_agent_new                (AqmpClient          *client);
AqmpClient     *aqmp_guest_agent_get_client         (AqmpGuestAgent      *self);
void            aqmp_guest_agent_set_max_file_size  (AqmpGuestAgent      *self,
                                                     gsize                size);
gsize           aqmp_guest_agent_get_max_file_size  (AqmpGuestAgent      *self);

/* ping */
void            aqmp_guest_agent_ping_async         (AqmpGuestAgent      *self,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gboolean        aqmp_guest_agent_ping_finish        (AqmpGuestAgent      *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);
gboolean        aqmp_guest_agent_ping_sync          (AqmpGuestAgent      *self,
                                                     GCancellable        *cancellable,
                                                     GError             **error);

/* guest-info */
void            aqmp_guest_agent_get_info_async     (AqmpGuestAgent      *self,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
JsonObject     *aqmp_guest_agent_get_info_finish    (AqmpGuestAgent      *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);
JsonObject     *aqmp_guest_agent_get_info_sync      (AqmpGuestAgent      *self,
                                                     GCancellable        *cancellable,
                                                     GError             **error);

/* guest-get-osinfo */
void            aqmp_guest_agent_get_osinfo_async   (AqmpGuestAgent      *self,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
JsonObject     *aqmp_guest_agent_get_osinfo_finish  (AqmpGuestAgent      *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);
JsonObject     *aqmp_guest_agent_get_osinfo_sync    (AqmpGuestAgent      *self,
                                                     GCancellable        *cancellable,
                                                     GError             **error);

/* guest-exec and guest-exec-status */
void            aqmp_guest_agent_exec_async         (AqmpGuestAgent      *self,
                                                     const gchar * const *argv,
                                                     const gchar * const *envp,
                                                     GBytes              *input,
                                                     guint                timeout_ms,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gboolean        aqmp_guest_agent_exec_finish        (AqmpGuestAgent      *self,
                                                     GAsyncResult        *result,
                                                     gint                *exit_status,
                                                     GBytes             **stdout_data,
                                                     GBytes             **stderr_data,
                                                     GError             **error);
gboolean        aqmp_guest_agent_exec_sync          (AqmpGuestAgent      *self,
                                                     const gchar * const *argv,
                                                     const gchar * const *envp,
                                                     GBytes              *input,
                                                     guint                timeout_ms,
                                                     gint                *exit_status,
                                                     GBytes             **stdout_data,
                                                     GBytes             **stderr_data,
                                                     GCancellable        *cancellable,
                                                     GError             **error);
AqmpGuestExecResult *aqmp_guest_agent_exec_finish_result (AqmpGuestAgent *self,
                                                          GAsyncResult   *result,
                                                          GError        **error);
AqmpGuestExecResult *aqmp_guest_agent_exec_sync_result  (AqmpGuestAgent      *self,
                                                          const gchar * const *argv,
                                                          const gchar * const *envp,
                                                          GBytes              *input,
                                                          guint                timeout_ms,
                                                          GCancellable        *cancellable,
                                                          GError             **error);

/* guest-file-* */
void            aqmp_guest_agent_file_read_async    (AqmpGuestAgent      *self,
                                                     const gchar         *path,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
GBytes         *aqmp_guest_agent_file_read_finish   (AqmpGuestAgent      *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);
GBytes         *aqmp_guest_agent_file_read_sync     (AqmpGuestAgent      *self,
                                                     const gchar         *path,
                                                     GCancellable        *cancellable,
                                                     GError             **error);
void            aqmp_guest_agent_file_write_async   (AqmpGuestAgent      *self,
                                                     const gchar         *path,
                                                     GBytes              *contents,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gboolean        aqmp_guest_agent_file_write_finish  (AqmpGuestAgent      *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);
gboolean        aqmp_guest_agent_file_write_sync    (AqmpGuestAgent      *self,
                                                     const gchar         *path,
                                                     GBytes              *contents,
                                                     GCancellable        *cancellable,
                                                     GError             **error);

G_END_DECLS
