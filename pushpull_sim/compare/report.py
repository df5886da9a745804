"""Comparison reports: the printed tables, the Markdown report and the figures, written
atomically to a run directory. The design and statistics are in
:mod:`pushpull_sim.compare.design`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from pushpull_sim.compare.design import (
    ADDITIONAL,
    COMPARE_OUTCOMES,
    HEADLINE,
    OUTCOMES,
    CompareResult,
)
from pushpull_sim.outcomes import OUTCOMES as DECLARED
from pushpull_sim.strategies import format_lever
from pushpull_sim.text import text_table


def _table_rows(
    result: CompareResult,
    outcomes: tuple[str, ...] | None = None,
    cell=None,
    names: dict[str, str] | None = None,
) -> list[list]:
    """Rows (variants) x columns (outcomes), header first.

    Args:
        result: The comparison.
        outcomes: Columns (default :data:`HEADLINE`, plus the cost per additional
            sustained graduate when ``none`` was run).
        cell: ``cell(mean, low, high, unit) -> str`` (default "mean [low, high]").
        names: Column headers by outcome (default the outcome names).
    """
    cell = cell or _cell
    names = names or {}
    table = result.table()
    if outcomes is None:
        outcomes = HEADLINE + ((ADDITIONAL,) if ADDITIONAL in set(table["outcome"]) else ())
    t = table.set_index(["strategy", "outcome"])
    rows = [["strategy", *(names.get(o, o) for o in outcomes)]]
    for label in result.variants:
        row = [label]
        for o in outcomes:
            r = t.loc[(label, o)]
            row.append(cell(r["mean"], r["ci_low"], r["ci_high"], r["unit"]))
        rows.append(row)
    return rows


#: Short column names of the printed table: the declared outcomes' labels.
SHORT = {
    **{name: DECLARED[name].label for name in COMPARE_OUTCOMES},
    ADDITIONAL: "cost/extra sust.grad",
}

#: The printed table's legend.
LEGEND = (
    "served: households the push stream served; sust.grads: share of the treatment arm "
    "graduated at the end and still 2 (and 5) years later; ext.poor, selling (to a buyer): "
    "shares of the treatment arm; pull viable: share of commercial pull actors still in "
    "the market at the horizon; spent, cost/extra sust.grad (over none): USD PPP"
)


def format_table(result: CompareResult, outcomes: tuple[str, ...] | None = None) -> str:
    """The comparison as a plain-text table: one row per strategy, ``mean ±half-width``
    of the 95 % confidence interval (costs in USD PPP).

    Args:
        result: The comparison.
        outcomes: Columns (default :data:`HEADLINE`, plus the cost per additional
            sustained graduate when ``none`` was run).
    """
    lines = text_table(_table_rows(result, outcomes, _short_cell, SHORT))
    lines.append("(mean ±half-width of the 95 % CI over replications)")
    lines.append(LEGEND)
    lines += [f"note: {n}" for n in result.notes()]
    return "\n".join(lines)


def format_differences(result: CompareResult, reference: str | None = None) -> str:
    """Paired differences from a reference strategy, as plain text (mean ±half-width of
    the 95 % CI of the per-replication differences; see :meth:`CompareResult.differences`).
    """
    diff = result.differences(reference)
    if diff.empty:
        return ""
    ref = diff["reference"].iloc[0]
    rows = [[f"minus {ref}", *(SHORT.get(o, o) for o in HEADLINE)]]
    for label in dict.fromkeys(diff["strategy"]):
        d = diff[diff["strategy"] == label].set_index("outcome")
        unit = {o: OUTCOMES[o][0] for o in HEADLINE}
        rows.append(
            [label]
            + [
                _short_cell(d.at[o, "mean"], d.at[o, "ci_low"], d.at[o, "ci_high"], unit[o], True)
                for o in HEADLINE
            ]
        )
    lines = text_table(rows)
    lines.append(
        f"(paired by replication: the same households and shocks; a CI that excludes 0 is a "
        f"difference from {ref} the replications can tell)"
    )
    return "\n".join(lines)


def _short_cell(mean: float, lo: float, hi: float, unit: str, signed: bool = False) -> str:
    """``mean ±half-width``; ``mean [low, inf]`` when the interval is unbounded."""
    if not np.isfinite(mean):
        return "n/a"
    whole = unit in ("USD PPP", "households")
    sign = "+" if signed else ""
    cell = f"{mean:{sign},.0f}" if whole else f"{mean:{sign}.3f}"
    if np.isnan(lo) or np.isnan(hi):
        return cell
    if not np.isfinite(hi) or not np.isfinite(lo):
        bound = f"{lo:,.0f}" if whole else f"{lo:.3f}"
        return f"{cell} [{bound}, inf]"
    half = (hi - lo) / 2
    if half > 0:
        cell += f" ±{half:,.0f}" if whole else f" ±{half:.3f}"
    return cell


def format_attribution(
    attribution: pd.DataFrame,
    outcomes: tuple[str, ...] = ("sustained_graduates_2y", "total_cost_usd_ppp"),
) -> str:
    """The lever attribution as plain text: per outcome, one row per lever group with its
    contribution added alone to siloed, and in layered (layered minus layered without it),
    mean [95 % CI]."""
    lines = []
    for outcome in outcomes:
        a = attribution[attribution["outcome"] == outcome]
        unit = OUTCOMES[outcome][0]
        rows = [[outcome, "added to siloed (alone)", "in layered (layered - without it)"]]
        for lever in dict.fromkeys(a["lever"]):
            cells = {
                r["estimate"]: _cell(r["mean"], r["ci_low"], r["ci_high"], unit)
                for _, r in a[a["lever"] == lever].iterrows()
            }
            if lever == "total":
                rows.append(["layered - siloed", cells["total"], ""])
            else:
                rows.append([lever, cells["added"], cells["removed"]])
        lines += [*text_table(rows), ""]
    return "\n".join(lines).rstrip()


def _cell(mean: float, lo: float, hi: float, unit: str) -> str:
    if not np.isfinite(mean):
        return "n/a"
    fmt = "{:,.0f}" if unit == "USD PPP" else "{:.3f}"
    if np.isnan(lo) or np.isnan(hi):
        return fmt.format(mean)
    return f"{fmt.format(mean)} [{fmt.format(lo)}, {fmt.format(hi)}]"


#: Files :func:`write_comparison` writes (plus ``levers.*`` and ``compare_levers.png`` with
#: a lever attribution).
COMPARE_FILES = (
    "comparison.parquet",
    "comparison.csv",
    "differences.csv",
    "runs.parquet",
    "spending.csv",
    "report.md",
    "compare_timeseries.png",
    "compare_outcomes.png",
)


def write_comparison(
    result: CompareResult,
    out: Path,
    force: bool = False,
    tmp: Path | None = None,
    attribution: pd.DataFrame | None = None,
) -> Path:
    """Write a comparison's tables, figures and report to a directory, atomically.

    Files: ``comparison.parquet`` and ``comparison.csv`` (:meth:`CompareResult.table`),
    ``differences.csv`` (:meth:`CompareResult.differences`), ``runs.parquet`` (one row
    per strategy x replication), ``spending.csv`` (mean spending by strategy and cost
    line), ``report.md``, ``compare_timeseries.png``, ``compare_outcomes.png``; with
    ``attribution``, ``levers.parquet``, ``levers.csv`` and ``compare_levers.png``.

    Args:
        result: The comparison.
        out: Target directory.
        force: Replace an existing non-empty directory.
        tmp: Temporary directory from :func:`pushpull_sim.output.prepare_output`.
        attribution: :func:`lever_attribution`, if run.

    Returns:
        pathlib.Path: ``out``.

    Raises:
        OutputError: As :func:`pushpull_sim.output.prepare_output`.
    """
    from pushpull_sim.output import commit_output, prepare_output
    from pushpull_sim.plots import (
        plot_compare_outcomes,
        plot_compare_series,
        plot_lever_attribution,
    )

    out = Path(out)
    tmp = prepare_output(out, force) if tmp is None else tmp
    try:
        table = result.table()
        table.to_parquet(tmp / "comparison.parquet", index=False)
        table.to_csv(tmp / "comparison.csv", index=False)
        result.differences().to_csv(tmp / "differences.csv", index=False)
        result.runs.to_parquet(tmp / "runs.parquet", index=False)
        result.spending().to_csv(tmp / "spending.csv", index=False)
        name = result.scenario.name
        plot_compare_series(
            result.series,
            tmp / "compare_timeseries.png",
            title=f"{name}: strategies on common random numbers",
            end_month=result.scenario.programme.end_month,
        )
        plot_compare_outcomes(table, tmp / "compare_outcomes.png", title=name)
        if attribution is not None:
            attribution.to_parquet(tmp / "levers.parquet", index=False)
            attribution.to_csv(tmp / "levers.csv", index=False)
            plot_lever_attribution(
                attribution,
                tmp / "compare_levers.png",
                ("sustained_graduates_2y", "market_participation_end_2y", "total_cost_usd_ppp"),
                title=f"{name}: the disconnect, lever by lever",
            )
        (tmp / "report.md").write_text(report_markdown(result, attribution), encoding="utf-8")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    commit_output(tmp, out, force)
    return out


def report_markdown(result: CompareResult, attribution: pd.DataFrame | None = None) -> str:
    """The comparison report (Markdown): tables, spending, levers and figures."""
    sc = result.scenario
    budget = sc.programme.budget_usd_ppp
    lines = [
        f"# Strategy comparison: {sc.name}",
        "",
        sc.description or "",
        "",
        f"- Seed {result.seed}, {result.replications} replications per strategy, on common "
        "random numbers: under every strategy, replication r has the same households, "
        "network, targeting list, trial assignment and shocks.",
        "- Budget for every strategy: "
        + (f"USD PPP {budget:,.0f} (push + pull + coordination)." if budget else "no limit."),
        "- Outcomes concern the households offered the programme (the treatment arm: the "
        "same households under every strategy). `end` is the project's last month (month "
        f"{sc.programme.end_month}); `end+2y` and `end+5y` are 2 and 5 years later.",
        "- Cells: mean over replications [95 % confidence interval].",
        "",
        "## Outcomes",
        "",
    ]
    lines += _markdown(_table_rows(result))
    diff = result.differences()
    if not diff.empty:
        ref = diff["reference"].iloc[0]
        lines += [
            "",
            f"### Paired differences from {ref}",
            "",
            "Each strategy minus "
            f"{ref}, replication by replication (the same households and shocks), mean "
            "[95 % CI]. An interval that excludes 0 is a difference the replications can "
            "tell; overlapping intervals in the table above can hide one.",
            "",
        ]
        rows = [["strategy", *HEADLINE]]
        for label in dict.fromkeys(diff["strategy"]):
            d = diff[diff["strategy"] == label].set_index("outcome")
            rows.append(
                [label]
                + [
                    _cell(d.at[o, "mean"], d.at[o, "ci_low"], d.at[o, "ci_high"], OUTCOMES[o][0])
                    for o in HEADLINE
                ]
            )
        lines += _markdown(rows)
    notes = result.notes()
    if notes:
        lines += ["", "**Notes**", ""] + [f"- {n}." for n in notes]
    lines += ["", "![outcomes](compare_outcomes.png)", "", "![over time](compare_timeseries.png)"]
    lines += ["", "## What each outcome means", ""]
    lines += [f"- `{k}` ({unit}): {meaning}." for k, (unit, meaning) in OUTCOMES.items()]
    lines += [
        f"- `{ADDITIONAL}` (USD PPP): extra cost over `none` per extra household graduated "
        "at the end and still 2 years later (paired by replication; bootstrap interval).",
        "",
        "## How each strategy spent the budget",
        "",
        "Mean USD PPP per run, by cost line. Money a strategy could not spend (a pull "
        "implementer with nothing to support, push support that stopped when households "
        "were handed over) stays unspent.",
        "",
    ]
    spend = result.spending()
    if not spend.empty:
        wide = spend.pivot(index="strategy", columns="line", values="usd_ppp").fillna(0.0)
        wide = wide.reindex([v for v in result.variants if v in wide.index])
        wide["total"] = wide.sum(axis=1)
        if budget:
            wide["unspent"] = budget - wide["total"]
        rows = [["strategy", *wide.columns]]
        rows += [[i, *(f"{v:,.0f}" for v in r)] for i, r in wide.iterrows()]
        lines += _markdown(rows)
    lines += ["", "## Lever settings", ""]
    lever_keys = [k for k in next(iter(result.levers.values()))]
    rows = [["lever", *result.levers]]
    rows += [[k, *(format_lever(result.levers[v][k]) for v in result.levers)] for k in lever_keys]
    lines += _markdown(rows)
    if attribution is not None:
        lines += [
            "",
            "## The disconnect, lever by lever",
            "",
            "Each lever group switched from its siloed to its layered setting. *Added*: "
            "siloed with only that group connected, minus siloed (what it does alone). "
            "*Removed*: layered minus layered with that group disconnected (what it adds "
            "when everything else is connected). Where the two differ, levers work "
            "together. Paired differences, mean [95 % CI].",
            "",
        ]
        for outcome in dict.fromkeys(attribution["outcome"]):
            a = attribution[attribution["outcome"] == outcome]
            unit = OUTCOMES[outcome][0]
            rows = [["lever", "added (alone)", "in layered (layered - without it)"]]
            for lever in dict.fromkeys(a["lever"]):
                cells = []
                for est in ("total",) if lever == "total" else ("added", "removed"):
                    r = a[(a["lever"] == lever) & (a["estimate"] == est)].iloc[0]
                    cells.append(_cell(r["mean"], r["ci_low"], r["ci_high"], unit))
                if lever == "total":
                    cells = [f"layered - siloed: {cells[0]}", ""]
                rows.append([lever, *cells])
            lines += [f"### {outcome}", ""] + _markdown(rows) + [""]
        lines += ["![levers](compare_levers.png)"]
    return "\n".join(lines) + "\n"


def _markdown(rows: list[list]) -> list[str]:
    out = ["| " + " | ".join(str(c) for c in rows[0]) + " |"]
    out.append("|" + "---|" * len(rows[0]))
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows[1:]]
    return out
