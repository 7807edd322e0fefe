/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <aqmp/aqmp.h>

#include "aqmpd-error.h"
#include "aqmpd-policy.h"

/*
 * Which QMP commands a caller who is not root may send. QEMU often runs as
 * root, and many commands make it run a program or open a host file
 * (`migrate` to "exec:...", `blockdev-add` of a `file` node, `screendump`,
 * `human-monitor-command`, ...): for a group member they would be root's
 * powers. So members get an allowlist: the commands below, `query-*`, and a
 * few commands whose arguments are checked (block nodes, objects, character
 * devices, migration URIs). Everything else needs root, or a machine that
 * root added with allow-host-access. The whole argument tree is checked,
 * including the actions of a `transaction`. The lists follow QEMU 7.2; a
 * command they do not know is refused, never passed on unchecked.
 */

/* machine-ending commands; refused for everybody without allow-destructive */
static const gchar * const aqmpd_policy_destructive[] = {
  "quit", "system_reset", "system_powerdown", "human-monitor-command", "migrate",
  "x-exit-preconfig", NULL
};

/* commands that touch only the guest, QEMU's state, or existing nodes */
static const gchar * const aqmpd_policy_guest_only[] = {
  "qmp_capabilities", "stop", "cont", "system_wakeup", "inject-nmi", "balloon", "send-key",
  "input-send-event", "qom-list", "qom-get", "qom-list-types", "qom-list-properties",
  "device-list-properties", "device_del", "object-del", "netdev_del", "chardev-remove",
  "chardev-send-break", "ringbuf-write", "ringbuf-read", "blockdev-del", "block_resize",
  "block-stream", "block-commit", "blockdev-mirror", "blockdev-backup", "blockdev-snapshot",
  "blockdev-snapshot-internal-sync", "blockdev-snapshot-delete-internal-sync",
  "block-dirty-bitmap-add", "block-dirty-bitmap-remove", "block-dirty-bitmap-clear",
  "block-dirty-bitmap-enable", "block-dirty-bitmap-disable", "block-dirty-bitmap-merge",
  "block-job-cancel", "block-job-pause", "block-job-resume", "block-job-complete",
  "block-job-finalize", "block-job-dismiss", "block-job-set-speed", "job-cancel", "job-pause",
  "job-resume", "job-complete", "job-finalize", "job-dismiss", "block_set_io_throttle",
  "block-set-write-threshold", "block-latency-histogram-set", "blockdev-open-tray",
  "blockdev-close-tray", "blockdev-remove-medium", "blockdev-insert-medium", "eject",
  "x-blockdev-set-iothread", "x-blockdev-amend", "nbd-server-add", "nbd-server-remove",
  "nbd-server-stop", "block-export-del", "migrate_cancel", "migrate-continue", "migrate-pause",
  "migrate-set-capabilities", "migrate-set-parameters", "migrate-start-postcopy",
  "trace-event-set-state", "set_password", "expire_password", "change-vnc-password", "set_link",
  "system_reset", "system_powerdown", "quit", "x-exit-preconfig", "snapshot-save",
  "snapshot-load", "snapshot-delete", "calc-dirty-rate", "set-vcpu-dirty-limit",
  "cancel-vcpu-dirty-limit", "rtc-reset-reinjection", "announce-self", "yank", "set-action",
  "watchdog-set-action", "closefd", "remove-fd", "abort", "x-colo-lost-heartbeat",
  NULL
};

/* block drivers that open no host file of their own (children are checked) */
static const gchar * const aqmpd_policy_safe_drivers[] = {
  "raw", "null-co", "null-aio", "throttle", "copy-on-read", "preallocate", "compress",
  "quorum", "blkverify", "blklogwrites", "snapshot-access", "blkdebug", NULL
};

/*
 * Image formats blockdev-create may write onto a node; it does not open the
 * backing file it names. Opening such an image later (blockdev-add) would:
 * those drivers are not in the list above.
 */
static const gchar * const aqmpd_policy_create_drivers[] = {
  "qcow2", "qed", "luks", "vdi", "vhdx", "vpc", "parallels", "qcow", "vmdk", NULL
};

/* QOM types object-add may create: none reads a host file or device */
static const gchar * const aqmpd_policy_safe_objects[] = {
  "memory-backend-ram", "memory-backend-memfd", "throttle-group", "iothread", "rng-builtin",
  "secret", "authz-simple", "main-loop", NULL
};

/* character device backends that open nothing on the host */
static const gchar * const aqmpd_policy_safe_chardevs[] = {
  "null", "ringbuf", "memory", NULL
};

/* ----- privileges ----- */

void
aqmpd_privileges_clear (AqmpdPrivileges *privileges)
{
  g_clear_pointer (&privileges->allowed_directories, g_strfreev);
  privileges->allow_destructive = FALSE;
  privileges->allow_host_access = FALSE;
}

void
aqmpd_privileges_copy (const AqmpdPrivileges *from, AqmpdPrivileges *to)
{
  to->allow_destructive = from->allow_destructive;
  to->allow_host_access = from->allow_host_access;
  to->allowed_directories = g_strdupv (from->allowed_directories);
}

/* whether @privileges grant anything beyond what every caller has */
gboolean
aqmpd_privileges_any (const AqmpdPrivileges *privileges)
{
  return privileges->allow_destructive || privileges->allow_host_access
         || (privileges->allowed_directories != NULL && privileges->allowed_directories[0] != NULL);
}

static gboolean
aqmpd_policy_is_canonical (const gchar *path)
{
  g_autofree gchar *canonical = NULL;

  if (!g_path_is_absolute (path))
    return FALSE;
  canonical = g_canonicalize_filename (path, "/");
  return g_strcmp0 (canonical, path) == 0;
}

/* allowed directories must be absolute, canonical, existing directories */
gboolean
aqmpd_privileges_check_directories (GStrv directories, GError **error)
{
  for (guint i = 0; directories != NULL && directories[i] != NULL; i++)
    {
      if (!aqmpd_policy_is_canonical (directories[i]) || strcmp (directories[i], "/") == 0)
        {
          g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                       "allowed-directories: '%s' is not an absolute, canonical path below /",
                       directories[i]);
          return FALSE;
        }
      if (!g_file_test (directories[i], G_FILE_TEST_IS_DIR))
        {
          g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                       "allowed-directories: '%s' is not a directory", directories[i]);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
aqmpd_policy_is_destructive (const gchar *command)
{
  return g_strv_contains (aqmpd_policy_destructive, command);
}

/* ----- host paths ----- */

/*
 * Nobody but root (or the daemon's own user) may be able to change what
 * @dir holds: else a caller could swap a checked name for a symbolic link
 * to any file between the check and QEMU's open. A sticky directory above
 * the allowed one (such as /tmp) is fine, since its root-owned entry
 * cannot be replaced.
 */
static gchar *
aqmpd_policy_check_dir_owner (const gchar *dir, gboolean sticky_ok)
{
  struct stat st;

  if (lstat (dir, &st) != 0)
    return g_strdup_printf ("cannot check %s: %s", dir, g_strerror (errno));
  if (!S_ISDIR (st.st_mode))
    return g_strdup_printf ("%s is not a directory", dir);
  if (st.st_uid != 0 && st.st_uid != geteuid ())
    return g_strdup_printf ("%s is not owned by root", dir);
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && !(sticky_ok && (st.st_mode & S_ISVTX) != 0))
    return g_strdup_printf ("%s is writable by others than root", dir);
  return NULL;
}

static gchar *
aqmpd_policy_check_chain (const gchar *parent, const gchar *allowed)
{
  g_autofree gchar *dir = g_strdup (parent);

  for (;;)
    {
      gboolean below_allowed = g_str_has_prefix (dir, allowed)
                               && (dir[strlen (allowed)] == '\0' || dir[strlen (allowed)] == '/');
      gchar *reason = aqmpd_policy_check_dir_owner (dir, !below_allowed);
      g_autofree gchar *up = NULL;

      if (reason != NULL || strcmp (dir, "/") == 0)
        return reason;
      up = g_path_get_dirname (dir);
      g_free (dir);
      dir = g_steal_pointer (&up);
    }
}

static const gchar *
aqmpd_policy_allowed_dir_for (const AqmpdPrivileges *privileges, const gchar *path)
{
  for (guint i = 0; privileges->allowed_directories != NULL && privileges->allowed_directories[i] != NULL; i++)
    {
      const gchar *dir = privileges->allowed_directories[i];
      gsize len = strlen (dir);

      if (strncmp (path, dir, len) == 0 && path[len] == '/' && path[len + 1] != '\0')
        return dir;
    }
  return NULL;
}

/* NULL when @path may be opened (or created) for a caller who is not root */
static gchar *
aqmpd_policy_path_reason (const AqmpdPrivileges *privileges, const gchar *path)
{
  g_autofree gchar *parent = NULL;
  g_autofree gchar *resolved = NULL;
  const gchar *allowed;
  struct stat st;

  if (path == NULL)
    return NULL;
  if (!aqmpd_policy_is_canonical (path))
    return g_strdup_printf ("the host file '%s' is not named by an absolute, canonical path", path);
  allowed = aqmpd_policy_allowed_dir_for (privileges, path);
  if (allowed == NULL)
    return g_strdup_printf ("the host file %s is outside the machine's allowed directories", path);
  parent = g_path_get_dirname (path);
  /* no symbolic link anywhere: what is checked is what QEMU opens */
  resolved = realpath (parent, NULL);
  if (g_strcmp0 (resolved, parent) != 0)
    return g_strdup_printf ("the directory %s of host file %s is missing or has a symbolic link", parent, path);
  if (lstat (path, &st) == 0 && !S_ISREG (st.st_mode))
    return g_strdup_printf ("the host file %s is not a regular file", path);
  return aqmpd_policy_check_chain (parent, allowed);
}

/* the allowed directory @dir is, or is below */
static const gchar *
aqmpd_policy_allowed_dir_of (const AqmpdPrivileges *privileges, const gchar *dir)
{
  for (guint i = 0; privileges->allowed_directories != NULL && privileges->allowed_directories[i] != NULL; i++)
    {
      const gchar *allowed = privileges->allowed_directories[i];
      gsize len = strlen (allowed);

      if (strncmp (dir, allowed, len) == 0 && (dir[len] == '\0' || dir[len] == '/'))
        return allowed;
    }
  return NULL;
}

/* NULL when files may be created below @dir for a caller who is not root */
static gchar *
aqmpd_policy_dir_reason (const AqmpdPrivileges *privileges, const gchar *dir)
{
  g_autofree gchar *resolved = NULL;
  const gchar *allowed;

  if (!aqmpd_policy_is_canonical (dir))
    return g_strdup_printf ("the host directory '%s' is not named by an absolute, canonical path", dir);
  allowed = aqmpd_policy_allowed_dir_of (privileges, dir);
  if (allowed == NULL)
    return g_strdup_printf ("the host directory %s is outside the machine's allowed directories", dir);
  resolved = realpath (dir, NULL);
  if (g_strcmp0 (resolved, dir) != 0)
    return g_strdup_printf ("the host directory %s is missing or has a symbolic link", dir);
  return aqmpd_policy_check_chain (dir, allowed);
}

/**
 * aqmpd_policy_check_write:
 * @privileges: what root granted on the machine
 * @caller_is_root: whether the caller is root (or the daemon's own user)
 * @machine: the machine's name, for messages
 * @what: the method, for messages
 * @path: a host file, or with @directory a directory, the daemon or QEMU
 *   will create files in on the caller's behalf
 *
 * The rule for `file` nodes, for files the daemon writes itself (a backup's
 * images, a restored image): root may, and so may anybody on a machine root
 * added with allow-host-access; others only within the allowed directories.
 *
 * Returns: %TRUE when the caller may have @path written
 */
gboolean
aqmpd_policy_check_write (const AqmpdPrivileges *privileges, gboolean caller_is_root, const gchar *machine,
                          const gchar *what, const gchar *path, gboolean directory, GError **error)
{
  g_autofree gchar *reason = NULL;

  if (caller_is_root || privileges->allow_host_access)
    return TRUE;
  reason = directory ? aqmpd_policy_dir_reason (privileges, path) : aqmpd_policy_path_reason (privileges, path);
  if (reason == NULL)
    return TRUE;
  g_set_error (error, AQMPD_ERROR, AQMPD_ERROR_REFUSED,
               "%s is refused: %s; only root may do that on machine %s, unless root added "
               "it with allow-host-access", what, reason, machine);
  return FALSE;
}

/* ----- argument trees ----- */

static gchar *aqmpd_policy_node_reason (const AqmpdPrivileges *privileges, JsonObject *node);

/* inline child nodes, at any depth: objects with a "driver" member */
static gchar *
aqmpd_policy_children_reason (const AqmpdPrivileges *privileges, JsonNode *value)
{
  if (JSON_NODE_HOLDS_OBJECT (value))
    {
      JsonObject *obj = json_node_get_object (value);
      JsonObjectIter iter;
      const gchar *name;
      JsonNode *member;

      if (json_object_has_member (obj, "driver"))
        return aqmpd_policy_node_reason (privileges, obj);
      json_object_iter_init (&iter, obj);
      while (json_object_iter_next (&iter, &name, &member))
        {
          gchar *reason = aqmpd_policy_children_reason (privileges, member);
          if (reason != NULL)
            return reason;
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (value))
    {
      JsonArray *array = json_node_get_array (value);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          gchar *reason = aqmpd_policy_children_reason (privileges, json_array_get_element (array, i));
          if (reason != NULL)
            return reason;
        }
    }
  return NULL;
}

static gchar *
aqmpd_policy_members_reason (const AqmpdPrivileges *privileges, JsonObject *obj)
{
  JsonObjectIter iter;
  const gchar *name;
  JsonNode *member;

  json_object_iter_init (&iter, obj);
  while (json_object_iter_next (&iter, &name, &member))
    {
      gchar *reason = aqmpd_policy_children_reason (privileges, member);
      if (reason != NULL)
        return reason;
    }
  return NULL;
}

/* one block node, as blockdev-add takes it, with its inline children */
static gchar *
aqmpd_policy_node_reason (const AqmpdPrivileges *privileges, JsonObject *node)
{
  const gchar *driver = aqmp_json_get_string (node, "driver");

  if (driver == NULL)
    return g_strdup ("a block node without a driver");
  if (g_strcmp0 (driver, "file") == 0)
    {
      gchar *reason = aqmpd_policy_path_reason (privileges, aqmp_json_get_string (node, "filename"));
      if (reason != NULL || aqmp_json_get_string (node, "filename") != NULL)
        return reason;
      return g_strdup ("a file node without a filename");
    }
  if (!g_strv_contains (aqmpd_policy_safe_drivers, driver))
    return g_strdup_printf ("the block driver %s opens host files, devices or connections", driver);
  if (g_strcmp0 (driver, "blkdebug") == 0 && json_object_has_member (node, "config"))
    return g_strdup ("blkdebug reads its config from a host file");
  return aqmpd_policy_members_reason (privileges, node);
}

static gchar *
aqmpd_policy_create_reason (const AqmpdPrivileges *privileges, JsonObject *options)
{
  const gchar *driver = aqmp_json_get_string (options, "driver");

  if (g_strcmp0 (driver, "file") == 0)
    {
      const gchar *filename = aqmp_json_get_string (options, "filename");
      if (filename == NULL)
        return g_strdup ("a file to create without a filename");
      return aqmpd_policy_path_reason (privileges, filename);
    }
  if (driver == NULL || !g_strv_contains (aqmpd_policy_create_drivers, driver))
    return g_strdup_printf ("blockdev-create with the driver %s creates host files or connections",
                            driver != NULL ? driver : "(none)");
  return aqmpd_policy_members_reason (privileges, options);
}

static gchar *
aqmpd_policy_reopen_reason (const AqmpdPrivileges *privileges, JsonObject *arguments)
{
  JsonNode *options = json_object_get_member (arguments, "options");

  if (options == NULL || !JSON_NODE_HOLDS_ARRAY (options))
    return aqmpd_policy_node_reason (privileges, arguments);
  for (guint i = 0; i < json_array_get_length (json_node_get_array (options)); i++)
    {
      JsonNode *element = json_array_get_element (json_node_get_array (options), i);
      gchar *reason = JSON_NODE_HOLDS_OBJECT (element)
                      ? aqmpd_policy_node_reason (privileges, json_node_get_object (element))
                      : NULL;
      if (reason != NULL)
        return reason;
    }
  return NULL;
}

static gchar *
aqmpd_policy_object_reason (JsonObject *arguments)
{
  const gchar *type = aqmp_json_get_string (arguments, "qom-type");
  JsonObject *props = aqmp_json_get_object (arguments, "props");

  if (type == NULL || !g_strv_contains (aqmpd_policy_safe_objects, type))
    return g_strdup_printf ("objects of type %s may read host files or devices",
                            type != NULL ? type : "(none)");
  if (g_strcmp0 (type, "secret") == 0
      && (json_object_has_member (arguments, "file") || (props != NULL && json_object_has_member (props, "file"))))
    return g_strdup ("a secret read from a host file");
  return NULL;
}

static gchar *
aqmpd_policy_chardev_reason (JsonObject *arguments)
{
  const gchar *type = aqmp_json_get_string (aqmp_json_get_object (arguments, "backend"), "type");

  if (type != NULL && g_strv_contains (aqmpd_policy_safe_chardevs, type))
    return NULL;
  return g_strdup_printf ("the character device backend %s opens host files, devices or sockets",
                          type != NULL ? type : "(none)");
}

static gchar *
aqmpd_policy_migrate_reason (JsonObject *arguments)
{
  const gchar *uri = aqmp_json_get_string (arguments, "uri");

  /* exec: runs a program, file:, unix: and fd: reach host files */
  if (uri != NULL && g_str_has_prefix (uri, "tcp:"))
    return NULL;
  return g_strdup_printf ("the migration URI %s is not tcp:", uri != NULL ? uri : "(none)");
}

static gchar *
aqmpd_policy_transaction_reason (const AqmpdPrivileges *privileges, JsonObject *arguments)
{
  JsonNode *actions = arguments != NULL ? json_object_get_member (arguments, "actions") : NULL;

  if (actions == NULL || !JSON_NODE_HOLDS_ARRAY (actions))
    return NULL;
  for (guint i = 0; i < json_array_get_length (json_node_get_array (actions)); i++)
    {
      JsonNode *element = json_array_get_element (json_node_get_array (actions), i);
      JsonObject *action = JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL;
      const gchar *type = aqmp_json_get_string (action, "type");
      gchar *reason;

      if (type == NULL)
        return g_strdup_printf ("transaction action %u has no type", i);
      reason = aqmpd_policy_host_reason (privileges, type, aqmp_json_get_object (action, "data"));
      if (reason != NULL)
        {
          g_autofree gchar *inner = reason;
          return g_strdup_printf ("transaction action %s: %s", type, inner);
        }
    }
  return NULL;
}

/**
 * aqmpd_policy_host_reason:
 * @privileges: the machine's privileges (for its allowed directories)
 * @command: a QMP command
 * @arguments: (nullable): its arguments
 *
 * Returns: (transfer full) (nullable): why @command may run a program or
 *   reach the host's files, devices or sockets; %NULL when it may not
 */
gchar *
aqmpd_policy_host_reason (const AqmpdPrivileges *privileges, const gchar *command,
                          JsonObject *arguments)
{
  g_autoptr(JsonObject) empty = arguments == NULL ? json_object_new () : NULL;
  JsonObject *args = arguments != NULL ? arguments : empty;

  if (g_str_has_prefix (command, "query-") || g_str_has_prefix (command, "x-query-"))
    return NULL;
  /* a backing file name written into an image is opened whenever it is */
  if ((g_strcmp0 (command, "block-stream") == 0 || g_strcmp0 (command, "block-commit") == 0)
      && json_object_has_member (args, "backing-file"))
    return g_strdup ("a backing-file name written into an image names a host file");
  if (g_strv_contains (aqmpd_policy_guest_only, command))
    return NULL;
  if (g_strcmp0 (command, "transaction") == 0)
    return aqmpd_policy_transaction_reason (privileges, args);
  if (g_strcmp0 (command, "blockdev-add") == 0)
    return aqmpd_policy_node_reason (privileges, args);
  if (g_strcmp0 (command, "blockdev-reopen") == 0 || g_strcmp0 (command, "x-blockdev-reopen") == 0)
    return aqmpd_policy_reopen_reason (privileges, args);
  if (g_strcmp0 (command, "blockdev-create") == 0)
    return aqmp_json_get_object (args, "options") != NULL
           ? aqmpd_policy_create_reason (privileges, aqmp_json_get_object (args, "options"))
           : g_strdup ("blockdev-create without options");
  if (g_strcmp0 (command, "object-add") == 0)
    return aqmpd_policy_object_reason (args);
  if (g_strcmp0 (command, "chardev-add") == 0 || g_strcmp0 (command, "chardev-change") == 0)
    return aqmpd_policy_chardev_reason (args);
  if (g_strcmp0 (command, "migrate") == 0 || g_strcmp0 (command, "migrate-incoming") == 0
      || g_strcmp0 (command, "migrate-recover") == 0)
    return aqmpd_policy_migrate_reason (args);
  if (g_strcmp0 (command, "nbd-server-start") == 0)
    return g_strcmp0 (aqmp_json_get_string (aqmp_json_get_object (args, "addr"), "type"), "inet") == 0
           ? NULL : g_strdup ("an NBD server on anything but a TCP address");
  if (g_strcmp0 (command, "block-export-add") == 0)
    return g_strcmp0 (aqmp_json_get_string (args, "type"), "nbd") == 0
           ? NULL : g_strdup ("block exports other than NBD reach host paths");
  return g_strdup_printf ("%s is not among the commands that leave the host alone", command);
}

/**
 * aqmpd_policy_check:
 * @privileges: what root granted on the machine
 * @caller_is_root: whether the caller is root (or the daemon's own user)
 * @machine: the machine's name, for messages
 *
 * Returns: %TRUE when the caller may send @command with @arguments
 */
gboolean
aqmpd_policy_check (const AqmpdPrivileges *privileges, gboolean caller_is_root, const gchar *machine,
                    const gchar *command, JsonObject *arguments, GError **error)
{
  g_autofree gchar *reason = NULL;

  if (aqmpd_policy_is_destructive (command) && !privileges->allow_destructive)
    {
      g_set_error (error, AQMPD_ERROR, AQMPD_ERROR_REFUSED,
                   "%s is refused: machine %s was not added with allow-destructive",
                   command, machine);
      return FALSE;
    }
  if (caller_is_root || privileges->allow_host_access)
    return TRUE;
  reason = aqmpd_policy_host_reason (privileges, command, arguments);
  if (reason == NULL)
    return TRUE;
  g_set_error (error, AQMPD_ERROR, AQMPD_ERROR_REFUSED,
               "%s is refused: %s; only root may do that on machine %s, unless root added "
               "it with allow-host-access", command, reason, machine);
  return FALSE;
}
