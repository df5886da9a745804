"""What a calibration measures: the model's value of every target, and the loss.

Every trial runs the scenario ``R`` times on common random numbers (the same seed and
replication indices ``0..R-1`` for every trial), so two trials differ only by their
parameters. A target's **model value** is the mean of its statistic over the ``R``
replications, as ``pushpull run --replications R`` reports it; its **simulation
standard error** is the Monte Carlo SE of that mean, the standard deviation across
replications over ``sqrt(R)``.

The **loss** sums, over the fit targets, the squared gap between model and published
value in units of their combined standard error::

    loss = sum_k  w_k * ((model_k - published_k) / sqrt(se_published_k**2 + se_sim_k**2))**2

For a range target (``min``/``max``) the gap is 0 inside the range and the distance to
the nearest bound outside, and the range's ``scale`` stands in for the published SE. The
same sum over the held-out targets is reported as the out-of-sample loss.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pushpull_sim.calibrate.targets import ITT_STATISTICS, Target


class TrialFailed(RuntimeError):
    """A trial gave no usable result (the model raised, or a value is NaN); the message
    is one line naming the target and the replication where it arose."""


#: (target name, statistic, outcome, month) of every target: what a replication reports.
Request = tuple[tuple[str, str, str, int | None], ...]


def request(targets: Sequence[Target]) -> Request:
    return tuple((t.name, t.statistic, t.outcome, t.month) for t in targets)


def measure_replication(
    data: dict[str, Any], seed: int, replication: int, req: Request
) -> dict[str, float]:
    """Run one replication and read every target's statistic (a top-level function, so
    it runs in worker processes and on Dask).

    Args:
        data: The scenario's plain data (with the trial's parameters).
        seed: Base seed.
        replication: Replication index.
        req: What to read (:func:`request`).

    Returns:
        dict: ``{target name: value}`` (NaN where the run has no such estimate).
    """
    from pushpull_sim.outcomes import evaluate
    from pushpull_sim.runner import run_replication

    result = run_replication(data, seed, replication)
    itt = result.itt
    scalars = [o for _, stat, o, _ in req if stat not in ITT_STATISTICS]
    values = evaluate(result, list(dict.fromkeys(scalars))) if scalars else {}
    out: dict[str, float] = {}
    for name, stat, outcome, month in req:
        if stat in ITT_STATISTICS:
            rows = (
                itt[(itt["outcome"] == outcome) & (itt["months_after_start"] == month)]
                if len(itt)
                else itt
            )
            out[name] = float(rows[ITT_STATISTICS[stat]].iloc[0]) if len(rows) else math.nan
        else:
            out[name] = float(values[outcome])
    return out


@dataclass(frozen=True)
class Measurement:
    """The model's value of each target at one parameter point.

    Attributes:
        mean: ``{target: mean over replications}``.
        se: ``{target: Monte Carlo SE of the mean}`` (SD across replications / sqrt(R)).
        replications: R.
        per_replication: ``{target: [value of each replication]}``.
    """

    mean: dict[str, float]
    se: dict[str, float]
    replications: int
    per_replication: dict[str, list[float]]


def summarise(rows: list[dict[str, float]], targets: Sequence[Target]) -> Measurement:
    """Mean and Monte Carlo SE of each target over replications.

    Raises:
        TrialFailed: A NaN, naming the target and the replication (and why it may arise).
    """
    per: dict[str, list[float]] = {}
    for t in targets:
        vals = [r[t.name] for r in rows]
        for i, v in enumerate(vals):
            if not math.isfinite(v):
                why = (
                    "no such ITT estimate (beyond the horizon, an empty arm, or a control "
                    "arm with no spread)"
                    if t.statistic in ITT_STATISTICS
                    else "the outcome is undefined in that run"
                )
                raise TrialFailed(
                    f"target {t.name!r}: {t.statistic} of {t.outcome}"
                    + (f" at month {t.month}" if t.month else "")
                    + f" is NaN in replication {i}: {why}"
                )
        per[t.name] = vals
    n = len(rows)
    mean = {k: float(np.mean(v)) for k, v in per.items()}
    se = {k: float(np.std(v, ddof=1) / math.sqrt(n)) if n > 1 else 0.0 for k, v in per.items()}
    return Measurement(mean, se, n, per)


@dataclass(frozen=True)
class Fit:
    """How a measurement fits the targets.

    Attributes:
        z: ``{target: signed gap in combined SEs}`` (model minus published; for a range,
            the distance outside it, 0 inside).
        loss: Weighted sum of squared ``z`` over the fit targets.
        holdout_loss: The same over the held-out targets (NaN without any).
    """

    z: dict[str, float]
    loss: float
    holdout_loss: float


def combined_se(target: Target, se_sim: float) -> float:
    """``sqrt(se_published**2 + se_sim**2)`` (a range's ``scale`` for its SE)."""
    return math.hypot(target.published_se, se_sim)


def fit(m: Measurement, targets: Sequence[Target], roles: dict[str, str]) -> Fit:
    """Score a measurement against the targets (see the module docstring)."""
    z: dict[str, float] = {}
    loss = 0.0
    hold = 0.0
    n_hold = 0
    for t in targets:
        z[t.name] = t.gap(m.mean[t.name]) / combined_se(t, m.se[t.name])
        term = t.weight * z[t.name] ** 2
        if roles[t.name] == "fit":
            loss += term
        else:
            hold += term
            n_hold += 1
    return Fit(z, float(loss), float(hold) if n_hold else math.nan)
