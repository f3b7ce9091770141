import gc
from collections.abc import Iterator

import pytest

from frontdesk.core.runtime import settle_heap


@pytest.fixture
def restore_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_settle_heap_freezes_what_lives_and_raises_the_thresholds(restore_gc: None) -> None:
    settle_heap()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (50_000, 50, 100)
