/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_QAPI_H_INSIDE__) && !defined(AQMP_QAPI_COMPILATION)
#error "Only <aqmp/aqmp-qapi.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/**
 * AqmpSchemaKind:
 * @AQMP_SCHEMA_KIND_BUILTIN: a JSON type such as `str`, `int`, `bool`,
 *   `number`, `null` or `any` (and `int8` ... `uint64`, `size` where a
 *   schema names them; QEMU's introspection folds every integer into `int`)
 * @AQMP_SCHEMA_KIND_ENUM: a string from a list of values
 * @AQMP_SCHEMA_KIND_ARRAY: a JSON array of one element type
 * @AQMP_SCHEMA_KIND_OBJECT: a JSON object with members, and for a flat
 *   union a tag member whose value selects the variant's further members
 * @AQMP_SCHEMA_KIND_ALTERNATE: one of several types, told apart by JSON type
 * @AQMP_SCHEMA_KIND_COMMAND: a command, with its argument and return types
 * @AQMP_SCHEMA_KIND_EVENT: an event, with its data type
 *
 * The kinds of entry in a schema, as `query-qmp-schema`'s `meta-type`.
 *
 * Since: 0.1
 */
typedef enum {
  AQMP_SCHEMA_KIND_BUILTIN,
  AQMP_SCHEMA_KIND_ENUM,
  AQMP_SCHEMA_KIND_ARRAY,
  AQMP_SCHEMA_KIND_OBJECT,
  AQMP_SCHEMA_KIND_ALTERNATE,
  AQMP_SCHEMA_KIND_COMMAND,
  AQMP_SCHEMA_KIND_EVENT,
} AqmpSchemaKind;

/**
 * AqmpCompatAction:
 * @AQMP_COMPAT_ALLOW: use it without a word
 * @AQMP_COMPAT_WARN: use it, and warn (the default)
 * @AQMP_COMPAT_REFUSE: refuse the call before sending
 *
 * What an #AqmpCompatPolicy does with a command, member or enum value that
 * has the `deprecated` or the `unstable` feature, like QEMU's own
 * `-compat deprecated-input=...`.
 *
 * Since: 0.1
 */
typedef enum {
  AQMP_COMPAT_ALLOW,
  AQMP_COMPAT_WARN,
  AQMP_COMPAT_REFUSE,
} AqmpCompatAction;

G_END_DECLS
