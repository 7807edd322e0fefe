/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "aqmp-server-reply-private.h"

G_BEGIN_DECLS

/*
 * AqmpServerScript holds the test server's scripted expectations: the
 * commands expected next, in order, each with members its arguments must
 * contain (a subset match) and its answer. Once one was queued, or in
 * strict mode, it answers every command: the head of the queue when the
 * command matches it, else a GenericError, and the mismatch is recorded.
 * A `qmp_capabilities` that is not the command expected next is left to
 * the server. verify() reports the mismatches and the expectations never
 * met. The script knows nothing of connections.
 */
typedef struct _AqmpServerScript AqmpServerScript;

AqmpServerScript *aqmp_server_script_new          (void);
void              aqmp_server_script_free         (AqmpServerScript  *self);
void              aqmp_server_script_expect       (AqmpServerScript  *self,
                                                   const gchar       *command,
                                                   JsonObject        *arguments,
                                                   JsonNode          *value);
void              aqmp_server_script_expect_error (AqmpServerScript  *self,
                                                   const gchar       *command,
                                                   JsonObject        *arguments,
                                                   const gchar       *qmp_class,
                                                   const gchar       *desc);
void              aqmp_server_script_set_strict   (AqmpServerScript  *self,
                                                   gboolean           strict);
AqmpServerReply  *aqmp_server_script_answer       (AqmpServerScript  *self,
                                                   const gchar       *command,
                                                   JsonObject        *arguments);
gboolean          aqmp_server_script_verify       (AqmpServerScript  *self,
                                                   GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AqmpServerScript, aqmp_server_script_free)

G_END_DECLS
