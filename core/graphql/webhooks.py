"""Webhook endpoints and their deliveries in GraphQL (see ``core.webhooks`` for the design)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated, Any

import strawberry
from sqlalchemy import select
from strawberry.types import Info

from core import netguard, webhooks
from core.graphql.ids import register_node, to_global_id
from core.graphql.loading import order_of, paginate
from core.graphql.queries import After, Before, First, Last, parse_id
from core.graphql.types import (
    Connection,
    Edge,
    Node,
    describe_values,
    legacy_id,
    load_linked,
    node_id,
)
from core.graphql.user_errors import payload

DELIVERY_CURSOR = "webhook-delivery"
# C-13: administrators, clerks and integrators manage webhooks (core.auth.Permission.WEBHOOKS).
WEBHOOKS = {"permission": "webhooks"}


@strawberry.enum(description="Where a delivery stands.")
class WebhookDeliveryStatus(enum.Enum):
    PENDING = webhooks.PENDING
    DELIVERED = webhooks.DELIVERED


describe_values(
    WebhookDeliveryStatus,
    {
        "PENDING": "Not delivered yet: waiting its turn (in event order per endpoint) or "
        "retried with exponential backoff after a failed attempt.",
        "DELIVERED": "The receiver answered 2xx; never sent again.",
    },
)


@strawberry.type(description="A receiver of signed event notifications.")
class WebhookEndpoint(Node):
    global_id = node_id("WebhookEndpoint")
    id: int = legacy_id()
    url: str = strawberry.field(description="Where the events are POSTed (http or https).")
    event_types: list[str] = strawberry.field(
        description='Exact types ("complaint.filed"), prefixes ("complaint.*") or "*".'
    )
    active: bool = strawberry.field(
        description="false: paused; no deliveries are created for it meanwhile."
    )
    description: str | None = strawberry.field(description="A note for operators; null: none.")
    created_at: datetime = strawberry.field(description="When it was registered (UTC).")
    updated_at: datetime = strawberry.field(description="The last change (UTC).")
    secret_hint: str = strawberry.field(
        description="The secret's last four characters, to tell secrets apart."
    )

    @classmethod
    def from_row(cls, row: webhooks.WebhookEndpoint) -> WebhookEndpoint:
        return cls(
            id=strawberry.ID(str(row.id)),
            url=row.url,
            event_types=list(row.event_types or []),
            active=row.active,
            description=row.description,
            created_at=row.created_at,
            updated_at=row.updated_at,
            secret_hint="…" + row.secret[-4:],
        )


@strawberry.type(description="One HTTP attempt of a delivery.")
class WebhookAttempt:
    at: datetime = strawberry.field(description="When the attempt was made (UTC).")
    status_code: int | None = strawberry.field(description="None when no response came back.")
    error: str | None = strawberry.field(description="Why the attempt failed, if it did.")
    duration_ms: int = strawberry.field(description="How long it took, in milliseconds.")


@strawberry.type(description="One event owed to one endpoint, and how sending it went.")
class WebhookDelivery(Node):
    global_id = node_id("WebhookDelivery")
    id: int = legacy_id()
    endpoint_id: strawberry.ID = strawberry.field(
        description="The endpoint's global id.",
        deprecation_reason="Use `endpoint`; removed in 2.0.",
    )
    event_id: strawberry.ID = strawberry.field(description="Sent as `Frontdesk-Event-Id`.")
    event_type: str = strawberry.field(description='The event type, e.g. "complaint.filed".')
    status: WebhookDeliveryStatus = strawberry.field(description="Pending or delivered.")
    attempt_count: int = strawberry.field(description="HTTP attempts made so far.")
    next_attempt_at: datetime | None = strawberry.field(
        description="When the next attempt is due (pending deliveries only)."
    )
    created_at: datetime = strawberry.field(
        description="When the delivery was created, in the event's transaction (UTC)."
    )
    delivered_at: datetime | None = strawberry.field(
        description="When the receiver answered 2xx (UTC); null while pending."
    )
    last_status_code: int | None = strawberry.field(
        description="The HTTP status of the last attempt; null: no attempt yet, or no response."
    )
    last_error: str | None = strawberry.field(
        description="Why the last attempt failed; null when it did not fail (or none was made)."
    )
    attempts: list[WebhookAttempt] = strawberry.field(description="Oldest first.")

    @strawberry.field(description="The endpoint this delivery is owed to.")
    async def endpoint(self, info: Info) -> WebhookEndpoint | None:
        key = parse_id(self.endpoint_id, "endpointId", of="WebhookEndpoint")
        row = await load_linked(info, webhooks.WebhookEndpoint, key)
        return None if row is None else WebhookEndpoint.from_row(row)


WebhookDeliveryConnection = Connection[WebhookDelivery]


@strawberry.input(description="Input of `registerWebhookEndpoint`.")
class RegisterWebhookEndpointInput:
    url: str = strawberry.field(description="Where to POST the events (http or https).")
    event_types: list[str] = strawberry.field(
        description='Exact types ("complaint.filed"), prefixes ("complaint.*") or "*".'
    )
    secret: str | None = strawberry.field(
        default=None, description="At least 16 characters; omit it to have one generated."
    )
    active: bool = strawberry.field(default=True, description="false registers it paused.")
    description: str | None = strawberry.field(default=None, description="A note for operators.")


@strawberry.input(description="Input of `updateWebhookEndpoint`.")
class UpdateWebhookEndpointInput:
    id: strawberry.ID = strawberry.field(description="The endpoint to change.")
    url: str | None = strawberry.field(default=None, description="A new URL; unchanged when null.")
    event_types: list[str] | None = strawberry.field(
        default=None, description="New event types; unchanged when null."
    )
    secret: str | None = strawberry.field(
        default=None, description="A new signing secret (16+ characters); unchanged when null."
    )
    active: bool | None = strawberry.field(
        default=None,
        description="false pauses the endpoint; its pending deliveries wait, in order.",
    )
    description: str | None = strawberry.field(
        default=None, description="A new note; unchanged when null."
    )


async def _deliveries(info: Info, rows: list[webhooks.WebhookDelivery]) -> list[WebhookDelivery]:
    ids = [r.id for r in rows]
    attempts: dict[int, list[WebhookAttempt]] = {i: [] for i in ids}
    if ids:
        async with info.context.db.session() as s:
            stmt = (
                select(webhooks.WebhookAttempt)
                .where(webhooks.WebhookAttempt.delivery_id.in_(ids))
                .order_by(webhooks.WebhookAttempt.id)
            )
            for a in (await s.scalars(stmt)).all():
                attempts[a.delivery_id].append(
                    WebhookAttempt(
                        at=a.attempted_at,
                        status_code=a.status_code,
                        error=a.error,
                        duration_ms=a.duration_ms,
                    )
                )
    return [
        WebhookDelivery(
            id=strawberry.ID(str(r.id)),
            endpoint_id=strawberry.ID(to_global_id("WebhookEndpoint", r.endpoint_id)),
            event_id=strawberry.ID(str(r.event_id)),
            event_type=r.event_type,
            status=WebhookDeliveryStatus(r.status),
            attempt_count=r.attempt_count,
            next_attempt_at=r.next_attempt_at if r.status == webhooks.PENDING else None,
            created_at=r.created_at,
            delivered_at=r.delivered_at,
            last_status_code=r.last_status_code,
            last_error=r.last_error,
            attempts=attempts[r.id],
        )
        for r in rows
    ]


async def _endpoint_node(info: Info, key: int) -> Any:
    async with info.context.db.read() as s:
        row = await s.get(webhooks.WebhookEndpoint, key)
    return None if row is None else WebhookEndpoint.from_row(row)


async def _delivery_node(info: Info, key: int) -> Any:
    async with info.context.db.read() as s:
        row = await s.get(webhooks.WebhookDelivery, key)
    return None if row is None else (await _deliveries(info, [row]))[0]


register_node("WebhookEndpoint", _endpoint_node, permission="webhooks")
register_node("WebhookDelivery", _delivery_node, permission="webhooks")


@strawberry.type
class WebhookQuery:
    @strawberry.field(description="Registered webhook endpoints, oldest first.", metadata=WEBHOOKS)
    async def webhook_endpoints(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[WebhookEndpoint]:
        async with info.context.db.session() as s:
            return await paginate(
                info,
                s,
                select(webhooks.WebhookEndpoint),
                model=webhooks.WebhookEndpoint,
                type_name="WebhookEndpoint",
                cursor_kind="endpoint",
                first=first,
                after=after,
                last=last,
                before=before,
                order=order_of("id", False, webhooks.WebhookEndpoint),
                max_page_size=info.context.app.settings.max_page_size,
                default_page=info.context.app.settings.max_page_size,
                view=WebhookEndpoint.from_row,
            )

    @strawberry.field(
        description="An endpoint's deliveries, newest first, each with its attempts.",
        metadata=WEBHOOKS,
    )
    async def webhook_deliveries(
        self,
        info: Info,
        endpoint_id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The endpoint (its global `id` or `legacyId`)."),
        ],
        status: Annotated[
            WebhookDeliveryStatus | None,
            strawberry.argument(description="Only deliveries with this status; null: all."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> WebhookDeliveryConnection:
        d = webhooks.WebhookDelivery
        endpoint = parse_id(endpoint_id, "endpointId")
        stmt = select(d).where(d.endpoint_id == endpoint)
        if status is not None:
            stmt = stmt.where(d.status == status.value)
        async with info.context.db.session() as s:
            await webhooks.get_endpoint(s, endpoint)
            page = await paginate(
                info,
                s,
                stmt,
                model=d,
                type_name="WebhookDelivery",
                cursor_kind=DELIVERY_CURSOR,
                first=first,
                after=after,
                last=last,
                before=before,
                max_page_size=info.context.app.settings.max_page_size,
            )
        # Each delivery with its attempts: one more SELECT for the page.
        nodes = await _deliveries(info, [e.node for e in page.edges])
        page.edges = [Edge(cursor=e.cursor, node=n) for e, n in zip(page.edges, nodes, strict=True)]
        return page


@strawberry.input(description="Input of `replayWebhookDelivery`.")
class ReplayWebhookDeliveryInput:
    id: strawberry.ID = strawberry.field(description="The delivery to send again.")


RegisterWebhookEndpointPayload = payload(
    "registerWebhookEndpoint",
    "Webhook",
    {
        "endpoint": (WebhookEndpoint, "The registered endpoint."),
        "secret": (str, "The signing secret: shown once, store it now."),
    },
)
UpdateWebhookEndpointPayload = payload(
    "updateWebhookEndpoint", "Webhook", {"endpoint": (WebhookEndpoint, "The changed endpoint.")}
)
ReplayWebhookDeliveryPayload = payload(
    "replayWebhookDelivery",
    "Webhook",
    {"delivery": (WebhookDelivery, "The delivery, queued to be sent now.")},
)


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(
        description=(
            "Register an endpoint: from now on every matching event is POSTed to it, signed, "
            "in order, retried with backoff until it answers 2xx."
        ),
        metadata=WEBHOOKS,
    )
    async def register_webhook_endpoint(
        self, info: Info, input: RegisterWebhookEndpointInput
    ) -> RegisterWebhookEndpointPayload:
        ctx = info.context
        async with ctx.app.write() as s:
            row = await webhooks.register_endpoint(
                s,
                url=input.url,
                event_types=input.event_types,
                secret=input.secret,
                active=input.active,
                description=input.description,
                now=ctx.now(),
                allow=_allow(ctx),
            )
        return RegisterWebhookEndpointPayload(
            endpoint=WebhookEndpoint.from_row(row), secret=row.secret
        )

    @strawberry.mutation(
        description="Change an endpoint's url, event types, secret or state.", metadata=WEBHOOKS
    )
    async def update_webhook_endpoint(
        self, info: Info, input: UpdateWebhookEndpointInput
    ) -> UpdateWebhookEndpointPayload:
        ctx = info.context
        async with ctx.app.write() as s:
            row = await webhooks.update_endpoint(
                s,
                parse_id(input.id, "id", of="WebhookEndpoint"),
                now=ctx.now(),
                url=input.url,
                event_types=input.event_types,
                secret=input.secret,
                active=input.active,
                description=input.description,
                allow=_allow(ctx),
            )
        webhooks.wake_dispatcher(ctx.app)
        return UpdateWebhookEndpointPayload(endpoint=WebhookEndpoint.from_row(row))

    @strawberry.mutation(
        description=(
            "Send a delivery again now: a failing one skips the rest of its backoff, a "
            "delivered one is sent once more (receivers dedupe by Frontdesk-Event-Id)."
        ),
        metadata=WEBHOOKS,
    )
    async def replay_webhook_delivery(
        self, info: Info, input: ReplayWebhookDeliveryInput
    ) -> ReplayWebhookDeliveryPayload:
        ctx = info.context
        async with ctx.app.write() as s:
            row = await webhooks.replay_delivery(s, parse_id(input.id, "id", of="WebhookDelivery"))
        webhooks.wake_dispatcher(ctx.app)
        return ReplayWebhookDeliveryPayload(delivery=(await _deliveries(info, [row]))[0])


def _allow(ctx: Any) -> netguard.AllowList:
    """Private receivers the operator allowed (Settings.webhook_allow, core/netguard.py)."""
    return netguard.AllowList.parse(getattr(ctx.app.settings, "webhook_allow", ()))
