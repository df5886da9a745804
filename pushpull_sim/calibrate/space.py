"""The parameters a calibration fits: dotted scenario keys with ranges (a TOML file).

Parameters are named as sweeps name them (:mod:`pushpull_sim.sweep.params`): any
scenario key, components addressed by type or position, strategy levers, targeting and
sample parameters included. Each has a range and a scale, or a list of choices::

    [params]
    "livelihood.return_high_monthly" = { low = 0.02, high = 0.1, scale = "log" }
    "programme.interventions.asset_transfer.value_usd_ppp" = { low = 400.0, high = 2000.0 }
    "programme.eligible_share" = { low = 0.1, high = 0.3 }
    "programme.targeting" = { choices = ["pmt", "community"] }

    [fixed]                     # optional: overrides used while fitting (e.g. a smaller
    "population.households" = 400   # population for speed); not written to the result

A parameter whose base value is an integer is searched over integers (its bounds must
be whole numbers). Every parameter is checked against the base scenario at both ends of
its range (and every choice) before the first trial.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pushpull_sim.calibrate.targets import CalibrationError
from pushpull_sim.validation import allowed, show

Scalar = bool | int | float | str

#: Keys the calibration sets itself (the seed and replications of its runs).
RESERVED = ("run.seed", "run.replications", "name", "description")


class ParamSpecError(CalibrationError):
    """A parameter spec could not be used (one line naming the file, the parameter,
    the value and what is allowed)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class ParamRange(_Strict):
    """One parameter's search space: ``low``/``high`` with a ``scale``, or ``choices``."""

    low: float | int | None = None
    high: float | int | None = None
    scale: Literal["linear", "log"] = "linear"
    choices: list[Scalar] | None = Field(None, min_length=1)


class ParamSpecFile(_Strict):
    params: dict[str, ParamRange] = Field(..., min_length=1)
    fixed: dict[str, Scalar | list[Any] | dict[str, Any]] = Field(default_factory=dict)


@dataclass
class ParamSpace:
    """A validated parameter spec.

    Attributes:
        ranges: ``{dotted name: ParamRange}``, in file order.
        fixed: Overrides of the base scenario used while fitting.
        source: The spec file's path (for messages).
        integer: Names searched over integers (set by :meth:`bind`).
    """

    ranges: dict[str, ParamRange]
    fixed: dict[str, Any] = field(default_factory=dict)
    source: str = "<params>"
    integer: set[str] = field(default_factory=set)

    @property
    def names(self) -> list[str]:
        return list(self.ranges)

    def bind(self, base_data: dict[str, Any]) -> dict[str, Any]:
        """Check the spec against a base scenario and return the base with ``fixed``
        applied (plain data).

        Args:
            base_data: The base scenario's plain data (``Scenario.to_dict()``).

        Returns:
            dict: The base with the fixed overrides, validated.

        Raises:
            ParamSpecError: An unknown parameter, a reserved one (``run.seed``,
                ``run.replications``), one both fixed and fitted, a non-whole bound of an
                integer parameter, or a value the scenario refuses at a range's end.
        """
        from pushpull_sim.scenario import ScenarioError
        from pushpull_sim.sweep import params as P

        src = self.source
        for name in [*self.fixed, *self.ranges]:
            if name in RESERVED:
                raise ParamSpecError(
                    f"{src}: {name}: set by the calibration itself (--seed, --replications); "
                    "remove it"
                )
        both = [n for n in self.ranges if n in self.fixed]
        if both:
            raise ParamSpecError(f"{src}: {both[0]}: both in [params] and [fixed]; keep one")
        try:
            data = P.apply(base_data, dict(self.fixed))
        except P.ParameterError as exc:
            raise ParamSpecError(f"{src}: fixed: {exc}") from None
        try:
            base = P.build(data, {}, source=f"{src}: fixed")
        except ScenarioError as exc:
            raise ParamSpecError(str(exc)) from None
        data = base.to_dict()
        self.integer = set()
        for name, r in self.ranges.items():
            try:
                container, key, current = P.resolve(data, name)
                integer = P.is_integer(data, name)
            except P.ParameterError as exc:
                raise ParamSpecError(f"{src}: params: {exc}") from None
            if r.choices is None and isinstance(current, (bool, str)):
                raise ParamSpecError(
                    f"{src}: params.{name}: the base value is {current!r}, not a number; "
                    "give choices = [...]"
                )
            if integer and r.choices is None:
                for end in ("low", "high"):
                    v = getattr(r, end)
                    if float(v) != round(float(v)):
                        raise ParamSpecError(
                            f"{src}: params.{name}.{end} = {v}: the parameter is a whole "
                            "number; give whole bounds"
                        )
                self.integer.add(name)
            for value in self.probe(name):
                try:
                    P.build(data, {name: value}, source="<calibration>")
                except ScenarioError as exc:
                    msg = str(exc).removeprefix("<calibration>: ")
                    raise ParamSpecError(
                        f"{src}: params.{name} = {show(value)}: the scenario refuses it ({msg})"
                    ) from None
        return data

    def probe(self, name: str) -> list[Any]:
        """Values checked before the first trial: a range's ends, or every choice."""
        r = self.ranges[name]
        if r.choices is not None:
            return list(r.choices)
        if name in self.integer:
            return [int(round(r.low)), int(round(r.high))]
        return [float(r.low), float(r.high)]

    def distributions(self) -> dict[str, Any]:
        """Optuna's distribution of each parameter (int, float, log or categorical)."""
        import optuna

        out: dict[str, Any] = {}
        for name, r in self.ranges.items():
            if r.choices is not None:
                out[name] = optuna.distributions.CategoricalDistribution(list(r.choices))
            elif name in self.integer:
                out[name] = optuna.distributions.IntDistribution(
                    int(round(r.low)), int(round(r.high)), log=r.scale == "log"
                )
            else:
                out[name] = optuna.distributions.FloatDistribution(
                    float(r.low), float(r.high), log=r.scale == "log"
                )
        return out

    def position(self, name: str, value: Any) -> float:
        """Where a value sits in its range, 0 (low) to 1 (high), in the range's scale
        (NaN for choices)."""
        r = self.ranges[name]
        if r.choices is not None:
            return math.nan
        lo, hi, x = float(r.low), float(r.high), float(value)
        if r.scale == "log":
            lo, hi, x = math.log(lo), math.log(hi), math.log(x)
        return (x - lo) / (hi - lo)

    def range_text(self, name: str) -> str:
        r = self.ranges[name]
        if r.choices is not None:
            return "{" + ", ".join(show(c) for c in r.choices) + "}"
        return f"[{r.low:g}, {r.high:g}]" + (" log" if r.scale == "log" else "")

    def fingerprint(self) -> str:
        text = json.dumps(
            {
                "params": {n: r.model_dump(mode="json") for n, r in self.ranges.items()},
                "fixed": self.fixed,
            },
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _format_validation(source: str, exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = [str(p) for p in err["loc"]]
    value = err.get("input")
    if err["type"] == "extra_forbidden":
        model = ParamRange if loc[:1] == ["params"] else ParamSpecFile
        what = "unknown key; allowed: " + ", ".join(model.model_fields)
    elif err["type"] == "missing":
        return f"{source}: {'.'.join(loc)}: required (a [params] table of ranges)"
    else:
        what = allowed(err, None)
    if loc[:1] == ["params"] and len(loc) >= 3:  # params.<name>.<key>
        # pydantic names the union member it tried (e.g. "float"): drop it
        loc = [p for p in loc if p not in ("float", "int", "bool", "str", "list[...]")]
    return f"{source}: {'.'.join(loc)} = {show(value)}: {what}"


def space_from_dict(data: dict[str, Any], source: str = "<params>") -> ParamSpace:
    """Validate a plain parameter spec (as read from TOML).

    Raises:
        ParamSpecError: One line: an unknown key, no parameter, a range without both
            ends, ``low >= high``, a log scale over values <= 0, choices with a range.
    """
    try:
        spec = ParamSpecFile.model_validate(data)
    except ValidationError as exc:
        raise ParamSpecError(_format_validation(source, exc)) from None
    for name, r in spec.params.items():
        where = f"{source}: params.{name}"
        if r.choices is not None:
            if r.low is not None or r.high is not None or r.scale != "linear":
                raise ParamSpecError(f"{where}: give choices, or low and high, not both")
            if len(set(map(repr, r.choices))) != len(r.choices):
                raise ParamSpecError(f"{where}.choices = {r.choices}: each value at most once")
            continue
        if r.low is None or r.high is None:
            raise ParamSpecError(
                f'{where}: needs low and high (e.g. {{ low = 0.02, high = 0.1, scale = "log" }})'
                " or choices = [...]"
            )
        if isinstance(r.low, bool) or isinstance(r.high, bool):
            raise ParamSpecError(f"{where}: low and high must be numbers")
        if not r.low < r.high:
            raise ParamSpecError(f"{where}: low = {r.low}, high = {r.high}: low must be < high")
        if r.scale == "log" and r.low <= 0:
            raise ParamSpecError(f"{where}.low = {r.low}: a log scale needs low > 0")
    return ParamSpace(dict(spec.params), dict(spec.fixed), source)


def load_param_space(path: str | Path) -> ParamSpace:
    """Read and validate a parameter spec file (see the module docstring).

    Raises:
        ParamSpecError: Missing or unreadable file, malformed TOML, or a bad spec; one
            line.
    """
    from pushpull_sim.scenario import read_toml

    path = Path(path)
    if path.is_dir():
        raise ParamSpecError(f"{path}: is a directory, not a parameter spec file")
    if not path.is_file():
        raise ParamSpecError(f"{path}: no such parameter spec file")
    return space_from_dict(read_toml(path, ParamSpecError), source=path.as_posix())
