/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "aqmp-error.h"
#include "aqmp-framer-private.h"

/* where an oversized message's scan is among its top-level members */
typedef enum {
  AQMP_FRAMER_MEMBER_KEY,       /* a name comes next */
  AQMP_FRAMER_MEMBER_IN_KEY,    /* inside a name */
  AQMP_FRAMER_MEMBER_COLON,     /* after a name */
  AQMP_FRAMER_MEMBER_VALUE,     /* inside a value */
} AqmpFramerMember;

typedef enum {
  AQMP_FRAMER_ID_NONE,          /* no top-level "id" seen yet */
  AQMP_FRAMER_ID_KEEPING,       /* inside its value, keeping it */
  AQMP_FRAMER_ID_KEPT,
  AQMP_FRAMER_ID_LOST,          /* too long, or two of them */
} AqmpFramerId;

/* an ordinary id is a number: anything longer attributes nothing */
#define AQMP_FRAMER_MAX_ID 32
/* past this, a buffer that held one large message is given back */
#define AQMP_FRAMER_KEEP_BUFFER (1024 * 1024)

struct _AqmpFramer {
  GByteArray *buf;
  gsize max_size;
  gsize start;      /* first byte of the message being scanned */
  gsize scan;       /* next byte to look at */
  guint depth;
  gboolean in_string;
  gboolean escape;
  gboolean skipping;
  guchar delimiter;

  /* a message over the limit, scanned to its end without being stored */
  gboolean skip_oversized;
  gboolean oversized;
  gsize oversized_limit;        /* the limit it broke */
  gsize oversized_length;       /* its bytes seen so far */
  AqmpFramerMember member;
  gchar key[3];                 /* enough to tell "id" */
  guint key_length;
  AqmpFramerId id_state;
  gchar id[AQMP_FRAMER_MAX_ID + 1];
  guint id_length;
};

AqmpFramer *
aqmp_framer_new (gsize max_size)
{
  AqmpFramer *self = g_new0 (AqmpFramer, 1);

  /* allocated on first use: most connections are idle */
  self->buf = g_byte_array_new ();
  self->max_size = max_size;
  return self;
}

void
aqmp_framer_free (AqmpFramer *self)
{
  if (self == NULL)
    return;
  g_byte_array_unref (self->buf);
  g_free (self);
}

void
aqmp_framer_set_max_size (AqmpFramer *self, gsize max_size)
{
  self->max_size = max_size;
}

/*
 * Whether a message over the limit is skipped to its end, rather than
 * failing the stream: up to twice the limit is scanned, keeping only the
 * top-level "id", and aqmp_framer_next() then reports the message with a
 * %NULL @message. Memory stays within the limit either way.
 */
void
aqmp_framer_set_skip_oversized (AqmpFramer *self, gboolean skip)
{
  self->skip_oversized = skip;
}

static void
aqmp_framer_reset_scan (AqmpFramer *self)
{
  self->depth = 0;
  self->in_string = FALSE;
  self->escape = FALSE;
  self->oversized = FALSE;
}

/* forget everything buffered */
void
aqmp_framer_reset (AqmpFramer *self)
{
  g_byte_array_set_size (self->buf, 0);
  self->start = 0;
  self->scan = 0;
  self->skipping = FALSE;
  aqmp_framer_reset_scan (self);
}

/* drop input up to and including the next @delimiter byte (the guest
 * agent's 0xFF sync marker), then frame normally again */
void
aqmp_framer_skip_past (AqmpFramer *self, guchar delimiter)
{
  self->skipping = TRUE;
  self->delimiter = delimiter;
  self->scan = self->start;
  aqmp_framer_reset_scan (self);
}

gboolean
aqmp_framer_is_skipping (AqmpFramer *self)
{
  return self->skipping;
}

gsize
aqmp_framer_get_buffered (AqmpFramer *self)
{
  return self->buf->len - self->start;
}

/* whether the stream stopped inside a message, stored or being skipped */
gboolean
aqmp_framer_is_mid_message (AqmpFramer *self)
{
  return self->oversized || aqmp_framer_get_buffered (self) > 0;
}

static void
aqmp_framer_compact (AqmpFramer *self)
{
  if (self->start == 0)
    return;
  if (self->start == self->buf->len)
    {
      /* a large message is rare: its buffer is not kept for the next */
      if (self->buf->len > AQMP_FRAMER_KEEP_BUFFER)
        {
          g_byte_array_unref (self->buf);
          self->buf = g_byte_array_new ();
        }
      else
        g_byte_array_set_size (self->buf, 0);
      self->scan = 0;
      self->start = 0;
      return;
    }
  /* only move the tail when it is cheap relative to what we free */
  if (self->start < self->buf->len / 2)
    return;
  g_byte_array_remove_range (self->buf, 0, self->start);
  self->scan -= self->start;
  self->start = 0;
}

void
aqmp_framer_push (AqmpFramer *self, const void *data, gsize length)
{
  aqmp_framer_compact (self);
  g_byte_array_append (self->buf, data, length);
}

static gboolean
aqmp_framer_skip (AqmpFramer *self)
{
  const guchar *p = self->buf->data + self->start;
  const guchar *hit = memchr (p, self->delimiter, self->buf->len - self->start);

  if (hit == NULL)
    {
      self->start = self->scan = self->buf->len;
      return FALSE;
    }
  self->start = self->scan = (hit - self->buf->data) + 1;
  self->skipping = FALSE;
  return TRUE;
}

static gboolean
aqmp_framer_fail_char (guchar c, GError **error)
{
  if (g_ascii_isprint (c))
    g_set_error (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL,
                 "expected a JSON object, got '%c'", c);
  else
    g_set_error (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL,
                 "expected a JSON object, got byte 0x%02x", c);
  return FALSE;
}

/* skip the whitespace between messages; TRUE when a message starts */
static gboolean
aqmp_framer_find_start (AqmpFramer *self, GError **error)
{
  const guchar *data = self->buf->data;

  while (self->start < self->buf->len)
    {
      guchar c = data[self->start];
      if (c == '{')
        {
          self->scan = self->start;
          return TRUE;
        }
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
        return aqmp_framer_fail_char (c, error);
      self->start++;
    }
  self->scan = self->start;
  return FALSE;
}

/* returns TRUE with the message's extent when the object closes */
static gboolean
aqmp_framer_scan (AqmpFramer *self, gsize *end, GError **error)
{
  const guchar *data = self->buf->data;
  gsize len = self->buf->len;
  gsize i = self->scan;

  for (; i < len; i++)
    {
      guchar c = data[i];

      if (self->in_string)
        {
          if (self->escape)
            self->escape = FALSE;
          else if (c == '\\')
            self->escape = TRUE;
          else if (c == '"')
            self->in_string = FALSE;
          continue;
        }
      switch (c)
        {
        case '"':
          self->in_string = TRUE;
          break;
        case '{':
        case '[':
          if (++self->depth > AQMP_FRAMER_MAX_DEPTH)
            {
              g_set_error (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL,
                           "message nested deeper than %u levels",
                           (guint) AQMP_FRAMER_MAX_DEPTH);
              return FALSE;
            }
          break;
        case '}':
        case ']':
          if (--self->depth == 0)
            {
              self->scan = i + 1;
              *end = i + 1;
              return TRUE;
            }
          break;
        default:
          break;
        }
    }
  self->scan = i;
  return FALSE;
}

/* ----- a message over the limit ----- */

static void
aqmp_framer_keep_id_byte (AqmpFramer *self, guchar c)
{
  if (self->id_state != AQMP_FRAMER_ID_KEEPING)
    return;
  if (self->id_length == AQMP_FRAMER_MAX_ID)
    {
      self->id_state = AQMP_FRAMER_ID_LOST;
      return;
    }
  self->id[self->id_length++] = (gchar) c;
}

/* a top-level value ended, at a ',' or the closing '}' */
static void
aqmp_framer_end_member (AqmpFramer *self)
{
  if (self->member == AQMP_FRAMER_MEMBER_VALUE && self->id_state == AQMP_FRAMER_ID_KEEPING)
    {
      self->id[self->id_length] = '\0';
      self->id_state = AQMP_FRAMER_ID_KEPT;
    }
  self->member = AQMP_FRAMER_MEMBER_KEY;
}

/* a ':' after a top-level name: is it "id"? */
static void
aqmp_framer_begin_value (AqmpFramer *self)
{
  gboolean is_id = self->key_length == 2 && memcmp (self->key, "id", 2) == 0;

  self->member = AQMP_FRAMER_MEMBER_VALUE;
  if (!is_id)
    return;
  /* a second "id" makes the message nobody's */
  self->id_state = self->id_state == AQMP_FRAMER_ID_NONE ? AQMP_FRAMER_ID_KEEPING : AQMP_FRAMER_ID_LOST;
  self->id_length = 0;
}

static void
aqmp_framer_oversized_string_byte (AqmpFramer *self, guchar c)
{
  gboolean in_key = self->depth == 1 && self->member == AQMP_FRAMER_MEMBER_IN_KEY;

  if (self->escape)
    self->escape = FALSE;
  else if (c == '\\')
    self->escape = TRUE;
  else if (c == '"')
    self->in_string = FALSE;
  if (in_key)
    {
      if (!self->in_string)
        self->member = AQMP_FRAMER_MEMBER_COLON;
      /* an escape in a name is never a plain "id" */
      else if (self->key_length < sizeof self->key && c != '\\')
        self->key[self->key_length++] = (gchar) c;
      else
        self->key_length = sizeof self->key;
      return;
    }
  aqmp_framer_keep_id_byte (self, c);
}

/* like aqmp_framer_scan(), also following the top-level members to keep
 * the "id", up to @len; stores nothing. TRUE with @end when the message
 * ends. */
static gboolean
aqmp_framer_scan_oversized (AqmpFramer *self, gsize len, gsize *end, GError **error)
{
  const guchar *data = self->buf->data;
  gsize i = self->scan;

  for (; i < len; i++)
    {
      guchar c = data[i];

      if (self->in_string)
        {
          aqmp_framer_oversized_string_byte (self, c);
          continue;
        }
      switch (c)
        {
        case '"':
          self->in_string = TRUE;
          if (self->depth == 1 && self->member == AQMP_FRAMER_MEMBER_KEY)
            {
              self->member = AQMP_FRAMER_MEMBER_IN_KEY;
              self->key_length = 0;
              continue;
            }
          break;
        case '{':
        case '[':
          if (++self->depth > AQMP_FRAMER_MAX_DEPTH)
            {
              g_set_error (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL,
                           "message nested deeper than %u levels",
                           (guint) AQMP_FRAMER_MAX_DEPTH);
              return FALSE;
            }
          if (self->depth == 1)
            {
              self->member = AQMP_FRAMER_MEMBER_KEY;
              continue;
            }
          break;
        case '}':
        case ']':
          if (self->depth == 1)
            aqmp_framer_end_member (self);
          if (--self->depth == 0)
            {
              self->scan = i + 1;
              *end = i + 1;
              return TRUE;
            }
          break;
        case ':':
          if (self->depth == 1 && self->member == AQMP_FRAMER_MEMBER_COLON)
            {
              aqmp_framer_begin_value (self);
              continue;
            }
          break;
        case ',':
          if (self->depth == 1)
            {
              aqmp_framer_end_member (self);
              continue;
            }
          break;
        default:
          break;
        }
      aqmp_framer_keep_id_byte (self, c);
    }
  self->scan = i;
  return FALSE;
}

/* the message from start on is over the limit: scan it again from its
 * first byte, so that an "id" before the limit is kept too */
static void
aqmp_framer_begin_oversized (AqmpFramer *self)
{
  aqmp_framer_reset_scan (self);
  self->oversized = TRUE;
  self->oversized_limit = self->max_size;
  self->oversized_length = 0;
  self->member = AQMP_FRAMER_MEMBER_KEY;
  self->key_length = 0;
  self->id_state = AQMP_FRAMER_ID_NONE;
  self->id_length = 0;
  self->scan = self->start;
}

/* TRUE when the oversized message ended, and its length; FALSE with an
 * error when it goes on past twice its limit, or is broken */
static gboolean
aqmp_framer_next_oversized (AqmpFramer *self, gsize *length, GError **error)
{
  gsize end = 0;
  gsize from = self->start;
  gsize budget = self->oversized_limit <= G_MAXSIZE / 2 ? 2 * self->oversized_limit : G_MAXSIZE;
  gsize left = budget - self->oversized_length;
  gsize stop = left < self->buf->len - from ? from + left : self->buf->len;
  gboolean ended = aqmp_framer_scan_oversized (self, stop, &end, error);

  if (!ended && error != NULL && *error != NULL)
    return FALSE;
  /* what was scanned is dropped at once */
  self->oversized_length += (ended ? end : stop) - from;
  self->start = self->scan;
  if (ended)
    {
      self->oversized = FALSE;
      *length = self->oversized_length;
      return TRUE;
    }
  /* twice the limit scanned and no end: taken for one that never ends */
  if (self->oversized_length >= budget)
    g_set_error (error, AQMP_ERROR, AQMP_ERROR_TOO_LARGE,
                 "message exceeds the size limit of %" G_GSIZE_FORMAT " bytes",
                 self->oversized_limit);
  return FALSE;
}

/**
 * aqmp_framer_get_skipped_id:
 *
 * After aqmp_framer_next() reported a skipped message: the text of its
 * top-level "id" member's value, or %NULL when it had none, had two, or
 * one too long to keep. Valid until the next call.
 */
const gchar *
aqmp_framer_get_skipped_id (AqmpFramer *self)
{
  return self->id_state == AQMP_FRAMER_ID_KEPT ? self->id : NULL;
}

/* ----- messages ----- */

/**
 * aqmp_framer_next:
 *
 * Returns the next complete message, pointing into the framer's buffer
 * (valid until the next push). Returns %FALSE without an error when more
 * input is needed, and %FALSE with an error when the stream is broken.
 *
 * With aqmp_framer_set_skip_oversized(), a message over the limit that
 * ends within twice the limit is returned as %TRUE with a %NULL @message
 * and its size in @length; aqmp_framer_get_skipped_id() tells whose it is.
 */
gboolean
aqmp_framer_next (AqmpFramer   *self,
                  const gchar **message,
                  gsize        *length,
                  GError      **error)
{
  gsize end = 0;
  g_autoptr(GError) error_local = NULL;

  if (self->skipping && !aqmp_framer_skip (self))
    return FALSE;

  if (self->oversized)
    {
      *message = NULL;
      return aqmp_framer_next_oversized (self, length, error);
    }

  if (self->depth == 0 && self->scan == self->start
      && !aqmp_framer_find_start (self, error))
    return FALSE;

  if (!aqmp_framer_scan (self, &end, &error_local))
    {
      if (error_local != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&error_local));
          return FALSE;
        }
      if (self->buf->len - self->start <= self->max_size)
        return FALSE;
      if (self->skip_oversized)
        {
          aqmp_framer_begin_oversized (self);
          *message = NULL;
          return aqmp_framer_next_oversized (self, length, error);
        }
      g_set_error (error, AQMP_ERROR, AQMP_ERROR_TOO_LARGE,
                   "message exceeds the size limit of %" G_GSIZE_FORMAT " bytes",
                   self->max_size);
      return FALSE;
    }

  if (end - self->start > self->max_size)
    {
      if (self->skip_oversized)
        {
          aqmp_framer_begin_oversized (self);
          *message = NULL;
          return aqmp_framer_next_oversized (self, length, error);
        }
      g_set_error (error, AQMP_ERROR, AQMP_ERROR_TOO_LARGE,
                   "message of %" G_GSIZE_FORMAT " bytes exceeds the size limit of %"
                   G_GSIZE_FORMAT " bytes", end - self->start, self->max_size);
      return FALSE;
    }

  *message = (const gchar *) self->buf->data + self->start;
  *length = end - self->start;
  self->start = end;
  return TRUE;
}
