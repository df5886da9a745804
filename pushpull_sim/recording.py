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
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd

from pushpull_sim.components import Reporter, components
from pushpull_sim.households import ARM_NAMES, ASSET_KINDS, STAGES, TREATMENT
from pushpull_sim.kernels.recording import (
    arm_counts,
    arm_sums,
    gini_sums,
    order_statistics,
    rank_sums,
    stage_counts,
)

if TYPE_CHECKING:  # pragma: no cover
    from pushpull_sim.households import Households
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
#: The categorical dtypes of those columns, and of the timeseries' ``arm`` (:data:`ARMS`).
_PANEL_DTYPES = {col: pd.CategoricalDtype(names) for col, names in _PANEL_CATEGORIES.items()}
_ARMS_DTYPE = pd.CategoricalDtype(list(ARMS))


def gini(x: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 = equal); NaN for an empty array.

    Args:
        x: Values, shape ``(m,)``, float (not modified).

    Returns:
        float: ``2 W / (m T) - (m + 1) / m`` over the sorted values (``T`` their total,
        ``W`` their rank-weighted total); 0.0 when ``T <= 0``; NaN when empty, or when a
        value is NaN.
    """
    if x.size == 0:
        return float("nan")
    return _gini_sorted(np.sort(x))


def _gini_sorted(s: np.ndarray) -> float:
    """:func:`gini` of values already sorted ascending, shape ``(m,)``, m >= 1."""
    if not (np.isfinite(s[0]) and np.isfinite(s[-1])):  # NaN sorts last
        return _gini_of_sums(float(s.sum()), float((_ranks(s.size) * s).sum()), s.size)
    total, weighted = rank_sums(s)
    return _gini_of_sums(total, weighted, s.size)


def _gini_of_sums(total: float, weighted: float, m: int) -> float:
    """The Gini coefficient of m >= 1 sorted values from their total ``T`` and their
    rank-weighted total ``W`` (:func:`~pushpull_sim.kernels.recording.rank_sums`)."""
    if total <= 0:
        return 0.0
    return float(2.0 * weighted / (m * total) - (m + 1) / m)


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
    """:func:`percentiles` of values already sorted ascending, shape ``(m,)``, m >= 1."""
    index, gammas = _percentile_plan(x.size)
    if x[-1] != x[-1]:  # NaN: sorting puts NaNs last
        return np.full(3, np.nan)
    return _interpolate(x[index].tolist(), gammas)


def _interpolate(v: list[float], gammas: tuple[float, ...]) -> np.ndarray:
    """The percentiles from their order statistics: ``v`` holds the lower then the upper
    neighbours (as :func:`_percentile_plan` orders them), shape ``(6,)``.

    The three interpolations are done on Python floats (IEEE doubles, one rounding per
    operation, as numpy's): the same numbers, without a dozen tiny array operations.
    """
    return np.array(_interpolated(v, gammas))


def _interpolated(v: list[float], gammas: tuple[float, ...]) -> list[float]:
    """:func:`_interpolate` as a list of three Python floats."""
    out = []
    for q, gamma in enumerate(gammas):
        a, b = v[q], v[3 + q]
        diff = b - a
        out.append(b - diff * (1 - gamma) if gamma >= 0.5 else a + diff * gamma)
    return out


_FLOAT = np.dtype(np.float64)
_BOOL = np.dtype(np.bool_)


def _kernel_input(v, n: int) -> np.ndarray:
    """A reporter's value as the arm-sum kernels read it: shape ``(n,)``, C-contiguous,
    writeable (one array type per pass), float64, or uint8 for a bool array (a view).

    An array already of that form is used in place; anything else that broadcasts to
    ``(n,)`` is converted (copied), as an assignment would.
    """
    if type(v) is np.ndarray and v.shape == (n,):
        flags = v.flags
        if flags.c_contiguous and flags.writeable:
            if v.dtype == _FLOAT:
                return v
            if v.dtype == _BOOL:
                return v.view(np.uint8)
    v = np.asarray(v)
    if v.shape != (n,):  # any shape that broadcasts to (n,), as an assignment would
        v = np.broadcast_to(v, (n,)).copy()
    if v.dtype == np.bool_:
        v = np.ascontiguousarray(v).view(np.uint8)
    else:
        v = np.ascontiguousarray(v, dtype=np.float64)
    if not v.flags.writeable:  # one array type per pass (the kernels only read)
        v = v.copy()
    return v


def _passes(rows: int, most: int) -> list[tuple[int, int]]:
    """``rows`` rows split into even passes of at most ``most`` rows: ``[(start, end)]``."""
    passes = -(-rows // most)
    return [(p * rows // passes, (p + 1) * rows // passes) for p in range(passes)]


class _SumPlan(NamedTuple):
    """How the reporter rows are summed, for one pattern of result types.

    Attributes:
        counted: Per reporter row, whether its values are flags (counted) rather than
            floats (summed).
        float_passes, count_passes: ``(start, end)`` of each pass over the households,
            within the float rows and within the counted rows (each in row order).
        order: The position of each reporter row in the float rows' sums followed by the
            counted rows', shape ``(rows,)``, intp.
    """

    counted: tuple[bool, ...]
    float_passes: list[tuple[int, int]]
    count_passes: list[tuple[int, int]]
    order: np.ndarray

    @classmethod
    def build(cls, counted: tuple[bool, ...], most: int) -> _SumPlan:
        """The plan for rows flagged ``counted``, passes of at most ``most`` rows."""
        floats = [r for r, c in enumerate(counted) if not c]
        flags = [r for r, c in enumerate(counted) if c]
        order = np.argsort(np.asarray(floats + flags, np.intp), kind="stable")
        return cls(counted, _passes(len(floats), most), _passes(len(flags), most), order)


class _ArmLayout(NamedTuple):
    """Positions in the households grouped by arm (:meth:`Recorder._arm_order`) that
    the percentiles and Gini read, and the arms' sizes; they change only with the arms.

    Attributes:
        sizes: Households in all, then in each arm: ``[n, n0, n1, n2]``.
        starts: Start of each arm's slice, ``[s0, s1, s2]``.
        safe: Households in each arm, float, NaN for an empty arm, shape ``(3,)``.
        arms: The non-empty arms, ascending.
        tails: Position of each non-empty arm's largest value, shape ``(len(arms),)``.
        extremes: Positions of each non-empty arm's smallest, then largest value.
        ranks: The order statistics of all households the percentiles read (int64,
            shape ``(6,)``), and ``gammas``, their interpolation weights.
        arm_index: Each non-empty arm's six order statistics (positions), one arm after
            the other, and ``arm_gammas``, each arm's weights.
    """

    sizes: list[int]
    starts: list[int]
    safe: np.ndarray
    arms: list[int]
    tails: np.ndarray
    extremes: np.ndarray
    ranks: np.ndarray
    gammas: tuple[float, ...]
    arm_index: np.ndarray
    arm_gammas: list[tuple[float, ...]]

    @classmethod
    def build(cls, ends: np.ndarray) -> _ArmLayout:
        """The layout of arms ending (exclusive) at ``ends``, shape ``(3,)``."""
        stops = ends.tolist()
        starts = [0, *stops[:-1]]
        sizes = [e - s for s, e in zip(starts, stops, strict=True)]
        arms = [a for a in range(3) if sizes[a]]
        n = stops[-1]
        ranks, gammas = np.zeros(6, np.int64), (0.0, 0.0, 0.0)
        if n:
            index, gammas = _percentile_plan(n)
            ranks = np.where(index < 0, n - 1, index).astype(np.int64)
        arm_index, arm_gammas = [], []
        for a in arms:
            index, g = _percentile_plan(sizes[a])
            arm_index.append(starts[a] + np.where(index < 0, sizes[a] - 1, index))
            arm_gammas.append(g)
        return cls(
            sizes=[n, *sizes],
            starts=starts,
            safe=np.where(np.asarray(sizes) > 0, np.asarray(sizes, float), np.nan),
            arms=arms,
            tails=np.asarray([stops[a] - 1 for a in arms], np.intp),
            extremes=np.asarray([starts[a] for a in arms] + [stops[a] - 1 for a in arms], np.intp),
            ranks=ranks,
            gammas=gammas,
            arm_index=np.concatenate(arm_index) if arm_index else np.zeros(0, np.intp),
            arm_gammas=arm_gammas,
        )


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

    #: Most reporter arrays summed in one pass over the households (the arm code is read
    #: once for them all; a few keep the pass's partial sums in cache).
    PASS_ROWS = 8

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
        self._panel_set = frozenset(self.panel_months)
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
        self._plan: _SumPlan | None = None  # how the reporter rows are summed (per dtypes)
        self._arm_key: bytes | None = None  # arm codes (bytes) the order below was built for
        self._order = np.empty(0, np.intp)  # households by arm, ascending ids within one
        self._ends = np.zeros(3, np.int64)  # end of each arm's slice of that order
        self._counts = np.zeros(3)
        self._layout: _ArmLayout | None = None  # positions read off that order
        # scratch: assets and consumption per adult equivalent grouped by arm, sorted
        # within each arm, and the Gini merge's work space
        self._assets = np.empty(n)
        self._consumption = np.empty(n)
        self._merge_space = np.empty(2 * n + 8)

    def records(self, month: int) -> bool:
        """Whether the monthly aggregates of ``month`` are recorded."""
        return month in self._always or (month >= 0 and month % self.every == 0)

    def _arm_order(self, arm: np.ndarray) -> np.ndarray:
        """Households grouped by arm (ascending ids within an arm), shape ``(n,)``.

        Raises:
            ValueError: If an arm code is not 0, 1 or 2.
        """
        key = arm.dtype.str.encode() + arm.tobytes()  # cheaper to compare than the array
        if key != self._arm_key:
            if arm.size and (arm.min() < 0 or arm.max() > 2):
                bad = arm[(arm < 0) | (arm > 2)][0]
                raise ValueError(f"hh.arm: arm code {bad} is not 0, 1 or 2")
            self._order = np.argsort(arm, kind="stable")
            counts = np.bincount(arm, minlength=3)
            self._ends = np.cumsum(counts).astype(np.int64)
            self._counts = counts.astype(float)
            self._layout = _ArmLayout.build(self._ends)
            self._arm_key = key
        return self._order

    def _arm_sums(self, hh: Households) -> np.ndarray:
        """Each reporter row's sum within each arm, shape ``(rows, 3)``, float64.

        Every reporter is evaluated once; the array it returns is read in place (a
        household array is not copied; only a read-only, non-contiguous or
        differently shaped result is). Bool arrays are counted exactly
        (:func:`~pushpull_sim.kernels.recording.arm_counts`), other values summed as
        float64 (:func:`~pushpull_sim.kernels.recording.arm_sums`), up to
        :attr:`PASS_ROWS` reporters per pass over the households.
        """
        n = hh.n
        arm = hh.arm
        floats: list[np.ndarray] = []
        flags: list[np.ndarray] = []
        pattern: list[bool] = []
        shape = (n,)
        for fn in self._reporters:
            v = fn(hh)
            # the common case, as _kernel_input takes it, without a call: a household
            # array of float64 or bool, read in place
            if type(v) is np.ndarray and v.shape == shape:
                dtype = v.dtype
                if dtype is _FLOAT or dtype is _BOOL:
                    f = v.flags
                    if f.c_contiguous and f.writeable:
                        if dtype is _FLOAT:
                            floats.append(v)
                            pattern.append(False)
                        else:
                            flags.append(v.view(np.uint8))
                            pattern.append(True)
                        continue
            v = _kernel_input(v, n)
            flag = v.itemsize == 1  # uint8 (a bool array), else float64
            pattern.append(flag)
            (flags if flag else floats).append(v)
        counted = tuple(pattern)
        plan = self._plan
        if plan is None or plan.counted != counted:
            plan = self._plan = _SumPlan.build(counted, self.PASS_ROWS)
        float_sums = np.empty((len(floats), 3))
        for start, end in plan.float_passes:  # even passes: at most PASS_ROWS rows each
            arm_sums(tuple(floats[start:end]), arm, float_sums[start:end])
        counts = np.empty((len(flags), 3), np.int64)
        for start, end in plan.count_passes:
            arm_counts(tuple(flags[start:end]), arm, counts[start:end])
        return np.concatenate((float_sums, counts))[plan.order]

    def _grouped_sorted(self, x: np.ndarray, out: np.ndarray) -> np.ndarray:
        """``x`` grouped by arm (:meth:`_arm_order`) and sorted within each arm, written
        into ``out`` (shape ``(n,)``), which is returned."""
        np.take(x, self._order, out=out)
        start = 0
        for end in self._ends.tolist():
            out[start:end].sort()
            start = end
        return out

    def record(self, model: GraduationModel) -> None:
        """Record the current month (called by the model after each step).

        Months that are not recorded (see :meth:`records`) cost nothing. The arm sums
        are the kernels' (:mod:`pushpull_sim.kernels.recording`); assets and consumption
        per adult equivalent are sorted once, within each arm, and that one sort gives
        the percentiles and Gini of every arm and of all households.

        Raises:
            ValueError: If an arm code is not 0, 1 or 2.
        """
        if not self.records(model.month):
            return
        hh = model.hh
        n = hh.n
        self._arm_order(hh.arm)
        layout = self._layout
        block = np.full((len(ARMS), len(self.columns)), np.nan)
        block[0, 0] = float(n)
        block[1:, 0] = self._counts
        arm_totals = self._arm_sums(hh)  # (rows, 3)
        totals = (arm_totals[:, 0] + arm_totals[:, 1]) + arm_totals[:, 2]
        k = self._n_means
        block[0, 1 : 1 + k] = totals[:k] / n
        block[1:, 1 : 1 + k] = arm_totals[:k].T / layout.safe[:, None]  # empty arm: no mean
        j = 1 + k
        ratios = (len(self._reporters) - k) // 2  # sum(numerator) / sum(denominator)
        num, den = totals[k::2], totals[k + 1 :: 2]
        block[0, j : j + ratios] = np.where(den > 0, num / np.where(den > 0, den, np.nan), np.nan)
        num, den = arm_totals[k::2], arm_totals[k + 1 :: 2]
        block[1:, j : j + ratios] = (num / np.where(den > 0, den, np.nan)).T
        j += ratios
        n_stages = len(STAGES)
        stages = np.empty((3, n_stages), np.int64)
        stage_counts(hh.arm, hh.stage, stages)
        block[:, j : j + 3] = self._asset_percentiles(self._grouped_sorted(hh.assets, self._assets))
        if n:
            block[0, j + 3 : j + 3 + n_stages] = stages.sum(axis=0) / n
        block[1:, j + 3 : j + 3 + n_stages] = stages / layout.safe[:, None]
        block[:, j + 3 + n_stages] = self._ginis(hh.consumption_ppd)
        cost = 0.0
        if 0 <= model.month <= model.horizon:
            cost = float(sum(v[model.month] for v in model.costs.values()))
        block[:, -1] = 0.0
        block[0, -1] = cost
        block[1 + TREATMENT, -1] = cost
        self._rows.append(block)
        self._months.append(model.month)
        if model.month in self._panel_set:
            self._panels.append(self._panel_now(model))

    def _asset_percentiles(self, grouped: np.ndarray) -> list[list[float]]:
        """The asset percentiles of all households, then of each arm, shape ``(4, 3)``
        (NaN for no households, or where a value is NaN), the numbers ``np.percentile``
        gives, from the assets grouped by arm and sorted within each arm
        (:meth:`_grouped_sorted`), shape ``(n,)``."""
        layout = self._layout
        nan = float("nan")
        out = [[nan, nan, nan] for _ in range(4)]
        if not layout.arms:
            return out
        tails = grouped[layout.tails].tolist()  # each arm's largest: NaN sorts last
        if all(t == t for t in tails):
            stats = np.empty(layout.ranks.size)
            order_statistics(grouped, self._ends, layout.ranks, stats)
            out[0] = _interpolated(stats.tolist(), layout.gammas)
        values = grouped[layout.arm_index].tolist()
        for k, (a, gammas, tail) in enumerate(
            zip(layout.arms, layout.arm_gammas, tails, strict=True)
        ):
            if tail == tail:
                out[1 + a] = _interpolated(values[6 * k : 6 * k + 6], gammas)
        return out

    def _ginis(self, consumption: np.ndarray) -> list[float]:
        """Gini coefficients of consumption per adult equivalent, shape ``(4,)``: all
        households, then each arm (NaN for an empty arm)."""
        grouped = self._grouped_sorted(consumption, self._consumption)
        layout = self._layout
        out = [float("nan")] * 4
        if not np.isfinite(grouped[layout.extremes]).all():  # the merge needs finite values
            out[0] = gini(consumption)
            for a in layout.arms:
                start = layout.starts[a]
                out[1 + a] = _gini_sorted(grouped[start : start + layout.sizes[1 + a]])
            return out
        sums = np.empty((4, 2))
        gini_sums(grouped, self._ends, self._merge_space, sums)
        for g, ((total, weighted), m) in enumerate(zip(sums.tolist(), layout.sizes, strict=True)):
            if m:
                out[g] = _gini_of_sums(total, weighted, m)
        return out

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
        arms = np.tile(np.arange(len(ARMS), dtype=np.int8), len(self._rows))
        front = pd.DataFrame(
            {
                "month": np.repeat(np.asarray(self._months, np.int32), len(ARMS)),
                "arm": pd.Categorical.from_codes(arms, dtype=_ARMS_DTYPE),
                "households": values[:, 0].astype(np.int64),
            }
        )
        rest = pd.DataFrame(values[:, 1:], columns=self.columns[1:])
        return pd.concat([front, rest], axis=1)

    def panel(self) -> pd.DataFrame:
        """The household panel recorded so far (one row per household x recorded month)."""
        if not self._panels:
            return pd.DataFrame()
        data = {}
        for col in self._panels[0]:
            values = np.concatenate([month[col] for month in self._panels])
            if col in _PANEL_CATEGORIES:
                values = pd.Categorical.from_codes(values, dtype=_PANEL_DTYPES[col])
            data[col] = values
        return pd.DataFrame(data)
