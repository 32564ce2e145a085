"""Alembic: a ``core`` branch plus one branch per plugin (``realestate``), on SQLite and PostgreSQL.

Covers the ``frontdesk_migrations`` hook: the plugin's branch is found through it, upgraded
with core, and downgraded on its own while core tables and their rows stay.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import to_tuple
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine

# Every module that puts tables on the shared metadata (a module left out here shows up
# below as a "remove_table" difference).
import core.auth
import core.models
import core.webhooks
import plugins.fitnessclub.models
import plugins.ktv.models
import plugins.realestate.models
from core import migrate
from core.contracts import MigrationBranch
from core.db import Base, sync_url
from core.plugins import PluginHost, create_plugin_manager

CORE_TABLES = {
    "sites",
    "customers",
    "staff",
    "visits",
    "complaints",
    "penalty_rules",
    "penalties",
    "plugin_states",
    "events",
    "departments",
    "shifts",
    "shift_swaps",
}
RE_TABLES = {"re_rotation_days", "re_visit_receptions", "re_order_grabs"}


def _host(*enabled: str) -> PluginHost:
    # Built-in lines only: a third-party line installed beside Frontdesk brings its own heads.
    return PluginHost(create_plugin_manager(entry_points_group=None), enabled=enabled)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database (no tables at all) on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    return request.getfixturevalue("pg_empty_url")


@pytest.fixture
def engine(empty_url: str) -> Iterator[Engine]:
    eng = create_engine(sync_url(empty_url))
    yield eng
    eng.dispose()


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def _heads(url: str, labels: tuple[str, ...] = ("core", "realestate")) -> dict[str, str]:
    script = ScriptDirectory.from_config(migrate.alembic_config(url, _host()))
    return {label: script.get_revision(f"{label}@head").revision for label in labels}


def test_realestate_declares_its_branch_through_frontdesk_migrations() -> None:
    host = _host()
    branch = host.installed["realestate"].migrations
    assert isinstance(branch, MigrationBranch)
    assert branch.branch_label == "realestate"
    assert (branch.versions_dir / "re0001_rotation_tables.py").is_file()
    # The plugin's branch is its own base, depending on core; never merged into core.
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://", host))
    re0001 = script.get_revision("re0001")
    assert re0001.branch_labels == {"realestate"}
    assert re0001.down_revision is None
    assert "c0001" in to_tuple(re0001.dependencies, default=())
    every_branch = _heads("sqlite://", ("core", "realestate", "fitnessclub", "property", "ktv"))
    assert set(script.get_heads()) == set(every_branch.values())


def test_every_branch_has_exactly_one_head() -> None:
    """Two revisions on one parent (say two people adding a core revision at once) leave a
    branch with two heads and ``core@head`` unusable: chain one onto the other."""
    host = _host()
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://", host))
    labels = ["core"] + [
        p.migrations.branch_label for p in host.installed.values() if p.migrations is not None
    ]
    heads = script.get_revisions("heads")
    for label in labels:
        mine = sorted(h.revision for h in heads if label in (h.branch_labels or ()))
        assert len(mine) == 1, (
            f"branch {label!r} has heads {mine}; set the later revision's down_revision to the "
            "other one so the branch stays one line"
        )


def test_upgrade_from_empty_creates_core_and_plugin_tables(empty_url: str, engine: Engine) -> None:
    assert _tables(engine) == set()
    labels = migrate.upgrade(empty_url, _host("realestate"))
    assert labels == ["core", "realestate"]
    tables = _tables(engine)
    missing = (CORE_TABLES | RE_TABLES) - tables
    assert not missing, f"tables missing after upgrade: {sorted(missing)}"
    assert not migrate.pending(empty_url, _host("realestate"))


def test_upgrade_with_plugin_disabled_creates_core_only(empty_url: str, engine: Engine) -> None:
    assert migrate.upgrade(empty_url, _host()) == ["core"]
    tables = _tables(engine)
    assert CORE_TABLES <= tables
    assert not (RE_TABLES & tables)
    # Enabling the line now leaves its branch pending until the next upgrade.
    assert migrate.pending(empty_url, _host("realestate"))


def test_describe_current_names_both_branches(empty_url: str) -> None:
    migrate.upgrade(empty_url, _host("realestate"))
    heads = _heads(empty_url)
    assert dict(migrate.describe_current(empty_url, _host())) == heads
    assert migrate.current_heads(empty_url, _host()) == set(heads.values())


def test_downgrade_plugin_base_drops_only_its_tables_and_keeps_core_rows(
    empty_url: str, engine: Engine
) -> None:
    host = _host("realestate")
    migrate.upgrade(empty_url, host)
    now = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            core.models.Site.__table__.insert().values(
                id=1,
                name="Sunrise",
                business_line="realestate",
                timezone="Asia/Shanghai",
                calendar_region="CN",
                created_at=now,
            )
        )
        conn.execute(
            plugins.realestate.models.RotationDay.__table__.insert().values(
                site_id=1, business_date=date(2026, 11, 24), state={}, updated_at=now
            )
        )

    migrate.downgrade(empty_url, host, "realestate@base")

    tables = _tables(engine)
    assert not (RE_TABLES & tables), f"plugin tables left: {sorted(RE_TABLES & tables)}"
    assert CORE_TABLES <= tables
    with engine.connect() as conn:
        assert conn.execute(text("select name from sites")).scalars().all() == ["Sunrise"]
    assert dict(migrate.describe_current(empty_url, host)) == {"core": _heads(empty_url)["core"]}

    # Upgrading again restores the plugin's (empty) tables next to the kept core rows.
    migrate.upgrade(empty_url, host)
    assert RE_TABLES <= _tables(engine)
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from sites")).scalar_one() == 1
        assert conn.execute(text("select count(*) from re_rotation_days")).scalar_one() == 0
    assert dict(migrate.describe_current(empty_url, host)) == _heads(empty_url)


def test_upgrade_is_idempotent(empty_url: str, engine: Engine) -> None:
    host = _host("realestate")
    migrate.upgrade(empty_url, host)
    with engine.begin() as conn:
        conn.execute(
            core.models.PluginState.__table__.insert().values(
                name="realestate", enabled=True, changed_at=datetime.now(UTC), settings={}
            )
        )
    before = (_tables(engine), migrate.current_heads(empty_url, host))
    migrate.upgrade(empty_url, host)
    migrate.upgrade(empty_url, host)
    assert (_tables(engine), migrate.current_heads(empty_url, host)) == before
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from plugin_states")).scalar_one() == 1


def _for_this_dialect(dialect: str) -> Any:
    """Alembic's include_object: leave out indexes the models declare for another database
    only (``Index(...).ddl_if(dialect=...)``, e.g. the PostgreSQL trigram index)."""

    def include(obj: object, _name: str, type_: str, _reflected: bool, _compare_to: object) -> bool:
        ddl_if = getattr(obj, "_ddl_if", None)
        if type_ == "index" and ddl_if is not None and ddl_if.dialect is not None:
            return ddl_if.dialect == dialect
        return True

    return include


def test_models_match_migrations(empty_url: str, engine: Engine) -> None:
    """Autogenerate against a fully migrated database finds nothing to do.

    A difference means a model changed without a migration (or the reverse): add a revision
    to the owning branch (``core`` or the plugin's) rather than editing an applied one.
    """
    host = PluginHost(create_plugin_manager(entry_points_group=None))
    host.set_enabled(host.installed)
    migrate.upgrade(empty_url, host)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_object": _for_this_dialect(conn.dialect.name),
            },
        )
        diffs = compare_metadata(context, Base.metadata)
    assert diffs == [], "models and migrations disagree:\n" + "\n".join(map(repr, diffs))


def test_C_6_migration_renumbers_stored_complaints_and_records_the_mapping(
    empty_url: str, engine: Engine
) -> None:
    """C-6 (revised 2026-12-01): c0012 rewrites YYMM-NNNN to YYMMNN…, keeps every number
    unique, writes old -> new into each complaint's history, and maps back on downgrade."""
    host = _host()
    migrate.upgrade(empty_url, host, plugins=[])
    migrate.downgrade(empty_url, host, "c0001")
    with engine.begin() as conn:
        for site in (1, 2):
            conn.execute(
                text(
                    "INSERT INTO sites (id, name, business_line, timezone, calendar_region,"
                    f" created_at) VALUES ({site}, 'Old {site}', 'realestate', 'Asia/Shanghai',"
                    " 'CN', '2026-11-24T02:00:00Z')"
                )
            )
        for cid, site, number in [
            (1, 1, "2611-0007"),
            (2, 1, "2611-0123"),
            (3, 1, "2612-0007"),
            (4, 2, "2611-0007"),
            (5, 1, "2611-12345"),
        ]:
            conn.execute(
                text(
                    "INSERT INTO complaints (id, site_id, number, channel, channel_details,"
                    " category, severity, status, description, filed_at, escalation_level)"
                    f" VALUES ({cid}, {site}, '{number}', 'phone', '{{}}', 'service', 'general',"
                    " 'received', 'old', '2026-11-24T02:00:00Z', 0)"
                )
            )
    migrate.upgrade(empty_url, host, plugins=[])
    with engine.connect() as conn:
        numbers = dict(conn.execute(text("SELECT id, number FROM complaints")).all())
        assert numbers == {1: "261107", 2: "2611123", 3: "261207", 4: "261107", 5: "261112345"}
        mapping = conn.execute(
            text(
                "SELECT complaint_id, from_value, to_value, rule FROM complaint_history"
                " WHERE action = 'renumbered' ORDER BY complaint_id"
            )
        ).all()
        assert [tuple(row) for row in mapping] == [
            (1, "2611-0007", "261107", "C-6"),
            (2, "2611-0123", "2611123", "C-6"),
            (3, "2612-0007", "261207", "C-6"),
            (4, "2611-0007", "261107", "C-6"),
            (5, "2611-12345", "261112345", "C-6"),
        ]
    # Upgrading again changes nothing and records nothing twice.
    migrate.upgrade(empty_url, host, plugins=[])
    with engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT count(*) FROM complaint_history WHERE action = 'renumbered'")
            ).scalar_one()
            == 5
        )
    migrate.downgrade(empty_url, host, "c0010")
    with engine.connect() as conn:
        numbers = dict(conn.execute(text("SELECT id, number FROM complaints")).all())
        assert numbers == {
            1: "2611-0007",
            2: "2611-0123",
            3: "2612-0007",
            4: "2611-0007",
            5: "2611-12345",
        }
        assert (
            conn.execute(
                text("SELECT count(*) FROM complaint_history WHERE action = 'renumbered'")
            ).scalar_one()
            == 0
        )
    migrate.upgrade(empty_url, host, plugins=[])


# --- issue 13: the indexes every list needs (c0014_scale) --------------------------------------

LIST_INDEXES = {
    "visits": {
        "ix_visits_site_id_id",
        "ix_visits_site_receiver_id",
        "ix_visits_customer_id_id",
        "ix_visits_site_uncounted",
    },
    "customers": {
        # c0014's (site_id, id), covering the page's columns since c0020.
        "ix_customers_site_id_cover",
        "ix_customers_site_class_id",
        "ix_customers_site_owner_id",
    },
    "complaints": {
        "ix_complaints_site_id_id",
        "ix_complaints_first_response_pending",
        "ix_complaints_resolution_pending",
        "ix_complaints_revisit_pending",
    },
    "penalties": {"ix_penalties_site_id_id", "ix_penalties_site_staff_id"},
    "events": {"ix_events_stream_site_id_id"},
}
REPLACED = {"visits": {"ix_visits_receiver_id", "ix_visits_customer_id"}}
SEARCH = {"ix_customers_name_trgm", "ix_customers_site_name_prefix"}


def _indexes(engine: Engine, table: str) -> set[str]:
    return {i["name"] for i in inspect(engine).get_indexes(table)}


def test_c0014_creates_the_list_indexes_and_downgrades_cleanly(
    empty_url: str, engine: Engine
) -> None:
    """Issue 13: every list's index exists after upgrade (built CONCURRENTLY on PostgreSQL,
    plainly on SQLite), the trigram/prefix search indexes on PostgreSQL only; downgrade to
    c0013 restores the single-column indexes, and upgrading again rebuilds everything."""
    host = _host()
    postgres = engine.dialect.name == "postgresql"
    migrate.upgrade(empty_url, host, plugins=[])
    for table, names in LIST_INDEXES.items():
        assert names <= _indexes(engine, table), table
    assert not (REPLACED["visits"] & _indexes(engine, "visits"))
    assert (SEARCH <= _indexes(engine, "customers")) is postgres
    assert not (SEARCH & _indexes(engine, "customers")) or postgres

    migrate.downgrade(empty_url, host, "c0013_workforce")
    assert not (LIST_INDEXES["visits"] & _indexes(engine, "visits"))
    assert REPLACED["visits"] <= _indexes(engine, "visits")
    assert not (SEARCH & _indexes(engine, "customers"))

    migrate.upgrade(empty_url, host, plugins=[])
    for table, names in LIST_INDEXES.items():
        assert names <= _indexes(engine, table), table


@pytest.mark.postgres
def test_c0014_rebuilds_an_index_a_failed_concurrent_build_left_invalid(
    pg_empty_url: str,
) -> None:
    """A CREATE INDEX CONCURRENTLY that fails leaves an INVALID index; upgrading again
    drops and rebuilds it instead of stopping at "already exists" or keeping it unusable."""
    host = _host()
    migrate.upgrade(pg_empty_url, host, plugins=[])
    migrate.downgrade(pg_empty_url, host, "c0013_workforce")
    engine = create_engine(sync_url(pg_empty_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            # What a failed concurrent build leaves: the index, marked invalid.
            conn.execute(text("CREATE INDEX ix_visits_site_id_id ON visits (site_id, id)"))
            conn.execute(
                text(
                    "UPDATE pg_index SET indisvalid = false WHERE indexrelid ="
                    " 'ix_visits_site_id_id'::regclass"
                )
            )
        migrate.upgrade(pg_empty_url, host, plugins=[])
        with engine.connect() as conn:
            invalid = conn.execute(
                text(
                    "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                    " WHERE NOT i.indisvalid"
                )
            ).all()
            assert invalid == []
            assert "ix_visits_site_id_id" in _indexes(engine, "visits")
    finally:
        engine.dispose()


def test_C_8_C_11_migration_keeps_existing_complaints_and_adds_the_revised_facts(
    empty_url: str, engine: Engine
) -> None:
    """c0018 (issue 11): existing complaints keep every value, get the default C-8 interval
    (1440 minutes) and no progress due time, customer's time or special-case mark (C-11);
    the downgrade drops the columns and keeps the rows."""
    host = _host()
    migrate.upgrade(empty_url, host, plugins=[])
    migrate.downgrade(empty_url, host, "c0013_workforce")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO sites (id, name, business_line, timezone, calendar_region,"
                " created_at) VALUES (1, 'Old', 'realestate', 'Asia/Shanghai', 'CN',"
                " '2026-11-24T02:00:00Z')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO complaints (id, site_id, number, channel, channel_details,"
                " category, severity, status, description, filed_at, escalation_level,"
                " policy_rule, policy_reason, first_response_minutes, resolution_working_days,"
                " special_case_working_days, revisit_days, recorded_at, updated_at, cycle,"
                " cycle_started_at, flags) VALUES (1, 1, '261107', 'phone', '{}', 'service',"
                " 'general', 'in_progress', 'old', '2026-11-24T02:00:00Z', 0, 'C-11', '',"
                " 1440, 3, 7, 14, '2026-11-24T02:00:00Z', '2026-11-24T02:00:00Z', 1,"
                " '2026-11-24T02:00:00Z', '[]')"
            )
        )
    migrate.upgrade(empty_url, host, plugins=[])
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT number, status, progress_interval_minutes, progress_update_due,"
                " customer_requested_by, special_case_reason, special_case_at FROM complaints"
            )
        ).one()
        assert tuple(row) == ("261107", "in_progress", 1440, None, None, None, None)
    migrate.downgrade(empty_url, host, "c0013_workforce")
    with engine.connect() as conn:
        columns = {c["name"] for c in inspect(engine).get_columns("complaints")}
        assert "progress_interval_minutes" not in columns and "special_case_at" not in columns
        assert conn.execute(text("SELECT number FROM complaints")).scalar_one() == "261107"
    migrate.upgrade(empty_url, host, plugins=[])


# --- issue 13: the orders, filters and workforce lists c0014 left without an index (c0019) ------

C0019_INDEXES = {
    "complaints": {
        "ix_complaints_site_filed_id",
        "ix_complaints_site_updated_id",
        "ix_complaints_customer_id_id",
    },
    "customers": {"ix_customers_site_name_id", "ix_customers_site_created_id"},
    "penalties": {"ix_penalties_site_issued_id"},
    "shifts": {"ix_shifts_site_date"},
    "shift_swaps": {"ix_shift_swaps_site_id_id"},
    "attendance_records": {"ix_attendance_site_date_id"},
    "leave_requests": {"ix_leave_requests_site_date_id"},
    "appointments": {"ix_appointments_site_visit_id"},
}
C0019_REPLACED = {
    "complaints": {"ix_complaints_site_filed"},
    "shift_swaps": {"ix_shift_swaps_site_id"},
    "attendance_records": {"ix_attendance_records_site_id"},
    "leave_requests": {"ix_leave_requests_site_id"},
    "appointments": {"ix_appointments_site_id"},
}
C0019_STATISTICS = {
    "st_visits_site_receiver",
    "st_complaints_site_handler",
    "st_complaints_site_customer",
    "st_penalties_site_staff",
    "st_customers_site_owner",
}


def _statistics(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(text("SELECT stxname FROM pg_statistic_ext")).scalars())


def test_c0019_creates_the_order_and_workforce_indexes_and_downgrades_cleanly(
    empty_url: str, engine: Engine
) -> None:
    """Issue 13 (c0019): every index of the orderBy keysets, of complaints by customer and of
    the workforce lists exists after upgrade (built CONCURRENTLY on PostgreSQL, with the
    dependency statistics; plainly on SQLite), the indexes they extend are gone; a
    downgrade to c0019_workforce2 restores those and drops the new ones, and upgrading again
    rebuilds them.  Rows written before the upgrade stay (an index changes no data)."""
    host = _host()
    postgres = engine.dialect.name == "postgresql"
    migrate.upgrade(empty_url, host, plugins=[])
    migrate.downgrade(empty_url, host, "c0019_workforce2")
    for table, names in C0019_INDEXES.items():
        assert not (names & _indexes(engine, table)), table
        assert C0019_REPLACED.get(table, set()) <= _indexes(engine, table), table
    if postgres:
        assert not (C0019_STATISTICS & _statistics(engine))
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO sites (id, name, business_line, timezone, calendar_region,"
                " created_at) VALUES (1, 'Old', 'realestate', 'Asia/Shanghai', 'CN',"
                " '2026-11-24T02:00:00Z')"
            )
        )
    migrate.upgrade(empty_url, host, plugins=[])
    for table, names in C0019_INDEXES.items():
        assert names <= _indexes(engine, table), table
        assert not (C0019_REPLACED.get(table, set()) & _indexes(engine, table)), table
    assert (C0019_STATISTICS <= _statistics(engine)) if postgres else True
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM sites")).scalar_one() == "Old"
    migrate.downgrade(empty_url, host, "c0019_workforce2")
    migrate.upgrade(empty_url, host, plugins=[])
    for table, names in C0019_INDEXES.items():
        assert names <= _indexes(engine, table), table


# --- issue 13, third pass: c0020 and the lines' own list indexes --------------------------------

# revision -> (revision before it, {table: new indexes}, {table: indexes they replace})
THIRD_PASS: dict[str, tuple[str, dict[str, set[str]], dict[str, set[str]]]] = {
    "c0020_scale": (
        "c0019_scale",
        {
            "penalties": {"ix_penalties_site_rule_id"},
            "webhook_deliveries": {
                "ix_webhook_deliveries_endpoint_id",
                "ix_webhook_deliveries_endpoint_status_id",
            },
            "customers": {"ix_customers_site_id_cover"},
        },
        {"customers": {"ix_customers_site_id_id"}},
    ),
    "fc0004": (
        "fc0003",
        {
            "fc_card_sales": {"ix_fc_card_sales_site_sold_id"},
            "fc_claims": {"ix_fc_claims_sale_found_id"},
        },
        {
            "fc_card_sales": {"ix_fc_card_sales_site_sold_at", "ix_fc_card_sales_site_id"},
            "fc_claims": {"ix_fc_claims_sale_id"},
        },
    ),
    "pm0003": (
        "pm0002",
        {
            "pm_units": {"ix_pm_units_site_id_id"},
            "pm_visitor_registrations": {"ix_pm_visitor_registrations_site_registered"},
            "pm_survey_opinions": {
                "ix_pm_survey_opinions_site_collected",
                "ix_pm_survey_opinions_site_open",
            },
            "pm_paid_services": {
                "ix_pm_paid_services_site_performed",
                "ix_pm_paid_services_site_pending",
            },
        },
        {
            "pm_units": {"ix_pm_units_site_id"},
            "pm_visitor_registrations": {
                "ix_pm_visitor_registrations_site_id",
                "ix_pm_visitor_registrations_registered_at",
            },
            "pm_survey_opinions": {
                "ix_pm_survey_opinions_site_id",
                "ix_pm_survey_opinions_collected_at",
                "ix_pm_survey_opinions_closed",
            },
            "pm_paid_services": {
                "ix_pm_paid_services_site_id",
                "ix_pm_paid_services_performed_at",
                "ix_pm_paid_services_done",
            },
        },
    ),
    "ktv0003": (
        "ktv0002",
        {"ktv_knowledge_checks": {"ix_ktv_knowledge_checks_site_pending"}},
        {"ktv_knowledge_checks": {"ix_ktv_knowledge_checks_site_due"}},
    ),
}

# What PostgreSQL's definition of an index must say beyond its columns.
THIRD_PASS_DEFINITIONS = {
    "ix_customers_site_id_cover": "(site_id, id) INCLUDE (name, phone)",
    "ix_pm_survey_opinions_site_open": "WHERE (NOT closed)",
    "ix_pm_paid_services_site_pending": "WHERE (NOT done)",
    "ix_ktv_knowledge_checks_site_pending": "WHERE (passed_on IS NULL)",
}


def _definition(engine: Engine, name: str) -> str:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT pg_get_indexdef(CAST(:n AS regclass))"), {"n": name}
        ).scalar_one()


def _assert_state(engine: Engine, new: dict[str, set[str]], old: dict[str, set[str]]) -> None:
    for table, names in new.items():
        have = _indexes(engine, table)
        assert names <= have, (table, names - have)
        assert not (old.get(table, set()) & have), (table, old.get(table, set()) & have)


@pytest.mark.parametrize("revision", list(THIRD_PASS))
def test_third_pass_revision_builds_its_list_indexes_and_downgrades_cleanly(
    empty_url: str, engine: Engine, revision: str
) -> None:
    """Issue 13 (c0020, fc0004, pm0003, ktv0003): after upgrading every branch the revision's
    indexes exist (built CONCURRENTLY on PostgreSQL through ``core.migrate``'s helpers, with
    their INCLUDE columns and partial predicates there; plainly on SQLite) and the indexes
    they replace are gone; a downgrade to the revision before restores those and drops the
    new ones, another branch's indexes untouched; upgrading again rebuilds them."""
    host = PluginHost(create_plugin_manager(entry_points_group=None))
    host.set_enabled(host.installed)
    previous, new, old = THIRD_PASS[revision]
    migrate.upgrade(empty_url, host)
    _assert_state(engine, new, old)
    if engine.dialect.name == "postgresql":
        for name, definition in THIRD_PASS_DEFINITIONS.items():
            assert definition in _definition(engine, name), name
    migrate.downgrade(empty_url, host, previous)
    _assert_state(engine, old, new)
    for other, (_previous, others_new, others_old) in THIRD_PASS.items():
        if other != revision:  # no line revision depends on c0020, nor c0020 on them
            _assert_state(engine, others_new, others_old)
    migrate.upgrade(empty_url, host)
    _assert_state(engine, new, old)
