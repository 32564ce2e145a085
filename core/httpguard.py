"""HTTP edges, bounded before anything is parsed.

* :class:`BodyLimit` refuses a request body larger than ``Settings.max_body_bytes`` while it
  is read (413, ``REQUEST_TOO_LARGE``): a declared ``Content-Length`` over the limit is refused
  without reading a byte, a chunked body as soon as the running total passes it.
* :func:`check_json_depth` refuses JSON nested deeper than ``Settings.max_json_depth`` before
  the decoder recurses into it (a 400 with a clear message instead of a RecursionError).
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE"


def error_body(message: str, code: str, **extensions: Any) -> bytes:
    """A GraphQL-shaped error document for refusals made before GraphQL runs."""
    return orjson.dumps(
        {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}
    )


async def send_error(
    send: Send, status: int, message: str, code: str, headers: list[tuple[bytes, bytes]] = ()
) -> None:
    body = error_body(message, code)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """ASGI middleware: the whole body, at most ``max_bytes``, read before the app runs."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await send_error(send, 400, "Content-Length is not a number", "BAD_REQUEST")
                    return
                if declared > self.max_bytes:
                    await self._too_large(send)
                    return
        chunks: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > self.max_bytes:
                await self._too_large(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send) -> None:
        await send_error(
            send,
            413,
            f"The request body is larger than {self.max_bytes} bytes; send a smaller request.",
            REQUEST_TOO_LARGE,
            [(b"connection", b"close")],
        )


class JSONTooDeep(json.JSONDecodeError):
    """JSON nested deeper than the limit (a JSONDecodeError, so transports refuse it as
    malformed; the HTTP view answers 400 with this message)."""

    def __init__(self, limit: int, doc: str | bytes) -> None:
        message = f"The JSON is nested more than {limit} levels deep; flatten it."
        super().__init__(message, doc if isinstance(doc, str) else "", 0)
        self.msg = message


_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_STRINGS_B = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_NOT_BRACKETS_B = re.compile(rb"[^\[\]{}]+")
_PAIRS = re.compile(r"\{\}|\[\]")
_PAIRS_B = re.compile(rb"\{\}|\[\]")


def check_json_depth(data: str | bytes, limit: int) -> None:
    """Raise :class:`JSONTooDeep` when ``data`` nests arrays/objects deeper than ``limit``.

    Strings are stripped, then innermost bracket pairs removed one level per pass (C-speed
    regular expressions, at most ``limit`` passes): no recursion, linear in the input per
    pass.  Malformed JSON is left for the decoder to report."""
    if isinstance(data, bytes | bytearray):
        brackets: Any = _NOT_BRACKETS_B.sub(b"", _STRINGS_B.sub(b"", data))
        pairs = _PAIRS_B
    else:
        brackets = _NOT_BRACKETS.sub("", _STRINGS.sub("", data))
        pairs = _PAIRS
    for _ in range(limit):
        if not brackets:
            return
        inner = pairs.sub(brackets[:0], brackets)
        if len(inner) == len(brackets):
            return  # unbalanced: not JSON, the decoder says so
        brackets = inner
    if brackets:
        raise JSONTooDeep(limit, data)


def decode_json(data: str | bytes, limit: int) -> object:
    """``json.loads`` (integers stay exact) after the depth check."""
    check_json_depth(data, limit)
    try:
        return json.loads(data)
    except RecursionError as exc:  # pragma: no cover - the depth check comes first
        raise JSONTooDeep(limit, data) from exc


# --- GraphQL over HTTP: media types --------------------------------------------------------

GRAPHQL_RESPONSE = "application/graphql-response+json"
ACCEPT_KEY = "frontdesk.accept"  # in the ASGI scope: "graphql-response" or "json"


def accepted(header: str | None) -> str | None:
    """What to answer for an ``Accept`` header: ``"graphql-response"``
    (application/graphql-response+json), ``"json"`` (application/json, also for ``*/*`` and a
    missing header), or None when neither is acceptable (406).  Case-insensitive, q-values
    honoured; on a tie the GraphQL media type wins."""
    if header is None or not header.strip():
        return "json"
    best: dict[str, float] = {"graphql-response": 0.0, "json": 0.0}
    for part in header.split(","):
        media, *params = part.split(";")
        media = media.strip().lower()
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
        if media == GRAPHQL_RESPONSE:
            best["graphql-response"] = max(best["graphql-response"], q)
        elif media in ("application/json", "application/*", "*/*"):
            best["json"] = max(best["json"], q)
    if best["graphql-response"] > 0 and best["graphql-response"] >= best["json"]:
        return "graphql-response"
    return "json" if best["json"] > 0 else None


class MediaTypes:
    """ASGI middleware: media types matched case-insensitively (``APPLICATION/JSON``), the
    answer's media type negotiated from ``Accept`` (stored in the scope), 406 when the client
    accepts neither JSON media type.  A browser's GET without a query is left to the IDE."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = []
        accept = None
        for name, value in scope.get("headers", ()):
            if name == b"content-type":
                media, sep, params = value.partition(b";")
                value = media.strip().lower() + sep + params
            elif name == b"accept":
                accept = value.decode("latin-1")
            headers.append((name, value))
        mode = accepted(accept)
        if mode is None:
            ide = scope["method"] == "GET" and b"query=" not in scope.get("query_string", b"")
            if not ide:
                await send_error(
                    send,
                    406,
                    "This endpoint answers application/graphql-response+json or "
                    "application/json; send one of them in Accept.",
                    "NOT_ACCEPTABLE",
                )
                return
            mode = "json"
        await self.app({**scope, "headers": headers, ACCEPT_KEY: mode}, receive, send)


# Codes of refusals made before execution and the status they get with
# application/graphql-response+json (everything else that cannot execute is a 400).
_AUTH_STATUS = {"UNAUTHENTICATED": 401, "FORBIDDEN": 403, "INTROSPECTION_DISABLED": 403}


def graphql_response_status(result: Any) -> int:
    """The HTTP status of ``result`` for application/graphql-response+json: 200 once execution
    started (even with field errors, even with ``data: null`` from one); before it (parse,
    validation, variable coercion, a refusal) 401/403 for authentication/permission, else
    400."""
    errors = result.errors or []
    if result.data is not None or not errors or any(e.path is not None for e in errors):
        return 200
    for error in errors:
        status = _AUTH_STATUS.get((error.extensions or {}).get("code"))
        if status is not None:
            return status
    return 400
