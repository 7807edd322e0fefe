/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * aqmp's own JSON parser and writer: what the parser accepts must read
 * exactly as json-glib reads it; what it refuses gets a problem and the
 * byte where it is. What the writer writes reads back to the same value.
 */
#include <math.h>
#include <string.h>

#include "aqmp-error.h"
#include "aqmp-json.h"
#include "aqmp-json-private.h"
#include "aqmp-message-private.h"

/* json-glib's reading of @text, the reference for valid input */
static JsonNode *
reference_parse (const gchar *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_parser_steal_root (parser);
}

static void
assert_same_value (JsonNode *a, JsonNode *b)
{
  g_autofree gchar *text_a = json_to_string (a, FALSE);
  g_autofree gchar *text_b = json_to_string (b, FALSE);

  g_assert_cmpstr (text_a, ==, text_b);
  g_assert_true (json_node_equal (a, b));
}

static void
test_valid (void)
{
  static const gchar *cases[] = {
    "{}",
    "[]",
    " \t\r\n{ \"a\" : [ 1 , -2 , 3.5 , -0.25e-3 , 1E+2 ] }\n ",
    "{\"return\": {}, \"id\": 18446744}",
    "{\"event\": \"STOP\", \"data\": {\"x\": null, \"y\": true, \"z\": false},"
    " \"timestamp\": {\"seconds\": 1732456789, \"microseconds\": 123456}}",
    "[0, -0, 9223372036854775807, -9223372036854775808, 1.5e300, 5e-324]",
    "\"esc: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0001 \\u001f \\u00e9 \\u20ac \\ud83d\\ude00\"",
    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
    "[[[[[]]]], {\"a\": {\"b\": {\"c\": []}}}]",
    "\"a string long enough to leave the stack buffer behind: "
    "0123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789\"",
    "{\"a member name longer than sixty-four bytes, so it goes to the heap!!\": 1}",
    "true",
    "null",
    "-12",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) ours = aqmp_json_parse (cases[i], -1, &error);
      g_autoptr(JsonNode) theirs = reference_parse (cases[i]);

      g_test_message ("%s", cases[i]);
      g_assert_no_error (error);
      assert_same_value (ours, theirs);
    }
}

/* integers stay integers, anything with a fraction or exponent is double */
static void
test_number_types (void)
{
  g_autoptr(JsonNode) node = aqmp_json_parse ("[7, 7.0, 7e0, -9223372036854775808]", -1, NULL);
  JsonArray *array = json_node_get_array (node);

  g_assert_cmpint (json_node_get_value_type (json_array_get_element (array, 0)), ==, G_TYPE_INT64);
  g_assert_cmpint (json_node_get_value_type (json_array_get_element (array, 1)), ==, G_TYPE_DOUBLE);
  g_assert_cmpint (json_node_get_value_type (json_array_get_element (array, 2)), ==, G_TYPE_DOUBLE);
  g_assert_cmpint (json_array_get_int_element (array, 3), ==, G_MININT64);
}

/* a repeated name keeps the last value, and members keep their order */
static void
test_members (void)
{
  g_autoptr(JsonNode) node = aqmp_json_parse ("{\"b\": 1, \"a\": 2, \"b\": 3, \"\": 4}", -1, NULL);
  JsonObject *object = json_node_get_object (node);
  g_autoptr(GList) names = json_object_get_members (object);

  g_assert_cmpuint (json_object_get_size (object), ==, 3);
  g_assert_cmpint (json_object_get_int_member (object, "b"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (object, ""), ==, 4);
  g_assert_cmpstr (names->data, ==, "b");
  g_assert_cmpstr (names->next->data, ==, "a");
}

/* typed members: a member of another type, null, or a missing object
 * gives nothing or the fallback, never a critical (G_DEBUG has
 * fatal-criticals in the test setup) */
static void
test_typed_members (void)
{
  g_autoptr(JsonNode) node = aqmp_json_parse ("{\"s\": \"x\", \"i\": 7, \"d\": 1.5, \"t\": true,"
                                              " \"f\": false, \"n\": null, \"o\": {\"k\": 1},"
                                              " \"a\": [1]}", -1, NULL);
  JsonObject *object = json_node_get_object (node);
  const gchar *names[] = { "s", "i", "d", "t", "f", "n", "o", "a", "missing" };
  gint64 value = 42;

  g_assert_cmpstr (aqmp_json_get_string (object, "s"), ==, "x");
  g_assert_cmpint (aqmp_json_get_int (object, "i", -1), ==, 7);
  g_assert_true (aqmp_json_lookup_int (object, "i", &value));
  g_assert_cmpint (value, ==, 7);
  g_assert_true (aqmp_json_get_boolean (object, "t", FALSE));
  g_assert_false (aqmp_json_get_boolean (object, "f", TRUE));
  g_assert_cmpint (json_object_get_int_member (aqmp_json_get_object (object, "o"), "k"), ==, 1);
  g_assert_cmpuint (json_array_get_length (aqmp_json_get_array (object, "a")), ==, 1);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const gchar *name = names[i];

      if (g_strcmp0 (name, "s") != 0)
        g_assert_null (aqmp_json_get_string (object, name));
      if (g_strcmp0 (name, "i") != 0)
        {
          value = 42;
          g_assert_cmpint (aqmp_json_get_int (object, name, -1), ==, -1);
          g_assert_false (aqmp_json_lookup_int (object, name, &value));
          g_assert_cmpint (value, ==, 42);
        }
      if (g_strcmp0 (name, "t") != 0 && g_strcmp0 (name, "f") != 0)
        {
          g_assert_true (aqmp_json_get_boolean (object, name, TRUE));
          g_assert_false (aqmp_json_get_boolean (object, name, FALSE));
        }
      if (g_strcmp0 (name, "o") != 0)
        g_assert_null (aqmp_json_get_object (object, name));
      if (g_strcmp0 (name, "a") != 0)
        g_assert_null (aqmp_json_get_array (object, name));
    }
  /* no object at all */
  g_assert_null (aqmp_json_get_string (NULL, "s"));
  g_assert_cmpint (aqmp_json_get_int (NULL, "i", 3), ==, 3);
  g_assert_false (aqmp_json_lookup_int (NULL, "i", NULL));
  g_assert_true (aqmp_json_get_boolean (NULL, "t", TRUE));
  g_assert_null (aqmp_json_get_object (NULL, "o"));
  g_assert_null (aqmp_json_get_array (NULL, "a"));
}

static void
test_invalid (void)
{
  static const struct {
    const gchar *text;
    gssize length;
    const gchar *problem;
    gsize offset;
  } cases[] = {
    { "", -1, "no JSON value", 0 },
    { "   ", -1, "no JSON value", 3 },
    { "{\"a\": 1} {}", -1, "more than one JSON value", 9 },
    { "{\"a\": 1,}", -1, "expected a member name", 8 },
    { "[1, 2,]", -1, "expected a value", 6 },
    { "[1 2]", -1, "expected ',' or ']'", 3 },
    { "{\"a\" 1}", -1, "expected ':'", 5 },
    { "{\"a\": 1 \"b\": 2}", -1, "expected ',' or '}'", 8 },
    { "{a: 1}", -1, "expected a member name", 1 },
    { "{\"a\": 'x'}", -1, "comment or single quote outside a string", 6 },
    { "[1] // c", -1, "more than one JSON value", 4 },
    { "/* c */ 1", -1, "comment or single quote outside a string", 0 },
    { "[tru]", -1, "expected a value", 1 },
    { "[NaN]", -1, "expected a value", 1 },
    { "[Infinity]", -1, "expected a value", 1 },
    { "[01]", -1, "malformed number", 1 },
    { "[1.]", -1, "malformed number", 1 },
    { "[.5]", -1, "expected a value", 1 },
    { "[1e]", -1, "malformed number", 1 },
    { "[-]", -1, "malformed number", 1 },
    { "[+1]", -1, "expected a value", 1 },
    { "[9223372036854775808]", -1, "number out of range", 1 },
    { "[-9223372036854775809]", -1, "number out of range", 1 },
    { "[123456789012345678901234567890]", -1, "number out of range", 1 },
    { "[1e999]", -1, "number out of range", 1 },
    { "[-1e999]", -1, "number out of range", 1 },
    { "\"abc", -1, "unterminated string", 0 },
    { "\"abc\\", -1, "unterminated string", 0 },
    { "\"a\nb\"", -1, "control character in a string", 2 },
    { "\"\\x\"", -1, "unknown escape in a string", 1 },
    { "\"\\u12\"", -1, "\\u needs four hex digits", 1 },
    { "\"\\u0000\"", -1, "\\u0000 in a string", 1 },
    { "\"\\ud800\"", -1, "unpaired UTF-16 surrogate in a string", 1 },
    { "\"\\udc00\"", -1, "unpaired UTF-16 surrogate in a string", 1 },
    { "\"\\ud800\\u0041\"", -1, "unpaired UTF-16 surrogate in a string", 1 },
    { "\"\xff\"", -1, "not valid UTF-8 in a string", 1 },
    { "\"\xc3(\"", -1, "not valid UTF-8 in a string", 1 },
    { "\"ok \xc3(\"", -1, "not valid UTF-8 in a string", 4 },
    { "\"\xed\xa0\x80\"", -1, "not valid UTF-8 in a string", 1 },
    { "[\xc3\xa9]", -1, "expected a value", 1 },
    { "{\"a\": 1}\0{}", 11, "more than one JSON value", 8 },
    { "{\"a\"", -1, "expected ':'", 4 },
    { "[", -1, "unexpected end", 1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gsize length = cases[i].length < 0 ? strlen (cases[i].text) : (gsize) cases[i].length;
      g_autofree gchar *escaped = g_strescape (cases[i].text, NULL);
      g_autofree gchar *expected = g_strdup_printf ("invalid JSON: %s at byte %" G_GSIZE_FORMAT,
                                                    cases[i].problem, cases[i].offset);
      const gchar *problem = NULL;
      gsize offset = 0;
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = NULL;

      g_test_message ("%s", escaped);
      node = aqmp_json_read (cases[i].text, length, &problem, &offset);
      g_assert_null (node);
      g_assert_cmpstr (problem, ==, cases[i].problem);
      g_assert_cmpuint (offset, ==, cases[i].offset);

      node = aqmp_json_parse (cases[i].text, (gssize) length, &error);
      g_assert_null (node);
      g_assert_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA);
      g_assert_cmpstr (error->message, ==, expected);
    }
}

/* as deep as QEMU's own parser goes, and not one level more */
static void
test_depth (void)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  for (guint i = 0; i < AQMP_JSON_MAX_DEPTH; i++)
    g_string_append (text, i % 2 ? "[" : "{\"k\":");
  g_string_append (text, "1");
  for (guint i = AQMP_JSON_MAX_DEPTH; i > 0; i--)
    g_string_append (text, (i - 1) % 2 ? "]" : "}");
  node = aqmp_json_parse (text->str, text->len, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);

  g_string_prepend (text, "[");
  g_string_append (text, "]");
  g_clear_pointer (&node, json_node_unref);
  node = aqmp_json_parse (text->str, text->len, &error);
  g_assert_null (node);
  g_assert_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "nested too deeply"));
}

/* ----- random documents: json-glib writes them, we read them back ----- */

static void
random_string (GRand *rand, GString *out)
{
  static const gunichar pool[] = { 'a', 'Z', '0', ' ', '"', '\\', '/', '\b', '\f', '\n', '\r',
                                   '\t', 0x01, 0x1f, 0x7f, 0xe9, 0x20ac, 0xfeff, 0x1f600, 0x10ffff };
  guint length = g_rand_int_range (rand, 0, 40);

  g_string_truncate (out, 0);
  for (guint i = 0; i < length; i++)
    g_string_append_unichar (out, pool[g_rand_int_range (rand, 0, G_N_ELEMENTS (pool))]);
}

static JsonNode *
random_node (GRand *rand, guint depth)
{
  g_autoptr(GString) text = g_string_new (NULL);
  guint kind = g_rand_int_range (rand, 0, depth < 6 ? 8 : 6);

  switch (kind)
    {
    case 0:
      return json_node_init_null (json_node_alloc ());
    case 1:
      return json_node_init_boolean (json_node_alloc (), g_rand_boolean (rand));
    case 2:
      return json_node_init_int (json_node_alloc (),
                                 (gint64) (((guint64) g_rand_int (rand) << 32) | g_rand_int (rand)));
    case 3:
      /* whole numbers too, which json-glib would write as 1e+20.0 */
      if (g_rand_boolean (rand))
        return json_node_init_double (json_node_alloc (), pow (10, g_rand_int_range (rand, 0, 300)));
      return json_node_init_double (json_node_alloc (),
                                    g_rand_double_range (rand, -1e6, 1e6) * pow (10, g_rand_int_range (rand, -300, 300)));
    case 4:
    case 5:
      random_string (rand, text);
      return json_node_init_string (json_node_alloc (), text->str);
    case 6:
      {
        g_autoptr(JsonArray) array = json_array_new ();
        guint n = g_rand_int_range (rand, 0, 6);

        for (guint i = 0; i < n; i++)
          json_array_add_element (array, random_node (rand, depth + 1));
        return json_node_init_array (json_node_alloc (), array);
      }
    default:
      {
        g_autoptr(JsonObject) object = json_object_new ();
        guint n = g_rand_int_range (rand, 0, 6);

        for (guint i = 0; i < n; i++)
          {
            random_string (rand, text);
            json_object_set_member (object, text->str, random_node (rand, depth + 1));
          }
        return json_node_init_object (json_node_alloc (), object);
      }
    }
}

/* what aqmp writes, compact or pretty, aqmp reads back to the same value */
static void
test_round_trip (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261125);

  for (guint i = 0; i < 2000; i++)
    {
      g_autoptr(JsonNode) original = random_node (rand, 0);
      g_autofree gchar *text = aqmp_json_to_string (original, i % 2 == 0);
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) read_back = aqmp_json_parse (text, -1, &error);

      if (error != NULL)
        {
          g_autofree gchar *escaped = g_strescape (text, NULL);
          g_test_message ("%s", escaped);
        }
      g_assert_no_error (error);
      g_assert_true (json_node_equal (read_back, original));
    }
}

/* ----- aqmp_json_read_members(): the envelope of a message ----- */

static const gchar * const envelope_names[] = { "event", "data", "id", "" };

/* read_members() keeps of an object what aqmp_json_read() would have in
 * the named members, and refuses what it refuses, at the same byte */
static void
assert_members_agree (const gchar *text, gsize length)
{
  JsonNode *values[G_N_ELEMENTS (envelope_names)];
  const gchar *problem = NULL, *members_problem = NULL;
  gsize offset = 0, members_offset = 0;
  g_autoptr(JsonNode) whole = aqmp_json_read (text, length, &problem, &offset);
  gboolean ok = aqmp_json_read_members (text, length, envelope_names, values, G_N_ELEMENTS (values),
                                        &members_problem, &members_offset);

  gsize start = 0;

  while (start < length && strchr (" \t\r\n", text[start]) != NULL)
    start++;
  /* anything but an object is refused at once */
  if (start == length || text[start] != '{')
    {
      g_assert_false (ok);
      g_assert_cmpstr (members_problem, ==, "expected an object");
      return;
    }
  g_assert_cmpint (ok, ==, whole != NULL);
  if (!ok)
    {
      g_assert_cmpstr (members_problem, ==, problem);
      g_assert_cmpuint (members_offset, ==, offset);
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      JsonNode *expected = json_object_get_member (json_node_get_object (whole), envelope_names[i]);

      g_assert_true (expected == NULL ? values[i] == NULL : json_node_equal (values[i], expected));
      g_clear_pointer (&values[i], json_node_unref);
    }
}

static void
test_read_members (void)
{
  static const gchar * const cases[] = {
    "{}", " {\"event\": \"A\", \"data\": {\"x\": [1, 2]}, \"other\": null}\r\n",
    "{\"id\": 1, \"id\": \"two\"}", "{\"\": 0}", "{\"ev\\u0065nt\": true}",
    "{\"data\": {}, \"data\": [], \"data\": {\"y\": 1}}", "[1]", "42", "",
    "{", "{\"event\"", "{\"event\":", "{\"event\": 1,}", "{\"event\": 1} {}", "{\"a\" 1}",
    "{\"a\": 1e999}", "{\"a\": \"\\ud800\"}", "{1: 2}", "{\"a\": [1,]}", "{\"a\": 1}}",
    /* the offset of a problem is where it is, not past the white space after it */
    "{\"a\tb\": 1}", "{\"a\": \"x\ty\"}",
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261125);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_members_agree (cases[i], strlen (cases[i]));
  for (guint i = 0; i < 1000; i++)
    {
      g_autoptr(JsonObject) object = json_object_new ();
      g_autoptr(JsonNode) node = NULL;
      g_autofree gchar *text = NULL;

      for (guint j = 0; j < G_N_ELEMENTS (envelope_names); j++)
        {
          if (g_rand_boolean (rand))
            json_object_set_member (object, envelope_names[j], random_node (rand, 1));
        }
      json_object_set_member (object, "extra", random_node (rand, 1));
      node = json_node_init_object (json_node_alloc (), object);
      text = aqmp_json_to_string (node, i % 2 == 0);
      assert_members_agree (text, strlen (text));
      /* and every prefix of it, which is broken JSON */
      assert_members_agree (text, g_rand_int_range (rand, 0, strlen (text)));
    }
}

/* where json-glib's generator writes JSON, aqmp writes the same bytes */
static void
test_write_like_json_glib (void)
{
  static const gchar *cases[] = {
    "{\"a\": [1, -2, 0.5, true, false, null], \"b\": {\"c\": \"d\\n\\u00e9\\u0001\"}, \"e\": [[1], {\"f\": 2}]}",
    "[\"\\\"\\\\/\\b\\f\\r\\t\\u007f\", 1.0000000000000001e+300, -0.25]",
    "\"just a string\"",
    "42",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) node = reference_parse (cases[i]);

      for (guint pretty = 0; pretty < 2; pretty++)
        {
          g_autofree gchar *ours = aqmp_json_to_string (node, pretty);
          g_autofree gchar *theirs = json_to_string (node, pretty);

          g_assert_cmpstr (ours, ==, theirs);
        }
    }
}

/* and where it does not, aqmp writes JSON */
static void
test_write_what_json_glib_gets_wrong (void)
{
  static const struct {
    gdouble value;
    const gchar *text;
  } doubles[] = {
    { 1e20, "1e+20" },
    { 1.0, "1.0" },
    { -0.0, "-0.0" },
    { 1e300, "1.0000000000000001e+300" },
    { INFINITY, "null" },
    { NAN, "null" },
  };
  g_autoptr(JsonNode) string = json_node_init_string (json_node_alloc (), "a\x1f" "b\x7f");
  g_autofree gchar *string_text = aqmp_json_to_string (string, FALSE);
  g_autoptr(JsonObject) empty = json_object_new ();
  g_autoptr(JsonNode) empty_node = json_node_init_object (json_node_alloc (), empty);
  g_autofree gchar *empty_text = aqmp_json_to_string (empty_node, TRUE);

  for (guint i = 0; i < G_N_ELEMENTS (doubles); i++)
    {
      g_autoptr(JsonNode) node = json_node_init_double (json_node_alloc (), doubles[i].value);
      g_autofree gchar *text = aqmp_json_to_string (node, FALSE);

      g_assert_cmpstr (text, ==, doubles[i].text);
    }
  g_assert_cmpstr (string_text, ==, "\"a\\u001fb\\u007f\"");
  g_assert_cmpstr (empty_text, ==, "{}");
}

/* a request is JSON that reads back to what was asked for */
static void
test_request (void)
{
  g_autoptr(JsonObject) args = json_object_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonNode) node = NULL;
  const gchar *problem = NULL;
  gsize offset = 0;
  gsize size = 0;
  const gchar *data;
  JsonObject *request;

  json_object_set_double_member (args, "limit", 1e20);
  json_object_set_string_member (args, "text", "unit\x1fseparator");
  bytes = aqmp_message_build_request ("x-test", args, FALSE, 42, "\r\n");
  data = g_bytes_get_data (bytes, &size);
  g_assert_true (g_str_has_suffix (data, "}\r\n"));
  node = aqmp_json_read (data, size, &problem, &offset);
  g_assert_cmpstr (problem, ==, NULL);
  request = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (request, "execute"), ==, "x-test");
  g_assert_cmpfloat (json_object_get_double_member (json_object_get_object_member (request, "arguments"), "limit"), ==, 1e20);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (request, "arguments"), "text"),
                   ==, "unit\x1fseparator");
}

/* an error reply whose class or description is not a string is still an
 * error of the command's, in defaults, with no critical on the way */
static void
test_error_reply_members (void)
{
  const gchar *replies[] = {
    "{\"error\": {\"class\": {\"odd\": 1}, \"desc\": [\"d\"]}, \"id\": 1}",
    "{\"error\": {\"class\": 7, \"desc\": null}, \"id\": 1}",
    "{\"error\": {}, \"id\": 1}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (replies); i++)
    {
      g_auto(AqmpMessage) message = { 0, };
      g_autoptr(GError) error = NULL;
      g_autoptr(GError) reply_error = NULL;

      g_assert_true (aqmp_message_parse (replies[i], strlen (replies[i]), &message, &error));
      g_assert_no_error (error);
      reply_error = aqmp_message_reply_to_error (&message, "x-test");
      g_assert_error (reply_error, AQMP_ERROR, AQMP_ERROR_COMMAND);
      g_assert_cmpstr (aqmp_error_get_qmp_class (reply_error), ==, "GenericError");
      g_assert_cmpstr (aqmp_error_get_qmp_desc (reply_error), ==, "(no description)");
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/aqmp/json/valid", test_valid);
  g_test_add_func ("/aqmp/json/number-types", test_number_types);
  g_test_add_func ("/aqmp/json/members", test_members);
  g_test_add_func ("/aqmp/json/typed-members", test_typed_members);
  g_test_add_func ("/aqmp/json/error-reply-members", test_error_reply_members);
  g_test_add_func ("/aqmp/json/invalid", test_invalid);
  g_test_add_func ("/aqmp/json/depth", test_depth);
  g_test_add_func ("/aqmp/json/round-trip", test_round_trip);
  g_test_add_func ("/aqmp/json/write-like-json-glib", test_write_like_json_glib);
  g_test_add_func ("/aqmp/json/write-what-json-glib-gets-wrong", test_write_what_json_glib_gets_wrong);
  g_test_add_func ("/aqmp/json/request", test_request);
  g_test_add_func ("/aqmp/json/read-members", test_read_members);
  return g_test_run ();
}
