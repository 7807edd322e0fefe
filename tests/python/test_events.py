"""Events from Python: event::STOP on a signal handler, and an
AqmpEventWaiter made before the command that causes the event."""
from gi.repository import Aqmp, GLib

from conftest import obj, py, run_loop, wait_until, WAIT_S


def test_event_signal_with_detail(client):
    stops = []
    others = []
    client.connect('event::STOP', lambda c, ev: stops.append((ev.get_name(), ev.get_timestamp())))
    client.connect('event::RESUME', lambda c, ev: others.append(ev.get_name()))
    client.execute_sync('stop', None, None)
    wait_until(lambda: len(stops) == 1)
    assert stops[0][0] == 'STOP'
    assert stops[0][1] > 0
    assert others == []
    client.execute_sync('cont', None, None)
    wait_until(lambda: others == ['RESUME'])
    assert len(stops) == 1


def test_event_data(client):
    got = []
    client.connect('event::RESUME', lambda c, ev: got.append(py(ev.get_data())))
    client.execute_sync('stop', None, None)
    client.execute_sync('cont', None, None)
    wait_until(lambda: got)
    assert got == [{}] or got == [None]


def test_waiter_made_before_the_command(client):
    # the event may come before execute returns: the waiter queues it
    waiter = Aqmp.EventWaiter.new(client, 'STOP', None)
    client.execute_sync('stop', None, None)
    event = waiter.wait_sync(int(WAIT_S * 1000), None)
    assert event.get_name() == 'STOP'
    assert waiter.get_pending() == 0


def test_waiter_async_with_match(client):
    # a match on the event's data: only the RESUME after a stop
    waiter = Aqmp.EventWaiter.new(client, 'STOP', obj({}))
    loop = GLib.MainLoop()
    got = []

    def done(w, res):
        got.append(w.wait_finish(res))
        loop.quit()

    waiter.wait_async(int(WAIT_S * 1000), None, done)
    client.execute_async('stop', None, None, lambda c, r: c.execute_finish(r))
    run_loop(loop)
    assert got[0].get_name() == 'STOP'


def test_waiter_timeout_is_glib_error(client):
    waiter = Aqmp.EventWaiter.new(client, 'SHUTDOWN', None)
    try:
        waiter.wait_sync(1, None)
    except GLib.Error as e:
        assert e.matches(Aqmp.error_quark(), Aqmp.Error.TIMEOUT)
    else:
        raise AssertionError('no timeout')
