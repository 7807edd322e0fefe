/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "aqmp-guest-freeze.h"

/**
 * AqmpGuestFreeze:
 *
 * A guard over the guest's filesystem freeze (`guest-fsfreeze-freeze` and
 * `guest-fsfreeze-thaw` through an #AqmpGuestAgent) that never leaves the
 * guest frozen:
 *
 * - a freeze that fails may still have frozen some filesystems, so
 *   aqmp_guest_freeze_freeze_async() thaws before it reports the failure
 *   (a failed thaw is added to the error);
 * - a freeze whose caller cancelled meanwhile is thawed before it
 *   completes with %G_IO_ERROR_CANCELLED;
 * - once frozen, the caller thaws with aqmp_guest_freeze_thaw_async(),
 *   which is not cancellable (it must reach the guest);
 * - a guard dropped while frozen sends the thaw itself, and warns: that is
 *   a bug of its owner.
 *
 * Neither command is cancelled on the wire: whether the guest is frozen
 * must be known to thaw it. Backups use it around the start of their jobs
 * (the `consistent-backup` workflow, libaqmp-backup), so that the guest
 * is frozen only until the jobs' point in time is fixed.
 *
 * Since: 0.1
 */

typedef enum {
  FREEZE_STATE_IDLE,
  FREEZE_STATE_FREEZING,
  FREEZE_STATE_FROZEN,
  FREEZE_STATE_THAWING,
} FreezeState;

struct _AqmpGuestFreeze {
  GObject parent_instance;
  AqmpGuestAgent *agent;
  FreezeState state;
  gint64 freeze_sent;        /* monotonic */
  gint64 frozen_ms;
};

enum {
  PROP_0,
  PROP_AGENT,
  PROP_FROZEN,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

G_DEFINE_FINAL_TYPE (AqmpGuestFreeze, aqmp_guest_freeze, G_TYPE_OBJECT)

static void
aqmp_guest_freeze_set_state (AqmpGuestFreeze *self, FreezeState state)
{
  gboolean was = aqmp_guest_freeze_is_frozen (self);

  self->state = state;
  if (was != aqmp_guest_freeze_is_frozen (self))
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_FROZEN]);
}

/* ----- thawing ----- */

/* the thaw's own words, whatever the freeze's outcome was */
static GError *
aqmp_guest_freeze_thaw_error (const GError *error)
{
  return g_error_new (error->domain, error->code, "the guest's filesystems could not be thawed: %s",
                      error->message);
}

static void
aqmp_guest_freeze_thawed_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  AqmpGuestFreeze *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_finish (AQMP_CLIENT (source), res, &error);

  self->frozen_ms = (g_get_monotonic_time () - self->freeze_sent) / 1000;
  aqmp_guest_freeze_set_state (self, FREEZE_STATE_IDLE);
  if (value == NULL)
    {
      g_task_return_error (task, aqmp_guest_freeze_thaw_error (error));
      return;
    }
  g_debug ("thawed after %" G_GINT64_FORMAT " ms", self->frozen_ms);
  g_task_return_boolean (task, TRUE);
}

static void
aqmp_guest_freeze_send_thaw (AqmpGuestFreeze *self, GTask *task)
{
  aqmp_guest_freeze_set_state (self, FREEZE_STATE_THAWING);
  /* not cancellable: this must reach the guest */
  aqmp_client_execute_async (aqmp_guest_agent_get_client (self->agent), "guest-fsfreeze-thaw", NULL, NULL,
                             aqmp_guest_freeze_thawed_cb, task);
}

/**
 * aqmp_guest_freeze_thaw_async:
 * @self: an #AqmpGuestFreeze
 * @callback: (scope async): called once the guest answered
 * @user_data: data for @callback
 *
 * Thaws the guest's filesystems. Without a freeze in effect there is
 * nothing to thaw, and this completes at once. Not cancellable.
 *
 * Since: 0.1
 */
void
aqmp_guest_freeze_thaw_async (AqmpGuestFreeze *self, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (AQMP_IS_GUEST_FREEZE (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, aqmp_guest_freeze_thaw_async);
  if (self->state == FREEZE_STATE_FREEZING || self->state == FREEZE_STATE_THAWING)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               "a freeze or a thaw of the guest's filesystems is still on its way");
      return;
    }
  if (self->state != FREEZE_STATE_FROZEN)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  aqmp_guest_freeze_send_thaw (self, g_steal_pointer (&task));
}

/**
 * aqmp_guest_freeze_thaw_finish:
 * @self: an #AqmpGuestFreeze
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes aqmp_guest_freeze_thaw_async().
 *
 * Returns: %TRUE when the guest is thawed (or was not frozen); %FALSE with
 *   @error set, saying that the thaw failed and why
 *
 * Since: 0.1
 */
gboolean
aqmp_guest_freeze_thaw_finish (AqmpGuestFreeze *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (AQMP_IS_GUEST_FREEZE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == aqmp_guest_freeze_thaw_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
aqmp_guest_freeze_sync_thaw (gpointer data, GAsyncReadyCallback callback, gpointer user_data)
{
  aqmp_guest_freeze_thaw_async (data, callback, user_data);
}

/**
 * aqmp_guest_freeze_thaw_sync:
 * @self: an #AqmpGuestFreeze
 * @error: return location for a #GError
 *
 * The synchronous form of aqmp_guest_freeze_thaw_async().
 *
 * Returns: %TRUE when the guest is thawed
 *
 * Since: 0.1
 */
gboolean
aqmp_guest_freeze_thaw_sync (AqmpGuestFreeze *self, GError **error)
{
  g_autoptr(GAsyncResult) res = NULL;

  g_return_val_if_fail (AQMP_IS_GUEST_FREEZE (self), FALSE);
  res = aqmp_client_run_sync (aqmp_guest_agent_get_client (self->agent), aqmp_guest_freeze_sync_thaw, self);
  return aqmp_guest_freeze_thaw_finish (self, res, error);
}

/* ----- freezing ----- */

/* the freeze's failure (or the caller's cancel) is reported once thawed */
typedef struct {
  GError *error;
} FreezeUndo;

static void
aqmp_guest_freeze_undo_free (FreezeUndo *undo)
{
  g_clear_error (&undo->error);
  g_free (undo);
}

static void
aqmp_guest_freeze_undone_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  FreezeUndo *undo = g_task_get_task_data (task);
  g_autoptr(GError) thaw_error = NULL;
  GError *error = g_steal_pointer (&undo->error);

  if (!g_task_propagate_boolean (G_TASK (res), &thaw_error))
    {
      gchar *message = g_strdup_printf ("%s; %s", error->message, thaw_error->message);

      g_free (error->message);
      error->message = message;
    }
  g_task_return_error (task, error);
}

/* thaws, then fails @task with @error */
static void
aqmp_guest_freeze_undo (AqmpGuestFreeze *self, GTask *task, GError *error)
{
  FreezeUndo *undo = g_new0 (FreezeUndo, 1);
  GTask *thaw = g_task_new (self, NULL, aqmp_guest_freeze_undone_cb, task);

  undo->error = error;
  g_task_set_task_data (task, undo, (GDestroyNotify) aqmp_guest_freeze_undo_free);
  g_task_set_source_tag (thaw, aqmp_guest_freeze_thaw_async);
  aqmp_guest_freeze_send_thaw (self, thaw);
}

static void
aqmp_guest_freeze_frozen_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  AqmpGuestFreeze *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_finish (AQMP_CLIENT (source), res, &error);

  aqmp_guest_freeze_set_state (self, FREEZE_STATE_FROZEN);
  /* even a failed freeze may have frozen some filesystems */
  if (value == NULL)
    {
      g_prefix_error (&error, "cannot freeze the guest's filesystems: ");
      aqmp_guest_freeze_undo (self, g_steal_pointer (&task), g_steal_pointer (&error));
      return;
    }
  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      aqmp_guest_freeze_undo (self, g_steal_pointer (&task),
                              g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                   "cancelled while freezing the guest's filesystems"));
      return;
    }
  g_debug ("the guest's filesystems are frozen");
  g_task_return_boolean (task, TRUE);
}

/**
 * aqmp_guest_freeze_freeze_async:
 * @self: an #AqmpGuestFreeze
 * @cancellable: (nullable): a #GCancellable; the freeze is sent anyway,
 *   and a cancelled freeze is thawed before it completes
 * @callback: (scope async): called once the guest is frozen, or thawed
 *   again after a failure
 * @user_data: data for @callback
 *
 * Freezes the guest's filesystems. On success the guest stays frozen
 * until aqmp_guest_freeze_thaw_async() (or until the guard is dropped);
 * on failure it has been thawed already.
 *
 * Since: 0.1
 */
void
aqmp_guest_freeze_freeze_async (AqmpGuestFreeze     *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (AQMP_IS_GUEST_FREEZE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aqmp_guest_freeze_freeze_async);
  if (self->state != FREEZE_STATE_IDLE)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BUSY,
                               "this guard froze the guest's filesystems already");
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  aqmp_guest_freeze_set_state (self, FREEZE_STATE_FREEZING);
  self->freeze_sent = g_get_monotonic_time ();
  self->frozen_ms = 0;
  aqmp_client_execute_async (aqmp_guest_agent_get_client (self->agent), "guest-fsfreeze-freeze", NULL, NULL,
                             aqmp_guest_freeze_frozen_cb, g_steal_pointer (&task));
}

/**
 * aqmp_guest_freeze_freeze_finish:
 * @self: an #AqmpGuestFreeze
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes aqmp_guest_freeze_freeze_async().
 *
 * Returns: %TRUE when the guest is frozen; %FALSE with @error set
 *   (%G_IO_ERROR_CANCELLED when the caller cancelled) once it was thawed
 *   again
 *
 * Since: 0.1
 */
gboolean
aqmp_guest_freeze_freeze_finish (AqmpGuestFreeze *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (AQMP_IS_GUEST_FREEZE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == aqmp_guest_freeze_freeze_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

typedef struct {
  AqmpGuestFreeze *self;
  GCancellable *cancellable;
} FreezeSyncArgs;

static void
aqmp_guest_freeze_sync_freeze (gpointer data, GAsyncReadyCallback callback, gpointer user_data)
{
  FreezeSyncArgs *args = data;

  aqmp_guest_freeze_freeze_async (args->self, args->cancellable, callback, user_data);
}

/**
 * aqmp_guest_freeze_freeze_sync:
 * @self: an #AqmpGuestFreeze
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The synchronous form of aqmp_guest_freeze_freeze_async().
 *
 * Returns: %TRUE when the guest is frozen
 *
 * Since: 0.1
 */
gboolean
aqmp_guest_freeze_freeze_sync (AqmpGuestFreeze *self, GCancellable *cancellable, GError **error)
{
  FreezeSyncArgs args = { self, cancellable };
  g_autoptr(GAsyncResult) res = NULL;

  g_return_val_if_fail (AQMP_IS_GUEST_FREEZE (self), FALSE);
  res = aqmp_client_run_sync (aqmp_guest_agent_get_client (self->agent), aqmp_guest_freeze_sync_freeze, &args);
  return aqmp_guest_freeze_freeze_finish (self, res, error);
}

/* ----- the object ----- */

/**
 * aqmp_guest_freeze_new:
 * @agent: the guest agent to freeze through
 *
 * Returns a guard, not frozen yet.
 *
 * Returns: (transfer full): a guard, not frozen yet
 *
 * Since: 0.1
 */
AqmpGuestFreeze *
aqmp_guest_freeze_new (AqmpGuestAgent *agent)
{
  g_return_val_if_fail (AQMP_IS_GUEST_AGENT (agent), NULL);
  return g_object_new (AQMP_TYPE_GUEST_FREEZE, "agent", agent, NULL);
}

/**
 * aqmp_guest_freeze_get_agent:
 * @self: an #AqmpGuestFreeze
 *
 * Returns the guest agent.
 *
 * Returns: (transfer none): the guest agent
 *
 * Since: 0.1
 */
AqmpGuestAgent *
aqmp_guest_freeze_get_agent (AqmpGuestFreeze *self)
{
  g_return_val_if_fail (AQMP_IS_GUEST_FREEZE (self), NULL);
  return self->agent;
}

/**
 * aqmp_guest_freeze_is_frozen:
 * @self: an #AqmpGuestFreeze
 *
 * Returns %TRUE from the moment the freeze is sent until the thaw is
 * answered.
 *
 * Returns: %TRUE from the moment the freeze is sent until the thaw is
 *   answered
 *
 * Since: 0.1
 */
gboolean
aqmp_guest_freeze_is_frozen (AqmpGuestFreeze *self)
{
  g_return_val_if_fail (AQMP_IS_GUEST_FREEZE (self), FALSE);
  return self->state != FREEZE_STATE_IDLE;
}

/**
 * aqmp_guest_freeze_get_frozen_ms:
 * @self: an #AqmpGuestFreeze
 *
 * Returns how long the last freeze lasted, from sending the freeze to the
 * thaw's answer, in milliseconds; 0 before a thaw.
 *
 * Returns: how long the last freeze lasted, from sending the freeze to
 *   the thaw's answer, in milliseconds; 0 before a thaw
 *
 * Since: 0.1
 */
gint64
aqmp_guest_freeze_get_frozen_ms (AqmpGuestFreeze *self)
{
  g_return_val_if_fail (AQMP_IS_GUEST_FREEZE (self), 0);
  return self->frozen_ms;
}

static void
aqmp_guest_freeze_last_thaw_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_finish (AQMP_CLIENT (source), res, &error);

  if (value == NULL)
    g_log (G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "the guest's filesystems could not be thawed: %s", error->message);
}

static void
aqmp_guest_freeze_dispose (GObject *object)
{
  AqmpGuestFreeze *self = AQMP_GUEST_FREEZE (object);

  /* a freeze or thaw on its way holds a reference: this is frozen only */
  if (self->state == FREEZE_STATE_FROZEN)
    {
      /* g_log (), which tests can expect, rather than the structured g_warning () */
      g_log (G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "a guest freeze guard was dropped while frozen; thawing");
      self->state = FREEZE_STATE_IDLE;
      aqmp_client_execute_async (aqmp_guest_agent_get_client (self->agent), "guest-fsfreeze-thaw", NULL, NULL,
                                 aqmp_guest_freeze_last_thaw_cb, NULL);
    }
  g_clear_object (&self->agent);
  G_OBJECT_CLASS (aqmp_guest_freeze_parent_class)->dispose (object);
}

static void
aqmp_guest_freeze_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  AqmpGuestFreeze *self = AQMP_GUEST_FREEZE (object);

  switch (prop_id)
    {
    case PROP_AGENT:
      g_value_set_object (value, self->agent);
      break;
    case PROP_FROZEN:
      g_value_set_boolean (value, aqmp_guest_freeze_is_frozen (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aqmp_guest_freeze_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  AqmpGuestFreeze *self = AQMP_GUEST_FREEZE (object);

  switch (prop_id)
    {
    case PROP_AGENT:
      self->agent = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aqmp_guest_freeze_class_init (AqmpGuestFreezeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = aqmp_guest_freeze_dispose;
  object_class->get_property = aqmp_guest_freeze_get_property;
  object_class->set_property = aqmp_guest_freeze_set_property;

  /**
   * AqmpGuestFreeze:agent:
   *
   * The guest agent the freeze and the thaw go through.
   *
   * Since: 0.1
   */
  props[PROP_AGENT] = g_param_spec_object ("agent", NULL, NULL, AQMP_TYPE_GUEST_AGENT,
                                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /**
   * AqmpGuestFreeze:frozen:
   *
   * Whether a freeze is in effect (or on its way), see
   * aqmp_guest_freeze_is_frozen().
   *
   * Since: 0.1
   */
  props[PROP_FROZEN] = g_param_spec_boolean ("frozen", NULL, NULL, FALSE,
                                             G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
aqmp_guest_freeze_init (AqmpGuestFreeze *self)
{
}
