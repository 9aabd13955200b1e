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
from .writing import replacing

__all__ = ["hazards_plot", "nothing_to_show", "people_supplies_plot", "plot_label", "pyplot",
           "response_cdf_plot", "save_figure"]

_CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
              "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC", "Droid Sans Fallback",
              "AR PL UMing CN")
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]+")


@cache
def pyplot() -> Any:
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
    pyplot.cjk = cjk is not None  # type: ignore[attr-defined]
    return plt


def save_figure(fig: Any, path: Path | str, tight: bool = True) -> Path:
    """Lay out (unless ``tight`` is False), write and close a figure; return its path."""
    if tight:
        fig.tight_layout()
    path = Path(path)
    try:
        with replacing(path) as temp:
            fig.savefig(temp)
    finally:
        pyplot().close(fig)
    return path


def nothing_to_show(ax: Any, text: str) -> None:
    """Replace an empty panel by a line saying why it is empty."""
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()


def plot_label(text: str) -> str:
    """``text`` as it can be drawn: Chinese characters dropped when no font has them."""
    pyplot()
    if getattr(pyplot, "cjk", False):
        return text
    return " ".join(_CJK.sub(" ", text).split()) or text


def response_cdf_plot(result: RunResult, path: Path) -> Path:
    """Empirical CDF of response times per incident type (all replications pooled, after the
    warm-up), with each type's target as a dashed vertical line in the same colour; where the
    first unit able to do the job came later than the first unit for some incidents, its CDF
    dotted in the same colour."""
    plt = pyplot()
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
        capable = of_type["capable_response"].to_numpy(dtype=float)
        if (capable > of_type["response_time"].to_numpy(dtype=float) + 1e-9).any():
            ct = np.sort(capable[np.isfinite(capable)])
            ax.step(ct, np.arange(1, len(ct) + 1) / len(of_type), where="post", color=colour,
                    linestyle=":", label=plot_label(f"{itype.label or name}: first unit able to do the job"))
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
    return save_figure(fig, path)


def hazards_plot(result: RunResult, path: Path) -> Path:
    """Left: burned area of each forest fire against minutes from ignition to first attack
    ("fight early, fight small"). Right: roads closed over time in replication 0, with hazard
    events shaded."""
    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5), dpi=120)
    fires = result.table("fires")
    if len(fires):
        delay = (fires["first_attack"] - fires["ignition"]) / 60
        left.scatter(delay, fires["burned_ha"].clip(lower=1e-3), s=14, alpha=0.7)
        left.set_yscale("log")
        left.set_xlabel("hours from ignition to first attack")
        left.set_ylabel("burned area (ha, log scale)")
        left.set_title(f"Forest fires ({len(fires)} in {result.replications} replications)")
        left.grid(alpha=0.3)
    else:
        nothing_to_show(left, "no forest fires")
    hazards = result.table("hazards")
    closures = result.table("road_closures")
    first = closures[closures["replication"] == 0] if len(closures) else closures
    if len(first):
        times = sorted({*first["start"], *first["end"]})
        closed = [int(((first["start"] <= t) & (first["end"] > t)).sum()) for t in times]
        right.step(np.array(times) / 1440, closed, where="post")
        for _, e in hazards[hazards["replication"] == 0].iterrows():
            if e["end"] > e["start"]:
                right.axvspan(e["start"] / 1440, e["end"] / 1440, alpha=0.15, color="tab:orange")
        right.set_xlabel("day of the run (replication 0; hazard events shaded)")
        right.set_ylabel("roads closed")
        right.yaxis.get_major_locator().set_params(integer=True)
        right.set_title("Road closures")
        right.grid(alpha=0.3)
    else:
        nothing_to_show(right, "no road closures")
    fig.suptitle(plot_label(f"{result.scenario.spec.name}: hazards"))
    return save_figure(fig, path)


def _first_episode(times: np.ndarray, gap_days: float = 3.0) -> tuple[float, float] | None:
    """Days spanned by the first burst of changes (ended by a quiet gap of ``gap_days``)."""
    days = np.sort(times[times > 0]) / 1440
    if not len(days):
        return None
    gaps = np.flatnonzero(np.diff(days) > gap_days)
    last = days[gaps[0]] if len(gaps) else days[-1]
    return float(days[0]), float(last)


def _summed_steps(log, key: str) -> tuple[np.ndarray, np.ndarray]:
    """The sum over ``key`` (shelters, depots) of step series given as (time, key, level) rows,
    one point per distinct time (after every change at that time)."""
    current: dict = {}
    times: list[float] = []
    totals: list[float] = []
    for t, k, level in log.sort_values("time", kind="stable")[["time", key, "level"]].itertuples(index=False):
        current[k] = level
        if times and times[-1] == t:
            totals[-1] = sum(current.values())
        else:
            times.append(t)
            totals.append(sum(current.values()))
    return np.array(times) / 1440, np.array(totals)


def people_supplies_plot(result: RunResult, path: Path) -> Path:
    """The first disaster of replication 0 that moved people or stock. Left: people in shelters
    (all together, and each shelter); right: stock of each item held by each tier of depots, as
    a share of what the tier started with."""
    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5), dpi=120)
    occupancy = result.table("shelter_occupancy") if result.has_evacuation else None
    occ = occupancy[occupancy["replication"] == 0] if occupancy is not None else None
    stock = result.table("stock") if result.has_supplies else None
    st = stock[stock["replication"] == 0] if stock is not None else None
    changes = np.concatenate([occ["time"].to_numpy() if occ is not None else np.zeros(0),
                              st["time"].to_numpy() if st is not None else np.zeros(0)])
    window = _first_episode(changes)
    if window is not None:
        window = (max(window[0] - 0.25, 0.0), window[1] + 0.5)
    where = f"days {window[0]:.1f}-{window[1]:.1f} of replication 0" if window else ""
    if occ is not None and len(occ) and window is not None:
        for _, log in occ.groupby("shelter", sort=True):
            left.step(log["time"] / 1440, log["occupancy"], where="post", color="tab:blue", alpha=0.35,
                      linewidth=0.8)
        t, total = _summed_steps(occ.rename(columns={"occupancy": "level"}), "shelter")
        left.step(t, total, where="post", color="black", linewidth=2, label="all shelters")
        left.plot([], [], color="tab:blue", alpha=0.35, label="each shelter")
        left.set_xlim(*window)
        left.set_xlabel(f"day ({where})")
        left.set_ylabel("people in shelters")
        left.set_title("Shelter occupancy")
        left.legend(fontsize=7)
        left.grid(alpha=0.3)
    else:
        nothing_to_show(left, "no evacuation")
    drawn = False
    if st is not None and len(st) and window is not None:
        right.set_prop_cycle(color=plt.get_cmap("tab20").colors)
        tiers = {d.id: d.tier for d in result.scenario.spec.depots}
        st = st.assign(tier=st["depot"].map(tiers))
        for (tier, item), log in st.groupby(["tier", "item"], sort=True):
            t, total = _summed_steps(log, "depot")
            if total[0] <= 0 or np.all(total == total[0]):
                continue  # nothing held, or nothing moved
            right.step(t, 100 * total / total[0], where="post", label=plot_label(f"{tier}: {item}"))
            drawn = True
    if drawn:
        assert window is not None  # stock is drawn only within a window
        right.set_xlim(*window)
        right.set_xlabel(f"day ({where})")
        right.set_ylabel("% of starting stock")
        right.set_title("Stock by depot tier and item")
        right.legend(fontsize=7, ncol=2)
        right.grid(alpha=0.3)
    else:
        nothing_to_show(right, "no relief stock moved")
    fig.suptitle(plot_label(f"{result.scenario.spec.name}: shelters and relief stock"))
    return save_figure(fig, path)
