"""``pushpull bench``: the model's monthly step against Mesa's Boltzmann wealth example.

One command times, in one run:

* Mesa's own Boltzmann wealth example (``mesa.examples``), with its data collection, at
  10,000 and 100,000 agents (one agent per grid cell, as Mesa's own benchmarks set it);
* this model's monthly step on the bench scenario (:func:`bench_scenario`: the full
  graduation package, every pull actor and the ``layered`` strategy, data collection on)
  at each size asked for;
* complete runs of the default scenario (build + 120 months, data collection on).

Each measurement runs in a fresh child process (forked from this light parent on Linux),
so that its peak memory is its own: ``peak_mem_mb`` is the child's peak resident set
size (``resource.getrusage(RUSAGE_SELF).ru_maxrss``), interpreter and imported libraries
included. Times are wall-clock (``time.perf_counter``).

For each size the table gives household-steps per second (households x months / time
of the months), the ratio to Mesa's agent-steps per second (at 10,000 agents for sizes
up to 31,622 households, at 100,000 above), the model's build time (households, network,
burn-in months, targeting, programme and pull actors) and the peak memory.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import math
import os
import platform
import resource
import statistics
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

DEFAULT_SIZES = (1_000, 10_000, 100_000, 1_000_000)
MESA_SIZES = (10_000, 100_000)
DEFAULT_MONTHS = 12
DEFAULT_RUNS = 10
#: Most steps Mesa's example is timed for (its rate per agent-step is steady).
MESA_MAX_STEPS = 12
HOUSEHOLDS_PER_VILLAGE = 200
SEED = 20260101
SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"

#: Keys of each row of ``--json`` (more keys may follow them).
JSON_KEYS = (
    "households",
    "household_steps_per_s",
    "mesa_agent_steps_per_s",
    "ratio_vs_mesa",
    "build_s",
    "peak_mem_mb",
)


class BenchError(Exception):
    """Bad input found while benchmarking (e.g. a JSON file that cannot be written)."""


def bench_scenario(households: int, months: int = 120):
    """The bench scenario at a given size.

    The graduation package (``scenarios/graduation_package.toml``: asset transfer,
    consumption support, training, coaching, savings groups, health linkage) plus the
    pull actors of ``scenarios/pull_only.toml`` (a facilitating implementer, 2 lenders,
    4 buyers, 10 agents), under the ``layered`` strategy. Villages hold about
    :data:`HOUSEHOLDS_PER_VILLAGE` households (at least 10 villages, one per agent). The
    number of pull actors is the same at every size: each serves its share of the
    villages.

    Args:
        households: Number of households (>= 100).
        months: Horizon, months (at least 120, the scenario's own).

    Returns:
        Scenario: A validated scenario, one replication.
    """
    from pushpull_sim.scenario import load_scenario

    package = load_scenario(SCENARIOS / "graduation_package.toml")
    pull = load_scenario(SCENARIOS / "pull_only.toml").to_dict()["pull"]
    villages = max(10, households // HOUSEHOLDS_PER_VILLAGE)
    sc = package.with_overrides(
        name="bench",
        pull=pull,
        population={"households": households, "villages": villages},
        run={"months": max(120, months), "replications": 1, "seed": SEED},
    )
    from pushpull_sim.strategies import apply_strategy

    return apply_strategy(sc, "layered")


def peak_memory_mb() -> float:
    """Peak resident set size of this process so far, MB (MiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024  # bytes / KB


def time_model(households: int, months: int) -> dict[str, Any]:
    """Build the bench scenario's model and run ``months`` months (in this process).

    Returns:
        dict: ``households``, ``months``, ``build_s``, ``step_s`` (mean time per month,
        s), ``step_s_median`` (median month, s: without the one-off work of the first
        programme months), ``household_steps_per_s``, ``peak_mem_mb``.
    """
    from pushpull_sim.model import GraduationModel

    sc = bench_scenario(households, months)
    gc.collect()
    t0 = time.perf_counter()
    model = GraduationModel(sc, seed=SEED)
    build = time.perf_counter() - t0
    times = []
    for _ in range(months):
        t0 = time.perf_counter()
        model.step()
        times.append(time.perf_counter() - t0)
    if model.month >= model.horizon:
        model.finalize()
    elapsed = sum(times)
    assert model.month == months and model.recorder is not None
    return {
        "households": households,
        "months": months,
        "build_s": build,
        "step_s": elapsed / months,
        "step_s_median": statistics.median(times),
        "household_steps_per_s": households * months / elapsed,
        "peak_mem_mb": peak_memory_mb(),
    }


def time_mesa(agents: int, steps: int) -> dict[str, Any]:
    """Mesa's Boltzmann wealth example, with its data collection (in this process).

    Agents move on a square grid of about one cell per agent (``width = height =
    isqrt(agents)``) and give a unit of wealth to a cellmate; the model collects its
    Gini and every agent's wealth each step (``DataCollector`` and ``DataRecorder``).

    Returns:
        dict: ``agents``, ``steps``, ``build_s``, ``step_s``, ``agent_steps_per_s``,
        ``peak_mem_mb``.
    """
    from mesa.examples.basic.boltzmann_wealth_model.model import (
        BoltzmannScenario,
        BoltzmannWealth,
    )

    side = math.isqrt(agents)
    gc.collect()
    t0 = time.perf_counter()
    model = BoltzmannWealth(BoltzmannScenario(n=agents, width=side, height=side, rng=SEED))
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(steps):
        model.step()
    elapsed = time.perf_counter() - t0
    return {
        "agents": agents,
        "steps": steps,
        "build_s": build,
        "step_s": elapsed / steps,
        "agent_steps_per_s": agents * steps / elapsed,
        "peak_mem_mb": peak_memory_mb(),
    }


def time_default_runs(runs: int) -> dict[str, Any]:
    """Complete runs of the default scenario: build + 120 months, data collection on.

    Returns:
        dict: ``runs``, ``households``, ``months``, ``run_s`` (mean), ``runs_per_s``.
    """
    from pushpull_sim.model import GraduationModel
    from pushpull_sim.scenario import scenario_from_dict

    sc = scenario_from_dict({})
    t0 = time.perf_counter()
    for r in range(runs):
        GraduationModel(sc, replication=r).run()
    elapsed = time.perf_counter() - t0
    return {
        "runs": runs,
        "households": sc.population.households,
        "months": sc.run.months,
        "run_s": elapsed / runs,
        "runs_per_s": runs / elapsed,
    }


def in_child(fn, *args) -> dict[str, Any]:
    """Run ``fn(*args)`` in a fresh child process; return its result."""
    method = "fork" if sys.platform == "linux" else "spawn"
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=".*multi-threaded, use of fork", category=DeprecationWarning
        )
        with ProcessPoolExecutor(max_workers=1, mp_context=get_context(method)) as pool:
            return pool.submit(fn, *args).result()


def mesa_size_for(households: int) -> int:
    """The Mesa size a model size is compared with: the nearest on a log scale."""
    return min(MESA_SIZES, key=lambda m: abs(math.log(households / m)))


def machine() -> dict[str, Any]:
    """The machine and library versions."""
    import mesa
    import numpy
    import scipy

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:  # pragma: no cover - not Linux
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "mesa": mesa.__version__,
    }


def run_bench(
    sizes: list[int],
    months: int = DEFAULT_MONTHS,
    json_path: Path | None = None,
    default_runs: int = DEFAULT_RUNS,
    out=None,
) -> list[dict[str, Any]]:
    """Run the benchmark, print its table and optionally write it as JSON.

    Args:
        sizes: Households, one model per size.
        months: Months simulated per size (Mesa's example: as many steps, at most
            :data:`MESA_MAX_STEPS`).
        json_path: Where to write the rows (a JSON list), or None.
        default_runs: Complete runs of the default scenario to time (0 = skip).
        out: Stream to print to (default standard output).

    Returns:
        list[dict]: One row per size, with the keys of :data:`JSON_KEYS` and more.
    """
    out = out or sys.stdout
    info = machine()
    print(
        f"machine: {info['cpu']}, {info['cores']} cores; python {info['python']}, "
        f"numpy {info['numpy']}, scipy {info['scipy']}, mesa {info['mesa']}",
        file=out,
    )
    print(
        f"each figure from a fresh child process; {months} months per size (Mesa: "
        f"{min(months, MESA_MAX_STEPS)} steps); peak memory = the child's peak RSS\n",
        file=out,
        flush=True,
    )
    mesa: dict[int, dict[str, Any]] = {}
    for m in sorted({mesa_size_for(n) for n in sizes}):
        mesa[m] = in_child(time_mesa, m, min(months, MESA_MAX_STEPS))
        r = mesa[m]
        print(
            f"mesa boltzmann {m:>9,} agents: build {r['build_s']:7.2f} s, "
            f"{r['step_s']:8.4f} s/step, {r['agent_steps_per_s']:>12,.0f} agent-steps/s, "
            f"peak {r['peak_mem_mb']:7.0f} MB",
            file=out,
            flush=True,
        )
    header = (
        f"\n{'households':>10} {'build_s':>8} {'s/month':>8} {'median':>8} {'hh-steps/s':>12} "
        f"{'mesa steps/s':>12} {'vs mesa':>8} {'peak_MB':>8}"
    )
    print(header, file=out, flush=True)
    rows = []
    for n in sizes:
        r = in_child(time_model, n, months)
        ref = mesa[mesa_size_for(n)]
        row = {
            "households": n,
            "household_steps_per_s": r["household_steps_per_s"],
            "mesa_agent_steps_per_s": ref["agent_steps_per_s"],
            "ratio_vs_mesa": r["household_steps_per_s"] / ref["agent_steps_per_s"],
            "build_s": r["build_s"],
            "peak_mem_mb": r["peak_mem_mb"],
            "months": months,
            "step_s": r["step_s"],
            "step_s_median": r["step_s_median"],
            "mesa_agents": ref["agents"],
            "mesa_build_s": ref["build_s"],
            "mesa_peak_mem_mb": ref["peak_mem_mb"],
        }
        rows.append(row)
        print(
            f"{n:>10,} {row['build_s']:8.2f} {row['step_s']:8.4f} {row['step_s_median']:8.4f} "
            f"{row['household_steps_per_s']:>12,.0f} {row['mesa_agent_steps_per_s']:>12,.0f} "
            f"{row['ratio_vs_mesa']:>7.1f}x {row['peak_mem_mb']:>8.0f}",
            file=out,
            flush=True,
        )
    if len(rows) > 1:
        print("\ngrowth of the time per month relative to households (1 = linear):", file=out)
        for a, b in itertools.pairwise(rows):
            size = b["households"] / a["households"]
            print(
                f"  {a['households']:>9,} -> {b['households']:>9,}: "
                f"mean {b['step_s'] / a['step_s'] / size:.2f}, "
                f"median {b['step_s_median'] / a['step_s_median'] / size:.2f}",
                file=out,
            )
    if default_runs:
        d = in_child(time_default_runs, default_runs)
        print(
            f"\ndefault scenario ({d['households']:,} households, build + {d['months']} "
            f"months, data collection on): {d['run_s']:.3f} s per run, "
            f"{d['runs_per_s']:.1f} runs/s on one core",
            file=out,
        )
    if json_path is not None:
        try:
            json_path.write_text(json.dumps(rows, indent=2) + "\n")
        except OSError as exc:
            raise BenchError(f"--json {json_path}: cannot write: {exc.strerror or exc}") from None
        print(f"\nwrote {json_path}", file=out)
    return rows


def cmd_bench(args: argparse.Namespace) -> int:
    """The ``pushpull bench`` subcommand (see :mod:`pushpull_sim.cli`).

    Returns:
        int: 0, or 2 when the JSON file cannot be written.
    """
    if args.json is not None and not args.json.resolve().parent.is_dir():
        print(f"pushpull bench: error: --json {args.json}: no such directory", file=sys.stderr)
        return 2
    sizes = args.sizes or list(DEFAULT_SIZES)
    try:
        run_bench(sizes, args.months, args.json, args.default_runs)
    except BenchError as exc:
        print(f"pushpull bench: error: {exc}", file=sys.stderr)
        return 2
    return 0
