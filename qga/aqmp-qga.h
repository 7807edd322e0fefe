/*
 * aqmp-qga: the QEMU guest agent for aqmp
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#define __AQMP_QGA_H_INSIDE__

#include <aqmp/aqmp.h>

#include "aqmp-qga-protocol.h"
#include "aqmp-guest-exec-result.h"
#include "aqmp-guest-agent.h"
#include "aqmp-guest-freeze.h"

#undef __AQMP_QGA_H_INSIDE__
