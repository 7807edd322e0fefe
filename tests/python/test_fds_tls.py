"""Passing file descriptors (Gio.UnixFDList, add-fd) and TLS to a QEMU
with x509 credentials made here with openssl."""
import os
import socket
import subprocess

from gi.repository import Aqmp, Gio, GLib
import pytest

from conftest import WAIT_S, obj, py, new_client

OPENSSL = os.environ.get('AQMP_TEST_OPENSSL', 'openssl')


def pipe_fd_list():
    r, w = os.pipe()
    fds = Gio.UnixFDList.new()
    fds.append(r)
    os.close(r)
    return fds, w


def test_add_fd(client):
    fds, w = pipe_fd_list()
    try:
        added = py(client.execute_with_fds_sync('add-fd', obj({'opaque': 'from python'}),
                                                fds, Aqmp.ExecuteFlags.NONE, -1, None))
    finally:
        os.close(w)
    assert 'fdset-id' in added and 'fd' in added
    fdsets = py(client.execute_sync('query-fdsets', None, None))
    mine = [s for s in fdsets if s['fdset-id'] == added['fdset-id']]
    assert mine and mine[0]['fds'][0]['fd'] == added['fd']
    assert mine[0]['fds'][0]['opaque'] == 'from python'
    client.execute_sync('remove-fd', obj({'fdset-id': added['fdset-id']}), None)


def test_getfd_async(client):
    fds, w = pipe_fd_list()
    loop = GLib.MainLoop()
    got = []

    def done(c, res):
        got.append(c.execute_finish(res))
        loop.quit()

    client.execute_with_fds_async('getfd', obj({'fdname': 'fd0'}), fds,
                                  Aqmp.ExecuteFlags.NONE, -1, None, done)
    from conftest import run_loop
    run_loop(loop)
    os.close(w)
    client.execute_sync('closefd', obj({'fdname': 'fd0'}), None)
    # it was there: a second closefd finds nothing
    with pytest.raises(GLib.Error) as info:
        client.execute_sync('closefd', obj({'fdname': 'fd0'}), None)
    assert info.value.matches(Aqmp.error_quark(), Aqmp.Error.COMMAND)


# ----- TLS -----

def openssl(d, *args):
    subprocess.run([OPENSSL] + list(args), cwd=d, check=True, capture_output=True, timeout=WAIT_S)


def make_certificates(d):
    ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
    openssl(d, 'req', '-x509', *ec, '-keyout', 'ca-key.pem', '-out', 'ca-cert.pem', '-days', '2',
            '-subj', '/CN=aqmp python CA', '-addext', 'basicConstraints=critical,CA:TRUE',
            '-addext', 'keyUsage=critical,keyCertSign,cRLSign')
    for name, cn, ext in (('server', 'localhost',
                           'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n'),
                          ('client', 'aqmp-client', 'extendedKeyUsage=clientAuth\n')):
        with open(os.path.join(d, name + '.ext'), 'w') as f:
            f.write(ext)
        openssl(d, 'req', *ec, '-keyout', f'{name}-key.pem', '-out', f'{name}.csr', '-subj', f'/CN={cn}')
        openssl(d, 'x509', '-req', '-in', f'{name}.csr', '-CA', 'ca-cert.pem', '-CAkey', 'ca-key.pem',
                '-CAcreateserial', '-out', f'{name}-cert.pem', '-days', '2', '-extfile', f'{name}.ext')


@pytest.fixture
def tls_qemu(qemu_factory, tmpdir_path):
    certs = os.path.join(tmpdir_path, 'certs')
    os.makedirs(certs)
    make_certificates(certs)
    # the TLS monitor listens on a loopback port before QEMU starts
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(('127.0.0.1', 0))
    listener.listen(4)
    port = listener.getsockname()[1]
    fd = listener.fileno()
    q = qemu_factory(extra=['-object', f'tls-creds-x509,id=t0,dir={certs},endpoint=server,verify-peer=on',
                            '-chardev', f'socket,id=m0,fd={fd},server=on,wait=off,tls-creds=t0',
                            '-mon', 'chardev=m0,mode=control'],
                     pass_fds=(fd,), name='tls')
    listener.close()
    q.tls_address = f'tls:127.0.0.1:{port}'
    q.certs = certs
    return q


def test_tls_with_client_certificate(tls_qemu):
    client = new_client()
    client.set_connect_timeout(int(WAIT_S * 1000))
    client.set_tls_ca_file(os.path.join(tls_qemu.certs, 'ca-cert.pem'))
    assert client.set_tls_certificate_files(os.path.join(tls_qemu.certs, 'client-cert.pem'),
                                            os.path.join(tls_qemu.certs, 'client-key.pem'))
    client.connect_sync(tls_qemu.tls_address, None)
    assert py(client.execute_sync('query-status', None, None))['status'] == 'running'
    client.disconnect_sync(None)


def test_tls_refused_without_the_ca(tls_qemu):
    client = new_client()
    client.set_connect_timeout(int(WAIT_S * 1000))
    # the system's CAs do not know this server
    with pytest.raises(GLib.Error):
        client.connect_sync(tls_qemu.tls_address, None)
    assert client.get_state() == Aqmp.State.IDLE


def test_tls_refused_without_a_client_certificate(tls_qemu):
    # verify-peer=on: QEMU wants a certificate its CA signed
    client = new_client()
    client.set_connect_timeout(int(WAIT_S * 1000))
    client.set_tls_ca_file(os.path.join(tls_qemu.certs, 'ca-cert.pem'))
    with pytest.raises(GLib.Error):
        client.connect_sync(tls_qemu.tls_address, None)
    assert client.get_state() == Aqmp.State.IDLE
