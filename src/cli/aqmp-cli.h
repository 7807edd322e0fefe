/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib/gi18n.h>
#include <aqmp/aqmp.h>

G_BEGIN_DECLS

/*
 * What the aqmp commands share: exit codes, the common options, output and
 * error reporting. Internal to the command line tool.
 */

/* documented in --help and aqmp(1) */
#define AQMP_EXIT_OK 0
#define AQMP_EXIT_QMP_ERROR 1
#define AQMP_EXIT_PROBLEM 2

typedef gint (*AqmpCommandFunc) (gint argc, gchar **argv);

/* a command of the tool itself, or of its module (aqmp-tool-module.c):
 * exactly one of @handler and @symbol is set */
typedef struct {
  const gchar *name;
  const gchar *summary;        /* N_() marked */
  AqmpCommandFunc handler;
  const gchar *symbol;         /* the handler's name in the module */
} AqmpCommand;

/* the options every command accepts */
typedef struct {
  gdouble timeout;
  gboolean pretty;
  gboolean compact;
  gboolean debug;
  gboolean json;
  gboolean hmp;                /* exec -H: the command is an HMP line */
} AqmpCliOptions;

gboolean  aqmp_cli_parse_options  (AqmpCliOptions  *options,
                                   const gchar     *command,
                                   const gchar     *parameters,
                                   const gchar     *description,
                                   const GOptionEntry *extra,
                                   gint            *argc,
                                   gchar         ***argv,
                                   gint            *exit_code);
void      aqmp_cli_setup          (AqmpCliOptions  *options,
                                   AqmpClient      *client);
void      aqmp_cli_setup_logging  (AqmpCliOptions  *options);
const gchar *aqmp_cli_footer      (void);
guint     aqmp_cli_timeout_ms     (AqmpCliOptions  *options);
gboolean  aqmp_cli_use_pretty     (AqmpCliOptions  *options);

void      aqmp_cli_error          (const gchar     *format,
                                   ...) G_GNUC_PRINTF (1, 2);
void      aqmp_cli_warning        (const gchar     *format,
                                   ...) G_GNUC_PRINTF (1, 2);
gint      aqmp_cli_exit_code      (const GError    *error);
gchar    *aqmp_cli_describe_failure (const gchar   *command,
                                     const GError  *error,
                                     gint          *exit_code);
gint      aqmp_cli_report_failure (const gchar     *command,
                                   const GError    *error);
void      aqmp_cli_print_json     (JsonNode        *node,
                                   gboolean         pretty);

/* waits the tool names (aqmp-cli-wait.c) */
#define AQMP_CLI_QUICK_TIMEOUT_MS 10000

gboolean  aqmp_cli_command_is_quick  (const gchar     *command);
guint     aqmp_cli_command_timeout_ms (AqmpCliOptions *options,
                                      const gchar     *command);
void      aqmp_cli_announce_connect  (AqmpClient      *client,
                                      const gchar     *address);
GSource  *aqmp_cli_announce_pending  (const gchar     *address,
                                      const gchar     *command);
void      aqmp_cli_pending_clear     (GSource        **source);
gchar    *aqmp_cli_describe_connect_failure (const gchar  *address,
                                             const GError *error,
                                             gboolean      agent);
void      aqmp_cli_report_connect_failure (const gchar   *address,
                                           const GError  *error,
                                           gboolean       agent);
void      aqmp_cli_report_client_failure (AqmpClient *client,
                                          const GError *error);
gboolean  aqmp_cli_connect_sync      (AqmpClient      *client,
                                      const gchar     *address);
gboolean  aqmp_cli_hmp_failed        (const gchar     *text);

/* commands with subcommands (aqmp-cli-subcommand.c) */
typedef struct {
  const gchar *verb;
  GCallback func;              /* the command's own function type */
} AqmpCliSubcommand;

gboolean  aqmp_cli_parse_subcommand (AqmpCliOptions      *options,
                                     const gchar         *command,
                                     const gchar         *verb,
                                     const GOptionEntry  *shared,
                                     const gchar         *parameters,
                                     const gchar         *description,
                                     const GOptionEntry  *own,
                                     gint                *argc,
                                     gchar             ***argv,
                                     gint                *exit_code);
GCallback aqmp_cli_find_subcommand  (const AqmpCliSubcommand *subcommands,
                                     guint                    n_subcommands,
                                     gint                     argc,
                                     gchar                  **argv,
                                     void                   (*usage) (void),
                                     gint                    *exit_code);

typedef struct _AqmpCliValidate AqmpCliValidate;

gint      aqmp_cli_run_command    (AqmpCliOptions  *options,
                                   AqmpClient      *client,
                                   const gchar     *address,
                                   const gchar     *command,
                                   JsonObject      *arguments,
                                   GUnixFDList     *fds,
                                   AqmpCliValidate *validate);

/* the commands in the tool itself: the ones that need no more than
 * libaqmp and libaqmp-qapi (the others are in aqmp-cli-commands.h) */
gint      aqmp_cmd_exec           (gint             argc,
                                   gchar          **argv);
gint      aqmp_cmd_events         (gint             argc,
                                   gchar          **argv);
gint      aqmp_cmd_describe       (gint             argc,
                                   gchar          **argv);
gint      aqmp_cmd_schema         (gint             argc,
                                   gchar          **argv);

gint      aqmp_tool_run_module_command (const AqmpCommand *command,
                                        gint               argc,
                                        gchar            **argv);

G_END_DECLS
