// GJS smoke test: connect to a real QEMU, execute, receive an event.
// Prints TAP. Every wait is bounded by a timeout that fails the test.
imports.gi.versions.Aqmp = '1.0';
imports.gi.versions.Json = '1.0';
const {Aqmp, Gio, GLib, Json} = imports.gi;

const WAIT_MS = 30000;
const qemuPath = GLib.getenv('AQMP_TEST_QEMU') || 'qemu-system-x86_64';
const dir = GLib.dir_make_tmp('aqmp-gjs-XXXXXX');
const socketPath = GLib.build_filenamev([dir, 'qmp.sock']);

// QEMU takes the listening socket as fd 3, so connecting needs no wait
const listener = Gio.Socket.new(Gio.SocketFamily.UNIX, Gio.SocketType.STREAM,
                                Gio.SocketProtocol.DEFAULT);
listener.bind(Gio.UnixSocketAddress.new(socketPath), true);
listener.listen();
const fds = Gio.UnixFDList.new();
fds.append(listener.get_fd());
const [dup] = fds.steal_fds();
const launcher = Gio.SubprocessLauncher.new(Gio.SubprocessFlags.NONE);
launcher.unsetenv('MALLOC_PERTURB_');
launcher.unsetenv('MALLOC_CHECK_');
launcher.take_fd(dup, 3);
const qemu = launcher.spawnv([qemuPath, '-machine', 'none', '-nodefaults', '-display', 'none',
    '-chardev', 'socket,id=qmp,fd=3,server=on,wait=off', '-mon', 'chardev=qmp,mode=control']);
listener.close();

const loop = GLib.MainLoop.new(null, false);
let failed = null;
let n = 0;
const steps = [];
function ok(cond, name) {
    n++;
    print(`${cond ? 'ok' : 'not ok'} ${n} ${name}`);
    if (!cond && failed === null)
        failed = name;
}
const timeout = GLib.timeout_add(GLib.PRIORITY_DEFAULT, WAIT_MS, () => {
    failed = 'timed out';
    loop.quit();
    return GLib.SOURCE_REMOVE;
});

// QEMU is reaped whatever happens
try {
    print('1..4');
    const client = Aqmp.Client.new();
    client.connect('event::STOP', (c, ev) => {
        ok(ev.get_name() === 'STOP', 'event::STOP on a signal handler');
        loop.quit();
    });
    client.connect_async(`unix:${socketPath}`, null, (c, res) => {
        try {
            ok(c.connect_finish(res) && c.get_state() === Aqmp.State.RUNNING, 'connect');
            c.execute_async('query-status', null, null, (c2, res2) => {
                try {
                    const status = c2.execute_finish(res2).get_object();
                    ok(status.get_string_member('status') === 'running', 'execute query-status');
                    c2.execute_async('stop', null, null, (c3, res3) => {
                        c3.execute_finish(res3);
                    });
                } catch (e) {
                    ok(false, `execute: ${e.message}`);
                    loop.quit();
                }
            });
        } catch (e) {
            ok(false, `connect: ${e.message}`);
            loop.quit();
        }
    });
    loop.run();
    GLib.source_remove(timeout);

    // an error reply, as a GLib.Error with its QMP class
    try {
        client.execute_sync('no-such-command', null, null);
        ok(false, 'error reply');
    } catch (e) {
        ok(e.matches(Aqmp.error_quark(), Aqmp.Error.COMMAND) &&
           Aqmp.error_get_qmp_class(e) === 'CommandNotFound', 'error reply with its QMP class');
    }
    client.disconnect_sync(null);
} finally {
    qemu.force_exit();
    qemu.wait(null);
}
GLib.unlink(socketPath);
GLib.rmdir(dir);
if (failed !== null) {
    printerr(`failed: ${failed}`);
    imports.system.exit(1);
}
