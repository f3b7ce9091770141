"""Process tuning for a long-running server."""

from __future__ import annotations

import gc


def settle_heap() -> None:
    """Called once the app is built: keep the garbage collector off what lives forever.

    Measured (docs/performance.md): with the default thresholds a full collection ran about
    every 0.75 s under load, took 85-98 ms and freed nothing, because it re-scanned the
    long-lived objects of SQLAlchemy, pydantic and FastAPI; that was the whole p99 tail.
    Freezing moves them out of the collector's sight; larger thresholds make young
    collections rarer. Reference cycles are still collected.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
