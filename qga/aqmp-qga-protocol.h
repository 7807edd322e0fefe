/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_QGA_H_INSIDE__) && !defined(AQMP_QGA_COMPILATION)
#error "Only <aqmp-qga/aqmp-qga.h> can be included directly."
#endif

#include <aqmp/aqmp.h>

G_BEGIN_DECLS

/**
 * AQMP_QGA_DEFAULT_SYNC_TIMEOUT:
 *
 * How long, in milliseconds, a resync waits for the guest agent when
 * neither #AqmpQgaProtocol:sync-timeout nor the client's default timeout
 * is set: 5 s.
 *
 * Since: 0.1
 */
#define AQMP_QGA_DEFAULT_SYNC_TIMEOUT 5000

#define AQMP_TYPE_QGA_PROTOCOL (aqmp_qga_protocol_get_type ())
G_DECLARE_FINAL_TYPE (AqmpQgaProtocol, aqmp_qga_protocol, AQMP, QGA_PROTOCOL, AqmpProtocol)

AqmpProtocol *aqmp_qga_protocol_new              (void);
void          aqmp_qga_protocol_set_sync_timeout (AqmpQgaProtocol *self,
                                                  guint            timeout_ms);
guint         aqmp_qga_protocol_get_sync_timeout (AqmpQgaProtocol *self);
guint         aqmp_qga_protocol_get_n_syncs      (AqmpQgaProtocol *self);

G_END_DECLS
