"""The per-request context: typed, created once per request (or WebSocket connection)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from core.auth import Actor, Permission, permissions_of
from core.hosting import CURRENT_POLICY, DEFAULT_HOSTING_POLICY

if TYPE_CHECKING:
    from core.runtime import Frontdesk


@dataclass
class Context:
    app: Frontdesk
    request: Any = None
    response: Any = None
    # Results of plugin fields' batch loads for this request: {(field key, root id): value}.
    prefetched: dict[tuple[str, Any], Any] = field(default_factory=dict)
    # A fixed clock for tests; None means "the real time at the call".
    fixed_now: datetime | None = None
    # Who is calling (C-13); None when no token was sent.
    actor: Actor | None = None
    # graphql-transport-ws connection_init payload (strawberry fills it in).
    connection_params: dict[str, Any] | None = None
    # A token that was sent but is unknown or revoked: every operation answers with it.
    auth_error: Exception | None = None
    # The client's address (behind Settings.trusted_proxies, the one they forward): audited.
    client_address: str | None = None
    # A change recorded for another staff member than the token's own (act_for): audited.
    on_behalf_of: int | None = None
    # The root mutation fields run in this request, in order (core.runtime.MutationFrame).
    mutation_frames: list[Any] = field(default_factory=list)
    # The client's Idempotency-Key header (a retried mutation returns the first answer).
    idempotency_key: str | None = None
    idempotency: Any = None  # core.runtime.Idempotency once checked

    def __post_init__(self) -> None:
        # C-1: this Frontdesk's hosting policy for the resolvers of this request.
        CURRENT_POLICY.set(getattr(self.app, "hosting_policy", DEFAULT_HOSTING_POLICY))

    @property
    def db(self) -> Any:
        return self.app.db

    @property
    def host(self) -> Any:
        return self.app.host

    def can(self, permission: Permission) -> bool:
        """C-13: what the caller's role may do, with the operator's grants (settings)."""
        if self.actor is None:
            return False
        settings = getattr(self.app, "settings", None)
        return permission in permissions_of(
            self.actor.role,
            staff_sees_private_data=bool(getattr(settings, "staff_sees_private_data", False)),
        )

    def now(self) -> datetime:
        return self.fixed_now or datetime.now(UTC)
