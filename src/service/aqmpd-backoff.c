/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "aqmpd-backoff.h"

#define AQMPD_BACKOFF_JITTER 0.25

void
aqmpd_backoff_init (AqmpdBackoff *backoff, guint initial_ms, guint max_ms)
{
  backoff->initial_ms = MAX (initial_ms, 1);
  backoff->max_ms = MAX (max_ms, backoff->initial_ms);
  backoff->attempts = 0;
}

/**
 * aqmpd_backoff_delay:
 * @jitter: from -0.25 to 0.25, the share by which the delay varies
 *
 * Returns: the delay before the next attempt, in milliseconds: the initial
 *   delay doubled once per failed attempt, capped, varied by @jitter and
 *   never beyond the cap
 */
guint
aqmpd_backoff_delay (const AqmpdBackoff *backoff, gdouble jitter)
{
  guint64 delay = backoff->initial_ms;

  for (guint i = 0; i < backoff->attempts && delay < backoff->max_ms; i++)
    delay *= 2;
  delay = MIN (delay, backoff->max_ms);
  jitter = CLAMP (jitter, -AQMPD_BACKOFF_JITTER, AQMPD_BACKOFF_JITTER);
  delay = (guint64) ((gdouble) delay * (1.0 + jitter) + 0.5);
  return (guint) CLAMP (delay, 1, backoff->max_ms);
}

/* the delay before the next attempt, counting one more failed attempt */
guint
aqmpd_backoff_next (AqmpdBackoff *backoff)
{
  guint delay = aqmpd_backoff_delay (backoff, g_random_double_range (-AQMPD_BACKOFF_JITTER,
                                                                    AQMPD_BACKOFF_JITTER));

  if (backoff->attempts < G_MAXUINT)
    backoff->attempts++;
  return delay;
}

void
aqmpd_backoff_reset (AqmpdBackoff *backoff)
{
  backoff->attempts = 0;
}
