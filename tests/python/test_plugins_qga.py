"""The plugin loader listing the built plugins, and the guest agent
against the fake agent (tests/aqmp-test-fake-agent-peer)."""
import os
import select
import subprocess

from gi.repository import Aqmp, AqmpPlugin, AqmpQga, GLib
import pytest

from conftest import WAIT_S, obj, py, run_loop, spawn_peer, new_client


def test_plugin_loader_lists_built_plugins():
    loader = AqmpPlugin.PluginLoader.new()
    loaded = 0
    for d in os.environ['AQMP_TEST_PLUGIN_DIRS'].split(':'):
        loaded += loader.load_dir(d)
    assert loader.get_n_failures() == 0
    names = sorted(p.get_name() for p in loader.get_plugins())
    assert loaded == len(names)
    assert {'qga', 'example'} <= set(names)
    for p in loader.get_plugins():
        assert os.path.exists(p.get_path())
    # the qga plugin brings the guest agent protocol
    protocol = loader.create_protocol('qga')
    assert protocol.get_name() == 'qga'


def test_plugin_loader_unknown_protocol_is_glib_error():
    loader = AqmpPlugin.PluginLoader.new()
    with pytest.raises(GLib.Error):
        loader.create_protocol('no-such-protocol')


class FakeAgent:
    def __init__(self, *args):
        self.process = spawn_peer([os.environ['AQMP_TEST_FAKE_AGENT']] + list(args),
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        # it prints its address once it listens
        ready, _, _ = select.select([self.process.stdout], [], [], WAIT_S)
        assert ready, 'the fake agent did not start'
        self.address = self.process.stdout.readline().strip()
        assert self.address.startswith('unix:')

    def stop(self):
        """Ends the agent; returns the commands it received."""
        out, _ = self.process.communicate(input='', timeout=WAIT_S)
        return out.split()


@pytest.fixture
def agent():
    a = FakeAgent('--exec-out', 'hello from the guest', '--exec-exit', '3')
    yield a
    if a.process.poll() is None:
        a.stop()


def agent_client(address):
    client = new_client()
    client.set_protocol(AqmpQga.QgaProtocol.new())
    client.set_default_timeout(int(WAIT_S * 1000))
    client.connect_sync(address, None)
    return client


def test_guest_agent_sync(agent):
    client = agent_client(agent.address)
    ga = AqmpQga.GuestAgent.new(client)
    assert ga.ping_sync(None)
    info = py(ga.get_info_sync(None))
    assert 'version' in info
    result = ga.exec_sync_result(['/bin/true'], None, None, int(WAIT_S * 1000), None)
    assert result.get_exit_status() == 3
    assert result.get_stdout().get_data() == b'hello from the guest'
    ga.file_write_sync('/tmp/aqmp-python', GLib.Bytes.new(b'some bytes'), None)
    assert ga.file_read_sync('/tmp/aqmp-python', None).get_data() == b'some bytes'
    client.disconnect_sync(None)
    received = agent.stop()
    assert 'guest-ping' in received and 'guest-exec' in received
    assert 'guest-file-write' in received and 'guest-file-read' in received


def test_guest_agent_async(agent):
    client = agent_client(agent.address)
    ga = AqmpQga.GuestAgent.new(client)
    loop = GLib.MainLoop()
    got = []

    def done(g, res):
        got.append(py(g.get_osinfo_finish(res)))
        loop.quit()

    ga.get_osinfo_async(None, done)
    run_loop(loop)
    assert isinstance(got[0], dict)
    client.disconnect_sync(None)


def test_guest_agent_error_class(agent):
    client = agent_client(agent.address)
    with pytest.raises(GLib.Error) as info:
        client.execute_sync('guest-no-such-thing', None, None)
    assert Aqmp.error_get_qmp_class(info.value) == 'CommandNotFound'
    client.disconnect_sync(None)
