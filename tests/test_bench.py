"""``pushpull bench``: the figures it writes (no speed is asserted: machines differ)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from pushpull_sim import bench
from pushpull_sim.bench import JSON_KEYS, bench_scenario, mesa_size_for
from pushpull_sim.cli import main


def test_bench_writes_every_figure(tmp_path, capsys) -> None:
    out = tmp_path / "bench.json"
    argv = ["bench", "--sizes", "1000", "--months", "2", "--json", str(out)]
    assert main([*argv, "--default-runs", "1", "--rounds", "1"]) == 0
    rows = json.loads(out.read_text())
    assert [r["households"] for r in rows] == [1000]
    row = rows[0]
    assert tuple(row)[: len(JSON_KEYS)] == JSON_KEYS
    for key in JSON_KEYS:
        assert row[key] > 0, key
    assert row["months"] == 2 and row["mesa_agents"] == 10_000
    assert row["rounds"] == 1 and len(row["ratio_by_round"]) == 1
    assert row["household_steps_per_s_by_round"] == [row["household_steps_per_s"]]
    assert row["mesa_agent_steps_per_s_by_round"] == [row["mesa_agent_steps_per_s"]]
    assert row["ratio_vs_mesa"] == pytest.approx(
        row["household_steps_per_s"] / row["mesa_agent_steps_per_s"]
    )
    assert row["peak_mem_mb"] > 50  # a whole Python process with numpy, pandas, mesa
    # the figures of the whole run
    assert row["default_runs"] == 1 and row["default_run_s"] > 0
    assert row["default_runs_per_s"] == pytest.approx(1 / row["default_run_s"])
    assert row["startup_help_s"] > 0 and row["startup_run_help_s"] > 0
    for key in ("first_model_cold_s", "first_model_warm_s", "next_model_s"):
        assert row[key] > 0, key
    # every kernel the first model called is compiled into the empty cache, then loaded
    # from it by the next process, none compiled again; no kernel, no compile time. A
    # kernel called only from other kernels (a production function) is compiled on its
    # own but loaded inside its callers' machine code, so fewer are loaded than compiled.
    compiled = row["kernel_signatures"]
    assert row["kernel_cache_misses_cold"] == compiled
    assert 0 < row["kernel_cache_hits_warm"] <= compiled
    assert row["kernel_cache_misses_warm"] == 0
    assert (row["compile_cold_s"] > 0) == (compiled > 0)
    assert (row["load_warm_s"] > 0) == (compiled > 0)
    assert row["compile_cold_s"] >= 0 and row["load_warm_s"] >= 0
    printed = capsys.readouterr().out
    assert "mesa boltzmann" in printed and "default scenario" in printed
    assert "compile, empty cache" in printed and "load, warm cache" in printed
    assert "command-line start-up" in printed


def test_rounds_alternate_mesa_and_the_model_and_report_the_median_ratio(monkeypatch) -> None:
    """A B A B A B, and the median of the rounds' ratios, not the ratio of the medians."""
    calls = []
    mesa_rates = iter([100.0, 50.0, 100.0])  # the machine slows in round 2 ...
    model_rates = iter([300.0, 150.0, 200.0])  # ... for the model too: ratios 3, 3, 2

    def fake_child(fn, *args):
        calls.append(fn.__name__)
        if fn is bench.time_mesa:
            rate = next(mesa_rates)
            return {
                "agents": args[0],
                "build_s": 1.0,
                "agent_steps_per_s": rate,
                "peak_mem_mb": 100.0,
            }
        rate = next(model_rates)
        return {
            "household_steps_per_s": rate,
            "build_s": rate / 100,
            "step_s": 1 / rate,
            "step_s_median": 1 / rate,
            "peak_mem_mb": rate,
        }

    monkeypatch.setattr(bench, "in_child", fake_child)
    row = bench.measure_size(1000, 2, 3, io.StringIO())
    assert calls == ["time_mesa", "time_model"] * 3
    assert row["ratio_by_round"] == [3.0, 3.0, 2.0]
    assert row["ratio_vs_mesa"] == 3.0  # the ratio of the medians would be 200 / 100 = 2
    assert row["household_steps_per_s"] == 200.0 and row["mesa_agent_steps_per_s"] == 100.0
    assert row["build_s"] == 2.0 and row["peak_mem_mb"] == 300.0  # median build, largest peak
    assert row["rounds"] == 3 and row["mesa_agents"] == 10_000


def test_compile_and_load_times_come_from_cold_and_warm_processes(monkeypatch) -> None:
    caches, results = (
        [],
        iter(
            [
                {"first_s": 2.5, "second_s": 0.5, "kernel_cache_misses": 4, "kernel_cache_hits": 0},
                {"first_s": 0.8, "second_s": 0.5, "kernel_cache_misses": 0, "kernel_cache_hits": 4},
                {"first_s": 2.9, "second_s": 0.6, "kernel_cache_misses": 4, "kernel_cache_hits": 0},
                {"first_s": 0.9, "second_s": 0.5, "kernel_cache_misses": 0, "kernel_cache_hits": 4},
            ]
        ),
    )

    def fake_process(cache_dir):
        caches.append(cache_dir)
        assert list(Path(cache_dir).iterdir()) == []  # the test writes no cache
        return {**next(results), "kernels": 3, "kernel_signatures": 4}

    monkeypatch.setattr(bench, "_first_model_in_fresh_process", fake_process)
    c = bench.time_compile(2)
    assert caches[0] == caches[1] and caches[2] == caches[3] and caches[0] != caches[2]
    assert c["compile_cold_s"] == pytest.approx((1.7 + 2.0) / 2)  # cold first - warm first
    assert c["load_warm_s"] == pytest.approx((0.3 + 0.4) / 2)  # warm first - warm second
    assert c["kernel_cache_misses_cold"] == 4 and c["kernel_cache_hits_warm"] == 4


def test_no_kernel_no_compile_time(monkeypatch) -> None:
    none = {"kernel_cache_misses": 0, "kernel_cache_hits": 0, "kernels": 0}
    firsts = iter([0.07, 0.05])  # noise, not compiling: reported as 0
    monkeypatch.setattr(
        bench,
        "_first_model_in_fresh_process",
        lambda cache_dir: {
            **none,
            "first_s": next(firsts),
            "second_s": 0.05,
            "kernel_signatures": 0,
        },
    )
    c = bench.time_compile(1)
    assert c["compile_cold_s"] == 0.0 and c["load_warm_s"] == 0.0
    assert c["first_model_cold_s"] == 0.07


@pytest.mark.parametrize("bad", ["0", "abc", "101"])
def test_bad_rounds_exit_2_with_one_line(bad: str, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["bench", "--rounds", bad])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--rounds = {bad}" in err


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
