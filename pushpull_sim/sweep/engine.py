"""Run a sweep: every (point, replicate) on an executor (local processes or a Dask
cluster, :mod:`pushpull_sim.executors`), each finished run written to the sweep directory
(:mod:`pushpull_sim.sweep.store`, which also holds the tables' schema and the manifest).

Each run's seed comes from the sweep seed and its (point, replicate) through
:func:`pushpull_sim.sweep.spec.run_seed`, so results do not depend on the number of
workers or on the engine. Finished runs stream to the sweep directory as they arrive
(see :mod:`pushpull_sim.sweep.store`); the driver holds only the runs in flight.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from pushpull_sim.executors import DaskExecutor, Executor, ExecutorError, executor
from pushpull_sim.memory import gb, memory_limit
from pushpull_sim.output import OutputError
from pushpull_sim.scenario import scenario_from_dict
from pushpull_sim.sweep import params as P
from pushpull_sim.sweep import store
from pushpull_sim.sweep.outcomes import ALLOWED_OUTCOMES, run_outcomes
from pushpull_sim.sweep.spec import SpecError, Sweep

#: Longest error message kept for a failed run, characters. Assumption.
MAX_ERROR = 500

#: ``fn(scenario data, seed, columns, arms) -> (outcomes, time series)``; the time series
#: is a DataFrame or a dict of equal-length column lists, with ``month`` and
#: ``<column>_<arm>`` columns, or None.
RunFn = Callable[..., tuple[dict[str, float], pd.DataFrame | dict | None]]


def default_run_fn(
    data: dict[str, Any],
    seed: int,
    columns: list[str],
    arms: list[str],
    outcomes: Sequence[str] = ALLOWED_OUTCOMES,
):
    """Validate a run's scenario data and run the model once: ``(outcomes, time series)``,
    the declared outcomes named (:mod:`pushpull_sim.outcomes`; default every one) and
    the monthly series asked for (see :func:`pushpull_sim.sweep.outcomes.run_outcomes`).
    A sweep passes the outcomes its spec names, so a run computes only those."""
    scenario = scenario_from_dict(data, source="run")
    return run_outcomes(scenario, seed, columns, arms, outcomes=list(outcomes))


@dataclass(frozen=True)
class RunTask:
    """One run: a (point, replicate), every strategy of the sweep on one seed."""

    run_id: int
    point_id: int
    replicate: int
    seed: int
    params: dict[str, Any]


@dataclass(frozen=True)
class Context:
    """What every run needs (sent once per task; picklable)."""

    base_data: dict[str, Any]
    strategies: tuple[str, ...]
    contrast: tuple[str, ...]
    outcomes: tuple[str, ...]
    ts_columns: tuple[str, ...]
    ts_arms: tuple[str, ...]
    run_fn: RunFn = default_run_fn


def outcome_columns(outcomes: list[str], strategies: list[str], contrast: list[str]) -> list[str]:
    """Names of the summary's outcome columns.

    Without strategies, the outcome names. With strategies, ``<outcome>[<strategy>]`` for
    each strategy and, with a contrast ``[a, b]``, ``<outcome>[a-b]`` (a minus b, on the
    same seed).
    """
    if not strategies:
        return list(outcomes)
    cols = [f"{o}[{s}]" for o in outcomes for s in strategies]
    if contrast:
        a, b = contrast
        cols += [f"{o}[{a}-{b}]" for o in outcomes]
    return cols


def execute(task: RunTask, ctx: Context) -> tuple[dict[str, Any], dict | None]:
    """Run one task; an exception is recorded as a failed run, never raised.

    Returns:
        tuple: ``(summary row, time series columns or None)``; the row has ``status``
        and ``error`` and one value per outcome column (NaN when failed).
    """
    row: dict[str, Any] = {
        "run_id": task.run_id,
        "point_id": task.point_id,
        "replicate": task.replicate,
        "seed": task.seed,
        **task.params,
    }
    cols = outcome_columns(list(ctx.outcomes), list(ctx.strategies), list(ctx.contrast))
    frames = []
    try:
        results: dict[str | None, dict[str, float]] = {}
        for strategy in ctx.strategies or (None,):
            p = dict(task.params)
            if strategy is not None:
                p["strategy.name"] = strategy
            data = P.apply(ctx.base_data, p)
            out, ts = ctx.run_fn(data, task.seed, list(ctx.ts_columns), list(ctx.ts_arms))
            results[strategy] = out
            if ts is not None and len(ts):
                frames.append((strategy, ts))
        values: dict[str, float] = {}
        if not ctx.strategies:
            values = {o: _num(results[None].get(o)) for o in ctx.outcomes}
        else:
            for o in ctx.outcomes:
                for s in ctx.strategies:
                    values[f"{o}[{s}]"] = _num(results[s].get(o))
            if ctx.contrast:
                a, b = ctx.contrast
                for o in ctx.outcomes:
                    values[f"{o}[{a}-{b}]"] = values[f"{o}[{a}]"] - values[f"{o}[{b}]"]
        row.update(status="ok", error=None, **{c: values[c] for c in cols})
    except Exception as exc:  # a run that raises is recorded, and the sweep goes on
        message = " ".join(f"{type(exc).__name__}: {exc}".split())
        row.update(status="failed", error=message[:MAX_ERROR], **{c: math.nan for c in cols})
        frames = []
    return row, _ts_columns(row, task, frames) if frames else None


def _ts_columns(row: dict[str, Any], task: RunTask, frames: list) -> dict[str, list[Any]]:
    """Time series of a run as columns: run keys, parameters, strategy, then the values."""
    out: dict[str, list[Any]] = {}
    for strategy, ts in frames:
        data = {c: list(ts[c]) for c in ts} if not isinstance(ts, dict) else ts
        n = len(data["month"])
        keys = {k: row[k] for k in ("run_id", "point_id", "replicate", "seed", *task.params)}
        if strategy is not None:
            keys["strategy"] = strategy
        for k, v in keys.items():
            out.setdefault(k, []).extend([v] * n)
        for c, v in data.items():
            out.setdefault(c, []).extend(v)
    return out


def _num(v: Any) -> float:
    try:
        return float(v) if v is not None else math.nan
    except (TypeError, ValueError):
        return math.nan


@dataclass
class SweepReport:
    """What a call of :func:`run_sweep` did.

    Attributes:
        out: The sweep directory.
        total: Runs in the design.
        skipped: Runs already on disk (``resume``).
        done: Runs finished now, failed included.
        failed: Runs that raised, now.
        seconds: Wall time of this call, s.
        max_in_flight: Most runs submitted and not yet written at any time (the driver
            holds no other results: each is written as it arrives).
        errors: The first failed runs' messages.
        work: Where the runs were written: ``out``, or while a ``force`` replacement is
            incomplete, :func:`pushpull_sim.sweep.store.replacement_dir` beside it.
        replaced: Whether this call put a completed replacement in place of ``out``.
    """

    out: Path
    total: int
    work: Path | None = None
    replaced: bool = False
    skipped: int = 0
    done: int = 0
    failed: int = 0
    seconds: float = 0.0
    max_in_flight: int = 0
    errors: list[str] = field(default_factory=list)


def tasks(sweep: Sweep, skip: set[int]) -> Iterator[RunTask]:
    """The sweep's runs in run_id order (run_id = point_id x replications + replicate)."""
    reps = sweep.spec.sweep.replications
    columns = {n: sweep.design[n].tolist() for n in sweep.names}
    for point in range(sweep.n_points):
        params = {n: columns[n][point] for n in sweep.names}
        for r in range(reps):
            run_id = point * reps + r
            if run_id not in skip:
                yield RunTask(run_id, point, r, sweep.seed_of(point, r), params)


def run_sweep(
    sweep: Sweep,
    out: str | Path,
    workers: int | None = None,
    scheduler: Any = None,
    resume: bool = False,
    force: bool = False,
    run_fn: RunFn | None = None,
    progress: bool = True,
    max_runs: int | None = None,
) -> SweepReport:
    """Run every run of a sweep not yet on disk, streaming results to ``out``.

    Args:
        sweep: The loaded sweep (:func:`pushpull_sim.sweep.spec.load_sweep`).
        out: Sweep directory.
        workers: Local worker processes (default: one per core; 1 runs in this process).
            Ignored with ``scheduler``.
        scheduler: A Dask scheduler address (``"tcp://host:8786"``) or a
            ``dask.distributed.Client``: run on that cluster instead.
        resume: Complete the sweep already in ``out`` (runs on disk are not run again), or
            the interrupted ``force`` replacement of it with the same spec.
        force: Replace an existing, non-empty ``out``: the new sweep is written beside
            it and takes its place only when complete (the old one stays in ``out``
            until then).
        run_fn: Replaces the model run (tests, other models): ``fn(scenario data, seed,
            columns, arms) -> (outcomes dict, time series DataFrame or None)``, where
            scenario data is the plain (not yet validated) scenario of the run; must be
            picklable for processes and Dask. Default :func:`default_run_fn`, computing
            only the outcomes the spec names.
        progress: Show a progress bar on standard error.
        max_runs: Stop after this many runs (tests, partial sweeps); None = all.

    Returns:
        SweepReport: Counts and wall time.

    Raises:
        OutputError: As :func:`prepare_dir`.
        SpecError: ``resume`` with a changed spec; local workers whose runs at once would
            need more memory than the limit (:mod:`pushpull_sim.memory`).
    """
    t0 = time.perf_counter()
    out = Path(out)
    try:  # before anything is written: a bad scheduler address costs nothing
        runs = executor(workers, scheduler)
    except ExecutorError as exc:
        raise OutputError(str(exc)) from None
    with runs:
        if not isinstance(runs, DaskExecutor):  # local runs share this machine's memory
            _check_memory(sweep, runs.workers)
        return _run_sweep(sweep, out, t0, runs, resume, force, run_fn, progress, max_runs)


def _check_memory(sweep: Sweep, workers: int) -> None:
    """Refuse local workers whose runs at once would not fit in memory."""
    need = sweep.peak_bytes * workers
    limit, why = memory_limit()
    if workers > 1 and need > limit:
        raise SpecError(
            f"--workers {workers}: {workers} runs at once need about {gb(need)} of memory, "
            f"more than the limit of {gb(limit)} ({why}); use fewer workers"
        )


def _run_sweep(
    sweep: Sweep,
    out: Path,
    t0: float,
    runs: Executor,
    resume: bool,
    force: bool,
    run_fn: RunFn | None,
    progress: bool,
    max_runs: int | None,
) -> SweepReport:
    s = sweep.spec.sweep
    cols = outcome_columns(list(s.outcomes), sweep.strategies, list(s.contrast))
    place = store.prepare_dir(sweep, out, resume, force, cols)
    work = place.work  # out, or the replacement beside it until it is complete
    store.consolidate(work)
    done = store.done_run_ids(work)
    report = SweepReport(out=out, total=sweep.n_runs, skipped=len(done), work=work)
    ctx = Context(
        base_data=sweep.base_data,
        strategies=tuple(sweep.strategies),
        contrast=tuple(s.contrast),
        outcomes=tuple(s.outcomes),
        ts_columns=tuple(s.timeseries),
        ts_arms=tuple(s.timeseries_arms),
        run_fn=run_fn or partial(default_run_fn, outcomes=tuple(s.outcomes)),
    )
    todo = tasks(sweep, done)
    if max_runs is not None:
        todo = (t for _, t in zip(range(max_runs), todo, strict=False))
    session = store.next_session(work)
    sj = store.Journal(
        work / store.JOURNAL / f"summary-{session}.arrows", store.summary_schema(sweep, cols)
    )
    tj = None
    ts_schema = store.timeseries_schema(sweep)
    if s.timeseries:
        tj = store.Journal(work / store.JOURNAL / f"timeseries-{session}.arrows", ts_schema)
    bar = _progress(report, progress)

    def record(row: dict[str, Any], ts: dict[str, list[Any]] | None) -> None:
        if tj is not None and ts is not None:
            tj.write(store.timeseries_rows(ts, ts_schema))
        sj.write(store.summary_row(row, sj.schema))  # last: the run counts as done from here
        report.done += 1
        if row["status"] != "ok":
            report.failed += 1
            if len(report.errors) < 20:
                report.errors.append(f"run {row['run_id']}: {row['error']}")
        bar.set_postfix(done=report.skipped + report.done, failed=report.failed, refresh=False)
        bar.update(1)
        store.fault(f"runs:{report.done}")

    try:
        with closing(runs.stream(execute, ((task,) for task in todo), ctx)) as finished:
            for row, ts in finished:
                record(row, ts)
                report.max_in_flight = runs.max_in_flight
    except BaseException as exc:  # Ctrl-C, SIGTERM: the caller says where the runs are
        exc.sweep_work = work  # type: ignore[attr-defined]
        raise
    finally:
        bar.close()
        sj.close()
        if tj is not None:
            tj.close()
    store.consolidate(work)
    if max_runs is None or report.skipped + report.done >= report.total:
        store.finish(place)  # a replacement takes the old sweep's place once complete
        report.replaced = place.replacing
    report.seconds = time.perf_counter() - t0
    return report


def _progress(report: SweepReport, enabled: bool):
    from tqdm.auto import tqdm

    bar = tqdm(
        total=report.total,
        initial=report.skipped,
        unit="run",
        file=sys.stderr,
        disable=not enabled,
        dynamic_ncols=True,
        smoothing=0.1,
    )
    bar.set_postfix(done=report.skipped, failed=0)
    return bar
