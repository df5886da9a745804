"""What the household event log costs: a month of the bench scenario with the log on and off.

Runs the bench scenario of ``pushpull bench`` (the graduation package, every pull actor,
the ``layered`` strategy, data collection on) at a given size for ``--months`` months,
alternately with ``output.events`` on and off, each run in a fresh process, and prints:

* the median time of a month with the log on and with it off (over every month of every
  run), and their ratio;
* the median time the log itself takes a month (:meth:`EventLog.record`, timed inside
  the runs with the log on), as a share of the median month with the log off;
* the events kept and the memory the log holds (events and paths).

The two medians differ by less than the noise of a shared machine, so the direct timing
of the log's own call is the figure to quote. Usage::

    .venv/bin/python benchmarks/event_log.py --households 100000 --months 24 --runs 3
"""

from __future__ import annotations

import argparse
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context


def one_run(households: int, months: int, events: bool) -> dict:
    """Time every month of one run (in this process)."""
    from pushpull_sim.bench import SEED, bench_scenario
    from pushpull_sim.events import EventLog
    from pushpull_sim.model import GraduationModel

    sc = bench_scenario(households, months).with_overrides(output={"events": events})
    log_times: list[float] = []
    if events:
        record = EventLog.record

        def timed(self, model):
            t0 = time.perf_counter()
            record(self, model)
            log_times.append(time.perf_counter() - t0)

        EventLog.record = timed  # this process only
    model = GraduationModel(sc, seed=SEED)
    month_times = []
    for _ in range(months):
        t0 = time.perf_counter()
        model.step()
        month_times.append(time.perf_counter() - t0)
    log = model.event_log
    return {
        "events": events,
        "month_times": month_times,
        "log_times": log_times,
        "kept": 0 if log is None else len(log),
        "buffer_mb": 0.0 if log is None else log.nbytes / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--runs", type=int, default=3, help="runs with the log on (and off)")
    args = parser.parse_args()
    on: list[dict] = []
    off: list[dict] = []
    ctx = get_context("spawn")
    for _ in range(args.runs):
        for events, into in ((False, off), (True, on)):
            with ProcessPoolExecutor(1, mp_context=ctx) as pool:
                into.append(pool.submit(one_run, args.households, args.months, events).result())
    month_on = statistics.median(t for r in on for t in r["month_times"])
    month_off = statistics.median(t for r in off for t in r["month_times"])
    log = statistics.median(t for r in on for t in r["log_times"])
    size = f"{args.households:,} households, {args.months} months, {args.runs} runs each"
    print(f"bench scenario, {size}")
    print(f"median month, log off: {month_off * 1e3:8.1f} ms")
    print(f"median month, log on:  {month_on * 1e3:8.1f} ms  (ratio {month_on / month_off:.3f})")
    print(
        f"median time of the log's own call a month: {log * 1e3:.2f} ms = "
        f"{100 * log / month_off:.2f} % of the median month (log off)"
    )
    print(
        f"events kept per run: {on[0]['kept']:,}; the log holds {on[0]['buffer_mb']:.1f} MB "
        "(events and the trial sample's monthly paths)"
    )


if __name__ == "__main__":
    main()
