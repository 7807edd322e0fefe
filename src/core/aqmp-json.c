/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include "aqmp-json.h"
#include "aqmp-json-private.h"

/* objects match as subsets; anything else must be equal */
gboolean
aqmp_json_node_contains (JsonNode *haystack, JsonNode *needle)
{
  if (JSON_NODE_HOLDS_OBJECT (needle) && JSON_NODE_HOLDS_OBJECT (haystack))
    return aqmp_json_object_contains (json_node_get_object (haystack),
                                      json_node_get_object (needle));
  return json_node_equal (haystack, needle);
}

gboolean
aqmp_json_object_contains (JsonObject *haystack, JsonObject *needle)
{
  JsonObjectIter iter;
  const gchar *member;
  JsonNode *value;

  json_object_iter_init (&iter, needle);
  while (json_object_iter_next (&iter, &member, &value))
    {
      JsonNode *found = json_object_get_member (haystack, member);
      if (found == NULL || !aqmp_json_node_contains (found, value))
        return FALSE;
    }
  return TRUE;
}

gchar *
aqmp_json_object_to_string (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  return json_to_string (node, FALSE);
}

/* ----- strict parsing ----- */

static gboolean
aqmp_json_read_escape (const gchar *p, const gchar *end, gunichar *unit)
{
  *unit = 0;
  if (end - p < 6 || p[0] != '\\' || p[1] != 'u')
    return FALSE;
  for (guint i = 2; i < 6; i++)
    {
      gint digit = g_ascii_xdigit_value (p[i]);
      if (digit < 0)
        return FALSE;
      *unit = (*unit << 4) | (gunichar) digit;
    }
  return TRUE;
}

/* @p is past the opening quote; returns past the closing one, or NULL
 * for a lone surrogate or a short \u escape, which json-glib would turn
 * into invalid UTF-8 */
static const gchar *
aqmp_json_check_string (const gchar *p, const gchar *end)
{
  while (p < end && *p != '"')
    {
      gunichar unit;
      gunichar low;

      if (*p != '\\')
        {
          p++;
          continue;
        }
      if (p + 1 >= end || p[1] != 'u')
        {
          /* any other escape: json-glib checks it */
          p += MIN (2, end - p);
          continue;
        }
      /* json-glib would decode a short \u into invalid UTF-8 */
      if (!aqmp_json_read_escape (p, end, &unit))
        return NULL;
      p += 6;
      if (unit >= 0xdc00 && unit <= 0xdfff)
        return NULL;
      if (unit < 0xd800 || unit > 0xdbff)
        continue;
      if (!aqmp_json_read_escape (p, end, &low) || low < 0xdc00 || low > 0xdfff)
        return NULL;
      p += 6;
    }
  return p < end ? p + 1 : p;
}

/* @p is at a number; returns past it, or NULL when it is out of range:
 * json-glib wraps integers beyond 64 bits and makes huge doubles inf */
static const gchar *
aqmp_json_check_number (const gchar *p, const gchar *end)
{
  const gchar *start = p;
  gboolean integer = TRUE;
  g_autofree gchar *token = NULL;
  g_autoptr(GError) error = NULL;
  gdouble value;

  for (; p < end; p++)
    {
      if (*p == '.' || *p == 'e' || *p == 'E')
        integer = FALSE;
      else if (!g_ascii_isdigit (*p) && *p != '-' && *p != '+')
        break;
    }
  /* 18 digits always fit; only longer integers need a look */
  if (integer && p - start < 19)
    return p;
  token = g_strndup (start, p - start);
  if (integer)
    {
      if (!g_ascii_string_to_signed (token, 10, G_MININT64, G_MAXINT64, NULL, &error)
          && g_error_matches (error, G_NUMBER_PARSER_ERROR, G_NUMBER_PARSER_ERROR_OUT_OF_BOUNDS))
        return NULL;
      return p;
    }
  value = g_ascii_strtod (token, NULL);
  if (isinf (value) || isnan (value))
    return NULL;
  return p;
}

static const gchar *
aqmp_json_skip_space (const gchar *p, const gchar *end)
{
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
    p++;
  return p;
}

/**
 * aqmp_json_check:
 * @problem: (out): what is wrong, when it returns %FALSE
 *
 * Checks that @data is exactly one JSON value that json-glib will hand
 * over faithfully. json-glib 1.6 also takes comments, single-quoted
 * strings and several top-level values (keeping the last and leaking the
 * others), wraps integers beyond 64 bits, makes huge doubles infinite and
 * decodes lone surrogates or a short \u into invalid UTF-8.
 */
gboolean
aqmp_json_check (const gchar *data, gsize length, const gchar **problem)
{
  const gchar *end = data + length;
  const gchar *p = aqmp_json_skip_space (data, end);
  guint depth = 0;

  if (!g_utf8_validate_len (data, length, NULL))
    {
      *problem = "not valid UTF-8";
      return FALSE;
    }
  if (p == end)
    {
      *problem = "no JSON value";
      return FALSE;
    }
  while (p < end)
    {
      gboolean closed = FALSE;

      switch (*p)
        {
        case '"':
          p = aqmp_json_check_string (p + 1, end);
          if (p == NULL)
            {
              *problem = "invalid \\u escape or unpaired UTF-16 surrogate in a string";
              return FALSE;
            }
          closed = depth == 0;
          break;
        case '/':
        case '\'':
          *problem = "comment or single quote outside a string";
          return FALSE;
        case '{':
        case '[':
          depth++;
          p++;
          break;
        case '}':
        case ']':
          if (depth == 0)
            {
              *problem = "unbalanced brackets";
              return FALSE;
            }
          depth--;
          p++;
          closed = depth == 0;
          break;
        default:
          if (*p == '-' || g_ascii_isdigit (*p))
            {
              p = aqmp_json_check_number (p, end);
              if (p == NULL)
                {
                  *problem = "number out of range";
                  return FALSE;
                }
              closed = depth == 0;
              break;
            }
          p++;
          /* true, false, null (and junk json-glib will refuse) */
          closed = depth == 0 && (p == end || !g_ascii_isalpha (*p));
          break;
        }
      if (closed && aqmp_json_skip_space (p, end) != end)
        {
          *problem = "more than one JSON value";
          return FALSE;
        }
    }
  return TRUE;
}

/**
 * aqmp_json_parse:
 * @data: JSON text
 * @length: its length, or -1 when nul-terminated
 * @error: return location for a #GError
 *
 * Parses exactly one JSON value, as strictly as aqmp reads messages: no
 * comments, no single quotes, no second value, no number that does not
 * fit, valid UTF-8 only. Use it for JSON from users or from the bus.
 *
 * Returns: (transfer full) (nullable): the value, or %NULL with @error set
 *   (in the %JSON_PARSER_ERROR domain)
 */
JsonNode *
aqmp_json_parse (const gchar *data, gssize length, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  const gchar *problem = NULL;
  gsize len;

  g_return_val_if_fail (data != NULL, NULL);

  len = length < 0 ? strlen (data) : (gsize) length;
  if (!aqmp_json_check (data, len, &problem))
    {
      g_set_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA,
                   "invalid JSON: %s", problem);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, data, len, error))
    return NULL;
  return json_parser_steal_root (parser);
}
