"""The client from Python: connect and execute on a GLib.MainLoop and
synchronously from a plain script, errors as GLib.Error with their QMP
class, cancelling through Gio.Cancellable, run_sync."""
import os
import subprocess
import sys
import textwrap

from gi.repository import Aqmp, Gio, GLib
import pytest

from conftest import WAIT_S, obj, py, run_loop, new_client


def test_connect_execute_async(qemu):
    loop = GLib.MainLoop()
    client = new_client()
    got = {}

    def executed(c, res):
        got['status'] = py(c.execute_finish(res))
        loop.quit()

    def connected(c, res):
        got['connected'] = c.connect_finish(res)
        c.execute_async('query-status', None, None, executed)

    client.connect_async(qemu.address, None, connected)
    run_loop(loop)
    assert got['connected'] is True
    assert client.get_state() == Aqmp.State.RUNNING
    assert got['status']['status'] == 'running'
    assert got['status']['running'] is True
    ok, major, minor, micro = client.get_server_version()
    assert ok and (major, minor) == (7, 2)
    client.disconnect_sync(None)
    assert client.get_state() == Aqmp.State.IDLE


def test_sync_from_plain_script(qemu):
    # a script with no main loop of its own, as a user would write one
    script = textwrap.dedent('''
        import sys, gi
        gi.require_version('Aqmp', '1.0')
        from gi.repository import Aqmp
        client = Aqmp.Client.new()
        client.connect_sync(sys.argv[1], None)
        reply = client.execute_sync('query-name', None, None)
        print('name' in reply.get_object().get_members(), client.get_state().value_nick)
        client.disconnect_sync(None)
    ''')
    out = subprocess.run([sys.executable, '-c', script, qemu.address],
                         capture_output=True, text=True, timeout=WAIT_S, env=os.environ)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ['False', 'running']


def test_arguments_and_result(client):
    reply = py(client.execute_sync('qom-list', obj({'path': '/'}), None))
    names = {p['name'] for p in reply}
    assert 'machine' in names


def test_error_with_qmp_class(client):
    with pytest.raises(GLib.Error) as info:
        client.execute_sync('no-such-command', None, None)
    e = info.value
    assert e.matches(Aqmp.error_quark(), Aqmp.Error.COMMAND)
    assert e.domain == GLib.quark_to_string(Aqmp.error_quark())
    assert e.code == int(Aqmp.Error.COMMAND)
    assert Aqmp.error_get_qmp_class(e) == 'CommandNotFound'
    assert Aqmp.error_get_qmp_desc(e) == 'The command no-such-command has not been found'
    # a GenericError from a command that exists, with bad arguments
    with pytest.raises(GLib.Error) as info:
        client.execute_sync('qom-get', obj({'path': '/nowhere', 'property': 'x'}), None)
    assert Aqmp.error_get_qmp_class(info.value) == 'DeviceNotFound'
    # the client is still usable
    assert py(client.execute_sync('query-status', None, None))['status'] == 'running'


def test_error_async(client):
    loop = GLib.MainLoop()
    caught = []

    def done(c, res):
        try:
            c.execute_finish(res)
        except GLib.Error as e:
            caught.append(e)
        loop.quit()

    client.execute_async('no-such-command', None, None, done)
    run_loop(loop)
    assert len(caught) == 1
    assert Aqmp.error_get_qmp_class(caught[0]) == 'CommandNotFound'


def test_cancel_execute(client):
    loop = GLib.MainLoop()
    cancellable = Gio.Cancellable()
    caught = []

    def done(c, res):
        try:
            c.execute_finish(res)
        except GLib.Error as e:
            caught.append(e)
        loop.quit()

    client.execute_async('query-status', None, cancellable, done)
    cancellable.cancel()
    run_loop(loop)
    assert len(caught) == 1
    assert caught[0].matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)
    # the late reply is dropped; the next call gets its own
    assert py(client.execute_sync('query-status', None, None))['status'] == 'running'


def test_cancel_event_wait(client):
    # a wait that nothing would end but the cancellable
    waiter = Aqmp.EventWaiter.new(client, 'SHUTDOWN')
    cancellable = Gio.Cancellable()
    loop = GLib.MainLoop()
    caught = []

    def done(w, res):
        try:
            w.wait_finish(res)
        except GLib.Error as e:
            caught.append(e)
        loop.quit()

    waiter.wait_async(0, cancellable, done)
    GLib.idle_add(lambda: cancellable.cancel() and False)
    run_loop(loop)
    assert caught and caught[0].matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)


def test_connect_refused_is_glib_error(tmpdir_path):
    client = new_client()
    client.set_connect_timeout(int(WAIT_S * 1000))
    with pytest.raises(GLib.Error) as info:
        client.connect_sync('unix:' + os.path.join(tmpdir_path, 'nobody.sock'), None)
    assert info.value.matches(Aqmp.error_quark(), Aqmp.Error.CONNECT)


def test_run_sync_drives_an_async_call(client):
    # run_sync's start function gets the callback to complete with, then
    # the data given to run_sync (its closure)
    seen = []

    def start(callback, data):
        seen.append(data)
        client.execute_async('query-status', None, None, lambda c, res: callback(c, res))

    result = client.run_sync(start, 'data')
    assert seen == ['data']
    assert py(client.execute_finish(result))['status'] == 'running'
