/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmp-error.h"
#include "aqmp-server-answers-private.h"

typedef struct {
  AqmpServerHandler func;
  gpointer user_data;
  GDestroyNotify destroy;
} AqmpServerHandlerEntry;

typedef enum {
  AQMP_SERVER_CANNED_RETURN,
  AQMP_SERVER_CANNED_ERROR,
  AQMP_SERVER_CANNED_NO_REPLY,
} AqmpServerCannedKind;

typedef struct {
  AqmpServerCannedKind kind;
  JsonNode *value;
  gchar *qmp_class;
  gchar *desc;
} AqmpServerCanned;

struct _AqmpServerAnswers {
  GHashTable *handlers;     /* command → AqmpServerHandlerEntry, an rc box */
  GHashTable *canned;       /* command → AqmpServerCanned */
};

static void
aqmp_server_handler_entry_clear (gpointer data)
{
  AqmpServerHandlerEntry *entry = data;

  if (entry->destroy != NULL)
    entry->destroy (entry->user_data);
}

static void
aqmp_server_handler_entry_release (gpointer data)
{
  g_rc_box_release_full (data, aqmp_server_handler_entry_clear);
}

static void
aqmp_server_canned_free (gpointer data)
{
  AqmpServerCanned *canned = data;

  g_clear_pointer (&canned->value, json_node_unref);
  g_free (canned->qmp_class);
  g_free (canned->desc);
  g_free (canned);
}

AqmpServerAnswers *
aqmp_server_answers_new (void)
{
  AqmpServerAnswers *self = g_new0 (AqmpServerAnswers, 1);

  self->handlers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          aqmp_server_handler_entry_release);
  self->canned = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        aqmp_server_canned_free);
  return self;
}

void
aqmp_server_answers_free (AqmpServerAnswers *self)
{
  g_hash_table_unref (self->handlers);
  g_hash_table_unref (self->canned);
  g_free (self);
}

/* frees the handlers' data, which may hold the server */
void
aqmp_server_answers_clear_handlers (AqmpServerAnswers *self)
{
  g_hash_table_remove_all (self->handlers);
}

/* a %NULL @handler removes the command's handler and frees @user_data */
void
aqmp_server_answers_set_handler (AqmpServerAnswers *self,
                                 const gchar       *command,
                                 AqmpServerHandler  handler,
                                 gpointer           user_data,
                                 GDestroyNotify     destroy)
{
  AqmpServerHandlerEntry *entry;

  if (handler == NULL)
    {
      g_hash_table_remove (self->handlers, command);
      if (destroy != NULL)
        destroy (user_data);
      return;
    }
  entry = g_rc_box_new0 (AqmpServerHandlerEntry);
  entry->func = handler;
  entry->user_data = user_data;
  entry->destroy = destroy;
  g_hash_table_replace (self->handlers, g_strdup (command), entry);
}

static void
aqmp_server_answers_set_canned (AqmpServerAnswers    *self,
                                const gchar          *command,
                                AqmpServerCannedKind  kind,
                                JsonNode             *value,
                                const gchar          *qmp_class,
                                const gchar          *desc)
{
  AqmpServerCanned *canned = g_new0 (AqmpServerCanned, 1);

  canned->kind = kind;
  canned->value = value;
  canned->qmp_class = g_strdup (qmp_class);
  canned->desc = g_strdup (desc);
  g_hash_table_replace (self->canned, g_strdup (command), canned);
}

/* @value is copied; %NULL answers `{}` */
void
aqmp_server_answers_set_reply (AqmpServerAnswers *self,
                               const gchar       *command,
                               JsonNode          *value)
{
  aqmp_server_answers_set_canned (self, command, AQMP_SERVER_CANNED_RETURN,
                                  value != NULL ? json_node_copy (value)
                                  : aqmp_server_node_take_object (json_object_new ()),
                                  NULL, NULL);
}

void
aqmp_server_answers_set_error (AqmpServerAnswers *self,
                               const gchar       *command,
                               const gchar       *qmp_class,
                               const gchar       *desc)
{
  aqmp_server_answers_set_canned (self, command, AQMP_SERVER_CANNED_ERROR,
                                  NULL, qmp_class, desc);
}

void
aqmp_server_answers_set_no_reply (AqmpServerAnswers *self, const gchar *command)
{
  aqmp_server_answers_set_canned (self, command, AQMP_SERVER_CANNED_NO_REPLY,
                                  NULL, NULL, NULL);
}

static AqmpServerReply *
aqmp_server_answers_call (AqmpServerHandlerEntry *found,
                          AqmpServer             *server,
                          JsonObject             *request)
{
  AqmpServerHandlerEntry *entry = g_rc_box_acquire (found);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;

  /* the handler may replace itself: keep it alive meanwhile */
  value = entry->func (server, request, entry->user_data, &error);
  aqmp_server_handler_entry_release (entry);

  if (error != NULL)
    {
      const gchar *qmp_class = aqmp_error_get_qmp_class (error);
      const gchar *desc = aqmp_error_get_qmp_desc (error);
      return aqmp_server_reply_new_error (qmp_class != NULL ? qmp_class : "GenericError",
                                          desc != NULL ? desc : error->message);
    }
  if (value == NULL)
    return aqmp_server_reply_new_silent ();
  return aqmp_server_reply_new_return (g_steal_pointer (&value));
}

static AqmpServerReply *
aqmp_server_answers_canned (AqmpServerCanned *canned)
{
  switch (canned->kind)
    {
    case AQMP_SERVER_CANNED_RETURN:
      return aqmp_server_reply_new_return (json_node_copy (canned->value));
    case AQMP_SERVER_CANNED_ERROR:
      return aqmp_server_reply_new_error (canned->qmp_class, canned->desc);
    case AQMP_SERVER_CANNED_NO_REPLY:
    default:
      return aqmp_server_reply_new_silent ();
    }
}

/* the handler's answer, else the canned one; %NULL when neither is set */
AqmpServerReply *
aqmp_server_answers_answer (AqmpServerAnswers *self,
                            AqmpServer        *server,
                            const gchar       *command,
                            JsonObject        *request)
{
  AqmpServerHandlerEntry *entry = g_hash_table_lookup (self->handlers, command);
  AqmpServerCanned *canned;

  if (entry != NULL)
    return aqmp_server_answers_call (entry, server, request);
  canned = g_hash_table_lookup (self->canned, command);
  if (canned != NULL)
    return aqmp_server_answers_canned (canned);
  return NULL;
}
