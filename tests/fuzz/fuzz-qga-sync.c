/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest agent's sync stream, as qga/aqmp-qga-protocol.c drives the
 * reader (FAULTS #27, #28): after the client's 0xFF and its
 * guest-sync-delimited the framer drops everything up to the agent's
 * 0xFF (aqmp_framer_skip_past), then frames and parses; stale lines,
 * id-less errors and wrong echoes are dropped until {"return": ID} with
 * the sync's id (FUZZ_SYNC_ID, which the seed corpus uses). Broken input
 * restarts the procedure, as the protocol's recovery does.
 *
 * Invariants checked: no message is framed after a skip_past() unless a
 * 0xFF arrived after it; while skipping nothing is buffered; what is
 * buffered never exceeds the limit.
 */
#include <string.h>

#include "aqmp-error.h"
#include "aqmp-framer-private.h"
#include "aqmp-message-private.h"
#include "fuzz-common.h"

#define FUZZ_MAX_SIZE 1024
#define FUZZ_SYNC_ID G_GINT64_CONSTANT (1234567890123)

AQMP_FUZZ_INITIALIZE

typedef struct {
  AqmpFramer *framer;
  gboolean skip_pending;      /* skip_past() called, no message framed since */
  gboolean ff_since_skip;     /* a 0xFF was pushed after that call */
  gboolean synced;
  guint n_syncs;
  guint n_replies;
} FuzzSync;

static void
fuzz_resync (FuzzSync *s)
{
  aqmp_framer_reset (s->framer);
  aqmp_framer_skip_past (s->framer, 0xFF);
  g_assert (aqmp_framer_is_skipping (s->framer));
  s->skip_pending = TRUE;
  s->ff_since_skip = FALSE;
  s->synced = FALSE;
}

static void
fuzz_handle (FuzzSync *s, const gchar *msg, gsize len)
{
  g_auto(AqmpMessage) message = { 0, };
  g_autoptr(GError) error = NULL;
  guint64 id = 0;

  g_assert (len <= FUZZ_MAX_SIZE);
  g_assert (!aqmp_framer_is_skipping (s->framer));
  if (s->skip_pending)
    {
      g_assert (s->ff_since_skip);
      s->skip_pending = FALSE;
    }
  if (!aqmp_message_parse (msg, len, &message, &error))
    {
      g_assert (g_error_matches (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL));
      fuzz_resync (s);
      return;
    }
  if (message.kind != AQMP_MESSAGE_REPLY)
    return;   /* the agent sends neither greetings nor events: dropped */

  if (!s->synced)
    {
      /* only our echo ends the sync; the rest is stale */
      if (message.value != NULL && message.error == NULL
          && JSON_NODE_HOLDS_VALUE (message.value)
          && json_node_get_value_type (message.value) == G_TYPE_INT64
          && json_node_get_int (message.value) == FUZZ_SYNC_ID)
        {
          s->synced = TRUE;
          s->n_syncs++;
        }
      return;
    }
  s->n_replies++;
  (void) aqmp_message_reply_get_id (&message, &id);
  if (!aqmp_message_check_reply (&message, &error))
    {
      g_assert (g_error_matches (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL));
      return;
    }
  if (message.error != NULL)
    {
      g_autoptr(GError) command_error = aqmp_message_reply_to_error (&message, "guest-ping");
      g_assert (command_error != NULL);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(AqmpFramer) framer = aqmp_framer_new (FUZZ_MAX_SIZE);
  FuzzSync s = { 0, };
  guint32 rng = 0x2545f491u ^ (guint32) size;
  gsize pos = 0;

  s.framer = framer;
  fuzz_resync (&s);

  while (pos < size)
    {
      gsize chunk = 1 + aqmp_fuzz_next (&rng) % 32;
      const gchar *msg = NULL;
      gsize len = 0;
      GError *error = NULL;

      chunk = MIN (chunk, size - pos);

      aqmp_framer_push (framer, data + pos, chunk);
      if (memchr (data + pos, 0xFF, chunk) != NULL)
        s.ff_since_skip = TRUE;
      pos += chunk;

      while (aqmp_framer_next (framer, &msg, &len, &error))
        fuzz_handle (&s, msg, len);
      if (error != NULL)
        {
          g_assert (error->domain == AQMP_ERROR);
          g_clear_error (&error);
          fuzz_resync (&s);
          continue;
        }
      if (aqmp_framer_is_skipping (framer))
        g_assert (aqmp_framer_get_buffered (framer) == 0);
      g_assert (aqmp_framer_get_buffered (framer) <= FUZZ_MAX_SIZE);
    }
  return 0;
}
