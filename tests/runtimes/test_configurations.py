"""Runtimes that are configurations of another (gevent-ares, gevent-dnspython, gevent-libuv): each child
gets its configuration's variables and no other, the configuration really takes (the hub has the
resolver and loop it names), and one gevent does not support or cannot load is ``unavailable`` with
gevent's reason, never measured as plain gevent under another name. Real children, real gevent.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from importlib import metadata

import pytest

from conformance._model.outcomes import Outcome
from conformance._model.scenarios import Scenario
from conformance._parent.cells import CellRunner
from conformance._runtimes import RUNTIMES, Runtime, availability, get_runtime

ScenarioFactory = Callable[..., Scenario]  # the write_scenario fixture (conftest.py)

CONFIGURATIONS = [name for name, runtime in RUNTIMES.items() if runtime.environment]

# A body that measures which resolver and loop its hub has, and what configuration it was given.
HUB = '''
"""Which resolver and loop the hub has."""

import os

def run_sync(ctx):
    import gevent
    hub = gevent.get_hub()
    ctx.measure("ares_resolver", type(hub.resolver).__module__ == "gevent.resolver.ares")
    ctx.measure("thread_resolver", type(hub.resolver).__module__ == "gevent.resolver.thread")
    ctx.measure("libuv_loop", type(hub.loop).__module__.startswith("gevent.libuv."))
    ctx.measure("user_variable_seen", "GEVENT_THREADPOOL" in os.environ)
'''


def test_the_configurations_are_gevents_and_listed_beside_it() -> None:
    assert CONFIGURATIONS == ["gevent-ares", "gevent-dnspython", "gevent-libuv"]
    names = list(RUNTIMES)
    assert names[names.index("gevent") + 1:names.index("gevent") + 4] == CONFIGURATIONS
    for name in CONFIGURATIONS:
        runtime = get_runtime(name)
        assert (runtime.family, runtime.style, runtime.configuration_of, runtime.repro_name) == \
            ("gevent", "sync", "gevent", "gevent")
        assert [r.split("[")[0].split(">")[0] for r in runtime.requirements] == ["gevent"]
        # the child gets the whole description, variables included
        assert Runtime.from_json(runtime.to_json()) == runtime


def test_a_process_gets_its_configurations_variables_and_no_others() -> None:
    inherited = {"PATH": "/bin", "GEVENT_RESOLVER": "block", "GEVENT_LOOP": "libev-cffi",
                 "EVENTLET_HUB": "poll"}
    assert get_runtime("gevent").process_environment(inherited) == {"PATH": "/bin"}
    assert get_runtime("gevent-libuv").process_environment(inherited) == {"PATH": "/bin",
                                                                          "GEVENT_LOOP": "libuv"}
    assert get_runtime("gevent-ares").process_environment(inherited) == {"PATH": "/bin",
                                                                         "GEVENT_RESOLVER": "ares"}


needs_gevent = pytest.mark.skipif(not availability(get_runtime("gevent")).available,
                                  reason="gevent is not installed (pip install 'conformance[gevent]')")


@needs_gevent
@pytest.mark.parametrize(("name", "ares", "thread", "libuv"), [
    ("gevent", False, True, sys.platform == "win32"),  # libuv is gevent's default loop on Windows
    ("gevent-ares", True, False, sys.platform == "win32"),
    ("gevent-libuv", False, True, True),
])
def test_each_configuration_takes_in_its_child(write_scenario: ScenarioFactory,
                                               monkeypatch: pytest.MonkeyPatch, name: str, ares: bool,
                                               thread: bool, libuv: bool) -> None:
    # A user's own configuration never reaches a cell: it would measure another runtime.
    monkeypatch.setenv("GEVENT_RESOLVER", "block")
    monkeypatch.setenv("GEVENT_LOOP", "libev-cffi")
    cell = CellRunner().run(write_scenario("hub", HUB), get_runtime(name))
    assert cell.outcome is Outcome.PASS, f"{cell.reason}\n{cell.details}"
    assert cell.measurements == {"ares_resolver": ares, "thread_resolver": thread, "libuv_loop": libuv,
                                 "user_variable_seen": False}


@needs_gevent
@pytest.mark.parametrize(("variable", "what"), [("GEVENT_RESOLVER", "resolver"), ("GEVENT_LOOP", "hub")])
def test_a_configuration_gevent_cannot_load_is_unavailable_with_its_reason(
        write_scenario: ScenarioFactory, variable: str, what: str) -> None:
    bogus = replace(get_runtime("gevent-ares"), name="gevent-bogus", environment=((variable, "no_such"),))
    cell = CellRunner().run(write_scenario("hub", HUB), bogus)
    assert cell.outcome is Outcome.UNAVAILABLE
    assert cell.reason.startswith(f"gevent cannot make its {what} with {variable}=no_such: ImportError: "
                                  "Cannot import 'no_such'"), cell.reason


@needs_gevent
@pytest.mark.skipif(sys.version_info < (3, 10), reason="gevent supports its dnspython resolver before 3.10")
def test_gevents_dnspython_resolver_is_unavailable_where_gevent_does_not_support_it(
        write_scenario: ScenarioFactory) -> None:
    # gevent's own [dnspython] extra installs dnspython < 2.0 only on Python < 3.10 (its docs/install.rst:
    # "not compatible with Python 3.10+ or dnspython 2"); with dnspython 2 every lookup of a name outside
    # /etc/hosts fails with EAI_AGAIN, which no cell may present as a finding about names.
    found = availability(get_runtime("gevent-dnspython"))
    assert not found.available
    assert found.reason == (
        f"gevent {metadata.version('gevent')} does not support its [dnspython] extra here: it installs "
        'dnspython<2.0,>=1.16.0, idna only where python_version < "3.10"')
    cell = CellRunner().run(write_scenario("hub", HUB), get_runtime("gevent-dnspython"))
    assert (cell.outcome, cell.reason) == (Outcome.UNAVAILABLE, found.reason)
