"""Administration (C-13): API tokens, the audit log, business lines, bulk export."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

import strawberry
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from strawberry.scalars import JSON
from strawberry.types import Info

from core import auth, migrate, models
from core.errors import FrontdeskError, InvalidInput, NotFound
from core.graphql.ids import register_node
from core.graphql.loading import order_of, paginate
from core.graphql.queries import After, Before, First, Last, SiteId, parse_id
from core.graphql.types import (
    Connection,
    CustomerClass,
    Decision,
    Node,
    Plugin,
    Role,
    Staff,
    describe_values,
    global_id_of,
    legacy_id,
    link_id,
    node_id,
    plugin_view,
    view_link,
)
from core.graphql.user_errors import payload
from core.revocation import announce_revoked
from core.services import directory
from core.services.directory import get_site
from core.services.plugin_state import configure_plugin, load_settings, set_plugin_enabled

ADMIN = {"permission": "admin"}
EXPORT = {"permission": "export"}
IMPORT = {"permission": "import"}


@strawberry.type(description="An API token (its secret is shown once, at creation).")
class ApiToken(Node):
    global_id = node_id("ApiToken")
    id: int = legacy_id()
    name: str = strawberry.field(
        description="The name it was created with; the audit log names the token by it."
    )
    role: Role = strawberry.field(description="C-13: what the token may do.")
    staff_id = link_id("Staff", "staff_id", use="staff")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    staff: Staff | None = view_link(
        models.Staff, "staff_id", Staff | None, description="The staff member it acts as."
    )
    revoked_at: datetime | None = strawberry.field(
        description="When it was revoked (UTC); null while it is valid."
    )


@strawberry.type(description="Who did what (C-13).")
class AuditEntry(Node):
    global_id = node_id("AuditEntry")
    id: int = legacy_id()
    actor: str = strawberry.field(
        description="The API token's name (who called); anonymous without a token."
    )
    role: str | None = strawberry.field(
        description="The token's role in lower case, e.g. clerk; null without a token "
        "(authentication off)."
    )
    action: str = strawberry.field(
        description="The mutation or operation, e.g. checkInVisit, exportCustomers."
    )
    succeeded: bool = strawberry.field(
        description="false: refused or failed (`details.code` says why)."
    )
    details: strawberry.scalars.JSON = strawberry.field(
        description="What else was recorded: the error `code`, `onBehalfOfStaffId` (C-13 "
        "act_for), `clientAddress`, an export's rule and approval …"
    )
    at: datetime = strawberry.field(description="When it happened (UTC).")


@strawberry.type(description="C-13 bulk export row (admin only).")
class CustomerExportRow:
    id: strawberry.ID = strawberry.field(
        description="The customer's legacy integer id, for spreadsheets (not a global id)."
    )
    name: str = strawberry.field(description="The customer's name.")
    phone: str | None = strawberry.field(
        description="The full phone number in E.164, unmasked (the export is admin-only); null "
        "when none is registered."
    )
    customer_class: str = strawberry.field(description="C-1 class: A, B, C or D.")
    owner_staff_id: strawberry.ID | None = strawberry.field(
        description="The legacy integer id of the staff member who received them first; null "
        "when none."
    )


async def _token_node(info: Info, key: int) -> Any:
    async with info.context.db.read() as s:
        return await s.get(auth.ApiToken, key)


async def _audit_node(info: Info, key: int) -> Any:
    async with info.context.db.read() as s:
        return await s.get(auth.AuditEntry, key)


register_node("ApiToken", _token_node, permission="admin", model=auth.ApiToken)
register_node("AuditEntry", _audit_node, permission="admin", model=auth.AuditEntry)


ExportUse = strawberry.enum(auth.ExportUse, description="C-13: what an export is for.")
describe_values(
    ExportUse,
    {
        "INTERNAL": "Used inside the company: no approval needed.",
        "EXTERNAL": "Leaves the company: needs the general manager's recorded approval (C-13).",
    },
)


@strawberry.input(description="C-13: the general manager's approval of an export.")
class ExportApprovalInput:
    approved_by_id: strawberry.ID = strawberry.field(description="The general manager.")
    approved_at: datetime = strawberry.field(description="When they approved it.")
    purpose: str = strawberry.field(description="What the data will be used for.")


@strawberry.type(description="C-13: a bulk export of customers, with its recorded approval.")
class CustomerExport:
    use: ExportUse = strawberry.field(description="What the export is for.")
    approved_by_id: strawberry.ID | None = strawberry.field(
        description="The global id of the general manager who approved it; null without an "
        "approval."
    )
    approved_at: datetime | None = strawberry.field(
        description="When they approved it (UTC); null without an approval."
    )
    purpose: str | None = strawberry.field(
        description="What the data will be used for, as approved; null without an approval."
    )
    decision: Decision = strawberry.field(description="C-13: why the export is allowed.")
    rows: list[CustomerExportRow] = strawberry.field(
        description="Every customer of the site, by id."
    )


@strawberry.input(description="C-13: one customer of a bulk import.")
class ImportCustomerInput:
    name: str = strawberry.field(description="The customer's name.")
    phone: str | None = strawberry.field(
        default=None, description="A phone number; normalised, unique per site."
    )
    customer_class: CustomerClass = strawberry.field(
        default=models.CustomerClass.D, description="C-1 class (A … D)."
    )


@strawberry.type(description="C-13: a bulk import (admin only), all rows or none.")
class ImportCustomersResult:
    count: int
    customer_ids: list[strawberry.ID]
    decision: Decision


MAX_IMPORT_ROWS = 1000


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
        description="C-13 bulk export of a site's customers (admin only).  For use outside "
        "the company (`use: EXTERNAL`) it needs the general manager's recorded approval "
        "(`approval`: approver, time, purpose); an internal export needs none.  The export and "
        "its approval are recorded in the audit log.",
        metadata=EXPORT,
    )
    async def export_customers(
        self,
        info: Info,
        site_id: SiteId,
        use: Annotated[
            ExportUse,
            strawberry.argument(description="INTERNAL, or EXTERNAL (needs `approval`)."),
        ],
        approval: Annotated[
            ExportApprovalInput | None,
            strawberry.argument(
                description="The general manager's approval: required for EXTERNAL use."
            ),
        ] = None,
    ) -> CustomerExport:
        ctx = info.context
        now = ctx.now()
        async with ctx.app.write() as s:
            site_key = parse_id(site_id, "siteId")
            await get_site(s, site_key)
            facts = None
            approver = None
            if approval is not None:
                approver = await s.get(
                    models.Staff, parse_id(approval.approved_by_id, "approvedById")
                )
                if approver is None:
                    raise NotFound(
                        f"staff member {approval.approved_by_id} does not exist",
                        code="STAFF_NOT_FOUND",
                        field="approval.approvedById",
                    )
                facts = auth.ExportApproval(
                    approver_role=approver.role,
                    approver_name=approver.name,
                    approved_at=approval.approved_at,
                    purpose=approval.purpose,
                )
            rule, message = auth.export_decision(auth.ExportUse(use), facts, now)
            rows = (
                await s.scalars(
                    select(models.Customer)
                    .where(models.Customer.site_id == site_key)
                    .order_by(models.Customer.id)
                )
            ).all()
            details: dict[str, Any] = {
                "rule": rule,
                "site_id": site_key,
                "use": auth.ExportUse(use).value,
                "rows": len(rows),
            }
            if approver is not None and approval is not None:
                details["approval"] = {
                    "approved_by": approver.id,
                    "approved_at": approval.approved_at.isoformat(),
                    "purpose": approval.purpose.strip(),
                }
            if ctx.client_address:
                details["clientAddress"] = ctx.client_address
            await auth.record_audit(
                s,
                actor=ctx.actor,
                action="exportCustomers",
                succeeded=True,
                now=now,
                details=details,
            )
            return CustomerExport(
                use=use,
                approved_by_id=global_id_of("Staff", approver.id) if approver else None,
                approved_at=approval.approved_at if approval else None,
                purpose=approval.purpose.strip() if approval else None,
                decision=Decision(rule=rule, message=message),
                rows=[
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
                ],
            )


@strawberry.input(description="Input of `createApiToken`.")
class CreateApiTokenInput:
    name: str = strawberry.field(description="A name to recognise the token by.")
    role: Role = strawberry.field(description="C-13: what the token may do.")
    staff_id: strawberry.ID | None = strawberry.field(
        default=None, description='The staff member the token acts as (its C-9 "who").'
    )


@strawberry.input(description="Input of `revokeApiToken`.")
class RevokeApiTokenInput:
    id: strawberry.ID = strawberry.field(description="The token to revoke.")


@strawberry.input(description="Input of `setPluginEnabled`.")
class SetPluginEnabledInput:
    code: str = strawberry.field(description="The installed plugin's code.")
    enabled: bool = strawberry.field(description="On (true) or off (false).")


@strawberry.input(description="Input of `configurePlugin`.")
class ConfigurePluginInput:
    code: str = strawberry.field(description="The installed plugin's code.")
    settings: JSON = strawberry.field(
        description="Keys to set; a null removes a key (the plugin validates the result)."
    )


@strawberry.input(description="Input of `importCustomers` (C-13, admin only).")
class ImportCustomersInput:
    site_id: strawberry.ID = strawberry.field(description="The site the customers join.")
    customers: list[ImportCustomerInput] = strawberry.field(
        description="1 to 1,000 rows; all are imported or none."
    )


ImportCustomersPayload = payload(
    "importCustomers",
    "Admin",
    {
        "count": (int, "How many customers were imported."),
        "customer_ids": (list[strawberry.ID], "Their ids, in the order given."),
        "decision": (Decision, "C-13: who may import, and that they did."),
    },
)
CreateApiTokenPayload = payload(
    "createApiToken",
    "Admin",
    {
        "token": (ApiToken, "The new token."),
        "secret": (str, "The token's secret: shown once, store it now."),
    },
)
RevokeApiTokenPayload = payload(
    "revokeApiToken", "Admin", {"token": (ApiToken, "The revoked token.")}
)
SetPluginEnabledPayload = payload(
    "setPluginEnabled", "Admin", {"plugin": (Plugin, "The plugin, as it is now.")}
)
ConfigurePluginPayload = payload(
    "configurePlugin", "Admin", {"plugin": (Plugin, "The plugin, with its new settings.")}
)


@strawberry.type
class AdminMutation:
    @strawberry.mutation(
        description="C-13 bulk import of customers into a site (admin only: the information "
        "clerk may do everything but bulk import and export).  All rows or none; a bad row "
        "fails the import naming its index.",
        metadata=IMPORT,
    )
    async def import_customers(
        self, info: Info, input: ImportCustomersInput
    ) -> ImportCustomersPayload:
        site_id, customers = input.site_id, input.customers
        ctx = info.context
        now = ctx.now()
        if not 1 <= len(customers) <= MAX_IMPORT_ROWS:
            raise InvalidInput(
                f"import between 1 and {MAX_IMPORT_ROWS} customers at a time",
                code="INVALID_IMPORT_SIZE",
                field="customers",
            )
        ids: list[int] = []
        async with ctx.app.write() as s:
            site_key = parse_id(site_id, "siteId")
            for index, row in enumerate(customers):
                try:
                    customer = await directory.register_customer(
                        s,
                        site_id=site_key,
                        name=row.name,
                        phone=row.phone,
                        customer_class=models.CustomerClass(row.customer_class),
                        group_kind=None,
                        group_name=None,
                        now=now,
                    )
                except FrontdeskError as exc:
                    exc.message = f"customers[{index}]: {exc.message}"
                    # The user error points at the row's field: ["input", "customers", "3", …].
                    where = f"customers.{index}"
                    if exc.details.get("field"):
                        where += f".{exc.details['field']}"
                    exc.details = {**exc.details, "index": index, "field": where}
                    raise
                ids.append(customer.id)
            await auth.record_audit(
                s,
                actor=ctx.actor,
                action="importCustomers",
                succeeded=True,
                now=now,
                details={"rule": "C-13", "site_id": site_key, "rows": len(ids)},
            )
        return ImportCustomersPayload(
            count=len(ids),
            customer_ids=[strawberry.ID(str(i)) for i in ids],
            decision=Decision(
                rule="C-13",
                message=f"{len(ids)} customer(s) imported by an administrator "
                "(bulk import is administrator-only)",
            ),
        )

    @strawberry.mutation(description="Create an API token bound to a role (admin).", metadata=ADMIN)
    async def create_api_token(
        self, info: Info, input: CreateApiTokenInput
    ) -> CreateApiTokenPayload:
        ctx = info.context
        async with ctx.app.write() as s:
            token, secret = await auth.create_token(
                s,
                name=input.name,
                role=auth.Role(input.role).value,
                now=ctx.now(),
                staff_id=parse_id(input.staff_id, "staffId") if input.staff_id else None,
            )
        return CreateApiTokenPayload(token=token, secret=secret)

    @strawberry.mutation(description="Revoke an API token (admin).", metadata=ADMIN)
    async def revoke_api_token(
        self, info: Info, input: RevokeApiTokenInput
    ) -> RevokeApiTokenPayload:
        ctx = info.context
        async with ctx.app.write() as s:
            token = await auth.revoke_token(s, parse_id(input.id, "id", of="ApiToken"), ctx.now())
        # Its open WebSockets close now, on every server process (core/revocation.py).
        await announce_revoked(ctx.app.bus, token.id)
        return RevokeApiTokenPayload(token=token)

    @strawberry.mutation(
        description="Switch a business line (or any plugin) on or off (admin). Enabling runs "
        "its migrations; disabling keeps its data and its fields in the schema: they answer "
        "LINE_DISABLED until it is enabled again.",
        metadata=ADMIN,
    )
    async def set_plugin_enabled(
        self, info: Info, input: SetPluginEnabledInput
    ) -> SetPluginEnabledPayload:
        ctx = info.context
        host = ctx.host
        code, enabled = input.code, input.enabled
        if code not in host.installed:
            raise NotFound(
                f"no plugin named {code!r} is installed (installed: "
                f"{', '.join(sorted(host.installed))})",
                code="UNKNOWN_PLUGIN",
                field="code",
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
            return SetPluginEnabledPayload(plugin=plugin_view(host, code, await load_settings(s)))

    @strawberry.mutation(
        description="Change a plugin's settings (admin): the keys given replace the stored "
        "ones, a null removes a key.  The plugin validates the result (INVALID_SETTINGS, "
        "nothing stored); an enabled line's penalty table follows at once.",
        metadata=ADMIN,
    )
    async def configure_plugin(
        self, info: Info, input: ConfigurePluginInput
    ) -> ConfigurePluginPayload:
        ctx = info.context
        code, settings = input.code, input.settings
        if not isinstance(settings, dict):
            raise InvalidInput(
                "settings must be an object of keys to set (null removes a key)",
                code="INVALID_SETTINGS",
                field="settings",
            )
        async with ctx.app.write() as s:
            await configure_plugin(s, ctx.host, code, settings, ctx.now())
        async with ctx.db.read() as s:
            return ConfigurePluginPayload(
                plugin=plugin_view(ctx.host, code, await load_settings(s))
            )
