"""The breaking-change check (issue 17): the generated SDL against the committed 1.0 baseline.

A breaking change (graphql-core's ``find_breaking_changes``: a removed field, a changed type, a
new required argument …) fails CI unless CHANGELOG.md announces it word for word; the
CHANGELOG's list of 1.0's own breaking changes is generated and must be fresh.
"""

from __future__ import annotations

from pathlib import Path

from conftest import Client

from core.graphql.version import API_VERSION
from schema.build import export_sdl
from schema.compat import BASELINE, CHANGELOG, breaking_changes, with_upgrade_list

ROOT = Path(__file__).resolve().parent.parent


def test_no_unannounced_breaking_change_against_the_baseline() -> None:
    changelog = CHANGELOG.read_text(encoding="utf-8")
    unannounced = [
        change
        for change in breaking_changes(BASELINE.read_text(encoding="utf-8"), export_sdl())
        if change not in changelog
    ]
    assert not unannounced, (
        "breaking changes against schema/frontdesk-1.0.graphql that CHANGELOG.md does not "
        f"announce (add each, word for word, under Unreleased): {unannounced}"
    )


def test_the_check_finds_a_breaking_change() -> None:
    old = "type Query { a: Int!, b: String }"
    [removed] = breaking_changes(old, "type Query { a: Int! }")
    assert "Query.b was removed" in removed
    [nullable] = breaking_changes(old, "type Query { a: Int, b: String, c: Int }")
    assert "Query.a changed type from Int! to Int" in nullable


def test_the_changelog_lists_every_breaking_change_of_1_0() -> None:
    changelog = CHANGELOG.read_text(encoding="utf-8")
    assert "## 1.0.0 — breaking changes" in changelog
    assert with_upgrade_list(changelog) == changelog, "run `frontdesk docs` to regenerate it"


def test_the_baseline_is_the_version_the_server_answers() -> None:
    major, minor, _patch = API_VERSION.split(".")
    assert BASELINE.name == f"frontdesk-{major}.{minor}.graphql"
    assert "apiVersion: String!" in BASELINE.read_text(encoding="utf-8")


async def test_query_api_version(client: Client) -> None:
    assert await client.data("{ apiVersion }") == {"apiVersion": "1.0.0"}
