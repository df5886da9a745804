"""Network-aware targeting through each village's most central households."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from pushpull_sim.targeting.base import (
    TargetingInputs,
    TargetingParams,
    TargetingResult,
    TargetingRule,
    _pmt_score,
    _rank_within,
    _result,
    network_distance,
    village_quotas,
)


class NetworkParams(TargetingParams):
    """Options of network-aware targeting."""

    entry_share: float = Field(
        0.05,
        gt=0,
        le=1,
        description="Entry points as a share of each village's households. Assumption "
        "(about one lead household per 20, e.g. lead farmers or community volunteers a "
        "programme recruits).",
    )
    entry_points: int | None = Field(
        None,
        ge=1,
        le=1_000_000,
        description="Entry points per village; replaces entry_share when set. Assumption: unset.",
    )
    max_distance: int = Field(
        2,
        ge=1,
        le=20,
        description="Largest network distance from an entry point at which households are "
        "enrolled. Assumption (neighbours, then neighbours of neighbours).",
    )


class NetworkTargeting(TargetingRule):
    """Network-aware targeting: the programme enters each village through its most
    central households and enrols the poorest (by PMT) of those within network distance
    1, then 2, of them; it reaches the connected poor and misses the isolated.

    In each village the programme picks entry points, its most central households by degree
    (ties at random; households with no ties are never entry points): ``entry_points`` per
    village if given, else ``max(1, round(entry_share * village size))``. It then fills the
    village's quota (:func:`~pushpull_sim.targeting.base.village_quotas`) with the poorest
    by PMT score among the village's households within distance 1 of an entry point (entry
    points included), then distance 2, ..., up to ``max_distance`` (ties to other villages
    count as paths). If a village still has slots left, its next most central household
    becomes an entry point, until the quota is filled or no connected household is left
    (then the village gets fewer slots than its quota: the only case where fewer than
    ``round(share * n)`` are eligible).

    Trade-off: the programme reaches poor households that are connected, and its
    participants can carry information and support to others, but poor households with no
    ties to the entry points (the isolated poor, often the poorest) are missed, and
    among those reached the poorest by PMT may be better off than the village's poorest.
    Assumption: a stylised design, not a calibrated one. The result's ``score`` is the PMT
    score; ``details["entry_points"]`` (bool) and ``details["distance"]`` (int,
    ``max_distance + 1`` = farther or unreachable).
    """

    kind = "network"
    Params = NetworkParams

    def choose(self, inputs: TargetingInputs, share: float, noise_sd: float) -> TargetingResult:
        rng = self.rng
        p = self.params
        max_distance = p.max_distance
        score = _pmt_score(inputs, noise_sd, rng)
        codes, quota = village_quotas(inputs.village, share, rng)
        n_villages = quota.size
        sizes = np.bincount(codes, minlength=n_villages)
        degree = np.asarray(inputs.degree, np.float64)
        connected = degree > 0
        n_connected = np.bincount(codes[connected], minlength=n_villages)
        if p.entry_points is not None:
            n_entry = np.full(n_villages, int(p.entry_points), np.int64)
        else:
            n_entry = np.maximum(np.floor(p.entry_share * sizes + 0.5).astype(np.int64), 1)
        n_entry = np.minimum(n_entry, n_connected)
        centrality_rank = _rank_within(codes, [~connected, -degree], rng)
        while True:
            entry = connected & (centrality_rank < n_entry[codes])
            dist = network_distance(inputs.adjacency, entry, max_distance)
            reached = dist <= max_distance
            short = (np.bincount(codes[reached], minlength=n_villages) < quota) & (
                n_entry < n_connected
            )
            if not short.any():
                break
            n_entry[short] += 1
        tier = np.maximum(dist, 1)  # entry points and their neighbours come first
        rank = _rank_within(codes, [~reached, tier, score], rng)
        eligible = reached & (rank < quota[codes])
        details = {"entry_points": entry, "distance": dist}
        return _result(score, eligible, inputs, share, rng, details)
