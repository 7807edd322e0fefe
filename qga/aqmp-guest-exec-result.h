/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_QGA_H_INSIDE__) && !defined(AQMP_QGA_COMPILATION)
#error "Only <aqmp-qga/aqmp-qga.h> can be included directly."
#endif

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _AqmpGuestExecResult AqmpGuestExecResult;

#define AQMP_TYPE_GUEST_EXEC_RESULT (aqmp_guest_exec_result_get_type ())

GType                aqmp_guest_exec_result_get_type             (void) G_GNUC_CONST;
AqmpGuestExecResult *aqmp_guest_exec_result_new                  (gint                 exit_status,
                                                                  GBytes              *stdout_data,
                                                                  gboolean             stdout_truncated,
                                                                  GBytes              *stderr_data,
                                                                  gboolean             stderr_truncated);
AqmpGuestExecResult *aqmp_guest_exec_result_ref                  (AqmpGuestExecResult *self);
void                 aqmp_guest_exec_result_unref                (AqmpGuestExecResult *self);
gint                 aqmp_guest_exec_result_get_exit_status      (AqmpGuestExecResult *self);
GBytes              *aqmp_guest_exec_result_get_stdout           (AqmpGuestExecResult *self);
GBytes              *aqmp_guest_exec_result_get_stderr           (AqmpGuestExecResult *self);
gboolean             aqmp_guest_exec_result_get_stdout_truncated (AqmpGuestExecResult *self);
gboolean             aqmp_guest_exec_result_get_stderr_truncated (AqmpGuestExecResult *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AqmpGuestExecResult, aqmp_guest_exec_result_unref)

G_END_DECLS
