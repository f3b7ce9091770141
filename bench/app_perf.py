"""Benchmark: the agent workspace in Chromium, on a desk of 100,000 conversations.

    python bench/app_perf.py [--database-url postgresql://postgres@127.0.0.1:5432/bench_app]

Builds (or takes from its cache) a desk with `--conversations` conversations and one of
`--big-messages` messages (bench/app_perf_data.py: bulk inserts through SQLAlchemy Core on
the project's tables), starts `frontdesk serve` on it, and drives Debian's Chromium
(/usr/bin/chromium) with Playwright for Python. Phases:

  bundle        the built app's JavaScript (src/frontdesk/static/app), raw and gzipped
  first load    cold: a new browser context (empty cache) with the session cookie, navigate
                to /app/ until the conversation list shows its first page; navigation timing
                and time-to-list, per role (agent, admin), median and p95 over --runs
  open          in each first-load run: click the 500-message conversation in the list until
                its timeline is rendered with the newest page (what the user waits for), then
                "Load older messages" until all of it is shown; as a baseline, the same click
                on a conversation of a few messages (a fresh page each)
  list          "Load more" --list-pages times (time per page, deep in the list), scrolling
                the long list (frame times), switching views and a rare filter
  api           GET /api/v1/conversations page latency: page 1 repeated, then every page
                walked by cursor to the end (page 1 vs deep); the list's filters and views
                (and /conversations/counts when the desk has it); messages of the big one

Times in the browser are taken in the page (performance.now(); a MutationObserver marks the
moment the rows are in the DOM, and a requestAnimationFrame + setTimeout after it the next
paint), from navigation start or from the click's event.timeStamp.

Prints one JSON object on stdout; progress on stderr. Needs the app built
(`cd web/app && npm run build`).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import http.client
import json
import os
import shutil
import sqlite3
import time
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import app_perf_data as data
import harness
from harness import log

GOAL_FIRST_LOAD_MS = 1500.0
GOAL_OPEN_MS = 300.0
GOAL_JS_GZIP_BYTES = 500 * 1024
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [  # as tests/e2e/conftest.py
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LIST_ROWS = '[data-testid="conversations"] tbody tr'
TIMELINE_ITEMS = '[data-testid="timeline"] > li'
LOAD_OLDER = "Load older messages"  # en.ts conversation.loadOlder

# Marks taken in the page. A watch is met when its selector matches at least `min` elements
# (or its function says so); its mark records the time (performance.now(), ms from navigation
# start), the count, the last user action (click/change event.timeStamp, same clock) and,
# one frame later, the time of the next paint.
PERF_JS = """
(() => {
  const perf = { marks: {}, watches: [], longtasks: [], lastAction: null };
  window.__fdPerf = perf;
  const action = (e) => { perf.lastAction = e.timeStamp; };
  document.addEventListener("click", action, true);
  document.addEventListener("change", action, true);
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) perf.longtasks.push([e.startTime, e.duration]);
    }).observe({ type: "longtask", buffered: true });
    // Input events slower than 16 ms: how long their handlers ran, and until the next paint.
    perf.events = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        perf.events.push([e.name, e.startTime, e.processingEnd - e.processingStart, e.duration]);
      }
    }).observe({ type: "event", durationThreshold: 16, buffered: true });
  } catch (e) {}
  function check() {
    if (perf.watches.length === 0) return;
    const now = performance.now();
    perf.watches = perf.watches.filter((w) => {
      const count = w.selector ? document.querySelectorAll(w.selector).length : 0;
      if (w.fn ? !w.fn() : count < w.min) return true;
      const mark = { dom: now, count, action: perf.lastAction, registered: w.registered };
      perf.marks[w.name] = mark;
      requestAnimationFrame(() => setTimeout(() => { mark.painted = performance.now(); }, 0));
      return false;
    });
  }
  window.__fdWatch = (name, selector, min) => {
    perf.watches.push({ name, selector, min, registered: performance.now() });
    check();
  };
  window.__fdWatchFn = (name, fn) => {
    perf.watches.push({ name, fn, selector: null, registered: performance.now() });
    check();
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true });
  window.__fdWatch("list", 'LIST_ROWS', 1);
  // When the app's websocket was created, opened, and brought its first frame ("ready").
  const Native = window.WebSocket;
  window.WebSocket = function (...args) {
    const socket = new Native(...args);
    const times = { created: performance.now() };
    perf.sockets = (perf.sockets || []).concat([times]);
    socket.addEventListener("open", () => { times.open = performance.now(); });
    socket.addEventListener("message", () => { times.first_frame ??= performance.now(); });
    return socket;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
})();
""".replace("LIST_ROWS", LIST_ROWS)

NAVIGATION_JS = """
() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const fcp = performance.getEntriesByName("first-contentful-paint")[0];
  const resources = performance.getEntriesByType("resource");
  const api = (part) => {
    const hit = resources.filter((r) => r.name.includes(part)).pop();
    return hit ? { start: hit.startTime, end: hit.responseEnd } : null;
  };
  const js = resources.filter((r) => r.name.endsWith(".js"));
  return {
    response_start: nav.responseStart,
    response_end: nav.responseEnd,
    dom_interactive: nav.domInteractive,
    dom_content_loaded: nav.domContentLoadedEventEnd,
    load_event_end: nav.loadEventEnd,
    first_contentful_paint: fcp ? fcp.startTime : null,
    socket: (window.__fdPerf.sockets || [])[0] || null,
    auth_me: api("/api/v1/auth/me"),
    conversations_request: api("/api/v1/conversations?"),
    js_files: js.length,
    js_transfer_bytes: js.reduce((sum, r) => sum + r.transferSize, 0),
    requests: resources.length,
  };
}
"""

SCROLL_JS = """
async (steps) => {
  const el = document.querySelector("main .list") || document.scrollingElement;
  el.scrollTop = 0;
  const times = [];
  await new Promise((resolve) => {
    let i = 0;
    const frame = (t) => {
      times.push(t);
      el.scrollTop += 150;
      i += 1;
      if (i < steps && el.scrollTop + el.clientHeight < el.scrollHeight) {
        requestAnimationFrame(frame);
      } else {
        resolve();
      }
    };
    requestAnimationFrame(frame);
  });
  return {
    gaps: times.slice(1).map((t, i) => t - times[i]),
    scroll_height: el.scrollHeight,
    elements: document.getElementsByTagName("*").length,
    js_heap_bytes: performance.memory ? performance.memory.usedJSHeapSize : null,
  };
}
"""


def stats(values: list[float]) -> dict[str, Any]:
    """Median and p95 (nearest rank) of a handful of runs, plus min and max."""
    out = harness.percentiles(values, points=(50, 95))
    if values:
        out["min"] = round(min(values), 1)
    return {k: (round(v, 1) if isinstance(v, float) else v) for k, v in out.items()}


# --------------------------------------------------------------------------- JavaScript size
def bundle_size(app_dir: Path) -> dict[str, Any]:
    """The built app's .js files (and .css), raw and gzipped (level 9, like Vite's report)."""
    index = app_dir / "index.html"
    if not index.is_file():
        raise SystemExit(f"{index} is missing: build the app first (cd web/app && npm run build)")
    files = []
    for path in sorted((app_dir / "assets").iterdir()):
        if path.suffix not in (".js", ".css"):
            continue
        raw = path.read_bytes()
        files.append(
            {
                "file": path.name,
                "bytes": len(raw),
                "gzip_bytes": len(gzip.compress(raw, compresslevel=9)),
            }
        )
    js = [f for f in files if f["file"].endswith(".js")]
    js_gzip = sum(f["gzip_bytes"] for f in js)
    return {
        "built_at": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(index.stat().st_mtime)),
        "js_files": len(js),
        "js_bytes": sum(f["bytes"] for f in js),
        "js_gzip_bytes": js_gzip,
        "css_gzip_bytes": sum(f["gzip_bytes"] for f in files if f["file"].endswith(".css")),
        "goal_js_gzip_bytes": GOAL_JS_GZIP_BYTES,
        "goal_met": js_gzip <= GOAL_JS_GZIP_BYTES,
        "files": files,
        "served_compressed": False,  # filled in once the server answers
    }


# --------------------------------------------------------------------------- the database
def prepare(work: harness.Workdir, plan: data.Plan, *, use_cache: bool) -> dict[str, Any]:
    """The desk in the work dir's database: a copy of the cached SQLite file when there is one
    for this plan (and these migrations), else built now (and cached, on SQLite)."""
    db_file = work.data_dir / "frontdesk.db"
    cache_db, cache_meta = data.cached(plan)
    if work.is_sqlite and use_cache and cache_db.is_file() and cache_meta.is_file():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
        started = time.perf_counter()
        shutil.copyfile(cache_db, db_file)
        log(f"database from the cache {cache_db} ({time.perf_counter() - started:.1f} s)")
        desk = data.BuiltDesk.from_json(cache_meta.read_text())
        return {"desk": desk, "from_cache": True}
    log(f"building the desk: {plan.conversations:,} conversations")
    desk = data.build(work.database_url, plan, log=log)
    log(f"built in {desk.build_seconds} s")
    if work.is_sqlite and use_cache:
        # Fold the WAL into the file, so that one file is the whole database.
        with contextlib.closing(sqlite3.connect(db_file)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cache_db.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(db_file, f"{cache_db}.tmp")
        os.replace(f"{cache_db}.tmp", cache_db)
        cache_meta.write_text(desk.to_json())
        log(f"cached as {cache_db}")
        for old in cache_db.parent.glob("app_perf-*"):
            if old.name.split(".")[0] != cache_db.name.split(".")[0]:
                old.unlink(missing_ok=True)  # built for other plans or migrations
    return {"desk": desk, "from_cache": False}


# --------------------------------------------------------------------------- HTTP
class Api:
    """One keep-alive connection to the desk, authenticated by the session cookie."""

    def __init__(self, port: int, cookies: dict[str, str]) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())

    def get(self, path: str) -> tuple[int, bytes, float, dict[str, str]]:
        started = time.perf_counter()
        self.conn.request(
            "GET",
            path,
            headers={"Cookie": self.cookie, "Accept": "application/json, */*"},
        )
        response = self.conn.getresponse()
        body = response.read()
        ms = (time.perf_counter() - started) * 1000
        return response.status, body, ms, {k.lower(): v for k, v in response.getheaders()}

    def json(self, path: str) -> tuple[Any, float]:
        status, body, ms, _ = self.get(path)
        if status != 200:
            raise SystemExit(f"GET {path} answered {status}: {body[:300]!r}")
        return json.loads(body), ms

    def close(self) -> None:
        self.conn.close()


def login(port: int, email: str, password: str) -> dict[str, str]:
    """The cookies of a session, as the login page gets them."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(
            "POST",
            "/api/v1/auth/login",
            body=json.dumps({"email": email, "password": password}),
            headers={"Content-Type": "application/json"},
        )
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"login as {email} answered {response.status}: {body[:300]!r}")
        cookies: dict[str, str] = {}
        for header in response.msg.get_all("Set-Cookie") or []:
            parsed: SimpleCookie = SimpleCookie()
            parsed.load(header)
            cookies.update({name: morsel.value for name, morsel in parsed.items()})
    finally:
        conn.close()
    return cookies


# --------------------------------------------------------------------------- API phase
DEFAULT_STATUSES = [("status", "open"), ("status", "pending")]  # the app's default filter


def list_path(params: list[tuple[str, str]]) -> str:
    return "/api/v1/conversations?" + urlencode(params)


def walk(api: Api, params: list[tuple[str, str]], max_pages: int) -> dict[str, Any]:
    """Every page of a listing by cursor, as "load more" would fetch it, page by page."""
    latencies: list[float] = []
    rows = 0
    cursor = None
    while len(latencies) < max_pages:
        page, ms = api.json(list_path(params + ([("cursor", cursor)] if cursor else [])))
        latencies.append(ms)
        rows += len(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    deep = latencies[-max(1, len(latencies) // 10) :]
    return {
        "query": urlencode(params),
        "pages": len(latencies),
        "rows": rows,
        "reached_the_end": cursor is None,
        "page_1_ms": round(latencies[0], 1),
        "pages_1_to_10_ms": stats(latencies[:10]),
        "deepest_10_percent_ms": stats(deep),
        "all_pages_ms": stats(latencies),
        "slowest_page": latencies.index(max(latencies)) + 1,
        "seconds": round(sum(latencies) / 1000, 1),
    }


def filters_for(desk: data.BuiltDesk, role: str) -> dict[str, list[tuple[str, str]]]:
    """The list's first page for each view and filter the agent app offers (and a few more)."""
    d = DEFAULT_STATUSES
    sort = [("sort", "last_activity"), ("limit", "50")]
    return {
        "default (open+pending)": d + sort,
        "mine": [("assignee_id", "me"), *d, *sort],
        "unassigned": [("assignee_id", "none"), *d, *sort],
        "status=open": [("status", "open"), *sort],
        "status=resolved": [("status", "resolved"), *sort],
        "all statuses": sort,
        "inbox": [("inbox_id", str(desk.inbox_ids[0])), *d, *sort],
        "team": [("team_id", str(desk.team_ids[0])), *d, *sort],
        "priority=urgent": [("priority", "urgent"), *d, *sort],
        "type=complaint": [("type", "complaint"), *d, *sort],
        "label": [("label", desk.labels[0]), *d, *sort],
        "resolved+urgent": [("status", "resolved"), ("priority", "urgent"), *sort],
        "sort=newest": [*d, ("sort", "newest"), ("limit", "50")],
        "sort=longest_waiting": [*d, ("sort", "longest_waiting"), ("limit", "50")],
        "search q=refund": [("q", "refund"), *d, *sort],
    }


def api_phase(
    args: argparse.Namespace, port: int, pid: int, desk: data.BuiltDesk, role: str, cookies: Any
) -> dict[str, Any]:
    api = Api(port, cookies)
    out: dict[str, Any] = {"role": role}
    busy_before = harness.wait_for_quiet(args.quiet_wait)
    cpu = harness.CpuWindow(pid)
    cpu.start()
    try:
        first = list_path([*DEFAULT_STATUSES, ("sort", "last_activity"), ("limit", "50")])
        api.get(first)  # warm the connection and the statement caches
        out["first_page_repeated_ms"] = stats(
            [api.get(first)[2] for _ in range(args.api_repeats * 2)]
        )
        log(f"  api ({role}): first page p50 {out['first_page_repeated_ms'].get('p50')} ms")
        out["walk"] = [
            walk(api, [*DEFAULT_STATUSES, ("sort", "last_activity"), ("limit", "50")], 10**6),
            walk(api, [("sort", "last_activity"), ("limit", "50")], args.walk_max_pages),
        ]
        for w in out["walk"]:
            log(
                f"  api ({role}): walked {w['pages']} pages ({w['query']}): page 1 "
                f"{w['page_1_ms']} ms, deepest 10% p50 {w['deepest_10_percent_ms'].get('p50')} ms"
            )
        figures = {}
        for name, params in filters_for(desk, role).items():
            path = list_path(params)
            page, _ = api.json(path)
            repeats = (
                max(3, args.api_repeats // 3) if name.startswith("search") else args.api_repeats
            )
            figures[name] = {
                "rows": len(page["items"]),
                "more": page["next_cursor"] is not None,
                "ms": stats([api.get(path)[2] for _ in range(repeats)]),
            }
        out["filters_first_page"] = figures
        slow = max(figures.items(), key=lambda kv: kv[1]["ms"].get("p50", 0))
        log(f"  api ({role}): slowest filter {slow[0]}: p50 {slow[1]['ms'].get('p50')} ms")
        # The views' counts follow the list's status filter (the app asks with it).
        counts: dict[str, Any] = {}
        for name, params in (
            ("open+pending", DEFAULT_STATUSES),
            ("resolved", [("status", "resolved")]),
            ("all statuses", [("status", s) for s in ("open", "pending", "snoozed", "resolved")]),
        ):
            path = "/api/v1/conversations/counts?" + urlencode(params)
            status, body, _, _ = api.get(path)
            if status != 200:
                counts = {"available": False, "status": status}
                break
            counts[name] = {
                "answer": json.loads(body),
                "ms": stats([api.get(path)[2] for _ in range(args.api_repeats)]),
            }
        out["counts"] = counts
        big = desk.big_conversation_id
        if role == "agent" or args.roles == "admin":
            newest, _ = api.json(f"/api/v1/conversations/{big}/messages")
            out["messages"] = {
                "conversation": big,
                "newest_page_rows": len(newest["items"]),
                "newest_page_ms": stats(
                    [
                        api.get(f"/api/v1/conversations/{big}/messages")[2]
                        for _ in range(args.api_repeats)
                    ]
                ),
                "all_500_in_one_page_ms": stats(
                    [
                        api.get(f"/api/v1/conversations/{big}/messages?limit=500")[2]
                        for _ in range(args.api_repeats)
                    ]
                ),
                "conversation_ms": stats(
                    [api.get(f"/api/v1/conversations/{big}")[2] for _ in range(args.api_repeats)]
                ),
            }
    finally:
        out["cpu_percent_of_one_core"] = cpu.stop() | {"machine_busy_before_start": busy_before}
        api.close()
    return out


# --------------------------------------------------------------------------- browser phase
@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def fresh_page(
    browser: Any, base: str, cookies: dict[str, str], messages_page: int | None = None
) -> Iterator[Any]:
    """A new context (empty cache and storage) holding the session cookie; the page throws
    nothing (checked at the end). With `messages_page`, the app's requests for a
    conversation's newest messages ask for that many (an experiment, without editing the
    app)."""
    context = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 900})
    context.add_cookies([{"name": k, "value": v, "url": base} for k, v in cookies.items()])
    page = context.new_page()
    if messages_page:

        def newest_page(route: Any) -> None:
            url = route.request.url
            if "before=" in url or "after=" in url or "limit=" in url:
                route.continue_()
            else:
                joiner = "&" if "?" in url else "?"
                route.continue_(url=f"{url}{joiner}limit={messages_page}")

        page.route("**/api/v1/conversations/*/messages*", newest_page)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.add_init_script(PERF_JS)
    try:
        yield page
    finally:
        context.close()
    if errors:
        raise SystemExit(f"the page threw: {errors[:3]}")


def mark(page: Any, name: str, timeout_ms: float = 30_000) -> dict[str, Any]:
    """Wait until the watch `name` is met and painted; its mark."""
    page.wait_for_function(
        "(n) => window.__fdPerf.marks[n] && window.__fdPerf.marks[n].painted !== undefined",
        arg=name,
        timeout=timeout_ms,
    )
    result: dict[str, Any] = page.evaluate("(n) => window.__fdPerf.marks[n]", name)
    return result


def since_action(m: dict[str, Any]) -> tuple[float, float]:
    """(ms to the DOM, ms to the next paint) from the user's action that started it."""
    if m.get("action") is None or m["action"] < m["registered"]:
        raise SystemExit(f"no user action after the watch was set: {m}")
    return m["dom"] - m["action"], m["painted"] - m["action"]


def first_load_breakdown(nav: dict[str, Any], listed: dict[str, Any]) -> dict[str, Any]:
    """Where the first load's time goes, in order: the page and its script, who am I, the
    websocket's "ready" (the list loads after it: events are not replayed), the first page of
    conversations, rendering it."""
    me, page = nav.get("auth_me"), nav.get("conversations_request")
    if not me or not page:
        return {}
    return {
        "html_and_script_to_dom_content_loaded": round(nav["dom_content_loaded"], 1),
        "auth_me_request": round(me["end"] - me["start"], 1),
        "websocket_ready_wait": round(page["start"] - me["end"], 1),
        **(
            {
                "websocket_created_after_auth_me": round(ws["created"] - me["end"], 1),
                "websocket_handshake": round(ws["open"] - ws["created"], 1),
                "websocket_open_to_ready": round(ws["first_frame"] - ws["open"], 1),
            }
            if (ws := nav.get("socket")) and "open" in ws and "first_frame" in ws
            else {}
        ),
        "conversations_request": round(page["end"] - page["start"], 1),
        "render_to_paint": round(listed["painted"] - page["end"], 1),
    }


REQUESTS_JS = """
(t0) => performance.getEntriesByType("resource")
  .filter((r) => r.startTime >= t0 - 1)
  .map((r) => ({
    path: r.name.replace(/^https?:[/][/][^/]+/, ""),
    start: Math.round((r.startTime - t0) * 10) / 10,
    end: Math.round((r.responseEnd - t0) * 10) / 10,
  }))
"""


def requests_since(page: Any, t0: float) -> list[dict[str, Any]]:
    """The requests the page made since `t0`, with start and end from `t0`."""
    result: list[dict[str, Any]] = page.evaluate(REQUESTS_JS, t0)
    return result


def long_tasks(page: Any, start: float, end: float) -> list[float]:
    tasks = page.evaluate("() => window.__fdPerf.longtasks")
    return [round(d, 1) for s, d in tasks if s + d >= start and s <= end]


class CpuUse:
    """CPU time (ms) the server and Chromium's processes used between start() and stop(): the
    work behind a step, which busy neighbours on the machine do not inflate the way they
    inflate its wall time."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.server0 = 0.0
        self.browser0: dict[int, float] = {}

    @staticmethod
    def _browser() -> dict[int, float]:
        """Chromium's processes (children of Playwright's driver, a child of this one)."""
        parents: dict[int, int] = {}
        names: dict[int, str] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError):
                text = (entry / "stat").read_text()
                names[int(entry.name)] = text[text.index("(") + 1 : text.rindex(")")]
                parents[int(entry.name)] = int(text.rsplit(")", 1)[1].split()[1])
        me = os.getpid()
        out = {}
        for pid, name in names.items():
            ancestor, hops = parents.get(pid, 0), 0
            while ancestor not in (0, 1, me) and hops < 10:
                ancestor, hops = parents.get(ancestor, 0), hops + 1
            if ancestor == me and "chrom" in name:
                with contextlib.suppress(OSError):
                    out[pid] = harness.process_cpu_seconds(pid)
        return out

    def start(self) -> None:
        self.browser0 = self._browser()
        self.server0 = harness.process_cpu_seconds(self.server_pid)

    def stop(self) -> dict[str, float]:
        server = harness.process_cpu_seconds(self.server_pid) - self.server0
        now = self._browser()
        browser = sum(t - self.browser0.get(pid, 0.0) for pid, t in now.items())
        return {"server": round(server * 1000, 1), "chromium": round(browser * 1000, 1)}


def first_gesture(page: Any) -> dict[str, Any]:
    """Click the list's heading (which does nothing) and report how long the page's handlers
    took: the first pointer event of a page pays one-time costs (the app creates its
    AudioContext for notification sounds then), which should not be charged to the click that
    opens a conversation. The measured open is then a later click, as most are in a shift."""
    before = page.evaluate("() => performance.now()")
    page.locator("main h2").first.click()
    page.wait_for_timeout(200)
    events = page.evaluate("(t) => window.__fdPerf.events.filter((e) => e[1] >= t - 1)", before)
    return {
        "handlers_ms": round(sum(e[2] for e in events), 1),
        "to_next_paint_ms": round(max((e[3] for e in events), default=0), 1),
        "events": [e[0] for e in events],
    }


def open_conversation(
    page: Any, conversation_id: int, cpu: CpuUse, name: str = "open"
) -> dict[str, Any]:
    """Click the conversation's row in the list; wait until its timeline shows messages."""
    gesture = first_gesture(page)
    row = page.locator(f'tr[data-conversation-id="{conversation_id}"]')
    page.evaluate("([n, s]) => window.__fdWatch(n, s, 1)", [name, TIMELINE_ITEMS])
    cpu.start()
    row.click()
    opened = mark(page, name)
    used = cpu.stop()
    dom, painted = since_action(opened)
    out: dict[str, Any] = {
        "dom_ms": round(dom, 1),
        "painted_ms": round(painted, 1),
        "messages_shown": opened["count"],
        "long_tasks_ms": long_tasks(page, opened["action"], opened["painted"]),
        "requests": requests_since(page, opened["action"]),
        "cpu_ms": used,
        "first_gesture_before": gesture,
        "_mark": opened,
    }
    own = f"/api/v1/conversations/{conversation_id}"
    answered = max(
        (r["end"] for r in out["requests"] if r["path"].split("?")[0] in (own, f"{own}/messages")),
        default=0,
    )
    # The part of the wait that is the desk answering (the conversation and its newest
    # messages, which the timeline waits for), and the part that is the page.
    out["messages_answered_ms"] = answered
    out["render_after_answer_ms"] = round(painted - answered, 1)
    return out


def first_load_and_open(
    browser: Any,
    base: str,
    cookies: dict[str, str],
    desk: data.BuiltDesk,
    open_it: bool,
    server_pid: int,
    messages_page: int | None = None,
) -> dict[str, Any]:
    """One cold first load; then (agent) open the big conversation and load all of it; then,
    for comparison, a cold first load and the opening of a conversation of a few messages."""
    run: dict[str, Any] = {}
    cpu = CpuUse(server_pid)
    with fresh_page(browser, base, cookies, messages_page) as page:
        cpu.start()
        started = time.perf_counter()
        page.goto(f"{base}/app/", wait_until="commit")
        listed = mark(page, "list")
        run["wall_ms_to_list_painted"] = round((time.perf_counter() - started) * 1000, 1)
        run["cpu_ms"] = cpu.stop()
        run["list_dom_ms"] = round(listed["dom"], 1)
        run["list_painted_ms"] = round(listed["painted"], 1)
        run["list_rows"] = listed["count"]
        run["navigation"] = {
            k: (round(v, 1) if isinstance(v, float) else v)
            for k, v in page.evaluate(NAVIGATION_JS).items()
        }
        run["long_tasks_ms"] = long_tasks(page, 0, listed["painted"])
        run["breakdown_ms"] = first_load_breakdown(run["navigation"], listed)
        if not open_it:
            return run
        run["open"] = open_conversation(page, desk.big_conversation_id, cpu)
        opened = run["open"].pop("_mark")
        # The rest of the conversation, page by page, as the reader asks for it.
        older = []
        shown = opened["count"]
        button = page.get_by_role("button", name=LOAD_OLDER)
        while shown < desk.big_messages and button.count() > 0:
            name = f"older{len(older)}"
            page.evaluate(
                "([n, s, m]) => window.__fdWatch(n, s, m)", [name, TIMELINE_ITEMS, shown + 1]
            )
            button.click()
            m = mark(page, name)
            _, painted = since_action(m)
            older.append({"painted_ms": round(painted, 1), "messages_shown": m["count"]})
            shown = m["count"]
            last = m
        run["open"]["older_pages"] = older
        run["open"]["all_messages_shown"] = shown
        if older:
            run["open"]["all_shown_ms_from_first_click"] = round(
                last["painted"] - opened["action"], 1
            )
    with fresh_page(browser, base, cookies, messages_page) as page:
        page.goto(f"{base}/app/", wait_until="commit")
        mark(page, "list")
        # The list's second row: any conversation but the big one (a few messages each).
        small = page.evaluate(
            "(s) => Number(document.querySelectorAll(s)[1].dataset.conversationId)", LIST_ROWS
        )
        run["open_small"] = open_conversation(page, small, cpu)
        run["open_small"].pop("_mark")
    return run


def list_depth(
    browser: Any, base: str, cookies: dict[str, str], pages: int, scroll_frames: int
) -> dict[str, Any]:
    """Load more, page after page; then scroll the long list."""
    out: dict[str, Any] = {}
    with fresh_page(browser, base, cookies) as page:
        page.goto(f"{base}/app/", wait_until="commit")
        listed = mark(page, "list")
        shown = listed["count"]
        per_page = []
        more = page.locator('[data-testid="load-more"]')
        for k in range(pages):
            if more.count() == 0:
                break
            name = f"more{k}"
            page.evaluate("([n, s, m]) => window.__fdWatch(n, s, m)", [name, LIST_ROWS, shown + 1])
            more.click()
            m = mark(page, name)
            _, painted = since_action(m)
            per_page.append(painted)
            shown = m["count"]
            out.setdefault("long_tasks_ms", []).extend(long_tasks(page, m["action"], m["painted"]))
        out["load_more"] = {
            "pages": len(per_page),
            "rows_shown": shown,
            "first_5_pages_ms": stats(per_page[:5]),
            "last_5_pages_ms": stats(per_page[-5:]),
            "all_pages_ms": stats(per_page),
            "each_page_ms": [round(x, 1) for x in per_page],
        }
        scroll = page.evaluate(SCROLL_JS, scroll_frames)
        gaps = scroll.pop("gaps")
        out["scroll"] = {
            "frames": len(gaps) + 1,
            "frame_ms": stats(gaps),
            "frames_over_50_ms": sum(1 for g in gaps if g > 50),
            **scroll,
        }

    return out


def switches(browser: Any, base: str, cookies: dict[str, str]) -> dict[str, float]:
    """From a fresh first page, click each view and a rare filter: ms from the click until the
    rows differ and are painted (a page of its own, so the rows of "load more" do not weigh on
    it)."""
    with fresh_page(browser, base, cookies) as page:
        page.goto(f"{base}/app/", wait_until="commit")
        mark(page, "list")

        def switch(name: str, act: Any) -> float:
            signature = page.evaluate(
                "(s) => [...document.querySelectorAll(s)].map((r) => r.dataset.conversationId)"
                ".join()",
                LIST_ROWS,
            )
            page.evaluate(
                """([n, s, before]) => window.__fdWatchFn(n, () => [...document.querySelectorAll(s)]
                    .map((r) => r.dataset.conversationId).join() !== before)""",
                [name, LIST_ROWS, signature],
            )
            act()
            return round(since_action(mark(page, name))[1], 1)

        return {
            "view mine": switch("mine", lambda: page.click('[data-testid="view-mine"]')),
            "view unassigned": switch(
                "unassigned", lambda: page.click('[data-testid="view-unassigned"]')
            ),
            "view all": switch("all", lambda: page.click('[data-testid="view-all"]')),
            "priority urgent": switch(
                "urgent",
                lambda: page.select_option('[data-testid="filter-priority"]', "urgent"),
            ),
        }


def browser_phase(
    args: argparse.Namespace,
    port: int,
    pid: int,
    desk: data.BuiltDesk,
    sessions: dict[str, dict[str, str]],
) -> dict[str, Any]:
    base = f"http://127.0.0.1:{port}"
    out: dict[str, Any] = {}
    with chromium() as browser:
        out["chromium"] = browser.version
        for role, cookies in sessions.items():
            log(f"browser ({role}): warm-up load, then {args.runs} cold first loads")
            busy_before = harness.wait_for_quiet(args.quiet_wait)
            cpu = harness.CpuWindow(pid)
            cpu.start()
            warmup = first_load_and_open(
                browser, base, cookies, desk, True, pid, args.messages_page
            )
            runs = [
                first_load_and_open(
                    browser, base, cookies, desk, role == "agent", pid, args.messages_page
                )
                for _ in range(args.runs)
            ]
            figures: dict[str, Any] = {
                "runs": args.runs,
                "warmup_run_list_painted_ms": warmup["list_painted_ms"],
                "time_to_list_painted_ms": stats([r["list_painted_ms"] for r in runs]),
                "time_to_list_dom_ms": stats([r["list_dom_ms"] for r in runs]),
                "wall_ms_goto_to_list_painted": stats([r["wall_ms_to_list_painted"] for r in runs]),
                "first_contentful_paint_ms": stats(
                    [r["navigation"]["first_contentful_paint"] or 0 for r in runs]
                ),
                "dom_content_loaded_ms": stats(
                    [r["navigation"]["dom_content_loaded"] for r in runs]
                ),
                "load_event_end_ms": stats([r["navigation"]["load_event_end"] for r in runs]),
                "list_rows": runs[0]["list_rows"],
                "cpu_ms_p50": {
                    who: stats([r["cpu_ms"][who] for r in runs]).get("p50")
                    for who in ("server", "chromium")
                },
                "breakdown_p50_ms": {
                    key: stats([r["breakdown_ms"][key] for r in runs if r["breakdown_ms"]]).get(
                        "p50"
                    )
                    for key in runs[0]["breakdown_ms"]
                },
                "each_run": runs,
            }
            opened = [r["open"] for r in runs if "open" in r]
            if opened:
                figures["open_big_conversation"] = {
                    "messages_in_conversation": desk.big_messages,
                    "newest_page_painted_ms": stats([o["painted_ms"] for o in opened]),
                    "newest_page_dom_ms": stats([o["dom_ms"] for o in opened]),
                    "messages_shown_first": opened[0]["messages_shown"],
                    "cpu_ms_p50": {
                        who: stats([o["cpu_ms"][who] for o in opened]).get("p50")
                        for who in ("server", "chromium")
                    },
                    "messages_answered_ms": stats([o["messages_answered_ms"] for o in opened]),
                    "render_after_answer_ms": stats([o["render_after_answer_ms"] for o in opened]),
                    "older_page_painted_ms": stats(
                        [p["painted_ms"] for o in opened for p in o["older_pages"]]
                    ),
                    "all_shown_ms_from_first_click": stats(
                        [
                            o["all_shown_ms_from_first_click"]
                            for o in opened
                            if "all_shown_ms_from_first_click" in o
                        ]
                    ),
                    "all_messages_shown": opened[0]["all_messages_shown"],
                }
                figures["open_big_conversation"]["first_gesture_before_p50_ms"] = {
                    key: stats([o["first_gesture_before"][key] for o in opened]).get("p50")
                    for key in ("handlers_ms", "to_next_paint_ms")
                }
                small = [r["open_small"] for r in runs if "open_small" in r]
                # Baseline: the same click on a conversation of a few messages.
                figures["open_small_conversation"] = {
                    "painted_ms": stats([o["painted_ms"] for o in small]),
                    "messages_shown": small[0]["messages_shown"],
                    "messages_answered_ms": stats([o["messages_answered_ms"] for o in small]),
                    "render_after_answer_ms": stats([o["render_after_answer_ms"] for o in small]),
                    "cpu_ms_p50": {
                        who: stats([o["cpu_ms"][who] for o in small]).get("p50")
                        for who in ("server", "chromium")
                    },
                }
            log(
                f"  first load ({role}): list painted p50 "
                f"{figures['time_to_list_painted_ms'].get('p50')} ms, p95 "
                f"{figures['time_to_list_painted_ms'].get('p95')} ms"
            )
            if opened:
                o = figures["open_big_conversation"]
                log(
                    f"  open 500 ({role}): newest page painted p50 "
                    f"{o['newest_page_painted_ms'].get('p50')} ms, all "
                    f"{o['all_messages_shown']} in p50 "
                    f"{o['all_shown_ms_from_first_click'].get('p50')} ms; a conversation of "
                    f"{figures['open_small_conversation']['messages_shown']} messages p50 "
                    f"{figures['open_small_conversation']['painted_ms'].get('p50')} ms"
                )
            depth = [
                list_depth(browser, base, cookies, args.list_pages, args.scroll_frames)
                | {"switch_ms": switches(browser, base, cookies)}
                for _ in range(args.list_runs)
            ]
            figures["list"] = {
                "load_more_page_painted_ms": stats(
                    [x for d in depth for x in d["load_more"]["each_page_ms"]]
                ),
                "each_run": depth,
            }
            d0 = depth[0]
            log(
                f"  list ({role}): {d0['load_more']['pages']} x load more to "
                f"{d0['load_more']['rows_shown']} rows; first pages p50 "
                f"{d0['load_more']['first_5_pages_ms'].get('p50')} ms, last pages p50 "
                f"{d0['load_more']['last_5_pages_ms'].get('p50')} ms; scroll frame p95 "
                f"{d0['scroll']['frame_ms'].get('p95')} ms; switches {d0['switch_ms']}"
            )
            figures["cpu_percent_of_one_core"] = cpu.stop() | {
                "machine_busy_before_start": busy_before
            }
            out[role] = figures
    return out


# --------------------------------------------------------------------------- main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (default: SQLite in a temp dir)")
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--messages-per-conversation", type=int, default=3)
    parser.add_argument("--big-messages", type=int, default=500)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--inboxes", type=int, default=10)
    parser.add_argument("--contacts", type=int, default=30_000)
    parser.add_argument("--runs", type=int, default=10, help="cold first loads per role")
    parser.add_argument("--list-runs", type=int, default=2, help="'load more' runs per role")
    parser.add_argument("--list-pages", type=int, default=40, help="'load more' clicks per run")
    parser.add_argument("--scroll-frames", type=int, default=240)
    parser.add_argument(
        "--messages-page",
        type=int,
        help="experiment: make the app ask for this many newest messages when it opens a"
        " conversation (its requests are rewritten in the browser; the app is not edited)",
    )
    parser.add_argument("--api-repeats", type=int, default=10)
    parser.add_argument(
        "--walk-max-pages", type=int, default=2500, help="pages walked by cursor, all statuses"
    )
    parser.add_argument("--roles", choices=("agent", "admin", "both"), default="both")
    parser.add_argument("--phases", default="bundle,browser,api", help="which phases to run")
    parser.add_argument("--no-cache", action="store_true", help="build the database afresh")
    harness.add_server_arguments(parser)
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=60.0,
        help="the machine is shared: wait up to this many seconds for other work to calm down"
        " before each phase",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args()
    phases = set(args.phases.split(","))
    plan = data.Plan(
        conversations=args.conversations,
        messages_per_conversation=args.messages_per_conversation,
        big_messages=args.big_messages,
        agents=args.agents,
        inboxes=args.inboxes,
        contacts=args.contacts,
    )
    from frontdesk import web

    result: dict[str, Any] = {
        "benchmark": "app_perf",
        "source": harness.source_state(),
        "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg()},
        "options": vars(args),
        "plan": plan.__dict__,
        "goals": {
            "first_load_ms": GOAL_FIRST_LOAD_MS,
            "open_500_messages_ms": GOAL_OPEN_MS,
            "js_gzip_bytes": GOAL_JS_GZIP_BYTES,
        },
    }
    if "bundle" in phases or "browser" in phases:
        result["bundle"] = bundle_size(web.APP_DIR)
        log(
            f"bundle: {result['bundle']['js_files']} .js files, "
            f"{result['bundle']['js_gzip_bytes'] / 1024:.1f} KB gzipped"
        )
    with harness.workdir(args.database_url, keep=args.keep) as work:
        result["database"] = "sqlite" if work.is_sqlite else "postgresql"
        prepared = prepare(work, plan, use_cache=not args.no_cache)
        desk: data.BuiltDesk = prepared["desk"]
        result["desk"] = {
            k: v
            for k, v in desk.__dict__.items()
            if k not in ("password", "inbox_ids", "team_ids", "labels")
        } | {"from_cache": prepared["from_cache"]}
        server = harness.start_server(work, mode=args.server, app_factory=args.app_factory)
        result["server_command"] = " ".join(
            Path(c).name if i == 0 else c for i, c in enumerate(server.command)
        )
        try:
            sessions = {}
            for role in ("agent", "admin"):
                if args.roles in (role, "both"):
                    email = desk.agent_email if role == "agent" else desk.admin_email
                    sessions[role] = login(server.port, email, desk.password)
            if "bundle" in result:
                probe = Api(server.port, {})
                first_js = next(
                    f["file"] for f in result["bundle"]["files"] if f["file"].endswith(".js")
                )
                _, _, _, headers = probe.get(f"/app/assets/{first_js}")
                probe.close()
                result["bundle"]["served_compressed"] = "content-encoding" in headers
            if "browser" in phases:
                result["browser"] = browser_phase(args, server.port, server.pid, desk, sessions)
            if "api" in phases:
                result["api"] = {
                    role: api_phase(args, server.port, server.pid, desk, role, cookies)
                    for role, cookies in sessions.items()
                }
        finally:
            harness.stop_server(server)
        errors = harness.server_errors(server)
        if errors:
            result["server_errors"] = errors
    result["summary"] = summarize(result)
    harness.emit(result)


def summarize(result: dict[str, Any]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    if "bundle" in result:
        summary["js_gzip_kb"] = round(result["bundle"]["js_gzip_bytes"] / 1024, 1)
        summary["js_goal_met"] = result["bundle"]["goal_met"]
    for role, figures in result.get("browser", {}).items():
        if not isinstance(figures, dict):
            continue
        ttl = figures["time_to_list_painted_ms"]
        summary[f"first_load_{role}_p50_ms"] = ttl.get("p50")
        summary[f"first_load_{role}_p95_ms"] = ttl.get("p95")
        summary[f"first_load_{role}_goal_met"] = (ttl.get("p95") or 1e9) < GOAL_FIRST_LOAD_MS
        if "open_big_conversation" in figures:
            o = figures["open_big_conversation"]
            summary["open_500_newest_page_p50_ms"] = o["newest_page_painted_ms"].get("p50")
            summary["open_500_newest_page_p95_ms"] = o["newest_page_painted_ms"].get("p95")
            summary["open_500_goal_met"] = (
                o["newest_page_painted_ms"].get("p95") or 1e9
            ) < GOAL_OPEN_MS
            summary["open_500_all_shown_p50_ms"] = o["all_shown_ms_from_first_click"].get("p50")
        lm = figures["list"]["each_run"][0]["load_more"]
        summary[f"load_more_{role}_last_pages_p50_ms"] = lm["last_5_pages_ms"].get("p50")
        summary[f"load_more_{role}_rows_shown"] = lm["rows_shown"]
    for role, figures in result.get("api", {}).items():
        walked = figures["walk"][-1]
        summary[f"api_{role}_page_1_p50_ms"] = figures["first_page_repeated_ms"].get("p50")
        summary[f"api_{role}_deep_pages_p50_ms"] = walked["deepest_10_percent_ms"].get("p50")
        summary[f"api_{role}_pages_walked"] = walked["pages"]
        slow = max(figures["filters_first_page"].items(), key=lambda kv: kv[1]["ms"].get("p50", 0))
        summary[f"api_{role}_slowest_filter"] = {slow[0]: slow[1]["ms"].get("p50")}
    return summary


if __name__ == "__main__":
    main()
