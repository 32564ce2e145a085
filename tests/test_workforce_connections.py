"""Issue 17 (Schema 1.0, "every list paginated"): the connections next to the workforce lists
published as plain lists in 1.0 — ``attendanceRecords`` (``attendance``),
``leaveRequestsPage`` (``leaveRequests``), ``appointmentsPage`` (``appointments``) and
``bookingsPage`` (``bookings``).  Same filters, same order as the lists (business day, visit
time, booking order; ties by id), keyset pages forward (``first``/``after``) and backward
(``last``/``before``), ``totalCount``; the old lists still answer, deprecated.  On SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from conftest import FIXED_NOW, Client, start_frontdesk
from helpers import add_staff, legacy, make_site

from core import models
from core.runtime import Frontdesk

# Business days in insertion order, not in date order: the pages are ordered by day, then id.
DAYS = [3, 1, 2, 1, 3, 2, 1]
T0 = datetime(2026, 11, 1, 0, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Every API test runs on SQLite and on PostgreSQL."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
async def app(db_url: str) -> AsyncIterator[Frontdesk]:
    fd = await start_frontdesk(db_url)
    yield fd
    await fd.stop()


async def _world(app: Frontdesk) -> dict[str, Any]:
    """Two sites; at the first, seven shifts of two staff members in November (days in
    ``DAYS`` order) each with an attendance record and a leave request, one more on 1 December
    (outside the period), seven appointments and four bookings on 2 November; the other site
    has one of each inside the period (outside the site filter)."""
    client = Client(app)
    site = await make_site(client, "Sunrise")
    other = await make_site(client, "Moonset")
    staff = [await add_staff(client, site, "Li Na"), await add_staff(client, site, "Wang Wei")]
    stranger = await add_staff(client, other, "Zhao Lei")
    sid, oid = legacy(site), legacy(other)
    now = FIXED_NOW.astimezone(UTC)

    def day(n: int, month: int = 11) -> date:
        return date(2026, month, n)

    async with app.write() as s:

        async def shift_with_records(site_id: int, staff_id: int, on: date) -> None:
            starts = datetime(on.year, on.month, on.day, 1, 0, tzinfo=UTC)
            shift = models.Shift(
                site_id=site_id,
                staff_id=staff_id,
                business_date=on,
                starts_at=starts,
                ends_at=starts + timedelta(hours=8),
                duty_role="salesperson",
                created_at=now,
            )
            s.add(shift)
            await s.flush()
            s.add(
                models.AttendanceRecord(
                    site_id=site_id,
                    staff_id=staff_id,
                    shift_id=shift.id,
                    business_date=on,
                    status=models.AttendanceStatus.PRESENT,
                    minutes_late=0,
                    recorded_at=now,
                )
            )
            s.add(
                models.LeaveRequest(
                    site_id=site_id,
                    staff_id=staff_id,
                    shift_id=shift.id,
                    business_date=on,
                    kind=models.LeaveKind.LEAVE,
                    reason="",
                    requested_at=now,
                    status=models.RequestStatus.REQUESTED,
                )
            )
            await s.flush()

        for i, d in enumerate(DAYS):
            await shift_with_records(sid, legacy(staff[i % 2]), day(d))
        await shift_with_records(sid, legacy(staff[0]), day(1, 12))
        await shift_with_records(oid, legacy(stranger), day(2))

        def appointment(site_id: int, at: datetime) -> models.Appointment:
            return models.Appointment(
                site_id=site_id,
                kind="ordinary",
                organisation="Acme",
                head_count=3,
                contact="Mr Chen 138",
                areas="",
                visit_at=at,
                made_at=now,
                photography_allowed=False,
                status=models.AppointmentStatus.REQUESTED,
            )

        # Visit times in DAYS order (hours): ordered by time, ties by id.
        for d in DAYS:
            s.add(appointment(sid, T0 + timedelta(hours=d)))
            await s.flush()
        s.add(appointment(sid, T0 + timedelta(days=40)))  # outside the period
        s.add(appointment(oid, T0 + timedelta(hours=2)))  # another site

        def booking(site_id: int, staff_id: int, on: date, resource: str) -> models.Booking:
            return models.Booking(
                site_id=site_id,
                booked_by_id=staff_id,
                guest_name="Guest",
                resource_kind="room",
                resource=resource,
                business_date=on,
                status=models.BookingStatus.HELD,
                created_at=now,
                updated_at=now,
            )

        for n in range(4):
            s.add(booking(sid, legacy(staff[0]), day(2), f"R{n}"))
            await s.flush()
        s.add(booking(sid, legacy(staff[0]), day(3), "R9"))  # another day
        s.add(booking(oid, legacy(stranger), day(2), "R8"))  # another site
    return {"client": client, "site": site, "other": other, "staff": staff}


PAGE = """totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  edges { cursor node { id legacyId %s } }"""

ATTENDANCE = """query($s: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  attendanceRecords(siteId: $s, fromDate: "2026-11-01", toDate: "2026-11-30", first: $first,
    after: $after, last: $last, before: $before) { %s } }""" % (
    PAGE % "businessDate staff { name } site { name }"
)
LEAVE = """query($s: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  leaveRequestsPage(siteId: $s, fromDate: "2026-11-01", toDate: "2026-11-30", first: $first,
    after: $after, last: $last, before: $before) { %s } }""" % (
    PAGE % "businessDate staff { name } shift { businessDate }"
)
APPOINTMENTS = """query($s: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  appointmentsPage(siteId: $s, fromAt: "2026-11-01T00:00:00Z", toAt: "2026-11-02T00:00:00Z",
    first: $first, after: $after, last: $last, before: $before) { %s } }""" % (
    PAGE % "visitAt site { name }"
)
BOOKINGS = """query($s: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  bookingsPage(siteId: $s, businessDate: "2026-11-02", first: $first, after: $after,
    last: $last, before: $before) { %s } }""" % (PAGE % "resource bookedBy { name }")
CASES = {
    "attendanceRecords": ATTENDANCE,
    "leaveRequestsPage": LEAVE,
    "appointmentsPage": APPOINTMENTS,
    "bookingsPage": BOOKINGS,
}


async def _walk_forward(client: Client, query: str, field: str, site: str, size: int) -> Any:
    pages, after = [], None
    while True:
        data = await client.data(query, {"s": site, "first": size, "after": after})
        page = data[field]
        pages.append(page)
        if not page["pageInfo"]["hasNextPage"]:
            return pages
        after = page["pageInfo"]["endCursor"]


async def _walk_backward(client: Client, query: str, field: str, site: str, size: int) -> Any:
    pages, before = [], None
    while True:
        data = await client.data(query, {"s": site, "last": size, "before": before})
        page = data[field]
        pages.append(page)
        if not page["pageInfo"]["hasPreviousPage"]:
            return pages
        before = page["pageInfo"]["startCursor"]


def _ids(pages: list[Any]) -> list[int]:
    return [e["node"]["legacyId"] for p in pages for e in p["edges"]]


@pytest.mark.parametrize("field", list(CASES))
async def test_forward_and_backward_pages_cover_the_list_once_in_its_order(
    app: Frontdesk, field: str
) -> None:
    world = await _world(app)
    client, site = world["client"], world["site"]
    query = CASES[field]
    whole = (await client.data(query, {"s": site, "first": 100}))[field]
    expected = 4 if field == "bookingsPage" else len(DAYS)
    assert whole["totalCount"] == expected
    assert len(whole["edges"]) == expected
    assert whole["pageInfo"]["hasNextPage"] is False
    assert whole["pageInfo"]["hasPreviousPage"] is False
    order = _ids([whole])

    forward = await _walk_forward(client, query, field, site, 3)
    assert [len(p["edges"]) for p in forward] == ([3, 3, 1] if expected == 7 else [3, 1])
    assert _ids(forward) == order
    assert all(p["totalCount"] == expected for p in forward)
    assert forward[1]["pageInfo"]["hasPreviousPage"] is True

    backward = await _walk_backward(client, query, field, site, 3)
    assert _ids(list(reversed(backward))) == order
    assert backward[0]["pageInfo"]["hasNextPage"] is False
    assert backward[1]["pageInfo"]["hasNextPage"] is True

    empty = (await client.data(query, {"s": site, "first": 0}))[field]
    assert empty["edges"] == [] and empty["totalCount"] == expected


async def test_attendance_and_leave_in_business_day_order_with_the_lists_filters(
    app: Frontdesk,
) -> None:
    world = await _world(app)
    client, site = world["client"], world["site"]
    for field, query in (("attendanceRecords", ATTENDANCE), ("leaveRequestsPage", LEAVE)):
        page = (await client.data(query, {"s": site, "first": 100}))[field]
        days = [e["node"]["businessDate"] for e in page["edges"]]
        # Ordered by business day; 1 December (outside the period) and the other site's
        # record are not listed.
        assert days == sorted(f"2026-11-0{d}" for d in DAYS)
        by_day: dict[str, list[int]] = {}
        for e in page["edges"]:
            by_day.setdefault(e["node"]["businessDate"], []).append(e["node"]["legacyId"])
        assert all(v == sorted(v) for v in by_day.values())  # ties by id
        assert {e["node"]["staff"]["name"] for e in page["edges"]} == {"Li Na", "Wang Wei"}
    # The deprecated lists answer the same records in the same order.
    listed = await client.data(
        """query($s: ID!) { attendance(siteId: $s, fromDate: "2026-11-01",
        toDate: "2026-11-30") { legacyId } leaveRequests(siteId: $s, fromDate: "2026-11-01",
        toDate: "2026-11-30") { legacyId } }""",
        {"s": site},
    )
    att = (await client.data(ATTENDANCE, {"s": site, "first": 100}))["attendanceRecords"]
    leave = (await client.data(LEAVE, {"s": site, "first": 100}))["leaveRequestsPage"]
    assert [r["legacyId"] for r in listed["attendance"]] == _ids([att])
    assert [r["legacyId"] for r in listed["leaveRequests"]] == _ids([leave])


async def test_appointments_by_visit_time_and_bookings_of_the_day(app: Frontdesk) -> None:
    world = await _world(app)
    client, site = world["client"], world["site"]
    page = (await client.data(APPOINTMENTS, {"s": site, "first": 100}))["appointmentsPage"]
    times = [e["node"]["visitAt"] for e in page["edges"]]
    assert times == sorted(times) and len(times) == len(DAYS)
    assert {e["node"]["site"]["name"] for e in page["edges"]} == {"Sunrise"}
    listed = await client.data(
        """query($s: ID!) { appointments(siteId: $s, fromAt: "2026-11-01T00:00:00Z",
        toAt: "2026-11-02T00:00:00Z") { legacyId } bookings(siteId: $s,
        businessDate: "2026-11-02") { legacyId } }""",
        {"s": site},
    )
    assert [r["legacyId"] for r in listed["appointments"]] == _ids([page])
    books = (await client.data(BOOKINGS, {"s": site, "first": 100}))["bookingsPage"]
    assert [e["node"]["resource"] for e in books["edges"]] == ["R0", "R1", "R2", "R3"]
    assert {e["node"]["bookedBy"]["name"] for e in books["edges"]} == {"Li Na"}
    assert [r["legacyId"] for r in listed["bookings"]] == _ids([books])
    # The other site's connection holds its own rows only.
    theirs = (await client.data(BOOKINGS, {"s": world["other"], "first": 100}))["bookingsPage"]
    assert [e["node"]["resource"] for e in theirs["edges"]] == ["R8"]


async def test_a_cursor_of_another_connection_and_a_page_too_large_are_client_errors(
    app: Frontdesk,
) -> None:
    world = await _world(app)
    client, site = world["client"], world["site"]
    att = (await client.data(ATTENDANCE, {"s": site, "first": 1}))["attendanceRecords"]
    error = await client.top_error(
        LEAVE, {"s": site, "first": 1, "after": att["pageInfo"]["endCursor"]}
    )
    assert error.extensions["code"] == "INVALID_CURSOR"
    error = await client.top_error(BOOKINGS, {"s": site, "first": 1, "last": 1})
    assert error.extensions["code"] == "INVALID_PAGE_SIZE"
    error = await client.top_error(APPOINTMENTS, {"s": site, "first": 100000})
    assert error.extensions["code"] == "INVALID_PAGE_SIZE"


async def test_the_lists_are_deprecated_for_their_connections(app: Frontdesk) -> None:
    client = Client(app)
    data = await client.data(
        """{ __type(name: "Query") { fields(includeDeprecated: true) { name
        isDeprecated deprecationReason } } }"""
    )
    fields = {f["name"]: f for f in data["__type"]["fields"]}
    for old, new in (
        ("attendance", "attendanceRecords"),
        ("leaveRequests", "leaveRequestsPage"),
        ("appointments", "appointmentsPage"),
        ("bookings", "bookingsPage"),
    ):
        assert fields[old]["isDeprecated"] is True
        assert fields[old]["deprecationReason"] == f"Use `{new}` (a connection); removed in 2.0."
        assert fields[new]["isDeprecated"] is False
