"""The slim HTTP path: a single JSON operation POSTed, without strawberry's generic layers.

:class:`SlimJSONPost` is mixed into the GraphQL view (``core.app``) when ``Settings.accel`` is
on.  The common request (``content-type: application/json``, one operation object, ``query``
a string) is answered with the same context, ``schema.execute`` call, ``process_result`` and
``create_response`` as strawberry's ``run``, minus the request adapter, content-type parsing
and transport negotiation it does not need.  Anything else (batches, bad JSON, a missing or
mistyped member, other content types) is a fallback: counted, and handed to strawberry
unchanged, so error responses keep strawberry's wording and status
(``tests/test_http_fast_path.py`` and ``tests/test_accel_identity.py`` compare the bytes).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from core.graphql.accel.stats import STATS

# What strawberry's view allows over POST (``OperationType.from_http("POST")``).
_POST_OPERATION_TYPES = frozenset(OperationType.from_http("POST"))


class SlimJSONPost:
    """Mixin for a ``strawberry.asgi.GraphQL`` view (placed before it in the bases)."""

    # Set by the view: an exception inside this path raises instead of falling back.
    accel_strict: bool = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not self._fast_path:
            await super().__call__(scope, receive, send)  # type: ignore[misc]
            return
        request = Request(scope=scope, receive=receive)
        try:
            response = await self._run_json_post(request)
            if response is None:
                # Anything unusual: strawberry's own pipeline (the body is cached on request).
                response = await self.run(request)  # type: ignore[attr-defined]
        except HTTPException as exc:
            # The view's own refusal (GraphQL JSON with a code), exactly as its ``run`` answers.
            response = self.refusal_response(exc)  # type: ignore[attr-defined]
        await response(scope, receive, send)

    @cached_property
    def _fast_path(self) -> bool:
        """Whether :meth:`_run_json_post` answers exactly as strawberry's ``run`` would.

        True with this view's configuration: no HTTP streaming transports (SSE, multipart
        subscriptions; the ``Accept`` header then changes nothing) and no incremental
        delivery (``execute`` returns one ``ExecutionResult``).
        """
        view: Any = self
        fast = (
            not view._stream_transport_map
            and not view.schema.config.enable_experimental_incremental_execution
        )
        if not fast:
            STATS.fallback("http:view-configuration")
        return fast

    async def _operation(self, request: Request) -> dict[str, Any] | None:
        """The request's single operation, or None (counted) when strawberry must answer."""
        view: Any = self
        content_type = request.headers.get("content-type")
        if content_type != "application/json" and not (
            content_type and content_type.startswith("application/json;")
        ):
            STATS.fallback("http:content-type")
            return None
        body = await request.body()
        try:
            # The view's own decoder (json.loads): orjson would turn integers beyond 64 bits
            # into floats and change the variable-coercion errors such requests get.
            data = view.decode_json(body)
        except ValueError:
            STATS.fallback("http:bad-json")
            return None
        if not isinstance(data, dict):
            STATS.fallback("http:not-an-object")
            return None
        query = data.get("query")
        variables = data.get("variables")
        extensions = data.get("extensions")
        if (
            not isinstance(query, str)
            or not isinstance(variables, dict | None)
            or not isinstance(extensions, dict | None)
        ):
            STATS.fallback("http:members")
            return None
        return data

    async def _run_json_post(self, request: Request) -> Response | None:
        """A single JSON operation POSTed: strawberry's ``run`` without its generic layers.

        Returns None for anything else, which the caller hands to strawberry unchanged.
        """
        view: Any = self
        try:
            data = await self._operation(request)
        except Exception as exc:  # noqa: BLE001 - nothing has run yet: counted, then stock
            STATS.error("http", exc, strict=self.accel_strict)
            return None
        if data is None:
            return None
        # From here on the same calls as strawberry's run, in the same order: an exception
        # here would be raised by stock execution too (and an operation must not run twice).
        sub_response = await view.get_sub_response(request)
        context = await view.get_context(request, response=sub_response)
        try:
            result = await view.schema.execute(
                data["query"],
                root_value=None,
                variable_values=data.get("variables"),
                context_value=context,
                operation_name=data.get("operationName"),
                allowed_operation_types=_POST_OPERATION_TYPES,
                operation_extensions=data.get("extensions"),
            )
        except CannotGetOperationTypeError as exc:
            raise HTTPException(400, exc.as_http_error_reason()) from exc
        except InvalidOperationTypeError as exc:
            raise HTTPException(400, exc.as_http_error_reason("POST")) from exc
        except MissingQueryError as exc:
            raise HTTPException(400, "No GraphQL query found in the request") from exc
        response_data = await view.process_result(request=request, result=result)
        if result.errors:
            view._handle_errors(result.errors, response_data)
        return view.create_response(response_data=response_data, sub_response=sub_response)


__all__ = ["SlimJSONPost"]
