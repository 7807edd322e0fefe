/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "aqmp-test-qemu.h"

G_BEGIN_DECLS

/*
 * aqmpd for tests: a private bus (GTestDBus) and the daemon from the build
 * tree ($AQMPD) as a child process on it, with its job history in a fresh
 * temporary directory. Every wait is bounded; the daemon dies with the
 * test (PR_SET_PDEATHSIG) and is always reaped.
 */
typedef struct {
  GTestDBus *bus;
  GDBusConnection *connection;
  GSubprocess *daemon;
  gboolean exited;
  gchar *dir;
  gchar *database;
  gchar *log;             /* set before aqmp_test_service_start(): the
                           * daemon's stderr (its log) goes to this file */
} AqmpTestService;

#define AQMP_TEST_SERVICE_NAME "io.github.aqmp.Aqmp1"
#define AQMP_TEST_SERVICE_PATH "/io/github/aqmp/Aqmp1"
#define AQMP_TEST_MANAGER_IFACE "io.github.aqmp.Aqmp1.Manager"
#define AQMP_TEST_MACHINE_IFACE "io.github.aqmp.Aqmp1.Machine"
#define AQMP_TEST_JOB_IFACE "io.github.aqmp.Aqmp1.Job"

AqmpTestService *aqmp_test_service_new          (const gchar * const *args);
void             aqmp_test_service_start        (AqmpTestService     *self,
                                                 const gchar * const *args);
void             aqmp_test_service_stop         (AqmpTestService     *self);
void             aqmp_test_service_kill         (AqmpTestService     *self);
void             aqmp_test_service_free         (AqmpTestService     *self);

GVariant        *aqmp_test_service_call         (AqmpTestService     *self,
                                                 const gchar         *path,
                                                 const gchar         *iface,
                                                 const gchar         *method,
                                                 GVariant            *parameters,
                                                 GError             **error);
GVariant        *aqmp_test_service_get          (AqmpTestService     *self,
                                                 const gchar         *path,
                                                 const gchar         *iface,
                                                 const gchar         *property);
gchar           *aqmp_test_service_add_machine  (AqmpTestService     *self,
                                                 const gchar         *name,
                                                 const gchar         *address,
                                                 GVariant            *options);
gchar           *aqmp_test_service_execute      (AqmpTestService     *self,
                                                 const gchar         *machine,
                                                 const gchar         *command,
                                                 const gchar         *arguments,
                                                 GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AqmpTestService, aqmp_test_service_free)

G_END_DECLS
