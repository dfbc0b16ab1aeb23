"""Shared by sockets.connect_refused and sockets.peer_reset: one rule for "the program can tell this
condition from others by the exception it gets", the same for every style.

The call must raise, and what it raises must be one of:

1. the exception class the style documents for exactly this condition (Twisted's
   ``error.ConnectionRefusedError`` for a refused connection, trio's ``BrokenResourceError`` for a broken
   stream); a class a style documents for every failure of the operation alike (trio's ``OSError`` "if
   the connection fails") does not tell this condition from the others, so it is not one;
2. the standard library's class for the condition (``ConnectionRefusedError``, ``ConnectionResetError``),
   or a subclass;
3. any exception whose direct ``__cause__`` is the standard library's class (a wrapper that keeps the
   OS error one ``except ... as e: e.__cause__`` away). An exception group in between does not count:
   the program would have to search a tree for it.

Each body names its style's documented class, if the style has one; the rule itself is written once,
here. ``told_by`` in the cell's notes says which of the three it was.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from conformance import Context, ScenarioFailure


def told_by(exc: BaseException, standard: type[BaseException],
            documented: tuple[type[BaseException], ...]) -> str | None:
    """Which part of the rule ``exc`` meets, in words, or None."""
    if documented and isinstance(exc, documented):
        return f"{_name(type(exc))}, the style's documented exception for it"
    if isinstance(exc, standard):
        return f"{_name(type(exc))}, the standard library's class"
    if isinstance(exc.__cause__, standard):
        return f"{_name(type(exc))} whose __cause__ is {_name(type(exc.__cause__))}"
    return None


@contextlib.contextmanager
def expect_condition(ctx: Context, condition: str, standard: type[BaseException],
                     documented: tuple[type[BaseException], ...] = ()) -> Iterator[list[object]]:
    """The block must raise what tells ``condition`` apart (the rule above). A body appends what the
    call returned to the yielded list, so that a call that returns instead says what it returned."""
    returned: list[object] = []
    accepted = " or ".join([*(_name(t) for t in documented), _name(standard),
                            f"an exception whose __cause__ is {_name(standard)}"])
    try:
        yield returned
    except NotImplementedError:
        raise
    except Exception as exc:
        how = told_by(exc, standard, documented)
        if how is None:
            cause = exc.__cause__
            raise ScenarioFailure(
                f"{condition}: expected {accepted}; got {_name(type(exc))}: {exc}"
                + (f" (its __cause__: {_name(type(cause))}: {cause})" if cause is not None else "")
            ) from exc
        ctx.notes["told_by"] = how
        return
    raise ScenarioFailure(f"{condition}: expected {accepted}, but nothing was raised"
                          + (f" (the call returned {returned[-1]!r})" if returned else ""))


def _name(cls: type[BaseException]) -> str:
    module = cls.__module__
    return cls.__qualname__ if module == "builtins" else f"{module}.{cls.__qualname__}"


@contextlib.contextmanager
def naming_missing(api: str) -> Iterator[None]:
    """A NotImplementedError raised inside (``unsupported``) says which call raised it: some runtimes
    raise it bare, and the cell's reason would then name nothing."""
    try:
        yield
    except NotImplementedError as exc:
        raise NotImplementedError(f"{api} raised NotImplementedError" + (f": {exc}" if str(exc) else "")
                                  ) from exc
