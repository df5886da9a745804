"""The scalar outcomes of one run, declared once.

Every sweep row, :func:`pushpull_sim.sweep.interop.run_scenario` and ``pushpull analyze``
use :data:`OUTCOMES`. Month tags: ``end`` is the programme's last month
(``programme.end_month``), ``end_2y`` and ``end_5y`` are 24 and 60 months later,
``horizon`` is the run's last month (``run.months``). Shares are of the treatment arm of
the virtual trial (the eligible households assigned to the programme) unless the name
says otherwise. An outcome whose month lies beyond the horizon, or that is undefined
(e.g. cost per graduate with no graduate), is NaN.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from pushpull_sim.recording import timeseries_columns
from pushpull_sim.runner import ReplicationResult, run_replication
from pushpull_sim.scenario import Scenario

#: Outcome name -> meaning and unit. The order is the column order of sweep tables.
OUTCOMES: dict[str, str] = {
    "extreme_poor_end": "share of the treatment arm below the extreme-poverty line at the "
    "end of the programme (0-1)",
    "extreme_poor_end_2y": "the same, 24 months after the end (0-1)",
    "extreme_poor_end_5y": "the same, 60 months after the end (0-1)",
    "extreme_poor_horizon": "the same, at the horizon (0-1)",
    "graduated_end": "share of the treatment arm meeting every graduation criterion at the "
    "end of the programme (0-1)",
    "graduated_end_2y": "the same, 24 months after the end (0-1)",
    "graduated_end_5y": "the same, 60 months after the end (0-1)",
    "graduated_horizon": "the same, at the horizon (0-1)",
    "graduation_effect_end": "graduated share, treatment minus control arm, at the end "
    "(difference of shares)",
    "graduation_effect_end_2y": "the same, 24 months after the end",
    "sustained_2y": "of the treatment households graduated at the end, the share still "
    "graduated 24 months later (0-1)",
    "sustained_5y": "the same, 60 months later (0-1)",
    "participants": "households the programme served (count)",
    "total_cost_usd_ppp": "programme cost over the run, all components, USD PPP",
    "cost_per_participant_usd_ppp": "total cost per household served, USD PPP",
    "cost_per_graduate_usd_ppp": "total cost per participant graduated at the end, USD PPP",
    "cost_per_additional_graduate_usd_ppp": "total cost per graduate in excess of the "
    "control arm's rate at the end, USD PPP (NaN unless the excess is positive)",
    "market_participation_extreme_poor_horizon": "share of all extreme-poor households "
    "selling to a buyer in the horizon month (0-1)",
    "market_participation_extreme_poor_mean": "the same, mean over months 1 to the horizon "
    "(recorded months only) (0-1)",
    "pull_actors": "pull actors in the market at baseline (count)",
    "pull_actors_viable_horizon": "pull actors still in the market at the horizon (count)",
    "pull_actors_viable_share": "pull_actors_viable_horizon / pull_actors (0-1)",
}

#: Columns of the monthly aggregates a sweep may keep (see pushpull_sim.recording).
TIMESERIES_COLUMNS: tuple[str, ...] = tuple(timeseries_columns())

ARMS = ("all", "ineligible", "control", "treatment")


def _share(panel: pd.DataFrame, month: int, arm: str, col: str) -> float:
    rows = panel[(panel["month"] == month) & (panel["arm"] == arm)]
    return float(rows[col].mean()) if len(rows) else math.nan


def _ratio(num: float, den: float | None) -> float:
    return num / den if den and den > 0 and math.isfinite(den) else math.nan


def outcomes_of(result: ReplicationResult, scenario: Scenario) -> dict[str, float]:
    """Compute :data:`OUTCOMES` from one replication.

    Shares at ``end``, ``end_2y`` and ``end_5y`` come from the household panel, which is
    always recorded at those months, so they do not depend on
    ``output.record_every_months``; ``horizon`` values come from the monthly aggregates,
    which always include the horizon.

    Args:
        result: The replication (from :func:`pushpull_sim.runner.run_replication`).
        scenario: The scenario it ran.

    Returns:
        dict: ``{outcome: float}`` for every key of :data:`OUTCOMES` (NaN where undefined).
    """
    panel, ts = result.panel, result.timeseries
    end, horizon = scenario.programme.end_month, scenario.run.months
    out: dict[str, float] = {}
    for tag, k in (("end", 0), ("end_2y", 24), ("end_5y", 60)):
        out[f"extreme_poor_{tag}"] = _share(panel, end + k, "treatment", "extreme_poor")
        out[f"graduated_{tag}"] = _share(panel, end + k, "treatment", "graduated")
    last = ts[(ts["month"] == ts["month"].max()) & (ts["month"] == horizon)]
    treat_last = last[last["arm"] == "treatment"]
    all_last = last[last["arm"] == "all"]
    out["extreme_poor_horizon"] = (
        float(treat_last["extreme_poverty_headcount"].iloc[0]) if len(treat_last) else math.nan
    )
    out["graduated_horizon"] = (
        float(treat_last["graduated_share"].iloc[0]) if len(treat_last) else math.nan
    )
    for tag, k in (("end", 0), ("end_2y", 24)):
        out[f"graduation_effect_{tag}"] = _share(panel, end + k, "treatment", "graduated") - _share(
            panel, end + k, "control", "graduated"
        )
    for label in ("2y", "5y"):
        v = result.info["retention"][label]["treatment"]
        out[f"sustained_{label}"] = math.nan if v is None else float(v)
    total = float(sum(result.costs.values()))
    participants = float(result.info["participants"])
    grads = result.info["participants_graduated"].get(str(end))
    treat_n = float(result.info["treatment_arm"])
    excess = out["graduation_effect_end"] * treat_n
    out["participants"] = participants
    out["total_cost_usd_ppp"] = total
    out["cost_per_participant_usd_ppp"] = _ratio(total, participants)
    out["cost_per_graduate_usd_ppp"] = _ratio(total, None if grads is None else float(grads))
    out["cost_per_additional_graduate_usd_ppp"] = (
        _ratio(total, excess) if participants > 0 else math.nan
    )
    col = "market_participation_extreme_poor"
    out[f"{col}_horizon"] = float(all_last[col].iloc[0]) if len(all_last) else math.nan
    months = ts[(ts["arm"] == "all") & (ts["month"] >= 1)]
    out[f"{col}_mean"] = float(np.nanmean(months[col])) if months[col].notna().any() else math.nan
    pull = result.info["pull"]
    viable = float(sum(pull["viable"].values()))
    out["pull_actors"] = float(pull["actors"])
    out["pull_actors_viable_horizon"] = viable
    out["pull_actors_viable_share"] = _ratio(viable, float(pull["actors"]))
    return {k: out[k] for k in OUTCOMES}


def timeseries_of(result: ReplicationResult, columns: list[str], arms: list[str]) -> pd.DataFrame:
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
    scenario: Scenario, seed: int, columns: list[str] | None = None, arms: list[str] | None = None
) -> tuple[dict[str, float], pd.DataFrame | None]:
    """Run one replication and return its outcomes (and, if asked, its time series).

    Args:
        scenario: The scenario.
        seed: Seed of the run (replication index 0 of this seed is run).
        columns: Time-series columns to keep (None or empty: no time series).
        arms: Arms of the time series.

    Returns:
        tuple: ``(outcomes, timeseries or None)``.
    """
    result = run_replication(scenario, seed, 0)
    ts = timeseries_of(result, columns, arms or ["treatment"]) if columns else None
    return outcomes_of(result, scenario), ts
