/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The command line's argument syntax: JSON, or KEY=VALUE with dotted keys.
 */
#include <string.h>

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

/* sizes and rates with units, powers of 1024 as QEMU reads them */
static void
test_sizes (void)
{
  const struct { const gchar *text; gboolean rate; guint shift; guint64 bytes; } good[] = {
    { "4096", FALSE, 0, 4096 },
    { "100M", TRUE, 0, 100 * 1024 * 1024 },
    { "1G", FALSE, 0, 1024 * 1024 * 1024 },
    { "1.5GiB", FALSE, 0, 1536 * 1024 * 1024ull },
    { "50MiB/s", TRUE, 0, 50 * 1024 * 1024 },
    { "64k", FALSE, 0, 64 * 1024 },
    { "2 MB", FALSE, 0, 2 * 1024 * 1024 },
    { "512B", FALSE, 20, 512 },
    { "200", TRUE, 20, 200 * 1024 * 1024 },
    { "0", TRUE, 0, 0 },
  };
  const struct { const gchar *text; gboolean rate; } bad[] = {
    { "", FALSE }, { "fast", TRUE }, { "-1M", FALSE }, { "10X", FALSE }, { "50MiB/s", FALSE },
    { "1.5", FALSE }, { "10Mbit", TRUE }, { "99999999E", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      guint64 bytes = 0;

      g_assert_true (aqmp_args_parse_size (good[i].text, good[i].rate, good[i].shift, &bytes, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (bytes, ==, good[i].bytes);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      guint64 bytes = 0;

      g_assert_false (aqmp_args_parse_size (bad[i].text, bad[i].rate, 0, &bytes, &error));
      g_assert_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
      g_assert_nonnull (strstr (error->message, bad[i].text));
    }
}

/* speed=100M is 104857600 bytes; a unit elsewhere stays a string */
static void
test_byte_members (void)
{
  const gchar *args[] = { "speed=50MiB/s", "target.size=1G", "node-name=1G", "granularity=64k", "size=big", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree gchar *out = parse_to_string (args, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, "{\"speed\":52428800,\"target\":{\"size\":1073741824},\"node-name\":\"1G\","
                            "\"granularity\":65536,\"size\":\"big\"}");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/aqmp/cli/args/key-value", test_key_value);
  g_test_add_func ("/aqmp/cli/args/json", test_json);
  g_test_add_func ("/aqmp/cli/args/errors", test_errors);
  g_test_add_func ("/aqmp/cli/args/none", test_none);
  g_test_add_func ("/aqmp/cli/args/sizes", test_sizes);
  g_test_add_func ("/aqmp/cli/args/byte-members", test_byte_members);
  return g_test_run ();
}
