"""Proposed core changes, applied by monkeypatching so the benchmark can measure them.

Nothing here is imported by the application; ``bench/apps.py`` applies the patches named in
``BENCH_PATCHES`` (``visits_page.py --patches a,b``) and ``profile_visits.py --patches a,b``
does the same in process.  Each patch corresponds to a diff in bench/proposals/.

* ``validation-cache`` - schema/build.py: strawberry's ``QueryDepthLimiter`` and
  ``MaxAliasesLimiter`` create a new validation-rule *class* each time they are constructed,
  and the schema constructs them per request, so ``ValidationCache`` (keyed on the rule
  classes) never hits: every request re-validates the document.  Build the rules once.
* ``fast-fields`` - new core/graphql/execution.py (= bench/fast_execution.py) passed as
  ``execution_context_class``: plain attribute fields skip graphql-core's per-field work.
* ``core-rows`` - core/graphql/loading.py: load a connection page with one Core SELECT of the
  entity's columns plus the selected to-one relations' columns, into slotted row objects,
  instead of ORM entities (no identity map, no instance state, no ``unique()``).
* ``auth-cache`` - core/app.py: remember a bearer token's actor for a few seconds instead of
  one more session + SELECT on every request (revocation then takes up to the TTL).
* ``gc-freeze`` - core/app.py: ``gc.freeze()`` once started, so that full collections stop
  re-walking the long-lived schema/mapper/module objects.
"""

from __future__ import annotations

import functools
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


def validation_cache() -> None:
    from strawberry.extensions import AddValidationRules, MaxAliasesLimiter, QueryDepthLimiter

    import schema.build as build

    @functools.cache
    def rules(kind: type, items: tuple[tuple[str, Any], ...]) -> tuple[type, ...]:
        return tuple(kind(**dict(items)).validation_rules)

    def depth(**kw: Any) -> AddValidationRules:
        return AddValidationRules(list(rules(QueryDepthLimiter, tuple(sorted(kw.items())))))

    def aliases(**kw: Any) -> AddValidationRules:
        return AddValidationRules(list(rules(MaxAliasesLimiter, tuple(sorted(kw.items())))))

    _set(build, "QueryDepthLimiter", depth)
    _set(build, "MaxAliasesLimiter", aliases)


def fast_fields() -> None:
    import schema.build as build
    from bench.fast_execution import FastExecutionContext

    original = build.build_schema

    @functools.wraps(original)
    def build_schema(*args: Any, **kwargs: Any) -> Any:
        schema = original(*args, **kwargs)
        schema.execution_context_class = FastExecutionContext
        return schema

    _set(build, "build_schema", build_schema)


# --- core-rows ------------------------------------------------------------------------------


@functools.cache
def _row_plan(model: Any) -> tuple[type, list[str], list[Any]]:
    """A slotted class with the model's column attributes and relationship names."""
    from sqlalchemy import inspect

    mapper = inspect(model)
    keys = [p.key for p in mapper.column_attrs]
    columns = [p.columns[0] for p in mapper.column_attrs]
    slots = tuple(keys + [r.key for r in mapper.relationships])
    cls = type(f"{model.__name__}Row", (), {"__slots__": slots, "__module__": __name__})
    return cls, keys, columns


@functools.cache
def _builder(model: Any, offset: int) -> Callable[[Any], Any]:
    cls, keys, _ = _row_plan(model)
    lines = ["def build(row):", "    o = new(cls)"]
    lines += [f"    o.{k} = row[{offset + i}]" for i, k in enumerate(keys)]
    lines.append("    return o")
    ns: dict[str, Any] = {"new": object.__new__, "cls": cls}
    exec("\n".join(lines), ns)  # generated from mapper attribute names only
    return ns["build"]


@functools.cache
def _join_plan(model: Any, relations: tuple[str, ...]) -> tuple[Any, list[Any], list[Any]]:
    """Columns and outer joins for ``model`` with the named to-one relations (built once)."""
    from sqlalchemy import and_, inspect

    mapper = inspect(model)
    table = mapper.local_table
    _cls, _keys, columns = _row_plan(model)
    select_columns = list(columns)
    joins, related = [], []
    for attr in relations:
        rel = mapper.relationships[attr]
        target = rel.mapper.class_
        _tcls, tkeys, tcolumns = _row_plan(target)
        alias = rel.mapper.local_table.alias(f"r_{attr}")
        onclause = and_(*(local == alias.c[remote.key] for local, remote in rel.local_remote_pairs))
        joins.append((alias, onclause))
        offset = len(select_columns)
        select_columns += [alias.c[c.key] for c in tcolumns]
        pk = offset + tkeys.index(rel.mapper.primary_key[0].key)
        related.append((attr, _builder(target, offset), pk))
    return table, select_columns, [joins, related]


async def load_rows(
    session: Any, stmt: Any, model: Any, type_name: str, fields: Sequence[Any]
) -> list[Any]:
    """The page as row objects: one SELECT with the selected to-one relations joined."""
    from core.graphql.loading import RELATIONS

    names = {f.name for f in fields}
    relations = tuple(
        attr
        for gql_name, (attr, _child) in RELATIONS.get(type_name, {}).items()
        if gql_name in names
    )
    table, select_columns, (joins, related) = _join_plan(model, relations)
    for alias, onclause in joins:
        stmt = stmt.outerjoin_from(table, alias, onclause)
    stmt = stmt.with_only_columns(*select_columns, maintain_column_froms=False)
    rows = (await session.execute(stmt)).all()
    build = _builder(model, 0)
    out = []
    for row in rows:
        obj = build(row)
        for attr, build_related, pk in related:
            setattr(obj, attr, build_related(row) if row[pk] is not None else None)
        out.append(obj)
    return out


# Connection types whose pages load as rows (their GraphQL types only read columns and the
# to-one relations in RELATIONS); a statement that carries ORM loader options (complaints'
# history, for instance) keeps the ORM path.
ROW_TYPES = frozenset({"Visit", "Customer", "Staff", "Site", "Penalty"})


def core_rows() -> None:
    import sys

    import schema.build  # noqa: F401 - imports every root module that imports paginate
    from core.graphql import loading
    from core.graphql.types import Connection, Edge, PageInfo, decode_cursor, encode_cursor

    original = loading.paginate

    async def paginate(
        info: Any,
        session: Any,
        stmt: Any,
        *,
        model: Any,
        type_name: str,
        cursor_kind: str,
        first: int,
        after: str | None,
        max_page_size: int,
    ) -> Connection:
        if type_name not in ROW_TYPES or stmt._with_options:
            return await original(
                info,
                session,
                stmt,
                model=model,
                type_name=type_name,
                cursor_kind=cursor_kind,
                first=first,
                after=after,
                max_page_size=max_page_size,
            )
        from core.errors import InvalidInput

        if not 0 <= first <= max_page_size:
            raise InvalidInput(
                f"first must be between 0 and {max_page_size}",
                code="INVALID_PAGE_SIZE",
                field="first",
            )
        fields = loading.node_fields(info)
        if after is not None:
            stmt = stmt.where(model.id < decode_cursor(cursor_kind, after))
        stmt = stmt.order_by(model.id.desc()).limit(first + 1)
        rows = await load_rows(session, stmt, model, type_name, fields)
        has_next = len(rows) > first
        rows = rows[:first]
        await loading.prefetch(info, session, type_name, fields, rows)
        edges = [Edge(cursor=encode_cursor(cursor_kind, r.id), node=r) for r in rows]
        return Connection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=has_next, end_cursor=edges[-1].cursor if edges else None
            ),
        )

    # Every module that imported the name (queries, complaints, admin, plugins ...).
    for module in list(sys.modules.values()):
        if getattr(module, "paginate", None) is original and module.__name__.startswith(
            ("core.", "plugins.", "schema.")
        ):
            _set(module, "paginate", paginate)


# --- auth-cache -----------------------------------------------------------------------------

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
        _ = self.schema  # build it now, before freezing
        gc.collect()
        gc.freeze()

    _set(Frontdesk, "start", start)
    gc.collect()
    gc.freeze()  # for an already started process (profile_visits --ab)
    _UNDO.append((gc, "_bench_unfreeze", None))


PATCHES: dict[str, Callable[[], None]] = {
    "validation-cache": validation_cache,
    "fast-fields": fast_fields,
    "core-rows": core_rows,
    "auth-cache": auth_cache,
    "gc-freeze": gc_freeze,
}


# What "all" applies.  auth-cache is left out: with a TTL cache a revoked token keeps working
# for up to the TTL, which C-13 (and tests/test_access_control.py) forbid.  gc-freeze is left
# out: since core raised the gen-0 threshold to 50,000 (tune_gc_for_long_lived_connections)
# full collections are rare and freezing no longer measurably helps.
RECOMMENDED = ["validation-cache", "fast-fields", "core-rows"]


def apply(names: Sequence[str]) -> None:
    for name in names:
        if name == "all":
            apply(RECOMMENDED)
            continue
        try:
            PATCHES[name]()
        except KeyError:
            raise SystemExit(f"unknown patch {name!r}; known: {', '.join(PATCHES)}, all") from None
