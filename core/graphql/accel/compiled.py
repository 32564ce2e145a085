"""Compiled completion: a generated function per (object type, selection), shared by requests.

:class:`core.graphql.accel.executor.FastExecutionContext` asks :func:`compiled_completion` for the
object values it completes (a connection page returned by a root resolver, typically).  When
the whole selection under the object consists of fields whose value needs no ``Info``:

* basic fields (no resolver, no extension, no argument): ``getattr(source, python_name)``;
* resolvers that only take ``self`` (``Connection.nodes``, ``Visit.escortsNeeded`` …), sync;
* plugin fields declaring a batch loader (``metadata={"prefetch": loader}``) whose resolver is
  marked with :func:`core.graphql.loading.reads_prefetched` for the same key: the value the
  loader produced for the root in this request (``context.prefetched``); their only allowed
  field extensions are source views (``loading.SOURCE_VIEW_ONLY``, the plugin API's row view);
* ``__typename``;

and their types are scalars, enums, object types without ``is_type_of`` (or with the
always-true one of ``Node`` types, ``core.graphql.types.ALWAYS_OF_TYPE``) and lists of those,
the selection is compiled once into straight-line Python (one function per object level,
keys in graphql-core's grouped-field order) and cached per schema, keyed on the identity of
the document's field nodes (the parser cache returns the same document for the same text).
Selections with directives, arguments, defer, abstract types or any other field are not
compiled: graphql-core (and the per-field fast path) completes them as before.

A compiled function raises :class:`Bail` on data it does not handle the way graphql-core would
(a null for a non-null field, a value a scalar refuses, a non-list for a list …); a resolver it
calls may raise too.  The caller then completes the same object through graphql-core, which
reports exactly the usual error, path and null propagation; every value read here is
side-effect free, so reading it twice is harmless.  The output is therefore identical to
graphql-core's (tests/test_compiled_path.py, tests/test_accel_identity.py).

A selection the compiler does not handle raises :class:`Unsupported` with a reason: the
caller counts it as a fallback (``core.graphql.accel.stats``).  Any other exception while
compiling is a bug (or a changed strawberry / graphql-core internal): counted as an error,
raised in strict mode, else logged as a warning and the selection is left to graphql-core.
"""

from __future__ import annotations

import builtins
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any
from weakref import WeakKeyDictionary

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    GraphQLSchema,
    SelectionSetNode,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql.pyutils import Undefined
from graphql.type.scalars import serialize_boolean, serialize_id, serialize_string

from core.graphql.accel.stats import STATS
from core.graphql.loading import DEFINITION_BACKREF, PREFETCH_MARK, SOURCE_VIEW_ONLY
from core.graphql.types import ALWAYS_OF_TYPE

CACHE_SIZE = 512

Completion = Callable[[Any, dict[Any, Any]], dict[str, Any]]


# serializer -> (exact input type, the serializer's output for it): str(int) for an ID
# (``coerce_id_from_number``), the value itself for a str String or a bool Boolean.
_SHORTCUTS: dict[Any, tuple[str, str]] = {
    serialize_id: ("int", "str({})"),
    serialize_string: ("str", "{}"),
    serialize_boolean: ("bool", "{}"),
}


class Unsupported(Exception):
    """The selection uses something this compiler does not handle (the reason is its text)."""


class Bail(Exception):
    """A compiled function met data it leaves to graphql-core (the reason is its text)."""


class _Cache:
    """A bounded LRU of compiled completions for one schema."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self.entries: OrderedDict[tuple[Any, ...], tuple[tuple[Any, ...], Any]] = OrderedDict()

    def get(self, key: tuple[Any, ...], nodes: tuple[Any, ...]) -> tuple[bool, Any]:
        hit = self.entries.get(key)
        # The entry keeps its nodes alive, so their ids cannot be reused meanwhile; the
        # identity check is a guard, not a necessity.
        if hit is None or any(a is not b for a, b in zip(hit[0], nodes, strict=True)):
            return False, None
        self.entries.move_to_end(key)
        return True, hit[1]

    def put(self, key: tuple[Any, ...], nodes: tuple[Any, ...], value: Any) -> None:
        self.entries[key] = (nodes, value)
        if len(self.entries) > self.maxsize:
            self.entries.popitem(last=False)


_CACHES: WeakKeyDictionary[GraphQLSchema, _Cache] = WeakKeyDictionary()


def compiled_completion(
    context: Any, parent_type: GraphQLObjectType, grouped_field_set: Any
) -> tuple[Completion | None, str | None]:
    """The compiled completion of ``grouped_field_set`` on ``parent_type``, or (None, why not).

    ``context`` is the graphql-core execution context of the current request; it is used to
    collect sub-selections the first time a selection is compiled, and its ``strict`` says
    whether an exception inside the compiler raises (tests) or is logged (production).
    """
    schema = context.schema
    cache = _CACHES.get(schema)
    if cache is None:
        cache = _CACHES[schema] = _Cache(CACHE_SIZE)
    nodes = tuple(d.node for details in grouped_field_set.values() for d in details)
    key = (parent_type.name, tuple(grouped_field_set), tuple(map(id, nodes)))
    found, value = cache.get(key, nodes)
    if found:
        return value
    try:
        value: tuple[Completion | None, str | None] = (
            _Compiler(context).compile(parent_type, grouped_field_set),
            None,
        )
    except Unsupported as exc:
        value = (None, f"compiled:{exc}")
    except Exception as exc:  # noqa: BLE001 - a compiler bug: counted, raised when strict
        STATS.error("compiler", exc, strict=getattr(context, "strict", True))
        value = (None, "compiled:compiler-error")
    cache.put(key, nodes, value)
    return value


class _Compiler:
    def __init__(self, context: Any) -> None:
        self.context = context
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {"Bail": Bail, "Undefined": Undefined}
        self.functions = 0

    def compile(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> Completion:
        for details in grouped_field_set.values():
            for d in details:
                if d.defer_usage is not None:
                    raise Unsupported("defer")
                if self._has_directives(d.node):
                    raise Unsupported("directive")
        name = self._object(parent_type, grouped_field_set)
        exec("\n".join(self.lines), self.namespace)  # generated from the schema, names bound
        return self.namespace[name]

    # --- checks -----------------------------------------------------------------------------
    def _has_directives(self, node: Any, seen: set[str] | None = None) -> bool:
        seen = set() if seen is None else seen
        if node.directives:
            return True
        if isinstance(node, FragmentSpreadNode):
            if node.name.value in seen:
                return False
            seen.add(node.name.value)
            details = self.context.fragments.get(node.name.value)
            if details is None or details.variable_signatures or details.definition.directives:
                return True
            node = details.definition
        selection_set: SelectionSetNode | None = node.selection_set
        if selection_set is None:
            return False
        return any(self._has_directives(s, seen) for s in selection_set.selections)

    # --- code generation --------------------------------------------------------------------
    def _const(self, value: Any) -> str:
        name = f"c{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def _object(self, object_type: GraphQLObjectType, grouped_field_set: Any) -> str:
        """Emit ``def oN(src, pf)`` completing ``object_type``; returns its name."""
        name = f"o{self.functions}"
        self.functions += 1
        body = ["    if src is None:", "        raise Bail('null-item')", "    out = {}"]
        for response_name, details in grouped_field_set.items():
            for d in details:
                if d.defer_usage is not None:
                    raise Unsupported("defer")
            body += self._field(object_type, response_name, details)
        body.append("    return out")
        self.lines += [f"def {name}(src, pf):", *body, ""]
        return name

    def _field(self, parent: GraphQLObjectType, response_name: str, details: Any) -> list[str]:
        node: FieldNode = details[0].node
        key = self._const(response_name)
        if node.name.value == "__typename":
            return [f"    out[{key}] = {self._const(parent.name)}"]
        if any(d.node.arguments for d in details):
            raise Unsupported("argument")
        field_def = parent.fields.get(node.name.value)
        if field_def is None:
            raise Unsupported("unknown-field")
        read = self._read(parent, field_def)
        lines = [f"    v = {read}"]
        lines += self._complete(field_def.type, details, "v", f"out[{key}]", "    ")
        return lines

    def _read(self, parent: GraphQLObjectType, field_def: Any) -> str:
        """An expression reading the field's value from ``src``."""
        sfield = (field_def.extensions or {}).get(DEFINITION_BACKREF)
        if sfield is None:
            raise Unsupported("not-a-strawberry-field")
        resolver = sfield.base_resolver
        if sfield.extensions:
            # Only a batch-loaded field read from the prefetched values (below) may have
            # extensions, and only ones that merely hand the resolver a view of its source.
            mark = getattr(resolver.wrapped_func, PREFETCH_MARK, None) if resolver else None
            if mark is None or not all(
                getattr(e, SOURCE_VIEW_ONLY, False) is True for e in sfield.extensions
            ):
                raise Unsupported("field-extension")
        if resolver is None:
            if not getattr(field_def.resolve, "_is_default", False):
                raise Unsupported("custom-resolve")
            attr = sfield.python_name
            if sfield.default_resolver is builtins.getattr and attr.isidentifier():
                return f"src.{attr}"
            return f"{self._const(sfield.default_resolver)}(src, {self._const(attr)})"
        if resolver.is_async:
            raise Unsupported("async-resolver")
        if resolver.arguments or sfield.arguments:
            raise Unsupported("resolver-arguments")
        func = resolver.wrapped_func
        mark = getattr(func, PREFETCH_MARK, None)
        loader = (sfield.metadata or {}).get("prefetch")
        if mark is not None and loader is not None:
            # A plugin field whose resolver only reads what its batch loader produced.
            strawberry_schema = getattr(self.context.schema, "_strawberry_schema", None)
            registry = getattr(strawberry_schema, "frontdesk_prefetch", {})
            entry = _registry_entry(registry, parent.name, loader)
            if entry is None or entry[0] != mark:
                raise Unsupported("prefetch-mismatch")
            return f"pf.get(({self._const(mark)}, src.id))"
        if sfield.extensions:
            raise Unsupported("field-extension")
        if (
            resolver.self_parameter is None
            or resolver.info_parameter is not None
            or resolver.root_parameter is not None
            or resolver.parent_parameter is not None
            or len(resolver.signature.parameters) != 1
        ):
            raise Unsupported("resolver-needs-info")
        return f"{self._const(func)}(src)"

    def _complete(
        self, gql_type: Any, details: Any, value: str, target: str, indent: str
    ) -> list[str]:
        """Lines completing ``value`` of ``gql_type`` into ``target``."""
        non_null = is_non_null_type(gql_type)
        inner = gql_type.of_type if non_null else gql_type
        lines = [f"{indent}if {value} is None:"]
        lines.append(
            f"{indent}    raise Bail('null-for-non-null')"
            if non_null
            else f"{indent}    {target} = None"
        )
        lines.append(f"{indent}else:")
        deeper = indent + "    "
        if is_leaf_type(inner):
            coerce = self._const(inner.coerce_output_value)
            shortcut = _SHORTCUTS.get(inner.coerce_output_value)
            if shortcut is not None:
                # What graphql-core's built-in serializer returns for its commonest input.
                exact_type, expression = shortcut
                lines += [
                    f"{deeper}if type({value}) is {exact_type}:",
                    f"{deeper}    {target} = {expression.format(value)}",
                    f"{deeper}else:",
                ]
                deeper += "    "
            lines += [
                f"{deeper}{value} = {coerce}({value})",
                f"{deeper}if {value} is None or {value} is Undefined:",
                f"{deeper}    raise Bail('scalar-refused')",
                f"{deeper}{target} = {value}",
            ]
            return lines
        if is_object_type(inner):
            if checks_type(inner):
                raise Unsupported("is-type-of")
            sub = self._object(inner, self._subfields(inner, details))
            lines.append(f"{deeper}{target} = {sub}({value}, pf)")
            return lines
        if is_list_type(inner):
            item = inner.of_type
            item_non_null = is_non_null_type(item)
            item_inner = item.of_type if item_non_null else item
            lines += [
                f"{deeper}if type({value}) is not list and type({value}) is not tuple:",
                f"{deeper}    raise Bail('not-a-list')",
            ]
            if is_object_type(item_inner) and not checks_type(item_inner):
                sub = self._object(item_inner, self._subfields(item_inner, details))
                if item_non_null:  # the function raises on None
                    lines.append(f"{deeper}{target} = [{sub}(i, pf) for i in {value}]")
                else:
                    lines.append(
                        f"{deeper}{target} = [None if i is None else {sub}(i, pf) for i in {value}]"
                    )
                return lines
            if is_leaf_type(item_inner):
                coerce = self._const(_leaf_items(item_inner.coerce_output_value, item_non_null))
                lines.append(f"{deeper}{target} = {coerce}({value})")
                return lines
        raise Unsupported("abstract-or-nested-list-type")

    def _subfields(self, object_type: GraphQLObjectType, details: Any) -> Any:
        collected = self.context.collect_subfields(object_type, details)
        grouped_field_set, new_defer_usages = collected[0], collected[1]
        if new_defer_usages:
            raise Unsupported("defer")
        return grouped_field_set


def checks_type(object_type: GraphQLObjectType) -> bool:
    """Whether completing ``object_type`` runs a real ``is_type_of`` check (not Node's
    always-true one, which graphql-core would call only to accept any value)."""
    check = object_type.is_type_of
    return check is not None and not getattr(check, ALWAYS_OF_TYPE, False)


def _registry_entry(
    registry: dict[str, dict[str, tuple[str, Any]]], type_name: str, loader: Any
) -> tuple[str, Any] | None:
    for entry in registry.get(type_name, {}).values():
        if entry[1] is loader:
            return entry
    return None


def _leaf_items(coerce: Callable[[Any], Any], non_null: bool) -> Callable[[Iterable[Any]], list]:
    def complete(items: Iterable[Any]) -> list[Any]:
        out = []
        for item in items:
            if item is None:
                if non_null:
                    raise Bail("null-for-non-null")
                out.append(None)
                continue
            value = coerce(item)
            if value is None or value is Undefined:
                raise Bail("scalar-refused")
            out.append(value)
        return out

    return complete


__all__ = ["Bail", "Completion", "Unsupported", "checks_type", "compiled_completion"]
