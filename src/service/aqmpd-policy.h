/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/*
 * What a machine lets callers who are not root do. Only root grants these
 * (AddMachine by root, or aqmpd's command line); a group member never can.
 */
typedef struct {
  gboolean allow_destructive;      /* quit, system_reset, migrate, ... (for everybody) */
  gboolean allow_host_access;      /* commands that run programs or touch host files */
  gchar **allowed_directories;     /* nullable: where `file` nodes may be, absolute */
} AqmpdPrivileges;

void     aqmpd_privileges_clear      (AqmpdPrivileges        *privileges);
void     aqmpd_privileges_copy       (const AqmpdPrivileges  *from,
                                      AqmpdPrivileges        *to);
gboolean aqmpd_privileges_any        (const AqmpdPrivileges  *privileges);
gboolean aqmpd_privileges_check_directories (GStrv           directories,
                                             GError        **error);

gboolean aqmpd_policy_is_destructive (const gchar            *command);
gboolean aqmpd_policy_check          (const AqmpdPrivileges  *privileges,
                                      gboolean                caller_is_root,
                                      const gchar            *machine,
                                      const gchar            *command,
                                      JsonObject             *arguments,
                                      GError                **error);
gboolean aqmpd_policy_check_write    (const AqmpdPrivileges  *privileges,
                                      gboolean                caller_is_root,
                                      const gchar            *machine,
                                      const gchar            *what,
                                      const gchar            *path,
                                      gboolean                directory,
                                      GError                **error);
gchar   *aqmpd_policy_host_reason    (const AqmpdPrivileges  *privileges,
                                      const gchar            *command,
                                      JsonObject             *arguments);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AqmpdPrivileges, aqmpd_privileges_clear)

G_END_DECLS
