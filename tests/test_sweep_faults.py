"""Fault injection: a sweep killed (SIGKILL) at each phase of its life, fresh or replacing
an existing sweep with --force, is completed by --resume, and analyze reads the result;
the old sweep stays whole at its path until its replacement is complete.

Each killed sweep is a child of a fork server that has already imported the model, and
kills itself at a named phase (``PUSHPULL_SWEEP_FAULT``), so no timer races the sweep.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import TINY_SWEEP_BASE

from pushpull_sim.cli import main
from pushpull_sim.sweep import store
from pushpull_sim.sweep.engine import run_sweep
from pushpull_sim.sweep.spec import load_sweep

SPEC = """
[sweep]
name = "faults"
base = "base.toml"
design = "lhs"
samples = 3
replications = 2
seed = {seed}
outcomes = ["graduated_end", "extreme_poor_horizon", "total_cost_usd_ppp"]
timeseries = ["graduated_share"]
timeseries_arms = ["treatment"]

[parameters]
"programme.interventions.asset_transfer.value_usd_ppp" = {{ range = [300.0, 1500.0] }}
"behaviour.investment_share" = {{ range = [0.1, 0.4] }}
"""


def _slow_run(*args, **kwargs):  # the real run, slowed: the sweep is still going when stopped
    time.sleep(0.3)
    return _REAL_RUN(*args, **kwargs)


def _sweep_child(argv: list[str], phase: str | None, log: str, slow: bool) -> None:
    """In a fork-server child: run the sweep command, with the fault set, its output
    (and its workers') to ``log``."""
    from pushpull_sim.sweep import engine

    if phase:
        os.environ[store.FAULT_ENV] = phase
    if slow:
        global _REAL_RUN
        _REAL_RUN = engine.default_run_fn
        engine.default_run_fn = _slow_run
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    sys.exit(main(argv))


_REAL_RUN = None


@pytest.fixture(scope="module")
def forker(tmp_path_factory):
    """Start the sweep command in a child of a fork server that has imported the model:
    ``start(argv, phase=None, slow=False) -> (process, log path)``."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["pushpull_sim.cli", "pushpull_sim.sweep.engine"])
    logs = tmp_path_factory.mktemp("logs")

    def start(argv: list[str], phase: str | None = None, slow: bool = False):
        log = logs / f"{time.monotonic_ns()}.log"
        p = ctx.Process(target=_sweep_child, args=([str(a) for a in argv], phase, str(log), slow))
        p.start()
        return p, log

    def killed(argv: list[str], phase: str) -> int:
        p, _ = start(argv, phase)
        p.join(60)
        return p.exitcode

    killed.start = start
    return killed


@pytest.fixture(scope="module")
def specs(tmp_path_factory):
    """Two specs (seeds 5 and 6) and each one's reference tables, run uninterrupted (the
    reference directories are ``ref5`` and ``ref6`` beside the specs)."""
    folder = tmp_path_factory.mktemp("specs")
    (folder / "base.toml").write_text(TINY_SWEEP_BASE)
    out = {}
    for seed in (5, 6):
        path = folder / f"spec{seed}.toml"
        path.write_text(SPEC.format(seed=seed))
        ref = folder / f"ref{seed}"
        run_sweep(load_sweep(path), ref, workers=1, progress=False)
        out[seed] = (path, store.load_summary(ref), store.load_timeseries(ref))
    return out


def old_sweep(specs, out: Path) -> None:
    """A finished sweep of the seed-6 spec at ``out`` (a copy of its reference)."""
    shutil.copytree(specs[6][0].parent / "ref6", out)


def sweep_args(spec: Path, out: Path, *flags: str) -> list[str]:
    return ["sweep", str(spec), "--out", str(out), "--workers", "1", "--quiet", *flags]


def assert_complete(out: Path, summary: pd.DataFrame, ts: pd.DataFrame) -> None:
    """The sweep in ``out`` is the reference, analyze reads it, nothing is left beside it."""
    pd.testing.assert_frame_equal(store.load_summary(out), summary)
    pd.testing.assert_frame_equal(store.load_timeseries(out), ts)
    assert not list((out / store.JOURNAL).iterdir())
    assert sorted(p.name for p in out.iterdir()) == [
        "base_scenario.toml",
        "design.parquet",
        "journal",
        "manifest.json",
        "spec.toml",
        "summary",
        "timeseries",
    ]
    assert main(["analyze", str(out), "--no-plots", "--outcomes", "graduated_end"]) == 0
    assert (out / "analysis" / "indices.csv").is_file()
    assert sorted(p.name for p in out.parent.iterdir() if p.name.startswith(".")) == []


PHASES = ["design", "manifest", "started", "runs:3", "parts"]


@pytest.mark.parametrize("phase", PHASES)
def test_a_sweep_killed_at_any_phase_is_completed_by_resume(forker, specs, tmp_path, phase):
    spec, summary, ts = specs[5]
    out = tmp_path / "sweep"
    assert forker(sweep_args(spec, out), phase) == -signal.SIGKILL
    assert main(sweep_args(spec, out, "--resume")) == 0
    assert_complete(out, summary, ts)


@pytest.mark.parametrize("phase", [*PHASES, "swap"])
def test_force_killed_at_any_phase_keeps_the_old_sweep_and_resume_replaces_it(
    forker, specs, tmp_path, phase
):
    (_, old_summary, old_ts), (spec, summary, ts) = specs[6], specs[5]
    out = tmp_path / "sweep"
    old_sweep(specs, out)
    assert forker(sweep_args(spec, out, "--force"), phase) == -signal.SIGKILL
    if phase != "swap":  # the old sweep is whole at its path until the new one is complete
        pd.testing.assert_frame_equal(store.load_summary(out), old_summary)
        pd.testing.assert_frame_equal(store.load_timeseries(out), old_ts)
        # without --resume or --force, the directory is refused, naming the pending sweep
        assert main(sweep_args(spec, out)) == 2
    assert main(sweep_args(spec, out, "--resume")) == 0
    assert_complete(out, summary, ts)


def test_an_interrupted_force_resumes_with_force_too(forker, specs, tmp_path, capsys):
    spec, summary, ts = specs[5]
    out = tmp_path / "sweep"
    old_sweep(specs, out)
    assert forker(sweep_args(spec, out, "--force"), "runs:3") == -signal.SIGKILL
    capsys.readouterr()
    assert main(sweep_args(spec, out, "--force")) == 0  # starts the replacement again
    assert "(replacing the old sweep)" in capsys.readouterr().out
    assert_complete(out, summary, ts)


def test_directories_left_by_earlier_versions_are_completed(specs, tmp_path):
    spec, summary, ts = specs[5]
    # killed right after its manifest: no design.parquet (the manifest was written first)
    out = tmp_path / "manifest_only"
    assert main(sweep_args(spec, out)) == 0
    manifest = (out / "manifest.json").read_text()
    for p in sorted(out.rglob("*"), reverse=True):
        p.rmdir() if p.is_dir() else p.unlink()
    out.mkdir(exist_ok=True)
    (out / "manifest.json").write_text(manifest)
    assert main(sweep_args(spec, out, "--resume")) == 0
    assert_complete(out, summary, ts)
    # killed after its folders were made, before its manifest: --resume starts it
    out = tmp_path / "folders_only"
    for sub in ("summary", "timeseries", "journal"):
        (out / sub).mkdir(parents=True)
    assert main(sweep_args(spec, out, "--resume")) == 0
    assert_complete(out, summary, ts)


def test_analyze_names_a_missing_design_instead_of_a_traceback(specs, tmp_path, capsys):
    spec, _, _ = specs[5]
    out = tmp_path / "sweep"
    assert main(sweep_args(spec, out)) == 0
    (out / "design.parquet").unlink()
    capsys.readouterr()
    assert main(["analyze", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no design.parquet" in err and "--resume" in err


def wait_for_runs(out: Path, k: int, proc, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.is_alive():
        if out.is_dir() and len(store.load_summary(out)) >= k:
            return
        time.sleep(0.05)
    raise AssertionError(f"fewer than {k} runs in {out}")


def test_sigterm_during_force_prints_the_resume_hint_and_keeps_the_old_sweep(
    forker, specs, tmp_path
):
    (_, old_summary, _), (spec, summary, ts) = specs[6], specs[5]
    out = tmp_path / "sweep"
    old_sweep(specs, out)
    proc, log = forker.start(sweep_args(spec, out, "--force"), slow=True)
    wait_for_runs(store.replacement_dir(out), 2, proc)
    os.kill(proc.pid, signal.SIGTERM)
    proc.join(30)
    assert proc.exitcode == 128 + signal.SIGTERM
    err = log.read_text()
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"pushpull sweep: stopped (SIGTERM); {out}/ still holds the old sweep")
    assert f"complete it with pushpull sweep {spec} --out {out} --resume" in last
    pd.testing.assert_frame_equal(store.load_summary(out), old_summary)
    assert main(sweep_args(spec, out, "--resume")) == 0
    assert_complete(out, summary, ts)


def test_killing_only_the_parent_stops_its_local_workers(forker, specs, tmp_path):
    import psutil

    spec, _, _ = specs[5]
    args = ["sweep", spec, "--out", tmp_path / "sweep", "--quiet", "--workers", "2"]
    proc, _ = forker.start(args, slow=True)
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 60
    workers: list[psutil.Process] = []
    while time.monotonic() < deadline and len(workers) < 2:
        workers = parent.children(recursive=True)
        time.sleep(0.05)
    assert len(workers) >= 2
    os.kill(proc.pid, signal.SIGKILL)  # the parent only
    proc.join(30)
    gone, alive = psutil.wait_procs(workers, timeout=3)
    assert not alive, [p.pid for p in alive]
    assert json.loads((tmp_path / "sweep" / "manifest.json").read_text())["runs"] == 6
