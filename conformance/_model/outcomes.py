"""The closed outcome vocabulary of a cell, and the exceptions a scenario body raises to reach one."""

from __future__ import annotations

import enum


class Outcome(str, enum.Enum):
    """What happened to one scenario under one runtime on one platform.

    The set is closed: a run document with any other word is rejected on read and on write.
    """

    PASS = "pass"
    BLOCKING = "blocking"
    FAIL = "fail"
    UNSUPPORTED = "unsupported"
    NOT_APPLICABLE = "not-applicable"
    UNAVAILABLE = "unavailable"
    SKIPPED = "skipped"
    ERROR = "error"
    TIMEOUT = "timeout"
    CRASH = "crash"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, word: object) -> Outcome:
        """The outcome named by ``word``; a clear ValueError listing the vocabulary otherwise."""
        try:
            return cls(word)
        except ValueError:
            known = ", ".join(o.value for o in cls)
            raise ValueError(f"unknown outcome {word!r}; the outcomes are: {known}") from None


MEANINGS: dict[Outcome, str] = {
    Outcome.PASS: "correct result, and other tasks kept running (no stall over the limit)",
    Outcome.BLOCKING: ("correct result, but the scheduler stalled: the heartbeat measured a gap over "
                       "the limit"),
    Outcome.FAIL: "wrong result or wrong exception",
    Outcome.UNSUPPORTED: "the runtime lacks the operation here (NotImplementedError, missing API)",
    Outcome.NOT_APPLICABLE: "the platform lacks it for every runtime",
    Outcome.UNAVAILABLE: "the runtime cannot be installed or imported on this platform",
    Outcome.SKIPPED: "the harness could not arrange a precondition",
    Outcome.ERROR: "unexpected exception: a bug in the runtime or the scenario",
    Outcome.TIMEOUT: "the parent's watchdog killed the cell",
    Outcome.CRASH: "the child died without a result (signal, abort, os._exit)",
}

# Outcomes that say nothing about the runtime's behaviour: pytest reports them as skips.
NOT_RUN = frozenset({Outcome.NOT_APPLICABLE, Outcome.UNAVAILABLE, Outcome.SKIPPED})


class ScenarioFailure(AssertionError):
    """The body observed a wrong result or a wrong exception: the cell is ``fail``."""


class NotApplicable(Exception):
    """The platform lacks what the scenario is about, for every runtime (AF_UNIX on Windows)."""


class Skipped(Exception):
    """The harness could not arrange a precondition; the reason says which."""


class Unavailable(Exception):
    """A library the body needs cannot be imported here (not installed, or its install failed); the
    reason says what installs it."""
