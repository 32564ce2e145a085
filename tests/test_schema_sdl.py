"""The public GraphQL schema is a product: the committed SDL is what the code serves with
every built-in line enabled (issue 7: third-party lines never reach it)."""

from __future__ import annotations

import difflib

from graphql import build_schema

from core.plugins import PluginHost, create_plugin_manager
from schema.build import SDL_PATH, export_sdl


def test_committed_sdl_matches_the_code() -> None:
    exported = export_sdl()
    committed = SDL_PATH.read_text(encoding="utf-8")
    if exported != committed:
        diff = "".join(
            difflib.unified_diff(
                committed.splitlines(keepends=True),
                exported.splitlines(keepends=True),
                "schema/frontdesk.graphql (committed)",
                "export_sdl (code)",
                n=1,
            )
        )
        raise AssertionError(
            "schema/frontdesk.graphql is out of date: run `frontdesk schema export`, review "
            f"the diff and commit it (note breaking changes in the changelog).\n{diff}"
        )


def test_export_covers_every_builtin_line_whatever_is_enabled() -> None:
    host = PluginHost(create_plugin_manager())
    assert host.enabled == frozenset()
    sdl = export_sdl()
    assert host.enabled == frozenset()  # exporting does not switch anything on
    # The real-estate line's root field, spliced type field and input field are all there.
    assert str(build_schema(sdl).query_type.fields["rotation"].args["siteId"].type) == "ID!"
    assert "realestate: RealEstateReception" in sdl
    assert "realestate: RealEstateVisitFactsInput" in sdl
    host.set_enabled(host.installed)
    assert export_sdl() == sdl
