/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "aqmp-client.h"

G_BEGIN_DECLS

void aqmp_client_send_held (AqmpClient *self);

G_END_DECLS
