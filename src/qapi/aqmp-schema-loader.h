/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_QAPI_H_INSIDE__) && !defined(AQMP_QAPI_COMPILATION)
#error "Only <aqmp/aqmp-qapi.h> can be included directly."
#endif

#include <aqmp/aqmp.h>

#include "aqmp-schema.h"
#include "aqmp-schema-cache.h"

G_BEGIN_DECLS

void         aqmp_schema_load_async  (AqmpClient           *client,
                                      AqmpSchemaCache      *cache,
                                      GCancellable         *cancellable,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data);
AqmpSchema  *aqmp_schema_load_finish (AqmpClient           *client,
                                      GAsyncResult         *result,
                                      GError              **error);
AqmpSchema  *aqmp_schema_load_sync   (AqmpClient           *client,
                                      AqmpSchemaCache      *cache,
                                      GCancellable         *cancellable,
                                      GError              **error);
AqmpSchema  *aqmp_schema_peek        (AqmpClient           *client);

G_END_DECLS
