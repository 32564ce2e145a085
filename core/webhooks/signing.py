"""Signing: the ``Frontdesk-Signature`` header, its check, and the body a receiver gets."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

import orjson

from core.models import Event

SIGNATURE_VERSION = "v1"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The ``Frontdesk-Signature`` header value for ``body`` sent at ``timestamp``."""
    message = timestamp.encode() + b"." + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


def verify_signature(
    secret: str, headers: Any, body: bytes, *, tolerance: float = 300, now: float | None = None
) -> bool:
    """What a receiver does (the README snippet): recompute, compare in constant time, and
    refuse old timestamps so a captured request cannot be replayed later."""
    timestamp = headers["Frontdesk-Timestamp"]
    expected = signature(secret, timestamp, body)
    fresh = abs((now if now is not None else time.time()) - int(timestamp)) <= tolerance
    return fresh and hmac.compare_digest(expected, headers["Frontdesk-Signature"])


def event_body(event: Event) -> bytes:
    """The JSON a receiver gets for ``event`` (ids as strings, like the GraphQL API)."""
    return orjson.dumps(
        {
            "id": str(event.id),
            "type": event.type,
            "stream": event.stream,
            "siteId": str(event.site_id) if event.site_id is not None else None,
            "subjectId": str(event.subject_id) if event.subject_id is not None else None,
            "occurredAt": event.occurred_at.isoformat(),
            "payload": event.payload or {},
        }
    )
