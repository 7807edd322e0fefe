/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <aqmp/aqmp-backup.h>
#include <aqmp/aqmp-plugin-loader.h>

#include "aqmpd-authority.h"
#include "aqmpd-dbus.h"
#include "aqmpd-job.h"
#include "aqmpd-machine.h"

G_BEGIN_DECLS

/* ListBackups' page size when the filter gives no limit */
#define AQMPD_BACKUPS_DEFAULT_LIMIT 100

#define AQMPD_TYPE_BACKUPS (aqmpd_backups_get_type ())
G_DECLARE_FINAL_TYPE (AqmpdBackups, aqmpd_backups, AQMPD, BACKUPS, GObject)

AqmpdBackups      *aqmpd_backups_new           (AqmpdAuthority        *authority,
                                                AqmpJobStore          *store,
                                                AqmpPluginLoader      *loader,
                                                GHashTable            *machines);
void               aqmpd_backups_connect       (AqmpdBackups          *self,
                                                AqmpDBusManager       *iface);
AqmpBackupOptions *aqmpd_backups_parse_options (AqmpdBackups          *self,
                                                AqmpdMachine          *machine,
                                                gboolean               caller_is_root,
                                                GVariant              *options,
                                                gboolean              *quiesce,
                                                GError               **error);
void               aqmpd_backups_reconcile     (AqmpdBackups          *self,
                                                AqmpdMachine          *machine);
void               aqmpd_backups_start         (AqmpdBackups          *self,
                                                AqmpdMachine          *machine,
                                                AqmpBackupOptions     *options,
                                                gboolean               quiesce,
                                                AqmpdJob              *job);

G_END_DECLS
