"""How core is layered; a module imports only from its own layer or the layers below it.

1. app, CLI, test kit, GraphiQL page (``core.app``, ``core.cli``, ``core.demo``,
   ``core.testing``, ``core.graphiql``) →
2. schema composition (``schema/``) and the plugins' facade ``core.plugin_api`` →
3. GraphQL glue (``core.graphql``) →
4. the runtime (``core.runtime``) → 5. services (``core.services``, webhook services and
   dispatcher, ``core.auth``, ``core.migrate``) → 6. plugin host, events, bus →
7. models, rules, calendar → 8. db, settings, errors.

Events do not know their consumers (webhooks subscribe through ``core.events`` listeners that
the runtime installs), the runtime does not compose the schema (the app hands it a factory),
and GraphQL types do not import resolvers.  ``tests/test_layers.py`` enforces :data:`LAYERS`
on every import of every core and ``schema`` module, at any level (inside functions too) and
under ``if TYPE_CHECKING:`` (a type-only import still couples the lower module to the higher
one: use a Protocol of the lower layer instead); it also refuses any import cycle.  No core
module imports the plugin API except the hook specifications, for types only.

This module imports nothing, so anything may read it.
"""

from __future__ import annotations

from typing import Final

# Top first.  A module belongs to the layer of the longest prefix (dotted, whole names) that
# matches it; ``core`` itself (the root package) matches only itself.  A new module with no
# matching prefix fails tests/test_layers.py until it is placed here.
LAYERS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    # core.testing: the pytest kit for lines (starts a Frontdesk, serves the app over httpx).
    # HTTP edges (body limit, media types, rate limits) sit with the app that mounts them.
    (
        "app and CLI",
        (
            "core.app",
            "core.cli",
            "core.demo",
            "core.testing",
            "core.graphiql",
            "core.httpguard",
            "core.ratelimit",
        ),
    ),
    ("schema composition and the plugin API", ("schema", "core.plugin_api")),
    ("GraphQL glue", ("core.graphql",)),
    ("runtime", ("core.runtime",)),
    (
        "services",
        (
            "core.services",
            "core.webhooks",
            "core.auth",
            "core.migrate",
            "core.migrations",
            "core.revocation",
        ),
    ),
    ("plugin host, events, bus", ("core.plugins", "core.hookspecs", "core.events", "core.bus")),
    (
        "models, rules, calendar",
        (
            "core.models",
            "core.contracts",
            "core.decisions",
            "core.calendar",
            "core.complaint_rules",
            "core.workforce_rules",
            "core.appointment_rules",
            "core.penalties",
            "core.hosting",
            "core.phone",
            "core.webhooks.tables",
            "core.webhooks.signing",
        ),
    ),
    (
        "db, settings, errors",
        (
            "core",
            "core.db",
            "core.settings",
            "core.errors",
            "core.layers",
            # Checks on what is written (before_flush) and where webhooks may go.
            "core.textguard",
            "core.netguard",
            "core.trusted",
            "core.forwarded",
        ),
    ),
)

ROOT: Final = "core"

# ``core.plugin_api`` is the facade business lines import (top, beside schema composition);
# no core module imports it, but the hook specifications may, for types only.
PLUGIN_API: Final = "core.plugin_api"

# (importer, imported) pairs allowed under ``if TYPE_CHECKING:`` only, whatever the layers.
TYPE_ONLY_EXCEPTIONS: Final[frozenset[tuple[str, str]]] = frozenset(
    {("core.hookspecs", PLUGIN_API)}
)


def layer_of(module: str) -> int | None:
    """The index in :data:`LAYERS` (0 is the top) of a dotted module name, None if unplaced."""
    best: tuple[int, int] | None = None  # (prefix length, layer)
    for index, (_name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or (prefix != ROOT and module.startswith(prefix + ".")):
                if best is None or len(prefix) > best[0]:
                    best = (len(prefix), index)
    return None if best is None else best[1]
