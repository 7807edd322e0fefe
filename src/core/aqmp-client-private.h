/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "aqmp-client.h"
#include "aqmp-connector-private.h"
#include "aqmp-session-private.h"

G_BEGIN_DECLS

/*
 * The inside of AqmpClient, shared by the files it is written in:
 *
 *   aqmp-client.c             the object and its state machine: connecting,
 *                             negotiating, the one teardown, reconnecting
 *   aqmp-client-execute.c     commands: the checks, then the session
 *   aqmp-client-properties.c  settings, what the server said, the
 *                             GObject property table
 *   aqmp-client-sync.c        the `_sync` wrappers (public API only)
 *
 * The client holds the public state (AqmpState, settings, the causes it
 * reports, reconnecting, the last server's greeting); everything that
 * lives from CONNECTING until IDLE is in its AqmpSession, made when a
 * connect begins and dropped when the client is idle again. The session
 * is NULL exactly while the client is IDLE.
 */

#define AQMP_DEFAULT_MAX_QUEUE_SIZE (64 * 1024 * 1024)
#define AQMP_DEFAULT_NO_REPLY_GRACE 500
#define AQMP_DEFAULT_RECONNECT_DELAY 100
#define AQMP_DEFAULT_RECONNECT_MAX_DELAY 10000

struct _AqmpClient {
  GObject parent_instance;
  GMainContext *context;
  AqmpState state;

  /* settings */
  guint default_timeout;
  guint connect_timeout;
  gsize max_message_size;
  gsize max_queue_size;
  gboolean request_oob;
  guint no_reply_grace;
  AqmpProtocol *protocol;   /* nullable: plain QMP */
  AqmpConnector *connector; /* addresses, TLS settings, the listener */
  gboolean reconnect;
  guint reconnect_delay;
  guint reconnect_max_delay;

  /* reconnecting: the address of the last aqmp_client_connect_async() */
  gchar *address;
  gboolean reconnect_due;   /* the connection being torn down was lost */
  gboolean reconnecting;    /* from a loss until reconnected or stopped */
  guint reconnect_attempts;
  GSource *reconnect_source;

  /* the connection, from CONNECTING until IDLE: its data path */
  AqmpSession *session;
  GTask *connect_task;      /* until RUNNING, or the teardown takes it */
  GPtrArray *disconnect_tasks;

  /* why the last connection ended, until disconnect_finish() takes it;
   * a connect that fails reports its cause to the connect call instead */
  GError *cause;
  /* and for the message of calls made after it ended */
  gchar *last_loss;

  /* what the last server said; kept after the connection ends, until
   * the next connect */
  JsonObject *greeting;
  guint version[3];
  GStrv capabilities;
};

typedef enum {
  PROP_0,
  PROP_STATE,
  PROP_DEFAULT_TIMEOUT,
  PROP_CONNECT_TIMEOUT,
  PROP_MAX_MESSAGE_SIZE,
  PROP_MAX_QUEUE_SIZE,
  PROP_REQUEST_OOB,
  PROP_OOB_ENABLED,
  PROP_NO_REPLY_GRACE,
  PROP_PROTOCOL,
  PROP_TLS,
  PROP_TLS_CA_FILE,
  PROP_TLS_CERTIFICATE,
  N_PROPS
} AqmpClientProperty;

void aqmp_client_install_properties (GObjectClass       *object_class);
void aqmp_client_notify             (AqmpClient         *self,
                                     AqmpClientProperty  prop);
void aqmp_client_start_handshake    (AqmpClient         *self);
void aqmp_client_stop_reconnecting  (AqmpClient         *self);

G_END_DECLS
