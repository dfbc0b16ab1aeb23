"""TLS echo of 256 KiB with certificate verification

Reference semantics: a blocking client connects to 127.0.0.1, wraps the socket with
``ssl.create_default_context(cafile=...)`` for the server name ``localhost`` (the handshake verifies
the chain against that CA and the name against the certificate), then sends 256 KiB in 16 KiB chunks,
reading each chunk's echo back before sending the next, and gets the same bytes. The same connection
made for a name the certificate does not carry raises ``ssl.SSLCertVerificationError``. A runtime must
run the handshake and the record layer without blocking its other tasks, and must never skip or weaken
verification.
"""

from __future__ import annotations

import socket
import ssl
import time

from conformance import Context, sibling_module

PEERS = ("tls_echo",)
_tls = sibling_module(__file__, "_tls")
_errors = sibling_module(__file__, "_errors")
SIZE = _tls.SIZE
CHUNK = _tls.CHUNK  # one TLS record's worth of plaintext
WRONG_HOSTNAME = "not-the-certificate-name.invalid"
TIMEOUT_S = 10.0  # per blocking call (sync) or for the whole exchange (other styles)


def run_sync(ctx: Context) -> None:
    peer = ctx.peers["tls_echo"]
    context = ssl.create_default_context(cafile=peer.ca_pem)
    data = ctx.payload(SIZE)
    started = time.perf_counter()
    with socket.create_connection(peer.tuple, timeout=TIMEOUT_S) as raw, \
            context.wrap_socket(raw, server_hostname=peer.server_hostname) as tls:
        ctx.measure("handshake_ms", (time.perf_counter() - started) * 1000)
        _tls.check_certificate(ctx, tls.getpeercert(), peer.server_hostname)
        echo_started = time.perf_counter()
        received = _tls.echo_chunks_sync(ctx, tls, data)
        ctx.measure("mib_per_s", SIZE / 2**20 / (time.perf_counter() - echo_started))
    ctx.expect(received == data, "the echoed bytes differ from those sent")

    with ctx.expect_raises(ssl.SSLCertVerificationError), \
            socket.create_connection(peer.tuple, timeout=TIMEOUT_S) as raw:
        context.wrap_socket(raw, server_hostname=WRONG_HOSTNAME).close()


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    peer = ctx.peers["tls_echo"]
    context = ssl.create_default_context(cafile=peer.ca_pem)
    data = ctx.payload(SIZE)

    async def exchange() -> bytes:
        received = bytearray()
        started = time.perf_counter()
        with _errors.naming_missing("asyncio.open_connection(ssl=context)"):
            reader, writer = await asyncio.open_connection(
                *peer.tuple, ssl=context, server_hostname=peer.server_hostname)
        ctx.measure("handshake_ms", (time.perf_counter() - started) * 1000)
        _tls.check_certificate(ctx, writer.get_extra_info("peercert"), peer.server_hostname)
        echo_started = time.perf_counter()
        for offset in range(0, SIZE, CHUNK):
            chunk = data[offset:offset + CHUNK]
            writer.write(chunk)
            await writer.drain()
            received.extend(await reader.readexactly(len(chunk)))
        ctx.measure("mib_per_s", SIZE / 2**20 / (time.perf_counter() - echo_started))
        writer.close()
        await writer.wait_closed()
        return bytes(received)

    received = await asyncio.wait_for(exchange(), TIMEOUT_S)
    ctx.expect(received == data, "the echoed bytes differ from those sent")

    with ctx.expect_raises(ssl.SSLCertVerificationError):
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(*peer.tuple, ssl=context, server_hostname=WRONG_HOSTNAME),
            TIMEOUT_S)
        writer.close()


async def run_trio(ctx: Context) -> None:
    import trio

    peer = ctx.peers["tls_echo"]
    context = ssl.create_default_context(cafile=peer.ca_pem)
    data = ctx.payload(SIZE)
    received = bytearray()
    with trio.fail_after(TIMEOUT_S):
        started = time.perf_counter()
        tcp = await trio.open_tcp_stream(*peer.tuple)
        async with trio.SSLStream(tcp, context, server_hostname=peer.server_hostname) as tls:
            await tls.do_handshake()
            ctx.measure("handshake_ms", (time.perf_counter() - started) * 1000)
            _tls.check_certificate(ctx, tls.getpeercert(), peer.server_hostname)
            echo_started = time.perf_counter()
            for offset in range(0, SIZE, CHUNK):
                chunk = data[offset:offset + CHUNK]
                await tls.send_all(chunk)
                expected_end = len(received) + len(chunk)
                while len(received) < expected_end:
                    echoed = await tls.receive_some(expected_end - len(received))
                    ctx.expect(echoed, f"EOF before the echo of the chunk at {offset}")
                    received.extend(echoed)
            ctx.measure("mib_per_s", SIZE / 2**20 / (time.perf_counter() - echo_started))
    ctx.expect(bytes(received) == data, "the echoed bytes differ from those sent")

    # trio reports a failed handshake as BrokenResourceError, the ssl error being its __cause__.
    with trio.fail_after(TIMEOUT_S), ctx.expect_raises(trio.BrokenResourceError) as caught:
        tcp = await trio.open_tcp_stream(*peer.tuple)
        async with trio.SSLStream(tcp, context, server_hostname=WRONG_HOSTNAME) as tls:
            await tls.do_handshake()
    cause = caught[0].__cause__
    ctx.expect(isinstance(cause, ssl.SSLCertVerificationError),
               f"the handshake should fail with ssl.SSLCertVerificationError; got {cause!r}")


async def run_twisted(ctx: Context) -> None:
    from service_identity import VerificationError
    from twisted.internet import endpoints, reactor
    from twisted.internet import ssl as twisted_ssl
    from twisted.python.filepath import FilePath

    from conformance.support.net import within_twisted
    from conformance.support.twisted_streams import Stream, peer_certificate

    peer = ctx.peers["tls_echo"]
    authority = twisted_ssl.Certificate.loadPEM(FilePath(peer.ca_pem).getContent())
    data = ctx.payload(SIZE)
    host, port = peer.tuple

    def endpoint(hostname: str) -> object:
        # optionsForClientTLS verifies the chain against trustRoot and, through service_identity,
        # the certificate against the hostname.
        options = twisted_ssl.optionsForClientTLS(hostname, trustRoot=authority)
        # TCP4ClientEndpoint provides IStreamClientEndpoint through zope.interface's @implementer,
        # which mypy sees only through the mypy-zope plugin
        return endpoints.wrapClientTLS(
            options, endpoints.TCP4ClientEndpoint(reactor, host, port))  # type: ignore[arg-type]

    async def exchange() -> bytes:
        received = bytearray()
        started = time.perf_counter()
        stream = await endpoints.connectProtocol(endpoint(peer.server_hostname), Stream())
        try:
            await stream.handshake()  # IHandshakeListener.handshakeCompleted
            ctx.measure("handshake_ms", (time.perf_counter() - started) * 1000)
            _tls.check_certificate(ctx, peer_certificate(stream.transport), peer.server_hostname)
            echo_started = time.perf_counter()
            for offset in range(0, SIZE, CHUNK):
                chunk = data[offset:offset + CHUNK]
                stream.transport.write(chunk)
                echoed = await stream.read_exactly(len(chunk))
                ctx.expect_equal(len(echoed), len(chunk), f"bytes echoed of the chunk at {offset}")
                received.extend(echoed)
            ctx.measure("mib_per_s", SIZE / 2**20 / (time.perf_counter() - echo_started))
        finally:
            await stream.close()
        return bytes(received)

    received = await within_twisted(TIMEOUT_S, exchange())
    ctx.expect(received == data, "the echoed bytes differ from those sent")

    async def wrong_name() -> None:
        stream = await endpoints.connectProtocol(endpoint(WRONG_HOSTNAME), Stream())
        try:
            await stream.handshake()
        finally:
            await stream.close()

    # Twisted fails the verification of the name with service_identity's VerificationError, the
    # reason of connectionLost (TLSMemoryBIOProtocol.failVerification).
    with ctx.expect_raises(VerificationError):
        await within_twisted(TIMEOUT_S, wrong_name())
