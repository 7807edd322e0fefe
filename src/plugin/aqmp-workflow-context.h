/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_PLUGIN_H_INSIDE__) && !defined(AQMP_PLUGIN_COMPILATION)
#error "Only <aqmp/aqmp-plugin.h> can be included directly."
#endif

#include <aqmp/aqmp.h>
#include <aqmp/aqmp-jobs.h>
#include <aqmp-qga/aqmp-qga.h>

G_BEGIN_DECLS

#define AQMP_TYPE_WORKFLOW_CONTEXT (aqmp_workflow_context_get_type ())
G_DECLARE_FINAL_TYPE (AqmpWorkflowContext, aqmp_workflow_context, AQMP, WORKFLOW_CONTEXT, GObject)

/* for hosts: one context per run */
AqmpWorkflowContext *aqmp_workflow_context_new               (AqmpJobRunner        *runner,
                                                              AqmpGuestAgent       *guest_agent);
void                 aqmp_workflow_context_set_started_by_uid (AqmpWorkflowContext *self,
                                                               guint32              uid);

/* for workflows */
AqmpClient          *aqmp_workflow_context_get_client        (AqmpWorkflowContext  *self);
AqmpGuestAgent      *aqmp_workflow_context_get_guest_agent   (AqmpWorkflowContext  *self);
AqmpJobRunner       *aqmp_workflow_context_get_runner        (AqmpWorkflowContext  *self);
AqmpJobStore        *aqmp_workflow_context_get_store         (AqmpWorkflowContext  *self);
guint32              aqmp_workflow_context_get_started_by_uid (AqmpWorkflowContext *self);
GPtrArray           *aqmp_workflow_context_get_jobs          (AqmpWorkflowContext  *self);

void                 aqmp_workflow_context_report_progress   (AqmpWorkflowContext  *self,
                                                              gdouble               fraction,
                                                              const gchar          *message);

void                 aqmp_workflow_context_start_job_async   (AqmpWorkflowContext  *self,
                                                              const gchar          *command,
                                                              JsonObject           *arguments,
                                                              AqmpJobStartFlags     flags,
                                                              GCancellable         *cancellable,
                                                              GAsyncReadyCallback   callback,
                                                              gpointer              user_data);
AqmpJob             *aqmp_workflow_context_start_job_finish  (AqmpWorkflowContext  *self,
                                                              GAsyncResult         *result,
                                                              GError              **error);
GPtrArray           *aqmp_workflow_context_start_job_finish_all (AqmpWorkflowContext *self,
                                                                 GAsyncResult       *result,
                                                                 GError            **error);

G_END_DECLS
