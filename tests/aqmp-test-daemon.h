/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "aqmp-test-qemu.h"

G_BEGIN_DECLS

/*
 * aqmpd with its log in a file, on any bus; a private dbus-daemon set up
 * like the system bus (deny by default, the shipped policy included); test
 * users; and gdbus run as one of them with runuser. Every wait is bounded,
 * every process dies with the test (PR_SET_PDEATHSIG) and is reaped.
 */
typedef struct {
  GSubprocess *process;
  gboolean exited;
  gchar *log_path;
} AqmpTestDaemon;

typedef struct {
  GSubprocess *process;
  gboolean exited;
  gchar *dir;
  gchar *address;
} AqmpTestSystemBus;

/* the group of the shipped bus policy and unit, and the test users */
#define AQMP_TEST_GROUP "aqmp"
#define AQMP_TEST_MEMBER "aqmp-test-member"
#define AQMP_TEST_OUTSIDER "aqmp-test-outsider"

AqmpTestDaemon    *aqmp_test_daemon_start      (const gchar * const *argv,
                                                const gchar * const *env,
                                                const gchar         *log_path,
                                                GDBusConnection     *watch);
void               aqmp_test_daemon_free       (AqmpTestDaemon      *self);
gchar             *aqmp_test_daemon_log        (AqmpTestDaemon      *self);
guint              aqmp_test_count_lines       (const gchar         *text,
                                                const gchar         *needle);

AqmpTestSystemBus *aqmp_test_system_bus_new    (const gchar         *policy);
void               aqmp_test_system_bus_free   (AqmpTestSystemBus   *self);
GDBusConnection   *aqmp_test_system_bus_connect (AqmpTestSystemBus  *self);

gboolean           aqmp_test_can_make_users    (void);
void               aqmp_test_ensure_users      (void);
gboolean           aqmp_test_gdbus_as          (const gchar         *user,
                                                const gchar         *address,
                                                const gchar         *path,
                                                const gchar         *method,
                                                const gchar * const *args,
                                                gchar              **out,
                                                gchar              **err);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AqmpTestDaemon, aqmp_test_daemon_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AqmpTestSystemBus, aqmp_test_system_bus_free)

G_END_DECLS
