"""STARTTLS: upgrade an open plain connection to TLS

Reference semantics: a blocking client speaks a plain line protocol (``HELLO`` answered ``HELLO``,
``STARTTLS`` answered ``READY``), then wraps the very same socket with
``ssl.create_default_context(cafile=...).wrap_socket(sock, server_hostname="localhost")``: the handshake
runs over the existing connection and verifies the certificate, and the connection then echoes 256 KiB
(16 KiB chunks, each echo read before the next chunk is sent) encrypted. SMTP, IMAP, POP3, LDAP, XMPP
and PostgreSQL all upgrade this way: a runtime must be able to start TLS on a connection it already
drives, without losing a byte at the switch or stalling its other tasks.
"""

from __future__ import annotations

import socket
import ssl
import time

from conformance import Context, sibling_module

PEERS = ("starttls",)
_tls = sibling_module(__file__, "_tls")
_errors = sibling_module(__file__, "_errors")
SIZE = _tls.SIZE
CHUNK = _tls.CHUNK
TIMEOUT_S = 10.0  # per blocking call (sync) or for the whole exchange (other styles)


def run_sync(ctx: Context) -> None:
    from conformance.support.net import recv_exactly

    peer = ctx.peers["starttls"]
    context = ssl.create_default_context(cafile=peer.ca_pem)
    data = ctx.payload(SIZE)
    with socket.create_connection(peer.tuple, timeout=TIMEOUT_S) as sock:
        # The peer answers one line at a time and waits for the next: reading a line's length is
        # reading exactly that line, and nothing of the TLS stream can be read ahead by mistake.
        for line, answer in ((b"HELLO\n", b"HELLO\n"), (b"STARTTLS\n", b"READY\n")):
            sock.sendall(line)
            ctx.expect_equal(recv_exactly(sock, len(answer)), answer, f"the answer to {line!r}")
        started = time.perf_counter()
        with context.wrap_socket(sock, server_hostname=peer.server_hostname) as tls:
            ctx.measure("handshake_ms", (time.perf_counter() - started) * 1000)
            _tls.check_certificate(ctx, tls.getpeercert(), peer.server_hostname)
            received = _tls.echo_chunks_sync(ctx, tls, data)
    ctx.expect(received == data, "the echoed bytes differ from those sent")


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    peer = ctx.peers["starttls"]
    context = ssl.create_default_context(cafile=peer.ca_pem)
    data = ctx.payload(SIZE)
    loop = asyncio.get_running_loop()

    class Client(asyncio.Protocol):
        """Collects what arrives; the same protocol serves before and after the upgrade."""

        def __init__(self) -> None:
            self.buffer = bytearray()
            self.eof = False
            self.changed = asyncio.Event()

        def data_received(self, data: bytes) -> None:
            self.buffer.extend(data)
            self.changed.set()

        def eof_received(self) -> bool:
            self.eof = True
            self.changed.set()
            return False

        def connection_lost(self, exc: Exception | None) -> None:
            self.eof = True
            self.changed.set()

        async def read_exactly(self, size: int) -> bytes:
            while len(self.buffer) < size and not self.eof:
                self.changed.clear()
                await self.changed.wait()
            result = bytes(self.buffer[:size])
            del self.buffer[:size]
            return result

    async def exchange() -> bytes:
        received = bytearray()
        transport, client = await loop.create_connection(Client, *peer.tuple)
        try:
            for line, answer in ((b"HELLO\n", b"HELLO\n"), (b"STARTTLS\n", b"READY\n")):
                transport.write(line)
                ctx.expect_equal(await client.read_exactly(len(answer)), answer,
                                 f"the answer to {line!r}")
            started = time.perf_counter()
            with _errors.naming_missing("loop.start_tls"):
                tls = await loop.start_tls(transport, client, context,
                                           server_hostname=peer.server_hostname)
            ctx.measure("handshake_ms", (time.perf_counter() - started) * 1000)
            if tls is None:
                raise AssertionError("loop.start_tls returned no transport")
            transport = tls  # it now owns the plain one: closing it closes both
            _tls.check_certificate(ctx, transport.get_extra_info("peercert"), peer.server_hostname)
            for offset in range(0, SIZE, CHUNK):
                chunk = data[offset:offset + CHUNK]
                transport.write(chunk)
                echoed = await client.read_exactly(len(chunk))
                ctx.expect_equal(len(echoed), len(chunk), f"bytes echoed of the chunk at {offset}")
                received.extend(echoed)
        finally:
            transport.close()
        return bytes(received)

    received = await asyncio.wait_for(exchange(), TIMEOUT_S)
    ctx.expect(received == data, "the echoed bytes differ from those sent")


async def run_trio(ctx: Context) -> None:
    import trio

    from conformance.support.net import receive_exactly_trio

    peer = ctx.peers["starttls"]
    context = ssl.create_default_context(cafile=peer.ca_pem)
    data = ctx.payload(SIZE)
    received = bytearray()

    with trio.fail_after(TIMEOUT_S):
        tcp = await trio.open_tcp_stream(*peer.tuple)
        async with tcp:
            for line, answer in ((b"HELLO\n", b"HELLO\n"), (b"STARTTLS\n", b"READY\n")):
                await tcp.send_all(line)
                ctx.expect_equal(await receive_exactly_trio(tcp, len(answer)), answer,
                                 f"the answer to {line!r}")
            started = time.perf_counter()
            tls = trio.SSLStream(tcp, context, server_hostname=peer.server_hostname)
            await tls.do_handshake()
            ctx.measure("handshake_ms", (time.perf_counter() - started) * 1000)
            _tls.check_certificate(ctx, tls.getpeercert(), peer.server_hostname)
            for offset in range(0, SIZE, CHUNK):
                chunk = data[offset:offset + CHUNK]
                await tls.send_all(chunk)
                echoed = await receive_exactly_trio(tls, len(chunk))
                ctx.expect_equal(len(echoed), len(chunk), f"bytes echoed of the chunk at {offset}")
                received.extend(echoed)
            await tls.aclose()
    ctx.expect(bytes(received) == data, "the echoed bytes differ from those sent")


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import endpoints, reactor
    from twisted.internet import ssl as twisted_ssl
    from twisted.python.filepath import FilePath

    from conformance.support.net import within_twisted
    from conformance.support.twisted_streams import Stream, peer_certificate

    peer = ctx.peers["starttls"]
    authority = twisted_ssl.Certificate.loadPEM(FilePath(peer.ca_pem).getContent())
    data = ctx.payload(SIZE)
    host, port = peer.tuple

    async def exchange() -> bytes:
        received = bytearray()
        endpoint = endpoints.TCP4ClientEndpoint(reactor, host, port)
        stream = await endpoints.connectProtocol(endpoint, Stream())
        try:
            for line, answer in ((b"HELLO\n", b"HELLO\n"), (b"STARTTLS\n", b"READY\n")):
                stream.transport.write(line)
                ctx.expect_equal(await stream.read_exactly(len(answer)), answer,
                                 f"the answer to {line!r}")
            started = time.perf_counter()
            # ITLSTransport.startTLS: the same connection and protocol, now through TLS.
            stream.transport.startTLS(
                twisted_ssl.optionsForClientTLS(peer.server_hostname, trustRoot=authority))
            await stream.handshake()  # IHandshakeListener.handshakeCompleted
            ctx.measure("handshake_ms", (time.perf_counter() - started) * 1000)
            _tls.check_certificate(ctx, peer_certificate(stream.transport), peer.server_hostname)
            for offset in range(0, SIZE, CHUNK):
                chunk = data[offset:offset + CHUNK]
                stream.transport.write(chunk)
                echoed = await stream.read_exactly(len(chunk))
                ctx.expect_equal(len(echoed), len(chunk), f"bytes echoed of the chunk at {offset}")
                received.extend(echoed)
        finally:
            await stream.close()
        return bytes(received)

    received = await within_twisted(TIMEOUT_S, exchange())
    ctx.expect(received == data, "the echoed bytes differ from those sent")
