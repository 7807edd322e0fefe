#!/usr/bin/env python3
"""Back up a block node with aqmp's job runner, with a progress bar.

usage: backup.py QMP-ADDRESS DEVICE TARGET    (e.g. unix:/run/vm0/qmp.sock src tgt)"""
import json
import sys
import gi
gi.require_version('Aqmp', '1.0')
gi.require_version('AqmpJobs', '1.0')
gi.require_version('Json', '1.0')
from gi.repository import Aqmp, AqmpJobs, GLib, Json

address, device, target = sys.argv[1:4]
client = Aqmp.Client.new()
client.connect_sync(address, None)
store = AqmpJobs.JobStore.new(AqmpJobs.JobStore.get_default_path())
runner = AqmpJobs.JobRunner.new(client, store, address)

def show(job, _pspec):
    bar = '#' * int(job.get_fraction() * 30)
    print(f'\r{job.get_id()} [{bar:<30}] {job.get_fraction() * 100:5.1f}%', end='', flush=True)

args = Json.from_string(json.dumps({'device': device, 'target': target, 'sync': 'full'}))
job = runner.start_sync('blockdev-backup', args.get_object(), AqmpJobs.JobStartFlags.NONE, None)
job.connect('notify::fraction', show)
show(job, None)
loop = GLib.MainLoop()
job.wait_async(None, lambda j, res: (j.wait_finish(res), loop.quit()))
loop.run()
print(f'\n{job.get_id()}: {AqmpJobs.job_result_to_string(job.get_result())}')
