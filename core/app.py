"""The ASGI application: Starlette routes around the strawberry GraphQL view.

The view is strawberry's (:class:`FrontdeskGraphQL`), with the speed layer mixed in when
``Settings.accel`` is on (:class:`AccelGraphQL`, see ``core/graphql/accel/``).

``/graphql`` serves queries and mutations over HTTP, GraphiQL in a browser, and
subscriptions over graphql-transport-ws.  The schema follows the enabled plugins: when an
operator enables a business line, the next request is served by a schema with its fields.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from strawberry.types.unset import UNSET

from core.auth import authenticate
from core.db import is_unavailable
from core.errors import (
    RETRY_AFTER_SECONDS,
    UNAVAILABLE_MESSAGE,
    FrontdeskError,
    ServiceUnavailable,
)
from core.forwarded import scope_client_address
from core.graphiql import ASSETS_PATH, assets_dir, graphiql_html
from core.graphql.accel import STATS as ACCEL_STATS
from core.graphql.accel.http import SlimJSONPost
from core.graphql.accel.subscriptions import AccelTransportWSHandler
from core.graphql.context import Context
from core.graphql.subscriptions import (
    FrontdeskTransportWSHandler,
    tune_gc_for_long_lived_connections,
)
from core.httpguard import (
    ACCEPT_KEY,
    GRAPHQL_RESPONSE,
    BodyLimit,
    JSONTooDeep,
    MediaTypes,
    decode_json,
    error_body,
    graphql_response_status,
)
from core.ratelimit import RateLimit, SlidingWindow, record_failed_authentication
from core.revocation import sockets_of
from core.runtime import Frontdesk
from core.trusted import with_persisted_document
from schema.build import build_schema

log = logging.getLogger("frontdesk.http")


def _http_refusal(exc: HTTPException) -> tuple[int, str, str]:
    """(status, code, message) for an HTTP-level refusal raised inside strawberry's view."""
    reason = exc.reason
    if reason == "Unsupported content type":
        return (
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            "send the request as JSON with the header Content-Type: application/json "
            "(or a query as GET parameters)",
        )
    if exc.status_code == 405:
        return 405, "METHOD_NOT_ALLOWED", reason
    if exc.status_code == 404:
        return 404, "NOT_FOUND", reason
    return exc.status_code, "BAD_REQUEST", reason


class FrontdeskGraphQL(GraphQL):
    # Text frames, and the C-13 refusal before execution.
    graphql_transport_ws_handler_class = FrontdeskTransportWSHandler

    def __init__(self, frontdesk: Frontdesk, schema: Any) -> None:
        # Production mode: no IDE (a GET from a browser is a 404).
        ide = None if frontdesk.settings.production else "graphiql"
        # The legacy graphql-ws subprotocol only when a setting keeps it for old clients.
        protocols = (GRAPHQL_TRANSPORT_WS_PROTOCOL,)
        if frontdesk.settings.legacy_websocket_protocol:
            protocols += (GRAPHQL_WS_PROTOCOL,)
        super().__init__(schema, graphql_ide=ide, subscription_protocols=protocols)
        self.frontdesk = frontdesk
        self.max_json_depth = frontdesk.settings.max_json_depth

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        """strawberry answers a malformed HTTP request with a plain-text body; Frontdesk answers
        every refusal as GraphQL JSON with a stable code and what to send instead (issue 10,
        finding 5)."""
        try:
            return await super().run(request, context, root_value)
        except HTTPException as exc:
            return self.refusal_response(exc)

    def refusal_response(self, exc: HTTPException) -> Response:
        """An HTTP-level refusal as GraphQL JSON (also used by the speed layer's fast path)."""
        status, code, message = _http_refusal(exc)
        return Response(error_body(message, code), status, media_type="application/json")

    async def get_sub_response(self, request: Any) -> Response:
        sub_response = await super().get_sub_response(request)
        # GraphQL over HTTP: the media type negotiated by MediaTypes (core/httpguard.py).
        request.scope["frontdesk.sub_response"] = sub_response
        if request.scope.get(ACCEPT_KEY) == "graphql-response":
            sub_response.frontdesk_media = f"{GRAPHQL_RESPONSE}; charset=utf-8"  # type: ignore[attr-defined]
        return sub_response

    async def process_result(self, request: Any, result: Any) -> Any:
        data = await super().process_result(request=request, result=result)
        if request.scope.get(ACCEPT_KEY) == "graphql-response":
            status = graphql_response_status(result)
            sub_response = request.scope.get("frontdesk.sub_response")
            if sub_response is not None and status != 200:
                sub_response.status_code = status
            if status != 200:
                data.pop("data", None)  # it never executed: no data entry at all
        return data

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        response = super().create_response(response_data, sub_response)
        media = getattr(sub_response, "frontdesk_media", None)
        if media:
            response.headers["content-type"] = media
        return response

    def decode_json(self, data: str | bytes) -> object:
        # Depth-checked before decoding (core/httpguard.py); also for WebSocket messages.
        decoded = decode_json(data, self.max_json_depth)
        # A request naming a registered document by id only (core/trusted.py); over a
        # WebSocket, a graphql-transport-ws `subscribe` message's payload.
        manifest = self.frontdesk.settings.trusted_documents
        if isinstance(decoded, dict) and decoded.get("type") == "subscribe":
            payload = decoded.get("payload")
            if isinstance(payload, dict) and "query" not in payload:
                return {**decoded, "payload": with_persisted_document(payload, manifest)}
            return decoded
        return with_persisted_document(decoded, manifest)

    def parse_query_params(self, params: Any) -> dict[str, Any]:
        # GET /graphql?documentId=sha256:…&variables=… too.
        parsed = super().parse_query_params(params)
        return with_persisted_document(parsed, self.frontdesk.settings.trusted_documents)

    def parse_json(self, data: str | bytes) -> Any:
        try:
            return self.decode_json(data)
        except JSONTooDeep as exc:
            raise HTTPException(400, exc.msg) from exc
        except ValueError as exc:
            raise HTTPException(400, "Unable to parse request body as JSON") from exc

    async def get_context(self, request: Any, response: Any) -> Context:  # type: ignore[override]
        context = Context(app=self.frontdesk, request=request, response=response)
        # Behind Settings.trusted_proxies, the address they forward (core/forwarded.py).
        context.client_address = scope_client_address(request.scope, self.frontdesk.settings)
        context.idempotency_key = request.headers.get("idempotency-key")
        header = request.headers.get("authorization")
        if header:
            try:
                context.actor = await self._authenticate(header)
            except FrontdeskError as exc:
                context.auth_error = exc
                await record_failed_authentication(self.frontdesk, request.scope)
            except Exception as exc:
                if not is_unavailable(exc):
                    raise
                context.auth_error = ServiceUnavailable(UNAVAILABLE_MESSAGE)
        return context

    async def _authenticate(self, header: str) -> Any:

        # One Core SELECT on a pooled connection: no ORM session, no BEGIN/ROLLBACK.
        async with self.frontdesk.db.read_one() as connection:
            return await authenticate(connection, header)

    async def on_ws_connect(self, context: Context) -> Any:  # type: ignore[override]
        """graphql-transport-ws: authenticate from connection_init (4403 when wrong)."""

        params = context.connection_params or {}
        header = params.get("authorization") or params.get("Authorization") or params.get("token")
        if header is None and context.actor is not None:
            sockets_of(self.frontdesk).track(context)  # closed (4403) when it is revoked
            return None
        try:
            context.actor = await self._authenticate(header) if header else None
        except FrontdeskError as exc:
            request = context.request
            await record_failed_authentication(self.frontdesk, getattr(request, "scope", None))
            raise ConnectionRejectionError({"code": exc.code, "message": exc.message}) from exc
        if context.actor is None:
            raise ConnectionRejectionError(
                {"code": "UNAUTHENTICATED", "message": "send {authorization: 'Bearer <token>'}"}
            )
        sockets_of(self.frontdesk).track(context)  # closed (4403) when it is revoked
        return None

    @property
    def graphql_ide_html(self) -> str:
        """GraphiQL from the installed assets package, titled Frontdesk (core/graphiql.py)."""
        return graphiql_html()

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


class AccelGraphQL(SlimJSONPost, FrontdeskGraphQL):
    """The view with the speed layer (``Settings.accel``): the slim JSON POST path and the
    ``complaintUpdates`` subscription fast path (``core/graphql/accel/``)."""

    graphql_transport_ws_handler_class = AccelTransportWSHandler

    def __init__(self, frontdesk: Frontdesk, schema: Any) -> None:
        super().__init__(frontdesk, schema)
        self.accel_strict = frontdesk.settings.accel_strict


class SchemaRouter:
    """Dispatch to the GraphQL view of the schema for the currently enabled plugins."""

    def __init__(self, frontdesk: Frontdesk) -> None:
        self.frontdesk = frontdesk
        self._views: dict[int, FrontdeskGraphQL] = {}

    def view(self) -> FrontdeskGraphQL:
        schema = self.frontdesk.schema
        view = self._views.get(id(schema))
        if view is None:
            view_class = AccelGraphQL if self.frontdesk.settings.accel else FrontdeskGraphQL
            view = view_class(self.frontdesk, schema)
            self._views[id(schema)] = view
        return view

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.view()(scope, receive, send)
            return
        started = False

        async def tracked(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.view()(scope, receive, tracked)
        except Exception as exc:
            unavailable = is_unavailable(exc)
            if started or not unavailable:
                raise  # a bug: the server's own error handling (and strict mode) see it
            # A database outage: never plain text or a dropped connection, but GraphQL JSON.
            if unavailable:
                log.warning("database unavailable: %r", exc)
            else:
                log.exception("unexpected error serving %s", scope.get("path"))
            code = "SERVICE_UNAVAILABLE" if unavailable else "INTERNAL_ERROR"
            message = (
                UNAVAILABLE_MESSAGE
                if unavailable
                else "Internal error; it was logged. Try again, or report it if it persists."
            )
            await JSONResponse(
                {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]},
                status_code=503 if unavailable else 500,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)} if unavailable else None,
            )(scope, receive, send)


def create_app(frontdesk: Frontdesk | None = None) -> Starlette:
    """The ASGI app serving ``frontdesk``; the app composes the schema (it hands the runtime
    ``schema.build.build_schema`` unless the Frontdesk was given another factory)."""
    frontdesk = frontdesk or Frontdesk(schema_factory=build_schema)
    if frontdesk.schema_factory is None:
        frontdesk.schema_factory = build_schema
    router = SchemaRouter(frontdesk)
    settings = frontdesk.settings
    # Rate limits (core/ratelimit.py): shared through Redis when configured.
    frontdesk.rate_limiter = SlidingWindow(settings.redis_url) if settings.rate_limited else None

    def limited(app: Any) -> Any:
        return RateLimit(app, frontdesk) if frontdesk.rate_limiter is not None else app

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        # Stop only what this lifespan started: a Frontdesk started by its owner (a test, an
        # embedding program) runs on the owner's event loop and is stopped by it.
        started_here = not frontdesk.started
        if started_here:
            await frontdesk.start()
        tune_gc_for_long_lived_connections()  # p99 of subscription fan-out (bench/fanout.py)
        yield
        if started_here:
            await frontdesk.stop()
        if frontdesk.rate_limiter is not None:
            await frontdesk.rate_limiter.close()

    async def health(_request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "status": "ok",
                "plugins": sorted(frontdesk.host.enabled),
                # The speed layer: on or off, and its fallbacks and errors in this process.
                "accel": {"enabled": frontdesk.settings.accel, **ACCEL_STATS.snapshot()},
            }
        )

    async def root(_request: Request) -> RedirectResponse:
        return RedirectResponse("/graphql")

    app = Starlette(
        routes=[
            Route("/", root),
            Route("/healthz", health),
            # Rate limits (429), media types (406), the body within max_body_bytes (413).
            Route(
                "/graphql",
                limited(MediaTypes(BodyLimit(router, settings.max_body_bytes))),
                methods=["GET", "POST"],
            ),
            # GraphiQL's browser assets, from an installed package (works offline).
            Mount(ASSETS_PATH, StaticFiles(directory=assets_dir()), name="graphiql-assets"),
            WebSocketRoute("/graphql", limited(router)),
        ],
        lifespan=lifespan,
    )
    app.state.frontdesk = frontdesk
    return app
