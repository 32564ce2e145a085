"""The ASGI application: Starlette routes around the strawberry GraphQL view.

``/graphql`` serves queries and mutations over HTTP, GraphiQL in a browser, and
subscriptions over graphql-transport-ws.  The schema follows the enabled plugins: when an
operator enables a business line, the next request is served by a schema with its fields.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cached_property
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from core.auth import authenticate
from core.errors import FrontdeskError
from core.graphiql import ASSETS_PATH, assets_dir, graphiql_html
from core.graphql.context import Context
from core.graphql.subscriptions import (
    FrontdeskTransportWSHandler,
    tune_gc_for_long_lived_connections,
)
from core.runtime import Frontdesk
from schema.build import build_schema

# What strawberry's view allows over POST (``OperationType.from_http("POST")``).
_POST_OPERATION_TYPES = frozenset(OperationType.from_http("POST"))


class FrontdeskGraphQL(GraphQL):
    # Text frames, and one serialisation per event for complaintUpdates subscribers.
    graphql_transport_ws_handler_class = FrontdeskTransportWSHandler

    def __init__(self, frontdesk: Frontdesk, schema: Any) -> None:
        super().__init__(schema, graphql_ide="graphiql")
        self.frontdesk = frontdesk

    async def get_context(self, request: Any, response: Any) -> Context:  # type: ignore[override]
        context = Context(app=self.frontdesk, request=request, response=response)
        header = request.headers.get("authorization")
        if header:
            try:
                context.actor = await self._authenticate(header)
            except FrontdeskError as exc:
                context.auth_error = exc
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
            return None
        try:
            context.actor = await self._authenticate(header) if header else None
        except FrontdeskError as exc:
            raise ConnectionRejectionError({"code": exc.code, "message": exc.message}) from exc
        if context.actor is None:
            raise ConnectionRejectionError(
                {"code": "UNAUTHENTICATED", "message": "send {authorization: 'Bearer <token>'}"}
            )
        return None

    @property
    def graphql_ide_html(self) -> str:
        """GraphiQL from the installed assets package, titled Frontdesk (core/graphiql.py)."""
        return graphiql_html()

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not self._fast_path:
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        try:
            response = await self._run_json_post(request)
            if response is None:
                # Anything unusual: strawberry's own pipeline (the body is cached on request).
                response = await self.run(request)
        except HTTPException as exc:
            response = PlainTextResponse(exc.reason, status_code=exc.status_code)
        await response(scope, receive, send)

    @cached_property
    def _fast_path(self) -> bool:
        """Whether :meth:`_run_json_post` answers exactly as strawberry's ``run`` would.

        True with this view's configuration: no HTTP streaming transports (SSE, multipart
        subscriptions; the ``Accept`` header then changes nothing) and no incremental
        delivery (``execute`` returns one ``ExecutionResult``).
        """
        return (
            not self._stream_transport_map
            and not self.schema.config.enable_experimental_incremental_execution
        )

    async def _run_json_post(self, request: Request) -> Response | None:
        """A single JSON operation POSTed: strawberry's ``run`` without its generic layers.

        The common request (``content-type: application/json``, one operation object,
        ``query`` a string) is answered here with the same context, ``schema.execute`` call,
        ``process_result`` and ``create_response`` as strawberry's view, minus the request
        adapter, content-type parsing and transport negotiation it does not need.  Returns
        None for anything else (batches, bad JSON, a missing or mistyped member, other
        content types), which the caller hands to strawberry unchanged, so error responses
        keep strawberry's wording and status.
        """
        content_type = request.headers.get("content-type")
        if content_type != "application/json" and not (
            content_type and content_type.startswith("application/json;")
        ):
            return None
        body = await request.body()
        try:
            # The view's own decoder (json.loads): orjson would turn integers beyond 64 bits
            # into floats and change the variable-coercion errors such requests get.
            data = self.decode_json(body)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        query = data.get("query")
        variables = data.get("variables")
        extensions = data.get("extensions")
        if (
            not isinstance(query, str)
            or not isinstance(variables, dict | None)
            or not isinstance(extensions, dict | None)
        ):
            return None

        sub_response = await self.get_sub_response(request)
        context = await self.get_context(request, response=sub_response)
        try:
            result = await self.schema.execute(
                query,
                root_value=None,
                variable_values=variables,
                context_value=context,
                operation_name=data.get("operationName"),
                allowed_operation_types=_POST_OPERATION_TYPES,
                operation_extensions=extensions,
            )
        except CannotGetOperationTypeError as exc:
            raise HTTPException(400, exc.as_http_error_reason()) from exc
        except InvalidOperationTypeError as exc:
            raise HTTPException(400, exc.as_http_error_reason("POST")) from exc
        except MissingQueryError as exc:
            raise HTTPException(400, "No GraphQL query found in the request") from exc
        response_data = await self.process_result(request=request, result=result)
        if result.errors:
            self._handle_errors(result.errors, response_data)
        return self.create_response(response_data=response_data, sub_response=sub_response)


class SchemaRouter:
    """Dispatch to the GraphQL view of the schema for the currently enabled plugins."""

    def __init__(self, frontdesk: Frontdesk) -> None:
        self.frontdesk = frontdesk
        self._views: dict[int, FrontdeskGraphQL] = {}

    def view(self) -> FrontdeskGraphQL:
        schema = self.frontdesk.schema
        view = self._views.get(id(schema))
        if view is None:
            view = FrontdeskGraphQL(self.frontdesk, schema)
            self._views[id(schema)] = view
        return view

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.view()(scope, receive, send)


def create_app(frontdesk: Frontdesk | None = None) -> Starlette:
    """The ASGI app serving ``frontdesk``; the app composes the schema (it hands the runtime
    ``schema.build.build_schema`` unless the Frontdesk was given another factory)."""
    frontdesk = frontdesk or Frontdesk(schema_factory=build_schema)
    if frontdesk.schema_factory is None:
        frontdesk.schema_factory = build_schema
    router = SchemaRouter(frontdesk)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if not frontdesk.started:
            await frontdesk.start()
        tune_gc_for_long_lived_connections()  # p99 of subscription fan-out (bench/fanout.py)
        yield
        await frontdesk.stop()

    async def health(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "plugins": sorted(frontdesk.host.enabled)})

    async def root(_request: Request) -> RedirectResponse:
        return RedirectResponse("/graphql")

    app = Starlette(
        routes=[
            Route("/", root),
            Route("/healthz", health),
            Route("/graphql", router, methods=["GET", "POST"]),
            # GraphiQL's browser assets, from an installed package (works offline).
            Mount(ASSETS_PATH, StaticFiles(directory=assets_dir()), name="graphiql-assets"),
            WebSocketRoute("/graphql", router),
        ],
        lifespan=lifespan,
    )
    app.state.frontdesk = frontdesk
    return app
