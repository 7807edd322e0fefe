/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmp-error.h"
#include "aqmp-mailbox-private.h"

typedef struct {
  guint64 id;
  AqmpMailbox *mailbox;     /* unowned */
  GTask *task;              /* NULL for raw bytes, which are no call */
  gchar *command;
  GBytes *wire;             /* until sent */
  GUnixFDList *fds;         /* until sent */
  gchar *trace;             /* until sent, when tracing */
  AqmpExecuteFlags flags;
  guint timeout_ms;
  gsize max_reply_size;     /* the largest reply accepted */
  gboolean raw;             /* bytes that wait only in the unsent queue */
  gboolean sent;            /* handed to the writer */
  gboolean flushed;         /* the writer wrote all of it */
  gboolean written;         /* a no-reply command in its grace period */
  GSource *timeout_source;
  GSource *cancel_source;
} AqmpCall;

struct _AqmpMailbox {
  GObject parent_instance;
  GMainContext *context;
  gchar *line_ending;
  guint64 next_id;
  GHashTable *calls;        /* id → AqmpCall */
  GQueue unsent;            /* AqmpCall, FIFO */
  gsize unsent_size;
  GHashTable *abandoned;    /* id → GINT_TO_POINTER (in-band) */
  guint inband_in_flight;
  guint idless_errors_expected;
  gchar *last_success;      /* the most recent command that succeeded */
  guint no_reply_grace;
  gsize max_message_size;   /* for every message but a raised call's reply */
  guint n_large;            /* calls allowed a larger reply */
  gboolean trace;
  AqmpMailboxTimeoutFunc timeout_func;
  gpointer timeout_data;
};

G_DEFINE_FINAL_TYPE (AqmpMailbox, aqmp_mailbox, G_TYPE_OBJECT)

static gboolean
aqmp_call_is_inband (AqmpCall *call)
{
  return (call->flags & (AQMP_EXECUTE_FLAGS_OOB | AQMP_EXECUTE_FLAGS_NO_REPLY)) == 0;
}

static void
aqmp_source_clear (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

/* no timeout or cancellation can reach @call any more: done before its
 * task returns, whose callback may iterate the main context for long */
static void
aqmp_call_disarm (AqmpCall *call)
{
  aqmp_source_clear (&call->timeout_source);
  aqmp_source_clear (&call->cancel_source);
}

static void
aqmp_call_free (AqmpCall *call)
{
  aqmp_call_disarm (call);
  g_clear_object (&call->task);
  g_clear_pointer (&call->wire, g_bytes_unref);
  g_clear_object (&call->fds);
  g_free (call->trace);
  g_free (call->command);
  g_free (call);
}

static gboolean
aqmp_call_is_large (AqmpMailbox *self, AqmpCall *call)
{
  return call->max_reply_size > self->max_message_size;
}

/* takes @call out of every table; the caller completes and frees it */
static void
aqmp_mailbox_detach (AqmpMailbox *self, AqmpCall *call)
{
  aqmp_call_disarm (call);
  if (aqmp_call_is_large (self, call))
    self->n_large--;
  if (!call->sent)
    {
      g_queue_remove (&self->unsent, call);
      self->unsent_size -= g_bytes_get_size (call->wire);
    }
  g_hash_table_steal (self->calls, &call->id);
}

/* a call that will never see its reply: remember the id for the late one */
static void
aqmp_mailbox_abandon (AqmpMailbox *self, AqmpCall *call)
{
  gboolean sent = call->sent;

  aqmp_mailbox_detach (self, call);
  if (sent && (call->flags & AQMP_EXECUTE_FLAGS_NO_REPLY) == 0)
    {
      guint64 *key = g_new (guint64, 1);
      *key = call->id;
      g_hash_table_insert (self->abandoned, key, GINT_TO_POINTER (aqmp_call_is_inband (call)));
    }
}

static void aqmp_mailbox_complete_null (AqmpCall *call);

static gboolean
aqmp_call_timeout_cb (gpointer user_data)
{
  AqmpCall *call = user_data;
  AqmpMailbox *self = call->mailbox;
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&call->timeout_source, g_source_unref);
  aqmp_mailbox_abandon (self, call);
  /* no error within the grace period: the command succeeded */
  if (call->written)
    {
      aqmp_mailbox_complete_null (call);
      aqmp_call_free (call);
      return G_SOURCE_REMOVE;
    }
  g_debug ("command '%s' (id %" G_GUINT64_FORMAT ") timed out", call->command, call->id);
  error = g_error_new (AQMP_ERROR, AQMP_ERROR_TIMEOUT, "command '%s' timed out after %u ms",
                       call->command, call->timeout_ms);
  g_task_return_error (call->task, g_error_copy (error));
  aqmp_call_free (call);
  if (self->timeout_func != NULL)
    self->timeout_func (self->timeout_data, error);
  return G_SOURCE_REMOVE;
}

static gboolean
aqmp_call_cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  AqmpCall *call = user_data;
  AqmpMailbox *self = call->mailbox;

  g_debug ("command '%s' (id %" G_GUINT64_FORMAT ") cancelled", call->command, call->id);
  aqmp_mailbox_abandon (self, call);
  g_task_return_error_if_cancelled (call->task);
  aqmp_call_free (call);
  return G_SOURCE_REMOVE;
}

static GSource *
aqmp_mailbox_attach (AqmpMailbox *self, GSource *source, gpointer func, AqmpCall *call)
{
  g_source_set_callback (source, (GSourceFunc) func, call, NULL);
  g_source_set_static_name (source, "[aqmp] call");
  g_source_attach (source, self->context);
  return source;
}

/**
 * aqmp_mailbox_post:
 *
 * Registers a call and serialises its request, once. @task is completed
 * with the reply's value (a #JsonNode) or an error. @fds, when given, are
 * to be sent with the request. With tracing on, a redacted copy is
 * serialised too, for the trace only. A reply larger than @max_reply_size
 * (never less than the mailbox's max-message-size) fails the call with
 * %AQMP_ERROR_TOO_LARGE.
 *
 * Returns: the call's id
 */
guint64
aqmp_mailbox_post (AqmpMailbox      *self,
                   GTask            *task,
                   const gchar      *command,
                   JsonObject       *arguments,
                   GUnixFDList      *fds,
                   AqmpExecuteFlags  flags,
                   guint             timeout_ms,
                   gsize             max_reply_size,
                   GCancellable     *cancellable)
{
  AqmpCall *call = g_new0 (AqmpCall, 1);

  call->id = self->next_id++;
  call->mailbox = self;
  call->task = g_object_ref (task);
  call->command = g_strdup (command);
  call->flags = flags;
  call->timeout_ms = timeout_ms;
  call->max_reply_size = MAX (max_reply_size, self->max_message_size);
  if (aqmp_call_is_large (self, call))
    self->n_large++;
  call->wire = aqmp_message_build_request (command, arguments,
                                           (flags & AQMP_EXECUTE_FLAGS_OOB) != 0,
                                           call->id, self->line_ending);
  call->fds = fds != NULL ? g_object_ref (fds) : NULL;
  if (self->trace)
    call->trace = aqmp_message_build_trace (command, arguments,
                                            (flags & AQMP_EXECUTE_FLAGS_OOB) != 0, call->id);

  if (timeout_ms > 0)
    call->timeout_source = aqmp_mailbox_attach (self, g_timeout_source_new (timeout_ms),
                                                aqmp_call_timeout_cb, call);
  if (cancellable != NULL)
    call->cancel_source = aqmp_mailbox_attach (self, g_cancellable_source_new (cancellable),
                                               aqmp_call_cancelled_cb, call);

  g_hash_table_insert (self->calls, &call->id, call);
  g_queue_push_tail (&self->unsent, call);
  self->unsent_size += g_bytes_get_size (call->wire);
  return call->id;
}

/**
 * aqmp_mailbox_post_raw:
 *
 * Queues bytes that are no request (a protocol's parser reset) behind
 * the requests posted so far. They take no id and get no reply; like a
 * handshake's request they may go before negotiation is done, and they
 * count against the outbound queue's size as requests do.
 */
void
aqmp_mailbox_post_raw (AqmpMailbox *self, GBytes *bytes)
{
  AqmpCall *call = g_new0 (AqmpCall, 1);

  call->mailbox = self;
  call->raw = TRUE;
  call->wire = g_bytes_ref (bytes);
  g_queue_push_tail (&self->unsent, call);
  self->unsent_size += g_bytes_get_size (bytes);
}

static gboolean
aqmp_mailbox_may_send (AqmpMailbox *self, AqmpCall *call, gboolean negotiated, gboolean limit_inband)
{
  /* raw bytes are part of a handshake */
  if (call->raw)
    return TRUE;
  if (!negotiated && (call->flags & AQMP_EXECUTE_FLAGS_HANDSHAKE) == 0)
    return FALSE;
  if (limit_inband && aqmp_call_is_inband (call)
      && self->inband_in_flight >= AQMP_MAILBOX_MAX_INBAND_IN_FLIGHT)
    return FALSE;
  return TRUE;
}

/**
 * aqmp_mailbox_next_unsent:
 * @negotiated: whether commands other than `qmp_capabilities` may go
 * @limit_inband: whether to keep at most 8 in-band commands in flight
 *
 * Hands over the next request that may be written, in order, letting
 * what may go overtake what is held: out-of-band commands the in-band
 * ones beyond the limit, and a handshake's requests and raw bytes every
 * call that waits for negotiation, whatever its kind (a command without
 * a reply that waited in front must not hold the resync back).
 */
gboolean
aqmp_mailbox_next_unsent (AqmpMailbox     *self,
                          gboolean         negotiated,
                          gboolean         limit_inband,
                          AqmpMailboxSend *send)
{
  for (GList *l = self->unsent.head; l != NULL; l = l->next)
    {
      AqmpCall *call = l->data;

      if (!aqmp_mailbox_may_send (self, call, negotiated, limit_inband))
        continue;
      g_queue_delete_link (&self->unsent, l);
      self->unsent_size -= g_bytes_get_size (call->wire);
      if (call->raw)
        {
          send->wire = g_steal_pointer (&call->wire);
          send->fds = NULL;
          send->trace = NULL;
          send->id = 0;
          send->raw = TRUE;
          aqmp_call_free (call);
          return TRUE;
        }
      call->sent = TRUE;
      if (aqmp_call_is_inband (call))
        self->inband_in_flight++;
      send->wire = g_steal_pointer (&call->wire);
      send->fds = g_steal_pointer (&call->fds);
      send->trace = g_steal_pointer (&call->trace);
      send->id = call->id;
      send->raw = FALSE;
      return TRUE;
    }
  return FALSE;
}

static void
aqmp_mailbox_complete_null (AqmpCall *call)
{
  g_task_return_pointer (call->task, json_node_new (JSON_NODE_NULL), (GDestroyNotify) json_node_unref);
}

/* the writer wrote all of a request; a command without a reply on
 * success then waits only for a quick error */
void
aqmp_mailbox_written (AqmpMailbox *self, guint64 id)
{
  AqmpCall *call = g_hash_table_lookup (self->calls, &id);

  if (call == NULL)
    return;
  call->flushed = TRUE;
  if ((call->flags & AQMP_EXECUTE_FLAGS_NO_REPLY) == 0)
    return;
  if (self->no_reply_grace == 0)
    {
      aqmp_mailbox_detach (self, call);
      aqmp_mailbox_complete_null (call);
      aqmp_call_free (call);
      return;
    }
  call->written = TRUE;
  aqmp_source_clear (&call->timeout_source);
  call->timeout_source = aqmp_mailbox_attach (self, g_timeout_source_new (self->no_reply_grace),
                                              aqmp_call_timeout_cb, call);
}

void
aqmp_mailbox_set_no_reply_grace (AqmpMailbox *self, guint grace_ms)
{
  self->no_reply_grace = grace_ms;
}

/* the limit for every message but the replies of calls allowed more; set
 * before the first call is posted */
void
aqmp_mailbox_set_max_message_size (AqmpMailbox *self, gsize size)
{
  self->max_message_size = size;
}

gsize
aqmp_mailbox_get_max_message_size (AqmpMailbox *self)
{
  return self->max_message_size;
}

/*
 * How much of one message the reader may hold: the framer cannot tell
 * whose a message is before it has read it whole, so it is the largest
 * reply limit of the calls whose replies may come now, those sent.
 */
gsize
aqmp_mailbox_get_read_limit (AqmpMailbox *self)
{
  GHashTableIter iter;
  AqmpCall *call;
  gsize limit = self->max_message_size;

  if (self->n_large == 0)
    return limit;
  g_hash_table_iter_init (&iter, self->calls);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &call))
    if (call->sent)
      limit = MAX (limit, call->max_reply_size);
  return limit;
}

/* whether posted requests also get a redacted copy for the wire trace */
void
aqmp_mailbox_set_trace (AqmpMailbox *self, gboolean trace)
{
  self->trace = trace;
}

/* fails one call that was handed over but could not be written */
/* the call leaves the mailbox, and its place among those in flight */
static void
aqmp_mailbox_retire (AqmpMailbox *self, AqmpCall *call)
{
  aqmp_mailbox_detach (self, call);
  if (call->sent && aqmp_call_is_inband (call) && self->inband_in_flight > 0)
    self->inband_in_flight--;
}

void
aqmp_mailbox_fail_call (AqmpMailbox *self, guint64 id, const GError *error)
{
  AqmpCall *call = g_hash_table_lookup (self->calls, &id);

  if (call == NULL)
    return;
  aqmp_mailbox_retire (self, call);
  g_task_return_error (call->task, g_error_copy (error));
  aqmp_call_free (call);
}

/* told when a call times out: a protocol may need to resynchronise */
void
aqmp_mailbox_set_timeout_func (AqmpMailbox *self, AqmpMailboxTimeoutFunc func, gpointer user_data)
{
  self->timeout_func = func;
  self->timeout_data = user_data;
}

/* the client reset the peer's parser on purpose: one id-less error is due */
void
aqmp_mailbox_expect_idless_error (AqmpMailbox *self)
{
  self->idless_errors_expected++;
}

static gboolean
aqmp_mailbox_deliver_idless (AqmpMailbox *self, AqmpMessage *reply, GError **error)
{
  if (reply->error != NULL && self->idless_errors_expected > 0)
    {
      self->idless_errors_expected--;
      g_debug ("dropping the error reply provoked by a parser reset");
      return TRUE;
    }
  if (reply->error != NULL)
    {
      g_set_error (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL,
                   "server reported an error not tied to any command: %s",
                   json_object_get_string_member_with_default (reply->error, "desc", "(no description)"));
      return FALSE;
    }
  g_set_error_literal (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL,
                       "invalid message from server: reply without id");
  return FALSE;
}

static void
aqmp_mailbox_complete (AqmpMailbox *self, AqmpCall *call, AqmpMessage *reply)
{
  g_autoptr(GError) error = NULL;

  if (!aqmp_message_check_reply (reply, &error))
    {
      g_prefix_error (&error, "%s: ", call->command);
      g_task_return_error (call->task, g_steal_pointer (&error));
      return;
    }
  if (reply->error != NULL)
    {
      g_task_return_error (call->task, aqmp_message_reply_to_error (reply, call->command));
      return;
    }
  g_free (self->last_success);
  self->last_success = g_strdup (call->command);
  g_task_return_pointer (call->task, json_node_ref (reply->value), (GDestroyNotify) json_node_unref);
}

static void
aqmp_mailbox_fail_too_large (AqmpMailbox *self, AqmpCall *call, gsize length)
{
  g_debug ("reply to '%s' (id %" G_GUINT64_FORMAT ") is %" G_GSIZE_FORMAT " bytes, over its limit",
           call->command, call->id, length);
  aqmp_mailbox_retire (self, call);
  g_task_return_new_error (call->task, AQMP_ERROR, AQMP_ERROR_TOO_LARGE,
                           "the reply to '%s' (%" G_GSIZE_FORMAT " bytes) exceeds its size limit of %"
                           G_GSIZE_FORMAT " bytes", call->command, length, call->max_reply_size);
  aqmp_call_free (call);
}

/* a late reply to a call given up: dropped, its in-band slot given back */
static gboolean
aqmp_mailbox_drop_late (AqmpMailbox *self, guint64 id)
{
  gpointer inband = NULL;

  if (!g_hash_table_lookup_extended (self->abandoned, &id, NULL, &inband))
    return FALSE;
  g_debug ("dropping late reply to timed-out or cancelled call %" G_GUINT64_FORMAT, id);
  if (GPOINTER_TO_INT (inband) && self->inband_in_flight > 0)
    self->inband_in_flight--;
  g_hash_table_remove (self->abandoned, &id);
  return TRUE;
}

/**
 * aqmp_mailbox_deliver:
 * @length: the reply's size on the wire
 *
 * Routes a reply to its call. Unknown, late and duplicate replies are
 * dropped; one larger than its call's limit fails the call with
 * %AQMP_ERROR_TOO_LARGE. Returns %FALSE only when the reply breaks the
 * connection (an error that belongs to no command).
 */
gboolean
aqmp_mailbox_deliver (AqmpMailbox *self, AqmpMessage *reply, gsize length, GError **error)
{
  AqmpCall *call;
  guint64 id = 0;

  if (reply->id == NULL)
    return aqmp_mailbox_deliver_idless (self, reply, error);
  if (!aqmp_message_reply_get_id (reply, &id))
    {
      g_debug ("dropping reply with a foreign id");
      return TRUE;
    }
  if (aqmp_mailbox_drop_late (self, id))
    return TRUE;
  call = g_hash_table_lookup (self->calls, &id);
  if (call == NULL || !call->sent)
    {
      g_debug ("dropping reply with unknown id %" G_GUINT64_FORMAT, id);
      return TRUE;
    }
  /* read whole under a larger call's limit, but over its own */
  if (length > call->max_reply_size)
    {
      aqmp_mailbox_fail_too_large (self, call, length);
      return TRUE;
    }
  aqmp_mailbox_retire (self, call);
  aqmp_mailbox_complete (self, call, reply);
  aqmp_call_free (call);
  return TRUE;
}

/**
 * aqmp_mailbox_deliver_oversized:
 * @id: (nullable): the text of the message's top-level "id", as the
 *   framer kept it
 * @length: the message's size
 * @limit: the limit it was read under
 *
 * A message over the read limit was skipped without being read. When its
 * id names a call, that call fails with %AQMP_ERROR_TOO_LARGE and the
 * connection goes on; a late reply, or one with an id that is not ours, is
 * dropped as any such reply. Returns %FALSE, with @error set, when the
 * message belongs to no call (an event, an error without id): then it
 * cannot be skipped safely and the connection fails.
 */
gboolean
aqmp_mailbox_deliver_oversized (AqmpMailbox  *self,
                                const gchar  *id,
                                gsize         length,
                                gsize         limit,
                                GError      **error)
{
  g_autofree gchar *text = g_strstrip (g_strdup (id != NULL ? id : ""));
  guint64 number = 0;
  AqmpCall *call;

  if (id == NULL)
    {
      g_set_error (error, AQMP_ERROR, AQMP_ERROR_TOO_LARGE,
                   "message of %" G_GSIZE_FORMAT " bytes without an id exceeds the size limit of %"
                   G_GSIZE_FORMAT " bytes", length, limit);
      return FALSE;
    }
  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT64, &number, NULL))
    {
      g_debug ("dropping an oversized reply with a foreign id");
      return TRUE;
    }
  if (aqmp_mailbox_drop_late (self, number))
    return TRUE;
  call = g_hash_table_lookup (self->calls, &number);
  if (call == NULL || !call->sent)
    {
      g_debug ("dropping an oversized reply with unknown id %" G_GUINT64_FORMAT, number);
      return TRUE;
    }
  aqmp_mailbox_fail_too_large (self, call, length);
  return TRUE;
}

/* fails every call, sent or not, with a copy of @error */
void
aqmp_mailbox_fail_all (AqmpMailbox *self, const GError *error)
{
  g_autoptr(GList) calls = g_hash_table_get_values (self->calls);

  g_hash_table_steal_all (self->calls);
  /* raw bytes are in the queue only */
  for (GList *l = self->unsent.head; l != NULL; l = l->next)
    if (((AqmpCall *) l->data)->raw)
      aqmp_call_free (l->data);
  g_queue_clear (&self->unsent);
  self->unsent_size = 0;
  self->n_large = 0;
  g_hash_table_remove_all (self->abandoned);
  self->inband_in_flight = 0;
  /* all are disarmed first: a callback may iterate the main context */
  for (GList *l = calls; l != NULL; l = l->next)
    aqmp_call_disarm (l->data);
  for (GList *l = calls; l != NULL; l = l->next)
    {
      AqmpCall *call = l->data;
      /* it went out and no error came back: the peer may rightly have
       * closed (guest-shutdown) */
      if (call->written)
        aqmp_mailbox_complete_null (call);
      else
        g_task_return_error (call->task, g_error_copy (error));
      aqmp_call_free (call);
    }
}

/* fails the calls already sent, whose replies are lost; unsent ones wait */
void
aqmp_mailbox_fail_sent (AqmpMailbox *self, const GError *error)
{
  g_autoptr(GList) calls = g_hash_table_get_values (self->calls);
  g_autoptr(GQueue) failed = g_queue_new ();

  /* all are detached first: a callback may iterate the main context */
  for (GList *l = calls; l != NULL; l = l->next)
    {
      AqmpCall *call = l->data;
      if (!call->sent)
        continue;
      aqmp_mailbox_detach (self, call);
      g_queue_push_tail (failed, call);
    }
  g_hash_table_remove_all (self->abandoned);
  self->inband_in_flight = 0;
  for (GList *l = failed->head; l != NULL; l = l->next)
    {
      AqmpCall *call = l->data;
      if (call->written)
        aqmp_mailbox_complete_null (call);
      else
        g_task_return_error (call->task, g_error_copy (error));
      aqmp_call_free (call);
    }
}

/* fails the calls whose requests were not written whole, sent or not:
 * nothing can answer them once writing has failed */
void
aqmp_mailbox_fail_unwritten (AqmpMailbox *self, const GError *error)
{
  g_autoptr(GList) calls = g_hash_table_get_values (self->calls);
  g_autoptr(GQueue) failed = g_queue_new ();

  /* all are detached first: a callback may end the connection */
  for (GList *l = calls; l != NULL; l = l->next)
    {
      AqmpCall *call = l->data;
      if (call->flushed)
        continue;
      aqmp_mailbox_retire (self, call);
      g_queue_push_tail (failed, call);
    }
  for (GList *l = failed->head; l != NULL; l = l->next)
    {
      AqmpCall *call = l->data;
      g_task_return_error (call->task, g_error_copy (error));
      aqmp_call_free (call);
    }
}

guint
aqmp_mailbox_get_n_pending (AqmpMailbox *self)
{
  return g_hash_table_size (self->calls);
}

gsize
aqmp_mailbox_get_unsent_size (AqmpMailbox *self)
{
  return self->unsent_size;
}

/* whether the most recent successful reply was to @command (quit, say) */
gboolean
aqmp_mailbox_has_succeeded (AqmpMailbox *self, const gchar *command)
{
  return g_strcmp0 (self->last_success, command) == 0;
}

static void
aqmp_mailbox_finalize (GObject *object)
{
  AqmpMailbox *self = AQMP_MAILBOX (object);
  g_autoptr(GError) error = g_error_new_literal (AQMP_ERROR, AQMP_ERROR_DISCONNECTED,
                                                 "connection closed");

  aqmp_mailbox_fail_all (self, error);
  g_hash_table_unref (self->calls);
  g_hash_table_unref (self->abandoned);
  g_main_context_unref (self->context);
  g_free (self->line_ending);
  g_free (self->last_success);
  G_OBJECT_CLASS (aqmp_mailbox_parent_class)->finalize (object);
}

static void
aqmp_mailbox_class_init (AqmpMailboxClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = aqmp_mailbox_finalize;
}

static void
aqmp_mailbox_init (AqmpMailbox *self)
{
  self->next_id = 1;
  self->calls = g_hash_table_new (g_int64_hash, g_int64_equal);
  self->abandoned = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_queue_init (&self->unsent);
}

AqmpMailbox *
aqmp_mailbox_new (GMainContext *context, const gchar *line_ending)
{
  AqmpMailbox *self = g_object_new (AQMP_TYPE_MAILBOX, NULL);

  self->context = g_main_context_ref (context);
  self->line_ending = g_strdup (line_ending);
  return self;
}
