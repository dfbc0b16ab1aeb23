"""The database servers of a run (conformance._parent.servers, conformance._helpers.servers): started once on
first use by the cells that name them in SERVERS, shared, stopped and removed at the end or when the run
dies; a server that cannot start makes its cells `skipped` with the reason, and the run goes on.

Real servers, from the system's packages (Redis starts in a tenth of a second, PostgreSQL in about one);
a test whose server is not installed here is skipped, naming the package.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conformance._helpers import servers as helper
from conformance._model.outcomes import Outcome
from conformance._model.scenarios import Scenario, ScenarioError
from conformance._parent.cells import CellRunner
from conformance._parent.servers import Servers
from conformance._runtimes import get_runtime

ScenarioFactory = Callable[..., Scenario]

needs_redis = pytest.mark.skipif(shutil.which("redis-server") is None,
                                 reason="Redis's server is not installed here (apt-get install redis-server)")
needs_postgresql = pytest.mark.skipif(not Path("/usr/lib/postgresql").is_dir() and not shutil.which("initdb"),
                                      reason="PostgreSQL's server is not installed here (apt-get install "
                                             "postgresql)")
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="the servers are started on Linux and macOS")

REDIS_SCENARIO = '''
    """A scenario that asks Redis for PING over a plain socket."""
    import socket

    SERVERS = ("redis",)

    def _ping(ctx):
        server = ctx.servers["redis"]
        with socket.create_connection((server.host, server.port), timeout=5) as sock:
            sock.sendall(b"PING\\r\\n")
            ctx.expect_equal(sock.recv(64), b"+PONG\\r\\n", "Redis's answer")

    def run_sync(ctx):
        _ping(ctx)

    async def run_asyncio(ctx):
        _ping(ctx)

    async def run_trio(ctx):
        _ping(ctx)

    async def run_twisted(ctx):
        _ping(ctx)
'''


@pytest.fixture
def server_folder() -> Iterator[Path]:
    """A folder the servers' unprivileged user can reach (pytest's tmp_path is root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="cf-test-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@posix_only
@needs_redis
def test_a_server_starts_once_for_every_cell_that_names_it_and_is_gone_after_the_run(
        write_scenario: ScenarioFactory) -> None:
    scenario = write_scenario("redis_ping", REDIS_SCENARIO, area="libraries")
    assert scenario.servers == ("redis",)
    with CellRunner() as runner:
        first = runner.run(scenario, get_runtime("threads"))
        second = runner.run(scenario, get_runtime("asyncio"))
        [server] = runner.servers.started()
        folder = Path(server.address["log"]).parent
        assert folder.is_dir()
    assert (first.outcome, second.outcome) == (Outcome.PASS, Outcome.PASS), (first.reason, second.reason)
    # The cell that started it says what the start cost; the next one paid nothing.
    assert float(first.details["redis_start_s"]) == server.start_s > 0
    assert "redis_start_s" not in second.details
    assert server.process is not None and server.process.poll() is not None
    assert not folder.exists(), "the server's throwaway folder is removed at the end of the run"


@posix_only
@needs_redis
def test_the_server_stops_when_its_run_dies_however_it_dies(server_folder: Path) -> None:
    # The helper keeps its server until its stdin closes: the parent closes it at the end, and the OS
    # closes it when the parent is killed. Here the "parent" is this test holding the pipe.
    helper_process = subprocess.Popen([sys.executable, "-m", "conformance._helpers.servers", "redis",
                                       "--dir", str(server_folder / "server")], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, text=True)
    assert helper_process.stdout is not None and helper_process.stdin is not None
    address = json.loads(helper_process.stdout.readline())
    with socket.create_connection(("127.0.0.1", address["port"]), timeout=5) as sock:
        sock.sendall(b"PING\r\n")
        assert sock.recv(64) == b"+PONG\r\n"
    helper_process.stdin.close()  # what the kernel does for a parent killed with SIGKILL
    assert helper_process.wait(30) == 0
    helper_process.stdout.close()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", address["port"]), timeout=2):
        pass
    assert not (server_folder / "server").exists()


@posix_only
def test_a_missing_server_skips_its_cells_naming_what_to_install(write_scenario: ScenarioFactory,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # No redis-server on the helper's PATH: the cell is skipped with the reason, and the runner goes on.
    monkeypatch.setenv("PATH", "/nonexistent")
    scenario = write_scenario("redis_missing", REDIS_SCENARIO, area="libraries")
    with CellRunner() as runner:
        cells = [runner.run(scenario, get_runtime(name)) for name in ("threads", "asyncio")]
    for cell in cells:
        assert cell.outcome is Outcome.SKIPPED
        assert "no redis server: Redis's server is not installed" in cell.reason
        assert "apt-get install redis-server" in cell.reason


@posix_only
@needs_redis
def test_a_port_already_taken_is_said_in_the_reason(server_folder: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        monkeypatch.setattr(helper, "free_port", lambda: taken.getsockname()[1])
        account = helper.Account.for_servers()
        account.own(server_folder)
        with pytest.raises(helper.ServerUnavailable, match="redis-server exited with status") as raised:
            helper.start_redis(server_folder, account)
    assert "Address already in use" in str(raised.value)


@posix_only
@needs_postgresql
def test_a_broken_data_folder_is_said_in_the_reason_and_the_folder_removed(server_folder: Path) -> None:
    folder = server_folder / "server"
    folder.mkdir()
    (folder / "data").write_text("not a folder")  # initdb cannot make its data folder here
    done = subprocess.run([sys.executable, "-m", "conformance._helpers.servers", "postgresql", "--dir",
                           str(folder)], input="", capture_output=True, text=True, timeout=120, check=True)
    answer = json.loads(done.stdout.splitlines()[0])
    assert answer["unavailable"].startswith("initdb failed with status"), answer
    assert not folder.exists()


@posix_only
@needs_postgresql
def test_postgresql_runs_as_an_unprivileged_user_and_answers() -> None:
    with Servers() as servers:
        server, first = servers.get("postgresql")
        assert first and not server.unavailable, server.unavailable
        assert servers.get("postgresql") == (server, False)
        variables = servers.environment(["postgresql"])
        assert isinstance(variables, dict)
        assert variables["CONFORMANCE_POSTGRESQL_PORT"] == str(server.address["port"])
        psql = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin/psql"))), None) \
            or shutil.which("psql")
        if psql is not None:
            done = subprocess.run([str(psql), "-h", "127.0.0.1", "-p", str(server.address["port"]), "-U",
                                   "postgres", "-AtXc", "SELECT current_setting('data_directory')"],
                                  capture_output=True, text=True, timeout=30, check=True)
            owner = Path(done.stdout.strip()).stat().st_uid
            assert owner != 0 or os.geteuid() != 0, "as root, the data folder belongs to an unprivileged user"


def test_servers_must_be_known_and_configurations_must_be_a_bool(write_scenario: ScenarioFactory) -> None:
    with pytest.raises(ScenarioError, match="unknown server"):
        write_scenario("unknown_server", '"""x."""\nSERVERS = ("oracle",)\ndef run_sync(ctx): pass\n')
    with pytest.raises(ScenarioError, match="CONFIGURATIONS is True or False"):
        write_scenario("bad_configurations", '"""x."""\nCONFIGURATIONS = "no"\ndef run_sync(ctx): pass\n')


def test_a_configuration_is_skipped_where_the_scenario_says_configurations_change_nothing(
        write_scenario: ScenarioFactory) -> None:
    scenario = write_scenario("no_configurations", '''
        """Configurations change nothing here."""
        CONFIGURATIONS = False

        def run_sync(ctx):
            pass
    ''')
    with CellRunner() as runner:
        configuration = runner.run(scenario, get_runtime("gevent-libuv"))
        base = runner.run(scenario, get_runtime("threads"))
    assert configuration.outcome is Outcome.SKIPPED
    assert "the gevent column answers for it" in configuration.reason
    assert base.outcome is Outcome.PASS


def test_a_library_that_is_not_installed_makes_the_cell_unavailable(write_scenario: ScenarioFactory) -> None:
    scenario = write_scenario("missing_library", '''
        """A body whose library is not installed."""

        def run_sync(ctx):
            try:
                import no_such_driver  # noqa: F401
            except ImportError as exc:
                raise ctx.unavailable(f"no_such_driver is not installed: {exc}") from None
    ''')
    with CellRunner() as runner:
        cell = runner.run(scenario, get_runtime("threads"))
    assert cell.outcome is Outcome.UNAVAILABLE
    assert cell.reason.startswith("no_such_driver is not installed")
