"""The ASGI application: Starlette routes around the strawberry GraphQL view.

The view is strawberry's (:class:`FrontdeskGraphQL`), with the speed layer mixed in when
``Settings.accel`` is on (:class:`AccelGraphQL`, see ``core/graphql/accel/``).

``/graphql`` serves queries and mutations over HTTP, GraphiQL in a browser, and
subscriptions over graphql-transport-ws.  The schema follows the enabled plugins: when an
operator enables a business line, the next request is served by a schema with its fields.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError

from core.auth import authenticate
from core.errors import FrontdeskError
from core.graphiql import ASSETS_PATH, assets_dir, graphiql_html
from core.graphql.accel import STATS as ACCEL_STATS
from core.graphql.accel.http import SlimJSONPost
from core.graphql.accel.subscriptions import AccelTransportWSHandler
from core.graphql.context import Context
from core.graphql.subscriptions import (
    FrontdeskTransportWSHandler,
    tune_gc_for_long_lived_connections,
)
from core.runtime import Frontdesk
from schema.build import build_schema


class FrontdeskGraphQL(GraphQL):
    # Text frames, and the C-13 refusal before execution.
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
            Route("/graphql", router, methods=["GET", "POST"]),
            # GraphiQL's browser assets, from an installed package (works offline).
            Mount(ASSETS_PATH, StaticFiles(directory=assets_dir()), name="graphiql-assets"),
            WebSocketRoute("/graphql", router),
        ],
        lifespan=lifespan,
    )
    app.state.frontdesk = frontdesk
    return app
