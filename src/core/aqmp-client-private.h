/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "aqmp-client.h"

G_BEGIN_DECLS

typedef void (*AqmpSyncStartFunc) (gpointer            data,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data);

GAsyncResult *aqmp_sync_call_run (AqmpClient        *self,
                                    AqmpSyncStartFunc  start,
                                    gpointer           data);

G_END_DECLS
