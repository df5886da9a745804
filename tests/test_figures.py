"""Figures a non-programmer can read: the programme window shaded, titles in words,
a log axis when one bar dwarfs the rest, "not applicable" written (never a zero bar),
an open interval drawn as an arrow, the paired differences with zero marked."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.patches import Rectangle

from pushpull_sim import plots

INF, NAN = math.inf, math.nan


@pytest.fixture
def figures(monkeypatch):
    """The figures the plot functions draw, kept open instead of written."""
    kept = []

    def keep(fig, path, title, bottom=0.0):
        kept.append(fig)
        return Path(path)

    monkeypatch.setattr(plots, "_save", keep)
    yield kept
    for fig in kept:
        plots.plt.close(fig)


def texts(ax) -> list[str]:
    return [t.get_text().strip() for t in ax.texts]


def window(ax) -> tuple[float, float]:
    (span,) = [p for p in ax.patches if p.get_label() == "programme months"]
    assert isinstance(span, Rectangle)
    return span.get_x(), span.get_x() + span.get_width()


def table(cost: dict[str, tuple[float, float, float]]) -> pd.DataFrame:
    """A comparison table: the given cost per additional sustained graduate, plain
    values elsewhere (no commercial pull actor under ``none``)."""
    rows = []
    for s, (mean, lo, hi) in cost.items():
        rows.append([s, "cost_per_additional_sustained_graduate_usd_ppp", "USD PPP", mean, lo, hi])
        for o in (
            "sustained_graduates_2y",
            "sustained_graduates_5y",
            "market_participation_end",
            "market_participation_end_2y",
        ):
            rows.append([s, o, "share", 0.1, 0.08, 0.12])
        viable = NAN if s == "none" else 0.8
        rows.append([s, "commercial_actors_viable_share", "share", viable, viable, viable])
        spent = 0.0 if s == "none" else 200_000.0
        rows.append([s, "total_cost_usd_ppp", "USD PPP", spent, spent, spent])
    return pd.DataFrame(rows, columns=["strategy", "outcome", "unit", "mean", "ci_low", "ci_high"])


def test_one_cost_that_dwarfs_the_rest_gets_a_log_axis_an_arrow_and_words(figures):
    t = table(
        {
            "none": (NAN, NAN, NAN),
            "pull_only": (180_000.0, 30_000.0, INF),
            "siloed": (18_000.0, 15_000.0, 21_000.0),
            "layered": (14_000.0, 12_000.0, 16_000.0),
        }
    )
    plots.plot_compare_outcomes(t, "unused.png")
    cost = figures[0].axes[1]
    assert cost.get_xscale() == "log" and "logarithmic" in cost.get_xlabel()
    assert cost.get_title().startswith("Cost per additional sustained graduate")
    bars = [p for p in cost.patches if isinstance(p, Rectangle)]
    assert sorted(b.get_width() for b in bars) == [14_000.0, 18_000.0, 180_000.0]  # no 0 bar
    assert "not applicable: it spends nothing" in texts(cost) and "no upper bound" in texts(cost)
    arrows = [a for a in cost.texts if getattr(a, "arrow_patch", None) is not None]
    (arrow,) = arrows  # open above: from the lower bound to the axis edge, past every bar
    assert arrow.xyann[0] == 30_000.0 and arrow.xy[0] > 0.99
    # a share of no commercial pull actor is written, not drawn as a zero bar
    viable = figures[0].axes[3]
    assert "not applicable: no commercial pull actor" in texts(viable)
    assert len([p for p in viable.patches if isinstance(p, Rectangle)]) == 3
    assert "%" in viable.get_xlabel()


def test_similar_costs_keep_a_linear_axis(figures):
    t = table({"siloed": (18_000.0, 15_000.0, 21_000.0), "layered": (14_000.0, 1.0, 16_000.0)})
    plots.plot_compare_outcomes(t, "unused.png")
    assert figures[0].axes[1].get_xscale() == "linear"


def test_the_forest_plot_marks_zero_colours_verdicts_and_writes_not_applicable(figures):
    d = pd.DataFrame(
        [
            ["none", "siloed", "sustained_graduates_2y", -0.07, -0.09, -0.05],
            ["layered", "siloed", "sustained_graduates_2y", 0.016, 0.008, 0.024],
            ["sequenced", "siloed", "sustained_graduates_2y", 0.004, -0.002, 0.010],
            ["none", "siloed", "additional_sustained_graduates_per_100k_usd_ppp", NAN, NAN, NAN],
            ["layered", "siloed", "additional_sustained_graduates_per_100k_usd_ppp", 0.5, -40, 1],
            ["sequenced", "siloed", "additional_sustained_graduates_per_100k_usd_ppp", 1, 0.5, 1.5],
        ],
        columns=["strategy", "reference", "outcome", "mean", "ci_low", "ci_high"],
    )
    outcomes = ("additional_sustained_graduates_per_100k_usd_ppp", "sustained_graduates_2y")
    plots.plot_differences(d, "unused.png", outcomes)
    per_dollar, share = figures[0].axes[:2]
    for ax in (per_dollar, share):
        assert any(list(line.get_xdata()) == [0, 0] for line in ax.lines)  # zero marked
        assert "minus siloed" in ax.get_xlabel()
    assert "higher is better" in share.get_title() and "percentage points" in share.get_xlabel()
    dots = {
        tuple(line.get_ydata()): line.get_color()
        for line in share.lines
        if line.get_marker() == "o"
    }
    assert dots[(0,)] == plots.VERDICT_COLOURS["worse"]  # none: interval below 0
    assert dots[(1,)] == plots.VERDICT_COLOURS["better"]  # layered: above 0
    assert dots[(2,)] == plots.VERDICT_COLOURS["tie"]  # sequenced: includes 0
    assert "+1.6 pts" in texts(share)
    assert "not applicable" in texts(per_dollar)
    # one interval forty times the others' is cut at the axis with an arrow and its bound
    assert per_dollar.get_xlim()[0] > -40 and "to -40.0" in texts(per_dollar)


def test_run_and_comparison_figures_shade_the_programme_window(figures):
    months = np.arange(0, 61)
    ts = pd.DataFrame(
        [
            {
                "replication": 0,
                "month": m,
                "arm": arm,
                "extreme_poverty_headcount": 0.8,
                "graduated_share": 0.1,
                "assets_p10": 10.0,
                "assets_p50": 50.0,
                "assets_p90": 90.0,
            }
            for m in months
            for arm in ("treatment", "control", "ineligible")
        ]
    )
    plots.plot_run(ts, "unused.png", start_month=0, end_month=24)
    for ax in figures[0].axes:
        assert window(ax) == (0, 24)
        assert "baseline" in ax.get_xlabel()
    series = ts[ts["arm"] == "treatment"].assign(strategy="siloed").drop(columns="arm")
    plots.plot_compare_series(series, "unused.png", start_month=0, end_month=24)
    for ax in figures[1].axes:
        assert window(ax) == (0, 24)
        assert {"programme", "end + 2 y"} <= set(texts(ax))  # every line is labelled
        assert "%" in ax.get_ylabel()
    legend = figures[1].legends[0]
    assert "programme months" in [t.get_text() for t in legend.get_texts()]
