"""The GraphiQL page needs nothing from outside the server (issue 10); the browser test
(tests/test_graphiql_browser.py, ``pytest -m browser``) renders it in Chromium."""

from __future__ import annotations

import re

import httpx

from core.app import create_app
from core.graphiql import ASSETS_PATH, SCRIPTS, STYLES, assets_dir
from core.runtime import Frontdesk


async def test_the_page_is_frontdesk_s_and_every_asset_is_served_by_it(fd: Frontdesk) -> None:
    transport = httpx.ASGITransport(app=create_app(fd))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        page = await client.get("/graphql", headers={"accept": "text/html"})
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "<title>Frontdesk</title>" in page.text
        assert "Strawberry" not in page.text
        linked = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert [u for u in linked if u.startswith(ASSETS_PATH)] == [
            f"{ASSETS_PATH}/{name}" for name in (*STYLES, *SCRIPTS)
        ]
        # Nothing from another host: no CDN, no font service.
        assert not [u for u in linked if "//" in u], linked
        for name in (*STYLES, *SCRIPTS):
            asset = await client.get(f"{ASSETS_PATH}/{name}")
            assert asset.status_code == 200, name
            assert asset.content == (assets_dir() / name).read_bytes()
            kind = "text/css" if name.endswith(".css") else "javascript"
            assert kind in asset.headers["content-type"], (name, asset.headers)
        # The header to fill in is documented in the page itself.
        assert "Authorization" in page.text and "#token=" not in page.text.split("<body>")[0]
