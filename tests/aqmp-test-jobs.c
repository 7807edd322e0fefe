/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sqlite3.h>

#include "aqmp-test-jobs.h"

void
aqmp_test_jobs_setup (AqmpTestJobs *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->qemu = aqmp_test_qemu_new (NULL);
  f->client = aqmp_test_connect (f->qemu->address);
  f->db_path = aqmp_test_qemu_path (f->qemu, "jobs.db");
  f->store = aqmp_job_store_new (f->db_path, &error);
  g_assert_no_error (error);
  f->runner = aqmp_job_runner_new (f->client, f->store, f->qemu->address);
  aqmp_job_runner_set_poll_interval (f->runner, 50);
}

void
aqmp_test_jobs_teardown (AqmpTestJobs *f, gconstpointer data)
{
  g_clear_object (&f->runner);
  g_clear_object (&f->store);
  g_clear_object (&f->client);
  g_clear_pointer (&f->qemu, aqmp_test_qemu_free);
  g_free (f->db_path);
}

/* the statuses the store recorded for a job, as "created,running,..." */
gchar *
aqmp_test_job_transitions (AqmpJobStore *store, gint64 row)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) transitions = aqmp_job_store_get_transitions (store, row, &error);
  g_autoptr(GString) s = g_string_new (NULL);

  g_assert_no_error (error);
  for (guint i = 0; i < json_array_get_length (transitions); i++)
    {
      JsonObject *t = json_array_get_object_element (transitions, i);
      if (s->len > 0)
        g_string_append_c (s, ',');
      g_string_append (s, json_object_get_string_member (t, "status"));
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

void
aqmp_test_job_assert_integrity (AqmpJobStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *verdict = aqmp_job_store_check_integrity (store, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (verdict, ==, "ok");
}

/* ----- bounded sync waits ----- */

struct _AqmpTestDeadline {
  GCancellable *cancellable;
  GMutex lock;
  GCond cond;
  gboolean stop;
  gint64 end;                /* monotonic */
  GThread *thread;
};

static gpointer
aqmp_test_deadline_thread (gpointer data)
{
  AqmpTestDeadline *self = data;
  gboolean expired = FALSE;

  g_mutex_lock (&self->lock);
  while (!self->stop && !expired)
    expired = !g_cond_wait_until (&self->cond, &self->lock, self->end);
  g_mutex_unlock (&self->lock);
  if (expired)
    g_cancellable_cancel (self->cancellable);
  return NULL;
}

AqmpTestDeadline *
aqmp_test_deadline_new (guint timeout_ms)
{
  AqmpTestDeadline *self = g_new0 (AqmpTestDeadline, 1);

  self->cancellable = g_cancellable_new ();
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  self->thread = g_thread_new ("aqmp-test-deadline", aqmp_test_deadline_thread, self);
  return self;
}

GCancellable *
aqmp_test_deadline_get_cancellable (AqmpTestDeadline *self)
{
  return self->cancellable;
}

void
aqmp_test_deadline_free (AqmpTestDeadline *self)
{
  g_mutex_lock (&self->lock);
  self->stop = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
  g_thread_join (self->thread);
  g_object_unref (self->cancellable);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}

/* aqmp_job_wait_sync(), failing the test when the job takes longer */
gboolean
aqmp_test_job_wait (AqmpJob *job, guint timeout_ms, GError **error)
{
  g_autoptr(AqmpTestDeadline) deadline = aqmp_test_deadline_new (timeout_ms);
  g_autoptr(GError) local = NULL;
  gboolean ok = aqmp_job_wait_sync (job, aqmp_test_deadline_get_cancellable (deadline), &local);

  if (g_cancellable_is_cancelled (aqmp_test_deadline_get_cancellable (deadline)))
    g_error ("job %s did not end within %u ms", aqmp_job_get_id (job), timeout_ms);
  if (local != NULL)
    g_propagate_error (error, g_steal_pointer (&local));
  return ok;
}

/* a store at @path made from the SQL text tests/fixtures/@fixture (a
 * store of an earlier version, in git as text), opened: migrated to the
 * current version */
AqmpJobStore *
aqmp_test_job_store_from_fixture (const gchar *fixture, const gchar *path)
{
  g_autofree gchar *file = g_build_filename (AQMP_TEST_FIXTURES, fixture, NULL);
  g_autofree gchar *sql = NULL;
  g_autoptr(GError) error = NULL;
  AqmpJobStore *store;
  sqlite3 *db = NULL;

  g_assert_true (g_file_get_contents (file, &sql, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  store = aqmp_job_store_new (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (aqmp_job_store_get_schema_version (store), ==, AQMP_JOB_STORE_SCHEMA_VERSION);
  return store;
}

typedef struct {
  AqmpJob *job;
  AqmpJobStatus status;
} AqmpTestStatusWait;

static gboolean
aqmp_test_job_has_status (gpointer user_data)
{
  AqmpTestStatusWait *w = user_data;

  return aqmp_job_get_status (w->job) == w->status || aqmp_job_is_ended (w->job);
}

/* waits at most @timeout_ms until @job has @status, which it asserts (a
 * job that ended first fails it) */
void
aqmp_test_job_wait_for_status (AqmpJob *job, AqmpJobStatus status, guint timeout_ms)
{
  AqmpTestStatusWait w = { job, status };

  g_assert_true (aqmp_test_wait_until (aqmp_test_job_has_status, &w, timeout_ms));
  g_assert_cmpint (aqmp_job_get_status (job), ==, status);
}

/* an AqmpTestCondition: the #AqmpJob @user_data made progress, or ended */
gboolean
aqmp_test_job_has_progress (gpointer user_data)
{
  AqmpJob *job = user_data;

  return aqmp_job_get_current_progress (job) > 0 || aqmp_job_is_ended (job);
}
