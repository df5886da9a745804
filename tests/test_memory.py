"""Sizes that would exhaust memory are refused before anything is built, with the
estimate and the limit; the estimate follows what a run really takes."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pushpull_sim import GraduationModel
from pushpull_sim.cli import main
from pushpull_sim.memory import LIMIT_ENV, MemoryLimitError, memory_limit, model_bytes
from pushpull_sim.scenario import Scenario, dump_scenario
from pushpull_sim.sweep.spec import SpecError, load_sweep

ROOT = Path(__file__).resolve().parent.parent
HUGE = 10_000_000  # the largest population a scenario allows


def huge() -> Scenario:
    return Scenario().with_overrides(population={"households": HUGE})


def test_the_largest_population_is_refused_before_anything_is_built(monkeypatch):
    monkeypatch.setenv(LIMIT_ENV, "2.4")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    with pytest.raises(MemoryLimitError) as err:
        GraduationModel(huge())
    assert time.perf_counter() - t0 < 5
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024 < 100  # MB
    text = str(err.value)
    # the model with its household event log (kept by default: 120 months of events and
    # the trial sample's paths), and without it
    assert text.startswith("population.households = 10000000: needs about 3")
    assert "GB of memory, more than the limit of 2.4 GB (set by PUSHPULL_MEMORY_LIMIT_GB)" in text
    with pytest.raises(MemoryLimitError) as err:
        GraduationModel(huge(), events=False)
    assert str(err.value).startswith("population.households = 10000000: needs about 2")


def test_run_command_refuses_it_in_one_line_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(LIMIT_ENV, "2.4")
    scenario = tmp_path / "huge.toml"
    scenario.write_text(dump_scenario(huge()), encoding="utf-8")
    out = tmp_path / "run"
    code = main(["run", str(scenario), "--out", str(out), "--workers", "2"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    # two replications at once, and the panels kept for the files
    assert "population.households = 10000000: needs about" in err
    assert "(2 runs at once), more than the limit of 2.4 GB" in err
    assert not out.exists() and not list(tmp_path.glob(".run*"))


def test_a_sweep_reaching_the_largest_population_is_refused_at_load(tmp_path, monkeypatch):
    monkeypatch.setenv(LIMIT_ENV, "2.4")
    (tmp_path / "base.toml").write_text(
        'name = "b"\n[population]\nhouseholds = 100\nvillages = 2\n'
    )
    spec = tmp_path / "spec.toml"
    spec.write_text(
        '[sweep]\nbase = "base.toml"\ndesign = "lhs"\nsamples = 4\nseed = 1\n'
        f'[parameters]\n"population.households" = {{ range = [100, {HUGE}] }}\n'
    )
    with pytest.raises(SpecError) as err:
        load_sweep(spec)
    assert f"parameters.population.households = {HUGE}: population.households = " in str(err.value)
    assert "more than the limit of 2.4 GB" in str(err.value)


def test_local_workers_that_together_exceed_the_limit_are_refused(tmp_path, monkeypatch, capsys):
    (tmp_path / "base.toml").write_text('name = "b"\n[population]\nhouseholds = 100000\n')
    spec = tmp_path / "spec.toml"
    spec.write_text(
        '[sweep]\nbase = "base.toml"\ndesign = "lhs"\nsamples = 4\nseed = 1\n'
        '[parameters]\n"livelihood.depreciation_monthly" = { range = [0.0, 0.01] }\n'
    )
    one = model_bytes(Scenario().with_overrides(population={"households": 100000}))
    monkeypatch.setenv(LIMIT_ENV, str(1.5 * one / 2**30))  # one run fits, two do not
    code = main(["sweep", str(spec), "--out", str(tmp_path / "out"), "--workers", "2"])
    err = capsys.readouterr().err
    assert code == 2 and "--workers 2: 2 runs at once need about" in err
    assert "use fewer workers" in err and not (tmp_path / "out").exists()


def test_the_limit_is_a_share_of_physical_memory_unless_set(monkeypatch):
    monkeypatch.delenv(LIMIT_ENV, raising=False)
    import os

    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    limit, why = memory_limit()
    assert 0 < limit <= 0.8 * physical + 1
    assert "80 % of" in why and f"set {LIMIT_ENV} to change it" in why
    monkeypatch.setenv(LIMIT_ENV, "1.5")
    assert memory_limit() == (int(1.5 * 2**30), f"set by {LIMIT_ENV}")
    monkeypatch.setenv(LIMIT_ENV, "lots")
    with pytest.raises(MemoryLimitError, match="PUSHPULL_MEMORY_LIMIT_GB = 'lots': must be"):
        memory_limit()


def test_an_address_space_limit_lowers_the_limit():
    code = (
        "import resource, json\n"
        "resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, resource.RLIM_INFINITY))\n"
        "from pushpull_sim.memory import memory_limit\n"
        "print(json.dumps(memory_limit()))\n"
    )
    env = {k: v for k, v in __import__("os").environ.items() if k != LIMIT_ENV}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    limit, why = json.loads(out.stdout)
    assert limit < 0.8 * 3 * 2**30 and "address space left under ulimit -v" in why


def _measure(case: tuple, conn) -> None:
    """In a fork-server child: run ``case`` and send ``[peak bytes, estimate bytes]``."""
    import gc

    from pushpull_sim.memory import model_bytes
    from pushpull_sim.results import simulate
    from pushpull_sim.scenario import load_scenario

    name, n, villages, months, panel = case
    sc = load_scenario(ROOT / "scenarios" / f"{name}.toml").with_overrides(
        population={"households": n, "villages": villages}, run={"months": months}
    )
    gc.collect()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    simulate(sc, seed=1, panel=panel)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
    conn.send([peak, model_bytes(sc, panel=panel)])


@pytest.mark.parametrize(
    "case",
    [
        ("graduation_package", 50_000, 500, 12, True),  # the panel turned into a table
        ("pull_only", 50_000, 50, 12, False),  # 17 pull actors, villages of 1,000
    ],
)
def test_the_estimate_covers_the_measured_peak_and_is_not_far_above_it(case):
    import multiprocessing

    ctx = multiprocessing.get_context("forkserver")  # a fresh process, the model imported
    ctx.set_forkserver_preload(["pushpull_sim.cli", "pushpull_sim.results"])
    ours, theirs = ctx.Pipe()
    child = ctx.Process(target=_measure, args=(case, theirs))
    child.start()
    peak, estimate = ours.recv()
    child.join(60)
    assert peak <= estimate <= 2 * peak, (peak / 2**20, estimate / 2**20)
