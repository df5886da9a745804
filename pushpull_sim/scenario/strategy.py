"""The scenario's ``[strategy]`` table, generated from the lever declarations
(:data:`pushpull_sim.levers.LEVERS`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, create_model

from pushpull_sim.levers import BUNDLES, LEVERS
from pushpull_sim.levers import resolve as resolve_levers
from pushpull_sim.scenario.groups import _Group


class _StrategyTable(_Group):
    """How push and pull are integrated: a named bundle of disconnect levers.

    ``name`` picks a bundle of :data:`pushpull_sim.levers.STRATEGIES` (``custom``, the
    default, leaves every component exactly as written); any other key set here overrides
    that lever of the bundle. Unset keys (None) take the bundle's value; the resolved
    values are :attr:`Scenario.levers`. Every key after ``name`` is declared in
    :data:`pushpull_sim.levers.LEVERS` (with the table of mechanisms and levers); every
    bundle value is an Assumption.
    """

    def resolved(self) -> dict[str, Any]:
        """Every lever's value: the bundle's, overridden by the keys set here.

        Returns:
            dict: ``{lever: value}``, keys of :data:`pushpull_sim.levers.CUSTOM` plus
            the settings (costs and the readiness rule); see
            :func:`pushpull_sim.levers.resolve`.
        """
        return resolve_levers(self.model_dump())


#: The ``[strategy]`` table: ``name`` and one field per entry of
#: :data:`pushpull_sim.levers.LEVERS`, generated from those declarations.
Strategy = create_model(
    "Strategy",
    __base__=_StrategyTable,
    __module__=__name__,
    __doc__=_StrategyTable.__doc__,
    name=(
        Literal[BUNDLES],  # type: ignore[valid-type]
        Field(
            "custom",
            description="Strategy bundle: custom (components as written), none, push_only, "
            "pull_only, siloed, sequenced or layered. Assumption: custom.",
        ),
    ),
    **{lever.name: lever.field() for lever in LEVERS},
)
