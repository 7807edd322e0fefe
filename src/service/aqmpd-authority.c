/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <grp.h>
#include <pwd.h>
#include <sys/types.h>
#include <unistd.h>

#include "aqmpd-authority.h"
#include "aqmpd-error.h"

/*
 * AqmpdAuthority: who may change things. The caller's uid comes from the
 * bus daemon (GetConnectionUnixUser), which got it from the kernel. Root,
 * and the user the daemon runs as (who could take it over anyway), may do
 * everything, unless trust_root is off (for tests). Members of the
 * configured group may change things within what root granted per machine
 * (aqmpd-policy.c). Unique bus names are never reused, so the uid of a
 * sender is cached.
 */

/* bounds the cache; when full it is emptied */
#define AQMPD_AUTHORITY_MAX_CACHED 1024
#define AQMPD_AUTHORITY_BUS_TIMEOUT_MS 5000

struct _AqmpdAuthority {
  GObject parent_instance;
  gchar *group;
  gid_t gid;
  gboolean trust_root;
  GHashTable *uids;        /* unique name -> uid */
};

G_DEFINE_FINAL_TYPE (AqmpdAuthority, aqmpd_authority, G_TYPE_OBJECT)

static void
aqmpd_authority_finalize (GObject *object)
{
  AqmpdAuthority *self = AQMPD_AUTHORITY (object);

  g_free (self->group);
  g_hash_table_unref (self->uids);
  G_OBJECT_CLASS (aqmpd_authority_parent_class)->finalize (object);
}

static void
aqmpd_authority_class_init (AqmpdAuthorityClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = aqmpd_authority_finalize;
}

static void
aqmpd_authority_init (AqmpdAuthority *self)
{
  self->uids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/**
 * aqmpd_authority_new:
 * @group: (nullable): the group whose members may change things
 * @trust_root: whether root may change things
 *
 * A group that does not exist grants nothing: a warning is logged and only
 * root may change things, so that a system without the group still runs.
 *
 * Returns: the authority
 */
AqmpdAuthority *
aqmpd_authority_new (const gchar *group, gboolean trust_root, GError **error)
{
  g_autoptr(AqmpdAuthority) self = g_object_new (AQMPD_TYPE_AUTHORITY, NULL);

  self->trust_root = trust_root;
  if (group != NULL && group[0] != '\0')
    {
      struct group *gr = getgrnam (group);

      if (gr == NULL)
        {
          g_warning ("there is no group %s: only root may change things", group);
          return g_steal_pointer (&self);
        }
      self->group = g_strdup (group);
      self->gid = gr->gr_gid;
    }
  return g_steal_pointer (&self);
}

static gboolean
aqmpd_authority_uid_in_group (AqmpdAuthority *self, guint32 uid)
{
  struct passwd *pw;
  gid_t groups[256];
  int n = G_N_ELEMENTS (groups);

  if (self->group == NULL)
    return FALSE;
  pw = getpwuid (uid);
  if (pw == NULL)
    return FALSE;
  /* includes the primary group; a user in more groups than fit is refused */
  if (getgrouplist (pw->pw_name, pw->pw_gid, groups, &n) < 0)
    return FALSE;
  for (int i = 0; i < n; i++)
    if (groups[i] == self->gid)
      return TRUE;
  return FALSE;
}

/* root, or the daemon's own user: may grant privileges and run anything */
gboolean
aqmpd_authority_uid_is_root (AqmpdAuthority *self, guint32 uid)
{
  g_return_val_if_fail (AQMPD_IS_AUTHORITY (self), FALSE);

  return self->trust_root && (uid == 0 || uid == (guint32) geteuid ());
}

/* root, or a member of the group: may change things */
gboolean
aqmpd_authority_uid_is_trusted (AqmpdAuthority *self, guint32 uid)
{
  g_return_val_if_fail (AQMPD_IS_AUTHORITY (self), FALSE);

  if (aqmpd_authority_uid_is_root (self, uid))
    return TRUE;
  return aqmpd_authority_uid_in_group (self, uid);
}

/* whether the caller of @invocation is root; errors count as not */
gboolean
aqmpd_authority_caller_is_root (AqmpdAuthority *self, GDBusMethodInvocation *invocation)
{
  guint32 uid = G_MAXUINT32;

  g_return_val_if_fail (AQMPD_IS_AUTHORITY (self), FALSE);

  if (!aqmpd_authority_get_caller_uid (self, invocation, &uid, NULL))
    return FALSE;
  return aqmpd_authority_uid_is_root (self, uid);
}

static gboolean
aqmpd_authority_ask_bus (GDBusMethodInvocation *invocation, guint32 *uid, GError **error)
{
  GDBusConnection *connection = g_dbus_method_invocation_get_connection (invocation);
  const gchar *sender = g_dbus_method_invocation_get_sender (invocation);
  g_autoptr(GVariant) reply = NULL;

  if (sender == NULL)
    {
      g_set_error_literal (error, AQMPD_ERROR, AQMPD_ERROR_NOT_AUTHORIZED,
                           "the caller has no bus name");
      return FALSE;
    }
  reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetConnectionUnixUser",
                                       g_variant_new ("(s)", sender), G_VARIANT_TYPE ("(u)"),
                                       G_DBUS_CALL_FLAGS_NONE, AQMPD_AUTHORITY_BUS_TIMEOUT_MS,
                                       NULL, error);
  if (reply == NULL)
    {
      g_prefix_error (error, "cannot find out who the caller is: ");
      return FALSE;
    }
  g_variant_get (reply, "(u)", uid);
  return TRUE;
}

/* the uid of whoever sent @invocation */
gboolean
aqmpd_authority_get_caller_uid (AqmpdAuthority *self, GDBusMethodInvocation *invocation,
                                guint32 *uid, GError **error)
{
  const gchar *sender = g_dbus_method_invocation_get_sender (invocation);
  gpointer cached;

  g_return_val_if_fail (AQMPD_IS_AUTHORITY (self), FALSE);

  if (sender != NULL && g_hash_table_lookup_extended (self->uids, sender, NULL, &cached))
    {
      *uid = GPOINTER_TO_UINT (cached);
      return TRUE;
    }
  if (!aqmpd_authority_ask_bus (invocation, uid, error))
    return FALSE;
  if (g_hash_table_size (self->uids) >= AQMPD_AUTHORITY_MAX_CACHED)
    g_hash_table_remove_all (self->uids);
  g_hash_table_insert (self->uids, g_strdup (sender), GUINT_TO_POINTER (*uid));
  return TRUE;
}

/* whether the caller may change things; the error says why not */
gboolean
aqmpd_authority_check (AqmpdAuthority *self, GDBusMethodInvocation *invocation, GError **error)
{
  guint32 uid = G_MAXUINT32;

  g_return_val_if_fail (AQMPD_IS_AUTHORITY (self), FALSE);

  if (!aqmpd_authority_get_caller_uid (self, invocation, &uid, error))
    return FALSE;
  if (aqmpd_authority_uid_is_trusted (self, uid))
    return TRUE;
  g_debug ("refused %s.%s from uid %u", g_dbus_method_invocation_get_interface_name (invocation),
           g_dbus_method_invocation_get_method_name (invocation), uid);
  if (self->group != NULL)
    g_set_error (error, AQMPD_ERROR, AQMPD_ERROR_NOT_AUTHORIZED,
                 "uid %u may not call %s: only root and members of group %s may change anything",
                 uid, g_dbus_method_invocation_get_method_name (invocation), self->group);
  else
    g_set_error (error, AQMPD_ERROR, AQMPD_ERROR_NOT_AUTHORIZED,
                 "uid %u may not call %s: only root may change anything",
                 uid, g_dbus_method_invocation_get_method_name (invocation));
  return FALSE;
}

#define AQMPD_AUTHORITY_OPEN_METHODS "aqmpd-open-methods"

static gboolean
aqmpd_authority_authorize_cb (GDBusInterfaceSkeleton *skeleton, GDBusMethodInvocation *invocation,
                              gpointer user_data)
{
  AqmpdAuthority *self = user_data;
  const gchar * const *open_methods = g_object_get_data (G_OBJECT (skeleton), AQMPD_AUTHORITY_OPEN_METHODS);
  g_autoptr(GError) error = NULL;

  if (open_methods != NULL
      && g_strv_contains (open_methods, g_dbus_method_invocation_get_method_name (invocation)))
    return TRUE;
  if (aqmpd_authority_check (self, invocation, &error))
    return TRUE;
  g_dbus_method_invocation_return_gerror (invocation, error);
  return FALSE;
}

/**
 * aqmpd_authority_guard:
 * @skeleton: an interface skeleton
 * @open_methods: (nullable): a static list of the methods anybody may call
 *
 * Refuses every other method of @skeleton to callers that may not change
 * things, before its handler runs. Properties stay readable by all.
 */
void
aqmpd_authority_guard (AqmpdAuthority *self, GDBusInterfaceSkeleton *skeleton,
                       const gchar * const *open_methods)
{
  g_return_if_fail (AQMPD_IS_AUTHORITY (self));

  g_object_set_data (G_OBJECT (skeleton), AQMPD_AUTHORITY_OPEN_METHODS, (gpointer) open_methods);
  g_signal_connect_object (skeleton, "g-authorize-method",
                           G_CALLBACK (aqmpd_authority_authorize_cb), self, 0);
}
