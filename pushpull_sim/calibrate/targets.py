"""Calibration targets: published figures as data (a TOML file), validated like a scenario.

A targets file lists ``[[target]]`` tables, each a published figure with its value and
standard error (or a ``min``/``max`` range), unit, month, the outcome's definition and
its citation, and an optional free ``[meta]`` table describing the study. See
``docs/calibration.md`` for the format; ``targets/six_country_pooled.toml`` is an example.

Statistics a target may name:

==============  ===================================================================
``itt_sd``      intent-to-treat effect of the virtual trial in control-group standard
                deviations (``effect_sd`` of :func:`pushpull_sim.rct.itt_table`)
``itt_pct``     ITT effect in % of the control mean (``effect_pct``)
``itt``         ITT effect in the outcome's own unit (``effect``)
``mean``        a run outcome declared in :mod:`pushpull_sim.outcomes`
                (e.g. ``cost_per_participant_usd_ppp``), averaged over replications
==============  ===================================================================

ITT statistics name an outcome of :data:`pushpull_sim.rct.ITT_OUTCOMES` and a ``month``
(months after the programme starts, as the trials count from the asset transfer);
``mean`` names an outcome of :data:`pushpull_sim.outcomes.OUTCOMES` and no month.

A target is used to **fit** the parameters or held out to **test** the fit (``role``).
Without a ``role``, a target measured at one of the fit months (default 24) fits, a
target at another month is held out (out of sample), and a target without a month fits.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pushpull_sim.validation import allowed, show

#: ITT statistic -> column of the virtual trial's ITT table (pushpull_sim.rct.itt_table).
ITT_STATISTICS: dict[str, str] = {"itt": "effect", "itt_sd": "effect_sd", "itt_pct": "effect_pct"}
#: Statistics of a scalar run outcome (pushpull_sim.outcomes.OUTCOMES).
SCALAR_STATISTICS: tuple[str, ...] = ("mean",)
STATISTICS: tuple[str, ...] = (*ITT_STATISTICS, *SCALAR_STATISTICS)
#: Months after the programme's start whose targets fit by default (the six-country
#: trial's first endline, 24 months after the asset transfer; Banerjee et al. 2015).
DEFAULT_FIT_MONTHS: tuple[int, ...] = (24,)


class CalibrationError(ValueError):
    """Bad calibration input (targets, parameters, options). The message is one line
    naming the file, the key, the value and what is allowed."""


class TargetsError(CalibrationError):
    """A targets file could not be loaded (one line)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class Target(_Strict):
    """One published figure.

    Give ``value`` and ``se`` (a point estimate and its standard error), or ``min`` and
    ``max`` with a ``scale`` (a range the model should fall in: no loss inside, the gap
    to the nearest bound in units of ``scale`` outside).
    """

    name: str = Field(..., min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.-]+$")
    outcome: str = Field(..., min_length=1)
    statistic: Literal["itt", "itt_sd", "itt_pct", "mean"]
    month: int | None = Field(None, ge=1, le=1200)
    value: float | None = None
    se: float | None = Field(None, gt=0)
    min: float | None = None
    max: float | None = None
    scale: float | None = Field(None, gt=0)
    unit: str = Field(..., min_length=1)
    definition: str = Field(..., min_length=1)
    citation: str = Field(..., min_length=1)
    source_url: str = Field(..., min_length=1)
    role: Literal["fit", "holdout"] | None = None
    weight: float = Field(1.0, gt=0, le=1000)
    se_source: str | None = None
    p_value: float | None = Field(None, ge=0, le=1)
    notes: str | None = None

    @property
    def is_range(self) -> bool:
        """Whether the figure is a range (``min``/``max``) rather than a value with an SE."""
        return self.min is not None

    @property
    def is_itt(self) -> bool:
        return self.statistic in ITT_STATISTICS

    @property
    def published_se(self) -> float:
        """The figure's uncertainty in the loss: its SE, or a range's ``scale``."""
        return float(self.scale if self.is_range else self.se)

    def published_text(self) -> str:
        """The figure as a report shows it: ``0.122 ± 0.023`` or ``1257-5150``."""
        if self.is_range:
            return f"{_fmt(self.min)}-{_fmt(self.max)}"
        return f"{_fmt(self.value)} ± {_fmt(self.se)}"

    def gap(self, model: float) -> float:
        """Signed gap of a model value from the figure, in the figure's units: model
        minus value, or, for a range, the distance outside it (0 inside)."""
        if self.is_range:
            if model < self.min:
                return model - self.min
            if model > self.max:
                return model - self.max
            return 0.0
        return model - self.value


class TargetsFile(_Strict):
    """The whole file: a free-form ``[meta]`` table and the ``[[target]]`` tables."""

    meta: dict[str, Any] = Field(default_factory=dict)
    target: list[Target] = Field(..., min_length=1)


@dataclass(frozen=True)
class Targets:
    """A loaded, validated targets file.

    Attributes:
        targets: The figures, in file order.
        source: The file's path as given (for messages and the calibrated scenario's
            comments).
        meta: The file's ``[meta]`` table (descriptive; not read by the calibration).
    """

    targets: tuple[Target, ...]
    source: str
    meta: dict[str, Any]

    def __iter__(self):
        return iter(self.targets)

    def __len__(self) -> int:
        return len(self.targets)

    def names(self) -> list[str]:
        return [t.name for t in self.targets]

    def roles(self, fit_months: Iterable[int] = DEFAULT_FIT_MONTHS) -> dict[str, str]:
        """Each target's role, ``"fit"`` or ``"holdout"`` (see the module docstring)."""
        months = set(fit_months)
        out = {}
        for t in self.targets:
            if t.role is not None:
                out[t.name] = t.role
            elif t.month is None or t.month in months:
                out[t.name] = "fit"
            else:
                out[t.name] = "holdout"
        return out

    def months(self) -> list[int]:
        """Months (after the programme starts) at which ITT targets are measured."""
        return sorted({t.month for t in self.targets if t.month is not None})

    def fingerprint(self) -> str:
        """A hash of the figures (for ``--resume``)."""
        text = json.dumps([t.model_dump(mode="json") for t in self.targets], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _fmt(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    return f"{x:.4g}" if abs(x) < 1e5 else f"{x:,.0f}"


def _label(data: dict[str, Any], i: int) -> str:
    entries = data.get("target")
    name = (
        entries[i].get("name")
        if isinstance(entries, list) and isinstance(entries[i], dict)
        else None
    )
    return f"target[{i}]" + (f" {name!r}" if isinstance(name, str) else "")


def _format_validation(source: str, data: dict[str, Any], exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = list(err["loc"])
    value = err.get("input")
    if err["type"] == "extra_forbidden":
        model = Target if loc[:1] == ["target"] else TargetsFile
        what = "unknown key; allowed: " + ", ".join(model.model_fields)
    elif err["type"] == "missing":
        what = "required"
    else:
        what = allowed(err, None)
    if loc[:1] == ["target"] and len(loc) >= 2 and isinstance(loc[1], int):
        where = _label(data, loc[1])
        key = ".".join(str(p) for p in loc[2:])
        if not key:
            return f"{source}: {where} = {show(value)}: must be a [[target]] table"
        if err["type"] == "missing":
            return f"{source}: {where}: {key}: required"
        return f"{source}: {where}: {key} = {show(value)}: {what}"
    key = ".".join(str(p) for p in loc) or "(top level)"
    if err["type"] == "missing":
        return f"{source}: {key}: required (at least one [[target]] table)"
    return f"{source}: {key} = {show(value)}: {what}"


def _check(source: str, spec: TargetsFile) -> None:
    """Checks across a target's keys and against the declared outcomes."""
    from pushpull_sim.outcomes import OUTCOMES
    from pushpull_sim.rct import ITT_OUTCOMES

    seen: set[str] = set()
    for i, t in enumerate(spec.target):
        where = f"{source}: target[{i}] {t.name!r}"
        if t.name in seen:
            raise TargetsError(f"{where}: name = {t.name!r}: must be unique in the file")
        seen.add(t.name)
        if t.is_itt:
            if t.outcome not in ITT_OUTCOMES:
                raise TargetsError(
                    f"{where}: outcome = {t.outcome!r}: not an ITT outcome of the virtual "
                    f"trial (statistic {t.statistic!r}); allowed: {', '.join(ITT_OUTCOMES)}"
                )
            if t.month is None:
                raise TargetsError(
                    f"{where}: month: required for statistic {t.statistic!r} (months after "
                    "the programme starts, e.g. 24)"
                )
        else:
            if t.outcome not in OUTCOMES:
                raise TargetsError(
                    f"{where}: outcome = {t.outcome!r}: not a declared run outcome "
                    f"(statistic 'mean'); allowed: {', '.join(OUTCOMES)}"
                )
            if t.month is not None:
                raise TargetsError(
                    f"{where}: month = {t.month}: not used by statistic 'mean' (the outcome's "
                    "definition fixes its month); remove it"
                )
        point = t.value is not None or t.se is not None
        ranged = t.min is not None or t.max is not None or t.scale is not None
        if point and ranged:
            raise TargetsError(f"{where}: give value and se, or min, max and scale, not both")
        if point and t.value is None:
            raise TargetsError(f"{where}: value: required with se")
        if point and t.se is None:
            raise TargetsError(
                f"{where}: se: required with value (the figure's standard error, > 0)"
            )
        if ranged:
            for key in ("min", "max", "scale"):
                if getattr(t, key) is None:
                    raise TargetsError(
                        f"{where}: {key}: required for a range target (min, max and scale: "
                        "the loss is 0 inside, the gap to the nearest bound over scale outside)"
                    )
            if not t.min < t.max:
                raise TargetsError(f"{where}: min = {t.min}, max = {t.max}: min must be < max")
        if not point and not ranged:
            raise TargetsError(f"{where}: value and se (or min, max and scale): required")


def targets_from_dict(data: dict[str, Any], source: str = "<targets>") -> Targets:
    """Validate plain targets data (as read from TOML).

    Args:
        data: ``{"meta": {...}, "target": [{...}, ...]}``.
        source: Label for messages (normally the file's path).

    Returns:
        Targets: The validated targets.

    Raises:
        TargetsError: One line naming the source, the target, the key, the value and
            what is allowed: an unknown key or statistic, a missing value, SE or month,
            an outcome the model does not declare, a duplicate name, a bad range.
    """
    try:
        spec = TargetsFile.model_validate(data)
    except ValidationError as exc:
        raise TargetsError(_format_validation(source, data, exc)) from None
    _check(source, spec)
    return Targets(tuple(spec.target), source, dict(spec.meta))


def load_targets(path: str | Path) -> Targets:
    """Read and validate a targets TOML file.

    Args:
        path: The ``.toml`` file.

    Returns:
        Targets: Its figures; ``source`` is the path as given.

    Raises:
        TargetsError: Missing or unreadable file, malformed TOML, or a figure the
            calibration cannot use (see :func:`targets_from_dict`); one line.
    """
    from pushpull_sim.scenario import read_toml

    path = Path(path)
    if path.is_dir():
        raise TargetsError(f"{path}: is a directory, not a targets file")
    if not path.is_file():
        raise TargetsError(f"{path}: no such targets file")
    data = read_toml(path, TargetsError)
    return targets_from_dict(data, source=path.as_posix())
