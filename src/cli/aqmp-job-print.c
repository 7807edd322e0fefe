/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "aqmp-cli.h"
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
  g_print ("%-5s %-24s %-16s %-10s %-10s %-9s %5s  %-19s  %s\n", "ROW", "JOB", "COMMAND", "TYPE", "STATUS",
           "RESULT", "DONE", "STARTED", "MACHINE");
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
    g_print ("%-10s %s\n", "QEMU:", qemu->str);
  if (aqmp_job_record_get_started_by_uid (record) >= 0)
    g_print ("%-10s %" G_GINT64_FORMAT "\n", "Uid:", aqmp_job_record_get_started_by_uid (record));
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
      g_print ("%-10s %s %s\n", "Command:", command, args);
    }
  else if (aqmp_job_record_is_adopted (record))
    /* TRANSLATORS: what `aqmp job show` prints for a job aqmp found in QEMU */
    g_print ("%-10s %s\n", "Command:", _("(adopted: started outside aqmp, its command is unknown)"));
  else
    g_print ("%-10s %s\n", "Command:", command);
}

static void
aqmp_job_print_transitions (JsonArray *transitions)
{
  g_print ("Transitions:\n");
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
  g_print ("%-10s %" G_GINT64_FORMAT "\n", "Row:", aqmp_job_record_get_row (record));
  g_print ("%-10s %s\n", "Job:", aqmp_job_print_or (aqmp_job_record_get_job_id (record), "?"));
  g_print ("%-10s %s\n", "Machine:", aqmp_job_print_or (aqmp_job_record_get_machine (record), "?"));
  aqmp_job_print_origin (record);
  aqmp_job_print_command (record);
  g_print ("%-10s %s\n", "Type:", aqmp_job_print_or (aqmp_job_record_get_job_type (record), "-"));
  g_print ("%-10s %s\n", "Status:", aqmp_job_print_status (record));
  g_print ("%-10s %s\n", "Result:", aqmp_job_print_result (record));
  if (aqmp_job_record_get_error (record) != NULL)
    g_print ("%-10s %s\n", "Error:", aqmp_job_record_get_error (record));
  g_print ("%-10s %s (%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT ")\n", "Progress:", progress,
           aqmp_job_record_get_current_progress (record), aqmp_job_record_get_total_progress (record));
  g_print ("%-10s %s\n", "Started:", created);
  g_print ("%-10s %s\n", "Finished:", finished);
  g_print ("%-10s %u\n", "Checkpoints:", json_array_get_length (checkpoints));
  aqmp_job_print_transitions (transitions);
}
