"""The outcomes of one run, each declared once: name, label, unit, definition, source.

Every outcome is a function of one replication's :class:`~pushpull_sim.results.RunResult`
and is registered here with :func:`outcome`, so adding one is a one-place change: it is
then available to ``pushpull compare`` (:data:`pushpull_sim.compare.OUTCOMES`), to
sweeps (``outcomes = [...]`` in a spec), to ``pushpull run``'s summary where it reports
the same quantity, and to the documentation's generated listing.

Conventions. ``end`` is the project's last month (``programme.end_month``); ``_2y`` and
``_5y`` mean 24 and 60 months later; ``horizon`` is the run's last month
(``run.months``). Shares are of the **treatment arm** of the virtual trial (the eligible
households offered the programme: the intent-to-treat population, the same households
under every strategy) unless the name says otherwise. An outcome measured beyond the
horizon, or otherwise undefined (a share of an empty arm, a cost per graduate without a
graduate), is NaN, never a number standing in for "none".

Sources. Graduation is the BRAC-style set of criteria of the scenario's ``[graduation]``
table (Bandiera et al. 2017, QJE 132(2)); sustained graduation asks whether households
graduated at the end of the project still are years later, as the six-country trial's
follow-ups asked of its effects (Banerjee et al. 2015, Science 348(6236)); the
extreme-poverty line is the World Bank's (USD 3.00 a day, 2021 PPP, June 2025). Costs
are those the model books by cost line (USD PPP).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

import numpy as np

from pushpull_sim.evaluation import simulated_ratio, trial_ratio
from pushpull_sim.results import AFTER_END, RunResult
from pushpull_sim.survey import B15, INDICES

#: Citations used by the declarations below.
BRAC = "BRAC graduation criteria as in the [graduation] table (Bandiera et al. 2017, QJE)"
PERSISTENCE = "persistence of graduation effects (Banerjee et al. 2015, Science)"
WORLD_BANK_LINE = "World Bank extreme-poverty line, USD 3.00/day 2021 PPP (June 2025)"
MODEL = "the model's own books (no published benchmark)"


@dataclass(frozen=True)
class Outcome:
    """A declared outcome.

    Attributes:
        name: Column name in every table (``compare``, sweeps).
        label: Short label for printed tables.
        unit: ``"share"`` (0-1), ``"households"``, ``"actors"``, ``"USD PPP"``,
            ``"USD PPP per AE per day"``, ``"difference of shares"``,
            ``"households per USD PPP 100,000"``, ``"control SD"`` (an ITT effect in
            control-group standard deviations), ``"% of control mean"`` or ``"ratio"``.
        definition: What it measures, in a sentence.
        source: Where the definition comes from (a citation, or the model's own books).
        better: ``"higher"``, ``"lower"``, or None where neither is better.
        fn: ``fn(result) -> float`` (NaN where undefined).
        title: A heading in words for figures and reports (default: the definition).
        survey: Whether ``fn`` reads the virtual trial's survey (its ITT estimates):
            False lets a run for outcomes that do not skip it
            (:func:`pushpull_sim.results.simulate` with ``survey=False``); None (not
            declared, the default of :func:`outcome`) keeps the survey, as True does.
    """

    name: str
    label: str
    unit: str
    definition: str
    source: str
    better: Literal["higher", "lower"] | None
    fn: Callable[[RunResult], float]
    title: str = ""
    survey: bool | None = None

    @property
    def heading(self) -> str:
        """The title, or the definition with a capital first letter."""
        text = self.title or self.definition
        return text[:1].upper() + text[1:]


_OUTCOMES: dict[str, Outcome] = {}

#: Every declared outcome, in declaration order (read-only).
OUTCOMES: Mapping[str, Outcome] = MappingProxyType(_OUTCOMES)


def outcome(
    name: str,
    label: str,
    unit: str,
    definition: str,
    source: str,
    better: Literal["higher", "lower"] | None = None,
    title: str = "",
    survey: bool | None = None,
) -> Callable[[Callable[[RunResult], float]], Callable[[RunResult], float]]:
    """Declare an outcome: decorate ``fn(result) -> float`` (the arguments are the
    :class:`Outcome`'s attributes).

    Raises:
        ValueError: If the name is already declared.
    """

    def register(fn: Callable[[RunResult], float]) -> Callable[[RunResult], float]:
        if name in _OUTCOMES:
            raise ValueError(f"outcome {name!r} is already declared")
        _OUTCOMES[name] = Outcome(name, label, unit, definition, source, better, fn, title, survey)
        return fn

    return register


def _outcome(*args: Any, survey: bool = False, **kwargs: Any):
    """:func:`outcome` for the outcomes declared here, each of which says whether it reads
    the survey (False unless it does; ``tests/test_outcomes.py`` holds every one declared
    False to the same value with and without the survey)."""
    return outcome(*args, survey=survey, **kwargs)


def evaluate(result: RunResult, names: Iterable[str] | None = None) -> dict[str, float]:
    """The outcomes of one run.

    Args:
        result: The run.
        names: Outcomes to compute, in the order wanted (default: every declared one).

    Returns:
        dict: ``{name: float}`` (NaN where undefined).

    Raises:
        KeyError: If a name is not declared (the message lists the declared ones).
    """
    names = list(OUTCOMES) if names is None else list(names)
    unknown = [n for n in names if n not in OUTCOMES]
    if unknown:
        raise KeyError(f"outcomes {unknown}: not declared; declared: {', '.join(OUTCOMES)}")
    return {n: float(OUTCOMES[n].fn(result)) for n in names}


# ---------------------------------------------------------------------------- helpers
def _month(result: RunResult, tag: str) -> int:
    return result.scenario.programme.end_month + AFTER_END[tag]


def share_of_arm(
    result: RunResult, column: str, month: int, arm: str = "treatment", value: str = "true"
) -> float:
    """Share of an arm's households whose ``column`` holds at ``month`` (NaN without a
    snapshot or in an empty arm).

    Args:
        result: The run.
        column: A snapshot column: bool (``"graduated"``), or, with ``value =
            "positive"``, a number counted when above 0, or, with ``value = "linked"``,
            an actor id counted when >= 0.
        month: The month.
        arm: ``"treatment"`` or ``"control"``.
        value: How a household counts (see ``column``).
    """
    within = result.arm_mask(month, arm)
    if within is None or not within.any():
        return math.nan
    x = result.snapshots[month][column][within]
    if value == "positive":
        x = x > 0
    elif value == "linked":
        x = x >= 0
    return float(x.mean())


def graduated_mask(result: RunResult, month: int, arm: str = "treatment") -> np.ndarray | None:
    """Households of ``arm`` graduated at ``month``, bool ``(n,)`` (None: no snapshot)."""
    within = result.arm_mask(month, arm)
    if within is None:
        return None
    return result.snapshots[month]["graduated"] & within


def retention(result: RunResult, years: int, arm: str = "treatment") -> float:
    """Of an arm's households graduated at the project's end, the share still graduated
    ``years`` (2 or 5) later (NaN: no graduate at the end, or beyond the horizon)."""
    end = _month(result, "end")
    start = graduated_mask(result, end, arm)
    later = graduated_mask(result, end + 12 * years, arm)
    if start is None or later is None or not start.any():
        return math.nan
    return float((start & later).sum() / start.sum())


def sustained_share(result: RunResult, years: tuple[int, ...], arm: str = "treatment") -> float:
    """Share of an arm graduated at the end and at each of ``years`` later (NaN beyond
    the horizon or in an empty arm)."""
    end = _month(result, "end")
    mask = graduated_mask(result, end, arm)
    for y in years:
        later = graduated_mask(result, end + 12 * y, arm)
        if mask is None or later is None:
            return math.nan
        mask = mask & later
    size = result.treatment_arm if arm == "treatment" else result.control_arm
    if mask is None or size == 0:
        return math.nan
    return float(mask.sum() / size)


def graduates(result: RunResult, month: int, who: str = "treatment") -> float:
    """Households graduated at ``month``: of an arm, or ``"participants"`` (NaN: no
    snapshot)."""
    snap = result.snapshot(month)
    if snap is None:
        return math.nan
    within = snap["participant"] if who == "participants" else result.arm_mask(month, who)
    return float((snap["graduated"] & within).sum())


def _series_at_horizon(result: RunResult, column: str, arm: str) -> float:
    ts = result.timeseries
    horizon = result.scenario.run.months
    last = ts[(ts["month"] == ts["month"].max()) & (ts["month"] == horizon)]
    rows = last[last["arm"] == arm]
    return float(rows[column].iloc[0]) if len(rows) else math.nan


def _ratio(num: float, den: float | None) -> float:
    return num / den if den and den > 0 and math.isfinite(den) else math.nan


def _effect(result: RunResult, tag: str) -> float:
    month = _month(result, tag)
    return share_of_arm(result, "graduated", month) - share_of_arm(
        result, "graduated", month, "control"
    )


def _total(result: RunResult) -> float:
    return float(sum(result.costs.values()))


# ---------------------------------------------------------------------------- extreme poverty
_WHEN = {"end": "at the project's end", "end_2y": "2 years after the end"}
_WHEN["end_5y"] = "5 years after the end"

for _tag, _when in _WHEN.items():

    def _extreme_poor(result: RunResult, tag: str = _tag) -> float:
        return share_of_arm(result, "extreme_poor", _month(result, tag))

    _outcome(
        f"extreme_poor_{_tag}",
        f"ext.poor {_tag.replace('_', '+')}",
        "share",
        f"share of the treatment arm below the extreme-poverty line {_when}",
        WORLD_BANK_LINE,
        "lower",
    )(_extreme_poor)


@_outcome(
    "extreme_poor_horizon",
    "ext.poor horizon",
    "share",
    "share of the treatment arm below the extreme-poverty line at the horizon",
    WORLD_BANK_LINE,
    "lower",
)
def _extreme_poor_horizon(result: RunResult) -> float:
    return _series_at_horizon(result, "extreme_poverty_headcount", "treatment")


# ---------------------------------------------------------------------------- graduation
for _tag, _when in _WHEN.items():

    def _graduated(result: RunResult, tag: str = _tag) -> float:
        return share_of_arm(result, "graduated", _month(result, tag))

    _outcome(
        f"graduated_{_tag}",
        f"grad {_tag.replace('_', '+')}",
        "share",
        f"share of the treatment arm meeting every graduation criterion {_when}",
        BRAC,
        "higher",
    )(_graduated)


@_outcome(
    "graduated_horizon",
    "grad horizon",
    "share",
    "share of the treatment arm meeting every graduation criterion at the horizon",
    BRAC,
    "higher",
)
def _graduated_horizon(result: RunResult) -> float:
    return _series_at_horizon(result, "graduated_share", "treatment")


@_outcome(
    "graduation_effect_end",
    "grad effect end",
    "difference of shares",
    "graduated share at the project's end, treatment minus control arm",
    BRAC,
    "higher",
)
def _graduation_effect_end(result: RunResult) -> float:
    return _effect(result, "end")


@_outcome(
    "graduation_effect_end_2y",
    "grad effect end+2y",
    "difference of shares",
    "graduated share 2 years after the end, treatment minus control arm",
    BRAC,
    "higher",
)
def _graduation_effect_end_2y(result: RunResult) -> float:
    return _effect(result, "end_2y")


for _years in (2, 5):
    for _arm, _suffix in (("treatment", ""), ("control", "_control")):

        def _retention(result: RunResult, years: int = _years, arm: str = _arm) -> float:
            return retention(result, years, arm)

        _outcome(
            f"sustained_{_years}y{_suffix}",
            f"retained {_years}y{' (control)' if _suffix else ''}",
            "share",
            f"of the {_arm} arm's households graduated at the project's end, the share "
            f"still graduated {_years} years later",
            PERSISTENCE,
            "higher",
        )(_retention)


@_outcome(
    "sustained_graduates_2y",
    "sust.grads 2y",
    "share",
    "share of the treatment arm graduated at the project's end and still 2 years later",
    PERSISTENCE,
    "higher",
    title="sustained graduates, 2 years after the end (share of the treatment arm)",
)
def _sustained_graduates_2y(result: RunResult) -> float:
    return sustained_share(result, (2,))


@_outcome(
    "sustained_graduates_5y",
    "sust.grads 5y",
    "share",
    "share of the treatment arm graduated at the project's end and still 2 and 5 years later",
    PERSISTENCE,
    "higher",
    title="sustained graduates, 5 years after the end (share of the treatment arm)",
)
def _sustained_graduates_5y(result: RunResult) -> float:
    return sustained_share(result, (2, 5))


@_outcome(
    "graduates_end",
    "graduates end",
    "households",
    "households of the treatment arm graduated at the project's end",
    BRAC,
    "higher",
)
def _graduates_end(result: RunResult) -> float:
    return graduates(result, _month(result, "end"))


@_outcome(
    "graduates_end_control",
    "graduates end (control)",
    "households",
    "households of the control arm graduated at the project's end",
    BRAC,
)
def _graduates_end_control(result: RunResult) -> float:
    return graduates(result, _month(result, "end"), "control")


@_outcome(
    "participants_graduated_end",
    "served+grad end",
    "households",
    "participants (households the push stream served) graduated at the project's end",
    BRAC,
    "higher",
)
def _participants_graduated_end(result: RunResult) -> float:
    return graduates(result, _month(result, "end"), "participants")


# ---------------------------------------------------------------------------- reach
@_outcome(
    "treatment_households",
    "treatment",
    "households",
    "households offered the programme (the trial's treatment arm)",
    MODEL,
)
def _treatment_households(result: RunResult) -> float:
    return float(result.treatment_arm)


@_outcome(
    "participants",
    "served",
    "households",
    "households the push stream served",
    MODEL,
)
def _participants(result: RunResult) -> float:
    return float(result.participants)


@_outcome(
    "consumption_ppd_end_2y",
    "consumption end+2y",
    "USD PPP per AE per day",
    "mean consumption per adult equivalent per day of the treatment arm, 2 years after the end",
    MODEL,
    "higher",
)
def _consumption_ppd_end_2y(result: RunResult) -> float:
    month = _month(result, "end_2y")
    within = result.arm_mask(month, "treatment")
    if within is None or not within.any():
        return math.nan
    return float(result.snapshots[month]["consumption_ppd"][within].mean())


# ---------------------------------------------------------------------------- markets
@_outcome(
    "market_participation_end",
    "selling end",
    "share",
    "share of the treatment arm selling to a buyer in the project's last month",
    MODEL,
    "higher",
    title="treatment arm selling to a buyer in the project's last month",
)
def _market_participation_end(result: RunResult) -> float:
    return share_of_arm(result, "income_sales", _month(result, "end"), value="positive")


@_outcome(
    "market_participation_end_2y",
    "selling end+2y",
    "share",
    "share of the treatment arm selling to a buyer 2 years after the end",
    MODEL,
    "higher",
    title="treatment arm selling to a buyer 2 years after the end",
)
def _market_participation_end_2y(result: RunResult) -> float:
    return share_of_arm(result, "income_sales", _month(result, "end_2y"), value="positive")


@_outcome(
    "market_participation_extreme_poor_horizon",
    "ext.poor selling horizon",
    "share",
    "share of all extreme-poor households selling to a buyer in the horizon month",
    MODEL,
    "higher",
)
def _market_participation_extreme_poor_horizon(result: RunResult) -> float:
    return _series_at_horizon(result, "market_participation_extreme_poor", "all")


@_outcome(
    "market_participation_extreme_poor_mean",
    "ext.poor selling mean",
    "share",
    "share of all extreme-poor households selling to a buyer, mean over the recorded "
    "months 1 to the horizon",
    MODEL,
    "higher",
)
def _market_participation_extreme_poor_mean(result: RunResult) -> float:
    ts = result.timeseries
    col = "market_participation_extreme_poor"
    months = ts[(ts["arm"] == "all") & (ts["month"] >= 1)]
    return float(np.nanmean(months[col])) if months[col].notna().any() else math.nan


@_outcome(
    "borrowing_end",
    "borrowing end",
    "share",
    "share of the treatment arm with a loan from a lender at the project's end",
    MODEL,
)
def _borrowing_end(result: RunResult) -> float:
    return share_of_arm(result, "lender", _month(result, "end"), value="linked")


@_outcome(
    "pull_actors",
    "pull actors",
    "actors",
    "pull actors that entered the market during the run (at baseline, at a fixed switch, "
    "or drawn in by high margins)",
    MODEL,
)
def _pull_actors(result: RunResult) -> float:
    return float(sum(a.entered for a in result.actors))


@_outcome(
    "pull_actors_viable_horizon",
    "pull viable (count)",
    "actors",
    "pull actors still in the market at the horizon",
    MODEL,
    "higher",
)
def _pull_actors_viable_horizon(result: RunResult) -> float:
    return float(sum(a.active for a in result.actors if a.entered))


@_outcome(
    "pull_actors_viable_share",
    "pull viable (share)",
    "share",
    "pull_actors_viable_horizon / pull_actors",
    MODEL,
    "higher",
)
def _pull_actors_viable_share(result: RunResult) -> float:
    return _ratio(_pull_actors_viable_horizon(result), _pull_actors(result))


@_outcome(
    "commercial_actors_viable_share",
    "pull viable",
    "share",
    "commercial pull actors (not a facilitating project) still in the market at the "
    "horizon, of all commercial actors (those waiting for a fixed switch included)",
    MODEL,
    "higher",
    title="commercial pull actors still in the market at the horizon (share of them)",
)
def _commercial_actors_viable_share(result: RunResult) -> float:
    commercial = [a for a in result.actors if a.commercial]
    return sum(a.active for a in commercial) / len(commercial) if commercial else math.nan


# ---------------------------------------------------------------------------- cost
@_outcome(
    "total_cost_usd_ppp",
    "spent",
    "USD PPP",
    "total spent over the run, every cost line (push, pull, linkage and coordination), "
    "summed line by line in sorted order",
    MODEL,
    "lower",
    title="total spent (USD PPP)",
)
def _total_cost(result: RunResult) -> float:
    return _total(result)


@_outcome(
    "unspent_usd_ppp",
    "unspent",
    "USD PPP",
    "programme budget not spent (negative: overspent; NaN without a budget)",
    MODEL,
)
def _unspent(result: RunResult) -> float:
    budget = result.scenario.programme.budget_usd_ppp
    return budget - _total(result) if budget is not None else math.nan


@_outcome(
    "cost_per_participant_usd_ppp",
    "cost/served",
    "USD PPP",
    "total cost per household served",
    MODEL,
    "lower",
)
def _cost_per_participant(result: RunResult) -> float:
    return _ratio(_total(result), float(result.participants))


@_outcome(
    "cost_per_graduate_usd_ppp",
    "cost/grad",
    "USD PPP",
    "total cost per participant graduated at the project's end",
    MODEL,
    "lower",
)
def _cost_per_graduate(result: RunResult) -> float:
    return _ratio(_total(result), _participants_graduated_end(result))


# ---------------------------------------------------------------------------- cost-effectiveness
#: The money the cost-effectiveness figures are expressed per (USD PPP).
PER_USD = 100_000.0


def additional_sustained_graduates(result: RunResult) -> float:
    """Sustained graduates of the treatment arm beyond the trial's counterfactual.

    Households of the treatment arm graduated at the project's end and still 2 years
    later, minus what the control arm's rate of the same implies for a treatment arm of
    this size: ``T_sustained - (C_sustained / C) * T``. NaN beyond the horizon or
    without a control arm (no counterfactual); may be negative.
    """
    treated = sustained_share(result, (2,))
    control = sustained_share(result, (2,), "control")
    return (treated - control) * float(result.treatment_arm)


@_outcome(
    "additional_sustained_graduates",
    "extra grads",
    "households",
    "households of the treatment arm graduated at the end and still 2 years later, beyond "
    "the control arm's rate (the trial's counterfactual): T_sustained - C_rate x T; may "
    "be negative",
    PERSISTENCE,
    "higher",
    title="additional sustained graduates, 2 years after the end (households)",
)
def _additional_sustained_graduates(result: RunResult) -> float:
    return additional_sustained_graduates(result)


@_outcome(
    "additional_sustained_graduates_per_100k_usd_ppp",
    "extra grads/100k",
    "households per USD PPP 100,000",
    "additional sustained graduates (2 years after the end, beyond the control arm's "
    "rate) per USD PPP 100,000 spent: 100,000 / the cost per additional sustained "
    "graduate, defined whenever money was spent (0 or negative: no additional graduate)",
    PERSISTENCE,
    "higher",
    title="additional sustained graduates per USD PPP 100,000 spent",
)
def _additional_per_100k(result: RunResult) -> float:
    total = _total(result)
    if not total > 0:
        return math.nan
    return additional_sustained_graduates(result) / total * PER_USD


@_outcome(
    "cost_per_additional_sustained_graduate_usd_ppp",
    "cost/extra grad",
    "USD PPP",
    "total spent / additional sustained graduates (households of the treatment arm "
    "graduated at the end and still 2 years later, beyond the control arm's rate): the "
    "cost-effectiveness figure of run, compare and sweeps (not applicable unless both are "
    "positive; over replications it is 100,000 / the mean additional sustained graduates "
    "per USD PPP 100,000)",
    PERSISTENCE,
    "lower",
    title="cost per additional sustained graduate (USD PPP)",
)
def _cost_per_additional_sustained_graduate(result: RunResult) -> float:
    extra, total = additional_sustained_graduates(result), _total(result)
    return total / extra if extra > 0 and total > 0 else math.nan


def cost_per_additional(per_100k: Iterable[float]) -> float:
    """The cost per additional sustained graduate over replications, USD PPP.

    ``100,000 / mean(additional sustained graduates per USD PPP 100,000)`` over the
    replications where it is defined: a ratio of means (every replication counts, those
    with no additional graduate included), never a mean of per-replication ratios (which
    would drop those replications). NaN ("not applicable") when that mean is not
    positive.

    Args:
        per_100k: ``additional_sustained_graduates_per_100k_usd_ppp`` of each
            replication.
    """
    v = np.asarray(list(per_100k), dtype=float)
    v = v[np.isfinite(v)]
    mean = float(v.mean()) if v.size else math.nan
    return PER_USD / mean if mean > 0 else math.nan


#: The cost-effectiveness figures, in the order ``run``, ``compare`` and the docs report
#: them; each is shown wherever it is declared (see :func:`cost_effectiveness`).
COST_EFFECTIVENESS: tuple[str, ...] = (
    "cost_per_additional_sustained_graduate_usd_ppp",
    "additional_sustained_graduates_per_100k_usd_ppp",
    "benefit_cost_ratio",
)


def cost_effectiveness() -> tuple[str, ...]:
    """The declared ones of :data:`COST_EFFECTIVENESS`, in order."""
    return tuple(name for name in COST_EFFECTIVENESS if name in OUTCOMES)


# ---------------------------------------------------------------------------- the virtual trial
#: Months after the programme starts at which the trial-grade outcomes are declared (the
#: six-country trial's follow-ups; other ``rct.itt_months`` are in the RCT table).
TRIAL_MONTHS = (24, 36)


def _itt(result: RunResult, outcome_name: str, months: int, key: str) -> float:
    est = result.itt_at(outcome_name, months)
    return math.nan if est is None else float(est[key])


for _index in INDICES.values():
    for _m in TRIAL_MONTHS:

        def _index_itt(result: RunResult, name: str = _index.name, m: int = _m) -> float:
            return _itt(result, name, m, "effect_sd")

        _outcome(
            f"{_index.name}_itt_sd_{_m}m",
            f"{_index.label} {_m}m",
            "control SD",
            f"ITT effect on the trial's {_index.label}, {_m} months after the programme "
            "starts, in control-group standard deviations (pushpull_sim.survey)",
            f"{B15}; index as the paper builds it",
            None if _index.name == "time_working_index" else "higher",
            survey=True,
        )(_index_itt)

for _m in TRIAL_MONTHS:

    def _consumption_pct(result: RunResult, m: int = _m) -> float:
        return _itt(result, "consumption", m, "effect_pct")

    _outcome(
        f"consumption_itt_pct_{_m}m",
        f"consumption {_m}m %",
        "% of control mean",
        f"ITT effect on surveyed total consumption, {_m} months after the programme "
        "starts, in percent of the control mean",
        f"{B15} (+5.8 % at 24 months, J-PAL/IPA 2015)",
        "higher",
        survey=True,
    )(_consumption_pct)


@_outcome(
    "benefit_cost_ratio",
    "benefit/cost",
    "ratio",
    "present value of the non-durable consumption gains the survey measures (ITT, per "
    "treatment-arm household, lasting as [evaluation] says) over the present value of "
    "the cost per treatment-arm household (pushpull_sim.evaluation.trial_ratio)",
    f"{B15}, Table 4 method: benefits from non-durable consumption",
    "higher",
    survey=True,
)
def _benefit_cost_ratio(result: RunResult) -> float:
    return trial_ratio(result)["ratio"]


@_outcome(
    "benefit_cost_ratio_simulated",
    "benefit/cost (sim.)",
    "ratio",
    "as benefit_cost_ratio, with the gain taken month by month from the model's own "
    "treatment-control gap in non-durable consumption to the horizon "
    "(pushpull_sim.evaluation.simulated_ratio)",
    f"{B15}, Table 4 method, on the simulated path",
    "higher",
)
def _benefit_cost_ratio_simulated(result: RunResult) -> float:
    return simulated_ratio(result)["ratio"]
