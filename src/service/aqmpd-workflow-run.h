/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <aqmp/aqmp.h>
#include <aqmp/aqmp-plugin-loader.h>
#include <aqmp/aqmp-jobs.h>

#include "aqmpd-job.h"
#include "aqmpd-machine.h"

G_BEGIN_DECLS

#define AQMPD_TYPE_WORKFLOW_RUN (aqmpd_workflow_run_get_type ())
G_DECLARE_FINAL_TYPE (AqmpdWorkflowRun, aqmpd_workflow_run, AQMPD, WORKFLOW_RUN, GObject)

extern const gchar * const aqmpd_workflow_param_types[];

JsonObject       *aqmpd_workflow_params_from_variant (GVariant          *params,
                                                      GError           **error);

AqmpdWorkflowRun *aqmpd_workflow_run_new   (AqmpWorkflow      *workflow,
                                            AqmpdMachine      *machine,
                                            AqmpPluginLoader  *loader,
                                            AqmpJobStore      *store,
                                            AqmpdJob          *job,
                                            JsonObject        *params,
                                            guint32            uid);
void              aqmpd_workflow_run_start (AqmpdWorkflowRun  *self);
AqmpdMachine     *aqmpd_workflow_run_get_machine (AqmpdWorkflowRun *self);
guint32           aqmpd_workflow_run_get_uid     (AqmpdWorkflowRun *self);

G_END_DECLS
