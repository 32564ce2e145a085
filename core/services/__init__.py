"""Core services: the only place that writes.  Resolvers and the CLI call these.

Each service takes a session already in a transaction, validates everything before it writes,
and raises :class:`core.errors.FrontdeskError` subclasses with stable codes; the caller's
transaction then rolls back, so a failed call writes nothing.
"""
