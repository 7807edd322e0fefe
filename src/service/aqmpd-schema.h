/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <aqmp/aqmp.h>

G_BEGIN_DECLS

/*
 * Execute and StartJob check calls against the machine's schema before
 * they are sent: the first call of a connection loads the schema (from
 * the cache when it can) and attaches the QAPI validator to the machine's
 * client; a call it refuses fails with io.github.aqmp.Aqmp1.Error.Invalid.
 * A schema that cannot be loaded is logged, and calls go unchecked.
 */
void      aqmpd_schema_ensure_async  (AqmpClient          *client,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
void      aqmpd_schema_ensure_finish (AqmpClient          *client,
                                      GAsyncResult        *result);

G_END_DECLS
