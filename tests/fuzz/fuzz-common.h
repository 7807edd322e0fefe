/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What every libFuzzer target here shares: GLib's allocator is told to
 * use malloc, so that AddressSanitizer sees every block, and GLib's
 * criticals abort, so that a g_return_if_fail() hit by input counts as a
 * crash.
 */
#include <stdint.h>
#include <stdlib.h>

#include <glib.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* a critical is a bug: abort (which libFuzzer catches and records) rather
 * than GLib's breakpoint trap (which it does not) */
static inline GLogWriterOutput
aqmp_fuzz_log_writer (GLogLevelFlags   level,
                      const GLogField *fields,
                      gsize            n_fields,
                      gpointer         user_data)
{
  GLogWriterOutput out = g_log_writer_default (level, fields, n_fields, user_data);

  if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR))
    abort ();
  return out;
}

#define AQMP_FUZZ_INITIALIZE                                            \
  int                                                                   \
  LLVMFuzzerInitialize (int *argc, char ***argv)                        \
  {                                                                     \
    g_setenv ("G_SLICE", "always-malloc", TRUE);                        \
    g_log_set_writer_func (aqmp_fuzz_log_writer, NULL, NULL);           \
    return 0;                                                           \
  }

/* a small deterministic generator, so that one input always replays the
 * same way */
static inline guint32
aqmp_fuzz_next (guint32 *state)
{
  *state ^= *state << 13;
  *state ^= *state >> 17;
  *state ^= *state << 5;
  return *state;
}
