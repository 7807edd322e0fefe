/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Greeting and reply validation on arbitrary input: aqmp_message_parse(),
 * then aqmp_greeting_parse() on every object that parsed (not only the
 * ones classified as greetings), and the reply checks on replies.
 *
 * aqmp_message_parse() is only ever handed what the framer let through,
 * and the framer refuses nesting deeper than AQMP_FRAMER_MAX_DEPTH before
 * json-glib (which recurses) sees it; the harness keeps that promise
 * instead of reporting json-glib's known stack overflow (FAULTS #6).
 */
#include <string.h>

#include "aqmp-error.h"
#include "aqmp-framer-private.h"
#include "aqmp-message-private.h"
#include "fuzz-common.h"

AQMP_FUZZ_INITIALIZE

static gboolean
fuzz_depth_ok (const guint8 *data, gsize size)
{
  guint depth = 0;
  gboolean in_string = FALSE;
  gboolean escape = FALSE;

  for (gsize i = 0; i < size; i++)
    {
      guint8 c = data[i];

      if (in_string)
        {
          if (escape)
            escape = FALSE;
          else if (c == '\\')
            escape = TRUE;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }
      if (c == '"')
        in_string = TRUE;
      else if ((c == '{' || c == '[') && ++depth > AQMP_FRAMER_MAX_DEPTH)
        return FALSE;
      else if ((c == '}' || c == ']') && depth > 0)
        depth--;
    }
  return TRUE;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static JsonParser *parser;
  g_auto(AqmpMessage) message = { 0, };
  g_autoptr(GError) error = NULL;
  guint version[3] = { 0, };
  g_auto(GStrv) caps = NULL;
  g_autoptr(GError) greeting_error = NULL;

  if (!fuzz_depth_ok (data, size))
    return 0;
  if (parser == NULL)
    parser = json_parser_new ();

  if (!aqmp_message_parse (parser, (const gchar *) data, size, &message, &error))
    {
      g_assert (g_error_matches (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL));
      g_assert (error->message != NULL && error->message[0] != '\0');
      return 0;
    }
  g_assert (error == NULL);
  g_assert (message.object != NULL);

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

  if (message.kind == AQMP_MESSAGE_REPLY)
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
