#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Item 9: what a backup through aqmp costs over QEMU's own work.

    bench-backup.py AQMP_TOOL [--run-helper BENCH_BACKUP_RUN] [--rounds N] [--size-mib M]

Against one QEMU 7.2 (`-machine none`) with a qcow2 disk of M MiB (1024 by
default) written full, each round measures, back to back so that they
share whatever else the machine is doing:

  incremental, in the library (the measured figure): 1 % of the disk
    rewritten in 64 KiB clusters spread over it, then one AqmpBackupRun
    (`--level incremental`: target image through blockdev-create,
    transaction, copy, close, sync, checksum, catalog) on a client that is
    already connected (benchmarks/bench-backup-run, timed from the call of
    aqmp_backup_run_run_sync() to its return), against the floor: a bare
    `blockdev-backup sync=incremental` of the same clusters (a second
    bitmap that saw the same writes) into a target made beforehand, timed
    from the command to BLOCK_JOB_COMPLETED by a plain socket client that
    is already connected too. Also the bytes the incremental copied over
    the bytes changed.
  incremental, the whole process (informational): the same with a fresh
    1 % and `aqmp backup run --level incremental` as a new process (start,
    connect, catalog open on top of the above) against a fresh floor.
  full: `aqmp backup run --level full` against `aqmp job start` of the
    same `blockdev-backup sync=full` into a target made beforehand (both
    whole processes; the job leaves its target open and unsynced, the
    backup closes and syncs it and records its checksum).

The order of the variants alternates between rounds, and each starts
after settle() (untimed: what earlier variants wrote synced and dropped
from the page cache, see there). Prints
`RESULT name value unit` lines (medians of each round's own ratio) for
benchmarks/run; never fails on speed, only when a run goes wrong.
"""
import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

MIB = 1024 * 1024
CLUSTER = 64 * 1024


class Qmp:
    """A plain QMP client: one command at a time, events kept."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        for _ in range(200):
            try:
                self.sock.connect(path)
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError(f'cannot connect to {path}')
        self.buf = b''
        self.events = []
        self.read()
        self.cmd('qmp_capabilities')

    def read(self):
        while b'\n' not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise RuntimeError('QEMU closed the monitor')
            self.buf += data
        line, self.buf = self.buf.split(b'\n', 1)
        return json.loads(line)

    def cmd(self, command, **args):
        self.sock.sendall(json.dumps({'execute': command, 'arguments': args}).encode() + b'\n')
        while True:
            msg = self.read()
            if 'event' in msg:
                self.events.append(msg)
            elif 'error' in msg:
                raise RuntimeError(f'{command}: {msg["error"]["desc"]}')
            elif 'return' in msg:
                return msg['return']

    def wait_event(self, name, **match):
        while True:
            for i, ev in enumerate(self.events):
                if ev['event'] == name and all(ev.get('data', {}).get(k) == v for k, v in match.items()):
                    return self.events.pop(i)
            msg = self.read()
            if 'event' in msg:
                self.events.append(msg)

    def hmp(self, line):
        out = self.cmd('human-monitor-command', **{'command-line': line})
        if out.strip():
            raise RuntimeError(f'{line}: {out.strip()}')


def tool(aqmp, *args):
    t0 = time.monotonic()
    p = subprocess.run([aqmp] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    elapsed = time.monotonic() - t0
    if p.returncode != 0:
        raise RuntimeError(f'aqmp {" ".join(args)}: exit {p.returncode}: {p.stderr.strip()}')
    return elapsed, p.stdout


def end_line(out):
    for line in reversed(out.splitlines()):
        obj = json.loads(line)
        if obj.get('event') == 'end':
            return obj
    raise RuntimeError('no end line from aqmp backup run')


def make_target(q, d, name, size):
    path = os.path.join(d, name + '.qcow2')
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', path, str(size)], check=True)
    q.cmd('blockdev-add', driver='qcow2', **{'node-name': name},
          file={'driver': 'file', 'filename': path})
    return path


def drop_target(q, name, path):
    q.cmd('blockdev-del', **{'node-name': name})
    os.unlink(path)


def timed_backup(q, job_id, **args):
    t0 = time.monotonic()
    q.cmd('blockdev-backup', **{'job-id': job_id}, device='disk0', **args)
    ev = q.wait_event('BLOCK_JOB_COMPLETED', device=job_id)
    elapsed = time.monotonic() - t0
    if 'error' in ev['data']:
        raise RuntimeError(f'{job_id}: {ev["data"]["error"]}')
    return elapsed, ev['data']['len']


def change_one_percent(q, size, round_no):
    clusters = size // CLUSTER
    n = max(1, clusters // 100)
    step = clusters // n
    for i in range(n):
        offset = (i * step + round_no % step) * CLUSTER
        q.hmp(f'qemu-io disk0 "write -P 0x{(round_no + 1) & 0xff:02x} {offset} {CLUSTER}"')
    return n * CLUSTER


class RunHelper:
    """benchmarks/bench-backup-run: AqmpBackupRun on a connected client."""

    def __init__(self, path, address, machine, db, backups, disk):
        self.proc = subprocess.Popen([path, address, machine, db, backups, disk], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        if self.proc.stdout.readline().strip() != 'READY':
            raise RuntimeError('bench-backup-run did not start')

    def run(self, level):
        self.proc.stdin.write(level + '\n')
        self.proc.stdin.flush()
        words = self.proc.stdout.readline().split()
        if not words or words[0] != 'DONE' or words[1] != 'completed':
            raise RuntimeError(f'bench-backup-run {level}: {" ".join(words)}')
        return float(words[3]), int(words[2])

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def settle(*paths):
    """Before a timed variant, untimed: what earlier variants wrote is
    synced and dropped from the page cache (the targets and backup images
    only, not the disk). Otherwise the variant that runs second in a round
    pays for it: here 1-3 s more for a full copy of 1 GiB, as its page
    cache takes fresh memory (the VM's host backs a page on first touch)
    rather than pages the kernel freed; the same copy right after the
    earlier target was deleted takes as long as the first."""
    os.sync()
    for path in paths:
        files = [path] if os.path.isfile(path) else \
            [os.path.join(top, name) for top, _, names in os.walk(path) for name in names]
        for name in files:
            fd = os.open(name, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def floor_round(q, d, size, change_no, variants, other, backups):
    """One incremental against its floor: the floor's bitmap and the
    chain's see the same 1 % of writes; @other runs the aqmp side and
    returns (seconds, bytes copied). Returns (aqmp s, floor s, ratio of
    bytes copied over bytes changed)."""
    q.cmd('block-dirty-bitmap-add', node='disk0', name='floor')
    changed = change_one_percent(q, size, change_no)
    floor_path = make_target(q, d, 'floor-target', size)
    t = {}
    for v in variants:
        settle(floor_path, backups)
        if v == 'floor':
            t['floor'], copied = timed_backup(q, f'floor-{change_no}', target='floor-target', sync='incremental',
                                              bitmap='floor')
            if copied != changed:
                print(f'NOTE backup: the floor copied {copied} bytes, {changed} changed')
        else:
            t['aqmp'], copied = other()
            t['bytes'] = copied / changed
    q.cmd('block-dirty-bitmap-remove', node='disk0', name='floor')
    drop_target(q, 'floor-target', floor_path)
    return t['aqmp'], t['floor'], t['bytes']


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('aqmp')
    ap.add_argument('--run-helper', help='benchmarks/bench-backup-run of the same build'
                    ' (default: the one of the build AQMP_TOOL is in)')
    ap.add_argument('--rounds', type=int, default=int(os.environ.get('BENCH_BACKUP_ROUNDS', '5')))
    ap.add_argument('--size-mib', type=int, default=int(os.environ.get('BENCH_BACKUP_SIZE_MIB', '1024')))
    opts = ap.parse_args()
    if opts.run_helper is None:
        build = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(opts.aqmp))))
        opts.run_helper = os.path.join(build, 'benchmarks', 'bench-backup-run')
    if shutil.which('qemu-system-x86_64') is None:
        print('NOTE backup: qemu-system-x86_64 is not installed')
        return 0
    size = opts.size_mib * MIB
    d = tempfile.mkdtemp(prefix='aqmp-bench-backup-', dir='/var/tmp')
    qemu = None
    helper = None
    try:
        mon1 = os.path.join(d, 'qmp1.sock')
        mon2 = os.path.join(d, 'qmp2.sock')
        mon3 = os.path.join(d, 'qmp3.sock')
        qemu = subprocess.Popen(['qemu-system-x86_64', '-machine', 'none', '-nodefaults', '-display', 'none',
                                 '-qmp', f'unix:{mon1},server=on,wait=off',
                                 '-chardev', f'socket,id=mon1,path={mon2},server=on,wait=off',
                                 '-mon', 'chardev=mon1,mode=control',
                                 '-chardev', f'socket,id=mon3,path={mon3},server=on,wait=off',
                                 '-mon', 'chardev=mon3,mode=control'],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        q = Qmp(mon2)
        disk = os.path.join(d, 'disk0.qcow2')
        subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', disk, str(size)], check=True)
        q.cmd('blockdev-add', driver='qcow2', **{'node-name': 'disk0'},
              file={'driver': 'file', 'filename': disk})
        chunk = min(size, 64 * MIB)
        for offset in range(0, size, chunk):
            q.hmp(f'qemu-io disk0 "write -P 0x5a {offset} {chunk}"')
        q.hmp('qemu-io disk0 "flush"')
        address = f'unix:{mon1}'
        db = os.path.join(d, 'jobs.db')
        backups = os.path.join(d, 'backups')
        common = ['--disk', 'disk0', '--to', backups, '--db', db, '--json']
        tool(opts.aqmp, 'backup', 'run', address, '--level', 'full', *common)

        helper = RunHelper(opts.run_helper, f'unix:{mon3}', address, db, backups, 'disk0')

        def process_incremental():
            elapsed, out = tool(opts.aqmp, 'backup', 'run', address, '--level', 'incremental', *common)
            end = end_line(out)
            if end.get('state') != 'completed':
                raise RuntimeError(f'incremental: {end}')
            return elapsed, end['bytes']

        inc_time, inc_bytes, proc_time, full_ratio = [], [], [], []
        for r in range(opts.rounds):
            t = {}
            # in the library, on a connected client, as the floor is
            variants = ['floor', 'aqmp'] if r % 2 == 0 else ['aqmp', 'floor']
            lib, floor, copied = floor_round(q, d, size, r, variants, lambda: helper.run('incremental'), backups)
            inc_time.append(lib / floor)
            inc_bytes.append(copied)
            print(f'NOTE backup round {r}: incremental in the library {lib * 1000:.1f} ms,'
                  f' floor {floor * 1000:.1f} ms, {size // 100 // MIB} MiB changed')
            # the whole `aqmp backup run` process, against a floor of its own
            variants = ['aqmp', 'floor'] if r % 2 == 0 else ['floor', 'aqmp']
            whole, floor, copied = floor_round(q, d, size, r + 50, variants, process_incremental, backups)
            proc_time.append(whole / floor)
            inc_bytes.append(copied)
            print(f'NOTE backup round {r}: incremental as a process {whole * 1000:.1f} ms,'
                  f' floor {floor * 1000:.1f} ms')

            # full: the same blockdev-backup through `aqmp job start`
            job_path = make_target(q, d, 'job-target', size)
            variants = ['job', 'backup'] if r % 2 == 0 else ['backup', 'job']
            for v in variants:
                settle(job_path, backups)
                if v == 'job':
                    t['job'], _ = tool(opts.aqmp, 'job', 'start', address, 'blockdev-backup',
                                       json.dumps({'device': 'disk0', 'target': 'job-target', 'sync': 'full'}),
                                       '--db', db, '--json')
                else:
                    t['backup'], out = tool(opts.aqmp, 'backup', 'run', address, '--level', 'full', *common)
                    if end_line(out).get('state') != 'completed':
                        raise RuntimeError('full backup did not complete')
            drop_target(q, 'job-target', job_path)
            full_ratio.append(t['backup'] / t['job'])
            print(f'NOTE backup round {r}: full through aqmp backup run {t["backup"] * 1000:.0f} ms,'
                  f' through aqmp job start {t["job"] * 1000:.0f} ms')
            # the next round's incremental builds on this full: prune nothing, it is small
        print(f'RESULT backup.inc.bytes_ratio {statistics.median(inc_bytes):.4f} x')
        print(f'RESULT backup.inc.time_ratio {statistics.median(inc_time):.4f} x')
        print(f'RESULT backup.inc.process_time_ratio {statistics.median(proc_time):.4f} x')
        print(f'RESULT backup.full.time_ratio {statistics.median(full_ratio):.4f} x')
        print(f'RESULT backup.size_mib {opts.size_mib} MiB')
        print(f'RESULT backup.rounds {opts.rounds} rounds')
        print('RESULT backup.available 1 bool')
        helper.close()
        helper = None
        return 0
    finally:
        if helper is not None:
            helper.proc.kill()
            helper.proc.wait()
        if qemu is not None:
            qemu.kill()
            qemu.wait()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
