"""Comparison design: strategy variants run on common random numbers, and the statistics
over their replications (means, confidence intervals, paired differences, the lever
attribution). The reports (text tables, Markdown, figures) are in
:mod:`pushpull_sim.compare.report`.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from pushpull_sim.components import registry
from pushpull_sim.executors import executor
from pushpull_sim.memory import check_memory
from pushpull_sim.outcomes import OUTCOMES as DECLARED
from pushpull_sim.outcomes import evaluate
from pushpull_sim.results import simulate
from pushpull_sim.scenario import Scenario, ScenarioError
from pushpull_sim.strategies import (
    LEVER_GROUPS,
    STRATEGIES,
    apply_strategy,
    lever_group_variant,
)

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
    at_once = min(workers or os.cpu_count() or 1, len(labels))
    for variant in scenarios.values():  # before any run: a comparison that cannot fit
        check_memory(variant, copies=at_once)
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
