/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libaqmp-qapi with the guest agent, which has no query-qmp-schema: the
 * schema is guest-info's list of enabled commands, names only. Against
 * the fake agent, which records what it receives, since a disabled
 * command is not something a real qemu-ga can be asked to have on demand.
 */
#include <aqmp/aqmp-qapi.h>
#include <aqmp-qga/aqmp-qga.h>

#include "aqmp-test-fake-agent.h"
#include "aqmp-test-qemu.h"

typedef struct {
  AqmpTestFakeAgent *agent;
  AqmpProtocol *protocol;
  AqmpClient *client;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->agent = aqmp_test_fake_agent_new ();
  f->agent->disabled = g_strsplit ("guest-get-osinfo", ",", -1);
  f->protocol = aqmp_qga_protocol_new ();
  f->client = aqmp_test_fake_agent_connect (f->agent, f->protocol);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  aqmp_client_disconnect_sync (f->client, NULL, NULL);
  g_clear_object (&f->client);
  g_clear_object (&f->protocol);
  aqmp_test_fake_agent_free (f->agent);
}

static gboolean
received (Fixture *f, const gchar *command)
{
  return g_ptr_array_find_with_equal_func (f->agent->received, command, g_str_equal, NULL);
}

static void
test_names_only (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AqmpSchema) schema = aqmp_schema_load_sync (f->client, NULL, NULL, &error);
  g_autoptr(AqmpSchemaValidator) validator = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(JsonNode) unchecked = NULL;

  g_assert_no_error (error);
  g_assert_false (aqmp_schema_is_complete (schema));
  g_assert_true (received (f, "guest-info"));
  g_assert_nonnull (aqmp_schema_lookup_command (schema, "guest-ping"));
  /* a disabled command is not in it */
  g_assert_null (aqmp_schema_lookup_command (schema, "guest-get-osinfo"));

  validator = aqmp_schema_validator_new (schema);
  aqmp_schema_validator_attach (validator, f->client);
  value = aqmp_client_execute_sync (f->client, "guest-get-osinfo", NULL, NULL, &error);
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "unknown command 'guest-get-osinfo'");
  g_assert_false (received (f, "guest-get-osinfo"));
  g_clear_error (&error);
  value = aqmp_client_execute_sync (f->client, "guest-pign", NULL, NULL, &error);
  g_assert_error (error, AQMP_ERROR, AQMP_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "unknown command 'guest-pign'; did you mean 'guest-ping'?");
  g_clear_error (&error);
  /* names only: the arguments are the agent's to check */
  value = aqmp_client_execute_sync (f->client, "guest-ping", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (received (f, "guest-ping"));

  /* once per connection: asked again, the same schema, no second guest-info */
  g_ptr_array_set_size (f->agent->received, 0);
  {
    g_autoptr(AqmpSchema) again = aqmp_schema_load_sync (f->client, NULL, NULL, &error);

    g_assert_true (again == schema);
    g_assert_false (received (f, "guest-info"));
  }

  /* unchecked, the agent gets it */
  aqmp_schema_validator_detach (f->client);
  unchecked = aqmp_client_execute_sync (f->client, "guest-get-osinfo", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (received (f, "guest-get-osinfo"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/qapi-agent/names-only", Fixture, NULL, fixture_setup, test_names_only, fixture_teardown);
  return g_test_run ();
}
