"""GraduationModel: households, their village network, shocks and a push programme."""

from __future__ import annotations

from collections import defaultdict, deque

import mesa
import numpy as np
import pandas as pd
from scipy import stats

from pushpull_sim.components import Component, household_states, registry
from pushpull_sim.events import EventLog
from pushpull_sim.households import (
    ARM_NAMES,
    CONTROL,
    DAYS_PER_MONTH,
    ENTERPRISE,
    INELIGIBLE,
    LIVESTOCK,
    NEVER,
    SHORT_CYCLE,
    TREATMENT,
    Households,
)
from pushpull_sim.interventions.base import CreditRecord, Intervention
from pushpull_sim.kernels import core as kernels
from pushpull_sim.livelihood import (
    marginal_net_return_of,
    production_args,
    technology,
)
from pushpull_sim.memory import check_memory
from pushpull_sim.network import build_network
from pushpull_sim.pull import PullActor
from pushpull_sim.rct import assign
from pushpull_sim.recording import Recorder
from pushpull_sim.rng import RandomStreams
from pushpull_sim.scenario import Scenario
from pushpull_sim.strategies import push_budget, resolve_components
from pushpull_sim.survey import Survey
from pushpull_sim.targeting import TargetingInputs

#: Largest herd, in animal units, for which deaths are drawn animal by animal.
MAX_HERD = 10_000


#: The monthly step, in order: ``(name, what happens)``, numbered from 1 (0 = month 0,
#: after targeting). :class:`GraduationModel`'s docstring details each step under the same
#: name; the event log's kinds name the step they belong to
#: (:attr:`pushpull_sim.events.EventKind.stage`) and ``docs/ODD.md``'s schedule is
#: generated from this table.
MONTHLY_STEPS: tuple[tuple[str, str], ...] = (
    ("begin month", "advance the month; reset the month's flows and the transaction cost"),
    (
        "shocks",
        "illness, regional drought, livestock mortality and outbreaks, scheduled shocks, "
        "depreciation",
    ),
    ("risk sharing", "neighbours with cash above their buffer help households hit by illness"),
    (
        "push interventions",
        "hand-over from push to pull, each intervention's deliveries, then each pull "
        "actor's decisions (lenders lend, agents reach households)",
    ),
    (
        "produce and earn",
        "remittances, time allocation, own production with inputs, casual wage work; the "
        "components' after_production hook (buyers buy)",
    ),
    (
        "consume, save, invest",
        "distress sales, health costs, the components' payments_due set aside (debt "
        "service), consumption, the precautionary buffer, investment",
    ),
    (
        "after consumption",
        "the components' after_consumption hook (savings groups) and settle hook (pull "
        "actors' books, exits); entrants join",
    ),
    (
        "status",
        "consumption per adult equivalent, poverty, graduation, confidence, pathway stage; "
        "finite-number check",
    ),
    ("record", "the trial's survey, monthly aggregates, household panel, event log"),
)


class GraduationModel(mesa.Model):
    """An agent-based model of graduation out of extreme poverty.

    Households are numpy arrays (:class:`~pushpull_sim.households.Households`), not Python
    objects; interventions, pull actors and targeting rules are components with one
    contract (:mod:`pushpull_sim.components`). One call of :meth:`step` simulates
    one month. Month 0 is the baseline survey, taken after ``population.burn_in_months``
    months simulated without any programme; the programme acts in months
    ``programme.start_month + 1 .. programme.end_month``.

    Monthly step, in this order (the code of :meth:`_simulate_month` follows steps 1-8;
    :meth:`step` adds step 9, so burn-in months are not recorded):

    1. **begin month**: advance the month counter; reset the month's flows and the
       transaction cost to its base level.
    2. **shocks**: illness (income loss and a health cost), covariate drought by region
       (lower yields, casual labour demand and asset prices), livestock mortality (per
       animal, with regional disease outbreaks; technical skill lowers it), the
       scenario's scheduled shocks of the month (a drought, an outbreak that kills a share
       of one kind of asset in given villages or arms, a price shock), depreciation of
       productive assets and of household durables.
    3. **risk sharing**: households hit by illness receive informal transfers from network
       neighbours with cash above their buffer.
    4. **push interventions**: in the programme window, the fixed cost and an integration
       lead's cost are booked, pull actors held back for a fixed push-to-pull switch
       arrive once it passes, and participants are handed over from push to pull
       (:meth:`_hand_over`, the strategy's transition, coordination and linkage levers:
       a participant handed over leaves the push phase and may be linked to the pull
       side). Then each intervention steps; its schedule, the programme window and the
       push phase decide whether it delivers (and charges its cost), and some act
       beyond the window (savings groups that go on meeting, schemes that keep paying).
       Then the pull actors decide, each from its own incentives (lenders screen and lend;
       agents lower the transaction cost of the households they reach).
    5. **produce and earn**: remittances arrive net of the channel's fee (the transaction
       cost, lower through an agent); own production takes the days its assets need, idle
       days first; casual wage work takes the days left, up to the work the village offers
       (:func:`~pushpull_sim.livelihood.time_allocation`), at a village wage that, from
       month 1, rises as casual labour supply falls below its baseline (and falls as it
       rises); own production from productive assets
       (livestock or small enterprise, S-shaped or concave), with inputs bought
       according to the price paid relative to the household's reference price (which
       then drifts toward the price paid) and as far as the cash at hand allows; inputs
       cost the commercial price plus the transaction cost. Then every component's
       ``after_production`` hook: pull actors act on the month's production (buyers buy
       the output that meets their standards).
    6. **consume, save, invest**: sell household durables, then productive assets, at a
       discount if cash falls short of the distress floor plus health costs; pay health
       costs from cash above the floor; consume subsistence plus a share of the surplus (a
       smaller share when investing pays), part of the spending above subsistence buying
       durables; keep a precautionary buffer; invest above it when assets' marginal return,
       less depreciation, expected losses and the wage the extra labour gives up, beats
       the hurdle (more so with confidence), otherwise spend part of it; the month's debt
       service (every component's ``payments_due``) is set aside after subsistence and
       before any of this spending or investment; a small share of cash kept at home is
       lost, unless an agent holds it.
    7. **after consumption**: every component's ``after_consumption`` hook
       (interventions that meet after the month's spending: savings groups'
       contributions, loans, repayments, social fund, share-out), then every component's
       ``settle`` hook (pull actors collect repayments, close their books, leave the
       market after sustained losses); actors drawn in by high margins join at the end
       of the month. Each hook is called on the interventions (scenario order), then on
       the pull actors (:meth:`components`).
    8. **status**: consumption per adult equivalent per day, poverty status, income and
       food-security averages, graduation (BRAC-style criteria), confidence drifting
       toward its peers' (network peer effects) and pathway stage; then every float
       household array is checked to be finite
       (:class:`~pushpull_sim.households.NumericalError` otherwise).
    9. **record**: the virtual trial's survey follows the eligible households through its
       rounds' recall windows (:class:`~pushpull_sim.survey.Survey`; it runs in step 8's
       place in burn-in months too, so the baseline round's recall reaches back before
       month 0); monthly aggregates by arm; the household panel at chosen months; the
       household event log (:class:`~pushpull_sim.events.EventLog`), which compares
       this month's state and flows with last month's and never changes either.

    The scenario's strategy (:attr:`levers`) acts only through lever values: which streams
    run, the budget split, the very-poor list the pull side uses (:attr:`pull_list`), the
    hand-over and linkage, price anchoring, and component parameters
    (:func:`~pushpull_sim.strategies.resolve_components`).

    Args:
        scenario: A validated :class:`~pushpull_sim.scenario.Scenario`.
        seed: Base seed; defaults to ``scenario.run.seed``.
        replication: Replication index (selects independent random streams).
        record: Whether to record outputs (turn off for pure speed measurements).
        events: Whether to keep the household event log (:attr:`event_log`; only when
            recording); None = the scenario's ``output.events``. Either way the run's
            numbers are the same.
        survey: Whether to run the virtual trial's survey (:attr:`survey`; only when
            recording). Off, the ITT estimates are unavailable; every other number of the
            run is the same (the survey draws from its own stream).

    Raises:
        MemoryLimitError: The run would need more memory than the limit
            (:mod:`pushpull_sim.memory`); nothing is built.

    Attributes:
        params: The scenario (named ``params`` because ``mesa.Model.scenario`` is Mesa's own).
        month: Current month (0 = baseline survey; negative during burn-in).
        hh: Household arrays, each of shape ``(n,)``.
        network: Social network, ``scipy.sparse.csr_array`` of shape ``(n, n)``.
        interventions: The programme's interventions, in scenario order.
        participant_ids: Ids of households the programme serves, shape ``(k,)``.
        streams: Named random streams.
        targeting: PMT result (scores, eligibility, inclusion and exclusion errors).
        costs: Programme cost by component, ``{name: array of shape (months + 1,)}``, USD PPP.
        levers: The strategy's resolved lever values (see :mod:`pushpull_sim.strategies`).
        pull_list: The very poor as the pull side's inclusion incentives see them, bool,
            shape ``(n,)``.
        pull_actors: Pull actors in the market (Mesa agents); ``pull_waiting`` holds those
            that arrive at a fixed switch.
        handover_month: Month each participant was handed over to pull, int32, shape
            ``(n,)`` (``NEVER`` if not).
        asset_deaths: Productive assets lost to deaths this month (ordinary mortality,
            outbreaks, scheduled outbreaks), USD PPP, shape ``(n,)``.
        took_up: Whether each household would take the programme up if offered, bool,
            shape ``(n,)`` (drawn at targeting).
        event_log: The household event log (:mod:`pushpull_sim.events`), or None when
            it is off (``events``) or nothing is recorded.
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int | None = None,
        replication: int = 0,
        record: bool = True,
        events: bool | None = None,
        survey: bool = True,
    ) -> None:
        keep = scenario.output.events if events is None else events  # the event log
        # before anything is built: a run that cannot fit is refused
        check_memory(scenario, events=record and keep)
        seed = scenario.run.seed if seed is None else int(seed)
        self.streams = RandomStreams(seed, replication)
        super().__init__(rng=self.streams.integer_seed("mesa"))
        self.levers = scenario.levers
        scenario = resolve_components(scenario)  # levers that set component parameters
        self.params = scenario
        self.seed = seed
        self.replication = replication
        sc = scenario
        pop = sc.population
        self.horizon = sc.run.months
        self.month = -pop.burn_in_months
        self.n_regions = -(-pop.villages // pop.villages_per_region)
        self.wage = np.full(pop.villages, sc.livelihood.wage_usd_ppp_per_day)
        self.drought_months_left = np.zeros(self.n_regions, np.int32)
        self.outbreak = np.zeros(self.n_regions, bool)
        #: This month's price factors by region from scheduled price shocks (1 = none):
        #: ``{"output" | "input" | "asset": array of shape (regions,)}``.
        self.price_factor = {k: np.ones(self.n_regions) for k in ("output", "input", "asset")}
        self._price_shocked = False
        self.costs: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(self.horizon + 1))
        self._distress_sold = np.zeros(pop.households, bool)

        self.hh = self._init_households()
        hh = self.hh
        self.need = self._need(hh)  # monthly subsistence need, USD PPP, shape (n,)
        # quantities that never change, computed once rather than every month
        bh = sc.behaviour
        self._need_floor = self.need * (1 - 1e-12)  # need, less float dust
        self._buffer = bh.precautionary_buffer_months * self.need  # precautionary buffer
        sigma = sc.shocks.health_cost_sigma
        self._health_mu = np.log(max(sc.shocks.health_cost_mean_usd_ppp, 1e-12)) - 0.5 * sigma**2
        self.tech = technology(hh.asset_kind, sc)
        self.network = build_network(hh.village, hh.assets + hh.savings, sc.network, self.streams)
        self.degree = np.asarray(self.network.sum(axis=1)).ravel()

        #: The virtual trial's household survey (None when not recording, or turned off).
        self.survey = Survey(self) if record and survey else None
        # burn-in: months before the baseline survey, no programme
        self.interventions: list[Intervention] = []
        self.pull_actors: list[PullActor] = []  # they enter at the baseline survey
        self.pull_entrants: list[PullActor] = []  # entering at the end of this month
        self.pull_waiting: list[PullActor] = []  # entering at a fixed push-to-pull switch
        self.participant_ids = np.zeros(0, np.int64)
        # the shocks kernel's working arrays (health demand, units, death probability,
        # deaths), kept between months: see _shocks
        self._shocks_scratch: tuple[np.ndarray, ...] | None = None
        self._initialised_averages = False
        while self.month < 0:
            self._simulate_month()
        if pop.burn_in_months == 0:
            self._update_status(np.zeros(hh.n, bool))

        self.labour_supply_baseline = self._labour_supply()  # the wage's reference point
        self._target_and_assign()
        if self.survey is not None:  # the baseline survey, among the eligible
            self.survey.close_baseline(self)
            self.survey.follow(np.flatnonzero(hh.eligible))
        push_types, pull_types = registry("intervention"), registry("pull_actor")
        self.interventions = [push_types[p.type](p, self) for p in sc.programme.interventions]
        self._serve_within_budget()
        for iv in self.interventions:
            iv.setup(self)
        for p in sc.pull.actors:
            cls = pull_types[p.type]
            for j in range(p.count):
                villages = np.arange(j, pop.villages, p.count)
                self.pull_actors.append(cls(self, p, villages))
        self.pull_actors.sort(key=lambda actor: actor.priority)  # stable: scenario order
        for actor in self.pull_actors:
            actor.setup(self)
        levers = self.levers
        #: Month from which the pull actors act (after a fixed switch, they arrive then).
        self.pull_start_month = sc.programme.start_month + (
            levers["switch_month"] if levers["transition"] == "fixed" else 0
        )
        if levers["transition"] == "fixed":
            self.pull_waiting, self.pull_actors = self.pull_actors, []
        # hand-over from push to pull: candidates as known `information_lag_months` ago
        self._handover_info: deque[np.ndarray] = deque(maxlen=levers["information_lag_months"] + 1)
        self.handover_month = np.full(hh.n, NEVER, np.int32)
        # a hand-over matters only when it links households or ends their push phase
        self._hands_over = levers["linkage"] or levers["transition"] != "none"

        self.recorder = Recorder(self) if record else None
        if self.recorder is not None:
            self.recorder.record(self)
        #: The household event log (:mod:`pushpull_sim.events`; None when off).
        self.event_log = EventLog(self) if record and keep else None
        if self.event_log is not None:
            self.event_log.start(self)

    # ------------------------------------------------------------------ construction
    def _init_households(self) -> Households:
        pop = self.params.population
        rng = self.streams.get("population")
        n = pop.households
        hh = Households(n)
        hh.attach(household_states())  # every component's arrays, whether it runs or not
        sizes = np.full(pop.villages, n // pop.villages)
        sizes[: n % pop.villages] += 1
        hh.village[:] = np.repeat(np.arange(pop.villages, dtype=np.int32), sizes)
        hh.region[:] = hh.village // pop.villages_per_region
        mean_extra = max(pop.household_size_ae_mean - 1.0, 1e-9)
        shape = pop.household_size_gamma_shape
        hh.size_ae[:] = 1.0 + rng.gamma(shape, mean_extra / shape, n)
        capacity = np.exp(pop.labour_capacity_sigma * rng.standard_normal(n))
        hh.labour[:] = hh.size_ae * pop.adults_per_ae * capacity
        hh.ability[:] = np.exp(
            pop.ability_sigma * rng.standard_normal(n) - 0.5 * pop.ability_sigma**2
        )
        has_assets = rng.random(n) >= pop.asset_free_share
        assets = pop.initial_assets_median_usd_ppp * np.exp(
            pop.initial_assets_sigma * rng.standard_normal(n)
        )
        hh.assets[:] = np.where(has_assets, np.minimum(assets, pop.initial_assets_max_usd_ppp), 0.0)
        need = self._need(hh)
        hh.savings[:] = pop.initial_savings_months * need * np.exp(rng.standard_normal(n))
        mean = self.params.livelihood.employment_rate
        kappa = pop.casual_work_concentration
        if kappa > 0 and 0 < mean < 1:
            rng = self.streams.get("population.casual_work")
            hh.casual_access[:] = rng.beta(mean * kappa, (1 - mean) * kappa, n)
        else:
            hh.casual_access[:] = mean
        durables = self.streams.get("population.durables").standard_normal(n)
        hh.durables[:] = pop.initial_durables_median_usd_ppp * np.exp(
            pop.initial_durables_sigma * durables
        )
        receives = self.streams.get("population.remittances").random(n) < pop.remittance_share
        hh.remittance_gross[:] = np.where(receives, pop.remittance_usd_ppp_per_month, 0.0)
        hh.confidence[:] = self.params.behaviour.confidence_baseline
        hh.reference_price[:] = 1.0 + self.params.livelihood.transaction_cost_share
        hh.quality[:] = pop.initial_quality
        return hh

    def _need(self, hh: Households) -> np.ndarray:
        """Monthly subsistence need, USD PPP, shape (n,) (household sizes never change)."""
        return self.params.behaviour.subsistence_usd_ppp_per_ae_day * hh.size_ae * DAYS_PER_MONTH

    def _target_and_assign(self) -> None:
        sc = self.params
        hh = self.hh
        prog = sc.programme
        inputs = TargetingInputs.from_households(hh, self.network, self.degree)
        rule = registry("targeting")[prog.targeting]
        options = rule.Params.model_validate(prog.targeting_options)

        def survey(stream: str):  # the programme's targeting rule, with its own error
            surveyor = rule(options, self.streams.get(stream))
            return surveyor.select(inputs, prog.eligible_share, prog.pmt_noise_sd)

        self.targeting = survey(rule.stream_name())
        hh.targeting_score[:] = self.targeting.score
        hh.eligible[:] = self.targeting.eligible
        #: The very poor as the pull side's inclusion incentives see them, shape ``(n,)``:
        #: the programme's list (shared lists) or the pull implementer's own survey of the
        #: same rule and share, with its own error (separate lists).
        if self.levers["targeting_lists"] == "shared":
            self.pull_list = hh.eligible.copy()
        else:
            self.pull_list = survey(f"{rule.stream_name()}.pull_list").eligible
        treat = assign(
            hh.eligible, hh.village, sc.rct.unit, sc.rct.treatment_share, self.streams.get("rct")
        )
        hh.arm[:] = np.where(treat, TREATMENT, np.where(hh.eligible, CONTROL, INELIGIBLE))

    def _serve_within_budget(self) -> None:
        """Choose participants: treatment-arm households who take up, poorest PMT score
        first, as many as the budget covers."""
        prog = self.params.programme
        hh = self.hh
        takes_up = self.streams.get("programme.take_up").random(hh.n) < prog.take_up
        offered = np.flatnonzero((hh.arm == TREATMENT) & takes_up)
        offered = offered[np.argsort(hh.targeting_score[offered], kind="stable")]
        self.unit_cost_usd_ppp = float(
            sum(iv.unit_cost_per_household() for iv in self.interventions)
        )
        if self.levers["linkage"] and self.interventions:
            self.unit_cost_usd_ppp += self.levers["linkage_cost_usd_ppp"]
        budget = push_budget(self.params)  # less the pull share, coordination, fixed cost
        if not self.interventions:
            offered = offered[:0]
        elif self.unit_cost_usd_ppp > 0 and budget is not None:
            affordable = int(budget // self.unit_cost_usd_ppp)
            offered = offered[: max(affordable, 0)]
        self.took_up = takes_up  # the event log says why a household was not served
        self.participant_ids = np.sort(offered)
        hh.participant[self.participant_ids] = True

    # ------------------------------------------------------------------ public API
    def set_asset_kind(self, ids: np.ndarray, kind: int) -> None:
        """Switch households' main productive activity (e.g. after an enterprise transfer).

        Args:
            ids: Household ids, shape ``(k,)``.
            kind: :data:`~pushpull_sim.households.LIVESTOCK` or ``ENTERPRISE``.
        """
        self.hh.asset_kind[ids] = kind
        self.tech = technology(self.hh.asset_kind, self.params)

    @property
    def programme_month(self) -> int:
        """Months since the programme started (1 = its first month; <= 0 before)."""
        return self.month - self.params.programme.start_month

    @property
    def programme_active(self) -> bool:
        """Whether the current month lies in the programme window."""
        p = self.params.programme
        return p.start_month < self.month <= p.end_month

    def charge_cost(self, component: str, amount_usd_ppp: float) -> None:
        """Book a programme cost for the current month.

        Args:
            component: Cost line, e.g. an intervention's name.
            amount_usd_ppp: Amount, USD PPP (>= 0).
        """
        if 0 <= self.month <= self.horizon:
            self.costs[component][self.month] += amount_usd_ppp

    @property
    def total_cost_usd_ppp(self) -> float:
        """Programme cost so far, all components, USD PPP."""
        return float(sum(v.sum() for v in self.costs.values()))

    def step(self) -> None:
        """Simulate one month (see the class docstring for the order)."""
        self._simulate_month()
        if self.recorder is not None:
            self.recorder.record(self)
        if self.event_log is not None:
            self.event_log.record(self)
        if self.month >= self.horizon:
            self.running = False

    def run(self, months: int | None = None) -> GraduationModel:
        """Step until ``months`` (default: the horizon) and finalise.

        Returns:
            GraduationModel: ``self``, for chaining.
        """
        end = self.horizon if months is None else min(int(months), self.horizon)
        while self.month < end:
            self.step()
        if self.month >= self.horizon:
            self.finalize()
        return self

    def finalize(self) -> None:
        """Close every component's books (idempotent)."""
        if getattr(self, "_finalized", False):
            return
        for component in self.components():
            component.finalize(self)
        self._finalized = True

    def credit_records(self) -> list[CreditRecord]:
        """The borrowing records the interventions keep (savings groups'), for lenders."""
        records = (iv.credit_record() for iv in self.interventions)
        return [r for r in records if r is not None]

    def components(self) -> list[Component]:
        """The components acting this month, in the order their hooks are called: the
        interventions (scenario order), then the pull actors in the market (priority,
        then scenario order)."""
        return [*self.interventions, *self.pull_actors]

    def pull_records(self) -> pd.DataFrame:
        """Pull actors' books: one row per actor x month in the market (see
        :meth:`pushpull_sim.pull.PullActor.book`); empty without pull actors."""
        return pd.DataFrame(self.pull_record_rows())

    def pull_record_rows(self) -> list[dict]:
        """The rows of :meth:`pull_records`, as the actors keep them (one dict each)."""
        return [r for a in self.pull_actors for r in a.records]

    def timeseries(self) -> pd.DataFrame:
        """Monthly aggregates: one row per month x arm (see :mod:`pushpull_sim.recording`)."""
        if self.recorder is None:
            raise RuntimeError("this model was built with record=False")
        return self.recorder.timeseries()

    def household_panel(self) -> pd.DataFrame:
        """Household panel: one row per household x recorded month."""
        if self.recorder is None:
            raise RuntimeError("this model was built with record=False")
        return self.recorder.panel()

    # ------------------------------------------------------------------ the month
    def _simulate_month(self) -> None:
        self.month += 1
        self.hh.begin_month()
        self.hh.transaction_cost[:] = self.params.livelihood.transaction_cost_share
        health_demand = self._shocks()
        self._risk_sharing(health_demand)
        self._push()
        for actor in self.pull_actors:
            actor.decide(self)
        self._produce_and_earn()
        for component in self.components():
            component.after_production(self)
        due = np.zeros(self.hh.n)
        for component in self.components():
            owed = component.payments_due(self)
            if owed is not None:
                due += owed
        sold = self._consume_save_invest(health_demand, due)
        for component in self.components():
            component.after_consumption(self)
        for component in self.components():
            component.settle(self)
        if self.pull_entrants:  # new actors drawn in by high margins start next month
            for actor in self.pull_entrants:
                actor.setup(self)
            self.pull_actors.extend(self.pull_entrants)
            self.pull_actors.sort(key=lambda actor: actor.priority)
            self.pull_entrants = []
        self._update_status(sold)
        if self.survey is not None:
            self.survey.observe(self)

    def _shocks(self) -> np.ndarray:
        """Draw this month's shocks; apply asset losses (kernel
        :func:`pushpull_sim.kernels.core.shocks`). Returns health-cost demand, USD PPP, (n,)."""
        sc, hh = self.params.shocks, self.hh
        n = hh.n
        # illness
        rng = self.streams.get("shocks.illness")
        u_ill = rng.random(n)
        # the lognormal health cost's normal draws (the kernel takes exp where ill: the
        # same numbers as rng.lognormal, which draws these and exponentiates them all)
        z_health = rng.standard_normal(n)
        # drought by region (covariate)
        rng = self.streams.get("shocks.drought")
        start = rng.random(self.n_regions) < 1.0 - (1.0 - sc.drought_prob_yearly) ** (1 / 12)
        self.drought_months_left = np.maximum(self.drought_months_left - 1, 0)
        self.drought_months_left[(self.drought_months_left == 0) & start] = (
            sc.drought_duration_months
        )
        # livestock mortality, with regional outbreaks
        rng = self.streams.get("shocks.livestock")
        self.outbreak = rng.random(self.n_regions) < sc.outbreak_prob_monthly
        u = rng.random(n)
        tech = self.tech
        # the kernel overwrites its outputs whole: the month's working arrays are kept
        # between months (the deaths, which the event log reads, are new each month)
        scratch = self._shocks_scratch
        if scratch is None or scratch[0].size != n:
            scratch = self._shocks_scratch = tuple(np.empty(n) for _ in range(4))
        health_demand, units, p, died = scratch
        mortality = np.empty(n)
        # herds above MAX_HERD are treated as MAX_HERD equal shares, which keeps the
        # binomial inverse fast and finite at any scale
        pending = kernels.shocks(
            u_ill, z_health, self._health_mu, sc.health_cost_sigma, sc.illness_prob_monthly,
            hh.health_cover, sc.health_cost_mean_usd_ppp > 0, u, hh.assets, hh.skill, hh.region,
            self.outbreak, tech.outbreak_exposed, sc.outbreak_mortality_multiplier,
            tech.mortality_monthly, sc.skill_mortality_reduction, tech.unit_value_usd_ppp,
            float(MAX_HERD), hh.ill, health_demand, units, p, died, mortality,
        )  # fmt: skip
        if pending:  # the few herds the cumulative sums do not settle: Boost's quantile
            ids = np.flatnonzero(died == kernels.PENDING)
            dead = np.maximum(stats.binom.ppf(u[ids], units[ids], p[ids]), 0.0)
            mortality[ids] = hh.assets[ids] * dead / units[ids]
        if sc.scheduled:
            mortality += self._scheduled_shocks(units, mortality)
        self.asset_deaths = mortality  # this month's deaths, for the event log
        kernels.shocks_losses(
            mortality, self.params.livelihood.depreciation_monthly,
            self.params.behaviour.durables_depreciation_monthly, hh.assets, hh.asset_losses,
            hh.durables, hh.durables_losses,
        )  # fmt: skip
        return health_demand

    def _scheduled_shocks(self, units: np.ndarray, mortality: np.ndarray) -> np.ndarray:
        """Apply the scenario's scheduled shocks of this month (``shocks.scheduled``).

        A drought starts in its regions (or lasts longer there); price shocks set this
        month's price factors (:attr:`price_factor`); an outbreak kills each unit at risk
        of the struck households with its ``share`` as probability, on top of this
        month's ordinary deaths (drawn from the stream ``"shocks.scheduled"``, so other
        processes' draws are unchanged).

        Args:
            units: Units at risk per household, shape ``(n,)``.
            mortality: Value already lost to ordinary deaths this month, shape ``(n,)``.

        Returns:
            numpy.ndarray: Further value lost to scheduled outbreaks, USD PPP, ``(n,)``.
        """
        hh, month = self.hh, self.month
        regions = np.arange(self.n_regions)
        extra = np.zeros(hh.n)
        if self._price_shocked:
            for factor in self.price_factor.values():
                factor.fill(1.0)
            self._price_shocked = False
        for event in self.params.shocks.scheduled:
            where = regions if getattr(event, "regions", None) is None else event.regions
            if event.type == "drought" and event.month == month:
                left = self.drought_months_left
                left[where] = np.maximum(left[where], event.duration_months)
            elif event.type == "price" and 0 <= month - event.month < event.duration_months:
                self.price_factor[event.what][where] *= 1.0 + event.change
                self._price_shocked = True
            elif event.type == "outbreak" and event.month == month:
                struck = self._struck(event) & (units > 0)
                ids = np.flatnonzero(struck)
                rng = self.streams.get("shocks.scheduled")
                dead = rng.binomial(units[ids].astype(np.int64), event.share)
                left_value = hh.assets[ids] - mortality[ids] - extra[ids]
                share_dead = np.minimum(dead / units[ids], 1.0)
                extra[ids] += np.maximum(left_value, 0.0) * share_dead
        return extra

    def _struck(self, event) -> np.ndarray:
        """Households an outbreak event strikes, bool, shape ``(n,)``."""
        hh = self.hh
        kinds = {"livestock": LIVESTOCK, "enterprise": ENTERPRISE, "short_cycle": SHORT_CYCLE}
        mask = np.ones(hh.n, bool)
        if event.asset_kind != "all":
            mask &= hh.asset_kind == kinds[event.asset_kind]
        if event.villages is not None:
            mask &= np.isin(hh.village, event.villages)
        arm = {
            "all": None,
            "treatment": hh.arm == TREATMENT,
            "control": hh.arm == CONTROL,
            "eligible": hh.eligible,
            "participants": hh.participant,
        }[event.arm]
        return mask if arm is None else mask & arm

    def _risk_sharing(self, health_demand: np.ndarray) -> None:
        """Informal transfers from neighbours with cash above their buffer to ill households
        (kernel :func:`pushpull_sim.kernels.core.risk_sharing`)."""
        hh = self.hh
        share = self.params.network.risk_sharing_share
        if share == 0 or self.network.nnz == 0:
            return
        adj = self.network  # symmetric
        kernels.risk_sharing(
            adj.indptr, adj.indices, adj.data, hh.ill, health_demand, hh.income_12m,
            self.params.shocks.illness_income_loss, hh.savings, self._buffer, share,
            hh.risk_sharing_in, hh.risk_sharing_out,
        )  # fmt: skip

    def _push(self) -> None:
        prog = self.params.programme
        window = prog.end_month - prog.start_month
        if self.programme_active and prog.fixed_cost_usd_ppp and window > 0:
            self.charge_cost("fixed", prog.fixed_cost_usd_ppp / window)
        if self.programme_active and self.levers["integration_lead"]:
            self.charge_cost("integration_lead", self.levers["integration_lead_usd_ppp_per_month"])
        if self.pull_waiting and self.month > self.pull_start_month:  # a fixed switch
            self.pull_actors, self.pull_waiting = self.pull_waiting, []
            for actor in self.pull_actors:
                actor.entered_month = self.month
        if self.programme_active and self._hands_over:
            self._hand_over()
        for iv in self.interventions:  # each decides whether it acts this month
            iv.step(self)

    def _hand_over(self) -> None:
        """Hand participants over from push to pull (the transition lever).

        Candidates this month: every participant (``transition = "none"``), every
        participant once the programme month passes ``switch_month`` (``"fixed"``), or the
        participants meeting the readiness rule (``"readiness"``: after
        ``readiness_min_months`` programme months, productive assets and
        savings above the rule's levels, and 12-month earned income covering the set share of
        subsistence need). The implementers act on candidates as known
        ``information_lag_months`` ago, each with probability ``coordination`` a month.
        A participant handed over leaves the push phase (``hh.in_push``; under a fixed
        switch every participant leaves it at the switch, on the calendar) and, with
        ``linkage``, is introduced to the pull side (``hh.linked``, cost line ``linkage``).
        """
        hh, levers = self.hh, self.levers
        u = self.streams.get("strategy.handover").random(hh.n)  # every month: CRN
        part = hh.participant
        after_switch = self.programme_month > levers["switch_month"]
        if levers["transition"] == "fixed":
            candidates = part & after_switch
            if after_switch:
                hh.in_push[:] = False
        elif levers["transition"] == "readiness":
            candidates = np.empty(hh.n, bool)
            kernels.readiness_candidates(
                part, self.programme_month > levers["readiness_min_months"], hh.assets,
                float(levers["readiness_min_assets_usd_ppp"]), hh.savings, hh.vsla_share,
                float(levers["readiness_min_savings_months"]), self.need, hh.income_12m,
                float(levers["readiness_min_income_share"]), candidates,
            )  # fmt: skip
        else:
            candidates = part
        self._handover_info.append(candidates)
        if len(self._handover_info) < self._handover_info.maxlen:
            return
        new = kernels.handed_over(
            self._handover_info[0], self.handover_month, NEVER, u, float(levers["coordination"])
        )
        if new.size == 0:
            return
        self.handover_month[new] = self.month
        if levers["transition"] == "readiness":
            hh.in_push[new] = False
        if levers["linkage"] and self.pull_actors + self.pull_waiting:
            hh.linked[new] = True
            self.charge_cost("linkage", levers["linkage_cost_usd_ppp"] * new.size)

    def _drought(self) -> np.ndarray | None:
        """Households in a region in drought, bool, shape ``(n,)``; None if no region is
        (then every drought factor is 1.0 and is skipped)."""
        in_drought = self.drought_months_left > 0
        if not in_drought.any():
            return None
        return in_drought[self.hh.region]

    def _produce_and_earn(self) -> None:
        """Time allocation, casual wages, remittances and own production with inputs
        (kernel :func:`pushpull_sim.kernels.core.produce_and_earn`)."""
        sc, hh = self.params, self.hh
        liv, sh = sc.livelihood, sc.shocks
        in_drought = self.drought_months_left > 0
        tech = self.tech
        pf = self.price_factor
        kernels.produce_and_earn(
            hh.ill, sh.illness_income_loss, hh.labour, liv.labour_days_per_month, hh.assets,
            tech.labour_days_per_usd, hh.casual_access, hh.region, in_drought,
            bool(in_drought.any()), sh.drought_wage_loss, sh.drought_yield_loss,
            tech.drought_exposure, hh.village, self.wage,
            self.month > 0 and liv.wage_flexibility != 0, self._wage_reference(),
            liv.wage_usd_ppp_per_day, liv.wage_flexibility, liv.wage_supply_ratio_min,
            liv.wage_supply_ratio_max, hh.remittance_gross, hh.transaction_cost, hh.ability,
            hh.skill, liv.skill_productivity_gain, *self._production_args(),
            tech.input_share, hh.input_discount, self._price_shocked, pf["input"],
            pf["output"], hh.reference_price, liv.input_price_elasticity, hh.savings,
            hh.transfer_cash, liv.input_output_loss, liv.local_price_discount,
            self.levers["reference_anchoring"] == "commercial_price",
            liv.reference_price_adjustment, hh.days_own, hh.days_casual, hh.remittance_fees,
            hh.remittances, hh.wage_rate, hh.income_wage, hh.input_use, hh.input_cost,
            hh.input_subsidy, hh.transfer_in_kind, hh.income_own,
        )  # fmt: skip

    def _production_args(self) -> tuple:
        """The technology's arguments to the kernels' production functions, in order:
        ``(concave, alpha, threshold, width, return_low, return_high, saturation)``."""
        t = self.tech
        return (
            t.production == "concave",
            t.concave_alpha,
            t.asset_threshold_usd_ppp,
            t.threshold_width_usd_ppp,
            t.return_low_monthly,
            t.return_high_monthly,
            t.asset_saturation_usd_ppp,
        )

    def _wage_reference(self) -> np.ndarray:
        """Casual labour days offered per village at the baseline survey (the wage's
        reference point), shape ``(villages,)``; ones before it is taken (unused then)."""
        ref = getattr(self, "labour_supply_baseline", None)
        return np.ones(self.wage.size) if ref is None else ref

    def marginal_net_return(self, ids: np.ndarray | None = None) -> np.ndarray:
        """What one more USD of productive assets earns a month, net: the marginal product
        (with the household's ability and skill) less depreciation, expected losses, and
        the wage given up for the days it takes once they come out of casual work rather
        than idle time. The one rule behind investing and borrowing to invest (compiled:
        :func:`pushpull_sim.livelihood.marginal_net_return_of`).

        Args:
            ids: Households, int, shape ``(k,)`` (default: everyone).

        Returns:
            numpy.ndarray: USD per USD per month, shape ``(k,)`` (or ``(n,)``).
        """
        if ids is None:
            ids = np.arange(self.hh.n)
        return marginal_net_return_of(self.hh, self.tech, self.params.livelihood, ids)

    def _labour_offered(self) -> np.ndarray:
        """Casual labour days each household offers this month (its days not taken by own
        production), shape ``(n,)``."""
        liv, hh = self.params.livelihood, self.hh
        days = hh.labour * liv.labour_days_per_month
        return days - np.minimum(np.maximum(hh.assets, 0.0) * self.tech.labour_days_per_usd, days)

    def _labour_supply(self, offered: np.ndarray | None = None) -> np.ndarray:
        """Casual labour days offered per village this month, shape ``(villages,)``.

        Args:
            offered: :meth:`_labour_offered`, if already computed this month.
        """
        if offered is None:
            offered = self._labour_offered()
        return np.bincount(self.hh.village, weights=offered, minlength=self.wage.size)

    def _consume_save_invest(
        self, health_demand: np.ndarray, due: np.ndarray | None = None
    ) -> np.ndarray:
        """Consume, save and invest, setting aside ``due`` (USD PPP per household, the
        month's debt service: :meth:`Component.payments_due`) after subsistence and before
        any spending above it or investment (kernel
        :func:`pushpull_sim.kernels.core.consume_save_invest`).

        Returns the mask of households that sold assets in distress this month."""
        sc, hh = self.params, self.hh
        if due is None:
            due = np.zeros(hh.n)
        bh, liv = sc.behaviour, sc.livelihood
        in_drought = self.drought_months_left > 0
        tech = self.tech
        sold = np.empty(hh.n, bool)
        kernels.consume_save_invest(
            hh.income_wage, hh.income_own, hh.income_sales, hh.transfer_cash,
            hh.input_subsidy, hh.remittances, health_demand, due, self.need, self._buffer,
            hh.region, in_drought, bool(in_drought.any()),
            sc.shocks.drought_asset_price_drop, self._price_shocked,
            self.price_factor["asset"], bh.distress_sale_discount, bh.distress_floor_share,
            *production_args(hh, tech, liv), bh.investment_hurdle_monthly, bh.mpc_when_investing,
            bh.mpc_above_subsistence, bh.durables_share_of_surplus, bh.investment_share,
            bh.confidence_investment_effect, hh.confidence, hh.agent,
            liv.cash_loss_monthly, hh.savings, hh.durables, hh.durables_losses,
            hh.asset_sale_proceeds, hh.asset_losses, hh.health_cost, hh.asset_purchases,
            hh.durables_purchases, hh.consumption, hh.cash_losses, sold,
        )  # fmt: skip
        return sold

    def _update_status(self, sold: np.ndarray) -> None:
        """Poverty, graduation, confidence and the pathway stage (kernel
        :func:`pushpull_sim.kernels.core.update_status`); then the finite-number check."""
        sc, hh = self.params, self.hh
        st, pv, g, bh = sc.status, sc.poverty, sc.graduation, sc.behaviour
        month = self.month
        np.divide(hh.consumption, hh.size_ae * DAYS_PER_MONTH, out=hh.consumption_ppd)
        cpd = hh.consumption_ppd
        international = pv.definition == "international"
        half = -np.inf  # the seed's definition: bottom half of the nationally poor
        if not international:
            below = cpd < pv.national_line_usd_ppp_per_day
            half = float(np.median(cpd[below])) if below.any() else -np.inf
        line = {
            "extreme": pv.extreme_line_usd_ppp_per_day,
            "poverty": pv.poverty_line_usd_ppp_per_day,
            "subsistence": bh.subsistence_usd_ppp_per_ae_day * (1 - 1e-12),
        }[g.consumption_line]
        adj = self.network
        kernels.update_status(
            month, not self._initialised_averages, hh.consumption, cpd, self._need_floor,
            hh.income_wage, hh.income_own, hh.income_sales, float(st.income_average_months),
            float(st.food_security_months), hh.income_12m, hh.income_wage_12m,
            hh.income_own_12m, hh.income_sales_12m, hh.food_security, sold,
            hh.last_distress_month, international, pv.extreme_line_usd_ppp_per_day,
            pv.dollar_a_day_usd_ppp, pv.national_line_usd_ppp_per_day, half,
            pv.poverty_line_usd_ppp_per_day, hh.extreme_poor, hh.poor, line,
            g.income_source_min_share, g.min_assets_usd_ppp, g.min_savings_usd_ppp,
            g.min_income_sources, g.no_distress_sale_months, hh.assets, hh.savings,
            hh.vsla_share, hh.graduated, hh.status_changed_month, hh.first_graduation_month,
            NEVER, bh.confidence_decay_monthly, adj.indptr, adj.indices, adj.data,
            self.degree, bh.confidence_baseline, bh.confidence_peer_weight, hh.confidence,
            self.tech.asset_threshold_usd_ppp, self._buffer, st.stage_recent_distress_months,
            st.stage_acute_distress_months, hh.stage,
        )  # fmt: skip
        self._initialised_averages = True
        hh.check_finite(month)  # a NaN is an error here, never a status counted as a result


__all__ = ["GraduationModel", "ARM_NAMES", "MONTHLY_STEPS"]
