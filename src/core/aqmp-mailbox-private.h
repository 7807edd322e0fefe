/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <gio/gunixfdlist.h>
#include <json-glib/json-glib.h>

#include "aqmp-enums.h"
#include "aqmp-message-private.h"

G_BEGIN_DECLS

/*
 * AqmpMailbox holds every call between execute() and its reply: one
 * mailbox entry per request id. Calls wait here unsent until the session
 * lets them go (negotiation done, and with OOB a free in-band slot),
 * then wait for the reader to deliver their reply. Timeouts and
 * cancellation free the entry; the id is remembered so that the late
 * reply is recognised and dropped.
 *
 * Its unsent queue is the connection's one outbound queue: besides
 * requests it carries raw bytes (aqmp_mailbox_post_raw()), which are no
 * call and get no id, in their place among the requests.
 */
#define AQMP_TYPE_MAILBOX (aqmp_mailbox_get_type ())
G_DECLARE_FINAL_TYPE (AqmpMailbox, aqmp_mailbox, AQMP, MAILBOX, GObject)

/* QEMU queues at most this many in-band commands once OOB is on */
#define AQMP_MAILBOX_MAX_INBAND_IN_FLIGHT 8

/* what next_unsent hands over; the receiver owns wire, fds and trace */
typedef struct {
  GBytes *wire;
  GUnixFDList *fds;         /* nullable: to go with @wire in one sendmsg */
  gchar *trace;             /* nullable: the redacted request, for the trace */
  guint64 id;
  gboolean raw;             /* bytes of aqmp_mailbox_post_raw(): no call */
} AqmpMailboxSend;

typedef void (*AqmpMailboxTimeoutFunc) (gpointer user_data, const GError *error);

AqmpMailbox *aqmp_mailbox_new             (GMainContext     *context,
                                           const gchar      *line_ending);
void         aqmp_mailbox_set_timeout_func (AqmpMailbox     *self,
                                           AqmpMailboxTimeoutFunc func,
                                           gpointer          user_data);
void         aqmp_mailbox_set_no_reply_grace (AqmpMailbox   *self,
                                           guint             grace_ms);
void         aqmp_mailbox_set_trace       (AqmpMailbox      *self,
                                           gboolean          trace);
void         aqmp_mailbox_fail_sent       (AqmpMailbox      *self,
                                           const GError     *error);
guint64      aqmp_mailbox_post            (AqmpMailbox      *self,
                                           GTask            *task,
                                           const gchar      *command,
                                           JsonObject       *arguments,
                                           GUnixFDList      *fds,
                                           AqmpExecuteFlags  flags,
                                           guint             timeout_ms,
                                           gsize             max_reply_size,
                                           GCancellable     *cancellable);
void         aqmp_mailbox_post_raw        (AqmpMailbox      *self,
                                           GBytes           *bytes);
gboolean     aqmp_mailbox_next_unsent     (AqmpMailbox      *self,
                                           gboolean          negotiated,
                                           gboolean          limit_inband,
                                           AqmpMailboxSend  *send);
void         aqmp_mailbox_fail_call       (AqmpMailbox      *self,
                                           guint64           id,
                                           const GError     *error);
void         aqmp_mailbox_written         (AqmpMailbox      *self,
                                           guint64           id);
gboolean     aqmp_mailbox_deliver         (AqmpMailbox      *self,
                                           AqmpMessage      *reply,
                                           gsize             length,
                                           GError          **error);
gboolean     aqmp_mailbox_deliver_oversized (AqmpMailbox    *self,
                                           const gchar      *id,
                                           gsize             length,
                                           gsize             limit,
                                           GError          **error);
void         aqmp_mailbox_set_max_message_size (AqmpMailbox *self,
                                           gsize             size);
gsize        aqmp_mailbox_get_max_message_size (AqmpMailbox *self);
gsize        aqmp_mailbox_get_read_limit  (AqmpMailbox      *self);
void         aqmp_mailbox_fail_all        (AqmpMailbox      *self,
                                           const GError     *error);
void         aqmp_mailbox_fail_unwritten  (AqmpMailbox      *self,
                                           const GError     *error);
void         aqmp_mailbox_expect_idless_error (AqmpMailbox  *self);
guint        aqmp_mailbox_get_n_pending   (AqmpMailbox      *self);
gsize        aqmp_mailbox_get_unsent_size (AqmpMailbox      *self);
gboolean     aqmp_mailbox_has_succeeded   (AqmpMailbox      *self,
                                           const gchar      *command);

G_END_DECLS
