"""Compose the served GraphQL schema from core and the enabled plugins.

Runs after plugins are loaded (never at import time).  Plugins contribute root fields, fields
spliced into core types, and typed input fields; every contribution is tagged with its plugin
so a schema shows exactly the enabled ones (``FrontdeskSchema.get_fields``).  Two enabled
plugins claiming one field name is a start-up error naming both.

No ``from __future__ import annotations`` here: the dynamically built resolvers below need
their annotations evaluated to the classes built for this schema.
"""

import copy
import hashlib
import inspect
import logging
import re
from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import strawberry
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
)
from graphql.validation import MaxIntrospectionDepthRule
from strawberry.annotation import StrawberryAnnotation
from strawberry.extensions import (
    AddValidationRules,
    FieldExtension,
    MaxAliasesLimiter,
    QueryDepthLimiter,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import Info
from strawberry.types.execution import ExecutionResult, PreExecutionError
from strawberry.types.field import StrawberryField

from core.auth import (
    DEFAULT_ROOT_PERMISSION,
    Permission,
    Unauthenticated,
    record_audit,
    require,
)
from core.contracts import LineErrorCode, LineInput, LineMutation
from core.errors import (
    COMMON_CODES,
    DOMAIN_CODES,
    PENALTY_CODES,
    RETRY_AFTER_SECONDS,
    Conflict,
    FrontdeskError,
    InvalidInput,
    LineDisabled,
    PluginError,
    domain_codes,
)
from core.graphql.accel import execution_context_class
from core.graphql.complaints import FileComplaintInput
from core.graphql.errors import classify
from core.graphql.limits import (
    DocumentGate,
    ValidatedDocuments,
    bounded_parse,
    introspection_depth_rule,
    stash,
)
from core.graphql.line_inputs import EXTENSIBLE_INPUTS
from core.graphql.loading import KNOWN_METADATA, prefetch_key
from core.graphql.mutations import (
    CHECK_IN_CORE_FIELDS,
    AddStaffInput,
    CheckInVisitPayload,
    CreateSiteInput,
    RegisterCustomerInput,
    check_in_visit_resolver,
)
from core.graphql.roots import CORE_TYPES, MUTATION_MIXINS, QUERY_MIXINS, SUBSCRIPTION_MIXINS
from core.graphql.scalars import SCALAR_MAP
from core.graphql.types import EXTENSIBLE_TYPES
from core.graphql.user_errors import DOMAIN_ATTR, payload, refused_payload, user_error_type
from core.plugins import PluginHost, create_plugin_manager
from core.runtime import CURRENT_MUTATION, MutationFrame
from core.services.complaints.common import RECORDED_BY
from core.settings import Settings
from core.trusted import check_trusted, unresolved_error

PLUGIN_KEY = "frontdesk_plugin"
# The core inputs (besides the dynamically built CheckInVisitInput) lines may extend.
CORE_INPUTS: tuple[type, ...] = (
    CreateSiteInput,
    AddStaffInput,
    RegisterCustomerInput,
    FileComplaintInput,
)
SDL_PATH = Path(__file__).parent / "frontdesk.graphql"


class FrontdeskSchema(strawberry.Schema):
    """A strawberry schema that shows core fields and the enabled plugins' fields only."""

    def __init__(
        self,
        *args: Any,
        enabled: frozenset[str],
        auth_required: bool = True,
        settings: Settings | None = None,
        line_fields: dict[str, list[StrawberryField]] | None = None,
        line_inputs: dict[str, dict[str, str]] | None = None,
        user_error_types: dict[str, type] | None = None,
        **kwargs: Any,
    ) -> None:
        # {domain: <Domain>UserError} of this schema: the lines' own, and core domains whose
        # enums the installed lines extend (core.graphql.user_errors.error_type_for).
        self.user_error_types: dict[str, type] = user_error_types or {}
        # {input name: {line field: business line}} for core.graphql.line_inputs.
        self.line_inputs: dict[str, dict[str, str]] = line_inputs or {}
        self.enabled_plugins = enabled
        # Fields the enabled lines add to core types, for this schema only: the core classes
        # are never changed, so building one schema changes nothing for another.
        self.line_fields: dict[str, list[StrawberryField]] = line_fields or {}
        self.auth_required = auth_required
        self.frontdesk_settings = settings = settings or Settings(
            auth="required" if auth_required else "off"
        )
        # Production mode: no "Did you mean …?" in validation messages.
        self.hide_suggestions = settings.production
        # Bounded before parsed (core/graphql/limits.py): only validated documents are kept.
        self.validated = ValidatedDocuments(settings.parse_cache_bytes)
        self.frontdesk_prefetch: dict[str, dict[str, tuple[str, Any]]] = {}
        # Type -> GraphQL field -> (prefetch key, JoinedPrefetch) for loaders that can join.
        self.frontdesk_prefetch_joins: dict[str, dict[str, tuple[str, Any]]] = {}
        # (root type, GraphQL field name) -> permission it requires (C-13).
        self.root_permissions: dict[tuple[str, str], Permission] = {}
        super().__init__(*args, **kwargs)
        for root_name, root in (
            ("Query", self.query),
            ("Mutation", self.mutation),
            ("Subscription", self.subscription),
        ):
            if root is None:
                continue
            for f in root.__strawberry_definition__.fields:
                wanted = (f.metadata or {}).get("permission") or DEFAULT_ROOT_PERMISSION[root_name]
                self.root_permissions[(root_name, f.graphql_name or _camel(f.python_name))] = (
                    Permission(wanted)
                )
        mutation_type = self._schema.mutation_type
        if mutation_type is not None:
            for name, gql_field in mutation_type.fields.items():
                if gql_field.resolve is not None:
                    gql_field.resolve = _audited(name, gql_field.resolve)
                # Schema 1.0: every mutation takes one ``input``; its fields say the rest.
                argument = gql_field.args.get("input")
                if argument is not None and not argument.description:
                    argument.description = (
                        f"Everything `{name}` needs, in one object (`{argument.type}`: each "
                        "field is described there)."
                    )

    def bounded_parse(self, query: str) -> tuple[DocumentNode, bool]:
        """The document for ``query`` within the size and token limits, and whether it is
        already known valid (core/graphql/limits.py)."""
        settings = self.frontdesk_settings
        return bounded_parse(
            query,
            self.validated,
            max_bytes=settings.max_query_bytes,
            max_tokens=settings.max_tokens,
        )

    def access_error(
        self, query: str | None, operation_name: str | None, context: Any
    ) -> GraphQLError | None:
        """C-13: refuse before execution when the caller lacks a root field's permission.

        Cheapest checks first: a bad token (and, in production mode, no token) is refused
        before the document is even parsed; the parse itself is bounded (size, tokens)."""
        if query is None:
            return None
        auth_error = getattr(context, "auth_error", None)
        actor = getattr(context, "actor", None)
        settings = self.frontdesk_settings
        if self.auth_required and auth_error is not None:
            return _refusal(auth_error)
        if self.auth_required and actor is None and settings.production:
            return _refusal(
                Unauthenticated(
                    "this server needs an API token for every operation: send "
                    "'Authorization: Bearer <token>'"
                )
            )
        if settings.trusted_documents:
            # Trusted documents mode: only registered documents, checked by hash before parsing.
            try:
                check_trusted(
                    query,
                    settings.trusted_documents,
                    actor.role.value if actor is not None else None,
                    settings.trusted_documents_exempt_roles,
                )
            except FrontdeskError as exc:
                return _refusal(exc)
        try:
            document, valid = self.bounded_parse(query)
        except GraphQLError as error:
            classify(error)
            return error  # reported here: the document is not parsed a second time
        stash(context, query, document, valid)
        for root_name, field_name in _root_fields(document, operation_name):
            if field_name.startswith("__"):
                if field_name != "__typename" and settings.production:
                    introspection = _introspection_error(actor, settings)
                    if introspection is not None:
                        return introspection
                continue  # introspection is schema, not data
            if not self.auth_required:
                continue
            permission = self.root_permissions.get((root_name, field_name))
            if permission is None:
                continue  # unknown field: validation reports it
            try:
                require(actor, permission, f"{root_name}.{field_name}")
            except FrontdeskError as exc:
                return _refusal(exc)
        return None

    async def execute(self, query: str | None, *args: Any, **kwargs: Any) -> Any:
        context = kwargs.get("context_value", args[1] if len(args) > 1 else None)
        operation_name = kwargs.get("operation_name", args[3] if len(args) > 3 else None)
        denied = self.access_error(query, operation_name, context)
        if query is None:
            # A document id that named no registered document (core/trusted.py); the token
            # is checked first, like any request.
            unresolved = unresolved_error(kwargs.get("operation_extensions"))
            auth_error = getattr(context, "auth_error", None)
            if unresolved is not None:
                denied = _refusal(auth_error if auth_error is not None else unresolved)
        mutation = query is not None and "mutation" in query
        if denied is None and mutation:
            denied = _several_mutations_error(_stashed_document(context, query), operation_name)
        if denied is None and mutation and getattr(context, "idempotency_key", None):
            variables = kwargs.get("variable_values", args[2] if len(args) > 2 else None)
            replay, denied = await _idempotent_replay(query, variables, operation_name, context)
            if replay is not None:
                return replay  # the first answer; nothing is written
        if denied is not None:
            result = ExecutionResult(data=None, errors=[denied])
        else:
            try:
                result = await super().execute(query, *args, **kwargs)
                result = await _settle(context, result)
            finally:
                # Cancelled or failed before settling: nothing kept open commits.
                for frame in getattr(context, "mutation_frames", None) or ():
                    if frame.pending is not None:
                        await context.app.settle(frame, None)
        if query is not None and context is not None and "mutation" in query:
            await self._audit(query, operation_name, context, result)
        _retry_after(context, result)
        return result

    async def _audit(
        self, query: str, operation_name: str | None, context: Any, result: Any
    ) -> None:
        """C-13: one audit row per root mutation field, refused or not.

        A field that committed wrote its row in its own transaction (``Frontdesk.write``);
        here are the rest: fields that failed, in a transaction of their own, and every field
        of an operation refused before it ran.  A failure here is logged, never answered: the
        client's answer is already decided.
        """
        frames = getattr(context, "mutation_frames", None) or []
        now = context.now()
        actor = getattr(context, "actor", None)
        # "X on behalf of Y": the token acted as another staff member (act_for).
        on_behalf = getattr(context, "on_behalf_of", None)
        address = getattr(context, "client_address", None)
        rows: list[tuple[str, bool, str | None]] = []
        if frames:
            for frame in frames:
                if not frame.audited:
                    rows.append((frame.action, frame.error_code is None, frame.error_code))
        else:
            document = _stashed_document(context, query)
            if document is None:
                return  # refused before it parsed (token, size, syntax): nothing ran
            fields = [f for r, f in _root_fields(document, operation_name) if r == "Mutation"]
            if not fields or not result.errors:
                return
            code = next((e.extensions.get("code") for e in result.errors if e.extensions), None)
            rows = [(name, False, code) for name in fields]
        if not rows:
            return
        try:
            async with context.app.db.transaction() as session:
                for action, succeeded, code in rows:
                    await record_audit(
                        session,
                        actor=actor,
                        action=action,
                        succeeded=succeeded,
                        now=now,
                        details={
                            **({"code": code} if code else {}),
                            **({"onBehalfOfStaffId": on_behalf} if on_behalf else {}),
                            **({"clientAddress": address} if address else {}),
                        },
                    )
        except Exception:  # noqa: BLE001 - logged; the answer stands
            _log.exception("could not write %d audit rows of refused mutations", len(rows))

    async def stream(self, query: str | None, *args: Any, **kwargs: Any) -> Any:
        context = kwargs.get("context_value", args[1] if len(args) > 1 else None)
        operation_name = kwargs.get("operation_name", args[3] if len(args) > 3 else None)
        denied = self.access_error(query, operation_name, context)
        if denied is not None:
            # Transports iterate what ``stream`` returns; the refusal is its first result.
            return _refusal_stream(PreExecutionError(data=None, errors=[denied]))
        return await super().stream(query, *args, **kwargs)

    def process_errors(self, errors: list[Any], execution_context: Any = None) -> None:
        # Every error leaves with a stable code; only unexpected ones are logged as errors.
        for error in errors:
            classify(error)
            if self.hide_suggestions and "Did you mean" in error.message:
                # Production mode: coercion errors (enum values) suggest too; drop it.
                error.message = _SUGGESTION.sub("", error.message)

    def get_fields(self, type_definition: Any) -> list[StrawberryField]:
        fields = list(type_definition.fields)
        domain = getattr(type_definition.origin, DOMAIN_ATTR, None)
        if domain is not None and domain in self.user_error_types:
            # A core payload whose domain the installed lines extend: this schema's enum.
            fields = [_retyped_user_errors(f, self.user_error_types[domain]) for f in fields]
        extra = self.line_fields.get(type_definition.name)
        if not extra or type_definition.is_input:
            return fields
        return [*fields, *extra]


_SUGGESTION = re.compile(r" ?Did you mean [^?]*\?")


def _retyped_user_errors(field: StrawberryField, error_type: type) -> StrawberryField:
    if field.python_name != "user_errors":
        return field
    field = copy.copy(field)
    field.type = list[error_type]  # type: ignore[valid-type]
    return field


# --- a stable schema per installation (issue 17) ----------------------------------------------
# Every installed line's types and fields are in the schema whether the line is enabled or
# not: a generated client never breaks when an operator switches a line.  A disabled line's
# fields answer null with LINE_DISABLED (its mutations: a LINE_DISABLED user error) without
# running, and nothing is prefetched for them.


class _LineDisabledExtension(FieldExtension):
    def __init__(self, plugin: str) -> None:
        self.plugin = plugin

    def _refuse(self) -> Any:
        raise LineDisabled(
            f"the {self.plugin} line is switched off on this installation; an administrator "
            f"enables it with setPluginEnabled",
            line=self.plugin,
        )

    def resolve(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        return self._refuse()

    async def resolve_async(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        return self._refuse()


def _disabled(field: StrawberryField, plugin: str) -> StrawberryField:
    """``field`` of a disabled plugin: same type and arguments, answers LINE_DISABLED."""
    field = copy.copy(field)
    field.metadata = {
        k: v for k, v in (field.metadata or {}).items() if k not in ("prefetch", "prefetch_join")
    }
    field.extensions = [_LineDisabledExtension(plugin)]
    return field


def _pascal(code: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[^A-Za-z0-9]+", code) if p)


def _line_error_codes(host: PluginHost) -> dict[str, list[LineErrorCode]]:
    """``{plugin: [LineErrorCode]}`` of every installed plugin, checked."""
    out: dict[str, list[LineErrorCode]] = {}
    for plugin, declared in _contributions(host, "frontdesk_error_codes", enabled_only=False):
        if not isinstance(declared, list | tuple) or not all(
            isinstance(d, LineErrorCode) for d in declared
        ):
            raise PluginError(
                f"plugin {plugin!r}: frontdesk_error_codes returns a list of "
                "core.plugin_api.LineErrorCode",
                code="PLUGIN_CONTRACT_VIOLATION",
            )
        for d in declared:
            if not re.fullmatch(r"[A-Z][A-Z0-9_]*", d.code) or not d.description:
                raise PluginError(
                    f"plugin {plugin!r}: error code {d.code!r} must be UPPER_SNAKE_CASE with "
                    "a description",
                    code="PLUGIN_CONTRACT_VIOLATION",
                )
            unknown = set(d.also_in) - set(DOMAIN_CODES)
            if unknown:
                raise PluginError(
                    f"plugin {plugin!r}: {d.code} also_in names unknown domains "
                    f"{sorted(unknown)} (core domains: {', '.join(DOMAIN_CODES)})",
                    code="PLUGIN_CONTRACT_VIOLATION",
                )
        out[plugin] = list(declared)
    return out


def _user_error_types(
    host: PluginHost, declared: dict[str, list[LineErrorCode]]
) -> tuple[dict[str, type], dict[str, type]]:
    """(``{plugin: <Line>UserError}``, ``{core domain: extended <Domain>UserError}``)."""
    lines: dict[str, type] = {}
    extended: dict[str, dict[str, str]] = defaultdict(dict)
    for plugin in sorted(host.installed):
        codes = {**COMMON_CODES, **PENALTY_CODES}
        for d in declared.get(plugin, ()):
            codes[d.code] = d.description
            for domain in d.also_in:
                extended[domain][d.code] = f"{d.description} ({plugin} line)"
        lines[plugin] = user_error_type(
            _pascal(plugin),
            codes,
            f"The {plugin} line's mutations (its codes: frontdesk_error_codes).",
        )
    core: dict[str, type] = {}
    for domain, extra in extended.items():
        codes = domain_codes(domain)
        for code, description in extra.items():
            codes.setdefault(code, description)
        core[domain] = user_error_type(domain, codes, DOMAIN_CODES[domain][0])
    return lines, core


def _line_mutation_field(spec: Any, error_type: type, domain: str) -> StrawberryField:
    """A line's :class:`~core.plugin_api.graphql.LineMutation` as a field following the
    convention: ``<Name>Input``, ``<Name>Payload`` with typed user errors."""
    pascal = spec.name[:1].upper() + spec.name[1:]
    input_name = f"{pascal}Input"
    base = spec.input_type
    base_def = base.__strawberry_definition__
    if base_def.name == input_name:
        input_cls = base
    else:
        input_cls = strawberry.input(
            type(input_name, (base,), {}),
            name=input_name,
            description=base_def.description or f"Input of `{spec.name}`.",
        )
    payload_cls = payload(
        spec.name,
        domain,
        {spec.result_field: (spec.result_type, spec.result_description)},
        user_error=error_type,
    )
    resolver = spec.resolver
    attr = spec.result_field

    async def run(info: Info, input: input_cls) -> payload_cls:  # type: ignore[valid-type]
        value = resolver(info, input)
        if inspect.isawaitable(value):
            value = await value
        return payload_cls(**{attr: value})

    run.__name__ = run.__qualname__ = spec.name
    return strawberry.mutation(
        resolver=run,
        name=spec.name,
        description=spec.description,
        metadata={"permission": spec.permission},
    )


_log = logging.getLogger("frontdesk.audit")


def _retry_after(context: Any, result: Any) -> None:
    """A SERVICE_UNAVAILABLE answer tells HTTP clients when to retry (``Retry-After``)."""
    response = getattr(context, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None or not getattr(result, "errors", None):
        return
    if any((e.extensions or {}).get("code") == "SERVICE_UNAVAILABLE" for e in result.errors):
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)


def _stashed_document(context: Any, query: str | None) -> DocumentNode | None:
    """The document ``access_error`` parsed (bounded) for this very query, if any."""
    stashed = getattr(context, "frontdesk_document", None)
    if stashed is None or query is None or stashed[0] is not query:
        return None
    return stashed[1]


def _refusal(exc: FrontdeskError) -> GraphQLError:
    error = GraphQLError(exc.message, original_error=exc)
    classify(error)
    return error


def _introspection_error(actor: Any, settings: Settings) -> GraphQLError | None:
    """Production mode: the schema is described only to roles that need it."""
    if actor is not None and actor.role.value in settings.introspection_roles:
        return None
    error = GraphQLError(
        "introspection is not available to this token in production mode; ask an "
        "administrator for the committed SDL (schema/frontdesk.graphql)",
        extensions={"code": "INTROSPECTION_DISABLED"},
    )
    return error


async def _idempotent_replay(
    query: str, variables: Any, operation_name: str | None, context: Any
) -> tuple[ExecutionResult | None, GraphQLError | None]:
    """The stored answer of an ``Idempotency-Key`` seen within 24 hours (same token, same
    operation), or an IDEMPOTENCY_KEY_REUSED refusal; else arm the key for this run."""

    from core.models import IdempotencyKey
    from core.runtime import IDEMPOTENCY_TTL, Idempotency

    key = context.idempotency_key.strip()
    if not key or len(key) > 200:
        return None, _refusal(
            InvalidInput(
                "the Idempotency-Key header must be 1 to 200 characters (e.g. a UUID)",
                code="INVALID_IDEMPOTENCY_KEY",
            )
        )
    actor = getattr(context, "actor", None)
    scope = (
        f"token:{actor.token_id}"
        if actor is not None and actor.token_id is not None
        else f"actor:{actor.name if actor is not None else 'anonymous'}"
    )[:220]
    digest = hashlib.sha256(
        orjson.dumps(
            {"query": query, "variables": variables or {}, "operationName": operation_name},
            option=orjson.OPT_SORT_KEYS,
            default=str,
        )
    ).hexdigest()
    async with context.app.db.read() as session:
        found = await session.get(IdempotencyKey, (scope, key))
    if found is not None and found.created_at >= context.now() - IDEMPOTENCY_TTL:
        if found.request_hash != digest:
            return None, _refusal(
                Conflict(
                    f"Idempotency-Key {key!r} was used for a different operation "
                    f"({found.action}) within 24 hours; use a new key for a new request",
                    code="IDEMPOTENCY_KEY_REUSED",
                )
            )
        return ExecutionResult(data=found.response, errors=None), None
    context.idempotency = Idempotency(scope=scope, key=key, request_hash=digest)
    return None, None


async def _settle(context: Any, result: Any) -> Any:
    """Commit (answer stored under the key) or roll back the mutations kept open for their
    idempotency key; a failure to commit becomes the answer."""
    for frame in getattr(context, "mutation_frames", None) or ():
        if frame.pending is None:
            continue
        failed = [e for e in result.errors or () if e.path and str(e.path[0]) == frame.response_key]
        if failed or result.data is None:
            if frame.error_code is None and failed:
                classify(failed[0])
                frame.error_code = (failed[0].extensions or {}).get("code", "INTERNAL_ERROR")
            await context.app.settle(frame, None)
            continue
        try:
            await context.app.settle(frame, result.data)
        except FrontdeskError as exc:
            frame.error_code = exc.code
            return ExecutionResult(data=None, errors=[_refusal(exc)])
        except Exception as exc:  # noqa: BLE001 - answered INTERNAL_ERROR, logged by classify
            frame.error_code = "INTERNAL_ERROR"
            error = GraphQLError("commit failed", path=[frame.response_key], original_error=exc)
            classify(error)
            return ExecutionResult(data=None, errors=[error])
    return result


def _several_mutations_error(
    document: DocumentNode | None, operation_name: str | None
) -> GraphQLError | None:
    """One root mutation field per operation; a document with more is refused before anything
    runs (MULTIPLE_MUTATIONS).

    Each mutation field commits in its own transaction, and every mutation payload is
    non-null: a failure in a later field would null the whole ``data`` and hide that an
    earlier field committed.  Send one mutation per request (retry safely with an
    ``Idempotency-Key``).
    """
    if document is None:
        return None  # the normal pipeline reports the syntax error
    roots = _root_fields(document, operation_name)
    fields = [f for r, f in roots if r == "Mutation" and f != "__typename"]
    if len(fields) <= 1:
        return None
    exc: FrontdeskError = FrontdeskError(
        f"this operation has {len(fields)} mutation fields ({', '.join(reversed(fields))}); "
        "send one mutation field per operation: each commits on its own, and a failure in "
        "one would hide another's commit",
        code="MULTIPLE_MUTATIONS",
    )
    error = GraphQLError(exc.message, original_error=exc)
    classify(error)
    return error


def _audited(name: str, resolve: Any) -> Any:
    """Run a root mutation field inside a :class:`MutationFrame` (its audit row, C-13)."""

    async def run(source: Any, info: Any, **kwargs: Any) -> Any:
        context = info.context
        frame = MutationFrame(
            action=name,
            response_key=str(info.path.key),
            actor=context.actor,
            now=context.now(),
            idempotency=getattr(context, "idempotency", None),
            client_address=getattr(context, "client_address", None),
        )
        frames = getattr(context, "mutation_frames", None)
        if frames is not None:
            frames.append(frame)
        token = CURRENT_MUTATION.set(frame)
        recorded_by = RECORDED_BY.set(None)  # set by the field if it acts for someone
        try:
            value = resolve(source, info, **kwargs)
            if inspect.isawaitable(value):
                value = await value
            return value
        except Exception as exc:
            # Issue 17: a client's mistake is answered as the payload's userErrors (the
            # transaction rolled back; the refusal's audit row is written by _audit).
            answer = refused_payload(info, exc, kwargs)
            if answer is not None:
                frame.error_code = getattr(exc, "code", None) or answer.user_errors[0].code.value
                return answer
            frame.error_code = exc.code if isinstance(exc, FrontdeskError) else "INTERNAL_ERROR"
            raise
        finally:
            RECORDED_BY.reset(recorded_by)
            CURRENT_MUTATION.reset(token)

    return run


async def _refusal_stream(result: PreExecutionError) -> AsyncIterator[PreExecutionError]:
    yield result


def _root_fields(document: DocumentNode, operation_name: str | None) -> list[tuple[str, str]]:
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    out: list[tuple[str, str]] = []
    for d in document.definitions:
        if not isinstance(d, OperationDefinitionNode):
            continue
        if operation_name is not None and (d.name is None or d.name.value != operation_name):
            continue
        root = d.operation.value.capitalize()
        stack = list(d.selection_set.selections)
        seen: set[str] = set()
        while stack:
            sel = stack.pop()
            if isinstance(sel, FieldNode):
                out.append((root, sel.name.value))
            elif isinstance(sel, InlineFragmentNode):
                stack.extend(sel.selection_set.selections)
            elif isinstance(sel, FragmentSpreadNode) and sel.name.value not in seen:
                seen.add(sel.name.value)
                frag = fragments.get(sel.name.value)
                if frag is not None:
                    stack.extend(frag.selection_set.selections)
    return out


def _contributions(host: PluginHost, hook: str, *, enabled_only: bool) -> list[tuple[str, Any]]:
    """(plugin name, result) for each plugin implementing ``hook``."""
    out = []
    for name, installed in sorted(host.installed.items()):
        if enabled_only and name not in host.enabled:
            continue
        fn = getattr(installed.plugin, hook, None)
        if callable(fn):
            result = fn()
            if result:
                out.append((name, result))
    return out


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _field_name(field: StrawberryField) -> str:
    name = field.python_name or field.graphql_name
    if not name:
        raise PluginError("a plugin field has no name; pass name= to strawberry.field")
    return name


def _check_clashes(type_name: str, owners: dict[str, list[str]]) -> None:
    for gql_name, who in owners.items():
        if len(who) > 1:
            raise PluginError(
                f"field {type_name}.{gql_name} is contributed by more than one source: "
                f"{' and '.join(who)}; rename one of them",
                code="SCHEMA_FIELD_CLASH",
            )


def _line_type_fields(host: PluginHost) -> dict[str, list[StrawberryField]]:
    """The enabled lines' fields on core types, as copies owned by the schema being built."""
    out: dict[str, list[StrawberryField]] = defaultdict(list)
    owners: dict[str, dict[str, list[str]]] = {name: defaultdict(list) for name in EXTENSIBLE_TYPES}
    for type_name, cls in EXTENSIBLE_TYPES.items():
        for f in cls.__strawberry_definition__.fields:
            owners[type_name][f.graphql_name or _camel(f.python_name)].append("core")
    for plugin, declared in _contributions(
        host, "frontdesk_graphql_type_fields", enabled_only=False
    ):
        pairs = (
            [(t, f) for t, fields in declared.items() for f in fields]
            if isinstance(declared, dict)
            else list(declared)
        )
        for type_name, field in pairs:
            cls = EXTENSIBLE_TYPES.get(type_name)
            if cls is None:
                raise PluginError(
                    f"plugin {plugin!r} adds fields to {type_name!r}, which core does not let "
                    f"plugins extend (extensible: {', '.join(EXTENSIBLE_TYPES)})",
                    code="NOT_EXTENSIBLE",
                )
            _check_metadata(plugin, f"{type_name}.{_field_name(field)}", field)
            field = copy.copy(field)
            name = _field_name(field)
            field.python_name = name
            field.origin = cls
            field.metadata = {**(field.metadata or {}), PLUGIN_KEY: plugin}
            owners[type_name][field.graphql_name or _camel(name)].append(f"plugin {plugin!r}")
            if plugin not in host.enabled:
                field = _disabled(field, plugin)
            out[type_name].append(field)
    for type_name, per in owners.items():
        _check_clashes(type_name, per)
    return dict(out)


def _check_metadata(plugin: str, where: str, field: Any) -> None:
    """A misspelled declaration is a start-up error, never a silent default (C-13)."""
    metadata = field.metadata or {}
    unknown = set(metadata) - KNOWN_METADATA
    if unknown:
        raise PluginError(
            f"plugin {plugin!r} declares {where} with unknown metadata "
            f"{', '.join(sorted(unknown))}; declare fields with core.plugin_api.line_field / "
            "line_query / line_mutation",
            code="UNKNOWN_FIELD_METADATA",
        )
    if "permission" in metadata:
        try:
            Permission(metadata["permission"])
        except ValueError:
            raise PluginError(
                f"plugin {plugin!r} declares {where} with unknown permission "
                f"{metadata['permission']!r}",
                code="UNKNOWN_PERMISSION",
            ) from None


def _root(
    name: str,
    bases: list[type],
    plugin_fields: list[tuple[str, Any]],
    overrides: dict[str, Any] | None = None,
    enabled: frozenset[str] | None = None,
) -> type:
    namespace: dict[str, Any] = dict(overrides or {})
    owners: dict[str, list[str]] = defaultdict(list)
    for base in bases:
        for f in base.__strawberry_definition__.fields:
            owners[f.graphql_name or _camel(f.python_name)].append(f"core {base.__name__}")
    for plugin, fields in plugin_fields:
        for field in fields:
            if plugin != "core":
                _check_metadata(plugin, f"{name}.{_field_name(field)}", field)
            field = copy.copy(field)
            if plugin != "core" and enabled is not None and plugin not in enabled:
                field = _disabled(field, plugin)
            attr = _field_name(field)
            owners[field.graphql_name or _camel(attr)].append(f"plugin {plugin!r}")
            namespace[attr] = field
    _check_clashes(name, owners)
    return strawberry.type(type(name, tuple(bases), namespace), name=name)


def _line_inputs(host: PluginHost) -> dict[str, list[tuple[str, LineInput]]]:
    """``{input name: [(plugin, LineInput)]}`` of the enabled lines, checked."""
    out: dict[str, list[tuple[str, LineInput]]] = defaultdict(list)
    for plugin, declared in _contributions(
        host, "frontdesk_graphql_input_fields", enabled_only=False
    ):
        if not isinstance(declared, list | tuple) or not all(
            isinstance(d, LineInput) for d in declared
        ):
            raise PluginError(
                f"plugin {plugin!r}: frontdesk_graphql_input_fields returns a list of "
                "core.plugin_api.LineInput",
                code="PLUGIN_CONTRACT_VIOLATION",
            )
        for line_input in declared:
            if line_input.input not in EXTENSIBLE_INPUTS:
                raise PluginError(
                    f"plugin {plugin!r} adds {line_input.name!r} to {line_input.input!r}, "
                    f"which core does not let lines extend ({', '.join(EXTENSIBLE_INPUTS)})",
                    code="NOT_EXTENSIBLE",
                )
            out[line_input.input].append((plugin, line_input))
    return dict(out)


def _input_namespace(
    input_name: str, existing: set[str], extra: list[tuple[str, LineInput]], host: PluginHost
) -> tuple[dict[str, Any], dict[str, str]]:
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__annotations__": annotations}
    owners: dict[str, str] = {}
    for plugin, line_input in extra:
        if line_input.name in existing or line_input.name in annotations:
            raise PluginError(
                f"{input_name}.{line_input.name} from plugin {plugin!r} clashes with an "
                "existing field",
                code="SCHEMA_FIELD_CLASH",
            )
        annotations[line_input.name] = line_input.type | None
        namespace[line_input.name] = strawberry.field(
            default=None, description=line_input.description
        )
        owners[line_input.name] = host.installed[plugin].info.business_line or plugin
    return namespace, owners


def _check_in_input(
    host: PluginHost, extra: list[tuple[str, LineInput]]
) -> tuple[type, dict[str, str]]:
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__annotations__": annotations}
    for attr, typ, default, description in CHECK_IN_CORE_FIELDS:
        annotations[attr] = typ
        namespace[attr] = (
            strawberry.field(description=description)
            if default is strawberry.UNSET
            else strawberry.field(default=default, description=description)
        )
    line_namespace, owners = _input_namespace("CheckInVisitInput", set(annotations), extra, host)
    annotations.update(line_namespace.pop("__annotations__"))
    namespace.update(line_namespace)
    cls = strawberry.input(
        type("CheckInVisitInput", (), namespace),
        name="CheckInVisitInput",
        description="Input of `checkInVisit`: core's facts, and one field per installed line "
        "for its own facts (only the site's line's field may be set).",
    )
    return cls, owners


def _extended_inputs(
    host: PluginHost, declared: dict[str, list[tuple[str, LineInput]]]
) -> tuple[dict[type, type], dict[str, dict[str, str]]]:
    """Per-schema subclasses of the core inputs the enabled lines extend (core's classes are
    never changed), and ``{input name: {field: line}}`` for the resolvers."""
    classes: dict[type, type] = {}
    owners: dict[str, dict[str, str]] = {}
    for base in CORE_INPUTS:
        name = base.__strawberry_definition__.name
        extra = declared.get(name)
        if not extra:
            continue
        existing = {f.python_name for f in base.__strawberry_definition__.fields}
        namespace, owners[name] = _input_namespace(name, existing, extra, host)
        classes[base] = strawberry.input(type(name, (base,), namespace), name=name)
    return classes, owners


def _retargeted(bases: list[type], classes: dict[type, type]) -> dict[str, Any]:
    """Copies of the core root fields whose ``input`` argument is an extended input, taking
    this schema's subclass instead."""
    out: dict[str, Any] = {}
    for base in bases:
        for field in base.__strawberry_definition__.fields:
            arguments = field.arguments
            if not any(a.type in classes for a in arguments):
                continue
            field = copy.copy(field)
            replaced = []
            for argument in arguments:
                if argument.type in classes:
                    argument = copy.copy(argument)
                    argument.type_annotation = StrawberryAnnotation(classes[argument.type])
                replaced.append(argument)
            field.arguments = replaced
            out[field.python_name] = field
    return out


def _check_in_field(input_cls: type) -> Any:
    async def check_in_visit(info: Info, input: input_cls) -> CheckInVisitPayload:  # type: ignore[valid-type]
        return await check_in_visit_resolver(info, input)

    return strawberry.mutation(
        resolver=check_in_visit,
        description="Register a visit; the site's business line decides who receives it.",
    )


def build_schema(host: PluginHost, settings: Settings | None = None) -> FrontdeskSchema:
    """The schema for the host's enabled plugins."""
    settings = settings or Settings()
    enabled = frozenset(host.enabled)
    line_fields = _line_type_fields(host)

    query = _root(
        "Query",
        QUERY_MIXINS,
        _contributions(host, "frontdesk_graphql_queries", enabled_only=False),
        enabled=enabled,
    )
    line_errors, core_errors = _user_error_types(host, _line_error_codes(host))
    user_error_types = {**core_errors}
    mutation_fields = []
    for plugin, declared in _contributions(host, "frontdesk_graphql_mutations", enabled_only=False):
        fields = []
        for item in declared:
            if isinstance(item, LineMutation):
                domain = _pascal(plugin)
                user_error_types[domain] = line_errors[plugin]
                item = _line_mutation_field(item, line_errors[plugin], domain)
            fields.append(item)
        mutation_fields.append((plugin, fields))
    declared_inputs = _line_inputs(host)
    check_in_cls, check_in_owners = _check_in_input(
        host, declared_inputs.get("CheckInVisitInput", [])
    )
    input_classes, line_inputs = _extended_inputs(host, declared_inputs)
    line_inputs["CheckInVisitInput"] = check_in_owners
    check_in = ("core", [_check_in_field(check_in_cls)])
    mutation = _root(
        "Mutation",
        MUTATION_MIXINS,
        [check_in, *mutation_fields],
        _retargeted(MUTATION_MIXINS, input_classes),
        enabled=enabled,
    )
    subscription_fields = _contributions(
        host, "frontdesk_graphql_subscriptions", enabled_only=False
    )
    subscription = None
    if subscription_fields or SUBSCRIPTION_MIXINS:
        subscription = _root(
            "Subscription",
            SUBSCRIPTION_MIXINS or [_EmptySubscription],
            subscription_fields,
            enabled=enabled,
        )
    extra_types = [
        *CORE_TYPES,
        *(
            t
            for _, types in _contributions(host, "frontdesk_graphql_types", enabled_only=False)
            for t in types
        ),
    ]

    limit_rules = [
        *QueryDepthLimiter(max_depth=settings.max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
        # Introspection too (the depth limiter above skips `__` fields): its own depth bound,
        # and graphql-core's limit on lists of types within lists of types.
        introspection_depth_rule(settings.max_introspection_depth),
        MaxIntrospectionDepthRule,
    ]
    schema = FrontdeskSchema(
        query=query,
        mutation=mutation,
        subscription=subscription,
        types=extra_types,
        enabled=enabled,
        line_fields=line_fields,
        line_inputs=line_inputs,
        user_error_types=user_error_types,
        auth_required=settings.auth_required,
        settings=settings,
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        extensions=[
            # The same rule classes for every request: QueryDepthLimiter/MaxAliasesLimiter
            # create a new rule class per instance.
            lambda: AddValidationRules(limit_rules),
            # Bounded parse, validation, and a byte-bounded cache of valid documents only.
            DocumentGate,
        ],
        # The speed layer (core/graphql/accel/), or graphql-core's own with Settings.accel off.
        execution_context_class=execution_context_class(
            settings.accel, strict=settings.accel_strict
        ),
    )
    for type_name, fields in line_fields.items():
        for f in fields:
            loader = (f.metadata or {}).get("prefetch")
            if loader is not None:
                gql = f.graphql_name or _camel(f.python_name)
                key = prefetch_key(type_name, gql)
                schema.frontdesk_prefetch.setdefault(type_name, {})[gql] = (key, loader)
                joined = f.metadata.get("prefetch_join")
                if joined is not None:
                    schema.frontdesk_prefetch_joins.setdefault(type_name, {})[gql] = (key, joined)
    return schema


@strawberry.type
class _EmptySubscription:
    pass


def builtin_schema() -> FrontdeskSchema:
    """The schema with every built-in line installed and enabled.

    Only the code in this repository decides it: third-party lines installed beside
    Frontdesk never reach the committed SDL."""
    builtins = PluginHost(create_plugin_manager(entry_points_group=None))
    builtins.set_enabled(builtins.installed.keys())
    return build_schema(builtins)


def export_sdl() -> str:
    """The SDL with every built-in line enabled (what ``schema/frontdesk.graphql`` holds).
    A disabled line's fields are in it too (issue 17), so it is the SDL of any installation
    of the built-in lines."""
    return builtin_schema().as_str() + "\n"
