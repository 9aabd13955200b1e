"""Plots written by ``sim run``."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never needs a screen
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..results.outcome import RunResult  # noqa: E402

__all__ = ["response_cdf_plot"]


def response_cdf_plot(result: RunResult, path: Path) -> Path:
    """Empirical CDF of response times per incident type (all replications pooled, after the
    warm-up), with each type's target as a dashed vertical line in the same colour."""
    spec = result.scenario.spec
    df = result.incidents
    df = df[(df["occurrence"] >= spec.run.warmup) & df["first_arrival"].notna()]
    fig, ax = plt.subplots(figsize=(8, 5), dpi=120)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, (name, itype) in enumerate(spec.incident_types.items()):
        of_type = df[df["type"] == name]
        rt = np.sort((of_type["first_arrival"] - of_type["occurrence"]).to_numpy())
        if len(rt) == 0:
            continue
        colour = colours[k % len(colours)]
        label = f"{itype.label or name} (n={len(rt)})"
        ax.step(rt, np.arange(1, len(rt) + 1) / len(rt), where="post", color=colour, label=label)
        if itype.target:
            share = float(np.mean(rt <= itype.target))
            ax.axvline(itype.target, color=colour, linestyle="--", linewidth=1)
            ax.annotate(f"target {itype.target:g} min: {100 * share:.0f}%", (itype.target, share),
                        textcoords="offset points", xytext=(4, -12), fontsize=8, color=colour)
    ax.set_xlabel("response time (minutes from occurrence to first arrival)")
    ax.set_ylabel("share of incidents")
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0)
    ax.grid(alpha=0.3)
    ax.set_title(f"{spec.name}: response-time distribution ({result.replications} replications)")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path)
    plt.close(fig)
    return path
