# SPDX-License-Identifier: LGPL-2.1-or-later
"""The generated C file: the per-type descriptions, the commands and the
events around the generic runtime (runtime.c)."""

import os

from .schema import snake, words
from .shapes import (alternate_branches, command_args_code, command_names, command_shape, event_names,
                     join_params, param_list, return_shape, struct_members)


def runtime(layer):
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'runtime.c')
    with open(path, encoding='utf-8') as f:
        text = f.read()
    # the file is C for reading; the layer takes what follows its licence line
    text = text.split('\n', 1)[1]
    return ('\n' + text.replace('@P@', layer.tprefix).replace('@U@', layer.uprefix)
            .replace('@V@', layer.version))


def body_types(layer, w):
    tids = sorted(layer.emitted, key=lambda t: layer.names[t])
    arrays = set()

    def note_array(tid):
        if layer.meta(tid) == 'array':
            note_array(layer.entry(tid)['element-type'])
            arrays.add(tid)

    for t in tids:
        e = layer.entry(t)
        for m in e.get('members', []) if e['meta-type'] in ('object', 'alternate') else []:
            note_array(m['type'])
    for c in layer.commands:
        note_array(c['ret-type'])
        for m in layer.entry(c['arg-type']).get('members', []):
            note_array(m['type'])
    # forward declarations, then descriptions
    for t in tids:
        w('static const QmpType %s;' % layer.info(t))
    array_infos = {}
    for a in arrays:
        array_infos.setdefault(layer.info(a), a)
    for name in sorted(array_infos):
        w('static const QmpType %s;' % name)
    w()
    for t in tids:
        body_type(layer, w, t)
    for name in sorted(array_infos):
        a = array_infos[name]
        element = layer.entry(a)['element-type']
        w('static const QmpType %s = { "array", &%s, .free_func = (GDestroyNotify) %s, '
          '.size = sizeof (gpointer), .kind = QMP_ARRAY };'
          % (name, layer.info(element), 'g_array_unref' if layer.is_scalar(element) else 'g_ptr_array_unref'))
    w()


def body_type(layer, w, t):
    cname = layer.names[t]
    e = layer.entry(t)
    info = layer.info(t)
    fn = layer.fn(cname)
    meta = e['meta-type']
    if meta == 'enum':
        w('static const GEnumValue %s_values[] = {' % fn)
        for v in e['values']:
            ident = '%s_%s' % (layer.upper(cname), snake(words(v)).upper())
            w('  { %s, "%s", "%s" },' % (ident, ident, v))
        w('  { 0, NULL, NULL }')
        w('};')
        w('static const QmpType %s = { "%s", %s_values, .size = sizeof (gint), .n_items = %d, '
          '.kind = QMP_ENUM };' % (info, cname, fn, len(e['values'])))
        w()
        w('GType')
        w('%s_get_type (void)' % fn)
        w('{')
        w('  static gsize type;')
        w()
        w('  if (g_once_init_enter (&type))')
        w('    g_once_init_leave (&type, g_enum_register_static (g_intern_static_string ("%s"), %s_values));'
          % (cname, fn))
        w('  return type;')
        w('}')
        w()
        return
    if meta == 'alternate':
        w('static const QmpBranch %s_branches[] = {' % fn)
        for field, kind, tid in alternate_branches(layer, t):
            if kind == 'NULL':
                w('  { %s_ALTERNATE_KIND_NULL, 0, NULL },' % layer.uprefix)
            else:
                w('  { %s_ALTERNATE_KIND_%s, G_STRUCT_OFFSET (%s, %s), &%s },'
                  % (layer.uprefix, kind, cname, field, layer.info(tid)))
        w('};')
        w('static const QmpType %s = { "%s", %s_branches, .free_func = (GDestroyNotify) %s_free, '
          '.size = sizeof (%s), .n_items = G_N_ELEMENTS (%s_branches), .kind = QMP_ALTERNATE };'
          % (info, cname, fn, fn, cname, fn))
    else:
        fields, variants = struct_members(layer, t)
        extra = ''
        if fields:
            w('static const QmpMember %s_members[] = {' % fn)
            for field, tid, m, optional in fields:
                has = ('G_STRUCT_OFFSET (%s, has_%s)' % (cname, field)
                       if optional and layer.is_scalar(tid) else '-1')
                w('  { "%s", &%s, G_STRUCT_OFFSET (%s, %s), %s, %s },'
                  % (m['name'], layer.info(tid), cname, field, has, 'TRUE' if optional else 'FALSE'))
            w('};')
            extra += ', .items = %s_members, .n_items = G_N_ELEMENTS (%s_members)' % (fn, fn)
        if variants:
            tag_member = [f for f in fields if f[2]['name'] == e['tag']][0]
            tag_enum = tag_member[1]
            w('static const QmpVariant %s_variants[] = {' % fn)
            for field, tid, v in variants:
                w('  { %s_%s, G_STRUCT_OFFSET (%s, %s), &%s },'
                  % (layer.upper(layer.names[tag_enum]), snake(words(v['case'])).upper(),
                     cname, field, layer.info(tid)))
            w('};')
            extra += (', .tag_offset = G_STRUCT_OFFSET (%s, %s), .variants = %s_variants, '
                      '.n_variants = G_N_ELEMENTS (%s_variants)' % (cname, tag_member[0], fn, fn))
        w('static const QmpType %s = { "%s", .size = sizeof (%s)%s, .free_func = (GDestroyNotify) %s_free, '
          '.kind = QMP_OBJECT };' % (info, cname, cname, extra, fn))
    w()
    # the public functions of a boxed type
    w('G_DEFINE_BOXED_TYPE (%s, %s, %s_copy, %s_free)' % (cname, fn, fn, fn))
    w()
    w('/**')
    w(' * %s_new:' % fn)
    w(' *')
    w(' * Creates an empty #%s: no member set, every pointer %%NULL.' % cname)
    w(' *')
    w(' * Returns: (transfer full): a new #%s, all empty' % cname)
    w(' */')
    w('%s *' % cname)
    w('%s_new (void)' % fn)
    w('{')
    w('  return g_new0 (%s, 1);' % cname)
    w('}')
    w()
    w('/**')
    w(' * %s_copy:' % fn)
    w(' * @self: a #%s' % cname)
    w(' *')
    w(' * Copies @self and everything it holds.')
    w(' *')
    w(' * Returns: (transfer full): a deep copy of @self')
    w(' */')
    w('%s *' % cname)
    w('%s_copy (const %s *self)' % (fn, cname))
    w('{')
    w('  return qmp_boxed_copy (&%s, self);' % info)
    w('}')
    w()
    w('/**')
    w(' * %s_free:' % fn)
    w(' * @self: (nullable): a #%s' % cname)
    w(' *')
    w(' * Frees @self and everything it holds.')
    w(' */')
    w('void')
    w('%s_free (%s *self)' % (fn, cname))
    w('{')
    w('  qmp_boxed_free (&%s, self);' % info)
    w('}')
    w()
    if t.startswith('%options:'):
        for field, tid, m, _opt in struct_members(layer, t)[0]:
            body_setter(layer, w, cname, fn, field, tid, m)


def body_setter(layer, w, cname, fn, field, tid, m):
    ptype = layer.param_type(tid)
    sep = '' if ptype.endswith('*') else ' '
    w('/**')
    w(' * %s_set_%s:' % (fn, field.rstrip('_')))
    w(' * @self: a #%s' % cname)
    w(' * @value: %sthe value of `%s`, copied%s' % (layer.annotations(tid, True), m['name'],
                                                   '; %NULL leaves it out' if not layer.is_scalar(tid) else ''))
    w(' *')
    w(' * Sets the optional member `%s`.%s' % (m['name'], layer.features(m.get('features'))))
    w(' */')
    w('void')
    w('%s_set_%s (%s *self, %s%svalue)' % (fn, field.rstrip('_'), cname, ptype, sep))
    w('{')
    w('  g_return_if_fail (self != NULL);')
    info = layer.info(tid)
    if layer.is_scalar(tid):
        w('  self->%s = value;' % field)
        w('  self->has_%s = TRUE;' % field)
    elif layer.kind(tid) == 'STR':
        w('  g_free (self->%s);' % field)
        w('  self->%s = g_strdup (value);' % field)
    elif layer.kind(tid) == 'ANY':
        w('  g_clear_pointer (&self->%s, json_node_unref);' % field)
        w('  self->%s = value != NULL ? json_node_copy (value) : NULL;' % field)
    else:
        w('  qmp_clear (&%s, &self->%s);' % (info, field))
        w('  if (value != NULL)')
        w('    {')
        w('      g_autoptr(JsonNode) node = qmp_write (&%s, &value);' % info)
        w()
        w('      (void) qmp_read (&%s, node, &self->%s, "%s", NULL);' % (info, field, m['name']))
        w('    }')
    w('}')
    w()


def body_commands(layer, w):
    for c in layer.commands:
        body_command(layer, w, c)


def body_command(layer, w, c):
    name = c['name']
    a, f, s = command_names(layer, c)
    base = a[:-len('_async')]
    ret, out, fail = return_shape(layer, c)
    params, options, union = command_shape(layer, c)
    args_code = command_args_code(layer, c)
    plist = param_list(layer, c, 0)
    feats = layer.features(c.get('features'))
    doc_params = []
    if union:
        doc_params.append(('arguments', 'the arguments, a union on `%s`'
                           % layer.entry(union)['tag']))
    for field, tid, m in params:
        doc_params.append((field, '%sthe member `%s`%s' % (layer.annotations(tid, False), m['name'],
                                                           layer.clause(m.get('features')))))
    if options:
        doc_params.append(('options', '(nullable): the optional members, or %NULL'))
    # the arguments
    if args_code:
        w('/**')
        w(' * %s_build_arguments:' % base)
        for p, d in doc_params:
            w(' * @%s: %s' % (p, d))
        w(' *')
        w(' * Builds the arguments of `%s` as %s_async() sends them, for the APIs' % (name, base))
        w(' * that take a command\'s arguments as JSON, such as the job runner\'s.')
        w(' *')
        w(' * Returns: (transfer full): the arguments')
        w(' */')
        w('JsonObject *')
        w('%s_build_arguments (%s)' % (base, join_params(plist[1:], len(base) + 18)))
        w('{')
        for line in args_code:
            w('  ' + line)
        w('  return args;')
        w('}')
        w()
    # the reply
    rparams = ['JsonNode *reply'] + (['%s *value' % out] if out else []) + ['GError **error']
    w('static %s' % ret)
    w('%s_return (%s)' % (base, ', '.join(rparams)))
    w('{')
    if layer.is_empty_object(c['ret-type']):
        w('  return reply != NULL;')
    elif out:
        w('  if (reply == NULL)')
        w('    return FALSE;')
        w('  return qmp_read (&%s, reply, value, "%s", error);' % (layer.info(c['ret-type']), name))
    else:
        w('  %sret = NULL;' % (ret if ret.endswith('*') else ret + ' '))
        w()
        w('  if (reply == NULL)')
        w('    return NULL;')
        w('  if (!qmp_read (&%s, reply, &ret, "%s", error))' % (layer.info(c['ret-type']), name))
        w('    {')
        w('      qmp_clear (&%s, &ret);' % layer.info(c['ret-type']))
        w('      return NULL;')
        w('    }')
        w('  return ret;')
    w('}')
    w()
    call_args = ', '.join((['arguments'] if union else []) + [p[0] for p in params]
                          + (['options'] if options else []))
    # async
    w('/**')
    w(' * %s:' % a)
    w(' * @client: a connected #AqmpClient')
    for p, d in doc_params:
        w(' * @%s: %s' % (p, d))
    w(' * @cancellable: (nullable): a #GCancellable')
    w(' * @callback: (scope async): called when the reply is in')
    w(' * @user_data: (closure): data for @callback')
    w(' *')
    w(' * Sends `%s` (as QEMU %s\'s schema has it).%s Finish with %s().' % (name, layer.version, feats, f))
    w(' */')
    w('void')
    w('%s (%s)' % (a, join_params(plist + ['GCancellable *cancellable', 'GAsyncReadyCallback callback',
                                           'gpointer user_data'], len(a) + 2)))
    w('{')
    if args_code:
        w('  g_autoptr(JsonObject) args = NULL;')
        w()
    w('  g_return_if_fail (AQMP_IS_CLIENT (client));')
    if args_code:
        w('  args = %s_build_arguments (%s);' % (base, call_args))
    w('  aqmp_client_execute_async (client, "%s", %s, cancellable, callback, user_data);'
      % (name, 'args' if args_code else 'NULL'))
    w('}')
    w()
    # finish
    outp = ['%s *value' % out] if out else []
    w('/**')
    w(' * %s:' % f)
    w(' * @client: the #AqmpClient')
    w(' * @result: the #GAsyncResult given to the callback')
    if out:
        w(' * @value: (out): where to store the result')
    w(' * @error: return location for an error')
    w(' *')
    w(' * Finishes %s(), reading the reply to `%s`.' % (a, c['name']))
    w(' *')
    w(' * Returns: %s' % return_doc(layer, c))
    w(' */')
    w(ret if not ret.endswith('*') else ret)
    w('%s (%s)' % (f, join_params(['AqmpClient *client', 'GAsyncResult *result'] + outp + ['GError **error'],
                                  len(f) + 2)))
    w('{')
    w('  g_autoptr(JsonNode) reply = NULL;')
    w()
    w('  g_return_val_if_fail (AQMP_IS_CLIENT (client), %s);' % fail)
    w('  reply = aqmp_client_execute_finish (client, result, error);')
    w('  return %s_return (reply%s, error);' % (base, ', value' if out else ''))
    w('}')
    w()
    # sync
    w('/**')
    w(' * %s:' % s)
    w(' * @client: a connected #AqmpClient')
    for p, d in doc_params:
        w(' * @%s: %s' % (p, d))
    if out:
        w(' * @value: (out): where to store the result')
    w(' * @cancellable: (nullable): a #GCancellable')
    w(' * @error: return location for an error')
    w(' *')
    w(' * Sends `%s` and waits for the reply, iterating the client\'s context.%s' % (name, feats))
    w(' *')
    w(' * Returns: %s' % return_doc(layer, c))
    w(' */')
    w(ret)
    w('%s (%s)' % (s, join_params(plist + outp + ['GCancellable *cancellable', 'GError **error'],
                                  len(s) + 2)))
    w('{')
    if args_code:
        w('  g_autoptr(JsonObject) args = NULL;')
    w('  g_autoptr(JsonNode) reply = NULL;')
    w()
    w('  g_return_val_if_fail (AQMP_IS_CLIENT (client), %s);' % fail)
    if args_code:
        w('  args = %s_build_arguments (%s);' % (base, call_args))
    w('  reply = aqmp_client_execute_sync (client, "%s", %s, cancellable, error);'
      % (name, 'args' if args_code else 'NULL'))
    w('  return %s_return (reply%s, error);' % (base, ', value' if out else ''))
    w('}')
    w()


def return_doc(layer, c):
    ret = c['ret-type']
    if layer.is_empty_object(ret) or layer.is_scalar(ret):
        return '%TRUE on success; %FALSE with @error set'
    notes = layer.annotations(ret, False, 'full')
    return '%sthe reply, typed; %%NULL with @error set' % notes


def body_events(layer, w):
    for e in layer.events:
        n = event_names(layer, e)
        w('typedef struct {')
        w('  %s callback;' % n['func'])
        w('  gpointer user_data;')
        w('  GDestroyNotify notify;')
        w('} %s_closure;' % n['connect'])
        w()
        w('static void')
        w('%s_closure_free (gpointer data, GClosure *closure)' % n['connect'])
        w('{')
        w('  %s_closure *self = data;' % n['connect'])
        w()
        w('  if (self->notify != NULL)')
        w('    self->notify (self->user_data);')
        w('  g_free (self);')
        w('}')
        w()
        if n['data']:
            info = layer.info(e['arg-type'])
            fn = layer.fn(n['data'])
            w('/**')
            w(' * %s:' % n['parse'])
            w(' * @data: the data of a `%s` event' % e['name'])
            w(' * @error: return location for an error')
            w(' *')
            w(' * Reads an event\'s data into its typed form.')
            w(' *')
            w(' * Returns: (transfer full): the data, typed; %NULL with @error set')
            w(' */')
            w('%s *' % n['data'])
            w('%s (JsonObject *data, GError **error)' % n['parse'])
            w('{')
            w('  g_autoptr(%s) self = %s_new ();' % (n['data'], fn))
            w()
            w('  g_return_val_if_fail (data != NULL, NULL);')
            w('  if (!qmp_object_read (&%s, self, data, error))' % info)
            w('    return NULL;')
            w('  return g_steal_pointer (&self);')
            w('}')
            w()
        w('static void')
        w('%s_cb (AqmpClient *client, AqmpEvent *event, gpointer user_data)' % n['connect'])
        w('{')
        w('  %s_closure *self = user_data;' % n['connect'])
        if n['data']:
            w('  g_autoptr(%s) data = NULL;' % n['data'])
            w('  g_autoptr(GError) error = NULL;')
            w('  JsonObject *object = aqmp_event_get_data (event);')
            w()
            w('  if (object == NULL)')
            w('    {')
            w('      g_debug ("%s without data", aqmp_event_get_name (event));')
            w('      return;')
            w('    }')
            w('  data = %s (object, &error);' % n['parse'])
            w('  if (data == NULL)')
            w('    {')
            w('      g_debug ("%s: %s", aqmp_event_get_name (event), error->message);')
            w('      return;')
            w('    }')
            w('  self->callback (client, event, data, self->user_data);')
        else:
            w()
            w('  self->callback (client, event, self->user_data);')
        w('}')
        w()
        w('/**')
        w(' * %s:' % n['connect'])
        w(' * @client: an #AqmpClient')
        w(' * @callback: (scope notified) (closure user_data) (destroy notify): called for each `%s` event'
          % e['name'])
        w(' * @user_data: data for @callback')
        w(' * @notify: (nullable): frees @user_data when the handler goes')
        w(' *')
        w(' * Connects a typed callback to `%s` events; an event whose data do not'
          % e['name'])
        w(' * fit QEMU %s\'s schema is left out (with a debug message).%s'
          % (layer.version, layer.features(e.get('features'))))
        w(' *')
        w(' * Returns: the handler id, for g_signal_handler_disconnect()')
        w(' */')
        w('gulong')
        w('%s (AqmpClient *client, %s callback, gpointer user_data, GDestroyNotify notify)'
          % (n['connect'], n['func']))
        w('{')
        w('  %s_closure *self = NULL;' % n['connect'])
        w()
        w('  g_return_val_if_fail (AQMP_IS_CLIENT (client), 0);')
        w('  g_return_val_if_fail (callback != NULL, 0);')
        w('  self = g_new0 (%s_closure, 1);' % n['connect'])
        w('  self->callback = callback;')
        w('  self->user_data = user_data;')
        w('  self->notify = notify;')
        w('  return g_signal_connect_data (client, "event::%s", G_CALLBACK (%s_cb), self,'
          % (e['name'], n['connect']))
        w('                                %s_closure_free, 0);' % n['connect'])
        w('}')
        w()


def body_top(layer, w, include):
    P = layer.prefix
    w('/* Generated by aqmp-codegen from the QMP schema of QEMU %s: do not edit. */' % layer.version)
    w('/* SPDX-License-Identifier: LGPL-2.1-or-later */')
    w('#include <string.h>')
    w()
    w('#include <aqmp/aqmp-qapi.h>')
    w()
    w('#include "%s"' % include)
    w(runtime(layer))
    w('static const gchar * const %s_commands[] = {' % P)
    for c in layer.commands:
        w('  "%s",' % c['name'])
    w('  NULL')
    w('};')
    w()
    w('static const gchar * const %s_events[] = {' % P)
    for e in layer.events:
        w('  "%s",' % e['name'])
    w('  NULL')
    w('};')
    w()
    w('''/**
 * @P@_get_qemu_version:
 *
 * Tells which QEMU's schema this layer follows, as @U@_QEMU_VERSION does.
 *
 * Returns: the QEMU version whose schema this layer was generated from
 */
const gchar *
@P@_get_qemu_version (void)
{
  return @U@_QEMU_VERSION;
}

/**
 * @P@_get_commands:
 *
 * Lists the commands this layer covers.
 *
 * Returns: (transfer none) (array zero-terminated=1): the commands this
 *   layer has functions for, by their QMP names
 */
const gchar * const *
@P@_get_commands (void)
{
  return @P@_commands;
}

/**
 * @P@_get_events:
 *
 * Lists the events this layer covers.
 *
 * Returns: (transfer none) (array zero-terminated=1): the events this
 *   layer has types for, by their QMP names
 */
const gchar * const *
@P@_get_events (void)
{
  return @P@_events;
}

static void
@P@_attach_loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(AqmpSchema) schema = NULL;
  g_autoptr(AqmpSchemaValidator) validator = NULL;
  GError *error = NULL;

  schema = aqmp_schema_load_finish (AQMP_CLIENT (source), result, &error);
  if (schema == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (!aqmp_client_has_check_func (AQMP_CLIENT (source)))
    {
      validator = aqmp_schema_validator_new (schema);
      aqmp_schema_validator_attach (validator, AQMP_CLIENT (source));
    }
  g_task_return_boolean (task, TRUE);
}

/**
 * @P@_attach_async:
 * @client: a connected #AqmpClient
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the live schema is in
 * @user_data: (closure): data for @callback
 *
 * Loads the connected QEMU's own schema (aqmp_schema_load_async()) and,
 * unless @client already checks its calls, attaches a validator for it:
 * from then on a typed call for a command that QEMU lacks, or with
 * arguments that it does not take, fails with %AQMP_ERROR_INVALID before
 * anything is sent, whatever version this layer was generated from.
 */
void
@P@_attach_async (AqmpClient *client, GCancellable *cancellable, GAsyncReadyCallback callback,
                  gpointer user_data)
{
  GTask *task = NULL;

  g_return_if_fail (AQMP_IS_CLIENT (client));
  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, @P@_attach_async);
  aqmp_schema_load_async (client, NULL, cancellable, @P@_attach_loaded_cb, task);
}

/**
 * @P@_attach_finish:
 * @client: the #AqmpClient
 * @result: the #GAsyncResult given to the callback
 * @error: return location for an error
 *
 * Finishes @P@_attach_async().
 *
 * Returns: %TRUE once calls on @client are checked against its schema
 */
gboolean
@P@_attach_finish (AqmpClient *client, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * @P@_attach_sync:
 * @client: a connected #AqmpClient
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * The synchronous @P@_attach_async().
 *
 * Returns: %TRUE once calls on @client are checked against its schema
 */
gboolean
@P@_attach_sync (AqmpClient *client, GCancellable *cancellable, GError **error)
{
  g_autoptr(AqmpSchema) schema = NULL;
  g_autoptr(AqmpSchemaValidator) validator = NULL;

  g_return_val_if_fail (AQMP_IS_CLIENT (client), FALSE);
  schema = aqmp_schema_load_sync (client, NULL, cancellable, error);
  if (schema == NULL)
    return FALSE;
  if (aqmp_client_has_check_func (client))
    return TRUE;
  validator = aqmp_schema_validator_new (schema);
  aqmp_schema_validator_attach (validator, client);
  return TRUE;
}

static const GEnumValue @P@_alternate_kind_values[] = {'''.replace('@P@', P).replace('@U@', layer.uprefix))
    for k in ('NONE', 'NULL', 'BOOLEAN', 'INTEGER', 'NUMBER', 'STRING', 'ENUM', 'OBJECT'):
        ident = '%s_ALTERNATE_KIND_%s' % (layer.uprefix, k)
        w('  { %s, "%s", "%s" },' % (ident, ident, k.lower()))
    w('  { 0, NULL, NULL }')
    w('};')
    w()
    w('GType')
    w('%s_alternate_kind_get_type (void)' % P)
    w('{')
    w('  static gsize type;')
    w()
    w('  if (g_once_init_enter (&type))')
    w('    g_once_init_leave (&type, g_enum_register_static (g_intern_static_string ("%sAlternateKind"), '
      '%s_alternate_kind_values));' % (layer.tprefix, P))
    w('  return type;')
    w('}')
    w()


def write_body(layer, w, include):
    body_top(layer, w, include)
    body_types(layer, w)
    body_commands(layer, w)
    body_events(layer, w)
