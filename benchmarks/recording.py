"""What recording a month costs: :meth:`Recorder.record` against the month it records.

Builds the bench scenario of ``pushpull bench`` (the graduation package, every pull
actor, the ``layered`` strategy) at each size, runs ``--months`` months (the last few
timed, with and without the recorder), then calls :meth:`Recorder.record` ``--calls``
times on the same month and prints, per size:

* the median time of one :meth:`Recorder.record` call (every month is recorded in the
  bench scenario), ms;
* the median time of a whole month (:meth:`GraduationModel.step`, recording included),
  ms, and the recorder's share of it;
* the same two medians in CPU time of this process (``time.process_time``), which a
  machine shared with other work inflates less than wall time.

The recorded month is not a household-panel month, so the figure is the monthly
aggregates alone (a panel month also copies the panel's columns). Usage::

    .venv/bin/python benchmarks/recording.py --households 100000 --months 12 --calls 15
"""

from __future__ import annotations

import argparse
import statistics
import time


def measure(households: int, months: int, calls: int) -> dict:
    """Time the recorder and the month at one size (in this process)."""
    from pushpull_sim.bench import bench_scenario
    from pushpull_sim.model import GraduationModel

    model = GraduationModel(bench_scenario(households))
    steps, steps_cpu = [], []
    for _ in range(months):
        t, c = time.perf_counter(), time.process_time()
        model.step()
        steps.append(time.perf_counter() - t)
        steps_cpu.append(time.process_time() - c)
    recorder = model.recorder
    while model.month in recorder.panel_months:  # time the aggregates alone
        model.step()
    recorder.record(model)  # compile / warm up
    rows = len(recorder._rows)
    record, record_cpu = [], []
    for _ in range(calls):
        t, c = time.perf_counter(), time.process_time()
        recorder.record(model)
        record.append(time.perf_counter() - t)
        record_cpu.append(time.process_time() - c)
    del recorder._rows[rows:], recorder._months[rows:]  # the extra calls' rows
    month = statistics.median(steps[len(steps) // 2 :])  # after the first months' set-up
    month_cpu = statistics.median(steps_cpu[len(steps_cpu) // 2 :])
    return {
        "households": households,
        "record_ms": 1e3 * statistics.median(record),
        "month_ms": 1e3 * month,
        "share": statistics.median(record) / month,
        "record_cpu_ms": 1e3 * statistics.median(record_cpu),
        "month_cpu_ms": 1e3 * month_cpu,
        "share_cpu": statistics.median(record_cpu) / month_cpu,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, nargs="+", default=[100_000])
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--calls", type=int, default=15)
    args = parser.parse_args()
    print(
        f"{'households':>10} {'record ms':>10} {'month ms':>10} {'share':>7}"
        f" {'record cpu':>11} {'month cpu':>10} {'share':>7}"
    )
    for n in args.households:
        r = measure(n, args.months, args.calls)
        print(
            f"{r['households']:>10,} {r['record_ms']:>10.2f} {r['month_ms']:>10.1f}"
            f" {100 * r['share']:>6.1f}% {r['record_cpu_ms']:>11.2f}"
            f" {r['month_cpu_ms']:>10.1f} {100 * r['share_cpu']:>6.1f}%"
        )


if __name__ == "__main__":
    main()
