"""Use the model from other tools: Mesa's ``batch_run`` and EMA Workbench.

* :func:`run_scenario` ``(params, seed) -> dict``: one run, outcomes as a flat dict of
  floats (:data:`pushpull_sim.sweep.outcomes.OUTCOMES`). Picklable (a top-level
  function), so process pools, Dask and ``mesa.batch_run``-style loops can call it.
* :func:`run_scenario_kw` ``(seed=..., base=..., **params)``: the same with keyword
  parameters, ``__`` in place of ``.`` (``population__households``): an EMA Workbench
  ``Model(name, function=run_scenario_kw)``.
* :class:`PushPullModel`: a :class:`~pushpull_sim.model.GraduationModel` built from
  keyword parameters, with a Mesa ``DataCollector``, for ``mesa.batch_run``.

Parameters are the dotted names of :mod:`pushpull_sim.sweep.params` (components by type
or position included), applied to a base scenario: a TOML file, a Scenario or plain
data; by default the defaults of :class:`~pushpull_sim.scenario.Scenario` (no programme).
"""

from __future__ import annotations

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


#: What PushPullModel's DataCollector records each month (treatment arm shares).
MODEL_REPORTERS = {
    "month": lambda m: m.month,
    "extreme_poor_treatment": lambda m: _arm_mean(m, m.hh.extreme_poor),
    "graduated_treatment": lambda m: _arm_mean(m, m.hh.graduated),
    "extreme_poor_all": lambda m: float(m.hh.extreme_poor.mean()),
    "programme_cost_usd_ppp": lambda m: m.total_cost_usd_ppp,
}


def _arm_mean(model: GraduationModel, values) -> float:
    from pushpull_sim.households import TREATMENT

    sel = model.hh.arm == TREATMENT
    return float(values[sel].mean()) if sel.any() else float("nan")


class PushPullModel(GraduationModel):
    """A GraduationModel built from keyword parameters, for ``mesa.batch_run``.

    Args:
        seed: Seed (``batch_run`` passes its ``rng`` values here); None = the base
            scenario's ``run.seed``.
        replication: Replication index.
        base: Base scenario (a TOML path as a string, so ``batch_run`` does not iterate
            over it), or None for the defaults.
        **params: Scenario parameters with ``__`` for ``.``, e.g.
            ``population__households=500``.

    Attributes:
        datacollector: A ``mesa.DataCollector`` with :data:`MODEL_REPORTERS`, collected at
            the baseline survey (month 0) and after every month.

    Example:
        >>> from mesa.batchrunner import batch_run
        >>> rows = batch_run(PushPullModel,  # doctest: +SKIP
        ...     parameters={"base": "scenarios/graduation_package.toml",
        ...                 "behaviour__investment_hurdle_monthly": [0.005, 0.02]},
        ...     rng=[1, 2], max_steps=120, data_collection_period=12)
    """

    def __init__(
        self, seed: int | None = None, replication: int = 0, base: Base = None, **params: Any
    ) -> None:
        scenario = build_scenario(params, base)
        super().__init__(scenario, seed=seed, replication=replication)
        self.datacollector = mesa.DataCollector(model_reporters=MODEL_REPORTERS)
        self.datacollector.collect(self)

    def step(self) -> None:
        """Simulate one month and collect the model reporters."""
        super().step()
        self.datacollector.collect(self)
