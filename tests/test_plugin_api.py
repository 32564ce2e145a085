"""Issue 7, one public plugin API: a business line reaches core only through
``core.plugin_api``, and what that API promises holds."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

import core.plugin_api as api
from core.errors import PluginError

ROOT = Path(__file__).resolve().parents[1]
LINE_DIRS = [ROOT / "plugins", ROOT / "tests" / "example_line"]
PUBLIC = "core.plugin_api"


def _core_imports(path: Path) -> list[tuple[int, str]]:
    """Every ``core`` module ``path`` imports, at any level (functions, TYPE_CHECKING too)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + (
                [f"{node.module}.{a.name}" for a in node.names] if node.module == "core" else []
            )
        else:
            continue
        out += [(node.lineno, n) for n in names if n == "core" or n.startswith("core.")]
    return out


def _allowed(module: str) -> bool:
    return module == PUBLIC or module.startswith(PUBLIC + ".") or module == "core"


def test_lines_import_nothing_from_core_but_the_public_api() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for base in LINE_DIRS
        if base.exists()
        for path in sorted(base.rglob("*.py"))
        for line, module in _core_imports(path)
        if not _allowed(module)
    ]
    # ``from core import X`` names a submodule X: only plugin_api is allowed.
    offenders += [
        f"{path.relative_to(ROOT)}:{node.lineno} imports core.{alias.name}"
        for base in LINE_DIRS
        if base.exists()
        for path in sorted(base.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.module == "core" and node.level == 0
        for alias in node.names
        if alias.name != "plugin_api"
    ]
    assert not offenders, "a line reaches core only through core.plugin_api:\n" + "\n".join(
        offenders
    )


def test_the_import_check_catches_a_private_import(tmp_path: Path) -> None:
    bad = tmp_path / "hooks.py"
    bad.write_text(
        "from core.plugin_api import hookimpl\n"
        "def f():\n    from core.services.visits import check_in_visit\n"
    )
    assert [m for _, m in _core_imports(bad) if not _allowed(m)] == ["core.services.visits"]


def test_every_exported_name_exists_and_is_documented() -> None:
    missing = [name for name in api.__all__ if not hasattr(api, name)]
    assert not missing
    assert all(name in (api.__doc__ or "") for name in ("line_field", "hookimpl", "Reason"))


def test_a_misspelled_permission_fails_when_declared() -> None:
    async def resolver() -> int:
        return 1

    with pytest.raises(PluginError) as caught:
        api.line_mutation(resolver, name="x", description="x", permission="mange")
    assert caught.value.code == "UNKNOWN_PERMISSION"


def test_line_policy_applies_the_operators_settings_and_refuses_bad_ones() -> None:
    from plugins.fitnessclub.policy import FitnessClubPolicy

    policy = api.line_policy(FitnessClubPolicy, "fitnessclub", {"fitnessclub": {"party_size": 4}})
    assert policy.party_size == 4
    assert api.line_policy(FitnessClubPolicy, "fitnessclub", None) == FitnessClubPolicy()
    with pytest.raises(api.FrontdeskError) as error:
        api.line_policy(FitnessClubPolicy, "fitnessclub", {"fitnessclub": {"nope": 1}})
    assert error.value.code == "INVALID_POLICY" and "nope" in str(error.value)


async def test_the_service_helpers_read_sites_and_names(sqlite_url: str) -> None:
    from conftest import Client, start_frontdesk
    from helpers import add_staff, legacy, make_site

    fd = await start_frontdesk(sqlite_url, enable=("realestate", "fitnessclub"))
    try:
        admin = Client(fd)
        club = await make_site(admin, "Iron Temple", line="fitnessclub")
        office = await make_site(admin, "Sunrise", line="realestate")
        wang = await add_staff(admin, club, "Wang Li")
        async with fd.db.session() as s:
            site = await api.get_line_site(s, club, "fitnessclub", what="a fitness club")
            assert site.id == legacy(club) and str(api.site_zone(site)) == site.timezone
            with pytest.raises(api.InvalidInput) as error:
                await api.get_line_site(s, office, "fitnessclub", what="a fitness club")
            assert error.value.code == "WRONG_BUSINESS_LINE"
            assert "is a realestate site, not a fitness club" in str(error.value)
            key = str(legacy(wang))  # line facts name staff by their database id
            assert await api.staff_names(s, [key, None, legacy(wang)]) == {key: "Wang Li"}
            assert await api.staff_names(s, []) == {}
    finally:
        await fd.stop()


async def test_line_write_runs_a_step_in_one_write_transaction_at_the_requests_clock(
    sqlite_url: str,
) -> None:
    """A line mutation's body (issue 17's mutation shape): ``line_write`` hands ``step`` the
    write session, its facts and the request's clock; what the step writes commits, and a
    refusal it raises rolls everything back and reaches the caller with its code."""
    from datetime import UTC, datetime, timedelta
    from types import SimpleNamespace

    from conftest import Client, start_frontdesk
    from helpers import legacy, make_site
    from sqlalchemy import select

    moment = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
    fd = await start_frontdesk(sqlite_url, enable=("realestate",))
    try:
        site = legacy(await make_site(Client(fd), "Sunrise"))
        info: Any = SimpleNamespace(context=SimpleNamespace(app=fd, now=lambda: moment))
        facts = {"phone": None, "customer_class": api.CustomerClass.B}
        facts |= {"site_id": site, "group_kind": None, "group_name": None}
        # A core service is a step too: (session, facts…, now=…).
        kept = await api.line_write(info, api.register_customer, name="Zhao", **facts)
        assert kept.name == "Zhao" and kept.created_at == moment

        async def step(session: Any, name: str, *, now: datetime, reason: str) -> None:
            seen.append(now)
            await api.register_customer(session, name=name, now=now, **facts)
            raise api.Conflict(reason, code="STEP_REFUSED")

        seen: list[datetime] = []
        earlier = moment - timedelta(minutes=5)
        with pytest.raises(api.FrontdeskError) as refused:
            await api.line_write(info, step, "Qian", reason="no", now=earlier)
        assert refused.value.code == "STEP_REFUSED" and seen == [earlier]
        async with fd.db.session() as s:
            names = (await s.scalars(select(api.Customer.name).order_by(api.Customer.id))).all()
            assert names == ["Zhao"]  # Qian was rolled back with the refusal
    finally:
        await fd.stop()
