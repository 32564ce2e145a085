"""Frontdesk core: customers, visits, staff, complaints, penalties, and the plugin host."""

__version__ = "0.1.0"
