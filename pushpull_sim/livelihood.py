"""Own production: the return to productive assets, with and without a poverty trap.

Two technologies, chosen by ``livelihood.production``:

* ``"s_shaped"`` (poverty trap): the net monthly return per USD of assets rises from
  ``return_low_monthly`` to ``return_high_monthly`` along a logistic curve centred on the
  scale threshold ``T`` (width ``w``), and household labour caps the scale that can be used
  (saturation ``A_s``)::

      rho(A) = r_lo + (r_hi - r_lo) * sigmoid((A - T) / w)
      E(A)   = A_s * (1 - exp(-A / A_s))           # effective, labour-limited assets
      f(A)   = rho(A) * E(A)

* ``"concave"`` (no trap): ``f(A) = r_hi * T**(1 - alpha) * A**alpha``, equal to the S-curve's
  upper branch at the threshold and with the highest marginal returns at the bottom.

The threshold is debated (Kraay & McKenzie 2014; Balboni et al. 2022; Karlan et al. 2026),
which is why both are offered. All functions are vectorised over households, and their
parameters may be scalars or per-household arrays: :func:`technology` builds the arrays
for a population in which some households run livestock and others a small enterprise.

``f`` is output *net* of inputs bought at the commercial price at full use; the
production stage of the model splits it into gross output and the input bill, so that
households who buy fewer inputs (a low reference price after a subsidy) lose output.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING

import numpy as np
from scipy import special, stats

from pushpull_sim.kernels import livelihood as kernels

if TYPE_CHECKING:  # pragma: no cover
    from pushpull_sim.households import Households
    from pushpull_sim.scenario import Livelihood, Scenario


@dataclass(frozen=True)
class Technology:
    """Per-household production parameters (each array of shape ``(n,)``).

    Attributes mirror :class:`~pushpull_sim.scenario.Livelihood` where they share a name;
    ``mortality_monthly`` is the per-unit loss probability, ``unit_value_usd_ppp`` the
    value of one unit (animal or stock), ``outbreak_exposed`` whether regional disease
    outbreaks apply (livestock always; the other kinds as their parameters say),
    ``drought_exposure`` the share of the drought yield loss it suffers.
    """

    production: str
    concave_alpha: float
    asset_threshold_usd_ppp: np.ndarray
    threshold_width_usd_ppp: np.ndarray
    return_low_monthly: np.ndarray
    return_high_monthly: np.ndarray
    asset_saturation_usd_ppp: np.ndarray
    input_share: np.ndarray
    mortality_monthly: np.ndarray
    unit_value_usd_ppp: np.ndarray
    outbreak_exposed: np.ndarray
    drought_exposure: np.ndarray
    labour_days_per_usd: np.ndarray

    def take(self, ids: np.ndarray) -> Technology:
        """The parameters of households ``ids`` only (arrays of shape ``(k,)``): the
        functions below give, elementwise, the same values on them as on everyone."""
        return replace(
            self,
            **{
                f.name: getattr(self, f.name)[ids]
                for f in fields(self)
                if isinstance(getattr(self, f.name), np.ndarray)
            },
        )


def technology(asset_kind: np.ndarray, sc: Scenario) -> Technology:
    """Build per-household production parameters from each household's asset kind.

    Args:
        asset_kind: int8 kind per household (0 livestock, 1 enterprise, 2 short-cycle),
            shape ``(n,)``.
        sc: The scenario (livestock from ``livelihood`` and ``shocks``, the others from
            ``enterprise`` and ``short_cycle``).

    Returns:
        Technology: Arrays of shape ``(n,)``.
    """
    liv, en, sc2, sh = sc.livelihood, sc.enterprise, sc.short_cycle, sc.shocks

    def pick(livestock: float, enterprise: float, short_cycle: float) -> np.ndarray:
        return np.choose(asset_kind, (livestock, enterprise, short_cycle)).astype(float)

    def field(name: str) -> np.ndarray:
        return pick(getattr(liv, name), getattr(en, name), getattr(sc2, name))

    return Technology(
        production=liv.production,
        concave_alpha=liv.concave_alpha,
        asset_threshold_usd_ppp=field("asset_threshold_usd_ppp"),
        threshold_width_usd_ppp=field("threshold_width_usd_ppp"),
        return_low_monthly=field("return_low_monthly"),
        return_high_monthly=field("return_high_monthly"),
        asset_saturation_usd_ppp=field("asset_saturation_usd_ppp"),
        input_share=field("input_share"),
        mortality_monthly=pick(
            sh.livestock_mortality_monthly, en.failure_monthly, sc2.failure_monthly
        ),
        unit_value_usd_ppp=pick(
            sh.livestock_unit_value_usd_ppp, en.unit_value_usd_ppp, sc2.unit_value_usd_ppp
        ),
        outbreak_exposed=np.choose(
            asset_kind, (True, en.outbreak_exposed, sc2.outbreak_exposed)
        ).astype(bool),
        drought_exposure=pick(1.0, en.drought_exposure, sc2.drought_exposure),
        labour_days_per_usd=field("labour_days_per_1000_usd_ppp") / 1000.0,
    )


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return special.expit(x)


def own_production(assets: np.ndarray, p: Livelihood | Technology) -> np.ndarray:
    """Monthly net output of own production before shocks and skill effects.

    Args:
        assets: Productive assets, USD PPP, shape ``(n,)``, non-negative.
        p: Livelihood parameters, or per-household :class:`Technology`.

    Returns:
        numpy.ndarray: Net output, USD PPP per month, shape ``(n,)``.
    """
    if p.production == "concave":
        a = p.concave_alpha
        held = np.maximum(assets, 0.0)  # a power of -1e-13 is NaN
        return p.return_high_monthly * p.asset_threshold_usd_ppp ** (1.0 - a) * held**a
    rho = p.return_low_monthly + (p.return_high_monthly - p.return_low_monthly) * _sigmoid(
        (assets - p.asset_threshold_usd_ppp) / p.threshold_width_usd_ppp
    )
    sat = p.asset_saturation_usd_ppp
    return rho * sat * -np.expm1(-assets / sat)


def marginal_product(assets: np.ndarray, p: Livelihood | Technology) -> np.ndarray:
    """Marginal monthly net output of one more USD of assets, ``f'(A)``.

    Args:
        assets: Productive assets, USD PPP, shape ``(n,)``.
        p: Livelihood parameters, or per-household :class:`Technology`.

    Returns:
        numpy.ndarray: USD per USD per month, shape ``(n,)``.
    """
    if p.production == "concave":
        a = p.concave_alpha
        safe = np.maximum(assets, 1.0)  # finite at zero: the first dollar earns like the 1st
        return a * p.return_high_monthly * (p.asset_threshold_usd_ppp / safe) ** (1.0 - a)
    w = p.threshold_width_usd_ppp
    s = _sigmoid((assets - p.asset_threshold_usd_ppp) / w)
    span = p.return_high_monthly - p.return_low_monthly
    rho = p.return_low_monthly + span * s
    drho = span * s * (1.0 - s) / w
    sat = p.asset_saturation_usd_ppp
    e = np.exp(-assets / sat)
    return drho * sat * (1.0 - e) + rho * e


def time_allocation(
    assets: np.ndarray,
    labour_days: np.ndarray,
    days_per_usd: np.ndarray,
    casual_share: np.ndarray | float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split a household's labour days between own production and casual work.

    Own production takes ``assets x days_per_usd`` days (all of the household's days at
    most). Casual work finds at most ``casual_share`` of the household's days (rationed,
    seasonal demand); the rest of the time is idle. Own production takes idle days first
    and displaces casual work only once no idle day is left, so the wage it gives up at
    the margin is zero while the household has idle days, and a full day's wage after.

    Args:
        assets: Productive assets, USD PPP, shape ``(n,)``.
        labour_days: Days the household's working adults can work this month, ``(n,)``.
        days_per_usd: Days a month one USD of assets takes, ``(n,)``.
        casual_share: Most casual work found, share of the household's days (0-1), per
            household ``(n,)`` or one for all.

    Returns:
        tuple: ``(own_days, casual_days, displaces)``, each shape ``(n,)``: days in own
        production, casual days offered and worked (before drought and illness), and
        whether one more day of own production would displace a day of casual work (bool).
    """
    own = np.minimum(np.maximum(assets, 0.0) * days_per_usd, labour_days)
    free = labour_days - own
    cap = casual_share * labour_days
    casual = np.minimum(free, cap)
    return own, casual, free <= cap


#: Relative margin around the cumulative probabilities below which a draw is settled
#: without Boost's binomial quantile: far wider than any last-digit difference between
#: these sums and Boost's, far narrower than any probability that matters.
_MARGIN = 1e-9
#: Smallest probability of no death for which the sums are used (below it Boost's
#: quantile underflows, so those herds go to it).
_NONE_DIE_MIN = 1e-6


def binomial_deaths(
    u: np.ndarray, units: np.ndarray, p: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Deaths in each herd: the binomial quantile ``binom.ppf(u, units, p)``, fast.

    The whole-array statement of the rule the shocks kernel applies herd by herd
    (:func:`pushpull_sim.kernels.core.shocks`, which the tests hold to this function):
    the model itself calls the kernel.

    The quantile is the smallest k whose cumulative probability reaches u. It is 0
    wherever u <= P(no death) = (1 - p)^units (the first test of Boost's quantile), so
    only the other herds (``live``) are evaluated. Among them, where P(no death) is not
    vanishingly small, it is k wherever u lies inside (P(<= k - 1), P(<= k)) by a relative
    margin of 1e-9, for k up to 3, the cumulative probabilities summed term by term;
    only the rest (more deaths, or u within the margins) go to ``scipy.stats.binom.ppf``.
    The same numbers as ``binom.ppf`` (tested on random draws, boundary cases included),
    at a fraction of the cost: most months no herd needs it. One exception is kept
    because the stored results were made with it: a draw within the margin of P(no
    death) counts one death where the quantile may say none (a window of probability
    about 1e-9 x P(no death)).

    Args:
        u: Uniform draws in [0, 1), shape ``(n,)``.
        units: Units at risk per herd, whole numbers >= 0 (0 = no herd), shape ``(n,)``.
        p: Death probability per unit, in [0, 1], shape ``(n,)``.

    Returns:
        tuple: ``(live, died)``: the herds that may have deaths (int ids, shape ``(m,)``)
        and their deaths (float, shape ``(m,)``); every other herd has none.
    """
    none_die = (1.0 - p) ** units
    live = np.flatnonzero((units > 0) & (u > none_die * (1.0 - _MARGIN)))
    units_live, p_live, u_live = units[live], p[live], u[live]
    none_live = none_die[live]
    at_most_one = none_live + units_live * p_live * (1.0 - p_live) ** (units_live - 1.0)
    summable = none_live > _NONE_DIE_MIN
    one = summable & (u_live < at_most_one * (1.0 - _MARGIN))
    died = np.ones(live.size)
    more = np.flatnonzero(~one)
    summed = np.flatnonzero(summable[more])  # positions in ``more`` whose terms are summed
    if summed.size:
        ids = more[summed]
        n_k, p_k, u_k = units_live[ids], p_live[ids], u_live[ids]
        ratio = p_k / (1.0 - p_k)  # P(k) / P(k - 1) = ratio x (n - k + 1) / k
        p1 = n_k * p_k * (1.0 - p_k) ** (n_k - 1.0)
        p2 = p1 * ratio * ((n_k - 1.0) / 2.0)
        p3 = p2 * ratio * ((n_k - 2.0) / 3.0)
        c1 = at_most_one[ids]  # P(<= 1), P(<= 2), P(<= 3)
        c2 = c1 + p2
        c3 = c2 + p3
        two = (u_k > c1 * (1.0 + _MARGIN)) & (u_k < c2 * (1.0 - _MARGIN))
        three = (u_k > c2 * (1.0 + _MARGIN)) & (u_k < c3 * (1.0 - _MARGIN))
        died[ids[two]] = 2.0
        died[ids[three]] = 3.0
        more = np.delete(more, summed[two | three])
    if more.size:
        quantile = stats.binom.ppf(u_live[more], units_live[more], p_live[more])
        died[more] = np.maximum(quantile, 0.0)
    return live, died


def production_args(hh: Households, tech: Technology, liv: Livelihood) -> tuple:
    """The arrays and parameters the compiled marginal net return reads
    (:func:`pushpull_sim.kernels.livelihood.marginal_net_return_one`, after ``i``), in
    its order: the households' arrays, the technology's, then the scalars."""
    return (
        hh.assets,
        hh.ability,
        hh.skill,
        hh.labour,
        hh.casual_access,
        hh.wage_rate,
        tech.asset_threshold_usd_ppp,
        tech.threshold_width_usd_ppp,
        tech.return_low_monthly,
        tech.return_high_monthly,
        tech.asset_saturation_usd_ppp,
        tech.mortality_monthly,
        tech.labour_days_per_usd,
        tech.production == "concave",
        float(tech.concave_alpha),
        float(liv.skill_productivity_gain),
        float(liv.labour_days_per_month),
        float(liv.depreciation_monthly),
    )


def marginal_net_return_of(
    hh: Households, tech: Technology, liv: Livelihood, ids: np.ndarray
) -> np.ndarray:
    """:meth:`pushpull_sim.model.GraduationModel.marginal_net_return` over households
    ``ids``, compiled (:func:`pushpull_sim.kernels.livelihood.marginal_net_return`): one
    pass over ``ids`` instead of a dozen whole-array operations.

    Args:
        hh: The households.
        tech: The population's technology (``model.tech``, arrays of shape ``(n,)``).
        liv: The livelihood parameters (``model.params.livelihood``).
        ids: Household ids, int, shape ``(k,)``.

    Returns:
        numpy.ndarray: USD per USD per month, shape ``(k,)``.
    """
    return kernels.marginal_net_return(np.asarray(ids, np.int64), *production_args(hh, tech, liv))
