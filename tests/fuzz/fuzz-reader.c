/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The reader's path for bytes from the server: AqmpFramer cuts the stream
 * into objects, and each one goes through aqmp_message_parse(), as
 * aqmp-reader.c does.
 *
 * The first input byte chooses how the rest arrives: bits 0-1 the read
 * sizes (all at once, byte by byte, or pseudo-random reads), bit 2 starts
 * in skip_past(0xFF) mode, bit 3 re-enters it after every framing error
 * (otherwise the framer is reset), bit 4 enters it at pseudo-random points
 * between reads, bit 5 has messages over the limit skipped, as the
 * client's reader does. The framer's limit is small (512 bytes), so the
 * size checks (FAULTS #4) are reached by small inputs.
 */
#include <string.h>

#include "aqmp-error.h"
#include "aqmp-framer-private.h"
#include "aqmp-message-private.h"
#include "fuzz-common.h"

#define FUZZ_MAX_SIZE 512

AQMP_FUZZ_INITIALIZE

/* a skipped message: over the limit, within twice it, and what is kept
 * of its id is short and came from the input */
static void
fuzz_handle_skipped (AqmpFramer *framer, gsize len)
{
  const gchar *id = aqmp_framer_get_skipped_id (framer);

  g_assert (len > FUZZ_MAX_SIZE);
  g_assert (len <= 2 * FUZZ_MAX_SIZE);
  g_assert (id == NULL || strlen (id) <= 32);
}

static void
fuzz_handle_message (const gchar *msg, gsize len)
{
  g_auto(AqmpMessage) message = { 0, };
  g_autoptr(GError) error = NULL;

  /* what the framer promises the reader */
  g_assert (len >= 2 && len <= FUZZ_MAX_SIZE);
  g_assert (msg[0] == '{');
  g_assert (msg[len - 1] == '}' || msg[len - 1] == ']');

  if (!aqmp_message_parse (msg, len, &message, &error))
    {
      g_assert (error != NULL);
      g_assert (g_error_matches (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL));
      return;
    }
  g_assert (error == NULL);
  /* only a greeting is kept whole */
  g_assert ((message.object != NULL) == (message.kind == AQMP_MESSAGE_GREETING));

  switch (message.kind)
    {
    case AQMP_MESSAGE_GREETING:
      {
        guint version[3];
        g_auto(GStrv) caps = NULL;
        g_autoptr(GError) greeting_error = NULL;

        if (aqmp_greeting_parse (message.object, version, &caps, &greeting_error))
          g_assert (caps != NULL);
        else
          g_assert (greeting_error != NULL);
      }
      break;
    case AQMP_MESSAGE_EVENT:
      {
        g_autofree gchar *text = NULL;

        g_assert (message.event != NULL);
        g_assert (aqmp_event_get_name (message.event) != NULL);
        text = aqmp_event_to_string (message.event);
        g_assert (text != NULL);
      }
      break;
    case AQMP_MESSAGE_REPLY:
      {
        guint64 id;
        g_autoptr(GError) reply_error = NULL;

        (void) aqmp_message_reply_get_id (&message, &id);
        if (aqmp_message_check_reply (&message, &reply_error) && message.error != NULL)
          {
            g_autoptr(GError) command_error = aqmp_message_reply_to_error (&message, "fuzz");
            g_assert (command_error != NULL && command_error->message != NULL);
          }
      }
      break;
    default:
      g_assert_not_reached ();
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(AqmpFramer) framer = aqmp_framer_new (FUZZ_MAX_SIZE);
  guint8 mode;
  guint32 rng;
  gsize pos = 1;

  if (size < 1)
    return 0;
  mode = data[0];
  rng = 0x9e3779b9u ^ (guint32) size ^ ((guint32) mode << 16);
  if (mode & 0x04)
    aqmp_framer_skip_past (framer, 0xFF);
  if (mode & 0x20)
    aqmp_framer_set_skip_oversized (framer, TRUE);

  while (pos < size)
    {
      gsize chunk;
      const gchar *msg = NULL;
      gsize len = 0;
      GError *error = NULL;

      switch (mode & 0x03)
        {
        case 0:
          chunk = size - pos;
          break;
        case 1:
          chunk = 1;
          break;
        default:
          chunk = 1 + aqmp_fuzz_next (&rng) % 64;
          break;
        }
      chunk = MIN (chunk, size - pos);
      if ((mode & 0x10) && aqmp_fuzz_next (&rng) % 8 == 0)
        aqmp_framer_skip_past (framer, 0xFF);
      aqmp_framer_push (framer, data + pos, chunk);
      pos += chunk;

      while (aqmp_framer_next (framer, &msg, &len, &error))
        {
          if (msg == NULL)
            fuzz_handle_skipped (framer, len);
          else
            fuzz_handle_message (msg, len);
        }
      if (error != NULL)
        {
          g_assert (error->domain == AQMP_ERROR);
          g_assert (error->code == AQMP_ERROR_PROTOCOL || error->code == AQMP_ERROR_TOO_LARGE);
          g_clear_error (&error);
          /* the client breaks the connection here; go on with a fresh
           * stream, or with the guest agent's recovery */
          aqmp_framer_reset (framer);
          if (mode & 0x08)
            aqmp_framer_skip_past (framer, 0xFF);
        }
      else
        {
          /* memory stays bounded: an unfinished message never holds
           * more than the limit */
          g_assert (aqmp_framer_get_buffered (framer) <= FUZZ_MAX_SIZE);
        }
    }
  return 0;
}
