"""Figures of a run (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

COLOURS = {"treatment": "#c0392b", "control": "#2471a3", "ineligible": "#7f8c8d"}


def plot_run(timeseries: pd.DataFrame, path: str | Path, title: str = "") -> Path:
    """Draw headcounts and the asset distribution over time, treatment vs control.

    Args:
        timeseries: Tidy monthly table with ``replication``, ``month``, ``arm`` and the
            recorded columns (see :mod:`pushpull_sim.recording`).
        path: Where to write the PNG.
        title: Figure title.

    Returns:
        pathlib.Path: The written file.
    """
    mean = timeseries.groupby(["arm", "month"], observed=True).mean(numeric_only=True)
    lo = timeseries.groupby(["arm", "month"], observed=True).min(numeric_only=True)
    hi = timeseries.groupby(["arm", "month"], observed=True).max(numeric_only=True)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    ax = axes[0]
    for arm in ("treatment", "control", "ineligible"):
        if arm not in mean.index.get_level_values(0):
            continue
        m = mean.loc[arm]
        ax.plot(m.index, m["extreme_poverty_headcount"], color=COLOURS[arm], label=arm)
        ax.fill_between(
            m.index,
            lo.loc[arm]["extreme_poverty_headcount"],
            hi.loc[arm]["extreme_poverty_headcount"],
            color=COLOURS[arm],
            alpha=0.15,
            linewidth=0,
        )
    ax.set(xlabel="month", ylabel="share of households", title="Extreme-poverty headcount")
    ax.set_ylim(0, 1.02)
    ax.legend(frameon=False)
    ax = axes[1]
    for arm in ("treatment", "control"):
        if arm not in mean.index.get_level_values(0):
            continue
        m = mean.loc[arm]
        ax.plot(m.index, m["assets_p50"], color=COLOURS[arm], label=f"{arm} median")
        ax.fill_between(
            m.index,
            m["assets_p10"],
            m["assets_p90"],
            color=COLOURS[arm],
            alpha=0.15,
            linewidth=0,
            label=f"{arm} p10-p90",
        )
    ax.set(xlabel="month", ylabel="USD PPP", title="Productive assets (distribution)")
    ax.legend(frameon=False, fontsize=8)
    ax = axes[2]
    for arm in ("treatment", "control"):
        if arm not in mean.index.get_level_values(0):
            continue
        m = mean.loc[arm]
        ax.plot(m.index, m["graduated_share"], color=COLOURS[arm], label=arm)
    ax.set(xlabel="month", ylabel="share of households", title="Graduated")
    ax.set_ylim(0, 1.02)
    ax.legend(frameon=False)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)
    return path
