/*
 * aqmp-qapi: QAPI awareness on top of libaqmp: a server's schema from
 * query-qmp-schema, validation before sending, a disk cache, describe and
 * diff
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#define __AQMP_QAPI_H_INSIDE__

#include <aqmp/aqmp.h>

#include "aqmp-qapi-enums.h"
#include "aqmp-qapi-enum-types.h"
#include "aqmp-suggest.h"
#include "aqmp-schema-entry.h"
#include "aqmp-schema.h"
#include "aqmp-compat-policy.h"
#include "aqmp-schema-validator.h"
#include "aqmp-schema-cache.h"
#include "aqmp-schema-loader.h"
#include "aqmp-schema-describe.h"
#include "aqmp-schema-diff.h"

#undef __AQMP_QAPI_H_INSIDE__
