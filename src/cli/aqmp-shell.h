/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "aqmp-cli-commands.h"
#include "aqmp-shell-complete.h"

G_BEGIN_DECLS

/*
 * The shell's interpreter: one line in, one command (or transaction, or
 * HMP command) out, results and events printed. Input comes from a front
 * end: readline on a terminal (aqmp-shell-readline.c), or lines from a
 * pipe or file (aqmp-shell-stream.c).
 */
typedef struct _AqmpShell AqmpShell;
typedef struct _AqmpShellJobs AqmpShellJobs;

typedef void (*AqmpShellDoneFunc)  (AqmpShell   *shell,
                                    gpointer     user_data);
/* prints @text (which ends in a newline) without disturbing the input */
typedef void (*AqmpShellPrintFunc) (AqmpShell   *shell,
                                    const gchar *text,
                                    gboolean     to_stderr);

struct _AqmpShell {
  AqmpClient *client;
  GMainLoop *loop;
  AqmpSchema *schema;         /* for completion; may be NULL */
  gboolean interactive;       /* a terminal: readline, human output */
  gboolean hmp;               /* lines are HMP commands */
  gboolean pretty;
  gboolean json_events;       /* events as JSON lines even on a terminal */
  gint status;                /* the worst failure so far (scripts) */
  gint exit_code;             /* set when the loop is quit */
  gboolean connected;          /* a failed connect is reported once, by its callback */
  gboolean quitting;
  GPtrArray *block;           /* a transaction's actions being typed */
  GCancellable *running;      /* the command in flight */
  AqmpShellPrintFunc print;
  const gchar *address;       /* the machine, for the job runner */
  AqmpShellJobs *jobs;        /* the shell's own commands (aqmp-shell-jobs.c) */
};

void         aqmp_shell_init          (AqmpShell         *self,
                                       AqmpClient        *client,
                                       GMainLoop         *loop);
void         aqmp_shell_clear         (AqmpShell         *self);
const gchar *aqmp_shell_get_prompt    (AqmpShell         *self);
gboolean     aqmp_shell_run_line      (AqmpShell         *self,
                                       const gchar       *line,
                                       AqmpShellDoneFunc  done,
                                       gpointer           user_data);
gboolean     aqmp_shell_discard_block (AqmpShell         *self);
gchar       *aqmp_shell_history_entry (AqmpShell         *self,
                                       const gchar       *text);
void         aqmp_shell_quit          (AqmpShell         *self,
                                       gint               exit_code);
void         aqmp_shell_message       (AqmpShell         *self,
                                       gboolean           to_stderr,
                                       const gchar       *format,
                                       ...) G_GNUC_PRINTF (3, 4);

/* the shell's own commands: /start, /jobs, /cancel, ..., /help */
AqmpShellJobs *aqmp_shell_jobs_new      (AqmpShell        *shell,
                                         const gchar      *db_path);
void           aqmp_shell_jobs_free     (AqmpShellJobs    *self);
void           aqmp_shell_jobs_run_line (AqmpShellJobs    *self,
                                         const gchar      *line);
GPtrArray     *aqmp_shell_jobs_complete (AqmpShellJobs    *self,
                                         const gchar      *command,
                                         const gchar      *prefix);

/* the front ends */
void         aqmp_shell_readline_start (AqmpShell        *self);
void         aqmp_shell_readline_stop  (AqmpShell        *self);
void         aqmp_shell_stream_start   (AqmpShell        *self);
void         aqmp_shell_stream_stop    (AqmpShell        *self);

G_END_DECLS
