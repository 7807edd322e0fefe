/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/*
 * AqmpServerReply is what answering one request of the test server
 * produced, whoever answered it (the script, a handler, a canned reply or
 * the built-ins): the response object to send, if any, and the side
 * effect the server carries out when it sends it. The server adds the
 * request's id before sending.
 */

/* what happens when the reply goes out, as in QEMU */
typedef enum {
  AQMP_SERVER_ACTION_NONE,
  AQMP_SERVER_ACTION_NEGOTIATE,   /* the connection leaves negotiation */
  AQMP_SERVER_ACTION_STOP,        /* the guest stops: STOP */
  AQMP_SERVER_ACTION_CONT,        /* the guest runs: RESUME */
  AQMP_SERVER_ACTION_QUIT,        /* SHUTDOWN, then every connection ends */
} AqmpServerAction;

typedef struct {
  JsonObject *response;           /* nullable: nothing to send */
  AqmpServerAction action;
  gboolean enable_oob;            /* with NEGOTIATE: OOB was asked for */
} AqmpServerReply;

AqmpServerReply *aqmp_server_reply_new_return (JsonNode        *value);
AqmpServerReply *aqmp_server_reply_new_error  (const gchar     *qmp_class,
                                               const gchar     *desc);
AqmpServerReply *aqmp_server_reply_new_silent (void);
void             aqmp_server_reply_free       (AqmpServerReply *reply);

JsonNode        *aqmp_server_node_take_object (JsonObject      *object);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AqmpServerReply, aqmp_server_reply_free)

G_END_DECLS
