"""The `pushpull run` command end to end: files, reproducibility, no lost work."""

import json

import pandas as pd
import pytest
from conftest import SCENARIOS

from pushpull_sim.cli import main
from pushpull_sim.output import EVENT_FILES, RUN_FILES


@pytest.fixture(scope="module")
def small_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("sc") / "tiny.toml"
    text = (SCENARIOS / "bangladesh_tup.toml").read_text()
    text = text.replace("households = 2000", "households = 400").replace(
        "villages = 20 ", "villages = 8 "
    )
    path.write_text(text)
    return path


def run(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_run_writes_its_files_and_prints_the_itt_table(small_file, tmp_path, capsys):
    out = tmp_path / "r"
    code, stdout, _ = run(
        [
            "run",
            str(small_file),
            "--months",
            "40",
            "--replications",
            "2",
            "--workers",
            "1",
            "--out",
            str(out),
        ],
        capsys,
    )
    assert code == 0
    assert "Intent-to-treat effects" in stdout and "consumption" in stdout
    assert "per participant" in stdout and "no budget limit" in stdout
    assert sorted(p.name for p in out.iterdir()) == sorted(RUN_FILES + EVENT_FILES)
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert len(ts) == 2 * 41 * 4  # replications x months (0..40) x arms
    assert set(ts["arm"]) == {"all", "ineligible", "control", "treatment"}
    hh = pd.read_parquet(out / "households.parquet")
    assert set(hh["month"]) == {0, 12, 24, 36}  # recorded months within the horizon
    assert len(hh) == 2 * 4 * 400
    s = json.loads((out / "summary.json").read_text())
    from pushpull_sim.rct import ITT_OUTCOMES

    assert set(s["itt"]) == set(ITT_OUTCOMES)  # the trial's six indices and the measures
    assert set(s["itt"]["assets"]) == {"24", "36"}
    assert s["itt"]["asset_index"]["24"]["published_sd"] == 0.258
    assert "asset index" in stdout and "0.258" in stdout
    survey = pd.read_parquet(out / "survey.parquet")
    assert set(survey["month"]) == {0, 24, 36}  # baseline and the two follow-ups
    assert set(survey["arm"]) == {"treatment", "control"}
    # the Bangladesh programme: asset 800 + delivery 50, 24 training sessions, 9 months of support
    assert s["cost_per_treated_household_usd_ppp"] == pytest.approx(
        800 + 50 + 24 * 33.3 + 9 * 43, rel=1e-9
    )
    assert (out / "run.png").stat().st_size > 10_000


def test_same_seed_gives_identical_files_any_workers(small_file, tmp_path, capsys):
    args = ["run", str(small_file), "--months", "30", "--replications", "2", "--seed", "5"]
    run([*args, "--workers", "1", "--out", str(tmp_path / "a")], capsys)
    run([*args, "--workers", "2", "--out", str(tmp_path / "b")], capsys)
    for name in RUN_FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    run([*args[:-1], "6", "--workers", "1", "--out", str(tmp_path / "c")], capsys)
    a = pd.read_parquet(tmp_path / "a" / "timeseries.parquet")
    c = pd.read_parquet(tmp_path / "c" / "timeseries.parquet")
    assert not a["assets_mean"].equals(c["assets_mean"])


def test_existing_run_is_not_overwritten_without_force(small_file, tmp_path, capsys):
    out = tmp_path / "keep"
    out.mkdir()
    (out / "notes.txt").write_text("precious")
    code, _, err = run(["run", str(small_file), "--months", "3", "--out", str(out)], capsys)
    assert code == 2
    assert "--force" in err and len(err.strip().splitlines()) == 1
    assert (out / "notes.txt").read_text() == "precious"
    code, _, _ = run(
        ["run", str(small_file), "--months", "3", "--workers", "1", "--out", str(out), "--force"],
        capsys,
    )
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(RUN_FILES + EVENT_FILES)


def test_bad_scenario_leaves_existing_run_untouched(tmp_path, capsys):
    out = tmp_path / "keep"
    out.mkdir()
    (out / "summary.json").write_text("{}")
    bad = tmp_path / "bad.toml"
    bad.write_text("[run]\nmonths = 0\n")
    code, _, err = run(["run", str(bad), "--out", str(out), "--force"], capsys)
    assert code == 2 and "run.months = 0" in err
    assert (out / "summary.json").read_text() == "{}"


def test_interventions_command_lists_every_type_with_sourced_parameters(capsys):
    from pushpull_sim.interventions import REGISTRY

    code, out, _ = run(["interventions"], capsys)
    assert code == 0
    for name in REGISTRY:
        assert f"\n{name}: " in "\n" + out
    assert "value_usd_ppp = 800.0" in out and "Bandiera et al. 2017" in out


def test_a_run_directory_has_the_usual_permissions(tmp_path):
    import os
    import stat

    from pushpull_sim.output import prepare_output

    old = os.umask(0o022)
    try:
        tmp = prepare_output(tmp_path / "run", force=False)
    finally:
        os.umask(old)
    assert stat.S_IMODE(tmp.stat().st_mode) == 0o755
