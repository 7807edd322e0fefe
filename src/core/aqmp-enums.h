/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_H_INSIDE__) && !defined(AQMP_COMPILATION)
#error "Only <aqmp/aqmp.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/**
 * AqmpState:
 * @AQMP_STATE_IDLE: not connected; a new connection may be started
 * @AQMP_STATE_CONNECTING: the transport is up, or being set up, and the
 *   greeting and capability negotiation are in progress
 * @AQMP_STATE_RUNNING: negotiated; commands may be executed
 * @AQMP_STATE_DISCONNECTING: the connection is being torn down; every
 *   pending call has failed or is failing
 *
 * The life cycle of an #AqmpClient's connection.
 *
 * Since: 0.1
 */
typedef enum {
  AQMP_STATE_IDLE,
  AQMP_STATE_CONNECTING,
  AQMP_STATE_RUNNING,
  AQMP_STATE_DISCONNECTING,
} AqmpState;

/**
 * AqmpExecuteFlags:
 * @AQMP_EXECUTE_FLAGS_NONE: an ordinary in-band command
 * @AQMP_EXECUTE_FLAGS_OOB: send as `exec-oob`; refused with
 *   %AQMP_ERROR_STATE unless out-of-band execution was negotiated
 * @AQMP_EXECUTE_FLAGS_NO_REPLY: the peer sends no reply on success (as for
 *   the guest agent's `guest-shutdown`); the call completes, with a JSON
 *   null, when no error reply came within #AqmpClient:no-reply-grace of
 *   the command being written
 * @AQMP_EXECUTE_FLAGS_HANDSHAKE: for protocol implementations: part of
 *   making the connection ready, so sent before other commands may go
 *
 * Flags for aqmp_client_execute_full_async().
 *
 * Since: 0.1
 */
typedef enum /*< flags >*/ {
  AQMP_EXECUTE_FLAGS_NONE = 0,
  AQMP_EXECUTE_FLAGS_OOB = 1 << 0,
  AQMP_EXECUTE_FLAGS_NO_REPLY = 1 << 1,
  AQMP_EXECUTE_FLAGS_HANDSHAKE = 1 << 2,
} AqmpExecuteFlags;

G_END_DECLS
