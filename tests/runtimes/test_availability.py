"""Runtime availability (conformance._runtimes), decided for another platform from its marker
environment."""

from __future__ import annotations

import pytest

from conformance._runtimes import (
    RuntimeUnavailable,
    UnknownRuntime,
    availability,
    get_runtime,
)

Environment = dict[str, str]


# -- runtime availability on another platform -----------------------------------------------------


def test_uvloop_is_unavailable_on_windows(windows_environment: Environment,
                                          macos_environment: Environment) -> None:
    found = availability(get_runtime("uvloop"), windows_environment)
    assert not found.available
    assert found.version is None
    assert found.reason == "uvloop does not run on win32 (it installs where sys_platform != 'win32')"
    assert availability(get_runtime("uvloop"), macos_environment).available


def test_winloop_is_available_on_windows_only(windows_environment: Environment,
                                              linux_environment: Environment) -> None:
    on_windows = availability(get_runtime("winloop"), windows_environment)
    assert on_windows.available
    assert on_windows.version is None  # what is installed on another machine is not known here
    on_linux = availability(get_runtime("winloop"), linux_environment)
    assert not on_linux.available
    assert on_linux.reason == "winloop does not run on linux (it installs where sys_platform == 'win32')"


def test_standard_library_runtimes_run_everywhere(windows_environment: Environment) -> None:
    for name in ("threads", "asyncio"):
        found = availability(get_runtime(name), windows_environment)
        assert (found.available, found.version) == (True, "3.12.4")


def test_unknown_runtime_lists_the_known_ones() -> None:
    with pytest.raises(UnknownRuntime) as caught:
        get_runtime("curio")
    assert caught.value.name == "curio"
    assert str(caught.value) == ("unknown runtime 'curio'; the runtimes are: threads, gevent, "
                                 "gevent-ares, gevent-dnspython, gevent-libuv, eventlet, asyncio, uvloop, "
                                 "winloop, rloop, trio, twisted, "
                                 "twisted-asyncio")
    assert not isinstance(caught.value, RuntimeUnavailable)  # a usage error, not "not installed"
