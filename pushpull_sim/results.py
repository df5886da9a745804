"""One replication's result: what every outcome, report and output file reads.

:func:`simulate` runs the model to its horizon and keeps, besides the user's outputs
(the monthly aggregates, optionally the household panel, the pull actors' books), what
the declared outcomes (:mod:`pushpull_sim.outcomes`) need: household snapshots at the
months outcomes are measured (:func:`snapshot_months`), kept apart from the user's panel,
the cost by line and month, and each pull actor's status. ``pushpull run``, ``pushpull
compare`` and sweeps all build this one type, so an outcome is computed the same way
wherever it is reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pushpull_sim.households import CONTROL, TREATMENT
from pushpull_sim.model import GraduationModel
from pushpull_sim.rct import itt_table
from pushpull_sim.scenario import Scenario, scenario_from_dict
from pushpull_sim.survey import survey_table

#: Household columns kept at each snapshot month (arrays of shape ``(n,)``).
SNAPSHOT_COLUMNS: tuple[str, ...] = (
    "arm",
    "participant",
    "graduated",
    "extreme_poor",
    "consumption_ppd",
    "income_sales",
    "lender",
)

#: Months after the project's end at which outcomes are measured, by tag.
AFTER_END: dict[str, int] = {"end": 0, "end_2y": 24, "end_5y": 60}


def snapshot_months(scenario: Scenario) -> list[int]:
    """The months outcomes are measured at, within the horizon: the project's end
    (``programme.end_month``), 2 and 5 years after it, and the horizon (``run.months``)."""
    end, horizon = scenario.programme.end_month, scenario.run.months
    months = {end + k for k in AFTER_END.values()} | {horizon}
    return sorted(m for m in months if 0 <= m <= horizon)


@dataclass(frozen=True)
class ActorStatus:
    """A pull actor at the end of a run.

    Attributes:
        kind: Its component kind.
        commercial: Whether it lives on its own revenue (not a facilitating project).
        active: Whether it is still in the market.
        entered: Whether it entered the market (False for an actor still waiting for a
            fixed push-to-pull switch after the horizon).
    """

    kind: str
    commercial: bool
    active: bool
    entered: bool


@dataclass
class RunResult:
    """What one replication returns.

    Attributes:
        scenario: The scenario run (its strategy applied; components as written).
        seed: Base seed.
        replication: Replication index.
        timeseries: Monthly aggregates (see :mod:`pushpull_sim.recording`).
        snapshots: Household columns (:data:`SNAPSHOT_COLUMNS`) at each of
            :func:`snapshot_months`: ``{month: {column: array of shape (n,)}}``.
        cost_lines: Programme cost by line and month, ``{line: array of shape
            (months + 1,)}``, USD PPP, in the order lines were first charged.
        actors: Every pull actor at the end of the run (those in the market, then those
            still waiting for a fixed switch).
        participants: Households the push stream served.
        eligible: Households the targeting rule declared eligible.
        treatment_arm, control_arm: Eligible households assigned to each arm.
        unit_cost_usd_ppp: Planned push cost per participant, USD PPP.
        inclusion_error, exclusion_error: The targeting rule's errors (0-1).
        credit_take_up: Share of households that ever borrowed from a lender: ``all``,
            ``eligible`` (the poorest), ``ineligible`` (None where a group is empty);
            None without lenders.
        panel: Household panel at the recorded months (None unless asked for).
        survey: The virtual trial's survey, one row per round x eligible household
            (:func:`pushpull_sim.survey.survey_table`), built from ``survey_rounds`` on
            first use (outcomes that do not read it do not pay for its indices).
        survey_rounds: The survey's rounds as observed, one table per round, without the
            indices (:attr:`pushpull_sim.survey.Survey.rows`); None when the run kept no
            survey (then reading ``survey`` raises RuntimeError).
        itt: ITT estimates of every outcome and round (see
            :func:`pushpull_sim.rct.itt_table`; computed on first use by :meth:`itt_at`,
            or by :func:`pushpull_sim.runner.run_replication`).
        pull: Pull actors' monthly books (see :meth:`GraduationModel.pull_records`),
            a table built from ``pull_rows`` on first use.
        pull_rows: The same books as the actors keep them, one dict per actor x month.
        events: The household event log's table (:meth:`pushpull_sim.events.EventLog.table`;
            None unless asked for).
        paths: Every household's monthly path (assets, savings, consumption;
            :meth:`pushpull_sim.events.EventLog.paths_table`), kept with the event log.
    """

    scenario: Scenario
    seed: int
    replication: int
    timeseries: pd.DataFrame
    snapshots: dict[int, dict[str, np.ndarray]]
    cost_lines: dict[str, np.ndarray]
    actors: list[ActorStatus]
    participants: int
    eligible: int
    treatment_arm: int
    control_arm: int
    unit_cost_usd_ppp: float
    inclusion_error: float
    exclusion_error: float
    credit_take_up: dict[str, float | None] | None = None
    panel: pd.DataFrame | None = None
    survey_rounds: list[pd.DataFrame] | None = field(default_factory=list, repr=False)
    itt: pd.DataFrame = field(default_factory=pd.DataFrame)
    pull_rows: list[dict] = field(default_factory=list, repr=False)
    events: pd.DataFrame | None = None
    paths: pd.DataFrame | None = None
    _survey: pd.DataFrame | None = field(default=None, init=False, repr=False, compare=False)
    _pull: pd.DataFrame | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def pull(self) -> pd.DataFrame:
        """The pull actors' books (see the class's attributes), built once on first use."""
        if self._pull is None:
            self._pull = pd.DataFrame(self.pull_rows)
        return self._pull

    @property
    def survey(self) -> pd.DataFrame:
        """The survey table (see the class's attributes), built once on first use."""
        if self._survey is None:
            if self.survey_rounds is None:
                raise RuntimeError(
                    "this run kept no survey (simulate(..., survey=False)): its ITT "
                    "estimates are unavailable; run it with the survey on (an outcome that "
                    "reads them declares outcome(..., survey=True))"
                )
            self._survey = survey_table(self.survey_rounds)
        return self._survey

    @property
    def costs(self) -> dict[str, float]:
        """Programme cost by line over the run, USD PPP, lines in sorted order."""
        return {k: float(v.sum()) for k, v in sorted(self.cost_lines.items())}

    def snapshot(self, month: int) -> dict[str, np.ndarray] | None:
        """The household snapshot of ``month`` (None if not taken: beyond the horizon)."""
        return self.snapshots.get(month)

    def itt_estimates(self) -> pd.DataFrame:
        """ITT estimates of every outcome at every survey round after baseline (computed
        once, then kept in :attr:`itt`), with ``months_after_start``."""
        if self.itt.empty and not self.survey.empty:
            sc = self.scenario
            start = sc.programme.start_month
            months = sorted(m for m in self.survey["month"].unique() if m != 0)
            itt = itt_table(self.survey, months, 0, cluster_by_village=sc.rct.unit == "village")
            if not itt.empty:
                itt.insert(2, "months_after_start", itt["month"] - start)
            self.itt = itt
        return self.itt

    def itt_at(self, outcome: str, months_after_start: int) -> dict[str, float] | None:
        """One ITT estimate (the keys of :func:`pushpull_sim.rct.itt_effect`), or None
        if that round was not surveyed or the outcome could not be estimated."""
        itt = self.itt_estimates()
        if itt.empty:
            return None
        rows = itt[(itt["outcome"] == outcome) & (itt["months_after_start"] == months_after_start)]
        if rows.empty:
            return None
        return {k: float(v) for k, v in rows.iloc[0].items() if k not in ("outcome",)}

    def arm_mask(self, month: int, arm: str) -> np.ndarray | None:
        """Households of ``arm`` (``"treatment"`` or ``"control"``), bool, shape ``(n,)``,
        from the snapshot of ``month`` (None if not taken)."""
        snap = self.snapshot(month)
        if snap is None:
            return None
        code = {"treatment": TREATMENT, "control": CONTROL}[arm]
        return snap["arm"] == code


def _snapshot(model: GraduationModel) -> dict[str, np.ndarray]:
    hh = model.hh
    return {col: getattr(hh, col).copy() for col in SNAPSHOT_COLUMNS}


def _credit_take_up(model: GraduationModel) -> dict[str, float | None] | None:
    """Share that ever borrowed from a lender, by baseline eligibility (None: no lender)."""
    hh = model.hh
    lent = [a.ever_lent_to() for a in model.pull_actors]
    masks = [mask for mask in lent if mask is not None]
    if not masks:
        return None
    borrowed = np.zeros(hh.n, bool)
    for mask in masks:
        borrowed |= mask
    return {
        "all": float(borrowed.mean()),
        "eligible": float(borrowed[hh.eligible].mean()) if hh.eligible.any() else None,
        "ineligible": float(borrowed[~hh.eligible].mean()) if (~hh.eligible).any() else None,
    }


def simulate(
    scenario: Scenario | dict,
    seed: int,
    replication: int = 0,
    *,
    panel: bool = False,
    events: bool = False,
    survey: bool = True,
) -> RunResult:
    """Build and run one replication to the scenario's horizon.

    Args:
        scenario: A scenario, or its plain-data form (picklable across processes).
        seed: Base seed.
        replication: Replication index.
        panel: Keep the household panel (``pushpull run`` writes it; outcomes do not
            need it).
        events: Keep the household event log (``pushpull run`` writes it when the
            scenario's ``output.events`` is on; outcomes do not need it). It never changes
            the run's numbers.
        survey: Run the virtual trial's survey (outcomes that read ITT estimates need it,
            see :attr:`pushpull_sim.outcomes.Outcome.survey`); off, reading the result's
            survey raises. It never changes the run's other numbers.

    Returns:
        RunResult: The run's tables, snapshots, costs and actors.
    """
    if isinstance(scenario, dict):
        scenario = scenario_from_dict(scenario)
    model = GraduationModel(
        scenario, seed=seed, replication=replication, events=events, survey=survey
    )
    months = set(snapshot_months(scenario))
    snapshots: dict[int, dict[str, np.ndarray]] = {}
    if model.month in months:
        snapshots[model.month] = _snapshot(model)
    while model.month < model.horizon:
        model.step()
        if model.month in months:
            snapshots[model.month] = _snapshot(model)
    model.finalize()
    hh = model.hh
    actors = [
        ActorStatus(a.kind, a.commercial, bool(a.active), entered)
        for entered, group in ((True, model.pull_actors), (False, model.pull_waiting))
        for a in group
    ]
    return RunResult(
        scenario=scenario,
        seed=int(seed),
        replication=int(replication),
        timeseries=model.timeseries(),
        snapshots=snapshots,
        cost_lines={k: v.copy() for k, v in model.costs.items()},
        actors=actors,
        participants=int(model.participant_ids.size),
        eligible=int(hh.eligible.sum()),
        treatment_arm=int((hh.arm == TREATMENT).sum()),
        control_arm=int((hh.arm == CONTROL).sum()),
        unit_cost_usd_ppp=float(model.unit_cost_usd_ppp),
        inclusion_error=model.targeting.inclusion_error,
        exclusion_error=model.targeting.exclusion_error,
        credit_take_up=_credit_take_up(model),
        panel=model.household_panel() if panel else None,
        survey_rounds=None if model.survey is None else list(model.survey.rows),
        pull_rows=model.pull_record_rows(),
        events=None if model.event_log is None else model.event_log.table(),
        paths=None if model.event_log is None else model.event_log.paths_table(),
    )
