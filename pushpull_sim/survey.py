"""The virtual trial's household survey: its measures and the trial's indices, declared once.

A randomised trial does not see a household's state; it sees its answers to a survey.
The six-country graduation trial (Banerjee et al. 2015, Science 348(6236)) surveyed
households at baseline and 24 and 36 months after the asset transfer and reported ten
**standardised indices**, each built the same way (the authors' replication code, Harvard
Dataverse doi:10.7910/DVN/NHIXNT, ``3_index_analysis_tables_3&S4.do``):

1. z-score every component against the control group of the same country and survey
   round: ``(x - mean_control) / sd_control``;
2. average the components' z-scores (a component that cannot be scored is skipped);
3. re-standardise the average against the control group of that round.

An index's ITT effect is therefore in control-group standard deviations. This module
declares the survey's **measures** (:data:`MEASURES`: what a household reports, over
which recall period) and the trial's **indices** built from them (:data:`INDICES`, with
the published pooled effects and their standard errors), and computes both for a run:
:class:`Survey` follows the households through each round's recall window and writes
one row per eligible household and round (:meth:`Survey.table`). The virtual RCT
(:mod:`pushpull_sim.rct`), the run summary, ``pushpull compare``, sweeps and the
calibration all read these declarations; nothing else defines a survey outcome.

Recall. A measure is a mean over the months of its recall window (consumption over the
last month, income over the last 12 months: ``[survey]`` parameters), a share of the
window's months in which a condition held (food security), or a stock at the survey
date (assets, savings, debt). The baseline round's windows reach back into the months
simulated before the baseline survey (``population.burn_in_months``); a shorter burn-in
shortens them.

Measurement error. Money amounts are reported with a mean-one lognormal error
(``survey.measurement_error_sd``); days worked are asked over the last few days
(``survey.time_recall_days``), so a household that works half its days may report none or
all of them. Both are drawn per household and round from the model's own stream
``"survey.error"``, so strategies compared on common random numbers see the same errors.
Shares of months and yes/no answers are reported exactly.

What the model cannot measure (and the trial did): physical and mental health,
political involvement, women's empowerment. ``docs/outcomes.md`` sets each of our
definitions beside the paper's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from pushpull_sim.households import ARM_NAMES, CONTROL, DAYS_PER_MONTH, ENTERPRISE, Households

if TYPE_CHECKING:  # pragma: no cover
    from pushpull_sim.model import GraduationModel

#: The trial this module's indices follow.
B15 = "Banerjee et al. 2015, Science 348(6236), Table 3"
#: Where the published standard errors come from.
B15_SE = (
    "cluster-robust SEs of the Table 3 regressions, rerun on the authors' replication "
    "data (dviviano/mhtopt, testing/full_analysis_case/part1_outcomes_log.txt)"
)


@dataclass(frozen=True)
class Measure:
    """One survey question (or module), as the model answers it.

    Attributes:
        name: Column of the survey table.
        label: Short label for printed tables.
        unit: Unit of the reported value.
        definition: What is asked, in a sentence.
        aggregate: ``"mean"`` (mean of the monthly values over the recall window),
            ``"share"`` (share of the window's months in which the monthly value is true),
            ``"stock"`` (the value at the survey date) or ``"days"`` (days per month: the
            survey month's value, reported as the days worked in the last
            ``survey.time_recall_days`` days, each day a draw, scaled to a month) or
            ``"sum"`` (the sum of the true values of :attr:`parts`).
        recall: The ``[survey]`` recall parameter of a ``"mean"`` or ``"share"`` measure
            (``"consumption"``, ``"durables"``, ``"income"``, ``"food_security"``); None
            otherwise.
        error: The survey module whose lognormal measurement error the reported value
            carries (``"consumption"``, ``"income"`` or ``"stock"``: money amounts; its
            log-SD is ``survey.<module>_error_sd``), or None (reported exactly).
        fn: ``fn(model) -> array of shape (n,)``: this month's value (or the stock now).
            For a ``"sum"`` measure, None.
        parts: For a ``"sum"`` measure, the measures (earlier in :data:`MEASURES`) whose
            true values it adds before its own error is applied.
    """

    name: str
    label: str
    unit: str
    definition: str
    aggregate: Literal["mean", "share", "stock", "days", "sum"]
    recall: str | None
    error: Literal["consumption", "income", "stock"] | None
    fn: Callable[[GraduationModel], np.ndarray] | None
    parts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Index:
    """One of the trial's standardised indices.

    Attributes:
        name: Column of the survey table and ITT outcome name.
        label: Short label.
        components: Measures averaged (as z-scores) into the index.
        definition: The paper's definition, then ours.
        published: Published pooled ITT in control-SD units by months after the programme
            starts: ``{24: (effect, se), 36: (effect, se)}`` (:data:`B15`; SEs per
            :data:`B15_SE`), or None.
    """

    name: str
    label: str
    components: tuple[str, ...]
    definition: str
    published: dict[int, tuple[float, float]] | None = None


def _per_ae_day(hh: Households, x: np.ndarray) -> np.ndarray:
    return x / (hh.size_ae * DAYS_PER_MONTH)


def _adults(model: GraduationModel) -> np.ndarray:
    return model.hh.size_ae * model.params.population.adults_per_ae


def _own_revenue(model: GraduationModel) -> np.ndarray:
    hh = model.hh
    return hh.income_own + hh.input_cost + hh.income_sales  # gross, before input costs


def _farm(model: GraduationModel) -> np.ndarray:
    return np.where(model.hh.asset_kind != ENTERPRISE, _own_revenue(model), 0.0)


def _business(model: GraduationModel) -> np.ndarray:
    hh = model.hh
    return np.where(hh.asset_kind == ENTERPRISE, hh.income_own + hh.income_sales, 0.0)


def _deposits(model: GraduationModel) -> np.ndarray:
    hh = model.hh
    net = (
        (hh.savings - hh.savings_start)
        + (hh.vsla_share - hh.vsla_share_start)
        - (hh.debt - hh.debt_start)
    )
    return hh.savings_deposits + np.maximum(net, 0.0)


_MEASURES: tuple[Measure, ...] = (
    Measure(
        "consumption_nondurable",
        "non-durable consumption",
        "USD PPP per adult equivalent per day",
        "consumption expenditure without durable goods (the basis of the trial's "
        "benefit-cost ratio), per adult equivalent per day, over the consumption recall",
        "mean",
        "consumption",
        "consumption",
        lambda m: _per_ae_day(m.hh, m.hh.consumption),
    ),
    Measure(
        "durables_bought",
        "durable goods bought",
        "USD PPP per adult equivalent per day",
        "spending on household durable goods, per adult equivalent per day, averaged over "
        "the durables recall (a year, as consumption modules ask about durables)",
        "mean",
        "durables",
        "consumption",
        lambda m: _per_ae_day(m.hh, m.hh.durables_purchases),
    ),
    Measure(
        "consumption",
        "consumption",
        "USD PPP per adult equivalent per day",
        "total consumption expenditure: non-durable consumption over the consumption "
        "recall plus durable goods bought over the durables recall, per adult equivalent "
        "per day",
        "sum",
        None,
        "consumption",
        None,
        ("consumption_nondurable", "durables_bought"),
    ),
    Measure(
        "food_enough",
        "months with enough food",
        "share of months (0-1)",
        "share of the food-security recall months in which the household's non-durable "
        "consumption met its subsistence need ('everyone ate enough')",
        "share",
        "food_security",
        None,
        lambda m: m.hh.consumption >= m._need_floor,
    ),
    Measure(
        "food_no_severe_shortfall",
        "months without going hungry",
        "share of months (0-1)",
        "share of the food-security recall months in which consumption stayed above the "
        "distress floor (no adult went a whole day without eating)",
        "share",
        "food_security",
        None,
        lambda m: m.hh.consumption >= m.params.behaviour.distress_floor_share * m.need,
    ),
    Measure(
        "productive_assets",
        "productive assets",
        "USD PPP",
        "value of livestock and business stock at normal prices, at the survey date",
        "stock",
        None,
        "stock",
        lambda m: np.maximum(m.hh.assets, 0.0),
    ),
    Measure(
        "household_durables",
        "household durables",
        "USD PPP",
        "value of household durable goods at the survey date",
        "stock",
        None,
        "stock",
        lambda m: m.hh.durables,
    ),
    Measure(
        "savings",
        "savings",
        "USD PPP",
        "cash savings (at home or in mobile money) plus savings-group shares, at the survey date",
        "stock",
        None,
        "stock",
        lambda m: m.hh.savings + m.hh.vsla_share,
    ),
    Measure(
        "savings_group_share",
        "savings-group shares",
        "USD PPP",
        "shares held in a savings group (VSLA) at the survey date",
        "stock",
        None,
        "stock",
        lambda m: m.hh.vsla_share,
    ),
    Measure(
        "savings_deposits",
        "savings deposits",
        "USD PPP per month",
        "money put into savings in a month: savings-group shares bought plus the month's "
        "net saving (the rise in cash savings and shares net of the rise in debt, so a "
        "share-out or a loan is not a deposit), monthly mean over the income recall period",
        "mean",
        "income",
        "income",
        _deposits,
    ),
    Measure(
        "borrowing",
        "borrowing",
        "USD PPP",
        "outstanding loans (a lender's and a savings group's) at the survey date",
        "stock",
        None,
        "stock",
        lambda m: m.hh.debt,
    ),
    Measure(
        "financial_link",
        "lender or agent link",
        "yes/no (0-1)",
        "the household has a loan account with a lender or is served by a mobile-money "
        "or input agent, at the survey date",
        "stock",
        None,
        None,
        lambda m: ((m.hh.lender >= 0) | (m.hh.agent >= 0)).astype(float),
    ),
    Measure(
        "revenue_livestock_crops",
        "livestock and crop revenue",
        "USD PPP per month",
        "gross revenue of livestock and short-cycle production (sold, to a buyer or in "
        "the village, or kept), monthly mean over the income recall period",
        "mean",
        "income",
        "income",
        _farm,
    ),
    Measure(
        "income_business",
        "business income",
        "USD PPP per month",
        "net income of a small enterprise, monthly mean over the income recall period",
        "mean",
        "income",
        "income",
        _business,
    ),
    Measure(
        "income_paid_labour",
        "paid labour income",
        "USD PPP per month",
        "casual wage earnings, monthly mean over the income recall period",
        "mean",
        "income",
        "income",
        lambda m: m.hh.income_wage,
    ),
    Measure(
        "income",
        "earned income",
        "USD PPP per month",
        "earned income (wages, own production net of inputs, sales to buyers), monthly "
        "mean over the income recall period",
        "mean",
        "income",
        "income",
        lambda m: m.hh.income,
    ),
    Measure(
        "days_worked",
        "days worked",
        "days per adult per month",
        "days worked in casual work and own production per working-age adult, asked as "
        "the days worked in the last survey.time_recall_days days and scaled to a month",
        "days",
        None,
        None,
        lambda m: (m.hh.days_own + m.hh.days_casual) / _adults(m),
    ),
)

#: Every survey measure, by name (read-only).
MEASURES = MappingProxyType({m.name: m for m in _MEASURES})

#: The measures averaged over each recall window, in :data:`MEASURES` order.
_RECALLED: dict[str, tuple[Measure, ...]] = {
    recall: tuple(m for m in _MEASURES if m.recall == recall and m.fn is not None)
    for recall in dict.fromkeys(m.recall for m in _MEASURES if m.recall is not None)
}

_INDICES: tuple[Index, ...] = (
    Index(
        "consumption_index",
        "consumption index",
        ("consumption",),
        "Paper: total consumption per capita per month, standardised. Ours: total "
        "consumption expenditure per adult equivalent per day over the consumption recall.",
        {24: (0.122, 0.023), 36: (0.120, 0.024)},
    ),
    Index(
        "food_security_index",
        "food security index",
        ("food_enough", "food_no_severe_shortfall"),
        "Paper: an index of whether everyone ate enough, adults or children skipped "
        "meals, went a whole day without food, had two meals a day. Ours: months with "
        "enough food, months without going hungry.",
        {24: (0.107, 0.022), 36: (0.113, 0.022)},
    ),
    Index(
        "asset_index",
        "asset index",
        ("productive_assets", "household_durables"),
        "Paper: productive and household asset index (livestock, tools, durables). Ours: "
        "productive asset value and household durables value.",
        {24: (0.258, 0.023), 36: (0.249, 0.024)},
    ),
    Index(
        "financial_inclusion_index",
        "financial inclusion index",
        ("savings", "borrowing", "savings_deposits"),
        "Paper: total loans, total savings, savings deposits (loan_totalamt, "
        "sav_totalamt, sav_depositamt). Ours: outstanding loans, savings (cash and "
        "savings-group shares), money put into savings over the income recall.",
        {24: (0.378, 0.030), 36: (0.213, 0.031)},
    ),
    Index(
        "income_index",
        "income and revenues index",
        ("revenue_livestock_crops", "income_business", "income_paid_labour"),
        "Paper: livestock revenue, agricultural income, non-farm business income, paid "
        "labour income, per month. Ours: livestock and crop revenue, business income, "
        "paid labour income, monthly means over the income recall.",
        {24: (0.383, 0.036), 36: (0.273, 0.029)},
    ),
    Index(
        "time_working_index",
        "time working index",
        ("days_worked",),
        "Paper: total time on productive activities per adult. Ours: days in casual work "
        "and own production per working-age adult.",
        {24: (0.090, 0.018), 36: (0.054, 0.018)},
    ),
)

#: The trial's indices the model measures, by name (read-only).
INDICES = MappingProxyType({i.name: i for i in _INDICES})

#: Published pooled effect in percent of the control mean (Banerjee et al. 2015; J-PAL/IPA
#: policy bulletin "Building Stable Livelihoods for the Ultra-Poor", 2015):
#: ``{measure: {months: percent}}``.
PUBLISHED_PCT: dict[str, dict[int, float]] = {"consumption": {24: 5.8}}

#: The survey table's ``arm`` column: a category of the arm names (in code order).
_ARM_DTYPE = pd.CategoricalDtype(list(ARM_NAMES.values()))

#: Columns of the survey table besides the measures and indices.
ID_COLUMNS = ("month", "months_after_start", "household_id", "village", "size_ae", "arm")


def survey_months(scenario) -> list[int]:
    """The survey rounds' months: baseline (0), then ``rct.itt_months`` after the
    programme starts, within the horizon."""
    start, horizon = scenario.programme.start_month, scenario.run.months
    later = {start + m for m in scenario.rct.itt_months if 0 < start + m <= horizon}
    return sorted({0} | later)


class Survey:
    """Follow the households through each survey round's recall windows.

    Created by the model before its first simulated month; :meth:`observe` is called
    after every month's status (burn-in included) and does work only in the months a
    recall window covers. Until targeting (month 0) every household is followed; after
    it, only the eligible ones.

    Args:
        model: The model.

    Attributes:
        months: The rounds' months (see :func:`survey_months`).
        rows: Completed rounds, one :class:`pandas.DataFrame` each (see :meth:`table`).
    """

    def __init__(self, model: GraduationModel) -> None:
        sv = model.params.survey
        self.months = survey_months(model.params)
        self.window = {
            "consumption": sv.consumption_recall_months,
            "durables": sv.durables_recall_months,
            "income": sv.income_recall_months,
            "food_security": sv.food_security_recall_months,
        }
        self.recall_days = sv.time_recall_days
        self.error_sd = sv.error_sd()
        self.start_month = model.params.programme.start_month
        self.ids: np.ndarray | None = None  # followed households (None: everyone)
        # per round: {measure: sum of monthly values}, and months observed per recall
        self._sums: dict[int, dict[str, np.ndarray]] = {}
        self._count: dict[int, dict[str, int]] = {}
        self.rows: list[pd.DataFrame] = []
        self._pending_baseline = 0 in self.months

    def follow(self, ids: np.ndarray) -> None:
        """From now on follow households ``ids`` only (the eligible, after targeting)."""
        ids = np.asarray(ids, np.int64)
        for sums in self._sums.values():
            for name in sums:
                sums[name] = sums[name][ids]
        self.ids = ids

    def _take(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return x if self.ids is None else x[self.ids]

    def observe(self, model: GraduationModel) -> None:
        """Add this month to every round whose recall windows cover it; close the round
        whose month this is (except the baseline, closed by :meth:`close_baseline`)."""
        month = model.month
        values: dict[str, np.ndarray] = {}  # this month's values, shared by the rounds
        for s in self.months:
            for recall, w in self.window.items():
                if s - w < month <= s:
                    sums = self._sums.setdefault(s, {})
                    count = self._count.setdefault(s, {})
                    count[recall] = count.get(recall, 0) + 1
                    for m in _RECALLED.get(recall, ()):
                        value = values.get(m.name)
                        if value is None:
                            value = values[m.name] = self._take(m.fn(model))
                        if m.name in sums:
                            sums[m.name] += value
                        else:
                            sums[m.name] = value.copy()
        if month in self.months and month != 0:
            self._close(model, month)

    def close_baseline(self, model: GraduationModel) -> None:
        """Close the baseline round (month 0), once eligibility is known."""
        if self._pending_baseline:
            self._pending_baseline = False
            self._close(model, 0)

    def _close(self, model: GraduationModel, month: int) -> None:
        hh = model.hh
        ids = np.flatnonzero(hh.eligible) if self.ids is None else self.ids
        sums = self._sums.pop(month, {})
        count = self._count.pop(month, {})
        full = self.ids is None  # sums still over every household
        columns: dict[str, np.ndarray | pd.Categorical] = {
            "month": np.full(ids.size, month, np.int32),
            "months_after_start": np.full(ids.size, month - self.start_month, np.int32),
            "household_id": ids.astype(np.int64),
            "village": hh.village[ids].astype(np.int32),
            "size_ae": hh.size_ae[ids].astype(float),
            "arm": pd.Categorical.from_codes(hh.arm[ids], dtype=_ARM_DTYPE),
        }
        rng = model.streams.get("survey.error")
        errors = rng.standard_normal((len(_MEASURES), ids.size))
        days = rng.random((self.recall_days, ids.size))  # one draw per recalled day
        true: dict[str, np.ndarray] = {}
        for k, m in enumerate(_MEASURES):
            if m.aggregate == "sum":
                value = sum(true[part] for part in m.parts)
            elif m.aggregate == "stock":
                value = np.asarray(m.fn(model), dtype=float)[ids]
            elif m.aggregate == "days":
                p = np.clip(np.asarray(m.fn(model), dtype=float)[ids] / DAYS_PER_MONTH, 0, 1)
                value = (days < p).sum(axis=0) * (DAYS_PER_MONTH / self.recall_days)
            else:
                total = sums.get(m.name)
                months = count.get(m.recall, 0)
                if total is None or months == 0:  # no month observed (no burn-in)
                    value = np.asarray(m.fn(model), dtype=float)[ids]
                else:
                    value = (total[ids] if full else total) / months
            true[m.name] = value
            sd = self.error_sd[m.error] if m.error else 0.0
            if sd > 0:
                value = value * np.exp(sd * errors[k] - 0.5 * sd * sd)
            columns[m.name] = value
        self.rows.append(pd.DataFrame(columns))

    def table(self) -> pd.DataFrame:
        """The survey: one row per round x eligible household (:func:`survey_table` of
        :attr:`rows`)."""
        return survey_table(self.rows)


def survey_table(rounds: list[pd.DataFrame]) -> pd.DataFrame:
    """The survey table from its rounds as observed: one row per round x eligible
    household.

    Columns: ``month`` (model month), ``months_after_start``, ``household_id``,
    ``village``, ``size_ae`` (household size, adult equivalents), ``arm`` (``control``
    or ``treatment``), one column per measure of :data:`MEASURES` (as reported, with
    measurement error) and one per index of :data:`INDICES` (control-SD units,
    standardised within each round).

    Args:
        rounds: One table per round (:attr:`Survey.rows`), in month order.

    Returns:
        pandas.DataFrame: The table (no rows, with those columns, when no round was
        observed).
    """
    if not rounds:
        return pd.DataFrame(columns=[*ID_COLUMNS, *MEASURES, *INDICES])
    table = pd.concat(rounds, ignore_index=True)
    return add_indices(table)


def standardise(x: np.ndarray, control: np.ndarray) -> np.ndarray:
    """z-scores of ``x`` against the control group's mean and SD (ddof 1); all NaN where
    the control SD is 0 or undefined (the component cannot be scored).

    Args:
        x: Values, shape ``(m,)``.
        control: bool mask of the control group, shape ``(m,)``.
    """
    c = x[control]
    if c.size < 2:
        return np.full(x.shape, np.nan)
    sd = float(np.std(c, ddof=1))
    if not np.isfinite(sd) or sd <= 0:
        return np.full(x.shape, np.nan)
    return (x - float(np.mean(c))) / sd


def add_indices(table: pd.DataFrame) -> pd.DataFrame:
    """Add the :data:`INDICES` columns to a survey table, round by round, as the trial
    builds them: z-score each component against the round's control group, average the
    z-scores (skipping components that cannot be scored), re-standardise the average.

    Args:
        table: Survey rows with the :data:`MEASURES` columns, ``month`` and ``arm``.

    Returns:
        pandas.DataFrame: ``table`` with one float column per index (NaN where no
        component of the index can be scored in a round).
    """
    indices = {index.name: np.full(len(table), np.nan) for index in _INDICES}
    month = table["month"].to_numpy()
    is_control = (table["arm"] == ARM_NAMES[CONTROL]).to_numpy()
    columns = {c: table[c].to_numpy(dtype=float) for i in _INDICES for c in i.components}
    for m in np.unique(month[~pd.isna(month)]):  # the rounds, as a groupby on month
        at = np.flatnonzero(month == m)  # the round's rows, in table order
        control = is_control[at]
        for index in _INDICES:
            z = np.vstack([standardise(columns[c][at], control) for c in index.components])
            scored = np.isfinite(z).any(axis=1)
            if not scored.any():
                continue
            mean = z[scored].mean(axis=0)
            indices[index.name][at] = standardise(mean, control)
    return pd.concat([table, pd.DataFrame(indices, index=table.index)], axis=1)
