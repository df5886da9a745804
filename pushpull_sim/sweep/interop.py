"""Use the model from other tools: Mesa's ``batch_run`` and EMA Workbench.

* :func:`run_scenario` ``(params, seed) -> dict``: one run, outcomes as a flat dict of
  floats (:data:`pushpull_sim.sweep.outcomes.OUTCOMES`). Picklable (a top-level
  function), so process pools, Dask and ``mesa.batch_run``-style loops can call it.
* :func:`run_scenario_kw` ``(seed=..., base=..., **params)``: the same with keyword
  parameters, ``__`` in place of ``.`` (``population__households``): an EMA Workbench
  ``Model(name, function=run_scenario_kw)``.
* :class:`PushPullModel`: a :class:`~pushpull_sim.model.GraduationModel` built from
  keyword parameters, with a Mesa ``DataCollector`` recording both arms of the virtual
  trial, for ``mesa.batch_run`` (seeded by its ``rng=`` argument).

Parameters are the dotted names of :mod:`pushpull_sim.sweep.params` (components by type
or position included), applied to a base scenario: a TOML file, a Scenario or plain
data; by default the defaults of :class:`~pushpull_sim.scenario.Scenario` (no programme).
"""

from __future__ import annotations

import operator
import warnings
from pathlib import Path
from typing import Any

import mesa

from pushpull_sim.model import GraduationModel
from pushpull_sim.scenario import Scenario, load_scenario
from pushpull_sim.sweep import params as P
from pushpull_sim.sweep.outcomes import run_outcomes

Base = str | Path | Scenario | dict[str, Any] | None


def _base_data(base: Base) -> dict[str, Any]:
    if base is None:
        return Scenario().to_dict()
    if isinstance(base, Scenario):
        return base.to_dict()
    if isinstance(base, dict):
        return base
    return load_scenario(base).to_dict()


def build_scenario(params: dict[str, Any], base: Base = None) -> Scenario:
    """The scenario of a run: ``base`` with dotted (or ``__``) parameters applied.

    Raises:
        ParameterError: Unknown parameter name (one line).
        ScenarioError: A value the scenario does not allow (one line).
    """
    dotted = {P.from_keyword(k): v for k, v in params.items()}
    return P.build(_base_data(base), dotted, source="<params>")


def run_scenario(params: dict[str, Any], seed: int, base: Base = None) -> dict[str, float]:
    """Run the model once and return its scalar outcomes.

    Args:
        params: ``{dotted name: value}``, e.g. ``{"population.households": 500,
            "programme.interventions.asset_transfer.value_usd_ppp": 900.0}``.
        seed: Seed of the run (replication 0 of it); the same seed gives the same result.
        base: Base scenario: a TOML path, a Scenario, plain data, or None for the
            defaults.

    Returns:
        dict: ``{outcome: float}`` (NaN where undefined), see
        :data:`pushpull_sim.sweep.outcomes.OUTCOMES`.
    """
    outcomes, _ = run_outcomes(build_scenario(params, base), int(seed))
    return outcomes


def run_scenario_kw(seed: int = 20260101, base: Base = None, **params: Any) -> dict[str, float]:
    """:func:`run_scenario` with keyword parameters (``__`` for ``.``), for EMA Workbench.

    Args:
        seed: Seed of the run. Default 20260101 (the scenarios' default seed; assumption).
        base: Base scenario, as in :func:`run_scenario`.
        **params: e.g. ``behaviour__investment_hurdle_monthly=0.02``.

    Returns:
        dict: Outcomes, as :func:`run_scenario`.
    """
    return run_scenario(params, seed, base)


#: What PushPullModel's DataCollector records each month: the seed the run used, the
#: month, and by arm (the virtual trial's ``treatment`` and ``control``, and ``all``
#: households) the share below the extreme-poverty line, the share graduated, mean
#: consumption (USD PPP per adult equivalent per day) and mean productive assets (USD
#: PPP), with the cumulative programme cost (USD PPP). Treatment minus control at a month
#: is the intent-to-treat difference in means (the trial's arms are randomised).
MODEL_REPORTERS = {
    "seed": lambda m: m.seed,
    "month": lambda m: m.month,
    **{
        f"{name}_{arm}": (lambda m, column=column, arm=arm: _arm_mean(m, column, arm))
        for arm in ("treatment", "control", "all")
        for name, column in (
            ("extreme_poor", "extreme_poor"),
            ("graduated", "graduated"),
            ("consumption_ppd", "consumption_ppd"),
            ("assets", "assets"),
        )
    },
    "programme_cost_usd_ppp": lambda m: m.total_cost_usd_ppp,
}


def _arm_mean(model: GraduationModel, column: str, arm: str) -> float:
    """Mean of a household column over an arm's households (NaN for an empty arm)."""
    from pushpull_sim.households import CONTROL, TREATMENT

    values = getattr(model.hh, column)
    if arm == "all":
        return float(values.mean())
    sel = model.hh.arm == {"treatment": TREATMENT, "control": CONTROL}[arm]
    return float(values[sel].mean()) if sel.any() else float("nan")


class _CollectionSteps(list):
    """The steps a DataCollector collected at, for Mesa's ``batch_run``, which keeps every
    ``data_collection_period``-th of them (``steps[::k]``): this list adds the final one
    to such a slice, so the last month is reported whatever the period (Mesa's slice
    dropped it when k does not divide the horizon)."""

    def __getitem__(self, index):
        out = super().__getitem__(index)
        if (
            isinstance(index, slice)
            and len(self)
            and index.start in (None, 0)
            and index.stop is None
            and (index.step or 1) > 1
            and (not out or out[-1] != self[-1])
        ):
            out = [*out, self[-1]]
        return out


class _DataCollector(mesa.DataCollector):
    """Mesa's DataCollector, whose periodic slices keep the final collection."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._collection_steps = _CollectionSteps()


class PushPullModel(GraduationModel):
    """A GraduationModel built from keyword parameters, for ``mesa.batch_run``.

    Seeds come from ``batch_run``'s ``rng=`` argument (one run per seed and parameter
    combination): ``rng=[1, 2, 3]``. Mesa passes each value to this model's ``rng``; a
    ``"seed"`` in ``parameters`` is used as the seed too (and refused if it disagrees with
    ``rng``). Without either, every run uses the base scenario's ``run.seed`` and a
    warning says so: ``batch_run(iterations=k)`` then repeats the same run k times.

    Args:
        rng: Seed of the run (an integer; ``batch_run`` passes its ``rng`` values here);
            None = ``seed``, else the base scenario's ``run.seed``, with a warning.
        replication: Replication index.
        base: Base scenario (a TOML path as a string, so ``batch_run`` does not iterate
            over it), or None for the defaults.
        **params: Scenario parameters with ``__`` for ``.``, e.g.
            ``population__households=500``; and ``seed`` (an integer), the seed when
            ``rng`` is None.

    Attributes:
        datacollector: A ``mesa.DataCollector`` with :data:`MODEL_REPORTERS`, collected at
            the baseline survey (month 0) and after every month. ``batch_run`` with a
            ``data_collection_period`` k reports every k-th month and the final month.

    Raises:
        ValueError: A seed that is not a whole number >= 0, or ``seed`` and ``rng`` that
            disagree.

    Example:
        >>> from mesa.batchrunner import batch_run
        >>> rows = batch_run(PushPullModel,  # doctest: +SKIP
        ...     parameters={"base": "scenarios/graduation_package.toml",
        ...                 "behaviour__investment_hurdle_monthly": [0.005, 0.02]},
        ...     rng=[1, 2], max_steps=120, data_collection_period=12)
    """

    def __init__(
        self, rng: Any = None, replication: int = 0, base: Base = None, **params: Any
    ) -> None:
        seed = _seed(rng, params.pop("seed", None))
        scenario = build_scenario(params, base)
        if seed is None:
            warnings.warn(
                f"PushPullModel: no seed given, so the run uses the base scenario's run.seed "
                f"({scenario.run.seed}); batch_run(iterations=k) would repeat it k times: "
                "seed each run with batch_run(..., rng=[1, 2, 3])",
                UserWarning,
                stacklevel=2,
            )
        super().__init__(scenario, seed=seed, replication=replication)
        self.datacollector = _DataCollector(model_reporters=MODEL_REPORTERS)
        self.datacollector.collect(self)

    def step(self) -> None:
        """Simulate one month and collect the model reporters."""
        super().step()
        self.datacollector.collect(self)


def _seed(rng: Any, seed: Any) -> int | None:
    """The run's seed from Mesa's ``rng`` and a ``seed`` parameter (see PushPullModel)."""
    values = []
    for name, value in (("rng", rng), ("seed", seed)):
        if value is None:
            continue
        try:
            number = operator.index(value)  # int or numpy integer, not float or bool
        except TypeError:
            number = None
        if number is None or isinstance(value, bool) or number < 0:
            raise ValueError(
                f"PushPullModel: {name} = {value!r}: must be a whole number >= 0 (batch_run's "
                "rng=[1, 2, 3] gives one seed per run)"
            )
        values.append((name, number))
    if len(values) == 2 and values[0][1] != values[1][1]:
        raise ValueError(
            f"PushPullModel: rng = {rng!r} and seed = {seed!r} disagree: give seeds once, "
            "with batch_run's rng= argument"
        )
    return values[0][1] if values else None
