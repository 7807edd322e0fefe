"""AqmpJobRunner from Python: a backup held on purpose, then released;
notify::fraction rising to 1; the job's history read back from the store;
a job cancelled while held."""
import os

from gi.repository import AqmpJobs, GLib

from conftest import hold_add, hold_release, obj, py, qmp, run_loop, wait_until

MIB = 1024 * 1024


def make_runner(client, qemu, tmpdir_path):
    store = AqmpJobs.JobStore.new(os.path.join(tmpdir_path, 'jobs.db'))
    runner = AqmpJobs.JobRunner.new(client, store, qemu.address)
    runner.set_poll_interval(20)
    return runner, store


def test_backup_progress_and_history(client, qemu, tmpdir_path):
    runner, store = make_runner(client, qemu, tmpdir_path)
    qmp(client, 'blockdev-add', {'driver': 'null-co', 'node-name': 'src', 'size': 64 * MIB})
    hold_add(client, 'tgt', 64 * MIB)
    job = runner.start_sync('blockdev-backup', obj({'device': 'src', 'target': 'tgt', 'sync': 'full'}),
                            AqmpJobs.JobStartFlags.NONE, None)
    fractions = []
    job.connect('notify::fraction', lambda j, pspec: fractions.append(j.get_fraction()))
    assert job.get_command() == 'blockdev-backup'
    assert job.get_id().startswith('aqmp-')

    # held: it has moved (the first request went through) and stays running
    wait_until(lambda: job.get_current_progress() > 0)
    assert not job.is_ended()
    assert job.get_status() == AqmpJobs.JobStatus.RUNNING
    assert 0 < job.get_fraction() < 1

    hold_release(client, 'tgt')
    loop = GLib.MainLoop()
    outcome = []

    def waited(j, res):
        outcome.append(j.wait_finish(res))
        loop.quit()

    job.wait_async(None, waited)
    run_loop(loop)
    assert outcome == [True]
    assert job.get_result() == AqmpJobs.JobResult.SUCCESS
    assert job.get_job_type() == 'backup'
    # rising, never falling, to 1
    assert len(fractions) >= 2
    assert all(b >= a for a, b in zip(fractions, fractions[1:]))
    assert fractions[-1] == 1.0

    # the history, from the store
    record = store.find_job(qemu.address, job.get_id())
    assert record.get_command() == 'blockdev-backup'
    assert record.get_result() == AqmpJobs.JobResult.SUCCESS
    assert not record.is_active()
    assert py(record.get_arguments())['target'] == 'tgt'
    transitions = [t['status'] for t in py_array(store.get_transitions(record.get_row()))]
    assert 'running' in transitions and transitions[-1] in ('concluded', 'null')
    listed = store.list_jobs(qemu.address, False)
    assert [r.get_job_id() for r in listed] == [job.get_id()]


def py_array(array):
    from gi.repository import Json
    n = Json.Node.new(Json.NodeType.ARRAY)
    n.set_array(array)
    return py(n)


def test_cancel_held_job(client, qemu, tmpdir_path):
    runner, store = make_runner(client, qemu, tmpdir_path)
    qmp(client, 'blockdev-add', {'driver': 'null-co', 'node-name': 'src', 'size': 64 * MIB})
    hold_add(client, 'tgt', 64 * MIB)
    job = runner.start_sync('blockdev-backup', obj({'device': 'src', 'target': 'tgt', 'sync': 'full'}),
                            AqmpJobs.JobStartFlags.NONE, None)
    wait_until(lambda: job.get_current_progress() > 0)
    runner.control_sync(job.get_id(), AqmpJobs.JobAction.CANCEL, None)
    # a cancel takes effect once the held requests go
    hold_release(client, 'tgt')
    try:
        job.wait_sync(None)
    except GLib.Error as e:
        assert e.matches(AqmpJobs.JobError.quark(), AqmpJobs.JobError.CANCELLED)
        assert e.domain == 'aqmp-job-error-quark'
    else:
        raise AssertionError('a cancelled job waited without an error')
    assert job.get_result() == AqmpJobs.JobResult.CANCELLED
    record = store.find_job(qemu.address, job.get_id())
    assert record.get_result() == AqmpJobs.JobResult.CANCELLED
