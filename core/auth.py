"""Access control (C-13): API tokens bound to roles, permissions per root field, masking,
and the audit log.

Tokens are random strings shown once; only their SHA-256 is stored.  Each root field of the
schema requires one permission (declared with ``metadata={"permission": ...}`` or the default
of its root type); ``schema.build`` enforces it before execution, so a plugin's new mutation
is protected without writing any check.  Field-level privacy (phone numbers) is checked where
the field resolves.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String, bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from core.errors import FrontdeskError, InvalidInput, NotFound
from core.models import UTCDateTime
from core.textguard import check_values

TOKEN_PREFIX = "fd_"


class Role(enum.StrEnum):
    """C-13 roles."""

    ADMIN = "admin"  # IT administrator: everything
    CLERK = "clerk"  # information clerk: everything except bulk import/export and admin
    STAFF = "staff"  # other staff: create and view
    INTEGRATOR = "integrator"  # systems reading events and managing webhooks
    FRONTEND = "frontend"  # read-only front end


class Permission(enum.StrEnum):
    READ = "read"
    CREATE = "create"  # register customers, check visits in, file and work complaints
    MANAGE = "manage"  # sites, staff, penalties, rotations, corrections
    PRIVATE = "private"  # see phone numbers and other private data unmasked
    SUBSCRIBE = "subscribe"
    WEBHOOKS = "webhooks"
    EXPORT = "export"  # bulk export (C-13: admin only)
    IMPORT = "import"  # bulk import (C-13: admin only)
    ADMIN = "admin"  # switch business lines, tokens, audit log
    # Record a change as made by another staff member than the token's own (a clerk entering
    # what a manager decided on paper); audited as "on behalf of".
    ACT_FOR = "act_for"


# C-13 as data: what each role may do.
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.CLERK: frozenset(
        {
            Permission.READ,
            Permission.CREATE,
            Permission.MANAGE,
            Permission.PRIVATE,
            Permission.SUBSCRIBE,
            Permission.WEBHOOKS,
            Permission.ACT_FOR,
        }
    ),
    # C-13 (revised): other staff create and view; private data only when a setting grants it
    # (permissions_of, ``staff_sees_private_data``).
    Role.STAFF: frozenset({Permission.READ, Permission.CREATE, Permission.SUBSCRIBE}),
    Role.INTEGRATOR: frozenset({Permission.READ, Permission.SUBSCRIBE, Permission.WEBHOOKS}),
    Role.FRONTEND: frozenset({Permission.READ}),
}


def permissions_of(role: Role, *, staff_sees_private_data: bool = False) -> frozenset[Permission]:
    """C-13: what ``role`` may do.  Seed 003 制度2 5.2.3: IT工程師有管控全部權限; 信息員有除
    客戶信息導入導出外的所有權限; 其他有管控使用需要人員只有錄入、查看權限.  Phone
    numbers and other private data are shown only to roles that need them (admin, clerk);
    the ``staff`` role sees them only when the operator grants it
    (``staff_sees_private_data``)."""
    granted = ROLE_PERMISSIONS[role]
    if role is Role.STAFF and staff_sees_private_data:
        granted = granted | {Permission.PRIVATE}
    return granted


class ExportUse(enum.StrEnum):
    """C-13: what a bulk export of customer data is for."""

    INTERNAL = "internal"  # used inside the company
    EXTERNAL = "external"  # leaves the company: the general manager approves it


@dataclass(frozen=True)
class ExportApproval:
    """C-13: the general manager's approval of an export for use outside the company."""

    approver_role: str
    approver_name: str
    approved_at: datetime
    purpose: str


def export_decision(
    use: ExportUse | str, approval: ExportApproval | None, now: datetime
) -> tuple[str, str]:
    """C-13: may customer data be exported in bulk for ``use``?  Returns ``(rule, sentence)``
    or raises :class:`InvalidInput`.

    Seed 003 制度2 3.5: 總經理負責客戶信息需提供于公司外部使用時批示 — an export for use
    outside the company needs a recorded general-manager approval (who, when, purpose); an
    internal export needs none (*decided*: an approval given for an internal export is
    checked and recorded all the same).  The approval must be by a staff member with role
    ``general_manager``
    (``EXPORT_NEEDS_GM_APPROVAL``), name its purpose (``PURPOSE_REQUIRED``) and be given
    before the export (``APPROVAL_IN_FUTURE``).  Whether the caller may export at all (admin
    only) is the ``export`` permission.
    """
    try:
        kind = ExportUse(use)
    except ValueError:
        raise InvalidInput(
            f"unknown export use {use!r}; use internal or external", code="INVALID_EXPORT_USE"
        ) from None
    if approval is None:
        if kind is ExportUse.EXTERNAL:
            raise InvalidInput(
                "a customer export for use outside the company needs the general manager's "
                "approval (C-13): give approval { approvedById, approvedAt, purpose }",
                code="EXPORT_NEEDS_GM_APPROVAL",
                field="approval",
            )
        return "C-13", "internal export of customer data by an administrator (no approval needed)"
    if approval.approver_role != "general_manager":
        raise InvalidInput(
            f"{approval.approver_name} is not the general manager: an export of customer data "
            "for use outside the company is approved by the general manager (C-13)",
            code="EXPORT_NEEDS_GM_APPROVAL",
            field="approval.approvedById",
        )
    purpose = approval.purpose.strip()
    if not purpose:
        raise InvalidInput(
            "say what the export is for (approval.purpose, C-13)",
            code="PURPOSE_REQUIRED",
            field="approval.purpose",
        )
    if approval.approved_at.tzinfo is None or approval.approved_at > now:
        raise InvalidInput(
            "approval.approvedAt must be a time with an offset, not in the future: the "
            "approval comes before the export (C-13)",
            code="APPROVAL_IN_FUTURE",
            field="approval.approvedAt",
        )
    return (
        "C-13",
        f"{kind.value} export of customer data approved by {approval.approver_name} (general "
        f"manager) at {approval.approved_at.isoformat()} for: {purpose}",
    )


DEFAULT_ROOT_PERMISSION = {
    "Query": Permission.READ,
    "Mutation": Permission.CREATE,
    "Subscription": Permission.SUBSCRIBE,
}


class Unauthenticated(FrontdeskError):
    code = "UNAUTHENTICATED"


class Forbidden(FrontdeskError):
    code = "FORBIDDEN"


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    """Who did what: one row per mutation (and per export), successful or refused."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    actor: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(100))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


@dataclass(frozen=True)
class Actor:
    role: Role
    name: str
    token_id: int | None = None
    staff_id: int | None = None

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


async def create_token(
    session: AsyncSession, *, name: str, role: str, now: datetime, staff_id: int | None = None
) -> tuple[ApiToken, str]:
    """A new token; the raw value is returned once and never stored."""
    try:
        role_value = Role(role)
    except ValueError as exc:
        raise InvalidInput(
            f"unknown role {role!r}; choose one of: {', '.join(r.value for r in Role)}",
            code="UNKNOWN_ROLE",
        ) from exc
    if not name.strip():
        raise InvalidInput("name the token (who or what uses it)", code="NAME_REQUIRED")
    if staff_id is not None:
        from core.models import Staff

        if await session.get(Staff, staff_id) is None:
            raise NotFound(
                f"staff member {staff_id} does not exist", code="STAFF_NOT_FOUND", field="staffId"
            )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name.strip(),
        role=role_value.value,
        token_hash=hash_token(raw),
        staff_id=staff_id,
        created_at=now,
    )
    session.add(token)
    await session.flush()
    return token, raw


async def revoke_token(session: AsyncSession, token_id: int, now: datetime) -> ApiToken:
    token = await session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"token {token_id} does not exist", code="TOKEN_NOT_FOUND")
    token.revoked_at = token.revoked_at or now
    return token


async def authenticate(
    executor: AsyncSession | AsyncConnection, header: str | None
) -> Actor | None:
    """The actor for an ``Authorization: Bearer …`` value (or a bare token), else None.

    ``executor`` is a session or, on the per-request path, a bare pooled connection
    (``Database.read_one``): the lookup is one Core SELECT and needs nothing from the ORM.
    """
    if not header:
        return None
    raw = header.strip()
    if raw.lower().startswith("bearer "):
        raw = raw[7:].strip()
    token = (await executor.execute(_TOKEN_LOOKUP, {"token_hash": hash_token(raw)})).first()
    if token is None or token.revoked_at is not None:
        raise Unauthenticated(
            "the API token is unknown or revoked; ask an administrator for a new one"
        )
    return Actor(role=Role(token.role), name=token.name, token_id=token.id, staff_id=token.staff_id)


# Table columns, not the entity: one row read per request, no identity map or ORM result
# handling needed (and one cached statement for every request).
_TOKENS = ApiToken.__table__.c
_TOKEN_LOOKUP = select(
    _TOKENS.id, _TOKENS.role, _TOKENS.name, _TOKENS.staff_id, _TOKENS.revoked_at
).where(_TOKENS.token_hash == bindparam("token_hash"))


_AUDIT = AuditEntry.__table__
_AUDIT_INSERT = insert(_AUDIT).values(
    {
        name: bindparam(name, type_=_AUDIT.c[name].type)
        for name in ("token_id", "actor", "role", "action", "succeeded", "details", "at")
    }
)


def require(actor: Actor | None, permission: Permission, what: str) -> None:
    if actor is None:
        raise Unauthenticated(
            f"{what} needs an API token: send 'Authorization: Bearer <token>' "
            "(create one with `frontdesk tokens create`)"
        )
    if not actor.can(permission):
        raise Forbidden(
            f"{what} needs the {permission.value!r} permission, which role "
            f"{actor.role.value!r} does not have (C-13)",
            permission=permission.value,
            role=actor.role.value,
        )


async def record_audit(
    session: AsyncSession,
    *,
    actor: Actor | None,
    action: str,
    succeeded: bool,
    now: datetime,
    details: dict[str, Any] | None = None,
) -> None:
    """Insert the audit row now, in ``session``'s transaction: one prebuilt Core INSERT (no
    ORM unit of work on every mutation's path; issue 8), with the text checks a flushed row
    gets (``core.textguard``)."""
    values = {
        "token_id": actor.token_id if actor else None,
        "actor": actor.name if actor else "anonymous",
        "role": actor.role.value if actor else None,
        "action": action,
        "succeeded": succeeded,
        "details": details or {},
        "at": now,
    }
    check_values(_AUDIT, values)
    await session.execute(_AUDIT_INSERT, values)
