"""Shared by files.naive_read and files.offload_read: the 512 MiB file (written, synced and evicted from
the page cache), its chunk-by-chunk verification, and the checks of a read."""

from __future__ import annotations

import os
from pathlib import Path

from conformance import Context

MIB = 1024 * 1024
SIZE_MIB = 512


def stamp(index: int) -> bytes:
    return index.to_bytes(8, "little")


def write_file(ctx: Context) -> tuple[Path, bytes]:
    """Write the file, sync it and drop it from the page cache; return its path and the part every MiB
    shares (each MiB is its index as 8 bytes, then that tail, so a misplaced MiB is detected)."""
    path = ctx.tmpdir / "big.bin"
    tail = ctx.payload(MIB - 8)
    with open(path, "wb") as f:
        for index in range(SIZE_MIB):
            f.write(stamp(index))
            f.write(tail)
        f.flush()
        os.fsync(f.fileno())
        evicted = hasattr(os, "posix_fadvise")
        if evicted:
            os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
    ctx.measure("evicted", int(evicted))
    return path, tail


def chunk_ok(chunk: bytes, index: int, tail: bytes) -> bool:
    # startswith at an offset compares in place (memcmp), without copying the chunk
    return len(chunk) == MIB and chunk.startswith(stamp(index)) and chunk.startswith(tail, 8)


def read(path: Path, tail: bytes) -> tuple[int, int | None]:
    """The blocking read: (chunks read, index of the first wrong chunk or None)."""
    chunks, first_bad = 0, None
    with open(path, "rb") as f:
        while chunk := f.read(MIB):
            if first_bad is None and not chunk_ok(chunk, chunks, tail):
                first_bad = chunks
            chunks += 1
    return chunks, first_bad


def check(ctx: Context, chunks: int, first_bad: int | None, elapsed_s: float) -> None:
    ctx.measure("read_ms", elapsed_s * 1000.0)
    ctx.measure("mib_per_s", SIZE_MIB / max(elapsed_s, 1e-9))
    ctx.expect_equal(chunks, SIZE_MIB, "1 MiB chunks read")
    ctx.expect(first_bad is None, f"MiB #{first_bad} of the file read back differs from the one written")
