/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Greeting and reply validation on arbitrary input: aqmp_message_parse(),
 * then aqmp_greeting_parse() on every object that parsed (not only the
 * ones classified as greetings), and the reply checks on replies.
 *
 * The parser bounds nesting itself (FAULTS #6), so any input goes in.
 */
#include <string.h>

#include "aqmp-error.h"
#include "aqmp-message-private.h"
#include "fuzz-common.h"

AQMP_FUZZ_INITIALIZE

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_auto(AqmpMessage) message = { 0, };
  g_autoptr(GError) error = NULL;
  guint version[3] = { 0, };
  g_auto(GStrv) caps = NULL;
  g_autoptr(GError) greeting_error = NULL;

  if (!aqmp_message_parse ((const gchar *) data, size, &message, &error))
    {
      g_assert (g_error_matches (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL));
      g_assert (error->message != NULL && error->message[0] != '\0');
      return 0;
    }
  g_assert (error == NULL);
  /* only a greeting is kept whole */
  g_assert ((message.object != NULL) == (message.kind == AQMP_MESSAGE_GREETING));

  if (message.kind == AQMP_MESSAGE_GREETING)
    {
      if (aqmp_greeting_parse (message.object, version, &caps, &greeting_error))
        {
          g_assert (caps != NULL);
          for (guint i = 0; caps[i] != NULL; i++)
            g_assert (g_utf8_validate (caps[i], -1, NULL));
        }
      else
        {
          g_assert (g_error_matches (greeting_error, AQMP_ERROR, AQMP_ERROR_PROTOCOL));
        }
    }
  else if (message.kind == AQMP_MESSAGE_REPLY)
    {
      guint64 id = 0;
      g_autoptr(GError) reply_error = NULL;
      gboolean ok = aqmp_message_check_reply (&message, &reply_error);

      /* exactly one of return and error */
      g_assert (ok == ((message.value != NULL) != (message.error != NULL)));
      g_assert (ok == (reply_error == NULL));
      if (aqmp_message_reply_get_id (&message, &id))
        g_assert (id <= (guint64) G_MAXINT64);
      if (ok && message.error != NULL)
        {
          g_autoptr(GError) command_error = aqmp_message_reply_to_error (&message, "fuzz");
          g_assert (command_error != NULL);
          (void) aqmp_error_get_qmp_class (command_error);
          (void) aqmp_error_get_qmp_desc (command_error);
        }
    }
  else if (message.kind == AQMP_MESSAGE_EVENT)
    {
      g_assert (message.event != NULL);
      g_assert (g_utf8_validate (aqmp_event_get_name (message.event), -1, NULL));
    }
  return 0;
}
