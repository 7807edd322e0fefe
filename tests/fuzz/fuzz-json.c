/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * aqmp's JSON parser against json-glib's: whatever aqmp_json_read()
 * accepts, json-glib must read to an equal value (json-glib is more
 * lenient, so the other direction proves nothing), and what it refuses
 * must come with a problem and a byte offset inside the input.
 */
#include <string.h>

#include "aqmp-json-private.h"
#include "fuzz-common.h"

AQMP_FUZZ_INITIALIZE

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
