"""Integration strategies and the six disconnect levers: bundles, budget parity, common
random numbers, and one test per mechanism with its direction."""

from __future__ import annotations

import ast
import re
import tokenize

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, SCENARIOS

from pushpull_sim.households import TREATMENT
from pushpull_sim.model import GraduationModel
from pushpull_sim.pull.buyers import marketing_group
from pushpull_sim.scenario import ScenarioError, dump_scenario, load_scenario, scenario_from_dict
from pushpull_sim.strategies import (
    CUSTOM,
    LEVER_GROUPS,
    STRATEGIES,
    apply_strategy,
    coordination_cost,
    format_strategies,
    lever_values,
    push_budget,
    resolve_components,
)

NAMES = ("none", "push_only", "pull_only", "siloed", "sequenced", "layered")


def demo(months: int = 48, **groups):
    """The workshop scenario, shrunk: 500 households, a 24-month project, 1 replication."""
    sc = load_scenario(SCENARIOS / "disconnect_demo.toml")
    base = {
        "run": {"months": months, "replications": 1, "seed": 11},
        "population": {"households": 500, "villages": 5, "burn_in_months": 12},
        "programme": {"end_month": 24, "budget_usd_ppp": 120_000.0},
        "output": {"household_months": [0, 24]},
    }
    for key, value in groups.items():
        base[key] = {**base.get(key, {}), **value}
    return sc.with_overrides(**base)


def run(sc, name: str | None = None, months: int | None = None, **levers) -> GraduationModel:
    if name is not None:
        sc = apply_strategy(sc, name, **levers)
    return GraduationModel(sc).run(months)


# ---------------------------------------------------------------- bundles, as data
def test_the_six_strategies_are_bundles_of_every_lever():
    assert tuple(STRATEGIES) == NAMES
    for name in NAMES:
        assert set(STRATEGIES[name]) == set(CUSTOM)
    assert (STRATEGIES["none"]["push"], STRATEGIES["none"]["pull"]) == (False, False)
    assert (STRATEGIES["push_only"]["push"], STRATEGIES["push_only"]["pull"]) == (True, False)
    assert (STRATEGIES["pull_only"]["push"], STRATEGIES["pull_only"]["pull"]) == (False, True)
    for name in ("siloed", "sequenced", "layered"):
        assert STRATEGIES[name]["push"] and STRATEGIES[name]["pull"]
    assert STRATEGIES["sequenced"]["transition"] == "fixed"
    assert STRATEGIES["layered"]["transition"] == "readiness"
    # every lever group differs between siloed and layered, so attribution is meaningful
    for group, levers in LEVER_GROUPS.items():
        differs = [STRATEGIES["siloed"][k] != STRATEGIES["layered"][k] for k in levers]
        assert any(differs), group
    # bundles are read-only data
    with pytest.raises(TypeError):
        STRATEGIES["layered"]["coordination"] = 0.0  # type: ignore[index]


def test_strategies_command_prints_every_lever_of_every_strategy(capsys):
    from pushpull_sim.cli import main

    assert main(["strategies"]) == 0
    out = capsys.readouterr().out
    assert out.strip() == format_strategies()
    header = out.splitlines()[0].split()
    assert header == ["lever", "custom", *NAMES]
    for lever in CUSTOM:
        assert re.search(rf"^{lever}\s", out, re.M), lever


def test_a_scenario_overrides_a_lever_and_round_trips(tmp_path):
    sc = scenario_from_dict(
        {"strategy": {"name": "sequenced", "coordination": 0.3, "switch_month": 12}}
    )
    assert sc.levers["coordination"] == 0.3
    assert sc.levers["switch_month"] == 12
    assert sc.levers["linkage"] is True  # the rest from the bundle
    path = tmp_path / "s.toml"
    dump_scenario(sc, path)
    text = path.read_text()
    assert "coordination = 0.3" in text
    assert not re.search(r"^linkage =", text, re.M)  # only the levers that were set
    assert load_scenario(path) == sc
    # an integration lead means full coordination and no lag, unless the table says
    lead = scenario_from_dict({"strategy": {"name": "siloed", "integration_lead": True}})
    assert (lead.levers["coordination"], lead.levers["information_lag_months"]) == (1.0, 0)
    lagged = scenario_from_dict({"strategy": {"name": "layered", "information_lag_months": 3}})
    assert (lagged.levers["coordination"], lagged.levers["information_lag_months"]) == (1.0, 3)


def test_apply_strategy_drops_the_scenario_levers_but_keeps_its_costs():
    sc = scenario_from_dict(
        {"strategy": {"name": "siloed", "coordination": 0.7, "linkage_cost_usd_ppp": 40.0}}
    )
    layered = apply_strategy(sc, "layered")
    # an unset switch month is half the programme window (36 months here)
    assert layered.levers == {**lever_values("layered"), **_params(layered), "switch_month": 18}
    short = apply_strategy(sc.with_overrides(programme={"end_month": 12}), "sequenced")
    assert short.levers["switch_month"] == 6
    assert layered.levers["linkage_cost_usd_ppp"] == 40.0
    assert apply_strategy(sc, "sequenced").levers["coordination"] == 1.0


def _params(sc):
    return {k: v for k, v in sc.levers.items() if k not in CUSTOM}


@pytest.mark.parametrize(
    "table, message",
    [
        ({"name": "integrated"}, "strategy.name = 'integrated'"),
        ({"coordination": 1.5}, "strategy.coordination = 1.5: must be <= 1"),
        ({"transition": "gradual"}, "strategy.transition = 'gradual'"),
        ({"name": "sequenced", "switch_month": 48}, "strategy.switch_month = 48"),
    ],
)
def test_bad_levers_are_one_line_errors(table, message):
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict({"strategy": table})
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_custom_leaves_every_component_as_written():
    sc = load_scenario(SCENARIOS / "disconnect_demo.toml")
    assert sc.strategy.name == "custom"
    assert resolve_components(sc) is sc


# ---------------------------------------------------------------- budget parity
def test_every_strategy_plans_within_the_same_budget():
    sc = demo()
    budget = sc.programme.budget_usd_ppp
    for name in NAMES:
        s = apply_strategy(sc, name)
        share = s.levers["pull_budget_share"]
        pull = [a for a in resolve_components(s).pull.actors if a.type == "implementer"]
        if s.levers["pull"]:
            assert pull[0].budget_usd_ppp == pytest.approx(share * budget)
        planned = push_budget(s) + share * budget + coordination_cost(s)
        assert planned == pytest.approx(budget), name
    layered = apply_strategy(sc, "layered")
    assert coordination_cost(layered) == 400.0 * 24
    assert push_budget(layered) == pytest.approx(0.8 * budget - 400.0 * 24)


def test_strategies_spend_no_more_than_the_budget_and_say_where_it_went():
    sc = demo(months=30)
    budget = sc.programme.budget_usd_ppp
    spent = {}
    for name in ("push_only", "siloed", "layered"):
        m = run(sc, name)
        spent[name] = {k: float(v.sum()) for k, v in m.costs.items()}
        assert 0.8 * budget < sum(spent[name].values()) <= budget * 1.02, name
    assert "pull_implementer" not in spent["push_only"]
    assert "integration_lead" in spent["layered"] and "linkage" in spent["layered"]
    assert spent["layered"]["integration_lead"] == pytest.approx(400.0 * 24)
    assert "integration_lead" not in spent["siloed"]


def test_a_budget_too_small_for_the_pull_share_and_the_lead_is_refused():
    sc = demo(programme={"budget_usd_ppp": 5_000.0})
    with pytest.raises(ScenarioError, match="programme.budget_usd_ppp = 5000.0: must cover"):
        apply_strategy(sc, "layered")


# ---------------------------------------------------------------- common random numbers
def test_strategies_share_households_network_targeting_and_shocks():
    sc = demo(months=6)
    a, b = run(sc, "none"), run(sc, "layered")
    assert np.array_equal(a.hh.arm, b.hh.arm)
    assert np.array_equal(a.hh.eligible, b.hh.eligible)
    assert (a.network != b.network).nnz == 0
    ts_a, ts_b = a.timeseries(), b.timeseries()
    pd.testing.assert_frame_equal(ts_a[ts_a.month == 0], ts_b[ts_b.month == 0])
    # the ineligible households' own shocks do not depend on the strategy
    assert np.array_equal(a.hh.ill, b.hh.ill)


def test_a_lever_with_no_effect_gives_identical_results():
    # without linkage and with no transition, the information lag changes nothing
    sc = demo(months=36)
    a = run(sc, "siloed")
    b = run(sc, "siloed", information_lag_months=2, switch_month=6)
    pd.testing.assert_frame_equal(a.timeseries(), b.timeseries(), check_exact=True)
    pd.testing.assert_frame_equal(a.pull_records(), b.pull_records(), check_exact=True)


# ---------------------------------------------------------------- one test per mechanism
def _participants_selling(m: GraduationModel, months: int = 12) -> float:
    return float((m.hh.income_sales[m.hh.participant] > 0).mean())


def test_shared_lists_point_the_pull_sides_inclusion_incentives_at_push_participants():
    sc = demo(months=12)  # while the pull implementer pays for inclusion
    inclusive = {"kpi_volume_weight": 0.0, "buyer_risk_share_usd_ppp": 10.0}
    shared = run(sc, "siloed", targeting_lists="shared", **inclusive)
    separate = run(sc, "siloed", targeting_lists="separate", **inclusive)
    assert np.array_equal(shared.pull_list, shared.hh.eligible)
    overlap = (separate.pull_list & separate.hh.eligible).sum() / separate.hh.eligible.sum()
    assert 0.3 < overlap < 0.95  # the same rule and share, a different survey error
    assert separate.pull_list.sum() == separate.hh.eligible.sum()
    # push participants sell to buyers more when the pull side's list is theirs
    assert _participants_selling(shared) > _participants_selling(separate) + 0.05


def test_linkage_introduces_participants_to_agents_buyers_and_lenders():
    sc = demo(months=30)
    on = run(sc, "sequenced", linkage=True)
    off = run(sc, "sequenced", linkage=False)
    part = on.hh.participant
    assert on.hh.linked[part].mean() > 0.9 and not off.hh.linked.any()
    # linked households are served by agents even outside the agents' own reach
    assert (on.hh.agent[part] >= 0).mean() > (off.hh.agent[part] >= 0).mean() + 0.2
    assert float(on.costs["linkage"].sum()) == pytest.approx(15.0 * on.hh.linked.sum())
    # outside a savings group, linked households market together, one group per village
    hh = on.hh
    loners = np.flatnonzero(hh.savings_group < 0)[:40]
    hh.linked[loners[:20]] = True
    hh.linked[loners[20:]] = False
    group = marketing_group(on, loners)
    assert (group[20:] == -1).all()
    assert (group[:20] > hh.savings_group.max()).all()
    same_village = hh.village[loners[:20]][:, None] == hh.village[loners[:20]][None, :]
    assert np.array_equal(group[:20][:, None] == group[:20][None, :], same_village)
    # and lenders take the programme's referral in place of their asset and savings rules
    lender = next(a for a in on.pull_actors if a.kind == "lender")
    poor = loners[
        (hh.assets[loners] < lender.params.min_assets_usd_ppp)
        & lender._footprint[loners]
        & (hh.lender[loners] < 0)
        & ~lender.excluded[loners]  # a past defaulter stays excluded, referral or not
    ]
    assert poor.size > 0
    eligible = lender.eligible_borrowers(on)
    assert eligible[poor[np.isin(poor, loners[:20])]].all()
    assert not eligible[poor[~np.isin(poor, loners[:20])]].any()


def test_anchoring_on_the_commercial_price_keeps_reference_prices_and_input_use_up():
    sc = demo(months=30)  # the voucher runs programme months 1-18
    paid = run(sc, "siloed", reference_anchoring="price_paid", subsidy_taper_months=0)
    commercial = run(sc, "siloed", reference_anchoring="commercial_price", subsidy_taper_months=0)
    tapered = run(sc, "siloed", reference_anchoring="price_paid", subsidy_taper_months=6)
    part = paid.hh.participant
    ref = {
        k: m.hh.reference_price[part].mean()
        for k, m in (("paid", paid), ("commercial", commercial), ("tapered", tapered))
    }
    assert ref["paid"] < ref["tapered"] < ref["commercial"]
    use = {k: m.hh.input_use[part].mean() for k, m in (("paid", paid), ("comm", commercial))}
    assert use["comm"] > use["paid"]


def test_a_fixed_switch_brings_pull_in_and_stops_push_for_everyone_at_once():
    sc = demo(months=30)
    m = apply_strategy(sc, "sequenced", switch_month=10)
    model = GraduationModel(m)
    model.run(10)
    assert model.pull_actors == [] and len(model.pull_waiting) > 0
    assert model.hh.in_push.all()
    model.run(11)
    assert len(model.pull_actors) > 0 and not model.hh.in_push.any()
    assert {a.entered_month for a in model.pull_actors} == {11}
    assert model.pull_records()["month"].min() == 11
    model.run()
    coaching = model.costs["coaching"]
    assert coaching[1:11].sum() > 0 and coaching[11:].sum() == 0
    assert (model.handover_month[model.hh.participant] == 11).all()


def test_readiness_hands_over_only_ready_households_and_keeps_supporting_the_rest():
    sc = demo(months=24)
    m = GraduationModel(apply_strategy(sc, "layered")).run()
    lv = m.levers
    part = m.hh.participant
    handed = part & (m.handover_month >= 0)
    assert 0 < handed.sum() < part.sum()  # some ready, some not
    assert (m.handover_month[handed] > lv["readiness_min_months"]).all()
    assert not m.hh.in_push[handed].any() and m.hh.in_push[part & ~handed].all()
    none = GraduationModel(apply_strategy(sc, "layered", transition="none")).run()
    assert m.costs["coaching"].sum() < none.costs["coaching"].sum()


def test_an_information_lag_delays_the_hand_over_by_that_many_months():
    sc = demo(months=12)
    prompt = run(sc, "siloed", linkage=True, coordination=1.0, information_lag_months=0)
    late = run(sc, "siloed", linkage=True, coordination=1.0, information_lag_months=4)
    part = prompt.hh.participant
    assert (prompt.handover_month[part] == 1).all()
    assert (late.handover_month[part] == 5).all()


def test_coordination_sets_the_monthly_chance_of_a_hand_over():
    sc = demo(months=6)
    never = run(sc, "siloed", linkage=True, coordination=0.0, information_lag_months=0)
    some = run(sc, "siloed", linkage=True, coordination=0.2, information_lag_months=0)
    assert not never.hh.linked.any()
    first = some.handover_month[some.hh.participant]
    share_month_1 = (first == 1).mean()
    assert 0.08 < share_month_1 < 0.35  # about 0.2
    assert (first >= 0).mean() > share_month_1


def test_network_outreach_places_agents_where_they_reach_the_very_poor():
    sc = demo(months=1)
    random = run(sc, "siloed", outreach="random")
    network = run(sc, "siloed", outreach="network")

    def coverage(m):
        agents = [a for a in m.pull_actors if a.kind == "agent"]
        return np.mean([a.coverage_of_very_poor(m) for a in agents])

    assert coverage(network) > coverage(random) + 0.05
    kinds = {a.params.placement for a in network.pull_actors if a.kind == "agent"}
    assert kinds == {"network"}


def test_an_inclusion_kpi_with_risk_sharing_steers_buyers_to_the_very_poor():
    sc = demo(months=12)
    volume = run(sc, "siloed", kpi_volume_weight=1.0, buyer_risk_share_usd_ppp=0.0)
    inclusion = run(sc, "siloed", kpi_volume_weight=0.2, buyer_risk_share_usd_ppp=8.0)

    def very_poor_suppliers(m):
        books = m.pull_records()
        return books.loc[books["kind"] == "buyer", "suppliers_very_poor"].sum()

    assert very_poor_suppliers(inclusion) > 1.5 * very_poor_suppliers(volume)
    assert inclusion.costs["pull_implementer"].sum() > volume.costs["pull_implementer"].sum()


def test_no_strategy_name_appears_in_mechanism_code():
    """Strategies win only through their levers: no mechanism compares against, or looks
    up, a strategy's name (a string literal that is exactly a name; "none" is also a value
    of the transition lever, so it is not checked). Only the bundles' declaration (levers)
    and the tools that run strategies (strategies, compare, bench, sweeps, the command
    line) name them."""
    allowed = {"levers.py", "strategies.py", "cli.py", "bench.py"}
    names = set(NAMES) - {"none"}
    offenders = []
    for path in (ROOT / "pushpull_sim").rglob("*.py"):
        if path.name in allowed or {"sweep", "compare"} & set(path.parts):
            continue
        with path.open("rb") as f:
            for tok in tokenize.tokenize(f.readline):
                if tok.type == tokenize.STRING:
                    value = ast.literal_eval(tok.string)
                    if isinstance(value, str) and value in names:
                        offenders.append(f"{path.name}:{tok.start[0]}: {tok.line.strip()}")
    assert offenders == []


def test_treatment_arm_is_where_the_outcomes_are_measured():
    sc = demo(months=1)
    m = run(sc, "layered")
    assert m.hh.participant[m.hh.arm != TREATMENT].sum() == 0
