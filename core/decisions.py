"""Decisions made by rules, always with their reason.

Every rule in ``../shared/DOMAIN.md`` that decides something returns a :class:`Reason`
naming the rule id (``RE-5``) and a sentence a manager can read.  Front-end teams show the
reason; tests assert on it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a rule decided what it did: the DOMAIN.md rule id and a readable sentence."""

    rule: str
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message}"
