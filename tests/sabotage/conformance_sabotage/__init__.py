"""Deliberately broken runtimes, for the project's tests only: each is a built-in runtime of one style with
one defect of the kind real runtimes have had (data corrupted on its way in, errors that lose their
type, a worker pool that runs its work on the scheduler's own thread, signals that never reach the
program, a resolver of its own, children spawned through the shell...).

They come in as any installed package's runtimes do: through the ``conformance.runtimes`` entry point
(``runtimes`` below), each described by a :class:`conformance._runtimes.Runtime` naming its family
module (``conformance_sabotage._sync``, ``._asyncio``, ``._trio``, ``._twisted``), whose ``setup()``
sets the built-in runtime up and then applies the defect. ``tests/test_sabotage.py`` runs every scenario
a sabotage is meant to break under it and checks that each (scenario, style) has one that turns it
non-pass: a scenario that no plausible defect can fail is a scenario that proves nothing.

This module is imported by the child before the runtime is set up: light imports only.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance import Runtime

__version__ = "0.1.0"
DISTRIBUTION = "conformance-sabotage"

# The built-in runtime each style's sabotages start from, and its family module in this package.
BASES = {"sync": "threads", "asyncio": "asyncio", "trio": "trio", "twisted": "twisted"}
REQUIREMENTS = {
    "sync": (DISTRIBUTION,),
    "asyncio": (DISTRIBUTION,),
    "trio": (DISTRIBUTION, "trio>=0.25"),
    "twisted": (DISTRIBUTION, "twisted[tls]>=24.7"),
}


@dataclass(frozen=True)
class Sabotage:
    """One broken runtime: its style, what is wrong with it, and the scenarios it is meant to break."""

    defect: str  # the runtime is named sabotage-<style>-<defect>
    style: str
    what: str
    breaks: tuple[str, ...]
    needs: tuple[str, ...] = ()  # requirements beyond the style's (a runtime the defect is built on)

    @property
    def name(self) -> str:
        return f"sabotage-{self.style}-{self.defect}"

    @property
    def base(self) -> str:
        return BASES[self.style]

    @property
    def runtime(self) -> Runtime:
        return Runtime(self.name, self.style, "sabotage", f"{BASES[self.style]} with a defect: {self.what}",
                       requirements=(*REQUIREMENTS[self.style], *self.needs),
                       family_module_name=f"conformance_sabotage._{self.style}")


SOCKET_DATA = ("sockets.concurrent_clients", "sockets.half_close", "sockets.starttls", "sockets.tcp_echo",
               "sockets.tcp6_echo", "sockets.unix_echo", "sockets.udp_empty_datagram",
               "sockets.udp_roundtrip", "sockets.udp_sendto_name", "sockets.udp_own_socket",
               "sockets.adopt_accepted")
CHILD_OUTPUT = ("subprocess.communicate_16mib", "subprocess.concurrent_children",
                "subprocess.grandchild_holds_pipe", "subprocess.heartbeat_wait_and_pipes",
                "subprocess.run_capture", "subprocess.stderr_merged_env_cwd", "subprocess.stdin_roundtrip",
                "subprocess.run_defaults", "subprocess.pipesize", "subprocess.spawn_stdio_closed",
                "subprocess.spawn_from_foreign_thread")
RESOLVER = ("dns.aaaa_only", "dns.concurrent_slow_lookups", "dns.flags", "dns.idn", "dns.idn_eszett",
            "dns.invalid_names", "dns.many_addresses", "dns.nxdomain", "dns.resolve_local", "dns.reverse",
            "dns.servfail", "dns.timeout", "dns.idn_symbol", "dns.legacy_lookups", "dns.lookup_storm",
            "dns.connect_several_addresses")
SIGNALS = ("signals.burst_coalescing", "signals.handler_raises", "signals.latency_busy",
           "signals.sigchld_style_handler", "signals.interrupt_main", "signals.ctrl_c_program",
           "signals.sigchld_after_spawn", "signals.sigchld_subprocess", "signals.sigint_idle",
           "signals.sigint_in_recv", "signals.sigterm_handler")



def _library_rows(rows: tuple[str, ...], operations: tuple[str, ...] = ("slow", "concurrent", "timeout",
                                                                           "failures")) -> tuple[str, ...]:
    """The libraries area's scenarios of ``rows`` (``postgresql_pg8000``) for ``operations``."""
    return tuple(f"libraries.{row}_{operation}" for row in rows for operation in operations)


# The libraries area's rows by how a runtime can break them: blocking libraries that wait in Python
# sockets, blocking libraries that wait in C, asyncio libraries on asyncio's transports, psycopg's async
# API (libpq does its I/O; the loop only watches the descriptor).
PURE_PYTHON_LIBRARIES = ("postgresql_pg8000", "redis_redispy", "redis_hiredis", "mariadb_pymysql",
                         "http_requests", "http_httpx")
C_LIBRARIES = ("postgresql_psycopg", "postgresql_psycopg2", "postgresql_psycopg2wait", "mariadb_mysqlclient",
               "http_pycurl")
TRANSPORT_LIBRARIES = ("postgresql_asyncpg", "redis_asyncio", "mariadb_aiomysql", "http_aiohttp",
                       "http_httpxasync")
# A blocking library under an event loop runs offloaded to the style's threads (its timeout there is a
# known deviation of every loop: not run).
OFFLOADED = _library_rows(PURE_PYTHON_LIBRARIES + C_LIBRARIES, ("slow", "concurrent", "failures"))

SABOTAGES = (
    # -- sync: the standard library patched in setup(), as gevent and eventlet patch it ------------------
    Sabotage("data", "sync", "socket reads invert the first byte of each chunk, and an empty datagram is "
             "never handed on", (*SOCKET_DATA, "sockets.sendfile", "sockets.sendfile_stream")),
    Sabotage("errors", "sync", "socket and TLS errors are re-raised as a plain OSError with the message "
             "alone (the subclass and errno are lost)",
             ("sockets.connect_refused", "sockets.peer_reset", "sockets.recv_timeout", "sockets.tls_echo",
              "sockets.write_after_reset", "sockets.default_timeout", "sockets.connect_timeout")),
    Sabotage("blocking", "sync", "setblocking(True) changes only the socket object's timeout: the descriptor "
             "stays O_NONBLOCK (as a hub that waits on every socket keeps it)", ("sockets.blocking_flag",)),
    Sabotage("nonblock", "sync", "a socket made with SOCK_NONBLOCK in its type is taken for a blocking one: "
             "its timeout is the default (as gevent's and eventlet's sockets set theirs), so a recv with "
             "nothing pending waits for data", ("sockets.nonblocking_recv",)),
    Sabotage("badfd", "sync", "select.poll leaves a descriptor the OS reports invalid (POLLNVAL) out of its "
             "result: a closed descriptor is never reported", ("sockets.poll_closed_fd",)),
    Sabotage("xlist", "sync", "select.select waits on its read and write lists only, as a hub's readiness "
             "watchers do: an exceptional condition (urgent data) is never reported",
             ("sockets.urgent_data",)),
    Sabotage("abort", "sync", "closing a stream socket resets the connection (SO_LINGER 0: the peer gets "
             "a RST, not a FIN)", ("sockets.client_close",)),
    Sabotage("nodelay", "sync", "connecting a TCP socket sets TCP_NODELAY 1 on it, over the program's own "
             "choice", ("sockets.connection_defaults",)),
    Sabotage("gil", "sync", "os.read, a socket's waits for data (recv, recv_into) and gethostbyname keep the "
             "GIL while they wait (a C extension without Py_BEGIN_ALLOW_THREADS)",
             ("sockets.cancel_blocked", "sockets.slow_peer", "files.pipe_cooperative_read",
              "dns.slow_lookup_heartbeat", "dns.resolve_timeout", *_library_rows(PURE_PYTHON_LIBRARIES))),
    Sabotage("hub", "sync", "gevent's monkey-patching with select left alone: threads and sockets are green, "
             "and a library that waits in C, or in the real select(), holds every other thread",
             _library_rows(C_LIBRARIES), needs=("gevent>=23",)),
    Sabotage("files", "sync", "open() of a path in binary mode gives a file object of its own: it takes a "
             "read shorter than asked for the end of the file (and reads 1 KiB at a time), writes at most "
             "64 KiB of each write (reporting it all written), and a failed open loses the filename",
             ("files.fifo_slow_writer", "files.many_small_offloaded_reads", "files.naive_read",
              "files.no_fd_leaks", "files.offload_read", "files.offload_write_fsync", "files.open_errors")),
    Sabotage("sqlite", "sync", "sqlite3.connect ignores the busy timeout: a locked database fails at once",
             ("files.sqlite_locked_direct", "files.sqlite_locked_offload")),
    Sabotage("pipes", "sync", "subprocess.Popen of its own, whose pipes from the child invert the first "
             "byte of each read, whose pipe to the child drops a write into a pipe whose reader has gone as "
             "if it were written, and which ignores pipesize",
             ("subprocess.write_to_exited_child",
              *CHILD_OUTPUT, "subprocess.pass_fds_close_fds", "subprocess.spawn_from_thread",
              "subprocess.wait_grandchild_holds_pipe", "subprocess.text_mode")),
    Sabotage("spawn", "sync", "children are started through /bin/sh (a missing program is the shell's exit "
             "status 127), and a child killed by signal N is reported as 128+N",
             ("subprocess.failed_spawn_leaks_nothing", "subprocess.missing_executable",
              "subprocess.terminate_returncode", "subprocess.wait_timeout_kill")),
    Sabotage("waits", "sync", "Popen.wait(timeout) polls the child once a second, so a timeout runs out on "
             "the next whole second", ("subprocess.wait_cancelled",)),
    Sabotage("resolver", "sync", "getaddrinfo, getnameinfo and gethostbyname_ex go through a resolver of its "
             "own (IPv4 only, flags ignored, IDNA 2008 unmapped, the first address only, every failure "
             "EAI_FAIL, no reverse names, one answer buffer for every thread)", RESOLVER),
    Sabotage("signals", "sync", "signal.signal keeps the handler in a table of its own for a dispatcher that "
             "never runs (the OS gets a no-op handler, SIGINT's included), and accepts a handler from any "
             "thread", (*SIGNALS, "signals.handler_from_thread")),
    Sabotage("reaper", "sync", "a SIGCHLD handler installed at set-up reaps every child of the process with "
             "waitpid(-1), as libev's does, and subprocess's waits take their child's status from it: a "
             "child spawned elsewhere loses its status, and a wait hangs once the program resets SIGCHLD",
             ("subprocess.waitpid_own_child", "signals.sigchld_default_then_spawn")),
    # -- asyncio: a subclass of the standard library's loop, installed through an event loop policy ------
    Sabotage("data", "asyncio", "the transports of sockets, pipes and datagrams, sock_recv and "
             "sock_recvfrom invert the first byte of each chunk, and an empty datagram is never delivered",
             (*SOCKET_DATA, "sockets.sendfile", "sockets.sendfile_stream", "sockets.slow_peer",
              "sockets.blocking_flag", "files.fifo_slow_writer",
              "files.pipe_cooperative_read", *CHILD_OUTPUT, "subprocess.pass_fds_close_fds",
              "subprocess.terminate_returncode",
              *_library_rows(tuple(row for row in TRANSPORT_LIBRARIES if row != "postgresql_asyncpg")))),
    Sabotage("errors", "asyncio", "errors of connections, of the executor's work and of a reset connection "
             "reach the program as a plain OSError with the message alone, and a write to a pipe whose "
             "reader has gone raises a RuntimeError of the transport's own",
             ("subprocess.write_to_exited_child",
              "sockets.connect_refused", "sockets.peer_reset", "sockets.tls_echo", "files.no_fd_leaks",
              "files.open_errors", "sockets.write_after_reset")),
    Sabotage("abort", "asyncio", "closing a connection resets it (SO_LINGER 0 on every connection's socket: "
             "the peer gets a RST, not a FIN)", ("sockets.client_close",)),
    Sabotage("cancel", "asyncio", "a task cancelled while it waits in sock_accept gets (None, None) instead "
             "of the CancelledError", ("sockets.cancel_blocked",)),
    Sabotage("badfd", "asyncio", "add_reader and add_writer ignore the selector's refusal of a descriptor: a "
             "closed one is taken silently and never reported", ("sockets.poll_closed_fd",)),
    Sabotage("nonblock", "asyncio", "the runtime patches the socket module under its loop (as a green "
             "runtime's asyncio hub does): a socket the program makes with SOCK_NONBLOCK in its type is "
             "taken for a blocking one, so a recv in a reader callback waits for data",
             ("sockets.nonblocking_recv",)),
    Sabotage("inline", "asyncio", "run_in_executor runs the function at once on the loop's own thread",
             ("files.offload_read", "files.offload_write_fsync", "files.sqlite_locked_offload",
              "signals.handler_from_thread", "subprocess.spawn_from_thread", "dns.slow_lookup_heartbeat",
              *OFFLOADED)),
    Sabotage("readers", "asyncio", "the loop batches reads: it runs each reader callback (add_reader's, and "
             "its transports') after a blocking 0.15 s wait on its own thread",
             _library_rows(("postgresql_psycopgasync", "postgresql_asyncpg"))),
    Sabotage("pool", "asyncio", "the default executor refuses work beyond 64 waiting jobs instead of "
             "queueing it", ("files.many_small_offloaded_reads",)),
    Sabotage("timers", "asyncio", "timers fire after half their delay",
             ("sockets.recv_timeout", "subprocess.wait_timeout_kill", "sockets.connect_timeout",
              "subprocess.wait_cancelled", "dns.resolve_timeout")),
    Sabotage("signals", "asyncio", "the loop takes signals over and never dispatches them: "
             "add_signal_handler installs a no-op, Ctrl-C is ignored while the loop runs, and once it has "
             "spawned a child it keeps its own SIGCHLD handler in place over the program's", SIGNALS),
    Sabotage("resolver", "asyncio", "loop.getaddrinfo and getnameinfo go through a resolver of its own "
             "(as the sync one)", RESOLVER),
    Sabotage("spawn", "asyncio", "children are started through /bin/sh, and a child killed by signal N is "
             "reported as 128+N", ("subprocess.failed_spawn_leaks_nothing", "subprocess.missing_executable",
                                    "subprocess.terminate_returncode")),
    Sabotage("reaper", "asyncio", "the child watcher is asyncio's FastChildWatcher, which reaps every child "
             "of the process with waitpid(-1) from the loop's SIGCHLD handler: a child spawned elsewhere "
             "loses its status, and a wait hangs once the program resets SIGCHLD",
             ("subprocess.waitpid_own_child", "signals.sigchld_default_then_spawn")),
    Sabotage("serial", "asyncio", "create_connection takes happy_eyeballs_delay and ignores it: it tries a "
             "host's addresses one after another, each attempt to its end", ("dns.connect_happy_eyeballs",)),
    # -- trio: trio's own internals patched in setup() ------------------------------------------------------
    Sabotage("data", "trio", "trio's sockets and FdStreams invert the first byte of each chunk they receive, "
             "and an empty datagram is never returned",
             (*SOCKET_DATA, "sockets.slow_peer", "sockets.tls_echo", "files.pipe_cooperative_read",
              *CHILD_OUTPUT, "subprocess.pass_fds_close_fds", "subprocess.wait_grandchild_holds_pipe",
              *_library_rows(("http_httpxasync",)))),
    Sabotage("errors", "trio", "a trio socket reads a reset connection as a clean end and drops what is "
             "written to one as if it were sent, and errors of its connects and of trio's worker threads "
             "(files, paths, the resolver) reach the program as a plain OSError with the message alone; an "
             "FdStream drops what is sent to a pipe whose reader has gone as if it were sent",
             ("subprocess.write_to_exited_child",
              "sockets.connect_refused", "sockets.peer_reset", "files.no_fd_leaks", "files.open_errors",
              "sockets.write_after_reset")),
    Sabotage("abort", "trio", "closing a trio stream socket resets the connection (SO_LINGER 0: the peer "
             "gets a RST, not a FIN)", ("sockets.client_close",)),
    Sabotage("cancel", "trio", "a trio socket's accept swallows the cancellation and returns (None, None)",
             ("sockets.cancel_blocked",)),
    Sabotage("badfd", "trio", "trio.lowlevel.wait_readable and wait_writable take a closed descriptor's "
             "EBADF for 'not ready yet' and go on waiting", ("sockets.poll_closed_fd",)),
    Sabotage("inline", "trio", "trio.to_thread.run_sync runs the function at once on trio's own thread",
             ("files.sqlite_locked_offload", "signals.handler_from_thread", "subprocess.spawn_from_thread",
              "dns.slow_lookup_heartbeat", *OFFLOADED)),
    Sabotage("files", "trio", "trio's async file objects read 1 KiB at a time and take a read shorter than "
             "asked for the end of the file, and write at most 64 KiB of each write (reporting it all "
             "written)",
             ("files.fifo_slow_writer", "files.offload_read", "files.offload_write_fsync")),
    Sabotage("pool", "trio", "trio's worker threads refuse work beyond 64 waiting jobs instead of "
             "queueing it", ("files.many_small_offloaded_reads",)),
    Sabotage("timers", "trio", "trio's clock runs at twice the speed of time: deadlines come early",
             ("sockets.recv_timeout", "subprocess.wait_timeout_kill", "sockets.connect_timeout",
              "subprocess.wait_cancelled", "dns.resolve_timeout")),
    Sabotage("signals", "trio", "trio's signal receivers and its Ctrl-C handling install no-op handlers, and "
             "spawning a child or waiting for one puts a SIGCHLD handler of its own over the program's",
             SIGNALS),
    Sabotage("resolver", "trio", "trio encodes names with IDNA 2008 unmapped and resolves through a resolver "
             "of its own (as the sync one)", RESOLVER),
    Sabotage("spawn", "trio", "children are started through /bin/sh, and a child killed by signal N is "
             "reported as 128+N", ("subprocess.failed_spawn_leaks_nothing", "subprocess.missing_executable",
                                    "subprocess.terminate_returncode")),
    Sabotage("reaper", "trio", "a SIGCHLD handler installed at set-up reaps every child of the process with "
             "waitpid(-1), and trio's waits take their child's status from it: a child spawned elsewhere "
             "loses its status, and a wait hangs once the program resets SIGCHLD",
             ("subprocess.waitpid_own_child", "signals.sigchld_default_then_spawn")),
    Sabotage("serial", "trio", "open_tcp_stream ignores happy_eyeballs_delay: it starts the next attempt "
             "only once the one before has failed", ("dns.connect_happy_eyeballs",)),
    # -- twisted: the default reactor and Twisted's modules patched in setup() ---------------------------
    Sabotage("data", "twisted", "TCP and UNIX connections and the reads of pipes invert the first byte of "
             "each chunk, and UDP sends corrupt each datagram's first byte and skip empty ones",
             (*SOCKET_DATA, "sockets.sendfile", "sockets.sendfile_stream", "sockets.slow_peer",
              "sockets.tls_echo",
              "files.fifo_slow_writer", "files.pipe_cooperative_read", *CHILD_OUTPUT,
              "subprocess.spawn_from_thread", "subprocess.wait_grandchild_holds_pipe")),
    # Twisted's HTTP client does not check the protocol name of a status line: a corrupted "HTTP/1.1"
    # still parses, so the data sabotage cannot show treq's rows failing; a reactor that blocks can.
    Sabotage("readers", "twisted", "the reactor batches reads: each TCP connection's doRead runs after a "
             "blocking 0.35 s wait on the reactor's own thread",
             _library_rows(("http_treq",), ("slow", "concurrent", "failures"))),
    Sabotage("nocancel", "twisted", "Deferred.cancel fails the Deferred with CancelledError without calling "
             "its canceller: the work it stands for (a request, a connection attempt) goes on",
             _library_rows(("http_treq",), ("timeout",))),
    Sabotage("errors", "twisted", "a refused connection fails with the generic ConnectError, a reset one "
             "ends as a clean close, errors of the thread pool's work reach the program as a plain "
             "OSError with the message alone, and a child's stdin whose reader has gone is never reported "
             "lost (what is written to it is dropped)",
             ("subprocess.write_to_exited_child",
              "sockets.connect_refused", "sockets.peer_reset", "files.no_fd_leaks", "files.open_errors",
              "sockets.write_after_reset")),
    Sabotage("abort", "twisted", "closing a TCP connection resets it (no shutdown, SO_LINGER 0: the peer "
             "gets a RST, not a FIN)", ("sockets.client_close",)),
    Sabotage("nodelay", "twisted", "every TCP connection, made or adopted, gets TCP_NODELAY 1, over the "
             "program's own choice", ("sockets.connection_defaults",)),
    Sabotage("cancel", "twisted", "a cancelled coroutine's Deferred fails with a RuntimeError of its own "
             "instead of CancelledError", ("sockets.cancel_blocked",)),
    Sabotage("badfd", "twisted", "reactor.addReader and addWriter ignore the poller's refusal of a "
             "descriptor: a closed one is taken silently and never reported", ("sockets.poll_closed_fd",)),
    Sabotage("inline", "twisted", "deferToThread, the thread pool's work and callInThread run at once on "
             "the reactor's own thread",
             ("files.offload_read", "files.offload_write_fsync", "files.sqlite_locked_offload",
              "signals.handler_from_thread", "dns.slow_lookup_heartbeat", *OFFLOADED)),
    Sabotage("pool", "twisted", "the reactor's thread pool refuses work beyond 64 waiting jobs instead of "
             "queueing it", ("files.many_small_offloaded_reads",)),
    Sabotage("timers", "twisted", "reactor.callLater fires after half the delay",
             ("sockets.recv_timeout", "subprocess.wait_timeout_kill", "sockets.connect_timeout",
              "subprocess.wait_cancelled", "dns.resolve_timeout")),
    Sabotage("signals", "twisted", "reactor.callFromThread drops a call made from the reactor's own thread "
             "(a signal handler's), and once the reactor has spawned a child it keeps a SIGCHLD handler of "
             "its own in place over the program's", SIGNALS),
    Sabotage("resolver", "twisted", "reactor.nameResolver resolves through a resolver of its own (as the "
             "sync one)", RESOLVER),
    Sabotage("spawn", "twisted", "children are started through /bin/sh, and a child killed by signal N is "
             "reported as 128+N", ("subprocess.failed_spawn_leaks_nothing", "subprocess.missing_executable",
                                    "subprocess.terminate_returncode")),
    Sabotage("reaper", "twisted", "the reactor's SIGCHLD reaping (reapAllProcesses) also reaps every other "
             "child of the process with waitpid(-1): a child spawned elsewhere loses its status",
             ("subprocess.waitpid_own_child",)),
    Sabotage("serial", "twisted", "HostnameEndpoint ignores attemptDelay: it starts the next attempt only "
             "after a whole attempt's timeout, as a client that tries the addresses in turn",
             ("dns.connect_happy_eyeballs",)),
)


def runtimes() -> list[Runtime]:
    """The ``conformance.runtimes`` entry point: every sabotage as a runtime."""
    return [sabotage.runtime for sabotage in SABOTAGES]
