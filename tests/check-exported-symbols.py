#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Compare a shared library's exported symbols with its installed headers.

    check-exported-symbols.py --nm NM --map MAP LIBRARY HEADER...

Every function declared in the HEADERs (the ones the library installs,
generated enum headers included) must be exported by LIBRARY, and LIBRARY
must export nothing else. MAP is the version script that decides what is
exported; it is named in the messages so that a mismatch says what to
change.

The headers are read as GLib-style C: comments, preprocessor lines,
G_BEGIN_DECLS/G_END_DECLS, typedefs, struct/enum bodies, static inline
functions and G_DEFINE_AUTO* macros declare nothing exported;
G_DECLARE_{FINAL,DERIVABLE}_TYPE and G_DECLARE_INTERFACE declare
prefix_get_type(). A declaration the script cannot read is an error, not
a silent skip.
"""

import argparse
import os
import re
import subprocess
import sys

IDENT = r'[A-Za-z_][A-Za-z0-9_]*'

# macros that declare a type's prefix_get_type (); the prefix is argument 2
DECLARE_TYPE_RE = re.compile(
    r'\bG_DECLARE_(?:FINAL_TYPE|DERIVABLE_TYPE|INTERFACE)\s*\(\s*'
    + IDENT + r'\s*,\s*(' + IDENT + r')\s*,[^)]*\)\s*;?')
# macros that expand to static inline functions only
INLINE_MACRO_RE = re.compile(
    r'\bG_DEFINE_AUTO(?:PTR_CLEANUP_FUNC|_CLEANUP_CLEAR_FUNC|_CLEANUP_FREE_FUNC)'
    r'\s*\([^)]*\)\s*;?')
MARKER_RE = re.compile(r'\b(?:G_BEGIN_DECLS|G_END_DECLS)\b')
CALL_RE = re.compile(r'(' + IDENT + r')\s*\(')


class HeaderError(Exception):
    pass


def strip_comments(text):
    text = re.sub(r'/\*.*?\*/', lambda m: '\n' * m.group(0).count('\n'),
                  text, flags=re.S)
    return re.sub(r'//[^\n]*', '', text)


def strip_preprocessor(text):
    out = []
    continued = False
    for line in text.split('\n'):
        directive = continued or line.lstrip().startswith('#')
        continued = directive and line.rstrip().endswith('\\')
        out.append('' if directive else line)
    return '\n'.join(out)


def top_level_statements(text):
    """Split into top-level statements with brace bodies cut out.

    Yields (statement, has_body): a statement ends at a ';' outside
    braces, or at the closing brace of a function definition.
    """
    depth = 0
    current = []
    has_body = False
    for ch in text:
        if ch == '{':
            if depth == 0 and 'extern "C"' in ''.join(current):
                raise HeaderError('extern "C" block: use G_BEGIN_DECLS')
            depth += 1
            has_body = True
            continue
        if ch == '}':
            depth -= 1
            if depth < 0:
                raise HeaderError('unbalanced "}"')
            if depth == 0 and '(' in ''.join(current):
                # a function definition: no ';' follows its body
                yield ' '.join(''.join(current).split()), True
                current = []
                has_body = False
            continue
        if depth > 0:
            continue
        if ch == ';':
            yield ' '.join(''.join(current).split()), has_body
            current = []
            has_body = False
            continue
        current.append(ch)
    rest = ' '.join(''.join(current).split())
    if depth != 0:
        raise HeaderError('unbalanced "{"')
    if rest:
        raise HeaderError('declaration without ";": ' + rest)


def declared_name(statement):
    """The function or variable a statement declares, or None."""
    words = statement.split()
    if not words or words[0] in ('typedef', 'static'):
        return None
    if '(' not in statement:
        # a type (struct, enum) or an extern variable
        if words[0] != 'extern':
            return None
        return re.findall(IDENT, statement)[-1]
    depth = 0
    for m in re.finditer(r'\(|\)|' + IDENT + r'\s*\(', statement):
        token = m.group(0)
        if token == ')':
            depth -= 1
            continue
        if depth == 0 and token != '(':
            name = CALL_RE.match(token).group(1)
            # upper-case names are attribute macros (G_GNUC_PRINTF (1, 2))
            if not name.isupper():
                return name
        depth += 1
    raise HeaderError('cannot read declaration: ' + statement)


def header_symbols(path):
    with open(path, encoding='utf-8') as f:
        text = f.read()
    text = strip_preprocessor(strip_comments(text))
    symbols = {}
    for m in DECLARE_TYPE_RE.finditer(text):
        symbols[m.group(1) + '_get_type'] = path
    text = DECLARE_TYPE_RE.sub(';', text)
    text = INLINE_MACRO_RE.sub(';', text)
    text = MARKER_RE.sub(' ', text)
    for statement, has_body in top_level_statements(text):
        if has_body and '(' in statement:
            continue  # an inline function is not exported
        name = declared_name(statement)
        if name:
            symbols[name] = path
    return symbols


def exported_symbols(nm, library):
    out = subprocess.run([nm, '-D', '--defined-only', library],
                         check=True, capture_output=True, text=True).stdout
    symbols = set()
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        kind, name = fields[-2], fields[-1]
        if kind == 'A':
            continue  # a version node such as AQMP_0.1
        symbols.add(name.split('@')[0])
    return symbols


def map_entries(path):
    """The names in a version script's global: sections."""
    with open(path, encoding='utf-8') as f:
        text = strip_comments(f.read())
    names = []
    for section in re.findall(r'global\s*:(.*?)(?:local\s*:|})', text, re.S):
        names += [n.strip() for n in section.split(';') if n.strip()]
    return names


def shown(path):
    """A path as the project names it: relative to its root."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.path.abspath(path)
    if path.startswith(root + os.sep):
        return os.path.relpath(path, root)
    return path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--nm', default='nm')
    parser.add_argument('--map', required=True)
    parser.add_argument('library')
    parser.add_argument('headers', nargs='+')
    args = parser.parse_args()
    map_name = shown(args.map)

    lib = os.path.basename(args.library)
    declared = {}
    try:
        for header in args.headers:
            declared.update(header_symbols(header))
    except HeaderError as e:
        print('%s: %s' % (shown(header), e), file=sys.stderr)
        return 2
    exported = exported_symbols(args.nm, args.library)

    problems = 0
    for name in map_entries(args.map):
        if re.search(r'[*?\[]', name):
            print('%s lists the pattern "%s": list each public function by '
                  'name' % (map_name, name))
            problems += 1
        elif name not in declared:
            print('%s lists %s, which no installed header declares: remove it'
                  % (map_name, name))
            problems += 1

    extra = sorted(exported - set(declared))
    missing = sorted(set(declared) - exported)
    for name in extra:
        print('%s exports %s, which no installed header declares: '
              'declare it in a public header (with a doc comment) or remove '
              'it from %s' % (lib, name, map_name))
    for name in missing:
        header = os.path.basename(declared[name])
        print('%s does not export %s, declared in %s: add "%s;" to %s, in '
              'the /* %s */ group' % (lib, name, header, name, map_name, header))
    if extra or missing or problems:
        print('%s: %d extra, %d missing exported symbols, %d bad map entries'
              % (lib, len(extra), len(missing), problems))
        return 1
    print('%s: %d exported symbols, all declared in its %d installed headers'
          % (lib, len(exported), len(args.headers)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
