/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * aqmp's JSON parser against json-glib's: whatever aqmp_json_read()
 * accepts, json-glib must read to an equal value (json-glib is more
 * lenient, so the other direction proves nothing), and what it refuses
 * must come with a problem and a byte offset inside the input. And
 * aqmp_json_read_members(), which reads the envelope of a message, must
 * agree with aqmp_json_read() on every object.
 */
#include <string.h>

#include "aqmp-json-private.h"
#include "fuzz-common.h"

AQMP_FUZZ_INITIALIZE

static const gchar * const names[] = { "event", "data", "return", "id" };

static void
check_members (const gchar *text, gsize size, JsonNode *whole, const gchar *problem, gsize offset)
{
  JsonNode *values[G_N_ELEMENTS (names)];
  const gchar *members_problem = NULL;
  gsize members_offset = 0;
  gboolean ok = aqmp_json_read_members (text, size, names, values, G_N_ELEMENTS (names),
                                        &members_problem, &members_offset);
  gsize start = 0;

  while (start < size && strchr (" \t\r\n", text[start]) != NULL && text[start] != '\0')
    start++;
  if (start == size || text[start] != '{')
    {
      g_assert (!ok);
      return;
    }
  g_assert (ok == (whole != NULL));
  if (!ok)
    {
      g_assert (strcmp (members_problem, problem) == 0 && members_offset == offset);
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      JsonNode *expected = json_object_get_member (json_node_get_object (whole), names[i]);

      g_assert (expected == NULL ? values[i] == NULL : json_node_equal (values[i], expected));
      g_clear_pointer (&values[i], json_node_unref);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(JsonNode) ours = NULL;
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *problem = NULL;
  gsize offset = G_MAXSIZE;
  JsonNode *theirs;

  ours = aqmp_json_read ((const gchar *) data, size, &problem, &offset);
  check_members ((const gchar *) data, size, ours, problem, offset);
  if (ours == NULL)
    {
      g_assert (problem != NULL && problem[0] != '\0');
      g_assert (offset <= size);
      return 0;
    }

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, (const gchar *) data, size, &error))
    {
      /* the one piece of JSON json-glib 1.6 refuses */
      g_assert (g_error_matches (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_EMPTY_MEMBER_NAME));
      return 0;
    }
  theirs = json_parser_get_root (parser);
  g_assert (theirs != NULL);
  g_assert (json_node_equal (ours, theirs));
  return 0;
}
