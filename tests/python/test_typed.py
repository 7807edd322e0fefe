"""The typed QMP layer (AqmpQmp, generated from QEMU 7.2's schema) and
the backup library's catalog, from Python."""
import os

import gi
gi.require_version('AqmpQmp', '1.0')
gi.require_version('AqmpBackup', '1.0')
from gi.repository import AqmpBackup, AqmpJobs, AqmpQmp, GLib  # noqa: E402

from conftest import run_loop  # noqa: E402


def test_typed_query_status_sync(client):
    status = AqmpQmp.query_status_sync(client, None)
    assert isinstance(status, AqmpQmp.StatusInfo)
    assert status.running is True
    assert AqmpQmp.stop_sync(client, None)
    status = AqmpQmp.query_status_sync(client, None)
    assert status.running is False


def test_typed_query_status_async(client):
    loop = GLib.MainLoop()
    got = []

    def done(source, res):
        got.append(AqmpQmp.query_status_finish(source, res))
        loop.quit()

    AqmpQmp.query_status_async(client, None, done)
    run_loop(loop)
    assert got[0].running is True


def test_typed_layer_knows_its_qemu():
    assert AqmpQmp.get_qemu_version() == '7.2'
    assert 'query-status' in AqmpQmp.get_commands()


def test_backup_catalog_on_a_store(tmpdir_path):
    store = AqmpJobs.JobStore.new(os.path.join(tmpdir_path, 'jobs.db'))
    catalog = AqmpBackup.BackupCatalog.new(store)
    assert catalog.get_store() == store
