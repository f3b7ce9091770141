"""Fixtures every channel's tests may use."""

from tests.channels.worker_process import workers

__all__ = ["workers"]
