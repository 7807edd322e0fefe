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

import os
import sys

# installed, the package is in aqmp's data directory (as gdbus-codegen's
# is in GLib's); in the source tree, next to this script
_INSTALLED = '@codegen_dir@'
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, _HERE if os.path.isdir(os.path.join(_HERE, 'aqmp_codegen')) else _INSTALLED)

from aqmp_codegen.main import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
