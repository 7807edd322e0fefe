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
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return aqmp_json_to_string (node, FALSE);
}

/* ----- typed members -----
 *
 * json-glib's own getters (json_object_get_string_member() and the like)
 * are critical about a member of another type, and a peer may send
 * anything: these return nothing, or the fallback, instead.
 */

/* the member's node when it holds a value of @type */
static JsonNode *
aqmp_json_get_value (JsonObject *object, const gchar *member, GType type)
{
  JsonNode *node;

  if (object == NULL)
    return NULL;
  node = json_object_get_member (object, member);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != type)
    return NULL;
  return node;
}

/**
 * aqmp_json_get_string:
 * @object: (nullable): a #JsonObject
 * @member: the member's name
 *
 * Returns the member's value when it is a string; %NULL when @object is
 * %NULL, or has no such member, or one of another type.
 *
 * Returns: (nullable): the member's value when it is a string; %NULL when
 *   @object is %NULL, or has no such member, or one of another type
 *
 * Since: 0.1
 */
const gchar *
aqmp_json_get_string (JsonObject *object, const gchar *member)
{
  JsonNode *node = aqmp_json_get_value (object, member, G_TYPE_STRING);

  return node != NULL ? json_node_get_string (node) : NULL;
}

/**
 * aqmp_json_lookup_int:
 * @object: (nullable): a #JsonObject
 * @member: the member's name
 * @value: (out) (optional): the member's value
 *
 * Returns %TRUE when the member is an integer; @value is left alone
 * otherwise.
 *
 * Returns: %TRUE when the member is an integer; @value is left alone
 *   otherwise
 *
 * Since: 0.1
 */
gboolean
aqmp_json_lookup_int (JsonObject *object, const gchar *member, gint64 *value)
{
  JsonNode *node = aqmp_json_get_value (object, member, G_TYPE_INT64);

  if (node == NULL)
    return FALSE;
  if (value != NULL)
    *value = json_node_get_int (node);
  return TRUE;
}

/**
 * aqmp_json_get_int:
 * @object: (nullable): a #JsonObject
 * @member: the member's name
 * @fallback: what to return when the member is not an integer
 *
 * Returns the member's value when it is an integer, else @fallback.
 *
 * Returns: the member's value when it is an integer, else @fallback
 *
 * Since: 0.1
 */
gint64
aqmp_json_get_int (JsonObject *object, const gchar *member, gint64 fallback)
{
  gint64 value = fallback;

  aqmp_json_lookup_int (object, member, &value);
  return value;
}

/**
 * aqmp_json_get_boolean:
 * @object: (nullable): a #JsonObject
 * @member: the member's name
 * @fallback: what to return when the member is not a boolean
 *
 * Returns the member's value when it is a boolean, else @fallback.
 *
 * Returns: the member's value when it is a boolean, else @fallback
 *
 * Since: 0.1
 */
gboolean
aqmp_json_get_boolean (JsonObject *object, const gchar *member, gboolean fallback)
{
  JsonNode *node = aqmp_json_get_value (object, member, G_TYPE_BOOLEAN);

  return node != NULL ? json_node_get_boolean (node) : fallback;
}

/**
 * aqmp_json_get_object:
 * @object: (nullable): a #JsonObject
 * @member: the member's name
 *
 * Returns the member's value when it is an object, else %NULL.
 *
 * Returns: (transfer none) (nullable): the member's value when it is an
 *   object, else %NULL
 *
 * Since: 0.1
 */
JsonObject *
aqmp_json_get_object (JsonObject *object, const gchar *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/**
 * aqmp_json_get_array:
 * @object: (nullable): a #JsonObject
 * @member: the member's name
 *
 * Returns the member's value when it is an array, else %NULL.
 *
 * Returns: (transfer none) (nullable): the member's value when it is an
 *   array, else %NULL
 *
 * Since: 0.1
 */
JsonArray *
aqmp_json_get_array (JsonObject *object, const gchar *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

/* ----- writing -----
 *
 * json-glib 1.6's generator writes a double without a fraction as
 * "1e+20.0" and U+001F unescaped, neither of which is JSON (QEMU refuses
 * both), so aqmp writes JSON itself. The layout is json-glib's: compact,
 * or two spaces per level with " : " after member names.
 */

void
aqmp_json_write_string (GString *out, const gchar *text)
{
  static const gchar hex[] = "0123456789abcdef";

  g_string_append_c (out, '"');
  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    {
      switch (*p)
        {
        case '"': g_string_append_len (out, "\\\"", 2); break;
        case '\\': g_string_append_len (out, "\\\\", 2); break;
        case '\b': g_string_append_len (out, "\\b", 2); break;
        case '\f': g_string_append_len (out, "\\f", 2); break;
        case '\n': g_string_append_len (out, "\\n", 2); break;
        case '\r': g_string_append_len (out, "\\r", 2); break;
        case '\t': g_string_append_len (out, "\\t", 2); break;
        default:
          if (*p >= 0x20 && *p != 0x7f)
            {
              g_string_append_c (out, (gchar) *p);
              break;
            }
          g_string_append_len (out, "\\u00", 4);
          g_string_append_c (out, hex[*p >> 4]);
          g_string_append_c (out, hex[*p & 0xf]);
        }
    }
  g_string_append_c (out, '"');
}

/* every double as it reads back; JSON has no infinity or NaN: null */
static void
aqmp_json_write_double (GString *out, gdouble value)
{
  gchar text[G_ASCII_DTOSTR_BUF_SIZE];

  if (isinf (value) || isnan (value))
    {
      g_string_append (out, "null");
      return;
    }
  g_ascii_formatd (text, sizeof (text), "%.17g", value);
  g_string_append (out, text);
  /* still a double when read back */
  if (strpbrk (text, ".eE") == NULL)
    g_string_append (out, ".0");
}

static void
aqmp_json_write_value (GString *out, JsonNode *node)
{
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
      break;
    case G_TYPE_DOUBLE:
      aqmp_json_write_double (out, json_node_get_double (node));
      break;
    case G_TYPE_BOOLEAN:
      g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
      break;
    case G_TYPE_STRING:
      aqmp_json_write_string (out, json_node_get_string (node));
      break;
    default:
      g_string_append (out, "null");
      break;
    }
}

/* before an element or member: a comma after the one before, then the
 * line break and indentation when pretty (@level >= 0) */
static void
aqmp_json_write_break (GString *out, gboolean first, gint level)
{
  if (!first)
    g_string_append_c (out, ',');
  if (level < 0)
    return;
  g_string_append_c (out, '\n');
  for (gint i = 0; i < level; i++)
    g_string_append_len (out, "  ", 2);
}

static void aqmp_json_write_node (GString *out, JsonNode *node, gint level);

static void
aqmp_json_write_object (GString *out, JsonObject *object, gint level)
{
  gint inner = level < 0 ? level : level + 1;
  JsonObjectIter iter;
  const gchar *name;
  JsonNode *member;
  gboolean first = TRUE;

  g_string_append_c (out, '{');
  json_object_iter_init_ordered (&iter, object);
  while (json_object_iter_next_ordered (&iter, &name, &member))
    {
      aqmp_json_write_break (out, first, inner);
      aqmp_json_write_string (out, name);
      g_string_append (out, level < 0 ? ":" : " : ");
      aqmp_json_write_node (out, member, inner);
      first = FALSE;
    }
  if (!first && level >= 0)
    aqmp_json_write_break (out, TRUE, level);
  g_string_append_c (out, '}');
}

static void
aqmp_json_write_array (GString *out, JsonArray *array, gint level)
{
  gint inner = level < 0 ? level : level + 1;
  guint length = json_array_get_length (array);

  g_string_append_c (out, '[');
  for (guint i = 0; i < length; i++)
    {
      aqmp_json_write_break (out, i == 0, inner);
      aqmp_json_write_node (out, json_array_get_element (array, i), inner);
    }
  if (length > 0 && level >= 0)
    aqmp_json_write_break (out, TRUE, level);
  g_string_append_c (out, ']');
}

static void
aqmp_json_write_node (GString *out, JsonNode *node, gint level)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      aqmp_json_write_object (out, json_node_get_object (node), level);
      break;
    case JSON_NODE_ARRAY:
      aqmp_json_write_array (out, json_node_get_array (node), level);
      break;
    case JSON_NODE_VALUE:
      aqmp_json_write_value (out, node);
      break;
    case JSON_NODE_NULL:
    default:
      g_string_append (out, "null");
      break;
    }
}

/**
 * aqmp_json_write: (skip)
 * @pretty: indent by two spaces per level, as json-glib does
 *
 * Appends @node to @out as JSON.
 */
void
aqmp_json_write (GString *out, JsonNode *node, gboolean pretty)
{
  aqmp_json_write_node (out, node, pretty ? 0 : -1);
}

/**
 * aqmp_json_to_string:
 * @node: a #JsonNode
 * @pretty: whether to indent, two spaces per level
 *
 * Writes @node as JSON that any JSON parser, QEMU's included, reads
 * back to the same value. Unlike json-glib 1.6's json_to_string(), it
 * never writes a double as `1e+20.0` or a control character unescaped.
 * Non-finite doubles, which JSON cannot hold, are written as `null`.
 *
 * Returns: (transfer full): the JSON text
 *
 * Since: 0.1
 */
gchar *
aqmp_json_to_string (JsonNode *node, gboolean pretty)
{
  GString *out = g_string_sized_new (64);

  g_return_val_if_fail (node != NULL, NULL);

  aqmp_json_write (out, node, pretty);
  return g_string_free (out, FALSE);
}

/* ----- strict parsing ----- */

/*
 * One pass over the bytes, building json-glib nodes directly. RFC 8259
 * and nothing more: no comments, no single quotes, no trailing commas, no
 * second value, no control character in a string, valid UTF-8 only. A
 * value json-glib cannot hold faithfully is refused rather than changed:
 * integers beyond 64 bits, doubles beyond the range of a double, lone
 * UTF-16 surrogates and \u0000 (its strings end at the first nul).
 */

/* short strings and numbers are copied here rather than to the heap */
#define AQMP_JSON_STACK_BUFFER 256

typedef struct {
  const gchar *start;
  const gchar *p;
  const gchar *end;
  guint depth;
  const gchar *problem;
} AqmpJsonScan;

static JsonNode *aqmp_json_scan_value (AqmpJsonScan *scan);

/* the first problem is the one reported */
static gpointer
aqmp_json_scan_fail (AqmpJsonScan *scan, const gchar *problem)
{
  if (scan->problem == NULL)
    scan->problem = problem;
  return NULL;
}

static gboolean
aqmp_json_scan_refuse (AqmpJsonScan *scan, const gchar *problem)
{
  aqmp_json_scan_fail (scan, problem);
  return FALSE;
}

static void
aqmp_json_scan_space (AqmpJsonScan *scan)
{
  while (scan->p < scan->end
         && (*scan->p == ' ' || *scan->p == '\t' || *scan->p == '\r' || *scan->p == '\n'))
    scan->p++;
}

static gboolean
aqmp_json_scan_hex4 (AqmpJsonScan *scan, gunichar *unit)
{
  *unit = 0;
  if (scan->end - scan->p < 4)
    return FALSE;
  for (guint i = 0; i < 4; i++)
    {
      gint digit = g_ascii_xdigit_value (scan->p[i]);
      if (digit < 0)
        return FALSE;
      *unit = (*unit << 4) | (gunichar) digit;
    }
  scan->p += 4;
  return TRUE;
}

/* @scan is past the `\u`; a surrogate pair makes one character */
static gboolean
aqmp_json_scan_unicode (AqmpJsonScan *scan, gunichar *c)
{
  gunichar low;

  if (!aqmp_json_scan_hex4 (scan, c))
    return aqmp_json_scan_refuse (scan, "\\u needs four hex digits");
  if (*c == 0)
    return aqmp_json_scan_refuse (scan, "\\u0000 in a string");
  if (*c >= 0xdc00 && *c <= 0xdfff)
    return aqmp_json_scan_refuse (scan, "unpaired UTF-16 surrogate in a string");
  if (*c < 0xd800 || *c > 0xdbff)
    return TRUE;
  if (scan->end - scan->p < 2 || scan->p[0] != '\\' || scan->p[1] != 'u')
    return aqmp_json_scan_refuse (scan, "unpaired UTF-16 surrogate in a string");
  scan->p += 2;
  if (!aqmp_json_scan_hex4 (scan, &low) || low < 0xdc00 || low > 0xdfff)
    return aqmp_json_scan_refuse (scan, "unpaired UTF-16 surrogate in a string");
  *c = 0x10000 + ((*c - 0xd800) << 10) + (low - 0xdc00);
  return TRUE;
}

/* @scan is past the backslash; appends the character to @out */
static gboolean
aqmp_json_scan_escape (AqmpJsonScan *scan, gchar **out)
{
  gunichar c;

  switch (*scan->p++)
    {
    case '"': c = '"'; break;
    case '\\': c = '\\'; break;
    case '/': c = '/'; break;
    case 'b': c = '\b'; break;
    case 'f': c = '\f'; break;
    case 'n': c = '\n'; break;
    case 'r': c = '\r'; break;
    case 't': c = '\t'; break;
    case 'u':
      if (!aqmp_json_scan_unicode (scan, &c))
        return FALSE;
      break;
    default:
      return aqmp_json_scan_refuse (scan, "unknown escape in a string");
    }
  *out += g_unichar_to_utf8 (c, *out);
  return TRUE;
}

/* decodes a string already known to end at @close; a bad escape is
 * reported where its backslash is */
static gboolean
aqmp_json_scan_unescape (AqmpJsonScan *scan, const gchar *close, gchar *out)
{
  while (scan->p < close)
    {
      const gchar *escape = scan->p;

      if (*scan->p != '\\')
        {
          *out++ = *scan->p++;
          continue;
        }
      scan->p++;
      if (!aqmp_json_scan_escape (scan, &out))
        {
          scan->p = escape;
          return FALSE;
        }
    }
  *out = '\0';
  return TRUE;
}

/*
 * @scan is at the opening quote. Returns the decoded, nul-terminated
 * string in @buffer when it fits, else in a new block left in @heap. An
 * escape never decodes to more bytes than it takes, so the raw length
 * bounds the copy.
 */
static const gchar *
aqmp_json_scan_string (AqmpJsonScan *scan, gchar *buffer, gsize buffer_size, gchar **heap)
{
  const gchar *quote = scan->p;
  const gchar *open = quote + 1;
  const gchar *close;
  const gchar *invalid;
  gboolean escaped = FALSE;
  gboolean high = FALSE;
  gchar *out = buffer;

  for (close = open; close < scan->end && *close != '"'; close++)
    {
      guchar c = (guchar) *close;

      if (c == '\\')
        {
          escaped = TRUE;
          if (++close == scan->end)
            break;
        }
      else if (c < 0x20)
        {
          scan->p = close;
          return aqmp_json_scan_fail (scan, "control character in a string");
        }
      else if (c >= 0x80)
        {
          high = TRUE;
        }
    }
  if (close >= scan->end)
    return aqmp_json_scan_fail (scan, "unterminated string");
  if (high && !g_utf8_validate_len (open, close - open, &invalid))
    {
      scan->p = invalid;
      return aqmp_json_scan_fail (scan, "not valid UTF-8 in a string");
    }

  if ((gsize) (close - open) >= buffer_size)
    out = *heap = g_malloc ((close - open) + 1);
  scan->p = open;
  if (!escaped)
    {
      memcpy (out, open, close - open);
      out[close - open] = '\0';
    }
  else if (!aqmp_json_scan_unescape (scan, close, out))
    {
      return NULL;
    }
  scan->p = close + 1;
  return out;
}

/* not on the recursive path, so its buffer can be generous */
static JsonNode *
aqmp_json_scan_string_node (AqmpJsonScan *scan)
{
  gchar buffer[AQMP_JSON_STACK_BUFFER];
  g_autofree gchar *heap = NULL;
  const gchar *text = aqmp_json_scan_string (scan, buffer, sizeof (buffer), &heap);

  if (text == NULL)
    return NULL;
  return json_node_init_string (json_node_alloc (), text);
}

static const gchar *
aqmp_json_scan_digits (const gchar *p, const gchar *end)
{
  while (p < end && g_ascii_isdigit (*p))
    p++;
  return p;
}

/* the integer in [start, end), which has no sign and only digits */
static JsonNode *
aqmp_json_scan_integer (AqmpJsonScan *scan, const gchar *start, const gchar *end, gboolean negative)
{
  /* the magnitude of G_MININT64 is one more than G_MAXINT64 */
  guint64 limit = negative ? (guint64) G_MAXINT64 + 1 : (guint64) G_MAXINT64;
  guint64 value = 0;

  for (const gchar *p = start; p < end; p++)
    {
      guint digit = *p - '0';

      if (value > (limit - digit) / 10)
        return aqmp_json_scan_fail (scan, "number out of range");
      value = value * 10 + digit;
    }
  if (negative)
    return json_node_init_int (json_node_alloc (), value == limit ? G_MININT64 : -(gint64) value);
  return json_node_init_int (json_node_alloc (), (gint64) value);
}

static JsonNode *
aqmp_json_scan_double (AqmpJsonScan *scan, const gchar *start, const gchar *end)
{
  gchar stack[AQMP_JSON_STACK_BUFFER];
  g_autofree gchar *heap = NULL;
  gchar *text = stack;
  gdouble value;

  if ((gsize) (end - start) >= sizeof (stack))
    text = heap = g_malloc ((end - start) + 1);
  memcpy (text, start, end - start);
  text[end - start] = '\0';
  value = g_ascii_strtod (text, NULL);
  if (isinf (value) || isnan (value))
    return aqmp_json_scan_fail (scan, "number out of range");
  return json_node_init_double (json_node_alloc (), value);
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static JsonNode *
aqmp_json_scan_number (AqmpJsonScan *scan)
{
  const gchar *start = scan->p;
  const gchar *p = start;
  const gchar *digits;
  const gchar *integer_end;
  JsonNode *node;
  gboolean negative = FALSE;
  gboolean integer = TRUE;

  if (*p == '-')
    {
      negative = TRUE;
      p++;
    }
  digits = p;
  p = aqmp_json_scan_digits (p, scan->end);
  if (p == digits || (*digits == '0' && p - digits > 1))
    return aqmp_json_scan_fail (scan, "malformed number");
  integer_end = p;
  if (p < scan->end && *p == '.')
    {
      const gchar *fraction = ++p;
      p = aqmp_json_scan_digits (p, scan->end);
      if (p == fraction)
        return aqmp_json_scan_fail (scan, "malformed number");
      integer = FALSE;
    }
  if (p < scan->end && (*p == 'e' || *p == 'E'))
    {
      const gchar *exponent;

      p++;
      if (p < scan->end && (*p == '+' || *p == '-'))
        p++;
      exponent = p;
      p = aqmp_json_scan_digits (p, scan->end);
      if (p == exponent)
        return aqmp_json_scan_fail (scan, "malformed number");
      integer = FALSE;
    }
  if (integer)
    node = aqmp_json_scan_integer (scan, digits, integer_end, negative);
  else
    node = aqmp_json_scan_double (scan, start, p);
  if (node != NULL)
    scan->p = p;
  return node;
}

static gboolean
aqmp_json_scan_word (AqmpJsonScan *scan, const gchar *word, gsize length)
{
  if ((gsize) (scan->end - scan->p) < length || memcmp (scan->p, word, length) != 0)
    return FALSE;
  scan->p += length;
  return TRUE;
}

static JsonNode *
aqmp_json_scan_literal (AqmpJsonScan *scan)
{
  if (aqmp_json_scan_word (scan, "true", 4))
    return json_node_init_boolean (json_node_alloc (), TRUE);
  if (aqmp_json_scan_word (scan, "false", 5))
    return json_node_init_boolean (json_node_alloc (), FALSE);
  if (aqmp_json_scan_word (scan, "null", 4))
    return json_node_init_null (json_node_alloc ());
  if (*scan->p == '/' || *scan->p == '\'')
    return aqmp_json_scan_fail (scan, "comment or single quote outside a string");
  return aqmp_json_scan_fail (scan, "expected a value");
}

/* after a member or an element: the closing bracket, or a comma and more */
static gboolean
aqmp_json_scan_next (AqmpJsonScan *scan, gchar close, gboolean *more)
{
  aqmp_json_scan_space (scan);
  if (scan->p < scan->end && *scan->p == close)
    {
      scan->p++;
      *more = FALSE;
      return TRUE;
    }
  if (scan->p < scan->end && *scan->p == ',')
    {
      scan->p++;
      aqmp_json_scan_space (scan);
      *more = TRUE;
      return TRUE;
    }
  return aqmp_json_scan_refuse (scan, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
}

static gboolean
aqmp_json_scan_enter (AqmpJsonScan *scan)
{
  if (++scan->depth > AQMP_JSON_MAX_DEPTH)
    return aqmp_json_scan_refuse (scan, "nested too deeply");
  scan->p++;
  aqmp_json_scan_space (scan);
  return TRUE;
}

static JsonNode *
aqmp_json_scan_array (AqmpJsonScan *scan)
{
  g_autoptr(JsonArray) array = json_array_new ();
  gboolean more = TRUE;

  if (!aqmp_json_scan_enter (scan))
    return NULL;
  if (scan->p < scan->end && *scan->p == ']')
    more = (scan->p++, FALSE);
  while (more)
    {
      JsonNode *element = aqmp_json_scan_value (scan);

      if (element == NULL)
        return NULL;
      json_array_add_element (array, element);
      if (!aqmp_json_scan_next (scan, ']', &more))
        return NULL;
    }
  scan->depth--;
  return json_node_init_array (json_node_alloc (), array);
}

/* a member's name and the ':' after it; the name is in @buffer or @heap */
static const gchar *
aqmp_json_scan_member_name (AqmpJsonScan *scan, gchar *buffer, gsize buffer_size, gchar **heap)
{
  const gchar *name;

  if (scan->p >= scan->end || *scan->p != '"')
    return aqmp_json_scan_fail (scan, "expected a member name");
  name = aqmp_json_scan_string (scan, buffer, buffer_size, heap);
  if (name == NULL)
    return NULL;
  aqmp_json_scan_space (scan);
  if (scan->p >= scan->end || *scan->p != ':')
    return aqmp_json_scan_fail (scan, "expected ':'");
  scan->p++;
  aqmp_json_scan_space (scan);
  return name;
}

/* a member: its name, then its value; a repeated name keeps the last value */
static gboolean
aqmp_json_scan_member (AqmpJsonScan *scan, JsonObject *object)
{
  /* this frame is on the recursive path: member names are short */
  gchar buffer[64];
  g_autofree gchar *heap = NULL;
  const gchar *name = aqmp_json_scan_member_name (scan, buffer, sizeof (buffer), &heap);
  JsonNode *value;

  if (name == NULL)
    return FALSE;
  value = aqmp_json_scan_value (scan);
  if (value == NULL)
    return FALSE;
  json_object_set_member (object, name, value);
  return TRUE;
}

static JsonNode *
aqmp_json_scan_object (AqmpJsonScan *scan)
{
  g_autoptr(JsonObject) object = json_object_new ();
  gboolean more = TRUE;

  if (!aqmp_json_scan_enter (scan))
    return NULL;
  if (scan->p < scan->end && *scan->p == '}')
    more = (scan->p++, FALSE);
  while (more)
    {
      if (!aqmp_json_scan_member (scan, object))
        return NULL;
      if (!aqmp_json_scan_next (scan, '}', &more))
        return NULL;
    }
  scan->depth--;
  return json_node_init_object (json_node_alloc (), object);
}

static JsonNode *
aqmp_json_scan_value (AqmpJsonScan *scan)
{
  if (scan->p >= scan->end)
    return aqmp_json_scan_fail (scan, "unexpected end");
  if (*scan->p == '{')
    return aqmp_json_scan_object (scan);
  if (*scan->p == '[')
    return aqmp_json_scan_array (scan);
  if (*scan->p == '"')
    return aqmp_json_scan_string_node (scan);
  if (*scan->p == '-' || g_ascii_isdigit (*scan->p))
    return aqmp_json_scan_number (scan);
  return aqmp_json_scan_literal (scan);
}

/**
 * aqmp_json_read: (skip)
 * @problem: (out): what is wrong, when it returns %NULL
 * @offset: (out): where, in bytes from @data
 *
 * Parses exactly one JSON value, surrounded by nothing but white space.
 */
JsonNode *
aqmp_json_read (const gchar *data, gsize length, const gchar **problem, gsize *offset)
{
  AqmpJsonScan scan = { data, data, data + length, 0, NULL };
  g_autoptr(JsonNode) node = NULL;

  aqmp_json_scan_space (&scan);
  if (scan.p == scan.end)
    aqmp_json_scan_fail (&scan, "no JSON value");
  else
    node = aqmp_json_scan_value (&scan);
  if (node != NULL)
    {
      aqmp_json_scan_space (&scan);
      if (scan.p != scan.end)
        aqmp_json_scan_fail (&scan, "more than one JSON value");
    }
  if (scan.problem != NULL)
    {
      *problem = scan.problem;
      *offset = MIN (scan.p, scan.end) - data;
      return NULL;
    }
  return g_steal_pointer (&node);
}

/* one member of the object aqmp_json_read_members() reads */
static gboolean
aqmp_json_scan_named_member (AqmpJsonScan *scan, const gchar * const *names, JsonNode **values, guint n_names)
{
  gchar buffer[64];
  g_autofree gchar *heap = NULL;
  const gchar *name = aqmp_json_scan_member_name (scan, buffer, sizeof (buffer), &heap);
  g_autoptr(JsonNode) value = NULL;

  if (name == NULL)
    return FALSE;
  value = aqmp_json_scan_value (scan);
  if (value == NULL)
    return FALSE;
  for (guint i = 0; i < n_names; i++)
    {
      /* the last of a repeated name wins, as in a JsonObject */
      if (strcmp (name, names[i]) == 0)
        {
          g_clear_pointer (&values[i], json_node_unref);
          values[i] = g_steal_pointer (&value);
          break;
        }
    }
  return TRUE;
}

/**
 * aqmp_json_read_members: (skip)
 * @names: the members to keep
 * @values: (out caller-allocates): for each of @names, its value or %NULL
 * @problem: (out): what is wrong, when it returns %FALSE
 * @offset: (out): where, in bytes from @data
 *
 * Reads one JSON object, as strictly as aqmp_json_read(), without
 * building it: the members named in @names are kept, the others are
 * checked and dropped. For the envelope of a message, whose own
 * JsonObject would be built only to look three members up.
 */
gboolean
aqmp_json_read_members (const gchar *data, gsize length, const gchar * const *names, JsonNode **values,
                        guint n_names, const gchar **problem, gsize *offset)
{
  AqmpJsonScan scan = { data, data, data + length, 0, NULL };
  gboolean more = TRUE;

  memset (values, 0, n_names * sizeof (JsonNode *));
  aqmp_json_scan_space (&scan);
  if (scan.p == scan.end || *scan.p != '{')
    aqmp_json_scan_fail (&scan, "expected an object");
  else if (aqmp_json_scan_enter (&scan) && scan.p < scan.end && *scan.p == '}')
    more = (scan.p++, FALSE);
  while (scan.problem == NULL && more
         && aqmp_json_scan_named_member (&scan, names, values, n_names)
         && aqmp_json_scan_next (&scan, '}', &more))
    ;
  if (scan.problem == NULL)
    aqmp_json_scan_space (&scan);
  if (scan.problem == NULL && scan.p != scan.end)
    aqmp_json_scan_fail (&scan, "more than one JSON value");
  if (scan.problem == NULL)
    return TRUE;
  for (guint i = 0; i < n_names; i++)
    g_clear_pointer (&values[i], json_node_unref);
  *problem = scan.problem;
  *offset = MIN (scan.p, scan.end) - data;
  return FALSE;
}

/**
 * aqmp_json_parse:
 * @data: JSON text
 * @length: its length, or -1 when nul-terminated
 * @error: return location for a #GError
 *
 * Parses exactly one JSON value, as strictly as aqmp reads messages: no
 * comments, no single quotes, no trailing comma, no second value, no
 * number that does not fit, valid UTF-8 only, at most 1024 levels deep.
 * Use it for JSON from users or from the bus.
 *
 * Returns: (transfer full) (nullable): the value, or %NULL with @error set
 *   (in the %JSON_PARSER_ERROR domain)
 *
 * Since: 0.1
 */
JsonNode *
aqmp_json_parse (const gchar *data, gssize length, GError **error)
{
  const gchar *problem = NULL;
  gsize offset = 0;
  JsonNode *node;

  g_return_val_if_fail (data != NULL, NULL);

  node = aqmp_json_read (data, length < 0 ? strlen (data) : (gsize) length, &problem, &offset);
  if (node == NULL)
    g_set_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA,
                 "invalid JSON: %s at byte %" G_GSIZE_FORMAT, problem, offset);
  return node;
}
