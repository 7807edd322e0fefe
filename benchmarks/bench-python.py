#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Item 10: aqmp from Python through GObject-Introspection.

- Sequential `query-status` against a real QEMU from Python (the next call
  issued from the previous one's callback, on a GLib.MainLoop, as the C
  async client does, and with execute_sync), against the C async client's
  rate measured in the same run on the same QEMU: the QEMU has two
  monitors; each round runs `bench-qemu --address` (the C async client
  alone) on one, then the Python variants on the other.
- Events from qmp-responder's `x-flood` to a Python handler of
  `event::BENCH`, each sequence number checked: none lost or reordered.

Prints RESULT lines as the C benchmarks do. Fails only when a run goes
wrong (lost events, failed calls), never on speed.

usage: bench-python.py --bench-qemu PATH --responder PATH [--rounds N] [--count N] [--events N]
"""
import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import gi
gi.require_version('Aqmp', '1.0')
gi.require_version('Json', '1.0')
from gi.repository import Aqmp, GLib, Json  # noqa: E402


def result(name, value, unit):
    print(f'RESULT {name} {value:.6g} {unit}', flush=True)


def peer_env():
    env = dict(os.environ)
    for var in ('MALLOC_PERTURB_', 'MALLOC_CHECK_'):
        env.pop(var, None)
    return env


def start_qemu(d):
    """QEMU with two monitors, listening before it starts."""
    argv = ['qemu-system-x86_64', '-machine', 'none', '-nodefaults', '-no-user-config', '-display', 'none']
    listeners = []
    for i in range(2):
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(os.path.join(d, f'qmp{i}.sock'))
        listener.listen(4)
        listeners.append(listener)
        argv += ['-chardev', f'socket,id=qmp{i},fd={listener.fileno()},server=on,wait=off',
                 '-mon', f'chardev=qmp{i},mode=control']
    p = subprocess.Popen(argv, pass_fds=[l.fileno() for l in listeners], env=peer_env())
    for listener in listeners:
        listener.close()
    return p, ['unix:' + os.path.join(d, f'qmp{i}.sock') for i in range(2)]


def start_responder(path, d):
    sock = os.path.join(d, 'responder.sock')
    p = subprocess.Popen([path, sock], stdout=subprocess.PIPE, text=True, env=peer_env())
    line = p.stdout.readline()  # "ready" once it listens; it dies with us
    if line.strip() != 'ready':
        sys.exit('qmp-responder did not start')
    return p, 'unix:' + sock


def c_async_rate(bench_qemu, address, count):
    out = subprocess.run([bench_qemu, f'--address={address}', f'--count={count}'],
                         capture_output=True, text=True, timeout=600)
    m = re.search(r'^RESULT qemu\.async\.rate (\S+)', out.stdout, re.M)
    if not m:
        sys.exit('bench-qemu gave no async rate:\n' + out.stdout + out.stderr)
    return float(m.group(1))


def py_async_rate(client, count):
    loop = GLib.MainLoop()
    left = [count]
    failed = []

    def done(c, res):
        try:
            c.execute_finish(res)
        except GLib.Error as e:
            failed.append(e)
            loop.quit()
            return
        left[0] -= 1
        if left[0] == 0:
            loop.quit()
        else:
            c.execute_async('query-status', None, None, done)

    t0 = time.monotonic()
    client.execute_async('query-status', None, None, done)
    loop.run()
    if failed:
        sys.exit(f'query-status failed: {failed[0].message}')
    return count / (time.monotonic() - t0)


def py_sync_rate(client, count):
    t0 = time.monotonic()
    for _ in range(count):
        client.execute_sync('query-status', None, None)
    return count / (time.monotonic() - t0)


def flood(address, n):
    client = Aqmp.Client.new()
    client.connect_sync(address, None)
    state = {'received': 0, 'next': 0, 'bad': 0}
    loop = GLib.MainLoop()

    def on_event(c, event):
        seq = event.get_data().get_int_member('seq')
        if seq != state['next']:
            state['bad'] += 1
        state['next'] = seq + 1
        state['received'] += 1
        if state['received'] == n:
            loop.quit()

    client.connect('event::BENCH', on_event)
    args = Json.Object.new()
    args.set_int_member('count', n)
    expired = []
    tid = GLib.timeout_add_seconds(120, lambda: expired.append(1) or loop.quit())
    t0 = time.monotonic()
    client.execute_async('x-flood', args, None, lambda c, r: c.execute_finish(r))
    loop.run()
    rate = state['received'] / (time.monotonic() - t0)
    if not expired:
        GLib.source_remove(tid)
    client.disconnect_sync(None)
    return rate, (n - state['received']) + state['bad']


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--bench-qemu', required=True)
    ap.add_argument('--responder', required=True)
    ap.add_argument('--rounds', type=int, default=21)
    ap.add_argument('--count', type=int, default=1000)
    ap.add_argument('--events', type=int, default=300000)
    a = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix='aqmp-bench-py-') as d:
        qemu, (address, c_address) = start_qemu(d)
        responder, raddress = start_responder(a.responder, d)
        try:
            client = Aqmp.Client.new()
            client.connect_sync(address, None)
            # warm up both paths
            py_async_rate(client, 1000)
            py_sync_rate(client, 1000)
            c_rates, a_rates, s_rates, ratios, sync_ratios = [], [], [], [], []
            for r in range(max(a.rounds, 1)):
                c = c_async_rate(a.bench_qemu, c_address, a.count)
                pa = py_async_rate(client, a.count)
                ps = py_sync_rate(client, a.count)
                print(f'round {r + 1}: C async {c:,.0f}/s, Python async {pa:,.0f}/s, '
                      f'Python sync {ps:,.0f}/s', file=sys.stderr, flush=True)
                c_rates.append(c)
                a_rates.append(pa)
                s_rates.append(ps)
                ratios.append(pa / c)
                sync_ratios.append(ps / c)
            client.disconnect_sync(None)
            result('python.c_async.rate', statistics.median(c_rates), '/s')
            result('python.async.rate', statistics.median(a_rates), '/s')
            result('python.sync.rate', statistics.median(s_rates), '/s')
            result('python.ratio.async', statistics.median(ratios), 'x')
            result('python.ratio.sync', statistics.median(sync_ratios), 'x')

            lost_total = 0
            rates = []
            for r in range(max(a.rounds, 1)):
                rate, lost = flood(raddress, a.events)
                rates.append(rate)
                lost_total += lost
                print(f'round {r + 1}: {rate:,.0f} events/s to Python, {lost} lost', file=sys.stderr, flush=True)
            result('python.events.rate', statistics.median(rates), '/s')
            result('python.events.lost', lost_total, 'events')
        finally:
            for p in (qemu, responder):
                p.send_signal(signal.SIGKILL)
                p.wait()
    return 0 if lost_total == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
