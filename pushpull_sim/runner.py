"""Run a scenario's replications (in parallel on local cores) and collect tidy results.

Replication ``r`` of seed ``s`` always uses the same random streams, whatever the number
of worker processes, so results do not depend on how the work is spread.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pushpull_sim.executors import LocalExecutor, executor
from pushpull_sim.memory import check_memory
from pushpull_sim.results import RunResult, simulate
from pushpull_sim.scenario import Scenario, scenario_from_dict

#: One replication's result (the type every outcome reads; see :mod:`pushpull_sim.results`).
ReplicationResult = RunResult


def run_replication(scenario: Scenario | dict, seed: int, replication: int) -> RunResult:
    """Build and run one replication to the scenario's horizon, with its household panel,
    ITT estimates and (when the scenario's ``output.events`` is on) household event log.

    Args:
        scenario: A scenario, or its plain-data form (picklable across processes).
        seed: Base seed.
        replication: Replication index.

    Returns:
        RunResult: Tidy outputs, each table tagged with ``replication``.
    """
    if isinstance(scenario, dict):
        scenario = scenario_from_dict(scenario)
    events = scenario.output.events
    result = simulate(scenario, seed, replication, panel=True, events=events)
    itt = result.itt_estimates()
    for df in (result.timeseries, result.panel, itt, result.survey):
        df.insert(0, "replication", np.int32(replication))
    for df in (result.events, result.paths):
        if df is not None:
            df.insert(0, "replication", np.int32(replication))
    if not result.pull.empty:
        result.pull.insert(0, "replication", np.int32(replication))
    return result


@dataclass
class ExperimentResult:
    """All replications of one scenario.

    Attributes:
        scenario: The scenario run (with any overrides applied).
        seed: Base seed.
        replications: One :class:`~pushpull_sim.results.RunResult` per replication, in
            index order.
    """

    scenario: Scenario
    seed: int
    replications: list[RunResult]

    def timeseries(self) -> pd.DataFrame:
        """One row per replication x month x arm."""
        return pd.concat([r.timeseries for r in self.replications], ignore_index=True)

    def households(self) -> pd.DataFrame:
        """One row per replication x recorded month x household."""
        return pd.concat([r.panel for r in self.replications], ignore_index=True)

    def survey(self) -> pd.DataFrame:
        """The virtual trial's survey: one row per replication x round x eligible
        household (see :meth:`pushpull_sim.survey.Survey.table`)."""
        return pd.concat([r.survey for r in self.replications], ignore_index=True)

    def itt(self) -> pd.DataFrame:
        """One row per replication x outcome x month."""
        return pd.concat([r.itt for r in self.replications], ignore_index=True)

    def events(self) -> pd.DataFrame | None:
        """The household event log: one row per replication x event (the columns of
        :mod:`pushpull_sim.events`), or None when it was off."""
        frames = [r.events for r in self.replications if r.events is not None]
        return pd.concat(frames, ignore_index=True) if frames else None

    def paths(self) -> pd.DataFrame | None:
        """Every household's monthly path (assets, savings, consumption), one row per
        replication x month x household, or None when the event log was off."""
        frames = [r.paths for r in self.replications if r.paths is not None]
        return pd.concat(frames, ignore_index=True) if frames else None

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
        MemoryLimitError: If the runs at once, and the results kept, would need more
            memory than the limit (:mod:`pushpull_sim.memory`); nothing is run.
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
    check_memory(scenario, copies=min(workers, reps), panel=True, results=reps)
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
