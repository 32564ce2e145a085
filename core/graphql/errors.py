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
