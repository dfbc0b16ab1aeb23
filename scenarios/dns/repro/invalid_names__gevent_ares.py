"""gevent's c-ares resolver fails a name over 253 octets with errno 8 (ARES_EBADNAME), not EAI_NONAME.

Reference: ``socket.getaddrinfo`` of a name whose labels are fine but which is longer than DNS allows
(four labels of 63 octets under ``.invalid``: 263 characters) gets to glibc, which refuses it without a
query and raises ``socket.gaierror`` with ``EAI_NONAME`` (-2 on Linux). With ``GEVENT_RESOLVER=ares``,
gevent's ``socket.getaddrinfo`` asks c-ares, which refuses to build the query (``ares_split_dns_name``:
"Can't exceed maximum (unescaped) length", 255) and reports ``ARES_EBADNAME`` (8); gevent turns a c-ares
status into a getaddrinfo code only where its table ``_ares_to_gai_system`` has it
(gevent/resolver/cares.pyx), and EBADNAME is not there, so the caller gets ``gaierror(8,
'ARES_EBADNAME: Misformatted domain name')``: an errno that is no ``EAI_*`` constant on Linux (and that
happens to be ``EAI_NONAME`` on macOS). No query is sent by either resolver.
Usage: GEVENT_RESOLVER=ares python invalid_names__gevent_ares.py gevent (``gevent`` alone uses the
thread resolver, i.e. glibc: NOT REPRODUCED; ``threads``: the reference).
"""

import sys

RUNTIME = sys.argv[1] if len(sys.argv) > 1 else "gevent"
if RUNTIME == "gevent":
    from gevent import monkey

    monkey.patch_all()

import socket  # noqa: E402 - after the patch, as a patched program imports it

NAME = ".".join(["a" * 63] * 4) + ".invalid"
CODES = {getattr(socket, n): n for n in dir(socket) if n.startswith("EAI_")}

if RUNTIME == "gevent":
    import gevent

    resolver = type(gevent.get_hub().resolver)
    print(f"gevent {gevent.__version__}, monkey-patched; its resolver: "
          f"{resolver.__module__}.{resolver.__name__}")
try:
    socket.getaddrinfo(NAME, 80, socket.AF_INET, socket.SOCK_STREAM)
except socket.gaierror as exc:
    said = f"gaierror errno {exc.errno} ({CODES.get(exc.errno, 'no EAI_* code')}): {exc}"
    errno = exc.errno
else:
    said, errno = "addresses", None
print(f"{RUNTIME}: getaddrinfo of a {len(NAME)}-character name raised {said}; glibc raises EAI_NONAME "
      f"({socket.EAI_NONAME})")
if errno != socket.EAI_NONAME:
    print(f"REPRODUCED: the name too long for DNS fails with errno {errno}, not EAI_NONAME")
    sys.exit(0)
print("NOT REPRODUCED: the lookup fails with EAI_NONAME, as in the standard library")
sys.exit(1)
