/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "aqmp-compat-policy.h"
#include "aqmp-qapi-enum-types.h"

/**
 * AqmpCompatPolicy:
 *
 * What to do with the parts of a schema marked `deprecated` or
 * `unstable`, like QEMU's `-compat`: allow them, warn (the default for
 * both) or refuse the call. The validator asks it about each command,
 * member and enum value a call uses.
 *
 * Since: 0.1
 */

struct _AqmpCompatPolicy {
  GObject parent_instance;
  AqmpCompatAction deprecated;
  AqmpCompatAction unstable;
};

enum {
  PROP_0,
  PROP_DEPRECATED,
  PROP_UNSTABLE,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

G_DEFINE_FINAL_TYPE (AqmpCompatPolicy, aqmp_compat_policy, G_TYPE_OBJECT)

static const gchar * const aqmp_compat_action_names[] = { "allow", "warn", "refuse" };

static void
aqmp_compat_policy_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  AqmpCompatPolicy *self = AQMP_COMPAT_POLICY (object);

  switch (prop_id)
    {
    case PROP_DEPRECATED:
      g_value_set_enum (value, self->deprecated);
      break;
    case PROP_UNSTABLE:
      g_value_set_enum (value, self->unstable);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aqmp_compat_policy_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  AqmpCompatPolicy *self = AQMP_COMPAT_POLICY (object);

  switch (prop_id)
    {
    case PROP_DEPRECATED:
      aqmp_compat_policy_set_deprecated (self, g_value_get_enum (value));
      break;
    case PROP_UNSTABLE:
      aqmp_compat_policy_set_unstable (self, g_value_get_enum (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aqmp_compat_policy_class_init (AqmpCompatPolicyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = aqmp_compat_policy_get_property;
  object_class->set_property = aqmp_compat_policy_set_property;

  /**
   * AqmpCompatPolicy:deprecated:
   *
   * What to do with what the schema marks `deprecated`.
   *
   * Since: 0.1
   */
  props[PROP_DEPRECATED] =
    g_param_spec_enum ("deprecated", NULL, NULL, AQMP_TYPE_COMPAT_ACTION, AQMP_COMPAT_WARN,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * AqmpCompatPolicy:unstable:
   *
   * What to do with what the schema marks `unstable`.
   *
   * Since: 0.1
   */
  props[PROP_UNSTABLE] =
    g_param_spec_enum ("unstable", NULL, NULL, AQMP_TYPE_COMPAT_ACTION, AQMP_COMPAT_WARN,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
aqmp_compat_policy_init (AqmpCompatPolicy *self)
{
  self->deprecated = AQMP_COMPAT_WARN;
  self->unstable = AQMP_COMPAT_WARN;
}

/**
 * aqmp_compat_policy_new:
 *
 * Returns a policy that warns about both.
 *
 * Returns: (transfer full): a policy that warns about both
 *
 * Since: 0.1
 */
AqmpCompatPolicy *
aqmp_compat_policy_new (void)
{
  return g_object_new (AQMP_TYPE_COMPAT_POLICY, NULL);
}

/**
 * aqmp_compat_policy_get_deprecated:
 * @self: an #AqmpCompatPolicy
 *
 * Returns what happens to deprecated parts.
 *
 * Returns: what happens to deprecated parts
 *
 * Since: 0.1
 */
AqmpCompatAction
aqmp_compat_policy_get_deprecated (AqmpCompatPolicy *self)
{
  g_return_val_if_fail (AQMP_IS_COMPAT_POLICY (self), AQMP_COMPAT_WARN);

  return self->deprecated;
}

/**
 * aqmp_compat_policy_set_deprecated:
 * @self: an #AqmpCompatPolicy
 * @action: what to do with deprecated parts
 *
 * Sets what to do with deprecated parts.
 *
 * Since: 0.1
 */
void
aqmp_compat_policy_set_deprecated (AqmpCompatPolicy *self, AqmpCompatAction action)
{
  g_return_if_fail (AQMP_IS_COMPAT_POLICY (self));
  g_return_if_fail (action <= AQMP_COMPAT_REFUSE);

  if (self->deprecated == action)
    return;
  self->deprecated = action;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_DEPRECATED]);
}

/**
 * aqmp_compat_policy_get_unstable:
 * @self: an #AqmpCompatPolicy
 *
 * Returns what happens to unstable parts.
 *
 * Returns: what happens to unstable parts
 *
 * Since: 0.1
 */
AqmpCompatAction
aqmp_compat_policy_get_unstable (AqmpCompatPolicy *self)
{
  g_return_val_if_fail (AQMP_IS_COMPAT_POLICY (self), AQMP_COMPAT_WARN);

  return self->unstable;
}

/**
 * aqmp_compat_policy_set_unstable:
 * @self: an #AqmpCompatPolicy
 * @action: what to do with unstable parts
 *
 * Sets what to do with unstable parts.
 *
 * Since: 0.1
 */
void
aqmp_compat_policy_set_unstable (AqmpCompatPolicy *self, AqmpCompatAction action)
{
  g_return_if_fail (AQMP_IS_COMPAT_POLICY (self));
  g_return_if_fail (action <= AQMP_COMPAT_REFUSE);

  if (self->unstable == action)
    return;
  self->unstable = action;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_UNSTABLE]);
}

static gboolean
aqmp_compat_action_from_string (const gchar *text, AqmpCompatAction *action)
{
  for (guint i = 0; i < G_N_ELEMENTS (aqmp_compat_action_names); i++)
    if (strcmp (text, aqmp_compat_action_names[i]) == 0)
      {
        *action = (AqmpCompatAction) i;
        return TRUE;
      }
  return FALSE;
}

/**
 * aqmp_compat_policy_parse:
 * @self: an #AqmpCompatPolicy
 * @text: `deprecated=ACTION,unstable=ACTION`, either or both, where
 *   ACTION is `allow`, `warn` or `refuse`
 * @error: return location for a #GError
 *
 * Sets the policy from text, as the `--compat` option gives it. On an
 * error nothing is changed.
 *
 * Returns: %TRUE on success; %FALSE with %G_IO_ERROR_INVALID_ARGUMENT
 *
 * Since: 0.1
 */
gboolean
aqmp_compat_policy_parse (AqmpCompatPolicy *self, const gchar *text, GError **error)
{
  g_auto(GStrv) parts = NULL;
  AqmpCompatAction deprecated, unstable;

  g_return_val_if_fail (AQMP_IS_COMPAT_POLICY (self), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  deprecated = self->deprecated;
  unstable = self->unstable;
  parts = g_strsplit (text, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      const gchar *eq = strchr (parts[i], '=');
      g_autofree gchar *key = eq != NULL ? g_strndup (parts[i], eq - parts[i]) : NULL;
      AqmpCompatAction *target = g_strcmp0 (key, "deprecated") == 0 ? &deprecated
                                 : g_strcmp0 (key, "unstable") == 0 ? &unstable : NULL;

      if (target == NULL || !aqmp_compat_action_from_string (eq + 1, target))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "invalid compatibility policy '%s': expected deprecated=ACTION or "
                       "unstable=ACTION, ACTION one of allow, warn, refuse", parts[i]);
          return FALSE;
        }
    }
  aqmp_compat_policy_set_deprecated (self, deprecated);
  aqmp_compat_policy_set_unstable (self, unstable);
  return TRUE;
}

/**
 * aqmp_compat_policy_to_string:
 * @self: an #AqmpCompatPolicy
 *
 * Returns the policy as aqmp_compat_policy_parse() reads it, such as
 * `deprecated=warn,unstable=warn`.
 *
 * Returns: (transfer full): the policy as aqmp_compat_policy_parse()
 *   reads it, such as `deprecated=warn,unstable=warn`
 *
 * Since: 0.1
 */
gchar *
aqmp_compat_policy_to_string (AqmpCompatPolicy *self)
{
  g_return_val_if_fail (AQMP_IS_COMPAT_POLICY (self), NULL);

  return g_strdup_printf ("deprecated=%s,unstable=%s", aqmp_compat_action_names[self->deprecated],
                          aqmp_compat_action_names[self->unstable]);
}

/**
 * aqmp_compat_policy_decide:
 * @self: an #AqmpCompatPolicy
 * @features: (nullable) (array zero-terminated=1): the features of what
 *   a call uses
 * @feature: (out) (optional) (transfer none): the feature that decided
 *
 * Returns the strictest action any of @features calls for;
 * %AQMP_COMPAT_ALLOW when none is `deprecated` or `unstable`.
 *
 * Returns: the strictest action any of @features calls for;
 *   %AQMP_COMPAT_ALLOW when none is `deprecated` or `unstable`
 *
 * Since: 0.1
 */
AqmpCompatAction
aqmp_compat_policy_decide (AqmpCompatPolicy *self, const gchar * const *features, const gchar **feature)
{
  AqmpCompatAction action = AQMP_COMPAT_ALLOW;

  g_return_val_if_fail (AQMP_IS_COMPAT_POLICY (self), AQMP_COMPAT_ALLOW);

  if (feature != NULL)
    *feature = NULL;
  for (guint i = 0; features != NULL && features[i] != NULL; i++)
    {
      AqmpCompatAction a = AQMP_COMPAT_ALLOW;

      if (strcmp (features[i], "deprecated") == 0)
        a = self->deprecated;
      else if (strcmp (features[i], "unstable") == 0)
        a = self->unstable;
      if (a > action || (feature != NULL && *feature == NULL && a != AQMP_COMPAT_ALLOW))
        {
          if (feature != NULL && a >= action)
            *feature = features[i];
          action = MAX (action, a);
        }
    }
  return action;
}
