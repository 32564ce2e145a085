"""The ``complaintUpdates`` fast path over graphql-transport-ws.

:class:`AccelTransportWSHandler` serves the common shape of this subscription (one
``complaintUpdates`` field selecting plain fields) without running GraphQL per subscriber:
each event's ``next`` payload is serialised once per distinct selection and the same text is
sent to every subscriber — the cost of 1,000 subscribers is 1,000 socket writes.  Any other
operation, and any argument the fast path cannot take as is (a bad cursor, an unknown site,
wrong variables), is a fallback (counted): strawberry's handling runs it and reports the
error.  ``tests/test_subscriptions.py`` and ``tests/test_accel_identity.py`` compare the
messages with stock execution's.
"""

from __future__ import annotations

import contextlib
import weakref
from collections import OrderedDict
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    parse,
    validate,
)
from graphql.execution.values import get_argument_values, get_variable_values
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import Operation

from core.contracts import DomainEvent
from core.errors import FrontdeskError
from core.graphql.accel.stats import STATS
from core.graphql.events import complaint_event_kind, complaint_event_typename
from core.graphql.ids import to_global_id
from core.graphql.subscriptions import (
    COMPLAINTS,
    CURSOR_KIND,
    FrontdeskTransportWSHandler,
    parse_arguments,
    stream_events,
)
from core.graphql.types import encode_cursor


def event_values(e: DomainEvent) -> dict[str, Any]:
    """ComplaintEvent's fields, serialised as GraphQL serialises them (by GraphQL name)."""
    return {
        "__typename": complaint_event_typename(e.type),
        "cursor": encode_cursor(CURSOR_KIND, e.id),
        "id": str(e.id),
        "type": e.type,
        "kind": complaint_event_kind(e.type).name,
        "siteId": to_global_id("Site", e.site_id) if e.site_id is not None else None,
        "complaintId": (
            to_global_id("Complaint", e.subject_id) if e.subject_id is not None else None
        ),
        "occurredAt": e.occurred_at.isoformat(),
        "payload": e.payload,
    }


FAST_FIELD = "complaintUpdates"
_FAST_LEAVES = frozenset(
    (
        "__typename",
        "cursor",
        "id",
        "type",
        "kind",
        "siteId",
        "complaintId",
        "occurredAt",
        "payload",
    )
)


class _Plan:
    """A validated ``complaintUpdates`` operation whose result is a flat projection."""

    __slots__ = ("field_def", "field_node", "key", "operation", "root", "selection")

    def __init__(
        self,
        operation: OperationDefinitionNode,
        field_node: FieldNode,
        field_def: Any,
        selection: tuple[tuple[str, str], ...],
    ) -> None:
        self.operation = operation
        self.field_node = field_node
        self.field_def = field_def
        self.root = field_node.alias.value if field_node.alias else field_node.name.value
        self.selection = selection
        self.key = (self.root, selection)

    def payload(self, e: DomainEvent) -> str:
        values = event_values(e)
        data = {self.root: {alias: values[name] for alias, name in self.selection}}
        return orjson.dumps({"data": data}).decode()


_plans: weakref.WeakKeyDictionary[Any, dict[tuple[str, str | None], _Plan | None]] = (
    weakref.WeakKeyDictionary()
)


def fast_plan(
    schema: Any, query: str, operation_name: str | None, max_fields: int = 30
) -> _Plan | None:
    """A plan if the document is a valid subscription to ``complaintUpdates`` selecting plain
    fields only (no fragments, directives or sub-selections); None sends it down the ordinary
    GraphQL path, which handles — and reports errors for — everything else."""
    cache = _plans.setdefault(schema, {})
    key = (query, operation_name)
    if key in cache:
        return cache[key]
    plan = _make_plan(schema, query, operation_name, max_fields)
    if len(cache) > 256:
        cache.clear()
    cache[key] = plan
    return plan


def _make_plan(
    schema: Any, query: str, operation_name: str | None, max_fields: int
) -> _Plan | None:
    if len(query) > 4000:
        return None
    try:
        document: DocumentNode = parse(query)
    except GraphQLError:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != len(document.definitions):
        return None  # fragment definitions
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1:
        return None
    op = operations[0]
    if op.operation is not OperationType.SUBSCRIPTION or op.directives:
        return None
    roots = op.selection_set.selections
    if len(roots) != 1 or not isinstance(roots[0], FieldNode):
        return None
    root = roots[0]
    if root.name.value != FAST_FIELD or root.directives or root.selection_set is None:
        return None
    selection: list[tuple[str, str]] = []
    for node in root.selection_set.selections:
        if not isinstance(node, FieldNode) or node.directives or node.arguments:
            return None
        if node.selection_set is not None or node.name.value not in _FAST_LEAVES:
            return None
        selection.append((node.alias.value if node.alias else node.name.value, node.name.value))
    if len(selection) > max_fields:
        return None  # the ordinary path applies the alias limit and says so
    gql_schema = schema._schema
    if validate(gql_schema, document):
        return None
    subscription_type = gql_schema.subscription_type
    if subscription_type is None or FAST_FIELD not in subscription_type.fields:
        return None
    return _Plan(op, root, subscription_type.fields[FAST_FIELD], tuple(selection))


class _PayloadCache:
    """Each event's ``next`` payload, serialised once per distinct selection."""

    def __init__(self, size: int = 2048) -> None:
        self._size = size
        self._items: OrderedDict[tuple[int, Any], str] = OrderedDict()

    def get(self, plan: _Plan, e: DomainEvent) -> str:
        key = (e.id, plan.key)
        text = self._items.get(key)
        if text is None:
            text = plan.payload(e)
            self._items[key] = text
            if len(self._items) > self._size:
                self._items.popitem(last=False)
        return text


# Per Frontdesk (event ids are per database).
_payloads: weakref.WeakKeyDictionary[Any, _PayloadCache] = weakref.WeakKeyDictionary()


class AccelTransportWSHandler(FrontdeskTransportWSHandler):
    """graphql-transport-ws with the ``complaintUpdates`` fast path."""

    async def run_permitted_operation(self, operation: Operation[Any, Any]) -> None:
        plan = None
        try:
            plan = fast_plan(
                self.schema,
                operation.query,
                operation.operation_name,
                self.context.app.settings.max_aliases,
            )
        except Exception as exc:  # noqa: BLE001 - nothing has run yet: counted, then stock
            STATS.error("subscriptions", exc, strict=self._strict)
        arguments = None
        if plan is None:
            STATS.fallback("subscriptions:shape")
        else:
            arguments = await self._fast_arguments(plan, operation)
        if plan is None or arguments is None:
            await super().run_permitted_operation(operation)
            return
        await self._run_fast(plan, operation, *arguments)

    @property
    def _strict(self) -> bool:
        return bool(self.context.app.settings.accel_strict)

    async def _fast_arguments(
        self, plan: _Plan, operation: Operation[Any, Any]
    ) -> tuple[int | None, int | None] | None:
        """Coerced (siteId, after); None when anything is off (the stock path reports it)."""
        try:
            variables = get_variable_values(
                self.schema._schema,
                plan.operation.variable_definitions or (),
                operation.variables or {},
            )
            if isinstance(variables, list):
                STATS.fallback("subscriptions:variables")
                return None
            args = get_argument_values(plan.field_def, plan.field_node, variables)
            return await parse_arguments(self.context.app, args.get("siteId"), args.get("after"))
        except (GraphQLError, FrontdeskError):
            STATS.fallback("subscriptions:arguments")  # the stock path reports the error
            return None
        except Exception as exc:  # noqa: BLE001 - counted, raised when strict, else stock
            STATS.error("subscriptions", exc, strict=self._strict)
            return None

    async def _run_fast(
        self, plan: _Plan, operation: Operation[Any, Any], site: int | None, after: int | None
    ) -> None:
        prefix = '{"id":' + orjson.dumps(operation.id).decode() + ',"type":"next","payload":'
        fd = self.context.app
        cache = _payloads.setdefault(fd, _PayloadCache())
        events = stream_events(fd, COMPLAINTS, site_id=site, after=after)
        try:
            async for e in events:
                if operation.completed:
                    return
                await self.send_text(prefix + cache.get(plan, e) + "}")
        except WebSocketDisconnected:
            return
        except Exception as error:  # pragma: no cover - mirrors the base handler
            await self.handle_task_exception(error)
            with contextlib.suppress(Exception):
                await operation.send_operation_message({"id": operation.id, "type": "complete"})
            self.operations.pop(operation.id, None)
            raise
        finally:
            await events.aclose()


__all__ = ["AccelTransportWSHandler", "event_values", "fast_plan"]
