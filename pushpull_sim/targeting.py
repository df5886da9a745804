"""Targeting: who the programme declares eligible.

Four rules share one signature and are registered by name in :data:`TARGETING_RULES`::

    rule(inputs: TargetingInputs, share: float, noise_sd: float,
         rng: numpy.random.Generator, **options) -> TargetingResult

* ``"pmt"`` (:func:`pmt_targeting`, the default): a proxy means test. A score built from
  what an enumerator can observe (productive assets, cash savings and recent earned
  income, per adult equivalent), plus noise; the poorest ``share`` of all households by
  score are eligible.
* ``"community"`` (:func:`community_targeting`): community wealth ranking. Villagers rank
  the households *of their own village* by visible wealth, with more noise than a PMT, and
  a share of each village's slots goes to well-connected, better-off households (elite
  capture).
* ``"random"`` (:func:`random_targeting`): a lottery, the benchmark any rule must beat.
* ``"network"`` (:func:`network_targeting`): the programme enters each village through its
  most central households and enrols the poorest (by PMT) of the households within
  network distance 1, then 2, of them. It reaches the connected poor and misses the
  isolated poor.

How many are eligible: ``"pmt"`` and ``"random"`` select exactly ``round(share * n)``
households across the population. ``"community"`` and ``"network"`` work village by village
with quotas from :func:`village_quotas`: each village gets ``floor`` or ``ceil`` of
``share * village size`` (largest remainders), and the quotas add up to exactly
``round(share * n)``, so every rule selects the same number of households and their errors
are directly comparable (and, as the benchmark group has the same size, each rule's
inclusion error equals its exclusion error).

Errors (:func:`targeting_errors`) are always measured against the poorest
``round(share * n)`` households *of the whole population* by consumption per adult
equivalent, a variable no rule sees. Even a noiseless PMT therefore makes errors: its score
is only a proxy. Village quotas add a further, deliberate source of error: a poor village's
poor beyond its quota are excluded while a better-off village's quota is filled.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class TargetingResult:
    """Outcome of targeting.

    Attributes:
        score: The rule's ranking score per household, shape ``(n,)``; lower = poorer, so
            a budget serves low scores first. ``"pmt"`` and ``"network"``: the PMT score
            (log of USD PPP per adult equivalent, plus noise). ``"community"``: the
            community's perceived-wealth score (same scale, more noise). ``"random"``: the
            lottery draw (uniform on [0, 1)).
        eligible: Eligibility mask, shape ``(n,)``, bool.
        inclusion_error: Share of eligible households that are not among the poorest
            ``share`` by consumption per adult equivalent (0-1).
        exclusion_error: Share of the poorest ``share`` by consumption who are not
            eligible (0-1).
        details: Rule-specific arrays, each shape ``(n,)``: ``"captured"`` (bool, slots
            taken by elite capture) for ``"community"``; ``"entry_points"`` (bool) and
            ``"distance"`` (int, network distance to the nearest entry point, capped at
            ``max_distance + 1`` = farther or unreachable) for ``"network"``. Empty for the
            others.
    """

    score: np.ndarray
    eligible: np.ndarray
    inclusion_error: float
    exclusion_error: float
    details: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class TargetingInputs:
    """What a targeting rule may use, one entry per household.

    Every array has shape ``(n,)`` except ``adjacency``. ``village``, ``adjacency`` and
    ``degree`` may be omitted (``None``): then all households form one village, the network
    is empty, and the degree is the adjacency's row sum.

    Attributes:
        assets: Productive assets, USD PPP (2021).
        savings: Cash savings, USD PPP.
        income_12m: Mean monthly earned income over about 12 months, USD PPP per month.
        size_ae: Household size, adult equivalents (> 0).
        consumption_ppd: Consumption per adult equivalent per day, USD PPP. The welfare
            ranking the errors are measured against; no rule sees it.
        village: Village index, int (need not be contiguous or start at 0).
        adjacency: Social network, ``scipy.sparse`` CSR, symmetric 0/1, shape ``(n, n)``,
            no self-loops (as built by :func:`pushpull_sim.network.build_network`).
        degree: Number of ties per household (row sums of ``adjacency``), float or int.
    """

    assets: np.ndarray
    savings: np.ndarray
    income_12m: np.ndarray
    size_ae: np.ndarray
    consumption_ppd: np.ndarray
    village: np.ndarray | None = None
    adjacency: sp.csr_array | sp.csr_matrix | None = None
    degree: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = np.asarray(self.assets).size
        for name in ("assets", "savings", "income_12m", "size_ae", "consumption_ppd"):
            if np.shape(getattr(self, name)) != (n,):
                raise ValueError(f"TargetingInputs.{name}: shape must be ({n},)")
        if self.village is None:
            object.__setattr__(self, "village", np.zeros(n, np.int64))
        if self.adjacency is None:
            object.__setattr__(self, "adjacency", sp.csr_array((n, n)))
        if self.adjacency.shape != (n, n):
            raise ValueError(f"TargetingInputs.adjacency: shape must be ({n}, {n})")
        if self.degree is None:
            deg = np.asarray(self.adjacency.sum(axis=1)).ravel()
            object.__setattr__(self, "degree", deg)
        for name in ("village", "degree"):
            if np.shape(getattr(self, name)) != (n,):
                raise ValueError(f"TargetingInputs.{name}: shape must be ({n},)")

    @property
    def n(self) -> int:
        """Number of households."""
        return int(np.asarray(self.assets).size)

    @classmethod
    def from_households(
        cls, hh: object, adjacency: sp.csr_array | None = None, degree: np.ndarray | None = None
    ) -> TargetingInputs:
        """Build inputs from a :class:`~pushpull_sim.households.Households` population.

        Args:
            hh: The households (reads ``assets``, ``savings``, ``income_12m``,
                ``size_ae``, ``consumption_ppd`` and ``village``).
            adjacency: The model's network, CSR ``(n, n)``.
            degree: The model's degree array, shape ``(n,)``.

        Returns:
            TargetingInputs: Views of the households' arrays (not copies).
        """
        return cls(
            assets=hh.assets,
            savings=hh.savings,
            income_12m=hh.income_12m,
            size_ae=hh.size_ae,
            consumption_ppd=hh.consumption_ppd,
            village=hh.village,
            adjacency=adjacency,
            degree=degree,
        )


# ---------------------------------------------------------------------------- helpers
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


def targeting_errors(
    eligible: np.ndarray, consumption_ppd: np.ndarray, share: float, rng: np.random.Generator
) -> tuple[float, float]:
    """Inclusion and exclusion errors of any eligibility mask.

    The benchmark is the poorest ``round(share * n)`` households of the whole population by
    consumption per adult equivalent (ties broken at random with ``rng``).

    Args:
        eligible: Eligibility mask, shape ``(n,)``, bool.
        consumption_ppd: Consumption per adult equivalent per day, USD PPP, shape ``(n,)``.
        share: Share of households the programme aims to reach, in (0, 1].
        rng: Generator for tie-breaking (draws ``n`` uniforms).

    Returns:
        tuple[float, float]: ``(inclusion_error, exclusion_error)``: the share of eligible
        households not among the poorest, and the share of the poorest not eligible (0-1;
        0 when the respective group is empty).
    """
    eligible = np.asarray(eligible, bool)
    truly_poorest = poorest(np.asarray(consumption_ppd), share, rng)
    k = max(int(eligible.sum()), 1)
    inclusion = float((eligible & ~truly_poorest).sum() / k)
    exclusion = float((truly_poorest & ~eligible).sum() / max(int(truly_poorest.sum()), 1))
    return inclusion, exclusion


def village_quotas(
    village: np.ndarray, share: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Eligible slots per village, adding up to ``round(share * n)``.

    Each village gets ``floor(share * size)`` slots; the remaining slots go, one each, to
    the villages with the largest remainders (ties broken at random). So a village gets
    ``floor`` or ``ceil`` of ``share * size``, usually ``round(share * size)``.

    Args:
        village: Village index per household, shape ``(n,)``, int.
        share: Share of households to select, in (0, 1].
        rng: Generator for tie-breaking (draws one uniform per village).

    Returns:
        tuple[numpy.ndarray, numpy.ndarray]: ``codes``, shape ``(n,)``, the village of each
        household as 0..V-1 (in sorted order of ``village``), and ``quota``, shape ``(V,)``,
        int, slots per village.
    """
    _, codes, sizes = np.unique(village, return_inverse=True, return_counts=True)
    codes = codes.ravel()
    exact = share * sizes
    base = np.minimum(np.floor(exact + 1e-9).astype(np.int64), sizes)
    remainder = np.clip(exact - base, 0.0, None)
    extra = int(round(share * village.size)) - int(base.sum())
    order = np.lexsort((rng.random(sizes.size), -remainder))
    base[order[: max(extra, 0)]] += 1
    return codes, np.minimum(base, sizes)


def _rank_within(codes: np.ndarray, keys: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Rank of each household within its group, ascending by ``keys`` (primary first),
    ties broken at random. Returns int array, shape ``(n,)``, 0 = first."""
    n = codes.size
    order = np.lexsort((rng.random(n), *reversed(keys), codes))
    sorted_codes = codes[order]
    first = np.r_[True, sorted_codes[1:] != sorted_codes[:-1]]
    starts = np.flatnonzero(first)
    group_start = np.repeat(starts, np.diff(np.r_[starts, n]))
    rank = np.empty(n, np.int64)
    rank[order] = np.arange(n) - group_start
    return rank


def _pmt_score(inputs: TargetingInputs, noise_sd: float, rng: np.random.Generator) -> np.ndarray:
    """Log of (assets + savings + 12 x monthly income) per adult equivalent, plus noise."""
    proxy = (inputs.assets + inputs.savings + 12.0 * inputs.income_12m) / inputs.size_ae
    proxy = np.maximum(proxy, 0.0)  # a loss-making year scores as nothing, not NaN
    return np.log1p(proxy) + noise_sd * rng.standard_normal(inputs.n)


def network_distance(
    adjacency: sp.csr_array | sp.csr_matrix, sources: np.ndarray, max_distance: int
) -> np.ndarray:
    """Hop distance from the nearest source, by breadth-first search on sparse products.

    Args:
        adjacency: Symmetric 0/1 adjacency, CSR, shape ``(n, n)``.
        sources: Source mask, shape ``(n,)``, bool.
        max_distance: Largest distance explored (>= 0).

    Returns:
        numpy.ndarray: int, shape ``(n,)``: 0 for sources, 1..``max_distance`` for
        households that near, ``max_distance + 1`` for those farther or unreachable.
    """
    sources = np.asarray(sources, bool)
    dist = np.full(sources.size, max_distance + 1, np.int64)
    dist[sources] = 0
    reached = sources.copy()
    frontier = sources.astype(np.float64)
    for d in range(1, max_distance + 1):
        new = (np.asarray(adjacency @ frontier).ravel() > 0) & ~reached
        if not new.any():
            break
        dist[new] = d
        reached |= new
        frontier = new.astype(np.float64)
    return dist


def _check(share: float, noise_sd: float) -> None:
    if not 0.0 < share <= 1.0:
        raise ValueError(f"share = {share}: must be in (0, 1]")
    if not noise_sd >= 0.0:
        raise ValueError(f"noise_sd = {noise_sd}: must be >= 0")


def _result(
    score: np.ndarray,
    eligible: np.ndarray,
    inputs: TargetingInputs,
    share: float,
    rng: np.random.Generator,
    details: dict[str, np.ndarray] | None = None,
) -> TargetingResult:
    inclusion, exclusion = targeting_errors(eligible, inputs.consumption_ppd, share, rng)
    return TargetingResult(score, eligible, inclusion, exclusion, details or {})


# ---------------------------------------------------------------------------- rules
def pmt_targeting(
    inputs: TargetingInputs, share: float, noise_sd: float, rng: np.random.Generator
) -> TargetingResult:
    """Proxy means test: the poorest ``round(share * n)`` households by a noisy score.

    Score: ``log(1 + (assets + savings + 12 x monthly income) / size_ae) + noise_sd x N(0, 1)``.
    Ranking is across the whole population (not by village).

    Args:
        inputs: Household arrays (uses assets, savings, income, size, consumption).
        share: Share of households to declare eligible, in (0, 1].
        noise_sd: SD of the noise added to the log score (the scenario's
            ``programme.pmt_noise_sd``; PMTs misclassify many, Brown, Ravallion & van de
            Walle 2018).
        rng: The ``"targeting"`` stream.

    Returns:
        TargetingResult: ``score`` is the PMT score; no details.
    """
    _check(share, noise_sd)
    score = _pmt_score(inputs, noise_sd, rng)
    eligible = poorest(score, share, rng)
    return _result(score, eligible, inputs, share, rng)


#: Default extra noise of a community ranking over a PMT, SD of the log score. Assumption,
#: set so that with the default PMT noise (0.35) the community's total noise (about 0.69)
#: is twice the PMT's: Alatas et al. 2012 (AER 102(4)) find community ranking somewhat less
#: accurate than a PMT at identifying the poor by per-capita consumption, though it better
#: matches villagers' own perceptions of poverty.
COMMUNITY_EXTRA_NOISE_SD = 0.6

#: Default share of a village's slots taken by elite capture. Assumption, from Alatas et al.
#: 2013 (NBER w18798, "Does Elite Capture Matter?"): formal elites, at most ~15 % of the
#: population, are at most ~8 points more likely to receive benefits, i.e. a few per cent of
#: slots; Alatas et al. 2012 find elite capture does not explain community ranking's errors.
COMMUNITY_ELITE_CAPTURE_SHARE = 0.05

#: Default lowest within-village wealth quantile (community score) of a household that can
#: capture a slot: only the better-off half is "non-poor". Assumption.
COMMUNITY_ELITE_WEALTH_QUANTILE = 0.5


def community_targeting(
    inputs: TargetingInputs,
    share: float,
    noise_sd: float,
    rng: np.random.Generator,
    *,
    extra_noise_sd: float = COMMUNITY_EXTRA_NOISE_SD,
    elite_capture_share: float = COMMUNITY_ELITE_CAPTURE_SHARE,
    elite_wealth_quantile: float = COMMUNITY_ELITE_WEALTH_QUANTILE,
) -> TargetingResult:
    """Community wealth ranking, village by village, with some elite capture.

    Villagers rank the households of their own village by *visible* wealth, productive
    assets plus a year's earned income per adult equivalent (cash savings are hidden:
    Assumption), with noise of SD ``hypot(noise_sd, extra_noise_sd)`` on the log, more than
    the PMT's. In each village of quota ``k`` (:func:`village_quotas`),
    ``round(elite_capture_share * k)`` slots go to the best-connected (highest degree, ties
    at random) households ranked at or above the ``elite_wealth_quantile`` of their
    village's perceived wealth; the other slots go to the lowest-ranked households.

    Less accurate by consumption than a PMT (Alatas et al. 2012, AER 102(4): community
    targeting performs somewhat worse than a PMT at identifying the consumption-poor, but
    matches local perceptions of poverty better and satisfies villagers more). Because ranks
    are within villages, a poor village's poor beyond its quota are excluded.

    Args:
        inputs: Household arrays (uses assets, income, size, village, degree, consumption).
        share: Share of households to declare eligible, in (0, 1].
        noise_sd: The PMT's noise SD (log score); the community's noise adds to it.
        rng: The ``"targeting"`` stream.
        extra_noise_sd: Extra ranking noise, SD of the log score (>= 0). Default
            :data:`COMMUNITY_EXTRA_NOISE_SD`.
        elite_capture_share: Share of each village's slots captured, in [0, 1]. Default
            :data:`COMMUNITY_ELITE_CAPTURE_SHARE`.
        elite_wealth_quantile: Within-village perceived-wealth quantile at or above which a
            household can capture, in [0, 1). Default
            :data:`COMMUNITY_ELITE_WEALTH_QUANTILE`.

    Returns:
        TargetingResult: ``score`` is the perceived-wealth score; ``details["captured"]``
        marks the captured slots.
    """
    _check(share, noise_sd)
    if not extra_noise_sd >= 0.0:
        raise ValueError(f"extra_noise_sd = {extra_noise_sd}: must be >= 0")
    if not 0.0 <= elite_capture_share <= 1.0:
        raise ValueError(f"elite_capture_share = {elite_capture_share}: must be in [0, 1]")
    if not 0.0 <= elite_wealth_quantile < 1.0:
        raise ValueError(f"elite_wealth_quantile = {elite_wealth_quantile}: must be in [0, 1)")
    n = inputs.n
    codes, quota = village_quotas(inputs.village, share, rng)
    sizes = np.bincount(codes, minlength=quota.size)
    visible = (inputs.assets + 12.0 * inputs.income_12m) / inputs.size_ae
    sd = math.hypot(noise_sd, extra_noise_sd)
    score = np.log1p(visible) + sd * rng.standard_normal(n)
    wealth_rank = _rank_within(codes, [score], rng)  # 0 = perceived poorest
    could_capture = wealth_rank >= np.ceil(elite_wealth_quantile * sizes[codes] - 1e-9)
    captured_slots = np.floor(elite_capture_share * quota + 0.5).astype(np.int64)
    degree = np.asarray(inputs.degree, np.float64)
    capture_rank = _rank_within(codes, [~could_capture, -degree], rng)
    captured = could_capture & (capture_rank < captured_slots[codes])
    left = quota - np.bincount(codes[captured], minlength=quota.size)
    poor_rank = _rank_within(codes, [captured, score], rng)
    eligible = captured | (~captured & (poor_rank < left[codes]))
    return _result(score, eligible, inputs, share, rng, {"captured": captured})


def random_targeting(
    inputs: TargetingInputs, share: float, noise_sd: float, rng: np.random.Generator
) -> TargetingResult:
    """Lottery: ``round(share * n)`` households drawn at random (the benchmark).

    Expected inclusion and exclusion errors are ``1 - share``.

    Args:
        inputs: Household arrays (uses consumption, for the errors).
        share: Share of households to declare eligible, in (0, 1].
        noise_sd: Unused (kept for the common signature).
        rng: The ``"targeting"`` stream.

    Returns:
        TargetingResult: ``score`` is the lottery draw (uniform on [0, 1)).
    """
    _check(share, noise_sd)
    score = rng.random(inputs.n)
    eligible = poorest(score, share, rng)
    return _result(score, eligible, inputs, share, rng)


#: Default share of each village's households used as entry points. Assumption (about one
#: lead household per 20, e.g. lead farmers or community volunteers a programme recruits).
NETWORK_ENTRY_SHARE = 0.05

#: Default largest network distance from an entry point at which households are enrolled.
#: Assumption (as specified: neighbours, then neighbours of neighbours).
NETWORK_MAX_DISTANCE = 2


def network_targeting(
    inputs: TargetingInputs,
    share: float,
    noise_sd: float,
    rng: np.random.Generator,
    *,
    entry_share: float = NETWORK_ENTRY_SHARE,
    entry_points: int | None = None,
    max_distance: int = NETWORK_MAX_DISTANCE,
) -> TargetingResult:
    """Network-aware targeting through each village's most central households.

    In each village the programme picks entry points, its most central households by degree
    (ties at random; households with no ties are never entry points): ``entry_points`` per
    village if given, else ``max(1, round(entry_share * village size))``. It then fills the
    village's quota (:func:`village_quotas`) with the poorest by PMT score among the
    village's households within distance 1 of an entry point (entry points included), then
    distance 2, ..., up to ``max_distance`` (ties to other villages count as paths). If a
    village still has slots left, its next most central household becomes an entry point,
    until the quota is filled or no connected household is left (then the village gets
    fewer slots than its quota: the only case where fewer than ``round(share * n)`` are
    eligible).

    Trade-off: the programme reaches poor households that are connected, and its
    participants can carry information and support to others, but poor households with no
    ties to the entry points (the isolated poor, often the poorest) are missed, and
    among those reached the poorest by PMT may be better off than the village's poorest.
    Assumption: a stylised design, not a calibrated one.

    Args:
        inputs: Household arrays (uses all, including adjacency and degree).
        share: Share of households to declare eligible, in (0, 1].
        noise_sd: SD of the PMT noise (log score), as in :func:`pmt_targeting`.
        rng: The ``"targeting"`` stream.
        entry_share: Entry points as a share of each village's households, in (0, 1].
            Default :data:`NETWORK_ENTRY_SHARE`.
        entry_points: Entry points per village (>= 1); overrides ``entry_share``.
        max_distance: Largest distance from an entry point enrolled (>= 1). Default
            :data:`NETWORK_MAX_DISTANCE`.

    Returns:
        TargetingResult: ``score`` is the PMT score; ``details["entry_points"]`` (bool) and
        ``details["distance"]`` (int, ``max_distance + 1`` = farther or unreachable).
    """
    _check(share, noise_sd)
    if not 0.0 < entry_share <= 1.0:
        raise ValueError(f"entry_share = {entry_share}: must be in (0, 1]")
    if entry_points is not None and entry_points < 1:
        raise ValueError(f"entry_points = {entry_points}: must be >= 1")
    if max_distance < 1:
        raise ValueError(f"max_distance = {max_distance}: must be >= 1")
    score = _pmt_score(inputs, noise_sd, rng)
    codes, quota = village_quotas(inputs.village, share, rng)
    n_villages = quota.size
    sizes = np.bincount(codes, minlength=n_villages)
    degree = np.asarray(inputs.degree, np.float64)
    connected = degree > 0
    n_connected = np.bincount(codes[connected], minlength=n_villages)
    if entry_points is not None:
        n_entry = np.full(n_villages, int(entry_points), np.int64)
    else:
        n_entry = np.maximum(np.floor(entry_share * sizes + 0.5).astype(np.int64), 1)
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
    return _result(score, eligible, inputs, share, rng, {"entry_points": entry, "distance": dist})


#: Targeting rules by name; each is ``rule(inputs, share, noise_sd, rng, **options)``.
TARGETING_RULES: dict[str, Callable[..., TargetingResult]] = {
    "pmt": pmt_targeting,
    "community": community_targeting,
    "random": random_targeting,
    "network": network_targeting,
}


def target(
    rule: str,
    inputs: TargetingInputs,
    share: float,
    noise_sd: float,
    rng: np.random.Generator,
    **options: object,
) -> TargetingResult:
    """Apply the targeting rule registered as ``rule``.

    Args:
        rule: A key of :data:`TARGETING_RULES`.
        inputs: Household arrays.
        share: Share of households to declare eligible, in (0, 1].
        noise_sd: SD of the PMT noise (log score).
        rng: The ``"targeting"`` stream.
        **options: The rule's keyword options.

    Returns:
        TargetingResult: The rule's result.

    Raises:
        ValueError: If ``rule`` is unknown, or an option is unknown or out of range.
    """
    if rule not in TARGETING_RULES:
        raise ValueError(f"targeting rule {rule!r}: must be one of {sorted(TARGETING_RULES)}")
    func = TARGETING_RULES[rule]
    allowed = rule_options(rule)
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise ValueError(
            f"targeting rule {rule!r}: unknown option(s) {unknown}; allowed: {sorted(allowed)}"
        )
    return func(inputs, share, noise_sd, rng, **options)


#: Type, test and description of every targeting option (checked by :func:`check_options`).
OPTION_CHECKS: dict[str, tuple[type, Callable[[float], bool], str]] = {
    "extra_noise_sd": (float, lambda v: 0.0 <= v <= 10.0, "a number from 0 to 10"),
    "elite_capture_share": (float, lambda v: 0.0 <= v <= 1.0, "a number from 0 to 1"),
    "elite_wealth_quantile": (float, lambda v: 0.0 <= v < 1.0, "a number from 0 to below 1"),
    "entry_share": (float, lambda v: 0.0 < v <= 1.0, "a number above 0 and at most 1"),
    "entry_points": (int, lambda v: 1 <= v <= 1_000_000, "a whole number from 1 to 1000000"),
    "max_distance": (int, lambda v: 1 <= v <= 20, "a whole number from 1 to 20"),
}


def check_options(rule: str, options: dict[str, object]) -> None:
    """Check a rule's options before any work is done.

    Args:
        rule: A key of :data:`TARGETING_RULES`.
        options: Option name -> value.

    Raises:
        ValueError: One line, ``"<option> = <value>: must be ..."``, for an unknown option,
            a wrong type or a value out of range.
    """
    allowed = rule_options(rule)
    for key, value in options.items():
        if key not in allowed:
            raise ValueError(
                f"{key} = {value!r}: unknown option for targeting {rule!r}; allowed: "
                f"{', '.join(sorted(allowed)) or 'none'}"
            )
        kind, test, what = OPTION_CHECKS[key]
        ok_type = not isinstance(value, bool) and (
            isinstance(value, int) if kind is int else isinstance(value, int | float)
        )
        if not ok_type or not test(value):
            raise ValueError(f"{key} = {value!r}: must be {what}")


def rule_options(rule: str) -> dict[str, object]:
    """The keyword options of a registered rule and their defaults.

    Args:
        rule: A key of :data:`TARGETING_RULES`.

    Returns:
        dict[str, object]: Option name -> default value (empty for ``"pmt"`` and
        ``"random"``).
    """
    params = inspect.signature(TARGETING_RULES[rule]).parameters.values()
    return {p.name: p.default for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY}


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
    """Select the poorest households by a noisy proxy means test (see :func:`pmt_targeting`).

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
    inputs = TargetingInputs(assets, savings, income_12m, size_ae, consumption_ppd)
    return pmt_targeting(inputs, share, noise_sd, rng)
