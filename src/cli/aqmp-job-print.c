/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "aqmp-cli-commands.h"
#include "aqmp-job-print.h"

/* one JSON object on a line of its own, at once */
void
aqmp_job_print_object (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  aqmp_cli_print_json (node, FALSE);
}

/* a time of the history, "-" when there is none */
static gchar *
aqmp_job_print_format_time (gint64 time)
{
  g_autoptr(GDateTime) dt = NULL;

  if (time == 0)
    return g_strdup ("-");
  dt = g_date_time_new_from_unix_local (time / G_USEC_PER_SEC);
  return dt != NULL ? g_date_time_format (dt, "%Y-%m-%d %H:%M:%S") : g_strdup ("?");
}

static const gchar *
aqmp_job_print_or (const gchar *text, const gchar *fallback)
{
  return text != NULL ? text : fallback;
}

static const gchar *
aqmp_job_print_status (AqmpJobRecord *record)
{
  return aqmp_job_status_to_string (aqmp_job_record_get_status (record));
}

static const gchar *
aqmp_job_print_result (AqmpJobRecord *record)
{
  if (aqmp_job_record_is_active (record))
    return "active";
  return aqmp_job_result_to_string (aqmp_job_record_get_result (record));
}

static gchar *
aqmp_job_print_format_progress (AqmpJobRecord *record)
{
  gint64 current = aqmp_job_record_get_current_progress (record);
  gint64 total = aqmp_job_record_get_total_progress (record);

  if (total <= 0)
    return g_strdup ("-");
  return g_strdup_printf ("%.0f%%", 100.0 * (gdouble) current / (gdouble) total);
}

/* ----- list ----- */

/* @text padded to @width cells, on the left or the right */
static void
aqmp_job_print_pad (GString *line, const gchar *text, gint width, gboolean right)
{
  gint pad = MAX (0, width - (gint) g_utf8_strlen (text, -1));

  if (right)
    g_string_append_printf (line, "%*s%s", pad, "", text);
  else
    g_string_append_printf (line, "%s%*s", text, pad, "");
}

/* the columns of job list, as its rows have them */
static void
aqmp_job_print_header (void)
{
  g_autoptr(GString) line = g_string_new (NULL);

  /* TRANSLATORS: the headings of job list's columns; short, in capitals */
  aqmp_job_print_pad (line, _("ROW"), 5, FALSE);
  g_string_append_c (line, ' ');
  aqmp_job_print_pad (line, _("JOB"), 24, FALSE);
  g_string_append_c (line, ' ');
  aqmp_job_print_pad (line, _("COMMAND"), 16, FALSE);
  g_string_append_c (line, ' ');
  aqmp_job_print_pad (line, _("TYPE"), 10, FALSE);
  g_string_append_c (line, ' ');
  aqmp_job_print_pad (line, _("STATUS"), 10, FALSE);
  g_string_append_c (line, ' ');
  aqmp_job_print_pad (line, _("RESULT"), 9, FALSE);
  g_string_append_c (line, ' ');
  aqmp_job_print_pad (line, _("DONE"), 5, TRUE);
  g_string_append (line, "  ");
  aqmp_job_print_pad (line, _("STARTED"), 19, FALSE);
  g_string_append (line, "  ");
  g_string_append (line, _("MACHINE"));
  g_print ("%s\n", line->str);
}

/**
 * aqmp_job_print_list:
 * @records: (element-type AqmpJobRecord): a page of the history, the
 *   newest first, as aqmp_job_store_list_recent_jobs() reads it
 * @json: one record per JSON line instead of a table
 *
 * Prints the page oldest first, as the whole list is.
 */
void
aqmp_job_print_list (GPtrArray *records, gboolean json)
{
  if (json)
    {
      for (guint i = records->len; i > 0; i--)
        {
          g_autoptr(JsonObject) obj = aqmp_job_record_to_json (g_ptr_array_index (records, i - 1));
          aqmp_job_print_object (obj);
        }
      return;
    }
  aqmp_job_print_header ();
  for (guint i = records->len; i > 0; i--)
    {
      AqmpJobRecord *r = g_ptr_array_index (records, i - 1);
      g_autofree gchar *started = aqmp_job_print_format_time (aqmp_job_record_get_created (r));
      g_autofree gchar *done = aqmp_job_print_format_progress (r);

      g_print ("%-5" G_GINT64_FORMAT " %-24s %-16s %-10s %-10s %-9s %5s  %-19s  %s\n",
               aqmp_job_record_get_row (r),
               aqmp_job_print_or (aqmp_job_record_get_job_id (r), "?"),
               aqmp_job_print_or (aqmp_job_record_get_command (r), "?"),
               aqmp_job_print_or (aqmp_job_record_get_job_type (r), "-"),
               aqmp_job_print_status (r),
               aqmp_job_print_result (r),
               done, started,
               aqmp_job_print_or (aqmp_job_record_get_machine (r), "?"));
    }
}

/* ----- show ----- */

/* "Label:    value": the (translated) label padded to 10 cells */
static void G_GNUC_PRINTF (2, 3)
aqmp_job_print_field (const gchar *label, const gchar *format, ...)
{
  g_autofree gchar *value = NULL;
  glong cells = g_utf8_strlen (label, -1);
  va_list args;

  va_start (args, format);
  value = g_strdup_vprintf (format, args);
  va_end (args);
  g_print ("%s%*s %s\n", label, (gint) MAX (0, 10 - cells), "", value);
}

/* the machine's identity and who started the job, as far as known */
static void
aqmp_job_print_origin (AqmpJobRecord *record)
{
  g_autoptr(GString) qemu = g_string_new (NULL);

  if (aqmp_job_record_get_address (record) != NULL)
    g_string_append (qemu, aqmp_job_record_get_address (record));
  if (aqmp_job_record_get_qemu_pid (record) > 0)
    g_string_append_printf (qemu, "%spid %" G_GINT64_FORMAT, qemu->len > 0 ? ", " : "",
                            aqmp_job_record_get_qemu_pid (record));
  if (aqmp_job_record_get_qemu_uuid (record) != NULL)
    g_string_append_printf (qemu, "%suuid %s", qemu->len > 0 ? ", " : "", aqmp_job_record_get_qemu_uuid (record));
  if (aqmp_job_record_get_qemu_name (record) != NULL)
    g_string_append_printf (qemu, "%sname %s", qemu->len > 0 ? ", " : "", aqmp_job_record_get_qemu_name (record));
  if (qemu->len > 0)
    aqmp_job_print_field (_("QEMU:"), "%s", qemu->str);
  if (aqmp_job_record_get_started_by_uid (record) >= 0)
    aqmp_job_print_field (_("Uid:"), "%" G_GINT64_FORMAT, aqmp_job_record_get_started_by_uid (record));
}

static void
aqmp_job_print_command (AqmpJobRecord *record)
{
  const gchar *command = aqmp_job_print_or (aqmp_job_record_get_command (record), "?");
  JsonObject *arguments = aqmp_job_record_get_arguments (record);
  g_autoptr(JsonNode) node = NULL;
  g_autofree gchar *args = NULL;

  if (arguments != NULL)
    {
      node = json_node_init_object (json_node_alloc (), arguments);
      args = aqmp_json_to_string (node, FALSE);
      aqmp_job_print_field (_("Command:"), "%s %s", command, args);
    }
  else if (aqmp_job_record_is_adopted (record))
    /* TRANSLATORS: what `aqmp job show` prints for a job aqmp found in QEMU */
    aqmp_job_print_field (_("Command:"), "%s", _("(adopted: started outside aqmp, its command is unknown)"));
  else
    aqmp_job_print_field (_("Command:"), "%s", command);
}

static void
aqmp_job_print_transitions (JsonArray *transitions)
{
  /* TRANSLATORS: job show's last heading, the job's changes of status */
  g_print ("%s\n", _("Transitions:"));
  for (guint i = 0; i < json_array_get_length (transitions); i++)
    {
      JsonObject *t = json_array_get_object_element (transitions, i);
      gint64 ts = json_object_get_int_member (t, "timestamp");
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (ts / G_USEC_PER_SEC);
      g_autofree gchar *when = dt != NULL ? g_date_time_format (dt, "%H:%M:%S") : g_strdup ("?");

      g_print ("  %s.%06d  %s\n", when, (gint) (ts % G_USEC_PER_SEC), json_object_get_string_member (t, "status"));
    }
}

/**
 * aqmp_job_print_show:
 * @json: the record's JSON form with its `transitions` and `checkpoints`
 * @pretty: that object indented (only with @json)
 *
 * Prints one job of the history in full.
 */
void
aqmp_job_print_show (AqmpJobRecord *record, JsonArray *transitions, JsonArray *checkpoints, gboolean json,
                     gboolean pretty)
{
  g_autofree gchar *created = NULL;
  g_autofree gchar *finished = NULL;
  g_autofree gchar *progress = NULL;
  g_autofree gchar *current = NULL;
  g_autofree gchar *total = NULL;

  if (json)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      JsonObject *obj = aqmp_job_record_to_json (record);

      json_object_set_array_member (obj, "transitions", json_array_ref (transitions));
      json_object_set_array_member (obj, "checkpoints", json_array_ref (checkpoints));
      json_node_take_object (node, obj);
      aqmp_cli_print_json (node, pretty);
      return;
    }
  created = aqmp_job_print_format_time (aqmp_job_record_get_created (record));
  finished = aqmp_job_print_format_time (aqmp_job_record_get_finished (record));
  progress = aqmp_job_print_format_progress (record);
  aqmp_job_print_field (_("Row:"), "%" G_GINT64_FORMAT, aqmp_job_record_get_row (record));
  aqmp_job_print_field (_("Job:"), "%s", aqmp_job_print_or (aqmp_job_record_get_job_id (record), "?"));
  aqmp_job_print_field (_("Machine:"), "%s", aqmp_job_print_or (aqmp_job_record_get_machine (record), "?"));
  aqmp_job_print_origin (record);
  aqmp_job_print_command (record);
  aqmp_job_print_field (_("Type:"), "%s", aqmp_job_print_or (aqmp_job_record_get_job_type (record), "-"));
  aqmp_job_print_field (_("Status:"), "%s", aqmp_job_print_status (record));
  aqmp_job_print_field (_("Result:"), "%s", aqmp_job_print_result (record));
  if (aqmp_job_record_get_error (record) != NULL)
    aqmp_job_print_field (_("Error:"), "%s", aqmp_job_record_get_error (record));
  /* TRANSLATORS: job show's progress: the percentage, then the bytes
   * done of the bytes in all */
  current = g_strdup_printf ("%" G_GINT64_FORMAT, aqmp_job_record_get_current_progress (record));
  total = g_strdup_printf ("%" G_GINT64_FORMAT, aqmp_job_record_get_total_progress (record));
  aqmp_job_print_field (_("Progress:"), _("%s (%s of %s)"), progress, current, total);
  aqmp_job_print_field (_("Started:"), "%s", created);
  aqmp_job_print_field (_("Finished:"), "%s", finished);
  aqmp_job_print_field (_("Checkpoints:"), "%u", json_array_get_length (checkpoints));
  aqmp_job_print_transitions (transitions);
}
