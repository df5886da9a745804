"""Figures of a run (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
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


def _save(fig, path: str | Path, title: str) -> Path:
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)
    return path


def _colour(i: int) -> str:
    return plt.get_cmap("tab10")(i % 10)


def plot_compare_series(
    series: pd.DataFrame, path: str | Path, title: str = "", end_month: int | None = None
) -> Path:
    """Graduation and extreme-poverty headcount over time, one line per strategy, with
    95 % confidence bands over replications.

    Args:
        series: Columns ``strategy``, ``replication``, ``month``, ``graduated_share``,
            ``extreme_poverty_headcount`` (treatment arm).
        path: Where to write the PNG.
        title: Figure title.
        end_month: The project's last month (drawn as a dotted line).

    Returns:
        pathlib.Path: The written file.
    """
    from scipy import stats

    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
    panels = (
        ("graduated_share", "Graduated (treatment arm)"),
        ("extreme_poverty_headcount", "Extreme-poverty headcount (treatment arm)"),
    )
    for ax, (col, name) in zip(axes, panels, strict=True):
        for i, (label, df) in enumerate(series.groupby("strategy", sort=False)):
            g = df.groupby("month")[col]
            mean, sd, n = g.mean(), g.std(ddof=1).fillna(0.0), g.count()
            half = stats.t.ppf(0.975, (n - 1).clip(lower=1)) * sd / n.clip(lower=1) ** 0.5
            ax.plot(mean.index, mean, color=_colour(i), label=label)
            ax.fill_between(
                mean.index, mean - half, mean + half, color=_colour(i), alpha=0.15, linewidth=0
            )
        if end_month is not None:
            ax.axvline(end_month, color="grey", linestyle=":", linewidth=1)
        ax.set(xlabel="month", ylabel="share of households", title=name)
        ax.set_ylim(0, 1.02)
    axes[0].legend(frameon=False, fontsize=8)
    return _save(fig, path, title)


def plot_compare_outcomes(table: pd.DataFrame, path: str | Path, title: str = "") -> Path:
    """Bars with 95 % intervals by strategy: sustained graduation 2 and 5 years after the
    project, cost per sustained graduate, market participation of the very poor, and pull
    actors still viable at the horizon.

    Args:
        table: :meth:`pushpull_sim.compare.CompareResult.table`.
        path: Where to write the PNG.
        title: Figure title.

    Returns:
        pathlib.Path: The written file.
    """
    # over no programme when it was run (cost per graduate alone counts graduates the
    # programme did not cause), else per sustained graduate
    additional = "cost_per_additional_sustained_graduate_usd_ppp"
    known = set(table["outcome"])
    cost = additional if additional in known else "cost_per_sustained_graduate_usd_ppp"
    panels = (
        (
            ("sustained_graduates_2y", "sustained_graduates_5y"),
            "Sustained graduation (share)",
            ("2 years", "5 years"),
        ),
        (
            (cost,),
            "Cost per additional sustained graduate (USD PPP)"
            if cost.startswith("cost_per_additional")
            else "Cost per sustained graduate (USD PPP)",
            None,
        ),
        (
            ("market_participation_end", "market_participation_end_2y"),
            "Treatment arm selling to a buyer (share)",
            ("end", "2 years after"),
        ),
        (
            ("commercial_actors_viable_share",),
            "Pull actors still viable at the horizon (share)",
            None,
        ),
    )
    t = table.set_index(["strategy", "outcome"])
    strategies = list(dict.fromkeys(table["strategy"]))
    fig, axes = plt.subplots(1, 4, figsize=(18, 4.5))
    x = np.arange(len(strategies))
    for ax, (outcomes, name, labels) in zip(axes, panels, strict=True):
        width = 0.8 / len(outcomes)
        for j, o in enumerate(outcomes):
            rows = t.xs(o, level="outcome").reindex(strategies)
            mean = rows["mean"].to_numpy(float)
            err = np.vstack([mean - rows["ci_low"], rows["ci_high"] - mean])
            err = np.where(np.isfinite(err), np.maximum(err, 0.0), 0.0)
            ax.bar(
                x + (j - (len(outcomes) - 1) / 2) * width,
                np.nan_to_num(mean),
                width,
                yerr=err,
                capsize=2,
                color=_colour(j),
                label=labels[j] if labels else None,
            )
        ax.set_xticks(x, strategies, rotation=30, ha="right", fontsize=8)
        ax.set_title(name, fontsize=10)
        if labels:
            ax.legend(frameon=False, fontsize=8)
    return _save(fig, path, title)


def plot_lever_attribution(
    attribution: pd.DataFrame, path: str | Path, outcomes: tuple[str, ...], title: str = ""
) -> Path:
    """Each lever group's contribution (added to siloed alone; removed from layered), with
    95 % intervals, one panel per outcome.

    Args:
        attribution: :func:`pushpull_sim.compare.lever_attribution`.
        path: Where to write the PNG.
        outcomes: Outcomes to draw (one panel each).
        title: Figure title.

    Returns:
        pathlib.Path: The written file.
    """
    fig, axes = plt.subplots(1, len(outcomes), figsize=(6 * len(outcomes), 4.5), squeeze=False)
    for ax, outcome in zip(axes[0], outcomes, strict=True):
        a = attribution[attribution["outcome"] == outcome]
        levers = [name for name in dict.fromkeys(a["lever"]) if name != "total"]
        y = np.arange(len(levers) + 1)
        for j, est in enumerate(("added", "removed")):
            rows = a[a["estimate"] == est].set_index("lever").reindex(levers)
            mean = rows["mean"].to_numpy(float)
            err = np.vstack([mean - rows["ci_low"], rows["ci_high"] - mean])
            err = np.where(np.isfinite(err), np.maximum(err, 0.0), 0.0)
            ax.barh(
                y[1:] + (j - 0.5) * 0.4,
                np.nan_to_num(mean),
                0.4,
                xerr=err,
                capsize=2,
                color=_colour(j),
                label="added to siloed (alone)" if j == 0 else "in layered (layered - without it)",
            )
        total = a[a["estimate"] == "total"].iloc[0]
        ax.barh([0], [total["mean"]], 0.5, color="black", label="layered - siloed")
        ax.axvline(0, color="grey", linewidth=0.8)
        ax.set_yticks(y, ["total", *levers], fontsize=8)
        ax.invert_yaxis()
        ax.set_title(outcome, fontsize=10)
    axes[0][0].legend(frameon=False, fontsize=8)
    return _save(fig, path, title)
