"""Remittances and cash at home: what agents cheapen and protect."""

import numpy as np
import pytest
from conftest import small

from pushpull_sim import GraduationModel


def pair(months=3):
    agent = {"type": "agent", "count": 2, "mobile": True, "operating_cost_usd_ppp_per_month": 0.0}
    with_agent = GraduationModel(small(programme={"interventions": []}, pull={"actors": [agent]}))
    without = GraduationModel(small(programme={"interventions": []}))
    for _ in range(months):
        with_agent.step()
        without.step()
    return with_agent, without


def test_remittances_arrive_net_of_the_channel_fee():
    m = GraduationModel(small(programme={"interventions": []}))
    m.step()
    hh = m.hh
    pop, lv = m.params.population, m.params.livelihood
    receivers = hh.remittance_gross > 0
    assert receivers.mean() == pytest.approx(pop.remittance_share, abs=0.05)
    np.testing.assert_allclose(
        hh.remittances[receivers],
        pop.remittance_usd_ppp_per_month * (1 - lv.transaction_cost_share),
    )
    assert np.abs(hh.accounting_residual()).max() < 1e-9


def test_an_agent_cheapens_remittances_and_keeps_cash_safe():
    on, off = pair()
    served = on.hh.agent >= 0
    receivers = served & (on.hh.remittance_gross > 0)
    assert served.all()  # mobile agents reach every household of their villages
    agent_rate = on.pull_actors[0].params.agent_transaction_cost_share
    np.testing.assert_allclose(
        on.hh.remittance_fees[receivers], on.hh.remittance_gross[receivers] * agent_rate
    )
    assert on.hh.remittances[receivers].sum() > off.hh.remittances[receivers].sum()
    # cash held through the agent is not lost; cash at home is
    assert on.hh.cash_losses.sum() == 0.0
    assert off.hh.cash_losses.sum() > 0.0
    fees = on.pull_records()["remittance_fees_usd_ppp"].sum()
    assert fees > 0  # the agent earns the (smaller) fee
