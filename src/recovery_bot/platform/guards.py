"""What keeps unauthenticated clients from costing the server memory or log space.

Anyone who can reach ``POST /webhook`` can send a body and headers before the signature
is checked; only what is *verified* is GitHub's. Three small guards, used by the server:

- ``ByteBudget``: the bytes of bodies being read but not yet verified, shared by all
  requests. A request reserves its declared size before one byte is read and releases
  it once the signature is checked; when the budget is spent it is answered 503 at once.
  Measured (bench/bench_faults.py): 64 concurrent unsigned posts of 5 MiB took the
  server from 129 MB to 452 MB RSS when every body was read in full.
- ``shown``: an untrusted header value cut to a length a log line can carry.
- ``LogGate``: at most one log line per interval for an event anyone can trigger at
  will (a bad signature), with the number of lines it held back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

SHOWN_CHARS = 64


SMALL_BODY = 64 * 1024


class ByteBudget:
    """A counter of reserved bytes with a ceiling (no waiting: a refusal is immediate,
    because a client holding a connection open is exactly what must not pile up).

    The last quarter is kept for small bodies (at most ``SMALL_BODY``, 64 KiB): GitHub's
    issue deliveries are 3-20 KB, so a flood of large unsigned bodies cannot crowd
    them out. A large body is still admitted when nothing else is in flight, so one of
    ``max_body_bytes`` can always be read.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self.peak = 0

    def try_reserve(self, n: int) -> bool:
        """Take ``n`` bytes if they fit; False (nothing taken) if they do not."""
        ceiling = self.limit if n <= SMALL_BODY else self.limit - self.limit // 4
        if self.used + n > ceiling and not (self.used == 0 and n <= self.limit):
            return False
        self.used += n
        self.peak = max(self.peak, self.used)
        return True

    def release(self, n: int) -> None:
        self.used = max(0, self.used - n)


def shown(value: str | None, limit: int = SHOWN_CHARS) -> str:
    """``value`` as a log may show it: control characters escaped, at most ``limit``
    characters, and how many were cut (an 8 KB ``X-GitHub-Delivery`` must not become
    an 8 KB log line)."""
    if value is None:
        return "-"
    cut = len(value) - limit
    text = value[:limit].encode("unicode_escape").decode("ascii")[: limit * 2]
    return f"{text}...(+{cut} chars)" if cut > 0 else text


@dataclass
class LogGate:
    """Lets one log line through per ``interval`` seconds; counts the rest.

    ``allow()`` returns None when the line must be dropped, else how many lines were
    dropped since the last one that went through (to be said in that line).
    """

    interval: float = 10.0
    clock: Callable[[], float] = time.monotonic
    _next: float = field(default=float("-inf"), init=False)
    _held: int = field(default=0, init=False)

    def allow(self) -> int | None:
        now = self.clock()
        if now < self._next:
            self._held += 1
            return None
        held, self._held = self._held, 0
        self._next = now + self.interval
        return held
