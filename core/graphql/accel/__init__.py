"""The speed layer: everything that serves GraphQL faster than stock strawberry / graphql-core.

One setting switches all of it: ``Settings.accel`` (environment ``FRONTDESK_ACCEL=0`` turns it
off; on by default).  Off, requests are served by stock strawberry and graphql-core: graphql-
core's execution context, strawberry's HTTP view and its graphql-transport-ws handling.

* :mod:`.executor`: an execution context completing plain attribute fields without graphql-
  core's per-field machinery (``execution_context_class`` of the schema);
* :mod:`.compiled`: whole selections compiled into straight-line Python, cached per schema;
* :mod:`.http`: the slim path for a single JSON POST operation (strawberry's ``run`` without
  its request adapter and content negotiation);
* :mod:`.subscriptions`: ``complaintUpdates`` subscribers of the same selection share one
  serialised payload per event;
* :mod:`.stats`: fallbacks and errors, counted and shown on ``/healthz``.

This layer relies on private strawberry and graphql-core internals (execution context
methods, ``collect_subfields``, the view's ``_handle_errors``, the transport handler's
``run_operation`` …), which is why both are pinned exactly in ``pyproject.toml``.  Its
contract: the same bytes as stock execution for every operation
(``tests/test_accel_identity.py`` runs a battery through both); anything it does not handle
falls back to stock (counted); an exception inside it is counted, fails the tests
(``Settings.accel_strict``) and in production is logged as a warning while stock execution
serves the request.
"""

from __future__ import annotations

from typing import Any

from core.graphql.accel.stats import STATS, AccelError, AccelStats


def execution_context_class(enabled: bool, *, strict: bool = False) -> type[Any] | None:
    """The schema's ``execution_context_class``: None (strawberry's stock one) when off."""
    if not enabled:
        return None
    from core.graphql.accel.executor import FastExecutionContext

    return type("FastExecutionContext", (FastExecutionContext,), {"strict": strict})


__all__ = ["STATS", "AccelError", "AccelStats", "execution_context_class"]
