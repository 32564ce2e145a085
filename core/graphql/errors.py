"""Every error a client sees carries a stable ``extensions.code``.

* Our own errors (:class:`core.errors.FrontdeskError`) keep their message and code.
* Parse and validation failures get ``GRAPHQL_PARSE_FAILED`` / ``GRAPHQL_VALIDATION_FAILED``,
  or the limit they hit: ``QUERY_TOO_DEEP``, ``TOO_MANY_ALIASES``, ``TOO_MANY_TOKENS``.
* A database that cannot be reached is ``SERVICE_UNAVAILABLE`` (retryable, ``retryAfter``).
* Anything unexpected is masked as ``INTERNAL_ERROR`` (and logged), never a stack trace.
"""

from __future__ import annotations

import logging

from graphql import GraphQLError

from core.db import is_unavailable
from core.errors import (
    RETRY_AFTER_SECONDS,
    UNAVAILABLE_MESSAGE,
    FrontdeskError,
    ServiceUnavailable,
)

log = logging.getLogger("frontdesk.graphql")

_LIMITS = (
    ("exceeds maximum operation depth", "QUERY_TOO_DEEP"),
    ("Maximum introspection depth exceeded", "QUERY_TOO_DEEP"),
    ("aliases found. Allowed", "TOO_MANY_ALIASES"),
    ("more than", "TOO_MANY_TOKENS"),
)


def classify(error: GraphQLError) -> None:
    """Give ``error`` its stable ``extensions.code`` (idempotent)."""
    if error.extensions and "code" in error.extensions:
        return
    original = error.original_error
    ext = dict(error.extensions or {})
    if isinstance(original, FrontdeskError):
        ext.setdefault("code", original.code)
        for key, value in original.details.items():
            ext.setdefault(key, value)
        error.message = original.message
    elif original is not None and is_unavailable(original):
        log.warning("database unavailable in %s: %r", error.path, original)
        error.message = UNAVAILABLE_MESSAGE
        ext.setdefault("code", ServiceUnavailable.code)
        ext.setdefault("retryAfter", RETRY_AFTER_SECONDS)
    elif original is not None and _client_input_error(error, original):
        # Variable coercion, enum and input errors: graphql-core's own message, no traceback.
        ext.setdefault(
            "code",
            "BAD_USER_INPUT"
            if error.message.startswith("Variable ")
            else "GRAPHQL_VALIDATION_FAILED",
        )
    elif original is not None and (mapped := _database_refusal(original)) is not None:
        code, message = mapped
        log.warning("refused by the database in %s: %s", error.path, code)
        error.message = message
        ext.setdefault("code", code)
    elif original is not None:
        log.error("unexpected error in %s", error.path, exc_info=original)
        error.message = "Internal error; it was logged. Try again, or report it if it persists."
        ext.setdefault("code", "INTERNAL_ERROR")
    else:
        code = "GRAPHQL_VALIDATION_FAILED"
        if error.message.startswith("Syntax Error"):
            code = "GRAPHQL_PARSE_FAILED"
        for needle, limit_code in _LIMITS:
            if needle in error.message and (
                limit_code != "TOO_MANY_TOKENS" or "tokens" in error.message
            ):
                code = limit_code
        ext.setdefault("code", code)
    error.extensions = ext


def _client_input_error(error: GraphQLError, original: BaseException) -> bool:
    """An error graphql-core raised about the request itself, before any resolver ran: a
    variable that does not coerce (``Int`` given "abc", an unknown enum value, a missing
    input field, a null for a non-null) or a literal a scalar refused during validation."""
    if error.path is not None:
        return False
    return isinstance(original, GraphQLError | ValueError | TypeError | ArithmeticError)


def _database_refusal(original: BaseException) -> tuple[str, str] | None:
    """Constraint violations the services did not anticipate, by kind, on SQLite and
    PostgreSQL alike (the services check the common cases first, with a precise code)."""
    from sqlalchemy.exc import DataError, IntegrityError

    text = str(getattr(original, "orig", original)).lower()
    if isinstance(original, IntegrityError) and "foreign key" in text:
        return "REFERENCE_NOT_FOUND", "a record this change refers to does not exist"
    if isinstance(original, DataError) and ("too long" in text or "right truncation" in text):
        return "VALUE_TOO_LONG", "a value is longer than its field allows"
    return None
