"""Compare integration strategies for the same budget, on common random numbers.

Every strategy runs on the same scenario, seed and replications, so each replication
has the same households, network, targeting list, trial assignment and shocks under
every strategy (common random numbers: the model draws each process from its own named
stream). Differences between strategies are then differences their levers make, and
paired differences have much narrower confidence intervals than the outcomes themselves.

Outcomes (:data:`COMPARE_OUTCOMES`, declared once in :mod:`pushpull_sim.outcomes`, where
sweeps and the run summary read them too) concern the households the programme was
offered to: the treatment arm of the virtual trial (the intent-to-treat population), the
same households under every strategy. ``end`` is the project's last month
(``programme.end_month``); the suffixes ``_2y`` and ``_5y`` mean 24 and 60 months later.
"""

from __future__ import annotations

import math
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from pushpull_sim.components import registry
from pushpull_sim.executors import executor
from pushpull_sim.outcomes import OUTCOMES as DECLARED
from pushpull_sim.outcomes import evaluate
from pushpull_sim.results import simulate
from pushpull_sim.scenario import Scenario, ScenarioError
from pushpull_sim.strategies import (
    LEVER_GROUPS,
    STRATEGIES,
    apply_strategy,
    format_lever,
    lever_group_variant,
)
from pushpull_sim.text import text_table

#: The declared outcomes (:mod:`pushpull_sim.outcomes`) a comparison measures, in table
#: order. Shares are of the treatment arm.
COMPARE_OUTCOMES: tuple[str, ...] = (
    "treatment_households",
    "participants",
    "graduated_end",
    "graduated_end_2y",
    "graduated_end_5y",
    "sustained_graduates_2y",
    "sustained_graduates_5y",
    "sustained_2y",
    "sustained_5y",
    "extreme_poor_end",
    "extreme_poor_end_2y",
    "extreme_poor_end_5y",
    "consumption_ppd_end_2y",
    "market_participation_end",
    "market_participation_end_2y",
    "borrowing_end",
    "commercial_actors_viable_share",
    "total_cost_usd_ppp",
    "unspent_usd_ppp",
    "cost_per_sustained_graduate_usd_ppp",
)

#: Outcomes of one run: name -> (unit, meaning), read from their declarations.
OUTCOMES: dict[str, tuple[str, str]] = {
    name: (DECLARED[name].unit, DECLARED[name].definition) for name in COMPARE_OUTCOMES
}

#: Outcome added to the table when ``none`` is compared (see
#: :meth:`CompareResult.cost_per_additional_graduate`).
ADDITIONAL = "cost_per_additional_sustained_graduate_usd_ppp"

#: Outcomes shown in the printed table, the paired differences and the lever attribution.
HEADLINE = (
    "participants",
    "sustained_graduates_2y",
    "sustained_graduates_5y",
    "extreme_poor_end_2y",
    "market_participation_end",
    "market_participation_end_2y",
    "commercial_actors_viable_share",
    "total_cost_usd_ppp",
)

#: Monthly series kept for the figures (treatment arm).
SERIES = ("graduated_share", "extreme_poverty_headcount", "market_participation")


def run_strategy(
    scenario: Scenario | dict, seed: int, replication: int
) -> tuple[dict[str, float], dict[str, float], pd.DataFrame]:
    """Run one replication and measure it (a picklable top-level function).

    Args:
        scenario: The scenario with its strategy applied (or its plain-data form).
        seed: Base seed.
        replication: Replication index.

    Returns:
        tuple: ``(outcomes, costs, series)``: the :data:`COMPARE_OUTCOMES` (NaN where
        undefined), the cost by line (USD PPP), and the treatment arm's monthly
        :data:`SERIES` (columns ``month`` and the series).
    """
    result = simulate(scenario, seed, replication)
    out = evaluate(result, COMPARE_OUTCOMES)
    costs = {k: float(v.sum()) for k, v in result.cost_lines.items()}
    ts = result.timeseries
    series = ts.loc[ts["arm"] == "treatment", ["month", *SERIES]].reset_index(drop=True)
    return out, costs, series


@dataclass
class CompareResult:
    """Runs of several strategy variants on common random numbers.

    Attributes:
        scenario: The base scenario.
        seed: Base seed.
        replications: Replications per variant.
        variants: Lever overrides of each variant, ``{label: {"name": strategy, ...}}``.
        runs: One row per variant x replication: ``strategy``, ``replication`` and the
            :data:`OUTCOMES`.
        costs: One row per variant x replication x cost line: ``strategy``,
            ``replication``, ``line``, ``usd_ppp``.
        series: Treatment-arm monthly series: ``strategy``, ``replication``, ``month`` and
            :data:`SERIES`.
    """

    scenario: Scenario
    seed: int
    replications: int
    variants: dict[str, dict[str, Any]]
    runs: pd.DataFrame
    costs: pd.DataFrame
    series: pd.DataFrame
    levers: dict[str, dict[str, Any]] = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        """Mean and 95 % confidence interval of every outcome by strategy.

        Returns:
            pandas.DataFrame: One row per strategy x outcome; columns ``strategy``,
            ``outcome``, ``unit``, ``mean``, ``ci_low``, ``ci_high``, ``n`` (replications
            where the outcome is defined).
        """
        rows = []
        for label in self.variants:
            runs = self.runs[self.runs["strategy"] == label]
            for outcome, (unit, _) in OUTCOMES.items():
                mean, lo, hi, n = mean_ci(runs[outcome].to_numpy(float))
                if unit == "share":  # the t interval of a few replications can pass 0 or 1
                    lo, hi = max(lo, 0.0), min(hi, 1.0)
                rows.append([label, outcome, unit, mean, lo, hi, n])
        if "none" in self.variants:
            for label in self.variants:
                mean, lo, hi, n = self.cost_per_additional_graduate(label)
                rows.append([label, ADDITIONAL, "USD PPP", mean, lo, hi, n])
        return pd.DataFrame(
            rows, columns=["strategy", "outcome", "unit", "mean", "ci_low", "ci_high", "n"]
        )

    def cost_per_additional_graduate(
        self, label: str, reference: str = "none", n_boot: int = 2000
    ) -> tuple[float, float, float, int]:
        """Cost per sustained graduate beyond ``reference`` (no programme), USD PPP.

        The ratio of mean extra cost to mean extra sustained graduates (2 years after),
        both paired by replication; the 95 % interval is a percentile bootstrap over
        replications (fixed seed 0, so the table is reproducible). NaN when the strategy
        adds no sustained graduates on average.

        Returns:
            tuple: ``(mean, low, high, n)``.
        """
        runs = self.runs.set_index(["strategy", "replication"])
        a, b = runs.loc[label], runs.loc[reference]
        extra_cost = (a["total_cost_usd_ppp"] - b["total_cost_usd_ppp"]).to_numpy(float)
        extra_grads = (
            (a["sustained_graduates_2y"] - b["sustained_graduates_2y"]) * a["treatment_households"]
        ).to_numpy(float)
        n = extra_cost.size
        if n == 0 or extra_grads.mean() <= 0 or label == reference:
            return math.nan, math.nan, math.nan, n
        mean = float(extra_cost.mean() / extra_grads.mean())
        if n < 2:
            return mean, math.nan, math.nan, n
        idx = np.random.default_rng(0).integers(0, n, size=(n_boot, n))
        num, den = extra_cost[idx].mean(axis=1), extra_grads[idx].mean(axis=1)
        ratios = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.inf)
        # no interpolation: a resample with no extra graduates has an infinite ratio
        lo = np.percentile(ratios, 2.5, method="lower")
        hi = np.percentile(ratios, 97.5, method="higher")
        return mean, float(lo), float(hi), n

    def spending(self) -> pd.DataFrame:
        """Mean spending by strategy and cost line, USD PPP (one row per strategy x line)."""
        if self.costs.empty:
            return pd.DataFrame(columns=["strategy", "line", "usd_ppp"])
        total = (
            self.costs.groupby(["strategy", "line"], sort=False)["usd_ppp"].sum()
            / self.replications
        )
        return total.reset_index()

    def notes(self) -> list[str]:
        """Warnings a reader needs: budget shares no actor can use, overspending."""
        notes = []
        end, horizon = self.scenario.programme.end_month, self.scenario.run.months
        if horizon < end:
            notes.append(
                f"the horizon (month {horizon}) ends before the project does (month {end}): "
                "every outcome measured at or after the end is n/a"
            )
        elif horizon < end + 60:
            later = "2 and 5 years" if horizon < end + 24 else "5 years"
            notes.append(
                f"the horizon (month {horizon}) ends less than {later} after the project "
                f"(month {end}): outcomes {later} after are n/a; set run.months >= "
                f"{end + 60} for them"
            )
        budget = self.scenario.programme.budget_usd_ppp
        pull_types = registry("pull_actor")
        has_implementer = any(
            pull_types[a.type].takes_pull_budget for a in self.scenario.pull.actors
        )
        for label, levers in self.levers.items():
            share = levers["pull_budget_share"] or 0.0
            if levers["pull"] and share > 0 and not has_implementer:
                notes.append(
                    f"{label}: the scenario has no pull implementer, so its pull share of the "
                    f"budget ({share:.0%}) stays unspent"
                )
            if levers["push"] and not self.scenario.programme.interventions:
                notes.append(f"{label}: the scenario has no push interventions")
            runs = self.runs[self.runs["strategy"] == label]
            if budget is not None and (runs["total_cost_usd_ppp"] > budget * 1.001).any():
                worst = runs["total_cost_usd_ppp"].max()
                notes.append(
                    f"{label}: spent up to USD PPP {worst:,.0f}, over the budget of "
                    f"{budget:,.0f} (planned unit costs are estimates; see spending)"
                )
        return notes

    def differences(self, reference: str | None = None) -> pd.DataFrame:
        """Paired differences of the :data:`HEADLINE` outcomes from a reference strategy.

        Args:
            reference: The strategy every other is compared with (default ``siloed`` if
                run, else the first).

        Returns:
            pandas.DataFrame: Columns ``strategy``, ``reference``, ``outcome``, ``mean``,
            ``ci_low``, ``ci_high`` (mean of per-replication differences and its 95 % CI),
            one row per other strategy x outcome.
        """
        labels = list(self.variants)
        if reference is None:
            reference = "siloed" if "siloed" in labels else labels[0]
        rows = []
        for label in labels:
            if label == reference:
                continue
            for outcome in HEADLINE:
                mean, lo, hi = self.paired(label, reference, outcome)
                rows.append([label, reference, outcome, mean, lo, hi])
        return pd.DataFrame(
            rows, columns=["strategy", "reference", "outcome", "mean", "ci_low", "ci_high"]
        )

    def paired(self, label: str, reference: str, outcome: str) -> tuple[float, float, float]:
        """Mean paired difference ``label - reference`` of an outcome, with its 95 % CI.

        Replications are paired (common random numbers), so the interval is that of the
        mean of per-replication differences.
        """
        a = self.runs[self.runs["strategy"] == label].set_index("replication")[outcome]
        b = self.runs[self.runs["strategy"] == reference].set_index("replication")[outcome]
        mean, lo, hi, _ = mean_ci((a - b).to_numpy(float))
        return mean, lo, hi


def mean_ci(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float, int]:
    """Mean and Student-t confidence interval over replications (NaNs dropped).

    Args:
        values: One value per replication, shape ``(r,)``.
        level: Confidence level.

    Returns:
        tuple: ``(mean, low, high, n)``; the interval is NaN with fewer than 2 values.
    """
    v = values[np.isfinite(values)]
    if v.size == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(v.mean())
    if v.size < 2:
        return mean, math.nan, math.nan, int(v.size)
    half = float(stats.t.ppf(0.5 + level / 2, v.size - 1) * v.std(ddof=1) / math.sqrt(v.size))
    return mean, mean - half, mean + half, int(v.size)


def compare(
    scenario: Scenario,
    strategies: list[str] | None = None,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    variants: dict[str, dict[str, Any]] | None = None,
) -> CompareResult:
    """Run strategies on common random numbers, for the scenario's budget.

    Every strategy gets the same ``programme.budget_usd_ppp`` (push + pull +
    coordination; see :func:`pushpull_sim.strategies.push_budget`).

    Args:
        scenario: The base scenario. Its own ``[strategy]`` table is replaced by each
            strategy's bundle.
        strategies: Strategy names (default: every bundle of
            :data:`~pushpull_sim.strategies.STRATEGIES`).
        replications: Replications per strategy (default ``scenario.run.replications``).
        seed: Base seed (default ``scenario.run.seed``).
        workers: Worker processes (default: one per core). Results do not depend on it.
        variants: Instead of ``strategies``, labelled ``[strategy]`` tables, e.g.
            ``{"siloed+linkage": {"name": "siloed", "linkage": True}}``.

    Returns:
        CompareResult: The runs, costs and series of every variant.

    Raises:
        ScenarioError: If a strategy name or lever value is not allowed, or the budget
            does not cover a strategy's pull share and coordination cost.
        ValueError: If there is no strategy to run or ``replications`` < 1.
    """
    if variants is None:
        if isinstance(strategies, str):
            strategies = [strategies]
        names = list(STRATEGIES) if strategies is None else list(dict.fromkeys(strategies))
        for name in names:
            if name not in STRATEGIES:
                raise ScenarioError(
                    f"strategy = {name!r}: unknown; allowed: {', '.join(STRATEGIES)}"
                )
        variants = {name: {"name": name} for name in names}
    if not variants:
        raise ValueError("strategies = []: give at least one strategy to compare")
    seed = scenario.run.seed if seed is None else int(seed)
    reps = scenario.run.replications if replications is None else int(replications)
    if reps < 1:
        raise ValueError(f"replications = {reps}: must be >= 1")
    scenarios = {}
    for label, table in variants.items():
        try:
            scenarios[label] = apply_strategy(scenario, **table)
        except ScenarioError as exc:
            if label == table.get("name"):
                raise
            raise ScenarioError(f"variant {label}: {exc}") from None
    labels = [label for label in variants for _ in range(reps)]
    data = [scenarios[label].to_dict() for label in labels]
    with executor(workers) as runs:
        results = runs.map(
            run_strategy, data, [seed] * len(labels), [r for _ in variants for r in range(reps)]
        )
    run_rows, cost_rows, series = [], [], []
    for i, (label, (outcomes, costs, ts)) in enumerate(zip(labels, results, strict=True)):
        rep = i % reps
        run_rows.append({"strategy": label, "replication": rep, **outcomes})
        cost_rows.extend(
            {"strategy": label, "replication": rep, "line": line, "usd_ppp": usd}
            for line, usd in costs.items()
        )
        series.append(ts.assign(strategy=label, replication=rep))
    series_df = pd.concat(series, ignore_index=True)
    series_df = series_df[["strategy", "replication", "month", *SERIES]]
    return CompareResult(
        scenario=scenario,
        seed=seed,
        replications=reps,
        variants=dict(variants),
        runs=pd.DataFrame(run_rows),
        costs=pd.DataFrame(cost_rows, columns=["strategy", "replication", "line", "usd_ppp"]),
        series=series_df,
        levers={label: s.levers for label, s in scenarios.items()},
    )


def lever_variants(base: str = "siloed", target: str = "layered") -> dict[str, dict[str, Any]]:
    """The variants of the lever attribution: ``base``, ``target``, and for each lever
    group of :data:`~pushpull_sim.strategies.LEVER_GROUPS`, ``base`` with that group
    switched to ``target``'s setting (``+group``) and ``target`` with it switched back to
    ``base``'s (``-group``)."""
    variants: dict[str, dict[str, Any]] = {base: {"name": base}, target: {"name": target}}
    for group in LEVER_GROUPS:
        variants[f"{base}+{group}"] = {"name": base, **lever_group_variant(group, base, target)}
        variants[f"{target}-{group}"] = {
            "name": target,
            **lever_group_variant(group, target, base),
        }
    return variants


def lever_attribution(
    result: CompareResult, base: str = "siloed", target: str = "layered"
) -> pd.DataFrame:
    """Each lever group's contribution to the gap between ``base`` and ``target``.

    Two paired estimates per lever group and outcome: ``added`` = (``base`` with the group
    at ``target``'s setting) - ``base`` (what the lever does alone), and ``removed`` =
    ``target`` - (``target`` with the group back at ``base``'s setting) (what it adds
    when every other lever is connected). They differ where levers interact; the
    ``total`` row holds ``target - base``.

    Args:
        result: A comparison run with :func:`lever_variants`.
        base: The disconnected strategy.
        target: The connected strategy.

    Returns:
        pandas.DataFrame: Columns ``lever``, ``outcome``, ``estimate`` (added / removed /
        total), ``mean``, ``ci_low``, ``ci_high``.
    """
    rows = []
    for outcome in HEADLINE:
        mean, lo, hi = result.paired(target, base, outcome)
        rows.append(["total", outcome, "total", mean, lo, hi])
        for group in LEVER_GROUPS:
            mean, lo, hi = result.paired(f"{base}+{group}", base, outcome)
            rows.append([group, outcome, "added", mean, lo, hi])
            mean, lo, hi = result.paired(target, f"{target}-{group}", outcome)
            rows.append([group, outcome, "removed", mean, lo, hi])
    return pd.DataFrame(rows, columns=["lever", "outcome", "estimate", "mean", "ci_low", "ci_high"])


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


#: Short column names of the printed table.
SHORT = {
    "participants": "served",
    "sustained_graduates_2y": "sust.grads 2y",
    "sustained_graduates_5y": "sust.grads 5y",
    "extreme_poor_end_2y": "ext.poor end+2y",
    "market_participation_end": "selling end",
    "market_participation_end_2y": "selling end+2y",
    "commercial_actors_viable_share": "pull viable",
    "total_cost_usd_ppp": "spent",
    "cost_per_sustained_graduate_usd_ppp": "cost/sust.grad",
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
