"""Targeting: who the programme declares eligible.

The default rule is a proxy means test (PMT): a score built from what an enumerator can
observe (productive assets, cash savings, and recent earned income), plus noise, and the
poorest ``eligible_share`` by score are eligible. Because the score is a proxy, even a
noiseless PMT misses some of the households that are poorest by consumption: the
inclusion and exclusion errors are reported against the consumption ranking.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TargetingResult:
    """Outcome of targeting.

    Attributes:
        score: PMT score per household, shape ``(n,)`` (log USD PPP, higher = better off).
        eligible: Eligibility mask, shape ``(n,)``, bool.
        inclusion_error: Share of eligible households that are not among the poorest
            ``eligible_share`` by consumption per adult equivalent.
        exclusion_error: Share of the poorest ``eligible_share`` by consumption who are not
            eligible.
    """

    score: np.ndarray
    eligible: np.ndarray
    inclusion_error: float
    exclusion_error: float


def poorest(values: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """Mask of the ``share`` of households with the lowest ``values`` (ties broken at random).

    Args:
        values: Ranking variable, shape ``(n,)``.
        share: Share to select, in (0, 1].
        rng: Generator for tie-breaking.

    Returns:
        numpy.ndarray: bool mask, shape ``(n,)``, with ``round(share * n)`` entries set.
    """
    n = values.size
    k = int(round(share * n))
    order = np.lexsort((rng.random(n), values))
    mask = np.zeros(n, bool)
    mask[order[:k]] = True
    return mask


def proxy_means_test(
    assets: np.ndarray,
    savings: np.ndarray,
    income_12m: np.ndarray,
    size_ae: np.ndarray,
    consumption_ppd: np.ndarray,
    share: float,
    noise_sd: float,
    rng: np.random.Generator,
) -> TargetingResult:
    """Select the poorest households by a noisy proxy means test.

    Args:
        assets: Productive assets, USD PPP, shape ``(n,)``.
        savings: Cash savings, USD PPP, shape ``(n,)``.
        income_12m: Mean monthly earned income, USD PPP, shape ``(n,)``.
        size_ae: Household size, adult equivalents, shape ``(n,)``.
        consumption_ppd: Consumption per adult equivalent per day, USD PPP, shape ``(n,)``
            (the welfare ranking errors are measured against; not seen by the PMT).
        share: Share of households to declare eligible, in (0, 1].
        noise_sd: SD of the noise added to the log score.
        rng: The ``"targeting"`` stream.

    Returns:
        TargetingResult: Scores, eligibility and targeting errors.
    """
    n = assets.size
    proxy = (assets + savings + 12.0 * income_12m) / size_ae
    score = np.log1p(proxy) + noise_sd * rng.standard_normal(n)
    eligible = poorest(score, share, rng)
    truly_poorest = poorest(consumption_ppd, share, rng)
    k = max(int(eligible.sum()), 1)
    inclusion = float((eligible & ~truly_poorest).sum() / k)
    exclusion = float((truly_poorest & ~eligible).sum() / max(int(truly_poorest.sum()), 1))
    return TargetingResult(score, eligible, inclusion, exclusion)
