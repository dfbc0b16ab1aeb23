"""Shared by dns.connect_several_addresses and dns.connect_happy_eyeballs: a name with two A records whose
first address refuses or never answers, and the judgement of a connect to it.

The stub DNS server gives ``addrs-127-0-0-2-127-0-0-3.<zone>`` two A records, DEAD (127.0.0.2) then
LIVE (127.0.0.3), in that order (docs/dns.md). ``Host`` binds port P on both: LIVE's listens (the
kernel completes connects to it, nothing needs to accept); DEAD's either refuses (bound, not listening:
the kernel answers the SYN with a RST) or never answers (a listener with a backlog of 1, filled by
connections nobody accepts, so that Linux drops every further SYN, as in ``sockets.connect_timeout``).
"""

from __future__ import annotations

import contextlib
import errno
import socket
import time
from collections.abc import Iterator
from typing import Any

from conformance import Context, sibling_module

_canary = sibling_module(__file__, "_canary")

DEAD, LIVE = "127.0.0.2", "127.0.0.3"
BIND_ATTEMPTS = 20
MAX_FILLERS = 16
ANSWER_WAIT_S = 0.25
CASES = ("refuses", "drops")
MEASURE = {"refuses": "refused_connect_ms", "drops": "connect_ms"}


class Host:
    """Port P of LIVE answers; port P of DEAD refuses ("refuses") or never answers ("drops")."""

    def __init__(self, ctx: Context, case: str) -> None:
        self.case = case
        self.sockets: list[socket.socket] = []
        try:
            self.port = self._bind_pair(ctx)
            if case == "drops":
                self._fill_backlog(ctx)
        except BaseException:
            self.close()
            raise

    def _bind_pair(self, ctx: Context) -> int:
        for _ in range(BIND_ATTEMPTS):
            live = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            dead = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                live.bind((LIVE, 0))
                port: int = live.getsockname()[1]
                dead.bind((DEAD, port))
            except OSError as exc:
                live.close()
                dead.close()
                if exc.errno == errno.EADDRNOTAVAIL:
                    raise ctx.not_applicable(f"{DEAD} and {LIVE} cannot be bound here ({exc})") from exc
                if exc.errno != errno.EADDRINUSE:
                    raise
                continue  # that port is taken on DEAD: another one
            live.listen(8)  # the kernel completes connects to it; nothing needs to accept
            # "refuses": DEAD's socket is bound (so nothing else listens there) but not listening.
            self.sockets += [live, dead]
            self.dead = dead
            return port
        raise ctx.skip(f"no port was free on both {DEAD} and {LIVE} in {BIND_ATTEMPTS} tries")

    def _fill_backlog(self, ctx: Context) -> None:
        from conformance.support.net import BacklogAnswered, fill_backlog

        self.dead.listen(1)
        try:
            fillers = fill_backlog((DEAD, self.port), MAX_FILLERS, ANSWER_WAIT_S)
        except BacklogAnswered as exc:
            raise ctx.skip(str(exc)) from None
        self.sockets += fillers
        self.unanswered = fillers[-1]

    def check_still_unanswered(self, ctx: Context) -> None:
        from conformance.support.net import connect_state

        if self.case == "drops" and (seen := connect_state(self.unanswered, 0)) is not None:
            raise ctx.skip("the connect left unanswered to fill the backlog was answered meanwhile "
                           f"({seen or 'connected'}): {DEAD} did not stay unanswering")

    def close(self) -> None:
        for sock in self.sockets:
            sock.close()


def name(ctx: Context) -> str:
    """The stub's name for DEAD then LIVE."""
    found: str = _canary.in_zone(ctx, f"addrs-{DEAD.replace('.', '-')}-{LIVE.replace('.', '-')}")
    return found


def check_order(ctx: Context, found: list[Any], api: str) -> None:
    """Fail unless the style's resolver gives both addresses (as the reference's does); skip unless it
    gives DEAD first."""
    order = [str(entry[4][0]) for entry in found if entry[0] == socket.AF_INET]
    ctx.expect(DEAD in order and LIVE in order,
               f"{api}({name(ctx)!r}) gave {order}: the stub answers {DEAD} and {LIVE}")
    if order[0] != DEAD:
        raise ctx.skip(f"{api}({name(ctx)!r}) gave {order}, not {DEAD} first and {LIVE} after it: "
                       "whether the connect moves on to the next address cannot be seen")


def judge(ctx: Context, host: Host, peer: str | None, error: BaseException | None, seconds: float,
          ceiling_s: float, bound: str) -> None:
    """Record the connect's time; it must have connected, to LIVE, within ``ceiling_s`` (``bound`` says
    why that much)."""
    host.check_still_unanswered(ctx)
    ctx.measure(MEASURE[host.case], seconds * 1000.0)
    what = (f"a connect to {name(ctx)!r} port {host.port} ({DEAD}, which "
            f"{'refuses' if host.case == 'refuses' else 'never answers'}, then {LIVE}, which answers)")
    ctx.expect(error is None, f"{what} did not connect: {type(error).__name__}: {error} after "
                              f"{seconds * 1000.0:.0f} ms")
    ctx.expect_equal(peer, LIVE, f"the address {what} connected to")
    ctx.expect(seconds < ceiling_s, f"{what} took {seconds * 1000.0:.0f} ms, over {ceiling_s:g} s ({bound})")



class Attempt:
    """One connect of a case: the port to connect to; the body sets ``peer``, the address it reached."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.peer: str | None = None
        self.error: BaseException | None = None


@contextlib.contextmanager
def attempt(ctx: Context, case: str, ceiling_s: float, bound: str) -> Iterator[Attempt]:
    """A connect for ``case``, in the block: the hosts set up, the block timed (an exception it raises
    is the connect's failure, kept for the judgement), the connect judged, the hosts closed."""
    host = Host(ctx, case)
    try:
        result = Attempt(host.port)
        with ctx.measured():
            started = time.perf_counter()
            try:
                yield result
            except Exception as exc:
                result.error = exc
            elapsed = time.perf_counter() - started
        judge(ctx, host, result.peer, result.error, elapsed, ceiling_s, bound)
    finally:
        host.close()
