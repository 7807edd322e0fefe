/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* a well-formed plugin whose setup fails */
#include <aqmp/aqmp-plugin.h>

AQMP_PLUGIN_DEFINE (BrokenSetupFails, broken_setup_fails)

static gboolean
broken_setup_fails_setup (AqmpPlugin *plugin, GError **error)
{
  g_set_error_literal (error, AQMP_ERROR, AQMP_ERROR_FAILED, "the example failure of a plugin's setup");
  return FALSE;
}

static void
broken_setup_fails_class_init (BrokenSetupFailsClass *klass)
{
  AQMP_PLUGIN_CLASS (klass)->setup = broken_setup_fails_setup;
}

static void
broken_setup_fails_init (BrokenSetupFails *self)
{
}
