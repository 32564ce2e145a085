"""A graphql-core executor that completes plain attribute fields without per-field machinery.

Passed as ``execution_context_class`` by ``schema/build.py`` when ``Settings.accel`` is on
(a subclass made by :func:`core.graphql.accel.execution_context_class` carries the setting
``accel_strict`` as ``strict``).

Almost every field of a page is a "basic" strawberry field: no resolver, no field extension,
the value is ``getattr(source, python_name)``.  graphql-core still builds a ``ResolveInfo``, a
``Path``, runs the middleware lookup and the generic ``complete_value`` dispatch for each of
them - about 1,200 times for a 100-visit page.  This executor plans each selection set once
per request (graphql-core already memoises the grouped field set per selection, so the plan is
keyed on it) and then, per object:

* leaf fields (scalars, enums): ``getattr`` + the type's ``coerce_output_value``;
* object / list-of-object fields: ``getattr`` and straight into the sub-selection;
* anything else (fields with resolvers, arguments, abstract types, middleware present):
  the normal ``execute_field``.

Whenever the fast path meets something unusual - an exception, a null for a non-null field, a
value that is not a list - it re-runs that one field through ``execute_field`` (basic fields are
side-effect free), so errors, paths and null propagation are exactly graphql-core's.  Such a
re-run is counted as a fallback; a re-run that then succeeds without an error means the fast
path raised where graphql-core does not: that is counted as an error of the speed layer
(raised in strict mode, a warning otherwise; see ``core.graphql.accel.stats``).
"""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLNonNull,
    GraphQLObjectType,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql.pyutils import Path, Undefined
from graphql.pyutils.gather_with_cancel import gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from core.graphql.accel.compiled import Bail, Completion, checks_type, compiled_completion
from core.graphql.accel.stats import STATS
from core.graphql.loading import DEFINITION_BACKREF

SLOW, LEAF, OBJECT, OBJECT_LIST = 0, 1, 2, 3


class FastExecutionContext(StrawberryGraphQLCoreExecutionContext):
    # An exception inside the fast path raises AccelError (tests) instead of a warning.
    strict: bool = False
    # Compiled completions on (off: the per-field fast path only; tests compare both).
    compile: bool = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # id(grouped field set) -> (grouped field set kept alive, plan or None)
        self._fast_plans: dict[int, tuple[Any, Any]] = {}
        # id(grouped field set) -> (grouped field set kept alive, compiled completion or None)
        self._compiled: dict[int, tuple[Any, Completion | None]] = {}
        manager = self.middleware_manager
        self._fast_enabled = not (manager is not None and manager.middlewares)
        if not self._fast_enabled:
            STATS.fallback("executor:middleware")
        # Per-request results of plugin batch loaders, read by compiled plugin fields.
        self._prefetched = getattr(self.context_value, "prefetched", None)
        self._compile_enabled = (
            self.compile and self._fast_enabled and isinstance(self._prefetched, dict)
        )

    def _compiled_for(
        self, parent_type: GraphQLObjectType, grouped_field_set: Any
    ) -> Completion | None:
        hit = self._compiled.get(id(grouped_field_set))
        if hit is not None:
            return hit[1]
        completion, reason = compiled_completion(self, parent_type, grouped_field_set)
        if reason is not None:
            STATS.fallback(reason)  # once per selection set and request
        self._compiled[id(grouped_field_set)] = (grouped_field_set, completion)
        return completion

    def _errors_now(self) -> int:
        return len(self.collected_errors.errors)

    def _check_redo(self, where: str, exc: Exception, before: int, result: Any, path: Any) -> None:
        """After graphql-core redid what the fast path raised on: the same input must give an
        error there too, else the fast path itself is wrong (counted; raised when strict)."""
        if self.is_awaitable(result) or self._errors_now() > before:
            return
        if self.collected_errors.has_nulled_position(path):
            return
        STATS.error(where, exc, strict=self.strict)

    def _complete_compiled(
        self,
        completion: Completion,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        failed: Exception | None = None
        try:
            return completion(source_value, self._prefetched)  # type: ignore[arg-type]
        except Bail as bail:  # data the compiled code leaves to graphql-core
            STATS.fallback(f"compiled-bail:{bail}")
        except Exception as exc:  # noqa: BLE001 - graphql-core below reports it exactly
            STATS.fallback("compiled-bail:exception")
            failed = exc
        # Outside the except blocks: graphql-core's errors are not chained to ours.
        before = self._errors_now()
        result = super().execute_fields(
            parent_type, source_value, path, grouped_field_set, position_context
        )
        if failed is not None:
            self._check_redo("compiled", failed, before, result, path)
        return result

    # --- planning ---------------------------------------------------------------------------
    def _fast_plan(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> Any:
        hit = self._fast_plans.get(id(grouped_field_set))
        if hit is not None:
            return hit[1]
        plan: list[tuple[Any, ...]] | None = []
        try:
            for response_name, details in grouped_field_set.items():
                plan.append((response_name, details, *self._fast_field(parent_type, details)))
        except Exception as exc:  # noqa: BLE001 - a planning bug: counted, raised when strict
            STATS.error("executor-plan", exc, strict=self.strict)
            plan = None
        if plan is not None and not any(step[2] != SLOW for step in plan):
            plan = None  # nothing to gain: use graphql-core's loop as is
        self._fast_plans[id(grouped_field_set)] = (grouped_field_set, plan)
        return plan

    def _fast_field(self, parent_type: GraphQLObjectType, details: Any) -> tuple[Any, ...]:
        slow = (SLOW, None, None, None, None)
        if not self._fast_enabled:
            return slow
        node = details[0].node
        if node.arguments:
            return slow
        field_def = self.schema.get_field(parent_type, node.name.value)
        if field_def is None or not getattr(field_def.resolve, "_is_default", False):
            return slow
        sfield = (field_def.extensions or {}).get(DEFINITION_BACKREF)
        if sfield is None or sfield.base_resolver is not None or sfield.extensions:
            return slow
        getter, attr = sfield.default_resolver, sfield.python_name
        rtype = field_def.type
        inner = rtype.of_type if is_non_null_type(rtype) else rtype
        if is_leaf_type(inner):
            return (LEAF, getter, attr, inner.coerce_output_value, None)
        if is_object_type(inner) and not checks_type(inner):
            return (OBJECT, getter, attr, None, inner)
        if is_list_type(inner):
            item = inner.of_type
            item_inner = item.of_type if is_non_null_type(item) else item
            if is_object_type(item_inner) and not checks_type(item_inner):
                return (OBJECT_LIST, getter, attr, is_non_null_type(item), item_inner)
        return slow

    # --- execution --------------------------------------------------------------------------
    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        if self._compile_enabled and path is not None:
            completion = self._compiled_for(parent_type, grouped_field_set)
            if completion is not None:
                return self._complete_compiled(
                    completion, parent_type, source_value, path, grouped_field_set, position_context
                )
        plan = self._fast_plan(parent_type, grouped_field_set)
        if plan is None:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        type_name = parent_type.name
        try:
            for response_name, details, kind, getter, attr, extra, object_type in plan:
                result: Any = Undefined
                failed: Exception | None = None
                if kind == LEAF:
                    try:
                        value = getter(source_value, attr)
                        if value is None:
                            result = None if not extra_nonnull(parent_type, details) else Undefined
                        else:
                            coerced = extra(value)
                            if coerced is not None and coerced is not Undefined:
                                result = coerced
                    except Exception as exc:  # noqa: BLE001 - redone below for the exact error
                        failed = exc
                elif kind == OBJECT:
                    result = self._fast_object(
                        parent_type,
                        source_value,
                        path,
                        response_name,
                        details,
                        getter,
                        attr,
                        object_type,
                        position_context,
                    )
                elif kind == OBJECT_LIST:
                    result = self._fast_list(
                        parent_type,
                        source_value,
                        path,
                        response_name,
                        details,
                        getter,
                        attr,
                        extra,
                        object_type,
                        position_context,
                    )
                if result is Undefined and kind != SLOW:
                    STATS.fallback("executor:redo-field")
                if result is Undefined:
                    before = self._errors_now()
                    field_path = Path(path, response_name, type_name)
                    result = self.execute_field(
                        parent_type, source_value, details, field_path, position_context
                    )
                    if failed is not None:
                        self._check_redo("executor", failed, before, result, field_path)
                    if result is Undefined:
                        continue
                results[response_name] = result
                if is_awaitable(result):
                    awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[f] for f in awaitable_fields])
            raise
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:
                name = awaitable_fields[0]
                results[name] = await results[name]
            else:  # concurrently, as graphql-core does (DataLoader batching relies on it)
                awaited = await gather_with_cancel(*(results[f] for f in awaitable_fields))
                results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()

    def _fast_object(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        path: Path | None,
        response_name: str,
        details: Any,
        getter: Any,
        attr: str,
        object_type: GraphQLObjectType,
        position_context: Any,
    ) -> Any:
        try:
            value = getter(source, attr)
        except Exception:  # noqa: BLE001
            return Undefined
        if value is None:
            return Undefined if extra_nonnull(parent_type, details) else None
        field_path = Path(path, response_name, parent_type.name)
        return self._complete_object(
            parent_type, details, field_path, object_type, value, position_context, response_name
        )

    def _complete_object(
        self,
        parent_type: GraphQLObjectType,
        details: Any,
        field_path: Path,
        object_type: GraphQLObjectType,
        value: Any,
        position_context: Any,
        response_name: str,
    ) -> Any:
        try:
            completed = self.collect_and_execute_subfields(
                object_type, details, field_path, value, position_context
            )
        except Exception as raw_error:  # noqa: BLE001 - located and recorded
            self.handle_field_error(
                raw_error, _field_type(parent_type, details), details, field_path
            )
            return None
        if self.is_awaitable(completed):

            async def await_completed() -> Any:
                try:
                    return await completed
                except Exception as raw_error:  # noqa: BLE001 - located and recorded
                    self.handle_field_error(
                        raw_error, _field_type(parent_type, details), details, field_path
                    )
                    return None

            return await_completed()
        return completed

    def _fast_list(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        path: Path | None,
        response_name: str,
        details: Any,
        getter: Any,
        attr: str,
        item_nonnull: bool,
        object_type: GraphQLObjectType,
        position_context: Any,
    ) -> Any:
        try:
            items = getter(source, attr)
        except Exception:  # noqa: BLE001
            return Undefined
        if items is None:
            return Undefined if extra_nonnull(parent_type, details) else None
        if not isinstance(items, list | tuple) or (item_nonnull and None in items):
            return Undefined
        field_def = self.schema.get_field(parent_type, details[0].node.name.value)
        field_path = Path(path, response_name, parent_type.name)
        item_type = field_def.type
        item_type = (item_type.of_type if is_non_null_type(item_type) else item_type).of_type
        out: list[Any] = []
        pending: list[int] = []
        try:
            for index, item in enumerate(items):
                if item is None:
                    out.append(None)
                    continue
                item_path = Path(field_path, index, None)
                try:
                    completed = self.collect_and_execute_subfields(
                        object_type, details, item_path, item, position_context
                    )
                except Exception as raw_error:  # noqa: BLE001 - located and recorded
                    self.handle_field_error(raw_error, item_type, details, item_path)
                    completed = None
                if self.is_awaitable(completed):
                    completed = self._await_item(completed, item_type, details, item_path)
                    pending.append(index)
                out.append(completed)
        except Exception as raw_error:  # noqa: BLE001 - located and recorded
            if pending:
                self.settle_in_background([out[i] for i in pending])
            self.handle_field_error(raw_error, field_def.type, details, field_path)
            return None
        if not pending:
            return out

        async def await_items() -> list[Any]:
            try:
                awaited = await gather_with_cancel(*(out[i] for i in pending))
                for i, value in zip(pending, awaited, strict=True):
                    out[i] = value
            except Exception as raw_error:  # noqa: BLE001 - located and recorded
                self.handle_field_error(raw_error, field_def.type, details, field_path)
                return None  # type: ignore[return-value]
            return out

        return await_items()

    async def _await_item(
        self, completed: Any, item_type: Any, details: Any, item_path: Path
    ) -> Any:
        try:
            return await completed
        except Exception as raw_error:  # noqa: BLE001 - located and recorded
            self.handle_field_error(raw_error, item_type, details, item_path)
            return None


def extra_nonnull(parent_type: GraphQLObjectType, details: Any) -> bool:
    field = parent_type.fields.get(details[0].node.name.value)
    return field is not None and isinstance(field.type, GraphQLNonNull)


def _field_type(parent_type: GraphQLObjectType, details: Any) -> Any:
    return parent_type.fields[details[0].node.name.value].type


__all__ = ["FastExecutionContext"]
