"""Inputs that once broke the promise: one line, exit 2, no traceback, nothing lost."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SCENARIOS

from pushpull_sim.cli import main
from pushpull_sim.output import OutputError, prepare_output, write_run
from pushpull_sim.runner import run_experiment
from pushpull_sim.scenario import ScenarioError, load_scenario, scenario_from_dict
from pushpull_sim.summary import build_summary

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
"""


def load_text(tmp_path, text):
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    return load_scenario(path)


@pytest.mark.parametrize(
    "extra, needle",
    [
        ("[programme]\nbudget_usd_ppp = inf\n", "budget_usd_ppp = inf: input should be a finite"),
        ("[livelihood]\nwage_usd_ppp_per_day = inf\n", "wage_usd_ppp_per_day = inf"),
        ("[livelihood]\nwage_usd_ppp_per_day = 1e300\n", "must be <= 1000000000.0"),
        ("[population]\ninitial_assets_median_usd_ppp = 1e20\n", "must be <= 1000000000.0"),
        ("[population]\nvillages_per_region = 2147483648\n", "villages_per_region = 2147483648"),
        ("[run]\nmonths = true\n", "run.months = True: input should be a valid integer"),
        ("[run]\nmonths = '24'\n", "run.months = '24'"),
        ("[run]\nmonths = 24.0\n", "run.months = 24.0"),
        ("[shocks]\nillness_prob_monthly = true\n", "illness_prob_monthly = True"),
        ("[livelihood]\nasset_threshold_usd_ppp = 5e-324\n", "must be >= 1.0"),
    ],
)
def test_strict_finite_bounded_values(tmp_path, extra, needle):
    with pytest.raises(ScenarioError) as info:
        load_text(tmp_path, _merge(TINY, extra))
    assert needle in str(info.value)
    assert "\n" not in str(info.value)


def _merge(base: str, extra: str) -> str:
    """Set ``extra``'s keys in the table of the same name in ``base`` (or add the table)."""
    header, _, body = extra.partition("\n")
    if header not in base:
        return base + extra
    keys = {line.split("=")[0].strip() for line in body.splitlines() if "=" in line}
    lines = [ln for ln in base.splitlines() if ln.split("=")[0].strip() not in keys]
    merged = "\n".join(lines) + "\n"
    return merged.replace(header + "\n", header + "\n" + body, 1)


@pytest.mark.parametrize(
    "item, needle",
    [
        ('type = ["asset_transfer"]', "interventions[0].type = ['asset_transfer']: unknown"),
        ("type = {a = 1}", "interventions[0].type = {...}: unknown intervention type; allowed:"),
        ('type = "cash_bomb"', "type = 'cash_bomb': unknown intervention type; allowed: asset"),
        ("value_usd_ppp = 5.0", "interventions[0].type = (missing): every intervention needs"),
        ('type = "asset_transfer"\nvalue_usd_ppp = true', "value_usd_ppp = True"),
        ('type = "asset_transfer"\nvalue_usd_ppp = inf', "value_usd_ppp = inf"),
    ],
)
def test_intervention_entries(tmp_path, item, needle):
    with pytest.raises(ScenarioError) as info:
        load_text(tmp_path, TINY + "[[programme.interventions]]\n" + item + "\n")
    assert needle in str(info.value), str(info.value)


def test_directory_bom_and_odd_keys(tmp_path):
    with pytest.raises(ScenarioError, match="is a directory, not a scenario file"):
        load_scenario(tmp_path)
    path = tmp_path / "bom.toml"
    path.write_bytes("\ufeff".encode() + TINY.encode())
    assert load_scenario(path).population.households == 60
    with pytest.raises(ScenarioError) as info:
        load_text(tmp_path, TINY + '"x\\ny" = 1\n')
    assert "\n" not in str(info.value) and "'x\\ny'" in str(info.value)


def test_with_overrides_checks_types_too():
    base = scenario_from_dict({})
    with pytest.raises(ScenarioError, match="run.months = 'ten'"):
        base.with_overrides(run={"months": "ten"})


@pytest.mark.parametrize("name", [".", ".."])
def test_out_must_name_a_directory(tmp_path, name, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OutputError, match="must name a directory"):
        prepare_output(Path(name), force=True)


def test_out_refuses_symlinks_files_and_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "real").mkdir()
    os.symlink(tmp_path / "real", tmp_path / "link")
    with pytest.raises(OutputError, match="symbolic link"):
        prepare_output(Path("link"), force=True)
    (tmp_path / "afile").write_text("x")
    with pytest.raises(OutputError, match="afile is a file, not a directory"):
        prepare_output(Path("afile/sub"), force=False)
    with pytest.raises(OutputError, match="current directory or one of its parents"):
        prepare_output(Path("..") / tmp_path.name, force=True)


def test_unwritable_out_fails_before_the_run(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text(TINY)
    code = main(["run", str(path), "--out", "/proc/pushpull-out"])
    err = capsys.readouterr().err
    assert code == 2 and "cannot write in /proc" in err and len(err.splitlines()) == 1


@pytest.fixture(scope="module")
def tiny_result():
    sc = scenario_from_dict(
        {
            "run": {"months": 6, "replications": 1},
            "population": {"households": 60, "villages": 2, "burn_in_months": 0},
            "programme": {"end_month": 3},
        }
    )
    result = run_experiment(sc, workers=1)
    return result, build_summary(result)


def test_a_run_that_appears_meanwhile_is_never_replaced(tmp_path, tiny_result):
    result, summary = tiny_result
    out = tmp_path / "race"
    tmp = prepare_output(out, force=False)
    out.mkdir()
    (out / "summary.json").write_text("first run")  # another run finished first
    with pytest.raises(OutputError, match="appeared while this run was going") as info:
        write_run(result, summary, out, force=False, tmp=tmp)
    assert (out / "summary.json").read_text() == "first run"
    kept = Path(str(info.value).rsplit(" ", 1)[-1])
    assert (kept / "summary.json").exists()  # this run's results are not lost either


def test_force_never_deletes_a_sibling_it_was_not_given(tmp_path, tiny_result):
    result, summary = tiny_result
    out = tmp_path / "myrun"
    out.mkdir()
    (out / "old.txt").write_text("old")
    backup = tmp_path / ".myrun.old"
    backup.mkdir()
    (backup / "backup.txt").write_text("precious")
    write_run(result, summary, out, force=True)
    assert (backup / "backup.txt").read_text() == "precious"
    assert not (out / "old.txt").exists() and (out / "summary.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".myrun.old", "myrun"]


def test_itt_beyond_the_horizon_and_empty_arms_are_reported_not_hidden(tmp_path, capsys):
    path = tmp_path / "s.toml"
    text = TINY + "[rct]\nunit = 'village'\nitt_months = [24]\n"
    path.write_text(text.replace("villages = 2", "villages = 1"))
    code = main(["run", str(path), "--workers", "1", "--out", str(tmp_path / "o")])
    out = capsys.readouterr()
    assert code == 0
    assert "beyond the 6-month horizon" in out.out
    assert "no household was assigned to treatment" in out.out
    assert "n/a" in out.out  # an empty arm has no headcount, not 0.000
    assert out.err == ""


def test_small_degenerate_runs_do_not_flood_stderr(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(
        TINY.replace("households = 60", "households = 12").replace("villages = 2", "villages = 1")
        + "[network]\nmean_degree = 2\n[rct]\nitt_months = [3]\n"
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pushpull_sim.cli",
            "run",
            str(path),
            "--workers",
            "1",
            "--replications",
            "3",
            "--out",
            str(tmp_path / "o"),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""


def test_baseline_scenario_file_still_loads():
    assert load_scenario(SCENARIOS / "baseline.toml").programme.interventions == []
