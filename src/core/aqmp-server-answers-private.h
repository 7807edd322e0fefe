/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "aqmp-server.h"
#include "aqmp-server-reply-private.h"

G_BEGIN_DECLS

/*
 * AqmpServerAnswers is what a test set, per command, for the test server
 * to answer with: a handler, or else a canned reply (a return value, an
 * error, or no reply at all). Setting either replaces the previous one of
 * its kind for that command. A handler may replace or remove itself (or
 * any other) while it runs. It knows nothing of connections; the server
 * asks it after the script and before the built-ins.
 */
typedef struct _AqmpServerAnswers AqmpServerAnswers;

AqmpServerAnswers *aqmp_server_answers_new            (void);
void               aqmp_server_answers_free           (AqmpServerAnswers *self);
void               aqmp_server_answers_clear_handlers (AqmpServerAnswers *self);
void               aqmp_server_answers_set_handler    (AqmpServerAnswers *self,
                                                       const gchar       *command,
                                                       AqmpServerHandler  handler,
                                                       gpointer           user_data,
                                                       GDestroyNotify     destroy);
void               aqmp_server_answers_set_reply      (AqmpServerAnswers *self,
                                                       const gchar       *command,
                                                       JsonNode          *value);
void               aqmp_server_answers_set_error      (AqmpServerAnswers *self,
                                                       const gchar       *command,
                                                       const gchar       *qmp_class,
                                                       const gchar       *desc);
void               aqmp_server_answers_set_no_reply   (AqmpServerAnswers *self,
                                                       const gchar       *command);
AqmpServerReply   *aqmp_server_answers_answer         (AqmpServerAnswers *self,
                                                       AqmpServer        *server,
                                                       const gchar       *command,
                                                       JsonObject        *request);

G_END_DECLS
