"""What a sweep keeps of each run: declared outcomes and monthly series.

The outcomes are declared once, in :mod:`pushpull_sim.outcomes` (name, unit, definition,
source); a spec's ``outcomes = [...]`` may name any of them. :data:`OUTCOMES` is the
default selection: the columns of a sweep's summary table when a spec does not choose,
of :func:`pushpull_sim.sweep.interop.run_scenario`'s result, and what ``pushpull
analyze`` reads. :data:`TIMESERIES_COLUMNS` are the monthly aggregates a sweep may keep
(see :mod:`pushpull_sim.recording`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from pushpull_sim.outcomes import OUTCOMES as DECLARED
from pushpull_sim.outcomes import evaluate
from pushpull_sim.recording import timeseries_columns
from pushpull_sim.results import RunResult, simulate
from pushpull_sim.scenario import Scenario

#: The default outcomes of a sweep, in column order: name -> definition.
OUTCOMES: dict[str, str] = {
    name: DECLARED[name].definition
    for name in (
        "extreme_poor_end",
        "extreme_poor_end_2y",
        "extreme_poor_end_5y",
        "extreme_poor_horizon",
        "graduated_end",
        "graduated_end_2y",
        "graduated_end_5y",
        "graduated_horizon",
        "graduation_effect_end",
        "graduation_effect_end_2y",
        "sustained_2y",
        "sustained_5y",
        "participants",
        "total_cost_usd_ppp",
        "cost_per_participant_usd_ppp",
        "cost_per_graduate_usd_ppp",
        "cost_per_additional_sustained_graduate_usd_ppp",
        "additional_sustained_graduates_per_100k_usd_ppp",
        "market_participation_extreme_poor_horizon",
        "market_participation_extreme_poor_mean",
        "pull_actors",
        "pull_actors_viable_horizon",
        "pull_actors_viable_share",
    )
}

#: Every outcome a spec may name (the declared ones).
ALLOWED_OUTCOMES: tuple[str, ...] = tuple(DECLARED)

#: Columns of the monthly aggregates a sweep may keep (see pushpull_sim.recording).
TIMESERIES_COLUMNS: tuple[str, ...] = tuple(timeseries_columns())

ARMS = ("all", "ineligible", "control", "treatment")


def outcomes_of(result: RunResult, names: list[str] | None = None) -> dict[str, float]:
    """The outcomes of one replication.

    Args:
        result: The replication (from :func:`pushpull_sim.results.simulate`).
        names: Declared outcomes to compute (default :data:`OUTCOMES`).

    Returns:
        dict: ``{outcome: float}`` (NaN where undefined).
    """
    return evaluate(result, list(OUTCOMES) if names is None else names)


def timeseries_of(result: RunResult, columns: list[str], arms: list[str]) -> pd.DataFrame:
    """Reshape a replication's monthly aggregates to one row per recorded month.

    Args:
        result: The replication.
        columns: Columns of :data:`TIMESERIES_COLUMNS` to keep.
        arms: Arms to keep, each giving ``<column>_<arm>`` columns.

    Returns:
        pandas.DataFrame: ``month`` (int32) then ``<column>_<arm>`` (float64) columns.
    """
    ts = result.timeseries
    months = np.sort(ts["month"].unique()).astype(np.int32)
    data: dict[str, Any] = {"month": months}
    for arm in arms:
        rows = ts[ts["arm"] == arm].set_index("month").reindex(months)
        for col in columns:
            data[f"{col}_{arm}"] = rows[col].to_numpy(dtype=np.float64)
    return pd.DataFrame(data)


def run_outcomes(
    scenario: Scenario,
    seed: int,
    columns: list[str] | None = None,
    arms: list[str] | None = None,
    outcomes: list[str] | None = None,
) -> tuple[dict[str, float], pd.DataFrame | None]:
    """Run one replication and return its outcomes (and, if asked, its time series).

    Args:
        scenario: The scenario.
        seed: Seed of the run (replication index 0 of this seed is run).
        columns: Time-series columns to keep (None or empty: no time series).
        arms: Arms of the time series.
        outcomes: Declared outcomes to compute (default :data:`OUTCOMES`).

    Returns:
        tuple: ``(outcomes, timeseries or None)``.
    """
    names = list(OUTCOMES) if outcomes is None else list(outcomes)
    # the survey unless every outcome declares it does not read it (None: undeclared)
    survey = any(DECLARED[name].survey is not False for name in names if name in DECLARED)
    result = simulate(scenario, seed, 0, survey=survey)  # the survey only if one reads it
    ts = timeseries_of(result, columns, arms or ["treatment"]) if columns else None
    return outcomes_of(result, names), ts
