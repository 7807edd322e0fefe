/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <aqmp/aqmp-plugin-loader.h>

#include "aqmp-cli.h"

G_BEGIN_DECLS

/*
 * The commands in the tool's module (aqmp-commands.so): the ones that
 * need the job store (SQLite), backups, the guest agent, plugins or
 * readline. The tool loads the module only when one of them runs, so
 * that a short `aqmp exec` does not pay for loading all of that. The
 * module calls back into the tool's shared code (aqmp-cli.h), which
 * the tool exports.
 */

void      aqmp_cli_report_plugin_failures (AqmpPluginLoader *loader);
void      aqmp_cli_report_plugin_missing (AqmpPluginLoader *loader,
                                   const GError    *error,
                                   const gchar     *hint);

gint      aqmp_cmd_shell          (gint             argc,
                                   gchar          **argv);
gint      aqmp_cmd_job            (gint             argc,
                                   gchar          **argv);
gint      aqmp_cmd_backup         (gint             argc,
                                   gchar          **argv);
gint      aqmp_cmd_ga             (gint             argc,
                                   gchar          **argv);
gint      aqmp_cmd_ga_exec        (gint             argc,
                                   gchar          **argv);
gint      aqmp_cmd_plugins        (gint             argc,
                                   gchar          **argv);
gint      aqmp_cmd_workflow       (gint             argc,
                                   gchar          **argv);

G_END_DECLS
