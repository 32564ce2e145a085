"""The part of the public plugin API a line's pure ``rules.py`` / ``policy.py`` needs.

Importing only this keeps rules free of the web and ORM layers: a decision's
:class:`Reason` and the entries of a penalty table (:class:`PenaltyRuleSpec`).
"""

from __future__ import annotations

from core.decisions import Reason
from core.penalties import PenaltyRuleSpec, check_amount

__all__ = ["PenaltyRuleSpec", "Reason", "check_amount"]
