"""Benefit-cost ratios: what a programme's consumption gains are worth against its costs.

The six-country graduation trial (Banerjee et al. 2015, Science 348(6236), Table 4; the
authors' ``16_nondurable_consumption_analysis_table_4.do``) valued a programme by its
effect on **non-durable consumption** (durable goods bought are assets that can later be
consumed), against its cost per participant, and reported ratios from 133 % (Ghana) to
433 % (India). Two ratios follow that method here, per household of the treatment arm
(intent to treat), in present value at the programme's start, with the settings of the
scenario's ``[evaluation]`` table:

* :func:`trial_ratio` measures the gain as the trial did: the ITT effect on non-durable
  consumption at each survey round (per adult equivalent per day, times the eligible
  households' mean size, per month). The gain measured at a round counts for the months
  since the round before it (or since the programme started); after the last round it
  lasts ``benefit_persistence_years`` (for good when unset; summed over 200 years),
  losing ``benefit_decay_yearly`` a year.
* :func:`simulated_ratio` uses what the model knows and a survey cannot: the monthly gap
  in non-durable consumption between the treatment and control arms, month by month to
  the horizon; the gap of the horizon's last 12 months then lasts as above.

Costs are every cost line the model booked (push, pull, linkage, coordination, fixed),
discounted month by month, divided by the households of the treatment arm. With
``include_assets`` the gain in productive assets and durables at the last measurement
counts once, then.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from pushpull_sim.households import DAYS_PER_MONTH

if TYPE_CHECKING:  # pragma: no cover
    from pushpull_sim.results import RunResult
    from pushpull_sim.scenario import Evaluation

#: Years a gain "for good" is summed over (at 5 % a year the rest is below 0.01 %).
FOR_GOOD_YEARS = 200


def discount_factors(months: np.ndarray, rate_yearly: float) -> np.ndarray:
    """``(1 + rate)^(-months / 12)``: the value at month 0 of 1 USD at each month.

    Args:
        months: Months after the programme starts, shape ``(k,)``.
        rate_yearly: Discount rate per year (0-1).
    """
    return (1.0 + rate_yearly) ** (-np.asarray(months, dtype=float) / 12.0)


def lasting_value(gain: float, after_month: int, ev: Evaluation) -> float:
    """Present value of a monthly gain that lasts after ``after_month``.

    Args:
        gain: Monthly gain, USD PPP per household, as last measured.
        after_month: Months after the programme starts when it was last measured.
        ev: The ``[evaluation]`` settings (persistence, decay, discount rate).

    Returns:
        float: USD PPP at the programme's start.
    """
    years = FOR_GOOD_YEARS if ev.benefit_persistence_years is None else ev.benefit_persistence_years
    k = np.arange(1, int(round(12 * years)) + 1)
    kept = (1.0 - ev.benefit_decay_yearly) ** (k / 12.0)
    return float(gain * np.sum(kept * discount_factors(after_month + k, ev.discount_rate_yearly)))


def cost_value(result: RunResult) -> float:
    """Present value of the run's costs per treatment-arm household, USD PPP (NaN without
    a treatment arm)."""
    if result.treatment_arm <= 0:
        return math.nan
    start = result.scenario.programme.start_month
    rate = result.scenario.evaluation.discount_rate_yearly
    total = 0.0
    for line in result.cost_lines.values():
        months = np.flatnonzero(line)
        total += float(np.sum(line[months] * discount_factors(months - start, rate)))
    return total / result.treatment_arm


def _ratio(benefit: float, cost: float) -> dict[str, float]:
    ok = math.isfinite(cost) and cost > 0 and math.isfinite(benefit)
    return {
        "benefit_usd_ppp": benefit,
        "cost_usd_ppp": cost,
        "ratio": benefit / cost if ok else math.nan,
    }


def trial_ratio(result: RunResult) -> dict[str, float]:
    """The benefit-cost ratio as the trial computes it, from the survey's ITT effects.

    Returns:
        dict: ``benefit_usd_ppp`` and ``cost_usd_ppp`` (present values per treatment-arm
        household) and ``ratio`` (NaN without costs or without a follow-up round).
    """
    ev = result.scenario.evaluation
    itt = result.itt_estimates()
    survey = result.survey
    if itt.empty or survey.empty:
        return _ratio(math.nan, cost_value(result))
    size = float(survey.loc[survey["month"] == 0, "size_ae"].mean())
    rows = itt[itt["outcome"] == "consumption_nondurable"].sort_values("months_after_start")
    rows = rows[rows["months_after_start"] > 0]
    if rows.empty:
        return _ratio(math.nan, cost_value(result))
    benefit, before = 0.0, 0
    for m, effect in zip(rows["months_after_start"], rows["effect"], strict=True):
        gain = float(effect) * size * DAYS_PER_MONTH  # per household per month
        months = np.arange(before + 1, int(m) + 1)
        benefit += gain * float(np.sum(discount_factors(months, ev.discount_rate_yearly)))
        before = int(m)
    benefit += lasting_value(gain, before, ev)
    if ev.include_assets:
        last = itt[itt["months_after_start"] == before].set_index("outcome")["effect"]
        assets = float(last.get("assets", 0.0) + last.get("durables", 0.0))
        benefit += assets * float(discount_factors(np.array([before]), ev.discount_rate_yearly)[0])
    return _ratio(benefit, cost_value(result))


def simulated_ratio(result: RunResult) -> dict[str, float]:
    """The benefit-cost ratio from the model's own monthly consumption gap between the
    treatment and control arms (no survey, no sampling), to the horizon and beyond.

    Returns:
        dict: as :func:`trial_ratio`.
    """
    ev = result.scenario.evaluation
    start = result.scenario.programme.start_month
    ts = result.timeseries
    arms = ts[ts["arm"].isin(["treatment", "control"])]
    wide = arms.pivot_table(index="month", columns="arm", values="consumption_mean", observed=True)
    if wide.shape[1] < 2:
        return _ratio(math.nan, cost_value(result))
    months = np.arange(start + 1, result.scenario.run.months + 1)
    gap = (wide["treatment"] - wide["control"]).reindex(months).ffill().to_numpy()
    if gap.size == 0 or not np.isfinite(gap).all():
        return _ratio(math.nan, cost_value(result))
    after = months - start
    benefit = float(np.sum(gap * discount_factors(after, ev.discount_rate_yearly)))
    benefit += lasting_value(float(np.mean(gap[-12:])), int(after[-1]), ev)
    if ev.include_assets:
        last = arms[arms["month"] == months[-1]].set_index("arm")
        stock = last["assets_mean"] + last["durables_mean"]
        gain = float(stock["treatment"] - stock["control"])
        benefit += gain * float(discount_factors(after[-1:], ev.discount_rate_yearly)[0])
    return _ratio(benefit, cost_value(result))
