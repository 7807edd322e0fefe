/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qmp-floor: the least a QMP client can do, as the floor the library is
 * compared with. A blocking Unix socket, no JSON parsing: it reads the
 * greeting line, negotiates, then writes requests and reads reply lines.
 *
 * Usage: qmp-floor SOCKET_PATH MODE COUNT [WINDOW]
 *   rtt   COUNT          sequential {"execute":"query-status","id":N}
 *   pipe  COUNT WINDOW   the same with WINDOW requests in flight
 *   flood COUNT          x-flood {"count": COUNT}, then count event lines
 *   once  1              one query-status, its reply printed (for spawning)
 *
 * Prints `rate OPS_PER_S cpu CPU_S_PER_OP` on stdout (not for `once`).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int fd;
static char buf[256 * 1024];
static size_t buf_len;

static void
die (const char *what)
{
  perror (what);
  exit (1);
}

static double
now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static double
cpu (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return (double) ru.ru_utime.tv_sec + (double) ru.ru_utime.tv_usec / 1e6
         + (double) ru.ru_stime.tv_sec + (double) ru.ru_stime.tv_usec / 1e6;
}

static void
write_all (const char *data, size_t len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);
      if (n <= 0)
        die ("write");
      data += n;
      len -= (size_t) n;
    }
}

/* blocks until @n more lines ended in '\n' were read; keeps the rest.
 * With @line, copies the first line there (for `once`). */
static void
read_lines (uint64_t n, char *line, size_t line_size)
{
  while (n > 0)
    {
      char *p = buf;
      char *end = buf + buf_len;
      char *nl;
      ssize_t got;

      while (n > 0 && (nl = memchr (p, '\n', (size_t) (end - p))) != NULL)
        {
          if (line != NULL)
            {
              size_t l = (size_t) (nl - p) < line_size - 1 ? (size_t) (nl - p) : line_size - 1;
              memcpy (line, p, l);
              line[l] = '\0';
              line = NULL;
            }
          p = nl + 1;
          n--;
        }
      buf_len = (size_t) (end - p);
      memmove (buf, p, buf_len);
      if (n == 0)
        return;
      got = read (fd, buf + buf_len, sizeof (buf) - buf_len);
      if (got <= 0)
        die ("read");
      buf_len += (size_t) got;
    }
}

static size_t
format_request (char *out, size_t size, uint64_t id)
{
  return (size_t) snprintf (out, size, "{\"execute\":\"query-status\",\"id\":%llu}\n",
                            (unsigned long long) id);
}

int
main (int argc, char **argv)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  const char *mode;
  uint64_t count;
  uint64_t window = 1;
  char req[128];
  char line[4096];
  double t0;
  double c0;
  size_t len;

  if (argc < 4 || strlen (argv[1]) >= sizeof (sa.sun_path))
    {
      fprintf (stderr, "usage: qmp-floor SOCKET_PATH rtt|pipe|flood|once COUNT [WINDOW]\n");
      return 2;
    }
  mode = argv[2];
  count = strtoull (argv[3], NULL, 10);
  if (argc > 4)
    window = strtoull (argv[4], NULL, 10);
  if (window == 0)
    window = 1;

  strcpy (sa.sun_path, argv[1]);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    die ("socket");
  if (connect (fd, (struct sockaddr *) &sa, sizeof (sa)) < 0)
    die ("connect");
  read_lines (1, NULL, 0);  /* greeting */
  write_all ("{\"execute\":\"qmp_capabilities\"}\n", 31);
  read_lines (1, NULL, 0);

  t0 = now ();
  c0 = cpu ();
  if (strcmp (mode, "rtt") == 0)
    {
      for (uint64_t i = 0; i < count; i++)
        {
          len = format_request (req, sizeof (req), i);
          write_all (req, len);
          read_lines (1, NULL, 0);
        }
    }
  else if (strcmp (mode, "pipe") == 0)
    {
      uint64_t sent = 0;
      uint64_t done = 0;
      char batch[64 * 128];

      while (done < count)
        {
          size_t blen = 0;
          while (sent < count && sent - done < window && blen + 128 < sizeof (batch))
            blen += format_request (batch + blen, sizeof (batch) - blen, sent++);
          if (blen > 0)
            write_all (batch, blen);
          /* read what is due, at least one reply */
          {
            char *p = buf;
            char *end;
            char *nl;

            read_lines (1, NULL, 0);
            done++;
            end = buf + buf_len;
            while (done < sent && (nl = memchr (p, '\n', (size_t) (end - p))) != NULL)
              {
                p = nl + 1;
                done++;
              }
            buf_len = (size_t) (end - p);
            memmove (buf, p, buf_len);
          }
        }
    }
  else if (strcmp (mode, "flood") == 0)
    {
      len = (size_t) snprintf (req, sizeof (req),
                               "{\"execute\":\"x-flood\",\"arguments\":{\"count\":%llu},\"id\":1}\n",
                               (unsigned long long) count);
      write_all (req, len);
      read_lines (count + 1, NULL, 0);
    }
  else if (strcmp (mode, "once") == 0)
    {
      len = format_request (req, sizeof (req), 1);
      write_all (req, len);
      read_lines (1, line, sizeof (line));
      puts (line);
      return 0;
    }
  else
    {
      fprintf (stderr, "qmp-floor: unknown mode %s\n", mode);
      return 2;
    }
  {
    double elapsed = now () - t0;
    double used = cpu () - c0;
    printf ("rate %.1f cpu %.9f\n", (double) count / elapsed, count > 0 ? used / (double) count : 0);
  }
  close (fd);
  return 0;
}
