"""GraphQL pieces of the public plugin API: typed field declarations and request helpers.

A line declares every GraphQL field it contributes with one of :func:`line_field` (a field
on a core type), :func:`line_query`, :func:`line_mutation` or :func:`line_subscription`:
typed keyword arguments instead of ``metadata`` string keys, checked when declared (an unknown
permission is an error at start-up, never a silent default).

**What a line's field receives.**  A field on a core type (``Visit``, ``Customer``,
``Staff``, ``Site``, ``Complaint``) receives as its root a :class:`RowView`: the object's
``id`` and the columns named in ``needs``, nothing else — the same in a page, a single
fetch, a mutation payload and a subscription.  Reading anything else (``root.customer``)
raises :class:`AttributeError` naming ``needs`` in every path, so a field cannot work in one
query shape and fail in another.  Its batch loader receives the same views.

**Descriptions.**  Every type, field, argument, enum value and input field a line adds needs
a description (the schema lint fails without one): ``description=`` on fields and types,
``Annotated[T, strawberry.argument(description=...)]`` on arguments, and
:func:`describe_values` for the values of an enum wrapped from the line's rules module.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.extensions import FieldExtension
from strawberry.types import Info

from core.auth import Permission
from core.contracts import DomainEvent, LineMutation
from core.errors import PluginError
from core.graphql.ids import parse_id, register_node
from core.graphql.loading import (
    JoinedPrefetch,
    order_of,
    paginate,
    prefetch_key,
    prefetched,
    reads_prefetched,
)
from core.graphql.queries import After, Before, First, Last
from core.graphql.scalars import Money
from core.graphql.subscriptions import CURSOR_KIND, parse_arguments, stream_events
from core.graphql.types import (
    NEEDS,
    Connection,
    Decision,
    Node,
    describe_values,
    encode_cursor,
    global_id_of,
    legacy_id,
    node_id,
    view_link,
)
from core.graphql.types import Customer as CustomerType
from core.graphql.types import Penalty as PenaltyType
from core.graphql.types import Site as SiteType
from core.graphql.types import Staff as StaffType
from core.graphql.types import Visit as VisitType

__all__ = [
    "After",
    "Before",
    "Connection",
    "CustomerType",
    "Decision",
    "First",
    "Join",
    "Last",
    "LineMutation",
    "Money",
    "Node",
    "PenaltyType",
    "RowView",
    "SiteType",
    "StaffType",
    "VisitType",
    "acting_staff",
    "describe_values",
    "event_cursor",
    "event_updates",
    "global_id",
    "legacy_id",
    "line_field",
    "line_link",
    "line_mutation",
    "line_node",
    "line_page",
    "line_query",
    "line_subscription",
    "line_write",
    "node_id",
    "now",
    "parse_id",
    "prefetched",
    "read_session",
    "write_session",
]


def global_id(type_name: str, key: int | str | None) -> strawberry.ID | None:
    """The opaque global id of ``type_name``'s row ``key`` (what its ``id`` field answers)."""
    return global_id_of(type_name, key) if key is not None else None


def line_node(
    type_name: str,
    load: Callable[[Info, int], Awaitable[Any]],
    *,
    permission: str | Permission = Permission.READ,
    model: Any = None,
) -> None:
    """Make a line's ``Node`` type fetchable with ``node(id:)`` / ``nodes(ids:)``.

    A line's entity type subclasses :class:`Node`, declares ``global_id = node_id("Type")``
    and ``id: int = legacy_id()`` (the integer key, ``legacyId`` in the schema), and registers
    ``await load(info, key)`` (the object as the type's resolvers expect it, or None) with the
    ``permission`` of its own query.  Id arguments take either form through
    :func:`parse_id` (``parse_id(value, "saleId", of="FitnessSale")``).  ``model``: the ORM
    class when ``load`` returns ORM rows (to tell the type of a row).
    """
    try:
        wanted = Permission(permission)
    except ValueError:
        raise PluginError(
            f"node {type_name!r}: unknown permission {permission!r}", code="UNKNOWN_PERMISSION"
        ) from None
    register_node(type_name, load, permission=wanted.value, model=model)


async def line_page(
    info: Info,
    session: AsyncSession,
    stmt: Any,
    *,
    model: Any,
    type_name: str,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    order: str = "id",
    descending: bool = True,
    view: Callable[[Any], Any] | None = None,
    default_page: int | None = None,
) -> Connection[Any]:
    """One page of a line's list as a Relay cursor connection (``Connection[YourType]``).

    ``stmt`` selects ``model`` rows with the list's filters; the page is a keyset on column
    ``order`` (ties by id), never OFFSET; ``view`` turns a row into the GraphQL object.  The
    root field declares ``first/after/last/before`` and passes them on; INVALID_PAGE_SIZE and
    INVALID_CURSOR come out as for core's lists.  ``default_page``: ``first`` when neither
    ``first`` nor ``last`` is given (default 20).
    """
    limit = info.context.app.settings.max_page_size
    return await paginate(
        info,
        session,
        stmt,
        model=model,
        type_name=type_name,
        cursor_kind=type_name,
        first=first,
        after=after,
        last=last,
        before=before,
        order=order_of(order, descending, model),
        max_page_size=limit,
        default_page=min(default_page or 20, limit),
        view=view,
    )


def line_link(
    model: Any,
    attr: str,
    returns: Any,
    *,
    description: str,
    parse_as: str | None = None,
    view: Callable[[Any], Any] | None = None,
) -> Any:
    """An object link on a line's type: the object whose key is attribute ``attr`` (an int or
    a global id of type ``parse_as``), e.g. ``closer: StaffType | None = line_link(Staff,
    "closer_id", StaffType | None, parse_as="Staff", description=...)``.  Loaded in one
    SELECT per model (and selection under the link) for the whole response, batched per
    request, never one per object; a core type answers its own links and the fields lines add
    to it (``buyer { group { ownerStaff } }``) joined or batch-loaded in that SELECT."""
    return view_link(model, attr, returns, description=description, parse_as=parse_as, view=view)


class RowView:
    """A core object as a line's field sees it: ``id`` plus the declared ``needs``."""

    __slots__ = ("_allowed", "_root", "_type")

    def __init__(self, root: Any, allowed: frozenset[str], type_name: str) -> None:
        object.__setattr__(self, "_root", root)
        object.__setattr__(self, "_allowed", allowed)
        object.__setattr__(self, "_type", type_name)

    def __getattr__(self, name: str) -> Any:
        if name in self._allowed:
            return getattr(self._root, name)
        raise AttributeError(
            f"{self._type}.{name} is not available to this field: declare it with "
            f"line_field(..., needs=({name!r},)); relations are not loaded for line fields, "
            "read them by id in a batch loader"
        )

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{self._type} rows are read-only for line fields")

    def __repr__(self) -> str:
        return f"<{self._type} row id={getattr(self._root, 'id', None)}>"


def _view(root: Any, allowed: frozenset[str], type_name: str) -> Any:
    if root is None or isinstance(root, RowView):
        return root
    return RowView(root, allowed, type_name)


class _RowViewExtension(FieldExtension):
    # Only wraps the source in a view (with ``id``): compiled completions may still read a
    # batch-loaded field's value straight from the prefetched values (core.graphql.loading).
    frontdesk_source_view_only = True

    def __init__(self, allowed: frozenset[str], type_name: str) -> None:
        self.allowed = allowed
        self.type_name = type_name

    def _viewed(self, source: Any, kwargs: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        # Strawberry hands a resolver its root through the keyword of its root/parent
        # parameter, not through ``source``: replace both.
        view = _view(source, self.allowed, self.type_name)
        return view, {k: view if v is source else v for k, v in kwargs.items()}

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        view, kwargs = self._viewed(source, kwargs)
        return next_(view, info, **kwargs)

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        view, kwargs = self._viewed(source, kwargs)
        result = next_(view, info, **kwargs)
        return await result if hasattr(result, "__await__") else result


@dataclass(frozen=True)
class Join:
    """A batch load expressed as one outer join onto the page's SELECT (faster than a loader).

    ``model`` has at most one row per root (``root_key`` is unique, typically its primary
    key); ``build`` turns a row of ``model``'s columns into the field's value, exactly as the
    loader does.  Pages join it; single fetches run the loader; the answer is the same.
    """

    model: Any
    root_key: str
    build: Callable[[Any], Any]


def line_field(
    resolver: Callable[..., Any] | None = None,
    *,
    on: str,
    name: str,
    description: str,
    type: Any = None,
    needs: Iterable[str] = (),
    loader: Callable[[AsyncSession, list[Any]], Awaitable[dict[Any, Any]]] | None = None,
    join: Join | None = None,
) -> tuple[str, Any]:
    """A field a line adds to core type ``on`` (``"Visit"``, ``"Customer"`` …).

    Either a ``resolver(root, info)`` — it receives a :class:`RowView` (``id`` + ``needs``)
    — or a batch ``loader`` with the field's ``type``: core calls
    ``await loader(session, roots)`` once per page (roots are views too; return
    ``{root id: value}``) and the field answers the loader's value for its root; ``join``
    lets pages fetch the same value in the page's own SELECT.  Return these from
    ``frontdesk_graphql_type_fields`` as a list.
    """
    needs = tuple(needs)
    allowed = frozenset({"id", *needs})
    metadata: dict[str, Any] = {NEEDS: needs} if needs else {}
    if join is not None and loader is None:
        raise PluginError(f"{on}.{name}: a join needs the loader it replaces")
    if (resolver is None) == (loader is None):
        raise PluginError(f"{on}.{name}: give either a resolver or a loader (with type=)")
    if loader is not None:
        if type is None:
            raise PluginError(f"{on}.{name}: a loaded field needs type=")
        key = prefetch_key(on, name)

        async def load(session: AsyncSession, roots: Sequence[Any]) -> dict[Any, Any]:
            return await loader(session, [_view(r, allowed, on) for r in roots])

        def loaded(root: strawberry.Parent[Any], info: Info) -> Any:
            return prefetched(info, key, root)

        loaded.__annotations__["return"] = type | None
        resolver = reads_prefetched(key)(loaded)
        metadata["prefetch"] = load
        if join is not None:
            metadata["prefetch_join"] = JoinedPrefetch(join.model, join.root_key, join.build)
    field = strawberry.field(
        resolver=resolver,
        name=name,
        description=description,
        metadata=metadata,
        extensions=[_RowViewExtension(allowed, on)],
    )
    return (on, field)


def _root_field(
    make: Callable[..., Any],
    resolver: Callable[..., Any],
    name: str,
    description: str,
    permission: str | Permission,
) -> Any:
    try:
        wanted = Permission(permission)
    except ValueError:
        raise PluginError(
            f"field {name!r}: unknown permission {permission!r} "
            f"(one of {', '.join(p.value for p in Permission)})",
            code="UNKNOWN_PERMISSION",
        ) from None
    return make(
        resolver=resolver,
        name=name,
        description=description,
        metadata={"permission": wanted.value},
    )


def line_query(
    resolver: Callable[..., Any], *, name: str, description: str, permission: str = "read"
) -> Any:
    """A root ``Query`` field; ``permission`` is checked before it runs (C-13)."""
    return _root_field(strawberry.field, resolver, name, description, permission)


def _lower_camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def line_mutation(
    resolver: Callable[..., Any],
    *,
    name: str,
    description: str,
    permission: str = "create",
    result: str | None = None,
    result_description: str | None = None,
) -> LineMutation:
    """A root ``Mutation`` field (default permission ``create``; ``manage`` for a manager's
    decisions), following the schema's mutation convention automatically (issue 17):

    * ``resolver(info, input: SomeInput) -> T`` — one ``input`` argument, a strawberry input;
      it is published as ``<Name>Input`` (``recordLead`` → ``RecordLeadInput``);
    * the field returns ``<Name>Payload!``: ``<result>: T`` (nullable; ``result`` defaults to
      ``T``'s GraphQL name in lowerCamelCase, e.g. ``fitnessSale``) and
      ``userErrors: [<Line>UserError!]!``;
    * raise :class:`~core.plugin_api.FrontdeskError` kinds as usual: a client's mistake
      becomes a user error with the code (declare the line's codes with the
      ``frontdesk_error_codes`` hook so they are in the line's ``<Line>ErrorCode`` enum),
      nothing is written;
    * while the line is switched off the field stays in the schema and answers a
      ``LINE_DISABLED`` user error without running.
    """
    import typing

    try:
        wanted = Permission(permission)
    except ValueError:
        raise PluginError(
            f"field {name!r}: unknown permission {permission!r} "
            f"(one of {', '.join(p.value for p in Permission)})",
            code="UNKNOWN_PERMISSION",
        ) from None
    hints = typing.get_type_hints(resolver)
    params = [p for p in inspect.signature(resolver).parameters if p not in ("self", "info")]
    input_type = hints.get("input")
    if params != ["input"] or input_type is None or not _is_input(input_type):
        raise PluginError(
            f"mutation {name!r}: the resolver takes (info, input: <a strawberry.input>) — "
            f"one input argument (schema convention); it takes {params}",
            code="PLUGIN_CONTRACT_VIOLATION",
        )
    result_type = hints.get("return")
    if result_type is None:
        raise PluginError(
            f"mutation {name!r}: annotate the resolver's return type",
            code="PLUGIN_CONTRACT_VIOLATION",
        )
    if result is None:
        base = typing.get_args(result_type)[0] if typing.get_args(result_type) else result_type
        definition = getattr(base, "__strawberry_definition__", None)
        type_name = getattr(definition, "name", None) or getattr(base, "__name__", "result")
        result = _lower_camel(type_name) + ("s" if typing.get_args(result_type) else "")
    return LineMutation(
        resolver=resolver,
        name=name,
        description=description,
        permission=wanted.value,
        input_type=input_type,
        result_type=result_type,
        result_field=result,
        result_description=result_description or f"The result of `{name}`.",
    )


def _is_input(cls: Any) -> bool:
    definition = getattr(cls, "__strawberry_definition__", None)
    return bool(getattr(definition, "is_input", False))


def line_subscription(
    resolver: Callable[..., Any], *, name: str, description: str, permission: str = "subscribe"
) -> Any:
    """A root ``Subscription`` field."""
    return _root_field(strawberry.subscription, resolver, name, description, permission)


async def event_updates(
    info: Info, stream: str, site_id: Any = None, after: str | None = None
) -> AsyncGenerator[DomainEvent, None]:
    """The resolver body of a line's live subscription over its own event stream (issue 17):
    the stored events of ``stream`` (what the line records with ``record_event``) after
    cursor ``after`` (validated: INVALID_CURSOR), then live ones, optionally of site
    ``site_id`` (a global or legacy id; SITE_NOT_FOUND) — in order, none twice, across
    processes, exactly as ``complaintUpdates``.  Give each update the cursor
    :func:`event_cursor` of its event so clients resume with it."""
    fd = info.context.app
    site, after_id = await parse_arguments(fd, site_id, after)
    events = stream_events(fd, stream, site_id=site, after=after_id)
    try:
        async for e in events:
            yield e
    finally:
        await events.aclose()


def event_cursor(event: DomainEvent) -> str:
    """The opaque cursor of ``event``: a subscriber passes it back as ``after``."""
    return encode_cursor(CURSOR_KIND, event.id)


def acting_staff(info: Info, given: Any, field: str = "actingStaffId") -> int:
    """C-13 / C-9 "who": the staff member a mutation records as acting — ``given`` (an id
    input named ``field``) when it is the token's own staff member or the token may act for
    others (``act_for``: administrators, clerks; audited "on behalf of"), else FORBIDDEN;
    without ``given`` the token's own staff member (ACTOR_REQUIRED when it has none)."""
    from core.graphql.complaints import _actor_id

    return _actor_id(info, given, field)


def now(info: Info) -> datetime:
    """The request's clock (fixed in tests): pass it to rules, never call ``datetime.now``."""
    return info.context.now()


def read_session(info: Info) -> AbstractAsyncContextManager[AsyncSession]:
    """A read-only session for a query resolver (``async with read_session(info) as s``)."""
    return info.context.db.session()


def write_session(info: Info) -> AbstractAsyncContextManager[AsyncSession]:
    """The write transaction of a mutation: commits on success, rolls back on error, and
    publishes the events recorded in it after commit."""
    return info.context.app.write()


ResultT = TypeVar("ResultT")


async def line_write(
    info: Info, step: Callable[..., Awaitable[ResultT]], /, *args: Any, **kwargs: Any
) -> ResultT:
    """The body of a :func:`line_mutation` resolver: ``await step(session, *args, now=…,
    **kwargs)`` in the mutation's write transaction (:func:`write_session`), answering what
    ``step`` returns (the payload's result).

    ``step`` is a function of the session, the mutation's facts and ``now`` — a line's service
    step and the view of what it wrote, e.g. ``async def add_lead(session, data, now)`` called
    as ``return await line_write(info, add_lead, input)``.  ``now`` is the request's clock, read
    once; a resolver that read it already (for an input's default, ``input.at or moment``)
    passes ``now=moment`` so the step sees the same moment.  Everything ``step`` writes commits
    together; a :class:`~core.plugin_api.FrontdeskError` it raises rolls all of it back and
    :func:`line_mutation` answers it as a user error with its ``code``.  Read what you return
    inside ``step``: it runs in the transaction, so the answer is what commits.
    """
    if "now" not in kwargs:
        kwargs["now"] = now(info)
    async with write_session(info) as session:
        return await step(session, *args, **kwargs)
