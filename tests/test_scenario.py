"""Scenario files: validation with one-line errors, round trip, variants."""

import subprocess
import sys

import pytest
from conftest import SCENARIOS

from pushpull_sim.interventions import AssetTransfer
from pushpull_sim.scenario import (
    Scenario,
    ScenarioError,
    dump_scenario,
    load_scenario,
    scenario_from_dict,
)


def write(tmp_path, text, name="s.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path, text):
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith(str(path))
    return msg


def test_every_default_parameter_names_a_source_or_says_assumption():
    from pushpull_sim.interventions import REGISTRY

    models = [
        Scenario.model_fields[g].annotation
        for g in Scenario.model_fields
        if g not in {"name", "description"}
    ]
    from pushpull_sim.pull import PULL_REGISTRY

    models += [cls.Params for cls in REGISTRY.values()]
    models += [cls.Params for cls in PULL_REGISTRY.values()]
    missing = []
    for model in models:
        for name, field in model.model_fields.items():
            if name in {"type", "interventions"}:
                continue
            d = field.description or ""
            if not any(w in d for w in ("Source", "Assumption", "assumption")):
                missing.append(f"{model.__name__}.{name}")
    assert missing == []


def test_round_trip(tmp_path):
    sc = load_scenario(SCENARIOS / "bangladesh_tup.toml")
    text = dump_scenario(sc)
    again = load_scenario(write(tmp_path, text, "bangladesh_tup.toml"))
    assert again == sc
    assert isinstance(again.programme.interventions[0], AssetTransfer.Params)
    assert again.programme.interventions[0].value_usd_ppp == 800.0


def test_variant_is_base_plus_small_update():
    base = Scenario()
    variant = base.with_overrides(livelihood={"production": "concave"})
    assert variant.livelihood.production == "concave"
    assert variant.livelihood.asset_threshold_usd_ppp == base.livelihood.asset_threshold_usd_ppp
    assert base.livelihood.production == "s_shaped"


def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="no such scenario file"):
        load_scenario(tmp_path / "nope.toml")


def test_malformed_toml(tmp_path):
    msg = error_of(tmp_path, "[run\nmonths = 3\n")
    assert "malformed TOML" in msg


def test_unknown_key_lists_allowed_keys(tmp_path):
    msg = error_of(tmp_path, "[livelihood]\nthreshold = 5\n")
    assert "livelihood.threshold = 5" in msg
    assert "unknown key" in msg and "asset_threshold_usd_ppp" in msg


def test_unknown_table(tmp_path):
    msg = error_of(tmp_path, "[livelyhood]\nproduction = 'concave'\n")
    assert "livelyhood" in msg and "unknown key" in msg and "livelihood" in msg


def test_wrong_type(tmp_path):
    msg = error_of(tmp_path, "[run]\nmonths = 'ten'\n")
    assert "run.months = 'ten'" in msg and "integer" in msg


def test_out_of_range(tmp_path):
    msg = error_of(tmp_path, "[shocks]\nillness_prob_monthly = 1.5\n")
    assert msg.endswith("shocks.illness_prob_monthly = 1.5: must be <= 1.0")


def test_bad_choice(tmp_path):
    msg = error_of(tmp_path, "[livelihood]\nproduction = 'linear'\n")
    assert "livelihood.production = 'linear'" in msg
    assert "'s_shaped'" in msg and "'concave'" in msg


def test_unknown_intervention_type(tmp_path):
    msg = error_of(tmp_path, "[[programme.interventions]]\ntype = 'cash_bonanza'\n")
    assert "programme.interventions[0].type = 'cash_bonanza'" in msg
    assert "asset_transfer" in msg and "consumption_support" in msg


def test_bad_intervention_parameter(tmp_path):
    msg = error_of(
        tmp_path,
        "[[programme.interventions]]\ntype = 'asset_transfer'\n"
        "[[programme.interventions]]\ntype = 'consumption_support'\nduration_months = 0\n",
    )
    assert "programme.interventions[1].duration_months = 0: must be >= 1" in msg


def test_unknown_intervention_parameter(tmp_path):
    msg = error_of(tmp_path, "[[programme.interventions]]\ntype = 'asset_transfer'\nvalue = 3\n")
    assert "programme.interventions[0].value = 3" in msg and "value_usd_ppp" in msg


def test_inconsistent_values(tmp_path):
    msg = error_of(tmp_path, "[programme]\nstart_month = 10\nend_month = 5\n")
    assert "programme.end_month = 5" in msg and "start_month" in msg
    msg = error_of(tmp_path, "[network]\nmean_degree = 5\n")
    assert "network.mean_degree = 5" in msg and "even" in msg


def test_python_construction_validates_too():
    with pytest.raises(ScenarioError, match="population.households = 3"):
        scenario_from_dict({"population": {"households": 3}})


@pytest.mark.parametrize(
    "text, needle",
    [
        ("[run\n", "malformed TOML"),
        ("[run]\nmonths = -1\n", "run.months = -1: must be >= 1"),
        ("bogus = 1\n", "bogus = 1: unknown key"),
    ],
)
def test_cli_reports_one_line_exit_2_no_traceback(tmp_path, text, needle):
    path = write(tmp_path, text)
    proc = subprocess.run(
        [sys.executable, "-m", "pushpull_sim.cli", "run", str(path), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and str(path) in lines[0]
    assert not (tmp_path / "o").exists()


def test_cli_missing_file_and_bad_option(tmp_path):
    for args, needle in (
        (["run", str(tmp_path / "none.toml")], "no such scenario file"),
        (["run", str(SCENARIOS / "baseline.toml"), "--seed", "-4"], "--seed = -4: must be"),
        (["run", str(SCENARIOS / "baseline.toml"), "--months", "5000"], "--months = 5000"),
        (["run", str(SCENARIOS / "baseline.toml"), "--replications", "x"], "--replications"),
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "pushpull_sim.cli", *args], capture_output=True, text=True
        )
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1 and needle in proc.stderr
