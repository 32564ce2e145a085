"""Fitness club (会所/健身会籍): whose sale a membership card is (对单), and consultants' fines.

Rules FC-1 … FC-23 of ../shared/DOMAIN.md (seed 000 篇八) live in
:mod:`plugins.fitnessclub.rules` (pure); numbers are policy data in
:mod:`plugins.fitnessclub.policy`; ``hooks.py`` is the ``@hookimpl`` glue, ``service.py`` the
resolvers, ``models.py`` the ``fc_`` tables, ``demo.py`` the demo club.
"""

CODE = "fitnessclub"
NAME = "Fitness club"
VERSION = "0.1.0"
DEFAULT_SETTINGS: dict[str, object] = {}
