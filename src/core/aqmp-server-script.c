/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmp-error.h"
#include "aqmp-json-private.h"
#include "aqmp-server-script-private.h"

typedef struct {
  gchar *command;
  JsonObject *arguments;    /* nullable: any arguments */
  JsonNode *value;          /* nullable: an error reply */
  gchar *qmp_class;
  gchar *desc;
} AqmpServerExpectation;

struct _AqmpServerScript {
  GQueue expectations;      /* AqmpServerExpectation */
  gboolean expecting;       /* an expectation was ever queued */
  gboolean strict;
  GPtrArray *failures;      /* gchar */
};

static void
aqmp_server_expectation_free (AqmpServerExpectation *exp)
{
  g_free (exp->command);
  g_clear_pointer (&exp->arguments, json_object_unref);
  g_clear_pointer (&exp->value, json_node_unref);
  g_free (exp->qmp_class);
  g_free (exp->desc);
  g_free (exp);
}

AqmpServerScript *
aqmp_server_script_new (void)
{
  AqmpServerScript *self = g_new0 (AqmpServerScript, 1);

  g_queue_init (&self->expectations);
  self->failures = g_ptr_array_new_with_free_func (g_free);
  return self;
}

void
aqmp_server_script_free (AqmpServerScript *self)
{
  g_queue_clear_full (&self->expectations, (GDestroyNotify) aqmp_server_expectation_free);
  g_ptr_array_unref (self->failures);
  g_free (self);
}

static void
aqmp_server_script_push (AqmpServerScript      *self,
                         AqmpServerExpectation *exp,
                         const gchar           *command,
                         JsonObject            *arguments)
{
  exp->command = g_strdup (command);
  exp->arguments = arguments != NULL ? json_object_ref (arguments) : NULL;
  g_queue_push_tail (&self->expectations, exp);
  self->expecting = TRUE;
}

/* @value is copied; %NULL answers `{}` */
void
aqmp_server_script_expect (AqmpServerScript *self,
                           const gchar      *command,
                           JsonObject       *arguments,
                           JsonNode         *value)
{
  AqmpServerExpectation *exp = g_new0 (AqmpServerExpectation, 1);

  exp->value = value != NULL ? json_node_copy (value)
                             : aqmp_server_node_take_object (json_object_new ());
  aqmp_server_script_push (self, exp, command, arguments);
}

void
aqmp_server_script_expect_error (AqmpServerScript *self,
                                 const gchar      *command,
                                 JsonObject       *arguments,
                                 const gchar      *qmp_class,
                                 const gchar      *desc)
{
  AqmpServerExpectation *exp = g_new0 (AqmpServerExpectation, 1);

  exp->qmp_class = g_strdup (qmp_class);
  exp->desc = g_strdup (desc);
  aqmp_server_script_push (self, exp, command, arguments);
}

/* in strict mode every command must be expected, even with none queued */
void
aqmp_server_script_set_strict (AqmpServerScript *self, gboolean strict)
{
  self->strict = strict;
}

static AqmpServerReply *
aqmp_server_script_fail (AqmpServerScript *self, gchar *failure)
{
  g_debug ("%s", failure);
  g_ptr_array_add (self->failures, failure);
  return aqmp_server_reply_new_error ("GenericError", "unexpected command");
}

/* %NULL when expectations do not apply to this command */
AqmpServerReply *
aqmp_server_script_answer (AqmpServerScript *self,
                           const gchar      *command,
                           JsonObject       *arguments)
{
  AqmpServerExpectation *exp = g_queue_peek_head (&self->expectations);
  g_autoptr(JsonObject) empty = NULL;
  g_autofree gchar *got = NULL;
  g_autofree gchar *wanted = NULL;
  AqmpServerReply *reply;

  if (!self->expecting && !self->strict)
    return NULL;
  if (g_strcmp0 (command, "qmp_capabilities") == 0
      && (exp == NULL || g_strcmp0 (exp->command, command) != 0))
    return NULL;
  if (exp == NULL)
    return aqmp_server_script_fail (self,
        g_strdup_printf ("unexpected command '%s' (no more commands expected)", command));
  if (g_strcmp0 (exp->command, command) != 0)
    return aqmp_server_script_fail (self,
        g_strdup_printf ("unexpected command '%s' (expected '%s')", command, exp->command));
  if (arguments == NULL)
    arguments = empty = json_object_new ();
  if (exp->arguments != NULL && !aqmp_json_object_contains (arguments, exp->arguments))
    {
      got = aqmp_json_object_to_string (arguments);
      wanted = aqmp_json_object_to_string (exp->arguments);
      return aqmp_server_script_fail (self,
          g_strdup_printf ("unexpected arguments for command '%s': %s (expected %s)",
                           command, got, wanted));
    }

  g_queue_pop_head (&self->expectations);
  if (exp->value != NULL)
    reply = aqmp_server_reply_new_return (json_node_copy (exp->value));
  else
    reply = aqmp_server_reply_new_error (exp->qmp_class, exp->desc);
  aqmp_server_expectation_free (exp);
  return reply;
}

/* every mismatch so far, then every expectation never met */
gboolean
aqmp_server_script_verify (AqmpServerScript *self, GError **error)
{
  g_autoptr(GString) str = g_string_new (NULL);
  guint n = self->failures->len;

  for (guint i = 0; i < self->failures->len; i++)
    g_string_append_printf (str, "; %s", (const gchar *) g_ptr_array_index (self->failures, i));
  for (GList *l = self->expectations.head; l != NULL; l = l->next)
    {
      AqmpServerExpectation *exp = l->data;
      g_string_append_printf (str, "; expected command '%s' was never received", exp->command);
      n++;
    }
  if (n == 0)
    return TRUE;
  g_set_error (error, AQMP_ERROR, AQMP_ERROR_FAILED,
               "%u expectation failure%s: %s", n, n == 1 ? "" : "s", str->str + 2);
  return FALSE;
}
