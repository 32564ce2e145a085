"""Administration (C-13): API tokens, the audit log, business lines, bulk export."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import strawberry
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from strawberry.scalars import JSON
from strawberry.types import Info

from core import auth, migrate, models
from core.errors import InvalidInput, NotFound
from core.graphql.ids import register_node
from core.graphql.loading import order_of, paginate
from core.graphql.queries import After, Before, First, Last, parse_id
from core.graphql.types import (
    Connection,
    Node,
    Plugin,
    Role,
    Staff,
    legacy_id,
    link_id,
    node_id,
    plugin_view,
    view_link,
)
from core.revocation import announce_revoked
from core.services.plugin_state import configure_plugin, load_settings, set_plugin_enabled

ADMIN = {"permission": "admin"}
EXPORT = {"permission": "export"}


@strawberry.type(description="An API token (its secret is shown once, at creation).")
class ApiToken(Node):
    global_id = node_id("ApiToken")
    id: int = legacy_id()
    name: str
    role: Role
    staff_id = link_id("Staff", "staff_id", use="staff")
    created_at: datetime
    staff: Staff | None = view_link(
        models.Staff, "staff_id", Staff | None, description="The staff member it acts as."
    )
    revoked_at: datetime | None


@strawberry.type
class CreatedApiToken:
    token: ApiToken
    secret: str = strawberry.field(description="Send as 'Authorization: Bearer <secret>'.")


@strawberry.type(description="Who did what (C-13).")
class AuditEntry(Node):
    global_id = node_id("AuditEntry")
    id: int = legacy_id()
    actor: str
    role: str | None
    action: str
    succeeded: bool
    details: strawberry.scalars.JSON
    at: datetime


@strawberry.type(description="C-13 bulk export row (admin only, approved by the GM).")
class CustomerExportRow:
    id: strawberry.ID
    name: str
    phone: str | None
    customer_class: str
    owner_staff_id: strawberry.ID | None


async def _token_node(info: Info, key: int) -> Any:
    async with info.context.db.read() as s:
        return await s.get(auth.ApiToken, key)


async def _audit_node(info: Info, key: int) -> Any:
    async with info.context.db.read() as s:
        return await s.get(auth.AuditEntry, key)


register_node("ApiToken", _token_node, permission="admin", model=auth.ApiToken)
register_node("AuditEntry", _audit_node, permission="admin", model=auth.AuditEntry)


@strawberry.type
class AdminQuery:
    @strawberry.field(description="The audit log, newest first (admin).", metadata=ADMIN)
    async def audit_log(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[AuditEntry]:
        async with info.context.db.session() as s:
            return await paginate(
                info,
                s,
                select(auth.AuditEntry),
                model=auth.AuditEntry,
                type_name="AuditEntry",
                cursor_kind="audit",
                first=first,
                after=after,
                last=last,
                before=before,
                default_page=50,
                max_page_size=info.context.app.settings.max_page_size,
            )

    @strawberry.field(description="API tokens, oldest first (admin).", metadata=ADMIN)
    async def api_tokens(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ApiToken]:
        async with info.context.db.session() as s:
            return await paginate(
                info,
                s,
                select(auth.ApiToken),
                model=auth.ApiToken,
                type_name="ApiToken",
                cursor_kind="token",
                first=first,
                after=after,
                last=last,
                before=before,
                order=order_of("id", False, auth.ApiToken),
                max_page_size=info.context.app.settings.max_page_size,
                default_page=info.context.app.settings.max_page_size,
            )

    @strawberry.field(
        description="C-13 bulk export of a site's customers: admin only, and export outside "
        "the company needs the general manager's approval (approvedById).",
        metadata=EXPORT,
    )
    async def export_customers(
        self, info: Info, site_id: strawberry.ID, approved_by_id: strawberry.ID
    ) -> list[CustomerExportRow]:
        ctx = info.context
        async with ctx.app.write() as s:
            approver = await s.get(models.Staff, parse_id(approved_by_id, "approvedById"))
            if approver is None or approver.role != "general_manager":
                raise InvalidInput(
                    "a customer export needs the general manager's approval (C-13): "
                    "approvedById must be a staff member with role general_manager",
                    code="EXPORT_NEEDS_GM_APPROVAL",
                )
            rows = (
                await s.scalars(
                    select(models.Customer)
                    .where(models.Customer.site_id == parse_id(site_id, "siteId"))
                    .order_by(models.Customer.id)
                )
            ).all()
            await auth.record_audit(
                s,
                actor=ctx.actor,
                action="exportCustomers",
                succeeded=True,
                now=ctx.now(),
                details={
                    "site_id": site_id,
                    "rows": len(rows),
                    "approved_by": approver.id,
                    **({"clientAddress": ctx.client_address} if ctx.client_address else {}),
                },
            )
            return [
                CustomerExportRow(
                    id=strawberry.ID(str(c.id)),
                    name=c.name,
                    phone=c.phone,
                    customer_class=c.customer_class.value,
                    owner_staff_id=strawberry.ID(str(c.owner_staff_id))
                    if c.owner_staff_id
                    else None,
                )
                for c in rows
            ]


@strawberry.type
class AdminMutation:
    @strawberry.mutation(description="Create an API token bound to a role (admin).", metadata=ADMIN)
    async def create_api_token(
        self, info: Info, name: str, role: Role, staff_id: strawberry.ID | None = None
    ) -> CreatedApiToken:
        ctx = info.context
        async with ctx.app.write() as s:
            token, secret = await auth.create_token(
                s,
                name=name,
                role=auth.Role(role).value,
                now=ctx.now(),
                staff_id=parse_id(staff_id, "staffId") if staff_id else None,
            )
        return CreatedApiToken(token=token, secret=secret)

    @strawberry.mutation(description="Revoke an API token (admin).", metadata=ADMIN)
    async def revoke_api_token(self, info: Info, id: strawberry.ID) -> ApiToken:
        ctx = info.context
        async with ctx.app.write() as s:
            token = await auth.revoke_token(s, parse_id(id, "id"), ctx.now())
        # Its open WebSockets close now, on every server process (core/revocation.py).
        await announce_revoked(ctx.app.bus, token.id)
        return token

    @strawberry.mutation(
        description="Switch a business line (or any plugin) on or off (admin). Enabling runs "
        "its migrations; disabling hides its fields and keeps its data.",
        metadata=ADMIN,
    )
    async def set_plugin_enabled(self, info: Info, code: str, enabled: bool) -> Plugin:
        ctx = info.context
        host = ctx.host
        if code not in host.installed:
            raise NotFound(
                f"no plugin named {code!r} is installed (installed: "
                f"{', '.join(sorted(host.installed))})",
                code="UNKNOWN_PLUGIN",
            )
        if enabled:
            await run_in_threadpool(
                migrate.upgrade, ctx.app.settings.database_url, host, plugins=[code]
            )
        async with ctx.app.write() as s:
            await set_plugin_enabled(s, host, code, enabled, ctx.now())
        await ctx.app.refresh_plugins()
        await asyncio.sleep(0)
        async with ctx.db.read() as s:
            return plugin_view(host, code, await load_settings(s))

    @strawberry.mutation(
        description="Change a plugin's settings (admin): the keys given replace the stored "
        "ones, a null removes a key.  The plugin validates the result (INVALID_SETTINGS, "
        "nothing stored); an enabled line's penalty table follows at once.",
        metadata=ADMIN,
    )
    async def configure_plugin(self, info: Info, code: str, settings: JSON) -> Plugin:
        ctx = info.context
        if not isinstance(settings, dict):
            raise InvalidInput(
                "settings must be an object of keys to set (null removes a key)",
                code="INVALID_SETTINGS",
                field="settings",
            )
        async with ctx.app.write() as s:
            await configure_plugin(s, ctx.host, code, settings, ctx.now())
        async with ctx.db.read() as s:
            return plugin_view(ctx.host, code, await load_settings(s))
