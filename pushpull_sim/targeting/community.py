"""Community wealth ranking, village by village, with some elite capture."""

from __future__ import annotations

import math

import numpy as np
from pydantic import Field

from pushpull_sim.targeting.base import (
    TargetingInputs,
    TargetingParams,
    TargetingResult,
    TargetingRule,
    _rank_within,
    _result,
    village_quotas,
)


class CommunityParams(TargetingParams):
    """Options of community wealth ranking."""

    extra_noise_sd: float = Field(
        0.6,
        ge=0,
        le=10,
        description="Extra ranking noise over a PMT's, SD of the log score. Assumption, set "
        "so that with the default PMT noise (0.35) the community's total noise (about "
        "0.69) is twice the PMT's: Alatas et al. 2012 (AER 102(4)) find community ranking "
        "somewhat less accurate than a PMT at identifying the poor by per-capita "
        "consumption, though it better matches villagers' own perceptions of poverty.",
    )
    elite_capture_share: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Share of each village's slots taken by elite capture. Assumption, from "
        "Alatas et al. 2013 (NBER w18798, 'Does Elite Capture Matter?'): formal elites, at "
        "most ~15 % of the population, are at most ~8 points more likely to receive "
        "benefits, i.e. a few per cent of slots; Alatas et al. 2012 find elite capture "
        "does not explain community ranking's errors.",
    )
    elite_wealth_quantile: float = Field(
        0.5,
        ge=0,
        lt=1,
        description="Lowest within-village perceived-wealth quantile of a household that can "
        "capture a slot: only the better-off half is 'non-poor'. Assumption.",
    )


class CommunityRanking(TargetingRule):
    """Community wealth ranking: villagers rank the households of their own village by
    visible wealth, more noisily than a PMT, and a few slots go to well-connected,
    better-off households (elite capture).

    Visible wealth is productive assets plus a year's earned income per adult equivalent
    (cash savings are hidden: Assumption), with noise of SD ``hypot(noise_sd,
    extra_noise_sd)`` on the log, more than the PMT's. In each village of quota ``k``
    (:func:`~pushpull_sim.targeting.base.village_quotas`),
    ``round(elite_capture_share * k)`` slots go to the best-connected (highest degree,
    ties at random) households ranked at or above the ``elite_wealth_quantile`` of their
    village's perceived wealth; the other slots go to the lowest-ranked households.

    Less accurate by consumption than a PMT (Alatas et al. 2012, AER 102(4): community
    targeting performs somewhat worse than a PMT at identifying the consumption-poor, but
    matches local perceptions of poverty better and satisfies villagers more). Because
    ranks are within villages, a poor village's poor beyond its quota are excluded. The
    result's ``score`` is the perceived-wealth score; ``details["captured"]`` marks the
    captured slots.
    """

    kind = "community"
    Params = CommunityParams

    def choose(self, inputs: TargetingInputs, share: float, noise_sd: float) -> TargetingResult:
        rng = self.rng
        p = self.params
        n = inputs.n
        codes, quota = village_quotas(inputs.village, share, rng)
        sizes = np.bincount(codes, minlength=quota.size)
        visible = (inputs.assets + 12.0 * inputs.income_12m) / inputs.size_ae
        sd = math.hypot(noise_sd, p.extra_noise_sd)
        score = np.log1p(visible) + sd * rng.standard_normal(n)
        wealth_rank = _rank_within(codes, [score], rng)  # 0 = perceived poorest
        could_capture = wealth_rank >= np.ceil(p.elite_wealth_quantile * sizes[codes] - 1e-9)
        captured_slots = np.floor(p.elite_capture_share * quota + 0.5).astype(np.int64)
        degree = np.asarray(inputs.degree, np.float64)
        capture_rank = _rank_within(codes, [~could_capture, -degree], rng)
        captured = could_capture & (capture_rank < captured_slots[codes])
        left = quota - np.bincount(codes[captured], minlength=quota.size)
        poor_rank = _rank_within(codes, [captured, score], rng)
        eligible = captured | (~captured & (poor_rank < left[codes]))
        return _result(score, eligible, inputs, share, rng, {"captured": captured})
