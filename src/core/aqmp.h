/*
 * aqmp: an asynchronous QMP client library for GLib
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#define __AQMP_H_INSIDE__

#include "aqmp-version.h"
#include "aqmp-enums.h"
#include "aqmp-enum-types.h"
#include "aqmp-error.h"
#include "aqmp-event.h"
#include "aqmp-json.h"
#include "aqmp-event-waiter.h"
#include "aqmp-protocol.h"
#include "aqmp-redact.h"
#include "aqmp-client.h"
#include "aqmp-client-check.h"
#include "aqmp-server.h"

#undef __AQMP_H_INSIDE__
