"""Proxy means test: the poorest ``round(share * n)`` households by a noisy score."""

from __future__ import annotations

from pushpull_sim.targeting.base import (
    TargetingInputs,
    TargetingResult,
    TargetingRule,
    _pmt_score,
    _result,
    poorest,
)


class ProxyMeansTest(TargetingRule):
    """Proxy means test: the poorest households by a noisy score of what an enumerator
    observes (productive assets, cash savings and a year's earned income per adult
    equivalent), ranked across the whole population.

    Score: ``log(1 + (assets + savings + 12 x monthly income) / size_ae) + noise_sd x N(0, 1)``
    with ``noise_sd`` the scenario's ``programme.pmt_noise_sd`` (PMTs misclassify many;
    Brown, Ravallion & van de Walle 2018). The result's ``score`` is the PMT score; no
    details.
    """

    kind = "pmt"

    def choose(self, inputs: TargetingInputs, share: float, noise_sd: float) -> TargetingResult:
        rng = self.rng
        score = _pmt_score(inputs, noise_sd, rng)
        eligible = poorest(score, share, rng)
        return _result(score, eligible, inputs, share, rng)
