"""The push toolbox: one test per mechanism, its direction, on common random numbers."""

import numpy as np
import pytest
from conftest import small

from pushpull_sim import GraduationModel
from pushpull_sim.households import ENTERPRISE, LIVESTOCK, TREATMENT
from pushpull_sim.scenario import ScenarioError, scenario_from_dict


def with_interventions(*items, **groups):
    """Small scenario whose programme delivers ``items`` (and nothing else)."""
    return small(programme={"interventions": list(items), **groups.pop("programme", {})}, **groups)


def run_pair(items, months=None, **groups):
    """The same villages, seed and shocks with and without ``items``."""
    a = GraduationModel(with_interventions(*items, **groups))
    b = GraduationModel(with_interventions(**groups))
    for _ in range(months or a.horizon):
        a.step()
        b.step()
    return a, b


def treated(model):
    return model.participant_ids


def test_technical_training_raises_skill_output_and_lowers_mortality():
    a, b = run_pair(
        [{"type": "asset_transfer"}, {"type": "technical_training", "duration_months": 6}], months=6
    )
    ids = treated(a)
    assert a.hh.skill[ids] == pytest.approx(1 - 0.85**6)
    assert b.hh.skill.max() == 0.0
    # same assets and shocks, more output per asset with skill
    assert (a.hh.skill > 0).sum() == ids.size
    tech = a.tech
    p_a = tech.mortality_monthly[ids] * (
        1 - a.params.shocks.skill_mortality_reduction * a.hh.skill[ids]
    )
    assert np.all(p_a < tech.mortality_monthly[ids])


def test_skill_raises_own_production_with_identical_assets():
    sc = with_interventions()
    m = GraduationModel(sc)
    m.hh.assets[:] = 800.0
    m.hh.savings[:] = 1e4  # inputs bought in full, so the skill gain alone shows
    m._produce_and_earn()
    base = m.hh.income_own.copy()
    m.hh.skill[:] = 1.0
    m._produce_and_earn()
    gain = sc.livelihood.skill_productivity_gain
    np.testing.assert_allclose(m.hh.income_own, base * (1 + gain))


def test_market_training_raises_quality():
    a, b = run_pair([{"type": "market_training", "duration_months": 3}], months=4)
    ids = treated(a)
    q0 = a.params.population.initial_quality
    assert a.hh.quality[ids] == pytest.approx(1 - (1 - q0) * 0.8**3)
    np.testing.assert_array_equal(b.hh.quality, q0)


def test_coaching_raises_confidence_which_fades_unless_peers_hold_it():
    a, _ = run_pair([{"type": "coaching", "duration_months": 12}], months=12)
    ids = treated(a)
    end = a.hh.confidence[ids].mean()
    assert end > 0.7
    for _ in range(24):
        a.step()
    faded = a.hh.confidence[ids].mean()
    assert 0.5 < faded < end - 0.1
    # peers: the same coached household keeps more confidence among coached neighbours
    m = GraduationModel(with_interventions())
    adj = m.network.tocsr()
    hub = int(np.argmax(m.degree))
    neighbours = adj.indices[adj.indptr[hub] : adj.indptr[hub + 1]]
    alone = GraduationModel(with_interventions())
    alone.hh.confidence[hub] = 0.95
    together = GraduationModel(with_interventions())
    together.hh.confidence[hub] = 0.95
    together.hh.confidence[neighbours] = 0.95
    for _ in range(24):
        alone.step()
        together.step()
    assert together.hh.confidence[hub] > alone.hh.confidence[hub] + 0.1


def test_confidence_raises_investment():
    low = GraduationModel(with_interventions({"type": "asset_transfer"}))
    high = GraduationModel(with_interventions({"type": "asset_transfer"}))
    ids = treated(high)
    high.hh.confidence[ids] = 1.0
    low_inv = high_inv = 0.0
    # the first months: confidence speeds investment up (the herd a household's idle days
    # can tend caps where both end up)
    for _ in range(4):
        high.hh.confidence[ids] = 1.0  # held up, as by weekly visits
        low.step()
        high.step()
        low_inv += low.hh.asset_purchases[ids].sum()
        high_inv += high.hh.asset_purchases[ids].sum()
    assert high_inv > 1.1 * low_inv > 0


def subsidy_run(taper_months):
    sc = with_interventions(
        {
            "type": "input_subsidy",
            "duration_months": 12,
            "discount": 0.6,
            "taper_months": taper_months,
        },
        run={"months": 30},
    )
    m = GraduationModel(sc)
    ids = treated(m)
    use_after = []
    while m.month < 30:
        m.step()
        if m.month > 13:
            use_after.append(m.hh.input_use[ids].mean())
    return m, ids, np.array(use_after)


def test_subsidy_without_taper_depresses_later_input_purchases():
    abrupt, ids, use_abrupt = subsidy_run(0)
    tapered, _, use_tapered = subsidy_run(8)
    # right after the subsidy, households anchored on the subsidised price buy less
    assert use_abrupt[0] < 0.8
    assert use_tapered[0] > use_abrupt[0] + 0.1
    assert use_abrupt[:6].mean() < use_tapered[:6].mean()
    # reference prices recover over time as commercial prices are paid
    assert use_abrupt[-1] > use_abrupt[0]
    assert abrupt.costs["input_subsidy"].sum() > 0


def test_subsidy_lowers_the_reference_price_and_is_booked_as_a_transfer():
    m = GraduationModel(with_interventions({"type": "input_subsidy", "discount": 0.5}))
    ids = treated(m)
    m.step()
    assert np.all(m.hh.input_discount[ids] == 0.5)
    buying = ids[m.hh.input_cost[ids] > 0]
    np.testing.assert_allclose(m.hh.input_subsidy[buying], 0.5 * m.hh.input_cost[buying])
    assert np.all(m.hh.reference_price[buying] < 1.0)
    assert np.all(m.hh.transfer_in_kind[buying] >= m.hh.input_subsidy[buying])
    assert np.abs(m.hh.accounting_residual()).max() < 1e-9


def test_taper_must_fit_the_duration():
    with pytest.raises(
        ScenarioError, match=r"interventions\[0\]\.taper_months = 9: must be <= dur"
    ):
        scenario_from_dict(
            {
                "programme": {
                    "interventions": [
                        {"type": "input_subsidy", "duration_months": 6, "taper_months": 9}
                    ]
                }
            }
        )


def test_cash_transfer_raises_cash_on_hand():
    a, b = run_pair([{"type": "cash_transfer", "amount_usd_ppp": 300.0}], months=1)
    ids = treated(a)
    np.testing.assert_allclose(a.hh.transfer_cash[ids], 300.0)
    gained = (a.hh.savings + a.hh.consumption + a.hh.assets + a.hh.durables)[ids].sum()
    base = (b.hh.savings + b.hh.consumption + b.hh.assets + b.hh.durables)[ids].sum()
    assert gained - base == pytest.approx(300.0 * ids.size, rel=0.05)


def test_enterprise_transfer_switches_technology_and_escapes_outbreaks():
    sc = with_interventions(
        {"type": "asset_transfer", "asset_type": "enterprise"},
        shocks={"outbreak_prob_monthly": 1.0},
    )
    m = GraduationModel(sc)
    m.step()
    ids = treated(m)
    assert np.all(m.hh.asset_kind[ids] == ENTERPRISE)
    others = np.setdiff1d(np.arange(m.hh.n), ids)
    assert np.all(m.hh.asset_kind[others] == LIVESTOCK)
    np.testing.assert_allclose(
        m.tech.asset_threshold_usd_ppp[ids], sc.enterprise.asset_threshold_usd_ppp
    )
    assert not m.tech.outbreak_exposed[ids].any()
    # with an outbreak every month, livestock holders lose far more than enterprises
    for _ in range(6):
        m.step()
    loss_rate = m.hh.asset_losses / np.maximum(m.hh.assets_start, 1)
    assert loss_rate[ids].mean() < 0.5 * loss_rate[others][m.hh.assets_start[others] > 0].mean()


def test_health_linkage_lowers_health_costs_and_distress_sales():
    items = [{"type": "health_linkage", "health_cover": 0.8}]
    a, b = run_pair(items, shocks={"illness_prob_monthly": 0.2})
    ids = treated(a)
    assert np.all(a.hh.health_cover[ids] == 0.8)
    assert a.hh.health_cover.sum() == pytest.approx(0.8 * ids.size)
    ts_a = a.timeseries().query("arm == 'treatment'")
    ts_b = b.timeseries().query("arm == 'treatment'")
    assert ts_a["distress_sale_share"].mean() < ts_b["distress_sale_share"].mean()


def test_social_protection_pays_in_bad_months_after_the_project():
    sc = with_interventions(
        {"type": "health_linkage", "bad_month_payment_usd_ppp": 25.0},
        shocks={"illness_prob_monthly": 0.3},
    )
    m = GraduationModel(sc).run()
    iv = m.interventions[0]
    ids = treated(m)
    hh = m.hh
    drought = m.drought_months_left[hh.region[ids]] > 0
    bad = ids[hh.ill[ids] | drought]
    assert m.month > m.params.programme.end_month
    np.testing.assert_allclose(hh.transfer_cash[bad], 25.0)
    assert iv.payments_usd_ppp > 0
    # public payments are not programme cost; premiums stop with the project
    assert m.costs["health_linkage"][m.params.programme.end_month + 1 :].sum() == 0.0


def test_linkage_lapses_after_the_project_when_asked():
    sc = with_interventions({"type": "health_linkage", "lasts_after_project": False})
    m = GraduationModel(sc).run()
    assert m.hh.health_cover.max() == 0.0


def test_every_intervention_books_its_cost_by_month():
    items = [
        {"type": "asset_transfer"},
        {"type": "consumption_support", "duration_months": 6},
        {"type": "technical_training"},
        {"type": "market_training"},
        {"type": "coaching", "duration_months": 12},
        {"type": "input_subsidy"},
        {"type": "cash_transfer"},
        {"type": "health_linkage"},
    ]
    m = GraduationModel(with_interventions(*items)).run()
    names = {i["type"] for i in items}
    assert names <= set(m.costs)
    for name in names:
        by_month = m.costs[name]
        assert by_month.shape == (m.horizon + 1,)
        assert by_month.sum() > 0, name
        assert by_month[m.params.programme.end_month + 1 :].sum() == 0.0, name
    assert np.all(m.hh.arm[treated(m)] == TREATMENT)


# --- robustness found by adversarial review -------------------------------------------


@pytest.mark.parametrize(
    "programme, needle",
    [
        (
            {"targeting": "network", "targeting_options": {"max_distance": 0}},
            "programme.targeting_options.max_distance = 0: must be a whole number from 1 to 20",
        ),
        (
            {"targeting": "network", "targeting_options": {"max_distance": 2.5}},
            "max_distance = 2.5: must be a whole number",
        ),
        (
            {"targeting": "network", "targeting_options": {"entry_share": 0.0}},
            "entry_share = 0.0: must be a number above 0",
        ),
        (
            {"targeting": "community", "targeting_options": {"elite_capture_share": 1.5}},
            "elite_capture_share = 1.5: must be a number from 0 to 1",
        ),
        (
            {"budget_usd_ppp": 100.0, "fixed_cost_usd_ppp": 500.0},
            "programme.fixed_cost_usd_ppp = 500.0: must be <= budget_usd_ppp (100.0)",
        ),
        (
            {"interventions": [{"type": "input_subsidy"}, {"type": "input_subsidy"}]},
            "programme.interventions[1].type = 'input_subsidy': at most one input_subsidy",
        ),
        (
            {"interventions": [{"type": "savings_group"}, {"type": "savings_group"}]},
            "at most one savings_group",
        ),
    ],
)
def test_programme_level_errors_are_one_line_and_named(programme, needle):
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict({"programme": programme}, source="s.toml")
    assert needle in str(info.value) and "\n" not in str(info.value)


def test_stackable_transfers_may_repeat():
    sc = with_interventions({"type": "cash_transfer"}, {"type": "cash_transfer", "start_month": 6})
    assert len(sc.programme.interventions) == 2


def test_planned_cost_counts_only_deliveries_inside_the_window():
    sc = with_interventions(
        {"type": "consumption_support", "duration_months": 60},
        {"type": "asset_transfer", "start_month": 30},  # after the 24-month window
    )
    m = GraduationModel(sc)
    support, late = m.interventions
    assert support.deliveries() == 24
    assert support.unit_cost_per_household() == pytest.approx(24 * 43.0)
    assert late.deliveries() == 0 and late.unit_cost_per_household() == 0.0
    assert m.unit_cost_usd_ppp == pytest.approx(24 * 43.0)


def test_extreme_drought_and_input_costs_never_make_consumption_negative():
    sc = with_interventions(
        {"type": "cash_transfer"},
        shocks={"drought_prob_yearly": 1.0, "drought_yield_loss": 1.0},
        livelihood={"input_share": 0.99},
    )
    m = GraduationModel(sc)
    assert np.isfinite(m.hh.targeting_score).all()
    for _ in range(24):
        m.step()
        assert m.hh.consumption.min() >= 0.0
        assert m.hh.savings.min() >= 0.0
        assert np.abs(m.hh.accounting_residual()).max() < 1e-6


def test_a_voucher_stretches_cash_constrained_input_purchases():
    from pushpull_sim.livelihood import own_production

    sc = with_interventions(
        {"type": "input_subsidy", "discount": 0.5},
        shocks={"illness_prob_monthly": 0.0, "drought_prob_yearly": 0.0},
    )
    a = GraduationModel(sc)
    b = GraduationModel(
        with_interventions(shocks={"illness_prob_monthly": 0.0, "drought_prob_yearly": 0.0})
    )
    for m in (a, b):
        m.hh.assets[:] = 20000.0  # own production takes all labour: no wage income
        m.hh.remittance_gross[:] = 0.0  # and no remittances
        net = own_production(m.hh.assets, m.tech) * m.hh.ability
        bill = net / (1 - m.tech.input_share) - net
        tc = m.params.livelihood.transaction_cost_share
        m.hh.savings[:] = 0.6 * bill * (1 + tc)  # cash for 60 % of the inputs, full price
        m.month = 1  # the programme's first month
        m.hh.begin_month()
        m.hh.transaction_cost[:] = tc
    a._push()
    a._produce_and_earn()
    b._push()
    b._produce_and_earn()
    ids = treated(a)
    np.testing.assert_allclose(b.hh.input_use[ids], 0.6)
    np.testing.assert_allclose(a.hh.input_use[ids], 1.0)  # the voucher stretches the cash


def test_taper_month_with_no_discount_is_not_charged():
    sc = with_interventions(
        {
            "type": "input_subsidy",
            "duration_months": 4,
            "taper_months": 4,
            "delivery_cost_usd_ppp": 1.0,
        },
    )
    m = GraduationModel(sc)
    iv = m.interventions[0]
    assert [iv.discount_at(k) for k in range(4)] == pytest.approx([0.375, 0.25, 0.125, 0.0])
    for _ in range(4):
        m.step()
    n = treated(m).size
    delivery_charged = m.costs["input_subsidy"][1:5] - 0  # vouchers used + delivery
    assert m.hh.input_discount.max() == 0.0  # month 4: no voucher
    assert delivery_charged[3] == 0.0 and delivery_charged[0] >= n * 1.0


def test_self_selected_groups_never_reach_the_control_arm():
    sc = with_interventions(
        {"type": "savings_group", "membership": "self_selected", "join_intercept": 5.0}
    )
    m = GraduationModel(sc)
    for _ in range(3):
        m.step()
    members = m.hh.savings_group >= 0
    assert members.sum() > treated(m).size  # others in the villages joined
    assert not (members & (m.hh.arm == 1)).any()


def test_short_cycle_entry_point_is_lower_return_and_lower_risk():
    """The less risky entry point: a lower threshold and smaller drought losses, lower
    returns at scale than livestock (poultry and vegetables can still die in an
    outbreak)."""
    from pushpull_sim.households import SHORT_CYCLE
    from pushpull_sim.livelihood import own_production, technology

    sc = with_interventions({"type": "asset_transfer", "asset_type": "short_cycle"})
    m = GraduationModel(sc)
    m.step()
    ids = treated(m)
    assert np.all(m.hh.asset_kind[ids] == SHORT_CYCLE)
    assert m.tech.outbreak_exposed[ids].all()
    kinds = np.array([0, 2], np.int8)
    tech = technology(kinds, sc)
    big = np.array([3000.0, 3000.0])
    out = own_production(big, tech)
    assert out[1] < out[0]  # lower return at scale
    assert tech.drought_exposure[1] < tech.drought_exposure[0] == 1.0
    assert tech.input_share[1] < tech.input_share[0]
    assert tech.asset_threshold_usd_ppp[1] < tech.asset_threshold_usd_ppp[0]
