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
from pushpull_sim.outcomes import PER_USD, cost_effectiveness, evaluate
from pushpull_sim.results import simulate
from pushpull_sim.scenario import Scenario, ScenarioError
from pushpull_sim.strategies import (
    LEVER_GROUPS,
    STRATEGIES,
    apply_strategy,
    lever_group_variant,
)

#: The cost-effectiveness figure (:mod:`pushpull_sim.outcomes`): USD PPP per sustained
#: graduate beyond the trial's counterfactual, as ``pushpull run`` and sweeps report it.
ADDITIONAL = "cost_per_additional_sustained_graduate_usd_ppp"

#: Its reciprocal, defined in every replication that spends money: what the verdict ranks
#: strategies by unless told otherwise.
PER_100K = "additional_sustained_graduates_per_100k_usd_ppp"

#: The declared outcomes (:mod:`pushpull_sim.outcomes`) a comparison measures, in table
#: order. Shares are of the treatment arm. The cost-effectiveness figures close it (a
#: ``benefit_cost_ratio`` among them once declared).
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
    "additional_sustained_graduates",
    *cost_effectiveness(),
)

#: Outcomes of one run: name -> (unit, meaning), read from their declarations.
OUTCOMES: dict[str, tuple[str, str]] = {
    name: (DECLARED[name].unit, DECLARED[name].definition) for name in COMPARE_OUTCOMES
}

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
    PER_100K,
)

#: Monthly series kept for the figures (treatment arm).
SERIES = ("graduated_share", "extreme_poverty_headcount", "market_participation")


def run_strategy(
    scenario: Scenario | dict,
    seed: int,
    replication: int,
    outcomes: tuple[str, ...] = COMPARE_OUTCOMES,
) -> tuple[dict[str, float], dict[str, float], pd.DataFrame]:
    """Run one replication and measure it (a picklable top-level function).

    Args:
        scenario: The scenario with its strategy applied (or its plain-data form).
        seed: Base seed.
        replication: Replication index.
        outcomes: Declared outcomes to measure (default :data:`COMPARE_OUTCOMES`).

    Returns:
        tuple: ``(outcomes, costs, series)``: the outcomes (NaN where undefined), the
        cost by line (USD PPP), and the treatment arm's monthly :data:`SERIES` (columns
        ``month`` and the series).
    """
    result = simulate(scenario, seed, replication)
    out = evaluate(result, outcomes)
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

        The cost per additional sustained graduate (:data:`ADDITIONAL`) is the one
        exception to the mean over replications: it is ``100,000 / mean`` of the
        additional sustained graduates per USD PPP 100,000 (:data:`PER_100K`), with that
        mean's interval turned over (:func:`cost_per_additional_ci`), so that a
        replication with no additional graduate counts rather than dropping out.

        Returns:
            pandas.DataFrame: One row per strategy x outcome; columns ``strategy``,
            ``outcome``, ``unit``, ``mean``, ``ci_low``, ``ci_high``, ``n`` (replications
            where the outcome is defined). An interval with no upper bound has
            ``ci_high`` = inf.
        """
        rows = []
        for label in self.variants:
            runs = self.runs[self.runs["strategy"] == label]
            for outcome in self.outcomes:
                unit = DECLARED[outcome].unit
                values = runs[outcome].to_numpy(float)
                if outcome == ADDITIONAL and PER_100K in runs:
                    mean, lo, hi, n = cost_per_additional_ci(runs[PER_100K].to_numpy(float))
                else:
                    mean, lo, hi, n = mean_ci(values)
                if unit == "share":  # the t interval of a few replications can pass 0 or 1
                    lo, hi = max(lo, 0.0), min(hi, 1.0)
                rows.append([label, outcome, unit, mean, lo, hi, n])
        return pd.DataFrame(
            rows, columns=["strategy", "outcome", "unit", "mean", "ci_low", "ci_high", "n"]
        )

    @property
    def outcomes(self) -> tuple[str, ...]:
        """The declared outcomes measured, in table order."""
        return tuple(c for c in self.runs.columns if c in DECLARED)

    @property
    def treatment_households(self) -> float:
        """Households in the treatment arm (the same under every strategy), mean over
        replications (NaN if not measured)."""
        if "treatment_households" not in self.runs:
            return math.nan
        return float(self.runs["treatment_households"].mean())

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
                "every outcome measured at or after the end is not applicable"
            )
        elif horizon < end + 60:
            later = "2 and 5 years" if horizon < end + 24 else "5 years"
            notes.append(
                f"the horizon (month {horizon}) ends less than {later} after the project "
                f"(month {end}): outcomes {later} after are not applicable; set run.months >= "
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

    def differences(
        self, reference: str | None = None, outcomes: tuple[str, ...] | None = None
    ) -> pd.DataFrame:
        """Paired differences of outcomes from a reference strategy.

        Args:
            reference: The strategy every other is compared with (default ``siloed`` if
                run, else the first).
            outcomes: Measured outcomes to compare (default :data:`HEADLINE`).

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
            for outcome in HEADLINE if outcomes is None else outcomes:
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


def cost_per_additional_ci(
    per_100k: np.ndarray, level: float = 0.95
) -> tuple[float, float, float, int]:
    """The cost per additional sustained graduate over replications, with its interval.

    ``100,000 / m``, where ``m`` is the mean additional sustained graduates per USD PPP
    100,000 (:func:`pushpull_sim.outcomes.cost_per_additional`); the interval is
    ``m``'s Student-t interval turned over: ``[100,000 / high, 100,000 / low]``, with no
    upper bound (inf) when ``low <= 0`` (the replications cannot rule out that the
    strategy adds no sustained graduate).

    Args:
        per_100k: One value per replication, shape ``(r,)`` (NaN: no money spent).
        level: Confidence level.

    Returns:
        tuple: ``(cost, low, high, n)``, USD PPP; all NaN ("not applicable") when ``m``
        is not positive; the interval NaN with fewer than 2 values.
    """
    m, lo, hi, n = mean_ci(per_100k, level)
    if not m > 0:
        return math.nan, math.nan, math.nan, n
    if math.isnan(lo):
        return PER_USD / m, math.nan, math.nan, n
    return PER_USD / m, PER_USD / hi, (PER_USD / lo if lo > 0 else math.inf), n


def compare(
    scenario: Scenario,
    strategies: list[str] | None = None,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    variants: dict[str, dict[str, Any]] | None = None,
    outcomes: list[str] | tuple[str, ...] | None = None,
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
        outcomes: Declared outcomes to measure besides :data:`COMPARE_OUTCOMES` (e.g.
            one to give the verdict on).

    Returns:
        CompareResult: The runs, costs and series of every variant.

    Raises:
        ScenarioError: If a strategy name or lever value is not allowed, or the budget
            does not cover a strategy's pull share and coordination cost.
        ValueError: If there is no strategy to run or ``replications`` < 1.
        KeyError: If an outcome is not declared (the message lists the declared ones).
    """
    measured = tuple(dict.fromkeys([*COMPARE_OUTCOMES, *(outcomes or ())]))
    unknown = [o for o in measured if o not in DECLARED]
    if unknown:
        raise KeyError(f"outcomes {unknown}: not declared; declared: {', '.join(DECLARED)}")
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
            run_strategy,
            data,
            [seed] * len(labels),
            [r for _ in variants for r in range(reps)],
            [measured] * len(labels),
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
        runs=pd.DataFrame(run_rows, columns=["strategy", "replication", *measured]),
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
