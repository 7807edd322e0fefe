/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "bench-common.h"

void
bench_result (const gchar *name, gdouble value, const gchar *unit)
{
  printf ("RESULT %s %.6g %s\n", name, value, unit);
  fflush (stdout);
}

void
bench_note (const gchar *format, ...)
{
  va_list args;
  g_autofree gchar *text = NULL;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  printf ("NOTE %s\n", text);
  fflush (stdout);
}

gdouble
bench_now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gdouble) ts.tv_sec + (gdouble) ts.tv_nsec / 1e9;
}

gdouble
bench_cpu_self (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return (gdouble) ru.ru_utime.tv_sec + (gdouble) ru.ru_utime.tv_usec / 1e6
         + (gdouble) ru.ru_stime.tv_sec + (gdouble) ru.ru_stime.tv_usec / 1e6;
}

gsize
bench_rss_bytes (void)
{
  g_autofree gchar *status = NULL;
  const gchar *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  line = strstr (status, "\nVmRSS:");
  if (line == NULL)
    return 0;
  return (gsize) g_ascii_strtoull (line + strlen ("\nVmRSS:"), NULL, 10) * 1024;
}

void
bench_raise_nofile (void)
{
  struct rlimit rl;

  if (getrlimit (RLIMIT_NOFILE, &rl) != 0)
    return;
  rl.rlim_cur = rl.rlim_max;
  setrlimit (RLIMIT_NOFILE, &rl);
}

guint
bench_env_uint (const gchar *name, guint fallback)
{
  const gchar *value = g_getenv (name);
  guint64 parsed;

  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT, &parsed, NULL))
    return fallback;
  return (guint) parsed;
}

static gint
bench_compare_doubles (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a;
  gdouble y = *(const gdouble *) b;

  return (x > y) - (x < y);
}

gdouble
bench_median (gdouble *values, guint n)
{
  if (n == 0)
    return 0;
  qsort (values, n, sizeof (gdouble), bench_compare_doubles);
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

gchar *
bench_program_path (const gchar *argv0, const gchar *name)
{
  g_autofree gchar *dir = g_path_get_dirname (argv0);

  return g_build_filename (dir, name, NULL);
}

static gboolean
bench_timed_out_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
bench_wait_flag (gboolean *flag, gdouble timeout_s)
{
  GMainContext *context = g_main_context_get_thread_default ();
  gboolean timed_out = FALSE;
  GSource *timer = g_timeout_source_new ((guint) (timeout_s * 1000));

  g_source_set_callback (timer, bench_timed_out_cb, &timed_out, NULL);
  g_source_attach (timer, context);
  while (!*flag && !timed_out)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timer);
  g_source_unref (timer);
  return *flag;
}

gboolean
bench_wait_count (guint64 *counter, guint64 target, gdouble timeout_s)
{
  GMainContext *context = g_main_context_get_thread_default ();
  gboolean timed_out = FALSE;
  GSource *timer;

  timer = g_timeout_source_new ((guint) (timeout_s * 1000));
  g_source_set_callback (timer, bench_timed_out_cb, &timed_out, NULL);
  g_source_attach (timer, context);
  while (*counter < target && !timed_out)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timer);
  g_source_unref (timer);
  return *counter >= target;
}

static BenchPeer *
bench_peer_new (GError **error)
{
  BenchPeer *peer = g_new0 (BenchPeer, 1);

  peer->dir = g_dir_make_tmp ("aqmp-bench-XXXXXX", error);
  if (peer->dir == NULL)
    {
      g_free (peer);
      return NULL;
    }
  peer->address = g_build_filename (peer->dir, "qmp.sock", NULL);
  return peer;
}

BenchPeer *
bench_responder_start (const gchar *argv0, GError **error)
{
  g_autoptr(BenchPeer) peer = bench_peer_new (error);
  g_autofree gchar *program = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree gchar *line = NULL;

  if (peer == NULL)
    return NULL;
  program = bench_program_path (argv0, "qmp-responder");
  peer->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, error,
                                    program, peer->address, NULL);
  if (peer->process == NULL)
    return NULL;
  /* it prints one line once it listens */
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (peer->process));
  line = g_data_input_stream_read_line (out, NULL, NULL, error);
  if (line == NULL || g_strcmp0 (line, "ready") != 0)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "qmp-responder did not start");
      return NULL;
    }
  return g_steal_pointer (&peer);
}

const gchar *
bench_qemu_binary (void)
{
  static gchar *binary;

  if (binary == NULL)
    binary = g_find_program_in_path ("qemu-system-x86_64");
  return binary;
}

/* connects once and reads the greeting, so that QEMU is surely serving */
static gboolean
bench_qemu_probe (const gchar *path)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  gint fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  gchar c = 0;
  gboolean ok = FALSE;

  g_strlcpy (sa.sun_path, path, sizeof (sa.sun_path));
  if (connect (fd, (struct sockaddr *) &sa, sizeof (sa)) == 0)
    {
      while (read (fd, &c, 1) == 1)
        if (c == '\n')
          {
            ok = TRUE;
            break;
          }
    }
  close (fd);
  return ok;
}

BenchPeer *
bench_qemu_start (const gchar * const *extra_args, gboolean quiet, GError **error)
{
  g_autoptr(BenchPeer) peer = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  GSubprocessFlags flags = G_SUBPROCESS_FLAGS_STDIN_PIPE;
  gdouble deadline;

  if (bench_qemu_binary () == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "qemu-system-x86_64 is not installed");
      return NULL;
    }
  peer = bench_peer_new (error);
  if (peer == NULL)
    return NULL;
  g_ptr_array_add (argv, g_strdup (bench_qemu_binary ()));
  g_ptr_array_add (argv, g_strdup ("-machine"));
  g_ptr_array_add (argv, g_strdup ("none"));
  g_ptr_array_add (argv, g_strdup ("-nodefaults"));
  g_ptr_array_add (argv, g_strdup ("-no-user-config"));
  g_ptr_array_add (argv, g_strdup ("-display"));
  g_ptr_array_add (argv, g_strdup ("none"));
  g_ptr_array_add (argv, g_strdup ("-qmp"));
  g_ptr_array_add (argv, g_strdup_printf ("unix:%s,server=on,wait=off", peer->address));
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (extra_args[i]));
  g_ptr_array_add (argv, NULL);

  if (quiet)
    flags |= G_SUBPROCESS_FLAGS_STDERR_SILENCE;
  launcher = g_subprocess_launcher_new (flags);
  /* the harness's allocator checks are not QEMU's: QEMU 7.2 runs a
   * rate-limited job to its end at once under MALLOC_PERTURB_ */
  g_subprocess_launcher_unsetenv (launcher, "MALLOC_PERTURB_");
  g_subprocess_launcher_unsetenv (launcher, "MALLOC_CHECK_");
  peer->process = g_subprocess_launcher_spawnv (launcher, (const gchar * const *) argv->pdata, error);
  if (peer->process == NULL)
    return NULL;
  deadline = bench_now () + 15;
  while (!bench_qemu_probe (peer->address))
    {
      if (bench_now () > deadline || g_subprocess_get_identifier (peer->process) == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "QEMU did not start serving QMP");
          return NULL;
        }
      g_usleep (10000);
    }
  return g_steal_pointer (&peer);
}

void
bench_peer_stop (BenchPeer *peer)
{
  if (peer == NULL)
    return;
  if (peer->process != NULL)
    {
      g_subprocess_force_exit (peer->process);
      g_subprocess_wait (peer->process, NULL, NULL);
      g_object_unref (peer->process);
    }
  if (peer->address != NULL)
    g_unlink (peer->address);
  if (peer->dir != NULL)
    g_rmdir (peer->dir);
  g_free (peer->address);
  g_free (peer->dir);
  g_free (peer);
}

gboolean
bench_run_floor (const gchar *argv0, const gchar *address, const gchar *mode,
                 guint64 count, guint window, gdouble *rate, gdouble *cpu_per_op)
{
  g_autofree gchar *program = bench_program_path (argv0, "qmp-floor");
  g_autofree gchar *count_s = g_strdup_printf ("%" G_GUINT64_FORMAT, count);
  g_autofree gchar *window_s = g_strdup_printf ("%u", window);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *out = NULL;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                              program, address, mode, count_s, window_s, NULL);
  if (process == NULL || !g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error)
      || !g_subprocess_get_successful (process))
    {
      g_printerr ("qmp-floor %s failed: %s\n", mode, error != NULL ? error->message : "exit status");
      return FALSE;
    }
  if (sscanf (out, "rate %lf cpu %lf", rate, cpu_per_op) != 2)
    {
      g_printerr ("qmp-floor: unexpected output: %s\n", out);
      return FALSE;
    }
  return TRUE;
}

gdouble
bench_spawn_wall (const gchar * const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GSubprocess) process = NULL;
  gdouble t0;

  g_subprocess_launcher_set_stdout_file_path (launcher, "/dev/null");
  g_subprocess_launcher_set_stderr_file_path (launcher, "/dev/null");
  t0 = bench_now ();
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  if (process == NULL || !g_subprocess_wait (process, NULL, &error))
    return -1;
  if (!g_subprocess_get_successful (process))
    return -1;
  return bench_now () - t0;
}

AqmpClient *
bench_connect (const gchar *address, GError **error)
{
  g_autoptr(AqmpClient) client = aqmp_client_new ();

  if (!aqmp_client_connect_sync (client, address, NULL, error))
    return NULL;
  return g_steal_pointer (&client);
}

void
bench_disconnect (AqmpClient *client)
{
  if (client == NULL)
    return;
  aqmp_client_disconnect_sync (client, NULL, NULL);
  g_object_unref (client);
}

typedef struct {
  AqmpClient *client;
  const gchar *command;
  guint64 count;
  guint64 issued;
  guint64 completed;
  guint64 failed;
} BenchAsync;

static void bench_async_issue (BenchAsync *run);

static void
bench_async_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  BenchAsync *run = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = aqmp_client_execute_finish (AQMP_CLIENT (source), res, &error);

  if (value == NULL)
    run->failed++;
  run->completed++;
  if (run->issued < run->count)
    bench_async_issue (run);
}

static void
bench_async_issue (BenchAsync *run)
{
  run->issued++;
  aqmp_client_execute_async (run->client, run->command, NULL, NULL, bench_async_done_cb, run);
}

BenchRun
bench_execute_async (AqmpClient *client, const gchar *command, guint64 count, guint window)
{
  BenchAsync run = { .client = client, .command = command, .count = count };
  BenchRun result = { 0, };
  gdouble t0 = bench_now ();
  gdouble c0 = bench_cpu_self ();

  for (guint i = 0; i < window && run.issued < count; i++)
    bench_async_issue (&run);
  if (!bench_wait_count (&run.completed, count, 120))
    g_printerr ("timed out after %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " calls\n",
                run.completed, count);
  result.rate = (gdouble) run.completed / (bench_now () - t0);
  result.cpu_per_op = run.completed > 0 ? (bench_cpu_self () - c0) / (gdouble) run.completed : 0;
  result.failed = run.failed + (count - run.completed);
  return result;
}

BenchRun
bench_execute_sync (AqmpClient *client, const gchar *command, guint64 count)
{
  BenchRun result = { 0, };
  gdouble t0 = bench_now ();
  gdouble c0 = bench_cpu_self ();

  for (guint64 i = 0; i < count; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) value = aqmp_client_execute_sync (client, command, NULL, NULL, &error);
      if (value == NULL)
        result.failed++;
    }
  result.rate = (gdouble) count / (bench_now () - t0);
  result.cpu_per_op = count > 0 ? (bench_cpu_self () - c0) / (gdouble) count : 0;
  return result;
}

gchar *
bench_find_aqmp_tool (const gchar *argv0, gint *argc, gchar ***argv)
{
  const gchar *env = g_getenv ("AQMP_TOOL");
  g_autofree gchar *dir = NULL;
  g_autofree gchar *guess = NULL;

  for (gint i = 1; i < *argc; i++)
    {
      if (g_str_has_prefix ((*argv)[i], "--aqmp-tool="))
        {
          gchar *tool = g_strdup ((*argv)[i] + strlen ("--aqmp-tool="));
          /* take it out of the arguments */
          for (gint j = i; j < *argc - 1; j++)
            (*argv)[j] = (*argv)[j + 1];
          (*argc)--;
          if (tool[0] != '\0')
            return tool;
          g_free (tool);
          break;
        }
    }
  if (env != NULL && env[0] != '\0')
    return g_strdup (env);
  /* BUILD/benchmarks/x -> BUILD/src/cli/aqmp */
  dir = g_path_get_dirname (argv0);
  guess = g_build_filename (dir, "..", "src", "cli", "aqmp", NULL);
  if (g_file_test (guess, G_FILE_TEST_IS_EXECUTABLE))
    return g_steal_pointer (&guess);
  return NULL;
}
