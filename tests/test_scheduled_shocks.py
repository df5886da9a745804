"""Scheduled shocks: a designer can stress-test a programme with a drought, an outbreak
or a price shock at a chosen month, in chosen places or arms."""

import numpy as np
import pytest
from conftest import small

from pushpull_sim import GraduationModel
from pushpull_sim.households import ENTERPRISE, SHORT_CYCLE
from pushpull_sim.scenario import ScenarioError, scenario_from_dict

QUIET = {  # no random shocks, so what happens is the schedule's doing
    "illness_prob_monthly": 0.0,
    "drought_prob_yearly": 0.0,
    "outbreak_prob_monthly": 0.0,
    "livestock_mortality_monthly": 0.0,
}


def scheduled(*events, **groups):
    shocks = {**QUIET, "scheduled": list(events)}
    return small(run={"months": 12}, shocks=shocks, **groups)


def run_to(model: GraduationModel, month: int) -> GraduationModel:
    while model.month < month:
        model.step()
    return model


def test_an_outbreak_kills_the_transferred_animals_in_the_treatment_arm_only():
    event = {"type": "outbreak", "month": 6, "share": 0.6, "arm": "treatment"}
    fixed_wage = {"wage_flexibility": 0.0}  # no spillover through the village wage
    hit = run_to(GraduationModel(scheduled(event, livelihood=fixed_wage)), 5)
    calm = run_to(GraduationModel(scheduled(livelihood=fixed_wage)), 5)
    hh = hit.hh
    before = hh.assets.copy()
    np.testing.assert_array_equal(before, calm.hh.assets)  # identical until month 6
    hit.step()
    calm.step()
    treat = hh.arm == 2
    lost = hh.asset_losses - calm.hh.asset_losses
    assert lost[~treat] == pytest.approx(0.0, abs=1e-9)
    herds = treat & (before > 0)
    share = lost[herds].sum() / (before[herds].sum())
    assert share == pytest.approx(0.6, abs=0.08)  # about the scheduled share of the units
    assert (hh.assets >= 0).all()


def test_an_outbreak_can_strike_one_village_and_one_kind_of_asset():
    event = {
        "type": "outbreak",
        "month": 2,
        "share": 1.0,
        "villages": [1],
        "asset_kind": "short_cycle",
    }
    fixed_wage = {"wage_flexibility": 0.0}  # no spillover through the village wage
    model = GraduationModel(scheduled(event, livelihood=fixed_wage))
    calm = GraduationModel(scheduled(livelihood=fixed_wage))
    hh = model.hh
    for m in (model, calm):
        m.set_asset_kind(np.flatnonzero(m.hh.village == 1), SHORT_CYCLE)  # poultry keepers
        m.set_asset_kind(np.flatnonzero(m.hh.village == 2), ENTERPRISE)
        run_to(m, 1)
    before = hh.assets.copy()
    model.step()
    calm.step()
    struck = (hh.village == 1) & (before > 0)
    # every unit dies at share 1: the whole value is lost (nothing left to depreciate)
    np.testing.assert_allclose(hh.asset_losses[struck], before[struck], rtol=1e-12)
    others = ~(hh.village == 1)
    np.testing.assert_array_equal(hh.asset_losses[others], calm.hh.asset_losses[others])


def test_a_scheduled_drought_lowers_yields_in_its_regions_for_its_months():
    event = {"type": "drought", "month": 3, "duration_months": 2, "regions": [1]}
    dry = GraduationModel(scheduled(event))
    calm = GraduationModel(scheduled())
    hh = dry.hh
    for month in range(1, 7):
        dry.step()
        calm.step()
        in_region = hh.region == 1
        if month in (3, 4):
            assert dry.drought_months_left[1] > 0 or month == 4
            assert (hh.income_own[in_region] <= calm.hh.income_own[in_region] + 1e-9).all()
            assert hh.income_own[in_region].sum() < 0.9 * calm.hh.income_own[in_region].sum()
            np.testing.assert_allclose(hh.income_own[~in_region], calm.hh.income_own[~in_region])
        if month == 6:
            assert dry.drought_months_left[1] == 0


def test_a_price_shock_moves_the_output_price_for_its_months():
    event = {"type": "price", "month": 2, "what": "output", "change": -0.5, "duration_months": 2}
    cheap = GraduationModel(scheduled(event))
    calm = GraduationModel(scheduled())
    cheap.step()
    calm.step()
    np.testing.assert_allclose(cheap.hh.income_own, calm.hh.income_own)  # month 1: no shock
    cheap.step()
    calm.step()
    producers = calm.hh.income_own > 1.0
    assert (cheap.hh.income_own[producers] < calm.hh.income_own[producers]).all()
    np.testing.assert_allclose(cheap.price_factor["output"], 0.5)
    for _ in range(2):
        cheap.step()
    np.testing.assert_allclose(cheap.price_factor["output"], 1.0)  # over after 2 months


def test_random_outbreaks_strike_every_kind_that_can_die():
    sc = small(shocks={**QUIET, "outbreak_prob_monthly": 1.0, "outbreak_mortality_multiplier": 1.0})
    model = GraduationModel(sc)
    tech = model.tech
    assert tech.outbreak_exposed.all()  # livestock
    model.set_asset_kind(np.arange(10), SHORT_CYCLE)
    model.set_asset_kind(np.arange(10, 20), ENTERPRISE)
    assert model.tech.outbreak_exposed[:10].all()  # poultry and crops
    assert not model.tech.outbreak_exposed[10:20].any()  # a shop's stock


def test_bad_schedules_are_one_line_errors():
    for events, message in (
        ([{"type": "flood", "month": 3}], "shocks.scheduled[0].type = 'flood': unknown"),
        ([{"type": "outbreak", "month": 3, "share": 2.0}], "shocks.scheduled[0].share = 2.0"),
        ([{"type": "drought", "month": 500}], "shocks.scheduled[0].month = 500"),
        ([{"type": "drought", "month": 3, "regions": [7]}], "regions = [7]: ids must be 0 to"),
    ):
        with pytest.raises(ScenarioError) as info:
            scenario_from_dict({"shocks": {"scheduled": events}}, source="s.toml")
        assert str(info.value).startswith("s.toml: ") and message in str(info.value)
        assert "\n" not in str(info.value)
