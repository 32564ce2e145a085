"""``frontdesk demo --lines fitnessclub``: the demo club's contested sale, decided three ways."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from core.cli import app
from core.db import sync_url


def test_demo_club_shows_one_contest_decided_whole_half_and_stays(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    result = CliRunner().invoke(app, ["demo", "--lines", "fitnessclub", "--database-url", url])
    assert result.exit_code == 0, result.output
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            claims = conn.execute(
                text("SELECT outcome, rule, message FROM fc_claims ORDER BY found_at")
            ).all()
            roles = conn.execute(
                text(
                    "SELECT staff.role FROM staff JOIN sites ON sites.id = staff.site_id "
                    "WHERE sites.business_line = 'fitnessclub' ORDER BY staff.id"
                )
            ).scalars()
            roles = list(roles)
    finally:
        engine.dispose()
    assert [(c.outcome, c.rule) for c in claims] == [
        ("whole", "FC-4"),
        ("half", "FC-4"),
        ("stays", "FC-4"),
    ]
    assert "found on day 2" in claims[0].message
    assert "half to Wang Fang, half to Zhao Lei" in claims[1].message
    assert "the sale stays with Zhao Lei" in claims[2].message
    # The demo's staff have the club's own roles (frontdesk_staff_roles).
    assert roles == [*["membership_consultant"] * 3, "membership_manager", "club_director"]
