/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_QAPI_H_INSIDE__) && !defined(AQMP_QAPI_COMPILATION)
#error "Only <aqmp/aqmp-qapi.h> can be included directly."
#endif

#include <aqmp/aqmp.h>

#include "aqmp-compat-policy.h"
#include "aqmp-schema.h"

G_BEGIN_DECLS

#define AQMP_TYPE_SCHEMA_VALIDATOR (aqmp_schema_validator_get_type ())
G_DECLARE_FINAL_TYPE (AqmpSchemaValidator, aqmp_schema_validator, AQMP, SCHEMA_VALIDATOR, GObject)

AqmpSchemaValidator *aqmp_schema_validator_new        (AqmpSchema          *schema);
AqmpSchema          *aqmp_schema_validator_get_schema (AqmpSchemaValidator *self);
AqmpCompatPolicy    *aqmp_schema_validator_get_policy (AqmpSchemaValidator *self);
void                 aqmp_schema_validator_set_policy (AqmpSchemaValidator *self,
                                                       AqmpCompatPolicy    *policy);
gboolean             aqmp_schema_validator_check      (AqmpSchemaValidator *self,
                                                       const gchar         *command,
                                                       JsonObject          *arguments,
                                                       GError             **error);
void                 aqmp_schema_validator_attach     (AqmpSchemaValidator *self,
                                                       AqmpClient          *client);
void                 aqmp_schema_validator_detach     (AqmpClient          *client);

G_END_DECLS
