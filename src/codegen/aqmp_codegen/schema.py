# SPDX-License-Identifier: LGPL-2.1-or-later
"""The schema as aqmp-codegen reads it, and the C name of every type."""

import re

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
        from .shapes import command_shape

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

    def clause(self, feats):
        """the features, after a phrase that has no full stop"""
        text = self.features(feats)
        return '.' + text if text else ''

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
