"""Household life stories: the event log.

An :class:`EventLog` follows every household through the months and keeps what happened
to it as *events*: selected for the programme or not (and why), a transfer received, a
savings group joined or left, a loan taken, repaid or defaulted on, a share-out, a link to
a buyer or an agent (and by whom: the programme's linkage or the actor's own choice), the
hand-over from push to pull, an illness, animals dying, a drought, a distress sale, the
extreme-poverty line crossed either way, graduation and falling back.

It is cheap enough to leave on. It is called once a month, at the record stage (step 9 of
:class:`~pushpull_sim.model.GraduationModel`), and derives the month's events by comparing
this month's household state and flows with last month's, vectorised; it never draws a
random number and never changes the model's state, so a run with the log on gives the same
numbers as one with it off. Events specific to a component (a savings group's loans, a
lender's) come from the component itself, through the contract's
:meth:`~pushpull_sim.components.Component.events` hook. Events are kept in a columnar
buffer (one chunk of numpy arrays per month, joined when read), never one Python
object per event; ``docs/performance.md`` quotes the cost.

Event kinds are declared once, in :data:`CORE_EVENT_KINDS` and in the components'
``event_kinds`` (:func:`event_kinds` merges them): name, the step of the month they
belong to, a group, a plain-words template, the unit of the value and the meaning of the
detail codes. ``pushpull story``, the dashboard, the notebooks and ``docs/reference.md``
read this one table.

The table (:meth:`EventLog.table`; ``events.parquet`` in a run directory adds
``replication``), one row per event, in month order and, within a month, in the order of
the monthly step:

=============== ========== ===========================================================
column          dtype      meaning
=============== ========== ===========================================================
``month``       int16      month of the event (0 = baseline survey, after targeting)
``household``   int32      household id (0 .. n - 1, as in ``households.parquet``)
``kind``        category   event kind (:func:`event_kinds`)
``value``       float32    the kind's number, in its ``unit`` (NaN where it has none)
``detail``      category   the kind's detail in words (``""`` where it has none)
``counterpart`` int32      the other party's id, where the kind has one (a savings group,
                           a buyer, an agent, a lender), else -1
=============== ========== ===========================================================

The log also keeps the monthly path of every household in the trial sample (eligible
at month 0: the poorest, whom the programme and the virtual trial are about;
:meth:`EventLog.paths_table`; ``paths.parquet`` in a run directory adds
``replication``), one row per month (0 to the horizon) and household, so a story can
show what the events did. Keeping only the sample bounds the memory: three float32 a
month per eligible household.

=================== ======= ===========================================================
column              dtype   meaning
=================== ======= ===========================================================
``month``           int16   month (0 = baseline survey)
``household``       int32   household id
``assets``          float32 productive assets at the end of the month, USD PPP
``savings``         float32 savings, cash and savings-group share, USD PPP
``consumption_ppd`` float32 consumption per adult equivalent per day, USD PPP
=================== ======= ===========================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pushpull_sim.households import TREATMENT
from pushpull_sim.kernels.recording import flag_changes

if TYPE_CHECKING:  # pragma: no cover
    from pushpull_sim.model import GraduationModel

#: Columns of the event table and their dtypes in the buffer.
COLUMNS: Mapping[str, type] = MappingProxyType(
    {
        "month": np.int16,
        "household": np.int32,
        "kind": np.int8,
        "value": np.float32,
        "detail": np.int16,
        "counterpart": np.int32,
    }
)

#: Columns of a household's monthly path (:meth:`EventLog.paths_table`), float32.
PATH_COLUMNS: tuple[str, ...] = ("assets", "savings", "consumption_ppd")

#: Groups of event kinds (the markers of a story's figure), in legend order.
GROUPS: tuple[str, ...] = ("programme", "savings group", "credit", "market", "shock", "status")


@dataclass(frozen=True)
class EventKind:
    """One kind of event, declared once.

    Attributes:
        stage: Step of the month it belongs to (the numbering of the
            :class:`~pushpull_sim.model.GraduationModel` docstring; 0 = month 0, after
            targeting). Events of a month are kept in step order.
        group: One of :data:`GROUPS`.
        label: Short name in words (legends, tables).
        template: The event in plain words, a ``str.format`` template of ``value``,
            ``detail`` (the detail's words) and ``counterpart`` (the other party's id).
        unit: Unit of the value ("" when the kind has no value).
        description: What the event means and when it is recorded.
        details: Words of each detail code (code = position); empty when the kind has
            no detail.
        counterpart: What the counterpart id is ("savings group", "buyer", ...); "" if none.
    """

    stage: int
    group: str
    label: str
    template: str
    unit: str
    description: str
    details: tuple[str, ...] = ()
    counterpart: str = ""

    def words(self, value: float, detail: int, counterpart: int) -> str:
        """The event in plain words.

        Args:
            value: The event's value (NaN where the kind has none).
            detail: Detail code (an index into :attr:`details`).
            counterpart: The other party's id (-1 = none).
        """
        text = self.details[detail] if 0 <= detail < len(self.details) else ""
        return self.template.format(value=value, detail=text, counterpart=counterpart)


@dataclass(frozen=True)
class EventBatch:
    """Events of one kind this month, for many households (what a component's
    :meth:`~pushpull_sim.components.Component.events` yields).

    Attributes:
        kind: A declared event kind (:func:`event_kinds`).
        ids: Household ids, int array of shape ``(k,)``.
        value: The kind's value, shape ``(k,)`` or one number for all (NaN = none).
        detail: Detail codes, shape ``(k,)`` or one code for all.
        counterpart: The other party's id, shape ``(k,)`` or one id for all (-1 = none).
    """

    kind: str
    ids: np.ndarray
    value: np.ndarray | float = np.nan
    detail: np.ndarray | int = 0
    counterpart: np.ndarray | int = -1


_BY_PROGRAMME = ("through the programme's linkage", "by its own choice")

#: Event kinds of the core model (components declare theirs in ``event_kinds``).
CORE_EVENT_KINDS: Mapping[str, EventKind] = MappingProxyType(
    {
        "baseline": EventKind(
            0,
            "status",
            "baseline survey",
            "baseline survey: consumption USD {value:.2f} a person (adult equivalent) a day, "
            "{detail}",
            "USD PPP per AE per day",
            "Every household's status at month 0: consumption per adult equivalent per day "
            "(the value), whether it is extreme poor and whether it meets every graduation "
            "criterion (the detail: code = extreme_poor + 2 x graduated).",
            (
                "above the extreme-poverty line",
                "below the extreme-poverty line",
                "above the extreme-poverty line, already meeting every graduation criterion",
                "below the extreme-poverty line, yet meeting every graduation criterion",
            ),
        ),
        "selected": EventKind(
            0,
            "programme",
            "selected",
            "selected for the programme: eligible, offered it, took it up and served within "
            "the budget (targeting score {value:.2f})",
            "targeting score (lower = poorer)",
            "A programme participant, at month 0: eligible under the targeting rule, "
            "randomised to the treatment arm, took it up and served within the budget "
            "(poorest targeting score first).",
        ),
        "not_selected": EventKind(
            0,
            "programme",
            "not selected",
            "not selected for the programme: {detail} (targeting score {value:.2f})",
            "targeting score (lower = poorer)",
            "Every household not served, at month 0, with the reason (the detail).",
            (
                "not eligible: the targeting rule counted it among the better-off",
                "eligible, but randomised to the control arm",
                "offered the programme, but did not take it up",
                "offered and willing, but the budget ran out before its turn (served from "
                "the poorest targeting score up)",
                "offered, but this scenario has no push support",
            ),
        ),
        "illness": EventKind(
            2,
            "shock",
            "illness",
            "illness: a household member fell ill (USD {value:,.0f} paid for care)",
            "USD PPP",
            "A member fell ill this month (income lost, a health cost); the value is the "
            "health cost the household paid.",
        ),
        "drought": EventKind(
            2,
            "shock",
            "drought",
            "a drought struck the region (lasting {value:.0f} months)",
            "months",
            "A drought started (or was extended by a scheduled one) in the household's "
            "region this month: lower yields, less casual work, lower asset prices. The "
            "value is the months it lasts from now.",
        ),
        "asset_deaths": EventKind(
            2,
            "shock",
            "animals died",
            "{detail}: USD {value:,.0f} of productive assets lost",
            "USD PPP",
            "Productive assets died (livestock) or were lost (enterprise stock, short-cycle "
            "products) this month, by ordinary mortality or in an outbreak (regional or "
            "scheduled); the value is the assets' worth lost. Detail code = asset kind + "
            "3 x (outbreak).",
            (
                "animals died",
                "enterprise stock was lost",
                "short-cycle stock was lost",
                "animals died in an outbreak",
                "enterprise stock was lost in an outbreak",
                "short-cycle stock was lost in an outbreak",
            ),
        ),
        "handed_over": EventKind(
            4,
            "programme",
            "handed over to pull",
            "handed over from push support to the market (programme month {value:.0f}), {detail}",
            "programme month",
            "The implementers handed the participant over from push to pull this month "
            "(the strategy's transition lever).",
            (
                "introduced to buyers, lenders and agents by the programme's linkage",
                "without an introduction to the pull side",
            ),
        ),
        "push_ended": EventKind(
            4,
            "programme",
            "push phase ended",
            "push support ended at the programme's fixed switch to pull",
            "",
            "A participant left the push phase without an individual hand-over (a fixed "
            "push-to-pull switch, on the calendar).",
        ),
        "linked_buyer": EventKind(
            4,
            "market",
            "linked to a buyer",
            "began selling to buyer {counterpart}, {detail}",
            "",
            "A buyer took the household on as a supplier this month; the detail says "
            "whether the programme's linkage had introduced it (``hh.linked``) or the "
            "buyer chose it on its own.",
            ("introduced through the programme's linkage", "chosen by the buyer on its own"),
            "buyer",
        ),
        "left_buyer": EventKind(
            4,
            "market",
            "dropped by a buyer",
            "stopped selling to buyer {counterpart}: {detail}",
            "",
            "The household stopped supplying its buyer this month.",
            (
                "the buyer dropped it (too little volume or margin)",
                "the buyer left the market",
            ),
            "buyer",
        ),
        "linked_agent": EventKind(
            4,
            "market",
            "reached by an agent",
            "reached by agent {counterpart} (cheaper inputs and money transfers), {detail}",
            "",
            "An agent began serving the household this month: registered by the programme's "
            "linkage, or within the agent's own footprint.",
            ("registered through the programme's linkage", "within the agent's own reach"),
            "agent",
        ),
        "left_agent": EventKind(
            4,
            "market",
            "agent gone",
            "agent {counterpart} no longer serves it (the agent left the market)",
            "",
            "The household's agent stopped serving it this month.",
            counterpart="agent",
        ),
        "distress_sale": EventKind(
            6,
            "shock",
            "distress sale",
            "sold productive assets in distress for USD {value:,.0f}",
            "USD PPP",
            "The household sold productive assets at a discount to keep consumption at "
            "its floor and pay for care; the value is the proceeds.",
        ),
        "left_extreme_poverty": EventKind(
            8,
            "status",
            "rose above the line",
            "rose above the extreme-poverty line (consumption USD {value:.2f} a person a day)",
            "USD PPP per AE per day",
            "Consumption per adult equivalent rose above the extreme-poverty line (or the "
            "seed's definition) this month.",
        ),
        "fell_into_extreme_poverty": EventKind(
            8,
            "status",
            "fell below the line",
            "fell below the extreme-poverty line (consumption USD {value:.2f} a person a day)",
            "USD PPP per AE per day",
            "Consumption per adult equivalent fell below the extreme-poverty line this month.",
        ),
        "graduated": EventKind(
            8,
            "status",
            "graduated",
            "graduated: met every graduation criterion ({detail})",
            "USD PPP per AE per day",
            "The household met every graduation criterion this month, having not met them "
            "last month; the value is its consumption per adult equivalent per day.",
            ("the first time", "again"),
        ),
        "fell_back": EventKind(
            8,
            "status",
            "fell back",
            "fell back: no longer meets every graduation criterion",
            "USD PPP per AE per day",
            "The household stopped meeting the graduation criteria this month; the value "
            "is its consumption per adult equivalent per day.",
        ),
    }
)


def event_kinds() -> Mapping[str, EventKind]:
    """Every declared event kind: the core's, then each registered component's (family
    by family, kinds sorted), in code order (a kind's code is its position).

    Raises:
        ValueError: If two declarations of one name differ.
    """
    global _KINDS
    if _KINDS is None:
        from pushpull_sim.components import components  # the registry imports components

        kinds = dict(CORE_EVENT_KINDS)
        for cls in components():
            for name, kind in cls.event_kinds.items():
                if name in kinds and kinds[name] != kind:
                    raise ValueError(
                        f"{cls.__qualname__}.event_kinds[{name!r}] differs from another "
                        "declaration of the same event kind"
                    )
                kinds[name] = kind
        if len(kinds) > np.iinfo(np.int8).max:
            raise ValueError(f"{len(kinds)} event kinds: at most 127 fit the log's code")
        _KINDS = MappingProxyType(kinds)
    return _KINDS


_KINDS: Mapping[str, EventKind] | None = None


def kind_codes() -> dict[str, int]:
    """``{kind name: code}`` (the code stored in the buffer)."""
    return {name: code for code, name in enumerate(event_kinds())}


class _Buffer:
    """Columnar storage: one chunk of arrays (one per column) per month, joined on
    demand; nothing is ever copied to grow it."""

    def __init__(self) -> None:
        self.chunks: dict[str, list[np.ndarray]] = {c: [] for c in COLUMNS}
        self.size = 0
        self._joined: dict[str, np.ndarray] | None = None

    def append(self, columns: Mapping[str, np.ndarray]) -> None:
        """Add one month's events (arrays of one length, :data:`COLUMNS` dtypes)."""
        for c, values in columns.items():
            self.chunks[c].append(values)
        self.size += len(columns["month"])
        self._joined = None

    def arrays(self) -> dict[str, np.ndarray]:
        if self._joined is None:
            self._joined = {
                c: np.concatenate(parts) if parts else np.zeros(0, COLUMNS[c])
                for c, parts in self.chunks.items()
            }
            self.chunks = {c: [a] for c, a in self._joined.items()}  # one chunk from now
        return self._joined

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for parts in self.chunks.values() for a in parts)


def _changes(before: np.ndarray, now: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Households whose flag (bool, shape ``(n,)``) was set last month and is clear now,
    and those clear last month and set now: two int64 arrays of ids, ascending
    (:func:`~pushpull_sim.kernels.recording.flag_changes`)."""
    cleared = np.empty(before.size, np.int64)
    entered = np.empty(before.size, np.int64)
    k0, k1 = flag_changes(before, now, cleared, entered)
    return cleared[:k0], entered[:k1]


def _stage(item: tuple) -> int:
    """The step of a queued batch (the sort key of a month's batches)."""
    return item[0]


#: The defaults of :class:`EventBatch` (a batch given these objects leaves the fill).
_NO_VALUE = EventBatch.value
_NO_DETAIL = EventBatch.detail
_NO_COUNTERPART = EventBatch.counterpart


class EventLog:
    """The event log of one model run (see the module docstring).

    Created by the model when its scenario's ``output.events`` is on (and it records);
    the model calls :meth:`start` at month 0, after targeting, and :meth:`record` at the
    end of every month after it.

    Args:
        model: The model whose households it follows.

    Attributes:
        kinds: The declared event kinds (:func:`event_kinds`).
        codes: ``{kind name: code}``.
    """

    def __init__(self, model: GraduationModel) -> None:
        self.kinds = event_kinds()
        self.codes = kind_codes()
        n = model.hh.n
        self._buffer = _Buffer()
        self._stages = {name: kind.stage for name, kind in self.kinds.items()}
        #: this month's queued batches: (step, code, ids, value, detail, counterpart)
        self._pending: list[tuple] = []
        # last month's state, to compare with this month's
        self._extreme_poor = np.zeros(n, bool)
        self._graduated = np.zeros(n, bool)
        self._ever_graduated = np.zeros(n, bool)
        self._in_push = np.ones(n, bool)
        self._buyer = np.full(n, -1, np.int32)
        self._agent = np.full(n, -1, np.int32)
        self._drought_left = np.zeros(model.n_regions, np.int32)
        # the monthly paths of the trial sample (eligible at month 0), month 0 to the
        # horizon: set at :meth:`start`, once targeting has run
        self._path_ids = np.zeros(0, np.int64)
        self._path_row = np.full(n, -1, np.int64)
        self._paths = np.zeros((len(PATH_COLUMNS), 0, 0), np.float32)
        self._horizon = model.horizon
        self._last_month = -1
        #: months of scheduled outbreaks (in other months only a regional one can strike)
        self._outbreak_months = frozenset(
            event.month for event in model.params.shocks.scheduled if event.type == "outbreak"
        )

    # ------------------------------------------------------------------ writing
    def add(self, batch: EventBatch) -> None:
        """Queue a batch for this month (kept in step order when the month closes).

        Raises:
            KeyError: If ``batch.kind`` is not a declared event kind.
        """
        if batch.kind not in self.codes:
            raise KeyError(
                f"event kind {batch.kind!r}: not declared (declared: {', '.join(self.codes)})"
            )
        if len(batch.ids):
            self._pending.append(
                (
                    self._stages[batch.kind],
                    self.codes[batch.kind],
                    batch.ids,
                    batch.value,
                    batch.detail,
                    batch.counterpart,
                )
            )

    def _put(
        self,
        kind: str,
        ids: np.ndarray,
        value: np.ndarray | float = _NO_VALUE,
        detail: np.ndarray | int = _NO_DETAIL,
        counterpart: np.ndarray | int = _NO_COUNTERPART,
    ) -> None:
        """Queue the log's own events of a declared kind, as :meth:`add` queues a batch
        (the same fields), without making an :class:`EventBatch` of them."""
        if ids.size:
            self._pending.append(
                (self._stages[kind], self.codes[kind], ids, value, detail, counterpart)
            )

    def _flush(self, month: int) -> None:
        """Write this month's queued batches as one chunk, in step order (stable within
        a step). The detail and counterpart columns start as their defaults, written
        over only by the batches that give their own."""
        pending = self._pending
        if not pending:
            return
        pending.sort(key=_stage)
        sizes = [len(item[2]) for item in pending]
        total = sum(sizes)
        household = np.empty(total, COLUMNS["household"])
        kind = np.empty(total, COLUMNS["kind"])
        value = np.empty(total, COLUMNS["value"])
        detail = np.full(total, _NO_DETAIL, COLUMNS["detail"])
        counterpart = np.full(total, _NO_COUNTERPART, COLUMNS["counterpart"])
        at = 0
        for (_, code, ids, values, details, counterparts), k in zip(pending, sizes, strict=True):
            end = at + k
            household[at:end] = ids
            kind[at:end] = code
            value[at:end] = values
            if details is not _NO_DETAIL:
                detail[at:end] = details
            if counterparts is not _NO_COUNTERPART:
                counterpart[at:end] = counterparts
            at = end
        self._buffer.append(
            {
                "month": np.full(total, month, COLUMNS["month"]),
                "household": household,
                "kind": kind,
                "value": value,
                "detail": detail,
                "counterpart": counterpart,
            }
        )
        pending.clear()

    def start(self, model: GraduationModel) -> None:
        """Month 0: every household's baseline status and whether it was selected (and
        if not, why); the trial sample whose monthly paths are kept."""
        hh = model.hh
        self._path_ids = np.flatnonzero(hh.eligible)
        self._path_row[self._path_ids] = np.arange(self._path_ids.size)
        shape = (len(PATH_COLUMNS), self._horizon + 1, self._path_ids.size)
        self._paths = np.full(shape, np.nan, np.float32)
        everyone = np.arange(hh.n)
        self.add(
            EventBatch(
                "baseline",
                everyone,
                hh.consumption_ppd,
                hh.extreme_poor.astype(np.int16) + 2 * hh.graduated.astype(np.int16),
            )
        )
        served = hh.participant
        self.add(EventBatch("selected", np.flatnonzero(served), hh.targeting_score[served]))
        treated = hh.arm == TREATMENT
        if model.interventions:
            offered = np.where(model.took_up, 3, 2)
        else:
            offered = np.full(hh.n, 4)
        reason = np.where(~hh.eligible, 0, np.where(treated, offered, 1))
        out = np.flatnonzero(~served)
        self.add(EventBatch("not_selected", out, hh.targeting_score[out], reason[out]))
        self._flush(model.month)
        self._remember(model)

    def record(self, model: GraduationModel) -> None:
        """This month's events: compare the households' state and flows with last
        month's, and ask every component in the market for its own."""
        hh, month = model.hh, model.month
        put = self._put
        # 2. shocks (``x.nonzero()[0]``: the ids of a flag, as np.flatnonzero)
        ill = hh.ill.nonzero()[0]
        put("illness", ill, hh.health_cost[ill])
        left = model.drought_months_left
        struck = left > self._drought_left  # started, or lengthened by a scheduled one
        if struck.any():
            ids = struck[hh.region].nonzero()[0]
            put("drought", ids, left[hh.region[ids]])
        lost = model.asset_deaths
        ids = (lost > 0).nonzero()[0]
        if ids.size:
            detail = hh.asset_kind[ids]
            if month in self._outbreak_months or model.outbreak.any():
                detail = detail + 3 * self._in_outbreak(model, ids)
            put("asset_deaths", ids, lost[ids], detail)
        # 4. hand-over, then the components (push deliveries, pull actors' decisions)
        handed = (model.handover_month == month).nonzero()[0]
        if handed.size:
            put("handed_over", handed, model.programme_month, ~hh.linked[handed])
        ended, _ = _changes(self._in_push, hh.in_push)
        ended = ended[hh.participant[ended]]
        if ended.size:
            ended = ended[model.handover_month[ended] != month]
            put("push_ended", ended)
        add = self.add
        for intervention in model.interventions:
            for batch in intervention.events(model):
                add(batch)
        # the pull actors' decisions come after push
        self._links(model, "buyer", hh.buyer, self._buyer)
        self._links(model, "agent", hh.agent, self._agent)
        for actor in model.pull_actors:
            for batch in actor.events(model):
                add(batch)
        # 6. distress sales
        sold = (hh.last_distress_month == month).nonzero()[0]
        put("distress_sale", sold, hh.asset_sale_proceeds[sold])
        # 8. status
        consumption = hh.consumption_ppd
        up, down = _changes(self._extreme_poor, hh.extreme_poor)
        put("left_extreme_poverty", up, consumption[up])
        put("fell_into_extreme_poverty", down, consumption[down])
        back, grad = _changes(self._graduated, hh.graduated)
        put("graduated", grad, consumption[grad], self._ever_graduated[grad])
        put("fell_back", back, consumption[back])
        self._flush(month)
        self._remember(model)

    def _links(self, model: GraduationModel, name: str, now: np.ndarray, before: np.ndarray):
        """Links to a buyer or an agent begun and ended this month."""
        changed = (now != before).nonzero()[0]
        if changed.size == 0:
            return
        ended = changed[before[changed] >= 0]
        if ended.size:
            gone = before[ended]
            if name == "buyer":
                # whether each lost buyer has left the market: its id is no active
                # actor's (a lookup by id, as np.isin over the active ids)
                active = [a.unique_id for a in model.pull_actors if a.active]
                active_ids = np.array([i for i in active if i >= 0], np.int64)
                top = int(gone.max()) + 1
                in_market = np.zeros(top, bool)
                in_market[active_ids[active_ids < top]] = True
                self._put("left_buyer", ended, np.nan, ~in_market[gone], gone)
            else:
                self._put("left_agent", ended, np.nan, 0, gone)
        begun = changed[now[changed] >= 0]
        if begun.size:
            self._put(f"linked_{name}", begun, np.nan, ~model.hh.linked[begun], now[begun])

    def _in_outbreak(self, model: GraduationModel, ids: np.ndarray) -> np.ndarray:
        """Whether the households ``ids`` lost assets in an outbreak this month (regional
        or scheduled), bool, shape ``(k,)``."""
        hh = model.hh
        hit = model.outbreak[hh.region[ids]] & model.tech.outbreak_exposed[ids]
        for event in model.params.shocks.scheduled:
            if event.type == "outbreak" and event.month == model.month:
                hit |= model._struck(event)[ids]
        return hit

    def _remember(self, model: GraduationModel) -> None:
        hh = model.hh
        month = model.month
        if 0 <= month < self._paths.shape[1]:
            ids, path = self._path_ids, self._paths[:, month]
            path[0] = hh.assets[ids]
            path[1] = hh.savings[ids] + hh.vsla_share[ids]
            path[2] = hh.consumption_ppd[ids]
            self._last_month = month
        np.copyto(self._extreme_poor, hh.extreme_poor)
        np.copyto(self._graduated, hh.graduated)
        self._ever_graduated |= hh.graduated
        np.copyto(self._in_push, hh.in_push)
        np.copyto(self._buyer, hh.buyer)
        np.copyto(self._agent, hh.agent)
        np.copyto(self._drought_left, model.drought_months_left)

    # ------------------------------------------------------------------ reading
    def __len__(self) -> int:
        return self._buffer.size

    @property
    def nbytes(self) -> int:
        """Memory the log holds: its events and the trial sample's paths, bytes."""
        return self._buffer.nbytes + self._paths.nbytes

    def arrays(self) -> dict[str, np.ndarray]:
        """The events as columns (:data:`COLUMNS` dtypes), shape ``(events,)``: ``kind``
        and ``detail`` are codes."""
        return self._buffer.arrays()

    def table(self) -> pd.DataFrame:
        """The events, one row per event (the module docstring's columns)."""
        return events_table(self.arrays())

    def path(self, i: int) -> pd.DataFrame:
        """One household's monthly path so far: :data:`PATH_COLUMNS` by ``month``; no
        rows for a household outside the trial sample (not eligible at month 0).

        Args:
            i: Household id.
        """
        row = self._path_row[i]
        months = np.arange(self._last_month + 1 if row >= 0 else 0)
        columns = {c: self._paths[k, months, row] for k, c in enumerate(PATH_COLUMNS)}
        return pd.DataFrame({"month": months.astype(np.int16), **columns})

    def paths_table(self) -> pd.DataFrame:
        """The trial sample's monthly paths so far, one row per month x household (the
        module docstring's columns), in month order."""
        months, n = self._last_month + 1, self._path_ids.size
        return pd.DataFrame(
            {
                "month": np.repeat(np.arange(months, dtype=np.int16), n),
                "household": np.tile(self._path_ids.astype(np.int32), months),
                **{c: self._paths[k, :months].ravel() for k, c in enumerate(PATH_COLUMNS)},
            }
        )

    def household(self, i: int) -> pd.DataFrame:
        """One household's events (:meth:`table`'s columns plus ``text``, the event in
        plain words), in order."""
        a = self.arrays()
        rows = np.flatnonzero(a["household"] == i)
        table = events_table({c: v[rows] for c, v in a.items()})
        return with_words(table)


def events_table(arrays: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """Columns of codes as a table: ``kind`` a categorical of the kind names, ``detail``
    a categorical of the detail's words ("" where none).

    Args:
        arrays: The columns of :data:`COLUMNS`, each of shape ``(events,)``.

    Returns:
        pandas.DataFrame: The module docstring's columns.
    """
    kinds = event_kinds()
    names = list(kinds)
    code = np.asarray(arrays["kind"], np.int64)
    detail = np.asarray(arrays["detail"], np.int64)
    # the detail's words: one vocabulary over every kind's details
    vocabulary = [""] + sorted({w for k in kinds.values() for w in k.details})
    index = {w: j for j, w in enumerate(vocabulary)}
    lookup = np.zeros((len(names), 1 + max((len(k.details) for k in kinds.values()), default=0)))
    lookup = lookup.astype(np.int32)
    for c, kind in enumerate(kinds.values()):
        for d, words in enumerate(kind.details):
            lookup[c, d] = index[words]
    safe = np.clip(detail, 0, lookup.shape[1] - 1)
    detail_words = np.where(detail == safe, lookup[code, safe], 0) if code.size else code
    return pd.DataFrame(
        {
            "month": np.asarray(arrays["month"], np.int16),
            "household": np.asarray(arrays["household"], np.int32),
            "kind": pd.Categorical.from_codes(code, names),
            "value": np.asarray(arrays["value"], np.float32),
            "detail": pd.Categorical.from_codes(detail_words, vocabulary),
            "counterpart": np.asarray(arrays["counterpart"], np.int32),
        }
    )


def with_words(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with a ``text`` column: each event in plain words (the kind's template).

    Args:
        table: Rows of :func:`events_table` (``kind`` and ``detail`` as names or words).
    """
    kinds = event_kinds()
    texts = []
    for kind, value, detail, counterpart in zip(
        table["kind"].astype(str),
        table["value"].astype(float),
        table["detail"].astype(str),
        table["counterpart"].astype(int),
        strict=True,
    ):
        k = kinds[kind]
        code = k.details.index(detail) if detail in k.details else -1
        texts.append(k.words(value, code, counterpart))
    out = table.reset_index(drop=True).copy()
    out["text"] = texts
    return out


__all__ = [
    "COLUMNS",
    "CORE_EVENT_KINDS",
    "GROUPS",
    "PATH_COLUMNS",
    "EventBatch",
    "EventKind",
    "EventLog",
    "event_kinds",
    "events_table",
    "kind_codes",
    "with_words",
]
