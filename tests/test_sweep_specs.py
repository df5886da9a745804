"""Sweep specs that are valid always run, and specs that are not are one-line errors:
string levels in sampled designs, distributions whose tails reach infinity, keys a
parameter's form does not use, and designs too large to build."""

from __future__ import annotations

import resource
import time
from pathlib import Path

import pytest
from conftest import TINY_SWEEP_BASE

from pushpull_sim.cli import main
from pushpull_sim.sweep import store
from pushpull_sim.sweep.engine import run_sweep
from pushpull_sim.sweep.spec import MAX_RUNS, SpecError, load_sweep


def spec_file(folder: Path, design: str, parameters: str, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "base.toml").write_text(TINY_SWEEP_BASE)
    samples = "" if design == "grid" else "samples = 4\n"
    path = folder / "spec.toml"
    path.write_text(
        f'[sweep]\nbase = "base.toml"\ndesign = "{design}"\n{samples}seed = 3\n'
        f'outcomes = ["graduated_end"]\ntimeseries = []\n{extra}\n[parameters]\n{parameters}\n'
    )
    return path


def fake_run(data, seed, columns, arms):  # stands in for the model: the spec is tested
    return {"graduated_end": float(len(data["programme"]["targeting"]))}, None


@pytest.mark.parametrize("design", ["lhs", "sobol", "morris", "grid"])
def test_string_levels_are_sampled_and_checked_in_every_design(tmp_path, design):
    params = (
        '"programme.targeting" = { levels = ["pmt", "community", "random"] }\n'
        '"livelihood.depreciation_monthly" = { levels = [0.002, 0.004] }'
    )
    sweep = load_sweep(spec_file(tmp_path, design, params))
    assert set(sweep.design["programme.targeting"]) <= {"pmt", "community", "random"}
    report = run_sweep(sweep, tmp_path / "out", workers=1, run_fn=fake_run, progress=False)
    assert report.failed == 0 and report.done == sweep.n_runs
    summary = store.load_summary(tmp_path / "out")
    lengths = summary["programme.targeting"].str.len().astype(float)
    assert (summary["graduated_end"] == lengths).all()


@pytest.mark.parametrize("design", ["lhs", "sobol", "grid"])
def test_a_misspelt_level_is_a_one_line_error_naming_it(tmp_path, capsys, design):
    params = '"strategy.name" = { levels = ["layered", "siloedd"] }'
    path = spec_file(tmp_path, design, params)
    with pytest.raises(SpecError, match=r"parameters\.strategy\.name = 'siloedd': the scenario"):
        load_sweep(path)
    assert main(["sweep", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "siloedd" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "parameter",
    ["population.households", "livelihood.asset_threshold_usd_ppp"],  # integer, float
)
def test_a_lognormal_reaching_infinity_is_refused_before_sampling(tmp_path, parameter):
    params = f'"{parameter}" = {{ distribution = "lognormal", median = 300.0, sigma = 1e6 }}'
    with pytest.raises(SpecError) as err:
        load_sweep(spec_file(tmp_path, "lhs", params))
    text = str(err.value)
    assert f"parameters.{parameter}: the lognormal distribution reaches inf" in text
    assert "range = [low, high] to clip it" in text and "\n" not in text


def test_a_wide_lognormal_is_checked_at_its_highest_value(tmp_path):
    # finite at its tails, but its 99.5 % quantile is far above what the scenario allows
    params = (
        '"livelihood.depreciation_monthly" = '
        '{ distribution = "lognormal", median = 0.01, sigma = 5.0 }'
    )
    with pytest.raises(SpecError, match=r"monthly = 3920\.51: the scenario refuses it"):
        load_sweep(spec_file(tmp_path, "lhs", params))


@pytest.mark.parametrize(
    "form, key",
    [
        ("range = [0.0, 0.01], n = 5", "n = 5: only the grid design uses n"),
        (
            "range = [0.0, 0.01], mean = 0.005",
            "mean = 0.005: not used with distribution = 'uniform'",
        ),
        (
            'distribution = "normal", mean = 0.005, sd = 0.001, mode = 0.004',
            "mode = 0.004: not used",
        ),
        ('distribution = "lognormal", median = 0.005, sigma = 0.1, sd = 0.1', "sd = 0.1: not used"),
        ("levels = [0.001, 0.002], n = 3", "n = 3: not used with levels"),
    ],
)
def test_a_key_the_form_does_not_use_is_refused_not_ignored(tmp_path, form, key):
    params = f'"livelihood.depreciation_monthly" = {{ {form} }}'
    with pytest.raises(SpecError) as err:
        load_sweep(spec_file(tmp_path, "lhs", params))
    assert key in str(err.value) and "livelihood.depreciation_monthly" in str(err.value)


def test_an_integer_parameter_refuses_text_levels(tmp_path):
    params = '"population.households" = { levels = [50, "many"] }'
    with pytest.raises(SpecError, match=r"population\.households = 'many': must be a number"):
        load_sweep(spec_file(tmp_path, "grid", params))


def test_a_huge_grid_is_refused_before_it_is_built(tmp_path):
    # 100 levels of each of 4 parameters = 10^8 points: counted, not built
    levels = "range = [0.0, 0.01], n = 100"
    params = "\n".join(
        f'"{p}" = {{ {levels} }}'
        for p in (
            "livelihood.depreciation_monthly",
            "livelihood.cash_loss_monthly",
            "shocks.illness_prob_monthly",
            "behaviour.investment_share",
        )
    )
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    with pytest.raises(SpecError) as err:
        load_sweep(spec_file(tmp_path, "grid", params))
    assert time.perf_counter() - t0 < 10
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 200
    text = str(err.value)
    assert "the design has 100,000,000 runs (points x replications x strategies)" in text
    assert f"must be <= {MAX_RUNS:,}" in text


def test_a_design_too_large_to_hold_is_refused_with_the_estimate(tmp_path, monkeypatch):
    # a limit one run of the base fits in (0.13 GB, the compiled kernels included)
    monkeypatch.setenv("PUSHPULL_MEMORY_LIMIT_GB", "0.2")
    params = '"livelihood.depreciation_monthly" = { range = [0.0, 0.01] }'
    path = spec_file(tmp_path, "lhs", params).read_text()
    (tmp_path / "spec.toml").write_text(path.replace("samples = 4", "samples = 1000000"))
    with pytest.raises(SpecError) as err:
        load_sweep(tmp_path / "spec.toml")
    text = str(err.value)
    assert "the design has 1,000,000 points and 1,000,000 runs: needs about 0.3" in text
    assert "more than the limit of 0.20 GB (set by PUSHPULL_MEMORY_LIMIT_GB)" in text


def test_pair_on_a_sampled_sweep_is_an_error(tmp_path, capsys):
    params = (
        '"livelihood.depreciation_monthly" = { range = [0.0, 0.01] }\n'
        '"behaviour.investment_share" = { range = [0.1, 0.4] }'
    )
    sweep = load_sweep(spec_file(tmp_path, "lhs", params))
    run_sweep(sweep, tmp_path / "out", workers=1, run_fn=fake_run, progress=False)
    code = main(
        [
            "analyze",
            str(tmp_path / "out"),
            "--pair",
            "livelihood.depreciation_monthly,behaviour.investment_share",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "--pair: only grid sweeps draw heatmaps; this sweep's design is lhs" in err
