"""GraphiQL served by Frontdesk itself, with no request leaving the machine.

The browser assets (React, GraphiQL, graphql-ws, a fetch polyfill) come from an installed
package, ``graphene-django-graphiql-static`` (pinned in pyproject.toml; it ships the built
files and needs no Django to be served), mounted under :data:`ASSETS_PATH`.  The page is
titled Frontdesk and carries the API token (C-13) in the ``Authorization`` header:

* ``/graphql#token=fd_…`` (what ``frontdesk demo`` prints) fills it in and drops the token
  from the address bar; the fragment never reaches the server or its logs;
* otherwise the *Headers* tab starts with ``{"Authorization": "Bearer fd_…"}`` to complete.

Subscriptions run over graphql-transport-ws on the same ``/graphql`` URL, authenticated in
``connection_init`` with the header from the *Headers* tab.
"""

from __future__ import annotations

import html
import json
from importlib.resources import files
from pathlib import Path

ASSETS_PACKAGE = "graphene_django_graphiql_static"
ASSETS_PATH = "/graphiql/assets"
TOKEN_PLACEHOLDER = "Bearer fd_… (the token `frontdesk demo` or `frontdesk tokens create` printed)"
SCRIPTS = (
    "fetch.umd.js",
    "react.production.min.js",
    "react-dom.production.min.js",
    "graphiql.min.js",
    "graphql-ws.min.js",
)
STYLES = ("graphiql.min.css",)
DEFAULT_QUERY = """# Welcome to Frontdesk.  Every request needs an API token (C-13): check the
# Authorization header in the Headers tab below, then press the run button.
{
  plugins { code enabled }
}
"""


def assets_dir() -> Path:
    """The installed package's folder of built browser assets."""
    return Path(str(files(ASSETS_PACKAGE) / "static" / ASSETS_PACKAGE))


def graphiql_html(title: str = "Frontdesk") -> str:
    """The GraphiQL page, every asset from :data:`ASSETS_PATH`."""
    styles = "\n".join(
        f'  <link rel="stylesheet" href="{ASSETS_PATH}/{name}" />' for name in STYLES
    )
    scripts = "\n".join(f'  <script src="{ASSETS_PATH}/{name}"></script>' for name in SCRIPTS)
    config = json.dumps(
        {
            "defaultHeaders": json.dumps({"Authorization": TOKEN_PLACEHOLDER}, indent=2),
            "defaultQuery": DEFAULT_QUERY,
        }
    ).replace("</", "<\\/")
    return PAGE.format(title=html.escape(title), styles=styles, scripts=scripts, config=config)


PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <title>{title}</title>
  <meta name="robots" content="noindex" />
  <link rel="icon" href="data:," />
  <style>html, body, #graphiql {{ height: 100%; margin: 0; overflow: hidden; width: 100%; }}</style>
{styles}
{scripts}
</head>
<body>
  <div id="graphiql">Loading Frontdesk GraphiQL…</div>
  <script>
  (function () {{
    var config = {config};
    var httpUrl = window.location.origin + window.location.pathname;
    var wsUrl = httpUrl.replace(/^http/, "ws");
    // /graphql#token=fd_… fills in the header; the token leaves the address bar at once.
    var match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
    var headers;
    if (match) {{
      var token = decodeURIComponent(match[1]);
      headers = JSON.stringify({{Authorization: "Bearer " + token.replace(/^Bearer /, "")}},
                               null, 2);
      history.replaceState(null, "", window.location.pathname + window.location.search);
    }}
    var http = GraphiQL.createFetcher({{url: httpUrl}});
    function isSubscription(params) {{
      var text = (params.query || "").replace(/#[^\\n]*/g, "");
      var name = params.operationName;
      var re = name ? new RegExp("subscription\\\\s+" + name + "\\\\b") : /^\\s*subscription\\b/;
      return re.test(text);
    }}
    function fetcher(params, options) {{
      if (!isSubscription(params)) return http(params, options);
      var sent = (options && options.headers) || {{}};
      var authorization = sent.Authorization || sent.authorization;
      return {{
        subscribe: function (sink) {{
          var client = graphqlWs.createClient({{
            url: wsUrl, lazy: true, retryAttempts: 0,
            connectionParams: {{authorization: authorization}}
          }});
          var dispose = client.subscribe(params, {{
            next: function (v) {{ sink.next(v); }},
            error: function (e) {{
              sink.error(e instanceof Error ? e : new Error(e && e.reason || String(e)));
            }},
            complete: function () {{ sink.complete(); }}
          }});
          return {{unsubscribe: function () {{ dispose(); client.dispose(); }}}};
        }}
      }};
    }}
    var props = {{
      fetcher: fetcher,
      defaultQuery: config.defaultQuery,
      defaultHeaders: config.defaultHeaders,
      headerEditorEnabled: true,
      shouldPersistHeaders: true,
      defaultEditorToolsVisibility: "headers"
    }};
    if (headers) props.headers = headers;
    ReactDOM.render(React.createElement(GraphiQL, props), document.getElementById("graphiql"));
  }})();
  </script>
</body>
</html>
"""
