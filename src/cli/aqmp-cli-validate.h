/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <aqmp/aqmp-qapi.h>

#include "aqmp-cli.h"

G_BEGIN_DECLS

/*
 * Validation for exec, shell and job start: on by default, --no-validate
 * turns it off, --compat sets the policy for deprecated and unstable
 * parts. After connecting, the server's schema is loaded (from the cache
 * under $XDG_CACHE_HOME/aqmp/schema when it can be) and a validator is
 * attached to the client: a refused call fails with AQMP_ERROR_INVALID,
 * nothing sent, and the tool exits with 2.
 */
struct _AqmpCliValidate {
  gboolean no_validate;
  gchar *compat;
  AqmpCompatPolicy *policy;
  AqmpSchema *schema;         /* once loaded */
};

#define AQMP_CLI_VALIDATE_OPTIONS(v)                                                           \
  { "no-validate", 0, 0, G_OPTION_ARG_NONE, &(v)->no_validate,                                 \
    N_("Send the command without checking it against the server's schema"), NULL },            \
  { "compat", 0, 0, G_OPTION_ARG_STRING, &(v)->compat,                                         \
    N_("What to do with deprecated or unstable commands, members and values: "                 \
       "deprecated=ACTION,unstable=ACTION, ACTION one of allow, warn (the default), refuse"),   \
    N_("POLICY") }

gboolean  aqmp_cli_validate_check_options (AqmpCliValidate      *self);
void      aqmp_cli_validate_start         (AqmpCliValidate      *self,
                                           AqmpClient           *client,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
void      aqmp_cli_validate_finish        (AqmpCliValidate      *self,
                                           AqmpClient           *client,
                                           GAsyncResult         *result);
void      aqmp_cli_validate_use           (AqmpCliValidate      *self,
                                           AqmpClient           *client,
                                           AqmpSchema           *schema);
void      aqmp_cli_validate_clear         (AqmpCliValidate      *self);

AqmpSchema *aqmp_cli_load_schema          (AqmpCliOptions       *options,
                                           const gchar          *where);

G_END_DECLS
