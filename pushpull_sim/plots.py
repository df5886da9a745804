"""Figures of a run and of a comparison (matplotlib, no display needed).

Every figure is drawn for a reader who is not a programmer: titles in words with their
units, the programme's months shaded, legends outside the data, shares in per cent, a
logarithmic axis when one bar would flatten the others, "not applicable" written where a
figure is undefined (never a bar of height zero), and an interval with no upper bound
drawn as an arrow, not as the top of a bar.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from pushpull_sim.outcomes import OUTCOMES  # noqa: E402

COLOURS = {"treatment": "#c0392b", "control": "#2471a3", "ineligible": "#7f8c8d"}

#: Colours of a paired difference: better than the reference, worse, or not told apart.
VERDICT_COLOURS = {"better": "#1a9850", "worse": "#d73027", "tie": "#7f7f7f"}

#: Shading of the programme's months.
WINDOW = {"color": "#f3e3b5", "alpha": 0.55, "linewidth": 0, "zorder": 0}

#: One bar this many times another (both positive) puts a value axis on a log scale.
LOG_RATIO = 5.0

#: Written where a figure is undefined.
NOT_APPLICABLE = "not applicable"


def _wrap(text: str, width: int = 48) -> str:
    return "\n".join(textwrap.wrap(text, width, break_on_hyphens=False))


def _shade_programme(
    ax, start_month: int | None, end_month: int | None, follow_up: bool = False
) -> None:
    """Shade the programme's months (``start_month + 1`` to ``end_month``), labelled;
    with ``follow_up``, mark the months 2 and 5 years after the end (where the
    comparison's outcomes are measured) with labelled dashed lines."""
    if start_month is None or end_month is None or end_month <= start_month:
        return
    ax.axvspan(start_month, end_month, **WINDOW, label="programme months")
    top = ax.get_xaxis_transform()  # x in months, y in axes fraction
    ax.text(
        (start_month + end_month) / 2,
        0.97,
        "programme",
        transform=top,
        ha="center",
        va="top",
        fontsize=8,
        color="#8a6d1f",
    )
    if follow_up:
        right = ax.get_xlim()[1]
        for years in (2, 5):
            month = end_month + 12 * years
            if month > right:
                continue
            ax.axvline(month, color="#999999", linestyle="--", linewidth=0.8, zorder=0)
            near_edge = month > right - 0.1 * (right - ax.get_xlim()[0])
            ax.text(
                month,
                0.97,
                f"end + {years} y " if near_edge else f" end + {years} y",
                transform=top,
                ha="right" if near_edge else "left",
                va="top",
                fontsize=8,
                color="#666666",
            )


def plot_run(
    timeseries: pd.DataFrame,
    path: str | Path,
    title: str = "",
    start_month: int | None = None,
    end_month: int | None = None,
) -> Path:
    """Draw headcounts, the asset distribution and graduation over time, by arm, with the
    programme's months shaded.

    Args:
        timeseries: Tidy monthly table with ``replication``, ``month``, ``arm`` and the
            recorded columns (see :mod:`pushpull_sim.recording`).
        path: Where to write the PNG.
        title: Figure title.
        start_month: The month before the programme's first (``programme.start_month``).
        end_month: The programme's last month (``programme.end_month``).

    Returns:
        pathlib.Path: The written file.
    """
    groups = timeseries.groupby(["arm", "month"], observed=True)
    mean = groups.mean(numeric_only=True)
    lo, hi = groups.min(numeric_only=True), groups.max(numeric_only=True)
    arms_present = set(mean.index.get_level_values(0))
    fig, axes = plt.subplots(1, 3, figsize=(15, 5))
    ax = axes[0]
    for arm in ("treatment", "control", "ineligible"):
        if arm not in arms_present:
            continue
        m = mean.loc[arm]
        ax.plot(m.index, 100 * m["extreme_poverty_headcount"], color=COLOURS[arm], label=arm)
        ax.fill_between(
            m.index,
            100 * lo.loc[arm]["extreme_poverty_headcount"],
            100 * hi.loc[arm]["extreme_poverty_headcount"],
            color=COLOURS[arm],
            alpha=0.15,
            linewidth=0,
        )
    ax.set(ylabel="% of households", title="Below the extreme-poverty line")
    ax.set_ylim(0, 102)
    ax = axes[1]
    for arm in ("treatment", "control"):
        if arm not in arms_present:
            continue
        m = mean.loc[arm]
        ax.plot(m.index, m["assets_p50"], color=COLOURS[arm], label=f"{arm}, median")
        ax.fill_between(
            m.index,
            m["assets_p10"],
            m["assets_p90"],
            color=COLOURS[arm],
            alpha=0.15,
            linewidth=0,
            label=f"{arm}, 10th to 90th percentile",
        )
    ax.set(ylabel="USD PPP per household", title="Productive assets")
    ax = axes[2]
    highest = 0.0
    for arm in ("treatment", "control"):
        if arm not in arms_present:
            continue
        m = mean.loc[arm]
        ax.plot(m.index, 100 * m["graduated_share"], color=COLOURS[arm], label=arm)
        shares = m["graduated_share"].to_numpy(float)
        if np.isfinite(shares).any():
            highest = max(highest, 100 * float(np.nanmax(shares)))
    ax.set(ylabel="% of households", title="Graduated (meeting every criterion)")
    ax.set_ylim(0, min(102.0, max(10.0, 1.2 * highest)))
    for ax in axes:
        _shade_programme(ax, start_month, end_month)
        ax.set_xlabel("month (0 = baseline survey)")
        ax.legend(
            frameon=False, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2
        )
    fig.text(
        0.5,
        0.005,
        "Lines: mean over replications; bands: their range (assets: the 10th to 90th "
        "percentile of households). Shaded: the programme's months.",
        ha="center",
        fontsize=8,
        color="#555555",
    )
    return _save(fig, path, title, bottom=0.06)


def _save(fig, path: str | Path, title: str, bottom: float = 0.0) -> Path:
    if title:
        fig.suptitle(title)
    fig.tight_layout(rect=(0, bottom, 1, 1))
    path = Path(path)
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)
    return path


def _colour(i: int) -> str:
    return plt.get_cmap("tab10")(i % 10)


def plot_compare_series(
    series: pd.DataFrame,
    path: str | Path,
    title: str = "",
    end_month: int | None = None,
    start_month: int | None = None,
) -> Path:
    """Graduation and extreme-poverty headcount of the treatment arm over time, one line
    per strategy, with 95 % confidence bands over replications and the programme's
    months shaded.

    Args:
        series: Columns ``strategy``, ``replication``, ``month``, ``graduated_share``,
            ``extreme_poverty_headcount`` (treatment arm).
        path: Where to write the PNG.
        title: Figure title.
        end_month: The programme's last month.
        start_month: The month before the programme's first (default 0).

    Returns:
        pathlib.Path: The written file.
    """
    from scipy import stats

    fig, axes = plt.subplots(1, 2, figsize=(13, 5))
    panels = (
        ("graduated_share", "Graduated (meeting every criterion)"),
        ("extreme_poverty_headcount", "Below the extreme-poverty line"),
    )
    horizon = int(series["month"].max()) if len(series) else 0
    for ax, (col, name) in zip(axes, panels, strict=True):
        highest = 0.0
        for i, (label, df) in enumerate(series.groupby("strategy", sort=False)):
            g = df.groupby("month")[col]
            mean, sd, n = 100 * g.mean(), 100 * g.std(ddof=1).fillna(0.0), g.count()
            half = stats.t.ppf(0.975, (n - 1).clip(lower=1)) * sd / n.clip(lower=1) ** 0.5
            ax.plot(mean.index, mean, color=_colour(i), label=label, linewidth=1.4)
            ax.fill_between(
                mean.index, mean - half, mean + half, color=_colour(i), alpha=0.12, linewidth=0
            )
            top = (mean + half).to_numpy(float)
            if np.isfinite(top).any():
                highest = max(highest, float(np.nanmax(top)))
        ax.set(
            xlabel="month (0 = baseline survey)",
            ylabel="% of the treatment arm",
            title=name,
        )
        ax.set_ylim(0, min(102.0, max(10.0, 1.2 * highest)))
        ax.set_xlim(0, horizon)
        shown = end_month is not None and end_month + 24 <= horizon
        _shade_programme(ax, 0 if start_month is None else start_month, end_month, shown)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(
        handles, labels, loc="lower center", ncol=min(len(labels), 7), frameon=False, fontsize=9
    )
    return _save(fig, path, title, bottom=0.08)


# ---------------------------------------------------------------------------- bars
def _percent(unit: str) -> float:
    return 100.0 if unit == "share" else 1.0


def _axis_label(outcome: str) -> str:
    unit = OUTCOMES[outcome].unit
    return {
        "share": "% of the treatment arm",
        "USD PPP": "USD PPP",
        "households per USD PPP 100,000": "households per USD PPP 100,000",
    }.get(unit, unit)


def _needs_log(values: np.ndarray) -> bool:
    """Whether one positive value is more than :data:`LOG_RATIO` times another."""
    v = values[np.isfinite(values) & (values > 0)]
    return v.size > 1 and v.max() / v.min() > LOG_RATIO


def _hbars(
    ax,
    strategies: list[str],
    series: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]],
    log: bool = False,
    reasons: list[str] | None = None,
) -> None:
    """Horizontal bars with 95 % intervals, one group per strategy.

    ``series``: ``(label, mean, low, high)`` arrays in strategy order. NaN means are
    written "not applicable" (with the strategy's entry of ``reasons``, if any); an
    infinite upper bound is an arrow to the axis edge, labelled "no upper bound".
    """
    y = np.arange(len(strategies))
    k = len(series)
    height = 0.8 / k
    values = np.concatenate([np.r_[m, a, b] for _, m, a, b in series])
    values = values[np.isfinite(values)]
    open_above = any((np.isfinite(m) & np.isinf(b)).any() for _, m, _, b in series)
    top = float(values.max()) if values.size else 1.0
    if log:
        ax.set_xscale("log")
        positive = values[values > 0]
        low = float(positive.min()) if positive.size else 1.0
        ax.set_xlim(low / 1.6, top * (3.0 if open_above else 1.6))
        ax.xaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    else:
        ax.set_xlim(0, max(top, 1e-9) * (1.3 if open_above else 1.05))
    along = ax.get_yaxis_transform()  # x: fraction of the axis, y: data
    for j, (label, mean, lo, hi) in enumerate(series):
        pos = y + (j - (k - 1) / 2) * height
        ok = np.isfinite(mean)
        colour = _colour(j) if k > 1 else "#4c72b0"
        ax.barh(pos[ok], mean[ok], height * 0.9, color=colour, label=label if k > 1 else None)
        for p, m, a, b in zip(pos, mean, lo, hi, strict=True):
            if not np.isfinite(m):
                continue
            if np.isfinite(a) and np.isfinite(b):
                ax.plot([a, b], [p, p], color="black", linewidth=1)
                ax.plot([a, a], [p - height * 0.2, p + height * 0.2], color="black", lw=1)
                ax.plot([b, b], [p - height * 0.2, p + height * 0.2], color="black", lw=1)
            elif np.isfinite(a) and np.isinf(b):  # open above: an arrow, not a bar top
                ax.plot([a, a], [p - height * 0.2, p + height * 0.2], color="black", lw=1)
                ax.annotate(
                    "",
                    xy=(0.995, p),
                    xycoords=along,
                    xytext=(a, p),
                    textcoords="data",
                    arrowprops={"arrowstyle": "->", "color": "black", "lw": 1},
                )
                ax.text(
                    0.99,
                    p - height * 0.12,
                    "no upper bound",
                    transform=along,
                    ha="right",
                    va="bottom",
                    fontsize=7.5,
                    style="italic",
                )
    # "not applicable" where a value is undefined
    for j, (_, mean, _, _) in enumerate(series):
        pos = y + (j - (k - 1) / 2) * height
        for i, (p, m) in enumerate(zip(pos, mean, strict=True)):
            if not np.isfinite(m):
                why = f": {reasons[i]}" if reasons and reasons[i] else ""
                ax.text(
                    ax.get_xlim()[0] if log else 0,
                    p,
                    "  " + NOT_APPLICABLE + why,
                    va="center",
                    ha="left",
                    fontsize=8,
                    style="italic",
                    color="#555555",
                )
    ax.set_yticks(y, strategies)
    ax.set_ylim(len(strategies) - 0.5, -0.5)  # every row, drawn or not, first on top
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)


def plot_compare_outcomes(table: pd.DataFrame, path: str | Path, title: str = "") -> Path:
    """Bars with 95 % intervals by strategy: sustained graduation 2 and 5 years after the
    project, the cost per additional sustained graduate (a log axis when one strategy's
    dwarfs the others'), the treatment arm's sales to buyers, and pull actors still
    viable at the horizon.

    Args:
        table: :meth:`pushpull_sim.compare.CompareResult.table`.
        path: Where to write the PNG.
        title: Figure title.

    Returns:
        pathlib.Path: The written file.
    """
    cost = "cost_per_additional_sustained_graduate_usd_ppp"
    panels = (
        (
            ("sustained_graduates_2y", "sustained_graduates_5y"),
            "Sustained graduates: graduated at the project's end and still graduated later",
            ("2 years after the end", "5 years after the end"),
            "% of the treatment arm",
        ),
        (
            (cost,),
            "Cost per additional sustained graduate (beyond the control arm's rate, 2 years "
            "after the end)",
            None,
            "USD PPP per additional sustained graduate",
        ),
        (
            ("market_participation_end", "market_participation_end_2y"),
            "Treatment arm selling to a buyer",
            ("in the project's last month", "2 years after the end"),
            "% of the treatment arm",
        ),
        (
            ("commercial_actors_viable_share",),
            "Commercial pull actors still in the market at the horizon",
            None,
            "% of the commercial pull actors",
        ),
    )
    known = set(table["outcome"])
    t = table.set_index(["strategy", "outcome"])
    strategies = list(dict.fromkeys(table["strategy"]))
    fig, axes = plt.subplots(2, 2, figsize=(14, 4.6 + 0.8 * len(strategies)))
    for ax, (outcomes, name, labels, xlabel) in zip(axes.flat, panels, strict=True):
        outcomes = tuple(o for o in outcomes if o in known)
        if not outcomes:
            ax.set_axis_off()
            continue
        series = []
        for j, o in enumerate(outcomes):
            rows = t.xs(o, level="outcome").reindex(strategies)
            scale = _percent(OUTCOMES[o].unit)
            series.append(
                (
                    labels[j] if labels else OUTCOMES[o].label,
                    scale * rows["mean"].to_numpy(float),
                    scale * rows["ci_low"].to_numpy(float),
                    scale * rows["ci_high"].to_numpy(float),
                )
            )
        log = outcomes[0] == cost and _needs_log(series[0][1])
        _hbars(ax, strategies, series, log=log, reasons=_reasons(t, strategies, outcomes[0]))
        ax.set_xlabel(xlabel + (" (logarithmic scale)" if log else ""))
        ax.set_title(_wrap(name, 60), fontsize=10)
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda x, _: f"{x:,.0f}"))
        if log:
            ax.tick_params(axis="x", labelsize=8)
        if labels:
            ax.legend(
                frameon=False,
                fontsize=8,
                loc="upper center",
                bbox_to_anchor=(0.5, -0.16),
                ncol=len(labels),
            )
    fig.text(
        0.5,
        0.005,
        "Bars: mean over replications; lines: 95 % confidence intervals. Shares of the "
        "treatment arm (the households offered the programme).",
        ha="center",
        fontsize=8,
        color="#555555",
    )
    return _save(fig, path, title, bottom=0.03)


def _reasons(t: pd.DataFrame, strategies: list[str], outcome: str) -> list[str]:
    """Why a strategy's value is undefined, in words ('' where it is not or unknown)."""

    def mean(label: str, name: str) -> float:
        try:
            return float(t.at[(label, name), "mean"])
        except KeyError:
            return math.nan

    out = []
    for label in strategies:
        if outcome == "cost_per_additional_sustained_graduate_usd_ppp":
            spent = mean(label, "total_cost_usd_ppp")
            out.append(
                "it spends nothing"
                if spent == 0
                else "no additional graduate on average"
                if mean(label, "additional_sustained_graduates_per_100k_usd_ppp") <= 0
                else ""
            )
        elif outcome == "commercial_actors_viable_share":
            out.append("no commercial pull actor")
        else:
            out.append("")
    return out


# ---------------------------------------------------------------------------- differences
def _difference_scale(outcome: str) -> tuple[float, str]:
    unit = OUTCOMES[outcome].unit
    if unit in ("share", "difference of shares"):
        return 100.0, "difference, percentage points"
    if unit == "USD PPP":
        return 1.0, "difference, USD PPP"
    return 1.0, f"difference, {unit}"


def plot_differences(
    differences: pd.DataFrame, path: str | Path, outcomes: tuple[str, ...], title: str = ""
) -> Path:
    """A forest plot of paired differences: each strategy minus the reference, with its
    95 % interval, zero marked, one panel per outcome. Green: better than the reference,
    red: worse (the interval excludes 0); grey: cannot be told apart.

    Args:
        differences: :meth:`pushpull_sim.compare.CompareResult.differences` (columns
            ``strategy``, ``reference``, ``outcome``, ``mean``, ``ci_low``, ``ci_high``).
        path: Where to write the PNG.
        outcomes: Outcomes to draw, one panel each (those in ``differences``).
        title: Figure title.

    Returns:
        pathlib.Path: The written file.
    """
    outcomes = tuple(o for o in outcomes if o in set(differences["outcome"]))
    strategies = list(dict.fromkeys(differences["strategy"]))
    reference = differences["reference"].iloc[0] if len(differences) else ""
    n = max(len(outcomes), 1)
    cols = 2 if n > 1 else 1
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(7 * cols, 1.2 + (0.55 * len(strategies) + 1.3) * rows), squeeze=False
    )
    y = np.arange(len(strategies))
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        o = OUTCOMES[outcome]
        scale, xlabel = _difference_scale(outcome)
        d = differences[differences["outcome"] == outcome].set_index("strategy").reindex(strategies)
        mean = scale * d["mean"].to_numpy(float)
        lo = scale * d["ci_low"].to_numpy(float)
        hi = scale * d["ci_high"].to_numpy(float)
        ax.axvline(0, color="black", linewidth=1.2, zorder=1)
        span = _span(mean, lo, hi)
        for i, (m, a, b) in enumerate(zip(mean, lo, hi, strict=True)):
            if not np.isfinite(m):
                ax.text(
                    0,
                    i,
                    f"  {NOT_APPLICABLE}",
                    va="center",
                    ha="left",
                    fontsize=8,
                    style="italic",
                    color="#555555",
                )
                continue
            told = np.isfinite(a) and np.isfinite(b) and (a > 0 or b < 0)
            good = (m > 0) == (o.better == "higher")
            kind = "tie" if not told or o.better is None else ("better" if good else "worse")
            colour = VERDICT_COLOURS[kind]
            if np.isfinite(a) and np.isfinite(b):
                left, right = max(a, -1.1 * span), min(b, 1.1 * span)
                ax.plot([left, right], [i, i], color=colour, linewidth=2.2, solid_capstyle="butt")
                for end, bound, side in ((left, a, -1), (right, b, 1)):
                    if end != bound:  # cut at the axis: an arrow and the bound in words
                        ax.annotate(
                            "",
                            xy=(end + side * 0.04 * span, i),
                            xytext=(end, i),
                            arrowprops={"arrowstyle": "->", "color": colour, "lw": 1.5},
                        )
                        ax.text(
                            end,
                            i + 0.32,
                            f"to {_plain(bound, outcome)}",
                            fontsize=7,
                            ha="right" if side > 0 else "left",
                            color=colour,
                        )
            ax.plot([m], [i], "o", color=colour, markersize=7, zorder=3)
            ax.annotate(
                _signed(m, outcome),
                (m, i),
                xytext=(0, 7),
                textcoords="offset points",
                ha="center",
                fontsize=7.5,
                color=colour,
            )
        ax.set_yticks(y, strategies)
        ax.set_ylim(len(strategies) - 0.5, -0.8)
        ax.set_xlim(-1.15 * span, 1.15 * span)
        better = {"higher": "higher is better", "lower": "lower is better"}.get(o.better, "")
        ax.set_title(_wrap(f"{o.heading}: {better}" if better else o.heading, 62), fontsize=10)
        ax.set_xlabel(f"{xlabel} (minus {reference})")
        ax.grid(axis="x", color="#e5e5e5", linewidth=0.6)
        ax.set_axisbelow(True)
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.set_axis_off()
    handles = [
        plt.Line2D(
            [],
            [],
            color=VERDICT_COLOURS["better"],
            marker="o",
            lw=2.2,
            label=f"better than {reference} (95 % interval excludes 0)",
        ),
        plt.Line2D(
            [],
            [],
            color=VERDICT_COLOURS["worse"],
            marker="o",
            lw=2.2,
            label=f"worse than {reference} (95 % interval excludes 0)",
        ),
        plt.Line2D(
            [],
            [],
            color=VERDICT_COLOURS["tie"],
            marker="o",
            lw=2.2,
            label=f"cannot be told apart from {reference} (interval includes 0)",
        ),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=3, frameon=False, fontsize=8.5)
    return _save(fig, path, title, bottom=0.05 if rows > 1 else 0.09)


def _span(mean: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float:
    """Half-width of a forest panel's axis: every row's interval, unless one reaches more
    than three times as far as any other (it is then cut, with an arrow; every mean stays
    on the axis)."""
    rows = np.abs(np.vstack([mean, lo, hi]))
    rows = np.where(np.isfinite(rows), rows, -1.0)  # undefined values reach nowhere
    reach = rows.max(axis=0)
    reach = np.sort(reach[reach >= 0])
    if reach.size == 0 or reach[-1] == 0:
        return 1.0
    means = np.abs(mean[np.isfinite(mean)])
    if reach.size > 1 and reach[-2] > 0 and reach[-1] > 3 * reach[-2]:
        return float(max(1.3 * reach[-2], 1.1 * means.max(initial=0.0)))
    return float(reach[-1])


def _plain(value: float, outcome: str) -> str:
    unit = OUTCOMES[outcome].unit
    if unit in ("USD PPP", "households"):
        return f"{value:,.0f}"
    return f"{value:.1f}"


def _signed(value: float, outcome: str) -> str:
    unit = OUTCOMES[outcome].unit
    if unit in ("share", "difference of shares"):
        return f"{value:+.1f} pts"
    if unit in ("USD PPP", "households"):
        return f"{value:+,.0f}"
    return f"{value:+.2f}"


def plot_lever_attribution(
    attribution: pd.DataFrame, path: str | Path, outcomes: tuple[str, ...], title: str = ""
) -> Path:
    """Each lever group's contribution (added to siloed alone; removed from layered), with
    95 % intervals, one panel per outcome, zero marked.

    Args:
        attribution: :func:`pushpull_sim.compare.lever_attribution`.
        path: Where to write the PNG.
        outcomes: Outcomes to draw (one panel each).
        title: Figure title.

    Returns:
        pathlib.Path: The written file.
    """
    fig, axes = plt.subplots(1, len(outcomes), figsize=(6 * len(outcomes), 5.2), squeeze=False)
    for ax, outcome in zip(axes[0], outcomes, strict=True):
        scale, xlabel = _difference_scale(outcome)
        a = attribution[attribution["outcome"] == outcome]
        levers = [name for name in dict.fromkeys(a["lever"]) if name != "total"]
        y = np.arange(len(levers) + 1)
        for j, est in enumerate(("added", "removed")):
            rows = a[a["estimate"] == est].set_index("lever").reindex(levers)
            mean = scale * rows["mean"].to_numpy(float)
            err = np.vstack([mean - scale * rows["ci_low"], scale * rows["ci_high"] - mean])
            err = np.where(np.isfinite(err), np.maximum(err, 0.0), 0.0)
            ax.barh(
                y[1:] + (j - 0.5) * 0.4,
                np.nan_to_num(mean),
                0.4,
                xerr=err,
                capsize=2,
                color=_colour(j),
                label="added to siloed (what the lever does alone)"
                if j == 0
                else "removed from layered (what it adds to the rest)",
            )
        total = a[a["estimate"] == "total"].iloc[0]
        t_mean = scale * total["mean"]
        t_err = np.array([[t_mean - scale * total["ci_low"]], [scale * total["ci_high"] - t_mean]])
        t_err = np.where(np.isfinite(t_err), np.maximum(t_err, 0.0), 0.0)
        ax.barh(
            [0],
            [t_mean],
            0.5,
            xerr=t_err,
            capsize=2,
            color="#444444",
            ecolor="black",
            label="layered minus siloed",
        )
        if OUTCOMES[outcome].unit == "USD PPP":
            ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda x, _: f"{x:,.0f}"))
        ax.axvline(0, color="grey", linewidth=0.8)
        ax.set_yticks(
            y, ["layered minus siloed", *(lv.replace("_", " ") for lv in levers)], fontsize=8
        )
        ax.invert_yaxis()
        ax.set_title(_wrap(OUTCOMES[outcome].heading, 50), fontsize=10)
        ax.set_xlabel(xlabel)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, frameon=False, fontsize=9)
    return _save(fig, path, title, bottom=0.07)
