"""Run a scenario's replications (in parallel on local cores) and collect tidy results.

Replication ``r`` of seed ``s`` always uses the same random streams, whatever the number
of worker processes, so results do not depend on how the work is spread.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pushpull_sim.executors import LocalExecutor, executor
from pushpull_sim.model import GraduationModel
from pushpull_sim.rct import itt_table
from pushpull_sim.scenario import Scenario, scenario_from_dict


@dataclass
class ReplicationResult:
    """What one replication returns.

    Attributes:
        replication: Replication index.
        timeseries: Monthly aggregates (see :mod:`pushpull_sim.recording`).
        panel: Household panel at the recorded months.
        itt: ITT estimates (see :func:`pushpull_sim.rct.itt_table`).
        costs: Programme cost by component over the run, USD PPP.
        info: Scalars: participants, unit cost, targeting errors, pull actors.
        pull: Pull actors' monthly books (see :meth:`GraduationModel.pull_records`).
    """

    replication: int
    timeseries: pd.DataFrame
    panel: pd.DataFrame
    itt: pd.DataFrame
    costs: dict[str, float]
    info: dict[str, Any] = field(default_factory=dict)
    pull: pd.DataFrame = field(default_factory=pd.DataFrame)


def run_replication(scenario: Scenario | dict, seed: int, replication: int) -> ReplicationResult:
    """Build and run one replication to the scenario's horizon.

    Args:
        scenario: A scenario, or its plain-data form (picklable across processes).
        seed: Base seed.
        replication: Replication index.

    Returns:
        ReplicationResult: Tidy outputs, each table tagged with ``replication``.
    """
    if isinstance(scenario, dict):
        scenario = scenario_from_dict(scenario)
    model = GraduationModel(scenario, seed=seed, replication=replication)
    model.run()
    ts = model.timeseries()
    panel = model.household_panel()
    start = scenario.programme.start_month
    itt_months = [start + m for m in scenario.rct.itt_months if start + m <= model.horizon]
    itt = itt_table(panel, itt_months, 0, cluster_by_village=scenario.rct.unit == "village")
    if not itt.empty:
        itt.insert(2, "months_after_start", itt["month"] - start)
    for df in (ts, panel, itt):
        df.insert(0, "replication", np.int32(replication))
    costs = {k: float(v.sum()) for k, v in sorted(model.costs.items())}
    info = {
        "participants": int(model.participant_ids.size),
        "eligible": int(model.hh.eligible.sum()),
        "treatment_arm": int((model.hh.arm == 2).sum()),
        "control_arm": int((model.hh.arm == 1).sum()),
        "unit_cost_usd_ppp": float(model.unit_cost_usd_ppp),
        "inclusion_error": model.targeting.inclusion_error,
        "exclusion_error": model.targeting.exclusion_error,
        "participants_graduated": _participants_graduated(model),
        "retention": _retention(model),
        "graduates_at_end": _graduates_at_end(model),
        "pull": _pull_info(model),
    }
    pull = model.pull_records()
    if not pull.empty:
        pull.insert(0, "replication", np.int32(replication))
    return ReplicationResult(replication, ts, panel, itt, costs, info, pull)


def _participants_graduated(model: GraduationModel) -> dict[str, int]:
    """Participants graduated at each recorded month from the end of the programme on."""
    panel = model.household_panel()
    end = model.params.programme.end_month
    out = {}
    for m in sorted(panel["month"].unique()):
        if m >= end:
            at = panel[(panel["month"] == m) & panel["participant"]]
            out[str(int(m))] = int(at["graduated"].sum())
    return out


def _pull_info(model: GraduationModel) -> dict[str, Any]:
    """Pull actors viable at the end of the run, and credit take-up by baseline status."""
    hh = model.hh
    viable: dict[str, int] = {}
    for a in model.pull_actors:
        viable[a.kind] = viable.get(a.kind, 0) + int(a.active)
    borrowed = np.zeros(hh.n, bool)
    lent = [a.ever_lent_to() for a in model.pull_actors]
    lenders = [mask for mask in lent if mask is not None]
    for mask in lenders:
        borrowed |= mask
    take_up = None
    if lenders:
        take_up = {
            "all": float(borrowed.mean()),
            "eligible": float(borrowed[hh.eligible].mean()) if hh.eligible.any() else None,
            "ineligible": float(borrowed[~hh.eligible].mean()) if (~hh.eligible).any() else None,
        }
    return {"viable": viable, "actors": len(model.pull_actors), "credit_take_up": take_up}


def _graduates_at_end(model: GraduationModel) -> dict[str, int]:
    """Households graduated at the end of the programme, by arm (0 beyond the horizon)."""
    panel = model.household_panel()
    at_end = panel[panel["month"] == model.params.programme.end_month]
    return {
        arm: int(at_end.loc[at_end["arm"] == arm, "graduated"].sum())
        for arm in ("treatment", "control")
    }


def _retention(model: GraduationModel) -> dict[str, dict[str, float | None]]:
    """Of the households graduated at the end of the programme, the share still graduated
    2 and 5 years later, by arm (None where undefined or beyond the horizon)."""
    panel = model.household_panel()
    end = model.params.programme.end_month
    at_end = panel[panel["month"] == end].set_index("household_id")
    out: dict[str, dict[str, float | None]] = {}
    for label, k in (("2y", 24), ("5y", 60)):
        later = panel[panel["month"] == end + k].set_index("household_id")
        out[label] = {}
        for arm in ("treatment", "control"):
            grads = at_end.index[(at_end["arm"] == arm) & at_end["graduated"]]
            if later.empty or at_end.empty or grads.size == 0:
                out[label][arm] = None
            else:
                out[label][arm] = float(later.loc[grads, "graduated"].mean())
    return out


@dataclass
class ExperimentResult:
    """All replications of one scenario.

    Attributes:
        scenario: The scenario run (with any overrides applied).
        seed: Base seed.
        replications: One :class:`ReplicationResult` per replication, in index order.
    """

    scenario: Scenario
    seed: int
    replications: list[ReplicationResult]

    def timeseries(self) -> pd.DataFrame:
        """One row per replication x month x arm."""
        return pd.concat([r.timeseries for r in self.replications], ignore_index=True)

    def households(self) -> pd.DataFrame:
        """One row per replication x recorded month x household."""
        return pd.concat([r.panel for r in self.replications], ignore_index=True)

    def itt(self) -> pd.DataFrame:
        """One row per replication x outcome x month."""
        return pd.concat([r.itt for r in self.replications], ignore_index=True)

    def pull(self) -> pd.DataFrame:
        """Pull actors' books: one row per replication x actor x month (empty if none)."""
        frames = [r.pull for r in self.replications if not r.pull.empty]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def run_experiment(
    scenario: Scenario,
    seed: int | None = None,
    replications: int | None = None,
    months: int | None = None,
    workers: int | None = None,
) -> ExperimentResult:
    """Run every replication of a scenario.

    Args:
        scenario: The scenario.
        seed: Base seed (default ``scenario.run.seed``).
        replications: Number of replications (default ``scenario.run.replications``).
        months: Horizon override, months (default ``scenario.run.months``).
        workers: Worker processes (default: one per core, at most one per replication;
            1 runs in this process).

    Returns:
        ExperimentResult: Results in replication order; identical for any ``workers``.

    Raises:
        ScenarioError: If the overrides make the scenario invalid.
    """
    overrides: dict[str, Any] = {}
    if months is not None:
        overrides["months"] = months
    if seed is not None:
        overrides["seed"] = seed
    if replications is not None:
        overrides["replications"] = replications
    if overrides:
        scenario = scenario.with_overrides(run=overrides)
    seed = scenario.run.seed
    reps = scenario.run.replications
    if workers is None:
        workers = min(reps, os.cpu_count() or 1)
    data = scenario.to_dict()
    with executor(workers) as runs:
        results = runs.map(run_replication, [data] * reps, [seed] * reps, range(reps))
    return ExperimentResult(scenario, seed, results)


def parallel_map(fn: Callable[..., Any], *iterables: Any, workers: int | None = None) -> list:
    """``[fn(*args) for args in zip(*iterables)]``, on local worker processes
    (:class:`pushpull_sim.executors.LocalExecutor`, with its Ctrl-C and parent-death
    protection).

    Results come back in input order, so they do not depend on ``workers``.

    Args:
        fn: A picklable top-level function.
        *iterables: Its arguments, one iterable per parameter.
        workers: Worker processes (default: one per core, at most one per task; 1 runs in
            this process).

    Returns:
        list: The results, in input order.
    """
    return LocalExecutor(workers).map(fn, *iterables)
