/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <aqmp/aqmp.h>

G_BEGIN_DECLS

/*
 * A real QEMU for tests: `-machine none`, QMP on a Unix socket in a fresh
 * temporary directory. Every wait is bounded, and the process is always
 * killed and reaped by aqmp_test_qemu_free().
 */
typedef struct {
  GSubprocess *process;
  gchar *dir;
  gchar *socket_path;
  gchar *address;        /* unix:PATH */
  gboolean exited;       /* reaped */
} AqmpTestQemu;

#define AQMP_TEST_WAIT_MS 10000

AqmpTestQemu *aqmp_test_qemu_new          (const gchar * const *extra_args);
void          aqmp_test_qemu_settle_monitor (AqmpTestQemu *self, const gchar *path);
AqmpTestQemu *aqmp_test_qemu_new_two_monitors (gchar   **dir,
                                               gchar   **second_address);
AqmpTestQemu *aqmp_test_qemu_new_two_monitors_quiet (gchar **dir,
                                                     gchar **second_address);
AqmpTestQemu *aqmp_test_qemu_spawn        (gchar               *dir,
                                           const gchar * const *argv,
                                           const gchar         *wait_for_socket);
void          aqmp_test_qemu_free         (AqmpTestQemu        *self);
void          aqmp_test_qemu_wait_for_socket (AqmpTestQemu   *self,
                                              const gchar    *path);
void          aqmp_test_qemu_kill         (AqmpTestQemu        *self);
gchar        *aqmp_test_qemu_path         (AqmpTestQemu        *self,
                                           const gchar         *name);
gchar        *aqmp_test_make_dir          (void);
const gchar * const *aqmp_test_harness_environ (void);
void          aqmp_test_remove_dir        (const gchar         *dir);

typedef gboolean (*AqmpTestCondition) (gpointer user_data);
gboolean      aqmp_test_wait_until        (AqmpTestCondition    condition,
                                           gpointer             user_data,
                                           guint                timeout_ms);
gboolean      aqmp_test_wait_until_polling (AqmpTestCondition   condition,
                                            gpointer            user_data,
                                            guint               interval_ms,
                                            guint               timeout_ms);
gboolean      aqmp_test_wait_for_flag     (gboolean            *flag,
                                           guint                timeout_ms);
gboolean      aqmp_test_wait_for_pointer  (gpointer            *pointer,
                                           guint                timeout_ms);
AqmpClient   *aqmp_test_connect           (const gchar         *address);
gchar        *aqmp_test_tcp_chardev_address (AqmpClient        *client,
                                             const gchar       *label,
                                             const gchar       *scheme);

/* the outcome of one async execute, for a test to wait on */
typedef struct {
  JsonNode *value;
  GError *error;
  gboolean done;
} AqmpTestCall;

void          aqmp_test_call_clear        (AqmpTestCall        *call);
void          aqmp_test_execute_cb        (GObject             *source,
                                           GAsyncResult        *result,
                                           gpointer             user_data);
JsonObject   *aqmp_test_object_from_json  (const gchar         *text);
JsonNode     *aqmp_test_empty_object      (void);
JsonNode     *aqmp_test_fixture_json      (const gchar         *name);
void          aqmp_test_qmp_ok            (AqmpClient          *client,
                                           const gchar         *command,
                                           const gchar         *json);
void          aqmp_test_qemu_io           (AqmpClient          *client,
                                           const gchar         *node,
                                           const gchar         *command);
gint          aqmp_test_spawn_status      (const gchar * const *argv,
                                           gchar              **out);
gchar        *aqmp_test_copy_image        (AqmpClient          *client,
                                           const gchar         *node,
                                           const gchar         *image,
                                           const gchar         *dir,
                                           guint               *copies);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AqmpTestQemu, aqmp_test_qemu_free)

G_END_DECLS
