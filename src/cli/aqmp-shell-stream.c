/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>

#include "aqmp-shell.h"

/*
 * The front end for scripts: stdin is not a terminal, so commands are read
 * one a line, each sent once the previous one has answered. At the end of
 * input the shell exits with the worst status seen.
 */

typedef struct {
  AqmpShell *shell;
  GDataInputStream *input;
  GCancellable *cancellable;
} AqmpStream;

static AqmpStream stream;

static void aqmp_stream_read_next (void);

static void
aqmp_stream_print (AqmpShell *shell, const gchar *text, gboolean to_stderr)
{
  FILE *out = to_stderr ? stderr : stdout;

  if (to_stderr)
    fflush (stdout);
  fputs (text, out);
  fflush (out);
}

static void
aqmp_stream_done_cb (AqmpShell *shell, gpointer user_data)
{
  if (shell->quitting)
    return;
  aqmp_stream_read_next ();
}

static void
aqmp_stream_end (AqmpShell *shell)
{
  if (aqmp_shell_discard_block (shell))
    {
      aqmp_shell_message (shell, TRUE, _("the input ended inside a transaction block; it was not sent"));
      shell->status = MAX (shell->status, AQMP_EXIT_PROBLEM);
    }
  aqmp_shell_quit (shell, shell->status);
}

static void
aqmp_stream_line_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpShell *shell = stream.shell;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), res, NULL, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || shell == NULL || shell->quitting)
    return;
  if (error != NULL)
    {
      /* TRANSLATORS: standard input could not be read; %s says why */
      aqmp_shell_message (shell, TRUE, _("cannot read the input: %s"), error->message);
      aqmp_shell_quit (shell, AQMP_EXIT_PROBLEM);
      return;
    }
  if (line == NULL)
    {
      aqmp_stream_end (shell);
      return;
    }
  if (!aqmp_shell_run_line (shell, line, aqmp_stream_done_cb, NULL))
    aqmp_stream_read_next ();
}

static void
aqmp_stream_read_next (void)
{
  g_data_input_stream_read_line_async (stream.input, G_PRIORITY_DEFAULT, stream.cancellable,
                                       aqmp_stream_line_cb, NULL);
}

void
aqmp_shell_stream_start (AqmpShell *self)
{
  g_autoptr(GInputStream) in = g_unix_input_stream_new (STDIN_FILENO, FALSE);

  stream.shell = self;
  stream.input = g_data_input_stream_new (in);
  stream.cancellable = g_cancellable_new ();
  g_data_input_stream_set_newline_type (stream.input, G_DATA_STREAM_NEWLINE_TYPE_ANY);
  self->print = aqmp_stream_print;
  aqmp_stream_read_next ();
}

void
aqmp_shell_stream_stop (AqmpShell *self)
{
  if (stream.shell == NULL)
    return;
  g_cancellable_cancel (stream.cancellable);
  g_clear_object (&stream.cancellable);
  g_clear_object (&stream.input);
  stream.shell = NULL;
}
