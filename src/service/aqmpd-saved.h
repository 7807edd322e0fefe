/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * The machines AddMachine added, kept across restarts as libvirt keeps
 * persistent domains: one text file of GVariant a(ssa{sv}) (name, QMP
 * address, AddMachine's options), next to the job history, written whole
 * and atomically on each AddMachine and RemoveMachine.
 */

#define AQMPD_SAVED_TYPE "a(ssa{sv})"

gchar    *aqmpd_saved_path  (const gchar  *database);
GVariant *aqmpd_saved_read  (const gchar  *path,
                             GError      **error);
gboolean  aqmpd_saved_write (const gchar  *path,
                             GVariant     *machines,
                             GError      **error);

G_END_DECLS
