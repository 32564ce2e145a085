"""Proposed core changes, applied by monkeypatching so the benchmark can measure them.

Nothing here is imported by the application; ``bench/apps.py`` applies the patches named in
``BENCH_PATCHES`` (``visits_page.py --patches a,b``) and ``profile_visits.py --patches a,b``
does the same in process.  The patches that measured well (limiter rules built once, the
fast executor, Core-row pages) are now part of core; these two remain experiments.

* ``auth-cache`` - core/app.py: remember a bearer token's actor for a few seconds instead of
  one more session + SELECT on every request (revocation then takes up to the TTL).
* ``gc-freeze`` - core/app.py: ``gc.freeze()`` once started, so that full collections stop
  re-walking the long-lived schema/mapper/module objects.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

_UNDO: list[tuple[Any, str, Any]] = []


def _set(obj: Any, name: str, value: Any) -> None:
    """setattr, remembering the original so that ``undo_all`` can restore it."""
    _UNDO.append((obj, name, getattr(obj, name)))
    setattr(obj, name, value)


def undo_all() -> None:
    while _UNDO:
        obj, name, original = _UNDO.pop()
        if name == "_bench_unfreeze":
            obj.unfreeze()
            continue
        setattr(obj, name, original)


AUTH_TTL_SECONDS = 5.0


def auth_cache() -> None:
    from core.app import FrontdeskGraphQL

    original = FrontdeskGraphQL._authenticate
    cache: dict[str, tuple[float, Any]] = {}

    async def _authenticate(self: Any, header: str) -> Any:
        now = time.monotonic()
        hit = cache.get(header)
        if hit is not None and hit[0] > now:
            return hit[1]
        actor = await original(self, header)  # raises for unknown/revoked: never cached
        if len(cache) > 10_000:
            cache.clear()
        cache[header] = (now + AUTH_TTL_SECONDS, actor)
        return actor

    _set(FrontdeskGraphQL, "_authenticate", _authenticate)


# --- gc-freeze ------------------------------------------------------------------------------


def gc_freeze() -> None:
    """After start-up (schema built), move everything alive into the permanent generation.

    The schema, the mappers, strawberry's and graphql-core's type objects and the imported
    modules are hundreds of thousands of objects that every full (generation 2) collection
    walks again; per request a page allocates enough to trigger such collections regularly.
    """
    import gc

    from core.runtime import Frontdesk

    original = Frontdesk.start

    async def start(self: Any, *args: Any, **kwargs: Any) -> None:
        await original(self, *args, **kwargs)
        if getattr(self, "schema_factory", True) is not None:  # the app may hand it in later
            _ = self.schema  # build it now, before freezing
        gc.collect()
        gc.freeze()

    _set(Frontdesk, "start", start)
    gc.collect()
    gc.freeze()  # for an already started process (profile_visits --ab)
    _UNDO.append((gc, "_bench_unfreeze", None))


PATCHES: dict[str, Callable[[], None]] = {
    "auth-cache": auth_cache,
    "gc-freeze": gc_freeze,
}


# What "all" applies: nothing yet.  auth-cache is left out: with a TTL cache a revoked token
# keeps working for up to the TTL, which C-13 (and tests/test_access_control.py) forbid.
# gc-freeze is left out: since core raised the gen-0 threshold to 50,000
# (tune_gc_for_long_lived_connections) full collections are rare and freezing no longer helps.
RECOMMENDED: list[str] = []


def apply(names: Sequence[str]) -> None:
    for name in names:
        if name == "all":
            apply(RECOMMENDED)
            continue
        try:
            PATCHES[name]()
        except KeyError:
            raise SystemExit(f"unknown patch {name!r}; known: {', '.join(PATCHES)}, all") from None
