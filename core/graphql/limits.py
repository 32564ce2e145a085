"""Bounded before parsed: the document limits every operation passes before any parse.

* A document longer than ``Settings.max_query_bytes`` (UTF-8 bytes; comments and whitespace
  count) is refused before the lexer sees it (``QUERY_TOO_LARGE``).
* The parser stops at ``Settings.max_tokens`` tokens, comments included (graphql-core's
  ``parse(max_tokens=...)``, enforced while a run of comments is skipped), so one request
  costs at most a few milliseconds of parsing (``TOO_MANY_TOKENS``).
* Parsed documents are kept only once they passed validation, in a cache bounded by the
  source bytes it holds (``Settings.parse_cache_bytes``); a stream of distinct or invalid
  documents cannot grow memory.

The permission check (``schema/build.py``) and the execution pipeline share one parse per
request: the check stores the document on the request context and :class:`DocumentGate`
(the schema extension that replaces strawberry's parser/validation caches) picks it up.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from graphql import (
    SKIP,
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    ValidationContext,
    VisitorAction,
    parse,
    validate,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

QUERY_TOO_LARGE = "QUERY_TOO_LARGE"
# Where the permission check leaves the document it parsed for the execution pipeline.
_STASH = "frontdesk_document"


class ValidatedDocuments:
    """Parsed documents that passed validation, least recently used first out, bounded by the
    total length of their source text (a proxy for the memory their AST holds)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._documents: OrderedDict[str, DocumentNode] = OrderedDict()

    def __len__(self) -> int:
        return len(self._documents)

    def get(self, query: str) -> DocumentNode | None:
        document = self._documents.get(query)
        if document is not None:
            self._documents.move_to_end(query)
        return document

    def put(self, query: str, document: DocumentNode) -> None:
        size = len(query)
        if size > self.max_bytes or query in self._documents:
            return
        self._documents[query] = document
        self.bytes += size
        while self.bytes > self.max_bytes:
            old, _ = self._documents.popitem(last=False)
            self.bytes -= len(old)


def check_size(query: str, max_bytes: int) -> None:
    """Refuse a document longer than ``max_bytes`` UTF-8 bytes, before any lexing."""
    if len(query) > max_bytes:
        size = len(query)  # at least this many bytes; no need to encode a huge string
    else:
        size = len(query.encode("utf-8", "surrogatepass"))
        if size <= max_bytes:
            return
    raise GraphQLError(
        f"The document is at least {size} bytes; at most {max_bytes} are accepted "
        "(comments and whitespace count). Send a smaller document.",
        extensions={"code": QUERY_TOO_LARGE, "maxBytes": max_bytes},
    )


def bounded_parse(
    query: str, cache: ValidatedDocuments, *, max_bytes: int, max_tokens: int
) -> tuple[DocumentNode, bool]:
    """(document, whether it is known valid): from the cache, or parsed within the limits.

    Raises :class:`GraphQLError` for a document that is too large, has too many tokens or
    does not parse."""
    document = cache.get(query)
    if document is not None:
        return document, True
    check_size(query, max_bytes)
    return parse(query, max_tokens=max_tokens), False


def stash(context: Any, query: str, document: DocumentNode, valid: bool) -> None:
    if context is not None:
        try:
            setattr(context, _STASH, (query, document, valid))
        except AttributeError:  # a context that takes no attributes: the gate parses again
            pass


class DocumentGate(SchemaExtension):
    """Parse within the limits (or reuse the permission check's parse), validate, and keep
    the document only when it is valid.  Replaces ParserCache, ValidationCache and
    MaxTokensLimiter."""

    _valid = False

    def on_parse(self) -> Iterator[None]:
        ec = self.execution_context
        schema: Any = ec.schema
        query = ec.query or ""
        stashed = getattr(ec.context, _STASH, None)
        if stashed is not None and stashed[0] is query:
            document, self._valid = stashed[1], stashed[2]
        else:
            document, self._valid = schema.bounded_parse(query)
        ec.graphql_document = document
        yield

    def on_validate(self) -> Iterator[None]:
        ec = self.execution_context
        schema: Any = ec.schema
        if self._valid:
            ec.pre_execution_errors = []
        else:
            assert ec.graphql_document is not None
            errors = validate(
                schema._schema,
                ec.graphql_document,
                (*ec.validation_rules, MaybeNullValidationRule, OneOfInputValidationRule),
                hide_suggestions=schema.hide_suggestions,
            )
            ec.pre_execution_errors = errors
            if not errors and ec.query:
                schema.validated.put(ec.query, ec.graphql_document)
        yield


INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})


def introspection_depth_rule(max_depth: int) -> type[ASTValidationRule]:
    """The depth limit for introspection (issue 9, finding 8).

    The operation depth limit (strawberry's ``QueryDepthLimiter``) skips every ``__`` field,
    so ``{ __type(name: "X") { ofType { ofType { … } } } }`` nested hundreds deep, or
    ``fields { type { fields { type … } } }`` multiplying the schema by itself, passed.  Here
    a ``__schema`` / ``__type`` selection is measured the same way (one level per field with a
    selection set, fragments followed) against its own bound, ``Settings.max_introspection_depth``:
    the standard introspection query nests 12 (GraphiQL's, graphql-js 16) to 14 (graphql-core's,
    ``type_depth=9``) levels, deeper than ordinary operations need, so it keeps working while a
    deeper one is refused with ``QUERY_TOO_DEEP``.  graphql-core's ``MaxIntrospectionDepthRule``
    (lists of types within lists of types, added beside this one) refuses the fan-out."""

    class IntrospectionDepthLimit(ASTValidationRule):
        def enter_field(self, node: FieldNode, *_args: Any) -> VisitorAction:
            if node.name.value not in INTROSPECTION_ROOTS:
                return None
            depth = _selection_depth(node, self.context)
            if depth <= max_depth:
                return SKIP  # nothing deeper to check, and nested roots are counted here
            self.report_error(
                GraphQLError(
                    f"introspection exceeds maximum operation depth of {max_depth} "
                    f"({depth} levels; max_introspection_depth)",
                    [node],
                    extensions={"code": "QUERY_TOO_DEEP"},
                )
            )
            return SKIP

    return IntrospectionDepthLimit


def _selection_depth(root: FieldNode, context: ValidationContext) -> int:
    """Levels of fields with a selection set under and including ``root``.

    Iterative (a document nested as deep as the token limit allows cannot exhaust the stack)
    and each fragment's depth is computed once (fragments spreading others twice over cannot
    make it exponential); a fragment already being measured counts 0 (cycles are
    NoFragmentCyclesRule's to report)."""
    if root.selection_set is None:
        return 0
    memo: dict[str, int] = {}
    active: set[str] = set()
    # Frames: [selections left, deepest so far, levels this frame adds, fragment measured].
    stack: list[list[Any]] = [[iter(root.selection_set.selections), 0, 1, None]]
    result = 0
    while stack:
        frame = stack[-1]
        selection = next(frame[0], None)
        if selection is None:
            stack.pop()
            if frame[3] is not None:
                memo[frame[3]] = frame[1]
                active.discard(frame[3])
            value = frame[1] + frame[2]
            if stack:
                stack[-1][1] = max(stack[-1][1], value)
            else:
                result = value
        elif isinstance(selection, FieldNode):
            if selection.selection_set is not None:
                stack.append([iter(selection.selection_set.selections), 0, 1, None])
        elif isinstance(selection, InlineFragmentNode):
            stack.append([iter(selection.selection_set.selections), 0, 0, None])
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in memo:
                frame[1] = max(frame[1], memo[name])
                continue
            fragment = context.get_fragment(name)
            if fragment is not None and name not in active:
                active.add(name)
                stack.append([iter(fragment.selection_set.selections), 0, 0, name])
    return result
