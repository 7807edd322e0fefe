/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "aqmp-guest-agent.h"

G_BEGIN_DECLS

/*
 * What the parts of AqmpGuestAgent share: aqmp-guest-agent.c (the object,
 * simple commands, files) and aqmp-guest-agent-exec.c (running programs).
 */

typedef void (*AqmpGuestAgentStartFunc) (AqmpGuestAgent *self, gpointer data,
                                         GAsyncReadyCallback callback, gpointer user_data);

G_GNUC_INTERNAL
JsonNode     *aqmp_guest_agent_execute_finish (AqmpGuestAgent          *self,
                                               GAsyncResult            *res,
                                               GError                 **error);
G_GNUC_INTERNAL
JsonObject   *aqmp_guest_agent_take_object    (JsonNode                *value,
                                               const gchar             *command,
                                               GError                 **error);
G_GNUC_INTERNAL
gboolean      aqmp_guest_agent_get_int        (JsonObject              *object,
                                               const gchar             *member,
                                               const gchar             *command,
                                               gint64                  *out,
                                               GError                 **error);
G_GNUC_INTERNAL
gboolean      aqmp_guest_agent_get_base64     (JsonObject              *object,
                                               const gchar             *member,
                                               const gchar             *command,
                                               GByteArray              *append_to,
                                               GError                 **error);
G_GNUC_INTERNAL
void          aqmp_guest_agent_set_base64     (JsonObject              *object,
                                               const gchar             *member,
                                               const guchar            *data,
                                               gsize                    len);
G_GNUC_INTERNAL
GAsyncResult *aqmp_guest_agent_run_sync       (AqmpGuestAgent          *self,
                                               AqmpGuestAgentStartFunc  start,
                                               gpointer                 data);

G_END_DECLS
