"""Agents (placement, footprint, cheaper trade, commissions) and the pull implementer."""

import numpy as np
import pytest
from conftest import small

from pushpull_sim import GraduationModel
from pushpull_sim.pull.agents import ServiceAgent
from pushpull_sim.pull.implementer import PullImplementer
from pushpull_sim.scenario import ScenarioError, scenario_from_dict


def with_actors(*actors, months=24, interventions=None):
    programme = {} if interventions is None else {"interventions": list(interventions)}
    return small(run={"months": months}, programme=programme, pull={"actors": list(actors)})


def test_agent_footprint_pays_less_to_trade_and_buys_inputs_more_cheaply():
    agent = {"type": "agent", "count": 4, "operating_cost_usd_ppp_per_month": 0.0}
    on = GraduationModel(with_actors(agent, months=3))
    off = GraduationModel(with_actors(months=3))
    on.step()
    off.step()
    a: ServiceAgent = on.pull_actors[0]
    fp = np.zeros(on.hh.n, bool)
    for actor in on.pull_actors:
        fp |= actor.in_footprint(on)
    assert 0 < fp.sum() < on.hh.n
    base = on.params.livelihood.transaction_cost_share
    np.testing.assert_allclose(on.hh.transaction_cost[fp], a.params.agent_transaction_cost_share)
    np.testing.assert_allclose(on.hh.transaction_cost[~fp], base)
    np.testing.assert_allclose(off.hh.transaction_cost, base)
    assert (on.hh.agent[fp] >= 0).all() and (on.hh.agent[~fp] == -1).all()
    # same seed, same month-1 assets: the bill per unit of input use is lower by the
    # ratio of the prices paid (1 + transaction cost)
    buy = fp & (on.hh.input_cost > 0) & (off.hh.input_cost > 0)
    assert buy.sum() >= 5
    per_unit_on = on.hh.input_cost[buy] / on.hh.input_use[buy]
    per_unit_off = off.hh.input_cost[buy] / off.hh.input_use[buy]
    np.testing.assert_allclose(per_unit_on / per_unit_off, 1.01 / (1 + base))
    assert (on.hh.input_use[buy] >= off.hh.input_use[buy] - 1e-12).all()
    # commissions on the footprint's inputs plus a fee per client
    rec = on.pull_records().iloc[0]
    clients = a.in_footprint(on) & (on.hh.input_cost > 0)
    expected = a.params.commission_rate * on.hh.input_cost[clients].sum()
    expected += a.params.commission_per_client_usd_ppp * clients.sum()
    expected += on.hh.remittance_fees[
        a.reach_mask if not a.params.mobile else np.isin(on.hh.village, a.villages)
    ].sum()
    assert rec["remittance_fees_usd_ppp"] > 0  # remittances sent through the agent
    assert rec["revenue_usd_ppp"] == pytest.approx(expected)
    assert rec["clients"] == clients.sum()
    assert np.abs(on.hh.accounting_residual()).max() < 1e-8


def coverage(model):
    hh = model.hh
    fp = np.zeros(hh.n, bool)
    for a in model.pull_actors:
        fp |= a.in_footprint(model)
    return (fp & hh.eligible).sum() / hh.eligible.sum(), fp.mean()


def test_network_placement_reaches_more_of_the_very_poor_and_mobile_widens_the_footprint():
    def build(**kw):
        return GraduationModel(with_actors({"type": "agent", "count": 4, **kw}, months=1))

    commercial, _ = coverage(build(placement="commercial"))
    network, share = coverage(build(placement="network"))
    wider, _ = coverage(build(placement="network", reach=2))
    mobile, mobile_share = coverage(build(placement="commercial", mobile=True))
    assert commercial < 0.1  # the rich hub's reach holds few of the very poor
    assert network > commercial + 0.15
    assert wider > network
    assert mobile == 1.0 and mobile_share == 1.0 and share < 0.2


def test_agents_survive_while_the_grant_lasts_and_exit_after_the_implementer_withdraws():
    agent = {
        "type": "agent",
        "count": 4,
        "placement": "network",  # small commissions: unviable alone
        "operating_cost_usd_ppp_per_month": 30.0,
        "exit_after_loss_months": 6,
    }
    project = {"type": "implementer", "start_month": 0, "end_month": 12}
    granted = GraduationModel(with_actors(project, agent, months=24)).run()
    alone = GraduationModel(with_actors(agent, months=24)).run()
    agents = [a for a in granted.pull_actors if a.kind == "agent"]
    assert all(a.exited_month == 18 for a in agents)  # 6 loss months after month 12
    assert all(a.exited_month == 6 for a in alone.pull_actors)
    books = granted.pull_records().query("kind == 'agent'")
    assert (books.query("month <= 12")["grant_usd_ppp"] == 100.0).all()
    assert (books.query("month > 12")["grant_usd_ppp"] == 0.0).all()
    assert (books.query("month <= 12")["profit_usd_ppp"] > 0).all()
    # after exit the households lose the link and pay the base transaction cost again
    assert (granted.hh.agent == -1).all()
    base = granted.params.livelihood.transaction_cost_share
    np.testing.assert_allclose(granted.hh.transaction_cost, base)


def test_implementer_spending_stays_within_budget_and_stops_after_its_window():
    agent = {"type": "agent", "count": 4, "operating_cost_usd_ppp_per_month": 0.0}
    tight = GraduationModel(
        with_actors({"type": "implementer", "budget_usd_ppp": 500.0}, agent, months=6)
    ).run()
    imp: PullImplementer = tight.pull_actors[0]
    assert imp.spending == {1: pytest.approx(400.0), 2: pytest.approx(100.0)}
    assert imp.spent_usd_ppp == pytest.approx(500.0)
    assert all(a.support == {} for a in tight.pull_actors[1:])
    assert tight.costs["pull_implementer"].sum() == pytest.approx(500.0)

    short = {"type": "implementer", "end_month": 5, "budget_usd_ppp": 1e6}
    m = GraduationModel(with_actors(short, agent, months=12)).run()
    imp = m.pull_actors[0]
    assert sorted(imp.spending) == [1, 2, 3, 4, 5]
    assert imp.spent_usd_ppp == pytest.approx(5 * 4 * 100.0)
    books = m.pull_records().query("kind == 'implementer'")
    assert (books.query("month > 5")["cost_usd_ppp"] == 0).all()
    assert books["revenue_usd_ppp"].sum() == 0 and books["active"].all()
    assert imp.start_month == m.params.programme.start_month


def test_a_guarantee_lowers_the_hurdle_for_the_very_poor():
    lender = {
        "type": "lender",
        "count": 2,
        "expected_default_rate": 0.07,
        "min_assets_usd_ppp": 50.0,
        "application_prob_monthly": 0.1,
    }

    def very_poor_borrowers(share):
        project = {"type": "implementer", "lender_guarantee_share": share}
        m = GraduationModel(with_actors(project, lender, interventions=())).run()
        lenders = m.pull_actors[1:]
        borrowed = np.logical_or.reduce([a.ever_borrowed for a in lenders])
        hurdle = lenders[0].minimum_profitable_loan()
        assert lenders[0].minimum_profitable_loan(share) <= hurdle
        return borrowed[m.hh.eligible].sum(), borrowed[~m.hh.eligible].sum()

    poor_without, rest_without = very_poor_borrowers(0.0)
    poor_with, rest_with = very_poor_borrowers(0.8)
    assert poor_with >= poor_without + 8
    assert abs(rest_with - rest_without) <= 3  # only the very poor's hurdle changes


@pytest.mark.parametrize(
    ("actor", "message"),
    [
        ({"type": "agent", "placement": "anywhere"}, r"^<dict>: pull\.actors\[0\]\.placement = "),
        ({"type": "agent", "reach": -1}, r"^<dict>: pull\.actors\[0\]\.reach = -1"),
        ({"type": "implementer", "kpi_volume_weight": 1.5}, r"kpi_volume_weight = 1\.5"),
        ({"type": "implementer", "exit_after_loss_months": 3}, r"exit_after_loss_months = 3"),
        (
            {"type": "implementer", "start_month": 10, "end_month": 4},
            r"^<dict>: pull\.actors\[0\]\.end_month = 4: must be >= start_month \(10\)",
        ),
    ],
)
def test_bad_parameters_are_one_line_errors(actor, message):
    with pytest.raises(ScenarioError, match=message) as info:
        scenario_from_dict({"pull": {"actors": [actor]}})
    assert "\n" not in str(info.value)
    assert str(info.value).count("pull.actors[0].") == 1
