"""Declared outputs: monthly aggregates by arm, and the household panel at chosen months.

Monthly aggregates (``timeseries``) have one row per recorded month x arm, where arm is
one of ``all``, ``ineligible``, ``control``, ``treatment``; every month is recorded
unless ``output.record_every_months`` is above 1 (see :class:`Recorder`). Money is USD PPP
(2021). The columns, in order (:func:`timeseries_columns`):

* ``month`` (0 = baseline survey; programme months start at 1), ``arm``, ``households``
  (number of households in the arm);
* the mean reporters: the arm's mean of a household quantity. The core's are declared in
  :data:`CORE_REPORTERS` (headcounts, graduated share, consumption, assets, savings,
  debt, income by source, transfers, skills, confidence, food security, ...); components
  declare theirs in their ``reporters`` (e.g. ``vsla_share_mean`` and
  ``savings_group_share`` from savings groups, ``market_participation`` from buyers,
  ``borrowing_share`` from lenders), placed by their ``after`` key;
* the ratio reporters, ``sum(numerator) / sum(denominator)`` within the arm (e.g.
  ``market_participation_extreme_poor``, the share of extreme-poor households selling
  to a buyer);
* :data:`SUMMARY_COLUMNS`: asset percentiles, the share at each pathway stage, the Gini
  coefficient of consumption, and the programme cost booked that month.

Each reporter declares its unit and meaning; ``docs/components.md`` lists every column
(generated from the declarations). The household panel has one row per household x
recorded month, with the columns of :data:`PANEL_COLUMNS`.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pushpull_sim.components import Reporter, components
from pushpull_sim.households import ARM_NAMES, ASSET_KINDS, STAGES, TREATMENT

if TYPE_CHECKING:  # pragma: no cover
    from pushpull_sim.model import GraduationModel
    from pushpull_sim.scenario import Scenario

ARMS = ("all", "ineligible", "control", "treatment")


def _mean(fn, unit: str, description: str) -> Reporter:
    return Reporter(fn, unit, description)


#: The core's mean reporters, in column order (component reporters are placed among
#: them by their ``after`` key): column -> :class:`~pushpull_sim.components.Reporter`.
CORE_REPORTERS: dict[str, Reporter] = {
    "extreme_poverty_headcount": _mean(
        lambda h: h.extreme_poor, "share", "share below the extreme line (or the seed's definition)"
    ),
    "poverty_headcount": _mean(lambda h: h.poor, "share", "share below the poverty line"),
    "graduated_share": _mean(
        lambda h: h.graduated, "share", "share meeting every graduation criterion this month"
    ),
    "consumption_ppd_mean": _mean(
        lambda h: h.consumption_ppd, "USD PPP per AE per day", "consumption per adult equivalent"
    ),
    "consumption_mean": _mean(lambda h: h.consumption, "USD PPP", "household consumption"),
    "assets_mean": _mean(lambda h: h.assets, "USD PPP", "productive assets"),
    "durables_mean": _mean(lambda h: h.durables, "USD PPP", "household durable goods"),
    "savings_mean": _mean(
        lambda h: h.savings + h.vsla_share, "USD PPP", "savings: cash plus savings-group share"
    ),
    "debt_mean": _mean(lambda h: h.debt, "USD PPP", "debt"),
    "income_mean": _mean(
        lambda h: h.income, "USD PPP", "earned income this month (wage + own + sales)"
    ),
    "income_wage_mean": _mean(lambda h: h.income_wage, "USD PPP", "casual wage income"),
    "wage_mean": _mean(lambda h: h.wage_rate, "USD PPP per day", "village casual wage"),
    "income_own_mean": _mean(lambda h: h.income_own, "USD PPP", "own-production income"),
    "income_sales_mean": _mean(lambda h: h.income_sales, "USD PPP", "income from sales to buyers"),
    "transfers_mean": _mean(
        lambda h: h.transfer_cash + h.transfer_in_kind,
        "USD PPP",
        "programme transfers this month (cash + in kind)",
    ),
    "risk_sharing_in_mean": _mean(
        lambda h: h.risk_sharing_in, "USD PPP", "informal transfers received"
    ),
    "remittances_mean": _mean(
        lambda h: h.remittances, "USD PPP", "remittances received, net of fees"
    ),
    "financial_income_mean": _mean(
        lambda h: h.financial_income,
        "USD PPP",
        "savings-group profit and social-fund grants (net)",
    ),
    "interest_paid_mean": _mean(lambda h: h.interest_paid, "USD PPP", "interest paid"),
    "skill_mean": _mean(lambda h: h.skill, "share 0-1", "technical skill"),
    "confidence_mean": _mean(lambda h: h.confidence, "share 0-1", "confidence (soft skills)"),
    "quality_mean": _mean(
        lambda h: h.quality, "share 0-1", "share of output meeting buyers' standards"
    ),
    "input_use_mean": _mean(
        lambda h: h.input_use, "share 0-1", "share of the full input requirement bought"
    ),
    "reference_price_mean": _mean(
        lambda h: h.reference_price, "x commercial price", "reference input price"
    ),
    "food_security_mean": _mean(lambda h: h.food_security, "index 0-1", "food-security index"),
    "distress_sale_share": _mean(
        lambda h: h.asset_sale_proceeds > 0,
        "share",
        "share selling productive assets in distress this month",
    ),
    "ill_share": _mean(lambda h: h.ill, "share", "share with an illness this month"),
    "days_worked_mean": _mean(
        lambda h: h.days_own + h.days_casual,
        "days per month",
        "days the household worked in own production and casual work",
    ),
}

#: Columns after the reporters: (column, unit, meaning).
SUMMARY_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("assets_p10", "USD PPP", "productive assets, 10th percentile"),
    ("assets_p50", "USD PPP", "productive assets, median"),
    ("assets_p90", "USD PPP", "productive assets, 90th percentile"),
    *(
        (f"stage_{s}", "share", f"share at the pathway stage {s} (Fowler & Brand 2011)")
        for s in STAGES
    ),
    ("gini_consumption", "index 0-1", "Gini coefficient of consumption per adult equivalent"),
    (
        "programme_cost_usd_ppp",
        "USD PPP",
        "programme cost booked this month (all costs are booked to the treatment arm and to all)",
    ),
)


def reporters() -> tuple[dict[str, Reporter], dict[str, Reporter]]:
    """Every reporter recorded, in column order: the mean reporters, then the ratios.

    The core's reporters come first (:data:`CORE_REPORTERS`); each component reporter
    (every registered component's, whether or not it runs, so every timeseries has the
    same columns) follows the column its ``after`` names, or, without one, is appended
    after the others of its kind, component by component in registry order.

    Returns:
        tuple: ``(means, ratios)``, each ``{column: Reporter}``.

    Raises:
        ValueError: If two reporters share a column name, or an ``after`` names no column.
    """
    means = dict(CORE_REPORTERS)
    ratios: dict[str, Reporter] = {}
    placed: list[tuple[str, Reporter]] = []
    for cls in components():
        for name, reporter in cls.reporters.items():
            if name in means or name in ratios or any(name == n for n, _ in placed):
                raise ValueError(f"{cls.__qualname__}.reporters[{name!r}]: column already declared")
            placed.append((name, reporter))
    pending = placed
    while pending:
        left = []
        for name, reporter in pending:
            table = ratios if reporter.denominator is not None else means
            if reporter.after is None:
                table[name] = reporter
            elif reporter.after in table:
                keys = list(table)
                at = keys.index(reporter.after) + 1
                items = list(table.items())
                items.insert(at, (name, reporter))
                table.clear()
                table.update(items)
            else:
                left.append((name, reporter))
        if len(left) == len(pending):
            name, reporter = left[0]
            raise ValueError(f"reporter {name!r}: after = {reporter.after!r} names no column")
        pending = left
    return means, ratios


def timeseries_columns() -> list[str]:
    """The columns of the monthly aggregates after ``month`` and ``arm``, in order."""
    means, ratios = reporters()
    return ["households", *means, *ratios, *(c for c, _, _ in SUMMARY_COLUMNS)]


#: Household panel columns.
PANEL_COLUMNS = (
    "village",
    "region",
    "eligible",
    "participant",
    "targeting_score",
    "size_ae",
    "assets",
    "savings",
    "vsla_share",
    "savings_group",
    "debt",
    "consumption",
    "consumption_ppd",
    "income_wage",
    "income_own",
    "income_sales",
    "income_12m",
    "transfer_cash",
    "transfer_in_kind",
    "food_security",
    "skill",
    "confidence",
    "quality",
    "asset_kind",
    "input_use",
    "ill",
    "reference_price",
    "extreme_poor",
    "poor",
    "graduated",
    "first_graduation_month",
    "stage",
    "buyer",
    "lender",
    "agent",
    "linked",
    "in_push",
)


#: Panel columns stored as category codes, and their categories.
_PANEL_CATEGORIES = {
    "arm": list(ARM_NAMES.values()),
    "stage": list(STAGES),
    "asset_kind": list(ASSET_KINDS),
}


def gini(x: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 = equal); NaN for an empty array."""
    if x.size == 0:
        return float("nan")
    return _gini_sorted(np.sort(x))


def _gini_sorted(s: np.ndarray) -> float:
    """:func:`gini` of values already sorted ascending, shape ``(m,)``, m >= 1."""
    total = s.sum()
    if total <= 0:
        return 0.0
    ranks = _ranks(s.size)
    return float((2.0 * (ranks * s).sum() / (s.size * total)) - (s.size + 1) / s.size)


_RANKS = np.arange(1, 1, dtype=np.int64)


def _ranks(m: int) -> np.ndarray:
    """``np.arange(1, m + 1)``, a view of one cached array (grown when needed)."""
    global _RANKS
    if _RANKS.size < m:
        _RANKS = np.arange(1, m + 1, dtype=np.int64)
    return _RANKS[:m]


#: The recorded asset percentiles, as fractions (converted as ``np.percentile`` does).
_QUANTILES = np.true_divide(np.asarray([10, 50, 90]), 100)


@functools.lru_cache(maxsize=64)
def _percentile_plan(n: int) -> tuple[np.ndarray, tuple[float, ...]]:
    """Order statistics and weights of the percentiles of ``n`` values (they depend on
    ``n`` only): the indices of the lower then the upper neighbours, shape ``(6,)``, and
    the three interpolation weights, computed as ``np.percentile`` computes them."""
    virtual = (n - 1) * _QUANTILES
    prev = np.floor(virtual)
    nxt = prev + 1
    above = virtual >= n - 1  # at the top: the largest value
    prev[above] = -1
    nxt[above] = -1
    prev = prev.astype(np.intp)
    nxt = nxt.astype(np.intp)
    gamma = virtual - prev
    return np.concatenate((prev, nxt)), tuple(gamma.tolist())


def percentiles(x: np.ndarray) -> np.ndarray:
    """The 10th, 50th and 90th percentiles of ``x``, shape ``(3,)``; sorts ``x``.

    The same numbers as ``np.percentile(x, [10, 50, 90])`` (linear interpolation between
    the same order statistics, computed the same way; NaN when any value is NaN),
    without its per-call overhead. ``x`` is sorted in place (numpy's vectorised sort is
    faster than a partition at several points), so pass a scratch copy.

    Args:
        x: Values, shape ``(m,)``, m >= 1, float.
    """
    x.sort()
    return _percentiles_sorted(x)


def _percentiles_sorted(x: np.ndarray) -> np.ndarray:
    """:func:`percentiles` of values already sorted ascending, shape ``(m,)``, m >= 1.

    The three interpolations are done on Python floats (IEEE doubles, one rounding per
    operation, as numpy's): the same numbers, without a dozen tiny array operations.
    """
    index, gammas = _percentile_plan(x.size)
    v = x[index].tolist()
    if v[-1] != v[-1] or x[-1] != x[-1]:  # NaN: sorting puts NaNs last
        return np.full(3, np.nan)
    out = []
    for q, gamma in enumerate(gammas):
        a, b = v[q], v[3 + q]
        diff = b - a
        out.append(b - diff * (1 - gamma) if gamma >= 0.5 else a + diff * gamma)
    return np.array(out)


def _sequential_sums(values: np.ndarray) -> np.ndarray:
    """Column sums of ``values`` (shape ``(m, c)``), each added in row order from 0.0, as
    ``np.bincount`` adds its weights: shape ``(c,)``.

    A reduction over the outer axis of a C-ordered array adds whole rows in turn, so
    every column is summed sequentially (unlike a reduction along a contiguous axis,
    which is pairwise); a single column is accumulated explicitly.
    """
    if values.shape[1] == 1:
        if values.shape[0] == 0:
            return np.zeros(1)
        return 0.0 + np.cumsum(values[:, 0])[-1:]
    return np.add.reduce(values, axis=0, initial=0.0)


def panel_months(scenario: Scenario) -> list[int]:
    """Months at which the household panel is recorded, sorted: the baseline survey
    (month 0), ``output.household_months`` and the ITT months (which the ITT estimates
    read from the panel), within the horizon (``run.months``).

    Args:
        scenario: The scenario.

    Returns:
        list: Months, ascending.
    """
    itt = [scenario.programme.start_month + m for m in scenario.rct.itt_months]
    months = {0, *scenario.output.household_months, *itt}
    return sorted(m for m in months if 0 <= m <= scenario.run.months)


class Recorder:
    """Collects the declared outputs of one model run.

    Monthly aggregates are recorded every ``output.record_every_months`` months (k), and
    always at month 0, at the horizon, at the end of the programme and 2 and 5 years
    after it, at the ITT months and at the household panel's months (every month the
    summary reads). With k = 1 every month is recorded. ``programme_cost_usd_ppp`` is
    always the cost booked in the recorded month itself; the run's total cost is in
    ``model.costs``.

    Args:
        model: The model to record. The household panel is taken at
            :func:`panel_months`: the baseline survey (month 0), ``output.household_months``
            and the ITT months, within the horizon; nothing else (the outcomes take
            their own snapshots, :mod:`pushpull_sim.results`).

    Attributes:
        panel_months: Months at which the household panel is recorded, sorted.
        every: Recording interval of the monthly aggregates, months (k).
        always_months: Months recorded whatever k, sorted.
    """

    #: Largest reporter block evaluated at once, in values (rows x households); bounds
    #: the recorder's scratch memory (16 MB) at any population size.
    BLOCK_VALUES = 1 << 21
    #: Most households for which the arm sums are taken from the block regrouped by arm
    #: (fast while it fits in cache); above, one ``np.bincount`` of the block is faster.
    #: Both add each arm's households in id order: the same sums.
    GROUPED_MAX = 20_000

    def __init__(self, model: GraduationModel) -> None:
        sc = model.params
        self.panel_months = panel_months(sc)
        self.every = sc.output.record_every_months
        end = sc.programme.end_month  # the months the summary reads: always recorded
        summary = {0, end, end + 24, end + 60, model.horizon}
        self.always_months = sorted(
            m for m in set(self.panel_months) | summary if 0 <= m <= model.horizon
        )
        self._always = frozenset(self.always_months)
        self._rows: list[np.ndarray] = []
        self._months: list[int] = []
        self._panels: list[dict[str, np.ndarray]] = []  # one table a month, built on demand
        means, ratios = reporters()
        self.columns = ["households", *means, *ratios, *(c for c, _, _ in SUMMARY_COLUMNS)]
        n = model.hh.n
        #: Reporter rows: the mean reporters, then each ratio's numerator and denominator.
        self._reporters = [r.fn for r in means.values()] + [
            fn for r in ratios.values() for fn in (r.fn, r.denominator)
        ]
        self._n_means = len(means)
        rows = len(self._reporters)
        self._chunk = max(2, min(rows, self.BLOCK_VALUES // max(n, 1)))
        self._values = np.empty((self._chunk, n))  # reporter values, one row per reporter
        self._arm_key: np.ndarray | None = None  # arm the order below was built for
        self._order = np.empty(0, np.intp)  # households by arm, ascending ids within one
        self._bounds: list[tuple[int, int]] = []  # each arm's slice of that order
        self._counts = np.zeros(3)
        self._bins = np.empty(0, np.intp)  # bincount index of a block (large populations)

    def records(self, month: int) -> bool:
        """Whether the monthly aggregates of ``month`` are recorded."""
        return month in self._always or (month >= 0 and month % self.every == 0)

    def _arm_order(self, arm: np.ndarray) -> np.ndarray:
        """Households grouped by arm (ascending ids within an arm), shape ``(n,)``."""
        if self._arm_key is None or not np.array_equal(self._arm_key, arm):
            self._arm_key = arm.copy()
            self._order = np.argsort(arm, kind="stable")
            counts = np.bincount(arm, minlength=3)
            ends = np.cumsum(counts)
            self._bounds = [(int(e - c), int(e)) for c, e in zip(counts, ends, strict=True)]
            self._counts = counts.astype(float)
            if arm.size > self.GROUPED_MAX:  # bin arm + 3 r for reporter row r of a block
                rows = np.arange(self._chunk, dtype=np.intp)[:, None]
                self._bins = (arm.astype(np.intp)[None, :] + 3 * rows).ravel()
        return self._order

    def record(self, model: GraduationModel) -> None:
        """Record the current month (called by the model after each step).

        Months that are not recorded (see :meth:`records`) cost nothing.
        """
        if not self.records(model.month):
            return
        hh = model.hh
        n = hh.n
        order = self._arm_order(hh.arm)
        bounds = self._bounds
        counts = self._counts
        n_all = float(n)
        block = np.full((len(ARMS), len(self.columns)), np.nan)
        block[0, 0] = n_all
        block[1:, 0] = counts
        safe = np.where(counts > 0, counts, np.nan)  # an empty arm has no mean
        # reporters, a block of rows at a time. Over all households: pairwise sums along
        # each row (as np.mean adds). Within an arm: the households in id order, added one
        # after the other (as np.bincount adds), from the block's columns grouped by arm.
        reporters = self._reporters
        totals = np.empty(len(reporters))
        arm_totals = np.empty((3, len(reporters)))
        for lo in range(0, len(reporters), self._chunk):
            fns = reporters[lo : lo + self._chunk]
            c = len(fns)
            vals = self._values[:c]
            for r, fn in enumerate(fns):
                vals[r] = fn(hh)
            np.add.reduce(vals, axis=1, out=totals[lo : lo + c])
            if n <= self.GROUPED_MAX:
                by_arm = vals.T[order]  # (n, c), C-ordered: households grouped by arm
                for a, (start, end) in enumerate(bounds):
                    arm_totals[a, lo : lo + c] = _sequential_sums(by_arm[start:end])
            else:
                sums = np.bincount(self._bins[: c * n], weights=vals.ravel(), minlength=3 * c)
                arm_totals[:, lo : lo + c] = sums.reshape(c, 3).T
        k = self._n_means
        block[0, 1 : 1 + k] = totals[:k] / n
        block[1:, 1 : 1 + k] = arm_totals[:, :k] / safe[:, None]
        j = 1 + k
        for r in range(k, len(reporters), 2):  # ratio: sum(numerator) / sum(denominator)
            num, den = totals[r], totals[r + 1]
            block[0, j] = num / den if den > 0 else np.nan
            den_arm = arm_totals[:, r + 1]
            block[1:, j] = arm_totals[:, r] / np.where(den_arm > 0, den_arm, np.nan)
            j += 1
        n_stages = len(STAGES)
        stage_counts = np.bincount(
            (hh.arm.astype(np.intp) * n_stages + hh.stage), minlength=3 * n_stages
        ).reshape(3, n_stages)
        assets_by_arm = hh.assets[order]
        cpd_by_arm = hh.consumption_ppd[order]
        groups = [(np.sort(hh.assets), np.sort(hh.consumption_ppd), stage_counts.sum(axis=0))]
        for a, (start, end) in enumerate(bounds):
            a_sorted, c_sorted = assets_by_arm[start:end], cpd_by_arm[start:end]
            a_sorted.sort()
            c_sorted.sort()
            groups.append((a_sorted, c_sorted, stage_counts[a]))
        for g, (a_sorted, c_sorted, stages) in enumerate(groups):
            if a_sorted.size:
                block[g, j : j + 3] = _percentiles_sorted(a_sorted)
                block[g, j + 3 : j + 3 + n_stages] = stages / a_sorted.size
                block[g, j + 3 + n_stages] = _gini_sorted(c_sorted)
        cost = 0.0
        if 0 <= model.month <= model.horizon:
            cost = float(sum(v[model.month] for v in model.costs.values()))
        block[:, -1] = 0.0
        block[0, -1] = cost
        block[1 + TREATMENT, -1] = cost
        self._rows.append(block)
        self._months.append(model.month)
        if model.month in self.panel_months:
            self._panels.append(self._panel_now(model))

    def _panel_now(self, model: GraduationModel) -> dict[str, np.ndarray]:
        """Copies of the panel's columns now (categories as codes); a DataFrame is only
        built when :meth:`panel` is called, once for all recorded months."""
        hh = model.hh
        data: dict[str, np.ndarray] = {
            "month": np.full(hh.n, model.month, np.int32),
            "household_id": np.arange(hh.n, dtype=np.int64),
            "arm": hh.arm.copy(),
        }
        for col in PANEL_COLUMNS:
            data[col] = getattr(hh, col).copy()
        data["savings_total"] = hh.savings + hh.vsla_share
        return data

    def timeseries(self) -> pd.DataFrame:
        """All recorded months as a tidy table (one row per month x arm)."""
        if not self._rows:
            return pd.DataFrame(columns=["month", "arm", *self.columns])
        values = np.concatenate(self._rows)
        df = pd.DataFrame(values, columns=self.columns)
        df.insert(0, "arm", pd.Categorical(np.tile(ARMS, len(self._rows)), categories=ARMS))
        df.insert(0, "month", np.repeat(np.asarray(self._months, np.int32), len(ARMS)))
        df["households"] = df["households"].astype(np.int64)
        return df

    def panel(self) -> pd.DataFrame:
        """The household panel recorded so far (one row per household x recorded month)."""
        if not self._panels:
            return pd.DataFrame()
        data = {}
        for col in self._panels[0]:
            values = np.concatenate([month[col] for month in self._panels])
            if col in _PANEL_CATEGORIES:
                values = pd.Categorical.from_codes(values, _PANEL_CATEGORIES[col])
            data[col] = values
        return pd.DataFrame(data)
