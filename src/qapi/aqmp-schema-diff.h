/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_QAPI_H_INSIDE__) && !defined(AQMP_QAPI_COMPILATION)
#error "Only <aqmp/aqmp-qapi.h> can be included directly."
#endif

#include "aqmp-schema.h"

G_BEGIN_DECLS

JsonNode *aqmp_schema_diff      (AqmpSchema *old_schema,
                                 AqmpSchema *new_schema);
gchar    *aqmp_schema_diff_text (JsonNode   *diff);

G_END_DECLS
