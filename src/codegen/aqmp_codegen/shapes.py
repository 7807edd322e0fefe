# SPDX-License-Identifier: LGPL-2.1-or-later
"""What the header and the C file both need: the C shape of commands,
events and types, and a line writer."""

from .schema import SchemaError, c_ident, camel, param_ident, snake, words


class Writer:
    """Collects lines; with @since, closes every gtk-doc comment (`/**` ...
    ` */`) with a `Since:` line, so that no public symbol goes without one."""

    def __init__(self, since=None):
        self.lines = []
        self.since = since

    def __call__(self, text=''):
        self.lines.append(text)

    def text(self):
        text = '\n'.join(self.lines) + '\n'
        if self.since is None:
            return text
        out = []
        in_doc = False
        for line in text.split('\n'):
            if line == '/**':
                in_doc = True
            elif in_doc and line == ' */':
                in_doc = False
                if out[-1] != ' *':
                    out.append(' *')
                out.append(' * Since: %s' % self.since)
            out.append(line)
        return '\n'.join(out)


# ---------------------------------------------------------------------------
# the header


def struct_members(layer, tid):
    """(field, type, member, optional) of an object, and its variants"""
    e = layer.entry(tid)
    fields = []
    seen = set()
    for m in e.get('members', []):
        field = c_ident(m['name'])
        if field in seen:
            raise SchemaError('%s: two members would be the field %s' % (layer.names[tid], field))
        seen.add(field)
        fields.append((field, m['type'], m, 'default' in m))
    variants = []
    for v in e.get('variants', []):
        if layer.is_empty_object(v['type']):
            continue
        field = c_ident(v['case'])
        if field in seen:
            field += '_variant'
        seen.add(field)
        variants.append((field, v['type'], v))
    return fields, variants


def alternate_branches(layer, tid):
    out = []
    for m in layer.entry(tid)['members']:
        k = layer.kind(m['type'])
        field, kind = {
            'INT': ('integer', 'INTEGER'), 'NUMBER': ('number', 'NUMBER'),
            'BOOL': ('boolean', 'BOOLEAN'), 'STR': ('string', 'STRING'),
            'ENUM': ('enumeration', 'ENUM'), 'OBJECT': ('object', 'OBJECT'),
            'ANY': ('null', 'NULL'),
        }[k]
        out.append((field, kind, m['type']))
    return out


def sorted_types(layer, meta):
    return sorted((t for t in layer.emitted if layer.entry(t)['meta-type'] == meta),
                  key=lambda t: layer.names[t])


def command_shape(layer, c):
    """(parameters, options entry or None, union arguments type or None)"""
    args = layer.entry(c['arg-type'])
    if args.get('variants'):
        return [], None, c['arg-type']
    params = [(param_ident(m['name']), m['type'], m) for m in args.get('members', [])
              if 'default' not in m]
    return params, layer.options.get(c['name']), None


def return_shape(layer, c):
    """(C return type, out-parameter type or None, failure value)"""
    ret = c['ret-type']
    if layer.is_empty_object(ret):
        return 'gboolean', None, 'FALSE'
    if layer.is_scalar(ret):
        return 'gboolean', layer.ctype(ret), 'FALSE'
    return layer.ctype(ret), None, 'NULL'


def command_names(layer, c):
    base = layer.prefix + '_' + snake(words(c['name']))
    return base + '_async', base + '_finish', base + '_sync'


def event_names(layer, e):
    w = words(e['name'])
    data = None if layer.is_empty_object(e['arg-type']) else layer.names[e['arg-type']]
    return {
        'data': data,
        'func': layer.tprefix + camel(w) + 'Func',
        'connect': layer.prefix + '_connect_' + snake(w),
        'parse': layer.fn(data) + '_new_from_data' if data else None,
    }


def param_list(layer, c, indent):
    params, options, union = command_shape(layer, c)
    out = ['AqmpClient *client']
    if union:
        out.append('const %s *arguments' % layer.names[union])
    for field, tid, _m in params:
        out.append('%s%s' % (layer.param_type(tid).rstrip() + ('' if layer.param_type(tid).endswith('*') else ' '), field))
    if options:
        out.append('const %s *options' % layer.names[options['name']])
    return out


def join_params(params, indent):
    return (',\n' + ' ' * indent).join(params)


def command_args_code(layer, c):
    """statements that build `args` from the parameters"""
    params, options, union = command_shape(layer, c)
    lines = []
    if not params and not options and not union:
        return None
    lines.append('JsonObject *args = json_object_new ();')
    if union:
        lines.append('if (arguments != NULL)')
        lines.append('  qmp_object_write (&%s, arguments, args);' % layer.info(union))
    for field, tid, m in params:
        if layer.is_scalar(tid):
            lines.append('json_object_set_member (args, "%s", qmp_write (&%s, &%s));'
                         % (m['name'], layer.info(tid), field))
        else:
            lines.append('if (%s != NULL)' % field)
            lines.append('  json_object_set_member (args, "%s", qmp_write (&%s, &%s));'
                         % (m['name'], layer.info(tid), field))
    if options:
        lines.append('if (options != NULL)')
        lines.append('  qmp_object_write (&%s, options, args);' % layer.info(options['name']))
    return lines
