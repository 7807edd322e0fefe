/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <aqmp/aqmp.h>
#include <aqmp/aqmp-plugin-loader.h>
#include <aqmp/aqmp-jobs.h>

#include "aqmpd-authority.h"

G_BEGIN_DECLS

#define AQMPD_BUS_NAME "io.github.aqmp.Aqmp1"
#define AQMPD_OBJECT_PATH "/io/github/aqmp/Aqmp1"

/* how long a finished job's object stays on the bus by default */
#define AQMPD_DEFAULT_JOB_LINGER_S 300

#define AQMPD_TYPE_MANAGER (aqmpd_manager_get_type ())
G_DECLARE_FINAL_TYPE (AqmpdManager, aqmpd_manager, AQMPD, MANAGER, GObject)

AqmpdManager *aqmpd_manager_new      (GDBusConnection   *connection,
                                      AqmpdAuthority    *authority,
                                      AqmpJobStore      *store,
                                      AqmpPluginLoader  *loader,
                                      guint              job_linger_s);
gboolean      aqmpd_manager_export   (AqmpdManager      *self,
                                      GError           **error);
gboolean      aqmpd_manager_add_configured (AqmpdManager  *self,
                                            const gchar   *spec,
                                            GError       **error);
gboolean      aqmpd_manager_restore  (AqmpdManager      *self,
                                      const gchar       *path,
                                      GError           **error);
void          aqmpd_manager_shutdown (AqmpdManager      *self);

G_END_DECLS
