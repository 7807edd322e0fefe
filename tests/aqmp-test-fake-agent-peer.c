/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fake guest agent (aqmp-test-fake-agent.c) as a process of its own,
 * for tests in other languages (tests/python): it prints "unix:PATH" on
 * one line once it listens, serves until its standard input closes, then
 * prints every command it received, one a line, and exits.
 *
 *   aqmp-test-fake-agent-peer [--exec-out TEXT] [--exec-exit N]
 */
#include <stdio.h>
#include <unistd.h>

#include <glib-unix.h>

#include "aqmp-test-fake-agent.h"

static gboolean
stdin_closed_cb (gint fd, GIOCondition condition, gpointer user_data)
{
  gchar buf[64];

  /* anything written is ignored; end of file (or an error) ends the run */
  if ((condition & G_IO_IN) && read (fd, buf, sizeof buf) > 0)
    return G_SOURCE_CONTINUE;
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  g_autoptr(AqmpTestFakeAgent) agent = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GOptionContext) options = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *exec_out = NULL;
  gint exec_exit = 0;
  GOptionEntry entries[] = {
    { "exec-out", 0, 0, G_OPTION_ARG_STRING, &exec_out, "guest-exec's output", "TEXT" },
    { "exec-exit", 0, 0, G_OPTION_ARG_INT, &exec_exit, "guest-exec's exit code", "N" },
    { NULL }
  };

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  agent = aqmp_test_fake_agent_new ();
  if (exec_out != NULL)
    {
      g_free (agent->exec_out);
      agent->exec_out = g_steal_pointer (&exec_out);
    }
  agent->exec_exit_code = exec_exit;
  g_print ("%s\n", agent->address);
  fflush (stdout);
  g_unix_fd_add (0, G_IO_IN | G_IO_HUP | G_IO_ERR, stdin_closed_cb, loop);
  g_main_loop_run (loop);
  for (guint i = 0; i < agent->received->len; i++)
    g_print ("%s\n", (const gchar *) g_ptr_array_index (agent->received, i));
  return 0;
}
