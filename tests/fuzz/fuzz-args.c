/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The CLI's command arguments (aqmp_args_parse): the input is split on
 * NUL and newline bytes into argv-like strings, given as key=value pairs
 * or one JSON object. Whatever they say, the result is an object or an
 * error, never a crash.
 */
#include <string.h>

#include "aqmp-args.h"
#include "fuzz-common.h"

#define FUZZ_MAX_ARGS 64

AQMP_FUZZ_INITIALIZE

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;
  gsize start = 0;

  for (gsize i = 0; i <= size && args->len < FUZZ_MAX_ARGS; i++)
    {
      if (i < size && data[i] != '\0' && data[i] != '\n')
        continue;
      /* the shell hands over C strings; the CLI validates nothing else */
      if (i > start)
        g_ptr_array_add (args, g_strndup ((const gchar *) data + start, i - start));
      start = i + 1;
    }
  g_ptr_array_add (args, NULL);

  object = aqmp_args_parse ((const gchar * const *) args->pdata, (gint) args->len - 1, &error);
  if (args->len == 1)
    g_assert (object == NULL && error == NULL);
  else
    g_assert ((object == NULL) != (error == NULL));
  if (object != NULL)
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);
      g_autofree gchar *text = json_to_string (node, FALSE);

      g_assert (text != NULL);
    }
  return 0;
}
