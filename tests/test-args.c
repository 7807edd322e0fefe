/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The command line's argument syntax: JSON, or KEY=VALUE with dotted keys.
 */
#include "aqmp-args.h"

static gchar *
parse_to_string (const gchar * const *args, GError **error)
{
  g_autoptr(JsonObject) obj = aqmp_args_parse (args, (gint) g_strv_length ((gchar **) args), error);
  g_autoptr(JsonNode) node = NULL;

  if (obj == NULL)
    return NULL;
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, obj);
  return json_to_string (node, FALSE);
}

static void
test_key_value (void)
{
  const gchar *args[] = { "device=drive0", "speed=1024", "sync=full", "a.b.c=true", "a.b.d=[1,2]", "s=\"42\"", "e=", "o=2[]", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree gchar *out = parse_to_string (args, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, "{\"device\":\"drive0\",\"speed\":1024,\"sync\":\"full\",\"a\":{\"b\":{\"c\":true,\"d\":[1,2]}},\"s\":\"42\",\"e\":\"\",\"o\":\"2[]\"}");
}

static void
test_json (void)
{
  const gchar *args[] = { "{\"path\": \"/machine\", \"n\": 1}", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree gchar *out = parse_to_string (args, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, "{\"path\":\"/machine\",\"n\":1}");
}

static void
test_errors (void)
{
  const gchar *bad[][3] = {
    { "novalue", NULL },
    { "=x", NULL },
    { "a..b=1", NULL },
    { "a=1", "a=2", NULL },
    { "a=1", "a.b=2", NULL },
    { "{\"broken\": ", NULL },
    { "{} {}", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree gchar *out = parse_to_string (bad[i], &error);

      g_assert_null (out);
      g_assert_nonnull (error);
    }
}

static void
test_none (void)
{
  const gchar *args[] = { NULL };
  g_autoptr(GError) error = NULL;

  g_assert_null (aqmp_args_parse (args, 0, &error));
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/aqmp/cli/args/key-value", test_key_value);
  g_test_add_func ("/aqmp/cli/args/json", test_json);
  g_test_add_func ("/aqmp/cli/args/errors", test_errors);
  g_test_add_func ("/aqmp/cli/args/none", test_none);
  return g_test_run ();
}
