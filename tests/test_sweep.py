"""Batch sweeps: specs, seeds, engines, streaming output, resume, failures, analysis."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pushpull_sim.cli import main
from pushpull_sim.sweep import store
from pushpull_sim.sweep.analyze import analyze
from pushpull_sim.sweep.engine import run_sweep
from pushpull_sim.sweep.outcomes import OUTCOMES
from pushpull_sim.sweep.spec import SpecError, load_sweep, run_seed

ROOT = Path(__file__).resolve().parent.parent

TINY_BASE = """
name = "tiny"
[run]
months = 30
[population]
households = 200
villages = 4
villages_per_region = 2
burn_in_months = 6
[programme]
end_month = 12
[[programme.interventions]]
type = "asset_transfer"
value_usd_ppp = 800.0
[[programme.interventions]]
type = "consumption_support"
duration_months = 6
[[pull.actors]]
type = "lender"
[rct]
itt_months = [12]
[output]
household_months = [0, 12, 24]
"""

TINY_SPEC = """
[sweep]
name = "tiny"
base = "base.toml"
design = "lhs"
samples = 6
replications = 2
seed = 11
outcomes = ["graduated_end", "graduated_horizon", "extreme_poor_horizon", "total_cost_usd_ppp"]
timeseries = ["graduated_share"]
timeseries_arms = ["treatment"]

[parameters]
"programme.interventions.asset_transfer.value_usd_ppp" = { range = [300.0, 1500.0] }
"pull.actors.lender.interest_rate_yearly" = { levels = [0.1, 0.3] }
"population.households" = { range = [150, 250] }
"""


def write_spec(folder: Path, spec: str = TINY_SPEC, base: str = TINY_BASE) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "base.toml").write_text(base)
    path = folder / "spec.toml"
    path.write_text(spec)
    return path


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The tiny sweep run in this process (1 worker): its spec, directory and tables."""
    folder = tmp_path_factory.mktemp("ref")
    spec = write_spec(folder)
    out = folder / "out"
    report = run_sweep(load_sweep(spec), out, workers=1, progress=False)
    assert report.done == 12 and report.failed == 0
    return spec, out, store.load_summary(out), store.load_timeseries(out)


# ---------------------------------------------------------------------- spec and seeds
def test_design_and_columns(reference):
    spec, out, summary, ts = reference
    sweep = load_sweep(spec)
    assert sweep.n_points == 6 and sweep.n_runs == 12
    assert list(summary.columns[:7]) == [
        "run_id",
        "point_id",
        "replicate",
        "seed",
        "programme.interventions.asset_transfer.value_usd_ppp",
        "pull.actors.lender.interest_rate_yearly",
        "population.households",
    ]
    assert summary["run_id"].tolist() == list(range(12))
    assert (summary["status"] == "ok").all()
    # integer parameters stay integers; levels are levels; ranges are respected
    assert summary["population.households"].dtype == np.int64
    assert summary["population.households"].between(150, 250).all()
    assert set(summary["pull.actors.lender.interest_rate_yearly"]) <= {0.1, 0.3}
    # each run's seed comes from SeedSequence(seed, spawn_key=(point, replicate))
    for _, r in summary.iterrows():
        assert r["seed"] == run_seed(11, r["point_id"], r["replicate"])
    ss = np.random.SeedSequence(11, spawn_key=(2, 1))
    assert run_seed(11, 2, 1) == int(ss.generate_state(1, dtype=np.uint64)[0]) & (2**63 - 1)
    # one time-series row per run x recorded month
    assert len(ts) == 12 * 31
    assert list(ts.columns[-2:]) == ["month", "graduated_share_treatment"]


def test_replicates_differ_and_same_seed_repeats(reference):
    spec, out, summary, ts = reference
    by_point = summary.groupby("point_id")
    # the two replicates of a point have different seeds and different results
    assert (by_point["seed"].nunique() == 2).all()
    cols = ["total_cost_usd_ppp", "graduated_end", "extreme_poor_horizon"]
    rep0 = summary[summary["replicate"] == 0].set_index("point_id")[cols]
    rep1 = summary[summary["replicate"] == 1].set_index("point_id")[cols]
    assert (rep0 != rep1).any(axis=1).sum() >= 5
    # the same seed and parameters give the same run
    from pushpull_sim.sweep.interop import run_scenario

    row = summary.iloc[3]
    params = {n: row[n] for n in load_sweep(spec).names}
    base = spec.parent / "base.toml"
    again = run_scenario(params, int(row["seed"]), base=base)
    assert again["total_cost_usd_ppp"] == row["total_cost_usd_ppp"]
    assert again["graduated_end"] == row["graduated_end"]


def test_final_month_recorded_and_every_k_months(tmp_path):
    spec = TINY_SPEC.replace('design = "lhs"\nsamples = 6\nreplications = 2', 'design = "grid"')
    fixed = '[fixed]\n"output.record_every_months" = 7\n"run.months" = 30\n\n'
    spec = spec.replace("[parameters]", fixed + "[parameters]")
    spec = spec.replace("{ range = [300.0, 1500.0] }", "{ levels = [800.0] }")
    spec = spec.replace("{ range = [150, 250] }", "{ levels = [200] }")
    spec = spec.replace("{ levels = [0.1, 0.3] }", "{ levels = [0.3] }")
    path = write_spec(tmp_path, spec)
    run_sweep(load_sweep(path), tmp_path / "out", workers=1, progress=False)
    ts = store.load_timeseries(tmp_path / "out")
    # every 7 months, plus baseline, the horizon (30 is not a multiple of 7) and the
    # months the summary reads (end of programme 12, household panel 24)
    assert ts["month"].tolist() == [0, 7, 12, 14, 21, 24, 28, 30]
    summary = store.load_summary(tmp_path / "out")
    # the horizon's outcome is the final month's recorded value (no off-by-one)
    final = ts.loc[ts["month"] == 30, "graduated_share_treatment"].iloc[0]
    assert summary["graduated_horizon"].iloc[0] == final
    assert ts["graduated_share_treatment"].notna().all()


# ---------------------------------------------------------------------- engines
def test_two_workers_and_dask_match_one_worker(reference, tmp_path):
    from dask.distributed import Client, LocalCluster

    spec, _, summary, ts = reference
    run_sweep(load_sweep(spec), tmp_path / "two", workers=2, progress=False)
    pd.testing.assert_frame_equal(store.load_summary(tmp_path / "two"), summary)
    pd.testing.assert_frame_equal(store.load_timeseries(tmp_path / "two"), ts)
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        run_sweep(load_sweep(spec), tmp_path / "dask", scheduler=client, progress=False)
        # by address, as --scheduler gives it (the first 5 runs, then resumed)
        address = cluster.scheduler_address
        run_sweep(
            load_sweep(spec), tmp_path / "addr", scheduler=address, progress=False, max_runs=5
        )
        assert len(store.load_summary(tmp_path / "addr")) == 5
        run_sweep(
            load_sweep(spec), tmp_path / "addr", scheduler=address, progress=False, resume=True
        )
    pd.testing.assert_frame_equal(store.load_summary(tmp_path / "addr"), summary)
    pd.testing.assert_frame_equal(store.load_summary(tmp_path / "dask"), summary)
    pd.testing.assert_frame_equal(store.load_timeseries(tmp_path / "dask"), ts)


KILLABLE = """
import sys, time
from pushpull_sim.sweep.engine import default_run_fn, run_sweep
from pushpull_sim.sweep.spec import load_sweep

def slow(*args):  # the real run, slowed down so the sweep can be killed part-way
    time.sleep(0.15)
    return default_run_fn(*args)

run_sweep(load_sweep(sys.argv[1]), sys.argv[2], workers=1, run_fn=slow, progress=False)
"""


def test_ctrl_c_stops_a_sweep_and_its_workers_and_keeps_finished_runs(tmp_path):
    """Sweeps run on the same executor as run and compare: Ctrl-C (to the whole process
    group, as a terminal sends it) stops the workers at once, with one line and status
    130, and the runs already written stay on disk for --resume."""
    spec = write_spec(tmp_path, TINY_SPEC.replace("samples = 6", "samples = 64"))
    out = tmp_path / "interrupted"
    command = [sys.executable, "-m", "pushpull_sim.cli", "sweep", str(spec), "--out", str(out)]
    proc = subprocess.Popen(
        [*command, "--workers", "2", "--quiet"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120  # a safety bound, not a timing assertion
        while time.monotonic() < deadline and proc.poll() is None:
            if out.is_dir() and store.done_run_ids(out):
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the sweep finished before it could be interrupted"
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    header, message = err.strip().split("\n")  # no traceback, from any process
    assert header.startswith("sweep tiny: lhs design, 64 points")
    assert message.startswith(f"pushpull sweep: interrupted; finished runs are kept in {out}/")
    time.sleep(0.5)
    alive = subprocess.run(["pgrep", "-f", str(out)], capture_output=True, text=True).stdout
    assert alive == ""
    assert 1 <= len(store.done_run_ids(out)) < 128


def test_kill_and_resume_loses_and_duplicates_nothing(reference, tmp_path):
    spec, _, summary, ts = reference
    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-c", KILLABLE, str(spec), str(out)])
    try:
        deadline = time.monotonic() + 120  # a safety bound, not a timing assertion
        while time.monotonic() < deadline and proc.poll() is None:
            if out.is_dir() and len(store.done_run_ids(out)) >= 3:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the sweep finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    done_before = store.done_run_ids(out)
    assert 3 <= len(done_before) < 12
    assert list((out / "journal").glob("summary-*.arrows"))  # not yet converted
    # without --resume or --force an existing directory is refused, untouched
    with pytest.raises(Exception, match="pass resume=True"):
        run_sweep(load_sweep(spec), out, workers=1, progress=False)
    assert store.done_run_ids(out) == done_before
    report = run_sweep(load_sweep(spec), out, workers=1, resume=True, progress=False)
    assert report.skipped == len(done_before) and report.done == 12 - len(done_before)
    resumed = store.load_summary(out)
    raw = pd.concat(pd.read_parquet(p) for p in sorted((out / "summary").glob("*.parquet")))
    assert sorted(raw["run_id"]) == list(range(12))  # every run exactly once on disk
    assert not list((out / "journal").iterdir())
    pd.testing.assert_frame_equal(resumed, summary)
    pd.testing.assert_frame_equal(store.load_timeseries(out), ts)
    # resuming a finished sweep runs nothing
    assert run_sweep(load_sweep(spec), out, resume=True, progress=False).done == 0


# ---------------------------------------------------------------------- failures, memory
def flaky(data, seed, columns, arms):
    """A stub run: fails on some seeds, otherwise returns outcomes from its inputs."""
    if seed % 3 == 0:
        raise RuntimeError(f"boom at seed {seed}\nsecond line")
    value = data["programme"]["interventions"][0]["value_usd_ppp"]
    months = np.arange(0, 13, 4, dtype=np.int32)
    ts = pd.DataFrame({"month": months, "graduated_share_treatment": months / 100.0})
    return {"graduated_end": value / 1000.0, "total_cost_usd_ppp": value}, ts


def test_failed_runs_are_recorded_and_the_sweep_goes_on(tmp_path):
    path = write_spec(tmp_path)
    report = run_sweep(load_sweep(path), tmp_path / "out", workers=1, run_fn=flaky, progress=False)
    summary = store.load_summary(tmp_path / "out")
    failed = summary[summary["status"] == "failed"]
    expected = sum(1 for s in summary["seed"] if s % 3 == 0)
    assert len(summary) == 12 and report.failed == len(failed) == expected > 0
    assert failed["error"].str.startswith("RuntimeError: boom at seed").all()
    assert not failed["error"].str.contains("\n").any()
    assert failed["graduated_end"].isna().all()
    ok = summary[summary["status"] == "ok"]
    assert (
        ok["graduated_end"] == ok["programme.interventions.asset_transfer.value_usd_ppp"] / 1000.0
    ).all()
    assert ok["extreme_poor_horizon"].isna().all()  # an outcome the stub does not return
    ts = store.load_timeseries(tmp_path / "out")
    assert set(ts["run_id"]) == set(ok["run_id"])


def test_memory_stays_bounded_over_10000_runs(tmp_path):
    spec = TINY_SPEC.replace('design = "lhs"\nsamples = 6\nreplications = 2', 'design = "grid"')
    spec = spec.replace("{ range = [300.0, 1500.0] }", "{ range = [300.0, 1500.0], n = 100 }")
    spec = spec.replace("{ levels = [0.1, 0.3] }", "{ levels = [0.3] }")
    spec = spec.replace("{ range = [150, 250] }", "{ range = [150, 250], n = 100 }")
    path = write_spec(tmp_path, spec)
    sweep = load_sweep(path)
    assert sweep.n_runs == 10_000

    def stub(data, seed, columns, arms):  # a cheap run: outcomes and 4 recorded months
        value = data["programme"]["interventions"][0]["value_usd_ppp"]
        ts = {"month": [0, 4, 8, 12], "graduated_share_treatment": [0.0, 0.1, 0.2, 0.3]}
        return {"graduated_end": value / 1000.0, "total_cost_usd_ppp": value}, ts

    report = run_sweep(sweep, tmp_path / "out", workers=1, run_fn=stub, progress=False)
    # the driver held one run at a time: each is written to disk as it finishes
    assert report.max_in_flight == 1 and report.done == 10_000
    summary = store.load_summary(tmp_path / "out")
    assert summary["run_id"].tolist() == list(range(10_000))
    assert len(store.load_timeseries(tmp_path / "out")) == 40_000
    # and the driver's memory does not grow with the number of runs: traced sweeps of
    # 25 and 225 runs peak within 300 kB of each other
    peaks = []
    for n in (5, 15):
        folder = tmp_path / f"n{n}"
        small = write_spec(folder, spec.replace("n = 100 }", f"n = {n} }}"))
        tracemalloc.start()
        try:
            run_sweep(load_sweep(small), folder / "out", workers=1, run_fn=stub, progress=False)
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    assert peaks[1] - peaks[0] < 3e5, f"peaks {peaks}"


# ---------------------------------------------------------------------- analysis
def test_sobol_and_morris_indices_find_the_parameter_that_matters(tmp_path):
    def linear(data, seed, columns, arms):
        a = data["programme"]["interventions"][0]["value_usd_ppp"]
        b = data["pull"]["actors"][0]["interest_rate_yearly"]
        return {"graduated_end": a / 1000.0 + 0.01 * b, "total_cost_usd_ppp": a}, None

    for design, samples in (("sobol", 64), ("morris", 10)):
        spec = TINY_SPEC.replace(
            'design = "lhs"\nsamples = 6\nreplications = 2',
            f'design = "{design}"\nsamples = {samples}\nreplications = 1',
        )
        spec = spec.replace("{ levels = [0.1, 0.3] }", "{ range = [0.1, 0.3] }")
        spec = spec.replace('"population.households" = { range = [150, 250] }', "")
        path = write_spec(tmp_path / design, spec)
        out = tmp_path / design / "out"
        run_sweep(load_sweep(path), out, workers=1, run_fn=linear, progress=False)
        result = analyze(out, outcomes=["graduated_end"])
        ind = result["indices"].set_index("parameter")
        big, small = (
            "programme.interventions.asset_transfer.value_usd_ppp",
            "pull.actors.lender.interest_rate_yearly",
        )
        if design == "sobol":
            assert ind.loc[big, "S1"] == pytest.approx(1.0, abs=0.05)
            assert ind.loc[big, "ST"] == pytest.approx(1.0, abs=0.05)
            assert ind.loc[small, "ST"] < 0.01
            assert ind.loc[big, "S1_conf"] > 0
        else:
            # a linear outcome: mu* = the change over the whole range (1.2) = |mu|; sigma 0
            assert ind.loc[big, "mu_star"] == pytest.approx(1.2, rel=1e-6)
            assert ind.loc[small, "mu_star"] == pytest.approx(0.002, rel=1e-6)
            assert ind.loc[big, "sigma"] == pytest.approx(0.0, abs=1e-9)
        assert (out / "analysis" / f"{design}_graduated_end.png").stat().st_size > 1000


def test_grid_heatmaps(tmp_path):
    spec = TINY_SPEC.replace(
        'design = "lhs"\nsamples = 6\nreplications = 2', 'design = "grid"\nreplications = 2'
    )
    spec = spec.replace("{ range = [300.0, 1500.0] }", "{ range = [300.0, 1500.0], n = 3 }")
    spec = spec.replace('"population.households" = { range = [150, 250] }', "")
    path = write_spec(tmp_path, spec)
    run_sweep(load_sweep(path), tmp_path / "out", workers=1, run_fn=flaky, progress=False)
    assert main(["analyze", str(tmp_path / "out"), "--outcomes", "total_cost_usd_ppp"]) == 0
    means = pd.read_csv(tmp_path / "out" / "analysis" / "grid_means.csv")
    # 3 x 2 cells; failed replicates are left out of the means
    assert len(means) == 6
    assert sorted(means["programme.interventions.asset_transfer.value_usd_ppp"].unique()) == [
        300.0,
        900.0,
        1500.0,
    ]
    assert set(means["mean"]) == {300.0, 900.0, 1500.0}
    assert (tmp_path / "out" / "analysis" / "heatmap_total_cost_usd_ppp.png").is_file()


# ---------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "edit, message",
    [
        (
            (
                '"population.households" = { range = [150, 250] }',
                '"population.housholds" = { range = [150, 250] }',
            ),
            "parameter 'population.housholds': unknown key 'housholds' in population; allowed:",
        ),
        (
            (
                '"population.households" = { range = [150, 250] }',
                '"population.households" = { range = [250, 150] }',
            ),
            "parameters.population.households: range = [250.0, 150.0]: low must be < high",
        ),
        (
            ('design = "lhs"', 'design = "factorial"'),
            "sweep.design = 'factorial': input should be 'grid', 'lhs', 'sobol' or 'morris'",
        ),
        (
            (
                '"population.households" = { range = [150, 250] }',
                '"population.households" = { levels = [0, 200] }',
            ),
            "parameters.population.households = 0: the scenario refuses it (population.households"
            " = 0: must be >= 10)",
        ),
        (
            ('"pull.actors.lender.interest_rate_yearly"', '"pull.actors.buyer.price_premium"'),
            "pull.actors has no component of type 'buyer'; types present: lender",
        ),
        (("seed = 11", "seed = -1"), "sweep.seed = -1: input should be greater than or equal"),
        (("[sweep]", "[sweep\n"), "malformed TOML"),
        (
            ('outcomes = ["graduated_end",', 'outcomes = ["graduated",'),
            "outcomes = ['graduated']: allowed (one or more): extreme_poor_end,",
        ),
        (
            ('outcomes = ["graduated_end",', 'outcomes = ["graduated_end", "graduated_end",'),
            "outcomes = ['graduated_end']: each outcome at most once",
        ),
    ],
)
def test_bad_specs_give_one_line(tmp_path, capsys, edit, message):
    path = write_spec(tmp_path, TINY_SPEC.replace(*edit))
    with pytest.raises(SpecError) as err:
        load_sweep(path)
    assert message in str(err.value) and "\n" not in str(err.value)
    code = main(["sweep", str(path), "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code == 2 and captured.err.count("\n") == 1 and message in captured.err
    assert "Traceback" not in captured.err and not (tmp_path / "out").exists()


def test_cli_sweep_refuses_existing_dir_and_bad_workers(tmp_path, capsys):
    path = write_spec(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("earlier work")
    assert main(["sweep", str(path), "--out", str(out), "--quiet"]) == 2
    assert "directory exists and is not empty; pass --resume" in capsys.readouterr().err
    assert (out / "keep.txt").read_text() == "earlier work"
    assert main(["sweep", str(path), "--out", str(out), "--resume"]) == 2
    assert "no sweep to resume here" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["sweep", str(path), "--workers", "0"])
    assert exc.value.code == 2
    assert "--workers = 0: must be an integer from 1 to 1024" in capsys.readouterr().err
    assert main(["analyze", str(tmp_path)]) == 2
    assert "not a sweep directory" in capsys.readouterr().err


def test_cli_sweep_and_force(reference, tmp_path, capsys):
    spec, _, summary, _ = reference
    out = tmp_path / "cli"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "12 run(s) done (0 failed), 0 already on disk" in printed
    pd.testing.assert_frame_equal(store.load_summary(out), summary)
    (out / "summary" / "stale.txt").write_text("from an earlier sweep")
    assert (
        main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--quiet", "--force"]) == 0
    )
    assert not (out / "summary" / "stale.txt").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".cli.old")]
    pd.testing.assert_frame_equal(store.load_summary(out), summary)


def test_resume_refuses_a_changed_spec(reference, tmp_path, capsys):
    spec, out, _, _ = reference
    changed = write_spec(tmp_path, TINY_SPEC.replace("seed = 11", "seed = 12"))
    assert main(["sweep", str(changed), "--out", str(out), "--resume"]) == 2
    assert "the spec or its base scenario changed" in capsys.readouterr().err


# ---------------------------------------------------------------------- shipped specs
def test_shipped_specs_load():
    smoke = load_sweep(ROOT / "scenarios" / "sweeps" / "smoke.toml")
    assert smoke.n_model_runs <= 40
    lvs = load_sweep(ROOT / "scenarios" / "sweeps" / "layered_vs_siloed_sobol.toml")
    assert lvs.strategies == ["siloed", "layered"]
    assert lvs.n_points == 128 * (len(lvs.names) + 2)  # first-order Saltelli: N (D + 2)
    assert lvs.n_model_runs == 1536 * 4 * 2
    assert all(o in OUTCOMES for o in lvs.spec.sweep.outcomes)


def test_strategies_run_on_common_random_numbers(tmp_path):
    base = TINY_BASE + '[[pull.actors]]\ntype = "buyer"\n'
    spec = TINY_SPEC.replace(
        "seed = 11",
        'seed = 11\nstrategies = ["siloed", "layered"]\ncontrast = ["layered", "siloed"]',
    )
    spec = spec.replace("samples = 6\nreplications = 2", "samples = 2\nreplications = 1")
    path = write_spec(tmp_path, spec, base)
    run_sweep(load_sweep(path), tmp_path / "out", workers=1, progress=False)
    s = store.load_summary(tmp_path / "out")
    assert (s["status"] == "ok").all(), s["error"].tolist()
    for o in ("graduated_end", "total_cost_usd_ppp"):
        diff = s[f"{o}[layered]"] - s[f"{o}[siloed]"]
        assert np.allclose(s[f"{o}[layered-siloed]"], diff)
    assert (s["total_cost_usd_ppp[layered]"] != s["total_cost_usd_ppp[siloed]"]).any()
    ts = store.load_timeseries(tmp_path / "out")
    assert sorted(ts["strategy"].unique()) == ["layered", "siloed"]
    assert len(ts) == 2 * 2 * 31
    assert not math.isnan(s["graduated_end[siloed]"].iloc[0])


def test_analysis_warns_when_indices_are_too_noisy_to_read():
    from pushpull_sim.sweep.analyze import format_analysis

    def result(s1, conf):
        ind = pd.DataFrame(
            {
                "outcome": "y",
                "parameter": ["a", "b"],
                "method": "rbd_fast",
                "S1": s1,
                "S1_conf": conf,
            }
        )
        return {
            "design": "lhs",
            "runs": 20,
            "expected_runs": 20,
            "failed": 0,
            "indices": ind,
            "skipped": {},
            "files": [],
        }

    caution = "caution: negative indices or intervals wider than 0.5"
    assert caution not in format_analysis(result([0.6, 0.1], [0.1, 0.05]))
    assert caution in format_analysis(result([0.6, -0.14], [0.1, 0.05]))
    assert caution in format_analysis(result([0.6, 0.1], [1.2, 0.05]))


def test_a_scheduler_that_does_not_answer_fails_in_one_line_before_anything_is_written(
    tmp_path, monkeypatch
):
    from pushpull_sim import executors
    from pushpull_sim.output import OutputError

    spec = load_sweep(write_spec(tmp_path))
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT_S", 1.0)
    with pytest.raises(OutputError, match=r"--scheduler tcp://127.0.0.1:1: cannot connect"):
        run_sweep(spec, tmp_path / "out", scheduler="tcp://127.0.0.1:1", progress=False)
    with pytest.raises(OutputError, match="--scheduler '': give a Dask scheduler address"):
        run_sweep(spec, tmp_path / "out", scheduler="", progress=False)
    assert not (tmp_path / "out").exists()


def test_analysis_of_too_small_or_one_parameter_sweeps_skips_with_a_reason(tmp_path):
    small = TINY_SPEC.replace("samples = 6\nreplications = 2", "samples = 2\nreplications = 1")
    small = small.replace(
        '"pull.actors.lender.interest_rate_yearly" = { levels = [0.1, 0.3] }\n', ""
    )
    small = small.replace('"population.households" = { range = [150, 250] }\n', "")
    spec = write_spec(tmp_path, small)
    run_sweep(load_sweep(spec), tmp_path / "lhs", workers=1, progress=False)
    result = analyze(tmp_path / "lhs", outcomes=["total_cost_usd_ppp"], plots=False)
    assert "raise `samples`" in result["skipped"]["total_cost_usd_ppp"]
    grid = small.replace('design = "lhs"\nsamples = 2', 'design = "grid"').replace(
        "{ range = [300.0, 1500.0] }", "{ levels = [300.0, 1500.0] }"
    )
    spec = write_spec(tmp_path / "g", grid)
    run_sweep(load_sweep(spec), tmp_path / "grid", workers=1, progress=False)
    result = analyze(tmp_path / "grid", outcomes=["total_cost_usd_ppp"])
    means = result["indices"]
    assert list(means.columns) == [
        "programme.interventions.asset_transfer.value_usd_ppp",
        "mean",
        "outcome",
    ]
    assert len(means) == 2 and means["mean"].iloc[1] > means["mean"].iloc[0]
    assert result["skipped"]["(heatmap)"] == "a heatmap needs two varied parameters"


def test_range_ends_are_checked_under_every_strategy_before_any_run(tmp_path):
    spec = TINY_SPEC.replace(
        '"population.households" = { range = [150, 250] }',
        '"population.households" = { range = [5, 250] }',
    )
    with pytest.raises(SpecError, match=r"parameters.population.households = 5: the scenario"):
        load_sweep(write_spec(tmp_path / "a", spec))
    lever = TINY_SPEC.replace(
        'design = "lhs"', 'design = "lhs"\nstrategies = ["siloed", "sequenced"]'
    ).replace(
        '"population.households" = { range = [150, 250] }',
        '"strategy.switch_month" = { range = [2, 40] }',
    )
    with pytest.raises(
        SpecError,
        match=r"switch_month = 40: the scenario refuses it under "
        r"strategy sequenced",
    ):
        load_sweep(write_spec(tmp_path / "b", lever))
