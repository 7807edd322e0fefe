#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""aqmp-codegen: a typed QMP layer in C from a query-qmp-schema dump.

    aqmp-codegen [--prefix aqmp_qmp] [--qemu-version 7.2]
                 --header OUT.h --body OUT.c [--symbol-map OUT.map]
                 [--include aqmp-qmp.h] SCHEMA.json

SCHEMA.json is what `aqmp schema dump` writes (QEMU's query-qmp-schema
reply, a JSON array). The output is one header and one C file on top of
libaqmp and libaqmp-qapi: per command PREFIX_COMMAND_async/_finish/_sync,
per enum a GEnum, per object, union and alternate a boxed struct, per event
a boxed struct and a helper that connects a typed callback. The naming
rule is in docs/codegen.md; the generator uses only Python's standard
library, as gdbus-codegen does.
"""

import argparse
import json
import re
import sys

C_RESERVED = {
    'auto', 'break', 'case', 'char', 'const', 'continue', 'default', 'do',
    'double', 'else', 'enum', 'extern', 'float', 'for', 'goto', 'if',
    'inline', 'int', 'long', 'register', 'restrict', 'return', 'short',
    'signed', 'sizeof', 'static', 'struct', 'switch', 'typedef', 'union',
    'unsigned', 'void', 'volatile', 'while', 'bool', 'true', 'false',
    'unix', 'linux', 'errno', 'asm', 'typeof',
}
# the parameters every command function has
C_PARAMETERS = {'client', 'options', 'arguments', 'cancellable', 'callback',
                'user_data', 'error', 'result', 'self', 'value', 'args', 'reply'}

SCALARS = {'int': 'gint64', 'bool': 'gboolean', 'number': 'gdouble'}
KIND = {'int': 'INT', 'bool': 'BOOL', 'number': 'NUMBER', 'str': 'STR',
        'any': 'ANY', 'null': 'ANY'}


class SchemaError(Exception):
    pass


def words(name):
    return [w.lower() for w in re.split(r'[^A-Za-z0-9]+', name) if w]


def camel(ws):
    return ''.join(w[:1].upper() + w[1:] for w in ws)


def snake(ws):
    return '_'.join(ws)


def c_ident(name):
    ident = re.sub(r'[^A-Za-z0-9_]', '_', name)
    if ident[:1].isdigit():
        ident = '_' + ident
    if ident in C_RESERVED:
        ident += '_'
    return ident


def param_ident(name):
    ident = c_ident(name)
    if ident in C_PARAMETERS:
        ident += '_'
    return ident


def comment_text(text):
    return text.replace('*/', '* /')


class Layer:
    """The schema, resolved: a C name for every type reached from a command
    or an event, by the rule in docs/codegen.md."""

    def __init__(self, entries, prefix, qemu_version, pins=None):
        self.prefix = prefix
        self.tprefix = camel(prefix.split('_'))
        self.uprefix = prefix.upper()
        self.version = qemu_version
        self.by = {}
        for entry in entries:
            if not isinstance(entry, dict) or 'name' not in entry or 'meta-type' not in entry:
                raise SchemaError('an entry without name or meta-type: %r' % (entry,))
            self.by[entry['name']] = entry
        self.commands = sorted((e for e in entries if e['meta-type'] == 'command'),
                               key=lambda e: e['name'])
        self.events = sorted((e for e in entries if e['meta-type'] == 'event'),
                             key=lambda e: e['name'])
        self.names = {}        # type name in the dump -> C type name
        self.stems = {}        # type name in the dump -> words of its stem
        self.paths = {}        # type name in the dump -> the path that named it
        self.used = set()      # every public identifier
        self.options = {}      # command name -> synthetic options entry
        self.snakes = {}       # C type name -> its lower_snake_case form
        self.pins = pins or {}  # path -> lower_snake_case name to keep
        self.reserve(self.tprefix + 'AlternateKind')
        self.resolve()
        self.emitted = self.used_types()

    # the dump
    def entry(self, name):
        try:
            return self.by[name]
        except KeyError:
            raise SchemaError('type %r is used but not defined' % name) from None

    def meta(self, name):
        return self.entry(name)['meta-type']

    def is_empty_object(self, name):
        e = self.entry(name)
        return e['meta-type'] == 'object' and not e.get('members') and not e.get('variants')

    def element(self, name):
        while self.meta(name) == 'array':
            name = self.entry(name)['element-type']
        return name

    def awkward(self, name):
        """an alternate with a branch no C field expresses well"""
        e = self.entry(name)
        if e['meta-type'] != 'alternate':
            return False
        for m in e['members']:
            meta = self.meta(m['type'])
            if meta in ('array', 'alternate') or (meta == 'builtin' and m['type'] == 'any'):
                return True
        return False

    def reserve(self, ident):
        if ident in self.used:
            raise SchemaError('two things would be called %s' % ident)
        self.used.add(ident)

    # naming
    def resolve(self):
        level = []
        for c in self.commands:
            w = words(c['name'])
            if not self.is_empty_object(c['arg-type']):
                level.append((c['arg-type'], w + ['arguments'], w, c['name'] + '/arguments'))
            if not self.is_empty_object(c['ret-type']):
                level.append((c['ret-type'], w + ['result'], w + ['result'], c['name'] + '/result'))
        for e in self.events:
            w = words(e['name'])
            if not self.is_empty_object(e['arg-type']):
                level.append((e['arg-type'], w + ['event'], w, e['name'] + '/data'))
        # the options types are named before anything reached by a path
        for c in self.commands:
            args = self.entry(c['arg-type'])
            optional = [m for m in args.get('members', []) if 'default' in m]
            if optional and not args.get('variants'):
                cname = self.tprefix + camel(words(c['name']) + ['optional'])
                self.reserve(cname)
                self.snakes[cname] = self.prefix + '_' + snake(words(c['name']) + ['optional'])
                synthetic = {'name': '%options:' + c['name'], 'meta-type': 'object',
                             'members': optional}
                self.by[synthetic['name']] = synthetic
                self.names[synthetic['name']] = cname
                self.stems[synthetic['name']] = words(c['name'])
                self.paths[synthetic['name']] = c['name'] + '/optional'
                self.options[c['name']] = synthetic
        pinned_at = self.apply_pins()
        depth = 0
        while level or any(d >= depth for d in pinned_at):
            following = []
            for tid in pinned_at.get(depth, []):
                following.extend(self.children(tid, self.stems[tid], self.paths[tid]))
            candidates = {}
            for tid, ws, stem, path in level:
                tid = self.element(tid)
                if self.meta(tid) == 'builtin' or tid in self.names:
                    continue
                if self.awkward(tid):
                    continue
                candidates.setdefault(tid, []).append((len(camel(ws)), camel(ws), path, ws, stem))
            for tid in sorted(candidates, key=lambda t: min(candidates[t])[:3]):
                _length, cname, path, ws, stem = min(candidates[tid])
                n = 1
                full = self.tprefix + cname
                while full in self.used:
                    n += 1
                    full = self.tprefix + camel(ws + [str(n)])
                if n > 1:
                    ws = ws + [str(n)]
                self.reserve(full)
                self.snakes[full] = self.prefix + '_' + snake(ws)
                self.names[tid] = full
                self.stems[tid] = stem
                self.paths[tid] = path
                following.extend(self.children(tid, stem, path))
            level = following
            depth += 1

    def apply_pins(self):
        """names kept from a names file, by the paths that reach them"""
        chosen = {}
        for path in sorted(self.pins, key=lambda p: (p.count('/'), p)):
            tid = self.walk(path)
            if tid is None or tid in chosen or self.meta(tid) == 'builtin' or self.awkward(tid):
                continue
            chosen[tid] = path
        pinned_at = {}
        for tid, path in sorted(chosen.items(), key=lambda item: item[1]):
            ws = self.pins[path].split('_')
            full = self.tprefix + camel(ws)
            self.reserve(full)
            self.snakes[full] = self.prefix + '_' + self.pins[path]
            self.names[tid] = full
            self.stems[tid] = self.path_stem(path)
            self.paths[tid] = path
            pinned_at.setdefault(path.count('/') - 1, []).append(tid)
        return pinned_at

    def walk(self, path):
        """the type a path reaches, or None when this schema has no such path"""
        segs = path.split('/')
        root = self.by.get(segs[0])
        if root is None or len(segs) < 2:
            return None
        start = {('command', 'arguments'): 'arg-type', ('command', 'result'): 'ret-type',
                 ('event', 'data'): 'arg-type'}.get((root['meta-type'], segs[1]))
        if start is None:
            return None
        tid = root[start]
        for seg in segs[2:]:
            e = self.entry(self.element(tid))
            found = None
            if e['meta-type'] == 'object':
                found = next((m['type'] for m in e.get('members', []) if m['name'] == seg), None)
                if found is None:
                    found = next((v['type'] for v in e.get('variants', []) if v['case'] == seg), None)
            elif e['meta-type'] == 'alternate' and seg in ('object', 'enum'):
                found = next((m['type'] for m in e['members']
                              if (self.meta(m['type']) == 'enum') == (seg == 'enum')
                              and self.meta(m['type']) in ('enum', 'object')), None)
            if found is None:
                return None
            tid = found
        return self.element(tid)

    def path_stem(self, path):
        segs = path.split('/')
        stem = words(segs[0]) + (['result'] if segs[1] == 'result' else [])
        for seg in segs[2:]:
            stem += words(seg)
        return stem

    def names_file(self):
        out = {}
        for tid, cname in self.names.items():
            if not tid.startswith('%options:'):
                out[self.paths[tid]] = self.snakes[cname][len(self.prefix) + 1:]
        return out

    def used_types(self):
        """the named types the functions need: every type is named (so that
        names do not depend on what is emitted), only these are emitted"""
        stack = []
        for c in self.commands:
            params, options, union = command_shape(self, c)
            stack += [union] if union else [tid for _f, tid, _m in params]
            stack += [options['name']] if options else []
            stack.append(c['ret-type'])
        stack += [e['arg-type'] for e in self.events]
        seen = set()
        while stack:
            tid = self.element(stack.pop())
            if tid in seen or self.meta(tid) == 'builtin' or self.awkward(tid):
                continue
            seen.add(tid)
            e = self.entry(tid)
            stack += [m['type'] for m in e.get('members', []) if 'type' in m]
            stack += [v['type'] for v in e.get('variants', [])]
        return {t for t in seen if t in self.names}

    def children(self, tid, stem, path):
        e = self.entry(tid)
        out = []
        if e['meta-type'] == 'object':
            for m in e.get('members', []):
                out.append((m['type'], stem + words(m['name']), stem + words(m['name']),
                            path + '/' + m['name']))
            for v in e.get('variants', []):
                if not self.is_empty_object(v['type']):
                    out.append((v['type'], stem + words(v['case']), stem + words(v['case']),
                                path + '/' + v['case']))
        elif e['meta-type'] == 'alternate':
            for m in e['members']:
                word = 'enum' if self.meta(m['type']) == 'enum' else 'object'
                out.append((m['type'], stem + [word], stem + [word], path + '/' + word))
        return out

    # C names of things
    def fn(self, cname):
        """AqmpQmpFooBar -> aqmp_qmp_foo_bar, from the words it was made of"""
        return self.snakes[cname]

    def upper(self, cname):
        return self.fn(cname).upper()

    def info(self, tid):
        """the name of the static type description of @tid"""
        e = self.entry(tid)
        meta = e['meta-type']
        if meta == 'builtin':
            return 'qmp_%s_info' % ('any' if tid == 'null' else tid)
        if meta == 'array':
            return 'qmp_array_%s' % self.info(e['element-type'])
        if self.awkward(tid):
            return 'qmp_any_info'
        return 'qmp_%s_info' % self.names[tid]

    def kind(self, tid):
        e = self.entry(tid)
        meta = e['meta-type']
        if meta == 'builtin':
            return KIND[tid]
        if self.awkward(tid):
            return 'ANY'
        return {'enum': 'ENUM', 'object': 'OBJECT', 'alternate': 'ALTERNATE',
                'array': 'ARRAY'}[meta]

    def is_scalar(self, tid):
        return self.kind(tid) in ('INT', 'BOOL', 'NUMBER', 'ENUM')

    def ctype(self, tid):
        """the C type of a field or result holding @tid"""
        k = self.kind(tid)
        if k in ('INT', 'BOOL', 'NUMBER'):
            return SCALARS[tid]
        if k == 'ENUM':
            return self.names[tid]
        if k == 'STR':
            return 'gchar *'
        if k == 'ANY':
            return 'JsonNode *'
        if k == 'ARRAY':
            return 'GArray *' if self.is_scalar(self.entry(tid)['element-type']) else 'GPtrArray *'
        return self.names[tid] + ' *'

    def param_type(self, tid):
        k = self.kind(tid)
        if k == 'STR':
            return 'const gchar *'
        if k in ('OBJECT', 'ALTERNATE'):
            return 'const ' + self.names[tid] + ' *'
        return self.ctype(tid)

    def gi_element(self, tid):
        el = self.entry(tid)['element-type']
        k = self.kind(el)
        if k in ('INT', 'BOOL', 'NUMBER'):
            return SCALARS[el]
        if k == 'STR':
            return 'utf8'
        if k == 'ANY':
            return 'Json.Node'
        if k == 'ARRAY':
            return 'gpointer'
        return self.names[el]

    def annotations(self, tid, optional, transfer=None):
        notes = []
        if transfer:
            notes.append('(transfer %s)' % transfer)
        if optional and not self.is_scalar(tid):
            notes.append('(nullable)')
        if self.kind(tid) == 'ARRAY':
            notes.append('(element-type %s)' % self.gi_element(tid))
        return ' '.join(notes) + (': ' if notes else '')

    def features(self, feats):
        feats = feats or []
        text = ''
        if 'deprecated' in feats:
            text += ' QEMU marks it deprecated.'
        if 'unstable' in feats:
            text += ' QEMU marks it unstable.'
        others = [f for f in feats if f not in ('deprecated', 'unstable')]
        if others:
            text += ' Features: %s.' % ', '.join('`%s`' % f for f in others)
        return text


class Writer:
    def __init__(self):
        self.lines = []

    def __call__(self, text=''):
        self.lines.append(text)

    def text(self):
        return '\n'.join(self.lines) + '\n'


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


def type_macro(layer, w, fn):
    macro = '%s_TYPE_%s' % (layer.uprefix, fn[len(layer.prefix) + 1:].upper())
    layer.reserve(macro)
    w('#define %s (%s_get_type ())' % (macro, fn))


def header_prototypes(layer, w):
    names = []

    def proto(ret, name, params):
        names.append(name)
        lead = '%s %s (' % (ret if ret.endswith('*') else ret, name)
        lead = lead.replace('* ', '*', 1) if ret.endswith('*') else lead
        w('%s%s);' % (lead, join_params(params, len(lead))))

    w('const gchar         *%s_get_qemu_version (void);' % layer.prefix)
    w('const gchar * const *%s_get_commands (void);' % layer.prefix)
    w('const gchar * const *%s_get_events (void);' % layer.prefix)
    names += [layer.prefix + '_get_qemu_version', layer.prefix + '_get_commands',
              layer.prefix + '_get_events']
    proto('void', layer.prefix + '_attach_async',
          ['AqmpClient *client', 'GCancellable *cancellable', 'GAsyncReadyCallback callback',
           'gpointer user_data'])
    proto('gboolean', layer.prefix + '_attach_finish',
          ['AqmpClient *client', 'GAsyncResult *result', 'GError **error'])
    proto('gboolean', layer.prefix + '_attach_sync',
          ['AqmpClient *client', 'GCancellable *cancellable', 'GError **error'])
    w()
    type_macro(layer, w, layer.prefix + '_alternate_kind')
    w('GType %s_alternate_kind_get_type (void) G_GNUC_CONST;' % layer.prefix)
    names.append(layer.prefix + '_alternate_kind_get_type')
    for t in sorted_types(layer, 'enum'):
        fn = layer.fn(layer.names[t])
        type_macro(layer, w, fn)
        w('GType %s_get_type (void) G_GNUC_CONST;' % fn)
        names.append(fn + '_get_type')
    w()
    for t in sorted(layer.emitted, key=lambda t: layer.names[t]):
        if layer.meta(t) not in ('object', 'alternate'):
            continue
        cname = layer.names[t]
        fn = layer.fn(cname)
        type_macro(layer, w, fn)
        w('GType %s_get_type (void) G_GNUC_CONST;' % fn)
        names.append(fn + '_get_type')
        proto(cname + ' *', fn + '_new', ['void'])
        proto(cname + ' *', fn + '_copy', ['const %s *self' % cname])
        proto('void', fn + '_free', ['%s *self' % cname])
        if t.startswith('%options:'):
            for field, tid, _m, _opt in struct_members(layer, t)[0]:
                proto('void', '%s_set_%s' % (fn, field.rstrip('_')),
                      ['%s *self' % cname, '%s%svalue' % (layer.param_type(tid),
                                                          '' if layer.param_type(tid).endswith('*') else ' ')])
        w()
    for c in layer.commands:
        a, f, s = command_names(layer, c)
        ret, out, _fail = return_shape(layer, c)
        params = param_list(layer, c, 0)
        if command_args_code(layer, c):
            proto('JsonObject *', a[:-len('_async')] + '_build_arguments', params[1:])
        proto('void', a, params + ['GCancellable *cancellable', 'GAsyncReadyCallback callback',
                                   'gpointer user_data'])
        outp = ['%s *value' % out] if out else []
        proto(ret, f, ['AqmpClient *client', 'GAsyncResult *result'] + outp + ['GError **error'])
        proto(ret, s, params + outp + ['GCancellable *cancellable', 'GError **error'])
        w()
    for e in layer.events:
        n = event_names(layer, e)
        if n['data']:
            proto(n['data'] + ' *', n['parse'], ['JsonObject *data', 'GError **error'])
        proto('gulong', n['connect'], ['AqmpClient *client', '%s callback' % n['func'],
                                       'gpointer user_data', 'GDestroyNotify notify'])
    return names


def write_header(layer, w):
    P = layer.tprefix
    w('/* Generated by aqmp-codegen from the QMP schema of QEMU %s: do not edit. */' % layer.version)
    w('/* SPDX-License-Identifier: LGPL-2.1-or-later */')
    w('#pragma once')
    w()
    w('#include <aqmp/aqmp.h>')
    w()
    w('G_BEGIN_DECLS')
    w()
    w('/**')
    w(' * %s_QEMU_VERSION:' % layer.uprefix)
    w(' *')
    w(' * The QEMU version whose schema this layer was generated from.')
    w(' */')
    w('#define %s_QEMU_VERSION "%s"' % (layer.uprefix, layer.version))
    w()
    w('/**')
    w(' * %sAlternateKind:' % P)
    for k in ('NONE', 'NULL', 'BOOLEAN', 'INTEGER', 'NUMBER', 'STRING', 'ENUM', 'OBJECT'):
        w(' * @%s_ALTERNATE_KIND_%s: the value is %s' % (layer.uprefix, k, {
            'NONE': 'not set', 'NULL': 'JSON null', 'BOOLEAN': 'a boolean',
            'INTEGER': 'an integer', 'NUMBER': 'a number', 'STRING': 'a string',
            'ENUM': 'an enum value', 'OBJECT': 'an object'}[k]))
    w(' *')
    w(' * Which branch of an alternate a value takes.')
    w(' */')
    w('typedef enum {')
    for k in ('NONE', 'NULL', 'BOOLEAN', 'INTEGER', 'NUMBER', 'STRING', 'ENUM', 'OBJECT'):
        w('  %s_ALTERNATE_KIND_%s,' % (layer.uprefix, k))
    w('} %sAlternateKind;' % P)
    w()
    for t in sorted_types(layer, 'enum'):
        cname = layer.names[t]
        e = layer.entry(t)
        w('/**')
        w(' * %s:' % cname)
        feats = {m['name']: m.get('features') for m in e.get('members', [])}
        for v in e['values']:
            w(' * @%s_%s: `%s`%s' % (layer.upper(cname), snake(words(v)).upper(), v,
                                     layer.features(feats.get(v))))
        w(' *')
        w(' * The enum at `%s`.%s' % (layer.paths[t], layer.features(e.get('features'))))
        w(' */')
        w('typedef enum {')
        seen = set()
        for v in e['values']:
            ident = '%s_%s' % (layer.upper(cname), snake(words(v)).upper())
            layer.reserve(ident)
            if ident in seen:
                raise SchemaError('%s: two values would be %s' % (cname, ident))
            seen.add(ident)
            w('  %s, /*< nick=%s >*/' % (ident, v))
        w('} %s;' % cname)
        w()
    structs = [t for t in sorted(layer.emitted, key=lambda t: layer.names[t])
               if layer.meta(t) in ('object', 'alternate')]
    for t in structs:
        w('typedef struct _%s %s;' % (layer.names[t], layer.names[t]))
    w()
    for e in layer.events:
        n = event_names(layer, e)
        w('/**')
        w(' * %s:' % n['func'])
        w(' * @client: the client that received the event')
        w(' * @event: the event as it came')
        if n['data']:
            w(' * @data: its data, typed')
        w(' * @user_data: the data given when connecting')
        w(' *')
        w(' * Receives `%s` events.' % e['name'])
        w(' */')
        extra = ', const %s *data' % n['data'] if n['data'] else ''
        w('typedef void (*%s) (AqmpClient *client, AqmpEvent *event%s, gpointer user_data);'
          % (n['func'], extra))
        w()
    for t in structs:
        write_struct(layer, w, t)
    names = header_prototypes(layer, w)
    w()
    for t in structs:
        w('G_DEFINE_AUTOPTR_CLEANUP_FUNC (%s, %s_free)' % (layer.names[t], layer.fn(layer.names[t])))
    w()
    w('G_END_DECLS')
    return names


def write_struct(layer, w, t):
    cname = layer.names[t]
    e = layer.entry(t)
    w('/**')
    w(' * %s:' % cname)
    body = []
    if e['meta-type'] == 'alternate':
        w(' * @kind: which branch is set')
        for field, kind, tid in alternate_branches(layer, t):
            if kind == 'NULL':
                continue
            w(' * @%s: %sthe value when @kind is %%%s_ALTERNATE_KIND_%s' % (
                field, layer.annotations(tid, True), layer.uprefix, kind))
            body.append('%s%s%s;' % (layer.ctype(tid), '' if layer.ctype(tid).endswith('*') else ' ', field))
        body.insert(0, '%sAlternateKind kind;' % layer.tprefix)
    else:
        fields, variants = struct_members(layer, t)
        for field, tid, m, optional in fields:
            if optional and layer.is_scalar(tid):
                w(' * @has_%s: whether @%s is set' % (field, field))
                body.append('gboolean has_%s;' % field)
            w(' * @%s: %sthe member `%s`%s%s' % (
                field, layer.annotations(tid, optional), m['name'],
                ' (optional)' if optional else '', layer.features(m.get('features'))))
            ct = layer.ctype(tid)
            body.append('%s%s%s;' % (ct, '' if ct.endswith('*') else ' ', field))
        for field, tid, v in variants:
            w(' * @%s: (nullable): the members for `%s` `%s`' % (field, e['tag'], v['case']))
            body.append('%s *%s;' % (layer.names[tid], field))
        if not body:
            body.append('gpointer reserved;')
            w(' * @reserved: nothing: the type has no members')
    w(' *')
    if t.startswith('%options:'):
        w(' * The optional members of `%s`; set them with the setters.' % t.split(':', 1)[1])
    else:
        w(' * The %s at `%s`.%s' % (e['meta-type'] if not e.get('variants') else 'union',
                                    layer.paths[t], layer.features(e.get('features'))))
    w(' */')
    w('struct _%s {' % cname)
    for line in body:
        w('  ' + line)
    w('};')
    w()


# ---------------------------------------------------------------------------
# the C file

RUNTIME = r'''
/* what a type is, for the generic code below: each generated type has one
 * static description, and all reading, writing, copying and freeing goes
 * through these few functions */
typedef enum {
  QMP_INT, QMP_BOOL, QMP_NUMBER, QMP_STR, QMP_ANY, QMP_ENUM, QMP_OBJECT,
  QMP_ALTERNATE, QMP_ARRAY,
} QmpKind;

typedef struct _QmpType QmpType;

typedef struct {
  const gchar *name;
  const QmpType *type;
  guint16 offset;
  gint16 has_offset;                    /* -1: none */
  guint8 optional;
} QmpMember;

typedef struct {
  gint tag;
  guint offset;
  const QmpType *type;
} QmpVariant;

typedef struct {
  @P@AlternateKind kind;
  guint offset;
  const QmpType *type;
} QmpBranch;

/* items: an object's QmpMember[], an alternate's QmpBranch[], an enum's
 * GEnumValue[] or an array's element QmpType */
struct _QmpType {
  const gchar *name;
  gconstpointer items;
  const QmpVariant *variants;           /* unions */
  GDestroyNotify free_func;             /* pointer kinds */
  guint32 size;                         /* of the struct, or an element */
  gint32 tag_offset;                    /* unions: the tag's field */
  guint16 n_items;
  guint16 n_variants;
  guint8 kind;
};

#define QMP_MEMBERS(type) ((const QmpMember *) (type)->items)
#define QMP_BRANCHES(type) ((const QmpBranch *) (type)->items)
#define QMP_VALUES(type) ((const GEnumValue *) (type)->items)
#define QMP_ELEMENT(type) ((const QmpType *) (type)->items)

static const QmpType qmp_int_info = { "int", .size = sizeof (gint64), .kind = QMP_INT };
static const QmpType qmp_bool_info = { "bool", .size = sizeof (gboolean), .kind = QMP_BOOL };
static const QmpType qmp_number_info = { "number", .size = sizeof (gdouble), .kind = QMP_NUMBER };
static const QmpType qmp_str_info = { "str", .free_func = g_free, .size = sizeof (gpointer),
                                      .kind = QMP_STR };
static const QmpType qmp_any_info = { "any", .free_func = (GDestroyNotify) json_node_unref,
                                      .size = sizeof (gpointer), .kind = QMP_ANY };

static gboolean qmp_read (const QmpType *type, JsonNode *node, gpointer field,
                          const gchar *what, GError **error);
static JsonNode *qmp_write (const QmpType *type, gconstpointer field);
static void qmp_clear (const QmpType *type, gpointer field);

#define QMP_AT(base, offset) ((gpointer) ((guint8 *) (base) + (offset)))
#define QMP_AT_CONST(base, offset) ((gconstpointer) ((const guint8 *) (base) + (offset)))

static gboolean
qmp_is_scalar (const QmpType *type)
{
  return type->kind <= QMP_NUMBER || type->kind == QMP_ENUM;
}

static gboolean
qmp_wrong (const QmpType *type, const gchar *what, GError **error)
{
  g_set_error (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL,
               "QEMU sent '%s' that is not a valid %s (this layer follows QEMU @V@'s schema)",
               what, type->name);
  return FALSE;
}

static const gchar *
qmp_enum_nick (const QmpType *type, gint value)
{
  if (value < 0 || (guint) value >= type->n_items)
    return "";
  return QMP_VALUES (type)[value].value_nick;
}

static gboolean
qmp_enum_read (const QmpType *type, JsonNode *node, gint *out, const gchar *what, GError **error)
{
  const gchar *nick;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return qmp_wrong (type, what, error);
  nick = json_node_get_string (node);
  for (guint i = 0; i < type->n_items; i++)
    {
      if (strcmp (QMP_VALUES (type)[i].value_nick, nick) == 0)
        {
          *out = (gint) i;
          return TRUE;
        }
    }
  g_set_error (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL,
               "QEMU sent '%s' for '%s', which %s of QEMU @V@ does not have",
               nick, what, type->name);
  return FALSE;
}

static void
qmp_object_write (const QmpType *type, gconstpointer self, JsonObject *out)
{
  for (guint i = 0; i < type->n_items; i++)
    {
      const QmpMember *m = &QMP_MEMBERS (type)[i];
      gconstpointer field = QMP_AT_CONST (self, m->offset);

      if (m->has_offset >= 0 && !*(const gboolean *) QMP_AT_CONST (self, m->has_offset))
        continue;
      if (!qmp_is_scalar (m->type) && *(const gconstpointer *) field == NULL)
        continue;
      json_object_set_member (out, m->name, qmp_write (m->type, field));
    }
  if (type->n_variants == 0)
    return;
  for (guint i = 0; i < type->n_variants; i++)
    {
      const QmpVariant *v = &type->variants[i];
      gconstpointer branch = *(const gconstpointer *) QMP_AT_CONST (self, v->offset);

      if (v->tag == *(const gint *) QMP_AT_CONST (self, type->tag_offset) && branch != NULL)
        qmp_object_write (v->type, branch, out);
    }
}

static gboolean
qmp_object_read (const QmpType *type, gpointer self, JsonObject *in, GError **error)
{
  for (guint i = 0; i < type->n_items; i++)
    {
      const QmpMember *m = &QMP_MEMBERS (type)[i];
      JsonNode *node = json_object_get_member (in, m->name);

      if (node == NULL)
        {
          if (m->optional)
            continue;
          g_set_error (error, AQMP_ERROR, AQMP_ERROR_PROTOCOL,
                       "QEMU left out '%s' of %s (this layer follows QEMU @V@'s schema)",
                       m->name, type->name);
          return FALSE;
        }
      if (!qmp_read (m->type, node, QMP_AT (self, m->offset), m->name, error))
        return FALSE;
      if (m->has_offset >= 0)
        *(gboolean *) QMP_AT (self, m->has_offset) = TRUE;
    }
  for (guint i = 0; i < type->n_variants; i++)
    {
      const QmpVariant *v = &type->variants[i];
      gpointer *branch = QMP_AT (self, v->offset);

      if (v->tag != *(gint *) QMP_AT (self, type->tag_offset))
        continue;
      *branch = g_malloc0 (v->type->size);
      return qmp_object_read (v->type, *branch, in, error);
    }
  return TRUE;
}

static void
qmp_object_clear (const QmpType *type, gpointer self)
{
  for (guint i = 0; i < type->n_items; i++)
    qmp_clear (QMP_MEMBERS (type)[i].type, QMP_AT (self, QMP_MEMBERS (type)[i].offset));
  for (guint i = 0; i < type->n_variants; i++)
    {
      gpointer *branch = QMP_AT (self, type->variants[i].offset);

      if (*branch != NULL)
        {
          qmp_object_clear (type->variants[i].type, *branch);
          g_clear_pointer (branch, g_free);
        }
    }
}

static void
qmp_boxed_free (const QmpType *type, gpointer self)
{
  if (self == NULL)
    return;
  if (type->kind == QMP_OBJECT)
    qmp_object_clear (type, self);
  else
    for (guint i = 0; i < type->n_items; i++)
      if (QMP_BRANCHES (type)[i].type != NULL)
        qmp_clear (QMP_BRANCHES (type)[i].type, QMP_AT (self, QMP_BRANCHES (type)[i].offset));
  g_free (self);
}

static gpointer
qmp_boxed_copy (const QmpType *type, gconstpointer self)
{
  g_autoptr(JsonNode) node = NULL;
  gpointer copy = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  node = qmp_write (type, &self);
  /* a copy of an incomplete value is as incomplete */
  if (!qmp_read (type, node, &copy, type->name, NULL) && copy == NULL)
    copy = g_malloc0 (type->size);
  return copy;
}

static JsonNode *
qmp_take_object (JsonObject *object)
{
  JsonNode *node = json_node_init_object (json_node_alloc (), object);

  json_object_unref (object);
  return node;
}

static JsonNode *
qmp_alternate_write (const QmpType *type, gconstpointer self)
{
  @P@AlternateKind kind = *(const @P@AlternateKind *) self;

  for (guint i = 0; i < type->n_items; i++)
    {
      if (QMP_BRANCHES (type)[i].kind == kind && QMP_BRANCHES (type)[i].type != NULL)
        return qmp_write (QMP_BRANCHES (type)[i].type, QMP_AT_CONST (self, QMP_BRANCHES (type)[i].offset));
    }
  return json_node_init_null (json_node_alloc ());
}

static @P@AlternateKind
qmp_alternate_kind_of (JsonNode *node, const QmpType *type)
{
  GType value_type;
  gboolean has_number = FALSE;

  if (JSON_NODE_HOLDS_NULL (node))
    return @U@_ALTERNATE_KIND_NULL;
  if (JSON_NODE_HOLDS_OBJECT (node))
    return @U@_ALTERNATE_KIND_OBJECT;
  if (!JSON_NODE_HOLDS_VALUE (node))
    return @U@_ALTERNATE_KIND_NONE;
  value_type = json_node_get_value_type (node);
  for (guint i = 0; i < type->n_items; i++)
    {
      if (value_type == G_TYPE_STRING && (QMP_BRANCHES (type)[i].kind == @U@_ALTERNATE_KIND_STRING ||
                                          QMP_BRANCHES (type)[i].kind == @U@_ALTERNATE_KIND_ENUM))
        return QMP_BRANCHES (type)[i].kind;
      has_number |= QMP_BRANCHES (type)[i].kind == @U@_ALTERNATE_KIND_NUMBER;
    }
  if (value_type == G_TYPE_BOOLEAN)
    return @U@_ALTERNATE_KIND_BOOLEAN;
  if (value_type == G_TYPE_INT64)
    return has_number ? @U@_ALTERNATE_KIND_NUMBER : @U@_ALTERNATE_KIND_INTEGER;
  if (value_type == G_TYPE_DOUBLE)
    return @U@_ALTERNATE_KIND_NUMBER;
  return @U@_ALTERNATE_KIND_NONE;
}

static gboolean
qmp_alternate_read (const QmpType *type, JsonNode *node, gpointer self, const gchar *what,
                    GError **error)
{
  @P@AlternateKind kind = qmp_alternate_kind_of (node, type);

  for (guint i = 0; i < type->n_items; i++)
    {
      const QmpBranch *b = &QMP_BRANCHES (type)[i];

      if (b->kind != kind)
        continue;
      *(@P@AlternateKind *) self = kind;
      return b->type == NULL || qmp_read (b->type, node, QMP_AT (self, b->offset), what, error);
    }
  return qmp_wrong (type, what, error);
}

static JsonNode *
qmp_array_write (const QmpType *type, gconstpointer field)
{
  const QmpType *el = QMP_ELEMENT (type);
  JsonArray *array = json_array_new ();
  JsonNode *node = json_node_init_array (json_node_alloc (), array);

  json_array_unref (array);
  if (qmp_is_scalar (el))
    {
      const GArray *values = *(GArray * const *) field;

      for (guint i = 0; i < values->len; i++)
        json_array_add_element (array, qmp_write (el, values->data + i * el->size));
    }
  else
    {
      const GPtrArray *values = *(GPtrArray * const *) field;

      for (guint i = 0; i < values->len; i++)
        json_array_add_element (array, qmp_write (el, &values->pdata[i]));
    }
  return node;
}

static gboolean
qmp_array_read (const QmpType *type, JsonNode *node, gpointer field, const gchar *what,
                GError **error)
{
  const QmpType *el = QMP_ELEMENT (type);
  JsonArray *array;
  guint n;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    return qmp_wrong (type, what, error);
  array = json_node_get_array (node);
  n = json_array_get_length (array);
  if (qmp_is_scalar (el))
    {
      GArray *values = g_array_sized_new (FALSE, TRUE, el->size, n);

      *(GArray **) field = values;
      g_array_set_size (values, n);
      for (guint i = 0; i < n; i++)
        if (!qmp_read (el, json_array_get_element (array, i), values->data + i * el->size,
                       what, error))
          return FALSE;
    }
  else
    {
      GPtrArray *values = g_ptr_array_new_full (n, el->free_func);

      *(GPtrArray **) field = values;
      for (guint i = 0; i < n; i++)
        {
          gpointer element = NULL;
          gboolean ok = qmp_read (el, json_array_get_element (array, i), &element, what, error);

          if (element != NULL)
            g_ptr_array_add (values, element);
          if (!ok)
            return FALSE;
        }
    }
  return TRUE;
}

static JsonNode *
qmp_write (const QmpType *type, gconstpointer field)
{
  switch (type->kind)
    {
    case QMP_INT:
      return json_node_init_int (json_node_alloc (), *(const gint64 *) field);
    case QMP_BOOL:
      return json_node_init_boolean (json_node_alloc (), *(const gboolean *) field);
    case QMP_NUMBER:
      return json_node_init_double (json_node_alloc (), *(const gdouble *) field);
    case QMP_STR:
      return json_node_init_string (json_node_alloc (), *(const gchar * const *) field);
    case QMP_ANY:
      return json_node_copy (*(JsonNode * const *) field);
    case QMP_ENUM:
      return json_node_init_string (json_node_alloc (), qmp_enum_nick (type, *(const gint *) field));
    case QMP_OBJECT:
      {
        JsonObject *object = json_object_new ();

        qmp_object_write (type, *(const gconstpointer *) field, object);
        return qmp_take_object (object);
      }
    case QMP_ALTERNATE:
      return qmp_alternate_write (type, *(const gconstpointer *) field);
    case QMP_ARRAY:
      return qmp_array_write (type, field);
    }
  g_return_val_if_reached (NULL);
}

static gboolean
qmp_read_value (const QmpType *type, JsonNode *node, gpointer field, const gchar *what,
                GError **error)
{
  GType value_type;

  if (!JSON_NODE_HOLDS_VALUE (node))
    return qmp_wrong (type, what, error);
  value_type = json_node_get_value_type (node);
  switch (type->kind)
    {
    case QMP_INT:
      if (value_type != G_TYPE_INT64)
        return qmp_wrong (type, what, error);
      *(gint64 *) field = json_node_get_int (node);
      return TRUE;
    case QMP_BOOL:
      if (value_type != G_TYPE_BOOLEAN)
        return qmp_wrong (type, what, error);
      *(gboolean *) field = json_node_get_boolean (node);
      return TRUE;
    case QMP_NUMBER:
      if (value_type != G_TYPE_DOUBLE && value_type != G_TYPE_INT64)
        return qmp_wrong (type, what, error);
      *(gdouble *) field = json_node_get_double (node);
      return TRUE;
    case QMP_STR:
      if (value_type != G_TYPE_STRING)
        return qmp_wrong (type, what, error);
      g_free (*(gchar **) field);
      *(gchar **) field = json_node_dup_string (node);
      return TRUE;
    default:
      return qmp_enum_read (type, node, field, what, error);
    }
}

static gboolean
qmp_read (const QmpType *type, JsonNode *node, gpointer field, const gchar *what, GError **error)
{
  gpointer *boxed = field;

  switch (type->kind)
    {
    case QMP_ANY:
      *(JsonNode **) field = json_node_copy (node);
      return TRUE;
    case QMP_OBJECT:
      if (!JSON_NODE_HOLDS_OBJECT (node))
        return qmp_wrong (type, what, error);
      *boxed = g_malloc0 (type->size);
      return qmp_object_read (type, *boxed, json_node_get_object (node), error);
    case QMP_ALTERNATE:
      *boxed = g_malloc0 (type->size);
      return qmp_alternate_read (type, node, *boxed, what, error);
    case QMP_ARRAY:
      return qmp_array_read (type, node, field, what, error);
    default:
      return qmp_read_value (type, node, field, what, error);
    }
}

static void
qmp_clear (const QmpType *type, gpointer field)
{
  gpointer *pointer = field;

  if (qmp_is_scalar (type) || *pointer == NULL)
    return;
  switch (type->kind)
    {
    case QMP_OBJECT:
    case QMP_ALTERNATE:
      qmp_boxed_free (type, *pointer);
      *pointer = NULL;
      return;
    case QMP_ARRAY:
      if (qmp_is_scalar (QMP_ELEMENT (type)))
        g_clear_pointer ((GArray **) field, g_array_unref);
      else
        g_clear_pointer ((GPtrArray **) field, g_ptr_array_unref);
      return;
    default:
      g_clear_pointer (pointer, type->free_func);
    }
}

static JsonNode *
qmp_reply (GAsyncResult *result, AqmpClient *client, GError **error)
{
  return aqmp_client_execute_finish (client, result, error);
}
'''


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
                                                           layer.features(m.get('features')))))
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
    w(' * Finishes %s().' % a)
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
    w('  reply = qmp_reply (result, client, error);')
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
    w(RUNTIME.replace('@P@', layer.tprefix).replace('@U@', layer.uprefix)
      .replace('@V@', layer.version))
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


def write_map(layer, names, w, header):
    w('/* Generated by aqmp-codegen from the QMP schema of QEMU %s: do not edit. */' % layer.version)
    w('%s_0.1 {' % layer.uprefix)
    w('  global:')
    w('    /* %s */' % header)
    for name in sorted(names):
        w('    %s;' % name)
    w('  local:')
    w('    *;')
    w('};')


def main(argv=None):
    parser = argparse.ArgumentParser(description='Generate a typed QMP layer from a query-qmp-schema dump.')
    parser.add_argument('schema', help='the dump (`aqmp schema dump` writes one)')
    parser.add_argument('--prefix', default='aqmp_qmp', help='the C prefix of functions (default aqmp_qmp)')
    parser.add_argument('--qemu-version', default='unknown', help='the QEMU version the dump is from')
    parser.add_argument('--header', required=True, help='the header to write')
    parser.add_argument('--body', help='the C file to write')
    parser.add_argument('--symbol-map', help='a linker version script to write')
    parser.add_argument('--include', help='how the C file includes the header (default: its file name)')
    parser.add_argument('--names', help='a names file whose names to keep (see --write-names)')
    parser.add_argument('--write-names', help='write the path and name of every type to this file')
    args = parser.parse_args(argv)
    if not re.fullmatch(r'[a-z][a-z0-9]*(_[a-z0-9]+)*', args.prefix):
        parser.error('--prefix must be lower_snake_case, like aqmp_qmp')
    try:
        with open(args.schema, encoding='utf-8') as f:
            entries = json.load(f)
        if isinstance(entries, dict) and 'return' in entries:
            entries = entries['return']
        if not isinstance(entries, list):
            raise SchemaError('the dump is not a JSON array of schema entries')
        pins = {}
        if args.names:
            with open(args.names, encoding='utf-8') as f:
                pins = json.load(f)
            if not isinstance(pins, dict) or not all(
                    isinstance(v, str) and re.fullmatch(r'[a-z0-9]+(_[a-z0-9]+)*', v) for v in pins.values()):
                raise SchemaError('%s: not a names file (an object of paths to lower_snake_case names)'
                                  % args.names)
        layer = Layer(entries, args.prefix, args.qemu_version, pins)
        header = Writer()
        names = write_header(layer, header)
        outputs = [(args.header, header)]
        if args.body:
            body = Writer()
            include = args.include or args.header.rsplit('/', 1)[-1]
            write_body(layer, body, include)
            outputs.append((args.body, body))
        if args.write_names:
            names_out = Writer()
            names_out(json.dumps(layer.names_file(), indent=1, sort_keys=True))
            outputs.append((args.write_names, names_out))
        if args.symbol_map:
            symbols = Writer()
            write_map(layer, names, symbols, args.include or args.header.rsplit('/', 1)[-1])
            outputs.append((args.symbol_map, symbols))
    except (OSError, ValueError, SchemaError, KeyError) as e:
        print('aqmp-codegen: %s: %s' % (args.schema, e), file=sys.stderr)
        return 1
    for path, writer in outputs:
        with open(path, 'w', encoding='utf-8') as f:
            f.write(writer.text())
    return 0


if __name__ == '__main__':
    sys.exit(main())
