"""Waiting on a slow peer does not stall other tasks.

Reference semantics: a blocking client sends a line to a peer that answers 300 ms later and waits for
the answer in ``recv``; the thread sleeps in the kernel while every other thread keeps running. A
cooperative runtime must likewise park only the waiting task: if the wait blocks the whole scheduler
(an unpatched socket, a blocking call on the event loop), every other task of the program freezes for
as long as the slowest peer takes. The heartbeat must keep ticking (outcome ``pass``, not ``blocking``)
and the answer must be the line sent. ``answer_ms`` is the time from sending to the whole answer.
"""

from __future__ import annotations

import socket
import time

from conformance import Context

PEERS = ("slow_echo",)
TIMEOUT_S = 15.0
# A runtime that blocks while it waits stalls its scheduler for the peer's whole 300 ms delay (measured:
# 296-301 ms with an unpatchable socket under gevent, eventlet, asyncio, uvloop, rloop and trio). Half
# of that keeps the verdict clear of the ~100 ms gaps a heavily loaded 2-core machine adds by itself.
STALL_LIMIT_MS = 150.0
LINE = b"are you there?\n"
IO_TIMEOUT_S = 5.0


def _check(ctx: Context, answer: bytes, elapsed_s: float) -> None:
    answer_ms = elapsed_s * 1000.0
    ctx.measure("answer_ms", answer_ms)
    ctx.expect_equal(answer, LINE, "the slow peer's answer")
    delay_ms = float(ctx.peers["slow_echo"].delay_s) * 1000.0
    ctx.expect(answer_ms >= delay_ms,
               f"the answer came after {answer_ms:.1f} ms, before the peer's {delay_ms:.0f} ms delay")


def run_sync(ctx: Context) -> None:
    with socket.create_connection(ctx.peers["slow_echo"].tuple, timeout=IO_TIMEOUT_S) as sock:
        started = time.perf_counter()
        sock.sendall(LINE)
        answer = bytearray()
        while not answer.endswith(b"\n"):
            chunk = sock.recv(1024)
            if not chunk:
                break
            answer += chunk
        elapsed = time.perf_counter() - started
    _check(ctx, bytes(answer), elapsed)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(*ctx.peers["slow_echo"].tuple), IO_TIMEOUT_S)
    try:
        started = time.perf_counter()
        writer.write(LINE)
        await asyncio.wait_for(writer.drain(), IO_TIMEOUT_S)
        answer = await asyncio.wait_for(reader.readline(), IO_TIMEOUT_S)
        elapsed = time.perf_counter() - started
    finally:
        writer.close()
        await asyncio.wait_for(writer.wait_closed(), IO_TIMEOUT_S)
    _check(ctx, answer, elapsed)


async def run_trio(ctx: Context) -> None:
    import trio

    with trio.fail_after(IO_TIMEOUT_S):
        stream = await trio.open_tcp_stream(*ctx.peers["slow_echo"].tuple)
    async with stream:
        started = time.perf_counter()
        answer = bytearray()
        with trio.fail_after(IO_TIMEOUT_S):
            await stream.send_all(LINE)
            while not answer.endswith(b"\n"):
                chunk = await stream.receive_some(1024)
                if not chunk:
                    break
                answer += chunk
        elapsed = time.perf_counter() - started
    _check(ctx, bytes(answer), elapsed)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import endpoints, reactor

    from conformance.support.net import within_twisted
    from conformance.support.twisted_streams import Stream

    host, port = ctx.peers["slow_echo"].tuple
    endpoint = endpoints.TCP4ClientEndpoint(reactor, host, port)
    stream = await within_twisted(IO_TIMEOUT_S, endpoints.connectProtocol(endpoint, Stream()))
    try:
        started = time.perf_counter()
        stream.transport.write(LINE)
        answer = await within_twisted(IO_TIMEOUT_S, stream.read_until(b"\n"))
        elapsed = time.perf_counter() - started
    finally:
        await stream.close()
    _check(ctx, answer, elapsed)
