"""Sweep specifications: what to vary, how to sample it, what to keep (a TOML file).

See ``docs/sweeps.md`` for the format. A spec names a base scenario, fixed overrides, the
varied parameters (dotted scenario keys, see :mod:`pushpull_sim.sweep.params`) with
their ranges, levels or distributions, a design (full-factorial ``grid``, Latin
hypercube ``lhs``, ``sobol`` (Saltelli) or ``morris``), the number of samples,
replications per point, optional strategies compared on common random numbers, the
outcomes and time series to keep, and a seed.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from scipy import stats

from pushpull_sim.memory import MemoryLimitError, check_memory, gb, memory_limit
from pushpull_sim.scenario import (
    Scenario,
    ScenarioError,
    load_scenario,
    read_toml,
    scenario_from_dict,
)
from pushpull_sim.sweep import params as P
from pushpull_sim.sweep.outcomes import ALLOWED_OUTCOMES, ARMS, OUTCOMES, TIMESERIES_COLUMNS
from pushpull_sim.validation import OneLineError

#: Largest number of model runs a spec may ask for (points x replications x strategies).
MAX_RUNS = 10_000_000
#: Quantiles that the ends of the unit interval map to for unbounded distributions
#: (Morris levels include 0 and 1). Assumption.
TAIL = 0.005
#: spawn_key of the design sampler's seed (run seeds use (point_id, replicate)).
DESIGN_KEY = (2**32 - 1, 0, 0)
#: Memory a design point takes while the design is built and its runs are listed, bytes:
#: per point, and per varied parameter of a point (measured with peak resident memory at
#: 1,000,000 points: about 100 + 40 per parameter; rounded up).
DESIGN_POINT_BYTES = 128
DESIGN_PARAMETER_BYTES = 64
#: Memory of one value of the summary table (a run x column) when a session's runs are
#: converted to Parquet or read back, bytes (8 for the value, the rest for its Arrow and
#: pandas buffers; assumption, rounded up).
SUMMARY_VALUE_BYTES = 16


class SpecError(OneLineError):
    """A sweep spec could not be loaded. The message is one line naming the file, the key,
    the value and what is allowed."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


Scalar = bool | int | float | str


#: The keys each form of a parameter reads (any other is refused, not ignored).
_USED = {
    "levels": ("levels",),
    "uniform": ("range", "n"),
    "triangular": ("range", "mode"),
    "normal": ("mean", "sd", "range"),
    "lognormal": ("median", "sigma", "range"),
}


class ParameterSpec(_Strict):
    """How one parameter varies.

    Exactly one of: ``range = [low, high]`` (uniform, or the support of ``triangular``
    and the truncation of ``normal``), ``levels = [...]`` (discrete values, equally
    likely), or ``distribution = "normal"`` with ``mean`` and ``sd``, or
    ``distribution = "lognormal"`` with ``median`` and ``sigma``. For the ``grid`` design,
    ``levels``, or ``range`` with ``n`` equally spaced levels.
    """

    range: list[float] | None = Field(None, min_length=2, max_length=2)
    levels: list[Scalar] | None = None
    n: int | None = Field(None, ge=2, le=10_000)
    distribution: Literal["uniform", "triangular", "normal", "lognormal"] | None = None
    mode: float | None = None
    mean: float | None = None
    sd: float | None = Field(None, gt=0)
    median: float | None = Field(None, gt=0)
    sigma: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _consistent(self) -> ParameterSpec:
        dist = self.distribution or ("uniform" if self.range is not None else None)
        if self.levels is not None:
            if not self.levels:
                raise ValueError("levels: must be a non-empty list")
            if self.range is not None or self.distribution is not None:
                raise ValueError("give levels, or a range/distribution, not both")
        elif dist is None:
            raise ValueError("needs range = [low, high], levels = [...] or a distribution")
        form = "levels" if self.levels is not None else dist
        for key in ("n", "mode", "mean", "sd", "median", "sigma"):  # a key the form ignores
            value = getattr(self, key)
            if value is not None and key not in _USED[form]:
                what = "levels" if form == "levels" else f"distribution = '{form}'"
                raise ValueError(
                    f"{key} = {_show(value)}: not used with {what} (it uses "
                    f"{', '.join(_USED[form])}); remove it"
                )
        if self.levels is not None:
            return self
        if self.range is not None and not self.range[0] < self.range[1]:
            raise ValueError(f"range = {list(self.range)}: low must be < high")
        if dist in ("uniform", "triangular") and self.range is None:
            raise ValueError(f"distribution = '{dist}': needs range = [low, high]")
        if dist == "triangular" and (
            self.mode is None or not self.range[0] <= self.mode <= self.range[1]
        ):
            raise ValueError(f"mode = {self.mode}: must be within range {list(self.range)}")
        if dist == "normal" and (self.mean is None or self.sd is None):
            raise ValueError("distribution = 'normal': needs mean and sd")
        if dist == "lognormal" and (self.median is None or self.sigma is None):
            raise ValueError("distribution = 'lognormal': needs median and sigma")
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray | list[Any]:
        """Map unit-interval values to parameter values (inverse CDF)."""
        u = np.asarray(u, dtype=float)
        if self.levels is not None:
            k = len(self.levels)
            idx = np.minimum((u * k).astype(int), k - 1)
            return [self.levels[i] for i in idx]
        dist = self.distribution or "uniform"
        lo, hi = self.range if self.range is not None else (-math.inf, math.inf)
        if dist == "uniform":
            return lo + u * (hi - lo)
        if dist == "triangular":
            c = (self.mode - lo) / (hi - lo)
            return stats.triang.ppf(u, c, loc=lo, scale=hi - lo)
        u = TAIL + (1 - 2 * TAIL) * u
        if dist == "normal":
            a, b = (lo - self.mean) / self.sd, (hi - self.mean) / self.sd
            return stats.truncnorm.ppf(u, a, b, loc=self.mean, scale=self.sd)
        x = stats.lognorm.ppf(u, self.sigma, scale=self.median)
        return np.clip(x, lo, hi) if self.range is not None else x

    def grid_levels(self) -> list[Any]:
        """The levels of a full-factorial grid."""
        if self.levels is not None:
            return list(self.levels)
        return list(np.linspace(self.range[0], self.range[1], self.n))


class SweepSettings(_Strict):
    """The ``[sweep]`` table."""

    name: str = Field("sweep", min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    base: str = Field(..., min_length=1)
    design: Literal["grid", "lhs", "sobol", "morris"]
    samples: int | None = Field(None, ge=1, le=1_000_000)
    replications: int = Field(1, ge=1, le=10_000)
    seed: int = Field(..., ge=0, lt=2**63)
    strategies: list[str] = Field(default_factory=list)
    contrast: list[str] = Field(default_factory=list)
    outcomes: list[str] = Field(default_factory=lambda: list(OUTCOMES))
    timeseries: list[str] = Field(
        default_factory=lambda: ["extreme_poverty_headcount", "graduated_share"]
    )
    timeseries_arms: list[str] = Field(default_factory=lambda: ["treatment", "control"])
    morris_levels: int = Field(4, ge=2, le=100)
    sobol_second_order: bool = False

    @model_validator(mode="after")
    def _check(self) -> SweepSettings:
        bad = [o for o in self.outcomes if o not in ALLOWED_OUTCOMES]
        if bad or not self.outcomes:
            raise ValueError(
                f"outcomes = {bad or []}: allowed (one or more): {', '.join(ALLOWED_OUTCOMES)}"
            )
        twice = sorted({o for o in self.outcomes if self.outcomes.count(o) > 1})
        if twice:
            raise ValueError(f"outcomes = {twice}: each outcome at most once")
        bad = [c for c in self.timeseries if c not in TIMESERIES_COLUMNS]
        if bad:
            raise ValueError(f"timeseries = {bad}: allowed: {', '.join(TIMESERIES_COLUMNS)}")
        bad = [a for a in self.timeseries_arms if a not in ARMS]
        if bad or not self.timeseries_arms:
            raise ValueError(f"timeseries_arms = {bad}: allowed: {', '.join(ARMS)}")
        if len(set(self.strategies)) != len(self.strategies):
            raise ValueError(f"strategies = {self.strategies}: each strategy at most once")
        if self.contrast:
            if len(self.contrast) != 2 or any(c not in self.strategies for c in self.contrast):
                raise ValueError(
                    f"contrast = {self.contrast}: must be two of strategies "
                    f"{self.strategies}, e.g. ['layered', 'siloed'] (first minus second)"
                )
        if self.design == "grid" and self.samples is not None:
            raise ValueError(
                f"samples = {self.samples}: not used by the grid design (its levels decide)"
            )
        if self.design != "grid" and self.samples is None:
            raise ValueError(f"samples: required by the {self.design} design")
        return self


class SweepSpec(_Strict):
    """A complete sweep spec (see module docstring)."""

    sweep: SweepSettings
    fixed: dict[str, Scalar | list[Any] | dict[str, Any]] = Field(default_factory=dict)
    parameters: dict[str, ParameterSpec]


class Sweep:
    """A loaded, validated sweep: the spec, the base scenario and the design.

    Attributes:
        spec: The validated spec.
        source: The spec file's path (for messages).
        base: The base scenario with the fixed overrides applied.
        names: Varied parameter names, in spec order.
        integer: Names of parameters rounded to integers.
        design: One row per point: ``point_id``, each parameter's value, and its unit-
            interval coordinate ``u:<name>`` (NaN for grids).
    """

    def __init__(self, spec: SweepSpec, source: str, spec_dir: Path) -> None:
        self.spec = spec
        self.source = source
        s = spec.sweep
        base_path = Path(s.base)
        if not base_path.is_absolute():
            base_path = spec_dir / base_path
        try:
            base = load_scenario(base_path)
        except ScenarioError as exc:
            raise SpecError(f"{source}: sweep.base = {s.base!r}: {exc}") from None
        self.base_path = base_path
        data = base.to_dict()
        try:
            data = P.apply(data, dict(spec.fixed))
            self.base = scenario_from_dict(data, source=f"{source}: fixed")
        except ScenarioError as exc:  # its message already names the source
            raise SpecError(str(exc)) from None
        except P.ParameterError as exc:
            raise SpecError(f"{source}: fixed: {exc}") from None
        self.base_data = self.base.to_dict()
        self.names = list(spec.parameters)
        if not self.names:
            raise SpecError(f"{source}: parameters: at least one parameter must vary")
        if s.strategies:
            self._check_strategies()
        self.integer = set()
        for name in self.names:
            try:
                if P.is_integer(self.base_data, name):
                    self.integer.add(name)
            except P.ParameterError as exc:
                raise SpecError(f"{source}: parameters: {exc}") from None
        try:
            self.peak_bytes = check_memory(self.base)
        except MemoryLimitError as exc:
            raise SpecError(f"{source}: sweep.base with fixed: {exc}") from None
        self._check_forms()
        self._check_size()  # before the design is built: it may be too large to hold
        self.design = self._make_design()
        self._check_values()

    # ------------------------------------------------------------------ design
    def _check_forms(self) -> None:
        """Each parameter's form suits the design and the parameter: ``n`` only in a
        grid, whole numbers for an integer parameter's levels, and finite values at
        both ends of a distribution (before anything is sampled)."""
        s = self.spec.sweep
        for name, ps in self.spec.parameters.items():
            where = f"{self.source}: parameters.{name}"
            if s.design == "grid" and ps.levels is None and (ps.n is None or ps.distribution):
                raise SpecError(
                    f"{where}: the grid design needs levels = [...] or "
                    "range = [low, high] with n = <number of levels>"
                )
            if s.design != "grid" and ps.n is not None:
                raise SpecError(
                    f"{where}.n = {ps.n}: only the grid design uses n (levels equally "
                    f"spaced over the range); the {s.design} design samples the range itself"
                )
            if ps.levels is not None:
                if name in self.integer:
                    for v in ps.levels:
                        if isinstance(v, bool) or not isinstance(v, int | float):
                            raise SpecError(
                                f"{where} = {_show(v)}: must be a number (the base value "
                                "is a whole number; levels are rounded to one)"
                            )
                continue
            with np.errstate(over="ignore"):  # an infinite end is the error below
                ends = np.asarray(ps.ppf(np.array([0.0, 1.0])), dtype=float)
            if not np.isfinite(ends).all():
                q = f"{TAIL:.1%}".replace("%", " %")
                raise SpecError(
                    f"{where}: the {ps.distribution or 'uniform'} distribution reaches "
                    f"{_show(float(ends[~np.isfinite(ends)][0]))} at its {q} tails; give a "
                    "smaller spread or a range = [low, high] to clip it"
                )

    def count_points(self) -> int:
        """Design points, computed without building the design."""
        s, d = self.spec.sweep, len(self.names)
        if s.design == "grid":
            return math.prod(
                len(ps.levels) if ps.levels is not None else ps.n
                for ps in self.spec.parameters.values()
            )
        per = {"lhs": 1, "morris": d + 1, "sobol": 2 * d + 2 if s.sobol_second_order else d + 2}
        return s.samples * per[s.design]

    def _check_size(self) -> None:
        """Refuse a design with too many runs, or too large to hold in memory, before it
        is built (the figures come from the spec alone)."""
        s = self.spec.sweep
        points = self.count_points()
        runs = points * s.replications * max(1, len(self.strategies))
        if runs > MAX_RUNS:
            raise SpecError(
                f"{self.source}: the design has {runs:,} runs (points x replications x "
                f"strategies): must be <= {MAX_RUNS:,}"
            )
        columns = 4 + len(self.names) + 2 + len(s.outcomes) * max(1, len(self.strategies) + 1)
        need = points * (DESIGN_POINT_BYTES + DESIGN_PARAMETER_BYTES * len(self.names))
        need += points * s.replications * SUMMARY_VALUE_BYTES * columns
        limit, why = memory_limit()
        if need > limit:
            raise SpecError(
                f"{self.source}: the design has {points:,} points and {runs:,} runs: "
                f"needs about {gb(need)} of memory to hold the design and the summary, "
                f"more than the limit of {gb(limit)} ({why})"
            )

    def _check_strategies(self) -> None:
        from pushpull_sim import strategies as S

        allowed = [n for n in S.STRATEGY_NAMES if n != "custom"]
        bad = [n for n in self.spec.sweep.strategies if n not in allowed]
        if bad:
            raise SpecError(
                f"{self.source}: sweep.strategies = {bad}: allowed: {', '.join(allowed)}"
            )

    @property
    def strategies(self) -> list[str]:
        """Strategies run at each (point, replicate); empty = the base as it is."""
        return list(self.spec.sweep.strategies)

    @property
    def n_points(self) -> int:
        return len(self.design)

    @property
    def n_runs(self) -> int:
        """Number of (point, replicate) runs (each runs every strategy)."""
        return self.n_points * self.spec.sweep.replications

    @property
    def n_model_runs(self) -> int:
        return self.n_runs * max(1, len(self.strategies))

    def problem(self) -> dict[str, Any]:
        """The SALib problem, in unit-interval coordinates."""
        return {
            "num_vars": len(self.names),
            "names": list(self.names),
            "bounds": [[0.0, 1.0]] * len(self.names),
        }

    def _design_seed(self) -> int:
        ss = np.random.SeedSequence(self.spec.sweep.seed, spawn_key=DESIGN_KEY)
        return int(ss.generate_state(1, dtype=np.uint32)[0])

    def _make_design(self) -> pd.DataFrame:
        s = self.spec.sweep
        specs = self.spec.parameters
        if s.design == "grid":
            levels = [specs[n].grid_levels() for n in self.names]
            rows = list(itertools.product(*levels))
            values = {n: [r[i] for r in rows] for i, n in enumerate(self.names)}
            unit = np.full((len(rows), len(self.names)), np.nan)
        else:
            unit = self._unit_sample(s.design, s.samples)
            values = {n: specs[n].ppf(unit[:, i]) for i, n in enumerate(self.names)}
        df = pd.DataFrame({"point_id": np.arange(len(unit), dtype=np.int64)})
        for n in self.names:
            col = values[n]
            if n in self.integer:
                col = [int(round(float(v))) for v in col]
            df[n] = pd.Series(list(col) if not isinstance(col, np.ndarray) else col)
        for i, n in enumerate(self.names):
            df[f"u:{n}"] = unit[:, i]
        return df

    def _unit_sample(self, design: str, n: int) -> np.ndarray:
        import warnings

        from SALib.sample import latin, morris, sobol

        problem = self.problem()
        seed = self._design_seed()
        if design == "lhs":
            return latin.sample(problem, n, seed=seed)
        if design == "morris":
            return morris.sample(problem, n, num_levels=self.spec.sweep.morris_levels, seed=seed)
        if n & (n - 1):
            raise SpecError(
                f"{self.source}: sweep.samples = {n}: the sobol design needs a power of 2 "
                "(e.g. 8, 16, 64, 256)"
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return sobol.sample(
                problem, n, calc_second_order=self.spec.sweep.sobol_second_order, seed=seed
            )

    def _check_values(self) -> None:
        """Validate the scenario at each parameter's extreme values (a range's or a
        distribution's ends and the lowest and highest values sampled; every level),
        under every strategy of the sweep, before any run; and that each such run fits
        in memory (:mod:`pushpull_sim.memory`; the largest estimate is kept as
        :attr:`peak_bytes`)."""
        for strategy in self.strategies:
            try:
                self.scenario_for({}, strategy)
            except ScenarioError as exc:
                raise SpecError(f"{self.source}: sweep.strategies: {exc}") from None
        for name in self.names:
            ps = self.spec.parameters[name]
            if ps.levels is not None:  # every level, whatever its type and the design
                probe = list(dict.fromkeys(self.design[name].tolist()))
                probe += [v for v in dict.fromkeys(ps.levels) if v not in probe]
                if name in self.integer:
                    probe = list(dict.fromkeys(int(round(float(v))) for v in probe))
            else:
                col = self.design[name].to_numpy(dtype=float)
                ends = np.asarray(ps.ppf(np.array([0.0, 1.0])), dtype=float)
                probe = [float(v) for v in (*ends, col.min(), col.max())]
                if name in self.integer:
                    probe = [int(round(v)) for v in probe]
                probe = list(dict.fromkeys(probe))
            for value in probe:
                for strategy in self.strategies or [None]:
                    under = f" under strategy {strategy}" if strategy else ""
                    try:
                        scenario = self.scenario_for({name: value}, strategy)
                    except ScenarioError as exc:
                        msg = str(exc).removeprefix("<sweep point>: ")
                        raise SpecError(
                            f"{self.source}: parameters.{name} = {_show(value)}: the scenario "
                            f"refuses it{under} ({msg})"
                        ) from None
                    try:
                        self.peak_bytes = max(self.peak_bytes, check_memory(scenario))
                    except MemoryLimitError as exc:
                        raise SpecError(
                            f"{self.source}: parameters.{name} = {_show(value)}{under}: {exc}"
                        ) from None

    # ------------------------------------------------------------------ runs
    def point_params(self, point_id: int) -> dict[str, Any]:
        """The varied parameters' values at a point, as Python scalars."""
        return {n: _py(self.design[n].iat[point_id]) for n in self.names}

    def scenario_for(self, params: dict[str, Any], strategy: str | None) -> Scenario:
        """The scenario of one model run: base + fixed + params (+ strategy name).

        A strategy sets ``strategy.name`` only: any varied ``strategy.<lever>`` applies
        on top of every strategy's bundle.
        """
        params = dict(params)
        if strategy is not None:
            params["strategy.name"] = strategy
        return P.build(self.base_data, params, source="<sweep point>")

    def seed_of(self, point_id: int, replicate: int) -> int:
        """Seed of a (point, replicate); see :func:`run_seed`."""
        return run_seed(self.spec.sweep.seed, point_id, replicate)

    def fingerprint(self) -> str:
        """A hash of everything that decides the results (for ``--resume``)."""
        payload = {
            "spec": self.spec.model_dump(mode="json"),
            "base": self.base_data,
        }
        text = json.dumps(payload, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def run_seed(sweep_seed: int, point_id: int, replicate: int) -> int:
    """The seed of one run, derived through :class:`numpy.random.SeedSequence`.

    ``SeedSequence(sweep_seed, spawn_key=(point_id, replicate))``, first 64-bit word of
    its state, top bit cleared (so it fits a signed 64-bit Parquet column and the
    scenario's seed bounds). The run is replication 0 of that seed. Every strategy of a
    (point, replicate) gets the same seed (common random numbers).

    Args:
        sweep_seed: The spec's seed.
        point_id: Design point.
        replicate: Replicate index.

    Returns:
        int: A seed in ``[0, 2**63)``.
    """
    ss = np.random.SeedSequence(sweep_seed, spawn_key=(int(point_id), int(replicate)))
    return int(ss.generate_state(1, dtype=np.uint64)[0] & np.uint64(2**63 - 1))


def _py(v: Any) -> Any:
    return v.item() if hasattr(v, "item") else v


def _show(v: Any) -> str:
    v = _py(v)
    return f"{v:.6g}" if isinstance(v, float) else repr(v)


def _format_validation(source: str, exc: ValidationError) -> str:
    err = exc.errors()[0]
    key = ".".join(str(p) for p in err["loc"])
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        parent = ".".join(str(p) for p in err["loc"][:-1])
        model = {"": SweepSpec, "sweep": SweepSettings}.get(parent, ParameterSpec)
        return (
            f"{source}: {key} = {_show(err.get('input'))}: unknown key; allowed: "
            f"{', '.join(model.model_fields)}"
        )
    if err["type"] == "missing":
        return f"{source}: {key}: required"
    if err["type"] == "value_error":
        return f"{source}: {key}: {msg}"
    value = err.get("input")
    shown = "{...}" if isinstance(value, dict) else _show(value)
    return f"{source}: {key} = {shown}: {msg[0].lower() + msg[1:]}"


def load_sweep(path: str | Path) -> Sweep:
    """Read, validate and expand a sweep spec file.

    Args:
        path: The spec's ``.toml`` file. ``sweep.base`` is relative to its folder.

    Returns:
        Sweep: The sweep with its design.

    Raises:
        SpecError: One line naming the file, the key, the value and what is allowed.
    """
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"{path}: no such sweep spec file")
    data = read_toml(path, SpecError)
    return sweep_from_dict(data, source=str(path), spec_dir=path.parent)


def sweep_from_dict(data: dict[str, Any], source: str, spec_dir: Path) -> Sweep:
    """Validate plain spec data (as read from TOML) into a :class:`Sweep`."""
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(_format_validation(source, exc)) from None
    return Sweep(spec, source, spec_dir)
