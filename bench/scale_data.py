"""A register of many sites, seeded server-side on PostgreSQL (``INSERT … SELECT
generate_series``): what ``bench/scale.py`` measures and ``tests/test_scale_pg.py`` EXPLAINs.

Every row is consistent with the schema's constraints and foreign keys: each site has its own
staff, customers (one in 50 of class A), visits (ids in arrival order; one in 50 not counted;
received by the site's staff), complaints (98 % closed, 2 % received and not yet due; one in
100 major), penalties and events on two streams.  Ids are explicit and the sequences are set
after, so the application keeps inserting above them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text


@dataclass(frozen=True)
class Sizes:
    sites: int
    staff_per_site: int
    customers: int
    visits: int
    complaints: int
    penalties: int
    events: int
    # Shifts, each with its attendance record; one in 10 also has a leave request and a swap
    # request, and as many appointments and bookings as one in 10 (the workforce lists).
    shifts: int = 0

    def describe(self) -> str:
        return (
            f"{self.sites:,} sites, {self.sites * self.staff_per_site:,} staff, "
            f"{self.customers:,} customers, {self.visits:,} visits, "
            f"{self.complaints:,} complaints, {self.penalties:,} penalties, "
            f"{self.events:,} events, {self.shifts:,} shifts"
        )


START = "2025-01-01T00:00:00+00:00"  # the first visit; the register spans SPAN_DAYS
SPAN_DAYS = 700
SURNAMES = "ARRAY['Wang','Li','Zhang','Liu','Chen','Yang','Huang','Zhao','Wu','Zhou']"
BENCH_RULE_CODE = "BENCH-FINE"


def _statements(z: Sizes) -> list[tuple[str, str]]:
    s, k = z.sites, z.staff_per_site
    site_of = f"((g - 1) % {s}) + 1"  # row g belongs to this site
    per_site_customers = max(1, z.customers // s)
    # Customer ids of site x are x, x + S, x + 2S, …; staff ids of site x are (x-1)K+1 … xK.
    staff_of = f"({site_of} - 1) * {k} + ((g / {s}) % {k}) + 1"
    at = f"'{START}'::timestamptz + g * interval '{SPAN_DAYS * 86400 / max(1, z.visits)} seconds'"
    return [
        (
            "sites",
            "INSERT INTO sites (id, name, business_line, timezone, calendar_region, created_at)"
            f" SELECT g, 'Site ' || g, 'realestate', 'Asia/Shanghai', 'CN', '{START}'"
            f" FROM generate_series(1, {s}) g",
        ),
        (
            "staff",
            "INSERT INTO staff (id, site_id, name, role, employment_status, created_at)"
            f" SELECT g, ((g - 1) / {k}) + 1, 'Staff ' || g, 'salesperson', 'active', '{START}'"
            f" FROM generate_series(1, {s * k}) g",
        ),
        (
            "customers",
            "INSERT INTO customers (id, site_id, name, phone, customer_class, owner_staff_id,"
            " created_at)"
            f" SELECT g, {site_of}, ({SURNAMES})[(g / {s}) % 10 + 1] || ' '"
            " || substr(md5(g::text), 1, 8),"
            " '+86138' || lpad(g::text, 8, '0'),"
            " CASE WHEN g % 50 = 0 THEN 'A' ELSE 'D' END,"
            f" {staff_of}, '{START}'"
            f" FROM generate_series(1, {z.customers}) g",
        ),
        (
            "visits",
            "INSERT INTO visits (id, site_id, customer_id, channel, inquiry_kind, visitor_kind,"
            " arrived_at, business_date, party_size, receiver_id, counted, recorded_at)"
            f" SELECT g, {site_of}, {s} * ((g / {s}) % {per_site_customers}) + {site_of},"
            " 'walk_in', 'consultation', 'customer',"
            f" {at}, ({at})::date, 1, {staff_of}, g % 50 <> 0, {at}"
            f" FROM generate_series(1, {z.visits}) g",
        ),
        (
            "complaints",
            "INSERT INTO complaints (id, site_id, number, channel, channel_details, category,"
            " severity, status, description, filed_at, handler_id, escalation_level, flags,"
            " policy_rule, policy_reason, first_response_minutes, resolution_working_days,"
            " special_case_working_days, revisit_days, recorded_at, updated_at, cycle,"
            " cycle_started_at, first_response_due, resolution_due, closed_at,"
            " progress_interval_minutes)"
            f" SELECT g, {site_of}, 'B' || g, 'phone', '{{}}', 'service',"
            " CASE WHEN g % 100 = 0 THEN 'major' ELSE 'general' END,"
            " CASE WHEN g % 50 = 0 THEN 'received' ELSE 'closed' END,"
            f" 'seeded', t, {staff_of}, 0, '[]', 'C-11', '', 1440, 3, 7, 14, t, t, 1, t,"
            " CASE WHEN g % 50 = 0 THEN now() + interval '30 days' ELSE t + interval '1 day' END,"
            " CASE WHEN g % 50 = 0 THEN now() + interval '60 days' ELSE t + interval '3 days' END,"
            " CASE WHEN g % 50 = 0 THEN NULL ELSE t + interval '2 days' END, 1440"
            f" FROM generate_series(1, {z.complaints}) g,"
            f" LATERAL (SELECT '{START}'::timestamptz"
            f" + g * interval '{SPAN_DAYS * 86400 / max(1, z.complaints)} seconds' AS t) x",
        ),
        (
            "penalty_rules",
            "INSERT INTO penalty_rules (business_line, code, rule, title, kind, min_amount,"
            f" max_amount, active) VALUES ('realestate', '{BENCH_RULE_CODE}', 'C-14', 'seeded',"
            " 'fine', 0, 100, true) ON CONFLICT DO NOTHING",
        ),
        (
            "penalties",
            "INSERT INTO penalties (id, site_id, staff_id, penalty_rule_id, amount, reason,"
            " issued_at)"
            f" SELECT g, {site_of}, {staff_of},"
            f" (SELECT id FROM penalty_rules WHERE code = '{BENCH_RULE_CODE}'), 50, 'seeded', {at}"
            f" FROM generate_series(1, {z.penalties}) g",
        ),
        (
            "events",
            "INSERT INTO events (id, stream, type, site_id, subject_id, payload, occurred_at)"
            " SELECT g, CASE WHEN g % 2 = 0 THEN 'complaints' ELSE 'visits' END, 'seeded',"
            f" {site_of}, g, '{{}}', {at}"
            f" FROM generate_series(1, {z.events}) g",
        ),
    ]


def _workforce(z: Sizes) -> list[tuple[str, str]]:
    """Shift g belongs to staff ((g - 1) % staff) + 1 on day (g - 1) / staff: every staff
    member has one shift a day, 09:00–17:00 UTC, day after day from START."""
    n, k, staff = z.shifts, z.staff_per_site, z.sites * z.staff_per_site
    tenth = max(1, n // 10)
    staff_of = f"((g - 1) % {staff}) + 1"
    site_of = f"(({staff_of} - 1) / {k}) + 1"
    day = f"('{START}'::date + ((g - 1) / {staff})::int)"
    starts = (
        f"('{START}'::timestamptz + ((g - 1) / {staff}) * interval '1 day' + interval '9 hours')"
    )
    every_10th = f"FROM generate_series(1, {tenth}) t, LATERAL (SELECT t * 10 AS g) x"
    return [
        (
            "shifts",
            "INSERT INTO shifts (id, site_id, staff_id, business_date, starts_at, ends_at,"
            " duty_role, created_at)"
            f" SELECT g, {site_of}, {staff_of}, {day}, {starts}, {starts} + interval '8 hours',"
            f" 'floor', '{START}' FROM generate_series(1, {n}) g",
        ),
        (
            "attendance_records",
            "INSERT INTO attendance_records (id, site_id, staff_id, shift_id, business_date,"
            " status, minutes_late, recorded_at)"
            f" SELECT g, {site_of}, {staff_of}, g, {day}, 'present', 0, {starts}"
            f" FROM generate_series(1, {n}) g",
        ),
        (
            "leave_requests",
            "INSERT INTO leave_requests (id, site_id, staff_id, shift_id, business_date, kind,"
            " reason, requested_at, status)"
            f" SELECT t, {site_of}, {staff_of}, g, {day}, 'leave', '', {starts}, 'approved'"
            f" {every_10th}",
        ),
        (
            "shift_swaps",
            "INSERT INTO shift_swaps (id, site_id, requester_id, counterpart_id, shift_id,"
            " payback_shift_id, status, reason, requested_at)"
            f" SELECT t, {site_of}, {staff_of}, {staff_of}, g, g, 'requested', '', {starts}"
            f" {every_10th}",
        ),
        (
            "appointments",
            "INSERT INTO appointments (id, site_id, kind, organisation, head_count, contact,"
            " areas, visit_at, made_at, photography_allowed, status)"
            f" SELECT t, {site_of}, 'visit', 'Org ' || t, 2, '', '', {starts}, {starts}, false,"
            f" 'approved' {every_10th}",
        ),
        (
            "bookings",
            "INSERT INTO bookings (id, site_id, booked_by_id, guest_name, resource_kind,"
            " resource, business_date, status, created_at, updated_at)"
            f" SELECT t, {site_of}, {staff_of}, 'Guest', 'room', 'R' || (t % 7), {day}, 'held',"
            f" {starts}, {starts} {every_10th}",
        ),
    ]


SEQUENCED = ("sites", "staff", "customers", "visits", "complaints", "penalties", "events")
WORKFORCE = (
    "shifts",
    "attendance_records",
    "leave_requests",
    "shift_swaps",
    "appointments",
    "bookings",
)


def seed(conn: Connection, sizes: Sizes, *, progress: bool = False) -> None:
    """Insert ``sizes`` worth of rows (an empty, migrated PostgreSQL database), then VACUUM
    ANALYZE (``conn`` is left in autocommit)."""
    import time

    # The rows are consistent by construction: skip the per-row foreign-key triggers while
    # seeding (a superuser setting of this session only; needs the trust-auth superuser).
    conn.execute(text("SET session_replication_role = replica"))
    for table, sql in _statements(sizes) + (_workforce(sizes) if sizes.shifts else []):
        started = time.perf_counter()
        conn.execute(text(sql))
        conn.commit()
        if progress:
            print(f"  seeded {table} in {time.perf_counter() - started:.1f} s", flush=True)
    for table in SEQUENCED + WORKFORCE:
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
            )
        )
    conn.execute(text("SET session_replication_role = DEFAULT"))
    conn.commit()
    # VACUUM too, not only ANALYZE: a GIN index's size statistics (which the planner's cost
    # of the trigram search reads) are written by VACUUM, as autovacuum does in service.
    conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))


def seed_workforce(conn: Connection, sizes: Sizes) -> None:
    """Only the workforce tables (a database seeded before they were), then VACUUM ANALYZE."""
    conn.execute(text("SET session_replication_role = replica"))
    for _table, sql in _workforce(sizes):
        conn.execute(text(sql))
        conn.commit()
    for table in WORKFORCE:
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
            )
        )
    conn.execute(text("SET session_replication_role = DEFAULT"))
    conn.commit()
    autocommit = conn.execution_options(isolation_level="AUTOCOMMIT")
    for table in WORKFORCE:
        autocommit.execute(text(f"VACUUM ANALYZE {table}"))
