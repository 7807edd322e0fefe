/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_QAPI_H_INSIDE__) && !defined(AQMP_QAPI_COMPILATION)
#error "Only <aqmp/aqmp-qapi.h> can be included directly."
#endif

#include <glib-object.h>

#include "aqmp-qapi-enums.h"

G_BEGIN_DECLS

#define AQMP_TYPE_COMPAT_POLICY (aqmp_compat_policy_get_type ())
G_DECLARE_FINAL_TYPE (AqmpCompatPolicy, aqmp_compat_policy, AQMP, COMPAT_POLICY, GObject)

AqmpCompatPolicy *aqmp_compat_policy_new            (void);
AqmpCompatAction  aqmp_compat_policy_get_deprecated (AqmpCompatPolicy     *self);
void              aqmp_compat_policy_set_deprecated (AqmpCompatPolicy     *self,
                                                     AqmpCompatAction      action);
AqmpCompatAction  aqmp_compat_policy_get_unstable   (AqmpCompatPolicy     *self);
void              aqmp_compat_policy_set_unstable   (AqmpCompatPolicy     *self,
                                                     AqmpCompatAction      action);
gboolean          aqmp_compat_policy_parse          (AqmpCompatPolicy     *self,
                                                     const gchar          *text,
                                                     GError              **error);
gchar            *aqmp_compat_policy_to_string      (AqmpCompatPolicy     *self);
AqmpCompatAction  aqmp_compat_policy_decide         (AqmpCompatPolicy     *self,
                                                     const gchar * const  *features,
                                                     const gchar         **feature);

G_END_DECLS
