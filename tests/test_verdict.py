"""The verdict of ``pushpull compare``: the best strategy on one outcome, its paired
difference from each other strategy with a 95 % interval, plain words, and how many
replications would tell a tie apart."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pushpull_sim.cli import main
from pushpull_sim.compare import (
    ADDITIONAL,
    PER_100K,
    CompareResult,
    cost_per_additional_ci,
    format_verdict,
    mean_ci,
    replications_needed,
    verdict,
)
from pushpull_sim.outcomes import cost_per_additional

R = 8  # replications of the made-up comparisons


def made_up(values: dict[str, np.ndarray], extra: dict[str, dict[str, np.ndarray]] | None = None):
    """A comparison whose per-replication values are given: ``{strategy: (r,)}`` of the
    additional sustained graduates per USD PPP 100,000 (and of the sustained share)."""
    rows = []
    for label, v in values.items():
        for rep, x in enumerate(v):
            row = {
                "strategy": label,
                "replication": rep,
                PER_100K: x,
                "sustained_graduates_2y": 0.1 + x / 100,
                "total_cost_usd_ppp": 0.0 if np.isnan(x) else 200_000.0,
            }
            for name, by_label in (extra or {}).items():
                row[name] = by_label[label][rep]
            rows.append(row)
    runs = pd.DataFrame(rows)
    return CompareResult(
        scenario=None,
        seed=0,
        replications=len(next(iter(values.values()))),
        variants={label: {"name": label} for label in values},
        runs=runs,
        costs=pd.DataFrame(columns=["strategy", "replication", "line", "usd_ppp"]),
        series=pd.DataFrame(),
    )


def test_the_power_estimate_is_the_smallest_count_whose_interval_excludes_the_difference():
    sd, d = 2.0, 0.5
    n = replications_needed(sd, d)
    t = stats.t.ppf(0.975, [n - 2, n - 1]) * sd / np.sqrt([n - 1, n])
    assert t[1] < d <= t[0]  # n replications are enough, n - 1 are not
    assert n == pytest.approx((1.96 * sd / d) ** 2, rel=0.05)  # the familiar approximation
    assert replications_needed(sd, -d) == n  # the sign does not matter
    assert replications_needed(1.0, 0.0) is None  # no difference: no count tells it
    assert replications_needed(0.0, 0.3) == 2
    assert replications_needed(1.0, 1e-6) == 100_001  # beyond the cap: "more than"


def test_a_clear_winner_beats_every_other_strategy_in_words():
    rng = np.random.default_rng(1)
    base = rng.normal(5.0, 1.0, R)
    result = made_up(
        {
            "siloed": base,
            "sequenced": base + 1.0 + rng.normal(0, 0.1, R),
            "none": np.full(R, np.nan),  # spends nothing
        }
    )
    v = verdict(result)
    assert v.outcome == PER_100K and v.best == "sequenced" and v.winner == "sequenced"
    (c,) = v.contrasts
    diff = result.runs.set_index(["strategy", "replication"])[PER_100K]
    expected = mean_ci((diff["sequenced"] - diff["siloed"]).to_numpy())
    assert (c.other, c.mean, c.ci_low, c.ci_high, c.n) == ("siloed", *expected[:3], R)
    assert c.told_apart and c.needed is None
    text = format_verdict(v)
    assert text.startswith("Verdict on additional sustained graduates per USD PPP 100,000")
    assert "Best: sequenced" in text and "it beats every other strategy" in text
    assert (
        f"sequenced beats siloed by {c.mean:.2f} per USD PPP 100,000 "
        f"({c.ci_low:.2f} to {c.ci_high:.2f})" in text
    )
    assert "none: not applicable (it spends nothing)" in text
    assert max(len(line) for line in text.splitlines()) <= 100
    # 8 replications: a clear winner still, with the caution that few replications give
    assert "Caution: with 8 replications" in " ".join(text.split())


def test_the_caution_about_few_replications_goes_at_ten():
    rng = np.random.default_rng(2)
    for r, cautious in [(3, True), (9, True), (10, False), (20, False)]:
        base = rng.normal(5.0, 1.0, r)
        result = made_up({"siloed": base, "sequenced": base + 1.0 + rng.normal(0, 0.1, r)})
        text = " ".join(format_verdict(verdict(result)).split())
        assert ("Caution: with" in text) == cautious, r


def test_no_winner_is_claimed_when_an_interval_includes_zero():
    rng = np.random.default_rng(2)
    base = rng.normal(5.0, 1.0, R)
    noise = rng.normal(0.0, 1.0, R)
    result = made_up({"siloed": base, "layered": base + 0.2 + noise, "push_only": base - 3.0})
    v = verdict(result)
    tie = next(c for c in v.contrasts if not c.told_apart)
    assert v.winner is None and v.ties == [tie.other]
    assert tie.ci_low < 0 < tie.ci_high
    assert tie.needed == replications_needed(tie.sd, tie.mean) and tie.needed > R
    text = " ".join(format_verdict(v).split())
    assert text.count("beats") == 1  # push_only only; never the tie
    assert f"No single winner: {v.best} has the best mean" in text
    assert f"cannot be told apart from {tie.other} at {R} replications" in text
    assert "replications would tell a difference this large" in text
    assert "Best:" not in text


def test_lower_is_better_and_shares_read_in_points():
    poor = {
        "siloed": np.full(R, 0.72) + np.linspace(0, 0.01, R),
        "layered": np.full(R, 0.70) + np.linspace(0, 0.01, R) + np.r_[0.001, np.zeros(R - 1)],
    }
    result = made_up({k: np.full(R, 5.0) for k in poor}, {"extreme_poor_end_2y": poor})
    v = verdict(result, "extreme_poor_end_2y")
    assert v.best == "layered" and v.better == "lower"
    (c,) = v.contrasts
    assert c.mean == pytest.approx(-0.02 + 0.001 / R)
    text = " ".join(format_verdict(v).split())
    assert "(lower is better;" in text
    assert f"layered beats siloed by {-100 * c.mean:.1f} points" in text


def test_the_cost_per_additional_graduate_is_ranked_by_its_reciprocal():
    result = made_up({"siloed": np.full(R, 4.0), "layered": np.full(R, 5.0)})
    result.runs[ADDITIONAL] = 100_000 / result.runs[PER_100K]
    v = verdict(result, ADDITIONAL)
    assert v.outcome == PER_100K and v.asked == ADDITIONAL and v.best == "layered"
    assert "ranked by its reciprocal" in format_verdict(v)


def test_the_cost_per_additional_graduate_over_replications_is_the_reciprocal_mean():
    per_100k = np.array([4.0, 5.0, 6.0, np.nan])
    cost, lo, hi, n = cost_per_additional_ci(per_100k)
    m, mlo, mhi, _ = mean_ci(per_100k)
    assert n == 3 and cost == 100_000 / m == cost_per_additional(per_100k)
    assert (lo, hi) == (100_000 / mhi, 100_000 / mlo)
    # an interval that reaches 0: no upper bound, never a number standing in for it
    cost, lo, hi, _ = cost_per_additional_ci(np.array([0.5, -0.2, 1.0, 0.1]))
    assert math.isfinite(cost) and math.isfinite(lo) and hi == math.inf
    # no additional graduate on average: not applicable
    assert all(math.isnan(x) for x in cost_per_additional_ci(np.array([-1.0, 0.5]))[:3])
    assert math.isnan(cost_per_additional([np.nan, np.nan]))


def test_verdict_on_an_outcome_without_a_direction_is_a_one_line_error(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text('name = "x"\n[programme]\nbudget_usd_ppp = 1000.0\n')
    for bad, why in (("treatment_households", "neither higher nor lower"), ("x", "unknown")):
        with pytest.raises(SystemExit) as exc:
            main(["compare", str(path), "--verdict-on", bad])
        err = capsys.readouterr().err.strip()
        assert exc.value.code == 2 and "\n" not in err
        assert f"--verdict-on = {bad}: {why}" in err and "sustained_graduates_2y" in err
