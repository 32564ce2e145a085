"""Loading planned from the query's selection: one statement per page, whatever its size.

The root resolver looks at what the client selected under ``edges.node`` (or ``nodes``),
joins exactly those relations in the same SELECT, and runs each selected plugin field's batch
loader once for the whole page.  Nested resolvers then only read attributes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from graphql import get_named_type
from sqlalchemy import Column, Select, and_, func, inspect, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql import visitors
from sqlalchemy.sql.util import ClauseAdapter
from strawberry.types import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField

from core.errors import InvalidInput
from core.graphql import types as _types
from core.graphql.ids import parse_id
from core.graphql.types import (
    NEEDS,
    Connection,
    Edge,
    OrderDirection,
    PageInfo,
    decode_cursor,
    decode_keyed_cursor,
    encode_cursor,
)
from core.models import UTCDateTime

Selection = SelectedField | FragmentSpread | InlineFragment
F = TypeVar("F", bound=Callable[..., Any])


def _flatten(selections: Iterable[Selection]) -> list[SelectedField]:
    out: list[SelectedField] = []
    for sel in selections:
        if isinstance(sel, SelectedField):
            out.append(sel)
        else:
            out.extend(_flatten(sel.selections))
    return out


def children(fields: Iterable[SelectedField], name: str) -> list[SelectedField]:
    """Fields selected under every occurrence of ``name`` (aliases and fragments merged)."""
    out: list[SelectedField] = []
    for f in fields:
        if f.name == name:
            out.extend(_flatten(f.selections))
    return out


def selection(info: Info) -> list[SelectedField]:
    """What the client selected under the field being resolved (fragments merged)."""
    root = _flatten(info.selected_fields)
    return [f for r in root for f in _flatten(r.selections)]


def node_fields(info: Info) -> list[SelectedField]:
    """What the client selected on the nodes of the connection being resolved."""
    top = selection(info)
    return children(children(top, "edges"), "node") + children(top, "nodes")


# How each core type's relations load: GraphQL field -> (ORM attribute, GraphQL type name).
# Schema 1.0 object links (``Penalty.issuedBy``, ``Visit.site`` …) are relations too: joined
# in the page's SELECT, never one query per row.
RELATIONS: dict[str, dict[str, tuple[str, str]]] = {
    "Visit": {
        "customer": ("customer", "Customer"),
        "receiver": ("receiver", "Staff"),
        "namedStaff": ("named_staff", "Staff"),
        "site": ("site", "Site"),
        "corrects": ("corrects", "Visit"),
    },
    "Customer": {
        "site": ("site", "Site"),
        "group": ("group", "CustomerGroup"),
        "ownerStaff": ("owner_staff", "Staff"),
    },
    "CustomerGroup": {"ownerStaff": ("owner_staff", "Staff")},
    "Staff": {"site": ("site", "Site"), "department": ("department", "Department")},
    "Department": {"site": ("site", "Site")},
    "Penalty": {
        "staff": ("staff", "Staff"),
        "penaltyRule": ("penalty_rule", "PenaltyRule"),
        "site": ("site", "Site"),
        "issuedBy": ("issued_by", "Staff"),
        "complaint": ("complaint", "Complaint"),
        "visit": ("visit", "Visit"),
        "revokes": ("revokes", "Penalty"),
    },
    "Complaint": {
        "customer": ("customer", "Customer"),
        "handler": ("handler", "Staff"),
        "staffAtFault": ("staff_at_fault", "Staff"),
        "site": ("site", "Site"),
        "visit": ("visit", "Visit"),
    },
}


def _eager(model: Any, type_name: str, fields: Sequence[SelectedField], path: Any) -> list[Any]:
    options = []
    names = {f.name for f in fields}
    mapper = inspect(model)
    for gql_name, (attr, child) in RELATIONS.get(type_name, {}).items():
        if gql_name not in names:
            continue
        option = (
            joinedload(getattr(model, attr))
            if path is None
            else path.joinedload(getattr(model, attr))
        )
        target = mapper.relationships[attr].mapper.class_
        deeper = _eager(target, child, children(fields, gql_name), option)
        options.extend(deeper or [option])
    return options


def plan_eager(model: Any, type_name: str, fields: Sequence[SelectedField]) -> list[Any]:
    """Loader options joining exactly the selected relations, at any depth (one SELECT)."""
    return _eager(model, type_name, fields, None)


def _link_shape(
    registry: dict[str, Any], type_name: str, fields: Sequence[SelectedField]
) -> frozenset[Any]:
    """What of ``fields`` decides how a linked ``type_name`` row loads: the selected
    relations (with their own shapes) and the selected batch-loaded plugin fields."""
    names = {f.name for f in fields}
    loaders = registry.get(type_name, {})
    shape: list[Any] = [n for n in names if n in loaders]
    for gql_name, (_attr, child) in RELATIONS.get(type_name, {}).items():
        if gql_name in names:
            shape.append((gql_name, _link_shape(registry, child, children(fields, gql_name))))
    return frozenset(shape)


@dataclass(frozen=True)
class LinkPlan:
    """How an object link's rows load for the selection under it: the GraphQL type, the
    selected fields and their shape (links with the same shape share one batch)."""

    type_name: str
    fields: list[SelectedField]
    shape: frozenset[Any]


def link_plan(info: Info, model: Any) -> LinkPlan | None:
    """The plan of the object link being resolved when it answers ``model`` rows as a core
    type with relations or batch-loaded plugin fields (``Customer.group``, a line's field on
    ``Staff`` …); None when the row is answered as is."""
    raw = getattr(info, "_raw_info", None)
    if raw is None:
        return None
    type_name = get_named_type(raw.return_type).name
    registry: dict[str, Any] = getattr(info.schema, "frontdesk_prefetch", {})
    relations = RELATIONS.get(type_name, {})
    if not relations and not registry.get(type_name):
        return None
    if any(attr not in inspect(model).relationships for attr, _child in relations.values()):
        return None  # another type's rows answered through a view: nothing to plan
    fields = selection(info)
    shape = _link_shape(registry, type_name, fields)
    return LinkPlan(type_name, fields, shape) if shape else None


async def load_planned(
    info: Info, session: AsyncSession, model: Any, plan: LinkPlan | None, stmt: Select
) -> list[Any]:
    """The rows of a batch of object links (``stmt`` selects them), with the relations the
    plan's selection reads joined and its plugin fields' batch loaders run: one SELECT for
    the batch, plus one statement per selected loader, never one per row."""
    if plan is not None:
        options = plan_eager(model, plan.type_name, plan.fields)
        if options:
            stmt = stmt.options(*options)
    rows = list((await session.scalars(stmt)).unique().all())
    if plan is not None:
        await prefetch(info, session, plan.type_name, plan.fields, rows)
    return rows


def flat_relations(type_name: str, fields: Sequence[SelectedField]) -> bool:
    """Whether the selected relations of ``type_name`` are row types selecting no relation
    of their own (what :func:`load_rows` joins); else the ORM path plans the joins."""
    for gql_name, (_attr, child) in RELATIONS.get(type_name, {}).items():
        sub = children(fields, gql_name)
        if not sub:
            continue
        if child not in ROW_TYPES:
            return False
        names = {f.name for f in sub}
        if any(n in names for n in RELATIONS.get(child, {})):
            return False
    return True


async def prefetch(
    info: Info, session: AsyncSession, type_name: str, fields: Sequence[SelectedField], roots: list
) -> None:
    """Run the batch loaders of the plugin fields selected on ``roots`` and on their relations."""
    if not roots:
        return
    registry: dict[str, dict[str, tuple[str, Any]]] = getattr(info.schema, "frontdesk_prefetch", {})
    loaders = registry.get(type_name, {})
    ctx = info.context
    for f in fields:
        entry = loaders.get(f.name)
        if entry is not None:
            key, loader = entry
            wanted = [r for r in roots if (key, r.id) not in ctx.prefetched]
            if wanted:
                values = await loader(session, wanted)
                for r in wanted:
                    ctx.prefetched[(key, r.id)] = values.get(r.id)
    for gql_name, (attr, child_type) in RELATIONS.get(type_name, {}).items():
        sub = children(fields, gql_name)
        if sub and registry.get(child_type):
            nested = {id(o): o for r in roots if (o := getattr(r, attr)) is not None}
            await prefetch(info, session, child_type, sub, list(nested.values()))


def _joined_prefetches(
    info: Info, type_name: str, fields: Sequence[SelectedField]
) -> list[tuple[str, JoinedPrefetch]]:
    """(key, join) of the selected plugin fields on ``type_name`` that declare a join."""
    registry: dict[str, dict[str, tuple[str, JoinedPrefetch]]] = getattr(
        info.schema, "frontdesk_prefetch_joins", {}
    )
    joins = registry.get(type_name)
    if not joins:
        return []
    names = {f.name for f in fields}
    return [entry for gql_name, entry in joins.items() if gql_name in names]


#: Metadata keys core understands on plugin fields; anything else is a declaration error.
KNOWN_METADATA = frozenset({"permission", "prefetch", "prefetch_join", NEEDS, "frontdesk_plugin"})


async def written(
    info: Info,
    model: Any,
    type_name: str,
    obj: Any,
    fields: Sequence[SelectedField],
    session: AsyncSession,
) -> Any:
    """The row ``obj`` the mutation just wrote, as the answer, without reading it back
    (issue 8: one statement and its hydration fewer on every check-in).

    The row is flushed (what the transaction holds is what the answer says) and its times
    are normalised as the database returns them (UTC, ``UTCDateTime``), so the answer's
    bytes are a re-read's.  When the client selected a relation, or a column of the row is
    not loaded (a server default, an expired attribute), the row is re-read as
    :func:`core.graphql.mutations.reload` does.
    """
    relations = RELATIONS.get(type_name, {})
    if any(f.name in relations for f in fields):
        return await _reread(info, model, type_name, obj.id, fields, session)
    await session.flush()
    state = inspect(obj)
    columns, nulls, utc = _columns(model)
    if state.expired:
        return await _reread(info, model, type_name, obj.id, fields, session)
    unloaded = state.unloaded
    if not nulls.isdisjoint(unloaded):
        # Never set and without a default of any kind: the INSERT left them NULL.
        for key in nulls & unloaded:
            set_committed_value(obj, key, None)
        unloaded = state.unloaded
    if not columns.isdisjoint(unloaded):
        return await _reread(info, model, type_name, obj.id, fields, session)
    for column in utc:
        value = state.dict.get(column)
        if value is not None and value.tzinfo is not UTC:
            set_committed_value(obj, column, value.astimezone(UTC))
    await prefetch(info, session, type_name, fields, [obj])
    return obj


@functools.cache
def _columns(model: Any) -> tuple[frozenset[str], frozenset[str], tuple[str, ...]]:
    """The model's column attributes; those a row that never set them stores as NULL (a
    nullable plain column: no default, server default, computed value or identity); and those
    holding ``UTCDateTime`` values."""
    attrs = inspect(model).column_attrs
    plain = frozenset(
        a.key
        for a in attrs
        if len(a.columns) == 1
        and (c := a.columns[0]).nullable
        and not c.primary_key
        and c.default is None
        and c.server_default is None
        and c.onupdate is None
        and c.server_onupdate is None
        and c.computed is None
        and c.identity is None
    )
    utc = tuple(a.key for a in attrs if isinstance(a.columns[0].type, UTCDateTime))
    return frozenset(a.key for a in attrs), plain, utc


async def _reread(
    info: Info, model: Any, type_name: str, key: int, fields: Sequence[SelectedField], session: Any
) -> Any:
    stmt = select(model).where(model.id == key).execution_options(populate_existing=True)
    options = plan_eager(model, type_name, fields)
    if options:
        stmt = stmt.options(*options)
    obj = (await session.scalars(stmt)).unique().one()
    await prefetch(info, session, type_name, fields, [obj])
    return obj


def prefetch_key(type_name: str, field_name: str) -> str:
    """The request-scoped key of a batch-loaded field's values (unique within a schema)."""
    return f"{type_name}.{field_name}"


def prefetched(info: Info, key: str, root: Any) -> Any:
    """The value a plugin field's batch loader produced for ``root`` in this request."""
    return info.context.prefetched.get((key, root.id))


PREFETCH_MARK = "__frontdesk_prefetched__"


def reads_prefetched(key: str) -> Callable[[F], F]:
    """Mark a resolver that only returns ``prefetched(info, key, root)``.

    A field declaring a batch loader (``metadata={"prefetch": loader}``) whose resolver carries
    this mark, with the key ``schema.build`` gives the loader (``prefetch_key``), is read
    straight from the request's prefetched values by compiled completions
    (``core.graphql.accel.compiled``), without calling the resolver.
    """

    def mark(resolver: F) -> F:
        setattr(resolver, PREFETCH_MARK, key)
        return resolver

    return mark


# A field extension whose class sets this attribute to True only hands the resolver a view of
# its source that exposes at least ``id`` (the plugin API's row view): a field marked with
# :func:`reads_prefetched` still answers ``prefetched(info, key, root)`` through it, so
# compiled completions may read the prefetched value directly as well.
SOURCE_VIEW_ONLY = "frontdesk_source_view_only"


# --- pages as rows ---------------------------------------------------------------------------
# A page is read-only: its objects need no identity map, change tracking or lazy loading.
# Loading them as ORM entities costs ~2-3 ms per 100 visits (instance state, identity map,
# unique()); one Core SELECT of the same columns into slotted objects costs a fraction.
# Connection types listed here have GraphQL types that only read columns and the to-one
# relations in RELATIONS; a statement carrying ORM loader options keeps the ORM path.
ROW_TYPES = frozenset(
    {"Visit", "Customer", "Staff", "Site", "Penalty", "PenaltyRule", "CustomerGroup", "Department"}
)


@functools.cache
def _row_plan(model: Any) -> tuple[type, list[str], list[Any]]:
    """A slotted class with the model's column attributes and relationship names."""
    mapper = inspect(model)
    keys = [p.key for p in mapper.column_attrs]
    columns = [p.columns[0] for p in mapper.column_attrs]
    slots = tuple(keys + [r.key for r in mapper.relationships])
    cls = type(f"{model.__name__}Row", (), {"__slots__": slots, "__module__": __name__})
    return cls, keys, columns


@functools.lru_cache(maxsize=1024)
def _builder(model: Any, offset: int, keys: tuple[str, ...] | None = None) -> Callable[[Any], Any]:
    """``row -> object`` setting ``keys`` (default: every column attribute of ``model``) from
    consecutive row positions starting at ``offset`` (generated once per shape)."""
    cls, all_keys, _ = _row_plan(model)
    keys = tuple(all_keys) if keys is None else keys
    lines = ["def build(row):", "    o = new(cls)"]
    lines += [f"    o.{k} = row[{offset + i}]" for i, k in enumerate(keys)]
    lines.append("    return o")
    namespace: dict[str, Any] = {"new": object.__new__, "cls": cls}
    exec("\n".join(lines), namespace)  # generated from mapper attribute names only
    return namespace["build"]


# --- which columns a selection reads ---------------------------------------------------------
# A page selects only the columns its GraphQL selection reads: fewer bytes from the database,
# and no type conversion (enums, UTC datetimes, JSON) of values nobody asked for.  A field
# reads a column when it has no resolver and its Python name is a column attribute; a field
# with a resolver declares what it reads with ``metadata=needs("party_size")``; a field that
# declares a batch loader reads ``id`` (plus its ``needs``: the loader gets the page's rows).
# Anything else (an undeclared resolver, a name that is not a column) makes the page load
# every column, as before: narrowing is an optimisation that never changes an answer.
DEFINITION_BACKREF = "strawberry-definition"  # graphql-core field -> strawberry field


@functools.lru_cache(maxsize=1024)
def _columns_read(gql_type: Any, model: Any, names: frozenset[str]) -> tuple[str, ...] | None:
    """The column attributes of ``model`` that fields ``names`` of ``gql_type`` read, in
    mapper order and always with ``id``; None when that cannot be known (read them all)."""
    _cls, keys, _columns = _row_plan(model)
    column_keys = set(keys)
    relations = RELATIONS.get(gql_type.name, {})
    wanted = {"id"}
    for name in names:
        if name == "__typename" or name in relations:
            continue  # relations are joined by their own columns
        field = gql_type.fields.get(name)
        definition = field.extensions.get(DEFINITION_BACKREF) if field is not None else None
        if definition is None:
            return None
        metadata = definition.metadata or {}
        if "prefetch" in metadata:
            wanted.update(metadata.get(NEEDS, ()))  # loaders are keyed on id
            continue
        if definition.base_resolver is None:
            if definition.python_name not in column_keys:
                return None
            wanted.add(definition.python_name)
        elif NEEDS in metadata:
            wanted.update(metadata[NEEDS])
        else:
            return None
    if not wanted <= column_keys:
        return None
    return tuple(k for k in keys if k in wanted)


def _read_keys(info: Info, type_name: str, model: Any, fields: Sequence[SelectedField]) -> Any:
    gql_type = info.schema._schema.type_map.get(type_name)
    if gql_type is None:
        return None
    return _columns_read(gql_type, model, frozenset(f.name for f in fields))


@dataclass(frozen=True)
class JoinedPrefetch:
    """A plugin field's batch load expressed as one outer join onto the page's SELECT.

    Declared next to the batch loader: ``metadata={"prefetch": loader, "prefetch_join":
    JoinedPrefetch(Model, "root_id", build)}``.  ``Model`` has at most one row per root (its
    ``root_id`` column is unique, typically its primary key); ``build`` turns a row with
    ``Model``'s column attributes into the field's value, exactly as the loader does for an
    ORM entity.  Pages loaded as rows (:func:`load_rows`) join it instead of running the
    loader; the field's value is None for roots without a row, as with the loader.
    """

    model: Any
    root_key: str
    build: Callable[[Any], Any]


def _pick(model: Any, keys: tuple[str, ...] | None) -> tuple[tuple[str, ...], list[Any]]:
    """(attribute keys, their columns) of ``model``: ``keys`` or, for None, all of them."""
    _cls, all_keys, columns = _row_plan(model)
    if keys is None:
        return tuple(all_keys), list(columns)
    by_key = dict(zip(all_keys, columns, strict=True))
    return keys, [by_key[k] for k in keys]


@functools.lru_cache(maxsize=1024)
def _join_plan(
    model: Any,
    keys: tuple[str, ...] | None,
    relations: tuple[tuple[str, tuple[str, ...] | None], ...],
    extra: tuple[JoinedPrefetch, ...] = (),
) -> tuple[Any, list[Any], list, Callable[[Any], Any], list, list]:
    """Columns and outer joins for ``model``'s ``keys`` (None: all columns) with the named
    to-one relations (each with its keys) and the joined prefetches (built once per shape)."""
    mapper = inspect(model)
    keys, select_columns = _pick(model, keys)
    build = _builder(model, 0, keys)
    joins, related = [], []
    for attr, rel_keys in relations:
        rel = mapper.relationships[attr]
        target = rel.mapper.class_
        tkeys, tcolumns = _pick(target, rel_keys)
        alias = rel.mapper.local_table.alias(f"r_{attr}")
        onclause = and_(*(local == alias.c[remote.key] for local, remote in rel.local_remote_pairs))
        joins.append((alias, onclause))
        offset = len(select_columns)
        select_columns += [alias.c[c.key] for c in tcolumns]
        pk = offset + tkeys.index(rel.mapper.primary_key[0].key)
        related.append((attr, _builder(target, offset, tkeys), pk))
    extras = []
    for n, joined in enumerate(extra):
        _tcls, tkeys, tcolumns = _row_plan(joined.model)
        alias = inspect(joined.model).local_table.alias(f"p_{n}")
        joins.append((alias, alias.c[joined.root_key] == mapper.local_table.c.id))
        offset = len(select_columns)
        select_columns += [alias.c[c.key] for c in tcolumns]
        present = offset + tkeys.index(joined.root_key)
        extras.append((_builder(joined.model, offset), present, joined.build))
    return mapper.local_table, select_columns, joins, build, related, extras


def _page_then_join(
    stmt: Select, table: Any, select_columns: list[Any], joins: list[tuple[Any, Any]]
) -> Select:
    """The page's rows first (filter, order, limit on ``table`` alone, a subquery), then the
    to-one joins of those rows only, in the same order.

    The same rows as joining first (outer joins on a key keep every row and add none), but
    the planner can no longer join every row the filter selects before sorting and
    limiting (e.g. a month of visits ordered by id: 450 customer lookups and a scan of all
    staff for a page of 100, growing with the site's staff and the month), issue 13.
    """
    needed: dict[str, Any] = {}

    def collect(expression: Any) -> None:
        for element in visitors.iterate(expression):
            if isinstance(element, Column) and element.table is table:
                needed.setdefault(element.key, element)

    order = list(stmt._order_by_clauses)
    for expression in (*select_columns, *(on for _alias, on in joins), *order):
        collect(expression)
    page = stmt.with_only_columns(*needed.values(), maintain_column_froms=False).subquery("page")
    adapter = ClauseAdapter(page)
    outer = select(*(adapter.traverse(c) for c in select_columns)).select_from(page)
    for alias, onclause in joins:
        outer = outer.outerjoin(alias, adapter.traverse(onclause))
    return outer.order_by(*(adapter.traverse(o) for o in order))


async def load_rows(
    info: Info,
    session: AsyncSession,
    stmt: Select,
    model: Any,
    type_name: str,
    fields: Sequence[SelectedField],
    joined: tuple[JoinedPrefetch, ...] = (),
    also: tuple[str, ...] = (),
) -> tuple[list[Any], list[tuple[Any, ...]]]:
    """The page as row objects: one SELECT with the selected to-one relations joined.

    Also returns, per row, the values of the ``joined`` prefetches (in their order).
    """
    names = {f.name for f in fields}
    relations = tuple(
        (attr, _read_keys(info, child, inspect(model).relationships[attr].mapper.class_, sub))
        for gql_name, (attr, child) in RELATIONS.get(type_name, {}).items()
        if gql_name in names
        for sub in [children(fields, gql_name)]
    )
    keys = _read_keys(info, type_name, model, fields)
    if keys is not None and not set(also) <= set(keys):
        wanted = set(keys) | set(also)
        keys = tuple(k for k in _row_plan(model)[1] if k in wanted)
    table, select_columns, joins, build, related, extras = _join_plan(
        model, keys, relations, joined
    )
    if joins:
        stmt = _page_then_join(stmt, table, select_columns, joins)
    else:
        stmt = stmt.with_only_columns(*select_columns, maintain_column_froms=False)
    out = []
    values = []
    # Through the session's connection: a Core statement needs none of the ORM's result
    # handling (same rows, same transaction).
    connection = await session.connection()
    for row in (await connection.execute(stmt)).all():
        obj = build(row)
        for attr, build_related, pk in related:
            setattr(obj, attr, build_related(row) if row[pk] is not None else None)
        out.append(obj)
        if extras:
            values.append(
                tuple(
                    make(build_row(row)) if row[present] is not None else None
                    for build_row, present, make in extras
                )
            )
    return out, values


@dataclass(frozen=True)
class Order:
    """A page order: model attribute ``attr`` (unique ties broken by id), descending or not;
    ``parse`` turns a cursor's JSON value back into the column's type."""

    attr: str = "id"
    descending: bool = True
    parse: Callable[[Any], Any] = lambda v: v


NEWEST_FIRST = Order()


def _parse_datetime(value: Any) -> Any:
    return datetime.fromisoformat(value)


def _parse_date(value: Any) -> Any:
    return date.fromisoformat(value)


def order_of(attr: str, descending: bool, model: Any) -> Order:
    """The :class:`Order` on ``model.attr``, parsing cursor values by the column's type."""
    if attr == "id":
        return Order("id", descending)
    column_type = getattr(model, attr).type
    # A TypeDecorator (UTCDateTime) reports ``object``: its implementation knows.
    python_type = getattr(column_type, "impl", column_type).python_type
    parse: Callable[[Any], Any] = (
        _parse_datetime
        if python_type is datetime
        else _parse_date
        if python_type is date
        else python_type
    )
    return Order(attr, descending, parse)


def order_arg(order_by: Any, model: Any) -> Order:
    """The :class:`Order` of an ``orderBy`` argument (None: newest first)."""
    if order_by is None:
        return NEWEST_FIRST
    return order_of(order_by.field.value, order_by.direction is OrderDirection.DESC, model)


def _beyond(model: Any, order: Order, value: Any, key: int, descending: bool) -> Any:
    """Rows after (value, key) when walking ``descending`` or not."""
    idc = model.id
    if order.attr == "id":
        return idc < key if descending else idc > key
    # A row comparison, not ``col < v OR (col = v AND id < k)``: the same rows, but PostgreSQL
    # (and SQLite) seek the ``(site_id, col, id)`` index to the cursor with it, where the OR
    # form is a filter over every row before the cursor (a deep page would cost its depth).
    position = tuple_(getattr(model, order.attr), idc)
    # (The values as a plain tuple: bound with the columns' types, e.g. UTCDateTime.)
    return position < (value, key) if descending else position > (value, key)


def _position(cursor: str, kind: str, order: Order, field: str) -> tuple[Any, int]:
    if order.attr == "id":
        return None, decode_cursor(kind, cursor, field)
    return decode_keyed_cursor(kind, cursor, order.attr, order.parse, field)


def check_page(
    first: int | None, last: int | None, max_page_size: int, default: int
) -> tuple[int, bool]:
    """(page size, backward) of a connection's arguments, INVALID_PAGE_SIZE when wrong."""
    if first is not None and last is not None:
        raise InvalidInput(
            "give `first` (forward) or `last` (backward), not both",
            code="INVALID_PAGE_SIZE",
            field="last",
        )
    backward = last is not None
    size = last if last is not None else (first if first is not None else default)
    if not 0 <= size <= max_page_size:
        name = "last" if backward else "first"
        raise InvalidInput(
            f"{name} must be between 0 and {max_page_size}", code="INVALID_PAGE_SIZE", field=name
        )
    return size, backward


def wants_total(info: Info) -> bool:
    """Whether the connection being resolved selects ``totalCount``."""
    return any(f.name == "totalCount" for f in selection(info))


async def count_rows(session: AsyncSession, stmt: Select, model: Any) -> int:
    """How many rows ``stmt`` (filters only) matches: one COUNT."""
    inner = stmt.with_only_columns(model.id, maintain_column_froms=True).order_by(None)
    return int(await session.scalar(select(func.count()).select_from(inner.subquery())) or 0)


async def paginate(
    info: Info,
    session: AsyncSession,
    stmt: Select,
    *,
    model: Any,
    type_name: str,
    cursor_kind: str,
    first: int | None = None,
    after: str | None = None,
    max_page_size: int,
    last: int | None = None,
    before: str | None = None,
    order: Order = NEWEST_FIRST,
    default_page: int = 20,
    options: Sequence[Any] = (),
    view: Callable[[Any], Any] | None = None,
) -> Connection:
    """Keyset pagination (Relay cursor connections) in ``order`` (default: newest first),
    eager loading planned from the selection: one SELECT per page (+ one COUNT when
    ``totalCount`` is selected).  ``first``/``after`` walk forward, ``last``/``before``
    backward; never OFFSET."""
    size, backward = check_page(first, last, max_page_size, default_page)
    fields = node_fields(info)
    total = await count_rows(session, stmt, model) if wants_total(info) else 0
    if after is not None:
        value, key = _position(after, cursor_kind, order, "after")
        stmt = stmt.where(_beyond(model, order, value, key, order.descending))
    if before is not None:
        value, key = _position(before, cursor_kind, order, "before")
        stmt = stmt.where(_beyond(model, order, value, key, not order.descending))
    if options:
        stmt = stmt.options(*options)  # after the COUNT, which needs no loading
    scan_descending = order.descending != backward
    keys = [model.id] if order.attr == "id" else [getattr(model, order.attr), model.id]
    stmt = stmt.order_by(*(k.desc() if scan_descending else k.asc() for k in keys))
    stmt = stmt.limit(size + 1)
    if type_name in ROW_TYPES and not stmt._with_options and flat_relations(type_name, fields):
        joins = _joined_prefetches(info, type_name, fields)
        rows, values = await load_rows(
            info,
            session,
            stmt,
            model,
            type_name,
            fields,
            tuple(j for _, j in joins),
            also=(order.attr,),
        )
        if joins:
            store = info.context.prefetched
            for r, row_values in zip(rows[:size], values, strict=False):
                for (key, _joined), value in zip(joins, row_values, strict=True):
                    store.setdefault((key, r.id), value)
    else:
        options = plan_eager(model, type_name, fields)
        if options:
            stmt = stmt.options(*options)
        rows = list((await session.scalars(stmt)).unique().all())
    more = len(rows) > size
    rows = rows[:size]
    if backward:
        rows.reverse()
    await prefetch(info, session, type_name, fields, rows)
    if order.attr == "id":
        cursors = [encode_cursor(cursor_kind, r.id) for r in rows]
    else:
        cursors = [
            encode_cursor(cursor_kind, r.id, getattr(r, order.attr), order.attr) for r in rows
        ]
    nodes = rows if view is None else [view(r) for r in rows]
    edges = [Edge(cursor=c, node=n) for c, n in zip(cursors, nodes, strict=True)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=before is not None if backward else more,
            end_cursor=edges[-1].cursor if edges else None,
            has_previous_page=more if backward else after is not None,
            start_cursor=edges[0].cursor if edges else None,
        ),
        total_count=total,
    )


async def site_page(
    info: Info,
    stmt: Select,
    *,
    model: Any,
    type_name: str,
    cursor_kind: str,
    order_column: str,
    view: Callable[[Any], Any],
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection:
    """A connection over ``stmt`` in ascending ``order_column`` (ties by id), pages of at
    most the ``max_page_size`` setting (also the default): the rosters, attendance, leave,
    appointments and bookings lists, each filtered and ordered as its index is written."""
    size = info.context.app.settings.max_page_size
    async with info.context.db.session() as session:
        return await paginate(
            info,
            session,
            stmt,
            model=model,
            type_name=type_name,
            cursor_kind=cursor_kind,
            first=first,
            after=after,
            last=last,
            before=before,
            order=order_of(order_column, False, model),
            max_page_size=size,
            default_page=size,
            view=view,
        )


async def business_days_page(
    info: Info,
    model: Any,
    *,
    site_id: Any,
    from_date: date,
    to_date: date,
    order_column: str = "business_date",
    **page: Any,
) -> Connection:
    """:func:`site_page` over the ``model`` rows of site ``site_id`` (its global or legacy id,
    argument ``siteId``) with ``business_date`` from ``from_date`` to ``to_date`` (both
    included), as their (site, business day) indexes are written (c0019_scale): the roster
    (``shifts``, by start), ``attendanceRecords`` and ``leaveRequestsPage`` (by business day).
    ``page``: the rest of :func:`site_page`'s keywords (``type_name``, ``cursor_kind``,
    ``view``, ``first``/``after``/``last``/``before``)."""
    stmt = select(model).where(
        model.site_id == parse_id(site_id, "siteId"),
        model.business_date.between(from_date, to_date),
    )
    return await site_page(info, stmt, model=model, order_column=order_column, **page)


# core.graphql.types' links plan their selection with these (types cannot import this module).
_types.LINK_PLANNING.plan = link_plan
_types.LINK_PLANNING.load = load_planned
