"""Bad scenario values get one clear, fast error: alias bombs and oversized files, numbers that
overflow to infinity or are not numbers, sizes no run could hold, a mapping where a list of
names belongs, and messages that quote at most about 100 characters of a bad value."""

from __future__ import annotations

from sim.errors import SHOWN_CHARS, shown

# ---------------------------------------------------------------- the shown helper

def test_shown_cuts_long_values():
    assert shown("abc") == "'abc'"
    assert shown(1.5) == "1.5"
    long = shown("x" * 10_000)
    assert len(long) <= SHOWN_CHARS and "..." in long
    assert len(shown(list(range(10_000)))) <= SHOWN_CHARS
    assert "digits" in shown(10**10_000)
