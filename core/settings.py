"""Runtime settings: one object, from flags, ``FRONTDESK_*`` variables and a config file."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


def data_dir() -> Path:
    """Where Frontdesk keeps its default SQLite database, the same from any directory:
    ``$FRONTDESK_DATA_DIR``, else ``$XDG_DATA_HOME/frontdesk`` (``~/.local/share/frontdesk``;
    ``%LOCALAPPDATA%\\frontdesk`` on Windows)."""
    explicit = os.environ.get("FRONTDESK_DATA_DIR")
    if explicit:
        return Path(explicit).expanduser()
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "frontdesk"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "frontdesk"


def default_database_url() -> str:
    """The SQLite file in :func:`data_dir` (used when no database URL is configured)."""
    return f"sqlite+aiosqlite:///{data_dir() / 'frontdesk.sqlite3'}"


def database_url_from_env() -> str:
    """``FRONTDESK_DATABASE_URL``, else :func:`default_database_url`."""
    return os.environ.get("FRONTDESK_DATABASE_URL") or default_database_url()


# Kept for callers that imported the old constant; resolved when this module is imported.
DEFAULT_DATABASE_URL = default_database_url()


SECRET_FIELDS = frozenset({"database_url", "redis_url"})


def config_file() -> Path | None:
    """The optional TOML config file: ``$FRONTDESK_CONFIG``, else ``frontdesk.toml`` in
    :func:`data_dir` when it exists."""
    explicit = os.environ.get("FRONTDESK_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    candidate = data_dir() / "frontdesk.toml"
    return candidate if candidate.exists() else None


class Settings(BaseSettings):
    """Every runtime setting of Frontdesk, in one place.

    Each field is read, highest priority first, from: the arguments given in code (the CLI's
    flags), the environment variable ``FRONTDESK_<FIELD>`` (e.g. ``FRONTDESK_MAX_DEPTH``), the
    TOML config file (:func:`config_file`, keys are the field names), then the default.
    ``frontdesk config show`` prints the effective values with secrets hidden, and
    ``docs/configuration.md`` is generated from these fields (a test keeps it current).
    """

    model_config = SettingsConfigDict(
        env_prefix="FRONTDESK_",
        env_ignore_empty=True,
        frozen=True,
        extra="ignore",
        validate_default=True,
    )

    database_url: str = Field(
        default_factory=default_database_url,
        description=(
            "SQLAlchemy URL of the database: `postgresql://user@host/db` in production; "
            "default the SQLite file `frontdesk.sqlite3` in the data directory "
            "(`FRONTDESK_DATA_DIR`, else `~/.local/share/frontdesk`)."
        ),
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis URL carrying events between several server processes; unset: "
        "in-process only (one server).",
    )
    host: str = Field(default="127.0.0.1", description="Address `frontdesk serve` binds.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `frontdesk serve` binds.")
    auth: Literal["required", "off"] = Field(
        default="required",
        description="`required`: every operation needs an API token (C-13). `off` only for "
        "local experiments, never in production.",
    )
    max_depth: int = Field(default=10, ge=1, description="Deepest selection a query may nest.")
    max_introspection_depth: int = Field(
        default=15,
        ge=1,
        description="Deepest `__schema` / `__type` selection (introspection has its own bound: "
        "the standard introspection query nests 12-14 levels).",
    )
    max_aliases: int = Field(default=30, ge=1, description="Most aliases in one operation.")
    max_tokens: int = Field(default=2000, ge=1, description="Most lexical tokens in a document.")
    max_page_size: int = Field(default=100, ge=1, description="Largest `first` of a page.")
    # Bounded before parsed (issue 9): a body larger than ``max_body_bytes`` is refused while it
    # is read (413); a document longer than ``max_query_bytes`` (comments and whitespace
    # count) before the parser sees it; JSON nested deeper than ``max_json_depth`` is a 400.
    max_body_bytes: int = Field(
        default=256 * 1024, ge=1, description="Largest request body (bytes), else 413."
    )
    max_query_bytes: int = Field(
        default=64 * 1024, ge=1, description="Longest GraphQL document (bytes), before parsing."
    )
    max_json_depth: int = Field(default=32, ge=2, description="Deepest JSON nesting, else 400.")
    parse_cache_bytes: int = Field(
        default=1024 * 1024,
        ge=0,
        description="Memory for parsed, validated documents (bytes); only valid ones are kept.",
    )
    production: bool = Field(
        default=False,
        description="Production mode: no GraphiQL, introspection only for "
        "`introspection_roles`, no field suggestions, a token required for everything.",
    )
    introspection_roles: Annotated[frozenset[str], NoDecode] = Field(
        default=frozenset({"admin"}),
        description="Roles that may introspect in production mode (comma-separated).",
    )
    legacy_websocket_protocol: bool = Field(
        default=False,
        description="Also accept the legacy `graphql-ws` WebSocket subprotocol.",
    )
    rate_limit: bool | None = Field(
        default=None,
        description="Rate limiting per token and client address; unset: on in production mode.",
    )
    rate_limit_window_seconds: float = Field(
        default=60.0, gt=0, description="The sliding window of the rate limits (seconds)."
    )
    rate_limit_per_address: int = Field(
        default=600, ge=1, description="Requests per window from one client address."
    )
    rate_limit_per_token: int = Field(
        default=600, ge=1, description="Requests per window with one API token."
    )
    rate_limit_failed_auth: int = Field(
        default=10, ge=1, description="Failed authentications per window from one address."
    )
    rate_limit_subscriptions: int = Field(
        default=60,
        ge=1,
        description="Subscription starts per window over one WebSocket's token and address "
        "(graphql-transport-ws `subscribe`), else the socket closes with 4429.",
    )
    trusted_proxies: Annotated[frozenset[str], NoDecode] = Field(
        default=frozenset(),
        description="Reverse proxies whose forwarding header names the client "
        "(comma-separated CIDRs, e.g. `10.0.0.0/8`); the rate limits and the audit log use "
        "that address.  Empty: the header is ignored, the peer address is the client.",
    )
    forwarded_header: Literal["x-forwarded-for", "forwarded"] = Field(
        default="x-forwarded-for",
        description="The header the trusted proxies set: `x-forwarded-for` or `forwarded` "
        "(RFC 7239).  Only that one is read.",
    )
    trusted_documents: str | None = Field(
        default=None,
        description="A JSON file of registered documents (hash -> document); when set, only "
        "those run, by hash.",
    )
    trusted_documents_exempt_roles: Annotated[frozenset[str], NoDecode] = Field(
        default=frozenset({"admin"}),
        description="Roles that may send any document in trusted-documents mode (comma-separated).",
    )
    webhook_allow: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description="Private networks or hosts webhooks may reach (comma-separated CIDRs or "
        "names), for receivers on a company network.",
    )
    plugin_state_poll_seconds: float = Field(
        default=2.0,
        gt=0,
        description="How often a server re-reads which business lines are enabled, behind "
        "the event bus notification (seconds).",
    )
    overdue_sweep_seconds: float = Field(
        default=60.0, gt=0, description="How often a server checks complaint deadlines (C-8)."
    )
    webhook_backoff_base: float = Field(
        default=1.0, gt=0, description="First retry delay of a failing webhook (seconds)."
    )
    webhook_backoff_cap: float = Field(
        default=600.0, gt=0, description="Longest delay between webhook retries (seconds)."
    )
    webhook_timeout: float = Field(
        default=10.0, gt=0, description="Timeout of one webhook request (seconds)."
    )
    webhook_poll_seconds: float = Field(
        default=5.0, gt=0, description="How often the dispatcher looks for due deliveries."
    )
    webhook_lease_seconds: float = Field(
        default=10.0,
        gt=0,
        description="How long an endpoint's sending lease lasts without renewal (a sender "
        "renews it every third of that): how soon another process takes over from a dead one.",
    )
    accel: bool = Field(
        default=True,
        description="The speed layer (core/graphql/accel/): `false` (`FRONTDESK_ACCEL=0`) "
        "serves every request with stock strawberry / graphql-core.",
    )
    accel_strict: bool = Field(
        default=False,
        description="An exception inside the speed layer raises (the test suite sets "
        "`FRONTDESK_ACCEL_STRICT=1`) instead of being logged while stock execution serves "
        "the request.",
    )
    hosting_budgets: dict[str, str] = Field(
        default_factory=dict,
        description="C-1: hosting budget per person in CNY by customer class, overriding "
        'the defaults (A 500, B 300, C 200, D 150), e.g. `{"B": "320"}` '
        "(`FRONTDESK_HOSTING_BUDGETS` is JSON).",
    )
    hosting_receivers: dict[str, str] = Field(
        default_factory=dict,
        description="C-1: who receives each customer class, overriding the defaults (A "
        "senior_management, B department_director, C department_manager, D supervisor), "
        'e.g. `{"D": "department_manager"}`.',
    )
    staff_sees_private_data: bool = Field(
        default=False,
        description="C-13: let the `staff` role see phone numbers and other private data "
        "unmasked (by default only roles that need them do: admin, clerk).",
    )
    extra: dict[str, str] = Field(
        default_factory=dict,
        description="Free-form overrides for tests and experiments (not read from the "
        "environment).",
        exclude=True,
    )

    @property
    def auth_required(self) -> bool:
        return self.auth != "off"

    @property
    def rate_limited(self) -> bool:
        """Whether requests are rate limited (explicit setting, else production mode)."""
        return self.production if self.rate_limit is None else self.rate_limit

    @field_validator(
        "introspection_roles",
        "trusted_documents_exempt_roles",
        "webhook_allow",
        "trusted_proxies",
        mode="before",
    )
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: frozenset[str]) -> frozenset[str]:
        from core.forwarded import parse_networks

        parse_networks(value)  # a malformed CIDR is a start-up error naming it
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = config_file()
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """The settings with ``overrides`` (``None`` meaning "not given") on top."""
        return cls(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` (validated)."""
        return type(self).model_validate({**self.model_dump(), "extra": self.extra, **changes})

    def shown(self) -> dict[str, Any]:
        """The effective settings, passwords in URLs hidden (``frontdesk config show``)."""
        from sqlalchemy.engine import make_url

        out: dict[str, Any] = {}
        for name, value in self.model_dump().items():
            if name in SECRET_FIELDS and isinstance(value, str):
                try:
                    value = make_url(value).render_as_string(hide_password=True)
                except Exception:  # noqa: BLE001 - not a URL SQLAlchemy knows: hide it whole
                    value = "***"
            if isinstance(value, frozenset | set | tuple):
                value = sorted(value)  # JSON-friendly, stable
            out[name] = value
        return out


def reference_markdown() -> str:
    """docs/configuration.md: every setting with its variable, default and meaning."""
    lines = [
        "# Configuration reference",
        "",
        "<!-- Generated from core/settings.py by `frontdesk docs`; "
        "a test fails when it is stale. -->",
        "",
        "Every setting is read, highest priority first, from a command's flags, the environment "
        "variable `FRONTDESK_<NAME>`, the TOML config file (`$FRONTDESK_CONFIG`, else "
        "`frontdesk.toml` in the data directory; keys are the names below), then the default. "
        "`frontdesk config show` prints the effective values, passwords hidden. The data "
        "directory is `$FRONTDESK_DATA_DIR`, else `$XDG_DATA_HOME/frontdesk` "
        "(`~/.local/share/frontdesk`).",
        "",
        "| name | environment variable | default | meaning |",
        "|---|---|---|---|",
    ]
    for name, info in Settings.model_fields.items():
        if name == "extra":
            continue
        if info.default_factory is not None:
            default = "see meaning"
        elif info.default is None:
            default = "unset"
        else:
            default = f"`{info.default}`"
        meaning = (info.description or "").replace("|", "\\|")
        lines.append(f"| `{name}` | `FRONTDESK_{name.upper()}` | {default} | {meaning} |")
    return "\n".join(lines) + "\n"
