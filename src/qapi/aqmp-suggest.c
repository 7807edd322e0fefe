/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "aqmp-suggest.h"

/*
 * "Did you mean": the valid names nearest a mistyped one by edit
 * distance, where one insertion, deletion, substitution or swap of two
 * neighbouring characters costs one.
 */

/* words longer than this are compared by their first bytes only: the
 * cost is quadratic and nobody mistypes a name that long */
#define AQMP_SUGGEST_MAX_LENGTH 64
/* a short list of valid values is shown whole */
#define AQMP_SUGGEST_LIST_MAX 8

/**
 * aqmp_suggest_distance:
 * @a: a string
 * @b: another string
 *
 * The optimal string alignment distance between @a and @b, bytewise:
 * insertions, deletions, substitutions and swaps of neighbours cost one
 * each. Strings are cut at 64 bytes.
 *
 * Returns: the distance
 *
 * Since: 0.1
 */
guint
aqmp_suggest_distance (const gchar *a, const gchar *b)
{
  gsize la = MIN (strlen (a), AQMP_SUGGEST_MAX_LENGTH);
  gsize lb = MIN (strlen (b), AQMP_SUGGEST_MAX_LENGTH);
  guint rows[3][AQMP_SUGGEST_MAX_LENGTH + 1];
  guint *prev2 = rows[0], *prev = rows[1], *cur = rows[2];

  for (gsize j = 0; j <= lb; j++)
    prev[j] = (guint) j;
  for (gsize i = 1; i <= la; i++)
    {
      guint *t;

      cur[0] = (guint) i;
      for (gsize j = 1; j <= lb; j++)
        {
          guint cost = a[i - 1] == b[j - 1] ? 0 : 1;
          guint best = MIN (prev[j] + 1, cur[j - 1] + 1);

          best = MIN (best, prev[j - 1] + cost);
          if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
            best = MIN (best, prev2[j - 2] + 1);
          cur[j] = best;
        }
      t = prev2;
      prev2 = prev;
      prev = cur;
      cur = t;
    }
  return prev[lb];
}

/* how far off a word may be and still be taken for a typo */
static guint
aqmp_suggest_threshold (const gchar *word)
{
  gsize n = strlen (word);

  return MAX (1, MIN (n / 3, 4));
}

/**
 * aqmp_suggest_nearest:
 * @word: what was given
 * @candidates: (array length=n_candidates): the valid names
 * @n_candidates: their number, or -1 when @candidates ends with %NULL
 * @max_results: the most names to return
 *
 * The valid names nearest @word, nearest first (ties in the order of
 * @candidates), each close enough to be a typo of it: at most a third of
 * its length away (at least 1, at most 4). A candidate that starts with
 * @word (at least 3 characters of it) also counts.
 *
 * Returns: (transfer full) (array zero-terminated=1): the names; empty
 *   when none is close
 *
 * Since: 0.1
 */
GStrv
aqmp_suggest_nearest (const gchar *word, const gchar * const *candidates, gssize n_candidates,
                      guint max_results)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  guint threshold;
  g_autofree guint *distances = NULL;
  gsize n = 0;

  g_return_val_if_fail (word != NULL, NULL);

  threshold = aqmp_suggest_threshold (word);
  while (candidates != NULL && (n_candidates < 0 ? candidates[n] != NULL : n < (gsize) n_candidates))
    n++;
  distances = g_new (guint, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    {
      distances[i] = aqmp_suggest_distance (word, candidates[i]);
      /* "blockdev" for "blockdev-add": a prefix is nearer than its length says */
      if (distances[i] > threshold && strlen (word) >= 3 && g_str_has_prefix (candidates[i], word))
        distances[i] = threshold;
    }
  for (guint d = 1; d <= threshold && max_results > 0; d++)
    for (gsize i = 0; i < n && max_results > 0; i++)
      if (distances[i] == d)
        {
          g_strv_builder_add (builder, candidates[i]);
          max_results--;
        }
  return g_strv_builder_end (builder);
}

/**
 * aqmp_suggest_hint:
 * @word: what was given
 * @candidates: (array length=n_candidates): the valid names
 * @n_candidates: their number, or -1 when @candidates ends with %NULL
 *
 * What to say after an unknown name: "did you mean 'size'?", or "did you
 * mean 'a' or 'b'?", and when there are at most 8 valid names and none is
 * near, "expected one of: a, b, c".
 *
 * Returns: (transfer full) (nullable): the hint, or %NULL when there is
 *   nothing useful to say
 *
 * Since: 0.1
 */
gchar *
aqmp_suggest_hint (const gchar *word, const gchar * const *candidates, gssize n_candidates)
{
  g_auto(GStrv) near = aqmp_suggest_nearest (word, candidates, n_candidates, 3);
  guint n_near = g_strv_length (near);
  GString *out;
  gsize n = 0;

  if (n_near > 0)
    {
      out = g_string_new ("did you mean ");
      for (guint i = 0; i < n_near; i++)
        g_string_append_printf (out, "%s'%s'", i == 0 ? "" : i + 1 == n_near ? " or " : ", ", near[i]);
      g_string_append_c (out, '?');
      return g_string_free (out, FALSE);
    }
  while (candidates != NULL && (n_candidates < 0 ? candidates[n] != NULL : n < (gsize) n_candidates))
    n++;
  if (n == 0 || n > AQMP_SUGGEST_LIST_MAX)
    return NULL;
  out = g_string_new ("expected one of: ");
  for (gsize i = 0; i < n; i++)
    g_string_append_printf (out, "%s%s", i > 0 ? ", " : "", candidates[i]);
  return g_string_free (out, FALSE);
}
