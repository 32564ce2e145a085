"""Errors a user can cause, each with a stable code.

The GraphQL layer puts ``code`` into the error's ``extensions`` so clients can branch on it;
``message`` says what to fix.  A mutation that raises one of these writes nothing: services
raise before commit and the session rolls back.
"""

from __future__ import annotations

from typing import Any


class FrontdeskError(Exception):
    """Base of every error with a stable, documented code."""

    code: str = "FRONTDESK_ERROR"

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details

    def __str__(self) -> str:
        return self.message


class NotFound(FrontdeskError):
    code = "NOT_FOUND"


class InvalidInput(FrontdeskError):
    code = "INVALID_INPUT"


class Conflict(FrontdeskError):
    code = "CONFLICT"


class PermissionDenied(FrontdeskError):
    code = "FORBIDDEN"


class PluginError(FrontdeskError):
    code = "PLUGIN_ERROR"


class ServiceUnavailable(FrontdeskError):
    """The database cannot be reached right now: retry (the answer carries ``Retry-After``)."""

    code = "SERVICE_UNAVAILABLE"


# Seconds a client should wait before retrying a SERVICE_UNAVAILABLE answer.
RETRY_AFTER_SECONDS = 2
UNAVAILABLE_MESSAGE = (
    "the database is unavailable right now; nothing was written -- retry in a few seconds "
    "(with the same Idempotency-Key, a retried mutation is never applied twice)"
)
