"""examples/python/ and the session in docs/python.md, run against real
QEMU."""
import os
import re
import select
import subprocess
import sys

from conftest import WAIT_S, py, new_client

ROOT = os.environ.get('AQMP_SOURCE_ROOT', os.path.join(os.path.dirname(__file__), '..', '..'))
EXAMPLES = os.path.join(ROOT, 'examples', 'python')
MIB = 1024 * 1024


def env_with_state(tmpdir_path):
    env = dict(os.environ)
    # the job store's default path is under XDG_STATE_HOME
    env['XDG_STATE_HOME'] = os.path.join(tmpdir_path, 'state')
    return env


def null_disks(size=64 * MIB):
    return ['-blockdev', f'null-co,node-name=src,size={size}',
            '-blockdev', f'null-co,node-name=tgt,size={size}']


def test_backup_example(qemu_factory, tmpdir_path):
    q = qemu_factory(extra=null_disks())
    out = subprocess.run([sys.executable, os.path.join(EXAMPLES, 'backup.py'), q.address, 'src', 'tgt'],
                         capture_output=True, text=True, timeout=WAIT_S, env=env_with_state(tmpdir_path))
    assert out.returncode == 0, out.stderr
    last = out.stdout.rstrip('\n').split('\n')
    assert re.fullmatch(r'aqmp-\S+: success', last[-1])
    bar = last[-2].split('\r')[-1]
    assert bar.endswith('[' + '#' * 30 + '] 100.0%')
    assert os.path.exists(os.path.join(tmpdir_path, 'state', 'aqmp', 'jobs.db'))


def test_event_logger_example(qemu_factory):
    from gi.repository import Aqmp
    qemu = qemu_factory(monitors=2)
    client = new_client()
    client.connect_sync(qemu.addresses[1], None)
    logger = subprocess.Popen([sys.executable, os.path.join(EXAMPLES, 'event_logger.py'), qemu.address, '2'],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([logger.stdout], [], [], WAIT_S)
        assert ready
        assert logger.stdout.readline().startswith('listening to unix:')
        client.execute_sync('stop', None, None)
        client.execute_sync('cont', None, None)
        out, err = logger.communicate(timeout=WAIT_S)
    finally:
        if logger.poll() is None:
            logger.kill()
            logger.wait()
    assert logger.returncode == 0, err
    lines = out.splitlines()
    assert len(lines) == 2
    assert re.fullmatch(r'\d\d:\d\d:\d\d STOP', lines[0].strip())
    assert re.fullmatch(r'\d\d:\d\d:\d\d RESUME', lines[1].strip())
    client.disconnect_sync(None)


def read_session():
    """The pycon block of docs/python.md: what is typed, and what is shown."""
    text = open(os.path.join(ROOT, 'docs', 'python.md')).read()
    block = re.search(r'```pycon\n(.*?)```', text, re.S).group(1)
    typed, shown = [], []
    for line in block.splitlines():
        if line.startswith('>>> ') or line.startswith('... ') or line == '...':
            typed.append(line[4:])
        else:
            shown.append(line)
    return typed, shown


def test_python_md_session(qemu_factory, tmpdir_path):
    q = qemu_factory(extra=null_disks())
    typed, shown = read_session()
    session = '\n'.join(typed).replace('unix:/tmp/vm0.sock', q.address) + '\n'
    out = subprocess.run([sys.executable, '-q', '-i'], input=session, capture_output=True, text=True,
                         timeout=WAIT_S, env=env_with_state(tmpdir_path))
    assert 'Traceback' not in out.stderr, out.stderr
    assert out.returncode == 0
    # what a terminal would show: the last state of each redrawn line
    # less the progress bar's redraws (how many depends on the speed)
    stdout = re.sub(r'\r\[[# ]{30}\] *\d+%', '', out.stdout)
    got = stdout.splitlines()
    # the QEMU 7.2 package may differ in its micro version
    norm = [re.sub(r'micro=\d+', 'micro=N', line) for line in got]
    want = [re.sub(r'micro=\d+', 'micro=N', line) for line in shown]
    assert norm == want
