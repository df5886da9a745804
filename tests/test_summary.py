"""The printed run summary: the targeting rule by name, how far the budget reached, and
the one cost-effectiveness figure."""

from __future__ import annotations

import pytest
from conftest import small

from pushpull_sim.runner import run_experiment
from pushpull_sim.strategies import push_budget
from pushpull_sim.summary import build_summary, format_summary

PROGRAMME = {
    "end_month": 24,
    "interventions": [
        {"type": "asset_transfer", "value_usd_ppp": 800.0},
        {"type": "consumption_support", "duration_months": 6},
    ],
}


def summarise(**programme):
    sc = small(programme={**PROGRAMME, **programme})
    result = run_experiment(sc, replications=1, workers=1)
    return result, build_summary(result)


@pytest.mark.parametrize(
    ("rule", "words"),
    [("community", "community wealth ranking (community)"), ("pmt", "proxy means test (pmt)")],
)
def test_the_targeting_line_names_the_rule_it_reports_errors_for(rule, words):
    _, s = summarise(targeting=rule)
    assert s["targeting"]["rule"] == rule
    (line,) = [x for x in format_summary(s).splitlines() if x.startswith("targeting")]
    assert line.startswith(f"targeting by {words}: ")
    assert "PMT" not in line and "inclusion error" in line


def test_the_summary_says_how_far_the_budget_reached():
    result, s = summarise(budget_usd_ppp=20_000.0)
    (rep,) = result.replications
    reach = s["cost"]["reach"]
    affordable = int(push_budget(result.scenario) // rep.unit_cost_usd_ppp)
    assert reach["affordable"] == affordable == rep.participants
    assert reach["treatment_arm"] == rep.treatment_arm > rep.participants
    assert reach["budget_limited"] is True
    text = format_summary(s)
    assert (
        f"{rep.participants}   of {rep.treatment_arm} in the treatment arm "
        f"({100 * rep.participants / rep.treatment_arm:.0f} %)" in text
    )
    assert "the budget limited reach" in text and f"covers {affordable} at the" in text
    block = text[text.index("Programme cost") :].splitlines()
    assert max(len(line) for line in block) <= 100  # the reach note is wrapped


def test_without_a_budget_limit_the_reach_is_not_blamed_on_it():
    _, s = summarise()
    assert s["cost"]["reach"]["budget_limited"] is False
    assert "the budget limited reach" not in format_summary(s)


def test_the_cost_block_reports_the_one_cost_effectiveness_figure():
    _, s = summarise()
    text = format_summary(s)
    assert "per additional sustained graduate" in text
    assert "per additional graduate at month" not in text  # the unlike figure is gone
    assert "cost_per_additional_graduate_usd_ppp" not in s["cost"]
    # a 48-month horizon ends 2 years after the end (24): the figure is defined, or reads
    # "not applicable" where no sustained graduate was added; never a stand-in number
    value = s["cost"]["cost_per_additional_sustained_graduate_usd_ppp"]
    (line,) = [x for x in text.splitlines() if "per additional sustained graduate" in x]
    assert line.rstrip().endswith("not applicable" if value is None else f"{value:,.0f}")


def test_cost_effectiveness_beyond_the_horizon_reads_not_applicable():
    sc = small(programme=PROGRAMME, run={"months": 30})  # the end + 2 years lies beyond
    s = build_summary(run_experiment(sc, replications=1, workers=1))
    assert s["cost"]["cost_per_additional_sustained_graduate_usd_ppp"] is None
    (line,) = [
        x for x in format_summary(s).splitlines() if "per additional sustained graduate" in x
    ]
    assert line.rstrip().endswith("not applicable")


def test_a_programme_that_serves_no_one_has_no_cost_per_participant():
    _, s = summarise(interventions=[])  # nothing to deliver: no participant
    assert s["cost"]["participants"] == 0
    (line,) = [x for x in format_summary(s).splitlines() if x.startswith("  per participant")]
    assert line.rstrip().endswith("not applicable")


def test_an_index_far_from_the_published_effect_is_marked():
    from pushpull_sim.summary import FAR_SES, _far_from_published

    near = {"effect_sd": 0.13, "se_sd": 0.04, "published_sd": 0.122, "published_se_sd": 0.023}
    far = {"effect_sd": 5.9, "se_sd": 0.11, "published_sd": 0.378, "published_se_sd": 0.030}
    assert not _far_from_published(near) and _far_from_published(far)
    se = (0.04**2 + 0.023**2) ** 0.5
    edge = dict(near, effect_sd=0.122 + FAR_SES * se * 1.01)
    assert _far_from_published(edge)
    assert not _far_from_published(dict(near, published_sd=float("nan")))
    assert not _far_from_published(dict(near, published_sd=None, published_se_sd=None))


def test_an_index_that_cannot_be_scored_in_a_round_reads_not_estimable_with_the_reason():
    _, s = summarise()
    index = "asset_index"
    assert s["itt"][index], "the small run scores the asset index"
    rounds = sorted(s["itt"][index], key=int)
    del s["itt"][index][rounds[-1]]  # as when no control household's assets vary
    text = format_summary(s)
    rows = [line for line in text.splitlines() if line.startswith("  asset index")]
    row = next(line for line in rows if line.split()[2] == rounds[-1])
    assert row.split()[3] == "n/a" and row.endswith(" +")
    assert "+ not estimable: none of the index's components varies among the control" in text
    kept = format_summary(summarise()[1])
    assert "not estimable" not in kept


def test_village_randomisation_with_few_villages_warns_that_clustered_ses_are_too_small():
    from pushpull_sim.summary import FEW_CLUSTERS

    sc = small(programme=PROGRAMME, rct={"unit": "village"})
    notes = build_summary(run_experiment(sc, replications=1, workers=1))["notes"]
    villages = sc.population.villages
    assert villages < FEW_CLUSTERS
    assert any(f"only {villages} villages" in n and "Cameron and Miller" in n for n in notes)
    by_household = build_summary(run_experiment(small(programme=PROGRAMME), 1, workers=1))
    assert not any("clustered by village" in n for n in by_household["notes"])


def test_a_huge_estimate_never_runs_into_the_next_column():
    _, s = summarise()
    index = "asset_index"
    month = sorted(s["itt"][index], key=int)[0]
    s["itt"][index][month] = dict(s["itt"][index][month], effect_sd=4.9e17, se_sd=2.5e16)
    s["itt"]["durables"][month] = dict(s["itt"]["durables"][month], effect_pct=290.1, se_pct=326.8)
    text = format_summary(s)
    row = next(
        line
        for line in text.splitlines()
        if line.startswith("  asset index") and line.split()[2] == month
    )
    assert row.split()[3:5] == ["4.9e+17", "(2.5e+16)"]
    durables = next(
        line for line in text.splitlines() if line.startswith("  durables") and f" {month} " in line
    )
    assert "290.1 (326.8)" in durables
