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
which is why both are offered. All functions are vectorised over households.
"""

from __future__ import annotations

import numpy as np

from pushpull_sim.scenario import Livelihood


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def own_production(assets: np.ndarray, p: Livelihood) -> np.ndarray:
    """Monthly net output of own production before shocks and skill effects.

    Args:
        assets: Productive assets, USD PPP, shape ``(n,)``, non-negative.
        p: Livelihood parameters.

    Returns:
        numpy.ndarray: Net output, USD PPP per month, shape ``(n,)``.
    """
    if p.production == "concave":
        a = p.concave_alpha
        return p.return_high_monthly * p.asset_threshold_usd_ppp ** (1.0 - a) * assets**a
    rho = p.return_low_monthly + (p.return_high_monthly - p.return_low_monthly) * _sigmoid(
        (assets - p.asset_threshold_usd_ppp) / p.threshold_width_usd_ppp
    )
    sat = p.asset_saturation_usd_ppp
    return rho * sat * -np.expm1(-assets / sat)


def marginal_product(assets: np.ndarray, p: Livelihood) -> np.ndarray:
    """Marginal monthly net output of one more USD of assets, ``f'(A)``.

    Args:
        assets: Productive assets, USD PPP, shape ``(n,)``.
        p: Livelihood parameters.

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


def own_time_share(assets: np.ndarray, p: Livelihood) -> np.ndarray:
    """Share of household labour absorbed by own production (the rest seeks casual work).

    Args:
        assets: Productive assets, USD PPP, shape ``(n,)``.
        p: Livelihood parameters.

    Returns:
        numpy.ndarray: Shares in ``[0, 1]``, shape ``(n,)``.
    """
    return np.minimum(assets / p.full_time_assets_usd_ppp, 1.0)
