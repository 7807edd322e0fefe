/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <gio/gunixfdlist.h>
#include <json-glib/json-glib.h>

#include "aqmp-connector-private.h"
#include "aqmp-enums.h"
#include "aqmp-event.h"

G_BEGIN_DECLS

/*
 * AqmpSession is one connection of an AqmpClient, from the moment a connect
 * begins until the client is idle again: a new connect makes a new
 * session, so nothing of one connection is reset by hand for the next.
 * It owns the data path and nothing of the public state machine:
 *
 *   socket -> reader (framer, parser) -> mailbox (replies to their calls)
 *                                     -> owner (the greeting, events)
 *   caller -> mailbox (the one outbound queue) -> writer -> socket
 *
 * The writer is fed from the mailbox's queue only: requests, and the raw
 * bytes a protocol's handshake sends (aqmp_session_send_raw()), in the
 * order they were posted, as far as negotiation and the in-band limit let
 * them go. It also keeps the connection's timers: the connect deadline
 * and the watch of the connect call's cancellable (until negotiated), the
 * calls' timeouts (in the mailbox) and the drain after a write error.
 *
 * It tells its owner what happened through callbacks, and never once it
 * is closed: a connect attempt, a read, a write or a timer of a session
 * that was given up finds it closed and touches nothing. The owner
 * decides what a failure means for the state machine (may_recover) and
 * when negotiation is done (aqmp_session_set_negotiated()); the session
 * decides what a failure of its I/O is: a clean end after `quit`, the
 * write error after a drain, or the reader's error.
 *
 * aqmp_session_close() is the I/O half of the client's one teardown: it
 * stops every source, fails every call with the loss, and closes the
 * stream; aqmp_session_abort() does the same at once, for dispose.
 */
#define AQMP_TYPE_SESSION (aqmp_session_get_type ())
G_DECLARE_FINAL_TYPE (AqmpSession, aqmp_session, AQMP, SESSION, GObject)

typedef struct {
  /* the transport is up, reading and writing */
  void     (*opened)      (gpointer user_data);
  void     (*greeting)    (gpointer user_data, JsonObject *greeting);
  void     (*event)       (gpointer user_data, AqmpEvent *event);
  /* a call timed out, or the input could not be framed: whether the
   * owner resynchronises rather than ending the connection */
  gboolean (*may_recover) (gpointer user_data, const GError *error);
  /* the replies in flight were failed; calls wait for a new handshake */
  void     (*resync)      (gpointer user_data);
  /* the connection ended, or could not be made; @cause is %NULL for a
   * clean end (`quit` answered, the connect call cancelled). Called once,
   * and the owner then closes the session. */
  void     (*lost)        (gpointer user_data, const GError *cause);
} AqmpSessionCallbacks;

typedef void (*AqmpSessionClosedFunc) (gpointer user_data);

AqmpSession  *aqmp_session_new              (GMainContext               *context,
                                             const gchar                *line_ending,
                                             gsize                       max_message_size,
                                             guint                       no_reply_grace,
                                             const AqmpSessionCallbacks *callbacks,
                                             gpointer                    user_data);
void          aqmp_session_bound            (AqmpSession                *self,
                                             guint                       timeout_ms,
                                             GCancellable               *cancellable);

/* the transport: exactly one of these per session */
void          aqmp_session_connect          (AqmpSession                *self,
                                             AqmpConnector              *connector,
                                             const gchar                *address);
void          aqmp_session_accept           (AqmpSession                *self,
                                             AqmpConnector              *connector);
void          aqmp_session_open             (AqmpSession                *self,
                                             GIOStream                  *stream);

/* outbound: everything goes through the mailbox's queue */
void          aqmp_session_post             (AqmpSession                *self,
                                             GTask                      *task,
                                             const gchar                *command,
                                             JsonObject                 *arguments,
                                             GUnixFDList                *fds,
                                             AqmpExecuteFlags            flags,
                                             guint                       timeout_ms,
                                             gsize                       max_reply_size,
                                             GCancellable               *cancellable);
void          aqmp_session_fail_calls       (AqmpSession                *self,
                                             const GError               *error);
void          aqmp_session_send_raw         (AqmpSession                *self,
                                             GBytes                     *bytes);
gsize         aqmp_session_get_queued       (AqmpSession                *self);

/* inbound */
void          aqmp_session_skip_input_past  (AqmpSession                *self,
                                             guint8                      delimiter);

/* negotiation, as the owner runs it */
void          aqmp_session_enable_oob       (AqmpSession                *self);
gboolean      aqmp_session_get_oob_enabled  (AqmpSession                *self);
void          aqmp_session_set_negotiated   (AqmpSession                *self);
gboolean      aqmp_session_is_negotiated    (AqmpSession                *self);
gboolean      aqmp_session_begin_handshake  (AqmpSession                *self);
void          aqmp_session_end_handshake    (AqmpSession                *self);
gboolean      aqmp_session_has_greeted      (AqmpSession                *self);

/* what the connection is */
GIOStream    *aqmp_session_get_stream       (AqmpSession                *self);
GSocket      *aqmp_session_get_unix_socket  (AqmpSession                *self);
GCancellable *aqmp_session_get_cancellable  (AqmpSession                *self);
const GError *aqmp_session_get_write_error  (AqmpSession                *self);

/* the end */
void          aqmp_session_close            (AqmpSession                *self,
                                             const GError               *loss,
                                             AqmpSessionClosedFunc       done,
                                             gpointer                    user_data);
void          aqmp_session_abort            (AqmpSession                *self);
gboolean      aqmp_session_is_closed        (AqmpSession                *self);

G_END_DECLS
