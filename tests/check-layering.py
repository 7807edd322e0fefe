#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Check that each layer includes only the layers below it.

    check-layering.py SOURCE_ROOT

The table below is the one docs/architecture.md shows ("The layers"): for
each directory, the installed aqmp headers (<aqmp/...>, <aqmp-qga/...>)
and <gmodule.h> its sources may include. A directory's own headers, by
"..." or by <aqmp/...> inside it, are always allowed. A new directory or
library adds its line here and in the document.
"""

import os
import re
import sys

CORE = {'aqmp.h'}
JOBS = CORE | {'aqmp-jobs.h'}
QGA = CORE | {'aqmp-qga.h'}
QAPI = CORE | {'aqmp-qapi.h'}
BACKUP = JOBS | QGA | {'aqmp-backup.h'}
PLUGIN = BACKUP | {'aqmp-plugin.h', 'gmodule.h'}
QMP = QAPI | {'aqmp-qmp.h'}
HOST = PLUGIN | QAPI | {'aqmp-plugin-loader.h'}

# directory -> (headers it may include, files of its own it may name)
LAYERS = {
    'src/core': set(),
    'src/jobs': CORE,
    'src/qapi': CORE,
    # generated into the build tree by src/codegen; nothing here by hand
    'src/qmp': QAPI,
    'src/codegen': set(),
    'qga': QGA,
    'src/backup': JOBS | QGA,
    'src/plugin': PLUGIN,
    # the workflow plugins build QMP arguments with the typed layer
    'plugins': PLUGIN | QMP,
    'src/service': HOST,
    'src/cli': HOST,
}

# files that sit in a lower layer's directory but belong to a higher one
EXCEPTIONS = {
    # the "qga" plugin module, built in qga/plugin/ above the plugin layer
    'qga/aqmp-plugin-qga.c': PLUGIN,
}

INCLUDE_RE = re.compile(r'^\s*#\s*include\s*<((?:aqmp|aqmp-qga)/[^>]+|gmodule\.h)>', re.M)


def own_headers(directory):
    return {name for name in os.listdir(directory) if name.endswith('.h')}


def check(root):
    problems = []
    for layer, allowed in LAYERS.items():
        top = os.path.join(root, layer)
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))]
            own = own_headers(dirpath)
            for name in filenames:
                if not name.endswith(('.c', '.h')):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                may = EXCEPTIONS.get(rel, allowed)
                with open(path, encoding='utf-8') as f:
                    text = f.read()
                for match in INCLUDE_RE.finditer(text):
                    header = os.path.basename(match.group(1))
                    if header in may or header in own:
                        continue
                    problems.append('%s includes <%s>, which the layer %s may not use'
                                    % (rel, match.group(1), layer))
    return problems


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    problems = check(sys.argv[1])
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print('see "The layers" in docs/architecture.md', file=sys.stderr)
        return 1
    print('%d layers checked' % len(LAYERS))
    return 0


if __name__ == '__main__':
    sys.exit(main())
