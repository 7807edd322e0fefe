/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <aqmp/aqmp-qapi.h>

#include "aqmpd-schema.h"

/* the schema whose validator is attached to a client */
static GQuark
aqmpd_schema_quark (void)
{
  static GQuark quark;

  if (G_UNLIKELY (quark == 0))
    quark = g_quark_from_static_string ("aqmpd-validated-schema");
  return quark;
}

static void
aqmpd_schema_loaded_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  AqmpClient *client = AQMP_CLIENT (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpSchema) schema = aqmp_schema_load_finish (client, res, &error);
  g_autoptr(AqmpSchemaValidator) validator = NULL;

  if (schema == NULL)
    {
      g_warning ("not validating calls: cannot read the machine's schema: %s", error->message);
      g_task_return_boolean (task, TRUE);
      return;
    }
  /* a new connection's schema: a new validator */
  if (g_object_get_qdata (G_OBJECT (client), aqmpd_schema_quark ()) != schema)
    {
      validator = aqmp_schema_validator_new (schema);
      aqmp_schema_validator_attach (validator, client);
      g_object_set_qdata_full (G_OBJECT (client), aqmpd_schema_quark (), g_object_ref (schema), g_object_unref);
    }
  g_task_return_boolean (task, TRUE);
}

void
aqmpd_schema_ensure_async (AqmpClient *client, GCancellable *cancellable, GAsyncReadyCallback callback,
                           gpointer user_data)
{
  GTask *task = g_task_new (client, cancellable, callback, user_data);
  g_autoptr(AqmpSchemaCache) cache = aqmp_schema_cache_new (NULL);

  aqmp_schema_load_async (client, cache, cancellable, aqmpd_schema_loaded_cb, task);
}

void
aqmpd_schema_ensure_finish (AqmpClient *client, GAsyncResult *result)
{
  g_task_propagate_boolean (G_TASK (result), NULL);
}
