"""``pushpull bench``: the model's monthly step against Mesa's Boltzmann wealth example.

One command times, in one run:

* Mesa's own Boltzmann wealth example (``mesa.examples``), with its data collection, at
  10,000 or 100,000 agents (one agent per grid cell, as Mesa's own benchmarks set it),
  and this model's monthly step on the bench scenario (:func:`bench_scenario`: the full
  graduation package, every pull actor and the ``layered`` strategy, data collection
  on) at each size asked for, in alternation: for each size, Mesa at the matching size
  then the model, repeated ``rounds`` times (A B A B A B). The ratio is taken within
  each round and the median of those ratios is reported, so a drift in the machine's
  speed (other work starting or stopping) falls on both sides of a ratio and cancels;
* complete runs of the default scenario (build + 120 months, data collection on), the
  median run;
* the compiled kernels' first-call cost: compiling them into an empty cache, and loading
  them from a warm one (:func:`time_first_model`);
* the command line's start-up (``pushpull --help``, ``pushpull run --help``).

Each measurement of Mesa or the model runs in a fresh child process (forked from this
light parent on Linux), so that its peak memory is its own: ``peak_mem_mb`` is the
child's peak resident set size (``resource.getrusage(RUSAGE_SELF).ru_maxrss``),
interpreter and imported libraries included. Times are wall-clock
(``time.perf_counter``). Before its timed model, a child builds and steps a small model
(:data:`WARMUP_HOUSEHOLDS` households, :data:`WARMUP_MONTHS` month), so that compiling
or loading the kernels is not in the model's figures: it is reported on its own.

For each size the table gives household-steps per second (households x months / time
of the months), Mesa's agent-steps per second (at 10,000 agents for sizes up to 31,622
households, at 100,000 above), the median of the rounds' ratios of the two, the model's
build time (households, network, burn-in months, targeting, programme and pull actors)
and the peak memory.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import itertools
import json
import math
import os
import pkgutil
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from importlib.metadata import PackageNotFoundError, version
from multiprocessing import get_context
from pathlib import Path
from typing import Any

DEFAULT_SIZES = (1_000, 10_000, 100_000, 1_000_000)
MESA_SIZES = (10_000, 100_000)
DEFAULT_MONTHS = 12
DEFAULT_RUNS = 10
#: Rounds of Mesa then the model per size (A B A B A B); the median ratio is reported.
DEFAULT_ROUNDS = 3
#: Most steps Mesa's example is timed for (its rate per agent-step is steady).
MESA_MAX_STEPS = 12
HOUSEHOLDS_PER_VILLAGE = 200
SEED = 20260101
SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
#: The small model a child builds and steps before its timed work, so that the kernels
#: are compiled or loaded before the clock starts (assumption: big enough to call
#: every stage's kernel, since the bench scenario has every component).
WARMUP_HOUSEHOLDS = 1_000
WARMUP_MONTHS = 1
#: Runs of each command whose median is the command line's start-up.
STARTUP_RUNS = 5
#: Command-line start-ups timed, as (JSON key, arguments).
STARTUP_COMMANDS = (("startup_help_s", ("--help",)), ("startup_run_help_s", ("run", "--help")))

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


def _build_and_step(households: int, months: int) -> float:
    """Build the bench scenario's model and step it ``months`` months; seconds taken."""
    from pushpull_sim.model import GraduationModel

    sc = bench_scenario(households, months)
    t0 = time.perf_counter()
    model = GraduationModel(sc, seed=SEED)
    for _ in range(months):
        model.step()
    return time.perf_counter() - t0


def warm_up() -> None:
    """Build and step a small model, so that this process's kernels are compiled or
    loaded from the cache before anything is timed."""
    _build_and_step(WARMUP_HOUSEHOLDS, WARMUP_MONTHS)


def time_model(households: int, months: int) -> dict[str, Any]:
    """Build the bench scenario's model and run ``months`` months (in this process),
    after :func:`warm_up`.

    Returns:
        dict: ``households``, ``months``, ``build_s``, ``step_s`` (mean time per month,
        s), ``step_s_median`` (median month, s: without the one-off work of the first
        programme months), ``household_steps_per_s``, ``peak_mem_mb``.
    """
    from pushpull_sim.model import GraduationModel

    warm_up()
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
    """Complete runs of the default scenario: build + 120 months, data collection on,
    each timed on its own, after :func:`warm_up`.

    Returns:
        dict: ``runs``, ``households``, ``months``, ``run_s`` (median run, s),
        ``run_s_mean``, ``runs_per_s`` (1 / median run).
    """
    from pushpull_sim.model import GraduationModel
    from pushpull_sim.scenario import scenario_from_dict

    warm_up()
    sc = scenario_from_dict({})
    times = []
    for r in range(runs):
        t0 = time.perf_counter()
        GraduationModel(sc, replication=r).run()
        times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    return {
        "runs": runs,
        "households": sc.population.households,
        "months": sc.run.months,
        "run_s": median,
        "run_s_mean": statistics.fmean(times),
        "runs_per_s": 1 / median,
    }


def kernel_stats() -> dict[str, int]:
    """The compiled kernels loaded in this process (numba dispatchers in any
    ``pushpull_sim`` module) and what their cache did.

    Returns:
        dict: ``kernels`` (dispatchers found), ``kernel_signatures`` (compiled
        signatures), ``kernel_cache_hits`` (signatures loaded from the cache),
        ``kernel_cache_misses`` (signatures compiled).
    """
    found = {"kernels": 0, "kernel_signatures": 0, "kernel_cache_hits": 0}
    found["kernel_cache_misses"] = 0
    if "numba" not in sys.modules:  # no kernel was ever loaded
        return found
    from numba.core.dispatcher import Dispatcher

    seen: set[int] = set()
    for name, module in list(sys.modules.items()):
        if not name.startswith("pushpull_sim") or module is None:
            continue
        for obj in list(vars(module).values()):
            if isinstance(obj, Dispatcher) and id(obj) not in seen:
                seen.add(id(obj))
                stats = obj.stats
                found["kernels"] += 1
                found["kernel_signatures"] += len(obj.signatures)
                found["kernel_cache_hits"] += sum(stats.cache_hits.values())
                found["kernel_cache_misses"] += sum(stats.cache_misses.values())
    return found


def _import_kernel_modules() -> None:
    """Import every module of :mod:`pushpull_sim.kernels` (each may hold kernels)."""
    import pushpull_sim.kernels as kernels

    for info in pkgutil.walk_packages(kernels.__path__, f"{kernels.__name__}."):
        importlib.import_module(info.name)


def time_first_model(households: int = WARMUP_HOUSEHOLDS, months: int = WARMUP_MONTHS):
    """A new process's first model, then a second one (in this process, which must be a
    fresh interpreter: see :func:`time_compile`).

    The model's modules and the kernels' modules are imported first, untimed. Then the
    bench scenario's model is built and stepped ``months`` months twice: the first time
    pays for compiling the kernels (an empty cache) or loading them (a warm cache), plus
    any other one-off cost of a process's first model; the second pays for neither.

    Returns:
        dict: ``first_s``, ``second_s`` (seconds), and :func:`kernel_stats` after both.
    """
    import pushpull_sim.model  # noqa: F401  (imports are not timed)

    _import_kernel_modules()
    first = _build_and_step(households, months)
    second = _build_and_step(households, months)
    return {"first_s": first, "second_s": second, **kernel_stats()}


def _first_model_in_fresh_process(cache_dir: str) -> dict[str, Any]:
    """:func:`time_first_model` in a new interpreter whose numba cache is ``cache_dir``
    (numba reads ``NUMBA_CACHE_DIR`` once, when it is imported: hence a new process, not
    a fork of this one)."""
    code = (
        "import json; from pushpull_sim.bench import time_first_model; "
        "print(json.dumps(time_first_model()))"
    )
    env = {**os.environ, "NUMBA_CACHE_DIR": cache_dir}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
        raise RuntimeError(f"timing the kernels' first call failed: {lines[-1]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def time_compile(rounds: int) -> dict[str, Any]:
    """The kernels' first-call cost: compiling into an empty cache, loading from a warm one.

    Each round runs :func:`time_first_model` twice in new processes sharing one new,
    empty ``NUMBA_CACHE_DIR``: *cold* (the kernels are compiled and written to the
    cache), then *warm* (they are loaded from it). ``compile_cold_s`` is the cold
    process's first model minus the warm one's; ``load_warm_s`` is the warm process's
    first model minus its second (an upper bound: it includes any other one-off cost of
    a process's first model). Each is 0 when no kernel was compiled or loaded.

    Returns:
        dict: ``compile_cold_s``, ``load_warm_s`` (medians over rounds, s),
        ``first_model_cold_s``, ``first_model_warm_s``, ``next_model_s`` (medians, s),
        ``kernels``, ``kernel_signatures``, ``kernel_cache_misses_cold``,
        ``kernel_cache_hits_warm``, ``kernel_cache_misses_warm`` (of the last round).
    """
    cold, warm = [], []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory(prefix="pushpull-numba-cache-") as cache_dir:
            cold.append(_first_model_in_fresh_process(cache_dir))
            warm.append(_first_model_in_fresh_process(cache_dir))
    med = statistics.median
    compile_s = med(c["first_s"] - w["first_s"] for c, w in zip(cold, warm, strict=True))
    load_s = med(w["first_s"] - w["second_s"] for w in warm)
    return {
        "compile_cold_s": compile_s if cold[-1]["kernel_cache_misses"] > 0 else 0.0,
        "load_warm_s": load_s if warm[-1]["kernel_cache_hits"] > 0 else 0.0,
        "first_model_cold_s": med(c["first_s"] for c in cold),
        "first_model_warm_s": med(w["first_s"] for w in warm),
        "next_model_s": med(r["second_s"] for r in cold + warm),
        "kernels": cold[-1]["kernels"],
        "kernel_signatures": cold[-1]["kernel_signatures"],
        "kernel_cache_misses_cold": cold[-1]["kernel_cache_misses"],
        "kernel_cache_hits_warm": warm[-1]["kernel_cache_hits"],
        "kernel_cache_misses_warm": warm[-1]["kernel_cache_misses"],
    }


def _pushpull_command() -> list[str]:
    """The ``pushpull`` console script of this environment (or ``python -m`` its module)."""
    script = Path(sys.executable).parent / "pushpull"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "pushpull_sim.cli"]


def time_startup(runs: int = STARTUP_RUNS) -> dict[str, float]:
    """The command line's start-up: the median wall-clock time of ``runs`` runs of each
    command of :data:`STARTUP_COMMANDS` (interpreter start included), in alternation.

    Returns:
        dict: One key of :data:`STARTUP_COMMANDS` per command, seconds.
    """
    command = _pushpull_command()
    times: dict[str, list[float]] = {key: [] for key, _ in STARTUP_COMMANDS}
    for _ in range(runs):
        for key, args in STARTUP_COMMANDS:
            t0 = time.perf_counter()
            subprocess.run([*command, *args], stdout=subprocess.DEVNULL, check=True)
            times[key].append(time.perf_counter() - t0)
    return {key: statistics.median(t) for key, t in times.items()}


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
    """The machine and library versions (read from the installed packages' metadata, so
    that this parent process stays light: its children import the libraries)."""

    def installed(package: str) -> str:
        try:
            return version(package)
        except PackageNotFoundError:
            return "not installed"

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
        **{name: installed(name) for name in ("numpy", "scipy", "numba", "mesa")},
    }


def measure_size(households: int, months: int, rounds: int, out) -> dict[str, Any]:
    """Mesa at the matching size then the model, ``rounds`` times, each in a fresh child.

    Returns:
        dict: The row of :func:`run_bench` for this size.
    """
    agents = mesa_size_for(households)
    mesa_runs, model_runs, ratios = [], [], []
    for r in range(rounds):
        ref = in_child(time_mesa, agents, min(months, MESA_MAX_STEPS))
        res = in_child(time_model, households, months)
        mesa_runs.append(ref)
        model_runs.append(res)
        ratios.append(res["household_steps_per_s"] / ref["agent_steps_per_s"])
        print(
            f"  round {r + 1}/{rounds}: mesa boltzmann {agents:>7,} agents "
            f"{ref['agent_steps_per_s']:>10,.0f} agent-steps/s (build {ref['build_s']:.2f} s, "
            f"peak {ref['peak_mem_mb']:.0f} MB); model {households:>9,} households "
            f"{res['household_steps_per_s']:>10,.0f} household-steps/s; ratio {ratios[-1]:.2f}x",
            file=out,
            flush=True,
        )
    med = statistics.median
    return {
        "households": households,
        "household_steps_per_s": med(m["household_steps_per_s"] for m in model_runs),
        "mesa_agent_steps_per_s": med(m["agent_steps_per_s"] for m in mesa_runs),
        "ratio_vs_mesa": med(ratios),
        "build_s": med(m["build_s"] for m in model_runs),
        "peak_mem_mb": max(m["peak_mem_mb"] for m in model_runs),
        "months": months,
        "step_s": med(m["step_s"] for m in model_runs),
        "step_s_median": med(m["step_s_median"] for m in model_runs),
        "mesa_agents": agents,
        "mesa_build_s": med(m["build_s"] for m in mesa_runs),
        "mesa_peak_mem_mb": max(m["peak_mem_mb"] for m in mesa_runs),
        "rounds": rounds,
        "ratio_by_round": ratios,
        "household_steps_per_s_by_round": [m["household_steps_per_s"] for m in model_runs],
        "mesa_agent_steps_per_s_by_round": [m["agent_steps_per_s"] for m in mesa_runs],
    }


def run_bench(
    sizes: list[int],
    months: int = DEFAULT_MONTHS,
    json_path: Path | None = None,
    default_runs: int = DEFAULT_RUNS,
    out=None,
    rounds: int = DEFAULT_ROUNDS,
) -> list[dict[str, Any]]:
    """Run the benchmark, print its table and optionally write it as JSON.

    Args:
        sizes: Households, one model per size.
        months: Months simulated per size (Mesa's example: as many steps, at most
            :data:`MESA_MAX_STEPS`).
        json_path: Where to write the rows (a JSON list), or None.
        default_runs: Complete runs of the default scenario to time (0 = skip).
        out: Stream to print to (default standard output).
        rounds: Rounds of Mesa then the model per size (>= 1); the kernels' compile and
            load are also timed this many times.

    Returns:
        list[dict]: One row per size, with the keys of :data:`JSON_KEYS`, then
        ``months``, ``step_s``, ``step_s_median``, ``mesa_agents``, ``mesa_build_s``,
        ``mesa_peak_mem_mb``, ``rounds``, ``ratio_by_round``,
        ``household_steps_per_s_by_round``, ``mesa_agent_steps_per_s_by_round``, and the
        figures of the whole run (the same in every row): those of :func:`time_compile`,
        of :func:`time_startup` and, unless skipped, ``default_run_s``,
        ``default_runs_per_s`` and ``default_runs``.
    """
    out = out or sys.stdout
    info = machine()
    print(
        f"machine: {info['cpu']}, {info['cores']} cores; python {info['python']}, "
        f"numpy {info['numpy']}, scipy {info['scipy']}, numba {info['numba']}, "
        f"mesa {info['mesa']}",
        file=out,
    )
    print(
        f"each figure from a fresh child process; per size, Mesa then the model, {rounds} "
        f"round{'s' if rounds > 1 else ''} (medians; the ratio is the median of the rounds' "
        f"ratios); {months} months per size (Mesa: {min(months, MESA_MAX_STEPS)} steps); "
        "peak memory = the child's peak RSS, the largest of the rounds\n",
        file=out,
        flush=True,
    )
    rows = [measure_size(n, months, rounds, out) for n in sizes]
    print(
        f"\n{'households':>10} {'build_s':>8} {'s/month':>8} {'median':>8} {'hh-steps/s':>12} "
        f"{'mesa steps/s':>12} {'vs mesa':>8} {'peak_MB':>8}  ratio by round",
        file=out,
    )
    for row in rows:
        print(
            f"{row['households']:>10,} {row['build_s']:8.2f} {row['step_s']:8.4f} "
            f"{row['step_s_median']:8.4f} {row['household_steps_per_s']:>12,.0f} "
            f"{row['mesa_agent_steps_per_s']:>12,.0f} {row['ratio_vs_mesa']:>7.2f}x "
            f"{row['peak_mem_mb']:>8.0f}  " + " ".join(f"{x:.2f}" for x in row["ratio_by_round"]),
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
    whole: dict[str, Any] = {}
    if default_runs:
        d = in_child(time_default_runs, default_runs)
        whole.update(
            default_run_s=d["run_s"], default_runs_per_s=d["runs_per_s"], default_runs=d["runs"]
        )
        print(
            f"\ndefault scenario ({d['households']:,} households, build + {d['months']} "
            f"months, data collection on): {d['run_s']:.3f} s per run (median of "
            f"{d['runs']}; mean {d['run_s_mean']:.3f} s), {d['runs_per_s']:.1f} runs/s on "
            "one core",
            file=out,
            flush=True,
        )
    c = time_compile(rounds)
    whole.update(c)
    print(
        f"\ncompiled kernels ({c['kernels']} kernels, {c['kernel_signatures']} signatures; "
        f"a model of {WARMUP_HOUSEHOLDS:,} households built and stepped {WARMUP_MONTHS} "
        f"month in a new process, median of {rounds}):\n"
        f"  compile, empty cache: {c['compile_cold_s']:.3f} s "
        f"({c['kernel_cache_misses_cold']} compiled; first model {c['first_model_cold_s']:.3f} s)\n"
        f"  load, warm cache:     {c['load_warm_s']:.3f} s "
        f"({c['kernel_cache_hits_warm']} loaded, {c['kernel_cache_misses_warm']} compiled; "
        f"first model {c['first_model_warm_s']:.3f} s, next {c['next_model_s']:.3f} s)",
        file=out,
        flush=True,
    )
    s = time_startup()
    whole.update(s)
    print(
        f"\ncommand-line start-up (median of {STARTUP_RUNS}): pushpull --help "
        f"{s['startup_help_s']:.3f} s, pushpull run --help {s['startup_run_help_s']:.3f} s",
        file=out,
    )
    rows = [{**row, **whole} for row in rows]
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
        run_bench(sizes, args.months, args.json, args.default_runs, rounds=args.rounds)
    except BenchError as exc:
        print(f"pushpull bench: error: {exc}", file=sys.stderr)
        return 2
    return 0
