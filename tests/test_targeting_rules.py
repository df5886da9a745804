"""Targeting rules: PMT, community ranking, lottery and network-aware targeting."""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import shortest_path

from pushpull_sim.network import build_network
from pushpull_sim.rng import RandomStreams
from pushpull_sim.scenario import Network
from pushpull_sim.targeting import (
    TARGETING_RULES,
    TargetingInputs,
    poorest,
    proxy_means_test,
    rule_options,
    target,
    targeting_errors,
    village_quotas,
)

SHARE = 0.2


def make(seed=0, villages=20):
    """Synthetic villages of unequal size (60-139 households), village wealth effects,
    consumption driven by income and assets, and a wealth-homophilous network."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(60, 140, villages)
    village = np.repeat(np.arange(villages), sizes)
    n = village.size
    vfx = rng.normal(0.0, 0.3, villages)[village]
    size_ae = 1.0 + rng.gamma(4.0, 0.75, n)
    assets = np.exp(5.5 + vfx + rng.normal(0.0, 1.0, n)) * (rng.random(n) > 0.15)
    savings = np.exp(3.0 + rng.normal(0.0, 1.0, n))
    income = np.exp(4.0 + vfx + 0.15 * np.log1p(assets) + rng.normal(0.0, 0.4, n))
    consumption = (income + 0.01 * assets) / size_ae / 30.4 * np.exp(rng.normal(0, 0.25, n))
    adj = build_network(village, assets + savings, Network(), RandomStreams(seed))
    degree = np.asarray(adj.sum(axis=1)).ravel()
    return TargetingInputs(assets, savings, income, size_ae, consumption, village, adj, degree)


@pytest.fixture(scope="module")
def inputs():
    return make()


def run(rule, inputs, seed=1, noise_sd=0.35, share=SHARE, **options):
    return target(rule, inputs, share, noise_sd, np.random.default_rng(seed), **options)


@pytest.mark.parametrize("rule", sorted(TARGETING_RULES))
def test_every_rule_selects_the_documented_number_and_is_reproducible(inputs, rule):
    n = inputs.n
    res = run(rule, inputs)
    assert res.eligible.dtype == bool and res.score.shape == (n,)
    assert res.eligible.sum() == round(SHARE * n)
    # equal-sized benchmark group: inclusion and exclusion errors coincide
    assert res.inclusion_error == pytest.approx(res.exclusion_error)
    if rule in ("community", "network"):
        sizes = np.bincount(inputs.village)
        per_village = np.bincount(inputs.village[res.eligible], minlength=sizes.size)
        assert np.all(per_village >= np.floor(SHARE * sizes))
        assert np.all(per_village <= np.ceil(SHARE * sizes))
    again = run(rule, inputs)
    np.testing.assert_array_equal(res.eligible, again.eligible)
    np.testing.assert_array_equal(res.score, again.score)
    assert res.inclusion_error == again.inclusion_error
    other = run(rule, inputs, seed=2)
    assert not np.array_equal(res.eligible, other.eligible)


def test_village_quotas_add_up_and_stay_within_floor_and_ceil():
    village = np.repeat([3, 7, 9, 12], [7, 13, 5, 11])  # non-contiguous ids
    codes, quota = village_quotas(village, 0.3, np.random.default_rng(0))
    assert quota.sum() == round(0.3 * village.size) == 11
    np.testing.assert_array_equal(np.bincount(codes), [7, 13, 5, 11])
    exact = 0.3 * np.array([7, 13, 5, 11])
    assert np.all((quota == np.floor(exact)) | (quota == np.ceil(exact)))


def test_pmt_beats_random_by_a_clear_margin(inputs):
    pmt = run("pmt", inputs)
    lottery = run("random", inputs)
    assert pmt.inclusion_error < lottery.inclusion_error - 0.3
    assert pmt.exclusion_error < lottery.exclusion_error - 0.3


def test_random_errors_are_near_one_minus_share(inputs):
    errors = [run("random", inputs, seed=s).inclusion_error for s in range(20)]
    assert abs(errors[0] - (1 - SHARE)) < 0.05
    assert np.mean(errors) == pytest.approx(1 - SHARE, abs=0.01)


def test_community_ranking_is_noisier_and_captured_slots_go_to_connected_non_poor(inputs):
    low_noise_pmt = run("pmt", inputs, noise_sd=0.1)
    community = run("community", inputs)
    assert community.inclusion_error > low_noise_pmt.inclusion_error + 0.1

    res = run("community", inputs, elite_capture_share=0.25)
    captured = res.details["captured"]
    assert captured.any() and np.all(res.eligible[captured])
    quota = np.bincount(inputs.village[res.eligible])  # each village's slots
    per_village = np.bincount(inputs.village[captured], minlength=quota.size)
    np.testing.assert_array_equal(per_village, np.floor(0.25 * quota + 0.5))
    assert inputs.degree[captured].mean() > inputs.degree.mean() + 1.0
    # captured households are in the better-off half of their village's perceived ranking
    for v in np.unique(inputs.village[captured]):
        in_v = inputs.village == v
        assert res.score[captured & in_v].min() >= np.median(res.score[in_v])
    # capture adds inclusion error; without it there is none to find
    none = run("community", inputs, elite_capture_share=0.0)
    assert not none.details["captured"].any()
    assert res.inclusion_error > none.inclusion_error + 0.04


def test_community_ranks_within_villages(inputs):
    """Every village fills its quota even if its households are all richer than another's."""
    rich = inputs.village == 0
    shifted = TargetingInputs(
        np.where(rich, inputs.assets * 100, inputs.assets),
        inputs.savings,
        np.where(rich, inputs.income_12m * 100, inputs.income_12m),
        inputs.size_ae,
        inputs.consumption_ppd,
        inputs.village,
        inputs.adjacency,
        inputs.degree,
    )
    community = run("community", shifted, elite_capture_share=0.0)
    pmt = run("pmt", shifted)
    assert community.eligible[rich].sum() == pytest.approx(SHARE * rich.sum(), abs=1)
    assert pmt.eligible[rich].sum() == 0


def isolate_poorest(inputs, k=40):
    """Cut every tie of the ``k`` poorest households by consumption."""
    iso = np.argsort(inputs.consumption_ppd)[:k]
    keep = np.ones(inputs.n)
    keep[iso] = 0.0
    d = sp.diags_array(keep)
    adj = sp.csr_array(d @ inputs.adjacency @ d)
    adj.eliminate_zeros()
    degree = np.asarray(adj.sum(axis=1)).ravel()
    out = TargetingInputs(
        inputs.assets,
        inputs.savings,
        inputs.income_12m,
        inputs.size_ae,
        inputs.consumption_ppd,
        inputs.village,
        adj,
        degree,
    )
    return out, iso


def test_network_targeting_reaches_connected_poor_only(inputs):
    data, iso = isolate_poorest(inputs)
    res = run("network", data)
    entry = res.details["entry_points"]
    assert entry.any() and np.all(data.degree[entry] > 0)
    # every eligible household is within distance 2 of an entry point
    dist = shortest_path(data.adjacency, unweighted=True, indices=np.flatnonzero(entry))
    nearest = dist.min(axis=0)
    assert np.all(nearest[res.eligible] <= 2)
    np.testing.assert_array_equal(res.details["distance"] <= 2, nearest <= 2)
    # entry points are each village's most connected households
    for v in np.unique(data.village):
        in_v = data.village == v
        k = int((entry & in_v).sum())
        assert k >= 1
        assert data.degree[entry & in_v].min() >= np.sort(data.degree[in_v])[-k]
        assert data.degree[entry & in_v].min() > data.degree[in_v].mean()
    # the connected are favoured ...
    pmt = run("pmt", data)
    assert data.degree[res.eligible].mean() > data.degree[pmt.eligible].mean() + 0.1
    # ... and the isolated very poor are missed, though the PMT finds them
    assert data.degree[iso].max() == 0
    assert not res.eligible[iso].any()
    assert pmt.eligible[iso].sum() > len(iso) // 2
    assert res.inclusion_error > pmt.inclusion_error


def test_network_targeting_widens_to_distance_two_and_more_entry_points(inputs):
    one = run("network", inputs, entry_points=1)
    dist = one.details["distance"]
    assert one.eligible.sum() == round(SHARE * inputs.n)
    assert np.any(one.eligible & (dist == 2))
    # distance-1 households are used up before anyone at distance 2 is enrolled
    for v in np.unique(inputs.village):
        in_v = inputs.village == v
        if np.any(one.eligible & in_v & (dist == 2)):
            assert np.all(one.eligible[in_v & (dist <= 1)])


def test_errors_helper():
    c = np.random.default_rng(3).lognormal(0.5, 0.5, 500)
    perfect = poorest(c, SHARE, np.random.default_rng(0))
    assert targeting_errors(perfect, c, SHARE, np.random.default_rng(1)) == (0.0, 0.0)
    worst = poorest(-c, SHARE, np.random.default_rng(0))
    assert targeting_errors(worst, c, SHARE, np.random.default_rng(1)) == (1.0, 1.0)
    half = perfect.copy()
    half[np.flatnonzero(perfect)[:50]] = False
    incl, excl = targeting_errors(half, c, SHARE, np.random.default_rng(1))
    assert incl == 0.0 and excl == pytest.approx(0.5)


def test_proxy_means_test_wraps_the_pmt_rule(inputs):
    i = inputs
    old = proxy_means_test(
        i.assets, i.savings, i.income_12m, i.size_ae, i.consumption_ppd, SHARE, 0.35,
        np.random.default_rng(1),
    )  # fmt: skip
    new = run("pmt", inputs)
    np.testing.assert_array_equal(old.eligible, new.eligible)
    assert old.inclusion_error == new.inclusion_error


def test_bad_rule_or_option_is_refused(inputs):
    with pytest.raises(ValueError, match="must be one of"):
        run("lottery", inputs)
    with pytest.raises(ValueError, match="unknown option"):
        run("pmt", inputs, entry_share=0.1)
    with pytest.raises(ValueError, match="elite_capture_share"):
        run("community", inputs, elite_capture_share=1.5)
    assert set(rule_options("network")) == {"entry_share", "entry_points", "max_distance"}
    assert rule_options("pmt") == {}


# --- wiring into scenarios and the model ------------------------------------------------


@pytest.mark.parametrize("rule", ["pmt", "community", "random", "network"])
def test_every_rule_runs_in_the_model_and_reports_errors(rule):
    from conftest import small

    from pushpull_sim import GraduationModel

    m = GraduationModel(small(programme={"targeting": rule}))
    assert m.hh.eligible.sum() == round(m.params.programme.eligible_share * m.hh.n)
    assert 0.0 <= m.targeting.inclusion_error <= 1.0
    np.testing.assert_array_equal(m.hh.targeting_score, m.targeting.score)


def test_random_targeting_misses_more_of_the_poorest_than_pmt_in_the_model():
    from conftest import small

    from pushpull_sim import GraduationModel

    pmt = GraduationModel(small(programme={"targeting": "pmt"})).targeting
    rnd = GraduationModel(small(programme={"targeting": "random"})).targeting
    assert rnd.exclusion_error > pmt.exclusion_error + 0.2


def test_unknown_targeting_option_is_a_one_line_error():
    from pushpull_sim.scenario import ScenarioError, scenario_from_dict

    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(
            {"programme": {"targeting": "network", "targeting_options": {"elite": 0.1}}}
        )
    msg = str(info.value)
    assert "programme.targeting_options" in msg and "elite" in msg and "entry_share" in msg
    ok = scenario_from_dict(
        {"programme": {"targeting": "network", "targeting_options": {"entry_share": 0.1}}}
    )
    assert ok.programme.targeting_options == {"entry_share": 0.1}
