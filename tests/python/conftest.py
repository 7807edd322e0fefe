# Fixtures for the Python suite: the aqmp typelibs from the build tree
# (the environment meson test sets), real QEMU peers reaped after each
# test, and bounded waits on a GLib main context.
import ctypes
import os
import signal
import socket
import subprocess
import tempfile

import gi

for _ns in ('Aqmp', 'AqmpJobs', 'AqmpQga', 'AqmpPlugin', 'AqmpQapi', 'AqmpQmp', 'AqmpBackup'):
    gi.require_version(_ns, '1.0')
gi.require_version('Json', '1.0')
gi.require_version('Gio', '2.0')

from gi.repository import GLib  # noqa: E402
import pytest  # noqa: E402

# every wait in the suite is bounded by this
WAIT_S = float(os.environ.get('AQMP_TEST_WAIT_S', '30'))
QEMU = os.environ.get('AQMP_TEST_QEMU', 'qemu-system-x86_64')

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


def peer_env():
    """The environment for a peer: without the allocator checks meson sets."""
    env = dict(os.environ)
    for var in ('MALLOC_PERTURB_', 'MALLOC_CHECK_', 'LD_PRELOAD'):
        env.pop(var, None)
    return env


def _die_with_parent():
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def spawn_peer(argv, pass_fds=(), **kw):
    """Starts a peer that dies with the test process."""
    return subprocess.Popen(argv, env=peer_env(), pass_fds=pass_fds,
                            preexec_fn=_die_with_parent, **kw)


def wait_until(predicate, timeout=WAIT_S, context=None):
    """Iterates @context until @predicate() is true; fails after @timeout."""
    context = context or GLib.MainContext.default()
    expired = []
    source = GLib.timeout_source_new(int(timeout * 1000))
    source.set_callback(lambda *a: expired.append(True) or GLib.SOURCE_REMOVE)
    source.attach(context)
    try:
        while not predicate():
            if expired:
                pytest.fail(f'not done within {timeout} s')
            context.iteration(True)
    finally:
        source.destroy()


def run_loop(loop, timeout=WAIT_S):
    """Runs @loop until something quits it; fails after @timeout."""
    expired = []

    def expire():
        expired.append(True)
        loop.quit()
        return GLib.SOURCE_REMOVE

    tid = GLib.timeout_add(int(timeout * 1000), expire)
    loop.run()
    if expired:
        pytest.fail(f'main loop not quit within {timeout} s')
    GLib.source_remove(tid)


class Qemu:
    """QEMU 7.2, -machine none, its QMP monitor on a Unix socket that is
    listening before QEMU starts (QEMU takes the listening socket as an fd),
    so connecting needs no wait."""

    def __init__(self, tmpdir, extra=(), pass_fds=(), monitors=1):
        self.dir = tmpdir
        self.socket_path = os.path.join(tmpdir, 'qmp.sock')
        # a monitor serves one client at a time: more for more clients
        paths = [self.socket_path] + [os.path.join(tmpdir, f'qmp{i}.sock') for i in range(1, monitors)]
        listeners = []
        argv = [QEMU, '-machine', 'none', '-nodefaults', '-display', 'none']
        for i, path in enumerate(paths):
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(path)
            listener.listen(16)
            listeners.append(listener)
            argv += ['-chardev', f'socket,id=qmp{i},fd={listener.fileno()},server=on,wait=off',
                     '-mon', f'chardev=qmp{i},mode=control']
        argv += list(extra)
        try:
            self.process = spawn_peer(argv, pass_fds=tuple(l.fileno() for l in listeners) + tuple(pass_fds))
        finally:
            for listener in listeners:
                listener.close()
        self.address = 'unix:' + self.socket_path
        self.addresses = ['unix:' + p for p in paths]

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=WAIT_S)


@pytest.fixture
def tmpdir_path():
    with tempfile.TemporaryDirectory(prefix='aqmp-py-') as d:
        yield d


@pytest.fixture
def qemu_factory(tmpdir_path):
    started = []

    def start(extra=(), pass_fds=(), name=None, monitors=1):
        d = tmpdir_path
        if name is not None or started:
            d = os.path.join(tmpdir_path, name or f'q{len(started)}')
            os.makedirs(d, exist_ok=True)
        q = Qemu(d, extra, pass_fds, monitors)
        started.append(q)
        return q

    yield start
    for q in started:
        q.stop()


@pytest.fixture
def qemu(qemu_factory):
    return qemu_factory()


def new_client():
    """A client whose calls and connects are bounded by WAIT_S."""
    from gi.repository import Aqmp
    c = Aqmp.Client.new()
    c.set_default_timeout(int(WAIT_S * 1000))
    c.set_connect_timeout(int(WAIT_S * 1000))
    return c


@pytest.fixture
def client(qemu):
    """A client connected to @qemu synchronously, disconnected afterwards."""
    from gi.repository import Aqmp
    c = new_client()
    assert c.connect_sync(qemu.address, None)
    yield c
    if c.get_state() != Aqmp.State.IDLE:
        c.disconnect_sync(None)


# ----- TAP on stdout, one line per test, for meson (protocol: 'tap') -----

_tap = {'n': 0, 'failed': {}}


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    # pytest's own report goes to stderr, which meson keeps in the log
    import sys
    from _pytest._io import TerminalWriter
    reporter = config.pluginmanager.get_plugin('terminalreporter')
    if reporter is not None:
        reporter._tw = TerminalWriter(sys.stderr)


def pytest_collectreport(report):
    if report.failed:
        print('Bail out! collecting %s failed' % report.nodeid, flush=True)
        for line in str(report.longrepr).splitlines():
            print('# ' + line, flush=True)


def pytest_collection_finish(session):
    print(f'1..{len(session.items)}', flush=True)


def pytest_runtest_logreport(report):
    failed = _tap['failed']
    if report.failed:
        failed.setdefault(report.nodeid, []).append(report)
    if report.when != 'teardown':
        if not (report.when == 'setup' and report.skipped):
            return
    _tap['n'] += 1
    name = report.nodeid.split('::')[-1]
    if report.skipped:
        print(f'ok {_tap["n"]} {name} # SKIP', flush=True)
    elif report.nodeid in failed:
        print(f'not ok {_tap["n"]} {name}', flush=True)
        for r in failed[report.nodeid]:
            for line in r.longreprtext.splitlines():
                print('# ' + line, flush=True)
    else:
        print(f'ok {_tap["n"]} {name}', flush=True)


# ----- JSON and QMP helpers -----

def obj(value):
    """A Json.Object from a Python dict."""
    import json
    from gi.repository import Json
    return Json.from_string(json.dumps(value)).get_object()


def py(node):
    """A Json.Node (or Object) as Python values."""
    import json
    from gi.repository import Json
    if node is None:
        return None
    if isinstance(node, Json.Object):
        n = Json.Node.new(Json.NodeType.OBJECT)
        n.set_object(node)
        node = n
    return json.loads(Json.to_string(node, False))


def qmp(client, command, arguments=None):
    return py(client.execute_sync(command, obj(arguments) if arguments else None, None))


# ----- holding a block job on purpose (as tests/aqmp-test-hold.c) -----

def hold_add(client, node, size):
    """A throttle node over null-co, in a group limited to one byte a second:
    a job writing to it gets one request through and then waits."""
    qmp(client, 'object-add', {'qom-type': 'throttle-group', 'id': f'{node}-group',
                               'limits': {'bps-total': 1}})
    qmp(client, 'blockdev-add', {'driver': 'null-co', 'node-name': f'{node}-file', 'size': size})
    qmp(client, 'blockdev-add', {'driver': 'throttle', 'node-name': node,
                                 'throttle-group': f'{node}-group', 'file': f'{node}-file'})


def hold_release(client, node):
    """Opens the group; reopening the node drains it and the job runs on."""
    qmp(client, 'qom-set', {'path': f'{node}-group', 'property': 'limits', 'value': {}})
    qmp(client, 'blockdev-reopen', {'options': [{'driver': 'throttle', 'node-name': node,
                                                 'throttle-group': f'{node}-group',
                                                 'file': f'{node}-file'}]})
