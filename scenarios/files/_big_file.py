"""Shared by files.naive_read and files.offload_read: the 512 MiB file (written, synced and evicted from
the page cache), its chunk-by-chunk verification, and the checks of a read."""

from __future__ import annotations

import mmap
import os
import sys
from pathlib import Path

from conformance import Context

MIB = 1024 * 1024
SIZE_MIB = 512


def stamp(index: int) -> bytes:
    return index.to_bytes(8, "little")


# fcntl's F_NOCACHE (macOS), where this Python's fcntl lacks the name (PyPy): bsd/sys/fcntl.h.
DARWIN_F_NOCACHE = 48


def eviction() -> str | None:
    """How this platform keeps the file out of the page cache, or None where Python cannot.

    Linux (and other POSIX systems with it): ``posix_fadvise(POSIX_FADV_DONTNEED)`` after the write.
    macOS: ``fcntl(F_NOCACHE)`` on the writing descriptor, with page-aligned buffers (xnu writes around
    its cache only from aligned buffers at aligned offsets: bsd/vfs/vfs_cluster.c). Windows has only
    ``FILE_FLAG_NO_BUFFERING``, which ``open()`` cannot pass and whose sector-aligned transfers Python's
    file objects cannot make.
    """
    if hasattr(os, "posix_fadvise"):
        return "posix_fadvise"
    if sys.platform == "darwin":
        return "F_NOCACHE"
    return None


def write_file(ctx: Context) -> tuple[Path, bytes]:
    """Write the file, sync it and keep it out of the page cache; return its path and the part every
    MiB shares (each MiB is its index as 8 bytes, then that tail, so a misplaced MiB is detected).

    Where the file cannot be kept out of the page cache the cell is ``skipped``: a read from memory
    takes about 100 ms (90-101 ms measured for 512 MiB), as long as the stalls a loaded machine causes
    by itself, so whether a runtime blocks would be decided by noise, not by the runtime.
    """
    how = eviction()
    if how is None:
        raise ctx.skip(f"{sys.platform} offers Python no way to keep the file out of the page cache "
                       "(no posix_fadvise or F_NOCACHE; FILE_FLAG_NO_BUFFERING needs CreateFile and "
                       "sector-aligned I/O): the read would come from memory in about 100 ms, as short "
                       "as the stalls of a loaded machine, so the verdict would be noise")
    path = ctx.tmpdir / "big.bin"
    tail = ctx.payload(MIB - 8)
    # An anonymous mapping is page-aligned, as macOS needs for a write that bypasses its cache.
    chunk = mmap.mmap(-1, MIB)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o600)
    try:
        # The platform tests, first so that mypy reads them, change nothing: eviction() picks F_NOCACHE
        # on macOS only, and posix_fadvise only where os has it (on neither macOS nor Windows).
        if sys.platform != "win32" and how == "F_NOCACHE":
            import fcntl

            fcntl.fcntl(fd, getattr(fcntl, "F_NOCACHE", DARWIN_F_NOCACHE), 1)
        chunk[8:] = tail
        for index in range(SIZE_MIB):
            chunk[:8] = stamp(index)
            with memoryview(chunk) as whole:
                written = 0
                while written < MIB:
                    written += os.write(fd, whole[written:])
        os.fsync(fd)
        if sys.platform != "win32" and sys.platform != "darwin" and how == "posix_fadvise":
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)
        chunk.close()
    ctx.measure("evicted", 1)
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
