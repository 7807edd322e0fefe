/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "aqmp-cli-commands.h"
#include "aqmp-backup-progress.h"
#include "aqmp-job-progress.h"

#define REDRAW_INTERVAL_US (G_USEC_PER_SEC / 10)

struct _AqmpBackupProgress {
  gboolean bar;              /* a terminal, and no --json */
  gboolean bar_shown;
  gint64 last_draw;          /* monotonic */
  gint64 started;            /* monotonic, at the first progress */
  gint64 last_current;
  gint64 last_total;
  guint disk_lines;          /* drawn under the bar, one per disk */
  GHashTable *disks;         /* job-id -> disk, from the catalog */
  AqmpBackupRun *run;
};

AqmpBackupProgress *
aqmp_backup_progress_new (gboolean json)
{
  AqmpBackupProgress *self = g_new0 (AqmpBackupProgress, 1);

  self->bar = !json && isatty (STDOUT_FILENO);
  self->last_current = -1;
  return self;
}

void
aqmp_backup_progress_free (AqmpBackupProgress *self)
{
  if (self->run != NULL)
    g_signal_handlers_disconnect_by_data (self->run, self);
  g_clear_object (&self->run);
  g_clear_pointer (&self->disks, g_hash_table_unref);
  g_free (self);
}

gboolean
aqmp_backup_progress_has_bar (AqmpBackupProgress *self)
{
  return self->bar;
}

static gdouble
aqmp_backup_progress_rate (AqmpBackupProgress *self, gint64 current)
{
  gint64 elapsed = g_get_monotonic_time () - self->started;

  return self->started > 0 && elapsed > 0 ? (gdouble) current * G_USEC_PER_SEC / elapsed : 0;
}

static gchar *
aqmp_backup_progress_eta (AqmpBackupProgress *self, gint64 current, gint64 total)
{
  gdouble rate = aqmp_backup_progress_rate (self, current);
  gint64 left;

  if (rate <= 0 || total <= current)
    return g_strdup ("--:--");
  left = (gint64) ((total - current) / rate);
  return g_strdup_printf ("%d:%02d", (gint) (left / 60), (gint) (left % 60));
}

/* the catalog's disk of each job of the run, once the run has jobs */
static const gchar *
aqmp_backup_progress_disk (AqmpBackupProgress *self, AqmpJob *job, AqmpBackupCatalog *catalog)
{
  if (self->disks == NULL)
    {
      g_autoptr(GPtrArray) images = aqmp_backup_catalog_list_images (catalog, aqmp_backup_run_get_backup_id (self->run),
                                                                     NULL);
      self->disks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      for (guint i = 0; images != NULL && i < images->len; i++)
        {
          AqmpBackupImage *image = g_ptr_array_index (images, i);
          g_hash_table_insert (self->disks, g_strdup (aqmp_backup_image_get_job_id (image)),
                               g_strdup (aqmp_backup_image_get_disk (image)));
        }
    }
  return g_hash_table_lookup (self->disks, aqmp_job_get_id (job));
}

/* a line per disk under the bar, when there are several: "  disk0 [###---]  50%" */
static void
aqmp_backup_progress_append_disks (AqmpBackupProgress *self, GString *line, guint columns)
{
  g_autoptr(GPtrArray) jobs = aqmp_backup_run_get_jobs (self->run);

  if (jobs->len < 2)
    return;
  for (guint i = 0; i < jobs->len; i++)
    {
      AqmpJob *job = g_ptr_array_index (jobs, i);
      const gchar *disk = aqmp_backup_progress_disk (self, job, aqmp_backup_run_get_catalog (self->run));
      gint64 total = aqmp_job_get_total_progress (job);
      gdouble fraction = total > 0 ? (gdouble) aqmp_job_get_current_progress (job) / total : 0;
      g_autofree gchar *name = g_strdup_printf ("  %-12s", disk != NULL ? disk : aqmp_job_get_id (job));
      g_autofree gchar *pct = g_strdup_printf (" %3d%%", (gint) (fraction * 100));
      const gchar *texts[] = { pct };
      const guint priorities[] = { 1 };
      g_autofree gchar *fitted = aqmp_job_progress_fit (name, fraction, texts, priorities, 1, columns);

      g_string_append_printf (line, "\n\033[K%s", fitted);
    }
  self->disk_lines = jobs->len;
}

/* "\r\033[Kbackup 3 incremental [#####-----]  50%  4.0 MiB/8.0 MiB  2.0 MiB/s  ETA 0:02" */
static void
aqmp_backup_progress_draw (AqmpBackupProgress *self, gint64 current, gint64 total, gboolean final)
{
  g_autoptr(GString) line = g_string_new (NULL);
  g_autofree gchar *done = g_format_size_full ((guint64) current, G_FORMAT_SIZE_IEC_UNITS);
  g_autofree gchar *all = g_format_size_full ((guint64) total, G_FORMAT_SIZE_IEC_UNITS);
  g_autofree gchar *rate = g_format_size_full ((guint64) aqmp_backup_progress_rate (self, current),
                                               G_FORMAT_SIZE_IEC_UNITS);
  g_autofree gchar *eta = aqmp_backup_progress_eta (self, current, total);
  gdouble fraction = total > 0 ? (gdouble) current / total : 0;
  /* asked at each draw: a resized terminal is fitted at the next one */
  guint columns = aqmp_job_progress_query_columns ();
  /* the percentage matters most, then the ETA, the bytes, the rate */
  const guint priorities[] = { 4, 2, 1, 3 };
  g_autofree gchar *name = NULL;
  g_autofree gchar *pct = g_strdup_printf (" %3d%%", (gint) (fraction * 100));
  g_autofree gchar *bytes = g_strdup_printf ("  %s/%s", done, all);
  g_autofree gchar *speed = g_strdup_printf ("  %s/s", rate);
  /* TRANSLATORS: estimated time left in a progress bar */
  g_autofree gchar *left = final ? g_strdup ("") : g_strdup_printf (_("  ETA %s"), eta);
  const gchar *texts[] = { pct, bytes, speed, left };
  g_autofree gchar *fitted = NULL;

  /* TRANSLATORS: the start of the progress bar: a backup's id and level */
  name = g_strdup_printf (_("backup %lld %s"), (long long) aqmp_backup_run_get_backup_id (self->run),
                          aqmp_backup_level_to_string (aqmp_backup_run_get_level (self->run)));
  fitted = aqmp_job_progress_fit (name, fraction, texts, priorities, G_N_ELEMENTS (texts), columns);
  /* back up to the bar's line, over the disks' lines */
  if (self->disk_lines > 0)
    g_string_append_printf (line, "\033[%uA", self->disk_lines);
  g_string_append (line, "\r\033[K");
  g_string_append (line, fitted);
  aqmp_backup_progress_append_disks (self, line, columns);
  fputs (line->str, stdout);
  fflush (stdout);
  self->bar_shown = TRUE;
  self->last_draw = g_get_monotonic_time ();
}

static void
aqmp_backup_progress_print_json (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);
  aqmp_cli_print_json (node, FALSE);
}

static void
aqmp_backup_progress_changed_cb (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  AqmpBackupProgress *self = user_data;
  gint64 current = aqmp_backup_run_get_current_progress (self->run);
  gint64 total = aqmp_backup_run_get_total_progress (self->run);
  g_autoptr(JsonObject) json = NULL;

  if (current == self->last_current && total == self->last_total)
    return;
  if (self->started == 0)
    self->started = g_get_monotonic_time ();
  self->last_current = current;
  self->last_total = total;
  if (self->bar)
    {
      if (g_get_monotonic_time () - self->last_draw >= REDRAW_INTERVAL_US)
        aqmp_backup_progress_draw (self, current, total, FALSE);
      return;
    }
  json = json_object_new ();
  json_object_set_string_member (json, "event", "progress");
  json_object_set_int_member (json, "backup", aqmp_backup_run_get_backup_id (self->run));
  json_object_set_int_member (json, "current-progress", current);
  json_object_set_int_member (json, "total-progress", total);
  aqmp_backup_progress_print_json (json);
}

static void
aqmp_backup_progress_level_cb (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  AqmpBackupProgress *self = user_data;
  AqmpBackupLevel level = aqmp_backup_run_get_level (self->run);
  const gchar *reason = aqmp_backup_run_get_reason (self->run);
  g_autoptr(JsonObject) json = NULL;

  if (level == AQMP_BACKUP_LEVEL_AUTO)
    return;
  if (self->bar)
    {
      if (reason != NULL)
        /* TRANSLATORS: the level a backup runs at, and why (in English) */
        g_print (_("level %s: %s\n"), aqmp_backup_level_to_string (level), reason);
      return;
    }
  json = json_object_new ();
  json_object_set_string_member (json, "event", "level");
  json_object_set_string_member (json, "level", aqmp_backup_level_to_string (level));
  if (reason != NULL)
    json_object_set_string_member (json, "reason", reason);
  else
    json_object_set_null_member (json, "reason");
  aqmp_backup_progress_print_json (json);
}

static void
aqmp_backup_progress_cancelling_cb (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  AqmpBackupProgress *self = user_data;
  g_autoptr(JsonObject) json = NULL;

  if (self->bar)
    {
      aqmp_backup_progress_clear (self);
      aqmp_cli_error (_("QEMU is cancelling the backup's jobs"));
      return;
    }
  json = json_object_new ();
  json_object_set_string_member (json, "event", "cancelling");
  json_object_set_int_member (json, "backup", aqmp_backup_run_get_backup_id (self->run));
  aqmp_backup_progress_print_json (json);
}

void
aqmp_backup_progress_watch (AqmpBackupProgress *self, AqmpBackupRun *run)
{
  g_set_object (&self->run, run);
  g_signal_connect (run, "notify::cancelling", G_CALLBACK (aqmp_backup_progress_cancelling_cb), self);
  g_signal_connect (run, "notify::level", G_CALLBACK (aqmp_backup_progress_level_cb), self);
  g_signal_connect (run, "notify::current-progress", G_CALLBACK (aqmp_backup_progress_changed_cb), self);
  g_signal_connect (run, "notify::total-progress", G_CALLBACK (aqmp_backup_progress_changed_cb), self);
}

void
aqmp_backup_progress_clear (AqmpBackupProgress *self)
{
  if (!self->bar_shown)
    return;
  fputs ("\n", stdout);
  fflush (stdout);
  self->bar_shown = FALSE;
}

void
aqmp_backup_progress_ended (AqmpBackupProgress *self, AqmpBackupRun *run, AqmpBackupRecord *record,
                            const GError *error)
{
  g_autoptr(JsonObject) json = NULL;

  if (self->bar)
    {
      if (record != NULL)
        {
          gint64 bytes = aqmp_backup_record_get_bytes (record);
          aqmp_backup_progress_draw (self, bytes, bytes, TRUE);
          aqmp_backup_progress_clear (self);
          /* TRANSLATORS: the last line of a backup: its id, level and chain */
          g_print (_("backup %lld completed (%s, chain %s)\n"), (long long) aqmp_backup_record_get_id (record),
                   aqmp_backup_level_to_string (aqmp_backup_record_get_level (record)),
                   aqmp_backup_record_get_chain_name (record));
        }
      else
        aqmp_backup_progress_clear (self);
      return;
    }
  json = record != NULL ? aqmp_backup_record_to_json (record) : json_object_new ();
  json_object_set_string_member (json, "event", "end");
  if (record == NULL)
    {
      json_object_set_int_member (json, "id", aqmp_backup_run_get_backup_id (run));
      json_object_set_string_member (json, "state",
                                     g_error_matches (error, AQMP_JOB_ERROR, AQMP_JOB_ERROR_CANCELLED)
                                       ? "cancelled" : "failed");
      json_object_set_string_member (json, "error", error != NULL ? error->message : NULL);
    }
  aqmp_backup_progress_print_json (json);
}
