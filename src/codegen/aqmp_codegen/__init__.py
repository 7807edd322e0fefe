# SPDX-License-Identifier: LGPL-2.1-or-later
"""aqmp-codegen: a typed QMP layer in C from a query-qmp-schema dump (see
docs/codegen.md). Python's standard library only, as gdbus-codegen."""
