"""Targeting: who the programme declares eligible (components of the ``"targeting"``
family, one rule per module of this package).

Every rule is a :class:`TargetingRule`: its ``kind`` is the value of the scenario's
``programme.targeting``, its :attr:`~TargetingRule.Params` are the options a scenario
sets in ``programme.targeting_options`` (validated, with their sources), and
:meth:`TargetingRule.select` returns a :class:`TargetingResult`. The built-in rules:

* ``"pmt"`` (:mod:`~pushpull_sim.targeting.pmt`, the default): a proxy means test. A
  score built from what an enumerator can observe (productive assets, cash savings and
  recent earned income, per adult equivalent), plus noise; the poorest ``share`` of all
  households by score are eligible.
* ``"community"`` (:mod:`~pushpull_sim.targeting.community`): community wealth ranking.
  Villagers rank the households *of their own village* by visible wealth, with more noise
  than a PMT, and a share of each village's slots goes to well-connected, better-off
  households (elite capture).
* ``"random"`` (:mod:`~pushpull_sim.targeting.lottery`): a lottery, the benchmark any
  rule must beat.
* ``"network"`` (:mod:`~pushpull_sim.targeting.network`): the programme enters each
  village through its most central households and enrols the poorest (by PMT) of the
  households within network distance 1, then 2, of them. It reaches the connected poor
  and misses the isolated poor.

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

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import scipy.sparse as sp
from pydantic import ValidationError

from pushpull_sim.components import Component, ComponentParams, registry
from pushpull_sim.validation import allowed, describe_field


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
    tie_break = rng.random(n)
    if k <= 0 or k >= n:
        return np.full(n, k >= n and n > 0)
    # the first k of lexsort((tie_break, values)) without sorting everything: all values
    # below the k-th smallest, then, of those equal to it, the lowest tie-breaks (equal
    # tie-breaks in index order, as the stable sort has them)
    kth = np.partition(values, k - 1)[k - 1]
    if np.isnan(kth):  # NaN sorts last: keep the full sort's order
        order = np.lexsort((tie_break, values))
        mask = np.zeros(n, bool)
        mask[order[:k]] = True
        return mask
    mask = values < kth
    at = np.flatnonzero(values == kth)
    need = k - int(np.count_nonzero(mask))
    if at.size == need:
        mask[at] = True
    else:
        mask[at[np.argsort(tie_break[at], kind="stable")[:need]]] = True
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


# ---------------------------------------------------------------------------- the contract
class TargetingParams(ComponentParams):
    """Options of a targeting rule (the scenario's ``programme.targeting_options``).
    Unknown keys are errors; a rule without options keeps this empty model."""


class TargetingRule(Component):
    """Base class of targeting rules.

    A rule runs once, at the baseline survey: :meth:`select` ranks the households and
    declares the poorest ``share`` (by its own score) eligible. The model runs the
    programme's survey on the stream ``"targeting"`` and, with separate targeting lists,
    the pull implementer's own survey of the same rule on ``"targeting.pull_list"``.

    Subclasses set ``kind`` and, if they have options, ``Params``; they implement
    :meth:`choose`, drawing only from ``self.rng``.

    Args:
        params: Validated options (default: every option at its default).
        rng: The survey's random stream.
    """

    family = "targeting"
    Params: ClassVar[type[TargetingParams]] = TargetingParams

    def __init__(
        self, params: TargetingParams | None = None, rng: np.random.Generator | None = None
    ) -> None:
        self.params = self.Params() if params is None else params
        if rng is not None:
            self.rng = rng

    @classmethod
    def stream_name(cls) -> str:
        """``"targeting"``: one rule surveys a scenario, on the programme's stream."""
        return "targeting"

    def select(self, inputs: TargetingInputs, share: float, noise_sd: float) -> TargetingResult:
        """Declare the poorest ``share`` eligible by this rule's score.

        Args:
            inputs: Household arrays.
            share: Share of households to declare eligible, in (0, 1].
            noise_sd: SD of the noise on the log score of a proxy means test (the
                scenario's ``programme.pmt_noise_sd``).

        Returns:
            TargetingResult: Scores, eligibility and the errors.

        Raises:
            ValueError: If ``share`` or ``noise_sd`` is out of range.
        """
        _check(share, noise_sd)
        return self.choose(inputs, share, noise_sd)

    def choose(self, inputs: TargetingInputs, share: float, noise_sd: float) -> TargetingResult:
        """The rule itself (called by :meth:`select` once the arguments are checked)."""
        raise NotImplementedError


def _check(share: float, noise_sd: float) -> None:
    if not 0.0 < share <= 1.0:
        raise ValueError(f"share = {share}: must be in (0, 1]")
    if not noise_sd >= 0.0:
        raise ValueError(f"noise_sd = {noise_sd}: must be >= 0")


def rule_type(rule: str) -> type[TargetingRule]:
    """The rule registered as ``rule``.

    Raises:
        ValueError: If no rule has that kind (the message lists the registered ones).
    """
    rules = registry("targeting")
    if rule not in rules:
        raise ValueError(f"targeting rule {rule!r}: must be one of {sorted(rules)}")
    return rules[rule]


def rule_params(rule: str, options: dict[str, object]) -> TargetingParams:
    """Validate a rule's options.

    Args:
        rule: A registered targeting kind.
        options: Option name -> value.

    Returns:
        TargetingParams: The rule's validated options.

    Raises:
        ValueError: One line, ``"<option> = <value>: ..."``, for an unknown rule or
            option, a wrong type or a value out of range.
    """
    cls = rule_type(rule)
    try:
        return cls.Params.model_validate(dict(options))
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        value = err.get("input")
        if err["type"] == "extra_forbidden":
            names = ", ".join(cls.Params.model_fields) or "none"
            raise ValueError(
                f"{key} = {value!r}: unknown option for targeting {rule!r}; allowed: {names}"
            ) from None
        field = cls.Params.model_fields.get(key)
        what = f"must be {describe_field(field)}" if field else allowed(err, cls.Params)
        raise ValueError(f"{key} = {value!r}: {what}") from None


def check_options(rule: str, options: dict[str, object]) -> None:
    """Check a rule's options before any work is done (see :func:`rule_params`)."""
    rule_params(rule, options)


def rule_options(rule: str) -> dict[str, object]:
    """The options of a registered rule and their defaults.

    Args:
        rule: A registered targeting kind.

    Returns:
        dict[str, object]: Option name -> default value (empty for ``"pmt"`` and
        ``"random"``).
    """
    return {name: f.default for name, f in rule_type(rule).Params.model_fields.items()}


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
        rule: A registered targeting kind.
        inputs: Household arrays.
        share: Share of households to declare eligible, in (0, 1].
        noise_sd: SD of the PMT noise (log score).
        rng: The survey's stream.
        **options: The rule's options (its ``Params``).

    Returns:
        TargetingResult: The rule's result.

    Raises:
        ValueError: If ``rule`` is unknown, or an option is unknown or out of range.
    """
    params = rule_params(rule, options)
    return rule_type(rule)(params, rng).select(inputs, share, noise_sd)


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
    """Select the poorest households by a noisy proxy means test (the ``"pmt"`` rule).

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
    return target("pmt", inputs, share, noise_sd, rng)
