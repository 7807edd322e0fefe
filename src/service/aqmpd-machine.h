/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <aqmp/aqmp.h>
#include <aqmp/aqmp-plugin-loader.h>
#include <aqmp/aqmp-jobs.h>

#include "aqmpd-authority.h"
#include "aqmpd-dbus.h"
#include "aqmpd-policy.h"

G_BEGIN_DECLS

/* the per-command timeout when AddMachine did not give one */
#define AQMPD_MACHINE_DEFAULT_TIMEOUT_MS 30000
/* reconnecting a lost machine: the first delay, doubled per failed attempt up to the cap */
#define AQMPD_MACHINE_RECONNECT_INITIAL_MS 100
#define AQMPD_MACHINE_RECONNECT_MAX_MS 30000

#define AQMPD_TYPE_MACHINE (aqmpd_machine_get_type ())
G_DECLARE_FINAL_TYPE (AqmpdMachine, aqmpd_machine, AQMPD, MACHINE, GObject)

AqmpdMachine           *aqmpd_machine_new                   (const gchar          *path,
                                                             const gchar          *name,
                                                             const gchar          *address,
                                                             const gchar          *qga_address,
                                                             const AqmpdPrivileges *privileges,
                                                             guint                 timeout_ms,
                                                             AqmpdAuthority       *authority,
                                                             AqmpJobStore         *store);
const gchar            *aqmpd_machine_get_path              (AqmpdMachine         *self);
const gchar            *aqmpd_machine_get_name              (AqmpdMachine         *self);
AqmpJobRunner          *aqmpd_machine_get_runner            (AqmpdMachine         *self);
GCancellable           *aqmpd_machine_get_cancellable       (AqmpdMachine         *self);
AqmpDBusObjectSkeleton *aqmpd_machine_get_object            (AqmpdMachine         *self);
AqmpDBusMachine        *aqmpd_machine_get_iface             (AqmpdMachine         *self);
gboolean                aqmpd_machine_is_destructive        (const gchar          *command);
gboolean                aqmpd_machine_is_connected          (AqmpdMachine         *self);
gboolean                aqmpd_machine_check_command         (AqmpdMachine         *self,
                                                             gboolean              caller_is_root,
                                                             const gchar          *command,
                                                             JsonObject           *arguments,
                                                             GError              **error);
gboolean                aqmpd_machine_check_write           (AqmpdMachine         *self,
                                                             gboolean              caller_is_root,
                                                             const gchar          *what,
                                                             const gchar          *path,
                                                             gboolean              directory,
                                                             GError              **error);
gboolean                aqmpd_parse_json_object             (const gchar          *text,
                                                             JsonObject          **object,
                                                             GError              **error);
gchar                  *aqmpd_redacted_json                 (JsonObject           *arguments);

void                    aqmpd_machine_connect_async         (AqmpdMachine         *self,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
gboolean                aqmpd_machine_connect_finish        (AqmpdMachine         *self,
                                                             GAsyncResult         *result,
                                                             GError              **error);
void                    aqmpd_machine_get_guest_agent_async (AqmpdMachine         *self,
                                                             AqmpPluginLoader     *loader,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
AqmpClient             *aqmpd_machine_get_guest_agent_finish (AqmpdMachine        *self,
                                                              GAsyncResult        *result,
                                                              GError             **error);
void                    aqmpd_machine_start                 (AqmpdMachine         *self);
void                    aqmpd_machine_close                 (AqmpdMachine         *self);

G_END_DECLS
