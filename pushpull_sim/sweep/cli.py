"""The ``pushpull sweep`` and ``pushpull analyze`` subcommands.

``pushpull sweep SPEC [--workers N] [--scheduler ADDRESS] [--out DIR] [--resume] [--force]``
``pushpull analyze DIR [--outcomes A,B] [--pair X,Y] [--no-plots]``

Bad input prints one line to standard error and exits with status 2; nothing already
written is touched (an existing DIR is refused without ``--resume`` or ``--force``).
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

EXIT_USAGE = 2


def add_sweep_parsers(sub, int_in) -> None:
    """Add the ``sweep`` and ``analyze`` subcommands to the ``pushpull`` parser.

    Args:
        sub: The parser's subparsers action.
        int_in: The CLI's bounded-integer argument type factory.
    """
    sw = sub.add_parser(
        "sweep",
        help="run a parameter sweep (grid, Latin hypercube, Sobol, Morris)",
        description="Run every (point, replicate) of a sweep spec, streaming one summary "
        "row per run and its monthly time series to a Parquet dataset in DIR. See "
        "docs/sweeps.md.",
    )
    sw.add_argument("spec", type=Path, metavar="SPEC", help="sweep spec TOML file")
    sw.add_argument(
        "--workers", type=int_in(1, 1024), help="local worker processes (default: cores)"
    )
    sw.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="Dask scheduler address (e.g. tcp://10.0.0.5:8786): run on that cluster",
    )
    sw.add_argument(
        "--out", type=Path, metavar="DIR", help="sweep directory (default runs/<name>-<time>)"
    )
    sw.add_argument("--resume", action="store_true", help="complete the interrupted sweep in DIR")
    sw.add_argument("--force", action="store_true", help="replace an existing DIR")
    sw.add_argument("--quiet", action="store_true", help="no progress bar")
    an = sub.add_parser(
        "analyze",
        help="sensitivity indices and heatmaps of a sweep",
        description="Sobol S1/ST (sobol), Morris mu*/sigma (morris), RBD-FAST S1 (lhs) "
        "with confidence intervals, or heatmaps over two parameters (grid); written to "
        "DIR/analysis/.",
    )
    an.add_argument("dir", type=Path, metavar="DIR", help="sweep directory")
    an.add_argument("--outcomes", help="comma-separated outcome columns (default: all)")
    an.add_argument("--pair", help="grid heatmaps: two parameters X,Y (default: first two)")
    an.add_argument("--no-plots", action="store_true", help="indices only, no figures")


def run_command(args: argparse.Namespace) -> int:
    """Run ``sweep`` or ``analyze``; one-line errors, exit status 2 on bad input."""
    from pushpull_sim.output import OutputError
    from pushpull_sim.scenario import ScenarioError
    from pushpull_sim.sweep.analyze import AnalysisError
    from pushpull_sim.sweep.params import ParameterError
    from pushpull_sim.sweep.spec import SpecError

    try:
        if args.command == "sweep":
            return _sweep(args)
        return _analyze(args)
    except (SpecError, ParameterError, ScenarioError, OutputError, AnalysisError) as exc:
        message = exc.for_cli() if isinstance(exc, OutputError) else str(exc)
        print(f"pushpull {args.command}: error: {message}", file=sys.stderr)
        return EXIT_USAGE


def _sweep(args: argparse.Namespace) -> int:
    from pushpull_sim.output import OutputError
    from pushpull_sim.sweep.engine import run_sweep
    from pushpull_sim.sweep.spec import load_sweep

    sweep = load_sweep(args.spec)
    if args.scheduler is not None and args.workers is not None:
        raise OutputError("--workers and --scheduler: give one (the cluster has its workers)")
    out = args.out or Path("runs") / f"{sweep.spec.sweep.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    engine = f"Dask at {args.scheduler}" if args.scheduler else f"{args.workers or 'all'} cores"
    print(
        f"sweep {sweep.spec.sweep.name}: {sweep.spec.sweep.design} design, {sweep.n_points} "
        f"points x {sweep.spec.sweep.replications} replicate(s) = {sweep.n_runs} runs"
        + (f" x {len(sweep.strategies)} strategies" if sweep.strategies else "")
        + f", on {engine}",
        file=sys.stderr,
    )
    if args.scheduler is None:  # a cluster's workers compile on their own machines
        from pushpull_sim.kernels.warmup import compile_kernels

        compile_kernels()
    try:
        report = run_sweep(
            sweep,
            out,
            workers=args.workers,
            scheduler=args.scheduler,
            resume=args.resume,
            force=args.force,
            progress=not args.quiet,
        )
    except KeyboardInterrupt as exc:
        print(_interrupted(args, out, exc), file=sys.stderr)
        return 128 + signal.SIGINT
    except SystemExit as exc:  # SIGTERM (the command's handler raises SystemExit(143))
        if exc.code != 128 + signal.SIGTERM:
            raise
        print(_interrupted(args, out, exc, "stopped (SIGTERM)"), file=sys.stderr)
        return exc.code
    rate = report.done / report.seconds if report.seconds > 0 else float("nan")
    print(
        f"{report.done} run(s) done ({report.failed} failed), {report.skipped} already on "
        f"disk, in {report.seconds:.1f} s ({rate:.2f} runs/s)"
    )
    for line in report.errors[:5]:
        print(f"  failed {line}")
    if report.work not in (None, out) and not report.replaced:  # an incomplete replacement
        print(
            f"the new sweep is incomplete in {report.work}/ ({out}/ still holds the old one): "
            f"complete it with pushpull sweep {args.spec} --out {out} --resume"
        )
        return 0
    replaced = " (replacing the old sweep)" if report.replaced else ""
    print(f"wrote {out}/{replaced} (summary/, timeseries/, design.parquet, manifest.json)")
    return 0


def _interrupted(
    args: argparse.Namespace, out: Path, exc: BaseException, what: str = "interrupted"
) -> str:
    """The one line printed when a sweep is stopped: what is kept where, and the
    ``--resume`` command that completes it."""
    resume = f"pushpull sweep {args.spec} --out {out} --resume"
    staging = getattr(exc, "sweep_work", out)  # where the runs were going
    if staging != out:
        return (
            f"pushpull sweep: {what}; {out}/ still holds the old sweep; the new one's "
            f"finished runs are kept in {staging}/: complete it with {resume} (it then "
            f"replaces {out}/)"
        )
    return f"pushpull sweep: {what}; finished runs are kept in {out}/: complete them with {resume}"


def _analyze(args: argparse.Namespace) -> int:
    from pushpull_sim.sweep.analyze import AnalysisError, analyze, format_analysis

    outcomes = [o.strip() for o in args.outcomes.split(",")] if args.outcomes else None
    pair = None
    if args.pair:
        parts = [p.strip() for p in args.pair.split(",")]
        if len(parts) != 2:
            raise AnalysisError(f"--pair {args.pair}: must be two parameters X,Y")
        pair = (parts[0], parts[1])
    result = analyze(args.dir, outcomes=outcomes, pair=pair, plots=not args.no_plots)
    print(format_analysis(result))
    return 0
