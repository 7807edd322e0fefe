/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/*
 * What the shell completes from: the live server's command names and, with
 * query-qmp-schema, each command's argument names and enum values.
 */
typedef struct _AqmpSchema AqmpSchema;

AqmpSchema *aqmp_schema_new_from_schema    (JsonNode    *schema);
AqmpSchema *aqmp_schema_new_from_commands  (JsonNode    *commands);
void        aqmp_schema_free               (AqmpSchema  *self);

guint       aqmp_schema_get_n_commands     (AqmpSchema  *self);
gboolean    aqmp_schema_has_command        (AqmpSchema  *self,
                                            const gchar *name);

GPtrArray  *aqmp_schema_complete_command   (AqmpSchema  *self,
                                            const gchar *prefix);
GPtrArray  *aqmp_schema_complete_argument  (AqmpSchema  *self,
                                            const gchar *command,
                                            JsonObject  *given,
                                            const gchar *word);
GPtrArray  *aqmp_schema_complete_action    (AqmpSchema  *self,
                                            const gchar *prefix);
GPtrArray  *aqmp_schema_complete_action_argument (AqmpSchema  *self,
                                                  const gchar *action,
                                                  JsonObject  *given,
                                                  const gchar *word);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AqmpSchema, aqmp_schema_free)

G_END_DECLS
