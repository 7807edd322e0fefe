#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Check aqmp-codegen against tests/codegen/.

    check-codegen.py AQMP_CODEGEN CODEGEN_DIR

- the header generated from CODEGEN_DIR/schema.json (every meta-type,
  optional members, features, a union, alternates, every kind of return)
  is CODEGEN_DIR/expected.h; after a deliberate change, regenerate it with
  aqmp-codegen --prefix test_qmp --qemu-version test --header expected.h
  schema.json
- the names file the generator writes gives the same layer again
- --since puts its version in every doc comment and in the symbol map's
  version node, and a version that is not MAJOR.MINOR is refused
- bad input (an undefined type, a dump that is no array, a bad names
  file) fails with one clear message, and writes nothing
"""

import difflib
import json
import os
import subprocess
import sys
import tempfile


def run(codegen, *args):
    return subprocess.run([sys.executable, codegen] + list(args),
                          capture_output=True, text=True, check=False)


def read(path):
    with open(path, encoding='utf-8') as f:
        return f.read()


def generate(codegen, tmp, schema, tag, *extra):
    header = os.path.join(tmp, tag + '.h')
    body = os.path.join(tmp, tag + '.c')
    done = run(codegen, '--prefix', 'test_qmp', '--qemu-version', 'test',
               '--header', header, '--body', body, *extra, schema)
    if done.returncode != 0:
        raise AssertionError('aqmp-codegen failed: ' + done.stderr)
    return header, body


def check_expected(codegen, tmp, schema, expected):
    header, _ = generate(codegen, tmp, schema, 'a')
    got, want = read(header), read(expected)
    if got != want:
        diff = difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                    'expected.h', 'generated')
        raise AssertionError('the header differs from expected.h:\n' + ''.join(diff))


def check_names(codegen, tmp, schema):
    names = os.path.join(tmp, 'names.json')
    h1, c1 = generate(codegen, tmp, schema, 'b', '--write-names', names)
    h2, c2 = generate(codegen, tmp, schema, 'c', '--names', names)
    if read(h1) != read(h2) or read(c1).replace('"b.h"', '"c.h"') != read(c2):
        raise AssertionError('a layer generated with its own names file differs')
    # a name kept for a path survives a schema whose order changed
    pins = json.loads(read(names))
    pins['query-things/result'] = 'thing_info'
    with open(names, 'w', encoding='utf-8') as f:
        json.dump(pins, f)
    entries = json.loads(read(schema))
    shuffled = os.path.join(tmp, 'shuffled.json')
    with open(shuffled, 'w', encoding='utf-8') as f:
        json.dump(list(reversed(entries)), f)
    h3, _ = generate(codegen, tmp, shuffled, 'd', '--names', names)
    text = read(h3)
    if 'struct _TestQmpThingInfo {' not in text or 'TestQmpQueryThingsResult' in text:
        raise AssertionError('the pinned name TestQmpThingInfo was not used')
    # and the order of the dump changes nothing
    h4, _ = generate(codegen, tmp, shuffled, 'e')
    if read(h4) != read(h1):
        raise AssertionError('the order of the entries in the dump changed the header')


def doc_blocks(text):
    blocks, block = [], None
    for line in text.splitlines():
        if line == '/**':
            block = []
        elif block is not None and line == ' */':
            blocks.append(block)
            block = None
        elif block is not None:
            block.append(line)
    return blocks


def check_since(codegen, tmp, schema):
    symbols = os.path.join(tmp, 'since.map')
    header, body = generate(codegen, tmp, schema, 'since', '--since', '1.2', '--symbol-map', symbols)
    for path in (header, body):
        blocks = doc_blocks(read(path))
        if not blocks:
            raise AssertionError('%s has no doc comments' % path)
        for block in blocks:
            if block.count(' * Since: 1.2') != 1 or ' * Since: 1.2' != block[-1]:
                raise AssertionError('a doc comment without one closing Since: 1.2:\n' + '\n'.join(block))
            tags = (' * @', ' * Since:', ' * Returns:', ' *   ')
            described = [l for l in block[1:] if l.strip(' *') and not l.startswith(tags)]
            if not described:
                raise AssertionError('a doc comment without a description:\n' + '\n'.join(block))
    if 'TEST_QMP_1.2 {' not in read(symbols):
        raise AssertionError('the symbol map\'s version node is not TEST_QMP_1.2')
    done = run(codegen, '--since', 'one', '--header', os.path.join(tmp, 'bad-since.h'), schema)
    if done.returncode == 0 or '--since must be MAJOR.MINOR' not in done.stderr:
        raise AssertionError('--since one was not refused: %s' % done.stderr)
    if os.path.exists(os.path.join(tmp, 'bad-since.h')):
        raise AssertionError('a refused --since wrote its header')


def refused(codegen, tmp, content, message, *extra):
    schema = os.path.join(tmp, 'bad.json')
    with open(schema, 'w', encoding='utf-8') as f:
        f.write(content)
    header = os.path.join(tmp, 'bad.h')
    done = run(codegen, '--header', header, *extra, schema)
    if done.returncode != 1 or message not in done.stderr:
        raise AssertionError('expected a failure with %r, got %d: %s'
                             % (message, done.returncode, done.stderr))
    if os.path.exists(header):
        raise AssertionError('a refused run wrote %s' % header)


def check_refusals(codegen, tmp):
    refused(codegen, tmp, '[{"name": "c", "meta-type": "command", "arg-type": "7", "ret-type": "0"},'
            ' {"name": "0", "meta-type": "object", "members": []}]',
            "type '7' is used but not defined")
    refused(codegen, tmp, '{"name": "c"}', 'not a JSON array of schema entries')
    refused(codegen, tmp, '[{"name": "c"', 'bad.json:')
    refused(codegen, tmp, '[{"meta-type": "command"}]', 'an entry without name or meta-type')
    names = os.path.join(tmp, 'bad-names.json')
    with open(names, 'w', encoding='utf-8') as f:
        f.write('{"c/result": "Not Snake"}')
    refused(codegen, tmp, '[]', 'not a names file', '--names', names)


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    codegen, directory = sys.argv[1], sys.argv[2]
    schema = os.path.join(directory, 'schema.json')
    with tempfile.TemporaryDirectory() as tmp:
        try:
            check_expected(codegen, tmp, schema, os.path.join(directory, 'expected.h'))
            check_names(codegen, tmp, schema)
            check_since(codegen, tmp, schema)
            check_refusals(codegen, tmp)
        except AssertionError as e:
            print(e, file=sys.stderr)
            return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
