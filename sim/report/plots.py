"""Plots written by ``sim run``.

Matplotlib is imported only when a plot is drawn. Labels may be bilingual (``建筑火灾 building
fire``); when no font with Chinese glyphs is installed, the Chinese part is left out of the
plot rather than drawn as empty boxes.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from ..results.outcome import RunResult

__all__ = ["plot_label", "response_cdf_plot"]

_CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
              "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC", "Droid Sans Fallback",
              "AR PL UMing CN")
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]+")


@cache
def _pyplot() -> Any:
    """pyplot on the file-only Agg backend, with a Chinese-capable font when one is installed."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    installed = {f.name for f in font_manager.fontManager.ttflist}
    cjk = next((name for name in _CJK_FONTS if name in installed), None)
    if cjk is not None:
        plt.rcParams["font.sans-serif"] = [cjk, *plt.rcParams["font.sans-serif"]]
    plt.rcParams["axes.unicode_minus"] = False
    _pyplot.cjk = cjk is not None  # type: ignore[attr-defined]
    return plt


def plot_label(text: str) -> str:
    """``text`` as it can be drawn: Chinese characters dropped when no font has them."""
    _pyplot()
    if getattr(_pyplot, "cjk", False):
        return text
    return " ".join(_CJK.sub(" ", text).split()) or text


def response_cdf_plot(result: RunResult, path: Path) -> Path:
    """Empirical CDF of response times per incident type (all replications pooled, after the
    warm-up), with each type's target as a dashed vertical line in the same colour."""
    plt = _pyplot()
    spec = result.scenario.spec
    df = result.incidents
    df = df[(df["occurrence"] >= spec.run.warmup) & df["first_arrival"].notna()]
    fig, ax = plt.subplots(figsize=(8, 5), dpi=120)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, (name, itype) in enumerate(spec.incident_types.items()):
        of_type = df[df["type"] == name]
        rt = np.sort(of_type["response_time"].to_numpy())
        if len(rt) == 0:
            continue
        colour = colours[k % len(colours)]
        label = f"{itype.label or name} (n={len(rt)}"
        if itype.target:
            label += f", {100 * float(np.mean(rt <= itype.target)):.0f}% within {itype.target:g} min"
            ax.axvline(itype.target, color=colour, linestyle="--", linewidth=1)
        ax.step(rt, np.arange(1, len(rt) + 1) / len(rt), where="post", color=colour,
                label=plot_label(label + ")"))
    all_rt = df["response_time"].to_numpy()
    targets = [t.target for t in spec.incident_types.values() if t.target]
    right = max([float(np.quantile(all_rt, 0.99)) if len(all_rt) else 1.0,
                 *(1.5 * t for t in targets)])
    beyond = int((all_rt > right).sum())
    xlabel = "response time (minutes from occurrence to first arrival)"
    if beyond:
        xlabel += f"; {beyond} longer responses beyond the axis"
    ax.set_xlabel(xlabel)
    ax.set_ylabel("share of incidents")
    ax.set_ylim(0, 1.02)
    ax.set_xlim(0, right)
    ax.grid(alpha=0.3)
    ax.set_title(plot_label(f"{spec.name}: response times ({result.replications} replications)"))
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path)
    plt.close(fig)
    return path
