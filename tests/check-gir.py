#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Check that GObject-Introspection can bind a layer aqmp-codegen generated.

    check-gir.py G_IR_SCANNER LIBRARY HEADER SOURCE INCLUDE_DIR...

Runs g-ir-scanner with all warnings on the generated HEADER and SOURCE
(built as LIBRARY) and fails on any warning, except that AqmpClient and
AqmpEvent are unresolved: libaqmp itself has no GIR. Then checks that the
boxed structs, enums and functions are in the GIR.
"""

import os
import re
import subprocess
import sys
import tempfile

ALLOWED = re.compile(r"Unresolved type: 'Aqmp(Client|Event)\*'")


def main():
    if len(sys.argv) < 5:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    scanner, library, header, source = sys.argv[1:5]
    includes = sys.argv[5:]
    libdir = os.path.dirname(os.path.abspath(library))
    libname = re.sub(r'^lib|\.so.*$', '', os.path.basename(library))
    cflags = subprocess.run(['pkg-config', '--cflags', 'glib-2.0', 'gio-2.0', 'json-glib-1.0'],
                            capture_output=True, text=True, check=True).stdout.split()
    cflags = [f for f in cflags if f != '-pthread']
    with tempfile.TemporaryDirectory() as tmp:
        gir = os.path.join(tmp, 'TestQmp-1.0.gir')
        env = dict(os.environ)
        env['LD_LIBRARY_PATH'] = ':'.join([libdir] + [d for d in includes if os.path.isdir(d)]
                                          + [env.get('LD_LIBRARY_PATH', '')])
        argv = [scanner, '--namespace=TestQmp', '--nsversion=1.0', '--identifier-prefix=TestQmp',
                '--symbol-prefix=test_qmp', '--include=Gio-2.0', '--include=Json-1.0',
                '--library=' + libname, '-L' + libdir, '--warn-all', '--quiet', '-o', gir]
        for d in includes:
            argv += ['-I' + d, '-L' + d]
        argv += cflags + [header, source]
        done = subprocess.run(argv, capture_output=True, text=True, cwd=tmp, env=env, check=False)
        warnings = [line for line in (done.stdout + done.stderr).splitlines()
                    if 'Warning' in line and not ALLOWED.search(line)]
        if done.returncode != 0 or warnings:
            print(done.stdout + done.stderr, file=sys.stderr)
            print('g-ir-scanner failed or warned (%d warnings)' % len(warnings), file=sys.stderr)
            return 1
        with open(gir, encoding='utf-8') as f:
            text = f.read()
    for needle in ('<record name="AddDeviceArguments"', 'glib:type-name="TestQmpAddDeviceArguments"',
                   '<enumeration name="GetModeResult"', 'glib:nick="x-auto"',
                   'c:identifier="test_qmp_add_device_disk_file_new"',
                   'c:identifier="test_qmp_set_thing_optional_set_tags"',
                   'c:identifier="test_qmp_query_things_finish"'):
        if needle not in text:
            print('the GIR lacks %s' % needle, file=sys.stderr)
            return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
