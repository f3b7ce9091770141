"""The page at `/` when the agent workspace is not built: where things are."""

from __future__ import annotations

from html import escape

PAGE = """<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>Frontdesk</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}}
code{{background:#f3f4f6;padding:0 .3em}}</style></head><body>
<h1>Frontdesk</h1>
<p>The desk is running. / Сервис работает.</p>
<ul>
<li><a href="/app/">Agent workspace</a> / рабочее место оператора</li>
<li><a href="/api/docs">API documentation</a> / документация API</li>
<li><a href="/api/v1/openapi.json">OpenAPI</a></li>
<li><a href="/healthz">Health</a> · <a href="/metrics">Metrics</a></li>
</ul>
<p>Version {version}. Log in through <code>POST /api/v1/auth/login</code> or use an API token
(<code>frontdesk token create --email …</code>).</p>
</body></html>"""


def landing_page(version: str) -> str:
    return PAGE.format(version=escape(version))
