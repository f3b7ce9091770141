"""The chat's preview: `/widget/preview/<public id>`, a stand-in for a shop's page that embeds
the inbox's real snippet, so that an admin, or somebody trying `frontdesk demo`, can use the
chat without a website of their own. The widget's origin check always lets the desk's own
origin in (api.py), so the preview works for an inbox limited to its shop's domain too.

Rendered by the server, in English or Russian after the browser's languages; everything shown
is escaped, and the only script that runs is the widget's."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import jinja2
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from frontdesk.channels.webchat import rules, service
from frontdesk.channels.webchat.runtime import Widget
from frontdesk.core.context import Ctx
from frontdesk.core.errors import Problem

router = APIRouter(include_in_schema=False)

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Chat preview",
        "heading": "Preview of the website chat “{title}”",
        "about": "This page stands in for your website. The chat in the corner is the real "
        "one: it looks and works as it will on your site, and what you write in it reaches "
        "the inbox like any visitor's message.",
        "identity": "This chat is only for visitors your site identifies (identity "
        "verification is required), so it does not open on this page.",
        "code": "The code on this page, to paste before </body> on your site:",
        "shop": "Your shop",
        "nav": "Catalog · Delivery · Returns · Contacts",
        "products": "Popular this week",
        "product_1": "Running shoes",
        "product_2": "Rain jacket",
        "product_3": "City backpack",
        "price_1": "$89",
        "price_2": "$120",
        "price_3": "$45",
        "footer": "A preview page of Frontdesk; not a real shop.",
        "not_found": "No website chat here",
        "not_found_body": "There is no website chat at this address. Its address is in the "
        "inbox's settings (Settings → Inboxes).",
        "too_many": "Too many requests",
        "too_many_body": "Please wait a minute and load the page again.",
        "error": "Something went wrong",
        "error_body": "The preview cannot be shown now. Please try again later.",
    },
    "ru": {
        "title": "Предпросмотр чата",
        "heading": "Предпросмотр чата на сайте «{title}»",
        "about": "Эта страница заменяет ваш сайт. Чат в углу — настоящий: он выглядит и "
        "работает так же, как на вашем сайте, а то, что вы в нём напишете, получат "
        "операторы, как сообщение любого посетителя.",
        "identity": "Этот чат только для посетителей, которых опознал ваш сайт (нужна "
        "проверка личности), поэтому на этой странице он не открывается.",
        "code": "Код на этой странице — вставьте его перед </body> на вашем сайте:",
        "shop": "Ваш магазин",
        "nav": "Каталог · Доставка · Возврат · Контакты",
        "products": "Популярное на этой неделе",
        "product_1": "Беговые кроссовки",
        "product_2": "Дождевик",
        "product_3": "Городской рюкзак",
        "price_1": "7 990 ₽",
        "price_2": "10 500 ₽",
        "price_3": "3 900 ₽",
        "footer": "Страница предпросмотра Frontdesk, а не настоящий магазин.",
        "not_found": "Здесь нет чата",
        "not_found_body": "По этому адресу нет чата для сайта. Его адрес есть в настройках "
        "канала (Настройки → Каналы).",
        "too_many": "Слишком много запросов",
        "too_many_body": "Подождите минуту и откройте страницу снова.",
        "error": "Что-то пошло не так",
        "error_body": "Предпросмотр сейчас не показать. Попробуйте позже.",
    },
}

# The widget's styles live in a <style> of its shadow root: inline styles must be allowed
# (scripts never are). It talks to the desk over fetch and a websocket, and shows the
# visitor's images from blob: URLs.
_STYLE = """
body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#1f2937;background:#f9fafb}
.preview{background:#111827;color:#f9fafb;padding:16px 24px}
.preview h1{margin:0 0 4px;font-size:1.25rem}
.preview p{margin:4px 0;max-width:60rem}
.preview pre{margin:8px 0 0;padding:8px;background:#1f2937;border-radius:6px;
white-space:pre-wrap;word-break:break-all;font-size:.85rem}
.note{color:#fcd34d}
.shop{max-width:60rem;margin:0 auto;padding:24px}
.shop header{display:flex;justify-content:space-between;flex-wrap:wrap;gap:8px;
border-bottom:1px solid #e5e7eb;padding-bottom:12px}
.shop .name{font-weight:700;font-size:1.4rem}
.shop nav{color:#6b7280}
.cards{list-style:none;padding:0;display:grid;
grid-template-columns:repeat(auto-fill,minmax(12rem,1fr));gap:16px}
.cards li{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:16px}
.cards .picture{height:8rem;border-radius:6px;background:#e5e7eb;margin-bottom:8px}
.cards .price{font-weight:700}
footer{color:#6b7280;font-size:.85rem;padding:24px;text-align:center}
"""

_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
_PAGE = _ENV.from_string(
    """<!doctype html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<link rel="icon" href="data:,">
<title>{{ page_title }}</title>
<style>{{ style }}</style>
</head>
<body>
{% if chat %}
<section class="preview" aria-labelledby="preview-heading">
<h1 id="preview-heading">{{ t.heading.format(title=chat.title) }}</h1>
<p>{{ t.about }}</p>
{% if chat.require_identity %}<p class="note">{{ t.identity }}</p>{% endif %}
<p>{{ t.code }}</p>
<pre><code>{{ snippet }}</code></pre>
</section>
<div class="shop">
<header><span class="name">{{ t.shop }}</span><nav>{{ t.nav }}</nav></header>
<h2>{{ t.products }}</h2>
<ul class="cards">
{% for n in ("1", "2", "3") %}
<li><div class="picture"></div><div>{{ t["product_" ~ n] }}</div>
<div class="price">{{ t["price_" ~ n] }}</div></li>
{% endfor %}
</ul>
</div>
<footer>{{ t.footer }}</footer>
<script async src="{{ script_url }}" data-inbox="{{ chat.public_id }}"></script>
{% else %}
<section class="preview">
<h1>{{ t[error] }}</h1>
<p>{{ t[error ~ "_body"] }}</p>
</section>
{% endif %}
</body>
</html>
"""
)


def headers(base_url: str, language: str) -> dict[str, str]:
    """Like the portal's: nothing but the widget runs, the page is never framed, not cached."""
    parts = urlsplit(base_url)
    desk = f"{parts.scheme}://{parts.netloc}"
    socket = f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}"
    return {
        "Content-Security-Policy": f"default-src 'none'; script-src {desk}; "
        f"connect-src {desk} {socket}; img-src {desk} blob: data:; "
        "style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'; "
        "base-uri 'none'",
        # The widget's GET requests to its own origin carry no Origin header: their Referer
        # (never sent to other sites) says where they come from.
        "Referrer-Policy": "same-origin",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "X-Robots-Tag": "noindex",
        "Cache-Control": "no-store",
        "Content-Language": language,
        "Vary": "Accept-Language",
    }


def render(
    *,
    base_url: str,
    language: str,
    chat: service.WidgetPreview | None,
    status: int = 200,
    extra_headers: dict[str, str] | None = None,
) -> HTMLResponse:
    texts = TEXTS[language]
    error = {404: "not_found", 429: "too_many"}.get(status, "error")
    values: dict[str, Any] = {
        "lang": language,
        "t": texts,
        "style": Markup(_STYLE),  # a constant of ours
        "chat": chat,
        "error": error,
        "page_title": f"{texts['title']} · {chat.title}" if chat else texts[error],
        "snippet": rules.snippet(base_url, chat.public_id) if chat else "",
        "script_url": rules.script_url(base_url),
    }
    return HTMLResponse(
        _PAGE.render(**values),
        status_code=status,
        headers={**headers(base_url, language), **(extra_headers or {})},
    )


@router.get("/widget/preview/{public_id}", response_class=HTMLResponse)
async def preview_page(public_id: str, request: Request, ctx: Ctx) -> HTMLResponse:
    """The preview page of a webchat inbox; a page saying so (404) for any other id."""
    base_url = ctx.settings.base_url
    language = rules.preview_language(request.headers.get("accept-language"))
    widget: Widget = request.app.state.widget
    try:
        await widget.limit("request:ip", request.client.host if request.client else "unknown")
        chat = await ctx.db.read(lambda s: service.preview(s, public_id=public_id))
    except Problem as exc:
        return render(
            base_url=base_url,
            language=language,
            chat=None,
            status=exc.status,
            extra_headers=exc.headers,
        )
    return render(base_url=base_url, language=language, chat=chat)
