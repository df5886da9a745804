"""``pushpull compare``: common random numbers, the outputs and their columns, the lever
attribution, and bad input."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS

from pushpull_sim.cli import main
from pushpull_sim.compare import (
    ADDITIONAL,
    COMPARE_FILES,
    HEADLINE,
    OUTCOMES,
    PER_100K,
    compare,
    format_differences,
    format_table,
    lever_attribution,
    lever_variants,
    mean_ci,
    write_comparison,
)
from pushpull_sim.scenario import ScenarioError, load_scenario
from pushpull_sim.strategies import LEVER_GROUPS


def tiny(tmp_path=None, months: int = 40):
    """The workshop scenario at 250 households, a 12-month project, 40 months."""
    sc = load_scenario(SCENARIOS / "disconnect_demo.toml")
    sc = sc.with_overrides(
        run={"months": months, "replications": 2, "seed": 5},
        population={"households": 250, "villages": 5, "burn_in_months": 6},
        programme={"end_month": 12, "budget_usd_ppp": 60_000.0},
        strategy={"switch_month": 6},
        output={"household_months": [0]},
    )
    if tmp_path is not None:
        from pushpull_sim.scenario import dump_scenario

        path = tmp_path / "tiny.toml"
        dump_scenario(sc, path)
        return path
    return sc


@pytest.fixture(scope="module")
def result():
    return compare(tiny(), strategies=["none", "siloed", "layered"], workers=1)


def test_outcomes_are_measured_per_strategy_and_replication(result):
    runs = result.runs
    assert list(runs["strategy"]) == ["none"] * 2 + ["siloed"] * 2 + ["layered"] * 2
    assert list(runs["replication"]) == [0, 1] * 3
    assert set(OUTCOMES) <= set(runs.columns)
    none = runs[runs["strategy"] == "none"]
    assert (none["participants"] == 0).all() and (none["total_cost_usd_ppp"] == 0).all()
    siloed = runs[runs["strategy"] == "siloed"]
    assert (siloed["participants"] > 0).all()
    # the same treatment arm under every strategy (common random numbers)
    assert runs["treatment_households"].nunique() == 1
    # end+5y lies beyond a 40-month horizon: undefined, not zero
    assert runs["sustained_graduates_5y"].isna().all() and runs["graduated_end_5y"].isna().all()
    for col in ("sustained_graduates_2y", "extreme_poor_end", "market_participation_end"):
        assert runs[col].between(0, 1).all(), col
    budget = result.scenario.programme.budget_usd_ppp
    assert np.allclose(runs["unspent_usd_ppp"], budget - runs["total_cost_usd_ppp"])
    # the one cost-effectiveness figure: money spent per sustained graduate beyond the
    # control arm's rate, and its reciprocal per USD PPP 100,000
    none = runs[runs["strategy"] == "none"]
    assert none[PER_100K].isna().all() and none[ADDITIONAL].isna().all()  # nothing spent
    spent = runs[runs["total_cost_usd_ppp"] > 0]
    extra = spent["additional_sustained_graduates"]
    assert np.allclose(spent[PER_100K], extra / spent["total_cost_usd_ppp"] * 100_000)
    gain = extra > 0
    assert gain.any()
    assert np.allclose(
        spent.loc[gain, ADDITIONAL], spent.loc[gain, "total_cost_usd_ppp"] / extra[gain]
    )
    assert spent.loc[~gain, ADDITIONAL].isna().all()  # no additional graduate: no figure


def test_the_table_has_a_mean_and_95_percent_ci_per_strategy_and_outcome(result):
    table = result.table()
    assert list(table.columns) == ["strategy", "outcome", "unit", "mean", "ci_low", "ci_high", "n"]
    assert set(table["outcome"]) == set(OUTCOMES) and ADDITIONAL in OUTCOMES
    assert len(table) == 3 * len(OUTCOMES)
    row = table[(table.strategy == "siloed") & (table.outcome == "extreme_poor_end")].iloc[0]
    values = result.runs.loc[result.runs.strategy == "siloed", "extreme_poor_end"]
    mean, lo, hi, n = mean_ci(values.to_numpy())
    lo, hi = max(lo, 0.0), min(hi, 1.0)  # shares: the interval stays in [0, 1]
    assert (row["mean"], row["ci_low"], row["ci_high"], row["n"]) == (mean, lo, hi, n)
    assert lo <= mean <= hi
    assert math.isclose(mean, values.mean())


def test_mean_ci_is_the_student_t_interval():
    mean, lo, hi, n = mean_ci(np.array([1.0, 2.0, 3.0, np.nan]))
    assert (mean, n) == (2.0, 3)
    assert hi - mean == pytest.approx(4.302652729911275 * 1.0 / math.sqrt(3))
    one = mean_ci(np.array([5.0]))
    assert one[0] == 5.0 and math.isnan(one[1]) and math.isnan(one[2]) and one[3] == 1


def test_spending_is_reported_by_cost_line(result):
    spend = result.spending()
    assert list(spend.columns) == ["strategy", "line", "usd_ppp"]
    layered = spend[spend.strategy == "layered"].set_index("line")["usd_ppp"]
    assert layered["integration_lead"] == pytest.approx(400.0 * 12)
    assert "pull_implementer" in layered and "asset_transfer" in layered
    mean_cost = result.runs.groupby("strategy")["total_cost_usd_ppp"].mean()
    totals = spend.groupby("strategy")["usd_ppp"].sum()
    assert totals["layered"] == pytest.approx(mean_cost["layered"])


def test_results_do_not_depend_on_worker_count(result):
    again = compare(tiny(), strategies=["none", "siloed", "layered"], workers=2)
    pd.testing.assert_frame_equal(result.runs, again.runs, check_exact=True)
    pd.testing.assert_frame_equal(result.series, again.series, check_exact=True)


def test_written_outputs_and_their_columns(result, tmp_path):
    out = write_comparison(result, tmp_path / "cmp")
    assert sorted(p.name for p in out.iterdir()) == sorted(COMPARE_FILES)
    csv = pd.read_csv(out / "comparison.csv")
    parquet = pd.read_parquet(out / "comparison.parquet")
    pd.testing.assert_frame_equal(csv, parquet, check_dtype=False)
    assert list(csv.columns) == ["strategy", "outcome", "unit", "mean", "ci_low", "ci_high", "n"]
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 6
    report = (out / "report.md").read_text()
    for needle in (
        "## Outcomes",
        "compare_timeseries.png",
        "## How each strategy spent",
        "## Lever settings",
        "| layered |",
    ):
        assert needle in report, needle
    for png in ("compare_timeseries.png", "compare_outcomes.png"):
        assert (out / png).read_bytes()[:4] == b"\x89PNG"
    text = format_table(result)
    lines = text.splitlines()
    assert lines[0] == "Graduation and extreme poverty (shares of the treatment arm, 0-1)"
    assert lines[2].split()[0] == "strategy"
    assert sum(line.startswith("strategy ") for line in lines) == 4  # four tables
    assert "Reach and spending" in lines
    # no commercial pull actor: no share of them, written as such
    assert re.search(r"^none +0\.000 +0\.000 +not applicable$", text, re.M)
    assert max(len(line) for line in lines) <= 100  # a terminal's width, footnotes wrapped
    assert "note: the horizon (month 40) ends less than 5 years after" in text
    diff = pd.read_csv(out / "differences.csv")
    assert list(diff.columns) == ["strategy", "reference", "outcome", "mean", "ci_low", "ci_high"]
    assert set(diff["strategy"]) == {"none", "layered"} and set(diff["reference"]) == {"siloed"}
    runs = result.runs.set_index(["strategy", "replication"])
    gap = runs.loc["layered", "total_cost_usd_ppp"] - runs.loc["siloed", "total_cost_usd_ppp"]
    row = diff[(diff.strategy == "layered") & (diff.outcome == "total_cost_usd_ppp")].iloc[0]
    assert row["mean"] == pytest.approx(gap.mean())
    assert "### Paired differences from siloed" in report
    printed = format_differences(result)
    assert printed.splitlines()[0] == "Paired differences: each strategy minus siloed"
    assert printed.splitlines()[2].startswith("minus siloed")
    assert max(len(line) for line in printed.splitlines()) <= 100


def test_lever_attribution_switches_one_group_at_a_time():
    variants = lever_variants()
    assert len(variants) == 2 + 2 * len(LEVER_GROUPS)
    assert variants["siloed+coordination"] == {
        "name": "siloed",
        "coordination": 1.0,
        "information_lag_months": 0,
        "integration_lead": True,
    }
    assert variants["layered-network_outreach"] == {"name": "layered", "outreach": "random"}
    r = compare(tiny(months=30), variants=variants, replications=1, workers=1)
    att = lever_attribution(r)
    assert list(att.columns) == ["lever", "outcome", "estimate", "mean", "ci_low", "ci_high"]
    assert set(att["outcome"]) == set(HEADLINE)
    runs = r.runs.set_index("strategy")
    total = att[(att.lever == "total") & (att.outcome == "total_cost_usd_ppp")]["mean"].iloc[0]
    assert total == pytest.approx(
        runs.loc["layered", "total_cost_usd_ppp"] - runs.loc["siloed", "total_cost_usd_ppp"]
    )
    added = att[
        (att.lever == "coordination")
        & (att.estimate == "added")
        & (att.outcome == "total_cost_usd_ppp")
    ]["mean"].iloc[0]
    assert added == pytest.approx(
        runs.loc["siloed+coordination", "total_cost_usd_ppp"]
        - runs.loc["siloed", "total_cost_usd_ppp"]
    )


def test_compare_command_writes_the_report(tmp_path, capsys):
    path = tiny(tmp_path)
    out = tmp_path / "out"
    code = main(
        [
            "compare",
            str(path),
            "--strategies",
            "push_only",
            "layered",
            "--replications",
            "2",
            "--workers",
            "1",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "push_only" in printed and "layered" in printed and f"wrote {out}/" in printed
    # the verdict comes first, in the printed output and in the report
    assert printed.startswith("Verdict on additional sustained graduates per USD PPP 100,000")
    assert max(len(line) for line in printed.splitlines()) <= 100
    report = (out / "report.md").read_text()
    assert report.index("## Verdict") < report.index("## Outcomes")
    assert report.index("![") == report.index("![paired differences](compare_differences.png)")
    assert (out / "compare_differences.png").read_bytes()[:4] == b"\x89PNG"
    table = pd.read_csv(out / "comparison.csv")
    assert set(table["strategy"]) == {"push_only", "layered"}
    # an existing run is never replaced without --force
    assert main(["compare", str(path), "--strategies", "layered", "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert set(pd.read_csv(out / "comparison.csv")["strategy"]) == {"push_only", "layered"}


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--strategies", "integrated"], "invalid choice: 'integrated'"),
        (["--replications", "0"], "--replications = 0: must be an integer from 1 to 10000"),
    ],
)
def test_bad_compare_options_exit_2_with_one_line(tmp_path, capsys, argv, message):
    path = tiny(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["compare", str(path), *argv])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err


def test_compare_needs_a_budget(tmp_path, capsys):
    path = tmp_path / "nobudget.toml"
    path.write_text('name = "x"\n[population]\nhouseholds = 200\nvillages = 4\n')
    assert main(["compare", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "programme.budget_usd_ppp" in err and err.count("\n") == 1
    assert not (tmp_path / "o").exists()


def test_notes_say_when_a_budget_share_cannot_be_used():
    sc = tiny(months=14).with_overrides(pull={"actors": [{"type": "buyer"}]})
    r = compare(sc, strategies=["siloed"], replications=1, workers=1)
    assert r.notes()[1:] == [
        "siloed: the scenario has no pull implementer, so its pull share of the budget (20%) "
        "stays unspent"
    ]
    assert r.notes()[0].startswith("the horizon (month 14) ends less than 2 and 5 years after")
    assert "note: siloed: the scenario has no pull implementer" in format_table(r)


def test_the_python_api_refuses_bad_strategies_clearly():
    sc = tiny(months=14)
    with pytest.raises(ScenarioError, match="strategy = 'bogus': unknown; allowed: none, "):
        compare(sc, strategies=["siloed", "bogus"])
    with pytest.raises(ValueError, match="give at least one strategy"):
        compare(sc, strategies=[])
    with pytest.raises(ValueError, match="replications = 0: must be >= 1"):
        compare(sc, strategies=["siloed"], replications=0)
    one = compare(sc, strategies="siloed", replications=1, workers=1)  # a name, not letters
    assert list(one.variants) == ["siloed"]


def test_a_budget_a_strategy_cannot_run_on_names_the_file_and_the_shortfall(tmp_path, capsys):
    path = tmp_path / "small.toml"
    text = tiny(tmp_path).read_text().replace("budget_usd_ppp = 60000.0", "budget_usd_ppp = 2000.0")
    path.write_text(text)
    assert main(["compare", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"pushpull compare: error: {path}: under strategy layered: programme.budget_usd_ppp "
        "= 2000.0: must cover the pull share, the integration lead and the fixed cost "
        "(short by 3,200)"
    )
    assert not (tmp_path / "o").exists()


def test_ctrl_c_stops_compare_with_one_line_and_leaves_nothing(tmp_path):
    import os
    import signal
    import subprocess
    import sys

    path = tiny(tmp_path)
    out = tmp_path / "o"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pushpull_sim.cli",
            "compare",
            str(path),
            "--replications",
            "200",
            "--workers",
            "2",
            "--out",
            str(out),
        ],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
        env={**os.environ, "PYTHONFAULTHANDLER": "1"},  # SIGABRT dumps every thread's stack
        # as from a terminal: a shell running this suite in the background without job
        # control starts it with SIGINT ignored, and a child inherits that
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    _wait_for_work(tmp_path, proc)
    os.killpg(proc.pid, signal.SIGINT)  # as Ctrl-C does: the whole process group
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:  # show where it hangs: Python's stack of every thread
        os.kill(proc.pid, signal.SIGABRT)
        _, err = proc.communicate(timeout=30)
        raise AssertionError(
            f"compare did not stop within 60 s of Ctrl-C:\n{err[-8000:]}"
        ) from None
    assert proc.returncode == 130
    assert err.strip() == "pushpull compare: interrupted; nothing was written"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.toml"]


def test_sigterm_to_the_parent_stops_its_workers_too(tmp_path):
    import subprocess
    import sys
    import time

    path = tiny(tmp_path)
    out = tmp_path / "sigterm-out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pushpull_sim.cli",
            "run",
            str(path),
            "--replications",
            "200",
            "--workers",
            "2",
            "--out",
            str(out),
        ],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    _wait_for_work(tmp_path, proc)
    proc.terminate()  # the parent only, as a job scheduler would
    proc.communicate(timeout=60)
    assert proc.returncode == 143
    time.sleep(0.5)
    alive = subprocess.run(["pgrep", "-f", str(out)], capture_output=True, text=True).stdout
    assert alive == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.toml"]


def _wait_for_work(folder, proc, timeout_s: float = 60.0, workers: int = 2) -> None:
    """Wait until the command has checked its input and started its runs: its temporary
    output directory exists (so its signal handlers are set) and all its worker processes
    are up (so it has loaded the model; multiprocessing's resource tracker is a child
    too, so one child alone does not mean a worker), plus a second of work."""
    import subprocess
    import time

    deadline = time.monotonic() + timeout_s

    def started() -> bool:
        if not any(p.name.startswith(".") for p in folder.iterdir()):
            return False
        children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True)
        return len(children.stdout.split()) >= workers

    while not started():
        assert proc.poll() is None, "the command ended before it started its runs"
        assert time.monotonic() < deadline, "the command did not start its runs"
        time.sleep(0.05)
    time.sleep(1.0)
