"""``pushpull bench``: the figures it writes (no speed is asserted: machines differ)."""

from __future__ import annotations

import json

import pytest

from pushpull_sim.bench import JSON_KEYS, bench_scenario, mesa_size_for
from pushpull_sim.cli import main


def test_bench_writes_every_figure(tmp_path, capsys) -> None:
    out = tmp_path / "bench.json"
    argv = ["bench", "--sizes", "1000", "--months", "2", "--json", str(out)]
    assert main([*argv, "--default-runs", "1"]) == 0
    rows = json.loads(out.read_text())
    assert [r["households"] for r in rows] == [1000]
    row = rows[0]
    assert tuple(row)[: len(JSON_KEYS)] == JSON_KEYS
    for key in JSON_KEYS:
        assert row[key] > 0, key
    assert row["months"] == 2 and row["mesa_agents"] == 10_000
    assert row["ratio_vs_mesa"] == pytest.approx(
        row["household_steps_per_s"] / row["mesa_agent_steps_per_s"]
    )
    assert row["peak_mem_mb"] > 50  # a whole Python process with numpy, pandas, mesa
    printed = capsys.readouterr().out
    assert "mesa boltzmann" in printed and "default scenario" in printed


@pytest.mark.parametrize("bad", ["0", "abc", "99", "-5"])
def test_bad_sizes_exit_2_with_one_line(bad: str, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["bench", "--sizes", bad])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--sizes = {bad}" in err


def test_unwritable_json_exits_2(tmp_path, capsys) -> None:
    assert main(["bench", "--sizes", "1000", "--json", str(tmp_path / "no" / "b.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--json" in err


def test_bench_scenario_has_every_component() -> None:
    sc = bench_scenario(100_000)
    assert sc.population.households == 100_000
    assert sc.population.villages == 500  # 200 households a village
    assert sc.run.months == 120
    assert sc.to_dict()["strategy"]["name"] == "layered"
    push = {iv.type for iv in sc.programme.interventions}
    assert {"asset_transfer", "consumption_support", "savings_group", "coaching"} <= push
    pull = {a.type: a.count for a in sc.pull.actors}
    assert pull == {"implementer": 1, "lender": 2, "buyer": 4, "agent": 10}
    assert bench_scenario(1000).population.villages == 10  # one village per agent at least
    assert [mesa_size_for(n) for n in (1000, 10_000, 100_000, 1_000_000)] == [
        10_000,
        10_000,
        100_000,
        100_000,
    ]
