"""The schema's version (issue 17): ``Query.apiVersion``.

Semantic versioning of the GraphQL API, not of the package: a major version may remove or
change what clients use (announced in CHANGELOG.md, checked by tests/test_schema_compat.py
against the committed baseline ``schema/frontdesk-<major>.<minor>.graphql``); a minor version
only adds.
"""

from __future__ import annotations

import strawberry

#: The version of the schema this server answers with.
API_VERSION = "1.0.0"


@strawberry.type
class VersionQuery:
    @strawberry.field(
        description="The schema's semantic version (1.0.0): a client generated from the SDL of "
        "the same major version keeps working; breaking changes are listed in CHANGELOG.md."
    )
    def api_version(self) -> str:
        return API_VERSION
