/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <readline/readline.h>
#include <readline/history.h>

#include "aqmp-args.h"
#include "aqmp-shell.h"

/*
 * The terminal front end: GNU readline's callback interface driven from the
 * GLib main loop, so events are printed the moment they arrive. While a
 * command runs the prompt is taken down and stdin is not read; readline's
 * state is global, hence the one static instance.
 */

#define AQMP_HISTORY_MAX 1000

typedef struct {
  AqmpShell *shell;
  guint stdin_watch;
  guint sigint_watch;
  guint sigwinch_watch;
  gboolean prompt_shown;
  gchar *history_path;
  GPtrArray *candidates;      /* completion matches being handed out */
  guint next_candidate;
} AqmpReadline;

static AqmpReadline rl;

static void aqmp_readline_show_prompt (void);

/* ----- printing without breaking the line being typed ----- */

static void
aqmp_readline_print (AqmpShell *shell, const gchar *text, gboolean to_stderr)
{
  FILE *out = to_stderr ? stderr : stdout;

  if (!rl.prompt_shown)
    {
      fputs (text, out);
      fflush (out);
      return;
    }
  /* clear the prompt and the half-typed line, print, then draw them again */
  rl_clear_visible_line ();
  fflush (rl_outstream);
  fputs (text, out);
  fflush (out);
  rl_on_new_line ();
  rl_forced_update_display ();
}

/* ----- history ----- */

static void
aqmp_readline_history_load (void)
{
  g_autofree gchar *dir = g_build_filename (g_get_user_state_dir (), "aqmp", NULL);

  using_history ();
  rl.history_path = g_build_filename (dir, "history", NULL);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      /* TRANSLATORS: the shell's history cannot be kept; the arguments are
       * a directory and the system's reason */
      aqmp_shell_message (rl.shell, TRUE, _("history not saved: cannot create %s: %s"),
                          dir, g_strerror (errno));
      g_clear_pointer (&rl.history_path, g_free);
      return;
    }
  read_history (rl.history_path);
  stifle_history (AQMP_HISTORY_MAX);
}

/* secrets never reach the history, in memory or on disk */
static void
aqmp_readline_history_add (const gchar *text)
{
  HIST_ENTRY *last = history_get (history_base + history_length - 1);
  g_autofree gchar *line = NULL;
  gint rc;

  if (text[0] == '\0' || g_ascii_isspace (text[0]))
    return;
  line = aqmp_shell_history_entry (rl.shell, text);
  if (line == NULL)
    return;
  if (last != NULL && g_strcmp0 (last->line, line) == 0)
    return;
  add_history (line);
  if (rl.history_path == NULL)
    return;
  /* append as we go, so a killed shell keeps its history */
  if (g_file_test (rl.history_path, G_FILE_TEST_EXISTS))
    rc = append_history (1, rl.history_path);
  else
    rc = write_history (rl.history_path);
  if (rc != 0)
    g_debug ("cannot save history to %s: %s", rl.history_path, g_strerror (rc));
}

static void
aqmp_readline_history_save (void)
{
  if (rl.history_path != NULL)
    history_truncate_file (rl.history_path, AQMP_HISTORY_MAX);
  g_clear_pointer (&rl.history_path, g_free);
  clear_history ();
}

/* ----- completion ----- */

static gchar *
aqmp_readline_candidate (const char *text, int state)
{
  if (state == 0)
    rl.next_candidate = 0;
  if (rl.candidates == NULL || rl.next_candidate >= rl.candidates->len)
    return NULL;
  /* readline frees what it gets with free() */
  return strdup (g_ptr_array_index (rl.candidates, rl.next_candidate++));
}

static GPtrArray *
aqmp_readline_candidates (AqmpShell *shell, const char *text, int start)
{
  g_autofree gchar *before = g_strndup (rl_line_buffer, start);
  g_auto(GStrv) words = NULL;
  g_autoptr(JsonObject) given = NULL;
  gint n_words = 0;
  GPtrArray *matches;

  if (!g_shell_parse_argv (before, &n_words, &words, NULL))
    n_words = 0;
  if (n_words == 0)
    {
      if (shell->block != NULL)
        return aqmp_shell_complete_action (shell->schema, text);
      matches = aqmp_shell_complete_command (shell->schema, text);
      if (g_str_has_prefix ("transaction(", text))
        g_ptr_array_add (matches, g_strdup ("transaction("));
      return matches;
    }
  if (text[0] == '{')
    return NULL;
  /* what is typed so far picks union variants and drops given names */
  given = aqmp_args_parse ((const gchar * const *) words + 1, n_words - 1, NULL);
  if (shell->block != NULL)
    return aqmp_shell_complete_action_argument (shell->schema, words[0], given, text);
  return aqmp_shell_complete_argument (shell->schema, words[0], given, text);
}

static gboolean
aqmp_readline_wants_value (GPtrArray *matches)
{
  for (guint i = 0; i < matches->len; i++)
    {
      const gchar *m = g_ptr_array_index (matches, i);
      if (!g_str_has_suffix (m, "=") && !g_str_has_suffix (m, ".") && !g_str_has_suffix (m, "("))
        return FALSE;
    }
  return TRUE;
}

/* the shell's own commands, and the ids of its jobs after /cancel and the
 * others; NULL when the line is not one of them */
static GPtrArray *
aqmp_readline_shell_candidates (AqmpShell *shell, const char *text, int start)
{
  g_autofree gchar *before = g_strndup (rl_line_buffer, start);
  g_auto(GStrv) words = NULL;
  gint n_words = 0;

  if (shell->jobs == NULL || shell->block != NULL)
    return NULL;
  if (!g_shell_parse_argv (before, &n_words, &words, NULL))
    n_words = 0;
  if (n_words == 0)
    return text[0] == '/' ? aqmp_shell_jobs_complete (shell->jobs, NULL, text) : NULL;
  if (words[0][0] != '/')
    return NULL;
  return n_words == 1 ? aqmp_shell_jobs_complete (shell->jobs, words[0], text) : g_ptr_array_new ();
}

static char **
aqmp_readline_complete (const char *text, int start, int end)
{
  char **result;

  /* never fall back to file names */
  rl_attempted_completion_over = 1;
  g_clear_pointer (&rl.candidates, g_ptr_array_unref);
  rl.candidates = aqmp_readline_shell_candidates (rl.shell, text, start);
  if (rl.candidates == NULL && (rl.shell->hmp || rl.shell->schema == NULL))
    return NULL;
  if (rl.candidates == NULL)
    rl.candidates = aqmp_readline_candidates (rl.shell, text, start);
  if (rl.candidates == NULL || rl.candidates->len == 0)
    return NULL;
  /* "name=" waits for its value, a command name for its arguments */
  rl_completion_append_character = aqmp_readline_wants_value (rl.candidates) ? '\0' : ' ';
  result = rl_completion_matches (text, aqmp_readline_candidate);
  g_clear_pointer (&rl.candidates, g_ptr_array_unref);
  return result;
}

/* ----- input ----- */

static gboolean
aqmp_readline_stdin_cb (gint fd, GIOCondition condition, gpointer user_data)
{
  rl_callback_read_char ();
  return G_SOURCE_CONTINUE;
}

/*
 * Takes the prompt down. The terminal stays in readline's mode while a
 * command runs, so what is typed meanwhile (even Ctrl-D) waits for the
 * next prompt instead of being echoed and cooked by the tty.
 */
static void
aqmp_readline_hide_prompt (void)
{
  g_clear_handle_id (&rl.stdin_watch, g_source_remove);
  if (!rl.prompt_shown)
    return;
  rl.prompt_shown = FALSE;
  rl_callback_handler_remove ();
  rl_prep_terminal (1);
}

static void
aqmp_readline_done_cb (AqmpShell *shell, gpointer user_data)
{
  if (shell->quitting)
    return;
  aqmp_readline_show_prompt ();
}

static void
aqmp_readline_line_cb (char *text)
{
  AqmpShell *shell = rl.shell;
  g_autofree gchar *line = NULL;

  /* Ctrl-D */
  if (text == NULL)
    {
      aqmp_readline_hide_prompt ();
      fputc ('\n', stdout);
      aqmp_shell_quit (shell, AQMP_EXIT_OK);
      return;
    }
  line = g_strdup (text);
  free (text);
  aqmp_readline_history_add (line);
  aqmp_readline_hide_prompt ();
  if (!aqmp_shell_run_line (shell, line, aqmp_readline_done_cb, NULL))
    aqmp_readline_done_cb (shell, NULL);
}

static void
aqmp_readline_show_prompt (void)
{
  if (rl.prompt_shown)
    return;
  rl.prompt_shown = TRUE;
  rl_callback_handler_install (aqmp_shell_get_prompt (rl.shell), aqmp_readline_line_cb);
  rl.stdin_watch = g_unix_fd_add (STDIN_FILENO, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                  aqmp_readline_stdin_cb, NULL);
}

/* Ctrl-C: interrupt a command, drop a line or a block, or leave */
static gboolean
aqmp_readline_sigint_cb (gpointer user_data)
{
  AqmpShell *shell = rl.shell;

  if (shell->running != NULL)
    {
      g_cancellable_cancel (shell->running);
      return G_SOURCE_CONTINUE;
    }
  if (!rl.prompt_shown)
    return G_SOURCE_CONTINUE;
  if (rl_end == 0 && shell->block == NULL)
    {
      aqmp_readline_hide_prompt ();
      fputc ('\n', stdout);
      aqmp_shell_quit (shell, AQMP_EXIT_OK);
      return G_SOURCE_CONTINUE;
    }
  if (rl_end == 0 && aqmp_shell_discard_block (shell))
    aqmp_shell_message (shell, FALSE, _("transaction discarded"));
  /* start again on a fresh line */
  rl_callback_sigcleanup ();
  rl_free_line_state ();
  rl_replace_line ("", 0);
  rl_point = rl_end = 0;
  aqmp_readline_hide_prompt ();
  fputc ('\n', stdout);
  aqmp_readline_show_prompt ();
  return G_SOURCE_CONTINUE;
}

static gboolean
aqmp_readline_sigwinch_cb (gpointer user_data)
{
  rl_resize_terminal ();
  return G_SOURCE_CONTINUE;
}

void
aqmp_shell_readline_start (AqmpShell *self)
{
  rl.shell = self;
  self->print = aqmp_readline_print;
  rl_readline_name = "aqmp";
  /* GLib handles the signals; readline must not install its own */
  rl_catch_signals = 0;
  rl_catch_sigwinch = 0;
  rl_completer_word_break_characters = " \t\n";
  rl_attempted_completion_function = aqmp_readline_complete;
  aqmp_readline_history_load ();
  rl.sigint_watch = g_unix_signal_add (SIGINT, aqmp_readline_sigint_cb, NULL);
  rl.sigwinch_watch = g_unix_signal_add (SIGWINCH, aqmp_readline_sigwinch_cb, NULL);
  aqmp_readline_show_prompt ();
}

/* leaves the terminal as it was found */
void
aqmp_shell_readline_stop (AqmpShell *self)
{
  if (rl.shell == NULL)
    return;
  /* after a disconnect the prompt is still up: take it away */
  if (rl.prompt_shown)
    {
      rl_clear_visible_line ();
      fflush (rl_outstream);
    }
  aqmp_readline_hide_prompt ();
  rl_deprep_terminal ();
  g_clear_handle_id (&rl.sigint_watch, g_source_remove);
  g_clear_handle_id (&rl.sigwinch_watch, g_source_remove);
  aqmp_readline_history_save ();
  g_clear_pointer (&rl.candidates, g_ptr_array_unref);
  rl.shell = NULL;
}
