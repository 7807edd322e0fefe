/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_QGA_H_INSIDE__) && !defined(AQMP_QGA_COMPILATION)
#error "Only <aqmp-qga/aqmp-qga.h> can be included directly."
#endif

#include <aqmp/aqmp.h>

#include "aqmp-guest-agent.h"

G_BEGIN_DECLS

#define AQMP_TYPE_GUEST_FREEZE (aqmp_guest_freeze_get_type ())
G_DECLARE_FINAL_TYPE (AqmpGuestFreeze, aqmp_guest_freeze, AQMP, GUEST_FREEZE, GObject)

AqmpGuestFreeze *aqmp_guest_freeze_new            (AqmpGuestAgent      *agent);
AqmpGuestAgent  *aqmp_guest_freeze_get_agent      (AqmpGuestFreeze     *self);
gboolean         aqmp_guest_freeze_is_frozen      (AqmpGuestFreeze     *self);
gint64           aqmp_guest_freeze_get_frozen_ms  (AqmpGuestFreeze     *self);

void             aqmp_guest_freeze_freeze_async   (AqmpGuestFreeze     *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean         aqmp_guest_freeze_freeze_finish  (AqmpGuestFreeze     *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);
gboolean         aqmp_guest_freeze_freeze_sync    (AqmpGuestFreeze     *self,
                                                   GCancellable        *cancellable,
                                                   GError             **error);

void             aqmp_guest_freeze_thaw_async     (AqmpGuestFreeze     *self,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean         aqmp_guest_freeze_thaw_finish    (AqmpGuestFreeze     *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);
gboolean         aqmp_guest_freeze_thaw_sync      (AqmpGuestFreeze     *self,
                                                   GError             **error);

G_END_DECLS
