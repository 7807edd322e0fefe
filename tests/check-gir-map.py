#!/usr/bin/env python3
"""Checks the GIRs against the symbol maps: every exported function is in
its library's GIR (or listed below with the reason it is not), and every
function, type, constant, property and signal carries a Since: version
equal to its symbol map's version node (AQMP_0.1 -> 0.1).

usage: check-gir-map.py MAP GIR
"""
import re
import sys
import xml.etree.ElementTree as ET

CORE = '{http://www.gtk.org/introspection/core/1.0}'
C = '{http://www.gtk.org/introspection/c/1.0}'
GLIB = '{http://www.gtk.org/introspection/glib/1.0}'

# exported functions GI cannot call, each with its bindable twin
NOT_INTROSPECTABLE = {
    'aqmp_launcher_add_arguments': 'aqmp_launcher_add_argv',
}

KINDS = ('function', 'method', 'constructor', 'class', 'record', 'enumeration',
         'bitfield', 'callback', 'constant', 'interface', 'property', 'signal')


def read_map(path):
    text = re.sub(r'/\*.*?\*/', '', open(path).read(), flags=re.S)
    versions = {}
    for node, body in re.findall(r'([\w.]+)\s*\{(.*?)\}', text, re.S):
        m = re.search(r'(\d+\.\d+)$', node)
        version = m.group(1) if m else node
        for sym in re.findall(r'^\s*(\w+);', body, re.M):
            if sym != 'local':
                versions[sym] = version
    return versions


def main():
    map_path, gir_path = sys.argv[1:3]
    symbols = read_map(map_path)
    versions = set(symbols.values())
    root = ET.parse(gir_path).getroot()
    ns = root.find(CORE + 'namespace')
    problems = []
    in_gir = set()
    parents = {child: parent.tag.replace(CORE, '') for parent in ns.iter() for child in parent}
    for el in ns.iter():
        kind = el.tag.replace(CORE, '').replace(GLIB, '')
        if kind not in KINDS:
            continue
        ident = el.get(C + 'identifier') or el.get(C + 'type') or el.get('name')
        if el.get(C + 'identifier'):
            in_gir.add(el.get(C + 'identifier'))
        # class structures and their virtual-method fields carry no docs
        if el.get(GLIB + 'is-gtype-struct-for') or (kind == 'callback' and parents.get(el) == 'field'):
            continue
        if el.get('introspectable') == '0' and ident not in NOT_INTROSPECTABLE:
            problems.append(f'{ident}: not introspectable; give it a bindable twin or (skip) it')
        # glib:get-type functions are in the map, not in the GIR as functions
        if el.get(GLIB + 'get-type'):
            in_gir.add(el.get(GLIB + 'get-type'))
        if kind in ('property', 'signal'):
            ident = f'{ident} ({kind})'
        version = el.get('version')
        if version is None:
            problems.append(f'{ident}: no Since: (the map says {"/".join(sorted(versions))})')
        elif version not in versions:
            problems.append(f'{ident}: Since: {version}, the map has {"/".join(sorted(versions))}')
        elif el.get(C + 'identifier') in symbols and symbols[el.get(C + 'identifier')] != version:
            problems.append(f'{ident}: Since: {version}, the map says {symbols[el.get(C + "identifier")]}')
    for sym in sorted(symbols):
        if sym not in in_gir:
            problems.append(f'{sym}: exported but not in {gir_path.split("/")[-1]}')
    for p in problems:
        print(p)
    print(f'{len(symbols)} exported, {len(problems)} problems')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
