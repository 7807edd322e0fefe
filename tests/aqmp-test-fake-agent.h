/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <aqmp/aqmp.h>

G_BEGIN_DECLS

/*
 * A fake QEMU guest agent on the test server: no greeting, replies ending
 * in "\n", guest-sync-delimited answered after a 0xFF, and an 0xFF from
 * the client provoking one id-less error. It is what tests send the
 * commands to that must never reach a real agent on this host: shutdown,
 * suspend and fsfreeze. While "frozen" it refuses everything but ping,
 * info, sync, fsfreeze-status and fsfreeze-thaw, as the real agent does.
 */
typedef struct {
  AqmpServer *server;
  gchar *dir;
  gchar *address;            /* unix:PATH */

  /* behaviour, set by tests */
  gboolean silent;           /* answers nothing, not even a sync */
  guint wrong_echoes;        /* answer this many syncs with a wrong id */
  GPtrArray *after_delimiter;/* raw lines between the 0xFF and the sync reply */
  GPtrArray *held;           /* commands whose replies wait for the next sync */
  gchar *shutdown_error;     /* guest-shutdown/-suspend-* fail with this */
  gchar *freeze_error;       /* guest-fsfreeze-freeze freezes, then fails with this */
  gchar *thaw_error;         /* guest-fsfreeze-thaw fails with this, still frozen */
  gboolean hold_freeze;      /* guest-fsfreeze-freeze freezes, and answers only at
                              * aqmp_test_fake_agent_release_freeze() */
  guint exec_polls;          /* guest-exec-status says "running" this often */
  gint exec_exit_code;
  GArray *exec_exit_codes;   /* gint: the exit code of each guest-exec in turn;
                              * exec_exit_code once they are used up */
  gchar *exec_out;
  gchar *exec_err;
  gboolean exec_never_exits;
  gchar **disabled;          /* listed by guest-info as not enabled */

  /* what happened */
  gboolean frozen;
  guint n_syncs;             /* guest-sync-delimited received */
  GPtrArray *sync_ids;       /* gint64*, the ids the client sent */
  guint n_shutdowns;
  guint n_status_polls;
  guint n_execs;             /* guest-exec received */
  GPtrArray *received;       /* gchar*: every command but the syncs, in order */
  GPtrArray *log;            /* gchar*: "guest-fsfreeze-freeze", "guest-fsfreeze-thaw" and
                              * "guest-exec PATH ARG..." in the order they came */
  GHashTable *files;         /* path → GByteArray */
  GHashTable *handles;       /* handle → AqmpTestFakeFile */
  gint64 next_handle;
  GQueue stale;              /* JsonObject replies held for the next sync */
  JsonNode *held_freeze;     /* the id of a freeze held by hold_freeze */
} AqmpTestFakeAgent;

AqmpTestFakeAgent *aqmp_test_fake_agent_new        (void);
void               aqmp_test_fake_agent_free       (AqmpTestFakeAgent *self);
AqmpClient        *aqmp_test_fake_agent_connect    (AqmpTestFakeAgent *self,
                                                    AqmpProtocol      *protocol);
guint              aqmp_test_fake_agent_n_open_handles (AqmpTestFakeAgent *self);
void               aqmp_test_fake_agent_release_freeze (AqmpTestFakeAgent *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AqmpTestFakeAgent, aqmp_test_fake_agent_free)

G_END_DECLS
