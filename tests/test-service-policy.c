/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * aqmpd's pure parts, without a bus: the command policy for callers who are
 * not root, the backoff schedule, and the options checker.
 */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <aqmp/aqmp.h>

#include "aqmpd-backoff.h"
#include "aqmpd-error.h"
#include "aqmpd-options.h"
#include "aqmpd-policy.h"

static JsonObject *
object_from (const gchar *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = aqmp_json_parse (json, -1, &error);

  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (node));
}

/* NULL when a member may send it on a machine with no grants */
static gchar *
reason (const gchar *command, const gchar *json)
{
  AqmpdPrivileges none = { 0 };
  g_autoptr(JsonObject) args = json != NULL ? object_from (json) : NULL;

  return aqmpd_policy_host_reason (&none, command, args);
}

static void
test_guest_only (void)
{
  static const struct { const gchar *command; const gchar *args; } allowed[] = {
    { "query-status", NULL },
    { "x-query-virtio", NULL },
    { "stop", NULL },
    { "block-stream", "{\"device\": \"n\", \"job-id\": \"s\"}" },
    { "blockdev-add", "{\"driver\": \"null-co\", \"node-name\": \"n\"}" },
    { "blockdev-add", "{\"driver\": \"raw\", \"node-name\": \"r\", \"file\": \"n\"}" },
    { "blockdev-add", "{\"driver\": \"quorum\", \"node-name\": \"q\", \"vote-threshold\": 1,"
                      " \"children\": [\"n\", {\"driver\": \"null-aio\"}]}" },
    { "blockdev-add", "{\"driver\": \"throttle\", \"node-name\": \"t\", \"throttle-group\": \"g\","
                      " \"file\": {\"driver\": \"raw\", \"file\": {\"driver\": \"null-co\"}}}" },
    { "blockdev-create", "{\"job-id\": \"c\", \"options\": {\"driver\": \"qcow2\", \"file\": \"n\","
                         " \"size\": 1048576}}" },
    { "object-add", "{\"qom-type\": \"throttle-group\", \"id\": \"g\"}" },
    { "object-add", "{\"qom-type\": \"secret\", \"id\": \"s\", \"data\": \"x\"}" },
    { "chardev-add", "{\"id\": \"c\", \"backend\": {\"type\": \"ringbuf\", \"data\": {}}}" },
    { "migrate", "{\"uri\": \"tcp:127.0.0.1:4444\"}" },
    { "nbd-server-start", "{\"addr\": {\"type\": \"inet\", \"data\": {\"host\": \"127.0.0.1\","
                          " \"port\": \"10809\"}}}" },
    { "block-export-add", "{\"type\": \"nbd\", \"id\": \"e\", \"node-name\": \"n\"}" },
    { "transaction", "{\"actions\": [{\"type\": \"blockdev-backup\", \"data\": {\"device\": \"a\","
                     " \"target\": \"b\", \"sync\": \"full\", \"job-id\": \"j\"}},"
                     " {\"type\": \"block-dirty-bitmap-add\", \"data\": {\"node\": \"a\", \"name\": \"b\"}}]}" },
  };
  static const struct { const gchar *command; const gchar *args; const gchar *why; } refused[] = {
    { "human-monitor-command", "{\"command-line\": \"info version\"}", "leave the host alone" },
    { "screendump", "{\"filename\": \"/tmp/x\"}", "leave the host alone" },
    { "pmemsave", "{\"val\": 0, \"size\": 1, \"filename\": \"/tmp/x\"}", "leave the host alone" },
    { "memsave", "{\"val\": 0, \"size\": 1, \"filename\": \"/tmp/x\"}", "leave the host alone" },
    { "dump-guest-memory", "{\"paging\": false, \"protocol\": \"file:/tmp/x\"}", "leave the host alone" },
    { "getfd", "{\"fdname\": \"f\"}", "leave the host alone" },
    { "add-fd", NULL, "leave the host alone" },
    { "device_add", "{\"driver\": \"virtio-blk-pci\", \"drive\": \"n\", \"romfile\": \"/etc/shadow\"}",
      "leave the host alone" },
    { "netdev_add", "{\"type\": \"user\", \"id\": \"n\", \"guestfwd\": []}", "leave the host alone" },
    { "qom-set", "{\"path\": \"/\", \"property\": \"x\", \"value\": 1}", "leave the host alone" },
    { "no-such-command", NULL, "leave the host alone" },
    { "drive-backup", "{\"device\": \"n\", \"target\": \"/tmp/x\", \"sync\": \"full\"}", "leave the host alone" },
    { "block-stream", "{\"device\": \"n\", \"base-node\": \"b\", \"backing-file\": \"/etc/shadow\"}",
      "backing-file" },
    { "change-backing-file", "{\"device\": \"n\", \"image-node-name\": \"n\","
                             " \"backing-file\": \"/etc/shadow\"}", "leave the host alone" },
    { "blockdev-add", "{\"driver\": \"file\", \"node-name\": \"f\", \"filename\": \"/etc/shadow\"}",
      "allowed directories" },
    { "blockdev-add", "{\"driver\": \"host_device\", \"node-name\": \"f\", \"filename\": \"/dev/sda\"}",
      "host_device" },
    { "blockdev-add", "{\"driver\": \"nbd\", \"node-name\": \"f\", \"server\": {\"type\": \"unix\","
                      " \"path\": \"/run/x\"}}", "nbd" },
    { "blockdev-add", "{\"driver\": \"qcow2\", \"node-name\": \"f\", \"file\": \"n\"}", "qcow2" },
    { "blockdev-add", "{\"driver\": \"vvfat\", \"node-name\": \"f\", \"dir\": \"/etc\"}", "vvfat" },
    { "blockdev-add", "{\"driver\": \"blkdebug\", \"node-name\": \"f\", \"config\": \"/etc/x\","
                      " \"image\": \"n\"}", "config" },
    /* deep in the tree */
    { "blockdev-add", "{\"driver\": \"quorum\", \"node-name\": \"q\", \"vote-threshold\": 1,"
                      " \"children\": [\"n\", {\"driver\": \"raw\", \"file\": {\"driver\": \"file\","
                      " \"filename\": \"/etc/shadow\"}}]}", "allowed directories" },
    { "blockdev-reopen", "{\"options\": [{\"driver\": \"raw\", \"node-name\": \"r\", \"file\":"
                         " {\"driver\": \"file\", \"filename\": \"/etc/shadow\"}}]}", "allowed directories" },
    { "blockdev-create", "{\"job-id\": \"c\", \"options\": {\"driver\": \"file\", \"filename\": \"/etc/x\","
                         " \"size\": 0}}", "allowed directories" },
    { "blockdev-create", "{\"job-id\": \"c\", \"options\": {\"driver\": \"ssh\", \"location\": {}}}", "ssh" },
    { "blockdev-create", "{\"job-id\": \"c\", \"options\": {\"driver\": \"qcow2\", \"size\": 1,"
                         " \"file\": {\"driver\": \"file\", \"filename\": \"/etc/x\"}}}", "allowed directories" },
    { "object-add", "{\"qom-type\": \"memory-backend-file\", \"id\": \"m\", \"mem-path\": \"/x\"}",
      "memory-backend-file" },
    { "object-add", "{\"qom-type\": \"secret\", \"id\": \"s\", \"file\": \"/etc/shadow\"}", "host file" },
    { "object-add", "{\"qom-type\": \"tls-creds-x509\", \"id\": \"t\", \"dir\": \"/root\"}", "tls-creds-x509" },
    { "chardev-add", "{\"id\": \"c\", \"backend\": {\"type\": \"socket\", \"data\": {}}}", "socket" },
    { "chardev-change", "{\"id\": \"c\", \"backend\": {\"type\": \"file\", \"data\": {}}}", "file" },
    { "migrate", "{\"uri\": \"exec:id\"}", "exec:id" },
    { "migrate-incoming", "{\"uri\": \"unix:/run/x\"}", "unix:" },
    { "migrate-recover", "{\"uri\": \"file:/tmp/x\"}", "file:" },
    { "nbd-server-start", "{\"addr\": {\"type\": \"unix\", \"data\": {\"path\": \"/run/x\"}}}", "NBD" },
    { "block-export-add", "{\"type\": \"fuse\", \"id\": \"e\", \"node-name\": \"n\","
                          " \"mountpoint\": \"/etc\"}", "exports" },
    { "transaction", "{\"actions\": [{\"type\": \"abort\", \"data\": {}}, {\"type\": \"blockdev-snapshot-sync\","
                     " \"data\": {\"node-name\": \"n\", \"snapshot-file\": \"/tmp/s\"}}]}",
      "transaction action blockdev-snapshot-sync" },
    { "transaction", "{\"actions\": [{\"type\": \"drive-backup\", \"data\": {\"device\": \"n\","
                     " \"target\": \"/tmp/t\", \"sync\": \"full\"}}]}", "transaction action drive-backup" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (allowed); i++)
    {
      g_autofree gchar *why = reason (allowed[i].command, allowed[i].args);
      g_test_message ("%s %s", allowed[i].command, allowed[i].args);
      g_assert_null (why);
    }
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autofree gchar *why = reason (refused[i].command, refused[i].args);
      g_test_message ("%s %s: %s", refused[i].command, refused[i].args, why);
      g_assert_nonnull (why);
      g_assert_nonnull (strstr (why, refused[i].why));
    }
}

static void
test_check (void)
{
  AqmpdPrivileges none = { 0 };
  AqmpdPrivileges destructive = { TRUE, FALSE, NULL };
  AqmpdPrivileges host = { FALSE, TRUE, NULL };
  g_autoptr(JsonObject) exec = object_from ("{\"uri\": \"exec:id\"}");
  g_autoptr(JsonObject) file = object_from ("{\"driver\": \"file\", \"filename\": \"/etc/shadow\"}");
  g_autoptr(GError) error = NULL;

  /* allow-destructive holds for root too: it guards against mistakes */
  g_assert_false (aqmpd_policy_check (&none, TRUE, "vm", "quit", NULL, &error));
  g_assert_error (error, AQMPD_ERROR, AQMPD_ERROR_REFUSED);
  g_assert_nonnull (strstr (error->message, "allow-destructive"));
  g_clear_error (&error);
  g_assert_true (aqmpd_policy_check (&destructive, TRUE, "vm", "quit", NULL, &error));
  g_assert_true (aqmpd_policy_check (&destructive, FALSE, "vm", "quit", NULL, &error));

  /* host access: root always, others only where root allowed it */
  g_assert_true (aqmpd_policy_check (&destructive, TRUE, "vm", "migrate", exec, &error));
  g_assert_false (aqmpd_policy_check (&destructive, FALSE, "vm", "migrate", exec, &error));
  g_assert_error (error, AQMPD_ERROR, AQMPD_ERROR_REFUSED);
  g_assert_nonnull (strstr (error->message, "only root may"));
  g_clear_error (&error);
  g_assert_true (aqmpd_policy_check (&none, TRUE, "vm", "blockdev-add", file, &error));
  g_assert_false (aqmpd_policy_check (&none, FALSE, "vm", "blockdev-add", file, &error));
  g_clear_error (&error);
  g_assert_true (aqmpd_policy_check (&host, FALSE, "vm", "blockdev-add", file, &error));
  g_assert_no_error (error);
}

static void
test_directories (void)
{
  g_auto(GStrv) good = g_strsplit ("/tmp", ",", -1);
  g_auto(GStrv) relative = g_strsplit ("tmp", ",", -1);
  g_auto(GStrv) dotdot = g_strsplit ("/tmp/../etc", ",", -1);
  g_auto(GStrv) root = g_strsplit ("/", ",", -1);
  g_auto(GStrv) missing = g_strsplit ("/no/such/dir", ",", -1);
  GStrv bad[] = { relative, dotdot, root, missing };

  g_assert_true (aqmpd_privileges_check_directories (good, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_assert_false (aqmpd_privileges_check_directories (bad[i], &error));
      g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
    }
}

/* the daemon's first-connect schedule, the client's shape */
static void
test_backoff (void)
{
  AqmpdBackoff backoff;
  static const guint expected[] = { 100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000, 30000 };

  aqmpd_backoff_init (&backoff, 100, 30000);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_assert_cmpuint (aqmpd_backoff_delay (&backoff, 0), ==, expected[i]);
      g_assert_cmpuint (aqmpd_backoff_delay (&backoff, -0.25), ==, expected[i] * 3 / 4);
      /* the jitter never passes the cap */
      g_assert_cmpuint (aqmpd_backoff_delay (&backoff, 0.25), ==, MIN (expected[i] * 5 / 4, 30000));
      backoff.attempts++;
    }
  /* no overflow, however long it goes on */
  backoff.attempts = G_MAXUINT - 1;
  g_assert_cmpuint (aqmpd_backoff_delay (&backoff, 0), ==, 30000);
  aqmpd_backoff_next (&backoff);
  aqmpd_backoff_next (&backoff);
  g_assert_cmpuint (backoff.attempts, ==, G_MAXUINT);
  aqmpd_backoff_reset (&backoff);
  for (guint i = 0; i < 100; i++)
    {
      guint64 base = MIN ((guint64) 100 << MIN (backoff.attempts, 30), 30000);
      guint delay = aqmpd_backoff_next (&backoff);
      g_assert_cmpuint (delay, >=, base * 3 / 4);
      g_assert_cmpuint (delay, <=, MIN (base * 5 / 4 + 1, 30000));
    }
}

static void
test_options (void)
{
  static const AqmpdOptionSpec specs[] = { { "limit", "u" }, { "names", "as" }, { NULL, NULL } };
  static const gchar * const types[] = { "s", "b", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) good = g_variant_ref_sink (g_variant_new_parsed ("{'limit': <uint32 3>, 'names': <['a']>}"));
  g_autoptr(GVariant) unknown = g_variant_ref_sink (g_variant_new_parsed ("{'limt': <uint32 3>}"));
  g_autoptr(GVariant) typed = g_variant_ref_sink (g_variant_new_parsed ("{'limit': <'3'>}"));
  g_autoptr(GVariant) free_keys = g_variant_ref_sink (g_variant_new_parsed ("{'a': <'x'>, 'b': <true>}"));
  g_autoptr(GVariant) free_bad = g_variant_ref_sink (g_variant_new_parsed ("{'a': <'x'>, 'c': <(1, 2)>}"));

  g_assert_true (aqmpd_options_check (good, "filter", specs, &error));
  g_assert_false (aqmpd_options_check (unknown, "filter", specs, &error));
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "'limt'"));
  g_assert_nonnull (strstr (error->message, "limit (u)"));
  g_clear_error (&error);
  g_assert_false (aqmpd_options_check (typed, "filter", specs, &error));
  g_assert_nonnull (strstr (error->message, "'limit' must be of type u, not s"));
  g_clear_error (&error);
  g_assert_true (aqmpd_options_check_types (free_keys, "params", types, &error));
  g_assert_false (aqmpd_options_check_types (free_bad, "params", types, &error));
  g_assert_nonnull (strstr (error->message, "'c'"));
}

static gboolean
may_write (const AqmpdPrivileges *privileges, gboolean root, const gchar *path, gboolean directory)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = aqmpd_policy_check_write (privileges, root, "vm", "StartBackup", path, directory, &error);

  if (!ok)
    {
      g_assert_error (error, AQMPD_ERROR, AQMPD_ERROR_REFUSED);
      g_assert_nonnull (strstr (error->message, "only root may"));
    }
  return ok;
}

/* files aqmpd or QEMU writes for a caller (a backup's images, a restore) */
static void
test_write (void)
{
  g_autofree gchar *tmp = g_dir_make_tmp ("aqmp-policy-XXXXXX", NULL);
  g_autofree gchar *allowed = g_build_filename (tmp, "allowed", NULL);
  g_autofree gchar *sub = g_build_filename (allowed, "sub", NULL);
  g_autofree gchar *open_dir = g_build_filename (allowed, "open", NULL);
  g_autofree gchar *link = g_build_filename (allowed, "link", NULL);
  g_autofree gchar *missing = g_build_filename (allowed, "missing", NULL);
  g_autofree gchar *other = g_build_filename (tmp, "other", NULL);
  g_autofree gchar *dotdot = g_strdup_printf ("%s/../other", allowed);
  g_autofree gchar *image = g_build_filename (allowed, "restored.qcow2", NULL);
  g_autofree gchar *outside = g_build_filename (other, "restored.qcow2", NULL);
  gchar *dirs[] = { allowed, NULL };
  AqmpdPrivileges none = { 0 };
  AqmpdPrivileges within = { FALSE, FALSE, dirs };
  AqmpdPrivileges host = { FALSE, TRUE, NULL };

  g_assert_nonnull (tmp);
  g_assert_cmpint (chmod (tmp, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (allowed, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (open_dir, 0777), ==, 0);
  g_assert_cmpint (chmod (open_dir, 0777), ==, 0);
  g_assert_cmpint (g_mkdir (other, 0755), ==, 0);
  g_assert_cmpint (symlink (sub, link), ==, 0);

  /* root, and anybody on a machine with allow-host-access, anywhere */
  g_assert_true (may_write (&none, TRUE, other, TRUE));
  g_assert_true (may_write (&host, FALSE, other, TRUE));
  g_assert_true (may_write (&host, FALSE, outside, FALSE));
  /* others: the allowed directory and what is below it */
  g_assert_true (may_write (&within, FALSE, allowed, TRUE));
  g_assert_true (may_write (&within, FALSE, sub, TRUE));
  g_assert_true (may_write (&within, FALSE, image, FALSE));
  g_assert_false (may_write (&none, FALSE, allowed, TRUE));
  g_assert_false (may_write (&within, FALSE, other, TRUE));
  g_assert_false (may_write (&within, FALSE, outside, FALSE));
  g_assert_false (may_write (&within, FALSE, dotdot, TRUE));
  g_assert_false (may_write (&within, FALSE, "relative/dir", TRUE));
  g_assert_false (may_write (&within, FALSE, link, TRUE));
  g_assert_false (may_write (&within, FALSE, missing, TRUE));
  g_assert_false (may_write (&within, FALSE, open_dir, TRUE));

  g_assert_cmpint (g_unlink (link), ==, 0);
  g_assert_cmpint (g_rmdir (open_dir), ==, 0);
  g_assert_cmpint (g_rmdir (sub), ==, 0);
  g_assert_cmpint (g_rmdir (allowed), ==, 0);
  g_assert_cmpint (g_rmdir (other), ==, 0);
  g_assert_cmpint (g_rmdir (tmp), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/aqmp/service/policy/guest-only", test_guest_only);
  g_test_add_func ("/aqmp/service/policy/check", test_check);
  g_test_add_func ("/aqmp/service/policy/directories", test_directories);
  g_test_add_func ("/aqmp/service/policy/write", test_write);
  g_test_add_func ("/aqmp/service/policy/backoff", test_backoff);
  g_test_add_func ("/aqmp/service/policy/options", test_options);
  return g_test_run ();
}
