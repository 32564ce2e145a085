"""KTV venue (KTV/歌厅): business day past midnight, pre-shift meeting roll call, bookings that
credit the booker, leave and absenteeism, exit passes, its penalty table (seed 000 篇七).

Rules KTV-1 … KTV-11 of ../shared/DOMAIN.md live in :mod:`plugins.ktv.rules` (pure); numbers
are policy data in :mod:`plugins.ktv.policy`.
"""

CODE = "ktv"
NAME = "KTV venue"
VERSION = "0.1.0"
DEFAULT_SETTINGS: dict[str, object] = {}
