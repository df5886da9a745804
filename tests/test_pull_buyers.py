"""Buyers: supplier choice, the premium, minimum volumes and producer groups, books, exit."""

import numpy as np
import pytest
from conftest import small

from pushpull_sim import GraduationModel
from pushpull_sim.pull.buyers import Buyer
from pushpull_sim.scenario import ScenarioError, scenario_from_dict


def buying(months=12, interventions=(), livelihood=None, **buyer):
    return small(
        run={"months": months},
        programme={"interventions": list(interventions)},
        pull={"actors": [{"type": "buyer", **buyer}]},
        **({"livelihood": livelihood} if livelihood else {}),
    )


def very_poor_share(model):
    b: Buyer = model.pull_actors[0]
    assert b.ever_supplied.sum() >= 10
    return model.hh.eligible[b.ever_supplied].mean()


def test_a_commercial_buyer_sources_from_the_less_poor_unless_levers_change_it():
    commercial = GraduationModel(buying()).run()
    population = commercial.hh.eligible.mean()
    share = very_poor_share(commercial)
    assert share < 0.4 * population
    inclusive = GraduationModel(
        buying(kpi_volume_weight=0.0, inclusion_bonus_usd_ppp=5.0, min_volume_usd_ppp=2.0)
    ).run()
    assert very_poor_share(inclusive) > share + 0.5
    supported = GraduationModel(buying())
    supported.pull_actors[0].support = {"risk_share_usd_ppp": 20.0}
    supported.run()
    assert very_poor_share(supported) > max(4 * share, share + 0.05)
    books = supported.pull_records()
    assert books["risk_share_usd_ppp"].sum() == pytest.approx(
        20.0 * books["suppliers_very_poor"].sum()
    )
    # the facilitator's weight overrides the buyer's own
    overridden = GraduationModel(buying(inclusion_bonus_usd_ppp=5.0, min_volume_usd_ppp=2.0))
    overridden.pull_actors[0].support = {"kpi_volume_weight": 0.0}
    overridden.run()
    assert very_poor_share(overridden) == pytest.approx(very_poor_share(inclusive))


def test_suppliers_earn_the_premium_net_of_the_transaction_cost():
    with_buyer = GraduationModel(buying(months=1))
    without = GraduationModel(buying(months=1).with_overrides(pull={"actors": []}))
    with_buyer.step()
    without.step()
    b: Buyer = with_buyer.pull_actors[0]
    s = np.flatnonzero(with_buyer.hh.buyer == b.unique_id)
    assert s.size > 20
    hh = with_buyer.hh
    assert (hh.income_sales[s] > 0).all()
    p = b.params
    tc = hh.transaction_cost[s]
    # income moved to sales equals the output sold, at the premium, less the haircut
    np.testing.assert_allclose(hh.income_sales[s], b.paid_total[s] * (1 - tc))
    sold = b.paid_total[s] / (1 + p.price_premium)
    gain = hh.income[s] - without.hh.income[s]
    np.testing.assert_allclose(gain, sold * ((1 + p.price_premium) * (1 - tc) - 1), atol=1e-9)
    # and with no transaction cost, the gain is exactly the premium on the volume sold
    free = GraduationModel(buying(months=1, livelihood={"transaction_cost_share": 0.0}))
    free_without = GraduationModel(
        buying(months=1, livelihood={"transaction_cost_share": 0.0}).with_overrides(
            pull={"actors": []}
        )
    )
    free.step()
    free_without.step()
    fb = free.pull_actors[0]
    s = np.flatnonzero(free.hh.buyer == fb.unique_id)
    sold = fb.records[-1]["volume_usd_ppp"]
    gain = (free.hh.income[s] - free_without.hh.income[s]).sum()
    assert gain == pytest.approx(p.price_premium * sold)
    assert gain > 10.0
    # people outside the buyer's supply base are untouched
    others = np.setdiff1d(np.arange(free.hh.n), s)
    np.testing.assert_allclose(free.hh.income[others], free_without.hh.income[others])


def test_minimum_volume_excludes_small_producers_unless_their_group_pools_volume():
    terms = {"min_volume_usd_ppp": 10.0, "relationship_cost_usd_ppp": 0.0, "max_suppliers": 400}
    alone = GraduationModel(buying(months=1, **terms))
    groups = [{"type": "savings_group", "formation_window_months": 1}]  # all meet in month 1
    grouped = GraduationModel(buying(months=1, interventions=groups, **terms))
    for m in (alone, grouped):
        m.step()
        m.pull_actors[0].decide(m)  # again, on the state we can inspect
    vol = alone.pull_actors[0].expected_volume(alone)
    s = alone.pull_actors[0]._suppliers
    small_ones = (vol > 0) & (vol < 10.0)
    assert small_ones.sum() > 20
    assert (vol[s] >= 10.0).all()
    b = grouped.pull_actors[0]
    vol = b.expected_volume(grouped)
    s = b._suppliers
    tiny = s[vol[s] < 10.0]
    assert tiny.size >= 10  # small producers reach the market through their group
    groups = grouped.hh.savings_group
    assert (groups[tiny] >= 0).all()
    for g in np.unique(groups[tiny]):
        members = np.flatnonzero(groups == g)
        assert vol[members].sum() >= 10.0


def test_every_payment_appears_on_both_books():
    m = GraduationModel(buying(months=24, interventions=[{"type": "savings_group"}]))
    b: Buyer = m.pull_actors[0]
    received = 0.0
    for _ in range(24):
        m.step()
        received += m.hh.income_sales.sum()
        assert np.abs(m.hh.accounting_residual()).max() < 1e-8
    books = m.pull_records()
    assert received > 1000.0
    assert received == pytest.approx(b.paid_total.sum() - b.haircut_total.sum())
    assert books["payments_usd_ppp"].sum() == pytest.approx(b.paid_total.sum())
    p = b.params
    expected_revenue = books["volume_usd_ppp"].sum() * (1 + p.resale_margin)
    assert b.revenue_usd_ppp == pytest.approx(expected_revenue)
    expected_cost = (
        b.paid_total.sum()
        + p.relationship_cost_usd_ppp * books["relationships"].sum()
        + p.operating_cost_usd_ppp_per_month * books["active"].sum()
    )
    assert b.cost_usd_ppp == pytest.approx(expected_cost)


def test_a_buyer_without_profitable_suppliers_leaves_the_market():
    m = GraduationModel(buying(months=20, price_premium=0.3, resale_margin=0.3)).run()
    b = m.pull_actors[0]
    assert not b.active and b.exited_month == b.params.exit_after_loss_months
    books = m.pull_records()
    assert books["clients"].sum() == 0
    assert (m.hh.buyer == -1).all()
    assert (books.query("month > 12")["cost_usd_ppp"] == 0).all()


def test_a_profitable_buyer_stays():
    m = GraduationModel(buying(months=24)).run()
    assert m.pull_actors[0].active
    assert m.pull_actors[0].profit_usd_ppp > 0


def test_bad_buyer_parameter_is_a_one_line_error():
    with pytest.raises(ScenarioError, match=r"pull.actors\[0\].price_premium = -0.1") as info:
        scenario_from_dict({"pull": {"actors": [{"type": "buyer", "price_premium": -0.1}]}})
    assert "\n" not in str(info.value)
    with pytest.raises(ScenarioError, match=r"pull.actors\[0\].max_supplier"):
        scenario_from_dict({"pull": {"actors": [{"type": "buyer", "max_supplier": 5}]}})


def test_high_margins_draw_new_buyers_into_the_same_villages():
    from conftest import small

    from pushpull_sim import GraduationModel

    base = {
        "type": "buyer",
        "count": 1,
        "operating_cost_usd_ppp_per_month": 0.0,
        "resale_margin": 0.6,
        "max_buyers_per_area": 3,
    }
    closed = GraduationModel(
        small(run={"months": 30}, programme={"interventions": []}, pull={"actors": [base]})
    ).run()
    open_ = GraduationModel(
        small(
            run={"months": 30},
            programme={"interventions": []},
            pull={"actors": [{**base, "entry_margin": 0.1}]},
        )
    ).run()
    assert len(closed.pull_actors) == 1
    buyers = open_.pull_actors
    assert 1 < len(buyers) <= 3
    assert all(np.array_equal(b.villages, buyers[0].villages) for b in buyers)
    assert min(b.entered_month for b in buyers[1:]) >= 12


def test_a_buyer_subclass_draws_in_competitors_of_its_own_kind():
    from pushpull_sim.pull.buyers import Buyer

    class Trader(Buyer):
        states: dict = {}
        reporters: dict = {}
        event_kinds: dict = {}

    scenario = small(
        run={"months": 30},
        programme={"interventions": []},
        pull={
            "actors": [
                {
                    "type": "buyer",
                    "count": 1,
                    "operating_cost_usd_ppp_per_month": 0.0,
                    "resale_margin": 0.6,
                    "max_buyers_per_area": 3,
                    "entry_margin": 0.1,
                }
            ]
        },
    )
    model = GraduationModel(scenario)
    model.pull_actors[0].__class__ = Trader
    model.run()
    assert len(model.pull_actors) > 1
    assert all(type(b) is Trader for b in model.pull_actors)
