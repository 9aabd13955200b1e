"""benchmarks/peer_elaspy.py is optional: without an ELASPY checkout it says so and exits 0."""

from __future__ import annotations

import sys

from conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
import peer_elaspy  # noqa: E402


def test_without_a_checkout_the_comparison_is_skipped(tmp_path, capsys):
    assert peer_elaspy.main([]) == 0
    assert peer_elaspy.main(["--elaspy", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.count("skipped: no ELASPY checkout") == 2 and "elaspy/main.py" in out
