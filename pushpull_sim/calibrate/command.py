"""The ``pushpull calibrate`` subcommand.

``pushpull calibrate SCENARIO --targets FILE --params SPEC [--trials N] [--replications R]
[--workers N | --scheduler ADDRESS] [--seed S] [--out DIR] [--resume] [--force]
[--fit-months M ...] [--confirm-replications R2] [--confirm-seed S2] [--quiet]
[--no-figures]``

Bad input prints one line to standard error and exits with status 2, before any trial;
nothing already written is touched (an existing DIR is refused without ``--resume`` or
``--force``). This module imports nothing heavy: Optuna and the model load only when the
command runs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def add_calibrate_parser(sub, int_in) -> None:
    """Add the ``calibrate`` subcommand to the ``pushpull`` parser.

    Args:
        sub: The parser's subparsers action.
        int_in: The CLI's bounded-integer argument type factory.
    """
    cal = sub.add_parser(
        "calibrate",
        help="fit scenario parameters to published figures (Optuna), with a confirmation",
        description="Fit the parameters of SPEC to the targets of FILE with Optuna's TPE "
        "sampler: each trial averages R replications on common random numbers; the loss "
        "sums the squared gaps in combined (published and simulation) standard errors over "
        "the fit targets. Writes the calibrated scenario, fit.csv, trials.parquet, "
        "report.md and figures to DIR, after rerunning the best parameters on fresh seeds. "
        "See docs/calibration.md.",
    )
    cal.add_argument("scenario", type=Path, metavar="SCENARIO", help="base scenario TOML file")
    cal.add_argument(
        "--targets", type=Path, required=True, metavar="FILE", help="targets TOML file"
    )
    cal.add_argument(
        "--params",
        type=Path,
        required=True,
        metavar="SPEC",
        help="parameter spec TOML file: [params] dotted keys with low, high, scale",
    )
    cal.add_argument(
        "--trials",
        type=int_in(1, 100_000),
        default=50,
        metavar="N",
        help="trials in all (default 50)",
    )
    cal.add_argument(
        "--replications",
        type=int_in(2, 10_000),
        default=4,
        metavar="R",
        help="replications per trial, on common random numbers (default 4)",
    )
    engine = cal.add_mutually_exclusive_group()
    engine.add_argument(
        "--workers",
        type=int_in(1, 1024),
        metavar="N",
        help="local worker processes (default: cores, at most R)",
    )
    engine.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="Dask scheduler address (e.g. tcp://10.0.0.5:8786): run on that cluster",
    )
    cal.add_argument(
        "--seed", type=int_in(0, 2**63 - 1), metavar="S", help="seed (default: the scenario's)"
    )
    cal.add_argument(
        "--fit-months",
        type=int_in(1, 1200),
        nargs="+",
        default=[24],
        metavar="M",
        help="months after the programme's start whose targets fit; others are held out "
        "(default 24)",
    )
    cal.add_argument(
        "--confirm-replications",
        type=int_in(2, 10_000),
        metavar="R2",
        help="replications of the confirmation on fresh seeds (default 2R)",
    )
    cal.add_argument(
        "--confirm-seed",
        type=int_in(0, 2**63 - 1),
        metavar="S2",
        help="seed of the confirmation (default: derived from --seed)",
    )
    cal.add_argument(
        "--out", type=Path, metavar="DIR", help="output directory (default runs/calibrate-...)"
    )
    cal.add_argument(
        "--resume", action="store_true", help="continue the calibration in DIR up to --trials"
    )
    cal.add_argument("--force", action="store_true", help="replace an existing DIR")
    cal.add_argument("--quiet", action="store_true", help="no progress bar")
    cal.add_argument("--no-figures", action="store_true", help="write no figures")


def run_command(args: argparse.Namespace) -> int:
    """Run ``calibrate``; one-line errors and exit status 2 on bad input."""
    from pushpull_sim.calibrate.targets import CalibrationError
    from pushpull_sim.output import OutputError
    from pushpull_sim.scenario import ScenarioError

    try:
        return _calibrate(args)
    except (CalibrationError, ScenarioError, OutputError) as exc:
        print(f"pushpull calibrate: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _calibrate(args: argparse.Namespace) -> int:
    from pushpull_sim.calibrate.space import load_param_space
    from pushpull_sim.calibrate.targets import load_targets
    from pushpull_sim.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    targets = load_targets(args.targets)
    space = load_param_space(args.params)
    if args.resume and args.force:
        from pushpull_sim.output import OutputError

        raise OutputError("--resume and --force: give one")
    out = args.out or Path("runs") / f"calibrate-{scenario.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    from pushpull_sim.calibrate.report import format_result
    from pushpull_sim.calibrate.study import calibrate
    from pushpull_sim.kernels.warmup import compile_kernels

    compile_kernels()
    try:
        result = calibrate(
            args.scenario,
            targets,
            space,
            trials=args.trials,
            replications=args.replications,
            seed=args.seed,
            fit_months=args.fit_months,
            workers=args.workers,
            scheduler=args.scheduler,
            out=out,
            resume=args.resume,
            force=args.force,
            confirm_replications=args.confirm_replications,
            confirm_seed=args.confirm_seed,
            progress=not args.quiet,
            figures=not args.no_figures,
        )
    except KeyboardInterrupt:
        print(
            f"pushpull calibrate: interrupted; finished trials are kept in {out}/: continue "
            f"with the same command and --out {out} --resume",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    print(format_result(result))
    files = sorted(p.name for p in out.iterdir())
    print(f"\nwrote {out}/: {', '.join(files)} ({result.seconds:.1f} s)")
    return 0
