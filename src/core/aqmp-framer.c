/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "aqmp-error.h"
#include "aqmp-framer-private.h"

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

static void
aqmp_framer_reset_scan (AqmpFramer *self)
{
  self->depth = 0;
  self->in_string = FALSE;
  self->escape = FALSE;
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

static void
aqmp_framer_compact (AqmpFramer *self)
{
  if (self->start == 0)
    return;
  if (self->start == self->buf->len)
    {
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

/**
 * aqmp_framer_next:
 *
 * Returns the next complete message, pointing into the framer's buffer
 * (valid until the next push). Returns %FALSE without an error when more
 * input is needed, and %FALSE with an error when the stream is broken.
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
      if (self->buf->len - self->start > self->max_size)
        {
          g_set_error (error, AQMP_ERROR, AQMP_ERROR_TOO_LARGE,
                       "message exceeds the size limit of %" G_GSIZE_FORMAT " bytes",
                       self->max_size);
        }
      return FALSE;
    }

  if (end - self->start > self->max_size)
    {
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
