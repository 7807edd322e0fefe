/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qmp-responder: the fastest QMP peer we can write, so that a benchmark
 * against it measures the client. One thread, poll(), any number of
 * connections. No JSON library: requests are framed by counting braces
 * and their members are found textually.
 *
 * Usage: qmp-responder SOCKET_PATH
 *
 * Every connection gets a greeting. Every request gets
 * {"return": {}, "id": ID} with ID copied verbatim (no id member when the
 * request had none). `x-flood` with {"count": N} is answered the same way
 * and is then followed by N events
 *   {"timestamp": {...}, "event": "BENCH", "data": {"seq": I}}
 * with I from 0 to N-1, written as fast as the socket takes them.
 * Prints "ready" on stdout once it listens; dies with its parent.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define GREETING "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, " \
                 "\"package\": \"aqmp-bench\"}, \"capabilities\": []}}\r\n"
#define FLOOD_FILL (256 * 1024)
#define READ_CHUNK (64 * 1024)

typedef struct {
  int fd;
  char *in;
  size_t in_len;
  size_t in_cap;
  char *out;
  size_t out_off;
  size_t out_len;
  size_t out_cap;
  uint64_t flood_left;
  uint64_t flood_seq;
} Conn;

static Conn **conns;
static size_t n_conns;
static size_t cap_conns;

static void
die (const char *what)
{
  perror (what);
  exit (1);
}

static void *
xrealloc (void *p, size_t size)
{
  p = realloc (p, size);
  if (p == NULL)
    die ("realloc");
  return p;
}

static void
out_reserve (Conn *c, size_t more)
{
  if (c->out_off > 0 && c->out_off == c->out_len)
    c->out_off = c->out_len = 0;
  if (c->out_len + more <= c->out_cap)
    return;
  if (c->out_off > 0)
    {
      memmove (c->out, c->out + c->out_off, c->out_len - c->out_off);
      c->out_len -= c->out_off;
      c->out_off = 0;
      if (c->out_len + more <= c->out_cap)
        return;
    }
  while (c->out_len + more > c->out_cap)
    c->out_cap = c->out_cap == 0 ? 4096 : c->out_cap * 2;
  c->out = xrealloc (c->out, c->out_cap);
}

static void
out_append (Conn *c, const char *data, size_t len)
{
  out_reserve (c, len);
  memcpy (c->out + c->out_len, data, len);
  c->out_len += len;
}

/* end of the JSON string starting at the quote @p, past its closing quote */
static const char *
skip_string (const char *p, const char *end)
{
  for (p++; p < end; p++)
    {
      if (*p == '\\')
        p++;
      else if (*p == '"')
        return p + 1;
    }
  return end;
}

/* past one JSON value starting at @p: textual, string- and nesting-aware */
static const char *
skip_value (const char *p, const char *end)
{
  int depth = 0;

  while (p < end)
    {
      char ch = *p;

      if (ch == '"')
        {
          p = skip_string (p, end);
          if (depth == 0)
            return p;
          continue;
        }
      if (ch == '{' || ch == '[')
        depth++;
      else if (ch == '}' || ch == ']')
        {
          if (depth == 0)
            return p;
          if (--depth == 0)
            return p + 1;
        }
      else if (depth == 0 && (ch == ',' || ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n'))
        return p;
      p++;
    }
  return end;
}

static const char *
skip_space (const char *p, const char *end)
{
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == ':' || *p == ','))
    p++;
  return p;
}

static void
start_flood (Conn *c, uint64_t count)
{
  c->flood_left = count;
  c->flood_seq = 0;
}

static void
fill_flood (Conn *c)
{
  struct timeval tv;
  char line[160];

  gettimeofday (&tv, NULL);
  while (c->flood_left > 0 && c->out_len - c->out_off < FLOOD_FILL)
    {
      int n = snprintf (line, sizeof (line),
                        "{\"timestamp\": {\"seconds\": %ld, \"microseconds\": %ld}, "
                        "\"event\": \"BENCH\", \"data\": {\"seq\": %llu}}\r\n",
                        (long) tv.tv_sec, (long) tv.tv_usec, (unsigned long long) c->flood_seq);
      out_append (c, line, (size_t) n);
      c->flood_seq++;
      c->flood_left--;
    }
}

/* one request, framed: answer it */
static void
handle (Conn *c, const char *msg, size_t len)
{
  const char *end = msg + len;
  const char *p = msg + 1;
  const char *id = NULL;
  size_t id_len = 0;
  const char *cmd = NULL;
  size_t cmd_len = 0;
  uint64_t count = 0;

  /* the members of the top-level object */
  while (p < end)
    {
      const char *key;
      const char *key_end;
      const char *value;
      const char *value_end;

      p = skip_space (p, end);
      if (p >= end || *p != '"')
        break;
      key = p + 1;
      key_end = skip_string (p, end) - 1;
      p = skip_space (key_end + 1, end);
      value = p;
      value_end = skip_value (p, end);
      p = value_end;
      if (key_end - key == 2 && memcmp (key, "id", 2) == 0)
        {
          id = value;
          id_len = (size_t) (value_end - value);
        }
      else if ((key_end - key == 7 && memcmp (key, "execute", 7) == 0)
               || (key_end - key == 8 && memcmp (key, "exec-oob", 8) == 0))
        {
          cmd = value + 1;
          cmd_len = value_end - value >= 2 ? (size_t) (value_end - value - 2) : 0;
        }
      else if (key_end - key == 9 && memcmp (key, "arguments", 9) == 0)
        {
          const char *n = memmem (value, (size_t) (value_end - value), "\"count\"", 7);
          if (n != NULL)
            count = strtoull (skip_space (n + 7, value_end), NULL, 10);
        }
    }

  if (id != NULL)
    {
      out_append (c, "{\"return\": {}, \"id\": ", 21);
      out_append (c, id, id_len);
      out_append (c, "}\r\n", 3);
    }
  else
    {
      out_append (c, "{\"return\": {}}\r\n", 16);
    }
  if (cmd != NULL && cmd_len == 7 && memcmp (cmd, "x-flood", 7) == 0)
    start_flood (c, count);
}

/* frames what was read; keeps an incomplete tail */
static void
process_input (Conn *c)
{
  const char *data = c->in;
  size_t len = c->in_len;
  size_t i = 0;
  size_t start = 0;

  for (;;)
    {
      int depth = 0;
      int complete = 0;

      while (i < len && data[i] != '{')
        i++;
      start = i;
      if (i >= len)
        break;
      while (i < len)
        {
          char ch = data[i];

          if (ch == '"')
            {
              size_t j = i + 1;
              while (j < len && data[j] != '"')
                j += data[j] == '\\' ? 2 : 1;
              i = j + 1;
              continue;
            }
          i++;
          if (ch == '{' || ch == '[')
            depth++;
          else if ((ch == '}' || ch == ']') && --depth == 0)
            {
              handle (c, data + start, i - start);
              complete = 1;
              break;
            }
        }
      if (!complete)
        break;
      start = i;
    }
  if (start >= len)
    c->in_len = 0;
  else if (start > 0)
    {
      memmove (c->in, c->in + start, len - start);
      c->in_len = len - start;
    }
}

/* writes what is pending; 0 on success (even partial), -1 on a dead peer */
static int
flush_out (Conn *c)
{
  for (;;)
    {
      ssize_t n;

      if (c->out_off == c->out_len && c->flood_left > 0)
        fill_flood (c);
      if (c->out_off == c->out_len)
        return 0;
      n = write (c->fd, c->out + c->out_off, c->out_len - c->out_off);
      if (n < 0)
        {
          if (errno == EAGAIN || errno == EINTR)
            return 0;
          return -1;
        }
      c->out_off += (size_t) n;
      if (c->out_off == c->out_len)
        c->out_off = c->out_len = 0;
      else if (c->flood_left == 0)
        return 0;
      else
        fill_flood (c);
    }
}

static void
conn_free (Conn *c)
{
  close (c->fd);
  free (c->in);
  free (c->out);
  free (c);
}

static void
accept_all (int listen_fd)
{
  for (;;)
    {
      int fd = accept4 (listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
      Conn *c;

      if (fd < 0)
        {
          if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
            return;
          if (errno == EMFILE || errno == ENFILE)
            {
              fprintf (stderr, "qmp-responder: out of file descriptors at %zu connections\n", n_conns);
              return;
            }
          die ("accept");
        }
      c = calloc (1, sizeof (Conn));
      if (c == NULL)
        die ("calloc");
      c->fd = fd;
      out_append (c, GREETING, sizeof (GREETING) - 1);
      if (n_conns == cap_conns)
        {
          cap_conns = cap_conns == 0 ? 64 : cap_conns * 2;
          conns = xrealloc (conns, cap_conns * sizeof (Conn *));
        }
      conns[n_conns++] = c;
      if (flush_out (c) < 0)
        {
          conn_free (c);
          n_conns--;
        }
    }
}

/* 0 to keep the connection, -1 to drop it */
static int
read_conn (Conn *c)
{
  for (;;)
    {
      ssize_t n;

      if (c->in_cap - c->in_len < READ_CHUNK)
        {
          c->in_cap = c->in_len + READ_CHUNK;
          c->in = xrealloc (c->in, c->in_cap);
        }
      n = read (c->fd, c->in + c->in_len, c->in_cap - c->in_len);
      if (n == 0)
        return -1;
      if (n < 0)
        return errno == EAGAIN || errno == EINTR ? 0 : -1;
      c->in_len += (size_t) n;
      process_input (c);
      if ((size_t) n < READ_CHUNK)
        return 0;
    }
}

int
main (int argc, char **argv)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  struct rlimit rl;
  struct pollfd *fds = NULL;
  size_t cap_fds = 0;
  int listen_fd;

  if (argc != 2 || strlen (argv[1]) >= sizeof (sa.sun_path))
    {
      fprintf (stderr, "usage: qmp-responder SOCKET_PATH\n");
      return 2;
    }
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  signal (SIGPIPE, SIG_IGN);
  if (getrlimit (RLIMIT_NOFILE, &rl) == 0)
    {
      rl.rlim_cur = rl.rlim_max;
      setrlimit (RLIMIT_NOFILE, &rl);
    }

  strcpy (sa.sun_path, argv[1]);
  listen_fd = socket (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd < 0)
    die ("socket");
  unlink (argv[1]);
  if (bind (listen_fd, (struct sockaddr *) &sa, sizeof (sa)) < 0)
    die ("bind");
  if (listen (listen_fd, 4096) < 0)
    die ("listen");
  printf ("ready\n");
  fflush (stdout);

  for (;;)
    {
      size_t n = n_conns;

      if (cap_fds < n + 1)
        {
          cap_fds = (n + 1) * 2;
          fds = xrealloc (fds, cap_fds * sizeof (struct pollfd));
        }
      fds[0].fd = listen_fd;
      fds[0].events = POLLIN;
      for (size_t i = 0; i < n; i++)
        {
          Conn *c = conns[i];
          fds[i + 1].fd = c->fd;
          fds[i + 1].events = POLLIN;
          if (c->out_off < c->out_len || c->flood_left > 0)
            fds[i + 1].events |= POLLOUT;
        }
      if (poll (fds, n + 1, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          die ("poll");
        }
      /* walk backwards so that dropping swaps in an already handled one */
      for (size_t i = n; i > 0; i--)
        {
          Conn *c = conns[i - 1];
          short re = fds[i].revents;
          int dead = 0;

          if (re == 0)
            continue;
          if (re & (POLLIN | POLLHUP | POLLERR))
            dead = read_conn (c) < 0;
          if (!dead && (re & POLLOUT || c->out_off < c->out_len))
            dead = flush_out (c) < 0;
          if (dead)
            {
              conn_free (c);
              conns[i - 1] = conns[--n_conns];
            }
        }
      if (fds[0].revents & POLLIN)
        accept_all (listen_fd);
    }
}
