"""Making hundreds of thousands of small objects at once (labels, GeoJSON features) without the
cyclic garbage collector's passes, which would each walk every live object and can cost more
than the work itself. Nothing made under :func:`collector_paused` forms reference cycles."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["collector_paused"]


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block (it is resumed as it was)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
