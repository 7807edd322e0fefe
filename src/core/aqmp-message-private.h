/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "aqmp-event.h"

G_BEGIN_DECLS

/*
 * One message from the server, parsed and classified. The checks here are
 * the protocol's: a message is a greeting, an event or a reply, or the
 * connection is broken.
 */
typedef enum {
  AQMP_MESSAGE_GREETING,
  AQMP_MESSAGE_EVENT,
  AQMP_MESSAGE_REPLY,
} AqmpMessageKind;

typedef struct {
  AqmpMessageKind kind;
  JsonObject *object;     /* the whole greeting; %NULL for the others */

  /* replies; each owned, nullable */
  JsonNode *id;
  JsonNode *value;        /* `return` */
  JsonObject *error;      /* `error` */

  /* events */
  AqmpEvent *event;
} AqmpMessage;

gboolean  aqmp_message_parse          (const gchar  *data,
                                       gsize         length,
                                       AqmpMessage  *message,
                                       GError      **error);
void      aqmp_message_clear          (AqmpMessage  *message);

gboolean  aqmp_message_reply_get_id   (AqmpMessage  *message,
                                       guint64      *id);
gboolean  aqmp_message_check_reply    (AqmpMessage  *message,
                                       GError      **error);
GError   *aqmp_message_reply_to_error (AqmpMessage  *message,
                                       const gchar  *command);

gboolean  aqmp_greeting_parse         (JsonObject   *greeting,
                                       guint         version[3],
                                       GStrv        *capabilities,
                                       GError      **error);

GBytes   *aqmp_message_build_request  (const gchar  *command,
                                       JsonObject   *arguments,
                                       gboolean      oob,
                                       guint64       id,
                                       const gchar  *line_ending);

gchar    *aqmp_message_build_trace    (const gchar  *command,
                                       JsonObject   *arguments,
                                       gboolean      oob,
                                       guint64       id);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AqmpMessage, aqmp_message_clear)

G_END_DECLS
