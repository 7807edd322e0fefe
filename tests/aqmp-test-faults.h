/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The fixture of the client fault tests (test-client-faults.c,
 * test-client-loss.c): a client and the project's AqmpServer on a Unix
 * socket or a socket pair, with what happened logged in order, and the
 * helpers to start calls and wait for them with bounded iterations of the
 * thread-default main context.
 */
#include <aqmp/aqmp.h>

#include "aqmp-test-qemu.h"

G_BEGIN_DECLS

#define WAIT_MS AQMP_TEST_WAIT_MS

#define TEST_TYPE_COUNTING_STREAM (test_counting_stream_get_type ())
G_DECLARE_FINAL_TYPE (TestCountingStream, test_counting_stream, TEST, COUNTING_STREAM, GInputStream)

struct _TestCountingStream {
  GInputStream parent_instance;
  GIOStream *base;
  guint64 n_bytes;
  guint n_reads;
  gboolean held;              /* reads wait, and data stays in the socket */
};

typedef struct {
  AqmpServer *server;
  AqmpClient *client;
  gchar *dir;
  gchar *address;

  GPtrArray *log;             /* "event:NAME" and "return:TAG", in order */
  GArray *states;             /* AqmpState at each notify::state */
  guint n_disconnected;
  GError *disconnect_cause;   /* of the last "disconnected" signal */
  guint next_marker;

  /* for connections over a socket pair */
  GSocketConnection *client_conn;
  TestCountingStream *counter;

  /* for handlers */
  GPtrArray *held_ids;        /* JsonNode: ids of requests not yet answered */
  gchar *raw_body;            /* what the "raw" handler answers with */
  gsize raw_body_len;
} Fixture;

typedef struct {
  JsonNode *value;
  GError *error;
  gboolean ok;
  gboolean done;
  GPtrArray *log;             /* nullable: where to log "return:TAG" */
  const gchar *tag;
} CallResult;

void         test_counting_stream_hold    (TestCountingStream *self);
void         test_counting_stream_release (TestCountingStream *self);
void         fixture_setup                (Fixture *f, gconstpointer data);
void         fixture_teardown             (Fixture *f, gconstpointer data);
void         call_result_clear            (CallResult *r);
void         execute_cb                   (GObject *source, GAsyncResult *res, gpointer user_data);
void         connect_cb                   (GObject *source, GAsyncResult *res, gpointer user_data);
void         disconnect_cb                (GObject *source, GAsyncResult *res, gpointer user_data);
void         wait_cb                      (GObject *source, GAsyncResult *res, gpointer user_data);
void         call_wait                    (CallResult *r);
void         call_start                   (Fixture *f, CallResult *r, const gchar *command, JsonObject *arguments);
JsonObject *object_new_n                  (gint64 n);
void         assert_value_n               (JsonNode *value, gint64 n);
void         fixture_connect              (Fixture *f);
void         fixture_connect_pair         (Fixture *f, gboolean count);
gboolean     log_has                      (GPtrArray *log, const gchar *entry);
void         wait_for_log                 (GPtrArray *log, const gchar *entry);
void         fixture_sync                 (Fixture *f);
gchar *     fixture_log_string            (Fixture *f);
guint        server_count_received        (Fixture *f, const gchar *command);
void         wait_for_received            (Fixture *f, const gchar *command, guint n);
void         wait_for_server_idle         (Fixture *f);
void         wait_for_disconnected        (Fixture *f, guint before);
JsonNode *  held_handler                  (AqmpServer *server, JsonObject *request, gpointer user_data, GError **error);
void         wait_for_held                (Fixture *f, guint n);
JsonNode *  echo_n_handler                (AqmpServer *server, JsonObject *request, gpointer user_data, GError **error);
JsonNode *  raw_handler                   (AqmpServer *server, JsonObject *request, gpointer user_data, GError **error);
void         assert_connection_fails      (Fixture *f, const void *raw, gssize length, gint code, const gchar *cause);
JsonNode *  node_new_n                    (gint64 n);
JsonObject *default_greeting              (void);
JsonNode *  one_read_handler              (AqmpServer *server, JsonObject *request, gpointer user_data, GError **error);

G_END_DECLS
