/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "aqmp-server-reply-private.h"

G_BEGIN_DECLS

/*
 * The test server's built-in QEMU: what QEMU 7.2 says when nothing else
 * was set up. Its greeting (offering `oob`); its checks of a request's
 * members, with QEMU's error messages; and its answers to
 * `qmp_capabilities`, `query-status`, `query-version`, `stop`, `cont` and
 * `quit`, with `CommandNotFound` for any other command and an error for
 * any command sent out-of-band. These functions keep no state: the
 * server passes in what they depend on (its greeting, whether the guest
 * runs, whether this connection has negotiated), and the side effects of
 * `stop`, `cont` and `quit` come back as the reply's action, which the
 * server carries out when it sends the reply.
 */

JsonObject      *aqmp_server_builtin_greeting      (void);
gboolean         aqmp_server_builtin_check_request (JsonObject   *request,
                                                    gboolean      allow_oob,
                                                    const gchar **command,
                                                    gboolean     *oob,
                                                    GError      **error);
AqmpServerReply *aqmp_server_builtin_answer        (const gchar  *command,
                                                    gboolean      oob,
                                                    JsonObject   *arguments,
                                                    JsonObject   *greeting,
                                                    gboolean      running,
                                                    gboolean      caps_done);
gboolean         aqmp_server_builtin_enables_oob   (JsonObject   *arguments);

G_END_DECLS
