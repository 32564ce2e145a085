"""Real-estate sales office (售楼处): walk-in rotation, make-up turns, deal credit.

Rules RE-1 … RE-15 of ../shared/DOMAIN.md live in :mod:`plugins.realestate.rules` (pure);
numbers are policy data in :mod:`plugins.realestate.policy`.
"""

CODE = "realestate"
NAME = "Real-estate sales office"
VERSION = "0.1.0"
DEFAULT_SETTINGS: dict[str, object] = {}
