"""A sync execute from a worker thread while the main thread runs the
client's loop, and many at once."""
import threading

from gi.repository import Aqmp, GLib

from conftest import py, run_loop, new_client


def test_sync_execute_from_worker_thread(qemu):
    loop = GLib.MainLoop()
    client = new_client()
    results = []
    errors = []
    ticks = []

    def worker():
        try:
            for _ in range(20):
                results.append(py(client.execute_sync('query-status', None, None))['status'])
        except Exception as e:  # reported on the main thread
            errors.append(e)
        finally:
            GLib.idle_add(loop.quit)

    def connected(c, res):
        c.connect_finish(res)
        threading.Thread(target=worker, daemon=True).start()

    # the main thread runs the loop, and other sources on it keep running
    GLib.timeout_add(1, lambda: ticks.append(1) or True)
    client.connect_async(qemu.address, None, connected)
    run_loop(loop)
    assert errors == []
    assert results == ['running'] * 20
    client.disconnect_sync(None)


def test_many_threads(qemu):
    loop = GLib.MainLoop()
    client = new_client()
    done = []
    lock = threading.Lock()

    def worker(n):
        names = []
        for _ in range(10):
            names.append(py(client.execute_sync('query-name', None, None)))
        with lock:
            done.append(names)
            if len(done) == 4:
                GLib.idle_add(loop.quit)

    def connected(c, res):
        c.connect_finish(res)
        for n in range(4):
            threading.Thread(target=worker, args=(n,), daemon=True).start()

    client.connect_async(qemu.address, None, connected)
    run_loop(loop)
    assert len(done) == 4
    assert all(names == [{}] * 10 for names in done)
    client.disconnect_sync(None)
