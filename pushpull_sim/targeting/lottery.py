"""A lottery: the benchmark any targeting rule must beat."""

from __future__ import annotations

from pushpull_sim.targeting.base import (
    TargetingInputs,
    TargetingResult,
    TargetingRule,
    _result,
    poorest,
)


class Lottery(TargetingRule):
    """Lottery: ``round(share * n)`` households drawn at random (the benchmark).

    Expected inclusion and exclusion errors are ``1 - share``. The result's ``score`` is
    the lottery draw (uniform on [0, 1)); ``noise_sd`` is not used.
    """

    kind = "random"

    def choose(self, inputs: TargetingInputs, share: float, noise_sd: float) -> TargetingResult:
        rng = self.rng
        score = rng.random(inputs.n)
        eligible = poorest(score, share, rng)
        return _result(score, eligible, inputs, share, rng)
