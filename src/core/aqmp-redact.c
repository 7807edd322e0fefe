/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmp-redact.h"

/*
 * Secrets in QMP and guest agent arguments: passwords of block drivers,
 * VNC and guest users (`guest-set-user-password`), the data of `secret`
 * objects (which may sit in `blockdev-create` options or an `object-add`
 * inside a transaction), LUKS key material, TLS keys, and the contents of
 * files written into a guest (`guest-file-write`'s `buf-b64`). One
 * implementation serves the wire trace of #AqmpClient and the job store.
 */
static const gchar * const aqmp_redact_names[] = {
  "password",
  "new-password",
  "old-password",
  "passphrase",
  "new-secret",
  "old-secret",
  "secret",
  "private-key",
  "token",
  "cookie",
  "key",
  "buf-b64",
  NULL
};

/**
 * aqmp_redact_is_secret_member:
 * @name: a member name
 *
 * Returns whether a member called @name holds a secret.
 *
 * Returns: whether a member called @name holds a secret
 *
 * Since: 0.1
 */
gboolean
aqmp_redact_is_secret_member (const gchar *name)
{
  g_return_val_if_fail (name != NULL, FALSE);

  if (g_strv_contains (aqmp_redact_names, name))
    return TRUE;
  return g_str_has_suffix (name, "-password") || g_str_has_suffix (name, "-passphrase")
         || g_str_has_suffix (name, "-secret-data");
}

static JsonNode *aqmp_redact_node (JsonNode *node);

static gboolean
aqmp_redact_is_secret_object (JsonObject *obj)
{
  const gchar *type = NULL;

  /* `object-add {"qom-type": "secret", "id", "data"}` */
  if (json_object_has_member (obj, "qom-type"))
    type = json_object_get_string_member_with_default (obj, "qom-type", NULL);
  return g_strcmp0 (type, "secret") == 0 || g_strcmp0 (type, "secret_keyring") == 0;
}

static JsonObject *
aqmp_redact_object (JsonObject *obj)
{
  JsonObject *copy = json_object_new ();
  gboolean secret_object = aqmp_redact_is_secret_object (obj);
  JsonObjectIter iter;
  const gchar *name;
  JsonNode *member;

  /* the members keep their order: the copy reads like the original */
  json_object_iter_init_ordered (&iter, obj);
  while (json_object_iter_next_ordered (&iter, &name, &member))
    {
      if (aqmp_redact_is_secret_member (name) || (secret_object && g_strcmp0 (name, "data") == 0))
        json_object_set_string_member (copy, name, AQMP_REDACTED);
      else
        json_object_set_member (copy, name, aqmp_redact_node (member));
    }
  return copy;
}

static JsonNode *
aqmp_redact_node (JsonNode *node)
{
  JsonNode *copy;

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      copy = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (copy, aqmp_redact_object (json_node_get_object (node)));
      return copy;
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      JsonArray *redacted = json_array_sized_new (json_array_get_length (array));
      for (guint i = 0; i < json_array_get_length (array); i++)
        json_array_add_element (redacted, aqmp_redact_node (json_array_get_element (array, i)));
      copy = json_node_new (JSON_NODE_ARRAY);
      json_node_take_array (copy, redacted);
      return copy;
    }
  return json_node_copy (node);
}

/**
 * aqmp_redact_arguments:
 * @arguments: QMP command arguments
 *
 * Copies @arguments with every secret replaced by %AQMP_REDACTED, at any
 * depth: members named as aqmp_redact_is_secret_member() says, and the
 * `data` of `secret` objects.
 *
 * Returns: (transfer full): the redacted copy
 *
 * Since: 0.1
 */
JsonObject *
aqmp_redact_arguments (JsonObject *arguments)
{
  g_return_val_if_fail (arguments != NULL, NULL);
  return aqmp_redact_object (arguments);
}
