/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <aqmp/aqmp.h>

#include "aqmp-schema-entry-private.h"

/*
 * A query-qmp-schema reply read from text straight into entries, with no
 * JSON tree in between: the disk cache and dump files are read this way,
 * since building ~8,000 JsonObjects costs more than the rest of loading.
 * The JSON is checked as strictly as aqmp's own reader checks it (valid
 * UTF-8, no control characters in strings, no \u0000, no lone
 * surrogates, no trailing garbage); members it does not know are checked
 * and skipped. Type names are left for the index to resolve.
 */

/* as deep as aqmp's own reader goes */
#define AQMP_SCAN_MAX_DEPTH 1024

typedef struct {
  const gchar *p;
  const gchar *end;
  AqmpSchemaArena *arena;
  GString *buffer;            /* a string with escapes, decoded */
  const gchar *problem;
  guint depth;
} AqmpScan;

static gboolean
aqmp_scan_fail (AqmpScan *scan, const gchar *problem)
{
  if (scan->problem == NULL)
    scan->problem = problem;
  return FALSE;
}

static void
aqmp_scan_space (AqmpScan *scan)
{
  while (scan->p < scan->end && (*scan->p == ' ' || *scan->p == '\n' || *scan->p == '\r' || *scan->p == '\t'))
    scan->p++;
}

static gboolean
aqmp_scan_char (AqmpScan *scan, gchar c)
{
  aqmp_scan_space (scan);
  if (scan->p >= scan->end || *scan->p != c)
    return aqmp_scan_fail (scan, "unexpected character");
  scan->p++;
  return TRUE;
}

/* the next non-space character is @c (and is consumed) */
static gboolean
aqmp_scan_next_is (AqmpScan *scan, gchar c)
{
  aqmp_scan_space (scan);
  if (scan->p < scan->end && *scan->p == c)
    {
      scan->p++;
      return TRUE;
    }
  return FALSE;
}

static gint
aqmp_scan_hex4 (const gchar *p)
{
  gint value = 0;

  for (guint i = 0; i < 4; i++)
    {
      gint digit = g_ascii_xdigit_value (p[i]);

      if (digit < 0)
        return -1;
      value = value * 16 + digit;
    }
  return value;
}

/* \uXXXX, or a surrogate pair of them, at scan->p (after the backslash-u) */
static gboolean
aqmp_scan_unicode (AqmpScan *scan)
{
  gint high, low;
  gunichar c;

  if (scan->end - scan->p < 4 || (high = aqmp_scan_hex4 (scan->p)) < 0)
    return aqmp_scan_fail (scan, "invalid \\u escape");
  scan->p += 4;
  c = high;
  if (high >= 0xdc00 && high <= 0xdfff)
    return aqmp_scan_fail (scan, "lone surrogate");
  if (high >= 0xd800 && high <= 0xdbff)
    {
      if (scan->end - scan->p < 6 || scan->p[0] != '\\' || scan->p[1] != 'u'
          || (low = aqmp_scan_hex4 (scan->p + 2)) < 0xdc00 || low > 0xdfff)
        return aqmp_scan_fail (scan, "lone surrogate");
      scan->p += 6;
      c = 0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00);
    }
  if (c == 0)
    return aqmp_scan_fail (scan, "\\u0000 in a string");
  g_string_append_unichar (scan->buffer, c);
  return TRUE;
}

static gboolean
aqmp_scan_escape (AqmpScan *scan)
{
  static const gchar from[] = "\"\\/bfnrt";
  static const gchar to[] = "\"\\/\b\f\n\r\t";
  const gchar *at;

  if (scan->p >= scan->end)
    return aqmp_scan_fail (scan, "unterminated string");
  if (*scan->p == 'u')
    {
      scan->p++;
      return aqmp_scan_unicode (scan);
    }
  at = strchr (from, *scan->p);
  if (at == NULL || *scan->p == '\0')
    return aqmp_scan_fail (scan, "invalid escape");
  g_string_append_c (scan->buffer, to[at - from]);
  scan->p++;
  return TRUE;
}

/* the bytes that end the fast path through a string: its end, an escape,
 * a control character (an error) */
static const guint8 aqmp_scan_stops[256] = { [0 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1 };

/* a string's text: in place when it has no escapes (the usual case),
 * otherwise decoded into scan->buffer; valid until the next string */
static gboolean
aqmp_scan_text (AqmpScan *scan, const gchar **text, gsize *length)
{
  const gchar *start;

  if (!aqmp_scan_char (scan, '"'))
    return FALSE;
  start = scan->p;
  while (scan->p < scan->end && !aqmp_scan_stops[(guchar) *scan->p])
    scan->p++;
  if (scan->p < scan->end && *scan->p == '"')
    {
      *text = start;
      *length = (scan->p++) - start;
      return TRUE;
    }
  /* the slow way, for strings with escapes */
  g_string_truncate (scan->buffer, 0);
  g_string_append_len (scan->buffer, start, scan->p - start);
  while (scan->p < scan->end && *scan->p != '"')
    {
      if ((guchar) *scan->p < 0x20)
        return aqmp_scan_fail (scan, "control character in a string");
      if (*scan->p != '\\')
        g_string_append_c (scan->buffer, *scan->p++);
      else if (scan->p++, !aqmp_scan_escape (scan))
        return FALSE;
    }
  if (scan->p >= scan->end)
    return aqmp_scan_fail (scan, "unterminated string");
  scan->p++;
  *text = scan->buffer->str;
  *length = scan->buffer->len;
  return TRUE;
}

/* a string, copied into the arena; NULL on an error */
static const gchar *
aqmp_scan_string (AqmpScan *scan)
{
  const gchar *text;
  gsize length;

  if (!aqmp_scan_text (scan, &text, &length))
    return NULL;
  return aqmp_schema_arena_strndup (scan->arena, text, length);
}

/* an object's key and the colon after it, not copied: compare it with
 * aqmp_scan_key_is() */
typedef struct {
  const gchar *text;
  gsize length;
} AqmpScanKey;

static gboolean
aqmp_scan_key (AqmpScan *scan, AqmpScanKey *key)
{
  return aqmp_scan_text (scan, &key->text, &key->length) && aqmp_scan_char (scan, ':');
}

#define aqmp_scan_key_is(key, word) \
  ((key)->length == sizeof (word) - 1 && memcmp ((key)->text, (word), sizeof (word) - 1) == 0)

static gboolean
aqmp_scan_word (AqmpScan *scan, const gchar *word)
{
  gsize n = strlen (word);

  if ((gsize) (scan->end - scan->p) < n || memcmp (scan->p, word, n) != 0)
    return aqmp_scan_fail (scan, "invalid literal");
  scan->p += n;
  return TRUE;
}

static gboolean
aqmp_scan_digits (AqmpScan *scan)
{
  const gchar *start = scan->p;

  while (scan->p < scan->end && g_ascii_isdigit (*scan->p))
    scan->p++;
  return scan->p > start || aqmp_scan_fail (scan, "invalid number");
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static gboolean
aqmp_scan_number (AqmpScan *scan)
{
  if (scan->p < scan->end && *scan->p == '-')
    scan->p++;
  if (scan->p < scan->end && *scan->p == '0')
    scan->p++;
  else if (!aqmp_scan_digits (scan))
    return FALSE;
  if (scan->p < scan->end && *scan->p == '.' && (scan->p++, !aqmp_scan_digits (scan)))
    return FALSE;
  if (scan->p < scan->end && (*scan->p == 'e' || *scan->p == 'E'))
    {
      scan->p++;
      if (scan->p < scan->end && (*scan->p == '+' || *scan->p == '-'))
        scan->p++;
      return aqmp_scan_digits (scan);
    }
  return TRUE;
}

static gboolean aqmp_scan_skip (AqmpScan *scan);

/* a list: '[' or '{' already consumed; calls @item for each element */
static gboolean
aqmp_scan_list (AqmpScan *scan, gchar close, gboolean (*item) (AqmpScan *, gpointer), gpointer data)
{
  if (++scan->depth > AQMP_SCAN_MAX_DEPTH)
    return aqmp_scan_fail (scan, "nested too deeply");
  if (!aqmp_scan_next_is (scan, close))
    {
      do
        if (!item (scan, data))
          return FALSE;
      while (aqmp_scan_next_is (scan, ','));
      if (!aqmp_scan_char (scan, close))
        return FALSE;
    }
  scan->depth--;
  return TRUE;
}

static gboolean
aqmp_scan_skip_item (AqmpScan *scan, gpointer data)
{
  return aqmp_scan_skip (scan);
}

static gboolean
aqmp_scan_skip_member (AqmpScan *scan, gpointer data)
{
  AqmpScanKey key;

  return aqmp_scan_key (scan, &key) && aqmp_scan_skip (scan);
}

/* any value, checked and not kept */
static gboolean
aqmp_scan_skip (AqmpScan *scan)
{
  aqmp_scan_space (scan);
  if (scan->p >= scan->end)
    return aqmp_scan_fail (scan, "unexpected end");
  switch (*scan->p)
    {
    case '"':
      {
        const gchar *text;
        gsize length;

        return aqmp_scan_text (scan, &text, &length);
      }
    case '[':
      scan->p++;
      return aqmp_scan_list (scan, ']', aqmp_scan_skip_item, NULL);
    case '{':
      scan->p++;
      return aqmp_scan_list (scan, '}', aqmp_scan_skip_member, NULL);
    case 't':
      return aqmp_scan_word (scan, "true");
    case 'f':
      return aqmp_scan_word (scan, "false");
    case 'n':
      return aqmp_scan_word (scan, "null");
    default:
      return aqmp_scan_number (scan);
    }
}

/* ----- the schema's own shapes ----- */

static gboolean
aqmp_scan_string_item (AqmpScan *scan, gpointer data)
{
  const gchar *s = aqmp_scan_string (scan);

  if (s == NULL)
    return FALSE;
  g_ptr_array_add (data, (gpointer) s);
  return TRUE;
}

/* an array of strings, into the arena, NULL-terminated */
static gboolean
aqmp_scan_strings (AqmpScan *scan, const gchar ***out, guint *n)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new ();

  if (!aqmp_scan_char (scan, '['))
    return FALSE;
  if (!aqmp_scan_list (scan, ']', aqmp_scan_string_item, items))
    return FALSE;
  *out = aqmp_schema_arena_alloc (scan->arena, (items->len + 1) * sizeof (gchar *));
  if (items->len > 0)
    memcpy (*out, items->pdata, items->len * sizeof (gchar *));
  if (n != NULL)
    *n = items->len;
  return TRUE;
}

/* one member object: name, type, default, features */
static gboolean
aqmp_scan_member_field (AqmpScan *scan, gpointer data)
{
  AqmpSchemaMember *member = data;
  AqmpScanKey key;

  if (!aqmp_scan_key (scan, &key))
    return FALSE;
  if (aqmp_scan_key_is (&key, "name"))
    return (member->name = aqmp_scan_string (scan)) != NULL;
  if (aqmp_scan_key_is (&key, "type"))
    return (member->type_name = aqmp_scan_string (scan)) != NULL;
  if (aqmp_scan_key_is (&key, "features"))
    {
      if (!aqmp_scan_strings (scan, &member->features, NULL))
        return FALSE;
      member->flags = aqmp_schema_features_to_flags (member->features);
      return TRUE;
    }
  /* introspection marks an optional member with "default" */
  if (aqmp_scan_key_is (&key, "default"))
    member->optional = TRUE;
  return aqmp_scan_skip (scan);
}

static gboolean
aqmp_scan_member_item (AqmpScan *scan, gpointer data)
{
  AqmpSchemaMember member = { 0 };

  if (!aqmp_scan_char (scan, '{') || !aqmp_scan_list (scan, '}', aqmp_scan_member_field, &member))
    return FALSE;
  g_array_append_val ((GArray *) data, member);
  return TRUE;
}

static gboolean
aqmp_scan_members (AqmpScan *scan, AqmpSchemaEntry *entry)
{
  g_autoptr(GArray) members = g_array_new (FALSE, TRUE, sizeof (AqmpSchemaMember));

  if (!aqmp_scan_char (scan, '[') || !aqmp_scan_list (scan, ']', aqmp_scan_member_item, members))
    return FALSE;
  entry->n_members = members->len;
  entry->members = aqmp_schema_arena_alloc (scan->arena, MAX (members->len, 1) * sizeof (AqmpSchemaMember));
  if (members->len > 0)
    memcpy (entry->members, members->data, members->len * sizeof (AqmpSchemaMember));
  entry->flags |= AQMP_SCHEMA_FLAG_HAS_MEMBERS;
  return TRUE;
}

static gboolean
aqmp_scan_variant_field (AqmpScan *scan, gpointer data)
{
  AqmpSchemaVariant *variant = data;
  AqmpScanKey key;

  if (!aqmp_scan_key (scan, &key))
    return FALSE;
  if (aqmp_scan_key_is (&key, "case"))
    return (variant->tag_value = aqmp_scan_string (scan)) != NULL;
  if (aqmp_scan_key_is (&key, "type"))
    return (variant->type_name = aqmp_scan_string (scan)) != NULL;
  return aqmp_scan_skip (scan);
}

static gboolean
aqmp_scan_variant_item (AqmpScan *scan, gpointer data)
{
  AqmpSchemaVariant variant = { 0 };

  if (!aqmp_scan_char (scan, '{') || !aqmp_scan_list (scan, '}', aqmp_scan_variant_field, &variant))
    return FALSE;
  g_array_append_val ((GArray *) data, variant);
  return TRUE;
}

static gboolean
aqmp_scan_variants (AqmpScan *scan, AqmpSchemaEntry *entry)
{
  g_autoptr(GArray) variants = g_array_new (FALSE, TRUE, sizeof (AqmpSchemaVariant));

  if (!aqmp_scan_char (scan, '[') || !aqmp_scan_list (scan, ']', aqmp_scan_variant_item, variants))
    return FALSE;
  entry->n_variants = variants->len;
  entry->variants = aqmp_schema_arena_alloc (scan->arena, MAX (variants->len, 1) * sizeof (AqmpSchemaVariant));
  if (variants->len > 0)
    memcpy (entry->variants, variants->data, variants->len * sizeof (AqmpSchemaVariant));
  entry->flags |= AQMP_SCHEMA_FLAG_HAS_VARIANTS;
  return TRUE;
}

static gboolean
aqmp_scan_entry_field (AqmpScan *scan, gpointer data)
{
  AqmpSchemaEntry *entry = data;
  AqmpScanKey key;
  const gchar **string = NULL;

  if (!aqmp_scan_key (scan, &key))
    return FALSE;
  if (aqmp_scan_key_is (&key, "members"))
    return aqmp_scan_members (scan, entry);
  if (aqmp_scan_key_is (&key, "variants"))
    return aqmp_scan_variants (scan, entry);
  if (aqmp_scan_key_is (&key, "values"))
    {
      entry->flags |= AQMP_SCHEMA_FLAG_HAS_VALUES;
      return aqmp_scan_strings (scan, &entry->values, &entry->n_values);
    }
  if (aqmp_scan_key_is (&key, "features"))
    {
      if (!aqmp_scan_strings (scan, &entry->features, NULL))
        return FALSE;
      /* a repeated member counts as its last, as in a JSON tree */
      entry->flags &= ~(AQMP_SCHEMA_FLAG_DEPRECATED | AQMP_SCHEMA_FLAG_UNSTABLE);
      entry->flags |= aqmp_schema_features_to_flags (entry->features);
      return TRUE;
    }
  /* only true allows it; any other value is checked and ignored */
  if (aqmp_scan_key_is (&key, "allow-oob"))
    {
      entry->flags &= ~AQMP_SCHEMA_FLAG_ALLOW_OOB;
      aqmp_scan_space (scan);
      if (scan->p < scan->end && *scan->p == 't' && aqmp_scan_word (scan, "true"))
        {
          entry->flags |= AQMP_SCHEMA_FLAG_ALLOW_OOB;
          return TRUE;
        }
      return aqmp_scan_skip (scan);
    }
  string = aqmp_scan_key_is (&key, "name") ? &entry->name
           : aqmp_scan_key_is (&key, "meta-type") ? &entry->meta_type
           : aqmp_scan_key_is (&key, "json-type") ? &entry->json_type
           : aqmp_scan_key_is (&key, "tag") ? &entry->tag
           : aqmp_scan_key_is (&key, "element-type") ? &entry->element_name
           : aqmp_scan_key_is (&key, "arg-type") ? &entry->arg_name
           : aqmp_scan_key_is (&key, "ret-type") ? &entry->ret_name : NULL;
  if (string == NULL)
    return aqmp_scan_skip (scan);
  return (*string = aqmp_scan_string (scan)) != NULL;
}

static gboolean
aqmp_scan_entry_item (AqmpScan *scan, gpointer data)
{
  AqmpSchemaEntry entry = { 0 };

  if (!aqmp_scan_char (scan, '{') || !aqmp_scan_list (scan, '}', aqmp_scan_entry_field, &entry))
    return FALSE;
  g_array_append_val ((GArray *) data, entry);
  return TRUE;
}

/* all of @text is ASCII (and so valid UTF-8), as a schema nearly always
 * is: a word at a time, about ten times cheaper than validating UTF-8 */
static gboolean
aqmp_scan_is_ascii (const gchar *text, gsize length)
{
  const guint64 high = G_GUINT64_CONSTANT (0x8080808080808080);
  guint64 seen = 0;
  gsize i = 0;

  for (; i + sizeof (guint64) <= length; i += sizeof (guint64))
    {
      guint64 word;

      memcpy (&word, text + i, sizeof word);
      seen |= word;
    }
  for (; i < length; i++)
    seen |= (guchar) text[i];
  return (seen & high) == 0;
}

/**
 * aqmp_schema_scan:
 * @text: a query-qmp-schema reply as JSON text
 * @length: its length
 * @arena: where strings and arrays go
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the entries as read, names not resolved; or
 *   %NULL with %AQMP_ERROR_PROTOCOL naming the problem and its offset
 */
GArray *
aqmp_schema_scan (const gchar *text, gsize length, AqmpSchemaArena *arena, GError **error)
{
  g_autoptr(GArray) entries = g_array_sized_new (FALSE, TRUE, sizeof (AqmpSchemaEntry), 1100);
  g_autoptr(GString) buffer = g_string_new (NULL);
  AqmpScan scan = { text, text + length, arena, buffer, NULL, 0 };
  gboolean ok;

  if (!aqmp_scan_is_ascii (text, length) && !g_utf8_validate_len (text, length, NULL))
    {
      g_set_error_literal (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL, "not a QMP schema: invalid UTF-8");
      return NULL;
    }
  ok = aqmp_scan_char (&scan, '[') && aqmp_scan_list (&scan, ']', aqmp_scan_entry_item, entries);
  aqmp_scan_space (&scan);
  if (ok && scan.p != scan.end)
    ok = aqmp_scan_fail (&scan, "text after the schema");
  if (!ok)
    {
      g_set_error (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL, "not a QMP schema: %s at byte %" G_GSIZE_FORMAT,
                   scan.problem != NULL ? scan.problem : "malformed", (gsize) (scan.p - text));
      return NULL;
    }
  return g_steal_pointer (&entries);
}
