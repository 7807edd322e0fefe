/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <gio/gunixsocketaddress.h>

#include "aqmp-cli.h"

/*
 * Never waiting in silence: on a terminal the tool says what it waits for
 * once a wait is longer than it should be; quick commands get a reply
 * timeout of their own; a failed connection names its address and, after
 * a look at what answers there, says what it is.
 */

/* the greeting comes at once from a free monitor */
#define GREETING_NOTICE_MS 1000
/* a command still pending after this long is named */
#define PENDING_NOTICE_MS 3000
/* a look at a peer that failed to connect waits at most this long */
#define PROBE_TIMEOUT_S 1

/* commands that are quick by nature: they read state, they start nothing */
gboolean
aqmp_cli_command_is_quick (const gchar *command)
{
  static const gchar * const quick[] = {
    "qmp_capabilities", "qom-list", "qom-get", "qom-list-types", "qom-list-properties",
    "device-list-properties", "guest-sync", "guest-sync-delimited", "guest-ping", "guest-info",
    NULL
  };

  return g_str_has_prefix (command, "query-") || g_str_has_prefix (command, "x-query-")
         || g_str_has_prefix (command, "guest-get-") || g_strv_contains (quick, command);
}

/* the reply timeout of @command: --timeout, else AQMP_CLI_QUICK_TIMEOUT_MS
 * for a quick command, else none (0) */
guint
aqmp_cli_command_timeout_ms (AqmpCliOptions *options, const gchar *command)
{
  guint given = aqmp_cli_timeout_ms (options);

  if (given > 0)
    return given;
  return aqmp_cli_command_is_quick (command) ? AQMP_CLI_QUICK_TIMEOUT_MS : 0;
}

/* ----- notices on a terminal ----- */

typedef struct {
  AqmpClient *client;          /* weak */
  gchar *address;
  guint source;
  gulong handler;
} AqmpCliConnectNotice;

static void
aqmp_cli_connect_notice_free (gpointer data)
{
  AqmpCliConnectNotice *notice = data;

  g_clear_handle_id (&notice->source, g_source_remove);
  g_free (notice->address);
  g_free (notice);
}

static gboolean
aqmp_cli_connect_notice_cb (gpointer user_data)
{
  AqmpCliConnectNotice *notice = user_data;
  AqmpProtocol *protocol = aqmp_client_get_protocol (notice->client);

  notice->source = 0;
  if (aqmp_client_get_state (notice->client) != AQMP_STATE_CONNECTING)
    return G_SOURCE_REMOVE;
  if (protocol == NULL || aqmp_protocol_has_greeting (protocol))
    /* TRANSLATORS: said on a terminal when a QMP monitor has not greeted
     * after a second; %s is the address */
    aqmp_cli_warning (_("connected to %s; no greeting yet: another client may be using this monitor"),
                      notice->address);
  else
    /* TRANSLATORS: said on a terminal when a guest agent has not answered
     * after a second; %s is the address */
    aqmp_cli_warning (_("connected to %s; no answer yet: is the agent running in the guest?"),
                      notice->address);
  return G_SOURCE_REMOVE;
}

static void
aqmp_cli_connect_notice_state_cb (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  AqmpCliConnectNotice *notice = user_data;

  if (aqmp_client_get_state (notice->client) != AQMP_STATE_CONNECTING)
    g_clear_handle_id (&notice->source, g_source_remove);
}

/*
 * On a terminal, says after a second what a connect of @client to
 * @address still waits for. Call before connecting; it lasts as long as
 * @client.
 */
void
aqmp_cli_announce_connect (AqmpClient *client, const gchar *address)
{
  AqmpCliConnectNotice *notice;

  g_object_set_data_full (G_OBJECT (client), "aqmp-cli-address", g_strdup (address), g_free);
  if (!isatty (STDERR_FILENO))
    return;
  notice = g_new0 (AqmpCliConnectNotice, 1);
  notice->client = client;
  notice->address = g_strdup (address);
  notice->source = g_timeout_add (GREETING_NOTICE_MS, aqmp_cli_connect_notice_cb, notice);
  g_signal_connect_data (client, "notify::state", G_CALLBACK (aqmp_cli_connect_notice_state_cb), notice,
                         NULL, 0);
  g_object_set_data_full (G_OBJECT (client), "aqmp-cli-connect-notice", notice, aqmp_cli_connect_notice_free);
}

typedef struct {
  gchar *address;
  gchar *command;
} AqmpCliPending;

static void
aqmp_cli_pending_free (gpointer data)
{
  AqmpCliPending *pending = data;

  g_free (pending->address);
  g_free (pending->command);
  g_free (pending);
}

static gboolean
aqmp_cli_pending_cb (gpointer user_data)
{
  AqmpCliPending *pending = user_data;

  /* TRANSLATORS: said on a terminal while a command has no reply after a
   * few seconds; the arguments are the command's name and the address */
  aqmp_cli_warning (_("still waiting for the reply to %s from %s"), pending->command, pending->address);
  return G_SOURCE_REMOVE;
}

/* on a terminal, names @command after a few seconds without a reply;
 * end it with aqmp_cli_pending_clear() once it is answered (%NULL when not
 * a terminal) */
GSource *
aqmp_cli_announce_pending (const gchar *address, const gchar *command)
{
  AqmpCliPending *pending;
  GSource *source;

  if (!isatty (STDERR_FILENO))
    return NULL;
  pending = g_new0 (AqmpCliPending, 1);
  pending->address = g_strdup (address);
  pending->command = g_strdup (command);
  source = g_timeout_source_new (PENDING_NOTICE_MS);
  g_source_set_callback (source, aqmp_cli_pending_cb, pending, aqmp_cli_pending_free);
  g_source_attach (source, NULL);
  return source;
}

void
aqmp_cli_pending_clear (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

/* ----- what answers at an address ----- */

typedef enum {
  AQMP_CLI_PEER_UNKNOWN,    /* could not look */
  AQMP_CLI_PEER_SILENT,
  AQMP_CLI_PEER_QMP,        /* greets with {"QMP": ...} */
  AQMP_CLI_PEER_AGENT,      /* no greeting, answers guest-sync */
  AQMP_CLI_PEER_HTTP,
  AQMP_CLI_PEER_JSON,       /* answers JSON, but greets not */
  AQMP_CLI_PEER_OTHER,
} AqmpCliPeer;

/* the address as a socket address to look at; TLS is not looked at */
static GSocketConnectable *
aqmp_cli_probe_connectable (const gchar *address)
{
  if (g_str_has_prefix (address, "unix:"))
    return G_SOCKET_CONNECTABLE (g_unix_socket_address_new (address + strlen ("unix:")));
  if (g_str_has_prefix (address, "tls:"))
    return NULL;
  if (address[0] == '/' || address[0] == '.' || g_file_test (address, G_FILE_TEST_EXISTS))
    return G_SOCKET_CONNECTABLE (g_unix_socket_address_new (address));
  if (g_str_has_prefix (address, "tcp:"))
    address += strlen ("tcp:");
  return g_network_address_parse (address, 0, NULL);
}

static AqmpCliPeer
aqmp_cli_classify (const gchar *text, guint64 sync_id)
{
  g_autofree gchar *expected = g_strdup_printf ("\"return\": %" G_GUINT64_FORMAT, sync_id);
  g_autofree gchar *compact = g_strdup_printf ("\"return\":%" G_GUINT64_FORMAT, sync_id);
  const gchar *p = text;

  while (g_ascii_isspace (*p) || *p == '\xff')
    p++;
  if (*p == '\0')
    return AQMP_CLI_PEER_SILENT;
  if (g_str_has_prefix (p, "{") && strstr (p, "\"QMP\"") != NULL)
    return AQMP_CLI_PEER_QMP;
  if (strstr (p, expected) != NULL || strstr (p, compact) != NULL)
    return AQMP_CLI_PEER_AGENT;
  if (g_str_has_prefix (p, "HTTP/") || g_ascii_strncasecmp (p, "<!doctype", 9) == 0
      || g_ascii_strncasecmp (p, "<html", 5) == 0)
    return AQMP_CLI_PEER_HTTP;
  if (g_str_has_prefix (p, "{\"error\"") || g_str_has_prefix (p, "{\"return\""))
    return AQMP_CLI_PEER_JSON;
  return AQMP_CLI_PEER_OTHER;
}

/* connects once more, reads what comes first, sends a guest-sync (which a
 * monitor that is not negotiated refuses and an agent echoes) and reads
 * again, for a second at most each */
static AqmpCliPeer
aqmp_cli_probe (const gchar *address)
{
  g_autoptr(GSocketConnectable) connectable = aqmp_cli_probe_connectable (address);
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GString) got = g_string_new (NULL);
  guint64 sync_id = 0x51a7e + g_random_int_range (1, 1000);
  g_autofree gchar *sync = g_strdup_printf ("{\"execute\": \"guest-sync\", \"arguments\": {\"id\": %"
                                            G_GUINT64_FORMAT "}}\n", sync_id);
  GSocket *sock;
  gchar buf[512];

  if (connectable == NULL)
    return AQMP_CLI_PEER_UNKNOWN;
  g_socket_client_set_timeout (socket_client, PROBE_TIMEOUT_S);
  connection = g_socket_client_connect (socket_client, connectable, NULL, NULL);
  if (connection == NULL)
    return AQMP_CLI_PEER_UNKNOWN;
  sock = g_socket_connection_get_socket (connection);
  g_socket_set_timeout (sock, PROBE_TIMEOUT_S);
  for (guint round = 0; round < 2; round++)
    {
      gssize n = g_socket_receive (sock, buf, sizeof buf - 1, NULL, NULL);

      if (n > 0)
        {
          buf[n] = '\0';
          g_string_append (got, buf);
        }
      if (aqmp_cli_classify (got->str, sync_id) != AQMP_CLI_PEER_SILENT || round > 0)
        break;
      if (g_socket_send (sock, sync, strlen (sync), NULL, NULL) < 0)
        break;
    }
  return aqmp_cli_classify (got->str, sync_id);
}

/* the library's English reason, without its own guess at the cause */
static gchar *
aqmp_cli_bare_reason (const gchar *address, const gchar *message, gboolean drop_hint)
{
  g_autofree gchar *prefix = g_strdup_printf ("cannot connect to %s: ", address);
  gchar *reason = g_strdup (g_str_has_prefix (message, prefix) ? message + strlen (prefix) : message);
  gchar *hint = strstr (reason, " (is ");

  if (drop_hint && hint != NULL && g_str_has_suffix (reason, "?)"))
    *hint = '\0';
  return reason;
}

static const gchar *
aqmp_cli_peer_hint (AqmpCliPeer peer, gboolean agent)
{
  switch (peer)
    {
    case AQMP_CLI_PEER_QMP:
      /* TRANSLATORS: the hint when aqmp ga reached a QMP monitor */
      return agent ? _("this is a QMP monitor, not a guest agent: use aqmp exec or aqmp shell") : NULL;
    case AQMP_CLI_PEER_AGENT:
      /* TRANSLATORS: the hint when a QMP command reached a guest agent */
      return agent ? NULL : _("this is a QEMU guest agent, not a QMP monitor: use aqmp ga");
    case AQMP_CLI_PEER_HTTP:
      /* TRANSLATORS: the hint when the address answers like a web server */
      return _("this is an HTTP server, not QEMU");
    case AQMP_CLI_PEER_JSON:
      return agent ? _("this answers JSON, but not like a guest agent")
                   /* TRANSLATORS: the hint when the address answers JSON without a QMP greeting */
                   : _("this answers JSON, but sends no QMP greeting");
    case AQMP_CLI_PEER_OTHER:
      return agent ? _("this does not answer like a guest agent")
                   /* TRANSLATORS: the hint when what answers sends no QMP greeting */
                   : _("this does not speak QMP");
    case AQMP_CLI_PEER_SILENT:
      return agent ? _("nothing answers: is the agent running in the guest?")
                   /* TRANSLATORS: the hint when nothing at all came from the address */
                   : _("nothing answers: another client may be using this monitor, or it is not a QMP monitor");
    case AQMP_CLI_PEER_UNKNOWN:
    default:
      return NULL;
    }
}

/*
 * The one line for a connection to @address that failed with @error:
 * translated, naming the address, and when it timed out or the server sent
 * something unexpected, saying what answers there (@agent: the guest
 * agent's protocol was used).
 */
gchar *
aqmp_cli_describe_connect_failure (const gchar *address, const GError *error, gboolean agent)
{
  gboolean look = g_error_matches (error, AQMP_ERROR, AQMP_ERROR_TIMEOUT)
                  || g_error_matches (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL)
                  || g_error_matches (error, AQMP_ERROR, AQMP_ERROR_NEGOTIATION)
                  || g_error_matches (error, AQMP_ERROR, AQMP_ERROR_DISCONNECTED)
                  || (agent && g_error_matches (error, AQMP_ERROR, AQMP_ERROR_COMMAND));
  const gchar *hint = look ? aqmp_cli_peer_hint (aqmp_cli_probe (address), agent) : NULL;
  g_autofree gchar *reason = aqmp_cli_bare_reason (address, error->message, hint != NULL);

  /* a Unix socket whose listen queue is full: QEMU accepts no one while a
   * client holds its monitor, and queues very few */
  if (hint == NULL && g_error_matches (error, AQMP_ERROR, AQMP_ERROR_CONNECT)
      && strstr (error->message, g_strerror (EAGAIN)) != NULL)
    /* TRANSLATORS: the hint when a Unix socket's queue is full */
    hint = agent ? _("its queue is full: another client is using the agent")
                 : _("its queue is full: another client is using this monitor");

  if (hint != NULL)
    /* TRANSLATORS: a failed connection; the arguments are the address, the
     * reason (from the library, in English) and what answers there */
    return g_strdup_printf (_("cannot connect to %s: %s; %s"), address, reason, hint);
  /* TRANSLATORS: a failed connection; the arguments are the address and
   * the reason, from the library, in English */
  return g_strdup_printf (_("cannot connect to %s: %s"), address, reason);
}

void
aqmp_cli_report_connect_failure (const gchar *address, const GError *error, gboolean agent)
{
  g_autofree gchar *msg = aqmp_cli_describe_connect_failure (address, error, agent);

  aqmp_cli_error ("%s", msg);
}

/* the same for @client, announced with aqmp_cli_announce_connect() */
void
aqmp_cli_report_client_failure (AqmpClient *client, const GError *error)
{
  const gchar *address = g_object_get_data (G_OBJECT (client), "aqmp-cli-address");
  AqmpProtocol *protocol = aqmp_client_get_protocol (client);

  if (address == NULL)
    {
      aqmp_cli_error ("%s", error->message);
      return;
    }
  aqmp_cli_report_connect_failure (address, error, protocol != NULL && !aqmp_protocol_has_greeting (protocol));
}

/*
 * Connects @client (set up already) to @address, saying so when the wait
 * is long; on failure it reports why, as aqmp_cli_report_client_failure().
 */
gboolean
aqmp_cli_connect_sync (AqmpClient *client, const gchar *address)
{
  g_autoptr(GError) error = NULL;

  aqmp_cli_announce_connect (client, address);
  if (aqmp_client_connect_sync (client, address, NULL, &error))
    return TRUE;
  aqmp_cli_report_client_failure (client, error);
  return FALSE;
}
