/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmp-cli-validate.h"

/* --compat is checked before connecting: a bad policy is a usage problem */
gboolean
aqmp_cli_validate_check_options (AqmpCliValidate *self)
{
  g_autoptr(GError) error = NULL;

  self->policy = aqmp_compat_policy_new ();
  if (self->compat == NULL)
    return TRUE;
  if (self->no_validate)
    {
      aqmp_cli_error (_("--compat and --no-validate cannot be used together"));
      return FALSE;
    }
  if (!aqmp_compat_policy_parse (self->policy, self->compat, &error))
    {
      aqmp_cli_error ("--compat: %s", error->message);
      return FALSE;
    }
  return TRUE;
}

static void
aqmp_cli_validate_warning_cb (AqmpSchemaValidator *validator, const gchar *command, const gchar *message,
                              gpointer user_data)
{
  aqmp_cli_warning ("%s", message);
}

/* check every call to @client against @schema from now on */
void
aqmp_cli_validate_use (AqmpCliValidate *self, AqmpClient *client, AqmpSchema *schema)
{
  g_autoptr(AqmpSchemaValidator) validator = aqmp_schema_validator_new (schema);

  aqmp_schema_validator_set_policy (validator, self->policy);
  g_signal_connect (validator, "warning", G_CALLBACK (aqmp_cli_validate_warning_cb), NULL);
  aqmp_schema_validator_attach (validator, client);
}

/*
 * Loads the schema and attaches the validator, then calls @callback
 * (finish with aqmp_cli_validate_finish()). With --no-validate it calls
 * back at once. A schema that cannot be loaded is a warning: the command
 * goes unchecked, as QEMU will check it anyway.
 */
void
aqmp_cli_validate_start (AqmpCliValidate *self, AqmpClient *client, GAsyncReadyCallback callback,
                         gpointer user_data)
{
  g_autoptr(AqmpSchemaCache) cache = NULL;
  g_autoptr(GTask) task = NULL;

  if (self->no_validate)
    {
      task = g_task_new (client, NULL, callback, user_data);
      g_task_return_boolean (task, TRUE);
      return;
    }
  cache = aqmp_schema_cache_new (NULL);
  aqmp_schema_load_async (client, cache, NULL, callback, user_data);
}

void
aqmp_cli_validate_finish (AqmpCliValidate *self, AqmpClient *client, GAsyncResult *result)
{
  g_autoptr(GError) error = NULL;

  if (self->no_validate)
    return;
  self->schema = aqmp_schema_load_finish (client, result, &error);
  if (self->schema == NULL)
    {
      /* TRANSLATORS: the server's schema could not be read; %s says why */
      aqmp_cli_warning (_("not validating: cannot read the server's schema: %s"), error->message);
      return;
    }
  aqmp_cli_validate_use (self, client, self->schema);
}

void
aqmp_cli_validate_clear (AqmpCliValidate *self)
{
  g_clear_object (&self->policy);
  g_clear_object (&self->schema);
  g_clear_pointer (&self->compat, g_free);
}

/*
 * The schema behind an address, or in a file `aqmp schema dump` wrote
 * (a regular file; a socket is an address): for describe and diff.
 * Reports its own errors.
 */
AqmpSchema *
aqmp_cli_load_schema (AqmpCliOptions *options, const gchar *where)
{
  g_autoptr(AqmpClient) client = NULL;
  g_autoptr(AqmpSchemaCache) cache = NULL;
  g_autoptr(GError) error = NULL;
  AqmpSchema *schema;

  if (g_file_test (where, G_FILE_TEST_IS_REGULAR))
    {
      schema = aqmp_schema_new_from_file (where, &error);
      if (schema == NULL)
        aqmp_cli_error ("%s", error->message);
      return schema;
    }
  client = aqmp_client_new ();
  aqmp_cli_setup (options, client);
  if (!aqmp_cli_connect_sync (client, where))
    return NULL;
  cache = aqmp_schema_cache_new (NULL);
  schema = aqmp_schema_load_sync (client, cache, NULL, &error);
  if (schema == NULL)
    /* TRANSLATORS: %s is the address, the second %s why its schema could not be read */
    aqmp_cli_error (_("cannot read the schema of %s: %s"), where, error->message);
  aqmp_client_disconnect_sync (client, NULL, NULL);
  return schema;
}
