/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "aqmp-test-qemu.h"

G_BEGIN_DECLS

/*
 * Running the built aqmp tool (AQMP_TOOL) in tests: collecting what it
 * prints from a pipe or a pseudo-terminal as it comes, and waiting, with a
 * bound, until a string shows up or the tool exits.
 */

/* everything read from @fd so far; escape sequences and CRs dropped */
typedef struct {
  gint fd;
  guint watch;
  GString *raw;
  GString *text;
  gboolean eof;
} AqmpTestOutput;

void           aqmp_test_output_init     (AqmpTestOutput      *self,
                                          gint                 fd);
void           aqmp_test_output_clear    (AqmpTestOutput      *self);
gssize         aqmp_test_output_find     (AqmpTestOutput      *self,
                                          const gchar         *needle,
                                          gsize                from);
gsize          aqmp_test_output_wait_for (AqmpTestOutput      *self,
                                          const gchar         *needle,
                                          gsize                from);
gboolean       aqmp_test_output_wait_eof (AqmpTestOutput      *self);
guint          aqmp_test_output_widest_line (AqmpTestOutput   *self,
                                             gsize             raw_from,
                                             gchar           **widest);

/* a run of the tool on pipes */
typedef struct {
  GSubprocess *process;
  AqmpTestOutput out;
  AqmpTestOutput err;
  gboolean exited;
} AqmpTestTool;

const gchar   *aqmp_test_tool_path       (void);
AqmpTestTool  *aqmp_test_tool_spawn      (const gchar * const *env,
                                          const gchar         *input,
                                          const gchar         *first_arg,
                                          ...) G_GNUC_NULL_TERMINATED;
gint           aqmp_test_tool_wait       (AqmpTestTool        *self);
void           aqmp_test_tool_free       (AqmpTestTool        *self);
gint           aqmp_test_tool_run        (const gchar * const *env,
                                          const gchar         *input,
                                          gchar              **out,
                                          gchar              **err,
                                          const gchar         *first_arg,
                                          ...) G_GNUC_NULL_TERMINATED;

/* what the tool printed: lines, and an error as exactly one "aqmp: " line */
guint          aqmp_test_count_lines           (const gchar *text);
void           aqmp_test_assert_one_error_line (const gchar *err);

/* a run of the tool on a pseudo-terminal, as a person at a terminal runs it */
typedef struct {
  GPid pid;
  gint master;
  AqmpTestOutput out;
  gboolean exited;
  gint status;
} AqmpTestPty;

AqmpTestPty   *aqmp_test_pty_spawn       (const gchar * const *env,
                                          const gchar         *first_arg,
                                          ...) G_GNUC_NULL_TERMINATED;
AqmpTestPty   *aqmp_test_pty_spawn_columns (guint                columns,
                                            const gchar * const *env,
                                            const gchar         *first_arg,
                                            ...) G_GNUC_NULL_TERMINATED;
void           aqmp_test_pty_resize      (AqmpTestPty         *self,
                                          guint                columns);
void           aqmp_test_pty_write       (AqmpTestPty         *self,
                                          const gchar         *text);
void           aqmp_test_pty_wait_exit   (AqmpTestPty         *self,
                                          gint                 expected);
void           aqmp_test_pty_free        (AqmpTestPty         *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AqmpTestTool, aqmp_test_tool_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AqmpTestPty, aqmp_test_pty_free)

G_END_DECLS
