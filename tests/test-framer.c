/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The framer and the message checks, byte by byte.
 */
#include <string.h>

#include "aqmp-error.h"
#include "aqmp-framer-private.h"
#include "aqmp-message-private.h"

static GPtrArray *
frame_all (AqmpFramer *framer, GError **error)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  const gchar *msg = NULL;
  gsize len = 0;

  while (aqmp_framer_next (framer, &msg, &len, error))
    g_ptr_array_add (out, g_strndup (msg, len));
  return out;
}

static void
test_split_lines (void)
{
  g_autoptr(AqmpFramer) framer = aqmp_framer_new (1024);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) msgs = NULL;
  const gchar *input = "{\"a\": 1}\r\n{\"b\": \"}{\\\"\"}\n  {\"c\": [1, {\"d\": 2}]}{\"e\":";

  aqmp_framer_push (framer, input, strlen (input));
  msgs = frame_all (framer, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msgs->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (msgs, 0), ==, "{\"a\": 1}");
  g_assert_cmpstr (g_ptr_array_index (msgs, 1), ==, "{\"b\": \"}{\\\"\"}");
  g_assert_cmpstr (g_ptr_array_index (msgs, 2), ==, "{\"c\": [1, {\"d\": 2}]}");
  g_assert_cmpuint (aqmp_framer_get_buffered (framer), ==, strlen ("{\"e\":"));
}

static void
test_byte_by_byte (void)
{
  g_autoptr(AqmpFramer) framer = aqmp_framer_new (1024);
  const gchar *input = "{\"QMP\": {\"version\": {}}}\r\n{\"return\": {}, \"id\": 1}\r\n";
  guint n = 0;

  for (gsize i = 0; i < strlen (input); i++)
    {
      const gchar *msg = NULL;
      gsize len = 0;
      g_autoptr(GError) error = NULL;

      aqmp_framer_push (framer, input + i, 1);
      while (aqmp_framer_next (framer, &msg, &len, &error))
        n++;
      g_assert_no_error (error);
    }
  g_assert_cmpuint (n, ==, 2);
}

static void
test_pretty (void)
{
  g_autoptr(AqmpFramer) framer = aqmp_framer_new (1024);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) msgs = NULL;
  const gchar *input = "{\n    \"return\": {\n    },\n    \"id\": 1\n}\n";

  aqmp_framer_push (framer, input, strlen (input));
  msgs = frame_all (framer, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msgs->len, ==, 1);
}

static void
test_not_object (void)
{
  const gchar *inputs[] = { "42\n", "\"x\"\n", "[1]\n", "garbage\r\n", "\xff" };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(AqmpFramer) framer = aqmp_framer_new (1024);
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) msgs = NULL;

      aqmp_framer_push (framer, inputs[i], strlen (inputs[i]));
      msgs = frame_all (framer, &error);
      g_assert_error (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL);
      g_assert_cmpuint (msgs->len, ==, 0);
    }
}

static void
test_too_large (void)
{
  g_autoptr(AqmpFramer) framer = aqmp_framer_new (100);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) msgs = NULL;
  g_autofree gchar *big = g_strnfill (200, 'x');

  aqmp_framer_push (framer, "{\"return\": \"", 12);
  aqmp_framer_push (framer, big, strlen (big));
  msgs = frame_all (framer, &error);
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_TOO_LARGE);
}

/* one message over the limit, pushed in @chunk-byte pieces; what it
 * reports, and the next message framed after it */
typedef struct {
  gsize length;
  gchar *id;
  gchar *next;
  gsize max_buffered;
  GError *error;
} Skipped;

static void
skipped_clear (Skipped *r)
{
  g_free (r->id);
  g_free (r->next);
  g_clear_error (&r->error);
}

static void
skip_one (gsize limit, const gchar *head, gsize filler, const gchar *tail, gsize chunk, Skipped *r)
{
  g_autoptr(AqmpFramer) framer = aqmp_framer_new (limit);
  g_autoptr(GString) input = g_string_new (head);
  guint n_skipped = 0;

  memset (r, 0, sizeof *r);
  for (gsize i = 0; i < filler; i++)
    g_string_append_c (input, 'x');
  g_string_append (input, tail);
  g_string_append (input, "\n{\"return\": {}, \"id\": 99}\n");
  aqmp_framer_set_skip_oversized (framer, TRUE);
  for (gsize at = 0; at < input->len && r->error == NULL; at += chunk)
    {
      const gchar *msg = NULL;
      gsize len = 0;

      aqmp_framer_push (framer, input->str + at, MIN (chunk, input->len - at));
      while (aqmp_framer_next (framer, &msg, &len, &r->error))
        {
          if (msg != NULL)
            {
              r->next = g_strndup (msg, len);
              continue;
            }
          g_assert_cmpuint (n_skipped++, ==, 0);
          r->length = len;
          r->id = g_strdup (aqmp_framer_get_skipped_id (framer));
        }
      /* memory: never more than the limit is held */
      r->max_buffered = MAX (r->max_buffered, aqmp_framer_get_buffered (framer));
    }
}

/* a message over the limit is scanned to its end, not stored, and only
 * its top-level id is kept, wherever it is and however it is read */
static void
test_oversized_skipped (void)
{
  const gsize chunks[] = { 1, 7, 64, 100000 };

  for (guint i = 0; i < G_N_ELEMENTS (chunks); i++)
    {
      Skipped r;
      const gchar *head = "{\"return\": {\"id\": 1, \"s\": \"\\\"id\\\": 2, ";
      const gchar *tail = "\", \"a\": [\"}\", {\"id\": 3}]}, \"id\": 42}";

      /* the id after the data, decoys inside strings and nested objects */
      skip_one (100, head, 100, tail, chunks[i], &r);
      g_assert_no_error (r.error);
      g_assert_cmpuint (r.length, ==, strlen (head) + 100 + strlen (tail));
      g_assert_cmpstr (r.id, ==, " 42");
      g_assert_cmpstr (r.next, ==, "{\"return\": {}, \"id\": 99}");
      g_assert_cmpuint (r.max_buffered, <=, 100);
      skipped_clear (&r);

      /* the id first, read before the limit was reached */
      skip_one (100, "{\"id\":7,\"return\":\"", 150, "\"}", chunks[i], &r);
      g_assert_no_error (r.error);
      g_assert_cmpstr (r.id, ==, "7");
      g_assert_cmpstr (r.next, ==, "{\"return\": {}, \"id\": 99}");
      skipped_clear (&r);

      /* no id (an event), two ids, an escaped name: nobody's */
      skip_one (100, "{\"event\": \"X\", \"data\": {\"id\": 5, \"s\": \"", 150, "\"}}", chunks[i], &r);
      g_assert_no_error (r.error);
      g_assert_null (r.id);
      g_assert_nonnull (r.next);
      skipped_clear (&r);
      skip_one (100, "{\"id\": 5, \"return\": \"", 150, "\", \"id\": 6}", chunks[i], &r);
      g_assert_null (r.id);
      skipped_clear (&r);
      skip_one (100, "{\"\\u0069d\": 5, \"return\": \"", 150, "\"}", chunks[i], &r);
      g_assert_null (r.id);
      skipped_clear (&r);

      /* an id too long to be one of ours */
      skip_one (100, "{\"id\": \"", 150, "\", \"return\": 1}", chunks[i], &r);
      g_assert_null (r.id);
      g_assert_nonnull (r.next);
      skipped_clear (&r);
    }
}

/* a message that goes on past twice the limit breaks the stream, having
 * held no more than the limit */
static void
test_oversized_endless (void)
{
  Skipped r;

  skip_one (100, "{\"return\": \"", 500, "", 16, &r);
  g_assert_error (r.error, AQMP_ERROR, AQMP_ERROR_TOO_LARGE);
  g_assert_cmpstr (r.error->message, ==, "message exceeds the size limit of 100 bytes");
  g_assert_cmpuint (r.max_buffered, <=, 100);
  g_assert_null (r.next);
  skipped_clear (&r);

  /* exactly twice the limit still ends in time, one byte more does not,
   * however it is read */
  for (gsize chunk = 1; chunk <= 1000; chunk *= 10)
    {
      const gchar *head = "{\"id\": 3, \"return\": \"";

      skip_one (100, head, 200 - strlen (head) - 2, "\"}", chunk, &r);
      g_assert_no_error (r.error);
      g_assert_cmpuint (r.length, ==, 200);
      g_assert_cmpstr (r.id, ==, " 3");
      skipped_clear (&r);
      skip_one (100, head, 201 - strlen (head) - 2, "\"}", chunk, &r);
      g_assert_error (r.error, AQMP_ERROR, AQMP_ERROR_TOO_LARGE);
      g_assert_null (r.next);
      skipped_clear (&r);
    }
}

static void
test_deep (void)
{
  g_autoptr(AqmpFramer) framer = aqmp_framer_new (10 * 1024 * 1024);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) msgs = NULL;
  GString *s = g_string_new ("{\"return\": ");

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (s, '[');
  aqmp_framer_push (framer, s->str, s->len);
  msgs = frame_all (framer, &error);
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "nested"));
  g_string_free (s, TRUE);
}

static void
test_skip_past (void)
{
  g_autoptr(AqmpFramer) framer = aqmp_framer_new (1024);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) msgs = NULL;
  const gchar *input = "{\"return\": 1}\n{\"partial\xff{\"return\": 2}\n";

  aqmp_framer_skip_past (framer, 0xff);
  aqmp_framer_push (framer, input, strlen (input));
  msgs = frame_all (framer, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msgs->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (msgs, 0), ==, "{\"return\": 2}");
}

static void
parse_one (const gchar *text, AqmpMessage *msg, GError **error)
{
  aqmp_message_parse (text, strlen (text), msg, error);
}

static void
test_message_classify (void)
{
  struct {
    const gchar *text;
    gint kind;   /* -1: protocol error */
  } cases[] = {
    { "{\"QMP\": {}}", AQMP_MESSAGE_GREETING },
    { "{\"event\": \"STOP\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 2}}", AQMP_MESSAGE_EVENT },
    { "{\"event\": \"STOP\", \"data\": {\"a\": 1}, \"timestamp\": {\"seconds\": -1, \"microseconds\": -1}}", AQMP_MESSAGE_EVENT },
    { "{\"return\": {}, \"id\": 1}", AQMP_MESSAGE_REPLY },
    { "{\"error\": {\"class\": \"GenericError\", \"desc\": \"x\"}}", AQMP_MESSAGE_REPLY },
    { "{\"event\": 42}", -1 },
    { "{\"event\": \"X\", \"data\": 1}", -1 },
    { "{\"something\": 1}", -1 },
    { "{\"return\": \"\xc3\x28\"}", -1 },
    { "{\"return\": NaN}", -1 },
    { "{\"return\": Infinity}", -1 },
    /* json-glib would give inf and a wrapped -1: not faithful, so refused */
    { "{\"return\": 1e999999}", -1 },
    { "{\"return\": 123456789012345678901234567890}", -1 },
    { "{\"return\": 9223372036854775807}", AQMP_MESSAGE_REPLY },
    { "{\"return\": \"\\ud83d\\ude00\"}", AQMP_MESSAGE_REPLY },
    { "{\"return\": \"\\udc00\"}", -1 },
    { "{\"return\": ", -1 },
    /* found by the fuzzer: json-glib takes comments, single quotes and a
     * short \u, and keeps only the last of several values */
    { "{/*\"*/}{\"return\":'\"',\"id\":5}", -1 },
    { "{\"return\": 'x', \"id\": 1}", -1 },
    { "{\"event\":\"\\udcuD\"}", -1 },
    { "{\"event\": \"STOP\", \"timestamp\": {\"seconds\": {}, \"microseconds\": 0}}", AQMP_MESSAGE_EVENT },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(AqmpMessage) msg = { 0, };
      g_autoptr(GError) error = NULL;

      parse_one (cases[i].text, &msg, &error);
      if (cases[i].kind < 0)
        g_assert_error (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL);
      else
        {
          g_assert_no_error (error);
          g_assert_cmpint (msg.kind, ==, cases[i].kind);
        }
    }
}

static void
test_event_timestamp (void)
{
  g_auto(AqmpMessage) msg = { 0, };
  g_auto(AqmpMessage) msg2 = { 0, };
  g_autoptr(GError) error = NULL;

  parse_one ("{\"event\": \"STOP\", \"timestamp\": {\"seconds\": 2, \"microseconds\": 5}}", &msg, &error);
  g_assert_no_error (error);
  g_assert_cmpint (aqmp_event_get_timestamp (msg.event), ==, 2000005);
  g_assert_cmpuint (json_object_get_size (aqmp_event_get_data (msg.event)), ==, 0);

  parse_one ("{\"event\": \"STOP\", \"timestamp\": {\"seconds\": -1, \"microseconds\": -1}}", &msg2, &error);
  g_assert_no_error (error);
  g_assert_cmpint (aqmp_event_get_timestamp (msg2.event), ==, -1);
}

static void
test_greeting (void)
{
  const gchar *good = "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, \"package\": \"\"}, \"capabilities\": [\"oob\"]}}";
  const gchar *bad[] = {
    "{\"QMP\": 1}",
    "{\"QMP\": {\"version\": {}, \"capabilities\": []}}",
    "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": \"2\", \"major\": 7}}, \"capabilities\": []}}",
    "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}}, \"capabilities\": [1]}}",
    "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}}}}",
  };
  g_auto(AqmpMessage) msg = { 0, };
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) caps = NULL;
  guint version[3];

  parse_one (good, &msg, &error);
  g_assert_no_error (error);
  g_assert_true (aqmp_greeting_parse (msg.object, version, &caps, &error));
  g_assert_cmpuint (version[0], ==, 7);
  g_assert_cmpuint (version[2], ==, 22);
  g_assert_cmpstr (caps[0], ==, "oob");

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_auto(AqmpMessage) m = { 0, };
      g_auto(GStrv) c = NULL;

      parse_one (bad[i], &m, &error);
      g_assert_no_error (error);
      g_assert_false (aqmp_greeting_parse (m.object, version, &c, &error));
      g_assert_error (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL);
      g_clear_error (&error);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/aqmp/framer/split-lines", test_split_lines);
  g_test_add_func ("/aqmp/framer/byte-by-byte", test_byte_by_byte);
  g_test_add_func ("/aqmp/framer/pretty", test_pretty);
  g_test_add_func ("/aqmp/framer/not-object", test_not_object);
  g_test_add_func ("/aqmp/framer/too-large", test_too_large);
  g_test_add_func ("/aqmp/framer/oversized-skipped", test_oversized_skipped);
  g_test_add_func ("/aqmp/framer/oversized-endless", test_oversized_endless);
  g_test_add_func ("/aqmp/framer/deep", test_deep);
  g_test_add_func ("/aqmp/framer/skip-past", test_skip_past);
  g_test_add_func ("/aqmp/message/classify", test_message_classify);
  g_test_add_func ("/aqmp/message/event-timestamp", test_event_timestamp);
  g_test_add_func ("/aqmp/message/greeting", test_greeting);
  return g_test_run ();
}
