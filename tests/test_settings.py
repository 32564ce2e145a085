"""One settings object (issue 10): flags > FRONTDESK_* variables > config file > defaults;
``frontdesk config show`` hides secrets; docs/configuration.md is generated and current."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from core.cli import app, cli_reference_markdown
from core.settings import Settings, reference_markdown

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("FRONTDESK_DATABASE_URL", "FRONTDESK_REDIS_URL", "FRONTDESK_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FRONTDESK_DATA_DIR", str(tmp_path))
    return tmp_path


def test_defaults_file_environment_and_flags_in_that_order(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert Settings().max_depth == 10
    assert Settings().database_url == f"sqlite+aiosqlite:///{env / 'frontdesk.sqlite3'}"
    (env / "frontdesk.toml").write_text("max_depth = 5\nmax_aliases = 12\nauth = 'off'\n")
    from_file = Settings()
    assert (from_file.max_depth, from_file.max_aliases, from_file.auth_required) == (5, 12, False)
    monkeypatch.setenv("FRONTDESK_MAX_DEPTH", "7")
    assert (Settings().max_depth, Settings().max_aliases) == (7, 12)
    assert Settings.from_env(max_depth=3, redis_url=None).max_depth == 3
    other = env / "elsewhere.toml"
    other.write_text("max_page_size = 50\n")
    monkeypatch.setenv("FRONTDESK_CONFIG", str(other))
    assert (Settings().max_page_size, Settings().max_aliases) == (50, 30)


def test_bad_values_are_refused_naming_the_setting(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRONTDESK_MAX_DEPTH", "0")
    with pytest.raises(ValidationError, match="max_depth"):
        Settings()
    result = CliRunner().invoke(app, ["config", "show"])
    assert result.exit_code == 2
    assert result.output.strip().startswith("invalid setting (max_depth:"), result.output


def test_config_show_prints_effective_values_with_passwords_hidden(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRONTDESK_DATABASE_URL", "postgresql://fd:s3cr3t-pw@db.internal/fd")
    monkeypatch.setenv("FRONTDESK_REDIS_URL", "redis://:r3d1s-pw@cache:6379/0")
    monkeypatch.setenv("FRONTDESK_WEBHOOK_TIMEOUT", "3")
    result = CliRunner().invoke(app, ["config", "show", "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["database_url"] == "postgresql://fd:***@db.internal/fd"
    assert shown["redis_url"] == "redis://:***@cache:6379/0"
    assert shown["webhook_timeout"] == 3.0
    text = CliRunner().invoke(app, ["config", "show"]).output
    assert "s3cr3t" not in text and "r3d1s" not in text
    assert "max_depth = 10" in text and f"# data directory: {env}" in text


def test_webhook_settings_reach_the_dispatcher(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from core.webhooks import WebhookConfig

    monkeypatch.setenv("FRONTDESK_WEBHOOK_BACKOFF_BASE", "0.5")
    assert WebhookConfig.from_settings(Settings()).backoff_base == 0.5
    tests_override = Settings(extra={"webhook_backoff_base": "0.05"})
    assert WebhookConfig.from_settings(tests_override).backoff_base == 0.05


def test_the_configuration_reference_is_current() -> None:
    committed = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert committed == reference_markdown(), (
        "docs/configuration.md is stale: run `frontdesk docs` and commit it"
    )
    for name, field in Settings.model_fields.items():
        assert field.description, f"setting {name} has no description"


def test_the_cli_reference_is_current_and_lists_every_command() -> None:
    generated = cli_reference_markdown()
    committed = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert committed == generated, "docs/cli.md is stale: run `frontdesk docs` and commit it"
    for command in ("db upgrade", "tokens list", "config show", "plugins configure", "serve"):
        assert f"## `frontdesk {command}`" in generated
