"""``frontdesk demo --lines property``: a night visitor registered by the night duty manager
(PM-1), a major complaint on its clock (PM-4 / PM-5) and a late repair (PM-8)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from core.cli import app
from core.db import sync_url


def test_demo_project_shows_a_night_visitor_a_major_complaint_and_a_late_repair(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    result = CliRunner().invoke(app, ["demo", "--lines", "property", "--database-url", url])
    assert result.exit_code == 0, result.output
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            visitors = conn.execute(
                text(
                    "SELECT v.visitor_name, v.night_duty, v.reason, s.role "
                    "FROM pm_visitor_registrations v JOIN staff s ON s.id = v.registered_by_id "
                    "ORDER BY v.registered_at"
                )
            ).all()
            complaint = conn.execute(
                text(
                    "SELECT c.severity, c.policy_rule, c.resolution_due, c.status "
                    "FROM complaints c JOIN sites ON sites.id = c.site_id "
                    "WHERE sites.business_line = 'property'"
                )
            ).one()
            reports = conn.execute(
                text("SELECT type FROM events WHERE stream = 'notifications'")
            ).scalars()
            reports = list(reports)
            repairs = conn.execute(
                text("SELECT on_time, status FROM pm_repair_orders ORDER BY agreed_at")
            ).all()
    finally:
        engine.dispose()
    assert [(v.visitor_name, v.night_duty, v.role) for v in visitors] == [
        ("Guo Ping", 0, "customer_service"),
        ("Xu Lan", 1, "night_duty_manager"),
    ]
    assert "[PM-1] registered by the night duty manager" in visitors[1].reason
    assert (complaint.severity, complaint.policy_rule, complaint.status) == (
        "major",
        "PM-4",
        "received",
    )
    assert complaint.resolution_due is not None
    assert reports == ["complaint.report_immediately"]
    assert [(r.on_time, r.status) for r in repairs] == [(0, "completed"), (1, "arrived")]
