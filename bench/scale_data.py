"""A register of many sites, seeded server-side on PostgreSQL (``INSERT … SELECT
generate_series``): what ``bench/scale.py`` measures and ``tests/test_scale_pg.py`` EXPLAINs.

Every row is consistent with the schema's constraints and foreign keys: each site has its own
staff, customers (one in 50 of class A), visits (ids in arrival order; one in 50 not counted;
received by the site's staff), complaints (98 % closed, 2 % received and not yet due; one in
100 major), penalties (1 in 97 under a rare rule) and events on two streams.  Ids are
explicit and the sequences are set after, so the application keeps inserting above them.
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


RARE_RULE_CODE = "C-3-unapproved-visit"  # the real-estate table's one C-3 row
RARE_EVERY = 97  # 1 in 97 seeded penalties is under it (97: at every site, whatever the sizes)


def _penalties(z: Sizes) -> str:
    """The seeded ledger: the C-14 bench fine, 1 in 97 under the rare C-3 rule."""
    s, k = z.sites, z.staff_per_site
    site_of = f"((g - 1) % {s}) + 1"
    staff_of = f"({site_of} - 1) * {k} + ((g / {s}) % {k}) + 1"
    at = f"'{START}'::timestamptz + g * interval '{SPAN_DAYS * 86400 / max(1, z.visits)} seconds'"
    rule = (
        f"(SELECT id FROM penalty_rules WHERE business_line = 'realestate' AND code ="
        f" CASE WHEN g % {RARE_EVERY} = 1 THEN '{RARE_RULE_CODE}' ELSE '{BENCH_RULE_CODE}' END)"
    )
    return (
        "INSERT INTO penalties (id, site_id, staff_id, penalty_rule_id, amount, reason,"
        f" issued_at) SELECT g, {site_of}, {staff_of}, {rule}, 50, 'seeded', {at}"
        f" FROM generate_series(1, {z.penalties}) g"
    )


def reseed_penalties(conn: Connection, sizes: Sizes) -> bool:
    """A kept database whose seeded ledger is not :func:`_penalties`'s (seeded before the rare
    rule, or changed since): its seeded entries deleted and inserted again, in seed order
    (the same interleaving of the sites' rows on table pages), then VACUUM ANALYZE.  True if
    it had to."""
    wrong = conn.scalar(
        text(
            "SELECT count(*) FROM penalties p JOIN penalty_rules r ON r.id = p.penalty_rule_id"
            " WHERE p.id <= :n AND (r.code = :rare) <> (p.id % :every = 1)"
        ),
        {"n": sizes.penalties, "rare": RARE_RULE_CODE, "every": RARE_EVERY},
    )
    if not wrong:
        return False
    conn.execute(text("SET session_replication_role = replica"))
    conn.execute(
        text(
            "INSERT INTO penalty_rules (business_line, code, rule, title, kind, min_amount,"
            f" max_amount, active) VALUES ('realestate', '{RARE_RULE_CODE}', 'C-3', 'seeded',"
            " 'fine', 300, 2000, true) ON CONFLICT DO NOTHING"
        )
    )
    conn.execute(text("DELETE FROM penalties WHERE id <= :n"), {"n": sizes.penalties})
    conn.execute(text(_penalties(sizes)))
    conn.execute(text("SET session_replication_role = DEFAULT"))
    conn.commit()
    conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE penalties"))
    return True


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
            f" 'fine', 0, 100, true), ('realestate', '{RARE_RULE_CODE}', 'C-3', 'seeded',"
            " 'fine', 300, 2000, true) ON CONFLICT DO NOTHING",
        ),
        ("penalties", _penalties(z)),
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


LINES = ("fitnessclub", "property", "ktv")


def line_sites(z: Sizes, line: str) -> range:
    """The ids of ``line``'s sites (:func:`seed_lines`): ``z.sites`` of each line, after the
    real-estate sites."""
    first = z.sites * (1 + LINES.index(line)) + 1
    return range(first, first + z.sites)


def _lines(z: Sizes) -> list[tuple[str, str]]:
    """The business lines' own lists (issue 13): ``z.sites`` sites of each of the fitness,
    property and KTV lines after the real-estate sites, each with ``z.staff_per_site`` staff
    (ids after the real-estate staff).  Per line site as many rows as the real-estate sites
    have of the matching core list, a tenth where noted: fitness card sales (a tenth of the
    visits, sold over the same span, one in ten with a claim) to customers of the club (a
    tenth of the customers); property units (a tenth of the customers, each with a resident),
    visitor registrations (a tenth of the visits), survey opinions and paid services (as many
    as the complaints; 1 in 49 open / pending, at every site); a KTV knowledge check per KTV
    staff member (one in five not passed, long overdue)."""
    s, k = z.sites, z.staff_per_site
    staff0, customer0 = s * k, z.customers  # ids before the lines' own
    line_staff = 3 * s * k
    fitness0, property0, ktv0 = (line_sites(z, line).start - 1 for line in LINES)
    # Row g of a line's table belongs to its site number ((g - 1) % s) + 1 (of that line).
    nth = f"(((g - 1) % {s}) + 1)"
    staff_at = lambda base: f"{staff0} + ({base} + {nth} - {s} - 1) * {k} + ((g / {s}) % {k}) + 1"  # noqa: E731
    customers = max(s, z.customers // 10)
    per_site_customers = customers // s
    units = max(s, z.customers // 10)
    per_site_units = units // s
    sales = max(s, z.visits // 10)
    span = SPAN_DAYS * 86400
    at = lambda n: f"'{START}'::timestamptz + g * interval '{span / max(1, n)} seconds'"  # noqa: E731
    # The customer / unit of row g at its site: ids base + nth, base + s + nth, …
    customer_of = f"{customer0} + {s} * ((g / {s}) % {per_site_customers}) + {nth}"
    unit_of = f"{s} * ((g / {s}) % {per_site_units}) + {nth}"
    return [
        (
            "sites",
            "INSERT INTO sites (id, name, business_line, timezone, calendar_region, created_at)"
            f" SELECT {s} + g, 'Line site ' || g,"
            f" (ARRAY['fitnessclub', 'property', 'ktv'])[(g - 1) / {s} + 1], 'Asia/Shanghai',"
            f" 'CN', '{START}' FROM generate_series(1, {3 * s}) g",
        ),
        (
            "staff",
            "INSERT INTO staff (id, site_id, name, role, employment_status, created_at)"
            f" SELECT {staff0} + g, {s} + ((g - 1) / {k}) + 1, 'Staff ' || ({staff0} + g),"
            f" 'front_desk', 'active', '{START}' FROM generate_series(1, {line_staff}) g",
        ),
        (
            "customers",
            "INSERT INTO customers (id, site_id, name, phone, customer_class, owner_staff_id,"
            " created_at)"
            f" SELECT {customer0} + g, {fitness0} + {nth}, 'Member ' || g,"
            " '+86139' || lpad(g::text, 8, '0'), 'D',"
            f" {staff_at(fitness0)}, '{START}' FROM generate_series(1, {customers}) g",
        ),
        (
            "fc_card_sales",
            "INSERT INTO fc_card_sales (id, site_id, closer_id, buyer_id, kind, card_type, price,"
            " phone, group_size, registered, sold_at, shares, follow_up_holder_id,"
            " decision_rule, decision_message)"
            f" SELECT g, {fitness0} + {nth}, {staff_at(fitness0)}, {customer_of}, 'new', 'year',"
            " 1000, '+86139' || lpad(g::text, 8, '0'), 1, true, "
            f"{at(sales)}, '[]', {staff_at(fitness0)}, 'FC-1', 'seeded'"
            f" FROM generate_series(1, {sales}) g",
        ),
        (
            "fc_claims",
            "INSERT INTO fc_claims (id, site_id, sale_id, claimant_id, found_at, outcome, shares,"
            " evidence, rule, message)"
            " SELECT t, c.site_id, c.id, c.closer_id, c.sold_at + interval '1 day', 'whole',"
            " '[]', '[]', 'FC-4', 'seeded' FROM fc_card_sales c,"
            " LATERAL (SELECT c.id / 10 AS t) x WHERE c.id % 10 = 0",
        ),
        (
            "pm_units",
            "INSERT INTO pm_units (id, site_id, building, number, created_at)"
            f" SELECT g, {property0} + {nth}, 'B' || (g % 20), g::text, '{START}'"
            f" FROM generate_series(1, {units}) g",
        ),
        (
            "pm_residents",
            "INSERT INTO pm_residents (id, site_id, unit_id, name, created_at)"
            f" SELECT g, {property0} + {nth}, g, 'Resident ' || g, '{START}'"
            f" FROM generate_series(1, {units}) g",
        ),
        (
            "pm_visitor_registrations",
            "INSERT INTO pm_visitor_registrations (id, site_id, unit_id, resident_id,"
            " visitor_name, contact_method, resident_confirmed_at, registered_by_id,"
            " registered_at, night_duty, reason)"
            f" SELECT g, {property0} + {nth}, {unit_of}, {unit_of}, 'Visitor', 'phone',"
            f" {at(sales)}, {staff_at(property0)}, {at(sales)}, false, ''"
            f" FROM generate_series(1, {sales}) g",
        ),
        (
            "pm_survey_opinions",
            "INSERT INTO pm_survey_opinions (id, site_id, customer_name, opinion, department,"
            " collected_at, recorded_by_id, opinions_due, late_steps, reasons, closed)"
            f" SELECT g, {property0} + {nth}, 'Owner', 'seeded', 'service', {at(z.complaints)},"
            f" {staff_at(property0)}, {at(z.complaints)} + interval '1 day', '[]', '[]',"
            f" g % 49 <> 0 FROM generate_series(1, {z.complaints}) g",
        ),
        (
            "pm_paid_services",
            "INSERT INTO pm_paid_services (id, site_id, unit_id, description, fee, performed_at,"
            " performed_by_id, done, created_at)"
            f" SELECT g, {property0} + {nth}, {unit_of}, 'seeded', 50, {at(z.complaints)},"
            f" {staff_at(property0)}, g % 49 <> 0, {at(z.complaints)}"
            f" FROM generate_series(1, {z.complaints}) g",
        ),
        (
            "ktv_knowledge_checks",
            "INSERT INTO ktv_knowledge_checks (staff_id, site_id, joined_on, due_on, passed_on,"
            " topics, recorded_at)"
            f" SELECT id, site_id, d, d + 3, CASE WHEN id % 5 = 0 THEN NULL ELSE d + 2 END,"
            f" '[]', '{START}' FROM staff,"
            f" LATERAL (SELECT '{START}'::date + (id % {SPAN_DAYS}) AS d) x"
            f" WHERE site_id > {ktv0}",
        ),
    ]


LINE_TABLES = (
    "fc_card_sales",
    "fc_claims",
    "pm_units",
    "pm_residents",
    "pm_visitor_registrations",
    "pm_survey_opinions",
    "pm_paid_services",
)


def seed_lines(conn: Connection, sizes: Sizes) -> None:
    """The business lines' sites and lists (:func:`_lines`; a database :func:`seed` filled,
    migrated with every line's branch), then VACUUM ANALYZE of what it wrote."""
    conn.execute(text("SET session_replication_role = replica"))
    for _table, sql in _lines(sizes):
        conn.execute(text(sql))
        conn.commit()
    for table in ("sites", "staff", "customers", *LINE_TABLES):
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
            )
        )
    conn.execute(text("SET session_replication_role = DEFAULT"))
    conn.commit()
    autocommit = conn.execution_options(isolation_level="AUTOCOMMIT")
    for table in ("sites", "staff", "customers", *LINE_TABLES, "ktv_knowledge_checks"):
        autocommit.execute(text(f"VACUUM ANALYZE {table}"))


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
