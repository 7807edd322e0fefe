"""libaqmp-qapi from Python: the live schema, entries that keep their
schema alive (boxed types), and validation errors as GLib.Error."""
import gc

from gi.repository import Aqmp, AqmpQapi, GLib
import pytest

from conftest import obj


def test_schema_from_qemu(client):
    schema = AqmpQapi.Schema.load_sync(client, None, None)
    assert schema.is_complete()
    entry = schema.lookup_command('blockdev-backup')
    assert entry.get_kind() == AqmpQapi.SchemaKind.COMMAND
    args = entry.get_arg_type()
    names = [args.get_member(i).get_name() for i in range(args.get_n_members())]
    assert {'device', 'target', 'sync'} <= set(names)
    member = args.lookup_member('sync')
    assert member.get_type_entry().get_kind() == AqmpQapi.SchemaKind.ENUM
    assert 'query-status' in [e.get_name() for e in schema.list_commands()]


def test_entries_keep_their_schema(client):
    schema = AqmpQapi.Schema.load_sync(client, None, None)
    entry = schema.lookup_command('query-status')
    member = schema.lookup_command('blockdev-backup').get_arg_type().lookup_member('device')
    del schema
    gc.collect()
    # a copy holds a reference to the schema: still readable
    assert entry.get_name() == 'query-status'
    assert member.get_name() == 'device'


def test_validator_refuses_before_sending(client):
    schema = AqmpQapi.Schema.load_sync(client, None, None)
    validator = AqmpQapi.SchemaValidator.new(schema)
    assert validator.check('query-status', None)
    with pytest.raises(GLib.Error) as info:
        validator.check('blockdev-backup', obj({'device': 'x'}))
    assert info.value.matches(Aqmp.error_quark(), Aqmp.Error.INVALID)
    validator.attach(client)
    with pytest.raises(GLib.Error) as info:
        client.execute_sync('query-statuss', None, None)
    assert info.value.matches(Aqmp.error_quark(), Aqmp.Error.INVALID)
    assert 'query-status' in info.value.message
    AqmpQapi.SchemaValidator.detach(client)
