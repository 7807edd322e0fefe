/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Shared helpers of the benchmark programs: machine-readable result
 * lines, clocks, CPU and memory accounting, and the peers a benchmark
 * runs against (the fast responder and a real QEMU), each in its own
 * process so that the client's getrusage() covers the client only.
 */

#include <aqmp/aqmp.h>

G_BEGIN_DECLS

/* `RESULT name value unit`, one per line on stdout, for benchmarks/run */
void      bench_result             (const gchar *name,
                                    gdouble      value,
                                    const gchar *unit);
/* `NOTE text`: shown by the runner, not tabulated */
void      bench_note               (const gchar *format,
                                    ...) G_GNUC_PRINTF (1, 2);

gdouble   bench_now                (void);          /* monotonic seconds */
gdouble   bench_cpu_self           (void);          /* user+sys seconds of this process */
gsize     bench_rss_bytes          (void);          /* VmRSS of this process */
void      bench_raise_nofile       (void);          /* soft RLIMIT_NOFILE up to the hard one */
guint     bench_env_uint           (const gchar *name,
                                    guint        fallback);
gdouble   bench_median             (gdouble     *values,
                                    guint        n);
/* the directory holding the benchmark programs, from argv[0] */
gchar    *bench_program_path       (const gchar *argv0,
                                    const gchar *name);

/* iterates the thread-default context until *flag, or fails after @timeout_s */
gboolean  bench_wait_flag          (gboolean    *flag,
                                    gdouble      timeout_s);
gboolean  bench_wait_count         (guint64     *counter,
                                    guint64      target,
                                    gdouble      timeout_s);

typedef struct {
  GSubprocess *process;
  gchar *dir;
  gchar *address;
} BenchPeer;

/* the fast responder (qmp-responder) listening in a fresh temp dir */
BenchPeer *bench_responder_start   (const gchar *argv0,
                                    GError     **error);
/* QEMU (`-machine none`), its QMP monitor on a Unix socket in a temp dir;
 * @extra_args: (nullable): more arguments, NULL-terminated; @quiet: QEMU's
 * stderr goes to /dev/null */
BenchPeer *bench_qemu_start        (const gchar * const *extra_args,
                                    gboolean     quiet,
                                    GError     **error);
/* the QEMU binary, or NULL when not installed */
const gchar *bench_qemu_binary     (void);
void       bench_peer_stop         (BenchPeer   *peer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BenchPeer, bench_peer_stop)

/* runs qmp-floor against @address; FALSE when it failed */
gboolean   bench_run_floor         (const gchar *argv0,
                                    const gchar *address,
                                    const gchar *mode,
                                    guint64      count,
                                    guint        window,
                                    gdouble     *rate,
                                    gdouble     *cpu_per_op);
/* runs @argv to completion with stdout and stderr on /dev/null; returns
 * the wall time in seconds, or a negative number when it failed */
gdouble    bench_spawn_wall        (const gchar * const *argv);

typedef struct {
  gdouble rate;          /* operations per second */
  gdouble cpu_per_op;    /* seconds of this process's CPU per operation */
  guint64 failed;
} BenchRun;

/* a connected, negotiated AqmpClient on the thread-default context */
AqmpClient *bench_connect          (const gchar *address,
                                    GError     **error);
void       bench_disconnect        (AqmpClient  *client);
/* @count executions of @command with @window in flight, each next one
 * issued from a completion callback */
BenchRun   bench_execute_async     (AqmpClient  *client,
                                    const gchar *command,
                                    guint64      count,
                                    guint        window);
BenchRun   bench_execute_sync      (AqmpClient  *client,
                                    const gchar *command,
                                    guint64      count);
/* the aqmp tool, from --aqmp-tool=, $AQMP_TOOL or the build tree */
gchar     *bench_find_aqmp_tool    (const gchar *argv0,
                                    gint        *argc,
                                    gchar     ***argv);

G_END_DECLS
