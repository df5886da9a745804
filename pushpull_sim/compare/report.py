"""Comparison reports: the printed tables, the Markdown report and the figures, written
atomically to a run directory. The design and statistics are in
:mod:`pushpull_sim.compare.design`.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

from pushpull_sim.compare.design import (
    ADDITIONAL,
    COMPARE_OUTCOMES,
    HEADLINE,
    PER_100K,
    CompareResult,
)
from pushpull_sim.compare.verdict import DEFAULT, verdict, verdict_markdown
from pushpull_sim.outcomes import OUTCOMES as DECLARED
from pushpull_sim.outcomes import cost_effectiveness
from pushpull_sim.strategies import format_lever
from pushpull_sim.text import text_table

#: Printed width of the comparison's tables and notes (columns).
WIDTH = 100

#: The printed tables' columns: graduation and poverty, markets, reach and spending, and
#: cost-effectiveness (a ``benefit_cost_ratio`` joins it once declared). Three columns a
#: table, so that a table fits in :data:`WIDTH` columns whatever its intervals.
TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Graduation and extreme poverty (shares of the treatment arm, 0-1)",
        ("sustained_graduates_2y", "sustained_graduates_5y", "extreme_poor_end_2y"),
    ),
    (
        "Markets (shares, 0-1)",
        (
            "market_participation_end",
            "market_participation_end_2y",
            "commercial_actors_viable_share",
        ),
    ),
    ("Reach and spending", ("participants", "total_cost_usd_ppp", "unspent_usd_ppp")),
    (
        "Cost-effectiveness (sustained graduates 2 years after the end, beyond the control "
        "arm's rate)",
        tuple(dict.fromkeys([PER_100K, ADDITIONAL, *cost_effectiveness()])),
    ),
)


def _unit(outcome: str) -> str:
    return DECLARED[outcome].unit


def _table_rows(
    result: CompareResult,
    outcomes: tuple[str, ...] | None = None,
    cell=None,
    names: dict[str, str] | None = None,
) -> list[list]:
    """Rows (variants) x columns (outcomes), header first.

    Args:
        result: The comparison.
        outcomes: Columns (default :data:`HEADLINE` and the cost per additional
            sustained graduate).
        cell: ``cell(mean, low, high, unit) -> str`` (default "mean [low, high]").
        names: Column headers by outcome (default the outcome names).
    """
    cell = cell or _cell
    names = names or {}
    table = result.table()
    if outcomes is None:
        outcomes = tuple(dict.fromkeys([*HEADLINE, *cost_effectiveness()]))
    outcomes = tuple(o for o in outcomes if o in set(table["outcome"]))
    t = table.set_index(["strategy", "outcome"])
    rows = [["strategy", *(names.get(o, o) for o in outcomes)]]
    for label in result.variants:
        row = [label]
        for o in outcomes:
            r = t.loc[(label, o)]
            row.append(cell(r["mean"], r["ci_low"], r["ci_high"], r["unit"]))
        rows.append(row)
    return rows


#: Short column names of the printed tables: the declared outcomes' labels.
SHORT = {name: DECLARED[name].label for name in COMPARE_OUTCOMES}

#: The printed table's legend.
LEGEND = (
    "Cells: mean ±half-width of the 95 % CI over replications; [low, high] where the "
    "interval is not symmetric. sust.grads: share of the treatment arm graduated at the "
    "end and still 2 (and 5) years later; ext.poor, selling (to a buyer): shares of the "
    "treatment arm; served: households the push stream served; pull viable: share of "
    "commercial pull actors still in the market at the horizon; spent, unspent: USD PPP; "
    "extra grads/100k: sustained graduates beyond the control arm's rate per USD PPP "
    "100,000 spent; cost/extra grad: USD PPP per such graduate (100,000 / extra "
    "grads/100k)."
)


def wrap(text: str, prefix: str = "", width: int = WIDTH) -> list[str]:
    """``text`` wrapped at ``width`` columns, continuation lines indented under it."""
    return textwrap.wrap(
        text,
        width,
        initial_indent=prefix,
        subsequent_indent=" " * len(prefix),
        break_on_hyphens=False,
    )


def format_table(result: CompareResult, outcomes: tuple[str, ...] | None = None) -> str:
    """The comparison as plain text, at most :data:`WIDTH` columns wide: one row per
    strategy, ``mean ±half-width`` of the 95 % confidence interval, in two tables
    (:data:`TABLES`) unless ``outcomes`` chooses the columns; then the legend and notes.

    Args:
        result: The comparison.
        outcomes: Columns of a single table (default :data:`TABLES`).
    """
    groups = TABLES if outcomes is None else (("", tuple(outcomes)),)
    lines: list[str] = []
    for title, columns in groups:
        if title:
            lines += [title, ""] if not lines else ["", title, ""]
        lines += text_table(_table_rows(result, columns, _short_cell, SHORT))
    n = result.treatment_households
    lines.append("")
    if np.isfinite(n):
        lines += wrap(
            f"The treatment arm (the households offered the programme, the same under every "
            f"strategy): {n:,.0f} households."
        )
    lines += wrap(LEGEND)
    for note in result.notes():
        lines += wrap(note, "note: ")
    return "\n".join(lines)


def format_differences(result: CompareResult, reference: str | None = None) -> str:
    """Paired differences from a reference strategy, as plain text at most :data:`WIDTH`
    columns wide (mean ±half-width of the 95 % CI of the per-replication differences;
    see :meth:`CompareResult.differences`): the shares of :data:`TABLES`, then the rest.
    """
    diff = result.differences(reference)
    if diff.empty:
        return ""
    ref = diff["reference"].iloc[0]
    columns = [o for _, group in TABLES for o in group if o in set(diff["outcome"])]
    labels = list(dict.fromkeys(diff["strategy"]))
    cells = {}
    for label in labels:
        d = diff[diff["strategy"] == label].set_index("outcome")
        for o in columns:
            cells[label, o] = _short_cell(
                d.at[o, "mean"], d.at[o, "ci_low"], d.at[o, "ci_high"], _unit(o), True
            )
    lines = [f"Paired differences: each strategy minus {ref}"]
    for group in _packed(columns, labels, cells, f"minus {ref}"):
        lines += ["", *group]
    lines.append("")
    lines += wrap(
        f"Paired by replication: the same households and shocks. An interval that excludes 0 "
        f"is a difference from {ref} the replications can tell; one that includes 0 is not."
    )
    return "\n".join(lines)


def _packed(
    columns: list[str], labels: list[str], cells: dict[tuple[str, str], str], corner: str
) -> list[list[str]]:
    """Text tables of ``columns``, as many to a table as fit in :data:`WIDTH` columns."""
    tables: list[list[str]] = []
    chosen: list[str] = []

    def rendered(cols: list[str]) -> list[str]:
        rows = [[corner, *(SHORT.get(o, o) for o in cols)]]
        rows += [[label, *(cells[label, o] for o in cols)] for label in labels]
        return text_table(rows)

    for o in columns:
        if chosen and max(map(len, rendered([*chosen, o]))) > WIDTH:
            tables.append(rendered(chosen))
            chosen = []
        chosen.append(o)
    if chosen:
        tables.append(rendered(chosen))
    return tables


def _short_cell(mean: float, lo: float, hi: float, unit: str, signed: bool = False) -> str:
    """``mean ±half-width``; ``mean [low, high]`` when the interval is not symmetric
    (``no upper bound`` when it is open); ``not applicable`` when undefined."""
    if not np.isfinite(mean):
        return "not applicable"
    whole = unit in ("USD PPP", "households")
    digits = 2 if unit == "households per USD PPP 100,000" else 3
    sign = "+" if signed else ""

    def fmt(x: float, sign: str = "") -> str:
        return f"{x:{sign},.0f}" if whole else f"{x:{sign}.{digits}f}"

    cell = fmt(mean, sign)
    if np.isnan(lo) or np.isnan(hi):
        return cell
    if not np.isfinite(hi) or not np.isfinite(lo):
        return f"{cell} [{fmt(lo)}, no upper bound]"
    half = (hi - lo) / 2
    if not np.isclose(mean - lo, hi - mean, rtol=0.02, atol=1e-12):
        return f"{cell} [{fmt(lo)}, {fmt(hi)}]"
    if half > 0:
        cell += f" ±{fmt(half)}"
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
        unit = _unit(outcome)
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
    """``mean [low, high]``; ``not applicable`` when undefined, ``no upper bound`` for an
    open interval."""
    if not np.isfinite(mean):
        return "not applicable"
    if unit in ("USD PPP", "households"):
        fmt = "{:,.0f}"
    elif unit == "households per USD PPP 100,000":
        fmt = "{:.2f}"
    else:
        fmt = "{:.3f}"
    if np.isnan(lo) or np.isnan(hi):
        return fmt.format(mean)
    top = "no upper bound" if np.isinf(hi) else fmt.format(hi)
    return f"{fmt.format(mean)} [{fmt.format(lo)}, {top}]"


#: Files :func:`write_comparison` writes (plus ``levers.*`` and ``compare_levers.png`` with
#: a lever attribution).
COMPARE_FILES = (
    "comparison.parquet",
    "comparison.csv",
    "differences.csv",
    "runs.parquet",
    "spending.csv",
    "report.md",
    "compare_differences.png",
    "compare_timeseries.png",
    "compare_outcomes.png",
)


def write_comparison(
    result: CompareResult,
    out: Path,
    force: bool = False,
    tmp: Path | None = None,
    attribution: pd.DataFrame | None = None,
    verdict_on: str = DEFAULT,
) -> Path:
    """Write a comparison's tables, figures and report to a directory, atomically.

    Files: ``comparison.parquet`` and ``comparison.csv`` (:meth:`CompareResult.table`),
    ``differences.csv`` (:meth:`CompareResult.differences`), ``runs.parquet`` (one row
    per strategy x replication), ``spending.csv`` (mean spending by strategy and cost
    line), ``report.md`` (the verdict first), ``compare_differences.png`` (the paired
    differences from the reference strategy), ``compare_timeseries.png``,
    ``compare_outcomes.png``; with ``attribution``, ``levers.parquet``, ``levers.csv``
    and ``compare_levers.png``.

    Args:
        result: The comparison.
        out: Target directory.
        force: Replace an existing non-empty directory.
        tmp: Temporary directory from :func:`pushpull_sim.output.prepare_output`.
        attribution: :func:`lever_attribution`, if run.
        verdict_on: The outcome of the verdict (default
            :data:`~pushpull_sim.compare.verdict.DEFAULT`).

    Returns:
        pathlib.Path: ``out``.

    Raises:
        OutputError: As :func:`pushpull_sim.output.prepare_output`.
    """
    from pushpull_sim.output import commit_output, prepare_output
    from pushpull_sim.plots import (
        plot_compare_outcomes,
        plot_compare_series,
        plot_differences,
        plot_lever_attribution,
    )

    out = Path(out)
    tmp = prepare_output(out, force) if tmp is None else tmp
    try:
        table = result.table()
        table.to_parquet(tmp / "comparison.parquet", index=False)
        table.to_csv(tmp / "comparison.csv", index=False)
        v = verdict(result, verdict_on)
        diff = result.differences(outcomes=_difference_outcomes(v.outcome))
        diff.to_csv(tmp / "differences.csv", index=False)
        result.runs.to_parquet(tmp / "runs.parquet", index=False)
        result.spending().to_csv(tmp / "spending.csv", index=False)
        name = result.scenario.name
        prog = result.scenario.programme
        plot_differences(
            diff,
            tmp / "compare_differences.png",
            _figure_outcomes(v.outcome),
            title=f"{name}: each strategy minus {_reference(diff)}, "
            f"{result.replications} replications paired on common random numbers",
        )
        plot_compare_series(
            result.series,
            tmp / "compare_timeseries.png",
            title=f"{name}: the treatment arm under each strategy "
            f"(mean and 95 % CI over {result.replications} replications)",
            start_month=prog.start_month,
            end_month=prog.end_month,
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
        text = report_markdown(result, attribution, verdict_on=verdict_on)
        (tmp / "report.md").write_text(text, encoding="utf-8")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    commit_output(tmp, out, force)
    return out


def _reference(diff: pd.DataFrame) -> str:
    return str(diff["reference"].iloc[0]) if not diff.empty else ""


def _difference_outcomes(ranked: str) -> tuple[str, ...]:
    """The paired differences kept: the verdict's outcome, then :data:`HEADLINE`."""
    return tuple(dict.fromkeys([ranked, *HEADLINE]))


def _figure_outcomes(ranked: str) -> tuple[str, ...]:
    """The panels of the paired-differences figure: the verdict's outcome first."""
    return tuple(
        dict.fromkeys(
            [
                ranked,
                "sustained_graduates_2y",
                "extreme_poor_end_2y",
                "market_participation_end_2y",
                "sustained_graduates_5y",
            ]
        )
    )[:4]


def report_markdown(
    result: CompareResult,
    attribution: pd.DataFrame | None = None,
    verdict_on: str = DEFAULT,
) -> str:
    """The comparison report (Markdown): the verdict, the paired-differences figure,
    tables, spending, levers and the other figures."""
    sc = result.scenario
    budget = sc.programme.budget_usd_ppp
    v = verdict(result, verdict_on)
    lines = [f"# Strategy comparison: {sc.name}", "", sc.description or "", ""]
    lines += ["## Verdict", "", *verdict_markdown(v, result), ""]
    lines += [
        "![paired differences](compare_differences.png)",
        "",
        f"- Seed {result.seed}, {result.replications} replications per strategy, on common "
        "random numbers: under every strategy, replication r has the same households, "
        "network, targeting list, trial assignment and shocks.",
        "- Budget for every strategy: "
        + (f"USD PPP {budget:,.0f} (push + pull + coordination)." if budget else "no limit."),
        "- Outcomes concern the households offered the programme (the treatment arm: the "
        "same households under every strategy"
        + (
            f", {result.treatment_households:,.0f} of them"
            if np.isfinite(result.treatment_households)
            else ""
        )
        + "). `end` is the project's last month (month "
        f"{sc.programme.end_month}); `end+2y` and `end+5y` are 2 and 5 years later.",
        "- Cost-effectiveness: the cost per additional sustained graduate (USD PPP spent per "
        "household of the treatment arm graduated at the end and still 2 years later, beyond "
        "the control arm's rate: the trial's counterfactual), the figure `pushpull run` and "
        "sweeps report; over replications it is 100,000 / the mean additional sustained "
        "graduates per USD PPP 100,000.",
        "- Cells: mean over replications [95 % confidence interval]; *not applicable* where "
        "a figure is undefined (a cost per graduate without an additional graduate, a share "
        "of no pull actor); *no upper bound* where the replications cannot rule out that a "
        "strategy adds no sustained graduate.",
        "",
        "## Outcomes",
        "",
    ]
    lines += _markdown(_table_rows(result))
    diff = result.differences(outcomes=_difference_outcomes(v.outcome))
    if not diff.empty:
        ref = _reference(diff)
        outcomes = list(dict.fromkeys(diff["outcome"]))
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
        rows = [["strategy", *outcomes]]
        for label in dict.fromkeys(diff["strategy"]):
            d = diff[diff["strategy"] == label].set_index("outcome")
            rows.append(
                [label]
                + [
                    _cell(d.at[o, "mean"], d.at[o, "ci_low"], d.at[o, "ci_high"], _unit(o))
                    for o in outcomes
                ]
            )
        lines += _markdown(rows)
    notes = result.notes()
    if notes:
        lines += ["", "**Notes**", ""] + [f"- {n}." for n in notes]
    lines += ["", "![outcomes](compare_outcomes.png)", "", "![over time](compare_timeseries.png)"]
    lines += ["", "## What each outcome means", ""]
    lines += [f"- `{k}` ({DECLARED[k].unit}): {DECLARED[k].definition}." for k in result.outcomes]
    lines += [
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
            unit = _unit(outcome)
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
