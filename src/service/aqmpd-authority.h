/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define AQMPD_TYPE_AUTHORITY (aqmpd_authority_get_type ())
G_DECLARE_FINAL_TYPE (AqmpdAuthority, aqmpd_authority, AQMPD, AUTHORITY, GObject)

AqmpdAuthority *aqmpd_authority_new            (const gchar            *group,
                                                gboolean                trust_root,
                                                GError                **error);
gboolean        aqmpd_authority_get_caller_uid (AqmpdAuthority         *self,
                                                GDBusMethodInvocation  *invocation,
                                                guint32                *uid,
                                                GError                **error);
gboolean        aqmpd_authority_uid_is_trusted (AqmpdAuthority         *self,
                                                guint32                 uid);
gboolean        aqmpd_authority_uid_is_root    (AqmpdAuthority         *self,
                                                guint32                 uid);
gboolean        aqmpd_authority_caller_is_root (AqmpdAuthority         *self,
                                                GDBusMethodInvocation  *invocation);
gboolean        aqmpd_authority_check          (AqmpdAuthority         *self,
                                                GDBusMethodInvocation  *invocation,
                                                GError                **error);
void            aqmpd_authority_guard          (AqmpdAuthority         *self,
                                                GDBusInterfaceSkeleton *skeleton,
                                                const gchar * const    *open_methods);

G_END_DECLS
