"""Property-management front desk (物业服务中心): visitor register with night duty, major and
general complaints with their deadlines and revisits, the five-step handling record, repair
orders, monthly staff points (../shared/DOMAIN.md PM-1 … PM-9; issue 15).

Rules live in :mod:`plugins.property.rules` (pure); numbers are policy data in
:mod:`plugins.property.policy`; tables in :mod:`plugins.property.models` (prefix ``pm_``).
"""

CODE = "property"
NAME = "Property-management front desk"
VERSION = "0.1.0"
DEFAULT_SETTINGS: dict[str, object] = {}
