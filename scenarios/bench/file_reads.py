"""Offloaded file reads: 256 files of 1 MiB read concurrently off the event loop, MiB/s.

The files are written first (and so read from the page cache: this measures the offloading, not the
disk). Each style offloads the way its users would: a ``ThreadPoolExecutor`` of 8 workers for sync code
(real threads; under gevent and eventlet the patched threads are greenlets, so the reads take turns on
the one OS thread), ``asyncio.to_thread`` for each file (the loop's default executor),
``trio.to_thread.run_sync`` for each file (trio's default limit of 40 threads), ``deferToThread`` for
each file (the reactor's thread pool of 10) in Twisted. A pass over all the files takes a few tens of
milliseconds, so passes repeat for a fixed window (0.8 s) and ``mib_per_s`` counts every byte read in
it; a warm-up pass over a tenth of the files comes first.
"""

from __future__ import annotations

import time
from pathlib import Path

from conformance import Context

TIMEOUT_S = 120.0
FILE_SIZE = 1024 * 1024
POOL_WORKERS = 8


def _files(ctx: Context) -> list[Path]:
    count: int = ctx.bench.scale(256, 32)
    block = ctx.payload(FILE_SIZE)
    paths = [ctx.tmpdir / f"file-{n}.bin" for n in range(count)]
    for path in paths:
        path.write_bytes(block)
    return paths


def _window(ctx: Context) -> float:
    return 2 * float(ctx.bench.duration_s)


def _read(path: Path) -> int:
    with open(path, "rb") as f:
        return len(f.read())


def _record(ctx: Context, sizes: list[int], seconds: float) -> None:
    ctx.expect(sizes == [FILE_SIZE] * len(sizes), "a file read back short")
    ctx.measure("mib_per_s", len(sizes) * FILE_SIZE / 2**20 / seconds)


def run_sync(ctx: Context) -> None:
    from concurrent.futures import ThreadPoolExecutor

    paths = _files(ctx)
    with ThreadPoolExecutor(max_workers=POOL_WORKERS) as pool:
        list(pool.map(_read, paths[: len(paths) // 10]))
        sizes: list[int] = []
        started = time.perf_counter()
        while time.perf_counter() - started < _window(ctx):
            sizes += pool.map(_read, paths)
        _record(ctx, sizes, time.perf_counter() - started)


async def run_asyncio(ctx: Context) -> None:
    import asyncio

    paths = _files(ctx)
    await asyncio.gather(*(asyncio.to_thread(_read, p) for p in paths[: len(paths) // 10]))
    sizes: list[int] = []
    started = time.perf_counter()
    while time.perf_counter() - started < _window(ctx):
        sizes += await asyncio.gather(*(asyncio.to_thread(_read, p) for p in paths))
    _record(ctx, sizes, time.perf_counter() - started)


async def run_trio(ctx: Context) -> None:
    import trio

    paths = _files(ctx)
    sizes: list[int] = []

    async def read(path: Path) -> None:
        sizes.append(await trio.to_thread.run_sync(_read, path))

    async def one_pass(paths: list[Path]) -> None:
        async with trio.open_nursery() as nursery:
            for path in paths:
                nursery.start_soon(read, path)

    await one_pass(paths[: len(paths) // 10])
    sizes.clear()
    started = time.perf_counter()
    while time.perf_counter() - started < _window(ctx):
        await one_pass(paths)
    _record(ctx, sizes, time.perf_counter() - started)


async def run_twisted(ctx: Context) -> None:
    from twisted.internet import defer, threads

    paths = _files(ctx)
    await defer.gatherResults([threads.deferToThread(_read, p) for p in paths[: len(paths) // 10]])
    sizes: list[int] = []
    started = time.perf_counter()
    while time.perf_counter() - started < _window(ctx):
        sizes += await defer.gatherResults([threads.deferToThread(_read, p) for p in paths])
    _record(ctx, sizes, time.perf_counter() - started)
