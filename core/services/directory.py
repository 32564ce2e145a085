"""Sites, customers and staff."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.calendar import calendar_for
from core.errors import Conflict, InvalidInput, NotFound
from core.models import (
    Customer,
    CustomerClass,
    CustomerGroup,
    EmploymentStatus,
    GroupKind,
    Site,
    Staff,
)
from core.phone import normalize_phone
from core.plugins import PluginHost

CORE_ROLES = (
    "staff",
    "salesperson",
    "sales_manager",
    "consultant",
    "front_desk",
    "supervisor",
    "department_manager",
    "department_director",
    "site_head",
    "vice_president",
    "general_manager",
    # C-3: who approves visit appointments (key and group visits; ordinary visits).
    "customer_service_manager",
    "customer_manager",
    "night_duty_manager",
    "technician",
    "host",
)


def _require_name(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"{what} must not be empty", code="NAME_REQUIRED", field="name")
    if len(value) > 200:
        raise InvalidInput(f"{what} is longer than 200 characters", code="NAME_TOO_LONG")
    return value


async def create_site(
    session: AsyncSession,
    host: PluginHost,
    *,
    name: str,
    business_line: str,
    timezone: str,
    calendar_region: str,
    now: datetime,
) -> Site:
    """A site for an enabled business line, with a valid time zone and calendar region."""
    name = _require_name(name, "site name")
    lines = host.business_lines()
    if business_line not in lines:
        raise InvalidInput(
            f"unknown business line {business_line!r}; installed: {', '.join(sorted(lines))}",
            code="UNKNOWN_BUSINESS_LINE",
            field="businessLine",
        )
    if business_line not in host.enabled_lines():
        raise InvalidInput(
            f"business line {business_line!r} is disabled; an operator enables it with "
            f"`frontdesk plugins enable {business_line}`",
            code="BUSINESS_LINE_DISABLED",
            field="businessLine",
        )
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(
            f"unknown time zone {timezone!r}; use an IANA name such as 'Asia/Shanghai'",
            code="INVALID_TIMEZONE",
            field="timezone",
        ) from exc
    try:
        calendar_for(calendar_region, timezone)
    except ValueError as exc:
        raise InvalidInput(
            str(exc), code="INVALID_CALENDAR_REGION", field="calendarRegion"
        ) from exc
    if await session.scalar(select(Site.id).where(Site.name == name)) is not None:
        raise Conflict(f"a site named {name!r} exists already", code="SITE_EXISTS")
    site = Site(
        name=name,
        business_line=business_line,
        timezone=timezone,
        calendar_region=calendar_region,
        created_at=now,
    )
    session.add(site)
    await session.flush()
    return site


async def get_site(session: AsyncSession, site_id: int, *, lock: bool = False) -> Site:
    stmt = select(Site).where(Site.id == site_id)
    if lock:
        # Serialises check-ins at one site (a rotation must never hand out a turn twice).
        # FOR NO KEY UPDATE: the lock guards application state (the rotation), not the key, so
        # it does not conflict with the KEY SHARE lock that every foreign-key check on
        # ``sites`` takes (inserting an event, a complaint serial, a penalty of this site).
        # See "Lock order" in ``core.db``.
        stmt = stmt.with_for_update(key_share=True)
    site = await session.scalar(stmt)
    if site is None:
        raise NotFound(f"site {site_id} does not exist", code="SITE_NOT_FOUND", field="siteId")
    return site


def site_roles(host: PluginHost | None, site: Site) -> tuple[str, ...]:
    """The roles ``site`` accepts: core's, then those its business line declares
    (``frontdesk_staff_roles``)."""
    declared = host.call_line(site.business_line, "frontdesk_staff_roles") if host else None
    extra = [r.code for r in declared or () if r.code not in CORE_ROLES]
    return (*CORE_ROLES, *extra)


async def add_staff(
    session: AsyncSession,
    *,
    site_id: int,
    name: str,
    role: str,
    phone: str | None,
    now: datetime,
    host: PluginHost | None = None,
) -> Staff:
    site = await get_site(session, site_id)
    name = _require_name(name, "staff name")
    accepted = site_roles(host, site)
    if role not in accepted:
        raise InvalidInput(
            f"unknown role {role!r} at a {site.business_line} site; choose one of: "
            f"{', '.join(accepted)}",
            code="UNKNOWN_ROLE",
            field="role",
        )
    staff = Staff(
        site_id=site.id,
        name=name,
        role=role,
        phone=normalize_phone(phone, site.calendar_region) if phone else None,
        employment_status=EmploymentStatus.ACTIVE,
        created_at=now,
    )
    session.add(staff)
    await session.flush()
    return staff


async def get_staff_at(session: AsyncSession, staff_id: int, site_id: int, field: str) -> Staff:
    staff = await session.get(Staff, staff_id)
    if staff is None or staff.site_id != site_id:
        raise NotFound(
            f"staff {staff_id} does not work at site {site_id}", code="STAFF_NOT_FOUND", field=field
        )
    return staff


async def register_customer(
    session: AsyncSession,
    *,
    site_id: int,
    name: str,
    phone: str | None,
    customer_class: CustomerClass,
    group_kind: GroupKind | None,
    group_name: str | None,
    now: datetime,
) -> Customer:
    """Register a customer (C-1 class; RE-11 company/family group, created on first use)."""
    site = await get_site(session, site_id)
    name = _require_name(name, "customer name")
    e164 = normalize_phone(phone, site.calendar_region) if phone else None
    if e164 is not None:
        dup = await session.scalar(
            select(Customer.id).where(Customer.site_id == site_id, Customer.phone == e164)
        )
        if dup is not None:
            raise Conflict(
                f"customer {dup} at this site already has phone {e164}; check in that customer",
                code="CUSTOMER_EXISTS",
                field="phone",
                customer_id=dup,
            )
    group = None
    if (group_kind is None) != (group_name is None or not group_name.strip()):
        raise InvalidInput(
            "give both groupKind and groupName (RE-11 same company or family), or neither",
            code="GROUP_INCOMPLETE",
        )
    if group_kind is not None and group_name:
        group = await session.scalar(
            select(CustomerGroup).where(
                CustomerGroup.site_id == site_id,
                CustomerGroup.kind == group_kind,
                CustomerGroup.name == group_name.strip(),
            )
        )
        if group is None:
            group = CustomerGroup(site_id=site_id, kind=group_kind, name=group_name.strip())
            session.add(group)
            await session.flush()
    customer = Customer(
        site_id=site_id,
        name=name,
        phone=e164,
        customer_class=customer_class,
        group_id=group.id if group else None,
        owner_staff_id=group.owner_staff_id if group else None,
        created_at=now,
    )
    session.add(customer)
    await session.flush()
    return customer


# --- customer search (issue 13) ------------------------------------------------------------------

#: Search terms of at least this many characters match anywhere in the name (a trigram index
#: on PostgreSQL); shorter ones match the start of the name (a prefix index): a one- or
#: two-character "contains" has no trigram to look up and would read every customer.
SUBSTRING_MIN_CHARS = 3


def name_search(term: str) -> ColumnElement[bool]:
    """SQL: the customer's name matches ``term`` (the ``nameContains`` filter).

    3 characters or more: the name contains ``term`` (PostgreSQL: the trigram GIN index
    ``ix_customers_name_trgm``, which keeps the site in the index through ``btree_gin``).
    Fewer: the name starts with ``term`` (``ix_customers_site_name_prefix``; a surname, the
    first characters of a company).  Case as the database compares (PostgreSQL: exact;
    SQLite: ASCII letters case-insensitively); ``%`` and ``_`` are plain characters.
    SQLite uses no index for either and gives the same answers.
    """
    if len(term) >= SUBSTRING_MIN_CHARS:
        return Customer.name.contains(term, autoescape=True)
    return Customer.name.startswith(term, autoescape=True)


async def phone_search_key(session: AsyncSession, site_id: int, raw: str) -> str | None:
    """The stored (E.164) form of ``raw`` at ``site_id``, normalised as registration does
    (the site's region for numbers without ``+country``); None when the site does not exist.

    Raises INVALID_PHONE for something that is not a phone number.  The lookup it serves is
    one probe of the unique ``(site_id, phone)`` index.
    """
    region = await session.scalar(select(Site.calendar_region).where(Site.id == site_id))
    if region is None:
        return None
    return normalize_phone(raw, region)
