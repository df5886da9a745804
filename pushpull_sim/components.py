"""One contract for every component: push interventions, pull actors and targeting rules.

A component is one class in one file of its family's package. It declares:

* ``kind``: its registry key, the ``type`` scenario files use (``type = "lender"``; for a
  targeting rule, the value of ``programme.targeting``);
* ``family``: ``"intervention"``, ``"pull_actor"`` or ``"targeting"`` (set by the
  family's base class: :class:`~pushpull_sim.interventions.base.Intervention`,
  :class:`~pushpull_sim.pull.base.PullActor`,
  :class:`~pushpull_sim.targeting.base.TargetingRule`);
* ``Params``: its parameters, a pydantic model (unknown keys and out-of-range values are
  errors; every default names its source or says "assumption");
* ``states``: the household arrays it owns, ``{name: State}``; the model attaches every
  registered component's states to :class:`~pushpull_sim.households.Households` at
  set-up, so code that reads them finds a default array when the component is absent;
* ``reporters``: columns it adds to the monthly aggregates, ``{name: Reporter}``,
  recorded by :class:`~pushpull_sim.recording.Recorder` for every arm;
* lifecycle hooks, each called by the model in the order of
  :class:`~pushpull_sim.model.GraduationModel`'s docstring: :meth:`Component.setup`,
  the family's monthly action (an intervention's ``step``, a pull actor's ``decide``),
  :meth:`Component.after_production`, :meth:`Component.payments_due` (what households
  set aside for it before they spend), :meth:`Component.after_consumption`,
  :meth:`Component.settle`, :meth:`Component.finalize`;
* ``event_kinds``: the kinds of household event it reports, ``{name: EventKind}``
  (:mod:`pushpull_sim.events`), and the optional :meth:`Component.events` hook that
  reports them once a month to the household event log;
* its own random stream, ``self.rng``: the model's named stream
  :meth:`Component.stream_name` (``"push.<kind>"``, ``"pull.<kind>"``, ``"targeting"``),
  so adding a component never shifts another's draws.

Components talk to each other through named methods of their family's base class (a
savings group offers a credit record, a pull actor states the support terms it accepts),
never through type strings or ``getattr``.

Defining a subclass with a ``kind`` registers it (``__init_subclass__``). The registry of
a family is filled by importing every module of the family's package
(:data:`FAMILIES`), so a new file in ``pushpull_sim/interventions/`` is all a new
intervention needs to appear in scenario files, sweeps, ``pushpull interventions``, the
generated documentation and the contract tests.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:  # pragma: no cover
    from pushpull_sim.events import EventBatch, EventKind
    from pushpull_sim.households import Households
    from pushpull_sim.model import GraduationModel
    from pushpull_sim.rng import RandomStreams
    from pushpull_sim.scenario import Scenario

#: The component families and the package each family's modules live in.
FAMILIES: Mapping[str, str] = MappingProxyType(
    {
        "intervention": "pushpull_sim.interventions",
        "pull_actor": "pushpull_sim.pull",
        "targeting": "pushpull_sim.targeting",
    }
)


@dataclass(frozen=True)
class State:
    """A household array a component owns (Starsim's ``define_states``).

    Attributes:
        dtype: numpy dtype of the array, e.g. ``np.float64``, ``np.int32``, ``bool``.
        fill: Value every household starts with (and keeps while no component sets it).
        unit: Unit, e.g. ``"USD PPP"``, ``"share 0-1"``, ``"actor id (-1 = none)"``.
        description: What the value means.
    """

    dtype: Any
    fill: Any
    unit: str
    description: str

    def allocate(self, n: int) -> np.ndarray:
        """A fresh array of shape ``(n,)`` filled with :attr:`fill`."""
        return np.full(n, self.fill, self.dtype)


@dataclass(frozen=True)
class Reporter:
    """A column of the monthly aggregates, computed for every arm.

    A mean reporter's value is the arm's mean of ``fn(hh)``; a ratio reporter (with a
    ``denominator``) is ``sum(fn(hh)) / sum(denominator(hh))`` within the arm (NaN where
    the denominator sums to 0).

    Attributes:
        fn: Function of the :class:`~pushpull_sim.households.Households` returning an
            array of shape ``(n,)`` (bool or float).
        unit: Unit of the column, e.g. ``"share"``, ``"USD PPP"``.
        description: What the column means.
        denominator: For a ratio reporter, the denominator's function; None for a mean.
        after: The column this one follows (only to keep an established column order);
            None appends it after the other columns of its kind.
    """

    fn: Callable[[Households], np.ndarray]
    unit: str
    description: str
    denominator: Callable[[Households], np.ndarray] | None = None
    after: str | None = None


class ComponentParams(BaseModel):
    """Base of every component's parameters: unknown keys are errors, values are strict,
    and a scenario's parameters are frozen once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


_REGISTRY: dict[str, dict[str, type[Component]]] = {family: {} for family in FAMILIES}
_DISCOVERED: set[str] = set()


class Component:
    """Base class of every component (see the module docstring for the contract).

    Subclasses set :attr:`kind`, :attr:`Params` and, if they own household state or add
    output columns, :attr:`states` and :attr:`reporters`; the family's base class sets
    :attr:`family`. Every hook is a no-op unless overridden.
    """

    #: Registry key and the ``type`` used in scenario files ("" = an abstract base).
    kind: ClassVar[str] = ""
    #: ``"intervention"``, ``"pull_actor"`` or ``"targeting"``.
    family: ClassVar[str] = ""
    #: The component's parameters (pydantic).
    Params: ClassVar[type[BaseModel]] = ComponentParams
    #: Household arrays the component owns: ``{name: State}``.
    states: ClassVar[Mapping[str, State]] = MappingProxyType({})
    #: Columns the component adds to the monthly aggregates: ``{name: Reporter}``.
    reporters: ClassVar[Mapping[str, Reporter]] = MappingProxyType({})
    #: Kinds of household event the component reports (:meth:`events`):
    #: ``{name: EventKind}`` (:class:`pushpull_sim.events.EventKind`).
    event_kinds: ClassVar[Mapping[str, EventKind]] = MappingProxyType({})

    _rng: np.random.Generator | None = None
    _streams: RandomStreams | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("kind"):  # a concrete component: one registry entry per kind
            _register(cls)

    # -- randomness ------------------------------------------------------------------------
    @classmethod
    def stream_name(cls) -> str:
        """Name of the model's random stream this component draws from."""
        raise NotImplementedError

    @property
    def rng(self) -> np.random.Generator:
        """The component's own random stream (for a pull actor, this replaces
        ``mesa.Agent.rng``, which is the model's generator)."""
        if self._rng is None:
            if self._streams is None:
                raise RuntimeError(f"{type(self).__name__}: no random stream attached")
            self._rng = self._streams.get(self.stream_name())
        return self._rng

    @rng.setter
    def rng(self, generator: np.random.Generator) -> None:
        self._rng = generator

    def use_stream(self, streams: RandomStreams) -> None:
        """Attach the generator of :meth:`stream_name` from the model's streams. It is
        made at the component's first draw (the same generator whenever it is made: each
        stream depends on its name alone), so a component that never draws, as most
        interventions, costs no generator."""
        self._streams = streams
        self._rng = None

    # -- declarations ----------------------------------------------------------------------
    @classmethod
    def describe(cls) -> str:
        """The first paragraph of the class docstring, on one line."""
        return " ".join((cls.__doc__ or "").strip().split("\n\n")[0].split())

    @classmethod
    def default_params(cls) -> BaseModel:
        """The parameters with every default (``type`` set where the family has one)."""
        if "type" in cls.Params.model_fields:
            return cls.Params.model_validate({"type": cls.kind})
        return cls.Params.model_validate({})

    @classmethod
    def apply_levers(
        cls,
        params: BaseModel,
        levers: Mapping[str, Any],
        *,
        budget_usd_ppp: float | None,
        peers: int,
    ) -> dict[str, Any]:
        """Parameter updates the strategy's levers make to this component.

        Args:
            params: This component's validated parameters.
            levers: The scenario's resolved lever values
                (:attr:`pushpull_sim.scenario.Scenario.levers`).
            budget_usd_ppp: The programme's total budget (None = no limit).
            peers: Components of this kind in the scenario (this one included).

        Returns:
            dict: ``{parameter: new value}``; empty (the default) when no lever applies.
        """
        return {}

    @classmethod
    def check_scenario(cls, params: BaseModel, scenario: Scenario) -> str | None:
        """A check of this component's parameters against the rest of the scenario.

        Returns:
            str | None: One line naming the key, the value and what is allowed, or None
            when the parameters fit (the default).
        """
        return None

    # -- lifecycle (the model calls every hook; each is a no-op unless overridden) ---------
    def setup(self, model: GraduationModel) -> None:
        """Prepare once, after targeting and before the first programme month."""

    def after_production(self, model: GraduationModel) -> None:
        """Act on the month's production, before households spend."""

    def payments_due(self, model: GraduationModel) -> np.ndarray | None:
        """What each household owes this component this month (a loan's instalment and
        interest), which it sets aside before it spends: households protect subsistence
        first, then their debt service, then spend and invest (borrowers repay from
        income, as microfinance repayment rates of 95 % and more show; Banerjee, Karlan &
        Zinman 2015, AEJ: Applied 7(1)). Called after production, before consumption.

        Returns:
            numpy.ndarray | None: USD PPP per household, shape ``(n,)``, or None when
            nothing is due (the default).
        """
        return None

    def after_consumption(self, model: GraduationModel) -> None:
        """Act after the month's consumption, saving and investment."""

    def settle(self, model: GraduationModel) -> None:
        """Collect what is due and close the month's books."""

    def finalize(self, model: GraduationModel) -> None:
        """Close the books at the end of the run."""

    # -- the household event log (optional) -----------------------------------------------
    def events(self, model: GraduationModel) -> Iterable[EventBatch]:
        """This month's household events of this component, for the event log.

        Called once a month at the record stage, only while the log is on, on every
        component in the market. It reads the component's state (comparing it with what
        it kept last month, if it needs to) and must neither draw random numbers nor
        change anything the model reads, so the log never changes a run's numbers.

        Returns:
            Iterable[EventBatch]: Batches of the kinds in :attr:`event_kinds` (none by
            default).
        """
        return ()


def _register(cls: type[Component]) -> None:
    if cls.family not in _REGISTRY:
        raise TypeError(
            f"{cls.__qualname__}.family = {cls.family!r}: must be one of {', '.join(FAMILIES)}"
        )
    known = _REGISTRY[cls.family].get(cls.kind)
    same = known is not None and (known.__module__, known.__qualname__) == (
        cls.__module__,
        cls.__qualname__,
    )
    if known is not None and not same:
        raise ValueError(
            f"{cls.family} type {cls.kind!r} is already registered by "
            f"{known.__module__}.{known.__qualname__}"
        )
    for name, state in cls.states.items():  # one declaration per household array
        for other in (c for reg in _REGISTRY.values() for c in reg.values()):
            theirs = other.states.get(name)
            if other is not known and theirs is not None and theirs != state:
                raise ValueError(
                    f"{cls.__qualname__}.states[{name!r}] differs from "
                    f"{other.__qualname__}'s declaration of the same household array"
                )
    _REGISTRY[cls.family][cls.kind] = cls


def discover(family: str) -> None:
    """Import every module of a family's package, so each component in it registers.

    Raises:
        KeyError: If ``family`` is not a key of :data:`FAMILIES`.
    """
    if family in _DISCOVERED:
        return
    package = importlib.import_module(FAMILIES[family])
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")
    _DISCOVERED.add(family)


def registry(family: str) -> Mapping[str, type[Component]]:
    """The registered components of a family, by kind (sorted).

    Args:
        family: A key of :data:`FAMILIES`.

    Returns:
        Mapping: ``{kind: component class}``, read-only.
    """
    discover(family)
    reg = _REGISTRY[family]
    return MappingProxyType({kind: reg[kind] for kind in sorted(reg)})


def components() -> Iterator[type[Component]]:
    """Every registered component class, family by family (as :data:`FAMILIES`), each
    family's kinds in sorted order."""
    for family in FAMILIES:
        yield from registry(family).values()


def household_states() -> dict[str, State]:
    """Every household array a registered component declares: ``{name: State}``."""
    out: dict[str, State] = {}
    for cls in components():
        out.update(cls.states)
    return out


class RegistryView(Mapping):
    """A live, read-only view of one family's registry (discovers it on first use)."""

    def __init__(self, family: str) -> None:
        if family not in FAMILIES:
            raise KeyError(f"family {family!r}: must be one of {', '.join(FAMILIES)}")
        self.family = family

    def __getitem__(self, kind: str) -> type[Component]:
        return registry(self.family)[kind]

    def __iter__(self) -> Iterator[str]:
        return iter(registry(self.family))

    def __len__(self) -> int:
        return len(registry(self.family))

    def __repr__(self) -> str:
        return f"RegistryView({self.family!r}: {', '.join(self)})"
