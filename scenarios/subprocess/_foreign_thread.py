"""For subprocess.spawn_from_foreign_thread: an OS thread that no runtime made or can patch.

A C extension's callback thread or a database driver's thread is created by C code
(``pthread_create``, ``CreateThread``) and enters Python through a callback: the callback takes the GIL
and gets a thread state of its own (``PyGILState_Ensure``), and ``threading`` sees a "dummy" thread.
``ctypes`` does exactly that for a ``CFUNCTYPE`` callback called from a thread it did not make, so a
thread started here is what such a library's thread is to the runtime: ``threading.Thread`` (a
greenlet under gevent and eventlet), a runtime's thread pool and its hooks are not involved.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable
from typing import Any

# The ctypes callbacks of the threads started: a callback must outlive the thread that runs it, to its
# very last instruction, which nothing here can observe; a cell's process starts one or two.
_CALLBACKS: list[Any] = []


class ForeignThread:
    """A native thread running ``target`` (which must not raise), detached as a library's threads often
    are: it ends on its own when ``target`` returns, and nobody joins it (the caller waits for what
    ``target`` hands back, with its own bound)."""

    def __init__(self, target: Callable[[], None]) -> None:
        self._target = target
        if sys.platform == "win32":
            kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
            callback = ctypes.WINFUNCTYPE(ctypes.c_uint32, ctypes.c_void_p)(self._run_win32)
            _CALLBACKS.append(callback)
            kernel32.CreateThread.restype = ctypes.c_void_p
            kernel32.CreateThread.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p,
                                              ctypes.c_void_p, ctypes.c_uint32, ctypes.c_void_p)
            handle = kernel32.CreateThread(None, 0, ctypes.cast(callback, ctypes.c_void_p), None, 0, None)
            if not handle:
                raise OSError(ctypes.get_last_error(), "CreateThread failed")
            kernel32.CloseHandle(ctypes.c_void_p(handle))
        else:
            libc = ctypes.CDLL(None)
            start_routine = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p)
            libc.pthread_create.argtypes = (ctypes.POINTER(ctypes.c_void_p), ctypes.c_void_p,
                                            start_routine, ctypes.c_void_p)
            libc.pthread_detach.argtypes = (ctypes.c_void_p,)
            callback = start_routine(self._run_posix)
            _CALLBACKS.append(callback)
            handle = ctypes.c_void_p()
            error = libc.pthread_create(ctypes.byref(handle), None, callback, None)
            if error:
                raise OSError(error, "pthread_create failed")
            libc.pthread_detach(handle)

    def _run_posix(self, _argument: Any) -> None:
        self._target()

    def _run_win32(self, _argument: Any) -> int:
        self._target()
        return 0
