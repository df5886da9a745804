"""Compiled production functions, per household, for the kernels that need them.

The pull actors' and savings groups' kernels evaluate the livelihood's production
function (:mod:`pushpull_sim.livelihood`) household by household: a buyer's expected
volume is built on :func:`own_production`, and a lender's or a savings group's loan
demand on :func:`marginal_net_return` (the model's investment rule,
:meth:`pushpull_sim.model.GraduationModel.marginal_net_return`). Each function here is
the same formula as the numpy one it mirrors, term for term and in the same order, so
the two agree to the last bits of the transcendental functions (``exp``, ``expm1``,
``pow``); ``tests/test_kernels_pull.py`` checks them against the numpy functions
themselves. The core stages' kernels (:mod:`pushpull_sim.kernels.core`) use them too:
one production function for every kernel.

Technology parameters are per-household arrays of shape ``(n,)`` (the fields of
:class:`~pushpull_sim.livelihood.Technology`), indexed by household id inside the loops.
"""

from __future__ import annotations

import math

import numpy as np

from pushpull_sim.kernels import jit


@jit
def logistic(x: float) -> float:
    """The logistic function ``1 / (1 + exp(-x))``, without overflow at any ``x`` (the
    form of ``scipy.special.expit``, which :func:`pushpull_sim.livelihood.own_production`
    uses)."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@jit
def own_production_one(
    assets: float,
    concave: bool,
    alpha: float,
    threshold: float,
    width: float,
    return_low: float,
    return_high: float,
    saturation: float,
) -> float:
    """One household's monthly net output of own production, USD PPP per month.

    :func:`pushpull_sim.livelihood.own_production` for one household.

    Args:
        assets: Productive assets, USD PPP.
        concave: Whether the technology is ``"concave"`` (else ``"s_shaped"``).
        alpha: Exponent of the concave technology.
        threshold: Scale threshold ``T``, USD PPP.
        width: Width ``w`` of the S-curve, USD PPP.
        return_low: Net monthly return per USD below the threshold.
        return_high: Net monthly return per USD above the threshold.
        saturation: Labour-limited saturation ``A_s``, USD PPP.

    Returns:
        float: Net output, USD PPP per month.
    """
    if concave:
        held = max(assets, 0.0)  # a power of -1e-13 is NaN
        return return_high * threshold ** (1.0 - alpha) * held**alpha
    sig = logistic((assets - threshold) / width)
    rho = return_low + (return_high - return_low) * sig
    return rho * saturation * -math.expm1(-assets / saturation)


@jit
def marginal_product_one(
    assets: float,
    concave: bool,
    alpha: float,
    threshold: float,
    width: float,
    return_low: float,
    return_high: float,
    saturation: float,
) -> float:
    """One household's marginal monthly net output of one more USD of assets, ``f'(A)``.

    :func:`pushpull_sim.livelihood.marginal_product` for one household; arguments as for
    :func:`own_production_one`.

    Returns:
        float: USD per USD per month.
    """
    if concave:
        safe = max(assets, 1.0)  # finite at zero: the first dollar earns like the 1st
        return alpha * return_high * (threshold / safe) ** (1.0 - alpha)
    s = logistic((assets - threshold) / width)
    span = return_high - return_low
    rho = return_low + span * s
    drho = span * s * (1.0 - s) / width
    e = math.exp(-assets / saturation)
    return drho * saturation * (1.0 - e) + rho * e


@jit
def marginal_net_return_one(
    i: int,
    assets: np.ndarray,
    ability: np.ndarray,
    skill: np.ndarray,
    labour: np.ndarray,
    casual_access: np.ndarray,
    wage_rate: np.ndarray,
    threshold: np.ndarray,
    width: np.ndarray,
    return_low: np.ndarray,
    return_high: np.ndarray,
    saturation: np.ndarray,
    mortality: np.ndarray,
    days_per_usd: np.ndarray,
    concave: bool,
    alpha: float,
    skill_gain: float,
    labour_days_per_month: float,
    depreciation: float,
) -> float:
    """What one more USD of productive assets earns household ``i`` a month, net.

    :meth:`pushpull_sim.model.GraduationModel.marginal_net_return` for one household:
    the marginal product (with ability and skill) less depreciation, expected losses
    (``mortality``), and the wage given up for the days the extra assets take once they
    come out of casual work rather than idle time
    (:func:`pushpull_sim.livelihood.time_allocation`).

    Args:
        i: Household id.
        assets, ability, skill, labour, casual_access, wage_rate: The households' arrays
            (``hh.<name>``), shape ``(n,)``; ``wage_rate`` in USD PPP per day.
        threshold, width, return_low, return_high, saturation, mortality, days_per_usd:
            The technology's arrays (``model.tech``: ``asset_threshold_usd_ppp``,
            ``threshold_width_usd_ppp``, ``return_low_monthly``, ``return_high_monthly``,
            ``asset_saturation_usd_ppp``, ``mortality_monthly``, ``labour_days_per_usd``),
            shape ``(n,)``.
        concave: Whether the technology is ``"concave"``.
        alpha: Exponent of the concave technology.
        skill_gain: ``livelihood.skill_productivity_gain``.
        labour_days_per_month: ``livelihood.labour_days_per_month``, days per adult.
        depreciation: ``livelihood.depreciation_monthly``, share per month.

    Returns:
        float: USD per USD per month.
    """
    a = assets[i]
    mp = marginal_product_one(
        a, concave, alpha, threshold[i], width[i], return_low[i], return_high[i], saturation[i]
    )
    mpk = mp * ability[i] * (1.0 + skill_gain * skill[i])
    days = labour[i] * labour_days_per_month
    own = min(max(a, 0.0) * days_per_usd[i], days)
    displaces = days - own <= casual_access[i] * days
    wage_forgone = days_per_usd[i] * wage_rate[i] if displaces else 0.0
    return mpk - depreciation - mortality[i] - wage_forgone


@jit
def marginal_net_return(
    ids: np.ndarray,
    assets: np.ndarray,
    ability: np.ndarray,
    skill: np.ndarray,
    labour: np.ndarray,
    casual_access: np.ndarray,
    wage_rate: np.ndarray,
    threshold: np.ndarray,
    width: np.ndarray,
    return_low: np.ndarray,
    return_high: np.ndarray,
    saturation: np.ndarray,
    mortality: np.ndarray,
    days_per_usd: np.ndarray,
    concave: bool,
    alpha: float,
    skill_gain: float,
    labour_days_per_month: float,
    depreciation: float,
) -> np.ndarray:
    """:func:`marginal_net_return_one` for households ``ids`` (arguments as there, ``ids``
    int of shape ``(k,)``).

    Returns:
        numpy.ndarray: USD per USD per month, float, shape ``(k,)``.
    """
    out = np.empty(ids.size)
    for j in range(ids.size):
        out[j] = marginal_net_return_one(
            ids[j],
            assets,
            ability,
            skill,
            labour,
            casual_access,
            wage_rate,
            threshold,
            width,
            return_low,
            return_high,
            saturation,
            mortality,
            days_per_usd,
            concave,
            alpha,
            skill_gain,
            labour_days_per_month,
            depreciation,
        )
    return out
