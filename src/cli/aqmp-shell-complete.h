/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <aqmp/aqmp-qapi.h>

G_BEGIN_DECLS

/*
 * The shell's tab completion, read from the server's AqmpSchema (the
 * QAPI library's, the one schema reader of the project): command names,
 * argument names (nested with dots, union members by the tag already
 * typed), enum values and booleans, transaction actions.
 */

GPtrArray  *aqmp_shell_complete_command          (AqmpSchema  *schema,
                                                  const gchar *prefix);
GPtrArray  *aqmp_shell_complete_argument         (AqmpSchema  *schema,
                                                  const gchar *command,
                                                  JsonObject  *given,
                                                  const gchar *word);
GPtrArray  *aqmp_shell_complete_action           (AqmpSchema  *schema,
                                                  const gchar *prefix);
GPtrArray  *aqmp_shell_complete_action_argument  (AqmpSchema  *schema,
                                                  const gchar *action,
                                                  JsonObject  *given,
                                                  const gchar *word);

G_END_DECLS
