/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "aqmp-json-private.h"

G_BEGIN_DECLS

/*
 * AqmpFramer cuts a byte stream into JSON objects without parsing them.
 *
 * It tracks strings and nesting so that a message ends when its braces
 * balance, whatever the line endings (CRLF, LF, none, or pretty-printed
 * JSON across lines). It enforces the size limit and a nesting limit
 * before a byte reaches the parser, which recurses. A message over the
 * limit either breaks the stream or, when the owner can attribute it, is
 * skipped to its end without being stored.
 */
typedef struct _AqmpFramer AqmpFramer;

#define AQMP_FRAMER_MAX_DEPTH AQMP_JSON_MAX_DEPTH

AqmpFramer *aqmp_framer_new            (gsize         max_size);
void        aqmp_framer_free           (AqmpFramer   *self);
void        aqmp_framer_set_max_size   (AqmpFramer   *self,
                                        gsize         max_size);
void        aqmp_framer_set_skip_oversized (AqmpFramer *self,
                                        gboolean      skip);
void        aqmp_framer_reset          (AqmpFramer   *self);
void        aqmp_framer_skip_past      (AqmpFramer   *self,
                                        guchar        delimiter);
gboolean    aqmp_framer_is_skipping    (AqmpFramer   *self);
void        aqmp_framer_push           (AqmpFramer   *self,
                                        const void   *data,
                                        gsize         length);
gboolean    aqmp_framer_next           (AqmpFramer   *self,
                                        const gchar **message,
                                        gsize        *length,
                                        GError      **error);
gsize       aqmp_framer_get_buffered   (AqmpFramer   *self);
gboolean    aqmp_framer_is_mid_message (AqmpFramer   *self);
const gchar *aqmp_framer_get_skipped_id (AqmpFramer  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AqmpFramer, aqmp_framer_free)

G_END_DECLS
