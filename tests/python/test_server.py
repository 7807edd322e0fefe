"""AqmpServer driven from Python as a scripted peer: handlers written in
Python, expectations checked, and faults the client must survive."""
import os

from gi.repository import Aqmp, GLib, Json

from conftest import obj, py, run_loop, wait_until, WAIT_S, new_client


def node(value):
    import json
    return Json.from_string(json.dumps(value))


def make_server(tmpdir_path):
    server = Aqmp.Server.new()
    address = server.listen('unix:' + os.path.join(tmpdir_path, 'peer.sock'))
    return server, address


def test_scripted_peer(tmpdir_path):
    server, address = make_server(tmpdir_path)
    calls = []

    def handler(srv, request):
        calls.append(py(request))
        return node({'echo': py(request).get('arguments', {}).get('x')})

    server.set_handler('echo', handler)
    server.set_reply('query-status', node({'status': 'paused', 'running': False}))
    client = new_client()
    client.connect_sync(address, None)
    assert py(client.execute_sync('echo', obj({'x': 42}), None)) == {'echo': 42}
    assert py(client.execute_sync('query-status', None, None))['status'] == 'paused'
    assert calls[0]['execute'] == 'echo'
    received = [py(r)['execute'] for r in server.get_received()]
    assert received[-2:] == ['echo', 'query-status']
    client.disconnect_sync(None)
    server.stop()


def test_expectations(tmpdir_path):
    server, address = make_server(tmpdir_path)
    server.expect('first', obj({'a': 1}), node({'one': True}))
    server.expect('second', None, node({}))
    client = new_client()
    client.connect_sync(address, None)
    assert py(client.execute_sync('first', obj({'a': 1}), None)) == {'one': True}
    assert py(client.execute_sync('second', None, None)) == {}
    assert server.verify()
    # out of script: refused
    try:
        client.execute_sync('third', None, None)
    except GLib.Error as e:
        assert e.matches(Aqmp.error_quark(), Aqmp.Error.COMMAND)
    else:
        raise AssertionError('an unexpected command was answered')
    client.disconnect_sync(None)
    server.stop()


def test_error_reply_and_event(tmpdir_path):
    server, address = make_server(tmpdir_path)
    server.set_error('device_del', 'DeviceNotFound', "Device 'nope' not found")
    client = new_client()
    client.connect_sync(address, None)
    try:
        client.execute_sync('device_del', obj({'id': 'nope'}), None)
    except GLib.Error as e:
        assert Aqmp.error_get_qmp_class(e) == 'DeviceNotFound'
        assert Aqmp.error_get_qmp_desc(e) == "Device 'nope' not found"
    else:
        raise AssertionError('no error')
    events = []
    client.connect('event::DEVICE_DELETED', lambda c, ev: events.append(py(ev.get_data())))
    server.emit_event('DEVICE_DELETED', obj({'device': 'd0'}))
    wait_until(lambda: events)
    assert events == [{'device': 'd0'}]
    client.disconnect_sync(None)
    server.stop()


def test_fault_connection_dropped_mid_command(tmpdir_path):
    server, address = make_server(tmpdir_path)
    server.set_no_reply('hang')
    client = new_client()
    client.connect_sync(address, None)
    loop = GLib.MainLoop()
    caught = []
    disconnected = []
    client.connect('disconnected', lambda c, cause: disconnected.append(cause))

    def done(c, res):
        try:
            c.execute_finish(res)
        except GLib.Error as e:
            caught.append(e)
        loop.quit()

    client.execute_async('hang', None, None, done)
    # the peer closes once the command has reached it
    wait_until(lambda: any(py(r)['execute'] == 'hang' for r in server.get_received()))
    server.close_connections()
    run_loop(loop)
    assert caught[0].matches(Aqmp.error_quark(), Aqmp.Error.DISCONNECTED)
    wait_until(lambda: disconnected)
    assert client.get_state() == Aqmp.State.IDLE
    server.stop()


def test_fault_garbage_then_recovers(tmpdir_path):
    server, address = make_server(tmpdir_path)
    server.set_reply('query-status', node({'status': 'running', 'running': True}))
    client = new_client()
    client.connect_sync(address, None)
    disconnected = []
    client.connect('disconnected', lambda c, cause: disconnected.append(cause))
    # a line that is not JSON: the client drops the connection, with a cause
    server.send_raw(b'{"oops": }\n')
    wait_until(lambda: disconnected)
    assert disconnected[0] is not None
    assert disconnected[0].matches(Aqmp.error_quark(), Aqmp.Error.PROTOCOL)
    # and connects again to the same peer
    client.connect_sync(address, None)
    assert py(client.execute_sync('query-status', None, None))['status'] == 'running'
    client.disconnect_sync(None)
    server.stop()


def test_fault_timeout(tmpdir_path):
    server, address = make_server(tmpdir_path)
    server.set_no_reply('slow')
    client = new_client()
    client.connect_sync(address, None)
    try:
        client.execute_full_sync('slow', None, Aqmp.ExecuteFlags.NONE, 50, None)
    except GLib.Error as e:
        assert e.matches(Aqmp.error_quark(), Aqmp.Error.TIMEOUT)
    else:
        raise AssertionError('no timeout')
    client.disconnect_sync(None)
    server.stop()
