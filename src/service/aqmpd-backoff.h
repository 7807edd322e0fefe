/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Capped exponential backoff with jitter, as AqmpClient reconnects: the
 * delay doubles after each failed attempt up to a cap, and varies by up to
 * a quarter either way so that many machines do not retry in step.
 */
typedef struct {
  guint initial_ms;
  guint max_ms;
  guint attempts;       /* failed attempts so far */
} AqmpdBackoff;

void  aqmpd_backoff_init  (AqmpdBackoff *backoff,
                           guint         initial_ms,
                           guint         max_ms);
guint aqmpd_backoff_delay (const AqmpdBackoff *backoff,
                           gdouble       jitter);
guint aqmpd_backoff_next  (AqmpdBackoff *backoff);
void  aqmpd_backoff_reset (AqmpdBackoff *backoff);

G_END_DECLS
