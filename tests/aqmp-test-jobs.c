/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "aqmp-test-jobs.h"

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
