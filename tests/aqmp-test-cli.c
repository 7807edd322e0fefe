/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <pty.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib-unix.h>
#include <gio/gunixinputstream.h>

#include "aqmp-test-cli.h"

/* ----- output ----- */

/* terminal output without escape sequences, carriage returns, backspaces */
static void
aqmp_test_output_clean (AqmpTestOutput *self)
{
  const gchar *s = self->raw->str;
  gsize n = self->raw->len;

  g_string_truncate (self->text, 0);
  for (gsize i = 0; i < n; i++)
    {
      if (s[i] == '\033' && i + 1 < n && s[i + 1] == '[')
        {
          for (i += 2; i < n && !(s[i] >= 0x40 && s[i] <= 0x7e); i++)
            ;
          continue;
        }
      if (s[i] == '\033' && i + 1 < n && s[i + 1] == ']')
        {
          for (i += 2; i < n && s[i] != '\a' && s[i] != '\033'; i++)
            ;
          continue;
        }
      if (s[i] == '\033')
        {
          i++;
          continue;
        }
      if (s[i] == '\r' || s[i] == '\b' || s[i] == '\a')
        continue;
      g_string_append_c (self->text, s[i]);
    }
}

static gboolean
aqmp_test_output_ready_cb (gint fd, GIOCondition condition, gpointer user_data)
{
  AqmpTestOutput *self = user_data;
  gchar buf[4096];

  for (;;)
    {
      gssize n = read (fd, buf, sizeof buf);

      if (n > 0)
        {
          g_string_append_len (self->raw, buf, n);
          continue;
        }
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        break;
      /* end of file, or EIO from a pty whose other side is closed */
      self->eof = TRUE;
      self->watch = 0;
      aqmp_test_output_clean (self);
      return G_SOURCE_REMOVE;
    }
  aqmp_test_output_clean (self);
  return G_SOURCE_CONTINUE;
}

void
aqmp_test_output_init (AqmpTestOutput *self, gint fd)
{
  g_autoptr(GError) error = NULL;

  self->fd = fd;
  self->raw = g_string_new (NULL);
  self->text = g_string_new (NULL);
  self->eof = FALSE;
  g_unix_set_fd_nonblocking (fd, TRUE, &error);
  g_assert_no_error (error);
  self->watch = g_unix_fd_add (fd, G_IO_IN | G_IO_HUP | G_IO_ERR, aqmp_test_output_ready_cb, self);
}

void
aqmp_test_output_clear (AqmpTestOutput *self)
{
  g_clear_handle_id (&self->watch, g_source_remove);
  if (self->raw != NULL)
    g_string_free (self->raw, TRUE);
  if (self->text != NULL)
    g_string_free (self->text, TRUE);
  self->raw = self->text = NULL;
}

gssize
aqmp_test_output_find (AqmpTestOutput *self, const gchar *needle, gsize from)
{
  const gchar *hit;

  if (from > self->text->len)
    return -1;
  hit = strstr (self->text->str + from, needle);
  return hit != NULL ? hit - self->text->str : -1;
}

typedef struct {
  AqmpTestOutput *output;
  const gchar *needle;
  gsize from;
} AqmpTestNeedle;

static gboolean
aqmp_test_needle_found (gpointer user_data)
{
  AqmpTestNeedle *n = user_data;

  return aqmp_test_output_find (n->output, n->needle, n->from) >= 0;
}

/* returns the offset just past @needle, found at or after @from */
gsize
aqmp_test_output_wait_for (AqmpTestOutput *self, const gchar *needle, gsize from)
{
  AqmpTestNeedle n = { self, needle, from };
  gssize at;

  if (!aqmp_test_wait_until (aqmp_test_needle_found, &n, AQMP_TEST_WAIT_MS))
    {
      g_test_message ("waited for '%s' after offset %" G_GSIZE_FORMAT " in:\n%s", needle, from, self->text->str);
      g_error ("'%s' did not appear within %u ms", needle, AQMP_TEST_WAIT_MS);
    }
  at = aqmp_test_output_find (self, needle, from);
  return (gsize) at + strlen (needle);
}

gboolean
aqmp_test_output_wait_eof (AqmpTestOutput *self)
{
  return aqmp_test_wait_for_flag (&self->eof, AQMP_TEST_WAIT_MS);
}

/* ----- the tool on pipes ----- */

const gchar *
aqmp_test_tool_path (void)
{
  const gchar *tool = g_getenv ("AQMP_TOOL");

  if (tool == NULL)
    g_error ("AQMP_TOOL is not set; run this test through meson");
  return tool;
}

static void
aqmp_test_tool_exited_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AqmpTestTool *self = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), res, NULL);
  self->exited = TRUE;
}

static gint
aqmp_test_pipe_fd (GInputStream *stream)
{
  return g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (stream));
}

/* KEY=VALUE settings */
static void
aqmp_test_launcher_setenv (GSubprocessLauncher *launcher, const gchar * const *env)
{
  for (guint i = 0; env != NULL && env[i] != NULL; i++)
    {
      g_auto(GStrv) kv = g_strsplit (env[i], "=", 2);
      g_subprocess_launcher_setenv (launcher, kv[0], kv[1] != NULL ? kv[1] : "", TRUE);
    }
}

/* the tool keeps the harness's malloc checks; a QEMU it starts does not */
static AqmpTestTool *
aqmp_test_tool_spawnv (const gchar * const *env, const gchar *input, GPtrArray *argv)
{
  AqmpTestTool *self = g_new0 (AqmpTestTool, 1);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  GOutputStream *in;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                        | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  /* English unless a test asks otherwise, whatever the caller's locale */
  g_subprocess_launcher_unsetenv (launcher, "LANGUAGE");
  g_subprocess_launcher_unsetenv (launcher, "LC_ALL");
  g_subprocess_launcher_unsetenv (launcher, "LC_MESSAGES");
  g_subprocess_launcher_setenv (launcher, "LANG", "C.UTF-8", TRUE);
  aqmp_test_launcher_setenv (launcher, aqmp_test_harness_environ ());
  aqmp_test_launcher_setenv (launcher, env);
  self->process = g_subprocess_launcher_spawnv (launcher, (const gchar * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_wait_async (self->process, NULL, aqmp_test_tool_exited_cb, self);
  aqmp_test_output_init (&self->out, aqmp_test_pipe_fd (g_subprocess_get_stdout_pipe (self->process)));
  aqmp_test_output_init (&self->err, aqmp_test_pipe_fd (g_subprocess_get_stderr_pipe (self->process)));

  /* stdin is never the test's own: a pipe, closed after @input */
  in = g_subprocess_get_stdin_pipe (self->process);
  if (input != NULL)
    g_output_stream_write_all (in, input, strlen (input), NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (in, NULL, &error);
  g_assert_no_error (error);
  return self;
}

static GPtrArray *
aqmp_test_tool_argv (const gchar *first_arg, va_list args)
{
  GPtrArray *argv = g_ptr_array_new ();
  const gchar *arg;

  g_ptr_array_add (argv, (gpointer) aqmp_test_tool_path ());
  for (arg = first_arg; arg != NULL; arg = va_arg (args, const gchar *))
    g_ptr_array_add (argv, (gpointer) arg);
  g_ptr_array_add (argv, NULL);
  return argv;
}

AqmpTestTool *
aqmp_test_tool_spawn (const gchar * const *env, const gchar *input, const gchar *first_arg, ...)
{
  va_list args;
  g_autoptr(GPtrArray) argv = NULL;

  va_start (args, first_arg);
  argv = aqmp_test_tool_argv (first_arg, args);
  va_end (args);
  return aqmp_test_tool_spawnv (env, input, argv);
}

/* waits for the exit and all output; the tool must exit, never crash */
gint
aqmp_test_tool_wait (AqmpTestTool *self)
{
  if (!aqmp_test_wait_for_flag (&self->exited, AQMP_TEST_WAIT_MS))
    g_error ("aqmp did not exit within %u ms; it printed:\n%s\n%s", AQMP_TEST_WAIT_MS,
             self->out.text->str, self->err.text->str);
  g_assert_true (aqmp_test_output_wait_eof (&self->out));
  g_assert_true (aqmp_test_output_wait_eof (&self->err));
  if (!g_subprocess_get_if_exited (self->process))
    g_error ("aqmp was killed by signal %d; it printed:\n%s\n%s",
             g_subprocess_get_term_sig (self->process), self->out.text->str, self->err.text->str);
  return g_subprocess_get_exit_status (self->process);
}

void
aqmp_test_tool_free (AqmpTestTool *self)
{
  if (self == NULL)
    return;
  if (!self->exited)
    {
      g_subprocess_force_exit (self->process);
      aqmp_test_wait_for_flag (&self->exited, AQMP_TEST_WAIT_MS);
    }
  aqmp_test_output_clear (&self->out);
  aqmp_test_output_clear (&self->err);
  g_object_unref (self->process);
  g_free (self);
}

/* runs the tool to its end; returns the exit status */
gint
aqmp_test_tool_run (const gchar * const *env, const gchar *input, gchar **out, gchar **err,
                    const gchar *first_arg, ...)
{
  va_list args;
  g_autoptr(GPtrArray) argv = NULL;
  g_autoptr(AqmpTestTool) tool = NULL;
  gint status;

  va_start (args, first_arg);
  argv = aqmp_test_tool_argv (first_arg, args);
  va_end (args);
  tool = aqmp_test_tool_spawnv (env, input, argv);
  status = aqmp_test_tool_wait (tool);
  if (out != NULL)
    *out = g_strdup (tool->out.text->str);
  if (err != NULL)
    *err = g_strdup (tool->err.text->str);
  g_test_message ("aqmp exited %d; stdout:\n%s\nstderr:\n%s", status, tool->out.text->str, tool->err.text->str);
  return status;
}

/* ----- what the tool printed ----- */

guint
aqmp_test_count_lines (const gchar *text)
{
  guint n = 0;

  for (const gchar *p = text; *p != '\0'; p++)
    if (*p == '\n')
      n++;
  return n;
}

/* an error is exactly one line on stderr, starting with "aqmp: " */
void
aqmp_test_assert_one_error_line (const gchar *err)
{
  g_assert_true (g_str_has_prefix (err, "aqmp: "));
  g_assert_cmpuint (aqmp_test_count_lines (err), ==, 1);
  g_assert_true (g_str_has_suffix (err, "\n"));
}

/* ----- the tool on a pseudo-terminal ----- */

static void
aqmp_test_pty_exited_cb (GPid pid, gint status, gpointer user_data)
{
  AqmpTestPty *self = user_data;

  self->status = status;
  self->exited = TRUE;
  g_spawn_close_pid (pid);
}

static gchar **
aqmp_test_environ_set (gchar **envp, const gchar * const *env)
{
  for (guint i = 0; env != NULL && env[i] != NULL; i++)
    {
      g_auto(GStrv) kv = g_strsplit (env[i], "=", 2);
      envp = g_environ_setenv (envp, kv[0], kv[1] != NULL ? kv[1] : "", TRUE);
    }
  return envp;
}

/* @env: KEY=VALUE settings on top of an English xterm (and the harness's
 * malloc checks); a terminal of @columns */
static AqmpTestPty *
aqmp_test_pty_spawn_valist (guint columns, const gchar * const *env, const gchar *first_arg, va_list args)
{
  AqmpTestPty *self = g_new0 (AqmpTestPty, 1);
  g_auto(GStrv) envp = g_get_environ ();
  g_autoptr(GPtrArray) argv = NULL;
  const gchar *tool = aqmp_test_tool_path ();
  struct winsize ws = { .ws_row = 40, .ws_col = columns };

  argv = aqmp_test_tool_argv (first_arg, args);

  envp = g_environ_setenv (envp, "TERM", "xterm", TRUE);
  envp = g_environ_setenv (envp, "INPUTRC", "/dev/null", TRUE);
  envp = g_environ_setenv (envp, "LANG", "C.UTF-8", TRUE);
  envp = g_environ_unsetenv (envp, "LANGUAGE");
  envp = g_environ_unsetenv (envp, "LC_ALL");
  envp = g_environ_unsetenv (envp, "LC_MESSAGES");
  envp = aqmp_test_environ_set (envp, aqmp_test_harness_environ ());
  envp = aqmp_test_environ_set (envp, env);

  /* only async-signal-safe calls between fork and exec */
  self->pid = forkpty (&self->master, NULL, NULL, &ws);
  g_assert_cmpint (self->pid, >=, 0);
  if (self->pid == 0)
    {
      execve (tool, (gchar **) argv->pdata, envp);
      _exit (127);
    }
  g_child_watch_add (self->pid, aqmp_test_pty_exited_cb, self);
  aqmp_test_output_init (&self->out, self->master);
  return self;
}

/* on a terminal 200 columns wide */
AqmpTestPty *
aqmp_test_pty_spawn (const gchar * const *env, const gchar *first_arg, ...)
{
  AqmpTestPty *self;
  va_list args;

  va_start (args, first_arg);
  self = aqmp_test_pty_spawn_valist (200, env, first_arg, args);
  va_end (args);
  return self;
}

AqmpTestPty *
aqmp_test_pty_spawn_columns (guint columns, const gchar * const *env, const gchar *first_arg, ...)
{
  AqmpTestPty *self;
  va_list args;

  va_start (args, first_arg);
  self = aqmp_test_pty_spawn_valist (columns, env, first_arg, args);
  va_end (args);
  return self;
}

/* the terminal changes its width; the kernel sends the tool SIGWINCH */
void
aqmp_test_pty_resize (AqmpTestPty *self, guint columns)
{
  struct winsize ws = { .ws_row = 40, .ws_col = columns };

  g_assert_cmpint (ioctl (self->master, TIOCSWINSZ, &ws), ==, 0);
}

/* the widest line the terminal was given from @raw_from in its raw
 * output, in characters: lines end at a newline or a carriage return,
 * escape sequences take no room */
guint
aqmp_test_output_widest_line (AqmpTestOutput *self, gsize raw_from, gchar **widest)
{
  g_autoptr(GString) line = g_string_new (NULL);
  const gchar *s = self->raw->str;
  gsize n = self->raw->len;
  guint most = 0;

  for (gsize i = MIN (raw_from, n); i <= n; i++)
    {
      if (i == n || s[i] == '\r' || s[i] == '\n')
        {
          guint cells = (guint) g_utf8_strlen (line->str, -1);

          if (cells > most && widest != NULL)
            {
              g_free (*widest);
              *widest = g_strdup (line->str);
            }
          most = MAX (most, cells);
          g_string_truncate (line, 0);
          continue;
        }
      if (s[i] == '\033' && i + 1 < n && s[i + 1] == '[')
        {
          for (i += 2; i < n && !(s[i] >= 0x40 && s[i] <= 0x7e); i++)
            ;
          continue;
        }
      g_string_append_c (line, s[i]);
    }
  return most;
}

void
aqmp_test_pty_write (AqmpTestPty *self, const gchar *text)
{
  gsize len = strlen (text);
  gsize done = 0;

  while (done < len)
    {
      gssize n = write (self->master, text + done, len - done);

      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      g_assert_cmpint (n, >, 0);
      done += n;
    }
}

/* the tool must exit by itself, with @expected, and not be killed */
void
aqmp_test_pty_wait_exit (AqmpTestPty *self, gint expected)
{
  if (!aqmp_test_wait_for_flag (&self->exited, AQMP_TEST_WAIT_MS))
    g_error ("aqmp did not exit within %u ms; it printed:\n%s", AQMP_TEST_WAIT_MS, self->out.text->str);
  if (!WIFEXITED (self->status))
    g_error ("aqmp was killed by signal %d; it printed:\n%s", WTERMSIG (self->status), self->out.text->str);
  g_assert_cmpint (WEXITSTATUS (self->status), ==, expected);
}

void
aqmp_test_pty_free (AqmpTestPty *self)
{
  if (!self->exited)
    {
      kill (self->pid, SIGKILL);
      aqmp_test_wait_for_flag (&self->exited, AQMP_TEST_WAIT_MS);
    }
  g_test_message ("aqmp printed on the terminal:\n%s", self->out.text->str);
  aqmp_test_output_clear (&self->out);
  close (self->master);
  g_free (self);
}
