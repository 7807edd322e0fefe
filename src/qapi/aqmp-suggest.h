/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_QAPI_H_INSIDE__) && !defined(AQMP_QAPI_COMPILATION)
#error "Only <aqmp/aqmp-qapi.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

guint    aqmp_suggest_distance  (const gchar          *a,
                                 const gchar          *b);
GStrv    aqmp_suggest_nearest   (const gchar          *word,
                                 const gchar * const  *candidates,
                                 gssize                n_candidates,
                                 guint                 max_results);
gchar   *aqmp_suggest_hint      (const gchar          *word,
                                 const gchar * const  *candidates,
                                 gssize                n_candidates);

G_END_DECLS
