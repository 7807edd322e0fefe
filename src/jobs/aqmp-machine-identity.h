/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <aqmp/aqmp.h>

#include "aqmp-job-record.h"

G_BEGIN_DECLS

/*
 * AqmpMachineIdentity: how the job runner and the store tell which QEMU a
 * job ran on, whatever address string reached it. Private to the jobs
 * library; the store keeps its parts in the job's row.
 */

/**
 * AqmpMachineMatch:
 * @AQMP_MACHINE_MATCH_UNKNOWN: the two have nothing in common to compare
 * @AQMP_MACHINE_MATCH_SAME: the same QEMU
 * @AQMP_MACHINE_MATCH_DIFFERENT: different QEMUs
 */
typedef enum {
  AQMP_MACHINE_MATCH_UNKNOWN,
  AQMP_MACHINE_MATCH_SAME,
  AQMP_MACHINE_MATCH_DIFFERENT,
} AqmpMachineMatch;

#define AQMP_TYPE_MACHINE_IDENTITY (aqmp_machine_identity_get_type ())
G_DECLARE_FINAL_TYPE (AqmpMachineIdentity, aqmp_machine_identity, AQMP, MACHINE_IDENTITY, GObject)

gchar               *aqmp_machine_address_normalize    (const gchar          *address);

AqmpMachineIdentity *aqmp_machine_identity_new         (const gchar          *address,
                                                        const gchar          *uuid,
                                                        const gchar          *name,
                                                        gint64                pid,
                                                        gint64                pid_start);
AqmpMachineIdentity *aqmp_machine_identity_new_from_record (AqmpJobRecord    *record);
const gchar         *aqmp_machine_identity_get_address (AqmpMachineIdentity  *self);
const gchar         *aqmp_machine_identity_get_uuid    (AqmpMachineIdentity  *self);
const gchar         *aqmp_machine_identity_get_name    (AqmpMachineIdentity  *self);
gint64               aqmp_machine_identity_get_pid     (AqmpMachineIdentity  *self);
gint64               aqmp_machine_identity_get_pid_start (AqmpMachineIdentity *self);
gboolean             aqmp_machine_identity_is_empty    (AqmpMachineIdentity  *self);
AqmpMachineMatch     aqmp_machine_identity_compare     (AqmpMachineIdentity  *a,
                                                        AqmpMachineIdentity  *b);
gboolean             aqmp_machine_identity_process_gone (AqmpMachineIdentity *self);
gchar               *aqmp_machine_identity_describe    (AqmpMachineIdentity  *self);

void                 aqmp_machine_identity_query_async (AqmpClient           *client,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
AqmpMachineIdentity *aqmp_machine_identity_query_finish (GAsyncResult        *result,
                                                         GError             **error);

G_END_DECLS
