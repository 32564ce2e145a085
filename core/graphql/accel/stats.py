"""Counters of the speed layer: fallbacks by reason, errors by place (shown on ``/healthz``).

A *fallback* is the speed layer declining something it was not built for (a selection with a
directive, a field needing ``Info``, a batched HTTP request, a subscription with fragments …):
stock strawberry / graphql-core serves it, the answer is the same, only slower.  Each one is
counted and logged at debug level (logger ``frontdesk.accel``).  Reasons are prefixed by the
part that declined: ``compiled:<what>`` once per selection set and request the compiler does
not handle, ``compiled-bail:<what>`` when a compiled function leaves an object's data to
graphql-core, ``executor:redo-field`` when the per-field fast path leaves a field to it,
``http:<what>`` per HTTP request left to strawberry's view, ``subscriptions:<what>`` per
subscription left to strawberry's handler.

An *error* is an exception inside the speed layer that stock execution does not raise: a bug,
or a strawberry / graphql-core internal the layer relies on having changed.  It is counted;
with ``Settings.accel_strict`` (the test suite turns it on) it raises :class:`AccelError`, so
a test fails; otherwise it is logged as a warning and stock execution serves the request.

The counters are per process (one server process serves one Frontdesk).
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

log = logging.getLogger("frontdesk.accel")


class AccelError(RuntimeError):
    """An unexpected exception inside the speed layer (raised in strict mode only)."""


class AccelStats:
    def __init__(self) -> None:
        self.fallbacks: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()

    def fallback(self, reason: str) -> None:
        """Stock execution serves this (counted, logged at debug level)."""
        self.fallbacks[reason] += 1
        log.debug("accel fallback: %s", reason)

    def error(self, where: str, exc: BaseException, *, strict: bool) -> None:
        """An exception inside the speed layer: raise in strict mode, else warn (counted)."""
        self.errors[where] += 1
        if strict:
            raise AccelError(f"speed layer error in {where}: {exc!r}") from exc
        log.warning(
            "speed layer error in %s, stock execution serves the request: %r",
            where,
            exc,
            exc_info=exc,
        )

    def snapshot(self) -> dict[str, Any]:
        return {
            "fallbacks": dict(sorted(self.fallbacks.items())),
            "fallbacksTotal": sum(self.fallbacks.values()),
            "errors": dict(sorted(self.errors.items())),
            "errorsTotal": sum(self.errors.values()),
        }


STATS = AccelStats()
