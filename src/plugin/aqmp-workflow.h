/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__AQMP_PLUGIN_H_INSIDE__) && !defined(AQMP_PLUGIN_COMPILATION)
#error "Only <aqmp/aqmp-plugin.h> can be included directly."
#endif

#include <aqmp/aqmp.h>

#include "aqmp-workflow-context.h"

G_BEGIN_DECLS

#define AQMP_TYPE_WORKFLOW (aqmp_workflow_get_type ())
G_DECLARE_DERIVABLE_TYPE (AqmpWorkflow, aqmp_workflow, AQMP, WORKFLOW, GObject)

/**
 * AqmpWorkflowClass:
 * @parent_class: the parent class
 * @run_async: runs the workflow on what @context holds: the machine's QMP
 *   client and job runner, its guest agent if any, and where progress goes
 * @run_finish: finishes @run_async, returning a JSON result
 *
 * A named, parameterised operation over a machine, such as a backup with
 * the guest's filesystems frozen. Workflows come from plugins and are run
 * by the CLI and the D-Bus service. One workflow object serves every run:
 * what belongs to a run lives in its #AqmpWorkflowContext and its task.
 *
 * Since: 0.1
 */
struct _AqmpWorkflowClass {
  GObjectClass parent_class;

  void      (*run_async)  (AqmpWorkflow         *self,
                           AqmpWorkflowContext  *context,
                           JsonObject           *params,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data);
  JsonNode *(*run_finish) (AqmpWorkflow         *self,
                           GAsyncResult         *result,
                           GError              **error);

  /*< private >*/
  gpointer padding[12];
};

const gchar *aqmp_workflow_get_name        (AqmpWorkflow         *self);
const gchar *aqmp_workflow_get_description (AqmpWorkflow         *self);
void         aqmp_workflow_run_async       (AqmpWorkflow         *self,
                                            AqmpWorkflowContext  *context,
                                            JsonObject           *params,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
JsonNode    *aqmp_workflow_run_finish      (AqmpWorkflow         *self,
                                            GAsyncResult         *result,
                                            GError              **error);

G_END_DECLS
