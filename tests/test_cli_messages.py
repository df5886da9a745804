"""The rough edges a new user meets: a closed pipe ends quietly, the wrong command for a
file says which one to use, and errors name what the caller can pass (``--force`` on the
command line, ``force=True`` from Python)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SCENARIOS

from pushpull_sim.cli import EXIT_PIPE_CLOSED, main
from pushpull_sim.output import OutputError, prepare_output

TINY = """name = "t"
[run]
months = 6
replications = 1
seed = 1
[population]
households = 60
villages = 2
burn_in_months = 0
[programme]
end_month = 3
budget_usd_ppp = 5000.0
"""

SWEEP = SCENARIOS / "sweeps" / "smoke.toml"
PUSHPULL = [sys.executable, "-m", "pushpull_sim.cli"]


def closed_pipe(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run ``pushpull ARGS`` with its standard output's reader gone before it writes."""
    read, write = os.pipe()
    os.close(read)  # nobody will read: the first write fails with EPIPE
    try:
        return subprocess.run(
            [*PUSHPULL, *args],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            cwd=cwd,
            timeout=300,
        )
    finally:
        os.close(write)


@pytest.mark.parametrize(
    "args", [["interventions"], ["interventions", "--markdown"], ["strategies"]]
)
def test_a_closed_pipe_ends_a_listing_quietly(args, tmp_path):
    done = closed_pipe(args, tmp_path)
    assert done.stderr == ""  # no BrokenPipeError traceback
    assert done.returncode == EXIT_PIPE_CLOSED


def test_a_run_whose_reader_stops_early_still_writes_its_files(tmp_path):
    scenario = tmp_path / "t.toml"
    scenario.write_text(TINY)
    done = subprocess.run(
        [
            "bash",
            "-c",
            'set -o pipefail; "$@" | head -2; echo "status ${PIPESTATUS[0]}" >&2',
            "-",
            *PUSHPULL,
            "run",
            str(scenario),
            "--out",
            str(tmp_path / "out"),
            "--workers",
            "1",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.stdout.startswith("pushpull_sim: t ") and len(done.stdout.splitlines()) == 2
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr
    assert done.stderr.strip() == f"status {EXIT_PIPE_CLOSED}"
    assert (tmp_path / "out" / "summary.json").exists()  # the work is not lost


def test_a_run_with_no_reader_at_all_still_writes_its_files(tmp_path):
    scenario = tmp_path / "t.toml"
    scenario.write_text(TINY)
    done = closed_pipe(["run", str(scenario), "--out", "out", "--workers", "1"], tmp_path)
    assert done.stderr == "" and done.returncode == EXIT_PIPE_CLOSED
    assert (tmp_path / "out" / "run.png").exists()


@pytest.mark.parametrize("command", ["run", "compare", "dashboard"])
def test_a_sweep_spec_given_to_run_or_compare_points_to_pushpull_sweep(command, capsys):
    assert main([command, str(SWEEP)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "this is a sweep spec (it has a [sweep] table)" in err
    assert f"run it with `pushpull sweep {SWEEP}`" in err


def test_a_scenario_given_to_sweep_points_to_run_and_compare(tmp_path, capsys):
    scenario = SCENARIOS / "disconnect_demo.toml"
    out = tmp_path / "never"
    assert main(["sweep", str(scenario), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("pushpull sweep: error: ")
    assert "this is a scenario, not a sweep spec" in err
    assert f"`pushpull run {scenario}`" in err and f"`pushpull compare {scenario}`" in err
    assert not out.exists()


def test_a_spec_that_is_neither_keeps_the_spec_error(tmp_path, capsys):
    odd = tmp_path / "odd.toml"
    odd.write_text("[somewhere]\nx = 1\n")
    assert main(["sweep", str(odd)]) == 2
    assert "this is a scenario" not in capsys.readouterr().err


def test_out_under_a_file_says_the_parent_is_a_file(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "README.md").write_text("notes")
    scenario = tmp_path / "t.toml"
    scenario.write_text(TINY)
    for command, target in (("run", scenario), ("compare", scenario), ("sweep", SWEEP)):
        assert main([command, str(target), "--out", "README.md/sub"]) == 2
        err = capsys.readouterr().err.splitlines()[-1]  # (sweep first says what it will run)
        assert "--out README.md/sub: README.md is a file, not a directory" in err, command
        assert "File exists" not in err
    assert (tmp_path / "README.md").read_text() == "notes"


def test_analyze_on_a_missing_directory_says_it_does_not_exist(tmp_path, capsys):
    missing = tmp_path / "nowhere"
    assert main(["analyze", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"pushpull analyze: error: {missing}: no such directory; give the --out of a "
        "pushpull sweep\n"
    )
    afile = tmp_path / "f.txt"
    afile.write_text("x")
    assert main(["analyze", str(afile)]) == 2
    assert "is a file, not a sweep directory" in capsys.readouterr().err


def test_python_callers_are_told_python_arguments_and_the_command_line_its_options(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "x").write_text("kept")
    with pytest.raises(OutputError) as info:
        prepare_output(out, force=False)
    assert str(info.value) == (
        f"out={str(out)!r}: directory exists and is not empty; pass force=True to replace it"
    )
    assert "--" not in str(info.value)
    assert info.value.for_cli() == (
        f"--out {out}: directory exists and is not empty; pass --force to replace it"
    )


def test_the_sweep_api_names_python_arguments_too(tmp_path):
    from pushpull_sim.sweep.engine import run_sweep
    from pushpull_sim.sweep.spec import load_sweep

    out = tmp_path / "sweep"
    out.mkdir()
    (out / "x").write_text("kept")
    with pytest.raises(OutputError) as info:
        run_sweep(load_sweep(SWEEP), out, workers=1, progress=False)
    assert "pass resume=True to complete the sweep in it or force=True to replace it" in str(
        info.value
    )
    assert "--resume" in info.value.for_cli() and "--force" in info.value.for_cli()


def test_the_package_runs_as_a_module_from_anywhere():
    done = subprocess.run(
        [*PUSHPULL, "--version"], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 0 and done.stdout.startswith("pushpull_sim ")
