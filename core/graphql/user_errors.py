"""Mutation payloads and typed user errors (issue 17, schema 1.0).

Every mutation takes one ``input: <Name>Input!`` and returns ``<Name>Payload!``: its result
fields (nullable) and ``userErrors: [<Domain>UserError!]!``.  A client's mistake — a refused
rule, an id that does not exist, a value that does not fit — is answered here, as data, with
a ``field`` path into the input (``["input", "siteId"]``) for a form to highlight, a
``message`` and a ``code`` of the domain's enum (``<Domain>ErrorCode``, built from
``core.errors``; a line's enum from the codes it declares).  Nothing is written: the
mutation's transaction rolled back before the payload is made, and its audit row records
the refusal (C-13).

What is not a user's mistake (authentication, permissions, limits, outages, bugs) stays a
top-level error (``core.errors.TOP_LEVEL_CODES``).

The conversion happens once, around every root mutation field (``schema.build``):
resolvers raise :class:`~core.errors.FrontdeskError` as before and return a payload on
success.
"""

from __future__ import annotations

import enum
import logging
import re
from typing import Any

import strawberry
from strawberry.types import Info

from core.errors import (
    DOMAIN_CODES,
    TOP_LEVEL_CODES,
    Conflict,
    FrontdeskError,
    NotFound,
    PermissionDenied,
    PluginError,
    ServiceUnavailable,
    domain_codes,
)

log = logging.getLogger("frontdesk.graphql")

#: The attribute naming a payload class's error domain.
DOMAIN_ATTR = "__frontdesk_error_domain__"


@strawberry.interface(
    description="An error a user can fix: where in the input (`field`) and what to do "
    "(`message`).  Every mutation payload's `userErrors` implement it, with a `code` of the "
    "mutation's domain."
)
class DisplayableError:
    field: list[str] | None = strawberry.field(
        description='Path to the input field at fault, e.g. ["input", "siteId"]; null '
        "when no single field is (a rule refused the request as a whole)."
    )
    message: str = strawberry.field(description="What went wrong and how to fix it.")


def error_code_enum(domain: str, codes: dict[str, str], description: str) -> type[enum.Enum]:
    """The strawberry enum ``<domain>ErrorCode`` of ``codes`` (``{code: description}``)."""
    name = f"{domain}ErrorCode"
    members = {code: code for code in sorted(codes)}
    cls = enum.Enum(name, members)  # type: ignore[misc]
    return strawberry.enum(
        cls,
        name=name,
        description=f"Codes of {domain} user errors. {description}",
        # strawberry reads value descriptions from the members' definitions below.
    )


def _describe_values(enum_cls: Any, codes: dict[str, str]) -> None:
    definition = enum_cls.__strawberry_definition__
    for value in definition.values:
        value.description = codes.get(value.name)


def user_error_type(domain: str, codes: dict[str, str], description: str) -> type:
    """``<domain>UserError`` with a ``code`` of ``<domain>ErrorCode``."""
    code_enum = error_code_enum(domain, codes, description)
    _describe_values(code_enum, codes)
    namespace: dict[str, Any] = {
        "__annotations__": {
            "field": "list[str] | None",
            "message": "str",
            "code": code_enum,
            "rule": "str | None",
        },
        "field": strawberry.field(
            default=None,
            description='Path to the input field at fault, e.g. ["input", "siteId"]; null '
            "when the request as a whole was refused.",
        ),
        "message": strawberry.field(default="", description="What went wrong and how to fix it."),
        "code": strawberry.field(
            default=None, description="Stable code to branch on (never parse the message)."
        ),
        "rule": strawberry.field(
            default=None,
            description="The business rule that refused the request (C-15, RE-5 …), if one did.",
        ),
        "__module__": __name__,
    }
    name = f"{domain}UserError"
    cls = type(name, (DisplayableError,), namespace)
    cls.__annotations__["field"] = list[str] | None
    cls.__annotations__["message"] = str
    cls.__annotations__["rule"] = str | None
    typed = strawberry.type(
        cls, name=name, description=f"A user error of a {domain} mutation. {description}"
    )
    typed.code_enum = code_enum  # type: ignore[attr-defined]
    typed.codes = frozenset(codes)  # type: ignore[attr-defined]
    return typed


#: ``{domain: <Domain>UserError}`` of core's domains (static; lines get theirs per schema).
USER_ERROR_TYPES: dict[str, type] = {
    domain: user_error_type(domain, domain_codes(domain), description)
    for domain, (description, _codes) in DOMAIN_CODES.items()
}


def payload(
    mutation: str,
    domain: str,
    fields: dict[str, tuple[Any, str]],
    *,
    user_error: type | None = None,
) -> type:
    """``<Mutation>Payload``: each of ``fields`` (``{python name: (type, description)}``)
    nullable, and ``userErrors`` of ``domain``."""
    name = mutation[:1].upper() + mutation[1:] + "Payload"
    error_type = user_error or USER_ERROR_TYPES[domain]
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__annotations__": annotations, "__module__": __name__}
    for attr, (typ, description) in fields.items():
        annotations[attr] = typ | None
        namespace[attr] = strawberry.field(default=None, description=description)
    annotations["user_errors"] = list[error_type]  # type: ignore[valid-type]
    namespace["user_errors"] = strawberry.field(
        default_factory=list,
        description="The client's mistakes that refused this mutation (nothing was written); "
        "empty on success.",
    )
    cls = strawberry.type(
        type(name, (), namespace),
        name=name,
        description=f"The result of `{mutation}`: the result fields are null when "
        "`userErrors` is not empty.",
    )
    setattr(cls, DOMAIN_ATTR, domain)
    return cls


# --- from an exception to a payload ---------------------------------------------------------

_GENERIC = (
    (NotFound, "NOT_FOUND"),
    (Conflict, "CONFLICT"),
)


def is_user_error(exc: BaseException, codes: frozenset[str]) -> bool:
    """Whether ``exc`` is a client's mistake answered as a user error of these ``codes``."""
    if not isinstance(exc, FrontdeskError):
        return False
    if isinstance(exc, PermissionDenied | ServiceUnavailable | PluginError):
        return False
    if exc.code in codes:
        return True
    if exc.code in TOP_LEVEL_CODES or type(exc).__name__ in ("Unauthenticated", "Forbidden"):
        return False
    return True  # an unregistered code of a user-error kind: answered generically, logged


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def field_path(exc: FrontdeskError, value: Any) -> list[str] | None:
    """``["input", <field>]`` for the input field ``exc`` is about, if any.

    Services name it with ``field=`` (``parse_id`` does); otherwise an ``X_NOT_FOUND`` points
    at the input's ``xId`` when it has one."""
    named = exc.details.get("field")
    if isinstance(named, str) and named:
        parts = [_camel(p) for p in named.split(".")]
        return ["input", *parts]
    if exc.code.endswith("_NOT_FOUND") and value is not None:
        stem = exc.code[: -len("_NOT_FOUND")].lower()
        attr = f"{stem}_id"
        if hasattr(value, attr):
            return ["input", _camel(attr)]
    return None


def user_errors(exc: FrontdeskError, error_type: type, value: Any = None) -> list[Any]:
    """The user error(s) ``exc`` stands for, as ``error_type`` objects."""
    codes: frozenset[str] = error_type.codes  # type: ignore[attr-defined]
    code = exc.code
    if code not in codes:
        generic = next((c for kind, c in _GENERIC if isinstance(exc, kind)), "INVALID_INPUT")
        log.warning(
            "user error code %s is not in %s; answered %s (register it in core.errors or the "
            "line's frontdesk_error_codes)",
            code,
            error_type.__name__,
            generic,
        )
        code = generic
    enum_cls = error_type.code_enum  # type: ignore[attr-defined]
    rule = str(exc.details["rule"]) if exc.details.get("rule") else None
    missing = exc.details.get("missing")
    if isinstance(missing, list | tuple) and missing and all(isinstance(m, str) for m in missing):
        # Several input fields at fault (C-7: each missing detail): one error per field, so
        # a form highlights each of them.
        return [
            error_type(
                field=["input", _camel(m)], message=exc.message, code=enum_cls[code], rule=rule
            )
            for m in missing
        ]
    return [
        error_type(
            field=field_path(exc, value), message=exc.message, code=enum_cls[code], rule=rule
        )
    ]


def database_user_error(exc: BaseException) -> FrontdeskError | None:
    """A constraint the database enforced on the client's values (core.graphql.errors), as
    a user error."""
    from core.graphql.errors import _database_refusal

    mapped = _database_refusal(exc)
    if mapped is None:
        return None
    code, message = mapped
    return FrontdeskError(message, code=code)


def refused_payload(info: Info, exc: BaseException, kwargs: dict[str, Any]) -> Any | None:
    """The payload answering ``exc`` raised by the mutation field of ``info``, or None when
    ``exc`` is not a user's mistake (it stays a top-level error)."""
    payload_cls = payload_class(info)
    if payload_cls is None:
        return None
    domain = getattr(payload_cls, DOMAIN_ATTR)
    error_type = error_type_for(info, domain)
    if not isinstance(exc, FrontdeskError):
        converted = database_user_error(exc)
        if converted is None:
            return None
        exc = converted
    if not is_user_error(exc, error_type.codes):  # type: ignore[attr-defined]
        return None
    return payload_cls(user_errors=user_errors(exc, error_type, kwargs.get("input")))


def payload_class(info: Info) -> type | None:
    """The payload class of the mutation field being resolved, if it follows the convention."""
    from graphql import get_nullable_type

    gql_type = get_nullable_type(info.return_type)
    definition = (getattr(gql_type, "extensions", None) or {}).get("strawberry-definition")
    origin = getattr(definition, "origin", None)
    if origin is None or not hasattr(origin, DOMAIN_ATTR):
        return None
    return origin


def error_type_for(info: Info, domain: str) -> type:
    """This schema's ``<domain>UserError`` (lines may extend core's domains)."""
    schema = getattr(info.schema, "_strawberry_schema", info.schema)
    overrides = getattr(schema, "user_error_types", None) or {}
    found = overrides.get(domain) or USER_ERROR_TYPES.get(domain)
    if found is None:
        raise KeyError(f"no user error type for domain {domain!r}")
    return found
