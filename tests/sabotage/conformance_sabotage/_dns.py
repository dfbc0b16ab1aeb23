"""The resolver defects every style's resolver sabotage applies, around the real getaddrinfo and
getnameinfo: a resolver of its own, as a pure DNS client (c-ares, dnspython) might be.

- it asks DNS for every name, as an absolute name: the hosts file never answers (not even
  ``localhost``);
- it asks for A records only (AF_UNSPEC is taken for AF_INET): no IPv6-only host, no ``::1``;
- it ignores the getaddrinfo flags (no AI_NUMERICHOST, no AI_PASSIVE);
- it encodes names with IDNA 2008 rules but without the UTS 46 mapping (no case folding, ß kept, symbols
  and emoji refused) and without IDNA's length checks;
- it keeps the first address of an answer only (as code built on gethostbyname's ``h_addr`` does);
- it reports every failure as EAI_FAIL, whatever the server said;
- it never names an address (getnameinfo answers numerically);
- it keeps the answer in one buffer every thread shares, as gethostbyname(3) does: a caller that resumes
  after another's lookup has finished reads that other answer.

The canary of the dns scenarios (an ASCII name, AF_INET, one address, no flags) comes through unchanged,
so the cells run and these defects are what they judge.
"""

from __future__ import annotations

import socket
import threading
import time
import unicodedata
from collections.abc import Callable
from typing import Any

MAX_ADDRESSES = 1
# How long a caller takes to copy the shared answer: other threads' lookups land in the buffer meanwhile.
COPY_S = 0.02
_shared: list[Any] = [None]
_lock = threading.Lock()


def encode(host: str) -> bytes:
    """IDNA 2008 without the UTS 46 mapping: punycode for each non-ASCII label, upper case and symbols
    refused, and no limit on a label's or the name's length."""
    labels = []
    for label in host.split("."):
        if label.isascii():
            labels.append(label.encode("ascii"))
            continue
        if label != label.lower():
            raise UnicodeError(f"IDNA 2008 has no upper-case letters: {label!r}")
        if any(unicodedata.category(char)[0] not in "LMN" and char != "-" for char in label):
            raise UnicodeError(f"IDNA 2008 has no symbols: {label!r}")
        labels.append(b"xn--" + label.encode("punycode"))
    return b".".join(labels)


def _absolute(name: bytes) -> bytes:
    """``name`` with the root's dot, unless it is an address: the system's hosts file (whose entries
    have none) then never matches, and DNS alone answers."""
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, name.decode("ascii", "replace"))
        except OSError:
            continue
        return name
    return name if name.endswith(b".") else name + b"."


def getaddrinfo(real: Callable[..., Any], host: Any, port: Any, family: int = 0, type: int = 0,
                proto: int = 0, flags: int = 0) -> Any:
    if isinstance(host, str):
        host = encode(host)
    if host:
        host = _absolute(host)
    if family == socket.AF_UNSPEC:
        family = socket.AF_INET
    try:
        found = real(host, port, family, type, proto, 0)[:MAX_ADDRESSES]
    except socket.gaierror as exc:
        raise socket.gaierror(socket.EAI_FAIL, f"Non-recoverable failure in name resolution ({exc})") \
            from None
    with _lock:
        _shared[0] = found
    time.sleep(COPY_S)
    return _shared[0]


def getnameinfo(real: Callable[..., Any], sockaddr: Any, flags: int) -> Any:
    return real(sockaddr, flags | socket.NI_NUMERICHOST | socket.NI_NUMERICSERV)
